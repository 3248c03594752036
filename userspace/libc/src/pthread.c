/* pthread.c: creating, ending, joining and detaching threads, their attributes, and
 * fork's handlers.
 *
 * A thread made here lives in one anonymous mapping: a guard page (PROT_NONE), its
 * stack, then its TLS block and struct __pthread at the top (tls.c). The kernel stores 0
 * at the thread's exit_word and wakes a joiner once the thread has left user mode for
 * good; only then is the mapping unmapped: by pthread_join for a joinable thread, and,
 * for a detached one, by a later pthread_create that finds it on the dead list. The
 * main thread's block was mapped at start-up and is never unmapped.
 *
 * The thread id (pthread_t) is the address of the thread's struct __pthread. Functions
 * return an error number and leave errno alone, as POSIX has it. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "thread.h"

#define PAGE 4096UL
#define DEFAULT_STACK (1024UL * 1024)
#define ATFORK_SLOTS 32

/* Threads that have not called pthread_exit or returned, the main thread included: the
 * last one ends the process with exit(0), as POSIX asks. */
static uint32_t live_threads = 1;
/* Detached threads that have ended, whose mappings wait for their exit words to clear. */
static struct __pthread *dead_list;
static volatile uint32_t dead_lock;

hidden void __kestrel_thread_entry(void);

