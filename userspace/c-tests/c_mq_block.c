/* c_mq_block: the sleeping paths of mq_send and mq_receive across processes. A receiver
 * asleep on an empty queue gets a message sent later (receivers in the order they went to
 * sleep); senders asleep on a full queue go in, in the order they went to sleep, as room is
 * made; mq_timedreceive and mq_timedsend with an absolute CLOCK_REALTIME deadline (expiry:
 * ETIMEDOUT, at the deadline and not long after; a deadline already past when nothing
 * needs to wait; an invalid timespec: EINVAL even then); a handled signal: EINTR without
 * SA_RESTART, the call restarted with it (as Linux restarts these calls); an ignored
 * signal: nothing; a sleeper killed with SIGKILL leaves no trace; a sleeper on a queue whose
 * name is unlinked is served; a deadline moved by clock_settime (CLOCK_REALTIME set
 * forward past it: ETIMEDOUT at once), which runs on kestrel always, and on Linux only with
 * MQ_TEST_SETTIME=1 in the environment (it sets the machine's clock, then puts it back).
 *
 * Where it can (Linux's /proc/PID/syscall) the test waits until a child sleeps in its
 * call; elsewhere it gives the child ASLEEP_MS (c_mq_common.h). A child that should have
 * been woken but was not is killed after 10 s and reported.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not.
 */
#include "c_mq_common.h"

/* The queue the children work on (fork copies it). */
static mqd_t g_q;

/* What a child does: receive (the message it must get: LEN bytes of TAG at PRIO) or send
 * (LEN bytes of TAG at PRIO); TIMED: with a deadline 10 s ahead; ERR: the error it must get
 * instead. */
struct job {
	int send;
	int timed;
	size_t len;
	int tag;
	unsigned prio;
	int err;
};
static struct job jobs[8];

static int job_child(int i)
{
	const struct job *j = &jobs[i];
	struct timespec deadline = deadline_in(10000);
	if (j->send) {
		if (j->err && j->timed)
			CHECK_ERR(timedsend_tagged(g_q, j->len, j->tag, j->prio, &deadline), j->err);
		else if (j->err)
			CHECK_ERR(send_tagged(g_q, j->len, j->tag, j->prio), j->err);
		else if (j->timed)
			CHECK_OK(timedsend_tagged(g_q, j->len, j->tag, j->prio, &deadline));
		else
			CHECK_OK(send_tagged(g_q, j->len, j->tag, j->prio));
		return 0;
	}
	if (j->err) {
		if (j->timed)
			CHECK_ERR(mq_timedreceive(g_q, received, sizeof received, NULL, &deadline), j->err);
		else
			CHECK_ERR(mq_receive(g_q, received, sizeof received, NULL), j->err);
		return 0;
	}
	if (j->timed) {
		memset(received, 0x5a, sizeof received);
		unsigned prio = 0;
		ssize_t n = mq_timedreceive(g_q, received, sizeof received, &prio, &deadline);
		if (n != (ssize_t)j->len || prio != j->prio || !text_is(received, (size_t)n, j->tag))
			FAIL_AT("mq_timedreceive: %zd (errno %d) at priority %u; expected %zu bytes of "
			        "message %d at priority %u", n, errno, prio, j->len, j->tag, j->prio);
	} else {
		CHECK_RECV(g_q, j->len, j->tag, j->prio);
	}
	return 0;
}

/* Starts child I doing J and waits until it sleeps. */
static pid_t start(int i, struct job j)
{
	jobs[i] = j;
	pid_t pid = spawn(job_child, i);
	WAIT_ASLEEP(pid);
	return pid;
}

static struct job receive_job(int timed, size_t len, int tag, unsigned prio)
{
	return (struct job){0, timed, len, tag, prio, 0};
}

static struct job send_job(int timed, size_t len, int tag, unsigned prio)
{
	return (struct job){1, timed, len, tag, prio, 0};
}

