/* c_evloop: an event loop of the kind libwayland and other servers run: one epoll instance
 * waits on a timerfd (a 20 ms interval, disarmed after ten ticks), a signalfd (SIGUSR1,
 * sent three times by a child, which waits for the loop's acknowledgement before sending
 * again, so that no two are pending at once), an eventfd (written five times by another
 * thread), a pipe written by a child (four writes, then the child exits; registered
 * edge-triggered, EPOLLET, and drained at each report) and a POSIX message queue (three
 * messages mq_send by a child; one mq_receive per report, level-triggered). Every report
 * must find something to take (a report with nothing behind it is a spurious dispatch, a
 * descriptor twice in one epoll_wait a double one), every event is taken exactly once (ten
 * or more ticks, no more than the time allows; three signals from the child, each its own
 * report; the eventfd's sum 15; the pipe's 12 bytes and its end; the three messages, each its
 * own report), the loop ends within 5 s, and afterwards nothing is ready.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not.
 */
#include "c_mq_common.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

enum { TIMER, SIGNAL, EVENT, PIPE, QUEUE, SOURCES };
static const char *const source_name[SOURCES] = {"timerfd", "signalfd", "eventfd", "pipe", "queue"};

#define TICK_MS 20
#define TICKS 10
#define SIGNALS 3
#define EVENT_WRITES 5
#define PIPE_WRITES 4
#define PIPE_CHUNK 3
#define MESSAGES 3
#define MSG_LEN 8

static int efd;
static int ack[2];  /* the loop acknowledges each signal here */
static int data[2]; /* the pipe the loop watches */
static mqd_t queue;

static void *event_thread(void *arg)
{
	(void)arg;
	for (uint64_t i = 1; i <= EVENT_WRITES; i++) {
		sleep_ms(15);
		if (write(efd, &i, sizeof i) != 8)
			FAIL_AT("eventfd write: errno %d (%s)", errno, strerror(errno));
	}
	return NULL;
}

/* The children keep only what they use: the pipe's write end must close when its writer
 * ends. */
static void child_closes(int keep_data, int keep_ack)
{
	close(data[0]);
	if (!keep_data)
		close(data[1]);
	close(ack[1]);
	if (!keep_ack)
		close(ack[0]);
}

static int signal_child(int unused)
{
	(void)unused;
	child_closes(0, 1);
	for (int i = 0; i < SIGNALS; i++) {
		sleep_ms(10);
		CHECK_OK(kill(getppid(), SIGUSR1));
		char c;
		ssize_t r;
		while ((r = read(ack[0], &c, 1)) == -1 && errno == EINTR) {
		}
		if (r != 1) {
			FAIL_AT("acknowledgement %d: read %zd, errno %d", i, r, errno);
			return 1;
		}
	}
	return 0;
}

static int pipe_child(int unused)
{
	(void)unused;
	child_closes(1, 0);
	for (int i = 0; i < PIPE_WRITES; i++) {
		sleep_ms(15);
		char chunk[PIPE_CHUNK];
		fill_text(chunk, PIPE_CHUNK, i);
		CHECK_EQ(write(data[1], chunk, PIPE_CHUNK), PIPE_CHUNK);
	}
	return 0;
}

static int queue_child(int unused)
{
	(void)unused;
	child_closes(0, 0);
	for (int i = 0; i < MESSAGES; i++) {
		sleep_ms(15);
		CHECK_OK(send_tagged(queue, MSG_LEN, 10 + i, 1));
	}
	return 0;
}

static void add(int ep, int fd, int source, unsigned events)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u32 = (uint32_t)source;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		FAIL_AT("epoll_ctl(ADD, %s): errno %d (%s)", source_name[source], errno, strerror(errno));
}

