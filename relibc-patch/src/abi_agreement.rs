//! Compile-time agreement of the C types with the Linux x86_64 ABI and with the kernel's
//! side of it (`kestrel_abi`). The header modules check their own layouts with core-only
//! asserts, because they also build inside relibc; this module, which stays in this crate,
//! restates the numbers with `static_assertions` and compares them with the kernel's.
//!
//! The scheme protocol itself (paths, call numbers, metadata words, the flags the calls
//! carry, the `SIGEV_THREAD` notice) is not restated anywhere: the library compiles the
//! kernel's own `abi/src/protocol.rs` as `crate::platform::kestrel_protocol`, and the
//! integration test `relibc_series` checks that the patch ships that file byte for byte.
//! What is compared here is what the C headers define for programs (`IPC_*`, `SEM_UNDO`,
//! `SFD_*`, the structures ...) against the kernel's values and layouts.

use core::mem::{offset_of, size_of};

use kestrel_abi::sysv::IpcPerm;
use static_assertions::{assert_eq_size, const_assert_eq};

use crate::header::sys_ipc::{self as ipc, ipc_perm};

// struct ipc_perm: Linux x86_64, glibc >= 2.31 (bits/ipc-perm.h), kernel ipc64_perm.
assert_eq_size!(ipc_perm, [u8; 48]);
const_assert_eq!(offset_of!(ipc_perm, __key), 0);
const_assert_eq!(offset_of!(ipc_perm, uid), 4);
const_assert_eq!(offset_of!(ipc_perm, gid), 8);
const_assert_eq!(offset_of!(ipc_perm, cuid), 12);
const_assert_eq!(offset_of!(ipc_perm, cgid), 16);
const_assert_eq!(offset_of!(ipc_perm, mode), 20);
const_assert_eq!(size_of::<crate::platform::mode_t>(), 4);
const_assert_eq!(offset_of!(ipc_perm, __seq), 24);
const_assert_eq!(offset_of!(ipc_perm, __pad2), 26);
const_assert_eq!(offset_of!(ipc_perm, __glibc_reserved1), 32);
const_assert_eq!(offset_of!(ipc_perm, __glibc_reserved2), 40);

// The kernel's IpcPerm is the same bytes, field for field (mode a full 32-bit mode_t).
assert_eq_size!(ipc_perm, IpcPerm);
const_assert_eq!(offset_of!(ipc_perm, __key), offset_of!(IpcPerm, key));
const_assert_eq!(offset_of!(ipc_perm, uid), offset_of!(IpcPerm, uid));
const_assert_eq!(offset_of!(ipc_perm, gid), offset_of!(IpcPerm, gid));
const_assert_eq!(offset_of!(ipc_perm, cuid), offset_of!(IpcPerm, cuid));
const_assert_eq!(offset_of!(ipc_perm, cgid), offset_of!(IpcPerm, cgid));
const_assert_eq!(offset_of!(ipc_perm, mode), offset_of!(IpcPerm, mode));
const_assert_eq!(size_of::<crate::platform::mode_t>(), size_of::<u32>());
const_assert_eq!(offset_of!(ipc_perm, __seq), offset_of!(IpcPerm, seq));
const_assert_eq!(offset_of!(ipc_perm, __glibc_reserved1), offset_of!(IpcPerm, _reserved1));
const_assert_eq!(offset_of!(ipc_perm, __glibc_reserved2), offset_of!(IpcPerm, _reserved2));

// Values: Linux x86_64 (SEMANTICS.md, "ABI values").
const_assert_eq!(ipc::IPC_CREAT, 0o1000);
const_assert_eq!(ipc::IPC_EXCL, 0o2000);
const_assert_eq!(ipc::IPC_NOWAIT, 0o4000);
const_assert_eq!(ipc::IPC_RMID, 0);
const_assert_eq!(ipc::IPC_SET, 1);
const_assert_eq!(ipc::IPC_STAT, 2);
const_assert_eq!(ipc::IPC_INFO, 3);
const_assert_eq!(ipc::IPC_PRIVATE, 0);
// ... and the kernel's numbers are the same ones.
const_assert_eq!(ipc::IPC_CREAT as i64, kestrel_abi::sysv::IPC_CREAT as i64);
const_assert_eq!(ipc::IPC_EXCL as i64, kestrel_abi::sysv::IPC_EXCL as i64);
const_assert_eq!(ipc::IPC_NOWAIT as i64, kestrel_abi::sysv::IPC_NOWAIT as i64);
const_assert_eq!(ipc::IPC_RMID as i64, kestrel_abi::sysv::IPC_RMID as i64);
const_assert_eq!(ipc::IPC_SET as i64, kestrel_abi::sysv::IPC_SET as i64);
const_assert_eq!(ipc::IPC_STAT as i64, kestrel_abi::sysv::IPC_STAT as i64);
const_assert_eq!(ipc::IPC_INFO as i64, kestrel_abi::sysv::IPC_INFO as i64);
const_assert_eq!(ipc::IPC_PRIVATE as i64, kestrel_abi::sysv::IPC_PRIVATE as i64);
assert_eq_size!(crate::platform::key_t, i32);

