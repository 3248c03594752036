//! `t_signal`: signal delivery: a handler runs (and registers and SSE state survive it),
//! masks hold signals pending until unblocked, a handler interrupts nanosleep with
//! EINTR, SIG_IGN ignores (and survives exec, which resets handlers), SIGTERM's default
//! action kills, SIGKILL can be neither caught nor blocked, `SA_RESETHAND` and
//! `SA_NODEFER` behave, and kill rejects bad arguments.

#![no_std]
#![no_main]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering};

use userspace::abi::proc::PROC_KILL;
use userspace::abi::syscall::{SYS_CALL, TimeSpec};
use userspace::process::{self, Status, WNOHANG};
use userspace::signal::{
    self, SA_NODEFER, SA_RESETHAND, SIG_BLOCK, SIG_DFL, SIG_SETMASK, SIG_UNBLOCK, SIGKILL, SIGSTOP, SIGTERM, SIGUSR1,
    SIGUSR2, bit,
};
use userspace::{Errno, check, check_eq, check_err, check_ok, println, time};

userspace::entry!(main);

const HELPER: &str = "/scheme/initfs/t_helper";

static USR1_COUNT: AtomicU64 = AtomicU64::new(0);
static USR1_MASK: AtomicU64 = AtomicU64::new(0);
static USR2_COUNT: AtomicU64 = AtomicU64::new(0);

/// Counts SIGUSR1, records the mask it runs with, and scribbles on caller-saved
/// registers, which the kernel must restore on sigreturn.
extern "C" fn on_usr1(signo: i32) {
    if signo == i32::from(SIGUSR1) {
        USR1_COUNT.fetch_add(1, Ordering::SeqCst);
    }
    USR1_MASK.store(signal::current_mask().unwrap_or(u64::MAX), Ordering::SeqCst);
    // SAFETY: only clobbers registers declared as clobbered.
    unsafe {
        asm!("xor r8d, r8d", "xor r9d, r9d", "xor r10d, r10d", "xorps xmm8, xmm8",
             out("r8") _, out("r9") _, out("r10") _, out("xmm8") _, options(nomem, nostack));
    }
}

extern "C" fn on_usr2(_signo: i32) {
    USR2_COUNT.fetch_add(1, Ordering::SeqCst);
}

/// kill(getpid(), SIGUSR1) as one `syscall` instruction, with a value in xmm8 and the
/// argument registers checked afterwards: the handler runs on the way back from it.
fn kill_self_checking_registers() {
    let Ok(fd) = process::proc_fd() else { return };
    let metadata = [PROC_KILL, process::getpid() as u64, u64::from(SIGUSR1)];
    let (meta_ptr, sentinel) = (metadata.as_ptr() as usize, 1234.5f64);
    let (ret, rdi, rsi, rdx, r10, r8, r9, xmm8): (usize, usize, usize, usize, usize, usize, usize, f64);
    // SAFETY: a SYS_CALL of PROC_KILL with an empty payload; the kernel only reads the
    // metadata array, which outlives the call.
    unsafe {
        asm!("syscall",
             inlateout("rax") SYS_CALL => ret, inlateout("rdi") fd => rdi, inlateout("rsi") 0usize => rsi,
             inlateout("rdx") 0usize => rdx, inlateout("r10") 3usize => r10, inlateout("r8") meta_ptr => r8,
             inlateout("r9") 0usize => r9, inlateout("xmm8") sentinel => xmm8, out("rcx") _, out("r11") _,
             options(nostack));
    }
    check_eq!(userspace::syscall::decode(ret), Ok(0), "kill(self, SIGUSR1)");
    check_eq!((rdi, rsi, rdx, r10, r8, r9), (fd, 0, 0, 3, meta_ptr, 0), "argument registers after the handler");
    check_eq!(xmm8, sentinel, "xmm8 after a handler that zeroed it");
}

fn handler_runs() {
    println!("t_signal: a SIGUSR1 handler runs for kill(getpid()), with SIGUSR1 blocked inside it");
    check_ok!(signal::set_handler(SIGUSR1, on_usr1), "sigaction SIGUSR1");
    let action = check_ok!(signal::get_action(SIGUSR1), "read back the action");
    check_eq!(action.map(|a| a.sa_handler), Some(on_usr1 as *const () as u64), "installed handler");
    let before = USR1_COUNT.load(Ordering::SeqCst);
    kill_self_checking_registers();
    check_eq!(USR1_COUNT.load(Ordering::SeqCst), before + 1, "handler runs before kill returns");
    check!(USR1_MASK.load(Ordering::SeqCst) & bit(SIGUSR1) != 0, "SIGUSR1 is blocked inside its handler");
    check_eq!(signal::current_mask(), Ok(0), "the mask is restored after the handler");
}

