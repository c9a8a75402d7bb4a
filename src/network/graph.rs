//! Timed graph of one travel mode, stored as compact incoming-arc lists
//! (CSR), and the bounded multi-source shortest-time search that runs on it.

use super::Network;
use super::time_buckets::TimeBuckets;
use crate::model::{Mode, Oneway, Profile};
use rayon::prelude::*;

/// Bit in [`ModeGraph::seg_dirs`]: the mode may travel from `a` to `b`.
pub const TRAVERSE_FORWARD: u8 = 1;
/// Bit in [`ModeGraph::seg_dirs`]: the mode may travel from `b` to `a`.
pub const TRAVERSE_BACKWARD: u8 = 2;

/// The network timed for one mode.
#[derive(Clone, Debug)]
pub struct ModeGraph {
    pub mode: Mode,
    /// Seconds to travel each whole segment (meaningless where `seg_dirs` is 0).
    pub seg_seconds: Vec<f32>,
    /// Allowed directions per segment; 0 when the mode may not use it.
    pub seg_dirs: Vec<u8>,
    /// Speed on the straight connector, metres per second.
    pub connector_mps: f64,
    in_offsets: Vec<u32>,
    /// Incoming arcs of all nodes, `in_offsets[v]..in_offsets[v + 1]` for
    /// node `v`. Source and time sit side by side: the search reads both.
    in_arcs: Vec<InArc>,
}

/// An arc u→v as stored at v.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct InArc {
    from: u32,
    seconds: f32,
}

