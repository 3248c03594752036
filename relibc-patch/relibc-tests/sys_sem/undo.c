#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_helpers.h"

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int value(int semid)
{
    int val = semctl(semid, 0, GETVAL);
    ERROR_IF(semctl, val, == -1);
    return val;
}

// Runs `ops` in a child that then exits; returns when it has.
static void in_child(int semid, struct sembuf *ops, size_t nops)
{
    fflush(stdout);
    pid_t pid = fork();
    ERROR_IF(fork, pid, == -1);
    if (pid == 0) {
        if (nops > 0) {
            int status = semop(semid, ops, nops);
            ERROR_IF(semop, status, == -1);
        }
        _exit(EXIT_SUCCESS);
    }
    int wstatus;
    pid_t waited = waitpid(pid, &wstatus, 0);
    ERROR_IF(waitpid, waited, == -1);
    UNEXP_IF(waitpid, wstatus, != 0);
}

int main(void)
{
    int semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    ERROR_IF(semget, semid, == -1);

    union semun arg;
    arg.val = 5;
    int status = semctl(semid, 0, SETVAL, arg);
    ERROR_IF(semctl, status, == -1);
    printf("start: %d\n", value(semid));

    // This process's own adjustment: +1 owed at its exit.
    struct sembuf mine = { 0, -1, SEM_UNDO };
    status = semop(semid, &mine, 1);
    ERROR_IF(semop, status, == -1);
    printf("after -1 with SEM_UNDO here: %d\n", value(semid));

    // A child's -2 with SEM_UNDO is undone at its exit; its +1 without is not.
    struct sembuf child_ops[2] = { { 0, -2, SEM_UNDO }, { 0, 1, 0 } };
    in_child(semid, child_ops, 2);
    printf("after a child's -2 with SEM_UNDO and +1 without: %d\n", value(semid));

    // A forked child starts with no adjustments: its exit leaves the value alone.
    in_child(semid, NULL, 0);
    printf("after a child that did nothing: %d\n", value(semid));

    status = semctl(semid, 0, IPC_RMID);
    ERROR_IF(semctl, status, == -1);

    return 0;
}