fn masks() {
    println!("t_signal: a blocked SIGUSR2 stays pending until unblocked");
    check_ok!(signal::set_handler(SIGUSR2, on_usr2), "sigaction SIGUSR2");
    check_eq!(signal::sigprocmask(SIG_BLOCK, Some(bit(SIGUSR2))), Ok(0), "block SIGUSR2 (old mask)");
    check_ok!(process::kill(process::getpid(), SIGUSR2), "kill(self, SIGUSR2)");
    check_eq!(USR2_COUNT.load(Ordering::SeqCst), 0, "no handler while blocked");
    check_eq!(signal::sigpending().map(|p| p & bit(SIGUSR2)), Ok(bit(SIGUSR2)), "SIGUSR2 is pending");
    check_eq!(signal::sigprocmask(SIG_UNBLOCK, Some(bit(SIGUSR2))), Ok(bit(SIGUSR2)), "unblock (old mask)");
    check_eq!(USR2_COUNT.load(Ordering::SeqCst), 1, "the handler ran once on unblock");
    check_eq!(signal::sigpending().map(|p| p & bit(SIGUSR2)), Ok(0), "nothing pending after delivery");
    println!("t_signal: SIGKILL and SIGSTOP cannot be blocked");
    check_ok!(signal::sigprocmask(SIG_SETMASK, Some(bit(SIGKILL) | bit(SIGSTOP) | bit(SIGUSR2))), "SIG_SETMASK");
    check_eq!(signal::current_mask(), Ok(bit(SIGUSR2)), "mask after trying to block SIGKILL and SIGSTOP");
    check_ok!(signal::sigprocmask(SIG_SETMASK, Some(0)), "clear the mask");
}

fn interrupted_sleep() {
    println!("t_signal: SIGUSR1 interrupts a 10 s nanosleep with EINTR");
    // The child inherits on_usr1. The parent repeats the signal until the child ends, so
    // a signal that lands before the child sleeps does not make it sleep 10 s.
    let child = || {
        let before = USR1_COUNT.load(Ordering::SeqCst);
        let mut rem = TimeSpec::default();
        let start = time::monotonic_ns();
        let result = time::nanosleep(&TimeSpec::from_nanos(10_000_000_000), Some(&mut rem));
        let ms = time::elapsed_ms(start);
        let rem_ms = rem.to_nanos().unwrap_or(0) / 1_000_000;
        match result {
            Err(Errno::EINTR) if ms >= 5_000 => 2,
            Err(Errno::EINTR) if USR1_COUNT.load(Ordering::SeqCst) == before => 3,
            Err(Errno::EINTR) if !(1_000..=10_000).contains(&rem_ms) => 4,
            Err(Errno::EINTR) => 0,
            _ => 1,
        }
    };
    let Some(pid) = check_ok!(process::fork_run(child), "fork") else { return };
    let status = signal_until_exit(pid, SIGUSR1);
    let meaning = match status.and_then(Status::exited) {
        Some(0) => "",
        Some(1) => "nanosleep did not fail with EINTR",
        Some(2) => "EINTR came only after 5 s",
        Some(3) => "the handler did not run",
        Some(4) => "the remaining time was not written (expected 1..10 s)",
        _ => "unexpected status",
    };
    check_eq!(status.and_then(Status::exited), Some(0), "sleeping child: {meaning}");
}

/// Sends `signo` to `pid` every 200 ms until it ends (at most 20 s); returns its status.
fn signal_until_exit(pid: usize, signo: u8) -> Option<Status> {
    for _ in 0..100 {
        let _ = time::sleep_ms(200);
        match process::waitpid(pid as isize, WNOHANG) {
            Ok((0, _)) => {}
            Ok((_, status)) => return Some(status),
            Err(e) => {
                check!(false, "waitpid({pid}): error {e:?}");
                return None;
            }
        }
        // The child may end between the two calls: then it is gone, which is no error.
        match process::kill(pid, signo) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(e) => {
                check!(false, "kill({pid}, {signo}): error {e:?}");
            }
        }
    }
    check!(false, "child {pid} did not end within 20 s");
    let _ = process::kill(pid, SIGKILL);
    process::wait_for(pid).ok()
}

fn ignored_signals() {
    println!("t_signal: SIG_IGN discards SIGUSR2; blocked, it stays pending until unblocked (as Linux)");
    check_ok!(signal::ignore(SIGUSR2), "ignore SIGUSR2");
    let before = USR2_COUNT.load(Ordering::SeqCst);
    check_ok!(process::kill(process::getpid(), SIGUSR2), "kill(self, SIGUSR2)");
    check_eq!(signal::sigpending().map(|p| p & bit(SIGUSR2)), Ok(0), "an ignored signal is not pending");
    check_ok!(signal::sigprocmask(SIG_BLOCK, Some(bit(SIGUSR2))), "block SIGUSR2");
    check_ok!(process::kill(process::getpid(), SIGUSR2), "kill(self, SIGUSR2) while blocked");
    check_eq!(signal::sigpending().map(|p| p & bit(SIGUSR2)), Ok(bit(SIGUSR2)), "a blocked one is pending");
    check_ok!(signal::sigprocmask(SIG_SETMASK, Some(0)), "clear the mask");
    check_eq!(signal::sigpending().map(|p| p & bit(SIGUSR2)), Ok(0), "unblocked, it was discarded");
    check_eq!(USR2_COUNT.load(Ordering::SeqCst), before, "the old handler did not run");

    println!("t_signal: an ignored SIGTERM stays ignored across exec");
    check_ok!(signal::ignore(SIGTERM), "ignore SIGTERM");
    let spawned = process::fork_run(|| process::exec(HELPER, &["t_helper", "sleep", "1000"], &[]).0 + 100);
    check_ok!(signal::set_default(SIGTERM), "default SIGTERM");
    if let Some(pid) = check_ok!(spawned, "fork") {
        let _ = time::sleep_ms(300);
        check_ok!(process::kill(pid, SIGTERM), "kill SIGTERM");
        check_eq!(process::wait_for(pid).ok().and_then(Status::exited), Some(0), "the exec'd child ignored SIGTERM");
    }

    println!("t_signal: exec resets a handled SIGUSR1 to its default (terminate)");
    let spawned = process::fork_run(|| process::exec(HELPER, &["t_helper", "sleep", "5000"], &[]).0 + 100);
    if let Some(pid) = check_ok!(spawned, "fork") {
        let status = signal_until_exit(pid, SIGUSR1);
        check_eq!(status.and_then(Status::signaled), Some(SIGUSR1), "the exec'd child was killed by SIGUSR1");
    }
}

