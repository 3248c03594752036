//! `stress_mq [PROCS [SECONDS]]` (default 12 3): POSIX message queues under load. Worker
//! processes of one to three threads each, every thread a sender or a receiver on one
//! named queue, send and receive messages of random sizes (0 to the queue's msgsize) and
//! priorities, blocking, with O_NONBLOCK, and with short absolute deadlines, while the
//! supervisor SIGKILLs random workers (asleep or not) and starts new ones.
//!
//! Messages. Every sending thread `s` (an id the supervisor hands out, never reused)
//! sends messages numbered 0, 1, 2, ... and moves to the next number only once the send
//! has returned success. Everything about message `(s, n)` is a function of `(s, n)`: its
//! length (0, 1..=7, msgsize, or anything between), its priority (uniform in 0..32768, or
//! one of a few hot ones, so that many messages share a priority) and every byte. A
//! message of 8 bytes or more starts with `(s, n)`; a shorter one (zero-length included)
//! carries `(s, n)` in its priority and its bytes together, a reversible mix of
//! `s << k | n` in `15 + 8 * len` bits (so short lengths are only drawn for the `(s, n)`
//! that fit: length 0 for the 32 first ids' 1,024 first messages, length 1 up to 256 ids,
//! ...; the others get 8 bytes instead). Whoever gets a message recomputes it from
//! `(s, n)` and compares the length, the priority and every byte.
//!
//! Threads. A sender sends with mq_send on a blocking descriptor, on an O_NONBLOCK one
//! (EAGAIN: it yields and tries again), or with mq_timedsend and a deadline 0-2 ms ahead
//! or already past (ETIMEDOUT: again); now and then it checks that an invalid deadline is
//! EINVAL, a priority of MQ_PRIO_MAX EINVAL and a message of msgsize + 1 bytes EMSGSIZE
//! (none of them may queue anything). A receiver receives the same ways, and checks that
//! a buffer shorter than msgsize is EMSGSIZE. A worker uses the descriptors it inherited
//! from the supervisor, or opens its own by name (write-only for senders, read-only for
//! receivers, read-write for a process of both), the O_NONBLOCK one made non-blocking with
//! mq_setattr. For every message a
//! receiver takes it sends a report (receiver, s, n, verdict) to the supervisor through a
//! second queue, before it receives again; every thread reports when it stops at the
//! deadline (a sender with its final count). At the deadline the supervisor, as sender 0,
//! sends stop messages with O_NONBLOCK to wake the receivers asleep in mq_receive, and
//! when the queue is full receives one (as receiver 0) to wake a sender asleep in
//! mq_send; when every worker has ended it drains the reports, then drains the data queue
//! alone with O_NONBLOCK, and checks:
//!
//! 1. no corruption: every message received or left queued is byte for byte, length and
//!    priority, what its sender wrote, from a sender that exists;
//! 2. no duplicates: no `(s, n)` is received twice, or received and also left queued;
//! 3. priority order while others run: when one receiver gets message `(s, n2)` and later
//!    `(s, n1)` with `n1 < n2`, then `n1`'s priority is strictly lower than `n2`'s (`n1`
//!    was queued before `n2` and was passed over, so it had a lower priority; with equal
//!    priorities FIFO would have handed `n1` out first);
//! 4. priority order at the end: the single receiver that drains the queue once every
//!    sender has stopped gets the messages in non-increasing priority, and those of one
//!    sender at one priority in increasing `n` (FIFO);
//! 5. nothing invented: a sender that stopped by itself confirmed `c` sends, and no
//!    message `n >= c` of it exists;
//! 6. nothing lost beyond what the kills explain: the messages neither received nor left
//!    queued (below `c` for a sender that reported, below the highest `n` seen plus one for
//!    a killed sender) number at most the receiving threads killed before they reported
//!    their end;
//! 7. no worker failed (a probe's wrong answer, an unexpected errno, a bad message) and
//!    none hung (every one ends within 10 s of the deadline), and both queues are empty at
//!    the end (mq_curmsgs 0); mq_curmsgs never exceeds mq_maxmsg meanwhile.
//!
//! Why 6 is sound. A message leaves the data queue only into a receiving thread, which
//! reports it before it receives again, so a receiver holds at most one unreported
//! message at any moment, and none once it has reported its end. Only a receiver killed
//! between the moment the kernel hands it a message (in its mq_receive, or to it asleep
//! there) and the end of its report's mq_send loses one; a message the kernel did not
//! hand over stays queued. A killed sender loses nothing: its message is queued whole or
//! not at all, and one queued though its mq_send never returned is simply a message seen
//! above the last confirmed one. Reports are never lost: only the supervisor, which is
//! never killed, takes them, and they all have priority 0, so one receiver's reports
//! reach it in the order they were sent. Prints the figures and exits 0 only if every
//! check held.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use userspace::mq::{
    MQ_FLAGS_NONBLOCK, MQ_O_CREAT, MQ_O_EXCL, MQ_O_NONBLOCK, MQ_O_RDONLY, MQ_O_RDWR, MQ_O_WRONLY, MQ_PRIO_MAX, MqAttr,
    Timespec, deadline_in, mq_close, mq_getattr, mq_open, mq_receive, mq_send, mq_setattr, mq_timedreceive,
    mq_timedsend, mq_unlink,
};
use userspace::process;
use userspace::rand::Rng;
use userspace::signal::SIGKILL;
use userspace::stress::{Crew, FIRST_SEED, HANG_MS, MS, Member, Senders, message_key, next_kill, next_seed, verdict};
use userspace::{Errno, check, check_eq, check_ok, println, rt, thread, time};

