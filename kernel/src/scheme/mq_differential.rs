//! Differential tests of the POSIX message queue rules (outside `ipc`, whose modules
//! forbid `unsafe`, because calling the host's libc needs it): random sequences of
//! mq_open, mq_send, mq_receive, mq_getattr, mq_setattr, mq_notify (SIGEV_NONE or
//! removal), mq_unlink and mq_close run against the host Linux kernel (through libc, in
//! this test process) and against the rules, comparing every result, errno, received
//! message and priority, and attribute.
//!
//! The sequence runs in a thread of its own that switches among four users with the raw
//! setresuid/setresgid system calls (which change only the calling thread; its saved
//! uid stays 0 so that it can switch back): root, the owner (uid and gid 41000), a
//! member of the owner's group (uid 42000, gid 41000) and a stranger (uid 43000), each
//! with no supplementary groups. The bytes of queues are charged per user across the
//! host, so the uids are ones no account uses; root's queues made by other programs
//! while this runs can still make an mq_open EMFILE here and not in the rules. The rules get the same credentials, and the modes the
//! host keeps after this process's umask. Attributes stay within the
//! unprivileged limits or far outside them: root in a container may lack
//! CAP_SYS_RESOURCE in the host's namespace, which the rules cannot see. The test lowers
//! its own RLIMIT_MSGQUEUE so that default-sized queues reach it (EMFILE). Names carry
//! this process's pid. Nothing sleeps: a send or receive on a description without
//! O_NONBLOCK passes an absolute deadline already past, so where the rules say "wait"
//! the host says ETIMEDOUT, and the rules' waiter is cancelled.

use std::ffi::CString;

use super::ipc::mq::{self, MqAttr, MqNamespace, O_CREAT, O_EXCL, O_NONBLOCK, QueueRef, Woken};
use super::ipc::sem::tests::{Rng, cases};
use super::ipc::wait::Outcome;
use crate::context::cred::Credentials;
use crate::errno::{ETIMEDOUT, Errno};

type Result<T> = core::result::Result<T, Errno>;

