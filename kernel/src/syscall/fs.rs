//! Descriptor calls: open, close, read, write, lseek, dup2, fcntl, fstat, fpath, fevent,
//! pipe2, unlink, rmdir, frename, fchmod, fchown, ftruncate and SYS_CALL, routed to the
//! scheme behind each descriptor. Every descriptor argument may name the upper table
//! (`UPPER_FDTBL_TAG`, see `scheme::file_table`); the lookups are the table's.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::arch::percpu;
use crate::context::kernel_lock;
use crate::errno::{EBADF, EINVAL, ENAMETOOLONG, ENEEDLOCK, ENOENT};
use kestrel_abi::syscall::{
    CALL_METADATA_LEN, CALL_READ, CALL_WRITE, F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_CLOEXEC,
    O_NONBLOCK, O_RDONLY, O_WRONLY, Stat,
};

use super::{Context, Result};
use crate::arch::interrupts::TrapFrame;
use core::mem::MaybeUninit;

use crate::memory::user::{bytes_of, check_writable, copy_from_user, copy_to_user, read_user, read_user_vec};
use crate::scheme::{self, Caller, FileDescriptor, KernelScheme, OpenDescription, SchemeId};

/// Longest path accepted.
const PATH_MAX: usize = 4096;
/// Largest single read or write moved through a kernel buffer.
const IO_CHUNK: usize = 1 << 20;
/// Most metadata words of SYS_CALL (the Redox kernel's limit).
const MAX_METADATA: usize = 3;
/// SYS_CALL payloads up to this size are kept on the kernel stack.
const SMALL_PAYLOAD: usize = 256;
/// Largest SYS_CALL payload.
const MAX_PAYLOAD: usize = 1 << 20;

pub(super) fn description(cx: &Context, fd: usize) -> core::result::Result<Arc<OpenDescription>, crate::errno::Errno> {
    Ok(cx.process.files.lock().get(fd)?.description.clone())
}

/// The scheme and handle that descriptor `fd` names, without a reference to its
/// description: valid while the kernel lock is held (a call that sleeps takes the
/// reference, [`description`]).
pub(super) fn description_key(cx: &Context, fd: usize) -> core::result::Result<(SchemeId, usize), crate::errno::Errno> {
    let files = cx.process.files.lock();
    let description = &files.get(fd)?.description;
    Ok((description.scheme, description.handle))
}

fn caller<'a>(cx: &'a Context, frame: Option<&'a mut TrapFrame>) -> Caller<'a> {
    Caller { thread: cx.thread, process: cx.process, frame }
}

/// Reads a path argument.
fn read_path(cx: &Context, path_ptr: usize, path_len: usize) -> core::result::Result<Vec<u8>, crate::errno::Errno> {
    if path_len > PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    cx.process.with_space(|s| read_user_vec(s, path_ptr as u64, path_len))
}

pub fn open(cx: &Context, path_ptr: usize, path_len: usize, flags: usize) -> Result {
    let bytes = read_path(cx, path_ptr, path_len)?;
    let path = core::str::from_utf8(&bytes).map_err(|_| ENOENT)?;
    let desc = scheme::open(path, flags, &mut caller(cx, None))?;
    let cloexec = flags & O_CLOEXEC != 0;
    cx.process.files.lock().insert_from(0, FileDescriptor { description: desc, cloexec })
}

/// `unlink(path)`: the scheme removes the name.
pub fn unlink(cx: &Context, path_ptr: usize, path_len: usize) -> Result {
    let bytes = read_path(cx, path_ptr, path_len)?;
    let path = core::str::from_utf8(&bytes).map_err(|_| ENOENT)?;
    scheme::unlink(path, &mut caller(cx, None))?;
    Ok(0)
}

/// `rmdir(path)`: the scheme removes the directory.
pub fn rmdir(cx: &Context, path_ptr: usize, path_len: usize) -> Result {
    let bytes = read_path(cx, path_ptr, path_len)?;
    let path = core::str::from_utf8(&bytes).map_err(|_| ENOENT)?;
    scheme::rmdir(path, &mut caller(cx, None))?;
    Ok(0)
}

