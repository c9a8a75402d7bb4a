//! The work list of the bounded search: entries `(seconds, node)` in
//! buckets of equal width over `[0, limit]`, processed bucket by bucket.
//!
//! Within a bucket, entries are taken first in, first out, and a node that
//! is lowered again inside its bucket is simply processed again, so the
//! search is label-correcting: it ends with exact shortest times, like
//! Dijkstra's, while the order is loose enough that the processor can fetch
//! the next nodes' arcs while it works on the current one. That order is what
//! makes it faster than a heap on large networks, where time goes to waiting
//! for memory, not to comparisons.

/// Buckets per search: fine enough that few nodes are lowered twice inside a
/// bucket (road segments take seconds, a bucket a fraction of one on foot).
const BUCKETS: usize = 1024;

/// Entries `(seconds, node)` bucketed by time up to a limit.
#[derive(Clone, Debug, Default)]
pub struct TimeBuckets {
    /// Buckets per second.
    per_second: f32,
    buckets: Vec<Vec<(f32, u32)>>,
}

impl TimeBuckets {
    /// Empty buckets over `[0, limit]` (memory is kept from earlier use). An
    /// infinite or zero limit puts everything in one bucket: still exact,
    /// only slower.
    pub fn reset(&mut self, limit: f32) {
        if self.buckets.len() != BUCKETS {
            self.buckets = vec![Vec::new(); BUCKETS];
        }
        for b in &mut self.buckets {
            b.clear();
        }
        self.per_second = if limit.is_finite() && limit > 0.0 {
            BUCKETS as f32 / limit
        } else {
            0.0
        };
    }

    /// Bucket of `secs` (monotone in `secs`).
    #[inline]
    pub fn bucket_of(&self, secs: f32) -> usize {
        ((secs * self.per_second) as usize).min(BUCKETS - 1)
    }

    /// Add `node` at `secs`.
    #[inline]
    pub fn push(&mut self, secs: f32, node: u32) {
        let b = self.bucket_of(secs);
        self.buckets[b].push((secs, node));
    }

    /// Add `node` at `secs` while bucket `b` is worked on, its entries
    /// taken out as `list`: to the end of that list when `secs` falls in
    /// `b` or before (processed in this bucket), else into its bucket.
    #[inline]
    pub fn push_while(&mut self, b: usize, list: &mut Vec<(f32, u32)>, secs: f32, node: u32) {
        if self.bucket_of(secs) <= b {
            list.push((secs, node));
        } else {
            self.push(secs, node);
        }
    }

    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// Take bucket `b` out for processing (give it back with
    /// [`TimeBuckets::put_back`] to keep its memory).
    pub fn take(&mut self, b: usize) -> Vec<(f32, u32)> {
        std::mem::take(&mut self.buckets[b])
    }

    /// Return the emptied list of bucket `b`.
    pub fn put_back(&mut self, b: usize, mut list: Vec<(f32, u32)>) {
        list.clear();
        self.buckets[b] = list;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotone_and_bounded() {
        let mut q = TimeBuckets::default();
        q.reset(900.0);
        assert_eq!(q.bucket_of(0.0), 0);
        assert_eq!(q.bucket_of(900.0), BUCKETS - 1);
        assert_eq!(q.bucket_of(1e9), BUCKETS - 1);
        let mut last = 0;
        for i in 0..10_000 {
            let b = q.bucket_of(i as f32 * 0.09);
            assert!(b >= last);
            last = b;
        }
        q.reset(f32::INFINITY);
        assert_eq!(q.bucket_of(1e30), 0);
    }
}
