//! `stress_msg [PROCS [SECONDS]]` (default 16 3): sender and receiver processes on one
//! message queue, with random types, sizes (0 to MSGMAX) and receive modes, while the
//! supervisor SIGKILLs random workers (asleep or not) and starts new ones.
//!
//! Messages. Sender `s` (an id the supervisor hands out, never reused) sends messages
//! numbered 0, 1, 2, ... and moves to the next number only once msgsnd has returned
//! success. Everything about message `(s, n)` is a function of `(s, n)`: its length (0,
//! 1..=15, MSGMAX, or anything between), its type and every byte of its text. A message of
//! 16 bytes or more has a type in 1..=5 and starts with a header (s, n, its length and an
//! FNV-1a checksum of the rest); a shorter one (zero-length included) carries `(s, n)` in
//! its type, `2^60 | s << 32 | n`. Whoever gets a message recomputes it from `(s, n)` and
//! compares the type, the length and every byte (and the checksum).
//!
//! Receivers pick at random: msgtyp 0, t, -t, t with MSG_EXCEPT, LONG_MIN, or a MSG_COPY of
//! a random index (verified, not counted); IPC_NOWAIT or not; a full buffer, a small one
//! without MSG_NOERROR (E2BIG leaves the message queued) or a truncating one with
//! MSG_NOERROR (the received prefix is verified). For every message a receiver takes, it
//! sends a report (receiver, s, n, verdict) to the supervisor through a second queue,
//! retrying until it is in, before it receives again. Senders report their final count
//! when they stop at the deadline. The supervisor drains the reports as it goes; at the
//! end it wakes the sleeping workers with SIGUSR1 (EINTR: they see the deadline and stop),
//! drains the reports, then drains the data queue itself with IPC_NOWAIT (what is still
//! queued, verified the same way), and checks:
//!
//! 1. no corruption: every message received, copied or left queued is byte for byte what
//!    its sender wrote, from a sender that exists;
//! 2. no duplicates: no `(s, n)` is received twice, or received and also left queued;
//! 3. order: each receiver got the messages of one sender and one type (1..=5) in
//!    increasing `n`, and the messages left queued come in increasing `n` per sender;
//! 4. nothing invented: a sender that stopped by itself confirmed `c` sends, and no
//!    message `n >= c` of it exists;
//! 5. nothing lost beyond what the kills explain: the messages neither received nor left
//!    queued (below `c` for a sender that reported, below the highest `n` seen plus one
//!    for a killed sender) number at most the receivers killed;
//! 6. no worker failed and none hung (every one ends within 10 s of the deadline), and the
//!    queues are empty at the end (qnum and cbytes 0).
//!
//! Why 5 is sound. A message leaves the data queue only into a receiver (a MSG_COPY takes
//! nothing), and a receiver reports it before it receives again, so at any moment a
//! receiver holds at most one unreported message; a receiver that stops by itself holds
//! none. Only a receiver killed between its msgrcv and the end of its report's msgsnd
//! loses one (also one killed asleep in msgrcv just as a message was handed to it). A
//! killed sender loses nothing: its message is queued whole or not at all, and one that
//! went in though msgsnd never returned is simply a message seen above the last confirmed
//! one. Reports themselves are never lost: only the supervisor, which is never killed,
//! takes them. Check 3 holds because a queue hands out the messages of one type in the
//! order they were sent, whatever the receive mode, and one sender sends one at a time;
//! reports from one receiver reach the supervisor in the order it sent them (one report
//! type, FIFO). Prints the figures and exits 0 only if every check held.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;

use userspace::msg::{
    IPC_NOWAIT, IPC_PRIVATE, IPC_SET, IPC_STAT, MSG_COPY, MSG_EXCEPT, MSG_NOERROR, MSGMAX_LEN, Message, MsqidDs,
    msgctl, msgctl_rmid, msgget, msgrcv, msgsnd,
};
use userspace::process;
use userspace::signal::{self, SIGUSR1};
use userspace::stress::{Crew, FIRST_SEED, HANG_MS, MS, Member, Senders, message_key, next_kill, next_seed, verdict};
use userspace::{Errno, check, check_eq, check_ok, println, rt, time};

use userspace::rand::Rng;

userspace::entry!(main);

