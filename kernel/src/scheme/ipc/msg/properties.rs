//! Property tests: random sequences of msgsnd, msgrcv, IPC_SET, cancellations and the
//! odd IPC_RMID by four simulated processes (root, the owner, a group member, a
//! stranger) on one small queue, many of the calls sleeping and completed by later ones.
//!
//! The test keeps its own account of the queue (`queued`, updated only from what the
//! calls returned and the waiters they completed, read in order) and of who sleeps.
//! After every call these invariants hold:
//!
//! 1. Each message is delivered at most once and none is lost: the queue holds exactly
//!    the accepted messages not yet received, in the order they were accepted.
//! 2. A direct receive gets the message msgrcv(2) picks from the queue as it was (a
//!    restatement of the type test, [`pick`]), truncated only with MSG_NOERROR; MSG_COPY
//!    gets the one at the index and changes nothing.
//! 3. A sent message goes to the earliest sleeping receiver whose test it passes; such
//!    receivers with too small a buffer (and no MSG_NOERROR) are failed with E2BIG on the
//!    way; the message is queued only if no sleeping receiver takes it.
//! 4. Sleeping senders are completed in arrival order, each the earliest one whose
//!    message fits at that point; one that lost write permission gets EACCES, the others
//!    send (Sent). IPC_SET fails receivers that lost read permission (EACCES) before any
//!    sender moves; IPC_RMID fails every receiver, then every sender, with EIDRM.
//! 5. cbytes and qnum are the queued bytes and count; a call that accepts a message
//!    leaves both within qbytes.
//! 6. No receiver sleeps while a message it would take is queued, or without read
//!    permission; no sender sleeps while its message fits.
//! 7. The queue's sleepers are exactly the calls that waited and were neither completed
//!    nor cancelled, in arrival order; every completion names one of them, once; a call
//!    that fails or waits changes nothing else.
//! 8. lspid/stime and lrpid/rtime name the last sender and receiver, direct or not.

use super::tests::{root, user};
use super::*;
use crate::errno::{EACCES, EIDRM};
use crate::scheme::ipc::IPC_PRIVATE;
use crate::scheme::ipc::ctl::NewOwner;
use crate::scheme::ipc::msg::ctl::{Command, Reply};
use crate::scheme::ipc::sem::tests::{Rng, cases};

const OWNER: u32 = 1000;

/// The credentials of simulated process `pid`: 1 root, 2 the owner, 3 in the owner's
/// group, 4 a stranger.
fn creds(pid: u32) -> Credentials {
    match pid {
        1 => root(),
        2 => user(OWNER),
        3 => Credentials { groups: alloc::vec![OWNER], ..user(2000) },
        _ => user(3000),
    }
}

/// msgrcv(2)'s choice restated: the index of the message `msgtyp` picks in `queue`.
fn pick(queue: &[Message], msgtyp: i64, flags: MsgFlags) -> Option<usize> {
    let mut messages = queue.iter().enumerate();
    if flags.contains(MsgFlags::COPY) {
        usize::try_from(msgtyp).ok().filter(|&i| i < queue.len())
    } else if msgtyp == 0 {
        messages.next().map(|(i, _)| i)
    } else if msgtyp < 0 {
        let limit = -i128::from(msgtyp);
        messages.filter(|(_, m)| i128::from(m.mtype) <= limit).min_by_key(|&(i, m)| (m.mtype, i)).map(|(i, _)| i)
    } else if flags.contains(MsgFlags::EXCEPT) {
        messages.find(|(_, m)| m.mtype != msgtyp).map(|(i, _)| i)
    } else {
        messages.find(|(_, m)| m.mtype == msgtyp).map(|(i, _)| i)
    }
}

/// Whether a receive with `msgtyp` and `flags` would take a message of type `mtype`.
fn takes(msgtyp: i64, flags: MsgFlags, mtype: i64) -> bool {
    pick(&[Message { mtype, text: Vec::new() }], msgtyp, flags).is_some()
}

fn truncated(message: &Message, bufsz: usize) -> Message {
    Message { mtype: message.mtype, text: message.text[..message.text.len().min(bufsz)].to_vec() }
}

#[derive(Clone, Debug)]
enum Call {
    Send(Message),
    Receive { msgtyp: i64, flags: MsgFlags, bufsz: usize },
}

#[derive(Clone, Debug)]
struct Sleeper {
    waiter: WaiterId,
    pid: u32,
    call: Call,
}

/// What kind of call completed the waiters being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Send,
    Receive,
    Set,
}

/// The namespace under test and the test's own account of it.
struct World {
    ns: MsgNamespace,
    id: i32,
    queued: Vec<Message>,
    sleepers: Vec<Sleeper>,
    now: u64,
    sent: (u32, u64),
    received: (u32, u64),
    accepted: bool,
    case: usize,
}

