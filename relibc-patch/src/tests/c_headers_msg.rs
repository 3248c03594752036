//! The C header `include/sys/msg.h` against the Rust definitions of `sys_msg`, and both
//! against the host glibc's `<sys/msg.h>` (the Linux x86_64 reference), with the helpers of
//! [`super::c_headers`]. Without a C compiler the tests say so and pass, unless
//! `KESTREL_REQUIRE_CC` is set.

use std::collections::BTreeMap;

use core::mem::{offset_of, size_of};

use super::c_headers::{check_cxx, include_dir, run_c, scratch};
use crate::header::sys_msg::{self as msg, msgbuf, msginfo, msqid_ds};

/// Prints `name value` lines for the structures, the types, the constants, and the
/// prototypes' types (a mismatch does not compile). Built with `_GNU_SOURCE`, under which
/// glibc declares `struct msgbuf`, `MSG_EXCEPT` and `MSG_COPY`.
const LAYOUT_PROGRAM: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <sys/msg.h>
int (*get)(key_t, int) = msgget;
int (*snd)(int, const void *, size_t, int) = msgsnd;
ssize_t (*rcv)(int, void *, size_t, long, int) = msgrcv;
int (*ctl)(int, int, struct msqid_ds *) = msgctl;
#define OFF(s, f) printf("off_%s_%s %zu\n", #s, #f, offsetof(struct s, f))
#define SIZE(s, f) printf("size_%s_%s %zu\n", #s, #f, sizeof(((struct s *)0)->f))
#define VAL(c) printf("%s %lld\n", #c, (long long)(c))
int main(void) {
    printf("sizeof_msqid_ds %zu\n", sizeof(struct msqid_ds));
    printf("sizeof_msginfo %zu\n", sizeof(struct msginfo));
    printf("sizeof_msgbuf %zu\n", sizeof(struct msgbuf));
    printf("sizeof_msgqnum_t %zu\n", sizeof(msgqnum_t));
    printf("sizeof_msglen_t %zu\n", sizeof(msglen_t));
    printf("unsigned_msgqnum_t %d\n", (msgqnum_t)-1 > (msgqnum_t)0);
    printf("unsigned_msglen_t %d\n", (msglen_t)-1 > (msglen_t)0);
    OFF(msqid_ds, msg_perm); OFF(msqid_ds, msg_stime); OFF(msqid_ds, msg_rtime);
    OFF(msqid_ds, msg_ctime); OFF(msqid_ds, __msg_cbytes); OFF(msqid_ds, msg_cbytes);
    OFF(msqid_ds, msg_qnum); OFF(msqid_ds, msg_qbytes); OFF(msqid_ds, msg_lspid);
    OFF(msqid_ds, msg_lrpid); OFF(msqid_ds, __glibc_reserved4); OFF(msqid_ds, __glibc_reserved5);
    SIZE(msqid_ds, msg_perm); SIZE(msqid_ds, msg_stime); SIZE(msqid_ds, __msg_cbytes);
    SIZE(msqid_ds, msg_qnum); SIZE(msqid_ds, msg_qbytes); SIZE(msqid_ds, msg_lspid);
    OFF(msginfo, msgpool); OFF(msginfo, msgmap); OFF(msginfo, msgmax); OFF(msginfo, msgmnb);
    OFF(msginfo, msgmni); OFF(msginfo, msgssz); OFF(msginfo, msgtql); OFF(msginfo, msgseg);
    SIZE(msginfo, msgseg);
    OFF(msgbuf, mtype); OFF(msgbuf, mtext); SIZE(msgbuf, mtype); SIZE(msgbuf, mtext);
    VAL(MSG_NOERROR); VAL(MSG_EXCEPT); VAL(MSG_COPY);
    VAL(MSG_STAT); VAL(MSG_INFO); VAL(MSG_STAT_ANY);
    return 0;
}
"#;

