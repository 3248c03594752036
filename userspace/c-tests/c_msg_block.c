/* c_msg_block: the sleeping paths of msgsnd and msgrcv across processes. A new message goes
 * straight to the first sleeping receiver whose type matches, never through the queue; one
 * whose buffer is too small (without MSG_NOERROR) gets E2BIG and the message goes on to the
 * next; sleeping senders go in when there is room (one that fits ahead of an earlier one that
 * does not), also when IPC_SET raises qbytes; IPC_RMID gives every sleeper EIDRM; a handled
 * signal gives EINTR, with SA_RESTART too, and an ignored one nothing; IPC_SET that takes
 * read permission away gives a sleeping receiver EACCES; a sleeper killed with SIGKILL leaves
 * no trace; lspid and lrpid name the processes.
 *
 * Where it can (Linux's /proc/PID/syscall) the test waits until a child sleeps in msgsnd or
 * msgrcv; elsewhere it gives the child ASLEEP_MS (c_msg_common.h). A child that should have
 * been woken but was not is killed after 10 s and reported, so one missing wake-up does not
 * hang the whole test.
 *
 * Runs as root (one child drops to uid/gid 1000). Exits 0 only if every check passed;
 * prints `FAIL file:line ...` for each one that did not.
 */
#include "c_msg_common.h"

/* The queue the children work on (fork copies it). */
static int g_id;

/* What a receiving child asks for and what it must get: a message, or the error ERR. */
struct waiter {
	long msgtyp;
	int flg;
	size_t bufsz;
	long type;
	size_t len;
	int tag;
	int err;
};
static struct waiter waiters[16];

static int waiter_child(int i)
{
	const struct waiter *w = &waiters[i];
	if (w->err)
		CHECK_ERR(msgrcv(g_id, &received, w->bufsz, w->msgtyp, w->flg), w->err);
	else
		CHECK_RECV_SZ(g_id, w->bufsz, w->msgtyp, w->flg, w->type, w->len, w->tag);
	return 0;
}

/* Starts receiver I (as given) and waits until it sleeps. */
static pid_t start_waiter(int i, struct waiter w)
{
	waiters[i] = w;
	pid_t pid = spawn(waiter_child, i);
	WAIT_ASLEEP(pid);
	return pid;
}

/* A receiver of anything that must get message TAG of type TYPE with LEN bytes. */
static struct waiter expect(long msgtyp, int flg, long type, size_t len, int tag)
{
	return (struct waiter){msgtyp, flg, MSGMAX_MAX, type, len, tag, 0};
}

/* A receiver that must get the error ERR. */
static struct waiter expect_err(long msgtyp, int flg, size_t bufsz, int err)
{
	return (struct waiter){msgtyp, flg, bufsz, 0, 0, 0, err};
}

/* What a sending child sends, and the error it must get (0: success). */
struct sender {
	long type;
	size_t len;
	int tag;
	int err;
};
static struct sender senders[16];

static int sender_child(int i)
{
	const struct sender *s = &senders[i];
	if (s->err)
		CHECK_ERR(send_tagged(g_id, s->type, s->len, s->tag, 0), s->err);
	else
		CHECK_OK(send_tagged(g_id, s->type, s->len, s->tag, 0));
	return 0;
}

/* Starts sender I (as given) and waits until it sleeps. */
static pid_t start_sender(int i, struct sender s)
{
	senders[i] = s;
	pid_t pid = spawn(sender_child, i);
	WAIT_ASLEEP(pid);
	return pid;
}

