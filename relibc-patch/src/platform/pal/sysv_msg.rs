//! `PalSysvMsg`: the platform's System V message queues, under [`sys/msg.h`](crate::header::sys_msg).

use crate::{
    error::Result,
    header::sys_msg::msqid_ds,
    platform::{
        Pal,
        types::{c_int, c_long, c_void, key_t, size_t},
    },
};

/// Platform abstraction for System V message queues.
pub trait PalSysvMsg: Pal {
    /// Platform implementation of [`msgget()`](crate::header::sys_msg::msgget) from [`sys/msg.h`](crate::header::sys_msg).
    fn msgget(key: key_t, msgflg: c_int) -> Result<c_int>;

    /// Platform implementation of [`msgsnd()`](crate::header::sys_msg::msgsnd) from [`sys/msg.h`](crate::header::sys_msg).
    unsafe fn msgsnd(msqid: c_int, msgp: *const c_void, msgsz: size_t, msgflg: c_int) -> Result<()>;

    /// Platform implementation of [`msgrcv()`](crate::header::sys_msg::msgrcv) from [`sys/msg.h`](crate::header::sys_msg):
    /// the length of the text received.
    unsafe fn msgrcv(msqid: c_int, msgp: *mut c_void, msgsz: size_t, msgtyp: c_long, msgflg: c_int) -> Result<usize>;

    /// Platform implementation of [`msgctl()`](crate::header::sys_msg::msgctl) from [`sys/msg.h`](crate::header::sys_msg).
    unsafe fn msgctl(msqid: c_int, cmd: c_int, buf: *mut msqid_ds) -> Result<c_int>;
}
