/* c_sem_basic: semget's rules (ENOSPC once SEMMNI sets exist included), semop's errors in Linux's order, atomic all-or-nothing
 * operation arrays (several operations on one semaphore included), and the permission
 * checks of semget and semop for a process without privileges.
 *
 * Runs as root (it forks children that drop to uid/gid 1000). Exits 0 only if every check
 * passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_sem_common.h"

static void semget_rules(void)
{
	SECTION("semget: IPC_PRIVATE, IPC_CREAT, IPC_EXCL, ENOENT, nsems limits");
	int a = new_set(1, 0600), b = new_set(1, 0600);
	CHECK(a >= 0 && b >= 0 && a != b); /* IPC_PRIVATE always creates */
	CHECK(track(semget(IPC_PRIVATE, 2, 0600)) >= 0); /* even without IPC_CREAT */

	key_t key = test_key(1);
	CHECK_ERR(semget(key, 1, 0600), ENOENT); /* no set, no IPC_CREAT */
	CHECK_ERR(semget(key, 0, 0), ENOENT);
	CHECK_OK(semget(key, 3, IPC_CREAT | 0640));
	int id = track((int)ret);
	CHECK_OK(semget(key, 3, IPC_CREAT | 0640));
	CHECK_EQ(ret, id); /* IPC_CREAT alone finds it */
	CHECK_ERR(semget(key, 3, IPC_CREAT | IPC_EXCL | 0640), EEXIST);
	CHECK_ERR(semget(key, 1, IPC_CREAT | IPC_EXCL), EEXIST);
	CHECK_OK(semget(key, 0, 0));
	CHECK_EQ(ret, id); /* a lookup may ask for 0 semaphores */
	CHECK_OK(semget(key, 2, 0));
	CHECK_EQ(ret, id); /* or fewer than the set has */
	CHECK_OK(semget(key, 3, 0600));
	CHECK_EQ(ret, id);
	CHECK_ERR(semget(key, 4, 0), EINVAL);          /* more than the set has */
	CHECK_ERR(semget(key, 4, IPC_CREAT), EINVAL);  /* ... even with IPC_CREAT */
	CHECK_ERR(semget(key, -1, 0), EINVAL);         /* nsems < 0 */
	CHECK_ERR(semget(key, SEMMSL_MAX + 1, 0), EINVAL);

	/* Creating: nsems 0, negative or above SEMMSL is EINVAL. */
	CHECK_ERR(semget(IPC_PRIVATE, 0, 0600), EINVAL);
	CHECK_ERR(semget(test_key(2), 0, IPC_CREAT | 0600), EINVAL);
	CHECK_ERR(semget(IPC_PRIVATE, -1, 0600), EINVAL);
	CHECK_ERR(semget(IPC_PRIVATE, SEMMSL_MAX + 1, 0600), EINVAL);
	CHECK_ERR(semget(test_key(2), SEMMSL_MAX + 1, IPC_CREAT | 0600), EINVAL);
	CHECK_ERR(semget(test_key(2), 1, 0), ENOENT); /* none of those created it */
	int big = new_set(SEMMSL_MAX, 0600); /* the largest set */
	CHECK(big >= 0);
	struct semid_ds ds;
	union semun arg = {.buf = &ds};
	CHECK_OK(semctl(big, 0, IPC_STAT, arg));
	CHECK_EQ(ds.sem_nsems, SEMMSL_MAX);
	CHECK_EQ(val(big, SEMMSL_MAX - 1), 0);
	CHECK_ERR(val(big, SEMMSL_MAX), EINVAL);
	CHECK_OK(semctl(big, 0, IPC_RMID));

	/* A removed set's key is free again, and its id is stale (EINVAL, not EIDRM). */
	CHECK_OK(semctl(id, 0, IPC_RMID));
	CHECK_ERR(semget(key, 0, 0), ENOENT);
	CHECK_ERR(val(id, 0), EINVAL);
	CHECK_ERR(op1(id, 0, 1, 0), EINVAL);
	CHECK_OK(semget(key, 1, IPC_CREAT | IPC_EXCL | 0600));
	int again = track((int)ret);
	CHECK(again != id);
	CHECK_ERR(val(id, 0), EINVAL);
	CHECK_EQ(val(again, 0), 0);
}

