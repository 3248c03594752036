//! Printing to standard output and error: [`print!`](crate::print),
//! [`println!`](crate::println), [`eprint!`](crate::eprint), [`eprintln!`](crate::eprintln).
//!
//! Each call formats into a buffer on the stack and writes it with as few `write`s as
//! fit, so a line up to [`LINE_BUFFER`] bytes reaches the console in one piece even when
//! several processes print at once. Nothing is buffered between calls (so nothing is
//! printed twice after a fork). Errors are ignored, as there is nowhere to report them.

use core::fmt::{self, Write};

use crate::fs;

/// Bytes formatted before a write.
pub const LINE_BUFFER: usize = 1024;

struct LineWriter {
    fd: usize,
    buf: [u8; LINE_BUFFER],
    len: usize,
}

impl LineWriter {
    fn flush(&mut self) {
        let _ = fs::write_all(self.fd, &self.buf[..self.len]);
        self.len = 0;
    }
}

impl Write for LineWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        while !bytes.is_empty() {
            if self.len == LINE_BUFFER {
                self.flush();
            }
            let n = bytes.len().min(LINE_BUFFER - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
        Ok(())
    }
}

/// Formats `args` (then a newline if `newline`) to descriptor `fd`.
pub fn print_to(fd: usize, args: fmt::Arguments<'_>, newline: bool) {
    let mut w = LineWriter { fd, buf: [0; LINE_BUFFER], len: 0 };
    let _ = w.write_fmt(args);
    if newline {
        let _ = w.write_str("\n");
    }
    w.flush();
}

/// Prints to standard output.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::io::print_to($crate::fs::STDOUT, format_args!($($arg)*), false) };
}

/// Prints a line to standard output.
#[macro_export]
macro_rules! println {
    () => { $crate::io::print_to($crate::fs::STDOUT, format_args!(""), true) };
    ($($arg:tt)*) => { $crate::io::print_to($crate::fs::STDOUT, format_args!($($arg)*), true) };
}

/// Prints to standard error.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::io::print_to($crate::fs::STDERR, format_args!($($arg)*), false) };
}

/// Prints a line to standard error.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::io::print_to($crate::fs::STDERR, format_args!(""), true) };
    ($($arg:tt)*) => { $crate::io::print_to($crate::fs::STDERR, format_args!($($arg)*), true) };
}
