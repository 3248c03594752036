//! The guest's `ipcs` and `ipcrm` (`userspace/tools/`) against util-linux 2.38.1's on this
//! machine: the same C sources built with gcc against glibc, run beside the host's tools on
//! the objects of `userspace/tools/test/ipc_fixture.c` in a fresh IPC namespace
//! (`unshare -i`, as root), with `TZ=UTC` and `LC_ALL=C`. Every invocation's stdout, stderr
//! and exit status must be the same bytes; for `ipcrm`, so must what `ipcs` shows after it
//! (each `ipcrm` case gets a namespace and fixture of its own). Some cases run as uid 4242
//! (`setpriv`), whom most objects refuse. Skipped, with the reason printed, where there is
//! no `unshare` that works, no util-linux 2.38.1, or no gcc.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use integration::workspace_root;

/// The fixture's objects (ids are the same in every fresh namespace).
const MSG_IDS: std::ops::RangeInclusive<i32> = 0..=5;
const SHM_IDS: std::ops::RangeInclusive<i32> = 0..=6;
const SEM_IDS: std::ops::RangeInclusive<i32> = 0..=5;
const MSG_KEYS: &[&str] = &["0x1234", "0xdeadbeef", "0x7fffffff", "0x4d2", "0x4d3"];
const SHM_KEYS: &[&str] = &["0x3000", "0x3002", "0xfffffffe", "0x3004", "0x3005", "0x3006"];
const SEM_KEYS: &[&str] = &["0x2000", "0x2001", "0x80000000", "0x2002"];

/// One invocation: the tool's arguments, and whether it runs as uid 4242.
struct Case {
    args: Vec<String>,
    as_user: bool,
}

fn case(args: &str) -> Case {
    Case { args: split(args), as_user: false }
}

fn user_case(args: &str) -> Case {
    Case { args: split(args), as_user: true }
}

/// Words separated by spaces; `''` is an empty word.
fn split(args: &str) -> Vec<String> {
    args.split_whitespace().map(|w| if w == "''" { String::new() } else { w.to_owned() }).collect()
}

fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn ipcs_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let resources = ["", "-q", "-m", "-s", "-a", "-q -m", "-m -s", "-s -q", "-q -m -s", "-q -a"];
    let formats = ["", "-t", "-p", "-c", "-l", "-u"];
    let units = ["", "-b", "--human"];
    for r in resources {
        for f in formats {
            for u in units {
                cases.push(case(&format!("{r} {f} {u}")));
            }
        }
    }
    for (flag, ids) in [("-q", MSG_IDS), ("-m", SHM_IDS), ("-s", SEM_IDS)] {
        // util-linux 2.38.1 crashes (SIGSEGV) on `ipcs -s -i` with a negative id
        let negative: &[i32] = if flag == "-s" { &[] } else { &[-1, -2] };
        for id in ids.chain(negative.iter().copied()).chain([99, 32768]) {
            for u in units {
                cases.push(case(&format!("{flag} -i {id} {u}")));
            }
        }
        cases.push(user_case(&format!("{flag} -i 0")));
        cases.push(user_case(&format!("{flag} -i 1 -t")));
    }
    let long_forms = [
        "--queues",
        "--shmems --time",
        "--semaphores --creator",
        "--all --pid",
        "--limits --bytes",
        "--summary --human",
        "--qu --sh --se",
        "--id 2 --queues",
        "--id=1 --shmems",
        "--semaph --id=0",
        "-qi0",
        "-mi1 --human",
        "-si 2",
        "-tpc",
        "-lu -q",
        "-ulb",
        "-t -p",
        "-p -t",
        "-c -l -m",
        "-b --human",
        "--human -b",
        "-q -- -m",
        "-m operand",
        "operand -s",
        "-",
    ];
    let errors = [
        "-x",
        "-qx",
        "-i",
        "-q -i",
        "--id",
        "--i",
        "--s",
        "--h",
        "--foo",
        "--foo=bar",
        "--time=3",
        "--ti=3",
        "--human=1",
        "-i 0",
        "-q -m -i 0",
        "-a -i 0",
        "-l -i 0",
        "-q -i abc",
        "-q -i ''",
        "-q -i 5x",
        "-q -i 0x10",
        "-m -i 010",
        "-m -i +2",
        "-m -i -2147483648",
        "--=x",
        "---",
        "--all=",
        "--id=",
        "--he",
        "--help=x",
        "-:",
        "-t -i",
        "-s -i 2147483647",
        "-s -i 2147483648",
        "-s -i -2147483649",
        "-q -i 99999999999",
        "-m -i 4294967295",
    ];
    cases.extend(long_forms.iter().chain(&errors).map(|a| case(a)));
    for a in ["", "-t", "-p", "-c", "-u", "-l", "--human", "-q -i 2", "-s -i 2", "-m -i 5", "-x"] {
        cases.push(user_case(a));
    }
    cases.push(case("-h"));
    cases.push(case("--help"));
    cases
}

