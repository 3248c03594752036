/* c_ipc_fresh_pages: message queue calls whose user memory the kernel cannot reach
 * straight away, and waits that end quickly or late, on however many CPUs there are.
 *
 * On a machine with several CPUs the kernel makes msgsnd, msgrcv, mq_send and
 * mq_receive without its global lock, through the page tables as they stand; a buffer
 * in a page not present yet (a fresh anonymous page, never touched), a copy-on-write
 * page after fork, or a page it may not write makes the call start again under the lock,
 * where the page is brought in (or the call fails). Checked:
 *
 *   - a text received into a fresh page, and into a buffer whose second page is fresh,
 *     is the text sent; so is one sent from a fresh page (all zeros) and one received
 *     into a buffer a forked child shares copy-on-write with its parent;
 *   - a receive into a read-only page is EFAULT, for both kinds of queue; on kestrel the
 *     message is still queued afterwards (a deliberate difference: Linux loses it);
 *   - a receiver that waits for a sender in another thread gets every message, whether
 *     the sender sends at once, after a short spin, or after sleeping a millisecond; and
 *     so does a sender waiting for room in a full queue;
 *   - a signal ends a wait with EINTR however long it has lasted.
 *
 * Plain POSIX and Linux C: passes on Linux too. Exits 0 only if every check passed.
 */
#include "c_common.h"

#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/time.h>

#define TEXT 1024
#define WAITS 150

struct sysv_message {
	long mtype;
	unsigned char text[TEXT];
};

static long page;

