//! `t_shm`: shared memory in the memory manager: anonymous `MAP_SHARED` memory the same in
//! a fork child (both ways, touched before the fork or not), `MAP_PRIVATE` still copied;
//! POSIX shared memory objects (`/scheme/shm/NAME`: create, O_EXCL, ENOENT, ftruncate and
//! fstat's size, two mappings at different addresses and a child seeing one memory, a
//! touch past the end faulting, the memory living after unlink while mapped, O_TRUNC,
//! access modes: a read-only descriptor maps only for reading and mprotect cannot exceed
//! it); System V segments (attach at a kernel-chosen and at a fixed address, overlap
//! EINVAL, SHM_REMAP, nattch across fork and exit, SHM_DEST freeing at the last detach,
//! SHM_RDONLY writes faulting); a futex word in a segment shared by two processes at
//! different addresses; a segment larger than free memory (the touch that finds
//! no frame is SIGSEGV); and the kernel's free frame count back where it started once
//! everything is unmapped, closed, unlinked and removed.

#![no_std]
#![no_main]

use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{AtomicU32, Ordering};

use userspace::mm::{self, MAP_FIXED, PAGE_SIZE, PROT_READ, PROT_WRITE};
use userspace::process;
use userspace::shm::{self, IPC_CREAT, IPC_PRIVATE, IPC_STAT, SHM_DEST, SHM_RDONLY, SHM_REMAP, SHM_RND, ShmidDs};
use userspace::signal::{SIGBUS, SIGSEGV};
use userspace::{Errno, check, check_eq, check_err, check_ok, fs, println, time};

userspace::entry!(main);

const RW: usize = PROT_READ | PROT_WRITE;
/// A user address far from the kernel's choices (which start at 0x1000_0000_0000).
const FIXED: usize = 0x5000_0000_0000;

fn peek(addr: usize) -> u8 {
    // SAFETY: callers pass addresses of pages this test mapped readable.
    unsafe { read_volatile(addr as *const u8) }
}

fn poke(addr: usize, value: u8) {
    // SAFETY: callers pass addresses of pages this test mapped writable (or, in a child
    // meant to die, pages it may not write on purpose).
    unsafe { write_volatile(addr as *mut u8, value) }
}

/// Runs `f` in a fork child and returns its exit status, or its signal as `100 + signo`.
fn in_child(what: &str, f: impl FnOnce() -> i32) -> Option<i32> {
    let pid = check_ok!(process::fork_run(f), "fork for {what}")?;
    let status = process::wait_for(pid).ok()?;
    status.exited().map(i32::from).or(status.signaled().map(|s| 100 + i32::from(s)))
}

fn anonymous_shared() {
    println!("t_shm: MAP_SHARED anonymous memory is the same memory in a fork child");
    let Some(addr) = check_ok!(shm::map_shared_anonymous(3 * PAGE_SIZE, RW), "map 3 shared pages") else { return };
    check!((0..3).all(|p| peek(addr + p * PAGE_SIZE) == 0), "zero-filled");
    poke(addr, 0x11);
    let status = in_child("anonymous sharing", || {
        let saw = peek(addr);
        poke(addr, 0x22);
        // A page the parent never touched: the child backs it, the parent must see it.
        poke(addr + 2 * PAGE_SIZE, 0x33);
        i32::from(saw != 0x11)
    });
    check_eq!(status, Some(0), "the child saw the parent's write");
    check_eq!(peek(addr), 0x22, "the parent sees the child's write");
    check_eq!(peek(addr + 2 * PAGE_SIZE), 0x33, "and its write to a page first touched in the child");

    println!("t_shm: MAP_PRIVATE memory is still a copy in the child");
    let Some(private) = check_ok!(mm::map_anonymous(PAGE_SIZE, RW), "map a private page") else { return };
    poke(private, 1);
    check_eq!(
        in_child("private copy", || {
            poke(private, 2);
            0
        }),
        Some(0),
        "child wrote its copy"
    );
    check_eq!(peek(private), 1, "the parent's private page is unchanged");
    // SAFETY: nothing uses the ranges any more.
    unsafe {
        check_ok!(mm::funmap(addr, 3 * PAGE_SIZE), "funmap the shared pages");
        check_ok!(mm::funmap(private, PAGE_SIZE), "funmap the private page");
    }
}

