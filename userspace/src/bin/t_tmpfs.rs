//! `t_tmpfs`: the in-memory file system `/scheme/tmp`. The root (a directory of root's,
//! mode 01777); files made with `O_CREAT` (owner, group, mode, a stable `st_ino` and the
//! scheme's `st_dev`), `O_EXCL`, `O_TRUNC`, `O_APPEND`, `O_DIRECTORY`; directories made as
//! Redox makes them and listed in `dirent` records; ENOENT, ENOTDIR, EISDIR, ENAMETOOLONG;
//! read and write at a per-description offset, `lseek` (EINVAL for a negative offset,
//! ESPIPE on a pipe; an initfs file seeks too), `ftruncate`; unlink, rmdir and frename with Linux's errors; a file
//! unlinked while open; a file mapped `MAP_SHARED`; fchmod and fchown; readiness (fevent and an event queue); the permission and sticky-bit rules
//! for an unprivileged user (a child at uid 1000); the 64 MiB bound (ENOSPC), EFBIG; and
//! every frame of file data given back; times stamped from the realtime clock once the files are removed and closed.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use userspace::abi::dirent;
use userspace::abi::syscall::{Event, MODE_DIR, MODE_FILE, O_CREAT, O_RDWR};
use userspace::cred::{self, KEEP};
use userspace::fs::{
    self, EVENT_READ, EVENT_WRITE, O_APPEND, O_DIRECTORY, O_EXCL, O_NONBLOCK, O_RDONLY, O_TRUNC, O_WRONLY, SEEK_CUR,
    SEEK_END, SEEK_SET, bytes_of, bytes_of_mut,
};
use userspace::mm::{self, PROT_READ, PROT_WRITE};
use userspace::process::{self, Status};
use userspace::shm;
use userspace::{Errno, check, check_eq, check_err, check_ok, println};

userspace::entry!(main);

/// The test's own directory in the scheme.
const DIR: &str = "/scheme/tmp/t_tmpfs";
const DATA_LIMIT: u64 = 64 << 20;

fn path(name: &str) -> String {
    alloc::format!("{DIR}/{name}")
}

fn open(name: &str, flags: usize) -> userspace::Result<usize> {
    fs::open(&path(name), flags)
}

fn close(fd: usize) {
    let _ = fs::close(fd);
}

/// The names a directory lists, in order.
fn list(fd: usize) -> Vec<String> {
    let _ = fs::lseek(fd, 0, SEEK_SET);
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    while let Ok(n) = fs::read(fd, &mut buf) {
        if n == 0 {
            break;
        }
        out.extend(dirent::records(&buf[..n]).map(|r| String::from_utf8_lossy(r.name).into_owned()));
    }
    out
}

/// Runs `f` in a forked child and checks that every check in it passed.
fn in_child(what: &str, f: fn()) {
    let pid = check_ok!(
        process::fork_run(move || {
            f();
            userspace::check::status()
        }),
        "fork for {what}"
    );
    let status = pid.and_then(|pid| process::wait_for(pid).ok());
    check_eq!(status.and_then(Status::exited), Some(0), "child checking {what} (its failures are printed above)");
}

