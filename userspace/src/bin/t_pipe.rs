//! `t_pipe`: pipes (`SYS_PIPE2`, `/scheme/pipe`) with pipe(7)'s rules, across fork: the
//! two ends and their modes, flags and fstat's FIFO; `EINVAL` for unknown flags and
//! `EFAULT` for a bad `fds` with no descriptor left behind; a reader asleep on an empty
//! pipe woken by a writer in another process; end of file once the last writer closes,
//! exits or is killed; `EPIPE` and `SIGPIPE` (killed by default, `EPIPE` when ignored or
//! handled, pending when blocked), also for a writer asleep on a full pipe; `PIPE_BUF`
//! writes from several processes never interleaved and a large write arriving whole;
//! `O_NONBLOCK` (`EAGAIN` both ways, partial large writes, `F_SETFL` per description);
//! `EINTR` for sleeping reads and writes (a count for a large write cut short), and
//! sleepers ended by SIGKILL and by their process's exit; readiness through
//! `/scheme/event` and `fevent`; and the kernel's free frame count unchanged afterwards.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use userspace::abi::syscall::{
    EVENT_ERR, EVENT_HUP, Event, MODE_FIFO, O_CREAT, O_RDWR, PIPE_BUF, PIPE_CAPACITY, SYS_PIPE2,
};
use userspace::fs::{
    self, EVENT_READ, EVENT_WRITE, F_GETFD, F_GETFL, F_SETFL, FD_CLOEXEC, O_ACCMODE, O_CLOEXEC, O_NONBLOCK, O_RDONLY,
    O_WRONLY, bytes_of, bytes_of_mut,
};
use userspace::mm::{self, PROT_READ};
use userspace::process::{self, Status, WNOHANG};
use userspace::signal::{self, SIG_BLOCK, SIGKILL, SIGPIPE, SIGUSR1, bit};
use userspace::{Errno, Result, check, check_eq, check_err, check_ok, println, thread, time};

userspace::entry!(main);

/// A pipe, or a failed check and `None`.
fn pipe(flags: usize) -> Option<(usize, usize)> {
    check_ok!(fs::pipe2(flags), "pipe2({flags:#x})").map(|[r, w]| (r, w))
}

fn close(fds: &[usize]) {
    for &fd in fds {
        let _ = fs::close(fd);
    }
}

/// Waits up to `ms` for child `pid`; kills it if it is still running then (a sleeper
/// that was never woken) and reports `None`.
fn wait_within(pid: usize, ms: u64) -> Option<Status> {
    let start = time::monotonic_ns();
    loop {
        match process::waitpid(pid as isize, WNOHANG) {
            Ok((0, _)) | Err(Errno::EINTR) => {}
            Ok((_, status)) => return Some(status),
            Err(e) => {
                check!(false, "waitpid({pid}): {e:?}");
                return None;
            }
        }
        if time::elapsed_ms(start) > ms {
            check!(false, "child {pid} still runs after {ms} ms: killed");
            let _ = process::kill(pid, SIGKILL);
            let _ = process::wait_for(pid);
            return None;
        }
        let _ = time::sleep_ms(2);
    }
}

/// Runs `f` in a fork child; its exit status (`100 + signo` if a signal killed it).
fn in_child(what: &str, f: impl FnOnce() -> i32) -> Option<i32> {
    let pid = check_ok!(process::fork_run(f), "fork for {what}")?;
    let status = wait_within(pid, 10_000)?;
    status.exited().map(i32::from).or(status.signaled().map(|s| 100 + i32::from(s)))
}

/// Forks a child that writes one byte to `ready`'s write end just before running `f` (a
/// call expected to sleep), then waits until the byte arrives and a little longer, so the
/// child is asleep in `f` when this returns its pid.
fn child_asleep(what: &str, f: impl FnOnce() -> i32) -> Option<usize> {
    let (ready_r, ready_w) = pipe(0)?;
    let pid = check_ok!(
        process::fork_run(move || {
            let _ = fs::write(ready_w, b"!");
            f()
        }),
        "fork for {what}"
    );
    let mut byte = [0u8];
    check_eq!(fs::read(ready_r, &mut byte), Ok(1), "{what}: the child is about to sleep");
    close(&[ready_r, ready_w]);
    let _ = time::sleep_ms(30);
    pid
}

