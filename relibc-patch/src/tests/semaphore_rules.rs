//! The portable rules of `semaphore.h`, outside the modules that travel into relibc (whose
//! `no_std` test build has no `vec!` or `String`): the counter's wait/post protocol driven
//! with a model of the futex, the name rules, and the registry of named semaphores.

mod counter {
    use core::sync::atomic::Ordering::SeqCst;

    use crate::header::_kestrel::errno::{EINTR, EOVERFLOW, ETIMEDOUT};
    use crate::header::semaphore::counter::{Counter, MAX_VALUE};

    #[test]
    fn post_and_take() {
        let counter = Counter::new(2);
        assert!(counter.try_take());
        assert!(counter.try_take());
        assert!(!counter.try_take());
        assert_eq!(counter.value(), 0);
        assert_eq!(counter.post(), Ok(false), "no waiter: nothing to wake");
        assert_eq!(counter.value(), 1);
    }

    #[test]
    fn post_stops_at_the_maximum() {
        let counter = Counter::new(MAX_VALUE - 1);
        assert_eq!(counter.post(), Ok(false));
        assert_eq!(counter.post(), Err(EOVERFLOW));
        assert_eq!(counter.value(), MAX_VALUE, "a refused post changes nothing");
    }

    #[test]
    fn wait_takes_without_sleeping_when_a_token_is_there() {
        let counter = Counter::new(1);
        let result = counter.wait(|_, _| panic!("no sleep"), |_| panic!("no wake"));
        assert_eq!(result, Ok(()));
        assert_eq!((counter.value(), counter.waiters()), (0, 0));
    }

    #[test]
    fn a_waiter_is_counted_while_it_sleeps_and_a_post_says_wake() {
        let counter = Counter::new(0);
        let mut sleeps = 0;
        let result = counter.wait(
            |word, expected| {
                assert_eq!(expected, 0);
                assert_eq!(word.load(SeqCst), 0, "sleeps only on an empty counter");
                assert_eq!(counter.waiters(), 1);
                sleeps += 1;
                // Another thread posts while this one sleeps.
                assert_eq!(counter.post(), Ok(true), "the poster sees the waiter");
                Ok(())
            },
            |_| panic!("no hand-on after a success"),
        );
        assert_eq!(result, Ok(()));
        assert_eq!(sleeps, 1);
        assert_eq!((counter.value(), counter.waiters()), (0, 0));
    }

    #[test]
    fn errors_end_the_wait_and_leave_the_value() {
        for errno in [ETIMEDOUT, EINTR] {
            let counter = Counter::new(0);
            let result = counter.wait(|_, _| Err(errno), |_| panic!("nobody else waits"));
            assert_eq!(result, Err(errno));
            assert_eq!((counter.value(), counter.waiters()), (0, 0));
        }
    }

    #[test]
    fn spurious_wakeups_sleep_again() {
        let counter = Counter::new(0);
        let mut n = 0;
        let result = counter.wait(
            |_, _| {
                n += 1;
                if n == 5 { Err(ETIMEDOUT) } else { Ok(()) }
            },
            |_| {},
        );
        assert_eq!(result, Err(ETIMEDOUT));
        assert_eq!(n, 5);
    }

    #[test]
    fn a_leaving_waiter_hands_a_wakeup_on() {
        // A post came in (and woke this waiter) just as it timed out, while another
        // thread still sleeps: the token stays, and the other sleeper is woken.
        let counter = Counter::new(0);
        counter.add_waiter(); // the other sleeper
        let mut woke = 0;
        let result = counter.wait(
            |_, _| {
                assert_eq!(counter.post(), Ok(true));
                Err(ETIMEDOUT)
            },
            |_| woke += 1,
        );
        assert_eq!(result, Err(ETIMEDOUT));
        assert_eq!(woke, 1);
        assert_eq!(counter.value(), 1);
    }
}

mod name {
    use core::ffi::c_int;

    use crate::header::_kestrel::errno::{EINVAL, ENAMETOOLONG};
    use crate::header::semaphore::name::{NAME_MAX, SEM_NAME_MAX, object_name};

    fn object(name: &[u8]) -> Result<Vec<u8>, c_int> {
        object_name(name).map(|o| o.as_c_str().to_bytes().to_vec())
    }

    #[test]
    fn names_get_the_prefix() {
        assert_eq!(object(b"/s"), Ok(b"/sem.s".to_vec()));
        assert_eq!(object(b"/my.sem-1"), Ok(b"/sem.my.sem-1".to_vec()));
        // glibc skips every leading slash, and takes a name without one.
        assert_eq!(object(b"//s"), Ok(b"/sem.s".to_vec()));
        assert_eq!(object(b"s"), Ok(b"/sem.s".to_vec()));
        // "." and ".." are ordinary: the object is "sem.." or "sem...".
        assert_eq!(object(b"/.."), Ok(b"/sem...".to_vec()));
    }

    #[test]
    fn empty_names_and_inner_slashes_are_einval() {
        for name in [&b""[..], b"/", b"//", b"/a/b", b"a/", b"/a/"] {
            assert_eq!(object(name), Err(EINVAL), "{:?}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn the_object_name_fits_name_max() {
        assert_eq!(SEM_NAME_MAX, 251);
        let longest = [b'a'; SEM_NAME_MAX];
        let mut name = vec![b'/'];
        name.extend_from_slice(&longest);
        let got = object(&name).unwrap();
        assert_eq!(got.len(), 1 + NAME_MAX, "a slash and NAME_MAX bytes of file name");
        name.push(b'a');
        assert_eq!(object(&name), Err(ENAMETOOLONG));
        name.extend_from_slice(&[b'a'; 300]);
        assert_eq!(object(&name), Err(ENAMETOOLONG));
        // An inner slash is EINVAL even in a long name.
        name.push(b'/');
        name.push(b'a');
        assert_eq!(object(&name), Err(EINVAL));
    }
}

mod registry {
    use core::ffi::c_void;

    use crate::header::_kestrel::FileId;
    use crate::header::semaphore::registry::{Added, Removed, add, remove};

    // The registry is process-wide: these addresses and identities are this test's own.
    fn fake(n: usize) -> (FileId, *mut c_void) {
        (FileId { dev: 0xdead, ino: 0x7e57_0000 + n as u64 }, (0x7e57_0000_0000 + n * 4096) as *mut c_void)
    }

    #[test]
    fn one_object_one_address_counted() {
        let (id, a) = fake(1);
        let (_, b) = fake(2);
        assert_eq!(add(id, a), Some(Added::New));
        assert_eq!(add(id, b), Some(Added::Existing(a)), "the first address is given again");
        assert_eq!(remove(b), Removed::Unknown, "the second mapping was never recorded");
        assert_eq!(remove(a), Removed::StillOpen);
        assert_eq!(remove(a), Removed::Last);
        assert_eq!(remove(a), Removed::Unknown, "closed: no longer a semaphore");
    }

    #[test]
    fn distinct_objects_are_distinct() {
        let (id3, a3) = fake(3);
        let (id4, a4) = fake(4);
        let (id5, a5) = fake(5);
        assert_eq!(add(id3, a3), Some(Added::New));
        assert_eq!(add(id4, a4), Some(Added::New));
        assert_eq!(add(id5, a5), Some(Added::New));
        // Removing from the middle and the head of the list keeps the rest.
        assert_eq!(remove(a4), Removed::Last);
        assert_eq!(remove(a5), Removed::Last);
        assert_eq!(add(id3, a5), Some(Added::Existing(a3)));
        assert_eq!(remove(a3), Removed::StillOpen);
        assert_eq!(remove(a3), Removed::Last);
    }
}
