/* scanf_diff: the runtime's vsscanf against glibc's on random formats and inputs. Built
 * by run.sh like printf_diff: the runtime's scanner, prefixed kx_, beside glibc.
 *
 * A case is a format of up to six directives (white space, ordinary characters, %%,
 * and conversions d i u o x X p a e f g A E F G c s [ n with '*', widths and every
 * length modifier) and an input made of a fragment per directive that matches it, or
 * almost does (signs alone, "0x" alone, "1e+", bad digits, overflowing numbers, words
 * cut short), with white space and junk between and sometimes cut off early. Every
 * conversion is bracketed by %n, so the cases also compare where each one began and
 * ended. Both scanners write into slots filled with the same pattern; the return values
 * and every byte of every slot must agree.
 *
 * Two differences are kept on purpose. glibc converts the valid beginning of an input
 * item that only begins a match ("1e+" for %f gives 1, "0x" for %x gives 0, "ab" for
 * %3c assigns the two characters; with a width it may even give back more than one
 * character: "0x" for %2f is read as "0"), where C11 7.21.6.2p10 makes it a matching
 * failure, which the runtime reports. And glibc stops a NaN before "(chars)", which C11
 * makes part of it. Such cases are recognised (glibc_took_incomplete_item,
 * glibc_stopped_before_nan_chars) and counted apart; any other difference is a
 * mismatch. %Lf and its kin are compared with glibc's %lf widened to long double: long
 * double has double's precision in the runtime. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int kx_sscanf(const char *s, const char *fmt, ...);

static uint64_t state = 0x6a09e667f3bcc909ULL;
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

static const char *pick(const char *const *list, size_t n)
{
	return list[below((unsigned)n)];
}
#define PICK(list) pick(list, sizeof list / sizeof list[0])

#define SLOTS 24
#define SLOT_BYTES 256 /* more than the longest input */
#define PATTERN 0xa5

/* One conversion of a case: its character, width (0: none), and slot numbers. */
struct conv {
	char conv;
	int width, suppress, wide;
	int long_double; /* %L of a floating-point conversion */
	int pre, post; /* the %n slots around it */
};

struct gen {
	char fmt[512];
	char glibc_fmt[512]; /* the same, with %Lf read as %lf (see main) */
	char in[2048];
	struct conv convs[8];
	int nconvs, nslots;
};

static void append(char *dst, const char *src)
{
	strcat(dst, src);
}

static void random_digits(char *out, const char *alphabet, int n)
{
	size_t k = strlen(alphabet);
	for (int i = 0; i < n; i++)
		out[i] = alphabet[below((unsigned)k)];
	out[n] = '\0';
}

static void integer_text(char *out, char conv)
{
	static const char *const signs[] = {"", "", "", "-", "+"};
	static const char *const whole[] = {"-", "+", "0x", "0X", "-0x", "x", "0", "00", "(nil)", "(ni", "",
					    "99999999999999999999", "-9223372036854775808",
					    "18446744073709551615", "18446744073709551616", "4294967296",
					    "-2147483649", "255", "256", "65536", "0xffffffffffffffff",
					    "0x1ffffffffffffffff"};
	if (below(5) == 0) {
		strcpy(out, PICK(whole));
		return;
	}
	strcpy(out, PICK(signs));
	const char *alphabet = conv == 'o' ? "01234567" : (conv == 'd' || conv == 'u') ? "0123456789" : "0123456789abcdefABCDEF";
	if (conv == 'i' || conv == 'x' || conv == 'X' || conv == 'p') {
		switch (below(4)) {
		case 0:
			append(out, "0x");
			alphabet = "0123456789abcdefABCDEF";
			break;
		case 1:
			append(out, "0");
			alphabet = conv == 'i' ? "01234567" : alphabet;
			break;
		default:
			break;
		}
	}
	if (below(8) == 0)
		alphabet = "0123456789abcdefgxyz";
	char digits[64];
	random_digits(digits, alphabet, 1 + (int)below(below(6) == 0 ? 30 : 6));
	append(out, digits);
}

