/* c_poll: poll, ppoll, select, pselect and epoll: pipes readable and writable, and after
 * the other end closes (end of file, EPIPE), POLLNVAL and negative descriptors, timeouts
 * (0, expiring with nothing ready: at least the timeout, well under twice it), a signal
 * interrupting each wait (EINTR) and the masks of ppoll, pselect and epoll_pwait,
 * select's sets, EBADF, EINVAL and the time left, epoll's errors, user data,
 * level-triggered, edge-triggered and one-shot reports, EPOLL_CTL_MOD and DEL, an epoll
 * descriptor polled, and a child writing to a pipe the parent waits on. The same source
 * passes on Linux with glibc; the checks of kestrel's own descriptor kinds (the time
 * scheme, the IPC schemes) run only there. */
#define _GNU_SOURCE /* ppoll, pipe2 in glibc */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#if __has_include(<kestrel/syscall.h>)
#define ON_KESTREL 1
#include <kestrel/syscall.h>
#else
#define ON_KESTREL 0
#endif

static volatile sig_atomic_t usr1_count;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0) {
	}
}

/* A timed wait returned at least `ms` after `start`, and not as late as twice it plus a
 * second (the slack is for a busy host, where an emulated guest can lose the CPU for
 * hundreds of milliseconds). */
static int took_about(double start, long ms)
{
	double took = now_ms() - start;
	if (took < ms || took >= 2.0 * ms + 1000) {
		printf("  (took %.1f ms for a %ld ms timeout)\n", took, ms);
		return 0;
	}
	return 1;
}

static int child_status(pid_t pid)
{
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A child that sends SIGUSR1 to its parent after `ms`. */
static pid_t signal_me_after(long ms)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(ms);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	return pid;
}

/* A child that writes one byte to fd after `ms`. */
static pid_t write_after(int fd, long ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(ms);
		_exit(write(fd, "c", 1) == 1 ? 0 : 1);
	}
	return pid;
}

static void drain(int fd)
{
	char buf[4096];
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	while (read(fd, buf, sizeof buf) > 0) {
	}
	fcntl(fd, F_SETFL, flags);
}

static void poll_pipes(void)
{
	printf("poll: pipes both ways\n");
	int p[2];
	CHECK(pipe(p) == 0);
	struct pollfd fds[2] = {{p[0], POLLIN, -1}, {p[1], POLLOUT, -1}};
	CHECK(poll(fds, 2, 0) == 1);
	CHECK(fds[0].revents == 0 && fds[1].revents == POLLOUT);
	CHECK(write(p[1], "ab", 2) == 2);
	CHECK(poll(fds, 2, 0) == 2);
	CHECK(fds[0].revents == POLLIN && fds[1].revents == POLLOUT);
	fds[0].events = POLLIN | POLLOUT; /* POLLOUT on a read end is never reported */
	CHECK(poll(fds, 1, 0) == 1 && fds[0].revents == POLLIN);

	printf("poll: a full pipe is not writable\n");
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	char block[4096];
	memset(block, 'x', sizeof block);
	while (write(p[1], block, sizeof block) > 0) {
	}
	CHECK(poll(&fds[1], 1, 0) == 0 && fds[1].revents == 0);
	drain(p[0]);
	CHECK(poll(&fds[1], 1, 0) == 1 && fds[1].revents == POLLOUT);
	CHECK(poll(&fds[0], 1, 0) == 0);

	printf("poll: the write end closed: end of file\n");
	CHECK(write(p[1], "z", 1) == 1);
	close(p[1]);
	fds[0].events = POLLIN;
	CHECK(poll(&fds[0], 1, 0) == 1 && fds[0].revents == (POLLIN | POLLHUP));
	char c;
	CHECK(read(p[0], &c, 1) == 1 && c == 'z');
	CHECK(poll(&fds[0], 1, 1000) == 1 && (fds[0].revents & POLLHUP));
	fds[0].events = 0; /* POLLHUP is reported even when not asked for */
	CHECK(poll(&fds[0], 1, 1000) == 1 && fds[0].revents == POLLHUP);
	CHECK(read(p[0], &c, 1) == 0);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = {1, 0};
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r));
	FD_SET(p[0], &r); /* a hang-up is not writable: the wait runs out */
	tv.tv_sec = 0;
	tv.tv_usec = 50000;
	double start = now_ms();
	CHECK(select(p[0] + 1, NULL, &r, NULL, &tv) == 0 && !FD_ISSET(p[0], &r));
	CHECK(took_about(start, 50));
	int ep = epoll_create1(0);
	struct epoll_event ev = {EPOLLIN, {.u64 = 1}};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, &ev, 1, 1000) == 1 && (ev.events & EPOLLHUP));
	close(ep);
	close(p[0]);

	printf("poll: the read end closed: a write fails with EPIPE\n");
	CHECK(pipe(p) == 0);
	close(p[0]);
	struct pollfd w = {p[1], POLLOUT, 0};
	CHECK(poll(&w, 1, 1000) == 1 && w.revents == (POLLOUT | POLLERR));
	w.events = POLLIN; /* POLLERR is reported even when not asked for */
	CHECK(poll(&w, 1, 1000) == 1 && w.revents == POLLERR);
	fd_set wset;
	FD_ZERO(&wset);
	FD_SET(p[1], &wset);
	tv.tv_sec = 1;
	CHECK(select(p[1] + 1, NULL, &wset, NULL, &tv) == 1 && FD_ISSET(p[1], &wset));
	ep = epoll_create1(0);
	ev.events = EPOLLOUT;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0);
	CHECK(epoll_wait(ep, &ev, 1, 1000) == 1 && ev.events == (EPOLLOUT | EPOLLERR));
	close(ep);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(p[1], "x", 1), -1, EPIPE);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

