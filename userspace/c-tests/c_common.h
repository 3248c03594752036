/* Helpers shared by the C conformance tests (c_sem_*.c, c_msg_*.c, c_mq_*.c, ...): checks
 * that print `FAIL file:line ...` and count failures, child processes whose failures come
 * back through their exit status (and reaping one with a deadline), waiting until a
 * process sleeps in a call, dropping privileges in a child, whether root may exceed the
 * privileged limits, the limits /proc reports, keys, clocks, and message text that tells
 * each message apart. The facility headers (c_sem_common.h, c_msg_common.h,
 * c_mq_common.h, ...) add what is particular to each facility.
 *
 * Plain POSIX and Linux C: the same sources build with the kestrel sysroot and with the
 * host's gcc and glibc, and pass on both (the tests follow Linux's semantics).
 */
#ifndef C_COMMON_H
#define C_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* glibc: semtimedop, SEM_STAT, MSG_STAT, MSG_COPY, setresuid */
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <grp.h> /* setgroups (the kestrel runtime declares it in unistd.h) */
#endif

/* Ids are index + seq * 32768. */
#define IPCMNI 32768

/* The uid and gid a child takes when it drops its privileges. */
#define OTHER_ID 1000

static const char *test_name = "c_test";
static int failures;

#define SECTION(what) printf("%s: %s\n", test_name, what)

#define FAIL_AT(...)                                              \
	do {                                                      \
		failures++;                                       \
		printf("FAIL %s:%d ", __FILE__, __LINE__);        \
		printf(__VA_ARGS__);                              \
		printf("\n");                                     \
		fflush(stdout);                                   \
	} while (0)

/* COND holds. */
#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond))                                              \
			FAIL_AT("%s", #cond);                             \
	} while (0)

/* A == B, as long longs. */
#define CHECK_EQ(a, b)                                                          \
	do {                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);             \
		if (a_ != b_)                                                   \
			FAIL_AT("%s == %s: %lld != %lld", #a, #b, a_, b_);      \
	} while (0)

/* CALL succeeds (is not -1); its value is left in `ret`. */
#define CHECK_OK(call)                                                                \
	do {                                                                          \
		errno = 0;                                                            \
		ret = (long long)(call);                                              \
		if (ret == -1)                                                        \
			FAIL_AT("%s: -1, errno %d (%s)", #call, errno, strerror(errno)); \
	} while (0)

/* CALL fails with ERR. */
#define CHECK_ERR(call, err)                                                                  \
	do {                                                                                  \
		errno = 0;                                                                    \
		long long r_ = (long long)(call);                                             \
		int e_ = errno;                                                               \
		if (r_ != -1 || e_ != (err))                                                  \
			FAIL_AT("%s: %lld, errno %d (%s); expected -1, errno %s (%d)", #call, \
			        r_, e_, strerror(e_), #err, (err));                           \
	} while (0)

/* The result of the last CHECK_OK. */
static long long ret;

/* A key for this process's use: distinct per process and per N. */
static inline key_t test_key(int n)
{
	return (key_t)(0x4b000000 | ((getpid() & 0xffff) << 8) | (n & 0xff));
}

static inline long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
	}
}

/* Waits until time() has moved past T. */
static inline void wait_past(time_t t)
{
	while (time(NULL) <= t)
		sleep_ms(20);
}

/* Forks a child that runs FN(ARG) and exits 0 if it and every check in it passed. */
static inline pid_t spawn(int (*fn)(int), int arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		failures = 0;
		int status = fn(arg);
		fflush(stdout);
		_exit(failures ? 1 : status);
	}
	if (pid < 0)
		FAIL_AT("fork: errno %d (%s)", errno, strerror(errno));
	return pid;
}

/* Waits for PID; returns its wait status (or -1). */
static inline int reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

/* PID (evaluated once) exited with status 0. */
#define CHECK_CHILD_OK(pid)                                                                   \
	do {                                                                                  \
		pid_t pid_ = (pid);                                                           \
		int st_ = reap(pid_);                                                         \
		if (st_ == -1 || !WIFEXITED(st_) || WEXITSTATUS(st_) != 0)                    \
			FAIL_AT("child %d: wait status 0x%x, expected exit 0", (int)pid_, st_); \
	} while (0)

/* Byte I of the text of message TAG (the message queue tests'): every message of a test
 * can be told apart. */
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

/* Whether PID sleeps in one of the NCALLS system calls CALLS: 1 or 0 where it can be seen,
 * -1 where not. Linux's /proc/PID/syscall names the call (its x86_64 number, then the
 * arguments) only while the task sleeps; kestrel has no /proc. The facility headers name
 * their calls. */
