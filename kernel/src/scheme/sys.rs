//! `/scheme/sys`: what the kernel holds, readable by every process (as Redox's `sys:`).
//!
//! - `resources`: one `name value` line per count: physical frames, the kernel heap,
//!   processes, threads and descriptors, the objects of every IPC facility, and the open
//!   descriptions of every scheme (`open.NAME`). A leak test reads it before and after
//!   its cycles: every count must come back.
//! - `sysvipc/sem`, `sysvipc/msg`, `sysvipc/shm`: Linux's `/proc/sysvipc` tables
//!   (`ipc::sysvipc`); the C runtime opens them for `/proc/sysvipc/...`.
//! - `cpu`: `CPUs: N`, the number of CPUs running, in the first line (Redox's `sys:cpu`,
//!   which relibc reads for `sysconf(_SC_NPROCESSORS_ONLN)`).
//! - `drop_caches`: root writes anything to it and the kernel gives back what it keeps
//!   for reuse (spare kernel stacks, spare message records of both queue facilities), as
//!   Linux's `/proc/sys/vm/drop_caches`: a leak test compares exact counts after it.
//!
//! A file's text is made when it is opened, so one open reads one consistent snapshot
//! (Linux makes `/proc/sysvipc` as it is read, which a reader cannot tell apart from
//! this unless objects change between its reads). Directories read as the kernel's
//! directory records.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use kestrel_abi::dirent;
use kestrel_abi::syscall::{
    EVENT_READ, MODE_DIR, MODE_FILE, O_ACCMODE, O_RDONLY, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat,
};
use spin::Mutex;

use super::handles::HandleTable;
use super::ipc::sysvipc::{MSG_HEADER, SEM_HEADER, SHM_HEADER};
use super::{Caller, KernelScheme, Result, SchemeId};
use crate::context::process;
use crate::errno::{EACCES, EBADF, EINVAL, EISDIR, ENOENT, ENOTDIR};
use crate::memory::{frame, heap, shared};

/// The files and directories, by path; a directory lists the entries under it.
const NODES: [(&str, bool); 8] = [
    ("", true),
    ("cpu", false),
    ("drop_caches", false),
    ("resources", false),
    ("sysvipc", true),
    ("sysvipc/msg", false),
    ("sysvipc/sem", false),
    ("sysvipc/shm", false),
];

/// An open file: which node, its text (or directory records) and the read offset.
struct Snapshot {
    node: usize,
    data: Vec<u8>,
    offset: usize,
}

static OPEN: Mutex<HandleTable<Snapshot>> = Mutex::new(HandleTable::new());

/// The sys scheme.
pub struct SysScheme;

fn is_dir(node: usize) -> bool {
    NODES[node].1
}

/// The node at `path` (a trailing slash only names a directory).
fn lookup(path: &str) -> Result<usize> {
    let (name, dir_only) = match path.strip_suffix('/') {
        Some(name) => (name, true),
        None => (path, false),
    };
    let node = NODES.iter().position(|&(p, _)| p == name).ok_or(ENOENT)?;
    if dir_only && !is_dir(node) {
        return Err(ENOTDIR);
    }
    Ok(node)
}

/// The directory records of the entries directly under directory `node`.
fn listing(node: usize) -> Vec<u8> {
    let dir = NODES[node].0;
    let mut out = Vec::new();
    for (index, &(path, child_is_dir)) in NODES.iter().enumerate().skip(1) {
        let name = match (dir, path.rsplit_once('/')) {
            ("", None) => path,
            (parent, Some((p, name))) if p == parent => name,
            _ => continue,
        };
        let start = out.len();
        let len = dirent::record_len(name.len());
        out.resize(start + len, 0);
        let kind = if child_is_dir { dirent::KIND_DIRECTORY } else { dirent::KIND_REGULAR };
        dirent::encode(&mut out[start..], index as u64 + 1, (start + len) as u64, kind, name.as_bytes());
    }
    out
}

/// `resources`: every count, one per line.
fn resources() -> String {
    // The caller runs, so no thread that ended is still on its stack (and under the
    // kernel lock no other CPU is switching away from one): the counts do not depend on
    // whether a switch happened since a thread died.
    crate::context::scheduler::release_dead();
    let mut out = String::new();
    let mut line = |name: &str, value: u64| {
        let _ = writeln!(out, "{name} {value}");
    };
    line("frames_total", frame::total_frames());
    line("frames_free", frame::free_frames());
    let heap = heap::usage();
    line("heap_size", heap.size as u64);
    line("heap_bytes", heap.allocated_bytes as u64);
    line("heap_allocations", heap.allocations as u64);
    let processes = process::all();
    let threads: usize = processes.iter().map(|p| p.thread_count()).sum();
    let descriptors: usize = processes.iter().map(|p| p.files.lock().count()).sum();
    line("processes", processes.len() as u64);
    line("threads", threads as u64);
    line("descriptors", descriptors as u64);
    drop(processes);
    let mut scratch = String::new();
    line("sem_sets", super::sem::sysvipc_table(&mut scratch) as u64);
    let (queues, messages) = super::msg::sysvipc_table(&mut scratch);
    line("msg_queues", queues as u64);
    line("msg_messages", messages);
    let (segments, attaches) = super::shm_sysv::sysvipc_table(&mut scratch);
    line("shm_segments", segments as u64);
    line("shm_attaches", attaches);
    line("mq_queues", super::mq::queue_count() as u64);
    line("shm_names", super::shm::name_count() as u64);
    line("shared_memory_objects", shared::live_objects() as u64);
    line("tmp_pages", super::tmpfs::pages_in_use());
    // Times kernel code used SSE while a user's FPU state was live (each one a trap and
    // two 512-byte copies): a hot path that does so shows here.
    line("lazy_fpu_saves", crate::arch::fpu::lazy_saves());
    for (name, scheme) in SchemeId::ALL {
        let _ = writeln!(out, "open.{name} {}", super::open_descriptions(scheme));
    }
    out
}

