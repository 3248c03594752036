//! Processes and threads through the proc scheme: spawn, fork, exec, exit, waitpid,
//! kill, ids, thread creation and exit, machine shutdown.
//!
//! Every operation but the identity queries (getpid, getppid, gettid: direct system
//! calls) is a `SYS_CALL` on the process's handle to `/scheme/proc/self`,
//! opened on first use and kept in a static. A fork child inherits the descriptor and
//! the static together; the handle names whichever process calls through it. It is
//! opened close-on-exec: a new image opens its own.

use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicUsize, Ordering};

use kestrel_abi::proc::{
    PROC_EXEC, PROC_EXIT, PROC_FORK, PROC_FREE_FRAMES, PROC_GET_FS_BASE, PROC_KILL, PROC_SELF, PROC_SET_FS_BASE,
    PROC_SHUTDOWN, PROC_SPAWN, PROC_THREAD_CREATE, PROC_THREAD_EXIT, PROC_WAITPID, SpawnArgs, ThreadArgs,
};
use kestrel_abi::syscall::{SYS_GETPID, SYS_GETPPID, SYS_GETTID};
use kestrel_abi::wait;

use crate::fs::{self, O_CLOEXEC, O_RDWR};
use crate::syscall::syscall0;
use crate::{Errno, Result};

pub use kestrel_abi::proc::WNOHANG;

/// `waitpid`'s "any child".
pub const ANY_CHILD: isize = -1;

const NO_FD: usize = usize::MAX;
static PROC_FD: AtomicUsize = AtomicUsize::new(NO_FD);

/// The descriptor of `/scheme/proc/self`, opened on first use.
pub fn proc_fd() -> Result<usize> {
    let fd = PROC_FD.load(Ordering::Acquire);
    if fd != NO_FD {
        return Ok(fd);
    }
    let new = fs::open(PROC_SELF, O_RDWR | O_CLOEXEC)?;
    match PROC_FD.compare_exchange(NO_FD, new, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Ok(new),
        Err(theirs) => {
            // Another thread opened it first: keep one.
            let _ = fs::close(new);
            Ok(theirs)
        }
    }
}

/// A proc operation: `metadata` is the op then its arguments.
pub fn proc_call(metadata: &[u64], payload: &mut [u8]) -> Result<usize> {
    fs::call(proc_fd()?, payload, 0, metadata)
}

fn encode_spawn(path: &str, args: &[&str], env: &[&str]) -> Result<Vec<u8>> {
    let len = path.len() + 1 + args.iter().chain(env).map(|s| s.len() + 1).sum::<usize>() + 1;
    let args: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    let env: Vec<&[u8]> = env.iter().map(|s| s.as_bytes()).collect();
    let mut buf = alloc::vec![0u8; len];
    let n = SpawnArgs::encode(path.as_bytes(), &args, &env, &mut buf).ok_or(Errno::E2BIG)?;
    buf.truncate(n);
    Ok(buf)
}

/// Starts program `path` in a new child process with `args` (argv, `args[0]` being the
/// program's name) and `env`; returns the child's pid.
pub fn spawn(path: &str, args: &[&str], env: &[&str]) -> Result<usize> {
    let mut payload = encode_spawn(path, args, env)?;
    proc_call(&[PROC_SPAWN], &mut payload)
}

/// Forks: the child's pid in the parent, 0 in the child.
pub fn fork() -> Result<usize> {
    proc_call(&[PROC_FORK], &mut [])
}

/// Forks a child that runs `f` and exits with its result; returns the child's pid.
pub fn fork_run(f: impl FnOnce() -> i32) -> Result<usize> {
    match fork()? {
        0 => exit(f()),
        pid => Ok(pid),
    }
}

/// Replaces the program of the calling process; returns only on failure.
pub fn exec(path: &str, args: &[&str], env: &[&str]) -> Errno {
    let mut payload = match encode_spawn(path, args, env) {
        Ok(p) => p,
        Err(e) => return e,
    };
    match proc_call(&[PROC_EXEC], &mut payload) {
        Ok(_) => Errno::EIO, // exec does not return on success
        Err(e) => e,
    }
}