static void poll_nval_and_timeouts(void)
{
	printf("poll: POLLNVAL, negative descriptors, counts\n");
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "a", 1) == 1);
	int closed = dup(p[0]);
	close(closed);
	struct pollfd fds[4] = {{p[0], POLLIN, 0}, {closed, POLLIN, 0}, {-1, POLLIN, 7}, {p[1], POLLOUT, 0}};
	CHECK(poll(fds, 4, 0) == 3);
	CHECK(fds[0].revents == POLLIN && fds[1].revents == POLLNVAL && fds[2].revents == 0 &&
	      fds[3].revents == POLLOUT);
	struct pollfd only_nval = {closed, POLLIN, 0};
	CHECK(poll(&only_nval, 1, -1) == 1 && only_nval.revents == POLLNVAL);
	CHECK(poll(NULL, 0, 0) == 0);
	volatile nfds_t too_many = 1UL << 30; /* beyond RLIMIT_NOFILE: 1024 here */
	CHECK_ERRNO(poll(fds, too_many, 0), -1, EINVAL);
	drain(p[0]);

	printf("poll: timeouts\n");
	struct pollfd r = {p[0], POLLIN, 0};
	double start = now_ms();
	CHECK(poll(&r, 1, 0) == 0 && r.revents == 0);
	CHECK(now_ms() - start < 1000); /* at once, give or take a busy host */
	start = now_ms();
	CHECK(poll(&r, 1, 100) == 0 && r.revents == 0);
	CHECK(took_about(start, 100));
	start = now_ms();
	CHECK(poll(NULL, 0, 60) == 0);
	CHECK(took_about(start, 60));
	struct timespec ts = {0, 80 * 1000000L};
	start = now_ms();
	CHECK(ppoll(&r, 1, &ts, NULL) == 0);
	CHECK(took_about(start, 80));
	ts.tv_nsec = 1000000000L;
	CHECK_ERRNO(ppoll(&r, 1, &ts, NULL), -1, EINVAL);

	printf("poll: a child writes to the pipe the parent waits on\n");
	pid_t pid = write_after(p[1], 50);
	start = now_ms();
	CHECK(poll(&r, 1, -1) == 1 && r.revents == POLLIN);
	CHECK(now_ms() - start >= 40);
	CHECK(child_status(pid) == 0);
	close(p[0]);
	close(p[1]);
}

