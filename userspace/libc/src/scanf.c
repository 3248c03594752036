/* scanf.c: the scanf family (sscanf, vsscanf, fscanf, vfscanf, scanf, vscanf) over one
 * scanner, __kestrel_vscan, which reads characters from a string or a stream with at
 * most one character of pushback, as C11 7.21.6.2 specifies.
 *
 * Directives: white space (skips any amount, none included), ordinary characters (must
 * match), and conversions %[*][width][m][length]conv with conv one of d i u o x X p
 * (integers, as strtoll or strtoull would read them, then cut to the length's type),
 * a A e E f F g G (floating point, correctly rounded: floatscan.c), c s [ (characters;
 * 'l' or C and S store wide characters; 'm' allocates the string), n and %%; lengths
 * hh h l ll q j z t L. The count returned is of assignments; EOF if the input ended (or
 * failed) before the first one.
 *
 * An input item is the longest sequence of characters that is, or begins, a match: "1e+"
 * for %f or "0x" for %x are read and then fail to match (C11 7.21.6.2p10 and its
 * EXAMPLE 3, "100ergs" for %f). glibc converts such items' valid beginnings instead;
 * see the runtime's README. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_BIG_L };

/* How a directive ended. */
enum outcome { DONE, MATCH_FAIL, INPUT_FAIL };

/* "No more characters may be read": the field width is used up. */
#define WIDTH_DONE (-2)

struct input {
	struct __kestrel_scan_source *src;
	size_t count; /* characters consumed, for %n */
	int at_eof;   /* the source said EOF: it is not asked again */
};

static int get(struct input *in)
{
	if (in->at_eof)
		return EOF;
	int c = in->src->get(in->src);
	if (c == EOF)
		in->at_eof = 1;
	else
		in->count++;
	return c;
}

/* Takes the next character of a field with `*left` characters still allowed. */
static int take(struct input *in, size_t *left)
{
	if (*left == 0)
		return WIDTH_DONE;
	(*left)--;
	return get(in);
}

/* Gives back the character that ended a field (EOF and WIDTH_DONE are not characters). */
static void give_back(struct input *in, int c)
{
	if (c >= 0) {
		in->src->unget(in->src, c);
		in->count--;
	}
}

static void skip_space(struct input *in)
{
	int c;
	while ((c = get(in)) != EOF && isspace(c))
		;
	give_back(in, c);
}

/* A conversion specification. */
struct spec {
	int suppress; /* '*': read, do not assign */
	int alloc;    /* 'm': allocate the string (its char ** is the argument) */
	size_t width; /* 0: none given */
	enum length len;
	int conv;
	unsigned char set[32]; /* %[: bit c is set if character c matches */
};

static int in_set(const unsigned char *set, int c)
{
	return (set[c >> 3] >> (c & 7)) & 1;
}

/* The scanlist after "%[": a first ']' (after any '^') is one of the characters; a '-'
 * between two characters in ascending order is the range between them (glibc's
 * reading; C leaves it to the implementation), else itself. Returns the format after
 * the closing ']', or NULL if there is none. */
static const char *parse_set(const char *f, unsigned char *set)
{
	int invert = *f == '^';
	f += invert;
	memset(set, 0, 32);
	const char *first = f;
	for (; *f && (*f != ']' || f == first); f++) {
		int c = (unsigned char)*f;
		if (c == '-' && f != first && f[1] && f[1] != ']' && (unsigned char)f[-1] <= (unsigned char)f[1])
			for (int x = (unsigned char)f[-1]; x <= (unsigned char)f[1]; x++)
				set[x >> 3] |= (unsigned char)(1 << (x & 7));
		else
			set[c >> 3] |= (unsigned char)(1 << (c & 7));
	}
	if (*f != ']')
		return NULL;
	if (invert)
		for (int i = 0; i < 32; i++)
			set[i] = (unsigned char)~set[i];
	return f + 1;
}

/* Parses the specification after '%'; returns the format after it, or NULL if it is
 * not one this scanner knows (positional arguments "%1$d" included). */
