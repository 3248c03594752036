//! Process start-up: `_start`, the arguments and environment, and [`entry!`].
//!
//! The kernel enters `_start` with the System V initial stack at `rsp`: argc, the argv
//! pointers and a NULL, the envp pointers and a NULL, then auxv pairs ending with
//! `(0, 0)`. The strings live on that stack for the life of the process, so they are
//! handed out as `&'static str` (a string that is not UTF-8 reads as `"?"`).
//!
//! The heap is not touched at start-up (a process that never allocates maps no heap),
//! except for a program given more than [`STACK_ARGS`] arguments.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// Arguments handed to `main` from a stack array; more than this go through the heap.
pub const STACK_ARGS: usize = 64;

static ARGC: AtomicUsize = AtomicUsize::new(0);
static ARGV: AtomicPtr<*const u8> = AtomicPtr::new(core::ptr::null_mut());
static ENVP: AtomicPtr<*const u8> = AtomicPtr::new(core::ptr::null_mut());

/// Defines the program's entry: `userspace::entry!(main)` with `fn main(args: &[&str]) -> i32`.
/// The process exits with the status `main` returns.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        /// Called by the runtime's `_start` with the program's arguments.
        #[unsafe(no_mangle)]
        fn __kestrel_main(args: &[&str]) -> i32 {
            $main(args)
        }

        /// Makes the linker take the runtime's `_start` (the ELF entry) from the library.
        #[used]
        static __KESTREL_START: unsafe extern "C" fn() -> ! = $crate::rt::_start;
    };
}

unsafe extern "Rust" {
    /// The program's `main`, defined by [`entry!`].
    safe fn __kestrel_main(args: &[&str]) -> i32;
}

/// The ELF entry point.
///
/// # Safety
/// Only the kernel may enter it, with the initial stack described in the module header.
#[unsafe(naked)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "xor ebp, ebp",
        "mov rdi, rsp",
        "and rsp, -16",
        "call {start}",
        "ud2",
        start = sym start_rust,
    )
}

/// # Safety
/// `sp` is the initial stack pointer the kernel gave `_start`.
unsafe extern "C" fn start_rust(sp: *const usize) -> ! {
    // SAFETY: the kernel put argc at the initial stack pointer.
    let argc = unsafe { *sp };
    // SAFETY: argv follows argc; envp follows argv's NULL, all on the initial stack.
    let (argv, envp) = unsafe {
        let argv = sp.add(1) as *mut *const u8;
        (argv, argv.add(argc + 1))
    };
    ARGC.store(argc, Ordering::Relaxed);
    ARGV.store(argv, Ordering::Relaxed);
    ENVP.store(envp, Ordering::Relaxed);
    let status = if argc <= STACK_ARGS {
        let mut args = [""; STACK_ARGS];
        for (i, slot) in args.iter_mut().take(argc).enumerate() {
            *slot = arg(i).unwrap_or("?");
        }
        __kestrel_main(&args[..argc])
    } else {
        let args: Vec<&str> = (0..argc).map(|i| arg(i).unwrap_or("?")).collect();
        __kestrel_main(&args)
    };
    crate::process::exit(status)
}

/// The NUL-terminated string at `p` (which must point into the initial stack).
fn c_str(p: *const u8) -> &'static str {
    // SAFETY: the kernel wrote a NUL-terminated string there, which stays for the life
    // of the process and is never written again.
    let bytes = unsafe { core::slice::from_raw_parts(p, crate::lang::strlen(p)) };
    core::str::from_utf8(bytes).unwrap_or("?")
}

/// Argument `i`, if there is one.
pub fn arg(i: usize) -> Option<&'static str> {
    if i >= ARGC.load(Ordering::Relaxed) {
        return None;
    }
    // SAFETY: i < argc, so argv[i] is one of the kernel's argument pointers.
    let p = unsafe { *ARGV.load(Ordering::Relaxed).add(i) };
    (!p.is_null()).then(|| c_str(p))
}

/// Argument `i` as a number, or `default` when it is missing or not a number.
pub fn arg_or(i: usize, default: u64) -> u64 {
    arg(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

/// The number of arguments.
pub fn arg_count() -> usize {
    ARGC.load(Ordering::Relaxed)
}

/// The program's name (its first argument), or `"?"`.
pub fn program_name() -> &'static str {
    arg(0).unwrap_or("?")
}

/// The environment strings (`NAME=value`).
pub fn env() -> impl Iterator<Item = &'static str> {
    let envp = ENVP.load(Ordering::Relaxed);
    (0..)
        .map_while(move |i| {
            if envp.is_null() {
                return None;
            }
            // SAFETY: envp is the kernel's NULL-terminated array and iteration stops at
            // the NULL.
            let p = unsafe { *envp.add(i) };
            (!p.is_null()).then_some(p)
        })
        .map(c_str)
}

/// The value of environment variable `name`.
pub fn getenv(name: &str) -> Option<&'static str> {
    env().find_map(|kv| kv.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
}
