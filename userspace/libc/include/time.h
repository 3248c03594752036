/* time.h (kestrel guest C runtime).
 *
 * ABI: struct timespec is Linux's (64-bit tv_sec and tv_nsec); the runtime converts it
 * to the kernel's 16-byte TimeSpec. Clock ids are the KERNEL's (Redox values), not
 * Linux's: CLOCK_REALTIME 1, CLOCK_MONOTONIC 4, CLOCK_BOOTTIME 7. A program that
 * hard-codes Linux's numbers (MONOTONIC = 1) gets the wrong clock; use the names. */
#ifndef _TIME_H
#define _TIME_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLOCK_REALTIME 1
#define CLOCK_MONOTONIC 4
#define CLOCK_BOOTTIME 7

#ifndef __timespec_defined
#define __timespec_defined
struct timespec {
	time_t tv_sec;
	long tv_nsec;
};
#endif

time_t time(time_t *t);
int clock_gettime(clockid_t clock, struct timespec *ts);
int clock_settime(clockid_t clock, const struct timespec *ts);
int clock_getres(clockid_t clock, struct timespec *res);
int nanosleep(const struct timespec *req, struct timespec *rem);

/* clock_nanosleep's flag: `req` is a time on the clock, not an interval. */
#define TIMER_ABSTIME 1
int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem);

#ifdef __cplusplus
}
#endif

#endif /* _TIME_H */
