//! `t_mmap`: anonymous memory: fmap with a kernel-chosen address, MAP_FIXED placement and
//! replacement, MAP_FIXED_NOREPLACE refusing an occupied range (EEXIST), bad requests
//! (EINVAL), funmap (a later touch is SIGSEGV), mprotect (a write to a read-only page is
//! SIGSEGV), fork giving the child a private copy, the heap growing past a chunk, and huge
//! ranges (a terabyte funmap of nothing returns at once; a mapping past four times the
//! machine's memory, ENOMEM).
//! Anonymous pages are demand-zero, so each case also runs on pages never touched: the
//! first touch by the program or by a kernel copy backs them, mprotect changes their
//! rights before that, and fork keeps them untouched in both processes. Pages that are
//! not writable are shared by fork: a write needs mprotect, which gives each process its
//! own, and a shared page outlives the process that forked. The kernel's own reads of
//! call arguments (a semop's operations, its timeout, SYS_CALL metadata) work from
//! untouched, read-only and page-straddling memory, and fail with EFAULT, changing
//! nothing, from a PROT_NONE page.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::{read_volatile, write_volatile};

use userspace::abi::syscall::Map;
use userspace::mm::{
    self, ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE,
};
use userspace::process::{self, Status};
use userspace::signal::SIGSEGV;
use userspace::{Errno, check, check_eq, check_err, check_ok, heap, println, sysv, time};

userspace::entry!(main);

/// A user address far from the kernel's choices (which start at 0x1000_0000_0000).
const FIXED: usize = 0x4000_0000_0000;
const RW: usize = PROT_READ | PROT_WRITE;

fn peek(addr: usize) -> u8 {
    // SAFETY: callers pass addresses of pages this test mapped readable.
    unsafe { read_volatile(addr as *const u8) }
}

fn poke(addr: usize, value: u8) {
    // SAFETY: callers pass addresses of pages this test mapped writable (or, in a child
    // meant to die, pages it made unwritable on purpose).
    unsafe { write_volatile(addr as *mut u8, value) }
}

/// fmap with the given placement.
fn map_at(address: usize, pages: usize, flags: usize) -> userspace::Result<usize> {
    let map = Map { offset: 0, size: pages * PAGE_SIZE, flags: RW | MAP_PRIVATE | flags, address };
    // SAFETY: the fixed addresses used here hold nothing of the program's own.
    unsafe { mm::fmap(ANONYMOUS, &map) }
}

/// Forks a child that touches `addr` (writing if `write`) and checks it dies by SIGSEGV.
fn expect_segv(what: &str, addr: usize, write: bool) {
    let child = process::fork_run(move || {
        if write {
            poke(addr, 1);
        } else {
            peek(addr);
        }
        0
    });
    if let Some(pid) = check_ok!(child, "fork for {what}") {
        let status = process::wait_for(pid).ok();
        check_eq!(status.and_then(Status::signaled), Some(SIGSEGV), "{what}: status {status:?}");
    }
}

fn kernel_chosen() {
    println!("t_mmap: fmap with a kernel-chosen address gives zeroed, writable pages");
    let Some(addr) = check_ok!(mm::map_anonymous(3 * PAGE_SIZE, RW), "map 3 pages") else { return };
    check!(addr != 0 && addr.is_multiple_of(PAGE_SIZE), "address {addr:#x} is page-aligned");
    check!((0..3 * PAGE_SIZE).step_by(512).all(|off| peek(addr + off) == 0), "the pages start zeroed");
    for page in 0..3 {
        poke(addr + page * PAGE_SIZE + 7, 0x30 + page as u8);
    }
    check!((0..3).all(|page| peek(addr + page * PAGE_SIZE + 7) == 0x30 + page as u8), "written values read back");
    let other = mm::map_anonymous(PAGE_SIZE, RW);
    check!(other.is_ok_and(|o| o + PAGE_SIZE <= addr || o >= addr + 3 * PAGE_SIZE), "a second map does not overlap");

    println!("t_mmap: fork gives the child a private copy");
    let child = process::fork_run(move || {
        let saw = peek(addr + 7);
        poke(addr + 7, 0x55);
        if saw == 0x30 && peek(addr + 7) == 0x55 { 0 } else { 1 }
    });
    if let Some(pid) = check_ok!(child, "fork") {
        check_eq!(process::wait_for(pid).ok().and_then(Status::exited), Some(0), "the child saw and changed its copy");
        check_eq!(peek(addr + 7), 0x30, "the parent's page is unchanged");
    }
}