// sys/sem.h: Linux x86_64 (glibc bits/sem.h and struct_semid_ds.h), and the kernel's
// kestrel_abi::sysv structures, which the sem scheme copies to and from user memory as
// they are.
mod sem {
    use core::mem::{offset_of, size_of};

    use kestrel_abi::sysv::{LinuxTimespec, SemBuf, SemInfo, SemidDs};
    use static_assertions::{assert_eq_size, const_assert_eq};

    use crate::header::sys_sem::{self as sem, sembuf, semid_ds, seminfo};
    use crate::platform::timespec;

    assert_eq_size!(sembuf, [u8; 6]);
    const_assert_eq!(offset_of!(sembuf, sem_num), 0);
    const_assert_eq!(offset_of!(sembuf, sem_op), 2);
    const_assert_eq!(offset_of!(sembuf, sem_flg), 4);
    assert_eq_size!(sembuf, SemBuf);
    const_assert_eq!(offset_of!(sembuf, sem_num), offset_of!(SemBuf, sem_num));
    const_assert_eq!(offset_of!(sembuf, sem_op), offset_of!(SemBuf, sem_op));
    const_assert_eq!(offset_of!(sembuf, sem_flg), offset_of!(SemBuf, sem_flg));

    assert_eq_size!(semid_ds, [u8; 104]);
    const_assert_eq!(offset_of!(semid_ds, sem_perm), 0);
    const_assert_eq!(offset_of!(semid_ds, sem_otime), 48);
    const_assert_eq!(offset_of!(semid_ds, __sem_otime_high), 56);
    const_assert_eq!(offset_of!(semid_ds, sem_ctime), 64);
    const_assert_eq!(offset_of!(semid_ds, __sem_ctime_high), 72);
    const_assert_eq!(offset_of!(semid_ds, sem_nsems), 80);
    const_assert_eq!(offset_of!(semid_ds, __glibc_reserved3), 88);
    const_assert_eq!(offset_of!(semid_ds, __glibc_reserved4), 96);
    const_assert_eq!(size_of::<crate::platform::time_t>(), 8);
    assert_eq_size!(semid_ds, SemidDs);
    const_assert_eq!(offset_of!(semid_ds, sem_perm), offset_of!(SemidDs, sem_perm));
    const_assert_eq!(offset_of!(semid_ds, sem_otime), offset_of!(SemidDs, sem_otime));
    const_assert_eq!(offset_of!(semid_ds, __sem_otime_high), offset_of!(SemidDs, _reserved1));
    const_assert_eq!(offset_of!(semid_ds, sem_ctime), offset_of!(SemidDs, sem_ctime));
    const_assert_eq!(offset_of!(semid_ds, __sem_ctime_high), offset_of!(SemidDs, _reserved2));
    const_assert_eq!(offset_of!(semid_ds, sem_nsems), offset_of!(SemidDs, sem_nsems));
    const_assert_eq!(offset_of!(semid_ds, __glibc_reserved3), offset_of!(SemidDs, _reserved3));
    const_assert_eq!(offset_of!(semid_ds, __glibc_reserved4), offset_of!(SemidDs, _reserved4));

    assert_eq_size!(seminfo, [u8; 40]);
    assert_eq_size!(seminfo, SemInfo);
    const_assert_eq!(offset_of!(seminfo, semmap), offset_of!(SemInfo, semmap));
    const_assert_eq!(offset_of!(seminfo, semmni), offset_of!(SemInfo, semmni));
    const_assert_eq!(offset_of!(seminfo, semmns), offset_of!(SemInfo, semmns));
    const_assert_eq!(offset_of!(seminfo, semmnu), offset_of!(SemInfo, semmnu));
    const_assert_eq!(offset_of!(seminfo, semmsl), offset_of!(SemInfo, semmsl));
    const_assert_eq!(offset_of!(seminfo, semopm), offset_of!(SemInfo, semopm));
    const_assert_eq!(offset_of!(seminfo, semume), offset_of!(SemInfo, semume));
    const_assert_eq!(offset_of!(seminfo, semusz), offset_of!(SemInfo, semusz));
    const_assert_eq!(offset_of!(seminfo, semvmx), offset_of!(SemInfo, semvmx));
    const_assert_eq!(offset_of!(seminfo, semaem), offset_of!(SemInfo, semaem));

    // semtimedop's timeout: the kernel reads Linux's two-long timespec.
    assert_eq_size!(timespec, LinuxTimespec);
    const_assert_eq!(offset_of!(timespec, tv_sec), offset_of!(LinuxTimespec, tv_sec));
    const_assert_eq!(offset_of!(timespec, tv_nsec), offset_of!(LinuxTimespec, tv_nsec));

