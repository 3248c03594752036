/* c_mq_basic: mq_open, mq_close and mq_unlink. Names (a leading '/', no other; "/", "/."
 * and "/.."; NAME_MAX); O_CREAT, O_EXCL, ENOENT; access modes against the queue's mode for
 * a process without privileges; descriptors opened for reading or writing only;
 * O_CLOEXEC; a queue descriptor is an ordinary descriptor (fcntl, dup, close, the lowest
 * free number); mq_unlink (the name gone, open descriptors working on, a new queue under
 * the name distinct, EACCES for a process that neither owns the queue nor is privileged).
 * The attributes and limits are c_mq_attr's.
 *
 * Runs as root (children drop to uid/gid 1000). Exits 0 only if every check passed;
 * prints `FAIL file:line ...` for each one that did not.
 */
#include "c_mq_common.h"

static const char *long_name(size_t len, size_t slash)
{
	static char name[NAME_LIMIT + 16];
	snprintf(name, sizeof name, "/c_mq.%d.long", (int)name_pid);
	size_t have = strlen(name);
	for (size_t i = have; i <= len; i++)
		name[i] = 'x';
	name[len + 1] = '\0';
	if (slash)
		name[slash] = '/';
	return name;
}

static void names(void)
{
	SECTION("names: one leading '/' and no other, not \"/\", \".\" or \"..\", at most NAME_MAX bytes");
	static const struct {
		const char *name;
		int err;
	} bad[] = {
		{"/a/b", EACCES}, {"//a", EACCES}, {"/a/", EACCES}, {"/.", EACCES}, {"/..", EACCES},
		{"/", ENOENT},    {"a", EINVAL},   {"", EINVAL},    {"a/b", EINVAL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		mqd_t q = mq_open(bad[i].name, O_CREAT | O_RDWR, 0600, NULL);
		int e = errno;
		if (q != (mqd_t)-1 || e != bad[i].err) {
			FAIL_AT("mq_open(\"%s\", O_CREAT): %d, errno %d (%s); expected -1, errno %d (%s)",
			        bad[i].name, (int)q, e, strerror(e), bad[i].err, strerror(bad[i].err));
			if (q != (mqd_t)-1) {
				mq_close(q);
				mq_unlink(bad[i].name);
			}
		}
		errno = 0;
		int r = mq_unlink(bad[i].name);
		e = errno;
		if (r != -1 || e != bad[i].err)
			FAIL_AT("mq_unlink(\"%s\"): %d, errno %d (%s); expected -1, errno %d (%s)",
			        bad[i].name, r, e, strerror(e), bad[i].err, strerror(bad[i].err));
	}

	/* "/..." is an ordinary name. */
	char dots[64];
	snprintf(dots, sizeof dots, "/...%d", (int)name_pid);
	mqd_t q;
	CHECK_OK(q = mq_open(dots, O_CREAT | O_EXCL | O_RDWR, 0600, NULL));
	if (q != (mqd_t)-1)
		CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(dots));

	/* NAME_MAX bytes after the '/' are allowed, one more is ENAMETOOLONG; a '/' in a long
	 * name is found first (EACCES). */
	CHECK_OK(q = mq_open(long_name(NAME_LIMIT, 0), O_CREAT | O_EXCL | O_RDWR, 0600, NULL));
	if (q != (mqd_t)-1) {
		CHECK_OK(send_tagged(q, 3, 1, 0));
		CHECK_OK(mq_close(q));
		CHECK_OK(q = mq_open(long_name(NAME_LIMIT, 0), O_RDONLY));
		if (q != (mqd_t)-1) {
			CHECK_RECV(q, 3, 1, 0);
			CHECK_OK(mq_close(q));
		}
	}
	CHECK_OK(mq_unlink(long_name(NAME_LIMIT, 0)));
	CHECK_ERR(mq_unlink(long_name(NAME_LIMIT, 0)), ENOENT);
	CHECK_ERR(mq_open(long_name(NAME_LIMIT + 1, 0), O_CREAT | O_RDWR, 0600, NULL), ENAMETOOLONG);
	CHECK_ERR(mq_open(long_name(NAME_LIMIT + 1, 0), O_RDWR), ENAMETOOLONG);
	CHECK_ERR(mq_unlink(long_name(NAME_LIMIT + 1, 0)), ENAMETOOLONG);
	CHECK_ERR(mq_open(long_name(NAME_LIMIT + 40, 0), O_CREAT | O_RDWR, 0600, NULL), ENAMETOOLONG);
	CHECK_ERR(mq_open(long_name(NAME_LIMIT + 1, 100), O_CREAT | O_RDWR, 0600, NULL), EACCES);
	CHECK_ERR(mq_unlink(long_name(NAME_LIMIT + 1, 100)), EACCES);
}

