//! Addresses the linker script (`kernel/linker.ld`) defines for the kernel image.

unsafe extern "C" {
    static __kernel_phys_start: u8;
    static __kernel_phys_end: u8;
    static __kernel_text_start: u8;
    static __kernel_text_end: u8;
    static __kernel_rodata_start: u8;
    static __kernel_data_start: u8;
    static __kernel_virt_end: u8;
}

/// The physical range the whole image (boot stub included) occupies once loaded.
pub fn image_physical() -> (u64, u64) {
    (&raw const __kernel_phys_start as u64, &raw const __kernel_phys_end as u64)
}

/// Virtual range of the kernel's executable code.
pub fn text() -> (u64, u64) {
    (&raw const __kernel_text_start as u64, &raw const __kernel_text_end as u64)
}

/// Virtual start of the read-only data.
pub fn rodata_start() -> u64 {
    &raw const __kernel_rodata_start as u64
}

/// Virtual start of the writable data (`.data` then `.bss`).
pub fn data_start() -> u64 {
    &raw const __kernel_data_start as u64
}

/// One past the end of the image in the higher half.
pub fn virt_end() -> u64 {
    &raw const __kernel_virt_end as u64
}