fn root_directory() {
    println!("t_tmpfs: the root is root's, a directory with mode 01777");
    let Some(fd) = check_ok!(fs::open("/scheme/tmp", O_RDONLY), "open the root") else { return };
    let st = fs::fstat(fd).unwrap_or_default();
    check_eq!((st.st_mode, st.st_uid, st.st_gid), (MODE_DIR | 0o1777, 0, 0), "the root's mode and owner");
    check_err!(fs::open("/scheme/tmp", O_RDWR), Errno::EISDIR, "the root opened for writing");
    check_ok!(fs::mkdir(DIR, 0o755), "mkdir {DIR}");
    check_err!(fs::mkdir(DIR, 0o755), Errno::EEXIST, "mkdir of an existing directory");
    check!(list(fd).iter().any(|n| n == "t_tmpfs"), "the root lists the new directory");
    check_eq!(fs::fevent(fd, EVENT_READ | EVENT_WRITE), Ok(EVENT_READ | EVENT_WRITE), "always ready");
    close(fd);
    // The same through an event queue, for a file.
    let Some(queue) = check_ok!(fs::open("/scheme/event", O_RDWR | O_NONBLOCK), "open an event queue") else { return };
    let Some(file) = check_ok!(fs::open("/scheme/tmp/t_tmpfs/ev", O_CREAT | O_RDWR | 0o600), "create ev") else {
        return;
    };
    let event = Event { id: file, flags: EVENT_READ | EVENT_WRITE, data: 9 };
    check_eq!(fs::write(queue, bytes_of(&event)), Ok(size_of::<Event>()), "register the file");
    let mut got = Event::default();
    check_eq!(fs::read(queue, bytes_of_mut(&mut got)), Ok(size_of::<Event>()), "an event at once");
    check_eq!((got.data, got.flags), (9, EVENT_READ | EVENT_WRITE), "readable and writable");
    close(queue);
    close(file);
    check_ok!(fs::unlink("/scheme/tmp/t_tmpfs/ev"), "unlink ev");
}

fn files_and_flags() {
    println!("t_tmpfs: O_CREAT, O_EXCL, O_TRUNC, O_APPEND, fstat, and the path errors");
    let Some(fd) = check_ok!(open("f", O_CREAT | O_RDWR | 0o640), "create f") else { return };
    check_eq!(fs::write(fd, b"hello world"), Ok(11), "write");
    let st = fs::fstat(fd).unwrap_or_default();
    check_eq!((st.st_mode, st.st_uid, st.st_gid, st.st_nlink, st.st_size), (MODE_FILE | 0o640, 0, 0, 1, 11), "fstat");
    let again = open("f", O_RDONLY).unwrap_or(usize::MAX);
    let st2 = fs::fstat(again).unwrap_or_default();
    check_eq!((st2.st_ino, st2.st_dev), (st.st_ino, st.st_dev), "st_ino and st_dev are stable (ftok keys)");
    check!(st.st_dev != 0 && st.st_ino != 0, "st_dev {} and st_ino {} are set", st.st_dev, st.st_ino);
    // The realtime clock starts from the RTC, so a file made now is from after 2020.
    check!(st.st_mtime > 1_577_836_800 && st.st_ctime == st.st_mtime, "the times are now ({})", st.st_mtime);
    check!(st.st_atime <= st.st_mtime, "made, then written: access time {} <= {}", st.st_atime, st.st_mtime);
    let mut buf = [0u8; 32];
    check_eq!(fs::read(again, &mut buf), Ok(11), "read from a second description starts at 0");
    check_eq!(&buf[..11], b"hello world", "the data");
    let mut name = [0u8; 64];
    let n = fs::fpath(again, &mut name).unwrap_or(0);
    check_eq!(&name[..n], b"/scheme/tmp/t_tmpfs/f", "fpath");
    close(again);
    check_err!(open("f", O_CREAT | O_EXCL | O_RDWR), Errno::EEXIST, "O_EXCL on an existing file");
    check_err!(open("f", O_RDONLY | O_DIRECTORY), Errno::ENOTDIR, "O_DIRECTORY on a file");
    check_err!(open("f/x", O_CREAT | O_RDWR), Errno::ENOTDIR, "a file used as a directory");
    check_err!(open("missing", O_RDONLY), Errno::ENOENT, "a missing file");
    check_err!(open("missing/x", O_CREAT | O_RDWR), Errno::ENOENT, "a missing directory");
    check_err!(open(&"n".repeat(256), O_CREAT | O_RDWR), Errno::ENAMETOOLONG, "a 256-byte name");
    check_ok!(open(&"n".repeat(255), O_CREAT | O_RDWR).map(close), "a 255-byte name");
    let _ = fs::unlink(&path(&"n".repeat(255)));
    let Some(t) = check_ok!(open("f", O_WRONLY | O_TRUNC), "O_TRUNC") else { return };
    check_eq!(fs::fstat(t).map(|s| s.st_size), Ok(0), "O_TRUNC empties the file");
    close(t);
    let Some(a) = check_ok!(open("f", O_WRONLY | O_APPEND), "O_APPEND") else { return };
    check_eq!(fs::write(fd, b"12345"), Ok(5), "write at the old offset (a hole before it)");
    check_eq!(fs::lseek(a, 0, SEEK_SET), Ok(0), "seek the appender to 0");
    check_eq!(fs::write(a, b"!"), Ok(1), "append");
    check_eq!(fs::lseek(a, 0, SEEK_CUR), Ok(17), "an append leaves the offset at the end");
    check_eq!(fs::lseek(fd, 0, SEEK_SET), Ok(0), "seek to 0");
    let mut all = [0xffu8; 32];
    check_eq!(fs::read(fd, &mut all), Ok(17), "read everything");
    check_eq!(&all[..17], b"\0\0\0\0\0\0\0\0\0\0\x0012345!", "a hole reads as zeros");
    close(a);
    close(fd);
}

