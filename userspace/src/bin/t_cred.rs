//! `t_cred`: credentials: root's ids, supplementary groups, and the POSIX rules for an
//! unprivileged process (setresuid/setresgid/setuid/seteuid/setgroups), the saved-id
//! rule, `-1` leaving ids unchanged, and fork copying credentials. Every change of ids
//! happens in a forked child, which reports through its exit status.

#![no_std]
#![no_main]

use userspace::cred::{self, KEEP};
use userspace::process::{self, Status};
use userspace::{Errno, check_eq, check_err, check_ok, println};

userspace::entry!(main);

const GROUPS: [u32; 3] = [10, 20, 30];

/// Runs `f` in a forked child and checks that every check in it passed.
fn in_child(what: &str, f: fn()) {
    let Some(pid) = check_ok!(
        process::fork_run(move || {
            f();
            userspace::check::status()
        }),
        "fork for {what}"
    ) else {
        return;
    };
    let status = process::wait_for(pid).ok();
    check_eq!(status.and_then(Status::exited), Some(0), "child checking {what} (its failures are printed above)");
}

fn root_ids() {
    println!("t_cred: init's children start as root");
    check_eq!(cred::getresuid(), Ok((0, 0, 0)), "getresuid");
    check_eq!(cred::getresgid(), Ok((0, 0, 0)), "getresgid");
    check_eq!(cred::geteuid(), Ok(0), "geteuid");
}

fn groups() {
    println!("t_cred: setgroups and getgroups");
    check_ok!(cred::setgroups(&GROUPS), "setgroups as root");
    check_eq!(cred::getgroups(&mut []), Ok(GROUPS.len()), "getgroups with size 0 counts");
    let mut buf = [0u32; 8];
    let n = cred::getgroups(&mut buf);
    check_eq!(n, Ok(GROUPS.len()), "getgroups count");
    check_eq!(buf[..GROUPS.len()], GROUPS, "getgroups contents");
    check_err!(cred::getgroups(&mut buf[..1]), Errno::EINVAL, "getgroups with a buffer too small");
    let too_many = [0u32; 4];
    // SAFETY: passes a size beyond NGROUPS_MAX with a small buffer; the kernel must reject
    // the size before reading (it never writes through setgroups' pointer).
    let result = unsafe {
        userspace::syscall::syscall2(userspace::abi::syscall::SYS_SETGROUPS, 65_537, too_many.as_ptr() as usize)
    };
    check_err!(result, Errno::EINVAL, "setgroups with size 65537");
    check_eq!(cred::getgroups(&mut []), Ok(GROUPS.len()), "the groups are unchanged after a failed setgroups");
}

fn unprivileged() {
    check_eq!(cred::getresuid(), Ok((0, 0, 0)), "fork copies the uids");
    check_eq!(cred::getgroups(&mut []), Ok(GROUPS.len()), "fork copies the groups");
    check_ok!(cred::setresgid(1000, 1000, 1000), "setresgid(1000, 1000, 1000) as root");
    check_ok!(cred::setresuid(1000, 1000, 1000), "setresuid(1000, 1000, 1000) as root");
    check_eq!(cred::getresuid(), Ok((1000, 1000, 1000)), "uids after dropping root");
    check_eq!(cred::getresgid(), Ok((1000, 1000, 1000)), "gids after dropping root");
    check_err!(cred::setresuid(0, KEEP, KEEP), Errno::EPERM, "setresuid(0, -1, -1) unprivileged");
    check_err!(cred::setresuid(KEEP, 0, KEEP), Errno::EPERM, "setresuid(-1, 0, -1) unprivileged");
    check_err!(cred::setresgid(0, 0, 0), Errno::EPERM, "setresgid(0, 0, 0) unprivileged");
    check_err!(cred::setgroups(&[5]), Errno::EPERM, "setgroups unprivileged");
    check_ok!(cred::setuid(1000), "setuid(1000) to the current id");
    check_err!(cred::setuid(0), Errno::EPERM, "setuid(0) unprivileged");
    check_err!(cred::seteuid(1234), Errno::EPERM, "seteuid to an id that is none of r/e/s");
    check_ok!(cred::setgid(1000), "setgid(1000) to the current id");
    check_err!(cred::setegid(1234), Errno::EPERM, "setegid to an id that is none of r/e/s");
    check_ok!(cred::setresuid(KEEP, KEEP, KEEP), "setresuid(-1, -1, -1)");
    check_eq!(cred::getresuid(), Ok((1000, 1000, 1000)), "-1 leaves every id unchanged");
    check_err!(cred::setuid(KEEP), Errno::EINVAL, "setuid(-1)");
}

fn saved_id_uids() {
    check_ok!(cred::setresuid(KEEP, KEEP, KEEP), "setresuid(-1, -1, -1) as root");
    check_eq!(cred::getresuid(), Ok((0, 0, 0)), "nothing changed");
    check_ok!(cred::setresuid(1000, KEEP, KEEP), "setresuid(1000, -1, -1)");
    check_eq!(cred::getresuid(), Ok((1000, 0, 0)), "only the real id changed");
    check_ok!(cred::setresuid(KEEP, 1000, KEEP), "setresuid(-1, 1000, -1)");
    check_eq!(cred::getresuid(), Ok((1000, 1000, 0)), "r=1000 e=1000 s=0");
    check_ok!(cred::seteuid(0), "seteuid(0) back to the saved id");
    check_eq!(cred::getresuid(), Ok((1000, 0, 0)), "after seteuid(0)");
    check_ok!(cred::seteuid(1000), "seteuid(1000) to the real id");
    check_eq!(cred::getresuid(), Ok((1000, 1000, 0)), "after seteuid(1000)");
    check_ok!(cred::setresuid(KEEP, KEEP, 1000), "unprivileged setresuid(-1, -1, 1000) to an id we hold");
    check_eq!(cred::getresuid(), Ok((1000, 1000, 1000)), "the saved id is gone");
    check_err!(cred::seteuid(0), Errno::EPERM, "seteuid(0) without a saved 0");
}

fn root_setuid() {
    check_ok!(cred::setuid(2000), "setuid(2000) as root");
    check_eq!(cred::getresuid(), Ok((2000, 2000, 2000)), "root's setuid sets all three ids");
    check_err!(cred::setuid(0), Errno::EPERM, "no way back");
}

fn main(_args: &[&str]) -> i32 {
    root_ids();
    groups();
    println!("t_cred: an unprivileged child (1000/1000/1000) may not regain root");
    in_child("an unprivileged child", unprivileged);
    println!("t_cred: the saved id rule (r=1000, e=1000, s=0 may seteuid(0)) and -1");
    // The gid part runs while the euid is root: setresgid first, then the uid steps.
    in_child("saved ids", || {
        check_ok!(cred::setresgid(KEEP, 50, KEEP), "setresgid(-1, 50, -1) as root");
        check_eq!(cred::getresgid(), Ok((0, 50, 0)), "only the effective gid changed");
        check_ok!(cred::setresgid(KEEP, 0, KEEP), "setresgid(-1, 0, -1) as root");
        saved_id_uids();
    });
    println!("t_cred: root's setuid sets every id");
    in_child("setuid as root", root_setuid);
    println!("t_cred: the parent's credentials are untouched by its children");
    root_ids();
    check_eq!(cred::getgroups(&mut []), Ok(GROUPS.len()), "the parent keeps its groups");
    userspace::check::finish()
}
