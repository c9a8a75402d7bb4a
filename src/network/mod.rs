//! The road network per METHOD.md steps 2–3: road vertices in a local
//! transverse Mercator projection, a graph whose nodes are shared vertices,
//! a compact (CSR) adjacency per travel mode, and snapping of points to the
//! nearest point of the nearest usable segment through an `rstar` index.
//!
//! The topology ([`Network`]) does not depend on the profile; the timed
//! graph of a mode ([`ModeGraph`]) does (speeds), and is cheap to rebuild.
//!
//! Layer: may import `model`, `geodesy` and `generate` (test data); never
//! `io`, `analysis` or anything above.

mod graph;
mod snap;
mod time_buckets;
pub use time_buckets::TimeBuckets;

pub use graph::{ModeGraph, SearchBuffer, TRAVERSE_BACKWARD, TRAVERSE_FORWARD};
pub use snap::{MAX_CONNECTOR_M, Snap};

use crate::geodesy::LocalProjection;
use crate::model::{Mode, Oneway, Road};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// A segment between two consecutive vertices of a road line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// Start node (the line's drawing direction runs from `a` to `b`).
    pub a: u32,
    pub b: u32,
    /// Length in metres in the local projection.
    pub length_m: f64,
    /// Index of the road line it belongs to.
    pub road: u32,
}

/// Attributes of a road line that matter for travel.
#[derive(Clone, Debug, PartialEq)]
pub struct RoadInfo {
    /// Index into [`Network::classes`]; `None` when the road has no class.
    pub class: Option<u16>,
    pub oneway: Oneway,
    pub maxspeed_kmh: Option<f64>,
}

/// The `rstar` index of road pieces: up to [`CHUNK`] consecutive segments
/// (neighbours on the map, see [`segments_in_node_order`]) under one
/// bounding rectangle, stored as `(first, end)` segment indices. Several
/// times fewer entries than segments make the bulk load correspondingly
/// cheaper; searches then look at the segments inside.
pub(crate) type SegmentIndex = RTree<GeomWithData<Rectangle<[f64; 2]>, (u32, u32)>>;

/// Segments per index entry at most.
const CHUNK: usize = 8;
/// Largest side of an index entry's box (unless one segment is longer).
const CHUNK_SPAN_M: f64 = 250.0;

/// The road network of a study (see module docs).
#[derive(Debug)]
pub struct Network {
    pub projection: LocalProjection,
    /// Node positions, metres in the local projection.
    pub node_xy: Vec<[f64; 2]>,
    /// Node positions, WGS84 lon/lat (for drawing).
    pub node_lonlat: Vec<[f64; 2]>,
    /// Segments of non-zero length.
    pub segments: Vec<Segment>,
    pub roads: Vec<RoadInfo>,
    /// Distinct `highway` values.
    pub classes: Vec<String>,
    /// Per segment, bit `mode.index()` set when the mode may use it.
    pub usable: Vec<u8>,
    /// Built on first use (see [`Network::index`]), so that building it can
    /// overlap with other work.
    index: std::sync::OnceLock<SegmentIndex>,
}

impl Network {
    /// Build the graph from road lines. Lines connect only where they share a
    /// vertex with exactly the same coordinates; zero-length segments are
    /// dropped.
    pub fn build(roads: &[Road], projection: LocalProjection) -> Self {
        use rayon::prelude::*;
        // Nodes come numbered along a space-filling curve, so that nodes near
        // each other on the map are near each other in memory: searches and
        // snapping then touch far fewer cache lines.
        let (node_lonlat, vertex_node) = distinct_vertices(roads);
        let node_xy: Vec<[f64; 2]> = node_lonlat
            .par_iter()
            .map(|&[lon, lat]| projection.forward(lon, lat))
            .collect();
        let mut infos = Vec::with_capacity(roads.len());
        let mut classes: Vec<String> = Vec::new();
        let mut class_of: HashMap<&str, u16> = HashMap::new();
        for road in roads {
            let class = road.highway.as_deref().map(|h| {
                *class_of.entry(h).or_insert_with(|| {
                    classes.push(h.to_string());
                    (classes.len() - 1) as u16
                })
            });
            infos.push(RoadInfo {
                class,
                oneway: road.oneway,
                maxspeed_kmh: road.maxspeed_kmh,
            });
        }
        drop(class_of);
        let segments = segments_in_node_order(roads, &vertex_node, &node_xy);
        let usable = segments
            .iter()
            .map(|s| {
                let h = infos[s.road as usize]
                    .class
                    .map(|c| classes[c as usize].as_str());
                Mode::ALL
                    .iter()
                    .filter(|m| m.allows(h))
                    .fold(0u8, |bits, m| bits | (1 << m.index()))
            })
            .collect();
        Self {
            projection,
            node_xy,
            node_lonlat,
            segments,
            roads: infos,
            classes,
            usable,
            index: std::sync::OnceLock::new(),
        }
    }

