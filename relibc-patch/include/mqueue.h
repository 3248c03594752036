/* mqueue.h: POSIX message queues (kestrel guest sysroot).
 *
 * ABI: Linux x86_64 layouts, as glibc defines them: mqd_t is an int (a queue descriptor is
 * an ordinary descriptor: close, dup, fork, poll and fcntl work on it), struct mq_attr is
 * four longs and four reserved ones (64 bytes), and struct sigevent is <signal.h>'s
 * (Linux's 64 bytes, with SIGEV_SIGNAL, SIGEV_NONE and SIGEV_THREAD).
 *
 * The open flags are <fcntl.h>'s: this C runtime's values (O_CREAT, O_EXCL, O_NONBLOCK,
 * O_CLOEXEC, O_RDONLY, O_WRONLY, O_RDWR), which the library translates to the Linux values
 * the kernel's mq scheme takes; mq_attr.mq_flags holds <fcntl.h>'s O_NONBLOCK too.
 *
 * As in glibc, the header brings <fcntl.h>, <sys/types.h>, <signal.h> and <time.h> (struct
 * timespec for the timed calls). mq_open is declared variadic, as in C: the mode (mode_t)
 * and the struct mq_attr * follow only with O_CREAT. The library defines it with two
 * fixed extra parameters, which the x86_64 calling convention passes in the same
 * registers (see the Rust module's documentation).
 *
 * Written to match relibc-patch/src/header/mqueue/mod.rs, whose host tests compile this
 * file and compare every value and offset with the Rust definitions and with glibc's.
 * The functions are in libkestrel_relibc.a; SIGEV_THREAD notices need the runtime's
 * threads (libc.a).
 */
#ifndef _MQUEUE_H
#define _MQUEUE_H

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h> /* mode_t, size_t, ssize_t */
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A message queue descriptor. */
typedef int mqd_t;

/* A queue's attributes: 64 bytes. */
struct mq_attr {
	long mq_flags;   /* offset  0: O_NONBLOCK or 0 (mq_getattr, mq_setattr) */
	long mq_maxmsg;  /* offset  8: most messages (mq_open with O_CREAT) */
	long mq_msgsize; /* offset 16: longest message in bytes (mq_open with O_CREAT) */
	long mq_curmsgs; /* offset 24: messages queued (mq_getattr) */
	long __pad[4];   /* offset 32 */
};

/* A descriptor of the queue NAME ("/NAME"); with O_CREAT, also a mode_t and a
 * struct mq_attr * (NULL: the defaults). */
mqd_t mq_open(const char *name, int oflag, ...);
/* Closes the descriptor (and drops its notification registration). */
int mq_close(mqd_t mqdes);
/* Removes the name; the queue lives until its last descriptor closes. */
int mq_unlink(const char *name);
/* Adds a message of MSG_LEN bytes with priority MSG_PRIO (below 32768). */
int mq_send(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio);
/* mq_send, waiting at most until the absolute CLOCK_REALTIME time ABS_TIMEOUT. */
int mq_timedsend(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio,
		 const struct timespec *abs_timeout);
/* Takes the oldest highest-priority message; returns its length. */
ssize_t mq_receive(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio);
/* mq_receive, waiting at most until the absolute CLOCK_REALTIME time ABS_TIMEOUT. */
ssize_t mq_timedreceive(mqd_t mqdes, char *__restrict msg_ptr, size_t msg_len, unsigned int *__restrict msg_prio,
			const struct timespec *__restrict abs_timeout);
/* The queue's attributes and the descriptor's O_NONBLOCK. */
int mq_getattr(mqd_t mqdes, struct mq_attr *mqstat);
/* Sets the descriptor's O_NONBLOCK from MQSTAT->mq_flags; the previous attributes go to
 * OMQSTAT unless it is NULL. */
int mq_setattr(mqd_t mqdes, const struct mq_attr *__restrict mqstat, struct mq_attr *__restrict omqstat);
/* Registers for one notice when a message arrives on the empty queue (NULL: unregisters). */
int mq_notify(mqd_t mqdes, const struct sigevent *notification);

#ifdef __cplusplus
}
#endif

#if !defined(__cplusplus) && defined(__x86_64__)
_Static_assert(sizeof(struct mq_attr) == 64, "struct mq_attr: Linux x86_64 layout");
_Static_assert(sizeof(struct sigevent) == 64, "struct sigevent: Linux x86_64 layout");
#if defined(__GNUC__)
_Static_assert(__builtin_offsetof(struct mq_attr, mq_curmsgs) == 24, "mq_attr.mq_curmsgs");
_Static_assert(__builtin_offsetof(struct sigevent, sigev_notify_function) == 16, "sigevent.sigev_notify_function");
_Static_assert(__builtin_offsetof(struct sigevent, sigev_notify_attributes) == 24,
	       "sigevent.sigev_notify_attributes");
#endif
#endif

#endif /* _MQUEUE_H */
