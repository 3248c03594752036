/* c_shm_basic: shmget's rules (sizes, keys, the mode, ENOSPC once SHMMNI segments exist,
 * access), shmat with NULL and at a caller's address (SHM_RND, SHM_REMAP, overlaps,
 * SHM_RDONLY and what mprotect may do to it, access), shmdt only at an attachment's
 * start, and the memory itself: zero-filled, whole pages, the same bytes through every
 * attachment.
 *
 * Runs as root (it forks children that drop to uid/gid 1000, and children that die of
 * SIGSEGV). Exits 0 only if every check passed; prints `FAIL file:line ...` for each one
 * that did not.
 */
#include "c_shm_common.h"

static void shmget_rules(void)
{
	SECTION("shmget: IPC_PRIVATE, IPC_CREAT, IPC_EXCL, ENOENT, sizes, the mode, a removed key");
	size_t page = page_size();
	int a = new_segment(page, 0600), b = new_segment(page, 0600);
	CHECK(a >= 0 && b >= 0 && a != b); /* IPC_PRIVATE always creates */
	CHECK(track(shmget(IPC_PRIVATE, page, 0600)) >= 0); /* even without IPC_CREAT */
	CHECK(track(shmget(IPC_PRIVATE, page, IPC_CREAT | IPC_EXCL | 0600)) >= 0);

	key_t key = test_key(1);
	CHECK_ERR(shmget(key, page, 0600), ENOENT); /* no segment, no IPC_CREAT */
	CHECK_ERR(shmget(key, 0, 0), ENOENT);
	CHECK_ERR(shmget(key, page, IPC_EXCL | 0600), ENOENT); /* IPC_EXCL alone does not create */
	/* Creating: size 0 and above SHMMAX are EINVAL. */
	CHECK_ERR(shmget(key, 0, IPC_CREAT | 0600), EINVAL);
	CHECK_ERR(shmget(IPC_PRIVATE, 0, 0600), EINVAL);
	CHECK_ERR(shmget(IPC_PRIVATE, (size_t)shmmax_limit() + 1, 0600), EINVAL);
	CHECK_ERR(shmget(IPC_PRIVATE, (size_t)-1, 0600), EINVAL);
	CHECK_ERR(shmget(key, 0, 0), ENOENT); /* nothing was created */

	CHECK_OK(shmget(key, 5000, IPC_CREAT | 0640));
	int id = track((int)ret);
	CHECK_OK(shmget(key, 5000, IPC_CREAT | 0640));
	CHECK_EQ(ret, id); /* IPC_CREAT alone finds it */
	CHECK_OK(shmget(key, 100, 0));
	CHECK_EQ(ret, id); /* smaller than the segment: fine */
	CHECK_OK(shmget(key, 0, 0));
	CHECK_EQ(ret, id); /* size 0 looks a segment up */
	CHECK_OK(shmget(key, 0, IPC_CREAT | 0606));
	CHECK_EQ(ret, id);
	/* Larger than the segment: EINVAL, also with IPC_CREAT (the size asked, not the pages
	 * it occupies: 5001 is still inside its second page). */
	CHECK_ERR(shmget(key, 5001, 0), EINVAL);
	CHECK_ERR(shmget(key, 2 * page, IPC_CREAT | 0640), EINVAL);
	/* IPC_CREAT|IPC_EXCL: EEXIST whatever the size. */
	CHECK_ERR(shmget(key, 5000, IPC_CREAT | IPC_EXCL | 0640), EEXIST);
	CHECK_ERR(shmget(key, 0, IPC_CREAT | IPC_EXCL), EEXIST);
	CHECK_ERR(shmget(key, 1 << 30, IPC_CREAT | IPC_EXCL | 0640), EEXIST);

	struct shmid_ds ds;
	CHECK_OK(sstat(id, &ds));
	CHECK_EQ(ds.shm_perm.__key, key);
	CHECK_EQ(ds.shm_perm.mode, 0640); /* from the call that created it */
	CHECK_EQ(ds.shm_segsz, 5000);     /* the size asked, not rounded to pages */
	CHECK_EQ(ds.shm_nattch, 0);

	/* The mode is shmflg & 0777: 03777 also holds IPC_CREAT and IPC_EXCL. (04000 is
	 * SHM_HUGETLB for shmget, not IPC_NOWAIT.) */
	int odd = track(shmget(IPC_PRIVATE, 1, 03777));
	CHECK(odd >= 0);
	CHECK_OK(sstat(odd, &ds));
	CHECK_EQ(ds.shm_perm.mode, 0777);
	CHECK_EQ(ds.shm_segsz, 1);
	int none = track(shmget(IPC_PRIVATE, page, 0));
	CHECK_OK(sstat(none, &ds));
	CHECK_EQ(ds.shm_perm.mode, 0);
	CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);

	/* A removed segment's key is free again, and its id is stale (EINVAL, not EIDRM). */
	CHECK_OK(shmctl(id, IPC_RMID, NULL));
	CHECK_ERR(shmget(key, 0, 0), ENOENT);
	CHECK_ERR(sstat(id, &ds), EINVAL);
	CHECK_ERR(shmat(id, NULL, 0), EINVAL);
	CHECK_ERR(shmctl(id, IPC_RMID, NULL), EINVAL);
	CHECK_OK(shmget(key, page, IPC_CREAT | IPC_EXCL | 0600));
	int again = track((int)ret);
	CHECK(again != id);
	CHECK_OK(sstat(again, &ds));
	CHECK_EQ(ds.shm_segsz, page); /* a new segment */
	CHECK_ERR(shmat(id, NULL, 0), EINVAL);
	/* The right index with another sequence number is stale too. */
	CHECK_ERR(shmat(again ^ IPCMNI, NULL, 0), EINVAL);
	CHECK_ERR(sstat(again ^ IPCMNI, &ds), EINVAL);
	/* Negative ids. */
	CHECK_ERR(shmat(-1, NULL, 0), EINVAL);
	CHECK_ERR(sstat(-1, &ds), EINVAL);
}

