//! The handler frame: Linux's x86_64 `rt_sigframe` pushed on the user stack before a
//! handler runs, and `sigreturn`, which restores what it holds.
//!
//! Below the interrupted stack pointer and its 128-byte red zone lies the 512-byte
//! `fxsave` image of the FPU state (64-byte aligned), and below that the frame proper
//! (`kestrel_abi::signal::RtSigFrame`): the return address (`sa_restorer`), the
//! `ucontext` with the interrupted registers and the mask to restore, and the
//! `siginfo_t`. The handler is called with `rdi` = the signal, `rsi` = the `siginfo_t`,
//! `rdx` = the `ucontext`, and `rsp` pointing at the return address, 8 mod 16 as after a
//! `call`. Everything sigreturn reads back is user memory, so it may have been changed:
//! only user-controllable state is taken from it.

use core::mem::offset_of;
use core::sync::atomic::Ordering;

use alloc::sync::Arc;
use kestrel_abi::signal::{RtSigFrame, SS_DISABLE, SigAction, SigContext, SigInfo, UC_FLAGS, UContext, UNBLOCKABLE};

use super::super::{Thread, scheduler};
use crate::arch::fpu::FpuArea;
use crate::arch::gdt::{USER_CS, USER_DS};
use crate::arch::interrupts::TrapFrame;
use crate::errno::{EFAULT, Errno};
use crate::memory::user::{bytes_of, copy_from_user, copy_to_user, read_user};

const RED_ZONE: u64 = 128;
/// The `vector` of a frame restored by sigreturn (returns with iretq).
const RESTORED_FRAME: u64 = 0x101;
/// Page fault, the one exception whose address goes in `cr2`.
const PAGE_FAULT: u64 = 14;
/// The flags user code may set: CF PF AF ZF SF TF DF OF.
const USER_FLAGS: u64 = 0xcd5;

/// Pushes the frame for a handler of `info.si_signo` and points `regs` at the handler.
/// `restore_mask` is the mask sigreturn will put back.
pub(super) fn push(
    thread: &Arc<Thread>,
    regs: &mut TrapFrame,
    action: &SigAction,
    info: SigInfo,
    restore_mask: u64,
) -> Result<(), Errno> {
    let fpu_at = (regs.rsp.wrapping_sub(RED_ZONE + size_of::<FpuArea>() as u64)) & !63;
    let frame_at = (fpu_at.wrapping_sub(size_of::<RtSigFrame>() as u64) & !15).wrapping_sub(8);
    // Exceptions report their number and error code (and a page fault its address), as
    // Linux's `trapno`, `err` and `cr2`; a system call or an interrupt reports zeros.
    let (trapno, err) = if regs.vector < 32 { (regs.vector, regs.error_code) } else { (0, 0) };
    let cr2 = if regs.vector == PAGE_FAULT { info.addr() } else { 0 };
    let mcontext = SigContext {
        r8: regs.r8,
        r9: regs.r9,
        r10: regs.r10,
        r11: regs.r11,
        r12: regs.r12,
        r13: regs.r13,
        r14: regs.r14,
        r15: regs.r15,
        rdi: regs.rdi,
        rsi: regs.rsi,
        rbp: regs.rbp,
        rbx: regs.rbx,
        rdx: regs.rdx,
        rax: regs.rax,
        rcx: regs.rcx,
        rsp: regs.rsp,
        rip: regs.rip,
        eflags: regs.rflags,
        cs_gs_fs_ss: (regs.cs & 0xffff) | (regs.ss & 0xffff) << 48,
        err,
        trapno,
        oldmask: restore_mask,
        cr2,
        fpstate: fpu_at,
        reserved: [0; 8],
    };
    let frame = RtSigFrame {
        restorer: action.sa_restorer,
        uc: UContext {
            uc_flags: UC_FLAGS,
            ss_flags: SS_DISABLE,
            uc_mcontext: mcontext,
            uc_sigmask: restore_mask,
            ..UContext::default()
        },
        info,
    };
    let fpu = thread.fpu_snapshot();
    thread.process.with_space(|s| {
        copy_to_user(s, fpu_at, &fpu.0)?;
        copy_to_user(s, frame_at, bytes_of(&frame))
    })?;
    regs.rip = action.sa_handler;
    regs.rsp = frame_at;
    regs.rdi = info.si_signo as u64;
    regs.rsi = frame_at + offset_of!(RtSigFrame, info) as u64;
    regs.rdx = frame_at + offset_of!(RtSigFrame, uc) as u64;
    regs.rax = 0;
    regs.rflags &= !(1 << 10); // DF clear, as the ABI requires
    Ok(())
}

/// `SYS_SIGRETURN`: restores the registers, the FPU state and the mask from the frame
/// that `push` made, as the handler may have left it. The stack pointer is where the
/// restorer's `ret` left it: just past the return address.
pub fn sigreturn(thread: &Arc<Thread>, regs: &mut TrapFrame) -> Result<(), Errno> {
    let at = regs.rsp.checked_sub(8).ok_or(EFAULT)?;
    let process = &thread.process;
    let uc: UContext = process.with_space(|s| read_user(s, at.wrapping_add(offset_of!(RtSigFrame, uc) as u64)))?;
    let mc = uc.uc_mcontext;
    // No FPU image: the initial state, as Linux gives.
    let mut fpu = FpuArea::initial();
    if mc.fpstate != 0 {
        process.with_space(|s| copy_from_user(s, mc.fpstate, &mut fpu.0))?;
    }
    // The restored state may be from any point of the program (an interrupt), so every
    // register must come back: not a syscall frame, which returns with sysret. Only user
    // selectors, and flags without IOPL, with interrupts on.
    *regs = TrapFrame {
        r15: mc.r15,
        r14: mc.r14,
        r13: mc.r13,
        r12: mc.r12,
        r11: mc.r11,
        r10: mc.r10,
        r9: mc.r9,
        r8: mc.r8,
        rbp: mc.rbp,
        rdi: mc.rdi,
        rsi: mc.rsi,
        rdx: mc.rdx,
        rcx: mc.rcx,
        rbx: mc.rbx,
        rax: mc.rax,
        vector: RESTORED_FRAME,
        error_code: 0,
        rip: mc.rip,
        cs: u64::from(USER_CS),
        rflags: (mc.eflags & USER_FLAGS) | 0x202,
        rsp: mc.rsp,
        ss: u64::from(USER_DS),
    };
    thread.set_fpu(fpu);
    thread.sigmask.store(uc.uc_sigmask & !UNBLOCKABLE, Ordering::Relaxed);
    // The restored mask may unblock a pending signal, and the frame came from user memory.
    scheduler::request_return_check();
    Ok(())
}
