//! File descriptors: open, read, write, close, dup, fcntl, fstat, fpath, fevent, pipes
//! and the scheme-specific `SYS_CALL`.

use kestrel_abi::syscall::{
    SYS_CALL, SYS_CLOSE, SYS_DUP2, SYS_FCNTL, SYS_FEVENT, SYS_FPATH, SYS_FSTAT, SYS_OPEN, SYS_PIPE2, SYS_READ,
    SYS_WRITE, Stat,
};

use crate::syscall::{syscall1, syscall2, syscall3, syscall4, syscall5};
use crate::{Errno, Result, slice_addr, slice_addr_mut};

pub use kestrel_abi::syscall::{
    EVENT_READ, EVENT_WRITE, F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_ACCMODE, O_CLOEXEC, O_CREAT,
    O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY,
};
pub use kestrel_abi::syscall::{O_APPEND, O_DIRECTORY, SEEK_CUR, SEEK_END, SEEK_SET};

/// Standard input, output and error.
pub const STDIN: usize = 0;
pub const STDOUT: usize = 1;
pub const STDERR: usize = 2;

/// Opens `path` (`/scheme/NAME/...`) with `O_*` flags; returns the fd.
pub fn open(path: &str, flags: usize) -> Result<usize> {
    // SAFETY: the kernel only reads the path's bytes.
    unsafe { syscall3(SYS_OPEN, slice_addr(path.as_bytes()), path.len(), flags) }
}

/// Reads into `buf`; returns the number of bytes read (0 at the end).
pub fn read(fd: usize, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the kernel writes at most buf.len() bytes into buf.
    unsafe { syscall3(SYS_READ, fd, slice_addr_mut(buf), buf.len()) }
}

/// Writes from `buf`; returns the number of bytes written.
pub fn write(fd: usize, buf: &[u8]) -> Result<usize> {
    // SAFETY: the kernel only reads buf.
    unsafe { syscall3(SYS_WRITE, fd, slice_addr(buf), buf.len()) }
}

/// Writes all of `buf`, retrying after short writes and `EINTR`.
pub fn write_all(fd: usize, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        match write(fd, buf) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => buf = &buf[n.min(buf.len())..],
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads until the end of the file into a new vector.
pub fn read_to_end(fd: usize) -> Result<alloc::vec::Vec<u8>> {
    let mut out = alloc::vec::Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match read(fd, &mut chunk) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Closes `fd`.
pub fn close(fd: usize) -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall1(SYS_CLOSE, fd).map(drop) }
}

/// Duplicates `fd` onto the lowest free descriptor.
pub fn dup(fd: usize) -> Result<usize> {
    // SAFETY: no memory is passed.
    unsafe { syscall4(SYS_DUP2, fd, usize::MAX, 0, 0) }
}

/// Duplicates `fd` onto `newfd`, closing what was there.
pub fn dup2(fd: usize, newfd: usize) -> Result<usize> {
    // SAFETY: no memory is passed.
    unsafe { syscall4(SYS_DUP2, fd, newfd, 0, 0) }
}

/// `fcntl(fd, cmd, arg)` with the `F_*` commands.
pub fn fcntl(fd: usize, cmd: usize, arg: usize) -> Result<usize> {
    // SAFETY: none of the supported commands takes a pointer.
    unsafe { syscall3(SYS_FCNTL, fd, cmd, arg) }
}

/// The status of `fd`.
pub fn fstat(fd: usize) -> Result<Stat> {
    let mut stat = Stat::default();
    // SAFETY: the kernel writes at most size_of::<Stat>() bytes into `stat`, a plain
    // struct of integers.
    unsafe { syscall3(SYS_FSTAT, fd, &raw mut stat as usize, size_of::<Stat>())? };
    Ok(stat)
}

/// The path of `fd`, written into `buf`; returns its length.
pub fn fpath(fd: usize, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the kernel writes at most buf.len() bytes into buf.
    unsafe { syscall3(SYS_FPATH, fd, slice_addr_mut(buf), buf.len()) }
}

/// `fevent(fd, flags)`: the descriptor's current readiness (`EVENT_*` bits).
pub fn fevent(fd: usize, flags: usize) -> Result<usize> {
    // SAFETY: no memory is passed.
    unsafe { syscall2(SYS_FEVENT, fd, flags) }
}

/// `pipe2(flags)` (`O_CLOEXEC`, `O_NONBLOCK`): a new pipe's read end and write end.
pub fn pipe2(flags: usize) -> Result<[usize; 2]> {
    let mut fds = [0usize; 2];
    // SAFETY: the kernel writes two words into fds.
    unsafe { syscall2(SYS_PIPE2, fds.as_mut_ptr() as usize, flags)? };
    Ok(fds)
}

