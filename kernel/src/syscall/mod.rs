//! System call dispatch: decodes the registers of the `syscall` frame, runs the call, and
//! stores the result (or `-errno`) in `rax`. Errors are Linux errno values from here
//! down; the conversion to `-errno` happens once, here.

mod cred;
mod epoll;
mod fs;
mod itimer;
mod memory;
mod signal;
mod time;

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use crate::errno::ENOSYS;
use kestrel_abi::syscall::*;

use crate::arch::interrupts::TrapFrame;
use crate::context::{Process, Thread, scheduler};

/// A call's result.
pub type Result = core::result::Result<usize, crate::errno::Errno>;

/// The calling thread and its process, borrowed for the call (see
/// [`scheduler::with_current`]).
pub struct Context<'a> {
    pub thread: &'a Arc<Thread>,
    pub process: &'a Arc<Process>,
}

/// Answers the calls that only read the caller's own identity (getpid, getppid, gettid),
/// without the kernel lock: returns whether `frame` was one of them.
///
/// Nothing they read needs it. The running thread stays current on this CPU (only this
/// CPU switches its thread) and holds its process; pid and tid never change, and the
/// parent's pid is an atomic, replaced when the parent exits.
#[inline(always)]
pub fn answer_identity(frame: &mut TrapFrame) -> bool {
    let nr = frame.rax as usize;
    // One comparison for the three consecutive numbers.
    if nr.wrapping_sub(SYS_GETPID) > SYS_GETTID - SYS_GETPID {
        return false;
    }
    let value = scheduler::with_current(|thread| match nr {
        SYS_GETPID => thread.process.pid,
        SYS_GETPPID => thread.process.ppid.load(Ordering::Relaxed),
        _ => thread.tid,
    });
    frame.rax = u64::from(value);
    true
}

/// Runs the system call described by `frame` (number in rax, arguments in rdi, rsi, rdx,
/// r10, r8, r9). Entered without the kernel lock, and takes it for every call but a
/// `SYS_CALL`, which takes it once it knows whether the call needs it (`fs::call`).
#[inline(always)]
pub fn dispatch(frame: &mut TrapFrame) {
    scheduler::with_current(|thread| run(&Context { thread, process: &thread.process }, frame));
}

#[inline(always)]
fn run(cx: &Context<'_>, frame: &mut TrapFrame) {
    let [a, b, c, d, e] = [frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8].map(|v| v as usize);
    let nr = frame.rax as usize;
    // SYS_CALL carries every scheme operation (IPC included): tested before the rest.
    if nr == SYS_CALL {
        frame.rax = match fs::call(cx, frame, [a, b, c, d, e]) {
            Ok(value) => value as u64,
            Err(errno) => errno.to_syscall_return() as u64,
        };
        return;
    }
    crate::context::kernel_lock::acquire();
    let result = if nr == SYS_EPOLL_WAIT {
        epoll::epoll_wait(cx, a, b, c, d)
    } else if nr == SYS_SIGRETURN {
        // The restored frame carries its own rax.
        sigreturn(cx, frame);
        return;
    } else {
        other(cx, nr, [a, b, c, d])
    };
    frame.rax = match result {
        Ok(value) => value as u64,
        Err(errno) => errno.to_syscall_return() as u64,
    };
}

/// `SYS_SIGRETURN`, out of line: inlined, it took room in the hot text
/// (see linker.ld) that the frequent calls need.
#[inline(never)]
fn sigreturn(cx: &Context<'_>, frame: &mut TrapFrame) {
    if crate::context::signal::sigreturn(cx.thread, frame).is_err() {
        let (signo, code) = (kestrel_abi::signal::SIGSEGV, kestrel_abi::signal::SI_KERNEL);
        crate::context::signal::user_fault(frame, signo, code, 0, format_args!("bad signal frame"));
    }
}

/// Every call but SYS_CALL, sigreturn and the identity queries ([`answer_identity`]).
#[inline(never)]
fn other(cx: &Context<'_>, nr: usize, [a, b, c, d]: [usize; 4]) -> Result {
    match nr {
        SYS_OPEN => fs::open(cx, a, b, c),
        SYS_CLOSE => fs::close(cx, a),
        SYS_READ => fs::read(cx, a, b, c),
        SYS_WRITE => fs::write(cx, a, b, c),
        SYS_DUP2 => fs::dup2(cx, a, b),
        SYS_FCNTL => fs::fcntl(cx, a, b, c),
        SYS_FSTAT => fs::fstat(cx, a, b, c),
        SYS_FPATH => fs::fpath(cx, a, b, c),
        SYS_FTRUNCATE => fs::ftruncate(cx, a, b),
        SYS_UNLINK => fs::unlink(cx, a, b),
        SYS_RMDIR => fs::rmdir(cx, a, b),
        SYS_FRENAME => fs::frename(cx, a, b, c),
        SYS_LSEEK => fs::lseek(cx, a, b, c),
        SYS_FCHMOD => fs::fchmod(cx, a, b),
        SYS_FCHOWN => fs::fchown(cx, a, b, c),
        SYS_FEVENT => fs::fevent(cx, a, b),
        SYS_PIPE2 => fs::pipe2(cx, a, b),
        SYS_FMAP => memory::fmap(cx, a, b, c),
        SYS_FUNMAP => memory::funmap(cx, a, b),
        SYS_MPROTECT => memory::mprotect(cx, a, b, c),
        SYS_YIELD => {
            scheduler::yield_now();
            Ok(0)
        }
        SYS_NANOSLEEP => time::nanosleep(cx, a, b),
        SYS_CLOCK_NANOSLEEP => time::clock_nanosleep(cx, a, b, c, d),
        SYS_CLOCK_GETTIME => time::clock_gettime(cx, a, b),
        SYS_FUTEX => time::futex(cx, a, b, c, d),
        SYS_SIGACTION => signal::sigaction(cx, a, b, c),
        SYS_SIGPROCMASK => signal::sigprocmask(cx, a, b, c),
        SYS_SIGPENDING => signal::sigpending(cx, a),
        SYS_SIGSUSPEND => signal::sigsuspend(cx, a),
        SYS_SIGTIMEDWAIT => signal::sigtimedwait(cx, a, b, c),
        SYS_SIGQUEUE => signal::sigqueue(cx, a, b, c),
        SYS_SETITIMER => itimer::setitimer(cx, a, b, c),
        SYS_GETITIMER => itimer::getitimer(cx, a, b),
        SYS_ALARM => itimer::alarm(cx, a),
        SYS_GETRESUID => cred::getresuid(cx, a, b, c),
        SYS_GETRESGID => cred::getresgid(cx, a, b, c),
        SYS_SETRESUID => cred::setresuid(cx, a, b, c),
        SYS_SETRESGID => cred::setresgid(cx, a, b, c),
        SYS_SETUID => cred::setuid(cx, a),
        SYS_SETGID => cred::setgid(cx, a),
        SYS_SETEUID => cred::seteuid(cx, a),
        SYS_SETEGID => cred::setegid(cx, a),
        SYS_GETGROUPS => cred::getgroups(cx, a, b),
        SYS_SETGROUPS => cred::setgroups(cx, a, b),
        _ => Err(ENOSYS),
    }
}
