//! The Linux backend's descriptor calls (`platform/linux/{mqueue,eventfd,timerfd,
//! signalfd}.rs` and `Pal`'s `close`, `read`, `write`) against the host's kernel, with
//! Linux's flag values (relibc's `fcntl.h` on Linux); every descriptor and queue is closed
//! or removed by the test that made it.

use core::ptr;

use crate::error::Errno;
use crate::header::errno::{EAGAIN, EBADF, EINVAL, ENOSYS};
use crate::header::mqueue::{KernelSigevent, mq_attr};
use crate::platform::linux::{Sys, e_raw};
use crate::platform::{Pal, PalEventfd, PalMqueue, PalSignalfd, PalTimerfd, itimerspec, timespec};

/// Linux's `O_*` values.
const O_RDWR: i32 = 2;
const O_CREAT: i32 = 0o100;
const O_EXCL: i32 = 0o200;
const O_NONBLOCK: i32 = 0o4000;
const O_CLOEXEC: i32 = 0o2000000;
/// Linux's `CLOCK_MONOTONIC`.
const CLOCK_MONOTONIC: i32 = 1;

#[test]
fn e_raw_reads_negated_errnos() {
    assert_eq!(e_raw(3), Ok(3));
    assert_eq!(e_raw(-9isize as usize), Err(Errno(EBADF)));
    // As relibc reads them: -4094 and above are errnos (-4095 is not).
    assert_eq!(e_raw(-4094isize as usize), Err(Errno(4094)));
    assert_eq!(e_raw(-4095isize as usize), Ok(-4095isize as usize));
    assert_eq!(Sys::close(-1), Err(Errno(EBADF)));
}

#[test]
fn an_eventfd_counts_through_read_and_write() {
    let fd = Sys::eventfd(3, O_NONBLOCK | O_CLOEXEC).expect("eventfd");
    let mut bytes = [0; 8];
    assert_eq!(Sys::read(fd, &mut bytes), Ok(8));
    assert_eq!(u64::from_ne_bytes(bytes), 3);
    assert_eq!(Sys::read(fd, &mut bytes), Err(Errno(EAGAIN)));
    assert_eq!(Sys::write(fd, &5u64.to_ne_bytes()), Ok(8));
    assert_eq!(Sys::read(fd, &mut bytes), Ok(8));
    assert_eq!(u64::from_ne_bytes(bytes), 5);
    assert_eq!(Sys::close(fd), Ok(()));
    assert_eq!(Sys::eventfd(0, -1), Err(Errno(EINVAL)));
}

#[test]
fn a_timerfd_is_armed_and_read_back() {
    let fd = Sys::timerfd_create(CLOCK_MONOTONIC, O_NONBLOCK | O_CLOEXEC).expect("timerfd_create");
    let setting =
        itimerspec { it_interval: timespec { tv_sec: 1, tv_nsec: 0 }, it_value: timespec { tv_sec: 100, tv_nsec: 0 } };
    let mut old = itimerspec::default();
    // SAFETY: both settings are locals.
    unsafe { Sys::timerfd_settime(fd, 0, &setting, &mut old) }.expect("timerfd_settime");
    assert_eq!(old, itimerspec::default(), "disarmed before");
    let mut now = itimerspec::default();
    // SAFETY: `now` is a local.
    unsafe { Sys::timerfd_gettime(fd, &mut now) }.expect("timerfd_gettime");
    assert_eq!(now.it_interval, setting.it_interval);
    assert!(now.it_value.tv_sec > 90 && now.it_value.tv_sec <= 100, "{now:?}");
    let mut bytes = [0; 8];
    assert_eq!(Sys::read(fd, &mut bytes), Err(Errno(EAGAIN)), "not expired");
    assert_eq!(Sys::close(fd), Ok(()));
    assert_eq!(Sys::timerfd_create(-1, 0), Err(Errno(EINVAL)));
}

#[test]
fn a_signalfd_is_made_and_its_flags_checked() {
    // SIGUSR1 (10), bit 9; the signal is not raised, so the mask need not block it.
    let mask: u64 = 1 << 9;
    // SAFETY: `mask` is a local 8-byte set.
    let fd = unsafe { Sys::signalfd(-1, &mask, O_NONBLOCK | O_CLOEXEC) }.expect("signalfd");
    let mut record = [0; 128];
    assert_eq!(Sys::read(fd, &mut record), Err(Errno(EAGAIN)), "nothing pending");
    // SAFETY: as above.
    assert_eq!(unsafe { Sys::signalfd(fd, &mask, 0) }, Ok(fd), "the mask of an existing one");
    assert_eq!(Sys::close(fd), Ok(()));
    // SAFETY: as above.
    assert_eq!(unsafe { Sys::signalfd(-1, &mask, 1) }, Err(Errno(EINVAL)), "an unknown flag");
}

#[test]
fn a_message_queue_through_linux_system_calls() {
    let name = format!("/kestrel-relibc-test-{}\0", std::process::id());
    let name = core::ffi::CStr::from_bytes_with_nul(name.as_bytes()).unwrap();
    let mut attr = mq_attr { mq_maxmsg: 4, mq_msgsize: 16, ..mq_attr::default() };
    // SAFETY: `attr` is a local.
    let q = match unsafe { Sys::mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK, 0o600, &mut attr) } {
        Err(Errno(ENOSYS)) => return eprintln!("the host kernel has no POSIX message queues: skipped"),
        result => result.expect("mq_open"),
    };
    // SAFETY: the message and the priority are locals; no timeout.
    unsafe {
        Sys::mq_timedsend(q, c"hello".as_ptr(), 5, 9, ptr::null()).expect("mq_timedsend");
    }
    let mut now = mq_attr::default();
    // SAFETY: `now` is a local; no new attributes.
    unsafe { Sys::mq_getsetattr(q, ptr::null(), &mut now) }.expect("mq_getsetattr");
    assert_eq!((now.mq_maxmsg, now.mq_msgsize, now.mq_curmsgs), (4, 16, 1));
    let (mut buf, mut prio) = ([0u8; 16], 0);
    // SAFETY: as above.
    let len = unsafe { Sys::mq_timedreceive(q, buf.as_mut_ptr().cast(), 16, &mut prio, ptr::null()) };
    assert_eq!((len, prio, &buf[..5]), (Ok(5), 9, &b"hello"[..]));
    // SIGEV_NONE is Linux's; SIGEV_THREAD over a pipe is kestrel's protocol.
    let none = KernelSigevent { sigev_notify: 1, ..KernelSigevent::default() };
    let thread = KernelSigevent { sigev_notify: 2, sigev_signo: 0, ..KernelSigevent::default() };
    // SAFETY: the sigevents are locals.
    unsafe {
        assert_eq!(Sys::mq_notify(q, &none), Ok(()));
        assert_eq!(Sys::mq_notify(q, ptr::null()), Ok(()));
        assert_eq!(Sys::mq_notify(q, &thread), Err(Errno(ENOSYS)));
    }
    assert_eq!(Sys::close(q), Ok(()));
    assert_eq!(Sys::mq_unlink(name), Ok(()));
    assert_eq!(Sys::mq_unlink(c"no-leading-slash"), Err(Errno(EINVAL)));
}
