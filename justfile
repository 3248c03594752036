# kestrel: a Rust x86_64 microkernel with in-kernel System V and POSIX IPC.
# On a fresh machine use ./x RECIPE, which installs just, QEMU and GRUB first.

set shell := ["bash", "-euo", "pipefail", "-c"]

kernel_elf := justfile_directory() / "target/release/kernel"
iso := justfile_directory() / "target/kestrel.iso"
initfs_img := justfile_directory() / "target/initfs.img"
qemu_run := "cargo run -q --release -p integration --bin qemu-run --"

# Build the kernel, boot it under QEMU and run the default guest suite.
default: qemu

# Build the kernel ELF and print its path.
kernel:
    cargo build -q -p kernel --release
    @echo "{{kernel_elf}}"

# Build the guest programs and pack init, t_helper and every t_* test (listed in the
# manifest, except t_helper) into target/initfs.img; print its path.
initfs:
    cargo build -q -p userspace --release
    tests=$(cd userspace/src/bin && ls t_*.rs stress_*.rs | sed 's/\.rs$//' | grep -vx t_helper); \
    cargo run -q --release -p integration --bin mkinitfs -- "{{initfs_img}}" \
        --manifest "$tests" target/release/init target/release/t_helper $(printf 'target/release/%s ' $tests)

# Build the guest C sysroot (headers, crt0.o, libc.a, the relibc-patch wrapper, and the
# kestrel-cc compiler wrapper) into target/sysroot.
sysroot:
    scripts/mksysroot "{{justfile_directory()}}/target/sysroot"

# Compile FILE.c against the sysroot, boot it as the only guest program, stream its
# output, and exit with its exit status.
run-c FILE *ARGS: kernel sysroot
    cargo build -q -p userspace --release --bin init
    scripts/run-c "{{FILE}}" {{ARGS}}

# Run a guest stress test: `just stress sem [PROCS [SEMS [SECONDS]]]` (default 32 16 3).
stress NAME *ARGS: kernel
    cargo build -q -p userspace --release --bin init --bin "stress_{{NAME}}"
    scripts/run-guest "{{justfile_directory()}}/target/release/stress_{{NAME}}" {{ARGS}}

# Boot the kernel under QEMU (PVH entry) with the guest programs; init runs the guest
# test suite. Extra words go on the kernel command line.
qemu *CMDLINE: kernel initfs
    {{qemu_run}} --append "{{CMDLINE}}" --initrd "{{initfs_img}}" "{{kernel_elf}}"

# Build a BIOS+UEFI GRUB ISO that boots the kernel (multiboot2) with the guest programs.
iso *CMDLINE: kernel initfs
    scripts/mkiso --initfs "{{initfs_img}}" "{{kernel_elf}}" "{{iso}}" {{CMDLINE}}

# Boot the ISO under SeaBIOS and then under OVMF (the bare-hardware paths).
qemu-iso: iso
    {{qemu_run}} --firmware bios "{{iso}}"
    {{qemu_run}} --firmware uefi "{{iso}}"

# Run every test: host unit tests, QEMU boots (ELF and ISO, BIOS and UEFI), the guest suite.
test: kernel initfs
    KESTREL_KERNEL="{{kernel_elf}}" KESTREL_INITFS="{{initfs_img}}" cargo test --workspace

# Formatting and lints, warnings denied.
check:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -q -- -D warnings
