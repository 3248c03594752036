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
 * message queues (<mqueue.h>): it builds with glibc (`gcc -static -O2 -Wall -Wextra`) and
 * with kestrel's `kestrel-cc`. A row is one function registered in `rows[]` below; it
 * sets up, times only its loop with
 * CLOCK_MONOTONIC, and cleans up (every semaphore set, message queue and shared memory
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

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
/* A row that this build cannot measure: it reports which header was missing. */
#define UNAVAILABLE_ROW(row, header)                   \
    static double row(long iters)                      \
    {                                                  \
        (void)iters;                                   \
        errno = 0;                                     \
        return fail("built without <" header ">");     \
    }

#ifndef IPCBENCH_NO_SEM
#include <sys/sem.h>
#endif
#ifndef IPCBENCH_NO_SHM
#include <sys/shm.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if !defined(IPCBENCH_NO_MQ) && defined(__has_include)
#if __has_include(<mqueue.h>)
#define IPCBENCH_HAVE_MQ 1
#include <fcntl.h>
#include <mqueue.h>
#endif
#endif

#if !defined(IPCBENCH_NO_FD) && defined(__has_include)
#if __has_include(<sys/eventfd.h>) && __has_include(<sys/timerfd.h>)
#define IPCBENCH_HAVE_FD 1
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#endif
#endif

/* Repetitions of each row; the median is reported. */
#define REPS 7

/* Why the current row failed: the call and its errno. */
static const char *failed_call;
static int failed_errno;

/* Records a failed call; returns the negative value a row returns on failure. */
static double fail(const char *call)
{
    failed_call = call;
    failed_errno = errno;
    return -1.0;
}

/* Nanoseconds on CLOCK_MONOTONIC (the macro: its value differs between libcs). */
static long long now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return -1;
    }
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Nanoseconds per operation between two now_ns() readings. */
static double per_op(long long start, long long end, long ops)
{
    if (start < 0 || end < 0) {
        return fail("clock_gettime");
    }
    return (double)(end - start) / (double)ops;
}

/* Waits for a row's child and returns `result`; fail() if waitpid fails, or if the row
 * has succeeded so far (`result` >= 0) but the child did not exit with status 0. */
static double reap(pid_t child, double result)
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

#ifndef IPCBENCH_NO_SEM

/* The fourth argument of semctl, which the program must declare itself (POSIX). Named
 * differently from `union semun` in case a libc declares that one. */
union bench_semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

/* A private semaphore set of `nsems` semaphores, all 0; -1 on failure. */
static int new_set(int nsems)
{
    union bench_semun arg;
    int id = semget(IPC_PRIVATE, nsems, IPC_CREAT | 0600);
    if (id < 0) {
        fail("semget");
        return -1;
    }
    arg.val = 0;
    for (int i = 0; i < nsems; i++) {
        if (semctl(id, i, SETVAL, arg) != 0) {
            fail("semctl(SETVAL)");
            semctl(id, 0, IPC_RMID);
            return -1;
        }
    }
    return id;
}

/* One semop call of `delta` on semaphore `num`. */
static int sem_add(int id, unsigned short num, short delta)
{
    struct sembuf op;
    op.sem_num = num;
    op.sem_op = delta;
    op.sem_flg = 0;
    return semop(id, &op, 1);
}

/* semop_uncontended: semop +1 then -1 on a private set nobody waits on; per semop call. */
static double row_semop_uncontended(long iters)
{
    int id = new_set(1);
    if (id < 0) {
        return -1.0;
    }
    double result;
    long long start = now_ns();
    for (long i = 0; i < iters; i++) {
        if (sem_add(id, 0, 1) != 0 || sem_add(id, 0, -1) != 0) {
            result = fail("semop");
            goto out;
        }
    }
    result = per_op(start, now_ns(), 2 * iters);
out:
    semctl(id, 0, IPC_RMID);
    return result;
}

/* sem_pingpong: the parent posts semaphore 0 and waits on 1, the child waits on 0 and
 * posts 1; the time of one round trip. One untimed round first lets the child start. */
