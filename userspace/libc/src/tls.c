/* tls.c: thread-local storage for statically linked programs (the x86_64 ELF TLS ABI,
 * variant II).
 *
 * The program's PT_TLS segment is the image of one TLS block: p_filesz bytes of
 * initialised data (.tdata) followed by zeros up to p_memsz (.tbss). The linker resolves
 * every __thread variable to a fixed negative offset from the thread pointer (%fs), with
 * the block ending round_up(p_memsz, p_align) bytes above its start, right where the
 * thread control block (struct __pthread) begins. Each thread gets its own block and
 * TCB: the main thread in a mapping made here at start-up, every other thread at the
 * top of its stack mapping (pthread.c). The kernel switches the FS base with the thread.
 *
 * This runs before anything touches errno (which lives in the TLS block), so it uses
 * raw system calls and ends the process with ud2 if they fail. */
#include <string.h>

#include "thread.h"

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHNUM 5
#define PT_TLS 7

/* The ELF64 header and program header, the fields used here. */
typedef struct {
	unsigned char e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} elf_header;

typedef struct {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} elf_phdr;

static const char *tls_image;
static size_t tls_filesz;
/* Bytes between a block's start and the thread pointer: round_up(p_memsz, p_align),
 * the linker's choice. */
static size_t tls_offset;
/* The thread pointer's alignment: p_align, and at least the TCB's. */
static size_t tls_align = 16;

/* The program headers when the loader gives no AT_PHDR: the ELF header is mapped. */
extern const elf_header __ehdr_start __attribute__((weak));

static size_t round_up(size_t n, size_t align)
{
	return (n + align - 1) & ~(align - 1);
}

static __attribute__((__noreturn__)) void die(void)
{
	for (;;)
		__asm__ volatile("ud2");
}

long __kestrel_proc_raw(const uint64_t *meta, size_t nmeta)
{
	int fd = __kestrel_proc_fd();
	if (fd < 0)
		return -1;
	return __kestrel_syscall5(KESTREL_SYS_CALL, (unsigned long)fd, 0, 0, nmeta, (unsigned long)meta);
}

size_t __kestrel_tls_size(void)
{
	return tls_offset + sizeof(struct __pthread) + tls_align;
}

struct __pthread *__kestrel_tls_place(char *base, size_t len)
{
	uintptr_t end = (uintptr_t)base + len;
	uintptr_t tp = (end - sizeof(struct __pthread)) & ~(uintptr_t)(tls_align - 1);
	char *block = (char *)(tp - tls_offset);
	memcpy(block, tls_image, tls_filesz);
	memset(block + tls_filesz, 0, tls_offset - tls_filesz);
	struct __pthread *self = (struct __pthread *)tp;
	memset(self, 0, sizeof *self);
	self->self = self;
	self->robust.next = &self->robust;
	self->robust.futex_offset =
		(long)__builtin_offsetof(pthread_mutex_t, __lock) - (long)__builtin_offsetof(pthread_mutex_t, __next);
	return self;
}

/* The main thread's TLS block and control block, when they fit. */
static char main_tls[8192] __attribute__((aligned(4096)));

void __kestrel_tls_init(unsigned long *auxv)
{
	const elf_phdr *phdr = NULL;
	size_t phnum = 0;
	for (; auxv[0] != AT_NULL; auxv += 2) {
		if (auxv[0] == AT_PHDR)
			phdr = (const elf_phdr *)auxv[1];
		else if (auxv[0] == AT_PHNUM)
			phnum = auxv[1];
	}
	if (!phdr && &__ehdr_start) {
		phdr = (const elf_phdr *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
		phnum = __ehdr_start.e_phnum;
	}
	for (size_t i = 0; phdr && i < phnum; i++) {
		if (phdr[i].p_type != PT_TLS)
			continue;
		size_t align = phdr[i].p_align ? phdr[i].p_align : 1;
		tls_image = (const char *)phdr[i].p_vaddr;
		tls_filesz = phdr[i].p_filesz;
		tls_offset = round_up(phdr[i].p_memsz, align);
		if (align > tls_align)
			tls_align = align;
	}
	/* The main thread's block lives in the program's own data when it fits (it nearly
	 * always does): a mapping of its own would cost every fork and exit page tables to
	 * copy and free. */
	size_t len = round_up(__kestrel_tls_size(), 4096);
	long base;
	if (__kestrel_tls_size() <= sizeof main_tls) {
		base = (long)main_tls;
		len = sizeof main_tls;
	} else {
		struct kestrel_map map = {0, len, KESTREL_PROT_READ | KESTREL_PROT_WRITE, 0};
		map.flags |= KESTREL_MAP_PRIVATE;
		base = __kestrel_syscall3(KESTREL_SYS_FMAP, KESTREL_ANONYMOUS, (unsigned long)&map, sizeof map);
		if (base < 0 && base > -4096)
			die();
	}
	struct __pthread *self = __kestrel_tls_place((char *)base, len);
	uint64_t meta[2] = {KESTREL_PROC_SET_FS_BASE, (uint64_t)self};
	if (__kestrel_proc_raw(meta, 2) < 0)
		die();
	self->state = THREAD_JOINABLE;
	self->exit_word = 1;
	__kestrel_thread_register(self);
}
