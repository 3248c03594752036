//! The messages of a queue in arrival order, and the type test a receiver picks one with.

use alloc::collections::VecDeque;

use super::{Boxed, Message, MsgFlags};

/// Which message a receiver takes, from msgrcv's `msgtyp` and flags (Linux's search
/// modes, `convert_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// `msgtyp` 0: the first message.
    First,
    /// `msgtyp` > 0: the first message of that type.
    Type(i64),
    /// `msgtyp` > 0 with MSG_EXCEPT: the first message of any other type.
    NotType(i64),
    /// `msgtyp` < 0: a message of the lowest type at most |msgtyp|, the first among equals.
    AtMost(i64),
    /// MSG_COPY: the message at this 0-based position (a negative one names none).
    Index(i64),
}

impl Wanted {
    /// The test msgrcv's arguments ask for. MSG_EXCEPT matters only with `msgtyp` > 0.
    pub fn new(msgtyp: i64, flags: MsgFlags) -> Self {
        if flags.contains(MsgFlags::COPY) {
            return Self::Index(msgtyp);
        }
        match msgtyp {
            0 => Self::First,
            // |LONG_MIN| is not a long: Linux takes LONG_MAX.
            t if t < 0 => Self::AtMost(t.checked_neg().unwrap_or(i64::MAX)),
            t if flags.contains(MsgFlags::EXCEPT) => Self::NotType(t),
            t => Self::Type(t),
        }
    }

    /// Whether a message of type `mtype` passes the test (an index passes any: its
    /// position decides).
    pub fn accepts(self, mtype: i64) -> bool {
        match self {
            Self::First | Self::Index(_) => true,
            Self::Type(t) => mtype == t,
            Self::NotType(t) => mtype != t,
            Self::AtMost(t) => mtype <= t,
        }
    }
}

/// Queued messages, first first, with the bytes of text they hold (`cbytes`).
#[derive(Debug, Default)]
pub(super) struct Messages {
    list: VecDeque<Boxed>,
    bytes: u64,
}

impl Messages {
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Message> {
        self.list.iter().map(|message| &**message)
    }

    pub(super) fn get(&self, index: usize) -> &Message {
        &self.list[index]
    }

    /// Appends a message.
    pub(super) fn push(&mut self, message: Boxed) {
        self.bytes += message.text.len() as u64;
        self.list.push_back(message);
    }

    /// Removes the message at `index`.
    pub(super) fn remove(&mut self, index: usize) -> Boxed {
        let message = self.list.remove(index).expect("index from find");
        self.bytes -= message.text.len() as u64;
        message
    }

    /// Where the message `wanted` picks is, if there is one.
    pub(super) fn find(&self, wanted: Wanted) -> Option<usize> {
        match wanted {
            Wanted::Index(index) => usize::try_from(index).ok().filter(|&i| i < self.list.len()),
            Wanted::AtMost(_) => {
                let mut lowest: Option<(usize, i64)> = None;
                for (i, message) in self.list.iter().enumerate() {
                    if wanted.accepts(message.mtype) && lowest.is_none_or(|(_, low)| message.mtype < low) {
                        lowest = Some((i, message.mtype));
                    }
                }
                lowest.map(|(i, _)| i)
            }
            _ => self.list.iter().position(|message| wanted.accepts(message.mtype)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(types: &[i64]) -> Messages {
        let mut messages = Messages::default();
        for (i, &mtype) in types.iter().enumerate() {
            messages.push(Box::new(Message { mtype, text: alloc::vec![0; i] }));
        }
        messages
    }

    #[test]
    fn each_search_mode_picks_as_the_man_page_says() {
        let q = queue(&[3, 1, 2, 1, 5]);
        let none = MsgFlags::empty();
        let find = |msgtyp, flags| q.find(Wanted::new(msgtyp, flags));
        assert_eq!(find(0, none), Some(0), "0: the first");
        assert_eq!(find(1, none), Some(1), "> 0: the first of that type");
        assert_eq!(find(4, none), None);
        assert_eq!(find(3, MsgFlags::EXCEPT), Some(1), "EXCEPT: the first of another type");
        assert_eq!(find(0, MsgFlags::EXCEPT), Some(0), "EXCEPT is ignored with 0");
        assert_eq!(find(-2, none), Some(1), "< 0: the lowest type, the first among equals");
        assert_eq!(find(-2, MsgFlags::EXCEPT), Some(1), "EXCEPT is ignored with < 0");
        assert_eq!(find(-5, none), Some(1));
        assert_eq!(find(i64::MIN, none), Some(1), "|LONG_MIN| is LONG_MAX");
        assert_eq!(queue(&[3, 4]).find(Wanted::new(-2, none)), None);
        assert_eq!(queue(&[4, 3, 3]).find(Wanted::new(-9, none)), Some(1));
        let copy = MsgFlags::COPY | MsgFlags::NOWAIT;
        assert_eq!(find(4, copy), Some(4), "COPY: an index");
        assert_eq!((find(5, copy), find(-1, copy)), (None, None));
    }

    #[test]
    fn bytes_follow_the_text_queued() {
        let mut q = queue(&[1, 1, 1, 1]);
        assert_eq!((q.len(), q.bytes()), (4, 6));
        assert_eq!(q.remove(2).text.len(), 2);
        assert_eq!((q.len(), q.bytes()), (3, 4));
        assert_eq!(q.iter().map(|m| m.text.len()).collect::<alloc::vec::Vec<_>>(), [0, 1, 3]);
    }
}
