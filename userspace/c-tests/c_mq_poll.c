/* c_mq_poll: queue descriptors as descriptors. A fork child inherits them (it sends and the
 * parent receives, and the other way round; they share the open description's O_NONBLOCK;
 * the child's close leaves the parent's alone); exec (a descriptor without FD_CLOEXEC is
 * still a queue descriptor in the new image, one with it is closed); read (the status line
 * of mq_overview(7), once) and write (EINVAL); poll() (POLLIN while a message is queued,
 * POLLOUT while there is room, for descriptors open for reading, writing or both; a
 * sleeping poll woken by another process's send or receive; a message seen by poll is
 * still there); epoll (EPOLLIN and EPOLLOUT, level-triggered, a sleeping epoll_wait woken
 * by another process's send); select (readable and writable sets, a sleeping select
 * woken); fstat. Run with the arguments `exec-child ID` it is the image the exec test
 * runs.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not.
 */
#include "c_mq_common.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

/* The queue the children work on (fork copies it). */
static mqd_t g_q;

static int child_sends(int tag)
{
	CHECK_OK(send_tagged(g_q, 6, tag, 2));
	return 0;
}

static int child_receives(int tag)
{
	CHECK_RECV(g_q, 6, tag, 3);
	/* The description's O_NONBLOCK is the parent's. */
	CHECK_EQ(qflags(g_q), O_NONBLOCK);
	CHECK_ERR(mq_receive(g_q, received, sizeof received, NULL), EAGAIN);
	CHECK_OK(mq_close(g_q));
	return 0;
}

static void inherited(void)
{
	SECTION("a fork child inherits queue descriptors: it sends, the parent receives, and back");
	g_q = new_queue(1, O_RDWR, 0600, NULL);
	CHECK_CHILD_DONE(spawn(child_sends, 1));
	CHECK_EQ(curmsgs(g_q), 1);
	CHECK_RECV(g_q, 6, 1, 2);
	CHECK_OK(set_flags(g_q, O_NONBLOCK));
	CHECK_OK(send_tagged(g_q, 6, 2, 3));
	CHECK_CHILD_DONE(spawn(child_receives, 2));
	/* The child's close left this descriptor alone. */
	CHECK_EQ(curmsgs(g_q), 0);
	CHECK_OK(send_tagged(g_q, 6, 3, 3));
	CHECK_RECV(g_q, 6, 3, 3);
	struct stat st;
	CHECK_OK(fstat(g_q, &st));
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(1)));
}

/* poll(FD, EVENTS, TIMEOUT): the events it reports of POLLIN and POLLOUT, or -1. */
static int poll_events(int fd, short events, int timeout)
{
	struct pollfd p = {fd, events, 0};
	int n = poll(&p, 1, timeout);
	if (n < 0) {
		FAIL_AT("poll(%d, 0x%x, %d): errno %d (%s)", fd, events, timeout, errno, strerror(errno));
		return -1;
	}
	if (n != (p.revents != 0))
		FAIL_AT("poll(%d, 0x%x, %d): %d with revents 0x%x", fd, events, timeout, n, p.revents);
	if (p.revents & ~(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM))
		FAIL_AT("poll(%d, 0x%x, %d): revents 0x%x", fd, events, timeout, p.revents);
	return p.revents & (POLLIN | POLLOUT);
}

/* A child that polls for EVENTS (up to 10 s) and must see WANT. */
static short poll_want_events, poll_want;
static int poll_child(int unused)
{
	(void)unused;
	long long start = now_ns();
	CHECK_EQ(poll_events(g_q, poll_want_events, 10000), poll_want);
	CHECK(ms_since(start) < 5000);
	return 0;
}

static pid_t start_poller(short events, short want)
{
	poll_want_events = events;
	poll_want = want;
	pid_t pid = spawn(poll_child, 0);
	WAIT_ASLEEP(pid);
	return pid;
}

