//! The Linux backend of `PalFutexShm` (`platform/linux/futex_shm.rs`) against the host's
//! kernel, with Linux's clock ids and `O_*` values: futex waits that find the word changed,
//! time out on either clock, reject a bad clock or `tv_nsec`, and are woken by another
//! thread; a shared memory object in `/dev/shm` created, sized, identified, mapped twice
//! (one memory), unmapped and removed.

use core::sync::atomic::{AtomicU32, Ordering};
use std::ffi::CString;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Errno;
use crate::header::errno::{EEXIST, EINVAL, ENOENT, ETIMEDOUT};
use crate::platform::linux::Sys;
use crate::platform::{Pal, PalFutexShm, timespec};

/// Linux's `O_*` values and clock ids.
const O_RDWR: i32 = 2;
const O_CREAT: i32 = 0o100;
const O_EXCL: i32 = 0o200;
const CLOCK_REALTIME: i32 = 0;
const CLOCK_MONOTONIC: i32 = 1;

/// The time on `clock` plus `ms` milliseconds.
fn in_ms(clock: i32, ms: i64) -> timespec {
    let mut now = libc_timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: the call writes the local.
    assert_eq!(unsafe { clock_gettime(clock, &mut now) }, 0);
    let nsec = now.tv_nsec + (ms % 1000) * 1_000_000;
    timespec { tv_sec: now.tv_sec + ms / 1000 + nsec / 1_000_000_000, tv_nsec: nsec % 1_000_000_000 }
}

#[repr(C)]
struct libc_timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, ts: *mut libc_timespec) -> i32;
}

#[test]
fn futex_waits_time_out_on_either_clock_and_check_their_arguments() {
    let word = AtomicU32::new(7);
    // The word differs: back at once.
    assert_eq!(Sys::futex_wait_until(&word, 8, None), Ok(()));
    for clock in [CLOCK_REALTIME, CLOCK_MONOTONIC] {
        let start = Instant::now();
        assert_eq!(Sys::futex_wait_until(&word, 7, Some((clock, &in_ms(clock, 50)))), Err(Errno(ETIMEDOUT)));
        assert!(start.elapsed() >= Duration::from_millis(45), "clock {clock}: {:?}", start.elapsed());
    }
    let deadline = in_ms(CLOCK_MONOTONIC, 50);
    assert_eq!(Sys::futex_wait_until(&word, 7, Some((5, &deadline))), Err(Errno(EINVAL)));
    let bad = timespec { tv_sec: deadline.tv_sec, tv_nsec: 1_000_000_000 };
    assert_eq!(Sys::futex_wait_until(&word, 7, Some((CLOCK_MONOTONIC, &bad))), Err(Errno(EINVAL)));
}

#[test]
fn a_futex_wake_ends_another_threads_wait() {
    let word = Arc::new(AtomicU32::new(0));
    let waiter = {
        let word = Arc::clone(&word);
        std::thread::spawn(move || {
            while word.load(Ordering::SeqCst) == 0 {
                let deadline = in_ms(CLOCK_MONOTONIC, 10_000);
                Sys::futex_wait_until(&word, 0, Some((CLOCK_MONOTONIC, &deadline))).expect("woken");
            }
        })
    };
    std::thread::sleep(Duration::from_millis(20));
    word.store(1, Ordering::SeqCst);
    Sys::futex_wake_shared(&word, 1);
    waiter.join().unwrap();
}

#[test]
fn a_shared_memory_object_is_made_sized_mapped_and_removed() {
    let name = CString::new(format!("/kestrel-pal-test-{}", std::process::id())).unwrap();
    let _ = Sys::shm_object_unlink(&name);
    let fd = Sys::shm_object_open(&name, O_RDWR | O_CREAT | O_EXCL, 0o600).expect("create");
    assert_eq!(Sys::shm_object_open(&name, O_RDWR | O_CREAT | O_EXCL, 0o600), Err(Errno(EEXIST)));
    let again = Sys::shm_object_open(&name, O_RDWR, 0).expect("open");
    let (id, size) = Sys::fd_identity(fd).expect("fstat");
    assert_eq!(size, 0);
    Sys::fd_truncate(fd, 4096).unwrap();
    let (id_again, size) = Sys::fd_identity(again).expect("fstat");
    assert_eq!((id_again, size), (id, 4096));
    let a = Sys::map_shared(fd, 4096).expect("mmap");
    let b = Sys::map_shared(again, 4096).expect("mmap");
    // SAFETY: both are live 4096-byte mappings of one object.
    unsafe {
        a.cast::<u32>().write_volatile(0x5345_4d31);
        assert_eq!(b.cast::<u32>().read_volatile(), 0x5345_4d31);
        Sys::unmap(a, 4096).unwrap();
        Sys::unmap(b, 4096).unwrap();
    }
    Sys::close(fd).unwrap();
    Sys::close(again).unwrap();
    Sys::shm_object_unlink(&name).unwrap();
    assert_eq!(Sys::shm_object_unlink(&name), Err(Errno(ENOENT)));
    assert_eq!(Sys::shm_object_open(&name, O_RDWR, 0), Err(Errno(ENOENT)));
    let bad = CString::new("/a/b").unwrap();
    assert_eq!(Sys::shm_object_open(&bad, O_RDWR, 0), Err(Errno(EINVAL)));
}
