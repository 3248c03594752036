//! relibc-patch's carrier series (`relibc-patch/series/`) and `apply-series` against
//! upstream relibc at the series' base commit: every carrier applies to a fresh tree and
//! their sum is `relibc.patch`; a carrier the tree already has is reported as droppable;
//! a carrier that meets a conflicting edit is reported as FAILED with git's message and
//! the script exits 1; the patched tree's `src/platform/kestrel_protocol.rs` is
//! `abi/src/protocol.rs` byte for byte. The trees are `git clone --shared` copies of the relibc mirror
//! (`$RELIBC_MIRROR`, default `/work/.mirror/redox-os+relibc/repo`), which is only read;
//! without the mirror or `git` the tests that need them say so and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use integration::workspace_root;

fn patch_dir() -> PathBuf {
    workspace_root().join("relibc-patch")
}

/// The carriers in apply order (`series/series`).
fn carriers() -> Vec<String> {
    let path = patch_dir().join("series/series");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// The base commit, as `mkpatch` names it (`UPSTREAM=...`).
fn upstream() -> String {
    let mkpatch = std::fs::read_to_string(patch_dir().join("mkpatch")).expect("mkpatch");
    let line = mkpatch.lines().find(|l| l.starts_with("UPSTREAM=")).expect("UPSTREAM= in mkpatch");
    line["UPSTREAM=".len()..].trim().to_owned()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh tree of the base commit in a new scratch directory, or `None` (with a note)
/// when the mirror or git is missing.
fn fresh_tree(name: &str) -> Option<(Scratch, PathBuf)> {
    let mirror = std::env::var("RELIBC_MIRROR").unwrap_or_else(|_| "/work/.mirror/redox-os+relibc/repo".into());
    let base = upstream();
    let has_base = Command::new("git").args(["-C", &mirror, "cat-file", "-e", &format!("{base}^{{commit}}")]).output();
    if !matches!(has_base, Ok(ref out) if out.status.success()) {
        eprintln!("relibc_series: skipped: no git, or no relibc mirror with {base} at {mirror}");
        return None;
    }
    let scratch = Scratch(std::env::temp_dir().join(format!("kestrel-series-{name}-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    let tree = scratch.0.join("relibc");
    let clone = run(Command::new("git").args(["clone", "-q", "--shared", "--no-checkout", &mirror]).arg(&tree));
    assert!(clone.status.success(), "git clone: {}", String::from_utf8_lossy(&clone.stderr));
    let checkout = run(Command::new("git").arg("-C").arg(&tree).args(["checkout", "-q", "--detach", &base]));
    assert!(checkout.status.success(), "git checkout: {}", String::from_utf8_lossy(&checkout.stderr));
    Some((scratch, tree))
}

/// `apply-series TREE`: its exit code and its report lines.
fn apply_series(tree: &Path) -> (i32, Vec<String>) {
    let out = run(Command::new(patch_dir().join("apply-series")).arg(tree));
    let report = String::from_utf8(out.stdout).expect("utf-8 report");
    (out.status.code().expect("exit code"), report.lines().map(str::to_owned).collect())
}

#[test]
fn the_series_file_lists_every_numbered_carrier() {
    let listed = carriers();
    let mut files: Vec<String> = std::fs::read_dir(patch_dir().join("series"))
        .expect("series/")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".patch"))
        .collect();
    files.sort();
    assert_eq!(listed, files, "series/series and the patch files differ");
    for (i, name) in listed.iter().enumerate() {
        assert!(name.starts_with(&format!("{:04}-", i + 1)), "{name} is carrier {}", i + 1);
    }
    assert_eq!(listed.first().map(String::as_str), Some("0001-ipc_perm.patch"), "the ipc_perm change comes first");
}

#[test]
fn every_carrier_applies_to_a_fresh_tree_and_they_sum_to_relibc_patch() {
    let Some((_scratch, tree)) = fresh_tree("fresh") else { return };
    let (code, report) = apply_series(&tree);
    let expected: Vec<String> = carriers().iter().map(|c| format!("{c}: applied")).collect();
    assert_eq!(report, expected);
    assert_eq!(code, 0);
    let sum = run(Command::new("git")
        .arg("-C")
        .arg(&tree)
        .args(["apply", "--reverse", "--check"])
        .arg(patch_dir().join("relibc.patch")));
    assert!(sum.status.success(), "relibc.patch is not the series' sum: {}", String::from_utf8_lossy(&sum.stderr));
    // The schemes' protocol in the patched tree is the kernel's file, byte for byte.
    let shipped = std::fs::read(tree.join("src/platform/kestrel_protocol.rs")).expect("the patched tree's protocol");
    let protocol = std::fs::read(workspace_root().join("abi/src/protocol.rs")).expect("abi/src/protocol.rs");
    assert!(
        shipped == protocol,
        "the patched tree's src/platform/kestrel_protocol.rs differs from abi/src/protocol.rs"
    );
}

#[test]
fn a_carrier_upstream_already_has_is_reported_droppable() {
    let Some((_scratch, tree)) = fresh_tree("pre") else { return };
    let first = carriers()[0].clone();
    let apply = run(Command::new("git").arg("-C").arg(&tree).arg("apply").arg(patch_dir().join("series").join(&first)));
    assert!(apply.status.success(), "{}", String::from_utf8_lossy(&apply.stderr));
    let (code, report) = apply_series(&tree);
    assert_eq!(report[0], format!("{first}: already upstream (can be dropped)"));
    assert!(report[1..].iter().all(|l| l.ends_with(": applied")), "{report:#?}");
    assert_eq!(code, 0);
}

#[test]
fn a_conflicting_edit_is_reported_failed_with_gits_message() {
    let Some((_scratch, tree)) = fresh_tree("conflict") else { return };
    let header_mod = tree.join("src/header/mod.rs");
    let text = std::fs::read_to_string(&header_mod).unwrap();
    assert!(text.contains("// TODO: sys/msg.h\n"), "upstream's TODO line for sys/msg.h");
    std::fs::write(&header_mod, text.replace("// TODO: sys/msg.h\n", "pub mod sys_msg; // another\n")).unwrap();
    let (code, report) = apply_series(&tree);
    assert_eq!(code, 1);
    let failed = report.iter().position(|l| l == "0005-sys_msg.patch: FAILED").expect("sys_msg reported FAILED");
    assert!(report[failed + 1].starts_with("    error: patch failed: src/header/mod.rs"), "{report:#?}");
    assert!(report[..failed].iter().all(|l| l.ends_with(": applied")), "{report:#?}");
}