    // Values: Linux x86_64 (SEMANTICS.md, "ABI values").
    const_assert_eq!(sem::SEM_UNDO, 0x1000);
    const_assert_eq!(sem::GETPID, 11);
    const_assert_eq!(sem::GETVAL, 12);
    const_assert_eq!(sem::GETALL, 13);
    const_assert_eq!(sem::GETNCNT, 14);
    const_assert_eq!(sem::GETZCNT, 15);
    const_assert_eq!(sem::SETVAL, 16);
    const_assert_eq!(sem::SETALL, 17);
    const_assert_eq!(sem::SEM_STAT, 18);
    const_assert_eq!(sem::SEM_INFO, 19);
    const_assert_eq!(sem::SEM_STAT_ANY, 20);
    // ... and the kernel's numbers are the same ones.
    const_assert_eq!(sem::SEM_UNDO as i64, kestrel_abi::sysv::SEM_UNDO as i64);
    const_assert_eq!(sem::GETPID as i64, kestrel_abi::sysv::GETPID as i64);
    const_assert_eq!(sem::GETVAL as i64, kestrel_abi::sysv::GETVAL as i64);
    const_assert_eq!(sem::GETALL as i64, kestrel_abi::sysv::GETALL as i64);
    const_assert_eq!(sem::GETNCNT as i64, kestrel_abi::sysv::GETNCNT as i64);
    const_assert_eq!(sem::GETZCNT as i64, kestrel_abi::sysv::GETZCNT as i64);
    const_assert_eq!(sem::SETVAL as i64, kestrel_abi::sysv::SETVAL as i64);
    const_assert_eq!(sem::SETALL as i64, kestrel_abi::sysv::SETALL as i64);
    const_assert_eq!(sem::SEM_STAT as i64, kestrel_abi::sysv::SEM_STAT as i64);
    const_assert_eq!(sem::SEM_INFO as i64, kestrel_abi::sysv::SEM_INFO as i64);
    const_assert_eq!(sem::SEM_STAT_ANY as i64, kestrel_abi::sysv::SEM_STAT_ANY as i64);
}

// sys/msg.h: Linux x86_64 (glibc bits/msq.h and struct_msqid_ds.h), and the kernel's
// kestrel_abi::sysv structures, which the msg scheme copies to and from user memory as they
// are.
mod msg {
    use core::mem::{offset_of, size_of};

    use kestrel_abi::sysv::{MsgInfo, MsqidDs};
    use static_assertions::{assert_eq_size, const_assert_eq};

    use crate::header::sys_msg::{self as msg, msgbuf, msginfo, msglen_t, msgqnum_t, msqid_ds};
    use crate::platform::{c_long, pid_t};

    assert_eq_size!(msqid_ds, [u8; 120]);
    const_assert_eq!(offset_of!(msqid_ds, msg_perm), 0);
    const_assert_eq!(offset_of!(msqid_ds, msg_stime), 48);
    const_assert_eq!(offset_of!(msqid_ds, msg_rtime), 56);
    const_assert_eq!(offset_of!(msqid_ds, msg_ctime), 64);
    const_assert_eq!(offset_of!(msqid_ds, __msg_cbytes), 72);
    const_assert_eq!(offset_of!(msqid_ds, msg_qnum), 80);
    const_assert_eq!(offset_of!(msqid_ds, msg_qbytes), 88);
    const_assert_eq!(offset_of!(msqid_ds, msg_lspid), 96);
    const_assert_eq!(offset_of!(msqid_ds, msg_lrpid), 100);
    const_assert_eq!(offset_of!(msqid_ds, __glibc_reserved4), 104);
    const_assert_eq!(offset_of!(msqid_ds, __glibc_reserved5), 112);
    const_assert_eq!(size_of::<msgqnum_t>(), 8);
    const_assert_eq!(size_of::<msglen_t>(), 8);
    const_assert_eq!(size_of::<pid_t>(), 4);
    assert_eq_size!(msqid_ds, MsqidDs);
    const_assert_eq!(offset_of!(msqid_ds, msg_perm), offset_of!(MsqidDs, msg_perm));
    const_assert_eq!(offset_of!(msqid_ds, msg_stime), offset_of!(MsqidDs, msg_stime));
    const_assert_eq!(offset_of!(msqid_ds, msg_rtime), offset_of!(MsqidDs, msg_rtime));
    const_assert_eq!(offset_of!(msqid_ds, msg_ctime), offset_of!(MsqidDs, msg_ctime));
    const_assert_eq!(offset_of!(msqid_ds, __msg_cbytes), offset_of!(MsqidDs, msg_cbytes));
    const_assert_eq!(offset_of!(msqid_ds, msg_qnum), offset_of!(MsqidDs, msg_qnum));
    const_assert_eq!(offset_of!(msqid_ds, msg_qbytes), offset_of!(MsqidDs, msg_qbytes));
    const_assert_eq!(offset_of!(msqid_ds, msg_lspid), offset_of!(MsqidDs, msg_lspid));
    const_assert_eq!(offset_of!(msqid_ds, msg_lrpid), offset_of!(MsqidDs, msg_lrpid));
    const_assert_eq!(offset_of!(msqid_ds, __glibc_reserved4), offset_of!(MsqidDs, _reserved4));
    const_assert_eq!(offset_of!(msqid_ds, __glibc_reserved5), offset_of!(MsqidDs, _reserved5));