fn fixed() {
    println!("t_mmap: MAP_FIXED maps at the address asked for, and replaces");
    check_eq!(map_at(FIXED, 2, MAP_FIXED), Ok(FIXED), "MAP_FIXED at {FIXED:#x}");
    poke(FIXED, 0xaa);
    poke(FIXED + PAGE_SIZE, 0xbb);
    check_eq!(map_at(FIXED, 1, MAP_FIXED), Ok(FIXED), "MAP_FIXED over the first page");
    check_eq!(peek(FIXED), 0, "the replaced page is fresh");
    check_eq!(peek(FIXED + PAGE_SIZE), 0xbb, "the page beyond the replaced range is untouched");

    println!("t_mmap: MAP_FIXED_NOREPLACE over a mapping is EEXIST");
    check_err!(map_at(FIXED, 1, MAP_FIXED_NOREPLACE), Errno::EEXIST, "NOREPLACE over the first page");
    check_err!(map_at(FIXED - PAGE_SIZE, 2, MAP_FIXED_NOREPLACE), Errno::EEXIST, "NOREPLACE partly over it");
    check_eq!(peek(FIXED + PAGE_SIZE), 0xbb, "a refused map changes nothing");
    let free = FIXED + 16 * PAGE_SIZE;
    check_eq!(map_at(free, 1, MAP_FIXED_NOREPLACE), Ok(free), "NOREPLACE on a free range");

    println!("t_mmap: bad requests are EINVAL");
    check_err!(map_at(FIXED + 1, 1, MAP_FIXED), Errno::EINVAL, "MAP_FIXED at an unaligned address");
    check_err!(map_at(0, 0, 0), Errno::EINVAL, "a map of size 0");
    // Linux answers ENOMEM for a fixed address beyond user space; EINVAL is as good.
    let kernel_half = map_at(0xffff_8000_0000_0000, 1, MAP_FIXED);
    check!(matches!(kernel_half, Err(Errno::EINVAL | Errno::ENOMEM)), "MAP_FIXED in the kernel half: {kernel_half:?}");

    println!("t_mmap: after funmap a touch is SIGSEGV, and the range is free again");
    // SAFETY: nothing but this test's probes uses the range.
    check_ok!(unsafe { mm::funmap(FIXED, 2 * PAGE_SIZE) }, "funmap");
    expect_segv("read of an unmapped page", FIXED, false);
    expect_segv("write of an unmapped page", FIXED + PAGE_SIZE, true);
    check_eq!(map_at(FIXED, 2, MAP_FIXED_NOREPLACE), Ok(FIXED), "NOREPLACE where the unmapped pages were");
    check_eq!(peek(FIXED + PAGE_SIZE), 0, "the new pages are fresh");
}

