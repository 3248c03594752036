/* c_memfd: memfd_create: an object without a name, sized with ftruncate, mapped
 * MAP_SHARED and the same memory in a fork child, fstat's size, MFD_CLOEXEC, two
 * objects being two memories, and EINVAL for unknown flags and a name over 249 bytes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	int fd = memfd_create("c_memfd", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK(ftruncate(fd, 3 * 4096) == 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 3 * 4096 && S_ISREG(st.st_mode));
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(p[0] == 0 && p[3 * 4096 - 1] == 0);
		p[5] = 'a';
		fflush(stdout);
		pid_t child = fork();
		if (child == 0) {
			int ok = p[5] == 'a';
			p[4096 + 7] = 'b';
			_exit(ok ? 0 : 1);
		}
		int status = -1;
		CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK(p[4096 + 7] == 'b');
		/* A second mapping of the descriptor is the same memory. */
		char *q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
		CHECK(q != MAP_FAILED && q[7] == 'b');
		if (q != MAP_FAILED)
			munmap(q, 4096);
		munmap(p, 3 * 4096);
	}

	int other = memfd_create("c_memfd", 0);
	CHECK(other >= 0 && other != fd);
	CHECK((fcntl(other, F_GETFD) & FD_CLOEXEC) == 0);
	CHECK(fstat(other, &st) == 0 && st.st_size == 0);
	close(other);
	close(fd);

	CHECK_ERRNO(memfd_create("c_memfd", 0x100), -1, EINVAL);
	char long_name[251];
	memset(long_name, 'n', 250);
	long_name[250] = '\0';
	CHECK_ERRNO(memfd_create(long_name, 0), -1, EINVAL);
	return check_summary("c_memfd");
}
