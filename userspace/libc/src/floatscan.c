/* floatscan.c: the grammar of floating-point text, C11 7.22.1.3's: [sign] digits
 * [. digits] [e [sign] digits], [sign] 0x hexdigits [. hexdigits] [p [sign] digits],
 * [sign] inf or infinity, [sign] nan or nan(letters, digits and underscores), without
 * regard to case; and strtod, strtof, strtold and atof over it.
 *
 * The text is taken one character at a time (struct float_text in scan.h), so that
 * scanf reads a stream with one character of pushback and strtod a string through the
 * same grammar. The digits are kept as they come; floatvalue.c turns them into a
 * correctly rounded double or float. */
#include <ctype.h>
#include <string.h>

#include "scan.h"

enum state {
	ST_START,      /* nothing yet */
	ST_SIGN,       /* a sign */
	ST_ZERO,       /* a first digit 0 ("x" may follow) */
	ST_INT,	       /* integer digits */
	ST_POINT,      /* a point with no digit before it */
	ST_FRAC,       /* digits and a point, or a point and digits */
	ST_EXP,	       /* the 'e' or 'p' of an exponent */
	ST_EXP_SIGN,   /* its sign */
	ST_EXP_DIGITS, /* its digits */
	ST_HEX,	       /* "0x" */
	ST_HEX_POINT,  /* "0x." */
	ST_HEX_INT,    /* "0x" and digits */
	ST_HEX_FRAC,   /* "0x", digits and a point, or "0x." and digits */
	ST_WORD,       /* part of "infinity" or "nan" */
	ST_NAN_CHARS,  /* "nan(" and characters */
	ST_END,	       /* "nan(...)": nothing can follow */
};

/* Exponent digits beyond this change nothing (every value overflows or underflows). */
#define EXPONENT_LIMIT 100000000L

