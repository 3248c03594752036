/* c_signalfd: signals as descriptors (signalfd(2)). signalfd(-1, mask, flags) creates one
 * (SFD_NONBLOCK and SFD_CLOEXEC as fcntl shows them, other flags EINVAL; SIGKILL and SIGSTOP
 * in the mask ignored); signalfd(fd, mask, 0) replaces the mask of an existing one and
 * returns fd (EBADF for a descriptor that is not open, EINVAL for one that is not a
 * signalfd); read takes pending blocked signals in the mask, one 128-byte struct
 * signalfd_siginfo each, as many as the buffer holds (EINVAL under 128 bytes, EAGAIN
 * without blocking when none is pending), and leaves signals outside the mask pending;
 * ssi_signo, ssi_code, ssi_pid and ssi_uid for kill(), sigqueue() (SI_QUEUE, ssi_int,
 * ssi_ptr, real-time signals queued in order, each once) and a child's kill; a blocking read
 * woken by another process's signal; poll, select and epoll readiness (a sleeping poll woken
 * by a signal); after fork, the child's read returns the child's own pending signals, never
 * the parent's.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not.
 */
#include "c_common.h"
#include "c_ready.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>

#define SIG_A SIGUSR1
#define SIG_B SIGUSR2
#define SIG_RT (SIGRTMIN + 3)

static sigset_t set_of(int a, int b, int c)
{
	sigset_t s;
	sigemptyset(&s);
	if (a)
		sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	if (c)
		sigaddset(&s, c);
	return s;
}

/* One read of up to N records into INFO: the number of records (-1 with errno). */
static int read_infos(int fd, struct signalfd_siginfo *info, int n)
{
	memset(info, 0xa5, sizeof *info * (size_t)n);
	ssize_t r = read(fd, info, sizeof *info * (size_t)n);
	if (r == -1)
		return -1;
	if (r % (ssize_t)sizeof *info != 0 || r == 0) {
		FAIL_AT("read(%d): %zd bytes, not a whole number of 128-byte records", fd, r);
		return -2;
	}
	return (int)(r / (ssize_t)sizeof *info);
}

/* One record is read, of signal SIGNO, code CODE, from PID (uid 0 or this one). */
#define CHECK_SIGNAL(fd, signo, code, pid)                                                       \
	do {                                                                                     \
		struct signalfd_siginfo i_;                                                      \
		errno = 0;                                                                       \
		int n_ = read_infos(fd, &i_, 1);                                                 \
		if (n_ != 1)                                                                     \
			FAIL_AT("read(%s): %d records (errno %d, %s); expected signal %d", #fd,   \
			        n_, errno, strerror(errno), (int)(signo));                        \
		else if (i_.ssi_signo != (uint32_t)(signo) || i_.ssi_code != (int32_t)(code) ||  \
		         i_.ssi_pid != (uint32_t)(pid) || i_.ssi_uid != (uint32_t)getuid())      \
			FAIL_AT("read(%s): signo %u code %d pid %u uid %u; expected %d, %d, %d, %d", \
			        #fd, i_.ssi_signo, i_.ssi_code, i_.ssi_pid, i_.ssi_uid,           \
			        (int)(signo), (int)(code), (int)(pid), (int)getuid());            \
	} while (0)

