/* c_pwd: the user and group databases, /etc/passwd and /etc/group: getpwnam, getpwuid,
 * getgrnam, getgrgid and their _r forms (a buffer too small: ERANGE; an entry not found:
 * 0 and a NULL result), the getpwent and getgrent walks (setpwent starting again), and
 * the files themselves through fopen. root is checked everywhere; kestrel's other
 * entries (user 1000 in group users 100, nobody 65534) under __kestrel__, where errno
 * is also checked to stay unchanged when an entry is not found, as POSIX asks (glibc
 * sets it to 0). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void users(void)
{
	struct passwd *p = getpwnam("root");
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->pw_name, "root");
		CHECK(p->pw_uid == 0 && p->pw_gid == 0);
		CHECK_STR(p->pw_dir, "/root");
		CHECK(p->pw_passwd != NULL && p->pw_gecos != NULL && p->pw_shell != NULL && p->pw_shell[0] == '/');
	}
	p = getpwuid(0);
	CHECK(p != NULL && strcmp(p->pw_name, "root") == 0);

	errno = 0;
	CHECK(getpwnam("no-such-user.c_pwd") == NULL && errno == 0);
	errno = 0;
	CHECK(getpwuid(4000000000u) == NULL && errno == 0);

	struct passwd pw, *result = &pw;
	char buf[1024];
	CHECK(getpwnam_r("root", &pw, buf, sizeof buf, &result) == 0 && result == &pw);
	CHECK(strcmp(pw.pw_name, "root") == 0 && pw.pw_uid == 0 && strcmp(pw.pw_dir, "/root") == 0);
	CHECK(pw.pw_name >= buf && pw.pw_name < buf + sizeof buf); /* the strings are in buf */
	CHECK(getpwuid_r(0, &pw, buf, sizeof buf, &result) == 0 && result == &pw && strcmp(pw.pw_name, "root") == 0);
	CHECK(getpwnam_r("root", &pw, buf, 4, &result) == ERANGE && result == NULL);
	CHECK(getpwuid_r(0, &pw, buf, 1, &result) == ERANGE && result == NULL);
	result = &pw;
	CHECK(getpwnam_r("no-such-user.c_pwd", &pw, buf, sizeof buf, &result) == 0 && result == NULL);
	result = &pw;
	CHECK(getpwuid_r(4000000000u, &pw, buf, sizeof buf, &result) == 0 && result == NULL);

	/* The walk: root is there, and it ends; setpwent starts again. */
	setpwent();
	int n = 0, roots = 0;
	while ((p = getpwent()) != NULL) {
		n++;
		roots += p->pw_uid == 0 && strcmp(p->pw_name, "root") == 0;
	}
	CHECK(n >= 1 && roots == 1);
	setpwent();
	p = getpwent();
	CHECK(p != NULL);
	int again = 1;
	while (getpwent())
		again++;
	CHECK(again == n);
	endpwent();

#ifdef __kestrel__
	CHECK(n == 3);
	p = getpwnam("user");
	CHECK(p != NULL);
	if (p) {
		CHECK(p->pw_uid == 1000 && p->pw_gid == 1000);
		CHECK_STR(p->pw_dir, "/home/user");
		CHECK_STR(p->pw_shell, "/bin/sh");
	}
	p = getpwuid(65534);
	CHECK(p != NULL && strcmp(p->pw_name, "nobody") == 0 && p->pw_gid == 65534);
	errno = EDOM;
	CHECK(getpwnam("no-such-user.c_pwd") == NULL && errno == EDOM);
	CHECK(getpwnam_r("user", &pw, buf, sizeof buf, &result) == 0 && result == &pw && pw.pw_uid == 1000);
	errno = EDOM;
	CHECK(getpwnam_r("user", &pw, buf, 10, &result) == ERANGE && result == NULL && errno == EDOM);
#endif
}

