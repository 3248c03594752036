#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_helpers.h"

static void add(int fd, uint64_t value)
{
    ssize_t len = write(fd, &value, sizeof(value));
    ERROR_IF(write, len, == -1);
}

static void take(int fd, const char *when)
{
    uint64_t value = 0;
    ssize_t len = read(fd, &value, sizeof(value));
    ERROR_IF(read, len, == -1);
    printf("%s: %zd bytes, %llu\n", when, len, (unsigned long long)value);
}

int main(void)
{
    int fd = eventfd(3, EFD_NONBLOCK);
    ERROR_IF(eventfd, fd, == -1);

    take(fd, "read of the initial value");

    uint64_t value;
    ssize_t len = read(fd, &value, sizeof(value));
    UNEXP_IF(read, len, != -1);
    UNEXP_IF(read, errno, != EAGAIN);
    printf("read of 0: EAGAIN\n");

    add(fd, 4);
    add(fd, 5);
    take(fd, "read after writes of 4 and 5");

    int status = eventfd_write(fd, 10);
    ERROR_IF(eventfd_write, status, == -1);
    eventfd_t got = 0;
    status = eventfd_read(fd, &got);
    ERROR_IF(eventfd_read, status, == -1);
    printf("eventfd_read after eventfd_write 10: %llu\n", (unsigned long long)got);

    // The one value a write may never add.
    value = 0xffffffffffffffffULL;
    errno = 0;
    len = write(fd, &value, sizeof(value));
    UNEXP_IF(write, len, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    // A buffer under 8 bytes.
    add(fd, 1);
    char small[4];
    errno = 0;
    len = read(fd, small, sizeof(small));
    UNEXP_IF(read, len, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);
    take(fd, "the counter is still");

    // A blocking reader and a writer in another process.
    int blocking = eventfd(0, 0);
    ERROR_IF(eventfd, blocking, == -1);
    fflush(stdout);
    pid_t pid = fork();
    ERROR_IF(fork, pid, == -1);
    if (pid == 0) {
        struct timespec pause = { 0, 20 * 1000 * 1000 };
        nanosleep(&pause, NULL);
        add(blocking, 7);
        _exit(EXIT_SUCCESS);
    }
    take(blocking, "blocking read of a child's write");
    int wstatus;
    pid_t waited = waitpid(pid, &wstatus, 0);
    ERROR_IF(waitpid, waited, == -1);
    UNEXP_IF(waitpid, wstatus, != 0);

    errno = 0;
    int bad = eventfd(0, 0x1000);
    UNEXP_IF(eventfd, bad, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    status = close(blocking);
    ERROR_IF(close, status, == -1);
    status = close(fd);
    ERROR_IF(close, status, == -1);

    return 0;
}
