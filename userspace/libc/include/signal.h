/* signal.h (kestrel guest C runtime).
 *
 * ABI: Linux x86_64 signal numbers, sa_flags bits, sigprocmask `how` values and
 * siginfo_t layout. sigset_t is one 64-bit word (bit N-1 for signal N, signals 1..64),
 * which is the kernel's mask format.
 *
 * sigaction() always installs SA_RESTORER with the runtime's restorer (the kernel needs
 * it to return from a handler). Handlers are called as on Linux: an SA_SIGINFO handler
 * receives the signal's siginfo_t (si_code, and si_pid/si_uid, si_value, si_status or
 * si_addr as the sender gave them) and the interrupted context, Linux's ucontext (glibc's
 * ucontext_t layout, up to uc_sigmask), whose registers and mask come back when the
 * handler returns. SA_RESTART has no effect (interrupted calls fail with EINTR), stop
 * signals are ignored (no job control) and kill() takes positive pids only (EINVAL
 * otherwise: no process groups). Real-time signals (SIGRTMIN..SIGRTMAX) queue with their
 * values, at most 1024 per process (then sigqueue fails with EAGAIN). */
#ifndef _SIGNAL_H
#define _SIGNAL_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGIOT SIGABRT
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPOLL SIGIO
#define SIGPWR 30
#define SIGSYS 31
#define SIGRTMIN 34
#define SIGRTMAX 64
#define NSIG 65
#define _NSIG 65

typedef unsigned long sigset_t;
typedef int sig_atomic_t;
typedef void (*sighandler_t)(int);

#define SIG_ERR ((sighandler_t)-1)
#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_NOMASK SA_NODEFER
#define SA_ONESHOT SA_RESETHAND

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* si_code values. */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_MESGQ (-3) /* a message queue's mq_notify notice */
#define SI_TKILL (-6)
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define ILL_ILLOPC 1
#define ILL_ILLOPN 2
#define FPE_INTDIV 1

union sigval {
	int sival_int;
	void *sival_ptr;
};

/* pthread.h's attributes type, here because struct sigevent names it (glibc's signal.h
 * has it too). */
typedef struct {
	int __detach;
	int __pad0;
	size_t __stacksize;
	size_t __guardsize;
	void *__stackaddr;
	long __pad[3];
} pthread_attr_t;

/* How an event is reported (mq_notify): Linux's values and x86_64 layout, 64 bytes. */
#define SIGEV_SIGNAL 0 /* the signal sigev_signo with sigev_value */
#define SIGEV_NONE 1   /* nothing */
#define SIGEV_THREAD 2 /* a new thread calls sigev_notify_function(sigev_value) */

typedef struct sigevent {
	union sigval sigev_value; /* offset  0 */
	int sigev_signo;          /* offset  8 */
	int sigev_notify;         /* offset 12 */
	union {                   /* offset 16 */
		int _pad[12];
		pid_t _tid;
		struct {
			void (*_function)(union sigval);
			pthread_attr_t *_attribute;
		} _sigev_thread;
	} _sigev_un;
} sigevent_t;
#define sigev_notify_function _sigev_un._sigev_thread._function
#define sigev_notify_attributes _sigev_un._sigev_thread._attribute
#define sigev_notify_thread_id _sigev_un._tid

typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	int __si_pad0;
	union {
		struct {
			pid_t __pid;
			uid_t __uid;
			union {
				int __status;
				union sigval __value;
			} __u;
		} __proc;
		struct {
			void *__addr;
		} __fault;
		int __pad[28];
	} __si;
} siginfo_t;

#define si_pid __si.__proc.__pid
#define si_uid __si.__proc.__uid
#define si_status __si.__proc.__u.__status
#define si_value __si.__proc.__u.__value
#define si_addr __si.__fault.__addr
#define si_int si_value.sival_int
#define si_ptr si_value.sival_ptr

struct sigaction {
	union {
		void (*sa_handler)(int);
		void (*sa_sigaction)(int, siginfo_t *, void *);
	} __sa_handler;
	sigset_t sa_mask;
	int sa_flags;
	void (*sa_restorer)(void);
};
#define sa_handler __sa_handler.sa_handler
#define sa_sigaction __sa_handler.sa_sigaction

sighandler_t signal(int signo, sighandler_t handler);
int sigaction(int signo, const struct sigaction *restrict act, struct sigaction *restrict old);
int kill(pid_t pid, int signo);
int raise(int signo);
int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old);
int sigpending(sigset_t *set);
int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int signo);
int sigdelset(sigset_t *set, int signo);
int sigismember(const sigset_t *set, int signo);
void psignal(int signo, const char *s);

struct timespec;
int sigsuspend(const sigset_t *mask);
int sigwait(const sigset_t *restrict set, int *restrict sig);
int sigwaitinfo(const sigset_t *restrict set, siginfo_t *restrict info);
int sigtimedwait(const sigset_t *restrict set, siginfo_t *restrict info, const struct timespec *restrict timeout);
int sigqueue(pid_t pid, int signo, const union sigval value);

#ifdef __cplusplus
}
#endif

#endif /* _SIGNAL_H */
