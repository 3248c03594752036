//! Building initfs images: packing files (the layout of `kestrel_abi::initfs`, checked
//! with its parser), and the standard guest image with `init`, the test programs, the
//! operator tools (`ipcs`, `ipcrm`) and the files of `userspace/rootfs/` (`etc/passwd`,
//! `etc/group`).
//!
//! The writer lives here, not in the abi crate: an abi feature needing `std` would be
//! unified by cargo into the kernel's and the guest programs' builds of the abi (same
//! target, same invocation) and link `std`'s panic handler into them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kestrel_abi::initfs::{self, ENTRY, HEADER, MAGIC, MANIFEST};

/// File data starts on page boundaries, so the kernel can map it directly.
pub const ALIGN: usize = 4096;

/// Lays out `files` as an initfs image: header, entries, names, then page-aligned data.
pub fn pack(files: &[(&str, &[u8])]) -> Result<Vec<u8>, String> {
    let too_big = || "the image would exceed the format's 32-bit fields".to_string();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&u32::try_from(files.len()).map_err(|_| too_big())?.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let mut name_at = HEADER + files.len() * ENTRY;
    let names_len: usize = files.iter().map(|(n, _)| n.len()).sum();
    let mut data_at = (name_at + names_len).next_multiple_of(ALIGN);
    for (name, data) in files {
        out.extend_from_slice(&u32::try_from(name_at).map_err(|_| too_big())?.to_le_bytes());
        out.extend_from_slice(&u32::try_from(name.len()).map_err(|_| too_big())?.to_le_bytes());
        out.extend_from_slice(&(data_at as u64).to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        name_at += name.len();
        data_at = (data_at + data.len()).next_multiple_of(ALIGN);
    }
    for (name, _) in files {
        out.extend_from_slice(name.as_bytes());
    }
    for (_, data) in files {
        out.resize(out.len().next_multiple_of(ALIGN), 0);
        out.extend_from_slice(data);
    }
    Ok(out)
}

/// The name a file is packed under.
pub fn base_name(path: &Path) -> Result<String, String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: no usable file name", path.display()))
}

/// Packs `files` under their base names, plus `manifest` as the file `tests`, and checks
/// that every file reads back through the abi's parser.
pub fn image_from_files(files: &[PathBuf], manifest: Option<Vec<u8>>) -> Result<Vec<u8>, String> {
    image_from_parts(files, &[], manifest)
}

/// Every file under `dir`, named by its path relative to `dir` (`etc/passwd`), sorted by
/// name.
pub fn tree_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            let name = format!("{prefix}{}", base_name(&path)?);
            if path.is_dir() {
                walk(&path, &format!("{name}/"), out)?;
            } else {
                let data = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                out.push((name, data));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The files every guest image carries besides its programs: `userspace/rootfs/`.
pub fn root_files() -> Result<Vec<(String, Vec<u8>)>, String> {
    tree_files(&crate::workspace_root().join("userspace/rootfs"))
}

/// Packs `files` under their base names, `named` under the names given (which may be
/// paths such as `etc/passwd`), and `manifest` as the file `tests`; checks the names
/// (valid, distinct, none both a file and a directory) and that every file reads back
/// through the abi's parser.
pub fn image_from_parts(
    files: &[PathBuf],
    named: &[(String, Vec<u8>)],
    manifest: Option<Vec<u8>>,
) -> Result<Vec<u8>, String> {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for path in files {
        let name = base_name(path)?;
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        entries.push((name, data));
    }
    entries.extend(named.iter().cloned());
    if let Some(mut text) = manifest {
        if !text.is_empty() && !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        entries.push((MANIFEST.to_owned(), text));
    }
    for (i, (name, _)) in entries.iter().enumerate() {
        if !initfs::valid_name(name) {
            return Err(format!("{name:?} is not a valid initfs name"));
        }
        if entries[..i].iter().any(|(other, _)| other == name) {
            return Err(format!("two files are named {name:?}"));
        }
        let as_dir = format!("{name}/");
        if entries.iter().any(|(other, _)| other.starts_with(&as_dir)) {
            return Err(format!("{name:?} is both a file and a directory"));
        }
    }
    let pairs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let image = pack(&pairs)?;
    let parsed = initfs::Image::parse(&image).map_err(|e| format!("the packed image does not parse: {e:?}"))?;
    for (name, data) in &pairs {
        if parsed.find(name).map(|f| f.data) != Some(*data) {
            return Err(format!("{name} does not read back from the packed image"));
        }
    }
    Ok(image)
}

/// The guest test programs: every `userspace/src/bin/t_*.rs` except the helper, and the
/// stress tests `stress_*.rs` (whose defaults are their short runs).
pub fn guest_tests() -> Vec<String> {
    let dir = crate::workspace_root().join("userspace/src/bin");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".rs").map(str::to_owned))
        .filter(|n| (n.starts_with("t_") && n != "t_helper") || n.starts_with("stress_"))
        .collect();
    names.sort();
    names
}

/// Builds the guest C sysroot (`target/sysroot`) and compiles every guest C test
/// (`userspace/libc/tests/c_*.c` and `userspace/c-tests/c_*.c`) into `target/c/`;
/// returns the programs' paths. Done once per process (tests call it in parallel).
pub fn build_c_tests() -> Vec<PathBuf> {
    static PROGRAMS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    PROGRAMS.get_or_init(compile_c_tests).clone()
}

