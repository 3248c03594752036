//! Unit tests of shmctl: IPC_STAT and the index commands, IPC_SET, IPC_RMID with and
//! without attachments, the INFO commands, SHM_LOCK and SHM_UNLOCK, and Linux's EINVAL
//! for negative ids and unknown commands.

use super::*;
use crate::errno::EPERM;
use crate::scheme::ipc::ctl::NewOwner;
use crate::scheme::ipc::ids::IPCMNI;
use crate::scheme::ipc::shm::ctl::{
    IPC_INFO, IPC_RMID, IPC_SET, IPC_STAT, SHM_INFO, SHM_LOCK, SHM_STAT, SHM_STAT_ANY, SHM_UNLOCK, ShmInfo, ShmUsage,
};

fn ctl(ns: &mut Ns, who: &Credentials, id: i32, cmd: Command) -> Result<Reply<TestMemory>> {
    ns.shmctl(who, id, cmd, 50)
}

#[test]
fn ipc_stat_needs_read_permission() {
    let (mut ns, id) = fixture(PAGE + 5, 0o604);
    let owner = user(OWNER);
    assert_eq!(ctl(&mut ns, &user(2000), id, Command::Stat).map(|_| ()), Ok(()), "others may read");
    ctl(&mut ns, &owner, id, Command::Set { owner: NewOwner { uid: OWNER, gid: OWNER, mode: 0o600 } }).unwrap();
    assert_eq!(ctl(&mut ns, &user(2000), id, Command::Stat), Err(EACCES));
    assert_eq!(ctl(&mut ns, &owner, id + 1, Command::Stat), Err(EINVAL));
    let Ok(Reply::Ds(0, ds)) = ctl(&mut ns, &owner, id, Command::Stat) else { panic!() };
    assert_eq!((ds.id, ds.segsz, ds.nattch, ds.cpid, ds.perm.mode), (id, PAGE + 5, 0, 7, 0o600));
}

#[test]
fn stat_commands_take_an_index_and_return_the_id() {
    let (mut ns, id) = fixture(1, 0o600);
    let index = id % IPCMNI as i32;
    let stranger = user(2000);
    let stat_index = |ns: &mut Ns, who: &Credentials, index, any| match ctl(ns, who, index, Command::StatIndex { any })
    {
        Ok(Reply::Ds(got, ds)) => {
            assert_eq!(ds.id, got);
            Ok(got)
        }
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e),
    };
    assert_eq!(stat_index(&mut ns, &user(OWNER), index, false), Ok(id));
    assert_eq!(stat_index(&mut ns, &stranger, index, false), Err(EACCES));
    assert_eq!(stat_index(&mut ns, &stranger, index, true), Ok(id), "SHM_STAT_ANY reads anything");
    assert_eq!(stat_index(&mut ns, &stranger, index + 3 * IPCMNI as i32, true), Ok(id), "the low 15 bits");
    assert_eq!(stat_index(&mut ns, &user(OWNER), index + 1, false), Err(EINVAL));
}

#[test]
fn ipc_set_changes_owner_and_mode_but_keeps_the_state_bits() {
    let (mut ns, id) = fixture(1, 0o600);
    let memory = memory_of(&ns, id);
    ns.attached(id, &memory, 1, 1);
    ctl(&mut ns, &user(OWNER), id, Command::Lock).unwrap();
    ctl(&mut ns, &user(OWNER), id, Command::Remove).unwrap();
    let set = |uid, gid, mode| Command::Set { owner: NewOwner { uid, gid, mode } };
    assert_eq!(ctl(&mut ns, &user(2000), id, set(1, 1, 0o644)), Err(EPERM));
    assert_eq!(ctl(&mut ns, &user(OWNER), id, set(u32::MAX, 1, 0o644)), Err(EINVAL), "uid -1");
    assert_eq!(ctl(&mut ns, &user(OWNER), id, set(1, u32::MAX, 0o644)), Err(EINVAL), "gid -1");
    assert_eq!(stat(&mut ns, id).ctime, 5, "a refused IPC_SET changes nothing");
    assert_eq!(ctl(&mut ns, &user(OWNER), id, set(20, 21, 0o7444)), Ok(Reply::Int(0)));
    let ds = stat(&mut ns, id);
    let perm = ds.perm;
    assert_eq!((perm.uid, perm.gid, perm.cuid, perm.cgid, ds.ctime), (20, 21, OWNER, OWNER, 50));
    assert_eq!(perm.mode, SHM_DEST | SHM_LOCKED | 0o444);
    assert_eq!(ctl(&mut ns, &user(OWNER), id, set(OWNER, 1, 0o600)), Ok(Reply::Int(0)), "the creator keeps control");
}

