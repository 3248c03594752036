# kestrel: a Rust x86_64 microkernel with in-kernel System V and POSIX IPC.
# On a fresh machine use ./x RECIPE, which installs just, QEMU and GRUB first.

set shell := ["bash", "-euo", "pipefail", "-c"]

kernel_elf := justfile_directory() / "target/release/kernel"
iso := justfile_directory() / "target/kestrel.iso"
initfs_img := justfile_directory() / "target/initfs.img"
qemu_run := "cargo run -q --release -p integration --bin qemu-run --"
# The machine's CPU count for qemu, qemu-iso, run-c, stress and fuzz: `just cpus=4 qemu`.
cpus := "1"

# Build the kernel, boot it under QEMU and run the default guest suite.
default: qemu

# Build the kernel ELF and print its path.
kernel:
    cargo build -q -p kernel --release
    @echo "{{kernel_elf}}"

# Build the guest programs (Rust, the C tests and the operator tools ipcs and ipcrm against
# the sysroot) and pack them with a manifest of every test into target/initfs.img; print
# its path.
initfs:
    cargo run -q --release -p integration --bin guest-initfs

# Build the guest C sysroot (headers, crt0.o, libc.a, the relibc-patch wrapper, and the
# kestrel-cc compiler wrapper) into target/sysroot.
sysroot:
    scripts/mksysroot "{{justfile_directory()}}/target/sysroot"

# Compile C sources against the sysroot, boot the program as the only guest program,
# stream its output, and exit with its exit status:
# `just run-c [CFLAGS...] FILE.c [MORE.c...] [--] [ARGS...]` (see scripts/run-c).
[no-exit-message]
[positional-arguments]
run-c +ARGS: kernel sysroot
    cargo build -q -p userspace --release --bin init
    KESTREL_RUN_CPUS={{cpus}} scripts/run-c "$@"

# Boot the kernel with the guest programs, stopped at the first instruction under QEMU's
# gdb stub, and attach gdb with the kernel's symbols (`just gdb [CMDLINE]`; `continue` to
# boot, `break kernel::start::start`, ...). The kernel's text is at its link addresses.
# Quitting gdb ends the machine.
gdb *CMDLINE: kernel initfs
    cargo build -q --release -p integration --bin qemu-run
    {{qemu_run}} --gdb --timeout 86400 --append "{{CMDLINE}}" --initrd "{{initfs_img}}" "{{kernel_elf}}" & \
      gdb -q -x scripts/kestrel.gdb "{{kernel_elf}}"; wait

# Run a guest stress test: `just stress sem [PROCS [SEMS [SECONDS]]]` (default 32 16 3),
# `just stress msg [PROCS [SECONDS]]` (default 16 3), `just stress mq [PROCS [SECONDS]]`
# (default 12 3: worker processes of 1 to 3 threads, run time), `just stress shm [PROCS
# [SEGMENTS [SECONDS]]]` (default 8 6 3: worker processes, shared memory segments, run time),
# `just stress all [SECONDS]` (default 3: all of those at once, with descriptor workers and
# the resource counts checked), `just stress leaks [CYCLES [LIFETIMES]]` (default 100000 10000: create/use/destroy rounds
# of every object kind and process lifetimes, after which every count of /scheme/sys/resources
# must be back; the guest suite runs it short as c_leaks).
[no-exit-message]
[positional-arguments]
stress NAME *ARGS: kernel
    #!/usr/bin/env bash
    set -euo pipefail
    export KESTREL_RUN_CPUS={{cpus}}
    shift
    if [ "{{NAME}}" = all ]; then
        cargo build -q -p userspace --release --bin init --bin stress_all --bin stress_sem --bin stress_msg --bin stress_mq --bin stress_shm
        bin="{{justfile_directory()}}/target/release"
        KESTREL_RUN_FILES="$bin/stress_sem $bin/stress_msg $bin/stress_mq $bin/stress_shm" scripts/run-guest "$bin/stress_all" "$@"
    elif [ "{{NAME}}" = leaks ]; then
        scripts/mksysroot "{{justfile_directory()}}/target/sysroot"
        cargo build -q -p userspace --release --bin init
        RUN_TIMEOUT=${RUN_TIMEOUT:-3600} scripts/run-c userspace/c-tests/c_leaks.c -- "${1:-100000}" "${2:-10000}"
    else
        cargo build -q -p userspace --release --bin init --bin "stress_{{NAME}}"
        scripts/run-guest "{{justfile_directory()}}/target/release/stress_{{NAME}}" "$@"
    fi

