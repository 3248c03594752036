//! Boots the kernel under QEMU for the host-side tests and for `just qemu`: builds the
//! kernel and the ISO on demand, runs QEMU with a time limit, captures (and optionally
//! streams) the serial console, and decodes how the machine ended.
//!
//! The kernel ends a run through QEMU's `isa-debug-exit` device: status 33 is success,
//! 35 failure. Anything else (0 after a triple fault under `-no-reboot`, a QEMU error,
//! the time limit) is reported as such, never as success. A machine booted without that
//! device ([`Boot::debug_exit`] false, as a real machine is) ends with `end=poweroff` or
//! `end=reboot`, QEMU exits 0, and the result is the kernel's last
//! `end of run (success)` or `end of run (failure)` line.

pub mod bench;
pub mod cpio;
pub mod initfs;
pub mod monitor;
pub mod screen;
pub mod symbolize;

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// QEMU's exit status when the kernel reports success.
pub const QEMU_SUCCESS: i32 = 33;
/// QEMU's exit status when the kernel reports failure.
pub const QEMU_FAILURE: i32 = 35;

const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/// How the kernel is handed to the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firmware {
    /// `-kernel` with the PVH entry: fastest, no firmware menu.
    Pvh,
    /// The GRUB ISO under SeaBIOS (the BIOS path of bare hardware).
    Bios,
    /// The GRUB ISO under OVMF on a q35 machine (the UEFI path).
    Uefi,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The kernel reported success.
    Success,
    /// The kernel reported failure.
    Failure,
    /// QEMU exited with another status (a triple fault gives 0).
    Other(i32),
    /// QEMU was killed by a signal.
    Killed,
    /// The time limit passed and QEMU was killed.
    TimedOut,
}

impl Ending {
    /// The process exit status the runner uses for this ending.
    pub fn exit_status(self) -> i32 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Other(_) | Self::Killed => 2,
            Self::TimedOut => 3,
        }
    }
}

/// A finished run.
#[derive(Debug)]
pub struct Outcome {
    /// How it ended.
    pub ending: Ending,
    /// Everything the serial console printed.
    pub serial: String,
    /// Wall-clock time from QEMU start to exit.
    pub elapsed: Duration,
    /// When each line of `serial` arrived, from QEMU start: the i-th entry is the i-th
    /// item of `serial.lines()`.
    pub line_times: Vec<Duration>,
    /// On a timeout: what QEMU's monitor said of the CPU before the machine was killed
    /// (`info registers` samples and the words at the stack pointer), for a hang report.
    pub hang_state: Option<String>,
    /// What the monitor answered to [`Boot::command_after_line`]'s command and to a
    /// [`Screenshot`]'s `monitor_commands`, in that order.
    pub monitor_answers: Vec<String>,
}

impl Outcome {
    /// When the first serial line for which `pred` holds arrived, from QEMU start.
    pub fn first_line_time(&self, mut pred: impl FnMut(&str) -> bool) -> Option<Duration> {
        self.serial.lines().zip(&self.line_times).find(|(line, _)| pred(line)).map(|(_, t)| *t)
    }
}

/// One boot of the kernel.
#[derive(Clone, Debug)]
pub struct Boot {
    /// The kernel ELF (Pvh) or the ISO (Bios, Uefi).
    pub image: PathBuf,
    /// How to boot it.
    pub firmware: Firmware,
    /// Kernel command line (Pvh only; an ISO carries its own).
    pub append: String,
    /// The initfs image handed over as a boot module (Pvh only; an ISO carries its own).
    pub initrd: Option<PathBuf>,
    /// Time limit.
    pub timeout: Duration,
    /// Guest memory in MiB.
    pub memory_mib: u32,
    /// Copy the serial console to stdout while running.
    pub stream: bool,
    /// The machine's CPU count (QEMU `-smp`).
    pub cpus: u32,
    /// QEMU's CPU model (`-cpu`), or its default.
    pub cpu_model: Option<String>,
    /// Further QEMU arguments, after the others (e.g. `-icount ...`).
    pub qemu_args: Vec<String>,
    /// Give the machine QEMU's `isa-debug-exit` device (true unless a test plays a real
    /// machine, which has none).
    pub debug_exit: bool,
    /// Take a screenshot instead of letting the kernel end the machine (see
    /// [`Screenshot`]).
    pub screenshot: Option<Screenshot>,
    /// A QEMU monitor command sent once, as soon as a serial line contains the first
    /// string (`system_powerdown` once the kernel says its power button is armed: a
    /// press of the machine's power button). Its answer is in
    /// [`Outcome::monitor_answers`].
    pub command_after_line: Option<(String, String)>,
}

