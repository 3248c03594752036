//! The wire protocol of kestrel's IPC schemes: each scheme's path, its calls' numbers
//! (`metadata[0]`), how the other metadata words are packed, the flags the calls carry, and
//! the record the kernel writes that is kestrel's own rather than Linux's ABI.
//!
//! One text for both sides of the protocol. The kernel takes it from the `kestrel_abi`
//! crate (`kestrel_abi::protocol`, re-exported in its `sysv`, `mq`, `timerfd`, `eventfd` and
//! `signalfd` modules). The C library compiles the same file as
//! `crate::platform::kestrel_protocol`: kestrel's `relibc-patch` crate includes it from
//! `abi/src/protocol.rs` with `#[path]`, and its patch ships it, byte for byte, as relibc's
//! `src/platform/kestrel_protocol.rs`. So it uses nothing but `core` and names no other
//! module, and its formatting satisfies both projects' rustfmt settings.
//!
//! Every call, with its payload, its results and its errors in order, is described in
//! kestrel's `abi/PROTOCOL.md`. The conventions (its section 1):
//!
//! - a call is `SYS_CALL(fd, payload, len, flags | metadata_len, metadata)` on the process's
//!   descriptor of the scheme's root, with exactly three metadata words, `metadata[0]` the
//!   call; every IPC call uses `CallFlags::WRITE` only (the payload is input);
//! - two 32-bit values in one word are `high << 32 | low` ([`pair`], read back with
//!   [`split`]), each value truncated to its 32 bits; a single 32-bit value is zero-extended;
//! - addresses travel as u64 words, 0 for none; the kernel itself reads and writes the
//!   memory they name, so a bad one is its `EFAULT`;
//! - payload words are little-endian u64s laid end to end;
//! - errors are negated Linux errno values.

// Metadata words.

/// Two 32-bit values in one metadata word: `high << 32 | low`, each taken as its 32 bits.
pub const fn pair(high: i32, low: i32) -> u64 {
    ((high as u32 as u64) << 32) | low as u32 as u64
}

/// The two values of a [`pair`] word, as `(low, high)`: a negative `int` comes back as it
/// went.
pub const fn split(word: u64) -> (i32, i32) {
    (word as u32 as i32, (word >> 32) as u32 as i32)
}

// System V semaphore sets (PROTOCOL.md section 4).

/// The `sem` scheme's root.
pub const SEM_SCHEME: &str = "/scheme/sem";
/// `semget`: `[SEM_CALL_GET, key (u32), pair(nsems, semflg)]`, no payload; the id.
pub const SEM_CALL_GET: u64 = 1;
/// `semop`, `semtimedop`: `[SEM_CALL_OP, semop_word(semid, nsops), sops address]`; payload
/// none, or the timeout's address (8 bytes); 0.
pub const SEM_CALL_OP: u64 = 2;
/// `semctl`: `[SEM_CALL_CTL, semid (u32), pair(semnum, cmd)]`; payload the argument as a
/// u64 (`SETVAL`'s int zero-extended, else an address); the command's result.
pub const SEM_CALL_CTL: u64 = 3;

/// `SEM_CALL_OP`'s `metadata[1]`: the count in the high half (as on Linux, which takes it
/// as an `unsigned int`, only its low 32 bits count) and the id in the low half.
pub const fn semop_word(semid: i32, nsops: usize) -> u64 {
    pair(nsops as u32 as i32, semid)
}

// System V message queues (section 5).

/// The `msg` scheme's root.
pub const MSG_SCHEME: &str = "/scheme/msg";
/// `msgget`: `[MSG_CALL_GET, key (u32), msgflg (u32)]`, no payload; the id.
pub const MSG_CALL_GET: u64 = 1;
/// `msgsnd`: `[MSG_CALL_SND, msg_word(msqid, msgflg), msgp]`; payload `[msgsz]`; 0.
pub const MSG_CALL_SND: u64 = 2;
/// `msgrcv`: `[MSG_CALL_RCV, msg_word(msqid, msgflg), msgp]`; payload `[msgsz, msgtyp]`;
/// the bytes of text received.
pub const MSG_CALL_RCV: u64 = 3;
/// `msgctl`: `[MSG_CALL_CTL, msg_word(msqid, cmd), buf]`, no payload; the command's result.
pub const MSG_CALL_CTL: u64 = 4;

