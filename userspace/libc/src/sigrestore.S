/* sigrestore.S: the return address of every signal handler (sa_restorer).
 *
 * A handler returns here with rsp just past its return address, at the signal frame
 * the kernel saved; SYS_SIGRETURN finds the frame from rsp and restores the interrupted
 * registers, FPU state and mask. Nothing may be pushed or popped before the syscall. */
	.text
	.globl __kestrel_sigrestore
	.type __kestrel_sigrestore, @function
__kestrel_sigrestore:
	mov $0x4b03, %eax /* SYS_SIGRETURN */
	syscall
	ud2
	.size __kestrel_sigrestore, . - __kestrel_sigrestore

	.section .note.GNU-stack, "", @progbits