static void creation(void)
{
	SECTION("O_CREAT, O_EXCL (EEXIST), no queue and no O_CREAT (ENOENT)");
	CHECK_ERR(mq_open(qname(1), O_RDWR), ENOENT);
	CHECK_ERR(mq_open(qname(1), O_RDONLY), ENOENT);
	CHECK_ERR(mq_open(qname(1), O_WRONLY | O_EXCL), ENOENT);
	CHECK_ERR(mq_unlink(qname(1)), ENOENT);
	mqd_t a = new_queue(1, O_RDWR, 0600, NULL);
	CHECK_ERR(mq_open(qname(1), O_CREAT | O_EXCL | O_RDWR, 0600, NULL), EEXIST);
	CHECK_ERR(mq_open(qname(1), O_CREAT | O_EXCL | O_RDONLY, 0600, NULL), EEXIST);

	/* O_CREAT alone opens the queue there is, whatever attributes it is given (they are not
	 * even checked); O_EXCL without O_CREAT is ignored. */
	struct mq_attr wild = attr_of(0, -5);
	mqd_t b, c;
	CHECK_OK(b = mq_open(qname(1), O_CREAT | O_RDWR, 0600, &wild));
	CHECK_OK(c = mq_open(qname(1), O_EXCL | O_RDWR));
	struct mq_attr got;
	CHECK_OK(get_attr(b, &got));
	CHECK_EQ(got.mq_maxmsg, DEFAULT_MAXMSG);
	CHECK_EQ(got.mq_msgsize, DEFAULT_MSGSIZE);
	/* One queue behind all three descriptors. */
	CHECK_OK(send_tagged(a, 10, 2, 1));
	CHECK_OK(send_tagged(b, 11, 3, 2));
	CHECK_EQ(curmsgs(c), 2);
	CHECK_RECV(c, 11, 3, 2);
	CHECK_RECV(c, 10, 2, 1);
	CHECK_EQ(curmsgs(a), 0);
	/* A bad attribute address is read before the queue is looked up (EFAULT either way). */
	CHECK_ERR_IN_CHILD(mq_open(qname(1), O_CREAT | O_RDWR, 0600, (struct mq_attr *)bad_ptr), EFAULT);
	CHECK_ERR_IN_CHILD(mq_open(qname(2), O_CREAT | O_RDWR, 0600, (struct mq_attr *)bad_ptr), EFAULT);
	CHECK_ERR(mq_open(qname(2), O_RDWR), ENOENT);
	CHECK_OK(mq_close(a));
	CHECK_OK(mq_close(b));
	CHECK_OK(mq_close(c));
	CHECK_OK(mq_unlink(qname(1)));

	/* The queue and its messages outlive every descriptor while the name is there. */
	a = new_queue(3, O_WRONLY, 0600, NULL);
	CHECK_OK(send_tagged(a, 20, 4, 7));
	CHECK_OK(mq_close(a));
	CHECK_OK(a = mq_open(qname(3), O_RDONLY));
	CHECK_EQ(curmsgs(a), 1);
	CHECK_RECV(a, 20, 4, 7);
	CHECK_OK(mq_close(a));
	CHECK_OK(mq_unlink(qname(3)));
}

/* Queue 10's access for a process without privileges: mode 0600, 0640, 0604, 0620, 0602,
 * 0666 in turn (the test's gid is not OTHER_ID: uid 1000 is "others"). */
