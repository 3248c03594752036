#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/types.h>

#include "test_helpers.h"

int main(int argc, char **argv)
{
    (void)argc;

    // The program's own file exists wherever the test runs.
    key_t key = ftok(argv[0], 1);
    ERROR_IF(ftok, key, == -1);

    key_t again = ftok(argv[0], 1);
    ERROR_IF(ftok, again, == -1);
    printf("same path and id, same key: %s\n", key == again ? "yes" : "no");

    key_t other = ftok(argv[0], 'b');
    ERROR_IF(ftok, other, == -1);
    printf("another id, same low 24 bits: %s\n",
           (key & 0xffffff) == (other & 0xffffff) ? "yes" : "no");
    printf("the id in the high byte: %#x, %#x\n",
           (unsigned int)key >> 24, (unsigned int)other >> 24);

    // Only the id's low 8 bits count.
    key_t wide = ftok(argv[0], 0x101);
    ERROR_IF(ftok, wide, == -1);
    printf("id 0x101 gives the key of id 1: %s\n", wide == key ? "yes" : "no");

    errno = 0;
    key_t missing = ftok("example_dir/no-such-file-for-ftok", 1);
    UNEXP_IF(ftok, missing, != -1);
    CHECK_AND_PRINT_ERRNO(ENOENT);

    return 0;
}
