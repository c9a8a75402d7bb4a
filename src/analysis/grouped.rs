//! Small shared structures of the searches: items grouped by a small
//! integer key (compressed rows: residents by the road segment they are
//! attached to, segments by node), which catchment searches read to find
//! the residents near what a search reached; and the max-heap entry of the
//! lazy greedy site searches (suggest, suggest with capacity, plan).

use super::engine::{Attachment, Study};
use crate::network::Network;
use std::cmp::Ordering;

/// Max-heap entry of a lazy greedy: (key, item); the higher key first,
/// then the smaller item (the first candidate among equals).
#[derive(PartialEq)]
pub(crate) struct Entry(pub f64, pub usize);
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
    }
}

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

/// Per mode, the demand points `keep` accepts that a usable road reaches,
/// by the segment they are attached to: `(point, attachment)`.
pub(crate) fn points_by_segment(
    study: &Study,
    net: &Network,
    keep: impl Fn(usize) -> bool,
) -> [Grouped<(u32, Attachment)>; 3] {
    let mut by_segment: [Grouped<(u32, Attachment)>; 3] = Default::default();
    for (m, list) in by_segment.iter_mut().enumerate() {
        let attached = study.attachments[m]
            .iter()
            .enumerate()
            .filter(|&(r, at)| at.dirs != 0 && keep(r))
            .map(|(r, at)| (at.segment, (r as u32, *at)));
        *list = Grouped::new(net.segments.len(), attached);
    }
    by_segment
}

/// The segments touching each node of `net`.
pub(crate) fn segments_by_node(net: &Network) -> Grouped<u32> {
    let ends = net
        .segments
        .iter()
        .enumerate()
        .flat_map(|(i, s)| [(s.a, i as u32), (s.b, i as u32)]);
    Grouped::new(net.node_count(), ends)
}
