/* c_fork: fork, exit statuses, wait/waitpid (WNOHANG, ECHILD), exec and spawn.
 *
 * Run with the argument "exec-child N" (by its own exec test), it checks its arguments
 * and environment and exits with status N. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kestrel/syscall.h>

#include "check.h"

#define CHILDREN 10

static int exec_child(int argc, char **argv)
{
	/* Started by execv/execve below: argv and the environment come through. */
	const char *marker = getenv("C_FORK_MARKER");
	if (argc != 3 || !marker || strcmp(marker, "exec-env") != 0) {
		printf("c_fork exec child: bad arguments or environment\n");
		return 99;
	}
	return atoi(argv[2]);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "exec-child") == 0)
		return exec_child(argc, argv);

	pid_t self = getpid();
	printf("c_fork: pid %d\n", self);

	/* Ten children, each exiting with its own status. */
	pid_t pids[CHILDREN];
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			if (getppid() != self)
				_exit(100);
			exit(10 + i);
		}
		CHECK(pids[i] > 0);
	}
	int seen[CHILDREN] = {0};
	for (int n = 0; n < CHILDREN; n++) {
		int status = -1;
		pid_t pid = wait(&status);
		int i = 0;
		while (i < CHILDREN && pids[i] != pid)
			i++;
		if (i == CHILDREN) {
			printf("FAILED: wait returned unknown pid %d\n", pid);
			check_failures++;
			continue;
		}
		CHECK(WIFEXITED(status) && !WIFSIGNALED(status));
		printf("child %d (pid %d) exited with %d\n", i, pid, WEXITSTATUS(status));
		CHECK(WEXITSTATUS(status) == 10 + i);
		seen[i]++;
	}
	int all_seen = 1;
	for (int i = 0; i < CHILDREN; i++)
		all_seen &= seen[i] == 1;
	CHECK(all_seen);
	CHECK_ERRNO(wait(NULL), -1, ECHILD);
	CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), -1, ECHILD);

	/* waitpid on one pid; WNOHANG while the child still runs. */
	pid_t slow = fork();
	if (slow == 0) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
		_exit(7);
	}
	int status = -1;
	CHECK(waitpid(slow, &status, WNOHANG) == 0);
	CHECK(status == -1); /* untouched when nothing was reaped */
	CHECK(waitpid(slow, &status, 0) == slow);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	CHECK_ERRNO(waitpid(slow, &status, 0), -1, ECHILD);
	CHECK_ERRNO(waitpid(0, &status, 0), -1, EINVAL); /* no process groups */
	CHECK_ERRNO(waitpid(-1, &status, 0x40000000), -1, EINVAL);

	/* The child has its own copy of memory. */
	static volatile int shared_value = 1;
	pid_t writer = fork();
	if (writer == 0) {
		shared_value = 2;
		_exit(shared_value == 2 ? 0 : 1);
	}
	CHECK(waitpid(writer, &status, 0) == writer && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(shared_value == 1);

	/* Output buffered before fork is written once: fork flushes it first. */
	setvbuf(stdout, NULL, _IOFBF, 4096);
	printf("c_fork: this line is printed once, before fork\n");
	pid_t quiet = fork();
	if (quiet == 0)
		_exit(0); /* _exit does not flush: anything still buffered would be lost here */
	waitpid(quiet, &status, 0);
	setvbuf(stdout, NULL, _IOLBF, 4096);

	/* exec: the child replaces itself with this program in "exec-child" mode. */
	pid_t execer = fork();
	if (execer == 0) {
		char *args[] = {argv[0], "exec-child", "42", NULL};
		char *env[] = {"C_FORK_MARKER=exec-env", NULL};
		execve(argv[0], args, env);
		_exit(98);
	}
	CHECK(waitpid(execer, &status, 0) == execer && WIFEXITED(status));
	printf("exec child exited with %d\n", WEXITSTATUS(status));
	CHECK(WEXITSTATUS(status) == 42);

	/* execv passes the caller's environment. */
	CHECK(setenv("C_FORK_MARKER", "exec-env", 1) == 0);
	execer = fork();
	if (execer == 0) {
		char *args[] = {argv[0], "exec-child", "43", NULL};
		execv(argv[0], args);
		_exit(98);
	}
	CHECK(waitpid(execer, &status, 0) == execer && WIFEXITED(status) && WEXITSTATUS(status) == 43);

	/* Failing exec returns -1 with errno; the process carries on. */
	char *none[] = {"c_fork_no_such_program", NULL};
	CHECK_ERRNO(execv("c_fork_no_such_program", none), -1, ENOENT);
	char *empty_arg[] = {argv[0], "", NULL};
	CHECK_ERRNO(execv(argv[0], empty_arg), -1, E2BIG);

	/* __kestrel_spawn starts a program without forking. */
	char *spawn_args[] = {argv[0], "exec-child", "44", NULL};
	pid_t spawned = __kestrel_spawn(argv[0], spawn_args, NULL);
	CHECK(spawned > 0);
	CHECK(waitpid(spawned, &status, 0) == spawned && WIFEXITED(status) && WEXITSTATUS(status) == 44);

	/* A child's exit status keeps only its low 8 bits. */
	pid_t wide = fork();
	if (wide == 0)
		exit(256 + 3);
	CHECK(waitpid(wide, &status, 0) == wide && WEXITSTATUS(status) == 3);

	/* A child that closes every descriptor but the standard three (as a daemon does)
	 * still knows its pid, forks and waits, and exits with its status: the runtime's
	 * own descriptors are not the program's to lose. */
	pid_t closer = fork();
	if (closer == 0) {
		pid_t me = getpid();
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		if (getpid() != me)
			_exit(1);
		pid_t grandchild = fork();
		if (grandchild == 0)
			_exit(7);
		int gs = 0;
		if (waitpid(grandchild, &gs, 0) != grandchild || !WIFEXITED(gs) || WEXITSTATUS(gs) != 7)
			_exit(2);
		/* And over dup2 onto every number. */
		for (int fd = 3; fd < 64; fd++)
			dup2(0, fd);
		if (getppid() <= 0 || getpid() != me)
			_exit(3);
		exit(5);
	}
	CHECK(waitpid(closer, &status, 0) == closer && WIFEXITED(status) && WEXITSTATUS(status) == 5);

	return check_summary("c_fork");
}
