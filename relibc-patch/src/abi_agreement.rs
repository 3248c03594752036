//! Compile-time agreement of the C types with the Linux x86_64 ABI and with the kernel's
//! side of it (`kestrel_abi`). The header modules check their own layouts with core-only
//! asserts, because they also build inside relibc; this module, which stays in this crate,
//! restates the numbers with `static_assertions` and compares them with the kernel's.

use core::mem::{offset_of, size_of};

use kestrel_abi::sysv::IpcPerm;
use static_assertions::{assert_eq_size, const_assert_eq};

use crate::header::sys_ipc::{self as ipc, ipc_perm};

// struct ipc_perm: Linux x86_64, glibc >= 2.31 (bits/ipc-perm.h), kernel ipc64_perm.
assert_eq_size!(ipc_perm, [u8; 48]);
const_assert_eq!(offset_of!(ipc_perm, __key), 0);
const_assert_eq!(offset_of!(ipc_perm, uid), 4);
const_assert_eq!(offset_of!(ipc_perm, gid), 8);
const_assert_eq!(offset_of!(ipc_perm, cuid), 12);
const_assert_eq!(offset_of!(ipc_perm, cgid), 16);
const_assert_eq!(offset_of!(ipc_perm, mode), 20);
const_assert_eq!(size_of::<crate::platform::mode_t>(), 4);
const_assert_eq!(offset_of!(ipc_perm, __seq), 24);
const_assert_eq!(offset_of!(ipc_perm, __pad2), 26);
const_assert_eq!(offset_of!(ipc_perm, __glibc_reserved1), 32);
const_assert_eq!(offset_of!(ipc_perm, __glibc_reserved2), 40);

// The kernel's IpcPerm is the same bytes. It splits mode into a u16 and a zero pad (glibc's
// layout before 2.31): on little-endian x86_64 a C `mode_t` at offset 20 reads the same
// value as long as the kernel keeps the pad zero.
assert_eq_size!(ipc_perm, IpcPerm);
const_assert_eq!(offset_of!(ipc_perm, __key), offset_of!(IpcPerm, key));
const_assert_eq!(offset_of!(ipc_perm, uid), offset_of!(IpcPerm, uid));
const_assert_eq!(offset_of!(ipc_perm, gid), offset_of!(IpcPerm, gid));
const_assert_eq!(offset_of!(ipc_perm, cuid), offset_of!(IpcPerm, cuid));
const_assert_eq!(offset_of!(ipc_perm, cgid), offset_of!(IpcPerm, cgid));
const_assert_eq!(offset_of!(ipc_perm, mode), offset_of!(IpcPerm, mode));
const_assert_eq!(offset_of!(ipc_perm, mode) + 2, offset_of!(IpcPerm, _pad1));
const_assert_eq!(offset_of!(ipc_perm, __seq), offset_of!(IpcPerm, seq));
const_assert_eq!(offset_of!(ipc_perm, __glibc_reserved1), offset_of!(IpcPerm, _reserved1));
const_assert_eq!(offset_of!(ipc_perm, __glibc_reserved2), offset_of!(IpcPerm, _reserved2));

// Values: Linux x86_64 (SEMANTICS.md, "ABI values").
const_assert_eq!(ipc::IPC_CREAT, 0o1000);
const_assert_eq!(ipc::IPC_EXCL, 0o2000);
const_assert_eq!(ipc::IPC_NOWAIT, 0o4000);
const_assert_eq!(ipc::IPC_RMID, 0);
const_assert_eq!(ipc::IPC_SET, 1);
const_assert_eq!(ipc::IPC_STAT, 2);
const_assert_eq!(ipc::IPC_INFO, 3);
const_assert_eq!(ipc::IPC_PRIVATE, 0);
assert_eq_size!(crate::platform::key_t, i32);
