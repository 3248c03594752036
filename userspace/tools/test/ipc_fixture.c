/* ipc_fixture: fills the current IPC namespace with a known set of System V objects for
 * the ipcs/ipcrm differential test (tests/tests/ipc_tools.rs), then runs a command.
 *
 *     ipc_fixture COMMAND [ARGS...]
 *
 * Run as root inside a fresh namespace (`unshare -i`): creation order, and so every id,
 * is then the same from run to run. The objects cover what the tools print differently:
 * named and private keys, keys with the top bit set, owners and creators with and
 * without passwd and group names (and a name longer than a column), modes, queued
 * messages with last sender and receiver, semaphore sets with and without a semop,
 * segments attached (by a process that stays attached while COMMAND runs), detached,
 * removed while attached (status "dest") and locked, mode 0, uids above 2^31, and
 * processes asleep in semop (ncount and zcount). Exits with COMMAND's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "ipc_fixture: %s: %s\n", what, strerror(errno));
	exit(125);
}

static void set_owner_msg(int id, uid_t uid, gid_t gid, int mode)
{
	struct msqid_ds ds;
	if (msgctl(id, IPC_STAT, &ds) < 0)
		die("msgctl IPC_STAT");
	ds.msg_perm.uid = uid;
	ds.msg_perm.gid = gid;
	ds.msg_perm.mode = mode;
	if (msgctl(id, IPC_SET, &ds) < 0)
		die("msgctl IPC_SET");
}

static void set_owner_sem(int id, uid_t uid, gid_t gid, int mode)
{
	struct semid_ds ds;
	if (semctl(id, 0, IPC_STAT, &ds) < 0)
		die("semctl IPC_STAT");
	ds.sem_perm.uid = uid;
	ds.sem_perm.gid = gid;
	ds.sem_perm.mode = mode;
	if (semctl(id, 0, IPC_SET, &ds) < 0)
		die("semctl IPC_SET");
}

static void set_owner_shm(int id, uid_t uid, gid_t gid, int mode)
{
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds) < 0)
		die("shmctl IPC_STAT");
	ds.shm_perm.uid = uid;
	ds.shm_perm.gid = gid;
	ds.shm_perm.mode = mode;
	if (shmctl(id, IPC_SET, &ds) < 0)
		die("shmctl IPC_SET");
}

/* Runs `fn(arg)` in a child with the given effective ids and waits for it. */
static void as_user(uid_t uid, gid_t gid, void (*fn)(int), int arg)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
			die("dropping privileges");
		fn(arg);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ipc_fixture: a child failed\n");
		exit(125);
	}
}

struct text_msg {
	long mtype;
	char mtext[64];
};

static void send_two(int id)
{
	struct text_msg m = { 1, "hello queue" };
	if (msgsnd(id, &m, 11, 0) < 0)
		die("msgsnd");
	m.mtype = 7;
	if (msgsnd(id, &m, 37, 0) < 0)
		die("msgsnd");
}

static void receive_one(int id)
{
	struct text_msg m;
	if (msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT) < 0)
		die("msgrcv");
}

static void create_sem_as_user(int key)
{
	if (semget(key, 2, IPC_CREAT | 0660) < 0)
		die("semget as user");
}

static void create_queue_as_user(int key)
{
	int id = msgget(key, IPC_CREAT | 0620);
	if (id < 0)
		die("msgget as user");
	send_two(id);
}

static void create_shm_as_user(int key)
{
	if (shmget(key, 8192, IPC_CREAT | 0640) < 0)
		die("shmget as user");
}

static void semop_one(int id)
{
	struct sembuf op = { 0, 1, 0 };
	if (semop(id, &op, 1) < 0)
		die("semop");
}

static void create_queues(void)
{
	int q = msgget(0x1234, IPC_CREAT | 0666);
	if (q < 0)
		die("msgget");
	as_user(1000, 100, send_two, q);
	as_user(65534, 65534, receive_one, q);
	set_owner_msg(q, 0, 0, 0644);

	if (msgget(IPC_PRIVATE, 0600) < 0)
		die("msgget private");

	q = msgget((key_t)0xdeadbeef, IPC_CREAT | 0666);
	if (q < 0)
		die("msgget high key");
	send_two(q);
	set_owner_msg(q, 4242, 4243, 0604);

	as_user(998, 997, create_queue_as_user, 0x7fffffff);
	q = msgget(0x7fffffff, 0);
	set_owner_msg(q, 1000, 1000, 0620);

	if (msgget(0x4d3, IPC_CREAT | 0) < 0)
		die("msgget mode 0");

	q = msgget(0x4d2, IPC_CREAT | 0400);
	if (q < 0)
		die("msgget");
	send_two(q);
	send_two(q);
	struct msqid_ds ds;
	msgctl(q, IPC_STAT, &ds);
	ds.msg_qbytes = 1000;
	if (msgctl(q, IPC_SET, &ds) < 0)
		die("msgctl qbytes");
}

