/*
 * ipcbench: the IPC micro-benchmark run on kestrel and on Linux (`just bench`).
 *
 * usage: ipcbench [ITER_SCALE]
 *
 * ITER_SCALE is a percentage of each row's base iteration count (default 100, chosen so
 * that one repetition takes roughly 100-300 ms under QEMU's software emulation); a small
 * value such as 1 makes a quick smoke run. Each row runs REPS repetitions and prints
 *
 *     NAME VALUE ns
 *
 * with the median time per operation in nanoseconds, or, for a throughput row,
 *
 *     NAME VALUE MB/s
 *
 * with the median rate in megabytes (10^6 bytes of message text) per second; or
 * `NAME FAIL CALL errno=N` when a call failed (`NAME FAIL WHY` without an errno). The
 * output starts with `# ipcbench start`, then `# rows: NAME...` lists the rows, and it
 * ends with `# ipcbench done`; lines starting with `#` are comments.
 *
 * Under `qemu -icount shift=0` (`just bench --icount`) the guest clock advances one
 * nanosecond per executed instruction: "ns" then reads "instructions", and "MB/s" reads
 * "MB per 10^9 instructions".
 *
 * Portable POSIX C with System V IPC (<sys/sem.h>, <sys/msg.h>, <sys/shm.h>) and POSIX
 * message queues (<mqueue.h>): it builds with glibc (`gcc -static -O2 -Wall -Wextra
 * ipcbench.c rows_*.c`) and with kestrel's `kestrel-cc`. This file has main, the timing
 * and the two rows that need no IPC (null_syscall, fork_wait); the other rows are in
 * rows_sysv.c (System V), rows_mq.c (POSIX message queues) and rows_fd.c (timerfd,
 * eventfd, epoll), declared in ipcbench.h. A row is one function registered in `rows[]`
 * below; it sets up, times only its loop with CLOCK_MONOTONIC, and cleans up (every semaphore set, message queue and shared memory
 * segment it creates is removed before it returns; a POSIX queue is unlinked as soon as
 * it is open, and goes with its last descriptor).
 *
 * Built with -DIPCBENCH_NO_SEM (for a libc without <sys/sem.h> yet), the rows that need
 * semaphores (the semaphore rows and shm_pingpong) report FAIL instead of running; built
 * with -DIPCBENCH_NO_SHM (without <sys/shm.h>), the shared memory rows do. The POSIX
 * message queue rows need <mqueue.h>: without it (found with __has_include, or
 * -DIPCBENCH_NO_MQ) they report FAIL. glibc has had mq_* in libc itself since 2.34 (no
 * -lrt). The timerfd and eventfd rows need <sys/timerfd.h> and <sys/eventfd.h> (without
 * them, or with -DIPCBENCH_NO_FD, they report FAIL).
 */

#include "ipcbench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Repetitions of each row; the median is reported. */
#define REPS 7

/* Why the current row failed: the call and its errno. */
static const char *failed_call;
static int failed_errno;

double fail(const char *call)
{
    failed_call = call;
    failed_errno = errno;
    return -1.0;
}

/* The macro CLOCK_MONOTONIC, not a number: its value differs between libcs. */
long long now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return -1;
    }
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

double per_op(long long start, long long end, long ops)
{
    if (start < 0 || end < 0) {
        return fail("clock_gettime");
    }
    return (double)(end - start) / (double)ops;
}

double reap(pid_t child, double result)
{
    int status;
    if (waitpid(child, &status, 0) != child) {
        return fail("waitpid");
    }
    if (result >= 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        errno = 0;
        return fail("child");
    }
    return result;
}

double pingpong_rounds(pid_t child, long iters, double (*round)(void *ctx, long i), void *ctx)
{
    double result = 0;
    long long start = -1;
    for (long i = 0; i <= iters && result >= 0; i++) {
        if (i == 1) {
            start = now_ns();
        }
        result = round(ctx, i);
    }
    if (result >= 0) {
        result = per_op(start, now_ns(), iters);
    } else {
        kill(child, SIGKILL);
    }
    return reap(child, result);
}

/* null_syscall: a getppid round trip. */
static double row_null_syscall(long iters)
{
    volatile long sink = 0;
    long long start = now_ns();
    for (long i = 0; i < iters; i++) {
        sink += getppid();
    }
    long long end = now_ns();
    (void)sink;
    return per_op(start, end, iters);
}