static void out_of_sets(void)
{
	SECTION("semget: ENOSPC once SEMMNI sets exist");
	static int ids[40000];
	struct seminfo info;
	CHECK_OK(semctl(0, 0, SEM_INFO, (union semun){.__buf = &info}));
	int in_use = info.semusz, semmni = info.semmni;
	int n = 0, err = 0;
	while (n < (int)(sizeof ids / sizeof ids[0])) {
		int id = semget(IPC_PRIVATE, 1, 0600);
		if (id < 0) {
			err = errno;
			break;
		}
		ids[n++] = id;
	}
	CHECK_EQ(err, ENOSPC);
	CHECK_EQ(n, semmni - in_use);
	CHECK_ERR(semget(test_key(4), 1, IPC_CREAT | 0600), ENOSPC);
	CHECK_ERR(semget(test_key(4), 1, 0600), ENOENT); /* a lookup is still a lookup */
	for (int i = 0; i < n; i++) {
		if (semctl(ids[i], 0, IPC_RMID) != 0)
			FAIL_AT("IPC_RMID of set %d: errno %d", ids[i], errno);
	}
	CHECK_OK(semctl(0, 0, SEM_INFO, (union semun){.__buf = &info}));
	CHECK_EQ(info.semusz, in_use);
	CHECK(track(semget(IPC_PRIVATE, 1, 0600)) >= 0);
}

static int semop_order_child(int id)
{
	/* Without privileges, on a 0600 set: EFBIG comes before EACCES, and EACCES before
	 * ERANGE and EAGAIN. */
	drop_privileges();
	struct sembuf out_of_range = {5, 1, 0}, up = {0, 1, 0}, down = {0, -1, IPC_NOWAIT};
	CHECK_ERR(semop(id, &out_of_range, 1), EFBIG);
	CHECK_ERR(semop(id, &up, 1), EACCES);   /* the value is SEMVMX: would be ERANGE */
	CHECK_ERR(semop(id, &down, 1), EACCES); /* would succeed */
	struct sembuf zero = {1, 0, IPC_NOWAIT};
	CHECK_ERR(semop(id, &zero, 1), EACCES); /* would be EAGAIN */
	return 0;
}