    /// The `rstar` index of road pieces, built on first use (thread-safe).
    pub(crate) fn index(&self) -> &SegmentIndex {
        self.index.get_or_init(|| {
            // Neighbours in the list are neighbours on the map; a piece stops
            // where its box would grow beyond `CHUNK_SPAN_M`.
            let chunks = compact_runs(self.segments.len(), CHUNK, CHUNK_SPAN_M, |i| {
                let seg = &self.segments[i];
                let (a, b) = (self.node_xy[seg.a as usize], self.node_xy[seg.b as usize]);
                (
                    [a[0].min(b[0]), a[1].min(b[1])],
                    [a[0].max(b[0]), a[1].max(b[1])],
                )
            })
            .into_iter()
            .map(|(start, end, lo, hi)| {
                GeomWithData::new(Rectangle::from_corners(lo, hi), (start as u32, end as u32))
            })
            .collect();
            RTree::bulk_load(chunks)
        })
    }

    pub fn node_count(&self) -> usize {
        self.node_xy.len()
    }

    /// Whether `mode` may use segment `s`.
    pub fn is_usable(&self, s: u32, mode: Mode) -> bool {
        self.usable[s as usize] & (1 << mode.index()) != 0
    }

    /// OSM class of the road a segment belongs to.
    pub fn segment_class(&self, s: u32) -> Option<&str> {
        let road = &self.roads[self.segments[s as usize].road as usize];
        road.class.map(|c| self.classes[c as usize].as_str())
    }

    /// Lon/lat of the point at fraction `t` along segment `s` (from `a` to `b`).
    pub fn point_on_segment(&self, s: u32, t: f64) -> [f64; 2] {
        let seg = &self.segments[s as usize];
        let (a, b) = (self.node_xy[seg.a as usize], self.node_xy[seg.b as usize]);
        self.projection
            .inverse(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
    }
}

/// Consecutive runs of at most `max_items` items (`bounds(i)`: the box of
/// item `i`) whose joint box stays within `span` metres either way, as
/// `(start, end, lo, hi)`. Items in spatial order give compact runs.
pub(crate) fn compact_runs(
    len: usize,
    max_items: usize,
    span: f64,
    bounds: impl Fn(usize) -> ([f64; 2], [f64; 2]),
) -> Vec<(usize, usize, [f64; 2], [f64; 2])> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < len {
        let (mut lo, mut hi) = bounds(start);
        let mut end = start + 1;
        while end < len && end - start < max_items {
            let (l, h) = bounds(end);
            let (l, h) = (
                [lo[0].min(l[0]), lo[1].min(l[1])],
                [hi[0].max(h[0]), hi[1].max(h[1])],
            );
            if h[0] - l[0] > span || h[1] - l[1] > span {
                break;
            }
            (lo, hi) = (l, h);
            end += 1;
        }
        runs.push((start, end, lo, hi));
        start = end;
    }
    runs
}