fn protection() {
    println!("t_mmap: mprotect read-only makes a write fault; the page stays readable");
    let Some(addr) = check_ok!(mm::map_anonymous(2 * PAGE_SIZE, RW), "map 2 pages") else { return };
    poke(addr, 0x11);
    poke(addr + PAGE_SIZE, 0x22);
    // SAFETY: only this test touches the pages, and it writes them again only after
    // making them writable.
    check_ok!(unsafe { mm::mprotect(addr, PAGE_SIZE, PROT_READ) }, "mprotect PROT_READ");
    check_eq!(peek(addr), 0x11, "a read-only page keeps its contents");
    expect_segv("write to a read-only page", addr, true);
    poke(addr + PAGE_SIZE, 0x23);
    check_eq!(peek(addr + PAGE_SIZE), 0x23, "the neighbouring page is still writable");
    // SAFETY: as above.
    check_ok!(unsafe { mm::mprotect(addr, PAGE_SIZE, PROT_NONE) }, "mprotect PROT_NONE");
    expect_segv("read of a PROT_NONE page", addr, false);
    // SAFETY: as above.
    check_ok!(unsafe { mm::mprotect(addr, PAGE_SIZE, RW) }, "mprotect back to read-write");
    poke(addr, 0x12);
    check_eq!(peek(addr), 0x12, "writable again, contents kept");
    // SAFETY: as above; the range is not mapped, so the kernel must refuse.
    let unmapped = unsafe { mm::mprotect(FIXED + 64 * PAGE_SIZE, PAGE_SIZE, PROT_READ) };
    check!(unmapped.is_err(), "mprotect of an unmapped range fails: {unmapped:?}");
}

fn large_and_heap() {
    println!("t_mmap: an 8 MiB map can be touched throughout and unmapped");
    const BIG: usize = 8 << 20;
    if let Some(addr) = check_ok!(mm::map_anonymous(BIG, RW), "map 8 MiB") {
        for off in (0..BIG).step_by(PAGE_SIZE) {
            poke(addr + off, (off / PAGE_SIZE) as u8);
        }
        check!((0..BIG).step_by(PAGE_SIZE).all(|off| peek(addr + off) == (off / PAGE_SIZE) as u8), "contents");
        // SAFETY: nothing uses the range any more.
        check_ok!(unsafe { mm::funmap(addr, BIG) }, "funmap 8 MiB");
    }

    println!("t_mmap: the heap grows past one chunk and reuses freed memory");
    let big: Vec<u8> = (0..3 << 20).map(|i| (i % 251) as u8).collect();
    check!(big.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8), "a 3 MiB vector holds its contents");
    let small: Vec<Box<u64>> = (0..10_000).map(Box::new).collect();
    check!(small.iter().enumerate().all(|(i, b)| **b == i as u64), "10000 boxes hold their values");
    let mapped = heap::mapped_bytes();
    drop(small);
    drop(big);
    let again: Vec<Box<u64>> = (0..10_000).map(Box::new).collect();
    check_eq!(again.len(), 10_000, "boxes after freeing");
    check_eq!(heap::mapped_bytes(), mapped, "freed memory was reused, not mapped anew");
}

