//! Process management through the `proc` scheme.
//!
//! A process opens `/scheme/proc/self` once and issues `SYS_CALL` on that fd with
//! `metadata[0]` = the operation below and exactly the metadata words the table lists
//! for it (any other count is `EINVAL`); variable-size arguments travel in the payload.
//!
//! | op | metadata[1], [2] | payload | result |
//! |---|---|---|---|
//! | `PROC_SPAWN` | | [`SpawnArgs`] encoding | child pid |
//! | `PROC_FORK` | | | child pid in the parent, 0 in the child |
//! | `PROC_EXEC` | | [`SpawnArgs`] encoding | does not return on success |
//! | `PROC_EXIT` | status (0..=255) | | does not return |
//! | `PROC_WAITPID` | pid (`-1` as usize: any child), options (`WNOHANG`) | `i32` status out (4 bytes, may be empty) | pid, or 0 with WNOHANG and nothing ready |
//! | `PROC_KILL` | pid, signal (0: existence check) | | 0 |
//! | `PROC_GETPID` / `PROC_GETPPID` | | | pid |
//! | `PROC_THREAD_CREATE` | | [`ThreadArgs`] (32 bytes) | tid |
//! | `PROC_THREAD_EXIT` | | | does not return |
//! | `PROC_GETTID` | | | tid |
//! | `PROC_SHUTDOWN` | status (0 success, else failure); root only | | ends the machine |
//! | `PROC_SET_FS_BASE` | the calling thread's FS base (thread-local storage; below the user half's end, else EPERM) | | 0 |
//! | `PROC_GET_FS_BASE` | | | the calling thread's FS base |
//! | `PROC_TKILL` | tid (a thread of the calling process, else ESRCH), signal (0: existence check) | | 0 |
//! | `PROC_SET_ROBUST_LIST` | the head of the calling thread's robust futex list (Linux's `struct robust_list_head`), its size (24, else EINVAL) | | 0 |
//! | `PROC_FREE_FRAMES` | | | the kernel's free physical frames, counting those its caches of spare kernel stacks hold (for leak checks) |
//!
//! `kill` with pid 0 or a negative pid is not supported (no process groups): EINVAL.

pub const PROC_SPAWN: u64 = 1;
pub const PROC_FORK: u64 = 2;
pub const PROC_EXEC: u64 = 3;
pub const PROC_EXIT: u64 = 4;
pub const PROC_WAITPID: u64 = 5;
pub const PROC_KILL: u64 = 6;
pub const PROC_GETPID: u64 = 7;
pub const PROC_GETPPID: u64 = 8;
pub const PROC_THREAD_CREATE: u64 = 9;
pub const PROC_THREAD_EXIT: u64 = 10;
pub const PROC_GETTID: u64 = 11;
pub const PROC_SHUTDOWN: u64 = 12;
pub const PROC_FREE_FRAMES: u64 = 13;
pub const PROC_SET_FS_BASE: u64 = 14;
pub const PROC_GET_FS_BASE: u64 = 15;
pub const PROC_SET_ROBUST_LIST: u64 = 16;
pub const PROC_TKILL: u64 = 17;

/// `waitpid` option: return 0 at once when no child has ended.
pub const WNOHANG: u64 = 1;

/// Path of the proc scheme handle for the calling process.
pub const PROC_SELF: &str = "/scheme/proc/self";

/// Arguments of `PROC_THREAD_CREATE`: where the new thread starts, its stack, the value
/// it finds in `rdi`, and a user address the kernel sets to 0 and futex-wakes when the
/// thread exits (0 for none).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadArgs {
    pub entry: u64,
    pub stack_top: u64,
    pub arg: u64,
    pub clear_tid: u64,
}

static_assertions::assert_eq_size!(ThreadArgs, [u64; 4]);

/// The payload of `PROC_SPAWN` and `PROC_EXEC`: a program path then argv and envp,
/// each string terminated by a NUL, the lists separated by an empty string:
/// `path\0arg0\0arg1\0\0env0\0env1\0`.
pub struct SpawnArgs<'a> {
    pub path: &'a [u8],
    bytes: &'a [u8],
    env_start: usize,
}

impl<'a> SpawnArgs<'a> {
    /// Parses a payload; `None` if it is malformed.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        let path_end = bytes.iter().position(|&b| b == 0)?;
        let mut at = path_end + 1;
        loop {
            let len = bytes.get(at..)?.iter().position(|&b| b == 0)?;
            at += len + 1;
            if len == 0 {
                break;
            }
        }
        if bytes.last().is_some_and(|&b| b != 0) {
            return None;
        }
        Some(Self { path: &bytes[..path_end], bytes, env_start: at })
    }

    /// The argument strings.
    pub fn args(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let start = self.path.len() + 1;
        self.bytes[start..self.env_start - 1].split(|&b| b == 0).filter(|s| !s.is_empty())
    }

    /// The environment strings.
    pub fn env(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let rest = &self.bytes[self.env_start..];
        rest.split(|&b| b == 0).filter(|s| !s.is_empty())
    }

    /// Writes an encoding into `out`, returning its length, or `None` if it does not fit.
    pub fn encode(path: &[u8], args: &[&[u8]], env: &[&[u8]], out: &mut [u8]) -> Option<usize> {
        let mut at = 0;
        let mut put = |s: &[u8]| -> Option<()> {
            let end = at + s.len() + 1;
            let dst = out.get_mut(at..end)?;
            dst[..s.len()].copy_from_slice(s);
            dst[s.len()] = 0;
            at = end;
            Some(())
        };
        put(path)?;
        for a in args {
            put(a)?;
        }
        put(b"")?;
        for e in env {
            put(e)?;
        }
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_args_round_trip() {
        let mut buf = [0u8; 128];
        let n = SpawnArgs::encode(b"/scheme/initfs/t", &[b"t", b"-v"], &[b"A=1"], &mut buf).unwrap();
        let parsed = SpawnArgs::parse(&buf[..n]).unwrap();
        assert_eq!(parsed.path, b"/scheme/initfs/t");
        assert_eq!(parsed.args().collect::<Vec<_>>(), [b"t" as &[u8], b"-v"]);
        assert_eq!(parsed.env().collect::<Vec<_>>(), [b"A=1" as &[u8]]);
        let n = SpawnArgs::encode(b"/x", &[], &[], &mut buf).unwrap();
        let parsed = SpawnArgs::parse(&buf[..n]).unwrap();
        assert_eq!(parsed.args().count(), 0);
        assert_eq!(parsed.env().count(), 0);
        assert!(SpawnArgs::encode(b"/x", &[b"long"], &[], &mut buf[..4]).is_none());
    }

    #[test]
    fn malformed_payloads_are_rejected() {
        assert!(SpawnArgs::parse(b"").is_none());
        assert!(SpawnArgs::parse(b"/x").is_none());
        assert!(SpawnArgs::parse(b"/x\0a\0").is_none());
        assert!(SpawnArgs::parse(b"/x\0\0e").is_none());
        assert!(SpawnArgs::parse(b"/x\0\0").is_some());
    }
}
