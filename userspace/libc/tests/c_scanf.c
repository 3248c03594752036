/* c_scanf: the scanf family and the text-to-number functions. sscanf with every
 * conversion, length, width and '*', white space and ordinary characters, %n, the
 * return value (assignments; EOF when the input ends first); integers as strtol reads
 * them (bases, prefixes, overflow cut to the type); floating point correctly rounded
 * (halfway cases, subnormals, hexadecimal, infinities and NaNs) for %f and strtod,
 * strtof, atof; %s %c %[ with sets and ranges, %ms; vsscanf; fscanf through a stream's
 * buffer, where the character that ends a field is the next one read (ungetc), and
 * getline; fscanf of a pipe with each buffering mode, scanf of a pipe on stdin. The same source passes with glibc on Linux; the checks under __kestrel__ are
 * the runtime's C11 readings where glibc differs (see the runtime's README). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* The runtime has no math.h: gcc's built-ins classify the values. */
#define isnan __builtin_isnan
#define isinf __builtin_isinf
#define signbit __builtin_signbit
#define INFINITY __builtin_inf()

#pragma GCC diagnostic ignored "-Wformat-zero-length" /* sscanf("", "") below */

#define CHECK_BITS(x, want)                                                                             \
	do {                                                                                            \
		double check_x_ = (x), check_w_ = (want);                                               \
		check_count++;                                                                          \
		if (memcmp(&check_x_, &check_w_, sizeof check_x_) == 0) {                               \
			printf("ok: %s == %a\n", #x, check_w_);                                         \
		} else {                                                                                \
			printf("FAILED: %s is %a, expected %a (%s:%d)\n", #x, check_x_, check_w_, __FILE__, \
			       __LINE__);                                                               \
			check_failures++;                                                               \
		}                                                                                       \
	} while (0)

static int call_vsscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsscanf(s, fmt, ap);
	va_end(ap);
	return r;
}

static void integers(void)
{
	int a = 0, b = 0, c = 0, n = -1;
	unsigned u = 0;
	CHECK(sscanf("42 -17 +8", "%d %d %d", &a, &b, &c) == 3 && a == 42 && b == -17 && c == 8);
	CHECK(sscanf("0x1f 017 99 -0X10", "%i %i %i %i", &a, &b, &c, &n) == 4 && a == 31 && b == 15 && c == 99 &&
	      n == -16);
	CHECK(sscanf("ff FF 0x10 777", "%x %X %x %o", &a, &b, &c, &u) == 4 && a == 255 && b == 255 && c == 16 &&
	      u == 0777);
	CHECK(sscanf("4294967295 -1", "%u %u", &u, (unsigned *)&a) == 2 && u == UINT_MAX && a == -1);
	CHECK(sscanf("08", "%i%n", &a, &n) == 1 && a == 0 && n == 1); /* "0", then 8 is no octal digit */
	CHECK(sscanf("12345", "%3d%d", &a, &b) == 2 && a == 123 && b == 45);
	CHECK(sscanf("-12", "%2d%d", &a, &b) == 2 && a == -1 && b == 2);
	CHECK(sscanf("+5", "%1d", &a) == 0); /* "+" alone is no number */
	CHECK(sscanf("-", "%d", &a) == 0);
	CHECK(sscanf("x", "%d", &a) == 0);

	signed char hh = 0;
	short h = 0;
	long l = 0;
	long long ll = 0;
	intmax_t j = 0;
	size_t z = 0;
	ptrdiff_t t = 0;
	CHECK(sscanf("300 70000 -9223372036854775808 18446744073709551615", "%hhd %hd %ld %llu", &hh, &h, &l,
		     (unsigned long long *)&ll) == 4 &&
	      hh == 44 && h == 4464 && l == LONG_MIN && ll == -1);
	CHECK(sscanf("-3 4 -5", "%jd %zu %td", &j, &z, &t) == 3 && j == -3 && z == 4 && t == -5);
	/* Out of range: strtol's saturated value, then cut to the type, with ERANGE. */
	errno = 0;
	CHECK(sscanf("99999999999999999999", "%lld", &ll) == 1 && ll == LLONG_MAX && errno == ERANGE);
	CHECK(sscanf("-99999999999999999999", "%d", &a) == 1 && a == 0); /* LLONG_MIN's low 32 bits */
	CHECK(sscanf("99999999999", "%d", &a) == 1 && a == (int)99999999999LL);
	CHECK(sscanf("-1", "%hhu", (unsigned char *)&hh) == 1 && (unsigned char)hh == 255);

	void *p = NULL, *q = &a;
	char text[64];
	snprintf(text, sizeof text, "%p", q);
	CHECK(sscanf(text, "%p", &p) == 1 && p == q);
	p = &a;
	CHECK(sscanf("(nil)", "%p", &p) == 1 && p == NULL);
	CHECK(sscanf("0x1234", "%p", &p) == 1 && p == (void *)0x1234);
}

