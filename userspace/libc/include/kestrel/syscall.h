/* kestrel/syscall.h: raw kestrel system calls for C programs that test the kernel
 * itself (the numbers and structures of abi/src/syscall.rs and abi/src/proc.rs).
 *
 * Convention: `syscall` with the number in rax and arguments in rdi, rsi, rdx, r10, r8,
 * r9; rcx and r11 are clobbered. A result in -4095..-1 is a negated (Linux) errno: the
 * raw functions return it as is; __kestrel_ret() turns it into -1 with errno set. */
#ifndef _KESTREL_SYSCALL_H
#define _KESTREL_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Redox numbers (redox_syscall 0.9.5), as kestrel_abi::syscall re-states them. */
#define KESTREL_SYS_OPEN 0x10100005UL
#define KESTREL_SYS_CLOSE 0x20000006UL
#define KESTREL_SYS_DUP2 0x2010003fUL
#define KESTREL_SYS_READ 0x22000003UL
#define KESTREL_SYS_WRITE 0x21000004UL
#define KESTREL_SYS_FCNTL 0x20000037UL
#define KESTREL_SYS_FEVENT 0x2000039fUL
#define KESTREL_SYS_CALL 0x2300ca11UL
#define KESTREL_SYS_FMAP 0x21000384UL
#define KESTREL_SYS_FUNMAP 0x2000005cUL
#define KESTREL_SYS_FPATH 0x220003a0UL
#define KESTREL_SYS_FSTAT 0x2200001cUL
#define KESTREL_SYS_FTRUNCATE 0x2000005dUL
#define KESTREL_SYS_UNLINK 0x1000000aUL
#define KESTREL_SYS_RMDIR 0x10000054UL
#define KESTREL_SYS_LSEEK 0x20000013UL
#define KESTREL_SYS_FRENAME 0x23000026UL
#define KESTREL_SYS_FCHMOD 0x2000005eUL
#define KESTREL_SYS_FCHOWN 0x200000cfUL
#define KESTREL_SYS_CLOCK_GETTIME 265UL
#define KESTREL_SYS_FUTEX 240UL
#define KESTREL_SYS_MPROTECT 125UL
#define KESTREL_SYS_NANOSLEEP 162UL
#define KESTREL_SYS_YIELD 158UL
/* kestrel additions at 0x4b00 + n. */
#define KESTREL_SYS_SIGACTION 0x4b01UL
#define KESTREL_SYS_CLOCK_NANOSLEEP 0x4b30UL
#define KESTREL_SYS_SIGPROCMASK 0x4b02UL
#define KESTREL_SYS_SIGRETURN 0x4b03UL
#define KESTREL_SYS_SIGPENDING 0x4b04UL
#define KESTREL_SYS_SIGSUSPEND 0x4b05UL
#define KESTREL_SYS_SIGTIMEDWAIT 0x4b06UL
#define KESTREL_SYS_SIGQUEUE 0x4b07UL
#define KESTREL_SYS_SETITIMER 0x4b08UL
#define KESTREL_SYS_GETITIMER 0x4b09UL
#define KESTREL_SYS_ALARM 0x4b0aUL
#define KESTREL_SYS_GETRESUID 0x4b10UL
#define KESTREL_SYS_GETRESGID 0x4b11UL
#define KESTREL_SYS_SETRESUID 0x4b12UL
#define KESTREL_SYS_SETRESGID 0x4b13UL
#define KESTREL_SYS_SETUID 0x4b14UL
#define KESTREL_SYS_SETGID 0x4b15UL
#define KESTREL_SYS_SETEUID 0x4b16UL
#define KESTREL_SYS_SETEGID 0x4b17UL
#define KESTREL_SYS_GETGROUPS 0x4b18UL
#define KESTREL_SYS_SETGROUPS 0x4b19UL
#define KESTREL_SYS_GETPID 0x4b1aUL
#define KESTREL_SYS_GETPPID 0x4b1bUL
#define KESTREL_SYS_GETTID 0x4b1cUL
/* epoll_wait(queue fd, struct epoll_event *, max records, deadline): see KESTREL_EVENT_EPOLL_SHIFT. */
#define KESTREL_SYS_EPOLL_WAIT 0x4b1dUL
#define KESTREL_SYS_PIPE2 0x4b20UL

