//! `t_proc`: process life cycle: fork and exit statuses, spawn with arguments and
//! environment, exec, waitpid (WNOHANG, ECHILD), process ids, kill with SIGTERM, and
//! threads sharing memory, joined through their clear-tid futex.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use userspace::abi::proc::{PROC_GETPID, PROC_GETPPID, PROC_GETTID};
use userspace::abi::syscall::SYS_GETPID;
use userspace::process::{self, ANY_CHILD, WNOHANG};
use userspace::signal::{SIGSEGV, SIGTERM};
use userspace::syscall::syscall3;
use userspace::{Errno, check, check_eq, check_err, check_ok, println, thread, time};

userspace::entry!(main);

const HELPER: &str = "/scheme/initfs/t_helper";

fn fork_and_exit_status() {
    println!("t_proc: fork, exit 7, waitpid sees WIFEXITED with WEXITSTATUS 7");
    let Some(pid) = check_ok!(process::fork_run(|| 7), "fork") else { return };
    check!(pid > 0, "fork returned pid {pid} in the parent");
    if let Some((got, status)) = check_ok!(process::waitpid(pid as isize, 0), "waitpid") {
        check_eq!(got, pid, "waitpid's pid");
        check_eq!(status.exited(), Some(7), "status of a child that exited with 7");
        check_eq!(status.signaled(), None, "an exited child is not signaled");
    }
    println!("t_proc: exit statuses 0 and 255 survive the round trip");
    for code in [0, 255] {
        if let Some(pid) = check_ok!(process::fork_run(move || code), "fork") {
            let status = process::wait_for(pid);
            check_eq!(status.map(|s| s.exited()), Ok(Some(code as u8)), "status of exit({code})");
        }
    }
}

fn ids() {
    println!("t_proc: getpid and getppid agree across fork");
    let me = process::getpid();
    check!(me > 1, "getpid {me} (init is 1)");
    check!(process::getppid() >= 1, "getppid");
    let Some(pid) = check_ok!(
        process::fork_run(move || {
            let ok = process::getppid() == me && process::getpid() != me && process::getpid() > 1;
            if ok { 0 } else { 1 }
        }),
        "fork"
    ) else {
        return;
    };
    check!(pid != me, "child pid {pid} differs from ours");
    check_eq!(process::wait_for(pid).map(|s| s.exited()), Ok(Some(0)), "child saw getppid == parent's getpid");
    check_eq!(process::gettid() > 0, true, "gettid");
    println!("t_proc: the direct identity calls agree with the proc handle's queries");
    check_eq!(process::proc_call(&[PROC_GETPID], &mut []), Ok(process::getpid()), "SYS_GETPID == PROC_GETPID");
    check_eq!(process::proc_call(&[PROC_GETPPID], &mut []), Ok(process::getppid()), "SYS_GETPPID == PROC_GETPPID");
    check_eq!(process::proc_call(&[PROC_GETTID], &mut []), Ok(process::gettid()), "SYS_GETTID == PROC_GETTID");
    // SAFETY: the identity calls take no arguments; the extra ones are ignored.
    let with_args = unsafe { syscall3(SYS_GETPID, 1, 2, 3) };
    check_eq!(with_args, Ok(process::getpid()), "SYS_GETPID ignores argument registers");
}

fn spawn_with_args() {
    println!("t_proc: spawn t_helper with arguments and environment");
    let args = ["t_helper", "argcheck", "alpha", "beta gamma"];
    if let Some(pid) = check_ok!(process::spawn(HELPER, &args, &["KESTREL_TEST=spawn"]), "spawn t_helper") {
        check_eq!(process::wait_for(pid).map(|s| s.exited()), Ok(Some(0)), "t_helper saw its arguments");
    }
    if let Some(pid) = check_ok!(process::spawn(HELPER, &["t_helper", "exit", "23"], &[]), "spawn exit 23") {
        check_eq!(process::wait_for(pid).map(|s| s.exited()), Ok(Some(23)), "spawned child's exit status");
    }
    if let Some(pid) = check_ok!(process::spawn(HELPER, &["t_helper", "segv"], &[]), "spawn segv") {
        check_eq!(process::wait_for(pid).map(|s| s.signaled()), Ok(Some(SIGSEGV)), "spawned child's fault");
    }
    check_err!(process::spawn("/scheme/initfs/no_such_program", &["x"], &[]), Errno::ENOENT, "spawn of a missing file");
}