/// A screenshot at the end of a run: the machine has no exit device (the kernel's exit
/// leaves it halted) and stops instead of powering off (`-no-shutdown`); once a serial
/// line contains `after_line` and then the CPU is halted for good (the monitor's `info
/// registers` says `HLT=1`; there is no idle halt after the kernel's last line) or
/// `settle` has passed, QEMU's monitor writes the screen to `path` as a PPM
/// (`screendump`) and QEMU is told to quit. Such a run ends with [`Ending::Other`]`(0)`:
/// the kernel's verdict is on the serial console only.
#[derive(Clone, Debug)]
pub struct Screenshot {
    /// The serial line (a part of it) after which the screen is taken.
    pub after_line: String,
    /// Where the PPM goes.
    pub path: PathBuf,
    /// The longest wait after the line for the CPU to halt.
    pub settle: Duration,
    /// Monitor commands sent after the screendump (`xp /2000hx 0xb8000` reads VGA text
    /// cells); their answers are [`Outcome::monitor_answers`].
    pub monitor_commands: Vec<String>,
}

impl Boot {
    /// A boot of `image` with `firmware`, 512 MiB, 60 s, quiet.
    pub fn new(image: impl Into<PathBuf>, firmware: Firmware) -> Self {
        Self {
            image: image.into(),
            firmware,
            append: String::new(),
            initrd: None,
            timeout: Duration::from_secs(60),
            memory_mib: 512,
            stream: false,
            cpus: 1,
            cpu_model: None,
            qemu_args: Vec::new(),
            debug_exit: true,
            screenshot: None,
            command_after_line: None,
        }
    }

    /// The QEMU command line for this boot (without the writable OVMF variables copy).
    fn command(&self, vars: Option<&Path>, monitor: &Path) -> Command {
        let mut cmd = Command::new("qemu-system-x86_64");
        cmd.args(["-display", "none", "-serial", "stdio", "-no-reboot"]);
        // The monitor on a socket of its own, for a look at a hung machine (`hang_state`).
        cmd.arg("-monitor").arg(format!("unix:{},server=on,wait=off", monitor.display()));
        if self.screenshot.is_some() {
            // A display device to take the picture of (QEMU's standard VGA, the default
            // made explicit), and a machine that outlives the kernel's exit.
            cmd.args(["-vga", "std", "-no-shutdown"]);
        } else if self.debug_exit {
            cmd.args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
        }
        cmd.args(["-accel", "tcg"]);
        cmd.args(["-m", &self.memory_mib.to_string(), "-smp", &self.cpus.to_string()]);
        if let Some(model) = &self.cpu_model {
            cmd.args(["-cpu", model]);
        }
        match self.firmware {
            Firmware::Pvh => {
                cmd.arg("-kernel").arg(&self.image);
                if !self.append.is_empty() {
                    cmd.args(["-append", &self.append]);
                }
                if let Some(initrd) = &self.initrd {
                    cmd.arg("-initrd").arg(initrd);
                }
            }
            Firmware::Bios => {
                cmd.arg("-cdrom").arg(&self.image);
            }
            Firmware::Uefi => {
                cmd.args(["-machine", "q35"]);
                cmd.arg("-drive").arg(format!("if=pflash,format=raw,readonly=on,file={OVMF_CODE}"));
                if let Some(vars) = vars {
                    cmd.arg("-drive").arg(format!("if=pflash,format=raw,file={}", vars.display()));
                }
                cmd.arg("-cdrom").arg(&self.image);
            }
        }
        cmd.args(&self.qemu_args);
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        cmd
    }

