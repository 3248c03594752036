/* POSIX semaphores (<semaphore.h>): unnamed ones, private and process-shared (in
 * MAP_SHARED memory, a shm_open object and a System V segment), named ones between
 * processes, every errno, the timed waits, signals and threads.
 *
 * The same source passes on Linux with glibc (gcc -pthread); where glibc's answer differs
 * from the one POSIX describes and the library gives, both are written down below.
 */
#include "c_psem_common.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <sys/shm.h>

static void layout_and_limits(void)
{
	SECTION("sem_t, SEM_FAILED, SEM_VALUE_MAX, sysconf");
	CHECK_EQ(sizeof(sem_t), 32);
	CHECK_EQ(alignof(sem_t), 8);
	CHECK(SEM_FAILED == (sem_t *)0);
	CHECK_EQ(SEM_VALUE_MAX, INT_MAX);
	CHECK_EQ(sysconf(_SC_SEM_VALUE_MAX), SEM_VALUE_MAX);
	CHECK_EQ(sysconf(_SC_SEMAPHORES), 200809L);
	errno = 0;
	CHECK_EQ(sysconf(_SC_SEM_NSEMS_MAX), -1); /* no limit */
	CHECK_EQ(errno, 0);
}

static void unnamed_errnos(void)
{
	SECTION("sem_init, sem_post, sem_trywait, sem_getvalue, sem_destroy");
	sem_t s;
	int v = -1;
	CHECK_ERR(sem_init(&s, 0, (unsigned)SEM_VALUE_MAX + 1), EINVAL);
	CHECK_ERR(sem_init(&s, 1, UINT_MAX), EINVAL);
	CHECK_OK(sem_init(&s, 0, 2));
	CHECK_OK(sem_getvalue(&s, &v));
	CHECK_EQ(v, 2);
	CHECK_OK(sem_trywait(&s));
	CHECK_OK(sem_wait(&s));
	CHECK_ERR(sem_trywait(&s), EAGAIN);
	CHECK_OK(sem_getvalue(&s, &v));
	CHECK_EQ(v, 0);
	CHECK_OK(sem_post(&s));
	CHECK_OK(sem_getvalue(&s, &v));
	CHECK_EQ(v, 1);
	CHECK_OK(sem_destroy(&s));

	CHECK_OK(sem_init(&s, 1, SEM_VALUE_MAX - 1));
	CHECK_OK(sem_post(&s));
	CHECK_ERR(sem_post(&s), EOVERFLOW);
	CHECK_OK(sem_getvalue(&s, &v));
	CHECK_EQ(v, SEM_VALUE_MAX);
	CHECK_OK(sem_trywait(&s));
	CHECK_OK(sem_post(&s));
	CHECK_OK(sem_destroy(&s));
}

static sem_t wake_sem;

static void *post_after_100ms(void *arg)
{
	(void)arg;
	sleep_ms(100);
	sem_post(&wake_sem);
	return NULL;
}

static void timed_waits(void)
{
	SECTION("sem_timedwait and sem_clockwait");
	sem_t s;
	CHECK_OK(sem_init(&s, 0, 0));
	struct timespec past = {0, 0};
	CHECK_ERR(sem_timedwait(&s, &past), ETIMEDOUT);
	CHECK_ERR(sem_clockwait(&s, CLOCK_MONOTONIC, &past), ETIMEDOUT);
	struct timespec bad_low = after_ms(CLOCK_REALTIME, 1000), bad_high = bad_low;
	bad_low.tv_nsec = -1;
	bad_high.tv_nsec = 1000000000L;
	CHECK_ERR(sem_timedwait(&s, &bad_low), EINVAL);
	CHECK_ERR(sem_timedwait(&s, &bad_high), EINVAL);
	CHECK_ERR(sem_clockwait(&s, CLOCK_MONOTONIC, &bad_high), EINVAL);
	/* Other clocks are EINVAL (glibc: before anything else). */
	CHECK_ERR(sem_clockwait(&s, CLOCK_BOOTTIME, &past), EINVAL);
	CHECK_ERR(sem_clockwait(&s, 42, &past), EINVAL);
	CHECK_OK(sem_post(&s));
	CHECK_ERR(sem_clockwait(&s, 42, &past), EINVAL);
	/* A token there: taken, even with a deadline long past. */
	CHECK_OK(sem_timedwait(&s, &past));
	CHECK_OK(sem_post(&s));
#ifdef __GLIBC__
	/* glibc checks tv_nsec before it looks at the value. */
	CHECK_ERR(sem_timedwait(&s, &bad_low), EINVAL);
	CHECK_OK(sem_trywait(&s));
#else
	/* POSIX: the deadline need not be checked when the semaphore can be taken at once. */
	CHECK_OK(sem_timedwait(&s, &bad_low));
#endif

	/* Timing out: not before the deadline, and not much after. */
	clockid_t clocks[2] = {CLOCK_REALTIME, CLOCK_MONOTONIC};
	for (int i = 0; i < 2; i++) {
		long long start = now_ns();
		struct timespec deadline = after_ms(clocks[i], 200);
		if (i == 0)
			CHECK_ERR(sem_timedwait(&s, &deadline), ETIMEDOUT);
		else
			CHECK_ERR(sem_clockwait(&s, CLOCK_MONOTONIC, &deadline), ETIMEDOUT);
		long long took = (now_ns() - start) / 1000000;
		if (took < 190 || took > 2000)
			FAIL_AT("timed out after %lld ms, expected 200", took);
	}

	/* Woken by a post before the deadline. */
	CHECK_OK(sem_init(&wake_sem, 0, 0));
	for (int i = 0; i < 2; i++) {
		pthread_t t;
		CHECK_EQ(pthread_create(&t, NULL, post_after_100ms, NULL), 0);
		long long start = now_ns();
		struct timespec deadline = after_ms(clocks[i], 5000);
		CHECK_OK(sem_clockwait(&wake_sem, clocks[i], &deadline));
		long long took = (now_ns() - start) / 1000000;
		if (took > 3000)
			FAIL_AT("woken after %lld ms, expected about 100", took);
		pthread_join(t, NULL);
	}
	CHECK_OK(sem_destroy(&wake_sem));
	CHECK_OK(sem_destroy(&s));
}