fn demand_zero() {
    println!("t_mmap: a 1 GiB map costs nothing until touched; touched pages read back");
    const HUGE: usize = 1 << 30;
    if let Some(addr) = check_ok!(mm::map_anonymous(HUGE, RW), "map 1 GiB (more than the machine has)") {
        for off in [0, HUGE / 2, HUGE - PAGE_SIZE] {
            check_eq!(peek(addr + off), 0, "an untouched page reads as zero");
            poke(addr + off + 7, 0x5a);
            check_eq!(peek(addr + off + 7), 0x5a, "and keeps what is written");
        }
        // SAFETY: nothing uses the range any more.
        check_ok!(unsafe { mm::funmap(addr, HUGE) }, "funmap 1 GiB");
    }

    println!(
        "t_mmap: huge ranges: funmap of a terabyte of nothing is quick, mappings past 4 times the memory are ENOMEM"
    );
    let start = time::monotonic_ns();
    // SAFETY: nothing is mapped in that range (the program lives far below it).
    check_ok!(unsafe { mm::funmap(1 << 44, 1 << 40) }, "funmap of 1 TiB with nothing in it");
    check!(time::elapsed_ms(start) < 1000, "took {} ms", time::elapsed_ms(start));
    check_err!(mm::map_anonymous(1 << 40, RW), Errno::ENOMEM, "map 1 TiB");
    let free = process::free_frames();
    check_err!(mm::map_anonymous(64 << 30, RW), Errno::ENOMEM, "map 64 GiB (more than 4 times the memory)");
    check_eq!(process::free_frames(), free, "a refused map takes no memory");
    // SAFETY: nothing is mapped there: mprotect fails before changing anything.
    check_err!(unsafe { mm::mprotect(1 << 44, 1 << 40, PROT_READ) }, Errno::ENOMEM, "mprotect of 1 TiB of nothing");

    println!("t_mmap: the kernel writes into an untouched page (clock_gettime's result)");
    if let Some(addr) = check_ok!(mm::map_anonymous(PAGE_SIZE, RW), "map 1 page") {
        let ts = addr as *mut userspace::abi::syscall::TimeSpec;
        // SAFETY: the page is mapped read-write and holds nothing else.
        let r = unsafe { userspace::syscall::syscall2(userspace::abi::syscall::SYS_CLOCK_GETTIME, 1, ts as usize) };
        check_ok!(r, "clock_gettime into a fresh page");
        // SAFETY: as above; the kernel wrote a TimeSpec there.
        check!(unsafe { (*ts).tv_sec } > 0 || unsafe { (*ts).tv_nsec } > 0, "the result landed in the page");
        // SAFETY: nothing uses the page any more.
        check_ok!(unsafe { mm::funmap(addr, PAGE_SIZE) }, "funmap");
    }

    println!("t_mmap: rights set on untouched pages hold at their first touch");
    if let Some(addr) = check_ok!(mm::map_anonymous(3 * PAGE_SIZE, RW), "map 3 pages") {
        // SAFETY: only this test touches the pages.
        check_ok!(unsafe { mm::mprotect(addr, PAGE_SIZE, PROT_READ) }, "mprotect PROT_READ");
        // SAFETY: as above.
        check_ok!(unsafe { mm::mprotect(addr + PAGE_SIZE, PAGE_SIZE, PROT_NONE) }, "mprotect PROT_NONE");
        check_eq!(peek(addr), 0, "a read-only untouched page reads as zero");
        expect_segv("write to an untouched read-only page", addr + 8, true);
        expect_segv("read of an untouched PROT_NONE page", addr + PAGE_SIZE, false);
        let ts = addr + PAGE_SIZE;
        // SAFETY: the kernel must refuse to write into the PROT_NONE page.
        let r = unsafe { userspace::syscall::syscall2(userspace::abi::syscall::SYS_CLOCK_GETTIME, 1, ts) };
        check_err!(r, Errno::EFAULT, "a kernel copy into an untouched PROT_NONE page");
        // SAFETY: as above.
        check_ok!(unsafe { mm::mprotect(addr + PAGE_SIZE, PAGE_SIZE, RW) }, "mprotect back to read-write");
        check_eq!(peek(addr + PAGE_SIZE), 0, "still zero when first touched");
        poke(addr + PAGE_SIZE, 3);

        println!("t_mmap: fork keeps untouched pages untouched and private on both sides");
        let third = addr + 2 * PAGE_SIZE;
        let child = process::fork_run(move || {
            let ok = peek(third) == 0 && peek(addr + PAGE_SIZE) == 3;
            poke(third, 9);
            i32::from(!ok || peek(third) != 9)
        });
        if let Some(pid) = check_ok!(child, "fork") {
            check_eq!(process::wait_for(pid).ok().and_then(Status::exited), Some(0), "the child's view");
            check_eq!(peek(third), 0, "the child's first touch did not reach the parent");
        }
        // SAFETY: nothing uses the range any more.
        check_ok!(unsafe { mm::funmap(addr, 3 * PAGE_SIZE) }, "funmap");
    }
}