    /// Boots and waits for the end (or the time limit).
    pub fn run(&self) -> io::Result<Outcome> {
        let vars = match self.firmware {
            Firmware::Uefi => Some(ovmf_vars_copy()?),
            _ => None,
        };
        let start = Instant::now();
        let monitor_socket = monitor::socket_path();
        let mut child =
            self.command(vars.as_ref().map(|v| v.path.as_path()), &monitor_socket).spawn().map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound {
                    io::Error::new(
                        e.kind(),
                        "qemu-system-x86_64 not found: run ./x setup (or apt-get install qemu-system-x86)",
                    )
                } else {
                    e
                }
            })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stream = self.stream;
        let (tx, rx) = mpsc::channel();
        let screenshot_line = self.screenshot.as_ref().map(|s| s.after_line.clone().into_bytes());
        let command_line = self.command_after_line.as_ref().map(|(line, _)| line.clone().into_bytes());
        let (command_tx, command_rx) = mpsc::channel();
        let reader = thread::spawn(move || {
            let mut serial = Vec::new();
            let mut line_times = Vec::new();
            let mut reader = BufReader::new(stdout);
            let mut line = Vec::new();
            while let Ok(n) = reader.read_until(b'\n', &mut line) {
                if n == 0 {
                    break;
                }
                if stream {
                    let mut out = io::stdout().lock();
                    let _ = out.write_all(&line);
                    let _ = out.flush();
                }
                line_times.push(start.elapsed());
                serial.extend_from_slice(&line);
                if screenshot_line.as_ref().is_some_and(|want| line.windows(want.len()).any(|w| w == want)) {
                    let _ = tx.send(true);
                }
                if command_line.as_ref().is_some_and(|want| line.windows(want.len()).any(|w| w == want)) {
                    let _ = command_tx.send(());
                }
                line.clear();
            }
            let _ = tx.send(false);
            (serial, line_times)
        });
        let deadline = start + self.timeout;
        let mut hang_state = None;
        let mut screenshot_due = None;
        let mut monitor_answers = Vec::new();
        let ending = loop {
            if let Some(status) = child.try_wait()? {
                break match status.code() {
                    Some(QEMU_SUCCESS) => Ending::Success,
                    Some(QEMU_FAILURE) => Ending::Failure,
                    Some(code) => Ending::Other(code),
                    None => Ending::Killed,
                };
            }
            if Instant::now() >= deadline {
                hang_state = monitor::hang_state(&monitor_socket);
                let _ = child.kill();
                let _ = child.wait();
                break Ending::TimedOut;
            }
            if command_rx.try_recv().is_ok()
                && let Some((_, command)) = &self.command_after_line
            {
                monitor_answers.push(monitor::command(&monitor_socket, command).unwrap_or_default());
            }
            if let Some(due) = screenshot_due
                && (Instant::now() >= due || monitor::halted(&monitor_socket))
                && let Some(shot) = &self.screenshot
            {
                screenshot_due = None;
                monitor::screendump(&monitor_socket, &shot.path);
                for command in &shot.monitor_commands {
                    monitor_answers.push(monitor::command(&monitor_socket, command).unwrap_or_default());
                }
                monitor::command(&monitor_socket, "quit");
            }
            if let Ok(true) = rx.recv_timeout(Duration::from_millis(20))
                && let Some(shot) = &self.screenshot
            {
                screenshot_due.get_or_insert(Instant::now() + shot.settle);
            }
        };
        let (serial, line_times) = reader.join().unwrap_or_default();
        let _ = std::fs::remove_file(&monitor_socket);
        let serial = String::from_utf8_lossy(&serial).into_owned();
        let ending = match ending {
            // Powered off or reset: the kernel said how the run ended just before.
            Ending::Other(0) if !self.debug_exit && self.screenshot.is_none() => {
                reported_ending(&serial).unwrap_or(ending)
            }
            other => other,
        };
        Ok(Outcome { ending, serial, elapsed: start.elapsed(), line_times, hang_state, monitor_answers })
    }
}

