/* c_printf: snprintf results against the expected strings (glibc's output) for the
 * conversions, flags, widths, precisions and length modifiers, the return values of
 * truncated output, and the stream functions on top (printf, fprintf, puts, ...). */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The compiler knows snprintf and would compute many of these results itself: calls go
 * through pointers it cannot see through, so that the runtime's formatter does the work.
 * Some formats below are odd on purpose (flags that cancel, an unknown conversion). */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-truncation"
static int (*volatile snprintf_)(char *, size_t, const char *, ...) = snprintf;
static int (*volatile sprintf_)(char *, const char *, ...) = sprintf;
static int (*volatile printf_)(const char *, ...) = printf;
static int (*volatile fprintf_)(FILE *, const char *, ...) = fprintf;
static int (*volatile dprintf_)(int, const char *, ...) = dprintf;
#define snprintf snprintf_
#define sprintf sprintf_
#define printf_checked printf_
#define fprintf fprintf_
#define dprintf dprintf_

static char buf[512];

/* Formats into buf and compares text and return value. */
#define EXPECT(want, ...)                                                                          \
	do {                                                                                       \
		int expect_r_ = snprintf(buf, sizeof buf, __VA_ARGS__);                            \
		check_count++;                                                                     \
		if (strcmp(buf, want) == 0 && expect_r_ == (int)strlen(want)) {                    \
			printf("ok: %-28s -> \"%s\"\n", #__VA_ARGS__, buf);                        \
		} else {                                                                           \
			printf("FAILED: %s -> \"%s\" (%d), expected \"%s\" (%s:%d)\n", #__VA_ARGS__, \
			       buf, expect_r_, want, __FILE__, __LINE__);                          \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

static int call_vsnprintf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return r;
}

int main(void)
{
	/* Integers. */
	EXPECT("42", "%d", 42);
	EXPECT("-42", "%i", -42);
	EXPECT("0", "%d", 0);
	EXPECT("-2147483648", "%d", INT_MIN);
	EXPECT("2147483647", "%d", INT_MAX);
	EXPECT("4294967295", "%u", UINT_MAX);
	EXPECT("9223372036854775807", "%lld", LLONG_MAX);
	EXPECT("-9223372036854775808", "%lld", LLONG_MIN);
	EXPECT("18446744073709551615", "%llu", ULLONG_MAX);
	EXPECT("-9223372036854775808", "%ld", LONG_MIN);
	EXPECT("ff FF 377", "%x %X %o", 255, 255, 255);
	EXPECT("0xff 0XFF 0377 0", "%#x %#X %#o %#x", 255, 255, 255, 0);
	EXPECT("0", "%#o", 0);
	EXPECT("ffffffffffffffff", "%lx", ULONG_MAX);
	/* Length modifiers. */
	EXPECT("-1 255", "%hhd %hhu", 255, 255);
	EXPECT("-1 65535", "%hd %hu", 65535, 65535);
	EXPECT("-5 5 -7 -8", "%zd %zu %td %jd", (ssize_t)-5, (size_t)5, (ptrdiff_t)-7, (intmax_t)-8);
	EXPECT("44 45", "%hhx %hx", 0x144, 0x10045);
	/* Width, precision and flags. */
	EXPECT("   42", "%5d", 42);
	EXPECT("42   |", "%-5d|", 42);
	EXPECT("00042", "%05d", 42);
	EXPECT("-0042", "%05d", -42);
	EXPECT("+42 -42", "%+d %+d", 42, -42);
	EXPECT(" 42", "% d", 42);
	EXPECT("+42", "%+ d", 42);
	EXPECT("  042", "%5.3d", 42);
	EXPECT("  042", "%05.3d", 42);
	EXPECT("", "%.0d", 0);
	EXPECT("     ", "%5.0d", 0);
	EXPECT("-00042", "%.5d", -42);
	EXPECT("0x002a", "%#06x", 42);
	EXPECT("   0x2a", "%#7x", 42);
	EXPECT("0x0000002a", "%#.8x", 42);
	EXPECT("   42", "%*d", 5, 42);
	EXPECT("42   |", "%*d|", -5, 42);
	EXPECT("00042", "%.*d", 5, 42);
	EXPECT("42", "%.*d", -3, 42);
	EXPECT("+0", "%+d", 0);
	EXPECT("42", "%u", 42u);
	EXPECT("4294967254", "%u", -42);
	/* Characters and strings. */
	EXPECT("x", "%c", 'x');
	EXPECT("    x|x    |", "%5c|%-5c|", 'x', 'x');
	EXPECT("hello", "%s", "hello");
	EXPECT("  hello|hello  |", "%7s|%-7s|", "hello", "hello");
	EXPECT("hel", "%.3s", "hello");
	EXPECT("   he", "%5.2s", "hello");
	EXPECT("(null)", "%s", (char *)NULL);
	EXPECT("", "%s", "");
	EXPECT("100%", "%d%%", 100);
	EXPECT("a%b", "a%%b");
	/* Pointers. */
	EXPECT("0x1234", "%p", (void *)0x1234);
	EXPECT("(nil)", "%p", (void *)NULL);
	EXPECT("  0xabc", "%7p", (void *)0xabc);
	EXPECT("0x7fffffffffff", "%p", (void *)0x7fffffffffffUL);
	/* %n */
	int n = -1;
	EXPECT("abc", "abc%n", &n);
	CHECK(n == 3);
	/* Floating point. */
	EXPECT("3.141593", "%f", 3.14159265358979);
	EXPECT("3.14", "%.2f", 3.14159265358979);
	EXPECT("3", "%.0f", 3.14159265358979);
	EXPECT("3.", "%#.0f", 3.0);
	EXPECT("-0.000000", "%f", -0.0);
	EXPECT("  -1.50", "%7.2f", -1.5);
	EXPECT("-001.50", "%07.2f", -1.5);
	EXPECT("+1.500000", "%+f", 1.5);
	EXPECT("0 2 2 4", "%.0f %.0f %.0f %.0f", 0.5, 1.5, 2.5, 3.5); /* half to even */
	EXPECT("0.1000000000000000055511151231257827", "%.34f", 0.1);
	EXPECT("1e+100", "%g", 1e100);
	EXPECT("1.000000e+100", "%e", 1e100);
	EXPECT("1.234568E-05", "%E", 0.0000123456789);
	EXPECT("100000", "%g", 100000.0);
	EXPECT("1e+06", "%g", 1000000.0);
	EXPECT("0.0001", "%g", 0.0001);
	EXPECT("1e-05", "%g", 0.00001);
	EXPECT("1.5", "%g", 1.5);
	EXPECT("1.50000", "%#g", 1.5);
	EXPECT("3.1416", "%.5g", 3.14159265);
	EXPECT("179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.000000",
	       "%f", 1.7976931348623157e308);
	EXPECT("4.940656e-324", "%e", 5e-324);
	EXPECT("inf -inf nan INF", "%f %f %f %F", __builtin_inf(), -__builtin_inf(), __builtin_nan(""),
	       __builtin_inf());
	EXPECT("       inf", "%010f", __builtin_inf());
	EXPECT("0x1p+0 0x1.8p+1 -0x1.4p+3", "%a %a %a", 1.0, 3.0, -10.0);
	EXPECT("12345678.900000", "%Lf", (long double)12345678.9);
	/* Unknown conversions are printed as they stand. */
	EXPECT("%y", "%y");

	/* Truncation: the return value is the length the whole result would have. */
	char small[8];
	memset(small, 'Z', sizeof small);
	CHECK(snprintf(small, sizeof small, "%s", "hello, world") == 12);
	CHECK_STR(small, "hello, ");
	CHECK(snprintf(small, 1, "%d", 12345) == 5 && small[0] == '\0');
	CHECK(snprintf(NULL, 0, "%d-%s", 12345, "abc") == 9);
	small[0] = 'Q';
	CHECK(snprintf(small, 0, "abc") == 3 && small[0] == 'Q');
	CHECK(call_vsnprintf(small, 4, "%x", 0xabcdef) == 6);
	CHECK_STR(small, "abc");
	CHECK(sprintf(buf, "%s=%d", "x", 5) == 3);
	CHECK_STR(buf, "x=5");
	char *dyn = NULL;
	CHECK(asprintf(&dyn, "%0*d", 300, 7) == 300 && dyn && strlen(dyn) == 300 && dyn[299] == '7');
	free(dyn);

	/* Long results. */
	static char big[5000];
	CHECK(snprintf(big, sizeof big, "%4000d|", 1) == 4001);
	CHECK(big[3999] == '1' && big[4000] == '|' && big[4001] == '\0');

	/* The stream functions return what they wrote. */
	CHECK(printf_checked("printf: %d %s\n", 7, "seven") == 16);
	CHECK(fprintf(stdout, "fprintf: %c\n", 'y') == 11);
	CHECK(fprintf(stderr, "fprintf to stderr: %d\n", 2) == 21);
	CHECK(puts("puts: a line") >= 0);
	CHECK(fputs("fputs: a line\n", stdout) >= 0);
	CHECK(putchar('!') == '!' && putchar('\n') == '\n');
	CHECK(fwrite("fwrite: abc\n", 1, 12, stdout) == 12);
	CHECK(fwrite("xyzw", 2, 2, stdout) == 2 && putchar('\n') == '\n');
	CHECK(fflush(stdout) == 0);
	CHECK(dprintf(1, "dprintf: %05.1f\n", 2.25) == 15);
	return check_summary("c_printf");
}