/// `frename(fd, path)`: the file open on `fd` takes the name `path`.
pub fn frename(cx: &Context, fd: usize, path_ptr: usize, path_len: usize) -> Result {
    let desc = description(cx, fd)?;
    let bytes = read_path(cx, path_ptr, path_len)?;
    let path = core::str::from_utf8(&bytes).map_err(|_| ENOENT)?;
    scheme::rename(&desc, path, &mut caller(cx, None))?;
    Ok(0)
}

/// `lseek(fd, offset, whence)`: the new offset.
pub fn lseek(cx: &Context, fd: usize, offset: usize, whence: usize) -> Result {
    let desc = description(cx, fd)?;
    Ok(desc.scheme().seek(desc.handle, offset as i64, whence)? as usize)
}

/// `fchmod(fd, mode)`.
pub fn fchmod(cx: &Context, fd: usize, mode: usize) -> Result {
    let desc = description(cx, fd)?;
    desc.scheme().chmod(desc.handle, mode as u32, &mut caller(cx, None))?;
    Ok(0)
}

/// `fchown(fd, uid, gid)`.
pub fn fchown(cx: &Context, fd: usize, uid: usize, gid: usize) -> Result {
    let desc = description(cx, fd)?;
    desc.scheme().chown(desc.handle, uid as u32, gid as u32, &mut caller(cx, None))?;
    Ok(0)
}

/// `ftruncate(fd, length)`: as Linux, a negative length and a descriptor not open for
/// writing are EINVAL.
pub fn ftruncate(cx: &Context, fd: usize, len: usize) -> Result {
    if (len as i64) < 0 {
        return Err(EINVAL);
    }
    let desc = description(cx, fd)?;
    if !desc.writable() {
        return Err(EINVAL);
    }
    desc.scheme().ftruncate(desc.handle, len as u64)?;
    Ok(0)
}

/// `pipe2(fds, flags)`: a pipe's read and write ends on the two lowest free descriptors,
/// stored in `fds` as two words. As Linux: unknown flags are EINVAL, and a bad `fds`
/// is EFAULT with no descriptor left open.
pub fn pipe2(cx: &Context, fds: usize, flags: usize) -> Result {
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    cx.process.with_space(|s| check_writable(s, fds as u64, size_of::<[usize; 2]>()))?;
    crate::memory::heap::reserve_headroom()?;
    let (read_end, write_end) = scheme::pipe::create(&caller(cx, None));
    let status = flags & O_NONBLOCK;
    let end = |handle, mode| FileDescriptor {
        description: Arc::new(OpenDescription::new(SchemeId::Pipe, handle, mode | status)),
        cloexec: flags & O_CLOEXEC != 0,
    };
    let (read_desc, write_desc) = (end(read_end, O_RDONLY), end(write_end, O_WRONLY));
    // The table gets clones, so that a failed insertion drops no description (and closes
    // no end) under its lock.
    let installed = {
        let mut files = cx.process.files.lock();
        files.insert_from(0, read_desc.clone()).and_then(|r| match files.insert_from(0, write_desc.clone()) {
            Ok(w) => Ok([r, w]),
            Err(e) => {
                let _ = files.remove(r);
                Err(e)
            }
        })
    };
    // Ends that were not installed close here.
    drop((read_desc, write_desc));
    let [r, w] = installed?;
    if let Err(e) = cx.process.with_space(|s| copy_to_user(s, fds as u64, bytes_of(&[r as u64, w as u64]))) {
        let removed = {
            let mut files = cx.process.files.lock();
            (files.remove(r), files.remove(w))
        };
        drop(removed);
        return Err(e);
    }
    Ok(0)
}

pub fn close(cx: &Context, fd: usize) -> Result {
    let removed = cx.process.files.lock().remove(fd)?;
    // The scheme's flush and close run here, outside the table's lock.
    scheme::close_descriptors(cx.process.pid, [removed]);
    Ok(0)
}

