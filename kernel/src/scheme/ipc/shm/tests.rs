//! Unit tests of the shared memory rules, one rule (and Linux's error order) at a time:
//! shmget, the attach checks and the count of attachments here, shmctl in [`shmctl`].
//! The property tests are in `properties.rs`, the differential tests against the host
//! kernel in `scheme::shm_differential`.

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::Cell;

use super::attach::{SHM_EXEC, SHM_RDONLY, SHM_REMAP, SHM_RND};
use super::ctl::{Command, Reply};
use super::*;
use crate::errno::{EACCES, EEXIST, ENOENT, ENOMEM};
use crate::scheme::ipc::{IPC_CREAT, IPC_EXCL};

mod shmctl;

/// Memory for the tests: an object with a count of pages that have frames.
#[derive(Clone, Debug, Default)]
pub(crate) struct TestMemory(Rc<Cell<u64>>);

impl TestMemory {
    /// Touches pages: `resident` of them now have frames.
    pub(crate) fn set_resident(&self, resident: u64) {
        self.0.set(resident);
    }
}

impl SegmentMemory for TestMemory {
    fn same(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
    fn resident_pages(&self) -> u64 {
        self.0.get()
    }
}

/// The same object, as the kernel's `Arc` comparison would say.
impl PartialEq for TestMemory {
    fn eq(&self, other: &Self) -> bool {
        self.same(other)
    }
}

impl Eq for TestMemory {}

pub(crate) type Ns = ShmNamespace<TestMemory>;

pub(crate) fn user(uid: u32) -> Credentials {
    Credentials { ruid: uid, euid: uid, suid: uid, rgid: uid, egid: uid, sgid: uid, groups: Vec::new() }
}

pub(crate) fn root() -> Credentials {
    Credentials::root()
}

pub(crate) const OWNER: u32 = 1000;
const PAGE: u64 = PAGE_SIZE;

/// shmget with fresh test memory.
pub(crate) fn get(ns: &mut Ns, who: &Credentials, key: Key, size: u64, flg: i32) -> Result<i32> {
    ns.shmget(who, key, size, flg, 7, 5, |_| Ok(TestMemory::default()))
}

/// A namespace with one private segment of `size` bytes and `mode`, owned by uid 1000.
pub(crate) fn fixture(size: u64, mode: i32) -> (Ns, i32) {
    let mut ns = Ns::new();
    let id = get(&mut ns, &user(OWNER), IPC_PRIVATE, size, mode).unwrap();
    (ns, id)
}

pub(crate) fn memory_of(ns: &Ns, id: i32) -> TestMemory {
    ns.segment(id).unwrap().memory().clone()
}

pub(crate) fn stat(ns: &mut Ns, id: i32) -> ctl::ShmidDs {
    match ns.shmctl(&root(), id, Command::Stat, 0) {
        Ok(Reply::Ds(0, ds)) => ds,
        other => panic!("IPC_STAT of {id}: {other:?}"),
    }
}

#[test]
fn shmget_creates_a_segment_as_linux_does() {
    let mut ns = Ns::new();
    let mut asked = Vec::new();
    let id = ns
        .shmget(&user(OWNER), 42, 3 * PAGE + 1, IPC_CREAT | 0o7640, 31, 9, |pages| {
            asked.push(pages);
            Ok(TestMemory::default())
        })
        .unwrap();
    assert_eq!(asked, [4], "the memory is made for whole pages");
    let segment = ns.segment(id).unwrap();
    assert_eq!((segment.segsz(), segment.pages(), segment.nattch()), (3 * PAGE + 1, 4, 0));
    let ds = segment.ds(id);
    let perm = ds.perm;
    assert_eq!(
        (perm.key, perm.uid, perm.gid, perm.cuid, perm.cgid, perm.mode),
        (42, OWNER, OWNER, OWNER, OWNER, 0o640)
    );
    assert_eq!(
        (ds.id, ds.segsz, ds.cpid, ds.lpid, ds.atime, ds.dtime, ds.ctime, ds.nattch),
        (id, 3 * PAGE + 1, 31, 0, 0, 0, 9, 0)
    );
    assert_eq!(ns.total_pages(), 4);
}

#[test]
fn shmget_finds_by_key_in_ipcgets_order() {
    let mut ns = Ns::new();
    let owner = user(OWNER);
    assert_eq!(get(&mut ns, &owner, 7, PAGE, 0o600), Err(ENOENT));
    let id = get(&mut ns, &owner, 7, PAGE, IPC_CREAT | 0o600).unwrap();
    assert_eq!(get(&mut ns, &owner, 7, PAGE, 0), Ok(id));
    assert_eq!(get(&mut ns, &owner, 7, 0, 0), Ok(id), "size 0 fits any segment");
    assert_eq!(get(&mut ns, &owner, 7, PAGE, IPC_CREAT), Ok(id));
    assert_eq!(get(&mut ns, &owner, 7, PAGE + 1, 0), Err(EINVAL), "smaller than asked, even within its pages");
    assert_eq!(get(&mut ns, &owner, 7, PAGE + 1, IPC_CREAT | IPC_EXCL), Err(EEXIST), "EEXIST first");
    assert_eq!(get(&mut ns, &user(5), 7, PAGE + 1, 0o400), Err(EINVAL), "the size before the access");
    assert_eq!(get(&mut ns, &user(5), 7, PAGE, 0o400), Err(EACCES));
    assert_eq!(get(&mut ns, &user(5), 7, PAGE, 0), Ok(id), "asking for nothing passes");
    let other = get(&mut ns, &owner, IPC_PRIVATE, PAGE, 0o600).unwrap();
    assert_ne!(other, id, "IPC_PRIVATE always creates");
    assert_eq!(ns.total_pages(), 2, "lookups count nothing");
}

#[test]
fn shmget_size_limits_and_memory_errors() {
    let mut ns = Ns::new();
    let owner = user(OWNER);
    let mut made = 0;
    let mut try_size = |ns: &mut Ns, size| {
        ns.shmget(&owner, IPC_PRIVATE, size, 0o600, 1, 1, |_| {
            made += 1;
            Ok(TestMemory::default())
        })
    };
    assert_eq!(try_size(&mut ns, 0), Err(EINVAL), "below SHMMIN");
    assert_eq!(try_size(&mut ns, SHMMAX + 1), Err(EINVAL));
    assert_eq!(try_size(&mut ns, u64::MAX), Err(EINVAL));
    let big = try_size(&mut ns, SHMMAX).unwrap();
    assert_eq!(made, 1, "no memory is made for a refused size");
    assert_eq!(ns.segment(big).unwrap().pages(), SHMMAX.div_ceil(PAGE));
    let refused = ns.shmget(&owner, IPC_PRIVATE, 1, 0o600, 1, 1, |_| Err(ENOMEM));
    assert_eq!(refused, Err(ENOMEM));
    assert_eq!((ns.segments().count(), ns.total_pages()), (1, SHMMAX.div_ceil(PAGE)), "nothing is created");
}

#[test]
fn shmget_counts_pages_against_shmall() {
    let limits = ShmLimits { shmmax: u64::MAX, shmall: 10, shmmni: 64 };
    let mut ns = Ns::with_limits(limits);
    let owner = user(OWNER);
    let a = get(&mut ns, &owner, IPC_PRIVATE, 6 * PAGE, 0o600).unwrap();
    assert_eq!(get(&mut ns, &owner, IPC_PRIVATE, 4 * PAGE + 1, 0o600), Err(ENOSPC), "11 pages");
    let b = get(&mut ns, &owner, IPC_PRIVATE, 4 * PAGE, 0o600).unwrap();
    assert_eq!(ns.total_pages(), 10, "exactly shmall");
    assert_eq!(get(&mut ns, &owner, IPC_PRIVATE, 1, 0o600), Err(ENOSPC));
    assert!(matches!(ns.shmctl(&owner, a, Command::Remove, 0), Ok(Reply::Removed(_))));
    assert_eq!(ns.total_pages(), 4, "removal gives the pages back");
    assert!(get(&mut ns, &owner, IPC_PRIVATE, 6 * PAGE, 0o600).is_ok());
    assert!(ns.segment(b).is_ok());
    // A size within a page of 2^64 cannot be rounded up to pages.
    assert_eq!(get(&mut ns, &owner, IPC_PRIVATE, u64::MAX - 1, 0o600), Err(ENOSPC));
}

#[test]
fn shmget_refuses_a_page_total_that_overflows() {
    let limits = ShmLimits { shmmax: u64::MAX, shmall: u64::MAX, shmmni: 8192 };
    let mut ns = Ns::with_limits(limits);
    let largest = u64::MAX - (PAGE - 1);
    let pages = largest / PAGE;
    for _ in 0..u64::MAX / pages {
        get(&mut ns, &root(), IPC_PRIVATE, largest, 0o600).unwrap();
    }
    assert_eq!(get(&mut ns, &root(), IPC_PRIVATE, largest, 0o600), Err(ENOSPC), "the total would wrap");
    assert!(get(&mut ns, &root(), IPC_PRIVATE, (u64::MAX % pages) * PAGE, 0o600).is_ok(), "what is left fits");
}

#[test]
fn shmget_runs_out_of_ids_after_making_the_memory() {
    let mut ns = Ns::new();
    for _ in 0..SHMMNI {
        get(&mut ns, &root(), IPC_PRIVATE, 1, 0o600).unwrap();
    }
    assert_eq!(get(&mut ns, &root(), IPC_PRIVATE, 1, 0o600), Err(ENOSPC));
    let refused = ns.shmget(&root(), IPC_PRIVATE, 1, 0o600, 1, 1, |_| Err(ENOMEM));
    assert_eq!(refused, Err(ENOMEM), "Linux makes the memory before it looks for an id");
    assert_eq!(ns.total_pages(), SHMMNI);
}

#[test]
fn attach_address_arithmetic() {
    let check = Ns::attach_check;
    let fixed = |addr, replace| Ok(AttachAt::Fixed { addr, replace });
    assert_eq!(check(0, 0, 0), Ok(AttachAt::Anywhere));
    assert_eq!(check(0, 0, SHM_RND | SHM_RDONLY), Ok(AttachAt::Anywhere));
    assert_eq!(check(0, 0, SHM_REMAP), Err(EINVAL), "SHM_REMAP needs an address");
    assert_eq!(check(0, 0x7000, 0), fixed(0x7000, false), "exact");
    assert_eq!(check(0, 0x7000, SHM_RND), fixed(0x7000, false), "aligned: nothing to round");
    assert_eq!(check(0, 0x7000, SHM_REMAP), fixed(0x7000, true));
    assert_eq!(check(0, 0x7abc, SHM_RND), fixed(0x7000, false), "rounded down to SHMLBA");
    assert_eq!(check(0, 0x7fff, SHM_RND | SHM_REMAP), fixed(0x7000, true));
    assert_eq!(check(0, 0x7abc, 0), Err(EINVAL), "unaligned without SHM_RND");
    assert_eq!(check(0, 0x7abc, SHM_REMAP), Err(EINVAL));
    assert_eq!(check(0, 0xfff, SHM_RND | SHM_REMAP), Err(EINVAL), "rounded to 0 with SHM_REMAP");
    assert_eq!(check(0, 1, SHM_RND), fixed(0, false), "rounded to 0 without it: Linux maps at 0");
    assert_eq!(check(0, u64::MAX, SHM_RND), fixed(u64::MAX - (SHMLBA - 1), false), "the glue checks the range");
    assert_eq!(check(-1, 0x7000, 0), Err(EINVAL), "a negative id");
    assert_eq!(check(i32::MIN, 0, 0), Err(EINVAL));
}

#[test]
fn attach_checks_the_id_then_the_access_it_needs() {
    let (ns, id) = fixture(PAGE + 1, 0o640);
    let memory = memory_of(&ns, id);
    let mapping = |write, exec| Attach { memory: memory.clone(), len: 2 * PAGE, read: true, write, exec };
    let owner = user(OWNER);
    assert_eq!(ns.attach(&owner, id, 0), Ok(mapping(true, false)), "whole pages, read and write");
    assert_eq!(ns.attach(&owner, id, SHM_RDONLY), Ok(mapping(false, false)));
    assert_eq!(ns.attach(&owner, id, SHM_EXEC), Err(EACCES), "SHM_EXEC needs execute permission");
    assert_eq!(ns.attach(&owner, id + 1, SHM_EXEC), Err(EINVAL), "the id before the access");
    assert_eq!(ns.attach(&owner, -1, 0), Err(EINVAL));
    let group = Credentials { groups: alloc::vec![OWNER], ..user(2000) };
    assert_eq!(ns.attach(&group, id, SHM_RDONLY), Ok(mapping(false, false)));
    assert_eq!(ns.attach(&group, id, 0), Err(EACCES), "read and write without SHM_RDONLY");
    assert_eq!(ns.attach(&user(2000), id, SHM_RDONLY), Err(EACCES));
    assert_eq!(ns.attach(&root(), id, SHM_EXEC | SHM_RDONLY), Ok(mapping(false, true)), "root passes");
    let (ns, id) = fixture(1, 0o500);
    let memory = memory_of(&ns, id);
    let exec_only = Attach { memory, len: PAGE, read: true, write: false, exec: true };
    assert_eq!(ns.attach(&user(OWNER), id, SHM_EXEC | SHM_RDONLY), Ok(exec_only));
    assert_eq!(ns.segment(id).unwrap().nattch(), 0, "attach alone counts nothing");
}

#[test]
fn attached_and_detached_count_mappings_and_record_who_and_when() {
    let (mut ns, id) = fixture(1, 0o600);
    let memory = memory_of(&ns, id);
    ns.attached(id, &memory, 40, 100);
    ns.attached(id, &memory, 41, 101);
    let ds = stat(&mut ns, id);
    assert_eq!((ds.nattch, ds.lpid, ds.atime, ds.dtime), (2, 41, 101, 0));
    assert_eq!(ns.detached(id, &memory, 42, 102), None);
    assert_eq!(ns.detached(id, &memory, 43, 103), None, "not removed: stays at nattch 0");
    let ds = stat(&mut ns, id);
    assert_eq!((ds.nattch, ds.lpid, ds.atime, ds.dtime, ds.cpid, ds.ctime), (0, 43, 101, 103, 7, 5));
}

#[test]
fn a_mapping_of_other_memory_than_the_id_names_is_not_counted() {
    let (mut ns, id) = fixture(1, 0o600);
    let memory = memory_of(&ns, id);
    let stranger = TestMemory::default();
    ns.attached(id, &stranger, 40, 100);
    ns.attached(id + 32768, &memory, 40, 100);
    ns.attached(-1, &memory, 40, 100);
    assert_eq!(stat(&mut ns, id).nattch, 0);
    ns.attached(id, &memory, 41, 101);
    assert_eq!(ns.detached(id, &stranger, 42, 102), None);
    let ds = stat(&mut ns, id);
    assert_eq!((ds.nattch, ds.lpid, ds.atime, ds.dtime), (1, 41, 101, 0), "untouched");
    // The segment goes and a new one may take the id: the old mapping's reports are ignored.
    assert_eq!(ns.shmctl(&root(), id, Command::Remove, 0), Ok(Reply::Int(0)));
    assert!(ns.detached(id, &memory, 43, 103).is_some());
    ns.attached(id, &memory, 44, 104);
    assert_eq!(ns.detached(id, &memory, 45, 105), None);
    assert_eq!(ns.segment(id).err(), Some(EINVAL));
}

#[test]
fn the_last_detach_of_a_removed_segment_removes_it() {
    let (mut ns, id) = fixture(2 * PAGE, 0o600);
    let keyed = get(&mut ns, &user(OWNER), 99, PAGE, IPC_CREAT | 0o600).unwrap();
    let memory = memory_of(&ns, id);
    ns.attached(id, &memory, 1, 1);
    ns.attached(id, &memory, 2, 1);
    assert_eq!(ns.shmctl(&user(OWNER), id, Command::Remove, 2), Ok(Reply::Int(0)));
    assert!(ns.segment(id).unwrap().is_removed());
    assert_eq!(ns.total_pages(), 3, "a marked segment still holds its pages");
    assert_eq!(ns.detached(id, &memory, 3, 3), None);
    let gone = ns.detached(id, &memory, 4, 4).expect("the last detach removes it");
    assert!(gone.memory().same(&memory), "handed back for the caller to free");
    assert_eq!((gone.nattch(), gone.ds(id).lpid, gone.ds(id).dtime), (0, 4, 4));
    assert_eq!(ns.segment(id).err(), Some(EINVAL));
    assert_eq!(ns.total_pages(), 1);
    assert_eq!(ns.segments().map(|(id, _)| id).collect::<Vec<_>>(), [keyed], "the other one stays");
}
