//! `t_fs`: descriptors and the initfs, debug and proc schemes: open errors (ENOENT,
//! EACCES), the initfs directory listing and a file's size, end of file, path and
//! read-only access, the initfs's `etc` directory and the files in it (ENOTDIR for a
//! file named with a trailing '/'); dup and dup2 (lowest free number, shared offset, replacing an open
//! descriptor, EBADF after close); fcntl (FD_CLOEXEC, the access mode, O_NONBLOCK,
//! F_DUPFD, unknown commands); close-on-exec across exec and spawn; the 1024-descriptor
//! limit (EMFILE); the console's writes, status and readiness; the proc handle.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use userspace::abi::proc::{PROC_EXIT, PROC_GETPID, PROC_KILL, PROC_SELF, PROC_SHUTDOWN, PROC_WAITPID};
use userspace::abi::syscall::{MODE_CHR, MODE_DIR, MODE_FILE};
use userspace::fs::{
    self, EVENT_READ, EVENT_WRITE, F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_ACCMODE, O_CLOEXEC,
    O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, STDOUT,
};
use userspace::{Errno, check, check_eq, check_err, check_ok, println, process};

userspace::entry!(main);

const HELPER: &str = "/scheme/initfs/t_helper";
const DEBUG: &str = "/scheme/debug";
const MANIFEST: &str = "/scheme/initfs/tests";
/// A file of the initfs that is surely longer than the offsets the dup checks use.
const BIG_FILE: &str = "/scheme/initfs/init";
/// The kernel's descriptor limit per process.
const MAX_FDS: usize = 1024;
/// The file type bits of `st_mode`.
const MODE_TYPE: u16 = 0xf000;

/// The path of `fd` as `fpath` reports it.
fn path_of(fd: usize) -> Option<String> {
    let mut buf = [0u8; 256];
    let n = check_ok!(fs::fpath(fd, &mut buf), "fpath({fd})")?;
    Some(String::from_utf8_lossy(&buf[..n.min(buf.len())]).into_owned())
}

/// `check_path!(fd, "/scheme/...", "message")`: checks the path `fpath` reports.
macro_rules! check_path {
    ($fd:expr, $expected:expr, $($msg:tt)+) => {{
        let path = path_of($fd);
        check_eq!(path.as_deref(), Some($expected), $($msg)+)
    }};
}

/// Whether `fd` is an open descriptor.
fn is_open(fd: usize) -> bool {
    fs::fcntl(fd, F_GETFD, 0).is_ok()
}

/// Reads exactly `n` bytes through `fd` (a short read is returned short).
fn read_n(fd: usize, n: usize) -> Vec<u8> {
    let mut buf = alloc::vec![0u8; n];
    let got = check_ok!(fs::read(fd, &mut buf), "read {n} bytes from fd {fd}").unwrap_or(0);
    buf.truncate(got);
    buf
}

fn open_errors() {
    println!("t_fs: open of a missing file, of a path outside /scheme/, of an unknown scheme: ENOENT");
    check_err!(fs::open("/scheme/initfs/no_such_file", O_RDONLY), Errno::ENOENT, "missing initfs file");
    check_err!(fs::open("/initfs/tests", O_RDONLY), Errno::ENOENT, "path without /scheme/");
    check_err!(fs::open("tests", O_RDONLY), Errno::ENOENT, "relative path");
    check_err!(fs::open("", O_RDONLY), Errno::ENOENT, "empty path");
    check_err!(fs::open("/scheme/", O_RDONLY), Errno::ENOENT, "/scheme/ with no scheme name");
    check_err!(fs::open("/scheme/no_such_scheme/x", O_RDONLY), Errno::ENOENT, "unknown scheme");
    check_err!(fs::open("/scheme/no_such_scheme", O_RDONLY), Errno::ENOENT, "unknown scheme, no sub-path");
    check_err!(fs::open("/scheme/proc/other", O_RDWR), Errno::ENOENT, "proc path other than self");
    println!("t_fs: the initfs is read-only: opening a file for writing is EACCES");
    check_err!(fs::open(MANIFEST, O_WRONLY), Errno::EACCES, "open the manifest O_WRONLY");
    check_err!(fs::open(MANIFEST, O_RDWR), Errno::EACCES, "open the manifest O_RDWR");
}