static void floats(void)
{
	float f = 0;
	double d = 0, e = 0;
	long double ld = 0;
	CHECK(sscanf("0.1", "%lf", &d) == 1);
	CHECK_BITS(d, 0.1);
	CHECK(sscanf("0.1", "%f", &f) == 1 && f == 0.1f);
	CHECK(sscanf("1.5 -2.5e3", "%lf %le", &d, &e) == 2 && d == 1.5 && e == -2500.0);
	CHECK(sscanf("0.5", "%Lf", &ld) == 1 && ld == 0.5L);
	CHECK(sscanf("1e23", "%lg", &d) == 1);
	CHECK_BITS(d, 1e23);
	CHECK(sscanf("9007199254740993", "%lf", &d) == 1); /* halfway: to the even 2^53 */
	CHECK_BITS(d, 9007199254740992.0);
	CHECK(sscanf("9007199254740993.0000000000000000000000000001", "%lf", &d) == 1); /* just above */
	CHECK_BITS(d, 9007199254740994.0);
	CHECK(sscanf("2.2250738585072011e-308", "%lf", &d) == 1);
	CHECK_BITS(d, 0x0.fffffffffffffp-1022);
	CHECK(sscanf("4.9406564584124654e-324", "%lf", &d) == 1);
	CHECK_BITS(d, 0x1p-1074);
	double g = 0;
	CHECK(sscanf("0x1.8p1 0X.8P-1 0x10", "%la %lA %lg", &d, &e, &g) == 3 && d == 3.0 && e == 0.25 && g == 16);
	CHECK(sscanf("inf -INFINITY", "%lf %lf", &d, &e) == 2 && isinf(d) && d > 0 && isinf(e) && e < 0);
	CHECK(sscanf("nan -NaN", "%lf %lf", &d, &e) == 2 && isnan(d) && !signbit(d) && isnan(e) && signbit(e));
	errno = 0;
	CHECK(sscanf("1e999", "%lf", &d) == 1 && isinf(d) && errno == ERANGE);
	errno = 0;
	CHECK(sscanf("1e-999", "%lf", &d) == 1 && d == 0 && errno == ERANGE);
	int n = -1;
	CHECK(sscanf("1.5x", "%lf%n", &d, &n) == 1 && d == 1.5 && n == 3);
	CHECK(sscanf("12345.5", "%3lf%lf", &d, &e) == 2 && d == 123 && e == 45.5);
	CHECK(sscanf(".", "%lf", &d) == 0);
	CHECK(sscanf("infinit", "%lf", &d) == 0);	    /* a prefix of "infinity" only */
	CHECK(sscanf("+inf", "%3lf", &d) == 0);		    /* "+in" */
	CHECK(sscanf("-0", "%lf", &d) == 1 && d == 0 && signbit(d));

	/* The same reading in strtod, strtof, strtold and atof. */
	char *end;
	CHECK_BITS(strtod("  0x1p-1074", &end), 0x1p-1074);
	CHECK(*end == '\0');
	CHECK_BITS(strtod("1e+x", &end), 1.0);
	CHECK_STR(end, "e+x");
	CHECK_BITS(strtod("0x", &end), 0.0);
	CHECK_STR(end, "x");
	CHECK_BITS(strtod("nan(123)z", &end), strtod("nan(123)", NULL));
	CHECK_STR(end, "z");
	CHECK_BITS(strtod("infinityx", &end), INFINITY);
	CHECK_STR(end, "x");
	CHECK_BITS(strtod("abc", &end), 0.0);
	CHECK_STR(end, "abc");
	CHECK_BITS(strtod("1.7976931348623157e308", NULL), 0x1.fffffffffffffp1023);
	errno = 0;
	CHECK(isinf(strtod("1.7976931348623159e308", NULL)) && errno == ERANGE);
	CHECK(strtof("3.4028235e38", NULL) == 0x1.fffffep127f);
	CHECK(strtof("1.000000059604644775390624999", NULL) == 1.0f); /* just below halfway */
	CHECK(strtof("1.000000059604644775390625", NULL) == 1.0f);    /* halfway, to even */
	CHECK(strtof("1.000000059604644775390625001", NULL) == 0x1.000002p0f);
	errno = 0;
	CHECK(strtof("1e-46", NULL) == 0 && errno == ERANGE);
	CHECK(strtold("0.25", NULL) == 0.25L);
	CHECK(atof("-12.5e-1") == -1.25);
}

