//! Process credentials and the POSIX rules for changing them.
//!
//! Plain data and pure functions, tested on the host. Root is effective uid 0. An id of
//! `u32::MAX` (`-1` in C) means "leave unchanged".

use alloc::vec::Vec;

use crate::errno::{EINVAL, EPERM};

/// Most supplementary groups (Linux's NGROUPS_MAX).
pub const NGROUPS_MAX: usize = 65536;
/// The "unchanged" id.
pub const KEEP: u32 = u32::MAX;

/// Real, effective and saved ids, and the supplementary groups.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Credentials {
    pub ruid: u32,
    pub euid: u32,
    pub suid: u32,
    pub rgid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub groups: Vec<u32>,
}

impl Credentials {
    /// The credentials of the first process: root.
    pub fn root() -> Self {
        Self::default()
    }

    /// Becomes a copy of `other`, reusing this one's storage for the groups (no
    /// allocation when it has room, no move of the whole record).
    pub fn copy_from(&mut self, other: &Self) {
        (self.ruid, self.euid, self.suid) = (other.ruid, other.euid, other.suid);
        (self.rgid, self.egid, self.sgid) = (other.rgid, other.egid, other.sgid);
        self.groups.clone_from(&other.groups);
    }

    /// Whether the effective uid is root.
    pub fn is_root(&self) -> bool {
        self.euid == 0
    }

    /// Whether `gid` is the effective gid or a supplementary group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.egid == gid || self.groups.contains(&gid)
    }

    /// `setresuid`: without root each new id must be one of the current three.
    pub fn set_res_uid(&mut self, r: u32, e: u32, s: u32) -> Result<(), crate::errno::Errno> {
        let current = [self.ruid, self.euid, self.suid];
        let root = self.euid == 0;
        set_res(&mut [&mut self.ruid, &mut self.euid, &mut self.suid], [r, e, s], current, root)
    }

    /// `setresgid`: without root each new id must be one of the current three gids.
    pub fn set_res_gid(&mut self, r: u32, e: u32, s: u32) -> Result<(), crate::errno::Errno> {
        let current = [self.rgid, self.egid, self.sgid];
        let root = self.euid == 0;
        set_res(&mut [&mut self.rgid, &mut self.egid, &mut self.sgid], [r, e, s], current, root)
    }

    /// `setuid`: root sets all three; otherwise only the effective id, to the real or
    /// saved one.
    pub fn set_uid(&mut self, uid: u32) -> Result<(), crate::errno::Errno> {
        if uid == KEEP {
            return Err(EINVAL);
        }
        if self.euid == 0 {
            (self.ruid, self.euid, self.suid) = (uid, uid, uid);
            Ok(())
        } else if uid == self.ruid || uid == self.suid {
            self.euid = uid;
            Ok(())
        } else {
            Err(EPERM)
        }
    }

    /// `setgid`: as `setuid`, for group ids (root is still decided by the euid).
    pub fn set_gid(&mut self, gid: u32) -> Result<(), crate::errno::Errno> {
        if gid == KEEP {
            return Err(EINVAL);
        }
        if self.euid == 0 {
            (self.rgid, self.egid, self.sgid) = (gid, gid, gid);
            Ok(())
        } else if gid == self.rgid || gid == self.sgid {
            self.egid = gid;
            Ok(())
        } else {
            Err(EPERM)
        }
    }

    /// `seteuid`: the effective id only, to the real or saved one unless root.
    pub fn set_euid(&mut self, uid: u32) -> Result<(), crate::errno::Errno> {
        if uid == KEEP {
            return Err(EINVAL);
        }
        self.set_res_uid(KEEP, uid, KEEP)
    }

    /// `setegid`.
    pub fn set_egid(&mut self, gid: u32) -> Result<(), crate::errno::Errno> {
        if gid == KEEP {
            return Err(EINVAL);
        }
        self.set_res_gid(KEEP, gid, KEEP)
    }

    /// `setgroups`: root only (checked first, as Linux does); at most [`NGROUPS_MAX`].
    pub fn set_groups(&mut self, groups: Vec<u32>) -> Result<(), crate::errno::Errno> {
        if self.euid != 0 {
            return Err(EPERM);
        }
        if groups.len() > NGROUPS_MAX {
            return Err(EINVAL);
        }
        self.groups = groups;
        Ok(())
    }
}