/// Messages of at least this many bytes carry a header: sender, number, length, checksum.
const HEADER: usize = 16;
/// Types of messages with a header: 1..=TYPES.
const TYPES: u64 = 5;
/// Shorter messages carry sender and number in their type, above this bit.
const SHORT_TYPE: i64 = 1 << 60;
/// Worker ids stay below this (they must fit in a short message's type).
const MAX_ID: u32 = 1 << 28;

/// Report types on the report queue, and a report's size.
const REPORT_RECEIVED: i64 = 1;
const REPORT_SENDER_DONE: i64 = 2;
const REPORT_BAD_COPY: i64 = 3;
const REPORT_LEN: usize = 16;
/// Reports the supervisor takes between two looks at the clock.
const REPORT_BATCH: usize = 256;
/// A report's sender or number when the message could not be identified.
const UNKNOWN: u32 = u32::MAX;

/// The type and length of message `seq` of `sender`.
fn shape(sender: u32, seq: u32) -> (i64, usize) {
    let key = message_key(sender, seq);
    let pick = (key >> 8) as usize;
    let len = match key % 100 {
        0..=4 => 0,
        5..=9 => 1 + pick % (HEADER - 1),
        10..=14 => MSGMAX_LEN,
        15..=34 => HEADER + pick % (MSGMAX_LEN - HEADER + 1),
        _ => HEADER + pick % 240,
    };
    let mtype = if len < HEADER {
        SHORT_TYPE | (i64::from(sender) << 32) | i64::from(seq)
    } else {
        1 + ((key >> 40) % TYPES) as i64
    };
    (mtype, len)
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Writes the text of message `seq` of `sender` into `text` (its whole length).
fn fill(sender: u32, seq: u32, text: &mut [u8]) {
    let mut rng = Rng(message_key(sender, seq) | 1);
    for chunk in text.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes()[..chunk.len()]);
    }
    if text.len() >= HEADER {
        let sum = fnv1a(&text[HEADER..]);
        let len = text.len() as u32;
        for (i, word) in [sender, seq, len, sum].into_iter().enumerate() {
            text[4 * i..4 * i + 4].copy_from_slice(&word.to_le_bytes());
        }
    }
}

fn word(bytes: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]])
}

/// Who a message claims to be from: `(sender, seq)`.
fn identify(mtype: i64, text: &[u8]) -> Option<(u32, u32)> {
    if mtype >= SHORT_TYPE {
        Some((((mtype >> 32) as u32) & (MAX_ID - 1), mtype as u32))
    } else if text.len() >= 8 {
        Some((word(text, 0), word(text, 1)))
    } else {
        None
    }
}

/// Checks a message of type `mtype` whose text arrived as `text`, received with room for
/// `room` bytes and, if `truncate`, MSG_NOERROR: every byte must be what its sender wrote.
/// Returns who it is from, or `Err` with what it claims (if anything) when it is wrong.
fn verify(
    mtype: i64,
    text: &[u8],
    room: usize,
    truncate: bool,
    scratch: &mut [u8],
) -> Result<(u32, u32), Option<(u32, u32)>> {
    let claim = identify(mtype, text).ok_or(None)?;
    let (sender, seq) = claim;
    if sender >= MAX_ID {
        return Err(Some(claim));
    }
    let (want_type, want_len) = shape(sender, seq);
    let got_len = if truncate { want_len.min(room) } else { want_len };
    if mtype != want_type || text.len() != got_len {
        return Err(Some(claim));
    }
    let expected = &mut scratch[..want_len];
    fill(sender, seq, expected);
    if text != &expected[..got_len] {
        return Err(Some(claim));
    }
    if got_len == want_len && want_len >= HEADER && word(text, 3) != fnv1a(&text[HEADER..]) {
        return Err(Some(claim));
    }
    Ok(claim)
}

