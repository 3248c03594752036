//! `mqueue.h`: how each function encodes its arguments for the kernel's `mq` scheme
//! (checked against the stand-in kernel of `platform::sys`, which records every call and
//! whose hooks read and write the memory a call names, as the kernel does), the translation
//! of the C runtime's open flags, results and `errno`, and the `SIGEV_THREAD` machinery
//! (a real pipe, helper thread and notice threads of the host C library, with the test
//! writing the kernel's notices).

use core::ffi::{c_char, c_int, c_uint, c_void};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kestrel_abi::errno::{EAGAIN, EBADF, EBUSY, EFAULT, EINVAL, EMSGSIZE, ENOENT, ETIMEDOUT};
use kestrel_abi::mq::{
    MQ_CALL_GETSETATTR, MQ_CALL_NOTIFY, MQ_CALL_OPEN, MQ_CALL_RECEIVE, MQ_CALL_UNLINK, MQ_O_ACCMODE, MQ_O_CLOEXEC,
    MQ_O_CREAT, MQ_O_EXCL, MQ_O_NONBLOCK, MQ_O_RDONLY, MQ_O_RDWR, MQ_O_WRONLY, MqAttr, MqThreadNotice, NOTIFY_REMOVED,
    NOTIFY_WOKENUP, SigEvent, send_word,
};
use kestrel_abi::syscall::{O_CLOEXEC as K_O_CLOEXEC, O_RDWR as K_O_RDWR};

use crate::header::mqueue::{
    kernel_oflag, mq_attr, mq_close, mq_getattr, mq_notify, mq_open, mq_receive, mq_send, mq_setattr, mq_timedreceive,
    mq_timedsend, mq_unlink, mqd_t, notice_pipe,
};
use crate::platform::sys::{self, Call, FAKE_MQ_FD};
use crate::platform::{
    O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, SIGEV_NONE, SIGEV_SIGNAL,
    SIGEV_THREAD, pthread_attr_t, sigevent, sigval, timespec,
};

/// Runs `f` against a stand-in kernel that answers `reply`, and returns what `f` returned
/// and the one scheme call it made.
fn one_call<R>(reply: Result<usize, c_int>, f: impl FnOnce() -> R) -> (R, Call) {
    let (ret, call) = super::one_call_on(FAKE_MQ_FD, reply, f);
    assert_eq!(call.metadata.len(), 3, "every mq call takes exactly three metadata words");
    (ret, call)
}

/// As [`one_call`], with `hook` answering (and reading or writing what the call names).
fn one_hooked_call<R>(hook: impl FnMut(&Call) -> Result<usize, c_int> + 'static, f: impl FnOnce() -> R) -> (R, Call) {
    sys::hook_calls(Some(Box::new(hook)));
    let result = one_call(Ok(0), f);
    sys::hook_calls(None);
    result
}

/// The payload's little-endian u64 words.
fn payload_words(call: &Call) -> Vec<u64> {
    assert_eq!(call.payload.len() % 8, 0, "{:?}", call.payload);
    call.payload.chunks(8).map(|w| u64::from_le_bytes(w.try_into().unwrap())).collect()
}

const NAME: &core::ffi::CStr = c"/queue-1";

fn open(name: *const c_char, oflag: c_int, mode: u32, attr: *mut mq_attr) -> mqd_t {
    // SAFETY: the stand-in kernel does not touch memory at the addresses in the call.
    unsafe { mq_open(name, oflag, mode, attr) }
}