/// `lseek(fd, offset, whence)`: the new offset.
pub fn lseek(fd: usize, offset: i64, whence: usize) -> Result<u64> {
    // SAFETY: no memory is passed.
    unsafe { syscall3(kestrel_abi::syscall::SYS_LSEEK, fd, offset as usize, whence).map(|n| n as u64) }
}

/// `unlink(path)`.
pub fn unlink(path: &str) -> Result<()> {
    // SAFETY: the kernel only reads the path's bytes.
    unsafe { syscall2(kestrel_abi::syscall::SYS_UNLINK, slice_addr(path.as_bytes()), path.len()).map(drop) }
}

/// `rmdir(path)`.
pub fn rmdir(path: &str) -> Result<()> {
    // SAFETY: the kernel only reads the path's bytes.
    unsafe { syscall2(kestrel_abi::syscall::SYS_RMDIR, slice_addr(path.as_bytes()), path.len()).map(drop) }
}

/// `mkdir(path, mode)`, as Redox makes directories: an exclusive `O_CREAT | O_DIRECTORY` open.
pub fn mkdir(path: &str, mode: usize) -> Result<()> {
    close(open(path, O_CREAT | O_EXCL | O_DIRECTORY | (mode & 0o7777))?)
}

/// `frename(fd, path)`: the file open on `fd` takes the name `path` (same scheme).
pub fn frename(fd: usize, path: &str) -> Result<()> {
    // SAFETY: the kernel only reads the path's bytes.
    unsafe { syscall3(kestrel_abi::syscall::SYS_FRENAME, fd, slice_addr(path.as_bytes()), path.len()).map(drop) }
}

/// `fchmod(fd, mode)`.
pub fn fchmod(fd: usize, mode: u32) -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall2(kestrel_abi::syscall::SYS_FCHMOD, fd, mode as usize).map(drop) }
}

/// `fchown(fd, uid, gid)`; `u32::MAX` leaves one unchanged.
pub fn fchown(fd: usize, uid: u32, gid: u32) -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall3(kestrel_abi::syscall::SYS_FCHOWN, fd, uid as usize, gid as usize).map(drop) }
}

/// `ftruncate(fd, len)`.
pub fn ftruncate(fd: usize, len: u64) -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall2(kestrel_abi::syscall::SYS_FTRUNCATE, fd, len as usize).map(drop) }
}

/// Most metadata words a `SYS_CALL` carries.
pub const MAX_METADATA: usize = 3;

/// `SYS_CALL` on `fd`: a scheme-specific operation with `payload` (read and written
/// back by the kernel) and up to [`MAX_METADATA`] metadata words.
pub fn call(fd: usize, payload: &mut [u8], flags: usize, metadata: &[u64]) -> Result<usize> {
    if metadata.len() > MAX_METADATA {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the kernel reads and writes at most payload.len() bytes of payload and
    // reads metadata.len() words of metadata.
    unsafe {
        syscall5(SYS_CALL, fd, slice_addr_mut(payload), payload.len(), flags | metadata.len(), slice_addr(metadata))
    }
}

/// Bytes of a plain value, for payloads and writes of ABI structures.
pub fn bytes_of<T: Plain>(value: &T) -> &[u8] {
    // SAFETY: Plain types are repr(C) integers with no uninitialised padding, so all of
    // their bytes may be read.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
}

/// Mutable bytes of a plain value, for reads of ABI structures.
pub fn bytes_of_mut<T: Plain>(value: &mut T) -> &mut [u8] {
    // SAFETY: Plain types accept every bit pattern, so any bytes may be written.
    unsafe { core::slice::from_raw_parts_mut((value as *mut T).cast::<u8>(), size_of::<T>()) }
}

/// ABI structures that may be viewed as bytes.
///
/// # Safety
/// The type must be `repr(C)` integers without implicit padding, valid for every bit
/// pattern.
pub unsafe trait Plain: Copy {}

// SAFETY: integers.
unsafe impl Plain for u32 {}
// SAFETY: integers.
unsafe impl Plain for i32 {}
// SAFETY: integers.
unsafe impl Plain for u64 {}
// SAFETY: repr(C) integers with the padding named.
unsafe impl Plain for kestrel_abi::syscall::TimeSpec {}
// SAFETY: repr(C) integers.
unsafe impl Plain for kestrel_abi::syscall::Event {}
// SAFETY: repr(C) integers.
unsafe impl Plain for kestrel_abi::syscall::Map {}
// SAFETY: repr(C) integers with the padding named.
unsafe impl Plain for kestrel_abi::syscall::Stat {}
// SAFETY: repr(C) integers.
unsafe impl Plain for kestrel_abi::proc::ThreadArgs {}
// SAFETY: repr(C) integers.
unsafe impl Plain for kestrel_abi::signal::SigAction {}
// SAFETY: an array of Plain values has no padding between its elements.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}
