//! The ACPI system control interrupt (SCI) and the fixed-feature power button: a press
//! ends the run in ACPI S5, as a power button should.
//!
//! At boot ([`init`], after the local APIC is up and the I/O APICs are masked): unless
//! the platform is hardware-reduced, switch to ACPI mode if SCI_EN is clear (the SMI
//! command port, a bounded wait: `power::enter_acpi_mode`), clear PWRBTN_STS, enable the
//! power button and only it among the fixed events (the kernel handles no other, and an
//! enabled event nobody clears would hold a level-triggered SCI asserted), and route the
//! SCI through the I/O APIC to [`SCI_VECTOR`] on the boot CPU. Any step that fails (no
//! tables, garbled ones, no I/O APIC, the firmware refusing ACPI mode) leaves the button
//! unarmed, with the reason in the boot line.
//!
//! The handler ([`handle`], under the kernel lock like every interrupt) reads PM1
//! status (PM1a and PM1b together, as the fixed-feature bits may be split between the
//! two blocks). On PWRBTN_STS it clears that bit only (write 1 to clear), logs
//! `power button: ending the run` and powers off through `power::end_run_powering_off`,
//! which stops the other CPUs first as every end of run does. An SCI without our bit
//! (a general-purpose event the firmware enabled) is acknowledged and otherwise left
//! alone: its status is not ours to clear. If such SCIs keep coming without end, the
//! line is masked rather than let it hold the CPU.
//!
//! Where the PIT is the tick (`timer=pit`: the local APIC is not enabled, the PIC is in
//! use), the SCI goes through the PIC instead: `SCI_INT` is then the 8259 IRQ (ACPI 6.5,
//! 5.2.9), level-triggered in the ELCR, acknowledged at the PIC. With the local APIC as
//! the tick and no I/O APIC, the button is not armed.

use core::sync::atomic::{AtomicU32, Ordering};

use log::{info, warn};
use spin::Once;

use super::interrupts::{IRQ_BASE, SCI_VECTOR};
use super::{apic, ioapic, pic, power};
use crate::acpi::fadt::Pm1Event;
use crate::acpi::routing::{self, Pin, Polarity, Route, Trigger};
use crate::acpi::{self, PM1_PWRBTN_EN, PM1_PWRBTN_STS, PM1_SCI_EN};

/// SCIs that carry no status bit of ours before the line is masked (a press ends the
/// run, so every SCI counted came without one): a level SCI that nothing clears
/// re-enters at once, so this many means it will never stop.
const UNCLAIMED_LIMIT: u32 = 1000;

/// The line the SCI arrives on.
#[derive(Clone, Copy, Debug)]
enum Line {
    /// An I/O APIC pin, delivered as [`SCI_VECTOR`].
    IoApic(Route, Pin),
    /// A PIC IRQ, delivered as `IRQ_BASE + irq`.
    Pic(u8),
}

impl Line {
    fn end_of_interrupt(self) {
        match self {
            Line::IoApic(..) => apic::end_of_interrupt(),
            Line::Pic(irq) => pic::end_of_interrupt(irq),
        }
    }

    fn mask(self) {
        match self {
            Line::IoApic(_, pin) => ioapic::mask(pin),
            Line::Pic(irq) => pic::mask(irq),
        }
    }
}

/// What the handler needs: the PM1 event blocks and the line to acknowledge (or mask).
struct Armed {
    pm1a: Pm1Event,
    pm1b: Option<Pm1Event>,
    line: Line,
}

static ARMED: Once<Armed> = Once::new();
static UNCLAIMED: AtomicU32 = AtomicU32::new(0);

