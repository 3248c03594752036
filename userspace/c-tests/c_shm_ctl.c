/* c_shm_ctl: every shmctl command. IPC_STAT (every field: the ipc_perm fields and __seq,
 * segsz, atime, dtime, ctime, cpid, lpid, nattch; read permission; EFAULT), IPC_SET
 * (uid, gid and mode & 0777, nothing else; ctime; EPERM unless owner, creator or root;
 * EFAULT), IPC_RMID, IPC_INFO and SHM_INFO (the highest used index; the limits; the
 * segments and pages in use), SHM_STAT and SHM_STAT_ANY (an index in, the id out),
 * SHM_LOCK and SHM_UNLOCK (the SHM_LOCKED mode bit; EPERM for a process without
 * privileges that is neither owner nor creator); unknown commands, stale and negative
 * ids.
 *
 * Runs as root (it forks children that drop to uid/gid 1000). Exits 0 only if every check
 * passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_shm_common.h"

static int g_id;

static int set_of(int id, struct shmid_ds *ds)
{
	return shmctl(id, IPC_SET, ds);
}

static int stat_denied_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct shmid_ds ds;
	CHECK_ERR(sstat(g_id, &ds), EACCES);
	return 0;
}

static int stat_allowed_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_perm.mode, 0644);
	CHECK_EQ(ds.shm_nattch, 2); /* the parent's attachment and this process's copy */
	return 0;
}

static int attach_child(int unused)
{
	(void)unused;
	char *p = attach(g_id, NULL, 0);
	if (p)
		CHECK_OK(shmdt(p));
	return 0;
}

static void ipc_stat(void)
{
	SECTION("IPC_STAT: every field; read permission; EFAULT");
	time_t t0 = time(NULL);
	key_t key = test_key(10);
	CHECK_OK(shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0640));
	g_id = track((int)ret);
	time_t t1 = time(NULL);
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ret, 0);
	CHECK_EQ(ds.shm_perm.__key, key);
	CHECK_EQ(ds.shm_perm.uid, geteuid());
	CHECK_EQ(ds.shm_perm.gid, getegid());
	CHECK_EQ(ds.shm_perm.cuid, geteuid());
	CHECK_EQ(ds.shm_perm.cgid, getegid());
	CHECK_EQ(ds.shm_perm.mode, 0640);
	CHECK_EQ(ds.shm_perm.__seq, (unsigned short)(g_id / IPCMNI)); /* id = index + seq * 32768 */
	CHECK_EQ(ds.shm_segsz, 10000);
	CHECK_EQ(ds.shm_atime, 0);
	CHECK_EQ(ds.shm_dtime, 0);
	CHECK(ds.shm_ctime >= t0 && ds.shm_ctime <= t1);
	CHECK_EQ(ds.shm_cpid, getpid());
	CHECK_EQ(ds.shm_lpid, 0);
	CHECK_EQ(ds.shm_nattch, 0);

	/* After a child's shmat and shmdt. */
	wait_past(ds.shm_ctime);
	time_t t2 = time(NULL);
	pid_t child = spawn(attach_child, 0);
	CHECK_CHILD_OK(child);
	time_t t3 = time(NULL);
	struct shmid_ds after;
	CHECK_OK(sstat(g_id, &after));
	CHECK_EQ(after.shm_lpid, child);
	CHECK_EQ(after.shm_cpid, getpid());
	CHECK(after.shm_atime >= t2 && after.shm_atime <= t3);
	CHECK(after.shm_dtime >= after.shm_atime && after.shm_dtime <= t3);
	CHECK_EQ(after.shm_ctime, ds.shm_ctime);
	CHECK_EQ(after.shm_nattch, 0);
	CHECK_EQ(after.shm_segsz, 10000);

	CHECK_ERR(shmctl(g_id, IPC_STAT, bad_ptr), EFAULT);
	CHECK_ERR(shmctl(g_id, IPC_STAT, NULL), EFAULT);
	/* 0640, owned by root: others may not read it. */
	char *p = attach(g_id, NULL, 0);
	CHECK_CHILD_OK(spawn(stat_denied_child, 0));
	after.shm_perm.mode = 0644;
	CHECK_OK(set_of(g_id, &after));
	CHECK_CHILD_OK(spawn(stat_allowed_child, 0));
	if (p)
		CHECK_OK(shmdt(p));
}

