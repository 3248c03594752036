# Sourced by mkpatch: builds the carrier series as commits in a relibc worktree.
#
# build_series TREE   TREE is a clean relibc worktree (at $UPSTREAM); each carrier below is
#                     installed, formatted with relibc's rustfmt.toml and committed with its
#                     message from carriers/NN-NAME.msg, in order. Afterwards `git
#                     format-patch` of the commits is the series, and their sum the whole
#                     patch. Needs $here (relibc-patch/), relibc_rustfmt and die from mkpatch.
#
# Carriers, in apply order (each applies on top of the previous ones):
#   ipc_perm        sys/ipc.h's struct ipc_perm as Linux x86_64 lays it out (alone)
#   kestrel-platform  the schemes' protocol (src/platform/kestrel_protocol.rs: kestrel's
#                   abi/src/protocol.rs, byte for byte), the kestrel scheme descriptors
#                   (src/platform/redox/kestrel_scheme.rs) and the headers' adapter
#                   (src/header/_kestrel/)
#   sys_ipc         the rest of sys/ipc.h (IPC_INFO, ftok)
#   sys_sem sys_msg sys_shm mqueue sys_timerfd sys_eventfd sys_signalfd semaphore
#                   one per header: its module, and for all but semaphore its platform
#                   trait with the Redox and Linux backends
#   tests           the relibc-style tests of relibc-tests/, registered in tests/

# Every Rust file any carrier adds or changes (relative to the tree), for mkpatch's checks.
rust_files=()

series_edit() { python3 "$here/carriers/edit.py" "$@" || die "carriers/edit.py $* failed"; }

# Copies relibc-patch/$1 to TREE/$2, noting a Rust file for formatting.
carrier_install() {
  mkdir -p "$(dirname "$series_tree/$2")"
  install -m 644 "$here/$1" "$series_tree/$2"
  case $2 in *.rs) carrier_rust+=("$2") ;; esac
}