int main(void)
{
	mq_test_start("c_evloop");
	SECTION("one epoll: timerfd, signalfd, eventfd, an edge-triggered pipe and a message queue");
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &usr1, NULL)); /* before the thread: it inherits the mask */

	int tfd, sfd, ep;
	CHECK_OK(tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	CHECK_OK(sfd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC));
	CHECK_OK(efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	CHECK_OK(pipe(data));
	CHECK_OK(pipe(ack));
	CHECK_OK(fcntl(data[0], F_SETFL, O_NONBLOCK));
	queue = new_sized_queue(1, O_RDWR | O_NONBLOCK, 10, 64);
	CHECK_OK(ep = epoll_create1(EPOLL_CLOEXEC));
	add(ep, tfd, TIMER, EPOLLIN);
	add(ep, sfd, SIGNAL, EPOLLIN);
	add(ep, efd, EVENT, EPOLLIN);
	add(ep, data[0], PIPE, EPOLLIN | EPOLLET);
	add(ep, queue, QUEUE, EPOLLIN);

	long long start = now_ns();
	struct itimerspec t = {{0, TICK_MS * 1000000L}, {0, TICK_MS * 1000000L}};
	CHECK_OK(timerfd_settime(tfd, 0, &t, NULL));
	pid_t signaller = spawn(signal_child, 0);
	pid_t writer = spawn(pipe_child, 0);
	pid_t sender = spawn(queue_child, 0);
	CHECK_OK(close(data[1]));
	CHECK_OK(close(ack[0]));
	pthread_t thread;
	int perr = pthread_create(&thread, NULL, event_thread, NULL);
	if (perr != 0)
		FAIL_AT("pthread_create: %d (%s)", perr, strerror(perr));

	long dispatches[SOURCES] = {0};
	long long ticks = 0, event_sum = 0, pipe_bytes = 0;
	int signals = 0, messages = 0, pipe_end = 0, timer_off = 0, spurious = 0;
	long long deadline = start + 5000LL * 1000000LL;
	for (;;) {
		int done = timer_off && signals == SIGNALS && event_sum == 15 && pipe_end &&
		           messages == MESSAGES;
		if (done || now_ns() >= deadline)
			break;
		struct epoll_event evs[8];
		int wait_ms = (int)((deadline - now_ns()) / 1000000LL) + 1;
		int n = epoll_wait(ep, evs, 8, wait_ms);
		if (n < 0) {
			if (errno != EINTR)
				FAIL_AT("epoll_wait: errno %d (%s)", errno, strerror(errno));
			continue;
		}
		unsigned seen = 0;
		for (int i = 0; i < n; i++) {
			uint32_t source = evs[i].data.u32;
			if (source >= SOURCES) {
				FAIL_AT("epoll_wait: data %u", source);
				continue;
			}
			if (seen & (1u << source))
				FAIL_AT("%s reported twice by one epoll_wait", source_name[source]);
			seen |= 1u << source;
			dispatches[source]++;
			switch (source) {
			case TIMER: {
				uint64_t c = 0;
				if (read(tfd, &c, sizeof c) != 8 || c == 0) {
					spurious++;
					FAIL_AT("timerfd reported, read: errno %d", errno);
					break;
				}
				ticks += (long long)c;
				if (ticks >= TICKS && !timer_off) {
					struct itimerspec off;
					memset(&off, 0, sizeof off);
					CHECK_OK(timerfd_settime(tfd, 0, &off, NULL));
					timer_off = 1;
				}
				break;
			}
			case SIGNAL: {
				struct signalfd_siginfo si;
				ssize_t r = read(sfd, &si, sizeof si);
				if (r != (ssize_t)sizeof si) {
					spurious++;
					FAIL_AT("signalfd reported, read %zd: errno %d", r, errno);
					break;
				}
				if (si.ssi_signo != SIGUSR1 || si.ssi_pid != (uint32_t)signaller)
					FAIL_AT("signalfd: signal %u from %u; expected %d from %d", si.ssi_signo,
					        si.ssi_pid, SIGUSR1, (int)signaller);
				signals++;
				CHECK_EQ(write(ack[1], "k", 1), 1);
				break;
			}
			case EVENT: {
				uint64_t v = 0;
				if (read(efd, &v, sizeof v) != 8 || v == 0) {
					spurious++;
					FAIL_AT("eventfd reported, read: errno %d", errno);
					break;
				}
				event_sum += (long long)v;
				break;
			}
			case PIPE: {
				/* Edge-triggered: drain it now, the report will not come again. */
				long long got = 0;
				for (;;) {
					char buf[64];
					ssize_t r = read(data[0], buf, sizeof buf);
					if (r > 0) {
						for (ssize_t j = 0; j < r; j++) {
							long long at = pipe_bytes + got + j;
							if (buf[j] != text_byte((int)(at / PIPE_CHUNK),
							                        (size_t)(at % PIPE_CHUNK)))
								FAIL_AT("pipe byte %lld: wrong text", at);
						}
						got += r;
						continue;
					}
					if (r == 0) {
						if (pipe_end)
							FAIL_AT("pipe: its end reported twice");
						pipe_end = 1;
						CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, data[0], NULL));
					} else if (errno != EAGAIN) {
						FAIL_AT("pipe read: errno %d (%s)", errno, strerror(errno));
					}
					break;
				}
				if (got == 0 && !pipe_end) {
					spurious++;
					FAIL_AT("pipe reported with nothing to read and no end");
				}
				pipe_bytes += got;
				break;
			}
			case QUEUE: {
				memset(received, 0, sizeof received);
				ssize_t r = mq_receive(queue, received, sizeof received, &received_prio);
				if (r == -1) {
					spurious++;
					FAIL_AT("queue reported, mq_receive: errno %d (%s)", errno, strerror(errno));
					break;
				}
				if (r != MSG_LEN || received_prio != 1 || !text_is(received, MSG_LEN, 10 + messages))
					FAIL_AT("queue: message %d: %zd bytes at priority %u, or other text", messages, r,
					        received_prio);
				messages++;
				break;
			}
			}
		}
	}
	long took = ms_since(start);
	int perr2 = pthread_join(thread, NULL);
	if (perr2 != 0)
		FAIL_AT("pthread_join: %d", perr2);
	CHECK_CHILD_DONE(signaller);
	CHECK_CHILD_DONE(writer);
	CHECK_CHILD_DONE(sender);

	printf("%s: %ld ms; dispatches: timer %ld (%lld ticks), signal %ld, eventfd %ld (sum %lld), "
	       "pipe %ld (%lld bytes), queue %ld\n",
	       test_name, took, dispatches[TIMER], ticks, dispatches[SIGNAL], dispatches[EVENT],
	       event_sum, dispatches[PIPE], pipe_bytes, dispatches[QUEUE]);
	CHECK(took < 5000);
	CHECK_EQ(spurious, 0);
	/* The timer: ten ticks or a few more (those that came between the last report and the
	 * disarming), never more than the time allows; one report per tick at most. */
	CHECK(timer_off);
	CHECK(ticks >= TICKS && ticks <= took / TICK_MS + 1);
	CHECK(dispatches[TIMER] >= 1 && dispatches[TIMER] <= ticks);
	/* Signals: one at a time, each its own report. */
	CHECK_EQ(signals, SIGNALS);
	CHECK_EQ(dispatches[SIGNAL], SIGNALS);
	/* The eventfd: every write counted once (reports may cover several writes). */
	CHECK_EQ(event_sum, 15);
	CHECK(dispatches[EVENT] >= 1 && dispatches[EVENT] <= EVENT_WRITES);
	/* The pipe: every byte once, its end once; edge-triggered, at most a report per write
	 * and one for the end. */
	CHECK_EQ(pipe_bytes, PIPE_WRITES * PIPE_CHUNK);
	CHECK(pipe_end);
	CHECK(dispatches[PIPE] >= 1 && dispatches[PIPE] <= PIPE_WRITES + 1);
	/* The queue: one message per report. */
	CHECK_EQ(messages, MESSAGES);
	CHECK_EQ(dispatches[QUEUE], MESSAGES);

	/* Afterwards nothing is ready, and the timer stays quiet. */
	struct epoll_event ev;
	CHECK_EQ(epoll_wait(ep, &ev, 1, 50), 0);
	uint64_t c;
	CHECK_ERR(read(tfd, &c, sizeof c), EAGAIN);
	CHECK_ERR(read(efd, &c, sizeof c), EAGAIN);
	CHECK_EQ(curmsgs(queue), 0);

	CHECK_OK(close(ep));
	CHECK_OK(close(tfd));
	CHECK_OK(close(sfd));
	CHECK_OK(close(efd));
	CHECK_OK(close(data[0]));
	CHECK_OK(close(ack[1]));
	CHECK_OK(mq_close(queue));
	return finish();
}