/// Fills `w` (non-blocking for the moment) to capacity; returns the bytes written.
fn fill(w: usize) -> usize {
    let flags = fs::fcntl(w, F_GETFL, 0).unwrap_or(0);
    let _ = fs::fcntl(w, F_SETFL, flags | O_NONBLOCK);
    let chunk = [0x5a_u8; PIPE_BUF];
    let mut total = 0;
    // Whole PIPE_BUF writes, then ever smaller ones for the last bytes (each is atomic).
    let mut size = PIPE_BUF;
    while size > 0 {
        match fs::write(w, &chunk[..size]) {
            Ok(n) => total += n,
            Err(_) => size /= 2,
        }
    }
    let _ = fs::fcntl(w, F_SETFL, flags);
    total
}

fn ends_and_flags() {
    println!("t_pipe: the two ends, their modes and flags, fstat's FIFO");
    let Some((r, w)) = pipe(0) else { return };
    check!(r != w, "two descriptors");
    check_eq!(fs::write(w, b"hello"), Ok(5), "write");
    let mut buf = [0u8; 16];
    check_eq!(fs::read(r, &mut buf), Ok(5), "read what was written");
    check_eq!(&buf[..5], b"hello", "the bytes");
    check_eq!(fs::fcntl(r, F_GETFL, 0).map(|f| f & (O_ACCMODE | O_NONBLOCK)), Ok(O_RDONLY), "read end O_RDONLY");
    check_eq!(fs::fcntl(w, F_GETFL, 0).map(|f| f & (O_ACCMODE | O_NONBLOCK)), Ok(O_WRONLY), "write end O_WRONLY");
    check_eq!(fs::fcntl(r, F_GETFD, 0), Ok(0), "no FD_CLOEXEC by default");
    check_err!(fs::read(w, &mut buf), Errno::EBADF, "read of the write end");
    check_err!(fs::write(r, b"x"), Errno::EBADF, "write to the read end");
    check_eq!(fs::read(r, &mut []), Ok(0), "a read of 0 bytes does not block");
    check_eq!(fs::write(w, &[]), Ok(0), "a write of 0 bytes");
    let (rs, ws) = (fs::fstat(r), fs::fstat(w));
    if let (Some(rs), Some(ws)) = (check_ok!(rs, "fstat read end"), check_ok!(ws, "fstat write end")) {
        check_eq!(rs.st_mode & 0xf000, MODE_FIFO, "S_IFIFO");
        check_eq!(rs.st_mode & 0o777, 0o600, "mode 0600");
        check_eq!((rs.st_dev, rs.st_ino), (ws.st_dev, ws.st_ino), "both ends are one file");
        check_eq!(rs.st_size, 0, "st_size 0, as Linux");
    }
    let mut path = [0u8; 64];
    let n = fs::fpath(r, &mut path).unwrap_or(0);
    check!(path[..n].starts_with(b"/scheme/pipe/"), "fpath under /scheme/pipe/");
    check_err!(fs::open("/scheme/pipe", O_RDWR), Errno::ENOENT, "a pipe cannot be opened by path");
    close(&[r, w]);

    if let Some((r, w)) = pipe(O_CLOEXEC) {
        check_eq!(fs::fcntl(r, F_GETFD, 0), Ok(FD_CLOEXEC), "O_CLOEXEC: read end FD_CLOEXEC");
        check_eq!(fs::fcntl(w, F_GETFD, 0), Ok(FD_CLOEXEC), "O_CLOEXEC: write end FD_CLOEXEC");
        check!(fs::fcntl(r, F_GETFL, 0).is_ok_and(|f| f & O_NONBLOCK == 0), "O_CLOEXEC alone: blocking");
        close(&[r, w]);
    }
    if let Some((r, w)) = pipe(O_NONBLOCK | O_CLOEXEC) {
        check!(fs::fcntl(r, F_GETFL, 0).is_ok_and(|f| f & O_NONBLOCK != 0), "O_NONBLOCK on the read end");
        check!(fs::fcntl(w, F_GETFL, 0).is_ok_and(|f| f & O_NONBLOCK != 0), "O_NONBLOCK on the write end");
        close(&[r, w]);
    }
    check_err!(fs::pipe2(O_CREAT), Errno::EINVAL, "pipe2 with O_CREAT");
    check_err!(fs::pipe2(O_RDWR), Errno::EINVAL, "pipe2 with an access mode");
    check_err!(fs::pipe2(1), Errno::EINVAL, "pipe2 with flag bit 0");
}

