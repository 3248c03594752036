/* stdlib.c: number conversions, arithmetic, random numbers, the environment, sorting
 * and searching, and assert's report. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* The common part of the strto* family: parses an optional sign and digits in `base`
 * (0: by prefix), returns the magnitude, saturated at ULLONG_MAX with *overflow set. */
static unsigned long long parse(const char *s, char **end, int base, int *negative, int *overflow)
{
	const char *p = s;
	*negative = 0;
	*overflow = 0;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*negative = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value((unsigned char)p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	unsigned long long value = 0;
	const char *digits = p;
	for (int d; (d = digit_value((unsigned char)*p)) < base; p++) {
		if (value > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			*overflow = 1;
		else
			value = value * (unsigned)base + (unsigned)d;
	}
	if (p == digits) {
		/* No digits: nothing was converted. */
		*negative = 0;
		p = s;
	}
	if (end)
		*end = (char *)p;
	return *overflow ? ULLONG_MAX : value;
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	int negative, overflow;
	unsigned long long v = parse(s, end, base, &negative, &overflow);
	unsigned long long limit = negative ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	if (overflow || v > limit) {
		errno = ERANGE;
		return negative ? LLONG_MIN : LLONG_MAX;
	}
	return negative ? (long long)(0 - v) : (long long)v;
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
	int negative, overflow;
	unsigned long long v = parse(s, end, base, &negative, &overflow);
	if (overflow) {
		errno = ERANGE;
		return ULLONG_MAX;
	}
	return negative ? 0 - v : v; /* C: the negation happens in the return type */
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	return (long)strtoll(s, end, base); /* long and long long are both 64 bits */
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return (unsigned long)strtoull(s, end, base);
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
	return strtoll(s, end, base);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
	return strtoull(s, end, base);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

long long atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}

int abs(int x)
{
	return x < 0 ? -x : x;
}

long labs(long x)
{
	return x < 0 ? -x : x;
}

long long llabs(long long x)
{
	return x < 0 ? -x : x;
}

div_t div(int a, int b)
{
	return (div_t){a / b, a % b};
}

ldiv_t ldiv(long a, long b)
{
	return (ldiv_t){a / b, a % b};
}

lldiv_t lldiv(long long a, long long b)
{
	return (lldiv_t){a / b, a % b};
}

/* A 64-bit linear congruential generator (Knuth's MMIX constants); rand() returns its
 * top 31 bits, which are the well-mixed ones. */
static unsigned long long rand_state = 1;

void srand(unsigned int seed)
{
	rand_state = seed;
}

int rand(void)
{
	rand_state = rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int)(rand_state >> 33);
}

/* The environment. environ points at the kernel's initial array until the first change,
 * which copies it to the heap; strings added by setenv are never freed (a program may
 * still hold them from an earlier getenv). */
static char **owned_env;
static size_t owned_cap;

static size_t env_count(void)
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	return n;
}

static char **env_find(const char *name, size_t len)
{
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return e;
	return NULL;
}

char *getenv(const char *name)
{
	size_t len = strlen(name);
	char **e = env_find(name, len);
	return e ? *e + len + 1 : NULL;
}

static int valid_name(const char *name)
{
	if (!name || !*name || strchr(name, '=')) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int setenv(const char *name, const char *value, int overwrite)
{
	if (!valid_name(name))
		return -1;
	size_t len = strlen(name);
	char **slot = env_find(name, len);
	if (slot && !overwrite)
		return 0;
	char *entry = malloc(len + strlen(value) + 2);
	if (!entry)
		return -1;
	strcpy(stpcpy(stpcpy(entry, name), "="), value);
	if (slot) {
		*slot = entry;
		return 0;
	}
	size_t n = env_count();
	if (environ != owned_env || n + 2 > owned_cap) {
		size_t cap = (n + 2) * 2;
		char **copy = malloc(cap * sizeof *copy);
		if (!copy) {
			free(entry);
			return -1;
		}
		if (n)
			memcpy(copy, environ, n * sizeof *copy);
		if (environ == owned_env)
			free(owned_env);
		owned_env = environ = copy;
		owned_cap = cap;
	}
	environ[n] = entry;
	environ[n + 1] = NULL;
	return 0;
}

int unsetenv(const char *name)
{
	if (!valid_name(name))
		return -1;
	size_t len = strlen(name);
	char **slot;
	while ((slot = env_find(name, len)))
		for (; *slot; slot++)
			slot[0] = slot[1];
	return 0;
}

/* Sorting: introsort (quicksort with a median of three, insertion sort for short runs,
 * heapsort when the recursion gets too deep), so the worst case is O(n log n). */
static void swap_bytes(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

typedef int (*cmp_fn)(const void *, const void *);

static void sift_down(char *base, size_t root, size_t n, size_t size, cmp_fn cmp)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

static void heap_sort(char *base, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, i, n, size, cmp);
	for (size_t end = n; end-- > 1;) {
		swap_bytes(base, base + end * size, size);
		sift_down(base, 0, end, size, cmp);
	}
}

static void insertion_sort(char *base, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
			swap_bytes(base + (j - 1) * size, base + j * size, size);
}

static void intro_sort(char *base, size_t n, size_t size, cmp_fn cmp, int depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			heap_sort(base, n, size, cmp);
			return;
		}
		/* Median of first, middle and last, moved to the front as the pivot. */
		char *a = base, *m = base + (n / 2) * size, *z = base + (n - 1) * size;
		if (cmp(m, a) < 0)
			swap_bytes(m, a, size);
		if (cmp(z, m) < 0) {
			swap_bytes(z, m, size);
			if (cmp(m, a) < 0)
				swap_bytes(m, a, size);
		}
		swap_bytes(base, m, size);
		/* Hoare partition around base[0]. */
		size_t i = 0, j = n;
		for (;;) {
			do
				i++;
			while (i < n && cmp(base + i * size, base) < 0);
			do
				j--;
			while (cmp(base + j * size, base) > 0);
			if (i >= j)
				break;
			swap_bytes(base + i * size, base + j * size, size);
		}
		swap_bytes(base, base + j * size, size);
		/* Recurse into the smaller side, loop on the larger. */
		size_t left = j, right = n - j - 1;
		if (left < right) {
			intro_sort(base, left, size, cmp, depth);
			base += (j + 1) * size;
			n = right;
		} else {
			intro_sort(base + (j + 1) * size, right, size, cmp, depth);
			n = left;
		}
	}
	insertion_sort(base, n, size, cmp);
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n < 2 || size == 0)
		return;
	int depth = 0;
	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	intro_sort(base, n, size, cmp, depth);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	const char *lo = base;
	while (n > 0) {
		const char *mid = lo + (n / 2) * size;
		int c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}

void __assert_fail(const char *expr, const char *file, unsigned int line, const char *func)
{
	fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file, line, func, expr);
	abort();
}
