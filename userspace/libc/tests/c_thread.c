/* c_thread: POSIX threads. Creating and joining hundreds of threads, a few dozen at a
 * time; detached threads; __thread variables and errno per thread; thread-specific data
 * and its destructors; pthread_once; attributes, a thread on a large stack, one on a
 * stack of the caller's, one overflowing into the guard page; eight threads writing
 * lines to one stream (each arrives whole) and eight allocating and freeing at once;
 * fork and exit while a thread sleeps in fgetc holding its stream; four threads
 * changing one epoll set;
 * pthread_exit from the main thread; pthread_kill with a handler; pthread_sigmask per
 * thread; fork from a threaded process (the child has only the caller). Passes on Linux
 * with glibc too (gcc -O2 -Wall -Wextra -Werror -pthread). */
#define _GNU_SOURCE /* gettid in glibc's unistd.h */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

/* Creating and joining. */

static int started;

static void *doubler(void *arg)
{
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	if ((long)arg % 7 == 0)
		sched_yield();
	return (void *)((long)arg * 2);
}

static void test_create_join(void)
{
	enum { WAVES = 10, AT_ONCE = 30 };
	int bad = 0, failed = 0;
	for (int w = 0; w < WAVES; w++) {
		pthread_t t[AT_ONCE];
		for (long i = 0; i < AT_ONCE; i++)
			if (pthread_create(&t[i], NULL, doubler, (void *)(w * AT_ONCE + i)) != 0)
				failed++;
		for (long i = 0; i < AT_ONCE; i++) {
			void *r;
			if (pthread_join(t[i], &r) != 0 || (long)r != 2 * (w * AT_ONCE + i))
				bad++;
		}
	}
	CHECK(failed == 0);
	CHECK(bad == 0);
	CHECK(started == WAVES * AT_ONCE);
	CHECK(pthread_join(pthread_self(), NULL) == EDEADLK);
	CHECK(pthread_equal(pthread_self(), pthread_self()));
}

static int detached_done;

static void *detached_worker(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *self_detacher(void *arg)
{
	(void)arg;
	pthread_detach(pthread_self());
	__atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
	pthread_exit(NULL);
}

static void test_detached(void)
{
	pthread_attr_t attr;
	int state = -1;
	CHECK(pthread_attr_init(&attr) == 0);
	CHECK(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0);
	CHECK(pthread_attr_getdetachstate(&attr, &state) == 0 && state == PTHREAD_CREATE_DETACHED);
	CHECK(pthread_attr_setdetachstate(&attr, 42) == EINVAL);
	int failed = 0;
	/* Rounds of detached threads: later creations reuse the ended ones' memory. */
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 20; i++) {
			pthread_t t;
			if (pthread_create(&t, i % 2 ? &attr : NULL, i % 2 ? detached_worker : self_detacher, NULL))
				failed++;
		}
		for (int spin = 0; spin < 2000 && __atomic_load_n(&detached_done, __ATOMIC_SEQ_CST) < 20 * (round + 1);
		     spin++)
			sleep_ms(1);
	}
	CHECK(failed == 0);
	CHECK(detached_done == 200);
	pthread_attr_destroy(&attr);
}

/* Thread-local storage. */

static __thread int tls_int = 42;
static __thread char tls_buf[100];
static __thread long tls_big[512] = {1, 2, 3};

static void *tls_worker(void *arg)
{
	long id = (long)arg;
	int ok = tls_int == 42 && tls_big[0] == 1 && tls_big[2] == 3 && tls_big[511] == 0;
	for (size_t i = 0; i < sizeof tls_buf; i++)
		ok &= tls_buf[i] == 0;
	tls_int = (int)id;
	memset(tls_buf, (int)id, sizeof tls_buf);
	tls_big[511] = id;
	errno = (int)id + 1000;
	for (int i = 0; i < 20; i++) {
		sched_yield();
		ok &= tls_int == id && tls_buf[99] == (char)id && tls_big[511] == id && errno == id + 1000;
	}
	/* A failing call sets this thread's errno only. */
	ok &= close(-1) == -1 && errno == EBADF;
	return (void *)(long)ok;
}