static size_t round_page(size_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

void __kestrel_thread_register(struct __pthread *self)
{
	__atomic_store_n(&self->tid, (int)__kestrel_syscall0(KESTREL_SYS_GETTID), __ATOMIC_RELEASE);
	uint64_t robust[3] = {KESTREL_PROC_SET_ROBUST_LIST, (uint64_t)&self->robust, sizeof self->robust};
	__kestrel_proc_raw(robust, 3);
}

/* Unmaps the mappings of detached threads that have ended. */
static void reap_dead(void)
{
	__kestrel_lock(&dead_lock);
	struct __pthread **link = &dead_list;
	while (*link) {
		struct __pthread *t = *link;
		if (__atomic_load_n(&t->exit_word, __ATOMIC_ACQUIRE) == 0) {
			*link = t->next_dead;
			__kestrel_syscall2(KESTREL_SYS_FUNMAP, (unsigned long)t->map, t->map_len);
		} else {
			link = &t->next_dead;
		}
	}
	__kestrel_unlock(&dead_lock);
}

static void add_dead(struct __pthread *t)
{
	__kestrel_lock(&dead_lock);
	t->next_dead = dead_list;
	dead_list = t;
	__kestrel_unlock(&dead_lock);
}

/* The first C code of a new thread (entered from thread_entry.S). Its FS base is still
 * its creator's, so nothing may touch TLS (errno included) before it is set. */
__attribute__((__noreturn__, __used__)) hidden void __kestrel_thread_main(struct __pthread *self)
{
	uint64_t meta[2] = {KESTREL_PROC_SET_FS_BASE, (uint64_t)self};
	if (__kestrel_proc_raw(meta, 2) < 0)
		for (;;)
			__asm__ volatile("ud2");
	__kestrel_thread_register(self);
	/* Signals were blocked until now, so no handler ran on the creator's TLS. */
	__kestrel_syscall3(KESTREL_SYS_SIGPROCMASK, SIG_SETMASK, (unsigned long)&self->start_mask, 0);
	pthread_exit(self->start(self->arg));
}

int pthread_create(pthread_t *restrict out, const pthread_attr_t *restrict attr, void *(*start)(void *),
		   void *restrict arg)
{
	pthread_attr_t def;
	if (!attr) {
		pthread_attr_init(&def);
		attr = &def;
	}
	reap_dead();
	int saved = errno;
	size_t tls = __kestrel_tls_size() + 16;
	size_t guard = attr->__stackaddr ? 0 : round_page(attr->__guardsize);
	size_t len = attr->__stackaddr ? round_page(tls) : guard + round_page(attr->__stacksize + tls);
	char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || (guard && mprotect(map, guard, PROT_NONE) < 0)) {
		if (map != MAP_FAILED)
			munmap(map, len);
		errno = saved;
		return EAGAIN;
	}
	struct __pthread *t = __kestrel_tls_place(map, len);
	t->map = map;
	t->map_len = len;
	t->start = start;
	t->arg = arg;
	t->exit_word = 1;
	t->state = attr->__detach == PTHREAD_CREATE_DETACHED ? THREAD_DETACHED : THREAD_JOINABLE;
	uintptr_t top = attr->__stackaddr ? (uintptr_t)attr->__stackaddr + attr->__stacksize
					  : (uintptr_t)t - __kestrel_tls_size();
	/* As glibc: the id is stored before the thread runs, so that it may read it. */
	*out = (pthread_t)t;
	__atomic_add_fetch(&live_threads, 1, __ATOMIC_RELAXED);
	struct kestrel_thread_args args = {(uint64_t)__kestrel_thread_entry, top & ~15UL, (uint64_t)t,
					   (uint64_t)&t->exit_word};
	uint64_t meta[1] = {KESTREL_PROC_THREAD_CREATE};
	/* The thread starts with every signal blocked (it inherits this mask) and takes
	 * start_mask once its FS base is its own. */
	sigset_t all = ~0UL, old;
	__kestrel_syscall3(KESTREL_SYS_SIGPROCMASK, SIG_SETMASK, (unsigned long)&all, (unsigned long)&old);
	t->start_mask = old;
	int fd = __kestrel_proc_fd();
	long tid = fd < 0 ? -1 : __kestrel_call(fd, &args, sizeof args, KESTREL_CALL_WRITE, meta, 1);
	__kestrel_syscall3(KESTREL_SYS_SIGPROCMASK, SIG_SETMASK, (unsigned long)&old, 0);
	if (tid < 0) {
		int e = errno;
		__atomic_sub_fetch(&live_threads, 1, __ATOMIC_RELAXED);
		munmap(map, len);
		errno = saved;
		return e == ENOMEM ? EAGAIN : e;
	}
	/* A detached thread may already be gone and unmapped: it sets its tid itself. */
	if (t->state == THREAD_JOINABLE) {
		int zero = 0;
		__atomic_compare_exchange_n(&t->tid, &zero, (int)tid, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	}
	return 0;
}

void pthread_exit(void *result)
{
	struct __pthread *self = __kestrel_self();
	self->result = result;
	__kestrel_run_key_destructors(self);
	if (__atomic_sub_fetch(&live_threads, 1, __ATOMIC_ACQ_REL) == 0)
		exit(0);
	int joinable = THREAD_JOINABLE;
	if (!__atomic_compare_exchange_n(&self->state, &joinable, THREAD_EXITED, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE) &&
	    self->map)
		add_dead(self);
	if (!self->map) {
		/* The main thread has no clear-tid word for the kernel to clear. */
		__atomic_store_n(&self->exit_word, 0, __ATOMIC_RELEASE);
		__kestrel_futex_wake(&self->exit_word, INT_MAX);
	}
	uint64_t meta[1] = {KESTREL_PROC_THREAD_EXIT};
	__kestrel_proc_raw(meta, 1);
	for (;;)
		__asm__ volatile("ud2");
}

int pthread_join(pthread_t thread, void **result)
{
	struct __pthread *t = (struct __pthread *)thread;
	if (t == __kestrel_self())
		return EDEADLK;
	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == THREAD_DETACHED)
		return EINVAL;
	for (;;) {
		uint32_t w = __atomic_load_n(&t->exit_word, __ATOMIC_ACQUIRE);
		if (w == 0)
			break;
		__kestrel_futex_wait(&t->exit_word, w, NULL);
	}
	if (result)
		*result = t->result;
	if (t->map)
		__kestrel_syscall2(KESTREL_SYS_FUNMAP, (unsigned long)t->map, t->map_len);
	return 0;
}

