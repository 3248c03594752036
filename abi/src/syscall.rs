//! Syscall numbers. The Redox ones (re-stated here so that user code needs only this
//! crate) keep redox_syscall 0.9.5's values; the kestrel additions live at
//! `0x4b00 + n`, clear of every Redox number.
//!
//! `SYS_CALL`'s general rules and `EVENT_CALL_WAIT`: `abi/PROTOCOL.md`, sections 2 and 11.
//!
//! | call | args | result |
//! |---|---|---|
//! | `SYS_OPEN` | path ptr, path len, flags (`O_*` of redox_syscall) | fd |
//! | `SYS_READ` / `SYS_WRITE` | fd, buf, len | bytes |
//! | `SYS_CLOSE` | fd | 0 |
//! | `SYS_DUP2` | fd, newfd (`usize::MAX`: lowest free), 0, 0 | new fd |
//! | `SYS_FCNTL` | fd, cmd (`F_GETFD`, `F_SETFD`, `F_GETFL`, `F_SETFL`, `F_DUPFD`), arg | value |
//! | `SYS_FSTAT` | fd, `*mut Stat`, size | 0 |
//! | `SYS_FPATH` | fd, buf, len | bytes |
//! | `SYS_FTRUNCATE` | fd, length | 0 |
//! | `SYS_UNLINK` | path ptr, path len | 0 |
//! | `SYS_FEVENT` | fd, flags | current readiness |
//! | `SYS_CALL` | fd, payload ptr, payload len, flags (`CALL_READ`/`CALL_WRITE`, or neither for both) ORed with the metadata's length in words (≤ 3, bits 0-7, as redox_syscall's `call_*` pass it), metadata ptr | scheme-defined |
//! | `SYS_FMAP` | fd (`usize::MAX`: anonymous), `*const Map`, size | address |
//! | `SYS_FUNMAP` | addr, len | 0 |
//! | `SYS_MPROTECT` | addr, len, `MapFlags` prot bits | 0 |
//! | `SYS_YIELD` | | 0 |
//! | `SYS_NANOSLEEP` | `*const TimeSpec`, `*mut TimeSpec` (remaining, may be null) | 0 or EINTR |
//! | `SYS_CLOCK_NANOSLEEP` | clock, flags (`TIMER_ABSTIME`), `*const TimeSpec`, `*mut TimeSpec` (remaining, may be null) | 0 or EINTR |
//! | `SYS_CLOCK_GETTIME` | clock (`CLOCK_REALTIME` 1, `CLOCK_MONOTONIC` 4), `*mut TimeSpec` | 0 |
//! | `SYS_FUTEX` | addr, op (`FUTEX_WAIT` 0, `FUTEX_WAKE` 1), val, `*const TimeSpec` timeout or 0 | woken / 0; a wait without a timeout is made again after a `SA_RESTART` handler, a timed one is EINTR |
//! | `SYS_SIGACTION` | signo, `*const SigAction` or 0, `*mut SigAction` or 0 | 0 |
//! | `SYS_SIGPROCMASK` | how, `*const u64` or 0, `*mut u64` or 0 | 0 |
//! | `SYS_SIGRETURN` | | does not return to the caller |
//! | `SYS_SIGPENDING` | `*mut u64` | 0 |
//! | `SYS_SIGSUSPEND` | `*const u64` mask, in place until a handler ran | `EINTR` |
//! | `SYS_SIGTIMEDWAIT` | `*const u64` set, `*mut SigInfo` or 0, `*const TimeSpec` relative timeout or 0 | signal number |
//! | `SYS_SIGQUEUE` | pid, signo (0: only check), value (`si_value`) | 0 |
//! | `SYS_SETITIMER` | which (`ITIMER_REAL`), `*const ITimerVal` or 0 (disarm), `*mut ITimerVal` or 0 | 0 |
//! | `SYS_GETITIMER` | which, `*mut ITimerVal` | 0 |
//! | `SYS_ALARM` | seconds (0: disarm) | seconds left of the previous alarm, rounded as Linux |
//! | `SYS_GETRESUID` / `SYS_GETRESGID` | `*mut u32` ×3 | 0 |
//! | `SYS_SETRESUID` / `SYS_SETRESGID` | r, e, s (`u32::MAX` as usize: unchanged) | 0 |
//! | `SYS_SETUID` / `SYS_SETGID` / `SYS_SETEUID` / `SYS_SETEGID` | id | 0 |
//! | `SYS_GETPID` / `SYS_GETPPID` / `SYS_GETTID` | | the caller's process id, its parent's (1 once the parent has exited), its thread id |
//! | `SYS_EPOLL_WAIT` | event queue fd, `*mut` [`EPOLL_EVENT_SIZE`]-byte records, max records, deadline (as `EVENT_CALL_WAIT`'s) | records written, 0 at the deadline |
//! | `SYS_GETGROUPS` | size, `*mut u32` | count |
//! | `SYS_SETGROUPS` | size, `*const u32` | 0 |
//! | `SYS_LSEEK` | fd, offset (`isize`), whence (`SEEK_SET`, `SEEK_CUR`, `SEEK_END`) | new offset; EINVAL if negative, ESPIPE if the file cannot seek |
//! | `SYS_RMDIR` | path ptr, path len | 0 |
//! | `SYS_FRENAME` | fd, new path ptr, new path len (same scheme, else EXDEV) | 0 |
//! | `SYS_FCHMOD` | fd, mode (`0o7777` bits) | 0 |
//! | `SYS_FCHOWN` | fd, uid, gid (`u32::MAX` as usize: unchanged) | 0 |
//! | `SYS_PIPE2` | `*mut [usize; 2]` (read end, write end), flags (`O_CLOEXEC`, `O_NONBLOCK`) | 0 |
//!
//! Process management goes through the `proc` scheme with `SYS_CALL` (see [`crate::proc`]).

