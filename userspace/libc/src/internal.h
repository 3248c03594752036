/* internal.h: what the runtime's source files share and programs do not see. */
#ifndef _KESTREL_INTERNAL_H
#define _KESTREL_INTERNAL_H

#include <kestrel/syscall.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <sys/types.h>

#define hidden __attribute__((__visibility__("hidden")))

/* A stream. The buffer holds either pending output (wpos bytes) or unread input
 * (rpos..rend), never both. */
struct __kestrel_file {
	int fd;
	int mode;  /* _IOFBF, _IOLBF or _IONBF */
	int flags; /* F_* below */
	unsigned char *buf;
	size_t cap;
	size_t wpos;
	size_t rpos, rend;
	struct __kestrel_file *next; /* the list of open streams */
	unsigned char ungot;	     /* the character ungetc gave back, if F_UNGOT */
	volatile uint32_t lock;	     /* flockfile's: 0 free, 1 held, 2 slept on */
	int lock_owner, lock_count;  /* the holder's tid, its recursion depth */
};

#define F_READ 1
#define F_WRITE 2
#define F_EOF 4
#define F_ERR 8
#define F_OWNBUF 16 /* buf came from malloc */
#define F_STATIC 32 /* stdin, stdout, stderr: never freed */
#define F_UNGOT 64  /* `ungot` is the next character to read */
#define F_FORK_HELD 128 /* locked by fork, to be unlocked after it */

/* Flushes every open output stream (exit, fork, exec). */
hidden void __kestrel_flush_all(void);
/* Writes out f's pending output (stdio.c); 0, or EOF on an error. */
hidden int __kestrel_flush_out(FILE *f);
/* The bodies of ungetc and getdelim without the stream's lock (stdio_read.c). */
hidden int __kestrel_ungetc_unlocked(int c, FILE *f);
hidden ssize_t __kestrel_getdelim_unlocked(char **restrict line, size_t *restrict cap, int delim, FILE *restrict f);

/* Output for the formatter: `put` receives each piece of the result in order. */
struct __kestrel_sink {
	void (*put)(struct __kestrel_sink *sink, const char *s, size_t n);
};

/* Formats per `fmt`; returns the length of the result (-1 with EOVERFLOW if it exceeds
 * INT_MAX, EINVAL for a malformed format). */
hidden int __kestrel_vformat(struct __kestrel_sink *sink, const char *fmt, va_list ap);

/* Writes all of buf to fd, retrying short writes and EINTR; 0 or -1 with errno. */
hidden int __kestrel_write_all(int fd, const void *buf, size_t n);

/* The kernel path of PATH (the working directory applied, /tmp and /etc mapped) in OUT,
 * which holds PATH_MAX bytes; 0, or -1 with errno. */
hidden int __kestrel_path(const char *path, char *out);

/* The exec payload: path\0arg0\0...\0\0env0\0...\0 (kestrel_abi::proc::SpawnArgs), in
 * memory from malloc. A bare name becomes /scheme/initfs/NAME. Returns its length, or
 * -1 with errno set (E2BIG for an empty argument string, which it cannot carry). */
hidden long __kestrel_spawn_payload(const char *path, char *const argv[], char *const envp[], char **out);

/* The restorer of every handler (sigrestore.S). */
hidden void __kestrel_sigrestore(void);

/* The kernel's event queues (/scheme/event; poll.c, epoll.c). */
/* CLOCK_MONOTONIC in nanoseconds. */
hidden long long __kestrel_monotonic_ns(void);
/* SYS_FEVENT: fd's readiness among `flags`; *bad is set if fd is not open. */
hidden unsigned long __kestrel_fevent(int fd, unsigned long flags, int *bad);
/* Writes n registrations to queue (flags 0 removes one); 0 or -1 with errno. */
hidden int __kestrel_event_register(int queue, const struct kestrel_event *events, size_t n);
/* Sleeps until a registration of queue is ready or the CLOCK_MONOTONIC deadline_ns
 * passes (never if negative); 0, or -1 with errno (EINTR). */
hidden int __kestrel_event_wait(int queue, long long deadline_ns);
/* The signal mask of ppoll/pselect/epoll_pwait: sets `mask` (if not NULL) saving the old
 * one; *interrupted is set if a pending signal with a handler is unblocked by it. */
hidden int __kestrel_wait_begin(const sigset_t *mask, sigset_t *old, int *interrupted);
hidden void __kestrel_wait_end(const sigset_t *mask, const sigset_t *old);

/* Called by close and dup2 with the descriptor about to be closed (set by epoll, which
 * forgets its registrations), or NULL. */
extern hidden void (*__kestrel_close_hook)(int fd);
/* close and dup2: the proc descriptor `fd` is gone if the runtime held it (syscall.c). */
hidden void __kestrel_proc_fd_released(int fd);

extern char **environ;

#endif /* _KESTREL_INTERNAL_H */