fn bad_pointer() {
    println!("t_pipe: a bad fds pointer is EFAULT and leaves no descriptor behind");
    let lowest = |what: &str| {
        let fd = check_ok!(fs::dup(0), "dup ({what})").unwrap_or(0);
        let _ = fs::close(fd);
        fd
    };
    let before = lowest("before");
    let read_only = check_ok!(mm::map_anonymous(mm::PAGE_SIZE, PROT_READ), "map a read-only page").unwrap_or(1);
    for (addr, what) in [
        (1, "address 1"),
        (0xffff_8000_0000_0000, "a kernel address"),
        (0x7000_0000_0000, "an unmapped address"),
        (0x7fff_ffff_fff8, "a range past the end of user space"),
        (read_only, "a read-only page"),
    ] {
        // SAFETY: the kernel must refuse each address without writing anything.
        let result = unsafe { userspace::syscall::syscall2(SYS_PIPE2, addr, 0) };
        check_err!(result, Errno::EFAULT, "pipe2 into {what}");
    }
    // SAFETY: a flag the kernel refuses before it looks at the pointer.
    let result = unsafe { userspace::syscall::syscall2(SYS_PIPE2, 1, O_CREAT) };
    check_err!(result, Errno::EINVAL, "unknown flags are checked before the pointer");
    check_eq!(lowest("after"), before, "the lowest free descriptor is the same");
}

fn reader_woken_by_other_process() {
    println!("t_pipe: a reader asleep on an empty pipe is woken by a writer in another process");
    let Some((r, w)) = pipe(0) else { return };
    let writer = process::fork_run(move || {
        let _ = fs::close(r);
        let _ = time::sleep_ms(50);
        i32::from(fs::write(w, b"ping") != Ok(4))
    });
    let start = time::monotonic_ns();
    let mut buf = [0u8; 16];
    check_eq!(fs::read(r, &mut buf), Ok(4), "the read returns the writer's bytes");
    check_eq!(&buf[..4], b"ping", "its bytes");
    check!(time::elapsed_ms(start) >= 40, "the read slept until the write ({} ms)", time::elapsed_ms(start));
    if let Some(pid) = check_ok!(writer, "fork the writer") {
        check_eq!(wait_within(pid, 5000).and_then(Status::exited), Some(0), "the writer");
    }
    close(&[r, w]);

    println!("t_pipe: a writer asleep on a full pipe is woken by a reader in another process");
    let Some((r, w)) = pipe(0) else { return };
    check_eq!(fill(w), PIPE_CAPACITY, "the pipe holds 64 KiB");
    let reader = process::fork_run(move || {
        let _ = time::sleep_ms(50);
        let mut chunk = vec![0u8; PIPE_BUF];
        i32::from(fs::read(r, &mut chunk) != Ok(PIPE_BUF))
    });
    check_eq!(fs::write(w, &[1u8; PIPE_BUF]), Ok(PIPE_BUF), "a PIPE_BUF write once PIPE_BUF bytes are read");
    if let Some(pid) = check_ok!(reader, "fork the reader") {
        check_eq!(wait_within(pid, 5000).and_then(Status::exited), Some(0), "the reader");
    }
    close(&[r, w]);
}

