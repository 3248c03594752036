//! `/scheme/initfs`: the read-only files of the boot module (the guest programs, the
//! test manifest, and files under directories such as `etc/passwd`). A directory
//! (`/scheme/initfs/` itself, `/scheme/initfs/etc`) reads as the names directly in it,
//! one per line; a directory is implied by the names below it (`kestrel_abi::initfs`).
//! Files seek (`lseek`) as read-only files do.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::errno::{EACCES, EBADF, EINVAL, EISDIR, ENOENT, ENOTDIR};
use kestrel_abi::initfs::Image;
use kestrel_abi::syscall::{EVENT_READ, MODE_DIR, MODE_FILE, O_ACCMODE, O_RDONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat};
use spin::Mutex;

use super::{Caller, KernelScheme, Result};

static INSTANCE: spin::Once<&'static InitFs> = spin::Once::new();

/// What a handle reads: a file (its index in the image) or a directory (its index in
/// `InitFs::dirs`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Node {
    File(usize),
    Dir(usize),
}

/// A directory: its path (`""` for the root) and its listing.
struct Dir {
    path: String,
    listing: Vec<u8>,
}

/// The image, its directories (the root first), and the open handles (node, offset).
pub struct InitFs {
    image: Option<Image<'static>>,
    dirs: Vec<Dir>,
    handles: Mutex<BTreeMap<usize, (Node, usize)>>,
    next: Mutex<usize>,
}

/// The registered initfs (an empty one if the boot loader gave no module).
pub fn instance() -> &'static InitFs {
    INSTANCE.get().copied().expect("initfs is registered at boot")
}

impl InitFs {
    /// Serves `bytes` (which must be a valid image, or empty).
    pub fn new(bytes: &'static [u8]) -> Self {
        let image = match Image::parse(bytes) {
            Ok(image) => Some(image),
            Err(e) => {
                if !bytes.is_empty() {
                    log::error!("initfs: unusable boot module: {e:?}");
                }
                None
            }
        };
        // Every directory: the root, and each proper prefix of a name that ends at a '/'.
        let mut paths: Vec<&str> = alloc::vec![""];
        for file in image.iter().flat_map(|i| i.files()) {
            for (at, _) in file.name.match_indices('/') {
                let dir = &file.name[..at];
                if !paths.contains(&dir) {
                    paths.push(dir);
                }
            }
        }
        let dirs = paths
            .into_iter()
            .map(|path| {
                let mut listing = Vec::new();
                for name in image.iter().flat_map(|i| i.children(path)) {
                    listing.extend_from_slice(name.as_bytes());
                    listing.push(b'\n');
                }
                Dir { path: String::from(path), listing }
            })
            .collect();
        Self { image, dirs, handles: Mutex::new(BTreeMap::new()), next: Mutex::new(1) }
    }

    /// Publishes this instance for [`instance`].
    pub fn publish(&'static self) {
        INSTANCE.call_once(|| self);
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.image.map_or(0, |i| i.len())
    }

    /// Whether the image holds no file.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of file `name`.
    pub fn file(&self, name: &str) -> Option<&'static [u8]> {
        self.image.and_then(|i| i.find(name)).map(|f| f.data)
    }

    fn data(&self, node: Node) -> &[u8] {
        match node {
            Node::Dir(d) => &self.dirs[d].listing,
            Node::File(i) => self.image.and_then(|img| img.files().nth(i)).map_or(&[], |f| f.data),
        }
    }

    /// The node at `path` (relative to the scheme's root; a trailing '/' only names a
    /// directory).
    fn lookup(&self, path: &str) -> Result<Node> {
        let (name, dir_only) = match path.strip_suffix('/') {
            Some(name) => (name, true),
            None => (path, false),
        };
        if let Some(d) = self.dirs.iter().position(|d| d.path == name) {
            return Ok(Node::Dir(d));
        }
        let image = self.image.ok_or(ENOENT)?;
        let index = image.files().position(|f| f.name == name).ok_or(ENOENT)?;
        if dir_only {
            return Err(ENOTDIR);
        }
        Ok(Node::File(index))
    }
}

impl KernelScheme for InitFs {
    fn open(&self, path: &str, flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        if flags & O_ACCMODE != O_RDONLY && flags & O_ACCMODE != 0 {
            return Err(EACCES);
        }
        let node = self.lookup(path)?;
        let mut next = self.next.lock();
        let handle = *next;
        *next += 1;
        self.handles.lock().insert(handle, (node, 0));
        Ok(handle)
    }

    fn read(&self, handle: usize, buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        let mut handles = self.handles.lock();
        let (node, offset) = handles.get_mut(&handle).ok_or(EBADF)?;
        let data = self.data(*node);
        // The offset may be past the end after a seek: nothing to read there.
        let n = buf.len().min(data.len().saturating_sub(*offset));
        if n > 0 {
            buf[..n].copy_from_slice(&data[*offset..*offset + n]);
        }
        *offset += n;
        Ok(n)
    }

    fn write(&self, handle: usize, _buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        match self.handles.lock().get(&handle) {
            Some((Node::Dir(_), _)) => Err(EISDIR),
            Some(_) => Err(EBADF),
            None => Err(EBADF),
        }
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        let (node, _) = *self.handles.lock().get(&handle).ok_or(EBADF)?;
        let size = self.data(node).len() as u64;
        // Inode numbers: 1 + index for the directories (the root is 1), then the files.
        let (mode, ino) = match node {
            Node::Dir(d) => (MODE_DIR | 0o555, 1 + d as u64),
            Node::File(i) => (MODE_FILE | 0o555, 1 + (self.dirs.len() + i) as u64),
        };
        Ok(Stat {
            st_ino: ino,
            st_mode: mode,
            st_size: size,
            st_nlink: 1,
            st_blksize: 4096,
            st_blocks: size.div_ceil(512),
            ..Stat::default()
        })
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        let (node, _) = *self.handles.lock().get(&handle).ok_or(EBADF)?;
        Ok(match node {
            Node::Dir(d) => self.dirs[d].path.clone(),
            Node::File(i) => {
                self.image.and_then(|img| img.files().nth(i)).map(|f| String::from(f.name)).unwrap_or_default()
            }
        })
    }

    fn poll(&self, _handle: usize) -> usize {
        EVENT_READ
    }

    fn seek(&self, handle: usize, offset: i64, whence: usize) -> Result<u64> {
        let mut handles = self.handles.lock();
        let (node, at) = handles.get_mut(&handle).ok_or(EBADF)?;
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *at as i64,
            SEEK_END => self.data(*node).len() as i64,
            _ => return Err(EINVAL),
        };
        let new = base.checked_add(offset).filter(|&n| n >= 0).ok_or(EINVAL)?;
        *at = new as usize;
        Ok(new as u64)
    }

    fn close(&self, handle: usize) {
        self.handles.lock().remove(&handle);
    }
}
