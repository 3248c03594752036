//! The C header `include/mqueue.h` against the Rust definitions of `mqueue`, and both
//! against the host glibc's `<mqueue.h>` (the Linux x86_64 reference), with the helpers of
//! [`super::c_headers`]; and the header with the guest C runtime's own headers (its
//! `signal.h` has `struct sigevent`, its `fcntl.h` Redox's open flags), as a guest program
//! includes it. Without a C compiler the tests say so and pass, unless `KESTREL_REQUIRE_CC`
//! is set.

use std::collections::BTreeMap;

use core::mem::{offset_of, size_of};

use super::c_headers::{check_cxx, check_with_guest_runtime, include_dir, run_c, scratch};
use crate::header::mqueue::{mq_attr, mqd_t};
use crate::platform::{self, sigevent};

/// Prints `name value` lines for `struct mq_attr`, `mqd_t`, `struct sigevent` and the
/// `SIGEV_*` values; the prototypes' types are checked by assignments (a mismatch does not
/// compile), `mq_open` as variadic.
const LAYOUT_PROGRAM: &str = r#"
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdio.h>
#include <mqueue.h>
#include <signal.h>
mqd_t (*op)(const char *, int, ...) = mq_open;
int (*cl)(mqd_t) = mq_close;
int (*un)(const char *) = mq_unlink;
int (*snd)(mqd_t, const char *, size_t, unsigned int) = mq_send;
int (*tsnd)(mqd_t, const char *, size_t, unsigned int, const struct timespec *) = mq_timedsend;
ssize_t (*rcv)(mqd_t, char *, size_t, unsigned int *) = mq_receive;
ssize_t (*trcv)(mqd_t, char *, size_t, unsigned int *, const struct timespec *) = mq_timedreceive;
int (*ga)(mqd_t, struct mq_attr *) = mq_getattr;
int (*sa)(mqd_t, const struct mq_attr *, struct mq_attr *) = mq_setattr;
int (*no)(mqd_t, const struct sigevent *) = mq_notify;
#define OFF(s, f) printf("off_%s_%s %zu\n", #s, #f, offsetof(struct s, f))
#define SIZE(s, f) printf("size_%s_%s %zu\n", #s, #f, sizeof(((struct s *)0)->f))
#define VAL(c) printf("%s %lld\n", #c, (long long)(c))
int main(void) {
    printf("sizeof_mq_attr %zu\n", sizeof(struct mq_attr));
    printf("sizeof_mqd_t %zu\n", sizeof(mqd_t));
    printf("signed_mqd_t %d\n", (mqd_t)-1 < 0);
    OFF(mq_attr, mq_flags); OFF(mq_attr, mq_maxmsg); OFF(mq_attr, mq_msgsize);
    OFF(mq_attr, mq_curmsgs); OFF(mq_attr, __pad);
    SIZE(mq_attr, mq_flags); SIZE(mq_attr, mq_curmsgs); SIZE(mq_attr, __pad);
    printf("sizeof_sigevent %zu\n", sizeof(struct sigevent));
    OFF(sigevent, sigev_value); OFF(sigevent, sigev_signo); OFF(sigevent, sigev_notify);
    OFF(sigevent, sigev_notify_function); OFF(sigevent, sigev_notify_attributes);
    VAL(SIGEV_SIGNAL); VAL(SIGEV_NONE); VAL(SIGEV_THREAD);
    return 0;
}
"#;

/// What the Rust side says the layout program must print.
fn rust_layout() -> BTreeMap<String, i64> {
    let attr = mq_attr::default();
    let entries: &[(&str, usize)] = &[
        ("sizeof_mq_attr", size_of::<mq_attr>()),
        ("sizeof_mqd_t", size_of::<mqd_t>()),
        ("signed_mqd_t", 1),
        ("off_mq_attr_mq_flags", offset_of!(mq_attr, mq_flags)),
        ("off_mq_attr_mq_maxmsg", offset_of!(mq_attr, mq_maxmsg)),
        ("off_mq_attr_mq_msgsize", offset_of!(mq_attr, mq_msgsize)),
        ("off_mq_attr_mq_curmsgs", offset_of!(mq_attr, mq_curmsgs)),
        ("off_mq_attr___pad", offset_of!(mq_attr, __pad)),
        ("size_mq_attr_mq_flags", size_of_val(&attr.mq_flags)),
        ("size_mq_attr_mq_curmsgs", size_of_val(&attr.mq_curmsgs)),
        ("size_mq_attr___pad", size_of_val(&attr.__pad)),
        ("sizeof_sigevent", size_of::<sigevent>()),
        ("off_sigevent_sigev_value", offset_of!(sigevent, sigev_value)),
        ("off_sigevent_sigev_signo", offset_of!(sigevent, sigev_signo)),
        ("off_sigevent_sigev_notify", offset_of!(sigevent, sigev_notify)),
        ("off_sigevent_sigev_notify_function", offset_of!(sigevent, sigev_notify_function)),
        ("off_sigevent_sigev_notify_attributes", offset_of!(sigevent, sigev_notify_attributes)),
    ];
    let mut map: BTreeMap<String, i64> = entries.iter().map(|&(k, v)| (k.to_owned(), v as i64)).collect();
    for (k, v) in [
        ("SIGEV_SIGNAL", platform::SIGEV_SIGNAL),
        ("SIGEV_NONE", platform::SIGEV_NONE),
        ("SIGEV_THREAD", platform::SIGEV_THREAD),
    ] {
        map.insert(k.to_owned(), v.into());
    }
    map
}