static void ipc_set(void)
{
	SECTION("IPC_SET: uid, gid and mode & 0777, nothing else; ctime; EINVAL for uid or gid -1; EFAULT");
	int id = new_segment(3000, 0666);
	char *p = attach(id, NULL, 0);
	struct shmid_ds ds, before;
	CHECK_OK(sstat(id, &before));
	ds = before;
	ds.shm_perm.uid = 2000;
	ds.shm_perm.gid = 3000;
	ds.shm_perm.cuid = 4000;
	ds.shm_perm.cgid = 5000;
	ds.shm_perm.mode = 07664; /* SHM_DEST and SHM_LOCKED among them: ignored */
	ds.shm_perm.__key = 1234;
	ds.shm_perm.__seq = (unsigned short)(before.shm_perm.__seq + 1);
	ds.shm_segsz = 12345;
	ds.shm_atime = 12345;
	ds.shm_dtime = 12345;
	ds.shm_ctime = 12345;
	ds.shm_cpid = 42;
	ds.shm_lpid = 43;
	ds.shm_nattch = 44;
	wait_past(before.shm_ctime);
	time_t t0 = time(NULL);
	CHECK_OK(set_of(id, &ds));
	CHECK_EQ(ret, 0);
	CHECK_OK(sstat(id, &ds));
	CHECK_EQ(ds.shm_perm.uid, 2000);
	CHECK_EQ(ds.shm_perm.gid, 3000);
	CHECK_EQ(ds.shm_perm.cuid, 0);
	CHECK_EQ(ds.shm_perm.cgid, 0);
	CHECK_EQ(ds.shm_perm.mode, 0664);
	CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);
	CHECK_EQ(ds.shm_perm.__seq, before.shm_perm.__seq);
	CHECK_EQ(ds.shm_segsz, 3000);
	CHECK_EQ(ds.shm_atime, before.shm_atime);
	CHECK_EQ(ds.shm_dtime, 0);
	CHECK(ds.shm_ctime >= t0 && ds.shm_ctime <= time(NULL));
	CHECK_EQ(ds.shm_cpid, getpid());
	CHECK_EQ(ds.shm_lpid, getpid());
	CHECK_EQ(ds.shm_nattch, 1);
	/* uid or gid -1 names nobody: EINVAL, and nothing changes. */
	struct shmid_ds bad = ds;
	bad.shm_perm.uid = (uid_t)-1;
	bad.shm_perm.mode = 0600;
	CHECK_ERR(set_of(id, &bad), EINVAL);
	bad = ds;
	bad.shm_perm.gid = (gid_t)-1;
	bad.shm_perm.mode = 0600;
	CHECK_ERR(set_of(id, &bad), EINVAL);
	CHECK_EQ(shm_mode(id), 0664);
	CHECK_ERR(shmctl(id, IPC_SET, bad_ptr), EFAULT);
	CHECK_ERR(shmctl(id, IPC_SET, NULL), EFAULT);
	CHECK_OK(sstat(id, &ds));
	CHECK_EQ(ds.shm_perm.mode, 0664);
	CHECK_EQ(ds.shm_perm.uid, 2000);

	/* The flags in the mode are the kernel's: IPC_SET keeps SHM_DEST and SHM_LOCKED. */
	CHECK_OK(shmctl(id, SHM_LOCK, NULL));
	CHECK_OK(shmctl(id, IPC_RMID, NULL));
	CHECK_EQ(shm_mode(id), MODE_SHM_DEST | MODE_SHM_LOCKED | 0664);
	ds.shm_perm.mode = 0600;
	CHECK_OK(set_of(id, &ds));
	CHECK_EQ(shm_mode(id), MODE_SHM_DEST | MODE_SHM_LOCKED | 0600);
	if (p)
		CHECK_OK(shmdt(p));
	CHECK_ERR(sstat(id, &ds), EINVAL);
}

