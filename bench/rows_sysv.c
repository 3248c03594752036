/*
 * The System V rows of ipcbench: semaphores (semop_uncontended, sem_pingpong), message
 * queues (msg_pingpong, msg_throughput) and shared memory (shm_attach_detach,
 * shm_pingpong, which also needs semaphores). Every set, queue and segment a row creates
 * is removed before it returns. -DIPCBENCH_NO_SEM and -DIPCBENCH_NO_SHM (for a libc
 * without <sys/sem.h> or <sys/shm.h>) make the rows that need them report FAIL.
 */

#include "ipcbench.h"

#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#ifndef IPCBENCH_NO_SEM
#include <sys/sem.h>
#endif
#ifndef IPCBENCH_NO_SHM
#include <sys/shm.h>
#endif
#include <unistd.h>

#ifndef IPCBENCH_NO_SEM

/* The fourth argument of semctl, which the program must declare itself (POSIX). Named
 * differently from `union semun` in case a libc declares that one. */
union bench_semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

/* A private semaphore set of `nsems` semaphores, all 0; -1 on failure. */
static int new_set(int nsems)
{
    union bench_semun arg;
    int id = semget(IPC_PRIVATE, nsems, IPC_CREAT | 0600);
    if (id < 0) {
        fail("semget");
        return -1;
    }
    arg.val = 0;
    for (int i = 0; i < nsems; i++) {
        if (semctl(id, i, SETVAL, arg) != 0) {
            fail("semctl(SETVAL)");
            semctl(id, 0, IPC_RMID);
            return -1;
        }
    }
    return id;
}

/* One semop call of `delta` on semaphore `num`. */
static int sem_add(int id, unsigned short num, short delta)
{
    struct sembuf op;
    op.sem_num = num;
    op.sem_op = delta;
    op.sem_flg = 0;
    return semop(id, &op, 1);
}

/* semop_uncontended: semop +1 then -1 on a private set nobody waits on; per semop call. */
double row_semop_uncontended(long iters)
{
    int id = new_set(1);
    if (id < 0) {
        return -1.0;
    }
    double result;
    long long start = now_ns();
    for (long i = 0; i < iters; i++) {
        if (sem_add(id, 0, 1) != 0 || sem_add(id, 0, -1) != 0) {
            result = fail("semop");
            goto out;
        }
    }
    result = per_op(start, now_ns(), 2 * iters);
out:
    semctl(id, 0, IPC_RMID);
    return result;
}

/* The parent's round of sem_pingpong on the set `*ctx`. */
static double sem_round(void *ctx, long i)
{
    (void)i;
    int id = *(int *)ctx;
    return sem_add(id, 0, 1) != 0 || sem_add(id, 1, -1) != 0 ? fail("semop") : 0;
}

/* sem_pingpong: the parent posts semaphore 0 and waits on 1, the child waits on 0 and
 * posts 1; the time of one round trip. One untimed round first lets the child start. */
