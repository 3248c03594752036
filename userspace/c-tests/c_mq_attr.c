/* c_mq_attr: a queue's attributes and the limits. The defaults; what may be asked for,
 * with and without privileges (EINVAL beyond); RLIMIT_MSGQUEUE (EMFILE) and queues_max
 * (ENOSPC); mq_getattr; mq_setattr changing O_NONBLOCK alone, per open description (EINVAL
 * for other flags, before the descriptor; EBADF; EFAULT).
 *
 * Runs as root (children drop to uid/gid 1000 and 1001). Exits 0 only if every check
 * passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_mq_common.h"

#ifdef __GLIBC__
#include <sched.h> /* unshare */
#include <sys/resource.h>
#endif

static int unprivileged_attrs(int unused)
{
	(void)unused;
	drop_privileges();
	long msg_max = mq_limit("msg_max", DEFAULT_MAXMSG);
	long msgsize_max = mq_limit("msgsize_max", DEFAULT_MSGSIZE);
	struct mq_attr a = attr_of(msg_max, msgsize_max);
	mqd_t q;
	CHECK_OK(q = mq_open(qname(40), O_CREAT | O_EXCL | O_RDWR, 0600, &a));
	if (q != (mqd_t)-1) {
		struct mq_attr got;
		CHECK_OK(get_attr(q, &got));
		CHECK_EQ(got.mq_maxmsg, msg_max);
		CHECK_EQ(got.mq_msgsize, msgsize_max);
		CHECK_OK(mq_close(q));
	}
	CHECK_OK(mq_unlink(qname(40)));
	a = attr_of(msg_max + 1, 1);
	CHECK_ERR(mq_open(qname(40), O_CREAT | O_RDWR, 0600, &a), EINVAL);
	a = attr_of(1, msgsize_max + 1);
	CHECK_ERR(mq_open(qname(40), O_CREAT | O_RDWR, 0600, &a), EINVAL);
	a = attr_of(HARD_MSGMAX, 1);
	CHECK_ERR(mq_open(qname(40), O_CREAT | O_RDWR, 0600, &a), EINVAL);
	CHECK_ERR(mq_open(qname(40), O_RDWR), ENOENT);
	return 0;
}