fn end_of_file() {
    println!("t_pipe: end of file once every write end is closed (shared across fork)");
    let Some((r, w)) = pipe(0) else { return };
    let child = process::fork_run(move || {
        let _ = fs::close(r);
        i32::from(fs::write(w, b"bye").is_err())
    });
    let Some(pid) = check_ok!(child, "fork") else { return };
    check_eq!(wait_within(pid, 5000).and_then(Status::exited), Some(0), "the writer exited");
    let _ = fs::fcntl(r, F_SETFL, O_NONBLOCK);
    let mut buf = [0u8; 8];
    check_eq!(fs::read(r, &mut buf), Ok(3), "its bytes are still there");
    check_err!(fs::read(r, &mut buf), Errno::EAGAIN, "no end of file while this process holds a write end");
    let _ = fs::close(w);
    check_eq!(fs::read(r, &mut buf), Ok(0), "end of file once the last write end is closed");
    check_eq!(fs::fevent(r, EVENT_READ), Ok(EVENT_READ), "end of file is readable");
    check_eq!(fs::fevent(r, EVENT_READ | EVENT_HUP | EVENT_ERR), Ok(EVENT_READ | EVENT_HUP), "and a hang-up");
    let _ = fs::close(r);

    for (how, kill) in [("exits", false), ("is killed", true)] {
        println!("t_pipe: a sleeping reader gets end of file when the last writer {how}");
        let Some((r, w)) = pipe(0) else { return };
        // The writer holds the write end until `go` reaches end of file (or it is killed).
        let Some((go_r, go_w)) = pipe(0) else { return };
        let Some(writer) = check_ok!(
            process::fork_run(move || {
                close(&[r, go_w]);
                let _ = fs::read(go_r, &mut [0u8]);
                0
            }),
            "fork the writer"
        ) else {
            return;
        };
        close(&[w, go_r]);
        let reader = child_asleep("the reader", move || {
            let _ = fs::close(go_w);
            let mut buf = [0u8; 8];
            match fs::read(r, &mut buf) {
                Ok(0) => 0,
                _ => 1,
            }
        });
        if kill {
            check_ok!(process::kill(writer, SIGKILL), "SIGKILL the writer");
        }
        let _ = fs::close(go_w);
        let status = wait_within(writer, 5000);
        let expected = if kill { (None, Some(SIGKILL)) } else { (Some(0), None) };
        check_eq!(status.map_or((None, None), |s| (s.exited(), s.signaled())), expected, "the writer's end");
        if let Some(pid) = reader {
            check_eq!(wait_within(pid, 5000).and_then(Status::exited), Some(0), "the reader read end of file");
        }
        let _ = fs::close(r);
    }
}

static HANDLED: AtomicU32 = AtomicU32::new(0);

extern "C" fn count_signal(_signo: i32) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