static void out_of_segments(void)
{
	SECTION("shmget: ENOSPC once SHMMNI segments exist");
	static int ids[SHMMNI_MAX + 16];
	struct shm_info usage;
	CHECK_OK(shmctl(0, SHM_INFO, (struct shmid_ds *)&usage));
	int in_use = usage.used_ids, shmmni = (int)shmmni_limit();
	int n = 0, err = 0;
	while (n < (int)(sizeof ids / sizeof ids[0])) {
		int id = shmget(IPC_PRIVATE, 1, 0600);
		if (id < 0) {
			err = errno;
			break;
		}
		ids[n++] = id;
	}
	CHECK_EQ(err, ENOSPC);
	CHECK_EQ(n, shmmni - in_use);
	CHECK_OK(shmctl(0, SHM_INFO, (struct shmid_ds *)&usage));
	CHECK_EQ(usage.used_ids, shmmni);
	CHECK_ERR(shmget(test_key(4), 1, IPC_CREAT | 0600), ENOSPC);
	CHECK_ERR(shmget(test_key(4), 1, 0600), ENOENT); /* a lookup is still a lookup */
	for (int i = 0; i < n; i++) {
		if (shmctl(ids[i], IPC_RMID, NULL) != 0)
			FAIL_AT("IPC_RMID of segment %d: errno %d", ids[i], errno);
	}
	CHECK_OK(shmctl(0, SHM_INFO, (struct shmid_ds *)&usage));
	CHECK_EQ(usage.used_ids, in_use);
	CHECK(new_segment(1, 0600) >= 0);
}