pub fn read(cx: &Context, fd: usize, buf: usize, len: usize) -> Result {
    let desc = description(cx, fd)?;
    if !desc.readable() {
        return Err(EBADF);
    }
    // Check the buffer first: a bad pointer must not consume data.
    cx.process.check_writable(buf as u64, len.min(IO_CHUNK))?;
    if len <= SMALL_PAYLOAD {
        return read_small(cx, &desc, buf, len);
    }
    let mut kbuf = Vec::new();
    kbuf.try_reserve_exact(len.min(IO_CHUNK)).map_err(|_| crate::errno::ENOMEM)?;
    kbuf.resize(len.min(IO_CHUNK), 0);
    let n = desc.scheme().read(desc.handle, &mut kbuf, desc.nonblock(), &mut caller(cx, None))?;
    cx.process.with_space(|s| copy_to_user(s, buf as u64, &kbuf[..n]))?;
    Ok(n)
}

/// `write(fd, buf, len)`, through a kernel buffer of at most [`IO_CHUNK`] bytes at a time.
/// A blocking write goes on chunk by chunk while the scheme takes each whole (a pipe
/// sleeps for room in between, as Linux's blocking write does); after a short or failed
/// chunk it returns what went in, if anything.
pub fn write(cx: &Context, fd: usize, buf: usize, len: usize) -> Result {
    let desc = description(cx, fd)?;
    if !desc.writable() {
        return Err(EBADF);
    }
    if len <= SMALL_PAYLOAD {
        return write_small(cx, &desc, buf, len);
    }
    let mut done = 0;
    loop {
        let chunk = (len - done).min(IO_CHUNK);
        let result = cx
            .process
            .with_space(|s| read_user_vec(s, buf.wrapping_add(done) as u64, chunk))
            .and_then(|data| desc.scheme().write(desc.handle, &data, desc.nonblock(), &mut caller(cx, None)));
        match result {
            Ok(n) => {
                done += n;
                if n < chunk || done >= len || desc.nonblock() {
                    return Ok(done);
                }
            }
            Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
        }
    }
}

/// [`read`] of at most [`SMALL_PAYLOAD`] bytes (an eventfd's or a timer's 8, an event
/// queue's few records), into a stack buffer, as [`write_small`].
fn read_small(cx: &Context, desc: &OpenDescription, buf: usize, len: usize) -> Result {
    let mut small = MaybeUninit::<[u8; SMALL_PAYLOAD]>::uninit();
    let ptr = small.as_mut_ptr().cast::<u8>();
    // SAFETY: `len <= SMALL_PAYLOAD` bytes fit `small`; zeroed, they are initialized
    // (with `memset`'s string instructions, not SSE stores).
    let data = unsafe {
        core::ptr::write_bytes(ptr, 0, len);
        core::slice::from_raw_parts_mut(ptr, len)
    };
    let n = desc.scheme().read(desc.handle, data, desc.nonblock(), &mut caller(cx, None))?;
    cx.process.copy_out(buf as u64, &data[..n])?;
    Ok(n)
}

/// [`write`] of at most [`SMALL_PAYLOAD`] bytes (an eventfd's 8, a pipe's message),
/// staged on the stack: no heap round trip, and no wide move of a buffer (the first SSE
/// instruction of a call costs a lazy FPU save, `arch::fpu`).
fn write_small(cx: &Context, desc: &OpenDescription, buf: usize, len: usize) -> Result {
    let mut small = MaybeUninit::<[u8; SMALL_PAYLOAD]>::uninit();
    let ptr = small.as_mut_ptr().cast::<u8>();
    // SAFETY: `len <= SMALL_PAYLOAD` bytes fit `small`.
    unsafe { cx.process.copy_in(buf as u64, ptr, len)? };
    // SAFETY: the copy initialized the first `len` bytes.
    let data = unsafe { core::slice::from_raw_parts(ptr, len) };
    desc.scheme().write(desc.handle, data, desc.nonblock(), &mut caller(cx, None))
}

