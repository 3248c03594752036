/* grp.h (kestrel guest C runtime): only setgroups, which glibc declares here (the
 * runtime also declares it in unistd.h). There is no group database: no struct group,
 * getgrnam or getgrgid. */
#ifndef _GRP_H
#define _GRP_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

int setgroups(size_t size, const gid_t *list);

#ifdef __cplusplus
}
#endif

#endif /* _GRP_H */
