//! `t_tls`: thread-local storage through the FS base. A thread sets its FS base
//! (`PROC_SET_FS_BASE`) and reads its own block through `%fs` while other threads with
//! other blocks run and switch with it; a new thread starts with its creator's base; a
//! fork child has the forking thread's; exec clears it; an address outside the user half
//! is EPERM. And a signal sent to one thread (`PROC_TKILL`, as `pthread_kill`) runs its
//! handler on that thread and interrupts that thread's sleep.

#![no_std]
#![no_main]

use core::arch::asm;

use userspace::abi::proc::PROC_TKILL;
use userspace::{Errno, check, check_eq, check_err, check_ok, println, process, signal, thread, time};

userspace::entry!(main);

/// A thread-local block: its first word points at itself, as the x86_64 TLS ABI has it,
/// and the second is the thread's own value.
#[repr(C, align(16))]
struct Block {
    this: usize,
    value: usize,
}

/// The word at `%fs:offset`.
fn fs_word(offset: usize) -> usize {
    let value: usize;
    // SAFETY: reads a word at the FS base that the calling thread set to a live Block.
    unsafe { asm!("mov {v}, fs:[{o}]", v = out(reg) value, o = in(reg) offset, options(nostack, readonly)) };
    value
}

/// Sets the calling thread's FS base to a leaked block holding `value`.
fn install(value: usize) -> usize {
    let block = alloc::boxed::Box::leak(alloc::boxed::Box::new(Block { this: 0, value }));
    block.this = block as *const Block as usize;
    let base = block.this;
    check_ok!(process::set_fs_base(base), "set the FS base");
    base
}

extern crate alloc;

fn main(_args: &[&str]) -> i32 {
    println!("t_tls: a thread reads its own block through %fs");
    let base = install(0x1111);
    check_eq!(process::fs_base(), Ok(base), "PROC_GET_FS_BASE");
    check_eq!(fs_word(0), base, "%fs:0 is the block's address");
    check_eq!(fs_word(8), 0x1111, "%fs:8 is its value");
    check_err!(process::set_fs_base(0xffff_8000_0000_0000), Errno::EPERM, "a kernel-half base");
    check_eq!(process::fs_base(), Ok(base), "unchanged by the refused call");

    println!("t_tls: threads keep their own bases across switches");
    let workers: alloc::vec::Vec<_> = (0..4usize)
        .filter_map(|i| {
            let spawned = thread::spawn(move || {
                let inherited = fs_word(8) == 0x1111;
                install(0x2000 + i);
                let mut ok = inherited;
                for _ in 0..50 {
                    let _ = time::sched_yield();
                    ok &= fs_word(8) == 0x2000 + i;
                }
                ok
            });
            check_ok!(spawned, "spawn thread {i}")
        })
        .collect();
    for _ in 0..50 {
        let _ = time::sched_yield();
        check!(fs_word(8) == 0x1111, "the main thread still sees its own block");
    }
    for (i, worker) in workers.into_iter().enumerate() {
        check_eq!(worker.join(), Ok(true), "thread {i} inherited the base, then saw only its own block");
    }

    println!("t_tls: a fork child has the forking thread's base; exec clears it");
    let child = process::fork_run(|| i32::from(fs_word(8) != 0x1111 || process::fs_base() != Ok(base)));
    if let Some(pid) = check_ok!(child, "fork") {
        check_eq!(process::wait_for(pid).ok().and_then(|s| s.exited()), Some(0), "the child read the same block");
    }
    let child = process::fork_run(|| {
        let err = process::exec("/scheme/initfs/t_helper", &["t_helper", "fs-base-zero"], &[]);
        println!("t_tls: exec failed: {err:?}");
        9
    });
    if let Some(pid) = check_ok!(child, "fork for exec") {
        check_eq!(process::wait_for(pid).ok().and_then(|s| s.exited()), Some(0), "the new program's FS base is 0");
    }
    thread_signal();
    userspace::check::finish()
}

/// The tid that ran the SIGUSR1 handler last.
static HANDLED_BY: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

extern "C" fn note_handler(_signo: i32) {
    HANDLED_BY.store(process::gettid(), core::sync::atomic::Ordering::SeqCst);
}

fn thread_signal() {
    println!("t_tls: PROC_TKILL signals one thread: its handler runs there and its sleep ends");
    check_ok!(signal::set_handler(signal::SIGUSR1, note_handler), "SIGUSR1 handler");
    let sleeper = thread::spawn(|| {
        let start = time::monotonic_ns();
        let slept = time::sleep_ms(5000);
        (process::gettid(), slept, time::elapsed_ms(start))
    });
    let Some(sleeper) = check_ok!(sleeper, "spawn the sleeper") else { return };
    let tid = sleeper.tid();
    let _ = time::sleep_ms(50);
    let sent = process::proc_call(&[PROC_TKILL, tid as u64, u64::from(signal::SIGUSR1)], &mut []);
    check_ok!(sent, "PROC_TKILL");
    if let Some((ran_on, slept, ms)) = check_ok!(sleeper.join(), "join") {
        check_eq!(ran_on, tid, "the sleeper is the thread");
        check_eq!(slept, Err(Errno::EINTR), "its sleep was interrupted");
        check!(ms < 4000, "early: {ms} ms");
    }
    check_eq!(HANDLED_BY.load(core::sync::atomic::Ordering::SeqCst), tid, "the handler ran on that thread");
    let r = process::proc_call(&[PROC_TKILL, 0x7fff_fff0, 0], &mut []);
    check_err!(r, Errno::ESRCH, "no such thread");
}
