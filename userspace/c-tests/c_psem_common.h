/* Helpers of the POSIX semaphore tests (c_psem.c, c_psem_named.c): names of the test's
 * own, absolute deadlines, shared memory, and waiting for a number of posts. */
#ifndef C_PSEM_COMMON_H
#define C_PSEM_COMMON_H

#include "c_common.h"

#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* A name of this process's own: "/c_psem.PID.TAG". */
static inline const char *sem_name(const char *tag)
{
	static char names[8][64];
	static int next;
	char *name = names[next++ % 8];
	snprintf(name, sizeof names[0], "/c_psem.%d.%s", (int)getpid(), tag);
	return name;
}

/* An absolute time MS from now on CLOCK. */
static inline struct timespec after_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Shared memory for the process-shared tests: anonymous, MAP_SHARED. */
static inline void *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		FAIL_AT("mmap: errno %d", errno);
	return p;
}

/* Waits for N posts of SEM, each within 10 s. */
static inline void wait_posts(sem_t *sem, int n)
{
	for (int i = 0; i < n; i++) {
		struct timespec deadline = after_ms(CLOCK_REALTIME, 10000);
		if (sem_timedwait(sem, &deadline) != 0) {
			FAIL_AT("post %d of %d: errno %d (%s)", i + 1, n, errno, strerror(errno));
			return;
		}
	}
}

#endif /* C_PSEM_COMMON_H */
