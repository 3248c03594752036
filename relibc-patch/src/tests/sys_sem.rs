//! `sys/sem.h`: how each function encodes its arguments for the kernel's `sem` scheme
//! (checked against the stand-in kernel of `platform::sys`, which records every call), how
//! results and errors come back, and the scheme descriptor's lifetime.

use core::ffi::{c_int, c_ulong, c_ushort};

use kestrel_abi::errno::{EACCES, EAGAIN, EBADF, EINVAL, EMFILE, ENOENT, ENOSYS, ERANGE};
use kestrel_abi::syscall::{O_CLOEXEC, O_RDWR};
use kestrel_abi::sysv::{SEM_CALL_CTL, SEM_CALL_GET, SEM_CALL_OP, semop_word};

use crate::error::Errno;
use crate::header::sys_ipc::{IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT};
use crate::header::sys_sem::{
    GETALL, GETNCNT, GETPID, GETVAL, GETZCNT, SEM_INFO, SEM_STAT, SEM_STAT_ANY, SEM_UNDO, SETALL, SETVAL, sembuf,
    semctl, semget, semid_ds, seminfo, semop, semtimedop,
};
use crate::platform::redox::kestrel_scheme::{SchemeFd, scheme_open_errno};
use crate::platform::sys::{self, Call, FAKE_SEM_FD};
use crate::platform::timespec;

/// Runs `f` against a stand-in kernel that answers `reply`, and returns what `f` returned
/// and the one scheme call it made.
fn one_call(reply: Result<usize, c_int>, f: impl FnOnce() -> c_int) -> (c_int, Call) {
    super::one_call_on(FAKE_SEM_FD, reply, f)
}

fn u64_at(payload: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(payload[offset..offset + 8].try_into().unwrap())
}

fn ctl(semid: c_int, semnum: c_int, cmd: c_int, arg: c_ulong) -> c_int {
    // SAFETY: the stand-in kernel does not touch memory at the addresses in the payload.
    unsafe { semctl(semid, semnum, cmd, arg) }
}

#[test]
fn semget_packs_key_nsems_and_flags() {
    let (ret, call) = one_call(Ok(32769), || semget(-5, 3, IPC_CREAT | IPC_EXCL | 0o640));
    assert_eq!(ret, 32769);
    assert_eq!(call.metadata, [SEM_CALL_GET, 0xffff_fffb, (3 << 32) | 0o3640]);
    assert!(call.payload.is_empty());

    let (_, call) = one_call(Ok(0), || semget(IPC_PRIVATE, 1, 0o600));
    assert_eq!(call.metadata, [SEM_CALL_GET, 0, (1 << 32) | 0o600]);
}

#[test]
fn semget_passes_bad_values_to_the_kernel_unchanged() {
    // The kernel, not the wrapper, rejects them (EINVAL), in Linux's order.
    let (_, call) = one_call(Err(EINVAL), || semget(IPC_PRIVATE, -1, 0));
    assert_eq!(call.metadata[2], 0xffff_ffff_0000_0000);
    let (_, call) = one_call(Err(EINVAL), || semget(7, 32001, -1));
    assert_eq!(call.metadata[2], (32001 << 32) | 0xffff_ffff);
    assert_eq!(call.metadata[1], 7);
}

#[test]
fn semget_failure_is_minus_one_with_errno() {
    sys::set_errno(0);
    let (ret, _) = one_call(Err(ENOENT), || semget(42, 0, 0));
    assert_eq!((ret, sys::errno()), (-1, ENOENT));
    sys::set_errno(0);
    let (ret, _) = one_call(Ok(5), || semget(42, 0, 0));
    assert_eq!((ret, sys::errno()), (5, 0), "success leaves errno alone");
}

#[test]
fn semop_sends_the_array_address_and_no_payload() {
    let mut ops = [
        sembuf { sem_num: 0, sem_op: -1, sem_flg: SEM_UNDO as i16 },
        sembuf { sem_num: 1, sem_op: 1, sem_flg: IPC_NOWAIT as i16 },
    ];
    let sops = ops.as_mut_ptr();
    // SAFETY: `ops` holds 2 sembufs.
    let (ret, call) = one_call(Ok(0), || unsafe { semop(9, sops, 2) });
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [SEM_CALL_OP, (2 << 32) | 9, sops as u64], "count, id and the array's address");
    assert!(call.payload.is_empty(), "no timeout, no payload");
}