/// `dup2(fd, newfd)`; `newfd == usize::MAX` is `dup` (lowest free ordinary descriptor,
/// whatever table `fd` is in). A tagged `newfd` replaces in the upper table, as Redox's.
pub fn dup2(cx: &Context, fd: usize, newfd: usize) -> Result {
    let mut files = cx.process.files.lock();
    let desc = files.get(fd)?.description.clone();
    if newfd == usize::MAX {
        return files.insert_from(0, FileDescriptor { description: desc, cloexec: false });
    }
    if newfd == fd {
        return Ok(fd);
    }
    let old = files.insert_at(newfd, FileDescriptor { description: desc, cloexec: false })?;
    drop(files);
    scheme::close_descriptors(cx.process.pid, old);
    Ok(newfd)
}

pub fn fcntl(cx: &Context, fd: usize, cmd: usize, arg: usize) -> Result {
    let mut files = cx.process.files.lock();
    match cmd {
        F_DUPFD => {
            let desc = files.get(fd)?.description.clone();
            // POSIX: a minimum at or past the descriptor limit is EINVAL, not EMFILE. A
            // minimum carrying UPPER_FDTBL_TAG picks the upper table, and the limit is
            // that of the untagged part (any other high bit is past it).
            if arg & !scheme::UPPER_FDTBL_TAG >= scheme::MAX_FDS {
                return Err(EINVAL);
            }
            files.insert_from(arg, FileDescriptor { description: desc, cloexec: false })
        }
        F_GETFD => Ok(if files.get(fd)?.cloexec { FD_CLOEXEC } else { 0 }),
        F_SETFD => {
            files.get_mut(fd)?.cloexec = arg & FD_CLOEXEC != 0;
            Ok(0)
        }
        F_GETFL => Ok(files.get(fd)?.description.flags()),
        F_SETFL => {
            files.get(fd)?.description.set_status_flags(arg);
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

pub fn fstat(cx: &Context, fd: usize, buf: usize, len: usize) -> Result {
    if len < size_of::<Stat>() {
        return Err(EINVAL);
    }
    let desc = description(cx, fd)?;
    let mut stat = desc.scheme().fstat(desc.handle)?;
    // The device is the scheme (as in Redox), so (st_dev, st_ino) names a file
    // system-wide, which ftok relies on.
    stat.st_dev = desc.scheme as u64 + 1;
    cx.process.copy_out(buf as u64, bytes_of(&stat))?;
    Ok(0)
}

pub fn fpath(cx: &Context, fd: usize, buf: usize, len: usize) -> Result {
    let desc = description(cx, fd)?;
    let name = desc.scheme.name();
    let sub = desc.scheme().fpath(desc.handle)?;
    let full = if sub.is_empty() { alloc::format!("/scheme/{name}") } else { alloc::format!("/scheme/{name}/{sub}") };
    let n = full.len().min(len);
    cx.process.with_space(|s| copy_to_user(s, buf as u64, &full.as_bytes()[..n]))?;
    Ok(n)
}

pub fn fevent(cx: &Context, fd: usize, flags: usize) -> Result {
    let desc = description(cx, fd)?;
    Ok(desc.scheme().poll(desc.handle) & flags)
}

/// `SYS_CALL(fd, payload, payload_len, flags | metadata_len, metadata)`, encoded as
/// redox_syscall's `call_ro`/`call_wo`/`call_rw` make it: the metadata's length in words
/// in the low byte of the fourth argument (`CallFlags`' reserved bits 0-7), the flags
/// above it. The flags are Redox's payload directions: `CALL_WRITE` (the scheme reads the
/// payload) and `CALL_READ` (the payload is copied back); neither means both, any other
/// flag (descriptor passing, `CONSUME`, ...) is EINVAL.
///
/// Entered without the kernel lock: the checks and the descriptor lookup need none. On a
/// machine with several CPUs a call on `/scheme/msg` or the root of `/scheme/mq`
/// ([`Unreferenced`]) goes on without it if the call [`runs_unlocked`](Callee::runs_unlocked),
/// taking it only for what needs it (`context::kernel_lock`), and is made again under it
/// if it answers `ENEEDLOCK`; every other call takes it before its metadata is read.
/// Only a payload larger than [`SMALL_PAYLOAD`] takes a reference to a msg or mq root
/// description (no call of theirs has one).
pub fn call(
    cx: &Context,
    frame: &mut TrapFrame,
    [fd, payload, payload_len, flags_and_len, meta]: [usize; 5],
) -> Result {
    let (flags, meta_len) = (flags_and_len & !CALL_METADATA_LEN, flags_and_len & CALL_METADATA_LEN);
    if flags & !(CALL_READ | CALL_WRITE) != 0 || meta_len > MAX_METADATA || payload_len > MAX_PAYLOAD {
        return Err(EINVAL);
    }
    let (copy_in, copy_out) = if flags == 0 { (true, true) } else { (flags & CALL_WRITE != 0, flags & CALL_READ != 0) };
    // An empty payload has nothing to copy either way.
    let (copy_in, copy_out) = (copy_in && payload_len > 0, copy_out && payload_len > 0);
    let args = [payload, payload_len, meta, meta_len];
    let desc = {
        let files = cx.process.files.lock();
        let desc = &files.get(fd)?.description;
        if let Some(callee) = Unreferenced::of(desc)
            && payload_len <= SMALL_PAYLOAD
        {
            drop(files);
            // A lone CPU has nobody to run kernel code beside it: the lock taken first
            // costs less than each step's look at whether it is held.
            if callee.may_run_unlocked() && percpu::online_count() > 1 {
                return call_without_lock(cx, frame, callee, args, copy_in, copy_out);
            }
            kernel_lock::acquire();
            return call_described::<false>(cx, frame, callee, args, copy_in, copy_out);
        }
        desc.clone()
    };
    kernel_lock::acquire();
    if payload_len > SMALL_PAYLOAD {
        return call_large(cx, frame, &desc, args, copy_in, copy_out);
    }
    call_described::<false>(cx, frame, &*desc, args, copy_in, copy_out)
}

/// What a `SYS_CALL` is made on: a description, or a scheme reached without one
/// ([`Unreferenced`]).
trait Callee: Copy {
    /// Whether the call `metadata` runs without the kernel lock.
    fn runs_unlocked(self, metadata: &[u64]) -> bool;
    /// Makes the call.
    fn call(self, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result;
}

impl Callee for &OpenDescription {
    #[inline(always)]
    fn runs_unlocked(self, _metadata: &[u64]) -> bool {
        false
    }

    #[inline(always)]
    fn call(self, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result {
        OpenDescription::call(self, payload, metadata, caller)
    }
}

/// `/scheme/sem`, `/scheme/msg`, or the root of `/scheme/mq`: descriptions that hold no
/// state, so that their calls need nothing of them. Their calls reach the scheme without
/// a reference to the description, which both processes of a fork share and would
/// otherwise count up and down on every call, and on a machine with several CPUs (the
/// System V message queue calls, mq_send and mq_receive) without the kernel lock.
#[derive(Clone, Copy)]
enum Unreferenced {
    Sem,
    Msg,
    MqRoot,
}

impl Unreferenced {
    /// The scheme `desc` is a description of, if it needs no reference.
    #[inline(always)]
    fn of(desc: &OpenDescription) -> Option<Self> {
        match desc.scheme {
            SchemeId::Sem => Some(Self::Sem),
            SchemeId::Msg => Some(Self::Msg),
            SchemeId::Mq if desc.handle == crate::scheme::mq::ROOT => Some(Self::MqRoot),
            _ => None,
        }
    }

    /// Whether some of its calls run without the kernel lock.
    #[inline(always)]
    fn may_run_unlocked(self) -> bool {
        !matches!(self, Self::Sem)
    }
}

impl Callee for Unreferenced {
    #[inline(always)]
    fn runs_unlocked(self, metadata: &[u64]) -> bool {
        match self {
            Self::Sem => false,
            Self::Msg => true,
            Self::MqRoot => crate::scheme::mq::MqScheme::runs_unlocked(metadata),
        }
    }

    #[inline(always)]
    fn call(self, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result {
        match self {
            Self::Sem => crate::scheme::sem::SemScheme.call(0, payload, metadata, caller),
            Self::Msg => crate::scheme::msg::MsgScheme.call(0, payload, metadata, caller),
            Self::MqRoot => crate::scheme::mq::MqScheme.call(crate::scheme::mq::ROOT, payload, metadata, caller),
        }
    }
}

/// [`call`] on a description that needs no reference ([`Unreferenced`]) on a machine
/// with several CPUs: without the kernel lock unless the call needs it. Out of line, to
/// keep the hot text (see linker.ld) for the one-CPU path.
#[inline(never)]
fn call_without_lock(
    cx: &Context,
    frame: &mut TrapFrame,
    callee: Unreferenced,
    args: [usize; 4],
    copy_in: bool,
    copy_out: bool,
) -> Result {
    call_described::<true>(cx, frame, callee, args, copy_in, copy_out)
}

/// The rest of [`call`] for a payload of at most [`SMALL_PAYLOAD`] bytes once the callee
/// is known: with `MAY_RUN_UNLOCKED`, the kernel lock is not held yet, and is taken
/// unless the call runs without it.
#[inline(always)]
fn call_described<const MAY_RUN_UNLOCKED: bool>(
    cx: &Context,
    frame: &mut TrapFrame,
    callee: impl Callee,
    [payload, payload_len, meta, meta_len]: [usize; 4],
    copy_in: bool,
    copy_out: bool,
) -> Result {
    // The stack buffers start uninitialized: zeroing them would be wide SSE stores, and
    // the first SSE instruction of a system call costs a lazy FPU save (arch::fpu).
    // Small payloads (every IPC call's) stay on the stack: no heap round trip per call.
    let mut meta_words = MaybeUninit::<[u64; MAX_METADATA]>::uninit();
    let mut small = MaybeUninit::<[u8; SMALL_PAYLOAD]>::uninit();
    let (meta_ptr, ptr) = (meta_words.as_mut_ptr().cast::<u8>(), small.as_mut_ptr().cast::<u8>());
    // SAFETY: `meta_len <= MAX_METADATA` words fit `meta_words`, and
    // `payload_len <= SMALL_PAYLOAD` bytes fit `small`.
    unsafe { cx.process.copy_in(meta as u64, meta_ptr, meta_len * 8)? };
    // SAFETY: the first `meta_len` words were initialized above.
    let metadata = unsafe { core::slice::from_raw_parts(meta_words.as_ptr().cast::<u64>(), meta_len) };
    let unlocked = MAY_RUN_UNLOCKED && callee.runs_unlocked(metadata);
    if MAY_RUN_UNLOCKED && !unlocked {
        kernel_lock::ensure_held();
    }
    if payload_len > 0 {
        // SAFETY: as above.
        unsafe { stage_payload(cx, payload, ptr, payload_len, copy_in, copy_out)? };
    }
    // SAFETY: the first `payload_len` bytes were initialized above.
    let data = unsafe { core::slice::from_raw_parts_mut(ptr, payload_len) };
    if unlocked {
        return call_scheme_unlocked(cx, frame, callee, data, metadata, payload, copy_out);
    }
    call_scheme(cx, frame, callee, data, metadata, payload, copy_out)
}

/// [`call_scheme`] for a call that runs without the kernel lock, made again under it if
/// it answers `ENEEDLOCK` (having changed nothing).
///
/// Out of line, and the result handled as the value `rax` gets: a `Result` kept across
/// the two ways was moved whole with a wide SSE move, and the first SSE instruction of
/// a call costs a lazy FPU save (`arch::fpu`). Decoding `rax`'s value and encoding it
/// again (`syscall::run`) gives back the same value, whatever a call returned.
#[inline(never)]
fn call_scheme_unlocked(
    cx: &Context,
    frame: &mut TrapFrame,
    callee: impl Callee,
    data: &mut [u8],
    metadata: &[u64],
    payload: usize,
    copy_out: bool,
) -> Result {
    let rax = |result: Result| match result {
        Ok(value) => value,
        Err(errno) => errno.to_syscall_return(),
    };
    let mut value = rax(call_scheme(cx, frame, callee, data, metadata, payload, copy_out));
    if value == ENEEDLOCK.to_syscall_return() {
        kernel_lock::ensure_held();
        value = rax(call_scheme(cx, frame, callee, data, metadata, payload, copy_out));
    }
    match value as isize {
        -4095..=-1 => Err(crate::errno::Errno::from_raw(-(value as isize) as i32)),
        _ => Ok(value),
    }
}

/// Brings a small payload of `len > 0` bytes at user address `payload` to `dst`: copied
/// (`copy_in`) or zeroed, and checked writable if it is to be copied back (`copy_out`).
///
/// Out of line: the calls without a payload (getppid, semop) share the hot text with the
/// system call entry (see linker.ld), and these copies inlined were several hundred
/// bytes of it.
///
/// # Safety
/// `dst` must be valid for writes of `len` bytes.
#[inline(never)]
unsafe fn stage_payload(
    cx: &Context,
    payload: usize,
    dst: *mut u8,
    len: usize,
    copy_in: bool,
    copy_out: bool,
) -> core::result::Result<(), crate::errno::Errno> {
    if copy_in {
        // SAFETY: the caller's.
        unsafe { cx.process.copy_in(payload as u64, dst, len)? };
    } else {
        // SAFETY: the caller's.
        unsafe { core::ptr::write_bytes(dst, 0, len) };
    }
    if copy_out {
        cx.process.check_writable(payload as u64, len)?;
    }
    Ok(())
}

/// Copies a call's payload back to user address `payload`: out of line, as
/// [`stage_payload`] is.
#[inline(never)]
fn copy_payload_back(cx: &Context, payload: usize, data: &[u8]) {
    let _ = cx.process.copy_out(payload as u64, data);
}

/// [`call`] with a payload too large for the stack.
#[cold]
fn call_large(
    cx: &Context,
    frame: &mut TrapFrame,
    desc: &OpenDescription,
    [payload, payload_len, meta, meta_len]: [usize; 4],
    copy_in: bool,
    copy_out: bool,
) -> Result {
    let mut metadata = [0u64; MAX_METADATA];
    let mut large = Vec::new();
    large.try_reserve_exact(payload_len).map_err(|_| crate::errno::ENOMEM)?;
    large.resize(payload_len, 0);
    cx.process.with_space(|s| {
        for (i, word) in metadata.iter_mut().enumerate().take(meta_len) {
            *word = read_user(s, meta as u64 + i as u64 * 8)?;
        }
        if copy_in {
            copy_from_user(s, payload as u64, &mut large)?;
        }
        if copy_out { check_writable(s, payload as u64, payload_len) } else { Ok(()) }
    })?;
    call_scheme(cx, frame, desc, &mut large, &metadata[..meta_len], payload, copy_out)
}

/// Runs the scheme call and copies the payload back if asked.
#[inline(always)]
fn call_scheme(
    cx: &Context,
    frame: &mut TrapFrame,
    callee: impl Callee,
    data: &mut [u8],
    metadata: &[u64],
    payload: usize,
    copy_out: bool,
) -> Result {
    let space_before = cx.process.pml4();
    let result = callee.call(data, metadata, &mut caller(cx, Some(frame)));
    // After an exec the old payload address means nothing in the new image.
    if copy_out && result.is_ok() && cx.process.pml4() == space_before && space_before.is_some() {
        copy_payload_back(cx, payload, data);
    }
    result
}
