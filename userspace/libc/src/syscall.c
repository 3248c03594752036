/* syscall.c: raw results to C results, SYS_CALL, the proc scheme handle, and the process
 * id queries, which are here so that the proc call is inlined into them. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"

long __kestrel_fail(long raw)
{
	errno = (int)-raw;
	return -1;
}

long __kestrel_call(int fd, void *payload, size_t len, unsigned long flags, const uint64_t *metadata, size_t nmeta)
{
	if (nmeta > KESTREL_MAX_METADATA) {
		errno = EINVAL;
		return -1;
	}
	/* An empty payload is passed as a null pointer, as the Rust runtime does. */
	unsigned long p = len ? (unsigned long)payload : 0;
	unsigned long m = nmeta ? (unsigned long)metadata : 0;
	/* The metadata's length rides in the flags' low byte, as redox_syscall passes it. */
	return __kestrel_ret(__kestrel_syscall5(KESTREL_SYS_CALL, (unsigned long)(long)fd, p, len, flags | nmeta, m));
}

/* -1: not open yet. A fork child inherits both the descriptor and this variable; exec
 * closes the descriptor (close-on-exec) and starts a new image with -1 again. */
static int proc_fd = -1;

int __kestrel_proc_fd(void)
{
	if (proc_fd >= 0)
		return proc_fd;
	static const char path[] = "/scheme/proc/self";
	long fd = __kestrel_ret(
		__kestrel_syscall3(KESTREL_SYS_OPEN, (unsigned long)path, sizeof path - 1, O_RDWR | O_CLOEXEC));
	if (fd < 0)
		return -1;
	proc_fd = (int)fd;
	return proc_fd;
}

/* close and dup2 call this with the number they replace: a program that closes every
 * descriptor it did not open (a daemon, closefrom) or dup2s over this one takes it
 * away, and the next proc call opens another rather than calling whatever the number
 * names then. */
void __kestrel_proc_fd_released(int fd)
{
	if (fd == proc_fd)
		proc_fd = -1;
}

long __kestrel_proc_call(const uint64_t *metadata, size_t nmeta, void *payload, size_t len)
{
	int fd = __kestrel_proc_fd();
	if (fd < 0)
		return -1;
	return __kestrel_call(fd, payload, len, 0, metadata, nmeta);
}

/* The caller's identity is a direct system call, as its credentials are: these cannot
 * fail. */
pid_t getpid(void)
{
	return (pid_t)__kestrel_syscall0(KESTREL_SYS_GETPID);
}

pid_t getppid(void)
{
	return (pid_t)__kestrel_syscall0(KESTREL_SYS_GETPPID);
}
