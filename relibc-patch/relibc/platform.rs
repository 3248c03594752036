//! Platform adapter for the kestrel IPC headers, relibc side.
//!
//! Installed by the kestrel `relibc.patch` as `src/header/_kestrel/mod.rs` (a directory
//! whose leading underscore keeps relibc's build from generating a C header for it). It is
//! the twin of the kestrel wrapper crate's `src/platform.rs` and exports the same names, so
//! that the header modules (`sys_ipc`, `sys_sem`, `sys_msg`, ...) build unchanged in both
//! places: C types from relibc's `platform::types`, errno values and `ERRNO` from relibc,
//! files through relibc's `Sys`, scheme calls through `redox_rt`.
//!
//! The IPC calls reach kestrel's kernel schemes (`/scheme/sem`, `/scheme/msg`,
//! `/scheme/shm`, `/scheme/mq`), which only a Redox-target build can call. In relibc's
//! Linux build [`sem_call`], [`msg_call`] and [`mq_call`] fail with `ENOSYS`, and
//! [`shm_call`] makes Linux's own `shmget`, `shmat`, `shmdt` and `shmctl` system calls,
//! which take the same values and structures (upstream relibc's `sys/shm.h` worked on Linux,
//! so this one does too).
//!
//! For `sys/signalfd.h` and `sys/eventfd.h`: kestrel's `/scheme/signalfd` and
//! `/scheme/eventfd` ([`signalfd_call`], [`eventfd_call`]) on Redox; in relibc's Linux build
//! Linux's own `signalfd4` and `eventfd2` system calls, which take the same arguments (the
//! flags are relibc's `O_*`, Linux's values there). `eventfd_read` and `eventfd_write` use
//! `Sys::read` and `Sys::write`.
//!
//! For `sys/timerfd.h`: kestrel's `/scheme/timerfd` ([`timerfd_call`]) on Redox; in
//! relibc's Linux build Linux's own `timerfd_create`, `timerfd_settime` and
//! `timerfd_gettime` system calls, which take the same arguments (relibc's `O_*` and
//! `CLOCK_*` are Linux's there) and the same `struct itimerspec` (relibc's `time.h` one).
//!
//! For `semaphore.h`: futex waits and wakes (`Sys::futex_wait`, `Sys::futex_wake`) and
//! shared memory objects (relibc's `shm_open`, `shm_unlink`, and `Sys::fstat`,
//! `Sys::ftruncate`, `Sys::mmap`, `Sys::munmap`), on Redox and on Linux alike.
//!
//! For `mqueue.h`: relibc's open flags (`fcntl.h`: Redox's values on Redox, Linux's on
//! Linux; the header module translates them to the Linux values the kernel takes), its
//! `struct sigevent`, `union sigval` and `pthread_attr_t`, and its `close`, `pipe2`, `read`,
//! `malloc`, `free`, `pthread_create`, `pthread_attr_*`, `pthread_atfork` and
//! `pthread_sigmask` for the `SIGEV_THREAD` helper thread.

#[cfg(target_os = "redox")]
use core::sync::atomic::{AtomicUsize, Ordering};

#[cfg(target_os = "redox")]
use crate::header::errno::ENOENT;
use crate::{
    c_str::CStr,
    header::{errno::ENOSYS, pthread, stdlib, sys_stat::stat},
    out::Out,
    platform::{ERRNO, Pal, Sys},
};
pub use crate::{
    header::{
        bits_sigset_t::sigset_t,
        bits_timespec::timespec,
        errno,
        fcntl::{O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY},
        signal::{SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, sigevent, sigval},
        time::itimerspec,
    },
    platform::types::{
        c_char, c_int, c_long, c_short, c_uint, c_ulong, c_ushort, c_void, gid_t, key_t, mode_t,
        pid_t, pthread_attr_t, size_t, ssize_t, time_t, uid_t,
    },
};

/// The numbers that identify a file: its device and its inode (`st_dev`, `st_ino`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// The device and inode numbers of the file at `path`, or the errno of the failed lookup.
///
/// # Safety
///
/// `path` points to a NUL-terminated string readable up to its NUL.
pub unsafe fn file_id(path: *const c_char) -> Result<FileId, c_int> {
    // SAFETY: the caller vouches for a readable NUL-terminated string, hence not null.
    let path = unsafe { CStr::from_ptr(path) };
    let mut st = stat::default();
    Sys::stat(path, Out::from_mut(&mut st)).map_err(|err| err.0)?;
    Ok(FileId {
        dev: st.st_dev,
        ino: st.st_ino,
    })
}