fn broken_pipe() {
    println!("t_pipe: a write with no reader: SIGPIPE kills by default");
    let broken = || {
        let Ok([r, w]) = fs::pipe2(0) else { return Err(Errno::EIO) };
        let _ = fs::close(r);
        fs::write(w, b"x")
    };
    let status = in_child("default SIGPIPE", move || i32::from(broken().is_ok()) + 10);
    check_eq!(status, Some(100 + i32::from(SIGPIPE)), "the child was killed by SIGPIPE");

    println!("t_pipe: with SIGPIPE ignored the write is EPIPE");
    let ignored = move || {
        let _ = signal::ignore(SIGPIPE);
        if broken() == Err(Errno::EPIPE) { 0 } else { 1 }
    };
    check_eq!(in_child("ignored SIGPIPE", ignored), Some(0), "EPIPE, and the child lives");

    println!("t_pipe: with a handler, the handler runs and the write is EPIPE");
    let handled = move || {
        HANDLED.store(0, Ordering::SeqCst);
        let _ = signal::set_handler(SIGPIPE, count_signal);
        let result = broken();
        if result != Err(Errno::EPIPE) {
            return 1;
        }
        if HANDLED.load(Ordering::SeqCst) != 1 { 2 } else { 0 }
    };
    check_eq!(in_child("handled SIGPIPE", handled), Some(0), "handler ran once, EPIPE");

    println!("t_pipe: with SIGPIPE blocked the write is EPIPE and SIGPIPE stays pending");
    let blocked = move || {
        let _ = signal::sigprocmask(SIG_BLOCK, Some(bit(SIGPIPE)));
        if broken() != Err(Errno::EPIPE) {
            return 1;
        }
        if signal::sigpending().is_ok_and(|p| p & bit(SIGPIPE) != 0) { 0 } else { 2 }
    };
    check_eq!(in_child("blocked SIGPIPE", blocked), Some(0), "EPIPE and pending");

    println!("t_pipe: a writer asleep on a full pipe gets EPIPE when the last reader closes");
    let Some((r, w)) = pipe(0) else { return };
    fill(w);
    let writer = child_asleep("the writer", move || {
        let _ = fs::close(r);
        let _ = signal::ignore(SIGPIPE);
        match fs::write(w, b"one more") {
            Err(Errno::EPIPE) => 0,
            _ => 1,
        }
    });
    let _ = fs::close(r);
    if let Some(pid) = writer {
        check_eq!(wait_within(pid, 5000).and_then(Status::exited), Some(0), "the writer woke with EPIPE");
    }
    check_eq!(fs::fevent(w, EVENT_WRITE), Ok(EVENT_WRITE), "a write end without a reader is writable");
    check_eq!(fs::fevent(w, EVENT_WRITE | EVENT_HUP | EVENT_ERR), Ok(EVENT_WRITE | EVENT_ERR), "and in error");
    let _ = signal::ignore(SIGPIPE);
    check_err!(fs::write(w, b"x"), Errno::EPIPE, "this process's write too");
    let _ = signal::set_default(SIGPIPE);
    let _ = fs::close(w);
}

/// A record: the writer's number, its sequence number, then the writer's number again.
fn record(writer: u8, seq: u16) -> Vec<u8> {
    let mut r = vec![writer; PIPE_BUF];
    r[1..3].copy_from_slice(&seq.to_le_bytes());
    r
}

fn atomic_writes() {
    const WRITERS: u8 = 4;
    const RECORDS: u16 = 48;
    println!("t_pipe: {WRITERS} processes writing PIPE_BUF records: none is ever split or mixed");
    let Some((r, w)) = pipe(0) else { return };
    let mut pids = Vec::new();
    for writer in 0..WRITERS {
        let child = process::fork_run(move || {
            let _ = fs::close(r);
            for seq in 0..RECORDS {
                if fs::write(w, &record(writer + 1, seq)) != Ok(PIPE_BUF) {
                    return 1;
                }
            }
            0
        });
        pids.extend(check_ok!(child, "fork writer {writer}"));
    }
    let _ = fs::close(w);
    // Reads of odd sizes, so that records arrive in pieces across reads.
    let mut stream = Vec::new();
    let mut buf = vec![0u8; 3000];
    loop {
        match fs::read(r, &mut buf) {
            Ok(0) => break,
            Ok(n) => stream.extend_from_slice(&buf[..n]),
            Err(e) => {
                check!(false, "read: {e:?}");
                break;
            }
        }
    }
    for pid in pids {
        check_eq!(wait_within(pid, 10_000).and_then(Status::exited), Some(0), "writer {pid}");
    }
    check_eq!(stream.len(), usize::from(WRITERS) * usize::from(RECORDS) * PIPE_BUF, "every byte arrived");
    let mut next = [0u16; WRITERS as usize];
    let mut intact = true;
    for chunk in stream.chunks(PIPE_BUF) {
        let writer = chunk[0];
        let seq = u16::from_le_bytes([chunk[1], chunk[2]]);
        let ok = (1..=WRITERS).contains(&writer)
            && chunk.len() == PIPE_BUF
            && chunk[3..].iter().all(|&b| b == writer)
            && next[usize::from(writer - 1)] == seq;
        if !ok {
            intact = false;
            break;
        }
        next[usize::from(writer - 1)] += 1;
    }
    check!(intact, "every record whole and each writer's in order");
    let _ = fs::close(r);

    println!("t_pipe: one blocking write of 2.2 MiB (the pipe's size many times over) arrives whole and in order");
    let Some((r, w)) = pipe(0) else { return };
    let big: Vec<u8> = (0..(2 << 20) + 3 * PIPE_CAPACITY + 123).map(|i| (i * 7 + i / 256) as u8).collect();
    let expected = big.clone();
    let writer = process::fork_run(move || {
        let _ = fs::close(r);
        i32::from(fs::write(w, &big) != Ok(big.len()))
    });
    let _ = fs::close(w);
    let got = fs::read_to_end(r);
    check!(got.as_deref() == Ok(&expected[..]), "the reader got every byte in order");
    if let Some(pid) = check_ok!(writer, "fork the writer") {
        check_eq!(wait_within(pid, 10_000).and_then(Status::exited), Some(0), "one write call wrote it all");
    }
    let _ = fs::close(r);
}

