/* start.c: from the initial stack to main (the main thread's TLS block first), and the
 * ways out (exit, _Exit, _exit, atexit). */
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "thread.h"

char **environ;

int main(int argc, char **argv, char **envp);

/* Constructor and destructor tables, delimited by the linker's default script. */
extern void (*__preinit_array_start[])(int, char **, char **) __attribute__((weak));
extern void (*__preinit_array_end[])(int, char **, char **) __attribute__((weak));
extern void (*__init_array_start[])(int, char **, char **) __attribute__((weak));
extern void (*__init_array_end[])(int, char **, char **) __attribute__((weak));
extern void (*__fini_array_start[])(void) __attribute__((weak));
extern void (*__fini_array_end[])(void) __attribute__((weak));

/* Called by _start (crt0.S) with the initial stack pointer. */
__attribute__((__noreturn__, __used__)) void __kestrel_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **env_end = envp;
	while (*env_end)
		env_end++;
	/* First of all: errno and every other thread-local variable live in the TLS block. */
	__kestrel_tls_init((unsigned long *)(env_end + 1));
	environ = envp;
	for (size_t i = 0; i < (size_t)(__preinit_array_end - __preinit_array_start); i++)
		__preinit_array_start[i](argc, argv, envp);
	for (size_t i = 0; i < (size_t)(__init_array_end - __init_array_start); i++)
		__init_array_start[i](argc, argv, envp);
	exit(main(argc, argv, envp));
}

#define ATEXIT_SLOTS 64

static void (*atexit_fns[ATEXIT_SLOTS])(void);
static int atexit_count;

int atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_SLOTS)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

void exit(int status)
{
	/* Handlers run in reverse order of registration; one that calls exit() again
	 * continues with the handlers not yet run (as glibc does). */
	while (atexit_count > 0)
		atexit_fns[--atexit_count]();
	static int fini_done;
	if (!fini_done) {
		fini_done = 1;
		size_t n = (size_t)(__fini_array_end - __fini_array_start);
		while (n > 0)
			__fini_array_start[--n]();
	}
	__kestrel_flush_all();
	_exit(status);
}

void _Exit(int status)
{
	_exit(status);
}

void _exit(int status)
{
	uint64_t meta[2] = {KESTREL_PROC_EXIT, (uint64_t)(status & 0xff)};
	__kestrel_proc_call(meta, 2, NULL, 0);
	/* No proc handle to exit through: end by an invalid instruction rather than run on. */
	for (;;)
		__asm__ volatile("ud2");
}
