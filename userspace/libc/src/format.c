/* format.c: the formatter behind the printf family (__kestrel_vformat): the format
 * string, integers, characters, strings and pointers. Floating point is in
 * format_float.c, the string variants (snprintf, ...) in printf.c, the stream ones in
 * stdio.c.
 *
 * Conversions: d i u o x X c s p n m %, and a A e E f F g G, with the flags "-+ 0#",
 * width and precision (numbers or '*'), and the length modifiers hh h l ll q j z t L.
 * Output matches glibc's. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format.h"

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_J, LEN_Z, LEN_T, LEN_BIG_L };

void emit(struct out *o, const char *s, size_t n)
{
	if (n) {
		o->sink->put(o->sink, s, n);
		o->count += n;
	}
}

void emit_repeat(struct out *o, char c, size_t n)
{
	char buf[64];
	memset(buf, c, n < sizeof buf ? n : sizeof buf);
	while (n > 0) {
		size_t k = n < sizeof buf ? n : sizeof buf;
		emit(o, buf, k);
		n -= k;
	}
}

void pad_left(struct out *o, int flags, size_t width, size_t len)
{
	if (!(flags & FLAG_LEFT) && width > len)
		emit_repeat(o, ' ', width - len);
}

void pad_right(struct out *o, int flags, size_t width, size_t len)
{
	if ((flags & FLAG_LEFT) && width > len)
		emit_repeat(o, ' ', width - len);
}

/* Writes `prefix`, then `digits` zero-extended to `precision`, padded to `width`. */
static void emit_number(struct out *o, int flags, size_t width, const char *prefix, const char *digits,
			size_t ndigits, size_t precision)
{
	size_t plen = strlen(prefix);
	size_t zeros = precision > ndigits ? precision - ndigits : 0;
	size_t len = plen + zeros + ndigits;
	if ((flags & FLAG_ZERO) && !(flags & FLAG_LEFT) && width > len) {
		zeros += width - len;
		len = width;
	}
	pad_left(o, flags, width, len);
	emit(o, prefix, plen);
	emit_repeat(o, '0', zeros);
	emit(o, digits, ndigits);
	pad_right(o, flags, width, len);
}

static void format_integer(struct out *o, int conv, int flags, size_t width, int precision, uintmax_t value,
			   int negative)
{
	char buf[72];
	char *end = buf + sizeof buf, *p = end;
	unsigned base = conv == 'o' ? 8 : (conv == 'x' || conv == 'X' || conv == 'p') ? 16 : 10;
	const char *digit_chars = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	for (uintmax_t v = value; v; v /= base)
		*--p = digit_chars[v % base];
	size_t ndigits = (size_t)(end - p);
	size_t prec = precision < 0 ? 1 : (size_t)precision;
	if (precision >= 0)
		flags &= ~FLAG_ZERO; /* a precision overrides the 0 flag for integers */
	const char *prefix = "";
	if (conv == 'd' || conv == 'i') {
		prefix = negative ? "-" : (flags & FLAG_PLUS) ? "+" : (flags & FLAG_SPACE) ? " " : "";
	} else if (conv == 'o' && (flags & FLAG_ALT)) {
		/* '#' makes the first digit a 0. */
		if (prec <= ndigits)
			prec = ndigits + 1;
	} else if ((conv == 'x' || conv == 'X') && (flags & FLAG_ALT) && value != 0) {
		prefix = conv == 'x' ? "0x" : "0X";
	} else if (conv == 'p') {
		prefix = "0x";
	}
	emit_number(o, flags, width, prefix, p, ndigits, prec);
}

static void format_string(struct out *o, int flags, size_t width, int precision, const char *s)
{
	if (!s)
		s = precision < 0 || precision >= 6 ? "(null)" : "";
	size_t len = precision < 0 ? strlen(s) : strnlen(s, (size_t)precision);
	pad_left(o, flags, width, len);
	emit(o, s, len);
	pad_right(o, flags, width, len);
}

/* Reads a decimal number of the format; saturates rather than overflows. */
static int read_number(const char **fmt)
{
	long v = 0;
	while (**fmt >= '0' && **fmt <= '9') {
		v = v * 10 + (*(*fmt)++ - '0');
		if (v > INT_MAX)
			v = INT_MAX;
	}
	return (int)v;
}

