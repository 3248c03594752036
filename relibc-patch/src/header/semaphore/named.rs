//! Named semaphores: `sem_open`, `sem_close` and `sem_unlink` over shared memory
//! objects.
//!
//! A named semaphore is a `sem_t` at the start of the shared memory object `/sem.NAME`
//! (see `name`), mapped `MAP_SHARED`: the same object `shm_open` would open, in the
//! kernel's `shm` scheme on kestrel (`/dev/shm` in relibc's Linux build). Its counter is
//! then one futex for every process that maps it.
//!
//! Creation is race-free without a rename: the creator makes the object with `O_CREAT |
//! O_EXCL` (exactly one process can), sizes it, writes the counter and only then stores
//! the ready mark ([`super::READY`]) with release ordering and wakes whoever waits for
//! it. Any other opener maps the object (sizing it first if the creator has not yet: the
//! same size, so the two `ftruncate`s agree) and waits on the mark before it returns, so
//! nobody sees an uninitialized semaphore. A creator that fails after creating the object
//! removes the name again.

use core::ffi::CStr;
use core::sync::atomic::Ordering;

use super::counter::MAX_VALUE;
use super::name::object_name;
use super::registry::{self, Added, Removed};
use super::{READY, RawSem, sem_t};
use crate::header::_kestrel::{
    self as platform, O_CREAT, O_EXCL, O_RDWR, c_int, c_void,
    errno::{EACCES, EEXIST, EINVAL, ENOENT, ENOMEM, EPERM},
    mode_t,
};

/// The bytes mapped: one `sem_t`.
const MAP_LEN: usize = size_of::<sem_t>();

/// `sem_open(name, oflag, mode, value)`: the address of the named semaphore, created
/// with `O_CREAT` (permission bits `mode`, initial `value`), exclusively with `O_EXCL`.
///
/// As glibc: without `O_CREAT` a missing name is `ENOENT`; with it the semaphore is
/// created when missing, and `value` (checked only then) above `SEM_VALUE_MAX` is
/// `EINVAL`; with `O_EXCL` too an existing one is `EEXIST`. Opening an existing object
/// needs read and write permission (`EACCES`). Other flags are ignored.
pub(crate) fn open(name: &CStr, oflag: c_int, mode: mode_t, value: u32) -> Result<*mut sem_t, c_int> {
    let object = object_name(name.to_bytes())?;
    let object = object.as_c_str();
    let create = oflag & O_CREAT != 0;
    let exclusive = create && oflag & O_EXCL != 0;
    loop {
        if !exclusive {
            match platform::shm_object_open(object, O_RDWR, 0) {
                Ok(fd) => return attach(fd, None, object),
                Err(ENOENT) if create => {}
                Err(errno) => return Err(errno),
            }
        }
        if value > MAX_VALUE {
            return Err(EINVAL);
        }
        match platform::shm_object_open(object, O_RDWR | O_CREAT | O_EXCL, mode & 0o777) {
            Ok(fd) => return attach(fd, Some(value), object),
            // Created by someone else since the first look: open theirs.
            Err(EEXIST) if !exclusive => {}
            Err(errno) => return Err(errno),
        }
    }
}

/// Maps the object open on `fd` (closing `fd`), initializes it when this process created
/// it (`init` is the value) or waits until its creator has, and records the open.
fn attach(fd: c_int, init: Option<u32>, object: &CStr) -> Result<*mut sem_t, c_int> {
    let mapped = map(fd);
    // The mapping keeps the object; the descriptor is no longer needed.
    let _ = platform::close(fd);
    let (id, address) = match mapped {
        Ok(mapped) => mapped,
        Err(errno) => {
            if init.is_some() {
                // Nobody can use a semaphore that was never initialized: take the name away.
                let _ = platform::shm_object_unlink(object);
            }
            return Err(errno);
        }
    };
    let sem = address.cast::<RawSem>();
    // SAFETY: `address` is a fresh read-write shared mapping of at least `MAP_LEN` bytes,
    // page-aligned, that stays mapped until the last `sem_close`; `RawSem` is made of
    // atomics and plain integers, valid for any bytes, and fits in `MAP_LEN`.
    let raw = unsafe { &*sem };
    match init {
        Some(value) => {
            // SAFETY: as above; nobody else reads the counter before READY is stored.
            unsafe { sem.write(RawSem::new(value, true)) };
            raw.state.store(READY, Ordering::Release);
            platform::futex_wake(&raw.state, u32::MAX >> 1);
        }
        None => loop {
            let state = raw.state.load(Ordering::Acquire);
            if state == READY {
                break;
            }
            // Woken, changed, or interrupted by a signal: look again.
            let _ = platform::futex_wait(&raw.state, state, None);
        },
    }
    match registry::add(id, address) {
        Some(Added::New) => Ok(address.cast()),
        Some(Added::Existing(first)) => {
            // SAFETY: this mapping is this call's own and nobody has its address.
            let _ = unsafe { platform::unmap(address, MAP_LEN) };
            Ok(first.cast())
        }
        None => {
            // SAFETY: as above.
            let _ = unsafe { platform::unmap(address, MAP_LEN) };
            Err(ENOMEM)
        }
    }
}

/// The object's identity and a shared read-write mapping of its first `MAP_LEN` bytes,
/// sized to that first if it is smaller (a new object is empty).
fn map(fd: c_int) -> Result<(platform::FileId, *mut c_void), c_int> {
    let (id, size) = platform::fd_identity(fd)?;
    if size < MAP_LEN as u64 {
        platform::fd_truncate(fd, MAP_LEN as u64)?;
    }
    Ok((id, platform::map_shared(fd, MAP_LEN)?))
}

/// `sem_close(sem)`: one open fewer; the last unmaps the semaphore. `EINVAL` when `sem`
/// is not a named semaphore of this process (as glibc).
pub(crate) fn close(sem: *mut sem_t) -> Result<(), c_int> {
    match registry::remove(sem.cast()) {
        Removed::Unknown => Err(EINVAL),
        Removed::StillOpen => Ok(()),
        // SAFETY: the registry recorded this mapping of `MAP_LEN` bytes and has now
        // forgotten it: this was its last open, so the library no longer uses it.
        Removed::Last => unsafe { platform::unmap(sem.cast(), MAP_LEN) },
    }
}

/// `sem_unlink(name)`: removes the name; processes that have the semaphore open keep
/// using it, and a later `sem_open` with `O_CREAT` makes a new one.
///
/// As glibc: a name `sem_open` would refuse as `EINVAL` is `ENOENT` (no semaphore can have
/// it), and the kernel's `EPERM` (the object is another user's) is `EACCES`.
pub(crate) fn unlink(name: &CStr) -> Result<(), c_int> {
    let object = object_name(name.to_bytes()).map_err(|errno| if errno == EINVAL { ENOENT } else { errno })?;
    platform::shm_object_unlink(object.as_c_str()).map_err(|errno| if errno == EPERM { EACCES } else { errno })
}
