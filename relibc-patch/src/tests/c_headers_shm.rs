//! The C header `include/sys/shm.h` against the Rust definitions of `sys_shm`, and both
//! against the host glibc's `<sys/shm.h>` (the Linux x86_64 reference), with the helpers of
//! [`super::c_headers`]. Without a C compiler the tests say so and pass, unless
//! `KESTREL_REQUIRE_CC` is set.

use std::collections::BTreeMap;

use core::mem::{offset_of, size_of};

use super::c_headers::{check_cxx, include_dir, run_c, scratch};
use crate::header::sys_shm::{self as shm, shm_info, shmid_ds, shminfo};

/// Prints `name value` lines for the structures, the types, the constants, and the
/// prototypes' types (a mismatch does not compile). glibc declares `SHM_STAT`, `SHM_INFO`,
/// `SHM_STAT_ANY`, `SHM_DEST`, `SHM_LOCKED`, `struct shminfo` and `struct shm_info` under
/// `_DEFAULT_SOURCE`, which it defines unless a strict standard is asked for.
const LAYOUT_PROGRAM: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <sys/shm.h>
int (*get)(key_t, size_t, int) = shmget;
void *(*at)(int, const void *, int) = shmat;
int (*dt)(const void *) = shmdt;
int (*ctl)(int, int, struct shmid_ds *) = shmctl;
#define OFF(s, f) printf("off_%s_%s %zu\n", #s, #f, offsetof(struct s, f))
#define SIZE(s, f) printf("size_%s_%s %zu\n", #s, #f, sizeof(((struct s *)0)->f))
#define VAL(c) printf("%s %lld\n", #c, (long long)(c))
int main(void) {
    printf("sizeof_shmid_ds %zu\n", sizeof(struct shmid_ds));
    printf("sizeof_shminfo %zu\n", sizeof(struct shminfo));
    printf("sizeof_shm_info %zu\n", sizeof(struct shm_info));
    printf("sizeof_shmatt_t %zu\n", sizeof(shmatt_t));
    printf("unsigned_shmatt_t %d\n", (shmatt_t)-1 > (shmatt_t)0);
    OFF(shmid_ds, shm_perm); OFF(shmid_ds, shm_segsz); OFF(shmid_ds, shm_atime);
    OFF(shmid_ds, shm_dtime); OFF(shmid_ds, shm_ctime); OFF(shmid_ds, shm_cpid);
    OFF(shmid_ds, shm_lpid); OFF(shmid_ds, shm_nattch); OFF(shmid_ds, __glibc_reserved5);
    OFF(shmid_ds, __glibc_reserved6);
    SIZE(shmid_ds, shm_perm); SIZE(shmid_ds, shm_segsz); SIZE(shmid_ds, shm_atime);
    SIZE(shmid_ds, shm_cpid); SIZE(shmid_ds, shm_nattch);
    OFF(shminfo, shmmax); OFF(shminfo, shmmin); OFF(shminfo, shmmni); OFF(shminfo, shmseg);
    OFF(shminfo, shmall); OFF(shminfo, __glibc_reserved1); OFF(shminfo, __glibc_reserved4);
    SIZE(shminfo, shmmax); SIZE(shminfo, shmall);
    OFF(shm_info, used_ids); OFF(shm_info, shm_tot); OFF(shm_info, shm_rss);
    OFF(shm_info, shm_swp); OFF(shm_info, swap_attempts); OFF(shm_info, swap_successes);
    SIZE(shm_info, used_ids); SIZE(shm_info, shm_tot);
    VAL(SHM_R); VAL(SHM_W); VAL(SHM_RDONLY); VAL(SHM_RND); VAL(SHM_REMAP); VAL(SHM_EXEC);
    VAL(SHM_LOCK); VAL(SHM_UNLOCK); VAL(SHM_STAT); VAL(SHM_INFO); VAL(SHM_STAT_ANY);
    VAL(SHM_DEST); VAL(SHM_LOCKED); VAL(SHMLBA);
    return 0;
}
"#;