impl World {
    fn allowed(&self, pid: u32, flag: u16) -> bool {
        self.ns.queue(self.id).unwrap().perm().check(&creds(pid), flag).is_ok()
    }

    fn fits(&self, message: &Message) -> bool {
        let qbytes = self.ns.queue(self.id).unwrap().qbytes();
        let bytes: usize = self.queued.iter().map(|m| m.text.len()).sum();
        (bytes + message.text.len()) as u64 <= qbytes && (self.queued.len() as u64) < qbytes
    }

    fn receives(call: &Call, mtype: i64) -> bool {
        matches!(*call, Call::Receive { msgtyp, flags, .. } if takes(msgtyp, flags, mtype))
    }

    /// A message no receiver took goes on the queue (invariant 3: none would take it).
    fn enqueue(&mut self, offer: Option<Message>) {
        if let Some(message) = offer {
            let taker = self.sleepers.iter().find(|s| Self::receives(&s.call, message.mtype));
            assert!(taker.is_none(), "case {}: {message:?} queued while {taker:?} sleeps", self.case);
            self.queued.push(message);
        }
    }

    /// Reads the waiters a change completed, in order, checking invariants 3, 4 and 7.
    /// `offer` is the message the call itself sent, if any.
    fn settle(&mut self, woken: Woken, mut offer: Option<Message>, change: Change) {
        let case = self.case;
        let mut senders_moved = false;
        for Completed { waiter, result } in woken {
            let at = self.sleepers.iter().position(|s| s.waiter == waiter);
            let at = at.unwrap_or_else(|| panic!("case {case}: {waiter:?} completed but not asleep"));
            let Sleeper { pid, call, .. } = self.sleepers[at].clone();
            match (call, result) {
                (Call::Receive { .. }, Err(EACCES)) => {
                    assert!(change == Change::Set && !senders_moved, "case {case}: EACCES outside IPC_SET");
                    assert!(!self.allowed(pid, READ), "case {case}: receiver {pid} could still read");
                }
                (Call::Receive { msgtyp, flags, bufsz }, result) => {
                    let m = offer.as_ref().unwrap_or_else(|| panic!("case {case}: no message for {waiter:?}"));
                    assert!(takes(msgtyp, flags, m.mtype), "case {case}: {waiter:?} does not take {m:?}");
                    let first = !self.sleepers[..at].iter().any(|s| Self::receives(&s.call, m.mtype));
                    assert!(first, "case {case}: an earlier receiver takes {m:?}");
                    let fits = flags.contains(MsgFlags::NOERROR) || m.text.len() <= bufsz;
                    match result {
                        Err(E2BIG) => assert!(!fits, "case {case}: E2BIG with room"),
                        Ok(Delivery::Received(got)) => {
                            assert!(fits && *got == truncated(m, bufsz), "case {case}: got {got:?} for {m:?}");
                            offer = None;
                            self.received = (pid, self.now);
                        }
                        other => panic!("case {case}: receiver completed with {other:?}"),
                    }
                }
                (Call::Send(message), result) => {
                    senders_moved = true;
                    assert!(change != Change::Send, "case {case}: a send completed a sender");
                    self.enqueue(offer.take());
                    let skipped = self.sleepers[..at].iter().any(|s| matches!(&s.call, Call::Send(m) if self.fits(m)));
                    assert!(!skipped && self.fits(&message), "case {case}: senders out of order");
                    match result {
                        Ok(Delivery::Sent) => {
                            assert!(self.allowed(pid, WRITE), "case {case}: sent without write permission");
                            (offer, self.sent, self.accepted) = (Some(message), (pid, self.now), true);
                        }
                        Err(EACCES) => assert!(!self.allowed(pid, WRITE), "case {case}: EACCES with permission"),
                        other => panic!("case {case}: sender completed with {other:?}"),
                    }
                }
            }
            self.sleepers.remove(at);
        }
        self.enqueue(offer);
    }

