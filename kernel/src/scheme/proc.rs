//! `/scheme/proc/self`: process management through `SYS_CALL` (see `kestrel_abi::proc`).
//! The handle always means the calling process, so a forked child's inherited handle
//! acts on the child.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use crate::errno::{EFAULT, EINVAL, ENOENT, EPERM};
use kestrel_abi::proc::*;
use kestrel_abi::syscall::{MODE_CHR, Stat};

use super::{Caller, KernelScheme, Result};
use crate::arch::power;
use crate::arch::qemu::ExitCode;
use crate::context::process;
use crate::memory::user::read_user;

/// The proc scheme.
pub struct ProcScheme;

/// A program path with its argument and environment strings.
type ProgramArgs<'a> = (String, Vec<&'a [u8]>, Vec<&'a [u8]>);

fn spawn_args(payload: &[u8]) -> Result<ProgramArgs<'_>> {
    let parsed = SpawnArgs::parse(payload).ok_or(EINVAL)?;
    let path = core::str::from_utf8(parsed.path).map_err(|_| ENOENT)?;
    Ok((String::from(path), parsed.args().collect(), parsed.env().collect()))
}

impl KernelScheme for ProcScheme {
    fn open(&self, path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        if path == "self" { Ok(0) } else { Err(ENOENT) }
    }

    #[inline(always)]
    fn call(&self, _handle: usize, payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
        // The identity queries are answered here; the operations that do real work are
        // out of line, so that a query does not pay for their stack frame. Each call
        // takes exactly its documented metadata words (`kestrel_abi::proc`); any other
        // count is EINVAL, never a word read as zero.
        match *metadata {
            [PROC_GETPID] => Ok(caller.process.pid as usize),
            [PROC_GETPPID] => Ok(caller.process.ppid.load(Ordering::Relaxed) as usize),
            [PROC_GETTID] => Ok(caller.thread.tid as usize),
            _ => operate(payload, metadata, caller),
        }
    }

    fn fstat(&self, _handle: usize) -> Result<Stat> {
        Ok(Stat { st_mode: MODE_CHR | 0o600, ..Stat::default() })
    }

    fn fpath(&self, _handle: usize) -> Result<String> {
        Ok(String::from("self"))
    }

    fn close(&self, _handle: usize) {}
}

