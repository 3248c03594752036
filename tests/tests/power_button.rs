//! The ACPI power button: the kernel routes the SCI through the I/O APIC, and a press
//! (QEMU's monitor command `system_powerdown`) ends the run in ACPI S5, on the PIIX4
//! (`pc`) and ICH9 (`q35`) chipsets, on one CPU and on two, and through the PIC when the
//! PIT is the tick. The machines have no exit device, so QEMU ends only if the kernel
//! powers it off.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use integration::{Boot, Ending, Firmware, kernel_elf};

const ARMED: &str = "power button armed";
const TIMEOUT: Duration = Duration::from_secs(60);

/// `init` and `t_helper`, whose `sleep MS` keeps the machine waiting and `spin` keeps a
/// CPU in user mode.
fn initfs() -> PathBuf {
    static IMAGE: OnceLock<PathBuf> = OnceLock::new();
    IMAGE.get_or_init(|| integration::initfs::small_image("power-button", &["t_helper"], None)).clone()
}

/// Boots `machine` with `cpus` CPUs running `t_helper ARGS`, presses the power button
/// once the kernel says it is armed, and returns how the run ended.
fn press_power_button(machine: &str, cpus: u32, helper: &str) -> integration::Outcome {
    let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
    boot.append = format!("-- t_helper {helper}");
    boot.initrd = Some(initfs());
    boot.debug_exit = false;
    boot.cpus = cpus;
    boot.timeout = TIMEOUT;
    boot.qemu_args = vec!["-machine".into(), machine.into()];
    boot.command_after_line = Some((ARMED.into(), "system_powerdown".into()));
    boot.run().expect("QEMU runs")
}

fn assert_powered_off_by_the_button(out: &integration::Outcome, what: &str) {
    let s = &out.serial;
    assert!(s.contains("interrupts: 1 I/O APIC (24 entries masked); SCI on GSI 9"), "{what}: the boot line:\n{s}");
    assert!(s.contains(ARMED), "{what}:\n{s}");
    assert!(s.contains("INFO  power button: ending the run"), "{what}: the press was taken:\n{s}");
    assert!(s.contains("kestrel: end of run (power button): powering off (ACPI S5"), "{what}:\n{s}");
    assert!(!s.contains("power-off failed"), "{what}:\n{s}");
    assert!(!s.contains("init: t_helper ended"), "{what}: the button ended the run, not the program:\n{s}");
    // QEMU exited by itself with status 0 (S5): not through an exit device (there is
    // none), not killed at the time limit.
    assert_eq!(out.ending, Ending::Other(0), "{what}:\n{s}");
    assert!(out.elapsed < TIMEOUT, "{what}: {:?}", out.elapsed);
}

#[test]
fn the_power_button_powers_off_an_idle_pc() {
    let out = press_power_button("pc", 1, "sleep 60000");
    assert_powered_off_by_the_button(&out, "pc, 1 CPU");
    assert!(out.serial.contains("(level, active high)"), "QEMU's override of IRQ 9:\n{}", out.serial);
}

#[test]
fn the_power_button_powers_off_a_q35_with_two_cpus() {
    let out = press_power_button("q35", 2, "sleep 60000");
    assert_powered_off_by_the_button(&out, "q35, 2 CPUs");
    assert!(out.serial.contains("CPUs: 2 running"), "{}", out.serial);
}

#[test]
fn the_power_button_interrupts_user_code_that_never_enters_the_kernel() {
    for (machine, cpus) in [("pc", 2), ("q35", 1)] {
        let out = press_power_button(machine, cpus, "spin");
        assert_powered_off_by_the_button(&out, &format!("{machine}, {cpus} CPUs, spinning"));
    }
}

#[test]
fn with_the_pit_as_the_tick_the_sci_comes_through_the_pic() {
    for machine in ["pc", "q35"] {
        let mut boot = Boot::new(kernel_elf(), Firmware::Pvh);
        boot.append = "timer=pit -- t_helper spin".into();
        boot.initrd = Some(initfs());
        boot.debug_exit = false;
        boot.timeout = TIMEOUT;
        boot.qemu_args = vec!["-machine".into(), machine.into()];
        boot.command_after_line = Some((ARMED.into(), "system_powerdown".into()));
        let out = boot.run().expect("QEMU runs");
        let s = &out.serial;
        assert!(s.contains("timer: PIT at 1000 Hz"), "{machine}:\n{s}");
        assert!(s.contains("24 entries masked); SCI on PIC IRQ 9 (level) at vector 41: power button armed"), "{s}");
        assert!(s.contains("INFO  power button: ending the run"), "{machine}:\n{s}");
        assert!(s.contains("kestrel: end of run (power button): powering off (ACPI S5"), "{machine}:\n{s}");
        assert_eq!(out.ending, Ending::Other(0), "{machine}:\n{s}");
    }
}