static void text(void)
{
	char a[32], b[32], c[32];
	int n = -1;
	CHECK(sscanf("  hello world", "%s %s", a, b) == 2 && strcmp(a, "hello") == 0 && strcmp(b, "world") == 0);
	CHECK(sscanf("abcdef", "%3s%s", a, b) == 2 && strcmp(a, "abc") == 0 && strcmp(b, "def") == 0);
	memset(a, 'Z', sizeof a);
	CHECK(sscanf(" xy", "%c%2c", &c[0], a) == 2 && c[0] == ' ' && a[0] == 'x' && a[1] == 'y' && a[2] == 'Z');
	CHECK(sscanf(" xy", " %c", &c[0]) == 1 && c[0] == 'x');
	CHECK(sscanf("abc123;rest", "%[a-z]%[0-9]%n", a, b, &n) == 2 && strcmp(a, "abc") == 0 &&
	      strcmp(b, "123") == 0 && n == 6);
	CHECK(sscanf("key=value;x", "%[^=]=%[^;]", a, b) == 2 && strcmp(a, "key") == 0 && strcmp(b, "value") == 0);
	CHECK(sscanf("]]-x", "%[]-]", a) == 1 && strcmp(a, "]]-") == 0); /* ']' first, '-' last */
	CHECK(sscanf("a-c", "%[c-a]", a) == 1 && strcmp(a, "a-c") == 0); /* descending: three characters */
	CHECK(sscanf("abcdef", "%[a-c-e]", a) == 1 && strcmp(a, "abcde") == 0);
	CHECK(sscanf("xyz", "%2[xyz]%s", a, b) == 2 && strcmp(a, "xy") == 0 && strcmp(b, "z") == 0);
	CHECK(sscanf("123", "%[a-z]", a) == 0);
	CHECK(sscanf("", "%[a-z]", a) == EOF);

	wchar_t w[8], wc[2];
	CHECK(sscanf("hi yo", "%ls %2lc", w, wc) == 2 && w[0] == L'h' && w[1] == L'i' && w[2] == 0 && wc[0] == L'y' &&
	      wc[1] == L'o');

	char *m = NULL, *m2 = NULL;
	CHECK(sscanf("allocated string", "%ms %m[a-z]", &m, &m2) == 2 && m && strcmp(m, "allocated") == 0 &&
	      m2 && strcmp(m2, "string") == 0);
	free(m);
	free(m2);
}