userspace::entry!(main);

#[path = "stress_mq/ledger.rs"]
mod ledger;
#[path = "stress_mq/message.rs"]
mod message;
use ledger::Ledger;
use message::*;

/// The data queue's message size, and its capacity (with a fallback for a caller whose
/// limits allow no more than Linux's unprivileged 10 messages).
const MSGSIZE: usize = 8192;
const MAXMSG: i64 = 32;
const MAXMSG_FALLBACK: i64 = 10;
/// Worker ids stay below this.
const MAX_ID: u32 = 1 << 28;
/// The supervisor's id, as the sender of the stop messages and as a receiver.
const SUPERVISOR: u32 = 0;
/// The final drain's receiver id in the ledger.
const DRAIN: u32 = u32::MAX;
/// Threads per worker process: 1..=THREADS.
const THREADS: u64 = 3;

/// Reports: five u32 words (kind, then its words), all sent with priority 0.
const REPORT_RECEIVED: u32 = 1;
const REPORT_SENDER_DONE: u32 = 2;
const REPORT_RECEIVER_DONE: u32 = 3;
const REPORT_LEN: usize = 20;
/// The report queue's capacity (fallback as for the data queue).
const REPORT_MAXMSG: i64 = 1024;
/// Reports the supervisor takes between two looks at the clock.
const REPORT_BATCH: usize = 256;
/// A report's sender or number when the message could not be identified.
const UNKNOWN: u32 = u32::MAX;
/// A report's verdict.
const GOOD: u32 = 1;
const BAD: u32 = 0;

/// The descriptors a worker thread uses.
#[derive(Clone, Copy)]
struct Fds {
    /// The data queue, blocking and O_NONBLOCK.
    data: usize,
    data_nb: usize,
    /// The report queue (blocking).
    reports: usize,
}

