//! The tables Linux publishes as `/proc/sysvipc/sem`, `/proc/sysvipc/msg` and
//! `/proc/sysvipc/shm`: one header line, then one line per object in index order, in
//! Linux's exact column widths (the kernel's `sys` scheme serves them; util-linux's
//! `ipcs` and test suites parse them).
//!
//! The columns are the `*_ds` fields: key and id in decimal (the key signed, as `%10d`),
//! the mode in octal with its state bits (SHM_DEST, SHM_LOCKED), then sizes, pids,
//! owners and times. `shm`'s last two columns are the resident and swapped bytes of the
//! segment (this kernel never swaps).

use alloc::string::String;
use core::fmt::Write;

use super::msg::ctl::MsqidDs;
use super::sem::ctl::SemidDs;
use super::shm::ctl::ShmidDs;

/// Header of `/proc/sysvipc/sem`.
pub const SEM_HEADER: &str = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
/// Header of `/proc/sysvipc/msg`.
pub const MSG_HEADER: &str = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n";
/// Header of `/proc/sysvipc/shm` (64-bit: sizes in 21 columns).
pub const SHM_HEADER: &str = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";

/// Appends a semaphore set's line.
pub fn sem_line(out: &mut String, ds: &SemidDs) {
    let p = &ds.perm;
    let _ = writeln!(
        out,
        "{:>10} {:>10}  {:>4o} {:>10} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10}",
        p.key, ds.id, p.mode, ds.nsems, p.uid, p.gid, p.cuid, p.cgid, ds.otime, ds.ctime
    );
}

/// Appends a message queue's line.
pub fn msg_line(out: &mut String, ds: &MsqidDs) {
    let p = &ds.perm;
    let _ = writeln!(
        out,
        "{:>10} {:>10}  {:>4o}  {:>10} {:>10} {:>5} {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10}",
        p.key,
        ds.id,
        p.mode,
        ds.cbytes,
        ds.qnum,
        ds.lspid,
        ds.lrpid,
        p.uid,
        p.gid,
        p.cuid,
        p.cgid,
        ds.stime,
        ds.rtime,
        ds.ctime
    );
}

/// Appends a shared memory segment's line; `rss_bytes` is the memory behind it now.
pub fn shm_line(out: &mut String, ds: &ShmidDs, rss_bytes: u64) {
    let p = &ds.perm;
    let _ = writeln!(
        out,
        "{:>10} {:>10}  {:>4o} {:>21} {:>5} {:>5}  {:>5} {:>5} {:>5} {:>5} {:>5} {:>10} {:>10} {:>10} {:>21} {:>21}",
        p.key,
        ds.id,
        p.mode,
        ds.segsz,
        ds.cpid,
        ds.lpid,
        ds.nattch,
        p.uid,
        p.gid,
        p.cuid,
        p.cgid,
        ds.atime,
        ds.dtime,
        ds.ctime,
        rss_bytes,
        0
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::ipc::perm::IpcPerm;

    fn perm(key: i32, mode: u16) -> IpcPerm {
        IpcPerm { key, uid: 1000, gid: 100, cuid: 0, cgid: 0, mode }
    }

    #[test]
    fn a_negative_key_prints_signed_and_the_mode_in_octal() {
        let mut out = String::new();
        sem_line(&mut out, &SemidDs { perm: perm(-2, 0o640), id: 32769, otime: 0, ctime: 1_700_000_000, nsems: 3 });
        assert_eq!(out, "        -2      32769   640          3  1000   100     0     0          0 1700000000\n");
    }

    #[test]
    fn shm_state_bits_show_in_the_mode() {
        let mut out = String::new();
        let ds = ShmidDs {
            perm: perm(0, 0o1600),
            id: 5,
            segsz: 4097,
            atime: 1,
            dtime: 2,
            ctime: 3,
            cpid: 7,
            lpid: 8,
            nattch: 1,
        };
        shm_line(&mut out, &ds, 8192);
        assert!(out.starts_with("         0          5  1600                  4097     7     8      1  1000"));
        assert!(out.ends_with("                  8192                     0\n"));
    }

    #[test]
    fn each_line_has_as_many_columns_as_its_header() {
        let mut sem = String::new();
        sem_line(&mut sem, &SemidDs { perm: perm(1, 0o600), id: 0, otime: 0, ctime: 0, nsems: 1 });
        let mut msg = String::new();
        let ds = MsqidDs {
            perm: perm(1, 0o600),
            id: 0,
            stime: 0,
            rtime: 0,
            ctime: 0,
            cbytes: 0,
            qnum: 0,
            qbytes: 16384,
            lspid: 0,
            lrpid: 0,
        };
        msg_line(&mut msg, &ds);
        for (header, line) in [(SEM_HEADER, sem), (MSG_HEADER, msg)] {
            assert_eq!(header.split_whitespace().count(), line.split_whitespace().count());
            assert_eq!(header.len(), line.len(), "{line:?} is as wide as {header:?}");
        }
    }
}
