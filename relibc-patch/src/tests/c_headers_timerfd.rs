//! The C header `include/sys/timerfd.h` against the Rust definitions of `sys_timerfd` (and
//! the adapter's `struct itimerspec`), and both against the host glibc's (the Linux x86_64
//! reference), with the helpers of [`super::c_headers`]; and the header with the guest C
//! runtime's own headers, as a guest program includes it (its `time.h` has no `struct
//! itimerspec`, so the header's own is the one used; its `fcntl.h` has Redox's open flags,
//! which the flags equal). Without a C compiler the tests say so and pass, unless
//! `KESTREL_REQUIRE_CC` is set.

use std::collections::BTreeMap;

use core::mem::{offset_of, size_of};

use super::c_headers::{check_cxx, check_with_guest_runtime, include_dir, run_c, scratch};
use crate::header::sys_timerfd as tfd;
use crate::platform::{self, itimerspec, timespec};

/// Prints `name value` lines for `struct itimerspec` and the flags (the `O_*`-valued ones
/// as whether they equal the C library's `O_*`, which differ between the host and the
/// guest); the prototypes' types are checked by assignments.
const LAYOUT_PROGRAM: &str = r#"
#define _POSIX_C_SOURCE 200809L /* struct itimerspec and O_CLOEXEC under -std=c11 with glibc */
#include <stddef.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <fcntl.h> /* glibc's sys/timerfd.h does not bring it; ours does */
int (*tfd_create)(int, int) = timerfd_create;
int (*tfd_settime)(int, int, const struct itimerspec *, struct itimerspec *) = timerfd_settime;
int (*tfd_gettime)(int, struct itimerspec *) = timerfd_gettime;
#define VAL(c) printf("%s %lld\n", #c, (long long)(c))
#define SAME(a, b) printf("%s_is_%s %d\n", #a, #b, (a) == (b))
int main(void) {
    struct itimerspec t;
    printf("sizeof_itimerspec %zu\n", sizeof(struct itimerspec));
    printf("off_it_interval %zu\n", offsetof(struct itimerspec, it_interval));
    printf("off_it_value %zu\n", offsetof(struct itimerspec, it_value));
    printf("sizeof_timespec %zu\n", sizeof t.it_value);
    printf("off_tv_sec %zu\n", offsetof(struct timespec, tv_sec));
    printf("off_tv_nsec %zu\n", offsetof(struct timespec, tv_nsec));
    printf("size_tv_sec %zu\n", sizeof t.it_value.tv_sec);
    printf("size_tv_nsec %zu\n", sizeof t.it_value.tv_nsec);
    VAL(TFD_TIMER_ABSTIME); VAL(TFD_TIMER_CANCEL_ON_SET);
    SAME(TFD_CLOEXEC, O_CLOEXEC); SAME(TFD_NONBLOCK, O_NONBLOCK);
    /* The header brings <time.h>'s clocks. */
    printf("have_clocks %d\n", CLOCK_REALTIME != CLOCK_MONOTONIC);
    return 0;
}
"#;

/// What the Rust side says the layout program must print.
fn rust_layout() -> BTreeMap<String, i64> {
    let t = itimerspec::default();
    let entries: &[(&str, usize)] = &[
        ("sizeof_itimerspec", size_of::<itimerspec>()),
        ("off_it_interval", offset_of!(itimerspec, it_interval)),
        ("off_it_value", offset_of!(itimerspec, it_value)),
        ("sizeof_timespec", size_of::<timespec>()),
        ("off_tv_sec", offset_of!(timespec, tv_sec)),
        ("off_tv_nsec", offset_of!(timespec, tv_nsec)),
        ("size_tv_sec", size_of_val(&t.it_value.tv_sec)),
        ("size_tv_nsec", size_of_val(&t.it_value.tv_nsec)),
        ("TFD_TIMER_ABSTIME", tfd::TFD_TIMER_ABSTIME as usize),
        ("TFD_TIMER_CANCEL_ON_SET", tfd::TFD_TIMER_CANCEL_ON_SET as usize),
        // The Rust flags are the adapter's O_* (asserted in abi_agreement).
        ("TFD_CLOEXEC_is_O_CLOEXEC", 1),
        ("TFD_NONBLOCK_is_O_NONBLOCK", 1),
        ("have_clocks", 1),
    ];
    entries.iter().map(|&(k, v)| (k.to_owned(), v as i64)).collect()
}

