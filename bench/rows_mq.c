/*
 * The POSIX message queue rows of ipcbench (mq_pingpong, mq_throughput). A queue is
 * unlinked as soon as it is open, and goes with its last descriptor. Without <mqueue.h>
 * (or with -DIPCBENCH_NO_MQ) the rows report FAIL. glibc has had mq_* in libc itself
 * since 2.34 (no -lrt).
 */

#include "ipcbench.h"

#ifdef IPCBENCH_HAVE_MQ

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* mq_pingpong's queues and message, for the parent's rounds. */
struct mq_rounds {
    mqd_t ping, pong;
    char *m;
};

/* The parent's round of mq_pingpong: a message to the first queue, one from the second. */
static double mq_round(void *ctx, long i)
{
    (void)i;
    struct mq_rounds *r = ctx;
    if (mq_send(r->ping, r->m, PINGPONG_BYTES, 0) != 0) {
        return fail("mq_send");
    }
    return mq_receive(r->pong, r->m, PINGPONG_BYTES, NULL) != PINGPONG_BYTES ? fail("mq_receive") : 0;
}

/* mq_pingpong: two queues of 64-byte messages; the parent sends a message to the first
 * and receives one from the second, the child receives from the first and answers on the
 * second; the time of one round trip. One untimed round first lets the child start. A
 * child that fails sends an empty message to the second queue, so that the parent does
 * not wait for ever (a POSIX queue cannot be removed from under a sleeper). */
double row_mq_pingpong(long iters)
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
    struct mq_rounds rounds = {ping, pong, m};
    double result = pingpong_rounds(child, iters, mq_round, &rounds);
    mq_close(ping);
    mq_close(pong);
    return result;
}

/* mq_throughput: the child sends `iters` 1 KiB messages to one queue as fast as the queue
 * takes them (a full queue blocks it), the parent receives them; timed from the parent's
 * go message (empty, on a second queue), which the child waits for before it starts, to
 * the last message received: msg_throughput's definition. The time per message; `rows[]`
 * (ipcbench.c) turns it into MB/s. A child that fails sends an empty message to the data queue. */
double row_mq_throughput(long iters)
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