static void sleeping_receivers(void)
{
	SECTION("a receiver asleep on an empty queue gets a message sent later, in the order they slept");
	g_q = new_queue(1, O_RDWR, 0600, NULL);
	pid_t r = start(0, receive_job(0, 12, 1, 4));
	CHECK_ASLEEP(r);
	CHECK_OK(send_tagged(g_q, 12, 1, 4));
	CHECK_CHILD_DONE(r);
	CHECK_EQ(curmsgs(g_q), 0);

	/* Three receivers, one timed: served in the order they went to sleep, whatever the
	 * messages' priorities. */
	pid_t a = start(0, receive_job(0, 5, 2, 1));
	pid_t b = start(1, receive_job(1, 6, 3, 9));
	pid_t c = start(2, receive_job(0, 7, 4, 0));
	CHECK_OK(send_tagged(g_q, 5, 2, 1));
	CHECK_CHILD_DONE(a);
	CHECK_ASLEEP(b);
	CHECK_ASLEEP(c);
	CHECK_OK(send_tagged(g_q, 6, 3, 9));
	CHECK_CHILD_DONE(b);
	CHECK_ASLEEP(c);
	CHECK_OK(send_tagged(g_q, 7, 4, 0));
	CHECK_CHILD_DONE(c);
	CHECK_EQ(curmsgs(g_q), 0);

	/* A receiver asleep when the name is unlinked is still served. */
	r = start(0, receive_job(1, 8, 5, 2));
	CHECK_OK(mq_unlink(qname(1)));
	CHECK_ASLEEP(r);
	CHECK_OK(send_tagged(g_q, 8, 5, 2));
	CHECK_CHILD_DONE(r);
	CHECK_OK(mq_close(g_q));
}

static void sleeping_senders(void)
{
	SECTION("senders asleep on a full queue go in as room is made, in the order they slept");
	g_q = new_sized_queue(2, O_RDWR, 1, 32);
	CHECK_OK(send_tagged(g_q, 10, 10, 5));
	pid_t s1 = start(0, send_job(0, 11, 11, 1));
	pid_t s2 = start(1, send_job(1, 12, 12, 9));
	pid_t s3 = start(2, send_job(0, 13, 13, 5));
	CHECK_EQ(curmsgs(g_q), 1);
	CHECK_RECV(g_q, 10, 10, 5);
	CHECK_CHILD_DONE(s1);
	CHECK_EQ(curmsgs(g_q), 1);
	CHECK_ASLEEP(s2);
	CHECK_ASLEEP(s3);
	CHECK_RECV(g_q, 11, 11, 1);
	CHECK_CHILD_DONE(s2);
	CHECK_ASLEEP(s3);
	CHECK_RECV(g_q, 12, 12, 9);
	CHECK_CHILD_DONE(s3);
	CHECK_RECV(g_q, 13, 13, 5);
	CHECK_EQ(curmsgs(g_q), 0);

	/* A sleeping sender and a sleeping receiver of one queue (two descriptors of it, one
	 * full queue): receiving makes room for the sender. */
	CHECK_OK(send_tagged(g_q, 1, 14, 0));
	pid_t s = start(0, send_job(1, 2, 15, 3));
	CHECK_RECV(g_q, 1, 14, 0);
	CHECK_CHILD_DONE(s);
	CHECK_RECV(g_q, 2, 15, 3);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(2)));
}

/* mq_timedreceive (or, with SEND, mq_timedsend) that must expire at DEADLINE_MS from now. */
static void check_expires(mqd_t q, int send, long deadline_ms)
{
	struct timespec deadline = deadline_in(deadline_ms);
	long long due = (long long)deadline.tv_sec * 1000000000LL + deadline.tv_nsec;
	long long start_mono = now_ns();
	if (send)
		CHECK_ERR(timedsend_tagged(q, 4, 20, 0, &deadline), ETIMEDOUT);
	else
		CHECK_ERR(mq_timedreceive(q, received, sizeof received, NULL, &deadline), ETIMEDOUT);
	long long late_ns = realtime_ns() - due;
	long elapsed = ms_since(start_mono);
	if (late_ns < 0)
		FAIL_AT("%s: ETIMEDOUT %lld us before the deadline", send ? "mq_timedsend" : "mq_timedreceive",
		        -late_ns / 1000);
	if (deadline_ms > 0 && elapsed > deadline_ms + 1000)
		FAIL_AT("%s: ETIMEDOUT after %ld ms; the deadline was %ld ms away",
		        send ? "mq_timedsend" : "mq_timedreceive", elapsed, deadline_ms);
	if (deadline_ms <= 0 && elapsed > 1000)
		FAIL_AT("%s: a deadline already past took %ld ms", send ? "mq_timedsend" : "mq_timedreceive",
		        elapsed);
}

