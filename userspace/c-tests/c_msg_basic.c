/* c_msg_basic: msgget's rules (ENOSPC once MSGMNI queues exist included), sending and
 * receiving (FIFO order, sizes from 0 to MSGMAX, msgtyp 0, > 0, < 0 and MSG_EXCEPT), E2BIG
 * and MSG_NOERROR, a full queue by bytes and by count, the EINVAL and EFAULT cases in
 * Linux's order, and the access checks of msgget, msgsnd and msgrcv for a process without
 * privileges.
 *
 * Runs as root (it forks children that drop to uid/gid 1000). Exits 0 only if every check
 * passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_msg_common.h"

#include <sys/mman.h>

static void msgget_rules(void)
{
	SECTION("msgget: IPC_PRIVATE, IPC_CREAT, IPC_EXCL, ENOENT, the mode, a removed key");
	int a = new_queue(0600), b = new_queue(0600);
	CHECK(a >= 0 && b >= 0 && a != b); /* IPC_PRIVATE always creates */
	CHECK(track(msgget(IPC_PRIVATE, 0600)) >= 0); /* even without IPC_CREAT */
	CHECK(track(msgget(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0600)) >= 0);

	key_t key = test_key(1);
	CHECK_ERR(msgget(key, 0600), ENOENT); /* no queue, no IPC_CREAT */
	CHECK_ERR(msgget(key, 0), ENOENT);
	CHECK_ERR(msgget(key, IPC_EXCL | 0600), ENOENT); /* IPC_EXCL alone does not create */
	CHECK_OK(msgget(key, IPC_CREAT | 0640));
	int id = track((int)ret);
	CHECK_OK(msgget(key, IPC_CREAT | 0640));
	CHECK_EQ(ret, id); /* IPC_CREAT alone finds it */
	CHECK_OK(msgget(key, IPC_CREAT | 0606));
	CHECK_EQ(ret, id);
	CHECK_OK(msgget(key, 0));
	CHECK_EQ(ret, id);
	CHECK_ERR(msgget(key, IPC_CREAT | IPC_EXCL | 0640), EEXIST);
	CHECK_ERR(msgget(key, IPC_CREAT | IPC_EXCL), EEXIST);
	struct msqid_ds ds;
	CHECK_OK(qstat(id, &ds));
	CHECK_EQ(ds.msg_perm.__key, key);
	CHECK_EQ(ds.msg_perm.mode, 0640); /* from the call that created it */

	/* The mode is msgflg & 0777: 07777 also holds IPC_CREAT, IPC_EXCL and IPC_NOWAIT. */
	int odd = track(msgget(IPC_PRIVATE, 07777));
	CHECK(odd >= 0);
	CHECK_OK(qstat(odd, &ds));
	CHECK_EQ(ds.msg_perm.mode, 0777);
	int none = track(msgget(IPC_PRIVATE, 0));
	CHECK_OK(qstat(none, &ds));
	CHECK_EQ(ds.msg_perm.mode, 0);
	CHECK_EQ(ds.msg_perm.__key, IPC_PRIVATE);

	/* A removed queue's key is free again, and its id is stale (EINVAL, not EIDRM). */
	CHECK_OK(send_tagged(id, 1, 3, 1, IPC_NOWAIT));
	CHECK_OK(msgctl(id, IPC_RMID, NULL));
	CHECK_ERR(msgget(key, 0), ENOENT);
	CHECK_ERR(send_tagged(id, 1, 3, 1, IPC_NOWAIT), EINVAL);
	CHECK_ERR(send_tagged(id, 1, 3, 1, 0), EINVAL);
	CHECK_ERR(msgrcv(id, &received, 10, 0, IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(id, &received, 10, 0, 0), EINVAL);
	CHECK_ERR(qstat(id, &ds), EINVAL);
	CHECK_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0600));
	int again = track((int)ret);
	CHECK(again != id);
	CHECK_EQ(qnum(again), 0); /* a new queue: the old message went with the old one */
	CHECK_ERR(send_tagged(id, 1, 3, 1, IPC_NOWAIT), EINVAL);
	/* The right index with another sequence number is stale too. */
	CHECK_ERR(send_tagged(again ^ IPCMNI, 1, 3, 1, IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(again ^ IPCMNI, &received, 10, 0, IPC_NOWAIT), EINVAL);
	/* Negative ids. */
	CHECK_ERR(send_tagged(-1, 1, 3, 1, IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(-1, &received, 10, 0, IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(INT_MIN, &received, 10, 0, IPC_NOWAIT), EINVAL);
	CHECK_ERR(qstat(-1, &ds), EINVAL);
}

static void out_of_queues(void)
{
	SECTION("msgget: ENOSPC once MSGMNI queues exist");
	static int ids[40000];
	struct msginfo info;
	CHECK_OK(msgctl(0, MSG_INFO, (struct msqid_ds *)&info));
	int in_use = info.msgpool, msgmni = info.msgmni;
	CHECK_EQ(msgmni, msgmni_limit());
	int n = 0, err = 0;
	while (n < (int)(sizeof ids / sizeof ids[0])) {
		int id = msgget(IPC_PRIVATE, 0600);
		if (id < 0) {
			err = errno;
			break;
		}
		ids[n++] = id;
	}
	CHECK_EQ(err, ENOSPC);
	CHECK_EQ(n, msgmni - in_use);
	CHECK_OK(msgctl(0, MSG_INFO, (struct msqid_ds *)&info));
	CHECK_EQ(info.msgpool, msgmni);
	CHECK_ERR(msgget(test_key(4), IPC_CREAT | 0600), ENOSPC);
	CHECK_ERR(msgget(test_key(4), 0600), ENOENT); /* a lookup is still a lookup */
	for (int i = 0; i < n; i++) {
		if (msgctl(ids[i], IPC_RMID, NULL) != 0)
			FAIL_AT("IPC_RMID of queue %d: errno %d", ids[i], errno);
	}
	CHECK_OK(msgctl(0, MSG_INFO, (struct msqid_ds *)&info));
	CHECK_EQ(info.msgpool, in_use);
	CHECK(track(msgget(IPC_PRIVATE, 0600)) >= 0);
}

static void send_and_receive(void)
{
	SECTION("msgsnd and msgrcv: FIFO order, sizes from 0 to MSGMAX, any positive type");
	int id = new_queue(0600);
	CHECK_OK(send_tagged(id, 7, 5, 1, 0));
	CHECK_EQ(ret, 0);
	CHECK_OK(send_tagged(id, 7, MSGMAX_MAX, 2, 0)); /* the largest message */
	CHECK_OK(send_tagged(id, 3, 0, 3, 0));          /* and the smallest */
	CHECK_EQ(qnum(id), 3);
	CHECK_EQ(cbytes(id), 5 + MSGMAX_MAX);
	CHECK_RECV(id, 0, 0, 7, 5, 1);
	CHECK_EQ(received.mtext[5], 0x5a); /* nothing past the message was written */
	CHECK_RECV(id, 0, IPC_NOWAIT, 7, MSGMAX_MAX, 2);
	CHECK_RECV_SZ(id, 0, 0, 0, 3, 0, 3); /* a zero-length message into a zero-length buffer */
	CHECK_EQ(received.mtext[0], 0x5a);
	CHECK_EQ(qnum(id), 0);
	CHECK_EQ(cbytes(id), 0);

	/* msgrcv's msgsz is only the room there is: above MSGMAX is fine. */
	static struct {
		long mtype;
		char mtext[65536];
	} roomy;
	CHECK_OK(send_tagged(id, 2, 100, 4, 0));
	CHECK_OK(msgrcv(id, &roomy, sizeof roomy.mtext, 0, 0));
	CHECK_EQ(ret, 100);
	CHECK_EQ(roomy.mtype, 2);
	CHECK(text_is(roomy.mtext, 100, 4));

	/* The type is a long: the largest one works. */
	CHECK_OK(send_tagged(id, LONG_MAX, 1, 5, 0));
	CHECK_RECV(id, LONG_MAX, IPC_NOWAIT, LONG_MAX, 1, 5);

	/* Many small messages keep their order. */
	for (int i = 0; i < 100; i++)
		CHECK_OK(send_tagged(id, 1 + i % 3, (size_t)i, 100 + i, IPC_NOWAIT));
	CHECK_EQ(qnum(id), 100);
	CHECK_EQ(cbytes(id), 99 * 100 / 2);
	for (int i = 0; i < 100; i++)
		CHECK_RECV(id, 0, IPC_NOWAIT, 1 + i % 3, i, 100 + i);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, IPC_NOWAIT), ENOMSG);
}

