/* c_shm_posix: POSIX shared memory as glibc on Linux gives it. shm_open's names and flags
 * (O_CREAT|O_EXCL, no O_CREAT, O_TRUNC, FD_CLOEXEC, the names glibc refuses), ftruncate
 * and fstat's st_size, mmap(MAP_SHARED) of the object (shared between mappings, opens and
 * processes; zero-filled as it grows; PROT_WRITE needs a descriptor open for writing),
 * shm_unlink (the name goes, the memory lives while it is mapped or open), and a pool
 * used as a Wayland client and compositor use a wl_shm pool: the client creates the
 * object, the compositor opens and maps it, the client draws checksummed frames into two
 * buffers that the compositor checks and releases, and grows the pool half way, which
 * the compositor maps again at its new size.
 *
 * The two processes of the pool take turns through a pair of System V semaphores (where
 * Wayland has its socket: the guest C runtime has no pipes). Exits 0 only if every check
 * passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_shm_common.h"

#include <fcntl.h>
#include <sys/stat.h>

/* Names this test created (unlinked at the end, if still there) */
static char names[8][64];
static int nnames;

static const char *name_of(const char *what)
{
	if (nnames == (int)(sizeof names / sizeof names[0])) {
		FAIL_AT("too many names");
		return "/c_shm_posix-overflow";
	}
	char *name = names[nnames++];
	snprintf(name, sizeof names[0], "/c_shm_posix-%d-%s", (int)getpid(), what);
	return name;
}

static int posix_finish(void)
{
	for (int i = 0; i < nnames; i++)
		shm_unlink(names[i]);
	return finish();
}

/* st_size of FD (-1 if fstat fails). */
static long long size_of(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	return (long long)st.st_size;
}

/* mmap of LEN bytes of FD, MAP_SHARED, with PROT; NULL (after a failure report) if it
 * fails. */
static char *map_shared(int fd, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		FAIL_AT("mmap(%zu bytes of fd %d, MAP_SHARED): errno %d (%s)", len, fd, errno, strerror(errno));
		return NULL;
	}
	return p;
}