/// Sends a report, retrying after EINTR; false if it cannot be sent.
fn report(reports: i32, buf: &mut Message, kind: i64, words: [u32; 4]) -> bool {
    buf.mtype = kind;
    for (i, w) in words.into_iter().enumerate() {
        buf.mtext[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    loop {
        match msgsnd(reports, buf, REPORT_LEN, 0) {
            Ok(()) => return true,
            Err(Errno::EINTR) => {}
            Err(e) => {
                println!("stress_msg: a report could not be sent: {e}");
                return false;
            }
        }
    }
}

/// SIGUSR1's handler: its only job is to interrupt a sleeping msgsnd or msgrcv (EINTR).
extern "C" fn wake(_signo: i32) {}

/// What a worker needs: the queues, its id, its seed and when to stop.
#[derive(Clone, Copy)]
struct Job {
    queue: i32,
    reports: i32,
    id: u32,
    seed: u64,
    deadline: u64,
}

/// Sends messages 0, 1, 2, ... until the deadline; then reports how many went in.
fn sender(job: Job) -> i32 {
    if signal::set_handler(SIGUSR1, wake).is_err() {
        return 2;
    }
    let mut msg = Box::new(Message::default());
    let mut rng = Rng(job.seed | 1);
    let mut seq = 0u32;
    while time::monotonic_ns() < job.deadline {
        let (mtype, len) = shape(job.id, seq);
        msg.mtype = mtype;
        fill(job.id, seq, &mut msg.mtext[..len]);
        let flags = if rng.below(4) == 0 { IPC_NOWAIT } else { 0 };
        match msgsnd(job.queue, &msg, len, flags) {
            Ok(()) => seq += 1,
            Err(Errno::EAGAIN) => {
                let _ = time::sched_yield();
            }
            Err(Errno::EINTR) => {}
            Err(e) => {
                println!("stress_msg: sender {}: msgsnd of {len} bytes: {e}", job.id);
                return 3;
            }
        }
    }
    if report(job.reports, &mut msg, REPORT_SENDER_DONE, [job.id, seq, 0, 0]) { 0 } else { 4 }
}

/// Receives (or copies) with random modes until the deadline, verifying and reporting
/// every message.
fn receiver(job: Job) -> i32 {
    if signal::set_handler(SIGUSR1, wake).is_err() {
        return 2;
    }
    let mut msg = Box::new(Message::default());
    let mut scratch = Box::new(Message::default());
    let mut out = Box::new(Message::default());
    let mut rng = Rng(job.seed | 1);
    while time::monotonic_ns() < job.deadline {
        let t = 1 + rng.below(TYPES) as i64;
        let (msgtyp, mut flags, copy) = match rng.below(20) {
            0..=5 => (0, 0, false),
            6..=9 => (t, 0, false),
            10..=13 => (-t, 0, false),
            14..=16 => (t, MSG_EXCEPT, false),
            17..=18 => (i64::MIN, 0, false),
            _ => (rng.below(8) as i64, MSG_COPY | IPC_NOWAIT, true),
        };
        if rng.below(4) == 0 {
            flags |= IPC_NOWAIT;
        }
        let room = match rng.below(10) {
            0 if !copy => rng.below(HEADER as u64 + 64) as usize,
            1 if !copy => {
                flags |= MSG_NOERROR;
                HEADER + rng.below((MSGMAX_LEN - HEADER + 1) as u64) as usize
            }
            _ => MSGMAX_LEN,
        };
        let n = match msgrcv(job.queue, &mut msg, room, msgtyp, flags) {
            Ok(n) => n,
            Err(Errno::ENOMSG | Errno::E2BIG | Errno::EINTR) => continue,
            Err(e) => {
                println!("stress_msg: receiver {}: msgrcv(msgtyp {msgtyp}, flags {flags:#o}, {room}): {e}", job.id);
                return 5;
            }
        };
        let truncate = flags & MSG_NOERROR != 0;
        let verdict = verify(msg.mtype, &msg.mtext[..n], room, truncate, &mut scratch.mtext);
        let (kind, (sender, seq), ok) = match verdict {
            Ok(who) if copy => (REPORT_RECEIVED, who, 2),
            Ok(who) => (REPORT_RECEIVED, who, 1),
            Err(claim) => {
                println!(
                    "stress_msg: receiver {}: a bad message{}: type {:#x}, {n} bytes, claims {claim:?}",
                    job.id,
                    if copy { " (MSG_COPY)" } else { "" },
                    msg.mtype,
                );
                (if copy { REPORT_BAD_COPY } else { REPORT_RECEIVED }, claim.unwrap_or((UNKNOWN, UNKNOWN)), 0)
            }
        };
        // A verified copy needs no report: nothing left the queue.
        if ok != 2 && !report(job.reports, &mut out, kind, [job.id, sender, seq, ok]) {
            return 6;
        }
    }
    0
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Sender,
    Receiver,
}

/// The supervisor's accounts.
#[derive(Default)]
struct Ledger {
    senders: Senders,
    /// The last n each receiver got of each (sender, type).
    last: BTreeMap<(u32, u32, i64), u32>,
    /// The last n found queued of each sender, in the final drain.
    last_queued: BTreeMap<u32, u32>,
    received: u64,
    queued: u64,
    corrupt: u64,
    bad_copies: u64,
    out_of_order: u64,
}

impl Ledger {
    /// Records message `(sender, seq)`, received by `receiver` or (None) found queued.
    fn record(&mut self, receiver: Option<u32>, sender: u32, seq: u32) {
        if !self.senders.mark(sender, seq) {
            return;
        }
        let (mtype, _) = shape(sender, seq);
        let last = match receiver {
            Some(r) if mtype < SHORT_TYPE => self.last.insert((r, sender, mtype), seq),
            Some(_) => None,
            None => self.last_queued.insert(sender, seq),
        };
        if let Some(before) = last
            && before >= seq
        {
            check!(false, "out of order: message {seq} of sender {sender} after {before} ({receiver:?})");
            self.out_of_order += 1;
        }
        match receiver {
            Some(_) => self.received += 1,
            None => self.queued += 1,
        }
    }

    /// Takes one report: (receiver, sender, n, verdict) of a message received or copied, or
    /// (sender, count) of a sender that stopped.
    fn take(&mut self, kind: i64, words: [u32; 4]) {
        match (kind, words) {
            (REPORT_RECEIVED, [receiver, sender, seq, 1]) => self.record(Some(receiver), sender, seq),
            (REPORT_RECEIVED, [receiver, sender, seq, _]) => {
                check!(false, "receiver {receiver} got a bad message (claims sender {sender}, n {seq})");
                self.corrupt += 1;
            }
            (REPORT_BAD_COPY, [receiver, sender, seq, _]) => {
                check!(false, "receiver {receiver} copied a bad message (claims sender {sender}, n {seq})");
                self.bad_copies += 1;
            }
            (REPORT_SENDER_DONE, [sender, count, ..]) => self.senders.done(sender, count),
            _ => {
                check!(false, "a report of unknown type {kind}");
            }
        }
    }

    /// Takes the reports waiting, at most `limit` of them; returns how many it took.
    fn drain_reports(&mut self, reports: i32, buf: &mut Message, limit: usize) -> usize {
        let mut taken = 0;
        while taken < limit {
            match msgrcv(reports, buf, REPORT_LEN, 0, IPC_NOWAIT) {
                Ok(REPORT_LEN) => {
                    let t = &buf.mtext;
                    self.take(buf.mtype, [word(t, 0), word(t, 1), word(t, 2), word(t, 3)]);
                }
                Ok(n) => {
                    check!(false, "a report of {n} bytes");
                }
                Err(Errno::ENOMSG) => break,
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    check!(false, "msgrcv of the reports: {e}");
                    break;
                }
            }
            taken += 1;
        }
        taken
    }
}

struct Worker {
    pid: usize,
    id: u32,
    role: Role,
}

impl Member for Worker {
    fn pid(&self) -> usize {
        self.pid
    }

    fn describe(&self) -> String {
        format!("{:?} {}", self.role, self.id)
    }
}

fn main(_args: &[&str]) -> i32 {
    let procs = rt::arg_or(1, 16).clamp(2, 1000) as usize;
    let seconds = rt::arg_or(2, 3);
    println!("stress_msg: {procs} processes, {seconds} s");
    let Some(queue) = check_ok!(msgget(IPC_PRIVATE, 0o600), "msgget (data)") else { return 1 };
    let Some(reports) = check_ok!(msgget(IPC_PRIVATE, 0o600), "msgget (reports)") else { return 1 };
    // Room for many reports, if we may (root may raise qbytes above MSGMNB); else the
    // receivers only wait on the report queue more often.
    let mut ds = MsqidDs::default();
    if msgctl(reports, IPC_STAT, &mut ds).is_ok() {
        ds.msg_qbytes = 1 << 20;
        let _ = msgctl(reports, IPC_SET, &mut ds);
    }

    // Handled here before any worker is forked, so that every worker inherits the
    // handler: a worker forked late may be signalled before its own code runs.
    if !check!(signal::set_handler(SIGUSR1, wake).is_ok(), "SIGUSR1 handler") {
        return 1;
    }
    let start = time::monotonic_ns();
    let end = start + seconds * 1_000_000_000;
    let mut ledger = Ledger::default();
    let mut seed = FIRST_SEED;
    let mut next_id = 1u32;
    let mut spawn = |role: Role, ledger: &mut Ledger| -> Option<Worker> {
        let job = Job { queue, reports, id: next_id, seed: next_seed(&mut seed), deadline: end };
        next_id += 1;
        check!(job.id < MAX_ID, "out of worker ids");
        let pid = check_ok!(
            process::fork_run(move || match role {
                Role::Sender => sender(job),
                Role::Receiver => receiver(job),
            }),
            "fork a {role:?}"
        )?;
        if role == Role::Sender {
            ledger.senders.add(job.id);
        }
        Some(Worker { pid, id: job.id, role })
    };
    let mut crew = Crew::default();
    for i in 0..procs {
        let role = if i % 2 == 0 { Role::Sender } else { Role::Receiver };
        crew.workers.extend(spawn(role, &mut ledger));
    }

    let mut buf = Box::new(Message::default());
    let mut rng = Rng(start | 1);
    let (mut killed_senders, mut killed_receivers) = (0u64, 0u64);
    let mut kill_at = next_kill(start, &mut rng);
    while time::monotonic_ns() + 100 * MS < end && !crew.workers.is_empty() {
        // A bounded batch: the kills go on however fast the reports come.
        let taken = ledger.drain_reports(reports, &mut buf, REPORT_BATCH);
        if time::monotonic_ns() < kill_at {
            if taken < REPORT_BATCH {
                let _ = time::sleep_ms(2);
            }
            continue;
        }
        kill_at = next_kill(time::monotonic_ns(), &mut rng);
        let Some((victim, killed)) = crew.kill_random(&mut rng) else { break };
        if killed {
            match victim.role {
                Role::Sender => {
                    killed_senders += 1;
                    ledger.senders.killed(victim.id);
                }
                Role::Receiver => killed_receivers += 1,
            }
        }
        crew.workers.extend(spawn(victim.role, &mut ledger));
    }

    // The workers stop at the deadline; a sleeping one learns of it from SIGUSR1 (EINTR).
    crew.wait_all(end + HANG_MS * MS, |now, workers| {
        let taken = ledger.drain_reports(reports, &mut buf, REPORT_BATCH);
        if now >= end {
            for w in workers {
                let _ = process::kill(w.pid, SIGUSR1);
            }
        }
        taken == REPORT_BATCH
    });
    let elapsed = time::monotonic_ns() - start;
    ledger.drain_reports(reports, &mut buf, usize::MAX);

    // What is still queued, in queue order.
    let mut scratch = Box::new(Message::default());
    loop {
        match msgrcv(queue, &mut buf, MSGMAX_LEN, 0, IPC_NOWAIT) {
            Ok(n) => match verify(buf.mtype, &buf.mtext[..n], MSGMAX_LEN, false, &mut scratch.mtext) {
                Ok((sender, seq)) => ledger.record(None, sender, seq),
                Err(claim) => {
                    check!(false, "a bad message left queued: type {:#x}, {n} bytes, claims {claim:?}", buf.mtype);
                    ledger.corrupt += 1;
                }
            },
            Err(Errno::ENOMSG) => break,
            Err(e) => {
                check!(false, "draining the queue: {e}");
                break;
            }
        }
    }
    for (id, name) in [(queue, "data"), (reports, "report")] {
        if check_ok!(msgctl(id, IPC_STAT, &mut ds), "IPC_STAT of the {name} queue").is_some() {
            check_eq!(ds.msg_qnum, 0, "messages left on the {name} queue");
            check_eq!(ds.msg_cbytes, 0, "bytes left on the {name} queue");
        }
    }

    let missing = ledger.senders.check_accounts(killed_receivers);
    let sent: u64 = ledger.received + ledger.queued + missing;
    check_eq!(ledger.corrupt, 0, "bad messages received or left queued");
    check_eq!(ledger.bad_copies, 0, "bad messages copied");
    check_eq!(ledger.out_of_order, 0, "messages out of order");
    check_eq!(crew.failures, 0, "workers that failed");
    check!(ledger.received > 0, "no message was received at all");
    check_ok!(msgctl_rmid(queue), "IPC_RMID (data)");
    check_ok!(msgctl_rmid(reports), "IPC_RMID (reports)");
    println!(
        "stress_msg: {procs} processes, {:.1} s: {sent} messages ({} per s): {} received, {} left queued, \
         {missing} lost with the {killed_receivers} receivers killed; {killed_senders} senders killed; accounts hold: {}",
        elapsed as f64 / 1e9,
        sent * 1_000_000_000 / elapsed.max(1),
        ledger.received,
        ledger.queued,
        verdict()
    );
    userspace::check::finish()
}