static int late_sender(int delay_ms)
{
	sleep_ms(delay_ms);
	CHECK_OK(send_tagged(g_q, 3, 21, 6));
	return 0;
}

static void timeouts(void)
{
	SECTION("mq_timedreceive and mq_timedsend: an absolute CLOCK_REALTIME deadline");
	g_q = new_sized_queue(3, O_RDWR, 2, 64);
	/* Expiry on an empty queue and on a full one. */
	check_expires(g_q, 0, 300);
	CHECK_OK(send_tagged(g_q, 1, 22, 0));
	CHECK_OK(send_tagged(g_q, 1, 23, 0));
	check_expires(g_q, 1, 300);
	CHECK_EQ(curmsgs(g_q), 2); /* the expired sender's message never went in */
	/* A deadline already past: nothing to wait for succeeds, else ETIMEDOUT at once. */
	check_expires(g_q, 1, -2000);
	struct timespec past = deadline_in(-2000);
	struct timespec epoch = {0, 0};
	unsigned prio = 99;
	CHECK_EQ(mq_timedreceive(g_q, received, sizeof received, &prio, &past), 1);
	CHECK(text_is(received, 1, 22));
	CHECK_EQ(prio, 0);
	CHECK_OK(timedsend_tagged(g_q, 2, 24, 1, &past));
	CHECK_RECV(g_q, 2, 24, 1);
	CHECK_EQ(mq_timedreceive(g_q, received, sizeof received, NULL, &epoch), 1);
	CHECK(text_is(received, 1, 23));
	CHECK_OK(timedsend_tagged(g_q, 2, 25, 1, &epoch));
	CHECK_RECV(g_q, 2, 25, 1);
	check_expires(g_q, 0, -2000);
	check_expires(g_q, 0, 0);

	/* A message that comes before the deadline ends the wait. */
	pid_t s = spawn(late_sender, 100);
	struct timespec later = deadline_in(5000);
	long long start_mono = now_ns();
	CHECK_EQ(mq_timedreceive(g_q, received, sizeof received, &prio, &later), 3);
	CHECK(text_is(received, 3, 21));
	CHECK_EQ(prio, 6);
	CHECK(ms_since(start_mono) < 4000);
	CHECK_CHILD_DONE(s);

	/* An invalid timespec: EINVAL, also when the call would not wait, also on a descriptor
	 * that does not block. */
	static const struct timespec bad[] = {{0, 1000000000L}, {0, -1}, {-1, 0}, {5, 2000000000L},
	                                      {0, -1000000000L}};
	for (int nonblock = 0; nonblock < 2; nonblock++) {
		CHECK_OK(set_flags(g_q, nonblock ? O_NONBLOCK : 0));
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			const struct timespec *ts = &bad[i];
			/* Empty: would wait (or EAGAIN). */
			CHECK_ERR(mq_timedreceive(g_q, received, sizeof received, NULL, ts), EINVAL);
			/* A message there: would not wait. */
			CHECK_OK(send_tagged(g_q, 4, 27, 0));
			CHECK_ERR(mq_timedreceive(g_q, received, sizeof received, NULL, ts), EINVAL);
			/* Room: would not wait. */
			CHECK_ERR(timedsend_tagged(g_q, 4, 28, 0, ts), EINVAL);
			/* Full: would wait (or EAGAIN). */
			CHECK_OK(send_tagged(g_q, 4, 29, 0));
			CHECK_ERR(timedsend_tagged(g_q, 4, 28, 0, ts), EINVAL);
			CHECK_EQ(curmsgs(g_q), 2);
			CHECK_RECV(g_q, 4, 27, 0);
			CHECK_RECV(g_q, 4, 29, 0);
		}
	}
	CHECK_OK(set_flags(g_q, 0));
	/* The largest tv_nsec is fine. */
	struct timespec edge = deadline_in(-1000);
	edge.tv_nsec = 999999999L;
	CHECK_OK(timedsend_tagged(g_q, 1, 30, 0, &edge));
	CHECK_EQ(mq_timedreceive(g_q, received, sizeof received, NULL, &edge), 1);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(3)));
}

static volatile sig_atomic_t got_signal;

static void on_signal(int signo)
{
	(void)signo;
	got_signal++;
}

