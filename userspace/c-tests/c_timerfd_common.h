/* Helpers shared by the c_timerfd*.c conformance tests (timerfd_create(2)): nanoseconds
 * and timespecs, arming a timer (ARM), the time left and interval timerfd_gettime reports,
 * reading the 8-byte expiration count (CHECK_COUNT, CHECK_NOTHING), a time within a range
 * (CHECK_RANGE), the timer a child works on, and waiting until a process sleeps in read or
 * a poll. The checks, children (and reaping them with a deadline) and the way to see a
 * sleeper come from c_common.h.
 *
 * Plain POSIX and Linux C: the same sources build with the kestrel sysroot and with the
 * host's gcc and glibc, and pass on both (the tests follow Linux's semantics).
 */
#ifndef C_TIMERFD_COMMON_H
#define C_TIMERFD_COMMON_H

#include "c_common.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/timerfd.h>

#define MS 1000000LL /* nanoseconds */

static inline long long ts_ns(struct timespec ts)
{
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline struct timespec ns_ts(long long ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
	return ts;
}

static inline long long clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts_ns(ts);
}

/* An itimerspec of VALUE and INTERVAL nanoseconds. */
static inline struct itimerspec its(long long value, long long interval)
{
	struct itimerspec t;
	t.it_value = ns_ts(value);
	t.it_interval = ns_ts(interval);
	return t;
}

/* timerfd_settime(FD, FLAGS, VALUE / INTERVAL ns) succeeds. */
#define ARM(fd, flags, value, interval)                                  \
	do {                                                             \
		struct itimerspec t_ = its(value, interval);             \
		CHECK_OK(timerfd_settime(fd, flags, &t_, NULL));         \
	} while (0)

/* The remaining time and interval timerfd_gettime reports, in ns (-1 on failure). */
static inline long long remaining(int fd, long long *interval)
{
	struct itimerspec t;
	memset(&t, 0xa5, sizeof t);
	if (timerfd_gettime(fd, &t) != 0) {
		FAIL_AT("timerfd_gettime(%d): errno %d (%s)", fd, errno, strerror(errno));
		return -1;
	}
	if (t.it_value.tv_nsec < 0 || t.it_value.tv_nsec >= 1000000000L || t.it_interval.tv_nsec < 0 ||
	    t.it_interval.tv_nsec >= 1000000000L)
		FAIL_AT("timerfd_gettime(%d): tv_nsec %ld / %ld", fd, t.it_value.tv_nsec,
		        t.it_interval.tv_nsec);
	if (interval)
		*interval = ts_ns(t.it_interval);
	return ts_ns(t.it_value);
}

/* LO <= X <= HI. */
#define CHECK_RANGE(x, lo, hi)                                                                    \
	do {                                                                                      \
		long long x_ = (long long)(x), lo_ = (long long)(lo), hi_ = (long long)(hi);      \
		if (x_ < lo_ || x_ > hi_)                                                         \
			FAIL_AT("%s: %lld, expected %lld..%lld", #x, x_, lo_, hi_);               \
	} while (0)

/* read of the 8-byte count: the count, or -1 with errno. */
static inline long long read_count(int fd)
{
	uint64_t n = 0xdeadbeefdeadbeefULL;
	ssize_t r = read(fd, &n, sizeof n);
	if (r == -1)
		return -1;
	if (r != 8) {
		FAIL_AT("read(%d, 8): %zd bytes", fd, r);
		return -2;
	}
	return (long long)n;
}

/* The count read is WANT. */
#define CHECK_COUNT(fd, want)                                                                    \
	do {                                                                                     \
		errno = 0;                                                                       \
		long long c_ = read_count(fd);                                                   \
		if (c_ != (long long)(want))                                                     \
			FAIL_AT("read(%s): %lld (errno %d, %s); expected a count of %lld", #fd, c_, \
			        errno, strerror(errno), (long long)(want));                       \
	} while (0)

/* A read without blocking finds nothing: EAGAIN. */
#define CHECK_NOTHING(fd) CHECK_ERR(read_count(fd), EAGAIN)

/* Whether PID sleeps in read (0), poll (7), select (23), epoll_wait (232), pselect6 (270),
 * ppoll (271) or epoll_pwait (281) (x86_64; -1 where it cannot be seen). */
static inline int asleep_in_wait(pid_t pid)
{
	static const int calls[] = {0, 7, 23, 232, 270, 271, 281};
	return asleep_in(pid, calls, sizeof calls / sizeof calls[0]);
}

/* The timer a child works on (set before spawn: the child inherits the descriptor). */
static int g_fd;

#endif /* C_TIMERFD_COMMON_H */