static int not_owner_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds)); /* 0666: anyone may read it ... */
	ds.shm_perm.mode = 0600;
	CHECK_ERR(set_of(g_id, &ds), EPERM); /* ... but only the owner changes or removes it */
	CHECK_ERR(shmctl(g_id, IPC_RMID, NULL), EPERM);
	char *p = attach(g_id, NULL, 0);
	if (p) {
		p[0] = 'n';
		CHECK_OK(shmdt(p));
	}
	return 0;
}

static int owner_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds));
	ds.shm_perm.mode = 0600;
	CHECK_OK(set_of(g_id, &ds)); /* uid 1000 owns it now */
	CHECK_OK(sstat(g_id, &ds));
	CHECK_EQ(ds.shm_perm.mode, 0600);
	CHECK_OK(shmctl(g_id, IPC_RMID, NULL));
	return 0;
}

/* Creates a segment as uid 1000 and leaves its id in the first bytes of the shared
 * segment MAILBOX. */
static int creator_child(int mailbox)
{
	drop_privileges();
	int id = shmget(IPC_PRIVATE, 4096, 0600);
	CHECK(id >= 0);
	int *box = (int *)attach(mailbox, NULL, 0);
	if (box) {
		*box = id;
		CHECK_OK(shmdt(box));
	}
	return 0;
}

static int creator_child_again(int id)
{
	drop_privileges();
	struct shmid_ds ds;
	CHECK_OK(sstat(id, &ds)); /* the creator is in the owner class */
	CHECK_EQ(ds.shm_perm.uid, 2000);
	CHECK_EQ(ds.shm_perm.cuid, OTHER_ID);
	ds.shm_perm.mode = 0666;
	CHECK_OK(set_of(id, &ds)); /* the creator may, though not the owner */
	CHECK_OK(shmctl(id, IPC_RMID, NULL));
	return 0;
}

static void owners(void)
{
	SECTION("IPC_SET and IPC_RMID: EPERM unless owner, creator or root; IPC_RMID");
	g_id = new_segment(4096, 0666);
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds));
	CHECK_CHILD_OK(spawn(not_owner_child, 0));
	CHECK_EQ(shm_mode(g_id), 0666);
	ds.shm_perm.uid = OTHER_ID;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_CHILD_OK(spawn(owner_child, 0));
	CHECK_ERR(sstat(g_id, &ds), EINVAL); /* removed by its owner */
	CHECK_ERR(shmctl(g_id, IPC_RMID, NULL), EINVAL);
	CHECK_ERR(set_of(g_id, &ds), EINVAL);

	/* A segment created by uid 1000 and given to uid 2000: its creator may still change it. */
	int mailbox = new_segment(4096, 0666);
	CHECK_CHILD_OK(spawn(creator_child, mailbox));
	int *box = (int *)attach(mailbox, NULL, SHM_RDONLY);
	if (!box)
		return;
	int theirs = track(*box);
	CHECK_OK(shmdt(box));
	CHECK_OK(sstat(theirs, &ds));
	CHECK_EQ(ds.shm_perm.cuid, OTHER_ID);
	CHECK_EQ(ds.shm_perm.uid, OTHER_ID);
	CHECK_EQ(ds.shm_perm.cgid, OTHER_ID);
	CHECK_EQ(ds.shm_perm.gid, OTHER_ID);
	ds.shm_perm.uid = 2000;
	CHECK_OK(set_of(theirs, &ds)); /* root may */
	CHECK_CHILD_OK(spawn(creator_child_again, theirs));
	CHECK_ERR(sstat(theirs, &ds), EINVAL);

	/* IPC_RMID ignores the buffer; without attachments the segment goes at once. */
	int id = new_segment(4096, 0600);
	CHECK_OK(shmctl(id, IPC_RMID, bad_ptr));
	CHECK_ERR(sstat(id, &ds), EINVAL);
}

static int info_of(int id, int cmd, void *info, size_t size)
{
	memset(info, 0xa5, size);
	return shmctl(id, cmd, (struct shmid_ds *)info);
}

