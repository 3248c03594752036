/* sys/time.h (kestrel guest C runtime): gettimeofday over CLOCK_REALTIME, and the
 * interval timer (setitimer, getitimer; Linux's struct itimerval). Only ITIMER_REAL
 * exists: ITIMER_VIRTUAL and ITIMER_PROF fail with EINVAL. */
#ifndef _SYS_TIME_H
#define _SYS_TIME_H

#include <sys/select.h> /* struct timeval, select (as glibc's sys/time.h) */
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

int gettimeofday(struct timeval *restrict tv, void *restrict tz);

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct itimerval {
	struct timeval it_interval;
	struct timeval it_value;
};

int setitimer(int which, const struct itimerval *restrict value, struct itimerval *restrict old);
int getitimer(int which, struct itimerval *value);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_TIME_H */
