#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>

#include "test_helpers.h"

struct message {
    long mtype;
    char mtext[32];
};

static void send(int msqid, long type, const char *text)
{
    struct message msg;
    msg.mtype = type;
    strcpy(msg.mtext, text);
    int status = msgsnd(msqid, &msg, strlen(text), 0);
    ERROR_IF(msgsnd, status, == -1);
}

static void receive(int msqid, size_t size, long type, int flags)
{
    struct message msg;
    memset(&msg, 0, sizeof(msg));
    ssize_t len = msgrcv(msqid, &msg, size, type, flags);
    ERROR_IF(msgrcv, len, == -1);
    printf("msgrcv(size %zu, type %ld): type %ld, %zd bytes, \"%.*s\"\n",
           size, type, msg.mtype, len, (int)len, msg.mtext);
}

int main(void)
{
    int msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    ERROR_IF(msgget, msqid, == -1);

    send(msqid, 3, "three");
    send(msqid, 1, "one");
    send(msqid, 2, "two");
    send(msqid, 2, "two again");

    receive(msqid, 32, 2, 0);   // the first of type 2
    receive(msqid, 32, -2, 0);  // the lowest type up to 2
    receive(msqid, 32, 0, 0);   // the first in the queue
    receive(msqid, 32, 0, 0);

    struct message msg;
    errno = 0;
    ssize_t len = msgrcv(msqid, &msg, sizeof(msg.mtext), 0, IPC_NOWAIT);
    UNEXP_IF(msgrcv, len, != -1);
    CHECK_AND_PRINT_ERRNO(ENOMSG);

    send(msqid, 4, "a longer message");

    errno = 0;
    len = msgrcv(msqid, &msg, sizeof(msg.mtext), 5, IPC_NOWAIT);
    UNEXP_IF(msgrcv, len, != -1);
    CHECK_AND_PRINT_ERRNO(ENOMSG);

    // Too small a buffer: E2BIG, and the message stays.
    errno = 0;
    len = msgrcv(msqid, &msg, 8, 0, IPC_NOWAIT);
    UNEXP_IF(msgrcv, len, != -1);
    CHECK_AND_PRINT_ERRNO(E2BIG);

    // MSG_NOERROR: the message cut to the buffer.
    receive(msqid, 8, 4, MSG_NOERROR);

    errno = 0;
    len = msgrcv(msqid, &msg, sizeof(msg.mtext), 4, IPC_NOWAIT);
    UNEXP_IF(msgrcv, len, != -1);
    CHECK_AND_PRINT_ERRNO(ENOMSG);

    int status = msgctl(msqid, IPC_RMID, NULL);
    ERROR_IF(msgctl, status, == -1);

    return 0;
}
