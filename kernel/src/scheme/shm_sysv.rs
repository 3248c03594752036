//! System V shared memory on `/scheme/shm`'s root: not yet served (ENOSYS).

use super::{Caller, Result};

/// A call on the scheme's root.
pub fn call(_payload: &mut [u8], _metadata: &[u64], _caller: &mut Caller<'_>) -> Result<usize> {
    Err(crate::errno::ENOSYS)
}
