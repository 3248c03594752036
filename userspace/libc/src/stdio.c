/* stdio.c: streams. stdout is line-buffered on fd 1, stderr unbuffered on fd 2, stdin
 * fully buffered on fd 0; fopen() streams are fully buffered. A printf to an unbuffered
 * stream is still assembled in a small local buffer, so that one call is normally one
 * write (and lines from different processes do not mix).
 *
 * Threads: every stream has a recursive lock (flockfile), which each call holds; the
 * *_unlocked functions are the bodies without it. The list of open streams has a lock
 * of its own, taken before a stream's and never while one is held. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "thread.h"

static unsigned char stdin_buf[BUFSIZ];
static unsigned char stdout_buf[BUFSIZ];

static FILE file_stderr = {2, _IONBF, F_WRITE | F_STATIC, NULL, 0, 0, 0, 0, NULL, 0, 0, 0, 0};
static FILE file_stdout = {1, _IOLBF, F_WRITE | F_STATIC, stdout_buf, BUFSIZ, 0, 0, 0, &file_stderr, 0, 0, 0, 0};
static FILE file_stdin = {0, _IOFBF, F_READ | F_STATIC, stdin_buf, BUFSIZ, 0, 0, 0, &file_stdout, 0, 0, 0, 0};

FILE *stdin = &file_stdin;
FILE *stdout = &file_stdout;
FILE *stderr = &file_stderr;

/* Every open stream, newest first. */
static FILE *open_files = &file_stdin;
static volatile uint32_t open_files_lock;


void flockfile(FILE *f)
{
	int tid = __kestrel_self()->tid;
	if (f->lock_owner == tid) {
		f->lock_count++;
		return;
	}
	__kestrel_lock(&f->lock);
	f->lock_owner = tid;
	f->lock_count = 1;
}

