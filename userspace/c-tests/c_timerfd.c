/* c_timerfd: timers as descriptors (timerfd_create(2)). timerfd_create on CLOCK_REALTIME,
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME (other clocks and unknown flags: EINVAL; TFD_NONBLOCK
 * and TFD_CLOEXEC as fcntl shows them); timerfd_settime relative and with
 * TFD_TIMER_ABSTIME, intervals, disarming with a zero it_value, the previous setting in
 * old_value, the expiration count reset by a new setting, invalid timespecs and flags
 * (EINVAL, the timer unchanged); read (an 8-byte count, EINVAL for a buffer under 8 bytes,
 * EAGAIN without blocking, a blocking read that waits for the expiry, the missed ticks of an
 * interval timer read late); timerfd_gettime (the time left, the interval, zeros when
 * disarmed); poll, select and epoll readiness, a sleeping poll woken by the expiry; a fork
 * child sharing the open description (its read takes the parent's count, its settime is
 * the parent's timer). TFD_TIMER_CANCEL_ON_SET: accepted, and without effect without
 * TFD_TIMER_ABSTIME or on CLOCK_MONOTONIC; with clock_settime(CLOCK_REALTIME) (kestrel
 * always, Linux only with TIMERFD_TEST_SETTIME=1 in the environment: it sets the machine's
 * clock, by a few microseconds back and by 5 s forward and back): a blocked reader of a
 * CLOCK_REALTIME, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET timer woken with ECANCELED, once
 * (a later read blocks or gives EAGAIN, the timer stays armed), a setting made while nobody
 * reads reported by the next read; a timer without the flag not cancelled, but its absolute
 * CLOCK_REALTIME deadline moving with the clock; CLOCK_MONOTONIC timers untouched.
 *
 * Times are checked with margins: never early, not more than a second or so late.
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
#include <sys/timerfd.h>

#define MS 1000000LL /* nanoseconds */

static long long ts_ns(struct timespec ts)
{
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_ts(long long ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
	return ts;
}

static long long clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts_ns(ts);
}

/* An itimerspec of VALUE and INTERVAL nanoseconds. */
static struct itimerspec its(long long value, long long interval)
{
	struct itimerspec t;
	t.it_value = ns_ts(value);
	t.it_interval = ns_ts(interval);
	return t;
}

/* timerfd_settime(FD, FLAGS, VALUE / INTERVAL ns) succeeds. */
#define ARM(fd, flags, value, interval)                                  \
	do {                                                             \
		struct itimerspec t_ = its(value, interval);             \
		CHECK_OK(timerfd_settime(fd, flags, &t_, NULL));         \
	} while (0)

/* The remaining time and interval timerfd_gettime reports, in ns (-1 on failure). */
static long long remaining(int fd, long long *interval)
{
	struct itimerspec t;
	memset(&t, 0xa5, sizeof t);
	if (timerfd_gettime(fd, &t) != 0) {
		FAIL_AT("timerfd_gettime(%d): errno %d (%s)", fd, errno, strerror(errno));
		return -1;
	}
	if (t.it_value.tv_nsec < 0 || t.it_value.tv_nsec >= 1000000000L || t.it_interval.tv_nsec < 0 ||
	    t.it_interval.tv_nsec >= 1000000000L)
		FAIL_AT("timerfd_gettime(%d): tv_nsec %ld / %ld", fd, t.it_value.tv_nsec,
		        t.it_interval.tv_nsec);
	if (interval)
		*interval = ts_ns(t.it_interval);
	return ts_ns(t.it_value);
}