#[test]
fn semtimedop_sends_the_timeout_address() {
    let mut ops = [sembuf { sem_num: 2, sem_op: 0, sem_flg: 0 }];
    let timeout = timespec { tv_sec: 0, tv_nsec: 100_000_000 };
    let sops = ops.as_mut_ptr();
    let ts = &raw const timeout;
    // SAFETY: `ops` holds 1 sembuf and `timeout` is a timespec.
    let (ret, call) = one_call(Err(EAGAIN), || unsafe { semtimedop(-1, sops, 1, ts) });
    assert_eq!(ret, -1);
    assert_eq!(sys::errno(), EAGAIN);
    assert_eq!(call.metadata, [SEM_CALL_OP, (1 << 32) | 0xffff_ffff, sops as u64]);
    assert_eq!(call.payload.len(), 8);
    assert_eq!(u64_at(&call.payload, 0), ts as u64, "payload: the timeout's address");
}

#[test]
fn semop_passes_bad_counts_and_pointers_unchanged() {
    // nsops 0 (EINVAL), 501 (E2BIG), a huge count (its low 32 bits, as Linux takes it),
    // null and unaligned pointers: all the kernel's to judge.
    for (nsops, sent) in [(0, 0), (501, 501), (usize::MAX, 0xffff_ffff), ((1 << 32) | 2, 2)] {
        // SAFETY: the stand-in kernel reads nothing at the address.
        let (_, call) = one_call(Err(EINVAL), || unsafe { semop(3, core::ptr::null_mut(), nsops) });
        assert_eq!(call.metadata, [SEM_CALL_OP, (sent << 32) | 3, 0]);
        assert_eq!(call.metadata[1], semop_word(3, nsops), "the kernel ABI's packing");
        assert!(call.payload.is_empty());
    }
    let odd = 0x1001 as *mut sembuf;
    let bad_timeout = 0x1_0007 as *const timespec;
    // SAFETY: as above.
    let (_, call) = one_call(Err(EINVAL), || unsafe { semtimedop(3, odd, 1, bad_timeout) });
    assert_eq!((call.metadata[2], u64_at(&call.payload, 0)), (0x1001, 0x1_0007));
}

#[test]
fn semctl_packs_semnum_and_cmd() {
    let (ret, call) = one_call(Ok(42), || ctl(17, 3, GETVAL, 0));
    assert_eq!(ret, 42);
    assert_eq!(call.metadata, [SEM_CALL_CTL, 17, (3 << 32) | 12]);
    assert_eq!(call.payload.len(), 8);

    // A negative semnum and an unknown command reach the kernel as they are (EINVAL there).
    let (_, call) = one_call(Err(EINVAL), || ctl(17, -1, GETNCNT, 0));
    assert_eq!(call.metadata[2], 0xffff_ffff_0000_0000 | 14);
    let (_, call) = one_call(Err(EINVAL), || ctl(-2, 0, 99, 0));
    assert_eq!(call.metadata, [SEM_CALL_CTL, 0xffff_fffe, 99]);
}

#[test]
fn semctl_returns_each_commands_value() {
    for (cmd, value) in [(GETPID, 1234), (GETVAL, 32767), (GETNCNT, 2), (GETZCNT, 1), (SEM_STAT, 65536)] {
        let (ret, call) = one_call(Ok(value as usize), || ctl(1, 0, cmd, 0));
        assert_eq!(ret, value);
        assert_eq!(call.metadata[2] as u32 as c_int, cmd);
    }
}

#[test]
fn semctl_setval_sends_the_int_only() {
    // A C caller that passes an int leaves the upper half of the register unspecified.
    let (_, call) = one_call(Ok(0), || ctl(4, 1, SETVAL, 0xdead_beef_0000_0005));
    assert_eq!(call.metadata, [SEM_CALL_CTL, 4, (1 << 32) | 16]);
    assert_eq!(u64_at(&call.payload, 0), 5);
    // -1 stays -1 as an int (the kernel says ERANGE), not a large value.
    let (ret, call) = one_call(Err(ERANGE), || ctl(4, 1, SETVAL, 0x1234_5678_ffff_ffff));
    assert_eq!(ret, -1);
    assert_eq!(sys::errno(), ERANGE);
    assert_eq!(u64_at(&call.payload, 0), 0xffff_ffff);
    assert_eq!(u64_at(&call.payload, 0) as u32 as i32, -1);
}

