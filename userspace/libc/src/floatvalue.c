/* floatvalue.c: the value of a number read by floatscan.c, correctly rounded to double
 * or float (to nearest, ties to even), with glibc's errno: ERANGE on overflow, and when
 * the result is tiny and inexact.
 *
 * The value is computed exactly with big integers: the significant decimal digits D and
 * the exponent E give D * 10^E = num / den * 2^E (num = D * 5^E or den = 5^-E); 64 bits
 * of the quotient, with a sticky bit for a nonzero remainder, are then rounded to the
 * format. Only the first 800 significant digits are kept, and a sticky bit for any
 * nonzero digit after them: a value halfway between two doubles has at most 767
 * significant digits, so the dropped digits can only tell that the value is a little
 * above the kept ones, never move it across a halfway point. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

/* Big unsigned integers, 32-bit limbs, least significant first. The largest needed is
 * about 2700 bits: 800 digits (2658 bits) shifted by 64, or 5^1130 (2624 bits) for the
 * smallest exponent that is not plainly zero, shifted by 64. */
#define BIG_LIMBS 96

struct big {
	int len; /* limbs in use; the top one is nonzero (0 for the value 0) */
	uint32_t limb[BIG_LIMBS];
};

static void big_set(struct big *b, uint64_t v)
{
	b->len = 0;
	for (; v; v >>= 32)
		b->limb[b->len++] = (uint32_t)v;
}

/* b = b * m + add */
static void big_mul_add(struct big *b, uint32_t m, uint32_t add)
{
	uint64_t carry = add;
	for (int i = 0; i < b->len; i++) {
		uint64_t v = (uint64_t)b->limb[i] * m + carry;
		b->limb[i] = (uint32_t)v;
		carry = v >> 32;
	}
	if (carry && b->len < BIG_LIMBS)
		b->limb[b->len++] = (uint32_t)carry;
}

static void big_mul_pow5(struct big *b, long e)
{
	for (; e >= 13; e -= 13)
		big_mul_add(b, 1220703125u, 0); /* 5^13, the largest power of 5 below 2^32 */
	uint32_t m = 1;
	while (e-- > 0)
		m *= 5;
	big_mul_add(b, m, 0);
}

static long big_bits(const struct big *b)
{
	if (b->len == 0)
		return 0;
	return 32L * (b->len - 1) + (32 - __builtin_clz(b->limb[b->len - 1]));
}

static void big_shift_left(struct big *b, long n)
{
	if (b->len == 0 || n == 0)
		return;
	int words = (int)(n / 32), bits = (int)(n % 32);
	int len = b->len + words + 1;
	if (len > BIG_LIMBS)
		len = BIG_LIMBS; /* cannot happen for the sizes used here */
	for (int i = len - 1; i >= 0; i--) {
		int from = i - words;
		uint64_t hi = from >= 0 && from < b->len ? b->limb[from] : 0;
		uint64_t lo = from - 1 >= 0 && from - 1 < b->len ? b->limb[from - 1] : 0;
		b->limb[i] = (uint32_t)(((hi << 32 | lo) << bits) >> 32);
	}
	b->len = len;
	while (b->len > 0 && b->limb[b->len - 1] == 0)
		b->len--;
}

static void big_shift_right1(struct big *b)
{
	for (int i = 0; i < b->len; i++)
		b->limb[i] = b->limb[i] >> 1 | (i + 1 < b->len ? b->limb[i + 1] << 31 : 0);
	while (b->len > 0 && b->limb[b->len - 1] == 0)
		b->len--;
}

static int big_compare(const struct big *a, const struct big *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	for (int i = a->len - 1; i >= 0; i--)
		if (a->limb[i] != b->limb[i])
			return a->limb[i] < b->limb[i] ? -1 : 1;
	return 0;
}

/* a -= b, where a >= b */
static void big_subtract(struct big *a, const struct big *b)
{
	int64_t borrow = 0;
	for (int i = 0; i < a->len; i++) {
		int64_t v = (int64_t)a->limb[i] - (i < b->len ? b->limb[i] : 0) - borrow;
		borrow = v < 0;
		a->limb[i] = (uint32_t)v;
	}
	while (a->len > 0 && a->limb[a->len - 1] == 0)
		a->len--;
}

/* Returns a / b, which the caller knows to be below 2^64; a becomes the remainder. */
static uint64_t big_divide(struct big *a, const struct big *b)
{
	struct big t = *b;
	big_shift_left(&t, 63);
	uint64_t q = 0;
	for (int i = 63; i >= 0; i--) {
		if (big_compare(a, &t) >= 0) {
			big_subtract(a, &t);
			q |= 1ULL << i;
		}
		big_shift_right1(&t);
	}
	return q;
}

/* An IEEE binary format: significand bits (with the implicit one), and the exponents
 * of the smallest and largest normal numbers. */
struct format {
	int mant_bits;
	long min_exp, max_exp;
};

static const struct format binary64 = {53, -1022, 1023};
static const struct format binary32 = {24, -126, 127};

/* q without its `drop` low bits, rounded to nearest even with `sticky` standing for
 * more nonzero bits below q; *inexact tells whether anything nonzero was dropped. */
static uint64_t round_bits(uint64_t q, long drop, int sticky, int *inexact)
{
	if (drop > 64) {
		*inexact = 1; /* q is nonzero */
		return 0;
	}
	uint64_t kept = drop == 64 ? 0 : q >> drop;
	uint64_t rest = drop == 64 ? q : q & ((1ULL << drop) - 1);
	uint64_t half = 1ULL << (drop - 1);
	*inexact = rest != 0 || sticky;
	if (rest > half || (rest == half && (sticky || (kept & 1))))
		kept++;
	return kept;
}

