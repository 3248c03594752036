//! What the precompiled `core` and `alloc` of the host target expect from a C library and
//! from `std`: the memory functions (from `kestrel-memfuncs`, shared with the kernel),
//! `strlen`, the panic handler, and the (never used: panics abort) unwinding symbols.
//!
//! `strlen` is a loop of volatile reads, so that the compiler cannot recognise it as the
//! idiom it implements and turn it back into a call to itself.

use core::sync::atomic::{AtomicBool, Ordering};

use kestrel_memfuncs as _;

/// # Safety
/// `s` must point to a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: the caller guarantees a terminator, so every byte up to it is readable.
    while unsafe { core::ptr::read_volatile(s.add(n)) } != 0 {
        n += 1;
    }
    n
}

static PANICKING: AtomicBool = AtomicBool::new(false);

/// Prints `NAME: panicked at FILE:LINE: MESSAGE` on stderr and exits with status 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if !PANICKING.swap(true, Ordering::Relaxed) {
        let name = crate::rt::program_name();
        match info.location() {
            Some(at) => crate::eprintln!("{name}: panicked at {at}: {}", info.message()),
            None => crate::eprintln!("{name}: panicked: {}", info.message()),
        }
    }
    crate::process::exit(101)
}

/// Referenced by the precompiled `alloc`; never called, since panics abort.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

/// Referenced by the precompiled `alloc`; never called, since panics abort.
#[unsafe(no_mangle)]
pub extern "C" fn _Unwind_Resume() -> ! {
    crate::process::exit(101)
}
