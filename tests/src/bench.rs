//! `just bench`: the one C benchmark (`bench/ipcbench.c` and its row files, [`SOURCES`]),
//! run on kestrel and on Linux booted in the same QEMU configuration (the options of
//! [`Boot`]: software emulation, 512 MiB, the default CPU model, one CPU).
//!
//! - Linux: Debian's kernel (`apt-get download` of the package `linux-image-amd64`
//!   depends on, cached as `target/bench/linux/vmlinuz-*`), and an initramfs with the
//!   static glibc build of the benchmark as `/init` and the node `/dev/console`. The
//!   argument reaches `/init` from the kernel command line after `--`. When `/init`
//!   exits the kernel panics, `panic=-1` reboots at once and `-no-reboot` ends QEMU.
//! - kestrel: the benchmark built with the sysroot's `kestrel-cc`, packed with `init`
//!   and a `run` file (as `scripts/run-guest` does), so init runs it as the only program.
//!
//! The benchmark prints `# ipcbench start`, `# rows: NAME...`, then `NAME VALUE ns` (time
//! per operation), `NAME VALUE MB/s` (a throughput row) or `NAME FAIL CALL errno=N` per
//! row, and `# ipcbench done`.
//!
//! With [`Clock::Icount`] both kernels run under `-icount shift=0,align=off,sleep=off`:
//! the guest clock advances one nanosecond per executed instruction, so every figure is a
//! count of guest instructions, the same from run to run (see [`Clock`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{Boot, Ending, Firmware, Outcome, cpio, initfs, workspace_root};

/// The first line the benchmark prints.
pub const START: &str = "# ipcbench start";
/// The last line the benchmark prints.
pub const DONE: &str = "# ipcbench done";
/// The comment line that lists the rows.
pub const ROWS: &str = "# rows:";
/// The kestrel build's name in the initfs (also its file name under `target/bench/`).
pub const KESTREL_PROGRAM: &str = "ipcbench.kestrel";
/// Overrides the Debian kernel: a bzImage to boot as the Linux side.
pub const LINUX_KERNEL_ENV: &str = "KESTREL_BENCH_LINUX_KERNEL";

/// The QEMU arguments of [`Clock::Icount`]: one guest nanosecond per instruction
/// (`shift=0`), no pacing against the host (`align=off`), and a halted CPU jumps the
/// clock to its next timer deadline (`sleep=off`). The RTC starts at a fixed date and
/// follows the guest clock: Linux seeds its random numbers (kernel and user address
/// layout, hash tables) partly from the RTC, and with a host-dependent date its
/// instruction counts differ from boot to boot.
pub const ICOUNT_QEMU_ARGS: [&str; 4] =
    ["-icount", "shift=0,align=off,sleep=off", "-rtc", "base=2026-01-01T00:00:00,clock=vm"];

/// Linux's extra command line words under [`Clock::Icount`]: no kernel or user address
/// randomisation (kestrel has none), so that the figures do not depend on the layout one
/// random seed gives (fork_wait moved by 4 % between seeds with it).
pub const ICOUNT_LINUX_APPEND: &str = "nokaslr norandmaps";

/// What the guest clock measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// QEMU's default: the guest clock follows the host's, so figures are wall time under
    /// software emulation (and vary with the host's load).
    Wall,
    /// `-icount shift=0` ([`ICOUNT_QEMU_ARGS`]): one guest nanosecond per executed
    /// instruction, so "ns per operation" is instructions per operation and "MB/s" is MB
    /// per 10^9 instructions; deterministic.
    ///
    /// With `sleep=off` the clock does not run while the CPU is halted but jumps to the next
    /// timer deadline, so idle waits still end as long as a timer is armed: kestrel's PIT
    /// tick, Linux's clockevents (both boot and exit under it; checked with QEMU 7.2).
    Icount,
}

