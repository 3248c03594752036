/* c_msg_ctl: every msgctl command. IPC_STAT (every field Linux fills: the ipc_perm fields
 * and __seq, qnum, cbytes, qbytes, lspid, lrpid, stime, rtime, ctime; read permission;
 * EFAULT), IPC_SET (uid, gid, mode & 0777 and qbytes, nothing else; ctime; qbytes above
 * MSGMNB only for root; EPERM unless owner, creator or root; EFAULT), IPC_RMID, IPC_INFO and
 * MSG_INFO (the highest used index; the limits; MSG_INFO's queues, messages and bytes in
 * use), MSG_STAT and MSG_STAT_ANY (an index in, the id out); unknown commands, stale and
 * negative ids.
 *
 * Runs as root (it forks children that drop to uid/gid 1000). Exits 0 only if every check
 * passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_msg_common.h"

static int g_id;

static int set_of(int id, struct msqid_ds *ds)
{
	return msgctl(id, IPC_SET, ds);
}

static int info_of(int id, int cmd, struct msginfo *info)
{
	memset(info, 0xa5, sizeof *info);
	return msgctl(id, cmd, (struct msqid_ds *)info);
}

static int stat_denied_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct msqid_ds ds;
	CHECK_ERR(qstat(g_id, &ds), EACCES);
	return 0;
}

static int stat_allowed_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qnum, 1);
	CHECK_EQ(ds.msg_perm.mode, 0644);
	return 0;
}

static int send_child(int unused)
{
	(void)unused;
	CHECK_OK(send_tagged(g_id, 1, 3, 1, 0));
	CHECK_OK(send_tagged(g_id, 2, 5, 2, 0));
	return 0;
}

static int receive_child(int unused)
{
	(void)unused;
	CHECK_RECV(g_id, 1, IPC_NOWAIT, 1, 3, 1);
	return 0;
}

static void ipc_stat(void)
{
	SECTION("IPC_STAT: every field; times and pids after msgsnd and msgrcv; read permission; EFAULT");
	time_t t0 = time(NULL);
	key_t key = test_key(10);
	CHECK_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0640));
	g_id = track((int)ret);
	time_t t1 = time(NULL);
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ret, 0);
	CHECK_EQ(ds.msg_perm.__key, key);
	CHECK_EQ(ds.msg_perm.uid, geteuid());
	CHECK_EQ(ds.msg_perm.gid, getegid());
	CHECK_EQ(ds.msg_perm.cuid, geteuid());
	CHECK_EQ(ds.msg_perm.cgid, getegid());
	CHECK_EQ(ds.msg_perm.mode, 0640);
	CHECK_EQ(ds.msg_perm.__seq, (unsigned short)(g_id / IPCMNI)); /* id = index + seq * 32768 */
	CHECK_EQ(ds.msg_stime, 0);
	CHECK_EQ(ds.msg_rtime, 0);
	CHECK(ds.msg_ctime >= t0 && ds.msg_ctime <= t1);
	CHECK_EQ(ds.msg_cbytes, 0);
	CHECK_EQ(ds.msg_qnum, 0);
	CHECK_EQ(ds.msg_qbytes, msgmnb_limit()); /* 16384 by default */
	CHECK_EQ(ds.msg_lspid, 0);
	CHECK_EQ(ds.msg_lrpid, 0);
	time_t created = ds.msg_ctime;

	/* A child sends: qnum, cbytes, lspid and stime; not ctime. */
	wait_past(created);
	time_t t2 = time(NULL);
	pid_t sender = spawn(send_child, 0);
	CHECK_CHILD_OK(sender);
	time_t t3 = time(NULL);
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qnum, 2);
	CHECK_EQ(ds.msg_cbytes, 8);
	CHECK_EQ(ds.msg_lspid, sender);
	CHECK(ds.msg_stime >= t2 && ds.msg_stime <= t3);
	CHECK_EQ(ds.msg_rtime, 0);
	CHECK_EQ(ds.msg_lrpid, 0);
	CHECK_EQ(ds.msg_ctime, created);
	time_t sent = ds.msg_stime;

	/* Another receives: qnum, cbytes, lrpid and rtime; not stime or ctime. */
	wait_past(sent);
	time_t t4 = time(NULL);
	pid_t receiver = spawn(receive_child, 0);
	CHECK_CHILD_OK(receiver);
	time_t t5 = time(NULL);
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qnum, 1);
	CHECK_EQ(ds.msg_cbytes, 5);
	CHECK_EQ(ds.msg_lrpid, receiver);
	CHECK(ds.msg_rtime >= t4 && ds.msg_rtime <= t5);
	CHECK_EQ(ds.msg_lspid, sender);
	CHECK_EQ(ds.msg_stime, sent);
	CHECK_EQ(ds.msg_ctime, created);
	/* A failed call changes nothing. */
	CHECK_ERR(msgrcv(g_id, &received, 1, 0, IPC_NOWAIT), E2BIG);
	CHECK_ERR(msgrcv(g_id, &received, MSGMAX_MAX, 7, IPC_NOWAIT), ENOMSG);
	CHECK_ERR(send_tagged(g_id, 1, MSGMAX_MAX + 1, 3, 0), EINVAL);
	struct msqid_ds again;
	CHECK_OK(qstat(g_id, &again));
	CHECK(memcmp(&ds, &again, sizeof ds) == 0);

	CHECK_ERR(msgctl(g_id, IPC_STAT, bad_ptr), EFAULT);
	CHECK_ERR(msgctl(g_id, IPC_STAT, NULL), EFAULT);
	/* 0640, owned by root: others may not read it. */
	CHECK_CHILD_OK(spawn(stat_denied_child, 0));
	ds.msg_perm.mode = 0644;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_CHILD_OK(spawn(stat_allowed_child, 0));
}

