//! `sys/msg.h`: how each function encodes its arguments for the kernel's `msg` scheme
//! (checked against the stand-in kernel of `platform::sys`, which records every call), how
//! results and errors come back, and which descriptor the calls use.

use core::ffi::{c_int, c_long, c_void};

use kestrel_abi::errno::{E2BIG, EACCES, EAGAIN, EFAULT, EIDRM, EINVAL, ENOENT, ENOMSG};
use kestrel_abi::syscall::{O_CLOEXEC, O_RDWR};
use kestrel_abi::sysv::{MSG_CALL_CTL, MSG_CALL_GET, MSG_CALL_RCV, MSG_CALL_SND, msg_word};

use crate::header::sys_ipc::{IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT};
use crate::header::sys_msg::{
    MSG_COPY, MSG_EXCEPT, MSG_INFO, MSG_NOERROR, MSG_STAT, MSG_STAT_ANY, msgbuf, msgctl, msgget, msginfo, msgrcv,
    msgsnd, msqid_ds,
};
use crate::platform::ssize_t;
use crate::platform::sys::{self, Call, FAKE_MSG_FD};

/// Runs `f` against a stand-in kernel that answers `reply`, and returns what `f` returned
/// and the one scheme call it made.
fn one_call<R>(reply: Result<usize, c_int>, f: impl FnOnce() -> R) -> (R, Call) {
    let (ret, call) = super::one_call_on(FAKE_MSG_FD, reply, f);
    assert_eq!(call.metadata.len(), 3, "every msg call takes exactly three metadata words");
    (ret, call)
}

fn u64_at(payload: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(payload[offset..offset + 8].try_into().unwrap())
}

fn i64_at(payload: &[u8], offset: usize) -> i64 {
    i64::from_le_bytes(payload[offset..offset + 8].try_into().unwrap())
}

/// A message with room for 64 bytes of text, as a C program defines one.
#[repr(C)]
struct Message {
    mtype: c_long,
    mtext: [u8; 64],
}

fn snd(msqid: c_int, msgp: *const c_void, msgsz: usize, msgflg: c_int) -> c_int {
    // SAFETY: the stand-in kernel does not touch memory at the addresses in the call.
    unsafe { msgsnd(msqid, msgp, msgsz, msgflg) }
}

fn rcv(msqid: c_int, msgp: *mut c_void, msgsz: usize, msgtyp: c_long, msgflg: c_int) -> ssize_t {
    // SAFETY: as in `snd`.
    unsafe { msgrcv(msqid, msgp, msgsz, msgtyp, msgflg) }
}

fn ctl(msqid: c_int, cmd: c_int, buf: *mut msqid_ds) -> c_int {
    // SAFETY: as in `snd`.
    unsafe { msgctl(msqid, cmd, buf) }
}

#[test]
fn msgget_sends_key_and_flags() {
    let (ret, call) = one_call(Ok(32768), || msgget(-5, IPC_CREAT | IPC_EXCL | 0o640));
    assert_eq!(ret, 32768);
    assert_eq!(call.metadata, [MSG_CALL_GET, 0xffff_fffb, 0o3640]);
    assert!(call.payload.is_empty());

    let (_, call) = one_call(Ok(0), || msgget(IPC_PRIVATE, 0o600));
    assert_eq!(call.metadata, [MSG_CALL_GET, 0, 0o600]);
    // Unknown flag bits and a negative flag word reach the kernel as they are.
    let (_, call) = one_call(Err(ENOENT), || msgget(0x7fff_ffff, -1));
    assert_eq!(call.metadata, [MSG_CALL_GET, 0x7fff_ffff, 0xffff_ffff]);
}

#[test]
fn msgget_failure_is_minus_one_with_errno() {
    sys::set_errno(0);
    let (ret, _) = one_call(Err(ENOENT), || msgget(42, 0));
    assert_eq!((ret, sys::errno()), (-1, ENOENT));
    sys::set_errno(0);
    let (ret, _) = one_call(Ok(5), || msgget(42, 0));
    assert_eq!((ret, sys::errno()), (5, 0), "success leaves errno alone");
}

