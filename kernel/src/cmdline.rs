//! The kernel command line: space-separated `key=value` options.
//!
//! Known options:
//! - `log=error|warn|info|debug|trace`: console log level (default `info`).
//! - `test_fault=page|gp|divide|panic|hang`: a test-only fault injected after boot, so the
//!   exception report, the failure exit path and the host's report of a hung machine can
//!   be tested.
//! - `timer=apic|pit`: the tick's source: the local APIC timer (default) or, for comparison
//!   and for machines whose APIC timer misbehaves, the PIT through the legacy PIC.

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

/// The options the kernel understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelOptions {
    /// Console log level.
    pub log_level: LevelFilter,
    /// Fault to inject after boot, if any.
    pub test_fault: Option<TestFault>,
    /// The tick's source (`timer=apic`, the default, or `timer=pit`).
    pub tick: TickSource,
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
        Self { log_level: LevelFilter::Info, test_fault: None, tick: TickSource::Apic }
    }
}

/// A command line word the kernel did not understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownOption<'a>(pub &'a str);

impl KernelOptions {
    /// Parses `cmdline`, calling `unknown` for each word it does not understand.
    pub fn parse<'a>(cmdline: &'a str, mut unknown: impl FnMut(UnknownOption<'a>)) -> Self {
        let mut options = Self::default();
        for word in cmdline.split_ascii_whitespace() {
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
}
