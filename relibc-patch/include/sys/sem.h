/* sys/sem.h: System V semaphore sets (kestrel guest sysroot).
 *
 * ABI: Linux x86_64 values and structure layouts, as glibc defines them: a 6-byte
 * struct sembuf, a 104-byte struct semid_ds around the 48-byte struct ipc_perm of
 * <sys/ipc.h>, and the 10-int struct seminfo. kestrel's sem scheme reads and writes these
 * structures as they are.
 *
 * As on Linux, union semun is NOT defined here: a program that passes semctl's fourth
 * argument defines it itself (_SEM_SEMUN_UNDEFINED says so), for example
 *
 *     union semun { int val; struct semid_ds *buf; unsigned short *array;
 *                   struct seminfo *__buf; };
 *
 * Written to match relibc-patch/src/header/sys_sem/mod.rs, whose host tests compile this
 * file and compare every value and offset with the Rust definitions and with glibc's.
 * The functions are in libkestrel_relibc.a. semctl is declared variadic, as in C; the
 * library defines it with a fixed fourth argument, which the x86_64 calling convention
 * passes in the same register (see the Rust module's documentation).
 */
#ifndef _SYS_SEM_H
#define _SYS_SEM_H

#include <sys/ipc.h>
#include <sys/types.h> /* pid_t, size_t, time_t */

#ifdef __cplusplus
extern "C" {
#endif

/* sem_flg bit: undo the operation when the process exits. */
#define SEM_UNDO 0x1000

/* semctl commands, besides IPC_RMID, IPC_SET, IPC_STAT and IPC_INFO of <sys/ipc.h>. */
#define GETPID 11       /* pid of the last process that operated on semnum */
#define GETVAL 12       /* value of semnum */
#define GETALL 13       /* every value, into arg.array */
#define GETNCNT 14      /* processes waiting for semnum to increase */
#define GETZCNT 15      /* processes waiting for semnum to be zero */
#define SETVAL 16       /* set semnum to arg.val */
#define SETALL 17       /* set every value from arg.array */
#define SEM_STAT 18     /* IPC_STAT of the set at index semid; returns its id (Linux) */
#define SEM_INFO 19     /* IPC_INFO with usage counts (Linux) */
#define SEM_STAT_ANY 20 /* SEM_STAT without the read permission check (Linux) */

/* The caller defines union semun. */
#define _SEM_SEMUN_UNDEFINED 1

/* One semop operation: 6 bytes. */
struct sembuf {
	unsigned short sem_num; /* semaphore index */
	short sem_op;           /* add this (0: wait for zero) */
	short sem_flg;          /* IPC_NOWAIT, SEM_UNDO */
};

/* A set's state: 104 bytes. */
struct semid_ds {
	struct ipc_perm sem_perm;         /* offset  0 */
	time_t sem_otime;                 /* offset 48: last semop */
	unsigned long __sem_otime_high;   /* offset 56 */
	time_t sem_ctime;                 /* offset 64: last change */
	unsigned long __sem_ctime_high;   /* offset 72 */
	unsigned long sem_nsems;          /* offset 80: number of semaphores */
	unsigned long __glibc_reserved3;  /* offset 88 */
	unsigned long __glibc_reserved4;  /* offset 96 */
};

/* Limits (IPC_INFO), or with SEM_INFO the sets in use in semusz and the semaphores in
 * semaem: 40 bytes. */
struct seminfo {
	int semmap;
	int semmni; /* most sets */
	int semmns; /* most semaphores in all sets */
	int semmnu;
	int semmsl; /* most semaphores in a set */
	int semopm; /* most operations in one semop */
	int semume;
	int semusz;
	int semvmx; /* largest value */
	int semaem; /* largest undo adjustment */
};

struct timespec; /* <time.h> */

/* The id of the set for KEY (created with IPC_CREAT), or a new set for IPC_PRIVATE. */
int semget(key_t key, int nsems, int semflg);
/* Performs the NSOPS operations at SOPS atomically, waiting while one cannot proceed. */
int semop(int semid, struct sembuf *sops, size_t nsops);
/* semop waiting at most the relative TIMEOUT (unless null); EAGAIN when it expires. */
int semtimedop(int semid, struct sembuf *sops, size_t nsops, const struct timespec *timeout);
/* Command CMD on set SEMID and its semaphore SEMNUM; a fourth argument, union semun, for
 * the commands that use it. */
int semctl(int semid, int semnum, int cmd, ...);

#ifdef __cplusplus
}
#endif

#if !defined(__cplusplus) && defined(__x86_64__)
_Static_assert(sizeof(struct sembuf) == 6, "struct sembuf: Linux x86_64 layout");
_Static_assert(sizeof(struct semid_ds) == 104, "struct semid_ds: Linux x86_64 layout");
_Static_assert(sizeof(struct seminfo) == 40, "struct seminfo: Linux x86_64 layout");
#if defined(__GNUC__)
_Static_assert(__builtin_offsetof(struct semid_ds, sem_otime) == 48, "semid_ds.sem_otime");
_Static_assert(__builtin_offsetof(struct semid_ds, sem_ctime) == 64, "semid_ds.sem_ctime");
_Static_assert(__builtin_offsetof(struct semid_ds, sem_nsems) == 80, "semid_ds.sem_nsems");
#endif
#endif

#endif /* _SYS_SEM_H */