impl Clock {
    /// QEMU arguments added to every boot.
    pub fn qemu_args(self) -> Vec<String> {
        match self {
            Clock::Wall => Vec::new(),
            Clock::Icount => ICOUNT_QEMU_ARGS.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Words added to Linux's command line.
    pub fn linux_append(self) -> &'static str {
        match self {
            Clock::Wall => "",
            Clock::Icount => ICOUNT_LINUX_APPEND,
        }
    }
}

/// What a row's figure measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Time per operation (`ns`): lower is better.
    NsPerOp,
    /// Throughput (`MB/s`, 10^6 bytes per second): higher is better.
    MBps,
}

impl Unit {
    /// The unit a row printed, if it is one of these.
    pub fn parse(unit: &str) -> Option<Unit> {
        match unit {
            "ns" => Some(Unit::NsPerOp),
            "MB/s" => Some(Unit::MBps),
            _ => None,
        }
    }

    /// The unit's name in the table.
    pub fn label(self, clock: Clock) -> &'static str {
        match (self, clock) {
            (Unit::NsPerOp, Clock::Wall) => "ns/op",
            (Unit::MBps, Clock::Wall) => "MB/s",
            (Unit::NsPerOp, Clock::Icount) => "instr/op",
            (Unit::MBps, Clock::Icount) => "MB/Ginstr",
        }
    }

    /// kestrel's cost divided by Linux's: for a time per operation kestrel's over
    /// Linux's, for a throughput Linux's over kestrel's (the time per byte). Below 1
    /// kestrel is cheaper; below 0.5 it costs at most half of what Linux does.
    pub fn cost_ratio(self, kestrel: f64, linux: f64) -> f64 {
        match self {
            Unit::NsPerOp => kestrel / linux,
            Unit::MBps => linux / kestrel,
        }
    }
}

/// The result of one row.
#[derive(Clone, Debug, PartialEq)]
pub enum RowResult {
    /// The median over the repetitions, and its unit as printed (`ns`, `MB/s`).
    Value { value: f64, unit: String },
    /// The row failed: why.
    Failed(String),
}

/// What the benchmark printed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// `# ipcbench start` was seen.
    pub started: bool,
    /// `# ipcbench done` was seen.
    pub done: bool,
    /// The rows announced by `# rows:`.
    pub announced: Vec<String>,
    /// The rows printed, in order.
    pub rows: Vec<(String, RowResult)>,
}

impl Report {
    /// The result of row `name`.
    pub fn row(&self, name: &str) -> Option<&RowResult> {
        self.rows.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }
}

/// Parses the benchmark's lines out of a serial console capture (anything before
/// `# ipcbench start` is boot output and is ignored).
pub fn parse_output(serial: &str) -> Report {
    let mut report = Report::default();
    for line in serial.lines() {
        let line = line.trim();
        if line == START {
            report = Report { started: true, ..Report::default() };
            continue;
        }
        if !report.started || report.done {
            continue;
        }
        if line == DONE {
            report.done = true;
        } else if let Some(names) = line.strip_prefix(ROWS) {
            report.announced = names.split_whitespace().map(str::to_owned).collect();
        } else if !line.starts_with('#') {
            let mut words = line.split_whitespace();
            let (Some(name), Some(second)) = (words.next(), words.next()) else { continue };
            if !report.announced.is_empty() && !report.announced.iter().any(|n| n == name) {
                continue;
            }
            let rest: Vec<&str> = words.collect();
            let result = if second == "FAIL" {
                RowResult::Failed(rest.join(" "))
            } else if let (Ok(value), [unit]) = (second.parse::<f64>(), rest.as_slice()) {
                RowResult::Value { value, unit: (*unit).to_owned() }
            } else {
                continue;
            };
            report.rows.push((name.to_owned(), result));
        }
    }
    report
}

/// One boot of one side.
#[derive(Debug)]
pub struct Run {
    /// The parsed benchmark output.
    pub report: Report,
    /// The QEMU run.
    pub outcome: Outcome,
    /// How the guest program ended, in words, when known.
    pub program_end: Option<String>,
}

impl Run {
    /// Wall time from QEMU start to `# ipcbench start`.
    pub fn to_start(&self) -> Option<Duration> {
        self.outcome.first_line_time(|l| l.trim() == START)
    }