#[test]
fn open_flags_are_translated_to_linux_values() {
    // The C runtime's values are Redox's.
    assert_eq!((O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE), (0x1_0000, 0x2_0000, 0x3_0000, 0x3_0000));
    assert_eq!((O_NONBLOCK, O_CLOEXEC, O_CREAT, O_EXCL), (0x4_0000, 0x100_0000, 0x200_0000, 0x800_0000));
    assert_eq!(kernel_oflag(0), MQ_O_RDONLY);
    assert_eq!(kernel_oflag(O_RDONLY), MQ_O_RDONLY);
    assert_eq!(kernel_oflag(O_WRONLY), MQ_O_WRONLY);
    assert_eq!(kernel_oflag(O_RDWR), MQ_O_RDWR);
    assert_eq!(kernel_oflag(O_WRONLY | O_CREAT), MQ_O_WRONLY | MQ_O_CREAT);
    assert_eq!(kernel_oflag(O_RDONLY | O_EXCL), MQ_O_EXCL);
    assert_eq!(kernel_oflag(O_RDWR | O_NONBLOCK), MQ_O_RDWR | MQ_O_NONBLOCK);
    assert_eq!(kernel_oflag(O_CLOEXEC), MQ_O_CLOEXEC);
    assert_eq!(
        kernel_oflag(O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC),
        MQ_O_RDWR | MQ_O_CREAT | MQ_O_EXCL | MQ_O_NONBLOCK | MQ_O_CLOEXEC
    );
    // Bits mq_open does not look at are dropped (Linux ignores them), the permission bits
    // Redox keeps in the low 16 bits among them: they are mode's business.
    let trunc = kestrel_abi::syscall::O_TRUNC as c_int;
    assert_eq!(kernel_oflag(O_WRONLY | trunc | 0o777 | O_CREAT), MQ_O_WRONLY | MQ_O_CREAT);
    // Every access mode this runtime can express is a valid one; Linux's invalid 3 never
    // comes from it.
    assert_ne!(kernel_oflag(O_ACCMODE) & MQ_O_ACCMODE, MQ_O_ACCMODE);
}

#[test]
fn mq_open_without_o_creat_sends_no_mode_or_attributes() {
    // Without O_CREAT the mode and attr registers hold garbage: not used.
    let garbage = 0xdead_beef_usize as *mut mq_attr;
    let (ret, call) = one_call(Ok(7), || open(NAME.as_ptr(), O_RDONLY, 0o7777_7777, garbage));
    assert_eq!(ret, 7);
    assert_eq!(call.metadata, [MQ_CALL_OPEN, (MQ_O_RDONLY) as u64, 0]);
    assert_eq!(call.payload, b"/queue-1", "the name as given, leading '/' kept, no NUL");
    let (_, call) = one_call(Ok(8), || open(NAME.as_ptr(), O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0o600, garbage));
    assert_eq!(call.metadata, [MQ_CALL_OPEN, (MQ_O_WRONLY | MQ_O_NONBLOCK | MQ_O_CLOEXEC) as u64, 0]);
    // Without O_CLOEXEC none is asked for (the kernel makes every queue descriptor
    // close-on-exec anyway, as Linux does).
    let (_, call) = one_call(Ok(8), || open(NAME.as_ptr(), O_WRONLY, 0, garbage));
    assert_eq!(call.metadata[1], MQ_O_WRONLY as u64);
}

#[test]
fn mq_open_with_o_creat_sends_mode_and_attributes() {
    let mut attr = mq_attr { mq_maxmsg: 4, mq_msgsize: 128, ..mq_attr::default() };
    let addr = &raw mut attr;
    let oflag = O_RDWR | O_CREAT | O_EXCL;
    let (ret, call) = one_call(Ok(3), || open(NAME.as_ptr(), oflag, 0o640, addr));
    assert_eq!(ret, 3);
    let linux = (MQ_O_RDWR | MQ_O_CREAT | MQ_O_EXCL) as u64;
    assert_eq!(call.metadata, [MQ_CALL_OPEN, (0o640 << 32) | linux, addr as u64]);
    // A null attr (the defaults) and odd modes pass unchanged; the kernel applies the umask
    // and the permission bits.
    let (_, call) = one_call(Ok(3), || open(NAME.as_ptr(), O_WRONLY | O_CREAT, 0o177_777, core::ptr::null_mut()));
    assert_eq!(call.metadata, [MQ_CALL_OPEN, (0o177_777 << 32) | (MQ_O_WRONLY | MQ_O_CREAT) as u64, 0]);
    // A bad attr address is the kernel's EFAULT.
    sys::set_errno(0);
    let (ret, call) = one_call(Err(EFAULT), || open(NAME.as_ptr(), O_CREAT, 0, 0x10 as *mut mq_attr));
    assert_eq!((ret, sys::errno()), (-1, EFAULT));
    assert_eq!(call.metadata[2], 0x10);
}

