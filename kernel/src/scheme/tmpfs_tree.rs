//! The rules of `/scheme/tmp`, a file system in memory: its tree of directories and
//! files, path lookup, Linux's permission checks, and the open files' offsets. Plain
//! Rust, tested on the host (`tmpfs_tree_tests.rs`); the scheme (`tmpfs.rs`) adds the
//! lock, the caller's credentials and the memory the file data lives in (a
//! [`FileData`]).
//!
//! Invariants: every node but the root is named by exactly one entry of one directory
//! (its `link`) or by none once removed (there are no hard links); a removed node lives
//! while a handle has it open and is dropped, with its data, at the last close. Inode
//! numbers are never reused. A directory lists its entries in the order they were
//! named, by position, so a listing in progress sees every entry that stays exactly
//! once (the record format is `kestrel_abi::dirent`'s).
//!
//! Times: the scheme sets the clock ([`Tree::set_now`]) before each operation, which
//! stamps what it changes as Linux does (a write or truncation the modification and
//! change times, a new or removed entry its directory's, a rename, chmod or chown the
//! change time, a read the access time by the relatime rule).
//!
//! Paths are what follows `/scheme/tmp/`: empty components are skipped (`a//b` is
//! `a/b`), `.` and `..` work as on Linux (`..` of the root is the root), and a trailing
//! slash demands a directory. The errno of each refusal is Linux's (fs/namei.c).

#![forbid(unsafe_code)]

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use kestrel_abi::dirent;
use kestrel_abi::syscall::{
    O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET,
};

use crate::context::cred::{Credentials, KEEP};
use crate::errno::{
    EACCES, EBADF, EBUSY, EEXIST, EFBIG, EINVAL, EISDIR, ENAMETOOLONG, ENODEV, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY,
    EPERM, Result,
};

/// Longest name of one path component (NAME_MAX).
pub const NAME_MAX: usize = 255;
/// Largest file size and offset (Linux's `MAX_LFS_FILESIZE`).
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;
/// The root directory's inode number.
pub const ROOT_INO: u64 = 1;
/// Most files and directories at once (Linux's `nr_inodes`): each costs kernel heap for
/// its node and name, which a flood of empty files must not exhaust. More is ENOSPC.
pub const MAX_NODES: usize = 8192;
/// The root's mode: everyone may create, only owners remove (`/tmp`).
pub const ROOT_MODE: u16 = 0o1777;

const S_ISUID: u16 = 0o4000;
const S_ISGID: u16 = 0o2000;
const S_ISVTX: u16 = 0o1000;
const S_IXGRP: u16 = 0o010;
const PERM_BITS: u16 = 0o7777;
const MAY_READ: u16 = 4;
const MAY_WRITE: u16 = 2;
const MAY_EXEC: u16 = 1;
/// Positions 0 and 1 of a listing are `.` and `..`; entries start here.
const FIRST_POSITION: u64 = 2;
/// What a directory's `st_size` counts per entry (Linux tmpfs's `BOGO_DIRENT_SIZE`).
const DIRENT_SIZE: u64 = 20;
/// relatime: an access time older than this is updated by a read even if it is newer
/// than the last change.
const ATIME_AGE_NS: u64 = 24 * 3600 * 1_000_000_000;

/// A file's bytes, kept by the scheme. Bytes past the size are never read.
pub trait FileData: Default {
    /// Copies the bytes at `offset` into `buf` (all within the size); a hole reads as zeros.
    fn read_at(&self, offset: u64, buf: &mut [u8]);
    /// Stores `buf` at `offset` (maybe past the size: the gap reads as zeros). Returns
    /// how many bytes from the start of `buf` went in, fewer when memory ran out
    /// part-way; `ENOSPC` if none did.
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<usize>;
    /// The size goes from `old` to `new`: bytes past `new` are gone, a larger size reads
    /// as zeros up to it.
    fn set_len(&mut self, old: u64, new: u64) -> Result<()>;
    /// Bytes of memory holding the data (`st_blocks`).
    fn allocated(&self) -> u64;
}

/// A directory's entries.
#[derive(Default)]
struct Dir {
    /// Name to (position, inode).
    by_name: BTreeMap<String, (u64, u64)>,
    /// Position to name: the listing order.
    by_position: BTreeMap<u64, String>,
    next_position: u64,
    /// Entries that are directories (for `st_nlink`).
    subdirs: u32,
}

