//! Attaching residents and facilities to the network (METHOD.md step 3): the
//! nearest point on the nearest segment usable by the mode, within 1,000 m.

use super::Network;
use crate::model::Mode;
use rstar::PointDistance as _;

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
        let mut out = [None; 3];
        let mut wanted = modes;
        let max2 = MAX_CONNECTOR_M * MAX_CONNECTOR_M;
        // Fast path: look in a small circle first; the nearest usable
        // segment within it is the nearest of all. Cheaper than a
        // nearest-neighbour walk for the many points close to a road.
        for radius in [40.0, 160.0] {
            let mut best: [Option<(f64, u32)>; 3] = [None; 3];
            for item in self.index().locate_within_distance(xy, radius * radius) {
                let d2 = item.geom().distance_2(&xy);
                let usable = self.usable[item.data as usize] & wanted;
                for m in Mode::ALL {
                    if usable & (1 << m.index()) != 0 && best[m.index()].is_none_or(|b| d2 < b.0) {
                        best[m.index()] = Some((d2, item.data));
                    }
                }
            }
            let all_found = Mode::ALL
                .iter()
                .all(|m| wanted & (1 << m.index()) == 0 || best[m.index()].is_some());
            if all_found {
                for m in Mode::ALL {
                    if let Some((d2, s)) = best[m.index()] {
                        out[m.index()] = Some(Snap {
                            connector_m: d2.sqrt() as f32,
                            ..self.snap_to(s, xy)
                        });
                    }
                }
                return out;
            }
        }
        for (item, d2) in self.index().nearest_neighbor_iter_with_distance_2(&xy) {
            if d2 > max2 || wanted == 0 {
                break;
            }
            let s = item.data;
            let hit = self.usable[s as usize] & wanted;
            if hit == 0 {
                continue;
            }
            let snap = Snap {
                connector_m: d2.sqrt() as f32,
                ..self.snap_to(s, xy)
            };
            for m in Mode::ALL {
                if hit & (1 << m.index()) != 0 {
                    out[m.index()] = Some(snap);
                }
            }
            wanted &= !hit;
        }
        out
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
