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
//! Where the local APIC timer is not in use (`timer=pit`), the legacy PIC path stays as
//! it was and the button is not armed.

use core::sync::atomic::{AtomicU32, Ordering};

use log::{info, warn};
use spin::Once;

use super::interrupts::SCI_VECTOR;
use super::{apic, ioapic, power};
use crate::acpi::fadt::Pm1Event;
use crate::acpi::routing::{self, Pin, Polarity, Route, Trigger};
use crate::acpi::{self, PM1_PWRBTN_EN, PM1_PWRBTN_STS, PM1_SCI_EN};

/// SCIs in a row that carry no status bit of ours before the line is masked: a level
/// SCI that nothing clears re-enters at once, so this many means it will never stop.
const UNCLAIMED_LIMIT: u32 = 1000;

/// What the handler needs: the PM1 event blocks and the pin to mask in a storm.
struct Armed {
    pm1a: Pm1Event,
    pm1b: Option<Pm1Event>,
    pin: Pin,
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
        Ok(route) => info!(
            "interrupts: {chips}{skipped}; SCI on GSI {} ({}, active {}) at vector {SCI_VECTOR}: power button armed",
            route.gsi,
            if route.trigger == Trigger::Level { "level" } else { "edge" },
            if route.polarity == Polarity::Low { "low" } else { "high" },
        ),
        Err(why) => info!("interrupts: {chips}{skipped}; power button not armed: {why}"),
    }
}

fn arm() -> Result<Route, &'static str> {
    let acpi = acpi::get().ok_or("no ACPI tables")?;
    let button = acpi.power_button()?;
    if !apic::timer_in_use() {
        return Err("the local APIC is not in use (the PIT is the tick)");
    }
    if !ioapic::present() {
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
    let overrides = acpi.madt.as_ref().map_or(&[][..], |m| &m.overrides[..]);
    let route = routing::sci_route(overrides, button.sci_interrupt);
    let pin = ioapic::route(&route, SCI_VECTOR, apic::id())?;
    ARMED.call_once(|| Armed { pm1a: button.pm1a_event, pm1b: button.pm1b_event, pin });
    Ok(route)
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
        apic::end_of_interrupt();
        info!("power button: ending the run");
        power::end_run_powering_off("power button");
    }
    if UNCLAIMED.fetch_add(1, Ordering::Relaxed) + 1 == UNCLAIMED_LIMIT {
        ioapic::mask(armed.pin);
        warn!(
            "SCI: {UNCLAIMED_LIMIT} in a row without a power button press (another ACPI event holds it): masked, power button disarmed"
        );
    }
    apic::end_of_interrupt();
}
