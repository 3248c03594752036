/* fcntl.h (kestrel guest C runtime).
 *
 * ABI: the KERNEL's open flags (Redox values, kestrel_abi::syscall), not Linux's. Note
 * that O_RDONLY is not 0 (it is 0x10000); the kernel also takes an access mode of 0 as
 * read-only. Only O_RDONLY/O_WRONLY/O_RDWR, O_NONBLOCK, O_CLOEXEC, O_CREAT, O_EXCL and
 * O_TRUNC mean anything to this kernel's schemes today; the other Redox bits are defined
 * so that code using them compiles, and are passed to the kernel as they are. As in
 * Redox, the flags' low 16 bits carry the permission bits of a file that O_CREAT creates
 * (open's third argument, & 07777; no umask).
 * fcntl commands and FD_CLOEXEC have the same values in Linux and Redox. Paths are
 * scheme paths: /scheme/NAME/... */
#ifndef _FCNTL_H
#define _FCNTL_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define O_RDONLY 0x00010000
#define O_WRONLY 0x00020000
#define O_RDWR 0x00030000
#define O_ACCMODE 0x00030000
#define O_NONBLOCK 0x00040000
#define O_NDELAY O_NONBLOCK
#define O_APPEND 0x00080000
#define O_ASYNC 0x00400000
#define O_FSYNC 0x00800000
#define O_SYNC O_FSYNC
#define O_CLOEXEC 0x01000000
#define O_CREAT 0x02000000
#define O_TRUNC 0x04000000
#define O_EXCL 0x08000000
#define O_DIRECTORY 0x10000000
#define O_NOFOLLOW ((int)0x80000000u)
#define O_NOCTTY 0 /* no terminals: nothing to do */

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030 /* Linux's number; done as F_DUPFD then F_SETFD */

#define FD_CLOEXEC 1

int open(const char *path, int flags, ...);
int creat(const char *path, mode_t mode);
int fcntl(int fd, int cmd, ...);

#ifdef __cplusplus
}
#endif

#endif /* _FCNTL_H */
