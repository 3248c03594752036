/* poll.c: poll, ppoll, select and pselect over the kernel's event queues, as relibc
 * builds them on Redox's.
 *
 * A call first asks each descriptor's readiness with SYS_FEVENT (no queue needed when
 * something is ready or the timeout is 0). Otherwise it opens a private /scheme/event
 * queue, registers every descriptor with the directions asked for (and, for a finite
 * timeout, a /scheme/time/CLOCK_MONOTONIC timer armed at the deadline), and reads the
 * queue: the read sleeps until a registration is ready, the timer fires or a signal
 * interrupts it (EINTR). Then it asks every descriptor again. The queue is
 * level-triggered, and the directions registered are exactly those the second look
 * reports, so a wake-up that finds nothing (another descriptor's change) sleeps again
 * rather than spinning.
 *
 * The kernel reports four conditions: readable (EVENT_READ: a read will not block, which
 * includes end of file) and writable (EVENT_WRITE: a write will not block, which
 * includes a pipe with no reader) are POLLIN and POLLOUT when asked for; hang-up
 * (EVENT_HUP: a pipe's read end with no writer) and error (EVENT_ERR: a pipe's write
 * end with no reader) are POLLHUP and POLLERR, always reported, as Linux does. At end of
 * file a pipe is POLLIN | POLLHUP (Linux: POLLHUP alone when no data is left). Nothing
 * has POLLPRI (select's exceptional set stays empty). A descriptor that is not open is
 * POLLNVAL, and EBADF for select. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The kernel's descriptor limit (kestrel's MAX_FDS), which RLIMIT_NOFILE would report. */
#define FD_LIMIT 1024
/* Registrations written to the queue in one write. */
#define BATCH 64

long long __kestrel_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

unsigned long __kestrel_fevent(int fd, unsigned long flags, int *bad)
{
	long r = __kestrel_syscall2(KESTREL_SYS_FEVENT, (unsigned long)(long)fd, flags);
	*bad = r < 0 && r >= -4095;
	return *bad ? 0 : (unsigned long)r;
}

int __kestrel_event_register(int queue, const struct kestrel_event *events, size_t n)
{
	return __kestrel_write_all(queue, events, n * sizeof *events);
}

int __kestrel_event_wait(int queue, long long deadline_ns)
{
	struct kestrel_event ev;
	uint64_t meta[2] = {KESTREL_EVENT_CALL_WAIT, deadline_ns < 0 ? ~0ULL : (uint64_t)deadline_ns};
	return __kestrel_call(queue, &ev, sizeof ev, KESTREL_CALL_READ, meta, 2) < 0 ? -1 : 0;
}

int __kestrel_wait_begin(const sigset_t *mask, sigset_t *old, int *interrupted)
{
	*interrupted = 0;
	if (!mask)
		return 0;
	/* A pending signal that the wait's mask unblocks is delivered as the mask is set,
	 * before the wait starts: if it has a handler, the wait is interrupted (as Linux
	 * would find it pending when it goes to sleep). Default or ignored actions do not
	 * interrupt (Linux restarts the call when no handler ran). */
	sigset_t pending = 0;
	sigpending(&pending);
	pending &= ~*mask;
	for (int sig = 1; sig < NSIG && pending; sig++) {
		if (!sigismember(&pending, sig))
			continue;
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
			*interrupted = 1;
	}
	return sigprocmask(SIG_SETMASK, mask, old);
}

void __kestrel_wait_end(const sigset_t *mask, const sigset_t *old)
{
	if (mask) {
		int saved = errno;
		sigprocmask(SIG_SETMASK, old, NULL);
		errno = saved;
	}
}

/* Always asked for, always reported. */
#define ALWAYS (KESTREL_EVENT_HUP | KESTREL_EVENT_ERR)

static short from_kernel(unsigned long ready)
{
	short r = 0;
	if (ready & KESTREL_EVENT_HUP)
		r |= POLLHUP;
	if (ready & KESTREL_EVENT_ERR)
		r |= POLLERR;
	if (ready & KESTREL_EVENT_READ)
		r |= POLLIN | POLLRDNORM;
	if (ready & KESTREL_EVENT_WRITE)
		r |= POLLOUT | POLLWRNORM;
	return r;
}