/// Redox class bits, as in redox_syscall.
const CLASS_PATH: usize = 0x1000_0000;
const CLASS_FILE: usize = 0x2000_0000;
const ARG_SLICE: usize = 0x0100_0000;
const ARG_MSLICE: usize = 0x0200_0000;
const ARG_PATH: usize = 0x0300_0000;
const RET_FILE: usize = 0x0010_0000;

pub const SYS_OPEN: usize = CLASS_PATH | RET_FILE | 5;
pub const SYS_CLOSE: usize = CLASS_FILE | 6;
pub const SYS_DUP2: usize = CLASS_FILE | RET_FILE | 63;
pub const SYS_READ: usize = CLASS_FILE | ARG_MSLICE | 3;
pub const SYS_WRITE: usize = CLASS_FILE | ARG_SLICE | 4;
pub const SYS_FCNTL: usize = CLASS_FILE | 55;
pub const SYS_FEVENT: usize = CLASS_FILE | 927;
pub const SYS_CALL: usize = CLASS_FILE | ARG_SLICE | ARG_MSLICE | 0xCA11;
pub const SYS_FMAP: usize = CLASS_FILE | ARG_SLICE | 900;
pub const SYS_FUNMAP: usize = CLASS_FILE | 92;
pub const SYS_FPATH: usize = CLASS_FILE | ARG_MSLICE | 928;
pub const SYS_FSTAT: usize = CLASS_FILE | ARG_MSLICE | 28;
pub const SYS_FTRUNCATE: usize = CLASS_FILE | 93;
pub const SYS_UNLINK: usize = CLASS_PATH | 10;
/// `rmdir(path)`. redox_syscall 0.9.5 has no rmdir (newer Redox folds it into
/// `unlinkat` with `AT_REMOVEDIR`); this is the number earlier redox_syscall releases
/// gave it, as `SYS_OPEN` and `SYS_UNLINK` above are.
pub const SYS_RMDIR: usize = CLASS_PATH | 84;
pub const SYS_LSEEK: usize = CLASS_FILE | 19;
pub const SYS_FRENAME: usize = CLASS_FILE | ARG_PATH | 38;
pub const SYS_FCHOWN: usize = CLASS_FILE | 207;
/// `fchmod(fd, mode)`: not in redox_syscall 0.9.5 either (a scheme request there); the
/// number of earlier releases.
pub const SYS_FCHMOD: usize = CLASS_FILE | 94;
pub const SYS_CLOCK_GETTIME: usize = 265;
pub const SYS_FUTEX: usize = 240;
pub const SYS_MPROTECT: usize = 125;
pub const SYS_NANOSLEEP: usize = 162;
pub const SYS_YIELD: usize = 158;