static void einval(void)
{
	SECTION("msgsnd and msgrcv: EINVAL for sizes, types and ids; nothing queued");
	int id = new_queue(0600);
	int stale = new_queue(0600);
	CHECK_OK(msgctl(stale, IPC_RMID, NULL));
	static struct message m;
	m.mtype = 1;
	CHECK_ERR(msgsnd(id, &m, MSGMAX_MAX + 1, 0), EINVAL);
	CHECK_ERR(msgsnd(id, &m, (size_t)-1, 0), EINVAL);
	CHECK_ERR(msgsnd(id, &m, (size_t)LONG_MAX + 1, 0), EINVAL); /* negative as a long */
	CHECK_ERR(msgsnd(id, &m, (size_t)1 << 32, 0), EINVAL);
	m.mtype = 0;
	CHECK_ERR(msgsnd(id, &m, 1, 0), EINVAL);
	CHECK_ERR(msgsnd(id, &m, 0, IPC_NOWAIT), EINVAL);
	m.mtype = -1;
	CHECK_ERR(msgsnd(id, &m, 1, 0), EINVAL);
	m.mtype = LONG_MIN;
	CHECK_ERR(msgsnd(id, &m, 1, 0), EINVAL);
	m.mtype = 1;
	CHECK_ERR(msgsnd(stale, &m, 1, 0), EINVAL);
	CHECK_ERR(msgsnd(-1, &m, 1, 0), EINVAL);
	CHECK_EQ(qnum(id), 0);
	CHECK_EQ(cbytes(id), 0);

	/* msgrcv: a negative size is EINVAL before the id and before ENOMSG. */
	CHECK_ERR(msgrcv(id, &m, (size_t)-1, 0, IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(id, &m, (size_t)LONG_MIN, 0, IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(id, &m, (size_t)-1, 0, 0), EINVAL); /* not a wait */
	CHECK_ERR(msgrcv(stale, &m, 10, 0, IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(stale, &m, 10, 0, 0), EINVAL);
	CHECK_ERR(msgrcv(-1, &m, 10, 0, 0), EINVAL);
}

/* Fills ID with the messages of TYPES (tags 10, 11, ...; message i has 4 + i bytes). */
static void load(int id, const long *types, int n)
{
	for (int i = 0; i < n; i++)
		CHECK_OK(send_tagged(id, types[i], (size_t)(4 + i), 10 + i, IPC_NOWAIT));
}

static void selection(void)
{
	SECTION("msgrcv: msgtyp 0 (first), > 0 (first of that type; MSG_EXCEPT: of any other), < 0 (lowest type <= |msgtyp|, first among equals)");
	int id = new_queue(0600);
	static const long types[6] = {3, 1, 2, 1, 5, 2}; /* tags 10 .. 15 */
	load(id, types, 6);
	CHECK_RECV(id, 2, 0, 2, 6, 12); /* first of type 2 */
	/* left: 3:10 1:11 1:13 5:14 2:15 */
	CHECK_RECV(id, -4, 0, 1, 5, 11); /* the lowest type <= 4, the first of the two */
	/* left: 3:10 1:13 5:14 2:15 */
	CHECK_RECV(id, 3, MSG_EXCEPT, 1, 7, 13); /* the first that is not type 3 */
	/* left: 3:10 5:14 2:15 */
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 4, IPC_NOWAIT), ENOMSG);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, -1, IPC_NOWAIT), ENOMSG);
	CHECK_RECV(id, LONG_MIN, 0, 2, 9, 15); /* |LONG_MIN|: the lowest of all */
	/* left: 3:10 5:14 */
	CHECK_RECV(id, 0, MSG_EXCEPT, 3, 4, 10); /* MSG_EXCEPT with msgtyp 0: the first */
	/* left: 5:14 */
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 5, MSG_EXCEPT | IPC_NOWAIT), ENOMSG);
	/* With msgtyp < 0, MSG_EXCEPT changes nothing. */
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, -4, MSG_EXCEPT | IPC_NOWAIT), ENOMSG);
	CHECK_RECV(id, -5, MSG_EXCEPT, 5, 8, 14);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, IPC_NOWAIT), ENOMSG); /* empty */
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, MSG_EXCEPT | IPC_NOWAIT), ENOMSG);

	/* msgtyp < 0 takes the lowest type even when it is queued last, and msgtyp > 0
	 * the first of its type even behind others. */
	static const long more[5] = {9, 8, 7, 9, 7}; /* tags 10 .. 14 */
	load(id, more, 5);
	CHECK_RECV(id, -9, 0, 7, 6, 12);
	CHECK_RECV(id, -8, 0, 7, 8, 14);
	CHECK_RECV(id, 9, 0, 9, 4, 10);
	CHECK_RECV(id, 9, 0, 9, 7, 13);
	CHECK_RECV(id, 0, 0, 8, 5, 11);
	CHECK_EQ(qnum(id), 0);
}

