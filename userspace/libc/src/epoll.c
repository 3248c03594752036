/* epoll.c: epoll over the kernel's event queues. An epoll descriptor is a /scheme/event
 * queue; epoll_ctl writes registrations to it (the descriptor, EVENT_READ/EVENT_WRITE,
 * EVENT_EDGE for EPOLLET, the epoll events themselves above KESTREL_EVENT_EPOLL_SHIFT,
 * and the user's 64-bit data, which the kernel carries whole) and epoll_wait is one
 * KESTREL_SYS_EPOLL_WAIT, which writes the caller's records in those events (and
 * disables an EPOLLONESHOT registration once reported, until EPOLL_CTL_MOD writes it
 * again). The queue's registrations are the instance's, shared by every process that
 * has it (a fork child reports the parent's), as Linux's are.
 *
 * The kernel replaces a registration silently and forgets one written with flags 0, so
 * the runtime keeps a table of (epoll descriptor, descriptor) pairs for what the kernel
 * does not do: EEXIST and ENOENT, adding an epoll
 * descriptor to a set that it contains (ELOOP), and forgetting a descriptor when it is
 * closed (close and dup2 call the hook). The kernel registration stays: it names the
 * open description, so it reports while a dup of the descriptor, or a forked child's
 * copy, keeps the description open, and nothing once the last is closed, as Linux's
 * does. (Removing it at every close let a fork child that closed its inherited copy
 * silence the parent's registration.)
 *
 * As for poll, the kernel's readable and writable are EPOLLIN and EPOLLOUT when asked
 * for, its hang-up and error EPOLLHUP and EPOLLERR, always reported (Linux). Nothing
 * reports EPOLLPRI or EPOLLRDHUP (Linux's pipes do not either).
 *
 * Threads: the table has a lock (table_lock), held while it is read or changed and never
 * while a call sleeps; it comes after a stream's lock (fclose closes under it) and before
 * the heap's (the table grows with realloc). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "thread.h"

struct entry {
	int epfd;
	int fd;
};

static struct entry *entries;
static size_t n_entries, cap_entries;
static volatile uint32_t table_lock;

/* fork: the table is held across the copy; the child starts it free. */
void __kestrel_epoll_lock_all(void)
{
	__kestrel_lock(&table_lock);
}

void __kestrel_epoll_unlock_all(int child)
{
	if (child)
		table_lock = 0;
	else
		__kestrel_unlock(&table_lock);
}

static struct entry *find(int epfd, int fd)
{
	for (size_t i = 0; i < n_entries; i++)
		if (entries[i].epfd == epfd && entries[i].fd == fd)
			return &entries[i];
	return NULL;
}

static void drop_entry(struct entry *e)
{
	*e = entries[--n_entries];
}

/* The kernel's conditions for `events`, and the events themselves above
 * KESTREL_EVENT_EPOLL_SHIFT: the kernel reports in those terms and disables an
 * EPOLLONESHOT registration once reported. */
static unsigned long to_kernel(uint32_t events)
{
	unsigned long k = KESTREL_EVENT_HUP | KESTREL_EVENT_ERR | ((unsigned long)events << KESTREL_EVENT_EPOLL_SHIFT);
	if (events & (EPOLLIN | EPOLLRDNORM))
		k |= KESTREL_EVENT_READ;
	if (events & (EPOLLOUT | EPOLLWRNORM))
		k |= KESTREL_EVENT_WRITE;
	if (events & EPOLLET)
		k |= KESTREL_EVENT_EDGE;
	return k;
}

static int kernel_set(int epfd, int fd, unsigned long flags, uint64_t data)
{
	struct kestrel_event ev = {(uint64_t)fd, flags, data};
	return __kestrel_event_register(epfd, &ev, 1);
}

/* The last descriptor check_epoll found to be an event queue, until it is closed (the
 * close hook forgets it): an event loop's every epoll_wait asks about the same one, and
 * the check is a system call. */
