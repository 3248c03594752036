//! Unit and property tests of the semaphore semantics (the differential tests against
//! the host kernel are in `differential.rs`).

use std::collections::BTreeMap;

use super::ctl::{Command, Reply};
use super::*;
use crate::errno::{EACCES, EEXIST, ENOENT, EPERM};
use crate::scheme::ipc::ctl::NewOwner;
use crate::scheme::ipc::{IPC_CREAT, IPC_EXCL, IPC_PRIVATE};

/// Undo adjustments of every (pid, set), as the kernel keeps them per process.
#[derive(Default, Debug, Clone)]
pub(crate) struct TestUndo(pub BTreeMap<(u32, i32), Vec<i16>>);

impl UndoStore for TestUndo {
    fn get(&self, pid: u32, semid: i32, num: u16) -> i16 {
        self.0.get(&(pid, semid)).map_or(0, |v| v[usize::from(num)])
    }
    fn set(&mut self, pid: u32, semid: i32, nsems: usize, num: u16, value: i16) {
        self.0.entry((pid, semid)).or_insert_with(|| vec![0; nsems])[usize::from(num)] = value;
    }
    fn clear(&mut self, semid: i32, num: Option<u16>) {
        for ((_, id), adj) in self.0.iter_mut() {
            if *id == semid {
                match num {
                    Some(n) => adj[usize::from(n)] = 0,
                    None => adj.iter_mut().for_each(|a| *a = 0),
                }
            }
        }
    }
}

pub(crate) fn root() -> Credentials {
    Credentials::root()
}

fn user(uid: u32) -> Credentials {
    Credentials { ruid: uid, euid: uid, suid: uid, rgid: uid, egid: uid, sgid: uid, groups: Vec::new() }
}

fn op(num: u16, op: i16, flg: i16) -> SemBuf {
    SemBuf { num, op, flg }
}

pub(crate) const NOWAIT: i16 = IPC_NOWAIT as i16;

pub(crate) struct Fixture {
    pub ns: SemNamespace,
    pub undo: TestUndo,
    pub id: i32,
}

impl Fixture {
    fn new(nsems: i32, mode: i32) -> Self {
        let mut ns = SemNamespace::new();
        let id = ns.semget(&user(1000), IPC_PRIVATE, nsems, mode, 1).unwrap();
        Self { ns, undo: TestUndo::default(), id }
    }
    fn semop(&mut self, pid: u32, ops: &[SemBuf]) -> Result<Outcome> {
        let mut woken = Woken::new();
        Ok(match self.ns.semop(&user(1000), pid, self.id, ops, &mut self.undo, 5, &mut woken)? {
            wait::Outcome::Done(()) => Outcome::Done { woken },
            wait::Outcome::Wait(w) => {
                assert!(woken.is_empty(), "a call that waits changed nothing");
                Outcome::Wait(w)
            }
        })
    }
    fn ctl(&mut self, semnum: i32, cmd: Command) -> Result<(Reply, Woken)> {
        let mut woken = Woken::new();
        let reply = self.ns.semctl(&user(1000), 77, self.id, semnum, cmd, &mut self.undo, 9, &mut woken)?;
        Ok((reply, woken))
    }
    fn values(&self) -> Vec<u16> {
        self.ns.set(self.id).unwrap().sems.iter().map(|s| s.value).collect()
    }
    fn set_all(&mut self, values: &[u16]) {
        self.ctl(0, Command::SetAll(values.to_vec())).unwrap();
    }
}

/// A semop's outcome with the waiters it completed, for assertions.
#[derive(Debug, PartialEq)]
enum Outcome {
    Done { woken: Vec<Completed> },
    Wait(WaiterId),
}

fn woken(outcome: Result<Outcome>) -> Vec<Completed> {
    match outcome {
        Ok(Outcome::Done { woken }) => woken,
        other => panic!("expected Done, got {other:?}"),
    }
}

fn waiter(outcome: Result<Outcome>) -> WaiterId {
    match outcome {
        Ok(Outcome::Wait(w)) => w,
        other => panic!("expected Wait, got {other:?}"),
    }
}

