/* time.c: clocks and sleeping. struct timespec (Linux layout) is converted to and from
 * the kernel's 16-byte TimeSpec (i32 nanoseconds). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int to_kernel(const struct timespec *ts, struct kestrel_timespec *k)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L) {
		errno = EINVAL;
		return -1;
	}
	k->tv_sec = ts->tv_sec;
	k->tv_nsec = (int32_t)ts->tv_nsec;
	k->__pad = 0;
	return 0;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	struct kestrel_timespec k = {0, 0, 0};
	if (__kestrel_ret(__kestrel_syscall2(KESTREL_SYS_CLOCK_GETTIME, (unsigned long)(long)clock,
					     (unsigned long)&k)) < 0)
		return -1;
	ts->tv_sec = k.tv_sec;
	ts->tv_nsec = k.tv_nsec;
	return 0;
}

int clock_getres(clockid_t clock, struct timespec *res)
{
	/* The clocks count nanoseconds; reading one checks that the id is valid. */
	struct timespec now;
	if (clock_gettime(clock, &now) < 0)
		return -1;
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

int clock_settime(clockid_t clock, const struct timespec *ts)
{
	struct kestrel_timespec k;
	if (to_kernel(ts, &k) < 0)
		return -1;
	/* SYS_CALL TIME_CALL_SETTIME on a handle of /scheme/time/CLOCK (root only; the
	 * kernel refuses every clock but CLOCK_REALTIME with EINVAL). */
	char path[32];
	snprintf(path, sizeof path, "/scheme/time/%d", clock);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			errno = EINVAL; /* no such clock */
		return -1;
	}
	uint64_t meta[1] = {KESTREL_TIME_CALL_SETTIME};
	long r = __kestrel_call(fd, &k, sizeof k, KESTREL_CALL_WRITE, meta, 1);
	int saved = errno;
	close(fd);
	errno = saved;
	return r < 0 ? -1 : 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	struct kestrel_timespec k, left = {0, 0, 0};
	if (to_kernel(req, &k) < 0)
		return -1;
	long r = __kestrel_ret(__kestrel_syscall2(KESTREL_SYS_NANOSLEEP, (unsigned long)&k, (unsigned long)&left));
	if (r < 0 && errno == EINTR && rem) {
		rem->tv_sec = left.tv_sec;
		rem->tv_nsec = left.tv_nsec;
	}
	return r < 0 ? -1 : 0;
}

/* Returns the error number itself (0 on success), as POSIX has clock_nanosleep do; errno
 * is left alone. */
int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
	struct kestrel_timespec k, left = {0, 0, 0};
	int saved = errno;
	if (to_kernel(req, &k) < 0) {
		int e = errno;
		errno = saved;
		return e;
	}
	long r = __kestrel_syscall4(KESTREL_SYS_CLOCK_NANOSLEEP, (unsigned long)(long)clock, (unsigned long)flags,
				    (unsigned long)&k, (unsigned long)&left);
	if (r == -EINTR && rem && !(flags & TIMER_ABSTIME)) {
		rem->tv_sec = left.tv_sec;
		rem->tv_nsec = left.tv_nsec;
	}
	return r < 0 ? (int)-r : 0;
}

time_t time(time_t *t)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return (time_t)-1;
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	(void)tz;
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	if (tv) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return 0;
}

/* The interval timer: struct itimerval is Linux's, which the kernel takes as it is. */

int setitimer(int which, const struct itimerval *restrict value, struct itimerval *restrict old)
{
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_SETITIMER, (unsigned long)(long)which,
						     (unsigned long)value, (unsigned long)old));
}

int getitimer(int which, struct itimerval *value)
{
	return (int)__kestrel_ret(
		__kestrel_syscall2(KESTREL_SYS_GETITIMER, (unsigned long)(long)which, (unsigned long)value));
}

unsigned int alarm(unsigned int seconds)
{
	return (unsigned int)__kestrel_syscall1(KESTREL_SYS_ALARM, seconds);
}
