//! Unit tests of the POSIX message queue rules, one rule (and Linux's error order) at a
//! time. The property tests are in `properties.rs`.

use super::*;
use crate::errno::{EACCES, ENAMETOOLONG, Errno};
use crate::scheme::ipc::msg::tests::{root, user};

const OWNER: u32 = 1000;
const LIMIT: u64 = RLIMIT_MSGQUEUE_DEFAULT;

fn attr(maxmsg: i64, msgsize: i64) -> Option<MqAttr> {
    Some(MqAttr { mq_maxmsg: maxmsg, mq_msgsize: msgsize, ..MqAttr::default() })
}

/// A namespace with "/q" (2 messages of 4 bytes, mode 0640) open by its owner.
fn fixture() -> (MqNamespace, QueueRef) {
    let mut ns = MqNamespace::new();
    let q = ns.open(&user(OWNER), b"/q", O_CREAT | O_RDWR, 0o640, attr(2, 4), LIMIT).unwrap();
    (ns, q)
}

fn send(
    ns: &mut MqNamespace,
    q: QueueRef,
    data: &[u8],
    prio: u32,
    nonblock: bool,
) -> (Result<Outcome<()>>, Option<Notify>, Woken) {
    let mut woken = Woken::new();
    match ns.send(q, Message::boxed(prio, data.to_vec()), nonblock, &mut woken) {
        Ok((outcome, notify)) => (Ok(outcome), notify, woken),
        Err(e) => (Err(e), None, woken),
    }
}

fn recv(ns: &mut MqNamespace, q: QueueRef, nonblock: bool) -> (Result<Outcome<Boxed>>, Woken) {
    let mut woken = Woken::new();
    let result = ns.receive(q, 4, nonblock, &mut woken);
    (result, woken)
}

fn msg(prio: u32, data: &[u8]) -> Boxed {
    Message::boxed(prio, data.to_vec())
}

#[test]
fn open_checks_come_in_linux_order() {
    let (mut ns, _) = fixture();
    let owner = user(OWNER);
    assert_eq!(ns.open(&owner, b"q", O_RDWR, 0, None, LIMIT), Err(EINVAL));
    assert_eq!(ns.open(&owner, b"/", O_CREAT | O_RDWR, 0, None, LIMIT), Err(ENOENT));
    assert_eq!(ns.open(&owner, b"/.", O_CREAT | O_RDWR, 0, None, LIMIT), Err(EACCES));
    assert_eq!(ns.open(&owner, &[b'/'; 300], O_RDWR, 0, None, LIMIT), Err(EACCES));
    let mut long = alloc::vec![b'/'];
    long.extend([b'n'; 256]);
    assert_eq!(ns.open(&owner, &long, O_CREAT | O_RDWR, 0, None, LIMIT), Err(ENAMETOOLONG));
    assert_eq!(ns.open(&owner, b"/q", O_CREAT | O_EXCL | 3, 0, attr(0, 0), LIMIT), Err(EEXIST), "EEXIST first");
    assert_eq!(ns.open(&owner, b"/q", 3, 0, None, LIMIT), Err(EINVAL), "access mode 3 on an existing queue");
    assert!(ns.open(&owner, b"/q", O_CREAT | O_RDWR, 0, attr(0, 0), LIMIT).is_ok(), "attr is ignored when it exists");
    assert_eq!(ns.open(&owner, b"/none", O_RDWR, 0, attr(0, 0), LIMIT), Err(ENOENT), "ENOENT before the attributes");
    assert!(ns.open(&owner, b"/new", O_CREAT | 3, 0, None, LIMIT).is_ok(), "a new queue opens with access mode 3");
}

