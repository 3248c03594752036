//! Unit tests of the message queue rules, one rule (and Linux's error order) at a time:
//! msgget, msgsnd, msgrcv and the sleepers here, msgctl in [`msgctl`]. The property
//! tests are in `properties.rs`, the differential tests against the host kernel in
//! `scheme::msg_differential`.

use super::ctl::{Command, IPC_SET, MsgInfo, MsqidDs, Reply};
use super::*;
use crate::errno::{EACCES, EEXIST, EFAULT, EIDRM, ENOENT, ENOMEM, ENOSPC, EPERM, Errno};
use crate::scheme::ipc::ctl::NewOwner;
use crate::scheme::ipc::{IPC_CREAT, IPC_EXCL, IPC_PRIVATE};

mod msgctl;

pub(crate) fn user(uid: u32) -> Credentials {
    Credentials { ruid: uid, euid: uid, suid: uid, rgid: uid, egid: uid, sgid: uid, groups: Vec::new() }
}

pub(crate) fn root() -> Credentials {
    Credentials::root()
}

/// A message of type `mtype` whose `len` bytes of text say which message it is.
pub(crate) fn message(mtype: i64, len: usize, tag: u8) -> Message {
    Message { mtype, text: (0..len).map(|i| tag.wrapping_add(i as u8)).collect() }
}

const NOWAIT: MsgFlags = MsgFlags::NOWAIT;
const NONE: MsgFlags = MsgFlags::empty();
const OWNER: u32 = 1000;

/// A namespace with one queue, owned by uid 1000.
struct Fixture {
    ns: MsgNamespace,
    id: i32,
}

impl Fixture {
    fn new(mode: i32) -> Self {
        let mut ns = MsgNamespace::new();
        let id = ns.msgget(&user(OWNER), IPC_PRIVATE, mode, 1).unwrap();
        Self { ns, id }
    }

    fn send_as(&mut self, who: &Credentials, pid: u32, m: Message, flags: MsgFlags) -> (Result<Outcome<()>>, Woken) {
        let mut woken = Woken::new();
        let result = self.ns.msgsnd(who, pid, self.id, Box::new(m), flags, 10, &mut woken);
        (result, woken)
    }

    fn send(&mut self, pid: u32, m: Message, flags: MsgFlags) -> (Result<Outcome<()>>, Woken) {
        self.send_as(&user(OWNER), pid, m, flags)
    }

    fn recv_as(
        &mut self,
        who: &Credentials,
        pid: u32,
        bufsz: usize,
        msgtyp: i64,
        flags: MsgFlags,
    ) -> (Result<Outcome<Message>>, Woken) {
        let mut woken = Woken::new();
        let result = self.ns.msgrcv(who, pid, self.id, bufsz, msgtyp, flags, 20, &mut woken, |_| Ok(()));
        let result = result.map(|outcome| match outcome {
            Outcome::Done(message) => Outcome::Done(*message),
            Outcome::Wait(waiter) => Outcome::Wait(waiter),
        });
        (result, woken)
    }

    fn recv(&mut self, pid: u32, bufsz: usize, msgtyp: i64, flags: MsgFlags) -> (Result<Outcome<Message>>, Woken) {
        self.recv_as(&user(OWNER), pid, bufsz, msgtyp, flags)
    }

    /// Sends without waiting and expects success.
    fn put(&mut self, m: Message) {
        assert_eq!(self.send(1, m, NOWAIT).0, Ok(Outcome::Done(())));
    }

    /// A msgsnd that must sleep.
    fn blocked_send(&mut self, pid: u32, m: Message) -> WaiterId {
        match self.send(pid, m, NONE) {
            (Ok(Outcome::Wait(w)), woken) if woken.is_empty() => w,
            other => panic!("expected a sleeping sender, got {other:?}"),
        }
    }

    /// A msgrcv that must sleep.
    fn blocked_recv(&mut self, pid: u32, bufsz: usize, msgtyp: i64, flags: MsgFlags) -> WaiterId {
        match self.recv(pid, bufsz, msgtyp, flags) {
            (Ok(Outcome::Wait(w)), woken) if woken.is_empty() => w,
            other => panic!("expected a sleeping receiver, got {other:?}"),
        }
    }