static void float_text(char *out)
{
	static const char *const whole[] = {"inf", "INF", "infinity", "Infinity", "infinit", "in", "nan", "NAN",
					    "-nan", "+inf", "-", "+", ".", "-.", "1e", "1e+", "1E-", "0x", "0x.",
					    "0x1p", "0x1p-", "0X.8P1", "1.", ".5", "1e999", "1e-999", "4e-320",
					    "0x1p-1074", "3.4028236e38", "1e-46", "0.1", "100ergs"};
	if (below(4) == 0) {
		strcpy(out, PICK(whole));
		return;
	}
	char *p = out;
	if (below(4) == 0)
		*p++ = below(2) ? '-' : '+';
	if (below(5) == 0) {
		p += sprintf(p, "0x");
		char d[40];
		random_digits(d, "0123456789abcdefABCDEF", 1 + (int)below(14));
		p += sprintf(p, "%s", d);
		if (below(2)) {
			random_digits(d, "0123456789abcdef", (int)below(6));
			p += sprintf(p, ".%s", d);
		}
		if (below(2))
			p += sprintf(p, "p%d", (int)below(300) - 150);
		return;
	}
	char d[64];
	random_digits(d, "0123456789", 1 + (int)below(below(6) == 0 ? 40 : 8));
	p += sprintf(p, "%s", d);
	if (below(2)) {
		random_digits(d, "0123456789", (int)below(8));
		p += sprintf(p, ".%s", d);
	}
	if (below(2))
		p += sprintf(p, "%c%s%d", below(2) ? 'e' : 'E', below(3) == 0 ? "+" : "", (int)below(100) - 50);
}

static void word_text(char *out, const char *alphabet, int max)
{
	random_digits(out, alphabet, 1 + (int)below((unsigned)max));
}

/* Adds a conversion to g's format and a fragment for it to g's input. */
static void add_conversion(struct gen *g)
{
	static const char convs[] = "diuoxXpfegaEGAFcs[[n";
	static const char *const int_lengths[] = {"", "", "", "hh", "h", "l", "ll", "j", "z", "t", "q", "L"};
	static const char *const float_lengths[] = {"", "l", "L"};
	static const char *const sets[] = {"abc", "a-z", "0-9", "^,", "^ \n", "]a", "^]", "a-c-e", "z-a",
					   "-x", "x-", "0-9a-fA-FxX.+-eEp", "^a-z", "]-a"};
	char conv = convs[below(sizeof convs - 1)];
	struct conv *c = &g->convs[g->nconvs++];
	memset(c, 0, sizeof *c);
	c->conv = conv;
	char spec[64] = "%";
	if (conv != 'n' && below(6) == 0) {
		c->suppress = 1;
		append(spec, "*");
	}
	if (conv != 'n' && below(3) == 0) {
		c->width = 1 + (int)below(12);
		sprintf(spec + strlen(spec), "%d", c->width);
	}
	const char *set = "";
	char text[256] = "";
	switch (conv) {
	case 'd':
	case 'i':
	case 'u':
	case 'o':
	case 'x':
	case 'X':
	case 'n':
		append(spec, PICK(int_lengths));
		if (conv != 'n')
			integer_text(text, conv);
		break;
	case 'p':
		integer_text(text, conv);
		break;
	case 'c':
	case 's':
		if (below(10) == 0) {
			c->wide = 1;
			append(spec, "l");
		}
		if (conv == 'c')
			word_text(text, "abc xyz,\t", c->width ? c->width + 1 : 2);
		else
			word_text(text, "abcdefxyz019-_.", 12);
		break;
	case '[':
		set = PICK(sets);
		word_text(text, "abcdexyz019,-] \n^", 10);
		break;
	default: {
		const char *len = PICK(float_lengths);
		c->long_double = strcmp(len, "L") == 0;
		append(spec, len);
		float_text(text);
	}
	}
	if (conv == 'n' || conv == 'c' || conv == '[') {
		/* no white space is skipped before these: sometimes put some there anyway */
		if (below(6) == 0)
			append(g->in, " ");
	} else if (below(3) == 0) {
		append(g->in, below(2) ? " " : "\t\n ");
	}
	append(g->in, text);
	c->pre = g->nslots++;
	c->post = -1;
	sprintf(g->fmt + strlen(g->fmt), "%%n%s%c%s%s", spec, conv, conv == '[' ? set : "", conv == '[' ? "]" : "");
	if (c->long_double)
		spec[strlen(spec) - 1] = 'l';
	sprintf(g->glibc_fmt + strlen(g->glibc_fmt), "%%n%s%c%s%s", spec, conv, conv == '[' ? set : "",
		conv == '[' ? "]" : "");
	if (!c->suppress)
		g->nslots++; /* the conversion's own slot, numbered pre + 1 */
	c->post = g->nslots++;
	append(g->fmt, "%n");
	append(g->glibc_fmt, "%n");
}

