//! Names of named semaphores: from the name a program gives `sem_open` and `sem_unlink`
//! to the name of the shared memory object that holds the semaphore.
//!
//! As glibc (`__shm_get_name` with its semaphore prefix): leading slashes are skipped;
//! the rest must be non-empty and free of slashes (else `EINVAL`); the object is
//! `/sem.REST` in `shm_open`'s namespace (`/dev/shm/sem.REST` on Linux,
//! `/scheme/shm/sem.REST` on kestrel), so semaphores and `shm_open` objects never share a
//! name. The object's name is one file name, at most `NAME_MAX` (255) bytes: a longer one
//! is `ENAMETOOLONG`. glibc gets that answer from the kernel for a REST of 252 to 255
//! bytes and says `EINVAL` (`sem_unlink`: `ENOENT`) for a REST above `NAME_MAX`; here
//! every name too long is `ENAMETOOLONG`, as POSIX describes it.

use core::ffi::CStr;

use crate::header::_kestrel::{
    c_int,
    errno::{EINVAL, ENAMETOOLONG},
};

/// The longest file name (`NAME_MAX`).
pub(crate) const NAME_MAX: usize = 255;

/// What goes before a semaphore's name in `shm_open`'s namespace.
const PREFIX: &[u8] = b"/sem.";

/// The longest name after its leading slashes: the object's file name, `sem.` and the
/// name, fits in `NAME_MAX` bytes.
pub(crate) const SEM_NAME_MAX: usize = NAME_MAX - (PREFIX.len() - 1);

/// The `shm_open` name of a semaphore's object, NUL-terminated: `/sem.NAME`.
pub(crate) struct ObjectName {
    bytes: [u8; PREFIX.len() + SEM_NAME_MAX + 1],
    /// The name's length, without the NUL after it.
    len: usize,
}

impl ObjectName {
    /// The object's name for `shm_open` and `shm_unlink`.
    pub(crate) fn as_c_str(&self) -> &CStr {
        let with_nul = self.bytes.get(..=self.len).unwrap_or(&[0]);
        // SAFETY: `object_name` wrote the prefix and a name without NULs (the bytes of a C
        // string) and left the byte after them 0: exactly one NUL, at the end.
        unsafe { CStr::from_bytes_with_nul_unchecked(with_nul) }
    }
}

/// The object name of the semaphore `name` (the bytes of a C string, without its NUL),
/// or `EINVAL` (nothing after the leading slashes, or another slash) or `ENAMETOOLONG`.
/// `name` has no NUL byte.
pub(crate) fn object_name(name: &[u8]) -> Result<ObjectName, c_int> {
    let start = name.iter().position(|&b| b != b'/').unwrap_or(name.len());
    let rest = name.get(start..).unwrap_or(&[]);
    if rest.is_empty() || rest.contains(&b'/') {
        return Err(EINVAL);
    }
    if rest.len() > SEM_NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    let mut object = ObjectName { bytes: [0; PREFIX.len() + SEM_NAME_MAX + 1], len: PREFIX.len() + rest.len() };
    for (to, from) in object.bytes.iter_mut().zip(PREFIX.iter().chain(rest)) {
        *to = *from;
    }
    Ok(object)
}
