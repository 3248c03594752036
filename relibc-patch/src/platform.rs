//! The platform adapter of the standalone build: what the header modules need from the
//! system, for kestrel guest programs linked against the C runtime of `userspace/`.
//!
//! This is the only file that differs between the two builds: `relibc/platform.rs` is its
//! relibc twin (installed as relibc's `src/header/_kestrel/mod.rs`) and exports the same
//! names. Keep the two in step.
//!
//! - C types: the guest's `sys/types.h` (glibc's x86_64 choices: `uid_t`, `gid_t` and
//!   `mode_t` are `unsigned int`, `key_t` is `int`).
//! - Errors: Linux errno values (the kestrel ABI uses them), stored in the C runtime's
//!   global `int errno`.
//! - System calls: raw kestrel syscalls (`SYS_OPEN`, `SYS_FSTAT`, `SYS_CLOSE`). On the host,
//!   under `cargo test`, a stand-in kernel answers them instead (see `sys`).

#![allow(non_camel_case_types)]

pub use core::ffi::{c_char, c_int, c_ulong, c_ushort};

pub use kestrel_abi::errno;
use kestrel_abi::syscall::{O_CLOEXEC, O_RDONLY, Stat};

/// `key_t`: System V IPC keys.
pub type key_t = c_int;
/// `uid_t`.
pub type uid_t = u32;
/// `gid_t`.
pub type gid_t = u32;
/// `mode_t`.
pub type mode_t = u32;

/// The numbers that identify a file: its device and its inode (`st_dev`, `st_ino`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// The device and inode numbers of the file at `path`, or the errno of the failed lookup.
///
/// kestrel has no stat-by-path call: the file is opened read-only, `fstat`ed and closed.
/// Paths are scheme paths (`/scheme/initfs/NAME`); any other path is passed to the kernel
/// as given (and is `ENOENT` unless a scheme serves it).
///
/// # Safety
///
/// `path` points to a NUL-terminated string readable up to its NUL.
pub unsafe fn file_id(path: *const c_char) -> Result<FileId, c_int> {
    // SAFETY: the caller vouches for a readable NUL-terminated string.
    let path = unsafe { core::ffi::CStr::from_ptr(path) };
    let fd = sys::open(path.to_bytes(), O_RDONLY | O_CLOEXEC)?;
    let mut stat = Stat::default();
    let result = sys::fstat(fd, &mut stat);
    // The descriptor is gone whatever close says; its error cannot change the answer.
    let _ = sys::close(fd);
    result?;
    Ok(FileId { dev: stat.st_dev, ino: stat.st_ino })
}

/// Sets the caller-visible `errno`.
pub fn set_errno(value: c_int) {
    sys::set_errno(value);
}

/// The guest's system calls: `syscall` with the number in `rax`, arguments in `rdi`, `rsi`,
/// `rdx`; `rcx` and `r11` are clobbered; a result in `-4095..=-1` is a negated errno.
#[cfg(not(test))]
mod sys {
    use core::arch::asm;

    use kestrel_abi::syscall::{SYS_CLOSE, SYS_FSTAT, SYS_OPEN, Stat};

    use super::c_int;

    unsafe extern "C" {
        /// The C runtime's `extern int errno`.
        static mut errno: c_int;
    }

    /// # Safety
    ///
    /// The kernel may read or write memory at addresses among the arguments: the caller
    /// makes sure those ranges belong to live objects it may hand over.
    unsafe fn syscall3(number: usize, a: usize, b: usize, c: usize) -> Result<usize, c_int> {
        let ret: usize;
        // SAFETY: the caller vouches for the memory the call touches; the kernel preserves
        // every register but rax, rcx and r11 and does not use the user stack.
        unsafe {
            asm!("syscall", inlateout("rax") number => ret, in("rdi") a, in("rsi") b, in("rdx") c,
                 out("rcx") _, out("r11") _, options(nostack));
        }
        match ret as isize {
            e @ -4095..=-1 => Err(-e as c_int),
            _ => Ok(ret),
        }
    }

