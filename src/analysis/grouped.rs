//! Items grouped by a small integer key (compressed rows): residents by the
//! road segment they are attached to, segments by node. Catchment searches
//! read them to find the residents near what a search reached.

/// Items grouped by a key below a bound (compressed rows), in input order
/// within a key.
pub(crate) struct Grouped<T> {
    offsets: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Grouped<T> {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T> Grouped<T> {
    /// Group `(key, item)` pairs with keys below `keys` (others are dropped).
    pub(crate) fn new(keys: usize, pairs: impl Iterator<Item = (u32, T)>) -> Self {
        let mut pairs: Vec<(u32, T)> = pairs.filter(|(k, _)| (*k as usize) < keys).collect();
        pairs.sort_by_key(|(k, _)| *k);
        let mut offsets = vec![0u32; keys + 1];
        for (k, _) in &pairs {
            offsets[*k as usize + 1] += 1;
        }
        for k in 0..keys {
            offsets[k + 1] += offsets[k];
        }
        Self {
            offsets,
            items: pairs.into_iter().map(|(_, t)| t).collect(),
        }
    }

    /// The items of `key` (none when out of range).
    pub(crate) fn get(&self, key: usize) -> &[T] {
        match (self.offsets.get(key), self.offsets.get(key + 1)) {
            (Some(&lo), Some(&hi)) => &self.items[lo as usize..hi as usize],
            _ => &[],
        }
    }
}
