//! `t_fs`: descriptors and the plain schemes: open errors, the initfs directory and
//! files (fstat, fpath, reading to the end), dup/dup2 sharing an offset, fcntl flags,
//! close-on-exec across exec, the descriptor limit, fevent, and root-only clock_settime
//! through the time scheme.

#![no_std]
#![no_main]

extern crate alloc;

use userspace::abi::syscall::{MODE_CHR, MODE_DIR, MODE_FILE, TimeSpec};
use userspace::abi::time::TIME_CALL_SETTIME;
use userspace::fs::{
    self, EVENT_WRITE, F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_ACCMODE, O_CLOEXEC, O_NONBLOCK,
    O_RDONLY, O_RDWR,
};
use userspace::process::{self, Status};
use userspace::time::{self, CLOCK_MONOTONIC, CLOCK_REALTIME};
use userspace::{Errno, check, check_eq, check_err, check_ok, cred, println};

userspace::entry!(main);

fn open_errors() {
    println!("t_fs: missing files, paths outside /scheme/ and unknown schemes are ENOENT");
    check_err!(fs::open("/scheme/initfs/no-such-file", O_RDONLY), Errno::ENOENT, "missing initfs file");
    check_err!(fs::open("/etc/passwd", O_RDONLY), Errno::ENOENT, "a path outside /scheme/");
    check_err!(fs::open("/scheme/nosuchscheme/x", O_RDONLY), Errno::ENOENT, "an unknown scheme");
}

fn initfs_files() {
    println!("t_fs: the initfs directory lists its files; a file reads to its fstat size, then EOF");
    if let Some(dir) = check_ok!(fs::open("/scheme/initfs/", O_RDONLY), "open the initfs directory") {
        let listing = fs::read_to_end(dir).unwrap_or_default();
        let text = core::str::from_utf8(&listing).unwrap_or("");
        check!(text.lines().any(|l| l == "init") && text.lines().any(|l| l == "tests"), "listing {text:?}");
        check_eq!(fs::fstat(dir).map(|s| s.st_mode & 0xf000), Ok(MODE_DIR), "the directory's type");
        let _ = fs::close(dir);
    }
    let Some(fd) = check_ok!(fs::open("/scheme/initfs/tests", O_RDONLY), "open the manifest") else { return };
    let stat = fs::fstat(fd);
    check_eq!(stat.map(|s| s.st_mode & 0xf000), Ok(MODE_FILE), "the file's type");
    let data = fs::read_to_end(fd).unwrap_or_default();
    check_eq!(stat.map(|s| s.st_size), Ok(data.len() as u64), "bytes read equal st_size");
    let mut byte = [0u8; 1];
    check_eq!(fs::read(fd, &mut byte), Ok(0), "a read at the end returns 0");
    let mut path = [0u8; 64];
    let n = fs::fpath(fd, &mut path).unwrap_or(0);
    check_eq!(&path[..n], b"/scheme/initfs/tests", "fpath");
    check_err!(fs::write(fd, b"x"), Errno::EBADF, "writing a read-only descriptor");
    let _ = fs::close(fd);
}

fn dup_and_close() {
    println!("t_fs: dup takes the lowest free number and shares the offset; dup2 replaces; close twice is EBADF");
    let Some(a) = check_ok!(fs::open("/scheme/initfs/tests", O_RDONLY), "open") else { return };
    let Some(b) = check_ok!(fs::dup(a), "dup") else { return };
    check!(b > a, "dup gives a new number ({a} -> {b})");
    let whole = fs::open("/scheme/initfs/tests", O_RDONLY).and_then(fs::read_to_end).unwrap_or_default();
    let mut first = [0u8; 3];
    let mut next = [0u8; 3];
    let _ = fs::read(a, &mut first);
    let _ = fs::read(b, &mut next);
    check_eq!(&next[..], &whole[3..6.min(whole.len())], "the duplicate continues at the shared offset");
    check_eq!(fs::dup2(a, a), Ok(a), "dup2 onto itself");
    if let Some(c) = check_ok!(fs::open("/scheme/debug", O_RDWR), "open debug") {
        check_eq!(fs::dup2(a, c), Ok(c), "dup2 onto an open descriptor");
        check_eq!(fs::fstat(c).map(|s| s.st_mode & 0xf000), Ok(MODE_FILE), "it now names the file");
        let _ = fs::close(c);
    }
    check_ok!(fs::close(b), "close");
    check_err!(fs::close(b), Errno::EBADF, "close twice");
    check_err!(fs::read(b, &mut first), Errno::EBADF, "read a closed descriptor");
    let _ = fs::close(a);
}