    assert_eq_size!(msginfo, [u8; 32]);
    const_assert_eq!(offset_of!(msginfo, msgseg), 28);
    assert_eq_size!(msginfo, MsgInfo);
    const_assert_eq!(offset_of!(msginfo, msgpool), offset_of!(MsgInfo, msgpool));
    const_assert_eq!(offset_of!(msginfo, msgmap), offset_of!(MsgInfo, msgmap));
    const_assert_eq!(offset_of!(msginfo, msgmax), offset_of!(MsgInfo, msgmax));
    const_assert_eq!(offset_of!(msginfo, msgmnb), offset_of!(MsgInfo, msgmnb));
    const_assert_eq!(offset_of!(msginfo, msgmni), offset_of!(MsgInfo, msgmni));
    const_assert_eq!(offset_of!(msginfo, msgssz), offset_of!(MsgInfo, msgssz));
    const_assert_eq!(offset_of!(msginfo, msgtql), offset_of!(MsgInfo, msgtql));
    const_assert_eq!(offset_of!(msginfo, msgseg), offset_of!(MsgInfo, msgseg));

    // The message: a long type (the kernel reads an i64), then the text.
    assert_eq_size!(msgbuf, [u8; 16]);
    const_assert_eq!(offset_of!(msgbuf, mtype), 0);
    const_assert_eq!(offset_of!(msgbuf, mtext), size_of::<i64>());
    assert_eq_size!(c_long, i64);

    // Values: Linux x86_64 (SEMANTICS.md, "ABI values"; MSG_STAT_ANY from glibc bits/msq.h).
    const_assert_eq!(msg::MSG_NOERROR, 0o10000);
    const_assert_eq!(msg::MSG_EXCEPT, 0o20000);
    const_assert_eq!(msg::MSG_COPY, 0o40000);
    const_assert_eq!(msg::MSG_STAT, 11);
    const_assert_eq!(msg::MSG_INFO, 12);
    const_assert_eq!(msg::MSG_STAT_ANY, 13);
    // ... and the kernel's numbers are the same ones.
    const_assert_eq!(msg::MSG_NOERROR as i64, kestrel_abi::sysv::MSG_NOERROR as i64);
    const_assert_eq!(msg::MSG_EXCEPT as i64, kestrel_abi::sysv::MSG_EXCEPT as i64);
    const_assert_eq!(msg::MSG_COPY as i64, kestrel_abi::sysv::MSG_COPY as i64);
    const_assert_eq!(msg::MSG_STAT as i64, kestrel_abi::sysv::MSG_STAT as i64);
    const_assert_eq!(msg::MSG_INFO as i64, kestrel_abi::sysv::MSG_INFO as i64);
    const_assert_eq!(msg::MSG_STAT_ANY as i64, kestrel_abi::sysv::MSG_STAT_ANY as i64);
}

// sys/shm.h: Linux x86_64 (glibc bits/shm.h and struct_shmid_ds.h), and the kernel's
// kestrel_abi::sysv structures, which the shm scheme copies to and from user memory as they
// are.
mod shm {
    use core::mem::{offset_of, size_of};

    use kestrel_abi::sysv::{ShmInfo, ShmUsage, ShmidDs};
    use static_assertions::{assert_eq_size, const_assert_eq};

    use crate::header::sys_shm::{self as shm, shm_info, shmatt_t, shmid_ds, shminfo};
    use crate::platform::{c_ulong, pid_t, size_t};

    assert_eq_size!(shmid_ds, [u8; 112]);
    const_assert_eq!(offset_of!(shmid_ds, shm_perm), 0);
    const_assert_eq!(offset_of!(shmid_ds, shm_segsz), 48);
    const_assert_eq!(offset_of!(shmid_ds, shm_atime), 56);
    const_assert_eq!(offset_of!(shmid_ds, shm_dtime), 64);
    const_assert_eq!(offset_of!(shmid_ds, shm_ctime), 72);
    const_assert_eq!(offset_of!(shmid_ds, shm_cpid), 80);
    const_assert_eq!(offset_of!(shmid_ds, shm_lpid), 84);
    const_assert_eq!(offset_of!(shmid_ds, shm_nattch), 88);
    const_assert_eq!(offset_of!(shmid_ds, __glibc_reserved5), 96);
    const_assert_eq!(offset_of!(shmid_ds, __glibc_reserved6), 104);
    const_assert_eq!(size_of::<size_t>(), 8);
    const_assert_eq!(size_of::<shmatt_t>(), 8);
    const_assert_eq!(shmatt_t::MIN, 0);
    const_assert_eq!(size_of::<pid_t>(), 4);
    assert_eq_size!(shmid_ds, ShmidDs);
    const_assert_eq!(offset_of!(shmid_ds, shm_perm), offset_of!(ShmidDs, shm_perm));
    const_assert_eq!(offset_of!(shmid_ds, shm_segsz), offset_of!(ShmidDs, shm_segsz));
    const_assert_eq!(offset_of!(shmid_ds, shm_atime), offset_of!(ShmidDs, shm_atime));
    const_assert_eq!(offset_of!(shmid_ds, shm_dtime), offset_of!(ShmidDs, shm_dtime));
    const_assert_eq!(offset_of!(shmid_ds, shm_ctime), offset_of!(ShmidDs, shm_ctime));
    const_assert_eq!(offset_of!(shmid_ds, shm_cpid), offset_of!(ShmidDs, shm_cpid));
    const_assert_eq!(offset_of!(shmid_ds, shm_lpid), offset_of!(ShmidDs, shm_lpid));
    const_assert_eq!(offset_of!(shmid_ds, shm_nattch), offset_of!(ShmidDs, shm_nattch));
    const_assert_eq!(offset_of!(shmid_ds, __glibc_reserved5), offset_of!(ShmidDs, _reserved5));
    const_assert_eq!(offset_of!(shmid_ds, __glibc_reserved6), offset_of!(ShmidDs, _reserved6));

