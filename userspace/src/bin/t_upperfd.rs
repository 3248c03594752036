//! `t_upperfd`: Redox's upper descriptor table. `F_DUPFD` with a minimum carrying
//! `UPPER_FDTBL_TAG` installs the lowest free upper slot at or above the untagged part
//! and returns it tagged; read, write, fstat, fpath, fevent, fcntl, `SYS_CALL`, event
//! queue registration, ftruncate and fmap work through it; `dup` of it lands in the
//! ordinary table, `dup2` onto a tagged number replaces in the upper table; `dup2` onto
//! every ordinary number and a `closefrom`-style loop leave it alone; close; fork copies
//! it, exec and spawn close it only when close-on-exec, exit closes it (a pipe's reader
//! sees end of file); EBADF for tagged numbers that are not open or past the table and
//! for other high bits; EINVAL for an `F_DUPFD` minimum past the table; EMFILE when the
//! upper table's 1,024 slots are taken, with the ordinary table still free.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::vec::Vec;

use userspace::abi::proc::{PROC_EXIT, PROC_GETPID, PROC_GETPPID};
use userspace::abi::syscall::{Event, MODE_FIFO, Map, UPPER_FDTBL_TAG};
use userspace::fs::{
    self, EVENT_READ, F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_CREAT, O_NONBLOCK, O_RDWR, O_WRONLY,
    SEEK_SET, bytes_of, bytes_of_mut,
};
use userspace::mm::{self, MAP_SHARED, PAGE_SIZE, PROT_READ, PROT_WRITE};
use userspace::{Errno, check, check_eq, check_err, check_ok, println, process};

userspace::entry!(main);

const TAG: usize = UPPER_FDTBL_TAG;
const HELPER: &str = "/scheme/initfs/t_helper";
const DEBUG: &str = "/scheme/debug";
const FILE: &str = "/scheme/tmp/t_upperfd";
/// The kernel's descriptor limit, per table.
const MAX_FDS: usize = 1024;

/// Whether `fd` is an open descriptor.
fn is_open(fd: usize) -> bool {
    fs::fcntl(fd, F_GETFD, 0).is_ok()
}

/// A copy of `fd` in the upper table (`F_DUPFD` with the tag).
fn upper(fd: usize) -> Option<usize> {
    check_ok!(fs::fcntl(fd, F_DUPFD, TAG), "F_DUPFD({fd}, UPPER_FDTBL_TAG)")
}

/// Moves `fd` to the upper table as `redox-rt`'s `to_upper` does: F_DUPFD, then close.
fn to_upper(fd: usize) -> Option<usize> {
    let up = upper(fd)?;
    check_ok!(fs::close(fd), "close {fd} after moving it up");
    Some(up)
}

fn pipe() -> Option<(usize, usize)> {
    check_ok!(fs::pipe2(0), "pipe2").map(|[r, w]| (r, w))
}

fn close_all(fds: &[usize]) {
    for &fd in fds {
        let _ = fs::close(fd);
    }
}