    fn ctl_as(&mut self, who: &Credentials, msqid: i32, cmd: Command) -> (Result<Reply>, Woken) {
        let mut woken = Woken::new();
        let result = self.ns.msgctl(who, msqid, cmd, 30, &mut woken);
        (result, woken)
    }

    fn ctl(&mut self, cmd: Command) -> (Result<Reply>, Woken) {
        self.ctl_as(&user(OWNER), self.id, cmd)
    }

    fn stat(&mut self) -> MsqidDs {
        match self.ctl(Command::Stat).0 {
            Ok(Reply::Ds(0, ds)) => ds,
            other => panic!("{other:?}"),
        }
    }

    fn set(&mut self, mode: u16, qbytes: u64) -> (Result<Reply>, Woken) {
        self.ctl(Command::Set { owner: NewOwner { uid: OWNER, gid: OWNER, mode }, qbytes })
    }

    fn types(&self) -> Vec<i64> {
        self.ns.queue(self.id).unwrap().messages().map(|m| m.mtype).collect()
    }
}

fn done(waiter: WaiterId, result: Result<Delivery>) -> Completed {
    Completed { waiter, result }
}

fn received(waiter: WaiterId, m: Message) -> Completed {
    done(waiter, Ok(Delivery::Received(Box::new(m))))
}

fn failed(waiter: WaiterId, errno: Errno) -> Completed {
    done(waiter, Err(errno))
}

#[test]
fn msgget_creates_looks_up_and_checks_access() {
    let mut ns = MsgNamespace::new();
    let owner = user(OWNER);
    assert_eq!(ns.msgget(&owner, 7, 0o600, 5), Err(ENOENT));
    let id = ns.msgget(&owner, 7, IPC_CREAT | 0o640, 5).unwrap();
    assert_eq!(ns.msgget(&owner, 7, 0, 6), Ok(id));
    assert_eq!(ns.msgget(&owner, 7, IPC_CREAT | IPC_EXCL, 6), Err(EEXIST));
    assert_eq!(ns.msgget(&user(2000), 7, 0o400, 6), Err(EACCES));
    assert_eq!(ns.msgget(&user(2000), 7, 0, 6), Ok(id), "asking for nothing passes");
    let queue = ns.queue(id).unwrap();
    assert_eq!((queue.qbytes(), queue.qnum(), queue.cbytes()), (MSGMNB as u64, 0, 0));
    let ds = queue.ds(id);
    assert_eq!((ds.perm.uid, ds.perm.cuid, ds.perm.mode, ds.ctime, ds.stime, ds.rtime), (OWNER, OWNER, 0o640, 5, 0, 0));
    assert_ne!(ns.msgget(&owner, IPC_PRIVATE, 0o600, 5), Ok(id), "IPC_PRIVATE always creates");
}

#[test]
fn msgget_runs_out_of_queues() {
    let mut ns = MsgNamespace::new();
    for _ in 0..MSGMNI {
        ns.msgget(&root(), IPC_PRIVATE, 0o600, 0).unwrap();
    }
    assert_eq!(ns.msgget(&root(), IPC_PRIVATE, 0o600, 0), Err(ENOSPC));
}

#[test]
fn msgsnd_checks_before_the_text_is_read() {
    let check = MsgNamespace::msgsnd_check;
    assert_eq!(check(0, 1, MSGMAX as u64), Ok(MSGMAX as usize));
    assert_eq!(check(0, 1, 0), Ok(0), "an empty message is a message");
    assert_eq!(check(0, 1, MSGMAX as u64 + 1), Err(EINVAL));
    assert_eq!(check(0, 1, u64::MAX), Err(EINVAL), "negative as a long");
    assert_eq!(check(-1, 1, 1), Err(EINVAL));
    assert_eq!(check(0, 0, 1), Err(EINVAL), "mtype must be positive");
    assert_eq!(check(0, i64::MIN, 1), Err(EINVAL));
}