static void polling(void)
{
	SECTION("poll: POLLIN while a message is queued, POLLOUT while there is room");
	g_q = new_sized_queue(2, O_RDWR | O_NONBLOCK, 2, 32);
	mqd_t r, w;
	CHECK_OK(r = mq_open(qname(2), O_RDONLY | O_NONBLOCK));
	CHECK_OK(w = mq_open(qname(2), O_WRONLY | O_NONBLOCK));
	const short both = POLLIN | POLLOUT;
	CHECK_EQ(poll_events(g_q, both, 0), POLLOUT);
	CHECK_EQ(poll_events(g_q, POLLIN, 0), 0);
	CHECK_EQ(poll_events(r, POLLIN, 0), 0);
	CHECK_EQ(poll_events(w, POLLOUT, 0), POLLOUT);
	long long start = now_ns();
	CHECK_EQ(poll_events(g_q, POLLIN, 100), 0);
	CHECK(ms_since(start) >= 90);

	CHECK_OK(send_tagged(w, 5, 10, 0));
	CHECK_EQ(poll_events(g_q, both, 0), both);
	CHECK_EQ(poll_events(r, POLLIN, 0), POLLIN);
	CHECK_EQ(poll_events(g_q, POLLIN, -1), POLLIN);
	CHECK_EQ(curmsgs(g_q), 1); /* poll takes nothing */
	CHECK_OK(send_tagged(w, 5, 11, 0));
	CHECK_EQ(poll_events(g_q, both, 0), POLLIN); /* full */
	CHECK_EQ(poll_events(w, POLLOUT, 0), 0);
	CHECK_EQ(poll_events(r, POLLIN, 0), POLLIN);
	CHECK_RECV(r, 5, 10, 0);
	CHECK_EQ(poll_events(g_q, both, 0), both);
	CHECK_RECV(r, 5, 11, 0);
	CHECK_EQ(poll_events(g_q, both, 0), POLLOUT);

	/* Several descriptors in one call. */
	struct pollfd many[3] = {{g_q, POLLIN, 0}, {r, POLLIN, 0}, {w, POLLOUT, 0}};
	CHECK_EQ(poll(many, 3, 0), 1);
	CHECK_EQ(many[2].revents & (POLLIN | POLLOUT), POLLOUT);
	CHECK_EQ(many[0].revents, 0);

	/* A sleeping poll woken by another process's send; the message stays. */
	pid_t p = start_poller(POLLIN, POLLIN);
	CHECK_ASLEEP(p);
	CHECK_OK(send_tagged(g_q, 7, 12, 1));
	CHECK_CHILD_DONE(p);
	CHECK_EQ(curmsgs(g_q), 1);
	CHECK_OK(send_tagged(g_q, 7, 13, 1));

	/* A sleeping poll for room woken by a receive. */
	p = start_poller(POLLOUT, POLLOUT);
	CHECK_ASLEEP(p);
	CHECK_RECV(g_q, 7, 12, 1);
	CHECK_CHILD_DONE(p);
	CHECK_RECV(g_q, 7, 13, 1);
	CHECK_OK(mq_close(r));
	CHECK_OK(mq_close(w));
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(2)));
}

/* epoll_wait(EP, ..., TIMEOUT): the events of the one descriptor registered (0: none), which
 * must carry COOKIE. */
static unsigned epoll_events(int ep, int timeout, uint64_t cookie)
{
	struct epoll_event ev[4];
	memset(ev, 0, sizeof ev);
	int n = epoll_wait(ep, ev, 4, timeout);
	if (n < 0) {
		FAIL_AT("epoll_wait: errno %d (%s)", errno, strerror(errno));
		return 0xffffffffu;
	}
	if (n > 1)
		FAIL_AT("epoll_wait: %d events for one descriptor", n);
	if (n == 1 && ev[0].data.u64 != cookie)
		FAIL_AT("epoll_wait: data 0x%llx, expected 0x%llx", (unsigned long long)ev[0].data.u64,
		        (unsigned long long)cookie);
	return n == 1 ? ev[0].events & (EPOLLIN | EPOLLOUT) : 0;
}

static int g_ep;
static int epoll_child(int unused)
{
	(void)unused;
	long long start = now_ns();
	CHECK_EQ(epoll_events(g_ep, 10000, 0x1234), EPOLLIN);
	CHECK(ms_since(start) < 5000);
	return 0;
}

