//! Differential tests of the message queue rules (outside `ipc`, whose modules forbid
//! `unsafe`, because calling the host's libc needs it): random sequences of non-blocking
//! msgget, msgsnd, msgrcv and msgctl calls run against the host Linux kernel (through
//! libc, in this test process) and against the rules, comparing every return value,
//! errno and received message, and after every call the queue's `msqid_ds` (counts,
//! qbytes, pids, owner and mode; times only as "set or not").
//!
//! The rules run with the credentials of this process. Ids themselves are not compared
//! (Linux's depend on the host's other queues): a call's id is mapped to its
//! counterpart, and stale ids are compared by behaviour. MSG_INFO's usage counts and the
//! highest index are the host's, not this test's, so only the limits are compared.
//! Nothing here sleeps: every msgrcv that could wait has IPC_NOWAIT (MSG_COPY without
//! it is refused before any wait).

use std::fs;

use kestrel_abi::sysv::{MsgInfo, MsqidDs as AbiDs};

use super::ipc::ctl::NewOwner;
use super::ipc::msg::ctl::{Command, IPC_INFO, IPC_RMID, IPC_SET, IPC_STAT, MSG_INFO, MSG_STAT, MSG_STAT_ANY};
use super::ipc::msg::ctl::{MsqidDs, Reply};
use super::ipc::msg::{MSGMAX, MSGMNB, Message, MsgFlags, MsgNamespace, Woken};
use super::ipc::sem::tests::{Rng, cases};
use super::ipc::wait::Outcome;
use super::ipc::{IPC_CREAT, IPC_EXCL, IPC_NOWAIT, IPC_PRIVATE};
use crate::context::cred::Credentials;
use crate::errno::{EINVAL, EPERM, Errno};

type Result<T> = core::result::Result<T, Errno>;

/// Room for the largest message text and a little more, behind its type.
#[repr(C)]
struct HostMsg {
    mtype: i64,
    text: [u8; MSGMAX as usize + 64],
}

