//! `/scheme/debug`: the console. Writes go to the serial port; reads find no input.

use alloc::string::String;

use kestrel_abi::syscall::{EVENT_READ, EVENT_WRITE, MODE_CHR, Stat};

use super::{Caller, KernelScheme, Result};

/// The console scheme.
pub struct DebugScheme;

impl KernelScheme for DebugScheme {
    fn open(&self, _path: &str, _flags: usize, _caller: &mut Caller<'_>) -> Result<usize> {
        Ok(0)
    }

    fn read(&self, _handle: usize, _buf: &mut [u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        // No console input: end of file.
        Ok(0)
    }

    fn write(&self, _handle: usize, buf: &[u8], _nonblock: bool, _caller: &mut Caller<'_>) -> Result<usize> {
        crate::arch::serial::Console::write_bytes(buf);
        Ok(buf.len())
    }

    fn fstat(&self, _handle: usize) -> Result<Stat> {
        Ok(Stat { st_mode: MODE_CHR | 0o620, ..Stat::default() })
    }

    fn fpath(&self, _handle: usize) -> Result<String> {
        Ok(String::new())
    }

    /// Writable, and readable too: a read returns at once (end of file), which is what
    /// readiness promises (POSIX counts end of file as readable).
    fn poll(&self, _handle: usize) -> usize {
        EVENT_READ | EVENT_WRITE
    }

    fn close(&self, _handle: usize) {}
}
