/* c_sigcpu: signals to threads that compute without making system calls, as on a
 * machine with several CPUs such threads run on CPUs of their own. pthread_kill to a
 * spinning thread runs its handler there, over and over (the time from the call to the
 * handler is printed: a kernel that waited for the target CPU's next timer tick would
 * show about half a tick); a process-directed signal goes to the one spinning thread that
 * does not block it; SIGKILL ends a process all of whose threads spin, and its parent
 * reaps it. Passes on Linux with glibc too (gcc -O2 -Wall -Wextra -Werror -pthread). */
#define _GNU_SOURCE /* gettid in glibc's unistd.h */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS 200

static volatile sig_atomic_t handled;
static volatile pid_t handler_tid;
static volatile int stop;
static volatile pid_t spinner_tid;

static void on_usr1(int signo)
{
	(void)signo;
	handler_tid = gettid();
	handled++;
}

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Computes until told to stop: no system call after the first. */
static void *spinner(void *arg)
{
	(void)arg;
	spinner_tid = gettid();
	while (!stop) {
		__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* Waits (computing) until `handled` reaches `count` or two seconds pass; returns how
 * long it took in ns, or -1. */
static long wait_handled(int count, long from)
{
	while (handled < count) {
		if (now_ns() - from > 2000000000L)
			return -1;
	}
	return now_ns() - from;
}

static void test_thread_directed(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	stop = 0;
	spinner_tid = 0;
	handled = 0;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, spinner, NULL) == 0);
	while (spinner_tid == 0) {
		sched_yield();
	}
	static long latency[ROUNDS];
	int delivered = 0, on_target = 0;
	for (int i = 0; i < ROUNDS; i++) {
		long from = now_ns();
		if (pthread_kill(t, SIGUSR1) != 0)
			break;
		latency[i] = wait_handled(i + 1, from);
		if (latency[i] < 0)
			break;
		delivered++;
		on_target += handler_tid == spinner_tid;
	}
	printf("c_sigcpu: %d of %d pthread_kill signals handled by the spinning thread\n", on_target, ROUNDS);
	CHECK(delivered == ROUNDS);
	CHECK(on_target == ROUNDS);
	if (delivered > 0) {
		qsort(latency, (size_t)delivered, sizeof latency[0], compare_long);
		printf("c_sigcpu: pthread_kill to handler: median %ld us, slowest %ld us\n", latency[delivered / 2] / 1000,
		       latency[delivered - 1] / 1000);
	}
	stop = 1;
	CHECK(pthread_join(t, NULL) == 0);
}

/* kill(getpid()) while this thread blocks the signal: the spinning thread, which does
 * not, takes it. */
static void test_process_directed(void)
{
	stop = 0;
	spinner_tid = 0;
	handled = 0;
	handler_tid = 0;
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK(pthread_sigmask(SIG_BLOCK, &usr1, &old) == 0);
	pthread_t t;
	/* The new thread starts with this mask: it unblocks the signal itself. */
	CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
	CHECK(pthread_create(&t, NULL, spinner, NULL) == 0);
	CHECK(pthread_sigmask(SIG_BLOCK, &usr1, NULL) == 0);
	while (spinner_tid == 0) {
		sched_yield();
	}
	int on_spinner = 0;
	for (int i = 0; i < 20; i++) {
		long from = now_ns();
		if (kill(getpid(), SIGUSR1) != 0 || wait_handled(i + 1, from) < 0)
			break;
		on_spinner += handler_tid == spinner_tid;
	}
	CHECK(handled == 20);
	CHECK(on_spinner == 20);
	stop = 1;
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
}

/* A child whose every thread spins is killed, and reaped. */
static void test_kill_spinning_process(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int threads = cpus > 1 ? (int)cpus : 2;
	int ready[2];
	CHECK(pipe(ready) == 0);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		close(ready[0]);
		stop = 0;
		for (int i = 1; i < threads; i++) {
			pthread_t t;
			if (pthread_create(&t, NULL, spinner, NULL) != 0)
				_exit(3);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		spinner(NULL);
		_exit(5);
	}
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	long from = now_ns();
	CHECK(kill(child, SIGKILL) == 0);
	int status = 0;
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	printf("c_sigcpu: a process of %d spinning threads killed and reaped in %ld us\n", threads,
	       (now_ns() - from) / 1000);
}

int main(void)
{
	/* The harness compares this with the machine's CPU count. */
	printf("c_sigcpu: sysconf: CPUs online: %ld, configured: %ld\n", sysconf(_SC_NPROCESSORS_ONLN),
	       sysconf(_SC_NPROCESSORS_CONF));
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1);
	test_thread_directed();
	test_process_directed();
	test_kill_spinning_process();
	return check_summary("c_sigcpu");
}