static void directives(void)
{
	int a = -1, b = -1, n = -1, n2 = -1;
	CHECK(sscanf("", "%d", &a) == EOF);
	CHECK(sscanf("   ", "%d", &a) == EOF);
	CHECK(sscanf("abc", "abc%d", &a) == EOF); /* input failure before any assignment */
	CHECK(sscanf("1", "%d%d", &a, &b) == 1);
	CHECK(sscanf("1 x", "%d %d", &a, &b) == 1);
	CHECK(sscanf("5", "%*d%d", &a) == EOF); /* a suppressed conversion assigns nothing */
	CHECK(sscanf("5 6", "%*d%d", &a) == 1 && a == 6);
	CHECK(sscanf("x", "%*d") == 0);
	CHECK(sscanf("", "") == 0);
	CHECK(sscanf("", " ") == 0);
	CHECK(sscanf("1,2", "%d,%d", &a, &b) == 2 && a == 1 && b == 2);
	CHECK(sscanf("1;2", "%d,%d", &a, &b) == 1);
	CHECK(sscanf("1 , 2", "%d ,%d", &a, &b) == 2 && b == 2);
	CHECK(sscanf("1\t\n ,", "%d%n ,%n", &a, &n, &n2) == 1 && n == 1 && n2 == 5);
	CHECK(sscanf(" 50%", "%d%%", &a) == 1 && a == 50);
	CHECK(sscanf("50 %", "%d%%", &a) == 1); /* %% skips white space too */
	CHECK(sscanf("", "%n", &n) == 0 && n == 0);
	CHECK(sscanf("a", "a%n%d", &n, &a) == EOF && n == 1);
	CHECK(sscanf("7", "%hhn%d", (signed char *)&n2, &a) == 1 && a == 7);
	CHECK(call_vsscanf("3 4", "%d %d", &a, &b) == 2 && a == 3 && b == 4);
}

/* The C11 readings the runtime keeps where glibc differs: an item that only begins a
 * match fails (C11 7.21.6.2p10 and its EXAMPLE 3), and "nan(chars)" is one item. */
static void c11_items(void)
{
#ifdef __kestrel__
	int a = -1, n = -1;
	double d = -1;
	char unit[20], c3[3];
	CHECK(sscanf("100ergs of energy", "%lf%19s", &d, unit) == 0);
	CHECK(sscanf("1e+x", "%lf", &d) == 0);
	CHECK(sscanf("0x", "%x", &a) == 0);
	CHECK(sscanf("0xg", "%i", &a) == 0);
	CHECK(sscanf("ab", "%3c", c3) == 0);
	CHECK(sscanf("nan(abc)x", "%lf%n", &d, &n) == 1 && isnan(d) && n == 8);
	CHECK(sscanf("-0x", "%lf", &d) == 0);
#endif
}

/* fscanf on a stream: /etc/passwd, whose first line is root's on Linux and kestrel. */
static void streams(void)
{
	FILE *f = fopen("/etc/passwd", "r");
	CHECK(f != NULL);
	if (!f)
		return;
	char name[32], pw[32], rest[256];
	unsigned uid = 1, gid = 1;
	CHECK(fscanf(f, "%31[^:]:%31[^:]:%u:%u", name, pw, &uid, &gid) == 4 && strcmp(name, "root") == 0 &&
	      uid == 0 && gid == 0);
	CHECK(fgetc(f) == ':'); /* the character that ended %u is the next one read */
	int d = -1;
	int first = fgetc(f);
	CHECK(first != EOF && ungetc(first, f) == first);
	CHECK(fscanf(f, "%d", &d) == 0); /* root's comment field is no number, and stays */
	CHECK(fgetc(f) == first);
	CHECK(fscanf(f, "%255[^\n]", rest) == 1);
	CHECK(fgetc(f) == '\n');
	/* Read the rest line by line, then end of file. */
	char *line = NULL;
	size_t cap = 0;
	long lines = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		lines++;
		CHECK(line[len - 1] == '\n' || feof(f));
	}
	free(line);
	CHECK(lines >= 1);
	CHECK(fscanf(f, "%d", &d) == EOF);
	CHECK(fclose(f) == 0);

