//! Host tests of `tmpfs_tree`: paths, Linux's permission and sticky rules, open flags,
//! offsets, directory listings, rename, removal while open, and running out of space.

use alloc::vec::Vec;

use kestrel_abi::dirent;
use kestrel_abi::syscall::{
    O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET,
};

use super::tmpfs_tree::{FileData, MAX_FILE_SIZE, MAX_NODES, Tree};
use crate::context::cred::{Credentials, KEEP};
use crate::errno::*;

/// File data in a vector, with room for [`LIMIT`] bytes.
#[derive(Default)]
struct Bytes(Vec<u8>);

const LIMIT: u64 = 10_000;

impl FileData for Bytes {
    fn read_at(&self, offset: u64, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.0.get(offset as usize + i).copied().unwrap_or(0);
        }
    }

    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<usize> {
        let n = (LIMIT.saturating_sub(offset) as usize).min(buf.len());
        if n == 0 {
            return Err(ENOSPC);
        }
        let end = offset as usize + n;
        if self.0.len() < end {
            self.0.resize(end, 0);
        }
        self.0[offset as usize..end].copy_from_slice(&buf[..n]);
        Ok(n)
    }

    fn set_len(&mut self, _old: u64, new: u64) -> Result<()> {
        if new > LIMIT {
            return Err(ENOSPC);
        }
        self.0.resize(new as usize, 0);
        Ok(())
    }

    fn allocated(&self) -> u64 {
        self.0.len() as u64
    }
}

fn root() -> Credentials {
    Credentials::root()
}

fn user(uid: u32) -> Credentials {
    Credentials { ruid: uid, euid: uid, suid: uid, rgid: uid, egid: uid, sgid: uid, groups: Vec::new() }
}

fn mkdir(t: &mut Tree<Bytes>, c: &Credentials, path: &str, mode: usize) -> Result<()> {
    let h = t.open(c, path, O_CREAT | O_EXCL | O_DIRECTORY | mode)?;
    t.close(h);
    Ok(())
}

fn touch(t: &mut Tree<Bytes>, c: &Credentials, path: &str, mode: usize) -> Result<()> {
    let h = t.open(c, path, O_CREAT | O_WRONLY | mode)?;
    t.close(h);
    Ok(())
}

fn names(t: &mut Tree<Bytes>, c: &Credentials, path: &str) -> Vec<alloc::string::String> {
    let h = t.open(c, path, O_RDONLY | O_DIRECTORY).unwrap();
    let mut buf = [0u8; 4096];
    let n = t.read(h, &mut buf).unwrap();
    t.close(h);
    dirent::records(&buf[..n]).map(|r| alloc::string::String::from_utf8(r.name.to_vec()).unwrap()).collect()
}

#[test]
fn root_is_a_sticky_world_writable_directory() {
    let mut t = Tree::<Bytes>::new();
    let h = t.open(&root(), "", O_RDONLY).unwrap();
    let a = t.attrs(h).unwrap();
    assert!(a.dir);
    assert_eq!((a.mode, a.uid, a.gid, a.nlink), (0o1777, 0, 0, 2));
    assert_eq!(t.open(&root(), "", O_RDWR), Err(EISDIR));
    assert_eq!(t.open(&root(), "", O_CREAT | O_EXCL | O_DIRECTORY), Err(EEXIST));
    assert_eq!(t.rmdir(&root(), ""), Err(EBUSY));
    assert_eq!(t.rename(&root(), h, "x"), Err(EBUSY));
}