static void too_big(void)
{
	SECTION("msgrcv: E2BIG leaves the message queued; MSG_NOERROR truncates it");
	int id = new_queue(0600);
	CHECK_OK(send_tagged(id, 4, 10, 20, 0));
	CHECK_OK(send_tagged(id, 4, 2, 21, 0));
	CHECK_ERR(msgrcv(id, &received, 9, 0, IPC_NOWAIT), E2BIG);
	CHECK_ERR(msgrcv(id, &received, 9, 0, 0), E2BIG); /* without IPC_NOWAIT too: no waiting */
	/* The first message that matches decides, though a later one would fit. */
	CHECK_ERR(msgrcv(id, &received, 9, 4, 0), E2BIG);
	CHECK_ERR(msgrcv(id, &received, 9, -4, 0), E2BIG);
	CHECK_EQ(qnum(id), 2);
	CHECK_EQ(cbytes(id), 12);
	CHECK_RECV_SZ(id, 10, 0, 0, 4, 10, 20); /* exactly the room there is */
	CHECK_RECV_SZ(id, 2, 0, 0, 4, 2, 21);

	/* MSG_NOERROR: the first msgsz bytes; the rest is gone with the message. */
	CHECK_OK(send_tagged(id, 6, 10, 22, 0));
	CHECK_RECV_SZ(id, 4, 0, MSG_NOERROR, 6, 4, 22);
	CHECK_EQ(received.mtext[4], 0x5a);
	CHECK_EQ(qnum(id), 0);
	CHECK_EQ(cbytes(id), 0);
	CHECK_OK(send_tagged(id, 6, 1, 23, 0));
	CHECK_ERR(msgrcv(id, &received, 0, 0, IPC_NOWAIT), E2BIG);
	CHECK_RECV_SZ(id, 0, 0, MSG_NOERROR | IPC_NOWAIT, 6, 0, 23);
	CHECK_EQ(received.mtext[0], 0x5a);
	CHECK_EQ(qnum(id), 0);
	/* MSG_NOERROR with room enough changes nothing. */
	CHECK_OK(send_tagged(id, 6, 3, 24, 0));
	CHECK_RECV_SZ(id, 100, 0, MSG_NOERROR, 6, 3, 24);
}

