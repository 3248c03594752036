/* sys/types.h: the POSIX scalar types (kestrel guest C runtime).
 * ABI: Linux x86_64 (glibc's choices: 32-bit ids, 64-bit sizes, offsets and times). */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H

#include <stddef.h>

typedef long ssize_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int id_t;
typedef unsigned int mode_t;
typedef long off_t;
typedef long time_t;
typedef long suseconds_t;
typedef unsigned int useconds_t;
typedef int clockid_t;
typedef unsigned long dev_t;
typedef unsigned long ino_t;
typedef unsigned long nlink_t;
typedef long blksize_t;
typedef long blkcnt_t;

/* key_t (System V IPC keys) is shared with relibc-patch's sys/ipc.h, hence the guard. */
#ifndef __key_t_defined
typedef int key_t;
#define __key_t_defined
#endif

#endif /* _SYS_TYPES_H */
