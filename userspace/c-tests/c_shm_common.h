/* Helpers shared by the c_shm_*.c conformance tests: segment bookkeeping and removal,
 * IPC_STAT fields, recognisable byte patterns, address ranges nothing is mapped at,
 * children expected to die of a signal, and a semaphore pair that orders two processes
 * (the guest C runtime has no pipes). The checks, children and privileges come from
 * c_common.h.
 *
 * Plain POSIX and Linux C: the same sources build with the kestrel sysroot and with the
 * host's gcc and glibc, and pass on both (the tests follow Linux's semantics).
 */
#ifndef C_SHM_COMMON_H
#define C_SHM_COMMON_H

#include "c_common.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>

/* Limits that Linux and kestrel share (SEMANTICS.md). */
#define SHMMNI_MAX 4096
#define SHMMAX_MAX 18446744073692774399ULL /* ULONG_MAX - 2^24, Linux's default */
#define SHMALL_MAX 18446744073692774399ULL

/* shm_perm.mode bits beside the access bits (Linux: include/linux/shm.h). */
#define MODE_SHM_DEST 01000
#define MODE_SHM_LOCKED 02000

/* An address no process has mapped. */
static void *const bad_ptr = (void *)16;

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Segments this test created, removed at the end. */
static int created[256];
static int ncreated;

static inline int track(int id)
{
	if (id >= 0 && ncreated < (int)(sizeof created / sizeof created[0]))
		created[ncreated++] = id;
	return id;
}

/* A new private segment of SIZE bytes with access MODE. */
static inline int new_segment(size_t size, int mode)
{
	int id = shmget(IPC_PRIVATE, size, IPC_CREAT | mode);
	if (id < 0)
		FAIL_AT("shmget(IPC_PRIVATE, %zu, 0%o): errno %d (%s)", size, mode, errno, strerror(errno));
	return track(id);
}

/* Semaphore sets this test created (for ordering processes), removed at the end. */
static int gates[16];
static int ngates;

static inline void remove_all(void)
{
	for (int i = 0; i < ncreated; i++)
		shmctl(created[i], IPC_RMID, NULL);
	ncreated = 0;
	for (int i = 0; i < ngates; i++)
		semctl(gates[i], 0, IPC_RMID);
	ngates = 0;
}

/* Removes the segments, prints the verdict and returns the exit status. */
static inline int finish(void)
{
	remove_all();
	return report();
}

/* shmat that returns NULL rather than (void *)-1 on failure, after reporting it. */
static inline char *attach(int id, const void *addr, int flags)
{
	void *p = shmat(id, addr, flags);
	if (p == (void *)-1) {
		FAIL_AT("shmat(%d, %p, 0%o): errno %d (%s)", id, addr, flags, errno, strerror(errno));
		return NULL;
	}
	return p;
}

/* IPC_STAT into DS (filled with 0xa5 first). */
static inline int sstat(int id, struct shmid_ds *ds)
{
	memset(ds, 0xa5, sizeof *ds);
	return shmctl(id, IPC_STAT, ds);
}

/* Fields of IPC_STAT (-1 if it fails). */
static inline long long nattch(int id)
{
	struct shmid_ds ds;
	return sstat(id, &ds) == 0 ? (long long)ds.shm_nattch : -1;
}
static inline long long lpid(int id)
{
	struct shmid_ds ds;
	return sstat(id, &ds) == 0 ? (long long)ds.shm_lpid : -1;
}
static inline long long shm_mode(int id)
{
	struct shmid_ds ds;
	return sstat(id, &ds) == 0 ? (long long)ds.shm_perm.mode : -1;
}

/* The limits Linux reports (/proc/sys/kernel/shmmax, shmall, shmmni), else the defaults
 * (kestrel has no /proc). */
static inline unsigned long long proc_limit(const char *path, unsigned long long fallback)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fallback;
	char line[64];
	unsigned long long value = fallback;
	if (fgets(line, sizeof line, f))
		value = strtoull(line, NULL, 10);
	fclose(f);
	return value;
}
static inline unsigned long long shmmax_limit(void) { return proc_limit("/proc/sys/kernel/shmmax", SHMMAX_MAX); }
static inline unsigned long long shmall_limit(void) { return proc_limit("/proc/sys/kernel/shmall", SHMALL_MAX); }
static inline unsigned long long shmmni_limit(void) { return proc_limit("/proc/sys/kernel/shmmni", SHMMNI_MAX); }

