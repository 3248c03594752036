/* stdio.h (kestrel guest C runtime): buffered streams over descriptors and the printf
 * family. stdout is line-buffered (fd 1), stderr unbuffered (fd 2), stdin reads fd 0.
 * All streams are flushed by exit() and before fork() and exec. */
#ifndef _STDIO_H
#define _STDIO_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct __kestrel_file FILE;

extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;
#define stdin stdin
#define stdout stdout
#define stderr stderr

#define EOF (-1)
#define BUFSIZ 4096
#define _IOFBF 0
#define _IOLBF 1
#define _IONBF 2
#define FOPEN_MAX 64
#define FILENAME_MAX 4096

#define __kestrel_printf_like(f, a) __attribute__((__format__(__printf__, f, a)))
#define __kestrel_scanf_like(f, a) __attribute__((__format__(__scanf__, f, a)))

int printf(const char *restrict fmt, ...) __kestrel_printf_like(1, 2);
int fprintf(FILE *restrict f, const char *restrict fmt, ...) __kestrel_printf_like(2, 3);
int dprintf(int fd, const char *restrict fmt, ...) __kestrel_printf_like(2, 3);
int sprintf(char *restrict buf, const char *restrict fmt, ...) __kestrel_printf_like(2, 3);
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...) __kestrel_printf_like(3, 4);
int asprintf(char **restrict out, const char *restrict fmt, ...) __kestrel_printf_like(2, 3);
int vprintf(const char *restrict fmt, va_list ap) __kestrel_printf_like(1, 0);
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap) __kestrel_printf_like(2, 0);
int vdprintf(int fd, const char *restrict fmt, va_list ap) __kestrel_printf_like(2, 0);
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap) __kestrel_printf_like(2, 0);
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap) __kestrel_printf_like(3, 0);
int vasprintf(char **restrict out, const char *restrict fmt, va_list ap) __kestrel_printf_like(2, 0);

int scanf(const char *restrict fmt, ...) __kestrel_scanf_like(1, 2);
int fscanf(FILE *restrict f, const char *restrict fmt, ...) __kestrel_scanf_like(2, 3);
int sscanf(const char *restrict s, const char *restrict fmt, ...) __kestrel_scanf_like(2, 3);
int vscanf(const char *restrict fmt, va_list ap) __kestrel_scanf_like(1, 0);
int vfscanf(FILE *restrict f, const char *restrict fmt, va_list ap) __kestrel_scanf_like(2, 0);
int vsscanf(const char *restrict s, const char *restrict fmt, va_list ap) __kestrel_scanf_like(2, 0);

int puts(const char *s);
int putchar(int c);
int fputs(const char *restrict s, FILE *restrict f);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f);
int fflush(FILE *f);

int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
char *fgets(char *restrict s, int n, FILE *restrict f);
size_t fread(void *restrict p, size_t size, size_t n, FILE *restrict f);
int ungetc(int c, FILE *f);
ssize_t getdelim(char **restrict line, size_t *restrict cap, int delim, FILE *restrict f);
ssize_t getline(char **restrict line, size_t *restrict cap, FILE *restrict f);

FILE *fopen(const char *restrict path, const char *restrict mode);
#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif
int rename(const char *old, const char *new);
int remove(const char *path);
FILE *fdopen(int fd, const char *mode);
int fclose(FILE *f);
int fileno(FILE *f);
int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size);
void setbuf(FILE *restrict f, char *restrict buf);

void perror(const char *s);

/* Threads: a stream's recursive lock, and the calls without it (POSIX, glibc). */
void flockfile(FILE *f);
int ftrylockfile(FILE *f);
void funlockfile(FILE *f);
int getc_unlocked(FILE *f);
int getchar_unlocked(void);
int putc_unlocked(int c, FILE *f);
int putchar_unlocked(int c);
int fgetc_unlocked(FILE *f);
int fputc_unlocked(int c, FILE *f);
int fputs_unlocked(const char *restrict s, FILE *restrict f);
char *fgets_unlocked(char *restrict s, int n, FILE *restrict f);
size_t fwrite_unlocked(const void *restrict p, size_t size, size_t n, FILE *restrict f);
size_t fread_unlocked(void *restrict p, size_t size, size_t n, FILE *restrict f);
int fflush_unlocked(FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* _STDIO_H */
