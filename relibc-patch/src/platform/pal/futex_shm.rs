//! `PalFutexShm`: what `semaphore.h` needs from the platform besides its own atomics: a
//! futex wait until an absolute time on a clock, a futex wake, and the named objects of
//! `shm_open`'s namespace (open or create, remove, identify and size, truncate, map
//! `MAP_SHARED`, unmap).
//!
//! relibc has all of these already (`Pal::futex_wait`, `Pal::futex_wake`, `Pal::fstat`,
//! `Pal::ftruncate`, `Pal::mmap`, `Pal::munmap`, and `sys/mman.h`'s `shm_open` and
//! `shm_unlink`), so this trait does not travel: relibc's side of the `_kestrel` adapter
//! (`relibc/platform.rs`) calls those, and this file stands in for them in the standalone
//! build, with a Redox backend (`redox/futex_shm.rs`: the guest C runtime's futex helpers
//! and shared memory functions) and a Linux backend (`linux/futex_shm.rs`: Linux's system
//! calls, as relibc's Linux platform makes them).

use core::{ffi::CStr, sync::atomic::AtomicU32};

use crate::{
    error::Result,
    platform::{
        FileId, Pal, timespec,
        types::{c_int, c_void, clockid_t, mode_t},
    },
};

/// Platform abstraction for process-shared futexes and shared memory objects.
pub trait PalFutexShm: Pal {
    /// Sleeps while `*word == expected`, until woken, or until `deadline` (an absolute time
    /// on the clock `CLOCK_REALTIME` or `CLOCK_MONOTONIC`, in the backend's clock ids) has
    /// passed. `Ok` when woken, when the word differed, spuriously, or when a sleep ended
    /// before a realtime deadline that a change of the clock moved (the caller looks again
    /// and calls again); `ETIMEDOUT` once the deadline has passed, `EINTR` when a signal
    /// handler ran, `EINVAL` for a `tv_nsec` outside 0..1e9 or another clock. The futex is
    /// shared (keyed by the word's physical address), so one call serves private and
    /// process-shared semaphores.
    fn futex_wait_until(word: &AtomicU32, expected: u32, deadline: Option<(clockid_t, &timespec)>) -> Result<()>;

    /// Wakes up to `count` threads asleep on `word`, in any process.
    fn futex_wake_shared(word: &AtomicU32, count: u32);

    /// `shm_open(name, oflag | O_CLOEXEC, mode)`: a descriptor of the shared memory object
    /// `name` ("/NAME"); `oflag` in the backend's `O_*` values.
    fn shm_object_open(name: &CStr, oflag: c_int, mode: mode_t) -> Result<c_int>;

    /// `shm_unlink(name)`.
    fn shm_object_unlink(name: &CStr) -> Result<()>;

    /// The identity (device and inode) and size in bytes of the file open on `fd` (`fstat`).
    fn fd_identity(fd: c_int) -> Result<(FileId, u64)>;

    /// `ftruncate(fd, len)`.
    fn fd_truncate(fd: c_int, len: u64) -> Result<()>;

    /// `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`: the address.
    fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void>;

    /// `munmap(addr, len)`.
    ///
    /// # Safety
    ///
    /// Nothing uses the memory at `addr .. addr + len` any more.
    unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<()>;
}
