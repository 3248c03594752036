/* mman.c: mmap, munmap and mprotect over the kernel's fmap (anonymous memory, private or
 * shared, and descriptors such as shm_open's). The Linux PROT_* and MAP_* values of
 * sys/mman.h are translated to the kernel's MapFlags here. */
#include <errno.h>
#include <sys/mman.h>

#include "internal.h"

static unsigned long kernel_prot(int prot)
{
	unsigned long k = 0;
	if (prot & PROT_READ)
		k |= KESTREL_PROT_READ;
	if (prot & PROT_WRITE)
		k |= KESTREL_PROT_WRITE;
	if (prot & PROT_EXEC)
		k |= KESTREL_PROT_EXEC;
	return k;
}

#define PAGE_MASK 4095UL

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
	int type = flags & (MAP_SHARED | MAP_PRIVATE);
	if (len == 0 || type == 0 || type == (MAP_SHARED | MAP_PRIVATE) || (offset & (off_t)PAGE_MASK) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && ((unsigned long)addr & PAGE_MASK)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (len > (size_t)-1 - PAGE_MASK) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	struct kestrel_map map = {0, (len + PAGE_MASK) & ~PAGE_MASK, kernel_prot(prot), (uint64_t)addr};
	map.flags |= type == MAP_SHARED ? KESTREL_MAP_SHARED : KESTREL_MAP_PRIVATE;
	if (flags & MAP_FIXED_NOREPLACE)
		map.flags |= KESTREL_MAP_FIXED_NOREPLACE;
	else if (flags & MAP_FIXED)
		map.flags |= KESTREL_MAP_FIXED;
	unsigned long kfd;
	if (flags & MAP_ANONYMOUS) {
		kfd = KESTREL_ANONYMOUS; /* fd and offset mean nothing for anonymous memory */
	} else {
		if (fd < 0) {
			errno = EBADF;
			return MAP_FAILED;
		}
		kfd = (unsigned long)fd;
		map.offset = (uint64_t)offset;
	}
	long r = __kestrel_ret(__kestrel_syscall3(KESTREL_SYS_FMAP, kfd, (unsigned long)&map, sizeof map));
	return r < 0 ? MAP_FAILED : (void *)r;
}

int munmap(void *addr, size_t len)
{
	if (len == 0 || ((unsigned long)addr & PAGE_MASK)) {
		errno = EINVAL;
		return -1;
	}
	return (int)__kestrel_ret(__kestrel_syscall2(KESTREL_SYS_FUNMAP, (unsigned long)addr, len));
}

int mprotect(void *addr, size_t len, int prot)
{
	if (((unsigned long)addr & PAGE_MASK) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))) {
		errno = EINVAL;
		return -1;
	}
	return (int)__kestrel_ret(
		__kestrel_syscall3(KESTREL_SYS_MPROTECT, (unsigned long)addr, len, kernel_prot(prot)));
}
