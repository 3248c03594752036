/* sys/poll.h: the same as poll.h (glibc has both). */
#include <poll.h>