/// What the Rust side says the layout program must print.
fn rust_layout() -> BTreeMap<String, i64> {
    let ds = shmid_ds::default();
    let info = shminfo::default();
    let usage = shm_info::default();
    let entries: &[(&str, usize)] = &[
        ("sizeof_shmid_ds", size_of::<shmid_ds>()),
        ("sizeof_shminfo", size_of::<shminfo>()),
        ("sizeof_shm_info", size_of::<shm_info>()),
        ("sizeof_shmatt_t", size_of::<shm::shmatt_t>()),
        ("unsigned_shmatt_t", usize::from(shm::shmatt_t::MIN == 0)),
        ("off_shmid_ds_shm_perm", offset_of!(shmid_ds, shm_perm)),
        ("off_shmid_ds_shm_segsz", offset_of!(shmid_ds, shm_segsz)),
        ("off_shmid_ds_shm_atime", offset_of!(shmid_ds, shm_atime)),
        ("off_shmid_ds_shm_dtime", offset_of!(shmid_ds, shm_dtime)),
        ("off_shmid_ds_shm_ctime", offset_of!(shmid_ds, shm_ctime)),
        ("off_shmid_ds_shm_cpid", offset_of!(shmid_ds, shm_cpid)),
        ("off_shmid_ds_shm_lpid", offset_of!(shmid_ds, shm_lpid)),
        ("off_shmid_ds_shm_nattch", offset_of!(shmid_ds, shm_nattch)),
        ("off_shmid_ds___glibc_reserved5", offset_of!(shmid_ds, __glibc_reserved5)),
        ("off_shmid_ds___glibc_reserved6", offset_of!(shmid_ds, __glibc_reserved6)),
        ("size_shmid_ds_shm_perm", size_of_val(&ds.shm_perm)),
        ("size_shmid_ds_shm_segsz", size_of_val(&ds.shm_segsz)),
        ("size_shmid_ds_shm_atime", size_of_val(&ds.shm_atime)),
        ("size_shmid_ds_shm_cpid", size_of_val(&ds.shm_cpid)),
        ("size_shmid_ds_shm_nattch", size_of_val(&ds.shm_nattch)),
        ("off_shminfo_shmmax", offset_of!(shminfo, shmmax)),
        ("off_shminfo_shmmin", offset_of!(shminfo, shmmin)),
        ("off_shminfo_shmmni", offset_of!(shminfo, shmmni)),
        ("off_shminfo_shmseg", offset_of!(shminfo, shmseg)),
        ("off_shminfo_shmall", offset_of!(shminfo, shmall)),
        ("off_shminfo___glibc_reserved1", offset_of!(shminfo, __glibc_reserved1)),
        ("off_shminfo___glibc_reserved4", offset_of!(shminfo, __glibc_reserved4)),
        ("size_shminfo_shmmax", size_of_val(&info.shmmax)),
        ("size_shminfo_shmall", size_of_val(&info.shmall)),
        ("off_shm_info_used_ids", offset_of!(shm_info, used_ids)),
        ("off_shm_info_shm_tot", offset_of!(shm_info, shm_tot)),
        ("off_shm_info_shm_rss", offset_of!(shm_info, shm_rss)),
        ("off_shm_info_shm_swp", offset_of!(shm_info, shm_swp)),
        ("off_shm_info_swap_attempts", offset_of!(shm_info, swap_attempts)),
        ("off_shm_info_swap_successes", offset_of!(shm_info, swap_successes)),
        ("size_shm_info_used_ids", size_of_val(&usage.used_ids)),
        ("size_shm_info_shm_tot", size_of_val(&usage.shm_tot)),
    ];
    let mut map: BTreeMap<String, i64> = entries.iter().map(|&(k, v)| (k.to_owned(), v as i64)).collect();
    for (k, v) in [
        ("SHM_R", shm::SHM_R),
        ("SHM_W", shm::SHM_W),
        ("SHM_RDONLY", shm::SHM_RDONLY),
        ("SHM_RND", shm::SHM_RND),
        ("SHM_REMAP", shm::SHM_REMAP),
        ("SHM_EXEC", shm::SHM_EXEC),
        ("SHM_LOCK", shm::SHM_LOCK),
        ("SHM_UNLOCK", shm::SHM_UNLOCK),
        ("SHM_STAT", shm::SHM_STAT),
        ("SHM_INFO", shm::SHM_INFO),
        ("SHM_STAT_ANY", shm::SHM_STAT_ANY),
        ("SHM_DEST", shm::SHM_DEST),
        ("SHM_LOCKED", shm::SHM_LOCKED),
        ("SHMLBA", shm::SHMLBA),
    ] {
        map.insert(k.to_owned(), v.into());
    }
    map
}