/// The nodes of the road lines: every distinct vertex once (lon/lat), in
/// Z-curve order, and the node of every vertex of every line, lines one
/// after another. Equal coordinates (bit for bit, -0.0 as 0.0) are one node.
///
/// Vertices are first spread over buckets by their cell on the curve, each
/// bucket small enough on average to be deduplicated and ordered in cache;
/// buckets run in parallel, and bucket after bucket they are already in
/// curve order. One big hash table would wait on memory at every vertex.
fn distinct_vertices(roads: &[Road]) -> (Vec<[f64; 2]>, Vec<u32>) {
    use rayon::prelude::*;
    type Key = (u64, u64);
    let keys: Vec<Key> = roads
        .par_iter()
        .flat_map_iter(|r| {
            r.line
                .coords()
                .map(|c| ((c.x + 0.0).to_bits(), (c.y + 0.0).to_bits()))
        })
        .collect();
    let lonlat = |k: &Key| [f64::from_bits(k.0), f64::from_bits(k.1)];
    let curve = ZCurve::around(keys.iter().map(lonlat));
    let n = keys.len();
    let bits = (n / 4096)
        .max(1)
        .next_power_of_two()
        .trailing_zeros()
        .min(16);
    let buckets = 1usize << bits;
    let bucket_of = |cell: u32| (cell as u64 >> (32 - bits)) as usize;
    // Every vertex's place on the curve; its bucket is the top `bits` bits.
    let cell: Vec<u32> = keys.par_iter().map(|k| curve.key(lonlat(k))).collect();
    let mut start = vec![0usize; buckets + 1];
    for &c in &cell {
        start[bucket_of(c) + 1] += 1;
    }
    for i in 0..buckets {
        start[i + 1] += start[i];
    }
    // (key, vertex, place on the curve) grouped by bucket: each bucket then
    // reads its own stretch of memory.
    let mut by_bucket = vec![((0u64, 0u64), 0u32, 0u32); n];
    let mut fill = start.clone();
    for (i, (&c, &key)) in cell.iter().zip(&keys).enumerate() {
        let slot = &mut fill[bucket_of(c)];
        by_bucket[*slot] = (key, i as u32, c);
        *slot += 1;
    }
    drop(keys);
    drop(cell);
    // Per bucket: its distinct keys in curve order, and the local number of
    // each vertex.
    let local: Vec<(Vec<Key>, Vec<u32>)> = (0..buckets)
        .into_par_iter()
        .map(|b| {
            let vertices = &by_bucket[start[b]..start[b + 1]];
            let mut number: HashMap<Key, u32, BuildHasherDefault<CoordHasher>> =
                HashMap::with_capacity_and_hasher(vertices.len(), Default::default());
            // (place on the curve, key, first-seen number) of each distinct key.
            let mut distinct: Vec<(u32, Key, u32)> = Vec::new();
            let first_seen: Vec<u32> = vertices
                .iter()
                .map(|&(key, _, c)| {
                    *number.entry(key).or_insert_with(|| {
                        let k = distinct.len() as u32;
                        distinct.push((c, key, k));
                        k
                    })
                })
                .collect();
            distinct.sort_unstable();
            let mut rank = vec![0u32; distinct.len()];
            for (r, &(_, _, i)) in distinct.iter().enumerate() {
                rank[i as usize] = r as u32;
            }
            (
                distinct.into_iter().map(|(_, k, _)| k).collect(),
                first_seen.into_iter().map(|i| rank[i as usize]).collect(),
            )
        })
        .collect();
    let mut node_lonlat = Vec::with_capacity(local.iter().map(|l| l.0.len()).sum());
    let mut vertex_node = vec![0u32; n];
    for (b, (distinct, numbers)) in local.iter().enumerate() {
        let offset = node_lonlat.len() as u32;
        for (&(_, v, _), &k) in by_bucket[start[b]..start[b + 1]].iter().zip(numbers) {
            vertex_node[v as usize] = offset + k;
        }
        node_lonlat.extend(distinct.iter().map(lonlat));
    }
    (node_lonlat, vertex_node)
}

/// The segments of non-zero length of the road lines (`vertex_node`: the
/// node of every vertex, lines one after another), ordered by their lower
/// node number (a counting sort, stable). Nodes are numbered in spatial
/// order, so segments near each other on the map end up near each other in
/// memory, which is what snapping and reading attachments need.
fn segments_in_node_order(
    roads: &[Road],
    vertex_node: &[u32],
    node_xy: &[[f64; 2]],
) -> Vec<Segment> {
    use rayon::prelude::*;
    // Calls `f(road, a, b)` for every segment between distinct nodes, in
    // line order.
    let each = |f: &mut dyn FnMut(u32, u32, u32)| {
        let mut first = 0;
        for (ri, road) in roads.iter().enumerate() {
            let nodes = &vertex_node[first..first + road.line.0.len()];
            first += nodes.len();
            for pair in nodes.windows(2) {
                if pair[0] != pair[1] {
                    f(ri as u32, pair[0], pair[1]);
                }
            }
        }
    };
    let mut start = vec![0u32; node_xy.len() + 1];
    each(&mut |_, a, b| start[a.min(b) as usize + 1] += 1);
    for i in 0..node_xy.len() {
        start[i + 1] += start[i];
    }
    let mut segments = vec![
        Segment {
            a: 0,
            b: 0,
            length_m: 0.0,
            road: 0,
        };
        start[node_xy.len()] as usize
    ];
    each(&mut |road, a, b| {
        let slot = &mut start[a.min(b) as usize];
        segments[*slot as usize] = Segment {
            a,
            b,
            length_m: 0.0,
            road,
        };
        *slot += 1;
    });
    // Lengths in node order (neighbours in memory), then the rare segment
    // whose distinct ends project onto one point goes.
    segments
        .par_iter_mut()
        .for_each(|s| s.length_m = dist(node_xy[s.a as usize], node_xy[s.b as usize]));
    if segments.iter().any(|s| s.length_m <= 0.0) {
        segments.retain(|s| s.length_m > 0.0);
    }
    segments
}

/// Indices of `points` sorted along a Z-order (Morton) curve over their
/// bounding box: a cheap way to keep neighbours together.
pub fn spatial_order(points: &[[f64; 2]]) -> Vec<u32> {
    use rayon::prelude::*;
    let curve = ZCurve::around(points.iter().copied());
    let mut keyed: Vec<u64> = points
        .par_iter()
        .enumerate()
        .map(|(i, &p)| (curve.key(p) as u64) << 32 | i as u64)
        .collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|k| k as u32).collect()
}