static void ipc_set(void)
{
	SECTION("IPC_SET: uid, gid, mode & 0777 and qbytes, nothing else; ctime; EFAULT");
	int id = new_queue(0666);
	CHECK_OK(send_tagged(id, 1, 4, 3, 0));
	struct msqid_ds ds, before;
	CHECK_OK(qstat(id, &before));
	ds = before;
	ds.msg_perm.uid = 2000;
	ds.msg_perm.gid = 3000;
	ds.msg_perm.cuid = 4000;
	ds.msg_perm.cgid = 5000;
	ds.msg_perm.mode = 07664;
	ds.msg_perm.__key = 1234;
	ds.msg_perm.__seq = (unsigned short)(before.msg_perm.__seq + 1);
	ds.msg_qbytes = 12345;
	ds.msg_qnum = 77;
	ds.msg_cbytes = 99;
	ds.msg_stime = 12345;
	ds.msg_rtime = 12345;
	ds.msg_ctime = 12345;
	ds.msg_lspid = 42;
	ds.msg_lrpid = 43;
	wait_past(before.msg_ctime);
	time_t t0 = time(NULL);
	CHECK_OK(set_of(id, &ds));
	CHECK_EQ(ret, 0);
	CHECK_OK(qstat(id, &ds));
	CHECK_EQ(ds.msg_perm.uid, 2000);
	CHECK_EQ(ds.msg_perm.gid, 3000);
	CHECK_EQ(ds.msg_perm.cuid, 0);
	CHECK_EQ(ds.msg_perm.cgid, 0);
	CHECK_EQ(ds.msg_perm.mode, 0664);
	CHECK_EQ(ds.msg_perm.__key, IPC_PRIVATE);
	CHECK_EQ(ds.msg_perm.__seq, before.msg_perm.__seq);
	CHECK_EQ(ds.msg_qbytes, 12345);
	CHECK_EQ(ds.msg_qnum, 1);
	CHECK_EQ(ds.msg_cbytes, 4);
	CHECK_EQ(ds.msg_stime, before.msg_stime);
	CHECK_EQ(ds.msg_rtime, 0);
	CHECK(ds.msg_ctime >= t0 && ds.msg_ctime <= time(NULL));
	CHECK_EQ(ds.msg_lspid, getpid());
	CHECK_EQ(ds.msg_lrpid, 0);
	/* The new qbytes holds: 12345 bytes fit, no more. */
	CHECK_OK(send_tagged(id, 1, MSGMAX_MAX, 4, IPC_NOWAIT));
	CHECK_ERR(send_tagged(id, 1, 12345 - 4 - MSGMAX_MAX + 1, 5, IPC_NOWAIT), EAGAIN);
	CHECK_OK(send_tagged(id, 1, 12345 - 4 - MSGMAX_MAX, 5, IPC_NOWAIT));
	CHECK_EQ(cbytes(id), 12345);
	CHECK_ERR(msgctl(id, IPC_SET, bad_ptr), EFAULT);
	CHECK_ERR(msgctl(id, IPC_SET, NULL), EFAULT);
	CHECK_OK(qstat(id, &ds));
	CHECK_EQ(ds.msg_perm.mode, 0664);
}

