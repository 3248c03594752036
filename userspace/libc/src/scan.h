/* scan.h: what the scanf family (scanf.c) and the text-to-number conversions
 * (floatscan.c: the grammar, strtod, strtof, strtold, atof; floatvalue.c: the value)
 * share. */
#ifndef _KESTREL_SCAN_H
#define _KESTREL_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Significant decimal digits kept; the rest only say whether they were all zero (see
 * floatscan.c for why 800 is enough for a correctly rounded double). */
#define FLOAT_TEXT_DIGITS 800
#define FLOAT_TEXT_PAYLOAD 64

/* What the valid prefix of a float_text is. */
enum { FT_NONE, FT_NUMBER, FT_INF, FT_NAN, FT_NAN_PAYLOAD };

/* A floating-point number being read one character at a time: the grammar of strtod
 * (C11 7.22.1.3), which scanf's %a %e %f %g share. Begin with __kestrel_float_begin,
 * offer characters to __kestrel_float_feed while it takes them; then `valid` is the
 * length of the longest complete number among the prefixes taken ("1e+" has taken 3,
 * of which "1" is valid), and __kestrel_float_double/_float give that number's value. */
struct float_text {
	int state;	/* where in the grammar the characters taken so far end */
	int negative;	/* a '-' sign */
	int kind;	/* what the valid prefix is: FT_* in floatscan.c */
	size_t taken;	/* characters taken */
	size_t valid;	/* characters of the longest complete number (0: none) */
	const char *word; /* "infinity" or "nan" while one is being read */
	int word_len;	  /* its characters read so far */
	/* Decimal: value = digits * 10^scale; hexadecimal: value = hex * 2^scale. */
	int ndigits;	/* significant decimal digits kept in `digits` (values 0..9) */
	int sticky;	/* a nonzero digit was dropped (beyond what is kept) */
	int hex;	/* a "0x" prefix was read */
	uint64_t hex_value;
	long scale;
	long exponent;	  /* the exponent part's digits (clamped), used once one is read */
	int exp_negative; /* its sign */
	int exp_digits;	  /* its digits read */
	char payload[FLOAT_TEXT_PAYLOAD]; /* the characters of nan(...) */
	int payload_len;
	char digits[FLOAT_TEXT_DIGITS];
};

hidden void __kestrel_float_begin(struct float_text *t);
/* Takes c (returns 1) if the characters so far and c are a prefix of a number; else 0. */
hidden int __kestrel_float_feed(struct float_text *t, int c);
/* The value of the valid prefix (0 if there is none), correctly rounded (floatvalue.c);
 * errno is set to ERANGE when the value overflows or is tiny and inexact, as glibc does. */
hidden double __kestrel_float_double(const struct float_text *t);
hidden float __kestrel_float_float(const struct float_text *t);

/* The character source of the scanf family: a string or a stream. `get` returns the
 * next character (as an unsigned char) or EOF; `unget` gives back the last one read
 * (at most one at a time, as ungetc promises). */
struct __kestrel_scan_source {
	int (*get)(struct __kestrel_scan_source *src);
	void (*unget)(struct __kestrel_scan_source *src, int c);
};

/* Reads `src` per `fmt`; returns the number of assignments, or EOF on an input failure
 * before the first assignment. */
hidden int __kestrel_vscan(struct __kestrel_scan_source *src, const char *fmt, va_list ap);

#endif /* _KESTREL_SCAN_H */
