//! What one fuzzing worker does (the `fuzz` program's supervisor is in `bin/fuzz.rs`):
//! system calls and scheme calls with random and edge-case arguments, forever, counting
//! each call in a word the supervisor watches.
//!
//! Arguments come from the edges of their types (0, 1, -1, the sign bit, `u64::MAX`),
//! from bad addresses (page 0, the kernel half, kernel text, unmapped user memory, a
//! range running past the end of user space), from the worker's own buffer (so that
//! calls which do reach an object see plausible bytes), and from its descriptors (one
//! per scheme, pipes, descriptors made by earlier calls, closed and never-opened numbers,
//! upper-table numbers). `SYS_CALL` metadata has any length, and its first word is
//! usually a real operation number.
//!
//! What must not happen to the machine is kept away: a call on a `proc` descriptor
//! (checked with `fpath` before every `SYS_CALL`) never spawns, execs, shuts down,
//! starts a thread or moves the FS base, and signals only the worker itself; a fork's
//! child ends at once. Everything else (killing itself with a bad signal handler,
//! unmapping its own code, sleeping forever) is the worker's business: the supervisor
//! starts another.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::abi::proc::{PROC_EXIT, PROC_FORK, PROC_GETPID, PROC_KILL, PROC_TKILL};
use crate::abi::syscall::*;
use crate::rand::Rng;
use crate::syscall::syscall6;

/// Values at the edges of the argument types.
const EDGES: [u64; 22] = [
    0,
    1,
    2,
    3,
    7,
    8,
    16,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    4095,
    4096,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    1 << 32,
    1 << 47,
    1 << 62,
    i64::MAX as u64,
    1 << 63,
    u64::MAX,
];

/// Addresses no call may use.
const BAD_ADDRESSES: [u64; 10] = [
    0,
    1,
    0xfff,
    0x7000_0000_0000,
    0x7fff_ffff_f000,
    0x7fff_ffff_fff8,
    0x8000_0000_0000,
    0xffff_8000_0000_0000,
    0xffff_ffff_8000_0000,
    u64::MAX - 7,
];

/// Every system call number the kernel knows, and two it does not.
const CALLS: [usize; 51] = [
    SYS_OPEN,
    SYS_CLOSE,
    SYS_READ,
    SYS_WRITE,
    SYS_DUP2,
    SYS_FCNTL,
    SYS_FSTAT,
    SYS_FPATH,
    SYS_FTRUNCATE,
    SYS_UNLINK,
    SYS_RMDIR,
    SYS_FRENAME,
    SYS_LSEEK,
    SYS_FCHMOD,
    SYS_FCHOWN,
    SYS_FEVENT,
    SYS_PIPE2,
    SYS_FMAP,
    SYS_FUNMAP,
    SYS_MPROTECT,
    SYS_YIELD,
    SYS_NANOSLEEP,
    SYS_CLOCK_NANOSLEEP,
    SYS_CLOCK_GETTIME,
    SYS_FUTEX,
    SYS_SIGACTION,
    SYS_SIGPROCMASK,
    SYS_SIGPENDING,
    SYS_SIGSUSPEND,
    SYS_SIGTIMEDWAIT,
    SYS_SIGQUEUE,
    SYS_SETITIMER,
    SYS_GETITIMER,
    SYS_ALARM,
    SYS_GETRESUID,
    SYS_GETRESGID,
    SYS_SETRESUID,
    SYS_SETRESGID,
    SYS_SETUID,
    SYS_SETGID,
    SYS_SETEUID,
    SYS_SETEGID,
    SYS_GETGROUPS,
    SYS_SETGROUPS,
    SYS_GETPID,
    SYS_GETPPID,
    SYS_GETTID,
    SYS_EPOLL_WAIT,
    SYS_SIGRETURN,
    0x7777,
    usize::MAX,
];

/// Paths a worker opens (its own names under `tmp` and `shm` carry its number).
const PATHS: [&str; 17] = [
    "/scheme/sem",
    "/scheme/msg",
    "/scheme/shm",
    "/scheme/shm/fuzz",
    "/scheme/mq",
    "/scheme/timerfd",
    "/scheme/eventfd",
    "/scheme/signalfd",
    "/scheme/event",
    "/scheme/proc/self",
    "/scheme/sys/resources",
    "/scheme/sys/sysvipc/shm",
    "/scheme/sys/",
    "/scheme/tmp/fuzz",
    "/scheme/tmp/",
    "/scheme/initfs/",
    "/scheme/nothing",
];

/// A worker: its generator, buffer, descriptors and identity.
pub struct Worker<'a> {
    rng: Rng,
    buf: &'a mut [u8],
    fds: Vec<usize>,
    pid: u64,
    calls: &'a AtomicU64,
    last: &'a AtomicU64,
}