/* What select counts: readable is POLLIN, POLLHUP or POLLERR, writable POLLOUT or
 * POLLERR (Linux's POLLIN_SET and POLLOUT_SET); nothing is exceptional. */
#define SELECT_IN (POLLIN | POLLHUP | POLLERR)
#define SELECT_OUT (POLLOUT | POLLERR)

/* The conditions to register for `events`: exactly those that the scan counts, so that
 * a level-triggered wake-up always finds something. */
static unsigned long to_kernel(short events, int for_select)
{
	unsigned long k = 0;
	if (events & (POLLIN | POLLRDNORM))
		k |= KESTREL_EVENT_READ | (for_select ? ALWAYS : 0);
	if (events & (POLLOUT | POLLWRNORM))
		k |= KESTREL_EVENT_WRITE | (for_select ? KESTREL_EVENT_ERR : 0);
	return for_select ? k : k | ALWAYS;
}

static int counts(const struct pollfd *p, int for_select)
{
	if (!for_select || (p->revents & POLLNVAL))
		return p->revents != 0;
	return ((p->events & POLLIN) && (p->revents & SELECT_IN)) || ((p->events & POLLOUT) && (p->revents & SELECT_OUT));
}

/* Fills every revents; returns how many descriptors count as ready. */
static int scan(struct pollfd *fds, nfds_t nfds, int for_select)
{
	int count = 0;
	for (nfds_t i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		int bad;
		unsigned long ready =
			__kestrel_fevent(fds[i].fd, KESTREL_EVENT_READ | KESTREL_EVENT_WRITE | ALWAYS, &bad);
		fds[i].revents = bad ? POLLNVAL : (short)(from_kernel(ready) & (fds[i].events | POLLHUP | POLLERR));
		if (counts(&fds[i], for_select))
			count++;
	}
	return count;
}

/* Registers each descriptor once, with the union of the conditions asked for it. */
static int register_all(int queue, const struct pollfd *fds, nfds_t nfds, int for_select)
{
	unsigned short want[FD_LIMIT];
	memset(want, 0, sizeof want);
	for (nfds_t i = 0; i < nfds; i++)
		if (fds[i].fd >= 0 && fds[i].fd < FD_LIMIT)
			want[fds[i].fd] |= (unsigned short)to_kernel(fds[i].events, for_select);
	struct kestrel_event batch[BATCH];
	size_t n = 0;
	for (int fd = 0; fd < FD_LIMIT; fd++) {
		if (!want[fd])
			continue;
		batch[n++] = (struct kestrel_event){(uint64_t)fd, want[fd], (uint64_t)fd};
		if (n == BATCH) {
			if (__kestrel_event_register(queue, batch, n) < 0)
				return -1;
			n = 0;
		}
	}
	return n ? __kestrel_event_register(queue, batch, n) : 0;
}

static void close_quietly(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
}

/* The common wait: timeout_ns < 0 waits for ever; *left (if given) receives the time
 * left of a finite timeout. */
static int wait_ready(struct pollfd *fds, nfds_t nfds, long long timeout_ns, const sigset_t *mask, long long *left,
		      int for_select)
{
	if (nfds > FD_LIMIT) {
		errno = EINVAL;
		return -1;
	}
	long long start = __kestrel_monotonic_ns();
	long long deadline = timeout_ns > 0 ? start + timeout_ns : start;
	sigset_t old = 0;
	int interrupted;
	if (__kestrel_wait_begin(mask, &old, &interrupted) < 0)
		return -1;
	int queue = -1, ret;
	for (;;) {
		ret = scan(fds, nfds, for_select);
		if (ret > 0)
			break;
		if (interrupted) {
			errno = EINTR;
			ret = -1;
			break;
		}
		if (timeout_ns == 0 || (timeout_ns > 0 && __kestrel_monotonic_ns() >= deadline)) {
			ret = 0;
			break;
		}
		if (queue < 0) {
			queue = open("/scheme/event", O_RDWR | O_CLOEXEC);
			if (queue < 0) {
				ret = -1;
				break;
			}
			if (register_all(queue, fds, nfds, for_select) < 0) {
				/* A descriptor closed since the scan (by another thread) is EBADF
				 * here: the next scan reports it. */
				if (errno == EBADF)
					continue;
				ret = -1;
				break;
			}
		}
		if (__kestrel_event_wait(queue, timeout_ns > 0 ? deadline : -1) < 0) {
			ret = -1;
			break;
		}
	}
	close_quietly(queue);
	__kestrel_wait_end(mask, &old);
	if (left && timeout_ns > 0) {
		long long l = deadline - __kestrel_monotonic_ns();
		*left = l > 0 ? l : 0;
	}
	return ret;
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	return wait_ready(fds, nfds, timeout < 0 ? -1 : (long long)timeout * 1000000LL, NULL, NULL, 0);
}