/// Ends the process with `status` (its low 8 bits).
pub fn exit(status: i32) -> ! {
    let _ = proc_call(&[PROC_EXIT, (status & 0xff) as u64], &mut []);
    // No way to exit (no proc handle): die by an invalid instruction rather than run on.
    loop {
        // SAFETY: ud2 only raises #UD, which ends the process.
        unsafe { core::arch::asm!("ud2", options(nomem, nostack)) };
    }
}

/// `waitpid(pid, options)`: pid [`ANY_CHILD`] for any; options [`WNOHANG`] or 0.
/// Returns the pid and wait status, or `(0, 0)` with `WNOHANG` when no child has ended.
pub fn waitpid(pid: isize, options: u64) -> Result<(usize, Status)> {
    let mut status = [0u8; 4];
    let got = proc_call(&[PROC_WAITPID, pid as usize as u64, options], &mut status)?;
    Ok((got, Status(i32::from_le_bytes(status))))
}

/// Waits for child `pid` to end, retrying after `EINTR`; returns its status.
pub fn wait_for(pid: usize) -> Result<Status> {
    loop {
        match waitpid(pid as isize, 0) {
            Ok((_, status)) => return Ok(status),
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Sends `signo` to process `pid` (0: only check that it exists).
pub fn kill(pid: usize, signo: u8) -> Result<()> {
    proc_call(&[PROC_KILL, pid as u64, u64::from(signo)], &mut []).map(drop)
}

/// The calling process's id.
pub fn getpid() -> usize {
    // SAFETY: the call takes no arguments and touches no user memory.
    unsafe { syscall0(SYS_GETPID) }.unwrap_or(0)
}

/// The parent's process id.
pub fn getppid() -> usize {
    // SAFETY: the call takes no arguments and touches no user memory.
    unsafe { syscall0(SYS_GETPPID) }.unwrap_or(0)
}

/// Sets the calling thread's FS base (thread-local storage).
pub fn set_fs_base(base: usize) -> Result<()> {
    proc_call(&[PROC_SET_FS_BASE, base as u64], &mut []).map(drop)
}

/// The calling thread's FS base.
pub fn fs_base() -> Result<usize> {
    proc_call(&[PROC_GET_FS_BASE], &mut [])
}

/// The kernel's free physical frames now (for leak checks).
pub fn free_frames() -> usize {
    proc_call(&[PROC_FREE_FRAMES], &mut []).unwrap_or(0)
}

/// The calling thread's id.
pub fn gettid() -> usize {
    // SAFETY: the call takes no arguments and touches no user memory.
    unsafe { syscall0(SYS_GETTID) }.unwrap_or(0)
}

/// Starts a thread per `args`; returns its tid.
///
/// # Safety
/// `args.entry` must be code that runs correctly from a stack at `args.stack_top` with
/// `args.arg` in `rdi`; the stack and `args.clear_tid` must stay mapped while it runs.
pub unsafe fn thread_create(args: &ThreadArgs) -> Result<usize> {
    let mut payload = *args;
    proc_call(&[PROC_THREAD_CREATE], crate::fs::bytes_of_mut(&mut payload))
}

/// Ends the calling thread (the process ends with its last thread).
pub fn thread_exit() -> ! {
    let _ = proc_call(&[PROC_THREAD_EXIT], &mut []);
    exit(127)
}

/// Ends the machine, reporting success or failure (root only). Returns only on failure.
pub fn shutdown(success: bool) -> Errno {
    match proc_call(&[PROC_SHUTDOWN, u64::from(!success)], &mut []) {
        Ok(_) => Errno::EIO,
        Err(e) => e,
    }
}

/// A wait status, encoded as Linux does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Status(pub i32);

impl Status {
    /// The exit code, if the child exited.
    pub const fn exited(self) -> Option<u8> {
        if wait::if_exited(self.0) { Some(wait::exit_status(self.0)) } else { None }
    }

    /// The signal that killed the child, if one did.
    pub const fn signaled(self) -> Option<u8> {
        if wait::if_signaled(self.0) { Some(wait::term_sig(self.0)) } else { None }
    }

    /// Whether the child exited with status 0.
    pub const fn success(self) -> bool {
        matches!(self.exited(), Some(0))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.exited(), self.signaled()) {
            (Some(code), _) => write!(f, "exit status {code}"),
            (_, Some(signo)) => write!(f, "killed by signal {signo}"),
            _ => write!(f, "wait status {:#x}", self.0),
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
