/* c_cond: condition variables. Attributes (the clock, process-shared), timed waits on
 * CLOCK_REALTIME and CLOCK_MONOTONIC (ETIMEDOUT after the deadline, at once for a
 * deadline passed, EINVAL for a malformed one), broadcast waking every waiter, a
 * bounded queue with four producers and four consumers, and four threads in two
 * processes taking turns through a process-shared mutex and condition variable in
 * MAP_SHARED memory. Passes on Linux with glibc too (gcc -O2 -Wall -Wextra -Werror
 * -pthread). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

static struct timespec deadline_in(clockid_t clock, long ms)
{
	struct timespec abs;
	clock_gettime(clock, &abs);
	abs.tv_nsec += ms * 1000000L;
	abs.tv_sec += abs.tv_nsec / 1000000000L;
	abs.tv_nsec %= 1000000000L;
	return abs;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_attr_and_timeouts(void)
{
	pthread_condattr_t a;
	clockid_t clock = -1;
	int shared = -1;
	CHECK(pthread_condattr_init(&a) == 0);
	CHECK(pthread_condattr_getclock(&a, &clock) == 0 && clock == CLOCK_REALTIME);
	CHECK(pthread_condattr_setclock(&a, 12345) == EINVAL);
	CHECK(pthread_condattr_setpshared(&a, 7) == EINVAL);
	CHECK(pthread_condattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0);
	CHECK(pthread_condattr_getpshared(&a, &shared) == 0 && shared == PTHREAD_PROCESS_SHARED);
	CHECK(pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0);
	CHECK(pthread_condattr_getclock(&a, &clock) == 0 && clock == CLOCK_MONOTONIC);

	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t real = PTHREAD_COND_INITIALIZER, mono;
	CHECK(pthread_cond_init(&mono, &a) == 0);
	pthread_condattr_destroy(&a);

	struct timespec t0, abs;
	pthread_mutex_lock(&m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	abs = deadline_in(CLOCK_REALTIME, 100);
	CHECK(pthread_cond_timedwait(&real, &m, &abs) == ETIMEDOUT);
	long waited = ms_since(&t0);
	printf("CLOCK_REALTIME wait: %ld ms for 100\n", waited);
	CHECK(waited >= 95 && waited < 2000);
	CHECK(pthread_mutex_trylock(&m) == EBUSY); /* the mutex is held again */

	clock_gettime(CLOCK_MONOTONIC, &t0);
	abs = deadline_in(CLOCK_MONOTONIC, 100);
	CHECK(pthread_cond_timedwait(&mono, &m, &abs) == ETIMEDOUT);
	waited = ms_since(&t0);
	printf("CLOCK_MONOTONIC wait: %ld ms for 100\n", waited);
	CHECK(waited >= 95 && waited < 2000);

	struct timespec past = {0, 0}, bad = {0, -1}; /* the monotonic clock starts at boot */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(pthread_cond_timedwait(&real, &m, &past) == ETIMEDOUT);
	CHECK(pthread_cond_timedwait(&mono, &m, &past) == ETIMEDOUT);
	CHECK(ms_since(&t0) < 50);
	CHECK(pthread_cond_timedwait(&real, &m, &bad) == EINVAL);
	CHECK(pthread_mutex_unlock(&m) == 0);
	CHECK(pthread_cond_destroy(&mono) == 0);
	CHECK(pthread_cond_destroy(&real) == 0);
}

/* broadcast wakes every waiter; signal with none waiting is harmless. */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_waiting;

static void *gate_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_lock);
	gate_waiting++;
	while (!gate_open)
		pthread_cond_wait(&gate, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	return (void *)1L;
}