/// Sets the caller-visible `errno`.
pub fn set_errno(value: c_int) {
    ERRNO.set(value);
}

/// A scheme descriptor that a process opens on first use and keeps: a forked child inherits
/// it with the rest of its memory and descriptors; it is opened with `O_CLOEXEC`, so after
/// `exec` the new image, whose statics start afresh, opens its own. Threads racing to open it
/// keep the first descriptor stored and close theirs.
#[cfg(target_os = "redox")]
pub(crate) struct SchemeFd(AtomicUsize);

#[cfg(target_os = "redox")]
impl SchemeFd {
    /// No descriptor yet (no descriptor has this number).
    const NONE: usize = usize::MAX;

    pub(crate) const fn new() -> Self {
        Self(AtomicUsize::new(Self::NONE))
    }

    /// The descriptor, opened with `open` if there is none yet; `close` drops a descriptor
    /// that lost a race. A failed open is not remembered: the next call tries again.
    pub(crate) fn get(
        &self,
        open: impl FnOnce() -> Result<usize, c_int>,
        close: impl FnOnce(usize),
    ) -> Result<usize, c_int> {
        let fd = self.0.load(Ordering::Acquire);
        if fd != Self::NONE {
            return Ok(fd);
        }
        let fd = open()?;
        match self
            .0
            .compare_exchange(Self::NONE, fd, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(fd),
            Err(first) => {
                close(fd);
                Ok(first)
            }
        }
    }
}

/// Opens an IPC scheme (`/scheme/sem`, `/scheme/msg`, `/scheme/shm`) for reading and
/// writing, close-on-exec. A kernel without the scheme (`ENOENT`) makes its calls fail with
/// `ENOSYS`: `ENOENT` would read as "nothing for this key" from `semget`, `msgget` or
/// `shmget`.
#[cfg(target_os = "redox")]
pub(crate) fn open_scheme(path: &core::ffi::CStr) -> Result<usize, c_int> {
    Sys::open(path.into(), O_RDWR | O_CLOEXEC, 0)
        .map(|fd| fd as usize)
        .map_err(|err| scheme_open_errno(err.0))
}

/// The errno that a failed open of an IPC scheme gives the IPC calls: `ENOSYS` for a
/// scheme the kernel does not have, otherwise the open's own (`EMFILE`, ...).
#[cfg(target_os = "redox")]
pub(crate) fn scheme_open_errno(errno: c_int) -> c_int {
    if errno == ENOENT { ENOSYS } else { errno }
}

