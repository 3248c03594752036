/* pipe.c: pipe and pipe2 over the kernel's SYS_PIPE2, which stores the two descriptors
 * as two unsigned longs. The flags are fcntl.h's, which are the kernel's values (as open
 * passes them). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"

int pipe2(int fds[2], int flags)
{
	/* Linux also takes O_DIRECT (packet mode), which this kernel's pipes do not have. */
	if (flags & ~(O_CLOEXEC | O_NONBLOCK)) {
		errno = EINVAL;
		return -1;
	}
	unsigned long k[2];
	if (__kestrel_ret(__kestrel_syscall2(KESTREL_SYS_PIPE2, (unsigned long)k, (unsigned int)flags)) < 0)
		return -1;
	fds[0] = (int)k[0];
	fds[1] = (int)k[1];
	return 0;
}

int pipe(int fds[2])
{
	return pipe2(fds, 0);
}