enum Kind<D> {
    File { size: u64, data: D },
    Dir(Dir),
}

struct Node<D> {
    kind: Kind<D>,
    uid: u32,
    gid: u32,
    /// Permission bits, with set-id and sticky (`0o7777`).
    mode: u16,
    /// The directory and name the node is reached by; `None` for the root and once removed.
    link: Option<(u64, String)>,
    /// Handles open on it.
    opens: usize,
    /// Last access, modification and status change, in nanoseconds of the realtime clock.
    atime: u64,
    mtime: u64,
    ctime: u64,
}

impl<D> Node<D> {
    fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    /// Linux's `generic_permission`: the caller's class (owner, group, other) decides;
    /// root may read and write anything, and execute what has an execute bit or is a
    /// directory.
    fn permits(&self, creds: &Credentials, want: u16) -> bool {
        if creds.is_root() {
            return want & MAY_EXEC == 0 || self.is_dir() || self.mode & 0o111 != 0;
        }
        let class = if creds.euid == self.uid {
            self.mode >> 6
        } else if creds.in_group(self.gid) {
            self.mode >> 3
        } else {
            self.mode
        };
        want & !class & 7 == 0
    }
}

/// An open file: the node and the description's offset (a directory's: a position).
struct Handle {
    ino: u64,
    offset: u64,
    append: bool,
}

/// A node's attributes, for `fstat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attrs {
    pub ino: u64,
    pub dir: bool,
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub size: u64,
    pub allocated: u64,
    /// Nanoseconds of the realtime clock.
    pub atime: u64,
    pub mtime: u64,
    pub ctime: u64,
}

/// The last component of a path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last<'a> {
    Root,
    Dot,
    DotDot,
    Name(&'a str),
}

/// A parsed path: the directories to walk, the last component, and whether a slash
/// followed it.
struct Path<'a> {
    dirs: Vec<&'a str>,
    last: Last<'a>,
    slash: bool,
}

fn parse(path: &str) -> Result<Path<'_>> {
    let mut dirs: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    if dirs.iter().any(|c| c.len() > NAME_MAX) {
        return Err(ENAMETOOLONG);
    }
    if dirs.iter().any(|c| c.contains('\0')) {
        return Err(EINVAL);
    }
    let last = match dirs.pop() {
        None => Last::Root,
        Some(".") => Last::Dot,
        Some("..") => Last::DotDot,
        Some(name) => Last::Name(name),
    };
    Ok(Path { dirs, last, slash: path.ends_with('/') })
}

/// The tree, and the handles open on it.
pub struct Tree<D> {
    nodes: BTreeMap<u64, Node<D>>,
    handles: BTreeMap<usize, Handle>,
    next_ino: u64,
    next_handle: usize,
    /// The time the current operation stamps (see [`Tree::set_now`]).
    now: u64,
}

impl<D: FileData> Default for Tree<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D: FileData> Tree<D> {
    /// An empty file system: the root, owned by root, mode `01777`.
    pub fn new() -> Self {
        let root = Node {
            kind: Kind::Dir(Dir { next_position: FIRST_POSITION, ..Dir::default() }),
            uid: 0,
            gid: 0,
            mode: ROOT_MODE,
            link: None,
            opens: 0,
            atime: 0,
            mtime: 0,
            ctime: 0,
        };
        let nodes = BTreeMap::from([(ROOT_INO, root)]);
        Self { nodes, handles: BTreeMap::new(), next_ino: ROOT_INO + 1, next_handle: 1, now: 0 }
    }

    /// Sets the time that the following operations stamp on what they change (the
    /// realtime clock, read by the scheme before each operation).
    pub fn set_now(&mut self, now_ns: u64) {
        self.now = now_ns;
        // The root is made before any clock is read: the first operation stamps it.
        let root = self.node_mut(ROOT_INO);
        if root.ctime == 0 {
            (root.atime, root.mtime, root.ctime) = (now_ns, now_ns, now_ns);
        }
    }

