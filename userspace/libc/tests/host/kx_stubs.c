/* kx_stubs: what the runtime's printf.c, string.c, stdlib.c, ctype.c, floatscan.c,
 * floatvalue.c and scanf.c need from the rest of the runtime when they are linked,
 * prefixed with kx_, into a host test. The stream functions are never called: the tests
 * use the string forms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kx_errno;
int *kx___errno_location(void) { return &kx_errno; }
char **kx_environ;
void *kx_stderr;
void *kx_stdin;
char *kx_strerror(int e) { return strerror(e); }
void *kx_malloc(size_t n) { return malloc(n); }
void kx_free(void *p) { free(p); }
void *kx_realloc(void *p, size_t n) { return realloc(p, n); }
void kx_abort(void) { abort(); }
int kx_fprintf(void *f, const char *fmt, ...)
{
	(void)f;
	(void)fmt;
	abort();
}
int kx_fgetc(void *f)
{
	(void)f;
	abort();
}
int kx_ungetc(int c, void *f)
{
	(void)c;
	(void)f;
	abort();
}
void kx_flockfile(void *f)
{
	(void)f;
	abort();
}
void kx_funlockfile(void *f)
{
	(void)f;
	abort();
}
