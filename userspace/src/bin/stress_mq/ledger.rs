//! The supervisor's accounts in `stress_mq`: every report taken, every message seen
//! (checks 1 to 3 of the program's header as they come), and the final drain's order
//! (check 4).

use super::*;

/// The supervisor's accounts.
#[derive(Default)]
pub(crate) struct Ledger {
    pub(crate) senders: Senders,
    /// Receiver threads that reported their end.
    pub(crate) receivers_done: BTreeMap<u32, ()>,
    /// Every message each live receiver got: receiver → (sender, n) → priority. A
    /// receiver's entries go when it ends or is killed (check 3 concerns only what one
    /// receiver gets later), so that the supervisor stays small: fork copies its
    /// writable memory into every worker.
    pub(crate) got: BTreeMap<u32, BTreeMap<(u32, u32), u32>>,
    /// The priority of the last message of the final drain.
    pub(crate) last_drained: Option<u32>,
    pub(crate) received: u64,
    pub(crate) queued: u64,
    pub(crate) corrupt: u64,
    pub(crate) out_of_order: u64,
}

impl Ledger {
    /// Records message `(sender, seq)`, received by `receiver` ([`DRAIN`]: by the final
    /// drain, which is also checked for non-increasing priorities).
    pub(crate) fn record(&mut self, receiver: u32, sender: u32, seq: u32) {
        if !self.senders.mark(sender, seq) {
            return;
        }
        let (_, prio) = shape(sender, seq);
        // A later message of the same sender that this receiver got before this one must
        // have had a higher priority.
        let got = self.got.entry(receiver).or_default();
        let mut later = got.range((sender, seq + 1)..=(sender, u32::MAX));
        if let Some((&(_, n2), &p2)) = later.find(|&(_, &p2)| p2 <= prio) {
            check!(
                false,
                "receiver {receiver} got message {seq} of sender {sender} (priority {prio}) after {n2} (priority {p2})"
            );
            self.out_of_order += 1;
        }
        got.insert((sender, seq), prio);
        if receiver == DRAIN {
            if let Some(before) = self.last_drained
                && before < prio
            {
                check!(false, "the final drain got priority {prio} after {before} (message {seq} of sender {sender})");
                self.out_of_order += 1;
            }
            self.last_drained = Some(prio);
            self.queued += 1;
        } else {
            self.received += 1;
        }
    }

    /// Takes one report.
    pub(crate) fn take(&mut self, words: [u32; 5]) {
        match words {
            [REPORT_RECEIVED, receiver, sender, seq, GOOD] => self.record(receiver, sender, seq),
            [REPORT_RECEIVED, receiver, sender, seq, _] => {
                check!(false, "receiver {receiver} got a bad message (claims sender {sender}, n {seq})");
                self.corrupt += 1;
            }
            [REPORT_SENDER_DONE, sender, count, ..] => self.senders.done(sender, count),
            [REPORT_RECEIVER_DONE, receiver, ..] => {
                check!(self.receivers_done.insert(receiver, ()).is_none(), "receiver {receiver} ended twice");
                self.got.remove(&receiver);
            }
            _ => {
                check!(false, "a report of unknown kind {}", words[0]);
            }
        }
    }

    /// Takes the reports waiting, at most `limit` of them; returns how many it took.
    pub(crate) fn drain_reports(&mut self, reports_nb: usize, limit: usize) -> usize {
        let mut buf = [0u8; REPORT_LEN + 12];
        let mut taken = 0;
        while taken < limit {
            match mq_receive(reports_nb, &mut buf) {
                Ok((REPORT_LEN, 0)) => {
                    self.take([0, 1, 2, 3, 4].map(|i| word(&buf, i)));
                }
                Ok((n, prio)) => {
                    check!(false, "a report of {n} bytes, priority {prio}");
                }
                Err(Errno::EAGAIN) => break,
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    check!(false, "mq_receive of the reports: {e}");
                    break;
                }
            }
            taken += 1;
        }
        taken
    }

    /// Receives one message itself (as `receiver`), without waiting; false when there
    /// is none.
    pub(crate) fn receive_one(&mut self, data_nb: usize, receiver: u32, buf: &mut [u8], scratch: &mut [u8]) -> bool {
        match mq_receive(data_nb, buf) {
            Ok((n, prio)) => {
                match verify(&buf[..n], prio, scratch) {
                    Ok((sender, seq)) => self.record(receiver, sender, seq),
                    Err(claim) => {
                        check!(
                            false,
                            "a bad message (receiver {receiver}): {n} bytes, priority {prio}, claims {claim:?}"
                        );
                        self.corrupt += 1;
                    }
                }
                true
            }
            Err(Errno::EAGAIN) => false,
            Err(e) => {
                check!(false, "mq_receive of the data (receiver {receiver}): {e}");
                false
            }
        }
    }
}
