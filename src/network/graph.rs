//! Timed graph of one travel mode, stored as compact incoming-arc lists
//! (CSR), and the bounded multi-source Dijkstra that runs on it.

use super::Network;
use super::radix_heap::RadixHeap;
use crate::model::{Mode, Oneway, Profile};

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
    in_from: Vec<u32>,
    in_seconds: Vec<f32>,
}

impl ModeGraph {
    /// Time the network for `mode` with the profile's speeds. `walk` and
    /// `bike` ignore `oneway`; `drive` honours it and uses `maxspeed` or the
    /// class table.
    pub fn build(net: &Network, mode: Mode, profile: &Profile) -> Self {
        let n = net.node_count();
        let constant = profile.constant_speed_mps(mode);
        let connector_mps = constant.unwrap_or(profile.modes.walk.speed_kmh / 3.6);
        let mut seg_seconds = Vec::with_capacity(net.segments.len());
        let mut seg_dirs = Vec::with_capacity(net.segments.len());
        for (i, s) in net.segments.iter().enumerate() {
            let road = &net.roads[s.road as usize];
            let dirs = if !net.is_usable(i as u32, mode) {
                0
            } else if mode != Mode::Drive {
                TRAVERSE_FORWARD | TRAVERSE_BACKWARD
            } else {
                match road.oneway {
                    Oneway::No => TRAVERSE_FORWARD | TRAVERSE_BACKWARD,
                    Oneway::Forward => TRAVERSE_FORWARD,
                    Oneway::Backward => TRAVERSE_BACKWARD,
                }
            };
            let mps = constant.unwrap_or_else(|| {
                let class = road.class.map(|c| net.classes[c as usize].as_str());
                profile.modes.drive.speed_kmh(class, road.maxspeed_kmh) / 3.6
            });
            seg_seconds.push((s.length_m / mps) as f32);
            seg_dirs.push(dirs);
        }
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
        let mut in_from = vec![0u32; arcs];
        let mut in_seconds = vec![0f32; arcs];
        let mut fill = count;
        for ((s, &d), &secs) in net.segments.iter().zip(&seg_dirs).zip(&seg_seconds) {
            if d & TRAVERSE_FORWARD != 0 {
                let slot = &mut fill[s.b as usize];
                in_from[*slot as usize] = s.a;
                in_seconds[*slot as usize] = secs;
                *slot += 1;
            }
            if d & TRAVERSE_BACKWARD != 0 {
                let slot = &mut fill[s.a as usize];
                in_from[*slot as usize] = s.b;
                in_seconds[*slot as usize] = secs;
                *slot += 1;
            }
        }
        Self {
            mode,
            seg_seconds,
            seg_dirs,
            connector_mps,
            in_offsets,
            in_from,
            in_seconds,
        }
    }

    pub fn node_count(&self) -> usize {
        self.in_offsets.len() - 1
    }

    /// Number of directed arcs.
    pub fn arc_count(&self) -> usize {
        self.in_from.len()
    }

    /// Incoming arcs of `v`: `(u, seconds)` for every arc u→v.
    pub fn in_arcs(&self, v: u32) -> impl Iterator<Item = (u32, f32)> + '_ {
        let lo = self.in_offsets[v as usize] as usize;
        let hi = self.in_offsets[v as usize + 1] as usize;
        self.in_from[lo..hi]
            .iter()
            .copied()
            .zip(self.in_seconds[lo..hi].iter().copied())
    }

    /// Improve `dist` (seconds from each node to its nearest source, `INFINITY`
    /// when none within `limit`) with `seeds` `(node, seconds, label)`: a
    /// multi-source Dijkstra that only ever lowers values, recording in
    /// `owner` the label of the seed that gave each improved value. From an
    /// all-`INFINITY` start this is the plain search; from an existing state it
    /// adds sources, touching only the nodes they improve. Without `owner`,
    /// labels are not kept.
    pub fn relax(
        &self,
        dist: &mut [f32],
        mut owner: Option<&mut [u32]>,
        seeds: &[(u32, f32, u32)],
        limit: f32,
    ) {
        let mut heap = RadixHeap::default();
        for &(node, secs, label) in seeds {
            if secs <= limit && secs < dist[node as usize] {
                dist[node as usize] = secs;
                if let Some(o) = owner.as_deref_mut() {
                    o[node as usize] = label;
                }
                heap.push(secs, node);
            }
        }
        self.settle(dist, owner, limit, &mut heap, |_| {});
    }

    /// Dijkstra's main loop over incoming arcs: pop, skip stale entries,
    /// lower neighbours (passing on `owner` labels), until the heap is empty.
    fn settle(
        &self,
        dist: &mut [f32],
        mut owner: Option<&mut [u32]>,
        limit: f32,
        heap: &mut RadixHeap,
        mut on_settle: impl FnMut(u32),
    ) {
        while let Some((secs, v)) = heap.pop() {
            if secs > dist[v as usize] {
                continue;
            }
            on_settle(v);
            let label = owner.as_ref().map(|o| o[v as usize]);
            let lo = self.in_offsets[v as usize] as usize;
            let hi = self.in_offsets[v as usize + 1] as usize;
            for (&u, &w) in self.in_from[lo..hi].iter().zip(&self.in_seconds[lo..hi]) {
                let t = secs + w;
                if t <= limit && t < dist[u as usize] {
                    dist[u as usize] = t;
                    if let (Some(o), Some(l)) = (owner.as_deref_mut(), label) {
                        o[u as usize] = l;
                    }
                    heap.push(t, u);
                }
            }
        }
    }

    /// Seconds from every node to the nearest seed, where a seed `(node, s)`
    /// means "from `node` the destination is `s` seconds away". Nodes farther
    /// than `limit` seconds are `INFINITY`.
    pub fn times_to_seeds(&self, seeds: &[(u32, f32)], limit: f32) -> Vec<f32> {
        let mut best = vec![f32::INFINITY; self.node_count()];
        let mut heap = RadixHeap::default();
        for &(node, secs) in seeds {
            if secs <= limit && secs < best[node as usize] {
                best[node as usize] = secs;
                heap.push(secs, node);
            }
        }
        self.settle(&mut best, None, limit, &mut heap, |_| {});
        best
    }
}

/// Reusable memory for many small searches on one graph: only the nodes a
/// search touched are reset before the next.
#[derive(Clone, Debug, Default)]
pub struct SearchBuffer {
    dist: Vec<f32>,
    touched: Vec<u32>,
    heap: RadixHeap,
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
        buf.heap.clear();
        for &(node, secs) in seeds {
            if secs <= limit && secs < buf.dist[node as usize] {
                buf.dist[node as usize] = secs;
                buf.heap.push(secs, node);
            }
        }
        let touched = &mut buf.touched;
        self.settle(&mut buf.dist, None, limit, &mut buf.heap, |v| {
            touched.push(v)
        });
        // A node settles once, except for equal-time duplicates.
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
