/* dirent.c: opendir, readdir and friends over a directory descriptor, whose reads return
 * the kernel's directory records (Redox's format, abi/src/dirent.rs: a packed 19-byte
 * header { u64 inode, u64 next position, u16 record length, u8 kind }, the name, a NUL
 * and padding to 8 bytes). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER_SIZE 19

struct __kestrel_dir {
	int fd;
	size_t at, len;       /* the unread part of buf */
	struct dirent entry;  /* what readdir returns */
	char buf[4096];
};

static uint64_t word(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

DIR *fdopendir(int fd)
{
	DIR *d = malloc(sizeof *d);
	if (!d)
		return NULL;
	d->fd = fd;
	d->at = d->len = 0;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return d;
}

struct dirent *readdir(DIR *d)
{
	if (d->at == d->len) {
		ssize_t n = read(d->fd, d->buf, sizeof d->buf);
		if (n <= 0)
			return NULL; /* the end (errno unchanged), or the read's error */
		d->at = 0;
		d->len = (size_t)n;
	}
	const char *rec = d->buf + d->at;
	uint16_t len;
	memcpy(&len, rec + 16, sizeof len);
	if (len <= HEADER_SIZE || d->at + len > d->len) {
		errno = EIO; /* a record the kernel would not write */
		d->at = d->len;
		return NULL;
	}
	d->entry.d_ino = word(rec);
	d->entry.d_off = (off_t)word(rec + 8);
	d->entry.d_type = (unsigned char)rec[18];
	size_t name = strnlen(rec + HEADER_SIZE, len - HEADER_SIZE);
	if (name >= sizeof d->entry.d_name)
		name = sizeof d->entry.d_name - 1;
	memcpy(d->entry.d_name, rec + HEADER_SIZE, name);
	d->entry.d_name[name] = '\0';
	d->entry.d_reclen = sizeof d->entry;
	d->at += len;
	return &d->entry;
}

int closedir(DIR *d)
{
	int r = close(d->fd);
	free(d);
	return r;
}

void rewinddir(DIR *d)
{
	lseek(d->fd, 0, SEEK_SET);
	d->at = d->len = 0;
}

int dirfd(DIR *d)
{
	return d->fd;
}