fn ipcrm_cases() -> Vec<Case> {
    let mut cases = vec![case("")];
    for (short, long, legacy, ids) in [
        ("-q", "--queue-id", "msg", MSG_IDS),
        ("-m", "--shmem-id", "shm", SHM_IDS),
        ("-s", "--semaphore-id", "sem", SEM_IDS),
    ] {
        for id in ids.clone() {
            cases.push(case(&format!("{short} {id}")));
        }
        cases.push(case(&format!("{long}=1")));
        cases.push(case(&format!("{long} 2 -v")));
        for bad in ["99", "-1", "32768", "abc", "''", "0x1", "+3", "099", "2147483648", "-2147483649"] {
            cases.push(case(&format!("{short} {bad}")));
        }
        cases.push(case(&format!("{short} 0 {short} 0")));
        cases.push(case(&format!("-v {short} 1 {short} 99 {short} 2")));
        cases.push(case(legacy));
        cases.push(case(&format!("{legacy} 0 1")));
        cases.push(case(&format!("{legacy} 2 99 3")));
        cases.push(case(&format!("{legacy} x 1")));
        cases.push(case(&format!("{legacy} ''")));
        cases.push(case(&format!("{legacy} 99999999999")));
        cases.push(case(&format!("{legacy} -1")));
        cases.push(user_case(&format!("{short} 0")));
        cases.push(user_case(&format!("{short} 2 -v")));
        cases.push(user_case(&format!("{legacy} 0 2")));
    }
    for (short, long, keys) in
        [("-Q", "--queue-key", MSG_KEYS), ("-M", "--shmem-key", SHM_KEYS), ("-S", "--semaphore-key", SEM_KEYS)]
    {
        for key in keys {
            cases.push(case(&format!("{short} {key}")));
            cases.push(user_case(&format!("{short} {key}")));
        }
        cases.push(case(&format!("{long} {}", keys[0])));
        cases.push(case(&format!("-v {long}={}", keys[1])));
        for bad in ["0x9999", "0", "0x0", "abc", "''", "-1", "4294967295", "99999999999", "0x1x"] {
            cases.push(case(&format!("{short} {bad}")));
        }
        cases.push(case(&format!("{short} {} {short} {}", keys[0], keys[0])));
    }
    let more = [
        "-a",
        "-v -a",
        "--all",
        "--all=shm",
        "--all=sem",
        "--all=msg -v",
        "-ashm",
        "-amsg -v",
        "--all=foo",
        "--all=foo -q 0",
        "--all=",
        "-a shm",
        "-a -q 0",
        "-q 0 -a -v",
        "--all=msg --all=sem",
        "--all=msg -a",
        "-a --all=shm",
        "-Q 0x1234 -m 0 -S 0x2000 -v",
        "-q 1 operand",
        "-- -q 0",
        "-q",
        "-x",
        "-q 0 -x -q 1",
        "--q",
        "--s",
        "--v",
        "--shmem",
        "--queue-k=0x1234",
        "--verbose=1",
        "--=x",
        "---",
        "-:",
        "-a=shm",
        "--all shm",
        "--queue-id",
        "-M 0x3000 -- -q 0",
        "-q 0 -h",
        "-vh",
        "--ver",
        "--foo",
        "foo 1",
        "-v shm 0",
        "msg 1 -q 2",
        "-h",
        "--help",
    ];
    cases.extend(more.iter().map(|a| case(a)));
    for a in ["-a", "-v -a", "--all=sem -v", "-Q 0xdeadbeef -S 0x2001", "-m 0 -m 2 -m 5", "-s 1 -s 2"] {
        cases.push(user_case(a));
    }
    cases
}

