//! `bench [--icount] [--smp CPUS] [--scale N] [--runs N] [--ours-only | --linux-only] [--timeout SECS] [--stream]`
//!
//! Runs the benchmark (`bench/ipcbench.c` and its row files) on kestrel and on Linux in the
//! same QEMU configuration and prints a table: each operation's median figure on both and
//! the cost ratio kestrel/Linux (for a throughput row Linux's MB/s over kestrel's, so that
//! the ratio always reads "kestrel's cost over Linux's").
//! `--icount` boots both under `-icount shift=0` ([`bench::Clock::Icount`]): the figures
//! are then guest instructions per operation (and MB per 10^9 instructions), identical
//! from run to run, instead of wall time under emulation. `--smp` gives both machines
//! that many CPUs (default 1), so that the ping-pong rows' two processes can run on two.
//! `--scale` is the benchmark's ITER_SCALE (percent of the default iterations, 100);
//! `--runs` boots each side N times and reports the median of the runs' medians;
//! `--stream` copies the serial consoles to stdout. A row that cannot be measured on a
//! side is shown as `n/a`, with the reason below the table.
//!
//! `just bench` builds the kernel, init and the sysroot first. The Linux kernel is
//! Debian's, fetched once into `target/bench/linux/` (see `integration::bench`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use integration::bench::{self, Clock, Run, Unit, median, secs, timed};

const USAGE: &str = "usage: bench [--icount] [--smp CPUS] [--scale N] [--runs N] [--ours-only | --linux-only] [--timeout SECS] [--stream]";

#[derive(Debug)]
struct Options {
    scale: u32,
    runs: u32,
    ours: bool,
    linux: bool,
    clock: Clock,
    timeout: Duration,
    stream: bool,
    cpus: u32,
}

impl Options {
    fn run_options(&self) -> bench::RunOptions {
        bench::RunOptions {
            scale: self.scale,
            clock: self.clock,
            timeout: self.timeout,
            stream: self.stream,
            cpus: self.cpus,
        }
    }
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        scale: 100,
        runs: 1,
        ours: true,
        linux: true,
        clock: Clock::Wall,
        timeout: Duration::from_secs(900),
        stream: false,
        cpus: 1,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut number = |what: &str| -> Result<u32, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{what} needs a positive number"))
        };
        match arg.as_str() {
            "--scale" => o.scale = number("--scale")?,
            "--runs" => o.runs = number("--runs")?,
            "--smp" => o.cpus = number("--smp")?,
            "--timeout" => o.timeout = Duration::from_secs(number("--timeout")?.into()),
            "--ours-only" => o.linux = false,
            "--linux-only" => o.ours = false,
            "--icount" => o.clock = Clock::Icount,
            "--stream" => o.stream = true,
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    if !o.ours && !o.linux {
        return Err("--ours-only and --linux-only exclude each other".into());
    }
    Ok(o)
}

/// One side's results: its runs, or why it could not run at all; notes; timings.
struct Side {
    name: &'static str,
    /// Asked for (not excluded by --ours-only or --linux-only).
    wanted: bool,
    runs: Result<Vec<Run>, String>,
    notes: Vec<String>,
    prepare: Duration,
}

impl Side {
    fn skipped(name: &'static str, why: &str) -> Self {
        Side { name, wanted: false, runs: Err(why.into()), notes: Vec::new(), prepare: Duration::ZERO }
    }

    /// The median over the runs of row `row` and its unit, or why there is none.
    fn value(&self, row: &str) -> Result<(f64, Unit), String> {
        let runs = self.runs.as_ref().map_err(Clone::clone)?;
        let results = runs.iter().map(|r| r.row(row)).collect::<Result<Vec<(f64, Unit)>, String>>()?;
        let unit = results.first().ok_or("no run")?.1;
        if results.iter().any(|(_, u)| *u != unit) {
            return Err("the runs printed different units".into());
        }
        let values: Vec<f64> = results.iter().map(|(v, _)| *v).collect();
        Ok((median(&values).ok_or("no run")?, unit))
    }

    /// The rows the side's benchmark announced.
    fn announced(&self) -> Vec<String> {
        self.runs
            .as_ref()
            .ok()
            .and_then(|r| r.iter().find(|r| !r.report.announced.is_empty()))
            .map_or_else(Vec::new, |r| r.report.announced.clone())
    }