#[test]
fn semctl_passes_buffer_addresses_whole() {
    let mut ds = semid_ds::default();
    let mut info = seminfo::default();
    let mut values: [c_ushort; 4] = [0; 4];
    let ds_addr = &raw mut ds as c_ulong;
    let info_addr = &raw mut info as c_ulong;
    let values_addr = values.as_mut_ptr() as c_ulong;
    for (cmd, addr) in [
        (IPC_STAT, ds_addr),
        (IPC_SET, ds_addr),
        (SEM_STAT, ds_addr),
        (SEM_STAT_ANY, ds_addr),
        (GETALL, values_addr),
        (SETALL, values_addr),
        (IPC_INFO, info_addr),
        (SEM_INFO, info_addr),
        (IPC_STAT, 0xffff_8000_0000_1000),
    ] {
        let (_, call) = one_call(Ok(0), || ctl(6, 0, cmd, addr));
        assert_eq!(u64_at(&call.payload, 0), addr, "command {cmd}");
        assert_eq!(call.metadata, [SEM_CALL_CTL, 6, cmd as u64]);
    }
}

#[test]
fn semctl_without_an_argument_ignores_what_the_register_holds() {
    // IPC_RMID has no fourth argument: whatever rcx held is passed, and the kernel ignores it.
    let (ret, call) = one_call(Ok(0), || ctl(8, 0, IPC_RMID, 0x5555_aaaa_5555_aaaa));
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [SEM_CALL_CTL, 8, 0]);
}

#[test]
fn semctl_failure_is_minus_one_with_errno() {
    sys::set_errno(0);
    let (ret, _) = one_call(Err(EACCES), || ctl(8, 0, GETVAL, 0));
    assert_eq!((ret, sys::errno()), (-1, EACCES));
    sys::set_errno(0);
    let (ret, _) = one_call(Ok(0), || ctl(8, 0, IPC_RMID, 0));
    assert_eq!((ret, sys::errno()), (0, 0));
}

/// Called the way C calls it: as a variadic function, with an int, a pointer, a
/// `union semun` or nothing as the fourth argument. The compiler's variadic call sequence
/// must put each where the fixed-argument definition reads it.
#[test]
fn semctl_called_as_variadic_gets_its_argument() {
    /// As a Linux program defines it (`buf` and `info` complete it; unused here).
    #[repr(C)]
    #[derive(Clone, Copy)]
    #[allow(dead_code)]
    union semun {
        val: c_int,
        buf: *mut semid_ds,
        array: *mut c_ushort,
        info: *mut seminfo,
    }
    unsafe extern "C" {
        // This crate's `semctl`, under the C declaration.
        #[link_name = "semctl"]
        fn semctl_variadic(semid: c_int, semnum: c_int, cmd: c_int, ...) -> c_int;
    }
    let mut ds = semid_ds::default();
    let mut values: [c_ushort; 2] = [0; 2];
    let ds_addr = &raw mut ds;

    // SAFETY: the stand-in kernel does not touch the addresses.
    let (_, call) = one_call(Ok(0), || unsafe { semctl_variadic(1, 2, SETVAL, 77 as c_int) });
    assert_eq!((call.metadata[2], u64_at(&call.payload, 0)), ((2 << 32) | 16, 77));
    // SAFETY: the stand-in kernel does not touch the addresses.
    let (_, call) = one_call(Ok(0), || unsafe { semctl_variadic(1, 2, SETVAL, -1 as c_int) });
    assert_eq!(u64_at(&call.payload, 0) as u32 as i32, -1);
    // SAFETY: the stand-in kernel does not touch the addresses.
    let (_, call) = one_call(Ok(0), || unsafe { semctl_variadic(1, 0, IPC_STAT, ds_addr) });
    assert_eq!(u64_at(&call.payload, 0), ds_addr as u64);
    let arg = semun { array: values.as_mut_ptr() };
    // SAFETY: the stand-in kernel does not touch the addresses.
    let (_, call) = one_call(Ok(0), || unsafe { semctl_variadic(1, 0, GETALL, arg) });
    assert_eq!(u64_at(&call.payload, 0), values.as_mut_ptr() as u64);
    let arg = semun { val: 9 };
    // SAFETY: the stand-in kernel does not touch the addresses.
    let (_, call) = one_call(Ok(0), || unsafe { semctl_variadic(1, 0, SETVAL, arg) });
    assert_eq!(u64_at(&call.payload, 0), 9);
    // SAFETY: the stand-in kernel does not touch the addresses.
    let (ret, call) = one_call(Ok(3), || unsafe { semctl_variadic(1, 0, GETZCNT) });
    assert_eq!((ret, call.metadata[2]), (3, 15));
}