static void *errno_address(void *arg)
{
	(void)arg;
	return &errno;
}

static void *tid_of(void *arg)
{
	(void)arg;
	return (void *)(long)gettid();
}

static void test_tls(void)
{
	enum { N = 16 };
	pthread_t t[N];
	tls_int = 7;
	errno = 0;
	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, tls_worker, (void *)(i + 1));
	int good = 0;
	for (int i = 0; i < N; i++) {
		void *r;
		pthread_join(t[i], &r);
		good += r == (void *)1L;
	}
	CHECK(good == N);
	CHECK(tls_int == 7);
	CHECK(errno == 0);
	pthread_t e;
	void *theirs = NULL;
	pthread_create(&e, NULL, errno_address, NULL);
	pthread_join(e, &theirs);
	CHECK(theirs != NULL && theirs != (void *)&errno);
	void *tid = NULL;
	pthread_create(&e, NULL, tid_of, NULL);
	pthread_join(e, &tid);
	CHECK(gettid() > 0 && (long)tid > 0 && (long)tid != gettid());
}

/* Thread-specific data. */

static pthread_key_t key, key2;
static int destructor_calls;
static int destructor_rounds;

static void count_destructor(void *value)
{
	__atomic_add_fetch(&destructor_calls, 1, __ATOMIC_SEQ_CST);
	free(value);
}

/* Sets its value again twice: three rounds in all. */
static void resetting_destructor(void *value)
{
	__atomic_add_fetch(&destructor_rounds, 1, __ATOMIC_SEQ_CST);
	if ((long)value < 3)
		pthread_setspecific(key2, (void *)((long)value + 1));
}

static void *key_worker(void *arg)
{
	int *mine = malloc(sizeof *mine);
	*mine = (int)(long)arg;
	int ok = pthread_getspecific(key) == NULL;
	ok &= pthread_setspecific(key, mine) == 0;
	ok &= pthread_setspecific(key2, (void *)1L) == 0;
	sched_yield();
	ok &= pthread_getspecific(key) == mine && *(int *)pthread_getspecific(key) == (int)(long)arg;
	return (void *)(long)ok;
}

static void test_keys(void)
{
	CHECK(pthread_key_create(&key, count_destructor) == 0);
	CHECK(pthread_key_create(&key2, resetting_destructor) == 0);
	CHECK(key != key2);
	int main_value = 5;
	CHECK(pthread_setspecific(key, &main_value) == 0);
	enum { N = 10 };
	pthread_t t[N];
	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, key_worker, (void *)i);
	int good = 0;
	for (int i = 0; i < N; i++) {
		void *r;
		pthread_join(t[i], &r);
		good += r == (void *)1L;
	}
	CHECK(good == N);
	CHECK(destructor_calls == N);
	CHECK(destructor_rounds == 3 * N);
	CHECK(pthread_getspecific(key) == &main_value);
	CHECK(pthread_setspecific(key, NULL) == 0);
	CHECK(pthread_key_delete(key) == 0);
	CHECK(pthread_key_delete(key2) == 0);
	pthread_key_t again;
	CHECK(pthread_key_create(&again, NULL) == 0);
	CHECK(pthread_getspecific(again) == NULL);
	CHECK(pthread_key_delete(again) == 0);
}

/* pthread_once. */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static int once_finished;

static void once_init(void)
{
	__atomic_add_fetch(&once_runs, 1, __ATOMIC_SEQ_CST);
	sleep_ms(20);
	once_finished = 1;
}

static void *once_worker(void *arg)
{
	(void)arg;
	pthread_once(&once, once_init);
	return (void *)(long)once_finished;
}

static void test_once(void)
{
	enum { N = 12 };
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, once_worker, NULL);
	int saw_done = 0;
	for (int i = 0; i < N; i++) {
		void *r;
		pthread_join(t[i], &r);
		saw_done += r == (void *)1L;
	}
	CHECK(once_runs == 1);
	CHECK(saw_done == N);
	CHECK(pthread_once(&once, once_init) == 0 && once_runs == 1);
}