fn errno() -> Errno {
    Errno::from_raw(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

/// A libc call's result: -1 is the errno.
fn host(ret: i64) -> Result<i64> {
    if ret == -1 { Err(errno()) } else { Ok(ret) }
}

/// The host's queues of this test, removed however the test ends.
struct HostQueues(Vec<i32>);

impl Drop for HostQueues {
    fn drop(&mut self) {
        for &id in &self.0 {
            // SAFETY: IPC_RMID takes no buffer.
            unsafe { libc::msgctl(id, IPC_RMID, core::ptr::null_mut()) };
        }
    }
}

fn host_ctl<T>(id: i32, cmd: i32, buf: &mut T) -> Result<i64> {
    // SAFETY: `buf` is a glibc `msqid_ds` or `msginfo` (the ABI crate's layouts, checked
    // at compile time), as large as `cmd` reads or writes.
    host(i64::from(unsafe { libc::msgctl(id, cmd, (buf as *mut T).cast()) }))
}

/// The host's credentials, for the rules' side.
pub(super) fn host_credentials() -> Credentials {
    // SAFETY: plain id queries.
    let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let mut groups = vec![0; 256];
    // SAFETY: `groups` has room for 256 ids.
    let n = unsafe { libc::getgroups(256, groups.as_mut_ptr()) };
    groups.truncate(usize::try_from(n).unwrap_or(0));
    Credentials { ruid: euid, euid, suid: euid, rgid: egid, egid, sgid: egid, groups }
}

/// Whether this process may raise qbytes above MSGMNB on the host (CAP_SYS_RESOURCE,
/// which the rules grant root).
fn host_may_raise_qbytes() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let effective = status.lines().find_map(|l| l.strip_prefix("CapEff:")).map(str::trim);
    effective.and_then(|hex| u64::from_str_radix(hex, 16).ok()).is_some_and(|caps| caps & (1 << 24) != 0)
}

/// The host's limits must be Linux's defaults, which the rules have.
fn host_supports_msg() -> core::result::Result<(), String> {
    let read = |name: &str| fs::read_to_string(format!("/proc/sys/kernel/{name}")).map(|s| s.trim().to_owned());
    let limits = (read("msgmax"), read("msgmnb"));
    match limits {
        (Ok(max), Ok(mnb)) if max == MSGMAX.to_string() && mnb == MSGMNB.to_string() => Ok(()),
        (Ok(max), Ok(mnb)) => Err(format!("the host's msgmax {max} and msgmnb {mnb} are not the defaults")),
        _ => Err(String::from("the host has no System V message queues (/proc/sys/kernel/msgmax)")),
    }
}

/// The fields of a `msqid_ds` Linux reports deterministically, for comparison.
#[derive(Debug, PartialEq, Eq)]
struct Status {
    counts: (u64, u64, u64),
    pids: (i64, i64),
    owner: (u32, u32, u32, u32, u32),
    times_set: (bool, bool, bool),
}

impl Status {
    fn host(ds: &AbiDs) -> Self {
        let p = &ds.msg_perm;
        Self {
            counts: (ds.msg_qnum, ds.msg_cbytes, ds.msg_qbytes),
            pids: (i64::from(ds.msg_lspid), i64::from(ds.msg_lrpid)),
            owner: (p.uid, p.gid, p.cuid, p.cgid, p.mode & 0o777),
            times_set: (ds.msg_stime != 0, ds.msg_rtime != 0, ds.msg_ctime != 0),
        }
    }

    fn model(ds: &MsqidDs) -> Self {
        let p = &ds.perm;
        Self {
            counts: (ds.qnum, ds.cbytes, ds.qbytes),
            pids: (i64::from(ds.lspid), i64::from(ds.lrpid)),
            owner: (p.uid, p.gid, p.cuid, p.cgid, u32::from(p.mode & 0o777)),
            times_set: (ds.stime != 0, ds.rtime != 0, ds.ctime != 0),
        }
    }
}

/// The rules' side: one namespace, called as this process.
struct Model {
    ns: MsgNamespace,
    creds: Credentials,
    pid: u32,
}

impl Model {
    fn get(&mut self, key: i32, flags: i32) -> Result<i64> {
        self.ns.msgget(&self.creds, key, flags, 1).map(i64::from)
    }

    fn send(&mut self, id: i32, mtype: i64, text: &[u8], msgsz: u64) -> Result<i64> {
        let size = MsgNamespace::msgsnd_check(id, mtype, msgsz)?;
        let message = Message { mtype, text: text[..size].to_vec() };
        let flags = MsgFlags::NOWAIT;
        match self.ns.msgsnd(&self.creds, self.pid, id, Box::new(message), flags, 1, &mut Woken::new())? {
            Outcome::Done(()) => Ok(0),
            Outcome::Wait(_) => panic!("a msgsnd with IPC_NOWAIT sleeps"),
        }
    }

    fn receive(&mut self, id: i32, bufsz: u64, msgtyp: i64, flags: i32) -> Result<(i64, Message)> {
        let flags = MsgFlags::from_bits_truncate(flags);
        let bufsz = MsgNamespace::msgrcv_check(id, bufsz, flags)?;
        match self.ns.msgrcv(&self.creds, self.pid, id, bufsz, msgtyp, flags, 1, &mut Woken::new(), |_| Ok(()))? {
            Outcome::Done(message) => Ok((message.text.len() as i64, *message)),
            Outcome::Wait(_) => panic!("a msgrcv with IPC_NOWAIT sleeps"),
        }
    }

    fn ctl(&mut self, id: i32, cmd: Command) -> Result<Reply> {
        let mut woken = Woken::new();
        let reply = self.ns.msgctl(&self.creds, id, cmd, 1, &mut woken);
        assert!(woken.is_empty(), "nothing sleeps in these sequences");
        reply
    }

    fn stat(&mut self, id: i32) -> Status {
        match self.ctl(id, Command::Stat) {
            Ok(Reply::Ds(0, ds)) => Status::model(&ds),
            other => panic!("IPC_STAT of the model's queue: {other:?}"),
        }
    }
}

fn host_stat(id: i32) -> Status {
    let mut ds = AbiDs::default();
    assert_eq!(host_ctl(id, IPC_STAT, &mut ds), Ok(0), "IPC_STAT of the host's queue");
    Status::host(&ds)
}

/// One generated call, for the failure message.
#[derive(Debug)]
#[expect(dead_code, reason = "the fields are read by Debug, in failure messages")]
enum Call {
    Get { key: i32, flags: i32 },
    Send { id: i32, mtype: i64, msgsz: u64 },
    Receive { id: i32, bufsz: u64, msgtyp: i64, flags: i32 },
    Set { mode: u32, uid: u32, qbytes: u64 },
    StatIndex { cmd: i32, plus: i32 },
    Info { cmd: i32, id: i32 },
    Ctl { id: i32, cmd: i32 },
}

fn msgsz(rng: &mut Rng) -> u64 {
    match rng.below(24) {
        0 => MSGMAX as u64,
        1 => MSGMAX as u64 + 1,
        2 => 1 << 63,
        3 => u64::MAX,
        4 => 50 + rng.below(400),
        _ => rng.below(33),
    }
}

fn mtype(rng: &mut Rng) -> i64 {
    match rng.below(24) {
        0 => 0,
        1 => -1,
        2 => i64::MAX,
        _ => 1 + rng.below(5) as i64,
    }
}

fn msgtyp(rng: &mut Rng) -> i64 {
    match rng.below(16) {
        0..=3 => 0,
        4 => i64::MIN,
        5 => i64::MAX,
        6..=10 => 1 + rng.below(5) as i64,
        _ => -(1 + rng.below(5) as i64),
    }
}

#[test]
fn differential_against_the_host_kernel() {
    if let Err(why) = host_supports_msg() {
        println!("msg differential skipped: {why}");
        return;
    }
    let n = cases("KESTREL_DIFF_CASES", 10_000);
    let may_raise = host_may_raise_qbytes();
    let creds = host_credentials();
    let pid = std::process::id();
    let mut rng = Rng(0x6a09_e667_f3bc_c909);
    let mut buf = Box::new(HostMsg { mtype: 0, text: [0; MSGMAX as usize + 64] });
    let (mut compared, mut received, mut host_only) = (0usize, 0usize, 0usize);
    for case in 0..n {
        // A key of this process's own, so that concurrent runs do not meet.
        let key = 0x4b00_0000 | ((pid as i32 & 0xfff) << 12) | (case as i32 & 0xfff);
        let mut model = Model { ns: MsgNamespace::new(), creds: creds.clone(), pid };
        let mut queues = HostQueues(Vec::new());
        // SAFETY: plain syscall wrappers with integer arguments.
        let linux = match host(i64::from(unsafe { libc::msgget(IPC_PRIVATE, 0o600) })) {
            Ok(id) => id as i32,
            Err(e) if case == 0 => return println!("msg differential skipped: the host's msgget fails with {e:?}"),
            Err(e) => panic!("msgget on the host failed: {e:?}"),
        };
        queues.0.push(linux);
        let ours = model.get(IPC_PRIVATE, 0o600).unwrap() as i32;
        // SAFETY: as above.
        let keyed = host(i64::from(unsafe { libc::msgget(key, IPC_CREAT | IPC_EXCL | 0o640) }));
        let keyed = keyed.map(|id| id as i32).ok().inspect(|&id| queues.0.push(id));
        let our_keyed = keyed.map(|_| model.get(key, IPC_CREAT | IPC_EXCL | 0o640).unwrap() as i32);
        // Each side's id for the same queue: the main one, or the keyed one.
        let id_pair = |host_id: i64| match host_id as i32 {
            id if id == linux => i64::from(ours),
            id if Some(id) == keyed => i64::from(our_keyed.unwrap()),
            other => panic!("case {case}: the host answered an unknown id {other}"),
        };
        for step in 0..24 {
            let stale = rng.below(16) == 0;
            let (lid, mid) = match rng.below(24) {
                0 => (-1, -1),
                _ if stale => (linux.wrapping_add(32768 * 7), ours.wrapping_add(32768 * 7)),
                _ => (linux, ours),
            };
            let (call, got_linux, got_model) = match rng.below(40) {
                0..=15 => {
                    let (mtype, msgsz) = (mtype(&mut rng), msgsz(&mut rng));
                    buf.mtype = mtype;
                    let len = (msgsz as usize).min(buf.text.len());
                    buf.text[..len].iter_mut().for_each(|b| *b = rng.below(256) as u8);
                    // SAFETY: `buf` holds a type and MSGMAX + 64 bytes; a larger msgsz is
                    // refused (EINVAL) before the text is read.
                    let l = host(i64::from(unsafe {
                        libc::msgsnd(lid, (&raw const *buf).cast(), msgsz as usize, IPC_NOWAIT)
                    }));
                    let m = model.send(mid, mtype, &buf.text[..len], msgsz);
                    (Call::Send { id: lid, mtype, msgsz }, l, m)
                }
                16..=29 => {
                    let copy = rng.below(5) == 0;
                    let mut flags = if copy { libc::MSG_COPY } else { 0 };
                    flags |= if !copy || rng.below(10) != 0 { IPC_NOWAIT } else { 0 };
                    flags |= if rng.below(4) == 0 { libc::MSG_NOERROR } else { 0 };
                    flags |= if rng.below(5) == 0 { libc::MSG_EXCEPT } else { 0 };
                    let msgtyp = if copy { rng.below(6) as i64 - 1 } else { msgtyp(&mut rng) };
                    let bufsz = match rng.below(20) {
                        0 => 1 << 63,
                        1 => 1 << 40,
                        2 => MSGMAX as u64 + 8,
                        _ => rng.below(40),
                    };
                    buf.mtype = 0;
                    // SAFETY: Linux writes at most min(bufsz, message) ≤ MSGMAX bytes of
                    // text, and with MSG_COPY reads min(bufsz, MSGMAX): `buf` has room.
                    let l = host(
                        unsafe { libc::msgrcv(lid, (&raw mut *buf).cast(), bufsz as usize, msgtyp, flags) } as i64
                    );
                    let m = model.receive(mid, bufsz, msgtyp, flags);
                    let call = Call::Receive { id: lid, bufsz, msgtyp, flags };
                    if let (Ok(n), Ok((_, message))) = (&l, &m) {
                        let host_message = Message { mtype: buf.mtype, text: buf.text[..*n as usize].to_vec() };
                        assert_eq!(&host_message, message, "case {case} step {step}: {call:?}");
                        received += 1;
                    }
                    (call, l, m.map(|(n, _)| n))
                }
                30..=32 => {
                    let mut ds = AbiDs::default();
                    let mode = [0o600, 0o640, 0o444, 0o222, 0o000, 0o7777][rng.below(6) as usize];
                    let uid = [creds.euid, creds.euid, 1000, u32::MAX][rng.below(4) as usize];
                    let qbytes = match rng.below(10) {
                        0 => MSGMNB as u64,
                        1 => (1 << 32) + rng.below(40),
                        2 => MSGMNB as u64 + 1 + rng.below(100),
                        3 => 0x8000_0000,
                        _ => rng.below(80),
                    };
                    let call = Call::Set { mode, uid, qbytes };
                    ds.msg_perm = kestrel_abi::sysv::IpcPerm { uid, gid: creds.egid, mode, ..Default::default() };
                    ds.msg_qbytes = qbytes;
                    let l = host_ctl(lid, IPC_SET, &mut ds);
                    let raises = qbytes as u32 > MSGMNB as u32;
                    if raises && creds.is_root() && !may_raise && l != Err(EINVAL) {
                        // Root here has every capability; the host's root lacks
                        // CAP_SYS_RESOURCE: only the host's side is checked.
                        assert_eq!(l, Err(EPERM), "case {case} step {step}: {call:?} on the host");
                        host_only += 1;
                        continue;
                    }
                    let owner = NewOwner { uid, gid: creds.egid, mode: mode as u16 };
                    let m = model.ctl(mid, Command::Set { owner, qbytes }).map(|_| 0);
                    (call, l, m)
                }
                33..=34 => {
                    let (cmd, any) = if rng.below(2) == 0 { (MSG_STAT, false) } else { (MSG_STAT_ANY, true) };
                    let plus = if rng.below(4) == 0 { 32768 * (1 + rng.below(3) as i32) } else { 0 };
                    let mut ds = AbiDs::default();
                    let l = host_ctl(linux % 32768 + plus, cmd, &mut ds).map(id_pair);
                    let m = model.ctl(ours % 32768 + plus, Command::StatIndex { any });
                    if let (Ok(_), Ok(Reply::Ds(_, our_ds))) = (&l, &m) {
                        assert_eq!(Status::host(&ds), Status::model(our_ds), "case {case} step {step}: {cmd}");
                    }
                    (
                        Call::StatIndex { cmd, plus },
                        l,
                        m.map(|r| if let Reply::Ds(id, _) = r { i64::from(id) } else { -1 }),
                    )
                }
                35..=36 => {
                    let (cmd, usage) = if rng.below(2) == 0 { (IPC_INFO, false) } else { (MSG_INFO, true) };
                    let id = if rng.below(3) == 0 { -1 - rng.below(3) as i32 } else { rng.below(3) as i32 };
                    let mut info = MsgInfo::default();
                    let l = host_ctl(id, cmd, &mut info);
                    let m = model.ctl(id, Command::Info { usage });
                    if let (Ok(_), Ok(Reply::Info(_, ours))) = (&l, &m) {
                        let limits = |i: &MsgInfo| (i.msgmax, i.msgmnb, i.msgmni, i.msgssz, i.msgseg);
                        assert_eq!(limits(&info), limits(ours), "case {case} step {step}: {cmd} limits");
                        if !usage {
                            assert_eq!(&info, ours, "case {case} step {step}: IPC_INFO");
                        }
                    }
                    (Call::Info { cmd, id }, l.map(|_| 0), m.map(|_| 0))
                }
                37 => {
                    // msgget of the keyed queue: lookups, EEXIST, ENOENT.
                    let Some(keyed) = keyed else { continue };
                    let (key, flags) = match rng.below(4) {
                        0 => (key, 0),
                        1 => (key, IPC_CREAT | 0o600),
                        2 => (key, IPC_CREAT | IPC_EXCL),
                        _ => (key ^ 0x0100_0000, 0o600),
                    };
                    // SAFETY: as above.
                    let l = host(i64::from(unsafe { libc::msgget(key, flags) })).map(|id| {
                        assert_eq!(id as i32, keyed, "case {case}: the key names its queue");
                        id_pair(id)
                    });
                    (Call::Get { key, flags }, l, model.get(key, flags))
                }
                _ => {
                    // A bad command, or a command with a bad id.
                    let cmd = [IPC_STAT, IPC_SET, IPC_RMID, MSG_STAT, 99, -1][rng.below(6) as usize];
                    let id = if cmd == 99 || cmd == -1 { lid } else { -1 };
                    let mut ds = AbiDs::default();
                    let l = host_ctl(id, cmd, &mut ds);
                    let m = MsgNamespace::msgctl_check(if id == lid { mid } else { -1 }, cmd).map(|()| 0);
                    (Call::Ctl { id, cmd }, l, m)
                }
            };
            assert_eq!(got_linux, got_model, "case {case} step {step}: {call:?}");
            assert_eq!(host_stat(linux), model.stat(ours), "case {case} step {step}: msqid_ds after {call:?}");
            compared += 1;
        }
        drop(queues);
    }
    println!(
        "msg differential: {n} sequences, {compared} calls compared with the host kernel \
         ({received} messages received on both), {host_only} qbytes raises checked on the host only"
    );
}