static void names_and_flags(void)
{
	SECTION("shm_open: O_CREAT|O_EXCL (EEXIST), no O_CREAT (ENOENT), the names glibc refuses (EINVAL), FD_CLOEXEC");
	const char *name = name_of("names");
	CHECK_ERR(shm_open(name, O_RDWR, 0600), ENOENT); /* no object, no O_CREAT */
	CHECK_ERR(shm_open(name, O_RDONLY, 0600), ENOENT);
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
	int fd = (int)ret;
	CHECK_ERR(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	CHECK_ERR(shm_open(name, O_RDONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT, 0600)); /* O_CREAT alone opens it */
	CHECK(ret != fd);
	CHECK_OK(close((int)ret));
	CHECK_OK(shm_open(name, O_RDONLY, 0));
	CHECK_OK(close((int)ret));
	/* shm_open's descriptors are close-on-exec (POSIX). */
	CHECK_OK(fcntl(fd, F_GETFD));
	CHECK(ret & FD_CLOEXEC);
	/* glibc refuses an empty name and any '/' after the leading ones, and "." and "..". */
	CHECK_ERR(shm_open("/", O_RDWR | O_CREAT, 0600), EINVAL);
	CHECK_ERR(shm_open("", O_RDWR | O_CREAT, 0600), EINVAL);
	CHECK_ERR(shm_open("a/b", O_RDWR | O_CREAT, 0600), EINVAL);
	CHECK_ERR(shm_open("/a/b", O_RDWR | O_CREAT, 0600), EINVAL);
	CHECK_ERR(shm_open("/a/", O_RDWR, 0600), EINVAL);
	CHECK_ERR(shm_open("/.", O_RDWR | O_CREAT, 0600), EINVAL);
	CHECK_ERR(shm_open("/..", O_RDWR, 0600), EINVAL);
	/* shm_unlink: a missing name is ENOENT, and so is one glibc refuses. */
	CHECK_OK(shm_unlink(name));
	CHECK_ERR(shm_unlink(name), ENOENT);
	CHECK_ERR(shm_unlink("/a/b"), ENOENT);
	CHECK_ERR(shm_unlink("/"), ENOENT);
	CHECK_OK(close(fd));
}

static void sizes(void)
{
	SECTION("ftruncate and fstat's st_size; mmap PROT_WRITE of a read-only descriptor (EACCES); ftruncate of one (EINVAL)");
	size_t page = page_size();
	const char *name = name_of("sizes");
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
	int fd = (int)ret;
	CHECK_EQ(size_of(fd), 0); /* a new object is empty */
	CHECK_OK(ftruncate(fd, 10000));
	CHECK_EQ(ret, 0);
	CHECK_EQ(size_of(fd), 10000); /* the size asked, not rounded to pages */
	CHECK_ERR(ftruncate(fd, -1), EINVAL);
	CHECK_EQ(size_of(fd), 10000);
	char *p = map_shared(fd, 3 * page, PROT_READ | PROT_WRITE);
	if (!p)
		return;
	CHECK(all_bytes(p, 10000, 0)); /* zero-filled */
	fill_pattern(p, 10000, 1);

	/* Another descriptor of the same name: the same size and bytes. */
	CHECK_OK(shm_open(name, O_RDONLY, 0));
	int ro = (int)ret;
	CHECK_EQ(size_of(ro), 10000);
	CHECK_ERR(mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
	CHECK_ERR(ftruncate(ro, 20000), EINVAL); /* not open for writing */
	CHECK_EQ(size_of(fd), 10000);
	char *r = map_shared(ro, 3 * page, PROT_READ);
	if (r) {
		CHECK(pattern_is(r, 10000, 1));
		CHECK_ERR(mprotect(r, page, PROT_READ | PROT_WRITE), EACCES);
		CHECK_WRITE_FAULTS(r);
		CHECK_OK(munmap(r, 3 * page));
	}
	/* A MAP_PRIVATE mapping of it may be written: a copy. */
	r = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK(r != MAP_FAILED);
	if (r != MAP_FAILED) {
		CHECK(pattern_is(r, page, 1));
		r[0] = 'c';
		CHECK_EQ(p[0], (char)pattern_byte(1, 0));
		CHECK_OK(munmap(r, page));
	}
	CHECK_OK(close(ro));

	/* Growing: the bytes stay, the new ones are zero. */
	CHECK_OK(ftruncate(fd, 5 * page));
	CHECK_EQ(size_of(fd), 5 * page);
	CHECK(pattern_is(p, 10000, 1));
	CHECK(all_bytes(p + 10000, 3 * page - 10000, 0));
	CHECK_OK(munmap(p, 3 * page));
	p = map_shared(fd, 5 * page, PROT_READ | PROT_WRITE);
	if (p) {
		CHECK(pattern_is(p, 10000, 1));
		CHECK(all_bytes(p + 10000, 5 * page - 10000, 0));
		CHECK_OK(munmap(p, 5 * page));
	}
	CHECK_OK(close(fd));
	CHECK_OK(shm_unlink(name));
}

static char *g_map;
static size_t g_len;
static int g_gates;

static int writer_child(int unused)
{
	(void)unused;
	CHECK(pattern_is(g_map, g_len, 2));
	fill_pattern(g_map, g_len, 3);
	return 0;
}

static void sharing(void)
{
	SECTION("mmap(MAP_SHARED): two mappings, two opens and a fork child all see the same bytes");
	size_t page = page_size();
	const char *name = name_of("sharing");
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
	int fd = (int)ret;
	g_len = 2 * page;
	CHECK_OK(ftruncate(fd, (off_t)g_len));
	char *a = map_shared(fd, g_len, PROT_READ | PROT_WRITE);
	char *b = map_shared(fd, g_len, PROT_READ | PROT_WRITE);
	CHECK_OK(shm_open(name, O_RDWR, 0));
	int other = (int)ret;
	char *c = map_shared(other, g_len, PROT_READ | PROT_WRITE);
	if (!a || !b || !c)
		return;
	CHECK(a != b && b != c);
	fill_pattern(a, g_len, 2);
	CHECK(pattern_is(b, g_len, 2));
	CHECK(pattern_is(c, g_len, 2));
	c[page + 1] = 'q';
	CHECK_EQ(a[page + 1], 'q');
	a[page + 1] = (char)pattern_byte(2, page + 1);
	g_map = b;
	CHECK_CHILD_OK(spawn(writer_child, 0));
	CHECK(pattern_is(a, g_len, 3)); /* the child's writes */
	CHECK(pattern_is(c, g_len, 3));
	CHECK_OK(munmap(a, g_len));
	CHECK_OK(munmap(b, g_len));
	CHECK(pattern_is(c, g_len, 3));
	CHECK_OK(munmap(c, g_len));
	CHECK_OK(close(other));
	CHECK_OK(close(fd));
	CHECK_OK(shm_unlink(name));
}

/* The pool. Its first page is the header; the client's buffers follow. Each buffer starts
 * with a buffer header, then the pixels (4 bytes each, `stride` bytes a row). */
#define POOL_HEADER 4096
#define BUFFER_HEADER 64
#define FRAMES_SMALL 40
#define FRAMES_LARGE 40
#define SMALL_W 64
#define SMALL_H 32
#define LARGE_W 160
#define LARGE_H 90

/* What Wayland's wl_surface.commit and wl_shm_pool.resize would say: one record per
 * buffer, so that a record is rewritten only once its buffer has been released. */
struct commit {
	uint32_t pool_size; /* the pool's size when the frame was committed */
	uint32_t offset;    /* where the frame's buffer is */
	uint32_t frame;     /* its number; FRAME_END: no more */
	uint32_t unused;
};

struct pool_header {
	uint32_t magic;
	uint32_t unused;
	struct commit record[2]; /* frame n's is record[n % 2] */
};
#define POOL_MAGIC 0x6b737770u
#define FRAME_END 0xffffffffu

struct buffer_header {
	uint32_t frame;
	uint32_t width;
	uint32_t height;
	uint32_t stride;
	uint32_t format; /* 0: ARGB8888, as wl_shm's */
	uint32_t checksum;
};

/* Gates of the pool: 0 counts commits, 1 counts free buffers (and, first, the
 * compositor's open). */
#define COMMITTED 0
#define RELEASED 1

static uint32_t pixel(uint32_t frame, uint32_t x, uint32_t y)
{
	uint32_t h = frame * 0x9e3779b1u ^ x * 0x85ebca77u ^ y * 0xc2b2ae3du;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return 0xff000000u | (h & 0x00ffffffu);
}

static uint32_t fnv1a(const volatile unsigned char *bytes, size_t len)
{
	uint32_t h = 0x811c9dc5u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ bytes[i]) * 0x01000193u;
	return h;
}

/* The buffers of the two phases: two of each size, the large ones after the small. */
static size_t buffer_size(uint32_t w, uint32_t h)
{
	return BUFFER_HEADER + (size_t)w * h * 4;
}
static size_t small_offset(int i) { return POOL_HEADER + (size_t)i * buffer_size(SMALL_W, SMALL_H); }
static size_t large_offset(int i) { return small_offset(2) + (size_t)i * buffer_size(LARGE_W, LARGE_H); }
static size_t small_pool(void) { return small_offset(2); }
static size_t large_pool(void) { return large_offset(2); }

static const char *g_pool_name;

/* Draws frame FRAME (W x H) into the buffer at OFFSET of the pool at POOL. */
static void draw(char *pool, size_t offset, uint32_t frame, uint32_t w, uint32_t h)
{
	volatile struct buffer_header *bh = (volatile struct buffer_header *)(pool + offset);
	volatile uint32_t *pixels = (volatile uint32_t *)(pool + offset + BUFFER_HEADER);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++)
			pixels[y * w + x] = pixel(frame, x, y);
	}
	bh->frame = frame;
	bh->width = w;
	bh->height = h;
	bh->stride = w * 4;
	bh->format = 0;
	bh->checksum = fnv1a((const volatile unsigned char *)pixels, (size_t)w * h * 4);
}