#[test]
fn the_scheme_is_opened_read_write_close_on_exec() {
    let _ = semget(1, 0, 0);
    let opens = sys::SEM_OPENS.lock().unwrap().clone();
    assert!(!opens.is_empty());
    assert!(opens.iter().all(|&flags| flags == O_RDWR | O_CLOEXEC), "{opens:x?}");
}

#[test]
fn scheme_fd_opens_once_and_keeps_it() {
    let fd = SchemeFd::new();
    let mut opens = 0;
    for _ in 0..3 {
        let got = fd.get(
            || {
                opens += 1;
                Ok(11)
            },
            |_| panic!("nothing to close"),
        );
        assert_eq!(got, Ok(11));
    }
    assert_eq!(opens, 1);
}

#[test]
fn scheme_fd_retries_after_a_failed_open() {
    let fd = SchemeFd::new();
    assert_eq!(fd.get(|| Err(Errno(EMFILE)), |_| {}), Err(Errno(EMFILE)));
    assert_eq!(fd.get(|| Ok(4), |_| {}), Ok(4));
    assert_eq!(fd.get(|| Err(Errno(EBADF)), |_| {}), Ok(4));
}

#[test]
fn scheme_fd_race_keeps_the_first_and_closes_the_other() {
    let fd = SchemeFd::new();
    let mut closed = None;
    // The outer open runs while another opener (the inner call) stores its descriptor first.
    let got = fd.get(
        || {
            assert_eq!(fd.get(|| Ok(20), |_| unreachable!()), Ok(20));
            Ok(21)
        },
        |loser| closed = Some(loser),
    );
    assert_eq!(got, Ok(20));
    assert_eq!(closed, Some(21));
}

#[test]
fn a_kernel_without_the_scheme_gives_enosys() {
    assert_eq!(scheme_open_errno(Errno(ENOENT)), Errno(ENOSYS));
    assert_eq!(scheme_open_errno(Errno(EMFILE)), Errno(EMFILE));
}

#[test]
fn the_scheme_descriptor_moves_to_the_upper_table() {
    use crate::platform::sys::FdOp;
    use kestrel_abi::syscall::{F_DUPFD, F_SETFD, FD_CLOEXEC, UPPER_FDTBL_TAG};

    // Whichever test opened it first, the descriptor the calls use is the tagged copy.
    let (_, call) = one_call(Ok(0), || semget(1, 0, 0));
    assert_eq!(call.fd & UPPER_FDTBL_TAG, UPPER_FDTBL_TAG);
    let lower = FAKE_SEM_FD & !UPPER_FDTBL_TAG;
    let ops = sys::SCHEME_FD_OPS.lock().unwrap().clone();
    let ops: Vec<FdOp> = ops
        .into_iter()
        .filter(|op| matches!(*op, FdOp::Fcntl { fd, .. } | FdOp::Close(fd) if fd & !UPPER_FDTBL_TAG == lower))
        .collect();
    assert_eq!(
        ops[..3],
        [
            FdOp::Fcntl { fd: lower, cmd: F_DUPFD, arg: UPPER_FDTBL_TAG },
            FdOp::Close(lower),
            FdOp::Fcntl { fd: FAKE_SEM_FD, cmd: F_SETFD, arg: FD_CLOEXEC },
        ],
        "F_DUPFD into the upper table, the original closed, the copy close-on-exec"
    );
}

#[test]
fn the_variadic_semctl_reads_an_argument_for_the_commands_that_have_one() {
    use crate::header::sys_sem::{GETNCNT, GETPID, GETZCNT, SEM_INFO, SEM_STAT, SEM_STAT_ANY, takes_argument};
    for cmd in [SETVAL, GETALL, SETALL, IPC_STAT, IPC_SET, IPC_INFO, SEM_STAT, SEM_INFO, SEM_STAT_ANY] {
        assert!(takes_argument(cmd), "{cmd}");
    }
    for cmd in [IPC_RMID, GETVAL, GETPID, GETNCNT, GETZCNT, 99, -1] {
        assert!(!takes_argument(cmd), "{cmd}");
    }
}