#[test]
fn msgsnd_errors_in_linux_order() {
    let mut f = Fixture::new(0o600);
    f.set(0o600, 4).0.unwrap();
    f.put(message(1, 4, 0));
    let stranger = user(2000);
    let (id, m) = (f.id, message(1, 1, 0));
    let mut woken = Woken::new();
    assert_eq!(f.ns.msgsnd(&stranger, 1, id + 1, Box::new(m.clone()), NOWAIT, 0, &mut woken), Err(EINVAL), "id first");
    assert_eq!(
        f.ns.msgsnd(&stranger, 1, id, Box::new(m.clone()), NOWAIT, 0, &mut woken),
        Err(EACCES),
        "EACCES before EAGAIN"
    );
    assert_eq!(f.ns.msgsnd(&user(OWNER), 1, id, Box::new(message(0, 1, 0)), NOWAIT, 0, &mut woken), Err(EINVAL));
    assert_eq!(f.ns.msgsnd(&user(OWNER), 1, id | i32::MIN, Box::new(m.clone()), NOWAIT, 0, &mut woken), Err(EINVAL));
    assert_eq!(f.send(1, m, NOWAIT).0, Err(EAGAIN), "full, with IPC_NOWAIT");
    assert!(woken.is_empty());
    assert_eq!(f.types(), [1], "failed calls change nothing");
}

#[test]
fn qbytes_bounds_both_bytes_and_count() {
    let mut f = Fixture::new(0o600);
    f.set(0o600, 3).0.unwrap();
    for _ in 0..3 {
        f.put(message(1, 0, 0));
    }
    assert_eq!(f.send(1, message(1, 0, 0), NOWAIT).0, Err(EAGAIN), "qnum + 1 > qbytes");
    let mut f = Fixture::new(0o600);
    f.set(0o600, 10).0.unwrap();
    f.put(message(1, 6, 0));
    assert_eq!(f.send(1, message(1, 5, 0), NOWAIT).0, Err(EAGAIN), "cbytes + size > qbytes");
    f.put(message(1, 4, 0));
    f.set(0o600, 0).0.unwrap();
    assert_eq!(f.send(1, message(1, 0, 0), NOWAIT).0, Err(EAGAIN), "nothing fits in qbytes 0");
    let ds = f.stat();
    assert_eq!((ds.qnum, ds.cbytes, ds.qbytes), (2, 10, 0), "lowering qbytes keeps the messages");
}

#[test]
fn msgsnd_and_msgrcv_keep_the_times_and_pids() {
    let mut f = Fixture::new(0o600);
    assert_eq!(f.send(42, message(3, 5, 0), NONE).0, Ok(Outcome::Done(())));
    let ds = f.stat();
    assert_eq!((ds.qnum, ds.cbytes, ds.lspid, ds.stime, ds.lrpid, ds.rtime), (1, 5, 42, 10, 0, 0));
    assert_eq!(f.recv(43, 100, 0, NONE).0, Ok(Outcome::Done(message(3, 5, 0))));
    let ds = f.stat();
    assert_eq!((ds.qnum, ds.cbytes, ds.lspid, ds.lrpid, ds.rtime, ds.ctime), (0, 0, 42, 43, 20, 1));
}

#[test]
fn msgrcv_checks_before_any_lookup() {
    let check = MsgNamespace::msgrcv_check;
    assert_eq!(check(0, 7, NONE), Ok(7));
    assert_eq!(check(-1, 7, NONE), Err(EINVAL));
    assert_eq!(check(0, 1 << 63, NONE), Err(EINVAL), "negative as a long");
    assert_eq!(check(0, 7, MsgFlags::COPY), Err(EINVAL), "MSG_COPY needs IPC_NOWAIT");
    assert_eq!(check(0, 7, MsgFlags::COPY | NOWAIT | MsgFlags::EXCEPT), Err(EINVAL));
    assert_eq!(check(0, 7, MsgFlags::COPY | NOWAIT | MsgFlags::NOERROR), Ok(7));
    assert_eq!(check(0, 7, MsgFlags::EXCEPT), Ok(7));
}

