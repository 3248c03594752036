/* c_mq_notify: mq_notify. SIGEV_SIGNAL: the signal comes when a message arrives on an
 * empty queue, with si_code SI_MESGQ, the registration's si_value, and the sender's pid and
 * uid in si_pid and si_uid (seen by an SA_SIGINFO handler and by sigwaitinfo); it comes
 * once, then the registration is gone (registering again works); EBUSY for a second
 * registration, by another process or by the same one; mq_notify(NULL) removes the
 * caller's registration and nobody else's; no notice for a message on a queue that was not
 * empty, nor for one that goes straight to a sleeping receiver; the registration goes when
 * its process closes a descriptor of the queue or ends, not when a fork child closes its
 * copy; SIGEV_NONE (registers, delivers nothing, is used up); SIGEV_THREAD (the function
 * runs in a new thread with sigev_value, once); EINVAL for a bad sigevent, before EBADF.
 *
 * Runs as root (a child drops to uid/gid 1000). Exits 0 only if every check passed; prints
 * `FAIL file:line ...` for each one that did not.
 */
#include "c_mq_common.h"

#include <pthread.h>

/* The queue the children work on (fork copies it). */
static mqd_t g_q;

/* What the SA_SIGINFO handler saw last, and how many signals it took. */
static volatile sig_atomic_t notices;
static volatile int seen_signo, seen_code, seen_pid, seen_uid, seen_int;
static void *volatile seen_ptr;

static void on_notice(int signo, siginfo_t *info, void *context)
{
	(void)context;
	seen_signo = signo;
	seen_code = info->si_code;
	seen_pid = (int)info->si_pid;
	seen_uid = (int)info->si_uid;
	seen_int = info->si_value.sival_int;
	seen_ptr = info->si_value.sival_ptr;
	notices++;
}

static int notify_signal(mqd_t q, int signo, int value)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = signo;
	ev.sigev_value.sival_int = value;
	return mq_notify(q, &ev);
}

static int notify_none(mqd_t q)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_NONE;
	return mq_notify(q, &ev);
}

/* Waits up to 5 s for the handler's count to reach WANT. */
static int wait_notices(int want)
{
	for (long long deadline = now_ns() + 5000000000LL; now_ns() < deadline; sleep_ms(1)) {
		if (notices >= want)
			return 1;
	}
	return 0;
}

/* No further signal comes within 100 ms: the count stays WANT. */
#define CHECK_NO_NOTICE(want)                \
	do {                                 \
		sleep_ms(100);               \
		CHECK_EQ(notices, want);     \
	} while (0)

/* The last notice was SIGNO with VALUE from PID and UID. */
#define CHECK_NOTICE(signo, value, pid, uid)                     \
	do {                                                     \
		CHECK_EQ(seen_signo, signo);                     \
		CHECK_EQ(seen_code, SI_MESGQ);                   \
		CHECK_EQ(seen_int, value);                       \
		CHECK_EQ(seen_pid, pid);                         \
		CHECK_EQ(seen_uid, uid);                         \
	} while (0)

/* Children: send message TAG (dropping privileges first if TAG is odd). */
static int sender_child(int tag)
{
	if (tag & 1)
		drop_privileges();
	CHECK_OK(send_tagged(g_q, 4, tag, 1));
	return 0;
}

static pid_t send_from_child(int tag)
{
	pid_t pid = spawn(sender_child, tag);
	CHECK_CHILD_DONE(pid);
	return pid;
}

/* Children: what mq_notify gives them (EXPECT 0: success). */
static int expect_notify;
static int register_child(int unused)
{
	(void)unused;
	if (expect_notify)
		CHECK_ERR(notify_none(g_q), expect_notify);
	else
		CHECK_OK(notify_none(g_q));
	return 0;
}

static void child_registers(int err)
{
	expect_notify = err;
	CHECK_CHILD_DONE(spawn(register_child, 0));
}

