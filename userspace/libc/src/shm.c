/* shm.c: shm_open, shm_unlink and memfd_create. A POSIX shared memory object "/NAME" is the file
 * /scheme/shm/NAME of the kernel's shm scheme (whose root serves System V shared memory):
 * shm_open opens it, ftruncate sizes it, mmap maps it MAP_SHARED, shm_unlink removes the
 * name (the object lives on while it is open or mapped). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define SHM_DIR "/scheme/shm/"

/* The longest path: the directory, NAME_MAX bytes of name and a NUL. */
typedef char shm_path_buf[sizeof SHM_DIR + NAME_MAX];

/* Checks NAME and writes its path to PATH; returns the path's length, or -1 with errno set.
 * NAME is '/' followed by 1 to NAME_MAX bytes that contain no '/' and are not "." or "..":
 * POSIX's portable form (the meaning of other names is implementation-defined). As in
 * glibc, "/", "/.", "/.." and a name with another '/' are EINVAL, and a longer one
 * ENAMETOOLONG (glibc passes up to NAME_MAX + 4 bytes to the kernel, which says
 * ENAMETOOLONG, and calls longer ones EINVAL). glibc also takes a name without the leading
 * '/', or with several, which is EINVAL here. */
static long shm_path(const char *name, shm_path_buf path)
{
	if (name[0] != '/' || name[1] == '\0' || strchr(name + 1, '/') != NULL || strcmp(name, "/.") == 0 ||
	    strcmp(name, "/..") == 0) {
		errno = EINVAL;
		return -1;
	}
	size_t len = strlen(name + 1);
	if (len > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, SHM_DIR, sizeof SHM_DIR - 1);
	memcpy(path + sizeof SHM_DIR - 1, name + 1, len + 1);
	return (long)(sizeof SHM_DIR - 1 + len);
}

int shm_open(const char *name, int oflag, mode_t mode)
{
	shm_path_buf path;
	long len = shm_path(name, path);
	if (len < 0)
		return -1;
	/* Always close-on-exec, as POSIX requires. As with open, the permission bits of an
	 * object that O_CREAT creates travel in the flags' low 16 bits. The other flags go to
	 * the kernel as they are: O_RDONLY or O_RDWR, with O_CREAT, O_EXCL and O_TRUNC. */
	unsigned long flags = ((unsigned int)oflag & ~0xffffU) | O_CLOEXEC;
	if (oflag & O_CREAT)
		flags |= mode & 07777;
	return (int)__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_OPEN, (unsigned long)path, (unsigned long)len, flags));
}

/* An object without a name: O_CREAT on the shm scheme's root. NAME is only checked (at
 * most 249 bytes, as Linux); the object has mode 0777 as Linux's memfd files do. Sealing
 * (MFD_ALLOW_SEALING, MFD_NOEXEC_SEAL) and huge pages (MFD_HUGETLB) are not supported:
 * EINVAL, so that a program falls back as it would on a kernel without them. */
int memfd_create(const char *name, unsigned int flags)
{
	if (strlen(name) > 249 || (flags & ~(MFD_CLOEXEC | MFD_EXEC)) != 0) {
		errno = EINVAL;
		return -1;
	}
	static const char root[] = "/scheme/shm";
	unsigned long oflags = O_RDWR | O_CREAT | 0777 | (flags & MFD_CLOEXEC ? O_CLOEXEC : 0);
	return (int)__kestrel_ret(
		__kestrel_syscall3(KESTREL_SYS_OPEN, (unsigned long)root, sizeof root - 1, oflags));
}

int shm_unlink(const char *name)
{
	shm_path_buf path;
	long len = shm_path(name, path);
	if (len < 0) {
		/* No object has a name that shm_open refuses: ENOENT, as glibc says. */
		if (errno == EINVAL)
			errno = ENOENT;
		return -1;
	}
	return (int)__kestrel_ret(__kestrel_syscall2(KESTREL_SYS_UNLINK, (unsigned long)path, (unsigned long)len));
}