/// Every proc call but the identity queries.
#[inline(never)]
fn operate(payload: &mut [u8], metadata: &[u64], caller: &mut Caller<'_>) -> Result<usize> {
    let process = caller.process;
    match *metadata {
        [PROC_SPAWN] => {
            let (path, args, env) = spawn_args(payload)?;
            crate::memory::heap::reserve_headroom()?;
            let mut files = process.files.lock().try_clone()?;
            drop(files.close_on_exec());
            let creds = process.creds.lock().clone();
            process::spawn(Some(process), &path, &args, &env, files, creds).map(|pid| pid as usize)
        }
        [PROC_FORK] => {
            let frame = caller.frame.as_deref().ok_or(EINVAL)?;
            process::fork(caller.thread, frame).map(|pid| pid as usize)
        }
        [PROC_EXEC] => {
            let (path, args, env) = spawn_args(payload)?;
            let frame = caller.frame.as_deref_mut().ok_or(EINVAL)?;
            process::exec(caller.thread, frame, &path, &args, &env).map(|()| 0)
        }
        [PROC_EXIT, status] => {
            process.begin_exit(kestrel_abi::wait::exited(status as u8));
            Ok(0)
        }
        [PROC_WAITPID, pid, options] => {
            if !payload.is_empty() && payload.len() < 4 {
                return Err(EINVAL);
            }
            let pid = pid as i64;
            if pid == 0 || pid < -1 {
                return Err(EINVAL);
            }
            match process::waitpid(process, pid, options & WNOHANG != 0)? {
                Some((pid, status)) => {
                    if payload.len() >= 4 {
                        payload[..4].copy_from_slice(&status.to_le_bytes());
                    }
                    Ok(pid as usize)
                }
                None => Ok(0),
            }
        }
        [PROC_KILL, pid, signo] => {
            let pid = pid as i64;
            let signo = u8::try_from(signo).map_err(|_| EINVAL)?;
            if pid <= 0 || pid > i64::from(u32::MAX) || signo > kestrel_abi::signal::NSIG {
                return Err(EINVAL);
            }
            process::kill(process, pid as u32, signo).map(|()| 0)
        }
        [PROC_THREAD_CREATE] => {
            if payload.len() != size_of::<ThreadArgs>() {
                return Err(EINVAL);
            }
            let words: Vec<u64> =
                payload.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect();
            let args = ThreadArgs { entry: words[0], stack_top: words[1], arg: words[2], clear_tid: words[3] };
            create_thread(caller, args)
        }
        [PROC_THREAD_EXIT] => {
            caller.thread.exit_requested.store(true, core::sync::atomic::Ordering::Relaxed);
            crate::context::scheduler::request_return_check();
            Ok(0)
        }
        [PROC_SET_FS_BASE, base] => {
            // As Linux's arch_prctl(ARCH_SET_FS): an address outside the user half is EPERM.
            if base >= crate::memory::address_space::USER_END {
                return Err(EPERM);
            }
            caller.thread.fs_base.store(base, Ordering::Relaxed);
            crate::arch::switch::load_fs_base(base);
            Ok(0)
        }
        [PROC_TKILL, tid, signo] => {
            let signo = u8::try_from(signo).map_err(|_| EINVAL)?;
            if signo > kestrel_abi::signal::NSIG {
                return Err(EINVAL);
            }
            let thread =
                process.live_threads().into_iter().find(|t| u64::from(t.tid) == tid).ok_or(crate::errno::ESRCH)?;
            let info = crate::context::signal::Info::sent_by(process, kestrel_abi::signal::SI_TKILL);
            crate::context::signal::send_to_thread(&thread, signo, info);
            Ok(0)
        }
        [PROC_SET_ROBUST_LIST, head, len] => {
            // As Linux's set_robust_list: the head's size must be the one it knows.
            if len != crate::context::robust::ROBUST_LIST_HEAD_LEN {
                return Err(EINVAL);
            }
            caller.thread.robust_list.store(head, Ordering::Relaxed);
            Ok(0)
        }
        [PROC_GET_FS_BASE] => Ok(caller.thread.fs_base.load(Ordering::Relaxed) as usize),
        [PROC_FREE_FRAMES] => {
            // The caller runs, so no thread that ended is still on its stack.
            crate::context::scheduler::release_dead();
            let spare = crate::context::thread::spare_stack_frames();
            Ok((crate::memory::frame::free_frames() + spare) as usize)
        }
        [PROC_SHUTDOWN, status] => {
            if !process.creds.lock().is_root() {
                return Err(EPERM);
            }
            let code = if status == 0 { ExitCode::Success } else { ExitCode::Failure };
            log::info!(
                "shutdown requested by pid {}: {code:?} ({} lazy FPU saves, last {:#x}; {} FPU uses after a parked return)",
                process.pid,
                crate::arch::fpu::lazy_saves(),
                crate::arch::fpu::last_lazy_save_rip(),
                crate::arch::fpu::parked_traps()
            );
            power::end_run(code)
        }
        _ => Err(EINVAL),
    }
}

fn create_thread(caller: &mut Caller<'_>, args: ThreadArgs) -> Result<usize> {
    let process = caller.process;
    let user = crate::memory::address_space::USER_END;
    if args.entry >= user || args.stack_top >= user || args.stack_top < 16 {
        return Err(EFAULT);
    }
    crate::memory::heap::reserve_headroom()?;
    if args.clear_tid != 0 {
        // The word must be writable now, so that the exit path can clear it.
        process.with_space(|s| read_user::<u32>(s, args.clear_tid).map(|_| ()))?;
    }
    let mut frame = process::user_entry_frame(args.entry, (args.stack_top & !15) - 8);
    frame.rdi = args.arg;
    let thread = crate::context::Thread::new_user(process.clone(), &frame, None)?;
    thread.sigmask.store(caller.thread.sigmask.load(Ordering::Relaxed), Ordering::Relaxed);
    thread.clear_tid.store(args.clear_tid, Ordering::Relaxed);
    // As a Linux clone without CLONE_SETTLS: the creator's thread-local storage, until
    // the new thread sets its own (PROC_SET_FS_BASE).
    thread.fs_base.store(caller.thread.fs_base.load(Ordering::Relaxed), Ordering::Relaxed);
    let tid = thread.tid;
    process.start_thread(thread);
    Ok(tid as usize)
}
