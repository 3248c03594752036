#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "test_helpers.h"

int main(void)
{
    // A blocking timer on an absolute CLOCK_MONOTONIC deadline 30 ms ahead.
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    ERROR_IF(timerfd_create, fd, == -1);

    struct timespec now;
    int status = clock_gettime(CLOCK_MONOTONIC, &now);
    ERROR_IF(clock_gettime, status, == -1);
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value = now;
    its.it_value.tv_nsec += 30 * 1000 * 1000;
    if (its.it_value.tv_nsec >= 1000 * 1000 * 1000) {
        its.it_value.tv_sec += 1;
        its.it_value.tv_nsec -= 1000 * 1000 * 1000;
    }
    status = timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
    ERROR_IF(timerfd_settime, status, == -1);

    uint64_t count = 0;
    ssize_t len = read(fd, &count, sizeof(count));
    ERROR_IF(read, len, == -1);
    struct timespec after;
    status = clock_gettime(CLOCK_MONOTONIC, &after);
    ERROR_IF(clock_gettime, status, == -1);
    int late = after.tv_sec > its.it_value.tv_sec ||
               (after.tv_sec == its.it_value.tv_sec && after.tv_nsec >= its.it_value.tv_nsec);
    printf("blocking read: %zd bytes, count %llu, not before the deadline: %s\n", len,
           (unsigned long long)count, late ? "yes" : "no");

    // A deadline already past: one expiry at once; old_value reports the disarmed timer.
    struct itimerspec old;
    status = timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, &old);
    ERROR_IF(timerfd_settime, status, == -1);
    printf("old_value: %ld.%09ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec);
    len = read(fd, &count, sizeof(count));
    ERROR_IF(read, len, == -1);
    printf("a past deadline: count %llu\n", (unsigned long long)count);

    // A buffer under 8 bytes.
    char small[4];
    errno = 0;
    len = read(fd, small, sizeof(small));
    UNEXP_IF(read, len, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    status = close(fd);
    ERROR_IF(close, status, == -1);

    return 0;
}