/* The client: creates the pool, lets the compositor open it, unlinks the name (as a
 * Wayland client's anonymous file), draws frames into free buffers, grows the pool. */
static int client_child(int unused)
{
	(void)unused;
	int fd = shm_open(g_pool_name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		FAIL_AT("shm_open(%s): errno %d (%s)", g_pool_name, errno, strerror(errno));
		return 1;
	}
	CHECK_OK(ftruncate(fd, (off_t)small_pool()));
	size_t len = small_pool();
	char *pool = map_shared(fd, len, PROT_READ | PROT_WRITE);
	if (!pool)
		return 1;
	volatile struct pool_header *ph = (volatile struct pool_header *)pool;
	ph->magic = POOL_MAGIC;
	POST(g_gates, COMMITTED); /* "here is the pool" */
	AWAIT(g_gates, RELEASED); /* the compositor has it open */
	CHECK_OK(shm_unlink(g_pool_name));

	for (uint32_t frame = 0; frame < FRAMES_SMALL + FRAMES_LARGE; frame++) {
		if (frame == FRAMES_SMALL) {
			/* wl_shm_pool.resize: the new buffers lie past the old end. */
			CHECK_OK(ftruncate(fd, (off_t)large_pool()));
			char *grown = map_shared(fd, large_pool(), PROT_READ | PROT_WRITE);
			if (!grown)
				return 1;
			CHECK_EQ(memcmp(grown, pool, POOL_HEADER), 0);
			CHECK_OK(munmap(pool, len));
			pool = grown;
			len = large_pool();
			ph = (volatile struct pool_header *)pool;
		}
		/* A free buffer: two at the start, then the one frame - 2 was drawn in. */
		if (await(g_gates, RELEASED) != 0) {
			FAIL_AT("frame %u: no free buffer within 10 s: errno %d (%s)", frame, errno, strerror(errno));
			return 1;
		}
		int large = frame >= FRAMES_SMALL;
		size_t offset = large ? large_offset((int)(frame % 2)) : small_offset((int)(frame % 2));
		draw(pool, offset, frame, large ? LARGE_W : SMALL_W, large ? LARGE_H : SMALL_H);
		volatile struct commit *record = &ph->record[frame % 2];
		record->pool_size = (uint32_t)len;
		record->offset = (uint32_t)offset;
		record->frame = frame;
		POST(g_gates, COMMITTED);
	}
	AWAIT(g_gates, RELEASED);
	AWAIT(g_gates, RELEASED); /* both buffers back: the compositor has seen every frame */
	ph->record[(FRAMES_SMALL + FRAMES_LARGE) % 2].frame = FRAME_END;
	POST(g_gates, COMMITTED);
	CHECK_OK(munmap(pool, len));
	CHECK_OK(close(fd));
	return 0;
}