fn posix_objects() {
    println!("t_shm: /scheme/shm/NAME: create, O_EXCL, ENOENT, size");
    let create = fs::O_RDWR | fs::O_CREAT | fs::O_EXCL | 0o600;
    let Some(fd) = check_ok!(shm::open_named("t_shm.pool", create), "create") else { return };
    check_err!(shm::open_named("t_shm.pool", create), Errno::EEXIST, "O_CREAT|O_EXCL on an existing name");
    check_err!(shm::open_named("t_shm.none", fs::O_RDWR), Errno::ENOENT, "no object, no O_CREAT");
    check_err!(shm::open_named("a/b", create), Errno::EINVAL, "a name with a slash");
    check_eq!(fs::fstat(fd).map(|s| s.st_size), Ok(0), "a new object is empty");
    check_ok!(shm::ftruncate(fd, 2 * PAGE_SIZE + 100), "ftruncate");
    check_eq!(fs::fstat(fd).map(|s| s.st_size), Ok(2 * PAGE_SIZE as u64 + 100), "fstat's size");

    println!("t_shm: two mappings of one object, and a child, see one memory");
    let len = 3 * PAGE_SIZE;
    let (Some(a), Some(b)) =
        (check_ok!(shm::map_fd(fd, len, 0, RW), "map"), check_ok!(shm::map_fd(fd, len, 0, RW), "map again"))
    else {
        return;
    };
    check!(a != b, "two addresses");
    poke(a + 5, 0x44);
    check_eq!(peek(b + 5), 0x44, "a write through one mapping shows in the other");
    let status = in_child("named sharing", || {
        poke(b + PAGE_SIZE, 0x55);
        0
    });
    check_eq!(status, Some(0), "child");
    check_eq!(peek(a + PAGE_SIZE), 0x55, "the child's write shows in the parent");
    let Some(off) = check_ok!(shm::map_fd(fd, PAGE_SIZE, PAGE_SIZE, RW), "map from an offset") else { return };
    check_eq!(peek(off), 0x55, "the offset mapping starts at the object's second page");
    check_eq!(
        in_child("past the end", || i32::from(peek(a + 2 * PAGE_SIZE + 200) == 0)),
        Some(1),
        "the last partial page reads"
    );
    check_eq!(
        in_child("the object's last byte", || {
            peek(a + 3 * PAGE_SIZE - 1);
            0
        }),
        Some(0),
        "its last page reads"
    );
    if let Some(long) = check_ok!(shm::map_fd(fd, 4 * PAGE_SIZE, 0, RW), "map past the object's end") {
        let status = in_child("past the object", || {
            peek(long + 3 * PAGE_SIZE);
            0
        });
        check_eq!(status, Some(100 + i32::from(SIGBUS)), "a touch past the object's pages is SIGBUS");
        // SAFETY: nothing uses it any more.
        check_ok!(unsafe { mm::funmap(long, 4 * PAGE_SIZE) }, "funmap");
    }

    println!("t_shm: a read-only descriptor maps only for reading");
    let Some(ro) = check_ok!(shm::open_named("t_shm.pool", fs::O_RDONLY), "open read-only") else { return };
    check_err!(shm::map_fd(ro, PAGE_SIZE, 0, RW), Errno::EACCES, "PROT_WRITE through O_RDONLY");
    if let Some(r) = check_ok!(shm::map_fd(ro, PAGE_SIZE, 0, PROT_READ), "PROT_READ through O_RDONLY") {
        check_eq!(peek(r + 5), 0x44, "reads the object");
        // SAFETY: the test copes with either protection.
        check_err!(unsafe { mm::mprotect(r, PAGE_SIZE, RW) }, Errno::EACCES, "mprotect beyond the descriptor's access");
        check_eq!(
            in_child("write to read-only", || {
                poke(r, 9);
                0
            }),
            Some(100 + i32::from(SIGSEGV)),
            "a write faults"
        );
        // SAFETY: nothing uses it any more.
        check_ok!(unsafe { mm::funmap(r, PAGE_SIZE) }, "funmap");
    }
    check_ok!(fs::close(ro), "close");

    println!("t_shm: after unlink the name is gone and the memory lives while mapped");
    check_ok!(shm::unlink_named("t_shm.pool"), "unlink");
    check_err!(shm::unlink_named("t_shm.pool"), Errno::ENOENT, "unlink again");
    check_err!(shm::open_named("t_shm.pool", fs::O_RDWR), Errno::ENOENT, "reopen");
    check_ok!(fs::close(fd), "close the last descriptor");
    check_eq!(peek(b + 5), 0x44, "still mapped, still there");
    // SAFETY: nothing uses the ranges any more.
    unsafe {
        check_ok!(mm::funmap(a, len), "funmap");
        check_ok!(mm::funmap(b, len), "funmap");
        check_ok!(mm::funmap(off, PAGE_SIZE), "funmap");
    }

    println!("t_shm: O_TRUNC empties an object");
    if let Some(fd) = check_ok!(shm::open_named("t_shm.trunc", create), "create") {
        check_ok!(shm::ftruncate(fd, PAGE_SIZE), "size");
        if let Some(m) = check_ok!(shm::map_fd(fd, PAGE_SIZE, 0, RW), "map") {
            poke(m, 7);
            // SAFETY: nothing uses it any more.
            check_ok!(unsafe { mm::funmap(m, PAGE_SIZE) }, "funmap");
        }
        let again = shm::open_named("t_shm.trunc", fs::O_RDWR | fs::O_TRUNC);
        if let Some(fd2) = check_ok!(again, "reopen with O_TRUNC") {
            check_eq!(fs::fstat(fd2).map(|s| s.st_size), Ok(0), "size 0");
            check_ok!(shm::ftruncate(fd2, PAGE_SIZE), "size again");
            if let Some(m) = check_ok!(shm::map_fd(fd2, PAGE_SIZE, 0, RW), "map") {
                check_eq!(peek(m), 0, "the old contents are gone");
                // SAFETY: nothing uses it any more.
                check_ok!(unsafe { mm::funmap(m, PAGE_SIZE) }, "funmap");
            }
            check_ok!(fs::close(fd2), "close");
        }
        check_ok!(fs::close(fd), "close");
        check_ok!(shm::unlink_named("t_shm.trunc"), "unlink");
    }
}

