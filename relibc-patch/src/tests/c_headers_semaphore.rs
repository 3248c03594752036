//! The C header `include/semaphore.h` against the Rust definitions of `semaphore` and the
//! host glibc's `<semaphore.h>` (the Linux x86_64 reference), and with the guest C
//! runtime's own headers, as a guest program includes it; with the helpers of
//! [`super::c_headers`]. Without a C compiler the tests say so and pass, unless
//! `KESTREL_REQUIRE_CC` is set.

use std::collections::BTreeMap;

use super::c_headers::{check_cxx, check_with_guest_runtime, include_dir, run_c, scratch};
use crate::header::semaphore::{self as sem, sem_t};

/// Prints `name value` lines for `sem_t`, `SEM_FAILED` and `SEM_VALUE_MAX`; the prototypes'
/// types are checked by assignments (`sem_open` variadic).
const LAYOUT_PROGRAM: &str = r#"
#define _POSIX_C_SOURCE 200809L /* clockid_t under -std=c11 with glibc */
#include <limits.h> /* SEM_VALUE_MAX: POSIX puts it here (glibc only here) */
#include <semaphore.h>
#include <stdalign.h>
#include <stdio.h>
#ifdef __GLIBC__
int sem_clockwait(sem_t *, clockid_t, const struct timespec *); /* glibc: _GNU_SOURCE */
#endif
int (*s_init)(sem_t *, int, unsigned int) = sem_init;
int (*s_destroy)(sem_t *) = sem_destroy;
sem_t *(*s_open)(const char *, int, ...) = sem_open;
int (*s_close)(sem_t *) = sem_close;
int (*s_unlink)(const char *) = sem_unlink;
int (*s_wait)(sem_t *) = sem_wait;
int (*s_trywait)(sem_t *) = sem_trywait;
int (*s_timedwait)(sem_t *, const struct timespec *) = sem_timedwait;
int (*s_clockwait)(sem_t *, clockid_t, const struct timespec *) = sem_clockwait;
int (*s_post)(sem_t *) = sem_post;
int (*s_getvalue)(sem_t *, int *) = sem_getvalue;
int main(void) {
    printf("sizeof_sem_t %zu\n", sizeof(sem_t));
    printf("alignof_sem_t %zu\n", alignof(sem_t));
    printf("SEM_VALUE_MAX %lld\n", (long long)SEM_VALUE_MAX);
    printf("SEM_FAILED_is_null %d\n", SEM_FAILED == (sem_t *)0);
    return 0;
}
"#;

/// What the Rust side says the layout program must print.
fn rust_layout() -> BTreeMap<String, i64> {
    [
        ("sizeof_sem_t", size_of::<sem_t>() as i64),
        ("alignof_sem_t", align_of::<sem_t>() as i64),
        ("SEM_VALUE_MAX", sem::SEM_VALUE_MAX.into()),
        ("SEM_FAILED_is_null", sem::SEM_FAILED.is_null().into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[test]
fn c_header_matches_rust() {
    let inc = include_dir();
    let flags = [inc.as_str(), "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror"];
    if let Some(c) = run_c("semaphore-ours", LAYOUT_PROGRAM, &flags, &[]) {
        assert_eq!(c, rust_layout());
    }
}

/// The reference: the host glibc's own `<semaphore.h>` agrees on every number.
#[test]
fn rust_matches_host_glibc() {
    if let Some(host) = run_c("semaphore-glibc", LAYOUT_PROGRAM, &["-Wall", "-Werror", "-pthread"], &[]) {
        assert_eq!(host, rust_layout());
    }
}

/// As a guest program sees it: only the wrapper's and the guest runtime's headers, where
/// `limits.h` has `SEM_VALUE_MAX` too and `semaphore.h` brings `O_CREAT` and `O_EXCL`; and as
/// C++.
#[test]
fn c_header_compiles_with_the_guest_runtime_and_as_cxx() {
    let dir = scratch("semaphore-guest");
    let source = format!(
        "{LAYOUT_PROGRAM}\n_Static_assert(SEM_VALUE_MAX == INT_MAX, \"SEM_VALUE_MAX\");\n\
         int creat_flags = O_CREAT | O_EXCL; /* semaphore.h brings fcntl.h's, as glibc's does not */\n"
    );
    check_with_guest_runtime(&dir.join("prog.c"), &source);
    let program = "#include <semaphore.h>\nint main() { sem_t s; sem_init(&s, 0, 1); \
                   return sem_open(\"/x\", O_CREAT, 0600, 1u) == SEM_FAILED ? sem_post(&s) : 0; }\n";
    check_cxx(&include_dir(), &dir.join("prog.cc"), program);
    std::fs::remove_dir_all(&dir).unwrap();
}
