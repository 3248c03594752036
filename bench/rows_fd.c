/*
 * The descriptor rows of ipcbench: timerfd (timerfd_arm_read), eventfd
 * (eventfd_pingpong) and epoll (epoll_wait_ready). Without <sys/timerfd.h> and
 * <sys/eventfd.h> (or with -DIPCBENCH_NO_FD) they report FAIL.
 */

#include "ipcbench.h"

#ifdef IPCBENCH_HAVE_FD

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* timerfd_arm_read: arm a monotonic timer that is due at once (1 ns from now) and read
 * its count; per iteration. */
double row_timerfd_arm_read(long iters)
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

/* The parent's round of eventfd_pingpong on the eventfds `ctx` (ping, pong). */
static double eventfd_round(void *ctx, long i)
{
    (void)i;
    const int *fds = ctx;
    eventfd_t v;
    if (eventfd_write(fds[0], 1) != 0) {
        return fail("eventfd_write");
    }
    return eventfd_read(fds[1], &v) != 0 ? fail("eventfd_read") : 0;
}

/* eventfd_pingpong: two eventfds between two processes; the parent writes the first and
 * reads the second, the child reads the first and writes the second; the time of one
 * round trip. */
double row_eventfd_pingpong(long iters)
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
    int fds[2] = {ping, pong};
    double result = pingpong_rounds(child, iters, eventfd_round, fds);
    close(ping);
    close(pong);
    return result;
}

/* epoll_wait_ready: epoll_wait with no timeout on a set holding one eventfd that stays
 * readable (level-triggered); per call, which must report it. */
double row_epoll_wait_ready(long iters)
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
