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
 * the parent's timer). TFD_TIMER_CANCEL_ON_SET and clock_settime: c_timerfd_cancel.c.
 *
 * Times are checked with margins: never early, not more than a second or so late.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not.
 */
#include "c_timerfd_common.h"
#include "c_ready.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

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
	return report();
}
