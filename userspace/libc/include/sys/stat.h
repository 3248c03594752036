/* sys/stat.h (kestrel guest C runtime).
 *
 * ABI: Linux x86_64 (glibc): the S_* mode values, and a 144-byte struct stat that fstat
 * fills from the kernel's (Redox) Stat, whose type bits in st_mode have the same values.
 * stat, chmod and mkdir take a path (see path.c for where it goes); stat and chmod open it
 * and work on the descriptor (the kernel has no call by path for them), so they need the
 * file to be readable, where Linux needs only search permission on its directories. No
 * links (lstat is stat) and no umask. */
#ifndef _SYS_STAT_H
#define _SYS_STAT_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* File types (st_mode & S_IFMT). */
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISBLK(m) (((m) & S_IFMT) == S_IFBLK)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

/* Permission bits, for open's and shm_open's mode. */
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_IRWXU 0700
#define S_IRUSR 0400
#define S_IWUSR 0200
#define S_IXUSR 0100
#define S_IRWXG 0070
#define S_IRGRP 0040
#define S_IWGRP 0020
#define S_IXGRP 0010
#define S_IRWXO 0007
#define S_IROTH 0004
#define S_IWOTH 0002
#define S_IXOTH 0001

#ifndef __timespec_defined
#define __timespec_defined
struct timespec {
	time_t tv_sec;
	long tv_nsec;
};
#endif

struct stat {
	dev_t st_dev;            /* offset   0 */
	ino_t st_ino;            /* offset   8 */
	nlink_t st_nlink;        /* offset  16 */
	mode_t st_mode;          /* offset  24 */
	uid_t st_uid;            /* offset  28 */
	gid_t st_gid;            /* offset  32 */
	int __pad0;              /* offset  36 */
	dev_t st_rdev;           /* offset  40: always 0 (the kernel has no device numbers) */
	off_t st_size;           /* offset  48 */
	blksize_t st_blksize;    /* offset  56 */
	blkcnt_t st_blocks;      /* offset  64 */
	struct timespec st_atim; /* offset  72 */
	struct timespec st_mtim; /* offset  88 */
	struct timespec st_ctim; /* offset 104 */
	long __glibc_reserved[3];
};
#define st_atime st_atim.tv_sec
#define st_mtime st_mtim.tv_sec
#define st_ctime st_ctim.tv_sec

int fstat(int fd, struct stat *st);
int stat(const char *path, struct stat *st);
int lstat(const char *path, struct stat *st);
int fchmod(int fd, mode_t mode);
int chmod(const char *path, mode_t mode);
int mkdir(const char *path, mode_t mode);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_STAT_H */
