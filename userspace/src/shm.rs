//! Shared memory through `/scheme/shm` (see `kestrel_abi::sysv`): the System V calls on
//! the scheme's root, and POSIX shared memory objects (`/scheme/shm/NAME`), as the guest
//! tests and the stress test use them. (C programs get them from the relibc-patch wrapper
//! and the C runtime.)
//!
//! Each System V call is one `SYS_CALL` on the root descriptor with exactly three metadata
//! words and no payload:
//!
//! | call | metadata[1] | metadata[2] |
//! |---|---|---|
//! | `SHM_CALL_GET` | `shm_word(key, shmflg)` | size |
//! | `SHM_CALL_AT` | `shm_word(shmid, shmflg)` | shmaddr |
//! | `SHM_CALL_DT` | shmaddr | 0 |
//! | `SHM_CALL_CTL` | `shm_word(shmid, cmd)` | `buf` address |

use core::sync::atomic::{AtomicUsize, Ordering};

use kestrel_abi::syscall::{Map, SYS_FTRUNCATE, SYS_UNLINK};
use kestrel_abi::sysv::{SHM_CALL_AT, SHM_CALL_CTL, SHM_CALL_DT, SHM_CALL_GET, SHM_SCHEME, shm_word};

use crate::syscall::syscall2;
use crate::{Result, fs, mm};

pub use kestrel_abi::sysv::{
    IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT, SHM_DEST, SHM_EXEC, SHM_INFO, SHM_LOCK,
    SHM_LOCKED, SHM_RDONLY, SHM_REMAP, SHM_RND, SHM_STAT, SHM_STAT_ANY, SHM_UNLOCK, SHMLBA, ShmInfo, ShmUsage, ShmidDs,
};

// SAFETY: repr(C) structs of integers with explicit padding.
unsafe impl fs::Plain for ShmidDs {}

/// The `/scheme/shm` root descriptor, opened on first use (and inherited across fork).
fn shm_fd() -> Result<usize> {
    static FD: AtomicUsize = AtomicUsize::new(usize::MAX);
    match FD.load(Ordering::Relaxed) {
        usize::MAX => {
            let fd = fs::open(SHM_SCHEME, fs::O_RDWR | fs::O_CLOEXEC)?;
            FD.store(fd, Ordering::Relaxed);
            Ok(fd)
        }
        fd => Ok(fd),
    }
}

fn call(meta: [u64; 3]) -> Result<usize> {
    fs::call(shm_fd()?, &mut [], 0, &meta)
}

/// `shmget(key, size, shmflg)`.
pub fn shmget(key: i32, size: usize, flags: i32) -> Result<i32> {
    call([SHM_CALL_GET, shm_word(key, flags), size as u64]).map(|id| id as i32)
}

/// `shmat(shmid, shmaddr, shmflg)`: the attach address.
///
/// # Safety
/// With SHM_REMAP the segment replaces whatever was mapped at `addr`: nothing the program
/// still uses may live there.
pub unsafe fn shmat(id: i32, addr: usize, flags: i32) -> Result<usize> {
    call([SHM_CALL_AT, shm_word(id, flags), addr as u64])
}

/// `shmdt(shmaddr)`.
///
/// # Safety
/// Nothing in the attachment may be used afterwards.
pub unsafe fn shmdt(addr: usize) -> Result<()> {
    call([SHM_CALL_DT, addr as u64, 0]).map(drop)
}

/// `shmctl(shmid, cmd, buf)` for the commands that take a `struct shmid_ds` (IPC_STAT,
/// SHM_STAT, SHM_STAT_ANY, IPC_SET; IPC_RMID, SHM_LOCK and SHM_UNLOCK ignore it).
pub fn shmctl(id: i32, cmd: i32, ds: &mut ShmidDs) -> Result<i32> {
    // SAFETY: those commands write at most a struct shmid_ds, and ds is one.
    unsafe { shmctl_at(id, cmd, ds as *mut ShmidDs as u64) }
}

/// The raw `SHM_CALL_CTL` with any buffer address.
///
/// # Safety
/// The kernel writes the command's structure at `buf` (IPC_INFO 72 bytes, SHM_INFO 48,
/// the STAT commands 112).
pub unsafe fn shmctl_at(id: i32, cmd: i32, buf: u64) -> Result<i32> {
    call([SHM_CALL_CTL, shm_word(id, cmd), buf]).map(|v| v as i32)
}

/// Removes segment `id`.
pub fn remove(id: i32) -> Result<()> {
    shmctl(id, IPC_RMID, &mut ShmidDs::default()).map(drop)
}

/// Opens (with `flags` `fs::O_CREAT` etc., the mode in the low bits) the POSIX shared
/// memory object `name` (no `/`).
pub fn open_named(name: &str, flags: usize) -> Result<usize> {
    let mut path = alloc::string::String::from(SHM_SCHEME);
    path.push('/');
    path.push_str(name);
    fs::open(&path, flags)
}

/// Removes the name of POSIX shared memory object `name`.
pub fn unlink_named(name: &str) -> Result<()> {
    let mut path = alloc::string::String::from(SHM_SCHEME);
    path.push('/');
    path.push_str(name);
    // SAFETY: the kernel only reads the path.
    unsafe { syscall2(SYS_UNLINK, path.as_ptr() as usize, path.len()).map(drop) }
}

/// `ftruncate(fd, len)`.
pub fn ftruncate(fd: usize, len: usize) -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall2(SYS_FTRUNCATE, fd, len).map(drop) }
}

/// Maps `len` bytes of the object behind `fd` from `offset`, shared, with `prot`, where
/// the kernel chooses.
pub fn map_fd(fd: usize, len: usize, offset: usize, prot: usize) -> Result<usize> {
    let map = Map { offset, size: len, flags: prot | mm::MAP_SHARED, address: 0 };
    // SAFETY: no MAP_FIXED: nothing is replaced.
    unsafe { mm::fmap(fd, &map) }
}

/// Maps `len` bytes of fresh shared anonymous memory (kept shared with fork children).
pub fn map_shared_anonymous(len: usize, prot: usize) -> Result<usize> {
    let map = Map { offset: 0, size: len, flags: prot | mm::MAP_SHARED, address: 0 };
    // SAFETY: no MAP_FIXED: nothing is replaced.
    unsafe { mm::fmap(mm::ANONYMOUS, &map) }
}
