/* c_ready.h: readiness as poll, select and epoll report it for one descriptor, for the
 * tests of descriptors that poll (c_eventfd, c_signalfd, c_timerfd). Each failed call or
 * inconsistent answer is a failed check (c_common.h). */
#ifndef C_READY_H
#define C_READY_H

#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "c_common.h"

/* poll(FD, EVENTS, TIMEOUT): POLLIN, POLLOUT, POLLERR and POLLHUP of revents, or -1. */
static inline int poll_events(int fd, short events, int timeout)
{
	struct pollfd p = {fd, events, 0};
	int n = poll(&p, 1, timeout);
	if (n < 0) {
		FAIL_AT("poll(%d): errno %d (%s)", fd, errno, strerror(errno));
		return -1;
	}
	if (n != (p.revents != 0))
		FAIL_AT("poll(%d): %d with revents 0x%x", fd, n, p.revents);
	return p.revents & (POLLIN | POLLOUT | POLLERR | POLLHUP);
}

/* select(FD readable, TIMEOUT_MS): 1 if readable, 0 if not, -1 on failure. */
static inline int select_readable(int fd, long timeout_ms)
{
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int n = select(fd + 1, &rd, NULL, NULL, &tv);
	if (n < 0) {
		FAIL_AT("select: errno %d (%s)", errno, strerror(errno));
		return -1;
	}
	if (n != !!FD_ISSET(fd, &rd))
		FAIL_AT("select: %d, but the set says %d", n, !!FD_ISSET(fd, &rd));
	return n;
}

/* epoll_wait(EP, ..., TIMEOUT) on a set of one descriptor registered with COOKIE: its
 * events (0: none), or 0xffffffff on failure. */
static inline unsigned epoll_cookie_events(int ep, int timeout, uint64_t cookie)
{
	struct epoll_event ev[2];
	memset(ev, 0, sizeof ev);
	int n = epoll_wait(ep, ev, 2, timeout);
	if (n < 0) {
		FAIL_AT("epoll_wait: errno %d (%s)", errno, strerror(errno));
		return 0xffffffffu;
	}
	if (n > 1)
		FAIL_AT("epoll_wait: %d events for one descriptor", n);
	if (n == 1 && ev[0].data.u64 != cookie)
		FAIL_AT("epoll_wait: data 0x%llx", (unsigned long long)ev[0].data.u64);
	return n == 1 ? ev[0].events : 0;
}

#endif /* C_READY_H */
