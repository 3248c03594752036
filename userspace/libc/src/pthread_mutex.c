/* pthread_mutex.c: mutexes (normal, recursive, error-checking; robust; process-shared)
 * on Linux's futex lock word protocol, which the kernel's robust list walk shares.
 *
 * The lock word is 0 when free, else the owner's tid (system-wide, so a word in shared
 * memory names its owner in any process) with FUTEX_WAITERS set once someone sleeps on
 * it. Lockers that find it held set FUTEX_WAITERS and futex-wait; unlock exchanges it
 * with 0 and wakes one sleeper if the bit was set. Whoever takes the lock after sleeping
 * sets FUTEX_WAITERS again, since others may still sleep.
 *
 * A robust mutex is, while held, on its owner's robust list (struct robust_head in the
 * thread's TCB, registered with PROC_SET_ROBUST_LIST): when the owner ends without
 * unlocking (exit, exec, SIGKILL, its process killed) the kernel replaces its tid with
 * FUTEX_OWNER_DIED and wakes a sleeper. The next locker takes such a word and gets
 * EOWNERDEAD with the mutex inconsistent; pthread_mutex_consistent repairs it, and an
 * unlock without that makes it not recoverable for good (ENOTRECOVERABLE). The list's
 * `pending` link covers the moments between taking the word and linking the mutex, and
 * between unlinking and releasing it. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "thread.h"

#define KIND_TYPE 3
#define KIND_ROBUST 16
#define KIND_SHARED 128

enum { CONSISTENT, INCONSISTENT, NOT_RECOVERABLE };

/* The kernel reads the robust list when the thread dies, at any instruction: the
 * compiler must not move list updates across lock word updates. */
#define LIST_FENCE() __atomic_signal_fence(__ATOMIC_SEQ_CST)

static void robust_add(struct __pthread *self, pthread_mutex_t *m)
{
	m->__next = self->robust.next;
	LIST_FENCE();
	self->robust.next = &m->__next;
}

static void robust_remove(struct __pthread *self, pthread_mutex_t *m)
{
	void **link = &self->robust.next;
	while (*link != (void *)&self->robust) {
		if (*link == (void *)&m->__next) {
			*link = m->__next;
			return;
		}
		link = (void **)*link;
	}
}

static void set_pending(struct __pthread *self, void *link)
{
	LIST_FENCE();
	self->robust.pending = link;
	LIST_FENCE();
}

/* Releases the word and wakes a sleeper (all of them when `all`). */
static void release(pthread_mutex_t *m, int all)
{
	if (__atomic_exchange_n(&m->__lock, 0, __ATOMIC_RELEASE) & FUTEX_WAITERS)
		__kestrel_futex_wake(&m->__lock, all ? INT_MAX : 1);
}

/* Takes the word for `self` (sleeping unless `try`, until `abs` on CLOCK_REALTIME if
 * given): 0, EOWNERDEAD, ENOTRECOVERABLE, EBUSY, ETIMEDOUT or EINVAL. */
