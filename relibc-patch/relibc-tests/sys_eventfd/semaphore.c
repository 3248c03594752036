#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "test_helpers.h"

int main(void)
{
    // EFD_SEMAPHORE: each read takes 1 and returns 1.
    int fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    ERROR_IF(eventfd, fd, == -1);

    for (int round = 0; round < 2; round++) {
        for (;;) {
            eventfd_t value = 0;
            int status = eventfd_read(fd, &value);
            if (status == -1) {
                UNEXP_IF(eventfd_read, errno, != EAGAIN);
                printf("eventfd_read: EAGAIN\n");
                break;
            }
            printf("eventfd_read: %llu\n", (unsigned long long)value);
        }
        if (round == 0) {
            int status = eventfd_write(fd, 3);
            ERROR_IF(eventfd_write, status, == -1);
            printf("eventfd_write: 3\n");
        }
    }

    int status = close(fd);
    ERROR_IF(close, status, == -1);

    return 0;
}