static volatile int known_epfd = -1;

/* Forgets every entry of `fd`, as a member or as the epoll descriptor. */
static void forget(int fd)
{
	int saved = errno;
	if (fd == __atomic_load_n(&known_epfd, __ATOMIC_RELAXED))
		__atomic_store_n(&known_epfd, -1, __ATOMIC_RELAXED);
	__kestrel_lock(&table_lock);
	for (size_t i = 0; i < n_entries;) {
		if (entries[i].fd == fd) {
			drop_entry(&entries[i]);
		} else if (entries[i].epfd == fd) {
			drop_entry(&entries[i]);
		} else {
			i++;
		}
	}
	__kestrel_unlock(&table_lock);
	errno = saved;
}

/* 0 if epfd is an event queue; -1 with EBADF (not open) or EINVAL (another kind). */
static int check_epoll(int epfd)
{
	if (epfd >= 0 && epfd == __atomic_load_n(&known_epfd, __ATOMIC_RELAXED))
		return 0;
	char path[32];
	long n = __kestrel_ret(
		__kestrel_syscall3(KESTREL_SYS_FPATH, (unsigned long)(long)epfd, (unsigned long)path, sizeof path));
	if (n < 0)
		return -1;
	if (n != 13 || memcmp(path, "/scheme/event", 13) != 0) {
		errno = EINVAL;
		return -1;
	}
	__kestrel_close_hook = forget;
	__atomic_store_n(&known_epfd, epfd, __ATOMIC_RELAXED);
	return 0;
}

int epoll_create1(int flags)
{
	if (flags & ~EPOLL_CLOEXEC) {
		errno = EINVAL;
		return -1;
	}
	__kestrel_close_hook = forget;
	return open("/scheme/event", O_RDWR | flags);
}

int epoll_create(int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	return epoll_create1(0);
}

/* Whether the set `epfd` reaches `target` through epoll descriptors it contains. */
static int reaches(int epfd, int target, int depth)
{
	if (epfd == target)
		return 1;
	if (depth > 5) /* Linux's EP_MAX_NESTS: deeper is ELOOP too */
		return 1;
	for (size_t i = 0; i < n_entries; i++)
		if (entries[i].epfd == epfd && reaches(entries[i].fd, target, depth + 1))
			return 1;
	return 0;
}

static int ctl_locked(int epfd, int op, int fd, struct epoll_event *event);

/* Whether fd is a POSIX message queue: a regular file, as in Linux's mqueue file system,
 * that can be polled all the same. */
static int is_message_queue(int fd)
{
	static const char prefix[] = "/scheme/mq/";
	char path[sizeof prefix - 1];
	long n = __kestrel_syscall3(KESTREL_SYS_FPATH, (unsigned long)fd, (unsigned long)path, sizeof path);
	return n == (long)sizeof path && memcmp(path, prefix, sizeof path) == 0;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	/* Linux's order: EFAULT, EBADF, EPERM, EINVAL, then ELOOP, EEXIST and ENOENT. */
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && !event) {
		errno = EFAULT;
		return -1;
	}
	int bad;
	__kestrel_fevent(epfd, 0, &bad);
	if (!bad)
		__kestrel_fevent(fd, 0, &bad);
	if (bad) {
		errno = EBADF;
		return -1;
	}
	/* Regular files and directories cannot be polled (Linux: EPERM). */
	struct stat st;
	if (fstat(fd, &st) == 0 && (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && !is_message_queue(fd)))) {
		errno = EPERM;
		return -1;
	}
	if (fd == epfd || check_epoll(epfd) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL) {
		errno = EINVAL;
		return -1;
	}
	__kestrel_lock(&table_lock);
	int r = ctl_locked(epfd, op, fd, event);
	__kestrel_unlock(&table_lock);
	return r;
}

