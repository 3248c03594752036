//! System V semaphores through `/scheme/sem` (see `kestrel_abi::sysv`): the raw calls
//! the guest tests and the stress test use. (C programs get them from the relibc-patch
//! wrapper.)

use core::sync::atomic::{AtomicUsize, Ordering};

use kestrel_abi::sysv::{LinuxTimespec, SEM_CALL_CTL, SEM_CALL_GET, SEM_CALL_OP, SEM_SCHEME, semop_word};

pub use kestrel_abi::sysv::SemBuf;

use crate::{Result, fs};

pub use kestrel_abi::sysv::{
    GETALL, GETNCNT, GETPID, GETVAL, GETZCNT, IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, IPC_STAT, SEM_UNDO, SETALL,
    SETVAL,
};
/// `IPC_NOWAIT` at `sem_flg`'s width, for building `SemBuf`s.
pub const IPC_NOWAIT: i16 = kestrel_abi::sysv::IPC_NOWAIT as i16;

/// The `/scheme/sem` descriptor, opened on first use (and inherited across fork).
fn sem_fd() -> Result<usize> {
    static FD: AtomicUsize = AtomicUsize::new(usize::MAX);
    match FD.load(Ordering::Relaxed) {
        usize::MAX => {
            let fd = fs::open(SEM_SCHEME, fs::O_RDWR | fs::O_CLOEXEC)?;
            FD.store(fd, Ordering::Relaxed);
            Ok(fd)
        }
        fd => Ok(fd),
    }
}

/// `semget(key, nsems, flags)`.
pub fn semget(key: i32, nsems: i32, flags: i32) -> Result<i32> {
    let meta = [SEM_CALL_GET, key as u32 as u64, ((nsems as u32 as u64) << 32) | u64::from(flags as u32)];
    fs::call(sem_fd()?, &mut [], 0, &meta).map(|id| id as i32)
}

/// `semtimedop(id, ops, timeout)` (relative timeout; `None` waits for ever).
pub fn semtimedop(id: i32, ops: &[SemBuf], timeout: Option<&LinuxTimespec>) -> Result<()> {
    semtimedop_raw(id, ops, timeout.map_or(0, |t| t as *const LinuxTimespec as u64))
}

/// `semtimedop` with the timeout given as an address (0: none), which the kernel reads:
/// for testing what it does with a bad one.
pub fn semtimedop_raw(id: i32, ops: &[SemBuf], timeout: u64) -> Result<()> {
    semop_at(id, ops.as_ptr() as u64, ops.len(), timeout)
}

/// The raw `SEM_CALL_OP`: `nsops` operations at address `sops` (the kernel reads them, and
/// only the low 32 bits of `nsops` count, as on Linux), and the timeout's address (0: none).
pub fn semop_at(id: i32, sops: u64, nsops: usize, timeout: u64) -> Result<()> {
    let meta = [SEM_CALL_OP, semop_word(id, nsops), sops];
    if timeout == 0 {
        fs::call(sem_fd()?, &mut [], 0, &meta).map(|_| ())
    } else {
        fs::call(sem_fd()?, &mut timeout.to_le_bytes(), kestrel_abi::syscall::CALL_WRITE, &meta).map(|_| ())
    }
}

/// `semop(id, ops)`.
pub fn semop(id: i32, ops: &[SemBuf]) -> Result<()> {
    semtimedop(id, ops, None)
}

/// `semctl(id, num, cmd, arg)`: `arg` is the `union semun` value (an int, or a pointer).
pub fn semctl(id: i32, num: i32, cmd: i32, arg: u64) -> Result<i32> {
    let mut payload = arg.to_le_bytes();
    let meta = [SEM_CALL_CTL, id as u32 as u64, ((num as u32 as u64) << 32) | u64::from(cmd as u32)];
    fs::call(sem_fd()?, &mut payload, 0, &meta).map(|v| v as i32)
}

/// A `sembuf`.
pub const fn op(num: u16, op: i16, flg: i16) -> SemBuf {
    SemBuf { sem_num: num, sem_op: op, sem_flg: flg }
}

/// A relative timeout of `ms` milliseconds.
pub const fn millis(ms: u64) -> LinuxTimespec {
    LinuxTimespec { tv_sec: (ms / 1000) as i64, tv_nsec: ((ms % 1000) * 1_000_000) as i64 }
}