/// The result the kernel printed before powering off or resetting a machine without the
/// exit device: its last `end of run (success)` or `end of run (failure)` line.
pub fn reported_ending(serial: &str) -> Option<Ending> {
    serial.lines().rev().find_map(|line| {
        if line.contains("kestrel: end of run (success)") {
            Some(Ending::Success)
        } else if line.contains("kestrel: end of run (failure)") {
            Some(Ending::Failure)
        } else {
            None
        }
    })
}

/// A temporary writable copy of the OVMF variable store, removed on drop.
struct TempFile {
    path: PathBuf,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn ovmf_vars_copy() -> io::Result<TempFile> {
    if !Path::new(OVMF_CODE).exists() || !Path::new(OVMF_VARS).exists() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{OVMF_CODE} not found: run ./x setup (or apt-get install ovmf)"),
        ));
    }
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("kestrel-ovmf-vars-{}-{n}.fd", std::process::id()));
    std::fs::copy(OVMF_VARS, &path)?;
    Ok(TempFile { path })
}

/// The exit status of the single program `init` ran (`just run-c`), from its closing
/// line `init: NAME ended with exit status N` or `... killed by signal N` (128 + N, as
/// shells report it).
pub fn guest_program_status(serial: &str) -> Option<i32> {
    let line = serial.lines().rev().find(|l| l.starts_with("init: ") && l.contains(" ended with "))?;
    let (_, what) = line.split_once(" ended with ")?;
    if let Some(code) = what.strip_prefix("exit status ") {
        code.trim().parse().ok()
    } else {
        what.strip_prefix("killed by signal ")?.trim().parse::<i32>().ok().map(|s| 128 + s)
    }
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

fn run_checked(cmd: &mut Command, what: &str) -> PathBuf {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    if !out.status.success() {
        panic!("{what} failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    PathBuf::from(String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().trim())
}

/// The kernel ELF: `$KESTREL_KERNEL` if set (the justfile builds it first), else built
/// once per test process with `cargo build -p kernel --release`.
pub fn kernel_elf() -> PathBuf {
    static KERNEL: OnceLock<PathBuf> = OnceLock::new();
    KERNEL
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("KESTREL_KERNEL") {
                return PathBuf::from(path);
            }
            let root = workspace_root();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-q", "-p", "kernel", "--release"])
                .current_dir(&root)
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building the kernel failed");
            root.join("target/release/kernel")
        })
        .clone()
}

/// A GRUB ISO of the kernel with `cmdline`, built with `scripts/mkiso` into `target/`.
pub fn kernel_iso(name: &str, cmdline: &str) -> PathBuf {
    let root = workspace_root();
    let out = root.join("target/iso").join(format!("{name}.iso"));
    let mut cmd = Command::new(root.join("scripts/mkiso"));
    cmd.arg(kernel_elf()).arg(&out);
    cmd.args(cmdline.split_whitespace());
    run_checked(&mut cmd, "scripts/mkiso")
}

/// The kernel ELF built without optimizations, with debug assertions: the lock-order
/// checks of `context::lock_order` and the rules' internal assertions are live in it.
/// `KESTREL_DEBUG_KERNEL` names a prebuilt one; otherwise it is built here.
pub fn debug_kernel_elf() -> PathBuf {
    static KERNEL: OnceLock<PathBuf> = OnceLock::new();
    KERNEL
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("KESTREL_DEBUG_KERNEL") {
                return PathBuf::from(path);
            }
            let root = workspace_root();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-q", "-p", "kernel"])
                .current_dir(&root)
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building the debug kernel failed");
            root.join("target/debug/kernel")
        })
        .clone()
}
