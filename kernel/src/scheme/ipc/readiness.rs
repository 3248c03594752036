//! What an event queue registration reports, as epoll(7) says: the conditions it asks for
//! that are true, every time (level-triggered) or once each time they become true
//! (`EVENT_EDGE`, Linux's `EPOLLET`); in Linux's epoll events for `SYS_EPOLL_WAIT`; and
//! nothing more after one report when it is one-shot (`EPOLLONESHOT`), until it is
//! written again.
//!
//! A registration's `flags` are the kernel's conditions (`EVENT_READ`, `EVENT_WRITE`,
//! `EVENT_HUP`, `EVENT_ERR`), `EVENT_EDGE`, and from `EVENT_EPOLL_SHIFT` up the epoll
//! events it was asked for; `reported` holds, for an edge-triggered one, the conditions
//! reported and not seen false since. The event scheme (`scheme::event`) keeps both
//! and asks these functions.

use kestrel_abi::syscall::{
    EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLRDNORM, EPOLLWRNORM, EVENT_EDGE, EVENT_EPOLL_SHIFT,
    EVENT_ERR, EVENT_HUP, EVENT_READ, EVENT_WRITE,
};

/// The conditions a registration can ask for.
pub const CONDITIONS: usize = EVENT_READ | EVENT_WRITE | EVENT_HUP | EVENT_ERR;

/// Whether a registration with `flags` asks for anything (a one-shot one that has been
/// reported does not).
#[inline(always)]
pub fn armed(flags: usize) -> bool {
    flags & CONDITIONS != 0
}

/// The conditions to report now, given the descriptor's readiness `ready`: those asked
/// for that are true, less, for an edge-triggered registration, those reported and
/// still true. A condition seen false is forgotten from `reported`, so that it is
/// reported again when it next becomes true.
#[inline(always)]
pub fn to_report(flags: usize, reported: &mut usize, ready: usize) -> usize {
    let ready = ready & flags & CONDITIONS;
    *reported &= ready;
    if flags & EVENT_EDGE != 0 { ready & !*reported } else { ready }
}

/// After conditions `new` were reported: an edge-triggered registration remembers them,
/// a one-shot one asks for nothing more until it is written again.
#[inline(always)]
pub fn after_report(flags: &mut usize, reported: &mut usize, new: usize) {
    if *flags & EVENT_EDGE != 0 {
        *reported |= new;
    }
    if (*flags >> EVENT_EPOLL_SHIFT) as u32 & EPOLLONESHOT != 0 {
        *flags &= !CONDITIONS;
    }
}

