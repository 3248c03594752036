/* c_shm: shared memory through the runtime: shm_open's names, flags and close-on-exec,
 * ftruncate and fstat, mmap MAP_SHARED of an object (offsets, access, a fork child's
 * writes), shm_unlink, anonymous MAP_SHARED memory across fork beside MAP_PRIVATE, and the
 * System V calls of libkestrel_relibc.a (shmget, shmat at an address, shmdt, shmctl). */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define PAGE 4096

#ifndef SHM_FAILED /* POSIX 2024's name, which glibc does not have yet */
#define SHM_FAILED ((void *)-1)
#endif

/* Forks a child that runs body(arg) and exits with its result; returns what the child's
 * exit status says (its code, or -1 if it did not exit normally). */
static int in_child(int (*body)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(body(arg));
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void names(void)
{
	/* Checked by the library before any kernel call. (glibc also takes a name without the
	 * leading '/', or with several: those two checks fail on Linux.) */
	CHECK_ERRNO(shm_open("c_shm", O_RDWR | O_CREAT, 0600), -1, EINVAL);
	CHECK_ERRNO(shm_open("/", O_RDWR | O_CREAT, 0600), -1, EINVAL);
	CHECK_ERRNO(shm_open("", O_RDWR | O_CREAT, 0600), -1, EINVAL);
	CHECK_ERRNO(shm_open("/a/b", O_RDWR | O_CREAT, 0600), -1, EINVAL);
	CHECK_ERRNO(shm_open("//c_shm", O_RDWR | O_CREAT, 0600), -1, EINVAL);
	CHECK_ERRNO(shm_open("/.", O_RDWR | O_CREAT, 0600), -1, EINVAL);
	CHECK_ERRNO(shm_open("/..", O_RDWR | O_CREAT, 0600), -1, EINVAL);
	/* shm_unlink of a name that shm_open refuses: no such object, as glibc says. */
	CHECK_ERRNO(shm_unlink("/a/b"), -1, ENOENT);
	CHECK_ERRNO(shm_unlink("/"), -1, ENOENT);

	/* NAME_MAX bytes after the '/' are allowed, one more is ENAMETOOLONG. */
	char name[NAME_MAX + 3];
	name[0] = '/';
	memset(name + 1, 'n', NAME_MAX + 1);
	name[NAME_MAX + 2] = '\0';
	CHECK_ERRNO(shm_open(name, O_RDWR | O_CREAT, 0600), -1, ENAMETOOLONG);
	CHECK_ERRNO(shm_unlink(name), -1, ENAMETOOLONG);
	name[NAME_MAX + 1] = '\0';
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	CHECK(fd < 0 || close(fd) == 0);
	CHECK(shm_unlink(name) == 0);
}

static int child_writes(void *p)
{
	memcpy(p, "child", 6);
	strcpy((char *)p + 2 * PAGE, "written by the child");
	return 0;
}

static void posix_object(void)
{
	shm_unlink("/c_shm"); /* left over from an earlier run, if any */
	CHECK_ERRNO(shm_open("/c_shm", O_RDWR, 0), -1, ENOENT);
	CHECK_ERRNO(shm_unlink("/c_shm"), -1, ENOENT);

	int fd = shm_open("/c_shm", O_RDWR | O_CREAT | O_EXCL, S_IRUSR | S_IWUSR);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK_ERRNO(shm_open("/c_shm", O_RDWR | O_CREAT | O_EXCL, 0600), -1, EEXIST);

	/* A new object is empty; ftruncate gives it a size that need not be whole pages. */
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
	CHECK_ERRNO(ftruncate(fd, -1), -1, EINVAL);
	CHECK_ERRNO(ftruncate(-1, PAGE), -1, EBADF);
	CHECK(ftruncate(fd, 3 * PAGE + 100) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 3 * PAGE + 100);

	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	int zero = 1;
	for (int i = 0; i < 3 * PAGE + 100; i++)
		zero &= p[i] == 0;
	CHECK(zero);
	memset(p + PAGE, 'x', PAGE);

	/* Another descriptor, read-only, mapped at an offset, sees the same bytes. */
	int ro = shm_open("/c_shm", O_RDONLY, 0);
	CHECK(ro >= 0);
	char *q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, PAGE);
	CHECK(q != MAP_FAILED);
	if (q != MAP_FAILED) {
		CHECK(q[0] == 'x' && q[PAGE - 1] == 'x');
		p[PAGE] = 'z';
		CHECK(q[0] == 'z');
		CHECK(munmap(q, PAGE) == 0);
	}
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), MAP_FAILED, EACCES);
	CHECK_ERRNO(ftruncate(ro, PAGE), -1, EINVAL);
	CHECK(ro < 0 || close(ro) == 0);
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 100), MAP_FAILED, EINVAL);
	CHECK_ERRNO(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, -1, 0), MAP_FAILED, EBADF);

	/* A fork child shares the mapping: its writes are the parent's. */
	CHECK(in_child(child_writes, p) == 0);
	CHECK(memcmp(p, "child", 6) == 0 && strcmp(p + 2 * PAGE, "written by the child") == 0);

	/* Closing the descriptor and removing the name leave the mapping. */
	CHECK(close(fd) == 0);
	CHECK(shm_unlink("/c_shm") == 0);
	CHECK_ERRNO(shm_open("/c_shm", O_RDWR, 0), -1, ENOENT);
	CHECK(strcmp(p + 2 * PAGE, "written by the child") == 0);
	CHECK(munmap(p, 4 * PAGE) == 0);

	/* The name now makes a new, empty object; O_TRUNC empties an existing one. */
	fd = shm_open("/c_shm", O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
	CHECK(ftruncate(fd, 2 * PAGE) == 0);
	int again = shm_open("/c_shm", O_RDWR | O_TRUNC, 0);
	CHECK(again >= 0 && fstat(again, &st) == 0 && st.st_size == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
	CHECK(again < 0 || close(again) == 0);
	CHECK(fd < 0 || close(fd) == 0);
	CHECK(shm_unlink("/c_shm") == 0);
}

static int child_waits_then_writes(void *shared)
{
	volatile int *v = shared;
	v[1] = 2; /* also seen by the parent */
	for (long i = 0; i < 10000000 && v[0] != 3; i++)
		sched_yield();
	if (v[0] != 3)
		return 1;
	v[0] = 4;
	return 0;
}

static int child_writes_private(void *private)
{
	*(volatile int *)private = 2;
	return 0;
}

static void anonymous(void)
{
	volatile int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *private = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED && private != MAP_FAILED);
	if (shared == MAP_FAILED || private == MAP_FAILED)
		return;
	CHECK(shared[0] == 0 && shared[1] == 0);
	shared[0] = 1;
	*private = 1;

	/* Both ways, while both processes run: the parent's write reaches the child. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_waits_then_writes((void *)shared));
	for (long i = 0; i < 10000000 && shared[1] != 2; i++)
		sched_yield();
	CHECK(shared[1] == 2);
	shared[0] = 3;
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(shared[0] == 4);

	/* Private memory is the child's own copy. */
	CHECK(in_child(child_writes_private, private) == 0);
	CHECK(*private == 1);
	CHECK(munmap((void *)shared, PAGE) == 0);
	CHECK(munmap(private, PAGE) == 0);
}

