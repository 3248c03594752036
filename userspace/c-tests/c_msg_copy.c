/* c_msg_copy: msgrcv with MSG_COPY. msgtyp is a 0-based index into the queue, counting
 * every message whatever its type; the message is copied and stays queued (qnum, cbytes,
 * lrpid and rtime unchanged); it needs IPC_NOWAIT and excludes MSG_EXCEPT (EINVAL, before
 * the id); a missing index is ENOMSG; a buffer too small is E2BIG; read permission is
 * needed.
 *
 * Not covered: MSG_COPY with MSG_NOERROR and a buffer smaller than the message (Linux
 * answers EINVAL there, from copy_msg, rather than truncating), and which bytes of the
 * buffer Linux reads before it copies (it loads min(msgsz, MSGMAX) bytes of the buffer
 * first, so every buffer here is readable and writable for all of msgsz).
 *
 * Runs as root (it forks children that drop to uid/gid 1000). Exits 0 only if every check
 * passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_msg_common.h"

static void by_index(void)
{
	SECTION("MSG_COPY: msgtyp is an index over every message; the message stays queued");
	int id = new_queue(0600);
	CHECK_OK(send_tagged(id, 5, 3, 1, 0));
	CHECK_OK(send_tagged(id, 2, 0, 2, 0));
	CHECK_OK(send_tagged(id, 5, MSGMAX_MAX, 3, 0));
	CHECK_OK(send_tagged(id, 9, 7, 4, 0));
	struct msqid_ds before, after;
	CHECK_OK(qstat(id, &before));
	CHECK_EQ(before.msg_lrpid, 0);
	CHECK_EQ(before.msg_rtime, 0);

	CHECK_RECV(id, 0, MSG_COPY | IPC_NOWAIT, 5, 3, 1);
	CHECK_EQ(received.mtext[3], 0x5a); /* nothing past the message */
	CHECK_RECV(id, 1, MSG_COPY | IPC_NOWAIT, 2, 0, 2);
	CHECK_RECV(id, 2, MSG_COPY | IPC_NOWAIT, 5, MSGMAX_MAX, 3);
	CHECK_RECV(id, 3, MSG_COPY | IPC_NOWAIT, 9, 7, 4);
	CHECK_RECV(id, 1, MSG_COPY | IPC_NOWAIT, 2, 0, 2); /* again: still there */
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 4, MSG_COPY | IPC_NOWAIT), ENOMSG);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 1000, MSG_COPY | IPC_NOWAIT), ENOMSG);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, -1, MSG_COPY | IPC_NOWAIT), ENOMSG);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, LONG_MIN, MSG_COPY | IPC_NOWAIT), ENOMSG);

	/* Copies change nothing: no message leaves, no receive is recorded. */
	CHECK_OK(qstat(id, &after));
	CHECK_EQ(after.msg_qnum, 4);
	CHECK_EQ(after.msg_cbytes, 3 + MSGMAX_MAX + 7);
	CHECK_EQ(after.msg_lrpid, 0);
	CHECK_EQ(after.msg_rtime, 0);
	CHECK_EQ(after.msg_stime, before.msg_stime);
	CHECK_EQ(after.msg_ctime, before.msg_ctime);

	/* A buffer too small: E2BIG, and the message stays. */
	CHECK_ERR(msgrcv(id, &received, 2, 0, MSG_COPY | IPC_NOWAIT), E2BIG);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX - 1, 2, MSG_COPY | IPC_NOWAIT), E2BIG);
	CHECK_RECV_SZ(id, 3, 0, MSG_COPY | IPC_NOWAIT, 5, 3, 1); /* exactly the room there is */
	CHECK_RECV_SZ(id, 0, 1, MSG_COPY | IPC_NOWAIT, 2, 0, 2);
	CHECK_EQ(qnum(id), 4);

	/* A real receive takes a message out, and the indices move up. */
	CHECK_RECV(id, 5, 0, 5, 3, 1);
	CHECK_RECV(id, 0, MSG_COPY | IPC_NOWAIT, 2, 0, 2);
	CHECK_RECV(id, 2, MSG_COPY | IPC_NOWAIT, 9, 7, 4);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 3, MSG_COPY | IPC_NOWAIT), ENOMSG);
	CHECK_RECV(id, 9, 0, 9, 7, 4);
	CHECK_RECV(id, 0, 0, 2, 0, 2);
	CHECK_RECV(id, 0, MSG_COPY | IPC_NOWAIT, 5, MSGMAX_MAX, 3);
	CHECK_RECV(id, 0, 0, 5, MSGMAX_MAX, 3);
	CHECK_EQ(qnum(id), 0);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, MSG_COPY | IPC_NOWAIT), ENOMSG); /* empty */
}

static void flags(void)
{
	SECTION("MSG_COPY: EINVAL without IPC_NOWAIT or with MSG_EXCEPT, before the id; EFAULT");
	int id = new_queue(0600);
	int stale = new_queue(0600);
	CHECK_OK(msgctl(stale, IPC_RMID, NULL));
	CHECK_OK(send_tagged(id, 1, 4, 5, 0));
	/* The message is there: these would succeed but for the flags. */
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, MSG_COPY), EINVAL);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, MSG_COPY | MSG_NOERROR), EINVAL);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 1, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(id, &received, (size_t)-1, 0, MSG_COPY | IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(stale, &received, MSGMAX_MAX, 0, MSG_COPY | IPC_NOWAIT), EINVAL);
	CHECK_ERR(msgrcv(-1, &received, MSGMAX_MAX, 0, MSG_COPY | IPC_NOWAIT), EINVAL);
	CHECK_EQ(qnum(id), 1);
	/* EFAULT, and the message is still there. */
	CHECK_ERR(msgrcv(id, bad_ptr, 10, 0, MSG_COPY | IPC_NOWAIT), EFAULT);
	CHECK_EQ(qnum(id), 1);
	CHECK_RECV(id, 0, MSG_COPY | IPC_NOWAIT | MSG_NOERROR, 1, 4, 5); /* with room: as without */
	CHECK_RECV(id, 0, IPC_NOWAIT, 1, 4, 5);
}

static int copy_denied_child(int id)
{
	drop_privileges();
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, MSG_COPY | IPC_NOWAIT), EACCES);
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 7, MSG_COPY | IPC_NOWAIT), EACCES); /* before ENOMSG */
	CHECK_ERR(msgrcv(id, &received, MSGMAX_MAX, 0, MSG_COPY), EINVAL);              /* after EINVAL */
	return 0;
}

static int copy_allowed_child(int id)
{
	drop_privileges();
	CHECK_RECV(id, 0, MSG_COPY | IPC_NOWAIT, 3, 6, 6);
	return 0;
}

static void access_checks(void)
{
	SECTION("MSG_COPY: read permission (uid/gid 1000)");
	int w = new_queue(0602);
	CHECK_OK(send_tagged(w, 3, 6, 6, 0));
	CHECK_CHILD_OK(spawn(copy_denied_child, w));
	int r = new_queue(0604);
	CHECK_OK(send_tagged(r, 3, 6, 6, 0));
	CHECK_CHILD_OK(spawn(copy_allowed_child, r));
	CHECK_EQ(qnum(w), 1);
	CHECK_EQ(qnum(r), 1);
	CHECK_EQ(lrpid(r), 0);
}

int main(void)
{
	test_name = "c_msg_copy";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): the access checks drop privileges", (int)getuid());
	by_index();
	flags();
	access_checks();
	return finish();
}