#[test]
fn msgsnd_sends_the_message_address_and_the_size() {
    let message = Message { mtype: 3, mtext: [b'x'; 64] };
    let msgp = (&raw const message).cast::<c_void>();
    let (ret, call) = one_call(Ok(0), || snd(9, msgp, 12, IPC_NOWAIT));
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [MSG_CALL_SND, (0o4000 << 32) | 9, msgp as u64]);
    assert_eq!(call.metadata[1], msg_word(9, IPC_NOWAIT), "the kernel ABI's packing");
    assert_eq!(call.payload, 12u64.to_le_bytes(), "payload: msgsz only, not the text");
}

#[test]
fn msgsnd_passes_bad_values_to_the_kernel_unchanged() {
    // A size above MSGMAX, a size negative as a long, size 0, a null or odd pointer, a
    // negative id and unknown flags: all the kernel's to judge, in Linux's order.
    for msgsz in [8193, usize::MAX, 1 << 63, (1 << 32) | 5, 0] {
        let (_, call) = one_call(Err(EINVAL), || snd(3, core::ptr::null(), msgsz, 0));
        assert_eq!(call.metadata, [MSG_CALL_SND, 3, 0]);
        assert_eq!(u64_at(&call.payload, 0), msgsz as u64, "the full size_t");
    }
    let (_, call) = one_call(Err(EFAULT), || snd(-1, 0x1001 as *const c_void, 1, -1));
    assert_eq!(call.metadata, [MSG_CALL_SND, 0xffff_ffff_ffff_ffff, 0x1001]);
}

#[test]
fn msgsnd_failure_is_minus_one_with_errno() {
    let message = Message { mtype: 1, mtext: [0; 64] };
    let msgp = (&raw const message).cast::<c_void>();
    for errno in [EAGAIN, EIDRM, EACCES, EINVAL] {
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || snd(1, msgp, 1, 0));
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
}

#[test]
fn msgrcv_sends_size_and_type_in_the_payload() {
    let mut message = Message { mtype: 0, mtext: [0; 64] };
    let msgp = (&raw mut message).cast::<c_void>();
    let (ret, call) = one_call(Ok(12), || rcv(7, msgp, 64, 5, MSG_NOERROR | IPC_NOWAIT));
    assert_eq!(ret, 12, "the bytes of text received");
    assert_eq!(call.metadata, [MSG_CALL_RCV, (0o14000 << 32) | 7, msgp as u64]);
    assert_eq!(call.metadata[1], msg_word(7, MSG_NOERROR | IPC_NOWAIT));
    assert_eq!(call.payload.len(), 16);
    assert_eq!((u64_at(&call.payload, 0), i64_at(&call.payload, 8)), (64, 5));
}

#[test]
fn msgrcv_passes_each_kind_of_type_whole() {
    let mut message = Message { mtype: 0, mtext: [0; 64] };
    let msgp = (&raw mut message).cast::<c_void>();
    // 0 (any), negative (lowest up to |msgtyp|), the extremes of a long, a type above 32 bits,
    // and with MSG_EXCEPT and MSG_COPY (an index there).
    for (msgtyp, msgflg) in
        [(0, 0), (-3, 0), (c_long::MIN, 0), (c_long::MAX, 0), (1 << 40, 0), (2, MSG_EXCEPT), (4, MSG_COPY | IPC_NOWAIT)]
    {
        let (_, call) = one_call(Ok(0), || rcv(1, msgp, 64, msgtyp, msgflg));
        assert_eq!(i64_at(&call.payload, 8), msgtyp, "msgtyp {msgtyp}");
        assert_eq!(call.metadata[1], msg_word(1, msgflg));
    }
}

#[test]
fn msgrcv_passes_bad_values_to_the_kernel_unchanged() {
    // MSG_COPY without IPC_NOWAIT, MSG_COPY with MSG_EXCEPT, a size negative as a long, a null
    // buffer, a negative id: the kernel says EINVAL or EFAULT.
    for (msgsz, msgflg) in [(64, MSG_COPY), (64, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT), (usize::MAX, 0), (1 << 63, 0)] {
        let (_, call) = one_call(Err(EINVAL), || rcv(-2, core::ptr::null_mut(), msgsz, 1, msgflg));
        assert_eq!(call.metadata, [MSG_CALL_RCV, msg_word(-2, msgflg), 0]);
        assert_eq!(u64_at(&call.payload, 0), msgsz as u64, "the full size_t");
    }
}