/// Fork shares pages that are not writable (text, read-only data) instead of copying
/// them; making one writable in one process must not show in the other, and a shared
/// page must outlive any one of the processes that map it.
fn fork_sharing() {
    println!("t_mmap: a read-only page shared by fork; made writable, each side writes its own");
    let Some(addr) = check_ok!(mm::map_anonymous(PAGE_SIZE, RW), "map 1 page") else { return };
    poke(addr, 0x11);
    // SAFETY: only this test touches the page.
    check_ok!(unsafe { mm::mprotect(addr, PAGE_SIZE, PROT_READ) }, "mprotect PROT_READ");
    let child = process::fork_run(move || {
        let shared = peek(addr) == 0x11;
        // SAFETY: the child's own mapping of the page.
        let writable = unsafe { mm::mprotect(addr, PAGE_SIZE, RW) }.is_ok();
        poke(addr, 0x22);
        i32::from(!(shared && writable && peek(addr) == 0x22))
    });
    if let Some(pid) = check_ok!(child, "fork") {
        check_eq!(process::wait_for(pid).ok().and_then(Status::exited), Some(0), "the child's view");
    }
    check_eq!(peek(addr), 0x11, "the child's write did not reach the parent");
    expect_segv("write to the shared read-only page", addr, true);
    // SAFETY: as above.
    check_ok!(unsafe { mm::mprotect(addr, PAGE_SIZE, RW) }, "mprotect back to read-write");
    poke(addr, 0x33);
    check_eq!(peek(addr), 0x33, "the parent writes its own copy");
    // SAFETY: nothing uses the page any more.
    check_ok!(unsafe { mm::funmap(addr, PAGE_SIZE) }, "funmap");

    println!("t_mmap: a grandchild runs on the shared program text after its parent exited");
    let Some(sem) = check_ok!(sysv::semget(sysv::IPC_PRIVATE, 1, 0o600), "semget") else { return };
    let child = process::fork_run(move || {
        match process::fork() {
            // The grandchild: wait until its parent is gone, then run more code.
            Ok(0) => {
                while process::getppid() != 1 {
                    let _ = time::sleep_ms(1);
                }
                let sum: u64 = (1..=100u64).sum();
                let _ = sysv::semop(sem, &[sysv::op(0, if sum == 5050 { 1 } else { 2 }, 0)]);
                process::exit(0)
            }
            Ok(_) => 0,
            Err(_) => 1,
        }
    });
    if let Some(pid) = check_ok!(child, "fork") {
        check_eq!(process::wait_for(pid).ok().and_then(Status::exited), Some(0), "the middle process");
        let timeout = userspace::abi::sysv::LinuxTimespec { tv_sec: 5, tv_nsec: 0 };
        check_ok!(sysv::semtimedop(sem, &[sysv::op(0, -1, 0)], Some(&timeout)), "the grandchild's report");
    }
    let _ = sysv::semctl(sem, 0, sysv::IPC_RMID, 0);
}

/// The `n` semaphore operations at `addr` (which the kernel reads, not this program).
fn ops_at(addr: usize, n: usize) -> &'static [sysv::SemBuf] {
    // SAFETY: only the slice's address and length are used (by the kernel, which checks
    // the memory); callers pass pages this test mapped.
    unsafe { core::slice::from_raw_parts(addr as *const sysv::SemBuf, n) }
}

/// Writes semaphore operations at `addr`.
fn put_ops(addr: usize, ops: &[sysv::SemBuf]) {
    for (i, o) in ops.iter().enumerate() {
        // SAFETY: callers pass writable pages this test mapped; sembuf is 2-aligned.
        unsafe { write_volatile((addr as *mut sysv::SemBuf).add(i), *o) };
    }
}