static void epolling(void)
{
	SECTION("epoll: EPOLLIN and EPOLLOUT, level-triggered; a sleeping epoll_wait woken by a send");
	g_q = new_sized_queue(3, O_RDWR | O_NONBLOCK, 1, 32);
	int ep;
	CHECK_OK(ep = epoll_create1(0));
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u64 = 0x1234;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, g_q, &ev));
	CHECK_EQ(epoll_events(ep, 0, 0x1234), 0);
	CHECK_OK(send_tagged(g_q, 3, 20, 0));
	CHECK_EQ(epoll_events(ep, 0, 0x1234), EPOLLIN);
	CHECK_EQ(epoll_events(ep, 1000, 0x1234), EPOLLIN); /* still: level-triggered */
	CHECK_RECV(g_q, 3, 20, 0);
	CHECK_EQ(epoll_events(ep, 0, 0x1234), 0);

	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.u64 = 0x5678;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, g_q, &ev));
	CHECK_EQ(epoll_events(ep, 0, 0x5678), EPOLLOUT);
	CHECK_OK(send_tagged(g_q, 3, 21, 0));
	CHECK_EQ(epoll_events(ep, 0, 0x5678), EPOLLIN); /* full: no room */
	CHECK_RECV(g_q, 3, 21, 0);
	CHECK_EQ(epoll_events(ep, 0, 0x5678), EPOLLOUT);

	ev.events = EPOLLIN;
	ev.data.u64 = 0x1234;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, g_q, &ev));
	g_ep = ep;
	pid_t p = spawn(epoll_child, 0);
	WAIT_ASLEEP(p);
	CHECK_ASLEEP(p);
	CHECK_OK(send_tagged(g_q, 3, 22, 0));
	CHECK_CHILD_DONE(p);
	CHECK_EQ(curmsgs(g_q), 1);
	CHECK_RECV(g_q, 3, 22, 0);
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, g_q, &ev));
	CHECK_OK(send_tagged(g_q, 3, 23, 0));
	CHECK_EQ(epoll_events(ep, 0, 0), 0);
	CHECK_RECV(g_q, 3, 23, 0);
	CHECK_OK(close(ep));
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(3)));
}

/* select on FD for reading and writing with TIMEOUT_MS (-1: none): POLLIN for readable,
 * POLLOUT for writable. */
static int select_events(int fd, int want_read, int want_write, long timeout_ms)
{
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	if (want_read)
		FD_SET(fd, &rd);
	if (want_write)
		FD_SET(fd, &wr);
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int n = select(fd + 1, &rd, &wr, NULL, timeout_ms < 0 ? NULL : &tv);
	if (n < 0) {
		FAIL_AT("select: errno %d (%s)", errno, strerror(errno));
		return -1;
	}
	int events = (FD_ISSET(fd, &rd) ? POLLIN : 0) | (FD_ISSET(fd, &wr) ? POLLOUT : 0);
	if (n != !!(events & POLLIN) + !!(events & POLLOUT))
		FAIL_AT("select: %d, but the sets say 0x%x", n, events);
	return events;
}

static int select_child(int unused)
{
	(void)unused;
	long long start = now_ns();
	CHECK_EQ(select_events(g_q, 1, 0, 10000), POLLIN);
	CHECK(ms_since(start) < 5000);
	return 0;
}

static void selecting(void)
{
	SECTION("select: readable while a message is queued, writable while there is room; woken by a send");
	g_q = new_sized_queue(4, O_RDWR | O_NONBLOCK, 1, 32);
	CHECK_EQ(select_events(g_q, 1, 1, 0), POLLOUT);
	CHECK_EQ(select_events(g_q, 1, 0, 0), 0);
	CHECK_OK(send_tagged(g_q, 2, 30, 0));
	CHECK_EQ(select_events(g_q, 1, 1, 0), POLLIN);
	CHECK_EQ(select_events(g_q, 1, 0, -1), POLLIN);
	CHECK_EQ(select_events(g_q, 0, 1, 50), 0);
	CHECK_RECV(g_q, 2, 30, 0);
	pid_t p = spawn(select_child, 0);
	WAIT_ASLEEP(p);
	CHECK_ASLEEP(p);
	CHECK_OK(send_tagged(g_q, 2, 31, 0));
	CHECK_CHILD_DONE(p);
	CHECK_RECV(g_q, 2, 31, 0);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(4)));
}

/* A new descriptor of queue N reads the status line of mq_overview(7) (QSIZE: the bytes
 * queued; NOTIFY, SIGNO, NOTIFY_PID: the registration, 0 if none), once: a second read is
 * the end of the file. */
static void check_status(int n, unsigned long qsize, int notify, int signo, int pid)
{
	char want[128], got[256];
	snprintf(want, sizeof want, "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n", qsize,
	         notify, signo, pid);
	int fd = (int)mq_open(qname(n), O_RDONLY);
	if (fd < 0) {
		FAIL_AT("mq_open: errno %d (%s)", errno, strerror(errno));
		return;
	}
	memset(got, 0, sizeof got);
	ssize_t len = read(fd, got, sizeof got - 1);
	if (len != (ssize_t)strlen(want) || strcmp(got, want) != 0)
		FAIL_AT("read: %zd bytes \"%s\"; expected \"%s\"", len, got, want);
	CHECK_EQ(read(fd, got, sizeof got), 0);
	close(fd);
}

