//! The console logger behind the `log` macros: each line carries the monotonic time since
//! power-on and the level.

use log::{LevelFilter, Log, Metadata, Record};

use crate::arch::{clock, serial::Console};

struct ConsoleLogger;

static LOGGER: ConsoleLogger = ConsoleLogger;

impl Log for ConsoleLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ns = clock::monotonic_ns();
        Console::print(format_args!(
            "[{:5}.{:06}] {:<5} {}\n",
            ns / 1_000_000_000,
            ns % 1_000_000_000 / 1000,
            record.level(),
            record.args()
        ));
    }

    fn flush(&self) {}
}

/// Installs the logger at `level`.
pub fn init(level: LevelFilter) {
    // Fails only if a logger is already installed, which then stays in place.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}
