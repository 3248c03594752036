//! `PalFutexShm` over Linux's system calls: `futex` (`FUTEX_WAIT_BITSET`, shared, with an
//! absolute deadline on the asked clock; `FUTEX_WAKE`), shared memory objects as files in
//! `/dev/shm` (as glibc's and relibc's `shm_open` make them: `O_NOFOLLOW | O_CLOEXEC`),
//! `fstat`, `ftruncate`, `mmap` and `munmap`. Clock ids and `O_*` are Linux's. Not shipped
//! into relibc, whose Linux platform has these calls of its own.

use core::{ffi::CStr, sync::atomic::AtomicU32};

use super::{Sys, e_raw};
use crate::{
    error::{Errno, Result},
    header::errno::{EAGAIN, EINVAL, ENAMETOOLONG},
    platform::{
        FileId, PalFutexShm, timespec,
        types::{c_int, c_void, clockid_t, mode_t},
    },
};

/// Linux's clock ids.
const CLOCK_REALTIME: clockid_t = 0;
const CLOCK_MONOTONIC: clockid_t = 1;
/// Linux's futex operations.
const FUTEX_WAKE: usize = 1;
const FUTEX_WAIT_BITSET: usize = 9;
const FUTEX_CLOCK_REALTIME: usize = 256;
/// Linux's `AT_FDCWD`, `O_NOFOLLOW` and `O_CLOEXEC`.
const AT_FDCWD: isize = -100;
const O_NOFOLLOW: c_int = 0o400000;
const O_CLOEXEC: c_int = 0o2000000;
/// Where Linux keeps shared memory objects.
const SHM_DIR: &[u8] = b"/dev/shm/";
/// `NAME_MAX`.
const NAME_MAX: usize = 255;

/// `/dev/shm/NAME` for the object name `/NAME`, NUL-terminated.
struct ShmPath {
    bytes: [u8; SHM_DIR.len() + NAME_MAX + 1],
}

impl ShmPath {
    fn new(name: &CStr) -> Result<Self> {
        let name = name.to_bytes();
        let name = name.strip_prefix(b"/").unwrap_or(name);
        if name.is_empty() || name.contains(&b'/') {
            return Err(Errno(EINVAL));
        }
        if name.len() > NAME_MAX {
            return Err(Errno(ENAMETOOLONG));
        }
        let mut bytes = [0; SHM_DIR.len() + NAME_MAX + 1];
        bytes[..SHM_DIR.len()].copy_from_slice(SHM_DIR);
        bytes[SHM_DIR.len()..SHM_DIR.len() + name.len()].copy_from_slice(name);
        Ok(Self { bytes })
    }

    fn as_ptr(&self) -> *const u8 {
        self.bytes.as_ptr()
    }
}

impl PalFutexShm for Sys {
    fn futex_wait_until(word: &AtomicU32, expected: u32, deadline: Option<(clockid_t, &timespec)>) -> Result<()> {
        let (op, timeout) = match deadline {
            None => (FUTEX_WAIT_BITSET, core::ptr::null()),
            Some((CLOCK_REALTIME, abs)) => (FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, core::ptr::from_ref(abs)),
            Some((CLOCK_MONOTONIC, abs)) => (FUTEX_WAIT_BITSET, core::ptr::from_ref(abs)),
            Some(_) => return Err(Errno(EINVAL)),
        };
        // SAFETY: the kernel reads the live word and the borrowed deadline.
        match e_raw(unsafe { syscall!(FUTEX, word.as_ptr(), op, expected, timeout, 0, u32::MAX) }) {
            Ok(_) => Ok(()),
            Err(Errno(EAGAIN)) => Ok(()),
            Err(err) => Err(err),
        }
    }

    fn futex_wake_shared(word: &AtomicU32, count: u32) {
        // SAFETY: the kernel uses the word's address as a key.
        let _ = unsafe { syscall!(FUTEX, word.as_ptr(), FUTEX_WAKE, count.min(i32::MAX as u32)) };
    }

    fn shm_object_open(name: &CStr, oflag: c_int, mode: mode_t) -> Result<c_int> {
        let path = ShmPath::new(name)?;
        let flags = oflag | O_NOFOLLOW | O_CLOEXEC;
        // SAFETY: the kernel reads the NUL-terminated local path.
        Ok(e_raw(unsafe { syscall!(OPENAT, AT_FDCWD, path.as_ptr(), flags, mode) })? as c_int)
    }

    fn shm_object_unlink(name: &CStr) -> Result<()> {
        let path = ShmPath::new(name)?;
        // SAFETY: the kernel reads the NUL-terminated local path.
        e_raw(unsafe { syscall!(UNLINKAT, AT_FDCWD, path.as_ptr(), 0) }).map(drop)
    }

    fn fd_identity(fd: c_int) -> Result<(FileId, u64)> {
        // Linux's x86_64 `struct stat`: 144 bytes, st_dev and st_ino at 0 and 8, st_size at 48.
        let mut buf = [0u64; 18];
        // SAFETY: the kernel writes 144 bytes into the local buffer.
        e_raw(unsafe { syscall!(FSTAT, fd, buf.as_mut_ptr()) })?;
        Ok((FileId { dev: buf[0], ino: buf[1] }, buf[6]))
    }

    fn fd_truncate(fd: c_int, len: u64) -> Result<()> {
        // SAFETY: no memory of this program is touched.
        e_raw(unsafe { syscall!(FTRUNCATE, fd, len) }).map(drop)
    }

    fn map_shared(fd: c_int, len: usize) -> Result<*mut c_void> {
        // PROT_READ | PROT_WRITE, MAP_SHARED.
        // SAFETY: a new mapping where the kernel likes replaces nothing.
        Ok(e_raw(unsafe { syscall!(MMAP, 0, len, 3, 1, fd, 0) })? as *mut c_void)
    }

    unsafe fn unmap(addr: *mut c_void, len: usize) -> Result<()> {
        // SAFETY: as the caller promises.
        e_raw(unsafe { syscall!(MUNMAP, addr, len) }).map(drop)
    }
}
