/* ipcs's shared memory tables: shmctl SHM_INFO for the highest index and the usage,
 * SHM_STAT_ANY for each segment, IPC_INFO for the limits. */
#include "ipcs.h"

#include <unistd.h>

static void limits(enum ipcs_unit unit)
{
	struct shminfo info;
	if (shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) < 0)
		return;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	/* util-linux reads shmall from /proc/sys/kernel/shmall as a signed number (a value
	 * above INT64_MAX becomes INT64_MAX) and caps the bytes at what fits in 64 bits;
	 * the kbytes figure is the pages times page/1024, wrapping as util-linux's does. */
	uint64_t shmall = info.shmall > (unsigned long)INT64_MAX ? (uint64_t)INT64_MAX : info.shmall;
	uint64_t total = shmall > UINT64_MAX / page ? UINT64_MAX / page * page : shmall * page;
	ipcs_title("Shared Memory Limits");
	printf("max number of segments = %llu\n", (unsigned long long)info.shmmni);
	ipcs_limit_line(unit, 1, "max seg size", info.shmmax);
	if (unit == UNIT_DEFAULT)
		printf("max total shared memory (kbytes) = %llu\n",
		       (unsigned long long)(shmall * (page / 1024)));
	else
		ipcs_limit_line(unit, 1, "max total shared memory", total);
	ipcs_limit_line(unit, 0, "min seg size", info.shmmin);
}

static void status(void)
{
	struct shm_info info;
	if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) < 0)
		return;
	ipcs_title("Shared Memory Status");
	printf("segments allocated %d\n", info.used_ids);
	printf("pages allocated %lu\n", info.shm_tot);
	printf("pages resident  %lu\n", info.shm_rss);
	printf("pages swapped   %lu\n", info.shm_swp);
	printf("Swap performance: %lu attempts\t %lu successes\n", info.swap_attempts,
	       info.swap_successes);
}

static void header(enum ipcs_format format, enum ipcs_unit unit)
{
	switch (format) {
	case FMT_TIME:
		ipcs_title("Shared Memory Attach/Detach/Change Times");
		printf("%-10s %-10s %-20s %-20s %-20s\n", "shmid", "owner", "attached", "detached",
		       "changed");
		break;
	case FMT_PID:
		ipcs_title("Shared Memory Creator/Last-op PIDs");
		printf("%-10s %-10s %-10s %-10s\n", "shmid", "owner", "cpid", "lpid");
		break;
	case FMT_CREATOR:
		ipcs_title("Shared Memory Segment Creators/Owners");
		printf("%-10s %-10s %-10s %-10s %-10s %-10s\n", "shmid", "perms", "cuid", "cgid", "uid",
		       "gid");
		break;
	default:
		ipcs_title("Shared Memory Segments");
		printf("%-10s %-10s %-10s %-10s %-10s %-10s %-12s\n", "key", "shmid", "owner", "perms",
		       unit == UNIT_HUMAN ? "size" : "bytes", "nattch", "status");
		break;
	}
}

static void row(enum ipcs_format format, enum ipcs_unit unit, int id, const struct shmid_ds *ds)
{
	char b1[64], b2[64], b3[64];
	switch (format) {
	case FMT_TIME:
		printf("%-10d ", id);
		ipcs_owner_column(ds->shm_perm.uid, 10);
		printf(" %-20.16s %-20.16s %-20.16s\n", ipcs_time(ds->shm_atime, b1, 0),
		       ipcs_time(ds->shm_dtime, b2, 0), ipcs_time(ds->shm_ctime, b3, 0));
		break;
	case FMT_PID:
		printf("%-10d ", id);
		ipcs_owner_column(ds->shm_perm.uid, 10);
		printf(" %-10d %-10d\n", ds->shm_cpid, ds->shm_lpid);
		break;
	case FMT_CREATOR:
		printf("%-10d %-10o", id, (unsigned)(ds->shm_perm.mode & 0777));
		ipcs_user_column(ds->shm_perm.cuid);
		ipcs_group_column(ds->shm_perm.cgid);
		ipcs_user_column(ds->shm_perm.uid);
		ipcs_group_column(ds->shm_perm.gid);
		printf("\n");
		break;
	default:
		printf("0x%08x %-10d ", (unsigned)ds->shm_perm.__key, id);
		ipcs_owner_column(ds->shm_perm.uid, 10);
		printf(" %-10o ", (unsigned)(ds->shm_perm.mode & 0777));
		ipcs_size_column(unit, ds->shm_segsz, 10);
		printf(" %-10ld %-6s %-6s\n", (long)ds->shm_nattch,
		       ds->shm_perm.mode & SHM_DEST ? "dest" : " ",
		       ds->shm_perm.mode & SHM_LOCKED ? "locked" : " ");
		break;
	}
}

void ipcs_shm(enum ipcs_format format, enum ipcs_unit unit)
{
	if (format == FMT_LIMITS) {
		limits(unit);
		return;
	}
	if (format == FMT_STATUS) {
		status();
		return;
	}
	header(format, unit);
	int max = ipc_shm_max_index();
	for (int index = 0; index <= max; index++) {
		struct shmid_ds ds;
		int id = ipc_shm_stat_index(index, &ds);
		if (id >= 0)
			row(format, unit, id, &ds);
	}
}

void ipcs_shm_id(int id, enum ipcs_unit unit)
{
	int max = ipc_shm_max_index();
	for (int index = 0; index <= max; index++) {
		struct shmid_ds ds;
		int found = ipc_shm_stat_index(index, &ds);
		/* util-linux reads /proc/sysvipc, where a negative id stands for every
		 * object: it shows the first one, under the id given */
		if (found < 0 || (found != id && id >= 0))
			continue;
		char buf[64];
		printf("\nShared memory Segment shmid=%d\n", id);
		printf("uid=%u\tgid=%u\tcuid=%u\tcgid=%u\n", (unsigned)ds.shm_perm.uid,
		       (unsigned)ds.shm_perm.gid, (unsigned)ds.shm_perm.cuid, (unsigned)ds.shm_perm.cgid);
		printf("mode=%#o\taccess_perms=%#o\n", (unsigned)ds.shm_perm.mode,
		       (unsigned)(ds.shm_perm.mode & 0777));
		if (unit == UNIT_HUMAN)
			printf("size=%s", ipc_human_size(ds.shm_segsz, buf));
		else
			printf("bytes=%llu", (unsigned long long)ds.shm_segsz);
		printf("\tlpid=%d\tcpid=%d\tnattch=%ld\n", ds.shm_lpid, ds.shm_cpid, (long)ds.shm_nattch);
		printf("att_time=%-26.24s\n", ipcs_time(ds.shm_atime, buf, 1));
		printf("det_time=%-26.24s\n", ipcs_time(ds.shm_dtime, buf, 1));
		printf("change_time=%-26.24s\n", ipcs_time(ds.shm_ctime, buf, 1));
		printf("\n");
		return;
	}
	ipc_warnx("id %d not found", id);
}
