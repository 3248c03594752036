//! `t_event`: event queues and timers: a `/scheme/time/4` (CLOCK_MONOTONIC) handle
//! registered on a `/scheme/event` queue with data 7 and armed 50 ms ahead makes a
//! blocking read of the queue return that event once the deadline has passed; reading
//! the timer gives the time (and disarms it); a non-blocking queue with nothing ready
//! answers EAGAIN; a removed registration reports nothing; an edge-triggered
//! registration (`EVENT_EDGE`) reports an expired timer once, again after the timer was
//! read (disarmed) and re-armed, and again when it is written anew; a queue watches
//! another, but registering a queue in itself or in a loop is EINVAL. `EVENT_CALL_WAIT`
//! returns the ready events at once, waits until a deadline (0 at the deadline, a timer's
//! event before it), only looks with deadline 0, and rejects malformed metadata, a
//! payload under one event and a payload it cannot write back.

#![no_std]
#![no_main]

use userspace::abi::syscall::{CALL_READ, EVENT_CALL_WAIT, EVENT_EDGE, Event, TimeSpec};
use userspace::fs::{self, EVENT_READ, F_GETFL, F_SETFL, O_NONBLOCK, O_RDWR, bytes_of, bytes_of_mut};
use userspace::time;
use userspace::{Errno, check, check_eq, check_err, check_ok, println};

userspace::entry!(main);

const TIMER: &str = "/scheme/time/4";

/// Reads the timer's clock through its handle.
fn read_time(fd: usize) -> Option<u64> {
    let mut ts = TimeSpec::default();
    let n = check_ok!(fs::read(fd, bytes_of_mut(&mut ts)), "read of the timer handle")?;
    check_eq!(n, size_of::<TimeSpec>(), "bytes read from the timer");
    ts.to_nanos()
}

fn arm(fd: usize, deadline_ns: u64) {
    let n = fs::write(fd, bytes_of(&TimeSpec::from_nanos(deadline_ns)));
    check_eq!(n, Ok(size_of::<TimeSpec>()), "arming the timer");
}

fn register(queue: usize, fd: usize, flags: usize, data: usize) {
    let n = fs::write(queue, bytes_of(&Event { id: fd, flags, data }));
    check_eq!(n, Ok(size_of::<Event>()), "writing a registration to the queue");
}

fn timer_wakes_queue(queue: usize, timer: usize) {
    println!("t_event: a timer armed 50 ms ahead wakes a blocking read of the queue with data 7");
    register(queue, timer, EVENT_READ, 7);
    let Some(now) = read_time(timer) else { return };
    let clock = time::monotonic_ns();
    check!(clock >= now && clock - now < 10_000_000_000, "the timer reads the monotonic clock ({now} vs {clock})");
    let deadline = now + 50_000_000;
    arm(timer, deadline);
    let mut events = [Event::default(); 4];
    let n = fs::read(queue, bytes_of_mut(&mut events));
    let woke = time::monotonic_ns();
    check_eq!(n, Ok(size_of::<Event>()), "one event read");
    check_eq!(events[0].id, timer, "the event names the timer's fd");
    check_eq!(events[0].data, 7, "the event carries the registered data");
    check!(events[0].flags & EVENT_READ != 0, "the event is a read event (flags {:#x})", events[0].flags);
    check!(woke >= deadline, "the read returned at the deadline or later ({} ns early)", deadline.saturating_sub(woke));
    // Only a wake-up that never came matters here (an emulated machine on a busy host
    // may be held up for seconds): the bound is generous.
    check!(woke - deadline < 30_000_000_000, "the read returned within 30 s of the deadline");
    let after = read_time(timer);
    check!(after.is_some_and(|t| t >= deadline), "the timer's time after the deadline: {after:?}");
}

