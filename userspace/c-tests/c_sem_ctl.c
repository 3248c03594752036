/* c_sem_ctl: every semctl command. IPC_STAT (fields, read permission), IPC_SET (uid, gid,
 * mode & 0777, ctime; EPERM unless owner, creator or root), IPC_RMID, IPC_INFO and SEM_INFO
 * (return value and fields), SEM_STAT and SEM_STAT_ANY (an index in, the id out), GETVAL,
 * SETVAL (ERANGE first), GETALL, SETALL, GETPID, GETNCNT, GETZCNT; sempid and sem_otime after
 * every successful semop, wait-for-zero included; EFAULT for bad buffers; EINVAL for unknown
 * commands, bad semaphore numbers and stale ids.
 *
 * Runs as root (it forks children that drop to uid/gid 1000). Exits 0 only if every check
 * passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_sem_common.h"

static int g_id;

static void *bad_ptr = (void *)16;

static int stat_of(int id, struct semid_ds *ds)
{
	union semun arg = {.buf = ds};
	memset(ds, 0xa5, sizeof *ds);
	return semctl(id, 0, IPC_STAT, arg);
}

static int set_of(int id, struct semid_ds *ds)
{
	union semun arg = {.buf = ds};
	return semctl(id, 0, IPC_SET, arg);
}

static int stat_denied_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct semid_ds ds;
	CHECK_ERR(stat_of(g_id, &ds), EACCES);
	return 0;
}

static int stat_allowed_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct semid_ds ds;
	CHECK_OK(stat_of(g_id, &ds));
	CHECK_EQ(ds.sem_nsems, 4);
	return 0;
}

static void ipc_stat(void)
{
	SECTION("IPC_STAT: owner, creator, key, mode, nsems, times; read permission; EFAULT");
	time_t t0 = time(NULL);
	key_t key = test_key(10);
	CHECK_OK(semget(key, 4, IPC_CREAT | IPC_EXCL | 0640));
	g_id = track((int)ret);
	time_t t1 = time(NULL);
	struct semid_ds ds;
	CHECK_OK(stat_of(g_id, &ds));
	CHECK_EQ(ret, 0);
	CHECK_EQ(ds.sem_perm.__key, key);
	CHECK_EQ(ds.sem_perm.uid, geteuid());
	CHECK_EQ(ds.sem_perm.gid, getegid());
	CHECK_EQ(ds.sem_perm.cuid, geteuid());
	CHECK_EQ(ds.sem_perm.cgid, getegid());
	CHECK_EQ(ds.sem_perm.mode, 0640);
	CHECK_EQ(ds.sem_perm.__seq, (unsigned short)(g_id / IPCMNI)); /* id = index + seq * 32768 */
	CHECK_EQ(ds.sem_nsems, 4);
	CHECK_EQ(ds.sem_otime, 0); /* no semop yet */
	CHECK(ds.sem_ctime >= t0 - 1 && ds.sem_ctime <= t1 + 1);
	CHECK_OK(semctl(g_id, 3, IPC_STAT, (union semun){.buf = &ds})); /* semnum is ignored */
	CHECK_ERR(semctl(g_id, 0, IPC_STAT, (union semun){.buf = bad_ptr}), EFAULT);
	/* 0640, owned by root: others may not read it. */
	CHECK_CHILD_OK(spawn(stat_denied_child, 0));
	ds.sem_perm.mode = 0644;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_CHILD_OK(spawn(stat_allowed_child, 0));
}

static int wait_zero_child(int num)
{
	CHECK_OK(op1(g_id, (unsigned short)num, 0, 0));
	return 0;
}

static int failing_child(int num)
{
	CHECK_ERR(op1(g_id, (unsigned short)num, -1, IPC_NOWAIT), EAGAIN);
	return 0;
}

