//! `sys/ipc.h`: what the System V IPC calls share (keys, `ipc_perm`, command and flag values).
//!
//! See <https://pubs.opengroup.org/onlinepubs/9799919799/basedefs/sys_ipc.h.html>.
//!
//! ABI: Linux x86_64 as glibc 2.31 and later define it: the same values, and an `ipc_perm`
//! of 48 bytes laid out as the kernel's `struct ipc64_perm`, so that programs ported from
//! Linux and kestrel's IPC schemes read the same bytes. (Upstream relibc's `ipc_perm` has
//! 28 bytes; this module replaces it.) The Linux generic layout follows `unsigned long`, so
//! a 32-bit target gets Linux's 36-byte form; kestrel itself is x86_64 only.
//!
//! Everything platform-specific comes from `crate::header::_kestrel`, so this file builds
//! unchanged in the kestrel wrapper crate and in relibc's tree.

#![allow(non_camel_case_types)]

use core::mem::{offset_of, size_of};

use crate::header::_kestrel::{
    self as platform, c_char, c_int, c_ulong, c_ushort, errno::EFAULT, gid_t, key_t, mode_t, uid_t,
};

/// `IPC_CREAT`: create the object if the key has none.
pub const IPC_CREAT: c_int = 0o1000;
/// `IPC_EXCL`: with `IPC_CREAT`, fail with `EEXIST` if the key already has an object.
pub const IPC_EXCL: c_int = 0o2000;
/// `IPC_NOWAIT`: fail with `EAGAIN` (or `ENOMSG`) instead of waiting.
pub const IPC_NOWAIT: c_int = 0o4000;

/// `IPC_RMID`: remove the object (a `*ctl` command).
pub const IPC_RMID: c_int = 0;
/// `IPC_SET`: set owner and mode from an `ipc_perm` (a `*ctl` command).
pub const IPC_SET: c_int = 1;
/// `IPC_STAT`: copy the object's state out (a `*ctl` command).
pub const IPC_STAT: c_int = 2;
/// `IPC_INFO`: system-wide limits (a Linux `*ctl` command, not in POSIX).
pub const IPC_INFO: c_int = 3;

/// `IPC_PRIVATE`: the key that always creates a new object.
pub const IPC_PRIVATE: key_t = 0;

/// The owner, creator and access mode of a System V IPC object.
///
/// Linux x86_64 layout (glibc 2.31 and later, and the kernel's `ipc64_perm`): `mode` is a
/// full `mode_t`, then the 16-bit sequence number and its padding, 4 bytes of implicit
/// padding and two reserved longs. Glibc before 2.31 split `mode` into a 16-bit field and a
/// 16-bit pad: the same bytes on a little-endian machine.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ipc_perm {
    /// The key the object was created with (`IPC_PRIVATE` once removed while in use).
    pub __key: key_t,
    /// Owner's user ID.
    pub uid: uid_t,
    /// Owner's group ID.
    pub gid: gid_t,
    /// Creator's user ID.
    pub cuid: uid_t,
    /// Creator's group ID.
    pub cgid: gid_t,
    /// Access permissions in the low 9 bits, plus object-specific flags above them.
    pub mode: mode_t,
    /// Slot sequence number, which makes the object's id.
    pub __seq: c_ushort,
    pub __pad2: c_ushort,
    pub __glibc_reserved1: c_ulong,
    pub __glibc_reserved2: c_ulong,
}

// The layout above, checked where it is defined (core only: relibc has no
// static_assertions). Offsets through `__pad2` are the same on every Linux target.
const _: () = {
    assert!(offset_of!(ipc_perm, __key) == 0);
    assert!(offset_of!(ipc_perm, uid) == 4);
    assert!(offset_of!(ipc_perm, gid) == 8);
    assert!(offset_of!(ipc_perm, cuid) == 12);
    assert!(offset_of!(ipc_perm, cgid) == 16);
    assert!(offset_of!(ipc_perm, mode) == 20);
    assert!(offset_of!(ipc_perm, __seq) == 24);
    assert!(offset_of!(ipc_perm, __pad2) == 26);
    #[cfg(target_pointer_width = "64")]
    assert!(
        offset_of!(ipc_perm, __glibc_reserved1) == 32
            && offset_of!(ipc_perm, __glibc_reserved2) == 40
            && size_of::<ipc_perm>() == 48
    );
    #[cfg(target_pointer_width = "32")]
    assert!(
        offset_of!(ipc_perm, __glibc_reserved1) == 28
            && offset_of!(ipc_perm, __glibc_reserved2) == 32
            && size_of::<ipc_perm>() == 36
    );
};

/// The key `ftok` derives from a file's inode and device numbers and a project id, combined
/// as Linux libcs (glibc, musl) do: the low 16 bits of the inode, the low 8 bits of the
/// device and the low 8 bits of `id`. Ids with bit 7 set give negative keys, as on Linux.
pub const fn ftok_key(ino: u64, dev: u64, id: c_int) -> key_t {
    let ino = (ino & 0xffff) as u32;
    let dev = (dev & 0xff) as u32;
    let id = (id as u32) & 0xff;
    (ino | (dev << 16) | (id << 24)) as key_t
}

/// `ftok(path, id)`: a key for `msgget`, `semget` and `shmget` that names the file at
/// `path` (which must exist and be reachable) and the project `id`.
///
/// See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/ftok.html>.
///
/// Returns `(key_t)-1` with `errno` set when the file cannot be reached (the errno of the
/// failed lookup, such as `ENOENT`) and `EFAULT` for a null `path`. As on Linux, a valid
/// key may also be -1 (inode `0x..ffff`, device `0x..ff`, `id` `0xff`).
///
/// # Safety
///
/// `path` is null or points to a NUL-terminated string readable up to its NUL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ftok(path: *const c_char, id: c_int) -> key_t {
    if path.is_null() {
        // Linux reports what its stat(2) of a null path does.
        platform::set_errno(EFAULT);
        return -1;
    }
    // SAFETY: `path` is not null, and the caller vouches that it is a readable C string.
    match unsafe { platform::file_id(path) } {
        Ok(file) => ftok_key(file.ino, file.dev, id),
        Err(errno) => {
            platform::set_errno(errno);
            -1
        }
    }
}