static void semop_errors(void)
{
	SECTION("semop: error order EINVAL, E2BIG, EFAULT, timeout EINVAL, id EINVAL, EFBIG, EACCES, ERANGE, EAGAIN");
	int id = new_set(2, 0600);
	int stale = new_set(1, 0600);
	CHECK_OK(semctl(stale, 0, IPC_RMID));
	static struct sembuf many[SEMOPM_MAX + 1];
	struct sembuf one = {0, 1, 0}, bad_num = {2, 1, 0};
	struct timespec bad_ts = {0, 1000000000}, neg_ns = {0, -1}, neg_s = {-1, 0}, ok_ts = {1, 0};
	struct sembuf *unmapped = (struct sembuf *)16;
	const struct timespec *unmapped_ts = (const struct timespec *)16;

	/* nsops < 1: EINVAL before anything else. */
	CHECK_ERR(semop(id, &one, 0), EINVAL);
	CHECK_ERR(semop(stale, NULL, 0), EINVAL);
	CHECK_ERR(semtimedop(-1, NULL, 0, &bad_ts), EINVAL);
	/* nsops > SEMOPM: E2BIG, before the pointer, the timeout and the id. */
	CHECK_ERR(semop(id, many, SEMOPM_MAX + 1), E2BIG);
	CHECK_ERR(semop(stale, NULL, SEMOPM_MAX + 1), E2BIG);
	CHECK_ERR(semtimedop(-1, unmapped, 100000, &bad_ts), E2BIG);
	/* Only nsops's low 32 bits count: Linux takes it as an unsigned int. */
	CHECK_ERR(semop(id, &one, (size_t)1 << 32), EINVAL);
	CHECK_ERR(semop(id, many, ((size_t)1 << 32) + SEMOPM_MAX + 1), E2BIG);
	struct sembuf undo_one = {0, -1, 0};
	CHECK_OK(semop(id, &one, ((size_t)1 << 32) + 1));
	CHECK_EQ(val(id, 0), 1);
	CHECK_OK(semtimedop(id, &undo_one, ((size_t)1 << 32) + 1, &ok_ts));
	/* An unreadable sembuf array: EFAULT, before the timeout's values and the id. */
	CHECK_ERR(semop(id, NULL, 1), EFAULT);
	CHECK_ERR(semop(id, unmapped, 2), EFAULT);
	CHECK_ERR(semtimedop(stale, NULL, 1, &bad_ts), EFAULT);
	/* An unreadable timeout: EFAULT. Linux reads it before anything else, even before it
	 * looks at nsops (ipc/sem.c, ksys_semtimedop). */
	CHECK_ERR(semtimedop(id, &one, 1, unmapped_ts), EFAULT);
	CHECK_ERR(semtimedop(stale, &bad_num, 1, unmapped_ts), EFAULT);
	CHECK_ERR(semtimedop(id, &one, 0, unmapped_ts), EFAULT);
	CHECK_ERR(semtimedop(id, many, SEMOPM_MAX + 1, unmapped_ts), EFAULT);
	/* A bad timeout: EINVAL, even for operations that would not wait, before the id
	 * and the semaphore numbers. */
	CHECK_ERR(semtimedop(id, &one, 1, &bad_ts), EINVAL);
	CHECK_ERR(semtimedop(id, &one, 1, &neg_ns), EINVAL);
	CHECK_ERR(semtimedop(id, &one, 1, &neg_s), EINVAL);
	CHECK_ERR(semtimedop(id, &bad_num, 1, &bad_ts), EINVAL);
	CHECK_EQ(val(id, 0), 0); /* none of those did anything */
	/* A bad id: EINVAL (a stale one too), before the semaphore numbers. */
	CHECK_ERR(semop(-1, &one, 1), EINVAL);
	CHECK_ERR(semop(stale, &one, 1), EINVAL);
	CHECK_ERR(semop(stale, &bad_num, 1), EINVAL);
	CHECK_ERR(semtimedop(stale, &one, 1, &ok_ts), EINVAL);
	/* sem_num >= nsems: EFBIG, even behind an operation that would wait. */
	CHECK_ERR(semop(id, &bad_num, 1), EFBIG);
	struct sembuf wait_then_bad[2] = {{0, -1, 0}, {2, 1, 0}};
	CHECK_ERR(semop(id, wait_then_bad, 2), EFBIG);
	/* ERANGE: a value above SEMVMX. */
	CHECK_OK(setval(id, 0, SEMVMX_MAX));
	CHECK_ERR(op1(id, 0, 1, 0), ERANGE);
	CHECK_ERR(op1(id, 0, 1, IPC_NOWAIT), ERANGE);
	CHECK_OK(setval(id, 0, 1));
	CHECK_ERR(op1(id, 0, SEMVMX_MAX, 0), ERANGE);
	CHECK_EQ(val(id, 0), 1);
	CHECK_OK(op1(id, 0, SEMVMX_MAX - 1, 0));
	CHECK_EQ(val(id, 0), SEMVMX_MAX);
	/* ERANGE and EAGAIN: whichever operation comes first decides. */
	struct sembuf range_first[2] = {{0, 1, 0}, {1, -1, IPC_NOWAIT}};
	struct sembuf wait_first[2] = {{1, -1, IPC_NOWAIT}, {0, 1, 0}};
	CHECK_ERR(semop(id, range_first, 2), ERANGE);
	CHECK_ERR(semop(id, wait_first, 2), EAGAIN);
	/* EAGAIN: IPC_NOWAIT on an operation that cannot proceed (a decrement, or waiting for
	 * zero). */
	CHECK_OK(setval(id, 0, 0));
	CHECK_ERR(op1(id, 0, -1, IPC_NOWAIT), EAGAIN);
	CHECK_OK(setval(id, 1, 1));
	CHECK_ERR(op1(id, 1, 0, IPC_NOWAIT), EAGAIN);
	CHECK_EQ(val(id, 0), 0);
	CHECK_EQ(val(id, 1), 1);

	/* SEMOPM operations in one call are allowed. */
	for (int i = 0; i < SEMOPM_MAX; i++)
		many[i] = (struct sembuf){0, (short)(i % 2 ? -1 : 1), 0};
	CHECK_OK(semop(id, many, SEMOPM_MAX));
	CHECK_EQ(val(id, 0), 0);

	/* EFBIG before EACCES before ERANGE/EAGAIN, for a process without privileges. */
	CHECK_OK(setval(id, 0, SEMVMX_MAX));
	CHECK_CHILD_OK(spawn(semop_order_child, id));
	CHECK_EQ(val(id, 0), SEMVMX_MAX);
}

