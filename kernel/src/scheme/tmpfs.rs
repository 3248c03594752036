//! `/scheme/tmp`: a writable file system in memory, for `/tmp`. The rules (paths,
//! permissions, offsets, rename, removal while open) are `tmpfs_tree.rs`; this module
//! holds the one tree under a lock, hands it the caller's credentials, and keeps the file
//! data in physical frames.
//!
//! File data: each file is a [`SharedMemory`] object whose pages get a zeroed frame at
//! their first write, so holes cost nothing and reading one gives zeros. The frames come
//! from the frame allocator, not the kernel heap (a heap of an eighth of memory could not
//! hold much), and they are bounded: at most [`MAX_DATA_BYTES`] for the whole scheme, a
//! write past it is `ENOSPC` (or short, as on Linux, if part of it went in), as is a write
//! when no frame is left. Frames go back when a file shrinks and when a removed file's
//! last descriptor closes, so the proc scheme's free frame count shows the memory coming
//! back.
//!
//! `fmap` maps the object itself, so a shared mapping and read/write see the same bytes
//! (mapping a page past the size is SIGBUS at the touch, as on Linux). Pages a mapping
//! touches first are allocated by the page fault, outside the bound's check: each file
//! counts its resident pages again at its next operation, so the total stays exact but
//! can pass the bound through mappings (the frames running out end that, as for shared
//! memory objects). A mapped file that shrinks keeps the pages its mappings touched until
//! they go (`SharedMemory::resize`); a removed file's frames live while a mapping does.
//!
//! Locks: the caller's `creds`, then `TREE` (a leaf but for the frame allocator's lock,
//! taken when data grows or is dropped). No user memory is touched under either: the
//! system call layer copies through kernel buffers.

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use kestrel_abi::syscall::{EVENT_READ, EVENT_WRITE, MODE_DIR, MODE_FILE, Stat};
use spin::Mutex;

use super::tmpfs_tree::{FileData, Tree};
use super::{Caller, KernelScheme, Result};
use crate::errno::ENOSPC;
use crate::memory::shared::SharedMemory;
use crate::memory::{PAGE_SIZE, phys_to_virt};

/// Most bytes of file data the scheme holds at once.
pub const MAX_DATA_BYTES: u64 = 64 << 20;
const MAX_PAGES: u64 = MAX_DATA_BYTES / PAGE_SIZE;

const NS_PER_SEC: u64 = 1_000_000_000;

/// Frames holding file data now, over all files.
static PAGES_IN_USE: AtomicU64 = AtomicU64::new(0);

static TREE: spin::LazyLock<Mutex<Tree<Pages>>> = spin::LazyLock::new(|| Mutex::new(Tree::new()));

/// The tree, locked, with the time its operation stamps set to now.
fn tree() -> spin::MutexGuard<'static, Tree<Pages>> {
    let mut tree = TREE.lock();
    tree.set_now(crate::arch::clock::realtime_ns());
    tree
}

/// A file's data: its memory object, and how many of its resident pages are counted in
/// [`PAGES_IN_USE`].
pub struct Pages {
    object: Arc<SharedMemory>,
    counted: u64,
}

impl Default for Pages {
    fn default() -> Self {
        Self { object: SharedMemory::new(0, None), counted: 0 }
    }
}

/// The pieces of `len` bytes at `offset` that fall in one page each: (page, offset in
/// the page, offset in the buffer, length).
fn pieces(offset: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize, usize)> {
    let mut done = 0;
    core::iter::from_fn(move || {
        if done >= len {
            return None;
        }
        let at = offset + done as u64;
        let within = (at % PAGE_SIZE) as usize;
        let n = (PAGE_SIZE as usize - within).min(len - done);
        let piece = (at / PAGE_SIZE, within, done, n);
        done += n;
        Some(piece)
    })
}

impl Pages {
    /// Counts the pages that mappings added, or that shrinking took, since the last time.
    fn recount(&mut self) {
        let resident = self.object.resident_pages();
        if resident >= self.counted {
            PAGES_IN_USE.fetch_add(resident - self.counted, Ordering::Relaxed);
        } else {
            PAGES_IN_USE.fetch_sub(self.counted - resident, Ordering::Relaxed);
        }
        self.counted = resident;
    }

    /// The memory object, for `fmap`.
    pub fn object(&self) -> Arc<SharedMemory> {
        self.object.clone()
    }
}

