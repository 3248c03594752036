/* c_sysvipc.c: the tables of /proc/sysvipc (sem, msg, shm) as Linux prints them: the
 * header line, and for each object this program makes, a line whose columns are the
 * object's IPC_STAT fields in Linux's widths (checked by rebuilding the line with the
 * format Linux uses and comparing whole lines); an object gone is gone from the table;
 * a segment removed while attached shows key 0 and SHM_DEST in its mode; the directory
 * lists the three tables; the files are read-only.
 *
 * The same source passes on Linux (as root, in any IPC namespace) and on kestrel, where
 * the C runtime opens /proc/sysvipc/NAME at the kernel's /scheme/sys/sysvipc/NAME. */
#include "c_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>

static const char SEM_HEADER[] =
	"       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
static const char MSG_HEADER[] = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid "
				 "     stime      rtime      ctime\n";
static const char SHM_HEADER[] = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid "
				 " cgid      atime      dtime      ctime                   rss                  swap\n";

/* The whole of /proc/sysvipc/NAME (NUL-terminated, malloc'd), or NULL. */
static char *read_table(const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/sysvipc/%s", name);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *text = malloc(cap);
	for (;;) {
		if (len + 512 > cap)
			text = realloc(text, cap *= 2);
		/* Small reads, as a line-by-line reader does. */
		ssize_t n = read(fd, text + len, 100);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	return text;
}

/* The line of TEXT whose second column is ID (with its newline), in OUT; 0 if none. */
static int find_line(const char *text, int id, char *out, size_t size)
{
	for (const char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		long key, got;
		if (sscanf(line + 1, "%ld %ld", &key, &got) == 2 && got == id) {
			const char *end = strchr(line + 1, '\n');
			size_t n = (size_t)(end - line);
			if (n >= size)
				return 0;
			memcpy(out, line + 1, n);
			out[n] = '\0';
			return 1;
		}
	}
	return 0;
}

static void check_line(const char *table, int id, const char *expected)
{
	char got[512];
	if (!find_line(table, id, got, sizeof got)) {
		FAIL_AT("no line for id %d in\n%s", id, table);
		return;
	}
	if (strcmp(got, expected) != 0)
		FAIL_AT("line for id %d:\n  got      %s  expected %s", id, got, expected);
}

static void sem_table(void)
{
	SECTION("/proc/sysvipc/sem");
	int id = semget(IPC_PRIVATE, 3, 0640);
	CHECK(id >= 0);
	struct sembuf op = { .sem_num = 2, .sem_op = 1, .sem_flg = 0 };
	CHECK(semop(id, &op, 1) == 0);
	struct semid_ds ds;
	CHECK(semctl(id, 0, IPC_STAT, &ds) == 0);
	char *table = read_table("sem");
	CHECK(table != NULL);
	if (!table)
		return;
	CHECK(strncmp(table, SEM_HEADER, strlen(SEM_HEADER)) == 0);
	char line[512];
	snprintf(line, sizeof line, "%10d %10d  %4o %10lu %5u %5u %5u %5u %10llu %10llu\n", ds.sem_perm.__key, id,
		 ds.sem_perm.mode, (unsigned long)ds.sem_nsems, ds.sem_perm.uid, ds.sem_perm.gid, ds.sem_perm.cuid,
		 ds.sem_perm.cgid, (unsigned long long)ds.sem_otime, (unsigned long long)ds.sem_ctime);
	check_line(table, id, line);
	free(table);
	CHECK(semctl(id, 0, IPC_RMID) == 0);
	table = read_table("sem");
	CHECK(table && !find_line(table, id, line, sizeof line));
	free(table);
}

static void msg_table(void)
{
	SECTION("/proc/sysvipc/msg");
	key_t key = test_key(1);
	int id = msgget(key, IPC_CREAT | IPC_EXCL | 0604);
	CHECK(id >= 0);
	struct {
		long mtype;
		char mtext[16];
	} msg = { 3, "hello, world" };
	CHECK(msgsnd(id, &msg, 12, 0) == 0);
	CHECK(msgsnd(id, &msg, 5, 0) == 0);
	CHECK(msgrcv(id, &msg, sizeof msg.mtext, 0, 0) == 12);
	struct msqid_ds ds;
	CHECK(msgctl(id, IPC_STAT, &ds) == 0);
	char *table = read_table("msg");
	CHECK(table != NULL);
	if (!table)
		return;
	CHECK(strncmp(table, MSG_HEADER, strlen(MSG_HEADER)) == 0);
	char line[512];
	snprintf(line, sizeof line, "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10llu %10llu %10llu\n",
		 ds.msg_perm.__key, id, ds.msg_perm.mode, (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qnum,
		 ds.msg_lspid, ds.msg_lrpid, ds.msg_perm.uid, ds.msg_perm.gid, ds.msg_perm.cuid, ds.msg_perm.cgid,
		 (unsigned long long)ds.msg_stime, (unsigned long long)ds.msg_rtime,
		 (unsigned long long)ds.msg_ctime);
	check_line(table, id, line);
	CHECK_EQ(ds.__msg_cbytes, 5);
	CHECK_EQ(ds.msg_lspid, getpid());
	free(table);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0);
}

static void shm_table(void)
{
	SECTION("/proc/sysvipc/shm");
	long page = sysconf(_SC_PAGESIZE);
	int id = shmget(IPC_PRIVATE, (size_t)(2 * page + 10), 0600);
	CHECK(id >= 0);
	char *at = shmat(id, NULL, 0);
	CHECK(at != (void *)-1);
	for (int i = 0; i < 3; i++)
		at[i * page] = 1;
	CHECK(shmctl(id, IPC_RMID, NULL) == 0);
	struct shmid_ds ds;
	CHECK(shmctl(id, IPC_STAT, &ds) == 0);
	CHECK(ds.shm_perm.mode & 01000);
	CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);
	char *table = read_table("shm");
	CHECK(table != NULL);
	if (!table)
		return;
	CHECK(strncmp(table, SHM_HEADER, strlen(SHM_HEADER)) == 0);
	char line[512];
	snprintf(line, sizeof line,
		 "%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10llu %10llu %10llu %21lu %21lu\n",
		 ds.shm_perm.__key, id, ds.shm_perm.mode, (unsigned long)ds.shm_segsz, ds.shm_cpid, ds.shm_lpid,
		 (unsigned long)ds.shm_nattch, ds.shm_perm.uid, ds.shm_perm.gid, ds.shm_perm.cuid, ds.shm_perm.cgid,
		 (unsigned long long)ds.shm_atime, (unsigned long long)ds.shm_dtime,
		 (unsigned long long)ds.shm_ctime, (unsigned long)(3 * page), 0UL);
	check_line(table, id, line);
	free(table);
	CHECK(shmdt(at) == 0);
	/* The last detach of a removed segment frees it. */
	table = read_table("shm");
	CHECK(table && !find_line(table, id, line, sizeof line));
	free(table);
}

