//! Directory records: what reading a directory of `/scheme/tmp` returns, in Redox's
//! `DirentHeader` format (redox_syscall's `dirent.rs`), so relibc's `readdir` can read it.
//!
//! Each record is a packed 19-byte header { u64 inode, u64 next position, u16 record
//! length, u8 kind } followed by the name, a NUL byte and zero padding up to a multiple
//! of 8 bytes (`record length` counts all of it). A read returns whole records only: a
//! buffer too small for the next one is `EINVAL` (as Linux's `getdents`), and 0 means
//! the end. The descriptor's offset is a position in the directory: `lseek(fd, pos,
//! SEEK_SET)` with a record's "next position" resumes after it, and 0 rewinds. The
//! listing starts with `.` and `..`; an entry neither added nor removed meanwhile is
//! listed exactly once, whatever else changes.

/// Size of the packed header.
pub const HEADER_SIZE: usize = 19;
/// Records are padded to this alignment.
pub const RECORD_ALIGN: usize = 8;

/// `kind` values (redox_syscall's `DirentKind`, Linux's `DT_*`).
pub const KIND_DIRECTORY: u8 = 4;
pub const KIND_REGULAR: u8 = 8;

/// One decoded record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub inode: u64,
    pub next: u64,
    pub kind: u8,
    pub name: &'a [u8],
}

/// The length of the record for a name of `name_len` bytes.
pub const fn record_len(name_len: usize) -> usize {
    (HEADER_SIZE + name_len + 1).next_multiple_of(RECORD_ALIGN)
}

/// Appends the record for `name` to `out`.
pub fn encode(out: &mut [u8], inode: u64, next: u64, kind: u8, name: &[u8]) -> Option<usize> {
    let len = record_len(name.len());
    let record = out.get_mut(..len)?;
    record.fill(0);
    record[0..8].copy_from_slice(&inode.to_le_bytes());
    record[8..16].copy_from_slice(&next.to_le_bytes());
    record[16..18].copy_from_slice(&u16::try_from(len).ok()?.to_le_bytes());
    record[18] = kind;
    record[HEADER_SIZE..HEADER_SIZE + name.len()].copy_from_slice(name);
    Some(len)
}

/// The records in `buf` (what one read returned); stops at a malformed one.
pub fn records(mut buf: &[u8]) -> impl Iterator<Item = Record<'_>> {
    core::iter::from_fn(move || {
        let header = buf.get(..HEADER_SIZE)?;
        let word = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap_or_default());
        let len = usize::from(u16::from_le_bytes([header[16], header[17]]));
        let record = buf.get(..len).filter(|_| len > HEADER_SIZE)?;
        let name = &record[HEADER_SIZE..];
        let name = &name[..name.iter().position(|&b| b == 0)?];
        let out = Record { inode: word(0), next: word(8), kind: header[18], name };
        buf = &buf[len..];
        Some(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let mut buf = [0u8; 128];
        let a = encode(&mut buf, 7, 3, KIND_REGULAR, b"file").unwrap();
        assert_eq!(a, 24);
        let b = encode(&mut buf[a..], 9, 4, KIND_DIRECTORY, b"a-longer-name").unwrap();
        assert_eq!(b, 40);
        let got: Vec<_> = records(&buf[..a + b]).collect();
        assert_eq!(got[0], Record { inode: 7, next: 3, kind: KIND_REGULAR, name: b"file" });
        assert_eq!(got[1], Record { inode: 9, next: 4, kind: KIND_DIRECTORY, name: b"a-longer-name" });
        assert_eq!(encode(&mut buf[..20], 1, 1, 0, b"file"), None);
    }
}