#[test]
fn mq_open_called_as_variadic_from_c() {
    unsafe extern "C" {
        #[link_name = "mq_open"]
        fn mq_open_variadic(name: *const c_char, oflag: c_int, ...) -> mqd_t;
    }
    let mut attr = mq_attr { mq_maxmsg: 2, mq_msgsize: 16, ..mq_attr::default() };
    let addr = &raw mut attr;
    // SAFETY: the stand-in kernel does not touch the memory; the arguments are what C
    // passes (a mode_t promoted to unsigned int, a pointer).
    let (ret, call) = one_call(Ok(4), || unsafe { mq_open_variadic(NAME.as_ptr(), O_RDWR | O_CREAT, 0o600u32, addr) });
    assert_eq!(ret, 4);
    assert_eq!(call.metadata, [MQ_CALL_OPEN, (0o600 << 32) | (MQ_O_RDWR | MQ_O_CREAT) as u64, addr as u64]);
    // SAFETY: as above, without the variadic arguments.
    let (_, call) = one_call(Ok(4), || unsafe { mq_open_variadic(NAME.as_ptr(), O_WRONLY) });
    assert_eq!(call.metadata, [MQ_CALL_OPEN, (MQ_O_WRONLY) as u64, 0]);
}

#[test]
fn mq_open_and_unlink_failures_set_errno() {
    for errno in [ENOENT, EINVAL, kestrel_abi::errno::EACCES, kestrel_abi::errno::EEXIST] {
        sys::set_errno(0);
        let (ret, _) = one_call(Err(errno), || open(c"/nope".as_ptr(), O_RDONLY, 0, core::ptr::null_mut()));
        assert_eq!((ret, sys::errno()), (-1, errno));
        sys::set_errno(0);
        // SAFETY: a NUL-terminated string.
        let (ret, _) = one_call(Err(errno), || unsafe { mq_unlink(c"/nope".as_ptr()) });
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
    sys::set_errno(0);
    let (ret, _) = one_call(Ok(12), || open(NAME.as_ptr(), O_RDONLY, 0, core::ptr::null_mut()));
    assert_eq!((ret, sys::errno()), (12, 0), "success leaves errno alone");
    // Names without '/', with another '/', empty, "/." : the kernel's to judge.
    for name in [c"noslash", c"/a/b", c"", c"/.", c"/.."] {
        let (_, call) = one_call(Err(EINVAL), || open(name.as_ptr(), O_RDONLY, 0, core::ptr::null_mut()));
        assert_eq!(call.payload, name.to_bytes());
    }
    let long = std::ffi::CString::new(vec![b'x'; 300]).unwrap();
    let (_, call) =
        one_call(Err(kestrel_abi::errno::ENAMETOOLONG), || open(long.as_ptr(), O_RDONLY, 0, core::ptr::null_mut()));
    assert_eq!(call.payload.len(), 300);
}

#[test]
fn a_null_name_is_efault_without_a_call() {
    sys::take_calls();
    sys::set_errno(0);
    assert_eq!(open(core::ptr::null(), O_RDONLY, 0, core::ptr::null_mut()), -1);
    assert_eq!(sys::errno(), EFAULT);
    sys::set_errno(0);
    // SAFETY: null is allowed.
    assert_eq!(unsafe { mq_unlink(core::ptr::null()) }, -1);
    assert_eq!(sys::errno(), EFAULT);
    assert!(sys::take_calls().is_empty());
}

#[test]
fn mq_unlink_sends_the_name() {
    // SAFETY: a NUL-terminated string.
    let (ret, call) = one_call(Ok(0), || unsafe { mq_unlink(NAME.as_ptr()) });
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [MQ_CALL_UNLINK, 0, 0]);
    assert_eq!(call.payload, b"/queue-1");
}