/* Attributes: stack size. */

static void *stack_eater(void *arg)
{
	volatile char big[400 * 1024];
	memset((char *)big, 1, sizeof big);
	return (void *)(long)(big[(long)arg] + big[sizeof big - 1]);
}

static void test_attr(void)
{
	pthread_attr_t attr;
	size_t size = 0;
	pthread_attr_init(&attr);
	CHECK(pthread_attr_setstacksize(&attr, 1) == EINVAL);
	CHECK(pthread_attr_setstacksize(&attr, 2 * 1024 * 1024) == 0);
	CHECK(pthread_attr_getstacksize(&attr, &size) == 0 && size == 2 * 1024 * 1024);
	pthread_t t;
	void *r = NULL;
	CHECK(pthread_create(&t, &attr, stack_eater, (void *)1000L) == 0);
	CHECK(pthread_join(t, &r) == 0 && r == (void *)2L);
	pthread_attr_destroy(&attr);
}

/* A stack of the caller's (pthread_attr_setstack), and the guard page below a mapped
 * one: a thread that overflows its 64 KiB stack dies of SIGSEGV. */

static volatile unsigned long stack_seen; /* an address on the thread's stack */

static void *note_stack(void *arg)
{
	volatile int local = 1;
	(void)arg;
	stack_seen = (unsigned long)&local;
	return NULL;
}

static int recurse(int n)
{
	volatile char frame[1024];
	frame[0] = (char)n;
	return n > 0 ? recurse(n - 1) + frame[0] : 0;
}

static void *overflow(void *arg)
{
	return (void *)(long)recurse((int)(long)arg);
}