fn initfs_directory() {
    println!("t_fs: /scheme/initfs/ lists the files one per line and is a directory");
    let Some(dir) = check_ok!(fs::open("/scheme/initfs/", O_RDONLY), "open /scheme/initfs/") else { return };
    if let Some(stat) = check_ok!(fs::fstat(dir), "fstat of the directory") {
        check_eq!(stat.st_mode & MODE_TYPE, MODE_DIR, "type bits of the directory's st_mode {:#o}", stat.st_mode);
    }
    if let Some(listing) = check_ok!(fs::read_to_end(dir), "read the directory") {
        let text = core::str::from_utf8(&listing);
        check!(text.is_ok(), "the listing is UTF-8");
        let names: Vec<&str> = text.unwrap_or("").lines().collect();
        for name in ["init", "tests", "t_helper", "t_fs", "etc"] {
            check!(names.contains(&name), "the listing names {name:?}: {names:?}");
        }
        check!(names.iter().all(|n| !n.is_empty() && !n.contains('/')), "every line is one file name: {names:?}");
        check!(listing.ends_with(b"\n"), "the last name ends with a newline");
    }
    let path = path_of(dir);
    check!(matches!(path.as_deref(), Some("/scheme/initfs" | "/scheme/initfs/")), "fpath of the directory: {path:?}");
    check_err!(fs::write(dir, b"x"), Errno::EBADF, "write to the directory opened read-only");
    check_ok!(fs::close(dir), "close the directory");
}

fn initfs_subdirectory() {
    println!("t_fs: /scheme/initfs/etc is a directory listing passwd and group, etc/passwd a file in it");
    for path in ["/scheme/initfs/etc", "/scheme/initfs/etc/"] {
        let Some(dir) = check_ok!(fs::open(path, O_RDONLY), "open {path}") else { continue };
        if let Some(stat) = check_ok!(fs::fstat(dir), "fstat of {path}") {
            check_eq!(stat.st_mode & MODE_TYPE, MODE_DIR, "type bits of {path}'s st_mode {:#o}", stat.st_mode);
        }
        if let Some(listing) = check_ok!(fs::read_to_end(dir), "read {path}") {
            let text = core::str::from_utf8(&listing).unwrap_or("");
            let names: Vec<&str> = text.lines().collect();
            check!(names.contains(&"passwd") && names.contains(&"group"), "{path} lists passwd and group: {names:?}");
            check!(names.iter().all(|n| !n.is_empty() && !n.contains('/')), "one name per line: {names:?}");
        }
        check_path!(dir, "/scheme/initfs/etc", "fpath of {path}");
        check_err!(fs::write(dir, b"x"), Errno::EBADF, "write to {path} opened read-only");
        check_ok!(fs::close(dir), "close {path}");
    }
    const PASSWD: &str = "/scheme/initfs/etc/passwd";
    if let Some(fd) = check_ok!(fs::open(PASSWD, O_RDONLY), "open {PASSWD}") {
        if let Some(stat) = check_ok!(fs::fstat(fd), "fstat of {PASSWD}") {
            check_eq!(stat.st_mode & MODE_TYPE, MODE_FILE, "type bits of {PASSWD}'s st_mode {:#o}", stat.st_mode);
        }
        let data = check_ok!(fs::read_to_end(fd), "read {PASSWD}").unwrap_or_default();
        check!(data.starts_with(b"root:x:0:0:"), "{PASSWD} begins with root's entry");
        check_path!(fd, PASSWD, "fpath of {PASSWD}");
        check_ok!(fs::close(fd), "close {PASSWD}");
    }
    check_err!(fs::open("/scheme/initfs/etc/passwd/", O_RDONLY), Errno::ENOTDIR, "a file with a trailing '/'");
    check_err!(fs::open("/scheme/initfs/etc/no_such_file", O_RDONLY), Errno::ENOENT, "missing file in etc");
    check_err!(fs::open("/scheme/initfs/et", O_RDONLY), Errno::ENOENT, "a part of a directory's name");
    check_err!(fs::open("/scheme/initfs/etc/passwd", O_WRONLY), Errno::EACCES, "etc/passwd for writing");
}