static int info_child(int highest)
{
	drop_privileges();
	struct shminfo info;
	struct shm_info usage;
	CHECK_OK(info_of(0, IPC_INFO, &info, sizeof info)); /* no permission needed */
	CHECK_EQ(ret, highest);
	CHECK_OK(info_of(0, SHM_INFO, &usage, sizeof usage));
	CHECK_EQ(ret, highest);
	return 0;
}

static void info(void)
{
	SECTION("IPC_INFO and SHM_INFO: the highest used index, the limits, the segments and pages in use");
	size_t page = page_size();
	int id = new_segment(page, 0600);
	struct shminfo info;
	CHECK_OK(info_of(12345, IPC_INFO, &info, sizeof info)); /* shmid is ignored */
	int highest = (int)ret;
	CHECK(highest >= id % IPCMNI);
	for (int i = 0; i < ncreated; i++)
		CHECK(highest >= created[i] % IPCMNI || nattch(created[i]) == -1);
	CHECK_EQ(info.shmmax, shmmax_limit());
	CHECK_EQ(info.shmmin, 1);
	CHECK_EQ(info.shmmni, shmmni_limit());
	CHECK_EQ(info.shmseg, shmmni_limit()); /* Linux reports SHMMNI as the per-process limit */
	CHECK_EQ(info.shmall, shmall_limit());
	CHECK_ERR(shmctl(0, IPC_INFO, bad_ptr), EFAULT);
	CHECK_ERR(shmctl(0, IPC_INFO, NULL), EFAULT);
	CHECK_ERR(shmctl(0, SHM_INFO, bad_ptr), EFAULT);
	/* Any other shmid is ignored, but a negative one is EINVAL, as for every command. */
	struct shm_info usage, after;
	CHECK_ERR(info_of(-1, IPC_INFO, &info, sizeof info), EINVAL);
	CHECK_ERR(info_of(-5, SHM_INFO, &usage, sizeof usage), EINVAL);
	CHECK_CHILD_OK(spawn(info_child, highest));

	/* SHM_INFO: used_ids counts the segments, shm_tot their pages (rounded up). */
	CHECK_OK(info_of(0, SHM_INFO, &usage, sizeof usage));
	CHECK_EQ(ret, highest);
	CHECK(usage.used_ids >= 1);
	CHECK(usage.shm_tot >= 1);
	int three = new_segment(3 * page, 0600);
	CHECK_OK(info_of(0, SHM_INFO, &after, sizeof after));
	CHECK(ret >= three % IPCMNI);
	CHECK_EQ(after.used_ids, usage.used_ids + 1);
	CHECK_EQ(after.shm_tot, usage.shm_tot + 3);
	int partial = new_segment(page + 1, 0600); /* two pages */
	CHECK_OK(info_of(0, SHM_INFO, &after, sizeof after));
	CHECK_EQ(after.used_ids, usage.used_ids + 2);
	CHECK_EQ(after.shm_tot, usage.shm_tot + 5);
	/* A removed segment that is still attached still counts, until its last detach. */
	char *p = attach(three, NULL, 0);
	CHECK_OK(shmctl(three, IPC_RMID, NULL));
	CHECK_OK(info_of(0, SHM_INFO, &after, sizeof after));
	CHECK_EQ(after.used_ids, usage.used_ids + 2);
	CHECK_EQ(after.shm_tot, usage.shm_tot + 5);
	if (p)
		CHECK_OK(shmdt(p));
	CHECK_OK(info_of(0, SHM_INFO, &after, sizeof after));
	CHECK_EQ(after.used_ids, usage.used_ids + 1);
	CHECK_EQ(after.shm_tot, usage.shm_tot + 2);
	CHECK_OK(shmctl(partial, IPC_RMID, NULL));
	CHECK_OK(info_of(0, SHM_INFO, &after, sizeof after));
	CHECK_EQ(after.used_ids, usage.used_ids);
	CHECK_EQ(after.shm_tot, usage.shm_tot);
}

static int shm_stat_child(int index)
{
	drop_privileges();
	struct shmid_ds ds;
	CHECK_ERR(shmctl(index, SHM_STAT, &ds), EACCES); /* 0600: no read access */
	CHECK_OK(shmctl(index, SHM_STAT_ANY, &ds));      /* ... which SHM_STAT_ANY skips */
	CHECK_EQ(ret, g_id);
	CHECK_EQ(ds.shm_segsz, 777);
	return 0;
}