static void direct_handoff(void)
{
	SECTION("a sleeping receiver gets a new message directly: it is never queued");
	g_id = new_queue(0600);
	pid_t me = getpid();
	pid_t r = start_waiter(0, expect(0, 0, 1, 8, 1));
	CHECK_EQ(qnum(g_id), 0);
	time_t t0 = time(NULL);
	CHECK_OK(send_tagged(g_id, 1, 8, 1, 0));
	/* Handed over before msgsnd returned: not on the queue, so not for anyone else. */
	CHECK_EQ(qnum(g_id), 0);
	CHECK_EQ(cbytes(g_id), 0);
	CHECK_ERR(msgrcv(g_id, &received, MSGMAX_MAX, 0, IPC_NOWAIT), ENOMSG);
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	time_t t1 = time(NULL);
	CHECK_EQ(ds.msg_lspid, me);
	CHECK_EQ(ds.msg_lrpid, r);
	CHECK(ds.msg_stime >= t0 && ds.msg_stime <= t1);
	CHECK(ds.msg_rtime >= t0 && ds.msg_rtime <= t1);
	CHECK_CHILD_DONE(r);

	/* A message of another type is queued, and the receiver sleeps on. */
	r = start_waiter(0, expect(4, 0, 4, 3, 2));
	CHECK_OK(send_tagged(g_id, 3, 5, 3, 0));
	CHECK_EQ(qnum(g_id), 1);
	CHECK_ASLEEP(r);
	CHECK_OK(send_tagged(g_id, 4, 3, 2, 0));
	CHECK_CHILD_DONE(r);
	CHECK_EQ(qnum(g_id), 1);
	CHECK_EQ(lrpid(g_id), r);
	CHECK_RECV(g_id, 0, IPC_NOWAIT, 3, 5, 3);
	CHECK_EQ(lrpid(g_id), me);

	/* A message already queued is taken without sleeping, by a child: lrpid is the child. */
	CHECK_OK(send_tagged(g_id, 6, 2, 4, 0));
	waiters[1] = expect(6, IPC_NOWAIT, 6, 2, 4);
	pid_t child = spawn(waiter_child, 1);
	CHECK_CHILD_DONE(child);
	CHECK_EQ(lrpid(g_id), child);
	senders[0] = (struct sender){2, 1, 5, 0};
	child = spawn(sender_child, 0);
	CHECK_CHILD_DONE(child);
	CHECK_EQ(lspid(g_id), child);
	CHECK_RECV(g_id, 2, IPC_NOWAIT, 2, 1, 5);
}

static void first_matching_receiver(void)
{
	SECTION("a new message goes to the first sleeping receiver whose type matches");
	g_id = new_queue(0600);
	pid_t a = start_waiter(0, expect(1, 0, 1, 4, 54));           /* type 1 */
	pid_t b = start_waiter(1, expect(2, 0, 2, 5, 50));           /* type 2 */
	pid_t c = start_waiter(2, expect(2, 0, 2, 6, 51));           /* type 2, after b */
	pid_t d = start_waiter(3, expect(-3, 0, 3, 7, 52));          /* type <= 3 */
	pid_t e = start_waiter(4, expect(2, MSG_EXCEPT, 7, 8, 55)); /* any type but 2 */

	CHECK_OK(send_tagged(g_id, 2, 5, 50, 0)); /* a does not match; b does */
	CHECK_EQ(lrpid(g_id), b);
	CHECK_CHILD_DONE(b);
	CHECK_ASLEEP(c);
	CHECK_OK(send_tagged(g_id, 2, 6, 51, 0)); /* now c */
	CHECK_EQ(lrpid(g_id), c);
	CHECK_CHILD_DONE(c);
	CHECK_OK(send_tagged(g_id, 3, 7, 52, 0)); /* not a (1); d (<= 3), ahead of e */
	CHECK_EQ(lrpid(g_id), d);
	CHECK_CHILD_DONE(d);
	CHECK_OK(send_tagged(g_id, 2, 9, 53, 0)); /* a (1) and e (not 2) do not match: queued */
	CHECK_EQ(qnum(g_id), 1);
	CHECK_ASLEEP(a);
	CHECK_ASLEEP(e);
	CHECK_OK(send_tagged(g_id, 1, 4, 54, 0)); /* a, the first, though e matches too */
	CHECK_EQ(lrpid(g_id), a);
	CHECK_CHILD_DONE(a);
	CHECK_ASLEEP(e);
	CHECK_OK(send_tagged(g_id, 7, 8, 55, 0));
	CHECK_EQ(lrpid(g_id), e);
	CHECK_CHILD_DONE(e);
	CHECK_EQ(qnum(g_id), 1);
	CHECK_RECV(g_id, 0, IPC_NOWAIT, 2, 9, 53);
}