static inline int asleep_in(pid_t pid, const int *calls, size_t ncalls)
{
	char path[64], line[64];
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int asleep = 0;
	if (fgets(line, sizeof line, f) != NULL) {
		char *end;
		long nr = strtol(line, &end, 10);
		if (end != line && *end == ' ') {
			for (size_t i = 0; i < ncalls; i++)
				asleep |= nr == calls[i];
		}
	}
	fclose(f);
	return asleep;
}

/* Where it cannot be seen, a child is taken to be asleep this long after it was started. */
#define ASLEEP_MS 200

/* Waits until ASLEEP(PID) says PID sleeps (up to 10 s; where that cannot be seen,
 * ASLEEP_MS). */
static inline int wait_asleep_by(pid_t pid, int (*asleep)(pid_t))
{
	for (long long deadline = now_ns() + 10000000000LL; now_ns() < deadline; sleep_ms(1)) {
		int a = asleep(pid);
		if (a < 0) {
			sleep_ms(ASLEEP_MS);
			return 1;
		}
		if (a)
			return 1;
	}
	return 0;
}

/* PID is still in its call 50 ms later: it has not exited and, where that can be seen,
 * ASLEEP(PID) says it sleeps. */
static inline int still_asleep_by(pid_t pid, int (*asleep)(pid_t))
{
	sleep_ms(50);
	int status;
	if (waitpid(pid, &status, WNOHANG) != 0)
		return 0;
	return asleep(pid) != 0;
}

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

/* PID (evaluated once) ends with status 0 within 10 s. A child asleep in a call that should
 * have been woken is killed and reported rather than waited for for ever. */
#define CHECK_CHILD_DONE(pid)                                                                  \
	do {                                                                                   \
		pid_t pid_ = (pid);                                                            \
		int st_ = reap_within(pid_, 10000);                                            \
		if (st_ == -2)                                                                 \
			FAIL_AT("child %d: still in its call after 10 s (killed)", (int)pid_); \
		else if (st_ == -1 || !WIFEXITED(st_) || WEXITSTATUS(st_) != 0)               \
			FAIL_AT("child %d: wait status 0x%x, expected exit 0", (int)pid_, st_); \
	} while (0)

/* The number a /proc file at PATH holds (a limit Linux reports), else FALLBACK (kestrel
 * has no /proc). */
static inline long proc_long(const char *path, long fallback)
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

/* Whether this process may exceed the limits that need privilege (MSGMNB, the mqueue
 * limits). Linux asks for CAP_SYS_RESOURCE, which the root of a container may lack
 * (/proc/self/status says); kestrel has no /proc and asks for euid 0. */
static inline int may_exceed_limits(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return geteuid() == 0;
	char line[256];
	int found = 0;
	unsigned long long caps = 0;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "CapEff:", 7) == 0) {
			caps = strtoull(line + 7, NULL, 16);
			found = 1;
		}
	}
	fclose(f);
	return found ? (int)((caps >> 24) & 1) : geteuid() == 0; /* CAP_SYS_RESOURCE is 24 */
}

/* In a child: leave root for uid and gid OTHER_ID, without supplementary groups. */
static inline void drop_privileges(void)
{
	if (setgroups(0, NULL) != 0)
		FAIL_AT("setgroups: errno %d (%s)", errno, strerror(errno));
	if (setresgid(OTHER_ID, OTHER_ID, OTHER_ID) != 0)
		FAIL_AT("setresgid: errno %d (%s)", errno, strerror(errno));
	if (setresuid(OTHER_ID, OTHER_ID, OTHER_ID) != 0)
		FAIL_AT("setresuid: errno %d (%s)", errno, strerror(errno));
}

/* Runs this program again as `SELF exec-child ID` (the tests that check what exec keeps):
 * by its own path, else as Linux (/proc/self/exe) or kestrel (/scheme/initfs/NAME) name
 * it. Returns only if every exec failed, with a failed check. */
static inline int exec_self(const char *self, int id)
{
	char id_text[16];
	snprintf(id_text, sizeof id_text, "%d", id);
	fflush(stdout);
	const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
	char initfs[256];
	snprintf(initfs, sizeof initfs, "/scheme/initfs/%s", base);
	const char *paths[3] = {strchr(self, '/') ? self : "/proc/self/exe", "/proc/self/exe", initfs};
	for (int i = 0; i < 3; i++) {
		char *argv[] = {(char *)self, "exec-child", id_text, NULL};
		execv(paths[i], argv);
	}
	FAIL_AT("exec of this program failed: errno %d (%s)", errno, strerror(errno));
	return 1;
}

/* Prints the verdict and returns the exit status (the facility headers' finish() removes
 * the objects first). */
static inline int report(void)
{
	if (failures)
		printf("%s: %d check(s) failed\n", test_name, failures);
	else
		printf("%s: all checks passed\n", test_name);
	fflush(stdout);
	return failures ? 1 : 0;
}

#endif /* C_COMMON_H */
