/* sys/time.h (kestrel guest C runtime): gettimeofday over CLOCK_REALTIME. */
#ifndef _SYS_TIME_H
#define _SYS_TIME_H

#include <sys/select.h> /* struct timeval, select (as glibc's sys/time.h) */
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

int gettimeofday(struct timeval *restrict tv, void *restrict tz);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_TIME_H */