fn stat(id: i32) -> Option<ShmidDs> {
    let mut ds = ShmidDs::default();
    shm::shmctl(id, IPC_STAT, &mut ds).ok().map(|_| ds)
}

fn system_v() {
    println!("t_shm: System V: attach anywhere and at a fixed address, overlap, SHM_REMAP");
    let Some(id) = check_ok!(shm::shmget(IPC_PRIVATE, 2 * PAGE_SIZE, IPC_CREAT | 0o600), "shmget") else { return };
    // SAFETY: the kernel picks a free range.
    let Some(a) = check_ok!(unsafe { shm::shmat(id, 0, 0) }, "shmat NULL") else { return };
    // SAFETY: nothing of the program's lives at FIXED.
    check_eq!(unsafe { shm::shmat(id, FIXED, 0) }, Ok(FIXED), "shmat at a fixed address");
    check_eq!(
        // SAFETY: refused (the range is taken), so nothing is replaced.
        unsafe { shm::shmat(id, FIXED + 123, SHM_RND) },
        Err(Errno::EINVAL),
        "SHM_RND onto the attachment: overlap"
    );
    // SAFETY: refused (unaligned), so nothing is mapped.
    check_err!(unsafe { shm::shmat(id, FIXED + 123, 0) }, Errno::EINVAL, "unaligned without SHM_RND");
    poke(a + 9, 0x66);
    check_eq!(peek(FIXED + 9), 0x66, "one segment at two addresses");
    check_eq!(stat(id).map(|d| d.shm_nattch), Some(2), "nattch 2");
    let anon = FIXED + 16 * PAGE_SIZE;
    let map = userspace::abi::syscall::Map {
        offset: 0,
        size: 2 * PAGE_SIZE,
        flags: RW | mm::MAP_PRIVATE | MAP_FIXED,
        address: anon,
    };
    // SAFETY: nothing of the program's lives there.
    check_ok!(unsafe { mm::fmap(mm::ANONYMOUS, &map) }, "an anonymous mapping");
    // SAFETY: refused (the range is taken), so nothing is replaced.
    check_err!(unsafe { shm::shmat(id, anon, 0) }, Errno::EINVAL, "attach over it without SHM_REMAP");
    // SAFETY: only this test's anonymous mapping lives there.
    check_eq!(unsafe { shm::shmat(id, anon, SHM_REMAP) }, Ok(anon), "SHM_REMAP replaces it");
    check_eq!(peek(anon + 9), 0x66, "the segment is there now");

    println!("t_shm: nattch across fork and exit; SHM_RDONLY writes fault");
    let status = in_child("inherit", || match stat(id) {
        Some(ds) if ds.shm_nattch == 6 => 0,
        _ => 1,
    });
    check_eq!(status, Some(0), "the child counts its three inherited attachments");
    check_eq!(stat(id).map(|d| d.shm_nattch), Some(3), "back to 3 after the child's exit");
    let status = in_child("read-only", || {
        // SAFETY: the kernel picks the address.
        let Ok(r) = (unsafe { shm::shmat(id, 0, SHM_RDONLY) }) else { return 2 };
        if peek(r + 9) != 0x66 {
            return 3;
        }
        poke(r + 9, 1);
        4
    });
    check_eq!(status, Some(100 + i32::from(SIGSEGV)), "a write to a SHM_RDONLY attachment is SIGSEGV");

    println!("t_shm: IPC_RMID while attached marks SHM_DEST; the last detach frees");
    check_ok!(shm::remove(id), "IPC_RMID");
    let ds = stat(id);
    check!(ds.is_some_and(|d| d.shm_perm.mode & SHM_DEST != 0 && d.shm_perm.key == 0), "SHM_DEST, key private: {ds:?}");
    // SAFETY: nothing uses the attachments any more.
    unsafe {
        check_ok!(shm::shmdt(a), "shmdt");
        check_err!(shm::shmdt(FIXED + PAGE_SIZE), Errno::EINVAL, "shmdt inside an attachment");
        check_ok!(shm::shmdt(FIXED), "shmdt");
        check_eq!(stat(id).map(|d| d.shm_nattch), Some(1), "one left");
        check_ok!(shm::shmdt(anon), "shmdt the last");
    }
    check_err!(shm::shmctl(id, IPC_STAT, &mut ShmidDs::default()), Errno::EINVAL, "gone after the last detach");
}