#[test]
fn timerfd_header_matches_rust() {
    let inc = include_dir();
    for std in ["-std=c11", "-std=gnu99"] {
        let flags = [inc.as_str(), std, "-pedantic", "-Wall", "-Wextra", "-Werror"];
        if let Some(c) = run_c("tfd-ours", LAYOUT_PROGRAM, &flags, &[]) {
            assert_eq!(c, rust_layout(), "{std}");
        }
    }
}

/// The reference: the host glibc's `sys/timerfd.h` (and its `time.h`'s `struct
/// itimerspec`).
#[test]
fn timerfd_rust_matches_host_glibc() {
    if let Some(host) = run_c("tfd-glibc", LAYOUT_PROGRAM, &["-Wall", "-Werror"], &[]) {
        assert_eq!(host, rust_layout());
    }
}

#[test]
fn timerfd_header_compiles_as_cxx() {
    let inc = include_dir();
    let dir = scratch("tfd-cxx");
    let src = dir.join("prog.cc");
    let program = "#include <sys/timerfd.h>\n\
        long f() { itimerspec t{}, old{}; t.it_value.tv_sec = 1; \
        int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK); \
        return fd + timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &t, &old) \
        + timerfd_settime(fd, 0, &t, nullptr) + timerfd_gettime(fd, &t); }\n\
        int main() { return 0; }\n";
    check_cxx(&inc, &src, program);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With the guest C runtime's headers only (as `kestrel-cc` compiles): the header brings
/// `struct timespec`, the `CLOCK_*` ids and `O_*`, declares `struct itimerspec` (the
/// runtime's `time.h` has none) with Linux's layout, and the flags have the runtime's (the
/// kernel's) values. A second program defines `struct itimerspec` before the header under
/// glibc's guard, as a future runtime `time.h` would, and the header leaves it alone.
#[test]
fn timerfd_header_compiles_with_the_guest_runtime_headers() {
    let program = format!(
        r#"
#include <stddef.h>
#include <sys/timerfd.h>
_Static_assert(sizeof(struct itimerspec) == 32, "itimerspec");
_Static_assert(offsetof(struct itimerspec, it_interval) == 0, "it_interval");
_Static_assert(offsetof(struct itimerspec, it_value) == 16, "it_value");
_Static_assert(offsetof(struct itimerspec, it_value.tv_nsec) == 24, "it_value.tv_nsec");
_Static_assert(sizeof(((struct itimerspec *)0)->it_value.tv_sec) == 8, "time_t");
_Static_assert(TFD_CLOEXEC == {cloexec} && TFD_NONBLOCK == {nonblock}, "TFD_*");
_Static_assert(TFD_CLOEXEC == O_CLOEXEC && TFD_NONBLOCK == O_NONBLOCK, "TFD_*");
_Static_assert(TFD_TIMER_ABSTIME == 1 && TFD_TIMER_CANCEL_ON_SET == 2, "TFD_TIMER_*");
_Static_assert(CLOCK_REALTIME == {realtime} && CLOCK_MONOTONIC == {monotonic} && CLOCK_BOOTTIME == {boottime}, "clocks");
int (*check_create)(clockid_t, int) = timerfd_create;
int (*check_settime)(int, int, const struct itimerspec *, struct itimerspec *) = timerfd_settime;
int (*check_gettime)(int, struct itimerspec *) = timerfd_gettime;
long use(void) {{
    struct itimerspec t = {{{{0, 0}}, {{1, 500}}}}, old;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    return fd + timerfd_settime(fd, TFD_TIMER_ABSTIME, &t, &old) + timerfd_settime(fd, 0, &t, NULL)
        + timerfd_gettime(fd, &t);
}}
"#,
        cloexec = platform::O_CLOEXEC,
        nonblock = platform::O_NONBLOCK,
        realtime = kestrel_abi::syscall::CLOCK_REALTIME,
        monotonic = kestrel_abi::syscall::CLOCK_MONOTONIC,
        boottime = kestrel_abi::syscall::CLOCK_BOOTTIME,
    );
    let predefined = r#"
#include <time.h>
#define __itimerspec_defined 1
struct itimerspec { struct timespec it_interval; struct timespec it_value; };
#include <sys/timerfd.h>
int check(struct itimerspec *t) { return timerfd_gettime(timerfd_create(CLOCK_REALTIME, 0), t); }
"#;
    let dir = scratch("tfd-guest");
    for (name, source) in [("prog.c", program.as_str()), ("predefined.c", predefined)] {
        check_with_guest_runtime(&dir.join(name), source);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