static int unprivileged_access(int mode)
{
	drop_privileges();
	int may_read = (mode & 04) != 0, may_write = (mode & 02) != 0;
	const int modes[3] = {O_RDONLY, O_WRONLY, O_RDWR};
	const int allowed[3] = {may_read, may_write, may_read && may_write};
	for (int i = 0; i < 3; i++) {
		errno = 0;
		mqd_t q = mq_open(qname(10), modes[i]);
		int e = errno;
		if (allowed[i] && q == (mqd_t)-1)
			FAIL_AT("mode 0%o, access %d: mq_open failed, errno %d (%s)", mode, i, e, strerror(e));
		if (!allowed[i] && (q != (mqd_t)-1 || e != EACCES))
			FAIL_AT("mode 0%o, access %d: mq_open %d, errno %d (%s); expected EACCES", mode, i,
			        (int)q, e, strerror(e));
		if (q != (mqd_t)-1)
			mq_close(q);
	}
	/* O_CREAT on the queue there is: the same check. */
	for (int i = 0; i < 3; i++) {
		errno = 0;
		mqd_t q = mq_open(qname(10), O_CREAT | modes[i], 0666, NULL);
		int e = errno;
		if (allowed[i] ? q == (mqd_t)-1 : (q != (mqd_t)-1 || e != EACCES))
			FAIL_AT("mode 0%o, access %d with O_CREAT: mq_open %d, errno %d (%s); expected %s", mode,
			        i, (int)q, e, strerror(e), allowed[i] ? "success" : "EACCES");
		if (q != (mqd_t)-1)
			mq_close(q);
	}
	/* EEXIST comes before EACCES. */
	CHECK_ERR(mq_open(qname(10), O_CREAT | O_EXCL | O_RDWR, 0666, NULL), EEXIST);
	/* Nor may it unlink a queue it does not own, whatever the mode (EACCES). */
	CHECK_ERR(mq_unlink(qname(10)), EACCES);
	return 0;
}

/* A queue created by a process without privileges is its own: it gets the access it asks
 * for whatever the mode, which counts for later opens; it may unlink it. */
static int unprivileged_creator(int unused)
{
	(void)unused;
	drop_privileges();
	mqd_t q;
	CHECK_OK(q = mq_open(qname(11), O_CREAT | O_EXCL | O_RDWR, 0, NULL));
	if (q != (mqd_t)-1) {
		CHECK_OK(send_tagged(q, 4, 5, 3));
		CHECK_RECV(q, 4, 5, 3);
		CHECK_OK(mq_close(q));
	}
	CHECK_ERR(mq_open(qname(11), O_RDONLY), EACCES);
	CHECK_ERR(mq_open(qname(11), O_WRONLY), EACCES);
	CHECK_OK(mq_unlink(qname(11)));
	CHECK_OK(q = mq_open(qname(12), O_CREAT | O_EXCL | O_RDWR, 0400, NULL));
	if (q != (mqd_t)-1)
		CHECK_OK(mq_close(q));
	return 0;
}

static void access_modes(void)
{
	SECTION("access: the queue's mode for a process without privileges, EACCES; root opens any");
	static const int modes[] = {0600, 0640, 0604, 0620, 0602, 0606, 0666, 0000};
	track(10);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		mqd_t q;
		CHECK_OK(q = mq_open(qname(10), O_CREAT | O_EXCL | O_RDWR, modes[i], NULL));
		CHECK_CHILD_DONE(spawn(unprivileged_access, modes[i]));
		/* Root opens it whatever its mode. */
		mqd_t r;
		CHECK_OK(r = mq_open(qname(10), O_RDWR));
		if (r != (mqd_t)-1)
			CHECK_OK(mq_close(r));
		if (q != (mqd_t)-1)
			CHECK_OK(mq_close(q));
		CHECK_OK(mq_unlink(qname(10)));
	}

	track(11);
	track(12);
	CHECK_CHILD_DONE(spawn(unprivileged_creator, 0));
	CHECK_ERR(mq_open(qname(11), O_RDWR), ENOENT);
	/* Root unlinks another user's queue. */
	CHECK_OK(mq_unlink(qname(12)));
}