/// `metadata[1]` of `MSG_CALL_SND` and `MSG_CALL_RCV` (`high` = msgflg) and `MSG_CALL_CTL`
/// (`high` = cmd): the id in the low half.
pub const fn msg_word(msqid: i32, high: i32) -> u64 {
    pair(high, msqid)
}

// System V shared memory, on the root of the `shm` scheme (section 6.1).

/// The `shm` scheme's root, which takes the System V calls; `/scheme/shm/NAME` is the
/// POSIX shared memory object `NAME` (`shm_open`).
pub const SHM_SCHEME: &str = "/scheme/shm";
/// `shmget`: `[SHM_CALL_GET, shm_word(key, shmflg), size]`, no payload; the id.
pub const SHM_CALL_GET: u64 = 1;
/// `shmat`: `[SHM_CALL_AT, shm_word(shmid, shmflg), shmaddr or 0]`, no payload; the
/// attach address.
pub const SHM_CALL_AT: u64 = 2;
/// `shmdt`: `[SHM_CALL_DT, shmaddr, 0]`, no payload; 0.
pub const SHM_CALL_DT: u64 = 3;
/// `shmctl`: `[SHM_CALL_CTL, shm_word(shmid, cmd), buf]`, no payload; the command's result.
pub const SHM_CALL_CTL: u64 = 4;

/// `metadata[1]` of the shm calls that carry an id or key and a 32-bit value beside it
/// (`high` = shmflg or cmd): the id or key in the low half.
pub const fn shm_word(id: i32, high: i32) -> u64 {
    pair(high, id)
}

// POSIX message queues (section 7).

/// The `mq` scheme's root: every `mq_*` call but `mq_close` (which is `close`) is made on
/// it, naming the queue descriptor `mqd` as an argument.
pub const MQ_SCHEME: &str = "/scheme/mq";
/// `mq_open`: `[MQ_CALL_OPEN, pair(mode, oflag), mq_attr address or 0]`; payload the
/// name's bytes (with its '/', no NUL); the new descriptor.
pub const MQ_CALL_OPEN: u64 = 1;
/// `mq_unlink`: `[MQ_CALL_UNLINK, 0, 0]`; payload the name's bytes; 0.
pub const MQ_CALL_UNLINK: u64 = 2;
/// `mq_timedsend`: `[send_word(prio), mqd, msg_ptr]`; payload `[msg_len, abs_timeout
/// address or 0]`; 0.
pub const MQ_CALL_SEND: u64 = 3;
/// `mq_timedreceive`: `[MQ_CALL_RECEIVE, mqd, msg_ptr]`; payload `[msg_len, abs_timeout
/// address or 0, msg_prio address or 0]`; the message's length.
pub const MQ_CALL_RECEIVE: u64 = 4;
/// `mq_getattr`, `mq_setattr`: `[MQ_CALL_GETSETATTR, mqd, 0]`; payload `[new mq_attr
/// address or 0, old mq_attr address or 0]`; 0.
pub const MQ_CALL_GETSETATTR: u64 = 5;
/// `mq_notify`: `[MQ_CALL_NOTIFY, mqd, sigevent address or 0]`, no payload; 0.
pub const MQ_CALL_NOTIFY: u64 = 6;

/// `metadata[0]` of a send: the call, and the priority in the high half.
pub const fn send_word(prio: u32) -> u64 {
    MQ_CALL_SEND | ((prio as u64) << 32)
}

/// `mq_open`'s `oflag` as the kernel takes it: Linux's values (octal, as in Linux's
/// `fcntl.h`); a C library whose `O_*` differ translates its own into these.
pub const MQ_O_RDONLY: i32 = 0;
pub const MQ_O_WRONLY: i32 = 1;
pub const MQ_O_RDWR: i32 = 2;
pub const MQ_O_ACCMODE: i32 = 3;
pub const MQ_O_CREAT: i32 = 0o100;
pub const MQ_O_EXCL: i32 = 0o200;
pub const MQ_O_NONBLOCK: i32 = 0o4000;
pub const MQ_O_CLOEXEC: i32 = 0o2000000;

