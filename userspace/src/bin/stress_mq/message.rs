//! The messages of `stress_mq`: everything about message `(s, n)` is a function of
//! `(s, n)` (its length, its priority and every byte), so that whoever gets one can
//! recompute it and compare; short messages carry `(s, n)` in their priority and bytes
//! together (see the program's header).

use super::*;

/// Messages of at least this many bytes start with (sender, number).
pub(crate) const HEADER: usize = 8;
/// Priorities many messages share.
pub(crate) const HOT: [u32; 5] = [0, 1, 16_384, 32_766, 32_767];

/// Bits of the sender and of the number a message of `len < HEADER` bytes carries.
const SHORT_BITS: [(u32, u32); HEADER] = [(5, 10), (8, 15), (10, 21), (12, 27), (15, 32), (23, 32), (28, 32), (28, 32)];

/// The odd multiplier of the short messages' mix, and its inverse modulo 2^128.
const MIX: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;
const MIX_INV: u128 = {
    let mut x = MIX;
    let mut i = 0;
    while i < 7 {
        x = x.wrapping_mul(2u128.wrapping_sub(MIX.wrapping_mul(x)));
        i += 1;
    }
    x
};

/// The bits a message of `len < HEADER` bytes carries: the priority's 15 and its bytes.
const fn short_width(len: usize) -> u32 {
    15 + 8 * len as u32
}

/// A reversible mix of the low `bits` bits of `v`, so that the priorities and bytes of
/// short messages look random.
fn mix(v: u128, bits: u32, mul: u128) -> u128 {
    let mask = (1u128 << bits) - 1;
    let shift = bits.div_ceil(2);
    let mut x = v.wrapping_mul(mul) & mask;
    x ^= x >> shift;
    x.wrapping_mul(mul) & mask
}

/// Whether message `(sender, seq)` fits in a short message of `len` bytes.
fn short_fits(len: usize, sender: u32, seq: u32) -> bool {
    let (sb, nb) = SHORT_BITS[len];
    u64::from(sender) < 1 << sb && u64::from(seq) < 1 << nb
}

/// The priority and bytes of short message `(sender, seq)` of `len` bytes.
fn short_encode(len: usize, sender: u32, seq: u32) -> (u32, [u8; 16]) {
    let (_, nb) = SHORT_BITS[len];
    let code = (u128::from(sender) << nb) | u128::from(seq);
    let v = mix(code, short_width(len), MIX);
    ((v & 0x7fff) as u32, (v >> 15).to_le_bytes())
}

/// Who a short message claims to be from.
fn short_decode(bytes: &[u8], prio: u32) -> Option<(u32, u32)> {
    let len = bytes.len();
    let (sb, nb) = SHORT_BITS[len];
    let mut wide = [0u8; 16];
    wide[..len].copy_from_slice(bytes);
    let v = u128::from(prio) | (u128::from_le_bytes(wide) << 15);
    let bits = short_width(len);
    // The inverse of `mix`: the xorshift is its own inverse (the shift is at least half).
    let mask = (1u128 << bits) - 1;
    let mut x = v.wrapping_mul(MIX_INV) & mask;
    x ^= x >> bits.div_ceil(2);
    let code = x.wrapping_mul(MIX_INV) & mask;
    if code >> (sb + nb) != 0 {
        return None;
    }
    Some(((code >> nb) as u32, (code & ((1 << nb) - 1)) as u32))
}

/// The length and priority of message `seq` of `sender`.
pub(crate) fn shape(sender: u32, seq: u32) -> (usize, u32) {
    let key = message_key(sender, seq);
    let pick = (key >> 8) as usize;
    let mut len = match key % 100 {
        0..=3 => 0,
        4..=9 => 1 + pick % (HEADER - 1),
        10..=13 => MSGSIZE,
        14..=33 => HEADER + pick % (MSGSIZE - HEADER + 1),
        _ => HEADER + pick % 120,
    };
    if len < HEADER && !short_fits(len, sender, seq) {
        len = HEADER;
    }
    let prio = if len < HEADER {
        short_encode(len, sender, seq).0
    } else if (key >> 40) % 10 < 3 {
        HOT[((key >> 44) % HOT.len() as u64) as usize]
    } else {
        ((key >> 48) % u64::from(MQ_PRIO_MAX)) as u32
    };
    (len, prio)
}

/// Writes the bytes of message `seq` of `sender` into `text` (its whole length).
pub(crate) fn fill(sender: u32, seq: u32, text: &mut [u8]) {
    if text.len() < HEADER {
        let (_, bytes) = short_encode(text.len(), sender, seq);
        text.copy_from_slice(&bytes[..text.len()]);
        return;
    }
    let mut rng = Rng(message_key(sender, seq) | 1);
    for chunk in text.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes()[..chunk.len()]);
    }
    text[..4].copy_from_slice(&sender.to_le_bytes());
    text[4..8].copy_from_slice(&seq.to_le_bytes());
}

pub(crate) fn word(bytes: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]])
}

/// Checks a message received as `text` with priority `prio`: every byte must be what its
/// sender wrote. Returns who it is from, or `Err` with what it claims (if anything).
pub(crate) fn verify(text: &[u8], prio: u32, scratch: &mut [u8]) -> Result<(u32, u32), Option<(u32, u32)>> {
    let claim = if text.len() < HEADER { short_decode(text, prio) } else { Some((word(text, 0), word(text, 1))) };
    let claim = claim.ok_or(None)?;
    let (sender, seq) = claim;
    if sender >= MAX_ID {
        return Err(Some(claim));
    }
    if shape(sender, seq) != (text.len(), prio) {
        return Err(Some(claim));
    }
    let expected = &mut scratch[..text.len()];
    fill(sender, seq, expected);
    if text != expected {
        return Err(Some(claim));
    }
    Ok(claim)
}
