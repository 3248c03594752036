//! The C types, under relibc's path for them (`crate::platform::types`): the guest's
//! `sys/types.h` (glibc's x86_64 choices).

#![allow(non_camel_case_types)]

pub use core::ffi::{c_char, c_int, c_long, c_short, c_uint, c_ulong, c_ushort, c_void};

/// `key_t`: System V IPC keys.
pub type key_t = c_int;
/// `uid_t`.
pub type uid_t = u32;
/// `gid_t`.
pub type gid_t = u32;
/// `mode_t`.
pub type mode_t = u32;
/// `size_t`.
pub type size_t = usize;
/// `ssize_t`.
pub type ssize_t = isize;
/// `pid_t`.
pub type pid_t = c_int;
/// `clockid_t`.
pub type clockid_t = c_int;
/// `time_t`: 64-bit seconds.
pub type time_t = i64;
/// `sigset_t`: the C runtime's `signal.h` has one 64-bit word, a bit per signal (bit N-1
/// for signal N).
pub type sigset_t = c_ulong;