/// First kestrel-specific number.
pub const KESTREL_BASE: usize = 0x4b00;
pub const SYS_SIGACTION: usize = KESTREL_BASE + 1;
pub const SYS_CLOCK_NANOSLEEP: usize = KESTREL_BASE + 48;
pub const SYS_SIGPROCMASK: usize = KESTREL_BASE + 2;
pub const SYS_SIGRETURN: usize = KESTREL_BASE + 3;
pub const SYS_SIGPENDING: usize = KESTREL_BASE + 4;
pub const SYS_SIGSUSPEND: usize = KESTREL_BASE + 5;
pub const SYS_SIGTIMEDWAIT: usize = KESTREL_BASE + 6;
pub const SYS_SIGQUEUE: usize = KESTREL_BASE + 7;
pub const SYS_SETITIMER: usize = KESTREL_BASE + 8;
pub const SYS_GETITIMER: usize = KESTREL_BASE + 9;
pub const SYS_ALARM: usize = KESTREL_BASE + 10;
pub const SYS_GETRESUID: usize = KESTREL_BASE + 16;
pub const SYS_GETRESGID: usize = KESTREL_BASE + 17;
pub const SYS_SETRESUID: usize = KESTREL_BASE + 18;
pub const SYS_SETRESGID: usize = KESTREL_BASE + 19;
pub const SYS_SETUID: usize = KESTREL_BASE + 20;
pub const SYS_SETGID: usize = KESTREL_BASE + 21;
pub const SYS_SETEUID: usize = KESTREL_BASE + 22;
pub const SYS_SETEGID: usize = KESTREL_BASE + 23;
pub const SYS_GETGROUPS: usize = KESTREL_BASE + 24;
pub const SYS_SETGROUPS: usize = KESTREL_BASE + 25;
/// The caller's own identity, like its credentials above: `getpid()`, `getppid()` and
/// `gettid()`, no arguments. A proc handle answers the same queries (`PROC_GETPID`,
/// `PROC_GETPPID`, `PROC_GETTID`) for code that must go through a descriptor.
pub const SYS_GETPID: usize = KESTREL_BASE + 26;
pub const SYS_GETPPID: usize = KESTREL_BASE + 27;
pub const SYS_GETTID: usize = KESTREL_BASE + 28;
/// `epoll_wait` (kestrel addition): `EVENT_CALL_WAIT` (see there) with Linux's records
/// written straight to the caller's buffer, `struct epoll_event` (`u32` events, `u64`
/// data, packed: [`EPOLL_EVENT_SIZE`] bytes). Each registration's events are those of
/// its [`EVENT_EPOLL_SHIFT`] bits that its ready conditions match: `EVENT_READ` gives the
/// asked-for `EPOLLIN`/`EPOLLRDNORM`, `EVENT_WRITE` `EPOLLOUT`/`EPOLLWRNORM`, `EVENT_HUP`
/// `EPOLLHUP`, `EVENT_ERR` `EPOLLERR` (a registration without those bits: `EPOLLIN` and
/// `EPOLLOUT`). Arguments: queue fd, buffer, max records, deadline. Errors in Linux's
/// order: EBADF for a closed fd, EINVAL for max outside 1 to [`EPOLL_MAX_EVENTS`], EFAULT
/// for a buffer outside user memory, EINVAL for a descriptor that is not an event queue;
/// then EINTR for a signal during the wait.
pub const SYS_EPOLL_WAIT: usize = KESTREL_BASE + 29;
/// `pipe2(fds, flags)`: redox_syscall 0.9.5 has no pipe call (Redox makes pipes in a
/// user-space scheme). Other flags are EINVAL; a bad `fds` is EFAULT, with no
/// descriptor left behind.
pub const SYS_PIPE2: usize = KESTREL_BASE + 32;

/// Writes of at most this many bytes to a pipe are atomic (Linux's `PIPE_BUF`).
pub const PIPE_BUF: usize = 4096;
/// A pipe's capacity in bytes (Linux's default).
pub const PIPE_CAPACITY: usize = 65536;

/// `fcntl` commands (redox_syscall values).
pub const F_DUPFD: usize = 0;
pub const F_GETFD: usize = 1;
pub const F_SETFD: usize = 2;
pub const F_GETFL: usize = 3;
pub const F_SETFL: usize = 4;
/// The close-on-exec descriptor flag.
pub const FD_CLOEXEC: usize = 1;

/// A descriptor number with this bit names a slot of the process's second, "upper"
/// table (Redox's): a C runtime's own descriptors, which the program's `dup2`, `close`
/// and `closefrom` cannot reach. `F_DUPFD` with a minimum carrying it installs there.
pub const UPPER_FDTBL_TAG: usize = 1 << (usize::BITS - 2);