#[test]
fn a_buffer_that_cannot_take_the_message_leaves_it_queued() {
    let mut f = Fixture::new(0o600);
    f.put(message(3, 8, 7));
    let id = f.id;
    let mut woken = Woken::new();
    let mut asked = Vec::new();
    let mut refuse = |n| {
        asked.push(n);
        Err(EFAULT)
    };
    assert_eq!(f.ns.msgrcv(&user(OWNER), 1, id, 5, 0, MsgFlags::NOERROR, 0, &mut woken, &mut refuse), Err(EFAULT));
    assert_eq!(f.ns.msgrcv(&user(OWNER), 1, id, 4, 0, NONE, 0, &mut woken, &mut refuse), Err(E2BIG), "E2BIG first");
    assert_eq!(
        f.ns.msgrcv(&user(OWNER), 1, id, 9, 4, NONE, 0, &mut woken, &mut refuse),
        Err(EFAULT),
        "before sleeping"
    );
    assert_eq!(f.ns.msgrcv(&user(OWNER), 1, id, 9, 4, NOWAIT, 0, &mut woken, &mut refuse), Err(ENOMSG));
    assert_eq!(asked, [5, 9], "the truncated size, then the most a sleeper may be handed");
    assert!(woken.is_empty() && f.ns.queue(id).unwrap().sleepers().1.next().is_none(), "nobody sleeps");
    assert_eq!(f.recv(1, 8, 0, NOWAIT).0, Ok(Outcome::Done(message(3, 8, 7))), "still queued, intact");
}

#[test]
fn msgrcv_errors_in_linux_order() {
    let mut f = Fixture::new(0o600);
    f.put(message(2, 8, 0));
    let stranger = user(2000);
    let (r, _) = f.recv_as(&stranger, 1, 1, 0, NOWAIT);
    assert_eq!(r, Err(EACCES), "EACCES before E2BIG");
    let id = f.id;
    let mut woken = Woken::new();
    assert_eq!(
        f.ns.msgrcv(&stranger, 1, id + 1, 1, 0, NOWAIT, 0, &mut woken, |_| Ok(())),
        Err(EINVAL),
        "id before EACCES"
    );
    assert_eq!(f.recv(1, 7, 0, NOWAIT).0, Err(E2BIG));
    assert_eq!(f.recv(1, 7, 0, NONE).0, Err(E2BIG), "E2BIG does not wait");
    assert_eq!(f.types(), [2], "a message too long stays queued");
    assert_eq!(f.recv(1, 100, 3, NOWAIT).0, Err(ENOMSG));
    assert_eq!(f.recv(1, 100, -1, NOWAIT).0, Err(ENOMSG));
    assert_eq!(f.recv(1, 100, 2, NOWAIT | MsgFlags::EXCEPT).0, Err(ENOMSG));
    assert_eq!(f.recv(1, 3, 0, MsgFlags::NOERROR).0, Ok(Outcome::Done(message(2, 3, 0))), "truncated");
    assert_eq!(f.stat().cbytes, 0, "the whole message left the queue");
    assert_eq!(f.recv(1, 0, 0, NOWAIT).0, Err(ENOMSG));
}

#[test]
fn msgrcv_picks_by_type() {
    let mut f = Fixture::new(0o600);
    for (tag, mtype) in [3, 1, 2, 1, 5].into_iter().enumerate() {
        f.put(message(mtype, 1, tag as u8));
    }
    let take = |f: &mut Fixture, msgtyp, flags| match f.recv(1, 10, msgtyp, flags | NOWAIT).0 {
        Ok(Outcome::Done(m)) => (m.mtype, m.text[0]),
        other => panic!("{other:?}"),
    };
    assert_eq!(take(&mut f, -2, NONE), (1, 1), "lowest type ≤ 2, first among equals");
    assert_eq!(take(&mut f, 1, MsgFlags::EXCEPT), (3, 0), "first of another type");
    assert_eq!(take(&mut f, 5, NONE), (5, 4));
    assert_eq!(take(&mut f, 0, NONE), (2, 2));
    assert_eq!(take(&mut f, i64::MIN, NONE), (1, 3));
    assert!(f.types().is_empty());
}

