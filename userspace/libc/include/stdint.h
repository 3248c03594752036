/* stdint.h (kestrel guest C runtime): GCC's freestanding definitions. GCC's stdint.h
 * wrapper looks for a system header in hosted mode, so take its stdint-gcc.h directly. */
#ifndef _KESTREL_STDINT_H
#define _KESTREL_STDINT_H
#include <stdint-gcc.h>
#endif
