/* pthread_barrier.c: barriers on a round futex.
 *
 * A thread reads the round number, then counts itself in __arrived. The last of
 * __count threads resets __arrived for the next round, changes the round number and
 * wakes every sleeper; it gets PTHREAD_BARRIER_SERIAL_THREAD, the others 0. The others
 * sleep on the round word while it still holds the number they read, so one that
 * arrives between its count and its sleep does not sleep past the change. No thread of
 * the next round can count itself before the reset: it must have seen the round change,
 * which the last thread makes after the reset. The word is keyed by its physical
 * address, so a process-shared barrier in shared memory needs nothing more. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "thread.h"

int pthread_barrier_init(pthread_barrier_t *restrict b, const pthread_barrierattr_t *restrict attr, unsigned count)
{
	if (count == 0)
		return EINVAL;
	memset(b, 0, sizeof *b);
	b->__count = count;
	b->__pshared = attr ? attr->__pshared : PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	/* POSIX: destroying a barrier threads still wait on is undefined; this one says so. */
	if (__atomic_load_n(&b->__arrived, __ATOMIC_SEQ_CST) != 0)
		return EBUSY;
	b->__count = 0;
	return 0;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
	uint32_t round = __atomic_load_n(&b->__round, __ATOMIC_SEQ_CST);
	if (__atomic_add_fetch(&b->__arrived, 1, __ATOMIC_SEQ_CST) == b->__count) {
		__atomic_store_n(&b->__arrived, 0, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&b->__round, 1, __ATOMIC_SEQ_CST);
		__kestrel_futex_wake(&b->__round, INT_MAX);
		return PTHREAD_BARRIER_SERIAL_THREAD;
	}
	/* A signal handler may run in the wait; the wait goes on after it (POSIX). */
	while (__atomic_load_n(&b->__round, __ATOMIC_SEQ_CST) == round)
		__kestrel_futex_wait(&b->__round, round, NULL);
	return 0;
}

int pthread_barrierattr_init(pthread_barrierattr_t *attr)
{
	attr->__pshared = PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_barrierattr_destroy(pthread_barrierattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_barrierattr_getpshared(const pthread_barrierattr_t *restrict attr, int *restrict pshared)
{
	*pshared = attr->__pshared;
	return 0;
}

int pthread_barrierattr_setpshared(pthread_barrierattr_t *attr, int pshared)
{
	if (pshared != PTHREAD_PROCESS_PRIVATE && pshared != PTHREAD_PROCESS_SHARED)
		return EINVAL;
	attr->__pshared = pshared;
	return 0;
}