# Formats the carrier's Rust files and commits everything changed as carrier $1.
carrier_commit() {
  local msg=$here/carriers/$1.msg
  [ -f "$msg" ] || die "no commit message $msg"
  if [ ${#carrier_rust[@]} -gt 0 ]; then
    relibc_rustfmt "$series_tree" "${carrier_rust[@]/#/$series_tree/}"
    rust_files+=("${carrier_rust[@]}")
  fi
  git -C "$series_tree" add -A
  # A fixed author and date, so that the same sources give the same series.
  GIT_AUTHOR_NAME="kestrel relibc-patch" GIT_AUTHOR_EMAIL="relibc-patch@kestrel.invalid" \
    GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_NAME="kestrel relibc-patch" \
    GIT_COMMITTER_EMAIL="relibc-patch@kestrel.invalid" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" \
    git -C "$series_tree" commit -q --no-verify -F "$msg"
  carrier_rust=()
}

# A header module: every file of relibc-patch/src/header/$1/.
carrier_header() {
  local file
  for file in "$here/src/header/$1"/*; do
    carrier_install "src/header/$1/$(basename "$file")" "src/header/$1/$(basename "$file")"
  done
  carrier_rust+=(src/header/mod.rs)
}

# A platform family: its trait and both backends, and their registration.
carrier_family() {
  local family=$1 trait layer
  trait=Pal$(echo "$family" | sed -E 's/(^|_)([a-z])/\U\2/g')
  for layer in pal redox linux; do
    carrier_install "src/platform/$layer/$family.rs" "src/platform/$layer/$family.rs"
  done
  series_edit mod "$series_tree/src/platform/pal/mod.rs" "$family" "pub use self::$family::$trait;
mod $family;"
  series_edit mod "$series_tree/src/platform/redox/mod.rs" "$family"
  series_edit mod "$series_tree/src/platform/linux/mod.rs" "$family"
  local platform_mod=$series_tree/src/platform/mod.rs
  grep -qx 'mod pal;' "$platform_mod" || die "src/platform/mod.rs has no 'mod pal;' line to anchor on"
  grep -q "\b$trait\b" "$platform_mod" || sed -i "s/^mod pal;\$/pub use self::pal::$trait;\n&/" "$platform_mod"
  carrier_rust+=(src/platform/mod.rs src/platform/pal/mod.rs src/platform/redox/mod.rs src/platform/linux/mod.rs)
}

# `pub mod $1;` in place of relibc's `// TODO: $2.h` line.
register_todo() {
  local header_mod=$series_tree/src/header/mod.rs
  grep -qx "pub mod $1;" "$header_mod" && return
  grep -qx "// TODO: $2.h" "$header_mod" || die "src/header/mod.rs has no '// TODO: $2.h' line to replace"
  sed -i "s|^// TODO: $2.h\$|pub mod $1;|" "$header_mod"
}

# `pub mod $2;` after `pub mod $1;` (upstream has no line for it).
register_after() {
  local header_mod=$series_tree/src/header/mod.rs
  grep -qx "pub mod $2;" "$header_mod" && return
  grep -qx "pub mod $1;" "$header_mod" || die "src/header/mod.rs has no 'pub mod $1;' line to anchor on"
  sed -i "s/^pub mod $1;\$/&\npub mod $2;/" "$header_mod"
}

# relibc's signal.h with Linux's si_code values for SI_TIMER, SI_ASYNCIO and SI_MESGQ (-2,
# -4, -3; upstream has 1, 2, 3), which the kernel delivers (SI_MESGQ with mq_notify's
# SIGEV_SIGNAL) and which SI_USER (0) and SI_QUEUE (-1) already follow.
linux_si_codes() {
  local constants=$series_tree/src/header/signal/constants.rs
  grep -qx 'pub const SI_MESGQ: i32 = -3;' "$constants" && return
  grep -qx 'pub const SI_TIMER: i32 = 1;' "$constants" &&
    grep -qx 'pub const SI_ASYNCIO: i32 = 2;' "$constants" &&
    grep -qx 'pub const SI_MESGQ: i32 = 3;' "$constants" ||
    die "src/header/signal/constants.rs has changed shape: no SI_TIMER 1, SI_ASYNCIO 2, SI_MESGQ 3"
  sed -i -e 's/^pub const SI_TIMER: i32 = 1;$/pub const SI_TIMER: i32 = -2;/' \
    -e 's/^pub const SI_ASYNCIO: i32 = 2;$/pub const SI_ASYNCIO: i32 = -4;/' \
    -e 's/^pub const SI_MESGQ: i32 = 3;$/pub const SI_MESGQ: i32 = -3;/' "$constants"
}

build_series() {
  series_tree=$1
  carrier_rust=()

  # 1. struct ipc_perm alone, in upstream's sys/ipc.h.
  series_edit ipc_perm "$series_tree/src/header/sys_ipc/mod.rs" "$here/src/header/sys_ipc/mod.rs"
  carrier_rust+=(src/header/sys_ipc/mod.rs)
  carrier_commit 01-ipc_perm

  # 2. The schemes' protocol, the scheme descriptors and the adapter. The protocol is
  # kestrel's abi/src/protocol.rs itself (the kernel's kestrel_abi::protocol), shipped byte
  # for byte: relibc's rustfmt must leave it as it is.
  carrier_install ../abi/src/protocol.rs src/platform/kestrel_protocol.rs
  series_edit mod "$series_tree/src/platform/mod.rs" kestrel_protocol \
    "// The wire protocol of kestrel's IPC schemes (kestrel's abi/src/protocol.rs, as it is).
pub mod kestrel_protocol;"
  carrier_install src/platform/redox/kestrel_scheme.rs src/platform/redox/kestrel_scheme.rs
  series_edit mod "$series_tree/src/platform/redox/mod.rs" kestrel_scheme
  carrier_install relibc/platform.rs src/header/_kestrel/mod.rs
  local header_mod=$series_tree/src/header/mod.rs
  grep -qx 'pub mod _kestrel;' "$header_mod" || {
    grep -qx 'pub mod _fenv;' "$header_mod" || die "src/header/mod.rs has no 'pub mod _fenv;' line to anchor on"
    sed -i 's/^pub mod _fenv;$/&\n\/\/ Platform adapter of the kestrel IPC headers; not a C header.\npub mod _kestrel;/' "$header_mod"
  }
  carrier_rust+=(src/platform/mod.rs src/platform/redox/mod.rs src/header/mod.rs)
  carrier_commit 02-kestrel-platform
  cmp -s "$here/../abi/src/protocol.rs" "$series_tree/src/platform/kestrel_protocol.rs" ||
    die "relibc's rustfmt changed abi/src/protocol.rs: make its text satisfy both configurations"

  # 3 ... 11. One per header.
  carrier_header sys_ipc
  carrier_commit 03-sys_ipc
  carrier_header sys_sem && register_todo sys_sem sys/sem && carrier_family sysv_sem
  carrier_commit 04-sys_sem
  carrier_header sys_msg && register_todo sys_msg sys/msg && carrier_family sysv_msg
  carrier_commit 05-sys_msg
  carrier_header sys_shm && carrier_family sysv_shm
  carrier_commit 06-sys_shm
  carrier_header mqueue && register_todo mqueue mqueue && carrier_family mqueue && linux_si_codes
  carrier_commit 07-mqueue
  carrier_header sys_timerfd && register_after sys_timeb sys_timerfd && carrier_family timerfd
  carrier_commit 08-sys_timerfd
  carrier_header sys_eventfd && register_after sys_epoll sys_eventfd && carrier_family eventfd
  carrier_commit 09-sys_eventfd
  carrier_header sys_signalfd && register_after sys_shm sys_signalfd && carrier_family signalfd
  carrier_commit 10-sys_signalfd
  carrier_header semaphore
  carrier_commit 11-semaphore

  # 12. The tests, in relibc's tests/ layout, listed in EXPECT_NAMES.
  local name names=()
  while read -r name; do
    [ -n "$name" ] || continue
    carrier_install "relibc-tests/$name.c" "tests/$name.c"
    carrier_install "relibc-tests/expected/$name.stdout" "tests/expected/$name.stdout"
    names+=("$name")
  done <"$here/relibc-tests/NAMES"
  series_edit list "$series_tree/tests/Makefile.tests.mk" EXPECT_NAMES "${names[@]}"
  carrier_commit 12-tests

  # Each file once, for the checks.
  mapfile -t rust_files < <(printf '%s\n' "${rust_files[@]}" | sort -u)
}
