//! The C header `include/sys/ipc.h` against the Rust definitions, and both against the host's
//! glibc (Linux x86_64 is the reference ABI). Each test compiles a small C program with the
//! host C compiler (`$CC`, else `cc`), runs it and reads `name value` lines from it. Without
//! a C compiler the tests say so and pass, unless `KESTREL_REQUIRE_CC` is set.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use core::mem::{offset_of, size_of};

use crate::header::sys_ipc::{self as ipc, ipc_perm};

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// Prints, for the `struct ipc_perm` and the constants in scope, `name value` lines.
const LAYOUT_PROGRAM: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <sys/ipc.h>
#define OFF(f) printf("off_%s %zu\n", #f, offsetof(struct ipc_perm, f))
#define SIZE(f) printf("size_%s %zu\n", #f, sizeof(((struct ipc_perm *)0)->f))
#define VAL(c) printf("%s %lld\n", #c, (long long)(c))
int main(void) {
    printf("sizeof %zu\n", sizeof(struct ipc_perm));
    OFF(__key); OFF(uid); OFF(gid); OFF(cuid); OFF(cgid); OFF(mode); OFF(__seq);
    OFF(__glibc_reserved1); OFF(__glibc_reserved2);
    SIZE(__key); SIZE(uid); SIZE(gid); SIZE(mode); SIZE(__seq); SIZE(__glibc_reserved1);
    VAL(IPC_CREAT); VAL(IPC_EXCL); VAL(IPC_NOWAIT); VAL(IPC_RMID); VAL(IPC_SET);
    VAL(IPC_STAT); VAL(IPC_INFO); VAL(IPC_PRIVATE); VAL(sizeof(key_t));
    return 0;
}
"#;