    pub fn open(path: &[u8], flags: usize) -> Result<usize, c_int> {
        // SAFETY: the kernel reads `path.len()` bytes at `path.as_ptr()`: the borrowed slice.
        unsafe { syscall3(SYS_OPEN, path.as_ptr() as usize, path.len(), flags) }
    }

    pub fn fstat(fd: usize, stat: &mut Stat) -> Result<(), c_int> {
        let buf = core::ptr::from_mut(stat) as usize;
        // SAFETY: the kernel writes at most `size_of::<Stat>()` bytes at `buf`: `*stat`,
        // borrowed mutably for the call.
        unsafe { syscall3(SYS_FSTAT, fd, buf, size_of::<Stat>()) }.map(drop)
    }

    pub fn close(fd: usize) -> Result<(), c_int> {
        // SAFETY: closing a descriptor touches no memory of this program.
        unsafe { syscall3(SYS_CLOSE, fd, 0, 0) }.map(drop)
    }

    pub fn set_errno(value: c_int) {
        // SAFETY: `errno` is an int defined by the C runtime, so the address is valid and
        // aligned; the raw-pointer store creates no Rust reference that could alias C's.
        unsafe { (&raw mut errno).write(value) }
    }
}

/// A stand-in kernel for host tests: a few fixed files, descriptors counted so that tests
/// see leaks, and `errno` in a thread-local.
#[cfg(test)]
pub(crate) mod sys {
    use std::cell::{Cell, RefCell};
    use std::collections::BTreeMap;

    use kestrel_abi::errno::{EBADF, EIO, ENOENT};
    use kestrel_abi::syscall::{O_ACCMODE, O_RDONLY, Stat};

    use super::c_int;

    /// A file the stand-in serves at `path`; `fstat_fails` makes its `fstat` return `EIO`.
    pub struct FakeFile {
        pub path: &'static str,
        pub dev: u64,
        pub ino: u64,
        pub fstat_fails: bool,
    }

    pub const FILES: &[FakeFile] = &[
        FakeFile { path: "/scheme/initfs/t_ipc", dev: 0, ino: 7, fstat_fails: false },
        FakeFile { path: "/scheme/initfs/", dev: 0, ino: 1, fstat_fails: false },
        FakeFile {
            path: "/scheme/disk/big",
            dev: 0x1234_5678_9abc_def0,
            ino: 0xfedc_ba98_7654_3210,
            fstat_fails: false,
        },
        FakeFile { path: "/scheme/broken/file", dev: 3, ino: 4, fstat_fails: true },
    ];

    thread_local! {
        static ERRNO: Cell<c_int> = const { Cell::new(0) };
        static OPEN: RefCell<BTreeMap<usize, usize>> = const { RefCell::new(BTreeMap::new()) };
        static NEXT_FD: Cell<usize> = const { Cell::new(3) };
    }

    pub fn open(path: &[u8], flags: usize) -> Result<usize, c_int> {
        assert_eq!(flags & O_ACCMODE, O_RDONLY, "ftok must not ask for write access");
        let index = FILES.iter().position(|f| f.path.as_bytes() == path).ok_or(ENOENT)?;
        let fd = NEXT_FD.get();
        NEXT_FD.set(fd + 1);
        OPEN.with_borrow_mut(|open| open.insert(fd, index));
        Ok(fd)
    }

    pub fn fstat(fd: usize, stat: &mut Stat) -> Result<(), c_int> {
        let index = OPEN.with_borrow(|open| open.get(&fd).copied()).ok_or(EBADF)?;
        let file = &FILES[index];
        if file.fstat_fails {
            return Err(EIO);
        }
        *stat = Stat { st_dev: file.dev, st_ino: file.ino, ..Stat::default() };
        Ok(())
    }

    pub fn close(fd: usize) -> Result<(), c_int> {
        OPEN.with_borrow_mut(|open| open.remove(&fd)).map(drop).ok_or(EBADF)
    }

    pub fn set_errno(value: c_int) {
        ERRNO.set(value);
    }

    /// The stand-in's `errno`.
    pub fn errno() -> c_int {
        ERRNO.get()
    }

    /// How many descriptors are open.
    pub fn open_count() -> usize {
        OPEN.with_borrow(BTreeMap::len)
    }
}
