//! `init`, process 1: runs the guest tests listed in the initfs manifest one after the
//! other, reports each, and ends the machine with the overall result.
//!
//! The manifest (`/scheme/initfs/tests`) names one program per line; blank lines and
//! `#` comments are skipped, and `NAME timeout=SECS` overrides the default time limit.
//! For each test init prints `PASS NAME (N ms)` or `FAIL NAME: REASON`, then closes
//! with the line `N passed, M failed` and shuts down (success when nothing failed).
//! While waiting it also reaps any orphan handed to it.
//!
//! If init has arguments (the kernel command line's words after `--`, as a GRUB menu
//! entry gives them: `-- stress_msg 16 3`), or else if the initfs holds a file named `run`
//! (written by `just run-c`), init runs that one program: the first argument (line)
//! names it, every further one is its argument. Its output goes straight to the console,
//! and init ends with the line `init: NAME ended with exit status N` (or `killed by
//! signal N`), which the host runner turns back into an exit status.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use userspace::abi::initfs::MANIFEST;
use userspace::process::{self, ANY_CHILD, Status, WNOHANG};
use userspace::signal::SIGKILL;
use userspace::{Errno, fs, println, rt, time};

userspace::entry!(main);

/// Time limit of a test without `timeout=`.
const DEFAULT_TIMEOUT_S: u64 = 60;
/// How often a running test is checked on.
const POLL_MS: u64 = 10;

/// One manifest entry.
struct Test<'a> {
    name: &'a str,
    timeout_s: u64,
}

/// Parses one manifest line: `None` for blank lines and comments.
fn parse_line(line: &str) -> Option<Result<Test<'_>, (&str, String)>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut words = line.split_whitespace();
    let name = words.next()?;
    let mut test = Test { name, timeout_s: DEFAULT_TIMEOUT_S };
    for option in words {
        match option.strip_prefix("timeout=").map(str::parse::<u64>) {
            Some(Ok(secs)) if secs > 0 => test.timeout_s = secs,
            _ => return Some(Err((name, format!("bad manifest option `{option}`")))),
        }
    }
    if name.contains('/') {
        return Some(Err((name, String::from("bad program name"))));
    }
    Some(Ok(test))
}

/// How a test ended.
enum Outcome {
    Ended(Status),
    TimedOut,
    Error(String),
}

/// Reaps every ended child without waiting.
fn reap_orphans() {
    while let Ok((pid, _)) = process::waitpid(ANY_CHILD, WNOHANG) {
        if pid == 0 {
            break;
        }
    }
}

/// Runs one test to its end or its time limit.
fn run(test: &Test<'_>, env: &[&str]) -> Outcome {
    let path = format!("/scheme/initfs/{}", test.name);
    let pid = match process::spawn(&path, &[test.name], env) {
        Ok(pid) => pid,
        Err(e) => return Outcome::Error(format!("cannot start {path}: {e}")),
    };
    let deadline = time::monotonic_ns().saturating_add(test.timeout_s.saturating_mul(1_000_000_000));
    loop {
        match process::waitpid(ANY_CHILD, WNOHANG) {
            Ok((0, _)) => {}
            Ok((ended, status)) if ended == pid => return Outcome::Ended(status),
            Ok(_) => continue, // an orphan: look again at once
            Err(Errno::EINTR) => continue,
            Err(e) => return Outcome::Error(format!("waitpid failed: {e}")),
        }
        if time::monotonic_ns() >= deadline {
            if let Err(e) = process::kill(pid, SIGKILL) {
                return Outcome::Error(format!("timed out after {} s and could not be killed: {e}", test.timeout_s));
            }
            let _ = process::wait_for(pid);
            return Outcome::TimedOut;
        }
        let _ = time::sleep_ms(POLL_MS);
    }
}

/// Reads a whole initfs file.
fn read_initfs(name: &str) -> Result<Vec<u8>, Errno> {
    let fd = fs::open(&format!("/scheme/initfs/{name}"), fs::O_RDONLY)?;
    let text = fs::read_to_end(fd);
    let _ = fs::close(fd);
    text
}

/// The single-program mode (`just run-c`, a menu entry's program): runs `args[0]` with
/// `args` as its arguments, without a time limit.
fn run_one(args: &[&str], env: &[&str]) -> ! {
    let name = args.first().copied().unwrap_or("");
    let path = format!("/scheme/initfs/{name}");
    let pid = match process::spawn(&path, args, env) {
        Ok(pid) => pid,
        Err(e) => {
            println!("init: cannot start {path}: {e}");
            fail_shutdown(process::shutdown(false));
        }
    };
    let status = loop {
        match process::waitpid(ANY_CHILD, 0) {
            Ok((ended, status)) if ended == pid => break status,
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(e) => {
                println!("init: waitpid failed: {e}");
                fail_shutdown(process::shutdown(false));
            }
        }
    };
    println!("init: {name} ended with {status}");
    fail_shutdown(process::shutdown(status.success()))
}

fn main(args: &[&str]) -> i32 {
    if args.len() > 1 {
        let env: Vec<&str> = rt::env().collect();
        run_one(&args[1..], &env);
    }
    if let Ok(spec) = read_initfs("run") {
        let env: Vec<&str> = rt::env().collect();
        let spec = core::str::from_utf8(&spec).unwrap_or("");
        let mut args: Vec<&str> = spec.lines().collect();
        if let Some(name) = args.first_mut() {
            *name = name.trim();
        }
        run_one(&args, &env);
    }
    let path = format!("/scheme/initfs/{MANIFEST}");
    let manifest = match read_initfs(MANIFEST) {
        Ok(bytes) => bytes,
        Err(e) => {
            println!("init: cannot read the test manifest {path}: {e}");
            println!("0 passed, 1 failed");
            fail_shutdown(process::shutdown(false));
        }
    };
    let Ok(manifest) = core::str::from_utf8(&manifest) else {
        println!("init: the test manifest {path} is not UTF-8");
        println!("0 passed, 1 failed");
        fail_shutdown(process::shutdown(false));
    };
    let env: Vec<&str> = rt::env().collect();
    let entries: Vec<_> = manifest.lines().filter_map(parse_line).collect();
    println!("init: running {} tests", entries.len());
    let (mut passed, mut failed) = (0usize, 0usize);
    for entry in &entries {
        let test = match entry {
            Ok(test) => test,
            Err((name, why)) => {
                println!("FAIL {name}: {why}");
                failed += 1;
                continue;
            }
        };
        let start = time::monotonic_ns();
        let outcome = run(test, &env);
        let ms = time::elapsed_ms(start);
        match outcome {
            Outcome::Ended(status) if status.success() => {
                println!("PASS {} ({ms} ms)", test.name);
                passed += 1;
            }
            Outcome::Ended(status) => {
                println!("FAIL {}: {status}", test.name);
                failed += 1;
            }
            Outcome::TimedOut => {
                println!("FAIL {}: timed out after {} s", test.name, test.timeout_s);
                failed += 1;
            }
            Outcome::Error(why) => {
                println!("FAIL {}: {why}", test.name);
                failed += 1;
            }
        }
        reap_orphans();
    }
    reap_orphans();
    println!("{passed} passed, {failed} failed");
    fail_shutdown(process::shutdown(failed == 0))
}

/// Reports a shutdown that returned (it only returns on failure).
fn fail_shutdown(error: Errno) -> ! {
    println!("init: shutdown failed: {error}");
    process::exit(1)
}
