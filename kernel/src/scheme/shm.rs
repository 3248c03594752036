//! `/scheme/shm`: shared memory. Its root takes the System V calls (`shm_sysv`);
//! `/scheme/shm/NAME` is the POSIX shared memory object `NAME`, which `shm_open` opens,
//! `ftruncate` sizes, `fmap` with `MAP_SHARED` maps and `unlink` (`shm_unlink`) removes.
//! Opening the root with `O_CREAT` creates an object without a name (`memfd_create`),
//! which lives while it is open or mapped.
//!
//! A named object is a [`SharedMemory`] with an owner, a mode and a size in bytes. The
//! name holds one reference, each open descriptor one, each mapping one: unlinking takes
//! the name away at once, and the memory lives until the last descriptor and the last
//! mapping are gone, as on Linux.
//!
//! Access follows Linux's file rules for `/dev/shm`: opening needs read permission, and
//! write permission too for `O_RDWR` or `O_TRUNC` (owner, group, other classes; root
//! passes); removing a name needs its owner or root (`/dev/shm` is sticky). The mode of a
//! new object is the low nine bits of the open flags' mode word (there is no umask).
//!
//! Locks, in the order of `context::lock_order`: the caller's `creds`, then `NAMED`
//! (level Facility). Dropping an object frees its frames, which takes only the frame
//! allocator's lock.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;

use kestrel_abi::syscall::{MODE_FILE, O_ACCMODE, O_CREAT, O_EXCL, O_RDONLY, O_TRUNC, Stat};

use super::{Caller, KernelScheme, Result};
use crate::context::cred::Credentials;
use crate::context::lock_order::{Level, OrderedMutex};
use crate::errno::{EACCES, EEXIST, EFBIG, EINVAL, ENAMETOOLONG, ENODEV, ENOENT, EPERM};
use crate::memory::PAGE_SIZE;
use crate::memory::shared::SharedMemory;

/// The root handle: the System V calls.
const ROOT: usize = 0;
/// Longest name (NAME_MAX).
const NAME_MAX: usize = 255;
/// Largest object: the size must fit the user half of an address space.
const MAX_SIZE: u64 = crate::memory::address_space::USER_END;

/// A named object's identity and attributes.
struct Named {
    object: Arc<SharedMemory>,
    uid: u32,
    gid: u32,
    mode: u16,
    /// The size in bytes (`st_size`); the object has this many bytes rounded up to pages.
    size: u64,
    /// Whether the name still refers to it (`st_nlink`).
    linked: bool,
    /// The object's serial number (`st_ino`), unique among the objects made since boot: a
    /// library tells two opens of one object from opens of two objects that had the same
    /// name (as glibc's `sem_open` does with a file's device and inode).
    ino: u64,
}

/// The serial number of the next object (from 1).
static NEXT_INO: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);

impl Named {
    /// A new empty object, owned by the caller, with the permission bits of the open's
    /// mode word.
    fn new(creds: &Credentials, flags: usize) -> Arc<spin::Mutex<Self>> {
        Arc::new(spin::Mutex::new(Self {
            object: SharedMemory::new(0, None),
            uid: creds.euid,
            gid: creds.egid,
            mode: (flags & 0o777) as u16,
            size: 0,
            linked: true,
            ino: NEXT_INO.fetch_add(1, core::sync::atomic::Ordering::Relaxed),
        }))
    }

    /// Linux's file permission check: the class of the caller decides.
    fn check(&self, creds: &Credentials, read: bool, write: bool) -> Result<()> {
        let granted = if creds.euid == self.uid {
            self.mode >> 6
        } else if creds.in_group(self.gid) {
            self.mode >> 3
        } else {
            self.mode
        };
        let wanted = (u16::from(read) << 2) | (u16::from(write) << 1);
        if creds.is_root() || wanted & !granted & 0o6 == 0 { Ok(()) } else { Err(EACCES) }
    }
}

/// The names and the open descriptors' handles.
struct Objects {
    /// Objects by name; an unlinked object is only in `open` (and in mappings).
    names: BTreeMap<String, Arc<spin::Mutex<Named>>>,
    /// Open handles (from 1) to their objects.
    open: BTreeMap<usize, Arc<spin::Mutex<Named>>>,
    next_handle: usize,
}

impl Objects {
    /// A new handle for an open of `named`.
    fn open_handle(&mut self, named: Arc<spin::Mutex<Named>>) -> usize {
        let handle = self.next_handle;
        self.next_handle += 1;
        self.open.insert(handle, named);
        handle
    }
}

static OBJECTS: spin::LazyLock<OrderedMutex<Objects>> = spin::LazyLock::new(|| {
    OrderedMutex::new(Level::Facility, Objects { names: BTreeMap::new(), open: BTreeMap::new(), next_handle: ROOT + 1 })
});

/// Checks a name: one path component, not empty, not `.` or `..`, at most NAME_MAX bytes.
fn valid_name(name: &str) -> Result<()> {
    if name.len() > NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(EINVAL);
    }
    Ok(())
}

