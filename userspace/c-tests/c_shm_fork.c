/* c_shm_fork: shared memory across fork, exit and exec. An attachment is the same memory
 * in a fork child; both processes may attach at one fixed address after fork; nattch
 * counts every shmat, every attachment a child inherits, and falls with shmdt, exit
 * (also by SIGKILL) and exec; shm_cpid, shm_lpid, shm_atime, shm_dtime and shm_ctime
 * follow; IPC_RMID while attached marks the segment SHM_DEST and frees its key, and the
 * segment goes with its last attachment; MAP_SHARED anonymous memory is shared with a
 * fork child and MAP_PRIVATE memory is not.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not. Run with the arguments `exec-child SHMID` it is the image the exec test runs.
 */
#include "c_shm_common.h"

static const char *self_path;

/* What the children of the current section share: the segment, an attachment, its
 * length, and the gates (0: the child may go on, 1: the parent may). */
static int g_id, g_gates;
static char *g_at;
static size_t g_len;

static int both_ways_child(int unused)
{
	(void)unused;
	size_t half = g_len / 2;
	CHECK(pattern_is(g_at, half, 1)); /* written by the parent before fork */
	fill_pattern(g_at + half, half, 2);
	POST(g_gates, 1);
	AWAIT(g_gates, 0);
	CHECK(pattern_is(g_at, half, 3)); /* written by the parent after fork */
	CHECK(pattern_is(g_at + half, half, 2));
	return 0;
}

static void inherited(void)
{
	SECTION("a parent's attachment is the same memory in a fork child, both ways");
	g_len = 4 * page_size();
	g_id = new_segment(g_len, 0600);
	g_gates = new_gates();
	g_at = attach(g_id, NULL, 0);
	if (!g_at)
		return;
	fill_pattern(g_at, g_len / 2, 1);
	pid_t child = spawn(both_ways_child, 0);
	AWAIT(g_gates, 1);
	CHECK(pattern_is(g_at + g_len / 2, g_len / 2, 2)); /* the child's bytes */
	fill_pattern(g_at, g_len / 2, 3);
	POST(g_gates, 0);
	CHECK_CHILD_OK(child);
	CHECK(pattern_is(g_at, g_len / 2, 3));
	CHECK(pattern_is(g_at + g_len / 2, g_len / 2, 2));
	CHECK_OK(shmdt(g_at));
}

static int fixed_child(int unused)
{
	(void)unused;
	char *p = attach(g_id, g_at, 0);
	CHECK(p == g_at);
	if (!p)
		return 1;
	AWAIT(g_gates, 0);
	CHECK(pattern_is(p, g_len, 4));
	fill_pattern(p, g_len, 5);
	POST(g_gates, 1);
	return 0;
}

static void fixed_after_fork(void)
{
	SECTION("after fork, parent and child attach one segment at the same fixed address");
	g_len = 3 * page_size();
	g_id = new_segment(g_len, 0600);
	g_gates = new_gates();
	g_at = free_range(g_len); /* free in the child too: its address space is a copy */
	if (!g_at)
		return;
	pid_t child = spawn(fixed_child, 0);
	char *p = attach(g_id, g_at, 0);
	CHECK(p == g_at);
	if (p) {
		fill_pattern(p, g_len, 4);
		POST(g_gates, 0);
		AWAIT(g_gates, 1);
		CHECK(pattern_is(p, g_len, 5));
	}
	CHECK_CHILD_OK(child);
	CHECK_EQ(nattch(g_id), p ? 1 : 0);
	if (p)
		CHECK_OK(shmdt(p));
}

/* Inherits the parent's two attachments, detaches one, attaches another, then waits. */
static int counting_child(int unused)
{
	(void)unused;
	CHECK_EQ(nattch(g_id), 4);
	CHECK_OK(shmdt(g_at));
	POST(g_gates, 1);
	AWAIT(g_gates, 0);
	CHECK(attach(g_id, NULL, 0) != NULL);
	POST(g_gates, 1);
	AWAIT(g_gates, 0);
	return 0; /* exits with two attachments */
}

