//! A pipe's rules (pipe(7)), as data: the bounded byte buffer, whether each end is still
//! open, and what a read or a write does to them. Plain Rust, tested on the host; the
//! scheme (`pipe.rs`) sleeps, wakes and signals as the answers say.
//!
//! - A read returns what is buffered (up to its length); an empty pipe gives end of file
//!   once no writer is left, `EAGAIN` when non-blocking, and otherwise "wait".
//! - A write of at most [`PIPE_BUF`] bytes is atomic: all of it goes in at once, or the
//!   writer waits (`EAGAIN` when non-blocking) until that much room is free. A larger
//!   write goes in piece by piece as room appears, and may be interleaved with other
//!   writers'; non-blocking, it writes what fits (`EAGAIN` if nothing does).
//! - With no reader left a write is "broken": the writer gets `SIGPIPE`, and `EPIPE`
//!   unless part of a large write already went in.
//!
//! The buffer's storage grows with what it holds, up to [`PIPE_CAPACITY`], so an idle
//! pipe costs no buffer; an allocation that fails is `ENOMEM`.

#![forbid(unsafe_code)]

use alloc::collections::VecDeque;

use crate::errno::{EAGAIN, ENOMEM, Result};
pub use kestrel_abi::syscall::{PIPE_BUF, PIPE_CAPACITY};

/// What a read does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadStep {
    /// The read returns this many bytes (0: end of file, or an empty read).
    Done(usize),
    /// The pipe is empty and a writer is left: sleep until data comes or the writer goes.
    Wait,
}

/// What a write does. Each carries how many bytes of the call's buffer are in the pipe
/// so far (this step's and earlier steps').
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStep {
    /// The write returns this many bytes.
    Done(usize),
    /// No reader is left: `SIGPIPE`, then the bytes written so far, or `EPIPE` if none.
    Broken(usize),
    /// Sleep until a reader makes room (or goes); then write again from here.
    Wait(usize),
}

impl WriteStep {
    /// The bytes of the call's buffer in the pipe after this step.
    pub fn written(self) -> usize {
        match self {
            Self::Done(n) | Self::Broken(n) | Self::Wait(n) => n,
        }
    }
}

/// A pipe's buffered bytes and its two ends.
pub struct PipeBuffer {
    bytes: VecDeque<u8>,
    reader: bool,
    writer: bool,
}

impl Default for PipeBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl PipeBuffer {
    /// An empty pipe with both ends open.
    pub const fn new() -> Self {
        Self { bytes: VecDeque::new(), reader: true, writer: true }
    }

    /// Bytes buffered.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes that fit before the pipe is full.
    pub fn room(&self) -> usize {
        PIPE_CAPACITY - self.bytes.len()
    }

    /// Whether the read end is still open.
    pub fn has_reader(&self) -> bool {
        self.reader
    }

    /// Whether the write end is still open.
    pub fn has_writer(&self) -> bool {
        self.writer
    }

    /// The read end's last description went away.
    pub fn close_reader(&mut self) {
        self.reader = false;
        // Nobody can read the bytes any more.
        self.bytes = VecDeque::new();
    }

    /// The write end's last description went away.
    pub fn close_writer(&mut self) {
        self.writer = false;
    }

    /// Whether a read would not block: data is there, or no writer is left (end of file).
    /// `poll`'s `EVENT_READ`.
    pub fn readable(&self) -> bool {
        !self.bytes.is_empty() || !self.writer
    }

    /// Whether an atomic write of `PIPE_BUF` bytes would not block, or a write would fail
    /// at once because no reader is left. `poll`'s `EVENT_WRITE`, as Linux's (a free page).
    pub fn writable(&self) -> bool {
        self.room() >= PIPE_BUF || !self.reader
    }

    /// Reads into `dst`.
    pub fn read(&mut self, dst: &mut [u8], nonblock: bool) -> Result<ReadStep> {
        // Linux: a read of nothing returns 0 at once.
        if dst.is_empty() {
            return Ok(ReadStep::Done(0));
        }
        if self.bytes.is_empty() {
            return match (self.writer, nonblock) {
                (false, _) => Ok(ReadStep::Done(0)),
                (true, true) => Err(EAGAIN),
                (true, false) => Ok(ReadStep::Wait),
            };
        }
        let n = dst.len().min(self.bytes.len());
        let (front, back) = self.bytes.as_slices();
        let from_front = n.min(front.len());
        dst[..from_front].copy_from_slice(&front[..from_front]);
        dst[from_front..n].copy_from_slice(&back[..n - from_front]);
        self.bytes.drain(..n);
        Ok(ReadStep::Done(n))
    }

