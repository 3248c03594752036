//! `t_fpu`: the user FPU/SSE state (xmm0-15, MXCSR, the x87 control word and stack)
//! survives every way of entering the kernel: system calls whose kernel path uses SSE
//! and ones that do not, yielding to another process that uses the same registers,
//! sleeping, preemption by the timer in the middle of a loop (between processes and
//! between threads of one process), and fork (the child starts with the parent's
//! registers). The kernel keeps this state in the registers while it
//! runs and saves it lazily, so each of these paths is a different case.

#![no_std]
#![no_main]

use core::arch::asm;

use userspace::abi::proc::PROC_FORK;
use userspace::abi::syscall::{SYS_CALL, SYS_FSTAT, SYS_NANOSLEEP, SYS_YIELD, Stat, TimeSpec};
use userspace::process::{self, Status};
use userspace::{check, check_eq, check_ok, println};

userspace::entry!(main);

/// Round toward zero, all exceptions masked: not the default 0x1f80, so a kernel that
/// loaded a fresh state instead of the user's would be caught.
const MXCSR: u32 = 0x7f80;
/// x87 control word: 53-bit precision, round down, all exceptions masked.
const FCW: u16 = 0x067f;

/// Everything one check loads before entering the kernel and reads back afterwards.
#[repr(C, align(16))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct VectorState {
    // Offsets used by the assembly: xmm 0, st0 256, mxcsr 272, fcw 276.
    xmm: [[u64; 2]; 16],
    /// The 80-bit x87 st(0), stored as 10 bytes plus padding.
    st0: [u8; 16],
    mxcsr: u32,
    fcw: u16,
    _pad: [u8; 10],
}

impl VectorState {
    /// A state whose every lane depends on `seed`.
    fn pattern(seed: u64) -> Self {
        let mut xmm = [[0u64; 2]; 16];
        for (i, lanes) in xmm.iter_mut().enumerate() {
            let base = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i as u64).wrapping_mul(0x1000_0000_01b3);
            *lanes = [base, !base.rotate_left(17)];
        }
        Self { xmm, st0: [0; 16], mxcsr: MXCSR, fcw: FCW, _pad: [0; 10] }
    }
}

/// The raw system call a check makes: number and the six argument registers.
#[derive(Clone, Copy)]
struct RawCall {
    nr: usize,
    args: [usize; 6],
}

