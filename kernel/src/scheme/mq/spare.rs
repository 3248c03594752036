//! Message buffers kept for reuse: a message's buffer goes back here once its receiver
//! has copied it out, and the next send fills it, so a steady stream of messages does
//! not allocate (an allocation and a free cost about as much as the rest of a call).
//! Bounded in count and in the size of the buffers kept.

use alloc::vec::Vec;

use arrayvec::ArrayVec;

use crate::scheme::ipc::mq::MSGSIZE_MAX;

/// Most buffers kept.
const KEPT: usize = 16;

/// The spare buffers. Lock order: a leaf, taken under no other lock.
static SPARE: spin::Mutex<ArrayVec<Vec<u8>, KEPT>> = spin::Mutex::new(ArrayVec::new_const());

/// An empty buffer: a spare one, or a new one.
pub(super) fn take() -> Vec<u8> {
    SPARE.lock().pop().unwrap_or_default()
}

/// Keeps `buffer` for a later send, if there is room and it is not larger than an
/// unprivileged queue's messages can be.
pub(super) fn give_back(mut buffer: Vec<u8>) {
    if buffer.capacity() <= MSGSIZE_MAX as usize {
        buffer.clear();
        let _ = SPARE.lock().try_push(buffer);
    }
}
