/* sys/shm.h: System V shared memory (kestrel guest sysroot).
 *
 * ABI: Linux x86_64 values and structure layouts, as glibc defines them: shmatt_t is
 * unsigned long, struct shmid_ds has 112 bytes around the 48-byte struct ipc_perm of
 * <sys/ipc.h>, struct shminfo (IPC_INFO) 72 and struct shm_info (SHM_INFO) 48. kestrel's
 * shm scheme reads and writes these structures as they are, and maps the segments itself:
 * shmat attaches at the address asked for (SHM_RND, SHM_REMAP), and shmdt needs nothing but
 * the address.
 *
 * SHMLBA is the page size. SHM_FAILED, shmat's failure value, is POSIX 2024's (glibc does
 * not define it yet). SHM_HUGETLB and SHM_NORESERVE are not defined: the kernel has no huge
 * pages and reserves no swap.
 *
 * Written to match relibc-patch/src/header/sys_shm/mod.rs, whose host tests compile this
 * file and compare every value and offset with the Rust definitions and with glibc's.
 * The functions are in libkestrel_relibc.a.
 */
#ifndef _SYS_SHM_H
#define _SYS_SHM_H

#include <stdint.h> /* intptr_t, as POSIX 2024 asks */
#include <sys/ipc.h>
#include <sys/types.h> /* pid_t, size_t, time_t */

#ifdef __cplusplus
extern "C" {
#endif

/* Permission bits for shmget (glibc's names for S_IRUSR and S_IWUSR). */
#define SHM_R 0400
#define SHM_W 0200

/* shmat flags. */
#define SHM_RDONLY 010000 /* attach read-only (else read-write) */
#define SHM_RND 020000    /* round the attach address down to SHMLBA */
#define SHM_REMAP 040000  /* replace what is mapped at the address (Linux) */
#define SHM_EXEC 0100000  /* executable too (Linux) */

/* shmctl commands, besides IPC_RMID, IPC_SET, IPC_STAT and IPC_INFO of <sys/ipc.h>. */
#define SHM_LOCK 11     /* keep the memory resident (Linux) */
#define SHM_UNLOCK 12   /* undo SHM_LOCK (Linux) */
#define SHM_STAT 13     /* IPC_STAT of the segment at index shmid; returns its id (Linux) */
#define SHM_INFO 14     /* usage counts, into a struct shm_info (Linux) */
#define SHM_STAT_ANY 15 /* SHM_STAT without the read permission check (Linux) */

/* shm_perm.mode bits (Linux). */
#define SHM_DEST 01000   /* removed while attached: freed at the last detach */
#define SHM_LOCKED 02000 /* locked with SHM_LOCK */

/* Attach addresses are multiples of this (the page size). */
#define SHMLBA 4096

/* shmat's failure value. */
#define SHM_FAILED ((void *)-1)

typedef unsigned long shmatt_t; /* a count of attachments */

/* A segment's state: 112 bytes. */
struct shmid_ds {
	struct ipc_perm shm_perm;        /* offset   0: mode also has SHM_DEST, SHM_LOCKED */
	size_t shm_segsz;                /* offset  48: the size asked for, in bytes */
	time_t shm_atime;                /* offset  56: last shmat */
	time_t shm_dtime;                /* offset  64: last shmdt */
	time_t shm_ctime;                /* offset  72: last change */
	pid_t shm_cpid;                  /* offset  80: creator */
	pid_t shm_lpid;                  /* offset  84: last shmat or shmdt */
	shmatt_t shm_nattch;             /* offset  88: current attachments */
	unsigned long __glibc_reserved5; /* offset  96 */
	unsigned long __glibc_reserved6; /* offset 104 */
};

/* Limits (IPC_INFO; pass it cast to struct shmid_ds *): 72 bytes. */
struct shminfo {
	unsigned long shmmax; /* largest segment in bytes */
	unsigned long shmmin; /* smallest segment in bytes */
	unsigned long shmmni; /* most segments */
	unsigned long shmseg; /* most attachments per process */
	unsigned long shmall; /* most pages in all segments */
	unsigned long __glibc_reserved1;
	unsigned long __glibc_reserved2;
	unsigned long __glibc_reserved3;
	unsigned long __glibc_reserved4;
};

/* Usage (SHM_INFO; pass it cast to struct shmid_ds *): 48 bytes. */
struct shm_info {
	int used_ids;          /* segments in use */
	unsigned long shm_tot; /* pages in all segments */
	unsigned long shm_rss; /* pages with memory behind them */
	unsigned long shm_swp; /* pages swapped out */
	unsigned long swap_attempts;
	unsigned long swap_successes;
};

/* The id of the segment for KEY (created with IPC_CREAT, SIZE bytes), or a new segment for
 * IPC_PRIVATE. */
int shmget(key_t key, size_t size, int shmflg);
/* Attaches segment SHMID where the kernel chooses (SHMADDR NULL) or at SHMADDR; returns the
 * address, or SHM_FAILED. */
void *shmat(int shmid, const void *shmaddr, int shmflg);
/* Detaches the attachment that starts at SHMADDR. */
int shmdt(const void *shmaddr);
/* Command CMD on segment SHMID; BUF is a struct shmid_ds * (a struct shminfo * or
 * struct shm_info *, cast, for IPC_INFO and SHM_INFO). */
int shmctl(int shmid, int cmd, struct shmid_ds *buf);

#ifdef __cplusplus
}
#endif

#if !defined(__cplusplus) && defined(__x86_64__)
_Static_assert(sizeof(struct shmid_ds) == 112, "struct shmid_ds: Linux x86_64 layout");
_Static_assert(sizeof(struct shminfo) == 72, "struct shminfo: Linux x86_64 layout");
_Static_assert(sizeof(struct shm_info) == 48, "struct shm_info: Linux x86_64 layout");
#if defined(__GNUC__)
_Static_assert(__builtin_offsetof(struct shmid_ds, shm_segsz) == 48, "shmid_ds.shm_segsz");
_Static_assert(__builtin_offsetof(struct shmid_ds, shm_cpid) == 80, "shmid_ds.shm_cpid");
_Static_assert(__builtin_offsetof(struct shmid_ds, shm_nattch) == 88, "shmid_ds.shm_nattch");
_Static_assert(__builtin_offsetof(struct shm_info, shm_tot) == 8, "shm_info.shm_tot");
#endif
#endif

#endif /* _SYS_SHM_H */
