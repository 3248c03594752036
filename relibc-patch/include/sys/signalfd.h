/* sys/signalfd.h: descriptors that read the caller's pending signals (kestrel guest sysroot).
 *
 * Linux's interface (signalfd(2)); not in POSIX. ABI: Linux x86_64 as glibc defines it:
 * struct signalfd_siginfo is 128 bytes, one per signal a read returns, and SFD_CLOEXEC and
 * SFD_NONBLOCK equal the C library's O_CLOEXEC and O_NONBLOCK (glibc's equal Linux's; the
 * guest runtime's <fcntl.h> has the kernel's values, which kestrel's signalfd scheme takes).
 *
 * The kernel reads the first 8 bytes of *mask: 64 signals, as Linux's kernel sigset (the
 * guest runtime's sigset_t is exactly one 64-bit word).
 *
 * Written to match relibc-patch/src/header/sys_signalfd/mod.rs, whose host tests compile
 * this file and compare every value and offset with the Rust definitions and with glibc's.
 * The function is in libkestrel_relibc.a.
 */
#ifndef _SYS_SIGNALFD_H
#define _SYS_SIGNALFD_H

#include <fcntl.h>  /* O_CLOEXEC, O_NONBLOCK */
#include <signal.h> /* sigset_t, the signal numbers */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* signalfd flags. */
#define SFD_CLOEXEC O_CLOEXEC   /* the descriptor is close-on-exec */
#define SFD_NONBLOCK O_NONBLOCK /* a read that finds no signal fails with EAGAIN */

/* One signal as a read returns it: 128 bytes. */
struct signalfd_siginfo {
	uint32_t ssi_signo;     /* offset   0: the signal */
	int32_t ssi_errno;      /* offset   4 */
	int32_t ssi_code;       /* offset   8: si_code (SI_USER, SI_QUEUE, CLD_EXITED, ...) */
	uint32_t ssi_pid;       /* offset  12: the sender, or the child (SIGCHLD) */
	uint32_t ssi_uid;       /* offset  16: the sender's real user id */
	int32_t ssi_fd;         /* offset  20: SIGIO */
	uint32_t ssi_tid;       /* offset  24: timer id */
	uint32_t ssi_band;      /* offset  28: SIGIO */
	uint32_t ssi_overrun;   /* offset  32: timer overruns */
	uint32_t ssi_trapno;    /* offset  36 */
	int32_t ssi_status;     /* offset  40: exit status or signal (SIGCHLD) */
	int32_t ssi_int;        /* offset  44: sigqueue's value */
	uint64_t ssi_ptr;       /* offset  48: sigqueue's value */
	uint64_t ssi_utime;     /* offset  56: SIGCHLD */
	uint64_t ssi_stime;     /* offset  64: SIGCHLD */
	uint64_t ssi_addr;      /* offset  72: the faulting address */
	uint16_t ssi_addr_lsb;  /* offset  80: SIGBUS */
	uint16_t __pad2;        /* offset  82 */
	int32_t ssi_syscall;    /* offset  84: SIGSYS */
	uint64_t ssi_call_addr; /* offset  88: SIGSYS */
	uint32_t ssi_arch;      /* offset  96: SIGSYS */
	uint8_t __pad[28];      /* offset 100 */
};

/* With fd -1, a new descriptor whose reads take the caller's pending signals in *mask;
   with a signalfd descriptor, that descriptor with its mask replaced. -1 and errno on
   failure. */
int signalfd(int fd, const sigset_t *mask, int flags);

#ifdef __cplusplus
}
#endif

#if !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "struct signalfd_siginfo: Linux layout");
#endif

#endif /* _SYS_SIGNALFD_H */