# Fuzz the kernel: `just fuzz [SECONDS [SEED [WORKERS]]]` (default 60 s, seed 1, 4 workers,
# half without privileges) makes random system and scheme calls with random and edge-case
# arguments, replaces workers that die or sleep for good, and reports calls per second; a
# kernel panic or hang fails it. KESTREL_RUN_KERNEL=target/debug/kernel fuzzes the debug
# kernel (lock-order checks live).
[no-exit-message]
[positional-arguments]
fuzz *ARGS: kernel
    cargo build -q -p userspace --release --bin init --bin fuzz
    KESTREL_RUN_CPUS={{cpus}} RUN_TIMEOUT=${RUN_TIMEOUT:-$(( ${1:-60} + 300 ))} scripts/run-guest "{{justfile_directory()}}/target/release/fuzz" "${1:-60}" "${2:-1}" ${3:+"$3"}

# Boot the kernel under QEMU (PVH entry) with the guest programs; init runs the guest
# test suite. Extra words go on the kernel command line; `just cpus=4 qemu` gives the
# machine four CPUs.
qemu *CMDLINE: kernel initfs
    {{qemu_run}} --smp {{cpus}} --append "{{CMDLINE}}" --initrd "{{initfs_img}}" "{{kernel_elf}}"

# Build a BIOS+UEFI GRUB ISO that boots the kernel (multiboot2) with the guest programs.
# Its menu: the guest suite (default), the suite ending in power-off or a halt, each
# stress test, the leak test and the benchmark (see scripts/mkiso). Extra words go on
# every entry's kernel command line.
iso *CMDLINE: kernel initfs
    scripts/mkiso --initfs "{{initfs_img}}" "{{kernel_elf}}" "{{iso}}" {{CMDLINE}}

# Boot the ISO under SeaBIOS and then under OVMF (the bare-hardware paths).
qemu-iso: iso
    {{qemu_run}} --smp {{cpus}} --firmware bios "{{iso}}"
    {{qemu_run}} --smp {{cpus}} --firmware uefi "{{iso}}"

# Run every test: host unit tests, QEMU boots (ELF and ISO, BIOS and UEFI, 1 to 4 CPUs), the
# guest suite (on the release kernel on 1 and 4 CPUs, and on the debug kernel, whose
# lock-order checks are live, on 2).
test: kernel initfs
    cargo build -q -p kernel
    KESTREL_KERNEL="{{kernel_elf}}" KESTREL_DEBUG_KERNEL="{{justfile_directory()}}/target/debug/kernel" KESTREL_INITFS="{{initfs_img}}" cargo test --workspace

# Formatting and lints, warnings denied.
check:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -q -- -D warnings

# Run the benchmark (bench/ipcbench.c and its row files) on kestrel and on Linux (Debian's
# kernel, fetched once into target/bench/linux) in the same QEMU configuration; print both
# and the ratio. Options: --icount (QEMU -icount shift=0: guest instructions per operation,
# the same every run, instead of wall time), --scale N (percent of the default iterations),
# --runs N, --ours-only, --linux-only, --timeout SECS, --stream. Without a sysroot the
# kestrel column is n/a.
bench *ARGS: kernel
    cargo build -q -p userspace --release --bin init
    {{just_executable()}} sysroot || echo "bench: just sysroot failed: kestrel's column will be n/a" >&2
    cargo run -q --release -p integration --bin bench -- {{ARGS}}

# A few-iteration run of the benchmark on kestrel only: every row must print a number.
bench-smoke: kernel
    KESTREL_KERNEL="{{kernel_elf}}" cargo test -q -p integration --test bench_smoke -- --nocapture