/// What the Rust side says the layout program must print.
fn rust_layout() -> BTreeMap<String, i64> {
    let ds = msqid_ds::default();
    let info = msginfo::default();
    let buf = msgbuf::default();
    let entries: &[(&str, usize)] = &[
        ("sizeof_msqid_ds", size_of::<msqid_ds>()),
        ("sizeof_msginfo", size_of::<msginfo>()),
        ("sizeof_msgbuf", size_of::<msgbuf>()),
        ("sizeof_msgqnum_t", size_of::<msg::msgqnum_t>()),
        ("sizeof_msglen_t", size_of::<msg::msglen_t>()),
        ("unsigned_msgqnum_t", usize::from(msg::msgqnum_t::MIN == 0)),
        ("unsigned_msglen_t", usize::from(msg::msglen_t::MIN == 0)),
        ("off_msqid_ds_msg_perm", offset_of!(msqid_ds, msg_perm)),
        ("off_msqid_ds_msg_stime", offset_of!(msqid_ds, msg_stime)),
        ("off_msqid_ds_msg_rtime", offset_of!(msqid_ds, msg_rtime)),
        ("off_msqid_ds_msg_ctime", offset_of!(msqid_ds, msg_ctime)),
        ("off_msqid_ds___msg_cbytes", offset_of!(msqid_ds, __msg_cbytes)),
        // msg_cbytes is a macro for __msg_cbytes.
        ("off_msqid_ds_msg_cbytes", offset_of!(msqid_ds, __msg_cbytes)),
        ("off_msqid_ds_msg_qnum", offset_of!(msqid_ds, msg_qnum)),
        ("off_msqid_ds_msg_qbytes", offset_of!(msqid_ds, msg_qbytes)),
        ("off_msqid_ds_msg_lspid", offset_of!(msqid_ds, msg_lspid)),
        ("off_msqid_ds_msg_lrpid", offset_of!(msqid_ds, msg_lrpid)),
        ("off_msqid_ds___glibc_reserved4", offset_of!(msqid_ds, __glibc_reserved4)),
        ("off_msqid_ds___glibc_reserved5", offset_of!(msqid_ds, __glibc_reserved5)),
        ("size_msqid_ds_msg_perm", size_of_val(&ds.msg_perm)),
        ("size_msqid_ds_msg_stime", size_of_val(&ds.msg_stime)),
        ("size_msqid_ds___msg_cbytes", size_of_val(&ds.__msg_cbytes)),
        ("size_msqid_ds_msg_qnum", size_of_val(&ds.msg_qnum)),
        ("size_msqid_ds_msg_qbytes", size_of_val(&ds.msg_qbytes)),
        ("size_msqid_ds_msg_lspid", size_of_val(&ds.msg_lspid)),
        ("off_msginfo_msgpool", offset_of!(msginfo, msgpool)),
        ("off_msginfo_msgmap", offset_of!(msginfo, msgmap)),
        ("off_msginfo_msgmax", offset_of!(msginfo, msgmax)),
        ("off_msginfo_msgmnb", offset_of!(msginfo, msgmnb)),
        ("off_msginfo_msgmni", offset_of!(msginfo, msgmni)),
        ("off_msginfo_msgssz", offset_of!(msginfo, msgssz)),
        ("off_msginfo_msgtql", offset_of!(msginfo, msgtql)),
        ("off_msginfo_msgseg", offset_of!(msginfo, msgseg)),
        ("size_msginfo_msgseg", size_of_val(&info.msgseg)),
        ("off_msgbuf_mtype", offset_of!(msgbuf, mtype)),
        ("off_msgbuf_mtext", offset_of!(msgbuf, mtext)),
        ("size_msgbuf_mtype", size_of_val(&buf.mtype)),
        ("size_msgbuf_mtext", size_of_val(&buf.mtext)),
    ];
    let mut map: BTreeMap<String, i64> = entries.iter().map(|&(k, v)| (k.to_owned(), v as i64)).collect();
    for (k, v) in [
        ("MSG_NOERROR", msg::MSG_NOERROR),
        ("MSG_EXCEPT", msg::MSG_EXCEPT),
        ("MSG_COPY", msg::MSG_COPY),
        ("MSG_STAT", msg::MSG_STAT),
        ("MSG_INFO", msg::MSG_INFO),
        ("MSG_STAT_ANY", msg::MSG_STAT_ANY),
    ] {
        map.insert(k.to_owned(), v.into());
    }
    map
}