/// The process's `/scheme/sem` descriptor.
#[cfg(target_os = "redox")]
static SEM_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/msg` descriptor.
#[cfg(target_os = "redox")]
static MSG_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/shm` descriptor (the scheme's root, which takes the System V
/// calls; `shm_open` names lie below it).
#[cfg(target_os = "redox")]
static SHM_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/mq` descriptor (POSIX message queues).
#[cfg(target_os = "redox")]
static MQ_FD: SchemeFd = SchemeFd::new();

/// One call on the IPC scheme at `path` (`SYS_CALL` on the process's descriptor of it,
/// cached in `fd` and opened on first use): `metadata` as the kernel ABI lays it out, and
/// `payload`, which the kernel only reads (`sys_call_wo`: `WRITE`; results come back as the
/// return value or through addresses the call carries).
/// Returns the kernel's result or its errno (or the errno of opening the scheme).
///
/// A program that closes descriptors it did not open (a daemon closing every descriptor
/// above 2) closes these too; the calls then fail with `EBADF`, as with any descriptor a
/// libc keeps.
#[cfg(target_os = "redox")]
fn scheme_call(
    fd: &SchemeFd,
    path: &core::ffi::CStr,
    payload: &[u8],
    metadata: &[u64],
) -> Result<usize, c_int> {
    let fd = fd.get(
        || open_scheme(path),
        |fd| {
            let _ = Sys::close(fd as c_int);
        },
    )?;
    redox_rt::sys::sys_call_wo(fd, payload, syscall::CallFlags::empty(), metadata)
        .map_err(|err| err.errno)
}

/// One call on the kernel's `sem` scheme (`/scheme/sem`), as [`scheme_call`] describes.
#[cfg(target_os = "redox")]
pub fn sem_call(payload: &[u8], metadata: &[u64]) -> Result<usize, c_int> {
    scheme_call(&SEM_FD, c"/scheme/sem", payload, metadata)
}

/// One call on the kernel's `msg` scheme (`/scheme/msg`), as [`scheme_call`] describes.
#[cfg(target_os = "redox")]
pub fn msg_call(payload: &[u8], metadata: &[u64]) -> Result<usize, c_int> {
    scheme_call(&MSG_FD, c"/scheme/msg", payload, metadata)
}

/// One call on the kernel's shared memory scheme (`/scheme/shm`), as [`scheme_call`]
/// describes: the System V calls take exactly three metadata words and no payload.
#[cfg(target_os = "redox")]
pub fn shm_call(metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&SHM_FD, c"/scheme/shm", &[], metadata)
}

/// One call on the kernel's POSIX message queue scheme (`/scheme/mq`), as [`scheme_call`]
/// describes: three metadata words, a payload the kernel only reads.
#[cfg(target_os = "redox")]
pub fn mq_call(payload: &[u8], metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&MQ_FD, c"/scheme/mq", payload, metadata)
}

/// The process's `/scheme/signalfd` descriptor.
#[cfg(target_os = "redox")]
static SIGNALFD_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/eventfd` descriptor.
#[cfg(target_os = "redox")]
static EVENTFD_FD: SchemeFd = SchemeFd::new();
/// The process's `/scheme/timerfd` descriptor.
#[cfg(target_os = "redox")]
static TIMERFD_FD: SchemeFd = SchemeFd::new();

/// One call on the kernel's `signalfd` scheme (`/scheme/signalfd`), as [`scheme_call`]
/// describes: three metadata words, a payload the kernel only reads (the mask's address and
/// size).
#[cfg(target_os = "redox")]
pub fn signalfd_call(payload: &[u8], metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&SIGNALFD_FD, c"/scheme/signalfd", payload, metadata)
}

/// One call on the kernel's `eventfd` scheme (`/scheme/eventfd`), as [`scheme_call`]
/// describes: three metadata words, no payload.
#[cfg(target_os = "redox")]
pub fn eventfd_call(metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&EVENTFD_FD, c"/scheme/eventfd", &[], metadata)
}

/// One call on the kernel's `timerfd` scheme (`/scheme/timerfd`), as [`scheme_call`]
/// describes: three metadata words, a payload the kernel only reads (`timerfd_settime`'s
/// two addresses; empty for the other calls).
#[cfg(target_os = "redox")]
pub fn timerfd_call(payload: &[u8], metadata: &[u64; 3]) -> Result<usize, c_int> {
    scheme_call(&TIMERFD_FD, c"/scheme/timerfd", payload, metadata)
}

/// Linux's `signalfd4(fd, mask, sizemask, flags)`, with the arguments that `metadata` and
/// `payload` carry for the kestrel scheme (see `sys_signalfd`).
#[cfg(target_os = "linux")]
pub fn signalfd_call(payload: &[u8], metadata: &[u64; 3]) -> Result<usize, c_int> {
    use crate::platform::sys::e_raw;

    // The mask's address and size.
    if payload.len() != 16 {
        return Err(errno::EINVAL);
    }
    let word = |i: usize| {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&payload[8 * i..8 * i + 8]);
        u64::from_le_bytes(bytes) as usize
    };
    let fd = metadata[1] as u32 as c_int;
    let flags = metadata[2] as u32 as c_int;
    // SAFETY: the kernel reads `sizemask` bytes at the mask's address, which the C caller
    // vouches for (see `sys_signalfd::signalfd`).
    let ret = unsafe { syscall!(SIGNALFD4, fd, word(0), word(1), flags) };
    e_raw(ret).map_err(|err| err.0)
}

/// Linux's `eventfd2(initval, flags)`, with the arguments that `metadata` carries for the
/// kestrel scheme (see `sys_eventfd`).
#[cfg(target_os = "linux")]
pub fn eventfd_call(metadata: &[u64; 3]) -> Result<usize, c_int> {
    use crate::platform::sys::e_raw;

    let initval = metadata[1] as u32;
    let flags = metadata[2] as u32 as c_int;
    // SAFETY: the call touches no memory of this program.
    let ret = unsafe { syscall!(EVENTFD2, initval, flags) };
    e_raw(ret).map_err(|err| err.0)
}