static void status_line(void)
{
	SECTION("read: the queue's status line (QSIZE, NOTIFY, SIGNO, NOTIFY_PID), once; write: EINVAL");
	g_q = new_queue(6, O_RDWR | O_NONBLOCK, 0600, NULL);
	check_status(6, 0, 0, 0, 0);
	CHECK_OK(send_tagged(g_q, 5, 50, 1));
	CHECK_OK(send_tagged(g_q, 3, 51, 7));
	CHECK_OK(send_tagged(g_q, 0, 52, 2));
	check_status(6, 8, 0, 0, 0);
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR2;
	CHECK_OK(mq_notify(g_q, &ev));
	check_status(6, 8, SIGEV_SIGNAL, SIGUSR2, getpid());
	CHECK_OK(mq_notify(g_q, NULL));
	ev.sigev_notify = SIGEV_NONE;
	ev.sigev_signo = 0;
	CHECK_OK(mq_notify(g_q, &ev));
	check_status(6, 8, SIGEV_NONE, 0, getpid());
	CHECK_OK(mq_notify(g_q, NULL));
	CHECK_RECV(g_q, 3, 51, 7);
	check_status(6, 5, 0, 0, 0);
	/* Nothing can be written (EINVAL; EBADF first for a descriptor not open for writing); a
	 * descriptor open for writing only cannot be read. */
	CHECK_ERR(write(g_q, "abc", 3), EINVAL);
	mqd_t w;
	CHECK_OK(w = mq_open(qname(6), O_WRONLY));
	char c;
	CHECK_ERR(read(w, &c, 1), EBADF);
	CHECK_ERR(write(w, "abc", 3), EINVAL);
	CHECK_OK(mq_close(w));
	mqd_t r;
	CHECK_OK(r = mq_open(qname(6), O_RDONLY));
	CHECK_ERR(write(r, "abc", 3), EBADF); /* not open for writing: that first */
	CHECK_OK(mq_close(r));
	CHECK_EQ(curmsgs(g_q), 2);
	CHECK_OK(mq_close(g_q));
	CHECK_OK(mq_unlink(qname(6)));
}

static const char *self_path;

static int exec_child(int id)
{
	return exec_self(self_path, id);
}

static void across_exec(void)
{
	SECTION("exec: a descriptor without FD_CLOEXEC stays a queue descriptor, one with it is closed");
	mqd_t keep = new_queue(5, O_RDWR, 0600, NULL);
	mqd_t gone;
	CHECK_OK(gone = mq_open(qname(5), O_RDWR | O_CLOEXEC));
	CHECK_OK(fcntl(keep, F_SETFD, 0));
	CHECK_OK(send_tagged(keep, 9, 40, 5));
	CHECK_CHILD_DONE(spawn(exec_child, keep * 1024 + gone));
	CHECK_EQ(curmsgs(keep), 1);
	CHECK_RECV(keep, 9, 41, 6); /* its answer */
	CHECK_OK(mq_close(keep));
	CHECK_OK(mq_close(gone));
	CHECK_OK(mq_unlink(qname(5)));
}

/* The image the exec test runs (`exec-child KEEP*1024+GONE`): it takes the message through
 * the descriptor it kept, answers, and finds the other closed. */
static int exec_image(const char *id_text)
{
	mq_test_start("c_mq_poll (exec-child)");
	SECTION("running after exec");
	int id = atoi(id_text);
	mqd_t keep = (mqd_t)(id / 1024), gone = (mqd_t)(id % 1024);
	CHECK_EQ(curmsgs(keep), 1);
	CHECK_RECV(keep, 9, 40, 5);
	CHECK_OK(send_tagged(keep, 9, 41, 6));
	CHECK_ERR(fcntl(gone, F_GETFD), EBADF);
	struct mq_attr a;
	CHECK_ERR(get_attr(gone, &a), EBADF);
	fflush(stdout);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	self_path = argc > 0 ? argv[0] : "c_mq_poll";
	if (argc == 3 && strcmp(argv[1], "exec-child") == 0)
		return exec_image(argv[2]);
	mq_test_start("c_mq_poll");
	inherited();
	across_exec();
	status_line();
	polling();
	epolling();
	selecting();
	return finish();
}