fn fcntl_flags() {
    println!("t_fs: fcntl reads and sets FD_CLOEXEC and O_NONBLOCK, never the access mode");
    let Some(fd) = check_ok!(fs::open("/scheme/debug", O_RDWR | O_CLOEXEC), "open with O_CLOEXEC") else { return };
    check_eq!(fs::fcntl(fd, F_GETFD, 0), Ok(FD_CLOEXEC), "O_CLOEXEC sets FD_CLOEXEC");
    check_ok!(fs::fcntl(fd, F_SETFD, 0), "clear FD_CLOEXEC");
    check_eq!(fs::fcntl(fd, F_GETFD, 0), Ok(0), "FD_CLOEXEC cleared");
    check_eq!(fs::fcntl(fd, F_GETFL, 0).map(|f| f & O_ACCMODE), Ok(O_RDWR), "the access mode");
    check_ok!(fs::fcntl(fd, F_SETFL, O_NONBLOCK | O_RDONLY), "set O_NONBLOCK");
    check_eq!(fs::fcntl(fd, F_GETFL, 0), Ok(O_RDWR | O_NONBLOCK), "O_NONBLOCK set, mode unchanged");
    if let Some(high) = check_ok!(fs::fcntl(fd, F_DUPFD, 40), "F_DUPFD 40") {
        check!(high >= 40, "F_DUPFD gives at least 40 ({high})");
        let _ = fs::close(high);
    }
    check_err!(fs::fcntl(fd, 999, 0), Errno::EINVAL, "an unknown command");
    check_eq!(fs::fevent(fd, EVENT_WRITE), Ok(EVENT_WRITE), "the console is writable");
    check_eq!(fs::fstat(fd).map(|s| s.st_mode & 0xf000), Ok(MODE_CHR), "the console is a character device");
    check_eq!(fs::write(fd, b""), Ok(0), "an empty write");
    let _ = fs::close(fd);
}

fn close_on_exec() {
    println!("t_fs: exec closes FD_CLOEXEC descriptors and keeps the others");
    let (Ok(keep), Ok(gone)) = (fs::open("/scheme/debug", O_RDWR), fs::open("/scheme/debug", O_RDWR | O_CLOEXEC))
    else {
        check!(false, "open two descriptors");
        return;
    };
    for (fd, expected) in [(keep, 0u8), (gone, 1)] {
        let arg = alloc_fd_arg(fd);
        let child = move || {
            let arg = core::str::from_utf8(&arg.0[..arg.1]).unwrap_or("?");
            let e = process::exec("/scheme/initfs/t_helper", &["t_helper", "fd-open", arg], &[]);
            userspace::eprintln!("exec failed: {e}");
            9
        };
        if let Some(pid) = check_ok!(process::fork_run(child), "fork") {
            let status = process::wait_for(pid);
            check_eq!(status.ok().and_then(Status::exited), Some(expected), "t_helper fd-open {fd}");
        }
    }
    let _ = fs::close(keep);
    let _ = fs::close(gone);
}

