#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>
#include <unistd.h>

#include "test_helpers.h"

struct message {
    long mtype;
    char mtext[16];
};

static void print_stat(int msqid, const char *when)
{
    struct msqid_ds ds;
    int status = msgctl(msqid, IPC_STAT, &ds);
    ERROR_IF(msgctl, status, == -1);
    pid_t self = getpid();
    printf("%s: mode %o, msg_qnum %lu, msg_cbytes %lu, msg_qbytes > 0: %s, "
           "msg_lspid %s, msg_lrpid %s\n",
           when, (unsigned int)ds.msg_perm.mode & 0777, (unsigned long)ds.msg_qnum,
           (unsigned long)ds.__msg_cbytes, ds.msg_qbytes > 0 ? "yes" : "no",
           ds.msg_lspid == 0 ? "0" : ds.msg_lspid == self ? "this process" : "other",
           ds.msg_lrpid == 0 ? "0" : ds.msg_lrpid == self ? "this process" : "other");
}

int main(void)
{
    int msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0640);
    ERROR_IF(msgget, msqid, == -1);
    print_stat(msqid, "new queue");

    struct message msg = { 1, "hello" };
    int status = msgsnd(msqid, &msg, 5, 0);
    ERROR_IF(msgsnd, status, == -1);
    msg.mtype = 2;
    strcpy(msg.mtext, "goodbye");
    status = msgsnd(msqid, &msg, 7, 0);
    ERROR_IF(msgsnd, status, == -1);
    print_stat(msqid, "after two sends");

    ssize_t len = msgrcv(msqid, &msg, sizeof(msg.mtext), 1, 0);
    ERROR_IF(msgrcv, len, == -1);
    print_stat(msqid, "after one receive");

    // A type below 1 is refused.
    msg.mtype = 0;
    errno = 0;
    status = msgsnd(msqid, &msg, 1, IPC_NOWAIT);
    UNEXP_IF(msgsnd, status, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    struct msqid_ds ds;
    status = msgctl(msqid, IPC_STAT, &ds);
    ERROR_IF(msgctl, status, == -1);
    ds.msg_perm.mode = 0600;
    status = msgctl(msqid, IPC_SET, &ds);
    ERROR_IF(msgctl, status, == -1);
    print_stat(msqid, "after IPC_SET mode 600");

    // IPC_RMID takes the queue and its message.
    status = msgctl(msqid, IPC_RMID, NULL);
    ERROR_IF(msgctl, status, == -1);

    errno = 0;
    status = msgctl(msqid, IPC_STAT, &ds);
    UNEXP_IF(msgctl, status, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    msg.mtype = 1;
    errno = 0;
    status = msgsnd(msqid, &msg, 1, IPC_NOWAIT);
    UNEXP_IF(msgsnd, status, != -1);
    CHECK_AND_PRINT_ERRNO(EINVAL);

    return 0;
}
