//! System V IPC through the kernel's `sem` scheme, and the user-visible structures in
//! the Linux x86_64 (glibc) layout.
//!
//! A process opens `/scheme/sem` once and issues `SYS_CALL` with `metadata[0]` = the
//! call. Pointers to user memory travel as they are, so that the kernel, not the library,
//! reads them (a bad pointer is `EFAULT`, not a crash in the library).
//!
//! | call | metadata[1], [2] | payload | result |
//! |---|---|---|---|
//! | `SEM_CALL_GET` | key (as i32), `nsems << 32 \| semflg` | | semid |
//! | `SEM_CALL_OP` | `nsops << 32 \| semid`, `sops` address | none, or the `timeout` address (u64) | 0 |
//! | `SEM_CALL_CTL` | semid, `semnum << 32 \| cmd` | the `union semun` value as u64 | per command |
//!
//! `SEM_CALL_OP` packs `nsops` into 32 bits: Linux's semop and semtimedop take it as an
//! `unsigned int`, so a `size_t` count's high half is ignored there too. The array's
//! address is metadata, so a semop without a timeout has no payload to copy; semtimedop
//! with a timeout sends the timeout's address (8 bytes; an address of 0 means none).
//! `SEM_CALL_OP` takes exactly these three metadata words; any other count is `EINVAL`.

/// `IPC_PRIVATE`: always creates a new object.
pub const IPC_PRIVATE: i32 = 0;
/// Create the object if the key has none.
pub const IPC_CREAT: i32 = 0o1000;
/// With IPC_CREAT: fail if the key has an object.
pub const IPC_EXCL: i32 = 0o2000;
/// Do not wait (in `sem_flg` and `msgflg`).
pub const IPC_NOWAIT: i32 = 0o4000;

/// Remove the object.
pub const IPC_RMID: i32 = 0;
/// Set owner and mode.
pub const IPC_SET: i32 = 1;
/// Read the object's status.
pub const IPC_STAT: i32 = 2;
/// Read the facility's limits.
pub const IPC_INFO: i32 = 3;

/// semctl commands (Linux values).
pub const GETPID: i32 = 11;
pub const GETVAL: i32 = 12;
pub const GETALL: i32 = 13;
pub const GETNCNT: i32 = 14;
pub const GETZCNT: i32 = 15;
pub const SETVAL: i32 = 16;
pub const SETALL: i32 = 17;
pub const SEM_STAT: i32 = 18;
pub const SEM_INFO: i32 = 19;
pub const SEM_STAT_ANY: i32 = 20;

/// `sem_flg` bit: undo the operation when the process exits.
pub const SEM_UNDO: i16 = 0x1000;

pub const SEM_CALL_GET: u64 = 1;
pub const SEM_CALL_OP: u64 = 2;
pub const SEM_CALL_CTL: u64 = 3;

/// The scheme path.
pub const SEM_SCHEME: &str = "/scheme/sem";

/// `SEM_CALL_OP`'s `metadata[1]`: the count in the high half (as Linux, only its low 32
/// bits count) and the id in the low half.
pub const fn semop_word(semid: i32, nsops: usize) -> u64 {
    ((nsops as u32 as u64) << 32) | semid as u32 as u64
}

/// `struct sembuf`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemBuf {
    pub sem_num: u16,
    pub sem_op: i16,
    pub sem_flg: i16,
}

/// `struct ipc_perm` (glibc, x86_64): 48 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpcPerm {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    /// A full `mode_t`, as glibc 2.31 and later and the kernel's `ipc64_perm` have it.
    pub mode: u32,
    pub seq: u16,
    pub _pad2: u16,
    pub _pad3: u32,
    pub _reserved1: u64,
    pub _reserved2: u64,
}

/// `struct semid_ds` (glibc, x86_64): 104 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemidDs {
    pub sem_perm: IpcPerm,
    pub sem_otime: i64,
    pub _reserved1: u64,
    pub sem_ctime: i64,
    pub _reserved2: u64,
    pub sem_nsems: u64,
    pub _reserved3: u64,
    pub _reserved4: u64,
}

/// `struct seminfo`: 40 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemInfo {
    pub semmap: i32,
    pub semmni: i32,
    pub semmns: i32,
    pub semmnu: i32,
    pub semmsl: i32,
    pub semopm: i32,
    pub semume: i32,
    pub semusz: i32,
    pub semvmx: i32,
    pub semaem: i32,
}

/// Linux's `struct timespec` on x86_64.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinuxTimespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

static_assertions::assert_eq_size!(SemBuf, [u8; 6]);
static_assertions::assert_eq_size!(IpcPerm, [u8; 48]);
static_assertions::assert_eq_size!(SemidDs, [u8; 104]);
static_assertions::assert_eq_size!(SemInfo, [u8; 40]);
static_assertions::const_assert_eq!(core::mem::offset_of!(IpcPerm, mode), 20);
static_assertions::const_assert_eq!(core::mem::offset_of!(IpcPerm, seq), 24);
static_assertions::const_assert_eq!(core::mem::offset_of!(SemidDs, sem_otime), 48);
static_assertions::const_assert_eq!(core::mem::offset_of!(SemidDs, sem_ctime), 64);
static_assertions::const_assert_eq!(core::mem::offset_of!(SemidDs, sem_nsems), 80);