    fn timings(&self) -> String {
        match &self.runs {
            Err(why) => format!("{}: not run: {why}", self.name),
            Ok(runs) => {
                let med = |f: &dyn Fn(&Run) -> Option<Duration>| {
                    let v: Vec<f64> = runs.iter().filter_map(|r| f(r).map(|d| d.as_secs_f64())).collect();
                    secs(median(&v).map(Duration::from_secs_f64))
                };
                let of = if runs.len() > 1 { format!(" (median of {} runs)", runs.len()) } else { String::new() };
                format!(
                    "{}: QEMU start to first benchmark line {}, benchmark {}, QEMU total {}; build and packing {}{of}",
                    self.name,
                    med(&|r| r.to_start()),
                    med(&|r| r.bench_time()),
                    med(&|r| Some(r.outcome.elapsed)),
                    secs(Some(self.prepare)),
                )
            }
        }
    }
}

fn progress(what: &str) {
    eprintln!("bench: {what}");
}

/// Boots a side once more and records the run; after a failed boot the side keeps the
/// error and is not booted again.
fn boot_once(side: &mut Side, boot: &mut Option<Boot<'_>>, o: &Options, i: u32) {
    let (Some(f), Ok(runs)) = (boot.as_mut(), side.runs.as_mut()) else { return };
    let icount = if o.clock == Clock::Icount { ", -icount" } else { "" };
    progress(&format!("booting {} (scale {}%{icount}, run {} of {})", side.name, o.scale, i + 1, o.runs));
    match f() {
        Ok(run) => {
            progress(&format!(
                "{}: {} rows in {:.2} s{}",
                side.name,
                run.report.rows.len(),
                run.outcome.elapsed.as_secs_f64(),
                if run.report.done { String::new() } else { format!(" (incomplete: {})", run.why_incomplete()) }
            ));
            runs.push(run);
        }
        Err(why) => {
            side.runs = Err(why);
            *boot = None;
        }
    }
}

/// One boot of a prepared side.
type Boot<'a> = Box<dyn FnMut() -> Result<Run, String> + 'a>;

fn linux_side(o: &Options) -> (Side, Option<Boot<'_>>) {
    let (prepared, prepare) = timed(|| -> Result<(PathBuf, PathBuf), String> {
        let kernel = bench::linux_kernel(&mut |s| progress(s))?;
        let program = bench::build_linux_program()?;
        Ok((kernel, bench::linux_initramfs(&program)?))
    });
    let mut side = Side { name: "Linux", wanted: true, runs: Ok(Vec::new()), notes: Vec::new(), prepare };
    match prepared {
        Ok((kernel, initramfs)) => {
            side.notes.push(format!("Linux kernel: {}", kernel.display()));
            let boot = move || bench::run_linux(&kernel, &initramfs, o.run_options());
            (side, Some(Box::new(boot)))
        }
        Err(why) => {
            side.runs = Err(why);
            (side, None)
        }
    }
}

fn kestrel_side(o: &Options) -> (Side, Option<Boot<'_>>) {
    let root = integration::workspace_root();
    let init = root.join("target/release/init");
    let (prepared, prepare) = timed(|| -> Result<(PathBuf, bench::KestrelProgram), String> {
        if !init.exists() {
            return Err(format!("no {}: cargo build -p userspace --release --bin init", init.display()));
        }
        Ok((integration::kernel_elf(), bench::build_kestrel_program(&bench::sysroot())?))
    });
    let mut side = Side { name: "kestrel", wanted: true, runs: Ok(Vec::new()), notes: Vec::new(), prepare };
    match prepared {
        Ok((kernel, program)) => {
            side.notes.extend(program.notes.iter().cloned());
            if !program.warnings.trim().is_empty() {
                side.notes.push(format!("kestrel-cc warnings:\n{}", program.warnings.trim_end()));
            }
            let boot = move || bench::run_kestrel(&kernel, &init, &program.path, o.run_options());
            (side, Some(Box::new(boot)))
        }
        Err(why) => {
            side.runs = Err(why);
            (side, None)
        }
    }
}

fn cell(v: &Result<(f64, Unit), String>) -> String {
    match v {
        Ok((v, _)) => format!("{v:.1}"),
        Err(_) => "n/a".into(),
    }
}

