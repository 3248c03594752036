//! `PalSysvSem` over kestrel's `sem` scheme (`/scheme/sem`; abi/PROTOCOL.md, `sem`).
//!
//! `metadata[0]` says which call, the small arguments travel in the other two metadata
//! words, and pointers (the `sembuf` array, the timeout, the `semctl` argument) as
//! addresses that the kernel itself reads or writes, so a bad pointer is `EFAULT` from the
//! kernel. The kernel makes every check, in Linux's order; nothing is checked here and the
//! values pass unchanged (a negative `nsems` or `semnum`, a huge `nsops`, a null pointer).
//!
//! | call | `metadata[1]` | `metadata[2]` | payload |
//! |---|---|---|---|
//! | `semget` | key (as u32) | `nsems << 32 \| semflg` (each as u32) | none |
//! | `semop`, `semtimedop` | `nsops << 32 \| semid` (each as u32) | `sops` address | none, or the `timeout` address as a little-endian u64 |
//! | `semctl` | semid (as u32) | `semnum << 32 \| cmd` (each as u32) | the argument as a u64 |

use super::{Sys, kestrel_scheme::SEM};
use crate::{
    error::Result,
    header::{
        bits_timespec::timespec,
        sys_sem::{SETVAL, sembuf},
    },
    platform::{
        PalSysvSem,
        kestrel_protocol::{SEM_CALL_CTL, SEM_CALL_GET, SEM_CALL_OP, pair, semop_word},
        types::{c_int, c_uint, c_ulong, key_t, size_t},
    },
};

impl PalSysvSem for Sys {
    fn semget(key: key_t, nsems: c_int, semflg: c_int) -> Result<c_int> {
        let metadata = [SEM_CALL_GET, u64::from(key as u32), pair(nsems, semflg)];
        // The kernel's results (ids, values, counts, pids, indexes) are ints.
        Ok(SEM.call_wo(&[], &metadata)? as c_int)
    }

    unsafe fn semtimedop(semid: c_int, sops: *mut sembuf, nsops: size_t, timeout: *const timespec) -> Result<()> {
        // Only the count's low 32 bits reach the kernel: Linux takes it as an unsigned int.
        let metadata = [SEM_CALL_OP, semop_word(semid, nsops), sops as usize as u64];
        // Without a timeout there is no payload at all, so a semop copies nothing but the
        // metadata and the array.
        if timeout.is_null() {
            SEM.call_wo(&[], &metadata)?;
        } else {
            SEM.call_wo(&(timeout as usize as u64).to_le_bytes(), &metadata)?;
        }
        Ok(())
    }

    unsafe fn semctl(semid: c_int, semnum: c_int, cmd: c_int, arg: c_ulong) -> Result<c_int> {
        // SETVAL's argument is an int: the rest of the word is not part of it.
        #[allow(clippy::useless_conversion, reason = "c_ulong is u32 on 32-bit targets")]
        let arg = if cmd == SETVAL { u64::from(arg as c_uint) } else { u64::from(arg) };
        let metadata = [SEM_CALL_CTL, u64::from(semid as u32), pair(semnum, cmd)];
        Ok(SEM.call_wo(&arg.to_le_bytes(), &metadata)? as c_int)
    }
}