static void access_of_descriptors(void)
{
	SECTION("descriptors opened for reading only or writing only: EBADF for the other operation");
	mqd_t rw = new_queue(20, O_RDWR, 0600, NULL);
	mqd_t r, w;
	CHECK_OK(r = mq_open(qname(20), O_RDONLY));
	CHECK_OK(w = mq_open(qname(20), O_WRONLY));
	struct timespec later = deadline_in(5000);
	CHECK_ERR(send_tagged(r, 5, 30, 1), EBADF);
	CHECK_ERR(timedsend_tagged(r, 5, 30, 1, &later), EBADF);
	CHECK_ERR(send_tagged(r, DEFAULT_MSGSIZE + 1, 30, 1), EBADF); /* before EMSGSIZE */
	CHECK_EQ(curmsgs(rw), 0);
	CHECK_OK(send_tagged(w, 5, 31, 1));
	CHECK_ERR(mq_receive(w, received, sizeof received, NULL), EBADF);
	CHECK_ERR(mq_timedreceive(w, received, sizeof received, NULL, &later), EBADF);
	CHECK_ERR(mq_receive(w, received, 10, NULL), EBADF); /* before EMSGSIZE */
	CHECK_EQ(curmsgs(rw), 1);
	CHECK_RECV(r, 5, 31, 1);
	/* Both may ask for the attributes and set O_NONBLOCK. */
	struct mq_attr a;
	CHECK_OK(get_attr(r, &a));
	CHECK_OK(get_attr(w, &a));
	CHECK_OK(set_flags(r, O_NONBLOCK));
	CHECK_OK(set_flags(w, O_NONBLOCK));
	CHECK_ERR(mq_receive(r, received, sizeof received, NULL), EAGAIN);
	CHECK_OK(mq_close(rw));
	CHECK_OK(mq_close(r));
	CHECK_OK(mq_close(w));
	CHECK_OK(mq_unlink(qname(20)));
}

