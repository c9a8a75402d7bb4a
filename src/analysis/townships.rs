//! Which township a resident belongs to (METHOD.md step 6): the first
//! township in file order whose polygon contains it, boundary included.
//!
//! Polygons are cut into horizontal strips of edges so that a point test
//! looks at a handful of edges, not the whole boundary; an `rstar` index of
//! township bounding boxes picks the candidates.

use crate::model::Township;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Point-in-township lookup (see module docs).
pub struct TownshipIndex {
    shapes: Vec<StripPolygon>,
    boxes: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

impl TownshipIndex {
    pub fn new(townships: &[Township]) -> Self {
        let shapes: Vec<StripPolygon> = townships.iter().map(StripPolygon::new).collect();
        let boxes = RTree::bulk_load(
            shapes
                .iter()
                .enumerate()
                .filter(|(_, s)| s.min_y <= s.max_y)
                .map(|(i, s)| {
                    GeomWithData::new(
                        Rectangle::from_corners([s.min_x, s.min_y], [s.max_x, s.max_y]),
                        i as u32,
                    )
                })
                .collect(),
        );
        Self { shapes, boxes }
    }

    /// Index of the first township containing the lon/lat point.
    pub fn locate(&self, p: [f64; 2]) -> Option<u32> {
        let mut first: Option<u32> = None;
        let _ = self
            .boxes
            .locate_in_envelope_intersecting_int(&AABB::from_point(p), |g| {
                if first.is_none_or(|f| g.data < f) && self.shapes[g.data as usize].contains(p) {
                    first = Some(g.data);
                }
                std::ops::ControlFlow::<()>::Continue(())
            });
        first
    }
}

/// Edges of all rings of a (multi)polygon, binned by y.
struct StripPolygon {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
    strip_height: f64,
    /// Per strip, the edges whose y-range touches it.
    strips: Vec<Vec<[f64; 4]>>,
}

impl StripPolygon {
    fn new(t: &Township) -> Self {
        let mut edges = Vec::new();
        for poly in &t.boundary.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for l in ring.lines() {
                    edges.push([l.start.x, l.start.y, l.end.x, l.end.y]);
                }
            }
        }
        let (mut min_x, mut min_y) = (f64::INFINITY, f64::INFINITY);
        let (mut max_x, mut max_y) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for e in &edges {
            min_x = min_x.min(e[0]).min(e[2]);
            max_x = max_x.max(e[0]).max(e[2]);
            min_y = min_y.min(e[1]).min(e[3]);
            max_y = max_y.max(e[1]).max(e[3]);
        }
        let n = (edges.len() / 4).clamp(1, 4096);
        let strip_height = ((max_y - min_y) / n as f64).max(f64::MIN_POSITIVE);
        let mut strips = vec![Vec::new(); n];
        if min_y <= max_y {
            for e in edges {
                let lo = ((e[1].min(e[3]) - min_y) / strip_height).floor() as usize;
                let hi = ((e[1].max(e[3]) - min_y) / strip_height).floor() as usize;
                for s in strips
                    .iter_mut()
                    .take(hi.min(n - 1) + 1)
                    .skip(lo.min(n - 1))
                {
                    s.push(e);
                }
            }
        }
        Self {
            min_x,
            min_y,
            max_x,
            max_y,
            strip_height,
            strips,
        }
    }

    /// Even–odd ray casting; a point on an edge counts as inside.
    fn contains(&self, p: [f64; 2]) -> bool {
        if !(p[0] >= self.min_x && p[0] <= self.max_x && p[1] >= self.min_y && p[1] <= self.max_y) {
            return false;
        }
        let n = self.strips.len();
        let s = (((p[1] - self.min_y) / self.strip_height).floor() as usize).min(n - 1);
        let mut inside = false;
        for &[x1, y1, x2, y2] in &self.strips[s] {
            // On the edge: collinear and within its box.
            let cross = (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1);
            if cross == 0.0
                && p[0] >= x1.min(x2)
                && p[0] <= x1.max(x2)
                && p[1] >= y1.min(y2)
                && p[1] <= y1.max(y2)
            {
                return true;
            }
            if (y1 > p[1]) != (y2 > p[1]) {
                let x = x1 + (p[1] - y1) * (x2 - x1) / (y2 - y1);
                if p[0] < x {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, MultiPolygon, Point, polygon};

    fn township(name: &str, poly: geo::Polygon<f64>) -> Township {
        Township {
            name: name.into(),
            code: None,
            boundary: MultiPolygon(vec![poly]),
        }
    }

    #[test]
    fn first_township_wins_and_boundary_counts() {
        let a = township(
            "A",
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
        );
        let b = township(
            "B",
            polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)],
        );
        let idx = TownshipIndex::new(&[a, b]);
        assert_eq!(idx.locate([0.5, 0.5]), Some(0));
        assert_eq!(idx.locate([1.5, 0.5]), Some(1));
        // On the shared edge: both contain it, the first in file order wins.
        assert_eq!(idx.locate([1.0, 0.5]), Some(0));
        assert_eq!(idx.locate([2.0, 0.5]), Some(1));
        assert_eq!(idx.locate([0.0, 0.0]), Some(0));
        assert_eq!(idx.locate([2.5, 0.5]), None);
    }

    /// Agrees with geo's `Contains` on a concave polygon with a hole, away
    /// from the boundary.
    #[test]
    fn matches_geo_on_concave_polygon_with_hole() {
        let poly = geo::Polygon::new(
            geo::LineString::from(vec![
                (0.0, 0.0),
                (10.0, 0.0),
                (10.0, 10.0),
                (5.0, 3.0),
                (0.0, 10.0),
                (0.0, 0.0),
            ]),
            vec![geo::LineString::from(vec![
                (4.0, 0.5),
                (6.0, 0.5),
                (6.0, 1.5),
                (4.0, 1.5),
                (4.0, 0.5),
            ])],
        );
        let idx = TownshipIndex::new(&[township("C", poly.clone())]);
        for i in 0..97 {
            for j in 0..89 {
                let p = [i as f64 * 0.1037 + 0.013, j as f64 * 0.1119 + 0.007];
                let expect = poly.contains(&Point::new(p[0], p[1]));
                assert_eq!(idx.locate(p).is_some(), expect, "{p:?}");
            }
        }
    }
}