static int attach_and_sleep_child(int unused)
{
	(void)unused;
	CHECK(attach(g_id, NULL, 0) != NULL);
	CHECK(attach(g_id, NULL, SHM_RDONLY) != NULL);
	POST(g_gates, 1);
	sleep_ms(60000); /* until killed */
	return 0;
}

static int exec_child(int unused)
{
	(void)unused;
	CHECK_EQ(nattch(g_id), 4); /* the parent's two, and this process's copies of them */
	return exec_self(self_path, g_id);
}

/* The image the exec test runs: the attachments it had before exec are gone. */
static int exec_image(const char *id_text)
{
	test_name = "c_shm_fork (exec-child)";
	SECTION("running after exec: the attachments made before it are gone");
	g_id = atoi(id_text);
	CHECK_EQ(nattch(g_id), 2);      /* only the parent's */
	CHECK_EQ(lpid(g_id), getpid()); /* exec detached them, in this process */
	char *p = attach(g_id, NULL, 0);
	if (p) {
		CHECK(pattern_is(p, 64, 6));
		CHECK_EQ(nattch(g_id), 3);
	}
	fflush(stdout);
	return failures ? 1 : 0; /* exits attached: nattch 2 again */
}

static void counting(void)
{
	SECTION("nattch: +1 per shmat and per inherited attachment; -1 per shmdt, at exit, when killed, at exec");
	size_t page = page_size();
	g_id = new_segment(page, 0600);
	g_gates = new_gates();
	CHECK_EQ(nattch(g_id), 0);
	g_at = attach(g_id, NULL, 0);
	CHECK_EQ(nattch(g_id), 1);
	char *second = attach(g_id, NULL, SHM_RDONLY);
	CHECK_EQ(nattch(g_id), 2);
	if (!g_at || !second)
		return;
	fill_pattern(g_at, 64, 6);

	pid_t child = spawn(counting_child, 0);
	AWAIT(g_gates, 1);
	CHECK_EQ(nattch(g_id), 3); /* 2 + 2 inherited - 1 detached */
	POST(g_gates, 0);
	AWAIT(g_gates, 1);
	CHECK_EQ(nattch(g_id), 4); /* and one attached in the child */
	POST(g_gates, 0);
	CHECK_CHILD_OK(child);
	CHECK_EQ(nattch(g_id), 2); /* its two went with it */

	child = spawn(attach_and_sleep_child, 0);
	AWAIT(g_gates, 1);
	CHECK_EQ(nattch(g_id), 6);
	CHECK_OK(kill(child, SIGKILL));
	CHECK_CHILD_SIGNALED(child, SIGKILL);
	CHECK_EQ(nattch(g_id), 2);

	child = spawn(exec_child, 0);
	CHECK_CHILD_OK(child);
	CHECK_EQ(nattch(g_id), 2);
	CHECK_EQ(lpid(g_id), child); /* its exit detached the one it made after exec */

	CHECK_OK(shmdt(second));
	CHECK_EQ(nattch(g_id), 1);
	CHECK_OK(shmdt(g_at));
	CHECK_EQ(nattch(g_id), 0);
}

static int attach_child(int unused)
{
	(void)unused;
	char *p = attach(g_id, NULL, 0);
	if (p)
		CHECK_OK(shmdt(p));
	return 0;
}

/* Holds its inherited attachment until the parent lets it go. */
static int held_child(int unused)
{
	(void)unused;
	POST(g_gates, 1);
	AWAIT(g_gates, 0);
	return 0;
}

