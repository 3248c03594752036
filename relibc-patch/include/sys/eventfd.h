/* sys/eventfd.h: descriptors over a 64-bit counter (kestrel guest sysroot).
 *
 * Linux's interface (eventfd(2)); not in POSIX. ABI: Linux x86_64 as glibc defines it:
 * eventfd_t is uint64_t, EFD_SEMAPHORE is 1, and EFD_CLOEXEC and EFD_NONBLOCK equal the C
 * library's O_CLOEXEC and O_NONBLOCK (glibc's equal Linux's; the guest runtime's <fcntl.h>
 * has the kernel's values, which kestrel's eventfd scheme takes).
 *
 * eventfd_read and eventfd_write read or write the 8-byte value: 0 when all 8 bytes moved,
 * else -1 (errno set by a failed read or write, untouched after a short one), as in glibc.
 *
 * Written to match relibc-patch/src/header/sys_eventfd/mod.rs, whose host tests compile
 * this file and compare every value with the Rust definitions and with glibc's. The
 * functions are in libkestrel_relibc.a.
 */
#ifndef _SYS_EVENTFD_H
#define _SYS_EVENTFD_H

#include <fcntl.h> /* O_CLOEXEC, O_NONBLOCK */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An eventfd's counter value. */
typedef uint64_t eventfd_t;

/* eventfd flags. */
#define EFD_SEMAPHORE 1         /* a read returns 1 and decrements the count */
#define EFD_CLOEXEC O_CLOEXEC   /* the descriptor is close-on-exec */
#define EFD_NONBLOCK O_NONBLOCK /* EAGAIN instead of waiting */

/* A new descriptor over a counter starting at initval; -1 and errno on failure. */
int eventfd(unsigned int initval, int flags);
/* Reads the counter into *value: 0, or -1. */
int eventfd_read(int fd, eventfd_t *value);
/* Adds value to the counter: 0, or -1. */
int eventfd_write(int fd, eventfd_t value);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_EVENTFD_H */