static void too_small_passes_on(void)
{
	SECTION("a sleeping receiver with too small a buffer gets E2BIG; the message goes on");
	g_id = new_queue(0600);
	pid_t a = start_waiter(0, expect_err(0, 0, 4, E2BIG));
	pid_t b = start_waiter(1, (struct waiter){0, MSG_NOERROR, 4, 1, 4, 60, 0}); /* truncated */
	pid_t c = start_waiter(2, expect(0, 0, 1, 10, 61));
	CHECK_OK(send_tagged(g_id, 1, 10, 60, 0));
	CHECK_CHILD_DONE(a);
	CHECK_CHILD_DONE(b);
	CHECK_EQ(lrpid(g_id), b);
	CHECK_EQ(qnum(g_id), 0);
	CHECK_ASLEEP(c);
	CHECK_OK(send_tagged(g_id, 1, 10, 61, 0));
	CHECK_CHILD_DONE(c);
	CHECK_EQ(lrpid(g_id), c);

	/* With no one after it, the message is queued. */
	pid_t d = start_waiter(3, expect_err(0, 0, 4, E2BIG));
	CHECK_OK(send_tagged(g_id, 1, 10, 62, 0));
	CHECK_CHILD_DONE(d);
	CHECK_EQ(qnum(g_id), 1);
	CHECK_EQ(lrpid(g_id), c);
	CHECK_RECV(g_id, 0, IPC_NOWAIT, 1, 10, 62);
	/* Exactly the room there is: no E2BIG. */
	pid_t e = start_waiter(4, (struct waiter){0, 0, 10, 1, 10, 63, 0});
	CHECK_OK(send_tagged(g_id, 1, 10, 63, 0));
	CHECK_CHILD_DONE(e);
	CHECK_EQ(qnum(g_id), 0);
}

static void sleeping_senders(void)
{
	SECTION("sleeping senders go in when there is room; one that fits goes ahead of one that does not");
	g_id = new_queue(0600);
	CHECK_OK(set_qbytes(g_id, 100));
	CHECK_OK(send_tagged(g_id, 1, 50, 70, 0));
	CHECK_OK(send_tagged(g_id, 1, 50, 71, 0));
	pid_t s1 = start_sender(0, (struct sender){1, 60, 72, 0});
	pid_t s2 = start_sender(1, (struct sender){1, 40, 73, 0});
	CHECK_EQ(qnum(g_id), 2);
	CHECK_RECV(g_id, 0, 0, 1, 50, 70); /* 50 bytes free: s2's 40 fit, s1's 60 do not */
	CHECK_CHILD_DONE(s2);
	CHECK_EQ(lspid(g_id), s2);
	CHECK_ASLEEP(s1);
	CHECK_EQ(qnum(g_id), 2);
	CHECK_EQ(cbytes(g_id), 90);
	CHECK_RECV(g_id, 0, 0, 1, 50, 71); /* 60 free now */
	CHECK_CHILD_DONE(s1);
	CHECK_EQ(lspid(g_id), s1);
	CHECK_RECV(g_id, 0, IPC_NOWAIT, 1, 40, 73);
	CHECK_RECV(g_id, 0, IPC_NOWAIT, 1, 60, 72);

	/* By count: qbytes 2 holds two zero-length messages. */
	CHECK_OK(set_qbytes(g_id, 2));
	CHECK_OK(send_tagged(g_id, 1, 0, 74, 0));
	CHECK_OK(send_tagged(g_id, 1, 0, 75, 0));
	pid_t s3 = start_sender(2, (struct sender){2, 0, 76, 0});
	CHECK_RECV(g_id, 1, 0, 1, 0, 74);
	CHECK_CHILD_DONE(s3);
	CHECK_EQ(qnum(g_id), 2);
	CHECK_RECV(g_id, 0, 0, 1, 0, 75);
	CHECK_RECV(g_id, 0, 0, 2, 0, 76);

	/* Room for all of them at once: every sleeper goes in (in an order not checked here:
	 * Linux wakes them all and they race for the queue). */
	CHECK_OK(set_qbytes(g_id, 100));
	CHECK_OK(send_tagged(g_id, 9, 100, 77, 0));
	pid_t s[3];
	for (int i = 0; i < 3; i++)
		s[i] = start_sender(3 + i, (struct sender){3, 30, 78 + i, 0});
	CHECK_RECV(g_id, 9, 0, 9, 100, 77);
	for (int i = 0; i < 3; i++)
		CHECK_CHILD_DONE(s[i]);
	CHECK_EQ(qnum(g_id), 3);
	CHECK_EQ(cbytes(g_id), 90);
	int seen = 0;
	for (int i = 0; i < 3; i++) {
		CHECK_OK(msgrcv(g_id, &received, MSGMAX_MAX, 3, IPC_NOWAIT));
		for (int tag = 78; tag < 81; tag++) {
			if (ret == 30 && text_is(received.mtext, 30, tag))
				seen |= 1 << (tag - 78);
		}
	}
	CHECK_EQ(seen, 7);

	/* IPC_SET raising qbytes lets a sleeping sender in. */
	CHECK_OK(set_qbytes(g_id, 10));
	CHECK_OK(send_tagged(g_id, 1, 10, 81, 0));
	pid_t s4 = start_sender(6, (struct sender){1, 20, 82, 0});
	CHECK_OK(set_qbytes(g_id, 30));
	CHECK_CHILD_DONE(s4);
	CHECK_EQ(qnum(g_id), 2);
	CHECK_EQ(cbytes(g_id), 30);
}