fn initfs_file() {
    println!("t_fs: /scheme/initfs/tests: fstat size = bytes read to EOF, EOF stays 0, fpath, write is EBADF");
    let Some(fd) = check_ok!(fs::open(MANIFEST, O_RDONLY), "open {MANIFEST}") else { return };
    let stat = check_ok!(fs::fstat(fd), "fstat of the manifest");
    if let Some(stat) = stat {
        check_eq!(stat.st_mode & MODE_TYPE, MODE_FILE, "type bits of the manifest's st_mode {:#o}", stat.st_mode);
    }
    // Read in small pieces, so that end of file is reached through several reads.
    let mut data = Vec::new();
    let mut chunk = [0u8; 7];
    loop {
        match fs::read(fd, &mut chunk) {
            Ok(0) => break,
            Ok(n) => data.extend_from_slice(&chunk[..n]),
            Err(e) => {
                check!(false, "read of the manifest: error {e:?}");
                break;
            }
        }
    }
    if let Some(stat) = stat {
        check_eq!(stat.st_size, data.len() as u64, "st_size against the bytes read to end of file");
    }
    let text = core::str::from_utf8(&data).unwrap_or("");
    check!(text.lines().any(|l| l.split_whitespace().next() == Some("t_fs")), "the manifest lists t_fs: {text:?}");
    check_eq!(fs::read(fd, &mut chunk), Ok(0), "a read at end of file");
    check_eq!(fs::read(fd, &mut chunk), Ok(0), "a second read at end of file");
    check_path!(fd, MANIFEST, "fpath of the manifest");
    check_err!(fs::write(fd, b"x"), Errno::EBADF, "write to a file opened O_RDONLY");
    check_eq!(fs::fevent(fd, EVENT_READ), Ok(EVENT_READ), "fevent(EVENT_READ) on an initfs file");

    println!("t_fs: two opens of one file have independent offsets");
    if let Some(other) = check_ok!(fs::open(MANIFEST, 0), "open the manifest with no access mode") {
        check_eq!(fs::fcntl(other, F_GETFL, 0).map(|f| f & O_ACCMODE), Ok(O_RDONLY), "no access mode means read-only");
        let head = read_n(other, 3);
        check_eq!(head.as_slice(), &data[..3.min(data.len())], "a fresh open reads from offset 0");
        check_ok!(fs::close(other), "close");
    }
    check_ok!(fs::close(fd), "close the manifest");
}