    /// Invariants 1, 5, 6, 7 (the sleepers) and 8, on the queue itself.
    fn check(&self) {
        let case = self.case;
        let queue = self.ns.queue(self.id).unwrap();
        assert!(queue.messages().eq(self.queued.iter()), "case {case}: the queue differs from the account");
        let bytes: usize = self.queued.iter().map(|m| m.text.len()).sum();
        assert_eq!((queue.qnum(), queue.cbytes()), (self.queued.len() as u64, bytes as u64), "case {case}");
        assert_eq!(self.ns.held(), bytes + self.queued.len() * MESSAGE_OVERHEAD, "case {case}: memory held");
        if self.accepted {
            assert!(queue.qnum() <= queue.qbytes() && queue.cbytes() <= queue.qbytes(), "case {case}: overfull");
        }
        let (senders, receivers) = queue.sleepers();
        let of = |send: bool| {
            self.sleepers.iter().filter(move |s| matches!(s.call, Call::Send(_)) == send).map(|s| s.waiter)
        };
        assert!(senders.eq(of(true)) && receivers.eq(of(false)), "case {case}: sleepers differ");
        for s in &self.sleepers {
            match &s.call {
                Call::Send(m) => assert!(!self.fits(m), "case {case}: sender {:?} fits but sleeps", s.waiter),
                &Call::Receive { msgtyp, flags, .. } => {
                    let ready = pick(&self.queued, msgtyp, flags);
                    assert!(ready.is_none(), "case {case}: receiver {:?} sleeps by message {ready:?}", s.waiter);
                    assert!(self.allowed(s.pid, READ), "case {case}: receiver {:?} cannot read", s.waiter);
                }
            }
        }
        let ds = queue.ds(self.id);
        assert_eq!(((ds.lspid, ds.stime), (ds.lrpid, ds.rtime)), (self.sent, self.received), "case {case}");
    }

    fn send(&mut self, pid: u32, message: Message, flags: MsgFlags) {
        let case = self.case;
        let expected = if !self.allowed(pid, WRITE) {
            Err(EACCES)
        } else if self.fits(&message) {
            Ok(true)
        } else if flags.contains(MsgFlags::NOWAIT) {
            Err(EAGAIN)
        } else {
            Ok(false)
        };
        let mut woken = Woken::new();
        let result = self.ns.msgsnd(&creds(pid), pid, self.id, Box::new(message.clone()), flags, self.now, &mut woken);
        match result {
            Ok(Outcome::Done(())) => {
                assert_eq!(expected, Ok(true), "case {case}: sent {message:?}");
                (self.sent, self.accepted) = ((pid, self.now), true);
                self.settle(woken, Some(message), Change::Send);
            }
            Ok(Outcome::Wait(waiter)) => {
                assert_eq!((expected, woken.len()), (Ok(false), 0), "case {case}: sender slept");
                self.sleepers.push(Sleeper { waiter, pid, call: Call::Send(message) });
            }
            Err(errno) => assert_eq!((expected, woken.len()), (Err(errno), 0), "case {case}"),
        }
    }

    fn receive(&mut self, pid: u32, msgtyp: i64, flags: MsgFlags, bufsz: usize) {
        let case = self.case;
        let copy = flags.contains(MsgFlags::COPY);
        let picked = pick(&self.queued, msgtyp, flags);
        let expected: Result<Option<usize>> = if copy && (!flags.contains(NOWAIT) || flags.contains(EXCEPT)) {
            Err(EINVAL)
        } else if !self.allowed(pid, READ) {
            Err(EACCES)
        } else {
            match picked.map(|i| self.queued[i].text.len()) {
                None if flags.contains(NOWAIT) => Err(ENOMSG),
                None => Ok(None),
                Some(len) if len > bufsz && !flags.contains(MsgFlags::NOERROR) => Err(E2BIG),
                Some(len) if copy && len > bufsz => Err(EINVAL),
                Some(_) => Ok(picked),
            }
        };
        let mut woken = Woken::new();
        let result = self.ns.msgrcv(&creds(pid), pid, self.id, bufsz, msgtyp, flags, self.now, &mut woken, |_| Ok(()));
        match result {
            Ok(Outcome::Done(got)) => {
                let index = expected.ok().flatten().unwrap_or_else(|| panic!("case {case}: received {got:?}"));
                let message = if copy { self.queued[index].clone() } else { self.queued.remove(index) };
                assert_eq!(*got, truncated(&message, bufsz), "case {case}: msgtyp {msgtyp} {flags:?}");
                assert!(!copy || woken.is_empty(), "case {case}: a copy woke someone");
                if !copy {
                    self.received = (pid, self.now);
                }
                self.settle(woken, None, Change::Receive);
            }
            Ok(Outcome::Wait(waiter)) => {
                assert_eq!((expected, woken.len()), (Ok(None), 0), "case {case}: receiver slept");
                self.sleepers.push(Sleeper { waiter, pid, call: Call::Receive { msgtyp, flags, bufsz } });
            }
            Err(errno) => assert_eq!((expected, woken.len()), (Err(errno), 0), "case {case}"),
        }
    }

    fn set(&mut self, pid: u32, mode: u16, qbytes: u64) {
        let owner = NewOwner { uid: OWNER, gid: OWNER, mode };
        let mut woken = Woken::new();
        let reply = self.ns.msgctl(&creds(pid), self.id, Command::Set { owner, qbytes }, self.now, &mut woken);
        assert_eq!(reply, Ok(Reply::Int(0)), "case {}", self.case);
        self.settle(woken, None, Change::Set);
    }

