/* assert.h (kestrel guest C runtime): a failed assertion prints
 * `FILE:LINE: FUNCTION: Assertion `EXPR' failed.` on stderr and calls abort().
 * Like every assert.h, this one may be included again after changing NDEBUG. */
#undef assert

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#ifdef __cplusplus
extern "C"
#endif
__attribute__((__noreturn__)) void __assert_fail(const char *expr, const char *file, unsigned int line,
						 const char *func);
#define assert(e) ((e) ? (void)0 : __assert_fail(#e, __FILE__, __LINE__, __func__))
#endif

#if !defined(__cplusplus) && !defined(static_assert)
#define static_assert _Static_assert
#endif