/* Byte I of pattern TAG: every region a test writes can be told apart. */
static inline unsigned char pattern_byte(int tag, size_t i)
{
	return (unsigned char)(tag * 37 + (int)(i % 251) * 7 + 1);
}

static inline void fill_pattern(volatile char *p, size_t len, int tag)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)pattern_byte(tag, i);
}

/* P holds LEN bytes of pattern TAG. */
static inline int pattern_is(const volatile char *p, size_t len, int tag)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)p[i] != pattern_byte(tag, i))
			return 0;
	}
	return 1;
}

/* Every one of LEN bytes at P is BYTE. */
static inline int all_bytes(const volatile char *p, size_t len, unsigned char byte)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)p[i] != byte)
			return 0;
	}
	return 1;
}

/* A page-aligned range of LEN bytes that nothing is mapped at: mapped and unmapped again,
 * so the address is one this process may use on Linux and on kestrel alike. */
static inline char *free_range(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		FAIL_AT("mmap of %zu bytes: errno %d (%s)", len, errno, strerror(errno));
		return NULL;
	}
	if (munmap(p, len) != 0)
		FAIL_AT("munmap: errno %d (%s)", errno, strerror(errno));
	return p;
}

/* Anonymous private memory, LEN bytes, read-write. */
static inline char *anonymous(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		FAIL_AT("mmap of %zu bytes: errno %d (%s)", len, errno, strerror(errno));
		return NULL;
	}
	return p;
}

/* The address a child touches (CHILD_TOUCH_*) before it exits 0. */
static volatile char *touch_at;

static inline int read_child(int unused)
{
	(void)unused;
	volatile char sink = *touch_at;
	(void)sink;
	return 0;
}

static inline int write_child(int unused)
{
	(void)unused;
	*touch_at = 1;
	return 0;
}

/* PID (evaluated once) was killed by signal SIG. */
#define CHECK_CHILD_SIGNALED(pid, sig)                                                          \
	do {                                                                                    \
		pid_t pid_ = (pid);                                                             \
		int st_ = reap(pid_);                                                           \
		if (st_ == -1 || !WIFSIGNALED(st_) || WTERMSIG(st_) != (sig))                   \
			FAIL_AT("child %d: wait status 0x%x, expected death by %s", (int)pid_, st_, \
			        #sig);                                                          \
	} while (0)

/* A child that reads (writes) ADDR dies of SIGSEGV. */
#define CHECK_READ_FAULTS(addr)                                      \
	do {                                                         \
		touch_at = (volatile char *)(addr);                  \
		CHECK_CHILD_SIGNALED(spawn(read_child, 0), SIGSEGV); \
	} while (0)
#define CHECK_WRITE_FAULTS(addr)                                      \
	do {                                                          \
		touch_at = (volatile char *)(addr);                   \
		CHECK_CHILD_SIGNALED(spawn(write_child, 0), SIGSEGV); \
	} while (0)
/* A child may read (write) ADDR. */
#define CHECK_WRITE_WORKS(addr)                              \
	do {                                                 \
		touch_at = (volatile char *)(addr);          \
		CHECK_CHILD_OK(spawn(write_child, 0));       \
	} while (0)

/* Gates: a private set of two semaphores, each a count of "go" signals, by which two
 * processes take turns. post() adds one; await() takes one, waiting up to 10 s (EAGAIN
 * then: the other process never came). */
static inline int new_gates(void)
{
	int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	if (id < 0)
		FAIL_AT("semget: errno %d (%s)", errno, strerror(errno));
	else if (ngates < (int)(sizeof gates / sizeof gates[0]))
		gates[ngates++] = id;
	return id;
}

static inline int post(int gates_id, int num)
{
	struct sembuf op = {(unsigned short)num, 1, 0};
	return semop(gates_id, &op, 1);
}

static inline int await(int gates_id, int num)
{
	struct sembuf op = {(unsigned short)num, -1, 0};
	struct timespec limit = {10, 0};
	int r;
	while ((r = semtimedop(gates_id, &op, 1, &limit)) == -1 && errno == EINTR) {
	}
	return r;
}
#define POST(g, num) CHECK_OK(post(g, num))
#define AWAIT(g, num) CHECK_OK(await(g, num))

#endif /* C_SHM_COMMON_H */
