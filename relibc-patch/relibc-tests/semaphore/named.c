#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_helpers.h"

int main(void)
{
    char name[64];
    snprintf(name, sizeof(name), "/relibc-test-sem-%d", (int)getpid());

    sem_t *sem = sem_open(name, 0);
    printf("sem_open without O_CREAT: %s, ", sem == SEM_FAILED ? "SEM_FAILED" : "a semaphore");
    CHECK_AND_PRINT_ERRNO(ENOENT);

    sem = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
    ERROR_IF(sem_open, sem, == SEM_FAILED);
    sem_t *again = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
    printf("sem_open O_EXCL of an existing one: %s, ", again == SEM_FAILED ? "SEM_FAILED" : "a semaphore");
    CHECK_AND_PRINT_ERRNO(EEXIST);
    again = sem_open(name, 0);
    ERROR_IF(sem_open, again, == SEM_FAILED);
    printf("opened twice: %s address\n", again == sem ? "the same" : "another");

    sem_t *bad = sem_open("/a/b", O_CREAT, 0600, 1);
    printf("sem_open(\"/a/b\"): %s, ", bad == SEM_FAILED ? "SEM_FAILED" : "a semaphore");
    CHECK_AND_PRINT_ERRNO(EINVAL);

    // A fork child opens it by name and posts twice.
    pid_t pid = fork();
    ERROR_IF(fork, pid, == -1);
    if (pid == 0) {
        sem_t *child = sem_open(name, 0);
        if (child == SEM_FAILED || sem_post(child) != 0 || sem_post(child) != 0 || sem_close(child) != 0)
            _exit(1);
        _exit(0);
    }
    int wstatus = 0;
    pid_t waited = waitpid(pid, &wstatus, 0);
    ERROR_IF(waitpid, waited, == -1);
    UNEXP_IF(waitpid, wstatus, != 0);
    int value = -1;
    int status = sem_getvalue(sem, &value);
    ERROR_IF(sem_getvalue, status, == -1);
    printf("value after the child's two posts: %d\n", value);

    // Unlinked while open: the name is gone, the semaphore works on.
    status = sem_unlink(name);
    ERROR_IF(sem_unlink, status, == -1);
    sem_t *gone = sem_open(name, 0);
    printf("sem_open after sem_unlink: %s, ", gone == SEM_FAILED ? "SEM_FAILED" : "a semaphore");
    CHECK_AND_PRINT_ERRNO(ENOENT);
    for (int i = 0; i < 3; i++) {
        status = sem_wait(sem);
        ERROR_IF(sem_wait, status, == -1);
    }
    printf("three tokens taken after sem_unlink\n");
    status = sem_unlink(name);
    printf("sem_unlink again: %d, ", status);
    CHECK_AND_PRINT_ERRNO(ENOENT);

    status = sem_close(again);
    ERROR_IF(sem_close, status, == -1);
    status = sem_close(sem);
    ERROR_IF(sem_close, status, == -1);

    return 0;
}