fn nonblocking() {
    println!("t_pipe: O_NONBLOCK: EAGAIN on an empty and on a full pipe");
    let Some((r, w)) = pipe(O_NONBLOCK) else { return };
    let mut buf = vec![0u8; 2 * PIPE_CAPACITY];
    check_err!(fs::read(r, &mut buf), Errno::EAGAIN, "read of an empty pipe");
    check_eq!(fill(w), PIPE_CAPACITY, "the capacity is 64 KiB");
    check_err!(fs::write(w, b"x"), Errno::EAGAIN, "a 1-byte write to a full pipe");
    check_eq!(fs::read(r, &mut buf[..100]), Ok(100), "read 100 bytes");
    check_err!(fs::write(w, &[1; 101]), Errno::EAGAIN, "a 101-byte write with 100 bytes free: atomic, EAGAIN");
    check_eq!(fs::write(w, &[1; 100]), Ok(100), "a 100-byte write fits exactly");
    check_err!(fs::write(w, &[2; 2 * PIPE_BUF]), Errno::EAGAIN, "a large write with no room");
    check_eq!(fs::read(r, &mut buf[..5000]), Ok(5000), "read 5000 bytes");
    check_eq!(fs::write(w, &[2; 2 * PIPE_BUF]), Ok(5000), "a large write writes what fits");
    check_eq!(fs::read(r, &mut buf), Ok(PIPE_CAPACITY), "a read returns at most the buffer");
    check_err!(fs::read(r, &mut buf), Errno::EAGAIN, "empty again");
    close(&[r, w]);

    println!("t_pipe: F_SETFL O_NONBLOCK is per description, shared by dup");
    let Some((r, w)) = pipe(0) else { return };
    let r2 = fs::dup(r).unwrap_or(usize::MAX);
    check_ok!(fs::fcntl(r, F_SETFL, O_NONBLOCK), "F_SETFL O_NONBLOCK");
    check_err!(fs::read(r2, &mut buf), Errno::EAGAIN, "the dup is non-blocking too");
    check!(fs::fcntl(w, F_GETFL, 0).is_ok_and(|f| f & O_NONBLOCK == 0), "the write end is still blocking");
    check_ok!(fs::fcntl(r, F_SETFL, 0), "F_SETFL 0");
    let writer = process::fork_run(move || {
        let _ = time::sleep_ms(30);
        i32::from(fs::write(w, b"late") != Ok(4))
    });
    check_eq!(fs::read(r2, &mut buf), Ok(4), "blocking again: the read waited for the write");
    if let Some(pid) = check_ok!(writer, "fork") {
        check_eq!(wait_within(pid, 5000).and_then(Status::exited), Some(0), "the writer");
    }
    close(&[r, r2, w]);
}

extern "C" fn on_usr1(_signo: i32) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

/// Runs `sleeper` (a call that must sleep) in a child with a SIGUSR1 handler, interrupts
/// it, and expects the child's status 0.
fn interrupted(what: &str, sleeper: impl FnOnce() -> Result<usize>, expect: Result<usize>) {
    let pid = child_asleep(what, move || {
        HANDLED.store(0, Ordering::SeqCst);
        if signal::set_handler(SIGUSR1, on_usr1).is_err() {
            return 3;
        }
        let result = sleeper();
        if result != expect {
            println!("t_pipe: {result:?} where {expect:?} was expected");
            return 1;
        }
        if HANDLED.load(Ordering::SeqCst) == 1 { 0 } else { 2 }
    });
    let Some(pid) = pid else { return };
    check_ok!(process::kill(pid, SIGUSR1), "SIGUSR1 to the sleeper");
    check_eq!(wait_within(pid, 5000).and_then(Status::exited), Some(0), "{what}: handler ran, {expect:?}");
}