static void signal_notice(void)
{
	SECTION("SIGEV_SIGNAL: SI_MESGQ, si_value, the sender's pid and uid; once, then registering again works");
	g_q = new_queue(1, O_RDWR, 0600, NULL);
	int before = notices;
	CHECK_OK(notify_signal(g_q, SIGUSR1, 1234));
	CHECK_NO_NOTICE(before);
	pid_t sender = send_from_child(1); /* sent by uid 1000 */
	CHECK(wait_notices(before + 1));
	CHECK_EQ(notices, before + 1);
	CHECK_NOTICE(SIGUSR1, 1234, sender, OTHER_ID);
	CHECK_RECV(g_q, 4, 1, 1);

	/* Used up: the next message on the empty queue brings nothing. */
	send_from_child(2);
	CHECK_NO_NOTICE(before + 1);
	CHECK_RECV(g_q, 4, 2, 1);
	CHECK_OK(send_tagged(g_q, 4, 3, 1));
	CHECK_NO_NOTICE(before + 1);
	CHECK_RECV(g_q, 4, 3, 1);

	/* Registering again works; this process's own send notifies it too. */
	CHECK_OK(notify_signal(g_q, SIGUSR1, -7));
	CHECK_OK(send_tagged(g_q, 4, 4, 1));
	CHECK(wait_notices(before + 2));
	CHECK_NOTICE(SIGUSR1, -7, getpid(), 0);
	CHECK_RECV(g_q, 4, 4, 1);

	/* A real-time signal, and a pointer value. */
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN + 3;
	ev.sigev_value.sival_ptr = &ev;
	CHECK_OK(mq_notify(g_q, &ev));
	send_from_child(6);
	CHECK(wait_notices(before + 3));
	CHECK_EQ(seen_signo, SIGRTMIN + 3);
	CHECK_EQ(seen_code, SI_MESGQ);
	CHECK(seen_ptr == (void *)&ev);
	CHECK_RECV(g_q, 4, 6, 1);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(1)));
}

static void sigwaitinfo_notice(void)
{
	SECTION("SIGEV_SIGNAL taken by sigwaitinfo with SI_MESGQ, si_value, si_pid and si_uid");
	g_q = new_queue(2, O_RDWR, 0600, NULL);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	CHECK_OK(sigprocmask(SIG_BLOCK, &set, &old));
	CHECK_OK(notify_signal(g_q, SIGUSR2, 4321));
	pid_t sender = send_from_child(11);
	int pending = 0;
	for (long long deadline = now_ns() + 5000000000LL; !pending && now_ns() < deadline; sleep_ms(1)) {
		sigset_t p;
		sigemptyset(&p);
		sigpending(&p);
		pending = sigismember(&p, SIGUSR2);
	}
	CHECK(pending);
	if (pending) {
		siginfo_t info;
		memset(&info, 0, sizeof info);
		CHECK_EQ(sigwaitinfo(&set, &info), SIGUSR2);
		CHECK_EQ(info.si_signo, SIGUSR2);
		CHECK_EQ(info.si_code, SI_MESGQ);
		CHECK_EQ(info.si_value.sival_int, 4321);
		CHECK_EQ(info.si_pid, sender);
		CHECK_EQ(info.si_uid, OTHER_ID);
	}
	CHECK_RECV(g_q, 4, 11, 1);
	/* Once: the next message brings no signal. */
	CHECK_OK(send_tagged(g_q, 4, 12, 1));
	sleep_ms(100);
	sigset_t p;
	sigemptyset(&p);
	sigpending(&p);
	CHECK(!sigismember(&p, SIGUSR2));
	CHECK_RECV(g_q, 4, 12, 1);
	signal(SIGUSR2, SIG_IGN); /* a stray one pending must not end the test */
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	signal(SIGUSR2, SIG_DFL);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(2)));
}

static int remove_in_child(int unused)
{
	(void)unused;
	CHECK_OK(mq_notify(g_q, NULL)); /* not its registration: nothing happens */
	return 0;
}