fn exec_replaces_image() {
    println!("t_proc: fork then exec t_helper exit 42");
    if let Some(pid) =
        check_ok!(process::fork_run(|| { process::exec(HELPER, &["t_helper", "exit", "42"], &[]).0 + 100 }), "fork")
    {
        check_eq!(process::wait_for(pid).map(|s| s.exited()), Ok(Some(42)), "status of the exec'd program");
    }
    println!("t_proc: exec of a missing program fails with ENOENT and the caller goes on");
    if let Some(pid) = check_ok!(
        process::fork_run(|| {
            let e = process::exec("/scheme/initfs/no_such_program", &["x"], &[]);
            if e == Errno::ENOENT { 0 } else { 1 }
        }),
        "fork"
    ) {
        check_eq!(process::wait_for(pid).map(|s| s.exited()), Ok(Some(0)), "failed exec returned ENOENT");
    }
}

fn waitpid_rules() {
    println!("t_proc: waitpid WNOHANG returns 0 while the child runs");
    if let Some(pid) = check_ok!(process::spawn(HELPER, &["t_helper", "sleep", "300"], &[]), "spawn sleep") {
        let early = process::waitpid(pid as isize, WNOHANG);
        check_eq!(early.map(|(p, _)| p), Ok(0), "WNOHANG on a running child");
        check_eq!(process::wait_for(pid).map(|s| s.exited()), Ok(Some(0)), "the sleeper's status");
    }
    println!("t_proc: waitpid with no children gives ECHILD");
    check_err!(process::waitpid(ANY_CHILD, 0), Errno::ECHILD, "waitpid(-1) without children");
    check_err!(process::waitpid(ANY_CHILD, WNOHANG), Errno::ECHILD, "waitpid(-1, WNOHANG) without children");
    check_err!(process::waitpid(1, 0), Errno::ECHILD, "waitpid of a process that is not our child");
}

fn kill_with_sigterm() {
    println!("t_proc: SIGTERM kills a child: WIFSIGNALED, WTERMSIG 15");
    let Some(pid) = check_ok!(process::spawn(HELPER, &["t_helper", "sleep", "10000"], &[]), "spawn") else { return };
    let start = time::monotonic_ns();
    check_ok!(process::kill(pid, 0), "kill(pid, 0) on a live child");
    check_ok!(process::kill(pid, SIGTERM), "kill SIGTERM");
    if let Some(status) = check_ok!(process::wait_for(pid), "waitpid") {
        check_eq!(status.signaled(), Some(SIGTERM), "termination signal");
        check_eq!(status.exited(), None, "a signaled child did not exit");
    }
    check!(time::elapsed_ms(start) < 5_000, "the sleeping child died promptly");
}

fn threads() {
    println!("t_proc: two threads increment a shared counter and are joined");
    const ROUNDS: u64 = 100_000;
    let counter = Arc::new(AtomicU64::new(0));
    let main_tid = process::gettid();
    let pid = process::getpid();
    let mut handles = alloc::vec::Vec::new();
    for _ in 0..2 {
        let counter = counter.clone();
        let spawned = thread::spawn(move || {
            for _ in 0..ROUNDS {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            (process::gettid(), process::getpid())
        });
        if let Some(handle) = check_ok!(spawned, "thread spawn") {
            handles.push(handle);
        }
    }
    let mut tids = alloc::vec::Vec::new();
    for handle in handles {
        let tid = handle.tid();
        if let Some((seen_tid, seen_pid)) = check_ok!(handle.join(), "join") {
            check_eq!(seen_tid, tid, "the thread's gettid matches thread_create's result");
            check_eq!(seen_pid, pid, "a thread shares its process's pid");
            check!(seen_tid != main_tid, "thread tid {seen_tid} differs from the main thread's");
            tids.push(seen_tid);
        }
    }
    check_eq!(counter.load(Ordering::Relaxed), 2 * ROUNDS, "the shared counter after both joins");
    if let [a, b] = tids[..] {
        check!(a != b, "the two threads have distinct tids");
    }
}

fn main(_args: &[&str]) -> i32 {
    fork_and_exit_status();
    ids();
    spawn_with_args();
    exec_replaces_image();
    waitpid_rules();
    kill_with_sigterm();
    threads();
    userspace::check::finish()
}
