/* c_sem_threads: semaphores in a process with threads. The SEM_UNDO adjustments belong to
 * the process, so its threads share them: adjustments made by threads that have ended are
 * still undone when the process exits, and several threads' adjustments add up. A thread
 * asleep in semop stops none of its siblings, which keep calling semop on the same set,
 * and a sibling's change wakes it. */
#include "c_sem_common.h"

#include <pthread.h>

static int set_id;

static void *adjust(void *arg)
{
	struct sembuf op = {0, (short)(long)arg, SEM_UNDO};
	return (void *)(long)semop(set_id, &op, 1);
}

static void *sleeper(void *arg)
{
	(void)arg;
	struct sembuf op = {1, -1, 0};
	return (void *)(long)semop(set_id, &op, 1);
}

/* In a child process: threads adjust semaphore 0 by +3, -1 and +2 with SEM_UNDO and end;
 * the process exits 0 if the value shows all three. */
static int threads_adjust(int unused)
{
	(void)unused;
	long deltas[] = {3, -1, 2};
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, adjust, (void *)deltas[i]), 0);
	for (int i = 0; i < 3; i++) {
		void *r = (void *)1;
		CHECK_EQ(pthread_join(t[i], &r), 0);
		CHECK_EQ((long)r, 0);
	}
	CHECK_EQ(val(set_id, 0), 14);
	return 0;
}

/* In a child: one thread sleeps on semaphore 1 while this one goes on calling semop on the
 * set, then wakes it. */
static int sleeper_and_siblings(int unused)
{
	(void)unused;
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, sleeper, NULL), 0);
	long long start = now_ns();
	while (ncnt(set_id, 1) != 1 && now_ns() - start < 2000000000LL)
		sleep_ms(5);
	CHECK_EQ(ncnt(set_id, 1), 1);
	for (int i = 0; i < 100; i++) {
		struct sembuf ops[2] = {{0, 1, 0}, {0, -1, 0}};
		CHECK_OK(semop(set_id, ops, 2));
	}
	struct sembuf wake = {1, 1, 0};
	CHECK_OK(semop(set_id, &wake, 1));
	void *r = (void *)1;
	CHECK_EQ(pthread_join(t, &r), 0);
	CHECK_EQ((long)r, 0);
	CHECK_EQ(val(set_id, 1), 0);
	return 0;
}

int main(void)
{
	test_name = "c_sem_threads";
	set_id = new_set(2, 0600);
	union semun arg = {.val = 10};
	CHECK_OK(semctl(set_id, 0, SETVAL, arg));

	SECTION("threads share the process's SEM_UNDO adjustments, undone at its exit");
	CHECK_CHILD_OK(spawn(threads_adjust, 0));
	CHECK_EQ(val(set_id, 0), 10);

	SECTION("a thread asleep in semop stops none of its siblings");
	CHECK_CHILD_OK(spawn(sleeper_and_siblings, 0));
	CHECK_EQ(val(set_id, 0), 10);

	remove_all();
	return report();
}