static void busy_and_removal(void)
{
	SECTION("one registration per queue: EBUSY for another process and for the same one; mq_notify(NULL)");
	g_q = new_queue(3, O_RDWR, 0600, NULL);
	CHECK_OK(mq_notify(g_q, NULL)); /* nothing registered: fine */
	int before = notices;
	CHECK_OK(notify_signal(g_q, SIGUSR1, 1));
	CHECK_ERR(notify_signal(g_q, SIGUSR1, 1), EBUSY);
	CHECK_ERR(notify_signal(g_q, SIGUSR2, 2), EBUSY);
	CHECK_ERR(notify_none(g_q), EBUSY);
	child_registers(EBUSY);
	/* Another process's mq_notify(NULL) leaves this one's registration alone. */
	CHECK_CHILD_DONE(spawn(remove_in_child, 0));
	CHECK_ERR(notify_signal(g_q, SIGUSR1, 1), EBUSY);
	CHECK_OK(send_tagged(g_q, 1, 20, 0));
	CHECK(wait_notices(before + 1));
	CHECK_NOTICE(SIGUSR1, 1, getpid(), 0);
	CHECK_RECV(g_q, 1, 20, 0);

	/* mq_notify(NULL) removes it: nothing comes, and another process may register. */
	CHECK_OK(notify_signal(g_q, SIGUSR1, 2));
	CHECK_OK(mq_notify(g_q, NULL));
	CHECK_OK(mq_notify(g_q, NULL));
	CHECK_OK(send_tagged(g_q, 1, 21, 0));
	CHECK_NO_NOTICE(before + 1);
	CHECK_RECV(g_q, 1, 21, 0);
	child_registers(0); /* and its registration goes with it when it exits */
	CHECK_OK(notify_signal(g_q, SIGUSR1, 3));
	CHECK_OK(mq_notify(g_q, NULL));
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(3)));
}

static int receiver_child(int tag)
{
	CHECK_RECV(g_q, 4, tag, 1);
	return 0;
}

static void only_when_empty(void)
{
	SECTION("no notice for a queue that was not empty, nor for a message a sleeping receiver takes");
	g_q = new_queue(4, O_RDWR, 0600, NULL);
	int before = notices;
	CHECK_OK(send_tagged(g_q, 4, 30, 1));
	CHECK_OK(notify_signal(g_q, SIGUSR1, 30));
	CHECK_OK(send_tagged(g_q, 4, 31, 1));
	send_from_child(33);
	CHECK_NO_NOTICE(before);
	CHECK_EQ(curmsgs(g_q), 3);
	child_registers(EBUSY); /* still registered */
	CHECK_RECV(g_q, 4, 30, 1);
	CHECK_RECV(g_q, 4, 31, 1);
	CHECK_RECV(g_q, 4, 33, 1);
	/* Empty again: the next message notifies. */
	send_from_child(35);
	CHECK(wait_notices(before + 1));
	CHECK_EQ(seen_int, 30);
	CHECK_RECV(g_q, 4, 35, 1);

	/* A receiver asleep takes the message: no notice, the registration stays. */
	CHECK_OK(notify_signal(g_q, SIGUSR1, 36));
	pid_t r = spawn(receiver_child, 36);
	WAIT_ASLEEP(r);
	CHECK_OK(send_tagged(g_q, 4, 36, 1));
	CHECK_CHILD_DONE(r);
	CHECK_NO_NOTICE(before + 1);
	CHECK_EQ(curmsgs(g_q), 0);
	child_registers(EBUSY);
	CHECK_OK(send_tagged(g_q, 4, 37, 1));
	CHECK(wait_notices(before + 2));
	CHECK_EQ(seen_int, 36);
	CHECK_RECV(g_q, 4, 37, 1);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(4)));
}

/* A child that opens the queue itself, registers, and then (KIND 0) closes its descriptor
 * or (KIND 1) keeps it; it says so through a pipe and waits for a word back before it
 * exits. */
static int pipe_to_parent[2], pipe_to_child[2];

static int registering_child(int kind)
{
	mqd_t own = mq_open(qname(5), O_RDWR);
	if (own == (mqd_t)-1)
		FAIL_AT("mq_open: errno %d (%s)", errno, strerror(errno));
	CHECK_OK(notify_none(own));
	if (kind == 0)
		CHECK_OK(mq_close(own));
	char c = 'r';
	CHECK_EQ(write(pipe_to_parent[1], &c, 1), 1);
	CHECK_EQ(read(pipe_to_child[0], &c, 1), 1);
	return 0;
}

static int close_inherited_child(int unused)
{
	(void)unused;
	CHECK_OK(mq_close(g_q));
	return 0;
}