/// The page count of `size` bytes.
fn pages_of(size: u64) -> u64 {
    size.div_ceil(PAGE_SIZE)
}

/// The shm scheme.
pub struct ShmScheme;

impl ShmScheme {
    /// Opens (or with O_CREAT creates) the object `name`.
    fn open_named(name: &str, flags: usize, caller: &Caller<'_>) -> Result<usize> {
        valid_name(name)?;
        let access = if flags & O_ACCMODE == 0 { O_RDONLY } else { flags & O_ACCMODE };
        let (read, write) = (access & O_RDONLY == O_RDONLY, access & !O_RDONLY != 0);
        let creds = caller.process.creds.lock();
        let mut objects = OBJECTS.lock();
        let named = match objects.names.get(name) {
            Some(_) if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL => return Err(EEXIST),
            Some(named) => {
                let named = named.clone();
                let truncate = flags & O_TRUNC != 0;
                {
                    let mut guard = named.lock();
                    guard.check(&creds, read, write || truncate)?;
                    if truncate {
                        guard.size = 0;
                        guard.object.resize(0);
                    }
                }
                named
            }
            None if flags & O_CREAT == 0 => return Err(ENOENT),
            None => {
                let named = Named::new(&creds, flags);
                objects.names.insert(name.to_string(), named.clone());
                named
            }
        };
        Ok(objects.open_handle(named))
    }

    /// Creates an object without a name (`memfd_create`), open for reading and writing.
    /// As Linux's memfd files, it counts one link (it is no one's to unlink).
    fn open_anonymous(flags: usize, caller: &Caller<'_>) -> Result<usize> {
        if flags & O_ACCMODE != kestrel_abi::syscall::O_RDWR {
            return Err(EINVAL);
        }
        let creds = caller.process.creds.lock();
        let named = Named::new(&creds, flags);
        drop(creds);
        Ok(OBJECTS.lock().open_handle(named))
    }

    fn named(handle: usize) -> Result<Arc<spin::Mutex<Named>>> {
        OBJECTS.lock().open.get(&handle).cloned().ok_or(EINVAL)
    }
}

impl KernelScheme for ShmScheme {
    fn open(&self, path: &str, flags: usize, caller: &mut Caller<'_>) -> Result<usize> {
        match path {
            "" if flags & O_CREAT != 0 => Self::open_anonymous(flags, caller),
            "" => Ok(ROOT),
            _ => Self::open_named(path, flags, caller),
        }
    }

    fn call(&self, handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        if handle != ROOT {
            return Err(EINVAL);
        }
        super::shm_sysv::call(payload, metadata, caller)
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        if handle == ROOT {
            return Ok(Stat { st_mode: kestrel_abi::syscall::MODE_CHR | 0o666, ..Stat::default() });
        }
        let named = Self::named(handle)?;
        let named = named.lock();
        Ok(Stat {
            st_mode: MODE_FILE | named.mode,
            st_ino: named.ino,
            st_nlink: u32::from(named.linked),
            st_uid: named.uid,
            st_gid: named.gid,
            st_size: named.size,
            st_blksize: PAGE_SIZE as u32,
            st_blocks: named.object.resident_pages() * (PAGE_SIZE / 512),
            ..Stat::default()
        })
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        if handle == ROOT {
            return Ok(String::new());
        }
        let named = Self::named(handle)?;
        let objects = OBJECTS.lock();
        let name = objects.names.iter().find(|(_, n)| Arc::ptr_eq(n, &named)).map(|(name, _)| name.clone());
        Ok(name.unwrap_or_default())
    }

    fn ftruncate(&self, handle: usize, len: u64) -> Result<()> {
        if handle == ROOT {
            return Err(EINVAL);
        }
        if len > MAX_SIZE {
            return Err(EFBIG);
        }
        let named = Self::named(handle)?;
        let mut named = named.lock();
        named.size = len;
        named.object.resize(pages_of(len));
        Ok(())
    }

    fn unlink(&self, path: &str, caller: &mut Caller<'_>) -> Result<()> {
        valid_name(path)?;
        let creds = caller.process.creds.lock();
        let mut objects = OBJECTS.lock();
        let named = objects.names.get(path).ok_or(ENOENT)?;
        if named.lock().uid != creds.euid && !creds.is_root() {
            return Err(EPERM);
        }
        let removed = objects.names.remove(path);
        drop(objects);
        if let Some(named) = &removed {
            named.lock().linked = false;
        }
        drop(creds);
        drop(removed);
        Ok(())
    }

    fn shared_memory(&self, handle: usize) -> Result<Arc<SharedMemory>> {
        if handle == ROOT {
            return Err(ENODEV);
        }
        Ok(Self::named(handle)?.lock().object.clone())
    }

    fn close(&self, handle: usize) {
        if handle != ROOT {
            let closed = OBJECTS.lock().open.remove(&handle);
            drop(closed);
        }
    }
}

/// POSIX shared memory names, for the `sys` census (an unlinked object still mapped is
/// counted among the shared memory objects).
pub fn name_count() -> usize {
    OBJECTS.lock().names.len()
}