static void full_queue(void)
{
	SECTION("msgsnd: EAGAIN with IPC_NOWAIT when bytes + size > qbytes or count + 1 > qbytes");
	int id = new_queue(0600);
	struct msqid_ds ds;
	CHECK_OK(qstat(id, &ds));
	CHECK_EQ(ds.msg_qbytes, msgmnb_limit());
	CHECK_OK(send_tagged(id, 1, MSGMAX_MAX, 1, IPC_NOWAIT));
	CHECK_OK(send_tagged(id, 1, MSGMAX_MAX, 2, IPC_NOWAIT));
	CHECK_EQ(cbytes(id), 2 * MSGMAX_MAX); /* = qbytes */
	CHECK_ERR(send_tagged(id, 1, 1, 3, IPC_NOWAIT), EAGAIN);
	CHECK_ERR(send_tagged(id, 1, MSGMAX_MAX, 3, IPC_NOWAIT), EAGAIN);
	CHECK_OK(send_tagged(id, 2, 0, 4, IPC_NOWAIT)); /* a zero-length message still fits */
	CHECK_EQ(qnum(id), 3);
	CHECK_RECV(id, 0, IPC_NOWAIT, 1, MSGMAX_MAX, 1);
	CHECK_OK(send_tagged(id, 1, MSGMAX_MAX, 5, IPC_NOWAIT)); /* room again */
	CHECK_ERR(send_tagged(id, 1, 1, 6, IPC_NOWAIT), EAGAIN);
	CHECK_RECV(id, 0, IPC_NOWAIT, 1, MSGMAX_MAX, 2);
	CHECK_RECV(id, 0, IPC_NOWAIT, 2, 0, 4);
	CHECK_RECV(id, 0, IPC_NOWAIT, 1, MSGMAX_MAX, 5);

	/* By bytes, with a small qbytes. */
	CHECK_OK(set_qbytes(id, 10));
	CHECK_OK(send_tagged(id, 1, 6, 7, IPC_NOWAIT));
	CHECK_ERR(send_tagged(id, 1, 5, 8, IPC_NOWAIT), EAGAIN);
	CHECK_OK(send_tagged(id, 1, 4, 9, IPC_NOWAIT));
	CHECK_OK(send_tagged(id, 1, 0, 10, IPC_NOWAIT));
	CHECK_EQ(qnum(id), 3);
	CHECK_EQ(cbytes(id), 10);
	CHECK_RECV(id, 0, 0, 1, 6, 7);
	CHECK_RECV(id, 0, 0, 1, 4, 9);
	CHECK_RECV(id, 0, 0, 1, 0, 10);

	/* By count: with qbytes 3, a fourth message does not fit, even with no bytes. */
	CHECK_OK(set_qbytes(id, 3));
	for (int i = 0; i < 3; i++)
		CHECK_OK(send_tagged(id, 1, 0, 11 + i, IPC_NOWAIT));
	CHECK_ERR(send_tagged(id, 1, 0, 14, IPC_NOWAIT), EAGAIN);
	CHECK_RECV(id, 0, IPC_NOWAIT, 1, 0, 11);
	CHECK_OK(send_tagged(id, 1, 1, 15, IPC_NOWAIT)); /* 1 byte <= 3, and 3 messages <= 3 */
	CHECK_ERR(send_tagged(id, 1, 0, 16, IPC_NOWAIT), EAGAIN);
	CHECK_EQ(qnum(id), 3);
	CHECK_EQ(cbytes(id), 1);

	/* qbytes below what the queue holds: nothing fits, receiving goes on. */
	CHECK_OK(set_qbytes(id, 0));
	CHECK_ERR(send_tagged(id, 1, 0, 17, IPC_NOWAIT), EAGAIN);
	CHECK_RECV(id, 0, 0, 1, 0, 12);
	CHECK_RECV(id, 0, 0, 1, 0, 13);
	CHECK_RECV(id, 0, 0, 1, 1, 15);
	CHECK_ERR(send_tagged(id, 1, 0, 18, IPC_NOWAIT), EAGAIN); /* qbytes 0: not even when empty */
	CHECK_EQ(qnum(id), 0);
}

