//! The scheme trait, the registry of kernel schemes and open file descriptions; the
//! descriptor tables that hold them are [`super::file_table`]'s.

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::errno::{EBADF, EINVAL, ENODEV, ENOENT, EOPNOTSUPP, ESPIPE, EXDEV};
use kestrel_abi::syscall::{O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, Stat};

pub use super::file_table::{FileDescriptor, FileTable, MAX_FDS, UPPER_FDTBL_TAG};
use crate::arch::interrupts::TrapFrame;
use crate::context::{Process, Thread};

/// Result of a scheme operation: a value or a Linux errno.
pub type Result<T> = crate::errno::Result<T>;

/// Who is calling, for permission checks and for operations on the caller itself.
pub struct Caller<'a> {
    /// The calling thread.
    pub thread: &'a Arc<Thread>,
    /// Its process.
    pub process: &'a Arc<Process>,
    /// The user registers, for calls that act on the caller (fork, exec).
    pub frame: Option<&'a mut TrapFrame>,
}

/// A kernel service reached through `/scheme/NAME`.
pub trait KernelScheme: Send + Sync {
    /// Opens `path` (the part after `/scheme/NAME/`) and returns a handle.
    fn open(&self, path: &str, flags: usize, caller: &mut Caller<'_>) -> Result<usize>;

    /// Reads into `buf`; `nonblock` reports `O_NONBLOCK` on the description.
    fn read(&self, _handle: usize, _buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        Err(EBADF)
    }

    /// Writes from `buf`.
    fn write(&self, _handle: usize, _buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        Err(EBADF)
    }

    /// Scheme-specific operation (`SYS_CALL`): `payload` is copied back to the caller.
    fn call(&self, _handle: usize, _payload: &mut [u8], _metadata: &[u64], _caller: &mut Caller<'_>) -> Result<usize> {
        Err(EOPNOTSUPP)
    }

    /// File status.
    fn fstat(&self, handle: usize) -> Result<Stat>;

    /// The path the handle was opened with, without the `/scheme/NAME/` prefix.
    fn fpath(&self, handle: usize) -> Result<String>;

    /// Readiness: `EVENT_READ`, `EVENT_WRITE`, `EVENT_HUP` and `EVENT_ERR` bits.
    fn poll(&self, _handle: usize) -> usize {
        0
    }

    /// A cell that holds the handle's readiness at all times (what `poll` answers), for a
    /// scheme that stores it at each change: an event queue's registration then reads it
    /// without a call into the scheme and its handle table.
    fn readiness_cell(&self, _handle: usize) -> Option<ReadinessCell> {
        None
    }

    /// The monotonic time at which the handle's readiness will change by itself, if any
    /// (timers), so that a waiter can sleep until then.
    fn next_deadline(&self, _handle: usize) -> Option<u64> {
        None
    }

    /// Sets the size of the handle's file (`ftruncate`).
    fn ftruncate(&self, _handle: usize, _len: u64) -> Result<()> {
        Err(EINVAL)
    }

    /// Removes the name `path` (the part after `/scheme/NAME/`).
    fn unlink(&self, _path: &str, _caller: &mut Caller<'_>) -> Result<()> {
        Err(EOPNOTSUPP)
    }

    /// Removes the empty directory `path`.
    fn rmdir(&self, _path: &str, _caller: &mut Caller<'_>) -> Result<()> {
        Err(EOPNOTSUPP)
    }

    /// Moves the handle's file to `new_path` in the same scheme (`frename`).
    fn rename(&self, _handle: usize, _new_path: &str, _caller: &mut Caller<'_>) -> Result<()> {
        Err(EOPNOTSUPP)
    }

    /// Sets the offset (`lseek`, `SEEK_*` whence); ESPIPE where the handle cannot seek.
    fn seek(&self, _handle: usize, _offset: i64, _whence: usize) -> Result<u64> {
        Err(ESPIPE)
    }

    /// Sets the file's permission bits (`fchmod`).
    fn chmod(&self, _handle: usize, _mode: u32, _caller: &mut Caller<'_>) -> Result<()> {
        Err(EOPNOTSUPP)
    }

    /// Sets the file's owner and group (`fchown`; `u32::MAX` keeps one).
    fn chown(&self, _handle: usize, _uid: u32, _gid: u32, _caller: &mut Caller<'_>) -> Result<()> {
        Err(EOPNOTSUPP)
    }

    /// The shared memory behind the handle, for `fmap` with `MAP_SHARED`; ENODEV if the
    /// handle's file cannot be mapped.
    fn shared_memory(&self, _handle: usize) -> Result<Arc<crate::memory::shared::SharedMemory>> {
        Err(ENODEV)
    }

    /// Process `pid` closed one of its descriptors of the handle: every close, not only
    /// the last (`close`, `dup2` over it, close-on-exec, exit), as Linux's `flush`. A POSIX
    /// queue drops the process's mq_notify registration here.
    fn flush(&self, _handle: usize, _pid: u32) {}

    /// The last description of the handle went away.
    fn close(&self, handle: usize);
}

/// The kernel's schemes. A description names its scheme by this, so the frequent calls
/// (proc, sem) are dispatched with a match, not through the trait object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemeId {
    Debug,
    Event,
    Initfs,
    Proc,
    Sem,
    Time,
    Msg,
    Shm,
    Pipe,
    Tmp,
    Mq,
    Signalfd,
    Eventfd,
    Timerfd,
    Sys,
}

