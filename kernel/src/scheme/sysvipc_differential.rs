//! Differential test of the `/proc/sysvipc` tables (`ipc::sysvipc`): objects made on the
//! host Linux kernel, each described by IPC_STAT and printed by our formatter, must be
//! the very line the host prints for it in its own `/proc/sysvipc` file, and the headers
//! must be the host's.

use super::ipc::msg::ctl::MsqidDs;
use super::ipc::perm::IpcPerm;
use super::ipc::sem::ctl::SemidDs;
use super::ipc::shm::ctl::ShmidDs;
use super::ipc::sysvipc::{MSG_HEADER, SEM_HEADER, SHM_HEADER, msg_line, sem_line, shm_line};

fn host_table(name: &str) -> Option<String> {
    std::fs::read_to_string(format!("/proc/sysvipc/{name}")).ok()
}

/// The host's line for object `id` (second column).
fn host_line(table: &str, id: i32) -> String {
    let line = table
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(&id.to_string()))
        .unwrap_or_else(|| panic!("id {id} not in the host table"));
    format!("{line}\n")
}

fn perm_of(p: &libc::ipc_perm) -> IpcPerm {
    IpcPerm { key: p.__key, uid: p.uid, gid: p.gid, cuid: p.cuid, cgid: p.cgid, mode: p.mode }
}

#[test]
fn headers_are_the_hosts() {
    let (Some(sem), Some(msg), Some(shm)) = (host_table("sem"), host_table("msg"), host_table("shm")) else {
        eprintln!("skipped: the host has no /proc/sysvipc");
        return;
    };
    assert!(sem.starts_with(SEM_HEADER));
    assert!(msg.starts_with(MSG_HEADER));
    assert!(shm.starts_with(SHM_HEADER));
}

#[test]
fn a_semaphore_set_prints_as_on_the_host() {
    if host_table("sem").is_none() {
        return;
    }
    // SAFETY: plain System V calls on a private set this test owns; buffers outlive them.
    unsafe {
        let id = libc::semget(libc::IPC_PRIVATE, 3, 0o640);
        assert!(id >= 0);
        let mut op = libc::sembuf { sem_num: 1, sem_op: 2, sem_flg: 0 };
        assert_eq!(libc::semop(id, &mut op, 1), 0);
        let mut ds: libc::semid_ds = core::mem::zeroed();
        assert_eq!(libc::semctl(id, 0, libc::IPC_STAT, &mut ds as *mut libc::semid_ds), 0);
        let table = host_table("sem").unwrap();
        libc::semctl(id, 0, libc::IPC_RMID);
        let ours = SemidDs {
            perm: perm_of(&ds.sem_perm),
            id,
            otime: ds.sem_otime as u64,
            ctime: ds.sem_ctime as u64,
            nsems: ds.sem_nsems as u64,
        };
        let mut line = String::new();
        sem_line(&mut line, &ours);
        assert_eq!(line, host_line(&table, id));
    }
}

#[test]
fn a_message_queue_prints_as_on_the_host() {
    if host_table("msg").is_none() {
        return;
    }
    // SAFETY: as above, on a private queue; the message buffer is a long plus 5 bytes.
    unsafe {
        let id = libc::msgget(0x5eed_0001 + std::process::id() as i32, libc::IPC_CREAT | 0o604);
        assert!(id >= 0);
        let msg: [u64; 2] = [7, 0x0000_0068_6c6c_6568];
        assert_eq!(libc::msgsnd(id, msg.as_ptr().cast(), 5, 0), 0);
        let mut ds: libc::msqid_ds = core::mem::zeroed();
        assert_eq!(libc::msgctl(id, libc::IPC_STAT, &mut ds), 0);
        let table = host_table("msg").unwrap();
        libc::msgctl(id, libc::IPC_RMID, core::ptr::null_mut());
        let ours = MsqidDs {
            perm: perm_of(&ds.msg_perm),
            id,
            stime: ds.msg_stime as u64,
            rtime: ds.msg_rtime as u64,
            ctime: ds.msg_ctime as u64,
            cbytes: ds.__msg_cbytes,
            qnum: ds.msg_qnum,
            qbytes: ds.msg_qbytes,
            lspid: ds.msg_lspid as u32,
            lrpid: ds.msg_lrpid as u32,
        };
        let mut line = String::new();
        msg_line(&mut line, &ours);
        assert_eq!(line, host_line(&table, id));
    }
}

#[test]
fn an_attached_segment_marked_for_removal_prints_as_on_the_host() {
    if host_table("shm").is_none() {
        return;
    }
    // SAFETY: a private segment attached at an address the host picks, every page of it
    // written while attached, detached before the test ends.
    unsafe {
        let size = 3 * 4096 + 100;
        let id = libc::shmget(libc::IPC_PRIVATE, size, 0o600);
        assert!(id >= 0);
        let at = libc::shmat(id, core::ptr::null(), 0);
        assert_ne!(at as isize, -1);
        for page in 0..4 {
            at.cast::<u8>().add(page * 4096).write_volatile(1);
        }
        assert_eq!(libc::shmctl(id, libc::IPC_RMID, core::ptr::null_mut()), 0);
        let mut ds: libc::shmid_ds = core::mem::zeroed();
        assert_eq!(libc::shmctl(id, libc::IPC_STAT, &mut ds), 0);
        let table = host_table("shm").unwrap();
        libc::shmdt(at);
        let ours = ShmidDs {
            perm: perm_of(&ds.shm_perm),
            id,
            segsz: ds.shm_segsz as u64,
            atime: ds.shm_atime as u64,
            dtime: ds.shm_dtime as u64,
            ctime: ds.shm_ctime as u64,
            cpid: ds.shm_cpid as u32,
            lpid: ds.shm_lpid as u32,
            nattch: ds.shm_nattch,
        };
        assert_ne!(ours.perm.mode & 0o1000, 0, "SHM_DEST is in the mode");
        let mut line = String::new();
        shm_line(&mut line, &ours, 4 * 4096);
        assert_eq!(line, host_line(&table, id));
    }
}