    // struct shminfo (IPC_INFO): nine unsigned longs.
    assert_eq_size!(shminfo, [c_ulong; 9]);
    const_assert_eq!(offset_of!(shminfo, shmmax), 0);
    const_assert_eq!(offset_of!(shminfo, shmmin), 8);
    const_assert_eq!(offset_of!(shminfo, shmmni), 16);
    const_assert_eq!(offset_of!(shminfo, shmseg), 24);
    const_assert_eq!(offset_of!(shminfo, shmall), 32);
    const_assert_eq!(offset_of!(shminfo, __glibc_reserved1), 40);
    const_assert_eq!(offset_of!(shminfo, __glibc_reserved4), 64);
    assert_eq_size!(shminfo, ShmInfo);
    const_assert_eq!(offset_of!(shminfo, shmmax), offset_of!(ShmInfo, shmmax));
    const_assert_eq!(offset_of!(shminfo, shmmin), offset_of!(ShmInfo, shmmin));
    const_assert_eq!(offset_of!(shminfo, shmmni), offset_of!(ShmInfo, shmmni));
    const_assert_eq!(offset_of!(shminfo, shmseg), offset_of!(ShmInfo, shmseg));
    const_assert_eq!(offset_of!(shminfo, shmall), offset_of!(ShmInfo, shmall));
    const_assert_eq!(offset_of!(shminfo, __glibc_reserved1), offset_of!(ShmInfo, _reserved));

    // struct shm_info (SHM_INFO): an int, 4 bytes of padding, five unsigned longs.
    assert_eq_size!(shm_info, [u8; 48]);
    const_assert_eq!(offset_of!(shm_info, used_ids), 0);
    const_assert_eq!(offset_of!(shm_info, shm_tot), 8);
    const_assert_eq!(offset_of!(shm_info, shm_rss), 16);
    const_assert_eq!(offset_of!(shm_info, shm_swp), 24);
    const_assert_eq!(offset_of!(shm_info, swap_attempts), 32);
    const_assert_eq!(offset_of!(shm_info, swap_successes), 40);
    assert_eq_size!(shm_info, ShmUsage);
    const_assert_eq!(offset_of!(shm_info, used_ids), offset_of!(ShmUsage, used_ids));
    const_assert_eq!(offset_of!(shm_info, shm_tot), offset_of!(ShmUsage, shm_tot));
    const_assert_eq!(offset_of!(shm_info, shm_rss), offset_of!(ShmUsage, shm_rss));
    const_assert_eq!(offset_of!(shm_info, shm_swp), offset_of!(ShmUsage, shm_swp));
    const_assert_eq!(offset_of!(shm_info, swap_attempts), offset_of!(ShmUsage, swap_attempts));
    const_assert_eq!(offset_of!(shm_info, swap_successes), offset_of!(ShmUsage, swap_successes));