static void bad_pointers(void)
{
	SECTION("EFAULT: msgsnd reads the type first, then the text; msgrcv writes only a message");
	int id = new_queue(0600);
	int stale = new_queue(0600);
	CHECK_OK(msgctl(stale, IPC_RMID, NULL));
	CHECK_ERR(msgsnd(id, bad_ptr, 1, IPC_NOWAIT), EFAULT);
	CHECK_ERR(msgsnd(id, NULL, 0, IPC_NOWAIT), EFAULT); /* no text, but the type is read */
	/* Linux reads the type before it checks anything else (ipc/msg.c, ksys_msgsnd). */
	CHECK_ERR(msgsnd(id, bad_ptr, MSGMAX_MAX + 1, 0), EFAULT);
	CHECK_ERR(msgsnd(id, bad_ptr, (size_t)-1, 0), EFAULT);
	CHECK_ERR(msgsnd(stale, bad_ptr, 1, 0), EFAULT);
	CHECK_ERR(msgsnd(-1, bad_ptr, 1, 0), EFAULT);

	/* A message whose text runs into an unmapped page. */
	long page = sysconf(_SC_PAGESIZE);
	char *area = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(area != MAP_FAILED);
	if (area == MAP_FAILED)
		return;
	CHECK_OK(munmap(area + page, (size_t)page));
	struct message *edge = (struct message *)(area + page - sizeof(long) - 4);
	edge->mtype = 3;
	fill_text(edge->mtext, 4, 30);
	CHECK_OK(msgsnd(id, edge, 4, IPC_NOWAIT)); /* the 4 bytes before the hole */
	CHECK_ERR(msgsnd(id, edge, 5, IPC_NOWAIT), EFAULT);
	CHECK_ERR(msgsnd(id, edge, MSGMAX_MAX, IPC_NOWAIT), EFAULT);
	CHECK_ERR(msgsnd(stale, edge, 5, 0), EFAULT); /* the text is read before the id is looked up */
	edge->mtype = 0;
	CHECK_ERR(msgsnd(id, edge, 5, 0), EINVAL); /* ... and after the type is checked */
	CHECK_EQ(qnum(id), 1);
	CHECK_EQ(cbytes(id), 4);

	/* msgrcv writes the buffer only when it has a message for it. */
	int empty = new_queue(0600);
	CHECK_ERR(msgrcv(empty, bad_ptr, 10, 0, IPC_NOWAIT), ENOMSG);
	CHECK_ERR(msgrcv(id, bad_ptr, 10, 2, IPC_NOWAIT), ENOMSG);
	CHECK_ERR(msgrcv(id, bad_ptr, 1, 0, IPC_NOWAIT), E2BIG);
	CHECK_EQ(qnum(id), 1);
	CHECK_OK(msgrcv(id, edge, 4, 0, IPC_NOWAIT)); /* exactly up to the hole */
	CHECK_EQ(ret, 4);
	CHECK_EQ(edge->mtype, 3);
	CHECK(text_is(edge->mtext, 4, 30));
	/* With a message: EFAULT. (Linux has taken the message off the queue by then: it is
	 * lost, which is not checked here.) */
	CHECK_OK(send_tagged(id, 1, 10, 31, IPC_NOWAIT));
	CHECK_ERR(msgrcv(id, bad_ptr, 10, 0, IPC_NOWAIT), EFAULT);
	CHECK_OK(send_tagged(empty, 1, 10, 32, IPC_NOWAIT));
	CHECK_ERR(msgrcv(empty, edge, 10, 0, IPC_NOWAIT), EFAULT); /* the text runs into the hole */
	CHECK_OK(munmap(area, (size_t)page));
}

