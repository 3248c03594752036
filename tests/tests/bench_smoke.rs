//! A few-iteration run of the benchmark (`bench/ipcbench.c` and its row files) on kestrel
//! (`just bench-smoke`), so the benchmark cannot rot: it must build warning-free with the
//! sysroot's `kestrel-cc`, and every row it announces (at least [`ROWS`]) must print a
//! positive figure: a time per operation, or MB/s for a throughput row. The message queue
//! rows need the sysroot's `<sys/msg.h>` (relibc-patch) and the kernel's `msg` scheme; the
//! POSIX message queue rows its `<mqueue.h>` and the kernel's `mq` scheme; the shared
//! memory rows its `<sys/shm.h>` and the kernel's `shm` scheme.
//!
//! Skipped (passing) only while the sources of the guest sysroot (`userspace/libc`,
//! `scripts/mksysroot`) do not exist yet, since it cannot be built without them. The sysroot is
//! `$KESTREL_SYSROOT` if set, else built with `scripts/mksysroot` into `target/sysroot`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use integration::bench::{self, Clock, RowResult, Unit};
use integration::{kernel_elf, workspace_root};

/// The benchmark's ITER_SCALE for the smoke run (percent of the default iterations).
const SCALE: u32 = 1;

/// The rows the benchmark must announce and measure, with their units.
const ROWS: [(&str, Unit); 13] = [
    ("null_syscall", Unit::NsPerOp),
    ("semop_uncontended", Unit::NsPerOp),
    ("sem_pingpong", Unit::NsPerOp),
    ("fork_wait", Unit::NsPerOp),
    ("msg_pingpong", Unit::NsPerOp),
    ("msg_throughput", Unit::MBps),
    ("mq_pingpong", Unit::NsPerOp),
    ("mq_throughput", Unit::MBps),
    ("shm_attach_detach", Unit::NsPerOp),
    ("shm_pingpong", Unit::NsPerOp),
    ("timerfd_arm_read", Unit::NsPerOp),
    ("eventfd_pingpong", Unit::NsPerOp),
    ("epoll_wait_ready", Unit::NsPerOp),
];

fn sysroot() -> PathBuf {
    if let Some(path) = std::env::var_os("KESTREL_SYSROOT") {
        return PathBuf::from(path);
    }
    let root = workspace_root();
    let out = root.join("target/sysroot");
    let status = Command::new(root.join("scripts/mksysroot")).arg(&out).current_dir(&root).status();
    assert!(status.as_ref().is_ok_and(|s| s.success()), "scripts/mksysroot {} failed: {status:?}", out.display());
    out
}

fn init() -> PathBuf {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "userspace", "--release", "--bin", "init"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building init failed");
    root.join("target/release/init")
}

/// The count in the kernel's shutdown line (`... (N lazy FPU saves, last 0x...)`).
fn lazy_fpu_saves(serial: &str) -> Option<u64> {
    let line = serial.lines().find(|l| l.contains("shutdown requested"))?;
    let before = line.split(" lazy FPU saves").next()?;
    before.rsplit('(').next()?.trim().parse().ok()
}

#[test]
fn every_row_prints_a_positive_figure() {
    let root = workspace_root();
    for source in ["userspace/libc", "scripts/mksysroot"] {
        if std::env::var_os("KESTREL_SYSROOT").is_none() && !root.join(source).exists() {
            println!("bench_smoke skipped: no {source} yet, so the guest sysroot cannot be built");
            return;
        }
    }
    let program = bench::build_kestrel_program(&sysroot()).unwrap_or_else(|e| panic!("{e}"));
    assert!(program.notes.is_empty(), "{:?}", program.notes);
    assert!(program.warnings.trim().is_empty(), "kestrel-cc warned:\n{}", program.warnings);
    let run = bench::run_kestrel(
        &kernel_elf(),
        &init(),
        &program.path,
        bench::RunOptions {
            scale: SCALE,
            clock: Clock::Wall,
            timeout: Duration::from_secs(60),
            stream: false,
            cpus: 1,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let serial = &run.outcome.serial;
    let report = &run.report;
    assert!(report.started && report.done, "incomplete ({}):\n{serial}", run.why_incomplete());
    for (name, _) in ROWS {
        assert!(report.announced.iter().any(|n| n == name), "{name} not announced: {:?}\n{serial}", report.announced);
    }
    for name in &report.announced {
        let expected = ROWS.iter().find(|(n, _)| n == name).map_or(Unit::NsPerOp, |(_, u)| *u);
        match report.row(name) {
            Some(RowResult::Value { value, unit }) => {
                assert!(*value > 0.0 && Unit::parse(unit) == Some(expected), "{name}: {value} {unit}\n{serial}")
            }
            other => panic!("{name}: {other:?}\n{serial}"),
        }
    }
    assert_eq!(run.program_end.as_deref(), Some("ended with exit status 0"), "{serial}");
    // The kernel keeps the user FPU state in the registers and saves it only when kernel
    // code uses SSE (arch/x86_64/fpu.rs), which costs a trap and two 512-byte copies.
    // The null_syscall and semop_uncontended loops (14,000 and 7,000 calls at this scale)
    // must not pay that per call, nor sem_pingpong and msg_pingpong per round trip (about
    // 140 each; sem_pingpong's two blocking semops and their queue entries once cost four
    // saves a round trip), nor msg_throughput per message (1,400 of 1 KiB), nor
    // mq_pingpong per round trip (140) and mq_throughput per message (1,400 of 1 KiB), nor
    // shm_attach_detach per attach (175) and shm_pingpong per round trip (140), nor the
    // timerfd, eventfd and epoll rows per operation (1,400, 140 and 1,400); fork, exec and
    // exit may, about a hundred and fifty times in all (the helper processes every
    // repetition of the two-process rows starts: 10 to 60 saves per row, a row's calls
    // themselves none; `/scheme/sys/resources` counts them as `lazy_fpu_saves`). Each
    // line the program prints may cost one more: the screen console draws it with the
    // compiler's wide copies (about 30 lines).
    let saves = lazy_fpu_saves(serial).unwrap_or_else(|| panic!("no lazy FPU count in the shutdown line:\n{serial}"));
    assert!(saves < 500, "{saves} lazy FPU saves: a hot system call path uses SSE again\n{serial}");
    println!(
        "bench_smoke: {} rows, QEMU start to first benchmark line {}, QEMU total {:.2} s",
        report.rows.len(),
        bench::secs(run.to_start()),
        run.outcome.elapsed.as_secs_f64()
    );
    println!("  {saves} lazy FPU saves in the whole run");
    for (name, result) in &report.rows {
        println!("  {name} {result:?}");
    }
}
