/* c_perms.c: the permission matrix of every IPC facility that has permissions. For each
 * object kind (System V semaphore sets, message queues and shared memory segments, POSIX
 * message queues and shared memory objects), each class the mode can grant (owner,
 * group, other) and each grant (read, write, both), a process of each kind of user tries
 * a read and a write: the owner, a member of the object's group by its gid, a member by
 * a supplementary group only, and another user. Access is granted exactly when the user's
 * class (the first of owner, group, other that matches) has the bits the access needs;
 * root is granted everything on objects of mode 0. IPC_SET and IPC_RMID by a process
 * that is neither owner nor creator are EPERM, and allowed to the owner.
 *
 * The accesses: semctl GETVAL (read) and semop (write); msgrcv (read: ENOMSG once
 * granted) and msgsnd (write); shmat SHM_RDONLY (read) and shmat read-write (needs both);
 * mq_open O_RDONLY and O_WRONLY; shm_open O_RDONLY and O_RDWR (needs both). The POSIX
 * objects are created by their owner (they belong to their creator). Passes on Linux. */
#include "c_common.h"

#include <fcntl.h>
#include <mqueue.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>

#define OWNER_UID 1001
#define OBJECT_GID 1002
#define STRANGER_UID 1003
#define STRANGER_GID 1004

enum user { OWNER, GROUP, SUPPLEMENTARY, OTHER, ROOT, NUSERS };
static const char *user_names[] = { "owner", "group", "supplementary group", "other", "root" };
/* The class (0 owner, 1 group, 2 other) each user falls in. */
static const int user_class[] = { 0, 1, 1, 2, -1 };

enum kind { SEM, MSG, SHM, MQ, PSHM, NKINDS };
static const char *kind_names[] = { "semaphore set", "message queue", "segment", "POSIX queue", "POSIX shm" };

static char mq_name[64], shm_name[64];

/* In a child: become USER. */
static void become(enum user user)
{
	if (user == ROOT)
		return;
	gid_t supplementary = OBJECT_GID;
	if (setgroups(user == SUPPLEMENTARY ? 1 : 0, &supplementary) != 0)
		_exit(10);
	gid_t gid = user == GROUP ? OBJECT_GID : STRANGER_GID;
	uid_t uid = user == OWNER ? OWNER_UID : STRANGER_UID;
	if (setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
		_exit(11);
}

/* In a child: try access WRITE (else read) to the object ID of KIND; 0 granted, 1 EACCES,
 * 2 anything else. */
static int try_access(enum kind kind, int id, int write_access)
{
	errno = 0;
	int ok;
	switch (kind) {
	case SEM: {
		struct sembuf op = { 0, 1, IPC_NOWAIT };
		ok = write_access ? semop(id, &op, 1) == 0 : semctl(id, 0, GETVAL) >= 0;
		break;
	}
	case MSG: {
		struct {
			long mtype;
			char mtext[8];
		} m = { 1, "x" };
		if (write_access)
			ok = msgsnd(id, &m, 1, IPC_NOWAIT) == 0;
		else
			ok = msgrcv(id, &m, sizeof m.mtext, 7, IPC_NOWAIT) >= 0 || errno == ENOMSG;
		break;
	}
	case SHM: {
		void *at = shmat(id, NULL, write_access ? 0 : SHM_RDONLY);
		ok = at != (void *)-1;
		break;
	}
	case MQ: {
		mqd_t q = mq_open(mq_name, write_access ? O_WRONLY : O_RDONLY);
		ok = q != (mqd_t)-1;
		break;
	}
	default: {
		int fd = shm_open(shm_name, write_access ? O_RDWR : O_RDONLY, 0);
		ok = fd >= 0;
		break;
	}
	}
	return ok ? 0 : errno == EACCES ? 1 : 2;
}

/* The object of KIND with MODE, owned by OWNER_UID and OBJECT_GID: its id (System V) or
 * 0 (POSIX, by name); -1 on failure. */
static int make(enum kind kind, int mode)
{
	if (kind == MQ || kind == PSHM) {
		pid_t pid = fork();
		if (pid == 0) {
			/* The owner, with the object's group as its own: the creator's ids go on
			 * the object. */
			if (setgroups(0, NULL) != 0 || setresgid(OBJECT_GID, OBJECT_GID, OBJECT_GID) != 0 ||
			    setresuid(OWNER_UID, OWNER_UID, OWNER_UID) != 0)
				_exit(12);
			int made;
			if (kind == MQ)
				made = mq_open(mq_name, O_CREAT | O_EXCL | O_RDONLY, mode, NULL) != (mqd_t)-1;
			else
				made = shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR, mode) >= 0;
			_exit(made ? 0 : 13);
		}
		int st = reap(pid);
		return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
	}
	int id = kind == SEM ? semget(IPC_PRIVATE, 1, 0600) : kind == MSG ? msgget(IPC_PRIVATE, 0600)
								    : shmget(IPC_PRIVATE, 4096, 0600);
	if (id < 0)
		return -1;
	int set;
	if (kind == SEM) {
		struct semid_ds ds = { .sem_perm = { .uid = OWNER_UID, .gid = OBJECT_GID, .mode = (unsigned short)mode } };
		set = semctl(id, 0, IPC_SET, &ds);
	} else if (kind == MSG) {
		struct msqid_ds ds;
		set = msgctl(id, IPC_STAT, &ds);
		ds.msg_perm.uid = OWNER_UID;
		ds.msg_perm.gid = OBJECT_GID;
		ds.msg_perm.mode = (unsigned short)mode;
		set = set ? set : msgctl(id, IPC_SET, &ds);
	} else {
		struct shmid_ds ds = { .shm_perm = { .uid = OWNER_UID, .gid = OBJECT_GID, .mode = (unsigned short)mode } };
		set = shmctl(id, IPC_SET, &ds);
	}
	return set == 0 ? id : -1;
}

