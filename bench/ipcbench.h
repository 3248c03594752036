/*
 * ipcbench.h: what the benchmark's files share. bench/ipcbench.c has main, the timing
 * and the table of rows; the rows of each facility are in a file of their own
 * (rows_sysv.c: System V semaphores, message queues and shared memory; rows_mq.c: POSIX
 * message queues; rows_fd.c: timerfd, eventfd and epoll).
 *
 * A row runs one repetition of `iters` operations and returns the nanoseconds per
 * operation, or a negative value after fail(). A row this build cannot measure (its
 * header is missing, or -DIPCBENCH_NO_* says so) is an UNAVAILABLE_ROW, which reports
 * FAIL.
 */
#ifndef IPCBENCH_H
#define IPCBENCH_H

#include <errno.h>
#include <sys/types.h>

/* POSIX message queues: <mqueue.h>, unless -DIPCBENCH_NO_MQ. */
#if !defined(IPCBENCH_NO_MQ) && defined(__has_include)
#if __has_include(<mqueue.h>)
#define IPCBENCH_HAVE_MQ 1
#endif
#endif

/* timerfd, eventfd and epoll: <sys/timerfd.h> and <sys/eventfd.h>, unless -DIPCBENCH_NO_FD. */
#if !defined(IPCBENCH_NO_FD) && defined(__has_include)
#if __has_include(<sys/eventfd.h>) && __has_include(<sys/timerfd.h>)
#define IPCBENCH_HAVE_FD 1
#endif
#endif

/* Message text sizes of the message queue rows (System V and POSIX). */
#define PINGPONG_BYTES 64
#define THROUGHPUT_BYTES 1024

/* Records a failed call; returns the negative value a row returns on failure. */
double fail(const char *call);

/* Nanoseconds on CLOCK_MONOTONIC; -1 if the clock cannot be read. */
long long now_ns(void);

/* Nanoseconds per operation between two now_ns() readings. */
double per_op(long long start, long long end, long ops);

/* Waits for a row's child and returns `result`; fail() if waitpid fails, or if the row
 * has succeeded so far (`result` >= 0) but the child did not exit with status 0. */
double reap(pid_t child, double result);

/* The parent's side of a ping-pong row whose child runs: `round(ctx, i)` for i = 0 to
 * iters, the first untimed (the child starts meanwhile). A round returns 0, or fail()'s
 * negative value, after which the child is killed. Reaps the child (see reap()); returns
 * the time per timed round, or the failure. */
double pingpong_rounds(pid_t child, long iters, double (*round)(void *ctx, long i), void *ctx);

/* A row that this build cannot measure: it reports which header was missing. */
#define UNAVAILABLE_ROW(row, header)                   \
    double row(long iters)                             \
    {                                                  \
        (void)iters;                                   \
        errno = 0;                                     \
        return fail("built without <" header ">");     \
    }

/* rows_sysv.c */
double row_semop_uncontended(long iters);
double row_sem_pingpong(long iters);
double row_msg_pingpong(long iters);
double row_msg_throughput(long iters);
double row_shm_attach_detach(long iters);
double row_shm_pingpong(long iters);

/* rows_mq.c */
double row_mq_pingpong(long iters);
double row_mq_throughput(long iters);

/* rows_fd.c */
double row_timerfd_arm_read(long iters);
double row_eventfd_pingpong(long iters);
double row_epoll_wait_ready(long iters);

#endif /* IPCBENCH_H */