fn seek_and_truncate() {
    println!("t_tmpfs: lseek and ftruncate");
    let Some(fd) = check_ok!(open("s", O_CREAT | O_RDWR | 0o600), "create s") else { return };
    check_eq!(fs::write(fd, b"abcdef"), Ok(6), "write");
    check_eq!(fs::lseek(fd, -2, SEEK_END), Ok(4), "SEEK_END");
    check_eq!(fs::lseek(fd, -1, SEEK_CUR), Ok(3), "SEEK_CUR");
    check_err!(fs::lseek(fd, -4, SEEK_CUR), Errno::EINVAL, "a negative result");
    check_err!(fs::lseek(fd, 0, 7), Errno::EINVAL, "an unknown whence");
    check_eq!(fs::lseek(fd, 0, SEEK_CUR), Ok(3), "a failed seek leaves the offset");
    check_ok!(fs::ftruncate(fd, 2), "shrink");
    check_ok!(fs::ftruncate(fd, 4), "grow");
    let _ = fs::lseek(fd, 0, SEEK_SET);
    let mut buf = [9u8; 8];
    check_eq!(fs::read(fd, &mut buf), Ok(4), "read after truncating");
    check_eq!(&buf[..4], b"ab\0\0", "what was cut reads as zeros after growing");
    check_eq!(fs::lseek(fd, i64::MAX, SEEK_SET), Ok(i64::MAX as u64), "seek to the largest offset");
    check_err!(fs::write(fd, b"x"), Errno::EFBIG, "a write at the largest offset");
    close(fd);
    let ro = open("s", O_RDONLY).unwrap_or(usize::MAX);
    check_err!(fs::ftruncate(ro, 0), Errno::EINVAL, "ftruncate of a read-only descriptor");
    close(ro);
    if let Some([r, w]) = check_ok!(fs::pipe2(0), "pipe2") {
        check_err!(fs::lseek(r, 0, SEEK_SET), Errno::ESPIPE, "lseek on a pipe");
        close(r);
        close(w);
    }
    check_ok!(fs::unlink(&path("s")), "unlink s");
    if let Some(init) = check_ok!(fs::open("/scheme/initfs/init", O_RDONLY), "open an initfs file") {
        let size = fs::fstat(init).map(|s| s.st_size).unwrap_or(0);
        check_eq!(fs::lseek(init, 0, SEEK_END), Ok(size), "an initfs file seeks to its end");
        check_eq!(fs::lseek(init, 10, SEEK_CUR), Ok(size + 10), "and past it");
        check_eq!(fs::read(init, &mut [0u8; 4]), Ok(0), "where reading finds nothing");
        check_eq!(fs::lseek(init, 1, SEEK_SET), Ok(1), "back to 1");
        let mut elf = [0u8; 3];
        check_eq!(fs::read(init, &mut elf), Ok(3), "read after the seek");
        check_eq!(&elf, b"ELF", "the bytes at offset 1");
        close(init);
    }
}