static void pid_and_times(void)
{
	SECTION("sempid and sem_otime follow every successful semop, wait-for-zero included; ctime every change");
	g_id = new_set(3, 0600);
	pid_t me = getpid();
	for (int i = 0; i < 3; i++)
		CHECK_EQ(sempid(g_id, i), 0);
	struct semid_ds ds;
	time_t t0 = time(NULL);
	pid_t child = spawn(wait_zero_child, 2); /* proceeds at once: value 0 */
	CHECK_CHILD_OK(child);
	time_t t1 = time(NULL);
	CHECK_EQ(sempid(g_id, 2), child);
	CHECK_EQ(sempid(g_id, 0), 0);
	CHECK_OK(stat_of(g_id, &ds));
	CHECK(ds.sem_otime >= t0 - 1 && ds.sem_otime <= t1 + 1);
	CHECK_CHILD_OK(spawn(failing_child, 2));
	CHECK_EQ(sempid(g_id, 2), child); /* a failed call changes nothing */

	struct sembuf ops[2] = {{0, 2, 0}, {1, 0, 0}};
	CHECK_OK(semop(g_id, ops, 2));
	CHECK_EQ(sempid(g_id, 0), me);
	CHECK_EQ(sempid(g_id, 1), me);
	CHECK_EQ(sempid(g_id, 2), child);

	/* SETVAL sets sempid and ctime but not otime. */
	int fresh = new_set(2, 0600);
	CHECK_OK(stat_of(fresh, &ds));
	time_t created = ds.sem_ctime;
	wait_past(created);
	time_t t2 = time(NULL);
	CHECK_OK(setval(fresh, 1, 5));
	CHECK_EQ(sempid(fresh, 1), me);
	CHECK_EQ(sempid(fresh, 0), 0);
	CHECK_OK(stat_of(fresh, &ds));
	CHECK_EQ(ds.sem_otime, 0);
	CHECK(ds.sem_ctime >= t2 && ds.sem_ctime <= time(NULL) + 1);

	/* SETALL sets every sempid and ctime. */
	wait_past(ds.sem_ctime);
	time_t t3 = time(NULL);
	unsigned short values[2] = {1, 1};
	CHECK_OK(semctl(fresh, 0, SETALL, (union semun){.array = values}));
	CHECK_EQ(sempid(fresh, 0), me);
	CHECK_OK(stat_of(fresh, &ds));
	CHECK(ds.sem_ctime >= t3 && ds.sem_ctime <= time(NULL) + 1);

	/* IPC_SET sets ctime. */
	wait_past(ds.sem_ctime);
	time_t t4 = time(NULL);
	CHECK_OK(set_of(fresh, &ds));
	CHECK_OK(stat_of(fresh, &ds));
	CHECK(ds.sem_ctime >= t4 && ds.sem_ctime <= time(NULL) + 1);
	CHECK_EQ(ds.sem_otime, 0);
}

static int not_owner_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct semid_ds ds;
	CHECK_OK(stat_of(g_id, &ds)); /* 0666: anyone may read it ... */
	ds.sem_perm.mode = 0600;
	CHECK_ERR(set_of(g_id, &ds), EPERM); /* ... but only the owner changes or removes it */
	CHECK_ERR(semctl(g_id, 0, IPC_RMID), EPERM);
	CHECK_OK(op1(g_id, 0, 1, 0));
	return 0;
}

static int owner_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct semid_ds ds;
	CHECK_OK(stat_of(g_id, &ds));
	ds.sem_perm.mode = 0600;
	CHECK_OK(set_of(g_id, &ds)); /* uid 1000 owns it now */
	CHECK_OK(stat_of(g_id, &ds));
	CHECK_EQ(ds.sem_perm.mode, 0600);
	CHECK_OK(semctl(g_id, 0, IPC_RMID));
	return 0;
}

/* Creates a set as uid 1000 and leaves its id (index, seq) in the 0666 set MAILBOX. */
static int creator_child(int mailbox)
{
	drop_privileges();
	int id = semget(IPC_PRIVATE, 1, 0600);
	CHECK(id >= 0);
	CHECK_OK(setval(mailbox, 0, id % IPCMNI));
	CHECK_OK(setval(mailbox, 1, id / IPCMNI));
	return 0;
}

static int creator_child_again(int id)
{
	drop_privileges();
	struct semid_ds ds;
	CHECK_OK(stat_of(id, &ds));
	CHECK_EQ(ds.sem_perm.uid, 2000);
	CHECK_EQ(ds.sem_perm.cuid, OTHER_ID);
	ds.sem_perm.mode = 0666;
	CHECK_OK(set_of(id, &ds)); /* the creator may, though not the owner */
	CHECK_OK(semctl(id, 0, IPC_RMID));
	return 0;
}