static void test_broadcast(void)
{
	enum { N = 12 };
	pthread_t t[N];
	CHECK(pthread_cond_signal(&gate) == 0);
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, gate_waiter, NULL);
	for (;;) {
		pthread_mutex_lock(&gate_lock);
		int w = gate_waiting;
		pthread_mutex_unlock(&gate_lock);
		if (w == N)
			break;
		sleep_ms(1);
	}
	sleep_ms(20);
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	CHECK(pthread_cond_broadcast(&gate) == 0);
	pthread_mutex_unlock(&gate_lock);
	int woke = 0;
	for (int i = 0; i < N; i++) {
		void *r;
		pthread_join(t[i], &r);
		woke += r == (void *)1L;
	}
	CHECK(woke == N);
}

/* A bounded queue: producers and consumers. */

enum { QCAP = 8, PRODUCERS = 4, CONSUMERS = 4, ITEMS = 4000 };
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static long queue[QCAP];
static int q_head, q_len, producers_left = PRODUCERS;

static void *producer(void *arg)
{
	long base = (long)arg * ITEMS;
	for (long i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_len == QCAP)
			pthread_cond_wait(&not_full, &q_lock);
		queue[(q_head + q_len++) % QCAP] = base + i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&q_lock);
	}
	pthread_mutex_lock(&q_lock);
	producers_left--;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

struct tally {
	long count, sum;
};

static void *consumer(void *arg)
{
	struct tally *t = arg;
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (q_len == 0 && producers_left > 0)
			pthread_cond_wait(&not_empty, &q_lock);
		if (q_len == 0) {
			pthread_mutex_unlock(&q_lock);
			return NULL;
		}
		long v = queue[q_head];
		q_head = (q_head + 1) % QCAP;
		q_len--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&q_lock);
		t->count++;
		t->sum += v;
	}
}

static void test_queue(void)
{
	pthread_t p[PRODUCERS], c[CONSUMERS];
	struct tally tally[CONSUMERS];
	memset(tally, 0, sizeof tally);
	for (long i = 0; i < CONSUMERS; i++)
		pthread_create(&c[i], NULL, consumer, &tally[i]);
	for (long i = 0; i < PRODUCERS; i++)
		pthread_create(&p[i], NULL, producer, (void *)i);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(p[i], NULL);
	long count = 0, sum = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(c[i], NULL);
		count += tally[i].count;
		sum += tally[i].sum;
	}
	long n = (long)PRODUCERS * ITEMS;
	CHECK(count == n);
	CHECK(sum == n * (n + 1) / 2);
}

/* Two processes with two threads each take turns in shared memory. */

enum { PLAYERS = 4, TURNS = 2000 };

struct table {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	long turn;
	long moves[PLAYERS];
};

struct seat {
	struct table *t;
	int player;
};

static void *play(void *arg)
{
	struct seat *s = arg;
	struct table *t = s->t;
	for (;;) {
		pthread_mutex_lock(&t->lock);
		while (t->turn < TURNS && t->turn % PLAYERS != s->player)
			pthread_cond_wait(&t->changed, &t->lock);
		if (t->turn >= TURNS) {
			pthread_mutex_unlock(&t->lock);
			return NULL;
		}
		t->moves[s->player]++;
		t->turn++;
		pthread_cond_broadcast(&t->changed);
		pthread_mutex_unlock(&t->lock);
	}
}

static void play_two(struct table *t, int first)
{
	struct seat a = {t, first}, b = {t, first + 1};
	pthread_t other;
	pthread_create(&other, NULL, play, &b);
	play(&a);
	pthread_join(other, NULL);
}

static void test_shared(void)
{
	struct table *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(t != MAP_FAILED);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&t->lock, &ma);
	pthread_cond_init(&t->changed, &ca);
	pid_t pid = fork();
	if (pid == 0) {
		play_two(t, 2);
		_exit(0);
	}
	play_two(t, 0);
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(t->turn == TURNS);
	int even = 1;
	for (int i = 0; i < PLAYERS; i++)
		even &= t->moves[i] == TURNS / PLAYERS;
	CHECK(even);
	munmap(t, sizeof *t);
}

int main(void)
{
	test_attr_and_timeouts();
	test_broadcast();
	test_queue();
	test_shared();
	return check_summary("c_cond");
}