#[test]
fn access_is_checked_against_the_mode_and_owner() {
    let (mut ns, _) = fixture();
    let group = Credentials { groups: alloc::vec![OWNER], ..user(2000) };
    assert!(ns.open(&group, b"/q", O_RDONLY, 0, None, LIMIT).is_ok());
    assert_eq!(ns.open(&group, b"/q", O_WRONLY, 0, None, LIMIT), Err(EACCES));
    assert_eq!(ns.open(&group, b"/q", O_RDWR, 0, None, LIMIT), Err(EACCES));
    assert_eq!(ns.open(&user(3000), b"/q", O_RDONLY, 0, None, LIMIT), Err(EACCES));
    assert!(ns.open(&root(), b"/q", O_RDWR, 0, None, LIMIT).is_ok());
    let q = ns.open(&user(OWNER), b"/q", O_RDONLY, 0, None, LIMIT).unwrap();
    assert_eq!(ns.queue(q).perm().uid, OWNER);
    assert_eq!(check_access(O_RDONLY, true), Err(EBADF));
    assert_eq!(check_access(O_WRONLY, false), Err(EBADF));
    assert_eq!((check_access(O_RDWR, true), check_access(O_RDONLY, false)), (Ok(()), Ok(())));
    assert_eq!((check_access(3, true), check_access(3, false)), (Err(EBADF), Err(EBADF)), "mode 3 grants neither");
    assert_eq!((check_prio(MQ_PRIO_MAX - 1), check_prio(MQ_PRIO_MAX)), (Ok(()), Err(EINVAL)));
}

#[test]
fn attributes_on_create() {
    let mut ns = MqNamespace::new();
    let u = user(5);
    let bad: [(i64, i64); 5] = [(0, 1), (1, 0), (-1, 1), (11, 1), (1, 8193)];
    for (m, s) in bad {
        assert_eq!(ns.open(&u, b"/a", O_CREAT | O_RDWR, 0o600, attr(m, s), LIMIT), Err(EINVAL), "{m} x {s}");
    }
    let q = ns.open(&u, b"/a", O_CREAT | O_RDWR, 0o600, attr(10, 8192), LIMIT).unwrap();
    assert_eq!(ns.getattr(q, false), MqAttr { mq_flags: 0, mq_maxmsg: 10, mq_msgsize: 8192, mq_curmsgs: 0 });
    let d = ns.open(&u, b"/d", O_CREAT | O_RDWR, 0o600, None, LIMIT).unwrap();
    assert_eq!((ns.queue(d).maxmsg(), ns.queue(d).msgsize()), (10, 8192), "the defaults");
    let r = root();
    // Root may ask for the hard limits (within its RLIMIT_MSGQUEUE).
    assert!(ns.open(&r, b"/r", O_CREAT | O_RDWR, 0o600, attr(HARD_MSGMAX, HARD_MSGSIZEMAX), u64::MAX).is_ok());
    assert_eq!(ns.open(&r, b"/s", O_CREAT | O_RDWR, 0o600, attr(HARD_MSGMAX + 1, 1), u64::MAX), Err(EINVAL));
    assert_eq!(ns.open(&r, b"/s", O_CREAT | O_RDWR, 0o600, attr(1, HARD_MSGSIZEMAX + 1), u64::MAX), Err(EINVAL));
}

#[test]
fn at_most_queues_max_queues_but_for_root() {
    let mut ns = MqNamespace::new();
    let u = user(5);
    for i in 0..QUEUES_MAX {
        ns.open(&u, alloc::format!("/q{i}").as_bytes(), O_CREAT | O_RDWR, 0o600, attr(1, 1), LIMIT).unwrap();
    }
    assert_eq!(ns.open(&u, b"/more", O_CREAT | O_RDWR, 0o600, attr(0, 0), LIMIT), Err(EINVAL), "EINVAL before ENOSPC");
    assert_eq!(ns.open(&u, b"/more", O_CREAT | O_RDWR, 0o600, None, LIMIT), Err(ENOSPC));
    assert!(ns.open(&u, b"/q0", O_RDWR, 0, None, LIMIT).is_ok(), "opening an existing one is no creation");
    assert!(ns.open(&root(), b"/more", O_CREAT | O_RDWR, 0o600, None, LIMIT).is_ok());
    assert_eq!(ns.len(), QUEUES_MAX + 1);
}