#[test]
fn msg_copy_takes_an_index_and_leaves_the_message() {
    let mut f = Fixture::new(0o600);
    f.put(message(7, 4, 0));
    f.put(message(8, 2, 1));
    let copy = MsgFlags::COPY | NOWAIT;
    assert_eq!(f.recv(9, 4, 1, copy).0, Ok(Outcome::Done(message(8, 2, 1))));
    assert_eq!(f.recv(9, 4, 0, copy).0, Ok(Outcome::Done(message(7, 4, 0))));
    assert_eq!(f.recv(9, 4, 2, copy).0, Err(ENOMSG));
    assert_eq!(f.recv(9, 4, -1, copy).0, Err(ENOMSG));
    assert_eq!(f.recv(9, 3, 0, copy).0, Err(E2BIG));
    assert_eq!(f.recv(9, 3, 0, copy | MsgFlags::NOERROR).0, Err(EINVAL), "a copy is never truncated");
    assert_eq!(f.recv(9, 4, 0, MsgFlags::COPY).0, Err(EINVAL), "MSG_COPY needs IPC_NOWAIT");
    let ds = f.stat();
    assert_eq!((ds.qnum, ds.cbytes, ds.lrpid, ds.rtime), (2, 6, 0, 0), "a copy is not a receive");
}

#[test]
fn a_new_message_goes_to_the_first_waiting_receiver_that_takes_it() {
    let mut f = Fixture::new(0o600);
    let wants_2 = f.blocked_recv(11, 100, 2, NONE);
    let wants_1 = f.blocked_recv(12, 100, 1, NONE);
    let wants_any = f.blocked_recv(13, 100, 0, NONE);
    let (r, woken) = f.send(20, message(1, 3, 0), NONE);
    assert_eq!(r, Ok(Outcome::Done(())));
    assert_eq!(woken, [received(wants_1, message(1, 3, 0))], "not the earlier one for type 2");
    let ds = f.stat();
    assert_eq!((ds.qnum, ds.cbytes, ds.lspid, ds.lrpid, ds.rtime), (0, 0, 20, 12, 10), "never queued");
    let (_, woken) = f.send(20, message(2, 1, 0), NONE);
    assert_eq!(woken, [received(wants_2, message(2, 1, 0))]);
    let (_, woken) = f.send(20, message(9, 1, 0), NONE);
    assert_eq!(woken, [received(wants_any, message(9, 1, 0))]);
    assert_eq!(f.stat().lrpid, 13);
}

#[test]
fn a_waiting_receiver_with_too_small_a_buffer_fails_and_the_message_goes_on() {
    let mut f = Fixture::new(0o600);
    let small = f.blocked_recv(11, 2, 0, NONE);
    let truncating = f.blocked_recv(12, 2, -5, MsgFlags::NOERROR);
    let (_, woken) = f.send(20, message(5, 4, 0), NONE);
    assert_eq!(woken, [failed(small, E2BIG), received(truncating, message(5, 2, 0))]);
    let small = f.blocked_recv(11, 2, 0, NONE);
    let (_, woken) = f.send(20, message(5, 4, 0), NONE);
    assert_eq!(woken, [failed(small, E2BIG)]);
    assert_eq!(f.types(), [5], "no receiver took it: queued");
    assert_eq!(f.stat().lrpid, 12);
}

#[test]
fn receives_perform_sleeping_senders_in_fifo_order() {
    let mut f = Fixture::new(0o600);
    f.set(0o600, 10).0.unwrap();
    f.put(message(1, 6, 0));
    f.put(message(1, 4, 1));
    let big = f.blocked_send(31, message(2, 8, 2));
    let small = f.blocked_send(32, message(3, 3, 3));
    let smaller = f.blocked_send(33, message(4, 1, 4));
    // 4 bytes free: the first sleeper still does not fit, the next two do.
    let (r, woken) = f.recv(40, 10, 0, NONE);
    assert_eq!(r, Ok(Outcome::Done(message(1, 6, 0))));
    assert_eq!(woken, [done(small, Ok(Delivery::Sent)), done(smaller, Ok(Delivery::Sent))]);
    assert_eq!(f.types(), [1, 3, 4]);
    assert_eq!(f.stat().lspid, 33, "each performed send counts as its sender's");
    let (_, woken) = f.recv(40, 10, 1, NONE);
    assert_eq!(woken, [], "8 bytes do not fit in 6 free");
    let (_, woken) = f.recv(40, 10, 3, NONE);
    assert_eq!(woken, [done(big, Ok(Delivery::Sent))]);
    assert_eq!(f.types(), [4, 2]);
}

