#!/usr/bin/env python3
"""Small edits of relibc's own files for mkpatch's carriers, each idempotent.

  edit.py mod FILE NAME [TEXT]     insert TEXT (default `mod NAME;`) before the first
                                   `mod X;` line (optionally `pub`/`pub(crate)`) of FILE's
                                   module list whose X sorts after NAME (before that line's
                                   `pub use self::X::...;` if it has one), or after the last
  edit.py list FILE VAR NAME...    insert each NAME into the make variable VAR's
                                   backslash-continued list, in alphabetical place
  edit.py ipc_perm UPSTREAM OURS   replace UPSTREAM's `struct ipc_perm` (with its attributes)
                                   by OURS's (with its doc comment and layout asserts), in
                                   mod.rs, and add OURS's `trailer` (the size assert) to the
                                   cbindgen.toml beside each
"""
import re
import sys

MOD = re.compile(r"^(pub(\(crate\))? )?mod ([a-z0-9_]+);$")


def insert_mod(path, name, text):
    lines = open(path).read().split("\n")
    if text.split("\n")[-1] in lines:
        return
    mods = [(i, MOD.match(l).group(3)) for i, l in enumerate(lines) if MOD.match(l)]
    if not mods:
        sys.exit(f"edit.py: {path} has no module list")
    at = None
    for i, m in mods:
        if m > name:
            at = i
            if i > 0 and lines[i - 1].startswith(f"pub use self::{m}::"):
                at = i - 1
            break
    appended = at is None
    if appended:
        at = mods[-1][0] + 1
    new = text.split("\n")
    # A trait block (`pub use ...;` and `mod ...;`) is set off from its neighbours by a
    # blank line.
    if new[0].startswith("pub use "):
        new = [""] + new if appended else new + [""]
    lines[at:at] = new
    open(path, "w").write("\n".join(lines))


def insert_list(path, var, names):
    lines = open(path).read().split("\n")
    start = lines.index(f"{var}=\\")
    end = start + 1
    while lines[end].endswith("\\"):
        end += 1
    entries = [l.strip().rstrip("\\").strip() for l in lines[start + 1 : end + 1]]
    for name in names:
        if name in entries:
            continue
        pos = next((k for k, e in enumerate(entries) if e > name), len(entries))
        entries.insert(pos, name)
    body = [f"\t{e} \\" for e in entries[:-1]] + [f"\t{entries[-1]}"]
    lines[start + 1 : end + 1] = body
    open(path, "w").write("\n".join(lines))


def splice_ipc_perm(upstream, ours):
    up = open(upstream).read()
    src = open(ours).read()
    # Ours: from the struct's doc comment to the end of the layout asserts.
    a = src.index("/// The owner, creator and access mode")
    b = src.index("};\n", src.index("const _: () = {", a)) + 3
    block = src[a:b]
    # Upstream's: the attributes and the struct.
    m = re.search(r"#\[repr\(C\)\]\n#\[derive\([^)]*\)\]\npub struct ipc_perm \{.*?\n\}\n", up, re.S)
    if not m:
        sys.exit("edit.py: no struct ipc_perm in " + upstream)
    up = up[: m.start()] + block + up[m.end() :]
    up = up.replace("c_ushort, gid_t", "c_ulong, c_ushort, gid_t", 1)
    up = "use core::mem::{offset_of, size_of};\n\n" + up
    open(upstream, "w").write(up)
    # The generated header's size assert: OURS's cbindgen trailer, before `language`.
    up_toml = upstream.replace("mod.rs", "cbindgen.toml")
    ours_toml = open(ours.replace("mod.rs", "cbindgen.toml")).read()
    t = ours_toml.index('trailer = """')
    trailer = ours_toml[t : ours_toml.index('"""', t + 13) + 4]
    toml = open(up_toml).read()
    if "trailer = " not in toml:
        toml = toml.replace('language = "C"', trailer + 'language = "C"', 1)
        open(up_toml, "w").write(toml)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "mod":
        insert_mod(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else f"mod {sys.argv[3]};")
    elif cmd == "list":
        insert_list(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "ipc_perm":
        splice_ipc_perm(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
