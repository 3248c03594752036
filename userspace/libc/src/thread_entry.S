/* thread_entry.S: where a thread made by pthread_create starts. The kernel enters it
 * with rdi = the thread's struct __pthread and rsp = the top of its stack (the thread's
 * TLS block and TCB sit above it); it clears the frame pointer (the end of backtraces),
 * aligns the stack as a call expects and calls __kestrel_thread_main (pthread.c), which
 * never returns. */
	.text
	.globl __kestrel_thread_entry
	.hidden __kestrel_thread_entry
	.type __kestrel_thread_entry, @function
__kestrel_thread_entry:
	xor %ebp, %ebp
	and $-16, %rsp
	call __kestrel_thread_main
	ud2
	.size __kestrel_thread_entry, . - __kestrel_thread_entry

	.section .note.GNU-stack, "", @progbits
