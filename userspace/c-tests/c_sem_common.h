/* Helpers shared by the c_sem_*.c conformance tests: waiting until a process sleeps in
 * semop, set bookkeeping and removal, and `union semun`. The checks, children and
 * privileges come from c_common.h.
 *
 * Plain POSIX and Linux C: the same sources build with the kestrel sysroot and with the
 * host's gcc and glibc, and pass on both (the tests follow Linux's semantics).
 */
#ifndef C_SEM_COMMON_H
#define C_SEM_COMMON_H

#include "c_common.h"

#include <sys/sem.h>

/* As Linux programs define it: <sys/sem.h> leaves it to them. */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

/* Limits that Linux and kestrel share (SEMANTICS.md). */
#define SEMMSL_MAX 32000
#define SEMOPM_MAX 500
#define SEMVMX_MAX 32767
#define SEMAEM_MAX 32767

/* Sets this test created, removed at the end. */
static int created[256];
static int ncreated;

static inline int track(int id)
{
	if (id >= 0 && ncreated < (int)(sizeof created / sizeof created[0]))
		created[ncreated++] = id;
	return id;
}

/* A new private set of NSEMS semaphores with access MODE (all values 0). */
static inline int new_set(int nsems, int mode)
{
	int id = semget(IPC_PRIVATE, nsems, IPC_CREAT | mode);
	if (id < 0)
		FAIL_AT("semget(IPC_PRIVATE, %d, 0%o): errno %d (%s)", nsems, mode, errno, strerror(errno));
	return track(id);
}

static inline void remove_all(void)
{
	for (int i = 0; i < ncreated; i++)
		semctl(created[i], 0, IPC_RMID);
	ncreated = 0;
}

static inline int val(int id, int num) { return semctl(id, num, GETVAL); }
static inline int ncnt(int id, int num) { return semctl(id, num, GETNCNT); }
static inline int zcnt(int id, int num) { return semctl(id, num, GETZCNT); }
static inline int sempid(int id, int num) { return semctl(id, num, GETPID); }

static inline int setval(int id, int num, int value)
{
	union semun arg = {.val = value};
	return semctl(id, num, SETVAL, arg);
}

/* One operation. */
static inline int op1(int id, unsigned short num, short op, short flg)
{
	struct sembuf sb = {num, op, flg};
	return semop(id, &sb, 1);
}

/* Waits (up to 10 s) until GETNCNT (ZERO: GETZCNT) of semaphore NUM is WANT. */
static inline int wait_count(int id, int num, int zero, int want)
{
	for (long long deadline = now_ns() + 10000000000LL; now_ns() < deadline; sleep_ms(1)) {
		if ((zero ? zcnt(id, num) : ncnt(id, num)) == want)
			return 1;
	}
	return 0;
}
#define WAIT_NCNT(id, num, want) CHECK(wait_count(id, num, 0, want))
#define WAIT_ZCNT(id, num, want) CHECK(wait_count(id, num, 1, want))

/* Removes the sets, prints the verdict and returns the exit status. */
static inline int finish(void)
{
	remove_all();
	return report();
}

#endif /* C_SEM_COMMON_H */
