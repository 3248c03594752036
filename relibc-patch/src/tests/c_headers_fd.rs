//! The C headers `include/sys/signalfd.h` and `include/sys/eventfd.h` against the Rust
//! definitions of `sys_signalfd` and `sys_eventfd`, and both against the host glibc's (the
//! Linux x86_64 reference), with the helpers of [`super::c_headers`]; and the headers with
//! the guest C runtime's own headers, as a guest program includes them (its `fcntl.h` has
//! Redox's open flags, which the flags equal). Without a C compiler the tests say so and
//! pass, unless `KESTREL_REQUIRE_CC` is set.

use std::collections::BTreeMap;

use core::mem::{offset_of, size_of};

use super::c_headers::{check_cxx, check_with_guest_runtime, include_dir, run_c, scratch};
use crate::header::sys_eventfd::{self as efd, eventfd_t};
use crate::header::sys_signalfd::signalfd_siginfo;
use crate::platform;

/// Prints `name value` lines for `struct signalfd_siginfo`, `eventfd_t` and the flags (the
/// `O_*`-valued ones as whether they equal the C library's `O_*`, which differ between the
/// host and the guest); the prototypes' types are checked by assignments.
const LAYOUT_PROGRAM: &str = r#"
#define _POSIX_C_SOURCE 200809L /* sigset_t and O_CLOEXEC under -std=c11 with glibc */
#include <stddef.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <fcntl.h> /* glibc's headers do not bring it; ours do */
int (*sfd)(int, const sigset_t *, int) = signalfd;
int (*efd)(unsigned int, int) = eventfd;
int (*efd_read)(int, eventfd_t *) = eventfd_read;
int (*efd_write)(int, eventfd_t) = eventfd_write;
#define OFF(f) printf("off_%s %zu\n", #f, offsetof(struct signalfd_siginfo, f))
#define SIZE(f) printf("size_%s %zu\n", #f, sizeof(((struct signalfd_siginfo *)0)->f))
#define VAL(c) printf("%s %lld\n", #c, (long long)(c))
#define SAME(a, b) printf("%s_is_%s %d\n", #a, #b, (a) == (b))
int main(void) {
    printf("sizeof_signalfd_siginfo %zu\n", sizeof(struct signalfd_siginfo));
    OFF(ssi_signo); OFF(ssi_errno); OFF(ssi_code); OFF(ssi_pid); OFF(ssi_uid); OFF(ssi_fd);
    OFF(ssi_tid); OFF(ssi_band); OFF(ssi_overrun); OFF(ssi_trapno); OFF(ssi_status);
    OFF(ssi_int); OFF(ssi_ptr); OFF(ssi_utime); OFF(ssi_stime); OFF(ssi_addr);
    OFF(ssi_addr_lsb); OFF(__pad2); OFF(ssi_syscall); OFF(ssi_call_addr); OFF(ssi_arch); OFF(__pad);
    SIZE(ssi_signo); SIZE(ssi_ptr); SIZE(ssi_addr_lsb); SIZE(ssi_syscall); SIZE(ssi_arch); SIZE(__pad);
    { struct signalfd_siginfo s; s.ssi_errno = -1; printf("signed_ssi_errno %d\n", s.ssi_errno < 0); }
    printf("sizeof_eventfd_t %zu\n", sizeof(eventfd_t));
    printf("unsigned_eventfd_t %d\n", (eventfd_t)-1 > 0);
    VAL(EFD_SEMAPHORE);
    SAME(SFD_CLOEXEC, O_CLOEXEC); SAME(SFD_NONBLOCK, O_NONBLOCK);
    SAME(EFD_CLOEXEC, O_CLOEXEC); SAME(EFD_NONBLOCK, O_NONBLOCK);
    return 0;
}
"#;

