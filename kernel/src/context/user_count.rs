//! Processes per real user id, for the per-user process limit (Linux's `RLIMIT_NPROC`,
//! whose default this takes): a fork by a process without privileges fails with EAGAIN
//! once its real user has that many processes (zombies included, as on Linux until they
//! are reaped), so a fork bomb ends while root can still act.
//!
//! Each process is counted under the real uid it has ([`Process::counted_uid`]): from
//! its registration in the process table until its removal, moved when a set*uid call
//! changes the real uid.
//!
//! Lock order: `COUNTS` is a leaf, taken under no other lock or under any.

use alloc::collections::BTreeMap;

use spin::Mutex;

static COUNTS: Mutex<BTreeMap<u32, usize>> = Mutex::new(BTreeMap::new());

/// The limit: Linux's default (half its thread limit, one thread per 32 pages of memory
/// with 16 KiB kernel stacks), at least 64.
pub fn limit() -> usize {
    ((crate::memory::frame::total_frames() / 64) as usize).max(64)
}

/// Processes of real user `uid` now.
pub fn count(uid: u32) -> usize {
    COUNTS.lock().get(&uid).copied().unwrap_or(0)
}

/// A process of `uid` appeared.
pub fn add(uid: u32) {
    *COUNTS.lock().entry(uid).or_insert(0) += 1;
}

/// A process of `uid` went.
pub fn remove(uid: u32) {
    let mut counts = COUNTS.lock();
    if let Some(n) = counts.get_mut(&uid) {
        *n -= 1;
        if *n == 0 {
            counts.remove(&uid);
        }
    }
}

/// A process's real uid changed from `from` to `to`.
pub fn moved(from: u32, to: u32) {
    if from != to {
        remove(from);
        add(to);
    }
}
