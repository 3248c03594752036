#!/usr/bin/env bash
# Host-side checks of the C runtime (run on the build machine, not in the guest):
# - abi_check: the headers' syscall numbers, flags, signal and errno values against the
#   kernel's abi/src/*.rs;
# - glibc_values: the Linux-valued constants, layouts and prototypes (sys/mman.h,
#   sys/stat.h, pwd.h, grp.h, the scanf family, strtod) against the host's glibc;
# - printf_diff: the printf formatter against glibc on random formats and values;
# - strto_diff: strtol and friends against glibc;
# - strtod_diff: strtod and strtof against glibc (and the hardware where glibc errs);
# - scanf_diff: the scanf scanner against glibc on random formats and inputs.
# usage: run.sh [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
libc=$(cd "$here/../.." && pwd)
repo=$(cd "$libc/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc_include=$(gcc -print-file-name=include)
gcc -nostdinc -isystem "$libc/include" -isystem "$gcc_include" -fno-builtin \
  -c "$here/abi_values.c" -o "$work/abi_values.o"
gcc -o "$work/abi_values" "$work/abi_values.o"
"$work/abi_values" | python3 "$here/abi_check.py" "$repo"
gcc -nostdinc -isystem "$libc/include" -isystem "$gcc_include" -fno-builtin -Wall -Werror \
  -c "$here/glibc_values.c" -o "$work/glibc_values_ours.o"
gcc -o "$work/glibc_values_ours" "$work/glibc_values_ours.o"
gcc -Wall -Werror -o "$work/glibc_values_glibc" "$here/glibc_values.c"
if ! diff <("$work/glibc_values_ours") <("$work/glibc_values_glibc") >"$work/glibc_values.diff"; then
  echo "glibc_values: the runtime's headers (<) differ from glibc's (>):"
  cat "$work/glibc_values.diff"
  exit 1
fi
echo "glibc_values: $("$work/glibc_values_ours" | wc -l) values and offsets agree with glibc"
for src in format format_float printf string stdlib ctype floatscan floatvalue scanf; do
  gcc -std=gnu11 -O2 -ffreestanding -fno-builtin -nostdinc -isystem "$libc/include" -isystem "$gcc_include" \
    -fno-stack-protector -fno-tree-loop-distribute-patterns -c "$libc/src/$src.c" -o "$work/$src.o"
done
ld -r "$work/format.o" "$work/format_float.o" "$work/printf.o" "$work/string.o" "$work/stdlib.o" "$work/ctype.o" \
  "$work/floatscan.o" "$work/floatvalue.o" "$work/scanf.o" -o "$work/all.o"
objcopy --prefix-symbols=kx_ "$work/all.o" "$work/kx.o"
gcc -O1 -Wno-format -Wno-format-truncation -o "$work/printf_diff" "$here/printf_diff.c" "$here/kx_stubs.c" "$work/kx.o"
gcc -O1 -o "$work/strto_diff" "$here/strto_diff.c" "$here/kx_stubs.c" "$work/kx.o"
gcc -O1 -Wall -o "$work/strtod_diff" "$here/strtod_diff.c" "$here/kx_stubs.c" "$work/kx.o" -lm
gcc -O1 -Wall -Wno-format-nonliteral -o "$work/scanf_diff" "$here/scanf_diff.c" "$here/kx_stubs.c" "$work/kx.o"
"$work/printf_diff" "$@"
"$work/strto_diff" "$@"
"$work/strtod_diff" "$@"
"$work/scanf_diff" "$@"