int pthread_detach(pthread_t thread)
{
	struct __pthread *t = (struct __pthread *)thread;
	int state = THREAD_JOINABLE;
	if (__atomic_compare_exchange_n(&t->state, &state, THREAD_DETACHED, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	if (state == THREAD_DETACHED)
		return EINVAL;
	/* It has ended joinable: nobody will join it, so it goes where detached ones do. */
	if (t->map)
		add_dead(t);
	return 0;
}

pthread_t pthread_self(void)
{
	return (pthread_t)__kestrel_self();
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

pid_t gettid(void)
{
	return __kestrel_self()->tid;
}

int pthread_attr_init(pthread_attr_t *attr)
{
	memset(attr, 0, sizeof *attr);
	attr->__stacksize = DEFAULT_STACK;
	attr->__guardsize = PAGE;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->__detach = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	*state = attr->__detach;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	if (size < PTHREAD_STACK_MIN)
		return EINVAL;
	attr->__stacksize = size;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *restrict attr, size_t *restrict size)
{
	*size = attr->__stacksize;
	return 0;
}

int pthread_attr_setguardsize(pthread_attr_t *attr, size_t size)
{
	attr->__guardsize = size;
	return 0;
}

int pthread_attr_getguardsize(const pthread_attr_t *restrict attr, size_t *restrict size)
{
	*size = attr->__guardsize;
	return 0;
}

int pthread_attr_setstack(pthread_attr_t *attr, void *addr, size_t size)
{
	if (size < PTHREAD_STACK_MIN)
		return EINVAL;
	attr->__stackaddr = addr;
	attr->__stacksize = size;
	return 0;
}

int pthread_attr_getstack(const pthread_attr_t *restrict attr, void **restrict addr, size_t *restrict size)
{
	*addr = attr->__stackaddr;
	*size = attr->__stacksize;
	return 0;
}

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
	/* 0: not run, 1: running, 2: done. No cancellation, so a runner always finishes. */
	volatile uint32_t *word = (volatile uint32_t *)once;
	for (;;) {
		uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		if (v == 2)
			return 0;
		if (v == 0) {
			if (!__atomic_compare_exchange_n(word, &v, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				continue;
			fn();
			__atomic_store_n(word, 2, __ATOMIC_RELEASE);
			__kestrel_futex_wake(word, INT_MAX);
			return 0;
		}
		__kestrel_futex_wait(word, 1, NULL);
	}
}

static struct {
	void (*prepare)(void), (*parent)(void), (*child)(void);
} atfork[ATFORK_SLOTS];
static int atfork_count;
static volatile uint32_t atfork_lock;

int pthread_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
	__kestrel_lock(&atfork_lock);
	int r = ENOMEM;
	if (atfork_count < ATFORK_SLOTS) {
		atfork[atfork_count].prepare = prepare;
		atfork[atfork_count].parent = parent;
		atfork[atfork_count].child = child;
		atfork_count++;
		r = 0;
	}
	__kestrel_unlock(&atfork_lock);
	return r;
}

/* fork: the prepare handlers in reverse order, then the runtime's locks are taken (in
 * their order: streams, the epoll table, the heap), so that no other thread holds one
 * when the address space is copied. */
void __kestrel_fork_prepare(void)
{
	__kestrel_lock(&atfork_lock);
	for (int i = atfork_count - 1; i >= 0; i--)
		if (atfork[i].prepare)
			atfork[i].prepare();
	__kestrel_stdio_lock_all();
	__kestrel_epoll_lock_all();
	__kestrel_malloc_lock_all();
}

void __kestrel_fork_parent(void)
{
	__kestrel_malloc_unlock_all(0);
	__kestrel_epoll_unlock_all(0);
	__kestrel_stdio_unlock_all(0);
	for (int i = 0; i < atfork_count; i++)
		if (atfork[i].parent)
			atfork[i].parent();
	__kestrel_unlock(&atfork_lock);
}

/* The child has only the thread that forked: it gets its new tid and robust list. */
void __kestrel_fork_child(void)
{
	struct __pthread *self = __kestrel_self();
	__kestrel_thread_register(self);
	live_threads = 1;
	dead_lock = 0;
	__kestrel_malloc_unlock_all(1);
	__kestrel_epoll_unlock_all(1);
	__kestrel_stdio_unlock_all(1);
	for (int i = 0; i < atfork_count; i++)
		if (atfork[i].child)
			atfork[i].child();
	atfork_lock = 0;
}

int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	int saved = errno;
	int r = sigprocmask(how, set, old) < 0 ? errno : 0;
	errno = saved;
	return r;
}

int pthread_kill(pthread_t thread, int signo)
{
	struct __pthread *t = (struct __pthread *)thread;
	if (signo < 0 || signo >= NSIG)
		return EINVAL;
	/* A detached thread sets its own tid as it starts. */
	int tid;
	while ((tid = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE)) == 0)
		__kestrel_syscall0(KESTREL_SYS_YIELD);
	uint64_t meta[3] = {KESTREL_PROC_TKILL, (uint64_t)tid, (uint64_t)signo};
	long r = __kestrel_proc_raw(meta, 3);
	return r < 0 ? (int)-r : 0;
}