static void ipc_set_and_rmid(void)
{
	SECTION("IPC_SET: uid, gid and mode & 0777, nothing else; EPERM unless owner, creator or root; IPC_RMID");
	g_id = new_set(2, 0666);
	struct semid_ds ds;
	CHECK_OK(stat_of(g_id, &ds));
	ds.sem_perm.uid = 2000;
	ds.sem_perm.gid = 3000;
	ds.sem_perm.cuid = 4000;
	ds.sem_perm.mode = 07664;
	ds.sem_nsems = 99;
	ds.sem_otime = 12345;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_OK(stat_of(g_id, &ds));
	CHECK_EQ(ds.sem_perm.uid, 2000);
	CHECK_EQ(ds.sem_perm.gid, 3000);
	CHECK_EQ(ds.sem_perm.cuid, 0);
	CHECK_EQ(ds.sem_perm.cgid, 0);
	CHECK_EQ(ds.sem_perm.mode, 0664);
	CHECK_EQ(ds.sem_nsems, 2);
	CHECK_EQ(ds.sem_otime, 0);
	CHECK_ERR(semctl(g_id, 0, IPC_SET, (union semun){.buf = bad_ptr}), EFAULT);

	ds.sem_perm.mode = 0666;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_CHILD_OK(spawn(not_owner_child, 0));
	CHECK_EQ(val(g_id, 0), 1);
	ds.sem_perm.uid = OTHER_ID;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_CHILD_OK(spawn(owner_child, 0));
	CHECK_ERR(val(g_id, 0), EINVAL); /* removed by its owner */
	CHECK_ERR(semctl(g_id, 0, IPC_RMID), EINVAL);
	CHECK_ERR(set_of(g_id, &ds), EINVAL);

	/* A set created by uid 1000 and given to uid 2000: its creator may still change it. */
	int mailbox = new_set(2, 0666);
	CHECK_CHILD_OK(spawn(creator_child, mailbox));
	int theirs = track(val(mailbox, 0) + val(mailbox, 1) * IPCMNI);
	CHECK_OK(stat_of(theirs, &ds));
	CHECK_EQ(ds.sem_perm.cuid, OTHER_ID);
	CHECK_EQ(ds.sem_perm.uid, OTHER_ID);
	CHECK_EQ(ds.sem_perm.cgid, OTHER_ID);
	ds.sem_perm.uid = 2000;
	CHECK_OK(set_of(theirs, &ds)); /* root may */
	CHECK_CHILD_OK(spawn(creator_child_again, theirs));
	CHECK_ERR(val(theirs, 0), EINVAL);
}

/* The limits Linux reports: /proc/sys/kernel/sem where there is one, else the defaults. */
static void limits(int *semmsl, int *semmns, int *semopm, int *semmni)
{
	*semmsl = SEMMSL_MAX;
	*semmns = 1024000000;
	*semopm = SEMOPM_MAX;
	*semmni = 32000;
	FILE *f = fopen("/proc/sys/kernel/sem", "r");
	if (!f)
		return; /* kestrel has no /proc */
	char line[128];
	int *fields[4] = {semmsl, semmns, semopm, semmni};
	char *p = fgets(line, sizeof line, f);
	for (int i = 0; i < 4 && p; i++) {
		char *end;
		*fields[i] = (int)strtol(p, &end, 10);
		p = end != p ? end : NULL;
	}
	if (!p)
		FAIL_AT("cannot read /proc/sys/kernel/sem");
	fclose(f);
}

static int info_child(int highest)
{
	drop_privileges();
	struct seminfo info;
	CHECK_OK(semctl(0, 0, IPC_INFO, (union semun){.__buf = &info})); /* no permission needed */
	CHECK_EQ(ret, highest);
	CHECK_OK(semctl(0, 0, SEM_INFO, (union semun){.__buf = &info}));
	CHECK_EQ(ret, highest);
	return 0;
}