    /// Writes `src[written..]`, `written` being what earlier steps of the same call put
    /// in. `EAGAIN` only when the call has written nothing.
    pub fn write(&mut self, src: &[u8], written: usize, nonblock: bool) -> Result<WriteStep> {
        // Linux: a write of nothing succeeds, reader or not.
        if src.is_empty() {
            return Ok(WriteStep::Done(0));
        }
        if !self.reader {
            return Ok(WriteStep::Broken(written));
        }
        if src.len() <= PIPE_BUF {
            // Atomic: all at once or not at all.
            if self.room() < src.len() {
                return if nonblock { Err(EAGAIN) } else { Ok(WriteStep::Wait(0)) };
            }
            self.push(src)?;
            return Ok(WriteStep::Done(src.len()));
        }
        let n = self.room().min(src.len() - written);
        self.push(&src[written..written + n])?;
        let written = written + n;
        if written == src.len() {
            Ok(WriteStep::Done(written))
        } else if !nonblock {
            Ok(WriteStep::Wait(written))
        } else if written == 0 {
            Err(EAGAIN)
        } else {
            Ok(WriteStep::Done(written))
        }
    }

    /// Appends `src` (which fits), growing the storage if needed: at least doubling, at
    /// most to the capacity.
    fn push(&mut self, src: &[u8]) -> Result<()> {
        let needed = self.bytes.len() + src.len();
        if needed > self.bytes.capacity() {
            let target = needed.max(2 * self.bytes.capacity()).clamp(256, PIPE_CAPACITY);
            self.bytes.try_reserve_exact(target - self.bytes.len()).map_err(|_| ENOMEM)?;
        }
        self.bytes.extend(src);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::EAGAIN;

    fn read_all(pipe: &mut PipeBuffer) -> Vec<u8> {
        let mut out = vec![0; PIPE_CAPACITY * 2];
        match pipe.read(&mut out, true) {
            Ok(ReadStep::Done(n)) => out.truncate(n),
            other => panic!("read: {other:?}"),
        }
        out
    }

    #[test]
    fn reads_return_what_is_there_in_order() {
        let mut pipe = PipeBuffer::new();
        assert_eq!(pipe.write(b"hello", 0, false), Ok(WriteStep::Done(5)));
        assert_eq!(pipe.write(b" world", 0, false), Ok(WriteStep::Done(6)));
        let mut buf = [0; 3];
        assert_eq!(pipe.read(&mut buf, false), Ok(ReadStep::Done(3)));
        assert_eq!(&buf, b"hel");
        assert_eq!(read_all(&mut pipe), b"lo world");
        assert!(pipe.is_empty());
    }

    #[test]
    fn empty_pipe_waits_or_eagain_then_eof_without_writer() {
        let mut pipe = PipeBuffer::new();
        let mut buf = [0; 8];
        assert_eq!(pipe.read(&mut buf, false), Ok(ReadStep::Wait));
        assert_eq!(pipe.read(&mut buf, true), Err(EAGAIN));
        assert_eq!(pipe.read(&mut [], false), Ok(ReadStep::Done(0)), "an empty read never blocks");
        pipe.write(b"ab", 0, false).unwrap();
        pipe.close_writer();
        assert!(pipe.readable());
        assert_eq!(pipe.read(&mut buf, false), Ok(ReadStep::Done(2)), "data first, after the writer went");
        assert_eq!(pipe.read(&mut buf, false), Ok(ReadStep::Done(0)), "then end of file");
        assert_eq!(pipe.read(&mut buf, true), Ok(ReadStep::Done(0)), "end of file beats EAGAIN");
    }

    #[test]
    fn small_writes_are_atomic() {
        let mut pipe = PipeBuffer::new();
        let big = vec![1; PIPE_CAPACITY - 100];
        assert_eq!(pipe.write(&big, 0, true), Ok(WriteStep::Done(big.len())));
        assert_eq!(pipe.room(), 100);
        assert_eq!(pipe.write(&[2; 101], 0, true), Err(EAGAIN), "no partial small write");
        assert_eq!(pipe.write(&[2; 101], 0, false), Ok(WriteStep::Wait(0)));
        assert_eq!(pipe.len(), big.len(), "nothing went in");
        assert_eq!(pipe.write(&[2; 100], 0, true), Ok(WriteStep::Done(100)), "exactly the room");
        assert_eq!(pipe.room(), 0);
        assert_eq!(pipe.write(&[3; PIPE_BUF], 0, true), Err(EAGAIN));
    }

    #[test]
    fn large_writes_go_in_pieces() {
        let mut pipe = PipeBuffer::new();
        let src: Vec<u8> = (0..PIPE_CAPACITY + 5000).map(|i| i as u8).collect();
        let step = pipe.write(&src, 0, false).unwrap();
        assert_eq!(step, WriteStep::Wait(PIPE_CAPACITY), "blocking: fills the pipe, then waits");
        let mut part = vec![0; 3000];
        pipe.read(&mut part, false).unwrap();
        assert_eq!(pipe.write(&src, step.written(), false), Ok(WriteStep::Wait(PIPE_CAPACITY + 3000)));
        let mut rest = vec![0; PIPE_CAPACITY];
        pipe.read(&mut rest, false).unwrap();
        assert_eq!(pipe.write(&src, PIPE_CAPACITY + 3000, false), Ok(WriteStep::Done(src.len())));
        let mut got = part;
        got.extend_from_slice(&rest);
        got.extend(read_all(&mut pipe));
        assert_eq!(got, src, "the bytes come out in order");
    }

    #[test]
    fn large_nonblocking_writes_write_what_fits() {
        let mut pipe = PipeBuffer::new();
        pipe.write(&vec![0; PIPE_CAPACITY - 10], 0, true).unwrap();
        let src = vec![7; PIPE_BUF + 1];
        assert_eq!(pipe.write(&src, 0, true), Ok(WriteStep::Done(10)), "a partial count");
        assert_eq!(pipe.write(&src, 0, true), Err(EAGAIN), "nothing fits");
        assert!(!pipe.writable());
    }

    #[test]
    fn no_reader_breaks_writes() {
        let mut pipe = PipeBuffer::new();
        pipe.write(b"lost", 0, false).unwrap();
        pipe.close_reader();
        assert!(pipe.writable(), "a write would not block: it fails");
        assert_eq!(pipe.write(b"x", 0, true), Ok(WriteStep::Broken(0)));
        assert_eq!(pipe.write(&[0; PIPE_BUF * 2], 4096, false), Ok(WriteStep::Broken(4096)));
        assert_eq!(pipe.write(&[], 0, false), Ok(WriteStep::Done(0)), "an empty write succeeds");
        assert!(pipe.is_empty(), "the unread bytes are dropped");
    }

    #[test]
    fn readiness() {
        let mut pipe = PipeBuffer::new();
        assert!(!pipe.readable() && pipe.writable());
        pipe.write(&vec![0; PIPE_CAPACITY - PIPE_BUF], 0, true).unwrap();
        assert!(pipe.readable() && pipe.writable(), "PIPE_BUF bytes free is writable");
        pipe.write(&[0], 0, true).unwrap();
        assert!(!pipe.writable(), "less than PIPE_BUF free is not");
        read_all(&mut pipe);
        pipe.close_writer();
        assert!(pipe.readable(), "end of file is readable");
    }

    #[test]
    fn storage_grows_with_use_up_to_the_capacity() {
        let mut pipe = PipeBuffer::new();
        assert_eq!(pipe.bytes.capacity(), 0, "an unused pipe holds no buffer");
        pipe.write(b"x", 0, false).unwrap();
        assert!(pipe.bytes.capacity() < PIPE_CAPACITY);
        for _ in 0..PIPE_CAPACITY / 1000 {
            pipe.write(&[1; 1000], 0, true).unwrap();
        }
        assert!(pipe.bytes.capacity() <= PIPE_CAPACITY + 64, "capacity {}", pipe.bytes.capacity());
    }
}
