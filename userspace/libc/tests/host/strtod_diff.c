/* strtod_diff: strtod and strtof of the runtime against glibc's on random strings: the
 * same bits (NaN payloads and the sign of zero included), the same end pointer and the
 * same errno. The strings are random decimal numbers (short and long, with exponents
 * around the overflow and underflow thresholds of both formats), the exact decimal
 * expansions of values halfway between two neighbouring doubles or floats and those
 * cut short or nudged by one in the last digit (where rounding is hardest),
 * hexadecimal numbers, infinities and NaNs, and junk. Built by run.sh. */
#include <errno.h>
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double kx_strtod(const char *, char **);
float kx_strtof(const char *, char **);
extern int kx_errno;

static uint64_t state = 0x243f6a8885a308d3ULL;
static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static unsigned below(unsigned n)
{
	return (unsigned)(next() % n);
}

static long cases, failures, payload_errno;

/* glibc reads a NaN's payload with strtoull and leaves its ERANGE behind when the payload
 * overflows ("nan(99999999999999999999999)"); C11 7.22.1.3 gives ERANGE for values out
 * of range only, and the runtime leaves errno alone. */
static int glibc_payload_errno(const void *a, const void *b, size_t size, int errno_a, int errno_b)
{
	if (memcmp(a, b, size) != 0 || errno_a != ERANGE || errno_b != 0)
		return 0;
	int nan = size == sizeof(double) ? isnan(*(const double *)a) : isnan(*(const float *)a);
	payload_errno += nan;
	return nan;
}

/* glibc 2.36 rounds some hexadecimal subnormals wrongly and misses their underflow:
 * strtof("0X6be1D24P-155") gives 0x1.af874p-129 where the value, 0x6be1d24 * 2^-155, is
 * above the halfway point to 0x1.af875p-129, strtod("0x57F0bfeCD66b6A0P-1082") likewise
 * drops the 0xa0 below the last place; strtof("0X5EFc2F4P-153") is inexact and tiny but
 * leaves errno alone. The hardware's conversion of the same value (exact in long double
 * when it has at most 64 bits) decides such a case. */
static long hex_subnormal_bug;

static int hardware_agrees(const char *s, const void *ours, size_t size, int errno_ours)
{
	if (!strchr(s, 'x') && !strchr(s, 'X'))
		return 0;
	volatile long double exact = strtold(s, NULL);
	feclearexcept(FE_ALL_EXCEPT);
	double want_d = 0;
	float want_f = 0;
	if (size == sizeof(double))
		want_d = (double)exact;
	else
		want_f = (float)exact;
	int underflow = fetestexcept(FE_UNDERFLOW) != 0;
	const void *want = size == sizeof(double) ? (const void *)&want_d : (const void *)&want_f;
	if (memcmp(want, ours, size) != 0 || (underflow ? ERANGE : 0) != errno_ours)
		return 0;
	hex_subnormal_bug++;
	return 1;
}

static void compare(const char *s)
{
	char *e1, *e2;
	errno = 0;
	kx_errno = 0;
	double a = strtod(s, &e1);
	int errno_a = errno;
	double b = kx_strtod(s, &e2);
	cases++;
	if ((memcmp(&a, &b, sizeof a) != 0 || e1 != e2 || errno_a != kx_errno) &&
	    !(e1 == e2 && glibc_payload_errno(&a, &b, sizeof a, errno_a, kx_errno)) &&
	    !(e1 == e2 && hardware_agrees(s, &b, sizeof b, kx_errno))) {
		if (failures++ < 30)
			printf("MISMATCH strtod(\"%.200s\"): glibc %a end %ld errno %d, ours %a end %ld errno %d\n", s,
			       a, (long)(e1 - s), errno_a, b, (long)(e2 - s), kx_errno);
	}
	errno = 0;
	kx_errno = 0;
	float fa = strtof(s, &e1);
	errno_a = errno;
	float fb = kx_strtof(s, &e2);
	cases++;
	if ((memcmp(&fa, &fb, sizeof fa) != 0 || e1 != e2 || errno_a != kx_errno) &&
	    !(e1 == e2 && glibc_payload_errno(&fa, &fb, sizeof fa, errno_a, kx_errno)) &&
	    !(e1 == e2 && hardware_agrees(s, &fb, sizeof fb, kx_errno))) {
		if (failures++ < 30)
			printf("MISMATCH strtof(\"%.200s\"): glibc %a end %ld errno %d, ours %a end %ld errno %d\n", s,
			       (double)fa, (long)(e1 - s), errno_a, (double)fb, (long)(e2 - s), kx_errno);
	}
}

static void random_digits(char *p, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (char)('0' + below(10));
	p[n] = '\0';
}

/* sign, digits with a point somewhere, an exponent near one of the interesting ranges */
static void random_decimal(char *s)
{
	static const int centres[] = {0, 0, 5, -5, 22, -22, 38, -38, -45, -46, 308, -308, -320, -324, 309, -330, 400};
	char *p = s;
	if (below(4) == 0)
		*p++ = below(2) ? '-' : '+';
	int n = below(8) == 0 ? 1 + (int)below(900) : 1 + (int)below(25);
	if (below(6) == 0) {
		int zeros = (int)below(30);
		memset(p, '0', (size_t)zeros);
		p += zeros;
	}
	random_digits(p, n);
	if (below(3)) {
		int at = (int)below((unsigned)n + 1);
		memmove(p + at + 1, p + at, (size_t)(n - at + 1));
		p[at] = '.';
		n++;
	}
	p += n;
	if (below(4)) {
		int e = centres[below(sizeof centres / sizeof centres[0])] + (int)below(41) - 20 - (n > 20 ? n / 2 : 0);
		p += sprintf(p, "%c%s%d", below(2) ? 'e' : 'E', e >= 0 && below(2) ? "+" : "", e);
	}
	*p = '\0';
}

