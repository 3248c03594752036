//! Property tests: random sequences of mq_send, mq_receive (blocking or not),
//! cancellations and mq_notify registrations on one small queue, many of the calls
//! sleeping and completed by later ones.
//!
//! The test keeps its own account (`queued`, in the order receives must take them, and
//! the sleepers) updated only from what the calls returned. After every call:
//!
//! 1. No message is lost or duplicated: every message (each carries a unique tag) is
//!    queued, asleep with its sender, or was received once; never two of these.
//! 2. A receive takes the first message of the highest priority.
//! 3. A send with sleeping receivers goes to the earliest of them; a receive that makes
//!    room performs the earliest sleeping sender's send, and only it.
//! 4. The count never exceeds `mq_maxmsg`; `curmsgs`, bytes and readiness follow the
//!    account; no receiver sleeps while a message is queued, no sender while there is room.
//! 5. A notice comes exactly when a direct send makes the queue go from empty to one
//!    message while a process is registered (and no receiver sleeps), and unregisters it.

use alloc::collections::BTreeSet;

use super::*;
use crate::scheme::ipc::msg::tests::root;
use crate::scheme::ipc::sem::tests::{Rng, cases};

#[derive(Clone, Debug)]
enum Sleeper {
    Sender(WaiterId, Message),
    Receiver(WaiterId),
}

/// The account's choice: the index in `queued` of the first message of the highest priority.
fn pick(queued: &[Message]) -> Option<usize> {
    let top = queued.iter().map(|m| m.prio).max()?;
    queued.iter().position(|m| m.prio == top)
}