/* `pages` fresh anonymous pages, readable and writable, none touched yet. */
static unsigned char *fresh_pages(int pages)
{
	void *p = mmap(NULL, (size_t)(pages * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	return p == MAP_FAILED ? NULL : p;
}

static void fill(unsigned char *text, int len, int seed)
{
	for (int i = 0; i < len; i++)
		text[i] = (unsigned char)((i * 5 + seed * 11) | 1);
}

static int same_text(const unsigned char *text, int len, int seed)
{
	for (int i = 0; i < len; i++)
		if (text[i] != (unsigned char)((i * 5 + seed * 11) | 1))
			return 0;
	return 1;
}

static void sysv_fresh_pages(void)
{
	SECTION("msgrcv into fresh pages, msgsnd from one, msgrcv into a read-only page");
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(id >= 0);
	static struct sysv_message out;
	out.mtype = 3;
	fill(out.text, TEXT, 1);
	/* Into a fresh page. */
	CHECK_OK(msgsnd(id, &out, TEXT, 0));
	unsigned char *area = fresh_pages(2);
	if (area == NULL)
		return;
	struct sysv_message *in = (struct sysv_message *)area;
	CHECK_EQ(msgrcv(id, in, TEXT, 0, 0), TEXT);
	CHECK_EQ(in->mtype, 3);
	CHECK(same_text(in->text, TEXT, 1));
	CHECK_OK(munmap(area, (size_t)(2 * page)));
	/* Into a buffer whose first page was touched and whose second is fresh. */
	area = fresh_pages(2);
	if (area == NULL)
		return;
	area[0] = 1;
	in = (struct sysv_message *)(area + page - 100);
	CHECK_OK(msgsnd(id, &out, TEXT, 0));
	CHECK_EQ(msgrcv(id, in, TEXT, 0, 0), TEXT);
	CHECK(same_text(in->text, TEXT, 1));
	/* From a fresh page: the type is read from it too, and a type of 0 is EINVAL. */
	struct sysv_message *from = (struct sysv_message *)(area + page);
	CHECK_OK(munmap(area + page, (size_t)page));
	CHECK(mmap(area + page, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
	      area + page);
	CHECK_ERR(msgsnd(id, from, 16, 0), EINVAL);
	/* Into a read-only page. */
	CHECK_OK(msgsnd(id, &out, TEXT, 0));
	CHECK_OK(mprotect(area, (size_t)(2 * page), PROT_READ));
	CHECK_ERR(msgrcv(id, area, TEXT, 0, 0), EFAULT);
	struct msqid_ds ds;
	CHECK_OK(msgctl(id, IPC_STAT, &ds));
#ifdef __kestrel__
	CHECK_EQ(ds.msg_qnum, 1);
	static struct sysv_message back;
	CHECK_EQ(msgrcv(id, &back, TEXT, 0, IPC_NOWAIT), TEXT);
	CHECK(same_text(back.text, TEXT, 1));
#endif
	CHECK_OK(munmap(area, (size_t)(2 * page)));
	CHECK_OK(msgctl(id, IPC_RMID, NULL));
}

static void sysv_copy_on_write(void)
{
	SECTION("msgrcv into a page a forked child shares copy-on-write");
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(id >= 0);
	static struct sysv_message shared;
	shared.mtype = 9;
	fill(shared.text, TEXT, 2);
	pid_t child = fork();
	if (child == 0) {
		/* The child's copy of `shared` is the parent's page until one of them writes it. */
		if (msgrcv(id, &shared, TEXT, 5, 0) != TEXT || !same_text(shared.text, TEXT, 3))
			_exit(1);
		shared.mtype = 6;
		_exit(msgsnd(id, &shared, TEXT, 0) == 0 ? 0 : 2);
	}
	CHECK(child > 0);
	static struct sysv_message out;
	out.mtype = 5;
	fill(out.text, TEXT, 3);
	CHECK_OK(msgsnd(id, &out, TEXT, 0));
	CHECK_CHILD_OK(child);
	/* The parent's `shared` still holds what it wrote before the fork. */
	CHECK(same_text(shared.text, TEXT, 2));
	CHECK_EQ(msgrcv(id, &shared, TEXT, 6, IPC_NOWAIT), TEXT);
	CHECK(same_text(shared.text, TEXT, 3));
	CHECK_OK(msgctl(id, IPC_RMID, NULL));
}

static void posix_fresh_pages(void)
{
	SECTION("mq_receive into fresh pages, mq_send from one, mq_receive into a read-only page");
	const char *name = "/c_ipc_fresh_pages";
	mq_unlink(name);
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = TEXT};
	mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, &attr);
	CHECK(q != (mqd_t)-1);
	if (q == (mqd_t)-1)
		return;
	static unsigned char out[TEXT];
	fill(out, TEXT, 4);
	unsigned char *area = fresh_pages(3);
	if (area == NULL)
		return;
	unsigned prio = 0;
	/* Long and short texts into fresh pages, one across a page boundary. */
	CHECK_OK(mq_send(q, (const char *)out, TEXT, 1));
	CHECK_EQ(mq_receive(q, (char *)area, TEXT, &prio), TEXT);
	CHECK(same_text(area, TEXT, 4));
	CHECK_OK(mq_send(q, (const char *)out, 100, 2));
	CHECK_EQ(mq_receive(q, (char *)area + 2 * page - 50, TEXT, (unsigned *)(area + 2 * page + 200)), 100);
	CHECK(same_text(area + 2 * page - 50, 100, 4));
	CHECK_EQ(*(unsigned *)(area + 2 * page + 200), 2);
	/* A short text and a long one from fresh pages: zeros. */
	unsigned char *fresh = fresh_pages(2);
	if (fresh == NULL)
		return;
	CHECK_OK(mq_send(q, (const char *)fresh, 64, 0));
	CHECK_OK(mq_send(q, (const char *)fresh + page, TEXT, 0));
	static unsigned char in[TEXT];
	memset(in, 0xff, sizeof in);
	CHECK_EQ(mq_receive(q, (char *)in, TEXT, NULL), 64);
	CHECK(in[0] == 0 && in[63] == 0);
	CHECK_EQ(mq_receive(q, (char *)in, TEXT, NULL), TEXT);
	CHECK(in[0] == 0 && in[TEXT - 1] == 0);
	CHECK_OK(munmap(fresh, (size_t)(2 * page)));
	/* Into a read-only page. */
	CHECK_OK(mq_send(q, (const char *)out, TEXT, 3));
	CHECK_OK(mprotect(area, (size_t)(3 * page), PROT_READ));
	CHECK_ERR(mq_receive(q, (char *)area, TEXT, NULL), EFAULT);
	struct mq_attr now;
	CHECK_OK(mq_getattr(q, &now));
#ifdef __kestrel__
	CHECK_EQ(now.mq_curmsgs, 1);
	CHECK_EQ(mq_receive(q, (char *)in, TEXT, NULL), TEXT);
	CHECK(same_text(in, TEXT, 4));
#endif
	CHECK_OK(munmap(area, (size_t)(3 * page)));
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(name));
}

