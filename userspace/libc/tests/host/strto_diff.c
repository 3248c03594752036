/* strto_diff: strtol, strtoul, strtoll, strtoull of the runtime against glibc on random
 * strings (spaces, signs, prefixes, digits of every base, overflow): same value, same
 * end pointer, same errno. Built by run.sh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long kx_strtol(const char *, char **, int);
unsigned long kx_strtoul(const char *, char **, int);
long long kx_strtoll(const char *, char **, int);
unsigned long long kx_strtoull(const char *, char **, int);
extern int kx_errno;

static unsigned long long state = 0x2545f4914f6cdd1dULL;
static unsigned long long next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200000;
	static const char *pieces[] = {" ", "\t", "+", "-", "0", "0x", "0X", "1", "7", "9", "a", "f", "F", "z",
				       "Z", "g", "8", "x", "99999999999999999999", "18446744073709551615",
				       "9223372036854775807", "9223372036854775808", "ffffffffffffffff", ".", ""};
	const int npieces = sizeof pieces / sizeof pieces[0];
	static const int bases[] = {0, 2, 8, 10, 16, 36, 1, 37, -1, 3, 7};
	long failures = 0;
	for (long r = 0; r < rounds; r++) {
		char s[128] = "";
		int n = (int)(next() % 6);
		for (int i = 0; i < n; i++)
			strcat(s, pieces[next() % npieces]);
		int base = bases[next() % (sizeof bases / sizeof bases[0])];
		char *e1, *e2;
		for (int fn = 0; fn < 4; fn++) {
			unsigned long long a = 0, b = 0;
			errno = 0;
			kx_errno = 0;
			switch (fn) {
			case 0:
				a = (unsigned long long)strtol(s, &e1, base);
				b = (unsigned long long)kx_strtol(s, &e2, base);
				break;
			case 1:
				a = strtoul(s, &e1, base);
				b = kx_strtoul(s, &e2, base);
				break;
			case 2:
				a = (unsigned long long)strtoll(s, &e1, base);
				b = (unsigned long long)kx_strtoll(s, &e2, base);
				break;
			default:
				a = strtoull(s, &e1, base);
				b = kx_strtoull(s, &e2, base);
			}
			/* glibc leaves the end pointer alone for an invalid base: compare only the
			 * value and errno then. */
			int bad_base = base < 0 || base == 1 || base > 36;
			if (a != b || errno != kx_errno || (!bad_base && e1 - s != e2 - s)) {
				if (failures++ < 20)
					printf("MISMATCH fn %d base %d \"%s\": glibc %llu end %ld errno %d, ours %llu end %ld errno %d\n",
					       fn, base, s, a, (long)(e1 - s), errno, b, (long)(e2 - s), kx_errno);
			}
		}
	}
	printf("strto_diff: %ld strings x 4 functions, %ld mismatches\n", rounds, failures);
	return failures != 0;
}
