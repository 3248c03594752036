//! The calls of `/scheme/tmp` that change names and ownership rather than contents:
//! unlink, rmdir, rename, chmod and chown, with Linux's checks and errnos (fs/namei.c,
//! fs/attr.c). Part of the tree's rules (`tmpfs_tree`), whose private parts it uses.

use super::*;

impl<D: FileData> Tree<D> {
    /// `unlink(path)`: removes a name that is not a directory's.
    pub fn unlink(&mut self, creds: &Credentials, path: &str) -> Result<()> {
        let path = parse(path)?;
        let dir = self.walk_parent(creds, &path)?;
        let Last::Name(name) = path.last else { return Err(EISDIR) };
        let ino = self.step(creds, dir, name)?.ok_or(ENOENT)?;
        if path.slash {
            return Err(if self.node(ino).is_dir() { EISDIR } else { ENOTDIR });
        }
        self.may_delete(creds, dir, ino, false)?;
        self.remove_entry(dir, name);
        Ok(())
    }

    /// `rmdir(path)`: removes an empty directory.
    pub fn rmdir(&mut self, creds: &Credentials, path: &str) -> Result<()> {
        let path = parse(path)?;
        let dir = self.walk_parent(creds, &path)?;
        let name = match path.last {
            Last::Root => return Err(EBUSY),
            Last::Dot => return Err(EINVAL),
            Last::DotDot => return Err(ENOTEMPTY),
            Last::Name(name) => name,
        };
        let ino = self.step(creds, dir, name)?.ok_or(ENOENT)?;
        self.may_delete(creds, dir, ino, true)?;
        if !self.dir(ino)?.by_name.is_empty() {
            return Err(ENOTEMPTY);
        }
        self.remove_entry(dir, name);
        Ok(())
    }

    /// Whether directory `dir` is `ancestor` or below it.
    fn is_within(&self, mut dir: u64, ancestor: u64) -> bool {
        loop {
            if dir == ancestor {
                return true;
            }
            match &self.node(dir).link {
                Some((parent, _)) => dir = *parent,
                None => return false,
            }
        }
    }

    /// `frename(fd, path)`: gives the handle's node the name `new_path`, replacing what
    /// was there by Linux's rules.
    pub fn rename(&mut self, creds: &Credentials, handle: usize, new_path: &str) -> Result<()> {
        let ino = self.handle(handle)?.ino;
        if ino == ROOT_INO {
            return Err(EBUSY);
        }
        let (old_dir, old_name) = self.node(ino).link.clone().ok_or(ENOENT)?;
        let path = parse(new_path)?;
        let new_dir = self.walk_parent(creds, &path)?;
        let Last::Name(new_name) = path.last else { return Err(EBUSY) };
        let target = self.step(creds, new_dir, new_name)?;
        let moving_dir = self.node(ino).is_dir();
        if path.slash && !moving_dir {
            return Err(ENOTDIR);
        }
        if target == Some(ino) {
            return Ok(());
        }
        // A directory cannot move below itself.
        if moving_dir && self.is_within(new_dir, ino) {
            return Err(EINVAL);
        }
        self.may_delete(creds, old_dir, ino, moving_dir)?;
        match target {
            Some(target) => self.may_delete(creds, new_dir, target, moving_dir)?,
            None => self.may_create(creds, new_dir)?,
        }
        // A directory moving to another parent has its `..` rewritten.
        if moving_dir && new_dir != old_dir && !self.node(ino).permits(creds, MAY_WRITE) {
            return Err(EACCES);
        }
        if let Some(target) = target
            && self.dir(target).is_ok_and(|d| !d.by_name.is_empty())
        {
            return Err(ENOTEMPTY);
        }
        if target.is_some() {
            self.remove_entry(new_dir, new_name);
        }
        // Take the old name without dropping the node, then give it the new one.
        let entries = self.dir_mut(old_dir);
        if let Some((position, _)) = entries.by_name.remove(&old_name) {
            entries.by_position.remove(&position);
        }
        entries.subdirs -= u32::from(moving_dir);
        self.modified(old_dir);
        self.add_entry(new_dir, new_name, ino);
        Ok(())
    }

    /// `fchmod`: the owner or root sets the permission bits.
    pub fn chmod(&mut self, creds: &Credentials, handle: usize, mode: u32) -> Result<()> {
        let ino = self.handle(handle)?.ino;
        let node = self.node_mut(ino);
        if creds.euid != node.uid && !creds.is_root() {
            return Err(EPERM);
        }
        let mut mode = (mode as u16) & PERM_BITS;
        // A non-member cannot keep a file set-group-id (Linux's setattr_copy).
        if !creds.is_root() && !creds.in_group(node.gid) {
            mode &= !S_ISGID;
        }
        node.mode = mode;
        self.changed(ino);
        Ok(())
    }

    /// `fchown`: root gives any ids; the owner may only keep its uid and pick one of its
    /// groups. `u32::MAX` leaves an id as it is. A file loses set-user-id (and
    /// set-group-id if group-executable), as on Linux.
    pub fn chown(&mut self, creds: &Credentials, handle: usize, uid: u32, gid: u32) -> Result<()> {
        let ino = self.handle(handle)?.ino;
        let node = self.node_mut(ino);
        let (root, owner) = (creds.is_root(), creds.euid == node.uid);
        if uid != KEEP && !root && !(owner && uid == node.uid) {
            return Err(EPERM);
        }
        if gid != KEEP && !root && !(owner && (gid == node.gid || creds.in_group(gid))) {
            return Err(EPERM);
        }
        if uid != KEEP {
            node.uid = uid;
        }
        if gid != KEEP {
            node.gid = gid;
        }
        if (uid != KEEP || gid != KEEP) && !node.is_dir() {
            node.mode &= !S_ISUID;
            if node.mode & S_IXGRP != 0 {
                node.mode &= !S_ISGID;
            }
        }
        self.changed(ino);
        Ok(())
    }
}
