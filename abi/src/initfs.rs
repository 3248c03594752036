//! The initfs image: the read-only files the kernel serves under `/scheme/initfs/`,
//! handed over by the boot loader as a module (QEMU `-initrd`, GRUB `module2`).
//!
//! Layout (little endian): the magic `KSTRLFS1`, a u32 entry count, a u32 reserved word,
//! then `count` entries of { u32 name offset, u32 name length, u64 data offset, u64 data
//! length }, then names and data. All offsets are from the start of the image. The file
//! named [`MANIFEST`] lists the guest test programs `init` runs, one per line.
//!
//! A name is a path relative to the image's root: components separated by single '/'
//! (`etc/passwd`), none empty, `.` or `..`. The directories are implied by the names:
//! `etc` is one because `etc/passwd` is in it.

/// The first eight bytes of an image.
pub const MAGIC: &[u8; 8] = b"KSTRLFS1";
/// Bytes of the header (magic, count, reserved).
pub const HEADER: usize = 16;
/// Bytes of one entry.
pub const ENTRY: usize = 24;

/// The test list `init` reads.
pub const MANIFEST: &str = "tests";

/// One file of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct File<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

/// Why an image is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    BadMagic,
    Truncated,
    BadName,
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, Error> {
    let s = b.get(at..at + 4).ok_or(Error::Truncated)?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, Error> {
    Ok(u64::from(u32_at(b, at)?) | (u64::from(u32_at(b, at + 4)?) << 32))
}

/// A validated image.
#[derive(Clone, Copy, Debug)]
pub struct Image<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> Image<'a> {
    /// Checks the header and every entry.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        if bytes.get(..8) != Some(MAGIC.as_slice()) {
            return Err(Error::BadMagic);
        }
        let count = u32_at(bytes, 8)? as usize;
        let image = Self { bytes, count };
        for i in 0..count {
            image.file(i)?;
        }
        Ok(image)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the image holds no file.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn file(&self, index: usize) -> Result<File<'a>, Error> {
        let at = HEADER + index * ENTRY;
        let name_off = u32_at(self.bytes, at)? as usize;
        let name_len = u32_at(self.bytes, at + 4)? as usize;
        let data_off = usize::try_from(u64_at(self.bytes, at + 8)?).map_err(|_| Error::Truncated)?;
        let data_len = usize::try_from(u64_at(self.bytes, at + 16)?).map_err(|_| Error::Truncated)?;
        let name = self
            .bytes
            .get(name_off..name_off.checked_add(name_len).ok_or(Error::Truncated)?)
            .ok_or(Error::Truncated)?;
        let name = core::str::from_utf8(name).map_err(|_| Error::BadName)?;
        if !valid_name(name) {
            return Err(Error::BadName);
        }
        let data = self
            .bytes
            .get(data_off..data_off.checked_add(data_len).ok_or(Error::Truncated)?)
            .ok_or(Error::Truncated)?;
        Ok(File { name, data })
    }

    /// The files, in image order.
    pub fn files(&self) -> impl Iterator<Item = File<'a>> + '_ {
        (0..self.count).filter_map(|i| self.file(i).ok())
    }

    /// The file called `name`.
    pub fn find(&self, name: &str) -> Option<File<'a>> {
        self.files().find(|f| f.name == name)
    }

    /// Whether `path` is a directory: the root (`""`), or a proper prefix of some name
    /// that ends before a '/'.
    pub fn is_dir(&self, path: &str) -> bool {
        path.is_empty() || self.files().any(|f| in_dir(f.name, path).is_some())
    }

    /// The names directly in directory `path` (files and directories, each once, in the
    /// order of the image's first name under them).
    pub fn children<'s>(&'s self, path: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.files().enumerate().filter_map(move |(i, f)| {
            let child = in_dir(f.name, path)?;
            let first = !self.files().take(i).any(|g| in_dir(g.name, path) == Some(child));
            first.then_some(child)
        })
    }
}

/// Whether `name` is a valid file name of an image (see the module's header).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// If `name` is inside directory `dir` (`""`: the root), the first component after it.
fn in_dir<'n>(name: &'n str, dir: &str) -> Option<&'n str> {
    let rest = if dir.is_empty() { name } else { name.strip_prefix(dir)?.strip_prefix('/')? };
    Some(rest.split('/').next().unwrap_or(rest))
}

/// Builds an image from `(name, data)` pairs (for the tests here; the host packer lives
/// in the `integration` crate, so that no `std` feature reaches the kernel's build).
#[cfg(test)]
fn build(files: &[(&str, &[u8])]) -> std::vec::Vec<u8> {
    let mut out = std::vec::Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(files.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let mut names_at = HEADER + files.len() * ENTRY;
    let names_len: usize = files.iter().map(|(n, _)| n.len()).sum();
    let mut data_at = (names_at + names_len).next_multiple_of(4096);
    for (name, data) in files {
        out.extend_from_slice(&(names_at as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data_at as u64).to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        names_at += name.len();
        data_at = (data_at + data.len()).next_multiple_of(4096);
    }
    for (name, _) in files {
        out.extend_from_slice(name.as_bytes());
    }
    for (_, data) in files {
        out.resize(out.len().next_multiple_of(4096), 0);
        out.extend_from_slice(data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let img = build(&[("init", b"\x7fELF..."), ("tests", b"t_proc\nt_signal\n"), ("empty", b"")]);
        let parsed = Image::parse(&img).unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed.find("tests").unwrap().data, b"t_proc\nt_signal\n");
        assert_eq!(parsed.find("empty").unwrap().data, b"");
        assert!(parsed.find("nope").is_none());
    }

    #[test]
    fn corrupt_images_are_rejected() {
        let img = build(&[("init", b"abc")]);
        assert_eq!(Image::parse(&img[..10]).unwrap_err(), Error::Truncated);
        assert_eq!(Image::parse(b"NOTMAGIC").unwrap_err(), Error::BadMagic);
        let mut bad = img.clone();
        bad[HEADER + 16] = 0xff; // data length beyond the image
        assert_eq!(Image::parse(&bad).unwrap_err(), Error::Truncated);
        for bad in ["/a", "a/", "a//b", "./a", "a/../b", ""] {
            assert_eq!(Image::parse(&build(&[(bad, b"")])).unwrap_err(), Error::BadName, "{bad:?}");
        }
    }

    #[test]
    fn nested_names_make_directories() {
        let img = build(&[
            ("init", b"i"),
            ("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
            ("etc/group", b"root:x:0:\n"),
            ("etc/ssl/certs/a", b""),
            ("etcetera", b""),
        ]);
        let parsed = Image::parse(&img).unwrap();
        assert_eq!(parsed.find("etc/group").unwrap().data, b"root:x:0:\n");
        assert!(parsed.find("etc").is_none());
        assert!(
            parsed.is_dir("") && parsed.is_dir("etc") && parsed.is_dir("etc/ssl") && parsed.is_dir("etc/ssl/certs")
        );
        assert!(
            !parsed.is_dir("etc/passwd")
                && !parsed.is_dir("et")
                && !parsed.is_dir("init")
                && !parsed.is_dir("etcetera")
        );
        assert_eq!(parsed.children("").collect::<std::vec::Vec<_>>(), ["init", "etc", "etcetera"]);
        assert_eq!(parsed.children("etc").collect::<std::vec::Vec<_>>(), ["passwd", "group", "ssl"]);
        assert_eq!(parsed.children("etc/ssl/certs").collect::<std::vec::Vec<_>>(), ["a"]);
        assert_eq!(parsed.children("init").count(), 0);
    }
}
