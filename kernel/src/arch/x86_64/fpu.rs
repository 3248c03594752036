//! Lazy saving of the user FPU/SSE state.
//!
//! `fxsave` and `fxrstor` move 512 bytes each and dominate a system call's cost under
//! emulation, so the user state stays in the registers while the kernel runs and is
//! saved only when something needs the registers: kernel code that uses SSE (the
//! precompiled `core` and the compiler's struct copies do), or a switch to another
//! thread that returns to user mode.
//!
//! The mechanism is `CR0.TS`. Every entry from user mode sets it, so the kernel's first
//! SSE instruction raises `#NM`; that handler (assembly, on its own IST stack because
//! kernel code keeps data in the red zone) clears TS and saves the registers into the
//! area of their owner. On the way back to user mode the registers are reloaded only if
//! they no longer hold the returning thread's state.
//!
//! Writing CR0 on entry and clearing TS on the way out are two of the four points per
//! system call where QEMU leaves translated code (about 27 ns of a 250 ns call), so a
//! thread whose user code is not using the FPU goes back to user mode with TS still set
//! ("parked", `ts_parked` in the CPU's block), and its next entry need not write CR0. If its user code
//! then uses the FPU, `#NM` arrives from user mode: the registers already hold its
//! state, so the handler only clears TS and marks the thread as using the FPU
//! (`fpu_hot_area`), whose returns then clear TS as before. The mark is dropped on
//! every timer tick, as Linux once decayed its `fpu_counter`: a thread that stops using
//! the FPU parks again, and one that keeps using it pays one `#NM` per tick.
//!
//! Invariants, per CPU (`FPU_OWNER`, `TS_PARKED` and `FPU_HOT_AREA` are the fields
//! `fpu_owner`, `ts_parked` and `fpu_hot_area` of its per-CPU block; interrupts are
//! disabled in the kernel):
//! - `FPU_OWNER` is the save area whose user state the registers hold, or 0 when they
//!   hold nothing worth keeping;
//! - in user mode, `FPU_OWNER` is the running thread's area, and TS is clear, or set
//!   with `TS_PARKED` = 1;
//! - `TS_PARKED` is 1 only from a parked return to the next entry from user mode or
//!   `#NM` from user mode, which reset it;
//! - in the kernel, TS clear implies `FPU_OWNER` is 0: whoever clears TS in the kernel
//!   saves the owner's state first.

use core::arch::global_asm;
use core::sync::atomic::{AtomicU64, Ordering};

use super::percpu;

/// The 512-byte `fxsave` area, 16-byte aligned.
#[repr(C, align(16))]
#[derive(Clone)]
pub struct FpuArea(pub [u8; 512]);

