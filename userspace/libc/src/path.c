/* path.c: where a path goes, and the calls that take one.
 *
 * The kernel takes only absolute `/scheme/NAME/...` paths, so the runtime keeps the
 * working directory and turns every path a program gives into one, as relibc does on
 * Redox: a relative path is joined to the working directory, `.`, `..` and repeated
 * slashes are resolved by name (there are no symbolic links), and then
 *   /tmp/...   is the in-memory file system, /scheme/tmp/...
 *   /etc/...   is the boot image's etc directory, /scheme/initfs/etc/...
 *   /proc/sysvipc/...  is the kernel's System V IPC tables, /scheme/sys/sysvipc/...
 *   /scheme/...  is itself; any other path goes to the kernel as it is (and is ENOENT;
 *   "/" itself is only a working directory to start from, nothing can be opened there).
 * The working directory starts at "/" and is kept as the program wrote it (`/tmp/x`, not
 * the scheme path). A trailing slash is kept, so that "file/" is ENOTDIR as on Linux. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static char cwd[PATH_MAX] = "/";

/* The absolute form of PATH, with `.`, `..` and empty components resolved, in OUT.
 * Returns 0, or -1 with errno (ENOENT for "", ENAMETOOLONG). */
static int absolute(const char *path, char out[PATH_MAX])
{
	if (path[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	char joined[PATH_MAX * 2];
	size_t base = path[0] == '/' ? 0 : strlen(cwd);
	size_t len = strlen(path);
	if (base + 1 + len >= sizeof joined) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (base) {
		memcpy(joined, cwd, base);
		joined[base++] = '/';
	}
	memcpy(joined + base, path, len + 1);
	int trailing = len > 0 && path[len - 1] == '/';
	size_t o = 0;
	char *save = NULL;
	for (char *part = strtok_r(joined, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* the slash before it */
			continue;
		}
		size_t n = strlen(part);
		if (o + 1 + n + 1 >= PATH_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		out[o++] = '/';
		memcpy(out + o, part, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	else if (trailing)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

/* Replaces the prefix FROM of ABS (a whole component) by TO in OUT; 1 if it did. */
static int map_prefix(const char *abs, const char *from, const char *to, char out[PATH_MAX])
{
	size_t n = strlen(from);
	if (strncmp(abs, from, n) != 0 || (abs[n] != '\0' && abs[n] != '/'))
		return 0;
	size_t tn = strlen(to), rest = strlen(abs + n);
	if (tn + rest + 1 > PATH_MAX)
		return 0;
	memcpy(out, to, tn);
	memcpy(out + tn, abs + n, rest + 1);
	return 1;
}

int __kestrel_path(const char *path, char *out)
{
	char abs[PATH_MAX];
	if (absolute(path, abs) < 0)
		return -1;
	if (map_prefix(abs, "/tmp", "/scheme/tmp", out) || map_prefix(abs, "/etc", "/scheme/initfs/etc", out) ||
	    map_prefix(abs, "/proc/sysvipc", "/scheme/sys/sysvipc", out))
		return 0;
	strcpy(out, abs);
	return 0;
}

/* A path call: the kernel path of PATH, then SYSCALL(path, len). */
static int path_call(unsigned long nr, const char *path)
{
	char k[PATH_MAX];
	if (__kestrel_path(path, k) < 0)
		return -1;
	return (int)__kestrel_ret(__kestrel_syscall2(nr, (unsigned long)k, strlen(k)));
}

/* Whether FD is a directory: 0, or -1 with errno (ENOTDIR). */
static int is_directory(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int chdir(const char *path)
{
	char abs[PATH_MAX];
	if (absolute(path, abs) < 0)
		return -1;
	/* "/" names no scheme, but it is where the working directory starts. */
	if (strcmp(abs, "/") == 0) {
		strcpy(cwd, abs);
		return 0;
	}
	int fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = is_directory(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	if (r < 0)
		return -1;
	size_t n = strlen(abs);
	if (n > 1 && abs[n - 1] == '/')
		abs[n - 1] = '\0';
	strcpy(cwd, abs);
	return 0;
}

int fchdir(int fd)
{
	if (is_directory(fd) < 0)
		return -1;
	char k[PATH_MAX];
	long n = __kestrel_ret(__kestrel_syscall3(KESTREL_SYS_FPATH, (unsigned long)(long)fd, (unsigned long)k,
						  sizeof k - 1));
	if (n < 0)
		return -1;
	k[n] = '\0';
	/* Back from the scheme path to the one programs use. */
	char back[PATH_MAX];
	if (map_prefix(k, "/scheme/tmp", "/tmp", back) || map_prefix(k, "/scheme/initfs/etc", "/etc", back) ||
	    map_prefix(k, "/scheme/sys/sysvipc", "/proc/sysvipc", back))
		strcpy(cwd, back);
	else
		strcpy(cwd, k);
	return 0;
}

char *getcwd(char *buf, size_t size)
{
	size_t n = strlen(cwd) + 1;
	if (!buf) {
		/* As glibc: a buffer of the size asked, or of the path's if 0. */
		size = size ? size : n;
		buf = malloc(size);
		if (!buf)
			return NULL;
	} else if (size == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (n > size) {
		errno = ERANGE;
		return NULL;
	}
	memcpy(buf, cwd, n);
	return buf;
}

int unlink(const char *path)
{
	return path_call(KESTREL_SYS_UNLINK, path);
}

int rmdir(const char *path)
{
	return path_call(KESTREL_SYS_RMDIR, path);
}

int mkdir(const char *path, mode_t mode)
{
	/* As Redox: a directory is made by opening it with O_CREAT | O_DIRECTORY. */
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_DIRECTORY | O_CLOEXEC, mode & 07777);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int rename(const char *old, const char *new)
{
	char k[PATH_MAX];
	if (__kestrel_path(new, k) < 0)
		return -1;
	int fd = open(old, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long r = __kestrel_ret(
		__kestrel_syscall3(KESTREL_SYS_FRENAME, (unsigned long)(long)fd, (unsigned long)k, strlen(k)));
	int saved = errno;
	close(fd);
	errno = saved;
	return r < 0 ? -1 : 0;
}

int remove(const char *path)
{
	int saved = errno;
	if (unlink(path) == 0)
		return 0;
	if (errno != EISDIR)
		return -1;
	errno = saved;
	return rmdir(path);
}

int stat(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fstat(fd, st);
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int lstat(const char *path, struct stat *st)
{
	return stat(path, st); /* no symbolic links */
}

int chmod(const char *path, mode_t mode)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fchmod(fd, mode);
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/* Fills the trailing "XXXXXX" of TEMPLATE with letters and digits; -1 with EINVAL if it
 * has none. */
static int fill_template(char *template)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static unsigned long counter;
	size_t n = strlen(template);
	if (n < 6 || strcmp(template + n - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return -1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long x = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 20) ^ (++counter * 0x9e3779b97f4a7c15UL);
	for (size_t i = n - 6; i < n; i++) {
		template[i] = chars[x % (sizeof chars - 1)];
		x /= sizeof chars - 1;
		x ^= x << 13;
	}
	return 0;
}

int mkstemp(char *template)
{
	size_t n = strlen(template);
	for (int tries = 0; tries < 100; tries++) {
		if (fill_template(template) < 0)
			return -1;
		int fd = open(template, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		memcpy(template + n - 6, "XXXXXX", 6);
	}
	errno = EEXIST;
	return -1;
}

char *mkdtemp(char *template)
{
	size_t n = strlen(template);
	for (int tries = 0; tries < 100; tries++) {
		if (fill_template(template) < 0)
			return NULL;
		if (mkdir(template, 0700) == 0)
			return template;
		if (errno != EEXIST)
			return NULL;
		memcpy(template + n - 6, "XXXXXX", 6);
	}
	errno = EEXIST;
	return NULL;
}