static void destroy(enum kind kind, int id)
{
	switch (kind) {
	case SEM:
		CHECK(semctl(id, 0, IPC_RMID) == 0);
		break;
	case MSG:
		CHECK(msgctl(id, IPC_RMID, NULL) == 0);
		break;
	case SHM:
		CHECK(shmctl(id, IPC_RMID, NULL) == 0);
		break;
	case MQ:
		CHECK(mq_unlink(mq_name) == 0);
		break;
	default:
		CHECK(shm_unlink(shm_name) == 0);
		break;
	}
}

/* USER's ACCESS to an object of KIND with MODE, in a child: 0 granted, 1 EACCES. */
static int access_as(enum user user, enum kind kind, int id, int write_access)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		become(user);
		_exit(try_access(kind, id, write_access));
	}
	int st = reap(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static void matrix(enum kind kind)
{
	printf("%s: %s: 3 classes x {r, w, rw} x 4 users x {read, write}\n", test_name, kind_names[kind]);
	/* A System V segment's and a POSIX shm object's write access needs read too. */
	int write_needs_read = kind == SHM || kind == PSHM;
	for (int class = 0; class < 3; class++) {
		for (int grant = 1; grant <= 3; grant++) { /* 1: w, 2: r, 3: rw (in octal rw- order) */
			int bits = (grant & 2 ? 4 : 0) | (grant & 1 ? 2 : 0);
			int mode = bits << (3 * (2 - class));
			int id = make(kind, mode);
			if (id < 0) {
				FAIL_AT("%s of mode %03o: errno %d", kind_names[kind], mode, errno);
				continue;
			}
			for (int user = OWNER; user <= OTHER; user++) {
				for (int w = 0; w <= 1; w++) {
					int in_class = user_class[user] == class;
					int need = w ? (write_needs_read ? 6 : 2) : 4;
					int expected = in_class && (bits & need) == need ? 0 : 1;
					int got = access_as(user, kind, id, w);
					if (got != expected)
						FAIL_AT("%s mode %03o, %s %s: %s, expected %s", kind_names[kind], mode,
							user_names[user], w ? "write" : "read",
							got == 0 ? "granted" : got == 1 ? "EACCES" : "other error",
							expected ? "EACCES" : "granted");
				}
			}
			destroy(kind, id);
		}
	}
	/* Root on an object of mode 0. */
	int id = make(kind, 0);
	CHECK(id >= 0);
	if (id >= 0) {
		CHECK_EQ(access_as(ROOT, kind, id, 0), 0);
		CHECK_EQ(access_as(ROOT, kind, id, 1), 0);
		destroy(kind, id);
	}
}

/* IPC_SET and IPC_RMID of System V object ID of KIND as USER: 0 allowed, else errno. */
static int control_as(enum user user, enum kind kind, int id, int cmd)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		become(user);
		int r;
		if (kind == SEM) {
			struct semid_ds ds = { .sem_perm = { .uid = OWNER_UID, .gid = OBJECT_GID, .mode = 0640 } };
			r = cmd == IPC_SET ? semctl(id, 0, IPC_SET, &ds) : semctl(id, 0, IPC_RMID);
		} else if (kind == MSG) {
			struct msqid_ds ds;
			r = msgctl(id, IPC_STAT, &ds);
			if (r != 0 && errno == EACCES) /* no read access: IPC_SET needs none */
				memset(&ds, 0, sizeof ds), r = 0;
			ds.msg_perm.uid = OWNER_UID;
			ds.msg_perm.gid = OBJECT_GID;
			ds.msg_perm.mode = 0640;
			ds.msg_qbytes = 16384;
			r = cmd == IPC_SET ? msgctl(id, IPC_SET, &ds) : msgctl(id, IPC_RMID, NULL);
		} else {
			struct shmid_ds ds = { .shm_perm = { .uid = OWNER_UID, .gid = OBJECT_GID, .mode = 0640 } };
			r = cmd == IPC_SET ? shmctl(id, IPC_SET, &ds) : shmctl(id, IPC_RMID, NULL);
		}
		_exit(r == 0 ? 0 : errno == EPERM ? 1 : 2);
	}
	int st = reap(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static void ownership(enum kind kind)
{
	printf("%s: %s: IPC_SET and IPC_RMID by others EPERM, by the owner allowed\n", test_name, kind_names[kind]);
	int id = make(kind, 0666);
	CHECK(id >= 0);
	if (id < 0)
		return;
	for (int user = GROUP; user <= OTHER; user++) {
		if (control_as(user, kind, id, IPC_SET) != 1)
			FAIL_AT("%s: IPC_SET by %s not EPERM", kind_names[kind], user_names[user]);
		if (control_as(user, kind, id, IPC_RMID) != 1)
			FAIL_AT("%s: IPC_RMID by %s not EPERM", kind_names[kind], user_names[user]);
	}
	CHECK_EQ(control_as(OWNER, kind, id, IPC_SET), 0);
	CHECK_EQ(control_as(OWNER, kind, id, IPC_RMID), 0);
}

int main(void)
{
	test_name = "c_perms";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): children take other ids", (int)getuid());
#ifndef __kestrel__
	umask(0); /* the modes given are the modes wanted (kestrel has no umask) */
#endif
	snprintf(mq_name, sizeof mq_name, "/c_perms_mq_%d", (int)getpid());
	snprintf(shm_name, sizeof shm_name, "/c_perms_shm_%d", (int)getpid());
	for (enum kind kind = SEM; kind < NKINDS; kind++)
		matrix(kind);
	for (enum kind kind = SEM; kind <= SHM; kind++)
		ownership(kind);
	(void)ret;
	return report();
}