#[test]
fn mq_send_is_a_timed_send_without_a_timeout() {
    let message = *b"hello";
    let msg = message.as_ptr().cast::<c_char>();
    // SAFETY: the stand-in kernel does not read the message.
    let (ret, call) = one_call(Ok(0), || unsafe { mq_send(5, msg, 5, 31) });
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [send_word(31), 5, msg as u64]);
    assert_eq!(payload_words(&call), [5, 0]);
    let deadline = timespec { tv_sec: 1_700_000_000, tv_nsec: 999_999_999 };
    // SAFETY: as above.
    let (_, call) = one_call(Ok(0), || unsafe { mq_timedsend(5, msg, 5, 0, &deadline) });
    assert_eq!(call.metadata, [send_word(0), 5, msg as u64]);
    assert_eq!(payload_words(&call), [5, (&raw const deadline) as u64]);
}

#[test]
fn mq_send_passes_bad_values_to_the_kernel_unchanged() {
    // A priority at or above MQ_PRIO_MAX, a huge length, a negative descriptor, null or bad
    // addresses: all the kernel's, in Linux's order.
    for (mqd, prio, len, timeout) in
        [(1, 32768, 1, 0), (1, u32::MAX, 0, 0), (-1, 0, usize::MAX, 0), (2, 1, 8193, 0x8), (3, 0, 1 << 63, 1)]
    {
        // SAFETY: the stand-in kernel reads nothing.
        let (ret, call) = one_call(Err(EINVAL), || unsafe {
            mq_timedsend(mqd, core::ptr::null(), len, prio, timeout as *const timespec)
        });
        assert_eq!(ret, -1);
        assert_eq!(call.metadata, [send_word(prio), u64::from(mqd as u32), 0]);
        assert_eq!(payload_words(&call), [len as u64, timeout]);
    }
    for errno in [EAGAIN, EBADF, EMSGSIZE, ETIMEDOUT, EINVAL, EFAULT] {
        sys::set_errno(0);
        // SAFETY: as above.
        let (ret, _) = one_call(Err(errno), || unsafe { mq_send(1, c"x".as_ptr(), 1, 0) });
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
}

#[test]
fn mq_receive_sends_length_timeout_and_priority_address() {
    let mut buf = [0 as c_char; 64];
    let mut prio: c_uint = 0;
    let (b, p) = (buf.as_mut_ptr(), &raw mut prio);
    sys::set_errno(0);
    // SAFETY: the stand-in kernel writes nothing.
    let (ret, call) = one_call(Ok(17), || unsafe { mq_receive(9, b, 64, p) });
    assert_eq!((ret, sys::errno()), (17, 0), "the message's length; errno untouched");
    assert_eq!(call.metadata, [MQ_CALL_RECEIVE, 9, b as u64]);
    assert_eq!(payload_words(&call), [64, 0, p as u64]);
    let deadline = timespec { tv_sec: 0, tv_nsec: 1_000_000_000 };
    // SAFETY: as above; a null priority address is allowed.
    let (ret, call) = one_call(Ok(0), || unsafe { mq_timedreceive(-7, b, 8, core::ptr::null_mut(), &deadline) });
    assert_eq!(ret, 0, "an empty message is 0 bytes, not an error");
    assert_eq!(call.metadata, [MQ_CALL_RECEIVE, 0xffff_fff9, b as u64]);
    assert_eq!(payload_words(&call), [8, (&raw const deadline) as u64, 0]);
    for errno in [EMSGSIZE, EAGAIN, ETIMEDOUT, EBADF, EINVAL] {
        sys::set_errno(0);
        // SAFETY: as above.
        let (ret, _) = one_call(Err(errno), || unsafe { mq_receive(9, b, 64, p) });
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
}

/// Reads the `mq_attr` at `addr` (a hook playing the kernel).
fn read_attr(addr: u64) -> MqAttr {
    // SAFETY: the test passed the address of a live mq_attr.
    unsafe { (addr as usize as *const MqAttr).read() }
}

/// Writes `attr` at `addr` (a hook playing the kernel).
fn write_attr(addr: u64, attr: MqAttr) {
    // SAFETY: the test passed the address of a live, writable mq_attr.
    unsafe { (addr as usize as *mut MqAttr).write(attr) }
}

#[test]
fn mq_getattr_passes_the_callers_structure_through() {
    let mut attr = mq_attr::default();
    let addr = &raw mut attr;
    let kernel =
        MqAttr { mq_flags: O_NONBLOCK.into(), mq_maxmsg: 10, mq_msgsize: 8192, mq_curmsgs: 3, ..MqAttr::default() };
    // SAFETY: `attr` is a live local.
    let (ret, call) = one_hooked_call(
        move |call| {
            let words = payload_words(call);
            write_attr(words[1], kernel);
            Ok(0)
        },
        || unsafe { mq_getattr(4, addr) },
    );
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [MQ_CALL_GETSETATTR, 4, 0]);
    assert_eq!(payload_words(&call), [0, addr as u64], "no new attributes, the old ones to `attr`");
    assert_eq!(
        attr,
        mq_attr { mq_flags: O_NONBLOCK.into(), mq_maxmsg: 10, mq_msgsize: 8192, mq_curmsgs: 3, __pad: [0; 4] }
    );

    // Blocking: mq_flags 0.
    let kernel = MqAttr { mq_maxmsg: 1, mq_msgsize: 1, ..MqAttr::default() };
    // SAFETY: as above.
    let (_, _) = one_hooked_call(
        move |call| {
            write_attr(payload_words(call)[1], kernel);
            Ok(0)
        },
        || unsafe { mq_getattr(4, addr) },
    );
    assert_eq!(attr.mq_flags, 0);

    // A failure leaves the buffer alone (and a bad address is the kernel's EFAULT).
    attr.mq_flags = 0x1234;
    sys::set_errno(0);
    // SAFETY: as above.
    let (ret, _) = one_call(Err(EBADF), || unsafe { mq_getattr(99, addr) });
    assert_eq!((ret, sys::errno(), attr.mq_flags), (-1, EBADF, 0x1234));
    // SAFETY: the stand-in kernel fails without writing.
    let (ret, call) = one_call(Err(EFAULT), || unsafe { mq_getattr(4, 0x10 as *mut mq_attr) });
    assert_eq!((ret, payload_words(&call)), (-1, vec![0, 0x10]));
}

#[test]
fn mq_setattr_passes_the_callers_structures_through() {
    let new = mq_attr { mq_flags: O_NONBLOCK.into(), mq_maxmsg: 99, ..mq_attr::default() };
    let mut old = mq_attr::default();
    let old_addr = &raw mut old;
    let seen = std::rc::Rc::new(std::cell::Cell::new(MqAttr::default()));
    let seen_in_hook = seen.clone();
    let kernel_old = MqAttr { mq_flags: O_NONBLOCK.into(), mq_maxmsg: 10, mq_msgsize: 64, ..MqAttr::default() };
    // SAFETY: live locals.
    let (ret, call) = one_hooked_call(
        move |call| {
            let words = payload_words(call);
            seen_in_hook.set(read_attr(words[0]));
            write_attr(words[1], kernel_old);
            Ok(0)
        },
        || unsafe { mq_setattr(6, &new, old_addr) },
    );
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [MQ_CALL_GETSETATTR, 6, 0]);
    assert_eq!(payload_words(&call)[1], old_addr as u64);
    assert_eq!(payload_words(&call)[0], &raw const new as u64, "the caller's own structure");
    let expected_new = MqAttr { mq_flags: O_NONBLOCK.into(), mq_maxmsg: 99, ..MqAttr::default() };
    assert_eq!(seen.get(), expected_new, "the kernel reads the fields as given");
    assert_eq!(old.mq_flags, i64::from(O_NONBLOCK), "the old flags as the kernel wrote them");
    assert_eq!((old.mq_maxmsg, old.mq_msgsize), (10, 64));
    assert_eq!(new.mq_flags, i64::from(O_NONBLOCK), "the caller's attributes are not changed");

    // Clearing O_NONBLOCK, a null omqstat, and a bad flag that the kernel must still see.
    for (flags, kernel_flags) in [(0, 0), (1, 1), (i64::from(O_NONBLOCK) | 0x10, i64::from(O_NONBLOCK) | 0x10)] {
        let new = mq_attr { mq_flags: flags, ..mq_attr::default() };
        let seen_in_hook = seen.clone();
        // SAFETY: a live local; a null omqstat is allowed.
        let (_, call) = one_hooked_call(
            move |call| {
                seen_in_hook.set(read_attr(payload_words(call)[0]));
                Ok(0)
            },
            || unsafe { mq_setattr(6, &new, core::ptr::null_mut()) },
        );
        assert_eq!(payload_words(&call)[1], 0);
        assert_eq!(seen.get().mq_flags, kernel_flags);
    }

    // A null mqstat is a plain get; failures set errno and leave omqstat alone.
    // SAFETY: null is allowed; the stand-in writes nothing.
    let (ret, call) = one_call(Ok(0), || unsafe { mq_setattr(6, core::ptr::null(), core::ptr::null_mut()) });
    assert_eq!((ret, payload_words(&call)), (0, vec![0, 0]));
    old.mq_flags = 77;
    sys::set_errno(0);
    // SAFETY: live locals; the stand-in fails without writing.
    let (ret, _) = one_call(Err(EINVAL), || unsafe { mq_setattr(6, &new, old_addr) });
    assert_eq!((ret, sys::errno(), old.mq_flags), (-1, EINVAL, 77));
}

