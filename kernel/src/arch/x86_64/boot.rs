//! The first instructions: the multiboot2 header, the PVH ELF note, and the 32-bit entry
//! code that both boot protocols jump to.
//!
//! Both protocols enter in 32-bit protected mode with paging off. The stub records which
//! protocol it was and where the boot information lies, zeroes its own page tables, maps
//! the first 4 GiB three times (identity, direct map at `PHYS_OFFSET`, and the top 2 GiB
//! where the kernel is linked) with 2 MiB pages, enables SSE (the precompiled `core`
//! uses it), long mode and NX when the CPU has it, and jumps to `kernel_entry64` in the
//! higher half. There it zeroes `.bss`, takes the boot stack and calls `kernel_main`.

use core::arch::global_asm;

/// Size of the stack `kernel_main` starts on.
pub const BOOT_STACK_SIZE: usize = 64 * 1024;

/// The boot protocol the kernel was entered through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootProtocol {
    /// Xen PVH start info (QEMU `-kernel`).
    Pvh,
    /// Multiboot2 information (GRUB).
    Multiboot2,
}

impl BootProtocol {
    /// Decodes the value the entry stub passes in `edi`.
    pub fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            1 => Some(Self::Pvh),
            2 => Some(Self::Multiboot2),
            _ => None,
        }
    }
}

global_asm!(
    r#"
    .set MB2_MAGIC, 0xe85250d6
    .set MB2_BOOT_MAGIC, 0x36d76289
    .set KERNEL_VIRT_OFFSET, 0xffffffff80000000

    .section .multiboot2_header, "a"
    .balign 8
mb2_header_start:
    .long MB2_MAGIC
    .long 0
    .long mb2_header_end - mb2_header_start
    .long 0x100000000 - (MB2_MAGIC + (mb2_header_end - mb2_header_start))
    /* Framebuffer request (tag 5), optional (flags bit 0), no preferred width, height or
       depth: GRUB sets its "auto" mode, or the one `gfxpayload` names, through VBE or GOP,
       and reports it in information tag 8 (GRUB 2.06 under SeaBIOS: 1280x800x32 by
       default, 800x600x24 with `gfxpayload=text`). A loader that leaves EGA text reports
       that instead, and the kernel draws on it too (see `screen`). */
    .balign 8
    .word 5
    .word 1
    .long 20
    .long 0
    .long 0
    .long 0
    .balign 8
    .word 0
    .word 0
    .long 8
mb2_header_end:

    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 4
    .long 18
    .asciz "Xen"
    .balign 4
    .long pvh_entry
    .balign 4

    .section .boot.data, "aw"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff
    .quad 0x00cf92000000ffff
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt
boot_protocol:
    .long 0
boot_info_paddr:
    .long 0

    .section .boot.bss, "aw", @nobits
    .balign 4096
    /* Global: application processors come up through these tables too (smp.rs). */
    .global boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt_low:
    .skip 4096
boot_pdpt_high:
    .skip 4096
boot_pd:
    .skip 4 * 4096
boot_stack32:
    .skip 4096
boot_stack32_top:

    .section .boot.text, "ax"
    .code32
    .global pvh_entry
pvh_entry:
    cli
    movl $1, boot_protocol
    movl %ebx, boot_info_paddr
    jmp boot32_common

    .global multiboot2_entry
multiboot2_entry:
    cli
    movl $0, boot_protocol
    cmpl $MB2_BOOT_MAGIC, %eax
    jne .Lunknown_protocol
    movl $2, boot_protocol
.Lunknown_protocol:
    movl %ebx, boot_info_paddr

boot32_common:
    cld
    movl $__boot_bss_start, %edi
    movl $__boot_bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movl $boot_stack32_top, %esp

    /* PML4: [0] identity, [256] direct map, both through boot_pdpt_low; [511] the kernel. */
    movl $boot_pdpt_low, %eax
    orl $3, %eax
    movl %eax, boot_pml4
    movl %eax, boot_pml4 + 256 * 8
    movl $boot_pdpt_high, %eax
    orl $3, %eax
    movl %eax, boot_pml4 + 511 * 8

    /* boot_pdpt_low[0..4] -> the four page directories; boot_pdpt_high[510] -> the first. */
    xorl %ecx, %ecx
.Lfill_pdpt:
    movl %ecx, %eax
    shll $12, %eax
    addl $boot_pd, %eax
    orl $3, %eax
    movl %eax, boot_pdpt_low(, %ecx, 8)
    incl %ecx
    cmpl $4, %ecx
    jb .Lfill_pdpt
    movl $boot_pd, %eax
    orl $3, %eax
    movl %eax, boot_pdpt_high + 510 * 8

    /* 2048 page directory entries of 2 MiB: present, writable, huge. */
    xorl %ecx, %ecx
.Lfill_pd:
    movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax
    movl %eax, boot_pd(, %ecx, 8)
    incl %ecx
    cmpl $2048, %ecx
    jb .Lfill_pd

    movl $boot_pml4, %eax
    movl %eax, %cr3

    /* CR4: PAE, OSFXSR, OSXMMEXCPT. */
    movl %cr4, %eax
    orl $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    movl %eax, %cr4

    /* EFER: LME, and NXE when CPUID says the CPU has NX. */
    movl $0x80000001, %eax
    cpuid
    xorl %esi, %esi
    btl $20, %edx
    jnc .Lno_nx
    movl $(1 << 11), %esi
.Lno_nx:
    movl $0xc0000080, %ecx
    rdmsr
    orl $(1 << 8), %eax
    orl %esi, %eax
    wrmsr

    /* CR0: PE, MP, WP, PG; clear EM so SSE instructions do not trap. */
    movl %cr0, %eax
    andl $~(1 << 2), %eax
    orl $((1 << 31) | (1 << 16) | (1 << 1) | 1), %eax
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $boot64_low

    .code64
boot64_low:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movl boot_protocol, %edi
    movl boot_info_paddr, %esi
    movabsq $kernel_entry64, %rax
    jmp *%rax

    .section .text.kernel_entry64, "ax"
    .global kernel_entry64
kernel_entry64:
    /* Zero .bss without touching the stack; edi and esi carry the boot arguments. */
    movl %edi, %r12d
    movl %esi, %r13d
    leaq __bss_start(%rip), %rdi
    leaq __bss_end(%rip), %rcx
    subq %rdi, %rcx
    xorl %eax, %eax
    rep stosb
    fninit
    leaq {stack}(%rip), %rsp
    addq ${stack_size}, %rsp
    xorl %ebp, %ebp
    movl %r12d, %edi
    movl %r13d, %esi
    call kernel_main
.Lhalt_forever:
    cli
    hlt
    jmp .Lhalt_forever
"#,
    stack = sym BOOT_STACK,
    stack_size = const BOOT_STACK_SIZE,
    options(att_syntax)
);

/// The stack `kernel_main` runs on until the scheduler gives each thread its own.
#[repr(C, align(16))]
struct BootStack([u8; BOOT_STACK_SIZE]);

static mut BOOT_STACK: BootStack = BootStack([0; BOOT_STACK_SIZE]);

/// Top of the boot stack (the idle thread's kernel stack).
pub fn boot_stack_top() -> u64 {
    &raw const BOOT_STACK as u64 + BOOT_STACK_SIZE as u64
}
