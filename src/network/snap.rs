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

impl Network {
    /// Snap a projected point for each mode in `modes` (bit `mode.index()`).
    /// A mode gets `None` when no usable segment lies within 1,000 m.
    pub fn snap(&self, xy: [f64; 2], modes: u8) -> [Option<Snap>; 3] {
        let max2 = MAX_CONNECTOR_M * MAX_CONNECTOR_M;
        // Nearest usable segment per mode so far: (squared distance, segment).
        let mut best: [Option<(f64, u32)>; 3];
        let consider = |best: &mut [Option<(f64, u32)>; 3], first: u32, end: u32| {
            for s in first..end {
                let usable = self.usable[s as usize] & modes;
                if usable == 0 {
                    continue;
                }
                let d2 = self.distance_2(s, xy);
                if d2 > max2 {
                    continue;
                }
                for m in Mode::ALL {
                    if usable & (1 << m.index()) != 0 && best[m.index()].is_none_or(|b| d2 < b.0) {
                        best[m.index()] = Some((d2, s));
                    }
                }
            }
        };
        // Every wanted mode has a segment no farther than `d2`.
        let settled = |best: &[Option<(f64, u32)>; 3], d2: f64| {
            Mode::ALL.iter().all(|m| {
                modes & (1 << m.index()) == 0 || best[m.index()].is_some_and(|b| b.0 <= d2)
            })
        };
        // Fast path: look in a small box first. A segment within the radius
        // lies in the box, so if every mode found one within the radius, it
        // is the nearest of all. Cheaper than a nearest-neighbour walk for
        // the many points close to a road.
        for radius in [40.0, 160.0] {
            best = [None; 3];
            let envelope = AABB::from_corners(
                [xy[0] - radius, xy[1] - radius],
                [xy[0] + radius, xy[1] + radius],
            );
            // rstar's internal iteration: no iterator stack to keep.
            let _ = self
                .index()
                .locate_in_envelope_intersecting_int(&envelope, |item| {
                    consider(&mut best, item.data.0, item.data.1);
                    std::ops::ControlFlow::<()>::Continue(())
                });
            if settled(&best, radius * radius) {
                return self.snaps_from(best, xy);
            }
        }
        // Branch and bound: pieces come nearest rectangle first, and no
        // segment is nearer than its piece's rectangle.
        best = [None; 3];
        for (item, rect_d2) in self.index().nearest_neighbor_iter_with_distance_2(&xy) {
            if rect_d2 > max2 || settled(&best, rect_d2) {
                break;
            }
            consider(&mut best, item.data.0, item.data.1);
        }
        self.snaps_from(best, xy)
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
        let (a, b) = (self.node_xy[seg.a as usize], self.node_xy[seg.b as usize]);
        let t = project_onto(a, b, xy);
        let p = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
        (p[0] - xy[0]).powi(2) + (p[1] - xy[1]).powi(2)
    }
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
}