static int timespec_ns(const struct timespec *ts, long long *ns)
{
	if (!ts) {
		*ns = -1;
		return 0;
	}
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L) {
		errno = EINVAL;
		return -1;
	}
	/* Saturate far beyond any wait (292 years). */
	*ns = ts->tv_sec > 9000000000LL ? -1 : ts->tv_sec * 1000000000LL + ts->tv_nsec;
	return 0;
}

int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask)
{
	long long ns;
	if (timespec_ns(timeout, &ns) < 0)
		return -1;
	return wait_ready(fds, nfds, ns, sigmask, NULL, 0);
}

/* select and pselect: the sets become a pollfd array; a closed descriptor in any set is
 * EBADF (Linux); the exceptional set never has a bit set. */
static int select_common(int nfds, fd_set *r, fd_set *w, fd_set *e, long long timeout_ns, const sigset_t *mask,
			 long long *left)
{
	if (nfds < 0) {
		errno = EINVAL;
		return -1;
	}
	/* As Linux clamps nfds to the size of the descriptor table. */
	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	struct pollfd fds[FD_SETSIZE];
	nfds_t n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short events = 0;
		if (r && FD_ISSET(fd, r))
			events |= POLLIN;
		if (w && FD_ISSET(fd, w))
			events |= POLLOUT;
		if (e && FD_ISSET(fd, e))
			events |= POLLPRI;
		if (events)
			fds[n++] = (struct pollfd){fd, events, 0};
	}
	int ret = wait_ready(fds, n, timeout_ns, mask, left, 1);
	if (ret < 0)
		return -1;
	for (nfds_t i = 0; i < n; i++) {
		if (fds[i].revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	}
	for (int fd = 0; fd < nfds; fd++) {
		if (r)
			FD_CLR(fd, r);
		if (w)
			FD_CLR(fd, w);
		if (e)
			FD_CLR(fd, e);
	}
	int count = 0;
	for (nfds_t i = 0; i < n; i++) {
		int fd = fds[i].fd;
		if ((fds[i].events & POLLIN) && (fds[i].revents & SELECT_IN)) {
			FD_SET(fd, r);
			count++;
		}
		if ((fds[i].events & POLLOUT) && (fds[i].revents & SELECT_OUT)) {
			FD_SET(fd, w);
			count++;
		}
	}
	return count;
}

int select(int nfds, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e, struct timeval *restrict timeout)
{
	long long ns = -1, left = 0;
	if (timeout) {
		/* Linux takes a tv_usec of a million or more as whole seconds; negative
		 * values are EINVAL. */
		if (timeout->tv_sec < 0 || timeout->tv_usec < 0) {
			errno = EINVAL;
			return -1;
		}
		long long sec = timeout->tv_sec + timeout->tv_usec / 1000000;
		ns = sec > 9000000000LL ? -1 : sec * 1000000000LL + (timeout->tv_usec % 1000000) * 1000LL;
	}
	int ret = select_common(nfds, r, w, e, ns, NULL, &left);
	/* Linux writes the time left back (not for a zero timeout, nor an unbounded one). */
	if (timeout && ns > 0) {
		timeout->tv_sec = left / 1000000000LL;
		timeout->tv_usec = (left % 1000000000LL) / 1000;
	}
	return ret;
}

int pselect(int nfds, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
	    const struct timespec *restrict timeout, const sigset_t *restrict sigmask)
{
	long long ns;
	if (timespec_ns(timeout, &ns) < 0)
		return -1;
	return select_common(nfds, r, w, e, ns, sigmask, NULL);
}
