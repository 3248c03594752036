/* kx_stubs: what the runtime's printf.c, string.c, stdlib.c and ctype.c need from the
 * rest of the runtime when they are linked, prefixed with kx_, into a host test. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kx_errno;
int *kx___errno_location(void) { return &kx_errno; }
char **kx_environ;
void *kx_stderr;
char *kx_strerror(int e) { return strerror(e); }
void *kx_malloc(size_t n) { return malloc(n); }
void kx_free(void *p) { free(p); }
void kx_abort(void) { abort(); }
int kx_fprintf(void *f, const char *fmt, ...)
{
	(void)f;
	(void)fmt;
	abort();
}
