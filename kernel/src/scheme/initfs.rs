//! `/scheme/initfs`: the read-only files of the boot module (the guest programs and the
//! test manifest). `/scheme/initfs/` itself lists the file names, one per line. Files
//! seek (`lseek`) as read-only files do.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::errno::{EACCES, EBADF, EINVAL, EISDIR, ENOENT};
use kestrel_abi::initfs::Image;
use kestrel_abi::syscall::{EVENT_READ, MODE_DIR, MODE_FILE, O_ACCMODE, O_RDONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat};
use spin::Mutex;

use super::{Caller, KernelScheme, Result};

static INSTANCE: spin::Once<&'static InitFs> = spin::Once::new();

/// The image and the open handles (file index, or `None` for the listing; offset).
pub struct InitFs {
    image: Option<Image<'static>>,
    listing: Vec<u8>,
    handles: Mutex<BTreeMap<usize, (Option<usize>, usize)>>,
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
        let mut listing = Vec::new();
        for file in image.iter().flat_map(|i| i.files()) {
            listing.extend_from_slice(file.name.as_bytes());
            listing.push(b'\n');
        }
        Self { image, listing, handles: Mutex::new(BTreeMap::new()), next: Mutex::new(1) }
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

    fn data(&self, index: Option<usize>) -> &[u8] {
        match index {
            None => &self.listing,
            Some(i) => self.image.and_then(|img| img.files().nth(i)).map_or(&[], |f| f.data),
        }
    }
}

impl KernelScheme for InitFs {
    fn open(&self, path: &str, flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        if flags & O_ACCMODE != O_RDONLY && flags & O_ACCMODE != 0 {
            return Err(EACCES);
        }
        let index = if path.is_empty() {
            None
        } else {
            let image = self.image.ok_or(ENOENT)?;
            Some(image.files().position(|f| f.name == path).ok_or(ENOENT)?)
        };
        let mut next = self.next.lock();
        let handle = *next;
        *next += 1;
        self.handles.lock().insert(handle, (index, 0));
        Ok(handle)
    }

    fn read(&self, handle: usize, buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        let mut handles = self.handles.lock();
        let (index, offset) = handles.get_mut(&handle).ok_or(EBADF)?;
        let data = self.data(*index);
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
            Some((None, _)) => Err(EISDIR),
            Some(_) => Err(EBADF),
            None => Err(EBADF),
        }
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        let (index, _) = *self.handles.lock().get(&handle).ok_or(EBADF)?;
        let mode = if index.is_none() { MODE_DIR | 0o555 } else { MODE_FILE | 0o555 };
        let size = self.data(index).len() as u64;
        // Inode numbers: 1 for the directory, 2 + index for each file.
        let ino = index.map_or(1, |i| i as u64 + 2);
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
        let (index, _) = *self.handles.lock().get(&handle).ok_or(EBADF)?;
        Ok(match index {
            None => String::new(),
            Some(i) => self.image.and_then(|img| img.files().nth(i)).map(|f| String::from(f.name)).unwrap_or_default(),
        })
    }

    fn poll(&self, _handle: usize) -> usize {
        EVENT_READ
    }

    fn seek(&self, handle: usize, offset: i64, whence: usize) -> Result<u64> {
        let mut handles = self.handles.lock();
        let (index, at) = handles.get_mut(&handle).ok_or(EBADF)?;
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *at as i64,
            SEEK_END => self.data(*index).len() as i64,
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
