/* format_float.c: %a %e %f %g and their capitals, exactly. The decimal digits of a
 * double are computed with a big integer (base 10^9 limbs) and rounded half to even, as
 * glibc does in the default rounding mode; %a rounds the hexadecimal digits the same way.
 * long double arguments arrive here converted to double. */
#include <stdint.h>
#include <string.h>

#include "format.h"

/* Exact decimal expansion of a double. */

#define LIMB_BASE 1000000000u
#define MAX_LIMBS 96    /* 5^1074 * 2^53 has 767 decimal digits */
#define MAX_DIGITS 800

struct decimal {
	char digits[MAX_DIGITS]; /* '0'..'9', no leading zero */
	int n;			 /* number of digits (0 for the value 0) */
	int point;		 /* value = 0.DIGITS * 10^point */
};

/* big = big * m + carry-in, in base 10^9 limbs (little-endian). */
static void big_mul(uint32_t *big, int *len, uint32_t m)
{
	uint64_t carry = 0;
	for (int i = 0; i < *len; i++) {
		uint64_t v = (uint64_t)big[i] * m + carry;
		big[i] = (uint32_t)(v % LIMB_BASE);
		carry = v / LIMB_BASE;
	}
	while (carry) {
		big[(*len)++] = (uint32_t)(carry % LIMB_BASE);
		carry /= LIMB_BASE;
	}
}

static void decimal_of(double x, struct decimal *d)
{
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	int biased = (int)((bits >> 52) & 0x7ff);
	uint64_t mant = bits & ((1ULL << 52) - 1);
	int exp2;
	if (biased == 0) {
		exp2 = -1074;
	} else {
		mant |= 1ULL << 52;
		exp2 = biased - 1075;
	}
	d->n = 0;
	d->point = 0;
	if (mant == 0)
		return;
	uint32_t big[MAX_LIMBS];
	int len = 0;
	for (uint64_t m = mant; m; m /= LIMB_BASE)
		big[len++] = (uint32_t)(m % LIMB_BASE);
	int exp10 = 0;
	if (exp2 >= 0) {
		for (int e = exp2; e > 0;) {
			int k = e > 29 ? 29 : e;
			big_mul(big, &len, 1u << k);
			e -= k;
		}
	} else {
		/* mant * 2^e = mant * 5^-e / 10^-e */
		for (int e = -exp2; e > 0;) {
			int k = e > 13 ? 13 : e;
			uint32_t p5 = 1;
			for (int i = 0; i < k; i++)
				p5 *= 5;
			big_mul(big, &len, p5);
			e -= k;
		}
		exp10 = exp2;
	}
	/* The digits, most significant limb first. */
	char *p = d->digits;
	uint32_t top = big[len - 1];
	char tmp[10];
	int t = 0;
	do
		tmp[t++] = (char)('0' + top % 10);
	while (top /= 10);
	while (t > 0)
		*p++ = tmp[--t];
	for (int i = len - 2; i >= 0; i--) {
		uint32_t v = big[i];
		for (int j = 8; j >= 0; j--) {
			p[j] = (char)('0' + v % 10);
			v /= 10;
		}
		p += 9;
	}
	d->n = (int)(p - d->digits);
	d->point = d->n + exp10;
	while (d->n > 0 && d->digits[d->n - 1] == '0')
		d->n--;
}

/* Rounds to `keep` digits (keep may be <= 0: the value then rounds to 0 or to one unit
 * at the position just before the first digit), half to even. */
static void decimal_round(struct decimal *d, int keep)
{
	if (keep >= d->n)
		return;
	if (keep < 0) {
		d->n = 0;
		return;
	}
	int up;
	char next = d->digits[keep];
	if (next > '5') {
		up = 1;
	} else if (next < '5') {
		up = 0;
	} else {
		up = d->n > keep + 1; /* more nonzero digits follow (trailing zeros are gone) */
		if (!up)
			up = keep > 0 && ((d->digits[keep - 1] - '0') & 1);
	}
	d->n = keep;
	if (up) {
		int i = keep - 1;
		while (i >= 0 && d->digits[i] == '9')
			i--;
		if (i < 0) {
			/* 999 -> 1000: one digit, a place higher */
			d->digits[0] = '1';
			d->n = 1;
			d->point++;
		} else {
			d->digits[i]++;
			d->n = i + 1;
		}
	}
	while (d->n > 0 && d->digits[d->n - 1] == '0')
		d->n--;
}

static char digit_at(const struct decimal *d, int i)
{
	return i >= 0 && i < d->n ? d->digits[i] : '0';
}

/* Emits digits [from, to) of d (positions beyond the digits are 0). */
static void emit_digits(struct out *o, const struct decimal *d, int from, int to)
{
	char buf[64];
	int k = 0;
	for (int i = from; i < to; i++) {
		buf[k++] = digit_at(d, i);
		if (k == (int)sizeof buf) {
			emit(o, buf, (size_t)k);
			k = 0;
		}
	}
	emit(o, buf, (size_t)k);
}