#[test]
fn create_sets_owner_and_mode_and_flags_behave() {
    let mut t = Tree::<Bytes>::new();
    let u = user(1000);
    let h = t.open(&u, "f", O_CREAT | O_RDWR | 0o640).unwrap();
    let a = t.attrs(h).unwrap();
    assert_eq!((a.dir, a.mode, a.uid, a.gid, a.nlink, a.size), (false, 0o640, 1000, 1000, 1, 0));
    assert_eq!(t.write(h, b"hello"), Ok(5));
    assert_eq!(t.open(&u, "f", O_CREAT | O_EXCL | O_RDWR), Err(EEXIST));
    assert_eq!(t.open(&u, "f", O_RDONLY | O_DIRECTORY), Err(ENOTDIR));
    assert_eq!(t.open(&u, "f/", O_RDONLY), Err(ENOTDIR));
    assert_eq!(t.open(&u, "f/x", O_RDONLY), Err(ENOTDIR));
    assert_eq!(t.open(&u, "missing", O_RDONLY), Err(ENOENT));
    assert_eq!(t.open(&u, "nodir/x", O_CREAT | O_RDWR), Err(ENOENT));
    assert_eq!(t.open(&u, "new/", O_CREAT | O_RDWR), Err(EISDIR));
    let long = "n".repeat(256);
    assert_eq!(t.open(&u, &long, O_CREAT | O_RDWR), Err(ENAMETOOLONG));
    assert!(t.open(&u, &"n".repeat(255), O_CREAT | O_RDWR).is_ok());
    assert_eq!(t.open(&u, "a\0b", O_CREAT | O_RDWR), Err(EINVAL));
    // A new file opens for writing even with a mode that denies it (open(2)).
    assert!(t.open(&u, "ro", O_CREAT | O_RDWR | 0o444).is_ok());
    assert_eq!(t.open(&u, "ro", O_RDWR), Err(EACCES));
    // O_TRUNC empties the file, and needs write permission.
    let h2 = t.open(&u, "f", O_WRONLY | O_TRUNC).unwrap();
    assert_eq!(t.attrs(h2).unwrap().size, 0);
    assert_eq!(t.open(&u, "ro", O_RDONLY | O_TRUNC), Err(EACCES));
    // Slashes collapse; dots work.
    mkdir(&mut t, &u, "d", 0o755).unwrap();
    touch(&mut t, &u, "d//g", 0o644).unwrap();
    assert!(t.open(&u, "./d/../d/./g", O_RDONLY).is_ok());
    assert!(t.open(&u, "../../d/g", O_RDONLY).is_ok(), "the root's .. is the root");
}

#[test]
fn directories_are_made_listed_and_refuse_writes() {
    let mut t = Tree::<Bytes>::new();
    let u = user(1000);
    mkdir(&mut t, &u, "d", 0o755).unwrap();
    assert_eq!(mkdir(&mut t, &u, "d", 0o755), Err(EEXIST));
    assert_eq!(mkdir(&mut t, &u, "d/.", 0o755), Err(EEXIST));
    assert_eq!(t.open(&u, "d", O_WRONLY), Err(EISDIR));
    assert_eq!(t.open(&u, "d", O_RDONLY | O_TRUNC), Err(EISDIR));
    assert_eq!(t.open(&u, "d", O_CREAT | O_RDONLY), Err(EISDIR));
    assert_eq!(t.open(&u, "e", O_CREAT | O_DIRECTORY | O_RDWR), Err(EISDIR));
    assert!(t.open(&u, "d/", O_RDONLY).is_ok());
    assert!(t.open(&u, "d", O_CREAT | O_DIRECTORY).is_ok(), "an existing directory opens without O_EXCL");
    for name in ["b", "a", "c"] {
        touch(&mut t, &u, &alloc::format!("d/{name}"), 0o644).unwrap();
    }
    mkdir(&mut t, &u, "d/sub", 0o700).unwrap();
    assert_eq!(names(&mut t, &u, "d"), [".", "..", "b", "a", "c", "sub"]);
    let h = t.open(&u, "d", O_RDONLY).unwrap();
    assert_eq!(t.attrs(h).unwrap().nlink, 3);
    // Listing in pieces, with an entry removed and one added half-way: the others once each.
    let mut small = [0u8; 48];
    let n = t.read(h, &mut small).unwrap();
    let first: Vec<_> = dirent::records(&small[..n]).map(|r| r.name.to_vec()).collect();
    assert_eq!(first, [b".".to_vec(), b"..".to_vec()]);
    t.unlink(&u, "d/a").unwrap();
    touch(&mut t, &u, "d/z", 0o644).unwrap();
    let mut rest = Vec::new();
    loop {
        let n = t.read(h, &mut small).unwrap();
        if n == 0 {
            break;
        }
        rest.extend(dirent::records(&small[..n]).map(|r| r.name.to_vec()));
    }
    assert_eq!(rest, [b"b".to_vec(), b"c".to_vec(), b"sub".to_vec(), b"z".to_vec()]);
    assert_eq!(t.read(h, &mut [0u8; 10]), Ok(0));
    assert_eq!(t.seek(h, 0, SEEK_SET), Ok(0));
    assert_eq!(t.read(h, &mut [0u8; 10]), Err(EINVAL), "no room for one record");
    assert_eq!(t.seek(h, 0, SEEK_END), Err(EINVAL));
}