#[test]
fn semget_rules() {
    let mut ns = SemNamespace::new();
    let c = user(1000);
    assert_eq!(ns.semget(&c, IPC_PRIVATE, -1, 0o600, 0), Err(EINVAL));
    assert_eq!(ns.semget(&c, IPC_PRIVATE, SEMMSL as i32 + 1, 0o600, 0), Err(EINVAL));
    assert_eq!(ns.semget(&c, IPC_PRIVATE, 0, 0o600, 0), Err(EINVAL));
    assert_eq!(ns.semget(&c, 42, 2, 0o600, 0), Err(ENOENT));
    let id = ns.semget(&c, 42, 2, IPC_CREAT | 0o640, 0).unwrap();
    assert_eq!(ns.semget(&c, 42, 1, 0, 0), Ok(id));
    assert_eq!(ns.semget(&c, 42, 0, 0, 0), Ok(id), "0 semaphores looks up any size");
    assert_eq!(ns.semget(&c, 42, 2, IPC_CREAT | IPC_EXCL | 0o600, 0), Err(EEXIST));
    assert_eq!(ns.semget(&c, 42, 3, 0, 0), Err(EINVAL), "more than the set has");
    assert_eq!(ns.semget(&user(2000), 42, 3, 0o400, 0), Err(EINVAL), "size is checked before access");
    assert_eq!(ns.semget(&user(2000), 42, 1, 0o400, 0), Err(EACCES));
    assert_eq!(ns.semget(&user(2000), 42, 1, 0, 0), Ok(id), "asking for no access passes");
    let private = ns.semget(&c, IPC_PRIVATE, 1, 0o600, 0).unwrap();
    assert_ne!(private, id, "IPC_PRIVATE always creates");
}

#[test]
fn semget_runs_out_of_sets() {
    let mut ns = SemNamespace::new();
    for _ in 0..SEMMNI {
        ns.semget(&root(), IPC_PRIVATE, 1, 0o600, 0).unwrap();
    }
    assert_eq!(ns.semget(&root(), IPC_PRIVATE, 1, 0o600, 0), Err(ENOSPC));
}

#[test]
fn semop_error_order() {
    let mut f = Fixture::new(2, 0o600);
    assert_eq!(f.semop(1, &[]), Err(EINVAL));
    assert_eq!(f.semop(1, &vec![op(0, 1, 0); SEMOPM + 1]), Err(E2BIG));
    assert_eq!(f.ns.semop(&user(1000), 1, f.id + 1, &[op(0, 1, 0)], &mut f.undo, 0, &mut Woken::new()), Err(EINVAL));
    assert_eq!(f.semop(1, &[op(2, 1, 0)]), Err(EFBIG));
    assert_eq!(
        f.ns.semop(&user(5), 1, f.id, &[op(2, 1, 0)], &mut f.undo, 0, &mut Woken::new()),
        Err(EFBIG),
        "EFBIG before EACCES"
    );
    assert_eq!(f.ns.semop(&user(5), 1, f.id, &[op(0, 1, 0)], &mut f.undo, 0, &mut Woken::new()), Err(EACCES));
    assert_eq!(f.semop(1, &[op(0, -1, NOWAIT)]), Err(EAGAIN));
    assert_eq!(f.semop(1, &[op(0, 32767, 0), op(0, 1, 0)]), Err(ERANGE));
    assert_eq!(f.values(), [0, 0], "a failed call changes nothing");
}

#[test]
fn a_negative_id_is_einval_even_when_its_low_bits_name_a_set() {
    let mut f = Fixture::new(1, 0o600);
    let alias = f.id | i32::MIN;
    assert_eq!(f.ns.semop(&user(1000), 1, alias, &[op(0, 1, 0)], &mut f.undo, 0, &mut Woken::new()), Err(EINVAL));
    assert_eq!(f.values(), [0]);
}

#[test]
fn single_operations_at_the_edges_of_the_range() {
    // Each case once alone (the path the kernel takes for one operation) and once after
    // a no-op wait-for-zero on another semaphore (the general loop).
    for lead in [None, Some(op(1, 0, 0))] {
        let run = |f: &mut Fixture, o: SemBuf| {
            let ops: Vec<SemBuf> = lead.into_iter().chain([o]).collect();
            f.semop(1, &ops).map(|outcome| matches!(outcome, Outcome::Done { .. }))
        };
        let mut f = Fixture::new(2, 0o600);
        assert_eq!(run(&mut f, op(0, 32767, 0)), Ok(true), "up to SEMVMX");
        assert_eq!(run(&mut f, op(0, 1, NOWAIT)), Err(ERANGE), "past SEMVMX");
        assert_eq!(run(&mut f, op(0, -32767, 0)), Ok(true), "down to 0");
        assert_eq!(run(&mut f, op(0, -1, NOWAIT)), Err(EAGAIN), "below 0");
        assert_eq!(run(&mut f, op(0, 0, 0)), Ok(true), "wait for zero at 0");
        assert_eq!(run(&mut f, op(0, 1, SEM_UNDO)), Ok(true), "with SEM_UNDO");
        assert_eq!(f.undo.0.get(&(1, f.id)).map(|adj| adj[0]), Some(-1), "SEM_UNDO recorded");
        assert_eq!(run(&mut f, op(0, 0, NOWAIT)), Err(EAGAIN), "wait for zero at 1");
        assert_eq!(f.values(), [1, 0]);
    }
}