impl ModeGraph {
    /// Time the network for `mode` with the profile's speeds. `walk` and
    /// `bike` ignore `oneway`; `drive` honours it and uses `maxspeed` or the
    /// class table.
    pub fn build(net: &Network, mode: Mode, profile: &Profile) -> Self {
        let n = net.node_count();
        let constant = profile.constant_speed_mps(mode);
        let connector_mps = constant.unwrap_or(profile.modes.walk.speed_kmh / 3.6);
        // Per road: directions allowed (if the class is usable) and speed.
        let class_kmh: Vec<f64> = net
            .classes
            .iter()
            .map(|c| profile.modes.drive.speed_kmh(Some(c), None))
            .collect();
        let per_road: Vec<(u8, f64)> = net
            .roads
            .iter()
            .map(|road| {
                let dirs = match (mode, road.oneway) {
                    (Mode::Drive, Oneway::Forward) => TRAVERSE_FORWARD,
                    (Mode::Drive, Oneway::Backward) => TRAVERSE_BACKWARD,
                    _ => TRAVERSE_FORWARD | TRAVERSE_BACKWARD,
                };
                let mps = constant.unwrap_or_else(|| {
                    let kmh = match road.maxspeed_kmh.filter(|m| m.is_finite() && *m > 0.0) {
                        Some(m) => m,
                        None => road
                            .class
                            .map_or(profile.modes.drive.other_kmh, |c| class_kmh[c as usize]),
                    };
                    kmh / 3.6
                });
                (dirs, mps)
            })
            .collect();
        let (seg_seconds, seg_dirs): (Vec<f32>, Vec<u8>) = net
            .segments
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                let (dirs, mps) = per_road[s.road as usize];
                let dirs = if net.is_usable(i as u32, mode) {
                    dirs
                } else {
                    0
                };
                ((s.length_m / mps) as f32, dirs)
            })
            .unzip();
        // Incoming arcs: an arc u→v is stored at v as (u, seconds).
        let mut count = vec![0u32; n + 1];
        for (s, &d) in net.segments.iter().zip(&seg_dirs) {
            if d & TRAVERSE_FORWARD != 0 {
                count[s.b as usize + 1] += 1;
            }
            if d & TRAVERSE_BACKWARD != 0 {
                count[s.a as usize + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let in_offsets = count.clone();
        let arcs = in_offsets[n] as usize;
        let mut in_arcs = vec![InArc::default(); arcs];
        let mut fill = count;
        for ((s, &d), &seconds) in net.segments.iter().zip(&seg_dirs).zip(&seg_seconds) {
            if d & TRAVERSE_FORWARD != 0 {
                let slot = &mut fill[s.b as usize];
                in_arcs[*slot as usize] = InArc { from: s.a, seconds };
                *slot += 1;
            }
            if d & TRAVERSE_BACKWARD != 0 {
                let slot = &mut fill[s.a as usize];
                in_arcs[*slot as usize] = InArc { from: s.b, seconds };
                *slot += 1;
            }
        }
        Self {
            mode,
            seg_seconds,
            seg_dirs,
            connector_mps,
            in_offsets,
            in_arcs,
        }
    }

    pub fn node_count(&self) -> usize {
        self.in_offsets.len() - 1
    }

    /// Number of directed arcs.
    pub fn arc_count(&self) -> usize {
        self.in_arcs.len()
    }

    /// Incoming arcs of `v`: `(u, seconds)` for every arc u→v.
    pub fn in_arcs(&self, v: u32) -> impl Iterator<Item = (u32, f32)> + '_ {
        let lo = self.in_offsets[v as usize] as usize;
        let hi = self.in_offsets[v as usize + 1] as usize;
        self.in_arcs[lo..hi].iter().map(|a| (a.from, a.seconds))
    }

    /// Asks the processor for where node `v`'s arcs begin: a search does
    /// this for a node far ahead in its list.
    #[inline(always)]
    pub fn prefetch_offsets(&self, v: u32) {
        prefetch(&self.in_offsets, v as usize);
    }

    /// Asks the processor for node `v`'s arcs: a search does this for a
    /// node nearer in its list, whose offset is likely in cache by then.
    #[inline(always)]
    pub fn prefetch_arcs(&self, v: u32) {
        if let Some(&lo) = self.in_offsets.get(v as usize) {
            prefetch(&self.in_arcs, lo as usize);
        }
    }

    /// Asks the processor for what a search reads next, from its work
    /// `list` at position `i`: the offsets and the entry of `values` (a
    /// per-node array) of the node 32 places ahead, and the arcs of the
    /// node 12 places ahead, whose offset is in cache by then.
    #[inline(always)]
    pub fn prefetch_ahead<T>(&self, list: &[(f32, u32)], i: usize, values: &[T]) {
        if let Some(&(_, far)) = list.get(i + 32) {
            self.prefetch_offsets(far);
            prefetch(values, far as usize);
        }
        if let Some(&(_, mid)) = list.get(i + 12) {
            self.prefetch_arcs(mid);
        }
    }

    /// Improve `dist` (seconds from each node to its nearest source, `INFINITY`
    /// when none within `limit`) with `seeds` `(node, seconds, label)`: a
    /// multi-source shortest-time search that only ever lowers values,
    /// recording in `owner` the label of the seed that gave each improved
    /// value. From an all-`INFINITY` start this is the plain search; from an
    /// existing state it adds sources, touching only the nodes they improve.
    /// Without `owner`, labels are not kept.
    pub fn relax(
        &self,
        dist: &mut [f32],
        mut owner: Option<&mut [u32]>,
        seeds: &[(u32, f32, u32)],
        limit: f32,
    ) {
        thread_local! {
            /// Bucket memory kept between the searches run on a thread.
            static QUEUE: std::cell::RefCell<TimeBuckets> = Default::default();
        }
        QUEUE.with_borrow_mut(|queue| {
            queue.reset(limit);
            for &(node, secs, label) in seeds {
                if secs <= limit && secs < dist[node as usize] {
                    dist[node as usize] = secs;
                    if let Some(o) = owner.as_deref_mut() {
                        o[node as usize] = label;
                    }
                    queue.push(secs, node);
                }
            }
            match owner {
                Some(owner) => self.settle(dist, Labels(owner), limit, queue, |_| {}),
                None => self.settle(dist, NoLabels, limit, queue, |_| {}),
            }
        });
    }

    /// The search's main loop over incoming arcs, bucket by bucket (see
    /// [`TimeBuckets`]): take an entry, skip it if its node has since been
    /// lowered, lower the neighbours (passing on labels), until every bucket
    /// is empty. A node lowered within the bucket being worked on joins its
    /// end and is processed again, so times are exact when the loop ends.
    fn settle(
        &self,
        dist: &mut [f32],
        mut labels: impl NodeLabels,
        limit: f32,
        queue: &mut TimeBuckets,
        mut on_settle: impl FnMut(u32),
    ) {
        for b in 0..queue.bucket_count() {
            let mut list = queue.take(b);
            let mut i = 0;
            while i < list.len() {
                // The list says which nodes come next: ask for their memory
                // early (offsets and time far ahead, arcs nearer).
                self.prefetch_ahead(&list, i, dist);

                let (secs, v) = list[i];
                i += 1;
                if secs > dist[v as usize] {
                    continue;
                }
                on_settle(v);
                let lo = self.in_offsets[v as usize] as usize;
                let hi = self.in_offsets[v as usize + 1] as usize;
                for arc in &self.in_arcs[lo..hi] {
                    let t = secs + arc.seconds;
                    let u = arc.from as usize;
                    if t < dist[u] && t <= limit {
                        dist[u] = t;
                        labels.pass_on(v, arc.from);
                        queue.push_while(b, &mut list, t, arc.from);
                    }
                }
            }
            queue.put_back(b, list);
        }
    }

    /// Seconds from every node to the nearest seed, where a seed `(node, s)`
    /// means "from `node` the destination is `s` seconds away". Nodes farther
    /// than `limit` seconds are `INFINITY`.
    pub fn times_to_seeds(&self, seeds: &[(u32, f32)], limit: f32) -> Vec<f32> {
        let mut best = vec![f32::INFINITY; self.node_count()];
        let seeds: Vec<(u32, f32, u32)> = seeds.iter().map(|&(v, s)| (v, s, 0)).collect();
        self.relax(&mut best, None, &seeds, limit);
        best
    }
}