#[test]
fn msg_header_matches_rust() {
    let inc = include_dir();
    let flags = [inc.as_str(), "-D_GNU_SOURCE", "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror"];
    if let Some(c) = run_c("msg-ours", LAYOUT_PROGRAM, &flags, &[]) {
        assert_eq!(c, rust_layout());
    }
}

/// The reference: the host glibc's `sys/msg.h` (`struct msgbuf`, `MSG_EXCEPT` and `MSG_COPY`
/// need `_GNU_SOURCE`).
#[test]
fn msg_rust_matches_host_glibc() {
    if let Some(host) = run_c("msg-glibc", LAYOUT_PROGRAM, &["-D_GNU_SOURCE", "-Wall", "-Werror"], &[]) {
        assert_eq!(host, rust_layout());
    }
}

/// Without `_GNU_SOURCE`, as with glibc, the header leaves `struct msgbuf` to the program:
/// the usual Linux program that defines its own compiles against it (and against glibc).
#[test]
fn msg_header_leaves_msgbuf_to_programs_without_gnu_source() {
    const PROGRAM: &str = r#"
#include <stdio.h>
#include <sys/msg.h>
struct msgbuf { long mtype; char mtext[80]; };
int main(void) {
    struct msgbuf m = { 1, "hello" };
    printf("sizeof_own_msgbuf %zu\n", sizeof m);
    printf("MSG_NOERROR %d\n", MSG_NOERROR);
    return 0;
}
"#;
    let expected: BTreeMap<String, i64> =
        [("sizeof_own_msgbuf".to_owned(), 88), ("MSG_NOERROR".to_owned(), msg::MSG_NOERROR.into())].into();
    let inc = include_dir();
    let Some(ours) = run_c("msg-own", PROGRAM, &[&inc, "-std=c11", "-pedantic", "-Wall", "-Wextra", "-Werror"], &[])
    else {
        return;
    };
    assert_eq!(ours, expected);
    let glibc = run_c("msg-own-glibc", PROGRAM, &["-Wall", "-Werror"], &[]).unwrap();
    assert_eq!(glibc, expected);
}

#[test]
fn msg_header_compiles_as_gnu99_and_cxx() {
    let inc = include_dir();
    let Some(_) = run_c("msg-gnu99", LAYOUT_PROGRAM, &[&inc, "-std=gnu99", "-D_GNU_SOURCE", "-Wall", "-Werror"], &[])
    else {
        return;
    };
    // C++: the same declarations with C linkage.
    let dir = scratch("msg-cxx");
    let src = dir.join("prog.cc");
    let program = "#include <sys/msg.h>\n\
        struct message { long mtype; char mtext[16]; };\n\
        long f(int id, msqid_ds *ds, msginfo *info) { message m{1, \"hi\"}; \
        return msgsnd(id, &m, 2, IPC_NOWAIT) + msgrcv(id, &m, sizeof m.mtext, -5, MSG_NOERROR) \
        + msgctl(id, IPC_STAT, ds) + msgctl(id, MSG_INFO, reinterpret_cast<msqid_ds *>(info)) \
        + long(ds->msg_cbytes + ds->msg_qnum + ds->msg_qbytes) + msgget(IPC_PRIVATE, 0600); }\n\
        int main() { return 0; }\n";
    check_cxx(&inc, &src, program);
    std::fs::remove_dir_all(&dir).unwrap();
}