/// Linux's `timerfd_create(clockid, flags)`, `timerfd_settime(fd, flags, new, old)` and
/// `timerfd_gettime(fd, curr)`, with the arguments that `metadata` and `payload` carry for
/// the kestrel scheme (see `sys_timerfd`).
#[cfg(target_os = "linux")]
pub fn timerfd_call(payload: &[u8], metadata: &[u64; 3]) -> Result<usize, c_int> {
    use crate::platform::sys::e_raw;

    // kestrel_abi::timerfd::call's numbers.
    const CREATE: u64 = 1;
    const SETTIME: u64 = 2;
    const GETTIME: u64 = 3;
    let int = |word: u64| word as u32 as c_int;
    let ret = match metadata[0] {
        // SAFETY: the call touches no memory of this program.
        CREATE if payload.is_empty() => unsafe {
            syscall!(TIMERFD_CREATE, int(metadata[1]), int(metadata[2]))
        },
        SETTIME if payload.len() == 16 => {
            // The new setting's address and the old one's (or 0).
            let word = |i: usize| {
                let mut bytes = [0; 8];
                bytes.copy_from_slice(&payload[8 * i..8 * i + 8]);
                u64::from_le_bytes(bytes) as usize
            };
            // SAFETY: the kernel reads and writes the itimerspecs at the addresses the C
            // caller passed, as `sys_timerfd::timerfd_settime`'s contract states.
            unsafe {
                syscall!(
                    TIMERFD_SETTIME,
                    int(metadata[1]),
                    int(metadata[2]),
                    word(0),
                    word(1)
                )
            }
        }
        // SAFETY: the kernel writes the itimerspec at the address the C caller passed, as
        // `sys_timerfd::timerfd_gettime`'s contract states.
        GETTIME if payload.is_empty() => unsafe {
            syscall!(TIMERFD_GETTIME, int(metadata[1]), metadata[2] as usize)
        },
        _ => return Err(errno::EINVAL),
    };
    e_raw(ret).map_err(|err| err.0)
}

/// No kestrel schemes outside a Redox-target build.
#[cfg(not(target_os = "redox"))]
pub fn mq_call(_payload: &[u8], _metadata: &[u64; 3]) -> Result<usize, c_int> {
    Err(ENOSYS)
}

/// `close(fd)` (`mq_close`).
pub fn close(fd: c_int) -> Result<(), c_int> {
    Sys::close(fd).map_err(|err| err.0)
}

/// A pipe whose two ends are close-on-exec (`pipe2(fds, O_CLOEXEC)`): `[read end, write end]`.
pub fn pipe_cloexec() -> Result<[c_int; 2], c_int> {
    let mut fds = [-1; 2];
    Sys::pipe2(Out::from_mut(&mut fds), O_CLOEXEC).map_err(|err| err.0)?;
    Ok(fds)
}

/// `read(fd, buf, buf.len())`: the count read (0 at end of file) or the errno.
pub fn read(fd: c_int, buf: &mut [u8]) -> Result<usize, c_int> {
    Sys::read(fd, buf).map_err(|err| err.0)
}

/// `write(fd, buf, buf.len())`: the count written or the errno.
pub fn write(fd: c_int, buf: &[u8]) -> Result<usize, c_int> {
    Sys::write(fd, buf).map_err(|err| err.0)
}

/// `malloc(size)`: null when out of memory.
pub fn malloc(size: size_t) -> *mut c_void {
    // SAFETY: `malloc` has no preconditions.
    unsafe { stdlib::malloc(size) }
}

/// `free(ptr)`.
///
/// # Safety
///
/// `ptr` is null or came from [`malloc`] and was not freed.
pub unsafe fn free(ptr: *mut c_void) {
    // SAFETY: as the caller promises.
    unsafe { stdlib::free(ptr) }
}

