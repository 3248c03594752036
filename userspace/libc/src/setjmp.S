/* setjmp.S: setjmp/longjmp. The buffer holds the callee-saved registers, the stack
 * pointer of the caller (as it is after setjmp returns) and the return address. */
	.text
	.globl setjmp, _setjmp, __kestrel_setjmp_regs
	.type setjmp, @function
	.type _setjmp, @function
setjmp:
_setjmp:
	movl $0, 64(%rdi) /* __mask_saved = 0 */
__kestrel_setjmp_regs:
	mov %rbx, 0(%rdi)
	mov %rbp, 8(%rdi)
	mov %r12, 16(%rdi)
	mov %r13, 24(%rdi)
	mov %r14, 32(%rdi)
	mov %r15, 40(%rdi)
	lea 8(%rsp), %rdx /* the caller's rsp after the return */
	mov %rdx, 48(%rdi)
	mov (%rsp), %rdx /* the return address */
	mov %rdx, 56(%rdi)
	xor %eax, %eax
	ret
	.size setjmp, . - setjmp

	.globl longjmp, _longjmp, __kestrel_longjmp_regs
	.type longjmp, @function
	.type _longjmp, @function
longjmp:
_longjmp:
__kestrel_longjmp_regs:
	mov %esi, %eax
	test %eax, %eax
	jnz 1f
	inc %eax /* longjmp(env, 0) makes setjmp return 1 */
1:	mov 0(%rdi), %rbx
	mov 8(%rdi), %rbp
	mov 16(%rdi), %r12
	mov 24(%rdi), %r13
	mov 32(%rdi), %r14
	mov 40(%rdi), %r15
	mov 48(%rdi), %rsp
	jmp *56(%rdi)
	.size longjmp, . - longjmp

	/* sigsetjmp(env, save): a tail call would lose the return address, so the registers
	 * are saved here, then the mask by C code (__kestrel_save_mask), which cannot
	 * disturb what was saved. */
	.globl sigsetjmp
	.type sigsetjmp, @function
sigsetjmp:
	mov %esi, 64(%rdi) /* __mask_saved */
	push %rdi
	call __kestrel_save_mask /* rdi: env; saves the mask if asked */
	pop %rdi
	jmp __kestrel_setjmp_regs
	.size sigsetjmp, . - sigsetjmp

	.section .note.GNU-stack, "", @progbits
