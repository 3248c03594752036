//! The Linux backend's System V calls (`platform/linux/sysv_*.rs`) against the host's
//! kernel: private objects (`IPC_PRIVATE`), each removed by the test that made it, so the
//! tests neither see nor leave anything of other programs'.

use core::ffi::c_void;
use core::ptr;

use crate::error::Errno;
use crate::header::errno::{EAGAIN, EINVAL, ENOMSG};
use crate::header::sys_ipc::{IPC_CREAT, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, IPC_STAT};
use crate::header::sys_msg::msqid_ds;
use crate::header::sys_sem::{GETALL, GETVAL, SETVAL, sembuf, semid_ds};
use crate::header::sys_shm::shmid_ds;
use crate::platform::linux::Sys;
use crate::platform::{PalSysvMsg, PalSysvSem, PalSysvShm, timespec};

#[test]
fn semaphores_through_linux_system_calls() {
    let id = Sys::semget(IPC_PRIVATE, 2, IPC_CREAT | 0o600).expect("semget");
    // SAFETY: SETVAL takes an int; GETALL writes two shorts into `values`.
    unsafe {
        assert_eq!(Sys::semctl(id, 1, SETVAL, 5), Ok(0));
        assert_eq!(Sys::semctl(id, 1, GETVAL, 0), Ok(5));
    }
    let mut ops = [sembuf { sem_num: 1, sem_op: -2, sem_flg: IPC_NOWAIT as i16 }];
    // SAFETY: `ops` is a live array of one operation.
    unsafe { Sys::semop(id, ops.as_mut_ptr(), 1) }.expect("semop");
    let mut values = [0u16; 2];
    // SAFETY: as above.
    unsafe {
        assert_eq!(Sys::semctl(id, 0, GETALL, values.as_mut_ptr() as u64), Ok(0));
    }
    assert_eq!(values, [0, 3]);
    // Waiting for semaphore 0 to reach 2 times out.
    let mut wait = [sembuf { sem_num: 0, sem_op: -2, sem_flg: 0 }];
    let timeout = timespec { tv_sec: 0, tv_nsec: 1_000_000 };
    // SAFETY: `wait` and `timeout` are locals.
    assert_eq!(unsafe { Sys::semtimedop(id, wait.as_mut_ptr(), 1, &timeout) }, Err(Errno(EAGAIN)));
    let mut ds = semid_ds::default();
    // SAFETY: IPC_STAT writes `ds`; IPC_RMID takes no argument.
    unsafe {
        assert_eq!(Sys::semctl(id, 0, IPC_STAT, (&raw mut ds) as u64), Ok(0));
        assert_eq!(ds.sem_nsems, 2);
        assert_eq!(ds.sem_perm.mode & 0o777, 0o600);
        assert_eq!(Sys::semctl(id, 0, IPC_RMID, 0), Ok(0));
        assert_eq!(Sys::semctl(id, 0, GETVAL, 0), Err(Errno(EINVAL)));
    }
}

#[test]
fn message_queues_through_linux_system_calls() {
    let id = Sys::msgget(IPC_PRIVATE, IPC_CREAT | 0o600).expect("msgget");
    #[repr(C)]
    struct Message {
        mtype: i64,
        mtext: [u8; 8],
    }
    let sent = Message { mtype: 7, mtext: *b"kestrel\0" };
    // SAFETY: `sent` is a live message of 8 bytes of text.
    unsafe { Sys::msgsnd(id, (&raw const sent).cast::<c_void>(), 8, 0) }.expect("msgsnd");
    let mut ds = msqid_ds::default();
    // SAFETY: IPC_STAT writes `ds`.
    assert_eq!(unsafe { Sys::msgctl(id, IPC_STAT, &mut ds) }, Ok(0));
    assert_eq!((ds.msg_qnum, ds.__msg_cbytes), (1, 8));
    let mut got = Message { mtype: 0, mtext: [0; 8] };
    // SAFETY: `got` has room for 8 bytes of text.
    let other = unsafe { Sys::msgrcv(id, (&raw mut got).cast(), 8, 3, IPC_NOWAIT) };
    assert_eq!(other, Err(Errno(ENOMSG)), "no message of type 3");
    // SAFETY: as above.
    assert_eq!(unsafe { Sys::msgrcv(id, (&raw mut got).cast(), 8, 0, 0) }, Ok(8));
    assert_eq!((got.mtype, &got.mtext), (7, b"kestrel\0"));
    // SAFETY: IPC_RMID takes no buffer.
    assert_eq!(unsafe { Sys::msgctl(id, IPC_RMID, ptr::null_mut()) }, Ok(0));
}

#[test]
fn shared_memory_through_linux_system_calls() {
    let id = Sys::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600).expect("shmget");
    // SAFETY: the kernel picks the address; nothing else uses the segment.
    let at = unsafe { Sys::shmat(id, ptr::null(), 0) }.expect("shmat");
    // SAFETY: the segment is 4096 bytes, mapped read-write at `at`.
    unsafe { at.cast::<u32>().write(0xfeed) };
    let mut ds = shmid_ds::default();
    // SAFETY: IPC_STAT writes `ds`; IPC_RMID takes no buffer; `at` is this test's attachment.
    unsafe {
        assert_eq!(Sys::shmctl(id, IPC_STAT, &mut ds), Ok(0));
        assert_eq!((ds.shm_segsz, ds.shm_nattch), (4096, 1));
        assert_eq!(Sys::shmctl(id, IPC_RMID, ptr::null_mut()), Ok(0));
        assert_eq!(at.cast::<u32>().read(), 0xfeed, "still attached after IPC_RMID");
        assert_eq!(Sys::shmdt(at), Ok(()));
        assert_eq!(Sys::shmdt(at), Err(Errno(EINVAL)), "no longer attached");
    }
}