/* How long the other side waits before each call of the exchange below. */
static void pause_before(int round)
{
	switch (round % 3) {
	case 0:
		break;
	case 1:
		for (volatile int spin = 0; spin < 2000; spin++) {
		}
		break;
	default: {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	}
}

static int exchange_id;

static void *late_sender(void *arg)
{
	(void)arg;
	static struct sysv_message out;
	for (int round = 0; round < WAITS; round++) {
		pause_before(round);
		out.mtype = 1;
		fill(out.text, 64, round);
		if (msgsnd(exchange_id, &out, 64, 0) != 0)
			return (void *)1;
	}
	return NULL;
}

static void *late_receiver(void *arg)
{
	(void)arg;
	static struct sysv_message in;
	for (int round = 0; round < WAITS; round++) {
		pause_before(round);
		if (msgrcv(exchange_id, &in, 64, 2, 0) != 64 || !same_text(in.text, 64, round))
			return (void *)1;
	}
	return NULL;
}

static void waits_of_every_length(void)
{
	SECTION("a receiver waits for a sender (and a sender for room) at once, a moment, or a millisecond");
	exchange_id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(exchange_id >= 0);
	pthread_t thread;
	void *status = NULL;
	CHECK_EQ(pthread_create(&thread, NULL, late_sender, NULL), 0);
	static struct sysv_message in;
	int wrong = 0;
	for (int round = 0; round < WAITS; round++)
		if (msgrcv(exchange_id, &in, 64, 1, 0) != 64 || !same_text(in.text, 64, round))
			wrong++;
	CHECK_EQ(pthread_join(thread, &status), 0);
	CHECK(status == NULL);
	CHECK_EQ(wrong, 0);
	/* A queue of one message's room: the sender waits for the receiver each time. */
	struct msqid_ds ds;
	CHECK_OK(msgctl(exchange_id, IPC_STAT, &ds));
	ds.msg_qbytes = 64;
	CHECK_OK(msgctl(exchange_id, IPC_SET, &ds));
	CHECK_EQ(pthread_create(&thread, NULL, late_receiver, NULL), 0);
	static struct sysv_message out;
	int failed = 0;
	for (int round = 0; round < WAITS; round++) {
		out.mtype = 2;
		fill(out.text, 64, round);
		if (msgsnd(exchange_id, &out, 64, 0) != 0)
			failed++;
	}
	CHECK_EQ(pthread_join(thread, &status), 0);
	CHECK(status == NULL);
	CHECK_EQ(failed, 0);
	CHECK_OK(msgctl(exchange_id, IPC_RMID, NULL));
}

static void on_alarm(int signo)
{
	(void)signo;
}

static void interrupted_waits(void)
{
	SECTION("a signal ends a wait with EINTR, soon or late");
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(id >= 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	static struct sysv_message in;
	/* 1 ms and 30 ms into the wait; the timer repeats, in case a slow machine took its
	 * first signal before it began to wait. */
	long delays_us[] = {1000, 30000};
	for (int i = 0; i < 2; i++) {
		struct itimerval timer = {{0, delays_us[i]}, {0, delays_us[i]}};
		CHECK_OK(setitimer(ITIMER_REAL, &timer, NULL));
		CHECK_ERR(msgrcv(id, &in, 64, 0, 0), EINTR);
		struct itimerval off = {{0, 0}, {0, 0}};
		CHECK_OK(setitimer(ITIMER_REAL, &off, NULL));
	}
	CHECK_OK(msgctl(id, IPC_RMID, NULL));
	sa.sa_handler = SIG_DFL;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
}

int main(void)
{
	test_name = "c_ipc_fresh_pages";
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	sysv_fresh_pages();
	sysv_copy_on_write();
	posix_fresh_pages();
	waits_of_every_length();
	interrupted_waits();
	if (failures == 0)
		printf("%s: all checks passed\n", test_name);
	else
		printf("%s: %d check(s) failed\n", test_name, failures);
	return failures != 0;
}
