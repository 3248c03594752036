//! The screen console: the GRUB ISO boots with QEMU's standard VGA, runs a few guest
//! programs, and at the end the screen is taken through QEMU's monitor (`screendump`).
//! The picture is read back exactly, glyph by glyph (`integration::screen`): the closing
//! `N passed, M failed` line must be on it, every row on it must be a piece of the serial
//! log (the screen shows the log's tail), and the serial log must still be complete.
//! Under PVH (`-kernel`) the kernel writes VGA text, read from the text buffer through the
//! monitor; a panic report reaches it too.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use integration::monitor::Ppm;
use integration::screen::{screen_text, vga_text};
use integration::{Boot, Firmware, Screenshot, workspace_root};

/// Guest programs that print a few dozen lines between them (`t_upperfd` runs `t_helper`).
const PROGRAMS: [&str; 3] = ["t_efault", "t_upperfd", "t_robust"];

/// An initfs of `init` and [`PROGRAMS`].
fn initfs(name: &str) -> PathBuf {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "-q", "-p", "userspace", "--release", "--bin", "init", "--bin", "t_helper"]);
    for program in PROGRAMS {
        build.args(["--bin", program]);
    }
    assert!(build.current_dir(&root).status().expect("cargo runs").success(), "building the guest programs");
    let bin = root.join("target/release");
    let mut files = vec![bin.join("init"), bin.join("t_helper")];
    files.extend(PROGRAMS.iter().map(|p| bin.join(p)));
    let rootfs = integration::initfs::root_files().expect("reading userspace/rootfs");
    let image = integration::initfs::image_from_parts(&files, &rootfs, Some(PROGRAMS.join("\n").into_bytes()))
        .expect("packing the initfs");
    let initfs = root.join(format!("target/iso/{name}.img"));
    std::fs::create_dir_all(initfs.parent().unwrap()).unwrap();
    std::fs::write(&initfs, image).unwrap();
    initfs
}

/// An ISO of the kernel with `init` and [`PROGRAMS`].
fn iso(name: &str) -> PathBuf {
    let root = workspace_root();
    let out = root.join(format!("target/iso/{name}.iso"));
    let status = Command::new(root.join("scripts/mkiso"))
        .arg("--initfs")
        .arg(initfs(name))
        .arg(integration::kernel_elf())
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("mkiso runs");
    assert!(status.success());
    out
}

fn boot_and_read_the_screen(firmware: Firmware, name: &str) {
    let shot = std::env::temp_dir().join(format!("kestrel-{name}-{}.ppm", std::process::id()));
    let mut boot = Boot::new(iso(name), firmware);
    boot.timeout = Duration::from_secs(240);
    boot.screenshot = Some(Screenshot {
        after_line: "shutdown requested by pid 1".into(),
        path: shot.clone(),
        settle: Duration::from_secs(10),
        monitor_commands: Vec::new(),
    });
    let out = boot.run().expect("QEMU runs");
    let serial = &out.serial;
    let picture = std::fs::read(&shot).ok().and_then(|bytes| Ppm::parse(&bytes));
    let _ = std::fs::remove_file(&shot);
    let picture = picture.unwrap_or_else(|| panic!("no screenshot ({:?}); serial:\n{serial}", out.ending));

    // The serial log is complete: every program passed, the summary, the shutdown.
    for program in PROGRAMS {
        assert!(serial.contains(&format!("PASS {program} (")), "{program} did not pass:\n{serial}");
    }
    let summary = format!("{} passed, 0 failed", PROGRAMS.len());
    assert!(serial.lines().any(|l| l == summary), "no summary line:\n{serial}");
    assert!(serial.contains("INFO  shutdown requested by pid 1: Success"), "{serial}");
    assert!(serial.contains("bits per pixel, "), "the kernel found no framebuffer:\n{serial}");

    // The screen shows the summary, and nothing that is not in the serial log.
    let screen = screen_text(&picture);
    let shown = screen.join("\n");
    assert!(screen.contains(&summary), "the summary is not on the screen:\n{shown}\nserial:\n{serial}");
    for row in screen.iter().filter(|row| !row.is_empty()) {
        assert!(serial.contains(row.as_str()), "a screen row is not in the serial log: {row:?}\nscreen:\n{shown}");
    }
    let shutdown = screen.iter().position(|row| row.contains("INFO  shutdown requested by pid 1: Success"));
    let summary_row = screen.iter().position(|row| *row == summary);
    assert!(shutdown > summary_row, "the log's last line comes after the summary:\n{shown}");
}

#[test]
fn screen_shows_the_summary_under_seabios() {
    boot_and_read_the_screen(Firmware::Bios, "screen-bios");
}

#[test]
fn screen_shows_the_summary_under_ovmf() {
    boot_and_read_the_screen(Firmware::Uefi, "screen-uefi");
}

/// Boots the kernel ELF through PVH with `initfs` and `append`; once a serial line holds
/// `after_line`, reads the VGA text buffer through the monitor. Returns the serial log and
/// the screen's rows.
fn boot_pvh_and_read_vga_text(initfs: Option<PathBuf>, append: &str, after_line: &str) -> (String, Vec<String>) {
    let shot = std::env::temp_dir().join(format!("kestrel-screen-pvh-{}-{append}.ppm", std::process::id()));
    let mut boot = Boot::new(integration::kernel_elf(), Firmware::Pvh);
    boot.initrd = initfs;
    boot.append = append.into();
    boot.timeout = Duration::from_secs(120);
    boot.screenshot = Some(Screenshot {
        after_line: after_line.into(),
        path: shot.clone(),
        settle: Duration::from_secs(10),
        monitor_commands: vec!["xp /2000hx 0xb8000".into()],
    });
    let out = boot.run().expect("QEMU runs");
    let _ = std::fs::remove_file(&shot);
    assert!(out.serial.contains("INFO  screen: VGA text, 80x25"), "{}", out.serial);
    let screen = vga_text(out.monitor_answers.first().map_or("", String::as_str), 80);
    assert_eq!(screen.len(), 25, "the text buffer was not read: {:?}\nserial:\n{}", out.monitor_answers, out.serial);
    (out.serial, screen)
}

#[test]
fn vga_text_shows_the_log_under_pvh() {
    let (serial, screen) = boot_pvh_and_read_vga_text(Some(initfs("screen-pvh")), "", "shutdown requested by pid 1");
    let shown = screen.join("\n");
    let summary = format!("{} passed, 0 failed", PROGRAMS.len());
    assert!(serial.lines().any(|l| l == summary), "no summary line:\n{serial}");
    assert!(screen.contains(&summary), "the summary is not on the screen:\n{shown}\nserial:\n{serial}");
    for row in screen.iter().filter(|row| !row.is_empty()) {
        assert!(serial.contains(row.as_str()), "a screen row is not in the serial log: {row:?}\nscreen:\n{shown}");
    }
}

#[test]
fn a_panic_report_reaches_the_screen() {
    let (serial, screen) = boot_pvh_and_read_vga_text(None, "test_fault=panic", "!!! KERNEL PANIC");
    let shown = screen.join("\n");
    assert!(serial.contains("!!! KERNEL PANIC: test panic requested on the command line"), "{serial}");
    assert!(
        screen.iter().any(|row| row == "!!! KERNEL PANIC: test panic requested on the command line"),
        "the panic report is not on the screen:\n{shown}\nserial:\n{serial}"
    );
}
