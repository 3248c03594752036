/* ipcs's semaphore tables: semctl SEM_INFO for the highest index and the usage,
 * SEM_STAT_ANY for each set, IPC_INFO for the limits, and for -i each semaphore's
 * GETVAL, GETNCNT, GETZCNT and GETPID. */
#include "ipcs.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static void limits(void)
{
	struct seminfo info;
	union semun arg = { .__buf = &info };
	if (semctl(0, 0, IPC_INFO, arg) < 0)
		return;
	ipcs_title("Semaphore Limits");
	printf("max number of arrays = %d\n", info.semmni);
	printf("max semaphores per array = %d\n", info.semmsl);
	printf("max semaphores system wide = %d\n", info.semmns);
	printf("max ops per semop call = %d\n", info.semopm);
	printf("semaphore max value = %d\n", info.semvmx);
}

static void status(void)
{
	struct seminfo info;
	union semun arg = { .__buf = &info };
	if (semctl(0, 0, SEM_INFO, arg) < 0)
		return;
	ipcs_title("Semaphore Status");
	printf("used arrays = %d\n", info.semusz);
	printf("allocated semaphores = %d\n", info.semaem);
}

static void header(enum ipcs_format format)
{
	switch (format) {
	case FMT_TIME:
		ipcs_title("Semaphore Operation/Change Times");
		printf("%-8s %-10s %-26.24s %-26.24s\n", "semid", "owner", "last-op", "last-changed");
		break;
	case FMT_CREATOR:
		ipcs_title("Semaphore Arrays Creators/Owners");
		printf("%-10s %-10s %-10s %-10s %-10s %-10s\n", "semid", "perms", "cuid", "cgid", "uid",
		       "gid");
		break;
	default:
		ipcs_title("Semaphore Arrays");
		printf("%-10s %-10s %-10s %-10s %-10s\n", "key", "semid", "owner", "perms", "nsems");
		break;
	}
}

static void row(enum ipcs_format format, int id, const struct semid_ds *ds)
{
	char b1[64], b2[64];
	switch (format) {
	case FMT_TIME:
		printf("%-8d ", id);
		ipcs_owner_column(ds->sem_perm.uid, 10);
		printf("  %-26.24s", ipcs_time(ds->sem_otime, b1, 1));
		printf(" %-26.24s\n", ipcs_time(ds->sem_ctime, b2, 1));
		break;
	case FMT_CREATOR:
		printf("%-10d %-10o", id, (unsigned)(ds->sem_perm.mode & 0777));
		ipcs_user_column(ds->sem_perm.cuid);
		ipcs_group_column(ds->sem_perm.cgid);
		ipcs_user_column(ds->sem_perm.uid);
		ipcs_group_column(ds->sem_perm.gid);
		printf("\n");
		break;
	default:
		printf("0x%08x %-10d ", (unsigned)ds->sem_perm.__key, id);
		ipcs_owner_column(ds->sem_perm.uid, 10);
		printf(" %-10o %-10ld\n", (unsigned)(ds->sem_perm.mode & 0777), (long)ds->sem_nsems);
		break;
	}
}

void ipcs_sem(enum ipcs_format format, enum ipcs_unit unit)
{
	(void)unit;
	if (format == FMT_LIMITS) {
		limits();
		return;
	}
	if (format == FMT_STATUS) {
		status();
		return;
	}
	/* util-linux has no PID table for semaphore sets: -p prints an empty line */
	if (format == FMT_PID) {
		printf("\n");
		return;
	}
	header(format);
	int max = ipc_sem_max_index();
	for (int index = 0; index <= max; index++) {
		struct semid_ds ds;
		int id = ipc_sem_stat_index(index, &ds);
		if (id >= 0)
			row(format, id, &ds);
	}
}

void ipcs_sem_id(int id)
{
	int max = ipc_sem_max_index();
	for (int index = 0; index <= max; index++) {
		struct semid_ds ds;
		/* no "-1 is the first set" here: util-linux crashes on negative ids (README.md) */
		if (ipc_sem_stat_index(index, &ds) != id || id < 0)
			continue;
		/* every semaphore's values first, as util-linux reads them before it prints:
		 * a call it may not make (no read permission) ends the program, output-less */
		static const int cmds[4] = { GETVAL, GETNCNT, GETZCNT, GETPID };
		static const char *const names[4] = { "GETVAL", "GETNCNT", "GETZCNT", "GETPID" };
		int *values = calloc(ds.sem_nsems * 4 + 1, sizeof *values);
		if (!values)
			ipc_die(EXIT_FAILURE, ENOMEM, "cannot allocate");
		for (unsigned long i = 0; i < ds.sem_nsems; i++) {
			for (int c = 0; c < 4; c++) {
				union semun none = { .val = 0 };
				values[i * 4 + c] = semctl(id, (int)i, cmds[c], none);
				if (values[i * 4 + c] < 0)
					ipc_die(EXIT_FAILURE, errno, "semctl(%s) failed", names[c]);
			}
		}
		char buf[64];
		printf("\nSemaphore Array semid=%d\n", id);
		printf("uid=%u\t gid=%u\t cuid=%u\t cgid=%u\n", (unsigned)ds.sem_perm.uid,
		       (unsigned)ds.sem_perm.gid, (unsigned)ds.sem_perm.cuid, (unsigned)ds.sem_perm.cgid);
		printf("mode=%#o, access_perms=%#o\n", (unsigned)ds.sem_perm.mode,
		       (unsigned)(ds.sem_perm.mode & 0777));
		printf("nsems = %ld\n", (long)ds.sem_nsems);
		printf("otime = %-26.24s\n", ipcs_time(ds.sem_otime, buf, 1));
		printf("ctime = %-26.24s\n", ipcs_time(ds.sem_ctime, buf, 1));
		printf("%-10s %-10s %-10s %-10s %-10s\n", "semnum", "value", "ncount", "zcount", "pid");
		for (unsigned long i = 0; i < ds.sem_nsems; i++)
			printf("%-10lu %-10d %-10d %-10d %-10d\n", i, values[i * 4], values[i * 4 + 1],
			       values[i * 4 + 2], values[i * 4 + 3]);
		printf("\n");
		free(values);
		return;
	}
	ipc_warnx("id %d not found", id);
}
