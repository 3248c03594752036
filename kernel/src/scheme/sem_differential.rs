//! Differential tests of the semaphore semantics (outside `ipc`, whose modules forbid
//! `unsafe`, because calling the host's libc needs it): random sequences of non-blocking semget/semop/semctl calls run
//! against the host Linux kernel (through libc, in this test process) and against the
//! semantics, comparing every return value, errno and semaphore value.
//!
//! Deliberate differences are not exercised here: none of the calls generated below
//! should differ. Ids themselves are not compared (Linux's depend on the host's other
//! sets); stale ids are compared by behaviour (EINVAL on both sides).

use super::ipc::IPC_PRIVATE;
use super::ipc::sem::ctl::{Command, GETALL, GETNCNT, GETPID, GETVAL, GETZCNT, IPC_STAT, Reply, SETALL, SETVAL};
use super::ipc::sem::tests::{Fixture, NOWAIT, Rng, TestUndo, cases, root};
use super::ipc::sem::{SEM_UNDO, SEMOPM, SemBuf, SemNamespace, Woken};
use super::ipc::wait::Outcome;
use crate::errno::EINVAL;

/// One host set and its model counterpart.
struct Pair {
    linux: i32,
    model: i32,
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn linux_result(ret: i32) -> Result<i32, crate::errno::Errno> {
    if ret == -1 { Err(crate::errno::Errno::from_raw(errno())) } else { Ok(ret) }
}

fn linux_semop(id: i32, ops: &[SemBuf]) -> Result<i32, crate::errno::Errno> {
    let mut bufs: Vec<libc::sembuf> =
        ops.iter().map(|o| libc::sembuf { sem_num: o.num, sem_op: o.op, sem_flg: o.flg }).collect();
    // SAFETY: `bufs` holds `bufs.len()` initialised sembufs for the call's duration.
    linux_result(unsafe { libc::semop(id, bufs.as_mut_ptr(), bufs.len()) })
}

fn linux_values(id: i32, nsems: usize) -> Vec<u16> {
    let mut values = vec![0u16; nsems];
    // SAFETY: GETALL writes nsems shorts into the buffer, which has room for them.
    let ret = unsafe { libc::semctl(id, 0, GETALL, values.as_mut_ptr()) };
    assert_eq!(ret, 0, "GETALL on the host failed: {}", errno());
    values
}

fn model_semop(f: &mut Fixture, pid: u32, id: i32, ops: &[SemBuf]) -> Result<i32, crate::errno::Errno> {
    match f.ns.semop(&root(), pid, id, ops, &mut f.undo, 1, &mut Woken::new()) {
        Ok(Outcome::Done(())) => Ok(0),
        Ok(Outcome::Wait(_)) => panic!("a non-blocking call was queued"),
        Err(e) => Err(e),
    }
}

fn model_ctl(f: &mut Fixture, id: i32, semnum: i32, cmd: Command) -> Result<i32, crate::errno::Errno> {
    let mut woken = Woken::new();
    f.ns.semctl(&root(), std::process::id(), id, semnum, cmd, &mut f.undo, 1, &mut woken).map(|reply| {
        assert!(woken.is_empty(), "no waiters exist in these sequences");
        match reply {
            Reply::Int(v) | Reply::Ds(v, _) | Reply::Info(v, _) => v,
            Reply::Values(_) => 0,
        }
    })
}

fn random_op(rng: &mut Rng, nsems: u16) -> SemBuf {
    let num = if rng.below(20) == 0 { nsems + rng.below(3) as u16 } else { rng.below(u64::from(nsems)) as u16 };
    let value = match rng.below(8) {
        0 => 0,
        1 => 32767,
        2 => -32768,
        3 => rng.below(20000) as i16,
        _ => rng.below(9) as i16 - 4,
    };
    let undo = if rng.below(3) == 0 { SEM_UNDO } else { 0 };
    SemBuf { num, op: value, flg: NOWAIT | undo }
}

#[test]
fn differential_against_the_host_kernel() {
    let n = cases("KESTREL_DIFF_CASES", 10_000);
    let pid = std::process::id();
    let mut rng = Rng(0x517c_c1b7_2722_0a95);
    let mut compared = 0usize;
    for case in 0..n {
        let nsems = 1 + rng.below(6) as u16;
        // SAFETY: plain syscall wrappers with integer arguments.
        let linux = unsafe { libc::semget(libc::IPC_PRIVATE, i32::from(nsems), 0o600) };
        assert!(linux >= 0, "semget on the host failed: {}", errno());
        let mut f = Fixture { ns: SemNamespace::new(), undo: TestUndo::default(), id: 0 };
        let model = f.ns.semget(&root(), IPC_PRIVATE, i32::from(nsems), 0o600, 1).unwrap();
        let pair = Pair { linux, model };
        for step in 0..24 {
            let what = rng.below(12);
            let (got_linux, got_model, label) = match what {
                0..=5 => {
                    let count = match rng.below(30) {
                        0 => 0,
                        1 => SEMOPM + 1,
                        _ => 1 + rng.below(4) as usize,
                    };
                    let ops: Vec<SemBuf> = (0..count).map(|_| random_op(&mut rng, nsems)).collect();
                    (
                        linux_semop(pair.linux, &ops),
                        model_semop(&mut f, pid, pair.model, &ops),
                        format!("semop {ops:?}"),
                    )
                }
                6 => {
                    let num = rng.below(u64::from(nsems) + 1) as i32;
                    let val = match rng.below(6) {
                        0 => -1,
                        1 => 32768,
                        2 => 32767,
                        _ => rng.below(10) as i32,
                    };
                    // SAFETY: SETVAL takes an int argument.
                    let l = linux_result(unsafe { libc::semctl(pair.linux, num, SETVAL, val) });
                    (l, model_ctl(&mut f, pair.model, num, Command::SetVal(val)), format!("SETVAL {num} {val}"))
                }
                7 => {
                    let mut values: Vec<u16> = (0..nsems).map(|_| rng.below(6) as u16).collect();
                    if rng.below(5) == 0 {
                        values[0] = 32768;
                    }
                    // SAFETY: SETALL reads nsems shorts from the buffer.
                    let l = linux_result(unsafe { libc::semctl(pair.linux, 0, SETALL, values.as_mut_ptr()) });
                    (l, model_ctl(&mut f, pair.model, 0, Command::SetAll(values.clone())), format!("SETALL {values:?}"))
                }
                8 => {
                    let num = rng.below(u64::from(nsems) + 2) as i32 - 1;
                    let (cmd, model_cmd) = match rng.below(4) {
                        0 => (GETVAL, Command::GetVal),
                        1 => (GETPID, Command::GetPid),
                        2 => (GETNCNT, Command::GetNcnt),
                        _ => (GETZCNT, Command::GetZcnt),
                    };
                    // SAFETY: these commands take no argument.
                    let l = linux_result(unsafe { libc::semctl(pair.linux, num, cmd) });
                    let m = model_ctl(&mut f, pair.model, num, model_cmd);
                    // GETPID answers the host pid on Linux and the model's caller pid here.
                    (l, m, format!("semctl cmd {cmd} semnum {num}"))
                }
                9 => {
                    let mut ds: libc::semid_ds = unsafe_zeroed();
                    // SAFETY: IPC_STAT writes one semid_ds into `ds`.
                    let l =
                        linux_result(unsafe { libc::semctl(pair.linux, 0, IPC_STAT, &mut ds as *mut libc::semid_ds) });
                    let m = f.ns.semctl(&root(), pid, pair.model, 0, Command::Stat, &mut f.undo, 1, &mut Woken::new());
                    if let (Ok(_), Ok(Reply::Ds(_, md))) = (&l, &m) {
                        assert_eq!(u64::from(ds.sem_nsems as u32), md.nsems, "case {case} step {step}: sem_nsems");
                        assert_eq!(ds.sem_perm.mode & 0o777, md.perm.mode & 0o777, "case {case} step {step}: mode");
                        assert_eq!((ds.sem_otime != 0), (md.otime != 0), "case {case} step {step}: otime set");
                    }
                    (l, m.map(|_| 0), String::from("IPC_STAT"))
                }
                10 => {
                    // A stale id: both sides answer EINVAL.
                    let l = linux_semop(pair.linux + 32768 * 7, &[SemBuf { num: 0, op: 1, flg: NOWAIT }]);
                    let m = model_semop(&mut f, pid, pair.model + 32768 * 7, &[SemBuf { num: 0, op: 1, flg: NOWAIT }]);
                    (l.map(|_| 0).or_else(|e| if e == EINVAL { Err(e) } else { Ok(0) }), m, String::from("stale id"))
                }
                _ => {
                    let values = (linux_values(pair.linux, usize::from(nsems)), f.values_of(pair.model));
                    assert_eq!(values.0, values.1, "case {case} step {step}: values");
                    continue;
                }
            };
            let mut got_linux = got_linux;
            if what == 8 && got_linux.is_ok() && label.contains(&format!("cmd {GETPID} ")) {
                got_linux = got_linux.map(|p| if p == pid as i32 { got_model.unwrap_or(p) } else { p });
            }
            assert_eq!(got_linux, got_model, "case {case} step {step}: {label}");
            compared += 1;
            assert_eq!(
                linux_values(pair.linux, usize::from(nsems)),
                f.values_of(pair.model),
                "case {case} step {step}: values after {label}"
            );
        }
        // SAFETY: IPC_RMID takes no argument.
        let ret = unsafe { libc::semctl(pair.linux, 0, libc::IPC_RMID) };
        assert_eq!(ret, 0, "IPC_RMID on the host failed: {}", errno());
    }
    println!("differential: {n} sequences, {compared} calls compared with the host kernel");
}

fn unsafe_zeroed() -> libc::semid_ds {
    // SAFETY: semid_ds is a plain C struct of integers; all-zero is a valid value.
    unsafe { std::mem::zeroed() }
}

impl Fixture {
    fn values_of(&self, id: i32) -> Vec<u16> {
        self.ns.set(id).unwrap().sems.iter().map(|s| s.value).collect()
    }
}