fn nonblocking(queue: usize, timer: usize) {
    println!("t_event: a non-blocking queue with nothing ready answers EAGAIN");
    let old = fs::fcntl(queue, F_GETFL, 0).unwrap_or(0);
    check_ok!(fs::fcntl(queue, F_SETFL, old | O_NONBLOCK), "F_SETFL O_NONBLOCK");
    check!(fs::fcntl(queue, F_GETFL, 0).is_ok_and(|f| f & O_NONBLOCK != 0), "F_GETFL shows O_NONBLOCK");
    let mut event = Event::default();
    check_err!(fs::read(queue, bytes_of_mut(&mut event)), Errno::EAGAIN, "read of a queue whose timer was read");

    println!("t_event: a timer whose deadline has passed is ready at once");
    arm(timer, time::monotonic_ns());
    let n = fs::read(queue, bytes_of_mut(&mut event));
    check_eq!(n, Ok(size_of::<Event>()), "read of the queue with a passed deadline");
    check_eq!(event.data, 7, "its data");

    println!("t_event: a registration written with flags 0 is removed");
    register(queue, timer, 0, 7);
    check_err!(fs::read(queue, bytes_of_mut(&mut event)), Errno::EAGAIN, "read after removing the registration");

    let fresh = fs::open("/scheme/event", O_RDWR | O_NONBLOCK);
    if let Some(fresh) = check_ok!(fresh, "open a queue with O_NONBLOCK") {
        check_err!(fs::read(fresh, bytes_of_mut(&mut event)), Errno::EAGAIN, "read of an empty O_NONBLOCK queue");
        check_ok!(fs::close(fresh), "close");
    }
}

fn edge_triggered(queue: usize, timer: usize) {
    println!("t_event: an edge-triggered registration reports an expired timer once");
    read_time(timer);
    register(queue, timer, EVENT_READ | EVENT_EDGE, 9);
    let mut event = Event::default();
    check_err!(fs::read(queue, bytes_of_mut(&mut event)), Errno::EAGAIN, "read with the timer not armed");
    arm(timer, time::monotonic_ns());
    let n = fs::read(queue, bytes_of_mut(&mut event));
    check_eq!(n, Ok(size_of::<Event>()), "the expired timer is reported");
    check_eq!((event.id, event.flags, event.data), (timer, EVENT_READ, 9), "its event");
    check_err!(fs::read(queue, bytes_of_mut(&mut event)), Errno::EAGAIN, "not again while it stays expired");
    check_eq!(fs::fevent(queue, EVENT_READ), Ok(0), "the queue itself is not readable");

    println!("t_event: read (disarmed) and armed again, the timer is reported again");
    read_time(timer);
    arm(timer, time::monotonic_ns());
    let n = fs::read(queue, bytes_of_mut(&mut event));
    check_eq!(n, Ok(size_of::<Event>()), "reported after the change");
    check_err!(fs::read(queue, bytes_of_mut(&mut event)), Errno::EAGAIN, "and once only");

    println!("t_event: writing the registration again re-arms it");
    register(queue, timer, EVENT_READ | EVENT_EDGE, 10);
    let n = fs::read(queue, bytes_of_mut(&mut event));
    check_eq!(n, Ok(size_of::<Event>()), "reported after the new registration");
    check_eq!(event.data, 10, "with the new data");
    register(queue, timer, EVENT_READ, 11);
    check_eq!(fs::read(queue, bytes_of_mut(&mut event)), Ok(size_of::<Event>()), "level-triggered again: reported");
    check_eq!(fs::read(queue, bytes_of_mut(&mut event)), Ok(size_of::<Event>()), "and reported again");
    register(queue, timer, 0, 0);
}

fn nesting(queue: usize, timer: usize) {
    println!("t_event: a queue inside a queue; a queue in itself or in a loop is EINVAL");
    let Some(outer) = check_ok!(fs::open("/scheme/event", O_RDWR | O_NONBLOCK), "open a second queue") else {
        return;
    };
    let mut event = Event::default();
    check_err!(fs::write(queue, bytes_of(&Event { id: queue, flags: EVENT_READ, data: 0 })), Errno::EINVAL, "itself");
    register(outer, queue, EVENT_READ, 21);
    check_err!(fs::write(queue, bytes_of(&Event { id: outer, flags: EVENT_READ, data: 0 })), Errno::EINVAL, "a loop");
    check_err!(fs::read(outer, bytes_of_mut(&mut event)), Errno::EAGAIN, "the inner queue has nothing ready");
    register(queue, timer, EVENT_READ, 22);
    arm(timer, time::monotonic_ns());
    check_eq!(fs::read(outer, bytes_of_mut(&mut event)), Ok(size_of::<Event>()), "the inner queue is ready");
    check_eq!((event.id, event.data), (queue, 21), "reported as the inner queue");
    register(queue, timer, 0, 0);
    check_ok!(fs::close(outer), "close");
}