/* Checks frame WANT, committed in the pool mapped at POOL (LEN bytes); 1 if it is whole
 * and right. */
static int frame_is_right(const char *pool, size_t len, uint32_t want)
{
	const volatile struct commit *record = &((const volatile struct pool_header *)pool)->record[want % 2];
	size_t offset = record->offset;
	int large = want >= FRAMES_SMALL;
	uint32_t w = large ? LARGE_W : SMALL_W, h = large ? LARGE_H : SMALL_H;
	if (record->frame != want || offset + buffer_size(w, h) > len) {
		FAIL_AT("frame %u: the record says frame %u at offset %zu of a %zu-byte mapping", want,
		        record->frame, offset, len);
		return 0;
	}
	const volatile struct buffer_header *bh = (const volatile struct buffer_header *)(pool + offset);
	const volatile uint32_t *pixels = (const volatile uint32_t *)(pool + offset + BUFFER_HEADER);
	if (bh->frame != want || bh->width != w || bh->height != h || bh->stride != w * 4 || bh->format != 0) {
		FAIL_AT("frame %u: buffer header says frame %u, %ux%u, stride %u", want, bh->frame, bh->width,
		        bh->height, bh->stride);
		return 0;
	}
	if (bh->checksum != fnv1a((const volatile unsigned char *)pixels, (size_t)w * h * 4)) {
		FAIL_AT("frame %u: checksum mismatch", want);
		return 0;
	}
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			if (pixels[y * w + x] != pixel(want, x, y)) {
				FAIL_AT("frame %u: pixel (%u, %u) is %#x, expected %#x", want, x, y,
				        pixels[y * w + x], pixel(want, x, y));
				return 0;
			}
		}
	}
	return 1;
}