static double row_sem_pingpong(long iters)
{
    int id = new_set(2);
    if (id < 0) {
        return -1.0;
    }
    pid_t child = fork();
    if (child < 0) {
        semctl(id, 0, IPC_RMID);
        return fail("fork");
    }
    if (child == 0) {
        for (long i = 0; i <= iters; i++) {
            if (sem_add(id, 0, -1) != 0 || sem_add(id, 1, 1) != 0) {
                /* Removing the set wakes the parent with EIDRM. */
                semctl(id, 0, IPC_RMID);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = -1.0;
    int failed = 0;
    long long start = -1;
    for (long i = 0; i <= iters && !failed; i++) {
        if (i == 1) {
            start = now_ns();
        }
        if (sem_add(id, 0, 1) != 0 || sem_add(id, 1, -1) != 0) {
            result = fail("semop");
            kill(child, SIGKILL);
            failed = 1;
        }
    }
    if (!failed) {
        result = per_op(start, now_ns(), iters);
    }
    result = reap(child, result);
    semctl(id, 0, IPC_RMID);
    return result;
}

#else /* IPCBENCH_NO_SEM */

UNAVAILABLE_ROW(row_semop_uncontended, "sys/sem.h")

UNAVAILABLE_ROW(row_sem_pingpong, "sys/sem.h")

#endif /* IPCBENCH_NO_SEM */

/* Message text sizes of the two message queue rows. */
#define PINGPONG_BYTES 64
#define THROUGHPUT_BYTES 1024

/* A message: its type, then the text (at most THROUGHPUT_BYTES). */
struct bench_msg {
    long mtype;
    char mtext[THROUGHPUT_BYTES];
};

/* A private message queue; -1 on failure. */
static int new_queue(void)
{
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (id < 0) {
        fail("msgget");
    }
    return id;
}

/* msg_pingpong: one queue; the parent sends a 64-byte message of type 1 and receives one
 * of type 2, the child receives type 1 and answers with type 2; the time of one round
 * trip. One untimed round first lets the child start. */
static double row_msg_pingpong(long iters)
{
    static struct bench_msg m;
    memset(&m, 'p', sizeof m);
    int id = new_queue();
    if (id < 0) {
        return -1.0;
    }
    pid_t child = fork();
    if (child < 0) {
        msgctl(id, IPC_RMID, NULL);
        return fail("fork");
    }
    if (child == 0) {
        for (long i = 0; i <= iters; i++) {
            if (msgrcv(id, &m, PINGPONG_BYTES, 1, 0) != PINGPONG_BYTES) {
                /* Removing the queue wakes the parent with EIDRM. */
                msgctl(id, IPC_RMID, NULL);
                _exit(1);
            }
            m.mtype = 2;
            if (msgsnd(id, &m, PINGPONG_BYTES, 0) != 0) {
                msgctl(id, IPC_RMID, NULL);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = -1.0;
    int failed = 0;
    long long start = -1;
    for (long i = 0; i <= iters && !failed; i++) {
        if (i == 1) {
            start = now_ns();
        }
        m.mtype = 1;
        if (msgsnd(id, &m, PINGPONG_BYTES, 0) != 0) {
            result = fail("msgsnd");
            failed = 1;
        } else if (msgrcv(id, &m, PINGPONG_BYTES, 2, 0) != PINGPONG_BYTES) {
            result = fail("msgrcv");
            failed = 1;
        }
        if (failed) {
            kill(child, SIGKILL);
        }
    }
    if (!failed) {
        result = per_op(start, now_ns(), iters);
    }
    result = reap(child, result);
    msgctl(id, IPC_RMID, NULL);
    return result;
}

/* msg_throughput: the child sends `iters` 1 KiB messages of type 1 to one queue as fast
 * as the queue takes them (a full queue blocks it), the parent receives them; timed from
 * the parent's go message (type 2, empty), which the child waits for before it starts,
 * to the last message received. The time per message; `rows[]` turns it into MB/s. */
static double row_msg_throughput(long iters)
{
    static struct bench_msg m;
    memset(&m, 't', sizeof m);
    int id = new_queue();
    if (id < 0) {
        return -1.0;
    }
    pid_t child = fork();
    if (child < 0) {
        msgctl(id, IPC_RMID, NULL);
        return fail("fork");
    }
    if (child == 0) {
        if (msgrcv(id, &m, THROUGHPUT_BYTES, 2, 0) != 0) {
            msgctl(id, IPC_RMID, NULL);
            _exit(1);
        }
        m.mtype = 1;
        for (long i = 0; i < iters; i++) {
            if (msgsnd(id, &m, THROUGHPUT_BYTES, 0) != 0) {
                msgctl(id, IPC_RMID, NULL);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = -1.0;
    long long start = now_ns();
    m.mtype = 2;
    if (msgsnd(id, &m, 0, 0) != 0) {
        result = fail("msgsnd");
    } else {
        long i = 0;
        while (i < iters && msgrcv(id, &m, THROUGHPUT_BYTES, 1, 0) == THROUGHPUT_BYTES) {
            i++;
        }
        result = i == iters ? per_op(start, now_ns(), iters) : fail("msgrcv");
    }
    if (result < 0) {
        kill(child, SIGKILL);
    }
    result = reap(child, result);
    msgctl(id, IPC_RMID, NULL);
    return result;
}

#ifdef IPCBENCH_HAVE_MQ

/* Messages a POSIX queue of the benchmark holds (Linux's default and unprivileged limit). */
#define MQ_MAXMSG 10

/* A new queue for messages of `msgsize` bytes, named after the process and `tag` and
 * unlinked at once (the descriptors keep it, and fork hands them to the child);
 * (mqd_t)-1 on failure. */
static mqd_t new_mq(const char *tag, long msgsize)
{
    char name[64];
    struct mq_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.mq_maxmsg = MQ_MAXMSG;
    attr.mq_msgsize = msgsize;
    snprintf(name, sizeof name, "/ipcbench.%ld.%s", (long)getpid(), tag);
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    if (q == (mqd_t)-1) {
        fail("mq_open");
        return q;
    }
    if (mq_unlink(name) != 0) {
        fail("mq_unlink");
        mq_close(q);
        return (mqd_t)-1;
    }
    return q;
}

/* mq_pingpong: two queues of 64-byte messages; the parent sends a message to the first
 * and receives one from the second, the child receives from the first and answers on the
 * second; the time of one round trip. One untimed round first lets the child start. A
 * child that fails sends an empty message to the second queue, so that the parent does
 * not wait for ever (a POSIX queue cannot be removed from under a sleeper). */
static double row_mq_pingpong(long iters)
{
    static char m[PINGPONG_BYTES];
    memset(m, 'p', sizeof m);
    mqd_t ping = new_mq("ping", PINGPONG_BYTES);
    if (ping == (mqd_t)-1) {
        return -1.0;
    }
    mqd_t pong = new_mq("pong", PINGPONG_BYTES);
    if (pong == (mqd_t)-1) {
        mq_close(ping);
        return -1.0;
    }
    pid_t child = fork();
    if (child < 0) {
        mq_close(ping);
        mq_close(pong);
        return fail("fork");
    }
    if (child == 0) {
        for (long i = 0; i <= iters; i++) {
            if (mq_receive(ping, m, PINGPONG_BYTES, NULL) != PINGPONG_BYTES ||
                mq_send(pong, m, PINGPONG_BYTES, 0) != 0) {
                mq_send(pong, m, 0, 0);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = -1.0;
    int failed = 0;
    long long start = -1;
    for (long i = 0; i <= iters && !failed; i++) {
        if (i == 1) {
            start = now_ns();
        }
        if (mq_send(ping, m, PINGPONG_BYTES, 0) != 0) {
            result = fail("mq_send");
            failed = 1;
        } else if (mq_receive(pong, m, PINGPONG_BYTES, NULL) != PINGPONG_BYTES) {
            result = fail("mq_receive");
            failed = 1;
        }
        if (failed) {
            kill(child, SIGKILL);
        }
    }
    if (!failed) {
        result = per_op(start, now_ns(), iters);
    }
    result = reap(child, result);
    mq_close(ping);
    mq_close(pong);
    return result;
}

/* mq_throughput: the child sends `iters` 1 KiB messages to one queue as fast as the queue
 * takes them (a full queue blocks it), the parent receives them; timed from the parent's
 * go message (empty, on a second queue), which the child waits for before it starts, to
 * the last message received: msg_throughput's definition. The time per message; `rows[]`
 * turns it into MB/s. A child that fails sends an empty message to the data queue. */
static double row_mq_throughput(long iters)
{
    static char m[THROUGHPUT_BYTES];
    memset(m, 't', sizeof m);
    mqd_t data = new_mq("data", THROUGHPUT_BYTES);
    if (data == (mqd_t)-1) {
        return -1.0;
    }
    mqd_t go = new_mq("go", THROUGHPUT_BYTES);
    if (go == (mqd_t)-1) {
        mq_close(data);
        return -1.0;
    }
    pid_t child = fork();
    if (child < 0) {
        mq_close(data);
        mq_close(go);
        return fail("fork");
    }
    if (child == 0) {
        if (mq_receive(go, m, THROUGHPUT_BYTES, NULL) != 0) {
            mq_send(data, m, 0, 0);
            _exit(1);
        }
        for (long i = 0; i < iters; i++) {
            if (mq_send(data, m, THROUGHPUT_BYTES, 0) != 0) {
                mq_send(data, m, 0, 0);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = -1.0;
    long long start = now_ns();
    if (mq_send(go, m, 0, 0) != 0) {
        result = fail("mq_send");
    } else {
        long i = 0;
        while (i < iters && mq_receive(data, m, THROUGHPUT_BYTES, NULL) == THROUGHPUT_BYTES) {
            i++;
        }
        result = i == iters ? per_op(start, now_ns(), iters) : fail("mq_receive");
    }
    if (result < 0) {
        kill(child, SIGKILL);
    }
    result = reap(child, result);
    mq_close(data);
    mq_close(go);
    return result;
}

#else /* IPCBENCH_HAVE_MQ */

UNAVAILABLE_ROW(row_mq_pingpong, "mqueue.h")

UNAVAILABLE_ROW(row_mq_throughput, "mqueue.h")

#endif /* IPCBENCH_HAVE_MQ */

#ifdef IPCBENCH_HAVE_FD

/* timerfd_arm_read: arm a monotonic timer that is due at once (1 ns from now) and read
 * its count; per iteration. */
static double row_timerfd_arm_read(long iters)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    if (fd < 0) {
        return fail("timerfd_create");
    }
    struct itimerspec due = {{0, 0}, {0, 1}};
    uint64_t count;
    double result = -1.0;
    long long start = now_ns();
    long i;
    for (i = 0; i < iters; i++) {
        if (timerfd_settime(fd, 0, &due, NULL) != 0) {
            result = fail("timerfd_settime");
            break;
        }
        if (read(fd, &count, sizeof count) != sizeof count || count != 1) {
            result = fail("read");
            break;
        }
    }
    if (i == iters) {
        result = per_op(start, now_ns(), iters);
    }
    close(fd);
    return result;
}

/* eventfd_pingpong: two eventfds between two processes; the parent writes the first and
 * reads the second, the child reads the first and writes the second; the time of one
 * round trip. */
static double row_eventfd_pingpong(long iters)
{
    int ping = eventfd(0, 0), pong = eventfd(0, 0);
    if (ping < 0 || pong < 0) {
        return fail("eventfd");
    }
    pid_t child = fork();
    if (child < 0) {
        close(ping);
        close(pong);
        return fail("fork");
    }
    if (child == 0) {
        for (long i = 0; i <= iters; i++) {
            eventfd_t v;
            if (eventfd_read(ping, &v) != 0 || eventfd_write(pong, 1) != 0) {
                eventfd_write(pong, 1);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = -1.0;
    long long start = -1;
    long i;
    for (i = 0; i <= iters; i++) {
        if (i == 1) {
            start = now_ns();
        }
        eventfd_t v;
        if (eventfd_write(ping, 1) != 0) {
            result = fail("eventfd_write");
            break;
        }
        if (eventfd_read(pong, &v) != 0) {
            result = fail("eventfd_read");
            break;
        }
    }
    if (i > iters) {
        result = per_op(start, now_ns(), iters);
    }
    result = reap(child, result);
    close(ping);
    close(pong);
    return result;
}

/* epoll_wait_ready: epoll_wait with no timeout on a set holding one eventfd that stays
 * readable (level-triggered); per call, which must report it. */
static double row_epoll_wait_ready(long iters)
{
    int efd = eventfd(1, 0), ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data = {.u64 = 42}};
    if (efd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) != 0) {
        double result = fail(efd < 0 ? "eventfd" : ep < 0 ? "epoll_create1" : "epoll_ctl");
        close(efd);
        close(ep);
        return result;
    }
    double result = -1.0;
    long long start = now_ns();
    long i;
    for (i = 0; i < iters; i++) {
        struct epoll_event out;
        if (epoll_wait(ep, &out, 1, 0) != 1 || out.data.u64 != 42 || !(out.events & EPOLLIN)) {
            result = fail("epoll_wait");
            break;
        }
    }
    if (i == iters) {
        result = per_op(start, now_ns(), iters);
    }
    close(ep);
    close(efd);
    return result;
}

#else /* IPCBENCH_HAVE_FD */

UNAVAILABLE_ROW(row_timerfd_arm_read, "sys/timerfd.h")

UNAVAILABLE_ROW(row_eventfd_pingpong, "sys/eventfd.h")

UNAVAILABLE_ROW(row_epoll_wait_ready, "sys/eventfd.h")

#endif /* IPCBENCH_HAVE_FD */

#ifndef IPCBENCH_NO_SHM

/* A private shared memory segment of one page; -1 on failure. */
static int new_segment(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) {
        fail("shmget");
    }
    return id;
}

/* shm_attach_detach: shmat of a one-page segment where the kernel chooses, a write to
 * its page, shmdt; per iteration. The segment's page exists from the first touch on (an
 * untimed one), so the loop measures the mapping, not the page's allocation. */
static double row_shm_attach_detach(long iters)
{
    int id = new_segment();
    if (id < 0) {
        return -1.0;
    }
    double result = -1.0;
    volatile char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        fail("shmat");
    } else {
        p[0] = 1;
        if (shmdt((const void *)p) != 0) {
            fail("shmdt");
        } else {
            long long start = now_ns();
            long i = 0;
            for (; i < iters; i++) {
                p = shmat(id, NULL, 0);
                if (p == (void *)-1) {
                    fail("shmat");
                    break;
                }
                p[i % 4096] = (char)i;
                if (shmdt((const void *)p) != 0) {
                    fail("shmdt");
                    break;
                }
            }
            if (i == iters) {
                result = per_op(start, now_ns(), iters);
            }
        }
    }
    shmctl(id, IPC_RMID, NULL);
    return result;
}

#ifndef IPCBENCH_NO_SEM

/* shm_pingpong: a shared page and a semaphore pair; the parent writes a number to the
 * page and posts semaphore 0, the child waits on 0, checks the number and writes the
 * next one, and posts 1, on which the parent waits and checks it; the time of one round
 * trip. One untimed round first lets the child start. */
static double row_shm_pingpong(long iters)
{
    int id = new_segment();
    if (id < 0) {
        return -1.0;
    }
    volatile long *page = shmat(id, NULL, 0);
    /* Removed now: the attachments keep it until the parent and the child detach. */
    shmctl(id, IPC_RMID, NULL);
    if (page == (void *)-1) {
        return fail("shmat");
    }
    int sems = new_set(2);
    if (sems < 0) {
        shmdt((const void *)page);
        return -1.0;
    }
    pid_t child = fork();
    if (child < 0) {
        semctl(sems, 0, IPC_RMID);
        shmdt((const void *)page);
        return fail("fork");
    }
    if (child == 0) {
        for (long i = 0; i <= iters; i++) {
            if (sem_add(sems, 0, -1) != 0 || page[0] != 2 * i) {
                /* Removing the set wakes the parent with EIDRM. */
                semctl(sems, 0, IPC_RMID);
                _exit(1);
            }
            page[0] = 2 * i + 1;
            if (sem_add(sems, 1, 1) != 0) {
                semctl(sems, 0, IPC_RMID);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = -1.0;
    int failed = 0;
    long long start = -1;
    for (long i = 0; i <= iters && !failed; i++) {
        if (i == 1) {
            start = now_ns();
        }
        page[0] = 2 * i;
        if (sem_add(sems, 0, 1) != 0 || sem_add(sems, 1, -1) != 0) {
            result = fail("semop");
            failed = 1;
        } else if (page[0] != 2 * i + 1) {
            errno = 0;
            result = fail("the child's number");
            failed = 1;
        }
        if (failed) {
            kill(child, SIGKILL);
        }
    }
    if (!failed) {
        result = per_op(start, now_ns(), iters);
    }
    result = reap(child, result);
    semctl(sems, 0, IPC_RMID);
    shmdt((const void *)page);
    return result;
}

#else /* IPCBENCH_NO_SEM */

UNAVAILABLE_ROW(row_shm_pingpong, "sys/sem.h")

#endif /* IPCBENCH_NO_SEM */

#else /* IPCBENCH_NO_SHM */

UNAVAILABLE_ROW(row_shm_attach_detach, "sys/shm.h")

UNAVAILABLE_ROW(row_shm_pingpong, "sys/shm.h")

#endif /* IPCBENCH_NO_SHM */

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