int __kestrel_vformat(struct __kestrel_sink *sink, const char *fmt, va_list args)
{
	struct out o = {sink, 0};
	va_list ap;
	va_copy(ap, args);
	int saved_errno = errno;
	while (*fmt) {
		if (*fmt != '%') {
			const char *start = fmt;
			while (*fmt && *fmt != '%')
				fmt++;
			emit(&o, start, (size_t)(fmt - start));
			continue;
		}
		const char *spec = fmt++;
		int flags = 0;
		for (;; fmt++) {
			if (*fmt == '-')
				flags |= FLAG_LEFT;
			else if (*fmt == '+')
				flags |= FLAG_PLUS;
			else if (*fmt == ' ')
				flags |= FLAG_SPACE;
			else if (*fmt == '0')
				flags |= FLAG_ZERO;
			else if (*fmt == '#')
				flags |= FLAG_ALT;
			else
				break;
		}
		size_t width = 0;
		if (*fmt == '*') {
			fmt++;
			int w = va_arg(ap, int);
			if (w < 0) {
				flags |= FLAG_LEFT;
				w = w == INT_MIN ? INT_MAX : -w;
			}
			width = (size_t)w;
		} else {
			width = (size_t)read_number(&fmt);
		}
		int precision = -1;
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				fmt++;
				precision = va_arg(ap, int);
				if (precision < 0)
					precision = -1; /* a negative precision is taken as omitted */
			} else {
				precision = read_number(&fmt);
			}
		}
		enum length len = LEN_NONE;
		switch (*fmt) {
		case 'h':
			len = fmt[1] == 'h' ? LEN_HH : LEN_H;
			fmt += len == LEN_HH ? 2 : 1;
			break;
		case 'l':
			len = fmt[1] == 'l' ? LEN_LL : LEN_L;
			fmt += len == LEN_LL ? 2 : 1;
			break;
		case 'q':
			len = LEN_LL;
			fmt++;
			break;
		case 'j':
			len = LEN_J;
			fmt++;
			break;
		case 'z':
			len = LEN_Z;
			fmt++;
			break;
		case 't':
			len = LEN_T;
			fmt++;
			break;
		case 'L':
			len = LEN_BIG_L;
			fmt++;
			break;
		}
		int conv = *fmt;
		if (conv)
			fmt++;
		switch (conv) {
		case 'd':
		case 'i': {
			intmax_t v;
			switch (len) {
			case LEN_HH:
				v = (signed char)va_arg(ap, int);
				break;
			case LEN_H:
				v = (short)va_arg(ap, int);
				break;
			case LEN_L:
			case LEN_LL:
			case LEN_J:
			case LEN_Z:
			case LEN_T:
			case LEN_BIG_L:
				v = va_arg(ap, long);
				break;
			default:
				v = va_arg(ap, int);
			}
			uintmax_t mag = v < 0 ? 0 - (uintmax_t)v : (uintmax_t)v;
			format_integer(&o, conv, flags, width, precision, mag, v < 0);
			break;
		}
		case 'u':
		case 'o':
		case 'x':
		case 'X': {
			uintmax_t v;
			switch (len) {
			case LEN_HH:
				v = (unsigned char)va_arg(ap, unsigned);
				break;
			case LEN_H:
				v = (unsigned short)va_arg(ap, unsigned);
				break;
			case LEN_L:
			case LEN_LL:
			case LEN_J:
			case LEN_Z:
			case LEN_T:
			case LEN_BIG_L:
				v = va_arg(ap, unsigned long);
				break;
			default:
				v = va_arg(ap, unsigned);
			}
			format_integer(&o, conv, flags & ~(FLAG_PLUS | FLAG_SPACE), width, precision, v, 0);
			break;
		}
		case 'p': {
			void *p = va_arg(ap, void *);
			if (!p)
				format_string(&o, flags, width, -1, "(nil)");
			else
				format_integer(&o, 'p', flags & ~(FLAG_PLUS | FLAG_SPACE), width, precision,
					       (uintptr_t)p, 0);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			pad_left(&o, flags, width, 1);
			emit(&o, &c, 1);
			pad_right(&o, flags, width, 1);
			break;
		}
		case 's':
			format_string(&o, flags, width, precision, va_arg(ap, const char *));
			break;
		case 'm':
			format_string(&o, flags, width, precision, strerror(saved_errno));
			break;
		case 'n': {
			void *p = va_arg(ap, void *);
			switch (len) {
			case LEN_HH:
				*(signed char *)p = (signed char)o.count;
				break;
			case LEN_H:
				*(short *)p = (short)o.count;
				break;
			case LEN_L:
			case LEN_LL:
			case LEN_J:
			case LEN_Z:
			case LEN_T:
				*(long *)p = (long)o.count;
				break;
			default:
				*(int *)p = (int)o.count;
			}
			break;
		}
		case 'a':
		case 'A':
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G': {
			double x = len == LEN_BIG_L ? (double)va_arg(ap, long double) : va_arg(ap, double);
			__kestrel_format_float(&o, conv, flags, width, precision, x);
			break;
		}
		case '%':
			emit(&o, "%", 1);
			break;
		default:
			/* Not a conversion: written as it stands (glibc does the same). */
			emit(&o, spec, (size_t)(fmt - spec));
			break;
		}
	}
	va_end(ap);
	if (o.count > INT_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return (int)o.count;
}