/* LO <= X <= HI. */
#define CHECK_RANGE(x, lo, hi)                                                                    \
	do {                                                                                      \
		long long x_ = (long long)(x), lo_ = (long long)(lo), hi_ = (long long)(hi);      \
		if (x_ < lo_ || x_ > hi_)                                                         \
			FAIL_AT("%s: %lld, expected %lld..%lld", #x, x_, lo_, hi_);               \
	} while (0)

/* read of the 8-byte count: the count, or -1 with errno. */
static long long read_count(int fd)
{
	uint64_t n = 0xdeadbeefdeadbeefULL;
	ssize_t r = read(fd, &n, sizeof n);
	if (r == -1)
		return -1;
	if (r != 8) {
		FAIL_AT("read(%d, 8): %zd bytes", fd, r);
		return -2;
	}
	return (long long)n;
}

/* The count read is WANT. */
#define CHECK_COUNT(fd, want)                                                                    \
	do {                                                                                     \
		errno = 0;                                                                       \
		long long c_ = read_count(fd);                                                   \
		if (c_ != (long long)(want))                                                     \
			FAIL_AT("read(%s): %lld (errno %d, %s); expected a count of %lld", #fd, c_, \
			        errno, strerror(errno), (long long)(want));                       \
	} while (0)

/* A read without blocking finds nothing: EAGAIN. */
#define CHECK_NOTHING(fd) CHECK_ERR(read_count(fd), EAGAIN)

/* Whether PID sleeps in read (0), poll (7), select (23), epoll_wait (232), pselect6 (270),
 * ppoll (271) or epoll_pwait (281) (x86_64; -1 where it cannot be seen). */
static int asleep_in_wait(pid_t pid)
{
	static const int calls[] = {0, 7, 23, 232, 270, 271, 281};
	return asleep_in(pid, calls, sizeof calls / sizeof calls[0]);
}

static int on_kestrel(void)
{
#ifdef __kestrel__
	return 1;
#else
	return 0;
#endif
}

static void creating(void)
{
	SECTION("timerfd_create: three clocks, TFD_NONBLOCK and TFD_CLOEXEC, EINVAL for the rest");
	static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
	for (size_t i = 0; i < 3; i++) {
		static const int flagsets[] = {0, TFD_NONBLOCK, TFD_CLOEXEC, TFD_NONBLOCK | TFD_CLOEXEC};
		for (size_t f = 0; f < 4; f++) {
			int fd;
			CHECK_OK(fd = timerfd_create(clocks[i], flagsets[f]));
			if (fd < 0)
				continue;
			int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
			CHECK(fl != -1 && fdfl != -1);
			CHECK_EQ(!!(fl & O_NONBLOCK), !!(flagsets[f] & TFD_NONBLOCK));
			CHECK_EQ(!!(fdfl & FD_CLOEXEC), !!(flagsets[f] & TFD_CLOEXEC));
			/* New: disarmed. */
			long long iv = -1;
			CHECK_EQ(remaining(fd, &iv), 0);
			CHECK_EQ(iv, 0);
			if (flagsets[f] & TFD_NONBLOCK)
				CHECK_NOTHING(fd);
			CHECK_OK(close(fd));
		}
	}
#ifdef CLOCK_PROCESS_CPUTIME_ID
	CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
#endif
#ifdef CLOCK_THREAD_CPUTIME_ID
	CHECK_ERR(timerfd_create(CLOCK_THREAD_CPUTIME_ID, 0), EINVAL);
#endif
#if defined(CLOCK_MONOTONIC_RAW) && defined(CLOCK_REALTIME_COARSE) && defined(CLOCK_MONOTONIC_COARSE)
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC_RAW, 0), EINVAL);
	CHECK_ERR(timerfd_create(CLOCK_REALTIME_COARSE, 0), EINVAL);
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC_COARSE, 0), EINVAL);
#endif
	CHECK_ERR(timerfd_create(-1, 0), EINVAL);
	CHECK_ERR(timerfd_create(1000, 0), EINVAL);
	/* Flags other than TFD_NONBLOCK and TFD_CLOEXEC (the settime flags among them). */
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, TFD_TIMER_ABSTIME), EINVAL);
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, TFD_TIMER_CANCEL_ON_SET), EINVAL);
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x100), EINVAL);
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | 0x4), EINVAL);
	CHECK_ERR(timerfd_create(CLOCK_REALTIME, (int)0x80000000u), EINVAL);
}

