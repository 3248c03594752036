/* stdio_read.c: reading streams: refilling the buffer, fgetc, fgets, fread, ungetc,
 * getdelim and getline (the *_unlocked bodies; stdio.c has the locked forms and says how
 * streams are buffered and locked). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "thread.h"

/* Input. */

/* Refills the read buffer; returns 0, or EOF at the end of input or on an error. */
static int refill(FILE *f)
{
	if (!(f->flags & F_READ)) {
		f->flags |= F_ERR;
		errno = EBADF;
		return EOF;
	}
	if (__kestrel_flush_out(f) < 0)
		return EOF;
	for (;;) {
		ssize_t n = read(f->fd, f->buf, f->cap);
		if (n > 0) {
			f->rpos = 0;
			f->rend = (size_t)n;
			return 0;
		}
		if (n == 0) {
			f->flags |= F_EOF;
			return EOF;
		}
		if (errno != EINTR) {
			f->flags |= F_ERR;
			return EOF;
		}
	}
}

int fgetc_unlocked(FILE *f)
{
	if (f->flags & F_UNGOT) {
		f->flags &= ~F_UNGOT;
		return f->ungot;
	}
	if (f->rpos < f->rend)
		return f->buf[f->rpos++];
	if (f->cap == 0) {
		unsigned char c;
		for (;;) {
			ssize_t n = read(f->fd, &c, 1);
			if (n == 1)
				return c;
			if (n == 0) {
				f->flags |= F_EOF;
				return EOF;
			}
			if (errno != EINTR) {
				f->flags |= F_ERR;
				return EOF;
			}
		}
	}
	if (refill(f) < 0)
		return EOF;
	return f->buf[f->rpos++];
}

int getc_unlocked(FILE *f)
{
	return fgetc_unlocked(f);
}

int getchar_unlocked(void)
{
	return fgetc_unlocked(stdin);
}

char *fgets_unlocked(char *restrict s, int n, FILE *restrict f)
{
	if (n <= 0)
		return NULL;
	int i = 0;
	while (i < n - 1) {
		int c = fgetc_unlocked(f);
		if (c == EOF)
			break;
		s[i++] = (char)c;
		if (c == '\n')
			break;
	}
	if (i == 0)
		return NULL;
	s[i] = '\0';
	return s;
}

size_t fread_unlocked(void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	if (size == 0 || n == 0)
		return 0;
	size_t want = size * n, got = 0;
	unsigned char *dst = p;
	if (f->flags & F_UNGOT) {
		f->flags &= ~F_UNGOT;
		dst[got++] = f->ungot;
	}
	while (got < want) {
		if (f->rpos < f->rend) {
			size_t k = f->rend - f->rpos;
			if (k > want - got)
				k = want - got;
			memcpy(dst + got, f->buf + f->rpos, k);
			f->rpos += k;
			got += k;
			continue;
		}
		int c = fgetc_unlocked(f);
		if (c == EOF)
			break;
		dst[got++] = (unsigned char)c;
	}
	return got / size;
}

/* Gives c back to f: the next read returns it. One character can be given back (C
 * promises one; a second ungetc before a read fails). */
int __kestrel_ungetc_unlocked(int c, FILE *f)
{
	if (c == EOF || (f->flags & F_UNGOT) || !(f->flags & F_READ))
		return EOF;
	f->ungot = (unsigned char)c;
	f->flags = (f->flags | F_UNGOT) & ~F_EOF; /* C: a successful ungetc clears end of file */
	return f->ungot;
}

/* Reads up to and including `delim` (or to the end of the input) into *line, which is
 * grown with realloc as needed; returns the length, or -1 at the end of the input or on
 * an error (EINVAL for a null line or cap, ENOMEM). */
ssize_t __kestrel_getdelim_unlocked(char **restrict line, size_t *restrict cap, int delim, FILE *restrict f)
{
	if (!line || !cap) {
		errno = EINVAL;
		return -1;
	}
	size_t len = 0;
	for (;;) {
		int c = fgetc_unlocked(f);
		if (c == EOF)
			break;
		if (len + 2 > *cap || !*line) {
			size_t grown = *cap < 64 ? 128 : 2 * *cap;
			char *bigger = realloc(*line, grown);
			if (!bigger) {
				f->flags |= F_ERR;
				return -1;
			}
			*line = bigger;
			*cap = grown;
		}
		(*line)[len++] = (char)c;
		if (c == (unsigned char)delim)
			break;
	}
	if (len == 0)
		return -1;
	(*line)[len] = '\0';
	return (ssize_t)len;
}

ssize_t getline(char **restrict line, size_t *restrict cap, FILE *restrict f)
{
	return getdelim(line, cap, '\n', f);
}
