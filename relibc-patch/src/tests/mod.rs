//! Host tests: the header modules' pure logic, `ftok` against the stand-in kernel of
//! `platform::sys`, and the C header compiled by the host C compiler and compared with the
//! Rust definitions and with the host's glibc (the Linux x86_64 reference).

mod c_headers;
mod sys_ipc;
