//! `t_helper`: a child for the other tests, whose behaviour its arguments choose.
//!
//! - `exit N`: exit with status N.
//! - `sleep MS`: sleep MS milliseconds, then exit 0 (3 if the sleep failed).
//! - `spin`: loop forever without a system call.
//! - `segv`: write to address 0.
//! - `echo-args`: print the arguments and environment, exit 0.
//! - `argcheck A B`: exit 0 if the arguments are exactly `t_helper argcheck A B` and the
//!   environment holds `KESTREL_TEST=spawn`, else 3.
//! - `fd-open N`: exit 0 if descriptor N is open (`fcntl(N, F_GETFD)` succeeds), 1 if it
//!   is not (`EBADF`), 3 on any other error.
//! - `fs-base-zero`: exit 0 if the thread's FS base is 0 (as exec leaves it), else 1.

#![no_std]
#![no_main]

use userspace::{Errno, fs, println, process, rt, time};

userspace::entry!(main);

fn main(args: &[&str]) -> i32 {
    match args.get(1..).unwrap_or(&[]) {
        ["exit", n] => n.parse().unwrap_or(2),
        ["sleep", ms] => match ms.parse() {
            Ok(ms) => {
                if time::sleep_ms(ms).is_ok() {
                    0
                } else {
                    3
                }
            }
            Err(_) => 2,
        },
        ["fs-base-zero"] => match process::fs_base() {
            Ok(0) => 0,
            Ok(_) => 1,
            Err(_) => 3,
        },
        ["spin"] => loop {
            core::hint::spin_loop();
        },
        ["segv"] => {
            // SAFETY: deliberately faults: address 0 is never mapped, so the write raises
            // SIGSEGV before anything is written.
            unsafe { core::ptr::write_volatile(core::ptr::null_mut::<u64>(), 1) };
            4
        }
        ["echo-args", ..] => {
            for (i, arg) in args.iter().enumerate() {
                println!("t_helper: argv[{i}] = {arg:?}");
            }
            for var in rt::env() {
                println!("t_helper: env {var:?}");
            }
            println!("t_helper: pid {} ppid {}", process::getpid(), process::getppid());
            0
        }
        ["argcheck", a, b] => {
            let args_ok = args.len() == 4 && args[0] == "t_helper";
            let env_ok = rt::getenv("KESTREL_TEST") == Some("spawn");
            if args_ok && env_ok && rt::arg_count() == 4 && *a == "alpha" && *b == "beta gamma" {
                0
            } else {
                println!("t_helper: unexpected arguments {args:?} or environment");
                3
            }
        }
        ["fd-open", n] => match n.parse() {
            Ok(fd) => match fs::fcntl(fd, fs::F_GETFD, 0) {
                Ok(_) => 0,
                Err(Errno::EBADF) => 1,
                Err(e) => {
                    println!("t_helper: fcntl({fd}, F_GETFD): {e:?}");
                    3
                }
            },
            Err(_) => 2,
        },
        _ => {
            println!("t_helper: unknown command {args:?}");
            2
        }
    }
}
