/* pthread_rwlock.c: read-write locks on one futex word.
 *
 * The word holds the number of readers, or WRITER, and SLEEPERS once a thread sleeps on
 * it. Readers take the lock whenever no writer holds it, even with writers waiting (as
 * glibc's default, PTHREAD_RWLOCK_PREFER_READER_NP: a thread may take a read lock it
 * already holds without deadlocking). The last reader out, or the writer, clears
 * SLEEPERS and wakes every sleeper; whoever goes back to sleep sets it again. The
 * writer's tid is kept to report EDEADLK and EPERM. A process-shared lock in shared
 * memory needs nothing more. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "thread.h"

#define READERS 0x3fffffffu
#define WRITER 0x40000000u
#define SLEEPERS 0x80000000u

int pthread_rwlock_init(pthread_rwlock_t *restrict rw, const pthread_rwlockattr_t *restrict attr)
{
	memset(rw, 0, sizeof *rw);
	rw->__pshared = attr ? attr->__pshared : PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *rw)
{
	return __atomic_load_n(&rw->__state, __ATOMIC_RELAXED) & (READERS | WRITER) ? EBUSY : 0;
}

/* Marks the word slept on and sleeps while it is `s` (until `abs` on CLOCK_REALTIME):
 * 0 to try again, or ETIMEDOUT or EINVAL. */
static int sleep_on(pthread_rwlock_t *rw, uint32_t s, const struct timespec *abs)
{
	if (!(s & SLEEPERS)) {
		if (!__atomic_compare_exchange_n(&rw->__state, &s, s | SLEEPERS, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return 0;
		s |= SLEEPERS;
	}
	struct timespec rel;
	int r;
	if (abs && (r = __kestrel_time_left(CLOCK_REALTIME, abs, &rel)) != 0)
		return r;
	__kestrel_futex_wait(&rw->__state, s, abs ? &rel : NULL);
	return 0;
}

static int held_for_writing_by_me(pthread_rwlock_t *rw)
{
	return (__atomic_load_n(&rw->__state, __ATOMIC_RELAXED) & WRITER) && rw->__writer == __kestrel_self()->tid;
}

static int rdlock(pthread_rwlock_t *rw, const struct timespec *abs, int try)
{
	if (held_for_writing_by_me(rw))
		return EDEADLK;
	for (;;) {
		uint32_t s = __atomic_load_n(&rw->__state, __ATOMIC_RELAXED);
		if (!(s & WRITER)) {
			if ((s & READERS) == READERS)
				return EAGAIN;
			if (__atomic_compare_exchange_n(&rw->__state, &s, s + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return 0;
			continue;
		}
		if (try)
			return EBUSY;
		int r = sleep_on(rw, s, abs);
		if (r)
			return r;
	}
}

static int wrlock(pthread_rwlock_t *rw, const struct timespec *abs, int try)
{
	if (held_for_writing_by_me(rw))
		return EDEADLK;
	uint32_t slept = 0;
	for (;;) {
		uint32_t s = __atomic_load_n(&rw->__state, __ATOMIC_RELAXED);
		if ((s & ~SLEEPERS) == 0) {
			if (__atomic_compare_exchange_n(&rw->__state, &s, WRITER | s | slept, 0, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED)) {
				rw->__writer = __kestrel_self()->tid;
				return 0;
			}
			continue;
		}
		if (try)
			return EBUSY;
		int r = sleep_on(rw, s, abs);
		if (r)
			return r;
		slept = SLEEPERS;
	}
}

int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
	return rdlock(rw, NULL, 0);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
	return rdlock(rw, NULL, 1);
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict rw, const struct timespec *restrict abstime)
{
	return rdlock(rw, abstime, 0);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
	return wrlock(rw, NULL, 0);
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
	return wrlock(rw, NULL, 1);
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict rw, const struct timespec *restrict abstime)
{
	return wrlock(rw, abstime, 0);
}

int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
	uint32_t s = __atomic_load_n(&rw->__state, __ATOMIC_RELAXED);
	if (s & WRITER) {
		if (rw->__writer != __kestrel_self()->tid)
			return EPERM;
		rw->__writer = 0;
		if (__atomic_exchange_n(&rw->__state, 0, __ATOMIC_RELEASE) & SLEEPERS)
			__kestrel_futex_wake(&rw->__state, INT_MAX);
		return 0;
	}
	for (;;) {
		if ((s & READERS) == 0)
			return EPERM;
		/* The last reader clears SLEEPERS and wakes them all. */
		uint32_t next = (s & READERS) == 1 ? 0 : s - 1;
		if (__atomic_compare_exchange_n(&rw->__state, &s, next, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
			if (next == 0 && (s & SLEEPERS))
				__kestrel_futex_wake(&rw->__state, INT_MAX);
			return 0;
		}
	}
}

int pthread_rwlockattr_init(pthread_rwlockattr_t *attr)
{
	attr->__pshared = PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_rwlockattr_destroy(pthread_rwlockattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_rwlockattr_setpshared(pthread_rwlockattr_t *attr, int pshared)
{
	if (pshared != PTHREAD_PROCESS_PRIVATE && pshared != PTHREAD_PROCESS_SHARED)
		return EINVAL;
	attr->__pshared = pshared;
	return 0;
}

int pthread_rwlockattr_getpshared(const pthread_rwlockattr_t *restrict attr, int *restrict pshared)
{
	*pshared = attr->__pshared;
	return 0;
}