/* A process without privileges: the tables are readable, not writable. */
static int unprivileged_open(int unused)
{
	(void)unused;
	drop_privileges();
	CHECK_ERR(open("/proc/sysvipc/msg", O_WRONLY), EACCES);
	int fd = open("/proc/sysvipc/shm", O_RDONLY);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	return 0;
}

static void directory_and_modes(void)
{
	SECTION("the directory and its files");
	DIR *dir = opendir("/proc/sysvipc");
	CHECK(dir != NULL);
	int seen = 0;
	for (struct dirent *e; dir && (e = readdir(dir));) {
		if (strcmp(e->d_name, "sem") == 0)
			seen |= 1;
		else if (strcmp(e->d_name, "msg") == 0)
			seen |= 2;
		else if (strcmp(e->d_name, "shm") == 0)
			seen |= 4;
	}
	if (dir)
		closedir(dir);
	CHECK_EQ(seen, 7);
	struct stat st;
	CHECK(stat("/proc/sysvipc/sem", &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0444);
	CHECK(stat("/proc/sysvipc", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_ERR(open("/proc/sysvipc/nothing", O_RDONLY), ENOENT);
	CHECK_CHILD_OK(spawn(unprivileged_open, 0));
}

int main(void)
{
	test_name = "c_sysvipc";
	sem_table();
	msg_table();
	shm_table();
	directory_and_modes();
	(void)ret;
	return report();
}