impl FileData for Pages {
    fn read_at(&self, offset: u64, buf: &mut [u8]) {
        for (page, within, at, n) in pieces(offset, buf.len()) {
            let dst = &mut buf[at..at + n];
            match self.object.existing_frame(page) {
                // SAFETY: the frame belongs to this file's object, which holds it while the
                // tree (locked by the caller) holds the object, and is reached through the
                // direct map; `within + n <= PAGE_SIZE`. User mappings of the object share
                // the bytes, and user code on another CPU may write them during the copy:
                // it then reads some bytes from before and some from after, as Linux's
                // read of a file that is mapped and written at once does (any byte value
                // is a valid `u8`).
                Some(frame) => unsafe {
                    core::ptr::copy_nonoverlapping((phys_to_virt(frame) as *const u8).add(within), dst.as_mut_ptr(), n)
                },
                None => dst.fill(0),
            }
        }
    }

    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<usize> {
        self.recount();
        let object = &self.object;
        let end_page = (offset + buf.len() as u64).div_ceil(PAGE_SIZE);
        if object.pages() < end_page {
            object.resize(end_page);
        }
        let mut written = 0;
        for (page, within, at, n) in pieces(offset, buf.len()) {
            let frame = match object.existing_frame(page) {
                Some(frame) => frame,
                None if PAGES_IN_USE.load(Ordering::Relaxed) >= MAX_PAGES => break,
                None => match object.frame(page) {
                    Some(frame) => {
                        PAGES_IN_USE.fetch_add(1, Ordering::Relaxed);
                        self.counted += 1;
                        frame
                    }
                    None => break,
                },
            };
            // SAFETY: as in `read_at`.
            unsafe {
                core::ptr::copy_nonoverlapping(buf[at..].as_ptr(), (phys_to_virt(frame) as *mut u8).add(within), n)
            };
            written += n;
        }
        if written == 0 && !buf.is_empty() { Err(ENOSPC) } else { Ok(written) }
    }

    fn set_len(&mut self, old: u64, new: u64) -> Result<()> {
        let object = self.object.clone();
        let pages = new.div_ceil(PAGE_SIZE);
        if new < old {
            object.resize(pages);
            self.recount();
            // Bytes past the end of the last page must read as zeros if the file grows again.
            let within = (new % PAGE_SIZE) as usize;
            if within != 0
                && let Some(frame) = object.existing_frame(new / PAGE_SIZE)
            {
                // SAFETY: as in `read_at`; `within < PAGE_SIZE`.
                unsafe {
                    core::ptr::write_bytes((phys_to_virt(frame) as *mut u8).add(within), 0, PAGE_SIZE as usize - within)
                };
            }
        } else if object.pages() < pages {
            object.resize(pages);
        }
        Ok(())
    }

    fn allocated(&self) -> u64 {
        self.object.resident_pages() * PAGE_SIZE
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        PAGES_IN_USE.fetch_sub(self.counted, Ordering::Relaxed);
    }
}

/// The tmp scheme.
pub struct TmpScheme;

impl KernelScheme for TmpScheme {
    fn open(&self, path: &str, flags: usize, caller: &mut Caller<'_>) -> Result<usize> {
        let creds = caller.process.creds.lock();
        tree().open(&creds, path, flags)
    }

    fn read(&self, handle: usize, buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        tree().read(handle, buf)
    }

    fn write(&self, handle: usize, buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        tree().write(handle, buf)
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        let attrs = tree().attrs(handle)?;
        Ok(Stat {
            st_ino: attrs.ino,
            st_mode: if attrs.dir { MODE_DIR } else { MODE_FILE } | attrs.mode,
            st_nlink: attrs.nlink,
            st_uid: attrs.uid,
            st_gid: attrs.gid,
            st_size: attrs.size,
            st_blksize: PAGE_SIZE as u32,
            st_blocks: attrs.allocated / 512,
            st_atime: attrs.atime / NS_PER_SEC,
            st_atime_nsec: (attrs.atime % NS_PER_SEC) as u32,
            st_mtime: attrs.mtime / NS_PER_SEC,
            st_mtime_nsec: (attrs.mtime % NS_PER_SEC) as u32,
            st_ctime: attrs.ctime / NS_PER_SEC,
            st_ctime_nsec: (attrs.ctime % NS_PER_SEC) as u32,
            ..Stat::default()
        })
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        tree().path(handle)
    }

    /// Files are always ready: reads and writes never wait.
    fn poll(&self, _handle: usize) -> usize {
        EVENT_READ | EVENT_WRITE
    }

    fn seek(&self, handle: usize, offset: i64, whence: usize) -> Result<u64> {
        tree().seek(handle, offset, whence)
    }

    fn ftruncate(&self, handle: usize, len: u64) -> Result<()> {
        tree().truncate(handle, len)
    }

    fn unlink(&self, path: &str, caller: &mut Caller<'_>) -> Result<()> {
        let creds = caller.process.creds.lock();
        tree().unlink(&creds, path)
    }

    fn rmdir(&self, path: &str, caller: &mut Caller<'_>) -> Result<()> {
        let creds = caller.process.creds.lock();
        tree().rmdir(&creds, path)
    }

    fn rename(&self, handle: usize, new_path: &str, caller: &mut Caller<'_>) -> Result<()> {
        let creds = caller.process.creds.lock();
        tree().rename(&creds, handle, new_path)
    }

    fn chmod(&self, handle: usize, mode: u32, caller: &mut Caller<'_>) -> Result<()> {
        let creds = caller.process.creds.lock();
        tree().chmod(&creds, handle, mode)
    }

    fn chown(&self, handle: usize, uid: u32, gid: u32, caller: &mut Caller<'_>) -> Result<()> {
        let creds = caller.process.creds.lock();
        tree().chown(&creds, handle, uid, gid)
    }

    fn shared_memory(&self, handle: usize) -> Result<Arc<SharedMemory>> {
        tree().file_data(handle).map(Pages::object)
    }

    fn close(&self, handle: usize) {
        tree().close(handle);
    }
}

/// Pages of file data the in-memory file system holds, for the `sys` census.
pub fn pages_in_use() -> u64 {
    PAGES_IN_USE.load(Ordering::Relaxed)
}