fn dupfd_rules() {
    println!("t_upperfd: F_DUPFD with the tag allocates the lowest free upper slot, tagged");
    let Some((r, w)) = pipe() else { return };
    let (Some(up_r), Some(up_w)) = (upper(r), upper(w)) else { return };
    check_eq!(up_r, TAG, "the first upper descriptor");
    check_eq!(up_w, TAG | 1, "the second upper descriptor");
    check_eq!(fs::fcntl(w, F_DUPFD, TAG | 10), Ok(TAG | 10), "F_DUPFD with minimum TAG | 10");
    check_eq!(fs::fcntl(w, F_DUPFD, TAG | 1), Ok(TAG | 2), "F_DUPFD with minimum TAG | 1 skips the taken slot");
    check_eq!(fs::fcntl(w, F_DUPFD, TAG | (MAX_FDS - 1)), Ok(TAG | (MAX_FDS - 1)), "the last upper slot");
    check_err!(fs::fcntl(w, F_DUPFD, TAG | MAX_FDS), Errno::EINVAL, "F_DUPFD minimum past the upper table");
    check_err!(fs::fcntl(w, F_DUPFD, 1 << 63), Errno::EINVAL, "F_DUPFD minimum with bit 63");
    check_err!(fs::fcntl(w, F_DUPFD, TAG | (1 << 63)), Errno::EINVAL, "F_DUPFD minimum with the tag and bit 63");
    close_all(&[TAG | 10, TAG | 2, TAG | (MAX_FDS - 1)]);

    println!("t_upperfd: an upper descriptor shares the description; its flags are its own");
    check_eq!(fs::fcntl(up_r, F_GETFD, 0), Ok(0), "F_GETFD of an F_DUPFD copy");
    check_ok!(fs::fcntl(up_r, F_SETFD, FD_CLOEXEC), "F_SETFD FD_CLOEXEC on an upper descriptor");
    check_eq!(fs::fcntl(up_r, F_GETFD, 0), Ok(FD_CLOEXEC), "F_GETFD after F_SETFD");
    check_eq!(fs::fcntl(r, F_GETFD, 0), Ok(0), "the ordinary original keeps its own flag");
    check_ok!(fs::fcntl(up_r, F_SETFL, O_NONBLOCK), "F_SETFL O_NONBLOCK through the upper descriptor");
    check_eq!(fs::fcntl(r, F_GETFL, 0).map(|f| f & O_NONBLOCK), Ok(O_NONBLOCK), "status flags are shared");
    check_ok!(fs::fcntl(up_r, F_SETFL, 0), "F_SETFL 0");

    println!("t_upperfd: read, write, fstat, fpath and fevent through upper descriptors");
    check_eq!(fs::write(up_w, b"upper"), Ok(5), "write through the upper write end");
    check_eq!(fs::fevent(up_r, EVENT_READ), Ok(EVENT_READ), "fevent of the upper read end");
    let mut buf = [0u8; 8];
    check_eq!(fs::read(r, &mut buf), Ok(5), "read it from the ordinary read end");
    check_eq!(&buf[..5], b"upper", "the bytes");
    check_eq!(fs::write(w, b"lower"), Ok(5), "write through the ordinary write end");
    check_eq!(fs::read(up_r, &mut buf), Ok(5), "read it through the upper read end");
    check_eq!(&buf[..5], b"lower", "the bytes");
    if let (Some(a), Some(b)) = (check_ok!(fs::fstat(up_r), "fstat upper"), check_ok!(fs::fstat(r), "fstat")) {
        check_eq!(a.st_mode & 0xf000, MODE_FIFO, "fstat of the upper read end: a FIFO");
        check_eq!((a.st_dev, a.st_ino), (b.st_dev, b.st_ino), "the same file as the ordinary one");
    }
    let (mut p1, mut p2) = ([0u8; 64], [0u8; 64]);
    let (n1, n2) = (fs::fpath(up_r, &mut p1), fs::fpath(r, &mut p2));
    check!(n1.is_ok() && n1 == n2 && p1 == p2, "fpath of the upper and the ordinary read end agree");

    println!("t_upperfd: dup of an upper descriptor lands in the ordinary table");
    if let Some(d) = check_ok!(fs::dup(up_r), "dup of an upper descriptor") {
        check!(d < MAX_FDS, "dup gave an ordinary number: {d:#x}");
        check_eq!(fs::fcntl(d, F_GETFD, 0), Ok(0), "the dup is not close-on-exec");
        let _ = fs::close(d);
    }
    if let Some(d) = check_ok!(fs::fcntl(up_r, F_DUPFD, 0), "F_DUPFD of an upper descriptor, minimum 0") {
        check!(d < MAX_FDS, "F_DUPFD without the tag gave an ordinary number: {d:#x}");
        let _ = fs::close(d);
    }
    close_all(&[r, w, up_r, up_w]);
}