fn kernel_copies() {
    println!("t_mmap: the kernel reads call arguments from untouched, read-only, straddling and PROT_NONE pages");
    let Some(sem) = check_ok!(sysv::semget(sysv::IPC_PRIVATE, 1, 0o600), "semget") else { return };
    let value = || sysv::semctl(sem, 0, sysv::GETVAL, 0);
    if let Some(addr) = check_ok!(mm::map_anonymous(5 * PAGE_SIZE, RW), "map 5 pages") {
        // An untouched page reads as zeros: {0, 0, 0} waits for zero, which holds now,
        // and a zero timeout is valid.
        check_ok!(sysv::semtimedop_raw(sem, ops_at(addr, 1), 0), "semop with its operation in an untouched page");
        let ts = (addr + PAGE_SIZE) as u64;
        check_ok!(sysv::semtimedop_raw(sem, ops_at(addr, 1), ts), "semtimedop with its timeout in an untouched page");
        if let Some(fd) = check_ok!(userspace::fs::open("/scheme/sem", userspace::fs::O_RDWR), "open /scheme/sem") {
            // SAFETY: three words of an untouched page: zeros, an unknown sem call.
            let metadata = unsafe { core::slice::from_raw_parts((addr + 2 * PAGE_SIZE) as *const u64, 3) };
            let r = userspace::fs::call(fd, &mut [], 0, metadata);
            check_err!(r, Errno::EINVAL, "SYS_CALL metadata read from an untouched page (call 0 is unknown)");
            let _ = userspace::fs::close(fd);
        }

        // Three operations across the boundary of the third and fourth pages.
        let straddle = addr + 3 * PAGE_SIZE - 6;
        put_ops(straddle, &[sysv::op(0, 2, 0), sysv::op(0, -1, 0), sysv::op(0, 4, 0)]);
        check_ok!(sysv::semop(sem, ops_at(straddle, 3)), "semop with operations straddling two pages");
        check_eq!(value(), Ok(5), "all three applied");

        // Operations in a read-only page are read as they are.
        put_ops(addr, &[sysv::op(0, -5, 0)]);
        // SAFETY: only this test uses the pages.
        check_ok!(unsafe { mm::mprotect(addr, PAGE_SIZE, PROT_READ) }, "mprotect PROT_READ");
        check_ok!(sysv::semop(sem, ops_at(addr, 1)), "semop with its operation in a read-only page");
        check_eq!(value(), Ok(0), "applied");

        // A PROT_NONE page: EFAULT and nothing applied, untouched or not.
        put_ops(addr + PAGE_SIZE, &[sysv::op(0, 3, 0)]);
        for (page, what) in [(addr + PAGE_SIZE, "a touched"), (addr + 4 * PAGE_SIZE, "an untouched")] {
            // SAFETY: as above.
            check_ok!(unsafe { mm::mprotect(page, PAGE_SIZE, PROT_NONE) }, "mprotect PROT_NONE");
            let r = sysv::semop(sem, ops_at(page, 1));
            check_err!(r, Errno::EFAULT, "semop with its operation in {what} PROT_NONE page");
            check_eq!(value(), Ok(0), "nothing applied");
        }
        // SAFETY: as above.
        check_ok!(unsafe { mm::mprotect(addr + 3 * PAGE_SIZE, PAGE_SIZE, PROT_NONE) }, "mprotect PROT_NONE");
        let r = sysv::semop(sem, ops_at(straddle, 3));
        check_err!(r, Errno::EFAULT, "semop with operations running into a PROT_NONE page");
        check_eq!(value(), Ok(0), "nothing applied");
        // SAFETY: nothing uses the range any more.
        check_ok!(unsafe { mm::funmap(addr, 5 * PAGE_SIZE) }, "funmap");
    }
    let _ = sysv::semctl(sem, 0, sysv::IPC_RMID, 0);
}

fn main(_args: &[&str]) -> i32 {
    kernel_chosen();
    fixed();
    protection();
    large_and_heap();
    demand_zero();
    kernel_copies();
    fork_sharing();
    userspace::check::finish()
}
