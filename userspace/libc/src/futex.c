/* futex.c: the kernel's futex wait and wake, deadlines, and the runtime's own small
 * lock (malloc, stdio, the thread lists).
 *
 * The kernel keys a futex by the word's physical address, so a word in MAP_SHARED or
 * System V shared memory is one futex for every process; a wait's timeout is relative,
 * on the monotonic clock. Absolute deadlines are turned into what is left of them before
 * each wait, and re-checked after a timeout, so that a CLOCK_REALTIME deadline moved by
 * clock_settime is still honoured (late by at most one wait). */
#include <errno.h>
#include <time.h>

#include "thread.h"

int __kestrel_futex_wait(volatile uint32_t *word, uint32_t expected, const struct timespec *rel)
{
	struct kestrel_timespec k;
	unsigned long timeout = 0;
	if (rel) {
		k.tv_sec = rel->tv_sec;
		k.tv_nsec = (int32_t)rel->tv_nsec;
		k.__pad = 0;
		timeout = (unsigned long)&k;
	}
	long r = __kestrel_syscall4(KESTREL_SYS_FUTEX, (unsigned long)word, KESTREL_FUTEX_WAIT, expected, timeout);
	return r < 0 ? (int)r : 0;
}

void __kestrel_futex_wake(volatile uint32_t *word, int count)
{
	__kestrel_syscall4(KESTREL_SYS_FUTEX, (unsigned long)word, KESTREL_FUTEX_WAKE, (unsigned long)count, 0);
}

int __kestrel_time_left(clockid_t clock, const struct timespec *abs, struct timespec *rel)
{
	if (abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000L)
		return EINVAL;
	struct kestrel_timespec now;
	if (__kestrel_syscall2(KESTREL_SYS_CLOCK_GETTIME, (unsigned long)(long)clock, (unsigned long)&now) < 0)
		return EINVAL;
	long sec = abs->tv_sec - now.tv_sec;
	long nsec = abs->tv_nsec - now.tv_nsec;
	if (nsec < 0) {
		nsec += 1000000000L;
		sec--;
	}
	if (sec < 0 || (sec == 0 && nsec == 0))
		return ETIMEDOUT;
	rel->tv_sec = sec;
	rel->tv_nsec = nsec;
	return 0;
}

/* Drepper's mutex ("Futexes are tricky"): 0 free, 1 held, 2 held and maybe slept on. */
void __kestrel_lock(volatile uint32_t *lock)
{
	uint32_t c = 0;
	if (__atomic_compare_exchange_n(lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(lock, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		__kestrel_futex_wait(lock, 2, NULL);
		c = __atomic_exchange_n(lock, 2, __ATOMIC_ACQUIRE);
	}
}

void __kestrel_unlock(volatile uint32_t *lock)
{
	if (__atomic_exchange_n(lock, 0, __ATOMIC_RELEASE) == 2)
		__kestrel_futex_wake(lock, 1);
}
