//! Assertions for the guest tests: a failed [`check!`](crate::check) prints
//! `FAIL file:line message` and is counted, and the test goes on, so one run reports
//! every failure. A test returns [`status`] from `main`: 0 if nothing failed, else 1.
//!
//! The count is per process: a forked child reports through its exit status.

use core::fmt;
use core::sync::atomic::{AtomicUsize, Ordering};

static FAILURES: AtomicUsize = AtomicUsize::new(0);

/// Records and prints a failure (used by the macros).
pub fn fail(file: &str, line: u32, message: fmt::Arguments<'_>) {
    FAILURES.fetch_add(1, Ordering::Relaxed);
    crate::println!("FAIL {file}:{line} {message}");
}

/// Failed checks so far in this process.
pub fn failures() -> usize {
    FAILURES.load(Ordering::Relaxed)
}

/// The exit status for the checks so far: 0 if all passed, 1 otherwise.
pub fn status() -> i32 {
    i32::from(failures() != 0)
}

/// Prints `NAME: N checks failed` or `NAME: all checks passed` and returns [`status`].
pub fn finish() -> i32 {
    match failures() {
        0 => crate::println!("{}: all checks passed", crate::rt::program_name()),
        n => crate::println!("{}: {n} checks failed", crate::rt::program_name()),
    }
    status()
}

/// `check!(cond, "message {}", args)`: records a failure if `cond` is false; evaluates to
/// `cond`.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {{
        let ok: bool = $cond;
        if !ok {
            $crate::check::fail(file!(), line!(), format_args!($($msg)+));
        }
        ok
    }};
}

/// `check_eq!(left, right, "message")`: records a failure, with both values, unless they
/// are equal; evaluates to whether they were.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr, $($msg:tt)+) => {{
        let (left, right) = (&$left, &$right);
        let ok = *left == *right;
        if !ok {
            $crate::check::fail(
                file!(),
                line!(),
                format_args!("{}: got {:?}, expected {:?}", format_args!($($msg)+), left, right),
            );
        }
        ok
    }};
}

/// `check_ok!(result, "message")`: records a failure, with the error, if `result` is an
/// `Err`; evaluates to the `Ok` value as an `Option`.
#[macro_export]
macro_rules! check_ok {
    ($result:expr, $($msg:tt)+) => {{
        match $result {
            Ok(value) => Some(value),
            Err(error) => {
                $crate::check::fail(file!(), line!(), format_args!("{}: error {:?}", format_args!($($msg)+), error));
                None
            }
        }
    }};
}

/// `check_err!(result, Errno::X, "message")`: records a failure unless `result` is
/// `Err(Errno::X)`; evaluates to whether it was.
#[macro_export]
macro_rules! check_err {
    ($result:expr, $errno:expr, $($msg:tt)+) => {{
        let expected: $crate::Errno = $errno;
        match $result {
            Err(error) if error == expected => true,
            Err(error) => {
                $crate::check::fail(
                    file!(),
                    line!(),
                    format_args!("{}: got error {:?}, expected {:?}", format_args!($($msg)+), error, expected),
                );
                false
            }
            Ok(value) => {
                $crate::check::fail(
                    file!(),
                    line!(),
                    format_args!("{}: got Ok({:?}), expected {:?}", format_args!($($msg)+), value, expected),
                );
                false
            }
        }
    }};
}
