//! Unit tests of the eventfd rules. The property tests are in `properties.rs`.

use super::*;

fn read(e: &mut EventFd) -> Result<Outcome<u64>> {
    e.read(8, true, &mut Woken::new())
}

fn write(e: &mut EventFd, value: u64) -> Result<Outcome<()>> {
    e.write(value, 8, true, &mut Woken::new())
}

#[test]
fn flags_are_checked() {
    assert_eq!(EventFd::new(0, 2).err(), Some(EINVAL));
    assert_eq!(EventFd::new(0, 1 << 20).err(), Some(EINVAL));
    let e = EventFd::new(7, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC).unwrap();
    assert_eq!((e.count(), e.flags()), (7, Flags::all()));
    assert_eq!(EventFd::new(u32::MAX, 0).unwrap().count(), u64::from(u32::MAX));
}

#[test]
fn a_read_takes_the_count() {
    let mut e = EventFd::new(3, 0).unwrap();
    assert_eq!(e.read(7, true, &mut Woken::new()), Err(EINVAL));
    assert_eq!(read(&mut e), Ok(Outcome::Done(3)));
    assert_eq!((read(&mut e), e.readable()), (Err(EAGAIN), false));
    assert_eq!(write(&mut e, 5), Ok(Outcome::Done(())));
    assert_eq!(write(&mut e, 0), Ok(Outcome::Done(())));
    assert_eq!(read(&mut e), Ok(Outcome::Done(5)));
}

#[test]
fn a_semaphore_read_takes_one() {
    let mut e = EventFd::new(2, EFD_SEMAPHORE).unwrap();
    assert_eq!(read(&mut e), Ok(Outcome::Done(1)));
    assert_eq!(read(&mut e), Ok(Outcome::Done(1)));
    assert_eq!(read(&mut e), Err(EAGAIN));
}

#[test]
fn writes_stop_below_the_maximum() {
    let mut e = EventFd::new(0, 0).unwrap();
    assert_eq!(e.write(1, 7, true, &mut Woken::new()), Err(EINVAL));
    assert_eq!(e.write(1, 9, true, &mut Woken::new()), Err(EINVAL), "exactly 8 bytes");
    assert_eq!(write(&mut e, u64::MAX), Err(EINVAL));
    assert_eq!(write(&mut e, COUNT_MAX), Ok(Outcome::Done(())));
    assert!(!e.writable() && e.readable());
    assert_eq!(write(&mut e, 1), Err(EAGAIN));
    assert_eq!(write(&mut e, 0), Ok(Outcome::Done(())), "0 always fits");
    assert_eq!(read(&mut e), Ok(Outcome::Done(COUNT_MAX)));
    assert_eq!(write(&mut e, COUNT_MAX - 1), Ok(Outcome::Done(())));
    assert!(e.writable());
    assert_eq!(write(&mut e, 2), Err(EAGAIN));
    assert_eq!(write(&mut e, 1), Ok(Outcome::Done(())));
}

#[test]
fn a_write_serves_sleeping_readers_in_order() {
    let mut e = EventFd::new(0, 0).unwrap();
    let mut woken = Woken::new();
    let Ok(Outcome::Wait(a)) = e.read(8, false, &mut woken) else { panic!("sleeps") };
    let Ok(Outcome::Wait(b)) = e.read(8, false, &mut woken) else { panic!("sleeps") };
    e.write(0, 8, false, &mut woken).unwrap();
    assert!(woken.is_empty());
    e.write(4, 8, false, &mut woken).unwrap();
    assert_eq!(woken, [Completed { waiter: a, result: Ok(Delivery::Read(4)) }], "the first takes all");
    assert_eq!(e.count(), 0);
    assert!(e.cancel(b) && !e.cancel(b) && !e.cancel(a));
}

#[test]
fn a_semaphore_write_serves_one_reader_per_unit() {
    let mut e = EventFd::new(0, EFD_SEMAPHORE).unwrap();
    let mut woken = Woken::new();
    let ids: alloc::vec::Vec<_> = (0..3)
        .map(|_| match e.read(8, false, &mut woken) {
            Ok(Outcome::Wait(w)) => w,
            other => panic!("{other:?}"),
        })
        .collect();
    e.write(2, 8, true, &mut woken).unwrap();
    let done = |w| Completed { waiter: w, result: Ok(Delivery::Read(1)) };
    assert_eq!(woken, [done(ids[0]), done(ids[1])]);
    assert_eq!((e.count(), e.sleepers().0.collect::<alloc::vec::Vec<_>>()), (0, alloc::vec![ids[2]]));
}

#[test]
fn a_read_serves_sleeping_writers_that_fit() {
    let mut e = EventFd::new(0, EFD_SEMAPHORE).unwrap();
    let mut woken = Woken::new();
    e.write(COUNT_MAX - 1, 8, false, &mut woken).unwrap();
    let Ok(Outcome::Wait(big)) = e.write(3, 8, false, &mut woken) else { panic!("sleeps") };
    let Ok(Outcome::Wait(small)) = e.write(2, 8, false, &mut woken) else { panic!("sleeps") };
    assert_eq!(e.read(8, false, &mut woken), Ok(Outcome::Done(1)));
    assert_eq!(woken, [Completed { waiter: small, result: Ok(Delivery::Written) }], "the later, smaller one");
    assert_eq!(e.count(), COUNT_MAX);
    woken.clear();
    assert_eq!(e.read(8, false, &mut woken), Ok(Outcome::Done(1)));
    assert!(woken.is_empty(), "the earlier, bigger one still does not fit");
    woken.clear();
    let mut plain = EventFd::new(0, 0).unwrap();
    plain.write(COUNT_MAX, 8, true, &mut woken).unwrap();
    let Ok(Outcome::Wait(w1)) = plain.write(5, 8, false, &mut woken) else { panic!("sleeps") };
    let Ok(Outcome::Wait(w2)) = plain.write(7, 8, false, &mut woken) else { panic!("sleeps") };
    assert_eq!(plain.read(8, true, &mut woken), Ok(Outcome::Done(COUNT_MAX)));
    let written = |w| Completed { waiter: w, result: Ok(Delivery::Written) };
    assert_eq!(woken, [written(w1), written(w2)], "both, in order");
    assert_eq!(plain.count(), 12);
    assert!(e.cancel(big));
}
