//! The serial console (COM1), shared by the logger, the fatal-error reports and the
//! `debug:` scheme. Everything written to it is also drawn on the screen (`screen`).
//!
//! Lock order: `CONSOLE`, then the screen's lock under it; nothing else is taken while
//! either is held. The fatal paths steal `CONSOLE` with [`Console::emergency`] because the
//! fault may have happened while it was held.

use core::fmt::{self, Write};

use super::screen::{self, ScreenGuard};
use spin::Mutex;
use uart_16550::backend::PioBackend;
use uart_16550::{Config, Uart16550Tty};

const COM1: u16 = 0x3f8;

/// The UART. Lock order: first; the screen's lock may be taken under it, nothing else.
static CONSOLE: Mutex<Option<Uart16550Tty<PioBackend>>> = Mutex::new(None);

/// Initialises COM1; a machine without a working UART simply gets no console.
pub fn init() -> bool {
    // SAFETY: 0x3f8..0x400 is COM1's register block on PCs, and only this module uses it.
    let uart = unsafe { Uart16550Tty::new_port(COM1, Config::default()) };
    let ok = uart.is_ok();
    *CONSOLE.lock() = uart.ok();
    ok
}

/// Text to the serial port and the screen alike.
struct Tee<'a> {
    uart: Option<&'a mut Uart16550Tty<PioBackend>>,
    screen: Option<&'a mut ScreenGuard>,
}

impl Write for Tee<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(uart) = self.uart.as_mut() {
            let _ = uart.write_str(s);
        }
        if let Some(screen) = self.screen.as_mut() {
            screen.grid().write_str(s);
        }
        Ok(())
    }
}

/// Writer to the console.
pub struct Console;

impl Console {
    /// Writes formatted text under the console lock.
    pub fn print(args: fmt::Arguments<'_>) {
        Self::print_to(args, screen::lock);
    }

    fn print_to(args: fmt::Arguments<'_>, screen: fn() -> Option<ScreenGuard>) {
        let mut uart = CONSOLE.lock();
        // Dropped first: the screen is drawn while the console lock is still held.
        let mut screen = screen();
        let _ = Tee { uart: uart.as_mut(), screen: screen.as_mut() }.write_fmt(args);
    }

    /// Writes raw bytes (user output); each invalid UTF-8 sequence becomes U+FFFD.
    pub fn write_bytes(bytes: &[u8]) {
        let mut uart = CONSOLE.lock();
        let mut screen = screen::lock();
        let mut tee = Tee { uart: uart.as_mut(), screen: screen.as_mut() };
        for chunk in bytes.utf8_chunks() {
            let _ = tee.write_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                let _ = tee.write_str("\u{fffd}");
            }
        }
    }

    /// Writes formatted text even if the lock is held: for fatal reports only, after
    /// which the kernel never returns to the interrupted holder.
    pub fn emergency(args: fmt::Arguments<'_>) {
        if CONSOLE.is_locked() {
            // SAFETY: called only on the way to ending the run, by the CPU that holds the
            // kernel lock (an exception and a panic take it before their report, and the
            // end of a run comes from kernel code); other CPUs print only under that
            // lock, so the holder is this CPU's interrupted context, which never runs
            // again, and breaking its lock is sound.
            unsafe { CONSOLE.force_unlock() };
        }
        Self::print_to(args, screen::lock_for_fatal_report);
    }
}

/// Prints to the serial console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::arch::serial::Console::print(format_args!($($arg)*)) };
}

/// Prints a line to the serial console.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::arch::serial::Console::print(format_args!("{}\n", format_args!($($arg)*))) };
}