static int get_access_child(int key)
{
	drop_privileges();
	/* The queue is 0604: others may read, not write. */
	int id = msgget(key, 0);
	CHECK(id >= 0);
	CHECK_OK(msgget(key, 0400));
	CHECK_EQ(ret, id);
	CHECK_OK(msgget(key, 0004));
	CHECK_OK(msgget(key, IPC_CREAT | 0404));
	CHECK_ERR(msgget(key, 0200), EACCES);
	CHECK_ERR(msgget(key, 0002), EACCES);
	CHECK_ERR(msgget(key, 0600), EACCES);
	CHECK_ERR(msgget(key, IPC_CREAT | 0666), EACCES);
	CHECK_ERR(msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST); /* before access */
	return 0;
}

static int read_only_child(int id)
{
	drop_privileges();
	/* 0604: receiving and IPC_STAT are allowed, sending is not. */
	CHECK_ERR(send_tagged(id, 1, 1, 40, IPC_NOWAIT), EACCES);
	CHECK_ERR(send_tagged(id, 1, 1, 40, 0), EACCES);
	/* The size, the type and the buffer are checked before access. */
	static struct message m;
	m.mtype = 1;
	CHECK_ERR(msgsnd(id, &m, MSGMAX_MAX + 1, 0), EINVAL);
	m.mtype = 0;
	CHECK_ERR(msgsnd(id, &m, 1, 0), EINVAL);
	CHECK_ERR(msgsnd(id, bad_ptr, 1, 0), EFAULT);
	struct msqid_ds ds;
	CHECK_OK(qstat(id, &ds));
	CHECK_EQ(ds.msg_qnum, 1);
	CHECK_RECV(id, 0, IPC_NOWAIT, 5, 3, 41);
	return 0;
}