impl SchemeId {
    /// Every scheme, with the name it is opened by (`/scheme/NAME`).
    pub const ALL: [(&'static str, SchemeId); 15] = [
        ("debug", Self::Debug),
        ("event", Self::Event),
        ("eventfd", Self::Eventfd),
        ("initfs", Self::Initfs),
        ("mq", Self::Mq),
        ("msg", Self::Msg),
        ("pipe", Self::Pipe),
        ("proc", Self::Proc),
        ("sem", Self::Sem),
        ("shm", Self::Shm),
        ("signalfd", Self::Signalfd),
        ("sys", Self::Sys),
        ("time", Self::Time),
        ("timerfd", Self::Timerfd),
        ("tmp", Self::Tmp),
    ];

    /// The scheme opened as `/scheme/NAME`.
    pub fn by_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|&(_, id)| id)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|&&(_, id)| id == self).map_or("?", |(n, _)| n)
    }

    /// The scheme itself.
    pub fn scheme(self) -> &'static dyn KernelScheme {
        match self {
            Self::Debug => &super::debug::DebugScheme,
            Self::Event => &super::event::EVENT_SCHEME,
            Self::Eventfd => &super::eventfd::EventfdScheme,
            Self::Initfs => super::initfs::instance(),
            Self::Mq => &super::mq::MqScheme,
            Self::Msg => &super::msg::MsgScheme,
            Self::Pipe => &super::pipe::PipeScheme,
            Self::Proc => &super::proc::ProcScheme,
            Self::Sem => &super::sem::SemScheme,
            Self::Shm => &super::shm::ShmScheme,
            Self::Signalfd => &super::signalfd::SignalfdScheme,
            Self::Sys => &super::sys::SysScheme,
            Self::Time => &super::time::TIME_SCHEME,
            Self::Timerfd => &super::timerfd::TimerfdScheme,
            Self::Tmp => &super::tmpfs::TmpScheme,
        }
    }
}

/// The IPC facilities whose per-process state follows fork, exec and exit.
pub fn ipc_facilities() -> &'static [&'static dyn crate::context::ipc::IpcHooks] {
    &[&super::sem::SemHooks]
}

/// Serves `initfs` (the boot module image; may be empty) as `/scheme/initfs`.
pub fn init(initfs: &'static [u8]) {
    let initfs: &'static super::initfs::InitFs =
        alloc::boxed::Box::leak(alloc::boxed::Box::new(super::initfs::InitFs::new(initfs)));
    initfs.publish();
}

/// The initfs scheme's image, for the program loader.
pub fn initfs() -> &'static super::initfs::InitFs {
    super::initfs::instance()
}

/// Open descriptions of each scheme (by `SchemeId as usize`), for the `sys` scheme's
/// census: a description that outlives what holds it shows there.
static DESCRIPTIONS: [AtomicUsize; SchemeId::ALL.len()] = [const { AtomicUsize::new(0) }; SchemeId::ALL.len()];

/// Open descriptions of `scheme` now.
pub fn open_descriptions(scheme: SchemeId) -> usize {
    DESCRIPTIONS[scheme as usize].load(Ordering::Relaxed)
}

/// An open file description.
/// A handle's readiness (`EVENT_*` bits), kept current by its scheme (see
/// [`KernelScheme::readiness_cell`]).
pub type ReadinessCell = alloc::sync::Arc<core::sync::atomic::AtomicUsize>;

pub struct OpenDescription {
    pub scheme: SchemeId,
    pub handle: usize,
    flags: AtomicUsize,
}

impl OpenDescription {
    /// A description of `handle` on `scheme`, with the access mode and `O_NONBLOCK` of
    /// `flags`, for a scheme that makes its handles other than by `open` (pipes).
    pub fn new(scheme: SchemeId, handle: usize, flags: usize) -> Self {
        DESCRIPTIONS[scheme as usize].fetch_add(1, Ordering::Relaxed);
        Self { scheme, handle, flags: AtomicUsize::new(flags & (O_ACCMODE | O_NONBLOCK)) }
    }

