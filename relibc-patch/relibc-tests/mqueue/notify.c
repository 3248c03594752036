#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "test_helpers.h"

int main(void)
{
    char name[64];
    snprintf(name, sizeof(name), "/relibc-test-notify-%d", (int)getpid());

    // The notice is taken with sigwaitinfo, so the signal stays blocked.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    int status = sigprocmask(SIG_BLOCK, &set, NULL);
    ERROR_IF(sigprocmask, status, == -1);

    struct mq_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.mq_maxmsg = 2;
    attr.mq_msgsize = 16;
    mqd_t mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    ERROR_IF(mq_open, mq, == (mqd_t)-1);

    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 42;
    status = mq_notify(mq, &sev);
    ERROR_IF(mq_notify, status, == -1);

    // One registration per queue.
    errno = 0;
    status = mq_notify(mq, &sev);
    UNEXP_IF(mq_notify, status, != -1);
    CHECK_AND_PRINT_ERRNO(EBUSY);

    // A message arriving on the empty queue sends the signal.
    status = mq_send(mq, "wake up", 7, 0);
    ERROR_IF(mq_send, status, == -1);

    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    ERROR_IF(sigwaitinfo, sig, == -1);
    printf("signal: %s, si_code %s, si_value %d\n", sig == SIGUSR1 ? "SIGUSR1" : "other",
           info.si_code == SI_MESGQ ? "SI_MESGQ" : "other", info.si_value.sival_int);

    // The notice ended the registration: a new one is accepted and can be removed.
    status = mq_notify(mq, &sev);
    ERROR_IF(mq_notify, status, == -1);
    printf("registered again after the notice\n");
    status = mq_notify(mq, NULL);
    ERROR_IF(mq_notify, status, == -1);

    // Without a registration, a message on an empty queue sends nothing.
    char buf[16];
    ssize_t len = mq_receive(mq, buf, sizeof(buf), NULL);
    ERROR_IF(mq_receive, len, == -1);
    status = mq_send(mq, "quiet", 5, 0);
    ERROR_IF(mq_send, status, == -1);
    sigset_t pending;
    status = sigpending(&pending);
    ERROR_IF(sigpending, status, == -1);
    printf("SIGUSR1 pending after the registration was removed: %s\n",
           sigismember(&pending, SIGUSR1) ? "yes" : "no");

    status = mq_close(mq);
    ERROR_IF(mq_close, status, == -1);
    status = mq_unlink(name);
    ERROR_IF(mq_unlink, status, == -1);

    return 0;
}
