/* process.c: fork, exec, spawn, wait and kill, through the proc scheme (the id queries
 * are in syscall.c). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "thread.h"

pid_t fork(void)
{
	/* The child gets only the calling thread: the atfork handlers run and the runtime's
	 * locks are held across the copy, so none is left held by a thread that is gone.
	 * Streams are flushed then too (output still buffered would otherwise be written by
	 * both processes). */
	__kestrel_fork_prepare();
	uint64_t meta[1] = {KESTREL_PROC_FORK};
	pid_t pid = (pid_t)__kestrel_proc_call(meta, 1, NULL, 0);
	int saved = errno;
	if (pid == 0)
		__kestrel_fork_child();
	else
		__kestrel_fork_parent();
	errno = saved;
	return pid;
}

static const char initfs_prefix[] = "/scheme/initfs/";

long __kestrel_spawn_payload(const char *path, char *const argv[], char *const envp[], char **out)
{
	int bare = strchr(path, '/') == NULL;
	size_t len = (bare ? sizeof initfs_prefix - 1 : 0) + strlen(path) + 1;
	if (!bare && path[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	for (size_t i = 0; argv && argv[i]; i++) {
		/* The encoding ends the argument list with an empty string. */
		if (argv[i][0] == '\0') {
			errno = E2BIG;
			return -1;
		}
		len += strlen(argv[i]) + 1;
	}
	len += 1;
	for (size_t i = 0; envp && envp[i]; i++)
		if (envp[i][0] != '\0')
			len += strlen(envp[i]) + 1;
	char *buf = malloc(len);
	if (!buf)
		return -1;
	char *at = buf;
	if (bare)
		at = stpcpy(at, initfs_prefix);
	at = stpcpy(at, path) + 1;
	for (size_t i = 0; argv && argv[i]; i++)
		at = stpcpy(at, argv[i]) + 1;
	*at++ = '\0';
	for (size_t i = 0; envp && envp[i]; i++)
		if (envp[i][0] != '\0')
			at = stpcpy(at, envp[i]) + 1;
	*out = buf;
	return (long)(at - buf);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	char *payload;
	long len = __kestrel_spawn_payload(path, argv, envp, &payload);
	if (len < 0)
		return -1;
	/* Unlike POSIX, pending output is written rather than lost with the old image. */
	__kestrel_flush_all();
	uint64_t meta[1] = {KESTREL_PROC_EXEC};
	int fd = __kestrel_proc_fd();
	long r = fd < 0 ? -1 : __kestrel_call(fd, payload, (size_t)len, KESTREL_CALL_WRITE, meta, 1);
	int saved = errno;
	free(payload);
	errno = saved;
	if (r >= 0)
		errno = EIO; /* exec does not return on success */
	return -1;
}

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

int execvp(const char *file, char *const argv[])
{
	return execve(file, argv, environ);
}

/* Collects execl's variadic arguments (ending with a null pointer) into an array. */
#define EXECL_BODY(path, arg, envp)                                         \
	do {                                                                \
		va_list ap;                                                 \
		size_t n = 1;                                               \
		va_start(ap, arg);                                          \
		while (va_arg(ap, char *))                                  \
			n++;                                                \
		va_end(ap);                                                 \
		char **argv = malloc((n + 1) * sizeof *argv);               \
		if (!argv)                                                  \
			return -1;                                          \
		argv[0] = (char *)arg;                                      \
		va_start(ap, arg);                                          \
		for (size_t i = 1; i <= n; i++)                             \
			argv[i] = va_arg(ap, char *);                       \
		va_end(ap);                                                 \
		argv[n] = NULL;                                             \
		execve(path, argv, envp);                                   \
		int saved = errno;                                          \
		free(argv);                                                 \
		errno = saved;                                              \
		return -1;                                                  \
	} while (0)

int execl(const char *path, const char *arg, ...)
{
	EXECL_BODY(path, arg, environ);
}

int execlp(const char *file, const char *arg, ...)
{
	EXECL_BODY(file, arg, environ);
}

int __kestrel_spawn(const char *path, char *const argv[], char *const envp[])
{
	char *payload;
	long len = __kestrel_spawn_payload(path, argv, envp ? envp : environ, &payload);
	if (len < 0)
		return -1;
	uint64_t meta[1] = {KESTREL_PROC_SPAWN};
	int fd = __kestrel_proc_fd();
	long r = fd < 0 ? -1 : __kestrel_call(fd, payload, (size_t)len, KESTREL_CALL_WRITE, meta, 1);
	int saved = errno;
	free(payload);
	errno = saved;
	return (int)r;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	/* WUNTRACED and WCONTINUED are accepted: no child ever stops or continues. */
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED)) {
		errno = EINVAL;
		return -1;
	}
	int32_t st = 0;
	uint64_t meta[3] = {KESTREL_PROC_WAITPID, (uint64_t)(int64_t)pid, (uint64_t)(options & WNOHANG)};
	long r = __kestrel_proc_call(meta, 3, &st, sizeof st);
	if (r > 0 && status)
		*status = st;
	return (pid_t)r;
}

pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

int kill(pid_t pid, int signo)
{
	if (signo < 0 || signo >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	uint64_t meta[3] = {KESTREL_PROC_KILL, (uint64_t)(int64_t)pid, (uint64_t)signo};
	return (int)__kestrel_proc_call(meta, 3, NULL, 0);
}

int raise(int signo)
{
	return kill(getpid(), signo);
}

