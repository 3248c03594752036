//! Unit tests of msgctl: IPC_STAT and the index commands, IPC_SET and what it wakes,
//! IPC_RMID, the INFO commands, and Linux's EINVAL for negative ids.

use super::*;

#[test]
fn rmid_fails_every_sleeper_with_eidrm() {
    let mut f = Fixture::new(0o600);
    f.set(0o600, 0).0.unwrap();
    let sender = f.blocked_send(1, message(1, 1, 0));
    let receiver = f.blocked_recv(2, 1, 0, NONE);
    let (r, _) = f.ctl_as(&user(2000), f.id, Command::Remove);
    assert_eq!(r, Err(EPERM));
    let (r, woken) = f.ctl(Command::Remove);
    assert_eq!(r, Ok(Reply::Int(0)));
    assert_eq!(woken, [failed(receiver, EIDRM), failed(sender, EIDRM)]);
    assert_eq!(f.ns.queue(f.id).err(), Some(EINVAL));
    assert_eq!(f.send(1, message(1, 1, 0), NOWAIT).0, Err(EINVAL), "a removed id names nothing");
    assert!(!f.ns.cancel(f.id, sender));
}

#[test]
fn ipc_set_checks_in_linux_order() {
    let mut f = Fixture::new(0o666);
    let owner = NewOwner { uid: OWNER, gid: OWNER, mode: 0o600 };
    let set = |qbytes| Command::Set { owner, qbytes };
    assert_eq!(f.ctl_as(&user(2000), f.id, set(100)).0, Err(EPERM), "not the owner");
    assert_eq!(f.ctl(set(MSGMNB as u64 + 1)).0, Err(EPERM), "raising qbytes needs root");
    let no_one = |uid, gid| Command::Set { owner: NewOwner { uid, gid, mode: 0o600 }, qbytes: 100 };
    assert_eq!(f.ctl(no_one(u32::MAX, 0)).0, Err(EINVAL), "uid -1");
    assert_eq!(f.ctl(no_one(0, u32::MAX)).0, Err(EINVAL), "gid -1");
    let bad_both = Command::Set { owner: NewOwner { uid: u32::MAX, gid: 0, mode: 0 }, qbytes: 1 << 20 };
    assert_eq!(f.ctl(bad_both).0, Err(EPERM), "qbytes before the ids");
    assert_eq!(f.stat().ctime, 1, "a failed IPC_SET changes nothing");
    assert_eq!(f.ctl(set(MSGMNB as u64)).0, Ok(Reply::Int(0)));
    let ds = f.stat();
    assert_eq!((ds.perm.mode, ds.qbytes, ds.ctime), (0o600, MSGMNB as u64, 30));
    assert_eq!(f.ctl_as(&root(), f.id, set(1 << 20)).0, Ok(Reply::Int(0)));
    assert_eq!(f.stat().qbytes, 1 << 20);
    let chown = Command::Set { owner: NewOwner { uid: 5, gid: 6, mode: 0o7640 }, qbytes: 1 };
    assert_eq!(f.ctl(chown).0, Ok(Reply::Int(0)), "lowering qbytes needs nothing");
    let ds = f.stat();
    assert_eq!((ds.perm.uid, ds.perm.gid, ds.perm.cuid, ds.perm.mode, ds.qbytes), (5, 6, OWNER, 0o640, 1));
}

#[test]
fn ipc_set_qbytes_is_an_int_as_on_linux() {
    let mut f = Fixture::new(0o600);
    let set = |qbytes| Command::Set { owner: NewOwner { uid: OWNER, gid: OWNER, mode: 0o600 }, qbytes };
    assert_eq!(f.ctl(set((1 << 32) + 5)).0, Ok(Reply::Int(0)));
    assert_eq!(f.stat().qbytes, 5, "the high half is dropped");
    assert_eq!(f.ctl(set(0x8000_0000)).0, Err(EPERM), "negative as an int is above MSGMNB unsigned");
    assert_eq!(f.ctl_as(&root(), f.id, set(0x8000_0000)).0, Ok(Reply::Int(0)));
    assert_eq!(f.stat().qbytes, 0xffff_ffff_8000_0000, "stored sign-extended");
}

#[test]
fn ipc_set_performs_senders_that_now_fit() {
    let mut f = Fixture::new(0o600);
    f.set(0o600, 2).0.unwrap();
    f.put(message(1, 2, 0));
    let a = f.blocked_send(1, message(1, 3, 0));
    let b = f.blocked_send(2, message(1, 1, 0));
    let (_, woken) = f.set(0o600, 5);
    assert_eq!(woken, [done(a, Ok(Delivery::Sent))]);
    let (_, woken) = f.set(0o600, 6);
    assert_eq!(woken, [done(b, Ok(Delivery::Sent))]);
    assert_eq!(f.stat().qnum, 3);
}

