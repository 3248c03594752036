//! `t_many`: 50 processes alive at once, all reaped with the right statuses; then 50
//! that exit at once, reaped by pid in reverse order.
//!
//! The children of the first round wait for SIGUSR1 (whose handler they inherit) in
//! short sleeps, so the parent can check that none has ended before releasing them. No
//! heap is used, so each child is as small as the runtime allows.

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicBool, Ordering};

use userspace::process::{self, ANY_CHILD, WNOHANG};
use userspace::signal::{self, SIGUSR1};
use userspace::{Errno, check, check_eq, check_err, check_ok, println, time};

userspace::entry!(main);

const CHILDREN: usize = 50;
/// A released child's exit status is `BASE + its index`.
const BASE: i32 = 100;

static RELEASED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_release(_signo: i32) {
    RELEASED.store(true, Ordering::SeqCst);
}

/// Waits (at most 60 s) for SIGUSR1, then exits with `BASE + index`.
fn child(index: usize) -> i32 {
    let start = time::monotonic_ns();
    while !RELEASED.load(Ordering::SeqCst) {
        if time::elapsed_ms(start) > 60_000 {
            return 1;
        }
        let _ = time::sleep_ms(50);
    }
    BASE + index as i32
}

fn all_alive_at_once() {
    println!("t_many: {CHILDREN} children alive at once, released by SIGUSR1, reaped with waitpid(-1)");
    check_ok!(signal::set_handler(SIGUSR1, on_release), "sigaction SIGUSR1");
    let mut pids = [0usize; CHILDREN];
    let mut forked = 0;
    for (i, slot) in pids.iter_mut().enumerate() {
        match process::fork_run(move || child(i)) {
            Ok(pid) => {
                *slot = pid;
                forked += 1;
            }
            Err(e) => {
                check!(false, "fork of child {i}: error {e:?}");
                break;
            }
        }
    }
    check_eq!(forked, CHILDREN, "children forked");
    check_eq!(process::waitpid(ANY_CHILD, WNOHANG).map(|(p, _)| p), Ok(0), "no child ended before release");
    for &pid in &pids[..forked] {
        check_ok!(process::kill(pid, 0), "kill(pid {pid}, 0): the child exists");
    }
    for &pid in &pids[..forked] {
        check_ok!(process::kill(pid, SIGUSR1), "kill(pid {pid}, SIGUSR1)");
    }
    let mut seen = [false; CHILDREN];
    for _ in 0..forked {
        let (pid, status) = match process::waitpid(ANY_CHILD, 0) {
            Ok(got) => got,
            Err(Errno::EINTR) => continue,
            Err(e) => {
                check!(false, "waitpid(-1): error {e:?}");
                break;
            }
        };
        match pids[..forked].iter().position(|&p| p == pid) {
            Some(i) => {
                check!(!seen[i], "pid {pid} reaped twice");
                seen[i] = true;
                check_eq!(status.exited(), Some((BASE + i as i32) as u8), "status of child {i} (pid {pid})");
            }
            None => {
                check!(false, "waitpid returned pid {pid}, not one of ours");
            }
        }
    }
    check_eq!(seen[..forked].iter().filter(|&&s| s).count(), forked, "children reaped");
    check_err!(process::waitpid(ANY_CHILD, WNOHANG), Errno::ECHILD, "no child left after reaping");
    check_ok!(signal::set_default(SIGUSR1), "restore SIGUSR1");
}

fn reaped_by_pid() {
    println!("t_many: {CHILDREN} children exit at once and are reaped by pid, newest first");
    let mut pids = [0usize; CHILDREN];
    let mut forked = 0;
    for (i, slot) in pids.iter_mut().enumerate() {
        match process::fork_run(move || i as i32) {
            Ok(pid) => {
                *slot = pid;
                forked += 1;
            }
            Err(e) => {
                check!(false, "fork of child {i}: error {e:?}");
                break;
            }
        }
    }
    for i in (0..forked).rev() {
        match process::waitpid(pids[i] as isize, 0) {
            Ok((pid, status)) => {
                check_eq!(pid, pids[i], "waitpid(pid) returns that pid");
                check_eq!(status.exited(), Some(i as u8), "status of child {i}");
            }
            Err(e) => {
                check!(false, "waitpid({}): error {e:?}", pids[i]);
            }
        }
    }
    check_err!(process::waitpid(ANY_CHILD, WNOHANG), Errno::ECHILD, "no child left");
}

fn main(_args: &[&str]) -> i32 {
    all_alive_at_once();
    reaped_by_pid();
    userspace::check::finish()
}
