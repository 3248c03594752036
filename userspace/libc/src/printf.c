/* printf.c: the string variants of printf (snprintf, sprintf, asprintf and their v
 * forms) over the formatter of format.c: the result is cut to the buffer, the return
 * value is not. */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct string_sink {
	struct __kestrel_sink sink;
	char *buf;
	size_t cap; /* bytes available, the terminator included */
	size_t len;
};

static void string_put(struct __kestrel_sink *sink, const char *s, size_t n)
{
	struct string_sink *ss = (struct string_sink *)sink;
	if (ss->len + 1 < ss->cap) {
		size_t room = ss->cap - 1 - ss->len;
		memcpy(ss->buf + ss->len, s, n < room ? n : room);
	}
	ss->len += n;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
	struct string_sink ss = {{string_put}, buf, size, 0};
	int r = __kestrel_vformat(&ss.sink, fmt, ap);
	if (size > 0)
		buf[ss.len < size ? ss.len : size - 1] = '\0';
	return r;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return vsnprintf(buf, (size_t)INT_MAX + 1, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsprintf(buf, fmt, ap);
	va_end(ap);
	return r;
}

int vasprintf(char **restrict out, const char *restrict fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		va_end(again);
		return -1;
	}
	char *buf = malloc((size_t)n + 1);
	if (!buf) {
		va_end(again);
		return -1;
	}
	vsnprintf(buf, (size_t)n + 1, fmt, again);
	va_end(again);
	*out = buf;
	return n;
}

int asprintf(char **restrict out, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}
