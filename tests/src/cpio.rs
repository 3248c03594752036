//! Writing cpio archives in the "newc" format (`070701`), the format Linux unpacks as an
//! initramfs; used by `just bench` to boot Linux with the benchmark as `/init`.
//!
//! Each member is a 110-byte ASCII header (the magic, then thirteen 8-digit hexadecimal
//! fields), the NUL-terminated path padded to a multiple of 4 bytes from the member's
//! start, and the data padded to a multiple of 4. The archive ends with the member
//! `TRAILER!!!`. Device nodes are stored as such, so an archive made without privileges
//! can still hold `/dev/console`.

/// The magic of a newc header (no checksum).
pub const MAGIC: &[u8; 6] = b"070701";
/// The length of a header.
pub const HEADER: usize = 110;
/// The name of the last member.
pub const TRAILER: &str = "TRAILER!!!";

/// File type bits of `mode`.
pub const S_IFMT: u32 = 0o170000;
/// A directory.
pub const S_IFDIR: u32 = 0o040000;
/// A regular file.
pub const S_IFREG: u32 = 0o100000;
/// A character device.
pub const S_IFCHR: u32 = 0o020000;

/// One member of an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The path inside the archive, relative (`dev/console`, not `/dev/console`).
    pub path: String,
    /// Type and permission bits, as in `st_mode`.
    pub mode: u32,
    /// The device number of a device node (major, minor); (0, 0) otherwise.
    pub rdev: (u32, u32),
    /// The contents of a regular file; empty otherwise.
    pub data: Vec<u8>,
}

impl Entry {
    /// A directory with permissions `perm`.
    pub fn dir(path: &str, perm: u32) -> Self {
        Self { path: path.into(), mode: S_IFDIR | (perm & 0o7777), rdev: (0, 0), data: Vec::new() }
    }

    /// A regular file with permissions `perm`.
    pub fn file(path: &str, perm: u32, data: Vec<u8>) -> Self {
        Self { path: path.into(), mode: S_IFREG | (perm & 0o7777), rdev: (0, 0), data }
    }

    /// A character device node `major:minor` with permissions `perm`.
    pub fn char_dev(path: &str, perm: u32, major: u32, minor: u32) -> Self {
        Self { path: path.into(), mode: S_IFCHR | (perm & 0o7777), rdev: (major, minor), data: Vec::new() }
    }
}

fn pad4(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(4), 0);
}