static void info(void)
{
	SECTION("IPC_INFO and SEM_INFO: the highest used index, the limits, the usage");
	int semmsl, semmns, semopm, semmni;
	limits(&semmsl, &semmns, &semopm, &semmni);
	int id = new_set(7, 0600);
	struct seminfo info, usage;
	memset(&info, 0xa5, sizeof info);
	CHECK_OK(semctl(12345, 0, IPC_INFO, (union semun){.__buf = &info})); /* semid is ignored */
	int highest = (int)ret;
	CHECK(highest >= id % IPCMNI);
	for (int i = 0; i < ncreated; i++)
		CHECK(highest >= created[i] % IPCMNI || val(created[i], 0) == -1);
	CHECK_EQ(info.semmsl, semmsl);
	CHECK_EQ(info.semmns, semmns);
	CHECK_EQ(info.semopm, semopm);
	CHECK_EQ(info.semmni, semmni);
	CHECK_EQ(info.semvmx, SEMVMX_MAX);
	CHECK_EQ(info.semaem, SEMAEM_MAX);
	CHECK_EQ(info.semmap, 1024000000); /* Linux's fixed SEMMAP, SEMMNU, SEMUME, SEMUSZ */
	CHECK_EQ(info.semmnu, 1024000000);
	CHECK_EQ(info.semume, SEMOPM_MAX);
	CHECK_EQ(info.semusz, 20);
	CHECK_ERR(semctl(0, 0, IPC_INFO, (union semun){.__buf = bad_ptr}), EFAULT);
	/* Any other semid is ignored, but a negative one is EINVAL, as for every command. */
	CHECK_ERR(semctl(-1, 0, IPC_INFO, (union semun){.__buf = &info}), EINVAL);
	CHECK_ERR(semctl(-5, 0, SEM_INFO, (union semun){.__buf = &info}), EINVAL);
	CHECK_CHILD_OK(spawn(info_child, highest));

	/* SEM_INFO: the same limits, but semusz counts the sets and semaem the semaphores. */
	memset(&usage, 0xa5, sizeof usage);
	CHECK_OK(semctl(0, 0, SEM_INFO, (union semun){.__buf = &usage}));
	CHECK_EQ(ret, highest);
	CHECK_EQ(usage.semmsl, semmsl);
	CHECK_EQ(usage.semmni, semmni);
	CHECK_EQ(usage.semvmx, SEMVMX_MAX);
	CHECK(usage.semusz >= 1);
	CHECK(usage.semaem >= 7);
	int more = new_set(5, 0600);
	struct seminfo after;
	CHECK_OK(semctl(0, 0, SEM_INFO, (union semun){.__buf = &after}));
	CHECK(ret >= more % IPCMNI);
	CHECK_EQ(after.semusz, usage.semusz + 1);
	CHECK_EQ(after.semaem, usage.semaem + 5);
	CHECK_OK(semctl(more, 0, IPC_RMID));
	CHECK_OK(semctl(0, 0, SEM_INFO, (union semun){.__buf = &after}));
	CHECK_EQ(after.semusz, usage.semusz);
	CHECK_EQ(after.semaem, usage.semaem);
	CHECK_ERR(semctl(0, 0, SEM_INFO, (union semun){.__buf = bad_ptr}), EFAULT);
}

static int sem_stat_child(int index)
{
	drop_privileges();
	struct semid_ds ds;
	union semun arg = {.buf = &ds};
	CHECK_ERR(semctl(index, 0, SEM_STAT, arg), EACCES); /* 0600: no read access */
	CHECK_OK(semctl(index, 0, SEM_STAT_ANY, arg));     /* ... which SEM_STAT_ANY skips */
	CHECK_EQ(ret, g_id);
	CHECK_EQ(ds.sem_nsems, 3);
	return 0;
}