fn system_calls() {
    println!("t_upperfd: SYS_CALL through an upper copy of the proc handle");
    let Some(proc_fd) = check_ok!(process::proc_fd(), "the proc handle") else { return };
    let Some(up) = upper(proc_fd) else { return };
    check_eq!(fs::call(up, &mut [], 0, &[PROC_GETPPID]), Ok(process::getppid()), "getppid through it");
    check_eq!(fs::call(up, &mut [], 0, &[PROC_GETPID]), Ok(process::getpid()), "getpid through it");
    check_ok!(fs::close(up), "close it");
    check_err!(fs::call(up, &mut [], 0, &[PROC_GETPID]), Errno::EBADF, "SYS_CALL through it after close");

    println!("t_upperfd: an event queue registers an upper descriptor by its number");
    let Some(queue) = check_ok!(fs::open("/scheme/event", O_RDWR | O_NONBLOCK), "open an event queue") else {
        return;
    };
    if let Some((r, w)) = pipe()
        && let Some(up_r) = to_upper(r)
    {
        let event = Event { id: up_r, flags: EVENT_READ, data: 7 };
        check_eq!(fs::write(queue, bytes_of(&event)), Ok(size_of::<Event>()), "register the upper read end");
        check_eq!(fs::write(w, b"x"), Ok(1), "make it readable");
        let mut got = Event { id: 0, flags: 0, data: 0 };
        check_eq!(fs::read(queue, bytes_of_mut(&mut got)), Ok(size_of::<Event>()), "read the queue");
        check_eq!((got.id, got.flags, got.data), (up_r, EVENT_READ, 7), "the event names the upper number");
        close_all(&[w, up_r]);
    }
    let _ = fs::close(queue);

    println!("t_upperfd: ftruncate and fmap through an upper descriptor");
    let Some(file) = check_ok!(fs::open(FILE, O_CREAT | O_RDWR | 0o600), "create {FILE}") else { return };
    let _ = fs::unlink(FILE);
    let Some(up) = to_upper(file) else { return };
    check_ok!(fs::ftruncate(up, 2 * PAGE_SIZE as u64), "ftruncate through it");
    check_eq!(fs::fstat(up).map(|s| s.st_size), Ok(2 * PAGE_SIZE as u64), "the new size");
    let map = Map { offset: 0, size: PAGE_SIZE, flags: PROT_READ | PROT_WRITE | MAP_SHARED, address: 0 };
    // SAFETY: the kernel picks the address; nothing of the program is there.
    if let Some(addr) = check_ok!(unsafe { mm::fmap(up, &map) }, "fmap through it") {
        // SAFETY: a page of the mapping just made, readable and writable.
        unsafe { (addr as *mut u8).write_volatile(b'm') };
        let mut byte = [0u8];
        check_ok!(fs::lseek(up, 0, SEEK_SET), "lseek through it");
        check_eq!(fs::read(up, &mut byte), Ok(1), "read through it");
        check_eq!(byte[0], b'm', "the byte written through the mapping");
        // SAFETY: the page mapped above, no longer used.
        check_ok!(unsafe { mm::funmap(addr, PAGE_SIZE) }, "funmap");
    }
    check_ok!(fs::close(up), "close it");
}

/// The child of [`isolation`]: `dup2` onto every ordinary number, then close them all,
/// writing through the upper write end `up_w` after each; it exits through `up_proc`,
/// an upper copy of its proc handle (the ordinary one is gone, as a C runtime's would
/// be without the upper table), with a code that names the first step that failed.
fn clobber_ordinary(up_w: usize, donor: usize, up_proc: usize) -> i32 {
    let code = clobber_steps(up_w, donor);
    let _ = fs::call(up_proc, &mut [], 0, &[PROC_EXIT, code as u64]);
    // Not reached: the fallback exit below has no proc handle left and ends in #UD,
    // which the parent sees as a failure.
    code
}

fn clobber_steps(up_w: usize, donor: usize) -> i32 {
    for fd in 0..MAX_FDS {
        if fd != donor && fs::dup2(donor, fd) != Ok(fd) {
            return 10;
        }
    }
    if !is_open(up_w) || fs::write(up_w, b"a") != Ok(1) {
        return 11;
    }
    // closefrom(0), as a C runtime without close_range writes it.
    for fd in 0..MAX_FDS {
        let _ = fs::close(fd);
    }
    if (0..MAX_FDS).any(is_open) {
        return 12;
    }
    if !is_open(up_w) || fs::write(up_w, b"b") != Ok(1) {
        return 13;
    }
    // The ordinary table is empty: a copy of the upper descriptor without the tag is 0.
    if fs::fcntl(up_w, F_DUPFD, 0) != Ok(0) {
        return 14;
    }
    0
}