/// The epoll events of a report of conditions `new` by a registration with `flags`:
/// `EVENT_READ` gives the `EPOLLIN` and `EPOLLRDNORM` it asked for, `EVENT_WRITE` its
/// `EPOLLOUT` and `EPOLLWRNORM`, and hang-up and error are `EPOLLHUP` and `EPOLLERR`
/// always (epoll_ctl(2): they need not be asked for). A registration that carries no
/// epoll events reads as one that asked for `EPOLLIN | EPOLLOUT`.
#[inline(always)]
pub fn epoll_events(flags: usize, new: usize) -> u32 {
    let asked = match (flags >> EVENT_EPOLL_SHIFT) as u32 {
        0 => EPOLLIN | EPOLLOUT,
        asked => asked,
    };
    let mut events = 0;
    if new & EVENT_READ != 0 {
        events |= asked & (EPOLLIN | EPOLLRDNORM);
    }
    if new & EVENT_WRITE != 0 {
        events |= asked & (EPOLLOUT | EPOLLWRNORM);
    }
    if new & EVENT_HUP != 0 {
        events |= EPOLLHUP;
    }
    if new & EVENT_ERR != 0 {
        events |= EPOLLERR;
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_epoll(conditions: usize, epoll: u32) -> usize {
        conditions | (epoll as usize) << EVENT_EPOLL_SHIFT
    }

    #[test]
    fn level_triggered_reports_every_time_while_ready() {
        let flags = EVENT_READ;
        let mut reported = 0;
        for _ in 0..3 {
            let new = to_report(flags, &mut reported, EVENT_READ | EVENT_WRITE);
            assert_eq!(new, EVENT_READ, "only what it asked for");
            let mut unchanged = flags;
            after_report(&mut unchanged, &mut reported, new);
            assert_eq!(unchanged, flags, "a level-triggered registration stays as it is");
        }
        assert_eq!(to_report(flags, &mut reported, 0), 0);
    }

    #[test]
    fn edge_triggered_reports_once_per_rise() {
        let mut flags = EVENT_READ | EVENT_WRITE | EVENT_EDGE;
        let mut reported = 0;
        let new = to_report(flags, &mut reported, EVENT_READ);
        assert_eq!(new, EVENT_READ);
        after_report(&mut flags, &mut reported, new);
        assert_eq!(to_report(flags, &mut reported, EVENT_READ), 0, "still readable: nothing new");
        // Writable rises while readable stays: only the new condition.
        let new = to_report(flags, &mut reported, EVENT_READ | EVENT_WRITE);
        assert_eq!(new, EVENT_WRITE);
        after_report(&mut flags, &mut reported, new);
        // Readable falls and rises again: reported again.
        assert_eq!(to_report(flags, &mut reported, EVENT_WRITE), 0);
        assert_eq!(to_report(flags, &mut reported, EVENT_READ | EVENT_WRITE), EVENT_READ);
    }

    #[test]
    fn one_shot_is_disarmed_by_its_report() {
        let mut flags = with_epoll(EVENT_READ | EVENT_HUP | EVENT_ERR, EPOLLIN | EPOLLONESHOT);
        let mut reported = 0;
        assert!(armed(flags));
        let new = to_report(flags, &mut reported, EVENT_READ);
        assert_eq!(new, EVENT_READ);
        after_report(&mut flags, &mut reported, new);
        assert!(!armed(flags));
        assert_eq!(to_report(flags, &mut reported, EVENT_READ | EVENT_HUP), 0, "nothing until written again");
        // The epoll events stay for when it is written again.
        assert_eq!((flags >> EVENT_EPOLL_SHIFT) as u32, EPOLLIN | EPOLLONESHOT);
    }

    #[test]
    fn epoll_events_are_those_asked_for_plus_hangup_and_error() {
        let flags = with_epoll(EVENT_READ | EVENT_HUP | EVENT_ERR, EPOLLIN);
        assert_eq!(epoll_events(flags, EVENT_READ), EPOLLIN);
        assert_eq!(epoll_events(flags, EVENT_READ | EVENT_HUP), EPOLLIN | EPOLLHUP);
        assert_eq!(epoll_events(flags, EVENT_ERR), EPOLLERR);
        let both = with_epoll(EVENT_READ | EVENT_WRITE, EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM);
        assert_eq!(epoll_events(both, EVENT_READ | EVENT_WRITE), EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM);
        // A registration without epoll events (a Redox-style one).
        assert_eq!(epoll_events(EVENT_READ | EVENT_WRITE, EVENT_READ | EVENT_WRITE), EPOLLIN | EPOLLOUT);
    }

    #[test]
    fn every_report_is_within_what_was_asked() {
        // Every combination of asked conditions, edge mode and readiness: a report never
        // holds a condition that was not asked for or is not true, and its epoll events
        // never hold an input or output bit that was not asked for.
        let all = [EVENT_READ, EVENT_WRITE, EVENT_HUP, EVENT_ERR];
        for asked in 0..16usize {
            let conditions: usize = all.iter().enumerate().filter(|(i, _)| asked >> i & 1 == 1).map(|(_, c)| c).sum();
            for edge in [0, EVENT_EDGE] {
                let epoll = EPOLLIN | EPOLLOUT;
                let flags = with_epoll(conditions | edge, epoll);
                let mut reported = 0;
                for ready_bits in 0..16usize {
                    let ready: usize =
                        all.iter().enumerate().filter(|(i, _)| ready_bits >> i & 1 == 1).map(|(_, c)| c).sum();
                    let new = to_report(flags, &mut reported, ready);
                    assert_eq!(new & !(conditions & ready), 0);
                    let events = epoll_events(flags, new);
                    assert_eq!(events & (EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM) & !epoll, 0);
                    let mut f = flags;
                    after_report(&mut f, &mut reported, new);
                }
            }
        }
    }
}