#[test]
fn random_sequences_keep_the_rules() {
    let mut rng = Rng(0x6d71_5f70_726f_7073);
    for case in 0..cases("KESTREL_PROPERTY_CASES", 2_000) {
        let maxmsg = 1 + rng.below(3) as i64;
        let mut ns = MqNamespace::new();
        let q = ns
            .open(
                &root(),
                b"/prop",
                O_CREAT | O_RDWR,
                0o600,
                Some(MqAttr { mq_maxmsg: maxmsg, mq_msgsize: 4, ..MqAttr::default() }),
                RLIMIT_MSGQUEUE_DEFAULT,
            )
            .unwrap();
        let mut queued: Vec<Message> = Vec::new();
        let mut sleepers: Vec<Sleeper> = Vec::new();
        let mut received: BTreeSet<u8> = BTreeSet::new();
        let mut registered: Option<(u32, u64)> = None;
        let mut tag = 0u8;
        // Tags of the messages accepted (sent or asleep with their sender), not cancelled.
        let mut accepted: BTreeSet<u8> = BTreeSet::new();
        for step in 0..60 {
            let mut woken = Woken::new();
            match rng.below(10) {
                0..=3 => {
                    tag = tag.wrapping_add(1);
                    let len = rng.below(6) as usize;
                    let data: Vec<u8> =
                        core::iter::once(tag).chain(core::iter::repeat_n(0, len.saturating_sub(1))).collect();
                    let data = if len == 0 { Vec::new() } else { data };
                    let prio = if rng.below(20) == 0 { MQ_PRIO_MAX } else { rng.below(4) as u32 };
                    let nonblock = rng.below(2) == 0;
                    let message = Message { prio, data: data.clone() };
                    let result = ns.send(q, Message::boxed(prio, data), nonblock, &mut woken);
                    if prio >= MQ_PRIO_MAX {
                        assert_eq!(result, Err(EINVAL), "case {case} step {step}");
                        continue;
                    }
                    if message.data.len() > 4 {
                        assert_eq!(result, Err(EMSGSIZE), "case {case} step {step}");
                        continue;
                    }
                    let full = queued.len() as i64 == maxmsg;
                    match result {
                        Err(e) => assert!(e == EAGAIN && full && nonblock, "case {case} step {step}: {e:?}"),
                        Ok((Outcome::Wait(w), notify)) => {
                            assert!(full && !nonblock && notify.is_none(), "case {case} step {step}");
                            accepted.extend(message.data.first());
                            sleepers.push(Sleeper::Sender(w, message));
                        }
                        Ok((Outcome::Done(()), notify)) => {
                            assert!(!full, "case {case} step {step}: sent to a full queue");
                            accepted.extend(message.data.first());
                            let receiver = sleepers.iter().position(|s| matches!(s, Sleeper::Receiver(_)));
                            if let Some(at) = receiver {
                                let Sleeper::Receiver(w) = sleepers.remove(at) else { unreachable!() };
                                assert_eq!(
                                    woken,
                                    [Completed {
                                        waiter: w,
                                        result: Ok(Delivery::Received(Box::new(message.clone())))
                                    }],
                                    "case {case} step {step}"
                                );
                                if !message.data.is_empty() {
                                    assert!(received.insert(message.data[0]), "case {case}: delivered twice");
                                }
                                assert_eq!(notify, None, "case {case} step {step}");
                            } else {
                                assert!(woken.is_empty());
                                queued.push(message);
                                let expect = if queued.len() == 1 {
                                    registered.take().map(|(pid, token)| Notify { pid, token })
                                } else {
                                    None
                                };
                                assert_eq!(notify, expect, "case {case} step {step}: the notice");
                            }
                        }
                    }
                }
                4..=7 => {
                    let nonblock = rng.below(2) == 0;
                    let buf = if rng.below(10) == 0 { 3 } else { 4 + rng.below(3) as usize };
                    let result = ns.receive(q, buf, nonblock, &mut woken);
                    if buf < 4 {
                        assert_eq!(result, Err(EMSGSIZE));
                        continue;
                    }
                    match result {
                        Err(e) => assert!(e == EAGAIN && queued.is_empty() && nonblock, "case {case} step {step}"),
                        Ok(Outcome::Wait(w)) => {
                            assert!(queued.is_empty() && !nonblock, "case {case} step {step}");
                            sleepers.push(Sleeper::Receiver(w));
                        }
                        Ok(Outcome::Done(got)) => {
                            let at =
                                pick(&queued).unwrap_or_else(|| panic!("case {case} step {step}: from an empty queue"));
                            assert_eq!(*got, queued.remove(at), "case {case} step {step}: the order");
                            if !got.data.is_empty() {
                                assert!(received.insert(got.data[0]), "case {case}: delivered twice");
                            }
                            let sender = sleepers.iter().position(|s| matches!(s, Sleeper::Sender(..)));
                            if let Some(at) = sender {
                                let Sleeper::Sender(w, m) = sleepers.remove(at) else { unreachable!() };
                                assert_eq!(
                                    woken,
                                    [Completed { waiter: w, result: Ok(Delivery::Sent) }],
                                    "case {case} step {step}"
                                );
                                queued.push(m);
                            } else {
                                assert!(woken.is_empty());
                            }
                        }
                    }
                }
                8 => {
                    if !sleepers.is_empty() {
                        let at = rng.below(sleepers.len() as u64) as usize;
                        let cancelled = sleepers.remove(at);
                        if let Sleeper::Sender(_, m) = &cancelled {
                            m.data.first().map(|t| accepted.remove(t));
                        }
                        let (Sleeper::Sender(w, _) | Sleeper::Receiver(w)) = cancelled;
                        assert!(ns.cancel(q, w), "case {case} step {step}");
                        assert!(!ns.cancel(q, w));
                    }
                }
                _ => {
                    let pid = 1 + rng.below(2) as u32;
                    match rng.below(3) {
                        0 => {
                            let mine = registered.filter(|&(owner, _)| owner == pid).map(|(_, token)| token);
                            assert_eq!(ns.forget_notify(q, pid), mine, "case {case} step {step}");
                            registered = registered.filter(|&(owner, _)| owner != pid);
                        }
                        1 => {
                            let mine = registered.filter(|&(owner, _)| owner == pid).map(|(_, token)| token);
                            assert_eq!(ns.notify(q, pid, None), Ok(mine), "case {case} step {step}");
                            registered = registered.filter(|&(owner, _)| owner != pid);
                        }
                        _ => {
                            let token = rng.below(1000);
                            let result = ns.notify(q, pid, Some(token));
                            if registered.is_some() {
                                assert_eq!(result, Err(EBUSY));
                            } else {
                                assert_eq!(result, Ok(None));
                                registered = Some((pid, token));
                            }
                        }
                    }
                }
            }
            // Invariants 1 and 4.
            let queue = ns.queue(q);
            let mut ordered = queued.clone();
            let mut expected = Vec::new();
            while let Some(at) = pick(&ordered) {
                expected.push(ordered.remove(at));
            }
            assert_eq!(queue.messages().collect::<Vec<_>>(), expected, "case {case} step {step}: the queue");
            assert!(queue.curmsgs() as i64 <= maxmsg);
            assert_eq!(queue.bytes(), queued.iter().map(|m| m.data.len()).sum::<usize>());
            assert_eq!((queue.readable(), queue.writable()), (!queued.is_empty(), (queued.len() as i64) < maxmsg));
            assert_eq!(queue.notify_owner(), registered.map(|r| r.0));
            let (senders, receivers) = queue.sleepers();
            let senders: Vec<_> = senders.collect();
            let receivers: Vec<_> = receivers.collect();
            assert!(senders.is_empty() || !queue.writable(), "case {case}: a sender sleeps with room");
            assert!(receivers.is_empty() || !queue.readable(), "case {case}: a receiver sleeps by a message");
            let of = |send: bool| -> Vec<WaiterId> {
                sleepers
                    .iter()
                    .filter_map(|s| match s {
                        Sleeper::Sender(w, _) if send => Some(*w),
                        Sleeper::Receiver(w) if !send => Some(*w),
                        _ => None,
                    })
                    .collect()
            };
            assert_eq!((senders, receivers), (of(true), of(false)), "case {case} step {step}: the sleepers");
            let mut seen = received.clone();
            for m in queued.iter().chain(sleepers.iter().filter_map(|s| match s {
                Sleeper::Sender(_, m) => Some(m),
                Sleeper::Receiver(_) => None,
            })) {
                if let Some(&t) = m.data.first() {
                    assert!(seen.insert(t), "case {case} step {step}: message {t} twice");
                }
            }
            assert_eq!(seen, accepted, "case {case} step {step}: a message was lost");
        }
    }
}
