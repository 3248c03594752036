//! Memory mappings: `fmap` (anonymous with fd `usize::MAX`), `funmap`, `mprotect`.

use kestrel_abi::syscall::{Map, SYS_FMAP, SYS_FUNMAP, SYS_MPROTECT};

use crate::Result;
use crate::syscall::{syscall2, syscall3};

pub use kestrel_abi::syscall::{
    MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE,
};

/// Page size.
pub const PAGE_SIZE: usize = 4096;
/// The fd of anonymous mappings.
pub const ANONYMOUS: usize = usize::MAX;

/// `fmap(fd, map)`: maps per `map` and returns the address.
///
/// # Safety
/// With `MAP_FIXED` the mapping replaces whatever was at `map.address`: nothing the
/// program still uses may live there.
pub unsafe fn fmap(fd: usize, map: &Map) -> Result<usize> {
    // SAFETY: the kernel reads the Map; the caller vouches for the placement.
    unsafe { syscall3(SYS_FMAP, fd, map as *const Map as usize, size_of::<Map>()) }
}

/// Maps `size` bytes (rounded up to pages) of fresh zeroed memory wherever the kernel
/// chooses, with `prot` (`PROT_*`); returns the address.
pub fn map_anonymous(size: usize, prot: usize) -> Result<usize> {
    let map = Map { offset: 0, size: size.next_multiple_of(PAGE_SIZE), flags: prot | MAP_PRIVATE, address: 0 };
    // SAFETY: no MAP_FIXED: the kernel picks a free range, so nothing is replaced.
    unsafe { fmap(ANONYMOUS, &map) }
}

/// Unmaps `[addr, addr + len)`.
///
/// # Safety
/// Nothing in the range may be used afterwards.
pub unsafe fn funmap(addr: usize, len: usize) -> Result<()> {
    // SAFETY: the caller guarantees the range is no longer used.
    unsafe { syscall2(SYS_FUNMAP, addr, len).map(drop) }
}

/// Changes the protection of `[addr, addr + len)` to `prot` (`PROT_*`).
///
/// # Safety
/// Code that later touches the range must respect the new protection (a write to a
/// read-only page faults).
pub unsafe fn mprotect(addr: usize, len: usize, prot: usize) -> Result<()> {
    // SAFETY: the caller guarantees the program copes with the new protection.
    unsafe { syscall3(SYS_MPROTECT, addr, len, prot).map(drop) }
}
