//! Time calls: nanosleep, clock_nanosleep, clock_gettime, and futex (whose timeout is a
//! time too).

use crate::errno::{EINTR, EINVAL};
use kestrel_abi::syscall::{FUTEX_WAIT, FUTEX_WAKE, TimeSpec};

use super::{Context, Result};
use crate::arch::clock;
use crate::context::futex;
use crate::context::scheduler;
use crate::context::thread::WakeReason;
use crate::memory::user::read_user;
use crate::scheme::time::now;

fn read_timeout(cx: &Context, ptr: usize) -> core::result::Result<u64, crate::errno::Errno> {
    let ts: TimeSpec = cx.process.with_space(|s| read_user(s, ptr as u64))?;
    ts.to_nanos().ok_or(EINVAL)
}

/// `nanosleep(req, rem)`: sleeps; a signal ends it early with EINTR and the remaining
/// time in `rem` (if given).
pub fn nanosleep(cx: &Context, req: usize, rem: usize) -> Result {
    let ns = read_timeout(cx, req)?;
    let deadline = clock::monotonic_ns().saturating_add(ns);
    loop {
        match scheduler::block(Some(deadline)) {
            WakeReason::TimedOut => return Ok(0),
            WakeReason::Interrupted => {
                if rem != 0 {
                    let left = TimeSpec::from_nanos(deadline.saturating_sub(clock::monotonic_ns()));
                    cx.process.write_user(rem as u64, &left)?;
                }
                return Err(EINTR);
            }
            // Nobody wakes a sleeper on purpose; sleep on.
            WakeReason::Woken => {}
        }
    }
}

/// `clock_nanosleep(clock, flags, req, rem)`, as Linux's: on CLOCK_REALTIME,
/// CLOCK_MONOTONIC or CLOCK_BOOTTIME (EINVAL for another clock or a bad `req`), until
/// `req` from now or, with TIMER_ABSTIME, until the clock reads `req` (an absolute
/// realtime sleep follows `clock_settime`; a time already past returns at once). Like
/// Linux, flag bits other than TIMER_ABSTIME are ignored. A signal ends it with EINTR,
/// and a relative sleep then stores the time left in `rem` (if given).
pub fn clock_nanosleep(cx: &Context, clock_id: usize, flags: usize, req: usize, rem: usize) -> Result {
    use crate::scheme::ipc_glue::{Deadline, sleep_until};
    use kestrel_abi::syscall::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, TIMER_ABSTIME};
    if !matches!(clock_id, CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME) {
        return Err(EINVAL);
    }
    let ns = read_timeout(cx, req)?;
    let absolute = flags & TIMER_ABSTIME != 0;
    let deadline = match (absolute, clock_id) {
        (true, CLOCK_REALTIME) => Deadline::Realtime(ns),
        (true, _) => Deadline::Monotonic(ns),
        (false, _) => Deadline::after(ns),
    };
    match sleep_until(cx.thread, deadline) {
        Ok(()) => Ok(0),
        Err(errno) => {
            if !absolute && rem != 0 {
                let Deadline::Monotonic(at) = deadline else { return Err(errno) };
                let left = TimeSpec::from_nanos(at.saturating_sub(clock::monotonic_ns()));
                cx.process.write_user(rem as u64, &left)?;
            }
            Err(errno)
        }
    }
}

pub fn clock_gettime(cx: &Context, clock_id: usize, tp: usize) -> Result {
    let ns = now(clock_id).ok_or(EINVAL)?;
    cx.process.write_user(tp as u64, &TimeSpec::from_nanos(ns))?;
    Ok(0)
}

/// `futex(addr, op, val, timeout)`: FUTEX_WAIT with an optional relative timeout, and
/// FUTEX_WAKE of up to `val` waiters.
///
/// As on Linux, a wait without a timeout that a signal handler interrupts is made again
/// after a handler with SA_RESTART (Linux's ERESTARTSYS; so `sem_wait` is restarted), and
/// a timed wait fails with EINTR whatever the handler's flags (Linux's
/// ERESTART_RESTARTBLOCK, which becomes EINTR when a handler ran: `sem_timedwait` fails).
pub fn futex(cx: &Context, addr: usize, op: usize, val: usize, timeout: usize) -> Result {
    match op {
        FUTEX_WAIT => {
            if timeout == 0 {
                return futex::wait(cx.process, addr as u64, val as u32, None)
                    .map_err(crate::scheme::ipc_glue::restartable);
            }
            let deadline = Some(clock::monotonic_ns().saturating_add(read_timeout(cx, timeout)?));
            futex::wait(cx.process, addr as u64, val as u32, deadline)
        }
        FUTEX_WAKE => Ok(futex::wake(cx.process, addr as u64, val)),
        _ => Err(EINVAL),
    }
}