#[test]
fn offsets_append_seek_and_truncate() {
    let mut t = Tree::<Bytes>::new();
    let h = t.open(&root(), "f", O_CREAT | O_RDWR | 0o600).unwrap();
    assert_eq!(t.write(h, b"abcdef"), Ok(6));
    assert_eq!(t.seek(h, -2, SEEK_CUR), Ok(4));
    let mut buf = [0u8; 8];
    assert_eq!(t.read(h, &mut buf), Ok(2));
    assert_eq!(&buf[..2], b"ef");
    assert_eq!(t.seek(h, -7, SEEK_END), Err(EINVAL));
    assert_eq!(t.seek(h, 1, 3), Err(EINVAL));
    assert_eq!(t.seek(h, i64::MAX, SEEK_SET), Ok(MAX_FILE_SIZE));
    assert_eq!(t.seek(h, 1, SEEK_CUR), Err(EINVAL), "overflow");
    assert_eq!(t.write(h, b"x"), Err(EFBIG));
    // A write past the end leaves a hole of zeros.
    assert_eq!(t.seek(h, 10, SEEK_SET), Ok(10));
    assert_eq!(t.write(h, b"z"), Ok(1));
    assert_eq!(t.seek(h, 0, SEEK_SET), Ok(0));
    assert_eq!(t.read(h, &mut [0u8; 32]), Ok(11));
    // O_APPEND writes at the end whatever the offset.
    let a = t.open(&root(), "f", O_WRONLY | O_APPEND).unwrap();
    assert_eq!(t.seek(a, 0, SEEK_SET), Ok(0));
    assert_eq!(t.write(a, b"!"), Ok(1));
    assert_eq!(t.attrs(a).unwrap().size, 12);
    assert_eq!(t.seek(a, 0, SEEK_CUR), Ok(12));
    // Truncate: shrink, then grow with zeros.
    t.truncate(h, 3).unwrap();
    t.truncate(h, 5).unwrap();
    t.seek(h, 0, SEEK_SET).unwrap();
    let mut buf = [9u8; 8];
    assert_eq!(t.read(h, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"abc\0\0");
    assert_eq!(t.truncate(h, MAX_FILE_SIZE + 1), Err(EFBIG));
    // Out of space: a short write, then ENOSPC.
    t.seek(h, (LIMIT - 2) as i64, SEEK_SET).unwrap();
    assert_eq!(t.write(h, b"1234"), Ok(2));
    assert_eq!(t.write(h, b"1234"), Err(ENOSPC));
}

#[test]
fn unlinked_files_live_until_the_last_close() {
    let mut t = Tree::<Bytes>::new();
    let u = user(1000);
    let before = t.node_count();
    let h = t.open(&u, "f", O_CREAT | O_RDWR | 0o600).unwrap();
    t.write(h, b"data").unwrap();
    let ino = t.attrs(h).unwrap().ino;
    t.unlink(&u, "f").unwrap();
    assert_eq!(t.open(&u, "f", O_RDONLY), Err(ENOENT));
    assert_eq!(t.attrs(h).unwrap().nlink, 0);
    assert_eq!(t.path(h).unwrap(), "");
    t.seek(h, 0, SEEK_SET).unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(t.read(h, &mut buf), Ok(4));
    assert_eq!(&buf, b"data");
    // A new file of the same name is another inode.
    let h2 = t.open(&u, "f", O_CREAT | O_RDWR).unwrap();
    assert_ne!(t.attrs(h2).unwrap().ino, ino);
    t.close(h2);
    t.unlink(&u, "f").unwrap();
    assert_eq!(t.node_count(), before + 1);
    t.close(h);
    assert_eq!(t.node_count(), before);
    // A removed directory that is still open cannot be read or created in.
    mkdir(&mut t, &u, "d", 0o755).unwrap();
    let d = t.open(&u, "d", O_RDONLY).unwrap();
    t.rmdir(&u, "d").unwrap();
    assert_eq!(t.read(d, &mut [0u8; 64]), Err(ENOENT));
    assert_eq!(t.attrs(d).unwrap().nlink, 0);
    t.close(d);
    assert_eq!(t.node_count(), before);
}

#[test]
fn unlink_and_rmdir_errors() {
    let mut t = Tree::<Bytes>::new();
    let u = user(1000);
    mkdir(&mut t, &u, "d", 0o755).unwrap();
    touch(&mut t, &u, "d/f", 0o644).unwrap();
    assert_eq!(t.unlink(&u, "d"), Err(EISDIR));
    assert_eq!(t.unlink(&u, "d/f/"), Err(ENOTDIR));
    assert_eq!(t.unlink(&u, "."), Err(EISDIR));
    assert_eq!(t.unlink(&u, "nope"), Err(ENOENT));
    assert_eq!(t.rmdir(&u, "d"), Err(ENOTEMPTY));
    assert_eq!(t.rmdir(&u, "d/f"), Err(ENOTDIR));
    assert_eq!(t.rmdir(&u, "d/."), Err(EINVAL));
    assert_eq!(t.rmdir(&u, "d/.."), Err(ENOTEMPTY));
    assert_eq!(t.rmdir(&u, "nope"), Err(ENOENT));
    t.unlink(&u, "d/f").unwrap();
    t.rmdir(&u, "d/").unwrap();
    assert_eq!(names(&mut t, &u, ""), [".", ".."]);
}

#[test]
fn permissions_follow_linux() {
    let mut t = Tree::<Bytes>::new();
    let (owner, other) = (user(1000), user(2000));
    let mut member = user(3000);
    member.groups.push(1000);
    mkdir(&mut t, &owner, "d", 0o750).unwrap();
    touch(&mut t, &owner, "d/f", 0o640).unwrap();
    // Search permission on every directory of the path.
    assert_eq!(t.open(&other, "d/f", O_RDONLY), Err(EACCES));
    assert_eq!(t.open(&other, "d/missing", O_RDONLY), Err(EACCES));
    assert!(t.open(&member, "d/f", O_RDONLY).is_ok());
    assert_eq!(t.open(&member, "d/f", O_WRONLY), Err(EACCES));
    assert_eq!(t.open(&member, "d/f", O_RDWR), Err(EACCES));
    // Write and search on the parent to create or remove.
    assert_eq!(touch(&mut t, &member, "d/g", 0o644), Err(EACCES));
    assert_eq!(t.unlink(&member, "d/f"), Err(EACCES));
    assert_eq!(mkdir(&mut t, &member, "d/e", 0o755), Err(EACCES));
    // Root passes read and write checks, but not execute on a file without x bits.
    assert!(t.open(&root(), "d/f", O_RDWR).is_ok());
    // The owner class decides even when the group or others have more.
    touch(&mut t, &owner, "mine", 0o077).unwrap();
    assert_eq!(t.open(&owner, "mine", O_RDONLY), Err(EACCES));
    // Directories without search permission for the owner.
    mkdir(&mut t, &owner, "closed", 0o600).unwrap();
    assert_eq!(touch(&mut t, &owner, "closed/x", 0o644), Err(EACCES));
    assert!(touch(&mut t, &root(), "closed/x", 0o644).is_ok());
}

#[test]
fn the_sticky_bit_guards_removal_and_rename() {
    let mut t = Tree::<Bytes>::new();
    let (a, b) = (user(1000), user(2000));
    touch(&mut t, &a, "a-file", 0o666).unwrap();
    assert_eq!(t.unlink(&b, "a-file"), Err(EPERM));
    let h = t.open(&b, "a-file", O_RDWR).unwrap();
    assert_eq!(t.rename(&b, h, "mine"), Err(EPERM));
    touch(&mut t, &b, "b-file", 0o666).unwrap();
    let hb = t.open(&b, "b-file", O_RDONLY).unwrap();
    assert_eq!(t.rename(&b, hb, "a-file"), Err(EPERM), "replacing another's file in a sticky directory");
    assert!(t.unlink(&root(), "a-file").is_ok());
    // The directory's owner may remove anything in it.
    mkdir(&mut t, &a, "shared", 0o1777).unwrap();
    touch(&mut t, &b, "shared/x", 0o644).unwrap();
    assert!(t.unlink(&a, "shared/x").is_ok());
    // Without the sticky bit, write permission on the directory is enough.
    mkdir(&mut t, &a, "open", 0o777).unwrap();
    touch(&mut t, &a, "open/y", 0o600).unwrap();
    assert!(t.unlink(&b, "open/y").is_ok());
}

#[test]
fn rename_rules() {
    let mut t = Tree::<Bytes>::new();
    let u = user(1000);
    mkdir(&mut t, &u, "d", 0o755).unwrap();
    mkdir(&mut t, &u, "d/sub", 0o755).unwrap();
    mkdir(&mut t, &u, "full", 0o755).unwrap();
    touch(&mut t, &u, "full/x", 0o644).unwrap();
    mkdir(&mut t, &u, "empty", 0o755).unwrap();
    let f = t.open(&u, "f", O_CREAT | O_RDWR | 0o644).unwrap();
    t.write(f, b"one").unwrap();
    let g = t.open(&u, "g", O_CREAT | O_RDWR | 0o644).unwrap();
    let g_ino = t.attrs(g).unwrap().ino;
    // A file replaces a file; the replaced one lives on through its descriptor.
    t.rename(&u, f, "g").unwrap();
    assert_eq!(t.open(&u, "f", O_RDONLY), Err(ENOENT));
    let again = t.open(&u, "g", O_RDONLY).unwrap();
    assert_eq!(t.attrs(again).unwrap().size, 3);
    assert_eq!(t.attrs(g).unwrap().nlink, 0);
    assert_ne!(t.attrs(again).unwrap().ino, g_ino);
    assert_eq!(t.path(f).unwrap(), "g");
    // Onto itself: nothing happens.
    t.rename(&u, f, "g").unwrap();
    // File onto directory, directory onto file, into a missing directory, bad names.
    assert_eq!(t.rename(&u, f, "empty"), Err(EISDIR));
    assert_eq!(t.rename(&u, f, "g2/"), Err(ENOTDIR));
    assert_eq!(t.rename(&u, f, "nodir/g"), Err(ENOENT));
    assert_eq!(t.rename(&u, f, "."), Err(EBUSY));
    let d = t.open(&u, "d", O_RDONLY).unwrap();
    assert_eq!(t.rename(&u, d, "g"), Err(ENOTDIR));
    assert_eq!(t.rename(&u, d, "full"), Err(ENOTEMPTY));
    assert_eq!(t.rename(&u, d, "d/sub/below"), Err(EINVAL));
    assert_eq!(t.rename(&u, d, "d/inside"), Err(EINVAL));
    // A directory replaces an empty directory, and moves with its contents.
    t.rename(&u, d, "empty").unwrap();
    assert!(t.open(&u, "empty/sub", O_RDONLY).is_ok());
    t.rename(&u, d, "full/moved").unwrap();
    assert_eq!(t.path(d).unwrap(), "full/moved");
    assert!(t.open(&u, "full/moved/sub/..", O_RDONLY).is_ok());
    let full = t.open(&u, "full", O_RDONLY).unwrap();
    assert_eq!(t.attrs(full).unwrap().nlink, 3);
    // Unlinked: nothing to rename.
    t.unlink(&u, "g").unwrap();
    assert_eq!(t.rename(&u, f, "h"), Err(ENOENT));
    // Moving a directory to another parent needs write permission on it.
    mkdir(&mut t, &u, "ro", 0o555).unwrap();
    let ro = t.open(&u, "ro", O_RDONLY).unwrap();
    assert_eq!(t.rename(&u, ro, "full/ro"), Err(EACCES));
    assert!(t.rename(&u, ro, "ro2").is_ok(), "same parent: no");
}

#[test]
fn chmod_and_chown() {
    let mut t = Tree::<Bytes>::new();
    let (a, b) = (user(1000), user(2000));
    let mut a_in_5 = user(1000);
    a_in_5.groups.push(5);
    let h = t.open(&a, "f", O_CREAT | O_RDWR | 0o644).unwrap();
    assert_eq!(t.chmod(&b, h, 0o777), Err(EPERM));
    t.chmod(&a, h, 0o4755).unwrap();
    assert_eq!(t.attrs(h).unwrap().mode, 0o4755);
    t.chmod(&a, h, 0o2755).unwrap();
    assert_eq!(t.attrs(h).unwrap().mode, 0o2755, "its own group");
    assert_eq!(t.chown(&b, h, KEEP, 1000), Err(EPERM));
    assert_eq!(t.chown(&a, h, 2000, KEEP), Err(EPERM));
    assert_eq!(t.chown(&a, h, 1000, KEEP), Ok(()), "to the same owner");
    assert_eq!(t.chown(&a, h, KEEP, 5), Err(EPERM));
    t.chmod(&a, h, 0o6755).unwrap();
    assert_eq!(t.chown(&a_in_5, h, KEEP, 5), Ok(()));
    assert_eq!(t.attrs(h).unwrap().gid, 5);
    assert_eq!(t.attrs(h).unwrap().mode, 0o755, "chown clears set-id bits of an executable");
    t.chmod(&a, h, 0o2755).unwrap();
    assert_eq!(t.attrs(h).unwrap().mode, 0o755, "set-group-id dropped: not a member of group 5");
    t.chown(&root(), h, 3000, 3000).unwrap();
    let attrs = t.attrs(h).unwrap();
    assert_eq!((attrs.uid, attrs.gid), (3000, 3000));
    assert_eq!(t.chmod(&a, h, 0o600), Err(EPERM));
}

#[test]
fn setgid_directories_pass_their_group_on() {
    let mut t = Tree::<Bytes>::new();
    let a = user(1000);
    mkdir(&mut t, &root(), "g", 0o2777).unwrap();
    let h = t.open(&root(), "g", O_RDONLY).unwrap();
    t.chown(&root(), h, KEEP, 50).unwrap();
    let f = t.open(&a, "g/f", O_CREAT | O_RDWR | 0o2644).unwrap();
    assert_eq!(t.attrs(f).unwrap().gid, 50);
    assert_eq!(t.attrs(f).unwrap().mode, 0o644, "not a member of 50: no set-group-id");
    mkdir(&mut t, &a, "g/sub", 0o755).unwrap();
    let s = t.open(&a, "g/sub", O_RDONLY).unwrap();
    assert_eq!((t.attrs(s).unwrap().gid, t.attrs(s).unwrap().mode), (50, 0o2755));
}

#[test]
fn the_number_of_files_is_bounded() {
    let mut t = Tree::<Bytes>::new();
    let u = user(1000);
    for i in 1..MAX_NODES {
        touch(&mut t, &u, &alloc::format!("f{i}"), 0o600).unwrap();
    }
    assert_eq!(touch(&mut t, &u, "one-more", 0o600), Err(ENOSPC));
    assert_eq!(mkdir(&mut t, &u, "one-more", 0o700), Err(ENOSPC));
    t.unlink(&u, "f1").unwrap();
    assert!(touch(&mut t, &u, "one-more", 0o600).is_ok());
}

#[test]
fn times_follow_changes() {
    let mut t = Tree::<Bytes>::new();
    let u = user(1000);
    let stamp = |t: &Tree<Bytes>, h| {
        let a = t.attrs(h).unwrap();
        (a.atime, a.mtime, a.ctime)
    };
    t.set_now(100);
    let root_h = t.open(&u, "", O_RDONLY).unwrap();
    let h = t.open(&u, "f", O_CREAT | O_RDWR | 0o600).unwrap();
    assert_eq!(stamp(&t, h), (100, 100, 100));
    assert_eq!(stamp(&t, root_h).1, 100, "creating changes the directory");
    t.set_now(200);
    t.write(h, b"x").unwrap();
    assert_eq!(stamp(&t, h), (100, 200, 200));
    t.set_now(300);
    t.seek(h, 0, SEEK_SET).unwrap();
    t.read(h, &mut [0u8; 4]).unwrap();
    assert_eq!(stamp(&t, h), (300, 200, 200), "a read after a change stamps the access time");
    t.set_now(400);
    t.read(h, &mut [0u8; 4]).unwrap();
    assert_eq!(stamp(&t, h).0, 300, "relatime: not again until the next change");
    t.chmod(&u, h, 0o644).unwrap();
    assert_eq!(stamp(&t, h), (300, 200, 400));
    t.set_now(500);
    t.truncate(h, 0).unwrap();
    assert_eq!(stamp(&t, h), (300, 500, 500));
    t.set_now(600);
    t.rename(&u, h, "g").unwrap();
    assert_eq!(stamp(&t, h).2, 600, "a rename changes the status");
    t.set_now(700);
    t.unlink(&u, "g").unwrap();
    assert_eq!(stamp(&t, h).2, 700);
    assert_eq!(stamp(&t, root_h).1, 700, "removing changes the directory");
}
