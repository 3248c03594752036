//! `t_sem`: the semaphore scheme's kernel side: blocking and waking across processes,
//! semtimedop expiry, the semop call's encoding (32-bit count, exactly three metadata
//! words), EIDRM and EINTR for sleepers, SEM_UNDO after exit and after
//! SIGKILL, SETVAL clearing undo, permissions after dropping privileges, and threads: a
//! process's threads share its SEM_UNDO adjustments, and a thread asleep in semop does
//! not stop its siblings. (The rules themselves are tested on the host against Linux;
//! this checks the glue.)

#![no_std]
#![no_main]

use userspace::abi::sysv::{LinuxTimespec, SEM_CALL_CTL, SEM_CALL_GET, SEM_CALL_OP, SEM_SCHEME, semop_word};
use userspace::process::{self, Status};
use userspace::signal::{SIGKILL, SIGUSR1};
use userspace::sysv::{
    GETNCNT, GETVAL, IPC_PRIVATE, IPC_RMID, SEM_UNDO, SETVAL, op, semctl, semget, semop, semop_at, semtimedop,
    semtimedop_raw,
};
use userspace::{Errno, check, check_eq, check_ok, cred, fs, println, signal, thread, time};

userspace::entry!(main);

const MS: u64 = 1_000_000;

fn value(id: i32, num: i32) -> Result<i32, Errno> {
    semctl(id, num, GETVAL, 0)
}

fn new_set(nsems: i32) -> Option<i32> {
    check_ok!(semget(IPC_PRIVATE, nsems, 0o600), "semget(IPC_PRIVATE, {nsems})")
}

/// Waits up to 2 s for `cond`, polling.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let start = time::monotonic_ns();
    while time::monotonic_ns() - start < 2_000 * MS {
        if cond() {
            return true;
        }
        let _ = time::sleep_ms(5);
    }
    false
}

fn exited_zero(pid: usize, what: &str) {
    let status = process::wait_for(pid);
    check_eq!(status.ok().and_then(Status::exited), Some(0), "{what}: the child's exit");
}

fn blocking_and_waking() {
    println!("t_sem: a sleeper in another process is woken by the changer, counted by GETNCNT");
    let Some(id) = new_set(1) else { return };
    let Some(pid) =
        check_ok!(process::fork_run(move || if semop(id, &[op(0, -1, 0)]).is_ok() { 0 } else { 1 }), "fork")
    else {
        return;
    };
    check!(eventually(|| semctl(id, 0, GETNCNT, 0) == Ok(1)), "GETNCNT reaches 1");
    check_ok!(semop(id, &[op(0, 1, 0)]), "semop +1");
    exited_zero(pid, "sleeper");
    check_eq!(value(id, 0), Ok(0), "the sleeper took the unit");
    let _ = semctl(id, 0, IPC_RMID, 0);
}

fn timed_out() {
    println!("t_sem: semtimedop gives EAGAIN after its relative timeout");
    let Some(id) = new_set(1) else { return };
    let start = time::monotonic_ns();
    let timeout = LinuxTimespec { tv_sec: 0, tv_nsec: 100 * MS as i64 };
    check_eq!(semtimedop(id, &[op(0, -1, 0)], Some(&timeout)), Err(Errno::EAGAIN), "semtimedop on 0");
    let waited = time::monotonic_ns() - start;
    check!(waited >= 100 * MS, "waited {waited} ns, at least 100 ms");
    check!(waited < 2_000 * MS, "waited {waited} ns, under 2 s");
    let bad = LinuxTimespec { tv_sec: 0, tv_nsec: 1_000_000_000 };
    check_eq!(semtimedop(id, &[op(0, -1, 0)], Some(&bad)), Err(Errno::EINVAL), "a bad timeout");
    check_eq!(semtimedop_raw(id, &[op(0, -1, 0)], 8), Err(Errno::EFAULT), "an unreadable timeout");
    let _ = semctl(id, 0, IPC_RMID, 0);
}

fn count_is_an_unsigned_int() {
    println!("t_sem: only the low 32 bits of nsops count, as in Linux's unsigned int");
    let Some(id) = new_set(1) else { return };
    let ops = [op(0, 1, 0)];
    let sops = ops.as_ptr() as u64;
    check_ok!(semop_at(id, sops, (1 << 32) | 1, 0), "nsops 2^32 + 1 is one operation");
    check_eq!(semctl(id, 0, GETVAL, 0), Ok(1), "the operation ran once");
    check_eq!(semop_at(id, sops, 1 << 32, 0), Err(Errno::EINVAL), "nsops 2^32 is none");
    check_eq!(semop_at(id, sops, (1 << 32) + 501, 0), Err(Errno::E2BIG), "nsops 2^32 + 501 is 501");
    check_eq!(semctl(id, 0, GETVAL, 0), Ok(1), "the failed calls changed nothing");
    let _ = semctl(id, 0, IPC_RMID, 0);
}