static void poll_signals(void)
{
	printf("poll: a handled signal interrupts the wait (EINTR)\n");
	int p[2];
	CHECK(pipe(p) == 0);
	struct pollfd r = {p[0], POLLIN, 0};
	usr1_count = 0;
	pid_t pid = signal_me_after(50);
	CHECK_ERRNO(poll(&r, 1, -1), -1, EINTR);
	CHECK(usr1_count == 1);
	child_status(pid);

	printf("ppoll: the mask unblocks a signal for the wait only\n");
	sigset_t usr1, old, none;
	sigemptyset(&usr1);
	sigemptyset(&none);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	usr1_count = 0;
	pid = signal_me_after(50);
	CHECK_ERRNO(ppoll(&r, 1, NULL, &none), -1, EINTR);
	CHECK(usr1_count == 1);
	child_status(pid);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1));

	printf("ppoll: a signal already pending interrupts at once\n");
	usr1_count = 0;
	raise(SIGUSR1);
	CHECK(usr1_count == 0);
	double start = now_ms();
	CHECK_ERRNO(ppoll(&r, 1, NULL, &none), -1, EINTR);
	CHECK(usr1_count == 1 && now_ms() - start < 1000);

	printf("ppoll: a signal the mask blocks waits until the call returns\n");
	sigprocmask(SIG_SETMASK, &old, NULL);
	usr1_count = 0;
	pid = signal_me_after(20);
	struct timespec ts = {0, 200 * 1000000L};
	CHECK(ppoll(&r, 1, &ts, &usr1) == 0);
	child_status(pid);
	CHECK(usr1_count == 1); /* delivered when the old mask came back */
	close(p[0]);
	close(p[1]);
}

