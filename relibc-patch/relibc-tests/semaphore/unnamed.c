#include <errno.h>
#include <limits.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_helpers.h"

int main(void)
{
    sem_t sem;
    int status = sem_init(&sem, 0, (unsigned int)SEM_VALUE_MAX + 1);
    printf("sem_init SEM_VALUE_MAX + 1: %d, ", status);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    status = sem_init(&sem, 0, 2);
    ERROR_IF(sem_init, status, == -1);
    int value = -1;
    status = sem_getvalue(&sem, &value);
    ERROR_IF(sem_getvalue, status, == -1);
    printf("value: %d\n", value);

    status = sem_wait(&sem);
    ERROR_IF(sem_wait, status, == -1);
    status = sem_trywait(&sem);
    ERROR_IF(sem_trywait, status, == -1);
    status = sem_trywait(&sem);
    int err = errno;
    UNEXP_IF(sem_trywait, status, != -1);
    UNEXP_IF(sem_trywait, err, != EAGAIN);
    printf("sem_trywait at 0: EAGAIN\n");

    // A deadline in the past: ETIMEDOUT without sleeping; a bad clock: EINVAL.
    struct timespec past = {0, 0};
    status = sem_timedwait(&sem, &past);
    printf("sem_timedwait in the past: %d, ", status);
    CHECK_AND_PRINT_ERRNO(ETIMEDOUT);
    struct timespec bad = {0, 1000000000L};
    status = sem_timedwait(&sem, &bad);
    printf("sem_timedwait with tv_nsec 1000000000: %d, ", status);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    status = sem_post(&sem);
    ERROR_IF(sem_post, status, == -1);
    status = sem_timedwait(&sem, &past);
    ERROR_IF(sem_timedwait, status, == -1);
    printf("sem_timedwait with a token: taken\n");
    status = sem_destroy(&sem);
    ERROR_IF(sem_destroy, status, == -1);

    status = sem_init(&sem, 0, SEM_VALUE_MAX);
    ERROR_IF(sem_init, status, == -1);
    status = sem_post(&sem);
    err = errno;
    UNEXP_IF(sem_post, status, != -1);
    UNEXP_IF(sem_post, err, != EOVERFLOW);
    printf("sem_post at SEM_VALUE_MAX: EOVERFLOW\n");
    status = sem_destroy(&sem);
    ERROR_IF(sem_destroy, status, == -1);

    // pshared 1 in MAP_SHARED memory: a fork child posts three times.
    sem_t *shared = mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ERROR_IF(mmap, shared, == MAP_FAILED);
    status = sem_init(shared, 1, 0);
    ERROR_IF(sem_init, status, == -1);
    pid_t pid = fork();
    ERROR_IF(fork, pid, == -1);
    if (pid == 0) {
        for (int i = 0; i < 3; i++) {
            if (sem_post(shared) != 0)
                _exit(1);
        }
        _exit(0);
    }
    for (int i = 0; i < 3; i++) {
        status = sem_wait(shared);
        ERROR_IF(sem_wait, status, == -1);
    }
    int wstatus = 0;
    pid_t waited = waitpid(pid, &wstatus, 0);
    ERROR_IF(waitpid, waited, == -1);
    UNEXP_IF(waitpid, wstatus, != 0);
    printf("three posts from a fork child taken\n");
    status = sem_trywait(shared);
    UNEXP_IF(sem_trywait, status, != -1);
    status = munmap(shared, sizeof(sem_t));
    ERROR_IF(munmap, status, == -1);

    return 0;
}
