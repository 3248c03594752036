/* semaphore.h: POSIX semaphores, unnamed and named (kestrel guest sysroot).
 *
 * ABI: Linux x86_64 as glibc defines it: sem_t is a 32-byte union aligned to 8,
 * SEM_FAILED is (sem_t *)0, SEM_VALUE_MAX is INT_MAX. A process-shared semaphore
 * (sem_init with pshared 1) works in any memory that processes share: MAP_SHARED
 * mappings, shm_open objects, System V segments (the kernel keys futexes by physical
 * address). Named semaphores are shared memory objects "/sem.NAME" in shm_open's
 * namespace (/scheme/shm/sem.NAME), as glibc keeps them in /dev/shm.
 *
 * sem_open is variadic: with O_CREAT it takes a mode_t and an unsigned int value.
 * The waits fail with EINTR when a signal handler runs (never restarted, as on Linux);
 * sem_timedwait's deadline is an absolute CLOCK_REALTIME time, sem_clockwait's one on
 * CLOCK_REALTIME or CLOCK_MONOTONIC.
 *
 * Written to match relibc-patch/src/header/semaphore/mod.rs, whose host tests compile
 * this file and compare it with the Rust definitions and with glibc's. The functions are
 * in libkestrel_relibc.a.
 */
#ifndef _SEMAPHORE_H
#define _SEMAPHORE_H

#include <fcntl.h>     /* O_CREAT, O_EXCL */
#include <sys/types.h> /* mode_t, clockid_t */
#include <time.h>      /* struct timespec */

#ifdef __cplusplus
extern "C" {
#endif

/* A semaphore (its contents are the library's). */
typedef union {
	char __size[32];
	long int __align;
} sem_t;

/* What sem_open returns on failure. */
#define SEM_FAILED ((sem_t *)0)

/* The largest value of a semaphore (also in <limits.h>). */
#ifndef SEM_VALUE_MAX
#define SEM_VALUE_MAX (2147483647)
#endif

int sem_init(sem_t *sem, int pshared, unsigned int value);
int sem_destroy(sem_t *sem);
sem_t *sem_open(const char *name, int oflag, ...);
int sem_close(sem_t *sem);
int sem_unlink(const char *name);
int sem_wait(sem_t *sem);
int sem_trywait(sem_t *sem);
int sem_timedwait(sem_t *sem, const struct timespec *abstime);
int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime);
int sem_post(sem_t *sem);
int sem_getvalue(sem_t *sem, int *sval);

#ifdef __cplusplus
}
#endif

#endif /* _SEMAPHORE_H */
