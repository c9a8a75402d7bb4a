//! A radix heap: the priority queue of Dijkstra's search, where keys only
//! grow. Keys are non-negative `f32` seconds, whose bit patterns order like
//! their values; an entry moves between at most 33 buckets in its life, which
//! makes pushes and pops cheaper than in a binary heap.

/// Monotone min-queue of `(seconds, node)`.
#[derive(Clone, Debug)]
pub struct RadixHeap {
    /// The last key popped (pushes must not be smaller).
    last: u32,
    buckets: [Vec<(u32, u32)>; 33],
    len: usize,
}

impl Default for RadixHeap {
    fn default() -> Self {
        Self {
            last: 0,
            buckets: std::array::from_fn(|_| Vec::new()),
            len: 0,
        }
    }
}

impl RadixHeap {
    fn bucket(key: u32, last: u32) -> usize {
        if key == last {
            0
        } else {
            32 - (key ^ last).leading_zeros() as usize
        }
    }

    /// Add `node` at `secs` (non-negative, not below the last popped key).
    pub fn push(&mut self, secs: f32, node: u32) {
        let key = secs.to_bits();
        debug_assert!(key >= self.last, "radix heap keys must not decrease");
        self.buckets[Self::bucket(key, self.last)].push((key, node));
        self.len += 1;
    }

    /// The entry with the smallest key.
    pub fn pop(&mut self) -> Option<(f32, u32)> {
        if self.buckets[0].is_empty() {
            let i = (1..33).find(|&i| !self.buckets[i].is_empty())?;
            let mut items = std::mem::take(&mut self.buckets[i]);
            self.last = items.iter().map(|e| e.0).min()?;
            for &(k, v) in &items {
                self.buckets[Self::bucket(k, self.last)].push((k, v));
            }
            items.clear();
            self.buckets[i] = items;
        }
        let (k, v) = self.buckets[0].pop()?;
        self.len -= 1;
        Some((f32::from_bits(k), v))
    }

    /// Empty the heap (keeping its memory) for a new search.
    pub fn clear(&mut self) {
        for b in &mut self.buckets {
            b.clear();
        }
        self.last = 0;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pops in key order, against a sorted list, with pushes in between
    /// that respect monotonicity.
    #[test]
    fn pops_in_order() {
        let mut h = RadixHeap::default();
        let mut seed = 11u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 40) as f32 / 1000.0
        };
        let mut reference: Vec<f32> = Vec::new();
        for i in 0..200 {
            let s = next();
            h.push(s, i);
            reference.push(s);
        }
        let mut popped = Vec::new();
        while let Some((s, _)) = h.pop() {
            popped.push(s);
            if popped.len() < 300 {
                let later = s + next();
                h.push(later, 0);
                reference.push(later);
            }
        }
        reference.sort_by(f32::total_cmp);
        assert_eq!(popped, reference);
        assert_eq!(h.pop(), None);
    }
}
