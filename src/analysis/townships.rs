//! Which township a resident belongs to (METHOD.md step 6): the first
//! township in file order whose polygon contains it, boundary included.
//!
//! Polygons are cut into horizontal strips of edges so that a point test
//! looks at a handful of edges, not the whole boundary; an `rstar` index of
//! township bounding boxes picks the candidates.

use crate::model::{Resident, Township};
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

/// Townships whose boundaries overlap with people inside both: METHOD 6
/// counts those people in the first township in file order, which is right
/// for a point on a shared border but hides a drawing error when two
/// boundaries overlap over an area (a township drawn twice, boundaries from
/// two sources). `owners` are the residents' townships by [`TownshipIndex`]
/// (the first containing one); each resident is tested against the later
/// townships whose boxes meet its township's, so the check costs a few
/// comparisons per resident. One warning per pair with people strictly
/// inside both, naming both townships.
pub fn overlap_warnings(
    townships: &[Township],
    residents: &[Resident],
    owners: &[Option<u32>],
) -> Vec<String> {
    use rayon::prelude::*;
    let shapes: Vec<StripPolygon> = townships.iter().map(StripPolygon::new).collect();
    let boxes_meet = |a: &StripPolygon, b: &StripPolygon| {
        a.min_x <= b.max_x && b.min_x <= a.max_x && a.min_y <= b.max_y && b.min_y <= a.max_y
    };
    // For each township, the later ones whose boxes meet its box (a point's
    // first township is its owner, so only later ones can hold it too).
    let later: Vec<Vec<u32>> = (0..shapes.len())
        .into_par_iter()
        .map(|i| {
            (i + 1..shapes.len())
                .filter(|&j| boxes_meet(&shapes[i], &shapes[j]))
                .map(|j| j as u32)
                .collect()
        })
        .collect();
    let mut hits: Vec<(u32, u32, f64)> = residents
        .par_iter()
        .zip(owners)
        .filter_map(|(r, owner)| {
            let i = (*owner)? as usize;
            let p = [r.location.x(), r.location.y()];
            let j = *later
                .get(i)?
                .iter()
                .find(|&&j| shapes[j as usize].contains_strictly(p))?;
            shapes[i]
                .contains_strictly(p)
                .then_some((i as u32, j, r.population))
        })
        .collect();
    hits.sort_by_key(|h| (h.0, h.1));
    let mut warnings = Vec::new();
    for pair in hits.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (i, j) = (pair[0].0 as usize, pair[0].1 as usize);
        let people: f64 = pair.iter().map(|h| h.2).sum();
        warnings.push(format!(
            "the boundaries of townships {:?} and {:?} overlap: {} resident point(s) with {} people lie inside both and are counted in {:?}, the first in file order (METHOD 6); check the boundaries",
            townships[i].name,
            townships[j].name,
            pair.len(),
            people.round(),
            townships[i].name,
        ));
    }
    warnings
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
        self.test(p, true)
    }

    /// Inside and not on an edge.
    fn contains_strictly(&self, p: [f64; 2]) -> bool {
        self.test(p, false)
    }

    /// Even–odd ray casting; `on_edge` is the answer for a point on an edge.
    fn test(&self, p: [f64; 2], on_edge: bool) -> bool {
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
                return on_edge;
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
    fn overlapping_boundaries_are_named_with_the_people_inside_both() {
        let res = |x: f64, y: f64, p: f64| Resident {
            location: Point::new(x, y),
            population: p,
            settlement: None,
            groups: Default::default(),
        };
        let a = township(
            "A",
            polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 0.0, y: 1.0)],
        );
        // B shares A's right border (no overlap) ...
        let b = township(
            "B",
            polygon![(x: 2.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0), (x: 2.0, y: 1.0)],
        );
        // ... C overlaps A's right half.
        let c = township(
            "C",
            polygon![(x: 1.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0), (x: 1.0, y: 1.0)],
        );
        let residents = [
            res(0.5, 0.5, 10.0),
            res(1.5, 0.5, 7.0),
            res(1.6, 0.2, 3.0),
            res(2.0, 0.5, 5.0),
        ];
        let clean = [a.clone(), b];
        let index = TownshipIndex::new(&clean);
        let owners: Vec<Option<u32>> = residents
            .iter()
            .map(|r| index.locate([r.location.x(), r.location.y()]))
            .collect();
        // A point on the shared border is counted in A and warns of nothing.
        assert_eq!(owners[3], Some(0));
        assert!(overlap_warnings(&clean, &residents, &owners).is_empty());
        let overlapping = [a, c];
        let index = TownshipIndex::new(&overlapping);
        let owners: Vec<Option<u32>> = residents
            .iter()
            .map(|r| index.locate([r.location.x(), r.location.y()]))
            .collect();
        let w = overlap_warnings(&overlapping, &residents, &owners);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("\"A\" and \"C\" overlap: 2 resident point(s) with 10 people"),
            "{}",
            w[0]
        );
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
