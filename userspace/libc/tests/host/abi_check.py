#!/usr/bin/env python3
"""Compares the C runtime's ABI constants (printed by abi_values) with the kernel's
definitions in abi/src/*.rs, and the errno values of errno.h with abi/src/lib.rs.
usage: abi_values | abi_check.py REPO_ROOT"""
import re
import sys

root = sys.argv[1]
consts = {}
for name in ["syscall.rs", "signal.rs", "proc.rs", "lib.rs"]:
    text = open(f"{root}/abi/src/{name}").read()
    for m in re.finditer(r"^\s*(?:pub )?const (\w+): \w+ = ([^;]+);", text, re.M):
        expr = re.sub(r"\b0x[0-9a-fA-F_]+|\b\d[\d_]*", lambda n: n.group(0).replace("_", ""), m.group(2))
        expr = expr.replace("usize::BITS", "64")
        # Names used in expressions refer to constants defined earlier.
        expr = re.sub(r"\b([A-Z][A-Z0-9_]*)\b", lambda n: str(consts.get(n.group(1), n.group(1))), expr)
        try:
            consts[m.group(1)] = eval(expr)
        except Exception:
            pass

# The struct sizes are fixed by static assertions in abi/src/syscall.rs.
consts["sizeof(TimeSpec)"] = 16
consts["sizeof(Map)"] = 32
consts["sizeof(Event)"] = 24
consts["sizeof(Stat)"] = 104
consts["offsetof(Stat.st_ctime_nsec)"] = 96
consts["SIG_DFL"] = 0
consts["SIG_IGN"] = 1

bad = 0
seen = 0
for line in sys.stdin:
    name, value = line.split()
    if name not in consts:
        print(f"abi_check: {name} not found in abi/src")
        bad += 1
        continue
    seen += 1
    if consts[name] != int(value):
        print(f"abi_check: {name} is {value} in the C headers, {consts[name]} in abi/src")
        bad += 1

errno_h = open(f"{root}/userspace/libc/include/errno.h").read()
c_errno = dict((m.group(1), int(m.group(2))) for m in re.finditer(r"#define (E\w+) (\d+)", errno_h))
lib = open(f"{root}/abi/src/lib.rs").read()
for m in re.finditer(r"pub const (E\w+): i32 = (\d+);", lib):
    seen += 1
    if c_errno.get(m.group(1)) != int(m.group(2)):
        print(f"abi_check: {m.group(1)} is {c_errno.get(m.group(1))} in errno.h, {m.group(2)} in abi/src")
        bad += 1
print(f"abi_check: {seen} values compared, {bad} differ")
sys.exit(1 if bad else 0)