static void setting(void)
{
	SECTION("timerfd_settime and timerfd_gettime: relative, absolute, intervals, old_value, disarming");
	int fd;
	CHECK_OK(fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));

	/* Relative, 10 s: the time left is at most that and not much less. */
	struct itimerspec t = its(10000 * MS, 0), old;
	memset(&old, 0xa5, sizeof old);
	CHECK_OK(timerfd_settime(fd, 0, &t, &old));
	CHECK_EQ(ts_ns(old.it_value), 0); /* it was disarmed */
	CHECK_EQ(ts_ns(old.it_interval), 0);
	long long iv = -1;
	CHECK_RANGE(remaining(fd, &iv), 9000 * MS, 10000 * MS);
	CHECK_EQ(iv, 0);
	CHECK_NOTHING(fd);

	/* Re-armed with an interval: old_value is the previous setting, the time left of it. */
	t = its(20000 * MS, 3000 * MS);
	memset(&old, 0xa5, sizeof old);
	CHECK_OK(timerfd_settime(fd, 0, &t, &old));
	CHECK_RANGE(ts_ns(old.it_value), 9000 * MS, 10000 * MS);
	CHECK_EQ(ts_ns(old.it_interval), 0);
	CHECK_RANGE(remaining(fd, &iv), 19000 * MS, 20000 * MS);
	CHECK_EQ(iv, 3000 * MS);

	/* Disarmed by a zero it_value: old_value returns the setting, gettime zeros. */
	t = its(0, 0);
	memset(&old, 0xa5, sizeof old);
	CHECK_OK(timerfd_settime(fd, 0, &t, &old));
	CHECK_RANGE(ts_ns(old.it_value), 19000 * MS, 20000 * MS);
	CHECK_EQ(ts_ns(old.it_interval), 3000 * MS);
	CHECK_EQ(remaining(fd, &iv), 0);
	CHECK_EQ(iv, 0);
	memset(&old, 0xa5, sizeof old);
	CHECK_OK(timerfd_settime(fd, 0, &t, &old));
	CHECK_EQ(ts_ns(old.it_value), 0);
	CHECK_EQ(ts_ns(old.it_interval), 0);
	sleep_ms(30);
	CHECK_NOTHING(fd); /* a disarmed timer never expires */

	/* Absolute, 10 s ahead on the timer's clock: gettime gives the time left, relative. */
	long long now = clock_ns(CLOCK_MONOTONIC);
	ARM(fd, TFD_TIMER_ABSTIME, now + 10000 * MS, 0);
	CHECK_RANGE(remaining(fd, NULL), 9000 * MS, 10000 * MS);
	CHECK_NOTHING(fd);
	/* Absolute in the past: expired at once, one expiration. */
	ARM(fd, TFD_TIMER_ABSTIME, now / 2, 0); /* a fresh machine may be up for under 1 s */
	sleep_ms(5);
	CHECK_COUNT(fd, 1);
	CHECK_NOTHING(fd);
	CHECK_EQ(remaining(fd, &iv), 0); /* a one-shot timer that fired is disarmed */
	CHECK_EQ(iv, 0);
	ARM(fd, TFD_TIMER_ABSTIME, 1, 0); /* 1 ns after the clock's zero */
	sleep_ms(5);
	CHECK_COUNT(fd, 1);
	/* Relative, 1 ns. */
	ARM(fd, 0, 1, 0);
	sleep_ms(5);
	CHECK_COUNT(fd, 1);
	CHECK_NOTHING(fd);
	/* Absolute on CLOCK_REALTIME and CLOCK_BOOTTIME too. */
	static const clockid_t others[] = {CLOCK_REALTIME, CLOCK_BOOTTIME};
	for (int i = 0; i < 2; i++) {
		int o;
		CHECK_OK(o = timerfd_create(others[i], TFD_NONBLOCK));
		ARM(o, TFD_TIMER_ABSTIME, clock_ns(others[i]) + 10000 * MS, 0);
		CHECK_RANGE(remaining(o, NULL), 9000 * MS, 10000 * MS);
		CHECK_NOTHING(o);
		ARM(o, TFD_TIMER_ABSTIME, clock_ns(others[i]) - 5 * MS, 0);
		sleep_ms(5);
		CHECK_COUNT(o, 1);
		ARM(o, 0, 20 * MS, 0);
		sleep_ms(40);
		CHECK_COUNT(o, 1);
		CHECK_OK(close(o));
	}

	/* The count is reset by a new setting, also by disarming. */
	ARM(fd, 0, 1 * MS, 0);
	sleep_ms(20);
	ARM(fd, 0, 10000 * MS, 0);
	CHECK_NOTHING(fd);
	ARM(fd, 0, 1 * MS, 1 * MS);
	sleep_ms(20);
	ARM(fd, 0, 0, 0);
	CHECK_NOTHING(fd);
	/* ...and re-arming an expired timer starts again from 0. */
	ARM(fd, 0, 1 * MS, 0);
	sleep_ms(20);
	ARM(fd, 0, 1 * MS, 0);
	sleep_ms(20);
	CHECK_COUNT(fd, 1);

	/* An interval timer: the first expiry at it_value, then every it_interval; gettime's time
	 * left is never above the interval after the first expiry. */
	ARM(fd, 0, 10 * MS, 50 * MS);
	sleep_ms(30);
	CHECK_RANGE(remaining(fd, &iv), 1, 50 * MS);
	CHECK_EQ(iv, 50 * MS);
	CHECK_COUNT(fd, 1);
	ARM(fd, 0, 0, 0);
	CHECK_OK(close(fd));
}