#ifdef __kestrel__
	/* One character of pushback, as C promises: a second ungetc without a read fails. */
	f = fopen("/etc/passwd", "r");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(ungetc('x', f) == 'x' && ungetc('y', f) == EOF && fgetc(f) == 'x' && fgetc(f) == 'r');
	CHECK(fscanf(f, "oot:x:%d:%d:%[^:]", &d, &d, name) == 3 && strcmp(name, "root") == 0);
	CHECK(fclose(f) == 0);
	/* The console gives end of file at once. */
	CHECK(scanf("%d", &d) == EOF);
#endif
}

/* A pipe holding `text` (then end of file), read through a stream of the given buffering;
 * NULL if there is no pipe. */
static FILE *pipe_stream(const char *text, int mode)
{
	int fds[2];
	if (pipe(fds) < 0)
		return NULL;
	size_t len = strlen(text);
	if (write(fds[1], text, len) != (ssize_t)len || close(fds[1]) < 0) {
		close(fds[0]);
		return NULL;
	}
	FILE *f = fdopen(fds[0], "r");
	if (f)
		setvbuf(f, NULL, mode, 0);
	return f;
}

/* Controlled input through a pipe: where each field ends, whatever the buffering, and
 * what a failed item leaves (C11: all it read is gone, bar the one character that did
 * not fit; glibc converts the item's beginning, but it too gives back one character). */
static void pipes(void)
{
	static const int modes[] = {_IOFBF, _IOLBF, _IONBF};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		FILE *f = pipe_stream("12 abc 3.5e+x 0x 77 -8\nlast", modes[i]);
		CHECK(f != NULL);
		if (!f)
			continue;
		int a = 0, b = 0;
		double d = 0;
		char word[16];
		CHECK(fscanf(f, "%d %15s", &a, word) == 2 && a == 12 && strcmp(word, "abc") == 0);
		int r = fscanf(f, "%lf", &d);
#ifdef __kestrel__
		CHECK(r == 0); /* "3.5e+" is no number */
#else
		CHECK(r == 1 && d == 3.5);
#endif
		CHECK(fgetc(f) == 'x'); /* only the character that ended the item comes back */
		r = fscanf(f, "%x", &a);
#ifdef __kestrel__
		CHECK(r == 0); /* "0x" */
#else
		CHECK(r == 1 && a == 0);
#endif
		CHECK(fscanf(f, "%d%d", &a, &b) == 2 && a == 77 && b == -8);
		CHECK(fgetc(f) == '\n' && fscanf(f, "%15s", word) == 1 && strcmp(word, "last") == 0);
		CHECK(fscanf(f, "%d", &a) == EOF && feof(f));
		CHECK(fclose(f) == 0);
	}

	/* scanf reads stdin: a pipe put on descriptor 0. */
	int saved = dup(0), fds[2];
	CHECK(saved >= 0 && pipe(fds) == 0);
	if (saved < 0)
		return;
	CHECK(write(fds[1], "5 six 7.25", 10) == 10 && close(fds[1]) == 0 && dup2(fds[0], 0) == 0 && close(fds[0]) == 0);
	clearerr(stdin);
	int n = 0;
	char word[8];
	float x = 0;
	CHECK(scanf("%d %7s %f", &n, word, &x) == 3 && n == 5 && strcmp(word, "six") == 0 && x == 7.25f);
	CHECK(scanf("%d", &n) == EOF);
	CHECK(dup2(saved, 0) == 0 && close(saved) == 0);
	clearerr(stdin);
}

int main(void)
{
	integers();
	floats();
	text();
	directives();
	c11_items();
	streams();
	pipes();
	return check_summary("c_scanf");
}