int ftrylockfile(FILE *f)
{
	int tid = __kestrel_self()->tid;
	if (f->lock_owner == tid) {
		f->lock_count++;
		return 0;
	}
	uint32_t free_word = 0;
	if (!__atomic_compare_exchange_n(&f->lock, &free_word, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -1;
	f->lock_owner = tid;
	f->lock_count = 1;
	return 0;
}

void funlockfile(FILE *f)
{
	if (--f->lock_count == 0) {
		f->lock_owner = 0;
		__kestrel_unlock(&f->lock);
	}
}

/* Takes g's lock for a flush of every stream, unless another thread holds it with no
 * output to flush (a reader asleep in read, say), which fflush(NULL), exit and fork must
 * not wait for: 1 if taken. */
static int lock_for_flush(FILE *g)
{
	if (ftrylockfile(g) == 0)
		return 1;
	if (__atomic_load_n(&g->wpos, __ATOMIC_RELAXED) == 0)
		return 0;
	flockfile(g);
	return 1;
}

/* fork: every stream is flushed (or output still buffered would be written by both
 * processes) and held across the copy, but for those lock_for_flush passes over; the
 * child (a new tid) starts them all free. */
void __kestrel_stdio_lock_all(void)
{
	__kestrel_lock(&open_files_lock);
	for (FILE *g = open_files; g; g = g->next) {
		if (lock_for_flush(g)) {
			g->flags |= F_FORK_HELD;
			__kestrel_flush_out(g);
		}
	}
}

void __kestrel_stdio_unlock_all(int child)
{
	for (FILE *g = open_files; g; g = g->next) {
		if (child) {
			g->lock = 0;
			g->lock_owner = 0;
			g->lock_count = 0;
		} else if (g->flags & F_FORK_HELD) {
			funlockfile(g);
		}
		g->flags &= ~F_FORK_HELD;
	}
	if (child)
		open_files_lock = 0;
	else
		__kestrel_unlock(&open_files_lock);
}

int __kestrel_flush_out(FILE *f)
{
	if (f->wpos == 0)
		return 0;
	size_t n = f->wpos;
	f->wpos = 0;
	if (__kestrel_write_all(f->fd, f->buf, n) < 0) {
		f->flags |= F_ERR;
		return EOF;
	}
	return 0;
}

int fflush_unlocked(FILE *f)
{
	/* Unread input cannot be given back (no seek): it is dropped. */
	f->rpos = f->rend = 0;
	f->flags &= ~F_UNGOT;
	return __kestrel_flush_out(f);
}

int fflush(FILE *f)
{
	if (!f) {
		int r = 0;
		__kestrel_lock(&open_files_lock);
		for (FILE *g = open_files; g; g = g->next) {
			if (!lock_for_flush(g))
				continue;
			if (__kestrel_flush_out(g) < 0)
				r = EOF;
			funlockfile(g);
		}
		__kestrel_unlock(&open_files_lock);
		return r;
	}
	flockfile(f);
	int r = fflush_unlocked(f);
	funlockfile(f);
	return r;
}

void __kestrel_flush_all(void)
{
	fflush(NULL);
}

/* Appends n bytes to f; returns how many were taken (n unless an error occurred). */
static size_t put_bytes(FILE *f, const void *data, size_t n)
{
	if (!(f->flags & F_WRITE)) {
		f->flags |= F_ERR;
		errno = EBADF;
		return 0;
	}
	f->rpos = f->rend = 0;
	f->flags &= ~F_UNGOT;
	if (n == 0)
		return 0;
	if (f->mode == _IONBF || f->cap == 0) {
		if (__kestrel_write_all(f->fd, data, n) < 0) {
			f->flags |= F_ERR;
			return 0;
		}
		return n;
	}
	if (n > f->cap - f->wpos) {
		if (__kestrel_flush_out(f) < 0)
			return 0;
		if (n >= f->cap) {
			if (__kestrel_write_all(f->fd, data, n) < 0) {
				f->flags |= F_ERR;
				return 0;
			}
			return n;
		}
	}
	memcpy(f->buf + f->wpos, data, n);
	f->wpos += n;
	if (f->mode == _IOLBF && memchr(data, '\n', n) && __kestrel_flush_out(f) < 0)
		return 0;
	return n;
}

size_t fwrite_unlocked(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	if (size == 0 || n == 0)
		return 0;
	size_t total = size * n;
	return put_bytes(f, p, total) / size;
}

int fputc_unlocked(int c, FILE *f)
{
	unsigned char b = (unsigned char)c;
	return put_bytes(f, &b, 1) == 1 ? b : EOF;
}

int putc_unlocked(int c, FILE *f)
{
	return fputc_unlocked(c, f);
}

int putchar_unlocked(int c)
{
	return fputc_unlocked(c, stdout);
}

int fputs_unlocked(const char *restrict s, FILE *restrict f)
{
	size_t n = strlen(s);
	return put_bytes(f, s, n) == n ? 0 : EOF;
}

static int puts_unlocked(const char *s)
{
	size_t n = strlen(s);
	if (stdout->mode == _IONBF || stdout->cap == 0) {
		/* One write for the line and its newline. */
		char small[256];
		if (n < sizeof small) {
			memcpy(small, s, n);
			small[n] = '\n';
			return put_bytes(stdout, small, n + 1) == n + 1 ? 1 : EOF;
		}
	}
	if (put_bytes(stdout, s, n) != n || put_bytes(stdout, "\n", 1) != 1)
		return EOF;
	return 1;
}

/* printf to a stream: buffered streams take the pieces directly; unbuffered ones get
 * them through a local buffer that is written when full and at the end. */
struct file_sink {
	struct __kestrel_sink sink;
	FILE *f;
	int failed;
	size_t len;
	char buf[512];
};

static void file_put(struct __kestrel_sink *sink, const char *s, size_t n)
{
	struct file_sink *fs = (struct file_sink *)sink;
	if (fs->failed)
		return;
	if (fs->f->mode != _IONBF && fs->f->cap != 0) {
		if (put_bytes(fs->f, s, n) != n)
			fs->failed = 1;
		return;
	}
	if (n > sizeof fs->buf - fs->len) {
		if (fs->len && put_bytes(fs->f, fs->buf, fs->len) != fs->len)
			fs->failed = 1;
		fs->len = 0;
		if (n >= sizeof fs->buf) {
			if (!fs->failed && put_bytes(fs->f, s, n) != n)
				fs->failed = 1;
			return;
		}
	}
	memcpy(fs->buf + fs->len, s, n);
	fs->len += n;
}

static int vfprintf_unlocked(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	if (!(f->flags & F_WRITE)) {
		f->flags |= F_ERR;
		errno = EBADF;
		return -1;
	}
	struct file_sink fs;
	fs.sink.put = file_put;
	fs.f = f;
	fs.failed = 0;
	fs.len = 0;
	int r = __kestrel_vformat(&fs.sink, fmt, ap);
	if (fs.len && !fs.failed && put_bytes(f, fs.buf, fs.len) != fs.len)
		fs.failed = 1;
	return fs.failed ? -1 : r;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

int vdprintf(int fd, const char *restrict fmt, va_list ap)
{
	FILE f = {fd, _IONBF, F_WRITE, NULL, 0, 0, 0, 0, NULL, 0, 0, 0, 0};
	return vfprintf(&f, fmt, ap);
}

int dprintf(int fd, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

/* Opening and closing. */

static int mode_flags(const char *mode, int *oflags)
{
	int acc;
	switch (mode[0]) {
	case 'r':
		acc = O_RDONLY;
		break;
	case 'w':
		acc = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		acc = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	int extra = 0;
	for (const char *m = mode + 1; *m; m++) {
		if (*m == '+')
			acc = (acc & ~O_ACCMODE) | O_RDWR;
		else if (*m == 'e')
			extra |= O_CLOEXEC;
		else if (*m == 'x')
			extra |= O_EXCL;
	}
	*oflags = acc | extra;
	return 0;
}

static FILE *new_stream(int fd, int oflags)
{
	FILE *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->buf = malloc(BUFSIZ);
	if (!f->buf) {
		free(f);
		return NULL;
	}
	f->fd = fd;
	f->mode = _IOFBF;
	f->cap = BUFSIZ;
	int acc = oflags & O_ACCMODE;
	f->flags = F_OWNBUF | (acc == O_WRONLY ? 0 : F_READ) | (acc == O_RDONLY ? 0 : F_WRITE);
	__kestrel_lock(&open_files_lock);
	f->next = open_files;
	open_files = f;
	__kestrel_unlock(&open_files_lock);
	return f;
}

FILE *fopen(const char *restrict path, const char *restrict mode)
{
	int oflags;
	if (mode_flags(mode, &oflags) < 0)
		return NULL;
	int fd = open(path, oflags);
	if (fd < 0)
		return NULL;
	FILE *f = new_stream(fd, oflags);
	if (!f)
		close(fd);
	return f;
}

FILE *fdopen(int fd, const char *mode)
{
	int oflags;
	if (mode_flags(mode, &oflags) < 0)
		return NULL;
	return new_stream(fd, oflags);
}

int fclose(FILE *f)
{
	flockfile(f);
	int r = __kestrel_flush_out(f);
	if (close(f->fd) < 0)
		r = EOF;
	if (f->flags & F_STATIC) {
		f->flags &= ~(F_READ | F_WRITE);
		funlockfile(f);
		return r;
	}
	funlockfile(f);
	__kestrel_lock(&open_files_lock);
	for (FILE **link = &open_files; *link; link = &(*link)->next) {
		if (*link == f) {
			*link = f->next;
			break;
		}
	}
	__kestrel_unlock(&open_files_lock);
	if (f->flags & F_OWNBUF)
		free(f->buf);
	free(f);
	return r;
}

int fileno(FILE *f)
{
	return f->fd;
}

int feof(FILE *f)
{
	return (f->flags & F_EOF) != 0;
}

int ferror(FILE *f)
{
	return (f->flags & F_ERR) != 0;
}

void clearerr(FILE *f)
{
	f->flags &= ~(F_EOF | F_ERR);
}

static int setvbuf_unlocked(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF) {
		errno = EINVAL;
		return -1;
	}
	if (__kestrel_flush_out(f) < 0)
		return -1;
	unsigned char *nbuf = NULL;
	int own = 0;
	if (mode != _IONBF) {
		if (size == 0)
			size = BUFSIZ;
		if (buf) {
			nbuf = (unsigned char *)buf;
		} else if (f->buf && f->cap >= size) {
			nbuf = f->buf;
			size = f->cap;
			own = f->flags & F_OWNBUF;
		} else {
			nbuf = malloc(size);
			if (!nbuf)
				return -1;
			own = F_OWNBUF;
		}
	} else {
		size = 0;
	}
	if ((f->flags & F_OWNBUF) && f->buf != nbuf)
		free(f->buf);
	f->buf = nbuf;
	f->cap = size;
	f->mode = mode;
	f->flags = (f->flags & ~(F_OWNBUF | F_UNGOT)) | own;
	f->rpos = f->rend = 0;
	return 0;
}

void setbuf(FILE *restrict f, char *restrict buf)
{
	setvbuf(f, buf, buf ? _IOFBF : _IONBF, BUFSIZ);
}

/* The locked forms: each call holds the stream's lock throughout. */
#define LOCKED(type, call, f)           \
	do {                            \
		flockfile(f);           \
		type locked_r_ = (call); \
		funlockfile(f);         \
		return locked_r_;       \
	} while (0)

size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	LOCKED(size_t, fwrite_unlocked(p, size, n, f), f);
}

int fputc(int c, FILE *f)
{
	LOCKED(int, fputc_unlocked(c, f), f);
}

int putc(int c, FILE *f)
{
	LOCKED(int, fputc_unlocked(c, f), f);
}

int putchar(int c)
{
	LOCKED(int, fputc_unlocked(c, stdout), stdout);
}

int fputs(const char *restrict s, FILE *restrict f)
{
	LOCKED(int, fputs_unlocked(s, f), f);
}

int puts(const char *s)
{
	LOCKED(int, puts_unlocked(s), stdout);
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	LOCKED(int, vfprintf_unlocked(f, fmt, ap), f);
}

int fgetc(FILE *f)
{
	LOCKED(int, fgetc_unlocked(f), f);
}

int getc(FILE *f)
{
	LOCKED(int, fgetc_unlocked(f), f);
}

int getchar(void)
{
	LOCKED(int, fgetc_unlocked(stdin), stdin);
}

char *fgets(char *restrict s, int n, FILE *restrict f)
{
	LOCKED(char *, fgets_unlocked(s, n, f), f);
}

size_t fread(void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	LOCKED(size_t, fread_unlocked(p, size, n, f), f);
}

int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
	LOCKED(int, setvbuf_unlocked(f, buf, mode, size), f);
}

int ungetc(int c, FILE *f)
{
	LOCKED(int, __kestrel_ungetc_unlocked(c, f), f);
}

ssize_t getdelim(char **restrict line, size_t *restrict cap, int delim, FILE *restrict f)
{
	LOCKED(ssize_t, __kestrel_getdelim_unlocked(line, cap, delim, f), f);
}