void __kestrel_float_begin(struct float_text *t)
{
	memset(t, 0, offsetof(struct float_text, payload));
	t->payload_len = 0;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* A decimal digit d, before or after the point. Leading zeros are not kept. */
static void add_decimal(struct float_text *t, int d, int after_point)
{
	if (t->ndigits == 0 && d == 0) {
		t->scale -= after_point;
	} else if (t->ndigits < FLOAT_TEXT_DIGITS) {
		t->digits[t->ndigits++] = (char)d;
		t->scale -= after_point;
	} else {
		t->sticky |= d != 0;
		t->scale += !after_point;
	}
}

/* A hexadecimal digit: up to 64 bits are kept, which is more than rounding needs. */
static void add_hex(struct float_text *t, int d, int after_point)
{
	if (t->hex_value >> 60 == 0) {
		t->hex_value = t->hex_value * 16 + (unsigned)d;
		t->scale -= 4 * after_point;
	} else {
		t->sticky |= d != 0;
		t->scale += 4 * !after_point;
	}
}

static int step(struct float_text *t, int c)
{
	int d = hex_digit(c), decimal = d >= 0 && d < 10;
	switch (t->state) {
	case ST_START:
		if (c == '+' || c == '-') {
			t->negative = c == '-';
			t->state = ST_SIGN;
			return 1;
		}
		/* fall through */
	case ST_SIGN:
		if (c == '.') {
			t->state = ST_POINT;
			return 1;
		}
		if (decimal) {
			add_decimal(t, d, 0);
			t->state = d == 0 ? ST_ZERO : ST_INT;
			return 1;
		}
		if ((c | 0x20) == 'i' || (c | 0x20) == 'n') {
			t->word = (c | 0x20) == 'i' ? "infinity" : "nan";
			t->word_len = 1;
			t->state = ST_WORD;
			return 1;
		}
		return 0;
	case ST_ZERO:
		if (c == 'x' || c == 'X') {
			t->hex = 1;
			t->state = ST_HEX;
			return 1;
		}
		/* fall through */
	case ST_INT:
		if (c == '.') {
			t->state = ST_FRAC;
			return 1;
		}
		/* fall through */
	case ST_FRAC:
		if (decimal) {
			add_decimal(t, d, t->state == ST_FRAC);
			if (t->state != ST_FRAC)
				t->state = ST_INT;
			return 1;
		}
		if (c == 'e' || c == 'E') {
			t->state = ST_EXP;
			return 1;
		}
		return 0;
	case ST_POINT:
		if (!decimal)
			return 0;
		add_decimal(t, d, 1);
		t->state = ST_FRAC;
		return 1;
	case ST_HEX:
	case ST_HEX_INT:
		if (c == '.') {
			t->state = t->state == ST_HEX ? ST_HEX_POINT : ST_HEX_FRAC;
			return 1;
		}
		if (d >= 0) {
			add_hex(t, d, 0);
			t->state = ST_HEX_INT;
			return 1;
		}
		if ((c == 'p' || c == 'P') && t->state == ST_HEX_INT) {
			t->state = ST_EXP;
			return 1;
		}
		return 0;
	case ST_HEX_POINT:
	case ST_HEX_FRAC:
		if (d >= 0) {
			add_hex(t, d, 1);
			t->state = ST_HEX_FRAC;
			return 1;
		}
		if ((c == 'p' || c == 'P') && t->state == ST_HEX_FRAC) {
			t->state = ST_EXP;
			return 1;
		}
		return 0;
	case ST_EXP:
		if (c == '+' || c == '-') {
			t->exp_negative = c == '-';
			t->state = ST_EXP_SIGN;
			return 1;
		}
		/* fall through */
	case ST_EXP_SIGN:
	case ST_EXP_DIGITS:
		if (!decimal)
			return 0;
		t->exponent = t->exponent * 10 + d;
		if (t->exponent > EXPONENT_LIMIT)
			t->exponent = EXPONENT_LIMIT;
		t->exp_digits++;
		t->state = ST_EXP_DIGITS;
		return 1;
	case ST_WORD:
		if (t->word[t->word_len] && (c | 0x20) == t->word[t->word_len]) {
			t->word_len++;
			return 1;
		}
		if (c == '(' && t->word_len == 3 && t->word[0] == 'n') {
			t->state = ST_NAN_CHARS;
			return 1;
		}
		return 0;
	case ST_NAN_CHARS:
		if (c == ')') {
			t->state = ST_END;
			return 1;
		}
		if (!isalnum(c) && c != '_')
			return 0;
		if (t->payload_len < FLOAT_TEXT_PAYLOAD)
			t->payload[t->payload_len] = (char)c;
		t->payload_len++;
		return 1;
	default:
		return 0;
	}
}

static int complete_kind(const struct float_text *t)
{
	switch (t->state) {
	case ST_ZERO:
	case ST_INT:
	case ST_FRAC:
	case ST_HEX_INT:
	case ST_HEX_FRAC:
	case ST_EXP_DIGITS:
		return FT_NUMBER;
	case ST_WORD:
		if (t->word[0] == 'i')
			return t->word_len == 3 || t->word_len == 8 ? FT_INF : FT_NONE;
		return t->word_len == 3 ? FT_NAN : FT_NONE;
	case ST_END:
		return FT_NAN_PAYLOAD;
	default:
		return FT_NONE;
	}
}

int __kestrel_float_feed(struct float_text *t, int c)
{
	if (c == EOF || !step(t, c))
		return 0;
	t->taken++;
	int kind = complete_kind(t);
	if (kind != FT_NONE) {
		t->valid = t->taken;
		t->kind = kind;
	}
	return 1;
}

/* Reads the longest number at the start of s (after white space) into t; returns where
 * it ends (s itself if there is none). */
static char *read_number(const char *s, struct float_text *t)
{
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	__kestrel_float_begin(t);
	for (const char *c = p; __kestrel_float_feed(t, (unsigned char)*c); c++)
		;
	return (char *)(t->valid ? p + t->valid : s);
}

double strtod(const char *restrict s, char **restrict end)
{
	struct float_text t;
	char *e = read_number(s, &t);
	if (end)
		*end = e;
	return __kestrel_float_double(&t);
}

float strtof(const char *restrict s, char **restrict end)
{
	struct float_text t;
	char *e = read_number(s, &t);
	if (end)
		*end = e;
	return __kestrel_float_float(&t);
}

/* long double has double's precision here (as in printf): the double nearest s. */
long double strtold(const char *restrict s, char **restrict end)
{
	return strtod(s, end);
}

double atof(const char *s)
{
	return strtod(s, NULL);
}