/* KIND: bit 0 = SA_RESTART, bit 1 = a sender (else a receiver), bit 2 = the timed call. */
static int interrupted_child(int kind)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = (kind & 1) ? SA_RESTART : 0;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	struct timespec deadline = deadline_in(10000);
	int timed = (kind & 4) != 0;
	long long r;
	errno = 0;
	if (kind & 2)
		r = timed ? timedsend_tagged(g_q, 5, 40 + kind, 0, &deadline) : send_tagged(g_q, 5, 40 + kind, 0);
	else
		r = timed ? mq_timedreceive(g_q, received, sizeof received, NULL, &deadline)
		          : mq_receive(g_q, received, sizeof received, NULL);
	int e = errno;
	const char *what = (kind & 2) ? (timed ? "mq_timedsend" : "mq_send")
	                              : (timed ? "mq_timedreceive" : "mq_receive");
	if (kind & 1) {
		/* Restarted after the handler: it goes on until the parent serves it. */
		if (r == -1)
			FAIL_AT("%s with SA_RESTART: -1, errno %d (%s); expected the call restarted", what, e,
			        strerror(e));
		else if (!(kind & 2) && (r != 5 || !text_is(received, 5, 50 + kind)))
			FAIL_AT("%s with SA_RESTART: %lld bytes; expected 5 bytes of message %d", what, r,
			        50 + kind);
	} else if (r != -1 || e != EINTR) {
		FAIL_AT("%s: %lld, errno %d (%s); expected -1, errno EINTR", what, r, e, strerror(e));
	}
	CHECK_EQ(got_signal, 1);
	return 0;
}

static int ignoring_child(int unused)
{
	(void)unused;
	signal(SIGUSR2, SIG_IGN);
	CHECK_RECV(g_q, 3, 60, 1);
	return 0;
}

static void signals(void)
{
	SECTION("a handled signal: EINTR without SA_RESTART, the call restarted with it; an ignored one: nothing");
	/* One queue per kind, so that all eight sleep at once: empty for the receivers, full
	 * (message 39) for the senders. */
	mqd_t q[8];
	pid_t child[8];
	for (int kind = 0; kind < 8; kind++) {
		int sender = (kind & 2) != 0;
		q[kind] = new_sized_queue(10 + kind, O_RDWR, 1, 16);
		if (sender)
			CHECK_OK(send_tagged(q[kind], 5, 39, 0));
		g_q = q[kind];
		child[kind] = spawn(interrupted_child, kind);
	}
	for (int kind = 0; kind < 8; kind++)
		WAIT_ASLEEP_AGAIN(child[kind], kind > 0);
	for (int kind = 0; kind < 8; kind++)
		CHECK_OK(kill(child[kind], SIGUSR1));
	for (int kind = 0; kind < 8; kind++) {
		int sender = (kind & 2) != 0;
		if (kind & 1) {
			/* Restarted: still asleep, then served. */
			CHECK_ASLEEP(child[kind]);
			if (sender) {
				CHECK_RECV(q[kind], 5, 39, 0);
				CHECK_CHILD_DONE(child[kind]);
				CHECK_EQ(curmsgs(q[kind]), 1);
				CHECK_RECV(q[kind], 5, 40 + kind, 0);
			} else {
				CHECK_OK(send_tagged(q[kind], 5, 50 + kind, 0));
				CHECK_CHILD_DONE(child[kind]);
				CHECK_EQ(curmsgs(q[kind]), 0);
			}
		} else {
			CHECK_CHILD_DONE(child[kind]);
			/* An interrupted sender's message never went in. */
			CHECK_EQ(curmsgs(q[kind]), sender ? 1 : 0);
			if (sender)
				CHECK_RECV(q[kind], 5, 39, 0);
		}
		CHECK_OK(mq_close(q[kind]));
		CHECK_OK(mq_unlink(qname(10 + kind)));
	}

	mqd_t empty = new_sized_queue(4, O_RDWR, 1, 16);
	/* An ignored signal does not end the sleep. */
	g_q = empty;
	pid_t ignoring = spawn(ignoring_child, 0);
	WAIT_ASLEEP(ignoring);
	CHECK_OK(kill(ignoring, SIGUSR2));
	CHECK_ASLEEP(ignoring);
	CHECK_OK(send_tagged(empty, 3, 60, 1));
	CHECK_CHILD_DONE(ignoring);
	CHECK_OK(mq_close(empty));
	CHECK_OK(mq_unlink(qname(4)));
}