static const char *parse_spec(const char *f, struct spec *sp)
{
	sp->suppress = *f == '*';
	f += sp->suppress;
	sp->width = 0;
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width > (SIZE_MAX - 9) / 10 ? SIZE_MAX : sp->width * 10 + (size_t)(*f - '0');
	sp->alloc = *f == 'm';
	f += sp->alloc;
	sp->len = LEN_NONE;
	switch (*f) {
	case 'h':
		sp->len = f[1] == 'h' ? LEN_HH : LEN_H;
		f += sp->len == LEN_HH ? 2 : 1;
		break;
	case 'l':
		sp->len = f[1] == 'l' ? LEN_LL : LEN_L;
		f += sp->len == LEN_LL ? 2 : 1;
		break;
	case 'q':
	case 'j':
	case 'z':
	case 't':
		sp->len = LEN_LL; /* all 64 bits */
		f++;
		break;
	case 'L':
		sp->len = LEN_BIG_L;
		f++;
		break;
	}
	sp->conv = (unsigned char)*f++;
	if (sp->conv == 'C' || sp->conv == 'S') {
		sp->conv = sp->conv == 'C' ? 'c' : 's';
		sp->len = LEN_L;
	}
	if (sp->conv == '[')
		return parse_set(f, sp->set);
	if (!sp->conv || !strchr("diuoxXpaAeEfFgGcsn%", sp->conv))
		return NULL;
	return f;
}

/* Where the characters of %c %s %[ go: nowhere (suppressed), the caller's array, or
 * an array allocated as it grows ('m'); char or wchar_t elements (a byte becomes the
 * wide character of the same value, as in the C locale). */
struct text_out {
	int active, wide;
	void *buf;
	char **alloc_to; /* 'm': where the array goes when the conversion succeeds */
	size_t len, cap;
};

static int text_put(struct text_out *t, int c)
{
	if (!t->active)
		return 0;
	if (t->alloc_to && t->len == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		void *grown = realloc(t->buf, cap * (t->wide ? sizeof(wchar_t) : 1));
		if (!grown)
			return -1;
		t->buf = grown;
		t->cap = cap;
	}
	if (t->wide)
		((wchar_t *)t->buf)[t->len] = (wchar_t)c;
	else
		((char *)t->buf)[t->len] = (char)c;
	t->len++;
	return 0;
}

/* %c (exactly `width` characters, 1 by default, white space included), %s (characters
 * up to white space) and %[ (characters of the set); %s and %[ add a terminating NUL. */
static enum outcome scan_text(struct input *in, const struct spec *sp, va_list *ap, int *assigned)
{
	struct text_out t = {0};
	if (!sp->suppress) {
		t.active = 1;
		t.wide = sp->len == LEN_L;
		if (sp->alloc) {
			t.alloc_to = va_arg(*ap, char **);
			t.buf = NULL;
		} else {
			t.buf = va_arg(*ap, void *);
		}
	}
	size_t left = sp->width ? sp->width : sp->conv == 'c' ? 1 : SIZE_MAX;
	size_t want = left, n = 0;
	int c;
	enum outcome result = DONE;
	while ((c = take(in, &left)) >= 0) {
		int fits = sp->conv == 'c' || (sp->conv == 's' ? !isspace(c) : in_set(sp->set, c));
		if (!fits)
			break;
		if (text_put(&t, c) < 0) {
			result = MATCH_FAIL; /* out of memory: stop here */
			break;
		}
		n++;
	}
	if (result == DONE) {
		give_back(in, c);
		if (n == 0)
			result = c == EOF ? INPUT_FAIL : MATCH_FAIL;
		else if (sp->conv == 'c' && n < want)
			result = MATCH_FAIL; /* fewer characters than the width asks for */
		else if (sp->conv != 'c' && text_put(&t, '\0') < 0)
			result = MATCH_FAIL;
	}
	if (t.alloc_to) {
		if (result == DONE)
			*t.alloc_to = t.buf;
		else
			free(t.buf);
	}
	if (result == DONE && t.active)
		(*assigned)++;
	return result;
}

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return (c | 0x20) - 'a' + 10;
	return 99;
}