/// Masks every I/O APIC entry and arms the power button; logs one line saying what was
/// set up. Call once on the boot CPU, with interrupts disabled.
pub fn init() {
    let madt = acpi::get().and_then(|a| a.madt.as_ref().ok());
    let found = ioapic::init(madt.map(|m| &**m));
    let chips = match found.chips {
        0 => "no I/O APIC".into(),
        1 => alloc::format!("1 I/O APIC ({} entries masked)", found.masked),
        n => alloc::format!("{n} I/O APICs ({} entries masked)", found.masked),
    };
    let skipped = if found.skipped > 0 { alloc::format!(", {} unreachable", found.skipped) } else { "".into() };
    match arm() {
        Ok(Line::IoApic(route, _)) => info!(
            "interrupts: {chips}{skipped}; SCI on GSI {} ({}, active {}) at vector {SCI_VECTOR}: power button armed",
            route.gsi,
            if route.trigger == Trigger::Level { "level" } else { "edge" },
            if route.polarity == Polarity::Low { "low" } else { "high" },
        ),
        Ok(Line::Pic(irq)) => info!(
            "interrupts: {chips}{skipped}; SCI on PIC IRQ {irq} (level) at vector {}: power button armed",
            IRQ_BASE + irq
        ),
        Err(why) => info!("interrupts: {chips}{skipped}; power button not armed: {why}"),
    }
}

/// Whether PIC line `irq` is the SCI's (the PIT is the tick and the SCI was armed on it).
pub fn is_pic_line(irq: u8) -> bool {
    ARMED.get().is_some_and(|a| matches!(a.line, Line::Pic(sci) if sci == irq))
}

fn arm() -> Result<Line, &'static str> {
    let acpi = acpi::get().ok_or("no ACPI tables")?;
    let button = acpi.power_button()?;
    let on_pic = !apic::timer_in_use();
    if on_pic && !(3..16).contains(&button.sci_interrupt) {
        return Err("the SCI is not a PIC line other than the timer's and the cascade's");
    }
    if !on_pic && !ioapic::present() {
        return Err("no I/O APIC");
    }
    let control = power::read_register(&button.pm1a_control).ok_or("PM1a control is not a readable register")?;
    if acpi::needs_acpi_enable(control as u16, button.smi_command, button.acpi_enable)
        && !power::enter_acpi_mode(&button.pm1a_control, button.smi_command, button.acpi_enable)
    {
        return Err("the firmware did not enter ACPI mode");
    }
    let control = power::read_register(&button.pm1a_control).unwrap_or(0);
    if control as u16 & PM1_SCI_EN == 0 {
        return Err("not in ACPI mode (SCI_EN clear) and no way to enter it");
    }
    let blocks = [Some(button.pm1a_event), button.pm1b_event];
    for block in blocks.iter().flatten() {
        if !power::write_register(&block.status, u32::from(PM1_PWRBTN_STS))
            || !power::write_register(&block.enable, u32::from(PM1_PWRBTN_EN))
        {
            return Err("a PM1 event register is not writable");
        }
    }
    let line = if on_pic {
        let irq = button.sci_interrupt as u8;
        pic::unmask(irq, true);
        Line::Pic(irq)
    } else {
        let overrides = acpi.madt.as_ref().map_or(&[][..], |m| &m.overrides[..]);
        let route = routing::sci_route(overrides, button.sci_interrupt);
        Line::IoApic(route, ioapic::route(&route, SCI_VECTOR, apic::id())?)
    };
    ARMED.call_once(|| Armed { pm1a: button.pm1a_event, pm1b: button.pm1b_event, line });
    Ok(line)
}

/// PM1 status: PM1a's and PM1b's bits together.
fn status(armed: &Armed) -> u16 {
    [Some(armed.pm1a), armed.pm1b]
        .iter()
        .flatten()
        .filter_map(|b| power::read_register(&b.status))
        .fold(0, |s, v| s | v as u16)
}

/// The SCI's handler, under the kernel lock with interrupts disabled.
pub fn handle() {
    let Some(armed) = ARMED.get() else {
        apic::end_of_interrupt();
        return;
    };
    if status(armed) & PM1_PWRBTN_STS != 0 {
        for block in [Some(armed.pm1a), armed.pm1b].iter().flatten() {
            power::write_register(&block.status, u32::from(PM1_PWRBTN_STS));
        }
        armed.line.end_of_interrupt();
        info!("power button: ending the run");
        power::end_run_powering_off("power button");
    }
    if UNCLAIMED.fetch_add(1, Ordering::Relaxed) + 1 == UNCLAIMED_LIMIT {
        armed.line.mask();
        warn!(
            "SCI: {UNCLAIMED_LIMIT} without a power button press (another ACPI event holds it): masked, power button disarmed"
        );
    }
    armed.line.end_of_interrupt();
}