static void descriptors(void)
{
	SECTION("a queue descriptor is a descriptor: close-on-exec, fcntl, dup, close, the lowest free number");
	mqd_t a = new_queue(30, O_RDWR, 0600, NULL);
	mqd_t b = new_queue(31, O_RDWR | O_CLOEXEC, 0600, NULL);
	mqd_t c;
	CHECK_OK(c = mq_open(qname(30), O_RDWR | O_CLOEXEC));
	CHECK(a >= 0 && b >= 0 && c >= 0);
	CHECK(a != b && a != c && b != c);
	/* glibc opens every queue close-on-exec, O_CLOEXEC or not. */
	CHECK_OK(fcntl(a, F_GETFD));
	CHECK_EQ(ret & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_OK(fcntl(b, F_GETFD));
	CHECK_EQ(ret & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_OK(fcntl(c, F_GETFD));
	CHECK_EQ(ret & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_OK(fcntl(a, F_SETFD, 0));
	CHECK_OK(fcntl(a, F_GETFD));
	CHECK_EQ(ret & FD_CLOEXEC, 0);
	CHECK_OK(fcntl(a, F_SETFD, FD_CLOEXEC));
	CHECK_OK(fcntl(a, F_GETFD));
	CHECK_EQ(ret & FD_CLOEXEC, FD_CLOEXEC);

	/* fcntl(F_SETFL) sets the description's O_NONBLOCK, which mq_getattr reports. */
	CHECK_OK(fcntl(a, F_GETFL));
	CHECK_EQ(ret & O_NONBLOCK, 0);
	CHECK_OK(fcntl(a, F_SETFL, O_NONBLOCK));
	CHECK_EQ(qflags(a), O_NONBLOCK);
	CHECK_ERR(mq_receive(a, received, sizeof received, NULL), EAGAIN);
	CHECK_OK(fcntl(a, F_GETFL));
	CHECK_EQ(ret & O_NONBLOCK, O_NONBLOCK);
	CHECK_OK(set_flags(a, 0));
	CHECK_OK(fcntl(a, F_GETFL));
	CHECK_EQ(ret & O_NONBLOCK, 0);

	/* dup gives another descriptor of the same description. */
	int d;
	CHECK_OK(d = dup(a));
	CHECK_OK(send_tagged((mqd_t)d, 7, 40, 4));
	CHECK_RECV(a, 7, 40, 4);
	CHECK_OK(set_flags((mqd_t)d, O_NONBLOCK));
	CHECK_EQ(qflags(a), O_NONBLOCK);
	CHECK_EQ(qflags(c), 0); /* another open description: its own flags */
	CHECK_OK(set_flags(a, 0));
	CHECK_EQ(qflags((mqd_t)d), 0);
	CHECK_OK(mq_close((mqd_t)d));
	CHECK_OK(send_tagged(a, 1, 41, 0));
	CHECK_RECV(c, 1, 41, 0);

	/* close works on it; it is then a bad descriptor; the number is free for the next. */
	CHECK_OK(close(b));
	CHECK_ERR(send_tagged(b, 1, 42, 0), EBADF);
	CHECK_ERR(mq_receive(b, received, sizeof received, NULL), EBADF);
	struct mq_attr at;
	CHECK_ERR(get_attr(b, &at), EBADF);
	CHECK_ERR(mq_close(b), EBADF);
	mqd_t e;
	CHECK_OK(e = mq_open(qname(31), O_RDWR));
	CHECK_EQ(e, b); /* the lowest free descriptor */
	CHECK_OK(fcntl(e, F_GETFD));
	CHECK_EQ(ret & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_OK(mq_close(e));
	CHECK_ERR(mq_close(e), EBADF);
	CHECK_ERR(mq_close((mqd_t)-1), EBADF);
	struct stat st;
	CHECK_OK(fstat(a, &st));
	CHECK_OK(mq_close(a));
	CHECK_OK(mq_close(c));
	CHECK_OK(mq_unlink(qname(30)));
	CHECK_OK(mq_unlink(qname(31)));
}

/* An unprivileged process's attributes: up to msg_max and msgsize_max, else EINVAL. */
static int unlink_unowned(int unused)
{
	(void)unused;
	drop_privileges();
	CHECK_ERR(mq_unlink(qname(70)), EACCES);
	return 0;
}

static void unlinking(void)
{
	SECTION("mq_unlink: the name is gone, open descriptors work on, a new queue is distinct");
	mqd_t a = new_sized_queue(70, O_RDWR, 4, 128);
	CHECK_OK(send_tagged(a, 9, 70, 1));
	mqd_t r;
	CHECK_OK(r = mq_open(qname(70), O_RDONLY));
	/* Neither owner nor privileged: EACCES, whatever the mode. */
	CHECK_CHILD_DONE(spawn(unlink_unowned, 0));
	CHECK_OK(mq_unlink(qname(70)));
	CHECK_ERR(mq_unlink(qname(70)), ENOENT);
	CHECK_ERR(mq_open(qname(70), O_RDWR), ENOENT);
	CHECK_EQ(curmsgs(a), 1);
	CHECK_OK(send_tagged(a, 10, 71, 2));
	CHECK_RECV(r, 10, 71, 2);

	/* A new queue under the name: its own attributes and messages. */
	mqd_t b = new_queue(70, O_RDWR, 0600, NULL);
	struct mq_attr at;
	CHECK_OK(get_attr(b, &at));
	CHECK_EQ(at.mq_maxmsg, DEFAULT_MAXMSG);
	CHECK_EQ(at.mq_curmsgs, 0);
	CHECK_OK(get_attr(a, &at));
	CHECK_EQ(at.mq_maxmsg, 4);
	CHECK_EQ(at.mq_curmsgs, 1);
	CHECK_OK(send_tagged(b, 11, 72, 0));
	CHECK_EQ(curmsgs(a), 1);
	CHECK_RECV(r, 9, 70, 1);
	CHECK_OK(set_flags(r, O_NONBLOCK));
	CHECK_ERR(mq_receive(r, received, sizeof received, NULL), EAGAIN);
	mqd_t c;
	CHECK_OK(c = mq_open(qname(70), O_RDONLY));
	CHECK_RECV(c, 11, 72, 0);
	CHECK_OK(mq_close(a));
	CHECK_OK(mq_close(r));
	CHECK_OK(mq_close(b));
	CHECK_OK(mq_close(c));
	CHECK_OK(mq_unlink(qname(70)));
	CHECK_ERR(mq_unlink(qname(70)), ENOENT);
}

int main(void)
{
	mq_test_start("c_mq_basic");
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): children drop privileges", (int)getuid());
#ifndef __kestrel__
	umask(0); /* the modes given are the modes wanted (kestrel has no umask) */
#endif
	names();
	creation();
	access_modes();
	access_of_descriptors();
	descriptors();
	unlinking();
	return finish();
}
