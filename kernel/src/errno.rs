//! [`Errno`]: a failed call's reason, with Linux's numbers.
//!
//! The rules and the glue return `Result<T, Errno>`; the system call boundary turns an
//! `Errno` into `-errno` in `rax`, once. The numbers are stated in `kestrel_abi::errno`,
//! which user programs share; here each is an `Errno` of the same name.

#![forbid(unsafe_code)]

use kestrel_abi::errno as number;

/// A Linux errno value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Errno(i32);

/// Kernel-internal, as Linux's ERESTARTSYS: a call a signal interrupted, to be made
/// again after the handler if its action has SA_RESTART (or if no handler runs), and to
/// fail with EINTR otherwise. It never reaches user space: the return path settles it
/// (`context::signal`).
pub const ERESTARTSYS: Errno = Errno(512);

/// Kernel-internal: a call running without the kernel lock (`context::kernel_lock`) came
/// to a user copy that needs the lock while it held a facility's lock, which comes after
/// it. The call has changed nothing yet; it is made again from the start under the lock
/// (`syscall::fs::call`), so this never reaches user space either.
pub const ENEEDLOCK: Errno = Errno(513);

/// Shorthand for the rules and the glue.
pub type Result<T> = core::result::Result<T, Errno>;

pub const EPERM: Errno = Errno(number::EPERM);
pub const ENOENT: Errno = Errno(number::ENOENT);
pub const ESRCH: Errno = Errno(number::ESRCH);
pub const EINTR: Errno = Errno(number::EINTR);
pub const EIO: Errno = Errno(number::EIO);
pub const E2BIG: Errno = Errno(number::E2BIG);
pub const ENOEXEC: Errno = Errno(number::ENOEXEC);
pub const EBADF: Errno = Errno(number::EBADF);
pub const ECHILD: Errno = Errno(number::ECHILD);
pub const EAGAIN: Errno = Errno(number::EAGAIN);
pub const ENOMEM: Errno = Errno(number::ENOMEM);
pub const EACCES: Errno = Errno(number::EACCES);
pub const EFAULT: Errno = Errno(number::EFAULT);
pub const EBUSY: Errno = Errno(number::EBUSY);
pub const EEXIST: Errno = Errno(number::EEXIST);
pub const EXDEV: Errno = Errno(number::EXDEV);
pub const ENODEV: Errno = Errno(number::ENODEV);
pub const ENOTDIR: Errno = Errno(number::ENOTDIR);
pub const EISDIR: Errno = Errno(number::EISDIR);
pub const EINVAL: Errno = Errno(number::EINVAL);
pub const EMFILE: Errno = Errno(number::EMFILE);
pub const ENOTTY: Errno = Errno(number::ENOTTY);
pub const EFBIG: Errno = Errno(number::EFBIG);
pub const ENOSPC: Errno = Errno(number::ENOSPC);
pub const ESPIPE: Errno = Errno(number::ESPIPE);
pub const EPIPE: Errno = Errno(number::EPIPE);
pub const ERANGE: Errno = Errno(number::ERANGE);
pub const ENAMETOOLONG: Errno = Errno(number::ENAMETOOLONG);
pub const ENOSYS: Errno = Errno(number::ENOSYS);
pub const ENOTEMPTY: Errno = Errno(number::ENOTEMPTY);
pub const ENOMSG: Errno = Errno(number::ENOMSG);
pub const EIDRM: Errno = Errno(number::EIDRM);
pub const EOVERFLOW: Errno = Errno(number::EOVERFLOW);
pub const EMSGSIZE: Errno = Errno(number::EMSGSIZE);
pub const EOPNOTSUPP: Errno = Errno(number::EOPNOTSUPP);
pub const ETIMEDOUT: Errno = Errno(number::ETIMEDOUT);
pub const ECANCELED: Errno = Errno(number::ECANCELED);

impl Errno {
    /// The errno with Linux number `number`, for numbers from outside the kernel's code
    /// (a host test's expectation, a user-supplied status).
    pub const fn from_raw(number: i32) -> Self {
        Self(number)
    }

    /// Its Linux number.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The value a system call returns for it in `rax`: `-errno`.
    pub const fn to_syscall_return(self) -> usize {
        (-(self.0 as isize)) as usize
    }
}

impl core::fmt::Debug for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match *self {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            ESRCH => "ESRCH",
            EINTR => "EINTR",
            EIO => "EIO",
            E2BIG => "E2BIG",
            ENOEXEC => "ENOEXEC",
            EBADF => "EBADF",
            ECHILD => "ECHILD",
            EAGAIN => "EAGAIN",
            ENOMEM => "ENOMEM",
            EACCES => "EACCES",
            EFAULT => "EFAULT",
            EBUSY => "EBUSY",
            EEXIST => "EEXIST",
            EXDEV => "EXDEV",
            ENODEV => "ENODEV",
            ENOTDIR => "ENOTDIR",
            EISDIR => "EISDIR",
            EINVAL => "EINVAL",
            EMFILE => "EMFILE",
            ENOTTY => "ENOTTY",
            EFBIG => "EFBIG",
            ENOSPC => "ENOSPC",
            ESPIPE => "ESPIPE",
            EPIPE => "EPIPE",
            ERANGE => "ERANGE",
            ENAMETOOLONG => "ENAMETOOLONG",
            ENOSYS => "ENOSYS",
            ENOTEMPTY => "ENOTEMPTY",
            ENOMSG => "ENOMSG",
            EIDRM => "EIDRM",
            EOVERFLOW => "EOVERFLOW",
            EMSGSIZE => "EMSGSIZE",
            EOPNOTSUPP => "EOPNOTSUPP",
            ETIMEDOUT => "ETIMEDOUT",
            ECANCELED => "ECANCELED",
            Self(n) => return write!(f, "Errno({n})"),
        };
        f.write_str(name)
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_linuxs() {
        assert_eq!(EINVAL.raw(), 22);
        assert_eq!(EIDRM.raw(), 43);
        assert_eq!(EINVAL.to_syscall_return(), (-22isize) as usize);
        assert_eq!(format!("{ENOMSG:?}"), "ENOMSG");
        assert_eq!(format!("{:?}", Errno::from_raw(200)), "Errno(200)");
    }
}
