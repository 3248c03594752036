/* signal.c: actions, masks, waiting for signals, sigqueue and abort. Every handler gets
 * SA_RESTORER with __kestrel_sigrestore (sigrestore.S), which the kernel requires.
 *
 * The kernel calls every handler as Linux does, with the signal number, its siginfo_t
 * and the interrupted ucontext, so an SA_SIGINFO handler is installed as it is. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The kernel's struct sigaction (Linux's kernel_sigaction on x86_64). */
struct kernel_sigaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	unsigned long mask;
};

int sigaction(int signo, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	if (signo < 1 || signo >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	struct kernel_sigaction knew, kold = {0, 0, 0, 0};
	if (act) {
		knew.handler = (unsigned long)act->sa_handler;
		knew.flags = (unsigned int)act->sa_flags | SA_RESTORER;
		knew.restorer = (unsigned long)__kestrel_sigrestore;
		knew.mask = act->sa_mask;
	}
	long r = __kestrel_ret(__kestrel_syscall3(KESTREL_SYS_SIGACTION, (unsigned long)signo,
						  act ? (unsigned long)&knew : 0, (unsigned long)&kold));
	if (r < 0)
		return -1;
	if (old) {
		memset(old, 0, sizeof *old);
		old->sa_handler = (void (*)(int))kold.handler;
		old->sa_flags = (int)kold.flags;
		old->sa_mask = kold.mask;
		old->sa_restorer = (void (*)(void))kold.restorer;
	}
	return 0;
}

sighandler_t signal(int signo, sighandler_t handler)
{
	/* BSD semantics, as glibc's signal(): the handler stays installed, the signal is
	 * blocked while it runs, and SA_RESTART is asked for (it has no effect here). */
	struct sigaction act, old;
	memset(&act, 0, sizeof act);
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	if (sigaction(signo, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) {
		errno = EINVAL;
		return -1;
	}
	sigset_t prev = 0;
	long r = __kestrel_ret(__kestrel_syscall3(KESTREL_SYS_SIGPROCMASK, (unsigned long)(set ? how : SIG_BLOCK),
						  (unsigned long)set, (unsigned long)&prev));
	if (r < 0)
		return -1;
	if (old)
		*old = prev;
	return 0;
}

int sigpending(sigset_t *set)
{
	return (int)__kestrel_ret(__kestrel_syscall1(KESTREL_SYS_SIGPENDING, (unsigned long)set));
}

int sigsuspend(const sigset_t *mask)
{
	/* The kernel keeps the old mask for the way back (restored after the handler). */
	return (int)__kestrel_ret(__kestrel_syscall1(KESTREL_SYS_SIGSUSPEND, (unsigned long)mask));
}

int sigtimedwait(const sigset_t *restrict set, siginfo_t *restrict info, const struct timespec *restrict timeout)
{
	/* struct timespec is converted to the kernel's TimeSpec (i32 nanoseconds), checked
	 * first as the kernel would: EINVAL for a negative time or nanoseconds out of range. */
	struct kestrel_timespec k;
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000L) {
			errno = EINVAL;
			return -1;
		}
		k.tv_sec = timeout->tv_sec;
		k.tv_nsec = (int32_t)timeout->tv_nsec;
		k.__pad = 0;
	}
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_SIGTIMEDWAIT, (unsigned long)set,
						     (unsigned long)info, timeout ? (unsigned long)&k : 0));
}

int sigwaitinfo(const sigset_t *restrict set, siginfo_t *restrict info)
{
	return sigtimedwait(set, info, NULL);
}

int sigwait(const sigset_t *restrict set, int *restrict sig)
{
	/* As glibc: a handler that interrupts the wait does not end it (POSIX has no EINTR
	 * for sigwait); the error is returned, not put in errno. */
	int saved = errno, r;
	do
		r = sigtimedwait(set, NULL, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = errno;
		errno = saved;
		return r;
	}
	errno = saved;
	*sig = r;
	return 0;
}

int sigqueue(pid_t pid, int signo, const union sigval value)
{
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_SIGQUEUE, (unsigned long)(long)pid,
						     (unsigned long)(long)signo, (unsigned long)value.sival_ptr));
}

int sigemptyset(sigset_t *set)
{
	*set = 0;
	return 0;
}

int sigfillset(sigset_t *set)
{
	*set = ~0UL;
	return 0;
}

static int bad_signo(int signo)
{
	if (signo < 1 || signo >= NSIG) {
		errno = EINVAL;
		return 1;
	}
	return 0;
}

int sigaddset(sigset_t *set, int signo)
{
	if (bad_signo(signo))
		return -1;
	*set |= 1UL << (signo - 1);
	return 0;
}

int sigdelset(sigset_t *set, int signo)
{
	if (bad_signo(signo))
		return -1;
	*set &= ~(1UL << (signo - 1));
	return 0;
}

int sigismember(const sigset_t *set, int signo)
{
	if (bad_signo(signo))
		return -1;
	return (*set >> (signo - 1)) & 1;
}

void abort(void)
{
	/* As glibc: unblock SIGABRT and raise it; if a handler returns (or the signal is
	 * ignored), restore the default action and raise it again, so that the process dies
	 * by SIGABRT. Streams are not flushed. */
	sigset_t set = 1UL << (SIGABRT - 1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGABRT);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGABRT, &dfl, NULL);
	raise(SIGABRT);
	_exit(127);
}

/* sigsetjmp/siglongjmp's mask handling (setjmp.S does the registers). */

void __kestrel_longjmp_regs(sigjmp_buf env, int value) __attribute__((__noreturn__));

__attribute__((__used__)) void __kestrel_save_mask(sigjmp_buf env)
{
	if (env->__mask_saved)
		sigprocmask(SIG_BLOCK, NULL, &env->__mask);
}

void siglongjmp(sigjmp_buf env, int value)
{
	if (env->__mask_saved)
		sigprocmask(SIG_SETMASK, &env->__mask, NULL);
	__kestrel_longjmp_regs(env, value);
}