fn directories() {
    println!("t_tmpfs: directories, listings, unlink and rmdir");
    check_ok!(fs::mkdir(&path("d"), 0o755), "mkdir d");
    check_err!(open("d", O_WRONLY), Errno::EISDIR, "a directory opened for writing");
    check_err!(open("d", O_CREAT | O_RDWR), Errno::EISDIR, "O_CREAT of a directory's name");
    for name in ["one", "two"] {
        check_ok!(open(&alloc::format!("d/{name}"), O_CREAT | O_WRONLY | 0o644).map(close), "create d/{name}");
    }
    check_ok!(fs::mkdir(&path("d/sub"), 0o700), "mkdir d/sub");
    let Some(d) = check_ok!(open("d", O_RDONLY | O_DIRECTORY), "open d") else { return };
    check_eq!(list(d), [".", "..", "one", "two", "sub"], "the listing");
    let st = fs::fstat(d).unwrap_or_default();
    check_eq!((st.st_mode, st.st_nlink), (MODE_DIR | 0o755, 3), "a directory's mode and links");
    let mut tiny = [0u8; 8];
    let _ = fs::lseek(d, 0, SEEK_SET);
    check_err!(fs::read(d, &mut tiny), Errno::EINVAL, "a buffer too small for a record");
    check_err!(fs::unlink(&path("d")), Errno::EISDIR, "unlink of a directory");
    check_err!(fs::rmdir(&path("d")), Errno::ENOTEMPTY, "rmdir of a full directory");
    check_err!(fs::rmdir(&path("d/one")), Errno::ENOTDIR, "rmdir of a file");
    check_err!(fs::rmdir(&path("d/.")), Errno::EINVAL, "rmdir of .");
    check_err!(fs::unlink(&path("d/none")), Errno::ENOENT, "unlink of a missing name");
    check_ok!(fs::unlink(&path("d/one")), "unlink d/one");
    check_ok!(fs::unlink(&path("d/two")), "unlink d/two");
    check_ok!(fs::rmdir(&path("d/sub")), "rmdir d/sub");
    check_eq!(list(d), [".", ".."], "empty again");
    check_ok!(fs::rmdir(&path("d")), "rmdir d");
    check_err!(fs::read(d, &mut [0u8; 64]), Errno::ENOENT, "reading a removed directory");
    check_err!(open("d/x", O_CREAT | O_RDWR), Errno::ENOENT, "creating in a removed directory");
    close(d);
}

fn rename() {
    println!("t_tmpfs: frename");
    let a = open("a", O_CREAT | O_RDWR | 0o644).unwrap_or(usize::MAX);
    let _ = fs::write(a, b"from a");
    let b = open("b", O_CREAT | O_RDWR | 0o644).unwrap_or(usize::MAX);
    let b_ino = fs::fstat(b).map(|s| s.st_ino).unwrap_or(0);
    check_ok!(fs::frename(a, &path("b")), "rename a over b");
    check_err!(open("a", O_RDONLY), Errno::ENOENT, "the old name is gone");
    let nb = open("b", O_RDONLY).unwrap_or(usize::MAX);
    let mut buf = [0u8; 16];
    check_eq!(fs::read(nb, &mut buf), Ok(6), "the new name has a's data");
    check!(fs::fstat(nb).map(|s| s.st_ino).unwrap_or(0) != b_ino, "b is a's inode now");
    check_eq!(fs::fstat(b).map(|s| s.st_nlink), Ok(0), "the replaced file has no links");
    close(nb);
    close(b);
    check_ok!(fs::mkdir(&path("dir"), 0o755), "mkdir dir");
    check_ok!(fs::mkdir(&path("full"), 0o755), "mkdir full");
    check_ok!(open("full/x", O_CREAT | O_WRONLY | 0o644).map(close), "create full/x");
    check_err!(fs::frename(a, &path("dir")), Errno::EISDIR, "a file over a directory");
    check_err!(fs::frename(a, &path("nodir/x")), Errno::ENOENT, "into a missing directory");
    check_err!(fs::frename(a, "/scheme/shm/t_tmpfs"), Errno::EXDEV, "to another scheme");
    let dir = open("dir", O_RDONLY).unwrap_or(usize::MAX);
    check_err!(fs::frename(dir, &path("b")), Errno::ENOTDIR, "a directory over a file");
    check_err!(fs::frename(dir, &path("full")), Errno::ENOTEMPTY, "a directory over a full one");
    check_err!(fs::frename(dir, &path("dir/inner")), Errno::EINVAL, "a directory into itself");
    check_ok!(fs::frename(dir, &path("full/dir")), "a directory into another");
    let mut name = [0u8; 64];
    let n = fs::fpath(dir, &mut name).unwrap_or(0);
    check_eq!(&name[..n], b"/scheme/tmp/t_tmpfs/full/dir", "fpath follows the rename");
    check_ok!(fs::rmdir(&path("full/dir")), "rmdir full/dir");
    check_ok!(fs::unlink(&path("full/x")), "unlink full/x");
    check_ok!(fs::rmdir(&path("full")), "rmdir full");
    check_ok!(fs::unlink(&path("b")), "unlink b");
    close(dir);
    close(a);
}

