//! relibc's error type and return helpers (its `src/error.rs`), under the same names, so
//! that the modules shipped into relibc read the same in both builds: platform functions
//! return [`Result`] with an [`Errno`], and the C functions turn it into the C convention
//! with [`ResultExt::or_minus_one_errno`] or [`ResultExtPtrMut::or_errno_null_mut`].

use crate::platform::types::c_int;

/// Positive error codes (`EINVAL`, not `-EINVAL`).
#[derive(Debug, Eq, PartialEq)]
pub struct Errno(pub c_int);

impl Errno {
    /// Stores the code in the calling thread's `errno` and passes it on.
    pub fn sync(self) -> Self {
        crate::platform::ERRNO.set(self.0);
        self
    }
}

/// A platform function's result.
pub type Result<T, E = Errno> = core::result::Result<T, E>;

impl From<syscall::Error> for Errno {
    #[inline]
    fn from(value: syscall::Error) -> Self {
        Errno(value.errno)
    }
}

impl From<Errno> for syscall::Error {
    #[inline]
    fn from(value: Errno) -> Self {
        syscall::Error::new(value.0)
    }
}

/// The C convention for a function that returns a number: the value, or -1 with `errno`
/// set.
pub trait ResultExt<T> {
    fn or_minus_one_errno(self) -> T;
}

impl<T: From<i8>> ResultExt<T> for Result<T, Errno> {
    fn or_minus_one_errno(self) -> T {
        match self {
            Self::Ok(v) => v,
            Self::Err(Errno(errno)) => {
                crate::platform::ERRNO.set(errno);
                T::from(-1)
            }
        }
    }
}

/// The C convention for a function that returns a pointer: the pointer, or null with
/// `errno` set.
pub trait ResultExtPtrMut<T> {
    fn or_errno_null_mut(self) -> *mut T;
}

impl<T> ResultExtPtrMut<T> for Result<*mut T, Errno> {
    fn or_errno_null_mut(self) -> *mut T {
        match self {
            Self::Ok(ptr) => ptr,
            Self::Err(Errno(errno)) => {
                crate::platform::ERRNO.set(errno);
                core::ptr::null_mut()
            }
        }
    }
}