static void atomic_arrays(void)
{
	SECTION("semop: arrays are atomic, in order, and may repeat a semaphore");
	int id = new_set(3, 0600);
	unsigned short init[3] = {1, 0, 5};
	union semun arg = {.array = init};
	CHECK_OK(semctl(id, 0, SETALL, arg));
	pid_t me = getpid();

	/* All or nothing: the second operation cannot proceed, so the first is not done. */
	struct sembuf two[2] = {{0, -1, 0}, {1, -1, IPC_NOWAIT}};
	CHECK_ERR(semop(id, two, 2), EAGAIN);
	CHECK_EQ(val(id, 0), 1);
	CHECK_EQ(sempid(id, 0), me); /* from SETALL; the failed call changed nothing */
	struct sembuf range[3] = {{0, -1, 0}, {2, 1, 0}, {1, SEMVMX_MAX, 0}};
	CHECK_OK(setval(id, 1, 1));
	CHECK_ERR(semop(id, range, 3), ERANGE);
	CHECK_EQ(val(id, 0), 1);
	CHECK_EQ(val(id, 1), 1);
	CHECK_EQ(val(id, 2), 5);

	/* All of them, together. */
	struct sembuf three[3] = {{0, -1, 0}, {1, 2, 0}, {2, -5, 0}};
	CHECK_OK(semop(id, three, 3));
	CHECK_EQ(val(id, 0), 0);
	CHECK_EQ(val(id, 1), 3);
	CHECK_EQ(val(id, 2), 0);

	/* Several operations on one semaphore run in array order, each on the value the
	 * previous one left. */
	struct sembuf up_down[3] = {{0, 2, 0}, {0, -1, 0}, {0, -1, 0}};
	CHECK_OK(semop(id, up_down, 3));
	CHECK_EQ(val(id, 0), 0);
	struct sembuf down_first[2] = {{0, -1, IPC_NOWAIT}, {0, 1, 0}};
	CHECK_ERR(semop(id, down_first, 2), EAGAIN); /* the net change would be 0 */
	struct sembuf up_then_zero[2] = {{0, 1, 0}, {0, 0, IPC_NOWAIT}};
	CHECK_ERR(semop(id, up_then_zero, 2), EAGAIN); /* sees the 1 the first op made */
	struct sembuf zero_then_up[2] = {{0, 0, 0}, {0, 1, 0}};
	CHECK_OK(semop(id, zero_then_up, 2));
	CHECK_EQ(val(id, 0), 1);
	struct sembuf over[2] = {{0, SEMVMX_MAX, 0}, {0, -SEMVMX_MAX, 0}};
	CHECK_ERR(semop(id, over, 2), ERANGE); /* 1 + 32767 exceeds SEMVMX on the way */
	CHECK_OK(setval(id, 0, 0));
	CHECK_OK(semop(id, over, 2)); /* 0 + 32767 does not */
	CHECK_EQ(val(id, 0), 0);
	struct sembuf down_twice[2] = {{2, 1, 0}, {2, -2, IPC_NOWAIT}};
	CHECK_ERR(semop(id, down_twice, 2), EAGAIN);
	CHECK_EQ(val(id, 2), 0);

	/* Long arrays (past the 64 a kernel may decode on its stack), up to SEMOPM. */
	static struct sembuf longest[SEMOPM_MAX];
	for (int i = 0; i < SEMOPM_MAX; i++) {
		longest[i] = (struct sembuf){(unsigned short)(i % 2), i < SEMOPM_MAX / 2 ? 1 : -1, 0};
	}
	CHECK_OK(setval(id, 1, 0));
	CHECK_OK(semop(id, longest, 100)); /* 100 ups, 50 on each of two semaphores */
	CHECK_EQ(val(id, 0), 50);
	CHECK_EQ(val(id, 1), 50);
	CHECK_OK(setval(id, 0, 0));
	CHECK_OK(setval(id, 1, 0));
	CHECK_OK(semop(id, longest, SEMOPM_MAX)); /* 250 ups, then 250 downs */
	CHECK_EQ(val(id, 0), 0);
	CHECK_EQ(val(id, 1), 0);
	longest[SEMOPM_MAX - 1].sem_flg = IPC_NOWAIT;
	longest[SEMOPM_MAX - 1].sem_op = -2;
	CHECK_ERR(semop(id, longest, SEMOPM_MAX), EAGAIN); /* the last one cannot: none done */
	CHECK_EQ(val(id, 0) + val(id, 1) + val(id, 2), 0);
}