static void store_integer(void *p, enum length len, unsigned long long v)
{
	switch (len) {
	case LEN_HH:
		*(signed char *)p = (signed char)v;
		break;
	case LEN_H:
		*(short *)p = (short)v;
		break;
	case LEN_NONE:
		*(int *)p = (int)v;
		break;
	default:
		*(long long *)p = (long long)v;
	}
}

static enum outcome assign_integer(const struct spec *sp, va_list *ap, int *assigned, unsigned long long v)
{
	if (!sp->suppress) {
		if (sp->conv == 'p')
			*va_arg(*ap, void **) = (void *)(uintptr_t)v;
		else
			store_integer(va_arg(*ap, void *), sp->len, v);
		(*assigned)++;
	}
	return DONE;
}

/* %d %i %u %o %x %X %p: the digits as strtoll (d, i) or strtoull (the others) read them
 * in the conversion's base (0 for %i: by prefix); a value out of their range is theirs
 * (LLONG_MAX, ULLONG_MAX, ..., with ERANGE) and is then cut to the argument's type. */
static enum outcome scan_integer(struct input *in, const struct spec *sp, va_list *ap, int *assigned)
{
	int base = sp->conv == 'i' ? 0 : sp->conv == 'o' ? 8 : (sp->conv == 'd' || sp->conv == 'u') ? 10 : 16;
	size_t left = sp->width ? sp->width : SIZE_MAX;
	int c = take(in, &left);
	if (c == EOF)
		return INPUT_FAIL;
	int negative = 0, digits = 0, overflow = 0;
	unsigned long long v = 0;
	if (sp->conv == 'p' && c == '(') {
		/* "(nil)", which printf writes for a null pointer. */
		for (const char *rest = "nil)"; *rest; rest++) {
			c = take(in, &left);
			if (c != *rest) {
				give_back(in, c);
				return MATCH_FAIL;
			}
		}
		return assign_integer(sp, ap, assigned, 0);
	}
	if (c == '+' || c == '-') {
		negative = c == '-';
		c = take(in, &left);
	}
	if ((base == 0 || base == 16) && c == '0') {
		digits = 1;
		c = take(in, &left);
		if (c == 'x' || c == 'X') {
			digits = 0; /* "0x" only begins a number */
			base = 16;
			c = take(in, &left);
		} else if (base == 0) {
			base = 8;
		}
	}
	if (base == 0)
		base = 10;
	for (int d; c >= 0 && (d = digit_value(c)) < base; c = take(in, &left)) {
		digits = 1;
		if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			overflow = 1;
		else
			v = v * (unsigned)base + (unsigned)d;
	}
	give_back(in, c);
	if (!digits)
		return MATCH_FAIL;
	if (sp->conv == 'd' || sp->conv == 'i') {
		unsigned long long limit = negative ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
		if (overflow || v > limit) {
			errno = ERANGE;
			v = negative ? (unsigned long long)LLONG_MIN : LLONG_MAX;
		} else if (negative) {
			v = 0 - v;
		}
	} else if (overflow) {
		errno = ERANGE;
		v = ULLONG_MAX;
	} else if (negative) {
		v = 0 - v;
	}
	return assign_integer(sp, ap, assigned, v);
}

/* %a %e %f %g: strtod's grammar (floatscan.c). 'l' stores a double, 'L' a long double
 * (with double's precision, as everywhere in the runtime), none a float. */
static enum outcome scan_float(struct input *in, const struct spec *sp, va_list *ap, int *assigned)
{
	struct float_text t;
	__kestrel_float_begin(&t);
	size_t left = sp->width ? sp->width : SIZE_MAX;
	int c;
	while ((c = take(in, &left)) >= 0 && __kestrel_float_feed(&t, c))
		;
	give_back(in, c);
	if (t.taken == 0)
		return c == EOF ? INPUT_FAIL : MATCH_FAIL;
	if (t.valid != t.taken)
		return MATCH_FAIL;
	if (sp->suppress)
		return DONE;
	if (sp->len == LEN_L)
		*va_arg(*ap, double *) = __kestrel_float_double(&t);
	else if (sp->len == LEN_BIG_L)
		*va_arg(*ap, long double *) = __kestrel_float_double(&t);
	else
		*va_arg(*ap, float *) = __kestrel_float_float(&t);
	(*assigned)++;
	return DONE;
}

