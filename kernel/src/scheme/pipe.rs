//! `/scheme/pipe`: pipes. `SYS_PIPE2` makes one: a [`PipeBuffer`] (the rules, in
//! `pipe_buffer.rs`) with a read end and a write end, two open descriptions on this
//! scheme. Pipes have no names: opening a path here is `ENOENT`.
//!
//! This module owns the table of pipes, the threads asleep on them and the side effects
//! the rules ask for: sleeping, waking the other end, `SIGPIPE`, and telling the event
//! scheme that readiness changed.
//!
//! A handle is `pipe id * 2 + end` (0 the read end, 1 the write end). Each end is one
//! description (dup and fork share it), so an end is closed when the scheme's `close`
//! runs for its handle; the pipe leaves the table when both ends are closed.
//!
//! Sleeping: a reader of an empty pipe sleeps on the pipe's `readers` queue, a writer
//! that finds no room on `writers` (a `context::wait_queue`: woken, a signal or the
//! process's exit end the sleep; the last two return `EINTR`, or the count already
//! written). A change wakes the other side's queue, all of it (each sleeper re-checks),
//! and the event queues' waiters.
//!
//! Locks: `PIPES` (the table), then one pipe's `buffer`; both are leaves, taken under no
//! other lock and briefly. Nothing sleeps, wakes, sends a signal or copies user memory
//! under either; the buffer's storage may grow under `buffer` (the heap's lock is a
//! leaf below it).

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;

use kestrel_abi::signal::{SI_USER, SIGPIPE};
use kestrel_abi::syscall::{EVENT_ERR, EVENT_HUP, EVENT_READ, EVENT_WRITE, MODE_FIFO, Stat};
use spin::Mutex;

use super::pipe_buffer::{PipeBuffer, ReadStep, WriteStep};
use super::{Caller, KernelScheme, Result};
use crate::context::signal;
use crate::context::thread::WakeReason;
use crate::context::wait_queue::WaitQueue;
use crate::errno::{EBADF, EINTR, ENOENT, EPIPE};

/// Which end of a pipe a handle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Read = 0,
    Write = 1,
}

/// One pipe.
struct Pipe {
    buffer: Mutex<PipeBuffer>,
    /// Readers asleep on an empty pipe.
    readers: WaitQueue,
    /// Writers asleep on a full one.
    writers: WaitQueue,
    /// The creator's effective ids, for `fstat`.
    uid: u32,
    gid: u32,
}

struct Pipes {
    by_id: BTreeMap<usize, Arc<Pipe>>,
    next_id: usize,
}

static PIPES: Mutex<Pipes> = Mutex::new(Pipes { by_id: BTreeMap::new(), next_id: 1 });

/// The handle of `end` of pipe `id`.
fn handle(id: usize, end: End) -> usize {
    id * 2 + end as usize
}

/// The pipe behind `handle`, and which end the handle is.
fn lookup(handle: usize) -> Result<(Arc<Pipe>, End)> {
    let pipe = PIPES.lock().by_id.get(&(handle / 2)).cloned().ok_or(EBADF)?;
    Ok((pipe, if handle & 1 == 0 { End::Read } else { End::Write }))
}

/// Makes a pipe for `caller`; returns the handles of its read end and its write end.
pub fn create(caller: &Caller<'_>) -> (usize, usize) {
    let (uid, gid) = {
        let creds = caller.process.creds.lock();
        (creds.euid, creds.egid)
    };
    let pipe = Arc::new(Pipe {
        buffer: Mutex::new(PipeBuffer::new()),
        readers: WaitQueue::new(),
        writers: WaitQueue::new(),
        uid,
        gid,
    });
    let mut pipes = PIPES.lock();
    let id = pipes.next_id;
    pipes.next_id += 1;
    pipes.by_id.insert(id, pipe);
    (handle(id, End::Read), handle(id, End::Write))
}

/// Whether `handle` is a pipe's write end.
pub fn is_write_end(handle: usize) -> bool {
    lookup(handle).is_ok_and(|(_, end)| end == End::Write)
}