static void shm_stat(void)
{
	SECTION("SHM_STAT and SHM_STAT_ANY take an index and return the id");
	g_id = new_segment(777, 0600);
	int index = g_id % IPCMNI;
	struct shmid_ds by_index, by_id;
	memset(&by_index, 0x5a, sizeof by_index);
	CHECK_OK(shmctl(index, SHM_STAT, &by_index));
	CHECK_EQ(ret, g_id);
	CHECK_OK(sstat(g_id, &by_id));
	CHECK(memcmp(&by_index, &by_id, sizeof by_id) == 0); /* the same 112 bytes */
	memset(&by_index, 0x5a, sizeof by_index);
	CHECK_OK(shmctl(index, SHM_STAT_ANY, &by_index));
	CHECK_EQ(ret, g_id);
	CHECK(memcmp(&by_index, &by_id, sizeof by_id) == 0);
	CHECK_ERR(shmctl(index, SHM_STAT, bad_ptr), EFAULT);
	CHECK_ERR(shmctl(index, SHM_STAT_ANY, NULL), EFAULT);
	struct shminfo info;
	int highest = info_of(0, IPC_INFO, &info, sizeof info);
	CHECK_ERR(shmctl(highest + 1, SHM_STAT, &by_index), EINVAL); /* an unused index */
	CHECK_ERR(shmctl(highest + 1, SHM_STAT_ANY, &by_index), EINVAL);
	CHECK_ERR(shmctl(-1, SHM_STAT, &by_index), EINVAL);
	CHECK_ERR(shmctl(-1, SHM_STAT_ANY, &by_index), EINVAL);
	CHECK_CHILD_OK(spawn(shm_stat_child, index));
	int gone = new_segment(1, 0600);
	CHECK_OK(shmctl(gone, IPC_RMID, NULL));
	CHECK_ERR(shmctl(gone % IPCMNI, SHM_STAT_ANY, &by_index), EINVAL); /* a freed slot */
	CHECK_ERR(shmctl(gone % IPCMNI, SHM_STAT, &by_index), EINVAL);
}

static int lock_other_child(int unused)
{
	(void)unused;
	drop_privileges();
	/* Neither owner nor creator, without CAP_IPC_LOCK. */
	CHECK_ERR(shmctl(g_id, SHM_LOCK, NULL), EPERM);
	CHECK_ERR(shmctl(g_id, SHM_UNLOCK, NULL), EPERM);
	return 0;
}

static int unlock_owner_child(int unused)
{
	(void)unused;
	drop_privileges();
	CHECK_OK(shmctl(g_id, SHM_UNLOCK, NULL)); /* the owner may unlock */
	CHECK_EQ(shm_mode(g_id) & MODE_SHM_LOCKED, 0);
	return 0;
}

static void lock(void)
{
	SECTION("SHM_LOCK and SHM_UNLOCK: the SHM_LOCKED mode bit; EPERM for a process without privileges that is neither owner nor creator");
	g_id = new_segment(4096, 0666);
	CHECK_EQ(shm_mode(g_id), 0666);
	CHECK_OK(shmctl(g_id, SHM_LOCK, NULL));
	CHECK_EQ(ret, 0);
	CHECK_EQ(shm_mode(g_id), MODE_SHM_LOCKED | 0666);
	CHECK_OK(shmctl(g_id, SHM_LOCK, NULL)); /* again: no change */
	CHECK_EQ(shm_mode(g_id), MODE_SHM_LOCKED | 0666);
	char *p = attach(g_id, NULL, 0); /* a locked segment attaches and works as any other */
	if (p) {
		fill_pattern(p, 4096, 1);
		CHECK(pattern_is(p, 4096, 1));
		CHECK_OK(shmdt(p));
	}
	CHECK_CHILD_OK(spawn(lock_other_child, 0));
	CHECK_EQ(shm_mode(g_id), MODE_SHM_LOCKED | 0666);
	CHECK_OK(shmctl(g_id, SHM_UNLOCK, NULL));
	CHECK_EQ(shm_mode(g_id), 0666);
	CHECK_OK(shmctl(g_id, SHM_UNLOCK, NULL)); /* again: no change */
	CHECK_EQ(shm_mode(g_id), 0666);
	CHECK_CHILD_OK(spawn(lock_other_child, 0));

	CHECK_OK(shmctl(g_id, SHM_LOCK, NULL));
	struct shmid_ds ds;
	CHECK_OK(sstat(g_id, &ds));
	ds.shm_perm.uid = OTHER_ID;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_CHILD_OK(spawn(unlock_owner_child, 0));
	CHECK_EQ(shm_mode(g_id), 0666);

	/* SHM_LOCK and SHM_UNLOCK ignore the buffer; a stale id is EINVAL. */
	CHECK_OK(shmctl(g_id, SHM_LOCK, bad_ptr));
	CHECK_OK(shmctl(g_id, SHM_UNLOCK, bad_ptr));
	int gone = new_segment(1, 0600);
	CHECK_OK(shmctl(gone, IPC_RMID, NULL));
	CHECK_ERR(shmctl(gone, SHM_LOCK, NULL), EINVAL);
	CHECK_ERR(shmctl(gone, SHM_UNLOCK, NULL), EINVAL);
}