/// Loads `state` (xmm0-15, MXCSR, FCW, and pi pushed on the x87 stack), spins `spin`
/// times, makes `call`, spins again, and returns what the registers hold afterwards
/// together with the call's result.
fn enter_kernel_with(state: &VectorState, call: RawCall, spin: u64) -> (VectorState, usize) {
    let mut after = VectorState { xmm: [[0; 2]; 16], st0: [0; 16], mxcsr: 0, fcw: 0, _pad: [0; 10] };
    let ret: usize;
    // SAFETY: every vector and x87 register the block writes is declared clobbered or
    // restored to an empty x87 stack (fldpi is matched by fstp); the pointers refer to
    // live locals; the system call is one the caller chose with valid arguments.
    unsafe {
        asm!(
            "ldmxcsr [{src} + 272]",
            "fldcw [{src} + 276]",
            "fldpi",
            "movaps xmm0, [{src} + 0]",
            "movaps xmm1, [{src} + 16]",
            "movaps xmm2, [{src} + 32]",
            "movaps xmm3, [{src} + 48]",
            "movaps xmm4, [{src} + 64]",
            "movaps xmm5, [{src} + 80]",
            "movaps xmm6, [{src} + 96]",
            "movaps xmm7, [{src} + 112]",
            "movaps xmm8, [{src} + 128]",
            "movaps xmm9, [{src} + 144]",
            "movaps xmm10, [{src} + 160]",
            "movaps xmm11, [{src} + 176]",
            "movaps xmm12, [{src} + 192]",
            "movaps xmm13, [{src} + 208]",
            "movaps xmm14, [{src} + 224]",
            "movaps xmm15, [{src} + 240]",
            "mov {n}, {spin}",
            "2: test {n}, {n}",
            "jz 3f",
            "dec {n}",
            "jmp 2b",
            "3:",
            "syscall",
            "mov {n}, {spin}",
            "4: test {n}, {n}",
            "jz 5f",
            "dec {n}",
            "jmp 4b",
            "5:",
            "movaps [{dst} + 0], xmm0",
            "movaps [{dst} + 16], xmm1",
            "movaps [{dst} + 32], xmm2",
            "movaps [{dst} + 48], xmm3",
            "movaps [{dst} + 64], xmm4",
            "movaps [{dst} + 80], xmm5",
            "movaps [{dst} + 96], xmm6",
            "movaps [{dst} + 112], xmm7",
            "movaps [{dst} + 128], xmm8",
            "movaps [{dst} + 144], xmm9",
            "movaps [{dst} + 160], xmm10",
            "movaps [{dst} + 176], xmm11",
            "movaps [{dst} + 192], xmm12",
            "movaps [{dst} + 208], xmm13",
            "movaps [{dst} + 224], xmm14",
            "movaps [{dst} + 240], xmm15",
            "fstp tbyte ptr [{dst} + 256]",
            "stmxcsr [{dst} + 272]",
            "fnstcw [{dst} + 276]",
            // Back to the defaults, so the rest of the program computes as usual.
            "push 0x1f80",
            "ldmxcsr [rsp]",
            "mov word ptr [rsp], 0x037f",
            "fldcw [rsp]",
            "pop {n}",
            src = in(reg) state,
            dst = in(reg) &mut after,
            spin = in(reg) spin,
            n = out(reg) _,
            inlateout("rax") call.nr => ret,
            in("rdi") call.args[0],
            in("rsi") call.args[1],
            in("rdx") call.args[2],
            in("r10") call.args[3],
            in("r8") call.args[4],
            in("r9") call.args[5],
            // Not lateout: the spin count must not share a register that syscall clobbers.
            out("rcx") _,
            out("r11") _,
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _,
            out("xmm4") _, out("xmm5") _, out("xmm6") _, out("xmm7") _,
            out("xmm8") _, out("xmm9") _, out("xmm10") _, out("xmm11") _,
            out("xmm12") _, out("xmm13") _, out("xmm14") _, out("xmm15") _,
        );
    }
    (after, ret)
}

/// The value `fldpi` pushes under FCW's round-down mode, as `fstp tbyte` stores it.
fn pi_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..10].copy_from_slice(&[0x34, 0xc2, 0x68, 0x21, 0xa2, 0xda, 0x0f, 0xc9, 0x00, 0x40]);
    b
}

/// Runs `call` `rounds` times with a fresh pattern each time and checks the state that
/// comes back; returns the number of mismatches.
fn survives(name: &str, call: impl Fn() -> RawCall, rounds: u64, seed: u64, spin: u64) -> usize {
    let mut bad = 0;
    for round in 0..rounds {
        let mut want = VectorState::pattern(seed ^ (round << 20));
        let (got, ret) = enter_kernel_with(&want, call(), spin);
        want.st0 = pi_bytes();
        if got != want {
            if bad == 0 {
                println!("t_fpu: {name}: round {round}: state changed (call returned {ret:#x})");
                for (i, (g, w)) in got.xmm.iter().zip(&want.xmm).enumerate() {
                    if g != w {
                        println!("t_fpu:   xmm{i}: {g:x?} want {w:x?}");
                    }
                }
                println!("t_fpu:   mxcsr {:#x} fcw {:#x} st0 {:x?}", got.mxcsr, got.fcw, &got.st0[..10]);
            }
            bad += 1;
        }
    }
    bad
}

fn proc_call(metadata: &[u64]) -> RawCall {
    let fd = process::proc_fd().unwrap_or(usize::MAX);
    RawCall { nr: SYS_CALL, args: [fd, 0, 0, metadata.len(), metadata.as_ptr() as usize, 0] }
}

const GETPPID: [u64; 1] = [userspace::abi::proc::PROC_GETPPID];