/// Sends a report, retrying after EINTR; false if it cannot be sent.
fn report(fds: &Fds, words: [u32; 5]) -> bool {
    let mut buf = [0u8; REPORT_LEN];
    for (i, w) in words.into_iter().enumerate() {
        buf[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    loop {
        match mq_send(fds.reports, &buf, 0) {
            Ok(()) => return true,
            Err(Errno::EINTR) => {}
            Err(e) => {
                println!("stress_mq: a report could not be sent: {e}");
                return false;
            }
        }
    }
}

/// A deadline 0 to 2 ms ahead, or one already past.
fn short_deadline(rng: &mut Rng, past: bool) -> Option<Timespec> {
    if past {
        let mut t = deadline_in(0).ok()?;
        t.tv_sec -= 1;
        Some(t)
    } else {
        deadline_in(rng.below(2 * MS)).ok()
    }
}

/// What one worker thread does: its id, role, seed and when to stop.
#[derive(Clone, Copy, Debug)]
struct Job {
    id: u32,
    role: Role,
    seed: u64,
    deadline: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Sender,
    Receiver,
}

/// Sends messages 0, 1, 2, ... until the deadline; then reports how many went in.
fn sender(job: Job, fds: Fds) -> i32 {
    let mut msg = vec![0u8; MSGSIZE + 1];
    let mut rng = Rng(job.seed | 1);
    let mut seq = 0u32;
    let invalid = Timespec { tv_sec: 0, tv_nsec: 1_000_000_000 };
    while time::monotonic_ns() < job.deadline {
        let (len, prio) = shape(job.id, seq);
        fill(job.id, seq, &mut msg[..len]);
        let text = &msg[..len];
        let pick = rng.below(100);
        let (result, probe) = match pick {
            0..=44 => (mq_send(fds.data, text, prio), None),
            45..=69 => (mq_send(fds.data_nb, text, prio), None),
            70..=96 => match short_deadline(&mut rng, pick >= 95) {
                Some(t) => (mq_timedsend(fds.data, text, prio, Some(&t)), None),
                None => return 7,
            },
            97 => (mq_timedsend(fds.data, text, prio, Some(&invalid)), Some(("an invalid deadline", Errno::EINVAL))),
            98 => (mq_send(fds.data_nb, text, MQ_PRIO_MAX), Some(("priority MQ_PRIO_MAX", Errno::EINVAL))),
            _ => {
                // msgsize + 1 bytes of a message: its header is intact, its length not.
                let long = mq_send(fds.data_nb, &msg[..MSGSIZE + 1], prio);
                if long != Err(Errno::EMSGSIZE) {
                    println!("stress_mq: sender {}: a send of msgsize + 1 bytes: {long:?}, not EMSGSIZE", job.id);
                    return 8;
                }
                continue;
            }
        };
        match (result, probe) {
            (Err(e), Some((_, expected))) if e == expected => {}
            (Ok(()), Some((what, _))) => {
                println!("stress_mq: sender {}: a send with {what} succeeded", job.id);
                return 8;
            }
            (Ok(()), None) => seq += 1,
            (Err(Errno::EAGAIN | Errno::ETIMEDOUT), None) => {
                let _ = time::sched_yield();
            }
            (Err(Errno::EINTR), _) => {}
            (Err(e), _) => {
                println!("stress_mq: sender {}: send of {len} bytes, priority {prio} (mode {pick}): {e}", job.id);
                return 3;
            }
        }
    }
    if report(&fds, [REPORT_SENDER_DONE, job.id, seq, 0, 0]) { 0 } else { 4 }
}

/// Receives with random modes until the deadline, verifying and reporting every message.
fn receiver(job: Job, fds: Fds) -> i32 {
    let mut buf = vec![0u8; MSGSIZE + 64];
    let mut scratch = vec![0u8; MSGSIZE + 64];
    let mut rng = Rng(job.seed | 1);
    let invalid = Timespec { tv_sec: 0, tv_nsec: -1 };
    while time::monotonic_ns() < job.deadline {
        let room = MSGSIZE + if rng.below(4) == 0 { rng.below(64) as usize } else { 0 };
        let pick = rng.below(100);
        let (result, probe) = match pick {
            0..=39 => (mq_receive(fds.data, &mut buf[..room]), None),
            40..=64 => (mq_receive(fds.data_nb, &mut buf[..room]), None),
            65..=92 => match short_deadline(&mut rng, pick >= 90) {
                Some(t) => (mq_timedreceive(fds.data, &mut buf[..room], Some(&t)), None),
                None => return 7,
            },
            93..=94 => (
                mq_timedreceive(fds.data, &mut buf[..room], Some(&invalid)),
                Some(("an invalid deadline", Errno::EINVAL)),
            ),
            _ => {
                let small = rng.below(MSGSIZE as u64) as usize;
                (mq_receive(fds.data_nb, &mut buf[..small]), Some(("a buffer shorter than msgsize", Errno::EMSGSIZE)))
            }
        };
        let (n, prio) = match (result, probe) {
            (Err(e), Some((_, expected))) if e == expected => continue,
            (Ok((n, prio)), Some((what, _))) => {
                println!("stress_mq: receiver {}: a receive with {what} took a message", job.id);
                // Still accounted for, then the worker fails.
                let claim = verify(&buf[..n], prio, &mut scratch).unwrap_or((UNKNOWN, UNKNOWN));
                let _ = report(&fds, [REPORT_RECEIVED, job.id, claim.0, claim.1, BAD]);
                return 8;
            }
            (Ok(got), None) => got,
            (Err(Errno::EAGAIN | Errno::ETIMEDOUT | Errno::EINTR), None) => continue,
            (Err(e), _) => {
                println!("stress_mq: receiver {}: receive into {room} bytes (mode {pick}): {e}", job.id);
                return 5;
            }
        };
        let (claim, verdict) = match verify(&buf[..n], prio, &mut scratch) {
            Ok(who) => (who, GOOD),
            Err(claim) => {
                println!("stress_mq: receiver {}: a bad message: {n} bytes, priority {prio}, claims {claim:?}", job.id);
                (claim.unwrap_or((UNKNOWN, UNKNOWN)), BAD)
            }
        };
        if !report(&fds, [REPORT_RECEIVED, job.id, claim.0, claim.1, verdict]) {
            return 6;
        }
    }
    if report(&fds, [REPORT_RECEIVER_DONE, job.id, 0, 0, 0]) { 0 } else { 4 }
}

/// Opens `name` with `oflag`; for the O_NONBLOCK descriptor, opens it blocking and turns
/// O_NONBLOCK on with mq_setattr, checking what mq_getattr says before and after.
fn open_own(name: &str, oflag: i32, nonblock: bool) -> Result<usize, String> {
    let fd = mq_open(name, oflag, 0, None).map_err(|e| format!("mq_open({name}, {oflag:#o}): {e}"))?;
    if nonblock {
        let set = MqAttr { mq_flags: MQ_FLAGS_NONBLOCK, ..MqAttr::default() };
        let old = mq_setattr(fd, &set).map_err(|e| format!("mq_setattr: {e}"))?;
        let new = mq_getattr(fd).map_err(|e| format!("mq_getattr: {e}"))?;
        if old.mq_flags != 0 || new.mq_flags != MQ_FLAGS_NONBLOCK || new.mq_msgsize != MSGSIZE as i64 {
            return Err(format!(
                "mq_setattr: flags {} then {}, msgsize {}",
                old.mq_flags, new.mq_flags, new.mq_msgsize
            ));
        }
    }
    Ok(fd)
}

/// One worker process: opens its own descriptors if `own`, runs its first job itself and
/// the others on threads, and exits with the first failure's code (0 if none).
fn worker(jobs: Vec<Job>, own: bool, names: &Names, inherited: Fds) -> i32 {
    let fds = if own {
        let sends = jobs.iter().any(|j| j.role == Role::Sender);
        let receives = jobs.iter().any(|j| j.role == Role::Receiver);
        let mode = match (sends, receives) {
            (true, false) => MQ_O_WRONLY,
            (false, true) => MQ_O_RDONLY,
            _ => MQ_O_RDWR,
        };
        let opened = (|| {
            Ok::<_, String>(Fds {
                data: open_own(&names.data, mode, false)?,
                data_nb: open_own(&names.data, mode, true)?,
                reports: open_own(&names.reports, MQ_O_WRONLY, false)?,
            })
        })();
        match opened {
            Ok(fds) => fds,
            Err(why) => {
                println!("stress_mq: worker {}: {why}", jobs[0].id);
                return 9;
            }
        }
    } else {
        inherited
    };
    let run = move |job: Job| match job.role {
        Role::Sender => sender(job, fds),
        Role::Receiver => receiver(job, fds),
    };
    let mut handles = Vec::new();
    for &job in &jobs[1..] {
        match thread::spawn(move || run(job)) {
            Ok(h) => handles.push(h),
            Err(e) => {
                // Its id is known to the supervisor: the thread must run, or the accounts fail.
                println!("stress_mq: worker {}: thread spawn: {e}", job.id);
                return 10;
            }
        }
    }
    let mut status = run(jobs[0]);
    for h in handles {
        let code = h.join().unwrap_or(11);
        if status == 0 {
            status = code;
        }
    }
    status
}

/// The queues' names.
struct Names {
    data: String,
    reports: String,
}

/// Before the stress: threads SIGKILLed while asleep take nothing with them. Three
/// receiving threads of one process asleep on an empty queue are killed, then three
/// messages sent must all stay queued (none handed to a dead receiver); a sender asleep
/// on a full queue is killed, then a receive that makes room must leave it empty (the
/// dead sender's message is not sent). This is what makes check 6's bound exact: a
/// killed receiver can only lose a message handed to it before the kill.
fn killed_sleepers_take_nothing(name: &str) {
    const ROOM: i64 = 4;
    let Some(q) = create(name, MQ_O_NONBLOCK, ROOM, HEADER) else { return };
    let Some(blocking) = check_ok!(mq_open(name, MQ_O_RDWR, 0, None), "mq_open (probe)") else { return };
    if check_eq!(mq_getattr(q).map(|a| a.mq_maxmsg), Ok(ROOM), "the probe queue's mq_maxmsg") {
        let child = process::fork_run(move || {
            let sleepers: Vec<_> =
                (0..2).filter_map(|_| thread::spawn(move || mq_receive(blocking, &mut [0u8; HEADER])).ok()).collect();
            let _ = mq_receive(blocking, &mut [0u8; HEADER]);
            drop(sleepers);
            0
        });
        let sent = b"a probe!";
        if let Some(pid) = check_ok!(child, "fork the sleeping receivers") {
            let _ = time::sleep_ms(30);
            check_ok!(process::kill(pid, SIGKILL), "SIGKILL the sleeping receivers");
            let status = process::wait_for(pid);
            check!(status.is_ok_and(|s| s.signaled() == Some(SIGKILL)), "the receivers' end: {status:?}");
            for _ in 0..3 {
                check_ok!(mq_send(q, sent, 1), "a send after the receivers were killed");
            }
            check_eq!(mq_getattr(q).map(|a| a.mq_curmsgs), Ok(3), "messages queued after the receivers were killed");
            let mut got = [0u8; HEADER];
            for _ in 0..3 {
                check_eq!(mq_receive(q, &mut got), Ok((HEADER, 1)), "a probe message");
            }
            check_eq!(&got, sent, "the probe message's bytes");
        }
        for _ in 0..ROOM {
            check_ok!(mq_send(q, sent, 2), "filling the probe queue");
        }
        let child = process::fork_run(move || i32::from(mq_send(blocking, b"the dead", 3).is_ok()));
        if let Some(pid) = check_ok!(child, "fork the sleeping sender") {
            let _ = time::sleep_ms(30);
            check_ok!(process::kill(pid, SIGKILL), "SIGKILL the sleeping sender");
            let status = process::wait_for(pid);
            check!(status.is_ok_and(|s| s.signaled() == Some(SIGKILL)), "the sender's end: {status:?}");
            let mut got = [0u8; HEADER];
            check_eq!(mq_receive(q, &mut got), Ok((HEADER, 2)), "a message of the full queue");
            check_eq!(mq_getattr(q).map(|a| a.mq_curmsgs), Ok(ROOM - 1), "messages after the sender was killed");
        }
    }
    check_ok!(mq_close(q), "mq_close (probe)");
    check_ok!(mq_close(blocking), "mq_close (probe)");
    check_ok!(mq_unlink(name), "mq_unlink (probe)");
}

/// A worker process and its threads.
struct Worker {
    pid: usize,
    jobs: Vec<Job>,
}

impl Member for Worker {
    fn pid(&self) -> usize {
        self.pid
    }

    fn describe(&self) -> String {
        format!("worker {:?}", self.jobs)
    }
}

/// Creates a queue, exclusively, with `maxmsg` messages or the fallback.
fn create(name: &str, flags: i32, maxmsg: i64, msgsize: usize) -> Option<usize> {
    let _ = mq_unlink(name);
    let oflag = MQ_O_CREAT | MQ_O_EXCL | MQ_O_RDWR | flags;
    let attr = MqAttr { mq_maxmsg: maxmsg, mq_msgsize: msgsize as i64, ..MqAttr::default() };
    let fallback = MqAttr { mq_maxmsg: MAXMSG_FALLBACK, ..attr };
    let fd = match mq_open(name, oflag, 0o600, Some(&attr)) {
        Err(Errno::EINVAL | Errno::EMFILE) => mq_open(name, oflag, 0o600, Some(&fallback)),
        other => other,
    };
    check_ok!(fd, "mq_open({name}) with {msgsize}-byte messages")
}

fn main(_args: &[&str]) -> i32 {
    let procs = rt::arg_or(1, 12).clamp(2, 1000) as usize;
    let seconds = rt::arg_or(2, 3);
    println!("stress_mq: {procs} processes of 1 to {THREADS} threads, {seconds} s");
    let pid = process::getpid();
    let names = Names { data: format!("/stress_mq.{pid}"), reports: format!("/stress_mq.{pid}.reports") };
    killed_sleepers_take_nothing(&format!("/stress_mq.{pid}.probe"));
    let Some(data) = create(&names.data, 0, MAXMSG, MSGSIZE) else { return 1 };
    let Some(reports) = create(&names.reports, 0, REPORT_MAXMSG, REPORT_LEN) else { return 1 };
    // The supervisor's own O_NONBLOCK descriptors (the others are shared with the workers).
    let Some(data_nb) = check_ok!(mq_open(&names.data, MQ_O_RDWR | MQ_O_NONBLOCK, 0, None), "mq_open (data)") else {
        return 1;
    };
    let Some(reports_nb) =
        check_ok!(mq_open(&names.reports, MQ_O_RDONLY | MQ_O_NONBLOCK, 0, None), "mq_open (reports)")
    else {
        return 1;
    };
    let Some(attr) = check_ok!(mq_getattr(data), "mq_getattr (data)") else { return 1 };
    check!(
        attr.mq_msgsize == MSGSIZE as i64 && (attr.mq_maxmsg == MAXMSG || attr.mq_maxmsg == MAXMSG_FALLBACK),
        "the data queue's attributes: {attr:?}"
    );
    let maxmsg = attr.mq_maxmsg;
    let inherited = Fds { data, data_nb, reports };

    let start = time::monotonic_ns();
    let end = start + seconds * 1_000_000_000;
    let mut ledger = Ledger::default();
    ledger.senders.add(SUPERVISOR);
    let mut seed = FIRST_SEED;
    let mut next_id = 1u32;
    let mut threads = 0usize;
    let mut spawn = |roles: &[Role], ledger: &mut Ledger| -> Option<Worker> {
        let mut jobs = Vec::new();
        for &role in roles {
            jobs.push(Job { id: next_id, role, seed: next_seed(&mut seed), deadline: end });
            next_id += 1;
        }
        check!(next_id < MAX_ID, "out of worker ids");
        let own = seed >> 63 == 1;
        let theirs = jobs.clone();
        let names = &names;
        let pid = check_ok!(process::fork_run(move || worker(theirs, own, names, inherited)), "fork a worker")?;
        for job in &jobs {
            if job.role == Role::Sender {
                ledger.senders.add(job.id);
            }
        }
        threads += jobs.len();
        Some(Worker { pid, jobs })
    };
    let mut rng = Rng(start | 1);
    let mut crew = Crew::default();
    for i in 0..procs {
        let count = 1 + rng.below(THREADS) as usize;
        let roles: Vec<Role> =
            (0..count).map(|t| if (i + t) % 2 == 0 { Role::Sender } else { Role::Receiver }).collect();
        crew.workers.extend(spawn(&roles, &mut ledger));
    }

    let (mut killed_senders, mut killed_receivers) = (0u64, 0u64);
    let mut kill_at = next_kill(start, &mut rng);
    while time::monotonic_ns() + 100 * MS < end && !crew.workers.is_empty() {
        // A bounded batch: the kills go on however fast the reports come.
        let taken = ledger.drain_reports(reports_nb, REPORT_BATCH);
        if time::monotonic_ns() < kill_at {
            if taken < REPORT_BATCH {
                let _ = time::sleep_ms(2);
            }
            continue;
        }
        kill_at = next_kill(time::monotonic_ns(), &mut rng);
        if let Some(a) = check_ok!(mq_getattr(data_nb), "mq_getattr (data)") {
            check!(a.mq_curmsgs >= 0 && a.mq_curmsgs <= maxmsg, "mq_curmsgs {} of {maxmsg}", a.mq_curmsgs);
        }
        let Some((victim, killed)) = crew.kill_random(&mut rng) else { break };
        if killed {
            // The reports sent before the kill are all queued: take them, so that a
            // receiver that reported its end does not count as killed.
            ledger.drain_reports(reports_nb, usize::MAX);
            for job in &victim.jobs {
                match job.role {
                    Role::Sender => {
                        killed_senders += 1;
                        ledger.senders.killed(job.id);
                    }
                    Role::Receiver => {
                        if !ledger.receivers_done.contains_key(&job.id) {
                            killed_receivers += 1;
                        }
                        ledger.got.remove(&job.id);
                    }
                }
            }
        }
        let roles: Vec<Role> = victim.jobs.iter().map(|j| j.role).collect();
        crew.workers.extend(spawn(&roles, &mut ledger));
    }

    // The workers stop at the deadline. Those asleep in mq_receive wake for the stop
    // messages, those asleep in mq_send for the room the supervisor makes.
    let mut buf = vec![0u8; MSGSIZE];
    let mut scratch = vec![0u8; MSGSIZE];
    let mut stops = 0u32;
    crew.wait_all(end + HANG_MS * MS, |now, _| {
        let taken = ledger.drain_reports(reports_nb, REPORT_BATCH);
        if now >= end {
            for _ in 0..4 {
                let (len, prio) = shape(SUPERVISOR, stops);
                fill(SUPERVISOR, stops, &mut buf[..len]);
                match mq_send(data_nb, &buf[..len], prio) {
                    Ok(()) => stops += 1,
                    Err(Errno::EAGAIN) => {
                        ledger.receive_one(data_nb, SUPERVISOR, &mut buf, &mut scratch);
                    }
                    Err(e) => {
                        check!(false, "a stop message: {e}");
                        break;
                    }
                }
            }
        }
        taken == REPORT_BATCH
    });
    let elapsed = time::monotonic_ns() - start;
    ledger.drain_reports(reports_nb, usize::MAX);
    ledger.senders.done(SUPERVISOR, stops);

    // What is still queued, taken by one receiver with no sender left.
    while ledger.receive_one(data_nb, DRAIN, &mut buf, &mut scratch) {}
    for (fd, name) in [(data_nb, "data"), (reports_nb, "report")] {
        if let Some(a) = check_ok!(mq_getattr(fd), "mq_getattr of the {name} queue") {
            check_eq!(a.mq_curmsgs, 0, "messages left on the {name} queue");
        }
    }

    let missing = ledger.senders.check_accounts(killed_receivers);
    let sent: u64 = ledger.received + ledger.queued + missing;
    check_eq!(ledger.corrupt, 0, "bad messages received or left queued");
    check_eq!(ledger.out_of_order, 0, "messages out of priority order");
    check_eq!(crew.failures, 0, "workers that failed");
    check!(ledger.received > 0, "no message was received at all");
    for fd in [data, data_nb, reports, reports_nb] {
        check_ok!(mq_close(fd), "mq_close");
    }
    check_ok!(mq_unlink(&names.data), "mq_unlink (data)");
    check_ok!(mq_unlink(&names.reports), "mq_unlink (reports)");
    println!(
        "stress_mq: {procs} processes ({threads} threads in all), {:.1} s: {sent} messages ({} per s): {} received, \
         {} left queued, {missing} lost with the {killed_receivers} receivers killed; {} kills, \
         {killed_senders} senders killed; {stops} stop messages; accounts hold: {}",
        elapsed as f64 / 1e9,
        sent * 1_000_000_000 / elapsed.max(1),
        ledger.received,
        ledger.queued,
        crew.kills,
        verdict()
    );
    userspace::check::finish()
}