#[test]
fn msgrcv_failure_is_minus_one_with_errno() {
    let mut message = Message { mtype: 0, mtext: [0; 64] };
    let msgp = (&raw mut message).cast::<c_void>();
    for errno in [ENOMSG, E2BIG, EIDRM, EINVAL] {
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || rcv(1, msgp, 64, 0, IPC_NOWAIT));
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
    sys::set_errno(0);
    let (ret, _) = one_call(Ok(8192), || rcv(1, msgp, 8192, 0, 0));
    assert_eq!((ret, sys::errno()), (8192, 0), "success leaves errno alone");
    let (ret, _) = one_call(Ok(0), || rcv(1, msgp, 0, 0, 0));
    assert_eq!(ret, 0, "an empty text is 0 bytes, not an error");
}

#[test]
fn msgctl_packs_cmd_and_id_and_sends_the_buffer_address() {
    let mut ds = msqid_ds::default();
    let mut info = msginfo::default();
    let ds_addr = &raw mut ds;
    let info_addr = (&raw mut info).cast::<msqid_ds>();
    for (cmd, buf) in [
        (IPC_STAT, ds_addr),
        (IPC_SET, ds_addr),
        (MSG_STAT, ds_addr),
        (MSG_STAT_ANY, ds_addr),
        (IPC_INFO, info_addr),
        (MSG_INFO, info_addr),
        (IPC_RMID, core::ptr::null_mut()),
        (IPC_STAT, 0xffff_8000_0000_1000 as *mut msqid_ds),
    ] {
        let (ret, call) = one_call(Ok(0), || ctl(6, cmd, buf));
        assert_eq!(ret, 0);
        assert_eq!(call.metadata, [MSG_CALL_CTL, ((cmd as u64) << 32) | 6, buf as u64], "command {cmd}");
        assert_eq!(call.metadata[1], msg_word(6, cmd));
        assert!(call.payload.is_empty());
    }
}

#[test]
fn msgctl_returns_each_commands_value() {
    // MSG_STAT gives the queue's id, IPC_INFO and MSG_INFO the highest used index.
    for (cmd, value) in [(MSG_STAT, 65536), (MSG_STAT_ANY, 32769), (IPC_INFO, 3), (MSG_INFO, 0), (IPC_RMID, 0)] {
        let (ret, _) = one_call(Ok(value as usize), || ctl(1, cmd, core::ptr::null_mut()));
        assert_eq!(ret, value);
    }
}

#[test]
fn msgctl_passes_bad_values_and_fails_with_errno() {
    // An unknown command, a negative id or index: the kernel's EINVAL.
    sys::set_errno(0);
    let (ret, call) = one_call(Err(EINVAL), || ctl(-1, 99, core::ptr::null_mut()));
    assert_eq!((ret, sys::errno()), (-1, EINVAL));
    assert_eq!(call.metadata, [MSG_CALL_CTL, (99 << 32) | 0xffff_ffff, 0]);
    let (_, call) = one_call(Err(EINVAL), || ctl(0, -1, core::ptr::null_mut()));
    assert_eq!(call.metadata[1], 0xffff_ffff_0000_0000);
}

#[test]
fn msgbuf_is_a_long_then_the_text() {
    let buf = msgbuf { mtype: 1, mtext: [b'a' as core::ffi::c_char] };
    assert_eq!(size_of_val(&buf), 16);
    assert_eq!(core::mem::offset_of!(msgbuf, mtext), 8);
}

#[test]
fn the_scheme_is_opened_read_write_close_on_exec() {
    let (_, call) = one_call(Ok(1), || msgget(1, 0));
    assert_eq!(call.fd, FAKE_MSG_FD);
    let opens = sys::MSG_OPENS.lock().unwrap().clone();
    assert!(!opens.is_empty());
    assert!(opens.iter().all(|&flags| flags == O_RDWR | O_CLOEXEC), "{opens:x?}");
}
