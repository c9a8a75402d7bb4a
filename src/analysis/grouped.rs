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

impl<T: Copy> Grouped<T> {
    /// Group `(key, item)` pairs with keys below `keys` (others are dropped),
    /// by a counting sort: linear in the pairs, input order kept per key.
    pub(crate) fn new(keys: usize, pairs: impl Iterator<Item = (u32, T)>) -> Self {
        let pairs: Vec<(u32, T)> = pairs.filter(|(k, _)| (*k as usize) < keys).collect();
        let mut offsets = vec![0u32; keys + 1];
        for (k, _) in &pairs {
            offsets[*k as usize + 1] += 1;
        }
        for k in 0..keys {
            offsets[k + 1] += offsets[k];
        }
        let Some(&(_, first)) = pairs.first() else {
            return Self {
                offsets,
                items: Vec::new(),
            };
        };
        let mut next = offsets.clone();
        let mut items = vec![first; pairs.len()];
        for (k, t) in pairs {
            let at = &mut next[k as usize];
            items[*at as usize] = t;
            *at += 1;
        }
        Self { offsets, items }
    }

    /// The items of `key` (none when out of range).
    pub(crate) fn get(&self, key: usize) -> &[T] {
        match (self.offsets.get(key), self.offsets.get(key + 1)) {
            (Some(&lo), Some(&hi)) => &self.items[lo as usize..hi as usize],
            _ => &[],
        }
    }
}

/// Per mode of the `modes` bits (`1 << Mode::index()`), the demand points
/// `keep` accepts that a usable road reaches, by the segment they are
/// attached to: `(point, attachment)`; other modes are left empty.
pub(crate) fn points_by_segment(
    study: &Study,
    net: &Network,
    modes: u8,
    keep: impl Fn(usize) -> bool + Sync,
) -> [Grouped<(u32, Attachment)>; 3] {
    let mut by_segment: [Grouped<(u32, Attachment)>; 3] = Default::default();
    for (m, list) in by_segment.iter_mut().enumerate() {
        if modes & (1 << m) == 0 {
            continue;
        }
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
