/* c_pipe: pipes through the runtime: pipe and pipe2 (O_CLOEXEC and O_NONBLOCK seen
 * through fcntl, EINVAL for other flags), fstat's S_ISFIFO, a parent and a child taking
 * turns through two pipes, a reader asleep until a child writes, end of file once every
 * write end is closed, EPIPE with SIGPIPE handled, ignored and by default, PIPE_BUF
 * writes from several processes arriving whole, and EAGAIN on a full and on an empty
 * non-blocking pipe. The same source passes on Linux with glibc. */
#define _GNU_SOURCE /* pipe2 in glibc's unistd.h */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define WRITERS 4
#define RECORDS 64
#define CAPACITY 65536 /* Linux's default, and this kernel's */

/* The status of child pid: its exit code, 100 + the signal that killed it, or -1. */
static int child_status(pid_t pid)
{
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 100 + WTERMSIG(status) : -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0) {
	}
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void flags_and_stat(void)
{
	int fds[2] = {-1, -1};
	CHECK(pipe(fds) == 0);
	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
	CHECK((fcntl(fds[0], F_GETFL) & O_ACCMODE) == O_RDONLY);
	CHECK((fcntl(fds[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
	CHECK((fcntl(fds[0], F_GETFL) & O_NONBLOCK) == 0);
	CHECK(fcntl(fds[0], F_GETFD) == 0 && fcntl(fds[1], F_GETFD) == 0);
	struct stat st;
	CHECK(fstat(fds[0], &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK(fstat(fds[1], &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK(write(fds[1], "abc", 3) == 3);
	char buf[8] = {0};
	CHECK(read(fds[0], buf, sizeof buf) == 3 && memcmp(buf, "abc", 3) == 0);
	CHECK_ERRNO(write(fds[0], "x", 1), -1, EBADF);
	CHECK_ERRNO(read(fds[1], buf, 1), -1, EBADF);
	close(fds[0]);
	close(fds[1]);

	CHECK(pipe2(fds, O_CLOEXEC) == 0);
	CHECK(fcntl(fds[0], F_GETFD) == FD_CLOEXEC && fcntl(fds[1], F_GETFD) == FD_CLOEXEC);
	CHECK((fcntl(fds[0], F_GETFL) & O_NONBLOCK) == 0);
	close(fds[0]);
	close(fds[1]);
	CHECK(pipe2(fds, O_NONBLOCK) == 0);
	CHECK((fcntl(fds[0], F_GETFL) & O_NONBLOCK) && (fcntl(fds[1], F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(fds[0], F_GETFD) == 0);
	close(fds[0]);
	close(fds[1]);
	CHECK(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
	CHECK((fcntl(fds[1], F_GETFL) & O_NONBLOCK) && fcntl(fds[1], F_GETFD) == FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
	CHECK_ERRNO(pipe2(fds, O_CREAT), -1, EINVAL);
	CHECK_ERRNO(pipe2(fds, O_TRUNC | O_CLOEXEC), -1, EINVAL);
}

/* A child and its parent take turns: each waits for the other's byte before answering. */
static void ping_pong(void)
{
	int down[2], up[2];
	CHECK(pipe(down) == 0 && pipe(up) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		char c;
		int rounds = 0;
		while (read(down[0], &c, 1) == 1) {
			c++;
			if (write(up[1], &c, 1) != 1)
				_exit(1);
			rounds++;
		}
		_exit(rounds == 100 ? 0 : 2); /* end of file after the last round */
	}
	close(down[0]);
	close(up[1]);
	int ok = 1;
	for (int i = 0; i < 100 && ok; i++) {
		char c = (char)i, back = 0;
		ok = write(down[1], &c, 1) == 1 && read(up[0], &back, 1) == 1 && back == (char)(i + 1);
	}
	CHECK(ok);
	close(down[1]);
	CHECK(child_status(pid) == 0);
	char c;
	CHECK(read(up[0], &c, 1) == 0); /* the child's write end went with it */
	close(up[0]);
}

static void sleeping_reader_and_eof(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		sleep_ms(50);
		_exit(write(fds[1], "late", 4) == 4 ? 0 : 1);
	}
	close(fds[1]);
	double start = now_ms();
	char buf[16];
	CHECK(read(fds[0], buf, sizeof buf) == 4 && memcmp(buf, "late", 4) == 0);
	CHECK(now_ms() - start >= 40);
	CHECK(read(fds[0], buf, sizeof buf) == 0); /* end of file once the child exits */
	CHECK(child_status(pid) == 0);
	close(fds[0]);

	/* Every write end counts: a dup keeps the pipe open. */
	CHECK(pipe(fds) == 0);
	int w2 = dup(fds[1]);
	close(fds[1]);
	CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK_ERRNO(read(fds[0], buf, sizeof buf), -1, EAGAIN);
	close(w2);
	CHECK(read(fds[0], buf, sizeof buf) == 0);
	close(fds[0]);
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int signo)
{
	if (signo == SIGPIPE)
		sigpipes++;
}

static void broken_pipe(void)
{
	int fds[2];
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigpipe;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGPIPE, &sa, &old) == 0);
	CHECK(pipe(fds) == 0);
	close(fds[0]);
	sigpipes = 0;
	CHECK_ERRNO(write(fds[1], "x", 1), -1, EPIPE);
	CHECK(sigpipes == 1);

	signal(SIGPIPE, SIG_IGN);
	CHECK_ERRNO(write(fds[1], "x", 1), -1, EPIPE);
	CHECK(sigpipes == 1);

	signal(SIGPIPE, SIG_DFL);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		(void)!write(fds[1], "x", 1);
		_exit(0);
	}
	CHECK(child_status(pid) == 100 + SIGPIPE);
	close(fds[1]);

	/* A writer asleep on a full pipe gets EPIPE when the last reader closes. */
	CHECK(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		close(fds[0]);
		static char block[PIPE_BUF];
		for (;;) {
			ssize_t n = write(fds[1], block, sizeof block);
			if (n < 0)
				_exit(errno == EPIPE ? 0 : 1);
		}
	}
	close(fds[1]);
	sleep_ms(50); /* the child has filled the pipe and sleeps */
	close(fds[0]);
	CHECK(child_status(pid) == 0);
	sigaction(SIGPIPE, &old, NULL);
}

/* Records of PIPE_BUF bytes: the writer's number, a sequence number, the writer's number. */
static void atomic_writes(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	pid_t pids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			close(fds[0]);
			static unsigned char record[PIPE_BUF];
			for (int seq = 0; seq < RECORDS; seq++) {
				memset(record, w + 1, sizeof record);
				record[1] = (unsigned char)seq;
				if (write(fds[1], record, sizeof record) != (ssize_t)sizeof record)
					_exit(1);
			}
			_exit(0);
		}
	}
	close(fds[1]);
	size_t total = (size_t)WRITERS * RECORDS * PIPE_BUF, got = 0;
	unsigned char *stream = malloc(total + 3000);
	/* Reads of an odd size, so that records arrive in pieces. */
	while (got <= total) {
		ssize_t n = read(fds[0], stream + got, 3000);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	CHECK(got == total);
	int next[WRITERS] = {0}, intact = 1;
	for (size_t off = 0; off + PIPE_BUF <= got && intact; off += PIPE_BUF) {
		unsigned char *r = stream + off;
		int w = r[0] - 1;
		intact = w >= 0 && w < WRITERS && r[1] == next[w];
		for (size_t i = 2; i < PIPE_BUF && intact; i++)
			intact = r[i] == r[0];
		if (intact)
			next[w]++;
	}
	CHECK(intact);
	for (int w = 0; w < WRITERS; w++)
		CHECK(child_status(pids[w]) == 0);
	free(stream);
	close(fds[0]);
}

static void nonblocking(void)
{
	int fds[2];
	CHECK(pipe2(fds, O_NONBLOCK) == 0);
	static char buf[CAPACITY];
	CHECK_ERRNO(read(fds[0], buf, sizeof buf), -1, EAGAIN);
	size_t total = 0;
	ssize_t n;
	while ((n = write(fds[1], buf, PIPE_BUF)) > 0)
		total += (size_t)n;
	CHECK(n == -1 && errno == EAGAIN);
	CHECK(total == CAPACITY);
	CHECK_ERRNO(write(fds[1], "x", 1), -1, EAGAIN);
	CHECK(read(fds[0], buf, sizeof buf) == CAPACITY);
	CHECK_ERRNO(read(fds[0], buf, sizeof buf), -1, EAGAIN);
	CHECK(write(fds[1], "x", 1) == 1); /* room again */
	/* O_NONBLOCK cleared with F_SETFL: a read waits for a child's write. */
	CHECK(read(fds[0], buf, 1) == 1);
	CHECK(fcntl(fds[0], F_SETFL, 0) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(30);
		_exit(write(fds[1], "y", 1) == 1 ? 0 : 1);
	}
	CHECK(read(fds[0], buf, 1) == 1 && buf[0] == 'y');
	CHECK(child_status(pid) == 0);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	flags_and_stat();
	ping_pong();
	sleeping_reader_and_eof();
	broken_pipe();
	atomic_writes();
	nonblocking();
	return check_summary("c_pipe");
}
