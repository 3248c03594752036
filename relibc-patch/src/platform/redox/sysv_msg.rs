//! `PalSysvMsg` over kestrel's `msg` scheme (`/scheme/msg`; abi/PROTOCOL.md, `msg`).
//!
//! | call | `metadata[1]` | `metadata[2]` | payload |
//! |---|---|---|---|
//! | `msgget` | key (as u32) | msgflg (as u32) | none |
//! | `msgsnd` | `msgflg << 32 \| msqid` | `msgp` address | `msgsz` as a u64 |
//! | `msgrcv` | `msgflg << 32 \| msqid` | `msgp` address | `msgsz`, `msgtyp` as u64s |
//! | `msgctl` | `cmd << 32 \| msqid` | `buf` address | none |
//!
//! The kernel reads and writes the message and the `msqid_ds` itself and makes every check
//! in Linux's order; the values pass unchanged.

use super::{Sys, kestrel_scheme::MSG};
use crate::{
    error::Result,
    header::sys_msg::msqid_ds,
    platform::{
        PalSysvMsg,
        kestrel_protocol::{MSG_CALL_CTL, MSG_CALL_GET, MSG_CALL_RCV, MSG_CALL_SND, msg_word},
        types::{c_int, c_long, c_void, key_t, size_t},
    },
};

impl PalSysvMsg for Sys {
    fn msgget(key: key_t, msgflg: c_int) -> Result<c_int> {
        let metadata = [MSG_CALL_GET, u64::from(key as u32), u64::from(msgflg as u32)];
        Ok(MSG.call_wo(&[], &metadata)? as c_int)
    }

    unsafe fn msgsnd(msqid: c_int, msgp: *const c_void, msgsz: size_t, msgflg: c_int) -> Result<()> {
        let metadata = [MSG_CALL_SND, msg_word(msqid, msgflg), msgp as usize as u64];
        MSG.call_wo(&(msgsz as u64).to_le_bytes(), &metadata)?;
        Ok(())
    }

    unsafe fn msgrcv(msqid: c_int, msgp: *mut c_void, msgsz: size_t, msgtyp: c_long, msgflg: c_int) -> Result<usize> {
        #[allow(clippy::useless_conversion, reason = "c_long is i32 on 32-bit targets")]
        let msgtyp = i64::from(msgtyp);
        let payload = [(msgsz as u64).to_le_bytes(), msgtyp.to_le_bytes()];
        let metadata = [MSG_CALL_RCV, msg_word(msqid, msgflg), msgp as usize as u64];
        // The kernel returns at most MSGMAX bytes of text.
        MSG.call_wo(payload.as_flattened(), &metadata)
    }

    unsafe fn msgctl(msqid: c_int, cmd: c_int, buf: *mut msqid_ds) -> Result<c_int> {
        let metadata = [MSG_CALL_CTL, msg_word(msqid, cmd), buf as usize as u64];
        Ok(MSG.call_wo(&[], &metadata)? as c_int)
    }
}
