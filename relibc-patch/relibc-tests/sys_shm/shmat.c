#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_helpers.h"

int main(void)
{
    int shmid = shmget(IPC_PRIVATE, 2 * SHMLBA, IPC_CREAT | 0600);
    ERROR_IF(shmget, shmid, == -1);

    char *addr = shmat(shmid, NULL, 0);
    ERROR_IF(shmat, addr, == (void *)-1);
    printf("attached on a SHMLBA boundary: %s\n", (uintptr_t)addr % SHMLBA == 0 ? "yes" : "no");
    strcpy(addr + SHMLBA, "second page");
    int status = shmdt(addr);
    ERROR_IF(shmdt, status, == -1);

    // The same place again: an unaligned address is refused without SHM_RND and rounded
    // down to SHMLBA with it.
    errno = 0;
    char *unaligned = shmat(shmid, addr + 100, 0);
    int shmat_errno = errno;
    char *rounded = shmat(shmid, addr + 100, SHM_RND);
    ERROR_IF(shmat, rounded, == (void *)-1);
    errno = shmat_errno;
    UNEXP_IF(shmat, unaligned, != (void *)-1);
    CHECK_AND_PRINT_ERRNO(EINVAL);
    printf("SHM_RND: attached at the rounded address: %s\n", rounded == addr ? "yes" : "no");
    printf("the segment kept its contents: \"%s\"\n", rounded + SHMLBA);

    // A read-only attachment sees the writes of the other one.
    char *readonly = shmat(shmid, NULL, SHM_RDONLY);
    ERROR_IF(shmat, readonly, == (void *)-1);
    strcpy(rounded, "first page");
    printf("read through SHM_RDONLY: \"%s\"\n", readonly);

    // Writing through it is a SIGSEGV.
    fflush(stdout);
    pid_t pid = fork();
    ERROR_IF(fork, pid, == -1);
    if (pid == 0) {
        readonly[0] = 'F';
        _exit(EXIT_SUCCESS);
    }
    int wstatus;
    pid_t waited = waitpid(pid, &wstatus, 0);
    ERROR_IF(waitpid, waited, == -1);
    printf("a child writing through SHM_RDONLY: %s\n",
           WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGSEGV ? "SIGSEGV" : "not SIGSEGV");
    printf("unchanged: \"%s\"\n", rounded);

    status = shmdt(readonly);
    ERROR_IF(shmdt, status, == -1);
    status = shmdt(rounded);
    ERROR_IF(shmdt, status, == -1);
    status = shmctl(shmid, IPC_RMID, NULL);
    ERROR_IF(shmctl, status, == -1);

    return 0;
}
