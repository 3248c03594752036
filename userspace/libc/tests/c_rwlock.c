/* c_rwlock: read-write locks. Readers share the lock (several hold it at once),
 * writers exclude everyone (EBUSY for the try forms, ETIMEDOUT for the timed ones,
 * EDEADLK for a writer locking again), a reader may take a read lock it already holds,
 * and a stress of readers checking an invariant that writers keep; then the same in
 * MAP_SHARED memory across two processes. Passes on Linux with glibc too (gcc -O2 -Wall
 * -Wextra -Werror -pthread). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void *try_read(void *arg)
{
	(void)arg;
	int r = pthread_rwlock_tryrdlock(&rw);
	if (r == 0)
		pthread_rwlock_unlock(&rw);
	return (void *)(long)r;
}

static void *try_write(void *arg)
{
	(void)arg;
	int r = pthread_rwlock_trywrlock(&rw);
	if (r == 0)
		pthread_rwlock_unlock(&rw);
	return (void *)(long)r;
}

static void *timed_write(void *arg)
{
	struct timespec abs;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += (long)arg * 1000000L;
	abs.tv_sec += abs.tv_nsec / 1000000000L;
	abs.tv_nsec %= 1000000000L;
	int r = pthread_rwlock_timedwrlock(&rw, &abs);
	if (r == 0)
		pthread_rwlock_unlock(&rw);
	return (void *)(long)r;
}

static int other(void *(*fn)(void *), long arg)
{
	pthread_t t;
	void *r = NULL;
	pthread_create(&t, NULL, fn, (void *)arg);
	pthread_join(t, &r);
	return (int)(long)r;
}

static void test_rules(void)
{
	CHECK(pthread_rwlock_rdlock(&rw) == 0);
	CHECK(pthread_rwlock_rdlock(&rw) == 0); /* again: readers may nest */
	CHECK(other(try_read, 0) == 0);
	CHECK(other(try_write, 0) == EBUSY);
	CHECK(other(timed_write, 50) == ETIMEDOUT);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(other(try_write, 0) == EBUSY);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(other(try_write, 0) == 0);

	CHECK(pthread_rwlock_wrlock(&rw) == 0);
	CHECK(pthread_rwlock_wrlock(&rw) == EDEADLK);
	CHECK(pthread_rwlock_rdlock(&rw) == EDEADLK);
	CHECK(other(try_read, 0) == EBUSY);
	CHECK(other(try_write, 0) == EBUSY);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
	CHECK(other(try_read, 0) == 0);

	pthread_rwlockattr_t a;
	int shared = -1;
	pthread_rwlockattr_init(&a);
	CHECK(pthread_rwlockattr_setpshared(&a, 9) == EINVAL);
	CHECK(pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0);
	CHECK(pthread_rwlockattr_getpshared(&a, &shared) == 0 && shared == PTHREAD_PROCESS_SHARED);
	pthread_rwlockattr_destroy(&a);
}

/* Readers overlap. */

static int inside, most_inside;

static void *overlapping_reader(void *arg)
{
	(void)arg;
	pthread_rwlock_rdlock(&rw);
	int now = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
	int seen = most_inside;
	while (now > seen && !__atomic_compare_exchange_n(&most_inside, &seen, now, 0, __ATOMIC_SEQ_CST,
							  __ATOMIC_SEQ_CST))
		;
	sleep_ms(30);
	__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&rw);
	return NULL;
}

static void test_overlap(void)
{
	pthread_t t[6];
	for (int i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, overlapping_reader, NULL);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	printf("readers inside at once: %d of 6\n", most_inside);
	CHECK(most_inside >= 2);
}

/* Writers keep a == b; readers check it. */

struct pair {
	pthread_rwlock_t lock;
	long a, b;
	int broken;
};

enum { ROUNDS = 3000 };

static void *pair_writer(void *arg)
{
	struct pair *p = arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_rwlock_wrlock(&p->lock);
		p->a++;
		if (i % 64 == 0)
			sched_yield();
		p->b++;
		pthread_rwlock_unlock(&p->lock);
	}
	return NULL;
}

static void *pair_reader(void *arg)
{
	struct pair *p = arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_rwlock_rdlock(&p->lock);
		long a = p->a;
		if (i % 64 == 0)
			sched_yield();
		if (p->b != a)
			p->broken = 1;
		pthread_rwlock_unlock(&p->lock);
	}
	return NULL;
}

static void run_pair(struct pair *p)
{
	pthread_t w[2], r[3];
	for (int i = 0; i < 2; i++)
		pthread_create(&w[i], NULL, pair_writer, p);
	for (int i = 0; i < 3; i++)
		pthread_create(&r[i], NULL, pair_reader, p);
	for (int i = 0; i < 2; i++)
		pthread_join(w[i], NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(r[i], NULL);
}

static void test_stress(void)
{
	struct pair p;
	memset(&p, 0, sizeof p);
	pthread_rwlock_init(&p.lock, NULL);
	run_pair(&p);
	CHECK(!p.broken);
	CHECK(p.a == 2 * ROUNDS && p.b == 2 * ROUNDS);

	struct pair *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	pthread_rwlockattr_t a;
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_rwlock_init(&s->lock, &a);
	pid_t pid = fork();
	if (pid == 0) {
		run_pair(s);
		_exit(0);
	}
	run_pair(s);
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!s->broken);
	CHECK(s->a == 4 * ROUNDS && s->b == 4 * ROUNDS);
}

int main(void)
{
	test_rules();
	test_overlap();
	test_stress();
	return check_summary("c_rwlock");
}