fn calls_take_three_metadata_words() {
    println!("t_sem: every sem call takes exactly three metadata words");
    let Some(id) = new_set(1) else { return };
    let Some(fd) = check_ok!(fs::open(SEM_SCHEME, fs::O_RDWR), "open the scheme") else { return };
    let ops = [op(0, 1, 0)];
    let (word, sops) = (semop_word(id, 1), ops.as_ptr() as u64);
    check_eq!(fs::call(fd, &mut [], 0, &[SEM_CALL_OP, word]), Err(Errno::EINVAL), "two words");
    check_eq!(fs::call(fd, &mut [], 0, &[SEM_CALL_OP, word, sops, 0]), Err(Errno::EINVAL), "four words");
    check_eq!(value(id, 0), Ok(0), "neither ran");
    check_eq!(fs::call(fd, &mut [], 0, &[SEM_CALL_OP, word, sops]), Ok(0), "three words");
    check_eq!(value(id, 0), Ok(1), "the three-word call ran");
    // semget and semctl too: a missing word is never read as zero (a semctl with one
    // word would otherwise be IPC_RMID of set 0).
    let ctl_word = u64::from(IPC_RMID as u32);
    let mut arg = 0u64.to_le_bytes();
    check_eq!(fs::call(fd, &mut arg, 0, &[SEM_CALL_CTL]), Err(Errno::EINVAL), "semctl with one word");
    check_eq!(fs::call(fd, &mut arg, 0, &[SEM_CALL_CTL, id as u32 as u64]), Err(Errno::EINVAL), "semctl, two");
    check_eq!(
        fs::call(fd, &mut arg, 0, &[SEM_CALL_CTL, id as u32 as u64, ctl_word, 0]),
        Err(Errno::EINVAL),
        "semctl, four"
    );
    check_eq!(value(id, 0), Ok(1), "the set is still there");
    check_eq!(fs::call(fd, &mut [], 0, &[SEM_CALL_GET, 0]), Err(Errno::EINVAL), "semget with two words");
    check_eq!(fs::call(fd, &mut [], 0, &[SEM_CALL_GET, 0, 1 << 32, 0]), Err(Errno::EINVAL), "semget, four");
    check_eq!(fs::call(fd, &mut [], 0, &[]), Err(Errno::EINVAL), "no words at all");
    let _ = fs::close(fd);
    let _ = semctl(id, 0, IPC_RMID, 0);
}

fn removed_and_interrupted() {
    println!("t_sem: IPC_RMID wakes a sleeper in another process with EIDRM");
    let Some(id) = new_set(1) else { return };
    if let Some(pid) = check_ok!(
        process::fork_run(move || if semop(id, &[op(0, -1, 0)]) == Err(Errno::EIDRM) { 0 } else { 1 }),
        "fork"
    ) {
        check!(eventually(|| semctl(id, 0, GETNCNT, 0) == Ok(1)), "the child sleeps");
        check_ok!(semctl(id, 0, IPC_RMID, 0), "IPC_RMID");
        exited_zero(pid, "EIDRM sleeper");
    }
    println!("t_sem: a signal interrupts a sleeping semop with EINTR");
    let Some(id) = new_set(1) else { return };
    extern "C" fn ignore_usr1(_: i32) {}
    let child = move || {
        if signal::set_handler(SIGUSR1, ignore_usr1).is_err() {
            return 2;
        }
        if semop(id, &[op(0, -1, 0)]) == Err(Errno::EINTR) { 0 } else { 1 }
    };
    if let Some(pid) = check_ok!(process::fork_run(child), "fork") {
        check!(eventually(|| semctl(id, 0, GETNCNT, 0) == Ok(1)), "the child sleeps");
        check_ok!(process::kill(pid, SIGUSR1), "kill SIGUSR1");
        exited_zero(pid, "EINTR sleeper");
        check_eq!(semctl(id, 0, GETNCNT, 0), Ok(0), "no sleeper is left counted");
    }
    let _ = semctl(id, 0, IPC_RMID, 0);
}