static int child_writes_segment(void *a)
{
	strcpy(a, "System V, from the child");
	return 0;
}

static void system_v(void)
{
	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	CHECK(id >= 0);
	char *a = shmat(id, NULL, 0);
	CHECK(a != SHM_FAILED);
	if (id < 0 || a == SHM_FAILED)
		return;
	struct shmid_ds ds;
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 && ds.shm_nattch == 1);

	/* A fork child inherits the attachment. */
	CHECK(in_child(child_writes_segment, a) == 0);
	CHECK(strcmp(a, "System V, from the child") == 0);

	/* A second attachment where the caller asks: SHM_RND rounds the address down. */
	char *free_range = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(free_range != MAP_FAILED && munmap(free_range, 3 * PAGE) == 0);
	CHECK_ERRNO(shmat(id, free_range + 1, 0), SHM_FAILED, EINVAL);
	char *b = shmat(id, free_range + 1, SHM_RND | SHM_RDONLY);
	CHECK(b == free_range);
	if (b != SHM_FAILED) {
		CHECK(strcmp(b, "System V, from the child") == 0);
		CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 2);
		CHECK_ERRNO(shmat(id, b, 0), SHM_FAILED, EINVAL); /* in use, no SHM_REMAP */
		CHECK(shmdt(b) == 0);
	}
	CHECK_ERRNO(shmdt(a + 1), -1, EINVAL);

	/* Removed while attached: marked SHM_DEST, the memory stays until the last shmdt. */
	CHECK(shmctl(id, IPC_RMID, NULL) == 0);
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & SHM_DEST) && ds.shm_nattch == 1);
	CHECK(strcmp(a, "System V, from the child") == 0);
	CHECK(shmdt(a) == 0);
	CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), -1, EINVAL);
	CHECK_ERRNO(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), -1, EINVAL);
}

int main(void)
{
	names();
	posix_object();
	anonymous();
	system_v();
	return check_summary("c_shm");
}