static void dropped_at_close(void)
{
	SECTION("the registration goes when its process closes a descriptor of the queue or ends");
	g_q = new_queue(5, O_RDWR, 0600, NULL);
	CHECK_OK(pipe(pipe_to_parent));
	CHECK_OK(pipe(pipe_to_child));
	for (int kind = 0; kind < 2; kind++) {
		pid_t child = spawn(registering_child, kind);
		char c = 0;
		CHECK_EQ(read(pipe_to_parent[0], &c, 1), 1);
		if (kind == 0) {
			/* Closed: gone, while the child lives on. */
			CHECK_OK(notify_none(g_q));
			CHECK_OK(mq_notify(g_q, NULL));
		} else {
			CHECK_ERR(notify_none(g_q), EBUSY);
		}
		CHECK_EQ(write(pipe_to_child[1], "x", 1), 1);
		CHECK_CHILD_DONE(child);
		/* Ended: gone. */
		CHECK_OK(notify_none(g_q));
		CHECK_OK(mq_notify(g_q, NULL));
	}

	/* This process closing another descriptor of the queue drops it too. */
	mqd_t other;
	CHECK_OK(other = mq_open(qname(5), O_RDONLY));
	CHECK_OK(notify_none(g_q));
	child_registers(EBUSY);
	CHECK_OK(mq_close(other));
	child_registers(0);

	/* Closing a descriptor of another queue does not. */
	mqd_t unrelated = new_queue(6, O_RDWR, 0600, NULL);
	CHECK_OK(notify_none(g_q));
	CHECK_OK(mq_close(unrelated));
	CHECK_OK(mq_unlink(qname(6)));
	child_registers(EBUSY);
	CHECK_OK(mq_notify(g_q, NULL));

	/* Nor does unlinking the name: the queue and its registration live on. */
	int before_unlink = notices;
	CHECK_OK(notify_signal(g_q, SIGUSR1, 49));
	CHECK_OK(mq_unlink(qname(5)));
	child_registers(EBUSY);
	CHECK_OK(send_tagged(g_q, 4, 48, 1));
	CHECK(wait_notices(before_unlink + 1));
	CHECK_EQ(seen_int, 49);
	CHECK_RECV(g_q, 4, 48, 1);
	mqd_t renamed = new_queue(5, O_RDWR, 0600, NULL); /* the name again, for what follows */
	CHECK_OK(mq_close(g_q));
	g_q = renamed;

	/* A fork child closing its copy of the registered descriptor does not either. */
	int before = notices;
	CHECK_OK(notify_signal(g_q, SIGUSR1, 50));
	CHECK_CHILD_DONE(spawn(close_inherited_child, 0));
	child_registers(EBUSY);
	CHECK_OK(send_tagged(g_q, 4, 51, 1));
	CHECK(wait_notices(before + 1));
	CHECK_EQ(seen_int, 50);
	CHECK_RECV(g_q, 4, 51, 1);
	close(pipe_to_parent[0]);
	close(pipe_to_parent[1]);
	close(pipe_to_child[0]);
	close(pipe_to_child[1]);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(5)));
}

static void sigev_none(void)
{
	SECTION("SIGEV_NONE: registers, delivers nothing, and is used up by the first message");
	g_q = new_queue(7, O_RDWR, 0600, NULL);
	int before = notices;
	CHECK_OK(notify_none(g_q));
	child_registers(EBUSY);
	CHECK_ERR(notify_signal(g_q, SIGUSR1, 1), EBUSY);
	send_from_child(61);
	CHECK_NO_NOTICE(before);
	child_registers(0); /* used up */
	CHECK_RECV(g_q, 4, 61, 1);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(7)));
}

/* What the SIGEV_THREAD function saw. */
static pthread_mutex_t thread_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thread_cond = PTHREAD_COND_INITIALIZER;
static int thread_calls;
static pthread_t thread_seen;
static void *thread_value;

static void on_thread_notice(union sigval value)
{
	pthread_mutex_lock(&thread_lock);
	thread_seen = pthread_self();
	thread_value = value.sival_ptr;
	thread_calls++;
	pthread_cond_broadcast(&thread_cond);
	pthread_mutex_unlock(&thread_lock);
}

static int notify_thread(mqd_t q, void *value)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_thread_notice;
	ev.sigev_notify_attributes = NULL;
	ev.sigev_value.sival_ptr = value;
	return mq_notify(q, &ev);
}

/* Waits up to MS for the function's count to reach WANT; returns the count. */
static int wait_thread_calls(int want, long ms)
{
	struct timespec deadline = deadline_in(ms);
	pthread_mutex_lock(&thread_lock);
	while (thread_calls < want) {
		if (pthread_cond_timedwait(&thread_cond, &thread_lock, &deadline) != 0)
			break;
	}
	int calls = thread_calls;
	pthread_mutex_unlock(&thread_lock);
	return calls;
}

