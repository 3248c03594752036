/* c_mq_send: mq_send and mq_receive without sleeping. The highest priority first, FIFO
 * within a priority, the priority returned (msg_prio may be NULL); priorities up to
 * MQ_PRIO_MAX - 1 (EINVAL above, checked before the descriptor); EMSGSIZE for a message
 * longer than mq_msgsize and for a receive buffer shorter than it (even with nothing
 * queued, without sleeping); messages of every length from 0 to mq_msgsize, their bytes
 * intact; EAGAIN with O_NONBLOCK on a full or empty queue (also from the timed calls);
 * EBADF for closed descriptors, pipes and descriptors open for the other direction;
 * EFAULT for bad buffers, priority and timeout addresses.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not.
 */
#include "c_mq_common.h"

static void priorities(void)
{
	SECTION("the highest priority first, FIFO within a priority, the priority returned");
	mqd_t q = new_sized_queue(1, O_RDWR | O_NONBLOCK, 10, 256);
	static const unsigned prio[] = {1, 5, 0, 5, 3, PRIO_LIMIT - 1, 0, 3, 5, 2};
	for (int i = 0; i < 10; i++)
		CHECK_OK(send_tagged(q, (size_t)(10 + i), i, prio[i]));
	CHECK_EQ(curmsgs(q), 10);
	static const int order[] = {5, 1, 3, 8, 4, 7, 9, 0, 2, 6};
	for (int i = 0; i < 10; i++)
		CHECK_RECV(q, (size_t)(10 + order[i]), order[i], prio[order[i]]);
	CHECK_ERR(mq_receive(q, received, sizeof received, NULL), EAGAIN);

	/* Later sends of a higher priority overtake, of a lower one queue behind. */
	CHECK_OK(send_tagged(q, 1, 20, 7));
	CHECK_OK(send_tagged(q, 1, 21, 7));
	CHECK_RECV(q, 1, 20, 7);
	CHECK_OK(send_tagged(q, 1, 22, 8));
	CHECK_OK(send_tagged(q, 1, 23, 7));
	CHECK_OK(send_tagged(q, 1, 24, 6));
	CHECK_RECV(q, 1, 22, 8);
	CHECK_RECV(q, 1, 21, 7);
	CHECK_RECV(q, 1, 23, 7);
	CHECK_RECV(q, 1, 24, 6);

	/* msg_prio may be NULL. */
	CHECK_OK(send_tagged(q, 6, 25, 99));
	memset(received, 0, sizeof received);
	CHECK_EQ(mq_receive(q, received, sizeof received, NULL), 6);
	CHECK(text_is(received, 6, 25));
	struct timespec past = deadline_in(-1000);
	CHECK_OK(send_tagged(q, 7, 26, 4));
	CHECK_EQ(mq_timedreceive(q, received, sizeof received, NULL, &past), 7);
	CHECK(text_is(received, 7, 26));
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(qname(1)));
}

static void priority_limit(void)
{
	SECTION("priorities below MQ_PRIO_MAX (32768): EINVAL above, before the descriptor is looked at");
#ifdef MQ_PRIO_MAX
	CHECK_EQ(MQ_PRIO_MAX, PRIO_LIMIT);
#endif
#ifdef _SC_MQ_PRIO_MAX
	CHECK_EQ(sysconf(_SC_MQ_PRIO_MAX), PRIO_LIMIT);
#endif
	mqd_t q = new_sized_queue(2, O_RDWR | O_NONBLOCK, 4, 64);
	mqd_t r;
	CHECK_OK(r = mq_open(qname(2), O_RDONLY | O_NONBLOCK));
	struct timespec later = deadline_in(5000);
	static const unsigned bad[] = {PRIO_LIMIT, PRIO_LIMIT + 1, 65536, 0x80000000u, 0xffffffffu};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned p = bad[i];
		CHECK_ERR(send_tagged(q, 1, 30, p), EINVAL);
		CHECK_ERR(timedsend_tagged(q, 1, 30, p, &later), EINVAL);
		CHECK_ERR(send_tagged((mqd_t)-1, 1, 30, p), EINVAL);
		CHECK_ERR(send_tagged(r, 1, 30, p), EINVAL);
		CHECK_ERR(send_tagged(q, DEFAULT_MSGSIZE + 1, 30, p), EINVAL);
	}
	CHECK_EQ(curmsgs(q), 0);
	CHECK_OK(send_tagged(q, 2, 31, PRIO_LIMIT - 1));
	CHECK_OK(send_tagged(q, 2, 32, 0));
	CHECK_RECV(q, 2, 31, PRIO_LIMIT - 1);
	CHECK_RECV(q, 2, 32, 0);
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_close(r));
	CHECK_OK(mq_unlink(qname(2)));
}