static void pids_and_times(void)
{
	SECTION("shm_cpid, shm_lpid; shm_atime and shm_dtime 0 until the first shmat and shmdt, then their times; shm_ctime");
	g_gates = new_gates();
	time_t t0 = time(NULL);
	g_id = new_segment(page_size(), 0600);
	time_t t1 = time(NULL);
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_cpid, getpid());
	CHECK_EQ(ds.shm_lpid, 0);
	CHECK_EQ(ds.shm_atime, 0);
	CHECK_EQ(ds.shm_dtime, 0);
	CHECK(ds.shm_ctime >= t0 && ds.shm_ctime <= t1);
	time_t created = ds.shm_ctime;

	/* A child attaches and detaches: lpid is the child, atime and dtime are set. */
	wait_past(created);
	time_t t2 = time(NULL);
	pid_t child = spawn(attach_child, 0);
	CHECK_CHILD_OK(child);
	time_t t3 = time(NULL);
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_cpid, getpid());
	CHECK_EQ(ds.shm_lpid, child);
	CHECK(ds.shm_atime >= t2 && ds.shm_atime <= t3);
	CHECK(ds.shm_dtime >= ds.shm_atime && ds.shm_dtime <= t3);
	CHECK_EQ(ds.shm_ctime, created); /* attaching does not change ctime */
	CHECK_EQ(ds.shm_nattch, 0);
	time_t detached = ds.shm_dtime;

	/* This process attaches: lpid and atime; dtime stays. */
	wait_past(detached);
	time_t t4 = time(NULL);
	char *p = attach(g_id, NULL, 0);
	time_t t5 = time(NULL);
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_lpid, getpid());
	CHECK(ds.shm_atime >= t4 && ds.shm_atime <= t5);
	CHECK_EQ(ds.shm_dtime, detached);
	time_t attached = ds.shm_atime;

	/* A fork is an attach by the forking process (Linux counts the copy in the parent):
	 * lpid stays the parent's and atime moves; the child's exit is a detach by the child. */
	wait_past(attached);
	time_t t6 = time(NULL);
	child = spawn(held_child, 0);
	AWAIT(g_gates, 1);
	time_t t7 = time(NULL);
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_nattch, 2);
	CHECK_EQ(ds.shm_lpid, getpid());
	CHECK(ds.shm_atime >= t6 && ds.shm_atime <= t7);
	CHECK_EQ(ds.shm_dtime, detached);
	time_t forked = ds.shm_atime;
	wait_past(forked);
	time_t t8 = time(NULL);
	POST(g_gates, 0);
	CHECK_CHILD_OK(child);
	time_t t9 = time(NULL);
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_EQ(ds.shm_lpid, child);
	CHECK_EQ(ds.shm_atime, forked);
	CHECK(ds.shm_dtime >= t8 && ds.shm_dtime <= t9);
	CHECK_EQ(ds.shm_cpid, getpid());
	CHECK_EQ(ds.shm_ctime, created);

	/* A failed shmat or shmdt changes nothing. */
	struct shmid_ds before, after;
	CHECK_OK(sstat(g_id, &before));
	CHECK_ERR(shmat(g_id, (void *)1, 0), EINVAL);
	CHECK_ERR(shmdt((char *)p + 1), EINVAL);
	CHECK_OK(sstat(g_id, &after));
	CHECK(memcmp(&before, &after, sizeof before) == 0);
	if (p)
		CHECK_OK(shmdt(p));
	CHECK_EQ(lpid(g_id), getpid());
}

static int survivor_child(int unused)
{
	(void)unused;
	AWAIT(g_gates, 0); /* the parent has detached and removed the segment */
	CHECK(pattern_is(g_at, g_len, 7)); /* still its memory */
	fill_pattern(g_at, g_len, 8);
	CHECK(pattern_is(g_at, g_len, 8));
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_EQ(ds.shm_perm.mode & MODE_SHM_DEST, MODE_SHM_DEST);
	return 0; /* the last attachment goes with it */
}

