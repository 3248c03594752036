/* guest_runner: runs the relibc-style tests inside the kestrel guest, all in one boot.
 *
 * usage: guest_runner DIR NAME...   (DIR: where the programs are, /scheme/initfs/relibc)
 *
 * Runs each DIR/NAME (NAME is header/test) with the arguments "test args", as relibc's
 * runner does, with its stdout and stderr on two pipes, under a 10 s limit. For each
 * test it prints to its own stdout (the serial console) the lines
 *
 *   RELIBC-TEST NAME out HEX      the test's stdout, 48 bytes a line, hex encoded
 *   RELIBC-TEST NAME err HEX      the same for its stderr
 *   RELIBC-TEST NAME end STATUS   exit=N, signal=N or timeout
 *
 * which tests/tests/relibc_tests.rs reads back and compares with the expected files.
 * Hex keeps the bytes exact on a console that may add carriage returns. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LIMIT_MS 10000
#define CHUNK 48

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void emit(const char *name, const char *stream, const unsigned char *data, size_t len)
{
	for (size_t at = 0; at < len; at += CHUNK) {
		size_t n = len - at < CHUNK ? len - at : CHUNK;
		printf("RELIBC-TEST %s %s ", name, stream);
		for (size_t i = 0; i < n; i++)
			printf("%02x", data[at + i]);
		printf("\n");
	}
}

struct sink {
	int fd;
	unsigned char *data;
	size_t len, cap;
};

/* Reads what is there; returns 0 at end of file. */
static int drain(struct sink *s)
{
	unsigned char buf[512];
	ssize_t n = read(s->fd, buf, sizeof buf);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return 0;
	if (s->len + (size_t)n > s->cap) {
		s->cap = (s->len + (size_t)n) * 2;
		s->data = realloc(s->data, s->cap);
		if (!s->data) {
			printf("guest_runner: out of memory\n");
			exit(2);
		}
	}
	memcpy(s->data + s->len, buf, (size_t)n);
	s->len += (size_t)n;
	return 1;
}

static void run(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int out[2], err[2];
	if (pipe(out) < 0 || pipe(err) < 0) {
		printf("RELIBC-TEST %s end pipe-failed\n", name);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("RELIBC-TEST %s end fork-failed\n", name);
		return;
	}
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		char *argv[] = { path, "test", "args", NULL };
		execv(path, argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	struct sink sinks[2] = { { out[0], NULL, 0, 0 }, { err[0], NULL, 0, 0 } };
	int open_count = 2;
	int timed_out = 0;
	long deadline = now_ms() + LIMIT_MS;
	while (open_count > 0) {
		struct pollfd pfds[2];
		int n = 0;
		int which[2];
		for (int i = 0; i < 2; i++) {
			if (sinks[i].fd >= 0) {
				pfds[n].fd = sinks[i].fd;
				pfds[n].events = POLLIN;
				pfds[n].revents = 0;
				which[n++] = i;
			}
		}
		long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		int ready = poll(pfds, n, (int)left);
		if (ready < 0 && errno != EINTR)
			break;
		for (int k = 0; ready > 0 && k < n; k++) {
			if (!pfds[k].revents)
				continue;
			struct sink *s = &sinks[which[k]];
			if (!drain(s)) {
				close(s->fd);
				s->fd = -1;
				open_count--;
			}
		}
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	for (int i = 0; i < 2; i++)
		if (sinks[i].fd >= 0)
			close(sinks[i].fd);
	emit(name, "out", sinks[0].data, sinks[0].len);
	emit(name, "err", sinks[1].data, sinks[1].len);
	if (timed_out)
		printf("RELIBC-TEST %s end timeout\n", name);
	else if (WIFSIGNALED(status))
		printf("RELIBC-TEST %s end signal=%d\n", name, WTERMSIG(status));
	else
		printf("RELIBC-TEST %s end exit=%d\n", name, WEXITSTATUS(status));
	fflush(stdout);
	free(sinks[0].data);
	free(sinks[1].data);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: guest_runner DIR NAME...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		run(argv[1], argv[i]);
	printf("RELIBC-TEST done\n");
	return 0;
}
