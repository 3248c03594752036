//! `sys/ipc.h`: key computation, `ftok`'s errors, `ipc_perm`.

use core::ffi::CStr;

use kestrel_abi::errno::{EFAULT, EIO, ENOENT};

use crate::header::sys_ipc::{ftok, ftok_key, ipc_perm};
use crate::platform::{key_t, sys};

fn ftok_of(path: &CStr, id: i32) -> key_t {
    // SAFETY: `path` is a NUL-terminated string borrowed for the call.
    unsafe { ftok(path.as_ptr(), id) }
}

#[test]
fn key_takes_low_inode_device_and_id_bits() {
    assert_eq!(ftok_key(0x1234_5678, 0xab, 0x41), 0x41ab_5678);
    assert_eq!(ftok_key(0, 0, 0), 0);
    assert_eq!(ftok_key(0xffff, 0, 0), 0xffff);
    assert_eq!(ftok_key(0, 0xff, 0), 0x00ff_0000);
}

#[test]
fn key_ignores_high_bits() {
    assert_eq!(ftok_key(0xdead_0000_0001_0007, 0x1234_5601, 0x141), ftok_key(7, 1, 0x41));
    assert_eq!(ftok_key(u64::MAX, u64::MAX, 0x7f), 0x7fff_ffff);
}

#[test]
fn key_with_high_id_bit_is_negative_as_on_linux() {
    assert_eq!(ftok_key(1, 2, 0x80), 0x8002_0001_u32 as i32);
    assert_eq!(ftok_key(1, 2, -1), 0xff02_0001_u32 as i32);
    // The Linux ambiguity: a valid key equal to the error value.
    assert_eq!(ftok_key(0xffff, 0xff, 0xff), -1);
}

#[test]
fn ftok_of_a_scheme_file_uses_its_stat() {
    sys::set_errno(0);
    assert_eq!(ftok_of(c"/scheme/initfs/t_ipc", 1), ftok_key(7, 0, 1));
    assert_eq!(ftok_of(c"/scheme/initfs/t_ipc", 2), 0x0200_0007);
    assert_eq!(ftok_of(c"/scheme/disk/big", 0x5a), ftok_key(0xfedc_ba98_7654_3210, 0x1234_5678_9abc_def0, 0x5a));
    assert_eq!(ftok_of(c"/scheme/disk/big", 0x5a), 0x5af0_3210);
    assert_eq!(sys::errno(), 0, "success leaves errno alone");
    assert_eq!(sys::open_count(), 0, "the descriptor is closed");
}

#[test]
fn ftok_of_a_directory_works() {
    assert_eq!(ftok_of(c"/scheme/initfs/", 9), 0x0900_0001);
}

#[test]
fn ftok_of_a_missing_file_is_enoent() {
    sys::set_errno(0);
    assert_eq!(ftok_of(c"/scheme/initfs/nothing", 1), -1);
    assert_eq!(sys::errno(), ENOENT);
    sys::set_errno(0);
    assert_eq!(ftok_of(c"/etc/passwd", 1), -1, "a bare path is tried as given");
    assert_eq!(sys::errno(), ENOENT);
    assert_eq!(ftok_of(c"", 1), -1);
    assert_eq!(sys::open_count(), 0);
}

#[test]
fn ftok_reports_fstat_errors_and_closes() {
    sys::set_errno(0);
    assert_eq!(ftok_of(c"/scheme/broken/file", 1), -1);
    assert_eq!(sys::errno(), EIO);
    assert_eq!(sys::open_count(), 0, "closed after a failed fstat");
}

#[test]
fn ftok_of_null_is_efault() {
    sys::set_errno(0);
    // SAFETY: ftok accepts a null path.
    assert_eq!(unsafe { ftok(core::ptr::null(), 1) }, -1);
    assert_eq!(sys::errno(), EFAULT);
}

#[test]
fn kernel_ipc_perm_bytes_read_as_the_c_struct() {
    let kernel = kestrel_abi::sysv::IpcPerm {
        key: -5,
        uid: 1000,
        gid: 100,
        cuid: 0,
        cgid: 7,
        mode: 0o1640,
        seq: 3,
        ..Default::default()
    };
    // SAFETY: same size (checked in abi_agreement); IpcPerm names every byte, so all are
    // initialised, and any bytes are a valid ipc_perm (integers only).
    let c: ipc_perm = unsafe { core::mem::transmute(kernel) };
    assert_eq!((c.__key, c.uid, c.gid, c.cuid, c.cgid), (-5, 1000, 100, 0, 7));
    assert_eq!(c.mode, 0o1640);
    assert_eq!(c.__seq, 3);
}