#[test]
fn mq_close_closes_the_descriptor() {
    sys::take_closed();
    sys::take_calls();
    sys::set_errno(0);
    assert_eq!(mq_close(12), 0);
    assert_eq!(sys::errno(), 0);
    assert_eq!(mq_close(-1), -1);
    assert_eq!(sys::errno(), EBADF);
    assert_eq!(sys::take_closed(), [12, -1]);
    assert!(sys::take_calls().is_empty(), "close(2), not a scheme call");
}

/// Reads the sigevent at `addr` (a hook playing the kernel).
fn read_sigevent(addr: u64) -> SigEvent {
    // SAFETY: the library passed the address of a live 64-byte sigevent.
    unsafe { (addr as usize as *const SigEvent).read() }
}

fn notify(mqd: mqd_t, event: *const sigevent) -> c_int {
    // SAFETY: the tests pass null or live sigevents.
    unsafe { mq_notify(mqd, event) }
}

fn event(notify: c_int, signo: c_int, value: u64) -> sigevent {
    sigevent {
        sigev_value: sigval { sival_ptr: value as usize as *mut c_void },
        sigev_signo: signo,
        sigev_notify: notify,
        sigev_notify_function: None,
        sigev_notify_attributes: core::ptr::null_mut(),
        __pad: [0xaaaa_aaaa_aaaa_aaaa; 4],
    }
}

