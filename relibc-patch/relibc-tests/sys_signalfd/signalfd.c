#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "test_helpers.h"

static void read_one(int fd)
{
    struct signalfd_siginfo si;
    memset(&si, 0, sizeof(si));
    ssize_t len = read(fd, &si, sizeof(si));
    ERROR_IF(read, len, == -1);
    const char *name = si.ssi_signo == SIGUSR1 ? "SIGUSR1"
                     : si.ssi_signo == SIGUSR2 ? "SIGUSR2"
                                               : "other";
    printf("read: %zd bytes, ssi_signo %s, ssi_pid is this process: %s\n", len, name,
           si.ssi_pid == (unsigned int)getpid() ? "yes" : "no");
}

static void expect_eagain(int fd, const char *when)
{
    struct signalfd_siginfo si;
    ssize_t len = read(fd, &si, sizeof(si));
    UNEXP_IF(read, len, != -1);
    UNEXP_IF(read, errno, != EAGAIN);
    printf("read %s: EAGAIN\n", when);
}

int main(void)
{
    printf("sizeof(struct signalfd_siginfo): %zu\n", sizeof(struct signalfd_siginfo));

    // The signals are blocked so that they stay pending for the descriptor.
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    sigaddset(&blocked, SIGUSR2);
    int status = sigprocmask(SIG_BLOCK, &blocked, NULL);
    ERROR_IF(sigprocmask, status, == -1);

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    int fd = signalfd(-1, &mask, SFD_NONBLOCK);
    ERROR_IF(signalfd, fd, == -1);
    expect_eagain(fd, "with nothing pending");

    status = raise(SIGUSR1);
    ERROR_IF(raise, status, != 0);
    read_one(fd);
    expect_eagain(fd, "again");

    // A signal outside the mask stays pending until the mask takes it in.
    status = raise(SIGUSR2);
    ERROR_IF(raise, status, != 0);
    expect_eagain(fd, "with only SIGUSR2 pending");
    sigaddset(&mask, SIGUSR2);
    int same = signalfd(fd, &mask, 0);
    ERROR_IF(signalfd, same, == -1);
    printf("signalfd on the descriptor returns it: %s\n", same == fd ? "yes" : "no");
    read_one(fd);

    sigset_t pending;
    status = sigpending(&pending);
    ERROR_IF(sigpending, status, == -1);
    printf("still pending: SIGUSR1 %s, SIGUSR2 %s\n", sigismember(&pending, SIGUSR1) ? "yes" : "no",
           sigismember(&pending, SIGUSR2) ? "yes" : "no");

    errno = 0;
    int bad = signalfd(-1, &mask, 0x1000);
    UNEXP_IF(signalfd, bad, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    status = close(fd);
    ERROR_IF(close, status, == -1);

    return 0;
}