static void sem_stat(void)
{
	SECTION("SEM_STAT and SEM_STAT_ANY take an index and return the id");
	g_id = new_set(3, 0600);
	int index = g_id % IPCMNI;
	struct semid_ds by_index, by_id;
	union semun arg = {.buf = &by_index};
	memset(&by_index, 0x5a, sizeof by_index);
	CHECK_OK(semctl(index, 0, SEM_STAT, arg));
	CHECK_EQ(ret, g_id);
	CHECK_OK(stat_of(g_id, &by_id));
	CHECK(memcmp(&by_index, &by_id, sizeof by_id) == 0);
	CHECK_OK(semctl(index, 0, SEM_STAT_ANY, arg));
	CHECK_EQ(ret, g_id);
	CHECK_ERR(semctl(index, 0, SEM_STAT, (union semun){.buf = bad_ptr}), EFAULT);
	struct seminfo info;
	int highest = semctl(0, 0, IPC_INFO, (union semun){.__buf = &info});
	CHECK_ERR(semctl(highest + 1, 0, SEM_STAT, arg), EINVAL); /* an unused index */
	CHECK_ERR(semctl(highest + 1, 0, SEM_STAT_ANY, arg), EINVAL);
	CHECK_ERR(semctl(-1, 0, SEM_STAT, arg), EINVAL);
	CHECK_CHILD_OK(spawn(sem_stat_child, index));
	int gone = new_set(1, 0600);
	CHECK_OK(semctl(gone, 0, IPC_RMID));
	CHECK_ERR(semctl(gone % IPCMNI, 0, SEM_STAT_ANY, arg), EINVAL); /* a freed slot */
}

static int values_child(int unused)
{
	(void)unused;
	drop_privileges();
	/* 0604: read, but not write. */
	unsigned short all[4];
	CHECK_OK(val(g_id, 1));
	CHECK_OK(semctl(g_id, 0, GETALL, (union semun){.array = all}));
	CHECK_OK(sempid(g_id, 0));
	CHECK_OK(ncnt(g_id, 0));
	CHECK_OK(zcnt(g_id, 0));
	CHECK_ERR(setval(g_id, 0, 1), EACCES);
	CHECK_ERR(semctl(g_id, 0, SETALL, (union semun){.array = all}), EACCES);
	CHECK_ERR(setval(g_id, 9, 1), EINVAL);       /* SETVAL checks semnum before access */
	CHECK_ERR(setval(g_id, 0, 32768), ERANGE);   /* ... and the value before everything */
	return 0;
}

static int no_read_child(int id)
{
	drop_privileges();
	/* 0600: the read commands check access before semnum. */
	CHECK_ERR(val(id, 9), EACCES);
	CHECK_ERR(sempid(id, -1), EACCES);
	CHECK_ERR(ncnt(id, 9), EACCES);
	CHECK_ERR(zcnt(id, 9), EACCES);
	unsigned short all[1];
	CHECK_ERR(semctl(id, 0, GETALL, (union semun){.array = all}), EACCES);
	return 0;
}

static void values(void)
{
	SECTION("GETVAL, SETVAL, GETALL, SETALL, GETPID, GETNCNT, GETZCNT");
	g_id = new_set(4, 0604);
	pid_t me = getpid();
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(val(g_id, i), 0);
		CHECK_EQ(sempid(g_id, i), 0);
		CHECK_EQ(ncnt(g_id, i), 0);
		CHECK_EQ(zcnt(g_id, i), 0);
	}
	/* SETVAL: 0..=SEMVMX; ERANGE is checked first, even before the id and semnum. */
	CHECK_OK(setval(g_id, 2, SEMVMX_MAX));
	CHECK_EQ(val(g_id, 2), SEMVMX_MAX);
	CHECK_OK(setval(g_id, 2, 0));
	CHECK_EQ(val(g_id, 2), 0);
	CHECK_ERR(setval(g_id, 2, SEMVMX_MAX + 1), ERANGE);
	CHECK_ERR(setval(g_id, 2, -1), ERANGE);
	CHECK_ERR(setval(g_id, 99, 40000), ERANGE);
	CHECK_ERR(setval(g_id, 4, 1), EINVAL);
	CHECK_ERR(setval(g_id, -1, 1), EINVAL);
	CHECK_OK(setval(g_id, 3, 9));
	CHECK_EQ(sempid(g_id, 3), me);

	/* Bad semaphore numbers for the per-semaphore reads. */
	CHECK_ERR(val(g_id, 4), EINVAL);
	CHECK_ERR(val(g_id, -1), EINVAL);
	CHECK_ERR(sempid(g_id, 4), EINVAL);
	CHECK_ERR(ncnt(g_id, 4), EINVAL);
	CHECK_ERR(zcnt(g_id, -1), EINVAL);

	/* SETALL and GETALL: one unsigned short per semaphore, exactly. */
	unsigned short in[4] = {1, 2, 3, SEMVMX_MAX}, out[6] = {0, 0, 0, 0, 0xbeef, 0xbeef};
	CHECK_OK(semctl(g_id, 77, SETALL, (union semun){.array = in})); /* semnum is ignored */
	CHECK_EQ(ret, 0);
	CHECK_OK(semctl(g_id, 0, GETALL, (union semun){.array = out}));
	CHECK_EQ(ret, 0);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(out[i], in[i]);
		CHECK_EQ(val(g_id, i), in[i]);
		CHECK_EQ(sempid(g_id, i), me);
	}
	CHECK_EQ(out[4], 0xbeef); /* nothing past nsems */
	unsigned short too_big[4] = {5, SEMVMX_MAX + 1, 5, 5};
	CHECK_ERR(semctl(g_id, 0, SETALL, (union semun){.array = too_big}), ERANGE);
	CHECK_EQ(val(g_id, 0), 1); /* nothing changed */
	CHECK_ERR(semctl(g_id, 0, SETALL, (union semun){.array = bad_ptr}), EFAULT);
	CHECK_ERR(semctl(g_id, 0, GETALL, (union semun){.array = bad_ptr}), EFAULT);
	CHECK_EQ(val(g_id, 3), SEMVMX_MAX);

	CHECK_CHILD_OK(spawn(values_child, 0));
	CHECK_CHILD_OK(spawn(no_read_child, new_set(1, 0600)));
}