    /// Stamps a change of `ino`'s data (and so of its status).
    fn modified(&mut self, ino: u64) {
        let now = self.now;
        let node = self.node_mut(ino);
        (node.mtime, node.ctime) = (now, now);
    }

    /// Stamps a change of `ino`'s status only (mode, owner, links, name).
    fn changed(&mut self, ino: u64) {
        let now = self.now;
        self.node_mut(ino).ctime = now;
    }

    /// Stamps a read of `ino` by Linux's relatime rule: only if the access time is not
    /// newer than the last change, or is a day old.
    fn accessed(&mut self, ino: u64) {
        let now = self.now;
        let node = self.node_mut(ino);
        if node.atime <= node.mtime || node.atime <= node.ctime || now.saturating_sub(node.atime) >= ATIME_AGE_NS {
            node.atime = now;
        }
    }

    fn node(&self, ino: u64) -> &Node<D> {
        &self.nodes[&ino]
    }

    fn node_mut(&mut self, ino: u64) -> &mut Node<D> {
        self.nodes.get_mut(&ino).expect("a linked or open node exists")
    }

    fn dir(&self, ino: u64) -> Result<&Dir> {
        match &self.node(ino).kind {
            Kind::Dir(dir) => Ok(dir),
            Kind::File { .. } => Err(ENOTDIR),
        }
    }

    fn dir_mut(&mut self, ino: u64) -> &mut Dir {
        match &mut self.node_mut(ino).kind {
            Kind::Dir(dir) => dir,
            Kind::File { .. } => unreachable!("only directories hold entries"),
        }
    }

    /// Whether `ino` is a directory that was removed (nothing may be created in it).
    fn is_removed_dir(&self, ino: u64) -> bool {
        ino != ROOT_INO && self.node(ino).link.is_none()
    }

    /// `ino`'s parent directory (the root's is itself).
    fn parent(&self, ino: u64) -> u64 {
        self.node(ino).link.as_ref().map_or(ino, |(parent, _)| *parent)
    }

    /// Looks `name` up in directory `dir`, which the caller must be able to search.
    fn step(&self, creds: &Credentials, dir: u64, name: &str) -> Result<Option<u64>> {
        let entries = self.dir(dir)?;
        if !self.node(dir).permits(creds, MAY_EXEC) {
            return Err(EACCES);
        }
        if self.is_removed_dir(dir) {
            return Err(ENOENT);
        }
        Ok(match name {
            "." => Some(dir),
            ".." => Some(self.parent(dir)),
            name => entries.by_name.get(name).map(|&(_, ino)| ino),
        })
    }

    /// Walks to the directory holding the path's last component.
    fn walk_parent(&self, creds: &Credentials, path: &Path<'_>) -> Result<u64> {
        let mut at = ROOT_INO;
        for name in &path.dirs {
            at = self.step(creds, at, name)?.ok_or(ENOENT)?;
        }
        Ok(at)
    }

    /// The node the last component names in `dir`, if any.
    fn lookup_last(&self, creds: &Credentials, dir: u64, last: Last<'_>) -> Result<Option<u64>> {
        match last {
            Last::Root => Ok(Some(ROOT_INO)),
            Last::Dot => self.step(creds, dir, "."),
            Last::DotDot => self.step(creds, dir, ".."),
            Last::Name(name) => self.step(creds, dir, name),
        }
    }

    /// Linux's `may_delete`: write and search permission on the directory, the sticky
    /// bit's owner rule, then the victim's type (`rmdir`/`rename` of a directory want one).
    fn may_delete(&self, creds: &Credentials, dir: u64, victim: u64, want_dir: bool) -> Result<()> {
        let (parent, node) = (self.node(dir), self.node(victim));
        if !parent.permits(creds, MAY_WRITE | MAY_EXEC) {
            return Err(EACCES);
        }
        let owner = creds.euid == node.uid || creds.euid == parent.uid;
        if parent.mode & S_ISVTX != 0 && !owner && !creds.is_root() {
            return Err(EPERM);
        }
        match (want_dir, node.is_dir()) {
            (true, false) => Err(ENOTDIR),
            (false, true) => Err(EISDIR),
            _ => Ok(()),
        }
    }

