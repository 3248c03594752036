/* pwd.h (kestrel guest C runtime): the user database, read from /etc/passwd (which the
 * boot image brings as the initfs's etc/passwd). struct passwd has glibc's layout. */
#ifndef _PWD_H
#define _PWD_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct passwd {
	char *pw_name;
	char *pw_passwd;
	uid_t pw_uid;
	gid_t pw_gid;
	char *pw_gecos;
	char *pw_dir;
	char *pw_shell;
};

struct passwd *getpwnam(const char *name);
struct passwd *getpwuid(uid_t uid);
int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen, struct passwd **result);
int getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t buflen, struct passwd **result);
void setpwent(void);
struct passwd *getpwent(void);
void endpwent(void);

#ifdef __cplusplus
}
#endif

#endif /* _PWD_H */