static int killed_child(int sender)
{
	if (sender)
		send_tagged(g_q, 4, 70, 3);
	else
		mq_receive(g_q, received, sizeof received, NULL);
	FAIL_AT("the sleeper that was to be killed returned");
	return 1;
}

static void check_killed(pid_t pid)
{
	int status = reap_within(pid, 10000);
	if (status < 0 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		FAIL_AT("child %d: wait status 0x%x, expected death by SIGKILL", (int)pid, status);
}

static void killed_sleepers(void)
{
	SECTION("a sleeper killed with SIGKILL leaves the queue: no message goes to it, none comes from it");
	g_q = new_sized_queue(6, O_RDWR, 1, 16);
	pid_t r = spawn(killed_child, 0);
	WAIT_ASLEEP(r);
	CHECK_OK(kill(r, SIGKILL));
	check_killed(r);
	CHECK_OK(send_tagged(g_q, 4, 71, 2));
	CHECK_EQ(curmsgs(g_q), 1); /* queued, not handed to the dead receiver */
	pid_t s = spawn(killed_child, 1);
	WAIT_ASLEEP(s);
	CHECK_OK(kill(s, SIGKILL));
	check_killed(s);
	CHECK_RECV(g_q, 4, 71, 2);
	sleep_ms(20);
	CHECK_EQ(curmsgs(g_q), 0); /* the dead sender's message never went in */
	/* The queue works on: a new sleeper is served. */
	pid_t r2 = start(0, receive_job(0, 3, 72, 1));
	CHECK_OK(send_tagged(g_q, 3, 72, 1));
	CHECK_CHILD_DONE(r2);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(6)));
}

/* Sleeps with a deadline 60 s ahead, which clock_settime moves past: ETIMEDOUT promptly. */
static int settime_child(int send)
{
	struct timespec deadline = deadline_in(60000);
	long long start_mono = now_ns();
	if (send)
		CHECK_ERR(timedsend_tagged(g_q, 2, 80, 0, &deadline), ETIMEDOUT);
	else
		CHECK_ERR(mq_timedreceive(g_q, received, sizeof received, NULL, &deadline), ETIMEDOUT);
	long elapsed = ms_since(start_mono);
	if (elapsed > 10000)
		FAIL_AT("ETIMEDOUT %ld ms after the clock was set past the deadline's time", elapsed);
	return 0;
}

static void clock_moved(void)
{
	SECTION("clock_settime(CLOCK_REALTIME) past a sleeper's deadline: ETIMEDOUT at once");
	const char *env = getenv("MQ_TEST_SETTIME");
	if (!on_kestrel() && !(env && strcmp(env, "1") == 0)) {
		printf("%s: not setting this machine's clock (set MQ_TEST_SETTIME=1 to check it)\n",
		       test_name);
		return;
	}
	if (geteuid() != 0) {
		printf("%s: not root: clock_settime not checked\n", test_name);
		return;
	}
	g_q = new_sized_queue(7, O_RDWR, 1, 16);
	for (int send = 0; send < 2; send++) {
		if (send)
			CHECK_OK(send_tagged(g_q, 1, 81, 0));
		pid_t child = spawn(settime_child, send);
		WAIT_ASLEEP(child);
		long long before_mono = now_ns();
		struct timespec now;
		CHECK_OK(clock_gettime(CLOCK_REALTIME, &now));
		struct timespec ahead = now;
		ahead.tv_sec += 120;
		CHECK_OK(clock_settime(CLOCK_REALTIME, &ahead));
		CHECK_CHILD_DONE(child);
		/* Put the clock back where it would be. */
		struct timespec back = timespec_of((long long)now.tv_sec * 1000000000LL + now.tv_nsec +
		                                   (now_ns() - before_mono));
		CHECK_OK(clock_settime(CLOCK_REALTIME, &back));
		if (send)
			CHECK_RECV(g_q, 1, 81, 0);
		CHECK_EQ(curmsgs(g_q), 0);
	}
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(7)));
}

int main(void)
{
	mq_test_start("c_mq_block");
	sleeping_receivers();
	sleeping_senders();
	timeouts();
	signals();
	killed_sleepers();
	clock_moved();
	return finish();
}