/// What the Rust side says the layout program must print.
fn rust_layout() -> BTreeMap<String, i64> {
    let info = signalfd_siginfo::default();
    let entries: &[(&str, usize)] = &[
        ("sizeof_signalfd_siginfo", size_of::<signalfd_siginfo>()),
        ("off_ssi_signo", offset_of!(signalfd_siginfo, ssi_signo)),
        ("off_ssi_errno", offset_of!(signalfd_siginfo, ssi_errno)),
        ("off_ssi_code", offset_of!(signalfd_siginfo, ssi_code)),
        ("off_ssi_pid", offset_of!(signalfd_siginfo, ssi_pid)),
        ("off_ssi_uid", offset_of!(signalfd_siginfo, ssi_uid)),
        ("off_ssi_fd", offset_of!(signalfd_siginfo, ssi_fd)),
        ("off_ssi_tid", offset_of!(signalfd_siginfo, ssi_tid)),
        ("off_ssi_band", offset_of!(signalfd_siginfo, ssi_band)),
        ("off_ssi_overrun", offset_of!(signalfd_siginfo, ssi_overrun)),
        ("off_ssi_trapno", offset_of!(signalfd_siginfo, ssi_trapno)),
        ("off_ssi_status", offset_of!(signalfd_siginfo, ssi_status)),
        ("off_ssi_int", offset_of!(signalfd_siginfo, ssi_int)),
        ("off_ssi_ptr", offset_of!(signalfd_siginfo, ssi_ptr)),
        ("off_ssi_utime", offset_of!(signalfd_siginfo, ssi_utime)),
        ("off_ssi_stime", offset_of!(signalfd_siginfo, ssi_stime)),
        ("off_ssi_addr", offset_of!(signalfd_siginfo, ssi_addr)),
        ("off_ssi_addr_lsb", offset_of!(signalfd_siginfo, ssi_addr_lsb)),
        ("off___pad2", offset_of!(signalfd_siginfo, __pad2)),
        ("off_ssi_syscall", offset_of!(signalfd_siginfo, ssi_syscall)),
        ("off_ssi_call_addr", offset_of!(signalfd_siginfo, ssi_call_addr)),
        ("off_ssi_arch", offset_of!(signalfd_siginfo, ssi_arch)),
        ("off___pad", offset_of!(signalfd_siginfo, __pad)),
        ("size_ssi_signo", size_of_val(&info.ssi_signo)),
        ("size_ssi_ptr", size_of_val(&info.ssi_ptr)),
        ("size_ssi_addr_lsb", size_of_val(&info.ssi_addr_lsb)),
        ("size_ssi_syscall", size_of_val(&info.ssi_syscall)),
        ("size_ssi_arch", size_of_val(&info.ssi_arch)),
        ("size___pad", size_of_val(&info.__pad)),
        ("signed_ssi_errno", usize::from(i32::MIN < 0)),
        ("sizeof_eventfd_t", size_of::<eventfd_t>()),
        ("unsigned_eventfd_t", usize::from(eventfd_t::MIN == 0)),
        ("EFD_SEMAPHORE", efd::EFD_SEMAPHORE as usize),
        // The Rust flags are the adapter's O_* (asserted in abi_agreement).
        ("SFD_CLOEXEC_is_O_CLOEXEC", 1),
        ("SFD_NONBLOCK_is_O_NONBLOCK", 1),
        ("EFD_CLOEXEC_is_O_CLOEXEC", 1),
        ("EFD_NONBLOCK_is_O_NONBLOCK", 1),
    ];
    entries.iter().map(|&(k, v)| (k.to_owned(), v as i64)).collect()
}

#[test]
fn fd_headers_match_rust() {
    let inc = include_dir();
    for std in ["-std=c11", "-std=gnu99"] {
        let flags = [inc.as_str(), std, "-pedantic", "-Wall", "-Wextra", "-Werror"];
        if let Some(c) = run_c("fd-ours", LAYOUT_PROGRAM, &flags, &[]) {
            assert_eq!(c, rust_layout(), "{std}");
        }
    }
}

/// The reference: the host glibc's `sys/signalfd.h` and `sys/eventfd.h`.
#[test]
fn fd_rust_matches_host_glibc() {
    if let Some(host) = run_c("fd-glibc", LAYOUT_PROGRAM, &["-Wall", "-Werror"], &[]) {
        assert_eq!(host, rust_layout());
    }
}

#[test]
fn fd_headers_compile_as_cxx() {
    let inc = include_dir();
    let dir = scratch("fd-cxx");
    let src = dir.join("prog.cc");
    let program = "#include <sys/signalfd.h>\n#include <sys/eventfd.h>\n\
        long f(const sigset_t *mask) { signalfd_siginfo info{}; eventfd_t v = 1; \
        int fd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK); \
        int e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE); \
        return fd + e + eventfd_write(e, v) + eventfd_read(e, &v) + long(info.ssi_signo); }\n\
        int main() { return 0; }\n";
    check_cxx(&inc, &src, program);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With the guest C runtime's headers only (as `kestrel-cc` compiles): the headers bring
/// `sigset_t` and the signal numbers, `O_*` and the fixed-width types, and the flags have
/// the runtime's (the kernel's) values.
#[test]
fn fd_headers_compile_with_the_guest_runtime_headers() {
    let program = format!(
        r#"
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo");
_Static_assert(offsetof(struct signalfd_siginfo, ssi_ptr) == 48, "ssi_ptr");
_Static_assert(offsetof(struct signalfd_siginfo, ssi_addr_lsb) == 80, "ssi_addr_lsb");
_Static_assert(offsetof(struct signalfd_siginfo, ssi_arch) == 96, "ssi_arch");
_Static_assert(sizeof(sigset_t) == 8, "the kernel's 8-byte sigset");
_Static_assert(sizeof(eventfd_t) == 8 && (eventfd_t)-1 > 0, "eventfd_t");
_Static_assert(SFD_CLOEXEC == {cloexec} && SFD_NONBLOCK == {nonblock}, "SFD_*");
_Static_assert(EFD_CLOEXEC == {cloexec} && EFD_NONBLOCK == {nonblock} && EFD_SEMAPHORE == 1, "EFD_*");
long use(void) {{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    eventfd_t v = 0;
    int e = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
    return fd + e + eventfd_read(e, &v) + eventfd_write(e, v);
}}
"#,
        cloexec = platform::O_CLOEXEC,
        nonblock = platform::O_NONBLOCK,
    );
    let dir = scratch("fd-guest");
    let src = dir.join("prog.c");
    check_with_guest_runtime(&src, &program);
    std::fs::remove_dir_all(&dir).unwrap();
}