fn dup_rules() {
    println!("t_fs: dup takes the lowest free descriptor and shares the offset");
    let Some(reference) = check_ok!(fs::open(BIG_FILE, O_RDONLY), "open {BIG_FILE}") else { return };
    let content = read_n(reference, 64);
    let _ = fs::close(reference);
    if !check_eq!(content.len(), 64, "bytes read from the start of {BIG_FILE}") {
        return;
    }
    let Some(a) = check_ok!(fs::open(BIG_FILE, O_RDONLY), "open {BIG_FILE}") else { return };
    // Make a hole: the lowest free number is then `hole`.
    let (Some(hole), Some(above)) =
        (check_ok!(fs::open(DEBUG, O_WRONLY), "open debug"), check_ok!(fs::open(DEBUG, O_WRONLY), "open debug"))
    else {
        return;
    };
    check_ok!(fs::close(hole), "close the hole");
    let Some(b) = check_ok!(fs::dup(a), "dup") else { return };
    check_eq!(b, hole, "dup's descriptor is the lowest free one");
    check_eq!(read_n(a, 3), &content[0..3], "3 bytes through the original");
    check_eq!(read_n(b, 3), &content[3..6], "the next read through the duplicate continues");
    check_eq!(read_n(a, 3), &content[6..9], "and the original continues after it");
    check_path!(b, BIG_FILE, "fpath of the duplicate");

    println!("t_fs: a forked child shares the offset too");
    let child = process::fork_run(move || {
        let mut buf = [0u8; 3];
        match fs::read(b, &mut buf) {
            Ok(3) => 0,
            _ => 1,
        }
    });
    if let Some(pid) = check_ok!(child, "fork") {
        check_eq!(process::wait_for(pid).map(|s| s.exited()), Ok(Some(0)), "the child read 3 bytes");
        check_eq!(read_n(a, 3), &content[12..15], "the parent's next read follows the child's");
    }

    println!("t_fs: dup2 onto an open descriptor replaces it and clears its FD_CLOEXEC");
    if let Some(d) = check_ok!(fs::open(DEBUG, O_WRONLY | O_CLOEXEC), "open debug O_CLOEXEC") {
        check_path!(d, DEBUG, "fpath before dup2");
        check_eq!(fs::dup2(a, d), Ok(d), "dup2 onto an open descriptor");
        check_path!(d, BIG_FILE, "fpath after dup2");
        check_eq!(fs::fcntl(d, F_GETFD, 0), Ok(0), "dup2's descriptor is not close-on-exec");
        check_eq!(read_n(d, 3), &content[15..18], "dup2's descriptor shares the offset");
        check_ok!(fs::close(d), "close the dup2 target");
    }
    println!("t_fs: dup2(fd, fd) returns fd and changes nothing; bad descriptors are EBADF");
    check_ok!(fs::fcntl(a, F_SETFD, FD_CLOEXEC), "F_SETFD FD_CLOEXEC");
    check_eq!(fs::dup2(a, a), Ok(a), "dup2(fd, fd)");
    check_eq!(fs::fcntl(a, F_GETFD, 0), Ok(FD_CLOEXEC), "dup2(fd, fd) keeps FD_CLOEXEC");
    check_eq!(fs::fcntl(b, F_GETFD, 0), Ok(0), "dup's descriptor is not close-on-exec");
    check_err!(fs::dup2(a, MAX_FDS), Errno::EBADF, "dup2 onto a number at the limit");
    check_err!(fs::dup2(a, usize::MAX - 1), Errno::EBADF, "dup2 onto a huge number");

    println!("t_fs: close then use is EBADF; a second close is EBADF; the other descriptor lives on");
    check_ok!(fs::close(b), "close the duplicate");
    check_err!(fs::read(b, &mut [0u8; 4]), Errno::EBADF, "read of a closed descriptor");
    check_err!(fs::write(b, b"x"), Errno::EBADF, "write to a closed descriptor");
    check_err!(fs::fstat(b), Errno::EBADF, "fstat of a closed descriptor");
    check_err!(fs::fpath(b, &mut [0u8; 16]), Errno::EBADF, "fpath of a closed descriptor");
    check_err!(fs::fevent(b, EVENT_READ), Errno::EBADF, "fevent of a closed descriptor");
    check_err!(fs::fcntl(b, F_GETFD, 0), Errno::EBADF, "fcntl of a closed descriptor");
    check_err!(fs::dup(b), Errno::EBADF, "dup of a closed descriptor");
    check_err!(fs::dup2(b, above), Errno::EBADF, "dup2 from a closed descriptor");
    check_path!(above, DEBUG, "a failed dup2 leaves the target alone");
    check_err!(fs::close(b), Errno::EBADF, "second close");
    check_err!(fs::close(MAX_FDS + 5), Errno::EBADF, "close of a number beyond the table");
    check_eq!(read_n(a, 3), &content[18..21], "the original still reads after the duplicate closed");
    check_ok!(fs::close(a), "close");
    check_ok!(fs::close(above), "close");
}