    /// Wall time from `# ipcbench start` to `# ipcbench done`.
    pub fn bench_time(&self) -> Option<Duration> {
        Some(self.outcome.first_line_time(|l| l.trim() == DONE)? - self.to_start()?)
    }

    /// The result of row `name`, or why there is none.
    pub fn row(&self, name: &str) -> Result<(f64, Unit), String> {
        match self.report.row(name) {
            Some(RowResult::Value { value, unit }) => match Unit::parse(unit) {
                Some(known) if *value > 0.0 => Ok((*value, known)),
                _ => Err(format!("unexpected value {value} {unit}")),
            },
            Some(RowResult::Failed(why)) => Err(format!("failed: {why}")),
            None => Err(format!("no result: {}", self.why_incomplete())),
        }
    }

    /// Why output is missing: how the run ended.
    pub fn why_incomplete(&self) -> String {
        let ending = match self.outcome.ending {
            Ending::TimedOut => format!("QEMU timed out after {:.0} s", self.outcome.elapsed.as_secs_f64()),
            Ending::Killed => "QEMU was killed".into(),
            Ending::Success | Ending::Failure | Ending::Other(_) => "the machine ended".into(),
        };
        let program = self.program_end.as_deref().map(|p| format!(", the program {p}")).unwrap_or_default();
        let started = if self.report.started { "" } else { " before the benchmark started" };
        format!("{ending}{started}{program}")
    }
}

/// Where the benchmark's files go: `target/bench`.
pub fn bench_dir() -> PathBuf {
    workspace_root().join("target/bench")
}

/// The benchmark's source files under `bench/`: main, timing and the table of rows, then
/// the rows of each facility (all share `bench/ipcbench.h`).
pub const SOURCES: [&str; 4] = ["ipcbench.c", "rows_sysv.c", "rows_mq.c", "rows_fd.c"];

/// The benchmark's sources ([`SOURCES`]), compiled together into one program.
pub fn sources() -> Vec<PathBuf> {
    let dir = workspace_root().join("bench");
    SOURCES.iter().map(|name| dir.join(name)).collect()
}

