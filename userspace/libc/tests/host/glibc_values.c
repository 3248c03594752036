/* glibc_values: prints the Linux-valued constants and layouts of the runtime's headers as
 * "NAME VALUE" lines. run.sh compiles it twice, against the runtime's headers and against
 * the host's glibc, and the two outputs must be the same. The prototypes must match too
 * (a mismatch does not compile). */
#define _GNU_SOURCE /* pipe2 in glibc's unistd.h */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int printf(const char *fmt, ...);

void *(*check_mmap)(void *, size_t, int, int, int, off_t) = mmap;
int (*check_shm_open)(const char *, int, mode_t) = shm_open;
int (*check_shm_unlink)(const char *) = shm_unlink;
int (*check_ftruncate)(int, off_t) = ftruncate;
int (*check_fstat)(int, struct stat *) = fstat;
int (*check_pipe)(int[2]) = pipe;
int (*check_pipe2)(int[2], int) = pipe2;
int (*check_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) = pthread_create;
int (*check_pthread_mutex_timedlock)(pthread_mutex_t *, const struct timespec *) = pthread_mutex_timedlock;
int (*check_pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *) =
	pthread_cond_timedwait;

#define V(c) printf("%s %lld\n", #c, (long long)(c))
#define OFF(f) printf("offsetof(stat.%s) %zu\n", #f, offsetof(struct stat, f))

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
	return 0;
}
