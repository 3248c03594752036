/* thread.h: what the thread, lock and TLS sources share (the runtime's private side of
 * pthread.h).
 *
 * Every thread's FS base points at its struct __pthread, the thread control block: its
 * first word is its own address (%fs:0, which the x86_64 TLS ABI requires), and the
 * thread's copy of the program's TLS block sits just below it (variant II). */
#ifndef _KESTREL_THREAD_H
#define _KESTREL_THREAD_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "internal.h"

/* Linux's lock word bits, which the kernel's robust list walk uses. */
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

/* Linux's struct robust_list_head (PROC_SET_ROBUST_LIST). */
struct robust_head {
	void *next; /* the first held robust mutex's link, or this head */
	long futex_offset; /* from a link to its mutex's lock word */
	void *pending;	   /* the link of a mutex being locked or unlocked */
};

/* A thread's life: joinable until it ends (EXITED) or is detached. */
enum { THREAD_JOINABLE, THREAD_DETACHED, THREAD_EXITED };

struct __pthread {
	struct __pthread *self; /* %fs:0 */
	int tid;
	/* 1 while the thread runs; the kernel stores 0 and wakes a joiner when it has
	 * ended (its clear_tid word), after which its stack may be unmapped. */
	volatile uint32_t exit_word;
	int state; /* THREAD_*, changed atomically */
	void *(*start)(void *);
	void *arg;
	sigset_t start_mask; /* the creator's mask, which the new thread takes once set up */
	void *result;
	void *map;	/* the mapping holding stack, TLS and this block (0: main thread) */
	size_t map_len;
	struct __pthread *next_dead; /* the list of detached threads to unmap */
	struct robust_head robust;
	struct {
		unsigned seq;
		void *value;
	} specific[PTHREAD_KEYS_MAX];
};

static inline struct __pthread *__kestrel_self(void)
{
	struct __pthread *self;
	__asm__("mov %%fs:0, %0" : "=r"(self));
	return self;
}

/* tls.c: the main thread's TCB from the ELF's PT_TLS segment (auxv: the words after
 * envp's NULL); a new thread's TLS block and TCB at the top of [base, base + len). */
hidden void __kestrel_tls_init(unsigned long *auxv);
hidden struct __pthread *__kestrel_tls_place(char *base, size_t len);
hidden size_t __kestrel_tls_size(void); /* bytes __kestrel_tls_place needs at most */

/* A proc call that does not touch errno (a negated errno on failure), for code that
 * runs before its thread's TLS is set up. */
hidden long __kestrel_proc_raw(const uint64_t *meta, size_t nmeta);
/* Registers the calling thread's robust list and sets self->tid. */
hidden void __kestrel_thread_register(struct __pthread *self);

/* Futexes: 0 or a negated errno (ETIMEDOUT, EINTR, EAGAIN). */
hidden int __kestrel_futex_wait(volatile uint32_t *word, uint32_t expected, const struct timespec *rel);
hidden void __kestrel_futex_wake(volatile uint32_t *word, int count);
/* The time left until `abs` on `clock` in `rel`: 0, ETIMEDOUT if it passed, EINVAL for
 * a bad abs. */
hidden int __kestrel_time_left(clockid_t clock, const struct timespec *abs, struct timespec *rel);

/* The runtime's own locks (malloc, stdio): 0 free, 1 held, 2 held with sleepers. */
hidden void __kestrel_lock(volatile uint32_t *lock);
hidden void __kestrel_unlock(volatile uint32_t *lock);

/* Key destructors at thread exit (pthread_key.c). */
hidden void __kestrel_run_key_destructors(struct __pthread *self);

/* fork: the atfork handlers and the runtime's locks around the proc call. */
hidden void __kestrel_fork_prepare(void);
hidden void __kestrel_fork_parent(void);
hidden void __kestrel_fork_child(void);
hidden void __kestrel_stdio_lock_all(void);
hidden void __kestrel_stdio_unlock_all(int child);
hidden void __kestrel_epoll_lock_all(void);
hidden void __kestrel_epoll_unlock_all(int child);
hidden void __kestrel_malloc_lock_all(void);
hidden void __kestrel_malloc_unlock_all(int child);

#endif /* _KESTREL_THREAD_H */