/// `EVENT_CALL_WAIT` on `queue` until `deadline`: the events' bytes.
fn wait(queue: usize, events: &mut [Event; 2], deadline: u64) -> Result<usize, Errno> {
    fs::call(queue, bytes_of_mut(events), CALL_READ, &[EVENT_CALL_WAIT, deadline])
}

fn wait_call(queue: usize, timer: usize) {
    println!("t_event: EVENT_CALL_WAIT looks (deadline 0), waits until a deadline, or returns a ready event");
    let mut events = [Event::default(); 2];
    check_eq!(wait(queue, &mut events, 0), Ok(0), "nothing registered, deadline 0");
    let start = time::monotonic_ns();
    check_eq!(wait(queue, &mut events, start + 30_000_000), Ok(0), "nothing ready by the deadline");
    let waited = time::monotonic_ns() - start;
    check!(waited >= 30_000_000, "returned at the deadline or later ({waited} ns)");
    register(queue, timer, EVENT_READ, 31);
    let due = time::monotonic_ns() + 20_000_000;
    arm(timer, due);
    check_eq!(wait(queue, &mut events, 0), Ok(0), "the timer is not due yet");
    let n = wait(queue, &mut events, due + 5_000_000_000);
    check!(time::monotonic_ns() >= due, "woken at the timer's deadline, not before");
    check_eq!(n, Ok(size_of::<Event>()), "the timer's event before the call's deadline");
    check_eq!((events[0].id, events[0].data), (timer, 31), "its descriptor and data");
    check_eq!(wait(queue, &mut events, u64::MAX), Ok(size_of::<Event>()), "level-triggered: at once again");

    println!("t_event: EVENT_CALL_WAIT rejects malformed metadata, a short payload and a bad one");
    let mut one = [0u8; size_of::<Event>()];
    let mut short = [0u8; size_of::<Event>() - 1];
    check_err!(fs::call(queue, &mut one, CALL_READ, &[EVENT_CALL_WAIT]), Errno::EINVAL, "one metadata word");
    check_err!(fs::call(queue, &mut one, CALL_READ, &[EVENT_CALL_WAIT, 0, 0]), Errno::EINVAL, "three words");
    check_err!(fs::call(queue, &mut one, CALL_READ, &[99, 0]), Errno::EINVAL, "an unknown call");
    check_err!(fs::call(queue, &mut short, CALL_READ, &[EVENT_CALL_WAIT, 0]), Errno::EINVAL, "under one event");
    // SAFETY: the kernel checks the payload address; nothing here is dereferenced.
    let bad = unsafe {
        userspace::syscall::syscall5(
            userspace::abi::syscall::SYS_CALL,
            queue,
            0x10,
            size_of::<Event>(),
            CALL_READ | 2,
            [EVENT_CALL_WAIT, 0].as_ptr() as usize,
        )
    };
    check_err!(bad, Errno::EFAULT, "a payload at an unmapped address");
    check_eq!(wait(queue, &mut events, 0), Ok(size_of::<Event>()), "the event is still there after the EFAULT");
    register(queue, timer, 0, 0);
    read_time(timer);
}

fn main(_args: &[&str]) -> i32 {
    let queue = check_ok!(fs::open("/scheme/event", O_RDWR), "open /scheme/event");
    let timer = check_ok!(fs::open(TIMER, O_RDWR), "open {TIMER}");
    if let (Some(queue), Some(timer)) = (queue, timer) {
        timer_wakes_queue(queue, timer);
        nonblocking(queue, timer);
        edge_triggered(queue, timer);
        nesting(queue, timer);
        wait_call(queue, timer);
        check_ok!(fs::close(timer), "close the timer");
        check_ok!(fs::close(queue), "close the queue");
        check_err!(fs::read(queue, &mut [0u8; 24]), Errno::EBADF, "read of a closed fd");
    }
    check_err!(fs::open("/scheme/time/99", O_RDWR), Errno::ENOENT, "open of an unknown clock");
    userspace::check::finish()
}
