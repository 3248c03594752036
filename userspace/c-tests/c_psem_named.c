/* Named POSIX semaphores: sem_open's flags and every errno, one address per semaphore
 * per process, sem_close, sem_unlink while open, between processes, and the permission
 * of another user's semaphore.
 *
 * The same source passes on Linux with glibc (gcc -pthread); where glibc's answer differs
 * from the one POSIX describes and the library gives, both are written down below.
 */
#include "c_psem_common.h"

#include <limits.h>

/* A name of LEN bytes after the slash. */
static const char *long_name(size_t len)
{
	static char name[512];
	name[0] = '/';
	memset(name + 1, 'p', len);
	name[len + 1] = '\0';
	return name;
}

static void named_errnos(void)
{
	SECTION("sem_open and sem_unlink: flags and errnos");
	const char *name = sem_name("errnos");
	sem_unlink(name);
	errno = 0;
	CHECK(sem_open(name, 0) == SEM_FAILED);
	CHECK_EQ(errno, ENOENT);
	CHECK(sem_open(name, O_EXCL) == SEM_FAILED);
	CHECK_EQ(errno, ENOENT);
	/* A value above SEM_VALUE_MAX is EINVAL only when the semaphore is made. */
	CHECK(sem_open(name, O_CREAT, 0600, (unsigned)SEM_VALUE_MAX + 1) == SEM_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(sem_open(name, O_CREAT | O_EXCL, 0600, UINT_MAX) == SEM_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(sem_open(name, 0) == SEM_FAILED);
	CHECK_EQ(errno, ENOENT);

	sem_t *a = sem_open(name, O_CREAT | O_EXCL, 0600, 2);
	CHECK(a != SEM_FAILED);
	int v = -1;
	CHECK_OK(sem_getvalue(a, &v));
	CHECK_EQ(v, 2);
	errno = 0;
	CHECK(sem_open(name, O_CREAT | O_EXCL, 0600, 0) == SEM_FAILED);
	CHECK_EQ(errno, EEXIST);
	/* Existing: O_CREAT opens it, its value unchanged, the new value not even checked. */
	sem_t *b = sem_open(name, O_CREAT, 0600, (unsigned)SEM_VALUE_MAX + 5);
	CHECK(b == a); /* the same address while it is open here (POSIX) */
	sem_t *c = sem_open(name, 0);
	CHECK(c == a);
	CHECK_OK(sem_getvalue(c, &v));
	CHECK_EQ(v, 2);
	/* Three opens: the first two closes leave it usable. */
	CHECK_OK(sem_close(a));
	CHECK_OK(sem_close(b));
	CHECK_OK(sem_trywait(c));
	CHECK_OK(sem_close(c));
	/* Closed everywhere: the value lives in the object. */
	a = sem_open(name, 0);
	CHECK(a != SEM_FAILED);
	CHECK_OK(sem_getvalue(a, &v));
	CHECK_EQ(v, 1);
	CHECK_OK(sem_close(a));

	/* sem_close of something sem_open did not return. */
	sem_t unnamed;
	CHECK_OK(sem_init(&unnamed, 0, 0));
	CHECK_ERR(sem_close(&unnamed), EINVAL);

	/* Names: "/" alone, empty, or with another slash: EINVAL (sem_unlink: ENOENT). */
	const char *bad[] = {"/", "", "//", "/a/b", "/c_psem/x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		CHECK(sem_open(bad[i], O_CREAT, 0600, 1) == SEM_FAILED);
		if (errno != EINVAL)
			FAIL_AT("sem_open(\"%s\"): errno %d, expected EINVAL", bad[i], errno);
		errno = 0;
		if (sem_unlink(bad[i]) != -1 || errno != ENOENT)
			FAIL_AT("sem_unlink(\"%s\"): errno %d, expected ENOENT", bad[i], errno);
	}
	/* The object is "sem.NAME", one file name: up to NAME_MAX - 4 bytes of name. */
	const char *longest = long_name(NAME_MAX - 4);
	sem_unlink(longest);
	a = sem_open(longest, O_CREAT | O_EXCL, 0600, 0);
	CHECK(a != SEM_FAILED);
	CHECK_OK(sem_close(a));
	CHECK_OK(sem_unlink(longest));
	for (size_t len = NAME_MAX - 3; len <= NAME_MAX; len++) {
		CHECK(sem_open(long_name(len), O_CREAT, 0600, 0) == SEM_FAILED);
		CHECK_EQ(errno, ENAMETOOLONG);
		CHECK_ERR(sem_unlink(long_name(len)), ENAMETOOLONG);
	}
	errno = 0;
	CHECK(sem_open(long_name(NAME_MAX + 1), O_CREAT, 0600, 0) == SEM_FAILED);
#ifdef __GLIBC__
	/* glibc: EINVAL above NAME_MAX (its name buffer's limit), and ENOENT to sem_unlink. */
	CHECK_EQ(errno, EINVAL);
	CHECK_ERR(sem_unlink(long_name(NAME_MAX + 1)), ENOENT);
#else
	CHECK_EQ(errno, ENAMETOOLONG);
	CHECK_ERR(sem_unlink(long_name(NAME_MAX + 1)), ENAMETOOLONG);
#endif
	CHECK_OK(sem_unlink(name));
	CHECK_ERR(sem_unlink(name), ENOENT);
}

/* The child's side of named_between_processes: opens the semaphores by name. */
static const char *ping_name, *pong_name;

static int ping_pong_child(int rounds)
{
	sem_t *ping = sem_open(ping_name, 0);
	sem_t *pong = sem_open(pong_name, 0);
	if (ping == SEM_FAILED || pong == SEM_FAILED)
		return 2;
	for (int i = 0; i < rounds; i++) {
		struct timespec deadline = after_ms(CLOCK_REALTIME, 10000);
		if (sem_timedwait(ping, &deadline) != 0)
			return 3;
		sem_post(pong);
	}
	/* Three more posts, for the parent to count. */
	for (int i = 0; i < 3; i++)
		sem_post(pong);
	return sem_close(ping) == 0 && sem_close(pong) == 0 ? 0 : 4;
}

/* Creates the semaphore NAME (value 0) in a child racing its siblings: each child opens
 * it with O_CREAT and posts once. */
static const char *race_name;

static int create_and_post(int arg)
{
	(void)arg;
	sem_t *s = sem_open(race_name, O_CREAT, 0600, 0);
	if (s == SEM_FAILED)
		return 2;
	sem_post(s);
	return sem_close(s) == 0 ? 0 : 3;
}

static void named_between_processes(void)
{
	SECTION("named semaphores between processes");
	ping_name = sem_name("ping");
	pong_name = sem_name("pong");
	sem_t *ping = sem_open(ping_name, O_CREAT | O_EXCL, 0600, 0);
	sem_t *pong = sem_open(pong_name, O_CREAT | O_EXCL, 0600, 0);
	CHECK(ping != SEM_FAILED && pong != SEM_FAILED);
	pid_t pid = spawn(ping_pong_child, 50);
	for (int i = 0; i < 50; i++) {
		CHECK_OK(sem_post(ping));
		wait_posts(pong, 1);
	}
	wait_posts(pong, 3);
	CHECK_CHILD_OK(pid);
	CHECK_ERR(sem_trywait(pong), EAGAIN);
	CHECK_OK(sem_close(ping));
	CHECK_OK(sem_close(pong));
	CHECK_OK(sem_unlink(ping_name));
	CHECK_OK(sem_unlink(pong_name));

	/* Several processes create the same semaphore at once: one makes it, the others
	 * open it initialized, and every post counts. */
	race_name = sem_name("race");
	sem_unlink(race_name);
	enum { RACERS = 4 };
	pid_t pids[RACERS];
	for (int i = 0; i < RACERS; i++)
		pids[i] = spawn(create_and_post, i);
	for (int i = 0; i < RACERS; i++)
		CHECK_CHILD_OK(pids[i]);
	sem_t *s = sem_open(race_name, 0);
	CHECK(s != SEM_FAILED);
	int v = -1;
	CHECK_OK(sem_getvalue(s, &v));
	CHECK_EQ(v, RACERS);
	CHECK_OK(sem_close(s));
	CHECK_OK(sem_unlink(race_name));
}

static void named_unlink_while_open(void)
{
	SECTION("sem_unlink while open");
	const char *name = sem_name("unlink");
	sem_t *a = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
	CHECK(a != SEM_FAILED);
	CHECK_OK(sem_unlink(name));
	/* The name is gone; the semaphore works on. */
	errno = 0;
	CHECK(sem_open(name, 0) == SEM_FAILED);
	CHECK_EQ(errno, ENOENT);
	CHECK_OK(sem_wait(a));
	CHECK_OK(sem_post(a));
	CHECK_OK(sem_post(a));
	/* A new semaphore under the name is another one, at another address. */
	sem_t *b = sem_open(name, O_CREAT | O_EXCL, 0600, 7);
	CHECK(b != SEM_FAILED && b != a);
	int va = -1, vb = -1;
	CHECK_OK(sem_getvalue(a, &va));
	CHECK_OK(sem_getvalue(b, &vb));
	CHECK_EQ(va, 2);
	CHECK_EQ(vb, 7);
	CHECK_OK(sem_close(a));
	CHECK_OK(sem_close(b));
	CHECK_OK(sem_unlink(name));
}

static const char *private_name;

/* As uid OTHER_ID: root's 0600 semaphore can be neither opened nor removed; a 0666 one
 * can be opened. */
static int other_user(int arg)
{
	(void)arg;
	drop_privileges();
	errno = 0;
	CHECK(sem_open(private_name, 0) == SEM_FAILED);
	CHECK_EQ(errno, EACCES);
	CHECK(sem_open(private_name, O_CREAT, 0600, 0) == SEM_FAILED);
	CHECK_EQ(errno, EACCES);
	CHECK_ERR(sem_unlink(private_name), EACCES);
	return 0;
}

static void named_permissions(void)
{
	SECTION("another user's semaphore: EACCES");
	private_name = sem_name("private");
	sem_t *s = sem_open(private_name, O_CREAT | O_EXCL, 0600, 0);
	CHECK(s != SEM_FAILED);
	CHECK_CHILD_OK(spawn(other_user, 0));
	CHECK_OK(sem_close(s));
	CHECK_OK(sem_unlink(private_name));
}

int main(void)
{
	test_name = "c_psem_named";
	named_errnos();
	named_between_processes();
	named_unlink_while_open();
	if (geteuid() == 0)
		named_permissions();
	return report();
}
