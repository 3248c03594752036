/* sys/msg.h: System V message queues (kestrel guest sysroot).
 *
 * ABI: Linux x86_64 values and structure layouts, as glibc defines them: msgqnum_t and
 * msglen_t are unsigned long, struct msqid_ds has 120 bytes around the 48-byte
 * struct ipc_perm of <sys/ipc.h>, and struct msginfo 32. kestrel's msg scheme reads and
 * writes these structures, and the messages, as they are.
 *
 * A message is a long type (greater than 0) followed by its text. As in glibc, struct msgbuf
 * is declared only under _GNU_SOURCE: other programs usually define a struct of their own,
 * for example
 *
 *     struct message { long mtype; char mtext[64]; };
 *
 * Written to match relibc-patch/src/header/sys_msg/mod.rs, whose host tests compile this
 * file and compare every value and offset with the Rust definitions and with glibc's.
 * The functions are in libkestrel_relibc.a.
 */
#ifndef _SYS_MSG_H
#define _SYS_MSG_H

#include <sys/ipc.h>
#include <sys/types.h> /* pid_t, size_t, ssize_t, time_t */

#ifdef __cplusplus
extern "C" {
#endif

/* msgrcv flags, besides IPC_NOWAIT of <sys/ipc.h>. */
#define MSG_NOERROR 010000 /* truncate a longer message instead of E2BIG */
#define MSG_EXCEPT 020000  /* with msgtyp > 0: the first message of another type (Linux) */
#define MSG_COPY 040000    /* copy the message at index msgtyp, leave it queued (Linux) */

/* msgctl commands, besides IPC_RMID, IPC_SET, IPC_STAT and IPC_INFO of <sys/ipc.h>. */
#define MSG_STAT 11     /* IPC_STAT of the queue at index msqid; returns its id (Linux) */
#define MSG_INFO 12     /* IPC_INFO with usage counts (Linux) */
#define MSG_STAT_ANY 13 /* MSG_STAT without the read permission check (Linux) */

typedef unsigned long msgqnum_t; /* a count of messages */
typedef unsigned long msglen_t;  /* a count of bytes */

/* A queue's state: 120 bytes. */
struct msqid_ds {
	struct ipc_perm msg_perm;        /* offset   0 */
	time_t msg_stime;                /* offset  48: last msgsnd */
	time_t msg_rtime;                /* offset  56: last msgrcv */
	time_t msg_ctime;                /* offset  64: last change */
	unsigned long __msg_cbytes;      /* offset  72: bytes of text queued (msg_cbytes) */
	msgqnum_t msg_qnum;              /* offset  80: messages queued */
	msglen_t msg_qbytes;             /* offset  88: most bytes of text queued */
	pid_t msg_lspid;                 /* offset  96: last msgsnd's process */
	pid_t msg_lrpid;                 /* offset 100: last msgrcv's process */
	unsigned long __glibc_reserved4; /* offset 104 */
	unsigned long __glibc_reserved5; /* offset 112 */
};
#define msg_cbytes __msg_cbytes

/* Limits (IPC_INFO), or with MSG_INFO the queues in use in msgpool, the messages in msgmap
 * and the bytes of text in msgtql: 32 bytes. */
struct msginfo {
	int msgpool;
	int msgmap;
	int msgmax; /* largest message text */
	int msgmnb; /* default queue capacity in bytes */
	int msgmni; /* most queues */
	int msgssz;
	int msgtql;
	unsigned short msgseg;
};

#ifdef _GNU_SOURCE
/* A message as glibc declares it (a program's own struct has a longer mtext): 16 bytes. */
struct msgbuf {
	long mtype;     /* the message type, greater than 0 */
	char mtext[1];  /* the text */
};
#endif

/* The id of the queue for KEY (created with IPC_CREAT), or a new queue for IPC_PRIVATE. */
int msgget(key_t key, int msgflg);
/* Appends the message at MSGP (a long type, then MSGSZ bytes of text) to queue MSQID,
 * waiting while it is full unless MSGFLG has IPC_NOWAIT. */
int msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg);
/* Takes a message of type MSGTYP (0: any; < 0: the lowest type up to -MSGTYP) from queue
 * MSQID into MSGP, at most MSGSZ bytes of text; returns the bytes of text received. */
ssize_t msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp, int msgflg);
/* Command CMD on queue MSQID; BUF is a struct msqid_ds * (a struct msginfo *, cast, for
 * IPC_INFO and MSG_INFO). */
int msgctl(int msqid, int cmd, struct msqid_ds *buf);

#ifdef __cplusplus
}
#endif

#if !defined(__cplusplus) && defined(__x86_64__)
_Static_assert(sizeof(struct msqid_ds) == 120, "struct msqid_ds: Linux x86_64 layout");
_Static_assert(sizeof(struct msginfo) == 32, "struct msginfo: Linux x86_64 layout");
#if defined(__GNUC__)
_Static_assert(__builtin_offsetof(struct msqid_ds, msg_stime) == 48, "msqid_ds.msg_stime");
_Static_assert(__builtin_offsetof(struct msqid_ds, __msg_cbytes) == 72, "msqid_ds.__msg_cbytes");
_Static_assert(__builtin_offsetof(struct msqid_ds, msg_lspid) == 96, "msqid_ds.msg_lspid");
_Static_assert(__builtin_offsetof(struct msginfo, msgseg) == 28, "msginfo.msgseg");
#endif
#endif

#endif /* _SYS_MSG_H */