static int write_only_child(int id)
{
	drop_privileges();
	/* 0602: sending is allowed; receiving and IPC_STAT are not. */
	CHECK_OK(send_tagged(id, 2, 3, 42, IPC_NOWAIT));
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, IPC_NOWAIT), EACCES);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 9, IPC_NOWAIT), EACCES); /* before ENOMSG */
	CHECK_ERR(msgrcv(id, &received, 1, 0, IPC_NOWAIT), EACCES);          /* before E2BIG */
	CHECK_ERR(msgrcv(id, &received, (size_t)-1, 0, IPC_NOWAIT), EINVAL); /* after EINVAL */
	struct msqid_ds ds;
	CHECK_ERR(qstat(id, &ds), EACCES);
	return 0;
}

/* The class that applies decides, not the most generous one. */
static int no_access_child(int id)
{
	drop_privileges();
	CHECK_ERR(send_tagged(id, 1, 1, 43, IPC_NOWAIT), EACCES);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, IPC_NOWAIT), EACCES);
	return 0;
}

static int full_access_child(int id)
{
	drop_privileges();
	CHECK_OK(send_tagged(id, 1, 2, 44, IPC_NOWAIT));
	CHECK_RECV(id, 0, IPC_NOWAIT, 1, 2, 44);
	return 0;
}

static void access_checks(void)
{
	SECTION("msgget, msgsnd and msgrcv: access for a process without privileges (uid/gid 1000)");
	key_t key = test_key(3);
	CHECK_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0604));
	int id = track((int)ret);
	CHECK_CHILD_OK(spawn(get_access_child, key));
	CHECK_OK(send_tagged(id, 5, 3, 41, 0));
	CHECK_CHILD_OK(spawn(read_only_child, id));
	CHECK_EQ(qnum(id), 0);

	int w = new_queue(0602);
	CHECK_OK(send_tagged(w, 1, 1, 45, 0));
	CHECK_CHILD_OK(spawn(write_only_child, w));
	CHECK_EQ(qnum(w), 2);
	CHECK_RECV(w, 0, 0, 1, 1, 45);
	CHECK_RECV(w, 0, 0, 2, 3, 42);

	/* Group class: the gid is 1000's, the group may do nothing, others everything. */
	int g = new_queue(0606);
	struct msqid_ds ds;
	CHECK_OK(qstat(g, &ds));
	ds.msg_perm.gid = OTHER_ID;
	CHECK_OK(msgctl(g, IPC_SET, &ds));
	CHECK_CHILD_OK(spawn(no_access_child, g));
	ds.msg_perm.mode = 0060; /* the group may */
	CHECK_OK(msgctl(g, IPC_SET, &ds));
	CHECK_CHILD_OK(spawn(full_access_child, g));
	/* Owner class: the uid is 1000's, the owner may do nothing. */
	ds.msg_perm.uid = OTHER_ID;
	ds.msg_perm.gid = 0;
	ds.msg_perm.mode = 0066;
	CHECK_OK(msgctl(g, IPC_SET, &ds));
	CHECK_CHILD_OK(spawn(no_access_child, g));
	ds.msg_perm.mode = 0600;
	CHECK_OK(msgctl(g, IPC_SET, &ds));
	CHECK_CHILD_OK(spawn(full_access_child, g));
	CHECK_EQ(qnum(g), 0);
}

int main(void)
{
	test_name = "c_msg_basic";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): the access checks drop privileges", (int)getuid());
	msgget_rules();
	out_of_queues();
	send_and_receive();
	einval();
	selection();
	too_big();
	full_queue();
	bad_pointers();
	access_checks();
	return finish();
}