fn fcntl_rules() {
    println!("t_fs: F_GETFD/F_SETFD with FD_CLOEXEC");
    let Some(a) = check_ok!(fs::open(MANIFEST, O_RDONLY), "open the manifest") else { return };
    check_eq!(fs::fcntl(a, F_GETFD, 0), Ok(0), "a new descriptor is not close-on-exec");
    check_eq!(fs::fcntl(a, F_SETFD, FD_CLOEXEC), Ok(0), "F_SETFD FD_CLOEXEC");
    check_eq!(fs::fcntl(a, F_GETFD, 0), Ok(FD_CLOEXEC), "F_GETFD after setting");
    check_eq!(fs::fcntl(a, F_SETFD, 0), Ok(0), "F_SETFD 0");
    check_eq!(fs::fcntl(a, F_GETFD, 0), Ok(0), "F_GETFD after clearing");

    println!("t_fs: F_GETFL shows the access mode");
    check_eq!(fs::fcntl(a, F_GETFL, 0), Ok(O_RDONLY), "F_GETFL of an O_RDONLY descriptor");
    let w = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug O_WRONLY");
    let rw = check_ok!(fs::open(DEBUG, O_RDWR | O_NONBLOCK), "open debug O_RDWR | O_NONBLOCK");
    if let Some(w) = w {
        check_eq!(fs::fcntl(w, F_GETFL, 0), Ok(O_WRONLY), "F_GETFL of an O_WRONLY descriptor");
    }
    if let Some(rw) = rw {
        check_eq!(fs::fcntl(rw, F_GETFL, 0), Ok(O_RDWR | O_NONBLOCK), "F_GETFL of O_RDWR | O_NONBLOCK");
    }

    println!("t_fs: F_SETFL sets O_NONBLOCK on the description but cannot change the access mode");
    check_eq!(fs::fcntl(a, F_SETFL, O_NONBLOCK), Ok(0), "F_SETFL O_NONBLOCK");
    check_eq!(fs::fcntl(a, F_GETFL, 0), Ok(O_RDONLY | O_NONBLOCK), "F_GETFL after F_SETFL O_NONBLOCK");
    if let Some(d) = check_ok!(fs::dup(a), "dup") {
        check_eq!(fs::fcntl(d, F_GETFL, 0), Ok(O_RDONLY | O_NONBLOCK), "a duplicate shares the status flags");
        check_ok!(fs::close(d), "close");
    }
    check_eq!(fs::fcntl(a, F_SETFL, O_RDWR | O_NONBLOCK), Ok(0), "F_SETFL O_RDWR | O_NONBLOCK");
    check_eq!(fs::fcntl(a, F_GETFL, 0), Ok(O_RDONLY | O_NONBLOCK), "the access mode stayed O_RDONLY");
    check_err!(fs::write(a, b"x"), Errno::EBADF, "write after trying to make the descriptor O_RDWR");
    check_eq!(fs::fcntl(a, F_SETFL, 0), Ok(0), "F_SETFL 0");
    check_eq!(fs::fcntl(a, F_GETFL, 0), Ok(O_RDONLY), "F_SETFL 0 clears O_NONBLOCK");
    if let Some(w) = w {
        check_eq!(fs::fcntl(w, F_SETFL, O_RDONLY), Ok(0), "F_SETFL O_RDONLY on an O_WRONLY descriptor");
        check_eq!(fs::fcntl(w, F_GETFL, 0), Ok(O_WRONLY), "the access mode stayed O_WRONLY");
        check_eq!(fs::write(w, b""), Ok(0), "the descriptor still writes");
    }

    println!("t_fs: F_DUPFD takes the lowest free descriptor at or above its argument, not close-on-exec");
    check_ok!(fs::fcntl(a, F_SETFD, FD_CLOEXEC), "F_SETFD FD_CLOEXEC");
    let first = check_ok!(fs::fcntl(a, F_DUPFD, 100), "F_DUPFD 100");
    check_eq!(first, Some(100), "F_DUPFD 100 with 100 free");
    let second = check_ok!(fs::fcntl(a, F_DUPFD, 100), "F_DUPFD 100 again");
    check_eq!(second, Some(101), "F_DUPFD 100 with 100 taken");
    if let Some(first) = first {
        check_eq!(fs::fcntl(first, F_GETFD, 0), Ok(0), "F_DUPFD's descriptor is not close-on-exec");
        check_path!(first, MANIFEST, "F_DUPFD's descriptor names the same file");
    }
    let low = check_ok!(fs::fcntl(a, F_DUPFD, 0), "F_DUPFD 0");
    let probe = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug");
    if let (Some(low), Some(probe)) = (low, probe) {
        check!(low < probe && low < 100, "F_DUPFD 0 took the lowest free descriptor ({low}, next free {probe})");
    }
    // POSIX and Linux: F_DUPFD with an argument at or above the descriptor limit is EINVAL
    // (EMFILE is for "no free descriptor at or above arg" below the limit).
    check_err!(fs::fcntl(a, F_DUPFD, MAX_FDS), Errno::EINVAL, "F_DUPFD with arg = the limit (1024)");
    for fd in [first, second, low, probe].into_iter().flatten() {
        check_ok!(fs::close(fd), "close {fd}");
    }

    println!("t_fs: an unknown fcntl command is EINVAL; fcntl of a closed descriptor is EBADF");
    check_err!(fs::fcntl(a, 999, 0), Errno::EINVAL, "fcntl command 999");
    check_ok!(fs::close(a), "close");
    check_err!(fs::fcntl(a, F_GETFL, 0), Errno::EBADF, "F_GETFL of a closed descriptor");
    check_err!(fs::fcntl(a, F_SETFD, FD_CLOEXEC), Errno::EBADF, "F_SETFD of a closed descriptor");
    check_err!(fs::fcntl(a, F_SETFL, O_NONBLOCK), Errno::EBADF, "F_SETFL of a closed descriptor");
    check_err!(fs::fcntl(a, F_DUPFD, 0), Errno::EBADF, "F_DUPFD of a closed descriptor");
    for fd in [w, rw].into_iter().flatten() {
        check_ok!(fs::close(fd), "close {fd}");
    }
}

