/* c_epoll_fork: an epoll instance shared through fork is one instance, as Linux's is: its
 * registrations belong to it, not to the process that made them. A child waiting on the
 * inherited descriptor is reported a registration the parent added after the fork (an
 * eventfd the child does not even have), with the parent's data; a level-triggered report
 * to the child takes nothing from the parent; an EPOLLONESHOT registration reported to the
 * child is spent for the parent too, until the parent re-arms it with EPOLL_CTL_MOD; and a
 * registration the parent removes is gone for the child.
 *
 * Exits 0 only if every check passed; prints `FAIL file:line ...` for each one that did
 * not.
 */
#include "c_common.h"

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

static int ep;
static int go[2];   /* the parent tells the child to wait */
static int done[2]; /* the child tells the parent it has waited */

/* Waits for the parent's word, then reports what one epoll_wait on the shared instance
 * gives: `expect` events (0 or 1), and for one, `data` with EPOLLIN. */
static int child_waits(int round)
{
	char c;
	for (int i = 0; i < round; i++) {
		if (read(go[0], &c, 1) != 1)
			return 2;
		struct epoll_event ev[4];
		int n = epoll_wait(ep, ev, 4, 200);
		/* Rounds 1 and 2 expect the eventfd (data 77), round 3 nothing (one-shot
		 * spent), round 4 nothing (removed). */
		if (i < 2) {
			CHECK_EQ(n, 1);
			if (n == 1) {
				CHECK_EQ(ev[0].data.u64, 77);
				CHECK(ev[0].events & EPOLLIN);
			}
		} else {
			CHECK_EQ(n, 0);
		}
		if (write(done[1], "d", 1) != 1)
			return 3;
	}
	return 0;
}

/* Tells the child to wait once and waits for it. */
static void child_round(void)
{
	char c;
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_EQ(read(done[0], &c, 1), 1);
}

int main(void)
{
	test_name = "c_epoll_fork";
	ep = epoll_create1(0);
	CHECK(ep >= 0);
	CHECK_OK(pipe(go));
	CHECK_OK(pipe(done));
	pid_t child = spawn(child_waits, 4);

	SECTION("a registration the parent adds after the fork reports to the child");
	int efd = eventfd(1, 0);
	CHECK(efd >= 0);
	struct epoll_event ev = {.events = EPOLLIN, .data = {.u64 = 77}};
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
	child_round();
	SECTION("the child's level-triggered report leaves it ready for the parent");
	struct epoll_event got[4];
	CHECK_EQ(epoll_wait(ep, got, 4, 0), 1);
	CHECK_EQ(got[0].data.u64, 77);

	SECTION("a one-shot registration reported to the child is spent for the parent");
	ev.events = EPOLLIN | EPOLLONESHOT;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev));
	child_round();
	CHECK_EQ(epoll_wait(ep, got, 4, 0), 0);
	child_round();
	SECTION("EPOLL_CTL_MOD re-arms it, EPOLL_CTL_DEL removes it for both");
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev));
	CHECK_EQ(epoll_wait(ep, got, 4, 0), 1);
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev));
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL));
	child_round();
	CHECK_CHILD_OK(child);

	CHECK_OK(close(efd));
	CHECK_OK(close(ep));
	return report();
}
