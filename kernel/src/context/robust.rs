//! Robust futex lists, as Linux's `set_robust_list`: a thread registers the head of a
//! list of the locks it holds (kept by the C runtime in its own memory), and when the
//! thread ends, by exit, exec or a SIGKILL, the kernel walks that list and marks each
//! lock the thread still holds as owner-died, waking one waiter, so that a lock in
//! shared memory never stays held by a thread that is gone: the next locker gets
//! EOWNERDEAD.
//!
//! The layout and the rules are Linux's (`struct robust_list_head`: the list's first
//! link, the offset from a link to its lock word, and the link of a lock being taken or
//! released): a lock word holds its owner's tid in its low 30 bits, FUTEX_WAITERS when
//! someone sleeps on it and FUTEX_OWNER_DIED once its owner died. The walk stops after
//! [`ROBUST_LIST_LIMIT`] links or at the first unreadable one, so a corrupt or circular
//! list costs a bounded time and hurts only its own process.

use core::sync::atomic::Ordering;

use super::{Thread, futex};
use crate::memory::user::{read_user, write_user};

/// The lock word's owner-died bit.
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// The lock word's bit saying threads sleep on it.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
/// The owner's tid in a lock word.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// The most links walked (Linux's limit).
pub const ROBUST_LIST_LIMIT: usize = 2048;
/// The size of `struct robust_list_head`, which `set_robust_list` checks.
pub const ROBUST_LIST_HEAD_LEN: u64 = 24;

/// Marks the locks `thread` still holds as owner-died and wakes a waiter of each, then
/// forgets the list (the thread is ending, or exec replaces its program).
pub fn release_held(thread: &Thread) {
    let head = thread.robust_list.swap(0, Ordering::Relaxed);
    if head == 0 {
        return;
    }
    let process = &thread.process;
    let read = |addr: u64| process.with_space(|s| read_user::<u64>(s, addr)).ok();
    let (Some(mut link), Some(offset), Some(pending)) = (read(head), read(head + 8), read(head + 16)) else {
        return;
    };
    let offset = offset as i64;
    let mut walked = 0;
    // Bit 0 of a link marks a priority-inheritance lock, which this kernel does not have;
    // the link itself is the address with that bit cleared.
    while link & !1 != head && walked < ROBUST_LIST_LIMIT {
        let entry = link & !1;
        let Some(next) = read(entry) else { return };
        // The lock being taken or released is handled after the walk.
        if entry != pending & !1 {
            owner_died(thread, entry.wrapping_add_signed(offset), false);
        }
        link = next;
        walked += 1;
    }
    if pending & !1 != 0 {
        owner_died(thread, (pending & !1).wrapping_add_signed(offset), true);
    }
}

/// Linux's `handle_futex_death` for the lock word at `word`: if `thread` owns it, keep
/// only its waiters bit, set owner-died, and wake one waiter. For the lock that was
/// being taken or released (`pending`), a word with no owner also wakes one waiter,
/// which may have been handed the lock just as the thread died.
fn owner_died(thread: &Thread, word: u64, pending: bool) {
    let process = &thread.process;
    if !word.is_multiple_of(4) {
        return;
    }
    let Ok(value) = process.with_space(|s| read_user::<u32>(s, word)) else { return };
    if pending && value == 0 {
        futex::wake(process, word, 1);
        return;
    }
    if value & FUTEX_TID_MASK != thread.tid {
        return;
    }
    let died = (value & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if process.with_space(|s| write_user(s, word, &died)).is_ok() && value & FUTEX_WAITERS != 0 {
        futex::wake(process, word, 1);
    }
}
