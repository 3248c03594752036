//! Threads: [`spawn`] runs a closure on a new thread with its own mapped stack;
//! [`JoinHandle::join`] waits for it through the futex on its clear-tid word, which the
//! kernel sets to 0 (and wakes) when the thread has exited.
//!
//! A thread's stack and result slot must outlive the thread: they are released by
//! `join`, and leaked if the handle is dropped unjoined.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use kestrel_abi::proc::ThreadArgs;
use spin::Mutex;

use crate::mm::{self, PROT_READ, PROT_WRITE};
use crate::{Errno, Result, process, time};

/// Stack size of a spawned thread.
pub const STACK_SIZE: usize = 256 * 1024;

type Start = Box<dyn FnOnce() + Send>;

struct Packet<T> {
    /// Non-zero while the thread lives: the kernel clears it at the thread's exit.
    alive: AtomicU32,
    result: Mutex<Option<T>>,
}

/// A running thread.
pub struct JoinHandle<T> {
    tid: usize,
    packet: Arc<Packet<T>>,
    stack: usize,
    joined: bool,
}

/// Starts a thread running `f`.
pub fn spawn<F, T>(f: F) -> Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let stack = mm::map_anonymous(STACK_SIZE, PROT_READ | PROT_WRITE)?;
    let packet = Arc::new(Packet { alive: AtomicU32::new(1), result: Mutex::new(None) });
    let theirs = packet.clone();
    let start: Start = Box::new(move || {
        let value = f();
        *theirs.result.lock() = Some(value);
    });
    let start = Box::into_raw(Box::new(start));
    let args = ThreadArgs {
        entry: thread_entry as *const () as u64,
        stack_top: (stack + STACK_SIZE) as u64,
        arg: start as u64,
        clear_tid: packet.alive.as_ptr() as u64,
    };
    // SAFETY: thread_entry aligns the fresh stack and takes ownership of `start`; the
    // stack and the clear-tid word (in `packet`) stay mapped until join or forever.
    match unsafe { process::thread_create(&args) } {
        Ok(tid) => Ok(JoinHandle { tid, packet, stack, joined: false }),
        Err(e) => {
            // SAFETY: the thread was not created, so `start` and the stack are unused.
            unsafe {
                drop(Box::from_raw(start));
                let _ = mm::funmap(stack, STACK_SIZE);
            }
            Err(e)
        }
    }
}

impl<T> JoinHandle<T> {
    /// The thread's id.
    pub fn tid(&self) -> usize {
        self.tid
    }

    /// Waits for the thread to exit and returns what its closure returned.
    pub fn join(mut self) -> Result<T> {
        loop {
            let alive = self.packet.alive.load(Ordering::Acquire);
            if alive == 0 {
                break;
            }
            match time::futex_wait(&self.packet.alive, alive, None) {
                Ok(_) | Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
        self.joined = true;
        // SAFETY: the thread has exited (the kernel cleared its word), so its stack is no
        // longer used.
        let _ = unsafe { mm::funmap(self.stack, STACK_SIZE) };
        self.packet.result.lock().take().ok_or(Errno::ESRCH)
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.joined {
            // The kernel will still write the clear-tid word: keep the packet forever.
            core::mem::forget(self.packet.clone());
        }
    }
}

/// Where a new thread starts, with `rdi` = its `Start` and `rsp` = its stack top.
#[unsafe(naked)]
extern "C" fn thread_entry() -> ! {
    core::arch::naked_asm!("xor ebp, ebp", "and rsp, -16", "call {main}", "ud2", main = sym thread_main)
}

extern "C" fn thread_main(start: *mut Start) -> ! {
    // SAFETY: `spawn` passed a pointer from Box::into_raw, handed over to this thread.
    let start = unsafe { Box::from_raw(start) };
    (*start)();
    process::thread_exit()
}
