//! Attaching residents and facilities to the network (METHOD.md step 3): the
//! nearest point on the nearest segment usable by the mode, within 1,000 m.

use super::Network;
use crate::model::Mode;
use rstar::AABB;

/// The longest allowed straight connector from a point to the network.
pub const MAX_CONNECTOR_M: f64 = 1000.0;

/// Where a point joins the network for one mode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Snap {
    /// Segment index into [`Network::segments`].
    pub segment: u32,
    /// Position along the segment, 0 at `a`, 1 at `b`.
    pub t: f32,
    /// Straight connector length in metres.
    pub connector_m: f32,
}

/// Radius of the first, cheap look around a point; most points in a town
/// have a road of every mode this close.
const FIRST_RADIUS_M: f64 = 40.0;

/// Blocks of [`Network::snap_many`]: at most this many consecutive points,
/// spanning at most this many metres either way.
const BLOCK_POINTS: usize = 32;
const BLOCK_SPAN_M: f64 = 250.0;

/// The nearest usable segment per mode found so far: (squared distance,
/// segment). Equally near segments go to the lowest index, so the answer
/// does not depend on the order segments are looked at.
#[derive(Clone, Copy)]
struct NearestPerMode {
    modes: u8,
    best: [Option<(f64, u32)>; 3],
}

impl NearestPerMode {
    fn new(modes: u8) -> Self {
        Self {
            modes,
            best: [None; 3],
        }
    }

    /// Consider segment `s` (with `usable` mode bits) at squared distance `d2`.
    #[inline]
    fn offer(&mut self, s: u32, usable: u8, d2: f64) {
        let usable = usable & self.modes;
        for m in Mode::ALL {
            if usable & (1 << m.index()) != 0
                && self.best[m.index()].is_none_or(|b| d2 < b.0 || (d2 == b.0 && s < b.1))
            {
                self.best[m.index()] = Some((d2, s));
            }
        }
    }

    /// Every wanted mode has a segment no farther than `sqrt(d2)`.
    fn settled(&self, d2: f64) -> bool {
        self.all_wanted(|b| b.0 <= d2)
    }

    /// Every wanted mode has a segment nearer than `sqrt(d2)`.
    fn strictly_within(&self, d2: f64) -> bool {
        self.all_wanted(|b| b.0 < d2)
    }

    fn all_wanted(&self, test: impl Fn(&(f64, u32)) -> bool) -> bool {
        Mode::ALL.iter().all(|m| {
            self.modes & (1 << m.index()) == 0 || self.best[m.index()].as_ref().is_some_and(&test)
        })
    }
}

impl Network {
    /// Snap a projected point for each mode in `modes` (bit `mode.index()`).
    /// A mode gets `None` when no usable segment lies within 1,000 m.
    pub fn snap(&self, xy: [f64; 2], modes: u8) -> [Option<Snap>; 3] {
        self.snap_from(xy, modes, &[FIRST_RADIUS_M, 160.0])
    }

    /// Like [`Network::snap`] for many points, fastest when neighbours on the
    /// map are neighbours in the list (spatial order): runs of nearby points
    /// share one index query for the first look.
    pub fn snap_many(&self, points: &[[f64; 2]], modes: u8) -> Vec<[Option<Snap>; 3]> {
        use rayon::prelude::*;
        let blocks = super::compact_runs(points.len(), BLOCK_POINTS, BLOCK_SPAN_M, |i| {
            (points[i], points[i])
        });
        let mut out = vec![[None; 3]; points.len()];
        let mut rest = out.as_mut_slice();
        let mut pieces = Vec::with_capacity(blocks.len());
        for &(start, end, lo, hi) in &blocks {
            let (piece, tail) = rest.split_at_mut(end - start);
            pieces.push((&points[start..end], lo, hi, piece));
            rest = tail;
        }
        pieces
            .into_par_iter()
            .for_each_init(Vec::new, |near, (points, lo, hi, out)| {
                self.snap_block(points, lo, hi, modes, near, out)
            });
        out
    }