/* The exact decimal expansion of the value halfway between x and its upper neighbour
 * (computed in long double, where it is exact), or a cut or nudged version of it. */
static void halfway(char *s, int single)
{
	long double mid;
	if (single) {
		uint32_t bits = (uint32_t)next() & 0x7f7fffff;
		float x;
		memcpy(&x, &bits, sizeof x);
		mid = ((long double)x + nextafterf(x, INFINITY)) / 2;
	} else {
		uint64_t bits = next() & 0x7fefffffffffffffULL;
		if (below(4) == 0)
			bits &= 0x000fffffffffffffULL | (uint64_t)below(3) << 52; /* subnormals and the first binades */
		double x;
		memcpy(&x, &bits, sizeof x);
		mid = ((long double)x + nextafter(x, INFINITY)) / 2;
	}
	int len = sprintf(s, "%.800Le", mid);
	char *e = strchr(s, 'e');
	char exp[16];
	strcpy(exp, e);
	*e = '\0';
	/* Trailing zeros off: the string is then exactly the halfway value. */
	while (e[-1] == '0')
		*--e = '\0';
	len = (int)(e - s);
	switch (below(4)) {
	case 0: /* exact */
		break;
	case 1: /* cut short */
		len = 2 + (int)below((unsigned)len - 1);
		s[len] = '\0';
		break;
	case 2: /* one more nonzero digit */
		s[len++] = (char)('1' + below(9));
		s[len] = '\0';
		break;
	default: /* the last digit one lower */
		if (s[len - 1] > '0' && s[len - 1] != '.')
			s[len - 1]--;
		break;
	}
	strcat(s, exp);
}

static void random_hex(char *s)
{
	char *p = s;
	if (below(4) == 0)
		*p++ = below(2) ? '-' : '+';
	p += sprintf(p, below(2) ? "0x" : "0X");
	int n = 1 + (int)below(below(5) == 0 ? 40 : 16);
	char digits[64];
	for (int i = 0; i < n; i++)
		digits[i] = "0123456789abcdefABCDEF"[below(22)];
	digits[n] = '\0';
	if (below(2)) {
		int at = (int)below((unsigned)n + 1);
		p += sprintf(p, "%.*s.%s", at, digits, digits + at);
	} else {
		p += sprintf(p, "%s", digits);
	}
	if (below(4)) {
		static const int centres[] = {0, 10, -10, 128, -126, -149, -150, 1024, -1022, -1074, -1080, 1030};
		int e = centres[below(sizeof centres / sizeof centres[0])] + (int)below(17) - 8 - 4 * n;
		p += sprintf(p, "%c%d", below(2) ? 'p' : 'P', e);
	}
	*p = '\0';
}

/* Pieces of the grammar glued at random: partial numbers, words, junk. */
static void random_pieces(char *s)
{
	static const char *pieces[] = {" ", "\t", "+", "-", "0", "1", "9", ".", "e", "E", "p", "P", "x", "X",
				       "0x", "inf", "INF", "inity", "infinity", "nan", "NaN", "(", ")", "_", "abc",
				       "123", "0x1p", "1e", "e+", "e-", "5", "nan(", "0777", "0x1F", "z", ""};
	s[0] = '\0';
	int n = 1 + (int)below(6);
	for (int i = 0; i < n; i++)
		strcat(s, pieces[below(sizeof pieces / sizeof pieces[0])]);
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200000;
	static const char *fixed[] = {
		"0", "-0", "+0.0e-999", "1", "0.1", "1e23", "8.98846567431158e307", "1.7976931348623157e308",
		"1.7976931348623158e308", "1.7976931348623159e308", "2.2250738585072011e-308",
		"2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "1e-400", "1e400", "3.4028235e38", "3.4028236e38", "1.17549435e-38",
		"1.4e-45", "7e-46", "0x1p-1074", "0x1.8p-1074", "0x0.fffffffffffff8p-1022", "0x1.fffffffffffff8p1023",
		"inf", "-Infinity", "infinit", "nan", "-nan", "nan()", "nan(123)", "nan(0x123)", "nan(0777)",
		"nan(abc)", "nan(12", "nan(99999999999999999999999)", "0x", "0x.", "0x.p1", "1e", "1e+", ".", "-.",
		"", "   ", " \t\n+1.5e+3x", "1.e5", ".5", "0x1P", "00x1", "1_000",
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		compare(fixed[i]);
	static char s[4096];
	for (long r = 0; r < rounds; r++) {
		switch (below(8)) {
		case 0:
		case 1:
		case 2:
			random_decimal(s);
			break;
		case 3:
			halfway(s, 0);
			break;
		case 4:
			halfway(s, 1);
			break;
		case 5:
		case 6:
			random_hex(s);
			break;
		default:
			random_pieces(s);
		}
		compare(s);
	}
	printf("strtod_diff: %ld strings x strtod and strtof, %ld mismatches (not counted: %ld times glibc's ERANGE "
	       "from an overflowing NaN payload, %ld hexadecimal subnormals where the hardware's conversion "
	       "agrees with the runtime and not with glibc)\n",
	       cases / 2, failures, payload_errno, hex_subnormal_bug);
	return failures != 0;
}
