/* strings.h (kestrel guest C runtime): ASCII case-insensitive comparisons. */
#ifndef _STRINGS_H
#define _STRINGS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);
void bzero(void *s, size_t n);
int bcmp(const void *a, const void *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* _STRINGS_H */