static void attributes(void)
{
	SECTION("attributes: the defaults, what may be asked for, EINVAL for the rest");
	long msg_default = mq_limit("msg_default", DEFAULT_MAXMSG);
	long msgsize_default = mq_limit("msgsize_default", DEFAULT_MSGSIZE);
	CHECK_EQ(msg_default, DEFAULT_MAXMSG);
	CHECK_EQ(msgsize_default, DEFAULT_MSGSIZE);
	mqd_t q = new_queue(50, O_RDWR, 0600, NULL);
	struct mq_attr a;
	CHECK_OK(get_attr(q, &a));
	CHECK_EQ(a.mq_flags, 0);
	CHECK_EQ(a.mq_maxmsg, msg_default);
	CHECK_EQ(a.mq_msgsize, msgsize_default);
	CHECK_EQ(a.mq_curmsgs, 0);
	mqd_t nb;
	CHECK_OK(nb = mq_open(qname(50), O_RDWR | O_NONBLOCK));
	CHECK_EQ(qflags(nb), O_NONBLOCK);
	CHECK_EQ(qflags(q), 0);
	CHECK_OK(mq_close(nb));
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(qname(50)));

	/* What was asked for; mq_flags and mq_curmsgs of the request are ignored. */
	struct mq_attr want = attr_of(3, 100);
	want.mq_flags = O_NONBLOCK;
	want.mq_curmsgs = 7;
	q = new_queue(51, O_RDWR, 0600, &want);
	CHECK_OK(get_attr(q, &a));
	CHECK_EQ(a.mq_flags, 0);
	CHECK_EQ(a.mq_maxmsg, 3);
	CHECK_EQ(a.mq_msgsize, 100);
	CHECK_EQ(a.mq_curmsgs, 0);
	/* mq_curmsgs follows the messages. */
	for (int i = 0; i < 3; i++) {
		CHECK_OK(send_tagged(q, (size_t)(i * 50), 50 + i, 0));
		CHECK_EQ(curmsgs(q), i + 1);
	}
	for (int i = 0; i < 3; i++) {
		CHECK_RECV(q, (size_t)(i * 50), 50 + i, 0);
		CHECK_EQ(curmsgs(q), 2 - i);
	}
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(qname(51)));

	/* EINVAL: sizes of 0 or below (for anyone), checked before anything is made. */
	static const long bad[][2] = {{0, 100}, {10, 0}, {0, 0}, {-1, 100}, {10, -1}, {-1, -1},
	                              {LONG_MIN, 1}, {1, LONG_MIN}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct mq_attr b = attr_of(bad[i][0], bad[i][1]);
		errno = 0;
		mqd_t r = mq_open(qname(52), O_CREAT | O_RDWR, 0600, &b);
		int e = errno;
		if (r != (mqd_t)-1 || e != EINVAL)
			FAIL_AT("mq_open with maxmsg %ld, msgsize %ld: %d, errno %d (%s); expected EINVAL",
			        bad[i][0], bad[i][1], (int)r, e, strerror(e));
	}
	track(52);
	CHECK_ERR(mq_open(qname(52), O_RDWR), ENOENT);

	/* Without privileges: up to msg_max and msgsize_max. */
	track(40);
	CHECK_CHILD_DONE(spawn(unprivileged_attrs, 0));

	/* With privileges: up to 65536 messages and 16 MiB (within RLIMIT_MSGQUEUE: EMFILE
	 * past it, after EINVAL). */
	long msg_max = mq_limit("msg_max", DEFAULT_MAXMSG);
	long msgsize_max = mq_limit("msgsize_max", DEFAULT_MSGSIZE);
	struct {
		long maxmsg, msgsize;
		int err; /* with privileges */
	} big[] = {
		{msg_max + 1, 100, 0},
		{100, 100, 0},
		{1, msgsize_max + 1, 0},
		{1, 100000, 0},
		{HARD_MSGMAX, 1, EMFILE},
		{1, HARD_MSGSIZEMAX, EMFILE},
		{HARD_MSGMAX + 1, 1, EINVAL},
		{1, HARD_MSGSIZEMAX + 1, EINVAL},
		{LONG_MAX, 1, EINVAL},
		{1, LONG_MAX, EINVAL},
	};
	int privileged = may_exceed_limits();
	if (!privileged)
		printf("%s: no CAP_SYS_RESOURCE here: root is held to msg_max and msgsize_max too\n",
		       test_name);
	track(53);
	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
		struct mq_attr b = attr_of(big[i].maxmsg, big[i].msgsize);
		int want = privileged ? big[i].err : EINVAL;
		errno = 0;
		mqd_t r = mq_open(qname(53), O_CREAT | O_EXCL | O_RDWR, 0600, &b);
		int e = errno;
		if (want == 0 && r == (mqd_t)-1) {
			FAIL_AT("root: mq_open with maxmsg %ld, msgsize %ld: errno %d (%s); expected success",
			        big[i].maxmsg, big[i].msgsize, e, strerror(e));
		} else if (want != 0 && (r != (mqd_t)-1 || e != want)) {
			FAIL_AT("root: mq_open with maxmsg %ld, msgsize %ld: %d, errno %d (%s); expected %s",
			        big[i].maxmsg, big[i].msgsize, (int)r, e, strerror(e), strerror(want));
		}
		if (r != (mqd_t)-1) {
			struct mq_attr got;
			CHECK_OK(get_attr(r, &got));
			CHECK_EQ(got.mq_maxmsg, big[i].maxmsg);
			CHECK_EQ(got.mq_msgsize, big[i].msgsize);
			if (big[i].msgsize == 100000) {
				/* A message as long as that goes through whole. */
				char *text = malloc(100000), *back = malloc(100000);
				if (text && back) {
					for (int k = 0; k < 100000; k++)
						text[k] = (char)(k * 13 + k / 256);
					CHECK_OK(mq_send(r, text, 100000, 9));
					unsigned prio = 0;
					CHECK_EQ(mq_receive(r, back, 100000, &prio), 100000);
					CHECK_EQ(prio, 9);
					CHECK(memcmp(text, back, 100000) == 0);
					CHECK_ERR(mq_receive(r, back, 99999, NULL), EMSGSIZE);
				}
				free(text);
				free(back);
			}
			CHECK_OK(mq_close(r));
			CHECK_OK(mq_unlink(qname(53)));
		}
	}
}

/* RLIMIT_MSGQUEUE in bytes. */
static long msgqueue_limit(void)
{
	long limit = RLIMIT_MSGQUEUE_BYTES;
#ifdef __GLIBC__
	struct rlimit rl;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
		limit = rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;
#endif
	return limit;
}

