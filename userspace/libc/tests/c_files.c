/* c_files: files and directories under /tmp through the C runtime: mkdtemp, chdir and
 * getcwd, relative paths with `.` and `..`, open with O_CREAT/O_EXCL/O_APPEND, lseek,
 * stat and fstat, rename, mkdir and rmdir (ENOTEMPTY, ENOTDIR), readdir, unlink (also of
 * an open file, whose data stays readable), remove, chmod, fchdir, mkstemp, and ftok on
 * files there (stable keys, different for different files). */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static int listed(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		found += strcmp(e->d_name, name) == 0;
	closedir(d);
	return found;
}

int main(void)
{
	char dir[] = "/tmp/c_files.XXXXXX";
	CHECK(mkdtemp(dir) == dir && strncmp(dir, "/tmp/c_files.", 13) == 0);
	CHECK(chdir(dir) == 0);
	char cwd[256];
	CHECK(getcwd(cwd, sizeof cwd) == cwd && strcmp(cwd, dir) == 0);
	CHECK_ERRNO(getcwd(cwd, 4), NULL, ERANGE);

	int fd = open("a.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_ERRNO(open("a.txt", O_RDWR | O_CREAT | O_EXCL, 0644), -1, EEXIST);
	CHECK(write(fd, "hello world", 11) == 11);
	CHECK(lseek(fd, 0, SEEK_CUR) == 11);
	CHECK(lseek(fd, 6, SEEK_SET) == 6);
	char buf[32] = {0};
	CHECK(read(fd, buf, sizeof buf) == 5 && memcmp(buf, "world", 5) == 0);
	CHECK(lseek(fd, -5, SEEK_END) == 6);
	CHECK_ERRNO(lseek(fd, -100, SEEK_CUR), -1, EINVAL);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644);
	close(fd);

	fd = open("./a.txt", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "!", 1) == 1);
	close(fd);
	CHECK_ERRNO(stat("../c_files.no-such-entry", &st), -1, ENOENT);
	char rel[64];
	snprintf(rel, sizeof rel, "../%s/a.txt", strrchr(dir, '/') + 1);
	CHECK(stat(rel, &st) == 0 && st.st_size == 12);

	CHECK(rename("a.txt", "b.txt") == 0);
	CHECK_ERRNO(stat("a.txt", &st), -1, ENOENT);
	CHECK(stat("b.txt", &st) == 0 && st.st_size == 12);
	CHECK(chmod("b.txt", 0600) == 0 && stat("b.txt", &st) == 0 && (st.st_mode & 0777) == 0600);

	key_t key = ftok("b.txt", 'k');
	CHECK(key != -1 && ftok("b.txt", 'k') == key && ftok(".", 'k') != key && ftok("b.txt", 'j') != key);
	CHECK_ERRNO(ftok("no-such-file", 'k'), -1, ENOENT);

	CHECK(mkdir("sub", 0755) == 0);
	CHECK_ERRNO(mkdir("sub", 0755), -1, EEXIST);
	CHECK(stat("sub", &st) == 0 && S_ISDIR(st.st_mode));
	fd = open("sub/inner", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK_ERRNO(rmdir("sub"), -1, ENOTEMPTY);
	CHECK_ERRNO(rmdir("b.txt"), -1, ENOTDIR);
	CHECK_ERRNO(chdir("b.txt"), -1, ENOTDIR);
	CHECK(listed(".", "b.txt") == 1 && listed(".", "sub") == 1 && listed(".", "a.txt") == 0);
	CHECK(listed("sub", "inner") == 1);

	/* An unlinked file's data stays readable through a descriptor still open. */
	fd = open("b.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(unlink("b.txt") == 0);
	CHECK_ERRNO(unlink("b.txt"), -1, ENOENT);
	memset(buf, 0, sizeof buf);
	CHECK(read(fd, buf, sizeof buf) == 12 && memcmp(buf, "hello world!", 12) == 0);
	close(fd);

	int subfd = open("sub", O_RDONLY | O_DIRECTORY);
	CHECK(subfd >= 0);
	CHECK(fchdir(subfd) == 0);
	close(subfd);
	CHECK(getcwd(cwd, sizeof cwd) && strcmp(strrchr(cwd, '/'), "/sub") == 0);
	CHECK(remove("inner") == 0);
	CHECK(chdir("..") == 0 && remove("sub") == 0);

	char tmp[] = "/tmp/c_files.file.XXXXXX";
	fd = mkstemp(tmp);
	CHECK(fd >= 0 && strstr(tmp, "XXXXXX") == NULL);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600);
	close(fd);
	CHECK(unlink(tmp) == 0);
	char bad[] = "/tmp/c_files.noX";
	CHECK_ERRNO(mkstemp(bad), -1, EINVAL);

	CHECK(chdir("/") == 0 && getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
	CHECK(rmdir(dir) == 0);
	CHECK_ERRNO(chdir(dir), -1, ENOENT);
	return check_summary("c_files");
}
