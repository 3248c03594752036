#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

#include "test_helpers.h"

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static void print_values(int semid, const char *when)
{
    int a = semctl(semid, 0, GETVAL);
    ERROR_IF(semctl, a, == -1);
    int b = semctl(semid, 1, GETVAL);
    ERROR_IF(semctl, b, == -1);
    printf("%s: %d %d\n", when, a, b);
}

int main(void)
{
    int semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    ERROR_IF(semget, semid, == -1);

    // Several operations in one call.
    struct sembuf up[2] = { { 0, 2, 0 }, { 1, 1, 0 } };
    int status = semop(semid, up, 2);
    ERROR_IF(semop, status, == -1);
    print_values(semid, "after +2 and +1");

    struct sembuf down = { 0, -1, 0 };
    status = semop(semid, &down, 1);
    ERROR_IF(semop, status, == -1);
    print_values(semid, "after -1 on semaphore 0");

    int pid = semctl(semid, 0, GETPID);
    ERROR_IF(semctl, pid, == -1);
    printf("GETPID is this process: %s\n", pid == getpid() ? "yes" : "no");

    // A decrement that cannot proceed, without waiting.
    struct sembuf too_much = { 0, -2, IPC_NOWAIT };
    status = semop(semid, &too_much, 1);
    UNEXP_IF(semop, status, != -1);
    UNEXP_IF(semop, errno, != EAGAIN);
    printf("-2 on 1 with IPC_NOWAIT: EAGAIN\n");

    // All or nothing: the first operation could proceed, the second cannot.
    struct sembuf pair[2] = { { 0, -1, 0 }, { 1, -2, IPC_NOWAIT } };
    status = semop(semid, pair, 2);
    UNEXP_IF(semop, status, != -1);
    UNEXP_IF(semop, errno, != EAGAIN);
    print_values(semid, "after a failed pair (EAGAIN)");

    struct sembuf zero = { 1, 0, IPC_NOWAIT };
    status = semop(semid, &zero, 1);
    UNEXP_IF(semop, status, != -1);
    UNEXP_IF(semop, errno, != EAGAIN);
    printf("wait-for-zero on 1 with IPC_NOWAIT: EAGAIN\n");

    // A relative timeout that expires.
    struct timespec timeout = { 0, 50 * 1000 * 1000 };
    struct sembuf wait_two = { 0, -2, 0 };
    status = semtimedop(semid, &wait_two, 1, &timeout);
    UNEXP_IF(semtimedop, status, != -1);
    UNEXP_IF(semtimedop, errno, != EAGAIN);
    printf("semtimedop -2 on 1 for 50 ms: EAGAIN\n");

    // One that does not: the operation is done at once.
    struct sembuf take = { 0, -1, 0 };
    status = semtimedop(semid, &take, 1, &timeout);
    ERROR_IF(semtimedop, status, == -1);
    print_values(semid, "after semtimedop -1");

    struct semid_ds ds;
    union semun arg;
    arg.buf = &ds;
    status = semctl(semid, 0, IPC_STAT, arg);
    ERROR_IF(semctl, status, == -1);
    printf("sem_otime set: %s\n", ds.sem_otime != 0 ? "yes" : "no");

    status = semctl(semid, 0, IPC_RMID);
    ERROR_IF(semctl, status, == -1);

    errno = 0;
    status = semop(semid, &down, 1);
    UNEXP_IF(semop, status, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    return 0;
}