static void bad_commands_and_stale_ids(void)
{
	SECTION("unknown commands and stale ids: EINVAL for every command");
	int id = new_set(1, 0600);
	CHECK_ERR(semctl(id, 0, 99), EINVAL);
	CHECK_ERR(semctl(id, 0, -1), EINVAL);
	CHECK_ERR(semctl(id, 0, 10), EINVAL); /* between IPC_INFO and GETPID */
	CHECK_OK(semctl(id, 0, IPC_RMID));
	struct semid_ds ds;
	CHECK_OK(stat_of(new_set(1, 0600), &ds)); /* a valid buffer for IPC_SET */
	unsigned short all[1] = {0};
	CHECK_ERR(stat_of(id, &ds), EINVAL);
	CHECK_ERR(set_of(id, &ds), EINVAL);
	CHECK_ERR(semctl(id, 0, IPC_RMID), EINVAL);
	CHECK_ERR(val(id, 0), EINVAL);
	CHECK_ERR(setval(id, 0, 1), EINVAL);
	CHECK_ERR(semctl(id, 0, GETALL, (union semun){.array = all}), EINVAL);
	CHECK_ERR(semctl(id, 0, SETALL, (union semun){.array = all}), EINVAL);
	CHECK_ERR(sempid(id, 0), EINVAL);
	CHECK_ERR(ncnt(id, 0), EINVAL);
	CHECK_ERR(zcnt(id, 0), EINVAL);
	CHECK_ERR(semctl(id, 0, 99), EINVAL);
	/* A stale id still lets the argument's own checks come first: IPC_SET's buffer is read
	 * (EFAULT) and SETVAL's value checked (ERANGE) before the id is looked up. */
	CHECK_ERR(semctl(id, 0, IPC_SET, (union semun){.buf = bad_ptr}), EFAULT);
	CHECK_ERR(setval(id, 0, 40000), ERANGE);
	/* A negative semid is EINVAL before anything else, for every command. */
	CHECK_ERR(semctl(-1, 0, GETVAL), EINVAL);
	CHECK_ERR(setval(-1, 0, 40000), EINVAL);
	CHECK_ERR(semctl(-1, 0, IPC_SET, (union semun){.buf = bad_ptr}), EINVAL);
	CHECK_ERR(semctl(-1, 0, SETALL, (union semun){.array = bad_ptr}), EINVAL);
	CHECK_ERR(semctl(-1, 0, 99), EINVAL);
}

int main(void)
{
	test_name = "c_sem_ctl";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): the access checks drop privileges", (int)getuid());
	ipc_stat();
	pid_and_times();
	ipc_set_and_rmid();
	info();
	sem_stat();
	values();
	bad_commands_and_stale_ids();
	return finish();
}
