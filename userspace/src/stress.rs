//! What the guest stress programs (`stress_mq`, `stress_msg`, `stress_shm`, `stress_sem`)
//! share: the supervisor's crew of worker processes (fork a worker with a fresh seed,
//! SIGKILL a random one and reap it, wait for all of them to end with a deadline for
//! hangs), and, for the message-passing ones, the per-sender log of which numbered
//! messages were seen, with the counts of messages lost and invented it implies.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::process::{self, WNOHANG};
use crate::rand::Rng;
use crate::signal::SIGKILL;
use crate::{Errno, check, check_eq, check_ok, time};

/// Nanoseconds in a millisecond.
pub const MS: u64 = 1_000_000;

/// How long after its deadline a worker may take to end before it counts as hung.
pub const HANG_MS: u64 = 10_000;

/// The splitmix64 finalizer: a bijective mix of a 64-bit word.
pub fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The key every property of message `seq` of `sender` is drawn from.
pub fn message_key(sender: u32, seq: u32) -> u64 {
    splitmix((u64::from(sender) << 32) | u64::from(seq))
}

/// The first seed the supervisors hand out.
pub const FIRST_SEED: u64 = 0x2545_f491_4f6c_dd1d;

/// Steps `seed` (a 64-bit LCG) and returns the new value, a worker's seed.
pub fn next_seed(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    *seed
}

/// When the next kill is due after `now`: 20 to 80 ms later.
pub fn next_kill(now: u64, rng: &mut Rng) -> u64 {
    now + (20 + rng.below(60)) * MS
}

/// A worker process as the supervisor knows it.
pub trait Member {
    fn pid(&self) -> usize;
    /// What the checks call it ("worker slot 3").
    fn describe(&self) -> String;
}

/// The supervisor's running workers, with the counts of kills and failures.
pub struct Crew<W> {
    pub workers: Vec<W>,
    /// Workers that died of a SIGKILL sent by [`Crew::kill_random`].
    pub kills: u64,
    /// Workers that ended otherwise than by success or that SIGKILL (each one a failed
    /// check already).
    pub failures: usize,
}

impl<W: Member> Default for Crew<W> {
    fn default() -> Self {
        Crew { workers: Vec::new(), kills: 0, failures: 0 }
    }
}

impl<W: Member> Crew<W> {
    /// Takes a random worker out of the crew, SIGKILLs it and reaps it. Returns it, and
    /// whether the SIGKILL killed it (false: it had ended with success just before, or
    /// the signal or the wait failed, a failed check).
    pub fn kill_random(&mut self, rng: &mut Rng) -> Option<(W, bool)> {
        if self.workers.is_empty() {
            return None;
        }
        let victim = self.workers.swap_remove(rng.below(self.workers.len() as u64) as usize);
        let mut killed = false;
        if check_ok!(process::kill(victim.pid(), SIGKILL), "SIGKILL a worker").is_some() {
            match process::wait_for(victim.pid()) {
                Ok(status) if status.signaled() == Some(SIGKILL) => {
                    self.kills += 1;
                    killed = true;
                }
                // It may have ended on its own just before the signal.
                Ok(status) if status.success() => {}
                other => {
                    check!(false, "killed {}: {other:?}", victim.describe());
                    self.failures += 1;
                }
            }
        }
        Some((victim, killed))
    }

    /// Waits until every worker has ended, each with success. Every round first calls
    /// `tick(now, workers)` (taking reports, waking sleepers); it returns whether it was
    /// busy, and the round only sleeps (2 ms) when it was not. Past `hang_deadline` the
    /// workers left count as hung: they are SIGKILLed and reaped, and it stops.
    pub fn wait_all(&mut self, hang_deadline: u64, mut tick: impl FnMut(u64, &[W]) -> bool) {
        while !self.workers.is_empty() {
            let busy = tick(time::monotonic_ns(), &self.workers);
            match process::waitpid(-1, WNOHANG) {
                Ok((0, _)) => {}
                Ok((pid, status)) => {
                    if let Some(i) = self.workers.iter().position(|w| w.pid() == pid) {
                        let w = self.workers.swap_remove(i);
                        if !check!(status.success(), "{} ended with {status}", w.describe()) {
                            self.failures += 1;
                        }
                    }
                    continue;
                }
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    check!(false, "waitpid: {e}");
                    break;
                }
            }
            if time::monotonic_ns() > hang_deadline {
                check!(false, "{} workers hung", self.workers.len());
                for w in &self.workers {
                    let _ = process::kill(w.pid(), SIGKILL);
                    let _ = process::wait_for(w.pid());
                }
                break;
            }
            if !busy {
                let _ = time::sleep_ms(2);
            }
        }
    }
}

