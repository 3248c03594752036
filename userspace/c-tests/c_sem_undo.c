/* c_sem_undo: SEM_UNDO. Each process's adjustments are applied when it exits, normally or
 * killed while asleep in semop, clamped to [0, SEMVMX], skipping removed sets, and they
 * complete sleepers as any change does; an adjustment outside [-32768, 32767] is ERANGE;
 * SETVAL clears a semaphore's adjustments in every process and SETALL the whole set's; a
 * forked child starts with none; exec keeps them.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did not.
 * Run with the arguments `exec-child SEMID` it is the image the exec test runs.
 */
#include "c_sem_common.h"

static int g_id, g_other;
static const char *self_path;

static int exit_child(int unused)
{
	(void)unused;
	struct sembuf ops[2] = {{0, 1, SEM_UNDO}, {0, 2, SEM_UNDO}}; /* one call, one semaphore */
	CHECK_OK(semop(g_id, ops, 2));
	CHECK_OK(op1(g_id, 1, -2, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, -1, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, 1, SEM_UNDO));
	CHECK_OK(op1(g_id, 0, 5, 0)); /* not undone */
	CHECK_EQ(val(g_id, 0), 8);
	CHECK_EQ(val(g_id, 1), 3);
	return 0;
}

static void after_exit(void)
{
	SECTION("adjustments are applied when the process exits");
	g_id = new_set(2, 0600);
	CHECK_OK(setval(g_id, 1, 5));
	pid_t child = spawn(exit_child, 0);
	CHECK_CHILD_OK(child);
	CHECK_EQ(val(g_id, 0), 5);
	CHECK_EQ(val(g_id, 1), 5);
	CHECK_EQ(sempid(g_id, 0), child); /* the exit's adjustment sets sempid */
	CHECK_EQ(sempid(g_id, 1), child);
}

static int sleeper_child(int unused)
{
	(void)unused;
	CHECK_OK(op1(g_id, 0, -2, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, -1, SEM_UNDO)); /* sleeps until killed */
	return 0;
}

static int plain_sleeper_child(int num)
{
	CHECK_OK(op1(g_id, (unsigned short)num, -1, 0));
	return 0;
}

static int undo_then_sleep_child(int unused)
{
	(void)unused;
	CHECK_OK(op1(g_id, 0, -1, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, -1, 0)); /* sleeps until killed */
	return 0;
}

static void after_kill(void)
{
	SECTION("adjustments are applied when the process is killed asleep in semop");
	g_id = new_set(2, 0600);
	CHECK_OK(setval(g_id, 0, 5));
	pid_t child = spawn(sleeper_child, 0);
	WAIT_NCNT(g_id, 1, 1);
	CHECK_EQ(val(g_id, 0), 3);
	CHECK_OK(kill(child, SIGKILL));
	int status = reap(child);
	CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_EQ(val(g_id, 0), 5);
	CHECK_EQ(val(g_id, 1), 0); /* the operation it slept in was never done */
	CHECK_EQ(ncnt(g_id, 1), 0);

	/* The exit's adjustment completes a sleeper. */
	CHECK_OK(setval(g_id, 0, 1));
	pid_t undoer = spawn(undo_then_sleep_child, 0);
	WAIT_NCNT(g_id, 1, 1);
	pid_t waiter = spawn(plain_sleeper_child, 0);
	WAIT_NCNT(g_id, 0, 1);
	CHECK_OK(kill(undoer, SIGKILL));
	status = reap(undoer);
	CHECK(status != -1 && WIFSIGNALED(status));
	CHECK_CHILD_OK(waiter);
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_EQ(sempid(g_id, 0), waiter);
	CHECK_EQ(ncnt(g_id, 0) + ncnt(g_id, 1), 0);
}

/* Does OP with SEM_UNDO on sem 0, waits for sem 1, then exits. */
static int undo_and_wait_child(int op)
{
	CHECK_OK(op1(g_id, 0, (short)op, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, -1, 0));
	return 0;
}

