//! The `*ctl` commands every System V facility shares: IPC_STAT, the `*_STAT` and
//! `*_STAT_ANY` commands (which take an index), IPC_SET, IPC_RMID and the return value of
//! IPC_INFO and `*_INFO`, as Linux's `ipc/util.c` and each facility's `*ctl` do them.
//! Each facility adds its own fields and commands around these.

use super::get::IpcObject;
use super::ids::IdTable;
use super::perm::READ;
use crate::context::cred::Credentials;
use crate::errno::Result;

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
/// with its full id (the call's return value).
pub fn stat_index<'a, T: IpcObject>(
    table: &'a IdTable<T>,
    creds: &Credentials,
    index: i32,
    any: bool,
) -> Result<(i32, &'a T)> {
    let (id, object) = table.by_index(index)?;
    if !any {
        object.perm().check(creds, READ)?;
    }
    Ok((id, object))
}

/// IPC_SET: only the owner, the creator or root (EPERM). `update` makes the facility's
/// own checks and changes (it fails before anything is changed); then the owner ids and
/// the permission bits change.
pub fn set<T: IpcObject>(
    table: &mut IdTable<T>,
    creds: &Credentials,
    id: i32,
    owner: NewOwner,
    update: impl FnOnce(&mut T) -> Result<()>,
) -> Result<()> {
    let object = table.get_mut(id)?;
    object.perm().check_owner(creds)?;
    update(object)?;
    object.perm_mut().set(owner.uid, owner.gid, owner.mode);
    Ok(())
}

/// IPC_RMID: only the owner, the creator or root (EPERM). Returns the removed object,
/// whose waiters the facility then fails with EIDRM.
pub fn remove<T: IpcObject + Default>(table: &mut IdTable<T>, creds: &Credentials, id: i32) -> Result<T> {
    table.get(id)?.perm().check_owner(creds)?;
    table.remove(id)
}

/// What IPC_INFO and `*_INFO` return: the highest index in use (0 when none).
pub fn info_result<T>(table: &IdTable<T>) -> i32 {
    table.highest_index()
}