void __kestrel_format_float(struct out *o, int conv, int flags, size_t width, int precision, double x)
{
	uint64_t bits;
	memcpy(&bits, &x, sizeof bits);
	int negative = (int)(bits >> 63);
	const char *sign = negative ? "-" : (flags & FLAG_PLUS) ? "+" : (flags & FLAG_SPACE) ? " " : "";
	int upper = conv >= 'A' && conv <= 'Z';
	int lc = upper ? conv + 32 : conv;
	if (((bits >> 52) & 0x7ff) == 0x7ff) {
		const char *s = (bits << 12) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
		size_t len = strlen(sign) + 3;
		pad_left(o, flags, width, len);
		emit(o, sign, strlen(sign));
		emit(o, s, 3);
		pad_right(o, flags, width, len);
		return;
	}
	if (lc == 'a') {
		/* Hexadecimal: 0x1.HHHHp+E (0x0.HHHp-1022 for subnormals). */
		int biased = (int)((bits >> 52) & 0x7ff);
		uint64_t mant = bits & ((1ULL << 52) - 1);
		int lead = biased != 0;
		int exp = biased == 0 ? (mant ? -1022 : 0) : biased - 1023;
		int nhex = 13;
		if (precision >= 0 && precision < 13) {
			int drop = (13 - precision) * 4;
			uint64_t full = ((uint64_t)lead << 52) | mant;
			uint64_t rem = full & ((1ULL << drop) - 1), half = 1ULL << (drop - 1);
			full >>= drop;
			if (rem > half || (rem == half && (full & 1)))
				full++;
			lead = (int)(full >> (52 - drop));
			mant = (full & ((1ULL << (52 - drop)) - 1)) << drop;
			nhex = precision;
		} else if (precision < 0) {
			while (nhex > 0 && ((mant >> ((13 - nhex) * 4)) & 0xf) == 0)
				nhex--;
		}
		char body[40];
		int k = 0;
		const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
		body[k++] = (char)('0' + lead);
		int frac = precision > 13 ? precision : nhex;
		if (frac > 0 || (flags & FLAG_ALT))
			body[k++] = '.';
		for (int i = 0; i < nhex; i++)
			body[k++] = hex[(mant >> (48 - 4 * i)) & 0xf];
		int extra = frac - nhex;
		char expbuf[16];
		int e = exp < 0 ? -exp : exp, t = 0;
		char tmp[8];
		do
			tmp[t++] = (char)('0' + e % 10);
		while (e /= 10);
		int ek = 0;
		expbuf[ek++] = upper ? 'P' : 'p';
		expbuf[ek++] = exp < 0 ? '-' : '+';
		while (t > 0)
			expbuf[ek++] = tmp[--t];
		size_t len = strlen(sign) + 2 + (size_t)k + (size_t)extra + (size_t)ek;
		size_t zeros = 0;
		if ((flags & FLAG_ZERO) && !(flags & FLAG_LEFT) && width > len) {
			zeros = width - len;
			len = width;
		}
		pad_left(o, flags, width, len);
		emit(o, sign, strlen(sign));
		emit(o, upper ? "0X" : "0x", 2);
		emit_repeat(o, '0', zeros);
		emit(o, body, (size_t)k);
		emit_repeat(o, '0', (size_t)extra);
		emit(o, expbuf, (size_t)ek);
		pad_right(o, flags, width, len);
		return;
	}
	struct decimal d;
	decimal_of(x, &d);
	int prec = precision < 0 ? 6 : precision;
	int style = lc; /* 'e' or 'f' after %g's choice */
	int strip = 0;	/* %g without '#': drop trailing zeros */
	if (lc == 'g') {
		int p = prec == 0 ? 1 : prec;
		decimal_round(&d, p);
		int x10 = d.n == 0 ? 0 : d.point - 1;
		if (p > x10 && x10 >= -4) {
			style = 'f';
			prec = p - 1 - x10;
		} else {
			style = 'e';
			prec = p - 1;
		}
		strip = !(flags & FLAG_ALT);
	} else if (lc == 'e') {
		decimal_round(&d, prec + 1);
	} else {
		decimal_round(&d, d.point + prec);
	}
	int x10 = d.n == 0 ? 0 : d.point - 1;
	if (strip) {
		/* Digits after the point that are not all zeros at the end. */
		int last = style == 'e' ? d.n - 1 : d.n - d.point;
		if (last < 0)
			last = 0;
		if (prec > last)
			prec = last;
	}
	int point = prec > 0 || (flags & FLAG_ALT);
	char expbuf[16];
	int ek = 0;
	size_t len = strlen(sign);
	if (style == 'e') {
		int e = x10 < 0 ? -x10 : x10, t = 0;
		char tmp[8];
		do
			tmp[t++] = (char)('0' + e % 10);
		while (e /= 10);
		if (t < 2)
			tmp[t++] = '0';
		expbuf[ek++] = upper ? 'E' : 'e';
		expbuf[ek++] = x10 < 0 ? '-' : '+';
		while (t > 0)
			expbuf[ek++] = tmp[--t];
		len += 1 + (size_t)point + (size_t)prec + (size_t)ek;
	} else {
		len += (size_t)(d.point > 0 ? d.point : 1) + (size_t)point + (size_t)prec;
	}
	size_t zeros = 0;
	if ((flags & FLAG_ZERO) && !(flags & FLAG_LEFT) && width > len) {
		zeros = width - len;
		len = width;
	}
	pad_left(o, flags, width, len);
	emit(o, sign, strlen(sign));
	emit_repeat(o, '0', zeros);
	if (style == 'e') {
		emit_digits(o, &d, 0, 1);
		if (point)
			emit(o, ".", 1);
		emit_digits(o, &d, 1, 1 + prec);
		emit(o, expbuf, (size_t)ek);
	} else {
		if (d.point > 0)
			emit_digits(o, &d, 0, d.point);
		else
			emit(o, "0", 1);
		if (point)
			emit(o, ".", 1);
		emit_digits(o, &d, d.point, d.point + prec);
	}
	pad_right(o, flags, width, len);
}