fn signals_and_exit() {
    println!("t_pipe: a signal ends a sleeping read and a sleeping write with EINTR");
    let Some((r, w)) = pipe(0) else { return };
    interrupted("sleeping read", move || fs::read(r, &mut [0u8; 16]), Err(Errno::EINTR));
    fill(w);
    interrupted("sleeping write", move || fs::write(w, b"x"), Err(Errno::EINTR));
    close(&[r, w]);

    println!("t_pipe: a large write cut short by a signal returns what it wrote");
    let Some((r, w)) = pipe(0) else { return };
    interrupted("large write", move || fs::write(w, &vec![3u8; PIPE_CAPACITY + 10_000]), Ok(PIPE_CAPACITY));
    close(&[r, w]);

    println!("t_pipe: SIGKILL ends a process asleep in a read");
    let Some((r, w)) = pipe(0) else { return };
    if let Some(pid) = child_asleep("reader", move || i32::from(fs::read(r, &mut [0u8; 4]).is_ok()) + 10) {
        check_ok!(process::kill(pid, SIGKILL), "SIGKILL");
        check_eq!(wait_within(pid, 5000).and_then(Status::signaled), Some(SIGKILL), "killed by SIGKILL");
    }

    println!("t_pipe: a thread asleep in a read ends when another thread exits the process");
    let exiting = move || {
        let sleeper = thread::spawn(move || fs::read(r, &mut [0u8; 4]));
        if sleeper.is_err() {
            return 1;
        }
        let _ = time::sleep_ms(30);
        process::exit(7);
    };
    check_eq!(in_child("exit with a sleeping thread", exiting), Some(7), "the process exited");
    check_eq!(fs::fevent(w, EVENT_WRITE), Ok(EVENT_WRITE), "the pipe still works: writable");
    check_eq!(fs::write(w, b"ok"), Ok(2), "and takes a write");
    close(&[r, w]);
}

/// Reads the queue (non-blocking); the `(data, flags)` of its events, sorted.
fn ready(queue: usize) -> Vec<(usize, usize)> {
    let mut events = [Event::default(); 4];
    // SAFETY: Event is Plain.
    let bytes = unsafe { core::slice::from_raw_parts_mut(events.as_mut_ptr().cast::<u8>(), size_of::<[Event; 4]>()) };
    let n = match fs::read(queue, bytes) {
        Ok(n) => n / size_of::<Event>(),
        Err(_) => 0,
    };
    let mut got: Vec<_> = events[..n].iter().map(|e| (e.data, e.flags)).collect();
    got.sort_unstable();
    got
}

