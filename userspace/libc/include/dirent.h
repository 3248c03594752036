/* dirent.h (kestrel guest C runtime): reading directories (`/tmp` and what is under it,
 * `/etc` listings as the boot image's scheme gives them). `struct dirent` is glibc's
 * x86_64 layout; d_type is DT_DIR or DT_REG. */
#ifndef _DIRENT_H
#define _DIRENT_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8

struct dirent {
	ino_t d_ino;
	off_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[256];
};

typedef struct __kestrel_dir DIR;

DIR *opendir(const char *path);
DIR *fdopendir(int fd);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);
void rewinddir(DIR *d);
int dirfd(DIR *d);

#ifdef __cplusplus
}
#endif

#endif /* _DIRENT_H */
