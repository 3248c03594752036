/* ipcs's message queue tables: msgctl MSG_INFO for the highest index and the usage,
 * MSG_STAT_ANY for each queue, IPC_INFO for the limits. */
#include "ipcs.h"

static void limits(enum ipcs_unit unit)
{
	struct msginfo info;
	if (msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info) < 0)
		return;
	ipcs_title("Messages Limits");
	printf("max queues system wide = %d\n", info.msgmni);
	ipcs_limit_line(unit, 0, "max size of message", (uint64_t)info.msgmax);
	ipcs_limit_line(unit, 0, "default max size of queue", (uint64_t)info.msgmnb);
}

static void status(enum ipcs_unit unit)
{
	struct msginfo info;
	char buf[48];
	if (msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&info) < 0)
		return;
	ipcs_title("Messages Status");
	printf("allocated queues = %d\n", info.msgpool);
	printf("used headers = %d\n", info.msgmap);
	if (unit == UNIT_HUMAN)
		printf("used space = %s\n", ipc_human_size((uint64_t)(unsigned)info.msgtql, buf));
	else if (unit == UNIT_BYTES)
		printf("used space (bytes) = %d\n", info.msgtql);
	else
		printf("used space = %d bytes\n", info.msgtql);
}

static void header(enum ipcs_format format, enum ipcs_unit unit)
{
	switch (format) {
	case FMT_TIME:
		ipcs_title("Message Queues Send/Recv/Change Times");
		printf("%-8s %-10s %-20s %-20s %-20s\n", "msqid", "owner", "send", "recv", "change");
		break;
	case FMT_PID:
		ipcs_title("Message Queues PIDs");
		printf("%-10s %-10s %-10s %-10s\n", "msqid", "owner", "lspid", "lrpid");
		break;
	case FMT_CREATOR:
		ipcs_title("Message Queues Creators/Owners");
		printf("%-10s %-10s %-10s %-10s %-10s %-10s\n", "msqid", "perms", "cuid", "cgid", "uid",
		       "gid");
		break;
	default:
		ipcs_title("Message Queues");
		printf("%-10s %-10s %-10s %-10s %-12s %-12s\n", "key", "msqid", "owner", "perms",
		       unit == UNIT_HUMAN ? "size" : "used-bytes", "messages");
		break;
	}
}

static void row(enum ipcs_format format, enum ipcs_unit unit, int id, const struct msqid_ds *ds)
{
	char b1[64], b2[64], b3[64];
	switch (format) {
	case FMT_TIME:
		printf("%-8d ", id);
		ipcs_owner_column(ds->msg_perm.uid, 10);
		printf(" %-20.16s %-20.16s %-20.16s\n", ipcs_time(ds->msg_stime, b1, 0),
		       ipcs_time(ds->msg_rtime, b2, 0), ipcs_time(ds->msg_ctime, b3, 0));
		break;
	case FMT_PID:
		printf("%-8d ", id);
		ipcs_owner_column(ds->msg_perm.uid, 10);
		printf("  %5d     %5d\n", ds->msg_lspid, ds->msg_lrpid);
		break;
	case FMT_CREATOR:
		printf("%-10d %-10o", id, (unsigned)(ds->msg_perm.mode & 0777));
		ipcs_user_column(ds->msg_perm.cuid);
		ipcs_group_column(ds->msg_perm.cgid);
		ipcs_user_column(ds->msg_perm.uid);
		ipcs_group_column(ds->msg_perm.gid);
		printf("\n");
		break;
	default:
		printf("0x%08x %-10d ", (unsigned)ds->msg_perm.__key, id);
		ipcs_owner_column(ds->msg_perm.uid, 10);
		printf(" %-10o ", (unsigned)(ds->msg_perm.mode & 0777));
		ipcs_size_column(unit, ds->msg_cbytes, 12);
		printf(" %-12lu\n", (unsigned long)ds->msg_qnum);
		break;
	}
}

void ipcs_msg(enum ipcs_format format, enum ipcs_unit unit)
{
	if (format == FMT_LIMITS) {
		limits(unit);
		return;
	}
	if (format == FMT_STATUS) {
		status(unit);
		return;
	}
	header(format, unit);
	int max = ipc_msg_max_index();
	for (int index = 0; index <= max; index++) {
		struct msqid_ds ds;
		int id = ipc_msg_stat_index(index, &ds);
		if (id >= 0)
			row(format, unit, id, &ds);
	}
}

void ipcs_msg_id(int id, enum ipcs_unit unit)
{
	int max = ipc_msg_max_index();
	for (int index = 0; index <= max; index++) {
		struct msqid_ds ds;
		int found = ipc_msg_stat_index(index, &ds);
		/* util-linux reads /proc/sysvipc, where a negative id stands for every
		 * object: it shows the first one, under the id given */
		if (found < 0 || (found != id && id >= 0))
			continue;
		char b1[64], b2[64];
		/* /proc/sysvipc/msg has no qbytes: util-linux asks IPC_STAT of the id given,
		 * which needs read permission (and fails for a negative id), and shows 0 if it fails */
		struct msqid_ds stat;
		unsigned long qbytes = msgctl(id, IPC_STAT, &stat) == 0 ? (unsigned long)stat.msg_qbytes : 0;
		printf("\nMessage Queue msqid=%d\n", id);
		printf("uid=%u\tgid=%u\tcuid=%u\tcgid=%u\tmode=%#o\n", (unsigned)ds.msg_perm.uid,
		       (unsigned)ds.msg_perm.gid, (unsigned)ds.msg_perm.cuid, (unsigned)ds.msg_perm.cgid,
		       (unsigned)ds.msg_perm.mode);
		if (unit == UNIT_HUMAN)
			printf("csize=%s\tqsize=%s", ipc_human_size(ds.msg_cbytes, b1),
			       ipc_human_size(qbytes, b2));
		else
			printf("cbytes=%lu\tqbytes=%lu", (unsigned long)ds.msg_cbytes,
			       (unsigned long)qbytes);
		printf("\tqnum=%lu\tlspid=%d\tlrpid=%d\n", (unsigned long)ds.msg_qnum, ds.msg_lspid,
		       ds.msg_lrpid);
		printf("send_time=%-26.24s\n", ipcs_time(ds.msg_stime, b1, 1));
		printf("rcv_time=%-26.24s\n", ipcs_time(ds.msg_rtime, b1, 1));
		printf("change_time=%-26.24s\n", ipcs_time(ds.msg_ctime, b1, 1));
		printf("\n");
		return;
	}
	ipc_warnx("id %d not found", id);
}