/// A Z-order (Morton) curve over a bounding box, 16 bits per axis.
struct ZCurve {
    x0: f64,
    y0: f64,
    sx: f64,
    sy: f64,
}

impl ZCurve {
    fn around(points: impl Iterator<Item = [f64; 2]>) -> Self {
        let (mut x0, mut y0, mut x1, mut y1) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for p in points {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        Self {
            x0,
            y0,
            sx: if x1 > x0 { 65535.0 / (x1 - x0) } else { 0.0 },
            sy: if y1 > y0 { 65535.0 / (y1 - y0) } else { 0.0 },
        }
    }

    /// Position of `p` (inside the box) along the curve.
    #[inline]
    fn key(&self, p: [f64; 2]) -> u32 {
        let spread = |v: u32| -> u32 {
            let mut v = v & 0xffff;
            v = (v | (v << 8)) & 0x00ff_00ff;
            v = (v | (v << 4)) & 0x0f0f_0f0f;
            v = (v | (v << 2)) & 0x3333_3333;
            (v | (v << 1)) & 0x5555_5555
        };
        let gx = ((p[0] - self.x0) * self.sx) as u32;
        let gy = ((p[1] - self.y0) * self.sy) as u32;
        spread(gx) | (spread(gy) << 1)
    }
}

/// A fast hasher for coordinate bit patterns (the default SipHash is
/// built to resist attacks, which road files are not).
#[derive(Default)]
pub(crate) struct CoordHasher(u64);

impl std::hash::Hasher for CoordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(*b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use geo::LineString;

    /// A road from lon/lat pairs.
    pub fn road(coords: &[(f64, f64)], highway: &str, oneway: Oneway) -> Road {
        Road {
            line: LineString::from(coords.to_vec()),
            highway: Some(highway.to_string()),
            oneway,
            maxspeed_kmh: None,
        }
    }

    #[test]
    fn lines_join_only_at_shared_vertices() {
        let roads = vec![
            road(
                &[(0.0, 0.0), (0.001, 0.0), (0.002, 0.0)],
                "residential",
                Oneway::No,
            ),
            // Shares (0.001, 0) with the first line: joined.
            road(&[(0.001, 0.0), (0.001, 0.001)], "footway", Oneway::No),
            // Crosses the first line without a shared vertex: not joined.
            road(
                &[(0.0015, -0.001), (0.0015, 0.001)],
                "residential",
                Oneway::No,
            ),
            // A zero-length segment is dropped.
            road(&[(0.003, 0.0), (0.003, 0.0)], "residential", Oneway::No),
        ];
        let net = Network::build(&roads, LocalProjection::new(0.001, 0.0));
        assert_eq!(net.node_count(), 7);
        assert_eq!(net.segments.len(), 4);
        // Segments are stored in spatial order: find them by what they are.
        let first_road = net.segments.iter().find(|s| s.road == 0).unwrap();
        assert!(
            (first_road.length_m - 111.32).abs() < 0.1,
            "{}",
            first_road.length_m
        );
        let footway = (0..4u32)
            .find(|&s| net.segment_class(s) == Some("footway"))
            .unwrap();
        assert_eq!(net.segments[footway as usize].road, 1);
        assert!(!net.is_usable(footway, Mode::Drive));
        assert!(net.is_usable(footway, Mode::Walk));
    }

    /// Many buckets: vertices get the same node exactly when their
    /// coordinates are equal (against one plain hash map).
    #[test]
    fn distinct_vertices_match_a_plain_hash_map() {
        let mut rng = crate::generate::SplitMix64::new(3);
        let mut next = |m: u64| rng.next_u64() % m;
        let roads: Vec<Road> = (0..3000)
            .map(|_| {
                let coords: Vec<(f64, f64)> = (0..2 + next(12))
                    .map(|_| (next(300) as f64 * 1e-4, next(300) as f64 * 1e-4))
                    .collect();
                road(&coords, "residential", Oneway::No)
            })
            .collect();
        let (lonlat, node) = distinct_vertices(&roads);
        let all: Vec<(f64, f64)> = roads
            .iter()
            .flat_map(|r| r.line.coords().map(|c| (c.x, c.y)))
            .collect();
        assert!(all.len() > 2 * 4096, "several buckets");
        assert_eq!(node.len(), all.len());
        let mut first_node: HashMap<(u64, u64), u32> = HashMap::new();
        for (&(x, y), &v) in all.iter().zip(&node) {
            assert_eq!(lonlat[v as usize], [x, y]);
            let seen = *first_node.entry((x.to_bits(), y.to_bits())).or_insert(v);
            assert_eq!(seen, v, "equal coordinates, one node");
        }
        assert_eq!(
            first_node.len(),
            lonlat.len(),
            "distinct coordinates, distinct nodes"
        );
    }
}
