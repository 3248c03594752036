/* malloc.c: the heap.
 *
 * Every block starts with a 16-byte header (its usable size, its kind and a magic word),
 * so payloads are 16-byte aligned.
 * - Small requests (up to SMALL_MAX bytes) are rounded up to one of NCLASS size
 *   classes: multiples of 16 up to 128, then four classes per power of two (160, 192,
 *   224, 256, 320, ...), so no more than a quarter is wasted. Freed blocks go on their
 *   class's free list and are reused by that class; new ones are carved from chunks of
 *   anonymous memory (256 KiB, doubling up to 4 MiB) that are never returned.
 * - Larger requests get a mapping of their own, unmapped by free(). realloc() grows one
 *   in place when the pages after it are free (MAP_FIXED_NOREPLACE).
 * - posix_memalign() and friends over-allocate and put a second header, pointing back
 *   at the real block, just before the aligned address.
 * The magic word catches frees of pointers that malloc did not return and double
 * frees: both print a message and abort(). One lock (heap_lock) serialises every call;
 * fork holds it across the copy (__kestrel_malloc_lock_all). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "thread.h"

struct header {
	size_t size;	/* usable bytes after the header (aligned: offset back to the block) */
	uint32_t kind;	/* size class, or KIND_LARGE / KIND_ALIGNED */
	uint32_t magic; /* MAGIC_USED or MAGIC_FREE */
};

#define HDR sizeof(struct header)
#define NCLASS 44
#define SMALL_MAX 65536
#define KIND_LARGE 0xfffe
#define KIND_ALIGNED 0xfffd
#define MAGIC_USED 0x6b6d6c75u /* "ulmk" */
#define MAGIC_FREE 0x6b6d6c66u
#define PAGE 4096UL
#define CHUNK_MIN (256UL * 1024)
#define CHUNK_MAX (4UL * 1024 * 1024)

_Static_assert(sizeof(struct header) == 16, "payloads stay 16-byte aligned");

/* Free blocks of one class are linked through their first payload word. */
static void *free_lists[NCLASS];
/* The part of the current chunk not yet carved. */
static char *carve_at, *carve_end;
static size_t next_chunk = CHUNK_MIN;
/* Where the kernel is asked to look for free address space first. */
static uintptr_t map_hint;
/* Guards everything above. */
static volatile uint32_t heap_lock;

void __kestrel_malloc_lock_all(void)
{
	__kestrel_lock(&heap_lock);
}

void __kestrel_malloc_unlock_all(int child)
{
	if (child)
		heap_lock = 0;
	else
		__kestrel_unlock(&heap_lock);
}

static size_t class_size(unsigned c)
{
	if (c < 8)
		return (c + 1) * 16;
	unsigned b = 7 + (c - 8) / 4, k = (c - 8) % 4;
	return ((size_t)1 << b) + (k + 1) * ((size_t)1 << (b - 2));
}

static unsigned class_of(size_t n)
{
	if (n <= 128)
		return n == 0 ? 0 : (unsigned)((n + 15) / 16 - 1);
	unsigned b = 63 - (unsigned)__builtin_clzl(n - 1); /* 2^b < n <= 2^(b+1) */
	return 8 + (b - 7) * 4 + (unsigned)((n - 1 - ((size_t)1 << b)) >> (b - 2));
}