fn header(out: &mut Vec<u8>, ino: u32, mode: u32, nlink: u32, size: u32, rdev: (u32, u32), name: &str) {
    out.extend_from_slice(MAGIC);
    // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
    // rdevminor, namesize (with the NUL), check.
    let name_size = name.len() as u32 + 1;
    for field in [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev.0, rdev.1, name_size, 0] {
        out.extend_from_slice(format!("{field:08x}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad4(out);
}

/// The archive of `entries`, in order (a directory must come before what it holds),
/// owned by root, with modification time 0.
pub fn write(entries: &[Entry]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let path = entry.path.as_str();
        if path.is_empty() || path.starts_with('/') || path.contains('\0') || path == TRAILER {
            return Err(format!("{path:?}: not a usable archive path"));
        }
        if path.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            return Err(format!("{path:?}: not a normalized relative path"));
        }
        let kind = entry.mode & S_IFMT;
        if kind != S_IFREG && !entry.data.is_empty() {
            return Err(format!("{path}: only a regular file has contents"));
        }
        if ![S_IFDIR, S_IFREG, S_IFCHR].contains(&kind) {
            return Err(format!("{path}: unsupported file type {kind:o}"));
        }
        if entries[..i].iter().any(|other| other.path == entry.path) {
            return Err(format!("{path}: given twice"));
        }
        let size = u32::try_from(entry.data.len()).map_err(|_| format!("{path}: larger than 4 GiB"))?;
        let nlink = if kind == S_IFDIR { 2 } else { 1 };
        header(&mut out, i as u32 + 1, entry.mode, nlink, size, entry.rdev, path);
        out.extend_from_slice(&entry.data);
        pad4(&mut out);
    }
    header(&mut out, 0, 0, 1, 0, (0, 0), TRAILER);
    Ok(out)
}

/// Reads a newc archive back into its members (without the trailer).
pub fn parse(mut image: &[u8]) -> Result<Vec<Entry>, String> {
    let start = image.len();
    let mut entries = Vec::new();
    loop {
        let at = start - image.len();
        if image.len() < HEADER {
            return Err(format!("truncated header at offset {at}"));
        }
        if &image[..6] != MAGIC {
            return Err(format!("bad magic at offset {at}"));
        }
        let mut fields = [0u32; 13];
        for (i, field) in fields.iter_mut().enumerate() {
            let text = std::str::from_utf8(&image[6 + 8 * i..14 + 8 * i]).map_err(|_| format!("bad field at {at}"))?;
            *field = u32::from_str_radix(text, 16).map_err(|_| format!("bad field {text:?} at offset {at}"))?;
        }
        let [_ino, mode, _uid, _gid, _nlink, _mtime, size, _dmaj, _dmin, rmaj, rmin, name_size, _check] = fields;
        let name_end = HEADER + name_size as usize;
        let data_at = name_end.next_multiple_of(4);
        let data_end = data_at + size as usize;
        if name_size == 0 || image.len() < data_end {
            return Err(format!("truncated member at offset {at}"));
        }
        if image[name_end - 1] != 0 {
            return Err(format!("name without NUL at offset {at}"));
        }
        let path = std::str::from_utf8(&image[HEADER..name_end - 1]).map_err(|_| format!("bad name at {at}"))?;
        if path == TRAILER {
            return Ok(entries);
        }
        entries.push(Entry { path: path.into(), mode, rdev: (rmaj, rmin), data: image[data_at..data_end].to_vec() });
        image = &image[data_end.next_multiple_of(4).min(image.len())..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Entry> {
        vec![
            Entry::dir("dev", 0o755),
            Entry::char_dev("dev/console", 0o600, 5, 1),
            Entry::file("init", 0o755, b"\x7fELF and some more".to_vec()),
            Entry::file("empty", 0o644, Vec::new()),
            Entry::file("odd", 0o644, vec![1, 2, 3]),
        ]
    }

    #[test]
    fn round_trips() {
        let entries = sample();
        let image = write(&entries).unwrap();
        assert_eq!(parse(&image).unwrap(), entries);
        assert_eq!(image.len() % 4, 0);
        assert!(parse(&write(&[]).unwrap()).unwrap().is_empty());
    }

    #[test]
    fn header_layout_matches_the_format() {
        let image = write(&[Entry::char_dev("dev/console", 0o600, 5, 1)]).unwrap();
        let expected = concat!(
            "070701",
            "00000001",
            "00002180",
            "00000000",
            "00000000",
            "00000001",
            "00000000",
            "00000000",
            "00000000",
            "00000000",
            "00000005",
            "00000001",
            "0000000c",
            "00000000",
            "dev/console\0",
        );
        assert_eq!(&image[..expected.len()], expected.as_bytes());
        // 110 + 12 bytes of name = 122, padded to 124; no data.
        assert_eq!(&image[122..124], b"\0\0");
        assert_eq!(&image[124..130], MAGIC);
        let trailer = &image[124..];
        assert_eq!(&trailer[HEADER..HEADER + 11], b"TRAILER!!!\0");
        assert_eq!(&trailer[6..14], b"00000000", "the trailer has inode 0");
        assert_eq!(trailer.len(), (HEADER + 11).next_multiple_of(4));
    }

    #[test]
    fn data_is_aligned_to_four_bytes() {
        let image =
            write(&[Entry::file("ab", 0o644, b"xyz".to_vec()), Entry::file("c", 0o644, b"q".to_vec())]).unwrap();
        // 110 + "ab\0" = 113, padded to 116; data 3 bytes padded to 120.
        assert_eq!(&image[116..120], b"xyz\0");
        assert_eq!(&image[120..126], MAGIC);
        assert_eq!(&image[120 + 94..120 + 102], b"00000002", "namesize of \"c\"");
        assert_eq!(&image[120 + 112..120 + 113], b"q");
    }

    #[test]
    fn refuses_bad_members() {
        for path in ["", "/init", "a//b", "./a", "a/../b", "TRAILER!!!", "a\0b"] {
            assert!(write(&[Entry::file(path, 0o644, Vec::new())]).is_err(), "{path:?}");
        }
        assert!(write(&[Entry::file("a", 0o644, Vec::new()), Entry::dir("a", 0o755)]).is_err());
        let mut dir = Entry::dir("d", 0o755);
        dir.data = vec![1];
        assert!(write(&[dir]).is_err());
        let link = Entry { path: "l".into(), mode: 0o120777, rdev: (0, 0), data: Vec::new() };
        assert!(write(&[link]).is_err());
    }

    #[test]
    fn parse_rejects_damage() {
        let image = write(&sample()).unwrap();
        assert!(parse(&image[..image.len() - 8]).is_err());
        assert!(parse(&image[..50]).is_err());
        let mut bad = image.clone();
        bad[0] = b'1';
        assert!(parse(&bad).is_err());
        let mut bad = image;
        bad[20] = b'g';
        assert!(parse(&bad).is_err());
    }
}
