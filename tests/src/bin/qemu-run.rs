//! `qemu-run [--firmware pvh|bios|uefi] [--append CMDLINE] [--initrd INITFS] [--timeout SECS] [--smp CPUS] [--cpu MODEL] [--program-status] [--icount] [--symbols ELF] [--gdb] [--machine pc|q35] [--no-debug-exit] IMAGE`
//!
//! Boots IMAGE (the kernel ELF for pvh, an ISO otherwise), streams the serial console,
//! and exits 0 when the kernel reports success, 1 on failure, 2 on any other end
//! (triple fault, QEMU error) and 3 on timeout. With `--program-status` (for `just
//! run-c`) it exits instead with the status of the single program init ran. With
//! `--icount` the guest clock counts executed instructions, one nanosecond each (as
//! `just bench --icount`), so a program's own timings read as instruction counts.
//!
//! A kernel exception or panic report is printed again with names (function+offset,
//! file:line, inlined callers) from the kernel ELF: IMAGE itself for pvh, `--symbols ELF`
//! for an ISO. With `--gdb` the machine waits at its first instruction for a debugger on
//! QEMU's gdb stub, port 1234 (`just gdb`). `--smp` gives the machine that many CPUs
//! (default 1), `--cpu` a QEMU CPU model (default QEMU's own, `qemu64`; `max` has every
//! feature the emulator knows).
//! `--machine q35` boots a PVH image on the
//! q35 chipset (ICH9) instead of the i440FX/PIIX4 one. `--no-debug-exit` leaves out the
//! `isa-debug-exit` device, as on a real machine: the kernel must end the run itself
//! (`--append end=poweroff` or `end=reboot`), and its `end of run (...)` line gives the
//! result.

use std::process::ExitCode;
use std::time::Duration;

use integration::{Boot, Ending, Firmware};

fn usage() -> ExitCode {
    eprintln!(
        "usage: qemu-run [--firmware pvh|bios|uefi] [--append CMDLINE] [--initrd INITFS] [--timeout SECS] [--smp CPUS] [--cpu MODEL] [--program-status] [--icount] [--symbols ELF] [--gdb] [--machine pc|q35] [--no-debug-exit] IMAGE"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut firmware = Firmware::Pvh;
    let mut append = String::new();
    let mut initrd = None;
    let mut program_status = false;
    let mut icount = false;
    let mut timeout = 120;
    let mut image = None;
    let mut symbols = None;
    let mut gdb = false;
    let mut cpus = 1;
    let mut cpu_model = None;
    let mut debug_exit = true;
    let mut machine = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--firmware" => {
                firmware = match args.next().as_deref() {
                    Some("pvh") => Firmware::Pvh,
                    Some("bios") => Firmware::Bios,
                    Some("uefi") => Firmware::Uefi,
                    _ => return usage(),
                }
            }
            "--append" => append = args.next().unwrap_or_default(),
            "--program-status" => program_status = true,
            "--icount" => icount = true,
            "--gdb" => gdb = true,
            "--no-debug-exit" => debug_exit = false,
            "--machine" => match args.next() {
                Some(name) if !name.is_empty() => machine = Some(name),
                _ => return usage(),
            },
            "--symbols" => match args.next() {
                Some(path) => symbols = Some(std::path::PathBuf::from(path)),
                None => return usage(),
            },
            "--initrd" => match args.next() {
                Some(path) if !path.is_empty() => initrd = Some(std::path::PathBuf::from(path)),
                Some(_) => {}
                None => return usage(),
            },
            "--smp" => match args.next().and_then(|s| s.parse().ok()).filter(|&n| (1..=255).contains(&n)) {
                Some(n) => cpus = n,
                None => return usage(),
            },
            "--cpu" => match args.next() {
                Some(model) => cpu_model = Some(model),
                None => return usage(),
            },
            "--timeout" => match args.next().and_then(|s| s.parse().ok()) {
                Some(secs) => timeout = secs,
                None => return usage(),
            },
            _ if image.is_none() && !arg.starts_with("--") => image = Some(arg),
            _ => return usage(),
        }
    }
    let Some(image) = image else { return usage() };
    let symbols = symbols.or_else(|| (firmware == Firmware::Pvh).then(|| std::path::PathBuf::from(&image)));
    let mut boot = Boot::new(image, firmware);
    boot.append = append;
    boot.initrd = initrd;
    boot.timeout = Duration::from_secs(timeout);
    boot.stream = true;
    boot.cpus = cpus;
    boot.cpu_model = cpu_model;
    boot.debug_exit = debug_exit;
    if icount {
        boot.qemu_args = integration::bench::ICOUNT_QEMU_ARGS.iter().map(|a| a.to_string()).collect();
    }
    if let Some(machine) = machine {
        boot.qemu_args.extend(["-machine".to_string(), machine]);
    }
    if gdb {
        boot.qemu_args.extend(["-s".to_string(), "-S".to_string()]);
    }
    match boot.run() {
        Ok(outcome) => {
            let what = match outcome.ending {
                Ending::Success => "kernel reported success".to_string(),
                Ending::Failure => "kernel reported FAILURE".to_string(),
                Ending::Other(0) => "machine reset (triple fault?) without reporting".to_string(),
                Ending::Other(code) => format!("QEMU exited with status {code} without a kernel report"),
                Ending::Killed => "QEMU was killed".to_string(),
                Ending::TimedOut => format!("TIMED OUT after {timeout} s"),
            };
            eprintln!("qemu-run: {what} ({:.2} s)", outcome.elapsed.as_secs_f64());
            if let Some(elf) = symbols.clone().filter(|_| outcome.serial.contains("!!! KERNEL ")) {
                match integration::symbolize::Symbolizer::new(&elf) {
                    Ok(names) => {
                        if let Some(report) = integration::symbolize::annotate(&outcome.serial, &names) {
                            eprint!("{report}");
                        }
                    }
                    Err(e) => eprintln!("qemu-run: no names for the report: {e}"),
                }
            }
            if let (Some(state), Some(elf)) = (&outcome.hang_state, &symbols) {
                match integration::symbolize::Symbolizer::new(elf) {
                    Ok(names) => eprint!("{}", integration::symbolize::hang_report(state, &names)),
                    Err(e) => eprintln!("qemu-run: no names for the hang report: {e}"),
                }
            }
            if program_status
                && matches!(outcome.ending, Ending::Success | Ending::Failure)
                && let Some(status) = integration::guest_program_status(&outcome.serial)
            {
                return ExitCode::from(status.clamp(0, 255) as u8);
            }
            ExitCode::from(outcome.ending.exit_status() as u8)
        }
        Err(e) => {
            eprintln!("qemu-run: {e}");
            ExitCode::from(2)
        }
    }
}