#[test]
fn mq_notify_passes_signal_and_none_registrations() {
    let seen = std::rc::Rc::new(std::cell::Cell::new(SigEvent::default()));
    for (kind, signo, value) in [(SIGEV_SIGNAL, 10, 0x1234_5678_9abc_def0), (SIGEV_NONE, 0, 5), (SIGEV_SIGNAL, 99, 0)] {
        let ev = event(kind, signo, value);
        let seen_in_hook = seen.clone();
        let (ret, call) = one_hooked_call(
            move |call| {
                seen_in_hook.set(read_sigevent(call.metadata[2]));
                Ok(0)
            },
            || notify(3, &ev),
        );
        assert_eq!(ret, 0);
        assert_eq!(&call.metadata[..2], [MQ_CALL_NOTIFY, 3]);
        assert!(call.payload.is_empty());
        assert_eq!(seen.get(), SigEvent { sigev_value: value, sigev_signo: signo, sigev_notify: kind, union: [0; 6] });
    }
    // Unknown notification kinds go to the kernel (EINVAL there).
    let ev = event(7, 1, 0);
    sys::set_errno(0);
    let (ret, _) = one_call(Err(EINVAL), || notify(3, &ev));
    assert_eq!((ret, sys::errno()), (-1, EINVAL));
    // A null notification removes the registration.
    let (ret, call) = one_call(Ok(0), || notify(-2, core::ptr::null()));
    assert_eq!(ret, 0);
    assert_eq!(call.metadata, [MQ_CALL_NOTIFY, 0xffff_fffe, 0]);
    for errno in [EBUSY, EBADF] {
        sys::set_errno(0);
        let ev = event(SIGEV_SIGNAL, 10, 0);
        let (ret, _) = one_call(Err(errno), || notify(3, &ev));
        assert_eq!((ret, sys::errno()), (-1, errno));
    }
}