fn set_res(
    fields: &mut [&mut u32; 3],
    new: [u32; 3],
    current: [u32; 3],
    root: bool,
) -> Result<(), crate::errno::Errno> {
    // Check all three before changing any: the call is all or nothing.
    if !root && new.iter().any(|&id| id != KEEP && !current.contains(&id)) {
        return Err(EPERM);
    }
    for (field, id) in fields.iter_mut().zip(new) {
        if id != KEEP {
            **field = id;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(r: u32, e: u32, s: u32) -> Credentials {
        Credentials { ruid: r, euid: e, suid: s, rgid: r, egid: e, sgid: s, groups: Vec::new() }
    }

    #[test]
    fn root_may_set_anything() {
        let mut c = Credentials::root();
        c.set_res_uid(1000, 1001, 1002).unwrap();
        assert_eq!((c.ruid, c.euid, c.suid), (1000, 1001, 1002));
    }

    #[test]
    fn unprivileged_only_permutes_its_ids() {
        let mut c = user(1000, 1000, 1000);
        assert_eq!(c.set_res_uid(0, KEEP, KEEP), Err(EPERM));
        assert_eq!(c.set_euid(0), Err(EPERM));
        assert_eq!(c.set_uid(1000), Ok(()));
        let mut c = user(1000, 1001, 1002);
        c.set_res_uid(1002, 1000, KEEP).unwrap();
        assert_eq!((c.ruid, c.euid, c.suid), (1002, 1000, 1002));
        assert_eq!(c.set_res_uid(1002, 5, 1000), Err(EPERM));
        assert_eq!((c.ruid, c.euid, c.suid), (1002, 1000, 1002), "a refused call changes nothing");
    }

    #[test]
    fn saved_id_lets_a_daemon_regain_root() {
        let mut c = Credentials::root();
        c.set_res_uid(1000, 1000, 0).unwrap();
        assert!(!c.is_root());
        c.set_euid(0).unwrap();
        assert!(c.is_root());
        c.set_uid(1000).unwrap();
        assert_eq!((c.ruid, c.euid, c.suid), (1000, 1000, 1000), "root setuid sets all three");
        assert_eq!(c.set_euid(0), Err(EPERM));
    }

    #[test]
    fn gid_changes_need_root_euid_or_own_gids() {
        let mut c = user(1000, 1000, 1000);
        assert_eq!(c.set_res_gid(0, 0, 0), Err(EPERM));
        assert_eq!(c.set_gid(0), Err(EPERM));
        assert_eq!(c.set_egid(1000), Ok(()));
        let mut root = Credentials::root();
        root.set_gid(50).unwrap();
        assert_eq!((root.rgid, root.egid, root.sgid), (50, 50, 50));
    }

    #[test]
    fn groups() {
        let mut c = Credentials::root();
        c.set_groups(alloc::vec![4, 24]).unwrap();
        assert!(c.in_group(24) && c.in_group(0) && !c.in_group(5));
        assert_eq!(c.set_groups(alloc::vec![0; NGROUPS_MAX + 1]), Err(EINVAL));
        let mut u = user(1, 1, 1);
        assert_eq!(u.set_groups(alloc::vec![]), Err(EPERM));
    }

    #[test]
    fn keep_is_not_an_id_for_single_setters() {
        let mut c = Credentials::root();
        assert_eq!(c.set_uid(KEEP), Err(EINVAL));
        assert_eq!(c.set_euid(KEEP), Err(EINVAL));
    }
}
