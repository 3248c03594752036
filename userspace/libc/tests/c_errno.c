/* c_errno: errno after failing calls (Linux values), strerror and perror, and the
 * root-only clock_settime. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	/* Descriptors. */
	CHECK_ERRNO(close(-1), -1, EBADF);
	CHECK_ERRNO(close(1000), -1, EBADF);
	CHECK_ERRNO(read(-1, NULL, 0), -1, EBADF);
	char byte;
	CHECK_ERRNO(write(999, &byte, 1), -1, EBADF);
	CHECK_ERRNO(dup(-1), -1, EBADF);
	CHECK_ERRNO(dup2(1, -1), -1, EBADF);
	CHECK_ERRNO(fcntl(-1, F_GETFD), -1, EBADF);
	CHECK_ERRNO(fcntl(1, 12345), -1, EINVAL);
	CHECK_ERRNO(open("/scheme/initfs/no_such_file", O_RDONLY), -1, ENOENT);
	CHECK_ERRNO(open("/no/such/scheme", O_RDONLY), -1, ENOENT);
	CHECK_ERRNO(open("/scheme/no_such_scheme/x", O_RDONLY), -1, ENOENT);
	CHECK(fopen("/scheme/initfs/no_such_file", "r") == NULL && errno == ENOENT);

	/* A file that exists: read it through stdio, and check the descriptor calls. */
	int fd = open("/scheme/initfs/c_errno", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	if (fd >= 0) {
		unsigned char magic[4];
		CHECK(read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0);
		CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
		CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
		CHECK_ERRNO(write(fd, "x", 1), -1, EBADF);
		int copy = dup(fd);
		CHECK(copy > fd && fcntl(copy, F_GETFD) == 0);
		CHECK(dup2(fd, 40) == 40 && close(40) == 0);
		int cloexec_copy = fcntl(fd, F_DUPFD_CLOEXEC, 20);
		CHECK(cloexec_copy >= 20 && fcntl(cloexec_copy, F_GETFD) == FD_CLOEXEC);
		CHECK(close(cloexec_copy) == 0);
		CHECK(close(copy) == 0);
		CHECK(close(fd) == 0);
		CHECK_ERRNO(close(fd), -1, EBADF);
	}
	FILE *f = fopen("/scheme/initfs/c_errno", "r");
	CHECK(f != NULL);
	if (f) {
		CHECK(fgetc(f) == 0x7f && fgetc(f) == 'E' && fgetc(f) == 'L' && fgetc(f) == 'F');
		char chunk[100];
		CHECK(fread(chunk, 1, sizeof chunk, f) == sizeof chunk);
		CHECK(fclose(f) == 0);
	}

	/* Processes. */
	CHECK_ERRNO(kill(999999, 0), -1, ESRCH);
	CHECK_ERRNO(kill(999999, SIGTERM), -1, ESRCH);
	CHECK_ERRNO(kill(0, SIGTERM), -1, EINVAL);
	CHECK_ERRNO(waitpid(-1, NULL, 0), -1, ECHILD);
	CHECK_ERRNO(wait(NULL), -1, ECHILD);
	CHECK_ERRNO(waitpid(12345, NULL, WNOHANG), -1, ECHILD);
	char *args[] = {"nothing", NULL};
	CHECK_ERRNO(execv("/scheme/initfs/no_such_program", args), -1, ENOENT);
	CHECK_ERRNO(execv("/scheme/initfs/tests", args), -1, ENOEXEC);

	/* Time. */
	struct timespec bad = {0, 1000000000L};
	CHECK_ERRNO(nanosleep(&bad, NULL), -1, EINVAL);
	struct timespec negative = {-1, 0};
	CHECK_ERRNO(nanosleep(&negative, NULL), -1, EINVAL);
	struct timespec ts;
	CHECK_ERRNO(clock_gettime(12345, &ts), -1, EINVAL);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
	struct timespec m1, m2;
	clock_gettime(CLOCK_MONOTONIC, &m1);
	struct timespec nap = {0, 2 * 1000 * 1000};
	CHECK(nanosleep(&nap, NULL) == 0);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	long elapsed_ns = (m2.tv_sec - m1.tv_sec) * 1000000000L + (m2.tv_nsec - m1.tv_nsec);
	CHECK(elapsed_ns >= 2 * 1000 * 1000);
	time_t t = time(NULL);
	CHECK(t > 1600000000); /* the realtime clock comes from the RTC */
	CHECK(clock_getres(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec > 0);

	/* clock_settime: root may set CLOCK_REALTIME (forward one minute, then back); no one
	 * may set the monotonic clock; others get EPERM. */
	struct timespec now, later;
	CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0);
	now.tv_sec += 60;
	CHECK(clock_settime(CLOCK_REALTIME, &now) == 0);
	CHECK(clock_gettime(CLOCK_REALTIME, &later) == 0 && later.tv_sec >= now.tv_sec && later.tv_sec < now.tv_sec + 5);
	later.tv_sec -= 60;
	CHECK(clock_settime(CLOCK_REALTIME, &later) == 0);
	CHECK_ERRNO(clock_settime(CLOCK_MONOTONIC, &now), -1, EINVAL);
	CHECK_ERRNO(clock_settime(CLOCK_REALTIME, &bad), -1, EINVAL);
	CHECK_ERRNO(clock_settime(12345, &now), -1, EINVAL);
	pid_t child = fork();
	if (child == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		struct timespec mine;
		clock_gettime(CLOCK_REALTIME, &mine);
		errno = 0;
		_exit(clock_settime(CLOCK_REALTIME, &mine) == -1 && errno == EPERM ? 0 : 1);
	}
	int status = -1;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Credentials: an unprivileged process cannot become root again. */
	CHECK(getuid() == 0 && geteuid() == 0);
	child = fork();
	if (child == 0) {
		if (setresuid(1000, 1000, 1000) != 0 || getuid() != 1000 || geteuid() != 1000)
			_exit(2);
		errno = 0;
		if (setuid(0) != -1 || errno != EPERM)
			_exit(3);
		errno = 0;
		if (kill(1, SIGTERM) != -1 || errno != EPERM) /* init belongs to root */
			_exit(4);
		gid_t groups[1] = {5};
		errno = 0;
		if (setgroups(1, groups) != -1 || errno != EPERM)
			_exit(5);
		_exit(0);
	}
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status));
	printf("unprivileged child exited with %d\n", WEXITSTATUS(status));
	CHECK(WEXITSTATUS(status) == 0);
	CHECK_ERRNO(getgroups(-1, NULL), -1, EINVAL);

	/* Memory and signals. */
	CHECK_ERRNO(sigaction(SIGKILL, &(struct sigaction){.sa_handler = SIG_IGN}, NULL), -1, EINVAL);
	CHECK_ERRNO(sigaction(65, NULL, NULL), -1, EINVAL);

	/* Numbers. */
	char *end;
	errno = 0;
	CHECK(strtol("9223372036854775808", &end, 10) == LONG_MAX && errno == ERANGE && *end == '\0');
	errno = 0;
	CHECK(strtol("-9223372036854775809", NULL, 10) == LONG_MIN && errno == ERANGE);
	errno = 0;
	CHECK(strtol("-9223372036854775808", NULL, 10) == LONG_MIN && errno == 0);
	errno = 0;
	CHECK(strtoul("18446744073709551616", NULL, 10) == ULONG_MAX && errno == ERANGE);
	errno = 0;
	CHECK(strtoul("-1", NULL, 10) == ULONG_MAX && errno == 0);
	CHECK(strtol("  0x1fZ", &end, 0) == 31 && *end == 'Z');
	CHECK(strtol("0777", NULL, 0) == 511);
	CHECK(strtol("zz", NULL, 36) == 1295);
	CHECK(strtol("0x", &end, 16) == 0 && *end == 'x');
	CHECK(strtol("  +", &end, 10) == 0 && strcmp(end, "  +") == 0);
	CHECK(strtoll("-101", NULL, 2) == -5);
	CHECK_ERRNO(strtol("12", NULL, 1), 0, EINVAL);
	CHECK(atoi("  -42abc") == -42 && atol("123") == 123);

	/* strerror names every errno value; unknown numbers get a message too. */
	int unnamed = 0;
	for (int e = 1; e <= 133; e++) {
		const char *msg = strerror(e);
		if (!msg || !*msg || strncmp(msg, "Unknown error", 13) == 0) {
			/* 41 and 58 are unused numbers in Linux too */
			if (e != 41 && e != 58) {
				printf("FAILED: strerror(%d) = \"%s\"\n", e, msg ? msg : "(null)");
				unnamed++;
			}
		}
	}
	CHECK(unnamed == 0);
	CHECK_STR(strerror(ENOENT), "No such file or directory");
	CHECK_STR(strerror(EBADF), "Bad file descriptor");
	CHECK_STR(strerror(ECHILD), "No child processes");
	CHECK_STR(strerror(ESRCH), "No such process");
	CHECK_STR(strerror(9999), "Unknown error 9999");
	CHECK_STR(strsignal(SIGTERM), "Terminated");

	/* perror writes "PREFIX: MESSAGE\n" to stderr and leaves errno alone. stderr is given
	 * a buffer for a moment so that the text can be checked before it is written. */
	static char captured[256];
	CHECK(setvbuf(stderr, captured, _IOFBF, sizeof captured) == 0);
	errno = ENOENT;
	perror("c_errno");
	int after = errno;
	errno = EACCES;
	perror(NULL);
	char copy[256];
	strcpy(copy, captured);
	size_t expected_len = strlen("c_errno: No such file or directory\nPermission denied\n");
	copy[expected_len < sizeof copy ? expected_len : sizeof copy - 1] = '\0';
	CHECK(fflush(stderr) == 0);
	CHECK(setvbuf(stderr, NULL, _IONBF, 0) == 0);
	CHECK(after == ENOENT);
	CHECK_STR(copy, "c_errno: No such file or directory\nPermission denied\n");

	return check_summary("c_errno");
}
