/* c_mqueue: POSIX message queues through libkestrel_relibc.a's mqueue.h: the runtime's open
 * flags (Redox values) translated for the kernel and back (mq_open's access modes,
 * O_NONBLOCK, close-on-exec with or without O_CLOEXEC, mq_flags in mq_getattr and
 * mq_setattr), send and receive with priorities and deadlines, mq_notify with SIGEV_SIGNAL
 * and SIGEV_THREAD (the caller's value and attributes, a removed registration, a new helper
 * in a fork child that never reads the parent's notices). */
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define Q1 "/c_mqueue_1"
#define Q2 "/c_mqueue_2"

static mqd_t make_queue(const char *name, int flags, long maxmsg, long msgsize)
{
	struct mq_attr attr = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
	mq_unlink(name);
	return mq_open(name, flags | O_CREAT | O_EXCL, 0600, &attr);
}

static void flags_and_attributes(void)
{
	mqd_t q = make_queue(Q1, O_RDWR | O_NONBLOCK | O_CLOEXEC, 4, 32);
	CHECK(q >= 0);
	CHECK_ERRNO(mq_open(Q1, O_RDWR | O_CREAT | O_EXCL, 0600, NULL), -1, EEXIST);
	CHECK((fcntl(q, F_GETFL) & O_NONBLOCK) != 0);
	CHECK((fcntl(q, F_GETFD) & FD_CLOEXEC) != 0);

	struct mq_attr attr;
	memset(&attr, 0x55, sizeof attr);
	CHECK(mq_getattr(q, &attr) == 0);
	CHECK(attr.mq_flags == O_NONBLOCK);
	CHECK(attr.mq_maxmsg == 4 && attr.mq_msgsize == 32 && attr.mq_curmsgs == 0);

	/* Clear O_NONBLOCK; the old attributes come back in the runtime's values. */
	struct mq_attr blocking = { .mq_flags = 0 }, old;
	CHECK(mq_setattr(q, &blocking, &old) == 0);
	CHECK(old.mq_flags == O_NONBLOCK);
	CHECK(mq_getattr(q, &attr) == 0 && attr.mq_flags == 0);
	CHECK((fcntl(q, F_GETFL) & O_NONBLOCK) == 0);
	struct mq_attr nonblocking = { .mq_flags = O_NONBLOCK };
	CHECK(mq_setattr(q, &nonblocking, NULL) == 0);
	CHECK(mq_getattr(q, &attr) == 0 && attr.mq_flags == O_NONBLOCK);
	struct mq_attr bad = { .mq_flags = O_NONBLOCK | 1 };
	CHECK_ERRNO(mq_setattr(q, &bad, NULL), -1, EINVAL);

	/* Access modes. */
	mqd_t r = mq_open(Q1, O_RDONLY);
	mqd_t w = mq_open(Q1, O_WRONLY | O_NONBLOCK);
	CHECK(r >= 0 && w >= 0);
	CHECK((fcntl(r, F_GETFD) & FD_CLOEXEC) != 0); /* always, as on Linux (exec closes them) */
	CHECK_ERRNO(mq_send(r, "x", 1, 0), -1, EBADF);
	char buf[32];
	CHECK_ERRNO(mq_receive(w, buf, sizeof buf, NULL), -1, EBADF);

	/* Priorities, lengths and deadlines. */
	CHECK(mq_send(w, "low", 3, 1) == 0);
	CHECK(mq_send(w, "high", 4, 30000) == 0);
	CHECK_ERRNO(mq_send(w, "x", 1, 32768), -1, EINVAL);
	CHECK_ERRNO(mq_send(w, buf, 33, 0), -1, EMSGSIZE);
	unsigned int prio = 0;
	CHECK_ERRNO(mq_receive(r, buf, 31, &prio), -1, EMSGSIZE);
	CHECK(mq_receive(r, buf, sizeof buf, &prio) == 4 && prio == 30000 && memcmp(buf, "high", 4) == 0);
	CHECK(mq_receive(r, buf, sizeof buf, &prio) == 3 && prio == 1);
	struct timespec past = { .tv_sec = 1, .tv_nsec = 0 }, bad_ts = { .tv_sec = 0, .tv_nsec = 1000000000 };
	CHECK_ERRNO(mq_timedreceive(r, buf, sizeof buf, NULL, &past), -1, ETIMEDOUT);
	CHECK_ERRNO(mq_timedreceive(r, buf, sizeof buf, NULL, &bad_ts), -1, EINVAL);
	CHECK_ERRNO(mq_receive(q, buf, sizeof buf, NULL), -1, EAGAIN);

	CHECK(mq_close(r) == 0 && mq_close(w) == 0 && mq_close(q) == 0);
	CHECK_ERRNO(mq_close(q), -1, EBADF);
	CHECK_ERRNO(mq_getattr(0, &attr), -1, EBADF);
	CHECK(mq_unlink(Q1) == 0);
	CHECK_ERRNO(mq_unlink(Q1), -1, ENOENT);
	CHECK_ERRNO(mq_open("/c_mqueue_none", O_RDONLY), -1, ENOENT);
}