fn unlinked_while_open() {
    println!("t_tmpfs: a file unlinked while open keeps its data until the last close");
    let Some(fd) = check_ok!(open("u", O_CREAT | O_RDWR | 0o600), "create u") else { return };
    check_eq!(fs::write(fd, &[7u8; 10_000]), Ok(10_000), "write");
    check_ok!(fs::unlink(&path("u")), "unlink u");
    check_err!(open("u", O_RDONLY), Errno::ENOENT, "the name is gone");
    check_eq!(fs::fstat(fd).map(|s| (s.st_nlink, s.st_size)), Ok((0, 10_000)), "fstat of the unlinked file");
    let _ = fs::lseek(fd, 0, SEEK_SET);
    let mut buf = [0u8; 10_000];
    check_eq!(fs::read(fd, &mut buf), Ok(10_000), "read it back");
    check!(buf.iter().all(|&b| b == 7), "the data survives");
    check_eq!(fs::write(fd, b"more"), Ok(4), "and it is still writable");
    close(fd);
}

fn mapped() {
    println!("t_tmpfs: a file mapped MAP_SHARED shares its bytes with read and write");
    let Some(fd) = check_ok!(open("m", O_CREAT | O_RDWR | 0o600), "create m") else { return };
    check_ok!(fs::ftruncate(fd, 8192), "size it to two pages");
    let Some(addr) = check_ok!(shm::map_fd(fd, 8192, 0, PROT_READ | PROT_WRITE), "fmap MAP_SHARED") else {
        return;
    };
    // SAFETY: the mapping is two pages, readable and writable, and nothing else uses it.
    let mem = unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, 8192) };
    check!(mem.iter().all(|&b| b == 0), "a new file maps as zeros");
    mem[4096..4101].copy_from_slice(b"page2");
    let _ = fs::lseek(fd, 4096, SEEK_SET);
    let mut buf = [0u8; 5];
    check_eq!(fs::read(fd, &mut buf), Ok(5), "read what the mapping wrote");
    check_eq!(&buf, b"page2", "the bytes");
    let _ = fs::lseek(fd, 10, SEEK_SET);
    check_eq!(fs::write(fd, b"via write"), Ok(9), "write");
    check_eq!(&mem[10..19], b"via write", "the mapping sees the write");
    check_eq!(fs::fstat(fd).map(|s| s.st_blocks), Ok(16), "both pages are resident");
    // SAFETY: `mem` is not used after this.
    let _ = unsafe { mm::funmap(addr, 8192) };
    let ro = open("m", O_RDONLY).unwrap_or(usize::MAX);
    check_err!(shm::map_fd(ro, 4096, 0, PROT_READ | PROT_WRITE), Errno::EACCES, "a writable mapping of O_RDONLY");
    close(ro);
    let dir = fs::open(DIR, O_RDONLY).unwrap_or(usize::MAX);
    check_err!(shm::map_fd(dir, 4096, 0, PROT_READ), Errno::ENODEV, "mapping a directory");
    close(dir);
    check_ok!(fs::unlink(&path("m")), "unlink m");
    close(fd);
}

