/* c_hello: the C runtime starts a program: hello world, argv, envp, environ, getenv,
 * atexit and constructors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static int constructed;

__attribute__((constructor)) static void before_main(void)
{
	constructed = 1;
}

static void at_exit(void)
{
	/* Runs after main returns; its output must still reach the console. */
	printf("c_hello: atexit handler ran\n");
}

int main(int argc, char **argv, char **envp)
{
	printf("hello, world\n");
	printf("argc = %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
	CHECK(argc >= 1);
	CHECK(argv[argc] == NULL);
	CHECK(strstr(argv[0], "c_hello") != NULL);
	CHECK(envp == environ);
	int n = 0;
	while (envp[n])
		n++;
	printf("%d environment strings\n", n);
	if (n > 0) {
		char name[64];
		size_t len = strcspn(envp[0], "=");
		if (len < sizeof name) {
			memcpy(name, envp[0], len);
			name[len] = '\0';
			CHECK(getenv(name) == envp[0] + len + 1);
		}
	}
	CHECK(getenv("KESTREL_NO_SUCH_VARIABLE") == NULL);
	CHECK(setenv("C_HELLO", "1", 0) == 0 && strcmp(getenv("C_HELLO"), "1") == 0);
	CHECK(setenv("C_HELLO", "2", 0) == 0 && strcmp(getenv("C_HELLO"), "1") == 0);
	CHECK(setenv("C_HELLO", "3", 1) == 0 && strcmp(getenv("C_HELLO"), "3") == 0);
	CHECK(unsetenv("C_HELLO") == 0 && getenv("C_HELLO") == NULL);
	CHECK(constructed == 1);
	CHECK(getpid() > 1);
	CHECK(getppid() >= 1);
	CHECK(atexit(at_exit) == 0);
	int status = check_summary("c_hello");
	/* Output without a newline is flushed by exit. */
	printf("c_hello: (unterminated line flushed at exit) ");
	return status;
}