#[test]
fn queues_charge_their_creators_real_uid() {
    let mut ns = MqNamespace::new();
    let u = user(5);
    assert_eq!(queue_bytes(10, 8192), 81_920 + 10 * 48 + 10 * 48);
    for i in 0..9 {
        ns.open(&u, alloc::format!("/d{i}").as_bytes(), O_CREAT | O_RDWR, 0o600, None, LIMIT).unwrap();
    }
    assert_eq!(ns.user_bytes(5), 9 * queue_bytes(10, 8192));
    assert_eq!(ns.open(&u, b"/d9", O_CREAT | O_RDWR, 0o600, None, LIMIT), Err(EMFILE), "the tenth default queue");
    let left = LIMIT - 9 * queue_bytes(10, 8192);
    assert_eq!(left, 10 * 7232 + 960, "what the host allows after nine");
    assert_eq!(ns.open(&u, b"/x", O_CREAT | O_RDWR, 0o600, attr(10, 7233), LIMIT), Err(EMFILE));
    let last = ns.open(&u, b"/x", O_CREAT | O_RDWR, 0o600, attr(10, 7232), LIMIT).unwrap();
    assert_eq!(ns.user_bytes(5), LIMIT);
    assert_eq!(ns.open(&root(), b"/r", O_CREAT | O_RDWR, 0o600, attr(1, 1), 0), Err(EMFILE), "root too");
    let other = Credentials { ruid: 6, ..user(5) };
    assert!(ns.open(&other, b"/o", O_CREAT | O_RDWR, 0o600, None, LIMIT).is_ok(), "the real uid is charged");
    ns.unlink(&u, b"/x").unwrap();
    assert_eq!(ns.user_bytes(5), LIMIT, "an open queue stays charged");
    ns.close(last);
    assert_eq!(ns.user_bytes(5), 9 * queue_bytes(10, 8192));
    ns.unlink(&u, b"/d0").unwrap();
    assert_eq!(ns.user_bytes(5), 9 * queue_bytes(10, 8192), "unlinked but still open");
}

#[test]
fn enospc_comes_before_emfile() {
    let mut ns = MqNamespace::new();
    for i in 0..QUEUES_MAX {
        ns.open(&user(5), alloc::format!("/q{i}").as_bytes(), O_CREAT | O_RDWR, 0o600, attr(1, 1), LIMIT).unwrap();
    }
    assert_eq!(ns.open(&user(7), b"/more", O_CREAT | O_RDWR, 0o600, None, 0), Err(ENOSPC));
}

#[test]
fn unlink_removes_the_name_and_the_last_close_the_queue() {
    let (mut ns, q) = fixture();
    assert_eq!(ns.unlink(&user(OWNER), b"/none"), Err(ENOENT));
    assert_eq!(ns.unlink(&user(OWNER), b"/"), Err(ENOENT));
    assert_eq!(ns.unlink(&user(OWNER), b"x"), Err(EINVAL));
    assert_eq!(ns.unlink(&user(OWNER), b"/."), Err(EACCES));
    let group = Credentials { groups: alloc::vec![OWNER], ..user(2000) };
    assert_eq!(ns.unlink(&group, b"/q"), Err(EACCES), "the sticky directory: only the owner");
    let second = ns.reference(q);
    send(&mut ns, q, b"m", 1, true).0.unwrap();
    ns.unlink(&user(OWNER), b"/q").unwrap();
    assert_eq!(ns.open(&user(OWNER), b"/q", O_RDWR, 0, None, LIMIT), Err(ENOENT));
    let fresh = ns.open(&user(OWNER), b"/q", O_CREAT | O_RDWR, 0o600, None, LIMIT).unwrap();
    assert_ne!(fresh, q, "a new queue under the old name");
    assert_eq!(ns.len(), 2);
    ns.close(q);
    assert_eq!(recv(&mut ns, second, true).0, Ok(Outcome::Done(msg(1, b"m"))), "it lives while referenced");
    ns.close(second);
    assert_eq!(ns.len(), 1);
    assert_eq!(ns.unlink(&root(), b"/q"), Ok(()));
    assert_eq!(ns.len(), 1, "still open");
    ns.close(fresh);
    assert!(ns.is_empty());
}