static int get_access_child(int key)
{
	drop_privileges();
	/* 0604 owned by root: others may read, not write. */
	CHECK_ERR(shmget(key, 0, 0600), EACCES);
	CHECK_ERR(shmget(key, 0, 0200), EACCES);
	CHECK_ERR(shmget(key, 0, IPC_CREAT | 0666), EACCES);
	CHECK_OK(shmget(key, 0, 0400));
	CHECK_OK(shmget(key, 0, 0004));
	CHECK_OK(shmget(key, 0, 0)); /* no access asked, none checked */
	CHECK_ERR(shmget(key, 8192, 0600), EINVAL); /* the size is checked before the access */
	CHECK_ERR(shmget(key, 0, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	return 0;
}

static void get_access(void)
{
	SECTION("shmget: the requested access for a process without privileges (uid/gid 1000)");
	key_t key = test_key(2);
	CHECK_OK(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0604));
	track((int)ret);
	CHECK_CHILD_OK(spawn(get_access_child, key));
}

static void attach_anywhere(void)
{
	SECTION("shmat(NULL): a page-aligned address, zero-filled whole pages, nattch");
	size_t page = page_size();
	int id = new_segment(5000, 0600);
	char *p = attach(id, NULL, 0);
	if (!p)
		return;
	CHECK_EQ((uintptr_t)p % page, 0);
	CHECK_EQ((uintptr_t)p % SHMLBA, 0);
	CHECK(all_bytes(p, 2 * page, 0)); /* zero-filled, up to the end of the last page */
	CHECK_EQ(nattch(id), 1);
	fill_pattern(p, 2 * page, 1); /* the rest of the second page is the segment's too */
	char *q = attach(id, NULL, 0);
	if (q) {
		CHECK(q != p);
		CHECK_EQ(nattch(id), 2);
		CHECK(pattern_is(q, 2 * page, 1));
		CHECK_OK(shmdt(q));
	}
	CHECK_OK(shmdt(p));
	CHECK_EQ(nattch(id), 0);
	/* Nothing is left mapped there. */
	CHECK_READ_FAULTS(p);
	/* Detached, the segment keeps its bytes. */
	p = attach(id, NULL, 0);
	if (p) {
		CHECK(pattern_is(p, 2 * page, 1));
		CHECK_OK(shmdt(p));
	}
}

static void attach_at_address(void)
{
	SECTION("shmat at an address: exactly there; SHM_RND rounds down to SHMLBA; EINVAL unaligned or SHM_REMAP without one");
	size_t page = page_size();
	int id = new_segment(2 * page, 0600);
	char *at = free_range(4 * page);
	if (!at)
		return;
	at += page;
	char *p = attach(id, at, 0);
	CHECK(p == at);
	if (p) {
		fill_pattern(p, 2 * page, 2);
		CHECK_OK(shmdt(p));
	}
	/* SHM_RND: any address inside the page means the page (SHMLBA is the page size). */
	p = attach(id, at + 123, SHM_RND);
	CHECK(p == at);
	if (p) {
		CHECK(pattern_is(p, 2 * page, 2));
		CHECK_OK(shmdt(p));
	}
	p = attach(id, at + page - 1, SHM_RND);
	CHECK(p == at);
	if (p)
		CHECK_OK(shmdt(p));
	p = attach(id, at, SHM_RND); /* an aligned address stays */
	CHECK(p == at);
	if (p)
		CHECK_OK(shmdt(p));
	/* Unaligned without SHM_RND. */
	CHECK_ERR(shmat(id, at + 1, 0), EINVAL);
	CHECK_ERR(shmat(id, at + page / 2, SHM_RDONLY), EINVAL);
	CHECK_ERR(shmat(id, at + page - 1, 0), EINVAL);
	/* SHM_REMAP needs an address: NULL, or one that SHM_RND rounds to 0, is EINVAL. */
	CHECK_ERR(shmat(id, NULL, SHM_REMAP), EINVAL);
	CHECK_ERR(shmat(id, NULL, SHM_REMAP | SHM_RND), EINVAL);
	CHECK_ERR(shmat(id, (void *)(page / 2), SHM_REMAP | SHM_RND), EINVAL);
	CHECK_EQ(nattch(id), 0); /* none of the refusals attached anything */
	CHECK_READ_FAULTS(at);
}

static void overlaps(void)
{
	SECTION("shmat without SHM_REMAP: EINVAL over an existing mapping (anonymous, another attachment), in part too");
	size_t page = page_size();
	int id = new_segment(2 * page, 0600), other = new_segment(page, 0600);
	char *anon = anonymous(2 * page);
	if (!anon)
		return;
	fill_pattern(anon, 2 * page, 3);
	CHECK_ERR(shmat(id, anon, 0), EINVAL);
	CHECK_ERR(shmat(id, anon + page, 0), EINVAL);       /* the second page of the segment is free */
	CHECK_ERR(shmat(id, anon - page, 0), EINVAL);       /* its first page is free */
	CHECK_ERR(shmat(id, anon + 5, SHM_RND), EINVAL);
	CHECK_ERR(shmat(other, anon + page, SHM_RDONLY), EINVAL);
	CHECK(pattern_is(anon, 2 * page, 3)); /* the mapping is untouched */
	CHECK_EQ(nattch(id), 0);
	CHECK_EQ(nattch(other), 0);

	char *p = attach(id, NULL, 0);
	if (!p)
		return;
	CHECK_ERR(shmat(other, p, 0), EINVAL);
	CHECK_ERR(shmat(other, p + page, 0), EINVAL);
	CHECK_ERR(shmat(id, p, 0), EINVAL); /* the same segment again, at the same place */
	CHECK_EQ(nattch(id), 1);
	CHECK_EQ(nattch(other), 0);
	CHECK_OK(munmap(anon, 2 * page));
	CHECK_OK(shmdt(p));
}

static void remap(void)
{
	SECTION("SHM_REMAP: replaces an anonymous mapping (its bytes gone) and another attachment (its nattch down)");
	size_t page = page_size();
	int id = new_segment(2 * page, 0600), other = new_segment(2 * page, 0600);
	char *w = attach(id, NULL, 0);
	if (!w)
		return;
	fill_pattern(w, 2 * page, 4);
	char *anon = anonymous(2 * page);
	if (!anon)
		return;
	memset(anon, 0x77, 2 * page);
	char *p = attach(id, anon, SHM_REMAP);
	CHECK(p == anon);
	if (p) {
		CHECK(pattern_is(p, 2 * page, 4)); /* the segment, not the old bytes */
		p[10] = 'x';
		CHECK_EQ(w[10], 'x');
		w[10] = (char)pattern_byte(4, 10);
		CHECK_EQ(nattch(id), 2);
		CHECK_OK(shmdt(p));
		CHECK_READ_FAULTS(anon); /* the anonymous memory does not come back */
	}

	/* Over another attachment: that one is gone (nattch falls), this one in its place. */
	char *o = attach(other, NULL, 0);
	if (!o)
		return;
	fill_pattern(o, 2 * page, 5);
	CHECK_EQ(nattch(other), 1);
	p = attach(id, o, SHM_REMAP);
	CHECK(p == o);
	if (p) {
		CHECK(pattern_is(p, 2 * page, 4));
		CHECK_EQ(nattch(other), 0);
		CHECK_EQ(nattch(id), 2);
		CHECK_OK(shmdt(p));
	}
	CHECK_EQ(nattch(id), 1);
	/* SHM_REMAP over nothing is a plain attach at that address. */
	char *at = free_range(2 * page);
	p = attach(other, at, SHM_REMAP);
	CHECK(p == at);
	if (p) {
		CHECK(pattern_is(p, 2 * page, 5));
		CHECK_OK(shmdt(p));
	}
	CHECK_OK(shmdt(w));
}

static void shared_bytes(void)
{
	SECTION("two attachments of one segment at different addresses see each other's writes");
	size_t page = page_size();
	int id = new_segment(3 * page, 0600);
	char *q = attach(id, free_range(3 * page), 0);
	char *p = attach(id, NULL, 0);
	if (!p || !q)
		return;
	CHECK(p != q);
	for (size_t i = 0; i < 3 * page; i += 97) {
		p[i] = (char)(i * 3 + 1);
		if (q[i] != (char)(i * 3 + 1)) {
			FAIL_AT("byte %zu written through one attachment, %d through the other", i, q[i]);
			break;
		}
	}
	fill_pattern(q, 3 * page, 6);
	CHECK(pattern_is(p, 3 * page, 6));
	CHECK_OK(shmdt(p));
	CHECK(pattern_is(q, 3 * page, 6)); /* the other attachment lives on */
	CHECK_OK(shmdt(q));
}

static void read_only(void)
{
	SECTION("SHM_RDONLY: reads work, a write dies of SIGSEGV; mprotect cannot add PROT_WRITE (EACCES) but may take PROT_READ away and give it back");
	size_t page = page_size();
	int id = new_segment(2 * page, 0600);
	char *w = attach(id, NULL, 0);
	char *r = attach(id, NULL, SHM_RDONLY);
	if (!w || !r)
		return;
	fill_pattern(w, 2 * page, 7);
	CHECK(pattern_is(r, 2 * page, 7));
	CHECK_WRITE_FAULTS(r);
	CHECK_WRITE_FAULTS(r + page + 5);
	CHECK(pattern_is(w, 2 * page, 7)); /* the child's write changed nothing */
	CHECK_ERR(mprotect(r, 2 * page, PROT_READ | PROT_WRITE), EACCES);
	CHECK_ERR(mprotect(r, page, PROT_WRITE), EACCES);
	CHECK_WRITE_FAULTS(r);
	CHECK_OK(mprotect(r, 2 * page, PROT_NONE));
	CHECK_READ_FAULTS(r);
	CHECK_OK(mprotect(r, 2 * page, PROT_READ));
	CHECK(pattern_is(r, 2 * page, 7));
	w[0] = 'y';
	CHECK_EQ(r[0], 'y');
	CHECK_OK(shmdt(r));

	/* A read-write attachment may be made read-only and read-write again. */
	CHECK_OK(mprotect(w, 2 * page, PROT_READ));
	CHECK_WRITE_FAULTS(w);
	CHECK_OK(mprotect(w, 2 * page, PROT_READ | PROT_WRITE));
	CHECK_WRITE_WORKS(w); /* in the child's copy of the attachment: the same segment */
	CHECK_EQ(w[0], 1);
	CHECK_OK(shmdt(w));
}

/* Segments of access 0604, 0602 and 0606, owned by root. */
static int g_read, g_write, g_both;

static int attach_as_other_child(int unused)
{
	(void)unused;
	drop_privileges();
	/* Read permission alone: SHM_RDONLY only. */
	char *p = shmat(g_read, NULL, SHM_RDONLY);
	CHECK(p != (void *)-1);
	if (p != (void *)-1) {
		CHECK(pattern_is(p, 64, 8));
		CHECK_OK(shmdt(p));
	}
	CHECK_ERR(shmat(g_read, NULL, 0), EACCES);
	/* Write permission alone: neither (read-write needs both). */
	CHECK_ERR(shmat(g_write, NULL, SHM_RDONLY), EACCES);
	CHECK_ERR(shmat(g_write, NULL, 0), EACCES);
	/* Both. */
	p = shmat(g_both, NULL, 0);
	CHECK(p != (void *)-1);
	if (p != (void *)-1) {
		p[0] = 'z';
		CHECK_OK(shmdt(p));
	}
	/* EINVAL comes before EACCES. */
	CHECK_ERR(shmat(g_write, (void *)1, 0), EINVAL);
	CHECK_ERR(shmat(g_write, NULL, SHM_REMAP), EINVAL);
	return 0;
}

static void attach_access(void)
{
	SECTION("shmat: a process without privileges needs read permission for SHM_RDONLY, read and write otherwise (EACCES)");
	g_read = new_segment(4096, 0604);
	g_write = new_segment(4096, 0602);
	g_both = new_segment(4096, 0606);
	char *p = attach(g_read, NULL, 0);
	if (p) {
		fill_pattern(p, 64, 8);
		CHECK_OK(shmdt(p));
	}
	CHECK_CHILD_OK(spawn(attach_as_other_child, 0));
	p = attach(g_both, NULL, SHM_RDONLY);
	if (p) {
		CHECK_EQ(p[0], 'z');
		CHECK_OK(shmdt(p));
	}
	CHECK_EQ(nattch(g_read), 0);
	CHECK_EQ(nattch(g_write), 0);
	CHECK_EQ(nattch(g_both), 0);
}

static void detach_rules(void)
{
	SECTION("shmdt: only at an attachment's start (EINVAL in the middle, unaligned, unattached)");
	size_t page = page_size();
	int id = new_segment(3 * page, 0600);
	char *p = attach(id, NULL, 0);
	if (!p)
		return;
	CHECK_ERR(shmdt(p + page), EINVAL);     /* in the middle */
	CHECK_ERR(shmdt(p + 2 * page), EINVAL); /* its last page */
	CHECK_ERR(shmdt(p + 1), EINVAL);        /* unaligned */
	CHECK_ERR(shmdt(p + page + 17), EINVAL);
	CHECK_EQ(nattch(id), 1);
	p[3 * page - 1] = 'e';
	char *anon = anonymous(page);
	CHECK_ERR(shmdt(anon), EINVAL); /* mapped, but not an attachment */
	char *nowhere = free_range(page);
	CHECK_ERR(shmdt(nowhere), EINVAL); /* nothing there */
	CHECK_ERR(shmdt(NULL), EINVAL);
	CHECK_EQ(anon[0], 0);
	CHECK_OK(shmdt(p));
	CHECK_EQ(nattch(id), 0);
	CHECK_ERR(shmdt(p), EINVAL); /* already detached */
	CHECK_OK(munmap(anon, page));
}

int main(void)
{
	test_name = "c_shm_basic";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): the access checks drop privileges", (int)getuid());
	shmget_rules();
	out_of_segments();
	get_access();
	attach_anywhere();
	attach_at_address();
	overlaps();
	remap();
	shared_bytes();
	read_only();
	attach_access();
	detach_rules();
	return finish();
}
