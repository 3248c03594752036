/* c_signal: signal handlers (signal, sigaction, SA_SIGINFO, SA_RESETHAND), raise and
 * kill, the signal mask (sigprocmask, sigpending), sigset_t operations, deaths by
 * signal (SIGTERM, SIGKILL, abort, assert), and sleeps interrupted by signals. */
#include <assert.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t usr1_count, usr2_count, term_count, last_signo, info_signo, info_code;

static void on_usr1(int signo)
{
	usr1_count++;
	last_signo = signo;
}

static void on_usr2(int signo)
{
	(void)signo;
	usr2_count++;
}

static void on_term(int signo)
{
	(void)signo;
	term_count++;
}

static void on_info(int signo, siginfo_t *info, void *context)
{
	(void)context;
	info_signo = info ? info->si_signo : -1;
	info_code = info ? info->si_code : -1;
	last_signo = signo;
}

static sigjmp_buf fault_jump;
static int *volatile unmapped = (int *)16; /* page 0 is never mapped */
static volatile sig_atomic_t segv_count;

static void on_segv(int signo)
{
	(void)signo;
	segv_count++;
	siglongjmp(fault_jump, 7);
}

/* Uses the registers and the stack heavily, so that a handler that corrupted the
 * interrupted state would show. */
static double work(int n)
{
	double acc = 0;
	for (int i = 1; i <= n; i++)
		acc += 1.0 / i;
	return acc;
}