static void sizes(void)
{
	SECTION("EMSGSIZE: a message longer than mq_msgsize, a buffer shorter than it; lengths 0 to mq_msgsize");
	mqd_t q = new_sized_queue(3, O_RDWR | O_NONBLOCK, 10, 100);
	CHECK_ERR(send_tagged(q, 101, 40, 0), EMSGSIZE);
	CHECK_ERR(send_tagged(q, DEFAULT_MSGSIZE, 40, 0), EMSGSIZE);
	CHECK_EQ(curmsgs(q), 0);
	/* A short buffer is EMSGSIZE with nothing queued (not EAGAIN), and on a blocking
	 * descriptor it does not sleep. */
	CHECK_ERR(mq_receive(q, received, 99, NULL), EMSGSIZE);
	CHECK_ERR(mq_receive(q, received, 0, NULL), EMSGSIZE);
	CHECK_OK(set_flags(q, 0));
	CHECK_ERR(mq_receive(q, received, 99, NULL), EMSGSIZE);
	struct timespec later = deadline_in(5000);
	CHECK_ERR(mq_timedreceive(q, received, 99, NULL, &later), EMSGSIZE);
	CHECK_OK(set_flags(q, O_NONBLOCK));

	/* Every length from 0 to mq_msgsize, the bytes intact. */
	static const size_t lens[] = {0, 1, 2, 7, 8, 15, 16, 63, 64, 99, 100};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0] && i < 10; i++)
		CHECK_OK(send_tagged(q, lens[i], 41 + (int)i, 1));
	CHECK_EQ(curmsgs(q), 10);
	/* A message, however short, stays when the buffer is short: EMSGSIZE. */
	CHECK_ERR(mq_receive(q, received, 99, NULL), EMSGSIZE);
	CHECK_ERR(mq_receive(q, received, 1, NULL), EMSGSIZE);
	CHECK_EQ(curmsgs(q), 10);
	for (size_t i = 0; i < 10; i++)
		CHECK_RECV_SZ(q, 100, lens[i], 41 + (int)i, 1); /* exactly mq_msgsize */
	CHECK_OK(send_tagged(q, 100, 60, 2));
	CHECK_RECV_SZ(q, 101, 100, 60, 2);
	CHECK_OK(send_tagged(q, 0, 61, 3));
	CHECK_RECV(q, 0, 61, 3); /* a longer buffer is fine */
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(qname(3)));

	/* The default size, 8192 bytes, whole. */
	q = new_queue(4, O_RDWR | O_NONBLOCK, 0600, NULL);
	CHECK_OK(send_tagged(q, DEFAULT_MSGSIZE, 62, 1));
	CHECK_OK(send_tagged(q, DEFAULT_MSGSIZE - 1, 63, 1));
	CHECK_ERR(send_tagged(q, DEFAULT_MSGSIZE + 1, 64, 1), EMSGSIZE);
	CHECK_ERR(mq_receive(q, received, DEFAULT_MSGSIZE - 1, NULL), EMSGSIZE);
	CHECK_RECV_SZ(q, DEFAULT_MSGSIZE, DEFAULT_MSGSIZE, 62, 1);
	CHECK_RECV(q, DEFAULT_MSGSIZE - 1, 63, 1);
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(qname(4)));
}

static void nonblocking(void)
{
	SECTION("O_NONBLOCK: EAGAIN on a full queue and an empty one, from the timed calls too");
	mqd_t q = new_sized_queue(5, O_RDWR | O_NONBLOCK, 3, 16);
	struct timespec later = deadline_in(5000), past = deadline_in(-1000);
	CHECK_ERR(mq_receive(q, received, sizeof received, NULL), EAGAIN);
	CHECK_ERR(mq_timedreceive(q, received, sizeof received, NULL, &later), EAGAIN);
	CHECK_ERR(mq_timedreceive(q, received, sizeof received, NULL, &past), EAGAIN);
	for (int i = 0; i < 3; i++)
		CHECK_OK(send_tagged(q, 16, 70 + i, 0));
	CHECK_ERR(send_tagged(q, 16, 73, 0), EAGAIN);
	CHECK_ERR(send_tagged(q, 0, 73, 100), EAGAIN); /* whatever its priority or length */
	CHECK_ERR(timedsend_tagged(q, 16, 73, 0, &later), EAGAIN);
	CHECK_ERR(timedsend_tagged(q, 16, 73, 0, &past), EAGAIN);
	CHECK_EQ(curmsgs(q), 3);
	CHECK_RECV(q, 16, 70, 0);
	CHECK_OK(send_tagged(q, 5, 74, 0));
	CHECK_ERR(send_tagged(q, 5, 75, 0), EAGAIN);
	CHECK_RECV(q, 16, 71, 0);
	CHECK_RECV(q, 16, 72, 0);
	CHECK_RECV(q, 5, 74, 0);
	CHECK_ERR(mq_receive(q, received, sizeof received, NULL), EAGAIN);
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(qname(5)));
}

