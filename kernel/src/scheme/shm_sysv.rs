//! System V shared memory on `/scheme/shm`'s root (see `kestrel_abi::sysv` for the calls).
//! The rules live in `ipc::shm`; this glue decodes the calls, gives each segment a
//! [`SharedMemory`] object, maps it into the caller's address space at the address the
//! rules chose, and reports every mapping of a segment that appears or goes (shmat, fork,
//! shmdt, munmap, exit, exec) back to the rules, which count `shm_nattch` and remove a
//! segment marked SHM_DEST at its last detach.
//!
//! Locks, in the order of `context::lock_order`: the caller's `creds`, then `SHMS`
//! (level Segments). shmat looks the segment up under `SHMS`, releases it, then maps
//! under the caller's address space lock (level Space), under which the mapping's
//! observer takes `SHMS` again. A segment's memory is dropped only after `SHMS` is
//! released (dropping the last reference frees its frames).
//!
//! Deliberate differences from Linux: an attach address below 64 KiB is EPERM for every
//! caller (Linux lets a process with CAP_SYS_RAWIO map there); a fixed attach beyond the
//! user half is EINVAL (Linux: ENOMEM from mmap).

use alloc::sync::Arc;

use kestrel_abi::sysv::{
    IPC_SET, SHM_CALL_AT, SHM_CALL_CTL, SHM_CALL_DT, SHM_CALL_GET, ShmInfo, ShmUsage, ShmidDs as AbiDs,
};

use super::ipc::ctl::NewOwner;
use super::ipc::shm::ctl::{Command, Reply, ShmidDs};
use super::ipc::shm::{AttachAt, SegmentMemory, ShmNamespace};
use super::ipc_glue;
use super::{Caller, Result};
use crate::arch::clock;
use crate::context::lock_order::{Level, OrderedMutex};
use crate::context::scheduler;
use crate::errno::{EEXIST, EINVAL, EPERM};
use crate::memory::PAGE_SIZE;
use crate::memory::address_space::{MMAP_BASE, Placement, Prot, USER_END};
use crate::memory::shared::{Observer, SharedMemory};
use crate::memory::user::Plain;

/// Lowest attach address (Linux's default `mmap_min_addr`).
const MIN_ATTACH_ADDRESS: u64 = 0x1_0000;

/// A segment's memory as the rules see it.
#[derive(Clone)]
struct Segment(Arc<SharedMemory>);

impl SegmentMemory for Segment {
    fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    fn resident_pages(&self) -> u64 {
        self.0.resident_pages()
    }
}

static SHMS: spin::LazyLock<OrderedMutex<ShmNamespace<Segment>>> =
    spin::LazyLock::new(|| OrderedMutex::new(Level::Segments, ShmNamespace::new()));

// SAFETY: repr(C) structs of integers with explicit padding.
unsafe impl Plain for AbiDs {}
// SAFETY: as above.
unsafe impl Plain for ShmInfo {}
// SAFETY: as above.
unsafe impl Plain for ShmUsage {}

/// The time stamped on segments (atime, dtime, ctime).
fn now_secs() -> u64 {
    clock::realtime_secs()
}

/// The calling process's pid (the one that attaches or detaches).
fn current_pid() -> u32 {
    scheduler::with_current(|thread| thread.process.pid)
}

/// Tells the rules of the mappings of segments that appear and go.
struct Attachments;

static ATTACHMENTS: Attachments = Attachments;

impl Observer for Attachments {
    fn attached(&self, object: &Arc<SharedMemory>, tag: i64) {
        let (pid, now) = (current_pid(), now_secs());
        SHMS.lock().attached(tag as i32, &Segment(object.clone()), pid, now);
    }

    fn detached(&self, object: &Arc<SharedMemory>, tag: i64) {
        let (pid, now) = (current_pid(), now_secs());
        let removed = SHMS.lock().detached(tag as i32, &Segment(object.clone()), pid, now);
        // Dropped after SHMS is released.
        drop(removed);
    }
}

/// A call's id or key and the 32-bit value beside it (`kestrel_abi::sysv::shm_word`).
fn split_word(word: u64) -> (i32, i32) {
    kestrel_abi::protocol::split(word)
}

fn ds_to_abi(ds: &ShmidDs) -> AbiDs {
    AbiDs {
        shm_perm: ipc_glue::abi_perm(&ds.perm, ds.id),
        shm_segsz: ds.segsz,
        shm_atime: ds.atime as i64,
        shm_dtime: ds.dtime as i64,
        shm_ctime: ds.ctime as i64,
        shm_cpid: ds.cpid as i32,
        shm_lpid: ds.lpid as i32,
        shm_nattch: ds.nattch,
        ..AbiDs::default()
    }
}

/// shmget: `[SHM_CALL_GET, shmflg << 32 | key, size]`.
fn shmget(caller: &Caller<'_>, word: u64, size: u64) -> Result<usize> {
    let (key, flags) = split_word(word);
    let mut made = None;
    let new_memory = |pages: u64| {
        let object = SharedMemory::new(pages, Some(&ATTACHMENTS));
        made = Some(object.clone());
        Ok(Segment(object))
    };
    let id = {
        let creds = caller.process.creds.lock();
        SHMS.lock().shmget(&creds, key, size, flags, caller.process.pid, now_secs(), new_memory)?
    };
    if let Some(object) = made {
        object.set_tag(i64::from(id));
    }
    Ok(id as usize)
}