    /// Access mode and status flags (`O_ACCMODE | O_NONBLOCK`).
    pub fn flags(&self) -> usize {
        self.flags.load(Ordering::Relaxed)
    }

    /// Changes the status flags that `F_SETFL` may change (`O_NONBLOCK`).
    pub fn set_status_flags(&self, flags: usize) {
        let keep = self.flags() & O_ACCMODE;
        self.flags.store(keep | (flags & O_NONBLOCK), Ordering::Relaxed);
    }

    /// Whether the description was opened for reading.
    pub fn readable(&self) -> bool {
        matches!(self.flags() & O_ACCMODE, O_RDONLY | O_RDWR)
    }

    /// Whether the description was opened for writing.
    pub fn writable(&self) -> bool {
        matches!(self.flags() & O_ACCMODE, O_WRONLY | O_RDWR)
    }

    /// Whether O_NONBLOCK is set.
    pub fn nonblock(&self) -> bool {
        self.flags() & O_NONBLOCK != 0
    }

    /// The scheme behind the description.
    #[inline]
    pub fn scheme(&self) -> &'static dyn KernelScheme {
        self.scheme.scheme()
    }

    /// `SYS_CALL` on the description's scheme. The proc scheme, whose calls are frequent,
    /// is called directly rather than through the trait object (the sem, msg and mq calls
    /// reach their schemes without the description: `syscall::fs::call`).
    #[inline(always)]
    pub fn call(&self, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        match self.scheme {
            SchemeId::Proc => super::proc::ProcScheme.call(self.handle, payload, metadata, caller),
            other => other.scheme().call(self.handle, payload, metadata, caller),
        }
    }
}

impl Drop for OpenDescription {
    fn drop(&mut self) {
        DESCRIPTIONS[self.scheme as usize].fetch_sub(1, Ordering::Relaxed);
        self.scheme.scheme().close(self.handle);
    }
}

/// The scheme a path (`/scheme/NAME[/REST]`) names, and REST.
fn resolve(path: &str) -> Result<(SchemeId, &str)> {
    let rest = path.strip_prefix("/scheme/").ok_or(ENOENT)?;
    let (name, sub) = rest.split_once('/').unwrap_or((rest, ""));
    Ok((SchemeId::by_name(name).ok_or(ENOENT)?, sub))
}

/// Removes the name `path` (`/scheme/NAME/REST`).
pub fn unlink(path: &str, caller: &mut Caller<'_>) -> Result<()> {
    let (scheme, sub) = resolve(path)?;
    scheme.scheme().unlink(sub, caller)
}

/// Removes the directory `path` (`/scheme/NAME/REST`).
pub fn rmdir(path: &str, caller: &mut Caller<'_>) -> Result<()> {
    let (scheme, sub) = resolve(path)?;
    scheme.scheme().rmdir(sub, caller)
}

/// Moves the file of `desc` to `path` (`/scheme/NAME/REST`), which must be on the same
/// scheme (else EXDEV, as rename(2) across file systems).
pub fn rename(desc: &OpenDescription, path: &str, caller: &mut Caller<'_>) -> Result<()> {
    let (scheme, sub) = resolve(path)?;
    if scheme != desc.scheme {
        return Err(EXDEV);
    }
    scheme.scheme().rename(desc.handle, sub, caller)
}

/// Opens `path` (`/scheme/NAME[/REST]`) for the caller.
pub fn open(path: &str, flags: usize, caller: &mut Caller<'_>) -> Result<Arc<OpenDescription>> {
    let (scheme, sub) = resolve(path)?;
    crate::memory::heap::reserve_headroom()?;
    let ops = scheme.scheme();
    // No access mode given means read-only, as O_RDONLY is 0 in C.
    let mode = if flags & O_ACCMODE == 0 { O_RDONLY } else { flags & O_ACCMODE };
    let handle = ops.open(sub, flags, caller)?;
    Ok(Arc::new(OpenDescription::new(scheme, handle, mode | (flags & O_NONBLOCK))))
}

/// Closes descriptors that process `pid` held: each scheme is told ([`KernelScheme::flush`]),
/// then they are dropped (a description's last reference runs its scheme's `close`). Call
/// with no lock held.
pub fn close_descriptors(pid: u32, descriptors: impl IntoIterator<Item = FileDescriptor>) {
    for descriptor in descriptors {
        let description = &descriptor.description;
        description.scheme().flush(description.handle, pid);
    }
}
