/* c_leaks.c: nothing the kernel holds is lost. Creates, uses and destroys every kind of
 * object CYCLES times (System V semaphore sets with SEM_UNDO, message queues with
 * messages left queued at removal, shared memory segments attached and removed while
 * attached, POSIX message queues with messages left in them, POSIX shared memory objects
 * mapped and unlinked while mapped, timerfds armed at close, eventfds, signalfds, pipes
 * with data in them, epoll instances watching a descriptor), then runs LIFETIMES child
 * processes that take a SEM_UNDO adjustment, attach a segment, open a queue, a pipe and
 * an eventfd and either exit or are killed with SIGKILL wherever they are.
 *
 * On kestrel every count of /scheme/sys/resources (frames, kernel heap, processes,
 * threads, descriptors, each IPC object kind, the open descriptions of each scheme) must
 * be back at its value from before (taken after warm-up rounds, so that tables that keep
 * their capacity are already grown, and each read after /scheme/sys/drop_caches). On Linux, which has no such file, the same
 * cycles run and only the calls are checked.
 *
 * usage: c_leaks [CYCLES [LIFETIMES]]   (default 300 60; `just stress leaks` runs
 * 100000 10000) */
#include "c_common.h"

#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#define MAX_COUNTS 64

struct counts {
	int n;
	char name[MAX_COUNTS][32];
	unsigned long long value[MAX_COUNTS];
};

/* Reads /scheme/sys/resources into C, after the kernel gave back what it keeps for reuse
 * (spare kernel stacks and message records: /scheme/sys/drop_caches); 0 if there is no
 * such file (Linux). */
static int read_counts(struct counts *c)
{
	int drop = open("/scheme/sys/drop_caches", O_WRONLY);
	if (drop >= 0) {
		CHECK(write(drop, "1", 1) == 1);
		close(drop);
	}
	FILE *f = fopen("/scheme/sys/resources", "r");
	if (!f)
		return 0;
	c->n = 0;
	while (c->n < MAX_COUNTS && fscanf(f, "%31s %llu", c->name[c->n], &c->value[c->n]) == 2)
		c->n++;
	fclose(f);
	return 1;
}

/* Whether count NAME may be NOW after being WAS: equal, except that the kernel heap may
 * have shrunk and the free frames grown (what earlier programs left may be freed
 * meanwhile; a leak only goes the other way), and the lazy FPU saves only ever grow. */
static int count_ok(const char *name, unsigned long long was, unsigned long long now)
{
	if (strcmp(name, "lazy_fpu_saves") == 0)
		return 1;
	if (strcmp(name, "heap_bytes") == 0 || strcmp(name, "heap_allocations") == 0)
		return now <= was;
	if (strcmp(name, "frames_free") == 0)
		return now >= was;
	return now == was;
}

/* Reads the counts into AFTER until each is back as BEFORE had it (a process reaped a
 * moment ago may still be freeing its last thread's stack: up to 2 s), then prints those
 * that are not. */
static void compare_counts(const char *what, const struct counts *before, struct counts *after)
{
	for (int tries = 0; tries < 100; tries++) {
		read_counts(after);
		int ok = before->n == after->n;
		for (int i = 0; ok && i < before->n; i++)
			ok = count_ok(after->name[i], before->value[i], after->value[i]);
		if (ok)
			return;
		sleep_ms(20);
	}
	CHECK_EQ(before->n, after->n);
	for (int i = 0; i < before->n && i < after->n; i++) {
		if (!count_ok(after->name[i], before->value[i], after->value[i]))
			FAIL_AT("after %s: %s %llu, before %llu", what, after->name[i], after->value[i],
				before->value[i]);
	}
}

static char shm_name[64], mq_name[64];

static void sem_cycle(void)
{
	int id = semget(IPC_PRIVATE, 4, 0600);
	struct sembuf op = { .sem_num = 1, .sem_op = 2, .sem_flg = SEM_UNDO };
	CHECK(id >= 0 && semop(id, &op, 1) == 0);
	CHECK(semctl(id, 0, IPC_RMID) == 0);
}

static void msg_cycle(void)
{
	int id = msgget(IPC_PRIVATE, 0600);
	struct {
		long mtype;
		char mtext[64];
	} m = { 1, "left in the queue" };
	CHECK(id >= 0 && msgsnd(id, &m, sizeof m.mtext, 0) == 0 && msgsnd(id, &m, 10, 0) == 0);
	CHECK(msgrcv(id, &m, sizeof m.mtext, 0, 0) == (ssize_t)sizeof m.mtext);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0);
}

static void shm_cycle(int i)
{
	int id = shmget(IPC_PRIVATE, 3 * 4096, 0600);
	char *at = shmat(id, NULL, 0);
	CHECK(id >= 0 && at != (void *)-1);
	at[0] = at[8192] = (char)i;
	if (i & 1) {
		CHECK(shmctl(id, IPC_RMID, NULL) == 0);
		CHECK(shmdt(at) == 0);
	} else {
		CHECK(shmdt(at) == 0);
		CHECK(shmctl(id, IPC_RMID, NULL) == 0);
	}
}

static void mq_cycle(int i)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 128 };
	mqd_t q = mq_open(mq_name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	CHECK(q != (mqd_t)-1);
	CHECK(mq_send(q, "left in the queue", 17, (unsigned)i % 8) == 0);
	if (i & 1) {
		CHECK(mq_unlink(mq_name) == 0);
		CHECK(mq_close(q) == 0);
	} else {
		CHECK(mq_close(q) == 0);
		CHECK(mq_unlink(mq_name) == 0);
	}
}