    /// One block of [`Network::snap_many`]: the segments near its box are
    /// gathered once; a point without a road of every mode within
    /// `FIRST_RADIUS_M` among them takes the full [`Network::snap`] path.
    fn snap_block(
        &self,
        points: &[[f64; 2]],
        lo: [f64; 2],
        hi: [f64; 2],
        modes: u8,
        near: &mut Vec<([f64; 2], [f64; 2], u32, u8)>,
        out: &mut [[Option<Snap>; 3]],
    ) {
        let r = FIRST_RADIUS_M;
        let (far_lo, far_hi) = ([lo[0] - r, lo[1] - r], [hi[0] + r, hi[1] + r]);
        let envelope = AABB::from_corners(far_lo, far_hi);
        // (a, b, segment, usable) of every usable segment near the block.
        near.clear();
        let _ = self
            .index()
            .locate_in_envelope_intersecting_int(&envelope, |item| {
                for s in item.data.0..item.data.1 {
                    let usable = self.usable[s as usize] & modes;
                    if usable == 0 {
                        continue;
                    }
                    let seg = &self.segments[s as usize];
                    let (a, b) = (self.node_xy[seg.a as usize], self.node_xy[seg.b as usize]);
                    // The piece's box met the block's; does the segment's?
                    if a[0].max(b[0]) >= far_lo[0]
                        && a[0].min(b[0]) <= far_hi[0]
                        && a[1].max(b[1]) >= far_lo[1]
                        && a[1].min(b[1]) <= far_hi[1]
                    {
                        near.push((a, b, s, usable));
                    }
                }
                std::ops::ControlFlow::<()>::Continue(())
            });
        for (&xy, out) in points.iter().zip(out) {
            let mut nearest = NearestPerMode::new(modes);
            for &(a, b, s, usable) in near.iter() {
                let d2 = distance_2(a, b, xy);
                if d2 <= r * r {
                    nearest.offer(s, usable, d2);
                }
            }
            *out = if nearest.settled(r * r) {
                self.snaps_from(nearest.best, xy)
            } else {
                self.snap_from(xy, modes, &[160.0])
            };
        }
    }

    /// [`Network::snap`], trying boxes of the given `radii` before the
    /// nearest-first search.
    fn snap_from(&self, xy: [f64; 2], modes: u8, radii: &[f64]) -> [Option<Snap>; 3] {
        let max2 = MAX_CONNECTOR_M * MAX_CONNECTOR_M;
        let consider = |nearest: &mut NearestPerMode, first: u32, end: u32| {
            for s in first..end {
                let usable = self.usable[s as usize] & modes;
                if usable == 0 {
                    continue;
                }
                let d2 = self.distance_2(s, xy);
                if d2 <= max2 {
                    nearest.offer(s, usable, d2);
                }
            }
        };
        // Fast path: look in a small box first. A segment within the radius
        // lies in the box, so if every mode found one within the radius, it
        // is the nearest of all. Cheaper than a nearest-neighbour walk for
        // the many points close to a road.
        for &radius in radii {
            let mut nearest = NearestPerMode::new(modes);
            let envelope = AABB::from_corners(
                [xy[0] - radius, xy[1] - radius],
                [xy[0] + radius, xy[1] + radius],
            );
            // rstar's internal iteration: no iterator stack to keep.
            let _ = self
                .index()
                .locate_in_envelope_intersecting_int(&envelope, |item| {
                    consider(&mut nearest, item.data.0, item.data.1);
                    std::ops::ControlFlow::<()>::Continue(())
                });
            if nearest.settled(radius * radius) {
                return self.snaps_from(nearest.best, xy);
            }
        }
        // Branch and bound: pieces come nearest rectangle first, and no
        // segment is nearer than its piece's rectangle. Pieces at the same
        // distance as the best so far are still looked at, for ties.
        let mut nearest = NearestPerMode::new(modes);
        for (item, rect_d2) in self.index().nearest_neighbor_iter_with_distance_2(&xy) {
            if rect_d2 > max2 || nearest.strictly_within(rect_d2) {
                break;
            }
            consider(&mut nearest, item.data.0, item.data.1);
        }
        self.snaps_from(nearest.best, xy)
    }

    fn snaps_from(&self, best: [Option<(f64, u32)>; 3], xy: [f64; 2]) -> [Option<Snap>; 3] {
        best.map(|b| {
            b.map(|(d2, s)| Snap {
                connector_m: d2.sqrt() as f32,
                ..self.snap_to(s, xy)
            })
        })
    }

    /// Squared distance from `xy` to segment `s`.
    fn distance_2(&self, s: u32, xy: [f64; 2]) -> f64 {
        let seg = &self.segments[s as usize];
        distance_2(
            self.node_xy[seg.a as usize],
            self.node_xy[seg.b as usize],
            xy,
        )
    }
}