#[test]
fn read_only_access_suffices_for_wait_for_zero() {
    let mut f = Fixture::new(1, 0o644);
    let other = user(5);
    assert!(f.ns.semop(&other, 1, f.id, &[op(0, 0, NOWAIT)], &mut f.undo, 0, &mut Woken::new()).is_ok());
    assert_eq!(
        f.ns.semop(&other, 1, f.id, &[op(0, 0, 0), op(0, 1, 0)], &mut f.undo, 0, &mut Woken::new()),
        Err(EACCES)
    );
}

#[test]
fn calls_are_atomic_and_ordered() {
    let mut f = Fixture::new(3, 0o600);
    woken(f.semop(1, &[op(0, 2, 0), op(1, 1, 0), op(0, -1, 0)]));
    assert_eq!(f.values(), [1, 1, 0]);
    // The third op cannot proceed, so neither of the first two happens.
    assert_eq!(f.semop(1, &[op(0, -1, 0), op(1, 1, 0), op(2, -1, NOWAIT)]), Err(EAGAIN));
    assert_eq!(f.values(), [1, 1, 0]);
    // Later ops see earlier ones: -1 then 0 on the same semaphore.
    woken(f.semop(1, &[op(0, -1, 0), op(0, 0, 0)]));
    assert_eq!(f.values(), [0, 1, 0]);
    let set = f.ns.set(f.id).unwrap();
    assert_eq!((set.sems[0].pid, set.sems[1].pid), (1, 1));
    assert_eq!(set.otime, 5);
}

#[test]
fn wait_for_zero_success_updates_pid_and_otime() {
    let mut f = Fixture::new(1, 0o600);
    assert_eq!(
        f.ns.semop(&user(1000), 33, f.id, &[op(0, 0, 0)], &mut f.undo, 12, &mut Woken::new()),
        Ok(wait::Outcome::Done(()))
    );
    let set = f.ns.set(f.id).unwrap();
    assert_eq!((set.sems[0].pid, set.otime), (33, 12));
}

#[test]
fn changer_performs_waiting_ops_in_fifo_order() {
    let mut f = Fixture::new(1, 0o600);
    let a = waiter(f.semop(10, &[op(0, -2, 0)]));
    let b = waiter(f.semop(11, &[op(0, -1, 0)]));
    assert_eq!(f.ns.set(f.id).unwrap().waiters_on(0, false), 2);
    // One unit: A (first) still cannot proceed, B (later) can and does.
    let done = woken(f.semop(12, &[op(0, 1, 0)]));
    assert_eq!(done, [Completed { waiter: b, result: Ok(()) }]);
    assert_eq!(f.values(), [0]);
    let done = woken(f.semop(12, &[op(0, 2, 0)]));
    assert_eq!(done[..], [Completed { waiter: a, result: Ok(()) }]);
    assert_eq!(f.values(), [0]);
    assert_eq!(f.ns.set(f.id).unwrap().sems[0].pid, 10, "the waiter's pid, not the changer's");
}

#[test]
fn a_completion_restarts_the_walk() {
    let mut f = Fixture::new(2, 0o600);
    // A waits for sem 1 to be decrementable, B will raise sem 1 when sem 0 rises.
    let a = waiter(f.semop(1, &[op(1, -1, 0)]));
    let b = waiter(f.semop(2, &[op(0, -1, 0), op(1, 1, 0)]));
    let done = woken(f.semop(3, &[op(0, 1, 0)]));
    assert_eq!(done, [Completed { waiter: b, result: Ok(()) }, Completed { waiter: a, result: Ok(()) }]);
    assert_eq!(f.values(), [0, 0]);
}

