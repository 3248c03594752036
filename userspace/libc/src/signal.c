/* signal.c: actions, masks and abort. Every handler gets SA_RESTORER with
 * __kestrel_sigrestore (sigrestore.S), which the kernel requires.
 *
 * The kernel calls a handler with the signal number alone (rsi and rdx are 0), so an
 * SA_SIGINFO handler is installed behind a trampoline that builds a siginfo_t with
 * si_signo set (si_code SI_USER, everything else zero) and passes a NULL context. The
 * user's handler is kept in siginfo_handlers, which fork copies with the rest of the
 * memory and exec discards with the old image, just as the kernel copies and resets the
 * actions. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The kernel's struct sigaction (Linux's kernel_sigaction on x86_64). */
struct kernel_sigaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	unsigned long mask;
};

static void (*siginfo_handlers[NSIG])(int, siginfo_t *, void *);

static void siginfo_trampoline(int signo)
{
	siginfo_t info;
	memset(&info, 0, sizeof info);
	info.si_signo = signo;
	info.si_code = SI_USER;
	if (signo > 0 && signo < NSIG && siginfo_handlers[signo])
		siginfo_handlers[signo](signo, &info, NULL);
}

int sigaction(int signo, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	if (signo < 1 || signo >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	struct kernel_sigaction knew, kold = {0, 0, 0, 0};
	void (*prev_info)(int, siginfo_t *, void *) = siginfo_handlers[signo];
	if (act) {
		knew.handler = (unsigned long)act->sa_handler;
		knew.flags = (unsigned int)act->sa_flags | SA_RESTORER;
		knew.restorer = (unsigned long)__kestrel_sigrestore;
		knew.mask = act->sa_mask;
		if ((act->sa_flags & SA_SIGINFO) && act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN) {
			siginfo_handlers[signo] = act->sa_sigaction;
			knew.handler = (unsigned long)siginfo_trampoline;
		}
	}
	long r = __kestrel_ret(__kestrel_syscall3(KESTREL_SYS_SIGACTION, (unsigned long)signo,
						  act ? (unsigned long)&knew : 0, (unsigned long)&kold));
	if (r < 0) {
		siginfo_handlers[signo] = prev_info;
		return -1;
	}
	if (old) {
		memset(old, 0, sizeof *old);
		if (kold.handler == (unsigned long)siginfo_trampoline)
			old->sa_sigaction = prev_info;
		else
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
