//! Host tests: the header modules' pure logic, `ftok` and the `sys/sem.h` and `sys/msg.h`
//! calls against the stand-in kernel of `platform::sys` (which records how each call is
//! encoded), and the C headers compiled by the host C compiler and compared with the Rust
//! definitions and with the host's glibc (the Linux x86_64 reference).

mod c_headers;
mod c_headers_msg;
mod c_headers_sem;
mod sys_ipc;
mod sys_msg;
mod sys_sem;