/* Nothing to read: EAGAIN. */
#define CHECK_NONE(fd)                                                                           \
	do {                                                                                     \
		struct signalfd_siginfo i_;                                                      \
		errno = 0;                                                                       \
		int n_ = read_infos(fd, &i_, 1);                                                 \
		if (n_ != -1 || errno != EAGAIN)                                                 \
			FAIL_AT("read(%s): %d records (signo %u), errno %d; expected EAGAIN",     \
			        #fd, n_, n_ > 0 ? i_.ssi_signo : 0, errno);                       \
	} while (0)

/* Whether SIGNO is pending for this process (or thread). */
static int pending(int signo)
{
	sigset_t s;
	sigemptyset(&s);
	if (sigpending(&s) != 0)
		return -1;
	return sigismember(&s, signo);
}

/* Whether PID sleeps in read (0), poll (7), select (23), epoll_wait (232), pselect6 (270),
 * ppoll (271) or epoll_pwait (281) (x86_64; -1 where it cannot be seen). */
static int asleep_in_wait(pid_t pid)
{
	static const int calls[] = {0, 7, 23, 232, 270, 271, 281};
	return asleep_in(pid, calls, sizeof calls / sizeof calls[0]);
}
#define WAIT_ASLEEP(pid) CHECK(wait_asleep_by(pid, asleep_in_wait))
#define CHECK_ASLEEP(pid) CHECK(still_asleep_by(pid, asleep_in_wait))

static void creating(void)
{
	SECTION("signalfd: create, SFD_NONBLOCK and SFD_CLOEXEC, EINVAL for other flags, updates");
	sigset_t m = set_of(SIG_A, 0, 0);
	static const int flagsets[] = {0, SFD_NONBLOCK, SFD_CLOEXEC, SFD_NONBLOCK | SFD_CLOEXEC};
	for (size_t f = 0; f < 4; f++) {
		int fd;
		CHECK_OK(fd = signalfd(-1, &m, flagsets[f]));
		if (fd < 0)
			continue;
		int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
		CHECK(fl != -1 && fdfl != -1);
		CHECK_EQ(!!(fl & O_NONBLOCK), !!(flagsets[f] & SFD_NONBLOCK));
		CHECK_EQ(!!(fdfl & FD_CLOEXEC), !!(flagsets[f] & SFD_CLOEXEC));
		if (flagsets[f] & SFD_NONBLOCK)
			CHECK_NONE(fd);
		CHECK_OK(close(fd));
	}
	CHECK_ERR(signalfd(-1, &m, 1), EINVAL);
	CHECK_ERR(signalfd(-1, &m, 2), EINVAL);
	CHECK_ERR(signalfd(-1, &m, 0x100), EINVAL);
	CHECK_ERR(signalfd(-1, &m, SFD_NONBLOCK | 0x10), EINVAL);
	CHECK_ERR(signalfd(-1, &m, (int)0x80000000u), EINVAL);

	/* Every signal, SIGKILL and SIGSTOP among them (they are left out), and none. */
	sigset_t all;
	sigfillset(&all);
	int fd;
	CHECK_OK(fd = signalfd(-1, &all, SFD_NONBLOCK));
	CHECK_NONE(fd);
	CHECK_OK(close(fd));
	sigset_t none;
	sigemptyset(&none);
	CHECK_OK(fd = signalfd(-1, &none, SFD_NONBLOCK));
	CHECK_NONE(fd);

	/* An update returns the same descriptor. */
	CHECK_EQ(signalfd(fd, &m, 0), fd);
	CHECK_EQ(signalfd(fd, &all, 0), fd);
	CHECK_EQ(signalfd(fd, &m, SFD_NONBLOCK), fd);
	CHECK_ERR(signalfd(fd, &m, 2), EINVAL);
	/* A signalfd cannot be written (Linux: EINVAL, a file without a write operation). */
	char record[128] = {0};
	CHECK_ERR(write(fd, record, sizeof record), EINVAL);
	/* Not a signalfd: EINVAL; not open: EBADF. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(signalfd(p[0], &m, 0), EINVAL);
	CHECK_ERR(signalfd(p[1], &m, 0), EINVAL);
	CHECK_OK(close(p[0]));
	CHECK_OK(close(p[1]));
	CHECK_ERR(signalfd(p[0], &m, 0), EBADF);
	CHECK_ERR(signalfd(1000, &m, 0), EBADF);
	CHECK_ERR(signalfd(-2, &m, 0), EBADF);
	CHECK_OK(close(fd));
	CHECK_ERR(signalfd(fd, &m, 0), EBADF);
}

static void reading(void)
{
	SECTION("read: pending blocked signals in the mask, 128 bytes each, the sender, sigqueue's value");
	sigset_t m = set_of(SIG_A, 0, 0);
	int fd;
	CHECK_OK(fd = signalfd(-1, &m, SFD_NONBLOCK));
	pid_t me = getpid();

	/* kill(): SI_USER, this process, this uid; the signal is taken. */
	CHECK_OK(kill(me, SIG_A));
	CHECK_EQ(pending(SIG_A), 1);
	CHECK_SIGNAL(fd, SIG_A, SI_USER, me);
	CHECK_EQ(pending(SIG_A), 0);
	CHECK_NONE(fd);

	/* Under 128 bytes: EINVAL, the signal stays pending; more: whole records only. */
	CHECK_OK(kill(me, SIG_A));
	char buf[300];
	CHECK_ERR(read(fd, buf, 127), EINVAL);
	CHECK_ERR(read(fd, buf, 1), EINVAL);
	CHECK_ERR(read(fd, buf, 0), EINVAL);
	CHECK_EQ(pending(SIG_A), 1);
	memset(buf, 0x5a, sizeof buf);
	CHECK_EQ(read(fd, buf, 200), 128);
	struct signalfd_siginfo info;
	memcpy(&info, buf, sizeof info);
	CHECK_EQ(info.ssi_signo, SIG_A);
	CHECK_EQ(buf[128], 0x5a);
	CHECK_EQ(sizeof info, 128);

	/* A signal outside the mask is left pending; an update of the mask brings it in. */
	CHECK_OK(kill(me, SIG_B));
	CHECK_NONE(fd);
	CHECK_EQ(pending(SIG_B), 1);
	sigset_t ab = set_of(SIG_A, SIG_B, 0);
	CHECK_EQ(signalfd(fd, &ab, 0), fd);
	CHECK_SIGNAL(fd, SIG_B, SI_USER, me);
	CHECK_NONE(fd);

	/* Several per read, as many as the buffer holds. */
	CHECK_OK(kill(me, SIG_A));
	CHECK_OK(kill(me, SIG_B));
	struct signalfd_siginfo infos[4];
	CHECK_EQ(read_infos(fd, infos, 4), 2);
	CHECK_EQ((1 << infos[0].ssi_signo) | (1 << infos[1].ssi_signo), (1 << SIG_A) | (1 << SIG_B));
	CHECK_NONE(fd);
	CHECK_OK(kill(me, SIG_A));
	CHECK_OK(kill(me, SIG_B));
	CHECK_EQ(read_infos(fd, infos, 1), 1); /* one of them */
	CHECK_EQ(read_infos(fd, infos + 1, 1), 1); /* the other */
	CHECK_EQ((1 << infos[0].ssi_signo) | (1 << infos[1].ssi_signo), (1 << SIG_A) | (1 << SIG_B));
	/* A standard signal sent twice is pending once. */
	CHECK_OK(kill(me, SIG_A));
	CHECK_OK(kill(me, SIG_A));
	CHECK_EQ(read_infos(fd, infos, 4), 1);
	CHECK_NONE(fd);

	/* sigqueue(): SI_QUEUE and the value; real-time signals queue, each read once, in the
	 * order they were sent. */
	sigset_t rt = set_of(SIG_RT, SIG_A, 0);
	CHECK_EQ(signalfd(fd, &rt, 0), fd);
	union sigval v;
	memset(&v, 0, sizeof v);
	v.sival_int = 4242;
	CHECK_OK(sigqueue(me, SIG_A, v));
	CHECK_EQ(read_infos(fd, &info, 1), 1);
	CHECK_EQ(info.ssi_signo, SIG_A);
	CHECK_EQ(info.ssi_code, SI_QUEUE);
	CHECK_EQ(info.ssi_pid, me);
	CHECK_EQ(info.ssi_uid, getuid());
	CHECK_EQ(info.ssi_int, 4242);
	for (int i = 1; i <= 3; i++) {
		v.sival_int = 100 + i;
		CHECK_OK(sigqueue(me, SIG_RT, v));
	}
	memset(&v, 0, sizeof v);
	v.sival_ptr = (void *)(uintptr_t)0x12345678abcULL;
	CHECK_OK(sigqueue(me, SIG_RT, v));
	CHECK_EQ(read_infos(fd, infos, 2), 2);
	CHECK_EQ(infos[0].ssi_signo, SIG_RT);
	CHECK_EQ(infos[0].ssi_int, 101);
	CHECK_EQ(infos[0].ssi_code, SI_QUEUE);
	CHECK_EQ(infos[1].ssi_signo, SIG_RT);
	CHECK_EQ(infos[1].ssi_int, 102);
	CHECK_EQ(read_infos(fd, infos, 4), 2);
	CHECK_EQ(infos[0].ssi_int, 103);
	CHECK_EQ(infos[1].ssi_ptr, 0x12345678abcULL);
	CHECK_EQ(infos[1].ssi_pid, me);
	CHECK_NONE(fd);

	/* Signals left pending when the descriptor goes stay pending. */
	CHECK_OK(kill(me, SIG_B));
	CHECK_OK(close(fd));
	CHECK_EQ(pending(SIG_B), 1);
	sigset_t b = set_of(SIG_B, 0, 0);
	CHECK_OK(fd = signalfd(-1, &b, SFD_NONBLOCK));
	CHECK_SIGNAL(fd, SIG_B, SI_USER, me);
	CHECK_EQ(pending(SIG_B), 0);
	CHECK_OK(close(fd));
}

static pid_t parent_pid;

static int killer(int signo)
{
	sleep_ms(50);
	CHECK_OK(kill(parent_pid, signo));
	return 0;
}

static int queuer(int value)
{
	sleep_ms(50);
	union sigval v;
	memset(&v, 0, sizeof v);
	v.sival_int = value;
	CHECK_OK(sigqueue(parent_pid, SIG_RT, v));
	return 0;
}

static int g_fd;

static int blocked_reader(int unused)
{
	(void)unused;
	/* The child's own signal, sent by the parent. */
	CHECK_SIGNAL(g_fd, SIG_B, SI_USER, getppid());
	return 0;
}

static void blocking(void)
{
	SECTION("a blocking read waits for a signal from another process");
	parent_pid = getpid();
	sigset_t m = set_of(SIG_A, SIG_RT, 0);
	int fd;
	CHECK_OK(fd = signalfd(-1, &m, 0));
	pid_t k = spawn(killer, SIG_A);
	CHECK_SIGNAL(fd, SIG_A, SI_USER, k);
	CHECK_CHILD_DONE(k);
	pid_t q = spawn(queuer, 77);
	struct signalfd_siginfo info;
	CHECK_EQ(read_infos(fd, &info, 1), 1);
	CHECK_EQ(info.ssi_signo, SIG_RT);
	CHECK_EQ(info.ssi_code, SI_QUEUE);
	CHECK_EQ(info.ssi_pid, q);
	CHECK_EQ(info.ssi_int, 77);
	CHECK_CHILD_DONE(q);
	CHECK_OK(close(fd));

	/* A child asleep in read, woken by the parent's kill. */
	sigset_t b = set_of(SIG_B, 0, 0);
	CHECK_OK(g_fd = signalfd(-1, &b, 0));
	pid_t r = spawn(blocked_reader, 0);
	WAIT_ASLEEP(r);
	CHECK_ASLEEP(r);
	CHECK_OK(kill(r, SIG_B));
	CHECK_CHILD_DONE(r);
	CHECK_OK(close(g_fd));
}

static unsigned epoll_events(int ep, int timeout)
{
	return epoll_cookie_events(ep, timeout, 0x5f5f);
}

static void readiness(void)
{
	SECTION("poll, select, epoll: readable while a signal in the mask is pending");
	parent_pid = getpid();
	sigset_t m = set_of(SIG_A, 0, 0);
	int fd;
	CHECK_OK(fd = signalfd(-1, &m, SFD_NONBLOCK));
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), 0);
	CHECK_EQ(select_readable(fd, 0), 0);
	CHECK_OK(kill(getpid(), SIG_B)); /* outside the mask: not readable */
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), 0);
	CHECK_OK(kill(getpid(), SIG_A));
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), POLLIN);
	CHECK_EQ(select_readable(fd, 0), 1);
	CHECK_SIGNAL(fd, SIG_A, SI_USER, getpid());
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), 0);
	/* The mask widened over the pending SIG_B: readable. */
	sigset_t ab = set_of(SIG_A, SIG_B, 0);
	CHECK_EQ(signalfd(fd, &ab, 0), fd);
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), POLLIN);
	CHECK_SIGNAL(fd, SIG_B, SI_USER, getpid());
	CHECK_EQ(signalfd(fd, &m, 0), fd);

	/* A sleeping poll woken by a child's signal. */
	pid_t k = spawn(killer, SIG_A);
	long long start = now_ns();
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 10000), POLLIN);
	CHECK((now_ns() - start) / 1000000 < 5000);
	CHECK_SIGNAL(fd, SIG_A, SI_USER, k);
	CHECK_CHILD_DONE(k);

	/* epoll, level-triggered. */
	int ep;
	CHECK_OK(ep = epoll_create1(0));
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u64 = 0x5f5f;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	CHECK_EQ(epoll_events(ep, 0), 0);
	k = spawn(killer, SIG_A);
	CHECK_EQ(epoll_events(ep, 10000), EPOLLIN);
	CHECK_EQ(epoll_events(ep, 0), EPOLLIN);
	CHECK_SIGNAL(fd, SIG_A, SI_USER, k);
	CHECK_EQ(epoll_events(ep, 0), 0);
	CHECK_CHILD_DONE(k);
	CHECK_OK(close(ep));
	CHECK_OK(close(fd));
}