/// Runs `cmd`, returning its stdout, or an error with its output.
fn output(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{what}: cannot run: {e}"))?;
    if !out.status.success() {
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        return Err(format!("{what} failed ({}):\n{}", out.status, text.trim_end()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The kernel image package `linux-image-amd64` depends on, from `apt-cache depends`.
fn image_package(depends: &str) -> Option<String> {
    depends.lines().find_map(|line| {
        let name = line.trim().strip_prefix("Depends:")?.trim().trim_start_matches('<').trim_end_matches('>');
        name.starts_with("linux-image-").then(|| name.to_owned())
    })
}

fn cached_kernel(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("vmlinuz-")))
        .collect();
    found.sort();
    found.pop()
}

/// The Linux kernel to boot: `$KESTREL_BENCH_LINUX_KERNEL`, or the cached Debian kernel,
/// or Debian's current one downloaded with apt-get and extracted with dpkg-deb into
/// `target/bench/linux/`. `log` reports the steps taken.
pub fn linux_kernel(log: &mut dyn FnMut(&str)) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(LINUX_KERNEL_ENV) {
        return Ok(PathBuf::from(path));
    }
    let dir = bench_dir().join("linux");
    if let Some(kernel) = cached_kernel(&dir) {
        return Ok(kernel);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let depends = || output(Command::new("apt-cache").args(["depends", "linux-image-amd64"]), "apt-cache depends");
    let package = match depends().ok().as_deref().and_then(image_package) {
        Some(package) => package,
        None if !is_root() => {
            return Err("apt-cache knows no linux-image-amd64 and apt-get update needs root: run `sudo apt-get \
                        update`, or set KESTREL_BENCH_LINUX_KERNEL to a bzImage"
                .into());
        }
        None => {
            log("apt-cache knows no linux-image-amd64: running apt-get update");
            output(Command::new("apt-get").args(["update", "-q"]), "apt-get update")?;
            image_package(&depends()?).ok_or("linux-image-amd64 depends on no linux-image-* package")?
        }
    };
    log(&format!("downloading {package} with apt-get download"));
    let work = dir.join("download");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let fetched =
        output(Command::new("apt-get").args(["download", "-q", &package]).current_dir(&work), "apt-get download");
    if let Err(why) = fetched {
        let root = if is_root() { "" } else { " (not root: if the package lists are stale, run sudo apt-get update)" };
        return Err(format!("{why}{root}"));
    }
    let deb = std::fs::read_dir(&work)
        .map_err(|e| format!("{}: {e}", work.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or("apt-get download left no .deb")?;
    let tree = work.join("tree");
    output(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree), "dpkg-deb -x")?;
    let vmlinuz =
        cached_kernel(&tree.join("boot")).ok_or_else(|| format!("{} has no boot/vmlinuz-*", deb.display()))?;
    let name = vmlinuz.file_name().expect("a file name").to_owned();
    let partial = dir.join("vmlinuz.partial");
    std::fs::copy(&vmlinuz, &partial).map_err(|e| format!("copying {}: {e}", vmlinuz.display()))?;
    std::fs::rename(&partial, dir.join(&name)).map_err(|e| format!("{}: {e}", dir.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    log(&format!("cached {}", dir.join(&name).display()));
    Ok(dir.join(name))
}

/// Compiles the benchmark for Linux: `gcc -static -O2 -Wall -Wextra -Werror`.
pub fn build_linux_program() -> Result<PathBuf, String> {
    let dir = bench_dir().join("linux");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let out = dir.join("ipcbench.glibc");
    let mut cmd = Command::new("gcc");
    cmd.args(["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o"]).arg(&out).args(sources());
    output(&mut cmd, "gcc")?;
    Ok(out)
}

/// The initramfs of the Linux side: `/init` is `program`, plus `/dev/console`.
pub fn linux_initramfs(program: &Path) -> Result<PathBuf, String> {
    let data = std::fs::read(program).map_err(|e| format!("{}: {e}", program.display()))?;
    let image = cpio::write(&[
        cpio::Entry::dir("dev", 0o755),
        cpio::Entry::char_dev("dev/console", 0o600, 5, 1),
        cpio::Entry::file("init", 0o755, data),
    ])?;
    let out = bench_dir().join("linux/initramfs.cpio");
    std::fs::write(&out, image).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(out)
}

/// `/init`'s exit status from Linux's panic message `Attempted to kill init! exitcode=0x...`.
fn linux_init_status(serial: &str) -> Option<String> {
    let at = serial.find("Attempted to kill init! exitcode=0x")?;
    let hex: String = serial[at + 35..].chars().take_while(char::is_ascii_hexdigit).collect();
    let code = i64::from_str_radix(&hex, 16).ok()?;
    Some(match code & 0x7f {
        0 => format!("ended with exit status {}", (code >> 8) & 0xff),
        signal => format!("was killed by signal {signal}"),
    })
}

/// How a benchmark boot runs: the program's ITER_SCALE, the clock, the time limit, whether
/// the serial console is copied to stdout, and the machine's CPU count.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    pub scale: u32,
    pub clock: Clock,
    pub timeout: Duration,
    pub stream: bool,
    pub cpus: u32,
}

/// Boots `kernel` with `initramfs` and the benchmark argument `o.scale`.
pub fn run_linux(kernel: &Path, initramfs: &Path, o: RunOptions) -> Result<Run, String> {
    let RunOptions { scale, clock, timeout, stream, cpus } = o;
    let mut boot = Boot::new(kernel, Firmware::Pvh);
    boot.cpus = cpus;
    let extra = match clock.linux_append() {
        "" => String::new(),
        words => format!("{words} "),
    };
    boot.append = format!("console=ttyS0 quiet panic=-1 {extra}-- {scale}");
    boot.qemu_args = clock.qemu_args();
    boot.initrd = Some(initramfs.to_path_buf());
    boot.timeout = timeout;
    boot.stream = stream;
    let outcome = boot.run().map_err(|e| format!("QEMU: {e}"))?;
    let program_end = linux_init_status(&outcome.serial);
    Ok(Run { report: parse_output(&outcome.serial), outcome, program_end })
}

/// The guest sysroot: `$KESTREL_SYSROOT` or `target/sysroot`.
pub fn sysroot() -> PathBuf {
    std::env::var_os("KESTREL_SYSROOT").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target/sysroot"))
}

fn find_file(dir: &Path, suffix: &str, depth: u32) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.filter_map(Result::ok).any(|e| {
        let path = e.path();
        path.to_string_lossy().ends_with(suffix) && path.is_file()
            || depth > 0 && path.is_dir() && find_file(&path, suffix, depth - 1)
    })
}

/// The kestrel build of the benchmark.
#[derive(Debug)]
pub struct KestrelProgram {
    /// `target/bench/ipcbench.kestrel`.
    pub path: PathBuf,
    /// Why some rows cannot work (built without `sys/sem.h`, `sys/shm.h` or `mqueue.h`).
    pub notes: Vec<String>,
    /// What the compiler printed (warnings).
    pub warnings: String,
}

/// Compiles the benchmark with `SYSROOT/bin/kestrel-cc -O2 -Wall -Wextra`; without a
/// `sys/sem.h` in the sysroot, with `-DIPCBENCH_NO_SEM` (the rows that need semaphores
/// then fail), without a `sys/shm.h`, with `-DIPCBENCH_NO_SHM` (the shared memory rows
/// then fail), without a `mqueue.h`, with `-DIPCBENCH_NO_MQ` (the POSIX message queue
/// rows then fail), and without `sys/timerfd.h` or `sys/eventfd.h`, with
/// `-DIPCBENCH_NO_FD` (the timerfd, eventfd and epoll rows then fail).
pub fn build_kestrel_program(sysroot: &Path) -> Result<KestrelProgram, String> {
    let cc = sysroot.join("bin/kestrel-cc");
    if !cc.exists() {
        return Err(format!("no {}: run just sysroot", cc.display()));
    }
    let mut notes = Vec::new();
    let mut cmd = Command::new(&cc);
    cmd.args(["-O2", "-Wall", "-Wextra"]);
    if !find_file(sysroot, "/sys/sem.h", 4) {
        notes.push(format!("{} has no sys/sem.h: built without the semaphore rows", sysroot.display()));
        cmd.arg("-DIPCBENCH_NO_SEM");
    }
    if !find_file(sysroot, "/sys/shm.h", 4) {
        notes.push(format!("{} has no sys/shm.h: built without the shared memory rows", sysroot.display()));
        cmd.arg("-DIPCBENCH_NO_SHM");
    }
    if !find_file(sysroot, "/mqueue.h", 4) {
        notes.push(format!("{} has no mqueue.h: built without the POSIX message queue rows", sysroot.display()));
        cmd.arg("-DIPCBENCH_NO_MQ");
    }
    if !find_file(sysroot, "/sys/timerfd.h", 4) || !find_file(sysroot, "/sys/eventfd.h", 4) {
        notes.push(format!(
            "{} has no sys/timerfd.h or sys/eventfd.h: built without the timerfd, eventfd and epoll rows",
            sysroot.display()
        ));
        cmd.arg("-DIPCBENCH_NO_FD");
    }
    std::fs::create_dir_all(bench_dir()).map_err(|e| format!("{}: {e}", bench_dir().display()))?;
    let path = bench_dir().join(KESTREL_PROGRAM);
    cmd.arg("-o").arg(&path).args(sources());
    let out = cmd.output().map_err(|e| format!("{}: cannot run: {e}", cc.display()))?;
    let warnings = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!("kestrel-cc failed:\n{}", warnings.trim_end()));
    }
    Ok(KestrelProgram { path, notes, warnings })
}

/// Boots `kernel` with `init` running `program` with the argument `o.scale`.
pub fn run_kestrel(kernel: &Path, init: &Path, program: &Path, o: RunOptions) -> Result<Run, String> {
    let RunOptions { scale, clock, timeout, stream, cpus } = o;
    let dir = bench_dir().join("kestrel");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let name = initfs::base_name(program)?;
    let run_file = dir.join("run");
    std::fs::write(&run_file, format!("{name}\n{scale}\n")).map_err(|e| format!("{}: {e}", run_file.display()))?;
    let image = initfs::image_from_files(&[init.to_path_buf(), program.to_path_buf(), run_file], None)?;
    let initrd = dir.join("initfs.img");
    std::fs::write(&initrd, image).map_err(|e| format!("{}: {e}", initrd.display()))?;
    let mut boot = Boot::new(kernel, Firmware::Pvh);
    boot.cpus = cpus;
    boot.initrd = Some(initrd);
    boot.timeout = timeout;
    boot.stream = stream;
    boot.qemu_args = clock.qemu_args();
    let outcome = boot.run().map_err(|e| format!("QEMU: {e}"))?;
    let program_end = crate::guest_program_status(&outcome.serial).map(|s| match s {
        0..128 => format!("ended with exit status {s}"),
        _ => format!("was killed by signal {}", s - 128),
    });
    Ok(Run { report: parse_output(&outcome.serial), outcome, program_end })
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Seconds with two decimals, or `?`.
pub fn secs(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.2} s", d.as_secs_f64())).unwrap_or_else(|| "?".into())
}

/// Measures how long `f` takes.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_failures_and_noise() {
        let serial = "boot noise 12 ns\r\n# ipcbench start\r\n# scale 1%\n# rows: a b c d\nSeaBIOS x\na 12.5 ns\r\n\
                      b FAIL semop errno=38\nkernel: stray 3 ns\nc 7 MB/s\n# ipcbench done\nd 1 ns\n";
        let r = parse_output(serial);
        assert!(r.started && r.done);
        assert_eq!(r.announced, ["a", "b", "c", "d"]);
        assert_eq!(
            r.rows,
            [
                ("a".to_string(), RowResult::Value { value: 12.5, unit: "ns".into() }),
                ("b".to_string(), RowResult::Failed("semop errno=38".into())),
                ("c".to_string(), RowResult::Value { value: 7.0, unit: "MB/s".into() }),
            ]
        );
        assert_eq!(parse_output("a 1 ns\n"), Report::default());
    }

    #[test]
    fn cost_ratios_are_kestrel_over_linux() {
        assert_eq!(Unit::NsPerOp.cost_ratio(100.0, 400.0), 0.25);
        assert_eq!(Unit::MBps.cost_ratio(400.0, 100.0), 0.25);
        assert_eq!(Unit::parse("ns"), Some(Unit::NsPerOp));
        assert_eq!(Unit::parse("MB/s"), Some(Unit::MBps));
        assert_eq!(Unit::parse("us"), None);
    }

    #[test]
    fn finds_the_image_package() {
        let text = "linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n";
        assert_eq!(image_package(text).as_deref(), Some("linux-image-6.1.0-56-amd64"));
        assert_eq!(
            image_package("  Depends: <linux-image-6.12.1-amd64>\n").as_deref(),
            Some("linux-image-6.12.1-amd64")
        );
        assert_eq!(image_package("  Depends: initramfs-tools\n"), None);
    }

    #[test]
    fn reads_the_init_exit_code_from_the_panic() {
        let s = "[ 3.1] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n";
        assert_eq!(linux_init_status(s).as_deref(), Some("ended with exit status 1"));
        let s = "Attempted to kill init! exitcode=0x00000009";
        assert_eq!(linux_init_status(s).as_deref(), Some("was killed by signal 9"));
        assert_eq!(linux_init_status("nothing"), None);
    }

    #[test]
    fn sources_are_every_c_file_of_bench() {
        let mut listed: Vec<String> = SOURCES.iter().map(|s| s.to_string()).collect();
        let dir = workspace_root().join("bench");
        let mut found: Vec<String> = std::fs::read_dir(&dir)
            .expect("reading bench/")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".c"))
            .collect();
        listed.sort();
        found.sort();
        assert_eq!(listed, found);
        assert_eq!(sources()[0], dir.join("ipcbench.c"));
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
