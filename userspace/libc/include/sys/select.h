/* sys/select.h (kestrel guest C runtime): select and pselect over the kernel's event
 * queues. ABI: Linux x86_64 (fd_set is 1024 bits in 64-bit words, FD_SETSIZE 1024, the
 * kernel's descriptor limit). */
#ifndef _SYS_SELECT_H
#define _SYS_SELECT_H

#include <signal.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _STRUCT_TIMEVAL
#define _STRUCT_TIMEVAL
struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;
};
#endif

#define FD_SETSIZE 1024
#define __NFDBITS (8 * (int)sizeof(long))

typedef struct {
	long fds_bits[FD_SETSIZE / __NFDBITS];
} fd_set;

#define FD_ZERO(set)                                                                         \
	do {                                                                                 \
		for (unsigned __i = 0; __i < FD_SETSIZE / __NFDBITS; __i++)                   \
			(set)->fds_bits[__i] = 0;                                             \
	} while (0)
#define FD_SET(fd, set) ((void)((set)->fds_bits[(fd) / __NFDBITS] |= (1L << ((fd) % __NFDBITS))))
#define FD_CLR(fd, set) ((void)((set)->fds_bits[(fd) / __NFDBITS] &= ~(1L << ((fd) % __NFDBITS))))
#define FD_ISSET(fd, set) (((set)->fds_bits[(fd) / __NFDBITS] & (1L << ((fd) % __NFDBITS))) != 0)

int select(int nfds, fd_set *restrict readfds, fd_set *restrict writefds, fd_set *restrict exceptfds,
	   struct timeval *restrict timeout);
int pselect(int nfds, fd_set *restrict readfds, fd_set *restrict writefds, fd_set *restrict exceptfds,
	    const struct timespec *restrict timeout, const sigset_t *restrict sigmask);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_SELECT_H */
