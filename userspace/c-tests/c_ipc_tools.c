/* c_ipc_tools: the operator tools ipcs and ipcrm (userspace/tools/) on objects this test
 * makes: a message queue with two messages, a semaphore set after a semop and a SETVAL,
 * an attached segment, and a private segment given to uid 1000 and to a uid without a
 * name. Each tool runs in a child (fork and exec, its stdout and stderr through pipes);
 * the test checks its exit status and that the rows and fields of its objects are there
 * in util-linux's format: the default listing, -q/-m/-s, -t (times as ctime writes them
 * in UTC, "Not set"), -p, -c (names from /etc/passwd and /etc/group, numbers where there
 * is none), -l and -u (from the *_INFO calls), -i for each object, --human, and the
 * messages for an unknown id and a bad option. Then ipcrm: by id (-q, -s), by key (-Q,
 * -S, -M), the historical `ipcrm sem ID`, a segment still attached (marked "dest", key 0,
 * gone at the detach), an id already removed, an unknown key, and a process without
 * privileges refused; the objects are gone after each. On kestrel only, `ipcrm --all=sem`
 * and `ipcrm -a` (on Linux they would take every object of the machine).
 *
 * On kestrel the tools are /scheme/initfs/ipcs and /scheme/initfs/ipcrm; on Linux the
 * same checks pass with util-linux's, found through PATH (run as root). */
#include "c_common.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#ifdef __kestrel__
#define TOOL_DIR "/scheme/initfs/"
#else
#define TOOL_DIR ""
#endif

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* A tool's run: exit status (or -1), stdout and stderr. */
struct run {
	int status;
	char out[32768];
	char err[1024];
};

static struct run r;
static int drop_before_exec;

static void read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	char rest[256]; /* drain what did not fit, so the child never blocks */
	while (read(fd, rest, sizeof rest) > 0)
		;
}

