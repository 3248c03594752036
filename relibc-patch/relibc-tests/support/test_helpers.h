/* Stand-in for relibc's tests/test_helpers.h, for building the tests of this directory
 * outside relibc (with the host's glibc, and with kestrel's guest C runtime). It gives
 * the macros these tests use the interface and the output of relibc's own: relibc's
 * test tree has its own copy, so this file never goes into the patch.
 *
 *   ERROR_IF(func, status, cond)   the call func failed (status cond): report errno, exit 1
 *   ERROR_IF2(func, status, cond)  the same for calls that return the error number
 *   UNEXP_IF(func, value, cond)    func gave a value no standard allows: report it, exit 1
 *   CHECK_AND_PRINT_ERRNO(E)       print "errno (text) - E" to stdout; exit 1 unless
 *                                  errno is E
 *   exit(code)                     _exit, saying where when code is not EXIT_SUCCESS
 *
 * Reports go to stderr as "FILE:FUNCTION:LINE: ..."; a passing test writes nothing there.
 * Failures end the program with _exit, so stdout still buffered is lost, as with relibc's
 * macros; only CHECK_AND_PRINT_ERRNO's own FAILURE line is flushed first.
 * The arguments may be evaluated more than once: pass variables, not calls. */
#ifndef _TEST_HELPERS
#define _TEST_HELPERS

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define TH_WHERE_ __FILE__, __func__, __LINE__

/* A failed call: its name, the error text and number. */
#define ERROR_IF(func, status, condition)                                               \
	do {                                                                            \
		if ((status) condition) {                                               \
			int th_err_ = errno;                                            \
			fprintf(stderr, "%s:%s:%d: '%s' failed: %s (%d)\n", TH_WHERE_,  \
				#func, strerror(th_err_), th_err_);                     \
			_exit(EXIT_FAILURE);                                            \
		}                                                                       \
	} while (0)

/* As ERROR_IF, for functions (pthread_*, posix_*) whose result is the error number. */
#define ERROR_IF2(func, status, condition)                                              \
	do {                                                                            \
		if ((status) condition) {                                               \
			int th_err_ = (int)(status);                                    \
			fprintf(stderr, "%s:%s:%d: '%s' failed: %s (%d)\n", TH_WHERE_,  \
				#func, strerror(th_err_), th_err_);                     \
			_exit(EXIT_FAILURE);                                            \
		}                                                                       \
	} while (0)

/* How UNEXP_IF prints the value, chosen by its type. */
static inline void th_value_str_(const char *value)
{
	fprintf(stderr, "char*(%p) = \"%s\"", (const void *)value, value);
}

static inline void th_value_ptr_(const void *value)
{
	fprintf(stderr, "void*(%p)", value);
}

static inline void th_value_int_(long long value)
{
	fprintf(stderr, "%lld", value);
}

#define TH_PRINT_VALUE_(value)                                                           \
	_Generic((value),                                                               \
		char *: th_value_str_,                                                  \
		const char *: th_value_str_,                                            \
		void *: th_value_ptr_,                                                  \
		const void *: th_value_ptr_,                                            \
		default: th_value_int_)(value)

#define UNEXP_IF(func, status, condition)                                               \
	do {                                                                            \
		if ((status) condition) {                                               \
			fprintf(stderr, "%s:%s:%d: '%s' returned a non-standard value: ", \
				TH_WHERE_, #func);                                      \
			TH_PRINT_VALUE_(status);                                        \
			fputc('\n', stderr);                                            \
			_exit(EXIT_FAILURE);                                            \
		}                                                                       \
	} while (0)

#define exit(code)                                                                      \
	do {                                                                            \
		if ((code) != EXIT_SUCCESS)                                             \
			fprintf(stderr, "%s:%s:%d: Test failed with exit(%s)\n", TH_WHERE_, \
				#code);                                                 \
		_exit(code);                                                            \
	} while (0)

/* Prints errno as "N (text)" and then either " - NAME" or what it should have been. */
static inline void th_print_errno_(int expected, const char *name)
{
	int got = errno;
	printf("%d (%s)", got, strerror(got));
	if (got == expected)
		printf(" - %s\n", name);
	else {
		printf("\n^^^^^ FAILURE ^^^^^ (SHOULD BE %d - %s (%s))\n", expected, name,
		       strerror(expected));
		/* The test ends with _exit next: keep this line for the comparison. */
		fflush(stdout);
	}
	errno = got;
}

#define CHECK_AND_PRINT_ERRNO(errnoval)                                                 \
	do {                                                                            \
		th_print_errno_((errnoval), #errnoval);                                 \
		if (errno != (errnoval))                                                \
			exit(EXIT_FAILURE);                                             \
	} while (0)

#endif /* _TEST_HELPERS */