static volatile int signal_code, signal_value;

static void on_signal(int signo, siginfo_t *info, void *context)
{
	(void)signo;
	(void)context;
	signal_code = info->si_code;
	signal_value = info->si_value.sival_int;
}

static void notify_signal(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	mqd_t q = make_queue(Q1, O_RDWR, 2, 8);
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 77;
	CHECK(mq_notify(q, &ev) == 0);
	CHECK_ERRNO(mq_notify(q, &ev), -1, EBUSY);
	CHECK(mq_send(q, "s", 1, 0) == 0);
	for (int i = 0; i < 500 && !signal_code; i++)
		usleep(1000);
	CHECK(signal_code == SI_MESGQ && signal_value == 77);
	mq_close(q);
	mq_unlink(Q1);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int fired[8];
static pthread_t fired_thread[8];

static void on_notice(union sigval value)
{
	pthread_mutex_lock(&lock);
	fired[value.sival_int]++;
	fired_thread[value.sival_int] = pthread_self();
	pthread_mutex_unlock(&lock);
}

static int fired_count(int which)
{
	pthread_mutex_lock(&lock);
	int n = fired[which];
	pthread_mutex_unlock(&lock);
	return n;
}

/* Waits up to 2 s for notice WHICH; returns how often it fired. */
static int wait_fired(int which)
{
	for (int i = 0; i < 2000 && fired_count(which) == 0; i++)
		usleep(1000);
	return fired_count(which);
}

static int register_thread(mqd_t q, int which, pthread_attr_t *attr)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_value.sival_int = which;
	ev.sigev_notify_function = on_notice;
	ev.sigev_notify_attributes = attr;
	return mq_notify(q, &ev);
}

static int child_notice(void)
{
	/* The child's own registration needs its own helper thread. */
	mqd_t q2 = make_queue(Q2, O_RDWR, 2, 8);
	if (q2 < 0 || register_thread(q2, 4, NULL) != 0 || mq_send(q2, "c", 1, 0) != 0)
		return 10;
	int n = wait_fired(4);
	mq_close(q2);
	mq_unlink(Q2);
	if (n != 1)
		return 11;
	/* The parent's queue: its registration is the parent's; the notice goes there. */
	mqd_t q1 = mq_open(Q1, O_WRONLY);
	if (q1 < 0 || mq_send(q1, "p", 1, 0) != 0)
		return 12;
	usleep(50000);
	return fired_count(3) == 0 ? 0 : 13;
}

static void notify_thread(void)
{
	mqd_t q = make_queue(Q1, O_RDWR, 2, 8);
	char buf[8];

	/* The function runs in a new thread with the caller's value. */
	CHECK(register_thread(q, 1, NULL) == 0);
	CHECK_ERRNO(register_thread(q, 1, NULL), -1, EBUSY);
	CHECK(mq_send(q, "a", 1, 0) == 0);
	CHECK(wait_fired(1) == 1);
	CHECK(!pthread_equal(fired_thread[1], pthread_self()));
	CHECK(mq_receive(q, buf, sizeof buf, NULL) == 1);

	/* With the caller's attributes (copied: the caller's object may go at once). */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	CHECK(register_thread(q, 2, &attr) == 0);
	pthread_attr_destroy(&attr);
	memset(&attr, 0xff, sizeof attr);
	CHECK(mq_send(q, "b", 1, 0) == 0);
	CHECK(wait_fired(2) == 1);
	CHECK(mq_receive(q, buf, sizeof buf, NULL) == 1);

	/* A removed registration runs nothing, and the queue is free for another. */
	CHECK(register_thread(q, 5, NULL) == 0);
	CHECK(mq_notify(q, NULL) == 0);
	CHECK(register_thread(q, 6, NULL) == 0);
	mqd_t other = mq_open(Q1, O_RDWR);
	CHECK(mq_close(q) == 0); /* drops registration 6 */
	CHECK(mq_send(other, "c", 1, 0) == 0);
	usleep(50000);
	CHECK(fired_count(5) == 0 && fired_count(6) == 0);
	CHECK(mq_receive(other, buf, sizeof buf, NULL) == 1);

	/* A fork child makes its own pipe and helper and never takes the parent's notices. */
	CHECK(register_thread(other, 3, NULL) == 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_notice());
	int status = -1;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(wait_fired(3) == 1);
	CHECK(fired_count(4) == 0);
	mq_close(other);
	mq_unlink(Q1);
}

int main(void)
{
	flags_and_attributes();
	notify_signal();
	notify_thread();
	return check_summary("c_mqueue");
}