static void removal(void)
{
	SECTION("IPC_RMID wakes every sleeper, receivers and senders, with EIDRM");
	g_id = new_queue(0600);
	CHECK_OK(set_qbytes(g_id, 10));
	CHECK_OK(send_tagged(g_id, 1, 10, 90, 0)); /* full, and nothing of types 2 and 3 */
	pid_t r1 = start_waiter(0, expect_err(2, 0, MSGMAX_MAX, EIDRM));
	pid_t s1 = start_sender(0, (struct sender){1, 5, 91, EIDRM});
	pid_t r2 = start_waiter(1, expect_err(3, MSG_NOERROR, 1, EIDRM));
	pid_t s2 = start_sender(1, (struct sender){4, 1, 92, EIDRM});
	pid_t r3 = start_waiter(2, expect_err(1, MSG_EXCEPT, MSGMAX_MAX, EIDRM));
	CHECK_OK(msgctl(g_id, IPC_RMID, NULL));
	CHECK_CHILD_DONE(r1);
	CHECK_CHILD_DONE(s1);
	CHECK_CHILD_DONE(r2);
	CHECK_CHILD_DONE(s2);
	CHECK_CHILD_DONE(r3);
	struct msqid_ds ds;
	CHECK_ERR(qstat(g_id, &ds), EINVAL); /* the id is stale now: EINVAL, not EIDRM */
	CHECK_ERR(send_tagged(g_id, 1, 1, 93, IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(g_id, &received, MSGMAX_MAX, 0, 0), EINVAL);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int signo)
{
	(void)signo;
	got_signal = 1;
}

/* KIND: bit 0 = SA_RESTART, bit 1 = a sender (else a receiver). */
static int interrupted_child(int kind)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = (kind & 1) ? SA_RESTART : 0; /* never restarted: EINTR either way */
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	if (kind & 2)
		CHECK_ERR(send_tagged(g_id, 1, 5, 100 + kind, 0), EINTR);
	else
		CHECK_ERR(msgrcv(g_id, &received, MSGMAX_MAX, 0, 0), EINTR);
	CHECK(got_signal);
	return 0;
}

static int ignoring_child(int signo)
{
	if (signo == SIGUSR2)
		signal(SIGUSR2, SIG_IGN); /* SIGCHLD is ignored by default */
	CHECK_RECV(g_id, 0, 0, 2, 3, 110 + signo);
	return 0;
}

