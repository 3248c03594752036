//! Host tests: the Linux backend against the host's kernel (`linux_sysv`, `linux_fd`), the
//! header modules' pure logic, `ftok` and the `sys/sem.h`, `sys/msg.h`,
//! `sys/shm.h`, `mqueue.h`, `sys/signalfd.h`, `sys/eventfd.h` and `sys/timerfd.h` calls
//! against the stand-in kernel of `platform::sys` (which records how each call is
//! encoded), `eventfd_read` and `eventfd_write` on the host's descriptors, and the C headers
//! compiled by the host C compiler and compared with the Rust definitions and with the
//! host's glibc (the Linux x86_64 reference); and `semaphore.h` on the host's own futexes and
//! `/dev/shm`, against glibc's functions.

mod c_headers;
mod c_headers_fd;
mod c_headers_mq;
mod c_headers_msg;
mod c_headers_sem;
mod c_headers_semaphore;
mod c_headers_shm;
mod c_headers_timerfd;
mod linux_fd;
mod linux_futex_shm;
mod linux_sysv;
mod mqueue;
mod semaphore;
mod semaphore_rules;
mod sys_eventfd;
mod sys_ipc;
mod sys_msg;
mod sys_sem;
mod sys_shm;
mod sys_signalfd;
mod sys_timerfd;

use core::ffi::c_int;

use kestrel_abi::syscall::CALL_WRITE;

use crate::platform::sys::{self, Call};

/// Runs `f` against a stand-in kernel that answers `reply`, and returns what `f` returned
/// and the one scheme call it made, which must go to descriptor `fd` with an input-only
/// payload.
fn one_call_on<R>(fd: usize, reply: Result<usize, c_int>, f: impl FnOnce() -> R) -> (R, Call) {
    sys::take_calls();
    sys::reply_with(reply);
    let ret = f();
    let mut calls = sys::take_calls();
    assert_eq!(calls.len(), 1, "one scheme call: {calls:?}");
    let call = calls.pop().unwrap();
    assert_eq!(call.fd, fd, "the call goes to the scheme's descriptor");
    assert_eq!(call.flags, CALL_WRITE, "the payload is input only: no copy back");
    (ret, call)
}