#[test]
fn rmid_of_an_unattached_segment_removes_it() {
    let (mut ns, id) = fixture(3 * PAGE, 0o666);
    let memory = memory_of(&ns, id);
    assert_eq!(ctl(&mut ns, &user(2000), id, Command::Remove), Err(EPERM), "even with every permission bit");
    let Ok(Reply::Removed(segment)) = ctl(&mut ns, &user(OWNER), id, Command::Remove) else { panic!() };
    assert!(segment.memory().same(&memory));
    assert_eq!((ns.segments().count(), ns.total_pages()), (0, 0));
    assert_eq!(ctl(&mut ns, &root(), id, Command::Remove), Err(EINVAL));
    assert_eq!(ns.attach(&root(), id, 0), Err(EINVAL));
}

#[test]
fn rmid_of_an_attached_segment_marks_it_and_hides_its_key() {
    let mut ns = Ns::new();
    let owner = user(OWNER);
    let id = get(&mut ns, &owner, 77, PAGE, IPC_CREAT | 0o600).unwrap();
    let memory = memory_of(&ns, id);
    ns.attached(id, &memory, 1, 1);
    assert_eq!(ctl(&mut ns, &owner, id, Command::Remove), Ok(Reply::Int(0)));
    let ds = stat(&mut ns, id);
    assert_eq!((ds.perm.key, ds.perm.mode, ds.nattch), (IPC_PRIVATE, SHM_DEST | 0o600, 1));
    assert_eq!(get(&mut ns, &owner, 77, PAGE, 0), Err(ENOENT), "the key finds it no more");
    let index = id % IPCMNI as i32;
    assert!(
        matches!(ctl(&mut ns, &owner, index, Command::StatIndex { any: false }), Ok(Reply::Ds(got, _)) if got == id)
    );
    assert!(ns.attach(&owner, id, 0).is_ok(), "still attachable by id");
    ns.attached(id, &memory, 2, 2);
    assert_eq!(ctl(&mut ns, &owner, id, Command::Remove), Ok(Reply::Int(0)), "again: no error");
    let fresh = get(&mut ns, &owner, 77, PAGE, IPC_CREAT | IPC_EXCL | 0o600).unwrap();
    assert_ne!(fresh, id, "the key makes a new segment");
    assert_eq!(ns.detached(id, &memory, 3, 3), None);
    assert!(ns.detached(id, &memory, 3, 3).is_some());
    assert_eq!(ns.segments().map(|(id, _)| id).collect::<Vec<_>>(), [fresh]);
}

#[test]
fn info_reports_the_limits_and_usage_the_segments() {
    let mut ns = Ns::new();
    let Ok(Reply::Info(0, info)) = ctl(&mut ns, &user(1), 0, Command::Info) else { panic!() };
    let expected = ShmInfo { shmmax: SHMMAX, shmmin: 1, shmmni: 4096, shmseg: 4096, shmall: SHMALL, _reserved: [0; 4] };
    assert_eq!(info, expected);
    let empty =
        ShmUsage { used_ids: 0, _pad: 0, shm_tot: 0, shm_rss: 0, shm_swp: 0, swap_attempts: 0, swap_successes: 0 };
    assert_eq!(ctl(&mut ns, &user(1), 0, Command::Usage), Ok(Reply::Usage(0, empty)));
    let a = get(&mut ns, &user(1), IPC_PRIVATE, 3 * PAGE, 0o600).unwrap();
    let b = get(&mut ns, &user(1), IPC_PRIVATE, PAGE + 1, 0).unwrap();
    memory_of(&ns, a).set_resident(2);
    memory_of(&ns, b).set_resident(1);
    let usage = ShmUsage { used_ids: 2, shm_tot: 5, shm_rss: 3, ..empty };
    assert_eq!(ctl(&mut ns, &user(2), 5, Command::Usage), Ok(Reply::Usage(b % IPCMNI as i32, usage)), "any id, anyone");
    assert_eq!(ctl(&mut ns, &user(2), 0, Command::Info), Ok(Reply::Info(b % IPCMNI as i32, expected)));
    let limits = ShmLimits { shmmax: 1 << 20, shmall: 300, shmmni: 16 };
    let Ok(Reply::Info(_, info)) = ctl(&mut Ns::with_limits(limits), &user(1), 0, Command::Info) else { panic!() };
    assert_eq!((info.shmmax, info.shmall, info.shmmni, info.shmseg), (1 << 20, 300, 16, 16));
}

