//! `t_robust`: robust futex lists (`PROC_SET_ROBUST_LIST`, Linux's `set_robust_list`).
//! A process holding a lock word in a shared segment dies (SIGKILL, or exit) with the
//! lock on its robust list: the kernel marks the word owner-died, keeps its waiters bit,
//! and wakes a sleeper in another process. A word owned by someone else is untouched; the
//! lock being taken when the holder died (the list's pending link) with no owner wakes a
//! waiter; a head of the wrong size is EINVAL.

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use userspace::abi::proc::PROC_SET_ROBUST_LIST;
use userspace::process::{self, proc_call};
use userspace::shm::{self, IPC_CREAT, IPC_PRIVATE};
use userspace::signal::SIGKILL;
use userspace::{Errno, check, check_eq, check_err, check_ok, println, time};

userspace::entry!(main);

const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;

/// The shared page: two lock words, each with its robust-list link 16 bytes after it,
/// and a word the holder sets once its list is registered.
#[repr(C)]
struct Shared {
    lock: AtomicU32,
    _pad: u32,
    _pad2: u64,
    link: AtomicU64,
    other: AtomicU32,
    _pad3: u32,
    _pad4: u64,
    other_link: AtomicU64,
    ready: AtomicU32,
}

/// A robust list head in the holder's own memory.
#[repr(C)]
struct Head {
    next: AtomicU64,
    offset: i64,
    pending: AtomicU64,
}

fn register(head: &Head) -> userspace::Result<usize> {
    proc_call(&[PROC_SET_ROBUST_LIST, head as *const Head as u64, size_of::<Head>() as u64], &mut [])
}

/// Forks a holder that takes `lock` (and, if `pending`, names `other` as the lock it
/// was taking), registers its list and then dies as `die` says.
fn holder(shared: &'static Shared, pending: bool, die: fn() -> i32) -> Option<usize> {
    let child = process::fork_run(move || {
        let tid = process::gettid() as u32;
        let head = Head { next: AtomicU64::new(0), offset: -16, pending: AtomicU64::new(0) };
        let head_addr = &head as *const Head as u64;
        shared.lock.store(tid | (shared.lock.load(Ordering::SeqCst) & FUTEX_WAITERS), Ordering::SeqCst);
        // One held lock: head -> link -> head.
        shared.link.store(head_addr, Ordering::SeqCst);
        head.next.store(&shared.link as *const AtomicU64 as u64, Ordering::SeqCst);
        if pending {
            head.pending.store(&shared.other_link as *const AtomicU64 as u64, Ordering::SeqCst);
        }
        if register(&head).is_err() {
            return 5;
        }
        shared.ready.store(1, Ordering::SeqCst);
        die()
    });
    check_ok!(child, "fork the holder")
}

/// Forks a process that sleeps on `word` while it holds `value`; it exits 0 if it saw
/// `expect` after waking.
fn sleeper(word: &'static AtomicU32, value: u32, expect: u32) -> Option<usize> {
    let child = process::fork_run(move || {
        while word.load(Ordering::SeqCst) == value {
            let _ = time::futex_wait(word, value, None);
        }
        i32::from(word.load(Ordering::SeqCst) != expect)
    });
    check_ok!(child, "fork the sleeper")
}

fn wait_ready(shared: &Shared) {
    for _ in 0..2000 {
        if shared.ready.load(Ordering::SeqCst) == 1 {
            return;
        }
        let _ = time::sleep_ms(1);
    }
}

fn exited(pid: Option<usize>) -> Option<i32> {
    process::wait_for(pid?).ok().and_then(|s| s.exited()).map(i32::from)
}

fn main(_args: &[&str]) -> i32 {
    let Some(id) = check_ok!(shm::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600), "shmget") else { return 1 };
    // SAFETY: the kernel picks a free range.
    let Some(addr) = check_ok!(unsafe { shm::shmat(id, 0, 0) }, "shmat") else { return 1 };
    // SAFETY: the zero-filled attachment holds only this structure and stays attached
    // for the program's life; its fields are atomics.
    let shared: &'static Shared = unsafe { &*(addr as *const Shared) };

    println!("t_robust: a holder killed by SIGKILL: owner-died, waiters kept, one sleeper woken");
    shared.lock.store(FUTEX_WAITERS, Ordering::SeqCst);
    let holder_pid = holder(shared, false, || {
        loop {
            let _ = time::sleep_ms(1000);
        }
    });
    wait_ready(shared);
    let held = shared.lock.load(Ordering::SeqCst);
    let sleeper_pid = sleeper(&shared.lock, held, FUTEX_WAITERS | FUTEX_OWNER_DIED);
    let _ = time::sleep_ms(20);
    if let Some(pid) = holder_pid {
        check_ok!(process::kill(pid, SIGKILL), "SIGKILL the holder");
        let _ = process::wait_for(pid);
    }
    check_eq!(exited(sleeper_pid), Some(0), "the sleeper woke and saw FUTEX_WAITERS | FUTEX_OWNER_DIED");

    println!("t_robust: a holder that exits; a pending lock with no owner wakes its waiter");
    shared.lock.store(0, Ordering::SeqCst);
    shared.other.store(0, Ordering::SeqCst);
    shared.ready.store(0, Ordering::SeqCst);
    // The pending lock's waiter sleeps while its word is 0; only the holder's death can
    // wake it (a kernel that did not would leave it asleep, and the test would time out).
    let pending_waiter = process::fork_run(|| {
        let _ = time::futex_wait(&shared.other, 0, None);
        0
    });
    let pending_waiter = check_ok!(pending_waiter, "fork the pending lock's waiter");
    let _ = time::sleep_ms(20);
    let holder_pid = holder(shared, true, || 0);
    check_eq!(exited(holder_pid), Some(0), "the holder exited");
    check_eq!(shared.lock.load(Ordering::SeqCst), FUTEX_OWNER_DIED, "owner-died, no waiters bit");
    check_eq!(exited(pending_waiter), Some(0), "the pending lock's waiter was woken");

    println!("t_robust: a lock owned by another thread is left alone");
    shared.lock.store(12345, Ordering::SeqCst);
    shared.ready.store(0, Ordering::SeqCst);
    let holder_pid = process::fork_run(|| {
        let head = Head { next: AtomicU64::new(0), offset: -16, pending: AtomicU64::new(0) };
        shared.link.store(&head as *const Head as u64, Ordering::SeqCst);
        head.next.store(&shared.link as *const AtomicU64 as u64, Ordering::SeqCst);
        i32::from(register(&head).is_err())
    });
    check_eq!(exited(check_ok!(holder_pid, "fork")), Some(0), "registered and exited");
    check_eq!(shared.lock.load(Ordering::SeqCst), 12345, "another owner's word is unchanged");

    println!("t_robust: a head of the wrong size is EINVAL");
    let head = Head { next: AtomicU64::new(0), offset: 0, pending: AtomicU64::new(0) };
    let r = proc_call(&[PROC_SET_ROBUST_LIST, &head as *const Head as u64, 16], &mut []);
    check_err!(r, Errno::EINVAL, "size 16");
    check!(shm::remove(id).is_ok(), "IPC_RMID");
    userspace::check::finish()
}