#[test]
fn a_performed_sender_hands_its_message_to_a_waiting_receiver() {
    let mut f = Fixture::new(0o600);
    f.set(0o600, 1).0.unwrap();
    f.put(message(1, 1, 0));
    let sender = f.blocked_send(31, message(2, 1, 7));
    let receiver = f.blocked_recv(41, 10, 2, NONE);
    let (_, woken) = f.recv(42, 10, 1, NONE);
    assert_eq!(woken, [done(sender, Ok(Delivery::Sent)), received(receiver, message(2, 1, 7))]);
    let ds = f.stat();
    assert_eq!((ds.qnum, ds.lspid, ds.lrpid), (0, 31, 41));
}

#[test]
fn cancel_dequeues_or_leaves_the_given_result() {
    let mut f = Fixture::new(0o600);
    let receiver = f.blocked_recv(2, 10, 0, NONE);
    assert!(f.ns.cancel(f.id, receiver));
    let (_, woken) = f.send(1, message(1, 1, 0), NONE);
    assert!(woken.is_empty(), "a cancelled receiver takes nothing");
    f.set(0o600, 1).0.unwrap();
    let sender = f.blocked_send(1, message(2, 1, 0));
    assert!(f.ns.cancel(f.id, sender));
    let (_, woken) = f.recv(3, 10, 0, NONE);
    assert!(woken.is_empty(), "a cancelled sender sends nothing");
    assert!(f.types().is_empty());
    let receiver = f.blocked_recv(2, 10, 0, NONE);
    assert_eq!(f.send(1, message(1, 1, 0), NONE).1, [received(receiver, message(1, 1, 0))]);
    assert!(!f.ns.cancel(f.id, receiver), "already completed: its message stands");
}

#[test]
fn the_messages_of_all_queues_share_a_memory_bound() {
    let mut ns = MsgNamespace::new();
    let owner = user(OWNER);
    let cost = MSGMAX as usize + MESSAGE_OVERHEAD;
    let mut ids = Vec::new();
    let mut sent = 0;
    let refused = loop {
        let id = ns.msgget(&owner, IPC_PRIVATE, 0o600, 0).unwrap();
        ids.push(id);
        let mut woken = Woken::new();
        let big = || Box::new(message(1, MSGMAX as usize, 0));
        match (
            ns.msgsnd(&owner, 1, id, big(), NOWAIT, 0, &mut woken),
            ns.msgsnd(&owner, 1, id, big(), NOWAIT, 0, &mut woken),
        ) {
            (Ok(_), Ok(_)) => sent += 2,
            (Ok(_), Err(e)) => break (sent + 1, e),
            (Err(e), _) => break (sent, e),
        }
    };
    assert_eq!(refused, (MSG_MEMORY / cost, ENOMEM), "ENOMEM once the bound is reached");
    assert_eq!(ns.held(), refused.0 * cost);
    let mut woken = Woken::new();
    // Empty messages take what is left, MESSAGE_OVERHEAD each.
    let room = (MSG_MEMORY - ns.held()) / MESSAGE_OVERHEAD;
    for _ in 0..room {
        let empty = Box::new(message(2, 0, 0));
        assert_eq!(ns.msgsnd(&owner, 1, ids[0], empty, NOWAIT, 0, &mut woken), Ok(Outcome::Done(())));
    }
    let empty = Box::new(message(2, 0, 0));
    assert_eq!(ns.msgsnd(&owner, 1, ids[0], empty, NOWAIT, 0, &mut woken), Err(ENOMEM), "then even an empty one");
    for _ in 0..room {
        let got = ns.msgrcv(&owner, 2, ids[0], 0, 2, NOWAIT, 0, &mut woken, |_| Ok(()));
        assert!(matches!(got, Ok(Outcome::Done(_))));
    }
    // Receives and a removal give memory back.
    let took = ns.msgrcv(&owner, 2, ids[0], MSGMAX as usize, 0, NOWAIT, 0, &mut woken, |_| Ok(()));
    assert!(matches!(took, Ok(Outcome::Done(_))));
    assert_eq!(ns.held(), (refused.0 - 1) * cost);
    ns.msgctl(&owner, ids[1], Command::Remove, 0, &mut woken).unwrap();
    assert_eq!(ns.held(), (refused.0 - 3) * cost);
    let small = Box::new(message(1, 10, 0));
    assert_eq!(ns.msgsnd(&owner, 1, ids[0], small, NOWAIT, 0, &mut woken), Ok(Outcome::Done(())));
}
