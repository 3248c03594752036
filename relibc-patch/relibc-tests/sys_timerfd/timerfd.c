#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "test_helpers.h"

#define MS (1000 * 1000)

static void print_time(int fd, const char *when)
{
    struct itimerspec cur;
    int status = timerfd_gettime(fd, &cur);
    ERROR_IF(timerfd_gettime, status, == -1);
    long value_ns = cur.it_value.tv_sec * 1000L * MS + cur.it_value.tv_nsec;
    printf("%s: it_value %s, it_interval %ld.%09ld\n", when,
           value_ns == 0 ? "0" : value_ns <= 1000L * MS ? "in (0, 1 s]" : "above 1 s",
           (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
}

static void set(int fd, long value_ms, long interval_ms)
{
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_nsec = value_ms * MS;
    its.it_interval.tv_nsec = interval_ms * MS;
    int status = timerfd_settime(fd, 0, &its, NULL);
    ERROR_IF(timerfd_settime, status, == -1);
}

static void expect_eagain(int fd, const char *when)
{
    uint64_t count;
    ssize_t len = read(fd, &count, sizeof(count));
    UNEXP_IF(read, len, != -1);
    UNEXP_IF(read, errno, != EAGAIN);
    printf("read %s: EAGAIN\n", when);
}

static void wait_readable(int fd)
{
    struct pollfd pfd = { fd, POLLIN, 0 };
    int ready = poll(&pfd, 1, 5000);
    ERROR_IF(poll, ready, == -1);
    UNEXP_IF(poll, ready, != 1);
}

int main(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    ERROR_IF(timerfd_create, fd, == -1);
    print_time(fd, "new timer");
    expect_eagain(fd, "of a disarmed timer");

    // One shot.
    set(fd, 100, 0);
    print_time(fd, "armed for 100 ms");
    wait_readable(fd);
    uint64_t count = 0;
    ssize_t len = read(fd, &count, sizeof(count));
    ERROR_IF(read, len, == -1);
    printf("read after expiry: %zd bytes, count %llu\n", len, (unsigned long long)count);
    expect_eagain(fd, "again");
    print_time(fd, "after the one shot");

    // Periodic: at least one expiry per read.
    set(fd, 5, 5);
    print_time(fd, "armed every 5 ms");
    wait_readable(fd);
    len = read(fd, &count, sizeof(count));
    ERROR_IF(read, len, == -1);
    printf("periodic read: %zd bytes, count at least 1: %s\n", len, count >= 1 ? "yes" : "no");

    // Disarmed: nothing more.
    set(fd, 0, 0);
    print_time(fd, "disarmed");
    expect_eagain(fd, "after disarming");

    errno = 0;
    int bad = timerfd_create(CLOCK_MONOTONIC, 0x1234);
    UNEXP_IF(timerfd_create, bad, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    int status = close(fd);
    ERROR_IF(close, status, == -1);

    return 0;
}
