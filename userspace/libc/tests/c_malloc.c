/* c_malloc: the allocator under a random stress of malloc, calloc, realloc and free with
 * content checks (every byte of a live block carries a pattern derived from its slot
 * and generation), plus large blocks (their own mappings), calloc zeroing, aligned
 * allocation and the edge cases (malloc(0), free(NULL), realloc(NULL), overflows). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* The compiler knows what the allocation functions do and may drop a malloc/free pair
 * whose memory nobody reads, or fail an impossible request without calling malloc:
 * calls go through pointers it cannot see through, so that the allocator really runs. */
static void *(*volatile malloc_)(size_t) = malloc;
static void *(*volatile calloc_)(size_t, size_t) = calloc;
static void *(*volatile realloc_)(void *, size_t) = realloc;
static void (*volatile free_)(void *) = free;
#define malloc malloc_
#define calloc calloc_
#define realloc realloc_
#define free free_

#define SLOTS 512
#define ROUNDS 40000

struct slot {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

static struct slot slots[SLOTS];
static unsigned long long rng = 88172645463325252ULL;

static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Mostly small sizes, some medium, a few large (own mapping) ones. */
static size_t random_size(void)
{
	unsigned r = next() % 100;
	if (r < 60)
		return next() % 256;
	if (r < 90)
		return next() % 8192;
	if (r < 98)
		return next() % 70000;
	return 65536 + next() % (600 * 1024);
}

/* The pattern of byte i of a block: its slot's tag mixed with the position, written and
 * checked a 64-bit word at a time (the tests are built without optimisation). */
static uint64_t pattern_word(unsigned char tag, size_t word)
{
	return (tag * 0x0101010101010101ULL) ^ (word * 0x9e3779b97f4a7c15ULL);
}

static void fill(struct slot *s)
{
	size_t words = s->size / 8;
	uint64_t *w = (uint64_t *)s->p;
	for (size_t i = 0; i < words; i++)
		w[i] = pattern_word(s->tag, i);
	uint64_t last = pattern_word(s->tag, words);
	memcpy(s->p + words * 8, &last, s->size % 8);
}

/* Whether the first n bytes still carry the pattern. */
static int intact(const struct slot *s, size_t n)
{
	size_t words = n / 8;
	const uint64_t *w = (const uint64_t *)s->p;
	for (size_t i = 0; i < words; i++)
		if (w[i] != pattern_word(s->tag, i))
			return 0;
	uint64_t last = pattern_word(s->tag, words);
	return memcmp(s->p + words * 8, &last, n % 8) == 0;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int all_zero(const unsigned char *p, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) /* malloc's blocks are 16-byte aligned */
		if (*(const uint64_t *)(p + i))
			return 0;
	for (; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int stress(int rounds)
{
	int bad = 0;
	unsigned long ops[4] = {0};
	for (int round = 0; round < rounds && !bad; round++) {
		struct slot *s = &slots[next() % SLOTS];
		unsigned what = next() % 4;
		if (s->p && !intact(s, s->size)) {
			printf("FAILED: block of %zu bytes at %p corrupted (round %d)\n", s->size, (void *)s->p,
			       round);
			bad = 1;
			break;
		}
		if (s->p && what == 0) {
			free(s->p);
			s->p = NULL;
		} else if (s->p && what == 1) {
			size_t n = random_size();
			unsigned char *q = realloc(s->p, n ? n : 1);
			if (!q) {
				printf("FAILED: realloc(%zu) returned NULL\n", n);
				bad = 1;
				break;
			}
			s->p = q;
			size_t keep = s->size < n ? s->size : n;
			if (!intact(s, keep)) {
				printf("FAILED: realloc from %zu to %zu lost content\n", s->size, n);
				bad = 1;
			}
			s->size = n ? n : 1;
			fill(s);
		} else {
			if (s->p)
				free(s->p);
			s->size = random_size();
			s->tag = (unsigned char)next();
			if (what == 2) {
				s->p = calloc(1, s->size);
				if (s->p && !all_zero(s->p, s->size)) {
					printf("FAILED: calloc(%zu) not zeroed\n", s->size);
					bad = 1;
				}
			} else {
				s->p = malloc(s->size);
			}
			if (!s->p) {
				printf("FAILED: allocation of %zu bytes returned NULL\n", s->size);
				bad = 1;
				break;
			}
			if (((uintptr_t)s->p & 15) != 0) {
				printf("FAILED: %p is not 16-byte aligned\n", (void *)s->p);
				bad = 1;
			}
			fill(s);
		}
		ops[what]++;
	}
	printf("stress: %lu free, %lu realloc, %lu calloc, %lu malloc\n", ops[0], ops[1], ops[2], ops[3]);
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p && !intact(&slots[i], slots[i].size)) {
			printf("FAILED: block %d corrupted at the end\n", i);
			bad = 1;
		}
		free(slots[i].p);
		slots[i].p = NULL;
	}
	return !bad;
}

int main(void)
{
	long t0 = now_ms();
	CHECK(stress(ROUNDS));
	printf("stress took %ld ms\n", now_ms() - t0);

	/* Blocks do not overlap: distinct patterns survive each other's writes. */
	unsigned char *a = malloc(100), *b = malloc(100);
	CHECK(a && b && (a + 100 <= b || b + 100 <= a));
	memset(a, 0xaa, 100);
	memset(b, 0xbb, 100);
	CHECK(a[99] == 0xaa && b[0] == 0xbb);
	free(a);
	free(b);

	/* malloc(0) gives a unique pointer that can be freed. */
	void *z1 = malloc(0), *z2 = malloc(0);
	CHECK(z1 && z2 && z1 != z2);
	free(z1);
	free(z2);
	free(NULL);

	/* A freed small block is reused. */
	uintptr_t r1 = (uintptr_t)malloc(48);
	free((void *)r1);
	void *r2 = malloc(48);
	CHECK(r1 == (uintptr_t)r2);
	free(r2);

	/* Large blocks: written end to end, grown and shrunk by realloc, unmapped by free. */
	size_t big = 8 * 1024 * 1024;
	unsigned char *l = malloc(big);
	CHECK(l != NULL);
	if (l) {
		memset(l, 0x5a, big);
		CHECK(l[0] == 0x5a && l[big - 1] == 0x5a);
		unsigned char *l2 = realloc(l, 2 * big);
		CHECK(l2 != NULL && l2[big - 1] == 0x5a && l2[0] == 0x5a);
		if (l2) {
			memset(l2 + big, 0x6b, big);
			unsigned char *l3 = realloc(l2, big / 2);
			CHECK(l3 != NULL && l3[big / 2 - 1] == 0x5a);
			free(l3 ? l3 : l2);
		}
	}
	/* The memory of a freed large block is really returned: 40 rounds of 16 MiB would not
	 * fit in the guest's 512 MiB otherwise. */
	t0 = now_ms();
	int rounds_ok = 1;
	for (int i = 0; i < 40 && rounds_ok; i++) {
		unsigned char *p = malloc(16 << 20);
		if (!p) {
			rounds_ok = 0;
			break;
		}
		p[0] = p[(16 << 20) - 1] = 1;
		free(p);
	}
	CHECK(rounds_ok);
	printf("16 MiB rounds took %ld ms\n", now_ms() - t0);

	/* calloc zeroes, also memory that was used before, and checks for overflow. */
	unsigned char *dirty = malloc(3000);
	memset(dirty, 0xff, 3000);
	free(dirty);
	unsigned char *clean = calloc(1000, 3);
	CHECK(clean && all_zero(clean, 3000));
	free(clean);
	unsigned char *huge_clean = calloc(1, 1 << 20);
	CHECK(huge_clean && all_zero(huge_clean, 1 << 20));
	free(huge_clean);
	CHECK_ERRNO(calloc(SIZE_MAX / 2, 4), NULL, ENOMEM);
	CHECK_ERRNO(malloc(SIZE_MAX - 10), NULL, ENOMEM);

	/* realloc(NULL, n) is malloc; realloc(p, 0) frees. */
	char *s = realloc(NULL, 10);
	CHECK(s != NULL);
	strcpy(s, "abcdefghi");
	s = realloc(s, 100000);
	CHECK(s && strcmp(s, "abcdefghi") == 0);
	CHECK(realloc(s, 0) == NULL);

	/* Aligned allocations. */
	for (size_t align = 8; align <= 65536; align *= 2) {
		void *p = NULL;
		int r = posix_memalign(&p, align, 100);
		if (r != 0 || ((uintptr_t)p & (align - 1)) != 0) {
			printf("FAILED: posix_memalign(%zu) -> %d %p\n", align, r, p);
			check_failures++;
		}
		memset(p, 1, 100);
		CHECK(malloc_usable_size(p) >= 100);
		free(p);
	}
	void *al = aligned_alloc(4096, 4096);
	CHECK(al && ((uintptr_t)al & 4095) == 0);
	free(al);
	void *bad_align;
	CHECK(posix_memalign(&bad_align, 24, 10) == EINVAL);

	/* The heap works in a fork child, and the child's frees leave the parent's blocks. */
	char *kept = strdup("parent's block");
	pid_t child = fork();
	if (child == 0) {
		free(kept);
		_exit(stress(ROUNDS / 4) ? 0 : 1);
	}
	int status = -1;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strcmp(kept, "parent's block") == 0);
	free(kept);

	/* mmap directly: anonymous memory, MAP_FIXED_NOREPLACE and munmap. */
	unsigned char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED && all_zero(m, 3 * 4096));
	if (m != MAP_FAILED) {
		m[0] = 1;
		CHECK_ERRNO(mmap(m + 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
			    MAP_FAILED, EEXIST);
		void *fixed = mmap(m + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   -1, 0);
		CHECK(fixed == m + 4096);
		CHECK(mprotect(m, 4096, PROT_READ) == 0);
		CHECK(m[0] == 1);
		CHECK(munmap(m, 3 * 4096) == 0);
	}
	/* Shared anonymous memory: zero-filled, writable, unmappable. */
	unsigned char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED && all_zero(shared, 4096));
	if (shared != MAP_FAILED) {
		shared[0] = 2;
		CHECK(shared[0] == 2);
		CHECK(munmap(shared, 4096) == 0);
	}
	CHECK_ERRNO(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED, EINVAL);
	CHECK_ERRNO(munmap((void *)0x1001, 4096), -1, EINVAL);

	return check_summary("c_malloc");
}
