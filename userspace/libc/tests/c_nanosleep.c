/* c_nanosleep: clock_nanosleep on CLOCK_MONOTONIC and CLOCK_REALTIME, relative and with
 * TIMER_ABSTIME: it sleeps at least as asked, an absolute time already past returns at
 * once, a bad time or clock is EINVAL (returned, errno untouched), and a signal ends a
 * sleep with EINTR, a relative one storing the time left. */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec at_ns(int64_t ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};
	return ts;
}

static volatile sig_atomic_t usr1;

static void on_usr1(int signo)
{
	(void)signo;
	usr1 = 1;
}

int main(void)
{
	clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
	for (unsigned i = 0; i < 2; i++) {
		clockid_t c = clocks[i];
		struct timespec rel = {0, 30000000};
		int64_t start = now_ns(c);
		CHECK(clock_nanosleep(c, 0, &rel, NULL) == 0);
		CHECK(now_ns(c) - start >= 30000000);

		start = now_ns(c);
		struct timespec abs = at_ns(start + 40000000);
		CHECK(clock_nanosleep(c, TIMER_ABSTIME, &abs, NULL) == 0);
		CHECK(now_ns(c) >= start + 40000000);

		struct timespec past = at_ns(start / 2);
		start = now_ns(CLOCK_MONOTONIC);
		CHECK(clock_nanosleep(c, TIMER_ABSTIME, &past, NULL) == 0);
		CHECK(now_ns(CLOCK_MONOTONIC) - start < 500000000);
	}

	struct timespec bad = {0, 1000000000};
	errno = 0;
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL);
	CHECK(errno == 0);
	struct timespec neg = {-1, 0};
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &neg, NULL) == EINVAL);
	struct timespec ok = {0, 1000};
	CHECK(clock_nanosleep((clockid_t)12345, 0, &ok, NULL) == EINVAL);

	/* A signal from a child ends a 5 s sleep early: EINTR and the time left. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	pid_t parent = getpid();
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		struct timespec wait = {0, 100000000};
		nanosleep(&wait, NULL);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	struct timespec five = {5, 0}, left = {0, 0};
	int64_t start = now_ns(CLOCK_MONOTONIC);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &five, &left) == EINTR);
	CHECK(usr1 == 1);
	CHECK(now_ns(CLOCK_MONOTONIC) - start < 4000000000LL);
	CHECK(left.tv_sec >= 1 && left.tv_sec <= 5);
	waitpid(child, NULL, 0);

	/* With TIMER_ABSTIME the time left is not stored. */
	usr1 = 0;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		struct timespec wait = {0, 100000000};
		nanosleep(&wait, NULL);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	struct timespec untouched = {7, 7};
	struct timespec abs = at_ns(now_ns(CLOCK_MONOTONIC) + 5000000000LL);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, &untouched) == EINTR);
	CHECK(untouched.tv_sec == 7 && untouched.tv_nsec == 7);
	waitpid(child, NULL, 0);
	return check_summary("c_nanosleep");
}
