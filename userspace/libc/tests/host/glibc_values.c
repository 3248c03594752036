/* glibc_values: prints the Linux-valued constants and layouts of the runtime's headers
 * (sys/mman.h, sys/stat.h, pwd.h, grp.h, inttypes.h's SCN macros, poll.h, sys/select.h,
 * sys/epoll.h) as "NAME VALUE" lines.
 * run.sh compiles it twice, against the runtime's headers and against the host's glibc,
 * and the two outputs must be the same. The prototypes must match too (a mismatch does
 * not compile). */
#define _GNU_SOURCE /* pipe2 in glibc's unistd.h */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

void *(*check_mmap)(void *, size_t, int, int, int, off_t) = mmap;
int (*check_shm_open)(const char *, int, mode_t) = shm_open;
int (*check_shm_unlink)(const char *) = shm_unlink;
int (*check_ftruncate)(int, off_t) = ftruncate;
int (*check_fstat)(int, struct stat *) = fstat;
int (*check_pipe)(int[2]) = pipe;
int (*check_pipe2)(int[2], int) = pipe2;
pid_t (*check_gettid)(void) = gettid;
int (*check_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) = pthread_create;
int (*check_pthread_mutex_timedlock)(pthread_mutex_t *, const struct timespec *) = pthread_mutex_timedlock;
int (*check_pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *) =
	pthread_cond_timedwait;
int (*check_poll)(struct pollfd *, nfds_t, int) = poll;
int (*check_ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *) = ppoll;
int (*check_select)(int, fd_set *, fd_set *, fd_set *, struct timeval *) = select;
int (*check_pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *) = pselect;
int (*check_epoll_create)(int) = epoll_create;
int (*check_epoll_create1)(int) = epoll_create1;
int (*check_epoll_ctl)(int, int, int, struct epoll_event *) = epoll_ctl;
int (*check_epoll_wait)(int, struct epoll_event *, int, int) = epoll_wait;
int (*check_epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *) = epoll_pwait;
int (*check_sigsuspend)(const sigset_t *) = sigsuspend;
int (*check_sigwait)(const sigset_t *, int *) = sigwait;
int (*check_sigwaitinfo)(const sigset_t *, siginfo_t *) = sigwaitinfo;
int (*check_sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *) = sigtimedwait;
int (*check_sigqueue)(pid_t, int, const union sigval) = sigqueue;
unsigned int (*check_alarm)(unsigned int) = alarm;
int (*check_sscanf)(const char *, const char *, ...) = sscanf;
int (*check_vfscanf)(FILE *, const char *, va_list) = vfscanf;
int (*check_ungetc)(int, FILE *) = ungetc;
ssize_t (*check_getline)(char **, size_t *, FILE *) = getline;
double (*check_strtod)(const char *, char **) = strtod;
float (*check_strtof)(const char *, char **) = strtof;
long double (*check_strtold)(const char *, char **) = strtold;
struct passwd *(*check_getpwuid)(uid_t) = getpwuid;
int (*check_getpwnam_r)(const char *, struct passwd *, char *, size_t, struct passwd **) = getpwnam_r;
struct passwd *(*check_getpwent)(void) = getpwent;
struct group *(*check_getgrgid)(gid_t) = getgrgid;
int (*check_getgrnam_r)(const char *, struct group *, char *, size_t, struct group **) = getgrnam_r;
struct group *(*check_getgrent)(void) = getgrent;

#define V(c) printf("%s %lld\n", #c, (long long)(c))
#define OFF(f) printf("offsetof(stat.%s) %zu\n", #f, offsetof(struct stat, f))
#define OFF_OF(s, f) printf("offsetof(%s.%s) %zu\n", #s, #f, offsetof(struct s, f))

