#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_helpers.h"

static unsigned long nattch(int shmid)
{
    struct shmid_ds ds;
    int status = shmctl(shmid, IPC_STAT, &ds);
    ERROR_IF(shmctl, status, == -1);
    return (unsigned long)ds.shm_nattch;
}

int main(void)
{
    int shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    ERROR_IF(shmget, shmid, == -1);

    char *addr = shmat(shmid, NULL, 0);
    ERROR_IF(shmat, addr, == (void *)-1);
    strcpy(addr, "from the parent");
    printf("parent: shm_nattch %lu\n", nattch(shmid));

    // The child inherits the attachment: the same memory.
    fflush(stdout);
    pid_t pid = fork();
    ERROR_IF(fork, pid, == -1);
    if (pid == 0) {
        printf("child: reads \"%s\", shm_nattch %lu\n", addr, nattch(shmid));
        strcpy(addr, "from the child");
        fflush(stdout);
        _exit(EXIT_SUCCESS);
    }
    int wstatus;
    pid_t waited = waitpid(pid, &wstatus, 0);
    ERROR_IF(waitpid, waited, == -1);
    UNEXP_IF(waitpid, wstatus, != 0);

    printf("parent: reads \"%s\", shm_nattch %lu after the child's exit\n", addr, nattch(shmid));

    // Removed while attached: the memory stays until the last detach.
    int status = shmctl(shmid, IPC_RMID, NULL);
    ERROR_IF(shmctl, status, == -1);
    printf("parent: after IPC_RMID still reads \"%s\"\n", addr);
    status = shmdt(addr);
    ERROR_IF(shmdt, status, == -1);

    errno = 0;
    void *again = shmat(shmid, NULL, 0);
    UNEXP_IF(shmat, again, != (void *)-1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    return 0;
}
