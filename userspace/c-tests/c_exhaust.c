/* c_exhaust.c: running out. A fork bomb by a process without privileges ends in EAGAIN
 * (the per-user process limit, RLIMIT_NPROC), while root can still fork, and every
 * process it made goes when killed. On kestrel also: a process that touches more memory
 * than the machine has is killed (SIGSEGV or SIGBUS) and all of it comes back; root's
 * processes filling the kernel heap with descriptor tables get ENOMEM from the call that
 * finds no room, and the kernel lives on; the counts of /scheme/sys/resources are back
 * after each.
 *
 * On Linux the bomb runs under an RLIMIT_NPROC of 64 set for it (the host's default is
 * far higher), and the memory test is skipped (it would meet the host's OOM killer). */
#include "c_common.h"

#include <fcntl.h>
#include <sys/mman.h>
#ifndef __kestrel__
#include <sys/resource.h>
#endif

#define MAX_BOMB 8192

/* A count of /scheme/sys/resources, or -1 (Linux); read after the kernel gave back what
 * it keeps for reuse (/scheme/sys/drop_caches). */
static long long resource(const char *name)
{
	int drop = open("/scheme/sys/drop_caches", O_WRONLY);
	if (drop >= 0) {
		if (write(drop, "1", 1) != 1)
			FAIL_AT("drop_caches: errno %d", errno);
		close(drop);
	}
	FILE *f = fopen("/scheme/sys/resources", "r");
	if (!f)
		return -1;
	char key[64];
	unsigned long long value;
	long long found = -1;
	while (fscanf(f, "%63s %llu", key, &value) == 2)
		if (strcmp(key, name) == 0)
			found = (long long)value;
	fclose(f);
	return found;
}

/* The bomber: without privileges, forks children that wait to be killed until fork
 * fails; reports through its exit status whether that was EAGAIN, after it checked that
 * its parent (root) can still fork, then kills its children. */
static int bomber(int pipe_to_parent)
{
	drop_privileges();
#ifndef __kestrel__
	struct rlimit limit = { 64, 64 };
	if (setrlimit(RLIMIT_NPROC, &limit) != 0)
		FAIL_AT("setrlimit: errno %d", errno);
#endif
	static pid_t kids[MAX_BOMB];
	int n = 0, err = 0;
	while (n < MAX_BOMB) {
		pid_t pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n++] = pid;
	}
	printf("c_exhaust: the bomb made %d processes, then errno %d (%s)\n", n, err, strerror(err));
	CHECK(n > 0);
	CHECK_EQ(err, EAGAIN);
	/* Tell the parent the bomb is at its limit, wait until it has forked as root. */
	char c = 'b';
	CHECK(write(pipe_to_parent, &c, 1) == 1);
	sleep_ms(300);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		reap(kids[i]);
	return 0;
}

static void fork_bomb(void)
{
	SECTION("an unprivileged fork bomb ends in EAGAIN; root can still fork");
	long long before = resource("processes");
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t bomber_pid = spawn(bomber, p[1]);
	char c;
	CHECK(read(p[0], &c, 1) == 1);
	/* The bomb is at its limit: root is not held to it. */
	pid_t child = fork();
	if (child == 0)
		_exit(42);
	CHECK(child > 0);
	int st = reap(child);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	CHECK_CHILD_OK(bomber_pid);
	close(p[0]);
	close(p[1]);
	if (before >= 0)
		CHECK_EQ(resource("processes"), before);
}

#ifdef __kestrel__
static int hog(int bytes_mib)
{
	size_t size = (size_t)bytes_mib << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	_exit(4); /* all of it touched (impossible for more than the machine has) */
}

static void memory_hog(void)
{
	SECTION("a process touching more memory than the machine has is killed, and it all comes back");
	long long frames = resource("frames_total"), free_before = resource("frames_free");
	CHECK(frames > 0);
	int st = reap(spawn(hog, (int)(frames * 4096 * 3 / 2 >> 20)));
	CHECK(WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS));
	if (WIFSIGNALED(st))
		printf("c_exhaust: the hog died of signal %d\n", WTERMSIG(st));
	/* Every frame back (more, if what an earlier process held was freed meanwhile). */
	long long free_after = resource("frames_free");
	if (free_after < free_before)
		FAIL_AT("free frames %lld after the hog, %lld before", free_after, free_before);
	/* And the machine works: a fork and some memory. */
	st = reap(spawn(hog, 4));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4);
}
#endif

#ifdef __kestrel__
#include <kestrel/syscall.h>

/* Root's children, each with both descriptor tables grown to 1,024 slots in two calls,
 * until the kernel heap runs low: the call that finds no room fails with ENOMEM (a fork,
 * or the dup2 or F_DUPFD that grows a table) and the kernel lives on. */
static void heap_exhaustion(void)
{
	SECTION("root filling the kernel heap gets ENOMEM from the call that finds no room");
	long long heap_before = resource("heap_bytes"), processes = resource("processes");
	static pid_t kids[MAX_BOMB];
	int n = 0, err = 0, p[2];
	CHECK(pipe(p) == 0);
	while (n < MAX_BOMB) {
		pid_t pid = fork();
		if (pid == 0) {
			char status = 'y';
			/* The upper table through the raw call: fcntl's int cannot carry the tag. */
			long upper = __kestrel_syscall3(KESTREL_SYS_FCNTL, 0, F_DUPFD, KESTREL_UPPER_FDTBL_TAG | 1023);
			if (dup2(0, 1023) < 0)
				status = errno == ENOMEM ? 'm' : 'e';
			else if (upper < 0)
				status = upper == -ENOMEM ? 'm' : 'e';
			if (write(p[1], &status, 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n++] = pid;
		char status = 0;
		CHECK(read(p[0], &status, 1) == 1);
		if (status != 'y') {
			err = status == 'm' ? ENOMEM : EINVAL;
			break;
		}
	}
	printf("c_exhaust: %d processes with full descriptor tables, then errno %d (%s)\n", n, err, strerror(err));
	CHECK_EQ(err, ENOMEM);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		reap(kids[i]);
	close(p[0]);
	close(p[1]);
	CHECK_EQ(resource("processes"), processes);
	printf("c_exhaust: kernel heap %lld bytes before, %lld after\n", heap_before, resource("heap_bytes"));
	/* And the machine works. */
	int st = reap(spawn(hog, 4));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4);
}
#endif

int main(void)
{
	test_name = "c_exhaust";
	fork_bomb();
#ifdef __kestrel__
	memory_hog();
	heap_exhaustion();
#endif
	(void)ret;
	return report();
}