static void bad_descriptors(void)
{
	SECTION("EBADF: closed descriptors, descriptors that are not queues, -1");
	mqd_t q = new_queue(6, O_RDWR, 0600, NULL);
	mqd_t closed;
	CHECK_OK(closed = mq_open(qname(6), O_RDWR));
	CHECK_OK(mq_close(closed));
	int p[2];
	CHECK_OK(pipe(p));
	const int fds[] = {-1, (int)closed, p[0], p[1], 1000};
	struct timespec later = deadline_in(5000);
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		mqd_t fd = (mqd_t)fds[i];
		CHECK_ERR(send_tagged(fd, 1, 80, 0), EBADF);
		CHECK_ERR(timedsend_tagged(fd, 1, 80, 0, &later), EBADF);
		CHECK_ERR(send_tagged(fd, DEFAULT_MSGSIZE + 10, 80, 0), EBADF); /* before EMSGSIZE */
		CHECK_ERR(mq_receive(fd, received, sizeof received, NULL), EBADF);
		CHECK_ERR(mq_timedreceive(fd, received, sizeof received, NULL, &later), EBADF);
		CHECK_ERR(mq_receive(fd, received, 1, NULL), EBADF); /* before EMSGSIZE */
	}
	/* The pipe is untouched. */
	CHECK_OK(write(p[1], "x", 1));
	char c = 0;
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'x');
	close(p[0]);
	close(p[1]);
	CHECK_EQ(curmsgs(q), 0);
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(qname(6)));
}

static void bad_addresses(void)
{
	SECTION("EFAULT: the message, the buffer, the priority and the timeout addresses");
	mqd_t q = new_sized_queue(7, O_RDWR | O_NONBLOCK, 4, 64);
	struct timespec later = deadline_in(5000);
	/* Sending from an unmapped address: nothing is queued. */
	CHECK_ERR_IN_CHILD(mq_send(q, (const char *)bad_ptr, 8, 1), EFAULT);
	CHECK_ERR_IN_CHILD(mq_timedsend(q, (const char *)bad_ptr, 8, 1, &later), EFAULT);
	CHECK_EQ(curmsgs(q), 0);
	/* A bad timeout address is read first of all: before the priority and the descriptor. */
	CHECK_ERR_IN_CHILD(mq_timedsend(q, "abc", 3, 1, (const struct timespec *)bad_ptr), EFAULT);
	CHECK_ERR_IN_CHILD(mq_timedsend(q, "abc", 3, PRIO_LIMIT, (const struct timespec *)bad_ptr), EFAULT);
	CHECK_ERR_IN_CHILD(mq_timedsend((mqd_t)-1, "abc", 3, 1, (const struct timespec *)bad_ptr), EFAULT);
	CHECK_ERR_IN_CHILD(mq_timedreceive((mqd_t)-1, received, 64, NULL, (const struct timespec *)bad_ptr),
	                   EFAULT);
	CHECK_ERR_IN_CHILD(mq_timedreceive(q, received, 1, NULL, (const struct timespec *)bad_ptr), EFAULT);
	CHECK_EQ(curmsgs(q), 0);
	/* Receiving into an unmapped buffer, or with an unmapped priority address, when there is
	 * a message (whether the message stays is not checked: Linux has taken it by then). */
	CHECK_OK(send_tagged(q, 8, 90, 1));
	CHECK_ERR_IN_CHILD(mq_receive(q, (char *)bad_ptr, 64, NULL), EFAULT);
	CHECK_OK(set_flags(q, O_NONBLOCK));
	while (mq_receive(q, received, sizeof received, NULL) >= 0) {
	}
	CHECK_OK(send_tagged(q, 8, 91, 1));
	CHECK_ERR_IN_CHILD(mq_receive(q, received, 64, (unsigned *)bad_ptr), EFAULT);
	while (mq_receive(q, received, sizeof received, NULL) >= 0) {
	}
	/* With nothing queued the buffer is not touched: EAGAIN; a short one: EMSGSIZE. */
	CHECK_ERR_IN_CHILD(mq_receive(q, (char *)bad_ptr, 64, NULL), EAGAIN);
	CHECK_ERR_IN_CHILD(mq_receive(q, (char *)bad_ptr, 63, NULL), EMSGSIZE);
	/* The queue works on. */
	CHECK_OK(send_tagged(q, 8, 92, 2));
	CHECK_RECV(q, 8, 92, 2);
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(qname(7)));
}

int main(void)
{
	mq_test_start("c_mq_send");
	priorities();
	priority_limit();
	sizes();
	nonblocking();
	bad_descriptors();
	bad_addresses();
	return finish();
}