#[test]
fn shm_header_matches_rust() {
    let inc = include_dir();
    let flags = [inc.as_str(), "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror"];
    if let Some(c) = run_c("shm-ours", LAYOUT_PROGRAM, &flags, &[]) {
        assert_eq!(c, rust_layout());
    }
}

/// The reference: the host glibc's `sys/shm.h` (its `SHMLBA` is `__getpagesize()`, 4096 on
/// x86_64).
#[test]
fn shm_rust_matches_host_glibc() {
    if let Some(host) = run_c("shm-glibc", LAYOUT_PROGRAM, &["-Wall", "-Werror"], &[]) {
        assert_eq!(host, rust_layout());
    }
}

/// `SHM_FAILED` is `(void *)-1`, compares with `shmat`'s result, and `intptr_t` is there
/// (POSIX 2024), without any other header.
#[test]
fn shm_header_has_shm_failed_and_intptr_t() {
    const PROGRAM: &str = r#"
#include <sys/shm.h>
int printf(const char *, ...);
int main(void) {
    intptr_t minus_one = -1;
    void *p = (void *)minus_one;
    printf("shm_failed_is_minus_one %d\n", SHM_FAILED == p);
    printf("sizeof_intptr_t %d\n", (int)sizeof(intptr_t));
    return 0;
}
"#;
    let expected: BTreeMap<String, i64> =
        [("shm_failed_is_minus_one".to_owned(), 1), ("sizeof_intptr_t".to_owned(), 8)].into();
    let inc = include_dir();
    if let Some(ours) =
        run_c("shm-failed", PROGRAM, &[&inc, "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror"], &[])
    {
        assert_eq!(ours, expected);
    }
}

#[test]
fn shm_header_compiles_as_gnu99_and_cxx() {
    let inc = include_dir();
    let Some(_) = run_c("shm-gnu99", LAYOUT_PROGRAM, &[&inc, "-std=gnu99", "-Wall", "-Werror"], &[]) else {
        return;
    };
    // C++: the same declarations with C linkage.
    let dir = scratch("shm-cxx");
    let src = dir.join("prog.cc");
    let program = "#include <sys/shm.h>\n\
        long f(int id, shmid_ds *ds, shminfo *info, shm_info *usage) { \
        void *p = shmat(id, nullptr, SHM_RDONLY | SHM_RND); if (p == SHM_FAILED) return -1; \
        return shmdt(p) + shmctl(id, IPC_STAT, ds) + shmctl(id, IPC_INFO, reinterpret_cast<shmid_ds *>(info)) \
        + shmctl(id, SHM_INFO, reinterpret_cast<shmid_ds *>(usage)) + long(ds->shm_segsz + ds->shm_nattch) \
        + shmget(IPC_PRIVATE, SHMLBA, IPC_CREAT | 0600); }\n\
        int main() { return 0; }\n";
    check_cxx(&inc, &src, program);
    std::fs::remove_dir_all(&dir).unwrap();
}