static void shm_object_cycle(int i)
{
	int fd = shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 2 * 4096) == 0);
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	p[4096] = (char)i;
	CHECK(shm_unlink(shm_name) == 0);
	CHECK(close(fd) == 0);
	CHECK(munmap(p, 2 * 4096) == 0);
}

static void fd_cycles(int i)
{
	int t = timerfd_create(i & 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME, TFD_CLOEXEC);
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 100, 0 } };
	CHECK(t >= 0 && timerfd_settime(t, 0, &its, NULL) == 0);
	CHECK(close(t) == 0);

	int e = eventfd(3, EFD_NONBLOCK);
	uint64_t v = 5;
	CHECK(e >= 0 && write(e, &v, sizeof v) == sizeof v && read(e, &v, sizeof v) == sizeof v);

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	int s = signalfd(-1, &mask, SFD_NONBLOCK);
	CHECK(s >= 0 && close(s) == 0);

	int p[2];
	CHECK(pipe(p) == 0 && write(p[1], "data", 4) == 4);
	CHECK(close(p[1]) == 0 && close(p[0]) == 0);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == 0);
	struct epoll_event out;
	CHECK(epoll_wait(ep, &out, 1, 0) == 0);
	CHECK(close(ep) == 0 && close(e) == 0);
}

static void one_round(int i)
{
	sem_cycle();
	msg_cycle();
	shm_cycle(i);
	mq_cycle(i);
	shm_object_cycle(i);
	fd_cycles(i);
}

/* A child's life: IPC state of every kind, then exit, or a kill wherever it is. */
static void lifetime(int i, int semid, int shmid)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sembuf op = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };
		semop(semid, &op, 1);
		char *at = shmat(shmid, NULL, 0);
		if (at != (void *)-1)
			at[0]++;
		int p[2];
		if (pipe(p) == 0)
			write(p[1], "x", 1);
		int e = eventfd(0, 0);
		mqd_t q = mq_open(mq_name, O_CREAT | O_RDWR, 0600, NULL);
		(void)e;
		(void)q;
		if (i % 3 == 0)
			pause(); /* killed asleep */
		if (i % 3 == 1)
			for (;;) /* killed running */
				sched_yield();
		_exit(0);
	}
	CHECK(pid > 0);
	if (i % 3 != 2) {
		/* Somewhere in its life, or asleep. */
		if (i % 2)
			sched_yield();
		kill(pid, SIGKILL);
	}
	int status = reap(pid);
	CHECK(status != -1);
}

int main(int argc, char **argv)
{
	test_name = "c_leaks";
	long cycles = argc > 1 ? atol(argv[1]) : 300;
	long lifetimes = argc > 2 ? atol(argv[2]) : 60;
	snprintf(shm_name, sizeof shm_name, "/c_leaks_shm_%d", (int)getpid());
	snprintf(mq_name, sizeof mq_name, "/c_leaks_mq_%d", (int)getpid());

	/* Warm up: every table grows to what the rounds need, and this program's stdio
	 * buffers and the sys scheme's table of open files exist. (What the kernel keeps for
	 * reuse, it gives back before each count is read.) */
	for (int i = 0; i < 64; i++)
		one_round(i);
	int semid = semget(IPC_PRIVATE, 1, 0600);
	int shmid = shmget(IPC_PRIVATE, 4096, 0600);
	CHECK(semid >= 0 && shmid >= 0);
	for (int i = 0; i < 3; i++)
		lifetime(i, semid, shmid);
	mq_unlink(mq_name);

	struct counts before, after;
	SECTION("warmed up");
	long long start = now_ns();
	read_counts(&after); /* its stack pages touched too */
	int kestrel = read_counts(&before);
	if (!kestrel)
		printf("c_leaks: no /scheme/sys/resources (Linux): the calls are checked, not the counts\n");

	SECTION("object cycles");
	for (long i = 0; i < cycles; i++) {
		one_round((int)i);
		if (failures > 10)
			break;
		if (cycles >= 10000 && i % (cycles / 10) == 0)
			printf("c_leaks: %ld of %ld cycles\n", i, cycles);
	}
	long long mid = now_ns();
	if (kestrel)
		compare_counts("the object cycles", &before, &after);

	SECTION("process lifetimes");
	for (long i = 0; i < lifetimes && failures <= 10; i++) {
		lifetime((int)i, semid, shmid);
		if (lifetimes >= 1000 && i % (lifetimes / 10) == 0)
			printf("c_leaks: %ld of %ld lifetimes\n", i, lifetimes);
	}
	mq_unlink(mq_name);
	/* Every child's SEM_UNDO took its +1 back. */
	CHECK_EQ(semctl(semid, 0, GETVAL), 0);
	long long end = now_ns();
	if (kestrel)
		compare_counts("the process lifetimes", &before, &after);
	printf("c_leaks: %ld rounds of 10 object kinds in %lld ms, %ld process lifetimes in %lld ms\n", cycles,
	       (mid - start) / 1000000, lifetimes, (end - mid) / 1000000);
	if (kestrel)
		for (int i = 0; i < after.n; i++)
			printf("c_leaks: %s %llu (before %llu)\n", after.name[i], after.value[i], before.value[i]);

	semctl(semid, 0, IPC_RMID);
	shmctl(shmid, IPC_RMID, NULL);
	(void)ret;
	return report();
}
