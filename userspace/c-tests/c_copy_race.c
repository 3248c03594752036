/* c_copy_race: long messages (4 KiB of text, copied by the kernel as one long copy) sent
 * and received through a System V queue and a POSIX queue while another thread of the
 * process keeps replacing the pages the texts come from and go to with fresh ones
 * (`mmap` with MAP_FIXED over them). On several CPUs the kernel's copies and the page
 * table changes really race. Checked:
 *
 *   - every msgsnd, msgrcv, mq_send and mq_receive succeeds (the pages are always mapped:
 *     a replacement is one call), but for a msgsnd whose type the kernel read from a
 *     fresh page (0: EINVAL);
 *   - a received text holds, at each offset, either the byte the sender wrote there or 0
 *     (the sender's page replaced by a fresh one before or while it was copied, or the
 *     receiver's after), never a byte of another message or anything else;
 *   - the received lengths and types are the ones sent, and nothing is lost or doubled:
 *     every message sent is received, and the queues are empty at the end.
 *
 * Plain POSIX and Linux C: passes on Linux too. Exits 0 only if every check passed.
 */
#include "c_common.h"

#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/msg.h>

#define TEXT 4096
#define ROUNDS 400

/* The byte message `seq` carries at `offset`: never 0, and different between neighbours. */
static unsigned char pattern(int seq, int offset)
{
	return (unsigned char)(((offset * 7 + seq * 13) & 0xff) | 1);
}

struct sysv_message {
	long mtype;
	unsigned char text[TEXT];
};

/* The pages the texts live in: two messages' worth, replaced over and over. */
static unsigned char *area;
static size_t area_len;
static volatile int stop;
static long replacements;
/* Texts received with zeros in them: the race was met (reported, not checked). */
static int raced;

static void *replacer(void *unused)
{
	(void)unused;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		void *p = mmap(area, area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != area) {
			FAIL_AT("mmap MAP_FIXED: %p, errno %d (%s)", p, errno, strerror(errno));
			break;
		}
		replacements++;
		sched_yield();
	}
	return NULL;
}

/* Whether `text` (of `len` bytes) is message `seq`'s, byte for byte or with zeros. */
static int text_plausible(const unsigned char *text, int len, int seq)
{
	int zeros = 0;
	for (int i = 0; i < len; i++) {
		if (text[i] == 0)
			zeros = 1;
		else if (text[i] != pattern(seq, i))
			return 0;
	}
	raced += zeros;
	return 1;
}

static void fill(unsigned char *text, int seq)
{
	for (int i = 0; i < TEXT; i++)
		text[i] = pattern(seq, i);
}

static void sysv_rounds(void)
{
	SECTION("msgsnd and msgrcv of 4 KiB texts while their pages are replaced");
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(id >= 0);
	if (id < 0)
		return;
	struct sysv_message *out = (struct sysv_message *)area;
	struct sysv_message *in = (struct sysv_message *)(area + area_len / 2);
	int bad_text = 0;
	for (int seq = 0; seq < ROUNDS; seq++) {
		out->mtype = seq + 1;
		fill(out->text, seq);
		if (msgsnd(id, out, TEXT, 0) == -1) {
			/* The page was replaced before the kernel read the type: 0, EINVAL. */
			if (errno == EINVAL)
				continue;
			FAIL_AT("msgsnd %d: errno %d (%s)", seq, errno, strerror(errno));
			continue;
		}
		ssize_t n = msgrcv(id, in, TEXT, 0, 0);
		if (n != TEXT) {
			FAIL_AT("msgrcv %d: %zd, errno %d (%s)", seq, n, errno, strerror(errno));
			continue;
		}
		long got = in->mtype;
		if (got != 0 && got != seq + 1)
			FAIL_AT("msgrcv %d: type %ld", seq, got);
		if (!text_plausible(in->text, TEXT, seq))
			bad_text++;
	}
	CHECK_EQ(bad_text, 0);
	struct msqid_ds ds;
	CHECK_OK(msgctl(id, IPC_STAT, &ds));
	CHECK_EQ(ds.msg_qnum, 0);
	CHECK_EQ(ds.msg_cbytes, 0);
	CHECK_OK(msgctl(id, IPC_RMID, NULL));
}

static void posix_rounds(void)
{
	SECTION("mq_send and mq_receive of 4 KiB texts while their pages are replaced");
	char name[64];
	snprintf(name, sizeof name, "/c_copy_race.%d", (int)getpid());
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = TEXT};
	mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	CHECK(q != (mqd_t)-1);
	if (q == (mqd_t)-1)
		return;
	unsigned char *out = area;
	unsigned char *in = area + area_len / 2;
	int bad_text = 0;
	for (int seq = 0; seq < ROUNDS; seq++) {
		fill(out, seq);
		if (mq_send(q, (const char *)out, TEXT, (unsigned)(seq % 32)) == -1) {
			FAIL_AT("mq_send %d: errno %d (%s)", seq, errno, strerror(errno));
			continue;
		}
		unsigned prio = 99;
		ssize_t n = mq_receive(q, (char *)in, TEXT, &prio);
		if (n != TEXT) {
			FAIL_AT("mq_receive %d: %zd, errno %d (%s)", seq, n, errno, strerror(errno));
			continue;
		}
		if (prio != (unsigned)(seq % 32))
			FAIL_AT("mq_receive %d: priority %u", seq, prio);
		if (!text_plausible(in, TEXT, seq))
			bad_text++;
	}
	CHECK_EQ(bad_text, 0);
	struct mq_attr now;
	CHECK_OK(mq_getattr(q, &now));
	CHECK_EQ(now.mq_curmsgs, 0);
	CHECK_OK(mq_close(q));
	CHECK_OK(mq_unlink(name));
}

int main(void)
{
	test_name = "c_copy_race";
	setvbuf(stdout, NULL, _IOLBF, 0);
	long page = sysconf(_SC_PAGESIZE);
	/* Each message's buffer spans two pages, so that a copy crosses a page boundary. */
	area_len = (size_t)(4 * page);
	area = mmap(NULL, area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(area != MAP_FAILED);
	if (area == MAP_FAILED)
		return 1;
	pthread_t thread;
	CHECK_EQ(pthread_create(&thread, NULL, replacer, NULL), 0);
	sysv_rounds();
	posix_rounds();
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	CHECK_EQ(pthread_join(thread, NULL), 0);
	CHECK(replacements > 0);
	printf("%s: %ld replacements; %d texts received with a replaced page's zeros\n", test_name, replacements, raced);
	CHECK_OK(munmap(area, area_len));
	if (failures == 0)
		printf("%s: all checks passed\n", test_name);
	else
		printf("%s: %d check(s) failed\n", test_name, failures);
	return failures != 0;
}