static int qbytes_owner_child(int mnb)
{
	drop_privileges();
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qbytes, mnb);
	ds.msg_qbytes = (unsigned long)mnb + 1;
	ds.msg_perm.mode = 0606;
	CHECK_ERR(set_of(g_id, &ds), EPERM); /* above MSGMNB: root only */
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_perm.mode, 0600); /* nothing changed */
	CHECK_EQ(ds.msg_qbytes, mnb);
	ds.msg_qbytes = 100;
	CHECK_OK(set_of(g_id, &ds)); /* lowering is allowed */
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qbytes, 100);
	ds.msg_qbytes = (unsigned long)mnb;
	CHECK_OK(set_of(g_id, &ds)); /* and raising, up to MSGMNB */
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qbytes, mnb);
	ds.msg_qbytes = 1000000;
	CHECK_ERR(set_of(g_id, &ds), EPERM);
	return 0;
}

static int qbytes_keep_child(int mnb)
{
	drop_privileges();
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qbytes, 1000000);
	CHECK_ERR(set_of(g_id, &ds), EPERM); /* any value above MSGMNB, even the one it has */
	ds.msg_qbytes = (unsigned long)mnb;
	CHECK_OK(set_of(g_id, &ds));
	return 0;
}

static void qbytes_limit(void)
{
	SECTION("IPC_SET: qbytes above MSGMNB only with privilege (EPERM); lowering and raising up to MSGMNB for the owner");
	int mnb = (int)msgmnb_limit();
	g_id = new_queue(0600);
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	ds.msg_perm.uid = OTHER_ID;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_CHILD_OK(spawn(qbytes_owner_child, mnb));
	CHECK_OK(qstat(g_id, &ds));
	ds.msg_qbytes = 1000000;
	if (!may_exceed_limits()) {
		/* Root without CAP_SYS_RESOURCE (a container's, on Linux): refused as well. */
		printf("%s: no CAP_SYS_RESOURCE here: qbytes above MSGMNB is refused to root too\n", test_name);
		CHECK_ERR(set_of(g_id, &ds), EPERM);
		CHECK_OK(qstat(g_id, &ds));
		CHECK_EQ(ds.msg_qbytes, mnb);
		return;
	}
	CHECK_OK(set_of(g_id, &ds));
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qbytes, 1000000);
	/* More than MSGMNB bytes fit now. */
	for (int i = 0; i < 3; i++)
		CHECK_OK(send_tagged(g_id, 1, MSGMAX_MAX, 11 + i, IPC_NOWAIT));
	CHECK_EQ(cbytes(g_id), 3 * MSGMAX_MAX);
	CHECK_CHILD_OK(spawn(qbytes_keep_child, mnb));
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_qbytes, mnb);
	CHECK_EQ(qnum(g_id), 3); /* lowering below what is queued keeps the messages */
}

static int not_owner_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds)); /* 0666: anyone may read it ... */
	ds.msg_perm.mode = 0600;
	CHECK_ERR(set_of(g_id, &ds), EPERM); /* ... but only the owner changes or removes it */
	CHECK_ERR(msgctl(g_id, IPC_RMID, NULL), EPERM);
	CHECK_OK(send_tagged(g_id, 1, 1, 5, 0));
	return 0;
}

static int owner_child(int unused)
{
	(void)unused;
	drop_privileges();
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	ds.msg_perm.mode = 0600;
	CHECK_OK(set_of(g_id, &ds)); /* uid 1000 owns it now */
	CHECK_OK(qstat(g_id, &ds));
	CHECK_EQ(ds.msg_perm.mode, 0600);
	CHECK_OK(msgctl(g_id, IPC_RMID, NULL));
	return 0;
}

/* Creates a queue as uid 1000 and sends its id to the 0666 queue MAILBOX. */
static int creator_child(int mailbox)
{
	drop_privileges();
	int id = msgget(IPC_PRIVATE, 0600);
	CHECK(id >= 0);
	struct {
		long mtype;
		int id;
	} m = {1, id};
	CHECK_OK(msgsnd(mailbox, &m, sizeof m.id, 0));
	return 0;
}

