#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <unistd.h>

#include "test_helpers.h"

static void print_stat(int shmid, const char *when)
{
    struct shmid_ds ds;
    int status = shmctl(shmid, IPC_STAT, &ds);
    ERROR_IF(shmctl, status, == -1);
    pid_t self = getpid();
    printf("%s: shm_segsz %zu, mode %o, shm_nattch %lu, shm_cpid %s, shm_lpid %s, "
           "shm_atime %s, shm_dtime %s\n",
           when, (size_t)ds.shm_segsz, (unsigned int)ds.shm_perm.mode & 0777,
           (unsigned long)ds.shm_nattch, ds.shm_cpid == self ? "this process" : "other",
           ds.shm_lpid == 0 ? "0" : ds.shm_lpid == self ? "this process" : "other",
           ds.shm_atime == 0 ? "0" : "set", ds.shm_dtime == 0 ? "0" : "set");
}

int main(void)
{
    int shmid = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0640);
    ERROR_IF(shmget, shmid, == -1);
    print_stat(shmid, "new segment");

    void *first = shmat(shmid, NULL, 0);
    ERROR_IF(shmat, first, == (void *)-1);
    print_stat(shmid, "attached once");

    void *second = shmat(shmid, NULL, 0);
    ERROR_IF(shmat, second, == (void *)-1);
    print_stat(shmid, "attached twice");

    int status = shmdt(first);
    ERROR_IF(shmdt, status, == -1);
    print_stat(shmid, "one detached");

    status = shmdt(second);
    ERROR_IF(shmdt, status, == -1);
    print_stat(shmid, "both detached");

    errno = 0;
    status = shmdt(second);
    UNEXP_IF(shmdt, status, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    status = shmctl(shmid, IPC_RMID, NULL);
    ERROR_IF(shmctl, status, == -1);

    struct shmid_ds ds;
    errno = 0;
    status = shmctl(shmid, IPC_STAT, &ds);
    UNEXP_IF(shmctl, status, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    return 0;
}
