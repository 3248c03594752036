//! `ipc_perm`: ownership and mode of a System V object, and Linux's access rules.

use crate::context::cred::Credentials;
use crate::errno::{EACCES, EPERM, Result};

/// Read permission bits in all three classes (`S_IRUGO`).
pub const READ: u16 = 0o444;
/// Write permission bits in all three classes (`S_IWUGO`).
pub const WRITE: u16 = 0o222;

/// Ownership, mode and key of an object. (Its `__seq` is part of its id: see
/// `IdTable::seq_of`.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpcPerm {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    /// Permission bits (low 9) and state bits such as SHM_DEST.
    pub mode: u16,
}

impl IpcPerm {
    /// A new object's permissions: owner and creator are the caller's effective ids, the
    /// mode is the low 9 bits of the `*get` flags.
    pub fn new(key: i32, flags: i32, creds: &Credentials) -> Self {
        Self { key, uid: creds.euid, gid: creds.egid, cuid: creds.euid, cgid: creds.egid, mode: (flags & 0o777) as u16 }
    }

    /// Linux `ipcperms`: the bits `flag` asks for (in any of its three classes) must all
    /// be granted to the caller's class: owner if its euid is the owner or creator,
    /// group if it is in the owner's or creator's group, else other. Root passes.
    #[inline]
    pub fn check(&self, creds: &Credentials, flag: u16) -> Result<()> {
        let requested = ((flag >> 6) | (flag >> 3) | flag) & 0o7;
        let granted = if creds.euid == self.cuid || creds.euid == self.uid {
            self.mode >> 6
        } else if creds.in_group(self.cgid) || creds.in_group(self.gid) {
            self.mode >> 3
        } else {
            self.mode
        };
        if requested & !granted & 0o7 == 0 || creds.is_root() { Ok(()) } else { Err(EACCES) }
    }

    /// IPC_SET and IPC_RMID: only the owner, the creator or root.
    pub fn check_owner(&self, creds: &Credentials) -> Result<()> {
        if creds.euid == self.cuid || creds.euid == self.uid || creds.is_root() { Ok(()) } else { Err(EPERM) }
    }

    /// IPC_SET: new owner ids and permission bits (state bits are kept).
    pub fn set(&mut self, uid: u32, gid: u32, mode: u16) {
        self.uid = uid;
        self.gid = gid;
        self.mode = (self.mode & !0o777) | (mode & 0o777);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(uid: u32, gid: u32, groups: &[u32]) -> Credentials {
        Credentials { ruid: uid, euid: uid, suid: uid, rgid: gid, egid: gid, sgid: gid, groups: groups.to_vec() }
    }

    #[test]
    fn classes_are_chosen_in_order() {
        let owner = user(1000, 100, &[]);
        let p = IpcPerm::new(5, 0o640, &owner);
        assert_eq!((p.uid, p.cuid, p.gid, p.cgid, p.mode), (1000, 1000, 100, 100, 0o640));
        assert_eq!(p.check(&owner, WRITE), Ok(()));
        assert_eq!(p.check(&user(2000, 100, &[]), READ), Ok(()));
        assert_eq!(p.check(&user(2000, 100, &[]), WRITE), Err(EACCES));
        assert_eq!(p.check(&user(2000, 7, &[100]), READ), Ok(()), "supplementary group");
        assert_eq!(p.check(&user(2000, 7, &[]), READ), Err(EACCES));
        assert_eq!(p.check(&Credentials::root(), WRITE | READ), Ok(()));
    }

    #[test]
    fn owner_class_is_final_even_if_it_grants_less() {
        let owner = user(1000, 100, &[]);
        let p = IpcPerm::new(0, 0o066, &owner);
        assert_eq!(p.check(&owner, READ), Err(EACCES));
    }

    #[test]
    fn get_flags_low_bits_are_requests() {
        let p = IpcPerm::new(0, 0o600, &user(1, 1, &[]));
        assert_eq!(p.check(&user(2, 2, &[]), 0), Ok(()), "asking for nothing always passes");
        assert_eq!(p.check(&user(2, 2, &[]), 0o004), Err(EACCES));
        assert_eq!(p.check(&user(1, 1, &[]), 0o600), Ok(()));
    }

    #[test]
    fn ownership_and_set() {
        let mut p = IpcPerm::new(0, 0o600, &user(1, 1, &[]));
        p.set(5, 6, 0o7777);
        assert_eq!((p.uid, p.gid, p.mode), (5, 6, 0o777));
        assert_eq!(p.check_owner(&user(1, 9, &[])), Ok(()), "creator keeps control");
        assert_eq!(p.check_owner(&user(5, 9, &[])), Ok(()));
        assert_eq!(p.check_owner(&user(7, 6, &[])), Err(EPERM));
    }
}
