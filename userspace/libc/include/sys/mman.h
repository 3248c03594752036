/* sys/mman.h (kestrel guest C runtime).
 *
 * ABI: Linux x86_64 values for PROT_* and MAP_*; mmap() translates them to the kernel's
 * (Redox) MapFlags. Only anonymous private memory exists: MAP_ANONYMOUS|MAP_PRIVATE,
 * optionally with MAP_FIXED or MAP_FIXED_NOREPLACE (EEXIST if the range is in use).
 * MAP_SHARED|MAP_ANONYMOUS fails with EOPNOTSUPP (no shared frames across fork yet); a
 * file mapping fails with ENODEV (or EBADF for a bad descriptor). MAP_NORESERVE,
 * MAP_POPULATE and MAP_STACK are accepted and change nothing: memory is always mapped
 * eagerly. */
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

#ifdef __cplusplus
}
#endif

#endif /* _SYS_MMAN_H */
