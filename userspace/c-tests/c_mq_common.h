/* Helpers shared by the c_mq_*.c conformance tests (POSIX message queues): queue names
 * of this test's own, removal of every name a test created, messages with recognisable
 * text, receiving and checking one, the queue's attributes, absolute CLOCK_REALTIME
 * deadlines, waiting until a process sleeps in a call, children that must fail with an
 * error (and not die of a signal), and the limits. The checks, children (and reaping
 * them with a deadline), the way to see a sleeper, privileges and whether root may exceed
 * the limits come from c_common.h.
 *
 * Plain POSIX and Linux C: the same sources build with the kestrel sysroot and with the
 * host's gcc and glibc, and pass on both (the tests follow Linux's semantics).
 */
#ifndef C_MQ_COMMON_H
#define C_MQ_COMMON_H

#include "c_common.h"

#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <sys/stat.h>

/* Linux's si_code of a queue's notice (glibc's signal.h has it; define it where not). */
#ifndef SI_MESGQ
#define SI_MESGQ (-3)
#endif

/* Limits that Linux and kestrel share (mq_overview(7), SEMANTICS.md). */
#define PRIO_LIMIT 32768          /* MQ_PRIO_MAX: priorities are below it */
#define DEFAULT_MAXMSG 10         /* /proc/sys/fs/mqueue/msg_default */
#define DEFAULT_MSGSIZE 8192      /* /proc/sys/fs/mqueue/msgsize_default */
#define HARD_MSGMAX 65536         /* what a privileged process may ask for */
#define HARD_MSGSIZEMAX (16 << 20)
#define QUEUES_LIMIT 256          /* /proc/sys/fs/mqueue/queues_max */
#define RLIMIT_MSGQUEUE_BYTES 819200L /* the default RLIMIT_MSGQUEUE */
#define NAME_LIMIT 255            /* NAME_MAX */

/* What Linux charges a queue's creator against RLIMIT_MSGQUEUE: the text, a 48-byte record
 * per message and a 48-byte tree node per possible priority. */
static inline long queue_charge(long maxmsg, long msgsize)
{
	return maxmsg * (msgsize + 48) + (maxmsg < PRIO_LIMIT ? maxmsg : PRIO_LIMIT) * 48;
}

/* An address no process has mapped. */
static void *const bad_ptr = (void *)16;

/* A limit Linux reports in /proc/sys/fs/mqueue/NAME, else FALLBACK (kestrel has no /proc). */
static inline long mq_limit(const char *name, long fallback)
{
	char path[96];
	snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", name);
	return proc_long(path, fallback);
}

/* Whether this is kestrel (kestrel-cc defines __kestrel__). */
static inline int on_kestrel(void)
{
#ifdef __kestrel__
	return 1;
#else
	return 0;
#endif
}

/* The process whose pid names this test's queues (set by mq_test_start; children keep it). */
static pid_t name_pid;

/* Queue N's name, "/c_mq.PID.N", in a buffer of its own per N (N < 512). */
static inline const char *qname(int n)
{
	static char names[512][48];
	char *buf = names[n & 511];
	snprintf(buf, sizeof names[0], "/c_mq.%d.%d", (int)name_pid, n);
	return buf;
}

/* Names this test may have created, unlinked at the end. */
static int created[512];
static int ncreated;

static inline void track(int n)
{
	for (int i = 0; i < ncreated; i++) {
		if (created[i] == n)
			return;
	}
	if (ncreated < (int)(sizeof created / sizeof created[0]))
		created[ncreated++] = n;
}

