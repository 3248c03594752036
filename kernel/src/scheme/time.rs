//! `/scheme/time/CLOCK`: clock reads and timers (Redox's interface). `CLOCK` is the clock
//! id (1 realtime, 4 monotonic, 7 boottime).
//!
//! - `read` returns the clock's current time as a `TimeSpec` and disarms the timer.
//! - `write` of a `TimeSpec` arms the timer for that absolute time on the clock; the
//!   handle then becomes readable (level-triggered, for the event scheme) once it passes.
//! - `SYS_CALL` `TIME_CALL_SETTIME` sets CLOCK_REALTIME to the payload's `TimeSpec`
//!   (root only): `clock_settime`. IPC calls asleep until a realtime deadline
//!   measure it again (`ipc_glue::realtime_clock_set`).

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use crate::errno::{EBADF, EINVAL, ENOENT, EPERM};
use kestrel_abi::syscall::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, EVENT_READ, MODE_CHR, Stat, TimeSpec};
use kestrel_abi::time::TIME_CALL_SETTIME;
use spin::Mutex;

use super::{Caller, KernelScheme, Result};
use crate::arch::clock;
use crate::memory::user::bytes_of;

struct Timer {
    clock: usize,
    /// Deadline of the armed timer, in nanoseconds on its own clock.
    deadline: Option<u64>,
}

/// Latest settable realtime, in seconds (Linux's TIME_SETTOD_SEC_MAX).
const SETTOD_SEC_MAX: u64 = i64::MAX as u64 / 1_000_000_000 - 30 * 365 * 86_400;

/// The time scheme.
pub struct TimeScheme {
    handles: Mutex<BTreeMap<usize, Timer>>,
    next: Mutex<usize>,
}

/// The registered instance.
pub static TIME_SCHEME: TimeScheme = TimeScheme { handles: Mutex::new(BTreeMap::new()), next: Mutex::new(1) };

/// Current time of `clock` in nanoseconds, or `None` for an unknown clock.
pub fn now(clock_id: usize) -> Option<u64> {
    match clock_id {
        CLOCK_REALTIME => Some(clock::realtime_ns()),
        CLOCK_MONOTONIC | CLOCK_BOOTTIME => Some(clock::monotonic_ns()),
        _ => None,
    }
}

/// Converts an absolute time on `clock_id` to a monotonic deadline.
pub fn to_monotonic(clock_id: usize, ns: u64) -> u64 {
    if clock_id == CLOCK_REALTIME {
        let offset = clock::realtime_ns() as i128 - clock::monotonic_ns() as i128;
        (ns as i128 - offset).clamp(0, u64::MAX as i128) as u64
    } else {
        ns
    }
}

/// Sets CLOCK_REALTIME; calls asleep until a realtime deadline measure it again, and
/// realtime timers hear of it (`TFD_TIMER_CANCEL_ON_SET`).
pub fn set_realtime(ns: u64) {
    clock::set_realtime_ns(ns);
    super::ipc_glue::realtime_clock_set();
    super::timerfd::clock_was_set();
    super::event::notify();
}

fn read_timespec(buf: &[u8]) -> Result<TimeSpec> {
    if buf.len() < size_of::<TimeSpec>() {
        return Err(EINVAL);
    }
    let sec = i64::from_le_bytes(buf[0..8].try_into().map_err(|_| EINVAL)?);
    let nsec = i32::from_le_bytes(buf[8..12].try_into().map_err(|_| EINVAL)?);
    Ok(TimeSpec { tv_sec: sec, tv_nsec: nsec, _pad: 0 })
}

impl KernelScheme for TimeScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        let clock_id: usize = path.parse().map_err(|_| ENOENT)?;
        now(clock_id).ok_or(ENOENT)?;
        let mut next = self.next.lock();
        let handle = *next;
        *next += 1;
        self.handles.lock().insert(handle, Timer { clock: clock_id, deadline: None });
        Ok(handle)
    }

    fn read(&self, handle: usize, buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        let mut handles = self.handles.lock();
        let timer = handles.get_mut(&handle).ok_or(EBADF)?;
        if buf.len() < size_of::<TimeSpec>() {
            return Err(EINVAL);
        }
        timer.deadline = None;
        let ts = TimeSpec::from_nanos(now(timer.clock).ok_or(EBADF)?);
        drop(handles);
        buf[..size_of::<TimeSpec>()].copy_from_slice(bytes_of(&ts));
        // Disarmed: no longer readable (edge-triggered registrations see the change).
        super::event::notify();
        Ok(size_of::<TimeSpec>())
    }

    fn write(&self, handle: usize, buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        let ts = read_timespec(buf)?;
        let ns = ts.to_nanos().ok_or(EINVAL)?;
        {
            let mut handles = self.handles.lock();
            let timer = handles.get_mut(&handle).ok_or(EBADF)?;
            timer.deadline = Some(ns);
        }
        super::event::notify();
        Ok(size_of::<TimeSpec>())
    }

    fn call(&self, handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        let clock_id = self.handles.lock().get(&handle).ok_or(EBADF)?.clock;
        match *metadata {
            [TIME_CALL_SETTIME] => {
                if clock_id != CLOCK_REALTIME {
                    return Err(EINVAL);
                }
                let ns = read_timespec(payload)?.to_nanos().ok_or(EINVAL)?;
                // Linux refuses times within 30 years of the 64-bit nanosecond limit
                // (TIME_SETTOD_SEC_MAX, about 2232), so that uptime cannot overflow.
                if ns / 1_000_000_000 >= SETTOD_SEC_MAX {
                    return Err(EINVAL);
                }
                if !caller.process.creds.lock().is_root() {
                    return Err(EPERM);
                }
                set_realtime(ns);
                Ok(0)
            }
            _ => Err(EINVAL),
        }
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        self.handles.lock().get(&handle).ok_or(EBADF)?;
        Ok(Stat { st_mode: MODE_CHR | 0o444, ..Stat::default() })
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        Ok(self.handles.lock().get(&handle).ok_or(EBADF)?.clock.to_string())
    }

    fn poll(&self, handle: usize) -> usize {
        // Deadlines stay on their own clock, so a realtime timer follows clock_settime.
        match self.handles.lock().get(&handle) {
            Some(t) if t.deadline.is_some_and(|d| now(t.clock).is_some_and(|n| d <= n)) => EVENT_READ,
            _ => 0,
        }
    }

    fn next_deadline(&self, handle: usize) -> Option<u64> {
        self.handles.lock().get(&handle).and_then(|t| t.deadline.map(|d| to_monotonic(t.clock, d)))
    }

    fn close(&self, handle: usize) {
        self.handles.lock().remove(&handle);
    }
}