/// Open flags (redox_syscall values).
pub const O_RDONLY: usize = 0x0001_0000;
pub const O_WRONLY: usize = 0x0002_0000;
pub const O_RDWR: usize = 0x0003_0000;
pub const O_NONBLOCK: usize = 0x0004_0000;
pub const O_CREAT: usize = 0x0200_0000;
pub const O_TRUNC: usize = 0x0400_0000;
pub const O_EXCL: usize = 0x0800_0000;
pub const O_CLOEXEC: usize = 0x0100_0000;
pub const O_ACCMODE: usize = O_RDWR;
/// Every write goes to the end of the file.
pub const O_APPEND: usize = 0x0008_0000;
/// The path must name a directory; with `O_CREAT` it makes one (Redox's `mkdir`).
pub const O_DIRECTORY: usize = 0x1000_0000;
/// The permission bits of a new file travel in the open flags' low 16 bits.
pub const O_MODE_MASK: usize = 0xffff;

/// `lseek` whence values.
pub const SEEK_SET: usize = 0;
pub const SEEK_CUR: usize = 1;
pub const SEEK_END: usize = 2;

/// Clock ids (redox_syscall values; Linux's BOOTTIME is added at Linux's number).
pub const CLOCK_REALTIME: usize = 1;
pub const CLOCK_MONOTONIC: usize = 4;
pub const CLOCK_BOOTTIME: usize = 7;

/// `clock_nanosleep` flag: the time is absolute, on the clock named.
pub const TIMER_ABSTIME: usize = 1;

/// Futex operations.
pub const FUTEX_WAIT: usize = 0;
pub const FUTEX_WAKE: usize = 1;

/// Memory map flags (redox_syscall `MapFlags` values).
pub const PROT_NONE: usize = 0;
pub const PROT_EXEC: usize = 0x0001_0000;
pub const PROT_WRITE: usize = 0x0002_0000;
pub const PROT_READ: usize = 0x0004_0000;
pub const MAP_SHARED: usize = 0x0001;
pub const MAP_PRIVATE: usize = 0x0002;
pub const MAP_FIXED: usize = 0x0004;
pub const MAP_FIXED_NOREPLACE: usize = 0x000C;

/// `SYS_CALL` flags (redox_syscall `CallFlags`): the scheme reads the payload (WRITE), and
/// the payload is copied back to the caller (READ). No flags at all means both.
pub const CALL_WRITE: usize = 1 << 9;
pub const CALL_READ: usize = 1 << 10;
/// The bits of `SYS_CALL`'s fourth argument that hold the metadata's length in words
/// (redox_syscall's `CallFlags::RSVD0..=RSVD7`; its `call_*` functions put the length there).
pub const CALL_METADATA_LEN: usize = 0xff;

/// `fevent` / event flags.
pub const EVENT_READ: usize = 1;
pub const EVENT_WRITE: usize = 2;
/// Conditions a registration or `fevent` may ask for (kestrel additions): hang-up (a
/// pipe's read end with no writer left) and error (a pipe's write end with no reader
/// left), as Linux's `POLLHUP` and `POLLERR`. Reported only when asked for.
pub const EVENT_HUP: usize = 0x200;
pub const EVENT_ERR: usize = 0x400;
/// A registration flag (kestrel addition): edge-triggered. Each condition is reported
/// once when it becomes true, and again only after it has been false.
pub const EVENT_EDGE: usize = 0x100;
/// `SYS_CALL` on an event queue (kestrel addition): metadata `[EVENT_CALL_WAIT,
/// deadline]`, the payload a buffer for `Event`s. Waits until some registration is ready
/// or the absolute `CLOCK_MONOTONIC` deadline (ns) passes, and returns the ready events'
/// bytes, 0 at the deadline. Deadline 0 only looks; `u64::MAX` waits without limit. A
/// signal ends the wait with `EINTR`. It is `epoll_wait` in one call, where `fevent` and
/// `read` take two and a timeout a timer descriptor.
pub const EVENT_CALL_WAIT: u64 = 1;
/// A registration's flags may carry, from this bit up, the Linux `epoll` events it was
/// asked for (`EPOLLIN` 0x1, `EPOLLOUT` 0x4, `EPOLLRDNORM` 0x40, `EPOLLWRNORM` 0x100,
/// `EPOLLONESHOT` 1 << 30...): `SYS_EPOLL_WAIT` reports in those terms, and with
/// `EPOLLONESHOT` a registration is disabled after it has been reported once (by any
/// wait), until it is written again.
pub const EVENT_EPOLL_SHIFT: u32 = 32;
/// Bytes of one record of `SYS_EPOLL_WAIT` (Linux's packed `struct epoll_event`).
pub const EPOLL_EVENT_SIZE: usize = 12;
/// Most records one `SYS_EPOLL_WAIT` asks for (Linux's `EP_MAX_EVENTS`, `INT_MAX` / 12).
pub const EPOLL_MAX_EVENTS: usize = i32::MAX as usize / EPOLL_EVENT_SIZE;
/// Linux's `epoll` event bits the kernel reports.
pub const EPOLLIN: u32 = 0x001;
pub const EPOLLOUT: u32 = 0x004;
pub const EPOLLERR: u32 = 0x008;
pub const EPOLLHUP: u32 = 0x010;
pub const EPOLLRDNORM: u32 = 0x040;
pub const EPOLLWRNORM: u32 = 0x100;
pub const EPOLLONESHOT: u32 = 1 << 30;

