//! `sys/shm.h`: how each function encodes its arguments for the kernel's shared memory
//! scheme (checked against the stand-in kernel of `platform::sys`, which records every
//! call), how results and errors come back, and which descriptor the calls use.

use core::ffi::{c_int, c_void};

use kestrel_abi::errno::{EACCES, EEXIST, EFAULT, EIDRM, EINVAL, ENOENT, ENOMEM, ENOSPC, EPERM};
use kestrel_abi::syscall::{O_CLOEXEC, O_RDWR};
use kestrel_abi::sysv::{SHM_CALL_AT, SHM_CALL_CTL, SHM_CALL_DT, SHM_CALL_GET, shm_word};

use crate::header::sys_ipc::{IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT};
use crate::header::sys_shm::{
    SHM_EXEC, SHM_FAILED, SHM_INFO, SHM_LOCK, SHM_R, SHM_RDONLY, SHM_REMAP, SHM_RND, SHM_STAT, SHM_STAT_ANY,
    SHM_UNLOCK, SHM_W, shm_info, shmat, shmctl, shmdt, shmget, shmid_ds, shminfo,
};
use crate::platform::sys::{self, Call, FAKE_SHM_FD};

/// Runs `f` against a stand-in kernel that answers `reply`, and returns what `f` returned
/// and the one scheme call it made, which carries no payload.
fn one_call<R>(reply: Result<usize, c_int>, f: impl FnOnce() -> R) -> (R, Call) {
    let (ret, call) = super::one_call_on(FAKE_SHM_FD, reply, f);
    assert_eq!(call.metadata.len(), 3, "every shm call takes exactly three metadata words");
    assert!(call.payload.is_empty(), "the shm calls have no payload");
    (ret, call)
}

fn at(shmid: c_int, shmaddr: *const c_void, shmflg: c_int) -> *mut c_void {
    // SAFETY: the stand-in kernel maps nothing and touches no memory.
    unsafe { shmat(shmid, shmaddr, shmflg) }
}

fn dt(shmaddr: *const c_void) -> c_int {
    // SAFETY: as in `at`.
    unsafe { shmdt(shmaddr) }
}

fn ctl(shmid: c_int, cmd: c_int, buf: *mut shmid_ds) -> c_int {
    // SAFETY: as in `at`.
    unsafe { shmctl(shmid, cmd, buf) }
}

#[test]
fn shmget_packs_key_and_flags_and_sends_the_size() {
    let (ret, call) = one_call(Ok(32768), || shmget(-5, 4096, IPC_CREAT | IPC_EXCL | 0o640));
    assert_eq!(ret, 32768);
    assert_eq!(call.metadata, [SHM_CALL_GET, (0o3640 << 32) | 0xffff_fffb, 4096]);
    assert_eq!(call.metadata[1], shm_word(-5, IPC_CREAT | IPC_EXCL | 0o640), "the kernel ABI's packing");

    let (_, call) = one_call(Ok(0), || shmget(IPC_PRIVATE, 1, SHM_R | SHM_W));
    assert_eq!(call.metadata, [SHM_CALL_GET, 0o600 << 32, 1]);
}

#[test]
fn shmget_passes_bad_values_to_the_kernel_unchanged() {
    // Size 0, above SHMMAX, the whole size_t, a size above 32 bits, a negative flag word:
    // the kernel's EINVAL (or ENOMEM, ENOSPC) to give, in Linux's order.
    for size in [0, usize::MAX, usize::MAX - (1 << 24) + 1, (1 << 32) | 5, 1 << 63] {
        let (_, call) = one_call(Err(EINVAL), || shmget(7, size, IPC_CREAT | 0o600));
        assert_eq!(call.metadata, [SHM_CALL_GET, shm_word(7, IPC_CREAT | 0o600), size as u64], "the full size_t");
    }
    let (_, call) = one_call(Err(ENOENT), || shmget(0x7fff_ffff, 16, -1));
    assert_eq!(call.metadata, [SHM_CALL_GET, 0xffff_ffff_7fff_ffff, 16]);
}

#[test]
fn shmget_failure_is_minus_one_with_errno() {
    for errno in [ENOENT, EEXIST, EINVAL, EACCES, ENOSPC, ENOMEM] {
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || shmget(42, 4096, 0));
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
    sys::set_errno(0);
    let (ret, _) = one_call(Ok(5), || shmget(42, 4096, 0));
    assert_eq!((ret, sys::errno()), (5, 0), "success leaves errno alone");
}

#[test]
fn shmat_sends_id_flags_and_address_and_returns_the_kernels_address() {
    let (ret, call) = one_call(Ok(0x7000_0000_0000), || at(3, core::ptr::null(), 0));
    assert_eq!(ret as usize, 0x7000_0000_0000);
    assert_eq!(call.metadata, [SHM_CALL_AT, 3, 0]);

    // An address the caller chose, with every flag: all passed as they are (the kernel does
    // the rounding for SHM_RND).
    for shmflg in [SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC, SHM_RND | SHM_REMAP | SHM_RDONLY] {
        let addr = 0x4000_1234 as *const c_void;
        let (ret, call) = one_call(Ok(0x4000_1000), || at(65536, addr, shmflg));
        assert_eq!(ret as usize, 0x4000_1000);
        assert_eq!(call.metadata, [SHM_CALL_AT, ((shmflg as u64) << 32) | 65536, 0x4000_1234]);
        assert_eq!(call.metadata[1], shm_word(65536, shmflg));
    }
    // An address in the upper half: the kernel's EINVAL, not the library's.
    let (_, call) = one_call(Err(EINVAL), || at(-1, 0xffff_8000_0000_0000 as *const c_void, -1));
    assert_eq!(call.metadata, [SHM_CALL_AT, u64::MAX, 0xffff_8000_0000_0000]);
}