static void wl_shm_pool(void)
{
	SECTION("a wl_shm-style pool: the client draws checksummed frames into two buffers, the compositor checks and releases them; the pool grows");
	g_pool_name = name_of("pool");
	g_gates = new_gates();
	pid_t client = spawn(client_child, 0);

	/* The compositor: open the client's pool by name, map it at the size fstat gives. */
	AWAIT(g_gates, COMMITTED);
	int fd = shm_open(g_pool_name, O_RDWR, 0);
	if (fd < 0) {
		FAIL_AT("shm_open(%s): errno %d (%s)", g_pool_name, errno, strerror(errno));
		kill(client, SIGKILL);
		reap(client);
		return;
	}
	size_t len = (size_t)size_of(fd);
	CHECK_EQ(len, small_pool());
	char *pool = map_shared(fd, len, PROT_READ);
	if (!pool) {
		kill(client, SIGKILL);
		reap(client);
		return;
	}
	CHECK_EQ(((const volatile struct pool_header *)pool)->magic, POOL_MAGIC);
	POST(g_gates, RELEASED); /* opened */
	POST(g_gates, RELEASED); /* two free buffers */
	POST(g_gates, RELEASED);

	int good = 0, remapped = 0;
	for (uint32_t frame = 0;; frame++) {
		if (await(g_gates, COMMITTED) != 0) {
			FAIL_AT("frame %u: no commit within 10 s: errno %d (%s)", frame, errno, strerror(errno));
			kill(client, SIGKILL);
			break;
		}
		const volatile struct commit *record = &((const volatile struct pool_header *)pool)->record[frame % 2];
		if (record->frame == FRAME_END) {
			CHECK_EQ(frame, FRAMES_SMALL + FRAMES_LARGE);
			break;
		}
		if (record->pool_size > len) {
			/* Resized: map the pool again at the size the object has now. */
			size_t size = (size_t)size_of(fd);
			CHECK_EQ(size, record->pool_size);
			char *grown = map_shared(fd, size, PROT_READ);
			if (!grown) {
				kill(client, SIGKILL);
				break;
			}
			CHECK_OK(munmap(pool, len));
			pool = grown;
			len = size;
			remapped++;
		}
		good += frame_is_right(pool, len, frame);
		POST(g_gates, RELEASED); /* wl_buffer.release */
	}
	CHECK_CHILD_OK(client);
	CHECK_EQ(good, FRAMES_SMALL + FRAMES_LARGE);
	CHECK_EQ(remapped, 1);

	/* The client unlinked the name; the pool lives on while it is open and mapped here. */
	CHECK_ERR(shm_open(g_pool_name, O_RDWR, 0), ENOENT);
	CHECK_EQ(size_of(fd), large_pool());
	CHECK(frame_is_right(pool, len, FRAMES_SMALL + FRAMES_LARGE - 1));
	CHECK_OK(munmap(pool, len));
	CHECK_OK(close(fd));
}

static int unlinked_child(int unused)
{
	(void)unused;
	CHECK(pattern_is(g_map, g_len, 4));
	fill_pattern(g_map, g_len, 5);
	return 0;
}