/// Hint the processor to fetch `slice[i]` into cache (nothing elsewhere).
#[inline(always)]
fn prefetch<T>(slice: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < slice.len() {
        // SAFETY: a prefetch never faults and `i` is in bounds anyway.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(slice.as_ptr().add(i) as *const i8);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slice, i);
}

/// What a search records besides times: the label of the nearest source
/// ([`Labels`]) or nothing ([`NoLabels`]). A type rather than an `Option`,
/// so that the search loop without labels carries no test for them.
trait NodeLabels {
    /// `to` was just reached through `from`: it takes `from`'s label.
    fn pass_on(&mut self, from: u32, to: u32);
}

struct NoLabels;

impl NodeLabels for NoLabels {
    #[inline(always)]
    fn pass_on(&mut self, _: u32, _: u32) {}
}

struct Labels<'a>(&'a mut [u32]);

impl NodeLabels for Labels<'_> {
    #[inline(always)]
    fn pass_on(&mut self, from: u32, to: u32) {
        self.0[to as usize] = self.0[from as usize];
    }
}

/// Reusable memory for many small searches on one graph: only the nodes a
/// search touched are reset before the next.
#[derive(Clone, Debug, Default)]
pub struct SearchBuffer {
    dist: Vec<f32>,
    touched: Vec<u32>,
    queue: TimeBuckets,
}

impl SearchBuffer {
    /// Seconds from `node` to the seeds of the last search (`INFINITY`: not reached).
    pub fn time(&self, node: u32) -> f32 {
        self.dist
            .get(node as usize)
            .copied()
            .unwrap_or(f32::INFINITY)
    }

    /// Nodes the last search reached, by node id.
    pub fn reached(&self) -> &[u32] {
        &self.touched
    }
}

impl ModeGraph {
    /// Like [`ModeGraph::times_to_seeds`], into `buf`, costing time in
    /// proportion to what the search reaches rather than to the graph.
    pub fn search(&self, seeds: &[(u32, f32)], limit: f32, buf: &mut SearchBuffer) {
        if buf.dist.len() != self.node_count() {
            buf.dist = vec![f32::INFINITY; self.node_count()];
            buf.touched.clear();
        }
        for &v in &buf.touched {
            buf.dist[v as usize] = f32::INFINITY;
        }
        buf.touched.clear();
        buf.queue.reset(limit);
        for &(node, secs) in seeds {
            if secs <= limit && secs < buf.dist[node as usize] {
                buf.dist[node as usize] = secs;
                buf.queue.push(secs, node);
            }
        }
        let touched = &mut buf.touched;
        self.settle(&mut buf.dist, NoLabels, limit, &mut buf.queue, |v| {
            touched.push(v)
        });
        // A node lowered twice inside one bucket is processed twice.
        buf.touched.sort_unstable();
        buf.touched.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::road;
    use super::*;
    use crate::geodesy::LocalProjection;

    fn profile() -> Profile {
        Profile::from_json(
            r#"{"modes":{"walk":{"speed_kmh":3.6}},
                "tiers":[{"id":"a","minutes":5,"mode":"walk","categories":["x"]}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn drive_honours_oneway_walk_does_not() {
        let roads = vec![
            road(&[(0.0, 0.0), (0.001, 0.0)], "residential", Oneway::Forward),
            road(
                &[(0.001, 0.0), (0.002, 0.0)],
                "residential",
                Oneway::Backward,
            ),
        ];
        let net = Network::build(&roads, LocalProjection::new(0.001, 0.0));
        let p = profile();
        let drive = ModeGraph::build(&net, Mode::Drive, &p);
        assert_eq!(drive.seg_dirs, vec![TRAVERSE_FORWARD, TRAVERSE_BACKWARD]);
        assert_eq!(drive.arc_count(), 2);
        // 111.32 m at 30 km/h (residential) = 13.36 s.
        assert!((drive.seg_seconds[0] - 13.36).abs() < 0.01);
        // Nodes are numbered along a space-filling curve: find them by place.
        let node = |lon: f64| {
            (0..net.node_count())
                .find(|&v| net.node_lonlat[v][0] == lon)
                .unwrap()
        };
        let (w, m, e) = (node(0.0), node(0.001), node(0.002));
        // The middle node: both arcs lead into it, so from west and east one
        // reaches it, but from it nothing else.
        let t = drive.times_to_seeds(&[(m as u32, 0.0)], 100.0);
        assert_eq!(t[m], 0.0);
        assert!(t[w].is_finite() && t[e].is_finite());
        let t = drive.times_to_seeds(&[(w as u32, 0.0)], 100.0);
        assert!(t[m].is_infinite() && t[e].is_infinite());
        let walk = ModeGraph::build(&net, Mode::Walk, &p);
        assert_eq!(walk.arc_count(), 4);
        let t = walk.times_to_seeds(&[(w as u32, 0.0)], 1000.0);
        // 222.64 m at 1 m/s.
        assert!((t[e] - 222.64).abs() < 0.05, "{}", t[e]);
        // Limit is inclusive and cuts.
        let t = walk.times_to_seeds(&[(w as u32, 0.0)], 200.0);
        assert!(t[e].is_infinite() && t[m].is_finite());
    }
}