fn undo() {
    println!("t_sem: SEM_UNDO is applied when a child exits");
    let Some(id) = new_set(2) else { return };
    check_ok!(semctl(id, 0, SETVAL, 5), "SETVAL 5");
    if let Some(pid) = check_ok!(
        process::fork_run(move || i32::from(semop(id, &[op(0, 3, SEM_UNDO), op(0, -1, SEM_UNDO)]).is_err())),
        "fork"
    ) {
        exited_zero(pid, "undo child");
        check_eq!(value(id, 0), Ok(5), "the child's +3 -1 was undone");
    }
    println!("t_sem: SEM_UNDO is applied when a child sleeping in semop is SIGKILLed");
    let child = move || {
        if semop(id, &[op(0, 2, SEM_UNDO)]).is_err() {
            return 1;
        }
        let _ = semop(id, &[op(1, -1, 0)]);
        2
    };
    if let Some(pid) = check_ok!(process::fork_run(child), "fork") {
        check!(eventually(|| semctl(id, 1, GETNCNT, 0) == Ok(1)), "the child sleeps on sem 1");
        check_eq!(value(id, 0), Ok(7), "the child's +2 is visible");
        check_ok!(process::kill(pid, SIGKILL), "SIGKILL");
        let status = process::wait_for(pid);
        check_eq!(status.ok().and_then(Status::signaled), Some(SIGKILL), "killed child");
        check_eq!(value(id, 0), Ok(5), "the killed child's +2 was undone");
        check_eq!(semctl(id, 1, GETNCNT, 0), Ok(0), "the killed sleeper left the queue");
    }
    println!("t_sem: SETVAL clears the adjustments of every process");
    let child = move || {
        if semop(id, &[op(0, 4, SEM_UNDO), op(1, 1, 0)]).is_err() {
            return 1;
        }
        // Wait until the parent has done its SETVAL (it takes sem 1 back to 0 first).
        let _ = semop(id, &[op(1, 0, 0)]);
        0
    };
    if let Some(pid) = check_ok!(process::fork_run(child), "fork") {
        check_ok!(semop(id, &[op(1, -1, 0)]), "wait for the child's +4");
        check_ok!(semctl(id, 0, SETVAL, 1), "SETVAL 1");
        exited_zero(pid, "SETVAL child");
        check_eq!(value(id, 0), Ok(1), "no adjustment applied after SETVAL");
    }
    let _ = semctl(id, 0, IPC_RMID, 0);
}

fn permissions() {
    println!("t_sem: a child that dropped root gets EACCES on a 0600 set");
    let Some(id) = new_set(1) else { return };
    let child = move || {
        if cred::setresgid(1000, 1000, 1000).is_err() || cred::setresuid(1000, 1000, 1000).is_err() {
            return 2;
        }
        match (semop(id, &[op(0, 1, 0)]), value(id, 0)) {
            (Err(Errno::EACCES), Err(Errno::EACCES)) => 0,
            _ => 1,
        }
    };
    if let Some(pid) = check_ok!(process::fork_run(child), "fork") {
        exited_zero(pid, "unprivileged child");
    }
    let _ = semctl(id, 0, IPC_RMID, 0);
}

fn threads() {
    println!("t_sem: threads share the process's SEM_UNDO adjustments; a sleeper stops no sibling");
    let Some(id) = new_set(2) else { return };
    check_ok!(semctl(id, 0, SETVAL, 10), "SETVAL 10");
    let child = move || {
        // One thread sleeps on sem 1 for the whole test.
        let Ok(sleeper) = thread::spawn(move || semop(id, &[op(1, -1, 0)]).is_ok()) else { return 1 };
        // While it sleeps, two others adjust sem 0 with SEM_UNDO: +3 and -1.
        let adders: [_; 2] =
            [3i16, -1].map(|delta| thread::spawn(move || semop(id, &[op(0, delta, SEM_UNDO)]).is_ok()));
        let mut ok = true;
        for adder in adders {
            ok &= adder.is_ok_and(|a| a.join() == Ok(true));
        }
        // The threads that adjusted are gone; the adjustment is the process's: +2 still
        // in place, undone only when the process exits.
        if !ok || value(id, 0) != Ok(12) {
            return 2;
        }
        // Free the sleeper, which must have kept sleeping through all that.
        if semop(id, &[op(1, 1, 0)]).is_err() || sleeper.join() != Ok(true) {
            return 3;
        }
        0
    };
    if let Some(pid) = check_ok!(process::fork_run(child), "fork") {
        exited_zero(pid, "threaded child");
        check_eq!(value(id, 0), Ok(10), "the exit undid the +3 and -1 its threads made");
    }
    let _ = semctl(id, 0, IPC_RMID, 0);
}

fn main(_args: &[&str]) -> i32 {
    blocking_and_waking();
    timed_out();
    count_is_an_unsigned_int();
    calls_take_three_metadata_words();
    removed_and_interrupted();
    undo();
    permissions();
    threads();
    userspace::check::finish()
}
