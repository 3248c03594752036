//! Signals: Linux numbers, `sigaction` layout, masks as `u64` bit sets (bit `n - 1` for
//! signal `n`).
//!
//! A handler runs on the interrupted thread's stack, called as Linux x86_64 calls it:
//! `rdi` = the signal number, `rsi` = a [`SigInfo`], `rdx` = a [`UContext`], and a return
//! address of `sa_restorer`, which must call `SYS_SIGRETURN`; `SA_RESTORER` is required
//! for handlers. Below the stack pointer (past the 128-byte red zone) the kernel lays out
//! Linux's `rt_sigframe`: the return address, the [`UContext`] (the interrupted registers
//! in `uc_mcontext`, the mask to restore in `uc_sigmask`) and the [`SigInfo`]; the 512-byte
//! `fxsave` image of the FPU state lies above it, 64-byte aligned, at `fpstate`.
//! `SYS_SIGRETURN` restores the registers, the FPU state (from wherever `fpstate` points)
//! and the mask from that frame, so a handler may change them there, as on Linux. Stop
//! signals are not supported: their default action is to ignore.
//!
//! Standard signals (1-31) do not queue: while one is pending, more of it are discarded
//! and the first one's [`SigInfo`] is kept. Real-time signals (32-64) queue, each instance
//! with its own [`SigInfo`], up to [`SIGQUEUE_MAX`] instances per process; lower numbers
//! are delivered first, and instances of one signal in the order they were sent.

pub const SIGHUP: u8 = 1;
pub const SIGINT: u8 = 2;
pub const SIGQUIT: u8 = 3;
pub const SIGILL: u8 = 4;
pub const SIGTRAP: u8 = 5;
pub const SIGABRT: u8 = 6;
pub const SIGBUS: u8 = 7;
pub const SIGFPE: u8 = 8;
pub const SIGKILL: u8 = 9;
pub const SIGUSR1: u8 = 10;
pub const SIGSEGV: u8 = 11;
pub const SIGUSR2: u8 = 12;
pub const SIGPIPE: u8 = 13;
pub const SIGALRM: u8 = 14;
pub const SIGTERM: u8 = 15;
pub const SIGCHLD: u8 = 17;
pub const SIGCONT: u8 = 18;
pub const SIGSTOP: u8 = 19;
pub const SIGTSTP: u8 = 20;
pub const SIGTTIN: u8 = 21;
pub const SIGTTOU: u8 = 22;
pub const SIGURG: u8 = 23;
pub const SIGWINCH: u8 = 28;
pub const SIGSYS: u8 = 31;
/// Highest signal number (real-time signals included).
pub const NSIG: u8 = 64;
/// The first real-time signal (Linux's kernel `SIGRTMIN`; C programs see glibc's 34, as
/// glibc keeps 32 and 33 for its threads).
pub const SIGRT_FIRST: u8 = 32;
/// Real-time signal instances a process may have queued at once; past it `sigqueue`
/// fails with `EAGAIN` and `kill` sets the signal pending without its own information
/// (as Linux does past `RLIMIT_SIGPENDING`, which counts per user).
pub const SIGQUEUE_MAX: usize = 1024;

/// `sa_handler` values.
pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

/// `sa_flags` bits (Linux values).
pub const SA_NOCLDSTOP: u64 = 0x1;
pub const SA_SIGINFO: u64 = 0x4;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// `sigprocmask` how.
pub const SIG_BLOCK: usize = 0;
pub const SIG_UNBLOCK: usize = 1;
pub const SIG_SETMASK: usize = 2;

/// The kernel's `struct sigaction` (as Linux's `kernel_sigaction` on x86_64).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    pub sa_handler: u64,
    pub sa_flags: u64,
    pub sa_restorer: u64,
    pub sa_mask: u64,
}

static_assertions::assert_eq_size!(SigAction, [u64; 4]);

/// The mask bit of `signo`.
pub const fn bit(signo: u8) -> u64 {
    1 << (signo - 1)
}

/// Signals that can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

/// What a signal does when its action is `SIG_DFL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    /// End the process.
    Terminate,
    /// Nothing.
    Ignore,
}

/// The default action of `signo` (stop signals are ignored: no job control).
pub const fn default_action(signo: u8) -> DefaultAction {
    match signo {
        SIGCHLD | SIGCONT | SIGURG | SIGWINCH | SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Ignore,
        _ => DefaultAction::Terminate,
    }
}

/// `si_code` values (Linux): who sent the signal.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TIMER: i32 = -2;
pub const SI_TKILL: i32 = -6;
/// `si_code` of SIGCHLD.
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
/// `si_code` of the fault signals.
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const BUS_ADRERR: i32 = 2;
pub const ILL_ILLOPN: i32 = 2;
pub const FPE_INTDIV: i32 = 1;

/// Linux's x86_64 `siginfo_t` (128 bytes): the number, errno and code, then a union whose
/// first two words are all this kernel fills: `si_pid` and `si_uid` (sent by a process:
/// `kill`, `sigqueue`, SIGCHLD) or `si_addr` (a fault) in the first, `si_value` (sigqueue)
/// or `si_status` (SIGCHLD) in the second.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    pub si_signo: i32,
    pub si_errno: i32,
    pub si_code: i32,
    pub _pad: i32,
    pub fields: [u64; 14],
}

static_assertions::assert_eq_size!(SigInfo, [u8; 128]);

