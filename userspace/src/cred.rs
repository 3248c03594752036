//! Credentials: real, effective and saved user and group ids, supplementary groups.
//! An id of [`KEEP`] (`-1` in C) leaves that id unchanged.

use kestrel_abi::syscall::{
    SYS_GETGROUPS, SYS_GETRESGID, SYS_GETRESUID, SYS_SETEGID, SYS_SETEUID, SYS_SETGID, SYS_SETGROUPS, SYS_SETRESGID,
    SYS_SETRESUID, SYS_SETUID,
};

use crate::syscall::{syscall1, syscall2, syscall3};
use crate::{Result, slice_addr, slice_addr_mut};

/// The "leave unchanged" id.
pub const KEEP: u32 = u32::MAX;

fn get_res(n: usize) -> Result<(u32, u32, u32)> {
    let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
    // SAFETY: the kernel writes one u32 through each pointer.
    unsafe { syscall3(n, &raw mut r as usize, &raw mut e as usize, &raw mut s as usize)? };
    Ok((r, e, s))
}

fn set3(n: usize, r: u32, e: u32, s: u32) -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall3(n, r as usize, e as usize, s as usize).map(drop) }
}

fn set1(n: usize, id: u32) -> Result<()> {
    // SAFETY: no memory is passed.
    unsafe { syscall1(n, id as usize).map(drop) }
}

/// Real, effective and saved user ids.
pub fn getresuid() -> Result<(u32, u32, u32)> {
    get_res(SYS_GETRESUID)
}

/// Real, effective and saved group ids.
pub fn getresgid() -> Result<(u32, u32, u32)> {
    get_res(SYS_GETRESGID)
}

/// `setresuid(r, e, s)`.
pub fn setresuid(r: u32, e: u32, s: u32) -> Result<()> {
    set3(SYS_SETRESUID, r, e, s)
}

/// `setresgid(r, e, s)`.
pub fn setresgid(r: u32, e: u32, s: u32) -> Result<()> {
    set3(SYS_SETRESGID, r, e, s)
}

/// `setuid(id)`.
pub fn setuid(id: u32) -> Result<()> {
    set1(SYS_SETUID, id)
}

/// `setgid(id)`.
pub fn setgid(id: u32) -> Result<()> {
    set1(SYS_SETGID, id)
}

/// `seteuid(id)`.
pub fn seteuid(id: u32) -> Result<()> {
    set1(SYS_SETEUID, id)
}

/// `setegid(id)`.
pub fn setegid(id: u32) -> Result<()> {
    set1(SYS_SETEGID, id)
}

/// The effective user id.
pub fn geteuid() -> Result<u32> {
    getresuid().map(|(_, e, _)| e)
}

/// Writes the supplementary groups into `buf`; returns their number. An empty `buf`
/// only counts them.
pub fn getgroups(buf: &mut [u32]) -> Result<usize> {
    // SAFETY: the kernel writes at most buf.len() ids into buf.
    unsafe { syscall2(SYS_GETGROUPS, buf.len(), slice_addr_mut(buf)) }
}

/// Replaces the supplementary groups (root only).
pub fn setgroups(groups: &[u32]) -> Result<()> {
    // SAFETY: the kernel reads groups.len() ids.
    unsafe { syscall2(SYS_SETGROUPS, groups.len(), slice_addr(groups)).map(drop) }
}