fn readiness() {
    println!("t_pipe: readiness through /scheme/event");
    let Some(queue) = check_ok!(fs::open("/scheme/event", O_RDWR | O_NONBLOCK), "open an event queue") else {
        return;
    };
    let Some((r, w)) = pipe(0) else { return };
    let register = |fd, flags, data| {
        let n = fs::write(queue, bytes_of(&Event { id: fd, flags, data }));
        check_eq!(n, Ok(size_of::<Event>()), "register fd {fd}");
    };
    register(r, EVENT_READ, 1);
    register(w, EVENT_WRITE, 2);
    check_eq!(ready(queue), [(2, EVENT_WRITE)], "an empty pipe: only the write end is ready");
    check_eq!(fs::write(w, b"data"), Ok(4), "write");
    check_eq!(ready(queue), [(1, EVENT_READ), (2, EVENT_WRITE)], "data: both ends ready");
    check_eq!(fill(w), PIPE_CAPACITY - 4, "fill the rest");
    check_eq!(ready(queue), [(1, EVENT_READ)], "full: only the read end");
    let mut buf = vec![0u8; PIPE_BUF];
    check_eq!(fs::read(r, &mut buf[..PIPE_BUF - 1]), Ok(PIPE_BUF - 1), "read PIPE_BUF - 1 bytes");
    check_eq!(ready(queue), [(1, EVENT_READ)], "less than PIPE_BUF free: not writable");
    check_eq!(fs::read(r, &mut buf[..1]), Ok(1), "one more byte");
    check_eq!(ready(queue), [(1, EVENT_READ), (2, EVENT_WRITE)], "PIPE_BUF free: writable");
    check_eq!(fs::fevent(r, EVENT_READ | EVENT_WRITE), Ok(EVENT_READ), "fevent of the read end");
    check_eq!(fs::fevent(w, EVENT_READ | EVENT_WRITE), Ok(EVENT_WRITE), "fevent of the write end");
    let all = EVENT_READ | EVENT_WRITE | EVENT_HUP | EVENT_ERR;
    check_eq!(fs::fevent(r, all), Ok(EVENT_READ), "both ends open: no hang-up");
    check_eq!(fs::fevent(w, all), Ok(EVENT_WRITE), "both ends open: no error");
    let mut rest = vec![0u8; PIPE_CAPACITY];
    let _ = fs::read(r, &mut rest);

    println!("t_pipe: a blocking read of the queue wakes when another process writes");
    check_ok!(fs::fcntl(queue, F_SETFL, 0), "make the queue blocking");
    register(w, 0, 2);
    let writer = process::fork_run(move || {
        let _ = time::sleep_ms(50);
        i32::from(fs::write(w, b"wake") != Ok(4))
    });
    let mut event = Event::default();
    let start = time::monotonic_ns();
    check_eq!(fs::read(queue, bytes_of_mut(&mut event)), Ok(size_of::<Event>()), "the queue read returns");
    check_eq!((event.data, event.flags), (1, EVENT_READ), "the read end's event");
    check!(time::elapsed_ms(start) >= 40, "it slept until the write ({} ms)", time::elapsed_ms(start));
    if let Some(pid) = check_ok!(writer, "fork") {
        check_eq!(wait_within(pid, 5000).and_then(Status::exited), Some(0), "the writer");
    }
    let _ = fs::read(r, &mut buf);
    check_ok!(fs::fcntl(queue, F_SETFL, O_NONBLOCK), "non-blocking again");

    println!("t_pipe: closing one end makes the other ready (end of file, EPIPE)");
    register(w, EVENT_WRITE, 2);
    check_eq!(ready(queue), [(2, EVENT_WRITE)], "empty again: only the write end");
    let _ = fs::close(w);
    check_eq!(ready(queue), [(1, EVENT_READ)], "the write end closed: the read end is ready (end of file)");
    let Some((r2, w3)) = pipe(0) else { return };
    fill(w3);
    register(w3, EVENT_WRITE, 4);
    check_eq!(ready(queue), [(1, EVENT_READ)], "a full pipe's write end is not ready");
    let _ = fs::close(r2);
    check_eq!(ready(queue), [(1, EVENT_READ), (4, EVENT_WRITE)], "no reader: the write end is ready");
    close(&[r, w3, queue]);
}

fn main(_args: &[&str]) -> i32 {
    // Everything runs in a child, so that its page tables and heap are gone with it when
    // the frame count is compared.
    let free = process::free_frames();
    let checks = process::fork_run(|| {
        ends_and_flags();
        bad_pointer();
        reader_woken_by_other_process();
        end_of_file();
        broken_pipe();
        atomic_writes();
        nonblocking();
        signals_and_exit();
        readiness();
        userspace::check::finish()
    });
    let status =
        check_ok!(checks, "fork for the checks").and_then(|pid| wait_within(pid, 50_000)).and_then(Status::exited);
    check_eq!(status, Some(0), "every check in the child passed");
    println!("t_pipe: the free frame count is back where it started");
    check_eq!(process::free_frames(), free, "free frames");
    userspace::check::finish()
}