double row_sem_pingpong(long iters)
{
    int id = new_set(2);
    if (id < 0) {
        return -1.0;
    }
    pid_t child = fork();
    if (child < 0) {
        semctl(id, 0, IPC_RMID);
        return fail("fork");
    }
    if (child == 0) {
        for (long i = 0; i <= iters; i++) {
            if (sem_add(id, 0, -1) != 0 || sem_add(id, 1, 1) != 0) {
                /* Removing the set wakes the parent with EIDRM. */
                semctl(id, 0, IPC_RMID);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = pingpong_rounds(child, iters, sem_round, &id);
    semctl(id, 0, IPC_RMID);
    return result;
}

#else /* IPCBENCH_NO_SEM */

UNAVAILABLE_ROW(row_semop_uncontended, "sys/sem.h")

UNAVAILABLE_ROW(row_sem_pingpong, "sys/sem.h")

#endif /* IPCBENCH_NO_SEM */

/* A message: its type, then the text (at most THROUGHPUT_BYTES). */
struct bench_msg {
    long mtype;
    char mtext[THROUGHPUT_BYTES];
};

/* A private message queue; -1 on failure. */
static int new_queue(void)
{
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (id < 0) {
        fail("msgget");
    }
    return id;
}

/* A new private queue in *id, then a fork: the child's pid (0 in the child), or -1 after
 * a failure, reported, with the queue removed. */
static pid_t fork_on_new_queue(int *id)
{
    *id = new_queue();
    if (*id < 0) {
        return -1;
    }
    pid_t child = fork();
    if (child < 0) {
        msgctl(*id, IPC_RMID, NULL);
        fail("fork");
    }
    return child;
}

/* msg_pingpong's queue and message, for the parent's rounds. */
struct msg_rounds {
    int id;
    struct bench_msg *m;
};

/* The parent's round of msg_pingpong: a message of type 1 out, one of type 2 back. */
static double msg_round(void *ctx, long i)
{
    (void)i;
    struct msg_rounds *r = ctx;
    r->m->mtype = 1;
    if (msgsnd(r->id, r->m, PINGPONG_BYTES, 0) != 0) {
        return fail("msgsnd");
    }
    return msgrcv(r->id, r->m, PINGPONG_BYTES, 2, 0) != PINGPONG_BYTES ? fail("msgrcv") : 0;
}

/* msg_pingpong: one queue; the parent sends a 64-byte message of type 1 and receives one
 * of type 2, the child receives type 1 and answers with type 2; the time of one round
 * trip. One untimed round first lets the child start. */
double row_msg_pingpong(long iters)
{
    static struct bench_msg m;
    memset(&m, 'p', sizeof m);
    int id;
    pid_t child = fork_on_new_queue(&id);
    if (child < 0) {
        return -1.0;
    }
    if (child == 0) {
        for (long i = 0; i <= iters; i++) {
            if (msgrcv(id, &m, PINGPONG_BYTES, 1, 0) != PINGPONG_BYTES) {
                /* Removing the queue wakes the parent with EIDRM. */
                msgctl(id, IPC_RMID, NULL);
                _exit(1);
            }
            m.mtype = 2;
            if (msgsnd(id, &m, PINGPONG_BYTES, 0) != 0) {
                msgctl(id, IPC_RMID, NULL);
                _exit(1);
            }
        }
        _exit(0);
    }
    struct msg_rounds rounds = {id, &m};
    double result = pingpong_rounds(child, iters, msg_round, &rounds);
    msgctl(id, IPC_RMID, NULL);
    return result;
}

/* msg_throughput: the child sends `iters` 1 KiB messages of type 1 to one queue as fast
 * as the queue takes them (a full queue blocks it), the parent receives them; timed from
 * the parent's go message (type 2, empty), which the child waits for before it starts,
 * to the last message received. The time per message; `rows[]` (ipcbench.c) turns it into MB/s. */
double row_msg_throughput(long iters)
{
    static struct bench_msg m;
    memset(&m, 't', sizeof m);
    int id;
    pid_t child = fork_on_new_queue(&id);
    if (child < 0) {
        return -1.0;
    }
    if (child == 0) {
        if (msgrcv(id, &m, THROUGHPUT_BYTES, 2, 0) != 0) {
            msgctl(id, IPC_RMID, NULL);
            _exit(1);
        }
        m.mtype = 1;
        for (long i = 0; i < iters; i++) {
            if (msgsnd(id, &m, THROUGHPUT_BYTES, 0) != 0) {
                msgctl(id, IPC_RMID, NULL);
                _exit(1);
            }
        }
        _exit(0);
    }
    double result = -1.0;
    long long start = now_ns();
    m.mtype = 2;
    if (msgsnd(id, &m, 0, 0) != 0) {
        result = fail("msgsnd");
    } else {
        long i = 0;
        while (i < iters && msgrcv(id, &m, THROUGHPUT_BYTES, 1, 0) == THROUGHPUT_BYTES) {
            i++;
        }
        result = i == iters ? per_op(start, now_ns(), iters) : fail("msgrcv");
    }
    if (result < 0) {
        kill(child, SIGKILL);
    }
    result = reap(child, result);
    msgctl(id, IPC_RMID, NULL);
    return result;
}

#ifndef IPCBENCH_NO_SHM

/* A private shared memory segment of one page; -1 on failure. */
static int new_segment(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) {
        fail("shmget");
    }
    return id;
}

/* shm_attach_detach: shmat of a one-page segment where the kernel chooses, a write to
 * its page, shmdt; per iteration. The segment's page exists from the first touch on (an
 * untimed one), so the loop measures the mapping, not the page's allocation. */
double row_shm_attach_detach(long iters)
{
    int id = new_segment();
    if (id < 0) {
        return -1.0;
    }
    double result = -1.0;
    volatile char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        fail("shmat");
    } else {
        p[0] = 1;
        if (shmdt((const void *)p) != 0) {
            fail("shmdt");
        } else {
            long long start = now_ns();
            long i = 0;
            for (; i < iters; i++) {
                p = shmat(id, NULL, 0);
                if (p == (void *)-1) {
                    fail("shmat");
                    break;
                }
                p[i % 4096] = (char)i;
                if (shmdt((const void *)p) != 0) {
                    fail("shmdt");
                    break;
                }
            }
            if (i == iters) {
                result = per_op(start, now_ns(), iters);
            }
        }
    }
    shmctl(id, IPC_RMID, NULL);
    return result;
}

#ifndef IPCBENCH_NO_SEM

/* shm_pingpong's semaphore pair and page, for the parent's rounds. */
struct shm_rounds {
    int sems;
    volatile long *page;
};

/* The parent's round `i` of shm_pingpong: 2i on the page, the semaphores, 2i + 1 back. */
static double shm_round(void *ctx, long i)
{
    struct shm_rounds *r = ctx;
    r->page[0] = 2 * i;
    if (sem_add(r->sems, 0, 1) != 0 || sem_add(r->sems, 1, -1) != 0) {
        return fail("semop");
    }
    if (r->page[0] != 2 * i + 1) {
        errno = 0;
        return fail("the child's number");
    }
    return 0;
}

/* shm_pingpong: a shared page and a semaphore pair; the parent writes a number to the
 * page and posts semaphore 0, the child waits on 0, checks the number and writes the
 * next one, and posts 1, on which the parent waits and checks it; the time of one round
 * trip. One untimed round first lets the child start. */
double row_shm_pingpong(long iters)
{
    int id = new_segment();
    if (id < 0) {
        return -1.0;
    }
    volatile long *page = shmat(id, NULL, 0);
    /* Removed now: the attachments keep it until the parent and the child detach. */
    shmctl(id, IPC_RMID, NULL);
    if (page == (void *)-1) {
        return fail("shmat");
    }
    int sems = new_set(2);
    if (sems < 0) {
        shmdt((const void *)page);
        return -1.0;
    }
    pid_t child = fork();
    if (child < 0) {
        semctl(sems, 0, IPC_RMID);
        shmdt((const void *)page);
        return fail("fork");
    }
    if (child == 0) {
        for (long i = 0; i <= iters; i++) {
            if (sem_add(sems, 0, -1) != 0 || page[0] != 2 * i) {
                /* Removing the set wakes the parent with EIDRM. */
                semctl(sems, 0, IPC_RMID);
                _exit(1);
            }
            page[0] = 2 * i + 1;
            if (sem_add(sems, 1, 1) != 0) {
                semctl(sems, 0, IPC_RMID);
                _exit(1);
            }
        }
        _exit(0);
    }
    struct shm_rounds rounds = {sems, page};
    double result = pingpong_rounds(child, iters, shm_round, &rounds);
    semctl(sems, 0, IPC_RMID);
    shmdt((const void *)page);
    return result;
}

#else /* IPCBENCH_NO_SEM */

UNAVAILABLE_ROW(row_shm_pingpong, "sys/sem.h")

#endif /* IPCBENCH_NO_SEM */

#else /* IPCBENCH_NO_SHM */

UNAVAILABLE_ROW(row_shm_attach_detach, "sys/shm.h")

UNAVAILABLE_ROW(row_shm_pingpong, "sys/shm.h")

#endif /* IPCBENCH_NO_SHM */
