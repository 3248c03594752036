//! relibc-patch's tests for upstream relibc's `tests/` tree (`relibc-patch/relibc-tests/`,
//! listed in its `NAMES`): each `HEADER/NAME.c` must print exactly
//! `expected/HEADER/NAME.stdout` (and `.stderr`, empty when there is none) and exit 0, as
//! relibc's own test runner checks. They run twice here: built with the host's gcc
//! against glibc and run on this Linux machine, and built with the sysroot's `kestrel-cc`
//! (the guest C runtime and `libkestrel_relibc.a`) and run in one boot of the kernel,
//! where `support/guest_runner.c` runs them one after the other and sends each one's
//! output back over the serial console.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use integration::initfs::{build_sysroot, image_from_parts, root_files};
use integration::{Boot, Ending, Firmware, kernel_elf, workspace_root};

/// Tests not run on kestrel, each with the kestrel bug that makes it fail there.
const SKIP_ON_KESTREL: &[(&str, &str)] = &[];

/// The warnings relibc's tests Makefile builds with.
const CFLAGS: &[&str] = &["-Wall", "-Wextra", "-Werror", "-Wno-deprecated-declarations", "-pedantic", "-fno-builtin"];

/// What relibc's Makefile adds when it builds the tests against glibc.
const GLIBC_FLAGS: &[&str] =
    &["-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE", "-D_XOPEN_SOURCE=700", "-D_GNU_SOURCE"];

/// A test's time limit, as in relibc's runner.
const LIMIT: Duration = Duration::from_secs(10);

fn tests_dir() -> PathBuf {
    workspace_root().join("relibc-patch/relibc-tests")
}

/// `NAMES`: one `HEADER/NAME` a line.
fn names() -> Vec<String> {
    let path = tests_dir().join("NAMES");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    assert!(!names.is_empty(), "{} lists no tests", path.display());
    names
}

/// How one run of a test went.
#[derive(Debug, Default)]
struct Run {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// `exit=N`, `signal=N` or `timeout`.
    status: String,
}