int main(void)
{
	V(PROT_NONE);
	V(PROT_READ);
	V(PROT_WRITE);
	V(PROT_EXEC);
	V(MAP_SHARED);
	V(MAP_PRIVATE);
	V(MAP_FIXED);
	V(MAP_ANONYMOUS);
	V(MAP_ANON);
	V(MAP_NORESERVE);
	V(MAP_POPULATE);
	V(MAP_STACK);
	V(MAP_FIXED_NOREPLACE);
	V((long)MAP_FAILED);
	V(NAME_MAX);
	V(MQ_PRIO_MAX);
	V(_POSIX_MQ_PRIO_MAX);
	V(_POSIX_MQ_OPEN_MAX);
	V(PIPE_BUF);
	V(S_IFMT);
	V(S_IFSOCK);
	V(S_IFLNK);
	V(S_IFREG);
	V(S_IFBLK);
	V(S_IFDIR);
	V(S_IFCHR);
	V(S_IFIFO);
	V(S_ISUID);
	V(S_ISGID);
	V(S_ISVTX);
	V(S_IRWXU);
	V(S_IRUSR);
	V(S_IWUSR);
	V(S_IXUSR);
	V(S_IRWXG);
	V(S_IRGRP);
	V(S_IWGRP);
	V(S_IXGRP);
	V(S_IRWXO);
	V(S_IROTH);
	V(S_IWOTH);
	V(S_IXOTH);
	V(S_ISREG(0100644) + 2 * S_ISDIR(040755) + 4 * S_ISCHR(020600) + 8 * S_ISFIFO(010600));
	V(sizeof(struct stat));
	V(sizeof(off_t));
	V(sizeof(mode_t));
	OFF(st_dev);
	OFF(st_ino);
	OFF(st_nlink);
	OFF(st_mode);
	OFF(st_uid);
	OFF(st_gid);
	OFF(st_rdev);
	OFF(st_size);
	OFF(st_blksize);
	OFF(st_blocks);
	OFF(st_atim);
	OFF(st_mtim);
	OFF(st_ctim);
	OFF(st_atime);
	OFF(st_mtime);
	OFF(st_ctime);
	OFF(st_mtim.tv_nsec);
	/* pthread.h: the values and the types' sizes are glibc's (not their contents). */
	V(PTHREAD_CREATE_DETACHED);
	V(PTHREAD_MUTEX_NORMAL);
	V(PTHREAD_MUTEX_RECURSIVE);
	V(PTHREAD_MUTEX_ERRORCHECK);
	V(PTHREAD_MUTEX_DEFAULT);
	V(PTHREAD_MUTEX_ROBUST);
	V(PTHREAD_MUTEX_STALLED);
	V(PTHREAD_PROCESS_SHARED);
	V(PTHREAD_PROCESS_PRIVATE);
	V(PTHREAD_DESTRUCTOR_ITERATIONS);
	V(sizeof(pthread_t));
	V(sizeof(pthread_attr_t));
	V(sizeof(pthread_mutex_t));
	V(sizeof(pthread_mutexattr_t));
	V(sizeof(pthread_cond_t));
	V(sizeof(pthread_condattr_t));
	V(sizeof(pthread_rwlock_t));
	V(sizeof(pthread_rwlockattr_t));
	V(sizeof(pthread_key_t));
	V(sizeof(pthread_once_t));
	V(POLLIN);
	V(POLLPRI);
	V(POLLOUT);
	V(POLLERR);
	V(POLLHUP);
	V(POLLNVAL);
	V(POLLRDNORM);
	V(POLLRDBAND);
	V(POLLWRNORM);
	V(POLLWRBAND);
	V(POLLMSG);
	V(POLLRDHUP);
	V(sizeof(struct pollfd));
	V(sizeof(nfds_t));
	V(offsetof(struct pollfd, revents));
	V(FD_SETSIZE);
	V(sizeof(fd_set));
	{
		fd_set set;
		FD_ZERO(&set);
		FD_SET(3, &set);
		FD_SET(64, &set);
		FD_SET(1023, &set);
		FD_CLR(64, &set);
		V(FD_ISSET(3, &set) + 2 * FD_ISSET(64, &set) + 4 * FD_ISSET(1023, &set));
		V(((unsigned long *)&set)[0] + ((unsigned long *)&set)[15]);
	}
	V(EPOLL_CTL_ADD);
	V(EPOLL_CTL_DEL);
	V(EPOLL_CTL_MOD);
	V(EPOLLIN);
	V(EPOLLPRI);
	V(EPOLLOUT);
	V(EPOLLERR);
	V(EPOLLHUP);
	V(EPOLLRDNORM);
	V(EPOLLRDBAND);
	V(EPOLLWRNORM);
	V(EPOLLWRBAND);
	V(EPOLLMSG);
	V(EPOLLRDHUP);
	V(EPOLLEXCLUSIVE);
	V(EPOLLWAKEUP);
	V(EPOLLONESHOT);
	V(EPOLLET);
	V(EPOLL_CLOEXEC == O_CLOEXEC);
	V(sizeof(struct epoll_event));
	V(offsetof(struct epoll_event, data));
	V(sizeof(epoll_data_t));
	V(sizeof(struct timeval));
	V(SI_USER);
	V(SI_KERNEL);
	V(SI_QUEUE);
	V(SI_TIMER);
	V(SI_MESGQ);
	V(SI_TKILL);
	V(CLD_EXITED);
	V(CLD_KILLED);
	V(CLD_DUMPED);
	V(SEGV_MAPERR);
	V(SEGV_ACCERR);
	V(BUS_ADRALN);
	V(BUS_ADRERR);
	V(ILL_ILLOPC);
	V(ILL_ILLOPN);
	V(FPE_INTDIV);
	V(SIGRTMIN);
	V(SIGRTMAX);
	V(ITIMER_REAL);
	V(ITIMER_VIRTUAL);
	V(ITIMER_PROF);
	V(_SC_SIGQUEUE_MAX);
	V(sizeof(siginfo_t));
	V(sizeof(union sigval));
	V(SIGEV_SIGNAL);
	V(SIGEV_NONE);
	V(SIGEV_THREAD);
	V(sizeof(struct sigevent));
	V(sizeof(sigevent_t));
	V(offsetof(struct sigevent, sigev_value));
	V(offsetof(struct sigevent, sigev_signo));
	V(offsetof(struct sigevent, sigev_notify));
	V(offsetof(struct sigevent, sigev_notify_function));
	V(offsetof(struct sigevent, sigev_notify_attributes));
	V(sizeof(struct itimerval));
	V(offsetof(struct itimerval, it_value));
	V(offsetof(siginfo_t, si_signo));
	V(offsetof(siginfo_t, si_errno));
	V(offsetof(siginfo_t, si_code));
	V(offsetof(siginfo_t, si_pid));
	V(offsetof(siginfo_t, si_uid));
	V(offsetof(siginfo_t, si_value));
	V(offsetof(siginfo_t, si_int));
	V(offsetof(siginfo_t, si_ptr));
	V(offsetof(siginfo_t, si_status));
	V(offsetof(siginfo_t, si_addr));
	V(sizeof(struct passwd));
	OFF_OF(passwd, pw_name);
	OFF_OF(passwd, pw_passwd);
	OFF_OF(passwd, pw_uid);
	OFF_OF(passwd, pw_gid);
	OFF_OF(passwd, pw_gecos);
	OFF_OF(passwd, pw_dir);
	OFF_OF(passwd, pw_shell);
	V(sizeof(struct group));
	OFF_OF(group, gr_name);
	OFF_OF(group, gr_passwd);
	OFF_OF(group, gr_gid);
	OFF_OF(group, gr_mem);
	V(EOF);
	const char *scn[] = {SCNd8, SCNd16, SCNd32, SCNd64, SCNi8, SCNi16, SCNi32, SCNi64, SCNu8, SCNu16,
			     SCNu32, SCNu64, SCNo8, SCNo16, SCNo32, SCNo64, SCNx8, SCNx16, SCNx32, SCNx64,
			     SCNdMAX, SCNiMAX, SCNuMAX, SCNxMAX, SCNdPTR, SCNuPTR, SCNxPTR};
	for (size_t i = 0; i < sizeof scn / sizeof scn[0]; i++)
		printf("SCN[%zu] %s\n", i, scn[i]);
	return 0;
}
