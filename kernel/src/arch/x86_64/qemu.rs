//! QEMU's `isa-debug-exit` device, the default end of a run (`end=exit`; `power` chooses),
//! and the result codes every end reports.
//!
//! QEMU exits with status `(value << 1) | 1`, so the kernel's success is status 33 and
//! its failure 35; the host runner maps those back to 0 and 1. A triple fault (QEMU exits
//! 0 under `-no-reboot`) is therefore never mistaken for success.

use x86_64::instructions::port::Port;

const DEBUG_EXIT_PORT: u16 = 0xf4;

/// How the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ExitCode {
    /// Everything that ran passed: QEMU status 33.
    Success = 0x10,
    /// A test failed or the kernel hit a fatal error: QEMU status 35.
    Failure = 0x11,
}

/// Ends the run. Under QEMU with the exit device this does not return; elsewhere the
/// port write does nothing and the CPU halts.
pub fn exit(code: ExitCode) -> ! {
    // SAFETY: port 0xf4 is the isa-debug-exit device under QEMU, and unused on PCs.
    unsafe { Port::<u32>::new(DEBUG_EXIT_PORT).write(code as u32) };
    super::halt_forever()
}