fn errno() -> Errno {
    Errno::from_raw(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

fn host_attr(attr: &MqAttr) -> libc::mq_attr {
    // SAFETY: mq_attr is plain integers; all zeroes is a valid value.
    let mut a: libc::mq_attr = unsafe { core::mem::zeroed() };
    (a.mq_flags, a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs) =
        (attr.mq_flags, attr.mq_maxmsg, attr.mq_msgsize, attr.mq_curmsgs);
    a
}

fn from_host(a: &libc::mq_attr) -> MqAttr {
    MqAttr { mq_flags: a.mq_flags, mq_maxmsg: a.mq_maxmsg, mq_msgsize: a.mq_msgsize, mq_curmsgs: a.mq_curmsgs }
}

fn host_open(name: &[u8], oflag: i32, mode: u16, attr: Option<MqAttr>) -> Result<libc::mqd_t> {
    let name = CString::new(name).expect("no NUL in names");
    let attr = attr.map(|a| host_attr(&a));
    let ptr = attr.as_ref().map_or(core::ptr::null(), |a| a as *const libc::mq_attr);
    // SAFETY: a valid C string and a valid (or null) attribute pointer.
    let q = unsafe { libc::mq_open(name.as_ptr(), oflag, libc::c_uint::from(mode), ptr) };
    if q < 0 { Err(errno()) } else { Ok(q) }
}

fn host_unlink(name: &[u8]) -> Result<()> {
    let name = CString::new(name).expect("no NUL in names");
    // SAFETY: a valid C string.
    if unsafe { libc::mq_unlink(name.as_ptr()) } < 0 { Err(errno()) } else { Ok(()) }
}

/// A deadline already past.
const PAST: libc::timespec = libc::timespec { tv_sec: 0, tv_nsec: 0 };

fn host_send(q: libc::mqd_t, data: &[u8], prio: u32) -> Result<()> {
    // SAFETY: `data` is valid for its length; the deadline is valid.
    let r = unsafe { libc::mq_timedsend(q, data.as_ptr().cast(), data.len(), prio, &PAST) };
    if r < 0 { Err(errno()) } else { Ok(()) }
}

fn host_receive(q: libc::mqd_t, len: usize) -> Result<mq::Message> {
    let mut buf = vec![0u8; len];
    let mut prio = 0u32;
    // SAFETY: `buf` is valid for `len` bytes; `prio` and the deadline are valid.
    let r = unsafe { libc::mq_timedreceive(q, buf.as_mut_ptr().cast(), len, &mut prio, &PAST) };
    if r < 0 {
        return Err(errno());
    }
    buf.truncate(r as usize);
    Ok(mq::Message { prio, data: buf })
}

fn host_getattr(q: libc::mqd_t) -> Result<MqAttr> {
    let mut a = host_attr(&MqAttr::default());
    // SAFETY: a valid attribute out-pointer.
    if unsafe { libc::mq_getattr(q, &mut a) } < 0 { Err(errno()) } else { Ok(from_host(&a)) }
}

fn host_setattr(q: libc::mqd_t, new: &MqAttr) -> Result<MqAttr> {
    let new = host_attr(new);
    let mut old = host_attr(&MqAttr::default());
    // SAFETY: valid attribute pointers.
    if unsafe { libc::mq_setattr(q, &new, &mut old) } < 0 { Err(errno()) } else { Ok(from_host(&old)) }
}

fn host_notify(q: libc::mqd_t, register: bool) -> Result<()> {
    // SAFETY: sigevent is plain data; all zeroes is a valid value.
    let mut sev: libc::sigevent = unsafe { core::mem::zeroed() };
    sev.sigev_notify = libc::SIGEV_NONE;
    let ptr = if register { &sev as *const libc::sigevent } else { core::ptr::null() };
    // SAFETY: a valid (or null) sigevent pointer.
    if unsafe { libc::mq_notify(q, ptr) } < 0 { Err(errno()) } else { Ok(()) }
}

fn host_close(q: libc::mqd_t) {
    // SAFETY: a descriptor this test opened.
    unsafe { libc::mq_close(q) };
}

/// One open description on both sides.
struct Description {
    host: libc::mqd_t,
    queue: QueueRef,
    oflag: i32,
    nonblock: bool,
}

/// The simulated process's pid in the rules (every user is the same process).
const PID: u32 = 1;

/// The users the sequences switch among: (uid, gid).
const USERS: [(u32, u32); 4] = [(0, 0), (41000, 41000), (42000, 41000), (43000, 43000)];

/// This thread becomes `(uid, gid)`: back to euid 0 (the saved uid allows it), then the
/// gids, then the uids, keeping saved uid 0. Raw system calls, so that other threads
/// of the test process keep their credentials.
fn become_user((uid, gid): (u32, u32)) {
    let keep: libc::c_long = -1;
    // SAFETY: the raw credential calls take integers only; each is checked.
    unsafe {
        assert_eq!(libc::syscall(libc::SYS_setresuid, keep, 0 as libc::c_long, keep), 0);
        assert_eq!(libc::syscall(libc::SYS_setgroups, 0 as libc::c_long, core::ptr::null::<libc::gid_t>()), 0);
        assert_eq!(
            libc::syscall(libc::SYS_setresgid, gid as libc::c_long, gid as libc::c_long, gid as libc::c_long),
            0
        );
        assert_eq!(libc::syscall(libc::SYS_setresuid, uid as libc::c_long, uid as libc::c_long, 0 as libc::c_long), 0);
    }
}

fn creds_of((uid, gid): (u32, u32)) -> Credentials {
    Credentials { ruid: uid, euid: uid, suid: 0, rgid: gid, egid: gid, sgid: gid, groups: Vec::new() }
}

struct World {
    ns: MqNamespace,
    open: Vec<Description>,
    names: Vec<Vec<u8>>,
    rng: Rng,
    case: usize,
    /// Per call (open, send, receive, getattr, setattr, notify, unlink): results that
    /// succeeded and that failed, to show what the sequences reached.
    tally: [(u64, u64); 7],
    /// Per call, how often each errno came.
    errnos: std::collections::BTreeMap<(usize, i32), u64>,
    /// The user this thread is now.
    user: (u32, u32),
    /// This process's umask.
    umask: u16,
    /// This process's RLIMIT_MSGQUEUE.
    rlimit: u64,
}

impl World {
    fn count<T>(&mut self, call: usize, result: &Result<T>) {
        let (ok, err) = &mut self.tally[call];
        if result.is_ok() {
            *ok += 1
        } else {
            *err += 1
        }
        if let Err(e) = result {
            *self.errnos.entry((call, e.raw())).or_default() += 1;
        }
    }

    fn name(&mut self) -> Vec<u8> {
        match self.rng.below(20) {
            0 => b"nolead".to_vec(),
            1 => b"/".to_vec(),
            2 => b"/..".to_vec(),
            3 => b"/a/b".to_vec(),
            4 => {
                let mut long = self.names[0].clone();
                long.resize(257, b'x');
                long
            }
            _ => self.names[self.rng.below(self.names.len() as u64) as usize].clone(),
        }
    }

    fn attr(&mut self) -> Option<MqAttr> {
        let value = |rng: &mut Rng, top: u64| match rng.below(12) {
            0 => 0,
            1 => -1,
            2 => 1 << 40,
            _ => 1 + rng.below(top) as i64,
        };
        match self.rng.below(3) {
            0 => None,
            _ => {
                let mq_maxmsg = value(&mut self.rng, 6);
                let mq_msgsize = value(&mut self.rng, 64);
                Some(MqAttr { mq_maxmsg, mq_msgsize, ..MqAttr::default() })
            }
        }
    }

    fn step(&mut self) {
        if self.rng.below(4) == 0 {
            self.user = USERS[self.rng.below(USERS.len() as u64) as usize];
            become_user(self.user);
        }
        let creds = creds_of(self.user);
        let case = self.case;
        let pick = |rng: &mut Rng, n: usize| rng.below(n as u64) as usize;
        match self.rng.below(9) {
            0 | 1 => {
                if self.open.len() >= 6 {
                    return;
                }
                let name = self.name();
                let mut oflag = [0, 1, 2, 2, 2, 2, 3][pick(&mut self.rng, 7)];
                if self.rng.below(3) != 0 {
                    oflag |= O_CREAT;
                }
                if self.rng.below(4) == 0 {
                    oflag |= O_EXCL;
                }
                if self.rng.below(2) == 0 {
                    oflag |= O_NONBLOCK;
                }
                let attr = self.attr();
                let mode = [0o600, 0o640, 0o660, 0o644, 0o666, 0o400, 0o200][pick(&mut self.rng, 7)];
                let host = host_open(&name, oflag, mode, attr);
                let rules = self.ns.open(&creds, &name, oflag, mode & !self.umask, attr, self.rlimit);
                self.count(0, &host);
                assert_eq!(
                    host.map(|_| ()),
                    rules.map(|_| ()),
                    "case {case}: mq_open({:?}, {oflag:#o}, {attr:?})",
                    String::from_utf8_lossy(&name)
                );
                if let (Ok(host), Ok(queue)) = (host, rules) {
                    self.open.push(Description { host, queue, oflag, nonblock: oflag & O_NONBLOCK != 0 });
                }
            }
            2 | 3 if !self.open.is_empty() => {
                let d = &self.open[pick(&mut self.rng, self.open.len())];
                let msgsize = self.ns.queue(d.queue).msgsize();
                let len = pick(&mut self.rng, msgsize + 2);
                let data: Vec<u8> = (0..len).map(|_| self.rng.below(256) as u8).collect();
                let prio = if self.rng.below(30) == 0 { mq::MQ_PRIO_MAX } else { self.rng.below(5) as u32 };
                let host = host_send(d.host, &data, prio);
                let mut woken = Woken::new();
                let rules =
                    mq::check_prio(prio).and_then(|()| mq::check_access(d.oflag, true)).and_then(|()| {
                        match self.ns.send(d.queue, mq::Message::boxed(prio, data), d.nonblock, &mut woken)? {
                            (Outcome::Done(()), _) => Ok(()),
                            (Outcome::Wait(w), _) => {
                                assert!(self.ns.cancel(d.queue, w));
                                Err(ETIMEDOUT)
                            }
                        }
                    });
                assert_eq!(host, rules, "case {case}: mq_send(prio {prio}, {len} bytes)");
                self.count(1, &host);
                assert!(woken.is_empty(), "nobody sleeps here");
            }
            4 | 5 if !self.open.is_empty() => {
                let d = &self.open[pick(&mut self.rng, self.open.len())];
                let msgsize = self.ns.queue(d.queue).msgsize();
                let len = [msgsize - 1, msgsize, msgsize + 7][pick(&mut self.rng, 3)];
                let host = host_receive(d.host, len);
                let mut woken = Woken::new();
                let rules = mq::check_access(d.oflag, false).and_then(|()| {
                    match self.ns.receive(d.queue, len, d.nonblock, &mut woken)? {
                        Outcome::Done(m) => Ok(*m),
                        Outcome::Wait(w) => {
                            assert!(self.ns.cancel(d.queue, w));
                            Err(ETIMEDOUT)
                        }
                    }
                });
                assert_eq!(host, rules, "case {case}: mq_receive({len})");
                self.count(2, &host);
            }
            6 if !self.open.is_empty() => {
                let i = pick(&mut self.rng, self.open.len());
                let d = &mut self.open[i];
                if self.rng.below(2) == 0 {
                    let host = host_getattr(d.host);
                    assert_eq!(host, Ok(self.ns.getattr(d.queue, d.nonblock)), "case {case}: mq_getattr");
                    self.count(3, &host);
                } else {
                    let flags = [0, i64::from(O_NONBLOCK), i64::from(O_NONBLOCK | O_CREAT)][pick(&mut self.rng, 3)];
                    let new = MqAttr { mq_flags: flags, mq_maxmsg: 99, ..MqAttr::default() };
                    let host = host_setattr(d.host, &new);
                    let rules = mq::setattr_flags(&new).map(|nonblock| {
                        let old = self.ns.getattr(d.queue, d.nonblock);
                        d.nonblock = nonblock;
                        old
                    });
                    assert_eq!(host, rules, "case {case}: mq_setattr({flags:#o})");
                    self.count(4, &host);
                }
            }
            7 if !self.open.is_empty() => {
                let d = &self.open[pick(&mut self.rng, self.open.len())];
                let register = self.rng.below(3) != 0;
                let host = host_notify(d.host, register);
                let rules = self.ns.notify(d.queue, PID, register.then_some(0)).map(drop);
                assert_eq!(host, rules, "case {case}: mq_notify(register {register})");
                self.count(5, &host);
            }
            8 => {
                if self.rng.below(2) == 0 && !self.open.is_empty() {
                    let d = self.open.swap_remove(pick(&mut self.rng, self.open.len()));
                    host_close(d.host);
                    self.ns.forget_notify(d.queue, PID);
                    self.ns.close(d.queue);
                } else {
                    let name = self.name();
                    let host = host_unlink(&name);
                    assert_eq!(host, self.ns.unlink(&creds, &name), "case {case}: mq_unlink");
                    self.count(6, &host);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn random_sequences_match_the_host() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return println!("mq differential skipped: it switches among users, which needs root on the host");
    }
    let pid = std::process::id();
    let names: Vec<Vec<u8>> = (0..3).map(|i| format!("/kestrel_mq_{pid}_{i}").into_bytes()).collect();
    for name in &names {
        let _ = host_unlink(name);
    }
    match host_open(&names[0], O_CREAT | libc::O_RDWR, 0o600, None) {
        Ok(q) => {
            host_close(q);
            host_unlink(&names[0]).unwrap();
        }
        Err(e) => return println!("mq differential skipped: the host's mq_open fails with {e:?}"),
    }
    let root = Credentials::root();
    // SAFETY: rlimit is plain integers, and getrlimit writes it.
    let mut limit: libc::rlimit = unsafe { core::mem::zeroed() };
    // SAFETY: a valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_MSGQUEUE, &mut limit) };
    // Lowered so that two or three queues of the default size reach it (EMFILE); only
    // this test's queues are charged to it in this process.
    limit.rlim_cur = limit.rlim_cur.min(200_000);
    // SAFETY: a valid pointer; lowering a soft limit needs no privilege.
    unsafe { libc::setrlimit(libc::RLIMIT_MSGQUEUE, &limit) };
    let rlimit = limit.rlim_cur;
    // SAFETY: umask has no preconditions; the old mask is put back at once.
    let umask = unsafe { libc::umask(0o022) };
    // SAFETY: as above.
    unsafe { libc::umask(umask) };
    let leftovers = names.clone();
    let run = move || run_sequences(names, rlimit, umask as u16, root);
    let outcome = std::thread::spawn(run).join();
    // A failed run leaves its queues named, charged to their users for good: remove them.
    for name in &leftovers {
        let _ = host_unlink(name);
    }
    outcome.expect("the sequences ran");
}

/// The sequences, in a thread whose credentials they change.
fn run_sequences(names: Vec<Vec<u8>>, rlimit: u64, umask: u16, root: Credentials) {
    let n = cases("KESTREL_DIFF_CASES", 10_000);
    let mut world = World {
        ns: MqNamespace::new(),
        open: Vec::new(),
        names,
        rng: Rng(0x6d71_6469_6666_0001),
        case: 0,
        tally: [(0, 0); 7],
        rlimit,
        errnos: Default::default(),
        user: USERS[0],
        umask,
    };
    for case in 0..n {
        world.case = case;
        let steps = 5 + world.rng.below(25);
        for _ in 0..steps {
            world.step();
        }
        world.user = USERS[0];
        become_user(world.user);
        for d in core::mem::take(&mut world.open) {
            host_close(d.host);
            world.ns.forget_notify(d.queue, PID);
            world.ns.close(d.queue);
        }
        for name in world.names.clone() {
            assert_eq!(host_unlink(&name), world.ns.unlink(&root, &name), "case {case}: the final mq_unlink");
        }
        assert!(world.ns.is_empty(), "case {case}: a queue outlived its names and descriptors");
    }
    println!("mq differential: {n} sequences compared with the host; (succeeded, failed) per call:");
    let calls = ["mq_open", "mq_send", "mq_receive", "mq_getattr", "mq_setattr", "mq_notify", "mq_unlink"];
    for (i, (call, (ok, err))) in calls.iter().zip(world.tally).enumerate() {
        let errnos: Vec<String> =
            world.errnos.iter().filter(|((c, _), _)| *c == i).map(|((_, e), n)| format!("{e}x{n}")).collect();
        println!("  {call}: {ok}, {err} (errno x times: {})", errnos.join(", "));
    }
}
