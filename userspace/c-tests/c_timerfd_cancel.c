/* c_timerfd_cancel: TFD_TIMER_CANCEL_ON_SET (timerfd_settime(2)) and what setting
 * CLOCK_REALTIME does to timers. The flag: accepted, and without effect without
 * TFD_TIMER_ABSTIME or on CLOCK_MONOTONIC; with clock_settime(CLOCK_REALTIME) (kestrel
 * always, Linux only with TIMERFD_TEST_SETTIME=1 in the environment: it sets the machine's
 * clock, by a few microseconds back and by 5 s forward and back): a blocked reader of a
 * CLOCK_REALTIME, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET timer woken with ECANCELED, once
 * (a later read blocks or gives EAGAIN, the timer stays armed), a setting made while nobody
 * reads reported by the next read; a timer without the flag not cancelled, but its absolute
 * CLOCK_REALTIME deadline moving with the clock; CLOCK_MONOTONIC timers untouched. The
 * rest of timerfd: c_timerfd.c.
 *
 * Times are checked with margins: never early, not more than a second or so late.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not.
 */
#include "c_timerfd_common.h"

#include <poll.h>

static int on_kestrel(void)
{
#ifdef __kestrel__
	return 1;
#else
	return 0;
#endif
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
	test_name = "c_timerfd_cancel";
	setvbuf(stdout, NULL, _IOLBF, 0);
	cancel_on_set_without_setting();
	cancel_on_set();
	return report();
}