/// The text of file `node`.
fn contents(node: usize) -> Vec<u8> {
    let mut out = String::new();
    match NODES[node].0 {
        "resources" => out = resources(),
        "cpu" => {
            let _ = writeln!(out, "CPUs: {}", crate::arch::percpu::online_count());
        }
        "sysvipc/sem" => {
            out.push_str(SEM_HEADER);
            super::sem::sysvipc_table(&mut out);
        }
        "sysvipc/msg" => {
            out.push_str(MSG_HEADER);
            super::msg::sysvipc_table(&mut out);
        }
        "sysvipc/shm" => {
            out.push_str(SHM_HEADER);
            super::shm_sysv::sysvipc_table(&mut out);
        }
        _ => {}
    }
    out.into_bytes()
}

impl KernelScheme for SysScheme {
    fn open(&self, path: &str, flags: usize, caller: &mut Caller<'_>) -> Result<usize> {
        let node = lookup(path)?;
        if NODES[node].0 == "drop_caches" {
            // Write-only, for root.
            if flags & O_ACCMODE != O_WRONLY || !caller.process.creds.lock().is_root() {
                return Err(EACCES);
            }
            return Ok(OPEN.lock().insert(Snapshot { node, data: Vec::new(), offset: 0 }));
        }
        if flags & O_ACCMODE != O_RDONLY {
            return Err(if is_dir(node) { EISDIR } else { EACCES });
        }
        // Made before the table's lock is taken: the tables take the facilities' locks.
        let data = if is_dir(node) { listing(node) } else { contents(node) };
        Ok(OPEN.lock().insert(Snapshot { node, data, offset: 0 }))
    }

    fn read(&self, handle: usize, buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        let mut open = OPEN.lock();
        let file = open.get_mut(handle).ok_or(EBADF)?;
        let rest = file.data.get(file.offset..).unwrap_or(&[]);
        let n = if is_dir(file.node) {
            // Whole records only; a buffer too small for the next one is EINVAL (getdents).
            let whole = dirent::records(rest).map(|r| dirent::record_len(r.name.len())).scan(0, |sum, len| {
                *sum += len;
                Some(*sum)
            });
            let n = whole.take_while(|&end| end <= buf.len()).last().unwrap_or(0);
            if n == 0 && !rest.is_empty() {
                return Err(EINVAL);
            }
            n
        } else {
            buf.len().min(rest.len())
        };
        buf[..n].copy_from_slice(&rest[..n]);
        file.offset += n;
        Ok(n)
    }

    fn write(&self, handle: usize, buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        match OPEN.lock().get(handle).map(|file| file.node) {
            Some(node) if NODES[node].0 == "drop_caches" => {}
            Some(node) if is_dir(node) => return Err(EISDIR),
            _ => return Err(EBADF),
        }
        // Threads that ended go first (their stacks land among the spares), so that what
        // is given back does not depend on whether a switch happened since they died.
        crate::context::scheduler::release_dead();
        crate::context::thread::drop_spare_stacks();
        super::msg::drop_spare_messages();
        super::mq::drop_spare_messages();
        Ok(buf.len())
    }

    fn fstat(&self, handle: usize) -> Result<Stat> {
        let open = OPEN.lock();
        let file = open.get(handle).ok_or(EBADF)?;
        let mode = match NODES[file.node] {
            (_, true) => MODE_DIR | 0o555,
            ("drop_caches", _) => MODE_FILE | 0o200,
            _ => MODE_FILE | 0o444,
        };
        // Like /proc's files, a table's size is 0: it is known only by reading it.
        let size = if is_dir(file.node) { file.data.len() as u64 } else { 0 };
        Ok(Stat {
            st_ino: file.node as u64 + 1,
            st_mode: mode,
            st_size: size,
            st_nlink: 1,
            st_blksize: 4096,
            ..Stat::default()
        })
    }

    fn fpath(&self, handle: usize) -> Result<String> {
        let open = OPEN.lock();
        Ok(String::from(NODES[open.get(handle).ok_or(EBADF)?.node].0))
    }

    fn poll(&self, _handle: usize) -> usize {
        EVENT_READ
    }

    fn seek(&self, handle: usize, offset: i64, whence: usize) -> Result<u64> {
        let mut open = OPEN.lock();
        let file = open.get_mut(handle).ok_or(EBADF)?;
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => file.offset as i64,
            SEEK_END => file.data.len() as i64,
            _ => return Err(EINVAL),
        };
        let new = base.checked_add(offset).filter(|&n| n >= 0).ok_or(EINVAL)?;
        file.offset = new as usize;
        Ok(new as u64)
    }

    fn close(&self, handle: usize) {
        // Dropped after the lock is released.
        let file = OPEN.lock().remove(handle);
        drop(file);
    }
}
