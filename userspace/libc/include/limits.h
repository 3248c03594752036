/* limits.h (kestrel guest C runtime): GCC's own limits.h supplies the C limits
 * (INT_MAX, LLONG_MAX, ...); this file only stops it from looking for a system
 * limits.h that does not exist, and adds the POSIX ones below. */
#ifndef _KESTREL_LIMITS_H
#define _KESTREL_LIMITS_H

#define _LIBC_LIMITS_H_ 1 /* tells GCC's limits.h there is no further system header */
#include_next <limits.h>

#define PATH_MAX 4096     /* the kernel's longest path */
#define PAGESIZE 4096
#define PAGE_SIZE 4096
#define NGROUPS_MAX 65536 /* setgroups' limit */
#define OPEN_MAX 1024     /* descriptors per process */
#define ATEXIT_MAX 64     /* atexit registrations */
#define NAME_MAX 255
#define MQ_PRIO_MAX 32768     /* message priorities are below this (mqueue.h; Linux's) */
#define _POSIX_MQ_PRIO_MAX 32 /* the least POSIX allows */
#define _POSIX_MQ_OPEN_MAX 8
#define PIPE_BUF 4096     /* the most a pipe writes atomically */
#define SSIZE_MAX LONG_MAX
#ifndef SEM_VALUE_MAX
#define SEM_VALUE_MAX (2147483647) /* semaphore.h's largest value (Linux's: INT_MAX) */
#endif
#define _POSIX_SEM_VALUE_MAX 32767 /* the least POSIX allows */
#define _POSIX_SEM_NSEMS_MAX 256

#endif /* _KESTREL_LIMITS_H */