static void unlink_while_used(void)
{
	SECTION("shm_unlink: the name is gone at once (ENOENT, a new object may take it); the memory lives while mapped or open");
	size_t page = page_size();
	const char *name = name_of("unlink");
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
	int fd = (int)ret;
	g_len = 3 * page;
	CHECK_OK(ftruncate(fd, (off_t)g_len));
	g_map = map_shared(fd, g_len, PROT_READ | PROT_WRITE);
	if (!g_map)
		return;
	fill_pattern(g_map, g_len, 4);
	CHECK_OK(shm_unlink(name));
	CHECK_ERR(shm_open(name, O_RDWR, 0), ENOENT);
	CHECK_ERR(shm_unlink(name), ENOENT);
	/* The mapping and the descriptor still work, and still share the memory. */
	CHECK(pattern_is(g_map, g_len, 4));
	CHECK_EQ(size_of(fd), g_len);
	CHECK_CHILD_OK(spawn(unlinked_child, 0));
	CHECK(pattern_is(g_map, g_len, 5));
	char *again = map_shared(fd, g_len, PROT_READ);
	if (again) {
		CHECK(pattern_is(again, g_len, 5));
		CHECK_OK(munmap(again, g_len));
	}
	/* The name may be taken by a new object: empty, not the old memory. */
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
	int fresh = (int)ret;
	CHECK_EQ(size_of(fresh), 0);
	CHECK_OK(ftruncate(fresh, (off_t)g_len));
	char *p = map_shared(fresh, g_len, PROT_READ | PROT_WRITE);
	if (p) {
		CHECK(all_bytes(p, g_len, 0));
		p[0] = 'f';
		CHECK_EQ(g_map[0], (char)pattern_byte(5, 0));
		CHECK_OK(munmap(p, g_len));
	}
	CHECK_OK(close(fresh));
	CHECK_OK(shm_unlink(name));
	/* Closed and unlinked, a mapping keeps the memory. */
	CHECK_OK(close(fd));
	CHECK(pattern_is(g_map, g_len, 5));
	fill_pattern(g_map, g_len, 6);
	CHECK(pattern_is(g_map, g_len, 6));
	CHECK_OK(munmap(g_map, g_len));
}

static void truncate_on_open(void)
{
	SECTION("O_TRUNC: an existing object opened with O_TRUNC is empty; grown again, it reads zeros");
	size_t page = page_size();
	const char *name = name_of("trunc");
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
	int fd = (int)ret;
	CHECK_OK(ftruncate(fd, (off_t)(2 * page)));
	char *p = map_shared(fd, 2 * page, PROT_READ | PROT_WRITE);
	if (p) {
		fill_pattern(p, 2 * page, 7);
		CHECK_OK(munmap(p, 2 * page));
	}
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT, 0600)); /* without O_TRUNC: kept */
	CHECK_EQ(size_of((int)ret), 2 * page);
	CHECK_OK(close((int)ret));
	CHECK_OK(shm_open(name, O_RDWR | O_TRUNC, 0));
	int t = (int)ret;
	CHECK_EQ(size_of(t), 0);
	CHECK_EQ(size_of(fd), 0); /* one object: every descriptor sees it */
	CHECK_OK(ftruncate(t, (off_t)(2 * page)));
	p = map_shared(fd, 2 * page, PROT_READ);
	if (p) {
		CHECK(all_bytes(p, 2 * page, 0));
		CHECK_OK(munmap(p, 2 * page));
	}
	/* O_CREAT|O_TRUNC of an existing object empties it too. */
	CHECK_OK(shm_open(name, O_RDWR | O_CREAT | O_TRUNC, 0600));
	CHECK_EQ(size_of((int)ret), 0);
	CHECK_OK(close((int)ret));
	CHECK_OK(close(t));
	CHECK_OK(close(fd));
	CHECK_OK(shm_unlink(name));
}

int main(void)
{
	test_name = "c_shm_posix";
	names_and_flags();
	sizes();
	sharing();
	wl_shm_pool();
	unlink_while_used();
	truncate_on_open();
	return posix_finish();
}
