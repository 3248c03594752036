//! The `*get` call every System V facility shares (semget, msgget, shmget): find the
//! object with a key or create one, as Linux's `ipcget` does.
//!
//! Order of the checks (Linux `ipcget_public`): a key with an object: `IPC_CREAT |
//! IPC_EXCL` → EEXIST, then the facility's own check of the existing object (a set with
//! fewer semaphores, a smaller segment: EINVAL), then the requested access → EACCES. A
//! key without one: no `IPC_CREAT` → ENOENT; else the facility's checks for a new object
//! (EINVAL, ENOSPC for its totals), then a free id (ENOSPC). `IPC_PRIVATE` always creates.

use super::ids::IdTable;
use super::perm::IpcPerm;
use super::{GetFlags, IPC_PRIVATE, Key};
use crate::context::cred::Credentials;
use crate::errno::{EEXIST, ENOENT, Result};

/// A System V object: something with an `ipc_perm`.
pub trait IpcObject {
    fn perm(&self) -> &IpcPerm;
    fn perm_mut(&mut self) -> &mut IpcPerm;
}

/// What a `*get` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Got {
    pub id: i32,
    /// Whether the call created the object (the facility then counts it in its totals).
    pub created: bool,
}

/// `*get(key, flg)` over `table`. `fits` checks an existing object against the call's
/// arguments; `create` checks them for a new object and builds it with the given
/// permissions (owner and creator: the caller; mode: the low 9 bits of `flg`).
pub fn get<T: IpcObject>(
    table: &mut IdTable<T>,
    creds: &Credentials,
    key: Key,
    flg: i32,
    fits: impl FnOnce(&T) -> Result<()>,
    create: impl FnOnce(IpcPerm) -> Result<T>,
) -> Result<Got> {
    let flags = GetFlags::from_bits_truncate(flg);
    if key != IPC_PRIVATE
        && let Some(id) = table.find(|object| object.perm().key == key)
    {
        if flags.contains(GetFlags::CREAT | GetFlags::EXCL) {
            return Err(EEXIST);
        }
        let object = table.get(id)?;
        fits(object)?;
        object.perm().check(creds, (flg & 0o777) as u16)?;
        return Ok(Got { id, created: false });
    }
    if key != IPC_PRIVATE && !flags.contains(GetFlags::CREAT) {
        return Err(ENOENT);
    }
    let object = create(IpcPerm::new(key, flg, creds))?;
    let id = table.insert(object)?;
    Ok(Got { id, created: true })
}

/// A minimal System V object and callers, for the skeleton's own tests.
#[cfg(test)]
pub(crate) mod test_object {
    use super::IpcObject;
    use crate::context::cred::Credentials;
    use crate::scheme::ipc::perm::IpcPerm;

    /// An object with a size (what `*get` checks) and a facility field (what IPC_SET sets).
    #[derive(Default, Debug)]
    pub(crate) struct Thing {
        pub(crate) perm: IpcPerm,
        pub(crate) size: usize,
    }

    impl IpcObject for Thing {
        fn perm(&self) -> &IpcPerm {
            &self.perm
        }
        fn perm_mut(&mut self) -> &mut IpcPerm {
            &mut self.perm
        }
    }

    /// A caller with uid and gid `uid` and no supplementary groups.
    pub(crate) fn user(uid: u32) -> Credentials {
        Credentials { ruid: uid, euid: uid, suid: uid, rgid: uid, egid: uid, sgid: uid, groups: alloc::vec![] }
    }
}

#[cfg(test)]
mod tests {
    use super::test_object::{Thing, user};
    use super::*;
    use crate::errno::{EACCES, EINVAL, ENOSPC};
    use crate::scheme::ipc::{IPC_CREAT, IPC_EXCL};

    fn get_thing(t: &mut IdTable<Thing>, who: &Credentials, key: Key, flg: i32, size: usize) -> Result<Got> {
        get(
            t,
            who,
            key,
            flg,
            |thing| if size > thing.size { Err(EINVAL) } else { Ok(()) },
            |perm| if size == 0 { Err(EINVAL) } else { Ok(Thing { perm, size }) },
        )
    }

    #[test]
    fn creation_lookup_and_their_errors_in_linux_order() {
        let mut t = IdTable::new(2);
        let owner = user(1000);
        assert_eq!(get_thing(&mut t, &owner, 7, 0o600, 4), Err(ENOENT));
        let a = get_thing(&mut t, &owner, 7, IPC_CREAT | 0o600, 4).unwrap();
        assert!(a.created);
        let perm = t.get(a.id).unwrap().perm;
        assert_eq!((perm.key, perm.uid, perm.cuid, perm.mode), (7, 1000, 1000, 0o600));
        assert_eq!(get_thing(&mut t, &owner, 7, 0, 4), Ok(Got { id: a.id, created: false }));
        assert_eq!(get_thing(&mut t, &owner, 7, IPC_CREAT | IPC_EXCL, 4), Err(EEXIST));
        // The facility's check of the existing object comes before the access check.
        assert_eq!(get_thing(&mut t, &user(5), 7, 0o400, 9), Err(EINVAL));
        assert_eq!(get_thing(&mut t, &user(5), 7, 0o400, 4), Err(EACCES));
        assert_eq!(get_thing(&mut t, &user(5), 7, 0, 4).map(|g| g.id), Ok(a.id), "asking for nothing passes");
        // A new object's own checks come before the table's ENOSPC.
        let b = get_thing(&mut t, &owner, IPC_PRIVATE, 0, 1).unwrap();
        assert_ne!(a.id, b.id);
        assert_eq!(get_thing(&mut t, &owner, IPC_PRIVATE, 0, 0), Err(EINVAL));
        assert_eq!(get_thing(&mut t, &owner, IPC_PRIVATE, 0, 1), Err(ENOSPC));
    }
}