static void test_stacks(void)
{
	enum { SIZE = 64 * 1024 };
	char *stack = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_attr_t attr;
	void *addr = NULL;
	size_t size = 0;
	pthread_attr_init(&attr);
	CHECK(pthread_attr_setstack(&attr, stack, SIZE) == 0);
	CHECK(pthread_attr_getstack(&attr, &addr, &size) == 0 && addr == stack && size == SIZE);
	pthread_t t;
	CHECK(pthread_create(&t, &attr, note_stack, NULL) == 0);
	pthread_join(t, NULL);
	CHECK(stack_seen >= (unsigned long)stack && stack_seen < (unsigned long)stack + SIZE);
	pthread_attr_destroy(&attr);
	munmap(stack, SIZE);

	pid_t pid = fork();
	if (pid == 0) {
		pthread_attr_t small;
		pthread_attr_init(&small);
		pthread_attr_setstacksize(&small, SIZE);
		if (pthread_create(&t, &small, overflow, (void *)1000L) == 0)
			pthread_join(t, NULL);
		_exit(0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

/* stdio and malloc from many threads at once: every line arrives whole, every block
 * keeps its contents. */

static FILE *shared_stream;

static void *line_writer(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < 200; i++)
		fprintf(shared_stream, "thread %ld line %d %s\n", id, i, "abcdefghijklmnopqrstuvwxyz");
	return NULL;
}

static void *line_reader(void *arg)
{
	FILE *in = arg;
	char line[256];
	long good = 0, bad = 0;
	int next[8] = {0};
	while (fgets(line, sizeof line, in)) {
		long id;
		int i;
		char tail[64];
		if (sscanf(line, "thread %ld line %d %63s", &id, &i, tail) == 3 && id >= 0 && id < 8 &&
		    i == next[id] && strcmp(tail, "abcdefghijklmnopqrstuvwxyz") == 0) {
			next[id]++;
			good++;
		} else {
			bad++;
		}
	}
	return (void *)(bad ? -1 : good);
}

static void *heap_worker(void *arg)
{
	unsigned seed = (unsigned)(long)arg * 2654435761u;
	unsigned char *blocks[64] = {0};
	size_t sizes[64] = {0};
	int ok = 1;
	for (int round = 0; round < 3000; round++) {
		seed = seed * 1103515245u + 12345u;
		int k = (int)(seed >> 16) % 64;
		if (blocks[k]) {
			for (size_t j = 0; j < sizes[k]; j++)
				ok &= blocks[k][j] == (unsigned char)(k + sizes[k]);
			free(blocks[k]);
			blocks[k] = NULL;
		} else {
			sizes[k] = (seed >> 8) % (round % 100 == 0 ? 100000 : 600) + 1;
			blocks[k] = malloc(sizes[k]);
			if (!blocks[k])
				return NULL;
			memset(blocks[k], (unsigned char)(k + sizes[k]), sizes[k]);
		}
	}
	for (int k = 0; k < 64; k++)
		free(blocks[k]);
	return (void *)(long)ok;
}

static void test_stdio_and_heap(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	shared_stream = fdopen(fds[1], "w");
	FILE *in = fdopen(fds[0], "r");
	CHECK(shared_stream != NULL && in != NULL);
	pthread_t reader, writers[8], heap[8];
	pthread_create(&reader, NULL, line_reader, in);
	for (long i = 0; i < 8; i++) {
		pthread_create(&writers[i], NULL, line_writer, (void *)i);
		pthread_create(&heap[i], NULL, heap_worker, (void *)(i + 1));
	}
	int heap_ok = 0;
	for (int i = 0; i < 8; i++) {
		void *r = NULL;
		pthread_join(writers[i], NULL);
		pthread_join(heap[i], &r);
		heap_ok += r == (void *)1L;
	}
	fclose(shared_stream);
	void *lines = NULL;
	pthread_join(reader, &lines);
	fclose(in);
	CHECK((long)lines == 8 * 200);
	CHECK(heap_ok == 8);
}

/* A thread asleep in fgetc holds its stream: fork and exit do not wait for it. */

static void *blocked_reader(void *arg)
{
	return (void *)(long)fgetc((FILE *)arg);
}

static void test_blocked_reader(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	FILE *in = fdopen(fds[0], "r");
	pthread_t t;
	pthread_create(&t, NULL, blocked_reader, in);
	sleep_ms(20);
	int status = -1;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pid = fork();
	if (pid == 0) {
		pthread_t r;
		pthread_create(&r, NULL, blocked_reader, in);
		sleep_ms(20);
		exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(write(fds[1], "z", 1) == 1);
	void *c = NULL;
	pthread_join(t, &c);
	CHECK(c == (void *)(long)'z');
	fclose(in);
	close(fds[1]);
}

/* One epoll set changed by four threads at once: the runtime's table of registrations
 * stays whole (every ADD, MOD and DEL succeeds; nothing is left registered). */

static int shared_epfd;

static void *epoll_churner(void *arg)
{
	(void)arg;
	int fds[2], ok = 1;
	if (pipe(fds) < 0)
		return NULL;
	for (int i = 0; i < 300; i++) {
		struct epoll_event ev = {EPOLLIN, {.fd = fds[0]}};
		ok &= epoll_ctl(shared_epfd, EPOLL_CTL_ADD, fds[0], &ev) == 0;
		ev.events = EPOLLIN | EPOLLOUT;
		ok &= epoll_ctl(shared_epfd, EPOLL_CTL_MOD, fds[0], &ev) == 0;
		ok &= epoll_ctl(shared_epfd, EPOLL_CTL_ADD, fds[0], &ev) == -1 && errno == EEXIST;
		ok &= epoll_ctl(shared_epfd, EPOLL_CTL_DEL, fds[0], NULL) == 0;
	}
	close(fds[0]);
	close(fds[1]);
	return (void *)(long)ok;
}

static void test_epoll(void)
{
	shared_epfd = epoll_create1(0);
	CHECK(shared_epfd >= 0);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, epoll_churner, NULL);
	int good = 0;
	for (int i = 0; i < 4; i++) {
		void *r = NULL;
		pthread_join(t[i], &r);
		good += r == (void *)1L;
	}
	CHECK(good == 4);
	struct epoll_event out[4];
	CHECK(epoll_wait(shared_epfd, out, 4, 0) == 0);
	close(shared_epfd);
}

/* pthread_exit from the main thread: the process lives on until its last thread ends,
 * then exits with status 0. */

static int exit_pipe[2];

static void *last_thread(void *arg)
{
	(void)arg;
	sleep_ms(30);
	if (write(exit_pipe[1], "x", 1) != 1)
		_exit(3);
	return NULL;
}

static void test_main_exit(void)
{
	CHECK(pipe(exit_pipe) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, last_thread, NULL);
		pthread_exit(NULL);
	}
	close(exit_pipe[1]);
	char c = 0;
	CHECK(read(exit_pipe[0], &c, 1) == 1 && c == 'x');
	int status = -1;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(exit_pipe[0]);
}

/* pthread_kill and pthread_sigmask. */

static volatile pthread_t handled_on;
static volatile int handled;
static volatile int stop_spinning;

static void on_usr1(int signo)
{
	(void)signo;
	handled_on = pthread_self();
	handled = 1;
}

static void *spinner(void *arg)
{
	(void)arg;
	while (!stop_spinning)
		sched_yield();
	return NULL;
}

static void *mask_worker(void *arg)
{
	(void)arg;
	sigset_t set, now;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	int ok = pthread_sigmask(SIG_BLOCK, &set, NULL) == 0;
	ok &= pthread_sigmask(SIG_BLOCK, NULL, &now) == 0 && sigismember(&now, SIGUSR2) == 1;
	ok &= pthread_sigmask(99, &set, NULL) == EINVAL;
	return (void *)(long)ok;
}

static void test_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t t;
	pthread_create(&t, NULL, spinner, NULL);
	CHECK(pthread_kill(t, 0) == 0);
	CHECK(pthread_kill(t, SIGUSR1) == 0);
	for (int i = 0; i < 2000 && !handled; i++)
		sleep_ms(1);
	CHECK(handled == 1);
	CHECK(pthread_equal(handled_on, t));
	CHECK(pthread_kill(t, 1000) == EINVAL);
	stop_spinning = 1;
	pthread_join(t, NULL);

	pthread_t m;
	void *r = NULL;
	pthread_create(&m, NULL, mask_worker, NULL);
	pthread_join(m, &r);
	CHECK(r == (void *)1L);
	sigset_t mine;
	CHECK(pthread_sigmask(SIG_BLOCK, NULL, &mine) == 0 && sigismember(&mine, SIGUSR2) == 0);
}