fn compile_c_tests() -> Vec<PathBuf> {
    let root = crate::workspace_root();
    let sysroot = build_sysroot();
    let out = root.join("target/c");
    std::fs::create_dir_all(&out).expect("creating target/c");
    let mut sources: Vec<PathBuf> = ["userspace/libc/tests", "userspace/c-tests"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok())
        .flatten()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "c")
                && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("c_"))
        })
        .collect();
    sources.sort();
    sources
        .iter()
        .map(|src| {
            let name = src.file_stem().expect("a C file has a name").to_string_lossy().into_owned();
            let program = out.join(&name);
            let status = Command::new(sysroot.join("bin/kestrel-cc"))
                .args(["-O2", "-Wall", "-o"])
                .arg(&program)
                .arg(src)
                .status()
                .expect("kestrel-cc runs");
            assert!(status.success(), "compiling {} failed", src.display());
            program
        })
        .collect()
}

/// The operator tools (`ipcs`, `ipcrm` from `userspace/tools/`), compiled against the
/// sysroot into `target/c-tools/` by `scripts/build-c-tools`; returns the programs'
/// paths. Every guest image carries them (`/scheme/initfs/ipcs`); `c_ipc_tools` tests
/// them. Done once per process.
pub fn build_c_tools() -> Vec<PathBuf> {
    static PROGRAMS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    PROGRAMS
        .get_or_init(|| {
            let root = crate::workspace_root();
            build_sysroot();
            let out = Command::new(root.join("scripts/build-c-tools"))
                .arg(root.join("target/c-tools"))
                .current_dir(&root)
                .output()
                .expect("build-c-tools runs");
            assert!(
                out.status.success(),
                "building the operator tools failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).split_whitespace().map(PathBuf::from).collect()
        })
        .clone()
}

/// Guest tests given longer than init's default time limit, with their limit in seconds.
const LONG_TESTS: [(&str, u64); 3] = [("c_exhaust", 300), ("c_leaks", 300), ("c_sem_basic", 180)];

/// A small image `target/initfs-NAME.img` of the Rust guest programs `programs` (built
/// with cargo, `init` always among them) and `manifest` as the test list, for the tests
/// that need a guest but not the whole suite. Built once per process and name.
pub fn small_image(name: &str, programs: &[&str], manifest: Option<&str>) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let root = crate::workspace_root();
    let out = root.join(format!("target/initfs-{name}.img"));
    if built.iter().any(|n| n == name) {
        return out;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-q", "-p", "userspace", "--release", "--bin", "init"]);
    for program in programs {
        cmd.args(["--bin", program]);
    }
    let status = cmd.current_dir(&root).status().expect("cargo runs");
    assert!(status.success(), "building the guest programs failed");
    let bin = root.join("target/release");
    let mut files = vec![bin.join("init")];
    files.extend(programs.iter().map(|p| bin.join(p)));
    let image = image_from_files(&files, manifest.map(|m| m.as_bytes().to_vec())).expect("packing the initfs");
    std::fs::write(&out, image).expect("writing the initfs");
    built.push(name.to_owned());
    out
}

/// The benchmark's name in the standard guest image.
pub const BENCH_NAME: &str = "ipcbench";

/// Builds the standard guest image into `target/initfs.img`: the Rust guest programs
/// (cargo), the C tests (sysroot and kestrel-cc), the operator tools, the benchmark
/// (`ipcbench`, not in the manifest), the files of `userspace/rootfs/`, and a manifest
/// naming every test.
pub fn build_guest_initfs() -> PathBuf {
    let root = crate::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "userspace", "--release"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the guest programs failed");
    let bin = root.join("target/release");
    let mut tests = guest_tests();
    let mut files = vec![bin.join("init"), bin.join("t_helper")];
    files.extend(tests.iter().map(|t| bin.join(t)));
    for program in build_c_tests() {
        let name = base_name(&program).expect("a program has a name");
        // The tests that exhaust the machine take tens of seconds on the debug kernel:
        // more than init's default minute when the host is busy.
        let timeout = LONG_TESTS.iter().find(|(n, _)| *n == name).map(|(_, secs)| format!(" timeout={secs}"));
        tests.push(format!("{name}{}", timeout.unwrap_or_default()));
        files.push(program);
    }
    files.extend(build_c_tools());
    let mut named = root_files().expect("reading userspace/rootfs");
    // The benchmark, for the ISO's menu entry (not a test: `just bench` runs it).
    match crate::bench::build_kestrel_program(&build_sysroot()) {
        Ok(bench) => named.push((BENCH_NAME.to_owned(), std::fs::read(&bench.path).expect("reading the benchmark"))),
        Err(e) => eprintln!("guest initfs: without {BENCH_NAME}: {e}"),
    }
    let image = image_from_parts(&files, &named, Some(tests.join("\n").into_bytes())).expect("packing the initfs");
    let out = root.join("target/initfs.img");
    std::fs::write(&out, image).expect("writing target/initfs.img");
    out
}

/// The standard guest image: `$KESTREL_INITFS` if set (the justfile builds it first),
/// else [`build_guest_initfs`], once per test process.
pub fn guest_initfs() -> PathBuf {
    static IMAGE: OnceLock<PathBuf> = OnceLock::new();
    IMAGE.get_or_init(|| std::env::var_os("KESTREL_INITFS").map_or_else(build_guest_initfs, PathBuf::from)).clone()
}

/// Builds the guest C sysroot (`target/sysroot`, with `bin/kestrel-cc`) once per process
/// and returns its path; for tests that compile their own guest programs.
pub fn build_sysroot() -> PathBuf {
    static SYSROOT: OnceLock<PathBuf> = OnceLock::new();
    SYSROOT
        .get_or_init(|| {
            let root = crate::workspace_root();
            let sysroot = root.join("target/sysroot");
            let status = Command::new(root.join("scripts/mksysroot"))
                .arg(&sysroot)
                .current_dir(&root)
                .status()
                .expect("mksysroot runs");
            assert!(status.success(), "building the guest C sysroot failed");
            sysroot
        })
        .clone()
}
