/* unistd.c: descriptors, sleeping, credentials, sysconf. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

ssize_t read(int fd, void *buf, size_t n)
{
	return __kestrel_ret(__kestrel_syscall3(KESTREL_SYS_READ, (unsigned long)(long)fd, (unsigned long)buf, n));
}

ssize_t write(int fd, const void *buf, size_t n)
{
	return __kestrel_ret(__kestrel_syscall3(KESTREL_SYS_WRITE, (unsigned long)(long)fd, (unsigned long)buf, n));
}

int __kestrel_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void (*__kestrel_close_hook)(int fd);

int close(int fd)
{
	__kestrel_proc_fd_released(fd);
	if (__kestrel_close_hook)
		__kestrel_close_hook(fd);
	return (int)__kestrel_ret(__kestrel_syscall1(KESTREL_SYS_CLOSE, (unsigned long)(long)fd));
}

int dup(int fd)
{
	return (int)__kestrel_ret(__kestrel_syscall4(KESTREL_SYS_DUP2, (unsigned long)(long)fd, ~0UL, 0, 0));
}

int dup2(int fd, int newfd)
{
	if (newfd < 0) {
		errno = EBADF;
		return -1;
	}
	int r = (int)__kestrel_ret(
		__kestrel_syscall4(KESTREL_SYS_DUP2, (unsigned long)(long)fd, (unsigned long)newfd, 0, 0));
	if (r >= 0 && fd != newfd) {
		__kestrel_proc_fd_released(newfd);
		if (__kestrel_close_hook)
			__kestrel_close_hook(newfd);
	}
	return r;
}

int ftruncate(int fd, off_t length)
{
	/* Linux checks the length before the descriptor. */
	if (length < 0) {
		errno = EINVAL;
		return -1;
	}
	return (int)__kestrel_ret(
		__kestrel_syscall2(KESTREL_SYS_FTRUNCATE, (unsigned long)(long)fd, (unsigned long)length));
}

off_t lseek(int fd, off_t offset, int whence)
{
	return (off_t)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_LSEEK, (unsigned long)(long)fd,
						       (unsigned long)offset, (unsigned long)(long)whence));
}

int fchown(int fd, uid_t uid, gid_t gid)
{
	return (int)__kestrel_ret(
		__kestrel_syscall3(KESTREL_SYS_FCHOWN, (unsigned long)(long)fd, (unsigned long)uid, (unsigned long)gid));
}

unsigned int sleep(unsigned int seconds)
{
	struct timespec req = {(time_t)seconds, 0}, rem;
	if (nanosleep(&req, &rem) == 0)
		return 0;
	/* Interrupted: what is left, rounded up so that a partial second is not lost. */
	return (unsigned int)rem.tv_sec + (rem.tv_nsec > 0);
}

int usleep(useconds_t usec)
{
	struct timespec req = {(time_t)(usec / 1000000), (long)(usec % 1000000) * 1000};
	return nanosleep(&req, NULL);
}

int pause(void)
{
	/* Sleeps until a signal interrupts the sleep (or ends the process). */
	struct timespec forever = {(time_t)1 << 40, 0};
	for (;;)
		if (nanosleep(&forever, NULL) < 0 && errno == EINTR)
			return -1;
}

int sched_yield(void)
{
	return (int)__kestrel_ret(__kestrel_syscall0(KESTREL_SYS_YIELD));
}

/* Credentials. Ids are 32-bit; -1 ((uid_t)-1) leaves an id unchanged. */

int getresuid(uid_t *ruid, uid_t *euid, uid_t *suid)
{
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_GETRESUID, (unsigned long)ruid, (unsigned long)euid,
						     (unsigned long)suid));
}

int getresgid(gid_t *rgid, gid_t *egid, gid_t *sgid)
{
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_GETRESGID, (unsigned long)rgid, (unsigned long)egid,
						     (unsigned long)sgid));
}

uid_t getuid(void)
{
	uid_t r = 0, e = 0, s = 0;
	getresuid(&r, &e, &s);
	return r;
}

uid_t geteuid(void)
{
	uid_t r = 0, e = 0, s = 0;
	getresuid(&r, &e, &s);
	return e;
}

gid_t getgid(void)
{
	gid_t r = 0, e = 0, s = 0;
	getresgid(&r, &e, &s);
	return r;
}

gid_t getegid(void)
{
	gid_t r = 0, e = 0, s = 0;
	getresgid(&r, &e, &s);
	return e;
}

int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_SETRESUID, ruid, euid, suid));
}