static int semget_access_child(int key)
{
	drop_privileges();
	/* The set is 0604: others may read, not write. */
	CHECK_OK(semget(key, 0, 0));
	CHECK_OK(semget(key, 1, 0400));
	CHECK_OK(semget(key, 1, 0004));
	CHECK_ERR(semget(key, 1, 0200), EACCES);
	CHECK_ERR(semget(key, 1, 0600), EACCES);
	CHECK_ERR(semget(key, 1, IPC_CREAT | 0666), EACCES);
	CHECK_ERR(semget(key, 2, 0600), EINVAL); /* nsems is checked before access */
	return 0;
}

static int semop_access_child(int id)
{
	drop_privileges();
	struct sembuf zero = {0, 0, IPC_NOWAIT}, up = {0, 1, 0};
	CHECK_ERR(semctl(id, 0, GETVAL), EACCES); /* no read access on a 0602 set */
	/* 0602: altering needs write access only; waiting for zero needs read access. */
	CHECK_OK(semop(id, &up, 1));
	CHECK_ERR(semop(id, &zero, 1), EACCES);
	struct sembuf mixed[2] = {{0, 0, IPC_NOWAIT}, {0, -1, 0}};
	CHECK_ERR(semop(id, mixed, 2), EAGAIN); /* an altering call: write suffices */
	return 0;
}

static int semop_read_only_child(int id)
{
	drop_privileges();
	/* 0604: waiting for zero is allowed, altering is not. */
	struct sembuf zero = {0, 0, IPC_NOWAIT}, up = {0, 1, 0};
	CHECK_OK(semop(id, &zero, 1));
	CHECK_ERR(semop(id, &up, 1), EACCES);
	return 0;
}

static void access_checks(void)
{
	SECTION("semget and semop: access for a process without privileges (uid/gid 1000)");
	key_t key = test_key(3);
	CHECK_OK(semget(key, 1, IPC_CREAT | IPC_EXCL | 0604));
	int id = track((int)ret);
	CHECK_CHILD_OK(spawn(semget_access_child, key));
	CHECK_CHILD_OK(spawn(semop_read_only_child, id));
	int w = new_set(1, 0602);
	CHECK_CHILD_OK(spawn(semop_access_child, w));
	CHECK_EQ(val(w, 0), 1);
}

int main(void)
{
	test_name = "c_sem_basic";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): the access checks drop privileges", (int)getuid());
	semget_rules();
	out_of_sets();
	semop_errors();
	atomic_arrays();
	access_checks();
	return finish();
}