static inline void mq_test_start(const char *name)
{
	test_name = name;
	name_pid = getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* mq_open(qname(N), O_CREAT | O_EXCL | OFLAG, MODE, ATTR): a new queue, failing the test if
 * it cannot be made. */
static inline mqd_t new_queue(int n, int oflag, mode_t mode, struct mq_attr *attr)
{
	track(n);
	mqd_t q = mq_open(qname(n), O_CREAT | O_EXCL | oflag, mode, attr);
	if (q == (mqd_t)-1)
		FAIL_AT("mq_open(%s, O_CREAT|O_EXCL|0x%x, 0%o): errno %d (%s)", qname(n), oflag,
		        (unsigned)mode, errno, strerror(errno));
	return q;
}

/* Attributes of MAXMSG messages of MSGSIZE bytes (the rest 0). */
static inline struct mq_attr attr_of(long maxmsg, long msgsize)
{
	struct mq_attr a;
	memset(&a, 0, sizeof a);
	a.mq_maxmsg = maxmsg;
	a.mq_msgsize = msgsize;
	return a;
}

/* A new queue of MAXMSG messages of MSGSIZE bytes. */
static inline mqd_t new_sized_queue(int n, int oflag, long maxmsg, long msgsize)
{
	struct mq_attr attr = attr_of(maxmsg, msgsize);
	return new_queue(n, oflag, 0600, &attr);
}

/* Unlinks every name this test created. */
static inline void remove_all(void)
{
	for (int i = 0; i < ncreated; i++)
		mq_unlink(qname(created[i]));
	ncreated = 0;
}

/* Unlinks the names, prints the verdict and returns the exit status. */
static inline int finish(void)
{
	remove_all();
	return report();
}

/* mq_getattr into ATTR (filled with 0xa5 first). */
static inline int get_attr(mqd_t q, struct mq_attr *attr)
{
	memset(attr, 0xa5, sizeof *attr);
	return mq_getattr(q, attr);
}

/* Fields of mq_getattr (-1 if it fails). */
static inline long curmsgs(mqd_t q)
{
	struct mq_attr a;
	return get_attr(q, &a) == 0 ? a.mq_curmsgs : -1;
}
static inline long qflags(mqd_t q)
{
	struct mq_attr a;
	return get_attr(q, &a) == 0 ? a.mq_flags : -1;
}

/* mq_setattr of the flags alone. */
static inline int set_flags(mqd_t q, long flags)
{
	struct mq_attr a;
	memset(&a, 0, sizeof a);
	a.mq_flags = flags;
	return mq_setattr(q, &a, NULL);
}

/* The largest message the tests send through buffers of their own. */
#define TEXT_MAX (DEFAULT_MSGSIZE + 64)

/* mq_send of LEN bytes of TAG's text at priority PRIO. */
static inline int send_tagged(mqd_t q, size_t len, int tag, unsigned prio)
{
	static char text[TEXT_MAX];
	fill_text(text, len, tag);
	return mq_send(q, text, len, prio);
}

/* mq_timedsend of it, with the deadline DEADLINE. */
static inline int timedsend_tagged(mqd_t q, size_t len, int tag, unsigned prio,
                                   const struct timespec *deadline)
{
	static char text[TEXT_MAX];
	fill_text(text, len, tag);
	return mq_timedsend(q, text, len, prio, deadline);
}

/* The buffer CHECK_RECV receives into (what lies past the message is left 0x5a). */
static char received[TEXT_MAX];
static unsigned received_prio;

/* mq_receive(Q, received, BUFSZ, &prio) returns WANT_LEN bytes of WANT_TAG's text at
 * priority WANT_PRIO. */
#define CHECK_RECV_SZ(q, bufsz, want_len, want_tag, want_prio)                                  \
	do {                                                                                     \
		memset(received, 0x5a, sizeof received);                                         \
		received_prio = 0xdeadbeef;                                                      \
		errno = 0;                                                                       \
		long long n_ = (long long)mq_receive(q, received, bufsz, &received_prio);        \
		if (n_ == -1) {                                                                  \
			FAIL_AT("mq_receive(%s): -1, errno %d (%s); expected %lld bytes of "      \
			        "message %d",                                                    \
			        #q, errno, strerror(errno), (long long)(want_len), (int)(want_tag)); \
		} else if (n_ != (long long)(want_len) || received_prio != (unsigned)(want_prio) || \
		           !text_is(received, (size_t)n_, want_tag)) {                           \
			FAIL_AT("mq_receive(%s): %lld bytes at priority %u%s; expected %lld "     \
			        "bytes of message %d at priority %u",                            \
			        #q, n_, received_prio,                                           \
			        text_is(received, (size_t)n_, want_tag) ? "" : " (other text)",  \
			        (long long)(want_len), (int)(want_tag), (unsigned)(want_prio));  \
		} else if (n_ < (long long)sizeof received && received[n_] != 0x5a) {            \
			FAIL_AT("mq_receive(%s): wrote past the message's %lld bytes", #q, n_);  \
		}                                                                                \
	} while (0)
#define CHECK_RECV(q, want_len, want_tag, want_prio) \
	CHECK_RECV_SZ(q, sizeof received, want_len, want_tag, want_prio)

/* CLOCK_REALTIME in nanoseconds. */
static inline long long realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline struct timespec timespec_of(long long ns)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	return ts;
}

/* An absolute CLOCK_REALTIME deadline MS milliseconds from now (negative: in the past). */
static inline struct timespec deadline_in(long ms)
{
	return timespec_of(realtime_ns() + (long long)ms * 1000000LL);
}

/* Whether PID sleeps in a call: 1 or 0 where it can be seen, -1 where not (asleep_in):
 * mq_timedsend (242), mq_timedreceive (243), poll (7), select (23), epoll_wait (232),
 * pselect6 (270), ppoll (271), epoll_pwait (281), rt_sigtimedwait (128), pause (34),
 * rt_sigsuspend (130) on x86_64. */
static inline int asleep_in_call(pid_t pid)
{
	static const int calls[] = {242, 243, 7, 23, 232, 270, 271, 281, 128, 34, 130};
	return asleep_in(pid, calls, sizeof calls / sizeof calls[0]);
}

/* Waits until PID sleeps in a call (up to 10 s; where that cannot be seen, ASLEEP_MS). */
static inline int wait_asleep(pid_t pid)
{
	return wait_asleep_by(pid, asleep_in_call);
}
#define WAIT_ASLEEP(pid) CHECK(wait_asleep(pid))

/* WAIT_ASLEEP for one of several children started together: where sleeping cannot be seen,
 * the ASLEEP_MS given to the first one (AGAIN false) serves for the rest. */
static inline int wait_asleep_again(pid_t pid, int again)
{
	if (again && asleep_in_call(pid) < 0)
		return 1;
	return wait_asleep(pid);
}
#define WAIT_ASLEEP_AGAIN(pid, again) CHECK(wait_asleep_again(pid, again))

/* PID is still in its call 50 ms later: it has not exited and, where that can be seen, it
 * sleeps in one. */
#define CHECK_ASLEEP(pid) CHECK(still_asleep_by(pid, asleep_in_call))

/* CALL, made in a child, fails with ERR: a call that faults in the C library (a signal
 * instead of EFAULT) is reported without ending the test. */
#define CHECK_ERR_IN_CHILD(call, err)                                                           \
	do {                                                                                    \
		fflush(stdout);                                                                 \
		pid_t c_ = fork();                                                              \
		if (c_ == 0) {                                                                  \
			errno = 0;                                                              \
			long long r_ = (long long)(call);                                       \
			int e_ = errno;                                                         \
			if (r_ == -1 && e_ == (err))                                            \
				_exit(0);                                                       \
			printf("FAIL %s:%d %s: %lld, errno %d (%s); expected -1, errno %s (%d)\n", \
			       __FILE__, __LINE__, #call, r_, e_, strerror(e_), #err, (err));   \
			fflush(stdout);                                                         \
			_exit(1);                                                               \
		}                                                                               \
		int st_ = c_ > 0 ? reap_within(c_, 10000) : -1;                                 \
		if (st_ != -1 && st_ != -2 && WIFSIGNALED(st_))                                 \
			FAIL_AT("%s: killed by signal %d; expected -1, errno %s", #call,        \
			        WTERMSIG(st_), #err);                                           \
		else if (st_ == -2)                                                             \
			FAIL_AT("%s: still running after 10 s (killed); expected -1, errno %s", \
			        #call, #err);                                                   \
		else if (st_ == -1 || !WIFEXITED(st_) || WEXITSTATUS(st_) != 0)                 \
			failures++; /* the child printed what it got */                         \
	} while (0)

/* Milliseconds since START (a now_ns() value). */
static inline long ms_since(long long start)
{
	return (long)((now_ns() - start) / 1000000LL);
}

#endif /* C_MQ_COMMON_H */
