/* c_mutex: mutexes. The three kinds and their errors (EBUSY, EDEADLK, EPERM, EAGAIN is
 * not reached), pthread_mutex_timedlock's deadline, a stress of threads counting under
 * a lock, a process-shared mutex in MAP_SHARED memory counted on by three processes,
 * and robust mutexes: a holder that exits or whose process is SIGKILLed (while another
 * thread sleeps on the lock) leaves EOWNERDEAD to the next locker, which makes it
 * consistent; unlocking it without that makes it ENOTRECOVERABLE. Passes on Linux with
 * glibc too (gcc -O2 -Wall -Wextra -Werror -pthread). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void init_kind(pthread_mutex_t *m, int type, int robust, int shared)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	pthread_mutexattr_setrobust(&a, robust ? PTHREAD_MUTEX_ROBUST : PTHREAD_MUTEX_STALLED);
	pthread_mutexattr_setpshared(&a, shared ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/* Runs fn(arg) on another thread and returns its int result. */
static int on_other_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *r = NULL;
	pthread_create(&t, NULL, fn, arg);
	pthread_join(t, &r);
	return (int)(long)r;
}

static void *try_it(void *m)
{
	return (void *)(long)pthread_mutex_trylock(m);
}

static void *unlock_it(void *m)
{
	return (void *)(long)pthread_mutex_unlock(m);
}

static void *lock_unlock_it(void *m)
{
	int r = pthread_mutex_lock(m);
	if (r == 0)
		r = pthread_mutex_unlock(m);
	return (void *)(long)r;
}

