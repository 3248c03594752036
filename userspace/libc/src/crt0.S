/* crt0.S: the ELF entry point of a kestrel C program.
 *
 * The kernel enters _start with the System V initial stack at rsp (16-byte aligned):
 * argc, the argv pointers and a NULL, the envp pointers and a NULL, then the auxv pairs
 * ending with (0, 0) (see userspace/src/rt.rs). _start clears the frame pointer (the
 * end of backtraces), hands that stack pointer to __kestrel_start (start.c) and aligns
 * rsp as a call expects. __kestrel_start runs main and exits; it never returns. */
	.text
	.globl _start
	.type _start, @function
_start:
	xor %ebp, %ebp
	mov %rsp, %rdi
	and $-16, %rsp
	call __kestrel_start
	ud2
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