static void create_sems(void)
{
	int s = semget(0x2000, 1, IPC_CREAT | 0600);
	if (s < 0)
		die("semget");
	semop_one(s);

	s = semget(IPC_PRIVATE, 3, 0644);
	if (s < 0)
		die("semget private");
	union {
		int val;
		unsigned short *array;
	} arg;
	unsigned short vals[3] = { 5, 0, 32767 };
	arg.array = vals;
	if (semctl(s, 0, SETALL, arg) < 0)
		die("semctl SETALL");

	as_user(1000, 1000, create_sem_as_user, 0x2001);
	s = semget(0x2001, 0, 0);
	set_owner_sem(s, 4242, 100, 0666);
	as_user(4242, 100, semop_one, s);
	set_owner_sem(s, 4242, 100, 0660);

	s = semget((key_t)0x80000000, 250, IPC_CREAT | 0777);
	if (s < 0)
		die("semget high key");
	set_owner_sem(s, 65534, 65534, 0444);

	s = semget(IPC_PRIVATE, 1, 0);
	if (s < 0)
		die("semget mode 0");
	set_owner_sem(s, 3000000000u, 3000000001u, 0);
}

/* A process asleep in semop on SEM's semaphore NUM: decrementing (ncount) or waiting
 * for zero (zcount); it ends when the set goes or it is killed. */
static pid_t sleeper(int sem, int num, int op)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		struct sembuf sb = { (unsigned short)num, (short)op, 0 };
		semop(sem, &sb, 1);
		_exit(0);
	}
	union {
		int val;
	} none = { 0 };
	while (semctl(sem, num, op ? GETNCNT : GETZCNT, none) < 1)
		usleep(1000);
	return pid;
}

/* Attaches the segments in `ids` (ending with -1) and waits until `fd` closes. */
static pid_t holder(const int *ids, int fd_read, int fd_write)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fd_write);
		for (; *ids >= 0; ids++)
			if (shmat(*ids, NULL, 0) == (void *)-1)
				die("shmat");
		char c;
		while (read(fd_read, &c, 1) > 0)
			;
		_exit(0);
	}
	return pid;
}

static int create_shms(int *to_hold)
{
	int n = 0;
	int m = shmget(0x3000, 4096, IPC_CREAT | 0600);
	if (m < 0)
		die("shmget");
	to_hold[n++] = m;
	to_hold[n++] = m;

	m = shmget(IPC_PRIVATE, 100000, 0640);
	if (m < 0)
		die("shmget private");
	void *p = shmat(m, NULL, 0);
	if (p == (void *)-1)
		die("shmat");
	memset(p, 1, 100000);
	shmdt(p);

	int dest = shmget(0x3002, 65536, IPC_CREAT | 0666);
	if (dest < 0)
		die("shmget dest");
	to_hold[n++] = dest;

	m = shmget((key_t)0xfffffffe, (size_t)3 << 30, IPC_CREAT | 0644);
	if (m < 0)
		die("shmget big");
	set_owner_shm(m, 998, 4243, 0604);

	m = shmget(0x3004, 12345, IPC_CREAT | 0660);
	if (m < 0)
		die("shmget lock");
	if (shmctl(m, SHM_LOCK, NULL) < 0)
		die("shmctl SHM_LOCK");

	as_user(1000, 100, create_shm_as_user, 0x3005);
	m = shmget(0x3005, 0, 0);
	set_owner_shm(m, 0, 0, 0644);

	m = shmget(0x3006, 1048575, IPC_CREAT | 0);
	if (m < 0)
		die("shmget mode 0");
	to_hold[n] = -1;
	return dest;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ipc_fixture COMMAND [ARGS...]\n");
		return 125;
	}
	create_queues();
	create_sems();
	int to_hold[8];
	int dest = create_shms(to_hold);
	int waited = semget(0x2002, 2, IPC_CREAT | 0600);
	if (waited < 0)
		die("semget");
	union {
		int val;
	} one = { 1 };
	if (semctl(waited, 1, SETVAL, one) < 0)
		die("semctl SETVAL");
	pid_t sleepers[3] = { sleeper(waited, 0, -1), sleeper(waited, 0, -1), sleeper(waited, 1, 0) };
	int fds[2];
	if (pipe(fds) < 0)
		die("pipe");
	pid_t held = holder(to_hold, fds[0], fds[1]);
	close(fds[0]);
	/* wait until the holder has made every attachment (the last one is to `dest`,
	 * which must be attached before it is removed) */
	for (;;) {
		struct shmid_ds first, last;
		if (shmctl(to_hold[0], IPC_STAT, &first) < 0 || shmctl(dest, IPC_STAT, &last) < 0)
			die("shmctl IPC_STAT");
		if (first.shm_nattch == 2 && last.shm_nattch == 1)
			break;
		usleep(1000);
	}
	if (shmctl(dest, IPC_RMID, NULL) < 0)
		die("shmctl IPC_RMID");

	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fds[1]);
		execvp(argv[1], argv + 1);
		die(argv[1]);
	}
	int status;
	waitpid(pid, &status, 0);
	close(fds[1]);
	waitpid(held, NULL, 0);
	for (int i = 0; i < 3; i++) {
		kill(sleepers[i], SIGKILL);
		waitpid(sleepers[i], NULL, 0);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