/// A descriptor number as a decimal string in a fixed buffer.
fn alloc_fd_arg(fd: usize) -> ([u8; 20], usize) {
    let mut buf = [0u8; 20];
    let mut n = fd;
    let mut len = 0;
    loop {
        buf[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf[..len].reverse();
    (buf, len)
}

fn descriptor_limit() {
    println!("t_fs: descriptors run out at 1024 with EMFILE; closing one frees a slot");
    let mut opened = alloc::vec::Vec::new();
    let last = loop {
        match fs::open("/scheme/debug", O_RDWR) {
            Ok(fd) => opened.push(fd),
            Err(e) => break e,
        }
        if opened.len() > 2000 {
            break Errno::EIO;
        }
    };
    check_eq!(last, Errno::EMFILE, "the error at the limit");
    check!(opened.iter().all(|&fd| fd < 1024), "every descriptor is below 1024");
    if let Some(&fd) = opened.last() {
        let _ = fs::close(fd);
        check_ok!(fs::open("/scheme/debug", O_RDWR), "an open after a close");
    }
    for fd in opened {
        let _ = fs::close(fd);
    }
}

fn settime(clock: &str, ts: &TimeSpec) -> Result<usize, Errno> {
    let fd = fs::open(clock, O_RDWR)?;
    let mut payload = [0u8; 16];
    payload[..8].copy_from_slice(&ts.tv_sec.to_le_bytes());
    payload[8..12].copy_from_slice(&ts.tv_nsec.to_le_bytes());
    let result = fs::call(fd, &mut payload, 0, &[TIME_CALL_SETTIME]);
    let _ = fs::close(fd);
    result
}

fn clock_settime() {
    println!("t_fs: root sets CLOCK_REALTIME through the time scheme; monotonic does not jump");
    let (Ok(real0), Ok(mono0)) = (time::clock_gettime(CLOCK_REALTIME), time::clock_gettime(CLOCK_MONOTONIC)) else {
        check!(false, "read the clocks");
        return;
    };
    let target = TimeSpec { tv_sec: 1_893_456_000, tv_nsec: 0, _pad: 0 };
    check_ok!(settime("/scheme/time/1", &target), "set 2030-01-01");
    let real1 = time::clock_gettime(CLOCK_REALTIME).map(|t| t.tv_sec).unwrap_or(0);
    check!((1_893_456_000..1_893_456_010).contains(&real1), "realtime after the set: {real1}");
    let mono1 = time::clock_gettime(CLOCK_MONOTONIC).map(|t| time::nanos(&t)).unwrap_or(0);
    check!(mono1 - time::nanos(&mono0) < 1_000_000_000, "monotonic moved {} ns", mono1 - time::nanos(&mono0));
    check_err!(settime("/scheme/time/4", &target), Errno::EINVAL, "setting CLOCK_MONOTONIC");
    check_err!(
        settime("/scheme/time/1", &TimeSpec { tv_sec: 1, tv_nsec: 1_000_000_000, _pad: 0 }),
        Errno::EINVAL,
        "a bad tv_nsec"
    );
    let child = || {
        if cred::setresuid(1000, 1000, 1000).is_err() {
            return 2;
        }
        match settime("/scheme/time/1", &TimeSpec::default()) {
            Err(Errno::EPERM) => 0,
            _ => 1,
        }
    };
    if let Some(pid) = check_ok!(process::fork_run(child), "fork") {
        check_eq!(process::wait_for(pid).ok().and_then(Status::exited), Some(0), "a non-root set is EPERM");
    }
    // Put the clock back where it would have been.
    let elapsed = time::clock_gettime(CLOCK_MONOTONIC).map(|t| time::nanos(&t) - time::nanos(&mono0)).unwrap_or(0);
    let restore = TimeSpec::from_nanos(time::nanos(&real0) + elapsed);
    check_ok!(settime("/scheme/time/1", &restore), "restore the clock");
}

fn main(_args: &[&str]) -> i32 {
    open_errors();
    initfs_files();
    dup_and_close();
    fcntl_flags();
    close_on_exec();
    descriptor_limit();
    clock_settime();
    userspace::check::finish()
}