    // Values: Linux x86_64 (SEMANTICS.md, "ABI values"; the rest from glibc bits/shm.h).
    const_assert_eq!(shm::SHM_R, 0o400);
    const_assert_eq!(shm::SHM_W, 0o200);
    const_assert_eq!(shm::SHM_RDONLY, 0o10000);
    const_assert_eq!(shm::SHM_RND, 0o20000);
    const_assert_eq!(shm::SHM_REMAP, 0o40000);
    const_assert_eq!(shm::SHM_EXEC, 0o100000);
    const_assert_eq!(shm::SHM_LOCK, 11);
    const_assert_eq!(shm::SHM_UNLOCK, 12);
    const_assert_eq!(shm::SHM_STAT, 13);
    const_assert_eq!(shm::SHM_INFO, 14);
    const_assert_eq!(shm::SHM_STAT_ANY, 15);
    const_assert_eq!(shm::SHM_DEST, 0o1000);
    const_assert_eq!(shm::SHM_LOCKED, 0o2000);
    const_assert_eq!(shm::SHMLBA, 4096);
    // ... and the kernel's numbers are the same ones.
    const_assert_eq!(shm::SHM_RDONLY as i64, kestrel_abi::sysv::SHM_RDONLY as i64);
    const_assert_eq!(shm::SHM_RND as i64, kestrel_abi::sysv::SHM_RND as i64);
    const_assert_eq!(shm::SHM_REMAP as i64, kestrel_abi::sysv::SHM_REMAP as i64);
    const_assert_eq!(shm::SHM_EXEC as i64, kestrel_abi::sysv::SHM_EXEC as i64);
    const_assert_eq!(shm::SHM_LOCK as i64, kestrel_abi::sysv::SHM_LOCK as i64);
    const_assert_eq!(shm::SHM_UNLOCK as i64, kestrel_abi::sysv::SHM_UNLOCK as i64);
    const_assert_eq!(shm::SHM_STAT as i64, kestrel_abi::sysv::SHM_STAT as i64);
    const_assert_eq!(shm::SHM_INFO as i64, kestrel_abi::sysv::SHM_INFO as i64);
    const_assert_eq!(shm::SHM_STAT_ANY as i64, kestrel_abi::sysv::SHM_STAT_ANY as i64);
    const_assert_eq!(shm::SHM_DEST as i64, kestrel_abi::sysv::SHM_DEST as i64);
    const_assert_eq!(shm::SHM_LOCKED as i64, kestrel_abi::sysv::SHM_LOCKED as i64);
    const_assert_eq!(shm::SHMLBA as i64, kestrel_abi::sysv::SHMLBA as i64);
}

// mqueue.h: Linux x86_64 (glibc bits/mqueue.h, bits/types/sigevent_t.h), and the kernel's
// kestrel_abi::mq, which the mq scheme reads and writes as it is.
mod mq {
    use core::mem::{offset_of, size_of};

    use kestrel_abi::mq::{self as abi, MqAttr, MqThreadNotice, SigEvent};
    use static_assertions::{assert_eq_size, const_assert, const_assert_eq};

    use crate::header::mqueue::{self as mq, KernelSigevent, mq_attr, mqd_t};
    use crate::platform::{self, pthread_attr_t, sigevent, sigval};

    assert_eq_size!(mqd_t, i32);

    // struct mq_attr: four longs, four reserved longs.
    assert_eq_size!(mq_attr, [u8; 64]);
    const_assert_eq!(offset_of!(mq_attr, mq_flags), 0);
    const_assert_eq!(offset_of!(mq_attr, mq_maxmsg), 8);
    const_assert_eq!(offset_of!(mq_attr, mq_msgsize), 16);
    const_assert_eq!(offset_of!(mq_attr, mq_curmsgs), 24);
    const_assert_eq!(offset_of!(mq_attr, __pad), 32);
    assert_eq_size!(mq_attr, MqAttr);
    const_assert_eq!(offset_of!(mq_attr, mq_flags), offset_of!(MqAttr, mq_flags));
    const_assert_eq!(offset_of!(mq_attr, mq_maxmsg), offset_of!(MqAttr, mq_maxmsg));
    const_assert_eq!(offset_of!(mq_attr, mq_msgsize), offset_of!(MqAttr, mq_msgsize));
    const_assert_eq!(offset_of!(mq_attr, mq_curmsgs), offset_of!(MqAttr, mq_curmsgs));
    const_assert_eq!(offset_of!(mq_attr, __pad), offset_of!(MqAttr, reserved));

    // struct sigevent: the C runtime's (signal.h) and the one the library hands the kernel
    // are both Linux's 64 bytes.
    assert_eq_size!(sigevent, [u8; 64]);
    assert_eq_size!(sigval, u64);
    const_assert_eq!(offset_of!(sigevent, sigev_value), 0);
    const_assert_eq!(offset_of!(sigevent, sigev_signo), 8);
    const_assert_eq!(offset_of!(sigevent, sigev_notify), 12);
    const_assert_eq!(offset_of!(sigevent, sigev_notify_function), 16);
    const_assert_eq!(offset_of!(sigevent, sigev_notify_attributes), 24);
    assert_eq_size!(KernelSigevent, SigEvent);
    const_assert_eq!(offset_of!(KernelSigevent, sigev_value), offset_of!(SigEvent, sigev_value));
    const_assert_eq!(offset_of!(KernelSigevent, sigev_signo), offset_of!(SigEvent, sigev_signo));
    const_assert_eq!(offset_of!(KernelSigevent, sigev_notify), offset_of!(SigEvent, sigev_notify));
    const_assert_eq!(offset_of!(KernelSigevent, union), offset_of!(SigEvent, union));
    // The C runtime's pthread_attr_t (glibc's x86_64 size).
    assert_eq_size!(pthread_attr_t, [u8; 56]);

    // The notice the kernel writes to a SIGEV_THREAD pipe.
    const_assert_eq!(mq::NOTICE_LEN, size_of::<MqThreadNotice>());
    const_assert_eq!(offset_of!(MqThreadNotice, cookie), 0);
    const_assert_eq!(offset_of!(MqThreadNotice, kind), 8);