#[test]
fn highest_priority_first_fifo_within() {
    let mut ns = MqNamespace::new();
    let q = ns.open(&root(), b"/p", O_CREAT | O_RDWR, 0o600, attr(10, 4), LIMIT).unwrap();
    for (prio, data) in [(1, b"a"), (5, b"b"), (1, b"c"), (32767, b"d"), (5, b"e"), (0, b"f")] {
        send(&mut ns, q, data, prio, true).0.unwrap();
    }
    assert_eq!(ns.queue(q).bytes(), 6);
    let mut got = Vec::new();
    while let (Ok(Outcome::Done(m)), _) = recv(&mut ns, q, true) {
        got.push((m.prio, m.data[0]));
    }
    assert_eq!(got, [(32767, b'd'), (5, b'b'), (5, b'e'), (1, b'a'), (1, b'c'), (0, b'f')]);
}

#[test]
fn send_errors_in_linux_order() {
    let (mut ns, q) = fixture();
    assert_eq!(send(&mut ns, q, b"toolong", MQ_PRIO_MAX, true).0, Err(EINVAL), "the priority first");
    assert_eq!(send(&mut ns, q, b"toolong", 0, true).0, Err(EMSGSIZE));
    assert_eq!(send(&mut ns, q, b"four", 0, true).0, Ok(Outcome::Done(())));
    assert_eq!(send(&mut ns, q, b"", 0, true).0, Ok(Outcome::Done(())), "empty messages count");
    assert!(!ns.queue(q).writable());
    assert_eq!(send(&mut ns, q, b"x", 0, true).0, Err(EAGAIN));
    assert!(matches!(send(&mut ns, q, b"x", 0, false).0, Ok(Outcome::Wait(_))));
    assert_eq!(ns.queue(q).curmsgs(), 2);
}

#[test]
fn receive_errors_in_linux_order() {
    let (mut ns, q) = fixture();
    let mut woken = Woken::new();
    assert_eq!(ns.receive(q, 3, true, &mut woken), Err(EMSGSIZE), "before EAGAIN");
    assert_eq!(recv(&mut ns, q, true).0, Err(EAGAIN));
    send(&mut ns, q, b"a", 0, true).0.unwrap();
    assert_eq!(ns.receive(q, 3, true, &mut woken), Err(EMSGSIZE), "even if the message would fit");
    assert!(ns.queue(q).readable());
}

#[test]
fn a_send_goes_to_the_first_sleeping_receiver() {
    let (mut ns, q) = fixture();
    let Ok(Outcome::Wait(first)) = recv(&mut ns, q, false).0 else { panic!() };
    let Ok(Outcome::Wait(second)) = recv(&mut ns, q, false).0 else { panic!() };
    ns.notify(q, 7, Some(70)).unwrap();
    let (result, notify, woken) = send(&mut ns, q, b"hi", 3, true);
    assert_eq!((result, notify), (Ok(Outcome::Done(())), None), "no notice while a receiver sleeps");
    assert_eq!(woken, [Completed { waiter: first, result: Ok(Delivery::Received(msg(3, b"hi"))) }]);
    assert_eq!(ns.queue(q).curmsgs(), 0);
    assert_eq!(ns.queue(q).sleepers().1.collect::<Vec<_>>(), [second]);
    assert!(ns.cancel(q, second));
    assert!(!ns.cancel(q, second));
    assert_eq!(send(&mut ns, q, b"x", 0, true).1, Some(Notify { pid: 7, token: 70 }));
}

#[test]
fn a_receive_performs_the_first_sleeping_send() {
    let (mut ns, q) = fixture();
    ns.notify(q, 7, Some(70)).unwrap();
    assert_eq!(send(&mut ns, q, b"a", 1, true).1, Some(Notify { pid: 7, token: 70 }));
    send(&mut ns, q, b"b", 1, true).0.unwrap();
    let Ok(Outcome::Wait(s1)) = send(&mut ns, q, b"c", 9, false).0 else { panic!() };
    let Ok(Outcome::Wait(s2)) = send(&mut ns, q, b"d", 0, false).0 else { panic!() };
    let (got, woken) = recv(&mut ns, q, true);
    assert_eq!(got, Ok(Outcome::Done(msg(1, b"a"))));
    assert_eq!(woken, [Completed { waiter: s1, result: Ok(Delivery::Sent) }]);
    assert_eq!(ns.queue(q).messages().collect::<Vec<_>>(), [*msg(9, b"c"), *msg(1, b"b")]);
    assert!(ns.cancel(q, s2), "the second still sleeps");
    assert_eq!(recv(&mut ns, q, true).1, []);
}

