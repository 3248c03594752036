#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <unistd.h>

#include "test_helpers.h"

// The caller defines semctl's fourth argument, as on Linux.
union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static void print_values(int semid, const char *when)
{
    printf("%s:", when);
    for (int i = 0; i < 3; i++) {
        int val = semctl(semid, i, GETVAL);
        ERROR_IF(semctl, val, == -1);
        printf(" %d", val);
    }
    printf("\n");
}

int main(void)
{
    int semid = semget(IPC_PRIVATE, 3, IPC_CREAT | 0640);
    ERROR_IF(semget, semid, == -1);

    union semun arg;
    struct semid_ds ds;
    arg.buf = &ds;
    int status = semctl(semid, 0, IPC_STAT, arg);
    ERROR_IF(semctl, status, == -1);
    printf("IPC_STAT: sem_nsems %lu, mode %o, sem_otime %ld, uid is euid: %s\n",
           (unsigned long)ds.sem_nsems, (unsigned int)ds.sem_perm.mode & 0777,
           (long)ds.sem_otime, ds.sem_perm.uid == geteuid() ? "yes" : "no");

    print_values(semid, "GETVAL of a new set");

    arg.val = 7;
    status = semctl(semid, 1, SETVAL, arg);
    ERROR_IF(semctl, status, == -1);
    print_values(semid, "after SETVAL 7 on semaphore 1");

    unsigned short values[3] = { 1, 2, 32767 };
    arg.array = values;
    status = semctl(semid, 0, SETALL, arg);
    ERROR_IF(semctl, status, == -1);

    unsigned short got[3] = { 0, 0, 0 };
    arg.array = got;
    status = semctl(semid, 0, GETALL, arg);
    ERROR_IF(semctl, status, == -1);
    printf("GETALL after SETALL 1 2 32767: %hu %hu %hu\n", got[0], got[1], got[2]);

    // Out of range: ERANGE, nothing changed.
    arg.val = 32768;
    status = semctl(semid, 0, SETVAL, arg);
    UNEXP_IF(semctl, status, != -1);
    UNEXP_IF(semctl, errno, != ERANGE);
    print_values(semid, "after SETVAL 32768 (ERANGE)");

    errno = 0;
    status = semctl(semid, 3, GETVAL);
    UNEXP_IF(semctl, status, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    arg.buf = &ds;
    status = semctl(semid, 0, IPC_STAT, arg);
    ERROR_IF(semctl, status, == -1);
    printf("IPC_STAT: sem_otime %ld (no semop yet)\n", (long)ds.sem_otime);

    status = semctl(semid, 0, IPC_RMID);
    ERROR_IF(semctl, status, == -1);

    errno = 0;
    status = semctl(semid, 0, GETVAL);
    UNEXP_IF(semctl, status, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    return 0;
}