/// What the notice threads saw: (value, stack size, detached, signals blocked).
static RAN: Mutex<Vec<(u64, usize, bool, bool)>> = Mutex::new(Vec::new());

extern "C" fn on_notice(value: sigval) {
    // SAFETY: the tests store pointers (integers) in the value.
    let value = unsafe { value.sival_ptr } as usize as u64;
    let (stack, detached) = sys::current_thread_stack_size_and_detached();
    RAN.lock().unwrap().push((value, stack, detached, sys::blocks_sigusr1()));
}

/// Waits (up to 10 s) for `done`.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Registers a thread notice on `mqd` (the stand-in kernel answering `reply`) and returns
/// the kernel's view of it and the call's result.
fn register_thread(
    mqd: mqd_t,
    value: u64,
    attr: *mut pthread_attr_t,
    reply: Result<usize, c_int>,
) -> (c_int, SigEvent) {
    let mut ev = event(SIGEV_THREAD, 12345, value);
    ev.sigev_notify_function = Some(on_notice);
    ev.sigev_notify_attributes = attr;
    let seen = std::rc::Rc::new(std::cell::Cell::new(SigEvent::default()));
    let seen_in_hook = seen.clone();
    let (ret, call) = one_hooked_call(
        move |call| {
            seen_in_hook.set(read_sigevent(call.metadata[2]));
            reply
        },
        || notify(mqd, &ev),
    );
    assert_eq!(&call.metadata[..2], [MQ_CALL_NOTIFY, u64::from(mqd as u32)]);
    (ret, seen.get())
}

/// Writes the kernel's notice for a registration.
fn send_notice(event: &SigEvent, kind: u64) {
    let notice = MqThreadNotice { cookie: event.sigev_value, kind };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&notice.cookie.to_le_bytes());
    bytes[8..].copy_from_slice(&notice.kind.to_le_bytes());
    assert_eq!(sys::write(event.sigev_signo, &bytes), Ok(16));
}

fn allocated(cookie: u64) -> bool {
    sys::ALLOCATIONS.lock().unwrap().contains(&(cookie as usize))
}