static void select_checks(void)
{
	printf("select: sets\n");
	int p[2], q[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	CHECK(write(p[1], "a", 1) == 1);
	fd_set r, w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	int nfds = (p[0] > q[1] ? p[0] : q[1]) + 1;
	struct timeval tv = {0, 0};
	CHECK(select(nfds, &r, &w, &e, &tv) == 2);
	CHECK(FD_ISSET(p[0], &r) && !FD_ISSET(q[0], &r) && FD_ISSET(p[1], &w) && !FD_ISSET(p[0], &e));
	FD_SET(3, &w);
	FD_CLR(3, &w);
	CHECK(!FD_ISSET(3, &w));

	printf("select: EBADF, EINVAL\n");
	int closed = dup(p[0]);
	close(closed);
	FD_ZERO(&r);
	FD_SET(closed, &r);
	CHECK_ERRNO(select(closed + 1, &r, NULL, NULL, &tv), -1, EBADF);
	FD_ZERO(&r);
	CHECK_ERRNO(select(-1, &r, NULL, NULL, &tv), -1, EINVAL);
	struct timeval bad = {0, -1};
	CHECK_ERRNO(select(1, NULL, NULL, NULL, &bad), -1, EINVAL);
	bad.tv_sec = -1;
	bad.tv_usec = 0;
	CHECK_ERRNO(select(1, NULL, NULL, NULL, &bad), -1, EINVAL);

	printf("select: a timeout with nothing ready, and the time left\n");
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 100000;
	double start = now_ms();
	CHECK(select(q[0] + 1, &r, NULL, NULL, &tv) == 0);
	CHECK(took_about(start, 100));
	CHECK(!FD_ISSET(q[0], &r));
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0);
	FD_SET(q[0], &r);
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	pid_t pid = write_after(q[1], 50);
	CHECK(select(q[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(q[0], &r));
	CHECK(tv.tv_sec == 1 && tv.tv_usec > 0); /* about 1.95 s left */
	CHECK(child_status(pid) == 0);
	drain(q[0]);

	printf("select: EINTR, the time left, pselect's mask\n");
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	usr1_count = 0;
	pid = signal_me_after(50);
	CHECK_ERRNO(select(q[0] + 1, &r, NULL, NULL, &tv), -1, EINTR);
	CHECK(usr1_count == 1);
	CHECK(tv.tv_sec >= 3 && tv.tv_sec < 5);
	child_status(pid);
	sigset_t usr1, old, none;
	sigemptyset(&usr1);
	sigemptyset(&none);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	usr1_count = 0;
	pid = signal_me_after(50);
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	CHECK_ERRNO(pselect(q[0] + 1, &r, NULL, NULL, NULL, &none), -1, EINTR);
	CHECK(usr1_count == 1);
	child_status(pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	struct timespec ts = {0, 60 * 1000000L};
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	start = now_ms();
	CHECK(pselect(q[0] + 1, &r, NULL, NULL, &ts, NULL) == 0);
	CHECK(took_about(start, 60));
	ts.tv_nsec = -1;
	CHECK_ERRNO(pselect(q[0] + 1, &r, NULL, NULL, &ts, NULL), -1, EINVAL);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void epoll_errors(const char *self)
{
	printf("epoll: create and ctl errors\n");
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	CHECK(fcntl(ep, F_GETFD) == FD_CLOEXEC);
	CHECK_ERRNO(epoll_create1(1 << 5), -1, EINVAL);
	CHECK_ERRNO(epoll_create(0), -1, EINVAL);
	int p[2];
	CHECK(pipe(p) == 0);
	struct epoll_event ev = {EPOLLIN, {.u64 = 1}};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), -1, EEXIST);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), -1, ENOENT);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev), -1, ENOENT);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), -1, EBADF);
	CHECK_ERRNO(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), -1, EBADF);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), -1, EINVAL);
	CHECK_ERRNO(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), -1, EINVAL);
	CHECK_ERRNO(epoll_ctl(ep, 99, p[1], &ev), -1, EINVAL);
	struct epoll_event out[4];
	CHECK_ERRNO(epoll_wait(ep, out, 0, 0), -1, EINVAL);
	volatile int negative = -1;
	CHECK_ERRNO(epoll_wait(ep, out, negative, 0), -1, EINVAL);
	CHECK_ERRNO(epoll_wait(p[0], out, 4, 0), -1, EINVAL);
	CHECK_ERRNO(epoll_wait(999, out, 4, 0), -1, EBADF);
	CHECK_ERRNO(epoll_wait(999, out, 0, 0), -1, EBADF); /* the descriptor is checked first */
	int file = open(self, O_RDONLY);
	if (file >= 0) {
		CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev), -1, EPERM);
		close(file);
	}
	printf("epoll: sets inside sets, and loops\n");
	int outer = epoll_create1(0);
	CHECK(outer >= 0);
	ev.data.u64 = 2;
	CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev) == 0);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, outer, &ev), -1, ELOOP);
	CHECK(epoll_wait(outer, out, 4, 0) == 0);
	CHECK(write(p[1], "a", 1) == 1);
	CHECK(epoll_wait(outer, out, 4, 0) == 1 && out[0].data.u64 == 2 && out[0].events == EPOLLIN);
	struct pollfd pf = {ep, POLLIN, 0};
	CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN);
	close(outer);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void epoll_modes(void)
{
	printf("epoll: level-triggered, with user data\n");
	int ep = epoll_create1(0);
	int p[2], q[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	struct epoll_event ev = {EPOLLIN, {.u64 = 0x1234567890abcdefULL}};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	struct epoll_event out[4];
	memset(out, 0, sizeof out);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(p[1], "ab", 2) == 2);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].events == EPOLLIN && out[0].data.u64 == 0x1234567890abcdefULL);
	CHECK(epoll_wait(ep, out, 4, -1) == 1 && out[0].events == EPOLLIN); /* still ready */
	ev.events = EPOLLOUT;
	ev.data.ptr = &ev;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 2);
	CHECK(epoll_wait(ep, out, 1, 0) == 1);
	int found = 0;
	CHECK(epoll_wait(ep, out, 4, 0) == 2);
	for (int i = 0; i < 2; i++)
		if (out[i].events == EPOLLOUT && out[i].data.ptr == &ev)
			found++;
	CHECK(found == 1);

	printf("epoll: EPOLL_CTL_MOD and DEL\n");
	ev.events = EPOLLIN;
	ev.data.fd = p[1];
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 0x1234567890abcdefULL);
	ev.events = EPOLLOUT | EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 2);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.fd == p[1] && out[0].events == EPOLLOUT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	drain(p[0]);

	printf("epoll: edge-triggered: reported once per change\n");
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u32 = 77;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(p[1], "a", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].events == EPOLLIN && out[0].data.u32 == 77);
	CHECK(epoll_wait(ep, out, 4, 0) == 0); /* still readable, no change */
	double start = now_ms();
	CHECK(epoll_wait(ep, out, 4, 60) == 0);
	CHECK(took_about(start, 60));
	drain(p[0]);
	CHECK(write(p[1], "b", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u32 == 77);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	drain(p[0]);
	pid_t pid = write_after(p[1], 50);
	CHECK(epoll_wait(ep, out, 4, -1) == 1 && out[0].data.u32 == 77);
	CHECK(child_status(pid) == 0);
	ev.events = EPOLLIN | EPOLLET;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0); /* MOD reports the present state */
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	drain(p[0]);

	printf("epoll: one-shot: disabled after one report until EPOLL_CTL_MOD\n");
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = 5;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(write(p[1], "a", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 5);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(p[1], "b", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), -1, EEXIST); /* still registered */
	ev.data.u64 = 6;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 6);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	drain(p[0]);

	printf("epoll: timeouts, a child's write, EINTR, epoll_pwait's mask, a closed descriptor\n");
	ev.events = EPOLLIN;
	ev.data.u64 = 9;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == 0);
	start = now_ms();
	CHECK(epoll_wait(ep, out, 4, 100) == 0);
	CHECK(took_about(start, 100));
	pid = write_after(q[1], 50);
	CHECK(epoll_wait(ep, out, 4, 5000) == 1 && out[0].data.u64 == 9);
	CHECK(child_status(pid) == 0);
	drain(q[0]);
	usr1_count = 0;
	pid = signal_me_after(50);
	CHECK_ERRNO(epoll_wait(ep, out, 4, -1), -1, EINTR);
	CHECK(usr1_count == 1);
	child_status(pid);
	sigset_t usr1, old, none;
	sigemptyset(&usr1);
	sigemptyset(&none);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	usr1_count = 0;
	pid = signal_me_after(50);
	CHECK_ERRNO(epoll_pwait(ep, out, 4, 5000, &none), -1, EINTR);
	CHECK(usr1_count == 1);
	child_status(pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(write(q[1], "a", 1) == 1);
	close(q[0]);
	CHECK(epoll_wait(ep, out, 4, 0) == 0); /* closing the only descriptor removed it */
	close(ep);
	close(p[0]);
	close(p[1]);
	close(q[1]);
}