#[test]
fn ncnt_and_zcnt_count_the_first_blocking_op_only() {
    let mut f = Fixture::new(2, 0o600);
    f.set_all(&[0, 1]);
    waiter(f.semop(1, &[op(0, -1, 0), op(1, 0, 0)]));
    waiter(f.semop(2, &[op(1, 0, 0)]));
    let count = |f: &mut Fixture, num, cmd| match f.ctl(num, cmd).unwrap().0 {
        Reply::Int(n) => n,
        r => panic!("{r:?}"),
    };
    assert_eq!(count(&mut f, 0, Command::GetNcnt), 1);
    assert_eq!(count(&mut f, 1, Command::GetZcnt), 1, "the first waiter blocks on sem 0, not sem 1");
    // Now sem 0 gets a unit: the first waiter's first op passes, it blocks on sem 1 = 1.
    woken(f.semop(3, &[op(0, 1, 0)]));
    assert_eq!(count(&mut f, 0, Command::GetNcnt), 0);
    assert_eq!(count(&mut f, 1, Command::GetZcnt), 2);
}

#[test]
fn rmid_fails_every_sleeper_with_eidrm() {
    let mut f = Fixture::new(1, 0o600);
    let a = waiter(f.semop(1, &[op(0, -1, 0)]));
    let b = waiter(f.semop(2, &[op(0, 0, 0), op(0, -1, 0)]));
    assert_eq!(f.ns.semctl(&user(3), 3, f.id, 0, Command::Remove, &mut f.undo, 0, &mut Woken::new()), Err(EPERM));
    let (_, done) = f.ctl(0, Command::Remove).unwrap();
    assert_eq!(done[..], [Completed { waiter: a, result: Err(EIDRM) }, Completed { waiter: b, result: Err(EIDRM) }]);
    assert_eq!(f.ns.set(f.id).err(), Some(EINVAL));
}

#[test]
fn cancel_dequeues_or_returns_the_given_result() {
    let mut f = Fixture::new(1, 0o600);
    let a = waiter(f.semop(1, &[op(0, -1, 0)]));
    assert!(f.ns.cancel(f.id, a), "a queued waiter is dequeued");
    assert!(woken(f.semop(2, &[op(0, 1, 0)])).is_empty(), "a cancelled waiter is not performed");
    let b = waiter(f.semop(3, &[op(0, -2, 0)]));
    let done = woken(f.semop(2, &[op(0, 1, 0)]));
    assert_eq!(done, [Completed { waiter: b, result: Ok(()) }]);
    assert!(!f.ns.cancel(f.id, b), "it already happened: its result stands");
}

#[test]
fn undo_range_and_accumulation() {
    let mut f = Fixture::new(1, 0o600);
    const U: i16 = SEM_UNDO;
    woken(f.semop(1, &[op(0, 30000, U)]));
    assert_eq!(f.undo.get(1, f.id, 0), -30000);
    woken(f.semop(1, &[op(0, -30000, 0)]));
    // -30000 - 2768 = -32768 is the floor; one more is out of range.
    woken(f.semop(1, &[op(0, 2768, U)]));
    assert_eq!(f.undo.get(1, f.id, 0), -32768);
    assert_eq!(f.semop(1, &[op(0, 1, U)]), Err(ERANGE));
    assert_eq!(f.values(), [2768]);
    // Several undo ops on one semaphore accumulate inside one call.
    woken(f.semop(2, &[op(0, -2000, U), op(0, -768, U)]));
    assert_eq!(f.undo.get(2, f.id, 0), 2768);
}

#[test]
fn setval_and_setall_clear_undo_and_wake() {
    let mut f = Fixture::new(2, 0o600);
    woken(f.semop(1, &[op(0, 5, SEM_UNDO), op(1, 5, SEM_UNDO)]));
    assert_eq!(f.ctl(0, Command::SetVal(32768)), Err(ERANGE));
    assert_eq!(f.ctl(0, Command::SetVal(-1)), Err(ERANGE));
    assert_eq!(f.ctl(2, Command::SetVal(1)), Err(EINVAL));
    let a = waiter(f.semop(2, &[op(0, -6, 0)]));
    let (_, done) = f.ctl(0, Command::SetVal(8)).unwrap();
    assert_eq!(done[..], [Completed { waiter: a, result: Ok(()) }]);
    assert_eq!((f.undo.get(1, f.id, 0), f.undo.get(1, f.id, 1)), (0, -5), "SETVAL clears one semaphore's undo");
    assert_eq!(f.values(), [2, 5]);
    assert_eq!(f.ctl(0, Command::SetAll(vec![1, 40000])), Err(ERANGE));
    assert_eq!(f.ctl(0, Command::SetAll(vec![1])), Err(EINVAL));
    f.set_all(&[1, 2]);
    assert_eq!(f.undo.get(1, f.id, 1), 0, "SETALL clears the whole set's undo");
    assert_eq!(f.ns.set(f.id).unwrap().sems[1].pid, 77);
}

