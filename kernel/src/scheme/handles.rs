//! [`HandleTable`]: the objects behind a scheme's handles, and [`install`]: a new open
//! description put in the caller's descriptor table, for the schemes whose objects are
//! made by a call on their root rather than by `open` (mq, eventfd, timerfd, signalfd).
//!
//! Handle 0 is each such scheme's root; object handles start at 1 and are reused once
//! their object goes.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kestrel_abi::syscall::{MODE_CHR, Stat};

use super::{Caller, FileDescriptor, OpenDescription, Result, SchemeId};
use crate::errno::ENOENT;

/// The root's handle.
pub const ROOT: usize = 0;

/// `open` of such a scheme: its root only (objects come from a call on it).
pub fn open_root(path: &str) -> Result<usize> {
    if path.is_empty() { Ok(ROOT) } else { Err(ENOENT) }
}

/// `fstat` of an object that is an anonymous inode on Linux (eventfd, timerfd, signalfd):
/// neither a regular file nor a directory, for the owner only.
pub fn anonymous_stat() -> Stat {
    Stat { st_mode: MODE_CHR | 0o600, ..Stat::default() }
}

/// `fpath` of a handle: empty for the root, else its number.
pub fn handle_path(handle: usize) -> String {
    if handle == ROOT { String::new() } else { alloc::format!("{handle}") }
}

/// Objects by handle (`slots[h - 1]`), free slots reused.
pub struct HandleTable<T> {
    slots: Vec<Option<T>>,
}

impl<T> HandleTable<T> {
    /// No objects.
    pub const fn new() -> Self {
        Self { slots: Vec::new() }
    }

    /// Keeps `object`; its handle (at least 1).
    pub fn insert(&mut self, object: T) -> usize {
        match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = Some(object);
                i + 1
            }
            None => {
                self.slots.push(Some(object));
                self.slots.len()
            }
        }
    }

    /// The object of `handle`.
    pub fn get(&self, handle: usize) -> Option<&T> {
        self.slots.get(handle.wrapping_sub(1)).and_then(Option::as_ref)
    }

    /// The object of `handle`, to change.
    pub fn get_mut(&mut self, handle: usize) -> Option<&mut T> {
        self.slots.get_mut(handle.wrapping_sub(1)).and_then(Option::as_mut)
    }

    /// Takes the object of `handle` out; its handle is free again.
    pub fn remove(&mut self, handle: usize) -> Option<T> {
        self.slots.get_mut(handle.wrapping_sub(1)).and_then(Option::take)
    }

    /// Every object.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }

    /// Every object, to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().flatten()
    }

    /// Every object with its handle.
    pub fn iter_with_handles(&self) -> impl Iterator<Item = (usize, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, slot)| slot.as_ref().map(|object| (i + 1, object)))
    }
}

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A new description of `handle` on `scheme` with `status_flags` (the kernel's access
/// mode and `O_NONBLOCK`) at the caller's lowest free descriptor; returns it. On failure
/// (EMFILE, or ENOMEM when the kernel heap is low) the description is dropped, so the
/// scheme's `close` gives the handle back.
pub fn install(
    caller: &Caller<'_>,
    scheme: SchemeId,
    handle: usize,
    status_flags: usize,
    cloexec: bool,
) -> Result<usize> {
    let description = Arc::new(OpenDescription::new(scheme, handle, status_flags));
    // Dropping the description on ENOMEM gives the handle back too.
    crate::memory::heap::reserve_headroom()?;
    caller.process.files.lock().insert_from(0, FileDescriptor { description, cloexec })
}