fn main() -> ExitCode {
    let o = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(why) => {
            if !why.is_empty() {
                eprintln!("bench: {why}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (mut ours, mut ours_boot) =
        if o.ours { kestrel_side(&o) } else { (Side::skipped("kestrel", "--linux-only"), None) };
    let (mut linux, mut linux_boot) =
        if o.linux { linux_side(&o) } else { (Side::skipped("Linux", "--ours-only"), None) };
    // The boots alternate, so that a change in the host's load over the minutes of a run
    // weighs on both columns alike.
    for i in 0..o.runs {
        boot_once(&mut ours, &mut ours_boot, &o, i);
        boot_once(&mut linux, &mut linux_boot, &o, i);
    }
    drop((ours_boot, linux_boot));

    let mut rows = ours.announced();
    for row in linux.announced() {
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    if rows.is_empty() {
        eprintln!("bench: no results from either side");
        for side in [&ours, &linux] {
            eprintln!("  {}", side.timings());
        }
        return ExitCode::FAILURE;
    }

    println!();
    match o.clock {
        Clock::Wall => println!(
            "ipcbench, scale {}%, {} run(s) per side, {} CPU(s): median per operation, wall time under QEMU (TCG)",
            o.scale, o.runs, o.cpus
        ),
        Clock::Icount => println!(
            "ipcbench --icount, scale {}%, {} run(s) per side, {} CPU(s): median guest instructions per \
             operation (QEMU -icount shift=0: one guest ns per instruction; MB/Ginstr = MB per 10^9 instructions)",
            o.scale, o.runs, o.cpus
        ),
    }
    println!("{:<20} {:>10} {:>14} {:>14} {:>8}", "operation", "unit", "kestrel", "Linux", "ratio*");
    let mut reasons = Vec::new();
    let mut complete = true;
    for row in &rows {
        let k = ours.value(row);
        let l = linux.value(row);
        let unit = k.as_ref().or(l.as_ref()).map_or("?", |(_, u)| u.label(o.clock));
        let ratio = match (&k, &l) {
            (Ok((k, ku)), Ok((l, lu))) if ku == lu => format!("{:.2}", ku.cost_ratio(*k, *l)),
            (Ok(_), Ok(_)) => {
                complete = false;
                reasons.push(format!("  {row}: the two sides printed different units"));
                "n/a".into()
            }
            _ => "n/a".into(),
        };
        println!("{row:<20} {unit:>10} {:>14} {:>14} {ratio:>8}", cell(&k), cell(&l));
        for (side, v) in [(&ours, &k), (&linux, &l)] {
            if let Err(why) = v {
                complete &= !side.wanted;
                // A side that did not run at all is reported once, below.
                if side.wanted && side.runs.is_ok() {
                    reasons.push(format!("  {row} on {}: {why}", side.name));
                }
            }
        }
    }
    println!(
        "* ratio: kestrel's cost over Linux's, per operation: kestrel/Linux for a time (or instruction count), \
         Linux/kestrel for a throughput (MB/s). Below 1 kestrel is cheaper; below 0.5 it costs at most half of \
         Linux's."
    );
    for side in [&ours, &linux] {
        if let (Err(why), true) = (&side.runs, side.wanted) {
            reasons.push(format!("  every row on {}: {why}", side.name));
        }
    }
    if !reasons.is_empty() {
        println!("n/a:");
        for r in &reasons {
            println!("{r}");
        }
    }
    println!();
    for side in [&ours, &linux] {
        println!("{}", side.timings());
        for note in &side.notes {
            println!("  {note}");
        }
    }
    if complete { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_parse() {
        let o = parse_args(args(&["--scale", "5", "--runs", "3", "--ours-only"])).unwrap();
        assert_eq!((o.scale, o.runs, o.ours, o.linux), (5, 3, true, false));
        let o = parse_args(args(&[])).unwrap();
        assert_eq!((o.scale, o.runs, o.ours, o.linux, o.clock), (100, 1, true, true, Clock::Wall));
        let o = parse_args(args(&["--icount", "--linux-only", "--runs", "2"])).unwrap();
        assert_eq!((o.runs, o.ours, o.linux, o.clock), (2, false, true, Clock::Icount));
        assert!(parse_args(args(&["--scale", "0"])).is_err());
        assert!(parse_args(args(&["--scale"])).is_err());
        assert!(parse_args(args(&["--ours-only", "--linux-only"])).is_err());
        assert!(parse_args(args(&["--bogus"])).is_err());
    }
}