/* The uid whose queues the EMFILE check counts: one no other test uses, so that no other
 * process's queues count against it (the limit is per user). */
#define EMFILE_UID 1001

/* As uid EMFILE_UID: default queues until they no longer fit in RLIMIT_MSGQUEUE (FIT of
 * them), then EMFILE; the bytes come back only when a queue is unlinked and closed. */
static int emfile_child(int fit)
{
	if (setgroups(0, NULL) != 0 || setresgid(EMFILE_UID, EMFILE_UID, EMFILE_UID) != 0 ||
	    setresuid(EMFILE_UID, EMFILE_UID, EMFILE_UID) != 0)
		FAIL_AT("dropping privileges to uid %d: errno %d (%s)", EMFILE_UID, errno, strerror(errno));
	mqd_t q[101];
	for (int i = 0; i < fit; i++)
		q[i] = new_queue(100 + i, O_RDWR, 0600, NULL);
	CHECK_ERR(mq_open(qname(100 + fit), O_CREAT | O_RDWR, 0600, NULL), EMFILE);
	/* A small one still fits in what is left. */
	mqd_t small = new_sized_queue(99, O_RDWR, 1, 1);
	CHECK_OK(mq_close(small));
	CHECK_OK(mq_unlink(qname(99)));
	/* Closing a queue gives nothing back while its name is there, nor unlinking it while a
	 * descriptor is open; both together do. */
	CHECK_OK(mq_close(q[0]));
	CHECK_ERR(mq_open(qname(100 + fit), O_CREAT | O_RDWR, 0600, NULL), EMFILE);
	CHECK_OK(mq_unlink(qname(101)));
	CHECK_ERR(mq_open(qname(100 + fit), O_CREAT | O_RDWR, 0600, NULL), EMFILE);
	CHECK_OK(mq_unlink(qname(100)));
	mqd_t last = new_queue(100 + fit, O_RDWR, 0600, NULL);
	CHECK_ERR(mq_open(qname(100), O_CREAT | O_RDWR, 0600, NULL), EMFILE);
	CHECK_OK(mq_close(q[1]));
	CHECK_OK(mq_close(last));
	for (int i = 2; i < fit; i++)
		CHECK_OK(mq_close(q[i]));
	remove_all();
	return 0;
}