fn isolation() {
    println!("t_upperfd: dup2 onto every ordinary number and closing them all leave it open");
    let Some((r, w)) = pipe() else { return };
    let Some(up_w) = to_upper(w) else { return };
    let Some(donor) = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug") else { return };
    let Some(up_proc) = process::proc_fd().ok().and_then(upper) else { return };
    let child = check_ok!(process::fork_run(move || clobber_ordinary(up_w, donor, up_proc)), "fork");
    close_all(&[up_w, donor, up_proc]);
    if let Some(pid) = child {
        check_eq!(process::wait_for(pid).ok().and_then(|s| s.exited()), Some(0), "the child's steps");
    }
    let mut buf = [0u8; 4];
    check_eq!(fs::read(r, &mut buf), Ok(2), "what the child wrote through its upper descriptor");
    check_eq!(&buf[..2], b"ab", "the bytes");
    check_eq!(fs::read(r, &mut buf), Ok(0), "end of file: the child's exit closed its upper descriptor");
    let _ = fs::close(r);

    println!("t_upperfd: dup2 onto a tagged number replaces in the upper table, never the ordinary one");
    let (Some(a), Some(b)) = (check_ok!(fs::open(DEBUG, O_WRONLY), "open"), pipe()) else { return };
    let slot = TAG | 5;
    let ordinary_5 = || fs::fstat(5).map(|s| (s.st_dev, s.st_ino));
    let before = ordinary_5();
    check_eq!(fs::dup2(a, slot), Ok(slot), "dup2 onto TAG | 5");
    check_eq!(fs::fstat(slot).map(|s| s.st_mode & 0xf000 == MODE_FIFO), Ok(false), "it is the console");
    check_eq!(fs::dup2(b.0, slot), Ok(slot), "dup2 over it");
    check_eq!(fs::fstat(slot).map(|s| s.st_mode & 0xf000), Ok(MODE_FIFO), "it is the pipe now");
    check_eq!(fs::fcntl(slot, F_GETFD, 0), Ok(0), "dup2 clears close-on-exec");
    check_eq!(fs::dup2(slot, slot), Ok(slot), "dup2 onto itself");
    check_eq!(ordinary_5(), before, "ordinary descriptor 5 is untouched");
    let spare = check_ok!(fs::dup2(slot, 200), "dup2 from an upper to an ordinary number");
    check_eq!(spare, Some(200), "dup2 returns the ordinary number");
    check_eq!(fs::fstat(200).map(|s| s.st_mode & 0xf000), Ok(MODE_FIFO), "ordinary 200 is the pipe");
    check_err!(fs::dup2(a, TAG | MAX_FDS), Errno::EBADF, "dup2 onto a tagged number past the table");
    check_err!(fs::dup2(a, 1 << 63), Errno::EBADF, "dup2 onto bit 63");
    check_err!(fs::dup2(a, TAG | (1 << 63)), Errno::EBADF, "dup2 onto the tag and bit 63");
    close_all(&[a, b.0, b.1, slot, 200]);
}

fn bad_numbers() {
    println!("t_upperfd: EBADF for closed, out-of-range and malformed tagged numbers");
    let Some(d) = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug") else { return };
    if let Some(up) = to_upper(d) {
        check_ok!(fs::close(up), "close of an upper descriptor");
        check_err!(fs::close(up), Errno::EBADF, "close it again");
        check_err!(fs::write(up, b"x"), Errno::EBADF, "write after close");
    }
    let bad =
        [TAG | 500, TAG | MAX_FDS, TAG | (MAX_FDS + 5), TAG | (1 << 40), 1 << 63, TAG | (1 << 63), usize::MAX - 1];
    for fd in bad {
        check_err!(fs::close(fd), Errno::EBADF, "close({fd:#x})");
        check_err!(fs::read(fd, &mut [0u8; 4]), Errno::EBADF, "read({fd:#x})");
        check_err!(fs::write(fd, b"x"), Errno::EBADF, "write({fd:#x})");
        check_err!(fs::fstat(fd), Errno::EBADF, "fstat({fd:#x})");
        check_err!(fs::fcntl(fd, F_GETFD, 0), Errno::EBADF, "F_GETFD({fd:#x})");
        check_err!(fs::fcntl(fd, F_SETFD, FD_CLOEXEC), Errno::EBADF, "F_SETFD({fd:#x})");
        check_err!(fs::fcntl(fd, F_DUPFD, TAG), Errno::EBADF, "F_DUPFD({fd:#x})");
        check_err!(fs::dup(fd), Errno::EBADF, "dup({fd:#x})");
        check_err!(fs::fevent(fd, EVENT_READ), Errno::EBADF, "fevent({fd:#x})");
        check_err!(fs::call(fd, &mut [], 0, &[PROC_GETPID]), Errno::EBADF, "SYS_CALL({fd:#x})");
        check_err!(fs::ftruncate(fd, 0), Errno::EBADF, "ftruncate({fd:#x})");
    }
}