    /// Linux's `may_create`: not in a removed directory, write and search permission.
    fn may_create(&self, creds: &Credentials, dir: u64) -> Result<()> {
        if self.is_removed_dir(dir) {
            return Err(ENOENT);
        }
        if !self.node(dir).permits(creds, MAY_WRITE | MAY_EXEC) { Err(EACCES) } else { Ok(()) }
    }

    /// Names `ino` `name` in `dir`.
    fn add_entry(&mut self, dir: u64, name: &str, ino: u64) {
        let is_dir = self.node(ino).is_dir();
        let entries = self.dir_mut(dir);
        let position = entries.next_position;
        entries.next_position += 1;
        entries.by_name.insert(name.to_string(), (position, ino));
        entries.by_position.insert(position, name.to_string());
        entries.subdirs += u32::from(is_dir);
        self.node_mut(ino).link = Some((dir, name.to_string()));
        self.modified(dir);
        self.changed(ino);
    }

    /// Takes the entry `name` out of `dir`; its node is dropped unless it is open.
    fn remove_entry(&mut self, dir: u64, name: &str) {
        let entries = self.dir_mut(dir);
        let Some((position, ino)) = entries.by_name.remove(name) else { return };
        entries.by_position.remove(&position);
        let node = self.node_mut(ino);
        node.link = None;
        if node.is_dir() {
            self.dir_mut(dir).subdirs -= 1;
        }
        self.modified(dir);
        self.changed(ino);
        self.drop_if_unused(ino);
    }

    fn drop_if_unused(&mut self, ino: u64) {
        let node = self.node(ino);
        if ino != ROOT_INO && node.link.is_none() && node.opens == 0 {
            self.nodes.remove(&ino);
        }
    }

    /// Makes a file or directory `name` in `dir` for `creds`, with permission bits `perm`.
    fn create(&mut self, creds: &Credentials, dir: u64, name: &str, is_dir: bool, perm: u16) -> Result<u64> {
        if self.nodes.len() >= MAX_NODES {
            return Err(ENOSPC);
        }
        let parent = self.node(dir);
        // A set-group-id directory gives new entries its group, and new directories the bit.
        let inherit = parent.mode & S_ISGID != 0;
        let gid = if inherit { parent.gid } else { creds.egid };
        let mut mode = perm & PERM_BITS;
        if is_dir && inherit {
            mode |= S_ISGID;
        }
        // inode_init_owner: no set-group-id file for a group its creator is not in.
        if !is_dir && !creds.is_root() && !creds.in_group(gid) {
            mode &= !S_ISGID;
        }
        let kind = if is_dir {
            Kind::Dir(Dir { next_position: FIRST_POSITION, ..Dir::default() })
        } else {
            Kind::File { size: 0, data: D::default() }
        };
        let ino = self.next_ino;
        self.next_ino += 1;
        let now = self.now;
        let node = Node { kind, uid: creds.euid, gid, mode, link: None, opens: 0, atime: now, mtime: now, ctime: now };
        self.nodes.insert(ino, node);
        self.add_entry(dir, name, ino);
        Ok(ino)
    }

    /// Opens `path` with `O_*` flags (the low 16 bits: a new file's permission bits);
    /// returns the handle. `O_CREAT | O_DIRECTORY` makes a directory, as Redox's mkdir.
    pub fn open(&mut self, creds: &Credentials, path: &str, flags: usize) -> Result<usize> {
        let path = parse(path)?;
        let access = if flags & O_ACCMODE == 0 { O_RDONLY } else { flags & O_ACCMODE };
        let (read, write) = (access != O_WRONLY, access != O_RDONLY);
        let (create, directory, truncate) = (flags & O_CREAT != 0, flags & O_DIRECTORY != 0, flags & O_TRUNC != 0);
        let dir = self.walk_parent(creds, &path)?;
        let ino = match self.lookup_last(creds, dir, path.last)? {
            Some(_) if create && flags & O_EXCL != 0 => return Err(EEXIST),
            Some(ino) => {
                let node = self.node(ino);
                if node.is_dir() {
                    if (create && !directory) || write || truncate {
                        return Err(EISDIR);
                    }
                } else if directory || path.slash {
                    return Err(ENOTDIR);
                }
                let want = if read { MAY_READ } else { 0 } | if write || truncate { MAY_WRITE } else { 0 };
                if !node.permits(creds, want) {
                    return Err(EACCES);
                }
                if truncate {
                    self.set_size(ino, 0)?;
                }
                ino
            }
            None if !create => return Err(ENOENT),
            None => {
                let Last::Name(name) = path.last else { return Err(ENOENT) };
                if path.slash && !directory || directory && write {
                    return Err(EISDIR);
                }
                self.may_create(creds, dir)?;
                self.create(creds, dir, name, directory, (flags & 0xffff) as u16)?
            }
        };
        self.node_mut(ino).opens += 1;
        let handle = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(handle, Handle { ino, offset: 0, append: flags & kestrel_abi::syscall::O_APPEND != 0 });
        Ok(handle)
    }