int setresgid(gid_t rgid, gid_t egid, gid_t sgid)
{
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_SETRESGID, rgid, egid, sgid));
}

int setreuid(uid_t ruid, uid_t euid)
{
	/* Linux: the saved id follows the new effective id when the real id is set or the
	 * effective id is set to something other than the old real id. The kernel checks
	 * the ids with setresuid's rule (each may become the real, effective or saved id). */
	uid_t r, e, s;
	if (getresuid(&r, &e, &s) < 0)
		return -1;
	uid_t new_e = euid == (uid_t)-1 ? e : euid;
	uid_t new_s = (ruid != (uid_t)-1 || (euid != (uid_t)-1 && new_e != r)) ? new_e : (uid_t)-1;
	return setresuid(ruid, euid, new_s);
}

int setregid(gid_t rgid, gid_t egid)
{
	gid_t r, e, s;
	if (getresgid(&r, &e, &s) < 0)
		return -1;
	gid_t new_e = egid == (gid_t)-1 ? e : egid;
	gid_t new_s = (rgid != (gid_t)-1 || (egid != (gid_t)-1 && new_e != r)) ? new_e : (gid_t)-1;
	return setresgid(rgid, egid, new_s);
}

int setuid(uid_t uid)
{
	return (int)__kestrel_ret(__kestrel_syscall1(KESTREL_SYS_SETUID, uid));
}

int setgid(gid_t gid)
{
	return (int)__kestrel_ret(__kestrel_syscall1(KESTREL_SYS_SETGID, gid));
}

int seteuid(uid_t uid)
{
	return (int)__kestrel_ret(__kestrel_syscall1(KESTREL_SYS_SETEUID, uid));
}

int setegid(gid_t gid)
{
	return (int)__kestrel_ret(__kestrel_syscall1(KESTREL_SYS_SETEGID, gid));
}

int getgroups(int size, gid_t list[])
{
	if (size < 0) {
		errno = EINVAL;
		return -1;
	}
	return (int)__kestrel_ret(
		__kestrel_syscall2(KESTREL_SYS_GETGROUPS, (unsigned long)size, size ? (unsigned long)list : 0));
}

int setgroups(size_t size, const gid_t *list)
{
	return (int)__kestrel_ret(__kestrel_syscall2(KESTREL_SYS_SETGROUPS, size, size ? (unsigned long)list : 0));
}

/* The CPUs the kernel runs, from the first line of /scheme/sys/cpu (`CPUs: N`, as
 * Redox's sys:cpu, which relibc reads); 1 if it cannot be read. */
static long cpus_online(void)
{
	char text[64];
	long fd = __kestrel_syscall3(KESTREL_SYS_OPEN, (unsigned long)"/scheme/sys/cpu", 15, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	long n = __kestrel_syscall3(KESTREL_SYS_READ, (unsigned long)fd, (unsigned long)text, sizeof text - 1);
	__kestrel_syscall1(KESTREL_SYS_CLOSE, (unsigned long)fd);
	if (n < 6 || memcmp(text, "CPUs: ", 6) != 0)
		return 1;
	long cpus = 0;
	for (long i = 6; i < n && text[i] >= '0' && text[i] <= '9'; i++)
		cpus = cpus * 10 + (text[i] - '0');
	return cpus > 0 ? cpus : 1;
}

long sysconf(int name)
{
	switch (name) {
	case _SC_ARG_MAX:
		return 64 * 1024; /* the kernel's limit on argument and environment bytes */
	case _SC_CHILD_MAX:
		return -1; /* no limit of its own */
	case _SC_CLK_TCK:
		return 1000; /* the scheduler's tick */
	case _SC_NGROUPS_MAX:
		return 65536;
	case _SC_OPEN_MAX:
		return 1024;
	case _SC_PAGESIZE:
		return 4096;
	case _SC_SIGQUEUE_MAX:
		return 1024; /* real-time signal instances a process may have queued */
	case _SC_SEMAPHORES:
		return 200809L; /* semaphore.h, in libkestrel_relibc.a */
	case _SC_SEM_NSEMS_MAX:
		return -1; /* no limit of its own (glibc's answer), errno unchanged */
	case _SC_SEM_VALUE_MAX:
		return 2147483647L; /* SEM_VALUE_MAX */
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN:
		return cpus_online(); /* every CPU the kernel finds, it runs */
	default:
		errno = EINVAL;
		return -1;
	}
}

int getpagesize(void)
{
	return 4096;
}