static int creator_child_again(int id)
{
	drop_privileges();
	struct msqid_ds ds;
	CHECK_OK(qstat(id, &ds)); /* the creator is in the owner class */
	CHECK_EQ(ds.msg_perm.uid, 2000);
	CHECK_EQ(ds.msg_perm.cuid, OTHER_ID);
	ds.msg_perm.mode = 0666;
	CHECK_OK(set_of(id, &ds)); /* the creator may, though not the owner */
	CHECK_OK(msgctl(id, IPC_RMID, NULL));
	return 0;
}

static void owners(void)
{
	SECTION("IPC_SET and IPC_RMID: EPERM unless owner, creator or root; IPC_RMID");
	g_id = new_queue(0666);
	struct msqid_ds ds;
	CHECK_OK(qstat(g_id, &ds));
	CHECK_CHILD_OK(spawn(not_owner_child, 0));
	CHECK_EQ(qnum(g_id), 1);
	ds.msg_perm.uid = OTHER_ID;
	CHECK_OK(set_of(g_id, &ds));
	CHECK_CHILD_OK(spawn(owner_child, 0));
	CHECK_ERR(qstat(g_id, &ds), EINVAL); /* removed by its owner */
	CHECK_ERR(msgctl(g_id, IPC_RMID, NULL), EINVAL);
	CHECK_ERR(set_of(g_id, &ds), EINVAL);

	/* A queue created by uid 1000 and given to uid 2000: its creator may still change it. */
	int mailbox = new_queue(0666);
	CHECK_CHILD_OK(spawn(creator_child, mailbox));
	struct {
		long mtype;
		int id;
	} m = {0, -1};
	CHECK_OK(msgrcv(mailbox, &m, sizeof m.id, 1, IPC_NOWAIT));
	int theirs = track(m.id);
	CHECK_OK(qstat(theirs, &ds));
	CHECK_EQ(ds.msg_perm.cuid, OTHER_ID);
	CHECK_EQ(ds.msg_perm.uid, OTHER_ID);
	CHECK_EQ(ds.msg_perm.cgid, OTHER_ID);
	CHECK_EQ(ds.msg_perm.gid, OTHER_ID);
	ds.msg_perm.uid = 2000;
	CHECK_OK(set_of(theirs, &ds)); /* root may */
	CHECK_CHILD_OK(spawn(creator_child_again, theirs));
	CHECK_ERR(qstat(theirs, &ds), EINVAL);

	/* IPC_RMID takes the messages with it and ignores the buffer. */
	int full = new_queue(0600);
	CHECK_OK(send_tagged(full, 1, 100, 6, 0));
	CHECK_OK(msgctl(full, IPC_RMID, bad_ptr));
	CHECK_ERR(qstat(full, &ds), EINVAL);
}

static int info_child(int highest)
{
	drop_privileges();
	struct msginfo info;
	CHECK_OK(info_of(0, IPC_INFO, &info)); /* no permission needed */
	CHECK_EQ(ret, highest);
	CHECK_OK(info_of(0, MSG_INFO, &info));
	CHECK_EQ(ret, highest);
	return 0;
}