/// `sigev_notify` in the `struct sigevent` (Linux's, 64 bytes) that `mq_notify` hands the
/// kernel: Linux's values.
pub const SIGEV_SIGNAL: i32 = 0;
pub const SIGEV_NONE: i32 = 1;
pub const SIGEV_THREAD: i32 = 2;

/// `si_code` of a `SIGEV_SIGNAL` notice (Linux's value).
pub const SI_MESGQ: i32 = -3;

/// What the kernel writes to a `SIGEV_THREAD` registration's pipe, whose write end the
/// library passes as `sigev_signo` (the library's thread reads it and calls the function).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MqThreadNotice {
    /// The registration's `sigev_value`.
    pub cookie: u64,
    /// [`NOTIFY_WOKENUP`] or [`NOTIFY_REMOVED`].
    pub kind: u64,
}

const _: () = assert!(core::mem::size_of::<MqThreadNotice>() == 16);
const _: () = assert!(core::mem::offset_of!(MqThreadNotice, kind) == 8);

/// The notice fired: run the function.
pub const NOTIFY_WOKENUP: u64 = 1;
/// The registration went without firing (`mq_notify` with none, a close, the queue's end).
pub const NOTIFY_REMOVED: u64 = 2;

// timerfd (section 8).

/// The `timerfd` scheme's root.
pub const TIMERFD_SCHEME: &str = "/scheme/timerfd";
/// `timerfd_create`: `[TIMERFD_CALL_CREATE, clockid (u32), flags (u32)]`, no payload; the
/// new descriptor.
pub const TIMERFD_CALL_CREATE: u64 = 1;
/// `timerfd_settime`: `[TIMERFD_CALL_SETTIME, fd (u32), flags (u32)]`; payload `[new
/// itimerspec address, old itimerspec address or 0]`; 0.
pub const TIMERFD_CALL_SETTIME: u64 = 2;
/// `timerfd_gettime`: `[TIMERFD_CALL_GETTIME, fd (u32), itimerspec address]`, no payload;
/// 0.
pub const TIMERFD_CALL_GETTIME: u64 = 3;

/// `timerfd_create`'s flags as the call takes them: the kernel's (Redox's) `O_NONBLOCK`
/// and `O_CLOEXEC`, which a C library's `TFD_NONBLOCK` and `TFD_CLOEXEC` equal.
pub const TFD_NONBLOCK: u32 = 0x4_0000;
pub const TFD_CLOEXEC: u32 = 0x100_0000;
/// `timerfd_settime`'s flags: Linux's values.
pub const TFD_TIMER_ABSTIME: i32 = 1;
pub const TFD_TIMER_CANCEL_ON_SET: i32 = 2;

// eventfd (section 9).

/// The `eventfd` scheme's root.
pub const EVENTFD_SCHEME: &str = "/scheme/eventfd";
/// `eventfd`: `[EVENTFD_CALL, initval (u32), flags (u32)]`, no payload; the new descriptor.
pub const EVENTFD_CALL: u64 = 1;

/// `eventfd`'s flags: reads take 1 at a time (Linux's value), and the kernel's `O_NONBLOCK`
/// and `O_CLOEXEC`, as for timerfd.
pub const EFD_SEMAPHORE: u32 = 1;
pub const EFD_NONBLOCK: u32 = 0x4_0000;
pub const EFD_CLOEXEC: u32 = 0x100_0000;

// signalfd (section 10).

/// The `signalfd` scheme's root.
pub const SIGNALFD_SCHEME: &str = "/scheme/signalfd";
/// `signalfd`: `[SIGNALFD_CALL, fd (u32), flags (u32)]`; payload `[mask address,
/// SIGNALFD_MASK_SIZE]`; the new descriptor, or `fd`.
pub const SIGNALFD_CALL: u64 = 1;
/// The mask's size that the call must carry: 64 signals, as Linux's kernel `sigset_t`.
pub const SIGNALFD_MASK_SIZE: u64 = 8;

/// `signalfd`'s flags: the kernel's `O_NONBLOCK` and `O_CLOEXEC`, as for timerfd.
pub const SFD_NONBLOCK: u32 = 0x4_0000;
pub const SFD_CLOEXEC: u32 = 0x100_0000;
