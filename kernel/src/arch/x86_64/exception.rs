//! Fatal reports: CPU exceptions the kernel cannot handle and Rust panics.
//!
//! A report names the exception, its error code decoded, the interrupted context, the
//! general registers, CR2/CR3, and the kernel-text addresses found on the stack (the
//! likely call chain; resolve them with `addr2line -e <kernel ELF>`). Then the machine
//! ends with the failure status.

use core::fmt::Write;
use core::panic::PanicInfo;

use x86_64::registers::control::{Cr2, Cr3};

use super::interrupts::TrapFrame;
use super::power;
use super::qemu::ExitCode;
use super::serial::Console;
use crate::memory::paging;

const STACK_SCAN_BYTES: u64 = 4096;
const MAX_TRACE_ENTRIES: usize = 16;

/// The mnemonic and name of an exception vector.
pub fn exception_name(vector: u64) -> (&'static str, &'static str) {
    match vector {
        0 => ("#DE", "divide error"),
        1 => ("#DB", "debug"),
        2 => ("NMI", "non-maskable interrupt"),
        3 => ("#BP", "breakpoint"),
        4 => ("#OF", "overflow"),
        5 => ("#BR", "bound range exceeded"),
        6 => ("#UD", "invalid opcode"),
        7 => ("#NM", "device not available"),
        8 => ("#DF", "double fault"),
        10 => ("#TS", "invalid TSS"),
        11 => ("#NP", "segment not present"),
        12 => ("#SS", "stack-segment fault"),
        13 => ("#GP", "general protection fault"),
        14 => ("#PF", "page fault"),
        16 => ("#MF", "x87 floating-point exception"),
        17 => ("#AC", "alignment check"),
        18 => ("#MC", "machine check"),
        19 => ("#XM", "SIMD floating-point exception"),
        20 => ("#VE", "virtualization exception"),
        21 => ("#CP", "control protection exception"),
        28 => ("#HV", "hypervisor injection exception"),
        29 => ("#VC", "VMM communication exception"),
        30 => ("#SX", "security exception"),
        _ => ("#??", "reserved exception"),
    }
}

/// Describes a page fault error code, e.g. "write to a non-present page in kernel mode".
fn page_fault_cause(code: u64, out: &mut impl Write) {
    let access = if code & 0x10 != 0 {
        "instruction fetch from"
    } else if code & PF_WRITE != 0 {
        "write to"
    } else {
        "read from"
    };
    let page = if code & PF_PRESENT != 0 { "a page without the needed rights" } else { "a non-present page" };
    let mode = if code & 0x4 != 0 { "user" } else { "kernel" };
    let _ = write!(out, "{access} {page} in {mode} mode");
    if code & 0x8 != 0 {
        let _ = write!(out, " (reserved bit set)");
    }
}

/// A `Write` that goes straight to the console, even if its lock was held.
struct Emergency;

impl Write for Emergency {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        Console::emergency(format_args!("{s}"));
        Ok(())
    }
}

/// The signal Linux sends for an exception raised by user code, with its `si_code` and
/// `si_addr` (page faults are refined by the caller).
fn user_signal(frame: &TrapFrame) -> (u8, i32, u64) {
    use kestrel_abi::signal::*;
    match frame.vector {
        0 => (SIGFPE, FPE_INTDIV, frame.rip),
        16 | 19 => (SIGFPE, SI_KERNEL, 0),
        1 | 3 => (SIGTRAP, SI_KERNEL, 0),
        6 => (SIGILL, ILL_ILLOPN, frame.rip),
        17 => (SIGBUS, SI_KERNEL, 0),
        _ => (SIGSEGV, SI_KERNEL, 0),
    }
}

/// Page fault error code: the page was present (a protection fault).
const PF_PRESENT: u64 = 1 << 0;
/// Page fault error code: the access was a write.
const PF_WRITE: u64 = 1 << 1;

/// Handles CPU exceptions: one raised by user code becomes a signal to its process (with
/// a one-line report); one raised by the kernel is fatal. (A page fault in the direct
/// user-copy routine never comes here: `interrupt_dispatch` resumes the copy.)
pub fn handle(frame: &mut TrapFrame) {
    if frame.from_user() && frame.vector != 8 && frame.vector != 18 {
        let (mnemonic, name) = exception_name(frame.vector);
        let cr2 = if frame.vector == 14 { Cr2::read_raw() } else { 0 };
        // A page that is not present may be demand-zero: backing it lets the access retry.
        if frame.vector == 14 && frame.error_code & PF_PRESENT == 0 {
            let write = frame.error_code & PF_WRITE != 0;
            let process = crate::context::scheduler::with_current(|t| t.process.clone());
            if process.with_space(|s| Ok(s.fault_in(cr2, write))) == Ok(true) {
                return;
            }
        }
        let (rip, error_code, (mut signo, mut code, mut addr)) = (frame.rip, frame.error_code, user_signal(frame));
        if frame.vector == 14 {
            // Past the end of a shared memory object's pages: SIGBUS, as on Linux.
            let process = crate::context::scheduler::with_current(|t| t.process.clone());
            (signo, code) = if process.with_space(|s| Ok(s.past_object_end(cr2))) == Ok(true) {
                (kestrel_abi::signal::SIGBUS, kestrel_abi::signal::BUS_ADRERR)
            } else if error_code & PF_PRESENT != 0 {
                (signo, kestrel_abi::signal::SEGV_ACCERR)
            } else {
                (signo, kestrel_abi::signal::SEGV_MAPERR)
            };
            addr = cr2;
        }
        crate::context::signal::user_fault(
            frame,
            signo,
            code,
            addr,
            format_args!("{name} ({mnemonic}) at rip {rip:#x}, address {cr2:#x}, error code {error_code:#x}"),
        );
        return;
    }
    fatal_exception(frame)
}

