//! Platform adapter for the kestrel IPC headers, relibc side.
//!
//! Installed by the kestrel `relibc.patch` as `src/header/_kestrel/mod.rs` (a directory
//! whose leading underscore keeps relibc's build from generating a C header for it). It is
//! the twin of the kestrel wrapper crate's `src/platform.rs` and exports the same names, so
//! that the header modules (`sys_ipc`, ...) build unchanged in both places: C types from
//! relibc's `platform::types`, errno values and `ERRNO` from relibc, system calls through
//! relibc's `Sys`.

use crate::{
    c_str::CStr,
    header::sys_stat::stat,
    out::Out,
    platform::{ERRNO, Pal, Sys},
};
pub use crate::{
    header::errno,
    platform::types::{c_char, c_int, c_ulong, c_ushort, gid_t, key_t, mode_t, uid_t},
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
    Ok(FileId { dev: st.st_dev, ino: st.st_ino })
}

/// Sets the caller-visible `errno`.
pub fn set_errno(value: c_int) {
    ERRNO.set(value);
}
