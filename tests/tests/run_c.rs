//! `just run-c`: an ordinary C file compiled against the sysroot, booted as the only guest
//! program, its output streamed and its exit status returned.

use std::process::Command;

use integration::workspace_root;

/// Builds what `scripts/run-c` needs (the kernel, init and the sysroot) and runs it on
/// `source`; returns its exit status and output.
fn run_c(source: &str, name: &str, args: &[&str]) -> (i32, String) {
    let root = workspace_root();
    let kernel = integration::kernel_elf();
    assert!(kernel.ends_with("target/release/kernel"), "run-c boots target/release/kernel");
    integration::initfs::build_c_tests();
    let dir = std::env::temp_dir().join(format!("kestrel-run-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.c"));
    std::fs::write(&file, source).unwrap();
    let out = Command::new(root.join("scripts/run-c")).arg(&file).args(args).output().expect("run-c runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn exit_status_comes_back() {
    let (status, out) = run_c("#include <stdio.h>\nint main(void) { puts(\"three\"); return 3; }\n", "three", &[]);
    assert_eq!(status, 3, "{out}");
    assert!(out.contains("three"), "{out}");
}

#[test]
fn ten_children_each_print_and_exit_with_their_status() {
    let source = r#"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
    for (int i = 0; i < 10; i++)
        if (fork() == 0) { printf("child %d says %s\n", i, argc > 1 ? argv[1] : "-"); exit(20 + i); }
    int sum = 0;
    for (int i = 0; i < 10; i++) { int st; if (wait(&st) > 0 && WIFEXITED(st)) sum += WEXITSTATUS(st); }
    printf("sum %d\n", sum);
    return sum == 245 ? 7 : 1;
}
"#;
    let (status, out) = run_c(source, "tenkids", &["hello world"]);
    assert_eq!(status, 7, "{out}");
    for i in 0..10 {
        assert!(out.contains(&format!("child {i} says hello world")), "{out}");
    }
    assert!(out.contains("sum 245"), "{out}");
}