static int acquire(pthread_mutex_t *m, struct __pthread *self, const struct timespec *abs, int try)
{
	int robust = m->__kind & KIND_ROBUST;
	uint32_t tid = (uint32_t)self->tid, waiters = 0;
	int r;
	if (robust)
		set_pending(self, &m->__next);
	for (;;) {
		uint32_t v = 0;
		if (__atomic_compare_exchange_n(&m->__lock, &v, tid | waiters, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			r = 0;
			break;
		}
		if (robust && (v & FUTEX_OWNER_DIED)) {
			/* Its owner died holding it: it is ours, inconsistent. */
			if (__atomic_compare_exchange_n(&m->__lock, &v, tid | (v & FUTEX_WAITERS), 0, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED)) {
				r = EOWNERDEAD;
				break;
			}
			continue;
		}
		if (robust && m->__state == NOT_RECOVERABLE) {
			r = ENOTRECOVERABLE;
			goto out;
		}
		if (try) {
			r = EBUSY;
			goto out;
		}
		if (!(v & FUTEX_WAITERS)) {
			if (!__atomic_compare_exchange_n(&m->__lock, &v, v | FUTEX_WAITERS, 0, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
				continue;
			v |= FUTEX_WAITERS;
		}
		struct timespec rel;
		if (abs && (r = __kestrel_time_left(CLOCK_REALTIME, abs, &rel)) != 0)
			goto out;
		__kestrel_futex_wait(&m->__lock, v, abs ? &rel : NULL);
		waiters = FUTEX_WAITERS;
	}
	if (robust) {
		LIST_FENCE();
		robust_add(self, m);
		if (r == EOWNERDEAD) {
			m->__state = INCONSISTENT;
		} else if (m->__state == NOT_RECOVERABLE) {
			/* Made unrecoverable while we slept: nobody may hold it again. */
			robust_remove(self, m);
			LIST_FENCE();
			release(m, 1);
			r = ENOTRECOVERABLE;
		}
	}
	m->__count = 0;
out:
	if (robust)
		set_pending(self, NULL);
	return r;
}

static int lock(pthread_mutex_t *m, const struct timespec *abs, int try)
{
	struct __pthread *self = __kestrel_self();
	int type = m->__kind & KIND_TYPE;
	uint32_t v = __atomic_load_n(&m->__lock, __ATOMIC_RELAXED);
	if (type != PTHREAD_MUTEX_NORMAL && (v & FUTEX_TID_MASK) == (uint32_t)self->tid) {
		if (type == PTHREAD_MUTEX_ERRORCHECK)
			return try ? EBUSY : EDEADLK;
		if (m->__count == INT_MAX)
			return EAGAIN;
		m->__count++;
		return 0;
	}
	if (!(m->__kind & KIND_ROBUST)) {
		uint32_t expected = 0;
		if (__atomic_compare_exchange_n(&m->__lock, &expected, (uint32_t)self->tid, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			m->__count = 0;
			return 0;
		}
	}
	return acquire(m, self, abs, try);
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	return lock(m, NULL, 0);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return lock(m, NULL, 1);
}

int pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict abstime)
{
	return lock(m, abstime, 0);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	struct __pthread *self = __kestrel_self();
	int type = m->__kind & KIND_TYPE, robust = m->__kind & KIND_ROBUST;
	uint32_t v = __atomic_load_n(&m->__lock, __ATOMIC_RELAXED);
	/* POSIX: EPERM for a caller that does not own an error-checking, recursive or
	 * robust mutex; a normal one is not checked (as in glibc). */
	if ((type != PTHREAD_MUTEX_NORMAL || robust) && (v & FUTEX_TID_MASK) != (uint32_t)self->tid)
		return EPERM;
	if (type == PTHREAD_MUTEX_RECURSIVE && m->__count > 0) {
		m->__count--;
		return 0;
	}
	if (!robust) {
		release(m, 0);
		return 0;
	}
	set_pending(self, &m->__next);
	robust_remove(self, m);
	int all = 0;
	if (m->__state == INCONSISTENT) {
		/* Unlocked without pthread_mutex_consistent: unusable for good, and every
		 * sleeper is told so. */
		m->__state = NOT_RECOVERABLE;
		all = 1;
	}
	LIST_FENCE();
	release(m, all);
	set_pending(self, NULL);
	return 0;
}

int pthread_mutex_consistent(pthread_mutex_t *m)
{
	uint32_t v = __atomic_load_n(&m->__lock, __ATOMIC_RELAXED);
	if (!(m->__kind & KIND_ROBUST) || m->__state != INCONSISTENT ||
	    (v & FUTEX_TID_MASK) != (uint32_t)__kestrel_self()->tid)
		return EINVAL;
	m->__state = CONSISTENT;
	return 0;
}

int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict attr)
{
	memset(m, 0, sizeof *m);
	m->__kind = attr ? attr->__kind : 0;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	/* A held mutex cannot be destroyed (glibc says EBUSY too). */
	uint32_t v = __atomic_load_n(&m->__lock, __ATOMIC_RELAXED);
	return v & FUTEX_TID_MASK ? EBUSY : 0;
}

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	attr->__kind = 0;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
	if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_RECURSIVE && type != PTHREAD_MUTEX_ERRORCHECK)
		return EINVAL;
	attr->__kind = (attr->__kind & ~KIND_TYPE) | type;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *restrict attr, int *restrict type)
{
	*type = attr->__kind & KIND_TYPE;
	return 0;
}

int pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int pshared)
{
	if (pshared != PTHREAD_PROCESS_PRIVATE && pshared != PTHREAD_PROCESS_SHARED)
		return EINVAL;
	attr->__kind = (attr->__kind & ~KIND_SHARED) | (pshared ? KIND_SHARED : 0);
	return 0;
}

int pthread_mutexattr_getpshared(const pthread_mutexattr_t *restrict attr, int *restrict pshared)
{
	*pshared = attr->__kind & KIND_SHARED ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE;
	return 0;
}

int pthread_mutexattr_setrobust(pthread_mutexattr_t *attr, int robust)
{
	if (robust != PTHREAD_MUTEX_STALLED && robust != PTHREAD_MUTEX_ROBUST)
		return EINVAL;
	attr->__kind = (attr->__kind & ~KIND_ROBUST) | (robust ? KIND_ROBUST : 0);
	return 0;
}

int pthread_mutexattr_getrobust(const pthread_mutexattr_t *restrict attr, int *restrict robust)
{
	*robust = attr->__kind & KIND_ROBUST ? PTHREAD_MUTEX_ROBUST : PTHREAD_MUTEX_STALLED;
	return 0;
}