#[test]
fn mq_header_matches_rust() {
    let inc = include_dir();
    let flags = [inc.as_str(), "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror"];
    if let Some(c) = run_c("mq-ours", LAYOUT_PROGRAM, &flags, &[]) {
        assert_eq!(c, rust_layout());
    }
}

/// The reference: the host glibc's `mqueue.h` (and `signal.h`).
#[test]
fn mq_rust_matches_host_glibc() {
    if let Some(host) = run_c("mq-glibc", LAYOUT_PROGRAM, &["-Wall", "-Werror"], &[]) {
        assert_eq!(host, rust_layout());
    }
}

#[test]
fn mq_header_compiles_as_gnu99_and_cxx() {
    let inc = include_dir();
    let Some(_) = run_c("mq-gnu99", LAYOUT_PROGRAM, &[&inc, "-std=gnu99", "-Wall", "-Werror"], &[]) else {
        return;
    };
    // C++: the same declarations with C linkage.
    let dir = scratch("mq-cxx");
    let src = dir.join("prog.cc");
    let program = "#include <mqueue.h>\n\
        static void fire(union sigval) {}\n\
        long f(const char *name, mq_attr *attr, const timespec *t) { \
        mqd_t q = mq_open(name, O_RDWR | O_CREAT, 0600, attr); unsigned prio; char buf[16]; \
        sigevent ev{}; ev.sigev_notify = SIGEV_THREAD; ev.sigev_notify_function = fire; \
        return mq_send(q, \"x\", 1, 0) + mq_timedsend(q, \"x\", 1, 1, t) + mq_receive(q, buf, sizeof buf, &prio) \
        + mq_timedreceive(q, buf, sizeof buf, nullptr, t) + mq_getattr(q, attr) + mq_setattr(q, attr, nullptr) \
        + mq_notify(q, &ev) + mq_close(q) + mq_unlink(name) + mq_open(name, O_RDONLY); }\n\
        int main() { return 0; }\n";
    check_cxx(&inc, &src, program);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With the guest C runtime's headers only (as `kestrel-cc` compiles): the header brings
/// what portable programs use (`O_*` from `fcntl.h`, `struct sigevent` and `SIGEV_*` from
/// `signal.h`, `struct timespec`, `mode_t`, `ssize_t`), with the runtime's open flags (the
/// adapter's values, which the library translates) and Linux's layouts.
#[test]
fn mq_header_compiles_with_the_guest_runtime_headers() {
    let program = format!(
        r#"
#include <stddef.h>
#include <mqueue.h>
#include <pthread.h>
_Static_assert(sizeof(struct mq_attr) == 64 && offsetof(struct mq_attr, mq_curmsgs) == 24, "mq_attr");
_Static_assert(sizeof(struct sigevent) == 64 && sizeof(sigevent_t) == 64, "sigevent");
_Static_assert(offsetof(struct sigevent, sigev_signo) == 8 && offsetof(struct sigevent, sigev_notify) == 12, "sigevent");
_Static_assert(offsetof(struct sigevent, sigev_notify_function) == 16, "sigev_notify_function");
_Static_assert(offsetof(struct sigevent, sigev_notify_attributes) == 24, "sigev_notify_attributes");
_Static_assert(offsetof(struct sigevent, sigev_notify_thread_id) == 16, "sigev_notify_thread_id");
_Static_assert(SIGEV_SIGNAL == 0 && SIGEV_NONE == 1 && SIGEV_THREAD == 2 && SI_MESGQ == -3, "SIGEV_*");
_Static_assert(sizeof(pthread_attr_t) == 56, "pthread_attr_t");
_Static_assert(O_RDONLY == {rdonly} && O_WRONLY == {wronly} && O_RDWR == {rdwr}, "access modes");
_Static_assert(O_CREAT == {creat} && O_EXCL == {excl} && O_NONBLOCK == {nonblock} && O_CLOEXEC == {cloexec}, "flags");
static void fire(union sigval v) {{ (void)v; }}
long use(const char *name, struct mq_attr *attr, const struct timespec *t, pthread_attr_t *pa) {{
    mode_t mode = 0600;
    mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC, mode, attr);
    unsigned int prio;
    char buf[16];
    struct sigevent ev = {{ .sigev_notify = SIGEV_THREAD }};
    ev.sigev_value.sival_ptr = buf;
    ev.sigev_notify_function = fire;
    ev.sigev_notify_attributes = pa;
    ssize_t n = mq_receive(q, buf, sizeof buf, &prio) + mq_timedreceive(q, buf, sizeof buf, NULL, t);
    return n + mq_send(q, "x", 1, 0) + mq_timedsend(q, "x", 1, 1, t) + mq_getattr(q, attr)
        + mq_setattr(q, attr, NULL) + mq_notify(q, &ev) + mq_notify(q, NULL) + mq_close(q) + mq_unlink(name)
        + mq_open(name, O_RDONLY) + (attr->mq_flags & O_NONBLOCK);
}}
"#,
        rdonly = platform::O_RDONLY,
        wronly = platform::O_WRONLY,
        rdwr = platform::O_RDWR,
        creat = platform::O_CREAT,
        excl = platform::O_EXCL,
        nonblock = platform::O_NONBLOCK,
        cloexec = platform::O_CLOEXEC,
    );
    let dir = scratch("mq-guest");
    let src = dir.join("prog.c");
    check_with_guest_runtime(&src, &program);
    std::fs::remove_dir_all(&dir).unwrap();
}
