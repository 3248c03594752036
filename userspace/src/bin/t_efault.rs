//! `t_efault`: every system call that takes a pointer answers `EFAULT` for a bad one
//! (address 1, a kernel address, an unmapped user address, a range running past the end
//! of user space) and the process lives on.

#![no_std]
#![no_main]

use userspace::abi::proc::PROC_GETPID;
use userspace::abi::syscall::{
    CLOCK_MONOTONIC, FUTEX_WAIT, Map, O_RDONLY, SYS_CALL, SYS_CLOCK_GETTIME, SYS_FMAP, SYS_FPATH, SYS_FSTAT, SYS_FUTEX,
    SYS_GETGROUPS, SYS_GETRESGID, SYS_GETRESUID, SYS_NANOSLEEP, SYS_OPEN, SYS_READ, SYS_SETGROUPS, SYS_SIGACTION,
    SYS_SIGPENDING, SYS_SIGPROCMASK, SYS_WRITE, Stat, TimeSpec,
};
use userspace::mm::{MAP_PRIVATE, PROT_READ, PROT_WRITE};
use userspace::signal::{SIG_BLOCK, SIGUSR1, SigAction};
use userspace::{Errno, Result, check, check_eq, check_err, check_ok, cred, fs, println, process};

userspace::entry!(main);

/// Addresses no system call may use: page 0, the kernel half, an unmapped user page.
const BAD: [(usize, &str); 3] =
    [(0x1, "0x1"), (0xffff_8000_0000_0000, "kernel address"), (0x7000_0000_0000, "unmapped user address")];

/// The last page of user space (`USER_END` is 0x7fff_ffff_f000) minus one page.
const NEAR_END: usize = 0x7fff_ffff_e000;

/// A raw system call with up to six arguments (the rest are 0).
fn raw(n: usize, args: &[usize]) -> Result<usize> {
    let a = |i: usize| args.get(i).copied().unwrap_or(0);
    // SAFETY: every call in this file passes either bad addresses, which the kernel must
    // refuse without touching any memory, or addresses of live locals of the size the
    // call expects (or an anonymous map request without MAP_FIXED).
    unsafe { userspace::syscall::syscall6(n, a(0), a(1), a(2), a(3), a(4), a(5)) }
}

fn expect_efault(what: &str, bad: &str, result: Result<usize>) {
    check_err!(result, Errno::EFAULT, "{what} with {bad}");
}

fn file_calls(file: usize) {
    println!("t_efault: read, write, open, fstat, fpath");
    for (addr, name) in BAD {
        expect_efault("read buffer", name, raw(SYS_READ, &[file, addr, 16]));
        expect_efault("write buffer", name, raw(SYS_WRITE, &[fs::STDOUT, addr, 16]));
        expect_efault("open path", name, raw(SYS_OPEN, &[addr, 20, O_RDONLY]));
        expect_efault("fstat buffer", name, raw(SYS_FSTAT, &[file, addr, size_of::<Stat>()]));
        expect_efault("fpath buffer", name, raw(SYS_FPATH, &[file, addr, 64]));
    }
    let past_end = raw(SYS_WRITE, &[fs::STDOUT, NEAR_END, 0x3000]);
    expect_efault("write buffer", "a range past the end of user space", past_end);
}

fn time_calls() {
    println!("t_efault: clock_gettime, nanosleep, futex");
    let ts = TimeSpec::from_nanos(1_000_000);
    for (addr, name) in BAD {
        expect_efault("clock_gettime", name, raw(SYS_CLOCK_GETTIME, &[CLOCK_MONOTONIC, addr]));
        expect_efault("nanosleep request", name, raw(SYS_NANOSLEEP, &[addr, 0]));
        if addr % 4 == 0 {
            expect_efault("futex word", name, raw(SYS_FUTEX, &[addr, FUTEX_WAIT, 0, 0]));
        }
        let word = 0u32;
        let wait = raw(SYS_FUTEX, &[&raw const word as usize, FUTEX_WAIT, 0, addr]);
        expect_efault("futex timeout", name, wait);
    }
    // The valid request alone still works.
    check_ok!(raw(SYS_NANOSLEEP, &[&raw const ts as usize, 0]), "nanosleep with good pointers");
}