static void other_descriptors(void)
{
	printf("poll: the console is writable\n");
	struct pollfd out = {1, POLLOUT, 0};
	CHECK(poll(&out, 1, 0) == 1 && out.revents == POLLOUT);
#if ON_KESTREL
	printf("poll: a /scheme/time handle is readable once its timer expires\n");
	int timer = open("/scheme/time/4", O_RDWR);
	CHECK(timer >= 0);
	struct pollfd t = {timer, POLLIN, 0};
	CHECK(poll(&t, 1, 0) == 0);
	struct timespec now;
	/* The wait is timed from before the deadline's base is read: a pause of the machine
	 * between the two (a busy host's virtual CPUs) then cannot shorten it. */
	double start = now_ms();
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct kestrel_timespec at = {now.tv_sec, (int32_t)now.tv_nsec, 0};
	at.tv_nsec += 50000000;
	if (at.tv_nsec >= 1000000000) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000;
	}
	CHECK(write(timer, &at, sizeof at) == (ssize_t)sizeof at);
	CHECK(poll(&t, 1, 2000) == 1 && t.revents == POLLIN);
	double waited = now_ms() - start;
	printf("poll: the wait for the 50 ms timer took %.1f ms\n", waited);
	CHECK(waited >= 40 && waited < 2100);
	int ep = epoll_create1(0);
	struct epoll_event ev = {EPOLLIN, {.u64 = 3}}, got;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, timer, &ev) == 0);
	CHECK(epoll_wait(ep, &got, 1, 0) == 1 && got.data.u64 == 3);
	close(ep);
	close(timer);

	printf("poll: the IPC and proc schemes' descriptors are never ready\n");
	const char *schemes[] = {"/scheme/sem", "/scheme/msg", "/scheme/shm"};
	for (unsigned i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		int fd = open(schemes[i], O_RDWR);
		CHECK(fd >= 0);
		struct pollfd s = {fd, POLLIN | POLLOUT, 0};
		CHECK(poll(&s, 1, 0) == 0 && s.revents == 0);
		close(fd);
	}
	struct pollfd proc = {__kestrel_proc_fd(), POLLIN | POLLOUT, 0};
	CHECK(proc.fd >= 0 && poll(&proc, 1, 0) == 0);
	printf("poll: the console's input is ready at once (its read gives end of file)\n");
	struct pollfd in = {0, POLLIN, 0};
	CHECK(poll(&in, 1, 20) == 1 && in.revents == POLLIN);
#endif
}

int main(int argc, char **argv)
{
	(void)argc;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	poll_pipes();
	poll_nval_and_timeouts();
	poll_signals();
	select_checks();
	epoll_errors(argv[0]);
	epoll_modes();
	other_descriptors();
	return check_summary("c_poll");
}