/* The process-shared tests: a semaphore and a plain counter in shared memory. */
struct shared {
	sem_t lock;
	sem_t done;
	long counter;
};

static struct shared *shared;

enum { CHILDREN = 4, ROUNDS = 300 };

static int add_under_lock(int arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		if (sem_wait(&shared->lock) != 0)
			return 2;
		long c = shared->counter;
		if (i % 50 == 0)
			sched_yield();
		shared->counter = c + 1;
		sem_post(&shared->lock);
	}
	sem_post(&shared->done);
	return 0;
}

static void process_shared_anonymous(void)
{
	SECTION("pshared 1 in MAP_SHARED memory: a mutex and a counter across fork");
	shared = shared_page();
	CHECK_OK(sem_init(&shared->lock, 1, 1));
	CHECK_OK(sem_init(&shared->done, 1, 0));
	shared->counter = 0;
	pid_t pids[CHILDREN];
	for (int i = 0; i < CHILDREN; i++)
		pids[i] = spawn(add_under_lock, i);
	wait_posts(&shared->done, CHILDREN);
	for (int i = 0; i < CHILDREN; i++)
		CHECK_CHILD_OK(pids[i]);
	CHECK_EQ(shared->counter, CHILDREN * ROUNDS);
	int v;
	CHECK_OK(sem_getvalue(&shared->lock, &v));
	CHECK_EQ(v, 1);
	CHECK_ERR(sem_trywait(&shared->done), EAGAIN);
	sem_destroy(&shared->lock);
	sem_destroy(&shared->done);
	munmap(shared, 4096);
}

/* A child posts ARG times to the semaphore at the start of the shm_open object. */
static const char *shm_object;

static int post_in_shm_object(int n)
{
	int fd = shm_open(shm_object, O_RDWR, 0);
	if (fd < 0)
		return 2;
	sem_t *sem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (sem == MAP_FAILED)
		return 3;
	for (int i = 0; i < n; i++)
		sem_post(sem);
	return 0;
}

static int post_in_sysv(int id)
{
	sem_t *sem = shmat(id, NULL, 0);
	if (sem == (void *)-1)
		return 2;
	sem_post(sem);
	sem_post(sem);
	return shmdt(sem) == 0 ? 0 : 3;
}

static void process_shared_objects(void)
{
	SECTION("pshared 1 in a shm_open object and a System V segment");
	shm_object = sem_name("shm");
	int fd = shm_open(shm_object, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, 4096));
	sem_t *sem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(sem != MAP_FAILED);
	CHECK_OK(sem_init(sem, 1, 0));
	/* The child maps the object anew, at an address of its own. */
	pid_t pid = spawn(post_in_shm_object, 3);
	wait_posts(sem, 3);
	CHECK_CHILD_OK(pid);
	CHECK_ERR(sem_trywait(sem), EAGAIN);
	munmap(sem, 4096);
	CHECK_OK(shm_unlink(shm_object));

	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	CHECK(id >= 0);
	sem = shmat(id, NULL, 0);
	CHECK(sem != (void *)-1);
	CHECK_OK(sem_init(sem, 1, 0));
	pid = spawn(post_in_sysv, id);
	wait_posts(sem, 2);
	CHECK_CHILD_OK(pid);
	CHECK_OK(shmdt(sem));
	CHECK_OK(shmctl(id, IPC_RMID, NULL));
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled = 1;
}