/* A descriptor number with this bit names a slot of the process's "upper" table
 * (Redox's UPPER_FDTBL_TAG): F_DUPFD with a minimum carrying it installs there, and
 * every descriptor call accepts such a number. */
#define KESTREL_UPPER_FDTBL_TAG (1UL << 62)

/* SYS_CALL(fd, payload, len, flags | metadata length, metadata): payload directions
 * (0: both), ORed with the metadata's length in words in the low byte, as redox_syscall
 * passes it. */
#define KESTREL_CALL_WRITE (1UL << 9) /* the scheme reads the payload */
#define KESTREL_CALL_READ (1UL << 10) /* the payload is copied back */
#define KESTREL_CALL_METADATA_LEN 0xffUL
#define KESTREL_MAX_METADATA 3

/* The kernel's MapFlags (Redox values), for struct kestrel_map.flags. */
#define KESTREL_PROT_EXEC 0x00010000UL
#define KESTREL_PROT_WRITE 0x00020000UL
#define KESTREL_PROT_READ 0x00040000UL
#define KESTREL_MAP_SHARED 0x0001UL
#define KESTREL_MAP_PRIVATE 0x0002UL
#define KESTREL_MAP_FIXED 0x0004UL
#define KESTREL_MAP_FIXED_NOREPLACE 0x000cUL
/* The fd of anonymous fmap. */
#define KESTREL_ANONYMOUS (~0UL)

/* Futex operations. */
#define KESTREL_FUTEX_WAIT 0UL
#define KESTREL_FUTEX_WAKE 1UL

/* Calls on /scheme/time/CLOCK handles. */
#define KESTREL_TIME_CALL_SETTIME 1UL

/* SYS_FEVENT readiness and /scheme/event registration flags. A registration or a
 * reported event is a struct kestrel_event: the descriptor, EVENT_* flags, user data;
 * flags without READ or WRITE remove the descriptor's registration. */
#define KESTREL_EVENT_READ 1UL
#define KESTREL_EVENT_WRITE 2UL
#define KESTREL_EVENT_HUP 0x200UL /* a pipe's read end without writers */
#define KESTREL_EVENT_ERR 0x400UL /* a pipe's write end without readers */
#define KESTREL_EVENT_EDGE 0x100UL /* edge-triggered */
/* SYS_CALL on an event queue: metadata {KESTREL_EVENT_CALL_WAIT, deadline}, a payload
 * of struct kestrel_event. Waits for ready registrations until the CLOCK_MONOTONIC
 * deadline in ns (0: only looks; ~0: no limit); returns their bytes, 0 at the deadline. */
#define KESTREL_EVENT_CALL_WAIT 1UL
/* A registration's flags carry from this bit up the epoll events asked for, in Linux's
 * values: KESTREL_SYS_EPOLL_WAIT reports in those terms (12-byte packed struct
 * epoll_event records), and EPOLLONESHOT disables the registration after one report. */
#define KESTREL_EVENT_EPOLL_SHIFT 32

struct kestrel_event {
	uint64_t id;
	uint64_t flags;
	uint64_t data;
};

/* The kernel's TimeSpec: 16 bytes, i32 nanoseconds then padding. */
struct kestrel_timespec {
	int64_t tv_sec;
	int32_t tv_nsec;
	uint32_t __pad;
};

/* The kernel's Map (SYS_FMAP). */
struct kestrel_map {
	uint64_t offset;
	uint64_t size;
	uint64_t flags;
	uint64_t address;
};

/* The kernel's Stat (SYS_FSTAT). The seconds fields are not named st_atime, st_mtime and
 * st_ctime, which <sys/stat.h> defines as macros (as POSIX has it). */
struct kestrel_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint16_t st_mode;
	uint16_t __pad0;
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint64_t st_size;
	uint32_t st_blksize;
	uint32_t __pad1;
	uint64_t st_blocks;
	uint64_t st_mtime_sec;
	uint32_t st_mtime_nsec;
	uint32_t __pad2;
	uint64_t st_atime_sec;
	uint32_t st_atime_nsec;
	uint32_t __pad3;
	uint64_t st_ctime_sec;
	uint32_t st_ctime_nsec;
	uint32_t __pad4;
};