static void bad_commands_and_ids(void)
{
	SECTION("unknown commands, stale and negative ids: EINVAL; EFAULT and EINVAL in Linux's order");
	int id = new_segment(4096, 0600);
	struct shmid_ds ds;
	CHECK_ERR(shmctl(id, 99, &ds), EINVAL);
	CHECK_ERR(shmctl(id, -1, &ds), EINVAL);
	CHECK_ERR(shmctl(id, 4, &ds), EINVAL); /* between IPC_INFO and SHM_LOCK */
	CHECK_ERR(shmctl(id, 10, &ds), EINVAL);
	CHECK_ERR(shmctl(id, 16, &ds), EINVAL); /* after SHM_STAT_ANY */
	CHECK_ERR(shmctl(id, 17, &ds), EINVAL); /* a semctl command (SETALL) */
	CHECK_EQ(nattch(id), 0);                /* still there */
	CHECK_OK(shmctl(id, IPC_RMID, NULL));
	CHECK_OK(sstat(new_segment(4096, 0600), &ds)); /* a valid buffer for IPC_SET */
	CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL);
	CHECK_ERR(shmctl(id, IPC_SET, &ds), EINVAL);
	CHECK_ERR(shmctl(id, IPC_RMID, NULL), EINVAL);
	CHECK_ERR(shmctl(id, SHM_LOCK, NULL), EINVAL);
	CHECK_ERR(shmctl(id, 99, &ds), EINVAL);
	/* IPC_SET reads its buffer before it looks the id up; IPC_STAT looks the id up first. */
	CHECK_ERR(shmctl(id, IPC_SET, bad_ptr), EFAULT);
	CHECK_ERR(shmctl(id, IPC_STAT, bad_ptr), EINVAL);
	/* A negative shmid is EINVAL before anything else, for every command. */
	CHECK_ERR(shmctl(-1, IPC_STAT, &ds), EINVAL);
	CHECK_ERR(shmctl(-1, IPC_SET, bad_ptr), EINVAL);
	CHECK_ERR(shmctl(-1, IPC_RMID, NULL), EINVAL);
	CHECK_ERR(shmctl(-1, IPC_INFO, bad_ptr), EINVAL);
	CHECK_ERR(shmctl(-1, SHM_INFO, bad_ptr), EINVAL);
	CHECK_ERR(shmctl(-1, SHM_LOCK, NULL), EINVAL);
	CHECK_ERR(shmctl(-1, SHM_UNLOCK, NULL), EINVAL);
	CHECK_ERR(shmctl(-2147483647 - 1, SHM_STAT, bad_ptr), EINVAL);
	CHECK_ERR(shmctl(-1, 99, &ds), EINVAL);
}

int main(void)
{
	test_name = "c_shm_ctl";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): the access checks drop privileges", (int)getuid());
	ipc_stat();
	ipc_set();
	owners();
	info();
	shm_stat();
	lock();
	bad_commands_and_ids();
	return finish();
}