static enum outcome conversion(struct input *in, const struct spec *sp, va_list *ap, int *assigned)
{
	if (sp->conv == 'n') {
		if (!sp->suppress)
			store_integer(va_arg(*ap, void *), sp->len, in->count);
		return DONE;
	}
	if (sp->conv != 'c' && sp->conv != '[')
		skip_space(in);
	switch (sp->conv) {
	case '%': {
		int c = get(in);
		if (c == '%')
			return DONE;
		give_back(in, c);
		return c == EOF ? INPUT_FAIL : MATCH_FAIL;
	}
	case 'c':
	case 's':
	case '[':
		return scan_text(in, sp, ap, assigned);
	case 'd':
	case 'i':
	case 'u':
	case 'o':
	case 'x':
	case 'X':
	case 'p':
		return scan_integer(in, sp, ap, assigned);
	default:
		return scan_float(in, sp, ap, assigned);
	}
}

int __kestrel_vscan(struct __kestrel_scan_source *src, const char *fmt, va_list args)
{
	struct input in = {src, 0, 0};
	va_list ap;
	va_copy(ap, args);
	int assigned = 0;
	enum outcome result = DONE;
	while (*fmt && result == DONE) {
		if (isspace((unsigned char)*fmt)) {
			while (isspace((unsigned char)*fmt))
				fmt++;
			skip_space(&in);
		} else if (*fmt != '%') {
			int c = get(&in);
			if (c != (unsigned char)*fmt) {
				give_back(&in, c);
				result = c == EOF ? INPUT_FAIL : MATCH_FAIL;
			}
			fmt++;
		} else {
			struct spec sp;
			fmt = parse_spec(fmt + 1, &sp);
			result = fmt ? conversion(&in, &sp, &ap, &assigned) : MATCH_FAIL;
		}
	}
	va_end(ap);
	return result == INPUT_FAIL && assigned == 0 ? EOF : assigned;
}

/* Strings. */

struct string_source {
	struct __kestrel_scan_source src;
	const unsigned char *p;
};

static int string_get(struct __kestrel_scan_source *src)
{
	struct string_source *s = (struct string_source *)src;
	return *s->p ? *s->p++ : EOF;
}

static void string_unget(struct __kestrel_scan_source *src, int c)
{
	(void)c;
	((struct string_source *)src)->p--;
}

int vsscanf(const char *restrict s, const char *restrict fmt, va_list ap)
{
	struct string_source ss = {{string_get, string_unget}, (const unsigned char *)s};
	return __kestrel_vscan(&ss.src, fmt, ap);
}

int sscanf(const char *restrict s, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsscanf(s, fmt, ap);
	va_end(ap);
	return r;
}

/* Streams: through fgetc and ungetc, so the character that ends a field is the next
 * one the stream gives. */

struct file_source {
	struct __kestrel_scan_source src;
	FILE *f;
};

static int file_get(struct __kestrel_scan_source *src)
{
	return fgetc(((struct file_source *)src)->f);
}

static void file_unget(struct __kestrel_scan_source *src, int c)
{
	ungetc(c, ((struct file_source *)src)->f);
}

int vfscanf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct file_source fs = {{file_get, file_unget}, f};
	/* One scan holds the stream, so other threads' reads do not come between. */
	flockfile(f);
	int r = __kestrel_vscan(&fs.src, fmt, ap);
	funlockfile(f);
	return r;
}

int fscanf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfscanf(f, fmt, ap);
	va_end(ap);
	return r;
}

int vscanf(const char *restrict fmt, va_list ap)
{
	return vfscanf(stdin, fmt, ap);
}

int scanf(const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfscanf(stdin, fmt, ap);
	va_end(ap);
	return r;
}