static void invalid_settings(void)
{
	SECTION("timerfd_settime: invalid timespecs and flags (EINVAL, the timer unchanged), bad descriptors");
	int fd;
	CHECK_OK(fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	ARM(fd, 0, 10000 * MS, 2000 * MS);
	static const struct timespec bad[] = {{0, 1000000000L}, {0, -1}, {-1, 0}, {5, 2000000000L},
	                                      {-1, 999999999L}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct itimerspec t = its(1 * MS, 0);
		t.it_value = bad[i];
		CHECK_ERR(timerfd_settime(fd, 0, &t, NULL), EINVAL);
		CHECK_ERR(timerfd_settime(fd, TFD_TIMER_ABSTIME, &t, NULL), EINVAL);
		t = its(1 * MS, 0);
		t.it_interval = bad[i];
		CHECK_ERR(timerfd_settime(fd, 0, &t, NULL), EINVAL);
		/* Even with a zero it_value, which would disarm. */
		t = its(0, 0);
		t.it_interval = bad[i];
		CHECK_ERR(timerfd_settime(fd, 0, &t, NULL), EINVAL);
	}
	static const int bad_flags[] = {4, 8, 0x100, TFD_TIMER_ABSTIME | 0x10, TFD_NONBLOCK, TFD_CLOEXEC,
	                                -1};
	for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++) {
		struct itimerspec t = its(1 * MS, 0);
		CHECK_ERR(timerfd_settime(fd, bad_flags[i], &t, NULL), EINVAL);
	}
	/* Nothing changed: still 10 s with a 2 s interval, not expired. */
	long long iv = -1;
	CHECK_RANGE(remaining(fd, &iv), 9000 * MS, 10000 * MS);
	CHECK_EQ(iv, 2000 * MS);
	sleep_ms(10);
	CHECK_NOTHING(fd);
	/* The largest tv_nsec is valid. */
	struct itimerspec edge = its(0, 0);
	edge.it_value.tv_sec = 100;
	edge.it_value.tv_nsec = 999999999L;
	edge.it_interval.tv_nsec = 999999999L;
	CHECK_OK(timerfd_settime(fd, 0, &edge, NULL));
	CHECK_RANGE(remaining(fd, &iv), 99000 * MS, 100999999999LL);
	CHECK_EQ(iv, 999999999LL);

	/* A timer cannot be written (Linux: EINVAL, a file without a write operation). */
	uint64_t eight = 1;
	CHECK_ERR(write(fd, &eight, sizeof eight), EINVAL);

	/* Not a timer: EINVAL; not a descriptor: EBADF. */
	int p[2];
	CHECK_OK(pipe(p));
	struct itimerspec t = its(1 * MS, 0), got;
	CHECK_ERR(timerfd_settime(p[0], 0, &t, NULL), EINVAL);
	CHECK_ERR(timerfd_gettime(p[0], &got), EINVAL);
	CHECK_OK(close(p[0]));
	CHECK_OK(close(p[1]));
	CHECK_ERR(timerfd_settime(p[0], 0, &t, NULL), EBADF);
	CHECK_ERR(timerfd_gettime(p[0], &got), EBADF);
	CHECK_ERR(timerfd_settime(-1, 0, &t, NULL), EBADF);
	CHECK_OK(close(fd));
	CHECK_ERR(timerfd_gettime(fd, &got), EBADF);
}