#[test]
fn ipc_set_fails_sleepers_that_lost_their_permission() {
    let mut f = Fixture::new(0o666);
    let other = user(2000);
    f.set(0o666, 1).0.unwrap();
    f.put(message(1, 1, 0));
    let reader = match f.recv_as(&other, 5, 10, 9, NONE).0 {
        Ok(Outcome::Wait(w)) => w,
        r => panic!("{r:?}"),
    };
    let root_reader = match f.recv_as(&root(), 6, 10, 9, NONE).0 {
        Ok(Outcome::Wait(w)) => w,
        r => panic!("{r:?}"),
    };
    let writer = match f.send_as(&other, 7, message(2, 1, 0), NONE).0 {
        Ok(Outcome::Wait(w)) => w,
        r => panic!("{r:?}"),
    };
    // Others may no longer read or write: the reader fails at once; the writer does not
    // fit yet and sleeps on, as on Linux, until its message fits.
    let (_, woken) = f.set(0o600, 1);
    assert_eq!(woken, [failed(reader, EACCES)], "root keeps its access");
    let (_, woken) = f.recv(8, 10, 1, NONE);
    assert_eq!(woken, [failed(writer, EACCES)], "the writer looks again once it fits");
    assert!(f.types().is_empty());
    let (_, woken) = f.send(9, message(9, 1, 0), NONE);
    assert_eq!(woken, [received(root_reader, message(9, 1, 0))]);
}

#[test]
fn stat_commands() {
    let mut f = Fixture::new(0o600);
    f.put(message(1, 3, 0));
    let stranger = user(2000);
    assert_eq!(f.ctl_as(&stranger, f.id, Command::Stat).0, Err(EACCES));
    assert_eq!(f.ctl_as(&user(OWNER), f.id + 1, Command::Stat).0, Err(EINVAL));
    let index = f.id % 32768;
    let stat_index =
        |f: &mut Fixture, who: &Credentials, index, any| f.ctl_as(who, index, Command::StatIndex { any }).0;
    let Ok(Reply::Ds(id, ds)) = stat_index(&mut f, &user(OWNER), index, false) else { panic!() };
    assert_eq!((id, ds.id, ds.qnum, ds.cbytes, ds.lspid), (f.id, f.id, 1, 3, 1), "takes an index, returns the id");
    assert_eq!(stat_index(&mut f, &stranger, index, false), Err(EACCES));
    assert!(matches!(stat_index(&mut f, &stranger, index, true), Ok(Reply::Ds(id, _)) if id == f.id));
    assert!(
        matches!(stat_index(&mut f, &stranger, index + 5 * 32768, true), Ok(Reply::Ds(id, _)) if id == f.id),
        "Linux takes the index from the low 15 bits"
    );
    assert_eq!(stat_index(&mut f, &user(OWNER), index + 1, false), Err(EINVAL));
}

#[test]
fn info_commands_report_linuxs_msginfo() {
    let mut f = Fixture::new(0o600);
    f.put(message(1, 3, 0));
    f.put(message(1, 4, 0));
    let second = f.ns.msgget(&user(OWNER), IPC_PRIVATE, 0o600, 0).unwrap();
    let Ok(Reply::Info(max, info)) = f.ctl(Command::Info { usage: false }).0 else { panic!() };
    assert_eq!(max, second % 32768);
    let expected = MsgInfo {
        msgpool: 512_000,
        msgmap: 16384,
        msgmax: 8192,
        msgmnb: 16384,
        msgmni: 32000,
        msgssz: 16,
        msgtql: 16384,
        msgseg: 0xffff,
        _pad: 0,
    };
    assert_eq!(info, expected);
    let Ok(Reply::Info(_, usage)) = f.ctl_as(&user(2000), 0, Command::Info { usage: true }).0 else { panic!() };
    assert_eq!(usage, MsgInfo { msgpool: 2, msgmap: 2, msgtql: 7, ..expected }, "queues, messages, bytes");
}

#[test]
fn negative_ids_and_unknown_commands_are_einval() {
    let mut f = Fixture::new(0o600);
    let cmds = [
        Command::Info { usage: false },
        Command::Info { usage: true },
        Command::Stat,
        Command::StatIndex { any: true },
        Command::Remove,
        Command::Set { owner: NewOwner { uid: 0, gid: 0, mode: 0 }, qbytes: 0 },
    ];
    for cmd in cmds {
        assert_eq!(f.ctl_as(&root(), -1, cmd.clone()).0, Err(EINVAL), "{cmd:?}");
    }
    assert_eq!(MsgNamespace::msgctl_check(-1, IPC_SET), Err(EINVAL));
    assert_eq!(MsgNamespace::msgctl_check(0, -1), Err(EINVAL));
    assert_eq!(MsgNamespace::msgctl_check(0, 99), Err(EINVAL));
    assert_eq!(MsgNamespace::msgctl_check(0, IPC_SET), Ok(()));
    assert_eq!(MsgNamespace::msgctl_check(0, ctl::MSG_STAT_ANY), Ok(()));
    assert_eq!(Command::simple(ctl::MSG_INFO), Some(Command::Info { usage: true }));
    assert_eq!(Command::simple(ctl::IPC_SET), None);
    assert_eq!(Command::simple(99), None);
}