#[test]
fn lock_and_unlock_set_a_bit_for_the_owner_or_root() {
    let (mut ns, id) = fixture(1, 0o666);
    assert_eq!(ctl(&mut ns, &user(2000), id, Command::Lock), Err(EPERM));
    assert_eq!(ctl(&mut ns, &user(2000), id + 1, Command::Lock), Err(EINVAL), "the id first");
    assert_eq!(ctl(&mut ns, &user(OWNER), id, Command::Lock), Ok(Reply::Int(0)));
    assert_eq!(stat(&mut ns, id).perm.mode, SHM_LOCKED | 0o666);
    assert_eq!(ctl(&mut ns, &user(OWNER), id, Command::Lock), Ok(Reply::Int(0)), "twice");
    assert_eq!(ctl(&mut ns, &user(2000), id, Command::Unlock), Err(EPERM));
    assert_eq!(ctl(&mut ns, &root(), id, Command::Unlock), Ok(Reply::Int(0)));
    assert_eq!(ctl(&mut ns, &root(), id, Command::Unlock), Ok(Reply::Int(0)), "unlocked already");
    assert!(!ns.segment(id).unwrap().is_locked());
    let chown = Command::Set { owner: NewOwner { uid: 3000, gid: 3000, mode: 0o600 } };
    ctl(&mut ns, &user(OWNER), id, chown).unwrap();
    assert_eq!(ctl(&mut ns, &user(3000), id, Command::Lock), Ok(Reply::Int(0)), "the new owner");
    assert_eq!(ctl(&mut ns, &user(OWNER), id, Command::Unlock), Ok(Reply::Int(0)), "and the creator");
    assert_eq!(stat(&mut ns, id).ctime, 50, "from the IPC_SET only");
}

#[test]
fn negative_ids_and_unknown_commands_are_einval() {
    let (mut ns, _) = fixture(1, 0o600);
    let cmds = [
        Command::Info,
        Command::Usage,
        Command::Stat,
        Command::StatIndex { any: true },
        Command::Remove,
        Command::Lock,
        Command::Unlock,
        Command::Set { owner: NewOwner { uid: 0, gid: 0, mode: 0 } },
    ];
    for cmd in cmds {
        assert_eq!(ctl(&mut ns, &root(), -1, cmd.clone()), Err(EINVAL), "{cmd:?}");
    }
    let check = Ns::shmctl_check;
    assert_eq!(check(-1, IPC_SET), Err(EINVAL));
    assert_eq!(check(0, -1), Err(EINVAL));
    assert_eq!(check(0, 16), Err(EINVAL));
    assert_eq!(check(0, IPC_SET), Ok(()));
    for cmd in [IPC_STAT, IPC_RMID, IPC_INFO, SHM_LOCK, SHM_UNLOCK, SHM_STAT, SHM_INFO, SHM_STAT_ANY] {
        assert_eq!(check(0, cmd), Ok(()), "{cmd}");
        assert!(Command::simple(cmd).is_some(), "{cmd}");
    }
    assert_eq!(Command::simple(SHM_INFO), Some(Command::Usage));
    assert_eq!(Command::simple(SHM_STAT_ANY), Some(Command::StatIndex { any: true }));
    assert_eq!(Command::simple(IPC_SET), None);
    assert_eq!(Command::simple(99), None);
}
