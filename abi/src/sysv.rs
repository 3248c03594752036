//! System V IPC through the kernel's `sem` and `msg` schemes, and the user-visible
//! structures in the Linux x86_64 (glibc) layout.
//!
//! The wire protocol, call by call: `abi/PROTOCOL.md`, sections 4 (sem), 5 (msg) and 6 (shm).
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

/// The `sem` scheme's path, calls and metadata word: the protocol's (`crate::protocol`).
pub use crate::protocol::{SEM_CALL_CTL, SEM_CALL_GET, SEM_CALL_OP, SEM_SCHEME, semop_word};

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

/// Message queue calls: a process opens `/scheme/msg` once and issues `SYS_CALL` with
/// `metadata[0]` = the call. Each call takes exactly three metadata words (any other count
/// is `EINVAL`). The message buffer (`struct msgbuf`: a `long` type, then the text) is read
/// and written by the kernel at its user address, so a message's bytes are copied once
/// from the sender and once to the receiver.
///
/// | call | metadata[1] | metadata[2] | payload | result |
/// |---|---|---|---|---|
/// | `MSG_CALL_GET` | key (as u32) | msgflg (as u32) | none | msqid |
/// | `MSG_CALL_SND` | `msgflg << 32 \| msqid` (each as u32) | `msgp` address | msgsz (u64, little-endian) | 0 |
/// | `MSG_CALL_RCV` | `msgflg << 32 \| msqid` (each as u32) | `msgp` address | msgsz (u64), then msgtyp (i64) | bytes of text received |
/// | `MSG_CALL_CTL` | `cmd << 32 \| msqid` (each as u32) | `buf` address | none | per command |
///
/// msgsz travels as the caller's full `size_t`: a value that is negative as a `long`, or
/// above MSGMAX, is the kernel's EINVAL, as on Linux.
///
/// The path, the calls and the metadata word are the protocol's (`crate::protocol`).
pub use crate::protocol::{MSG_CALL_CTL, MSG_CALL_GET, MSG_CALL_RCV, MSG_CALL_SND, MSG_SCHEME, msg_word};

/// msgrcv flag: truncate a message longer than the buffer instead of failing with E2BIG.
pub const MSG_NOERROR: i32 = 0o10000;
/// msgrcv flag: with msgtyp > 0, receive the first message of any other type.
pub const MSG_EXCEPT: i32 = 0o20000;
/// msgrcv flag: copy the message at index msgtyp without removing it (needs IPC_NOWAIT).
pub const MSG_COPY: i32 = 0o40000;

/// msgctl commands (Linux values).
pub const MSG_STAT: i32 = 11;
pub const MSG_INFO: i32 = 12;
pub const MSG_STAT_ANY: i32 = 13;

/// Largest message text, in bytes (Linux's default `msgmax`).
pub const MSGMAX: i32 = 8192;
/// Default capacity of a queue, in bytes (Linux's default `msgmnb`).
pub const MSGMNB: i32 = 16384;
/// Most message queues (Linux's default `msgmni`).
pub const MSGMNI: i32 = 32000;

/// `struct msqid_ds` (glibc, x86_64): 120 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsqidDs {
    pub msg_perm: IpcPerm,
    pub msg_stime: i64,
    pub msg_rtime: i64,
    pub msg_ctime: i64,
    /// Bytes of text queued (`__msg_cbytes`).
    pub msg_cbytes: u64,
    pub msg_qnum: u64,
    pub msg_qbytes: u64,
    pub msg_lspid: i32,
    pub msg_lrpid: i32,
    pub _reserved4: u64,
    pub _reserved5: u64,
}

/// `struct msginfo` (`IPC_INFO`, `MSG_INFO`): 32 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsgInfo {
    pub msgpool: i32,
    pub msgmap: i32,
    pub msgmax: i32,
    pub msgmnb: i32,
    pub msgmni: i32,
    pub msgssz: i32,
    pub msgtql: i32,
    pub msgseg: u16,
    pub _pad: u16,
}

static_assertions::assert_eq_size!(MsqidDs, [u8; 120]);
static_assertions::assert_eq_size!(MsgInfo, [u8; 32]);
static_assertions::const_assert_eq!(core::mem::offset_of!(MsqidDs, msg_stime), 48);
static_assertions::const_assert_eq!(core::mem::offset_of!(MsqidDs, msg_cbytes), 72);
static_assertions::const_assert_eq!(core::mem::offset_of!(MsqidDs, msg_qbytes), 88);
static_assertions::const_assert_eq!(core::mem::offset_of!(MsqidDs, msg_lspid), 96);
static_assertions::const_assert_eq!(core::mem::offset_of!(MsgInfo, msgseg), 28);