#[test]
fn exit_undo_is_clamped_and_skips_removed_sets() {
    let mut f = Fixture::new(2, 0o600);
    woken(f.semop(1, &[op(0, 3, SEM_UNDO), op(1, 1, SEM_UNDO)]));
    f.set_all(&[1, 1]);
    // SETALL cleared the adjustments; make new ones.
    woken(f.semop(1, &[op(0, 2, SEM_UNDO)]));
    f.ctl(0, Command::SetVal(0)).unwrap();
    // The adjustment of -2 for sem 0 was cleared by SETVAL; put one back by hand.
    f.undo.set(1, f.id, 2, 0, -5);
    let a = waiter(f.semop(2, &[op(1, 0, 0)]));
    f.undo.set(1, f.id, 2, 1, -1);
    let adj = f.undo.0[&(1, f.id)].clone();
    let mut done = Woken::new();
    f.ns.apply_exit_undo(1, f.id, &adj, &mut f.undo, 0, &mut done);
    assert_eq!(f.values(), [0, 0], "0 - 5 is clamped to 0");
    assert_eq!(done[..], [Completed { waiter: a, result: Ok(()) }]);
    let id = f.id;
    f.ctl(0, Command::Remove).unwrap();
    let mut done = Woken::new();
    f.ns.apply_exit_undo(1, id, &[1, 1], &mut f.undo, 0, &mut done);
    assert!(done.is_empty());
}

#[test]
fn exit_undo_clamps_at_semvmx() {
    let mut f = Fixture::new(1, 0o600);
    f.set_all(&[32000]);
    f.ns.apply_exit_undo(9, f.id, &[32767], &mut f.undo, 0, &mut Woken::new());
    assert_eq!(f.values(), [SEMVMX as u16]);
}

#[test]
fn stat_set_and_info() {
    let mut f = Fixture::new(3, 0o640);
    let Reply::Ds(0, ds) = f.ctl(0, Command::Stat).unwrap().0 else { panic!() };
    assert_eq!((ds.nsems, ds.perm.mode, ds.perm.uid, ds.ctime), (3, 0o640, 1000, 1));
    assert_eq!(f.ns.semctl(&user(5), 5, f.id, 0, Command::Stat, &mut f.undo, 0, &mut Woken::new()).err(), Some(EACCES));
    assert_eq!(
        f.ns.semctl(
            &user(5),
            5,
            f.id,
            0,
            Command::Set(NewOwner { uid: 5, gid: 5, mode: 0o777 }),
            &mut f.undo,
            0,
            &mut Woken::new()
        )
        .err(),
        Some(EPERM)
    );
    f.ctl(0, Command::Set(NewOwner { uid: 5, gid: 6, mode: 0o1604 })).unwrap();
    let Reply::Ds(_, ds) = f.ctl(0, Command::Stat).unwrap().0 else { panic!() };
    assert_eq!((ds.perm.uid, ds.perm.gid, ds.perm.mode, ds.perm.cuid, ds.ctime), (5, 6, 0o604, 1000, 9));
    let index = f.id % 32768;
    let Reply::Ds(id, _) =
        f.ns.semctl(&user(9), 9, index, 0, Command::StatIndex { any: false }, &mut f.undo, 0, &mut Woken::new())
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(id, f.id, "SEM_STAT takes an index and returns the id");
    f.ctl(0, Command::Set(NewOwner { uid: 5, gid: 6, mode: 0o600 })).unwrap();
    assert_eq!(
        f.ns.semctl(&user(9), 9, index, 0, Command::StatIndex { any: false }, &mut f.undo, 0, &mut Woken::new()).err(),
        Some(EACCES)
    );
    assert!(
        f.ns.semctl(&user(9), 9, index, 0, Command::StatIndex { any: true }, &mut f.undo, 0, &mut Woken::new()).is_ok()
    );
    let Reply::Info(max, info) = f.ctl(0, Command::Info { usage: true }).unwrap().0 else { panic!() };
    assert_eq!((max, info.semusz, info.semaem, info.semmsl), (index, 1, 3, SEMMSL as i32));
    let Reply::Info(_, info) = f.ctl(0, Command::Info { usage: false }).unwrap().0 else { panic!() };
    assert_eq!((info.semusz, info.semaem, info.semvmx), (20, SEMAEM, SEMVMX));
}

