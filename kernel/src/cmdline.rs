//! The kernel command line: space-separated `key=value` options.
//!
//! Known options:
//! - `log=error|warn|info|debug|trace`: console log level (default `info`).
//! - `test_fault=page|gp|divide|panic|hang`: a test-only fault injected after boot, so the
//!   exception report, the failure exit path and the host's report of a hung machine can
//!   be tested.
//! - `timer=apic|pit`: the tick's source: the local APIC timer (default) or, for comparison
//!   and for machines whose APIC timer misbehaves, the PIT through the legacy PIC.
//! - `end=exit|poweroff|reboot|halt`: how a run ends (default `exit`, QEMU's
//!   `isa-debug-exit` port, which carries the result to the host; the others are for
//!   machines without it: ACPI soft-off, a reset, or a halted CPU).
//! - `--`: the words after it are not the kernel's; they go to `init` as its arguments.

use log::LevelFilter;

/// A fault the kernel raises on purpose after boot, for testing the report path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFault {
    /// Write to an unmapped address: a page fault.
    Page,
    /// Load a non-canonical address: a general protection fault.
    GeneralProtection,
    /// Divide by zero.
    Divide,
    /// A Rust panic.
    Panic,
    /// A loop with interrupts off that never ends (the host's timeout and hang report).
    Hang,
}

/// How the kernel ends a run (the guest suite's end, a shutdown request, a fatal error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndAction {
    /// Write the result to QEMU's `isa-debug-exit` port (then halt, if there is none).
    DebugExit,
    /// ACPI soft-off (S5).
    PowerOff,
    /// Reset the machine.
    Reboot,
    /// Stop the CPU and leave the console on screen.
    Halt,
}

/// The options the kernel understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelOptions {
    /// Console log level.
    pub log_level: LevelFilter,
    /// Fault to inject after boot, if any.
    pub test_fault: Option<TestFault>,
    /// The tick's source (`timer=apic`, the default, or `timer=pit`).
    pub tick: TickSource,
    /// How a run ends.
    pub end: EndAction,
}

/// What interrupts the CPU for the scheduler's tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TickSource {
    /// The local APIC's periodic timer (the PIT only calibrates the clock).
    #[default]
    Apic,
    /// The PIT's channel 0 through the legacy PIC.
    Pit,
}

impl Default for KernelOptions {
    fn default() -> Self {
        Self { log_level: LevelFilter::Info, test_fault: None, tick: TickSource::Apic, end: EndAction::DebugExit }
    }
}

/// The words after `--` on the command line: `init`'s arguments.
pub fn init_arguments(cmdline: &str) -> impl Iterator<Item = &str> {
    cmdline.split_ascii_whitespace().skip_while(|&w| w != "--").skip(1)
}

/// A command line word the kernel did not understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownOption<'a>(pub &'a str);

impl KernelOptions {
    /// Parses `cmdline`, calling `unknown` for each word it does not understand.
    pub fn parse<'a>(cmdline: &'a str, mut unknown: impl FnMut(UnknownOption<'a>)) -> Self {
        let mut options = Self::default();
        for word in cmdline.split_ascii_whitespace().take_while(|&w| w != "--") {
            let (key, value) = word.split_once('=').unwrap_or((word, ""));
            match (key, value) {
                ("log", level) => match level.parse() {
                    Ok(level) => options.log_level = level,
                    Err(_) => unknown(UnknownOption(word)),
                },
                ("timer", "apic") => options.tick = TickSource::Apic,
                ("timer", "pit") => options.tick = TickSource::Pit,
                ("test_fault", "page") => options.test_fault = Some(TestFault::Page),
                ("test_fault", "gp") => options.test_fault = Some(TestFault::GeneralProtection),
                ("test_fault", "divide") => options.test_fault = Some(TestFault::Divide),
                ("test_fault", "panic") => options.test_fault = Some(TestFault::Panic),
                ("test_fault", "hang") => options.test_fault = Some(TestFault::Hang),
                ("end", "exit") => options.end = EndAction::DebugExit,
                ("end", "poweroff") => options.end = EndAction::PowerOff,
                ("end", "reboot") => options.end = EndAction::Reboot,
                ("end", "halt") => options.end = EndAction::Halt,
                _ => unknown(UnknownOption(word)),
            }
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_known_options() {
        let mut bad = Vec::new();
        let o = KernelOptions::parse("", |u| bad.push(u));
        assert_eq!(o, KernelOptions::default());
        let o = KernelOptions::parse("  log=debug   test_fault=page ", |u| bad.push(u));
        assert_eq!(o.log_level, LevelFilter::Debug);
        assert_eq!(o.test_fault, Some(TestFault::Page));
        assert_eq!(o.tick, TickSource::Apic);
        let o = KernelOptions::parse("timer=pit", |u| bad.push(u));
        assert_eq!(o.tick, TickSource::Pit);
        assert!(bad.is_empty());
        KernelOptions::parse("timer=hpet", |u| bad.push(u));
        assert_eq!(bad, [UnknownOption("timer=hpet")]);
    }

    #[test]
    fn unknown_words_are_reported_and_ignored() {
        let mut bad = Vec::new();
        let o = KernelOptions::parse("quiet log=loud test_fault=gp test_fault=boom", |u| bad.push(u));
        assert_eq!(bad, [UnknownOption("quiet"), UnknownOption("log=loud"), UnknownOption("test_fault=boom")]);
        assert_eq!(o.log_level, LevelFilter::Info);
        assert_eq!(o.test_fault, Some(TestFault::GeneralProtection));
    }

    #[test]
    fn end_action_and_init_arguments() {
        let mut bad = Vec::new();
        assert_eq!(KernelOptions::parse("", |u| bad.push(u)).end, EndAction::DebugExit);
        for (word, end) in [
            ("end=exit", EndAction::DebugExit),
            ("end=poweroff", EndAction::PowerOff),
            ("end=reboot", EndAction::Reboot),
            ("end=halt", EndAction::Halt),
        ] {
            assert_eq!(KernelOptions::parse(word, |u| bad.push(u)).end, end);
        }
        assert!(bad.is_empty());
        let line = "end=poweroff log=warn -- stress_msg 16 end=halt 3";
        let o = KernelOptions::parse(line, |u| bad.push(u));
        assert_eq!((o.end, o.log_level), (EndAction::PowerOff, LevelFilter::Warn));
        assert!(bad.is_empty(), "the words after -- are init's: {bad:?}");
        assert_eq!(init_arguments(line).collect::<Vec<_>>(), ["stress_msg", "16", "end=halt", "3"]);
        assert_eq!(init_arguments("log=debug").count(), 0);
        assert_eq!(init_arguments("log=debug --").count(), 0);
        KernelOptions::parse("end=off", |u| bad.push(u));
        assert_eq!(bad, [UnknownOption("end=off")]);
    }
}
