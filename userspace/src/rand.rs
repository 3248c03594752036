//! A small pseudo-random sequence for the stress tests (xorshift64): each process seeds
//! its own, so runs differ by seed but a seed replays.

/// The generator's state (never 0: seed it with an odd number).
pub struct Rng(pub u64);

impl Rng {
    /// The next value of the sequence.
    #[allow(clippy::should_implement_trait, reason = "a generator, not an iterator that ends")]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