fn default_and_kill() {
    println!("t_signal: SIGTERM's default action kills a sleeping child");
    if let Some(pid) = check_ok!(process::fork_run(|| time::sleep_ms(10_000).map_or(1, |_| 0)), "fork") {
        let _ = time::sleep_ms(100);
        check_ok!(process::kill(pid, SIGTERM), "kill SIGTERM");
        check_eq!(process::wait_for(pid).ok().and_then(Status::signaled), Some(SIGTERM), "WTERMSIG");
    }

    println!("t_signal: SIGKILL cannot be caught, ignored or blocked");
    check_err!(signal::set_handler(SIGKILL, on_usr2), Errno::EINVAL, "sigaction(SIGKILL, handler)");
    check_err!(signal::ignore(SIGKILL), Errno::EINVAL, "sigaction(SIGKILL, SIG_IGN)");
    check_err!(signal::set_handler(SIGSTOP, on_usr2), Errno::EINVAL, "sigaction(SIGSTOP, handler)");
    check_eq!(signal::get_action(SIGKILL).map(|a| a.sa_handler), Ok(SIG_DFL), "reading SIGKILL's action");
    check_err!(signal::get_action(0), Errno::EINVAL, "sigaction(0)");
    check_err!(signal::get_action(65), Errno::EINVAL, "sigaction(65)");
    let spinner = || {
        let _ = signal::sigprocmask(SIG_SETMASK, Some(u64::MAX));
        loop {
            core::hint::spin_loop();
        }
    };
    if let Some(pid) = check_ok!(process::fork_run(spinner), "fork") {
        let _ = time::sleep_ms(100);
        check_ok!(process::kill(pid, SIGKILL), "kill SIGKILL");
        check_eq!(process::wait_for(pid).ok().and_then(Status::signaled), Some(SIGKILL), "spinning child's WTERMSIG");
    }

    println!("t_signal: kill rejects bad signals and pids");
    check_err!(process::kill(process::getpid(), 65), Errno::EINVAL, "kill with signal 65");
    check_err!(process::kill(999_999, 0), Errno::ESRCH, "kill of a pid that does not exist");
    check_err!(process::kill(0, 0), Errno::EINVAL, "kill of pid 0 (no process groups)");
}

fn action_flags() {
    println!("t_signal: SA_NODEFER leaves the signal unblocked in its handler; SA_RESETHAND resets it");
    check_ok!(signal::set_handler_with(SIGUSR1, on_usr1, 0, SA_NODEFER | SA_RESETHAND), "sigaction");
    let before = USR1_COUNT.load(Ordering::SeqCst);
    check_ok!(process::kill(process::getpid(), SIGUSR1), "kill(self, SIGUSR1)");
    check_eq!(USR1_COUNT.load(Ordering::SeqCst), before + 1, "the handler ran");
    check_eq!(USR1_MASK.load(Ordering::SeqCst) & bit(SIGUSR1), 0, "SIGUSR1 not blocked under SA_NODEFER");
    check_eq!(signal::get_action(SIGUSR1).map(|a| a.sa_handler), Ok(SIG_DFL), "SA_RESETHAND restored SIG_DFL");
    println!("t_signal: sa_mask is added to the mask while the handler runs");
    check_ok!(signal::set_handler_with(SIGUSR1, on_usr1, bit(SIGUSR2), 0), "sigaction");
    check_ok!(process::kill(process::getpid(), SIGUSR1), "kill(self, SIGUSR1)");
    let mask = USR1_MASK.load(Ordering::SeqCst);
    check_eq!(mask & (bit(SIGUSR1) | bit(SIGUSR2)), bit(SIGUSR1) | bit(SIGUSR2), "mask inside the handler");
    check_eq!(signal::current_mask(), Ok(0), "mask after the handler");
}

fn main(_args: &[&str]) -> i32 {
    handler_runs();
    masks();
    interrupted_sleep();
    ignored_signals();
    default_and_kill();
    action_flags();
    userspace::check::finish()
}
