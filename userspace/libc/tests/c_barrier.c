/* c_barrier: barriers. Attributes (process-shared, EINVAL for another value), EINVAL
 * for a count of 0, a barrier of one thread (always the serial thread), five threads
 * through 200 rounds (none leaves a round before all have arrived, exactly one serial
 * thread per round), two threads of which one is the serial thread, and two processes
 * of two threads each meeting at a process-shared barrier in MAP_SHARED memory. Passes
 * on Linux with glibc too (gcc -O2 -Wall -Wextra -Werror -pthread). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define THREADS 5
#define ROUNDS 200

static pthread_barrier_t barrier;
static volatile int arrived[ROUNDS];
static volatile int serial[ROUNDS];
static volatile int early; /* a thread that saw its round incomplete after the barrier */

static void *rounds(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		__atomic_add_fetch(&arrived[r], 1, __ATOMIC_SEQ_CST);
		int got = pthread_barrier_wait(&barrier);
		if (got == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&serial[r], 1, __ATOMIC_SEQ_CST);
		else if (got != 0)
			return (void *)1;
		if (__atomic_load_n(&arrived[r], __ATOMIC_SEQ_CST) != THREADS)
			__atomic_add_fetch(&early, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void *waits_once(void *arg)
{
	return (void *)(long)pthread_barrier_wait(arg);
}

struct shared {
	pthread_barrier_t barrier;
	int arrived;
	int serial;
	int early;
};

static void *shared_rounds(void *arg)
{
	struct shared *s = arg;
	for (int r = 1; r <= 50; r++) {
		__atomic_add_fetch(&s->arrived, 1, __ATOMIC_SEQ_CST);
		if (pthread_barrier_wait(&s->barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&s->serial, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&s->arrived, __ATOMIC_SEQ_CST) < 4 * r)
			__atomic_add_fetch(&s->early, 1, __ATOMIC_SEQ_CST);
		/* Nobody counts the next round before everyone has checked this one. */
		pthread_barrier_wait(&s->barrier);
	}
	return NULL;
}

int main(void)
{
	printf("c_barrier: attributes, count 0, one thread\n");
	pthread_barrierattr_t attr;
	int pshared = -1;
	CHECK(pthread_barrierattr_init(&attr) == 0);
	CHECK(pthread_barrierattr_getpshared(&attr, &pshared) == 0 && pshared == PTHREAD_PROCESS_PRIVATE);
	CHECK(pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0);
	CHECK(pthread_barrierattr_getpshared(&attr, &pshared) == 0 && pshared == PTHREAD_PROCESS_SHARED);
	CHECK(pthread_barrierattr_setpshared(&attr, 7) == EINVAL);
	CHECK(pthread_barrier_init(&barrier, NULL, 0) == EINVAL);
	CHECK(pthread_barrier_init(&barrier, NULL, 1) == 0);
	CHECK(pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD);
	CHECK(pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD);
	CHECK(pthread_barrier_destroy(&barrier) == 0);

	printf("c_barrier: %d threads through %d rounds\n", THREADS, ROUNDS);
	CHECK(pthread_barrier_init(&barrier, NULL, THREADS) == 0);
	pthread_t t[THREADS];
	int created = 1;
	for (int i = 0; i < THREADS; i++)
		created &= pthread_create(&t[i], NULL, rounds, NULL) == 0;
	CHECK(created);
	int ok = 1;
	for (int i = 0; i < THREADS; i++) {
		void *result;
		ok &= pthread_join(t[i], &result) == 0 && result == NULL;
	}
	CHECK(ok);
	CHECK(early == 0);
	int one_serial = 1;
	for (int r = 0; r < ROUNDS; r++)
		one_serial &= serial[r] == 1 && arrived[r] == THREADS;
	CHECK(one_serial);
	CHECK(pthread_barrier_destroy(&barrier) == 0);

	printf("c_barrier: two threads, one of them the serial thread\n");
	CHECK(pthread_barrier_init(&barrier, NULL, 2) == 0);
	pthread_t waiter;
	CHECK(pthread_create(&waiter, NULL, waits_once, &barrier) == 0);
	int mine = pthread_barrier_wait(&barrier);
	void *theirs;
	CHECK(pthread_join(waiter, &theirs) == 0);
	CHECK((mine == PTHREAD_BARRIER_SERIAL_THREAD) != ((long)theirs == PTHREAD_BARRIER_SERIAL_THREAD));
	CHECK(pthread_barrier_destroy(&barrier) == 0);

	printf("c_barrier: a process-shared barrier, two processes of two threads\n");
	struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	if (s == MAP_FAILED)
		return check_summary("c_barrier");
	memset(s, 0, sizeof *s);
	CHECK(pthread_barrier_init(&s->barrier, &attr, 4) == 0);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		pthread_t helper;
		if (pthread_create(&helper, NULL, shared_rounds, s) != 0)
			_exit(2);
		shared_rounds(s);
		pthread_join(helper, NULL);
		_exit(0);
	}
	CHECK(child > 0);
	pthread_t helper;
	CHECK(pthread_create(&helper, NULL, shared_rounds, s) == 0);
	shared_rounds(s);
	CHECK(pthread_join(helper, NULL) == 0);
	int status = -1;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(s->arrived == 200);
	CHECK(s->serial == 50);
	CHECK(s->early == 0);
	CHECK(pthread_barrierattr_destroy(&attr) == 0);
	return check_summary("c_barrier");
}