static void sigev_thread(void)
{
	SECTION("SIGEV_THREAD: the function runs in a new thread with sigev_value, once");
	g_q = new_queue(8, O_RDWR, 0600, NULL);
	static int marker1, marker2;
	pthread_t self = pthread_self();
	CHECK_OK(notify_thread(g_q, &marker1));
	CHECK_EQ(wait_thread_calls(1, 100), 0);
	child_registers(EBUSY);
	CHECK_ERR(notify_thread(g_q, &marker2), EBUSY);
	send_from_child(71);
	CHECK_EQ(wait_thread_calls(1, 5000), 1);
	pthread_mutex_lock(&thread_lock);
	CHECK(!pthread_equal(thread_seen, self));
	CHECK(thread_value == (void *)&marker1);
	pthread_mutex_unlock(&thread_lock);
	CHECK_RECV(g_q, 4, 71, 1);
	/* Once: used up. */
	CHECK_OK(send_tagged(g_q, 4, 72, 1));
	CHECK_EQ(wait_thread_calls(2, 200), 1);
	CHECK_RECV(g_q, 4, 72, 1);
	/* Again, with another value, by this process's own send. */
	CHECK_OK(notify_thread(g_q, &marker2));
	CHECK_OK(send_tagged(g_q, 4, 73, 1));
	CHECK_EQ(wait_thread_calls(2, 5000), 2);
	pthread_mutex_lock(&thread_lock);
	CHECK(!pthread_equal(thread_seen, self));
	CHECK(thread_value == (void *)&marker2);
	pthread_mutex_unlock(&thread_lock);
	CHECK_RECV(g_q, 4, 73, 1);
	/* Removed by mq_notify(NULL): nothing runs. */
	CHECK_OK(notify_thread(g_q, &marker1));
	CHECK_OK(mq_notify(g_q, NULL));
	CHECK_OK(send_tagged(g_q, 4, 74, 1));
	CHECK_EQ(wait_thread_calls(3, 200), 2);
	child_registers(0);
	CHECK_RECV(g_q, 4, 74, 1);
	/* Dropped by closing another descriptor of the queue: nothing runs either. */
	mqd_t other;
	CHECK_OK(other = mq_open(qname(8), O_RDONLY));
	CHECK_OK(notify_thread(g_q, &marker1));
	CHECK_OK(mq_close(other));
	CHECK_OK(send_tagged(g_q, 4, 75, 1));
	CHECK_EQ(wait_thread_calls(3, 200), 2);
	child_registers(0);
	CHECK_RECV(g_q, 4, 75, 1);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(8)));
}

static void errors(void)
{
	SECTION("errors: EINVAL for a bad sigev_notify or signal (before the descriptor), EBADF");
	g_q = new_queue(9, O_RDWR, 0600, NULL);
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = 99;
	ev.sigev_signo = SIGUSR1;
	CHECK_ERR(mq_notify(g_q, &ev), EINVAL);
	CHECK_ERR(mq_notify((mqd_t)-1, &ev), EINVAL);
	ev.sigev_notify = -1;
	CHECK_ERR(mq_notify(g_q, &ev), EINVAL);
	CHECK_ERR(notify_signal(g_q, 65, 0), EINVAL);
	CHECK_ERR(notify_signal(g_q, -1, 0), EINVAL);
	CHECK_ERR(notify_signal((mqd_t)-1, 65, 0), EINVAL);
	child_registers(0); /* nothing was registered */

	mqd_t closed;
	CHECK_OK(closed = mq_open(qname(9), O_RDWR));
	CHECK_OK(mq_close(closed));
	int p[2];
	CHECK_OK(pipe(p));
	const int fds[] = {-1, (int)closed, p[0], p[1]};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		CHECK_ERR(notify_signal((mqd_t)fds[i], SIGUSR1, 0), EBADF);
		CHECK_ERR(notify_none((mqd_t)fds[i]), EBADF);
		CHECK_ERR(mq_notify((mqd_t)fds[i], NULL), EBADF);
	}
	close(p[0]);
	close(p[1]);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(9)));
}

int main(void)
{
	mq_test_start("c_mq_notify");
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): a child drops privileges", (int)getuid());
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_notice;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGRTMIN + 3, &sa, NULL);
	signal_notice();
	sigwaitinfo_notice();
	busy_and_removal();
	only_when_empty();
	dropped_at_close();
	sigev_none();
	sigev_thread();
	errors();
	return finish();
}
