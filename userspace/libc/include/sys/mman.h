/* sys/mman.h (kestrel guest C runtime).
 *
 * ABI: Linux x86_64 values for PROT_* and MAP_*; mmap() translates them to the kernel's
 * (Redox) MapFlags. Anonymous memory is MAP_PRIVATE (copied for a fork child) or
 * MAP_SHARED (the child shares it), optionally with MAP_FIXED or MAP_FIXED_NOREPLACE
 * (EEXIST if the range is in use). A descriptor is mapped from a page-aligned offset:
 * a POSIX shared memory object (shm_open) MAP_SHARED; descriptors that cannot be mapped
 * fail with ENODEV (EBADF for a bad descriptor). MAP_NORESERVE, MAP_POPULATE and
 * MAP_STACK are accepted and change nothing: memory is always mapped eagerly.
 *
 * shm_open names are "/NAME" (NAME: 1 to NAME_MAX bytes, no '/', not "." or ".."); the
 * object is /scheme/shm/NAME, served by the kernel's shm scheme. The permission bits of
 * MODE are <sys/stat.h>'s S_I*. */
#ifndef _SYS_MMAN_H
#define _SYS_MMAN_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000

#define MAP_FAILED ((void *)-1)

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
int shm_open(const char *name, int oflag, mode_t mode);

/* memfd_create's flags (Linux's values). */
#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#define MFD_HUGETLB 0x0004U
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
int memfd_create(const char *name, unsigned int flags);
int shm_unlink(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_MMAN_H */