static inline long __kestrel_syscall0(unsigned long n)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n) : "rcx", "r11", "memory");
	return ret;
}

static inline long __kestrel_syscall1(unsigned long n, unsigned long a)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a) : "rcx", "r11", "memory");
	return ret;
}

static inline long __kestrel_syscall2(unsigned long n, unsigned long a, unsigned long b)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

static inline long __kestrel_syscall3(unsigned long n, unsigned long a, unsigned long b, unsigned long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static inline long __kestrel_syscall4(unsigned long n, unsigned long a, unsigned long b, unsigned long c,
				      unsigned long d)
{
	long ret;
	register unsigned long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}

static inline long __kestrel_syscall5(unsigned long n, unsigned long a, unsigned long b, unsigned long c,
				      unsigned long d, unsigned long e)
{
	long ret;
	register unsigned long r10 __asm__("r10") = d;
	register unsigned long r8 __asm__("r8") = e;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long __kestrel_syscall6(unsigned long n, unsigned long a, unsigned long b, unsigned long c,
				      unsigned long d, unsigned long e, unsigned long f)
{
	long ret;
	register unsigned long r10 __asm__("r10") = d;
	register unsigned long r8 __asm__("r8") = e;
	register unsigned long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* The error half of __kestrel_ret: sets errno to -raw and returns -1. */
long __kestrel_fail(long raw);

/* A raw result as a C library result: -1 with errno set for -4095..-1, else itself.
 * Inline, with the error half out of line: it follows every system call. */
static inline long __kestrel_ret(long raw)
{
	if (__builtin_expect((unsigned long)raw > -4096UL, 0))
		return __kestrel_fail(raw);
	return raw;
}

/* SYS_CALL on fd: up to KESTREL_MAX_METADATA words of metadata, a payload that the
 * scheme reads and that is copied back (flags 0), or one direction only. Returns the
 * result, or -1 with errno set. */
long __kestrel_call(int fd, void *payload, size_t len, unsigned long flags, const uint64_t *metadata, size_t nmeta);

/* The descriptor of /scheme/proc/self, opened (close-on-exec) on first use and kept. A
 * fork child inherits it, and it then names the child. -1 with errno set if it cannot
 * be opened. */
int __kestrel_proc_fd(void);

/* A proc scheme operation: metadata[0] is the op (KESTREL_PROC_*), then its arguments.
 * Returns the result, or -1 with errno set. */
long __kestrel_proc_call(const uint64_t *metadata, size_t nmeta, void *payload, size_t len);

/* Proc scheme operations (kestrel_abi::proc). */
#define KESTREL_PROC_SPAWN 1
#define KESTREL_PROC_FORK 2
#define KESTREL_PROC_EXEC 3
#define KESTREL_PROC_EXIT 4
#define KESTREL_PROC_WAITPID 5
#define KESTREL_PROC_KILL 6
#define KESTREL_PROC_GETPID 7
#define KESTREL_PROC_GETPPID 8
#define KESTREL_PROC_THREAD_CREATE 9
#define KESTREL_PROC_THREAD_EXIT 10
#define KESTREL_PROC_GETTID 11
#define KESTREL_PROC_SHUTDOWN 12
#define KESTREL_PROC_FREE_FRAMES 13
#define KESTREL_PROC_SET_FS_BASE 14
#define KESTREL_PROC_GET_FS_BASE 15
#define KESTREL_PROC_SET_ROBUST_LIST 16
#define KESTREL_PROC_TKILL 17

/* PROC_THREAD_CREATE's payload: the new thread starts at entry with rdi = arg and rsp =
 * stack_top; when it ends the kernel stores 0 at clear_tid (a u32; 0: none) and
 * futex-wakes one waiter there. */
struct kestrel_thread_args {
	uint64_t entry;
	uint64_t stack_top;
	uint64_t arg;
	uint64_t clear_tid;
};

/* Starts program PATH (a bare name means /scheme/initfs/NAME) in a new child process
 * with ARGV and ENVP (NULL: the caller's environment), as init does: no fork. Returns the
 * child's pid, or -1 with errno set. */
int __kestrel_spawn(const char *path, char *const argv[], char *const envp[]);

#ifdef __cplusplus
}
#endif

#endif /* _KESTREL_SYSCALL_H */
