//! Memory calls: anonymous `fmap` (with MAP_FIXED and MAP_FIXED_NOREPLACE), `funmap` and
//! `mprotect`.

use crate::errno::{EINVAL, ENODEV, EOPNOTSUPP};
use kestrel_abi::syscall::{
    MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, Map, PROT_EXEC, PROT_READ, PROT_WRITE,
};

use super::{Context, Result};
use crate::memory::PAGE_SIZE;
use crate::memory::address_space::{Placement, Prot, valid_user_range};
use crate::memory::user::read_user;

fn prot(flags: usize) -> Prot {
    Prot { read: flags & PROT_READ != 0, write: flags & PROT_WRITE != 0, exec: flags & PROT_EXEC != 0 }
}

/// `fmap(fd, &Map, size)`: only anonymous memory (`fd == usize::MAX`) for now; a
/// scheme fd gives ENODEV.
pub fn fmap(cx: &Context, fd: usize, map_ptr: usize, map_size: usize) -> Result {
    if map_size != size_of::<Map>() {
        return Err(EINVAL);
    }
    let map: Map = cx.process.with_space(|s| read_user(s, map_ptr as u64))?;
    if fd != usize::MAX {
        cx.process.files.lock().get(fd)?;
        return Err(ENODEV);
    }
    let sharing = map.flags & (MAP_SHARED | MAP_PRIVATE);
    if map.size == 0 || sharing == (MAP_SHARED | MAP_PRIVATE) || map.offset != 0 {
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
    // Shared anonymous memory needs frames shared across fork, which arrive with the
    // shared memory scheme; until then it is refused rather than silently made private.
    if sharing == MAP_SHARED {
        return Err(EOPNOTSUPP);
    }
    cx.process.with_space(|s| s.map_anonymous(placement, len, prot(map.flags))).map(|addr| addr as usize)
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