    /// The last description of `handle` went away.
    pub fn close(&mut self, handle: usize) {
        if let Some(h) = self.handles.remove(&handle) {
            self.node_mut(h.ino).opens -= 1;
            self.drop_if_unused(h.ino);
        }
    }

    fn handle(&self, handle: usize) -> Result<&Handle> {
        self.handles.get(&handle).ok_or(EBADF)
    }

    /// Reads at the handle's offset: file bytes, or a directory's records.
    pub fn read(&mut self, handle: usize, buf: &mut [u8]) -> Result<usize> {
        let Handle { ino, offset, .. } = *self.handle(handle)?;
        let (n, next) = match &self.node(ino).kind {
            Kind::File { size, data } => {
                let n = (size.saturating_sub(offset)).min(buf.len() as u64) as usize;
                data.read_at(offset, &mut buf[..n]);
                (n, offset + n as u64)
            }
            Kind::Dir(_) => self.list(ino, offset, buf)?,
        };
        if let Some(h) = self.handles.get_mut(&handle) {
            h.offset = next;
        }
        self.accessed(ino);
        Ok(n)
    }

    /// Directory records from `position` into `buf`: the bytes written and the position after.
    fn list(&self, ino: u64, mut position: u64, buf: &mut [u8]) -> Result<(usize, u64)> {
        // iterate_dir: a removed directory cannot be read.
        if self.is_removed_dir(ino) {
            return Err(ENOENT);
        }
        let entries = self.dir(ino)?;
        let mut written = 0;
        loop {
            let (name, child, next) = match position {
                0 => (".", ino, 1),
                1 => ("..", self.parent(ino), FIRST_POSITION),
                _ => match entries.by_position.range(position..).next() {
                    Some((&at, name)) => (name.as_str(), entries.by_name[name].1, at + 1),
                    None => break,
                },
            };
            let kind = if self.node(child).is_dir() { dirent::KIND_DIRECTORY } else { dirent::KIND_REGULAR };
            match dirent::encode(&mut buf[written..], child, next, kind, name.as_bytes()) {
                Some(n) => written += n,
                // getdents: a buffer too small for one record is EINVAL.
                None if written == 0 => return Err(EINVAL),
                None => break,
            }
            position = next;
        }
        Ok((written, position))
    }

    /// Writes at the handle's offset (at the end with `O_APPEND`); returns the count.
    pub fn write(&mut self, handle: usize, buf: &[u8]) -> Result<usize> {
        let Handle { ino, offset, append } = *self.handle(handle)?;
        let Kind::File { size, data } = &mut self.node_mut(ino).kind else { return Err(EISDIR) };
        let at = if append { *size } else { offset };
        // generic_write_check_limits: nothing at or past the limit, a short write up to it.
        if at >= MAX_FILE_SIZE && !buf.is_empty() {
            return Err(EFBIG);
        }
        let len = (buf.len() as u64).min(MAX_FILE_SIZE - at) as usize;
        if len == 0 {
            return Ok(0);
        }
        let n = data.write_at(at, &buf[..len])?;
        *size = (*size).max(at + n as u64);
        if let Some(h) = self.handles.get_mut(&handle) {
            h.offset = at + n as u64;
        }
        self.modified(ino);
        Ok(n)
    }