static void info(void)
{
	SECTION("IPC_INFO and MSG_INFO: the highest used index, the limits, the usage");
	int id = new_queue(0600);
	struct msginfo info, usage, after;
	CHECK_OK(info_of(12345, IPC_INFO, &info)); /* msqid is ignored */
	int highest = (int)ret;
	CHECK(highest >= id % IPCMNI);
	for (int i = 0; i < ncreated; i++)
		CHECK(highest >= created[i] % IPCMNI || qnum(created[i]) == -1);
	CHECK_EQ(info.msgmax, msgmax_limit());
	CHECK_EQ(info.msgmnb, msgmnb_limit());
	CHECK_EQ(info.msgmni, msgmni_limit());
	CHECK_EQ(info.msgssz, MSGSSZ_FIXED); /* Linux's fixed MSGSSZ, MSGSEG, MSGPOOL, MSGMAP, MSGTQL */
	CHECK_EQ(info.msgseg, MSGSEG_FIXED);
	CHECK_EQ(info.msgpool, MSGPOOL_FIXED);
	CHECK_EQ(info.msgmap, MSGMAP_FIXED);
	CHECK_EQ(info.msgtql, MSGTQL_FIXED);
	CHECK_ERR(msgctl(0, IPC_INFO, bad_ptr), EFAULT);
	CHECK_ERR(msgctl(0, IPC_INFO, NULL), EFAULT);
	CHECK_ERR(msgctl(0, MSG_INFO, bad_ptr), EFAULT);
	/* Any other msqid is ignored, but a negative one is EINVAL, as for every command. */
	struct msginfo scratch;
	CHECK_ERR(info_of(-1, IPC_INFO, &scratch), EINVAL);
	CHECK_ERR(info_of(-5, MSG_INFO, &scratch), EINVAL);
	CHECK_CHILD_OK(spawn(info_child, highest));

	/* MSG_INFO: the same limits; msgpool counts the queues, msgmap the messages and msgtql
	 * the bytes of text in them. */
	CHECK_OK(info_of(0, MSG_INFO, &usage));
	CHECK_EQ(ret, highest);
	CHECK_EQ(usage.msgmax, info.msgmax);
	CHECK_EQ(usage.msgmnb, info.msgmnb);
	CHECK_EQ(usage.msgmni, info.msgmni);
	CHECK_EQ(usage.msgssz, MSGSSZ_FIXED);
	CHECK_EQ(usage.msgseg, MSGSEG_FIXED);
	CHECK(usage.msgpool >= 1);
	int more = new_queue(0600);
	CHECK_OK(info_of(0, MSG_INFO, &after));
	CHECK(ret >= more % IPCMNI);
	CHECK_EQ(after.msgpool, usage.msgpool + 1);
	CHECK_EQ(after.msgmap, usage.msgmap);
	CHECK_EQ(after.msgtql, usage.msgtql);
	CHECK_OK(send_tagged(more, 1, 10, 7, 0));
	CHECK_OK(send_tagged(more, 2, 0, 8, 0));
	CHECK_OK(send_tagged(id, 3, 7, 9, 0));
	CHECK_OK(info_of(0, MSG_INFO, &after));
	CHECK_EQ(after.msgpool, usage.msgpool + 1);
	CHECK_EQ(after.msgmap, usage.msgmap + 3);
	CHECK_EQ(after.msgtql, usage.msgtql + 17);
	CHECK_RECV(more, 1, IPC_NOWAIT, 1, 10, 7);
	CHECK_RECV(id, 0, MSG_COPY | IPC_NOWAIT, 3, 7, 9); /* a copy takes nothing */
	CHECK_OK(info_of(0, MSG_INFO, &after));
	CHECK_EQ(after.msgmap, usage.msgmap + 2);
	CHECK_EQ(after.msgtql, usage.msgtql + 7);
	CHECK_OK(msgctl(more, IPC_RMID, NULL)); /* takes its zero-length message with it */
	CHECK_OK(info_of(0, MSG_INFO, &after));
	CHECK_EQ(after.msgpool, usage.msgpool);
	CHECK_EQ(after.msgmap, usage.msgmap + 1);
	CHECK_EQ(after.msgtql, usage.msgtql + 7);
	CHECK_OK(msgctl(id, IPC_RMID, NULL));
	CHECK_OK(info_of(0, MSG_INFO, &after));
	CHECK_EQ(after.msgpool, usage.msgpool - 1);
	CHECK_EQ(after.msgmap, usage.msgmap);
	CHECK_EQ(after.msgtql, usage.msgtql);
}

static int msg_stat_child(int index)
{
	drop_privileges();
	struct msqid_ds ds;
	CHECK_ERR(msgctl(index, MSG_STAT, &ds), EACCES); /* 0600: no read access */
	CHECK_OK(msgctl(index, MSG_STAT_ANY, &ds));      /* ... which MSG_STAT_ANY skips */
	CHECK_EQ(ret, g_id);
	CHECK_EQ(ds.msg_qnum, 1);
	CHECK_EQ(ds.msg_cbytes, 6);
	return 0;
}

