//! The kernel image's entry point and language items. Everything else is in the library.

#![no_std]
#![no_main]

/// Called by the boot stub (`arch::x86_64::boot`) with the boot protocol and the
/// physical address of the loader's information.
#[unsafe(no_mangle)]
pub extern "C" fn kernel_main(protocol: u32, info_paddr: u32) -> ! {
    kernel::start::start(protocol, info_paddr)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    kernel::arch::exception::panic(info)
}

/// Referenced by the precompiled `alloc`; never called, since panics abort.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

/// Referenced by the precompiled `alloc`; never called, since panics abort.
#[unsafe(no_mangle)]
pub extern "C" fn _Unwind_Resume() -> ! {
    kernel::arch::halt_forever()
}
