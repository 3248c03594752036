/* c_sem_block: the blocking paths of semop and semtimedop across processes. A change
 * performs the sleepers' operations itself, in FIFO order, and a later sleeper may complete
 * ahead of an earlier one that still cannot; GETNCNT and GETZCNT count a sleeper only on the
 * operation it waits on; semtimedop's relative timeout ends in EAGAIN; IPC_RMID gives the
 * sleepers EIDRM; a handled signal gives EINTR (never restarted) and an ignored one nothing.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did not.
 */
#include "c_sem_common.h"

/* The set the children work on (fork copies it). */
static int g_id;

static int down_child(int num)
{
	CHECK_OK(op1(g_id, (unsigned short)num, -1, 0));
	return 0;
}

static int down2_child(int num)
{
	CHECK_OK(op1(g_id, (unsigned short)num, -2, 0));
	return 0;
}

static int zero_child(int num)
{
	CHECK_OK(op1(g_id, (unsigned short)num, 0, 0));
	return 0;
}

static void wake_across_processes(void)
{
	SECTION("a change performs the sleeper's operation (decrement and wait-for-zero)");
	g_id = new_set(2, 0600);
	pid_t child = spawn(down_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	CHECK_EQ(zcnt(g_id, 0), 0);
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_OK(op1(g_id, 0, 1, 0));
	/* Done by the time the changer's call returns, on the sleeper's behalf. */
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_EQ(sempid(g_id, 0), child);
	CHECK_EQ(ncnt(g_id, 0), 0);
	CHECK_CHILD_OK(child);

	CHECK_OK(setval(g_id, 1, 2));
	child = spawn(zero_child, 1);
	WAIT_ZCNT(g_id, 1, 1);
	CHECK_EQ(ncnt(g_id, 1), 0);
	CHECK_OK(op1(g_id, 1, -1, 0));
	CHECK_EQ(zcnt(g_id, 1), 1); /* 1 is not zero yet */
	CHECK_OK(op1(g_id, 1, -1, 0));
	CHECK_EQ(zcnt(g_id, 1), 0);
	CHECK_EQ(sempid(g_id, 1), child); /* a wait-for-zero sets sempid too */
	CHECK_CHILD_OK(child);
}

static int first_blocking_a(int unused)
{
	(void)unused;
	struct sembuf ops[2] = {{0, -1, 0}, {1, 0, 0}}; /* waits on sem 0 */
	CHECK_OK(semop(g_id, ops, 2));
	return 0;
}

static int first_blocking_b(int unused)
{
	(void)unused;
	struct sembuf ops[2] = {{1, 0, 0}, {2, -1, 0}}; /* waits on sem 1 (zero), then sem 2 */
	CHECK_OK(semop(g_id, ops, 2));
	return 0;
}

static void counts(void)
{
	SECTION("GETNCNT and GETZCNT count a sleeper on the operation it waits on");
	g_id = new_set(3, 0600);
	CHECK_OK(setval(g_id, 1, 1));
	pid_t a = spawn(first_blocking_a, 0);
	WAIT_NCNT(g_id, 0, 1);
	CHECK_EQ(zcnt(g_id, 1), 0); /* a's second operation is not counted */
	pid_t b = spawn(first_blocking_b, 0);
	WAIT_ZCNT(g_id, 1, 1);
	CHECK_EQ(ncnt(g_id, 2), 0);
	CHECK_EQ(ncnt(g_id, 0), 1);
	/* Sem 1 reaches 0: b gets past its first operation and now waits on sem 2. */
	CHECK_OK(op1(g_id, 1, -1, 0));
	CHECK_EQ(zcnt(g_id, 1), 0);
	CHECK_EQ(ncnt(g_id, 2), 1);
	CHECK_EQ(ncnt(g_id, 0), 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(val(g_id, i), 0);
	struct sembuf release[2] = {{0, 1, 0}, {2, 1, 0}};
	CHECK_OK(semop(g_id, release, 2));
	CHECK_EQ(ncnt(g_id, 0) + ncnt(g_id, 2) + zcnt(g_id, 1), 0);
	CHECK_EQ(val(g_id, 0) + val(g_id, 1) + val(g_id, 2), 0);
	CHECK_CHILD_OK(a);
	CHECK_CHILD_OK(b);
}

static void fifo(void)
{
	SECTION("sleepers complete in FIFO order; a later one may go ahead of one that cannot");
	g_id = new_set(1, 0600);
	pid_t a = spawn(down_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	pid_t b = spawn(down_child, 0);
	WAIT_NCNT(g_id, 0, 2);
	CHECK_OK(op1(g_id, 0, 1, 0));
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_EQ(sempid(g_id, 0), a); /* the first sleeper */
	CHECK_EQ(ncnt(g_id, 0), 1);
	CHECK_CHILD_OK(a);
	CHECK_OK(op1(g_id, 0, 1, 0));
	CHECK_EQ(sempid(g_id, 0), b);
	CHECK_EQ(ncnt(g_id, 0), 0);
	CHECK_CHILD_OK(b);

	pid_t c = spawn(down2_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	pid_t d = spawn(down_child, 0);
	WAIT_NCNT(g_id, 0, 2);
	CHECK_OK(op1(g_id, 0, 1, 0));
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_EQ(sempid(g_id, 0), d); /* c needs 2: d goes ahead */
	CHECK_EQ(ncnt(g_id, 0), 1);
	CHECK_CHILD_OK(d);
	CHECK_OK(op1(g_id, 0, 2, 0));
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_EQ(sempid(g_id, 0), c);
	CHECK_CHILD_OK(c);

	/* One change can complete several sleepers. */
	pid_t e = spawn(down_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	pid_t f = spawn(down_child, 0);
	WAIT_NCNT(g_id, 0, 2);
	CHECK_OK(op1(g_id, 0, 3, 0));
	CHECK_EQ(val(g_id, 0), 1);
	CHECK_EQ(ncnt(g_id, 0), 0);
	CHECK_CHILD_OK(e);
	CHECK_CHILD_OK(f);
}

static int erange_child(int unused)
{
	(void)unused;
	struct sembuf ops[2] = {{0, -1, 0}, {1, 1, 0}};
	CHECK_ERR(semop(g_id, ops, 2), ERANGE);
	return 0;
}

static void error_to_sleeper(void)
{
	SECTION("the changer hands a sleeper the error its operation meets (ERANGE)");
	g_id = new_set(2, 0600);
	CHECK_OK(setval(g_id, 1, SEMVMX_MAX));
	pid_t child = spawn(erange_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	CHECK_OK(op1(g_id, 0, 1, 0));
	CHECK_EQ(val(g_id, 0), 1); /* the sleeper's operations were not done */
	CHECK_EQ(val(g_id, 1), SEMVMX_MAX);
	CHECK_EQ(ncnt(g_id, 0), 0);
	CHECK_CHILD_OK(child);
}

static long long timed_down(int num, short op, long long ms, short flg)
{
	struct sembuf sb = {(unsigned short)num, op, flg};
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	long long start = now_ns();
	CHECK_ERR(semtimedop(g_id, &sb, 1, &ts), EAGAIN);
	return (now_ns() - start) / 1000000;
}

static int timed_success_child(int unused)
{
	(void)unused;
	struct sembuf sb = {0, -1, 0};
	struct timespec ts = {10, 0};
	long long start = now_ns();
	CHECK_OK(semtimedop(g_id, &sb, 1, &ts));
	CHECK((now_ns() - start) < 9000000000LL);
	return 0;
}

static void timeouts(void)
{
	SECTION("semtimedop: a relative timeout ends in EAGAIN after at least that time");
	g_id = new_set(2, 0600);
	long long ms = timed_down(0, -1, 100, 0);
	printf("%s: 100 ms timeout returned after %lld ms\n", test_name, ms);
	CHECK(ms >= 100);
	CHECK(ms < 2000);
	CHECK_EQ(ncnt(g_id, 0), 0);
	CHECK_EQ(val(g_id, 0), 0);

	CHECK_OK(setval(g_id, 1, 1));
	ms = timed_down(1, 0, 250, 0); /* waiting for zero */
	CHECK(ms >= 250);
	CHECK(ms < 2500);
	CHECK_EQ(zcnt(g_id, 1), 0);

	ms = timed_down(0, -1, 0, 0); /* a zero timeout: no wait */
	CHECK(ms < 1000);
	ms = timed_down(0, -1, 5000, IPC_NOWAIT); /* IPC_NOWAIT wins over the timeout */
	CHECK(ms < 2500);

	/* IPC_NOWAIT belongs to each operation: the one that cannot proceed decides. */
	struct sembuf ops[2] = {{1, -1, IPC_NOWAIT}, {0, -1, 0}};
	struct timespec ts = {0, 100000000};
	long long start = now_ns();
	CHECK_ERR(semtimedop(g_id, ops, 2, &ts), EAGAIN);
	ms = (now_ns() - start) / 1000000;
	CHECK(ms >= 100); /* op 0 could proceed: op 1, without IPC_NOWAIT, waited */
	CHECK(ms < 2000);
	CHECK_EQ(val(g_id, 1), 1);
	ops[0].sem_flg = 0;
	ops[1].sem_flg = IPC_NOWAIT;
	start = now_ns();
	CHECK_ERR(semtimedop(g_id, ops, 2, &ts), EAGAIN);
	CHECK((now_ns() - start) / 1000000 < 2000);

	/* Completed before the timeout: success. */
	pid_t child = spawn(timed_success_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	CHECK_OK(op1(g_id, 0, 1, 0));
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_CHILD_OK(child);
}

static int removed_child(int kind)
{
	struct sembuf down = {0, -1, 0}, zero = {1, 0, 0};
	struct timespec ts = {30, 0};
	if (kind == 0)
		CHECK_ERR(semop(g_id, &down, 1), EIDRM);
	else if (kind == 1)
		CHECK_ERR(semop(g_id, &zero, 1), EIDRM);
	else
		CHECK_ERR(semtimedop(g_id, &down, 1, &ts), EIDRM);
	return 0;
}

static void removal(void)
{
	SECTION("IPC_RMID wakes every sleeper with EIDRM");
	g_id = new_set(2, 0600);
	CHECK_OK(setval(g_id, 1, 1));
	pid_t a = spawn(removed_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	pid_t b = spawn(removed_child, 1);
	WAIT_ZCNT(g_id, 1, 1);
	pid_t c = spawn(removed_child, 2);
	WAIT_NCNT(g_id, 0, 2);
	CHECK_OK(semctl(g_id, 0, IPC_RMID));
	CHECK_CHILD_OK(a);
	CHECK_CHILD_OK(b);
	CHECK_CHILD_OK(c);
	CHECK_ERR(val(g_id, 0), EINVAL); /* the id is stale now: EINVAL, not EIDRM */
}

static volatile sig_atomic_t got_signal;

static void on_signal(int signo)
{
	(void)signo;
	got_signal = 1;
}

static int interrupted_child(int kind)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = kind == 1 ? SA_RESTART : 0; /* semop is never restarted */
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	struct sembuf down = {0, -1, 0};
	struct timespec ts = {30, 0};
	if (kind == 2)
		CHECK_ERR(semtimedop(g_id, &down, 1, &ts), EINTR);
	else
		CHECK_ERR(semop(g_id, &down, 1), EINTR);
	CHECK(got_signal);
	return 0;
}

static int ignoring_child(int signo)
{
	if (signo == SIGUSR2)
		signal(SIGUSR2, SIG_IGN); /* SIGCHLD is ignored by default */
	CHECK_OK(op1(g_id, 0, -1, 0));
	return 0;
}

static void signals(void)
{
	SECTION("a handled signal interrupts the sleep with EINTR; an ignored one does not");
	g_id = new_set(1, 0600);
	for (int kind = 0; kind < 3; kind++) {
		pid_t child = spawn(interrupted_child, kind);
		WAIT_NCNT(g_id, 0, 1);
		CHECK_OK(kill(child, SIGUSR1));
		CHECK_CHILD_OK(child);
		CHECK_EQ(ncnt(g_id, 0), 0);
		CHECK_EQ(val(g_id, 0), 0);
	}
	int ignored[2] = {SIGUSR2, SIGCHLD};
	for (int i = 0; i < 2; i++) {
		pid_t child = spawn(ignoring_child, ignored[i]);
		WAIT_NCNT(g_id, 0, 1);
		CHECK_OK(kill(child, ignored[i]));
		sleep_ms(50);
		CHECK_EQ(ncnt(g_id, 0), 1); /* still asleep */
		CHECK_OK(op1(g_id, 0, 1, 0));
		CHECK_EQ(val(g_id, 0), 0);
		CHECK_CHILD_OK(child);
	}
}

static void set_wakes(void)
{
	SECTION("SETVAL and SETALL complete sleepers too");
	g_id = new_set(2, 0600);
	pid_t child = spawn(down_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	CHECK_OK(setval(g_id, 0, 3));
	CHECK_EQ(val(g_id, 0), 2);
	CHECK_EQ(sempid(g_id, 0), child);
	CHECK_CHILD_OK(child);

	CHECK_OK(setval(g_id, 0, 0));
	CHECK_OK(setval(g_id, 1, 1));
	pid_t z = spawn(zero_child, 1);
	WAIT_ZCNT(g_id, 1, 1);
	pid_t d = spawn(down2_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	unsigned short values[2] = {2, 0};
	union semun arg = {.array = values};
	CHECK_OK(semctl(g_id, 0, SETALL, arg));
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_EQ(zcnt(g_id, 1) + ncnt(g_id, 0), 0);
	CHECK_CHILD_OK(z);
	CHECK_CHILD_OK(d);
}

int main(void)
{
	test_name = "c_sem_block";
	wake_across_processes();
	counts();
	fifo();
	error_to_sleeper();
	timeouts();
	removal();
	signals();
	set_wakes();
	return finish();
}