    /// `lseek`: the new offset. A negative or overflowing result is EINVAL; a directory
    /// has no end to seek from.
    pub fn seek(&mut self, handle: usize, offset: i64, whence: usize) -> Result<u64> {
        let h = self.handle(handle)?;
        let base = match (whence, &self.node(h.ino).kind) {
            (SEEK_SET, _) => 0,
            (SEEK_CUR, _) => h.offset,
            (SEEK_END, Kind::File { size, .. }) => *size,
            _ => return Err(EINVAL),
        };
        let new = (base as i64).checked_add(offset).filter(|&n| n >= 0).ok_or(EINVAL)? as u64;
        if let Some(h) = self.handles.get_mut(&handle) {
            h.offset = new;
        }
        Ok(new)
    }

    fn set_size(&mut self, ino: u64, len: u64) -> Result<()> {
        let Kind::File { size, data } = &mut self.node_mut(ino).kind else { return Err(EISDIR) };
        if len > MAX_FILE_SIZE {
            return Err(EFBIG);
        }
        data.set_len(*size, len)?;
        *size = len;
        self.modified(ino);
        Ok(())
    }

    /// `ftruncate`: grows with zeros or cuts.
    pub fn truncate(&mut self, handle: usize, len: u64) -> Result<()> {
        let ino = self.handle(handle)?.ino;
        self.set_size(ino, len)
    }

    /// The data of the handle's file (for `fmap`); ENODEV for a directory, as Linux's mmap.
    pub fn file_data(&self, handle: usize) -> Result<&D> {
        match &self.node(self.handle(handle)?.ino).kind {
            Kind::File { data, .. } => Ok(data),
            Kind::Dir(_) => Err(ENODEV),
        }
    }

    /// The attributes of the handle's node.
    pub fn attrs(&self, handle: usize) -> Result<Attrs> {
        let ino = self.handle(handle)?.ino;
        let node = self.node(ino);
        let linked = ino == ROOT_INO || node.link.is_some();
        let (nlink, size, allocated) = match &node.kind {
            Kind::File { size, data } => (u32::from(linked), *size, data.allocated()),
            Kind::Dir(dir) => {
                let nlink = if linked { 2 + dir.subdirs } else { 0 };
                (nlink, (dir.by_name.len() as u64 + 2) * DIRENT_SIZE, 0)
            }
        };
        Ok(Attrs {
            ino,
            dir: node.is_dir(),
            mode: node.mode,
            uid: node.uid,
            gid: node.gid,
            nlink,
            size,
            allocated,
            atime: node.atime,
            mtime: node.mtime,
            ctime: node.ctime,
        })
    }

    /// The handle's path in the scheme; empty for the root and for a removed node.
    pub fn path(&self, handle: usize) -> Result<String> {
        let mut ino = self.handle(handle)?.ino;
        let mut names = Vec::new();
        while ino != ROOT_INO {
            let Some((parent, name)) = &self.node(ino).link else { return Ok(String::new()) };
            names.push(name.as_str());
            ino = *parent;
        }
        names.reverse();
        Ok(names.join("/"))
    }

    /// `unlink(path)`: removes a name that is not a directory's.
    pub fn unlink(&mut self, creds: &Credentials, path: &str) -> Result<()> {
        let path = parse(path)?;
        let dir = self.walk_parent(creds, &path)?;
        let Last::Name(name) = path.last else { return Err(EISDIR) };
        let ino = self.step(creds, dir, name)?.ok_or(ENOENT)?;
        if path.slash {
            return Err(if self.node(ino).is_dir() { EISDIR } else { ENOTDIR });
        }
        self.may_delete(creds, dir, ino, false)?;
        self.remove_entry(dir, name);
        Ok(())
    }

    /// `rmdir(path)`: removes an empty directory.
    pub fn rmdir(&mut self, creds: &Credentials, path: &str) -> Result<()> {
        let path = parse(path)?;
        let dir = self.walk_parent(creds, &path)?;
        let name = match path.last {
            Last::Root => return Err(EBUSY),
            Last::Dot => return Err(EINVAL),
            Last::DotDot => return Err(ENOTEMPTY),
            Last::Name(name) => name,
        };
        let ino = self.step(creds, dir, name)?.ok_or(ENOENT)?;
        self.may_delete(creds, dir, ino, true)?;
        if !self.dir(ino)?.by_name.is_empty() {
            return Err(ENOTEMPTY);
        }
        self.remove_entry(dir, name);
        Ok(())
    }