/* Runs the tool TOOL with the arguments in ARGS (space-separated) into `r`. */
static void run_tool(const char *tool, const char *args)
{
	char line[256], *argv[16];
	int argc = 0;
	snprintf(line, sizeof line, "%s", args);
	argv[argc++] = (char *)tool;
	for (char *save = NULL, *w = strtok_r(line, " ", &save); w && argc < 15;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	int out[2], err[2];
	if (pipe(out) < 0 || pipe(err) < 0) {
		FAIL_AT("pipe: errno %d", errno);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		if (drop_before_exec)
			drop_privileges();
		char path[64];
		snprintf(path, sizeof path, "%s%s", TOOL_DIR, tool);
		execvp(path, argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	read_all(out[0], r.out, sizeof r.out);
	read_all(err[0], r.err, sizeof r.err);
	close(out[0]);
	close(err[0]);
	int status = reap_within(pid, 10000);
	r.status = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The last run's stdout has TEXT (and a line that says so is printed if not). */
#define CHECK_OUT(...)                                                                      \
	do {                                                                                \
		char want_[512];                                                            \
		snprintf(want_, sizeof want_, __VA_ARGS__);                                 \
		if (!strstr(r.out, want_))                                                  \
			FAIL_AT("no \"%s\" in the output:\n%s", want_, r.out);              \
	} while (0)

#define CHECK_NOT_OUT(text)                                                     \
	do {                                                                    \
		if (strstr(r.out, text))                                        \
			FAIL_AT("\"%s\" in the output:\n%s", text, r.out);      \
	} while (0)

#define CHECK_RUN(status_, err_)                                                         \
	do {                                                                             \
		CHECK_EQ(r.status, status_);                                             \
		if (strcmp(r.err, err_) != 0)                                            \
			FAIL_AT("stderr \"%s\", expected \"%s\"", r.err, err_);          \
	} while (0)

static const char *user_of(uid_t uid, char buf[16])
{
	struct passwd *pw = getpwuid(uid);
	if (pw)
		snprintf(buf, 16, "%.10s", pw->pw_name);
	else
		snprintf(buf, 16, "%u", (unsigned)uid);
	return buf;
}

/* ctime(T) in UTC, computed afresh: "Thu Dec  3 06:22:33 2026". */
static void utc_ctime(time_t t, char buf[48])
{
	static const char *days[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	long day = (long)(t / 86400), secs = (long)(t % 86400);
	const char *wday = days[day % 7];
	int year = 1970;
	for (;;) {
		int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
		if (day < 365 + leap)
			break;
		day -= 365 + leap;
		year++;
	}
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int lengths[12] = { 31, 28 + leap, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int month = 0;
	while (day >= lengths[month])
		day -= lengths[month++];
	snprintf(buf, 48, "%s %s %2ld %02ld:%02ld:%02ld %d", wday, months[month], day + 1, secs / 3600,
		 secs / 60 % 60, secs % 60, year);
}

struct text {
	long mtype;
	char mtext[32];
};

static int qid, sid, mid, other_mid;
static key_t qkey, skey, mkey;
/* A child holds the attachment, so that the tools' processes (forks of this one) inherit
 * none: their exec would detach it and change lpid and dtime. It detaches and ends when
 * the pipe closes. */
static pid_t holder;
static int holder_pipe[2] = { -1, -1 };

static int hold(int id)
{
	char c;
	close(holder_pipe[1]);
	if (shmat(id, NULL, 0) == (void *)-1)
		FAIL_AT("shmat: errno %d", errno);
	while (read(holder_pipe[0], &c, 1) > 0)
		;
	return 0;
}

static void start_holder(int id)
{
	CHECK_OK(pipe(holder_pipe));
	CHECK_OK(fcntl(holder_pipe[1], F_SETFD, FD_CLOEXEC));
	holder = spawn(hold, id);
	close(holder_pipe[0]);
	struct shmid_ds ds;
	do
		CHECK_OK(shmctl(id, IPC_STAT, &ds));
	while (ds.shm_nattch == 0 && ret == 0);
}

static void stop_holder(void)
{
	close(holder_pipe[1]);
	CHECK_CHILD_OK(holder);
}

static void make_objects(void)
{
	qkey = test_key(1);
	skey = test_key(2);
	mkey = test_key(3);
	CHECK_OK(qid = msgget(qkey, IPC_CREAT | IPC_EXCL | 0640));
	struct text m = { 3, "ten bytes!" };
	CHECK_OK(msgsnd(qid, &m, 10, 0));
	CHECK_OK(msgsnd(qid, &m, 20, 0));
	CHECK_OK(sid = semget(skey, 3, IPC_CREAT | IPC_EXCL | 0600));
	struct sembuf up = { 0, 1, 0 };
	CHECK_OK(semop(sid, &up, 1));
	union semun seven = { .val = 7 };
	CHECK_OK(semctl(sid, 1, SETVAL, seven));
	CHECK_OK(mid = shmget(mkey, 12345, IPC_CREAT | IPC_EXCL | 0660));
	start_holder(mid);
	CHECK_OK(other_mid = shmget(IPC_PRIVATE, 100000, 0644));
	struct shmid_ds ds;
	CHECK_OK(shmctl(other_mid, IPC_STAT, &ds));
	ds.shm_perm.uid = OTHER_ID;
	ds.shm_perm.gid = 100;
	CHECK_OK(shmctl(other_mid, IPC_SET, &ds));
}

static void check_listings(void)
{
	char name[16];
	SECTION("ipcs: the default listing, -q, -m, -s");
	run_tool("ipcs", "");
	CHECK_RUN(0, "");
	CHECK_OUT("\n------ Message Queues --------\n");
	CHECK_OUT("key        msqid      owner      perms      used-bytes   messages    \n");
	CHECK_OUT("0x%08x %-10d root       640        30           2           \n", (unsigned)qkey, qid);
	CHECK_OUT("\n------ Shared Memory Segments --------\n");
	CHECK_OUT("0x%08x %-10d root       660        12345      1                       \n",
		  (unsigned)mkey, mid);
	CHECK_OUT("0x00000000 %-10d %-10s 644        100000     0                       \n", other_mid,
		  user_of(OTHER_ID, name));
	CHECK_OUT("\n------ Semaphore Arrays --------\n");
	CHECK_OUT("0x%08x %-10d root       600        3         \n", (unsigned)skey, sid);
	run_tool("ipcs", "-q");
	CHECK_RUN(0, "");
	CHECK_OUT("0x%08x %-10d root ", (unsigned)qkey, qid);
	CHECK_NOT_OUT("Shared Memory");
	CHECK_NOT_OUT("Semaphore");
	run_tool("ipcs", "-s -m");
	CHECK_RUN(0, "");
	CHECK_NOT_OUT("Message Queues");
	CHECK_OUT("0x%08x %-10d root ", (unsigned)skey, sid);
	CHECK_OUT("0x%08x %-10d root ", (unsigned)mkey, mid);
	run_tool("ipcs", "-m --human");
	CHECK_OUT("0x%08x %-10d root       660         12.1K     1 ", (unsigned)mkey, mid);
	CHECK_OUT("0x00000000 %-10d %-10s 644         97.7K     0 ", other_mid, user_of(OTHER_ID, name));

	SECTION("ipcs -t, -p, -c");
	struct msqid_ds q;
	struct shmid_ds m;
	struct semid_ds s;
	union semun arg = { .buf = &s };
	CHECK_OK(msgctl(qid, IPC_STAT, &q));
	CHECK_OK(shmctl(mid, IPC_STAT, &m));
	CHECK_OK(semctl(sid, 0, IPC_STAT, arg));
	char t1[48], t2[48], t3[48];
	utc_ctime(q.msg_stime, t1);
	utc_ctime(q.msg_ctime, t2);
	run_tool("ipcs", "-t");
	CHECK_RUN(0, "");
	CHECK_OUT("%-8d root       %-20.16s %-20.16s %-20.16s\n", qid, t1 + 4, "Not set", t2 + 4);
	utc_ctime(m.shm_atime, t1);
	utc_ctime(m.shm_ctime, t2);
	CHECK_OUT("%-10d root       %-20.16s %-20.16s %-20.16s\n", mid, t1 + 4, "Not set", t2 + 4);
	utc_ctime(s.sem_otime, t1);
	utc_ctime(s.sem_ctime, t3);
	CHECK_OUT("%-8d root        %-26.24s %-26.24s\n", sid, t1, t3);
	run_tool("ipcs", "-p");
	CHECK_RUN(0, "");
	CHECK_OUT("%-8d root        %5d         0\n", qid, (int)getpid());
	CHECK_OUT("%-10d root       %-10d %-10d\n", mid, (int)getpid(), (int)holder);
	CHECK_NOT_OUT("Semaphore");
	run_tool("ipcs", "-c -m");
	CHECK_RUN(0, "");
	struct group *users = getgrgid(100);
	char gname[16];
	snprintf(gname, sizeof gname, "%s", users ? users->gr_name : "100");
	struct passwd *pw = getpwuid(OTHER_ID);
	CHECK_OUT("%-10d 644        root       root       %-10s %-10s\n", other_mid,
		  pw ? pw->pw_name : "1000", gname);
	struct shmid_ds ds;
	CHECK_OK(shmctl(other_mid, IPC_STAT, &ds));
	ds.shm_perm.uid = 4242;
	ds.shm_perm.gid = 4243;
	CHECK_OK(shmctl(other_mid, IPC_SET, &ds));
	run_tool("ipcs", "--creator --shmems");
	CHECK_OUT("%-10d 644        root       root       4242       4243      \n", other_mid);
	run_tool("ipcs", "-m");
	CHECK_OUT("0x00000000 %-10d 4242       644        100000 ", other_mid);
}

static void check_details(void)
{
	SECTION("ipcs -i, -l, -u, and errors");
	struct msqid_ds q;
	CHECK_OK(msgctl(qid, IPC_STAT, &q));
	char args[64], t[48];
	snprintf(args, sizeof args, "-q -i %d", qid);
	run_tool("ipcs", args);
	CHECK_RUN(0, "");
	CHECK_OUT("\nMessage Queue msqid=%d\nuid=0\tgid=0\tcuid=0\tcgid=0\tmode=0640\n", qid);
	CHECK_OUT("cbytes=30\tqbytes=%lu\tqnum=2\tlspid=%d\tlrpid=0\n", (unsigned long)q.msg_qbytes,
		  (int)getpid());
	utc_ctime(q.msg_stime, t);
	CHECK_OUT("send_time=%-26.24s\nrcv_time=Not set                   \n", t);
	snprintf(args, sizeof args, "-m -i %d", mid);
	run_tool("ipcs", args);
	CHECK_RUN(0, "");
	CHECK_OUT("\nShared memory Segment shmid=%d\n", mid);
	CHECK_OUT("mode=0660\taccess_perms=0660\nbytes=12345\tlpid=%d\tcpid=%d\tnattch=1\n", (int)holder,
		  (int)getpid());
	CHECK_OUT("det_time=Not set                   \n");
	snprintf(args, sizeof args, "-s -i %d", sid);
	run_tool("ipcs", args);
	CHECK_RUN(0, "");
	CHECK_OUT("\nSemaphore Array semid=%d\nuid=0\t gid=0\t cuid=0\t cgid=0\n", sid);
	CHECK_OUT("mode=0600, access_perms=0600\nnsems = 3\n");
	CHECK_OUT("semnum     value      ncount     zcount     pid       \n");
	CHECK_OUT("0          1          0          0          %-10d\n", (int)getpid());
	CHECK_OUT("1          7          0          0          %-10d\n", (int)getpid());
	CHECK_OUT("2          0          0          0          0         \n");

	struct msginfo mi;
	struct seminfo si;
	union {
		int val;
		struct seminfo *buf;
	} siarg = { .buf = &si };
	CHECK_OK(msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&mi));
	CHECK_OK(semctl(0, 0, IPC_INFO, siarg));
	run_tool("ipcs", "-l");
	CHECK_RUN(0, "");
	CHECK_OUT("\n------ Messages Limits --------\nmax queues system wide = %d\n", mi.msgmni);
	CHECK_OUT("max size of message (bytes) = %d\n", mi.msgmax);
	CHECK_OUT("max semaphores per array = %d\n", si.semmsl);
	CHECK_OUT("semaphore max value = %d\n", si.semvmx);
	CHECK_OUT("min seg size (bytes) = 1\n");
	CHECK_OK(msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&mi));
	run_tool("ipcs", "-u -q");
	CHECK_RUN(0, "");
	CHECK_OUT("\n------ Messages Status --------\nallocated queues = %d\nused headers = %d\n",
		  mi.msgpool, mi.msgmap);

	run_tool("ipcs", "-q -i 99999");
	CHECK_RUN(0, "ipcs: id 99999 not found\n");
	CHECK_EQ(r.out[0], '\0');
	run_tool("ipcs", "-x");
	CHECK_RUN(1, "ipcs: invalid option -- 'x'\nTry 'ipcs --help' for more information.\n");
	run_tool("ipcs", "-i 1");
	CHECK_RUN(1, "ipcs: when using an ID, a single resource must be specified\n");
}

static void check_removal(void)
{
	char args[64], want[128];
	SECTION("ipcrm by id and by key");
	drop_before_exec = 1;
	snprintf(args, sizeof args, "-q %d", qid);
	run_tool("ipcrm", args);
	snprintf(want, sizeof want, "ipcrm: permission denied for id (%d)\n", qid);
	CHECK_RUN(1, want);
	drop_before_exec = 0;
	struct msqid_ds q;
	CHECK_OK(msgctl(qid, IPC_STAT, &q));

	run_tool("ipcrm", args);
	CHECK_RUN(0, "");
	CHECK_EQ(r.out[0], '\0');
	CHECK_ERR(msgctl(qid, IPC_STAT, &q), EINVAL);
	run_tool("ipcrm", args);
	snprintf(want, sizeof want, "ipcrm: invalid id (%d)\n", qid);
	CHECK_RUN(1, want);

	snprintf(args, sizeof args, "-v -M 0x%x", (unsigned)mkey);
	run_tool("ipcrm", args);
	CHECK_RUN(0, "");
	CHECK_OUT("removing shared memory segment id `%d'\n", mid);
	run_tool("ipcs", "-m");
	CHECK_OUT("0x00000000 %-10d root       660        12345      1          dest         \n", mid);
	stop_holder();
	struct shmid_ds m;
	CHECK_ERR(shmctl(mid, IPC_STAT, &m), EINVAL);

	snprintf(args, sizeof args, "-S %d", (int)skey);
	run_tool("ipcrm", args);
	CHECK_RUN(0, "");
	union semun none = { .val = 0 };
	CHECK_ERR(semctl(sid, 0, GETVAL, none), EINVAL);
	run_tool("ipcrm", args);
	snprintf(want, sizeof want, "ipcrm: invalid key (%d)\n", (int)skey);
	CHECK_RUN(1, want);

	SECTION("ipcrm: the historical form, and a bad option");
	CHECK_OK(sid = semget(IPC_PRIVATE, 1, 0600));
	snprintf(args, sizeof args, "sem %d", sid);
	run_tool("ipcrm", args);
	CHECK_RUN(0, "");
	CHECK_OUT("resource(s) deleted\n");
	CHECK_ERR(semctl(sid, 0, GETVAL, none), EINVAL);
	snprintf(args, sizeof args, "shm %d", other_mid);
	run_tool("ipcrm", args);
	CHECK_RUN(0, "");
	CHECK_ERR(shmctl(other_mid, IPC_STAT, &m), EINVAL);
	run_tool("ipcrm", "-q");
	CHECK_RUN(1, "ipcrm: option requires an argument -- 'q'\nTry 'ipcrm --help' for more information.\n");
	run_tool("ipcrm", "-Q 0");
	CHECK_RUN(1, "ipcrm: illegal key (0)\n");

#ifdef __kestrel__
	/* Only here: on Linux it would remove every object of the machine. */
	SECTION("ipcrm -a and --all=TYPE");
	CHECK_OK(qid = msgget(IPC_PRIVATE, 0600));
	CHECK_OK(sid = semget(IPC_PRIVATE, 2, 0600));
	CHECK_OK(mid = shmget(IPC_PRIVATE, 4096, 0600));
	run_tool("ipcrm", "--all=sem -v");
	CHECK_RUN(0, "");
	CHECK_OUT("removing semaphore id `%d'\n", sid);
	CHECK_NOT_OUT("message queue");
	CHECK_ERR(semctl(sid, 0, GETVAL, none), EINVAL);
	CHECK_OK(msgctl(qid, IPC_STAT, &q));
	run_tool("ipcrm", "-a");
	CHECK_RUN(0, "");
	CHECK_ERR(msgctl(qid, IPC_STAT, &q), EINVAL);
	CHECK_ERR(shmctl(mid, IPC_STAT, &m), EINVAL);
	run_tool("ipcs", "");
	CHECK_OUT("\n------ Message Queues --------\n"
		  "key        msqid      owner      perms      used-bytes   messages    \n"
		  "\n------ Shared Memory Segments --------\n");
#endif
}

int main(void)
{
	test_name = "c_ipc_tools";
	make_objects();
	check_listings();
	check_details();
	check_removal();
	/* anything a failed check left behind */
	msgctl(qid, IPC_RMID, NULL);
	semctl(sid, 0, IPC_RMID);
	shmctl(mid, IPC_RMID, NULL);
	shmctl(other_mid, IPC_RMID, NULL);
	return report();
}