/* fork_wait: fork a child that calls _exit(0) at once, and waitpid for it. */
static double row_fork_wait(long iters)
{
    long long start = now_ns();
    for (long i = 0; i < iters; i++) {
        pid_t child = fork();
        if (child < 0) {
            return fail("fork");
        }
        if (child == 0) {
            _exit(0);
        }
        int status;
        if (waitpid(child, &status, 0) != child) {
            return fail("waitpid");
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            errno = 0;
            return fail("child");
        }
    }
    return per_op(start, now_ns(), iters);
}

/* One row of the table: its name, its iterations per repetition at ITER_SCALE 100, the
 * function that runs one repetition and returns nanoseconds per operation (negative
 * after fail()), and for a throughput row the bytes one operation moves (the row is then
 * reported in MB/s; 0: in ns per operation). */
struct row {
    const char *name;
    long iters;
    double (*run)(long iters);
    long bytes;
};

static const struct row rows[] = {
    {"null_syscall", 200000, row_null_syscall, 0},
    {"semop_uncontended", 50000, row_semop_uncontended, 0},
    {"sem_pingpong", 2000, row_sem_pingpong, 0},
    {"fork_wait", 150, row_fork_wait, 0},
    {"msg_pingpong", 2000, row_msg_pingpong, 0},
    {"msg_throughput", 3000, row_msg_throughput, THROUGHPUT_BYTES},
    {"mq_pingpong", 2000, row_mq_pingpong, 0},
    {"mq_throughput", 3000, row_mq_throughput, THROUGHPUT_BYTES},
    {"shm_attach_detach", 2500, row_shm_attach_detach, 0},
    {"shm_pingpong", 2000, row_shm_pingpong, 0},
    {"timerfd_arm_read", 20000, row_timerfd_arm_read, 0},
    {"eventfd_pingpong", 2000, row_eventfd_pingpong, 0},
    {"epoll_wait_ready", 20000, row_epoll_wait_ready, 0},
};

#define NROWS ((int)(sizeof rows / sizeof rows[0]))

/* Sorts a few values in place. */
static void sort(double *v, int n)
{
    for (int i = 1; i < n; i++) {
        double x = v[i];
        int j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* The iteration count of a row at `scale` percent, at least 1. */
static long scaled(long iters, long scale)
{
    long n = iters / 100 * scale + iters % 100 * scale / 100;
    return n > 0 ? n : 1;
}

int main(int argc, char **argv)
{
    long scale = 100;
    /* The last argument: Linux may hand init further words of its command line. */
    if (argc > 1) {
        char *end;
        scale = strtol(argv[argc - 1], &end, 10);
        if (*argv[argc - 1] == '\0' || *end != '\0' || scale <= 0) {
            fprintf(stderr, "usage: ipcbench [ITER_SCALE]\n");
            return 2;
        }
    }
    printf("# ipcbench start\n");
    printf("# scale %ld%%, %d repetitions, median ns per operation (throughput rows: MB/s)\n", scale,
           REPS);
    printf("# rows:");
    for (int r = 0; r < NROWS; r++) {
        printf(" %s", rows[r].name);
    }
    printf("\n");
    fflush(stdout);
    int failures = 0;
    for (int r = 0; r < NROWS; r++) {
        const struct row *row = &rows[r];
        long iters = scaled(row->iters, scale);
        double times[REPS];
        int ok = 1;
        for (int rep = 0; rep < REPS && ok; rep++) {
            failed_call = "?";
            failed_errno = 0;
            times[rep] = row->run(iters);
            ok = times[rep] >= 0;
        }
        if (ok) {
            /* The median time; for a throughput row, its rate (the median rate, since
             * REPS is odd and the rate falls as the time grows). */
            sort(times, REPS);
            double median = times[REPS / 2];
            if (row->bytes > 0) {
                printf("%s %.1f MB/s\n", row->name, (double)row->bytes * 1000.0 / median);
            } else {
                printf("%s %.1f ns\n", row->name, median);
            }
        } else {
            if (failed_errno != 0) {
                printf("%s FAIL %s errno=%d\n", row->name, failed_call, failed_errno);
            } else {
                printf("%s FAIL %s\n", row->name, failed_call);
            }
            failures++;
        }
        fflush(stdout);
    }
    printf("# ipcbench done\n");
    fflush(stdout);
    return failures ? 1 : 0;
}