static void removed_while_attached(void)
{
	SECTION("IPC_RMID while attached: SHM_DEST, the key private again, IPC_STAT still works; gone with the last attachment");
	g_len = 2 * page_size();
	key_t key = test_key(1);
	CHECK_OK(shmget(key, g_len, IPC_CREAT | IPC_EXCL | 0640));
	g_id = track((int)ret);
	g_gates = new_gates();
	g_at = attach(g_id, NULL, 0);
	if (!g_at)
		return;
	fill_pattern(g_at, g_len, 7);
	pid_t child = spawn(survivor_child, 0);
	CHECK_OK(shmdt(g_at));
	CHECK_EQ(nattch(g_id), 1); /* the child's */
	CHECK_OK(shmctl(g_id, IPC_RMID, NULL));
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_perm.mode, MODE_SHM_DEST | 0640);
	CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);
	CHECK_EQ(ds.shm_nattch, 1);
	CHECK_EQ(ds.shm_segsz, g_len);
	/* The key names nothing now; a new segment may take it. */
	CHECK_ERR(shmget(key, 0, 0), ENOENT);
	CHECK_OK(shmget(key, page_size(), IPC_CREAT | IPC_EXCL | 0600));
	int fresh = track((int)ret);
	CHECK(fresh != g_id);
	CHECK_OK(shmget(key, 0, 0));
	CHECK_EQ(ret, fresh);
	CHECK_EQ(shm_mode(fresh), 0600);
	CHECK_EQ(nattch(g_id), 1); /* the old one is untouched */

	POST(g_gates, 0);
	CHECK_CHILD_OK(child);
	CHECK_ERR(sstat(g_id, &ds), EINVAL); /* gone with its last attachment */
	CHECK_ERR(shmat(g_id, NULL, 0), EINVAL);
	CHECK_ERR(shmctl(g_id, IPC_RMID, NULL), EINVAL);
	CHECK_EQ(nattch(fresh), 0);
}

/* Anonymous memory of the section: one MAP_SHARED region, one MAP_PRIVATE. */
static char *g_shared, *g_private;

static int mmap_child(int unused)
{
	(void)unused;
	CHECK(pattern_is(g_shared, g_len, 9));
	CHECK(pattern_is(g_private, g_len, 10)); /* a copy of what was there at fork */
	fill_pattern(g_shared, g_len, 11);
	fill_pattern(g_private, g_len, 12);
	POST(g_gates, 1);
	AWAIT(g_gates, 0);
	CHECK(pattern_is(g_shared, g_len, 13));
	CHECK(pattern_is(g_private, g_len, 12)); /* the parent's later writes stay its own */
	return 0;
}

static void anonymous_shared(void)
{
	SECTION("mmap MAP_SHARED|MAP_ANONYMOUS is shared with a fork child; MAP_PRIVATE is not");
	g_len = 3 * page_size();
	g_gates = new_gates();
	g_shared = mmap(NULL, g_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	g_private = mmap(NULL, g_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g_shared == MAP_FAILED || g_private == MAP_FAILED) {
		FAIL_AT("mmap: errno %d (%s)", errno, strerror(errno));
		return;
	}
	CHECK(all_bytes(g_shared, g_len, 0));
	fill_pattern(g_shared, g_len, 9);
	fill_pattern(g_private, g_len, 10);
	pid_t child = spawn(mmap_child, 0);
	AWAIT(g_gates, 1);
	CHECK(pattern_is(g_shared, g_len, 11));  /* the child's writes */
	CHECK(pattern_is(g_private, g_len, 10)); /* not here */
	fill_pattern(g_shared, g_len, 13);
	fill_pattern(g_private, g_len, 14);
	POST(g_gates, 0);
	CHECK_CHILD_OK(child);
	CHECK(pattern_is(g_shared, g_len, 13)); /* still there after the child is gone */
	CHECK_OK(munmap(g_shared, g_len));
	CHECK_OK(munmap(g_private, g_len));
}

int main(int argc, char **argv)
{
	self_path = argc > 0 ? argv[0] : "c_shm_fork";
	if (argc == 3 && strcmp(argv[1], "exec-child") == 0)
		return exec_image(argv[2]);
	test_name = "c_shm_fork";
	inherited();
	fixed_after_fork();
	counting();
	pids_and_times();
	removed_while_attached();
	anonymous_shared();
	return finish();
}
