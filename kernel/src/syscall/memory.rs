//! Memory calls: `fmap` (anonymous memory, private or shared, and the shared memory behind
//! a descriptor; with MAP_FIXED and MAP_FIXED_NOREPLACE), `funmap` and `mprotect`.
//!
//! A `MAP_PRIVATE` mapping of a shared memory object is a copy of it taken when it is
//! mapped (see `AddressSpace::map_private_copy`).

use crate::errno::{EACCES, EINVAL};
use kestrel_abi::syscall::{
    MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, Map, PROT_EXEC, PROT_READ, PROT_WRITE,
};

use super::{Context, Result};
use crate::memory::PAGE_SIZE;
use crate::memory::address_space::{Placement, Prot, valid_user_range};
use crate::memory::shared::SharedMemory;
use crate::memory::user::read_user;

fn prot(flags: usize) -> Prot {
    Prot { read: flags & PROT_READ != 0, write: flags & PROT_WRITE != 0, exec: flags & PROT_EXEC != 0 }
}

/// `fmap(fd, &Map, size)`: anonymous memory (`fd == usize::MAX`) or the shared memory
/// behind `fd`.
pub fn fmap(cx: &Context, fd: usize, map_ptr: usize, map_size: usize) -> Result {
    if map_size != size_of::<Map>() {
        return Err(EINVAL);
    }
    let map: Map = cx.process.with_space(|s| read_user(s, map_ptr as u64))?;
    let desc = if fd == usize::MAX { None } else { Some(super::fs::description(cx, fd)?) };
    let sharing = map.flags & (MAP_SHARED | MAP_PRIVATE);
    if map.size == 0 || sharing == (MAP_SHARED | MAP_PRIVATE) || sharing == 0 {
        return Err(EINVAL);
    }
    if !(map.offset as u64).is_multiple_of(PAGE_SIZE) || (desc.is_none() && map.offset != 0) {
        return Err(EINVAL);
    }
    let len = (map.size as u64).checked_next_multiple_of(PAGE_SIZE).ok_or(EINVAL)?;
    let placement = if map.flags & MAP_FIXED_NOREPLACE == MAP_FIXED_NOREPLACE {
        Placement::FixedNoReplace(map.address as u64)
    } else if map.flags & MAP_FIXED != 0 {
        Placement::FixedReplace(map.address as u64)
    } else {
        Placement::Anywhere(map.address as u64)
    };
    let prot = prot(map.flags);
    let (object, max) = match desc {
        None if sharing == MAP_PRIVATE => {
            return cx.process.with_space(|s| s.map_anonymous(placement, len, prot)).map(|addr| addr as usize);
        }
        // Anonymous shared memory: a new object that only this mapping (and the copies
        // fork makes of it) maps.
        None => (SharedMemory::new(len / PAGE_SIZE, None), Prot { read: true, write: true, exec: true }),
        Some(desc) if sharing == MAP_PRIVATE => {
            // As Linux: mapping needs read access; a private copy may be written.
            if !desc.readable() {
                return Err(EACCES);
            }
            let object = desc.scheme().shared_memory(desc.handle)?;
            let first_page = map.offset as u64 / PAGE_SIZE;
            return cx
                .process
                .with_space(|s| s.map_private_copy(placement, len, prot, &object, first_page))
                .map(|addr| addr as usize);
        }
        Some(desc) => {
            // As Linux: mapping needs read access; a shared writable mapping, write access.
            if !desc.readable() || (prot.write && !desc.writable()) {
                return Err(EACCES);
            }
            let object = desc.scheme().shared_memory(desc.handle)?;
            (object, Prot { read: true, write: desc.writable(), exec: true })
        }
    };
    let first_page = map.offset as u64 / PAGE_SIZE;
    cx.process.with_space(|s| s.map_shared(placement, len, prot, max, &object, first_page)).map(|addr| addr as usize)
}

pub fn funmap(cx: &Context, addr: usize, len: usize) -> Result {
    let len = (len as u64).checked_next_multiple_of(PAGE_SIZE).ok_or(EINVAL)?;
    if !valid_user_range(addr as u64, len) {
        return Err(EINVAL);
    }
    cx.process.with_space(|s| {
        s.unmap(addr as u64, len);
        Ok(0)
    })
}

pub fn mprotect(cx: &Context, addr: usize, len: usize, flags: usize) -> Result {
    let len = (len as u64).checked_next_multiple_of(PAGE_SIZE).ok_or(EINVAL)?;
    if !valid_user_range(addr as u64, len) {
        return Err(EINVAL);
    }
    cx.process.with_space(|s| s.protect(addr as u64, len, prot(flags)).map(|()| 0))
}