/* fork from a threaded process: the child runs only the thread that called fork. */

static volatile long ticks;
static volatile int stop_ticking;

static void *ticker(void *arg)
{
	(void)arg;
	while (!stop_ticking) {
		__atomic_add_fetch(&ticks, 1, __ATOMIC_SEQ_CST);
		void *p = malloc(64); /* the heap's lock is busy while fork runs */
		free(p);
		sched_yield();
	}
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	pid_t pid = fork();
	if (pid == 0) {
		long before = ticks;
		sleep_ms(50);
		int ok = ticks == before;
		/* The heap, stdio and threads work in the child. */
		char *p = malloc(1000);
		ok &= p != NULL;
		free(p);
		pthread_t t;
		void *r = NULL;
		ok &= pthread_create(&t, NULL, doubler, (void *)21L) == 0 && pthread_join(t, &r) == 0 && r == (void *)42L;
		printf("child: only the forking thread runs: %s\n", ok ? "yes" : "no");
		fflush(stdout);
		_exit(ok ? 0 : 1);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	return (void *)(long)(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_fork(void)
{
	enum { N = 4 };
	pthread_t t[N], f;
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, ticker, NULL);
	while (ticks < 100)
		sched_yield();
	void *r = NULL;
	fflush(stdout);
	CHECK(pthread_create(&f, NULL, forker, NULL) == 0);
	CHECK(pthread_join(f, &r) == 0 && r == (void *)1L);
	stop_ticking = 1;
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	CHECK(ticks >= 100);
}

int main(void)
{
	test_create_join();
	test_detached();
	test_tls();
	test_keys();
	test_once();
	test_attr();
	test_stacks();
	test_stdio_and_heap();
	test_blocked_reader();
	test_epoll();
	test_main_exit();
	test_signals();
	test_fork();
	return check_summary("c_thread");
}