/// `Map` as redox_syscall lays it out: offset, size, flags, address.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Map {
    pub offset: usize,
    pub size: usize,
    pub flags: usize,
    pub address: usize,
}

/// `TimeSpec` as redox_syscall lays it out (16 bytes, `tv_nsec` an i32 then padding,
/// named here so that copying the struct as bytes never reads uninitialised memory).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeSpec {
    pub tv_sec: i64,
    pub tv_nsec: i32,
    pub _pad: u32,
}

impl TimeSpec {
    /// A time of `ns` nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        Self { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i32, _pad: 0 }
    }

    /// Nanoseconds, or `None` if negative or `tv_nsec` is out of range. Times beyond
    /// `u64::MAX` nanoseconds (584 years) saturate, as Linux saturates at `KTIME_MAX`.
    pub fn to_nanos(&self) -> Option<u64> {
        if self.tv_sec < 0 || self.tv_nsec < 0 || self.tv_nsec >= 1_000_000_000 {
            return None;
        }
        Some((self.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(self.tv_nsec as u64))
    }
}

/// `Event` as redox_syscall lays it out: the fd, the flags, user data.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Event {
    pub id: usize,
    pub flags: usize,
    pub data: usize,
}

/// `Stat` as redox_syscall lays it out, with its padding named (see [`TimeSpec`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_mode: u16,
    pub _pad0: u16,
    pub st_nlink: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub st_size: u64,
    pub st_blksize: u32,
    pub _pad1: u32,
    pub st_blocks: u64,
    pub st_mtime: u64,
    pub st_mtime_nsec: u32,
    pub _pad2: u32,
    pub st_atime: u64,
    pub st_atime_nsec: u32,
    pub _pad3: u32,
    pub st_ctime: u64,
    pub st_ctime_nsec: u32,
    pub _pad4: u32,
}

/// `st_mode` type bits.
pub const MODE_FILE: u16 = 0x8000;
pub const MODE_DIR: u16 = 0x4000;
pub const MODE_CHR: u16 = 0x2000;
pub const MODE_FIFO: u16 = 0x1000;

static_assertions::assert_eq_size!(Map, [u64; 4]);
static_assertions::assert_eq_size!(TimeSpec, [u64; 2]);
static_assertions::assert_eq_size!(Event, [u64; 3]);
static_assertions::assert_eq_size!(Stat, [u64; 13]);

// The Redox numbers and layouts above are redox_syscall's; checked here at compile time.
mod redox_agreement {
    use static_assertions::const_assert_eq;
    use syscall as rs;