static int child_reads_own(int unused)
{
	(void)unused;
	/* The parent's pending SIG_A is not the child's. */
	CHECK_EQ(pending(SIG_A), 0);
	CHECK_NONE(g_fd);
	CHECK_EQ(poll_events(g_fd, POLLIN | POLLOUT, 0), 0);
	CHECK_OK(kill(getpid(), SIG_B));
	CHECK_EQ(poll_events(g_fd, POLLIN | POLLOUT, 0), POLLIN);
	CHECK_SIGNAL(g_fd, SIG_B, SI_USER, getpid());
	CHECK_NONE(g_fd);
	/* The mask was inherited: SIG_A is still blocked in the child. */
	CHECK_OK(kill(getpid(), SIG_A));
	CHECK_SIGNAL(g_fd, SIG_A, SI_USER, getpid());
	return 0;
}

static void forked(void)
{
	SECTION("after fork the child reads its own pending signals, not the parent's");
	sigset_t ab = set_of(SIG_A, SIG_B, 0);
	CHECK_OK(g_fd = signalfd(-1, &ab, SFD_NONBLOCK));
	CHECK_OK(kill(getpid(), SIG_A));
	CHECK_CHILD_DONE(spawn(child_reads_own, 0));
	/* The parent's signal is still there, and the child's are not. */
	CHECK_EQ(pending(SIG_B), 0);
	CHECK_SIGNAL(g_fd, SIG_A, SI_USER, getpid());
	CHECK_NONE(g_fd);
	CHECK_OK(close(g_fd));
}

int main(void)
{
	test_name = "c_signalfd";
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Block the signals the test reads, so that they stay pending for signalfd. */
	sigset_t m = set_of(SIG_A, SIG_B, SIG_RT);
	if (sigprocmask(SIG_BLOCK, &m, NULL) != 0)
		FAIL_AT("sigprocmask: errno %d (%s)", errno, strerror(errno));
	creating();
	reading();
	blocking();
	readiness();
	forked();
	return report();
}
