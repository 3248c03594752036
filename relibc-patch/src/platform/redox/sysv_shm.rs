//! `PalSysvShm` over kestrel's `shm` scheme's root (`/scheme/shm`; abi/PROTOCOL.md, `shm`).
//!
//! Exactly three metadata words and no payload:
//!
//! | call | `metadata[1]` | `metadata[2]` |
//! |---|---|---|
//! | `shmget` | `shmflg << 32 \| key` | size (the full `size_t`) |
//! | `shmat` | `shmflg << 32 \| shmid` | the address asked for (0 for any) |
//! | `shmdt` | the address | 0 |
//! | `shmctl` | `cmd << 32 \| shmid` | `buf` address |
//!
//! `shmat` returns the attached address; the kernel maps the segment into the process and
//! reads and writes the `shmid_ds`, `shminfo` or `shm_info` itself.

use super::{Sys, kestrel_scheme::SHM};
use crate::{
    error::Result,
    header::sys_shm::shmid_ds,
    platform::{
        PalSysvShm,
        kestrel_protocol::{SHM_CALL_AT, SHM_CALL_CTL, SHM_CALL_DT, SHM_CALL_GET, shm_word},
        types::{c_int, c_void, key_t, size_t},
    },
};

impl PalSysvShm for Sys {
    fn shmget(key: key_t, size: size_t, shmflg: c_int) -> Result<c_int> {
        Ok(SHM.call_wo(&[], &[SHM_CALL_GET, shm_word(key, shmflg), size as u64])? as c_int)
    }

    unsafe fn shmat(shmid: c_int, shmaddr: *const c_void, shmflg: c_int) -> Result<*mut c_void> {
        let metadata = [SHM_CALL_AT, shm_word(shmid, shmflg), shmaddr as usize as u64];
        Ok(SHM.call_wo(&[], &metadata)? as *mut c_void)
    }

    unsafe fn shmdt(shmaddr: *const c_void) -> Result<()> {
        SHM.call_wo(&[], &[SHM_CALL_DT, shmaddr as usize as u64, 0])?;
        Ok(())
    }

    unsafe fn shmctl(shmid: c_int, cmd: c_int, buf: *mut shmid_ds) -> Result<c_int> {
        let metadata = [SHM_CALL_CTL, shm_word(shmid, cmd), buf as usize as u64];
        Ok(SHM.call_wo(&[], &metadata)? as c_int)
    }
}