/// A mismatch with the expected files, described line by line; `None` if it passed.
fn check(name: &str, run: &Run) -> Option<String> {
    let dir = tests_dir().join("expected");
    let mut problems = String::new();
    for (kind, got) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let file = dir.join(format!("{name}.{kind}"));
        let want = match std::fs::read(&file) {
            Ok(want) => want,
            Err(_) if kind == "stderr" => Vec::new(),
            Err(e) => {
                problems.push_str(&format!("{name}: {}: {e}\n", file.display()));
                continue;
            }
        };
        if &want != got {
            problems.push_str(&format!("{name}: {kind} differs (- expected, + got):\n{}", diff(&want, got)));
        }
    }
    if run.status != "exit=0" {
        problems.push_str(&format!(
            "{name}: ended with {} (stderr: {:?})\n",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    (!problems.is_empty()).then_some(problems)
}

/// The lines of `want` and `got` as a diff: the common lines before and after once, the
/// differing middle of each marked `-` (expected) and `+` (got).
fn diff(want: &[u8], got: &[u8]) -> String {
    let want = String::from_utf8_lossy(want);
    let got = String::from_utf8_lossy(got);
    let (want, got): (Vec<&str>, Vec<&str>) =
        (want.split_inclusive('\n').collect(), got.split_inclusive('\n').collect());
    let head = want.iter().zip(&got).take_while(|(a, b)| a == b).count();
    let tail = want[head..].iter().rev().zip(got[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    let mut out = String::new();
    for line in &want[..head] {
        out.push_str(&format!("  {}", show(line)));
    }
    for line in &want[head..want.len() - tail] {
        out.push_str(&format!("- {}", show(line)));
    }
    for line in &got[head..got.len() - tail] {
        out.push_str(&format!("+ {}", show(line)));
    }
    for line in &want[want.len() - tail..] {
        out.push_str(&format!("  {}", show(line)));
    }
    out
}

/// A line as printed in a diff: a missing final newline shown as such.
fn show(line: &str) -> String {
    match line.strip_suffix('\n') {
        Some(line) => format!("{line}\n"),
        None => format!("{line}\\ (no newline at end)\n"),
    }
}

/// Compiles every test with `cc` and `flags` into `out_dir` (as `HEADER/NAME`), in
/// parallel; returns the programs by name.
fn compile_all(cc: &Path, flags: &[&str], out_dir: &Path, names: &[String]) -> BTreeMap<String, PathBuf> {
    let dir = tests_dir();
    thread::scope(|scope| {
        let jobs: Vec<_> = names
            .iter()
            .map(|name| {
                let program = out_dir.join(name);
                let source = dir.join(format!("{name}.c"));
                let include = dir.join("support");
                scope.spawn(move || {
                    std::fs::create_dir_all(program.parent().expect("a name has a header")).unwrap();
                    let out = Command::new(cc)
                        .args(CFLAGS)
                        .args(flags)
                        .arg("-I")
                        .arg(&include)
                        .arg("-o")
                        .arg(&program)
                        .arg(&source)
                        .output()
                        .unwrap_or_else(|e| panic!("{}: {e}", cc.display()));
                    assert!(
                        out.status.success(),
                        "compiling {} with {} failed:\n{}",
                        source.display(),
                        cc.display(),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    (name.clone(), program)
                })
            })
            .collect();
        jobs.into_iter().map(|job| job.join().expect("a compile job panicked")).collect()
    })
}

/// Runs one host program as relibc's runner does (`PROGRAM test args`), in `cwd`.
fn run_on_host(program: &Path, cwd: &Path) -> Run {
    let mut child = Command::new(program)
        .args(["test", "args"])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    let readers = thread::spawn(move || {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let err_reader = thread::spawn(move || {
            let _ = stderr.read_to_end(&mut err);
            err
        });
        let _ = stdout.read_to_end(&mut out);
        let err = err_reader.join().unwrap_or_default();
        let _ = tx.send(());
        (out, err)
    });
    let status = match rx.recv_timeout(LIMIT) {
        Ok(()) => None,
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            Some("timeout".to_owned())
        }
    };
    let (stdout, stderr) = readers.join().expect("the readers end");
    let waited = child.wait().expect("wait");
    let status = status.unwrap_or_else(|| match waited.code() {
        Some(code) => format!("exit={code}"),
        None => {
            use std::os::unix::process::ExitStatusExt;
            format!("signal={}", waited.signal().unwrap_or(0))
        }
    });
    Run { stdout, stderr, status }
}

fn report(what: &str, names: &[String], runs: &BTreeMap<String, Run>, skipped: &[&str], start: Instant) {
    let mut failures = String::new();
    for name in names {
        if skipped.contains(&name.as_str()) {
            continue;
        }
        match runs.get(name) {
            Some(run) => failures.extend(check(name, run)),
            None => failures.push_str(&format!("{name}: no result\n")),
        }
    }
    println!(
        "{what}: {} tests, {} skipped, in {:.2} s",
        names.len() - skipped.len(),
        skipped.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{what}:\n{failures}");
}

#[test]
fn relibc_tests_pass_on_host_glibc() {
    let start = Instant::now();
    let names = names();
    let out_dir = workspace_root().join("target/relibc-tests/host");
    let programs = compile_all(Path::new("gcc"), GLIBC_FLAGS, &out_dir, &names);
    // relibc's runner runs the tests from its build directory, beside `example_dir`.
    let runs: BTreeMap<String, Run> =
        programs.iter().map(|(name, program)| (name.clone(), run_on_host(program, &out_dir))).collect();
    report("host (glibc)", &names, &runs, &[], start);
}

/// The runner's lines for each test: `RELIBC-TEST NAME out|err HEX` and
/// `RELIBC-TEST NAME end STATUS`.
fn parse_serial(serial: &str) -> BTreeMap<String, Run> {
    let mut runs: BTreeMap<String, Run> = BTreeMap::new();
    for line in serial.lines() {
        let Some(rest) = line.trim_end().strip_prefix("RELIBC-TEST ") else { continue };
        let mut words = rest.split_whitespace();
        let (Some(name), Some(kind)) = (words.next(), words.next()) else { continue };
        let value = words.next().unwrap_or("");
        let run = runs.entry(name.to_owned()).or_default();
        match kind {
            "out" | "err" => {
                let bytes =
                    (0..value.len() / 2).filter_map(|i| u8::from_str_radix(value.get(2 * i..2 * i + 2)?, 16).ok());
                if kind == "out" { run.stdout.extend(bytes) } else { run.stderr.extend(bytes) }
            }
            "end" => run.status = value.to_owned(),
            _ => {}
        }
    }
    runs
}

#[test]
fn relibc_tests_pass_on_kestrel() {
    let start = Instant::now();
    let root = workspace_root();
    let names = names();
    let skipped: Vec<&str> = SKIP_ON_KESTREL.iter().map(|(name, _)| *name).collect();
    let to_run: Vec<String> = names.iter().filter(|n| !skipped.contains(&n.as_str())).cloned().collect();

    let kernel = kernel_elf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "userspace", "--release", "--bin", "init"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building init failed");
    let cc = build_sysroot().join("bin/kestrel-cc");
    let out_dir = root.join("target/relibc-tests/kestrel");
    let mut programs = compile_all(&cc, &["-O2"], &out_dir, &to_run);
    let runner = out_dir.join("guest_runner");
    let out = Command::new(&cc)
        .args(["-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&runner)
        .arg(tests_dir().join("support/guest_runner.c"))
        .output()
        .expect("kestrel-cc runs");
    assert!(out.status.success(), "compiling guest_runner failed:\n{}", String::from_utf8_lossy(&out.stderr));

    // init runs the program the file `run` names with the arguments on its further lines.
    let mut named = root_files().expect("reading userspace/rootfs");
    for (name, program) in std::mem::take(&mut programs) {
        named.push((format!("relibc/{name}"), std::fs::read(&program).expect("a built program")));
    }
    named.push(("guest_runner".to_owned(), std::fs::read(&runner).expect("the built runner")));
    let mut run = String::from("guest_runner\n/scheme/initfs/relibc\n");
    for name in &to_run {
        run.push_str(name);
        run.push('\n');
    }
    named.push(("run".to_owned(), run.into_bytes()));
    let init = root.join("target/release/init");
    let image = image_from_parts(&[init], &named, None).expect("packing the initfs");
    let image_path = out_dir.join("initfs.img");
    std::fs::write(&image_path, image).expect("writing the initfs");

    let mut boot = Boot::new(kernel, Firmware::Pvh);
    boot.initrd = Some(image_path);
    boot.timeout = Duration::from_secs(60);
    let outcome = boot.run().expect("QEMU runs");
    let serial = &outcome.serial;
    assert!(!serial.contains("KERNEL PANIC") && !serial.contains("KERNEL EXCEPTION"), "{serial}");
    assert!(serial.contains("RELIBC-TEST done"), "the guest runner did not finish ({:?}):\n{serial}", outcome.ending);
    assert_eq!(outcome.ending, Ending::Success, "serial:\n{serial}");
    let runs = parse_serial(serial);
    for (name, bug) in SKIP_ON_KESTREL {
        println!("skipped on kestrel: {name}: {bug}");
    }
    println!("kestrel: one boot, {:.2} s of QEMU time", outcome.elapsed.as_secs_f64());
    report("kestrel (guest runtime and libkestrel_relibc.a)", &names, &runs, &skipped, start);
}

#[test]
fn serial_lines_are_decoded() {
    let runs = parse_serial("noise\nRELIBC-TEST a/b out 6869\r\nRELIBC-TEST a/b out 0a\nRELIBC-TEST a/b end exit=0\n");
    let run = &runs["a/b"];
    assert_eq!(run.stdout, b"hi\n");
    assert!(run.stderr.is_empty());
    assert_eq!(run.status, "exit=0");
    assert_eq!(diff(b"x\ny\n", b"x\nz"), "  x\n- y\n+ z\\ (no newline at end)\n");
    assert_eq!(diff(b"a\nb\nc\n", b"a\nB\nc\n"), "  a\n- b\n+ B\n  c\n");
}