fn fatal_exception(frame: &TrapFrame) -> ! {
    let mut out = Emergency;
    let (mnemonic, name) = exception_name(frame.vector);
    let _ = writeln!(out, "\n!!! KERNEL EXCEPTION: {name} ({mnemonic}, vector {})", frame.vector);
    let _ = write!(out, "    error code {:#x}", frame.error_code);
    if frame.vector == 14 {
        let _ = write!(out, ": ");
        page_fault_cause(frame.error_code, &mut out);
        let _ = write!(out, " at CR2={:#018x}", Cr2::read_raw());
    }
    let _ = writeln!(out);
    let (pml4, _) = Cr3::read();
    let f = frame;
    let _ = writeln!(out, "    RIP={:#018x} CS={:#06x} RFLAGS={:#010x}", f.rip, f.cs, f.rflags);
    let _ = writeln!(out, "    RSP={:#018x} SS={:#06x} CR3={:#x}", f.rsp, f.ss, pml4.start_address().as_u64());
    let regs = [
        ("RAX", f.rax),
        ("RBX", f.rbx),
        ("RCX", f.rcx),
        ("RDX", f.rdx),
        ("RSI", f.rsi),
        ("RDI", f.rdi),
        ("RBP", f.rbp),
        ("R8 ", f.r8),
        ("R9 ", f.r9),
        ("R10", f.r10),
        ("R11", f.r11),
        ("R12", f.r12),
        ("R13", f.r13),
        ("R14", f.r14),
        ("R15", f.r15),
    ];
    for row in regs.chunks(4) {
        let _ = write!(out, "   ");
        for (name, value) in row {
            let _ = write!(out, " {name}={value:#018x}");
        }
        let _ = writeln!(out);
    }
    stack_trace(&mut out, f.rip, f.rsp);
    power::end_run(ExitCode::Failure)
}

/// Reports a Rust panic and ends the machine.
pub fn panic(info: &PanicInfo<'_>) -> ! {
    // The report may break the console's lock (`Console::emergency`), which is sound only
    // for the kernel lock's holder: every other CPU prints only under that lock. A panic
    // in the little code that runs without it (the identity calls) takes it first.
    crate::context::kernel_lock::acquire_if_free_here();
    let mut out = Emergency;
    let _ = writeln!(out, "\n!!! KERNEL PANIC: {}", info.message());
    if let Some(location) = info.location() {
        let _ = writeln!(out, "    at {}:{}:{}", location.file(), location.line(), location.column());
    }
    let rsp: u64;
    // SAFETY: reads the stack pointer; no memory access.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) rsp, options(nomem, nostack)) };
    stack_trace(&mut out, 0, rsp);
    power::end_run(ExitCode::Failure)
}

/// Prints the faulting RIP and every stack word between `rsp` and the end of its
/// readable region (at most [`STACK_SCAN_BYTES`]) that points into kernel text.
fn stack_trace(out: &mut impl Write, rip: u64, rsp: u64) {
    let (text_start, text_end) = crate::linker::text();
    let in_text = |a: u64| (text_start..text_end).contains(&a);
    let _ = writeln!(out, "    stack trace (kernel text addresses on the stack, newest first):");
    if in_text(rip) {
        let _ = writeln!(out, "      {rip:#018x} (faulting instruction)");
    }
    let rsp = rsp & !7;
    let end = paging::readable_kernel_end(rsp).min(rsp.saturating_add(STACK_SCAN_BYTES));
    let mut shown = 0;
    let mut addr = rsp;
    while addr + 8 <= end && shown < MAX_TRACE_ENTRIES {
        // SAFETY: [rsp, end) lies in memory the kernel maps readable (checked above).
        let word = unsafe { core::ptr::read_volatile(addr as *const u64) };
        if in_text(word) {
            let _ = writeln!(out, "      {word:#018x}");
            shown += 1;
        }
        addr += 8;
    }
    if shown == 0 && !in_text(rip) {
        let _ = writeln!(out, "      (none found)");
    }
}
