/* fcntl.c: open and fcntl (the kernel's Redox open flags, see fcntl.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>

#include "internal.h"

int open(const char *path, int flags, ...)
{
	/* The mode argument (with O_CREAT) means nothing to the kernel's schemes. */
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_OPEN, (unsigned long)path, strlen(path),
						     (unsigned long)(unsigned int)flags));
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (cmd == F_DUPFD_CLOEXEC) {
		int nfd = (int)__kestrel_ret(
			__kestrel_syscall3(KESTREL_SYS_FCNTL, (unsigned long)(long)fd, F_DUPFD, (unsigned int)arg));
		if (nfd >= 0)
			__kestrel_syscall3(KESTREL_SYS_FCNTL, (unsigned long)nfd, F_SETFD, FD_CLOEXEC);
		return nfd;
	}
	if (cmd == F_DUPFD || cmd == F_SETFD || cmd == F_SETFL)
		arg = (unsigned int)arg; /* an int argument */
	else
		arg = 0;
	return (int)__kestrel_ret(
		__kestrel_syscall3(KESTREL_SYS_FCNTL, (unsigned long)(long)fd, (unsigned long)(long)cmd, arg));
}