fn signal_calls() {
    println!("t_efault: sigaction, sigprocmask, sigpending");
    let set = 0u64;
    for (addr, name) in BAD {
        expect_efault("sigaction new", name, raw(SYS_SIGACTION, &[SIGUSR1.into(), addr, 0]));
        expect_efault("sigaction old", name, raw(SYS_SIGACTION, &[SIGUSR1.into(), 0, addr]));
        expect_efault("sigprocmask set", name, raw(SYS_SIGPROCMASK, &[SIG_BLOCK, addr, 0]));
        let old = raw(SYS_SIGPROCMASK, &[SIG_BLOCK, &raw const set as usize, addr]);
        expect_efault("sigprocmask old", name, old);
        expect_efault("sigpending", name, raw(SYS_SIGPENDING, &[addr]));
    }
    let action = userspace::signal::get_action(SIGUSR1);
    check_eq!(action.map(|a| a.sa_handler), Ok(SigAction::default().sa_handler), "SIGUSR1's action is untouched");
    check_eq!(userspace::signal::current_mask(), Ok(0), "the mask is untouched");
}

fn cred_calls() {
    println!("t_efault: getresuid, getresgid, getgroups, setgroups");
    check_ok!(cred::setgroups(&[7, 8]), "setgroups (so that getgroups has something to copy)");
    let mut ids = [0u32; 3];
    let base = ids.as_mut_ptr() as usize;
    let p = |i: usize| base + 4 * i;
    for (addr, name) in BAD {
        expect_efault("getresuid r", name, raw(SYS_GETRESUID, &[addr, p(1), p(2)]));
        expect_efault("getresuid s", name, raw(SYS_GETRESUID, &[p(0), p(1), addr]));
        expect_efault("getresgid e", name, raw(SYS_GETRESGID, &[p(0), addr, p(2)]));
        expect_efault("getgroups", name, raw(SYS_GETGROUPS, &[8, addr]));
        expect_efault("setgroups", name, raw(SYS_SETGROUPS, &[2, addr]));
    }
    let mut groups = [0u32; 4];
    check_eq!(cred::getgroups(&mut groups), Ok(2), "the groups survive a failed setgroups");
    check_eq!(groups[..2], [7, 8], "the groups' contents");
}

fn call_and_map() {
    println!("t_efault: SYS_CALL payload and metadata, fmap's Map");
    let Some(proc_fd) = check_ok!(process::proc_fd(), "open the proc handle") else { return };
    let getpid = [PROC_GETPID];
    let mut payload = [0u8; 4];
    for (addr, name) in BAD {
        let r = raw(SYS_CALL, &[proc_fd, addr, 8, 1, getpid.as_ptr() as usize, 0]);
        expect_efault("SYS_CALL payload", name, r);
        let r = raw(SYS_CALL, &[proc_fd, payload.as_mut_ptr() as usize, 4, 1, addr, 0]);
        expect_efault("SYS_CALL metadata", name, r);
        expect_efault("fmap Map", name, raw(SYS_FMAP, &[usize::MAX, addr, size_of::<Map>()]));
    }
    check_eq!(process::getpid() > 1, true, "getpid still works");
    let map = Map { offset: 0, size: 4096, flags: PROT_READ | PROT_WRITE | MAP_PRIVATE, address: 0 };
    let addr = raw(SYS_FMAP, &[usize::MAX, &raw const map as usize, size_of::<Map>()]);
    check!(addr.is_ok_and(|a| a != 0), "fmap with a good Map: {addr:?}");
}

fn main(_args: &[&str]) -> i32 {
    let file = fs::open("/scheme/initfs/tests", fs::O_RDONLY);
    let Some(file) = check_ok!(file, "open /scheme/initfs/tests (a file with data to read)") else {
        return userspace::check::finish();
    };
    file_calls(file);
    time_calls();
    signal_calls();
    cred_calls();
    call_and_map();
    println!("t_efault: still alive");
    let mut buf = [0u8; 8];
    check!(fs::read(file, &mut buf).is_ok_and(|n| n > 0), "the file still reads after the faults");
    userspace::check::finish()
}
