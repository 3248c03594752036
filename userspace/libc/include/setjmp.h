/* setjmp.h (kestrel guest C runtime): non-local jumps. sigsetjmp(env, 1) also saves the
 * signal mask and siglongjmp restores it, so a handler can jump out of itself; plain
 * setjmp/longjmp leave the mask alone (as glibc's do). */
#ifndef _SETJMP_H
#define _SETJMP_H

#ifdef __cplusplus
extern "C" {
#endif

/* rbx, rbp, r12, r13, r14, r15, rsp, rip; then the saved mask, if any. */
typedef struct {
	unsigned long __regs[8];
	int __mask_saved;
	unsigned long __mask;
} jmp_buf[1], sigjmp_buf[1];

int setjmp(jmp_buf env) __attribute__((__returns_twice__));
int _setjmp(jmp_buf env) __attribute__((__returns_twice__));
__attribute__((__noreturn__)) void longjmp(jmp_buf env, int value);
__attribute__((__noreturn__)) void _longjmp(jmp_buf env, int value);
int sigsetjmp(sigjmp_buf env, int save_mask) __attribute__((__returns_twice__));
__attribute__((__noreturn__)) void siglongjmp(sigjmp_buf env, int value);

#ifdef __cplusplus
}
#endif

#endif /* _SETJMP_H */