    /// Whether directory `dir` is `ancestor` or below it.
    fn is_within(&self, mut dir: u64, ancestor: u64) -> bool {
        loop {
            if dir == ancestor {
                return true;
            }
            match &self.node(dir).link {
                Some((parent, _)) => dir = *parent,
                None => return false,
            }
        }
    }

    /// `frename(fd, path)`: gives the handle's node the name `new_path`, replacing what
    /// was there by Linux's rules.
    pub fn rename(&mut self, creds: &Credentials, handle: usize, new_path: &str) -> Result<()> {
        let ino = self.handle(handle)?.ino;
        if ino == ROOT_INO {
            return Err(EBUSY);
        }
        let (old_dir, old_name) = self.node(ino).link.clone().ok_or(ENOENT)?;
        let path = parse(new_path)?;
        let new_dir = self.walk_parent(creds, &path)?;
        let Last::Name(new_name) = path.last else { return Err(EBUSY) };
        let target = self.step(creds, new_dir, new_name)?;
        let moving_dir = self.node(ino).is_dir();
        if path.slash && !moving_dir {
            return Err(ENOTDIR);
        }
        if target == Some(ino) {
            return Ok(());
        }
        // A directory cannot move below itself.
        if moving_dir && self.is_within(new_dir, ino) {
            return Err(EINVAL);
        }
        self.may_delete(creds, old_dir, ino, moving_dir)?;
        match target {
            Some(target) => self.may_delete(creds, new_dir, target, moving_dir)?,
            None => self.may_create(creds, new_dir)?,
        }
        // A directory moving to another parent has its `..` rewritten.
        if moving_dir && new_dir != old_dir && !self.node(ino).permits(creds, MAY_WRITE) {
            return Err(EACCES);
        }
        if let Some(target) = target
            && self.dir(target).is_ok_and(|d| !d.by_name.is_empty())
        {
            return Err(ENOTEMPTY);
        }
        if target.is_some() {
            self.remove_entry(new_dir, new_name);
        }
        // Take the old name without dropping the node, then give it the new one.
        let entries = self.dir_mut(old_dir);
        if let Some((position, _)) = entries.by_name.remove(&old_name) {
            entries.by_position.remove(&position);
        }
        entries.subdirs -= u32::from(moving_dir);
        self.modified(old_dir);
        self.add_entry(new_dir, new_name, ino);
        Ok(())
    }

    /// `fchmod`: the owner or root sets the permission bits.
    pub fn chmod(&mut self, creds: &Credentials, handle: usize, mode: u32) -> Result<()> {
        let ino = self.handle(handle)?.ino;
        let node = self.node_mut(ino);
        if creds.euid != node.uid && !creds.is_root() {
            return Err(EPERM);
        }
        let mut mode = (mode as u16) & PERM_BITS;
        // A non-member cannot keep a file set-group-id (Linux's setattr_copy).
        if !creds.is_root() && !creds.in_group(node.gid) {
            mode &= !S_ISGID;
        }
        node.mode = mode;
        self.changed(ino);
        Ok(())
    }

    /// `fchown`: root gives any ids; the owner may only keep its uid and pick one of its
    /// groups. `u32::MAX` leaves an id as it is. A file loses set-user-id (and
    /// set-group-id if group-executable), as on Linux.
    pub fn chown(&mut self, creds: &Credentials, handle: usize, uid: u32, gid: u32) -> Result<()> {
        let ino = self.handle(handle)?.ino;
        let node = self.node_mut(ino);
        let (root, owner) = (creds.is_root(), creds.euid == node.uid);
        if uid != KEEP && !root && !(owner && uid == node.uid) {
            return Err(EPERM);
        }
        if gid != KEEP && !root && !(owner && (gid == node.gid || creds.in_group(gid))) {
            return Err(EPERM);
        }
        if uid != KEEP {
            node.uid = uid;
        }
        if gid != KEEP {
            node.gid = gid;
        }
        if (uid != KEEP || gid != KEEP) && !node.is_dir() {
            node.mode &= !S_ISUID;
            if node.mode & S_IXGRP != 0 {
                node.mode &= !S_ISGID;
            }
        }
        self.changed(ino);
        Ok(())
    }

    /// Nodes alive (linked or open), the root included: for leak checks in tests.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}