/// Runs `t_helper fd-open FD` in a forked child after exec; returns its exit code (or
/// 10 if the descriptor was already closed before the exec, 100 + errno if exec failed).
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

/// Runs `t_helper fd-open FD` as a spawned child; returns its exit code.
fn fd_open_after_spawn(fd: usize) -> Option<u8> {
    let arg = format!("{fd}");
    let pid = check_ok!(process::spawn(HELPER, &["t_helper", "fd-open", &arg], &[]), "spawn")?;
    check_ok!(process::wait_for(pid), "wait for the spawned child").and_then(|s| s.exited())
}

fn close_on_exec() {
    println!("t_fs: open with O_CLOEXEC sets FD_CLOEXEC; a duplicate of it does not have it");
    let keep = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug");
    let gone = check_ok!(fs::open(DEBUG, O_WRONLY | O_CLOEXEC), "open debug O_CLOEXEC");
    let gone_setfd = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug");
    let (Some(keep), Some(gone), Some(gone_setfd)) = (keep, gone, gone_setfd) else { return };
    check_eq!(fs::fcntl(gone, F_GETFD, 0), Ok(FD_CLOEXEC), "F_GETFD of a descriptor opened with O_CLOEXEC");
    check_ok!(fs::fcntl(gone_setfd, F_SETFD, FD_CLOEXEC), "F_SETFD FD_CLOEXEC");
    let dup_of_gone = check_ok!(fs::dup(gone), "dup of the O_CLOEXEC descriptor");
    if let Some(d) = dup_of_gone {
        check_eq!(fs::fcntl(d, F_GETFD, 0), Ok(0), "the duplicate of an O_CLOEXEC descriptor");
    }

    println!("t_fs: after fork and exec, FD_CLOEXEC descriptors are closed and the others stay open");
    check_eq!(fd_open_after_exec(keep), Some(0), "descriptor {keep} without FD_CLOEXEC after exec");
    check_eq!(fd_open_after_exec(gone), Some(1), "descriptor {gone} opened with O_CLOEXEC after exec");
    check_eq!(fd_open_after_exec(gone_setfd), Some(1), "descriptor {gone_setfd} with F_SETFD FD_CLOEXEC after exec");
    if let Some(d) = dup_of_gone {
        check_eq!(fd_open_after_exec(d), Some(0), "the duplicate {d} of an O_CLOEXEC descriptor after exec");
    }
    println!("t_fs: a spawned child gets the descriptors without FD_CLOEXEC only");
    check_eq!(fd_open_after_spawn(keep), Some(0), "descriptor {keep} without FD_CLOEXEC in a spawned child");
    check_eq!(fd_open_after_spawn(gone), Some(1), "descriptor {gone} with FD_CLOEXEC in a spawned child");
    println!("t_fs: the parent's descriptors are unaffected");
    check!(is_open(keep) && is_open(gone) && is_open(gone_setfd), "the parent still has all three");
    for fd in [Some(keep), Some(gone), Some(gone_setfd), dup_of_gone].into_iter().flatten() {
        check_ok!(fs::close(fd), "close {fd}");
    }
    check_eq!(fd_open_after_spawn(keep), Some(1), "a descriptor the parent closed, in a spawned child");
}

