//! Architecture support. Only x86_64 exists; the rest of the kernel names `arch::*`
//! items so that a second architecture would slot in here.

pub mod x86_64;

pub use self::x86_64::*;
