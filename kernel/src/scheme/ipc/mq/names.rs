//! Queue names: the checks Linux makes on the name given to mq_open and mq_unlink.
//!
//! The library strips the leading '/' and the kernel looks the rest up in the mqueue
//! directory (`getname`, then `lookup_one_len`, then the directory's lookup), so the
//! errors come in that order:
//! 1. no leading '/' → EINVAL (the library's own check);
//! 2. nothing after it ("/") → ENOENT (`getname` refuses an empty path);
//! 3. "/." and "/.." or any further '/' → EACCES (`lookup_one_len`), however long;
//! 4. more than NAME_MAX (255) bytes after the '/' → ENAMETOOLONG (the lookup).
//!
//! (mq_overview(7) says EINVAL for "." and ".."; Linux 6.x and glibc give EACCES, which
//! this follows.) The name arrives as the call's payload bytes; it ends at its first NUL,
//! as the C string a Linux mq_open reads would (a C library never sends one: it passes
//! the bytes before the terminator).

use alloc::vec::Vec;

use crate::errno::{EACCES, EINVAL, ENAMETOOLONG, ENOENT, Result};

/// Longest name after the leading '/' (Linux `NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// The name as the namespace keys it: the bytes after the leading '/', checked.
pub fn check(name: &[u8]) -> Result<Vec<u8>> {
    let name = name.split(|&byte| byte == 0).next().unwrap_or_default();
    let Some((&b'/', rest)) = name.split_first() else {
        return Err(EINVAL);
    };
    if rest.is_empty() {
        return Err(ENOENT);
    }
    if rest == b"." || rest == b".." || rest.contains(&b'/') {
        return Err(EACCES);
    }
    if rest.len() > NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    Ok(rest.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_come_in_linux_order() {
        assert_eq!(check(b"a"), Err(EINVAL));
        assert_eq!(check(b""), Err(EINVAL));
        assert_eq!(check(b"/"), Err(ENOENT));
        assert_eq!(check(b"/."), Err(EACCES));
        assert_eq!(check(b"/.."), Err(EACCES));
        assert_eq!(check(b"/a/b"), Err(EACCES));
        assert_eq!(check(b"//a"), Err(EACCES));
        assert_eq!(check(b"/..."), Ok(b"...".to_vec()));
        let mut long = alloc::vec![b'/'];
        long.extend([b'x'; 255]);
        assert_eq!(check(&long).map(|n| n.len()), Ok(255));
        long.push(b'x');
        assert_eq!(check(&long), Err(ENAMETOOLONG));
        long[100] = b'/';
        assert_eq!(check(&long), Err(EACCES), "a '/' is found before the length");
    }

    #[test]
    fn a_name_ends_at_its_first_nul() {
        assert_eq!(check(b"/q\0junk"), Ok(b"q".to_vec()));
        assert_eq!(check(b"/\0q"), Err(ENOENT));
        assert_eq!(check(b"\0/q"), Err(EINVAL));
    }
}