/// Starts a detached thread running `start(arg)`: with the attributes `*attr` (made
/// detached first) if `attr` is not null, else with the defaults. The errno on failure.
///
/// # Safety
///
/// `attr` is null or points to an initialized `pthread_attr_t` the caller may change.
pub unsafe fn spawn_detached(
    attr: *mut pthread_attr_t,
    start: extern "C" fn(*mut c_void) -> *mut c_void,
    arg: *mut c_void,
) -> Result<(), c_int> {
    let mut thread: crate::platform::types::pthread_t = core::ptr::null_mut();
    let err = if attr.is_null() {
        let mut own = core::mem::MaybeUninit::<pthread_attr_t>::uninit();
        // SAFETY: `own` is a local that relibc initializes, then uses and destroys.
        unsafe {
            pthread::pthread_attr_init(own.as_mut_ptr());
            pthread::pthread_attr_setdetachstate(own.as_mut_ptr(), pthread::PTHREAD_CREATE_DETACHED);
            let err = pthread::pthread_create(&mut thread, own.as_ptr(), start, arg);
            pthread::pthread_attr_destroy(own.as_mut_ptr());
            err
        }
    } else {
        // SAFETY: the caller vouches for `attr`; `thread` is a local.
        unsafe {
            pthread::pthread_attr_setdetachstate(attr, pthread::PTHREAD_CREATE_DETACHED);
            pthread::pthread_create(&mut thread, attr, start, arg)
        }
    };
    if err == 0 { Ok(()) } else { Err(err) }
}

/// Registers `child` to run in the child after every `fork` (`pthread_atfork`).
pub fn at_fork_child(child: extern "C" fn()) -> Result<(), c_int> {
    match pthread::pthread_atfork(None, None, Some(child)) {
        0 => Ok(()),
        err => Err(err),
    }
}

/// Blocks every signal in the calling thread (`pthread_sigmask(SIG_BLOCK, full set)`).
pub fn block_all_signals() {
    let mut all: crate::header::bits_sigset_t::sigset_t = 0;
    // SAFETY: relibc fills and reads the local set; no old set is asked for.
    unsafe {
        crate::header::signal::sigfillset(&mut all);
        crate::header::signal::pthread_sigmask(
            crate::header::signal::SIG_BLOCK,
            &all,
            core::ptr::null_mut(),
        );
    }
}

// ---- semaphore.h: futexes on a clock, and shared memory objects ----
//
// What `semaphore.h` needs besides its own atomics: a futex wait until an absolute time on
// a clock and a futex wake (`Sys::futex_wait` and `Sys::futex_wake`: shared futexes, keyed
// by physical address, so one call serves private and process-shared semaphores), and the
// named objects of `shm_open`'s namespace (relibc's own `shm_open` and `shm_unlink`, and
// `Sys::fstat`, `Sys::ftruncate`, `Sys::mmap`, `Sys::munmap`).

pub use crate::{
    header::time::{CLOCK_MONOTONIC, CLOCK_REALTIME},
    platform::types::clockid_t,
};

/// Sleeps while `*word == expected`, until woken, or until `deadline` (an absolute time on
/// the clock `CLOCK_REALTIME` or `CLOCK_MONOTONIC`) has passed. `Ok` when woken, when the
/// word differed, spuriously, or when a sleep ended before a realtime deadline that a change
/// of the clock moved (the caller looks again and calls again); `ETIMEDOUT` once the
/// deadline has passed, `EINTR` when a signal handler ran, `EINVAL` for a `tv_nsec` outside
/// 0..1e9 or another clock.
pub fn futex_wait(
    word: &core::sync::atomic::AtomicU32,
    expected: u32,
    deadline: Option<(clockid_t, &timespec)>,
) -> Result<(), c_int> {
    // `Sys::futex_wait` takes an absolute CLOCK_MONOTONIC deadline.
    let monotonic = match deadline {
        None => None,
        Some((_, abs)) if !(0..1_000_000_000).contains(&abs.tv_nsec) => return Err(errno::EINVAL),
        Some((CLOCK_MONOTONIC, abs)) => Some(abs.clone()),
        Some((CLOCK_REALTIME, abs)) => Some(
            crate::header::time::timespec_realtime_to_monotonic(abs).map_err(|err| err.0)?,
        ),
        Some(_) => return Err(errno::EINVAL),
    };
    // SAFETY: the word is a live atomic; the kernel compares and sleeps on its address.
    match unsafe { Sys::futex_wait(word.as_ptr(), expected, monotonic.as_ref()) } {
        Ok(()) => Ok(()),
        Err(err) if err.0 == errno::EAGAIN => Ok(()),
        // A realtime deadline is measured again by the next call.
        Err(err) if err.0 == errno::ETIMEDOUT && matches!(deadline, Some((CLOCK_REALTIME, _))) => Ok(()),
        Err(err) => Err(err.0),
    }
}

/// Wakes up to `count` threads asleep on `word`, in any process.
pub fn futex_wake(word: &core::sync::atomic::AtomicU32, count: u32) {
    // SAFETY: the kernel uses the word's address as a key.
    let _ = unsafe { Sys::futex_wake(word.as_ptr(), count) };
}