impl FpuArea {
    /// The state after `fninit` with the default MXCSR (all exceptions masked).
    pub fn initial() -> Self {
        let mut area = Self([0; 512]);
        // FCW = 0x37f, MXCSR = 0x1f80.
        area.0[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        area.0[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
        area
    }

    /// Clears MXCSR bits that would make `fxrstor` fault (state coming from user memory).
    pub fn sanitize(&mut self) {
        let mut mxcsr = u32::from_le_bytes([self.0[24], self.0[25], self.0[26], self.0[27]]);
        mxcsr &= 0xffbf;
        self.0[24..28].copy_from_slice(&mxcsr.to_le_bytes());
    }
}

/// CR0 as the kernel runs it, with TS set: what every entry from user mode loads (a
/// constant, where reading CR0 first would cost another emulated helper per entry).
#[unsafe(no_mangle)]
static CR0_TRAPPING: AtomicU64 = AtomicU64::new(0);

/// Records [`CR0_TRAPPING`] from the CR0 that boot set up (which nothing changes later
/// but TS).
pub fn init() {
    let cr0 = x86_64::registers::control::Cr0::read_raw();
    CR0_TRAPPING.store(cr0 | CR0_TS, Ordering::Relaxed);
}

/// CR0's task-switched bit.
const CR0_TS: u64 = 1 << 3;

// Each CPU's FPU owner, parked flag and hot area live in its per-CPU block
// (`PerCpu::fpu_owner`, `ts_parked`, `fpu_hot_area`).
/// Times user code used the FPU with TS parked (`#NM` from user mode).
#[unsafe(no_mangle)]
static FPU_PARKED_TRAPS: AtomicU64 = AtomicU64::new(0);
/// Where the kernel last used SSE with the user state live: the place to look when a
/// hot path starts paying for lazy saves.
#[unsafe(no_mangle)]
static FPU_LAST_RIP: AtomicU64 = AtomicU64::new(0);
/// Times the kernel's use of SSE forced a save (`#NM` with a live owner).
#[unsafe(no_mangle)]
static FPU_LAZY_SAVES: AtomicU64 = AtomicU64::new(0);

global_asm!(
    r#"
    .section .text.fpu, "ax"
    .global device_not_available_entry
device_not_available_entry:
    /* #NM: TS was set and something used the FPU. */
    pushq %rax
    clts
    testb $3, 16(%rsp)          /* the trapping cs, above the saved rax and rip */
    jz 2f
    /* From user mode, where TS was parked: the registers hold this thread's state. */
    swapgs
    movq %gs:{current_fpu_area}, %rax
    movq %rax, %gs:{fpu_hot_area}
    movb $0, %gs:{ts_parked}
    lock incq FPU_PARKED_TRAPS(%rip)
    swapgs
    popq %rax
    iretq
2:
    movq %gs:{fpu_owner}, %rax
    testq %rax, %rax
    jz 1f
    fxsave64 (%rax)
    movq $0, %gs:{fpu_owner}
    lock incq FPU_LAZY_SAVES(%rip)
    movq 8(%rsp), %rax          /* the trapping rip, above the saved rax */
    movq %rax, FPU_LAST_RIP(%rip)
1:
    popq %rax
    iretq
"#,
    current_fpu_area = const super::percpu::offsets::CURRENT_FPU_AREA,
    fpu_owner = const super::percpu::offsets::FPU_OWNER,
    fpu_hot_area = const super::percpu::offsets::FPU_HOT_AREA,
    ts_parked = const super::percpu::offsets::TS_PARKED,
    options(att_syntax)
);

unsafe extern "C" {
    fn device_not_available_entry();
}

/// The `#NM` handler's address, for the IDT.
pub fn device_not_available_handler() -> u64 {
    device_not_available_entry as *const () as u64
}

/// Called on every timer tick: no thread counts as using the FPU until its user code
/// traps again (see the module documentation).
pub fn on_timer_tick() {
    percpu::this().fpu_hot_area.store(0, Ordering::Relaxed);
}

/// How many times kernel code using SSE forced the user state out of the registers.
pub fn lazy_saves() -> u64 {
    FPU_LAZY_SAVES.load(Ordering::Relaxed)
}

/// How many times user code used the FPU after a return that parked TS.
pub fn parked_traps() -> u64 {
    FPU_PARKED_TRAPS.load(Ordering::Relaxed)
}

/// The kernel address whose SSE use last forced a lazy save.
pub fn last_lazy_save_rip() -> u64 {
    FPU_LAST_RIP.load(Ordering::Relaxed)
}

/// Makes sure `area` holds its thread's user state: if that state is live in the
/// registers, saves it there (so the area can be read or copied).
pub fn save_if_live(area: *mut FpuArea) {
    let owner = &percpu::this().fpu_owner;
    if owner.load(Ordering::Relaxed) == area as u64 {
        // SAFETY: the registers hold the owner's state (TS is set or the owner is
        // current), `area` is that owner's live 512-byte aligned save area, and clearing
        // TS with the owner reset to 0 keeps the module's invariant.
        unsafe { core::arch::asm!("clts", "fxsave64 [{}]", in(reg) area, options(nostack, preserves_flags)) };
        owner.store(0, Ordering::Relaxed);
    }
}

/// Forgets the registers' copy of `area`'s state, because the area is about to be
/// replaced (sigreturn, exec) or freed (thread teardown): the next return to user mode
/// loads the area instead.
pub fn forget(area: *mut FpuArea) {
    for cpu in percpu::online() {
        let _ = cpu.fpu_owner.compare_exchange(area as u64, 0, Ordering::Relaxed, Ordering::Relaxed);
    }
}