fn descriptor_limit() {
    println!("t_fs: opening /scheme/debug repeatedly ends in EMFILE at {MAX_FDS} descriptors");
    let mut fds: Vec<usize> = Vec::with_capacity(MAX_FDS + 16);
    let mut error = None;
    for _ in 0..MAX_FDS + 16 {
        match fs::open(DEBUG, O_WRONLY) {
            Ok(fd) => fds.push(fd),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    check_eq!(error, Some(Errno::EMFILE), "the error that ended the opens (after {} opens)", fds.len());
    let open_now = (0..MAX_FDS + 8).filter(|&fd| is_open(fd)).count();
    check_eq!(open_now, MAX_FDS, "descriptors open when the table is full");
    check_eq!(fds.iter().max().copied(), Some(MAX_FDS - 1), "the highest descriptor opened");
    if let Some(&first) = fds.first() {
        check_err!(fs::dup(first), Errno::EMFILE, "dup with a full table");
        check_err!(fs::fcntl(first, F_DUPFD, 0), Errno::EMFILE, "F_DUPFD with a full table");
        check_err!(fs::open(MANIFEST, O_RDONLY), Errno::EMFILE, "open of another scheme with a full table");
    }
    if fds.len() > 2 {
        println!("t_fs: closing one makes the next open succeed, on that number");
        let victim = fds.remove(fds.len() / 2);
        check_ok!(fs::close(victim), "close {victim}");
        let reopened = check_ok!(fs::open(DEBUG, O_WRONLY), "open after closing one");
        check_eq!(reopened, Some(victim), "the reopened descriptor");
        if let Some(fd) = reopened {
            fds.push(fd);
        }
        check_err!(fs::open(DEBUG, O_WRONLY), Errno::EMFILE, "the open after that");
    }
    let mut close_errors = 0;
    for fd in fds.drain(..) {
        if fs::close(fd).is_err() {
            close_errors += 1;
        }
    }
    check_eq!(close_errors, 0, "failed closes while cleaning up");
    if let Some(fd) = check_ok!(fs::open(DEBUG, O_WRONLY), "open after cleaning up") {
        check!(fd < 16, "the table is back to a few descriptors (got {fd})");
        check_ok!(fs::close(fd), "close");
    }
}

fn debug_scheme() {
    println!("t_fs: writes to fd 1 return the full length; fd 1 is a character device named /scheme/debug");
    let line = b"t_fs: this line was written with one write(1, ...) call\n";
    check_eq!(fs::write(STDOUT, line), Ok(line.len()), "write of a line to fd 1");
    let mut long = [b'.'; 300];
    long[..6].copy_from_slice(b"t_fs: ");
    long[299] = b'\n';
    check_eq!(fs::write(STDOUT, &long), Ok(long.len()), "write of 300 bytes to fd 1");
    check_eq!(fs::write(STDOUT, b""), Ok(0), "an empty write");
    if let Some(stat) = check_ok!(fs::fstat(STDOUT), "fstat(1)") {
        check_eq!(stat.st_mode & MODE_TYPE, MODE_CHR, "type bits of fd 1's st_mode {:#o}", stat.st_mode);
    }
    check_path!(STDOUT, DEBUG, "fpath(1)");

    println!("t_fs: fevent on the console reports EVENT_WRITE and EVENT_READ (a read gives end of file at once)");
    check_eq!(fs::fevent(STDOUT, EVENT_WRITE), Ok(EVENT_WRITE), "fevent(1, EVENT_WRITE)");
    let both = EVENT_READ | EVENT_WRITE;
    check_eq!(fs::fevent(STDOUT, both), Ok(both), "fevent(1, EVENT_READ | EVENT_WRITE)");
    check_eq!(fs::fevent(STDOUT, EVENT_READ), Ok(EVENT_READ), "fevent(1, EVENT_READ)");

    println!("t_fs: the console has no input; its access modes are enforced");
    if let Some(r) = check_ok!(fs::open(DEBUG, O_RDONLY), "open debug O_RDONLY") {
        check_eq!(fs::read(r, &mut [0u8; 8]), Ok(0), "read of the console");
        check_err!(fs::write(r, b"x"), Errno::EBADF, "write to a console opened O_RDONLY");
        check_ok!(fs::close(r), "close");
    }
    if let Some(w) = check_ok!(fs::open(DEBUG, O_WRONLY), "open debug O_WRONLY") {
        check_err!(fs::read(w, &mut [0u8; 8]), Errno::EBADF, "read of a console opened O_WRONLY");
        check_ok!(fs::close(w), "close");
    }
}

fn proc_scheme() {
    println!("t_fs: a /scheme/proc/self handle: path, status, calls");
    let Some(p) = check_ok!(fs::open(PROC_SELF, O_RDWR), "open {PROC_SELF}") else { return };
    check_path!(p, PROC_SELF, "fpath of the proc handle");
    if let Some(stat) = check_ok!(fs::fstat(p), "fstat of the proc handle") {
        check_eq!(stat.st_mode & MODE_TYPE, MODE_CHR, "type bits of the proc handle's st_mode {:#o}", stat.st_mode);
    }
    check_eq!(fs::call(p, &mut [], 0, &[PROC_GETPID]), Ok(process::getpid()), "PROC_GETPID through a new handle");
    check_err!(fs::call(p, &mut [], 0, &[999]), Errno::EINVAL, "an unknown proc operation");
    // Each operation takes exactly its metadata words: a missing one is never read as 0.
    check_err!(fs::call(p, &mut [], 0, &[]), Errno::EINVAL, "no metadata words");
    check_err!(fs::call(p, &mut [], 0, &[PROC_GETPID, 0]), Errno::EINVAL, "PROC_GETPID with two words");
    check_err!(fs::call(p, &mut [], 0, &[PROC_EXIT]), Errno::EINVAL, "PROC_EXIT without its status");
    check_err!(fs::call(p, &mut [], 0, &[PROC_KILL, 1]), Errno::EINVAL, "PROC_KILL without its signal");
    check_err!(fs::call(p, &mut [], 0, &[PROC_WAITPID, u64::MAX]), Errno::EINVAL, "PROC_WAITPID, two words");
    check_err!(fs::call(p, &mut [], 0, &[PROC_SHUTDOWN]), Errno::EINVAL, "PROC_SHUTDOWN without its status");
    check_err!(
        fs::call(p, &mut [], 1 << 8, &[PROC_GETPID]),
        Errno::EINVAL,
        "SYS_CALL with a flag bit it does not take (CONSUME)"
    );
    check_err!(
        fs::call(p, &mut [], 1 << 11, &[PROC_GETPID]),
        Errno::EINVAL,
        "SYS_CALL with a flag bit it does not take (FD)"
    );
    check_err!(fs::read(p, &mut [0u8; 8]), Errno::EBADF, "read of the proc handle");
    if let Some(f) = check_ok!(fs::open(MANIFEST, O_RDONLY), "open the manifest") {
        check_err!(fs::call(f, &mut [], 0, &[1]), Errno::EOPNOTSUPP, "SYS_CALL on an initfs file");
        check_ok!(fs::close(f), "close");
    }
    check_ok!(fs::close(p), "close the proc handle");
}

fn main(_args: &[&str]) -> i32 {
    open_errors();
    initfs_directory();
    initfs_subdirectory();
    initfs_file();
    dup_rules();
    fcntl_rules();
    close_on_exec();
    descriptor_limit();
    debug_scheme();
    proc_scheme();
    userspace::check::finish()
}
