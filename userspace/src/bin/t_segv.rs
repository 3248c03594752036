//! `t_segv`: user faults become signals that end the faulting process (as on Linux),
//! never the machine: NULL write, kernel-address read, write to code, `hlt` → SIGSEGV;
//! `ud2` → SIGILL; division by zero → SIGFPE; executing a non-executable page and
//! overflowing the stack → SIGSEGV; a SIGSEGV handler runs instead when installed.

#![no_std]
#![no_main]

use core::arch::asm;
use core::hint::black_box;

use userspace::mm::{self, PROT_READ, PROT_WRITE};
use userspace::process::{self, Status};
use userspace::signal::{self, SIGFPE, SIGILL, SIGSEGV};
use userspace::{check, check_eq, check_ok, println};

userspace::entry!(main);

/// Forks a child that runs `fault` and checks that it dies by `signo`.
fn expect_death(what: &str, signo: u8, fault: fn()) {
    let Some(pid) = check_ok!(
        process::fork_run(move || {
            fault();
            0
        }),
        "fork for {what}"
    ) else {
        return;
    };
    let status = process::wait_for(pid).ok();
    check_eq!(status.and_then(Status::signaled), Some(signo), "{what}: status {status:?}");
}

fn write_null() {
    // SAFETY: deliberately faults: page 0 is never mapped.
    unsafe { core::ptr::write_volatile(black_box(core::ptr::null_mut::<u32>()), 1) };
}

fn read_kernel() {
    // SAFETY: deliberately faults: the kernel half is not user-accessible.
    let _ = unsafe { core::ptr::read_volatile(black_box(0xffff_8000_0000_0000 as *const u64)) };
}

fn write_code() {
    let code = black_box(write_code as *const () as *mut u8);
    // SAFETY: deliberately faults: program text is mapped read-only and executable.
    unsafe { core::ptr::write_volatile(code, 0xcc) };
}

fn halt() {
    // SAFETY: deliberately faults: hlt is privileged, a general protection fault in user mode.
    unsafe { asm!("hlt", options(nomem, nostack)) };
}

fn invalid_opcode() {
    // SAFETY: deliberately faults with #UD.
    unsafe { asm!("ud2", options(nomem, nostack)) };
}

fn divide_by_zero() {
    let divisor: u64 = black_box(0);
    // SAFETY: deliberately faults with #DE (div by a zero register, which the compiler's
    // own check cannot intercept).
    unsafe {
        asm!("div {d}", d = in(reg) divisor, inout("rax") 1u64 => _, inout("rdx") 0u64 => _,
             options(nomem, nostack));
    }
}

fn execute_data() {
    let Ok(page) = mm::map_anonymous(4096, PROT_READ | PROT_WRITE) else { return };
    // SAFETY: the page is ours and writable; 0xc3 is `ret`, so without NX the call
    // would return and the child would exit 0 (reported as a failure).
    unsafe { core::ptr::write_volatile(page as *mut u8, 0xc3) };
    // SAFETY: deliberately faults: the page is not executable.
    let f: extern "C" fn() = unsafe { core::mem::transmute::<usize, extern "C" fn()>(page) };
    f();
}

#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 64]);
    recurse(depth + 1) + frame[black_box(3)]
}

fn overflow_stack() {
    black_box(recurse(0));
}

extern "C" fn on_segv(_signo: i32) {
    process::exit(42);
}

fn main(_args: &[&str]) -> i32 {
    println!("t_segv: faulting children die by the right signal");
    expect_death("write to NULL", SIGSEGV, write_null);
    expect_death("read of a kernel address", SIGSEGV, read_kernel);
    expect_death("write to program text", SIGSEGV, write_code);
    expect_death("hlt in user mode", SIGSEGV, halt);
    expect_death("ud2", SIGILL, invalid_opcode);
    expect_death("division by zero", SIGFPE, divide_by_zero);
    expect_death("execution of a non-executable page", SIGSEGV, execute_data);
    expect_death("stack overflow", SIGSEGV, overflow_stack);

    println!("t_segv: a SIGSEGV handler runs instead of the default action");
    let child = process::fork_run(|| {
        if signal::set_handler(SIGSEGV, on_segv).is_err() {
            return 2;
        }
        write_null();
        3
    });
    if let Some(pid) = check_ok!(child, "fork") {
        let status = process::wait_for(pid).ok();
        check_eq!(status.and_then(Status::exited), Some(42), "the handler exited with 42");
    }

    println!("t_segv: the parent survived");
    check!(process::getpid() > 1, "still running");
    userspace::check::finish()
}
