//! The C header `include/sys/sem.h` against the Rust definitions of `sys_sem`, and both
//! against the host glibc's `<sys/sem.h>` (the Linux x86_64 reference), with the helpers of
//! [`super::c_headers`]. Without a C compiler the tests say so and pass, unless
//! `KESTREL_REQUIRE_CC` is set.

use std::collections::BTreeMap;

use core::mem::{offset_of, size_of};

use super::c_headers::{check_cxx, include_dir, run_c, scratch};
use crate::header::sys_sem::{self as sem, sembuf, semid_ds, seminfo};

/// Prints `name value` lines for the three structures, the constants, and the prototypes'
/// types (a mismatch does not compile). It defines `union semun` itself, as Linux programs
/// do: a header that defined it would not compile either.
const LAYOUT_PROGRAM: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <sys/sem.h>
union semun { int val; struct semid_ds *buf; unsigned short *array; struct seminfo *__buf; };
int (*get)(key_t, int, int) = semget;
int (*op)(int, struct sembuf *, size_t) = semop;
int (*timedop)(int, struct sembuf *, size_t, const struct timespec *) = semtimedop;
int (*ctl)(int, int, int, ...) = semctl;
#define OFF(s, f) printf("off_%s_%s %zu\n", #s, #f, offsetof(struct s, f))
#define SIZE(s, f) printf("size_%s_%s %zu\n", #s, #f, sizeof(((struct s *)0)->f))
#define VAL(c) printf("%s %lld\n", #c, (long long)(c))
int main(void) {
    printf("sizeof_sembuf %zu\n", sizeof(struct sembuf));
    printf("sizeof_semid_ds %zu\n", sizeof(struct semid_ds));
    printf("sizeof_seminfo %zu\n", sizeof(struct seminfo));
    printf("sizeof_semun %zu\n", sizeof(union semun));
    OFF(sembuf, sem_num); OFF(sembuf, sem_op); OFF(sembuf, sem_flg);
    SIZE(sembuf, sem_num); SIZE(sembuf, sem_op); SIZE(sembuf, sem_flg);
    OFF(semid_ds, sem_perm); OFF(semid_ds, sem_otime); OFF(semid_ds, __sem_otime_high);
    OFF(semid_ds, sem_ctime); OFF(semid_ds, __sem_ctime_high); OFF(semid_ds, sem_nsems);
    OFF(semid_ds, __glibc_reserved3); OFF(semid_ds, __glibc_reserved4);
    SIZE(semid_ds, sem_perm); SIZE(semid_ds, sem_otime); SIZE(semid_ds, sem_nsems);
    OFF(seminfo, semmap); OFF(seminfo, semmni); OFF(seminfo, semmns); OFF(seminfo, semmnu);
    OFF(seminfo, semmsl); OFF(seminfo, semopm); OFF(seminfo, semume); OFF(seminfo, semusz);
    OFF(seminfo, semvmx); OFF(seminfo, semaem);
    VAL(SEM_UNDO); VAL(GETPID); VAL(GETVAL); VAL(GETALL); VAL(GETNCNT); VAL(GETZCNT);
    VAL(SETVAL); VAL(SETALL); VAL(SEM_STAT); VAL(SEM_INFO); VAL(SEM_STAT_ANY);
    VAL(_SEM_SEMUN_UNDEFINED);
    return 0;
}
"#;