/// System V shared memory calls: a process opens `/scheme/shm` (the scheme's root; a
/// name below it is a POSIX shared memory object) and issues `SYS_CALL` with
/// `metadata[0]` = the call. Each call takes exactly three metadata words (any other
/// count is `EINVAL`) and no payload.
///
/// | call | metadata[1] | metadata[2] | result |
/// |---|---|---|---|
/// | `SHM_CALL_GET` | `shmflg << 32 \| key` (each as u32) | size (the caller's `size_t`) | shmid |
/// | `SHM_CALL_AT` | `shmflg << 32 \| shmid` (each as u32) | shmaddr | the attach address |
/// | `SHM_CALL_DT` | shmaddr | 0 | 0 |
/// | `SHM_CALL_CTL` | `cmd << 32 \| shmid` (each as u32) | `buf` address | per command |
///
/// The attach address is below the user half's end, so it never reads as an error
/// (`-4095..=-1`).
///
/// The path, the calls and the metadata word are the protocol's (`crate::protocol`).
pub use crate::protocol::{SHM_CALL_AT, SHM_CALL_CTL, SHM_CALL_DT, SHM_CALL_GET, SHM_SCHEME, shm_word};

/// shmat flags (Linux values).
pub const SHM_RDONLY: i32 = 0o10000;
pub const SHM_RND: i32 = 0o20000;
pub const SHM_REMAP: i32 = 0o40000;
pub const SHM_EXEC: i32 = 0o100000;

/// shmctl commands (Linux values).
pub const SHM_LOCK: i32 = 11;
pub const SHM_UNLOCK: i32 = 12;
pub const SHM_STAT: i32 = 13;
pub const SHM_INFO: i32 = 14;
pub const SHM_STAT_ANY: i32 = 15;

/// `shm_perm.mode` bits: removed while attached (freed at the last detach), and locked.
pub const SHM_DEST: u32 = 0o1000;
pub const SHM_LOCKED: u32 = 0o2000;

/// Attach addresses are multiples of this (the page size on x86_64).
pub const SHMLBA: u64 = 4096;
/// Smallest segment (bytes).
pub const SHMMIN: u64 = 1;
/// Largest segment (bytes) and most pages in all segments: Linux's defaults.
pub const SHMMAX: u64 = u64::MAX - (1 << 24);
pub const SHMALL: u64 = u64::MAX - (1 << 24);
/// Most segments (Linux's default `shmmni`).
pub const SHMMNI: u64 = 4096;

/// `struct shmid_ds` (glibc, x86_64): 112 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShmidDs {
    pub shm_perm: IpcPerm,
    /// The size asked for at creation, in bytes.
    pub shm_segsz: u64,
    pub shm_atime: i64,
    pub shm_dtime: i64,
    pub shm_ctime: i64,
    pub shm_cpid: i32,
    pub shm_lpid: i32,
    pub shm_nattch: u64,
    pub _reserved5: u64,
    pub _reserved6: u64,
}

/// `struct shminfo` (`IPC_INFO`): 72 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShmInfo {
    pub shmmax: u64,
    pub shmmin: u64,
    pub shmmni: u64,
    pub shmseg: u64,
    pub shmall: u64,
    pub _reserved: [u64; 4],
}

/// `struct shm_info` (`SHM_INFO`): 48 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShmUsage {
    pub used_ids: i32,
    pub _pad: u32,
    /// Pages in all segments.
    pub shm_tot: u64,
    /// Pages that have memory behind them.
    pub shm_rss: u64,
    pub shm_swp: u64,
    pub swap_attempts: u64,
    pub swap_successes: u64,
}

static_assertions::assert_eq_size!(ShmidDs, [u8; 112]);
static_assertions::assert_eq_size!(ShmInfo, [u8; 72]);
static_assertions::assert_eq_size!(ShmUsage, [u8; 48]);
static_assertions::const_assert_eq!(core::mem::offset_of!(ShmidDs, shm_segsz), 48);
static_assertions::const_assert_eq!(core::mem::offset_of!(ShmidDs, shm_cpid), 80);
static_assertions::const_assert_eq!(core::mem::offset_of!(ShmidDs, shm_nattch), 88);
static_assertions::const_assert_eq!(core::mem::offset_of!(ShmUsage, shm_tot), 8);