impl SigInfo {
    /// The information of `signo` with `code` and the union's first two words.
    pub const fn new(signo: u8, code: i32, fields: [u64; 2]) -> Self {
        let mut all = [0; 14];
        all[0] = fields[0];
        all[1] = fields[1];
        Self { si_signo: signo as i32, si_errno: 0, si_code: code, _pad: 0, fields: all }
    }

    /// The union's first two words for a signal sent by process `pid` of real user `uid`
    /// with `value` (`si_value`, or `si_status` for SIGCHLD).
    pub const fn sender(pid: u32, uid: u32, value: u64) -> [u64; 2] {
        [pid as u64 | (uid as u64) << 32, value]
    }

    /// `si_pid`.
    pub const fn pid(&self) -> u32 {
        self.fields[0] as u32
    }

    /// `si_uid`.
    pub const fn uid(&self) -> u32 {
        (self.fields[0] >> 32) as u32
    }

    /// `si_value` (`sival_int` is its low 32 bits).
    pub const fn value(&self) -> u64 {
        self.fields[1]
    }

    /// `si_status` (SIGCHLD).
    pub const fn status(&self) -> i32 {
        self.fields[1] as u32 as i32
    }

    /// `si_addr` (faults).
    pub const fn addr(&self) -> u64 {
        self.fields[0]
    }
}

/// Linux's x86_64 `struct sigcontext`: the interrupted registers, in `uc_mcontext`
/// (glibc's `gregs` are the first 23 words, in this order).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigContext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    /// `cs`, `gs`, `fs` and `ss`, 16 bits each.
    pub cs_gs_fs_ss: u64,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    /// Where the 512-byte `fxsave` image of the FPU state is (read back by sigreturn).
    pub fpstate: u64,
    pub reserved: [u64; 8],
}

/// `uc_stack.ss_flags` when there is no alternate signal stack.
pub const SS_DISABLE: u32 = 2;
/// `uc_flags` as Linux x86_64 sets them without XSAVE: `UC_SIGCONTEXT_SS |
/// UC_STRICT_RESTORE_SS`.
pub const UC_FLAGS: u64 = 0x2 | 0x4;

/// Linux's x86_64 `struct ucontext` (glibc's `ucontext_t` starts the same way).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UContext {
    pub uc_flags: u64,
    pub uc_link: u64,
    pub ss_sp: u64,
    pub ss_flags: u32,
    pub _pad: u32,
    pub ss_size: u64,
    pub uc_mcontext: SigContext,
    /// The mask sigreturn restores.
    pub uc_sigmask: u64,
}

static_assertions::assert_eq_size!(SigContext, [u8; 256]);
static_assertions::assert_eq_size!(UContext, [u8; 304]);
static_assertions::const_assert_eq!(core::mem::offset_of!(UContext, uc_mcontext), 40);
static_assertions::const_assert_eq!(core::mem::offset_of!(UContext, uc_sigmask), 296);

/// The start of Linux's `rt_sigframe`, where a handler's stack pointer points: the return
/// address (`sa_restorer`), the context and the information.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtSigFrame {
    pub restorer: u64,
    pub uc: UContext,
    pub info: SigInfo,
}

static_assertions::assert_eq_size!(RtSigFrame, [u8; 440]);

/// `setitimer`/`getitimer` timers. Only `ITIMER_REAL` exists here.
pub const ITIMER_REAL: usize = 0;
pub const ITIMER_VIRTUAL: usize = 1;
pub const ITIMER_PROF: usize = 2;

/// Linux's `struct timeval` (64-bit seconds and microseconds).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeVal {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

impl TimeVal {
    /// A time of `ns` nanoseconds, the microseconds truncated (as Linux reports them).
    pub const fn from_nanos(ns: u64) -> Self {
        Self { tv_sec: (ns / 1_000_000_000) as i64, tv_usec: (ns % 1_000_000_000 / 1000) as i64 }
    }

    /// Nanoseconds, or `None` if negative or `tv_usec` is outside 0..1,000,000 (Linux's
    /// `timeval_valid`); beyond `u64::MAX` nanoseconds saturates.
    pub fn to_nanos(&self) -> Option<u64> {
        if self.tv_sec < 0 || !(0..1_000_000).contains(&self.tv_usec) {
            return None;
        }
        Some((self.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(self.tv_usec as u64 * 1000))
    }
}

/// Linux's `struct itimerval`: the reload interval, then the time to the next expiry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ITimerVal {
    pub it_interval: TimeVal,
    pub it_value: TimeVal,
}

static_assertions::assert_eq_size!(ITimerVal, [u64; 4]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeval_validation_and_conversion() {
        let tv = |tv_sec, tv_usec| TimeVal { tv_sec, tv_usec };
        assert_eq!(tv(1, 999_999).to_nanos(), Some(1_999_999_000));
        assert_eq!(tv(0, 1_000_000).to_nanos(), None);
        assert_eq!(tv(0, -1).to_nanos(), None);
        assert_eq!(tv(-1, 0).to_nanos(), None);
        assert_eq!(TimeVal::from_nanos(2_000_999_999), tv(2, 999));
    }

    #[test]
    fn siginfo_fields() {
        let info = SigInfo::new(SIGUSR1, SI_QUEUE, SigInfo::sender(42, 1000, 0xffff_ffff_8000_0001));
        assert_eq!((info.pid(), info.uid(), info.value()), (42, 1000, 0xffff_ffff_8000_0001));
        assert_eq!(info.si_signo, 10);
        assert_eq!(core::mem::offset_of!(SigInfo, fields), 16);
    }
}