static void clamping(void)
{
	SECTION("an exit's adjustment is clamped to [0, SEMVMX]");
	g_id = new_set(2, 0600);
	pid_t child = spawn(undo_and_wait_child, 3); /* adjustment -3 */
	WAIT_NCNT(g_id, 1, 1);
	CHECK_OK(op1(g_id, 0, -2, 0));
	CHECK_OK(op1(g_id, 1, 1, 0));
	CHECK_CHILD_OK(child);
	CHECK_EQ(val(g_id, 0), 0); /* 1 - 3 */

	CHECK_OK(setval(g_id, 0, 1));
	child = spawn(undo_and_wait_child, -1); /* adjustment +1 */
	WAIT_NCNT(g_id, 1, 1);
	CHECK_OK(op1(g_id, 0, SEMVMX_MAX, 0));
	CHECK_OK(op1(g_id, 1, 1, 0));
	CHECK_CHILD_OK(child);
	CHECK_EQ(val(g_id, 0), SEMVMX_MAX); /* 32767 + 1 */
}

static int range_child(int unused)
{
	(void)unused;
	/* Sem 0 starts at SEMVMX: adjustment +32767, then +32768 would be out of range. */
	CHECK_OK(op1(g_id, 0, -SEMVMX_MAX, SEM_UNDO));
	CHECK_OK(op1(g_id, 0, 1, 0));
	CHECK_ERR(op1(g_id, 0, -1, SEM_UNDO), ERANGE);
	CHECK_ERR(op1(g_id, 0, -1, SEM_UNDO | IPC_NOWAIT), ERANGE);
	CHECK_EQ(val(g_id, 0), 1);
	CHECK_OK(op1(g_id, 0, -1, 0));
	/* Sem 1: adjustment -32767, then -32768 (the lowest allowed), then -32769. */
	CHECK_OK(op1(g_id, 1, SEMVMX_MAX, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, -1, 0));
	CHECK_OK(op1(g_id, 1, 1, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, -1, 0));
	CHECK_ERR(op1(g_id, 1, 1, SEM_UNDO), ERANGE);
	CHECK_EQ(val(g_id, 1), SEMVMX_MAX - 1);
	/* Within one call, the adjustment accumulates operation by operation. */
	struct sembuf ops[2] = {{1, -1, 0}, {1, 1, SEM_UNDO}};
	CHECK_ERR(semop(g_id, ops, 2), ERANGE);
	CHECK_EQ(val(g_id, 1), SEMVMX_MAX - 1);
	return 0;
}

static void range(void)
{
	SECTION("an adjustment outside [-32768, 32767] is ERANGE");
	g_id = new_set(2, 0600);
	CHECK_OK(setval(g_id, 0, SEMVMX_MAX));
	CHECK_CHILD_OK(spawn(range_child, 0));
	CHECK_EQ(val(g_id, 0), SEMVMX_MAX); /* 0 + 32767 */
	CHECK_EQ(val(g_id, 1), 0);          /* 32766 - 32768, clamped */
}

static int two_sets_child(int unused)
{
	(void)unused;
	CHECK_OK(op1(g_other, 0, 1, SEM_UNDO));
	CHECK_OK(op1(g_id, 0, 1, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, -1, 0));
	return 0;
}

static void removed_set(void)
{
	SECTION("an exit skips sets removed meanwhile");
	g_id = new_set(2, 0600);
	g_other = new_set(1, 0600);
	pid_t child = spawn(two_sets_child, 0);
	WAIT_NCNT(g_id, 1, 1);
	CHECK_OK(semctl(g_other, 0, IPC_RMID));
	int fresh = new_set(1, 0600); /* may take the removed set's slot */
	CHECK_OK(op1(g_id, 1, 1, 0));
	CHECK_CHILD_OK(child);
	CHECK_EQ(val(g_id, 0), 0);
	CHECK_EQ(val(fresh, 0), 0);
	CHECK_EQ(sempid(fresh, 0), 0);
}