static void msg_stat(void)
{
	SECTION("MSG_STAT and MSG_STAT_ANY take an index and return the id");
	g_id = new_queue(0600);
	CHECK_OK(send_tagged(g_id, 2, 6, 10, 0));
	int index = g_id % IPCMNI;
	struct msqid_ds by_index, by_id;
	memset(&by_index, 0x5a, sizeof by_index);
	CHECK_OK(msgctl(index, MSG_STAT, &by_index));
	CHECK_EQ(ret, g_id);
	CHECK_OK(qstat(g_id, &by_id));
	CHECK(memcmp(&by_index, &by_id, sizeof by_id) == 0); /* the same 120 bytes */
	memset(&by_index, 0x5a, sizeof by_index);
	CHECK_OK(msgctl(index, MSG_STAT_ANY, &by_index));
	CHECK_EQ(ret, g_id);
	CHECK(memcmp(&by_index, &by_id, sizeof by_id) == 0);
	CHECK_ERR(msgctl(index, MSG_STAT, bad_ptr), EFAULT);
	CHECK_ERR(msgctl(index, MSG_STAT_ANY, NULL), EFAULT);
	struct msginfo info;
	int highest = info_of(0, IPC_INFO, &info);
	CHECK_ERR(msgctl(highest + 1, MSG_STAT, &by_index), EINVAL); /* an unused index */
	CHECK_ERR(msgctl(highest + 1, MSG_STAT_ANY, &by_index), EINVAL);
	CHECK_ERR(msgctl(-1, MSG_STAT, &by_index), EINVAL);
	CHECK_ERR(msgctl(-1, MSG_STAT_ANY, &by_index), EINVAL);
	CHECK_CHILD_OK(spawn(msg_stat_child, index));
	int gone = new_queue(0600);
	CHECK_OK(msgctl(gone, IPC_RMID, NULL));
	CHECK_ERR(msgctl(gone % IPCMNI, MSG_STAT_ANY, &by_index), EINVAL); /* a freed slot */
	CHECK_ERR(msgctl(gone % IPCMNI, MSG_STAT, &by_index), EINVAL);
}

static void bad_commands_and_ids(void)
{
	SECTION("unknown commands, stale and negative ids: EINVAL; EFAULT and EINVAL in Linux's order");
	int id = new_queue(0600);
	struct msqid_ds ds;
	CHECK_ERR(msgctl(id, 99, &ds), EINVAL);
	CHECK_ERR(msgctl(id, -1, &ds), EINVAL);
	CHECK_ERR(msgctl(id, 4, &ds), EINVAL);  /* between IPC_INFO and MSG_STAT */
	CHECK_ERR(msgctl(id, 10, &ds), EINVAL);
	CHECK_ERR(msgctl(id, 14, &ds), EINVAL); /* after MSG_STAT_ANY */
	CHECK_ERR(msgctl(id, 16, &ds), EINVAL); /* a semctl command (SETVAL) */
	CHECK_EQ(qnum(id), 0);                  /* still there */
	CHECK_OK(msgctl(id, IPC_RMID, NULL));
	CHECK_OK(qstat(new_queue(0600), &ds)); /* a valid buffer for IPC_SET */
	CHECK_ERR(msgctl(id, IPC_STAT, &ds), EINVAL);
	CHECK_ERR(msgctl(id, IPC_SET, &ds), EINVAL);
	CHECK_ERR(msgctl(id, IPC_RMID, NULL), EINVAL);
	CHECK_ERR(msgctl(id, 99, &ds), EINVAL);
	/* IPC_SET reads its buffer before it looks the id up; IPC_STAT looks the id up first. */
	CHECK_ERR(msgctl(id, IPC_SET, bad_ptr), EFAULT);
	CHECK_ERR(msgctl(id, IPC_STAT, bad_ptr), EINVAL);
	/* A negative msqid is EINVAL before anything else, for every command. */
	CHECK_ERR(msgctl(-1, IPC_STAT, &ds), EINVAL);
	CHECK_ERR(msgctl(-1, IPC_SET, bad_ptr), EINVAL);
	CHECK_ERR(msgctl(-1, IPC_RMID, NULL), EINVAL);
	CHECK_ERR(msgctl(-1, IPC_INFO, bad_ptr), EINVAL);
	CHECK_ERR(msgctl(INT_MIN, MSG_STAT, bad_ptr), EINVAL);
	CHECK_ERR(msgctl(-1, 99, &ds), EINVAL);
}

int main(void)
{
	test_name = "c_msg_ctl";
	if (getuid() != 0)
		FAIL_AT("must run as root (uid %d): the access checks drop privileges", (int)getuid());
	ipc_stat();
	ipc_set();
	qbytes_limit();
	owners();
	info();
	msg_stat();
	bad_commands_and_ids();
	return finish();
}
