/* Helpers shared by the c_msg_*.c conformance tests: message buffers with recognisable
 * text, receiving and checking a message, queue status, waiting until a process sleeps in
 * msgsnd or msgrcv, and removal of every queue a test created. The checks, children (and
 * reaping them with a deadline), the way to see a sleeper and privileges come from
 * c_common.h.
 *
 * Plain POSIX and Linux C: the same sources build with the kestrel sysroot and with the
 * host's gcc and glibc, and pass on both (the tests follow Linux's semantics).
 */
#ifndef C_MSG_COMMON_H
#define C_MSG_COMMON_H

#include "c_common.h"

#include <limits.h>
#include <sys/msg.h>

/* Limits that Linux and kestrel share (SEMANTICS.md). */
#define MSGMAX_MAX 8192  /* bytes of text in one message */
#define MSGMNB_MAX 16384 /* a new queue's msg_qbytes */
#define MSGMNI_MAX 32000 /* queues */

/* Linux's fixed IPC_INFO values (include/uapi/linux/msg.h). */
#define MSGPOOL_FIXED (32000 * 16384 / 1024)
#define MSGMAP_FIXED 16384
#define MSGTQL_FIXED 16384
#define MSGSSZ_FIXED 16
#define MSGSEG_FIXED 0xffff

/* A message as programs declare one: a long type, then the text. */
struct message {
	long mtype;
	char mtext[MSGMAX_MAX + 64];
};

/* An address no process has mapped. */
static void *const bad_ptr = (void *)16;

/* Queues this test created, removed at the end. */
static int created[256];
static int ncreated;

static inline int track(int id)
{
	if (id >= 0 && ncreated < (int)(sizeof created / sizeof created[0]))
		created[ncreated++] = id;
	return id;
}

/* A new private queue with access MODE. */
static inline int new_queue(int mode)
{
	int id = msgget(IPC_PRIVATE, IPC_CREAT | mode);
	if (id < 0)
		FAIL_AT("msgget(IPC_PRIVATE, 0%o): errno %d (%s)", mode, errno, strerror(errno));
	return track(id);
}

static inline void remove_all(void)
{
	for (int i = 0; i < ncreated; i++)
		msgctl(created[i], IPC_RMID, NULL);
	ncreated = 0;
}

/* Removes the queues, prints the verdict and returns the exit status. */
static inline int finish(void)
{
	remove_all();
	return report();
}

/* The limits Linux reports (/proc/sys/kernel/msgmax, msgmnb, msgmni), else the defaults
 * (kestrel has no /proc). */
static inline long msgmax_limit(void) { return proc_long("/proc/sys/kernel/msgmax", MSGMAX_MAX); }
static inline long msgmnb_limit(void) { return proc_long("/proc/sys/kernel/msgmnb", MSGMNB_MAX); }
static inline long msgmni_limit(void) { return proc_long("/proc/sys/kernel/msgmni", MSGMNI_MAX); }

/* msgsnd of a message of TYPE with LEN bytes of TAG's text. */
static inline int send_tagged(int id, long type, size_t len, int tag, int flags)
{
	static struct message m;
	m.mtype = type;
	fill_text(m.mtext, len, tag);
	return (int)msgsnd(id, &m, len, flags);
}

/* The buffer CHECK_RECV receives into (the text past what was received is left 0x5a). */
static struct message received;

/* msgrcv(ID, ..., BUFSZ, MSGTYP, FLG) into `received` returns a message of WANT_TYPE with
 * WANT_LEN bytes of WANT_TAG's text. */
#define CHECK_RECV_SZ(id, bufsz, msgtyp, flg, want_type, want_len, want_tag)                    \
	do {                                                                                     \
		memset(&received, 0x5a, sizeof received);                                        \
		errno = 0;                                                                       \
		long long n_ = (long long)msgrcv(id, &received, bufsz, msgtyp, flg);             \
		if (n_ == -1) {                                                                  \
			FAIL_AT("msgrcv(%s, %s, %s): -1, errno %d (%s)", #id, #msgtyp, #flg, errno, \
			        strerror(errno));                                                \
		} else {                                                                         \
			if (n_ != (long long)(want_len) || received.mtype != (long)(want_type) ||  \
			    !text_is(received.mtext, (size_t)n_, want_tag))                      \
				FAIL_AT("msgrcv(%s, %s, %s): %lld bytes of type %ld; expected "   \
				        "%lld bytes of type %ld, message %d",                      \
				        #id, #msgtyp, #flg, n_, received.mtype,                    \
				        (long long)(want_len), (long)(want_type), (int)(want_tag)); \
		}                                                                                \
	} while (0)
#define CHECK_RECV(id, msgtyp, flg, want_type, want_len, want_tag) \
	CHECK_RECV_SZ(id, MSGMAX_MAX, msgtyp, flg, want_type, want_len, want_tag)

/* IPC_STAT into DS (filled with 0xa5 first). */
static inline int qstat(int id, struct msqid_ds *ds)
{
	memset(ds, 0xa5, sizeof *ds);
	return msgctl(id, IPC_STAT, ds);
}

/* Fields of IPC_STAT (-1 if it fails). */
static inline long long qnum(int id)
{
	struct msqid_ds ds;
	return qstat(id, &ds) == 0 ? (long long)ds.msg_qnum : -1;
}
static inline long long cbytes(int id)
{
	struct msqid_ds ds;
	return qstat(id, &ds) == 0 ? (long long)ds.msg_cbytes : -1;
}
static inline long long lspid(int id)
{
	struct msqid_ds ds;
	return qstat(id, &ds) == 0 ? (long long)ds.msg_lspid : -1;
}
static inline long long lrpid(int id)
{
	struct msqid_ds ds;
	return qstat(id, &ds) == 0 ? (long long)ds.msg_lrpid : -1;
}

/* IPC_SET of msg_qbytes alone. */
static inline int set_qbytes(int id, unsigned long qbytes)
{
	struct msqid_ds ds;
	if (qstat(id, &ds) != 0)
		return -1;
	ds.msg_qbytes = qbytes;
	return msgctl(id, IPC_SET, &ds);
}

/* Whether PID sleeps in msgsnd or msgrcv (69 and 70 on x86_64): 1 or 0 where it can be
 * seen, -1 where not (asleep_in). A receiver or sender sleeps only once it is on the
 * queue's list. */
static inline int asleep_in_msg(pid_t pid)
{
	static const int calls[] = {69, 70};
	return asleep_in(pid, calls, sizeof calls / sizeof calls[0]);
}

/* Waits until PID sleeps in msgsnd or msgrcv (up to 10 s; where that cannot be seen,
 * ASLEEP_MS). */
static inline int wait_asleep(pid_t pid)
{
	return wait_asleep_by(pid, asleep_in_msg);
}
#define WAIT_ASLEEP(pid) CHECK(wait_asleep(pid))

/* PID is still in its call 50 ms later: it has not exited and, where that can be seen, it
 * sleeps in msgsnd or msgrcv. */
#define CHECK_ASLEEP(pid) CHECK(still_asleep_by(pid, asleep_in_msg))

#endif /* C_MSG_COMMON_H */