static uint64_t infinity_bits(const struct format *f)
{
	return (uint64_t)(2 * f->max_exp + 1) << (f->mant_bits - 1);
}

/* The bits (exponent field and fraction, no sign) of num / den * 2^e2 (num > 0)
 * rounded to f; `sticky`: the true value is a little above. Sets errno to ERANGE on
 * overflow, and when the result is tiny (below the smallest normal number after
 * rounding to f's precision with an unbounded exponent) and inexact, as glibc does. */
static uint64_t round_to(struct big *num, struct big *den, long e2, int sticky, const struct format *f)
{
	/* Scale so that the quotient has 63 or 64 bits. */
	long s = 63 - (big_bits(num) - big_bits(den));
	if (s >= 0)
		big_shift_left(num, s);
	else
		big_shift_left(den, -s);
	uint64_t q = big_divide(num, den);
	sticky |= num->len != 0;
	long e = e2 - s;			      /* value = (q + fraction) * 2^e */
	long lead = e + 63 - __builtin_clzll(q);      /* the exponent of q's top bit */
	long drop = 64 - __builtin_clzll(q) - f->mant_bits; /* bits below the precision */
	int inexact;
	uint64_t normal = round_bits(q, drop, sticky, &inexact);
	int tiny = lead + (long)(normal >> f->mant_bits) < f->min_exp; /* a carry adds one */
	if (lead < f->min_exp)
		drop += f->min_exp - lead; /* a subnormal has fewer bits */
	uint64_t m = round_bits(q, drop, sticky, &inexact);
	long lsb = e + drop; /* the exponent of m's lowest bit */
	if (m >> f->mant_bits) {
		m >>= 1;
		lsb++;
	}
	if (tiny && inexact)
		errno = ERANGE;
	if (m >> (f->mant_bits - 1) == 0)
		return m; /* subnormal or zero: exponent field 0 */
	long top = lsb + f->mant_bits - 1;
	if (top > f->max_exp) {
		errno = ERANGE;
		return infinity_bits(f);
	}
	uint64_t fraction = m & ((1ULL << (f->mant_bits - 1)) - 1);
	return (uint64_t)(top + f->max_exp) << (f->mant_bits - 1) | fraction;
}

/* The magnitude's bits in format f of a valid FT_NUMBER prefix. */
static uint64_t number_bits(const struct float_text *t, const struct format *f)
{
	long exp = t->exp_digits ? (t->exp_negative ? -t->exponent : t->exponent) : 0;
	struct big num, den;
	big_set(&den, 1);
	if (t->hex) {
		if (t->hex_value == 0)
			return 0;
		big_set(&num, t->hex_value);
		return round_to(&num, &den, t->scale + exp, t->sticky, f);
	}
	if (t->ndigits == 0)
		return 0;
	long e10 = t->scale + exp;
	long top = e10 + t->ndigits; /* 10^(top-1) <= value < 10^top */
	if (top > 310) {
		errno = ERANGE;
		return infinity_bits(f);
	}
	if (top < -330) {
		errno = ERANGE; /* below half the smallest subnormal double */
		return 0;
	}
	big_set(&num, 0);
	for (int i = 0; i < t->ndigits;) {
		/* Nine digits at a time. */
		uint32_t chunk = 0, scale = 1;
		for (int k = 0; k < 9 && i < t->ndigits; k++, i++) {
			chunk = chunk * 10 + (uint32_t)t->digits[i];
			scale *= 10;
		}
		big_mul_add(&num, scale, chunk);
	}
	if (e10 >= 0)
		big_mul_pow5(&num, e10);
	else
		big_mul_pow5(&den, -e10);
	return round_to(&num, &den, e10, t->sticky, f);
}

/* A NaN's payload: the characters of nan(...) read as strtoull(chars, NULL, 0) when
 * they are all a number (as glibc does), else 0. */
static uint64_t nan_payload(const struct float_text *t)
{
	if (t->kind != FT_NAN_PAYLOAD || t->payload_len >= FLOAT_TEXT_PAYLOAD)
		return 0;
	char text[FLOAT_TEXT_PAYLOAD];
	memcpy(text, t->payload, (size_t)t->payload_len);
	text[t->payload_len] = '\0';
	int saved = errno;
	char *end;
	uint64_t v = strtoull(text, &end, 0);
	errno = saved;
	return *end ? 0 : v;
}

/* The value's bits in format f, the sign included. */
static uint64_t value_bits(const struct float_text *t, const struct format *f)
{
	uint64_t quiet = 1ULL << (f->mant_bits - 2), fraction = (1ULL << (f->mant_bits - 1)) - 1;
	uint64_t bits;
	switch (t->kind) {
	case FT_NUMBER:
		bits = number_bits(t, f);
		break;
	case FT_INF:
		bits = infinity_bits(f);
		break;
	case FT_NAN:
	case FT_NAN_PAYLOAD:
		bits = infinity_bits(f) | quiet | (nan_payload(t) & fraction);
		break;
	default:
		return 0;
	}
	int sign_bit = f->mant_bits == 24 ? 31 : 63;
	return bits | (uint64_t)t->negative << sign_bit;
}

double __kestrel_float_double(const struct float_text *t)
{
	uint64_t bits = value_bits(t, &binary64);
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

float __kestrel_float_float(const struct float_text *t)
{
	uint32_t bits = (uint32_t)value_bits(t, &binary32);
	float x;
	memcpy(&x, &bits, sizeof x);
	return x;
}