static void groups(void)
{
	struct group *g = getgrnam("root");
	CHECK(g != NULL && g->gr_gid == 0 && g->gr_mem != NULL);
	g = getgrgid(0);
	CHECK(g != NULL && strcmp(g->gr_name, "root") == 0);
	errno = 0;
	CHECK(getgrnam("no-such-group.c_pwd") == NULL && errno == 0);

	struct group gr, *result = &gr;
	char buf[1024];
	CHECK(getgrnam_r("root", &gr, buf, sizeof buf, &result) == 0 && result == &gr && gr.gr_gid == 0);
	CHECK(gr.gr_mem != NULL && (char *)gr.gr_mem >= buf && (char *)gr.gr_mem < buf + sizeof buf);
	CHECK(getgrgid_r(0, &gr, buf, sizeof buf, &result) == 0 && result == &gr && strcmp(gr.gr_name, "root") == 0);
	CHECK(getgrgid_r(0, &gr, buf, 4, &result) == ERANGE && result == NULL);
	result = &gr;
	CHECK(getgrnam_r("no-such-group.c_pwd", &gr, buf, sizeof buf, &result) == 0 && result == NULL);

	setgrent();
	int n = 0, roots = 0;
	while ((g = getgrent()) != NULL) {
		n++;
		roots += g->gr_gid == 0;
	}
	CHECK(n >= 1 && roots >= 1);
	endgrent();

#ifdef __kestrel__
	CHECK(n == 4);
	g = getgrnam("users");
	CHECK(g != NULL);
	if (g) {
		CHECK(g->gr_gid == 100);
		CHECK(g->gr_mem[0] != NULL && strcmp(g->gr_mem[0], "user") == 0 && g->gr_mem[1] == NULL);
	}
	g = getgrgid(1000);
	CHECK(g != NULL && strcmp(g->gr_name, "user") == 0 && g->gr_mem[0] == NULL);
	g = getgrgid(65534);
	CHECK(g != NULL && strcmp(g->gr_name, "nogroup") == 0);
	CHECK(getgrnam_r("users", &gr, buf, sizeof buf, &result) == 0 && result == &gr);
	CHECK(gr.gr_gid == 100 && gr.gr_mem[0] && strcmp(gr.gr_mem[0], "user") == 0 && !gr.gr_mem[1]);
	CHECK(((unsigned long)gr.gr_mem & (sizeof(char *) - 1)) == 0);
	errno = EDOM;
	CHECK(getgrgid(12345) == NULL && errno == EDOM);
	/* Every size from 0 up: ERANGE until the entry fits, then the whole entry. */
	size_t need = 0;
	while (getgrnam_r("users", &gr, buf, need, &result) == ERANGE)
		need++;
	CHECK(need > 0 && result == &gr && strcmp(gr.gr_name, "users") == 0 && strcmp(gr.gr_mem[0], "user") == 0);
#endif
}

/* The files, as any program reads them. */
static void files(void)
{
	FILE *f = fopen("/etc/passwd", "r");
	CHECK(f != NULL);
	if (f) {
		char line[256];
		CHECK(fgets(line, sizeof line, f) != NULL && strncmp(line, "root:x:0:0:", 11) == 0);
		CHECK(fclose(f) == 0);
	}
	f = fopen("/etc/group", "r");
	CHECK(f != NULL);
	if (f)
		CHECK(fclose(f) == 0);
	CHECK(fopen("/etc/no-such-file.c_pwd", "r") == NULL && errno == ENOENT);
#ifdef __kestrel__
	/* /etc is the initfs's etc directory. */
	f = fopen("/scheme/initfs/etc/group", "r");
	CHECK(f != NULL);
	if (f) {
		char line[64];
		CHECK(fgets(line, sizeof line, f) != NULL && strcmp(line, "root:x:0:\n") == 0);
		CHECK(fclose(f) == 0);
	}
	CHECK(fopen("/etcetera", "r") == NULL && errno == ENOENT); /* not under /etc */
#endif
}

int main(void)
{
	users();
	groups();
	files();
	return check_summary("c_pwd");
}