static void generate(struct gen *g)
{
	static const char *const literals[] = {",", ";", ":", "x", "-", ".", "a", "%%"};
	static const char *const spaces[] = {" ", "\t", "\n", "  "};
	static const char *const junk[] = {" ", ",", "x", "\t", "", "", "", "e", ".", "-", "(", ")", "9"};
	memset(g, 0, sizeof *g);
	int n = 1 + (int)below(6);
	for (int i = 0; i < n && g->nslots < SLOTS - 3; i++) {
		switch (below(6)) {
		case 0: {
			const char *sp = PICK(spaces);
			append(g->fmt, sp);
			append(g->glibc_fmt, sp);
			if (below(2))
				append(g->in, PICK(spaces));
			break;
		}
		case 1: {
			const char *lit = PICK(literals);
			append(g->fmt, lit);
			append(g->glibc_fmt, lit);
			if (below(3))
				append(g->in, below(4) == 0 ? " " : "");
			append(g->in, below(8) == 0 ? "?" : strcmp(lit, "%%") == 0 ? "%" : lit);
			break;
		}
		default:
			add_conversion(g);
			if (below(3) == 0)
				append(g->in, PICK(junk));
		}
	}
	size_t len = strlen(g->in);
	if (below(6) == 0)
		g->in[len ? below((unsigned)len + 1) : 0] = '\0';
	else if (len > 200)
		g->in[200] = '\0';
}

static unsigned char ours[SLOTS][SLOT_BYTES], theirs[SLOTS][SLOT_BYTES];

static int written(unsigned char (*slots)[SLOT_BYTES], int slot)
{
	for (int i = 0; i < 4; i++)
		if (slots[slot][i] != PATTERN)
			return 1;
	return 0;
}

static int run(const struct gen *g, unsigned char (*slots)[SLOT_BYTES], int kx)
{
	memset(slots, PATTERN, sizeof ours);
	void *p[SLOTS];
	for (int i = 0; i < SLOTS; i++)
		p[i] = slots[i];
#define ARGS p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], \
	     p[15], p[16], p[17], p[18], p[19], p[20], p[21], p[22], p[23]
	if (kx)
		return kx_sscanf(g->in, g->fmt, ARGS);
	/* long double has double's precision in the runtime: glibc reads %Lf as %lf, and the
	 * double it stores is widened to the long double the runtime stores. */
	int r = sscanf(g->in, g->glibc_fmt, ARGS);
	for (int k = 0; k < g->nconvs; k++) {
		const struct conv *c = &g->convs[k];
		if (c->long_double && !c->suppress && written(slots, c->pre + 1)) {
			double d;
			memcpy(&d, slots[c->pre + 1], sizeof d);
			long double ld = d;
			memcpy(slots[c->pre + 1], &ld, 10); /* the bytes a long double store writes */
		}
	}
	return r;
}

static int position(unsigned char (*slots)[SLOT_BYTES], int slot)
{
	int v;
	memcpy(&v, slots[slot], sizeof v);
	return v;
}

/* Whether `text` is a whole matching sequence for c: a number in the conversion's base
 * (strtoull's or strtod's reading consumes all of it), or as many characters as %c's
 * width. */
static int complete_item(const struct conv *c, const char *text)
{
	char *end;
	if (!*text)
		return 0;
	switch (c->conv) {
	case 'c':
		return strlen(text) == (size_t)(c->width ? c->width : 1);
	case 's':
	case '[':
		return 1;
	case 'd':
	case 'u':
		strtoull(text, &end, 10);
		return !*end;
	case 'i':
		strtoull(text, &end, 0);
		return !*end;
	case 'o':
		strtoull(text, &end, 8);
		return !*end;
	case 'x':
	case 'X':
	case 'p':
		strtoull(text, &end, 16);
		return strcmp(text, "(nil)") == 0 || !*end;
	default:
		strtod(text, &end);
		return !*end;
	}
}

/* Whether `text` begins a matching sequence: some ending makes it whole. */
static int begins_item(const struct conv *c, const char *text)
{
	static const char *const endings[] = {"", "1", ")", "f", "nf", "n", "an", "y", "ty", "ity", "nity",
					      "inity", "il)", "l)", "nil)"};
	char whole[300];
	if (c->conv == 'c')
		return 1;
	for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
		snprintf(whole, sizeof whole, "%s%s", text, endings[i]);
		if (complete_item(c, whole))
			return 1;
	}
	return 0;
}

