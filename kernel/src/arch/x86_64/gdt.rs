//! The global descriptor table and the task state segment.
//!
//! Selector layout is fixed by `syscall`/`sysret`: kernel code, kernel data, then user
//! data before user code (sysret loads SS from STAR+8 and CS from STAR+16), then the TSS.
//! The TSS gives double fault, NMI and machine check their own IST stacks so that a
//! broken kernel stack still produces a report, and `#NM` one so that the lazy FPU save
//! never writes over the red zone of the kernel code it interrupts.

use core::cell::UnsafeCell;

use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

/// Kernel code selector.
pub const KERNEL_CS: u16 = 0x08;
/// Kernel data selector.
pub const KERNEL_DS: u16 = 0x10;
/// User data selector (RPL 3).
pub const USER_DS: u16 = 0x18 | 3;
/// User code selector (RPL 3).
pub const USER_CS: u16 = 0x20 | 3;

/// IST slot (1-based in the IDT, 0-based here) of each critical exception's stack.
pub const IST_DOUBLE_FAULT: u16 = 0;
/// IST slot for NMI.
pub const IST_NMI: u16 = 1;
/// IST slot for machine check.
pub const IST_MACHINE_CHECK: u16 = 2;
/// IST slot for `#NM`, the lazy FPU save (raised by kernel code that may use the red zone).
pub const IST_DEVICE_NOT_AVAILABLE: u16 = 3;

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct IstStack([u8; IST_STACK_SIZE]);

static mut IST_STACKS: [IstStack; 4] = [const { IstStack([0; IST_STACK_SIZE]) }; 4];

/// The boot CPU's TSS: written at init and on context switches (RSP0), read by the CPU
/// on privilege changes. Only the boot CPU writes it, with interrupts disabled, so no
/// two writers ever race. (Each AP has one of its own, from `init_ap`.)
struct TssCell(UnsafeCell<TaskStateSegment>);

// SAFETY: see the type's documentation: one writing CPU, with interrupts disabled.
unsafe impl Sync for TssCell {}

static TSS: TssCell = TssCell(UnsafeCell::new(TaskStateSegment::new()));
static GDT: Once<GlobalDescriptorTable> = Once::new();

/// Loads the GDT, reloads the segment registers, and loads the TSS.
pub fn init() {
    let tss = TSS.0.get();
    for (slot, index) in
        [IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK, IST_DEVICE_NOT_AVAILABLE].into_iter().enumerate()
    {
        let base = &raw const IST_STACKS as u64 + (slot * IST_STACK_SIZE) as u64;
        // SAFETY: init runs once, before interrupts are enabled; nothing else holds the TSS.
        unsafe { (*tss).interrupt_stack_table[usize::from(index)] = VirtAddr::new(base + IST_STACK_SIZE as u64) };
    }
    super::percpu::this().tss.store(tss as u64, core::sync::atomic::Ordering::Relaxed);
    // SAFETY: TSS is a static that lives forever; the CPU is its only other reader.
    let gdt = GDT.call_once(|| table_with(unsafe { &*tss }));
    load(gdt);
}

/// A GDT in the layout the selectors above name, with `tss` last.
fn table_with(tss: &'static TaskStateSegment) -> GlobalDescriptorTable {
    let mut gdt = GlobalDescriptorTable::new();
    gdt.append(Descriptor::kernel_code_segment());
    gdt.append(Descriptor::kernel_data_segment());
    gdt.append(Descriptor::user_data_segment());
    gdt.append(Descriptor::user_code_segment());
    gdt.append(Descriptor::tss_segment(tss));
    gdt
}

/// Loads `gdt` (built by `table_with`), reloads the segment registers and loads its TSS.
fn load(gdt: &'static GlobalDescriptorTable) {
    gdt.load();
    // SAFETY: the selectors name the descriptors `table_with` appended, in that order.
    unsafe {
        CS::set_reg(SegmentSelector(KERNEL_CS));
        SS::set_reg(SegmentSelector(KERNEL_DS));
        DS::set_reg(SegmentSelector(KERNEL_DS));
        ES::set_reg(SegmentSelector(KERNEL_DS));
        load_tss(SegmentSelector(0x28));
    }
}

/// Gives an application processor a GDT and TSS of its own, with its own IST stacks, in
/// the same layout as the boot CPU's, and loads them. They live for good (a CPU is never
/// taken offline).
pub fn init_ap() {
    let mut tss = TaskStateSegment::new();
    for index in [IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK, IST_DEVICE_NOT_AVAILABLE] {
        let stack: &'static mut [u8] = alloc::vec::Vec::leak(alloc::vec![0; IST_STACK_SIZE]);
        let top = (stack.as_ptr() as u64 + IST_STACK_SIZE as u64) & !15;
        tss.interrupt_stack_table[usize::from(index)] = VirtAddr::new(top);
    }
    let tss: &'static mut TaskStateSegment = alloc::boxed::Box::leak(alloc::boxed::Box::new(tss));
    let tss_ptr: *mut TaskStateSegment = tss;
    super::percpu::this().tss.store(tss_ptr as u64, core::sync::atomic::Ordering::Relaxed);
    // SAFETY: the TSS lives for good; from here on the CPU and `set_kernel_stack` (on
    // this CPU, interrupts disabled) are its only users.
    let tss: &'static TaskStateSegment = unsafe { &*tss_ptr };
    load(alloc::boxed::Box::leak(alloc::boxed::Box::new(table_with(tss))));
}

/// Sets the stack the CPU switches to on an interrupt from user mode.
pub fn set_kernel_stack(top: u64) {
    let tss = super::percpu::this().tss.load(core::sync::atomic::Ordering::Relaxed) as *mut TaskStateSegment;
    // SAFETY: `tss` is this CPU's own TSS (`init` or `init_ap` recorded it), which no
    // other CPU writes; interrupts are disabled, and the CPU reads RSP0 only when an
    // interrupt arrives, which cannot happen during this write.
    unsafe { (*tss).privilege_stack_table[0] = VirtAddr::new(top) };
}
