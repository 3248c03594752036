/* format.h: what the printf formatter's two files (format.c, format_float.c) share. */
#ifndef _KESTREL_FORMAT_H
#define _KESTREL_FORMAT_H

#include <stddef.h>

#include "internal.h"

#define FLAG_LEFT 1
#define FLAG_PLUS 2
#define FLAG_SPACE 4
#define FLAG_ZERO 8
#define FLAG_ALT 16

/* The result being produced and its length so far. */
struct out {
	struct __kestrel_sink *sink;
	size_t count;
};

/* Appends n bytes. */
hidden void __kestrel_emit(struct out *o, const char *s, size_t n);
/* Appends n copies of c. */
hidden void __kestrel_emit_repeat(struct out *o, char c, size_t n);
/* Space padding to `width` before a result of `len` bytes (unless left-justified)... */
hidden void __kestrel_pad_left(struct out *o, int flags, size_t width, size_t len);
/* ... and after it (if left-justified). */
hidden void __kestrel_pad_right(struct out *o, int flags, size_t width, size_t len);

/* %a %A %e %E %f %F %g %G of x (precision -1: none given). */
hidden void __kestrel_format_float(struct out *o, int conv, int flags, size_t width, int precision, double x);

/* The short names the formatter's files use. */
#define emit __kestrel_emit
#define emit_repeat __kestrel_emit_repeat
#define pad_left __kestrel_pad_left
#define pad_right __kestrel_pad_right

#endif /* _KESTREL_FORMAT_H */