static void signals(void)
{
	SECTION("a handled signal ends the sleep with EINTR, with SA_RESTART too; an ignored one does not");
	int empty = new_queue(0600);
	int full = new_queue(0600);
	CHECK_OK(set_qbytes(full, 10));
	CHECK_OK(send_tagged(full, 1, 10, 99, 0));
	for (int kind = 0; kind < 4; kind++) {
		g_id = (kind & 2) ? full : empty;
		pid_t child = spawn(interrupted_child, kind);
		WAIT_ASLEEP(child);
		CHECK_OK(kill(child, SIGUSR1));
		CHECK_CHILD_DONE(child);
	}
	CHECK_EQ(qnum(empty), 0);
	CHECK_EQ(lrpid(empty), 0);
	CHECK_EQ(qnum(full), 1); /* the interrupted senders' messages never went in */
	CHECK_EQ(cbytes(full), 10);
	CHECK_EQ(lspid(full), getpid());

	g_id = empty;
	int ignored[2] = {SIGUSR2, SIGCHLD};
	for (int i = 0; i < 2; i++) {
		pid_t child = spawn(ignoring_child, ignored[i]);
		WAIT_ASLEEP(child);
		CHECK_OK(kill(child, ignored[i]));
		CHECK_ASLEEP(child);
		CHECK_OK(send_tagged(empty, 2, 3, 110 + ignored[i], 0));
		CHECK_CHILD_DONE(child);
		CHECK_EQ(lrpid(empty), child);
	}
}

static int unprivileged_waiter_child(int i)
{
	drop_privileges();
	return waiter_child(i);
}

static void access_revoked(void)
{
	SECTION("IPC_SET: a sleeping receiver that lost read permission gets EACCES; others sleep on");
	g_id = new_queue(0666);
	pid_t root_waiter = start_waiter(0, expect(0, 0, 1, 2, 120));
	waiters[1] = expect_err(0, 0, MSGMAX_MAX, EACCES);
	pid_t denied = spawn(unprivileged_waiter_child, 1);
	WAIT_ASLEEP(denied);
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	ds.msg_perm.mode = 0644; /* others keep read permission */
	CHECK_OK(msgctl(g_id, IPC_SET, &ds));
	CHECK_ASLEEP(denied);
	ds.msg_perm.mode = 0600;
	CHECK_OK(msgctl(g_id, IPC_SET, &ds));
	CHECK_CHILD_DONE(denied);
	CHECK_ASLEEP(root_waiter);
	CHECK_OK(send_tagged(g_id, 1, 2, 120, 0));
	CHECK_CHILD_DONE(root_waiter);
	CHECK_EQ(qnum(g_id), 0);
}

static int killed_child(int unused)
{
	(void)unused;
	msgrcv(g_id, &received, MSGMAX_MAX, 0, 0);
	FAIL_AT("the receiver that was to be killed returned");
	return 1;
}

static void check_killed(pid_t pid)
{
	int status = reap(pid);
	if (status == -1 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		FAIL_AT("child %d: wait status 0x%x, expected death by SIGKILL", (int)pid, status);
}

static void killed_sleepers(void)
{
	SECTION("a sleeper killed with SIGKILL leaves the queue: no message goes to it, none comes from it");
	g_id = new_queue(0600);
	pid_t r = spawn(killed_child, 0);
	WAIT_ASLEEP(r);
	CHECK_OK(kill(r, SIGKILL));
	check_killed(r);
	CHECK_OK(send_tagged(g_id, 1, 4, 130, 0));
	CHECK_EQ(qnum(g_id), 1); /* queued, not handed to the dead receiver */
	CHECK_EQ(lrpid(g_id), 0);
	CHECK_RECV(g_id, 0, IPC_NOWAIT, 1, 4, 130);

	CHECK_OK(set_qbytes(g_id, 10));
	CHECK_OK(send_tagged(g_id, 1, 10, 131, 0));
	pid_t s = start_sender(0, (struct sender){1, 5, 132, 0});
	CHECK_OK(kill(s, SIGKILL));
	check_killed(s);
	CHECK_RECV(g_id, 0, IPC_NOWAIT, 1, 10, 131);
	sleep_ms(20);
	CHECK_EQ(qnum(g_id), 0); /* the dead sender's message never went in */
	CHECK_EQ(lspid(g_id), getpid());
	/* The queue works on: a new sleeper is served. */
	pid_t r2 = start_waiter(0, expect(0, 0, 1, 3, 133));
	CHECK_OK(send_tagged(g_id, 1, 3, 133, 0));
	CHECK_CHILD_DONE(r2);
}

int main(void)
{
	test_name = "c_msg_block";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): a child drops privileges", (int)getuid());
	direct_handoff();
	first_matching_receiver();
	too_small_passes_on();
	sleeping_senders();
	removal();
	signals();
	access_revoked();
	killed_sleepers();
	return finish();
}
