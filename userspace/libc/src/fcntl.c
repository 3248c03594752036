/* fcntl.c: open and fcntl (the kernel's Redox open flags, see fcntl.h), and where open
 * finds /etc. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "internal.h"

/* Paths outside /scheme/ go to the kernel as they are, except the system's configuration
 * files: /etc and what is under it are the initfs's etc directory (the boot image brings
 * them). Redox gives every unprefixed path to its file scheme; this kernel has none, so
 * only /etc is mapped. Returns the path to open, in buf if it was mapped, or NULL with
 * ENAMETOOLONG. */
static const char *kernel_path(const char *path, char *buf, size_t cap)
{
	static const char etc[] = "/scheme/initfs/etc";
	if (strncmp(path, "/etc", 4) != 0 || (path[4] != '\0' && path[4] != '/'))
		return path;
	size_t rest = strlen(path + 4) + 1;
	if (sizeof etc - 1 + rest > cap) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(buf, etc, sizeof etc - 1);
	memcpy(buf + sizeof etc - 1, path + 4, rest);
	return buf;
}

int open(const char *path, int flags, ...)
{
	/* As Redox's open: the permission bits of a file that O_CREAT creates travel in the
	 * flags' low 16 bits, where no O_ flag lives (the mode argument exists only with
	 * O_CREAT). */
	unsigned long kflags = (unsigned int)flags & ~0xffffU;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		kflags |= va_arg(ap, mode_t) & 07777;
		va_end(ap);
	}
	char buf[PATH_MAX];
	path = kernel_path(path, buf, sizeof buf);
	if (!path)
		return -1;
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_OPEN, (unsigned long)path, strlen(path), kflags));
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