static void rlimit_bytes(void)
{
	SECTION("RLIMIT_MSGQUEUE: EMFILE once a user's queues would take more bytes, for root too");
	long limit = msgqueue_limit();
	long fit = limit / queue_charge(DEFAULT_MAXMSG, DEFAULT_MSGSIZE);
	if (fit > 100) {
		printf("%s: RLIMIT_MSGQUEUE is %ld here: EMFILE not checked\n", test_name, limit);
		return;
	}
	for (int i = 0; i <= fit; i++)
		track(99 + i);
	CHECK_CHILD_DONE(spawn(emfile_child, (int)fit));
	remove_all();

	/* Root too (other processes of root's may hold some of its bytes: at most FIT). */
	mqd_t q[101];
	int made = 0;
	errno = 0;
	while (made <= fit) {
		track(100 + made);
		q[made] = mq_open(qname(100 + made), O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
		if (q[made] == (mqd_t)-1)
			break;
		made++;
	}
	int e = errno;
	if (made > fit || e != EMFILE)
		FAIL_AT("root: %d default queues, then errno %d (%s); expected at most %ld, then EMFILE",
		        made, e, strerror(e), fit);
	for (int i = 0; i < made; i++)
		CHECK_OK(mq_close(q[i]));
	remove_all();
}

/* The first of the names unprivileged_count uses. */
static int count_base;

/* Creates small queues until that fails: it must be ENOSPC after WANT of them. */
static int unprivileged_count(int want)
{
	drop_privileges();
	struct mq_attr tiny = attr_of(1, 1);
	int made = 0;
	for (;;) {
		errno = 0;
		mqd_t q = mq_open(qname(count_base + made), O_CREAT | O_EXCL | O_RDWR, 0600, &tiny);
		if (q == (mqd_t)-1)
			break;
		mq_close(q);
		made++;
		if (made > want + 8)
			break;
	}
	int e = errno;
	if (made != want || e != ENOSPC)
		FAIL_AT("made %d small queues, then errno %d (%s); expected %d, then ENOSPC", made, e,
		        strerror(e), want);
	return 0;
}

/* The queues_max check, in a process of its own: on Linux in a new IPC namespace, whose
 * queues are its own (queues_max counts every queue of the namespace). */
static int queue_count_child(int unused)
{
	(void)unused;
#if defined(__linux__) && !defined(__kestrel__)
	if (unshare(CLONE_NEWIPC) != 0)
		printf("%s: unshare(CLONE_NEWIPC): errno %d (%s): counting the machine's queues\n",
		       test_name, errno, strerror(errno));
#endif
	long queues_max = mq_limit("queues_max", QUEUES_LIMIT);
	CHECK_EQ(queues_max, QUEUES_LIMIT);
	if (queues_max > 300) {
		printf("%s: queues_max is %ld here: ENOSPC not checked\n", test_name, queues_max);
		return 0;
	}
	/* One queue already there, unlinked but open: it counts. */
	mqd_t held = new_sized_queue(199, O_RDWR, 1, 1);
	CHECK_OK(mq_unlink(qname(199)));
	for (int i = 0; i <= queues_max + 4; i++)
		track(200 + i);
	count_base = 200;
	CHECK_CHILD_DONE(spawn(unprivileged_count, (int)queues_max - 1));
	struct mq_attr tiny = attr_of(1, 1);
	mqd_t extra = mq_open(qname(200 + (int)queues_max), O_CREAT | O_EXCL | O_RDWR, 0600, &tiny);
	if (may_exceed_limits()) {
		if (extra == (mqd_t)-1)
			FAIL_AT("root: mq_open of queue %ld: errno %d (%s); expected success", queues_max + 1,
			        errno, strerror(errno));
	} else {
		int e = errno;
		if (extra != (mqd_t)-1 || e != ENOSPC)
			FAIL_AT("root without CAP_SYS_RESOURCE: mq_open of queue %ld: %d, errno %d (%s); "
			        "expected ENOSPC", queues_max + 1, (int)extra, e, strerror(e));
	}
	if (extra != (mqd_t)-1)
		CHECK_OK(mq_close(extra));
	/* Closing the unlinked one frees a place. */
	CHECK_OK(mq_close(held));
	CHECK_OK(mq_unlink(qname(200)));
	CHECK_OK(mq_unlink(qname(201)));
	count_base = 200 + (int)queues_max + 1;
	CHECK_CHILD_DONE(spawn(unprivileged_count, extra == (mqd_t)-1 ? 3 : 2));
	remove_all();
	return 0;
}

static void queue_count(void)
{
	SECTION("queues_max: ENOSPC for a process without privileges once there are that many queues");
	CHECK_CHILD_DONE(spawn(queue_count_child, 0));
}

static void setattr(void)
{
	SECTION("mq_setattr: O_NONBLOCK alone, per open description; EINVAL for other flags");
	mqd_t a = new_sized_queue(60, O_RDWR, 2, 64);
	mqd_t b;
	CHECK_OK(b = mq_open(qname(60), O_RDWR));
	CHECK_OK(send_tagged(a, 8, 60, 3));

	struct mq_attr new_attr = attr_of(5, 5000), old;
	new_attr.mq_flags = O_NONBLOCK;
	new_attr.mq_curmsgs = 2;
	memset(&old, 0xa5, sizeof old);
	CHECK_OK(mq_setattr(a, &new_attr, &old));
	CHECK_EQ(old.mq_flags, 0);
	CHECK_EQ(old.mq_maxmsg, 2);
	CHECK_EQ(old.mq_msgsize, 64);
	CHECK_EQ(old.mq_curmsgs, 1);
	struct mq_attr now;
	CHECK_OK(get_attr(a, &now));
	CHECK_EQ(now.mq_flags, O_NONBLOCK);
	CHECK_EQ(now.mq_maxmsg, 2); /* the sizes never change */
	CHECK_EQ(now.mq_msgsize, 64);
	CHECK_EQ(now.mq_curmsgs, 1);
	CHECK_EQ(qflags(b), 0); /* b is another open description */
	CHECK_RECV(a, 8, 60, 3);
	CHECK_ERR(mq_receive(a, received, sizeof received, NULL), EAGAIN);
	memset(&old, 0xa5, sizeof old);
	CHECK_OK(mq_setattr(a, &new_attr, &old)); /* again: no change */
	CHECK_EQ(old.mq_flags, O_NONBLOCK);
	CHECK_EQ(old.mq_curmsgs, 0);

	/* b blocks while a does not; then the other way round. */
	CHECK_OK(send_tagged(b, 1, 61, 0));
	CHECK_OK(send_tagged(b, 2, 62, 0));
	CHECK_ERR(send_tagged(a, 3, 63, 0), EAGAIN);
	CHECK_OK(set_flags(b, O_NONBLOCK));
	CHECK_OK(set_flags(a, 0));
	CHECK_EQ(qflags(a), 0);
	CHECK_ERR(send_tagged(b, 3, 63, 0), EAGAIN);
	CHECK_RECV(a, 1, 61, 0);
	CHECK_RECV(a, 2, 62, 0);
	CHECK_ERR(mq_receive(b, received, sizeof received, NULL), EAGAIN);

	/* Only O_NONBLOCK may be given: other bits are EINVAL, before the descriptor is looked
	 * at; the flags stay as they were. */
	static const long other[] = {1, O_RDWR, O_WRONLY, O_CREAT, O_NONBLOCK | O_EXCL, O_CLOEXEC, -1,
	                             O_NONBLOCK | 0x40000000L};
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		struct mq_attr bad = attr_of(0, 0);
		bad.mq_flags = other[i];
		errno = 0;
		int r = mq_setattr(b, &bad, NULL);
		int e = errno;
		if (r != -1 || e != EINVAL)
			FAIL_AT("mq_setattr with mq_flags 0x%lx: %d, errno %d (%s); expected EINVAL", other[i],
			        r, e, strerror(e));
		errno = 0;
		r = mq_setattr((mqd_t)-1, &bad, NULL);
		e = errno;
		if (r != -1 || e != EINVAL)
			FAIL_AT("mq_setattr(-1) with mq_flags 0x%lx: %d, errno %d (%s); expected EINVAL",
			        other[i], r, e, strerror(e));
	}
	CHECK_EQ(qflags(b), O_NONBLOCK);
	CHECK_OK(set_flags(b, 0));
	CHECK_EQ(qflags(b), 0);

	/* Bad descriptors: closed, never a queue. */
	struct mq_attr ok = attr_of(0, 0);
	CHECK_ERR(mq_setattr((mqd_t)-1, &ok, NULL), EBADF);
	CHECK_ERR(get_attr((mqd_t)-1, &now), EBADF);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(get_attr((mqd_t)p[0], &now), EBADF);
	CHECK_ERR(mq_setattr((mqd_t)p[1], &ok, NULL), EBADF);
	close(p[0]);
	close(p[1]);
	CHECK_ERR(get_attr((mqd_t)p[0], &now), EBADF);

	/* Bad addresses: EFAULT. */
	CHECK_ERR_IN_CHILD(mq_getattr(a, (struct mq_attr *)bad_ptr), EFAULT);
	CHECK_ERR_IN_CHILD(mq_setattr(a, (const struct mq_attr *)bad_ptr, &old), EFAULT);
	CHECK_ERR_IN_CHILD(mq_setattr(a, &ok, (struct mq_attr *)bad_ptr), EFAULT);
	CHECK_OK(mq_close(a));
	CHECK_OK(mq_close(b));
	CHECK_OK(mq_unlink(qname(60)));
}

static int setattr_in_child(int q)
{
	CHECK_EQ(qflags((mqd_t)q), 0);
	CHECK_OK(set_flags((mqd_t)q, O_NONBLOCK));
	return 0;
}

static void setattr_fork(void)
{
	SECTION("mq_setattr in a fork child changes the description it shares with its parent");
	mqd_t a = new_queue(61, O_RDWR, 0600, NULL);
	CHECK_CHILD_DONE(spawn(setattr_in_child, (int)a));
	CHECK_EQ(qflags(a), O_NONBLOCK);
	CHECK_ERR(mq_receive(a, received, sizeof received, NULL), EAGAIN);
	CHECK_OK(mq_close(a));
	CHECK_OK(mq_unlink(qname(61)));
}

int main(void)
{
	mq_test_start("c_mq_attr");
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): children drop privileges", (int)getuid());
#ifndef __kestrel__
	umask(0); /* the modes given are the modes wanted (kestrel has no umask) */
#endif
	attributes();
	rlimit_bytes();
	queue_count();
	setattr();
	setattr_fork();
	return finish();
}