/* How a child waits in wait_interrupted, and whether its wait is made again after the
 * handler: as on Linux, sem_wait is made again after a handler with SA_RESTART (its futex
 * wait is restarted), and the timed waits fail with EINTR even then (Linux turns a timed
 * futex wait's restart into EINTR when a handler ran; signal(7) says otherwise). */
static const struct {
	const char *what;
	int restart, timed, restarted;
} waits[] = {
	{"sem_wait, SA_RESTART: made again", 1, 0, 1},
	{"sem_wait: EINTR", 0, 0, 0},
	{"sem_timedwait: EINTR", 0, 1, 0},
	{"sem_clockwait: EINTR", 0, 2, 0},
	{"sem_timedwait, SA_RESTART: EINTR", 1, 1, 0},
	{"sem_clockwait, SA_RESTART: EINTR", 1, 2, 0},
};

/* Sleeps in a wait on shared->lock until SIGUSR1 comes (and, if the wait is made again,
 * until the parent posts). */
static int wait_interrupted(int i)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = waits[i].restart ? SA_RESTART : 0;
	sigaction(SIGUSR1, &sa, NULL);
	struct timespec deadline = after_ms(CLOCK_REALTIME, 20000);
	struct timespec mono = after_ms(CLOCK_MONOTONIC, 20000);
	sem_post(&shared->done);
	errno = 0;
	int r = waits[i].timed == 0   ? sem_wait(&shared->lock)
	        : waits[i].timed == 1 ? sem_timedwait(&shared->lock, &deadline)
	                              : sem_clockwait(&shared->lock, CLOCK_MONOTONIC, &mono);
	int e = errno;
	CHECK(handled);
	if (waits[i].restarted) {
		CHECK_EQ(r, 0);
	} else {
		CHECK_EQ(r, -1);
		CHECK_EQ(e, EINTR);
	}
	return 0;
}

static void signals(void)
{
	SECTION("a signal handler interrupts the waits");
	shared = shared_page();
	CHECK_OK(sem_init(&shared->lock, 1, 0));
	CHECK_OK(sem_init(&shared->done, 1, 0));
	for (int i = 0; i < (int)(sizeof waits / sizeof waits[0]); i++) {
		SECTION(waits[i].what);
		pid_t pid = spawn(wait_interrupted, i);
		wait_posts(&shared->done, 1);
		sleep_ms(ASLEEP_MS);
		CHECK_OK(kill(pid, SIGUSR1));
		if (waits[i].restarted) {
			sleep_ms(ASLEEP_MS);
			CHECK_EQ(waitpid(pid, NULL, WNOHANG), 0); /* still waiting */
			CHECK_OK(sem_post(&shared->lock));
		}
		CHECK_CHILD_DONE(pid);
	}
	int v = -1;
	CHECK_OK(sem_getvalue(&shared->lock, &v));
	CHECK_EQ(v, 0);
	munmap(shared, 4096);
}

enum { THREADS = 4, THREAD_ROUNDS = 2000 };

static sem_t tlock, titems;
static long tcounter;

static void *contend(void *arg)
{
	(void)arg;
	for (int i = 0; i < THREAD_ROUNDS; i++) {
		sem_wait(&tlock);
		long c = tcounter;
		if (i % 100 == 0)
			sched_yield();
		tcounter = c + 1;
		sem_post(&tlock);
	}
	return NULL;
}

static void *produce(void *arg)
{
	(void)arg;
	for (int i = 0; i < THREAD_ROUNDS; i++)
		sem_post(&titems);
	return NULL;
}

static void *take_one(void *arg)
{
	(void)arg;
	sem_wait(&titems);
	return NULL;
}

static void threads(void)
{
	SECTION("threads: a mutex, a producer and a consumer, sem_getvalue with a waiter");
	CHECK_OK(sem_init(&tlock, 0, 1));
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, contend, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(tcounter, THREADS * THREAD_ROUNDS);

	CHECK_OK(sem_init(&titems, 0, 0));
	CHECK_EQ(pthread_create(&t[0], NULL, produce, NULL), 0);
	for (int i = 0; i < THREAD_ROUNDS; i++)
		CHECK_OK(sem_wait(&titems));
	pthread_join(t[0], NULL);
	CHECK_ERR(sem_trywait(&titems), EAGAIN);

	CHECK_EQ(pthread_create(&t[0], NULL, take_one, NULL), 0);
	sleep_ms(ASLEEP_MS);
	int v = -1;
	CHECK_OK(sem_getvalue(&titems, &v));
	CHECK_EQ(v, 0); /* never negative, as glibc */
	CHECK_OK(sem_post(&titems));
	pthread_join(t[0], NULL);
	CHECK_OK(sem_getvalue(&titems, &v));
	CHECK_EQ(v, 0);
	sem_destroy(&tlock);
	sem_destroy(&titems);
}

int main(void)
{
	test_name = "c_psem";
	layout_and_limits();
	unnamed_errnos();
	timed_waits();
	process_shared_anonymous();
	process_shared_objects();
	signals();
	threads();
	return report();
}