/// Squared distance from `p` to the segment a–b.
#[inline]
fn distance_2(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> f64 {
    let t = project_onto(a, b, p);
    let q = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)
}

impl Network {
    /// The attachment of `xy` to segment `s`.
    fn snap_to(&self, s: u32, xy: [f64; 2]) -> Snap {
        let seg = &self.segments[s as usize];
        let (a, b) = (self.node_xy[seg.a as usize], self.node_xy[seg.b as usize]);
        let t = project_onto(a, b, xy);
        let p = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
        Snap {
            segment: s,
            t: t as f32,
            connector_m: super::dist(p, xy) as f32,
        }
    }
}

/// Fraction along a→b of the point nearest to `p`, clamped to [0, 1].
fn project_onto(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return 0.0;
    }
    (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::super::tests::road;
    use super::*;
    use crate::geodesy::LocalProjection;
    use crate::model::Oneway;

    #[test]
    fn snaps_to_nearest_usable_segment_point() {
        // A footway close by, a residential street farther away.
        let roads = vec![
            road(&[(0.0, 0.0001), (0.002, 0.0001)], "footway", Oneway::No),
            road(&[(0.0, 0.001), (0.002, 0.001)], "residential", Oneway::No),
        ];
        let p = LocalProjection::new(0.001, 0.0005);
        let net = Network::build(&roads, p);
        let xy = p.forward(0.0005, 0.0);
        let all = (1 << Mode::Walk.index()) | (1 << Mode::Drive.index());
        let [walk, _, drive] = net.snap(xy, all);
        let walk = walk.unwrap();
        let drive = drive.unwrap();
        assert_eq!(walk.segment, 0);
        assert!((walk.t - 0.25).abs() < 1e-3);
        assert!(
            (walk.connector_m - 11.06).abs() < 0.1,
            "{}",
            walk.connector_m
        );
        assert_eq!(drive.segment, 1);
        assert!(
            (drive.connector_m - 110.6).abs() < 0.5,
            "{}",
            drive.connector_m
        );
    }

    #[test]
    fn nothing_within_1000_m_is_unreachable() {
        let roads = vec![road(&[(0.0, 0.0), (0.001, 0.0)], "residential", Oneway::No)];
        let p = LocalProjection::new(0.0, 0.0);
        let net = Network::build(&roads, p);
        // ~1,100 m north.
        let [walk, ..] = net.snap(p.forward(0.0005, 0.01), 1);
        assert_eq!(walk, None);
        // ~990 m north.
        let [walk, ..] = net.snap(p.forward(0.0005, 0.00895), 1);
        assert!(walk.is_some());
    }

    /// Blocks give exactly what one point at a time gives, on the small
    /// synthetic district (residents in spatial order, as in a study), with
    /// points far from roads, on vertices and midway between roads (ties).
    #[test]
    fn snapping_in_blocks_equals_one_at_a_time() {
        use crate::generate::{SyntheticParams, synthetic_district};
        let layers = synthetic_district(&SyntheticParams::small());
        let roads = layers.roads.as_ref().unwrap();
        let p = LocalProjection::new(
            layers.facilities[0].location.x(),
            layers.facilities[0].location.y(),
        );
        let net = Network::build(roads, p);
        let mut points: Vec<[f64; 2]> = layers
            .residents
            .as_ref()
            .unwrap()
            .iter()
            .map(|r| p.forward(r.location.x(), r.location.y()))
            .collect();
        for v in (0..net.node_count()).step_by(7) {
            let [x, y] = net.node_xy[v];
            points.extend([
                [x, y],
                [x + 50.0, y + 50.0],
                [x + 50.0, y],
                [x + 900.0, y - 700.0],
            ]);
        }
        points.push([1e7, 1e7]);
        let order = super::super::spatial_order(&points);
        let points: Vec<[f64; 2]> = order.iter().map(|&i| points[i as usize]).collect();
        let modes = 0b111;
        let many = net.snap_many(&points, modes);
        assert_eq!(many.len(), points.len());
        let mut differ = 0;
        for (xy, got) in points.iter().zip(&many) {
            if *got != net.snap(*xy, modes) {
                differ += 1;
            }
        }
        assert_eq!(differ, 0, "of {} points", points.len());
        assert!(
            many.iter().any(|s| s[0].is_none()),
            "some point is beyond every road"
        );
    }
}
