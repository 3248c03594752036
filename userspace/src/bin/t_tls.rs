//! `t_tls`: thread-local storage through the FS base. A thread sets its FS base
//! (`PROC_SET_FS_BASE`) and reads its own block through `%fs` while other threads with
//! other blocks run and switch with it; a new thread starts with its creator's base; a
//! fork child has the forking thread's; exec clears it; an address outside the user half
//! is EPERM.

#![no_std]
#![no_main]

use core::arch::asm;

use userspace::{Errno, check, check_eq, check_err, check_ok, println, process, thread, time};

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
    userspace::check::finish()
}
