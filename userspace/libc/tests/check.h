/* check.h: the guest C tests' assertions. CHECK prints each check with its result;
 * a test ends with `return check_summary("NAME");`, which exits non-zero if any check
 * failed. Output goes through stdout, so it is flushed before every fork. */
#ifndef C_TEST_CHECK_H
#define C_TEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		check_count++;                                                          \
		if (cond) {                                                             \
			printf("ok: %s\n", #cond);                                      \
		} else {                                                                \
			printf("FAILED: %s (%s:%d)\n", #cond, __FILE__, __LINE__);      \
			check_failures++;                                               \
		}                                                                       \
	} while (0)

/* A call that must fail with -1 (or the given failure value) and errno E. */
#define CHECK_ERRNO(call, fail_value, e)                                                          \
	do {                                                                                      \
		errno = 0;                                                                        \
		long check_r_ = (long)(call);                                                     \
		int check_e_ = errno;                                                             \
		check_count++;                                                                    \
		if (check_r_ == (long)(fail_value) && check_e_ == (e)) {                          \
			printf("ok: %s fails with %s\n", #call, #e);                              \
		} else {                                                                          \
			printf("FAILED: %s returned %ld errno %d (%s), expected %s (%s:%d)\n", #call, \
			       check_r_, check_e_, strerror(check_e_), #e, __FILE__, __LINE__);   \
			check_failures++;                                                         \
		}                                                                                 \
	} while (0)

/* Compares a string result with the expected one. */
#define CHECK_STR(got, want)                                                                    \
	do {                                                                                    \
		const char *check_g_ = (got), *check_w_ = (want);                               \
		check_count++;                                                                  \
		if (strcmp(check_g_, check_w_) == 0) {                                          \
			printf("ok: %s == \"%s\"\n", #got, check_w_);                           \
		} else {                                                                        \
			printf("FAILED: %s is \"%s\", expected \"%s\" (%s:%d)\n", #got, check_g_, \
			       check_w_, __FILE__, __LINE__);                                   \
			check_failures++;                                                       \
		}                                                                               \
	} while (0)

static inline int check_summary(const char *name)
{
	if (check_failures)
		printf("%s: %d of %d checks FAILED\n", name, check_failures, check_count);
	else
		printf("%s: all %d checks passed\n", name, check_count);
	return check_failures ? 1 : 0;
}

#endif /* C_TEST_CHECK_H */
