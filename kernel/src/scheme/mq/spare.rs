//! Message records kept for reuse: a message's record and text buffer go back here once
//! its receiver has copied it out, and the next send fills them, so a steady stream of
//! messages does not allocate (an allocation and a free cost about as much as the rest
//! of a call). Bounded in count and in the size of the buffers kept.

use arrayvec::ArrayVec;

use crate::scheme::ipc::mq::{Boxed, MSGSIZE_MAX, Message};

/// Most records kept.
const KEPT: usize = 16;

/// The spare records. Lock order: a leaf (taken under `MQS` or under no lock).
static SPARE: spin::Mutex<ArrayVec<Boxed, KEPT>> = spin::Mutex::new(ArrayVec::new_const());

/// A record with an empty text: a spare one, or a new one.
pub(super) fn take() -> Boxed {
    SPARE.lock().pop().unwrap_or_else(|| Message::boxed(0, alloc::vec::Vec::new()))
}

/// Keeps `message`'s record for a later send, if there is room and its buffer is not
/// larger than an unprivileged queue's messages can be.
pub(super) fn give_back(mut message: Boxed) {
    if message.data.capacity() <= MSGSIZE_MAX as usize {
        message.data.clear();
        let _ = SPARE.lock().try_push(message);
    }
}

/// Frees the spare records (`/scheme/sys/drop_caches`).
pub fn drop_all() {
    let spare = core::mem::take(&mut *SPARE.lock());
    drop(spare);
}