/// What the Rust side says the layout program must print.
fn rust_layout() -> BTreeMap<String, i64> {
    let buf = sembuf::default();
    let ds = semid_ds::default();
    let entries: &[(&str, usize)] = &[
        ("sizeof_sembuf", size_of::<sembuf>()),
        ("sizeof_semid_ds", size_of::<semid_ds>()),
        ("sizeof_seminfo", size_of::<seminfo>()),
        ("sizeof_semun", 8),
        ("off_sembuf_sem_num", offset_of!(sembuf, sem_num)),
        ("off_sembuf_sem_op", offset_of!(sembuf, sem_op)),
        ("off_sembuf_sem_flg", offset_of!(sembuf, sem_flg)),
        ("size_sembuf_sem_num", size_of_val(&buf.sem_num)),
        ("size_sembuf_sem_op", size_of_val(&buf.sem_op)),
        ("size_sembuf_sem_flg", size_of_val(&buf.sem_flg)),
        ("off_semid_ds_sem_perm", offset_of!(semid_ds, sem_perm)),
        ("off_semid_ds_sem_otime", offset_of!(semid_ds, sem_otime)),
        ("off_semid_ds___sem_otime_high", offset_of!(semid_ds, __sem_otime_high)),
        ("off_semid_ds_sem_ctime", offset_of!(semid_ds, sem_ctime)),
        ("off_semid_ds___sem_ctime_high", offset_of!(semid_ds, __sem_ctime_high)),
        ("off_semid_ds_sem_nsems", offset_of!(semid_ds, sem_nsems)),
        ("off_semid_ds___glibc_reserved3", offset_of!(semid_ds, __glibc_reserved3)),
        ("off_semid_ds___glibc_reserved4", offset_of!(semid_ds, __glibc_reserved4)),
        ("size_semid_ds_sem_perm", size_of_val(&ds.sem_perm)),
        ("size_semid_ds_sem_otime", size_of_val(&ds.sem_otime)),
        ("size_semid_ds_sem_nsems", size_of_val(&ds.sem_nsems)),
        ("off_seminfo_semmap", offset_of!(seminfo, semmap)),
        ("off_seminfo_semmni", offset_of!(seminfo, semmni)),
        ("off_seminfo_semmns", offset_of!(seminfo, semmns)),
        ("off_seminfo_semmnu", offset_of!(seminfo, semmnu)),
        ("off_seminfo_semmsl", offset_of!(seminfo, semmsl)),
        ("off_seminfo_semopm", offset_of!(seminfo, semopm)),
        ("off_seminfo_semume", offset_of!(seminfo, semume)),
        ("off_seminfo_semusz", offset_of!(seminfo, semusz)),
        ("off_seminfo_semvmx", offset_of!(seminfo, semvmx)),
        ("off_seminfo_semaem", offset_of!(seminfo, semaem)),
    ];
    let mut map: BTreeMap<String, i64> = entries.iter().map(|&(k, v)| (k.to_owned(), v as i64)).collect();
    for (k, v) in [
        ("SEM_UNDO", sem::SEM_UNDO),
        ("GETPID", sem::GETPID),
        ("GETVAL", sem::GETVAL),
        ("GETALL", sem::GETALL),
        ("GETNCNT", sem::GETNCNT),
        ("GETZCNT", sem::GETZCNT),
        ("SETVAL", sem::SETVAL),
        ("SETALL", sem::SETALL),
        ("SEM_STAT", sem::SEM_STAT),
        ("SEM_INFO", sem::SEM_INFO),
        ("SEM_STAT_ANY", sem::SEM_STAT_ANY),
        ("_SEM_SEMUN_UNDEFINED", 1),
    ] {
        map.insert(k.to_owned(), v.into());
    }
    map
}

#[test]
fn sem_header_matches_rust() {
    let inc = include_dir();
    let flags = [inc.as_str(), "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror"];
    if let Some(c) = run_c("sem-ours", LAYOUT_PROGRAM, &flags, &[]) {
        assert_eq!(c, rust_layout());
    }
}

/// The reference: the host glibc's `sys/sem.h` (SEM_STAT and friends need `_GNU_SOURCE`).
#[test]
fn sem_rust_matches_host_glibc() {
    if let Some(host) = run_c("sem-glibc", LAYOUT_PROGRAM, &["-D_GNU_SOURCE", "-Wall", "-Werror"], &[]) {
        assert_eq!(host, rust_layout());
    }
}

#[test]
fn sem_header_compiles_as_gnu99_and_cxx() {
    let inc = include_dir();
    let Some(_) = run_c("sem-gnu99", LAYOUT_PROGRAM, &[&inc, "-std=gnu99", "-Wall", "-Werror"], &[]) else {
        return;
    };
    // C++: the same declarations with C linkage, and semctl callable with and without its
    // fourth argument.
    let dir = scratch("sem-cxx");
    let src = dir.join("prog.cc");
    let program = "#include <sys/sem.h>\n\
        int f(int id, struct semid_ds *ds) { sembuf op{0, -1, SEM_UNDO}; \
        return semop(id, &op, 1) + semctl(id, 0, IPC_STAT, ds) + semctl(id, 0, SETVAL, 1) \
        + semctl(id, 0, IPC_RMID) + semtimedop(id, &op, 1, nullptr) + semget(IPC_PRIVATE, 1, 0600); }\n\
        int main() { return 0; }\n";
    check_cxx(&inc, &src, program);
    std::fs::remove_dir_all(&dir).unwrap();
}
