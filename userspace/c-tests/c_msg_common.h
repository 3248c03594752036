/* Helpers shared by the c_msg_*.c conformance tests: message buffers with recognisable
 * text, receiving and checking a message, queue status, waiting until a process sleeps in
 * msgsnd or msgrcv, and removal of every queue a test created. The checks, children and
 * privileges come from c_common.h.
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
static inline long proc_limit(const char *path, long fallback)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fallback;
	char line[64];
	long value = fallback;
	if (fgets(line, sizeof line, f))
		value = strtol(line, NULL, 10);
	fclose(f);
	return value;
}
static inline long msgmax_limit(void) { return proc_limit("/proc/sys/kernel/msgmax", MSGMAX_MAX); }
static inline long msgmnb_limit(void) { return proc_limit("/proc/sys/kernel/msgmnb", MSGMNB_MAX); }
static inline long msgmni_limit(void) { return proc_limit("/proc/sys/kernel/msgmni", MSGMNI_MAX); }

/* Byte I of the text of message TAG: every message of a test can be told apart. */
static inline char text_byte(int tag, size_t i)
{
	return (char)(tag * 37 + (int)(i % 251) * 7 + 1);
}

static inline void fill_text(char *text, size_t len, int tag)
{
	for (size_t i = 0; i < len; i++)
		text[i] = text_byte(tag, i);
}

/* TEXT holds the first LEN bytes of message TAG. */
static inline int text_is(const char *text, size_t len, int tag)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] != text_byte(tag, i))
			return 0;
	}
	return 1;
}

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

/* Whether PID sleeps in msgsnd or msgrcv: 1 or 0 where it can be seen, -1 where not.
 * Linux's /proc/PID/syscall names the call only while the task sleeps (msgsnd is 69 and
 * msgrcv 70 on x86_64), and a receiver or sender sleeps only once it is on the queue's
 * list. kestrel has no /proc. */
static inline int asleep_in_msg(pid_t pid)
{
	char path[64], line[64];
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int asleep = fgets(line, sizeof line, f) != NULL &&
	             (strncmp(line, "69 ", 3) == 0 || strncmp(line, "70 ", 3) == 0);
	fclose(f);
	return asleep;
}

/* Where it cannot be seen, a child is taken to be asleep this long after it was started. */
#define ASLEEP_MS 200

/* Waits until PID sleeps in msgsnd or msgrcv (up to 10 s; where that cannot be seen,
 * ASLEEP_MS). */
static inline int wait_asleep(pid_t pid)
{
	for (long long deadline = now_ns() + 10000000000LL; now_ns() < deadline; sleep_ms(1)) {
		int asleep = asleep_in_msg(pid);
		if (asleep < 0) {
			sleep_ms(ASLEEP_MS);
			return 1;
		}
		if (asleep)
			return 1;
	}
	return 0;
}
#define WAIT_ASLEEP(pid) CHECK(wait_asleep(pid))

/* PID is still in its call 50 ms later: it has not exited and, where that can be seen, it
 * sleeps in msgsnd or msgrcv. */
static inline int still_asleep(pid_t pid)
{
	sleep_ms(50);
	int status;
	if (waitpid(pid, &status, WNOHANG) != 0)
		return 0;
	return asleep_in_msg(pid) != 0;
}
#define CHECK_ASLEEP(pid) CHECK(still_asleep(pid))

/* Waits up to MS for PID to end and returns its wait status; -1 if it cannot be waited for,
 * -2 if it was still running (it is killed and reaped then). */
static inline int reap_within(pid_t pid, long ms)
{
	long long deadline = now_ns() + ms * 1000000LL;
	for (;;) {
		int status;
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid)
			return status;
		if (done == -1 && errno != EINTR)
			return -1;
		if (now_ns() > deadline) {
			kill(pid, SIGKILL);
			reap(pid);
			return -2;
		}
		sleep_ms(1);
	}
}

/* PID (evaluated once) ends with status 0 within 10 s. A child asleep in msgsnd or msgrcv
 * that should have been woken is killed and reported rather than waited for for ever. */
#define CHECK_CHILD_DONE(pid)                                                                  \
	do {                                                                                   \
		pid_t pid_ = (pid);                                                            \
		int st_ = reap_within(pid_, 10000);                                            \
		if (st_ == -2)                                                                 \
			FAIL_AT("child %d: still in its call after 10 s (killed)", (int)pid_); \
		else if (st_ == -1 || !WIFEXITED(st_) || WEXITSTATUS(st_) != 0)               \
			FAIL_AT("child %d: wait status 0x%x, expected exit 0", (int)pid_, st_); \
	} while (0)

#endif /* C_MSG_COMMON_H */
