//! Credential calls: the get/set uid/gid families and the supplementary groups, with the
//! POSIX rules of `context::cred`.

use alloc::vec::Vec;

use crate::errno::{EINVAL, ENOMEM};

use super::{Context, Result};
use crate::context::cred::{Credentials, NGROUPS_MAX};
use crate::memory::user::{copy_from_user, copy_to_user, write_user};

fn write_three(cx: &Context, ptrs: [usize; 3], values: [u32; 3]) -> Result {
    cx.process.with_space(|s| {
        for (p, v) in ptrs.iter().zip(values) {
            write_user(s, *p as u64, &v)?;
        }
        Ok(0)
    })
}

pub fn getresuid(cx: &Context, r: usize, e: usize, s: usize) -> Result {
    let c = cx.process.creds.lock().clone();
    write_three(cx, [r, e, s], [c.ruid, c.euid, c.suid])
}

pub fn getresgid(cx: &Context, r: usize, e: usize, s: usize) -> Result {
    let c = cx.process.creds.lock().clone();
    write_three(cx, [r, e, s], [c.rgid, c.egid, c.sgid])
}

fn id(value: usize) -> u32 {
    // -1 arrives as u32::MAX (a C `uid_t`) or usize::MAX (sign-extended): both keep.
    if value == usize::MAX { u32::MAX } else { value as u32 }
}

/// Applies `f` to the caller's credentials; a changed real uid moves the process in the
/// per-user process count.
fn change(cx: &Context, f: impl FnOnce(&mut Credentials) -> core::result::Result<(), crate::errno::Errno>) -> Result {
    let mut creds = cx.process.creds.lock();
    f(&mut creds)?;
    let from = cx.process.counted_uid.swap(creds.ruid, core::sync::atomic::Ordering::Relaxed);
    crate::context::user_count::moved(from, creds.ruid);
    Ok(0)
}

pub fn setresuid(cx: &Context, r: usize, e: usize, s: usize) -> Result {
    change(cx, |c| c.set_res_uid(id(r), id(e), id(s)))
}

pub fn setresgid(cx: &Context, r: usize, e: usize, s: usize) -> Result {
    change(cx, |c| c.set_res_gid(id(r), id(e), id(s)))
}

pub fn setuid(cx: &Context, uid: usize) -> Result {
    change(cx, |c| c.set_uid(id(uid)))
}

pub fn setgid(cx: &Context, gid: usize) -> Result {
    change(cx, |c| c.set_gid(id(gid)))
}

pub fn seteuid(cx: &Context, uid: usize) -> Result {
    change(cx, |c| c.set_euid(id(uid)))
}

pub fn setegid(cx: &Context, gid: usize) -> Result {
    change(cx, |c| c.set_egid(id(gid)))
}

/// `getgroups(size, list)`: size 0 returns the count; a smaller size is EINVAL.
pub fn getgroups(cx: &Context, size: usize, list: usize) -> Result {
    let groups = cx.process.creds.lock().groups.clone();
    if size == 0 {
        return Ok(groups.len());
    }
    if size < groups.len() {
        return Err(EINVAL);
    }
    let bytes: Vec<u8> = groups.iter().flat_map(|g| g.to_le_bytes()).collect();
    cx.process.with_space(|s| copy_to_user(s, list as u64, &bytes))?;
    Ok(groups.len())
}

/// `setgroups(size, list)`: EPERM, then EINVAL, then EFAULT, in Linux's order.
pub fn setgroups(cx: &Context, size: usize, list: usize) -> Result {
    if !cx.process.creds.lock().is_root() {
        return Err(crate::errno::EPERM);
    }
    if size > NGROUPS_MAX {
        return Err(EINVAL);
    }
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(size * 4).map_err(|_| ENOMEM)?;
    bytes.resize(size * 4, 0);
    cx.process.with_space(|s| copy_from_user(s, list as u64, &mut bytes))?;
    let groups = bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    change(cx, |c| c.set_groups(groups))
}