/* epoll_ctl's checks against the table and its changes, under table_lock. */
static int ctl_locked(int epfd, int op, int fd, struct epoll_event *event)
{
	struct entry *e = find(epfd, fd);
	if (op == EPOLL_CTL_ADD) {
		if (e) {
			errno = EEXIST;
			return -1;
		}
		if (check_epoll(fd) == 0 && reaches(fd, epfd, 0)) {
			errno = ELOOP;
			return -1;
		}
		if (n_entries == cap_entries) {
			size_t cap = cap_entries ? cap_entries * 2 : 16;
			struct entry *grown = realloc(entries, cap * sizeof *grown);
			if (!grown) {
				errno = ENOMEM;
				return -1;
			}
			entries = grown;
			cap_entries = cap;
		}
		if (kernel_set(epfd, fd, to_kernel(event->events), event->data.u64) < 0)
			return -1;
		entries[n_entries++] = (struct entry){epfd, fd};
		return 0;
	}
	if (!e) {
		errno = ENOENT;
		return -1;
	}
	if (op == EPOLL_CTL_DEL) {
		if (kernel_set(epfd, fd, 0, 0) < 0)
			return -1;
		drop_entry(e);
		return 0;
	}
	/* EPOLL_CTL_MOD: new events and data; re-arms a disabled EPOLLONESHOT entry and an
	 * edge-triggered one (the kernel reports its current readiness again). */
	return kernel_set(epfd, fd, to_kernel(event->events), event->data.u64);
}

/* The deadline KESTREL_SYS_EPOLL_WAIT takes for a timeout in milliseconds: none (~0) for
 * a negative one, 0 for "do not wait", else an absolute monotonic time. */
static uint64_t wait_deadline(int timeout)
{
	if (timeout < 0)
		return ~0ULL;
	if (timeout == 0)
		return 0;
	return (uint64_t)__kestrel_monotonic_ns() + (uint64_t)timeout * 1000000ULL;
}

static long epoll_wait_call(int epfd, struct epoll_event *events, int maxevents, uint64_t deadline)
{
	return __kestrel_syscall4(KESTREL_SYS_EPOLL_WAIT, (unsigned long)(long)epfd, (unsigned long)events,
				  (unsigned long)(long)maxevents, deadline);
}

/* epoll_pwait with a signal mask or a timeout, out of the plain call's way. */
__attribute__((noinline)) static int epoll_wait_slow(int epfd, struct epoll_event *events, int maxevents,
							int timeout, const sigset_t *sigmask)
{
	uint64_t deadline = wait_deadline(timeout);
	if (!sigmask)
		return (int)__kestrel_ret(epoll_wait_call(epfd, events, maxevents, deadline));
	sigset_t old = 0;
	int interrupted;
	if (__kestrel_wait_begin(sigmask, &old, &interrupted) < 0)
		return -1;
	/* A handler already ran as the mask was set: report what is ready, else EINTR. */
	if (interrupted)
		deadline = 0;
	int ret = (int)__kestrel_ret(epoll_wait_call(epfd, events, maxevents, deadline));
	if (ret == 0 && interrupted) {
		errno = EINTR;
		ret = -1;
	}
	__kestrel_wait_end(sigmask, &old);
	return ret;
}

/* One kernel call per wait: the kernel checks the arguments (in Linux's order), looks at
 * the registrations, sleeps until one is ready, the deadline passes or a signal comes
 * (epoll_wait is never restarted after a handler, as on Linux), and writes the caller's
 * struct epoll_event records itself, in the epoll events each registration carries. */
int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout, const sigset_t *sigmask)
{
	/* Waits without a timeout to compute, the frequent ones, make no call before the
	 * system call (and so need no stack frame). */
	if (sigmask || timeout > 0)
		return epoll_wait_slow(epfd, events, maxevents, timeout, sigmask);
	return (int)__kestrel_ret(epoll_wait_call(epfd, events, maxevents, timeout < 0 ? ~0ULL : 0));
}

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	return epoll_pwait(epfd, events, maxevents, timeout, NULL);
}
