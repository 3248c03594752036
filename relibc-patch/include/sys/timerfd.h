/* sys/timerfd.h: timers that report their expirations through a descriptor (kestrel guest
 * sysroot).
 *
 * Linux's interface (timerfd_create(2)); not in POSIX. ABI: Linux x86_64 as glibc defines
 * it: TFD_TIMER_ABSTIME is 1 and TFD_TIMER_CANCEL_ON_SET 2, TFD_CLOEXEC and TFD_NONBLOCK
 * equal the C library's O_CLOEXEC and O_NONBLOCK (glibc's equal Linux's; the guest runtime's
 * <fcntl.h> has the kernel's values, which kestrel's timerfd scheme takes), and struct
 * itimerspec is Linux's 32 bytes (it_interval, then it_value). Clock ids are <time.h>'s
 * CLOCK_* (the kernel's numbers in the guest runtime).
 *
 * glibc declares struct itimerspec in <time.h>; the guest runtime's <time.h> does not, so
 * this header declares it under glibc's guard, __itimerspec_defined.
 *
 * Written to match relibc-patch/src/header/sys_timerfd/mod.rs, whose host tests compile
 * this file and compare every value and offset with the Rust definitions and with glibc's.
 * The functions are in libkestrel_relibc.a.
 */
#ifndef _SYS_TIMERFD_H
#define _SYS_TIMERFD_H

#include <fcntl.h> /* O_CLOEXEC, O_NONBLOCK */
#include <time.h>  /* struct timespec, CLOCK_* */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef __itimerspec_defined
#define __itimerspec_defined 1
/* A timer's setting: 32 bytes. */
struct itimerspec {
	struct timespec it_interval; /* offset  0: the period; zero for a one-shot timer */
	struct timespec it_value;    /* offset 16: the first expiry; zero disarms */
};
#endif

/* timerfd_create flags. */
#define TFD_CLOEXEC O_CLOEXEC   /* the descriptor is close-on-exec */
#define TFD_NONBLOCK O_NONBLOCK /* a read before an expiry fails with EAGAIN */

/* timerfd_settime flags. */
#define TFD_TIMER_ABSTIME 1       /* it_value is a time on the timer's clock */
#define TFD_TIMER_CANCEL_ON_SET 2 /* with CLOCK_REALTIME and TFD_TIMER_ABSTIME: ECANCELED
                                     once after the clock is set */

/* A new descriptor over a disarmed timer on clock CLOCKID (a clockid_t, which is an int);
   -1 and errno on failure. */
int timerfd_create(int clockid, int flags);
/* Arms (or with a zero it_value disarms) the timer of FD; the previous setting in
   *OLD_VALUE unless it is NULL. 0, or -1 and errno. */
int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value);
/* The time to the next expiry (zero when disarmed) and the interval. 0, or -1 and errno. */
int timerfd_gettime(int fd, struct itimerspec *curr_value);

#ifdef __cplusplus
}
#endif

#if !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct itimerspec) == 32, "struct itimerspec: Linux layout");
#endif

#endif /* _SYS_TIMERFD_H */