impl<'a> Worker<'a> {
    /// A worker with `seed`, counting its calls in `calls`; opens one descriptor per
    /// path and a pipe, and points its output at a file nobody reads.
    /// `last` holds the number of the call in progress (its first metadata word in the
    /// high half for a `SYS_CALL`), for the supervisor's report of where workers sleep.
    pub fn new(seed: u64, buf: &'a mut [u8], calls: &'a AtomicU64, last: &'a AtomicU64) -> Self {
        let pid = crate::process::getpid() as u64;
        let mut fds = Vec::new();
        for path in PATHS {
            if let Ok(fd) = crate::fs::open(path, O_RDWR | O_CREAT) {
                fds.push(fd);
            } else if let Ok(fd) = crate::fs::open(path, O_RDONLY) {
                fds.push(fd);
            }
        }
        if let Ok([r, w]) = crate::fs::pipe2(O_NONBLOCK) {
            fds.extend([r, w]);
        }
        // Random writes to the standard descriptors (the console) would fill it.
        if let Ok(quiet) = crate::fs::open("/scheme/sys/resources", O_RDONLY) {
            for fd in 0..3 {
                let _ = crate::fs::dup2(quiet, fd);
            }
        }
        Self { rng: Rng(seed | 1), buf, fds, pid, calls, last }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.rng.below(from.len() as u64) as usize]
    }

    /// A number: an edge, a small one, or anything.
    fn number(&mut self) -> u64 {
        match self.rng.below(4) {
            0 => self.pick(&EDGES),
            1 => self.rng.below(64),
            2 => self.rng.next(),
            _ => self.pick(&EDGES).wrapping_add(self.rng.below(3)).wrapping_sub(1),
        }
    }

    /// An address and a length: mostly inside the buffer, else bad.
    fn memory(&mut self) -> (u64, u64) {
        let len = match self.rng.below(5) {
            0 => self.rng.below(16),
            1 => self.pick(&[8, 16, 24, 32, 104, 112, 120, 128, 4096]),
            2 => self.rng.below(self.buf.len() as u64 + 1),
            3 => self.number(),
            _ => self.rng.below(512),
        };
        if self.chance(75) {
            let at = self.rng.below(self.buf.len() as u64);
            (self.buf.as_ptr() as u64 + at.min(self.buf.len() as u64 - len.min(self.buf.len() as u64)), len)
        } else {
            (self.pick(&BAD_ADDRESSES), len)
        }
    }

    /// A descriptor: one of the worker's, a number nothing may hold, or an upper one.
    fn descriptor(&mut self) -> u64 {
        match self.rng.below(10) {
            0 => self.number(),
            1 => (UPPER_FDTBL_TAG as u64) | self.rng.below(8),
            2 => self.rng.below(40),
            _ if !self.fds.is_empty() => {
                let fds = core::mem::take(&mut self.fds);
                let fd = self.pick(&fds);
                self.fds = fds;
                fd as u64
            }
            _ => self.rng.below(16),
        }
    }

    /// An argument of no particular kind.
    fn argument(&mut self) -> u64 {
        match self.rng.below(3) {
            0 => self.descriptor(),
            1 => self.memory().0,
            _ => self.number(),
        }
    }

    /// Fills part of the buffer with random bytes, or with a path.
    fn scribble(&mut self) {
        if self.chance(50) {
            let path = self.pick(&PATHS).as_bytes();
            let n = path.len().min(self.buf.len());
            self.buf[..n].copy_from_slice(&path[..n]);
        } else {
            let start = self.rng.below(self.buf.len() as u64) as usize;
            let end = (start + self.rng.below(256) as usize).min(self.buf.len());
            for i in start..end {
                self.buf[i] = self.rng.next() as u8;
            }
        }
    }

    /// Mostly a signal whose default action is to do nothing (or none at all), now and
    /// then `signo` itself.
    fn harmless_signal(&mut self, signo: u64) -> u64 {
        if self.chance(97) { self.pick(&[0, 17, 23, 28]) } else { signo }
    }

    /// Whether `fd` is a `proc` descriptor (its path says so).
    fn is_proc(&mut self, fd: u64) -> bool {
        let mut path = [0u8; 32];
        matches!(crate::fs::fpath(fd as usize, &mut path), Ok(n) if path[..n.min(32)].starts_with(b"/scheme/proc"))
    }

    /// One `SYS_CALL`: random metadata of random length, its first word usually an
    /// operation number; on a proc descriptor only the operations that harm no one else.
    fn scheme_call(&mut self) {
        let fd = self.descriptor();
        let mut metadata = [0u64; 6];
        let count = if self.chance(90) { self.rng.below(6) } else { self.number() & 0xff };
        for word in metadata.iter_mut() {
            *word = self.argument();
        }
        if self.chance(85) {
            metadata[0] = self.rng.below(20);
        }
        let mut fork = false;
        if self.is_proc(fd) {
            match metadata[0] {
                PROC_KILL | PROC_TKILL => {
                    metadata[1] = self.pid;
                    metadata[2] = self.harmless_signal(metadata[2]);
                }
                PROC_FORK => fork = true,
                op if op <= 17 && !matches!(op, 5 | 7 | 8 | 11 | 13 | 15 | 16) => metadata[0] = PROC_GETPID,
                _ => {}
            }
        }
        let (payload, len) = self.memory();
        let any = self.rng.next() as usize;
        let flags = (self.pick(&[0, CALL_READ, CALL_WRITE, CALL_READ | CALL_WRITE, any]) & !CALL_METADATA_LEN)
            | (count as usize & CALL_METADATA_LEN);
        let meta_at = if self.chance(95) { metadata.as_ptr() as u64 } else { self.pick(&BAD_ADDRESSES) };
        let args = [fd, payload, len, flags as u64, meta_at];
        self.last.store((metadata[0] << 32) | SYS_CALL as u64 & 0xffff_ffff, Ordering::Relaxed);
        let result = self.raw(SYS_CALL, args);
        if fork && result == Ok(0) {
            // The child of a fork ends at once, by the call it just made.
            let exit = [PROC_EXIT, 0];
            let _ = self.raw(SYS_CALL, [fd, 0, 0, 2, exit.as_ptr() as u64]);
            // SAFETY: a fork child that could not exit dies of the invalid instruction.
            unsafe { core::arch::asm!("ud2", options(noreturn)) };
        }
        if let Ok(n) = result
            && n < 1024
            && n > 2
            && self.fds.len() < 64
        {
            self.fds.push(n);
        }
    }

    /// One call of any other kind.
    fn other_call(&mut self) {
        let nr = self.pick(&CALLS);
        let mut args = [0u64; 5];
        for arg in args.iter_mut() {
            *arg = self.argument();
        }
        match nr {
            // Signals for this worker only, and mostly harmless ones (most signals end
            // a process by default).
            SYS_SIGQUEUE => {
                args[0] = self.pid;
                args[1] = self.harmless_signal(args[1]);
            }
            SYS_OPEN | SYS_UNLINK | SYS_RMDIR => {
                self.scribble();
                let (at, _) = self.memory();
                args[0] = at;
                args[1] = self.rng.below(64);
                let any = self.rng.next() as usize;
                args[2] = self.pick(&[O_RDONLY, O_RDWR, O_RDWR | O_CREAT, O_WRONLY | O_TRUNC, any]) as u64;
            }
            // Rarely: a SIGALRM (deadly by default) ends the worker, and so does a
            // sigreturn to a frame of garbage; waiting for a signal that never comes or
            // for a random time ends in the supervisor's SIGKILL.
            SYS_ALARM | SYS_SETITIMER | SYS_SIGRETURN | SYS_SIGSUSPEND if self.chance(99) => return,
            SYS_NANOSLEEP | SYS_CLOCK_NANOSLEEP | SYS_SIGTIMEDWAIT if self.chance(80) => return,
            _ => {}
        }
        self.last.store(nr as u64 & 0xffff_ffff, Ordering::Relaxed);
        let result = self.raw(nr, args);
        if nr == SYS_OPEN
            && let Ok(fd) = result
            && self.fds.len() < 64
        {
            self.fds.push(fd);
        }
    }

    fn raw(&mut self, nr: usize, args: [u64; 5]) -> crate::Result<usize> {
        let [a, b, c, d, e] = args.map(|v| v as usize);
        // SAFETY: this is the point of the worker: any arguments at all. A call that
        // breaks the worker's own memory or control flow kills only the worker.
        unsafe { syscall6(nr, a, b, c, d, e, 0) }
    }

    /// Calls forever; `slowest` keeps the duration (µs, high half) and number (as in
    /// `last`, low half) of the slowest call so far, for the supervisor's report: a call
    /// that runs long without sleeping holds up the whole machine.
    pub fn run(&mut self, slowest: &AtomicU64) -> ! {
        loop {
            if self.chance(10) {
                self.scribble();
            }
            let start = crate::time::monotonic_ns();
            if self.chance(55) {
                self.scheme_call();
            } else {
                self.other_call();
            }
            let micros = (crate::time::monotonic_ns() - start) / 1000;
            if micros > slowest.load(Ordering::Relaxed) >> 32 {
                slowest.store((micros << 32) | (self.last.load(Ordering::Relaxed) & 0xffff_ffff), Ordering::Relaxed);
            }
            self.calls.fetch_add(1, Ordering::Relaxed);
        }
    }
}
