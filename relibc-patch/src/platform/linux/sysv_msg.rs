//! `PalSysvMsg` over Linux's `msgget`, `msgsnd`, `msgrcv` and `msgctl` system calls, which
//! take the values and structures of `sys/msg.h` as they are.

use super::{Sys, e_raw};
use crate::{
    error::Result,
    header::sys_msg::msqid_ds,
    platform::{
        PalSysvMsg,
        types::{c_int, c_long, c_void, key_t, size_t},
    },
};

impl PalSysvMsg for Sys {
    fn msgget(key: key_t, msgflg: c_int) -> Result<c_int> {
        // SAFETY: the call touches no memory of this program.
        Ok(e_raw(unsafe { syscall!(MSGGET, key, msgflg) })? as c_int)
    }

    unsafe fn msgsnd(msqid: c_int, msgp: *const c_void, msgsz: size_t, msgflg: c_int) -> Result<()> {
        // SAFETY: the kernel reads the message at `msgp`, as the caller promises it may.
        e_raw(unsafe { syscall!(MSGSND, msqid, msgp, msgsz, msgflg) })?;
        Ok(())
    }

    unsafe fn msgrcv(msqid: c_int, msgp: *mut c_void, msgsz: size_t, msgtyp: c_long, msgflg: c_int) -> Result<usize> {
        // SAFETY: the kernel writes the message at `msgp`, as the caller promises it may.
        e_raw(unsafe { syscall!(MSGRCV, msqid, msgp, msgsz, msgtyp, msgflg) })
    }

    unsafe fn msgctl(msqid: c_int, cmd: c_int, buf: *mut msqid_ds) -> Result<c_int> {
        // SAFETY: the kernel reads or writes `*buf` for the commands that use it, as the
        // caller promises it may.
        Ok(e_raw(unsafe { syscall!(MSGCTL, msqid, cmd, buf) })? as c_int)
    }
}