/// Writes `record` (at most `PIPE_BUF` bytes, so all or nothing) to the write end
/// `handle` on the kernel's behalf: an mq_notify notice for the C library's thread. It
/// never sleeps and sends no SIGPIPE; a full pipe or one without readers drops the
/// record, as Linux drops a notice its netlink socket has no room for.
pub fn write_record(handle: usize, record: &[u8]) {
    let Ok((pipe, End::Write)) = lookup(handle) else { return };
    let step = pipe.buffer.lock().write(record, 0, true);
    if matches!(step, Ok(WriteStep::Done(n)) if n > 0) {
        pipe.readers.wake_all();
        super::event::notify();
    }
}

/// The pipe scheme.
pub struct PipeScheme;

impl KernelScheme for PipeScheme {
    fn open(&self, _path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        Err(ENOENT)
    }

    fn read(&self, handle: usize, buf: &mut [u8], nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        let (pipe, end) = lookup(handle)?;
        if end != End::Read {
            return Err(EBADF);
        }
        loop {
            let step = pipe.buffer.lock().read(buf, nonblock)?;
            match step {
                ReadStep::Done(n) => {
                    if n > 0 {
                        pipe.writers.wake_all();
                        super::event::notify();
                    }
                    return Ok(n);
                }
                // The kernel is not preemptible: no writer can come between the check
                // above and this sleep, so no wake-up is lost.
                ReadStep::Wait => {
                    if pipe.readers.wait(None) == WakeReason::Interrupted {
                        return Err(EINTR);
                    }
                }
            }
        }
    }

    fn write(&self, handle: usize, buf: &[u8], nonblock: bool, caller: &mut Caller<'_>) -> Result<usize> {
        let (pipe, end) = lookup(handle)?;
        if end != End::Write {
            return Err(EBADF);
        }
        let mut written = 0;
        loop {
            let step = pipe.buffer.lock().write(buf, written, nonblock)?;
            if step.written() > written {
                pipe.readers.wake_all();
                super::event::notify();
            }
            written = step.written();
            match step {
                WriteStep::Done(n) => return Ok(n),
                // pipe(7): the writer gets SIGPIPE (here, the thread that wrote, as on
                // Linux), and EPIPE if the signal does not kill it.
                WriteStep::Broken(n) => {
                    signal::send_to_thread(caller.thread, SIGPIPE, signal::Info::sent_by(caller.process, SI_USER));
                    return if n > 0 { Ok(n) } else { Err(EPIPE) };
                }
                WriteStep::Wait(_) => {
                    // Interrupted part-way, a large write returns what went in (Linux).
                    if pipe.writers.wait(None) == WakeReason::Interrupted {
                        return if written > 0 { Ok(written) } else { Err(EINTR) };
                    }
                }
            }
        }
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        let (pipe, _) = lookup(handle)?;
        // As Linux's pipefs: a FIFO readable and writable by its owner, one link, size 0.
        Ok(Stat {
            st_ino: (handle / 2) as u64,
            st_mode: MODE_FIFO | 0o600,
            st_nlink: 1,
            st_uid: pipe.uid,
            st_gid: pipe.gid,
            st_blksize: 4096,
            ..Stat::default()
        })
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        lookup(handle)?;
        Ok((handle / 2).to_string())
    }

    fn poll(&self, handle: usize) -> usize {
        let Ok((pipe, end)) = lookup(handle) else { return 0 };
        let buffer = pipe.buffer.lock();
        // As Linux's pipe_poll: hang-up for a read end without writers, error for a
        // write end without readers.
        let flag = |cond: bool, bit: usize| if cond { bit } else { 0 };
        match end {
            End::Read => flag(buffer.readable(), EVENT_READ) | flag(!buffer.has_writer(), EVENT_HUP),
            End::Write => flag(buffer.writable(), EVENT_WRITE) | flag(!buffer.has_reader(), EVENT_ERR),
        }
    }

    fn close(&self, handle: usize) {
        let Ok((pipe, end)) = lookup(handle) else { return };
        let both_closed = {
            let mut buffer = pipe.buffer.lock();
            match end {
                End::Read => buffer.close_reader(),
                End::Write => buffer.close_writer(),
            }
            !buffer.has_reader() && !buffer.has_writer()
        };
        if both_closed {
            PIPES.lock().by_id.remove(&(handle / 2));
        }
        // Readers now see end of file; writers, EPIPE.
        match end {
            End::Read => pipe.writers.wake_all(),
            End::Write => pipe.readers.wake_all(),
        };
        super::event::notify();
    }
}