/// Runs `t_helper fd-open FD` in a forked child after exec; returns its exit code (or
/// 10 if the descriptor was already closed before the exec).
fn fd_open_after_exec(fd: usize) -> Option<u8> {
    let pid = check_ok!(
        process::fork_run(move || {
            if !is_open(fd) {
                return 10;
            }
            let arg = format!("{fd}");
            100 + process::exec(HELPER, &["t_helper", "fd-open", &arg], &[]).0
        }),
        "fork"
    )?;
    check_ok!(process::wait_for(pid), "wait for the exec'd child").and_then(|s| s.exited())
}

fn fork_exec_spawn() {
    println!("t_upperfd: fork copies the upper table; exec and spawn close its close-on-exec descriptors");
    let Some(d) = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug") else { return };
    let (Some(keep), Some(gone)) = (upper(d), upper(d)) else { return };
    let _ = fs::close(d);
    check_ok!(fs::fcntl(gone, F_SETFD, FD_CLOEXEC), "F_SETFD FD_CLOEXEC");
    let child = process::fork_run(move || if is_open(keep) && is_open(gone) { 0 } else { 1 });
    if let Some(pid) = check_ok!(child, "fork") {
        check_eq!(process::wait_for(pid).ok().and_then(|s| s.exited()), Some(0), "the fork child sees both");
    }
    check_eq!(fd_open_after_exec(keep), Some(0), "the upper descriptor without FD_CLOEXEC after exec");
    check_eq!(fd_open_after_exec(gone), Some(1), "the upper descriptor with FD_CLOEXEC after exec");
    for (fd, expected) in [(keep, 0), (gone, 1)] {
        let arg = format!("{fd}");
        if let Some(pid) = check_ok!(process::spawn(HELPER, &["t_helper", "fd-open", &arg], &[]), "spawn") {
            let code = process::wait_for(pid).ok().and_then(|s| s.exited());
            check_eq!(code, Some(expected), "upper descriptor {fd:#x} in a spawned child");
        }
    }
    close_all(&[keep, gone]);
}

fn upper_limit() {
    println!("t_upperfd: the upper table holds {MAX_FDS} descriptors, then EMFILE; the ordinary table is apart");
    let Some(d) = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug") else { return };
    let mut taken = Vec::with_capacity(MAX_FDS);
    let error = loop {
        match fs::fcntl(d, F_DUPFD, TAG) {
            Ok(fd) if taken.len() <= MAX_FDS => taken.push(fd),
            Ok(_) => break None,
            Err(e) => break Some(e),
        }
    };
    check_eq!(error, Some(Errno::EMFILE), "F_DUPFD into a full upper table");
    check_eq!(taken.len(), MAX_FDS, "upper descriptors before EMFILE");
    check_eq!(taken.last().copied(), Some(TAG | (MAX_FDS - 1)), "the highest one");
    check_err!(fs::fcntl(d, F_DUPFD, TAG | 7), Errno::EMFILE, "F_DUPFD from the middle of the full table");
    if let Some(o) = check_ok!(fs::dup(d), "dup into the ordinary table while the upper one is full") {
        let _ = fs::close(o);
    }
    if let Some(&victim) = taken.get(300) {
        check_ok!(fs::close(victim), "close one upper descriptor");
        check_eq!(fs::fcntl(d, F_DUPFD, TAG), Ok(victim), "F_DUPFD takes the freed slot");
    }
    close_all(&taken);
    check_eq!(fs::fcntl(d, F_DUPFD, TAG), Ok(TAG), "all closed: the first slot again");
    close_all(&[TAG, d]);
}

fn main(_args: &[&str]) -> i32 {
    dupfd_rules();
    system_calls();
    isolation();
    bad_numbers();
    fork_exec_spawn();
    upper_limit();
    userspace::check::finish()
}