fn modes_and_owners() {
    println!("t_tmpfs: fchmod and fchown as root");
    let Some(fd) = check_ok!(open("root-file", O_CREAT | O_RDWR | 0o600), "create root-file") else { return };
    check_ok!(fs::fchmod(fd, 0o644), "fchmod");
    check_eq!(fs::fstat(fd).map(|s| s.st_mode), Ok(MODE_FILE | 0o644), "the new mode");
    check_ok!(fs::fchown(fd, 0, 0), "fchown to root");
    close(fd);
    // Files for the unprivileged child: root's 0644 file, root's closed directory, root's
    // 0755 directory, and a file the child will own.
    check_ok!(fs::mkdir(&path("closed"), 0o700), "mkdir closed");
    check_ok!(open("closed/secret", O_CREAT | O_WRONLY | 0o644).map(close), "create closed/secret");
    check_ok!(fs::mkdir(&path("rodir"), 0o755), "mkdir rodir");
    check_ok!(open("rodir/f", O_CREAT | O_WRONLY | 0o666).map(close), "create rodir/f");
    let Some(given) = check_ok!(open("given", O_CREAT | O_WRONLY | 0o644), "create given") else { return };
    check_ok!(fs::fchown(given, 1000, 1000), "give it to 1000");
    close(given);
}

fn unprivileged() {
    check_ok!(cred::setgroups(&[]), "drop the groups");
    check_ok!(cred::setresgid(1000, 1000, 1000), "setresgid(1000)");
    check_ok!(cred::setresuid(1000, 1000, 1000), "setresuid(1000)");
    check_ok!(open("root-file", O_RDONLY).map(close), "read a 0644 file of root's");
    check_err!(open("root-file", O_WRONLY), Errno::EACCES, "write a 0644 file of root's");
    check_err!(open("root-file", O_RDWR), Errno::EACCES, "O_RDWR on a 0644 file of root's");
    check_err!(open("root-file", O_RDONLY | O_TRUNC), Errno::EACCES, "O_TRUNC needs write permission");
    check_err!(open("closed/secret", O_RDONLY), Errno::EACCES, "search permission on a 0700 directory");
    check_err!(open("rodir/new", O_CREAT | O_RDWR | 0o644), Errno::EACCES, "create in a 0755 directory of root's");
    check_err!(fs::unlink(&path("rodir/f")), Errno::EACCES, "unlink in a 0755 directory of root's");
    check_ok!(open("rodir/f", O_RDWR).map(close), "its 0666 file is writable");
    // The test's directory is root's 0755 too; the scheme root is sticky and world-writable.
    let mine = "/scheme/tmp/t_tmpfs-1000";
    let Some(fd) = check_ok!(fs::open(mine, O_CREAT | O_RDWR | 0o600), "create in the sticky root") else { return };
    check_eq!(fs::fstat(fd).map(|s| (s.st_uid, s.st_gid)), Ok((1000, 1000)), "owned by the creator's ids");
    check_ok!(fs::fchown(fd, 1000, KEEP), "chown to the same uid");
    check_err!(fs::fchown(fd, 0, KEEP), Errno::EPERM, "chown to another uid");
    check_err!(fs::fchown(fd, KEEP, 0), Errno::EPERM, "chgrp to a group it is not in");
    check_ok!(fs::fchmod(fd, 0o640), "fchmod of its own file");
    close(fd);
    let Some(root_file) = check_ok!(open("root-file", O_RDONLY), "open root-file") else { return };
    check_err!(fs::fchmod(root_file, 0o777), Errno::EPERM, "fchmod of root's file");
    check_err!(fs::fchown(root_file, 1000, 1000), Errno::EPERM, "fchown of root's file");
    close(root_file);
    // The sticky root: root's names there are not ours to remove or replace.
    let Some(other) = check_ok!(fs::open("/scheme/tmp/t_tmpfs-root", O_RDONLY), "open root's file in the root") else {
        return;
    };
    check_err!(fs::unlink("/scheme/tmp/t_tmpfs-root"), Errno::EPERM, "unlink of root's file in a sticky directory");
    check_err!(fs::frename(other, "/scheme/tmp/t_tmpfs-x"), Errno::EPERM, "rename of root's file out of it");
    close(other);
    let Some(fd) = check_ok!(fs::open(mine, O_RDONLY), "reopen") else { return };
    check_err!(fs::frename(fd, "/scheme/tmp/t_tmpfs-root"), Errno::EPERM, "replace root's file in it");
    check_ok!(fs::frename(fd, "/scheme/tmp/t_tmpfs-1000b"), "rename its own file");
    close(fd);
    check_ok!(fs::unlink("/scheme/tmp/t_tmpfs-1000b"), "unlink its own file");
}