#[test]
fn shmat_failure_is_shm_failed_with_errno() {
    assert_eq!(SHM_FAILED as usize, usize::MAX, "SHM_FAILED is (void *)-1");
    for errno in [EINVAL, EACCES, EIDRM, ENOMEM] {
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || at(1, core::ptr::null(), 0));
        assert_eq!((ret, sys::errno()), (SHM_FAILED, errno));
    }
    sys::set_errno(0);
    let (ret, _) = one_call(Ok(0x1000), || at(1, core::ptr::null(), 0));
    assert_eq!((ret as usize, sys::errno()), (0x1000, 0), "success leaves errno alone");
}

#[test]
fn shmdt_sends_the_address() {
    let (ret, call) = one_call(Ok(0), || dt(0x7000_0000_0000 as *const c_void));
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [SHM_CALL_DT, 0x7000_0000_0000, 0]);
    // A null, unaligned or foreign address: the kernel's EINVAL.
    for addr in [0, 0x1001, usize::MAX] {
        sys::set_errno(0);
        let (ret, call) = one_call(Err(EINVAL), || dt(addr as *const c_void));
        assert_eq!((ret, sys::errno()), (-1, EINVAL));
        assert_eq!(call.metadata, [SHM_CALL_DT, addr as u64, 0]);
    }
}

#[test]
fn shmctl_passes_the_buffer_for_every_command() {
    let mut ds = shmid_ds::default();
    let mut info = shminfo::default();
    let mut usage = shm_info::default();
    let ds_addr = &raw mut ds;
    let info_addr = (&raw mut info).cast::<shmid_ds>();
    let usage_addr = (&raw mut usage).cast::<shmid_ds>();
    let other = 0x1234_5000 as *mut shmid_ds;
    for (cmd, buf) in [
        (IPC_STAT, ds_addr),
        (IPC_SET, ds_addr),
        (SHM_STAT, ds_addr),
        (SHM_STAT_ANY, ds_addr),
        (IPC_INFO, info_addr),
        (SHM_INFO, usage_addr),
        // The commands that ignore it still send it, so the kernel sees what the caller passed.
        (IPC_RMID, core::ptr::null_mut()),
        (IPC_RMID, other),
        (SHM_LOCK, other),
        (SHM_UNLOCK, core::ptr::null_mut()),
        (IPC_STAT, 0xffff_8000_0000_1000 as *mut shmid_ds),
    ] {
        let (ret, call) = one_call(Ok(0), || ctl(6, cmd, buf));
        assert_eq!(ret, 0);
        assert_eq!(call.metadata, [SHM_CALL_CTL, ((cmd as u64) << 32) | 6, buf as u64], "command {cmd}");
        assert_eq!(call.metadata[1], shm_word(6, cmd));
    }
}

#[test]
fn shmctl_returns_each_commands_value() {
    // SHM_STAT gives the segment's id, IPC_INFO and SHM_INFO the highest used index.
    for (cmd, value) in [(SHM_STAT, 65536), (SHM_STAT_ANY, 32769), (IPC_INFO, 3), (SHM_INFO, 0), (IPC_RMID, 0)] {
        let (ret, _) = one_call(Ok(value as usize), || ctl(1, cmd, core::ptr::null_mut()));
        assert_eq!(ret, value);
    }
}

#[test]
fn shmctl_passes_bad_values_and_fails_with_errno() {
    // An unknown command, a negative id or index, a bad buffer: the kernel's to judge.
    for (cmd, errno) in [(99, EINVAL), (IPC_STAT, EFAULT), (SHM_LOCK, EPERM), (IPC_SET, EPERM)] {
        sys::set_errno(0);
        let (ret, call) = one_call(Err(errno), || ctl(-1, cmd, 0x10 as *mut shmid_ds));
        assert_eq!((ret, sys::errno()), (-1, errno));
        assert_eq!(call.metadata, [SHM_CALL_CTL, ((cmd as u64) << 32) | 0xffff_ffff, 0x10]);
    }
    let (_, call) = one_call(Err(EINVAL), || ctl(0, -1, core::ptr::null_mut()));
    assert_eq!(call.metadata[1], 0xffff_ffff_0000_0000);
}

#[test]
fn the_scheme_is_opened_read_write_close_on_exec() {
    let (_, call) = one_call(Ok(1), || shmget(1, 1, 0));
    assert_eq!(call.fd, FAKE_SHM_FD);
    let opens = sys::SHM_OPENS.lock().unwrap().clone();
    assert!(!opens.is_empty());
    assert!(opens.iter().all(|&flags| flags == O_RDWR | O_CLOEXEC), "{opens:x?}");
}