static void reading(void)
{
	SECTION("read: an 8-byte count, EINVAL under 8 bytes, EAGAIN, a blocking read waits, missed ticks");
	int fd;
	CHECK_OK(fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	char buf[32];
	CHECK_ERR(read(fd, buf, 7), EINVAL);
	CHECK_ERR(read(fd, buf, 0), EINVAL);
	CHECK_ERR(read(fd, buf, 1), EINVAL);
	CHECK_ERR(read(fd, buf, 8), EAGAIN); /* disarmed */
	ARM(fd, 0, 1 * MS, 0);
	sleep_ms(20);
	CHECK_ERR(read(fd, buf, 4), EINVAL); /* expired, but too small: the count stays */
	memset(buf, 0x5a, sizeof buf);
	CHECK_EQ(read(fd, buf, sizeof buf), 8); /* a larger buffer: 8 bytes */
	uint64_t n;
	memcpy(&n, buf, 8);
	CHECK_EQ(n, 1);
	CHECK_EQ(buf[8], 0x5a);
	CHECK_NOTHING(fd);

	/* A blocking read waits for the expiry: not before, and not much after. */
	int b;
	CHECK_OK(b = timerfd_create(CLOCK_MONOTONIC, 0));
	long long start = now_ns();
	ARM(b, 0, 150 * MS, 0);
	CHECK_COUNT(b, 1);
	long long took = now_ns() - start;
	CHECK_RANGE(took / MS, 150, 2000);
	/* Absolute, on a blocking descriptor. */
	start = now_ns();
	ARM(b, TFD_TIMER_ABSTIME, clock_ns(CLOCK_MONOTONIC) + 100 * MS, 0);
	CHECK_COUNT(b, 1);
	CHECK_RANGE((now_ns() - start) / MS, 99, 2000);
	/* A blocking read of an interval timer: one tick each time when read promptly. */
	ARM(b, 0, 20 * MS, 20 * MS);
	start = now_ns();
	long long total = 0;
	for (int i = 0; i < 5; i++) {
		long long c = read_count(b);
		CHECK(c >= 1);
		total += c;
	}
	took = now_ns() - start;
	CHECK_RANGE(took / MS, 99, 3000);
	CHECK_RANGE(total, 5, took / (20 * MS) + 1);
	ARM(b, 0, 0, 0);
	CHECK_OK(close(b));

	/* An interval timer read late: every missed tick counts. */
	start = now_ns();
	ARM(fd, 0, 10 * MS, 10 * MS);
	sleep_ms(105);
	long long c = read_count(fd);
	took = now_ns() - start;
	CHECK_RANGE(c, 9, took / (10 * MS));
	/* Then counting afresh: the next read sees only the ticks since. */
	sleep_ms(35);
	c = read_count(fd);
	CHECK_RANGE(c, 2, 10);
	/* A large count: 1 ms interval, 300 ms. */
	start = now_ns();
	ARM(fd, 0, 1 * MS, 1 * MS);
	sleep_ms(300);
	c = read_count(fd);
	took = now_ns() - start;
	CHECK_RANGE(c, 250, took / MS);
	ARM(fd, 0, 0, 0);
	CHECK_NOTHING(fd);
	CHECK_OK(close(fd));
}

static unsigned epoll_events(int ep, int timeout)
{
	return epoll_cookie_events(ep, timeout, 0x7f7f);
}

static int g_fd;

static int poll_child(int unused)
{
	(void)unused;
	long long start = now_ns();
	CHECK_EQ(poll_events(g_fd, POLLIN | POLLOUT, 10000), POLLIN);
	CHECK_RANGE((now_ns() - start) / MS, 0, 5000);
	return 0;
}

static void readiness(void)
{
	SECTION("poll, select, epoll: readable while expirations wait to be read, never writable");
	int fd;
	CHECK_OK(fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), 0);
	long long start = now_ns();
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 50), 0); /* disarmed: poll times out */
	CHECK((now_ns() - start) / MS >= 49);
	ARM(fd, 0, 10000 * MS, 0);
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), 0);
	CHECK_EQ(select_readable(fd, 0), 0);

	/* A poll asleep until the expiry. */
	start = now_ns();
	ARM(fd, 0, 100 * MS, 0);
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 5000), POLLIN);
	CHECK_RANGE((now_ns() - start) / MS, 99, 2000);
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), POLLIN); /* poll takes nothing */
	CHECK_EQ(select_readable(fd, 0), 1);
	CHECK_COUNT(fd, 1);
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), 0);
	CHECK_EQ(select_readable(fd, 0), 0);
	/* select asleep until the expiry. */
	start = now_ns();
	ARM(fd, 0, 60 * MS, 0);
	CHECK_EQ(select_readable(fd, 5000), 1);
	CHECK_RANGE((now_ns() - start) / MS, 59, 2000);
	CHECK_COUNT(fd, 1);

	/* epoll, level-triggered and edge-triggered. */
	int ep;
	CHECK_OK(ep = epoll_create1(0));
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u64 = 0x7f7f;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	CHECK_EQ(epoll_events(ep, 0), 0);
	start = now_ns();
	ARM(fd, 0, 60 * MS, 0);
	CHECK_EQ(epoll_events(ep, 5000), EPOLLIN);
	CHECK_RANGE((now_ns() - start) / MS, 59, 2000);
	CHECK_EQ(epoll_events(ep, 0), EPOLLIN); /* level-triggered: still */
	CHECK_COUNT(fd, 1);
	CHECK_EQ(epoll_events(ep, 0), 0);
	ev.events = EPOLLIN | EPOLLET;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev));
	ARM(fd, 0, 20 * MS, 20 * MS);
	CHECK_EQ(epoll_events(ep, 5000), EPOLLIN);
	CHECK_EQ(epoll_events(ep, 0), 0); /* edge-triggered: reported once */
	CHECK(read_count(fd) >= 1);
	CHECK_EQ(epoll_events(ep, 5000), EPOLLIN); /* a tick after the read is a new edge */
	CHECK_EQ(epoll_events(ep, 0), 0);
	CHECK(read_count(fd) >= 1);
	ARM(fd, 0, 0, 0);
	CHECK_EQ(epoll_events(ep, 50), 0);
	/* Re-arming drops the readiness: the count went. */
	ev.events = EPOLLIN;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev));
	ARM(fd, 0, 1 * MS, 0);
	sleep_ms(20);
	CHECK_EQ(epoll_events(ep, 0), EPOLLIN);
	ARM(fd, 0, 10000 * MS, 0);
	CHECK_EQ(epoll_events(ep, 0), 0);
	CHECK_EQ(poll_events(fd, POLLIN | POLLOUT, 0), 0);
	CHECK_OK(close(ep));

	/* Another process's poll is woken by the expiry. */
	g_fd = fd;
	ARM(fd, 0, 300 * MS, 0);
	pid_t p = spawn(poll_child, 0);
	CHECK(wait_asleep_by(p, asleep_in_wait));
	CHECK_CHILD_DONE(p);
	CHECK_COUNT(fd, 1);
	CHECK_OK(close(fd));
}