/// shmat: `[SHM_CALL_AT, shmflg << 32 | shmid, shmaddr]`. Returns the address.
fn shmat(caller: &Caller<'_>, word: u64, shmaddr: u64) -> Result<usize> {
    let (shmid, flags) = split_word(word);
    let at = ShmNamespace::<Segment>::attach_check(shmid, shmaddr, flags)?;
    let attach = {
        let creds = caller.process.creds.lock();
        SHMS.lock().attach(&creds, shmid, flags)?
    };
    let prot = Prot { read: attach.read, write: attach.write, exec: attach.exec };
    let placement = match at {
        // The hint is where the kernel's choices start anyway; a zero one would make the
        // whole 16-byte value zero, which the compiler writes with an SSE store (and the
        // first SSE instruction of a call costs a lazy FPU save, `arch::fpu`).
        AttachAt::Anywhere => Placement::Anywhere(MMAP_BASE),
        AttachAt::Fixed { addr, .. } if addr < MIN_ATTACH_ADDRESS => return Err(EPERM),
        AttachAt::Fixed { addr, .. } if addr.checked_add(attach.len).is_none_or(|end| end > USER_END) => {
            return Err(EINVAL);
        }
        AttachAt::Fixed { addr, replace: true } => Placement::FixedReplace(addr),
        AttachAt::Fixed { addr, replace: false } => Placement::FixedNoReplace(addr),
    };
    let object = attach.memory.0;
    // The mapping's observer counts the attachment (`Attachments::attached`).
    let mapped = caller.process.with_space(|s| s.map_shared(placement, attach.len, prot, prot, &object, 0));
    // Overlapping an existing mapping without SHM_REMAP is EINVAL on Linux.
    mapped.map(|addr| addr as usize).map_err(|e| if e == EEXIST { EINVAL } else { e })
}

/// shmdt: `[SHM_CALL_DT, shmaddr, 0]`.
fn shmdt(caller: &Caller<'_>, shmaddr: u64) -> Result<usize> {
    if !shmaddr.is_multiple_of(PAGE_SIZE) {
        return Err(EINVAL);
    }
    caller.process.with_space(|s| s.detach_segment(shmaddr))?;
    Ok(0)
}

/// shmctl: `[SHM_CALL_CTL, cmd << 32 | shmid, buf]`.
fn shmctl(caller: &Caller<'_>, word: u64, buf: u64) -> Result<usize> {
    let (shmid, cmd) = split_word(word);
    // The id and command are checked before IPC_SET's buffer is read, as on Linux.
    ShmNamespace::<Segment>::shmctl_check(shmid, cmd)?;
    let command = match cmd {
        IPC_SET => {
            let ds: AbiDs = caller.process.read_user(buf)?;
            let perm = ds.shm_perm;
            Command::Set { owner: NewOwner { uid: perm.uid, gid: perm.gid, mode: (perm.mode & 0o777) as u16 } }
        }
        _ => Command::simple(cmd).ok_or(EINVAL)?,
    };
    let reply = {
        let creds = caller.process.creds.lock();
        SHMS.lock().shmctl(&creds, shmid, command, now_secs())?
    };
    match reply {
        Reply::Int(value) => Ok(value as usize),
        // Its memory goes here, with no lock held.
        Reply::Removed(segment) => {
            drop(segment);
            Ok(0)
        }
        Reply::Ds(value, ds) => ipc_glue::reply_with(caller.process, buf, value, &ds_to_abi(&ds)),
        Reply::Info(value, info) => ipc_glue::reply_with(caller.process, buf, value, &info),
        Reply::Usage(value, usage) => ipc_glue::reply_with(caller.process, buf, value, &usage),
    }
}

/// A call on the scheme's root. Every call takes exactly three metadata words and no
/// payload; anything else is EINVAL.
pub fn call(payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
    if !payload.is_empty() {
        return Err(EINVAL);
    }
    match *metadata {
        [SHM_CALL_GET, word, size] => shmget(caller, word, size),
        [SHM_CALL_AT, word, shmaddr] => shmat(caller, word, shmaddr),
        [SHM_CALL_DT, shmaddr, 0] => shmdt(caller, shmaddr),
        [SHM_CALL_CTL, word, buf] => shmctl(caller, word, buf),
        _ => Err(EINVAL),
    }
}

/// `/proc/sysvipc/shm`'s lines (after its header); the number of segments and of attaches.
pub fn sysvipc_table(out: &mut alloc::string::String) -> (usize, u64) {
    let shms = SHMS.lock();
    let mut attaches = 0;
    let segments = shms
        .all_ds()
        .map(|(ds, resident)| {
            attaches += ds.nattch;
            super::ipc::sysvipc::shm_line(out, &ds, resident * crate::memory::PAGE_SIZE);
        })
        .count();
    (segments, attaches)
}