fn single_process() {
    println!("t_fpu: the state survives system calls with and without kernel SSE use");
    check_eq!(survives("getppid", || proc_call(&GETPPID), 300, 1, 0), 0, "getppid rounds that changed the state");
    let mut stat = Stat::default();
    let stat_ptr = &raw mut stat as usize;
    let fstat = || RawCall { nr: SYS_FSTAT, args: [1, stat_ptr, size_of::<Stat>(), 0, 0, 0] };
    check_eq!(survives("fstat", fstat, 300, 2, 0), 0, "fstat rounds that changed the state");
    let yield_call = || RawCall { nr: SYS_YIELD, args: [0; 6] };
    check_eq!(survives("sched_yield", yield_call, 100, 3, 0), 0, "sched_yield rounds that changed the state");
    let nap = TimeSpec { tv_sec: 0, tv_nsec: 1_000_000, ..TimeSpec::default() };
    let nap_ptr = &nap as *const TimeSpec as usize;
    let sleep = || RawCall { nr: SYS_NANOSLEEP, args: [nap_ptr, 0, 0, 0, 0, 0] };
    check_eq!(survives("nanosleep 1 ms", sleep, 20, 4, 0), 0, "nanosleep rounds that changed the state");
}

/// Two processes that each keep their own pattern in the registers while yielding to
/// each other and while being preempted in long spins.
fn two_processes() {
    println!("t_fpu: two processes yielding and preempted keep their own state");
    let child = process::fork_run(|| {
        let yields = survives("child yield", || RawCall { nr: SYS_YIELD, args: [0; 6] }, 300, 100, 0);
        let spins = survives("child spin", || proc_call(&GETPPID), 15, 200, 2_000_000);
        i32::from(yields + spins != 0)
    });
    let Ok(child) = child else {
        check!(false, "fork failed: {child:?}");
        return;
    };
    let yields = survives("parent yield", || RawCall { nr: SYS_YIELD, args: [0; 6] }, 300, 300, 0);
    check_eq!(yields, 0, "parent yield rounds that changed the state");
    let spins = survives("parent spin", || proc_call(&GETPPID), 15, 400, 2_000_000);
    check_eq!(spins, 0, "parent spin rounds that changed the state");
    check_eq!(process::wait_for(child).map(Status::exited), Ok(Some(0)), "the child saw its own state throughout");
}

/// Two threads of one process: the state belongs to each thread, not to the process.
fn two_threads() {
    println!("t_fpu: two threads yielding and preempted keep their own state");
    let other = userspace::thread::spawn(|| {
        survives("thread yield", || RawCall { nr: SYS_YIELD, args: [0; 6] }, 300, 500, 0)
            + survives("thread spin", || proc_call(&GETPPID), 15, 600, 2_000_000)
    });
    let Some(other) = check_ok!(other, "thread spawn") else { return };
    let yields = survives("main thread yield", || RawCall { nr: SYS_YIELD, args: [0; 6] }, 300, 700, 0);
    check_eq!(yields, 0, "main thread yield rounds that changed the state");
    let spins = survives("main thread spin", || proc_call(&GETPPID), 15, 800, 2_000_000);
    check_eq!(spins, 0, "main thread spin rounds that changed the state");
    check_eq!(other.join().ok(), Some(0), "rounds in which the other thread's state changed");
}

/// Forks from inside the loaded state: both sides come back with the parent's registers.
fn fork_copies_state() {
    println!("t_fpu: a forked child starts with the parent's registers");
    let fork = [PROC_FORK];
    let want = {
        let mut s = VectorState::pattern(77);
        s.st0 = pi_bytes();
        s
    };
    let (got, pid) = enter_kernel_with(&VectorState::pattern(77), proc_call(&fork), 0);
    if pid == 0 {
        process::exit(i32::from(got != want));
    }
    check!(pid < 0x8000_0000, "fork returned {pid:#x}");
    check_eq!(got, want, "the parent's state after fork");
    check_eq!(process::wait_for(pid).map(Status::exited), Ok(Some(0)), "the child's state after fork");
}

fn main(_args: &[&str]) -> i32 {
    single_process();
    two_processes();
    two_threads();
    fork_copies_state();
    userspace::check::finish()
}