    /// IPC_RMID: receivers, then senders, all with EIDRM; the queue is gone.
    fn remove(&mut self) {
        let mut woken = Woken::new();
        let reply = self.ns.msgctl(&creds(2), self.id, Command::Remove, self.now, &mut woken);
        assert_eq!(reply, Ok(Reply::Int(0)));
        let (receivers, senders): (Vec<_>, Vec<_>) =
            self.sleepers.iter().partition(|s| matches!(s.call, Call::Receive { .. }));
        let expected: Vec<_> =
            receivers.iter().chain(&senders).map(|s| Completed { waiter: s.waiter, result: Err(EIDRM) }).collect();
        assert_eq!(woken, expected, "case {}", self.case);
        assert_eq!(self.ns.queue(self.id).err(), Some(EINVAL));
        assert_eq!(self.ns.msgctl(&root(), self.id, Command::Stat, 0, &mut woken).err(), Some(EINVAL));
    }
}

const NOWAIT: MsgFlags = MsgFlags::NOWAIT;
const EXCEPT: MsgFlags = MsgFlags::EXCEPT;

fn random_flags(rng: &mut Rng, choices: &[(MsgFlags, u64)]) -> MsgFlags {
    choices.iter().filter(|&&(_, one_in)| rng.below(one_in) == 0).fold(MsgFlags::empty(), |all, &(f, _)| all | f)
}

#[test]
fn property_random_sequences_keep_the_invariants() {
    let n = cases("KESTREL_PROPERTY_CASES", 10_000);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let modes = [0o660, 0o600, 0o666, 0o640, 0o620, 0o606, 0o000];
    let (mut calls, mut slept, mut completed) = (0usize, 0usize, 0usize);
    for case in 0..n {
        let mut ns = MsgNamespace::new();
        let id = ns.msgget(&creds(2), IPC_PRIVATE, 0o660, 1).unwrap();
        let mut w = World {
            ns,
            id,
            queued: Vec::new(),
            sleepers: Vec::new(),
            now: 1,
            sent: (0, 0),
            received: (0, 0),
            accepted: false,
            case,
        };
        w.set(2, 0o660, rng.below(40));
        let mut tag = 0u8;
        for _ in 0..40 {
            w.now += 1;
            w.accepted = false;
            let before = w.sleepers.len();
            let pid = 1 + rng.below(4) as u32;
            match rng.below(20) {
                0..=7 => {
                    tag = tag.wrapping_add(17);
                    let len = rng.below(13) as usize;
                    let text = (0..len).map(|i| tag.wrapping_add(i as u8)).collect();
                    let flags = random_flags(&mut rng, &[(NOWAIT, 3)]);
                    w.send(pid, Message { mtype: 1 + rng.below(4) as i64, text }, flags);
                }
                8..=15 => {
                    let msgtyp = match rng.below(12) {
                        0..=2 => 0,
                        3 => i64::MIN,
                        4..=7 => 1 + rng.below(4) as i64,
                        _ => -(1 + rng.below(4) as i64),
                    };
                    let choices = [(NOWAIT, 3), (MsgFlags::NOERROR, 3), (EXCEPT, 5), (MsgFlags::COPY, 10)];
                    let mut flags = random_flags(&mut rng, &choices);
                    if flags.contains(MsgFlags::COPY) && rng.below(4) != 0 {
                        flags = (flags | NOWAIT) - EXCEPT;
                    }
                    w.receive(pid, msgtyp, flags, rng.below(14) as usize);
                }
                16 => {
                    let owner = 1 + rng.below(2) as u32;
                    w.set(owner, modes[rng.below(modes.len() as u64) as usize], rng.below(40));
                }
                17 | 18 if !w.sleepers.is_empty() => {
                    let sleeper = w.sleepers.remove(rng.below(w.sleepers.len() as u64) as usize);
                    assert!(w.ns.cancel(id, sleeper.waiter), "case {case}: a sleeper is dequeued");
                }
                19 if rng.below(8) == 0 => {
                    w.remove();
                    completed += w.sleepers.len();
                    break;
                }
                _ => continue,
            }
            calls += 1;
            slept += w.sleepers.len().saturating_sub(before);
            completed += before.saturating_sub(w.sleepers.len());
            w.check();
        }
    }
    assert!(slept > n && completed > n, "the sequences exercise sleeping ({slept} slept, {completed} completed)");
    println!(
        "msg properties: {n} sequences, {calls} calls, {slept} sleeps, {completed} sleepers completed or cancelled"
    );
}
