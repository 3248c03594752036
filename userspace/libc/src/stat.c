/* stat.c: fstat, converting the kernel's (Redox) Stat to Linux's struct stat. */
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

int fstat(int fd, struct stat *st)
{
	struct kestrel_stat k;
	if (__kestrel_ret(__kestrel_syscall3(KESTREL_SYS_FSTAT, (unsigned long)(long)fd, (unsigned long)&k, sizeof k)) < 0)
		return -1;
	memset(st, 0, sizeof *st);
	st->st_dev = k.st_dev;
	st->st_ino = k.st_ino;
	st->st_nlink = k.st_nlink;
	st->st_mode = k.st_mode; /* the same type and permission bits */
	st->st_uid = k.st_uid;
	st->st_gid = k.st_gid;
	st->st_size = (off_t)k.st_size;
	st->st_blksize = k.st_blksize;
	st->st_blocks = (blkcnt_t)k.st_blocks;
	st->st_atim.tv_sec = (time_t)k.st_atime_sec;
	st->st_atim.tv_nsec = k.st_atime_nsec;
	st->st_mtim.tv_sec = (time_t)k.st_mtime_sec;
	st->st_mtim.tv_nsec = k.st_mtime_nsec;
	st->st_ctim.tv_sec = (time_t)k.st_ctime_sec;
	st->st_ctim.tv_nsec = k.st_ctime_nsec;
	return 0;
}

int fchmod(int fd, mode_t mode)
{
	return (int)__kestrel_ret(__kestrel_syscall2(KESTREL_SYS_FCHMOD, (unsigned long)(long)fd, mode & 07777));
}
