/* unistd.h (kestrel guest C runtime).
 *
 * Programs come from the initfs only: exec* of a name without a '/' runs
 * /scheme/initfs/NAME; other paths go to the kernel as they are. Argument strings must
 * not be empty (the kernel's argument encoding cannot carry an empty string). */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/* sysconf names (Linux values). */
#define _SC_ARG_MAX 0
#define _SC_CHILD_MAX 1
#define _SC_CLK_TCK 2
#define _SC_NGROUPS_MAX 3
#define _SC_OPEN_MAX 4
#define _SC_SEMAPHORES 21
#define _SC_PAGESIZE 30
#define _SC_SEM_NSEMS_MAX 32
#define _SC_SEM_VALUE_MAX 33
#define _SC_SIGQUEUE_MAX 34
#define _SC_PAGE_SIZE _SC_PAGESIZE
#define _SC_NPROCESSORS_CONF 83
#define _SC_NPROCESSORS_ONLN 84

extern char **environ;

pid_t fork(void);
int execv(const char *path, char *const argv[]);
int execve(const char *path, char *const argv[], char *const envp[]);
int execvp(const char *file, char *const argv[]);
int execl(const char *path, const char *arg, ...);
int execlp(const char *file, const char *arg, ...);
__attribute__((__noreturn__)) void _exit(int status);
pid_t getpid(void);
pid_t getppid(void);
pid_t gettid(void); /* the calling thread's id (the kernel's tid), as glibc 2.30 */

unsigned int sleep(unsigned int seconds);
int usleep(useconds_t usec);
int pause(void);
unsigned int alarm(unsigned int seconds);

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);
int dup(int fd);

/* Files and directories (the working directory starts at "/"; /tmp is the kernel's
 * in-memory file system and /etc the boot image's, see path.c). */
#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif
off_t lseek(int fd, off_t offset, int whence);
int unlink(const char *path);
int rmdir(const char *path);
int chdir(const char *path);
int fchdir(int fd);
char *getcwd(char *buf, size_t size);
int fchown(int fd, uid_t uid, gid_t gid);
int dup2(int fd, int newfd);
int ftruncate(int fd, off_t length);
int pipe(int fds[2]);
int pipe2(int fds[2], int flags); /* flags: O_CLOEXEC, O_NONBLOCK (fcntl.h) */

uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
int setuid(uid_t uid);
int setgid(gid_t gid);
int seteuid(uid_t uid);
int setegid(gid_t gid);
int setreuid(uid_t ruid, uid_t euid);
int setregid(gid_t rgid, gid_t egid);
int setresuid(uid_t ruid, uid_t euid, uid_t suid);
int setresgid(gid_t rgid, gid_t egid, gid_t sgid);
int getresuid(uid_t *ruid, uid_t *euid, uid_t *suid);
int getresgid(gid_t *rgid, gid_t *egid, gid_t *sgid);
int getgroups(int size, gid_t list[]);
int setgroups(size_t size, const gid_t *list);

long sysconf(int name);
int getpagesize(void);

#ifdef __cplusplus
}
#endif

#endif /* _UNISTD_H */