static void test_kinds(void)
{
	pthread_mutexattr_t a;
	int v = -1;
	pthread_mutexattr_init(&a);
	CHECK(pthread_mutexattr_gettype(&a, &v) == 0 && v == PTHREAD_MUTEX_DEFAULT);
	CHECK(pthread_mutexattr_settype(&a, 99) == EINVAL);
	CHECK(pthread_mutexattr_setrobust(&a, 99) == EINVAL);
	CHECK(pthread_mutexattr_setpshared(&a, 99) == EINVAL);
	CHECK(pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0);
	CHECK(pthread_mutexattr_getpshared(&a, &v) == 0 && v == PTHREAD_PROCESS_SHARED);
	CHECK(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0);
	CHECK(pthread_mutexattr_getrobust(&a, &v) == 0 && v == PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_destroy(&a);

	pthread_mutex_t normal = PTHREAD_MUTEX_INITIALIZER;
	CHECK(pthread_mutex_lock(&normal) == 0);
	CHECK(pthread_mutex_trylock(&normal) == EBUSY);
	CHECK(on_other_thread(try_it, &normal) == EBUSY);
	CHECK(pthread_mutex_destroy(&normal) == EBUSY);
	CHECK(pthread_mutex_unlock(&normal) == 0);
	CHECK(on_other_thread(lock_unlock_it, &normal) == 0);
	CHECK(pthread_mutex_destroy(&normal) == 0);

	pthread_mutex_t check;
	init_kind(&check, PTHREAD_MUTEX_ERRORCHECK, 0, 0);
	CHECK(pthread_mutex_unlock(&check) == EPERM);
	CHECK(pthread_mutex_lock(&check) == 0);
	CHECK(pthread_mutex_lock(&check) == EDEADLK);
	CHECK(pthread_mutex_trylock(&check) == EBUSY);
	CHECK(on_other_thread(unlock_it, &check) == EPERM);
	CHECK(on_other_thread(try_it, &check) == EBUSY);
	CHECK(pthread_mutex_unlock(&check) == 0);
	CHECK(pthread_mutex_unlock(&check) == EPERM);
	pthread_mutex_destroy(&check);

	pthread_mutex_t rec;
	init_kind(&rec, PTHREAD_MUTEX_RECURSIVE, 0, 0);
	CHECK(pthread_mutex_lock(&rec) == 0);
	CHECK(pthread_mutex_lock(&rec) == 0);
	CHECK(pthread_mutex_trylock(&rec) == 0);
	CHECK(on_other_thread(try_it, &rec) == EBUSY);
	CHECK(on_other_thread(unlock_it, &rec) == EPERM);
	CHECK(pthread_mutex_unlock(&rec) == 0);
	CHECK(pthread_mutex_unlock(&rec) == 0);
	CHECK(on_other_thread(try_it, &rec) == EBUSY);
	CHECK(pthread_mutex_unlock(&rec) == 0);
	CHECK(pthread_mutex_unlock(&rec) == EPERM);
	CHECK(on_other_thread(lock_unlock_it, &rec) == 0);
	pthread_mutex_destroy(&rec);

	pthread_mutex_t rec_static = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
	CHECK(pthread_mutex_lock(&rec_static) == 0 && pthread_mutex_lock(&rec_static) == 0);
	CHECK(pthread_mutex_unlock(&rec_static) == 0 && pthread_mutex_unlock(&rec_static) == 0);
}

/* pthread_mutex_timedlock: CLOCK_REALTIME, absolute. */

static pthread_mutex_t timed = PTHREAD_MUTEX_INITIALIZER;

static struct timespec deadline_in(long ms)
{
	struct timespec abs;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += ms * 1000000L;
	abs.tv_sec += abs.tv_nsec / 1000000000L;
	abs.tv_nsec %= 1000000000L;
	return abs;
}

static void *timed_waiter(void *arg)
{
	struct timespec abs = deadline_in((long)arg);
	return (void *)(long)pthread_mutex_timedlock(&timed, &abs);
}

static void *past_waiter(void *arg)
{
	return (void *)(long)pthread_mutex_timedlock(&timed, arg);
}

static void *late_unlocker(void *arg)
{
	sleep_ms((long)arg);
	pthread_mutex_unlock(&timed);
	return NULL;
}

static void test_timedlock(void)
{
	struct timespec t0, past = {1, 0}, bad = {0, 1000000000L};
	/* A free mutex is taken whatever the deadline. */
	CHECK(pthread_mutex_timedlock(&timed, &past) == 0);
	CHECK(pthread_mutex_unlock(&timed) == 0);
	CHECK(pthread_mutex_timedlock(&timed, &bad) == 0);
	CHECK(pthread_mutex_unlock(&timed) == 0);
	pthread_mutex_lock(&timed);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(on_other_thread(timed_waiter, (void *)100L) == ETIMEDOUT);
	long waited = ms_since(&t0);
	printf("timedlock waited %ld ms for a 100 ms deadline\n", waited);
	CHECK(waited >= 95 && waited < 2000);
	CHECK(on_other_thread(past_waiter, &past) == ETIMEDOUT);
	CHECK(on_other_thread(past_waiter, &bad) == EINVAL);
	/* A waiter with a 5 s deadline gets it when it is unlocked 50 ms later (a normal
	 * mutex's unlock is not checked for ownership, here or in glibc). */
	pthread_t t, u;
	void *r = NULL;
	pthread_create(&t, NULL, timed_waiter, (void *)5000L);
	pthread_create(&u, NULL, late_unlocker, (void *)50L);
	pthread_join(u, NULL);
	pthread_join(t, &r);
	CHECK(r == (void *)0L);
	CHECK(pthread_mutex_unlock(&timed) == 0);
}

/* Threads counting under one lock. */

enum { STRESS_THREADS = 8, STRESS_ROUNDS = 20000 };
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *counter_worker(void *arg)
{
	pthread_mutex_t *m = arg;
	for (int i = 0; i < STRESS_ROUNDS; i++) {
		pthread_mutex_lock(m);
		long c = counter;
		if (i % 512 == 0)
			sched_yield(); /* hold it while others pile up */
		counter = c + 1;
		pthread_mutex_unlock(m);
	}
	return NULL;
}

static void test_stress(void)
{
	pthread_t t[STRESS_THREADS];
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_create(&t[i], NULL, counter_worker, &counter_lock);
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(counter == (long)STRESS_THREADS * STRESS_ROUNDS);
	pthread_mutex_t rec;
	init_kind(&rec, PTHREAD_MUTEX_RECURSIVE, 0, 0);
	counter = 0;
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_create(&t[i], NULL, counter_worker, &rec);
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(counter == (long)STRESS_THREADS * STRESS_ROUNDS);
}

/* A process-shared mutex: two children with two threads each and the parent count in
 * shared memory. */

struct shared {
	pthread_mutex_t lock;
	long count;
	pthread_mutex_t robust_a, robust_b, robust_c;
	int ready;
};

enum { SHARED_ROUNDS = 5000 };

static void *shared_worker(void *arg)
{
	struct shared *s = arg;
	for (int i = 0; i < SHARED_ROUNDS; i++) {
		pthread_mutex_lock(&s->lock);
		long c = s->count;
		if (i % 256 == 0)
			sched_yield();
		s->count = c + 1;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static void test_shared(struct shared *s)
{
	init_kind(&s->lock, PTHREAD_MUTEX_NORMAL, 0, 1);
	s->count = 0;
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			pthread_t t;
			pthread_create(&t, NULL, shared_worker, s);
			shared_worker(s);
			pthread_join(t, NULL);
			_exit(0);
		}
	}
	shared_worker(s);
	int good = 0;
	for (int k = 0; k < 2; k++) {
		int status = -1;
		waitpid(kids[k], &status, 0);
		good += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	CHECK(good == 2);
	CHECK(s->count == 5L * SHARED_ROUNDS);
}

/* Robust mutexes. */

static void *exit_holding(void *m)
{
	pthread_mutex_lock(m);
	return NULL; /* ends without unlocking */
}

static void *sleeping_locker(void *m)
{
	return (void *)(long)pthread_mutex_lock(m);
}

static void test_robust(struct shared *s)
{
	/* A thread of this process ends holding it. */
	pthread_mutex_t m;
	init_kind(&m, PTHREAD_MUTEX_NORMAL, 1, 0);
	CHECK(pthread_mutex_consistent(&m) == EINVAL);
	CHECK(on_other_thread(exit_holding, &m) == 0);
	CHECK(pthread_mutex_lock(&m) == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(&m) == 0);
	CHECK(pthread_mutex_unlock(&m) == 0);
	CHECK(pthread_mutex_lock(&m) == 0);
	CHECK(on_other_thread(unlock_it, &m) == EPERM);
	CHECK(pthread_mutex_unlock(&m) == 0);

	/* A process holding three shared robust mutexes is SIGKILLed while a thread of this
	 * one sleeps on the first. */
	init_kind(&s->robust_a, PTHREAD_MUTEX_ERRORCHECK, 1, 1);
	init_kind(&s->robust_b, PTHREAD_MUTEX_NORMAL, 1, 1);
	init_kind(&s->robust_c, PTHREAD_MUTEX_RECURSIVE, 1, 1);
	s->ready = 0;
	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(&s->robust_a);
		pthread_mutex_lock(&s->robust_b);
		pthread_mutex_lock(&s->robust_c);
		pthread_mutex_lock(&s->robust_c);
		__atomic_store_n(&s->ready, 1, __ATOMIC_SEQ_CST);
		for (;;)
			pause();
	}
	while (!__atomic_load_n(&s->ready, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	CHECK(pthread_mutex_trylock(&s->robust_b) == EBUSY);
	pthread_t sleeper;
	pthread_create(&sleeper, NULL, sleeping_locker, &s->robust_a);
	sleep_ms(50);
	kill(pid, SIGKILL);
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	void *r = NULL;
	pthread_join(sleeper, &r);
	CHECK(r == (void *)(long)EOWNERDEAD);
	/* The sleeper ended holding it, inconsistent: it died too, so EOWNERDEAD again. */
	CHECK(pthread_mutex_lock(&s->robust_a) == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(&s->robust_a) == 0);
	CHECK(pthread_mutex_unlock(&s->robust_a) == 0);
	CHECK(pthread_mutex_lock(&s->robust_a) == 0);
	CHECK(pthread_mutex_lock(&s->robust_a) == EDEADLK);
	CHECK(pthread_mutex_unlock(&s->robust_a) == 0);

	CHECK(pthread_mutex_trylock(&s->robust_b) == EOWNERDEAD);
	CHECK(pthread_mutex_unlock(&s->robust_b) == 0); /* not made consistent */
	CHECK(pthread_mutex_lock(&s->robust_b) == ENOTRECOVERABLE);
	CHECK(pthread_mutex_trylock(&s->robust_b) == ENOTRECOVERABLE);

	CHECK(pthread_mutex_lock(&s->robust_c) == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(&s->robust_c) == 0);
	CHECK(pthread_mutex_lock(&s->robust_c) == 0);
	CHECK(pthread_mutex_unlock(&s->robust_c) == 0);
	CHECK(pthread_mutex_unlock(&s->robust_c) == 0);
	CHECK(on_other_thread(lock_unlock_it, &s->robust_c) == 0);
}

int main(void)
{
	struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	test_kinds();
	test_timedlock();
	test_stress();
	test_shared(s);
	test_robust(s);
	return check_summary("c_mutex");
}