/// A scratch directory for one test.
pub(super) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kestrel-relibc-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `program` to `src` and checks its syntax as C++ against the wrapper's headers
/// (`inc`, an `-I` flag) with `$CXX`, else `c++`; without a C++ compiler it says so and
/// passes.
pub(super) fn check_cxx(inc: &str, src: &Path, program: &str) {
    std::fs::write(src, program).unwrap();
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    match Command::new(&cxx).arg(inc).args(["-fsyntax-only", "-Wall", "-Werror"]).arg(src).output() {
        Ok(out) => assert!(out.status.success(), "{cxx}: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => eprintln!("skipped the C++ check: no `{cxx}` ({e})"),
    }
}

/// Checks the syntax of `source`, written to `src`, as C11 and GNU C11 with only the
/// wrapper's headers, the guest C runtime's (`userspace/libc/include`) and the compiler's
/// own (as `kestrel-cc` compiles). Without a C compiler it says so and passes, unless
/// `KESTREL_REQUIRE_CC` is set.
pub(super) fn check_with_guest_runtime(src: &Path, source: &str) {
    let crate_dir = Path::new(CRATE_DIR);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let Ok(out) = Command::new(&cc).arg("-print-file-name=include").output() else {
        assert!(std::env::var_os("KESTREL_REQUIRE_CC").is_none(), "no C compiler `{cc}`");
        eprintln!("skipped: no C compiler `{cc}`");
        return;
    };
    let compiler_include = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    std::fs::write(src, source).unwrap();
    for std in ["-std=c11", "-std=gnu11"] {
        let out = Command::new(&cc)
            .args(["-fsyntax-only", "-nostdinc", std, "-pedantic", "-Wall", "-Wextra", "-Werror", "-isystem"])
            .arg(crate_dir.join("include"))
            .arg("-isystem")
            .arg(crate_dir.join("../userspace/libc/include"))
            .arg("-isystem")
            .arg(&compiler_include)
            .arg(src)
            .output()
            .unwrap();
        assert!(out.status.success(), "{cc} {std} {}: {}", src.display(), String::from_utf8_lossy(&out.stderr));
    }
}

/// Compiles `source` with `flags`, runs it and parses its `name value` lines; `None` if
/// there is no C compiler.
pub(super) fn run_c(name: &str, source: &str, flags: &[&str], args: &[&str]) -> Option<BTreeMap<String, i64>> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let dir = scratch(name);
    let src = dir.join("prog.c");
    let exe = dir.join("prog");
    std::fs::write(&src, source).unwrap();
    let compiled = match Command::new(&cc).args(flags).arg("-o").arg(&exe).arg(&src).output() {
        Ok(out) => out,
        Err(e) if std::env::var_os("KESTREL_REQUIRE_CC").is_none() => {
            eprintln!("skipped: no C compiler `{cc}` ({e})");
            return None;
        }
        Err(e) => panic!("no C compiler `{cc}`: {e}"),
    };
    assert!(compiled.status.success(), "{cc} failed:\n{}", String::from_utf8_lossy(&compiled.stderr));
    let out = Command::new(&exe).args(args).output().unwrap();
    assert!(out.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    Some(
        text.lines()
            .map(|line| {
                let (k, v) = line.split_once(' ').unwrap();
                (k.to_owned(), v.parse().unwrap())
            })
            .collect(),
    )
}

pub(super) fn include_dir() -> String {
    format!("-I{}", Path::new(CRATE_DIR).join("include").display())
}

/// What the Rust side says the layout program must print.
fn rust_layout() -> BTreeMap<String, i64> {
    let perm = ipc_perm::default();
    let entries: &[(&str, usize)] = &[
        ("sizeof", size_of::<ipc_perm>()),
        ("off___key", offset_of!(ipc_perm, __key)),
        ("off_uid", offset_of!(ipc_perm, uid)),
        ("off_gid", offset_of!(ipc_perm, gid)),
        ("off_cuid", offset_of!(ipc_perm, cuid)),
        ("off_cgid", offset_of!(ipc_perm, cgid)),
        ("off_mode", offset_of!(ipc_perm, mode)),
        ("off___seq", offset_of!(ipc_perm, __seq)),
        ("off___glibc_reserved1", offset_of!(ipc_perm, __glibc_reserved1)),
        ("off___glibc_reserved2", offset_of!(ipc_perm, __glibc_reserved2)),
        ("size___key", size_of_val(&perm.__key)),
        ("size_uid", size_of_val(&perm.uid)),
        ("size_gid", size_of_val(&perm.gid)),
        ("size_mode", size_of_val(&perm.mode)),
        ("size___seq", size_of_val(&perm.__seq)),
        ("size___glibc_reserved1", size_of_val(&perm.__glibc_reserved1)),
        ("sizeof(key_t)", size_of::<crate::platform::key_t>()),
    ];
    let mut map: BTreeMap<String, i64> = entries.iter().map(|&(k, v)| (k.to_owned(), v as i64)).collect();
    for (k, v) in [
        ("IPC_CREAT", ipc::IPC_CREAT),
        ("IPC_EXCL", ipc::IPC_EXCL),
        ("IPC_NOWAIT", ipc::IPC_NOWAIT),
        ("IPC_RMID", ipc::IPC_RMID),
        ("IPC_SET", ipc::IPC_SET),
        ("IPC_STAT", ipc::IPC_STAT),
        ("IPC_INFO", ipc::IPC_INFO),
        ("IPC_PRIVATE", ipc::IPC_PRIVATE),
    ] {
        map.insert(k.to_owned(), v.into());
    }
    map
}

#[test]
fn c_header_matches_rust() {
    let flags = [include_dir().as_str(), "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror"].map(String::from);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    if let Some(c) = run_c("ours", LAYOUT_PROGRAM, &flags, &[]) {
        assert_eq!(c, rust_layout());
    }
}

#[test]
fn c_header_compiles_as_gnu99_and_cxx() {
    let inc = include_dir();
    let Some(_) = run_c("gnu99", LAYOUT_PROGRAM, &[&inc, "-std=gnu99", "-Wall", "-Werror"], &[]) else { return };
    // C++ programs see the same declarations with C linkage.
    let dir = scratch("cxx");
    let src = dir.join("prog.cc");
    let program = "#include <sys/ipc.h>\nkey_t (*f)(const char *, int) = ftok;\nint main() { ipc_perm p{}; return int(p.mode); }\n";
    check_cxx(&inc, &src, program);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The reference: the host's own glibc `sys/ipc.h` must agree on every offset and value.
#[test]
fn rust_matches_host_glibc() {
    let flags = ["-D_GNU_SOURCE", "-Wall", "-Werror"];
    if let Some(host) = run_c("glibc", LAYOUT_PROGRAM, &flags, &[]) {
        assert_eq!(host, rust_layout());
    }
}

/// `ftok_key` against the host glibc's `ftok` of real files.
#[test]
fn key_matches_host_glibc_ftok() {
    const PROGRAM: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
int main(int argc, char **argv) {
    for (int i = 2; i < argc; i++)
        printf("%s %d\n", argv[i], (int)ftok(argv[1], atoi(argv[i])));
    return 0;
}
"#;
    let ids = ["0", "1", "65", "127", "128", "255", "256", "321", "-1", "-200"];
    for path in [CRATE_DIR.to_owned() + "/Cargo.toml", CRATE_DIR.to_owned(), "/".to_owned()] {
        let args: Vec<&str> = std::iter::once(path.as_str()).chain(ids).collect();
        let Some(keys) = run_c("ftok", PROGRAM, &["-Wall", "-Werror"], &args) else { return };
        let meta = std::fs::metadata(&path).unwrap();
        for id in ids {
            let expected = ipc::ftok_key(meta.ino(), meta.dev(), id.parse().unwrap());
            assert_eq!(keys[id], i64::from(expected), "ftok({path}, {id})");
        }
    }
}
