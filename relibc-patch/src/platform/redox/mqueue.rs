//! `PalMqueue` over kestrel's POSIX message queue scheme (`/scheme/mq`; abi/PROTOCOL.md,
//! `mq`), as `kestrel_protocol` lays the calls out: three metadata words, and a payload of
//! little-endian u64 words (or the queue's name) that the kernel only reads. The queue
//! descriptor is an argument inside the call, so the kernel makes every check in Linux's
//! order (a bad priority or timeout before a bad descriptor, `EBADF` for a descriptor that
//! is not a queue, `EFAULT` for an address it cannot use, `EMSGSIZE`, ...); the values pass
//! unchanged.
//!
//! | function | `metadata` | payload |
//! |---|---|---|
//! | `mq_open` | `[OPEN, mode << 32 \| oflag, attr]` | the name's bytes (no NUL) |
//! | `mq_unlink` | `[UNLINK, 0, 0]` | the name's bytes |
//! | `mq_send`, `mq_timedsend` | `[SEND \| prio << 32, mqdes, msg_ptr]` | msg_len, abs_timeout |
//! | `mq_receive`, `mq_timedreceive` | `[RECEIVE, mqdes, msg_ptr]` | msg_len, abs_timeout, msg_prio |
//! | `mq_getattr`, `mq_setattr` | `[GETSETATTR, mqdes, 0]` | new attr, old attr |
//! | `mq_notify` | `[NOTIFY, mqdes, sigevent]` | none |
//!
//! (`mqdes`, `oflag`, `mode` and `prio` as their 32 bits; addresses as u64, 0 for none.)
//! A `SIGEV_THREAD` notice comes as a 16-byte record on the pipe whose write end is the
//! sigevent's `sigev_signo` (see `mq_notify`).

use core::ffi::CStr;

use super::{Sys, kestrel_scheme::MQ};
use crate::{
    error::Result,
    header::{
        bits_timespec::timespec,
        mqueue::{KernelSigevent, mq_attr, mqd_t},
    },
    platform::{
        PalMqueue,
        kestrel_protocol::{
            MQ_CALL_GETSETATTR, MQ_CALL_NOTIFY, MQ_CALL_OPEN, MQ_CALL_RECEIVE, MQ_CALL_UNLINK, pair, send_word,
        },
        types::{c_char, c_int, c_uint, mode_t, size_t},
    },
};

/// The payload words of a call, as bytes.
fn words<const N: usize>(values: [u64; N]) -> [[u8; 8]; N] {
    values.map(u64::to_le_bytes)
}

impl PalMqueue for Sys {
    unsafe fn mq_open(name: &CStr, oflag: c_int, mode: mode_t, attr: *mut mq_attr) -> Result<mqd_t> {
        // mode_t is unsigned on Linux, an int in relibc on Redox: its 32 bits either way.
        let metadata = [MQ_CALL_OPEN, pair(mode as c_uint as c_int, oflag), attr as usize as u64];
        // A descriptor fits in an int.
        Ok(MQ.call_wo(name.to_bytes(), &metadata)? as mqd_t)
    }

    fn mq_unlink(name: &CStr) -> Result<()> {
        MQ.call_wo(name.to_bytes(), &[MQ_CALL_UNLINK, 0, 0])?;
        Ok(())
    }

    unsafe fn mq_timedsend(
        mqdes: mqd_t,
        msg_ptr: *const c_char,
        msg_len: size_t,
        msg_prio: c_uint,
        abs_timeout: *const timespec,
    ) -> Result<()> {
        let payload = words([msg_len as u64, abs_timeout as usize as u64]);
        let metadata = [send_word(msg_prio), u64::from(mqdes as u32), msg_ptr as usize as u64];
        MQ.call_wo(payload.as_flattened(), &metadata)?;
        Ok(())
    }

    unsafe fn mq_timedreceive(
        mqdes: mqd_t,
        msg_ptr: *mut c_char,
        msg_len: size_t,
        msg_prio: *mut c_uint,
        abs_timeout: *const timespec,
    ) -> Result<usize> {
        let payload = words([msg_len as u64, abs_timeout as usize as u64, msg_prio as usize as u64]);
        let metadata = [MQ_CALL_RECEIVE, u64::from(mqdes as u32), msg_ptr as usize as u64];
        // The kernel returns at most the queue's message size.
        MQ.call_wo(payload.as_flattened(), &metadata)
    }

    unsafe fn mq_getsetattr(mqdes: mqd_t, new: *const mq_attr, old: *mut mq_attr) -> Result<()> {
        let payload = words([new as usize as u64, old as usize as u64]);
        let metadata = [MQ_CALL_GETSETATTR, u64::from(mqdes as u32), 0];
        MQ.call_wo(payload.as_flattened(), &metadata)?;
        Ok(())
    }

    unsafe fn mq_notify(mqdes: mqd_t, event: *const KernelSigevent) -> Result<()> {
        let metadata = [MQ_CALL_NOTIFY, u64::from(mqdes as u32), event as usize as u64];
        MQ.call_wo(&[], &metadata)?;
        Ok(())
    }
}
