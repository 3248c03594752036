/* grp.h (kestrel guest C runtime): the group database, read from /etc/group (the
 * initfs's etc/group; struct group has glibc's layout), and setgroups, which glibc
 * declares here (the runtime also declares it in unistd.h). */
#ifndef _GRP_H
#define _GRP_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

int setgroups(size_t size, const gid_t *list);

struct group {
	char *gr_name;
	char *gr_passwd;
	gid_t gr_gid;
	char **gr_mem; /* the members' names, then NULL */
};

struct group *getgrnam(const char *name);
struct group *getgrgid(gid_t gid);
int getgrnam_r(const char *name, struct group *grp, char *buf, size_t buflen, struct group **result);
int getgrgid_r(gid_t gid, struct group *grp, char *buf, size_t buflen, struct group **result);
void setgrent(void);
struct group *getgrent(void);
void endgrent(void);

#ifdef __cplusplus
}
#endif

#endif /* _GRP_H */
