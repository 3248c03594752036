/* sys/ipc.h: what the System V IPC calls share (kestrel guest sysroot).
 *
 * ABI: Linux x86_64 values and struct layout, as glibc 2.31 and later define them and as
 * the Linux kernel's struct ipc64_perm lays out the bytes. kestrel's IPC schemes speak
 * this ABI, so programs ported from Linux work unchanged. Upstream relibc's 28-byte
 * struct ipc_perm is a different ABI; relibc-patch/relibc.patch replaces it with this one.
 *
 * Written to match relibc-patch/src/header/sys_ipc/mod.rs, whose host tests compile this
 * file and compare every value and offset with the Rust definitions and with glibc's.
 * The functions are in libkestrel_relibc.a.
 */
#ifndef _SYS_IPC_H
#define _SYS_IPC_H

#include <sys/types.h> /* uid_t, gid_t, mode_t, key_t */

/* key_t (int) belongs to sys/types.h; define it if that one does not. */
#ifndef __key_t_defined
typedef int key_t;
#define __key_t_defined
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of msgget, semget, shmget and of the operations. */
#define IPC_CREAT 01000  /* create the object if the key has none */
#define IPC_EXCL 02000   /* with IPC_CREAT: EEXIST if the key has one */
#define IPC_NOWAIT 04000 /* fail (EAGAIN, ENOMSG) instead of waiting */

/* Commands of msgctl, semctl, shmctl. */
#define IPC_RMID 0 /* remove the object */
#define IPC_SET 1  /* set uid, gid and mode & 0777 */
#define IPC_STAT 2 /* read the object's state */
#define IPC_INFO 3 /* system-wide limits (Linux) */

/* The key that always creates a new object. */
#define IPC_PRIVATE ((key_t)0)

/* Owner, creator and access mode of an object: 48 bytes. */
struct ipc_perm {
	key_t __key;        /* offset  0: the key it was created with */
	uid_t uid;          /* offset  4: owner */
	gid_t gid;          /* offset  8 */
	uid_t cuid;         /* offset 12: creator */
	gid_t cgid;         /* offset 16 */
	mode_t mode;        /* offset 20: access bits (low 9) and object flags */
	unsigned short __seq; /* offset 24: slot sequence number */
	unsigned short __pad2;
	/* 4 bytes of padding */
	unsigned long __glibc_reserved1; /* offset 32 */
	unsigned long __glibc_reserved2; /* offset 40 */
};

/* A key naming the existing file PATH and the project ID (low 8 bits): from the file's
 * inode (low 16 bits) and device (low 8 bits), as on Linux. -1 with errno on failure. */
key_t ftok(const char *path, int id);

#ifdef __cplusplus
}
#endif

#if !defined(__cplusplus) && defined(__x86_64__)
_Static_assert(sizeof(struct ipc_perm) == 48, "struct ipc_perm: Linux x86_64 layout");
#if defined(__GNUC__)
_Static_assert(__builtin_offsetof(struct ipc_perm, mode) == 20, "ipc_perm.mode");
_Static_assert(__builtin_offsetof(struct ipc_perm, __seq) == 24, "ipc_perm.__seq");
_Static_assert(__builtin_offsetof(struct ipc_perm, __glibc_reserved1) == 32, "ipc_perm reserved");
#endif
#endif

#endif /* _SYS_IPC_H */
