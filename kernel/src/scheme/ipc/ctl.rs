//! The `*ctl` commands every System V facility shares: IPC_STAT, the `*_STAT` and
//! `*_STAT_ANY` commands (which take an index), IPC_SET, IPC_RMID and the return value of
//! IPC_INFO and `*_INFO`, as Linux's `ipc/util.c` and each facility's `*ctl` do them.
//! Each facility adds its own fields and commands around these.

use super::get::IpcObject;
use super::ids::{IPCMNI, IdTable};
use super::perm::READ;
use crate::context::cred::Credentials;
use crate::errno::{EINVAL, Result};

/// The uid or gid `(uid_t)-1`, which names no one: IPC_SET refuses it.
const NO_ID: u32 = u32::MAX;

/// The owner and mode IPC_SET asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewOwner {
    pub uid: u32,
    pub gid: u32,
    pub mode: u16,
}

/// IPC_STAT: the object `id`, which the caller must be allowed to read.
pub fn stat<'a, T: IpcObject>(table: &'a IdTable<T>, creds: &Credentials, id: i32) -> Result<&'a T> {
    let object = table.get(id)?;
    object.perm().check(creds, READ)?;
    Ok(object)
}

/// `*_STAT` (`any`: `*_STAT_ANY`, which skips the read check): the object at `index`,
/// with its full id (the call's return value). As on Linux, a negative index is EINVAL
/// and only the low 15 bits of another count (the index part of an id).
pub fn stat_index<'a, T: IpcObject>(
    table: &'a IdTable<T>,
    creds: &Credentials,
    index: i32,
    any: bool,
) -> Result<(i32, &'a T)> {
    if index < 0 {
        return Err(EINVAL);
    }
    let (id, object) = table.by_index(index % IPCMNI as i32)?;
    if !any {
        object.perm().check(creds, READ)?;
    }
    Ok((id, object))
}

/// IPC_SET, in Linux's order: only the owner, the creator or root (EPERM); then the
/// facility's own `check` of the new values; then a uid or gid of -1, which names no one
/// (EINVAL). Only then do the owner ids, the permission bits and the facility's own
/// fields (`apply`) change.
pub fn set<T: IpcObject>(
    table: &mut IdTable<T>,
    creds: &Credentials,
    id: i32,
    owner: NewOwner,
    check: impl FnOnce(&T) -> Result<()>,
    apply: impl FnOnce(&mut T),
) -> Result<()> {
    let object = table.get_mut(id)?;
    object.perm().check_owner(creds)?;
    check(object)?;
    if owner.uid == NO_ID || owner.gid == NO_ID {
        return Err(EINVAL);
    }
    object.perm_mut().set(owner.uid, owner.gid, owner.mode);
    apply(object);
    Ok(())
}

/// IPC_RMID: only the owner, the creator or root (EPERM). Returns the removed object,
/// whose waiters the facility then fails with EIDRM.
pub fn remove<T: IpcObject>(table: &mut IdTable<T>, creds: &Credentials, id: i32) -> Result<T> {
    table.get(id)?.perm().check_owner(creds)?;
    table.remove(id)
}

/// What IPC_INFO and `*_INFO` return: the highest index in use (0 when none).
pub fn info_result<T>(table: &IdTable<T>) -> i32 {
    table.highest_index()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::{EACCES, EPERM};
    use crate::scheme::ipc::get::test_object::{Thing, user};
    use crate::scheme::ipc::perm::IpcPerm;

    fn table() -> (IdTable<Thing>, i32) {
        let mut t = IdTable::new(8);
        let id = t.insert(Thing { perm: IpcPerm::new(1, 0o600, &user(10)), size: 1 }).unwrap();
        (t, id)
    }

    #[test]
    fn stat_index_takes_the_low_15_bits_of_a_non_negative_index() {
        let (t, id) = table();
        let index = id % IPCMNI as i32;
        assert_eq!(stat_index(&t, &user(10), index, false).map(|(got, _)| got), Ok(id));
        assert_eq!(stat_index(&t, &user(10), index + 3 * IPCMNI as i32, false).map(|(got, _)| got), Ok(id));
        assert_eq!(stat_index(&t, &user(10), -1, true).map(|(got, _)| got), Err(EINVAL));
        assert_eq!(stat_index(&t, &user(10), index + 1, true).map(|(got, _)| got), Err(EINVAL));
        assert_eq!(stat_index(&t, &user(11), index, false).map(|(got, _)| got), Err(EACCES));
        assert_eq!(stat_index(&t, &user(11), index, true).map(|(got, _)| got), Ok(id), "the ANY form");
    }

    #[test]
    fn set_checks_owner_then_the_facility_then_minus_one() {
        let (mut t, id) = table();
        let owner = NewOwner { uid: 20, gid: 21, mode: 0o640 };
        let refuse = |_: &Thing| Err(EPERM);
        let apply = |thing: &mut Thing| thing.size = 99;
        assert_eq!(set(&mut t, &user(11), id, NewOwner { uid: u32::MAX, ..owner }, |_| Ok(()), apply), Err(EPERM));
        assert_eq!(set(&mut t, &user(10), id, NewOwner { uid: u32::MAX, ..owner }, refuse, apply), Err(EPERM));
        assert_eq!(set(&mut t, &user(10), id, NewOwner { uid: u32::MAX, ..owner }, |_| Ok(()), apply), Err(EINVAL));
        assert_eq!(set(&mut t, &user(10), id, NewOwner { gid: u32::MAX, ..owner }, |_| Ok(()), apply), Err(EINVAL));
        assert_eq!(t.get(id).unwrap().size, 1, "a refused IPC_SET changes nothing");
        assert_eq!(set(&mut t, &user(10), id, owner, |_| Ok(()), apply), Ok(()));
        let thing = t.get(id).unwrap();
        assert_eq!(
            (thing.perm.uid, thing.perm.gid, thing.perm.mode, thing.perm.cuid, thing.size),
            (20, 21, 0o640, 10, 99)
        );
    }
}
