#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "test_helpers.h"

static void print_attr(mqd_t mq, const char *when)
{
    struct mq_attr attr;
    int status = mq_getattr(mq, &attr);
    ERROR_IF(mq_getattr, status, == -1);
    printf("%s: mq_flags %s, mq_maxmsg %ld, mq_msgsize %ld, mq_curmsgs %ld\n", when,
           (attr.mq_flags & O_NONBLOCK) ? "O_NONBLOCK" : "0", attr.mq_maxmsg,
           attr.mq_msgsize, attr.mq_curmsgs);
}

static struct timespec in_50_ms(void)
{
    struct timespec deadline;
    int status = clock_gettime(CLOCK_REALTIME, &deadline);
    ERROR_IF(clock_gettime, status, == -1);
    deadline.tv_nsec += 50 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000 * 1000 * 1000) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000 * 1000 * 1000;
    }
    return deadline;
}

static void send(mqd_t mq, const char *text, unsigned int prio)
{
    int status = mq_send(mq, text, strlen(text), prio);
    ERROR_IF(mq_send, status, == -1);
}

int main(void)
{
    char name[64];
    snprintf(name, sizeof(name), "/relibc-test-mqueue-%d", (int)getpid());

    struct mq_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 32;
    mqd_t mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    ERROR_IF(mq_open, mq, == (mqd_t)-1);

    errno = 0;
    mqd_t twice = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    UNEXP_IF(mq_open, twice, != (mqd_t)-1);
    CHECK_AND_PRINT_ERRNO(EEXIST);

    send(mq, "low", 1);
    send(mq, "high", 9);
    send(mq, "middle", 5);
    send(mq, "middle again", 5);
    print_attr(mq, "after four sends");

    // Highest priority first, equal priorities in the order sent.
    for (int i = 0; i < 4; i++) {
        char buf[32];
        unsigned int prio;
        ssize_t len = mq_receive(mq, buf, sizeof(buf), &prio);
        ERROR_IF(mq_receive, len, == -1);
        printf("mq_receive: \"%.*s\", priority %u\n", (int)len, buf, prio);
    }

    // A buffer smaller than mq_msgsize.
    char small[8];
    send(mq, "x", 0);
    errno = 0;
    ssize_t len = mq_receive(mq, small, sizeof(small), NULL);
    UNEXP_IF(mq_receive, len, != -1);
    CHECK_AND_PRINT_ERRNO(EMSGSIZE);
    char buf[32];
    len = mq_receive(mq, buf, sizeof(buf), NULL);
    ERROR_IF(mq_receive, len, == -1);

    // O_NONBLOCK through mq_setattr: an empty queue gives EAGAIN.
    struct mq_attr nonblock, old;
    memset(&nonblock, 0, sizeof(nonblock));
    nonblock.mq_flags = O_NONBLOCK;
    int status = mq_setattr(mq, &nonblock, &old);
    ERROR_IF(mq_setattr, status, == -1);
    printf("mq_setattr: old mq_flags %s\n", (old.mq_flags & O_NONBLOCK) ? "O_NONBLOCK" : "0");
    print_attr(mq, "after mq_setattr O_NONBLOCK");
    len = mq_receive(mq, buf, sizeof(buf), NULL);
    UNEXP_IF(mq_receive, len, != -1);
    UNEXP_IF(mq_receive, errno, != EAGAIN);
    printf("mq_receive on an empty queue with O_NONBLOCK: EAGAIN\n");

    // A full queue: EAGAIN with O_NONBLOCK.
    for (int i = 0; i < 4; i++)
        send(mq, "filler", 0);
    status = mq_send(mq, "one too many", 12, 0);
    UNEXP_IF(mq_send, status, != -1);
    UNEXP_IF(mq_send, errno, != EAGAIN);
    printf("mq_send to a full queue with O_NONBLOCK: EAGAIN\n");

    // Blocking again: mq_timedsend and mq_timedreceive give up at the deadline.
    nonblock.mq_flags = 0;
    status = mq_setattr(mq, &nonblock, NULL);
    ERROR_IF(mq_setattr, status, == -1);
    struct timespec deadline = in_50_ms();
    errno = 0;
    status = mq_timedsend(mq, "one too many", 12, 0, &deadline);
    UNEXP_IF(mq_timedsend, status, != -1);
    CHECK_AND_PRINT_ERRNO(ETIMEDOUT);
    print_attr(mq, "full");
    for (int i = 0; i < 4; i++) {
        len = mq_receive(mq, buf, sizeof(buf), NULL);
        ERROR_IF(mq_receive, len, == -1);
    }

    deadline = in_50_ms();
    errno = 0;
    len = mq_timedreceive(mq, buf, sizeof(buf), NULL, &deadline);
    UNEXP_IF(mq_timedreceive, len, != -1);
    CHECK_AND_PRINT_ERRNO(ETIMEDOUT);

    status = mq_close(mq);
    ERROR_IF(mq_close, status, == -1);
    status = mq_unlink(name);
    ERROR_IF(mq_unlink, status, == -1);

    errno = 0;
    mq = mq_open(name, O_RDWR);
    UNEXP_IF(mq_open, mq, != (mqd_t)-1);
    CHECK_AND_PRINT_ERRNO(ENOENT);

    errno = 0;
    status = mq_unlink(name);
    UNEXP_IF(mq_unlink, status, != -1);
    CHECK_AND_PRINT_ERRNO(ENOENT);

    return 0;
}