/// A futex word in shared memory is one futex for every process that maps it, wherever
/// each maps it: a child sleeps on the word through its own mapping until the parent
/// changes it and wakes it through another.
fn futex_across_processes() {
    println!("t_shm: a futex in shared memory wakes a sleeper in another process");
    let Some(id) = check_ok!(shm::shmget(IPC_PRIVATE, PAGE_SIZE, IPC_CREAT | 0o600), "shmget") else { return };
    // SAFETY: the kernel picks a free range.
    let Some(a) = check_ok!(unsafe { shm::shmat(id, 0, 0) }, "attach") else { return };
    // SAFETY: as above.
    let Some(b) = check_ok!(unsafe { shm::shmat(id, 0, 0) }, "attach again") else { return };
    // SAFETY: both addresses are page-aligned attachments of the segment, which holds
    // nothing else; the word is only used atomically.
    let (child_word, parent_word) = unsafe { (&*((a + 64) as *const AtomicU32), &*((b + 64) as *const AtomicU32)) };
    child_word.store(1, Ordering::SeqCst);
    let child = process::fork_run(|| {
        while child_word.load(Ordering::SeqCst) == 1 {
            // Sleeps while the word is 1: a wake with the word unchanged sleeps again.
            let _ = time::futex_wait(child_word, 1, None);
        }
        i32::from(child_word.load(Ordering::SeqCst) != 2)
    });
    let Some(pid) = check_ok!(child, "fork the sleeper") else { return };
    // A wake through the other mapping finds the sleeper once it sleeps: the key is the
    // memory, not the address.
    let woken = (0..500).any(|_| {
        let _ = time::sleep_ms(2);
        time::futex_wake(parent_word, 1) == Ok(1)
    });
    check!(woken, "a wake through another address found the other process's sleeper");
    parent_word.store(2, Ordering::SeqCst);
    let _ = time::futex_wake(parent_word, 1);
    let status = process::wait_for(pid).ok().and_then(|s| s.exited());
    check_eq!(status, Some(0), "the sleeper saw the new value and ended");
    check_ok!(shm::remove(id), "IPC_RMID");
}

/// A segment larger than the free memory: attaching it works (pages are backed at their
/// first touch), and touching every page runs out of frames, which kills the toucher with
/// SIGSEGV rather than the kernel; removing the segment gives every frame back.
fn out_of_frames() {
    println!("t_shm: a segment larger than free memory: the touch that finds no frame is SIGSEGV");
    let pages = process::free_frames() + 1024;
    let Some(id) = check_ok!(shm::shmget(IPC_PRIVATE, pages * PAGE_SIZE, IPC_CREAT | 0o600), "shmget") else { return };
    let status = in_child("touch every page", || {
        // SAFETY: the kernel picks a free range.
        let Ok(addr) = (unsafe { shm::shmat(id, 0, 0) }) else { return 2 };
        for page in 0..pages {
            poke(addr + page * PAGE_SIZE, 1);
        }
        3
    });
    check_eq!(status, Some(100 + i32::from(SIGSEGV)), "the child ran out of memory");
    check_ok!(shm::remove(id), "IPC_RMID");
}

fn main(_args: &[&str]) -> i32 {
    // Everything runs in a child, so that its page tables and heap are gone with it when
    // the frame count is compared.
    let free = process::free_frames();
    let status = in_child("the checks", || {
        anonymous_shared();
        posix_objects();
        system_v();
        futex_across_processes();
        out_of_frames();
        userspace::check::finish()
    });
    check_eq!(status, Some(0), "every check in the child passed");
    println!("t_shm: the free frame count is back where it started");
    check_eq!(process::free_frames(), free, "free frames");
    userspace::check::finish()
}