#[test]
fn negative_ids_are_einval_before_anything_else() {
    let mut f = Fixture::new(1, 0o600);
    for cmd in [Command::Info { usage: true }, Command::SetVal(40000), Command::Stat] {
        assert_eq!(f.ns.semctl(&user(1000), 1, -1, 0, cmd, &mut f.undo, 0, &mut Woken::new()).err(), Some(EINVAL));
    }
    let many = vec![op(0, 1, 0); SEMOPM + 1];
    assert_eq!(
        f.ns.semop(&user(1000), 1, -1, &many, &mut f.undo, 0, &mut Woken::new()),
        Err(E2BIG),
        "E2BIG before the id's sign"
    );
    assert_eq!(f.ns.semop(&user(1000), 1, -1, &[op(0, 1, 0)], &mut f.undo, 0, &mut Woken::new()), Err(EINVAL));
}

#[test]
fn get_commands_check_read_access_then_semnum() {
    let mut f = Fixture::new(1, 0o600);
    assert_eq!(
        f.ns.semctl(&user(5), 5, f.id, 9, Command::GetVal, &mut f.undo, 0, &mut Woken::new()).err(),
        Some(EACCES)
    );
    assert_eq!(f.ctl(1, Command::GetVal).err(), Some(EINVAL));
    assert_eq!(f.ctl(-1, Command::GetPid).err(), Some(EINVAL));
    assert_eq!(f.ctl(0, Command::GetAll).unwrap().0, Reply::Values(vec![0]));
}

/// xorshift64*: a small deterministic generator for the property tests.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Number of generated sequences: `$var` or `default`.
pub(crate) fn cases(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn property_random_sequences_keep_the_invariants() {
    let n = cases("KESTREL_PROPERTY_CASES", 10_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..n {
        let nsems = 1 + rng.below(4) as u16;
        let mut f = Fixture::new(i32::from(nsems), 0o600);
        let mut waiting: Vec<(u32, WaiterId)> = Vec::new();
        for _ in 0..40 {
            let before = f.values();
            let pid = 1 + rng.below(4) as u32;
            let ops: Vec<SemBuf> = (0..1 + rng.below(3))
                .map(|_| {
                    let delta = match rng.below(6) {
                        0 => 0,
                        1 => 32767,
                        _ => rng.below(7) as i16 - 3,
                    };
                    let flg = if rng.below(2) == 0 { SEM_UNDO } else { 0 } | if rng.below(3) == 0 { NOWAIT } else { 0 };
                    op(rng.below(u64::from(nsems)) as u16, delta, flg)
                })
                .collect();
            match rng.below(10) {
                0 => {
                    let (_, done) =
                        f.ctl(rng.below(u64::from(nsems)) as i32, Command::SetVal(rng.below(5) as i32)).unwrap();
                    waiting.retain(|(_, w)| !done.iter().any(|c| c.waiter == *w));
                }
                1 if !waiting.is_empty() => {
                    let (_, w) = waiting.remove(rng.below(waiting.len() as u64) as usize);
                    assert!(f.ns.cancel(f.id, w), "case {case}: a pending waiter is dequeued");
                }
                _ => match f.semop(pid, &ops) {
                    Ok(Outcome::Done { woken }) => {
                        waiting.retain(|(_, w)| !woken.iter().any(|c| c.waiter == *w));
                        for c in &woken {
                            assert!(c.result.is_ok() || c.result == Err(ERANGE), "case {case}: {c:?}");
                        }
                    }
                    Ok(Outcome::Wait(w)) => {
                        assert_eq!(f.values(), before, "case {case}: a queued call changes nothing");
                        waiting.push((pid, w));
                    }
                    Err(_) => assert_eq!(f.values(), before, "case {case}: a failed call changes nothing"),
                },
            }
            let set = f.ns.set(f.id).unwrap();
            assert!(set.sems.iter().all(|s| i32::from(s.value) <= SEMVMX), "case {case}: values stay in range");
            // No waiter that could proceed is left asleep.
            for p in set.pending.iter() {
                let mut probe = set.clone();
                let mut undo = f.undo.clone();
                assert!(
                    matches!(SemSet::attempt(&mut probe.sems, f.id, p.pid, &p.ops, &mut undo), Attempt::Blocked { .. }),
                    "case {case}: waiter {:?} could proceed but sleeps",
                    p.waiter
                );
            }
            assert_eq!(set.pending.len(), waiting.len(), "case {case}: every waiter is accounted for");
        }
    }
}