#[test]
fn a_receive_that_refills_gives_no_notice() {
    let mut ns = MqNamespace::new();
    let q = ns.open(&root(), b"/one", O_CREAT | O_RDWR, 0o600, attr(1, 4), LIMIT).unwrap();
    send(&mut ns, q, b"a", 0, true).0.unwrap();
    let Ok(Outcome::Wait(s)) = send(&mut ns, q, b"b", 0, false).0 else { panic!() };
    ns.notify(q, 7, Some(1)).unwrap();
    let (got, woken) = recv(&mut ns, q, true);
    assert_eq!((got, woken.len(), woken[0].waiter), (Ok(Outcome::Done(msg(0, b"a"))), 1, s));
    assert_eq!(ns.queue(q).notify_owner(), Some(7), "Linux's pipelined receive does not notify");
}

#[test]
fn notify_registration() {
    let (mut ns, q) = fixture();
    assert_eq!(ns.notify(q, 7, None), Ok(None), "removing none is a no-op");
    ns.notify(q, 7, Some(1)).unwrap();
    assert_eq!(ns.notify(q, 7, Some(2)), Err(EBUSY), "even for the owner");
    assert_eq!(ns.notify(q, 8, Some(2)), Err(EBUSY));
    assert_eq!(ns.notify(q, 8, None), Ok(None), "another's is kept");
    assert_eq!(ns.queue(q).notify_owner(), Some(7));
    assert_eq!(ns.forget_notify(q, 8), None);
    assert_eq!(ns.queue(q).notify_owner(), Some(7));
    assert_eq!(ns.forget_notify(q, 7), Some(1), "the token of the registration removed");
    assert_eq!(ns.queue(q).notify_owner(), None);
    ns.notify(q, 8, Some(3)).unwrap();
    assert_eq!(ns.notify(q, 8, None), Ok(Some(3)));
    assert_eq!(ns.queue(q).notify_owner(), None);
}

#[test]
fn notice_only_on_empty_to_non_empty() {
    let (mut ns, q) = fixture();
    send(&mut ns, q, b"a", 0, true).0.unwrap();
    ns.notify(q, 7, Some(1)).unwrap();
    assert_eq!(send(&mut ns, q, b"b", 0, true).1, None, "already non-empty");
    recv(&mut ns, q, true).0.unwrap();
    recv(&mut ns, q, true).0.unwrap();
    assert_eq!(send(&mut ns, q, b"c", 0, true).1, Some(Notify { pid: 7, token: 1 }));
    assert_eq!(ns.queue(q).notify_owner(), None, "a notice unregisters");
    recv(&mut ns, q, true).0.unwrap();
    assert_eq!(send(&mut ns, q, b"d", 0, true).1, None);
}

#[test]
fn getattr_and_setattr() {
    let (mut ns, q) = fixture();
    send(&mut ns, q, b"a", 0, true).0.unwrap();
    assert_eq!(
        ns.getattr(q, true),
        MqAttr { mq_flags: i64::from(O_NONBLOCK), mq_maxmsg: 2, mq_msgsize: 4, mq_curmsgs: 1 }
    );
    let new = |flags| MqAttr { mq_flags: flags, mq_maxmsg: 99, ..MqAttr::default() };
    assert_eq!(setattr_flags(&new(i64::from(O_NONBLOCK))), Ok(true), "other fields are ignored");
    assert_eq!(setattr_flags(&new(0)), Ok(false));
    assert_eq!(setattr_flags(&new(i64::from(O_NONBLOCK | O_CREAT))), Err(EINVAL));
    assert_eq!(setattr_flags(&new(1 << 40)), Err(EINVAL));
}

#[test]
fn errnos_are_linux_numbers() {
    assert_eq!([EMSGSIZE, EBUSY, ENOSPC].map(Errno::raw), [90, 16, 28]);
}