/* The kept difference: at the first conversion only glibc got past, both had agreed so
 * far, and C11's input item there (the longest beginning of a match within the width)
 * is not a whole match: C11 fails, glibc converted something. */
static int glibc_took_incomplete_item(const struct gen *g, int our_result)
{
	int assigned = 0; /* by the runtime before the conversion where it stopped */
	for (int k = 0; k < g->nconvs; k++) {
		const struct conv *c = &g->convs[k];
		if (written(ours, c->post) && written(theirs, c->post)) {
			assigned += !c->suppress && c->conv != 'n';
			continue;
		}
		if (our_result != assigned)
			return 0;
		if (written(ours, c->post) || !written(ours, c->pre) || !written(theirs, c->pre))
			return 0;
		if (memcmp(ours, theirs, (size_t)c->pre * SLOT_BYTES) != 0 || position(theirs, c->pre) != position(ours, c->pre))
			return 0;
		const char *start = g->in + position(theirs, c->pre);
		if (c->conv != 'c' && c->conv != '[')
			while (*start == ' ' || (*start >= '\t' && *start <= '\r'))
				start++;
		size_t limit = c->width ? (size_t)c->width : SIZE_MAX, len = 0;
		char item[300];
		while (len < limit && start[len] && len + 1 < sizeof item) {
			memcpy(item, start, len + 1);
			item[len + 1] = '\0';
			if (!begins_item(c, item))
				break;
			len++;
		}
		memcpy(item, start, len);
		item[len] = '\0';
		return len > 0 && !complete_item(c, item) && written(theirs, c->post);
	}
	return 0;
}

/* The other kept difference: glibc's scanf reads "nan" and stops before "(chars)",
 * which C11 makes part of the item (7.21.6.2p12 defers to strtod's subject sequence,
 * 7.22.1.3p3: NAN(n-char-sequence)); the runtime reads it. Recognised at the first
 * conversion where the two ended in different places. */
static int glibc_stopped_before_nan_chars(const struct gen *g)
{
	for (int k = 0; k < g->nconvs; k++) {
		const struct conv *c = &g->convs[k];
		if (!written(ours, c->post) || !written(theirs, c->post))
			return 0;
		int to = position(theirs, c->post), our_to = position(ours, c->post);
		if (to == our_to)
			continue;
		if (memcmp(ours, theirs, (size_t)c->pre * SLOT_BYTES) != 0 || !strchr("aAeEfFgG", c->conv))
			return 0;
		const char *item = g->in + to - 3;
		if (to < 3 || strncasecmp(item, "nan", 3) != 0 || g->in[to] != '(' || g->in[our_to - 1] != ')')
			return 0;
		for (const char *p = g->in + to + 1; p < g->in + our_to - 1; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				return 0;
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200000;
	long failures = 0, kept = 0, kept_nan = 0;
	static struct gen g;
	for (long r = 0; r < rounds; r++) {
		generate(&g);
		int rb = run(&g, theirs, 0);
		int ra = run(&g, ours, 1);
		if (ra == rb && memcmp(ours, theirs, (size_t)g.nslots * SLOT_BYTES) == 0)
			continue;
		if (glibc_took_incomplete_item(&g, ra)) {
			kept++;
			continue;
		}
		if (glibc_stopped_before_nan_chars(&g)) {
			kept_nan++;
			continue;
		}
		if (failures++ < 30) {
			printf("MISMATCH sscanf(\"%s\", \"%s\"): glibc %d, ours %d;", g.in, g.fmt, rb, ra);
			for (int i = 0; i < g.nslots; i++)
				if (memcmp(ours[i], theirs[i], SLOT_BYTES) != 0)
					printf(" slot %d differs (glibc %02x%02x%02x%02x..., ours %02x%02x%02x%02x...)", i,
					       theirs[i][0], theirs[i][1], theirs[i][2], theirs[i][3], ours[i][0],
					       ours[i][1], ours[i][2], ours[i][3]);
			printf("\n");
		}
	}
	printf("scanf_diff: %ld random cases, %ld mismatches (not counted: %ld where glibc converts an incomplete "
	       "item, %ld where it stops before nan's \"(chars)\")\n",
	       rounds, failures, kept, kept_nan);
	return failures != 0;
}