fn permissions() {
    println!("t_tmpfs: permissions and the sticky bit for uid 1000");
    check_ok!(fs::open("/scheme/tmp/t_tmpfs-root", O_CREAT | O_WRONLY | 0o666).map(close), "root's file in the root");
    in_child("uid 1000", unprivileged);
    check_ok!(fs::unlink("/scheme/tmp/t_tmpfs-root"), "root removes its file");
    for name in ["closed/secret", "rodir/f", "given", "root-file"] {
        check_ok!(fs::unlink(&path(name)), "unlink {name}");
    }
    for name in ["closed", "rodir"] {
        check_ok!(fs::rmdir(&path(name)), "rmdir {name}");
    }
}

fn space() {
    println!("t_tmpfs: at most 64 MiB of file data (ENOSPC), and a short write at the edge");
    let Some(fd) = check_ok!(open("big", O_CREAT | O_RDWR | 0o600), "create big") else { return };
    let chunk = vec![0x5au8; 1 << 20];
    let mut total = 0u64;
    loop {
        match fs::write(fd, &chunk) {
            Ok(n) if n > 0 => total += n as u64,
            Ok(_) => break,
            Err(e) => {
                check_eq!(e, Errno::ENOSPC, "the write past the bound");
                break;
            }
        }
        if total > 2 * DATA_LIMIT {
            break;
        }
    }
    check!(total <= DATA_LIMIT && total > DATA_LIMIT - (1 << 20), "{total} bytes went in (bound {DATA_LIMIT})");
    check_err!(fs::write(fd, b"x"), Errno::ENOSPC, "a write once full");
    check_ok!(fs::ftruncate(fd, 1 << 20), "shrink to 1 MiB");
    check_eq!(fs::write(fd, b"room again"), Ok(10), "shrinking gave room back");
    check_ok!(fs::unlink(&path("big")), "unlink big");
    close(fd);
}

fn checks() -> i32 {
    root_directory();
    files_and_flags();
    seek_and_truncate();
    directories();
    rename();
    unlinked_while_open();
    mapped();
    modes_and_owners();
    permissions();
    space();
    check_ok!(fs::unlink(&path("f")), "unlink f");
    let root = fs::open(DIR, O_RDONLY).unwrap_or(usize::MAX);
    check_eq!(list(root), [".", ".."], "everything the test made is gone");
    close(root);
    check_ok!(fs::rmdir(DIR), "rmdir {DIR}");
    userspace::check::finish()
}

fn main(_args: &[&str]) -> i32 {
    // The checks run in a child, so that its page tables and heap are gone with it when
    // the frame count is compared.
    let free = process::free_frames();
    let status = check_ok!(process::fork_run(checks), "fork for the checks")
        .and_then(|pid| process::wait_for(pid).ok())
        .and_then(Status::exited);
    check_eq!(status, Some(0), "every check in the child passed");
    println!("t_tmpfs: every frame of file data is back");
    check_eq!(process::free_frames(), free, "free frames");
    userspace::check::finish()
}