/// `shm_open(name, oflag, mode)`: a close-on-exec descriptor of the shared memory object
/// `name` ("/NAME").
pub fn shm_object_open(name: &core::ffi::CStr, oflag: c_int, mode: mode_t) -> Result<c_int, c_int> {
    // SAFETY: a NUL-terminated name borrowed for the call.
    let fd = unsafe { crate::header::sys_mman::shm_open(name.as_ptr(), oflag | O_CLOEXEC, mode) };
    if fd < 0 { Err(ERRNO.get()) } else { Ok(fd) }
}

/// `shm_unlink(name)`.
pub fn shm_object_unlink(name: &core::ffi::CStr) -> Result<(), c_int> {
    // SAFETY: a NUL-terminated name borrowed for the call.
    if unsafe { crate::header::sys_mman::shm_unlink(name.as_ptr()) } < 0 {
        Err(ERRNO.get())
    } else {
        Ok(())
    }
}

/// The identity (device and inode) and size in bytes of the file open on `fd` (`fstat`).
pub fn fd_identity(fd: c_int) -> Result<(FileId, u64), c_int> {
    let mut st = stat::default();
    Sys::fstat(fd, Out::from_mut(&mut st)).map_err(|err| err.0)?;
    let id = FileId {
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
    };
    Ok((id, st.st_size as u64))
}

/// `ftruncate(fd, len)`.
pub fn fd_truncate(fd: c_int, len: u64) -> Result<(), c_int> {
    Sys::ftruncate(fd, len as crate::platform::types::off_t).map_err(|err| err.0)
}

/// `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`: the address.
pub fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void, c_int> {
    use crate::header::sys_mman::{MAP_SHARED, PROT_READ, PROT_WRITE};
    // SAFETY: a new mapping at an address the kernel picks replaces nothing.
    unsafe {
        Sys::mmap(
            core::ptr::null_mut(),
            len,
            PROT_READ | PROT_WRITE,
            MAP_SHARED,
            fd,
            0,
        )
    }
    .map_err(|err| err.0)
}

/// `munmap(addr, len)`.
///
/// # Safety
///
/// Nothing uses the memory at `addr .. addr + len` any more.
pub unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<(), c_int> {
    // SAFETY: as the caller promises.
    unsafe { Sys::munmap(addr, len) }.map_err(|err| err.0)
}

/// No kestrel schemes outside a Redox-target build.
#[cfg(not(target_os = "redox"))]
pub fn sem_call(_payload: &[u8], _metadata: &[u64]) -> Result<usize, c_int> {
    Err(ENOSYS)
}

/// No kestrel schemes outside a Redox-target build.
#[cfg(not(target_os = "redox"))]
pub fn msg_call(_payload: &[u8], _metadata: &[u64]) -> Result<usize, c_int> {
    Err(ENOSYS)
}

/// Linux's System V shared memory system calls, with the arguments that `metadata` carries
/// for the kestrel scheme (see `sys_shm`): Linux x86_64 takes the same values and reads
/// and writes the same `shmid_ds`, `shminfo` and `shm_info` layouts.
#[cfg(target_os = "linux")]
pub fn shm_call(metadata: &[u64; 3]) -> Result<usize, c_int> {
    use crate::{
        header::sys_shm::{SHM_CALL_AT, SHM_CALL_CTL, SHM_CALL_DT, SHM_CALL_GET},
        platform::sys::e_raw,
    };

    let [call, word, arg] = *metadata;
    // The key or id in the low half of `word`, the flags or command in the high half.
    let low = word as u32 as c_int;
    let high = (word >> 32) as u32 as c_int;
    let arg = arg as usize;
    // SAFETY: the kernel reaches only the memory the C caller passed (the shmctl buffer) or
    // maps at the address it asked for, as the sys_shm functions' contracts state.
    let ret = unsafe {
        match call {
            SHM_CALL_GET => syscall!(SHMGET, low, arg, high),
            SHM_CALL_AT => syscall!(SHMAT, low, arg, high),
            SHM_CALL_DT => syscall!(SHMDT, word),
            SHM_CALL_CTL => syscall!(SHMCTL, low, high, arg),
            _ => return Err(errno::EINVAL),
        }
    };
    e_raw(ret).map_err(|err| err.0)
}