/// The whole `SIGEV_THREAD` life in one test (the helper is process-wide state).
#[test]
fn sigev_thread_runs_the_function_in_a_new_detached_thread() {
    // The first registration makes the pipe and the helper; the kernel sees SIGEV_THREAD,
    // the pipe's write end and the cookie (a live allocation).
    let (ret, first) = register_thread(3, 0xfeed, core::ptr::null_mut(), Ok(0));
    assert_eq!(ret, 0);
    assert_eq!(first.sigev_notify, SIGEV_THREAD);
    assert!(sys::PIPES.lock().unwrap().contains(&first.sigev_signo), "the signal is the notice pipe's write end");
    assert!(allocated(first.sigev_value), "the value is the cookie, a live record");
    assert_eq!(sys::AT_FORK_CHILD.lock().unwrap().len(), 1, "the fork handler is registered");

    // A woken-up notice runs the function with the caller's value, detached; the record goes.
    send_notice(&first, NOTIFY_WOKENUP);
    wait_for("the notice thread", || RAN.lock().unwrap().iter().any(|r| r.0 == 0xfeed));
    let ran = RAN.lock().unwrap().iter().find(|r| r.0 == 0xfeed).copied().unwrap();
    assert!(ran.2, "the notice thread is detached");
    assert!(ran.3, "and has the helper's mask: every signal blocked");
    assert!(!sys::blocks_sigusr1(), "the caller's mask is its own");
    wait_for("the record to be freed", || !allocated(first.sigev_value));

    // A second registration reuses the pipe; with attributes, the thread gets them.
    // Above the host's 8 MiB default (glibc may hand a thread a cached stack larger than it
    // asked for, never a smaller one).
    let stack = 20 << 20;
    let mut attr = sys::attr_with_stack_size(stack);
    let (ret, second) = register_thread(4, 0xbeef, &raw mut attr, Ok(0));
    assert_eq!(ret, 0);
    assert_eq!(second.sigev_signo, first.sigev_signo, "one pipe per process");
    assert_ne!(second.sigev_value, first.sigev_value);
    let spawned_with_attr = sys::SPAWNED.lock().unwrap().1;
    send_notice(&second, NOTIFY_WOKENUP);
    wait_for("the notice thread with attributes", || RAN.lock().unwrap().iter().any(|r| r.0 == 0xbeef));
    let ran = RAN.lock().unwrap().iter().find(|r| r.0 == 0xbeef).copied().unwrap();
    assert!(ran.1 >= stack && ran.2, "the caller's stack size, detached: {ran:?}");
    assert_eq!(sys::SPAWNED.lock().unwrap().1, spawned_with_attr + 1);
    wait_for("the record to be freed", || !allocated(second.sigev_value));

    // A removed registration frees the record without running anything.
    let (_, third) = register_thread(5, 0xdead, core::ptr::null_mut(), Ok(0));
    assert!(allocated(third.sigev_value));
    send_notice(&third, NOTIFY_REMOVED);
    wait_for("the removed record to be freed", || !allocated(third.sigev_value));

    // A refused registration frees its record at once.
    sys::set_errno(0);
    let (ret, refused) = register_thread(6, 0xf00d, core::ptr::null_mut(), Err(EBUSY));
    assert_eq!((ret, sys::errno()), (-1, EBUSY));
    assert!(!allocated(refused.sigev_value));

    // After a fork the child closes the inherited pipe and makes its own on first use. (Here
    // the parent's helper lives on: let it get back to its read, which the closing of both
    // ends then ends, before the numbers are reused.)
    std::thread::sleep(Duration::from_millis(50));
    let old_pipe = first.sigev_signo;
    let handlers = sys::AT_FORK_CHILD.lock().unwrap().clone();
    for handler in handlers {
        handler();
    }
    assert!(!sys::PIPES.lock().unwrap().contains(&old_pipe), "the inherited write end is closed");
    let (ret, fresh) = register_thread(7, 0xc0de, core::ptr::null_mut(), Ok(0));
    assert_eq!(ret, 0);
    assert!(sys::PIPES.lock().unwrap().contains(&fresh.sigev_signo));
    send_notice(&fresh, NOTIFY_WOKENUP);
    wait_for("the new helper's notice thread", || RAN.lock().unwrap().iter().any(|r| r.0 == 0xc0de));
    assert_eq!(sys::AT_FORK_CHILD.lock().unwrap().len(), 1, "registered once");

    // A program that closes the pipe (here its write end) ends the helper; the next
    // registration makes a new pipe rather than naming the dead one.
    let dead = fresh.sigev_signo;
    assert_eq!(sys::close_fd(dead), Ok(()));
    wait_for("the helper to forget its pipe", || notice_pipe() != dead);
    assert_eq!(notice_pipe(), -1);
    let (ret, renewed) = register_thread(8, 0xabba, core::ptr::null_mut(), Ok(0));
    assert_eq!(ret, 0);
    assert!(sys::PIPES.lock().unwrap().contains(&renewed.sigev_signo), "a new pipe");
    send_notice(&renewed, NOTIFY_WOKENUP);
    wait_for("the renewed helper's notice thread", || RAN.lock().unwrap().iter().any(|r| r.0 == 0xabba));

    // The values the helper saw went only to their own functions.
    let values: BTreeMap<u64, usize> = RAN.lock().unwrap().iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.0).or_default() += 1;
        m
    });
    assert_eq!(values, BTreeMap::from([(0xfeed, 1), (0xbeef, 1), (0xc0de, 1), (0xabba, 1)]));
}

#[test]
fn the_scheme_is_opened_read_write_close_on_exec() {
    let (_, call) = one_call(Ok(1), || open(NAME.as_ptr(), O_RDONLY, 0, core::ptr::null_mut()));
    assert_eq!(call.fd, FAKE_MQ_FD);
    let opens = sys::MQ_OPENS.lock().unwrap().clone();
    assert!(!opens.is_empty());
    assert!(opens.iter().all(|&flags| flags == K_O_RDWR | K_O_CLOEXEC), "{opens:x?}");
}