static int two_undos_child(int unused)
{
	(void)unused;
	CHECK_OK(op1(g_id, 0, 2, SEM_UNDO));
	CHECK_OK(op1(g_id, 1, 2, SEM_UNDO));
	CHECK_OK(op1(g_id, 2, -1, 0));
	CHECK_OK(op1(g_id, 0, 1, SEM_UNDO)); /* after SETVAL: a new adjustment */
	return 0;
}

static void set_clears(void)
{
	SECTION("SETVAL clears a semaphore's adjustments in every process, SETALL the set's");
	g_id = new_set(3, 0600);
	pid_t a = spawn(two_undos_child, 0);
	WAIT_NCNT(g_id, 2, 1);
	pid_t b = spawn(two_undos_child, 0);
	WAIT_NCNT(g_id, 2, 2);
	CHECK_EQ(val(g_id, 0), 4);
	CHECK_OK(setval(g_id, 0, 10));
	CHECK_OK(op1(g_id, 2, 2, 0));
	CHECK_CHILD_OK(a);
	CHECK_CHILD_OK(b);
	CHECK_EQ(val(g_id, 0), 10); /* 10 + 1 + 1, then each exit undoes only its +1 */
	CHECK_EQ(val(g_id, 1), 0);  /* not cleared: undone */

	a = spawn(two_undos_child, 0);
	WAIT_NCNT(g_id, 2, 1);
	CHECK_EQ(val(g_id, 0), 12);
	unsigned short values[3] = {7, 8, 1};
	union semun arg = {.array = values};
	CHECK_OK(semctl(g_id, 0, SETALL, arg));
	CHECK_CHILD_OK(a);
	CHECK_EQ(val(g_id, 0), 7);
	CHECK_EQ(val(g_id, 1), 8);
	CHECK_EQ(val(g_id, 2), 0);
}

static int idle_child(int unused)
{
	(void)unused;
	return 0;
}

static int own_undo_child(int unused)
{
	(void)unused;
	CHECK_OK(op1(g_id, 0, 3, SEM_UNDO));
	return 0;
}

static int exec_child(int unused)
{
	(void)unused;
	CHECK_OK(op1(g_id, 0, 2, SEM_UNDO));
	return exec_self(self_path, g_id);
}

static void fork_and_exec(void)
{
	SECTION("a forked child starts with no adjustments; exec keeps them");
	g_id = new_set(1, 0600);
	CHECK_OK(op1(g_id, 0, 1, SEM_UNDO)); /* this process's adjustment */
	CHECK_CHILD_OK(spawn(idle_child, 0));
	CHECK_EQ(val(g_id, 0), 1);
	CHECK_CHILD_OK(spawn(own_undo_child, 0));
	CHECK_EQ(val(g_id, 0), 1);
	CHECK_OK(op1(g_id, 0, -1, SEM_UNDO)); /* back to none */

	pid_t child = spawn(exec_child, 0);
	CHECK_CHILD_OK(child);
	CHECK_EQ(val(g_id, 0), 0); /* +2 before exec and +1 after were both undone */
}

/* The image the exec test runs: one more adjustment, then exit. */
static int exec_image(const char *id_text)
{
	test_name = "c_sem_undo (exec-child)";
	SECTION("running after exec; the adjustment made before it is still there");
	g_id = atoi(id_text);
	CHECK_EQ(val(g_id, 0), 2);
	CHECK_OK(op1(g_id, 0, 1, SEM_UNDO));
	CHECK_EQ(val(g_id, 0), 3);
	fflush(stdout);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	self_path = argc > 0 ? argv[0] : "c_sem_undo";
	if (argc == 3 && strcmp(argv[1], "exec-child") == 0)
		return exec_image(argv[2]);
	test_name = "c_sem_undo";
	after_exit();
	after_kill();
	clamping();
	range();
	removed_set();
	set_clears();
	fork_and_exec();
	return finish();
}