static void *map_pages(size_t len)
{
	void *p = mmap((void *)map_hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	map_hint = (uintptr_t)p + len;
	return p;
}

static __attribute__((__noreturn__)) void heap_error(const char *what, void *p)
{
	fprintf(stderr, "%s: %p\n", what, p);
	abort();
}

/* Puts the rest of the current chunk on the free lists, largest classes first. */
static void retire_chunk(void)
{
	for (int c = NCLASS - 1; c >= 0; c--) {
		size_t block = HDR + class_size((unsigned)c);
		while ((size_t)(carve_end - carve_at) >= block) {
			struct header *h = (struct header *)carve_at;
			h->size = class_size((unsigned)c);
			h->kind = (uint32_t)c;
			h->magic = MAGIC_FREE;
			*(void **)(h + 1) = free_lists[c];
			free_lists[c] = h + 1;
			carve_at += block;
		}
	}
}

static void *small_alloc(unsigned c)
{
	void *p = free_lists[c];
	if (p) {
		free_lists[c] = *(void **)p;
		struct header *h = (struct header *)p - 1;
		if (h->magic != MAGIC_FREE || h->kind != c)
			heap_error("malloc(): corrupted free list", p);
		h->magic = MAGIC_USED;
		return p;
	}
	size_t block = HDR + class_size(c);
	if ((size_t)(carve_end - carve_at) < block) {
		size_t len = next_chunk;
		while (len < block)
			len *= 2;
		char *chunk = map_pages(len);
		if (!chunk)
			return NULL;
		retire_chunk();
		carve_at = chunk;
		carve_end = chunk + len;
		if (next_chunk < CHUNK_MAX)
			next_chunk *= 2;
	}
	struct header *h = (struct header *)carve_at;
	carve_at += block;
	h->size = class_size(c);
	h->kind = c;
	h->magic = MAGIC_USED;
	return h + 1;
}

static size_t large_len(size_t n)
{
	return (n + HDR + PAGE - 1) & ~(PAGE - 1);
}

static void *large_alloc(size_t n)
{
	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = large_len(n);
	struct header *h = map_pages(len);
	if (!h)
		return NULL;
	h->size = len - HDR;
	h->kind = KIND_LARGE;
	h->magic = MAGIC_USED;
	return h + 1;
}

static void *malloc_locked(size_t n)
{
	void *p = n <= SMALL_MAX ? small_alloc(class_of(n)) : large_alloc(n);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *malloc(size_t n)
{
	__kestrel_lock(&heap_lock);
	void *p = malloc_locked(n);
	__kestrel_unlock(&heap_lock);
	return p;
}

static struct header *used_header(void *p, const char *what)
{
	struct header *h = (struct header *)p - 1;
	if (((uintptr_t)p & 15) != 0)
		heap_error(what, p);
	if (h->magic == MAGIC_FREE)
		heap_error("free(): double free detected", p);
	if (h->magic != MAGIC_USED || (h->kind >= NCLASS && h->kind != KIND_LARGE && h->kind != KIND_ALIGNED))
		heap_error(what, p);
	return h;
}

static void free_locked(void *p)
{
	struct header *h = used_header(p, "free(): invalid pointer");
	if (h->kind == KIND_ALIGNED) {
		h->magic = MAGIC_FREE;
		free_locked((char *)p - h->size);
	} else if (h->kind == KIND_LARGE) {
		h->magic = MAGIC_FREE;
		munmap(h, h->size + HDR);
	} else {
		h->magic = MAGIC_FREE;
		*(void **)p = free_lists[h->kind];
		free_lists[h->kind] = p;
	}
}

void free(void *p)
{
	if (!p)
		return;
	__kestrel_lock(&heap_lock);
	free_locked(p);
	__kestrel_unlock(&heap_lock);
}

static size_t usable_size_locked(void *p)
{
	struct header *h = used_header(p, "malloc_usable_size(): invalid pointer");
	if (h->kind == KIND_ALIGNED)
		return usable_size_locked((char *)p - h->size) - h->size;
	return h->size;
}

size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	__kestrel_lock(&heap_lock);
	size_t n = usable_size_locked(p);
	__kestrel_unlock(&heap_lock);
	return n;
}

void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	size_t total = n * size;
	void *p = malloc(total);
	/* A large block is a fresh mapping, which the kernel has zeroed. */
	if (p && total <= SMALL_MAX)
		memset(p, 0, total);
	return p;
}

/* Grows a large block in place by mapping the pages right after it. */
static int large_grow(struct header *h, size_t n)
{
	size_t old_len = h->size + HDR, new_len = large_len(n);
	void *want = (char *)h + old_len;
	void *got = mmap(want, new_len - old_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (got == MAP_FAILED)
		return 0;
	h->size = new_len - HDR;
	return 1;
}

static void *realloc_locked(void *p, size_t n)
{
	struct header *h = used_header(p, "realloc(): invalid pointer");
	size_t have = usable_size_locked(p);
	if (h->kind < NCLASS) {
		/* Stay put if the block is big enough and not more than twice too big. */
		if (n <= have && (n > have / 2 || have <= 16))
			return p;
	} else if (h->kind == KIND_LARGE) {
		if (n <= have && n > SMALL_MAX) {
			/* Shrink: give back whole pages at the end. */
			size_t keep = large_len(n);
			if (keep < h->size + HDR) {
				munmap((char *)h + keep, h->size + HDR - keep);
				h->size = keep - HDR;
			}
			return p;
		}
		if (n > have && large_grow(h, n))
			return p;
	}
	void *q = malloc_locked(n);
	if (!q)
		return NULL;
	memcpy(q, p, n < have ? n : have);
	free_locked(p);
	return q;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	__kestrel_lock(&heap_lock);
	void *q = realloc_locked(p, n);
	__kestrel_unlock(&heap_lock);
	return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	int saved = errno;
	if (align <= 16) {
		void *p = malloc(size);
		errno = saved;
		if (!p)
			return ENOMEM;
		*out = p;
		return 0;
	}
	if (size > SIZE_MAX - align - HDR)
		return ENOMEM;
	char *raw = malloc(size + align + HDR);
	errno = saved;
	if (!raw)
		return ENOMEM;
	uintptr_t aligned = ((uintptr_t)raw + HDR + align - 1) & ~(uintptr_t)(align - 1);
	struct header *h = (struct header *)aligned - 1;
	h->size = aligned - (uintptr_t)raw;
	h->kind = KIND_ALIGNED;
	h->magic = MAGIC_USED;
	*out = (void *)aligned;
	return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
	void *p;
	int err = posix_memalign(&p, align, size);
	if (err) {
		errno = err;
		return NULL;
	}
	return p;
}