    // The Linux values the kernel takes, and the translation of the C runtime's.
    const_assert_eq!(platform::SIGEV_SIGNAL, abi::SIGEV_SIGNAL);
    const_assert_eq!(platform::SIGEV_NONE, abi::SIGEV_NONE);
    const_assert_eq!(platform::SIGEV_THREAD, abi::SIGEV_THREAD);
    const_assert_eq!(mq::kernel_oflag(platform::O_RDONLY), abi::MQ_O_RDONLY);
    const_assert_eq!(mq::kernel_oflag(0), abi::MQ_O_RDONLY);
    const_assert_eq!(mq::kernel_oflag(platform::O_WRONLY), abi::MQ_O_WRONLY);
    const_assert_eq!(mq::kernel_oflag(platform::O_RDWR), abi::MQ_O_RDWR);
    const_assert_eq!(
        mq::kernel_oflag(platform::O_CREAT | platform::O_EXCL | platform::O_NONBLOCK | platform::O_CLOEXEC),
        abi::MQ_O_CREAT | abi::MQ_O_EXCL | abi::MQ_O_NONBLOCK | abi::MQ_O_CLOEXEC
    );
    // The C runtime's values are Redox's, which differ from Linux's: the translation is real.
    const_assert!(platform::O_NONBLOCK != abi::MQ_O_NONBLOCK);
    // mq_flags travel untouched: the kernel takes the platform's O_NONBLOCK there.
    const_assert_eq!(platform::O_NONBLOCK as usize, kestrel_abi::syscall::O_NONBLOCK);
}

// sys/signalfd.h: Linux's struct signalfd_siginfo (glibc bits/signalfd.h' layout, the
// kernel's uapi), field for field the kernel's SignalfdSiginfo, which a read copies out as
// it is; the mask size the kernel takes and the flags.
mod signalfd {
    use core::mem::{offset_of, size_of};

    use kestrel_abi::signalfd::{self as abi, SignalfdSiginfo};
    use static_assertions::{assert_eq_size, const_assert_eq};

    use crate::header::sys_signalfd::{self as sfd, signalfd_siginfo};
    use crate::platform::{self, sigset_t};

    assert_eq_size!(signalfd_siginfo, [u8; 128]);
    assert_eq_size!(signalfd_siginfo, SignalfdSiginfo);
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_signo), offset_of!(SignalfdSiginfo, ssi_signo));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_errno), offset_of!(SignalfdSiginfo, ssi_errno));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_code), offset_of!(SignalfdSiginfo, ssi_code));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_pid), offset_of!(SignalfdSiginfo, ssi_pid));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_uid), offset_of!(SignalfdSiginfo, ssi_uid));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_fd), offset_of!(SignalfdSiginfo, ssi_fd));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_tid), offset_of!(SignalfdSiginfo, ssi_tid));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_band), offset_of!(SignalfdSiginfo, ssi_band));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_overrun), offset_of!(SignalfdSiginfo, ssi_overrun));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_trapno), offset_of!(SignalfdSiginfo, ssi_trapno));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_status), offset_of!(SignalfdSiginfo, ssi_status));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_int), offset_of!(SignalfdSiginfo, ssi_int));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_ptr), offset_of!(SignalfdSiginfo, ssi_ptr));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_utime), offset_of!(SignalfdSiginfo, ssi_utime));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_stime), offset_of!(SignalfdSiginfo, ssi_stime));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_addr), offset_of!(SignalfdSiginfo, ssi_addr));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_addr_lsb), offset_of!(SignalfdSiginfo, ssi_addr_lsb));
    const_assert_eq!(offset_of!(signalfd_siginfo, __pad2), offset_of!(SignalfdSiginfo, pad2));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_syscall), offset_of!(SignalfdSiginfo, ssi_syscall));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_call_addr), offset_of!(SignalfdSiginfo, ssi_call_addr));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_arch), offset_of!(SignalfdSiginfo, ssi_arch));
    const_assert_eq!(offset_of!(signalfd_siginfo, __pad), offset_of!(SignalfdSiginfo, pad));
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_ptr), 48);
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_addr_lsb), 80);
    const_assert_eq!(offset_of!(signalfd_siginfo, ssi_arch), 96);

    // The kernel requires a mask of 8 bytes, which is the C runtime's whole sigset_t.
    const_assert_eq!(crate::platform::kestrel_protocol::SIGNALFD_MASK_SIZE, 8);
    assert_eq_size!(sigset_t, u64);
    // The flags go untranslated: they are the platform's open flags, which the kernel takes.
    const_assert_eq!(sfd::SFD_NONBLOCK as u32, abi::SFD_NONBLOCK);
    const_assert_eq!(sfd::SFD_CLOEXEC as u32, abi::SFD_CLOEXEC);
    const_assert_eq!(sfd::SFD_NONBLOCK, platform::O_NONBLOCK);
    const_assert_eq!(sfd::SFD_CLOEXEC, platform::O_CLOEXEC);
    const_assert_eq!(sfd::SFD_NONBLOCK, 0x40000);
    const_assert_eq!(sfd::SFD_CLOEXEC, 0x100_0000);
    const_assert_eq!(size_of::<signalfd_siginfo>(), 128);
}