/// Why the comparison cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program).args(args).output().map(|o| o.status.success()).unwrap_or(false)
    };
    if !works("unshare", &["-i", "true"]) {
        return Some("`unshare -i` does not work here (util-linux's unshare, as root)".into());
    }
    let version = Command::new("ipcs").arg("--version").output().map(|o| o.stdout).unwrap_or_default();
    if !String::from_utf8_lossy(&version).contains("util-linux 2.38.1") {
        return Some("no util-linux 2.38.1 ipcs on this machine".into());
    }
    if !works("ipcrm", &["--version"]) || !works("setpriv", &["--version"]) {
        return Some("util-linux's ipcrm or setpriv is missing".into());
    }
    if !works("gcc", &["--version"]) {
        return Some("no gcc".into());
    }
    None
}

fn build(dir: &Path) {
    let tools = workspace_root().join("userspace/tools");
    let ours = dir.join("ours");
    std::fs::create_dir_all(&ours).expect("creating the build directory");
    let programs: [(&str, &[&str]); 3] = [
        ("ours/ipcs", &["ipcs.c", "ipcs_msg.c", "ipcs_shm.c", "ipcs_sem.c"]),
        ("ours/ipcrm", &["ipcrm.c"]),
        ("ipc_fixture", &["test/ipc_fixture.c"]),
    ];
    for (out, sources) in programs {
        let status = Command::new("gcc")
            .args(["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(dir.join(out))
            .args(sources.iter().map(|s| tools.join(s)))
            .status()
            .expect("gcc runs");
        assert!(status.success(), "compiling {out} failed");
    }
}

/// The shell commands that run CASE with util-linux's tool (`ref`) and with ours (`ours`),
/// writing `N.WHO.{out,err,rc}` into $D.
fn commands(tool: &str, n: usize, case: &Case) -> String {
    let user = if case.as_user { "setpriv --reuid 4242 --regid 4243 --clear-groups " } else { "" };
    let args: Vec<String> = case.args.iter().map(|a| quote(a)).collect();
    let args = args.join(" ");
    format!(
        "{user}{tool} {args} >\"$D/{n}.ref.out\" 2>\"$D/{n}.ref.err\"; echo $? >\"$D/{n}.ref.rc\"\n\
         {user}env PATH=\"$OURS:$PATH\" {tool} {args} >\"$D/{n}.ours.out\" 2>\"$D/{n}.ours.err\"; \
         echo $? >\"$D/{n}.ours.rc\"\n"
    )
}

fn run_in_namespace(dir: &Path, script: &str) {
    let path = dir.join("script.sh");
    std::fs::write(&path, script).expect("writing the script");
    let out = Command::new("unshare")
        .arg("-i")
        .arg(dir.join("ipc_fixture"))
        .arg("bash")
        .arg(&path)
        .env("D", dir.join("results"))
        .env("OURS", dir.join("ours"))
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .output()
        .expect("unshare runs");
    assert!(
        out.status.success(),
        "the fixture or its script failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compares the results of case N; a description of the differences, if any.
fn compare(dir: &Path, n: usize, what: &str, files: &[&str]) -> Option<String> {
    let results = dir.join("results");
    let mut report = String::new();
    for f in files {
        let read = |who: &str| std::fs::read(results.join(format!("{n}.{who}.{f}"))).unwrap_or_default();
        let (theirs, ours) = (read("ref"), read("ours"));
        if theirs != ours {
            let _ = write!(
                report,
                "\n--- {f} of util-linux:\n{}--- {f} of ours:\n{}",
                String::from_utf8_lossy(&theirs),
                String::from_utf8_lossy(&ours)
            );
        }
    }
    (!report.is_empty()).then(|| format!("{what}{report}"))
}

fn describe(tool: &str, case: &Case) -> String {
    let args: Vec<String> = case.args.iter().map(|a| if a.is_empty() { "''".into() } else { a.clone() }).collect();
    format!("{tool} {}{}", args.join(" "), if case.as_user { " (as uid 4242)" } else { "" })
}

#[test]
fn ipcs_and_ipcrm_match_util_linux() {
    if let Some(reason) = missing_prerequisite() {
        println!("ipc_tools: skipped: {reason}");
        return;
    }
    let dir: PathBuf = workspace_root().join("target/ipc-tools");
    let _ = std::fs::remove_dir_all(&dir);
    build(&dir);
    std::fs::create_dir_all(dir.join("results")).expect("creating the results directory");
    let mut failures = Vec::new();
    let mut invocations = 0;

    // ipcs: every case in one namespace, whose objects do not change meanwhile
    let ipcs = ipcs_cases();
    let script: String = ipcs.iter().enumerate().map(|(n, c)| commands("ipcs", n, c)).collect();
    run_in_namespace(&dir, &script);
    for (n, c) in ipcs.iter().enumerate() {
        invocations += 2;
        failures.extend(compare(&dir, n, &describe("ipcs", c), &["out", "err", "rc"]));
    }

    // ipcs -l with other limits, set through /proc/sys/kernel in the namespace
    let limits = "echo 1000 >/proc/sys/kernel/shmall; echo 123456789 >/proc/sys/kernel/shmmax; \
                  echo 77 >/proc/sys/kernel/shmmni; echo 5000 >/proc/sys/kernel/msgmax; \
                  echo 1048577 >/proc/sys/kernel/msgmnb; echo 99 >/proc/sys/kernel/msgmni; \
                  echo '250 32000 100 128' >/proc/sys/kernel/sem\n";
    let limit_cases: Vec<Case> = ["-l", "-l -b", "-l --human", "-l -m", "-u"].iter().map(|a| case(a)).collect();
    let base = ipcs.len();
    let script: String = std::iter::once(limits.to_string())
        .chain(limit_cases.iter().enumerate().map(|(n, c)| commands("ipcs", base + n, c)))
        .collect();
    run_in_namespace(&dir, &script);
    for (n, c) in limit_cases.iter().enumerate() {
        invocations += 2;
        failures.extend(compare(&dir, base + n, &describe("ipcs (other limits)", c), &["out", "err", "rc"]));
    }

    // ipcrm: each case twice (util-linux's, ours) on a fresh fixture, then what is left
    let base = base + limit_cases.len();
    for (i, c) in ipcrm_cases().iter().enumerate() {
        let n = base + i;
        let all = commands("ipcrm", n, c);
        let mut lines = all.lines();
        for who in ["ref", "ours"] {
            let line = lines.next().expect("two commands");
            run_in_namespace(&dir, &format!("{line}\nipcs >\"$D/{n}.{who}.left\"\n"));
        }
        invocations += 2;
        failures.extend(compare(&dir, n, &describe("ipcrm", c), &["out", "err", "rc", "left"]));
    }

    println!("ipc_tools: {invocations} invocations compared with util-linux, {} differ", failures.len());
    assert!(failures.is_empty(), "{} invocation(s) differ:\n{}", failures.len(), failures.join("\n\n"));
}