    const_assert_eq!(super::SYS_CLOSE, rs::SYS_CLOSE);
    const_assert_eq!(super::SYS_DUP2, rs::SYS_DUP2);
    const_assert_eq!(super::SYS_READ, rs::SYS_READ);
    const_assert_eq!(super::SYS_WRITE, rs::SYS_WRITE);
    const_assert_eq!(super::SYS_FCNTL, rs::SYS_FCNTL);
    const_assert_eq!(super::SYS_FEVENT, rs::SYS_FEVENT);
    const_assert_eq!(super::SYS_CALL, rs::SYS_CALL);
    const_assert_eq!(super::SYS_FMAP, rs::SYS_FMAP);
    const_assert_eq!(super::SYS_FUNMAP, rs::SYS_FUNMAP);
    const_assert_eq!(super::SYS_FPATH, rs::SYS_FPATH);
    const_assert_eq!(super::SYS_FSTAT, rs::SYS_FSTAT);
    const_assert_eq!(super::SYS_CLOCK_GETTIME, rs::SYS_CLOCK_GETTIME);
    const_assert_eq!(super::SYS_FUTEX, rs::SYS_FUTEX);
    const_assert_eq!(super::SYS_MPROTECT, rs::SYS_MPROTECT);
    const_assert_eq!(super::SYS_NANOSLEEP, rs::SYS_NANOSLEEP);
    const_assert_eq!(super::SYS_YIELD, rs::SYS_YIELD);
    const_assert_eq!(super::O_RDONLY, rs::O_RDONLY);
    const_assert_eq!(super::O_APPEND, rs::O_APPEND);
    const_assert_eq!(super::O_DIRECTORY, rs::O_DIRECTORY);
    const_assert_eq!(super::SEEK_END, rs::SEEK_END);
    const_assert_eq!(super::SYS_LSEEK, rs::SYS_LSEEK);
    const_assert_eq!(super::SYS_FRENAME, rs::SYS_FRENAME);
    const_assert_eq!(super::SYS_FCHOWN, rs::SYS_FCHOWN);
    const_assert_eq!(super::O_NONBLOCK, rs::O_NONBLOCK);
    const_assert_eq!(super::CLOCK_REALTIME, rs::CLOCK_REALTIME);
    const_assert_eq!(super::CLOCK_MONOTONIC, rs::CLOCK_MONOTONIC);
    const_assert_eq!(super::FUTEX_WAIT, rs::FUTEX_WAIT);
    const_assert_eq!(super::FUTEX_WAKE, rs::FUTEX_WAKE);
    const_assert_eq!(super::F_GETFL, rs::F_GETFL);
    const_assert_eq!(super::UPPER_FDTBL_TAG, rs::UPPER_FDTBL_TAG);
    const_assert_eq!(super::CALL_WRITE, rs::CallFlags::WRITE.bits());
    const_assert_eq!(super::CALL_READ, rs::CallFlags::READ.bits());
    // The length field is the reserved byte below CONSUME, the lowest real flag.
    const_assert_eq!(super::CALL_METADATA_LEN + 1, rs::CallFlags::CONSUME.bits());
    const_assert_eq!(super::PROT_READ, rs::MapFlags::PROT_READ.bits());
    const_assert_eq!(super::MAP_FIXED_NOREPLACE, rs::MapFlags::MAP_FIXED_NOREPLACE.bits());
    const_assert_eq!(core::mem::size_of::<super::Map>(), core::mem::size_of::<rs::Map>());
    const_assert_eq!(core::mem::size_of::<super::Stat>(), core::mem::size_of::<rs::Stat>());
    const_assert_eq!(core::mem::size_of::<super::TimeSpec>(), core::mem::size_of::<rs::TimeSpec>());
    const_assert_eq!(core::mem::size_of::<super::Event>(), core::mem::size_of::<rs::Event>());
    const_assert_eq!(core::mem::offset_of!(super::Stat, st_nlink), core::mem::offset_of!(rs::Stat, st_nlink));
    const_assert_eq!(core::mem::offset_of!(super::Stat, st_blocks), core::mem::offset_of!(rs::Stat, st_blocks));
    const_assert_eq!(core::mem::offset_of!(super::Stat, st_atime), core::mem::offset_of!(rs::Stat, st_atime));
    const_assert_eq!(core::mem::offset_of!(super::Stat, st_ctime_nsec), core::mem::offset_of!(rs::Stat, st_ctime_nsec));
}

#[cfg(test)]
mod tests {
    use super::TimeSpec;

    #[test]
    fn timespec_conversion_validates_and_saturates() {
        let ts = |tv_sec, tv_nsec| TimeSpec { tv_sec, tv_nsec, _pad: 0 };
        assert_eq!(ts(1, 5).to_nanos(), Some(1_000_000_005));
        assert_eq!(ts(-1, 0).to_nanos(), None);
        assert_eq!(ts(0, 1_000_000_000).to_nanos(), None);
        assert_eq!(ts(0, -1).to_nanos(), None);
        assert_eq!(ts(1 << 40, 0).to_nanos(), Some(u64::MAX), "a very long sleep saturates (pause())");
        assert_eq!(TimeSpec::from_nanos(2_500_000_000), ts(2, 500_000_000));
    }
}