static int child_reads(int want_min)
{
	long long c = read_count(g_fd);
	CHECK(c >= want_min);
	return 0;
}

static int child_blocking_read(int unused)
{
	(void)unused;
	/* The description is the parent's: O_NONBLOCK was cleared there. */
	CHECK_EQ(read_count(g_fd), 1);
	return 0;
}

static int child_arms(int unused)
{
	(void)unused;
	ARM(g_fd, 0, 30000 * MS, 0);
	return 0;
}

static void forked(void)
{
	SECTION("fork: parent and child share the open description (the count, the setting)");
	int fd;
	CHECK_OK(fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	g_fd = fd;
	ARM(fd, 0, 5 * MS, 5 * MS);
	sleep_ms(40);
	ARM(fd, 0, 1 * MS, 0);
	sleep_ms(20);
	CHECK_CHILD_DONE(spawn(child_reads, 1));
	CHECK_NOTHING(fd); /* the child took the count */
	/* The child's setting is the parent's timer. */
	CHECK_CHILD_DONE(spawn(child_arms, 0));
	CHECK_RANGE(remaining(fd, NULL), 29000 * MS, 30000 * MS);
	/* A child blocked in read, woken by the expiry of the timer the parent set. */
	CHECK_OK(fcntl(fd, F_SETFL, 0));
	ARM(fd, 0, 0, 0);
	pid_t p = spawn(child_blocking_read, 0);
	CHECK(wait_asleep_by(p, asleep_in_wait));
	ARM(fd, 0, 50 * MS, 0);
	CHECK_CHILD_DONE(p);
	CHECK_OK(fcntl(fd, F_SETFL, O_NONBLOCK));
	CHECK_NOTHING(fd);
	CHECK_OK(close(fd));
}

/* Sets CLOCK_REALTIME to its present value plus DELTA_NS (read just before). */
static void shift_realtime(long long delta_ns)
{
	struct timespec ts = ns_ts(clock_ns(CLOCK_REALTIME) + delta_ns);
	CHECK_OK(clock_settime(CLOCK_REALTIME, &ts));
}

static int cancelled_reader(int unused)
{
	(void)unused;
	long long start = now_ns();
	CHECK_ERR(read_count(g_fd), ECANCELED);
	CHECK_RANGE((now_ns() - start) / MS, 0, 10000);
	return 0;
}

static void cancel_on_set_without_setting(void)
{
	SECTION("TFD_TIMER_CANCEL_ON_SET: accepted, a plain timer without TFD_TIMER_ABSTIME or on CLOCK_MONOTONIC");
	int fd;
	CHECK_OK(fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
	ARM(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, clock_ns(CLOCK_REALTIME) + 60000 * MS, 0);
	CHECK_RANGE(remaining(fd, NULL), 59000 * MS, 60000 * MS);
	CHECK_NOTHING(fd);
	/* An absolute deadline already past expires as usual. */
	ARM(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, clock_ns(CLOCK_REALTIME) - 1 * MS, 0);
	sleep_ms(5);
	CHECK_COUNT(fd, 1);
	/* Relative with the flag: an ordinary timer. */
	ARM(fd, TFD_TIMER_CANCEL_ON_SET, 20 * MS, 0);
	sleep_ms(40);
	CHECK_COUNT(fd, 1);
	CHECK_OK(close(fd));
	CHECK_OK(fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	ARM(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, clock_ns(CLOCK_MONOTONIC) + 20 * MS, 0);
	sleep_ms(40);
	CHECK_COUNT(fd, 1);
	CHECK_OK(close(fd));
}

static void cancel_on_set(void)
{
	SECTION("clock_settime(CLOCK_REALTIME): ECANCELED once for TFD_TIMER_CANCEL_ON_SET, deadlines move");
	const char *env = getenv("TIMERFD_TEST_SETTIME");
	if (!on_kestrel() && !(env && strcmp(env, "1") == 0)) {
		printf("%s: not setting this machine's clock (set TIMERFD_TEST_SETTIME=1 to check it)\n",
		       test_name);
		return;
	}
	if (geteuid() != 0) {
		printf("%s: not root: clock_settime not checked\n", test_name);
		return;
	}
	/* The timers: A cancels on set (a reader asleep on it), B cancels on set (nobody
	 * reads), C is absolute without the flag (60 s), D relative with the flag, E absolute
	 * with the flag on CLOCK_MONOTONIC, F a CLOCK_MONOTONIC timer, G absolute without the
	 * flag, 2 s ahead. */
	int a, b, c, d, e, f, g;
	CHECK_OK(a = timerfd_create(CLOCK_REALTIME, 0));
	CHECK_OK(b = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
	CHECK_OK(c = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
	CHECK_OK(d = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
	CHECK_OK(e = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	CHECK_OK(f = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
	CHECK_OK(g = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
	long long rt = clock_ns(CLOCK_REALTIME), mono = clock_ns(CLOCK_MONOTONIC);
	ARM(a, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, rt + 60000 * MS, 0);
	ARM(b, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, rt + 60000 * MS, 0);
	ARM(c, TFD_TIMER_ABSTIME, rt + 60000 * MS, 0);
	ARM(d, TFD_TIMER_CANCEL_ON_SET, 60000 * MS, 0);
	ARM(e, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, mono + 60000 * MS, 0);
	ARM(f, 0, 60000 * MS, 0);
	ARM(g, TFD_TIMER_ABSTIME, rt + 2000 * MS, 0);

	/* The clock set to what it reads (a step back of the time between the two calls): the
	 * reader asleep on A is woken with ECANCELED. */
	g_fd = a;
	pid_t p = spawn(cancelled_reader, 0);
	CHECK(wait_asleep_by(p, asleep_in_wait));
	shift_realtime(0);
	CHECK_CHILD_DONE(p);
	/* Once: the next read finds nothing (the timer stays armed, 60 s ahead). */
	CHECK_OK(fcntl(a, F_SETFL, O_NONBLOCK));
	CHECK_NOTHING(a);
	CHECK_RANGE(remaining(a, NULL), 50000 * MS, 60000 * MS);
	/* B, read only now: ECANCELED, then nothing. */
	CHECK_ERR(read_count(b), ECANCELED);
	CHECK_NOTHING(b);
	CHECK_RANGE(remaining(b, NULL), 50000 * MS, 60000 * MS);
	/* The others: nothing. */
	CHECK_NOTHING(c);
	CHECK_NOTHING(d);
	CHECK_NOTHING(e);
	CHECK_NOTHING(f);
	CHECK_NOTHING(g);

	/* Readiness: poll sees a cancelled timer as readable. */
	shift_realtime(0);
	struct pollfd pf = {b, POLLIN, 0};
	CHECK_EQ(poll(&pf, 1, 0), 1);
	CHECK_EQ(pf.revents & POLLIN, POLLIN);
	CHECK_ERR(read_count(b), ECANCELED);
	CHECK_ERR(read_count(a), ECANCELED);
	CHECK_NOTHING(a);
	CHECK_NOTHING(b);

	/* 5 s forward: G's absolute deadline (2 s ahead) has passed, C's 60 s ahead moved 5 s
	 * nearer, D (relative) and the CLOCK_MONOTONIC timers did not move. */
	shift_realtime(5000 * MS);
	sleep_ms(20);
	CHECK_COUNT(g, 1);
	CHECK_RANGE(remaining(c, NULL), 50000 * MS, 55000 * MS);
	CHECK_RANGE(remaining(d, NULL), 55000 * MS, 60000 * MS);
	CHECK_RANGE(remaining(e, NULL), 55000 * MS, 60000 * MS);
	CHECK_RANGE(remaining(f, NULL), 55000 * MS, 60000 * MS);
	CHECK_NOTHING(c);
	CHECK_NOTHING(d);
	CHECK_NOTHING(e);
	CHECK_NOTHING(f);
	CHECK_ERR(read_count(a), ECANCELED);
	/* Back by what was added (the time spent meanwhile stays on the clock). */
	shift_realtime(-5000 * MS);
	CHECK_RANGE(remaining(c, NULL), 55000 * MS, 60000 * MS);
	CHECK_ERR(read_count(a), ECANCELED);
	CHECK_ERR(read_count(b), ECANCELED);
	/* Re-armed, A is an ordinary timer again until the next setting. */
	ARM(a, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, clock_ns(CLOCK_REALTIME) + 30 * MS, 0);
	sleep_ms(60);
	CHECK_COUNT(a, 1);
	CHECK_NOTHING(a);
	int all[] = {a, b, c, d, e, f, g};
	for (int i = 0; i < 7; i++)
		CHECK_OK(close(all[i]));
}

int main(void)
{
	test_name = "c_timerfd";
	setvbuf(stdout, NULL, _IOLBF, 0);
	creating();
	setting();
	invalid_settings();
	reading();
	readiness();
	forked();
	cancel_on_set_without_setting();
	cancel_on_set();
	return report();
}