/// What the supervisor knows of one sender of numbered messages.
#[derive(Default)]
pub struct SenderLog {
    /// Bit n: message n was received or found queued.
    seen: Vec<u64>,
    /// The highest n seen.
    pub highest: Option<u32>,
    /// The count it reported when it stopped by itself.
    pub done: Option<u32>,
    /// Its process was killed.
    pub killed: bool,
}

impl SenderLog {
    pub fn has(&self, seq: u32) -> bool {
        self.seen.get(seq as usize / 64).is_some_and(|w| w & (1 << (seq % 64)) != 0)
    }

    /// Marks `seq` seen; false if it already was.
    pub fn mark(&mut self, seq: u32) -> bool {
        let (i, bit) = (seq as usize / 64, 1u64 << (seq % 64));
        if self.seen.len() <= i {
            self.seen.resize(i + 1, 0);
        }
        let fresh = self.seen[i] & bit == 0;
        self.seen[i] |= bit;
        self.highest = self.highest.max(Some(seq));
        fresh
    }
}

/// Every sender's log, and the counts of messages from no sender and of messages seen
/// twice.
#[derive(Default)]
pub struct Senders {
    pub logs: BTreeMap<u32, SenderLog>,
    pub unknown: u64,
    pub duplicates: u64,
}

impl Senders {
    pub fn add(&mut self, id: u32) {
        self.logs.insert(id, SenderLog::default());
    }

    /// Marks message `(sender, seq)` seen; false (a failed check, counted) if there is
    /// no such sender. A message seen twice is a failed check, counted, too.
    pub fn mark(&mut self, sender: u32, seq: u32) -> bool {
        let Some(log) = self.logs.get_mut(&sender) else {
            check!(false, "a message from sender {sender}, which does not exist (n {seq})");
            self.unknown += 1;
            return false;
        };
        if !log.mark(seq) {
            check!(false, "message {seq} of sender {sender} arrived twice");
            self.duplicates += 1;
        }
        true
    }

    /// Takes sender `sender`'s final count; a failed check if it has one already or
    /// does not exist.
    pub fn done(&mut self, sender: u32, count: u32) {
        match self.logs.get_mut(&sender) {
            Some(log) if log.done.is_none() => log.done = Some(count),
            _ => {
                check!(false, "a second or unknown final count from sender {sender}");
            }
        }
    }

    /// Notes that sender `id`'s process was killed.
    pub fn killed(&mut self, id: u32) {
        if let Some(log) = self.logs.get_mut(&id) {
            log.killed = true;
        }
    }

    /// Messages neither received nor queued (below a sender's final count, or below its
    /// highest message seen plus one if it was killed), and messages beyond a sender's
    /// final count.
    pub fn missing(&self) -> (u64, u64) {
        let (mut missing, mut invented) = (0u64, 0u64);
        for (&id, log) in &self.logs {
            let limit = match log.done {
                Some(count) => {
                    if let Some(h) = log.highest
                        && h >= count
                    {
                        check!(false, "sender {id} confirmed {count} messages, yet message {h} exists");
                        invented += u64::from(h - count + 1);
                    }
                    count
                }
                None => {
                    check!(log.killed, "sender {id} ended by itself without its final count");
                    log.highest.map_or(0, |h| h + 1)
                }
            };
            missing += (0..limit).filter(|&n| !log.has(n)).count() as u64;
        }
        (missing, invented)
    }
}

impl Senders {
    /// The closing checks of the accounts: no message beyond a sender's final count, none
    /// from no sender, none seen twice, and the messages lost (returned) at most
    /// `killed_receivers`, as each receiver killed can hold at most one.
    pub fn check_accounts(&self, killed_receivers: u64) -> u64 {
        let (missing, invented) = self.missing();
        check!(
            missing <= killed_receivers,
            "{missing} messages lost, more than the {killed_receivers} receivers killed could hold"
        );
        check_eq!(invented, 0, "messages beyond their sender's final count");
        check_eq!(self.duplicates, 0, "messages that arrived twice");
        check_eq!(self.unknown, 0, "messages from no sender");
        missing
    }
}

/// "yes" if every check so far held, else "NO": the closing line's verdict.
pub fn verdict() -> &'static str {
    if crate::check::failures() == 0 { "yes" } else { "NO" }
}