// sys/eventfd.h: the flags, and the 8-byte counter value.
mod eventfd {
    use kestrel_abi::eventfd as abi;
    use static_assertions::{assert_eq_size, const_assert_eq};

    use crate::header::sys_eventfd::{self as efd, eventfd_t};
    use crate::platform;

    assert_eq_size!(eventfd_t, u64);
    const_assert_eq!(efd::EFD_SEMAPHORE as u32, abi::EFD_SEMAPHORE);
    const_assert_eq!(efd::EFD_NONBLOCK as u32, abi::EFD_NONBLOCK);
    const_assert_eq!(efd::EFD_CLOEXEC as u32, abi::EFD_CLOEXEC);
    const_assert_eq!(efd::EFD_NONBLOCK, platform::O_NONBLOCK);
    const_assert_eq!(efd::EFD_CLOEXEC, platform::O_CLOEXEC);
    const_assert_eq!(efd::EFD_SEMAPHORE, 1);
}

// sys/timerfd.h: the flags, and struct itimerspec field for field the
// kernel's ItimerSpec, which settime and gettime read and write as it is.
mod timerfd {
    use core::mem::{align_of, offset_of};

    use kestrel_abi::timerfd::{self as abi, ItimerSpec, Timespec, call};
    use static_assertions::{assert_eq_size, const_assert_eq};

    use crate::header::sys_timerfd as tfd;
    use crate::platform::{self, itimerspec, timespec};

    assert_eq_size!(itimerspec, [u8; 32]);
    assert_eq_size!(itimerspec, ItimerSpec);
    const_assert_eq!(align_of::<itimerspec>(), align_of::<ItimerSpec>());
    const_assert_eq!(offset_of!(itimerspec, it_interval), 0);
    const_assert_eq!(offset_of!(itimerspec, it_value), 16);
    const_assert_eq!(offset_of!(itimerspec, it_interval), offset_of!(ItimerSpec, it_interval));
    const_assert_eq!(offset_of!(itimerspec, it_value), offset_of!(ItimerSpec, it_value));
    assert_eq_size!(timespec, Timespec);
    const_assert_eq!(offset_of!(timespec, tv_sec), offset_of!(Timespec, tv_sec));
    const_assert_eq!(offset_of!(timespec, tv_nsec), offset_of!(Timespec, tv_nsec));

    // Settime flags: Linux's, which the kernel takes.
    const_assert_eq!(tfd::TFD_TIMER_ABSTIME, abi::TFD_TIMER_ABSTIME);
    const_assert_eq!(tfd::TFD_TIMER_CANCEL_ON_SET, abi::TFD_TIMER_CANCEL_ON_SET);
    const_assert_eq!(tfd::TFD_TIMER_ABSTIME, 1);
    const_assert_eq!(tfd::TFD_TIMER_CANCEL_ON_SET, 2);
    // Creation flags go untranslated: the platform's open flags, which the kernel takes.
    const_assert_eq!(tfd::TFD_NONBLOCK as u32, call::TFD_NONBLOCK);
    const_assert_eq!(tfd::TFD_CLOEXEC as u32, call::TFD_CLOEXEC);
    const_assert_eq!(tfd::TFD_NONBLOCK, platform::O_NONBLOCK);
    const_assert_eq!(tfd::TFD_CLOEXEC, platform::O_CLOEXEC);
    const_assert_eq!(tfd::TFD_NONBLOCK, 0x40000);
    const_assert_eq!(tfd::TFD_CLOEXEC, 0x100_0000);
    // The clock ids the kernel takes are the guest runtime's CLOCK_* (its time.h).
    const_assert_eq!(kestrel_abi::syscall::CLOCK_REALTIME, 1);
    const_assert_eq!(kestrel_abi::syscall::CLOCK_MONOTONIC, 4);
    const_assert_eq!(kestrel_abi::syscall::CLOCK_BOOTTIME, 7);
}

/// semaphore.h: glibc's x86_64 `sem_t` (32 bytes, aligned to 8), `SEM_VALUE_MAX` INT_MAX,
/// and the clocks `sem_clockwait` takes: the guest runtime's (the kernel's) ids.
mod semaphore {
    use static_assertions::{assert_eq_align, assert_eq_size, const_assert_eq};

    use crate::header::semaphore::{SEM_VALUE_MAX, sem_t};
    use crate::platform;

    assert_eq_size!(sem_t, [u8; 32]);
    assert_eq_align!(sem_t, u64);
    const_assert_eq!(SEM_VALUE_MAX, i32::MAX);
    const_assert_eq!(platform::CLOCK_REALTIME as usize, kestrel_abi::syscall::CLOCK_REALTIME);
    const_assert_eq!(platform::CLOCK_MONOTONIC as usize, kestrel_abi::syscall::CLOCK_MONOTONIC);
}