static int child_status(pid_t pid)
{
	int status = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

int main(void)
{
	/* signal() and raise(): the handler runs before raise returns. */
	CHECK(signal(SIGUSR1, on_usr1) == SIG_DFL);
	double before = work(1000);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(usr1_count == 1 && last_signo == SIGUSR1);
	CHECK(work(1000) == before);
	CHECK(signal(SIGUSR1, on_usr1) == on_usr1);

	/* kill() of oneself. */
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(usr1_count == 2);
	CHECK(kill(getpid(), 0) == 0);
	CHECK(usr1_count == 2);

	/* sigaction: the old action comes back; the handler's mask is applied. */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr2;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	CHECK(sigaction(SIGUSR2, &sa, &old) == 0);
	CHECK(old.sa_handler == SIG_DFL);
	CHECK(sigaction(SIGUSR2, NULL, &old) == 0);
	CHECK(old.sa_handler == on_usr2 && old.sa_mask == (1UL << (SIGUSR1 - 1)));
	CHECK(raise(SIGUSR2) == 0);
	CHECK(usr2_count == 1);

	/* SA_SIGINFO handlers get a siginfo_t with the signal number. */
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGHUP, &sa, NULL) == 0);
	CHECK(raise(SIGHUP) == 0);
	CHECK(info_signo == SIGHUP && info_code == SI_USER && last_signo == SIGHUP);
	CHECK(sigaction(SIGHUP, NULL, &old) == 0);
	CHECK(old.sa_sigaction == on_info && (old.sa_flags & SA_SIGINFO));

	/* SA_RESETHAND: the handler runs once, then the default action is back. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sa.sa_flags = SA_RESETHAND;
	CHECK(sigaction(SIGTERM, &sa, NULL) == 0);
	CHECK(raise(SIGTERM) == 0);
	CHECK(term_count == 1);
	CHECK(sigaction(SIGTERM, NULL, &old) == 0 && old.sa_handler == SIG_DFL);

	/* sigset_t operations. */
	sigset_t set;
	CHECK(sigemptyset(&set) == 0 && set == 0);
	CHECK(sigaddset(&set, SIGINT) == 0 && sigismember(&set, SIGINT) == 1);
	CHECK(sigismember(&set, SIGQUIT) == 0);
	CHECK(sigaddset(&set, 64) == 0 && sigismember(&set, 64) == 1);
	CHECK(sigdelset(&set, SIGINT) == 0 && sigismember(&set, SIGINT) == 0);
	CHECK(sigfillset(&set) == 0 && sigismember(&set, SIGTERM) == 1);
	CHECK_ERRNO(sigaddset(&set, 0), -1, EINVAL);
	CHECK_ERRNO(sigaddset(&set, 65), -1, EINVAL);
	CHECK_ERRNO(sigismember(&set, -1), -1, EINVAL);

	/* sigprocmask blocks: a raised signal waits in sigpending until unblocked. */
	sigset_t block, prev, pending;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &block, &prev) == 0);
	CHECK(sigismember(&prev, SIGUSR1) == 0);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(usr1_count == 2);
	CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1) == 1);
	sigset_t now;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0 && sigismember(&now, SIGUSR1) == 1);
	CHECK(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
	CHECK(usr1_count == 3);
	CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1) == 0);
	CHECK(sigprocmask(SIG_SETMASK, &prev, NULL) == 0);
	CHECK_ERRNO(sigprocmask(99, &block, NULL), -1, EINVAL);

	/* SIGKILL can be neither caught nor blocked. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	CHECK_ERRNO(sigaction(SIGKILL, &sa, NULL), -1, EINVAL);
	CHECK_ERRNO(sigaction(0, &sa, NULL), -1, EINVAL);
	CHECK(signal(SIGKILL, on_usr1) == SIG_ERR);

	/* An ignored signal does nothing. */
	CHECK(signal(SIGUSR2, SIG_IGN) == on_usr2);
	CHECK(raise(SIGUSR2) == 0 && usr2_count == 1);

	/* A child killed by SIGTERM is WIFSIGNALED with WTERMSIG SIGTERM. */
	pid_t child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	CHECK(child > 0);
	CHECK(kill(child, SIGTERM) == 0);
	int status = child_status(child);
	printf("SIGTERM child: status %#x\n", status);
	CHECK(WIFSIGNALED(status) && !WIFEXITED(status) && WTERMSIG(status) == SIGTERM);

	/* The same with SIGKILL. */
	child = fork();
	if (child == 0) {
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	CHECK(kill(child, SIGKILL) == 0);
	status = child_status(child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* A child's handler (inherited through fork) runs on a signal from its parent. */
	child = fork();
	if (child == 0) {
		usr1_count = 0;
		while (usr1_count == 0)
			pause();
		_exit(usr1_count == 1 ? 0 : 1);
	}
	struct timespec tick = {0, 20 * 1000 * 1000};
	nanosleep(&tick, NULL);
	CHECK(kill(child, SIGUSR1) == 0);
	status = child_status(child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* abort() kills with SIGABRT, even past a handler that returns. */
	child = fork();
	if (child == 0) {
		signal(SIGABRT, on_usr1);
		abort();
	}
	status = child_status(child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);

	/* A failed assert() reports on stderr and aborts. */
	child = fork();
	if (child == 0) {
		int two = 2;
		assert(two == 3);
		_exit(0);
	}
	status = child_status(child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);

	/* A signal ends a sleep early: nanosleep fails with EINTR and the time left. */
	signal(SIGUSR1, on_usr1);
	pid_t parent = getpid();
	child = fork();
	if (child == 0) {
		nanosleep(&tick, NULL);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	int count = usr1_count;
	struct timespec longer = {5, 0}, rem = {0, 0};
	errno = 0;
	int r = nanosleep(&longer, &rem);
	CHECK(r == -1 && errno == EINTR);
	CHECK(usr1_count == count + 1);
	CHECK(rem.tv_sec > 0 && rem.tv_sec <= 5 && rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000);
	child_status(child);

	/* setjmp/longjmp, and a jump out of a SIGSEGV handler (with the mask restored, so
	 * that a second fault is caught as well). */
	jmp_buf env;
	volatile int jumps = 0;
	int got = setjmp(env);
	if (got == 0) {
		jumps++;
		longjmp(env, 0);
	}
	CHECK(got == 1 && jumps == 1);
	CHECK(signal(SIGSEGV, on_segv) != SIG_ERR);
	for (volatile int i = 0; i < 2; i++) {
		int landed = sigsetjmp(fault_jump, 1);
		if (landed == 0)
			*unmapped = 1;
		CHECK(landed == 7 && segv_count == i + 1);
		sigset_t mask;
		CHECK(sigprocmask(SIG_BLOCK, NULL, &mask) == 0 && !sigismember(&mask, SIGSEGV));
	}
	signal(SIGSEGV, SIG_DFL);

	/* kill() refusals. */
	CHECK_ERRNO(kill(getpid(), 65), -1, EINVAL);
	CHECK_ERRNO(kill(-1, SIGTERM), -1, EINVAL); /* no process groups here */

	return check_summary("c_signal");
}
