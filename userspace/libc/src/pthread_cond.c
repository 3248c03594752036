/* pthread_cond.c: condition variables on a sequence futex.
 *
 * A waiter reads the sequence number, counts itself in __waiters, unlocks the mutex and
 * sleeps on the sequence word while it still holds that number; signal and broadcast
 * change the number first (so a waiter between its unlock and its sleep does not
 * sleep) and then wake one or all sleepers. The kernel wakes sleepers in arrival order,
 * so a signal wakes a thread that was waiting when it was sent. Waking is allowed to be
 * spurious (POSIX): a woken waiter relocks and returns 0, and callers re-check their
 * predicate. The word is keyed by its physical address, so a process-shared condition
 * variable in shared memory needs nothing more.
 *
 * Deadlines are absolute on the clock chosen with pthread_condattr_setclock
 * (CLOCK_REALTIME by default, or CLOCK_MONOTONIC); the time left is measured on that
 * clock before each sleep. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "thread.h"

int pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict attr)
{
	memset(c, 0, sizeof *c);
	c->__clock = attr ? attr->__flags >> 1 : CLOCK_REALTIME;
	c->__pshared = attr ? attr->__flags & 1 : PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	/* Waiters that were woken may still be leaving: any still asleep are woken (a
	 * spurious wakeup) and the memory is left alone until all have gone, or for a
	 * bounded time (a waiter in another process may have died uncounted). */
	for (int i = 0; i < 10000 && __atomic_load_n(&c->__waiters, __ATOMIC_SEQ_CST); i++) {
		__atomic_add_fetch(&c->__seq, 1, __ATOMIC_SEQ_CST);
		__kestrel_futex_wake(&c->__seq, INT_MAX);
		sched_yield();
	}
	return 0;
}

static int wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m, const struct timespec *abs)
{
	uint32_t seq = __atomic_load_n(&c->__seq, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&c->__waiters, 1, __ATOMIC_SEQ_CST);
	int r = pthread_mutex_unlock(m);
	if (r != 0) {
		__atomic_sub_fetch(&c->__waiters, 1, __ATOMIC_SEQ_CST);
		return r;
	}
	for (;;) {
		struct timespec rel;
		if (abs && (r = __kestrel_time_left(c->__clock, abs, &rel)) != 0)
			break;
		/* A timeout is checked again on the condition variable's clock. */
		if (__kestrel_futex_wait(&c->__seq, seq, abs ? &rel : NULL) != -ETIMEDOUT)
			break;
	}
	__atomic_sub_fetch(&c->__waiters, 1, __ATOMIC_SEQ_CST);
	int l = pthread_mutex_lock(m);
	/* EOWNERDEAD from a robust mutex says more than ETIMEDOUT. */
	return l != 0 ? l : r;
}

int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	return wait(c, m, NULL);
}

int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
			   const struct timespec *restrict abstime)
{
	return wait(c, m, abstime);
}

static int wake(pthread_cond_t *c, int count)
{
	if (__atomic_load_n(&c->__waiters, __ATOMIC_SEQ_CST) == 0)
		return 0;
	__atomic_add_fetch(&c->__seq, 1, __ATOMIC_SEQ_CST);
	__kestrel_futex_wake(&c->__seq, count);
	return 0;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	return wake(c, 1);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	return wake(c, INT_MAX);
}

int pthread_condattr_init(pthread_condattr_t *attr)
{
	attr->__flags = CLOCK_REALTIME << 1 | PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	attr->__flags = (int)clock << 1 | (attr->__flags & 1);
	return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *restrict attr, clockid_t *restrict clock)
{
	*clock = attr->__flags >> 1;
	return 0;
}

int pthread_condattr_setpshared(pthread_condattr_t *attr, int pshared)
{
	if (pshared != PTHREAD_PROCESS_PRIVATE && pshared != PTHREAD_PROCESS_SHARED)
		return EINVAL;
	attr->__flags = (attr->__flags & ~1) | pshared;
	return 0;
}

int pthread_condattr_getpshared(const pthread_condattr_t *restrict attr, int *restrict pshared)
{
	*pshared = attr->__flags & 1;
	return 0;
}
