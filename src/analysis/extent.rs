//! The study extent (METHOD.md step 1): the townships' bounding boxes set
//! the local projection and decide which features belong to the study.
//! One mistyped coordinate in another layer (a facility at longitude −155
//! instead of 115) must neither move the projection nor take part in the
//! figures: such a feature is set aside with a warning that names it.
//!
//! The rule: a facility, a resident or a road vertex farther than
//! [`STRAY_DISTANCE_M`] from the bounding box of every township (geodesic
//! distance to the nearest point of the box), or with a position that is
//! no longitude/latitude (not finite, or beyond ±180/±90), is set aside. A road is cut at its stray vertices: the
//! segments touching one are dropped, the rest of the road is kept.
//!
//! Layer: analysis (reads `model` and `geodesy` only).

use crate::geodesy::ellipsoid_distance;
use crate::model::{EditProblem, Layers, Layout, Profile, Road, Township};

/// How far outside every township's bounding box a feature may lie and
/// still take part (metres). Wide enough for facilities across the border
/// that serve the district by the 30-minute drive circle; a typo in a
/// coordinate's degrees puts a point hundreds of kilometres away.
pub const STRAY_DISTANCE_M: f64 = 50_000.0;

/// Metres per degree of latitude, rounded down (it is 110.57–111.69 km):
/// turns the stray distance into a degree margin that never cuts too much.
const MIN_METRES_PER_DEGREE: f64 = 110_000.0;

/// The townships' extent and what it decides.
#[derive(Clone, Debug)]
pub struct StudyExtent {
    /// `[min_lon, min_lat, max_lon, max_lat]` of every township.
    pub bounds: [f64; 4],
    /// Each township's box.
    boxes: Vec<[f64; 4]>,
    /// The boxes indexed (a province has over a thousand townships and
    /// every resident and road vertex is checked).
    index: rstar::RTree<rstar::primitives::Rectangle<[f64; 2]>>,
    /// The stray distance in degrees `[longitude, latitude]`, at least: a
    /// point within the stray distance of a box lies in the box grown by
    /// this margin.
    margin: [f64; 2],
    /// `bounds` grown by `margin`: outside it a point is surely stray.
    outer: [f64; 4],
    /// Where most points are decided without the index.
    inside: InsideGrid,
}

/// A grid over the townships' extent marking the cells that lie wholly
/// inside some township's box: a point in such a cell belongs to the study
/// (it lies in that box) without a look at the index. In a province nearly
/// every resident and road vertex is in one.
#[derive(Clone, Debug)]
struct InsideGrid {
    origin: [f64; 2],
    /// Cell width and height in degrees.
    cell: [f64; 2],
    /// Cells per side (0: no grid).
    n: usize,
    /// Bit `j * n + i` for the cell in column `i`, row `j`.
    bits: Vec<u64>,
}

impl InsideGrid {
    const CELLS: usize = 1024;

    fn of(bounds: [f64; 4], boxes: &[[f64; 4]]) -> Self {
        let n = Self::CELLS;
        let cell = [
            (bounds[2] - bounds[0]) / n as f64,
            (bounds[3] - bounds[1]) / n as f64,
        ];
        let mut grid = Self {
            origin: [bounds[0], bounds[1]],
            cell,
            n: 0,
            bits: Vec::new(),
        };
        if !(cell[0] > 0.0 && cell[1] > 0.0 && cell[0].is_finite() && cell[1].is_finite()) {
            return grid;
        }
        grid.n = n;
        grid.bits = vec![0; (n * n).div_ceil(64)];
        // A cell counts when it lies inside the box even grown by a hair
        // on every side: a point placed in it by rounding lies in the box.
        let slack = [cell[0] * 1e-6, cell[1] * 1e-6];
        let inside = |k: usize, axis: usize, lo: f64, hi: f64| {
            let start = grid.origin[axis] + k as f64 * cell[axis];
            let end = grid.origin[axis] + (k + 1) as f64 * cell[axis];
            start - slack[axis] >= lo && end + slack[axis] <= hi
        };
        let range = |axis: usize, lo: f64, hi: f64| {
            let first = ((lo - grid.origin[axis]) / cell[axis]).floor().max(0.0) as usize;
            let last = (((hi - grid.origin[axis]) / cell[axis]).ceil().max(0.0) as usize).min(n);
            (first..last).filter(move |&k| inside(k, axis, lo, hi))
        };
        for b in boxes {
            for j in range(1, b[1], b[3]) {
                for i in range(0, b[0], b[2]) {
                    let bit = j * n + i;
                    grid.bits[bit / 64] |= 1 << (bit % 64);
                }
            }
        }
        grid
    }

    /// Whether (lon, lat) lies in a cell wholly inside a township's box.
    fn holds(&self, lon: f64, lat: f64) -> bool {
        let i = ((lon - self.origin[0]) / self.cell[0]).floor();
        let j = ((lat - self.origin[1]) / self.cell[1]).floor();
        let n = self.n as f64;
        if !(i >= 0.0 && i < n && j >= 0.0 && j < n) {
            return false;
        }
        let bit = j as usize * self.n + i as usize;
        self.bits[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// A feature left out of the study because it lies far outside it.
#[derive(Clone, Debug, PartialEq)]
pub struct SetAside {
    /// `"facilities"`, `"residents"` or `"roads"`.
    pub layer: &'static str,
    /// 1-based position in its layer (for roads: the road; for layout
    /// facilities: the facility id + 1).
    pub feature: usize,
    /// The feature's name, when it has one.
    pub name: Option<String>,
    /// The position (lon, lat) that lies outside.
    pub lon: f64,
    pub lat: f64,
    /// Distance to the nearest township's box in metres; `None` when the
    /// position is not a longitude/latitude (not finite, or out of range).
    pub distance_m: Option<f64>,
}

impl SetAside {
    /// The warning shown for it, naming its layer.
    pub fn message(&self) -> String {
        self.message_in(None, None)
    }

    /// The warning, naming the layer's `file` when known, and the feature
    /// by `file_number`, its number in that file as the file's other
    /// warnings count (see `io::Loaded::numbers`), when known.
    pub fn message_in(&self, file: Option<&str>, file_number: Option<usize>) -> String {
        let what = match self.layer {
            "facilities" => "facility",
            "residents" => "resident point",
            _ => "road",
        };
        let name = self
            .name
            .as_ref()
            .filter(|n| !n.is_empty())
            .map(|n| format!(" ({})", cut_label(n, 60)))
            .unwrap_or_default();
        let mut text = match (file, file_number) {
            // As the loaders' warnings: "file, feature N (name): …".
            (Some(f), Some(n)) => format!("{f}, feature {n}{name}: the {what}"),
            // Without the file's numbers, the number counts the features as
            // loaded: a file's features skipped for other reasons (each
            // with its own warning) are not counted, so the name and
            // position say which one it is.
            (Some(f), None) => format!("{f}, {what} {} of those loaded{name}", self.feature),
            (None, _) => format!(
                "{} layer, {what} {} of those loaded{name}",
                self.layer, self.feature
            ),
        };
        let place = if self.layer == "roads" {
            "has a vertex at"
        } else {
            "lies at"
        };
        match self.distance_m {
            Some(d) => text.push_str(&format!(
                " {place} ({:.6}, {:.6}), {:.1} km outside the study area (the townships); set aside: farther than {:.0} km from every township",
                self.lon,
                self.lat,
                d / 1000.0,
                STRAY_DISTANCE_M / 1000.0
            )),
            None => text.push_str(&format!(
                " {place} ({}, {}), which is not a longitude/latitude (-180 to 180, -90 to 90); set aside",
                self.lon, self.lat
            )),
        }
        if self.layer == "roads" {
            text.push_str(" (the road is cut there)");
        }
        text
    }
}

pub use crate::io::cut_label;

impl StudyExtent {
    /// The extent of `townships`; `None` without a township with a finite
    /// position (then every layer sets the extent, as before townships
    /// were known).
    pub fn of(townships: &[Township]) -> Option<Self> {
        let boxes: Vec<[f64; 4]> = townships
            .iter()
            .filter_map(|t| {
                let mut b = EMPTY;
                for p in &t.boundary.0 {
                    p.exterior().coords().for_each(|c| grow(&mut b, c.x, c.y));
                }
                (b[0] <= b[2]).then_some(b)
            })
            .collect();
        let mut bounds = EMPTY;
        for b in &boxes {
            grow(&mut bounds, b[0], b[1]);
            grow(&mut bounds, b[2], b[3]);
        }
        if bounds[0] > bounds[2] {
            return None;
        }
        let dlat = STRAY_DISTANCE_M / MIN_METRES_PER_DEGREE;
        let widest = (bounds[1].abs().max(bounds[3].abs()) + dlat).min(89.9);
        let dlon =
            (STRAY_DISTANCE_M / (MIN_METRES_PER_DEGREE * widest.to_radians().cos())).min(360.0);
        let outer = [
            bounds[0] - dlon,
            bounds[1] - dlat,
            bounds[2] + dlon,
            bounds[3] + dlat,
        ];
        let index = rstar::RTree::bulk_load(
            boxes
                .iter()
                .map(|b| rstar::primitives::Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]))
                .collect(),
        );
        let inside = InsideGrid::of(bounds, &boxes);
        Some(Self {
            bounds,
            boxes,
            index,
            margin: [dlon, dlat],
            outer,
            inside,
        })
    }

    /// `None` when (lon, lat) belongs to the study; else how far it lies
    /// outside (`Some(None)`: not a longitude/latitude at all).
    pub fn outside(&self, lon: f64, lat: f64) -> Option<Option<f64>> {
        if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
            return Some(None);
        }
        if self.inside.holds(lon, lat) {
            return None;
        }
        let point = rstar::AABB::from_point([lon, lat]);
        if self
            .index
            .locate_in_envelope_intersecting(&point)
            .next()
            .is_some()
        {
            return None;
        }
        if !within(&self.outer, lon, lat) {
            // Surely stray: the distance to the whole extent is enough.
            return Some(Some(box_distance(&self.bounds, lon, lat)));
        }
        // Only boxes within the margin can lie within the stray distance.
        let [dlon, dlat] = self.margin;
        let near = rstar::AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat]);
        let within_reach = self.index.locate_in_envelope_intersecting(&near).any(|r| {
            let (lo, hi) = (r.lower(), r.upper());
            box_distance(&[lo[0], lo[1], hi[0], hi[1]], lon, lat) <= STRAY_DISTANCE_M
        });
        if within_reach {
            return None;
        }
        let nearest = self.nearest_box_distance(lon, lat);
        (nearest > STRAY_DISTANCE_M).then_some(Some(nearest))
    }

    /// Distance from (lon, lat) to the nearest township box, by looking at
    /// every box: the reference [`StudyExtent::outside`] is tested against,
    /// and the distance reported for a stray point (rare).
    fn nearest_box_distance(&self, lon: f64, lat: f64) -> f64 {
        self.boxes
            .iter()
            .map(|b| box_distance(b, lon, lat))
            .fold(f64::INFINITY, f64::min)
    }

    /// `Err` saying what is wrong when a facility at (lon, lat) would be
    /// set aside (for checking edits before use).
    pub fn check(&self, lon: f64, lat: f64) -> Result<(), String> {
        match self.outside(lon, lat) {
            None => Ok(()),
            Some(Some(d)) => Err(format!(
                "it lies {:.1} km outside the study area (more than {:.0} km from every township)",
                d / 1000.0,
                STRAY_DISTANCE_M / 1000.0
            )),
            Some(None) => Err("it is not a longitude/latitude (-180 to 180, -90 to 90)".into()),
        }
    }

    /// Whether (lon, lat) is set aside.
    pub fn is_stray(&self, lon: f64, lat: f64) -> bool {
        self.outside(lon, lat).is_some()
    }

    /// The set-aside record of a point feature, when it is stray.
    pub(crate) fn check_point(
        &self,
        layer: &'static str,
        index: usize,
        name: Option<&str>,
        lon: f64,
        lat: f64,
    ) -> Option<SetAside> {
        self.outside(lon, lat).map(|distance_m| SetAside {
            layer,
            feature: index + 1,
            name: name.map(str::to_string),
            lon,
            lat,
            distance_m,
        })
    }
}

/// `layout` without the edits that do not fit its starting facilities
/// `start`, the profile's categories or the study extent of `townships`
/// (see [`Layout::checked`]), and what is wrong with each left out.
pub fn checked_layout(
    layout: &Layout,
    start: &[crate::model::Facility],
    townships: &[Township],
    profile: &Profile,
) -> (Layout, Vec<EditProblem>) {
    let extent = StudyExtent::of(townships);
    let known = profile.category_ids();
    layout.checked(
        start,
        &|c: &str| known.contains(&c),
        &|lon, lat| match &extent {
            Some(e) => e.check(lon, lat),
            None if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => Ok(()),
            None => Err("it is not a longitude/latitude (-180 to 180, -90 to 90)".into()),
        },
    )
}

const EMPTY: [f64; 4] = [
    f64::INFINITY,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NEG_INFINITY,
];

/// Whether (lon, lat) lies in box `b` (edges included).
fn within(b: &[f64; 4], lon: f64, lat: f64) -> bool {
    lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3]
}

/// Geodesic distance from (lon, lat) to the nearest point of box `b`
/// (0 inside).
fn box_distance(b: &[f64; 4], lon: f64, lat: f64) -> f64 {
    let nearest = [lon.clamp(b[0], b[2]), lat.clamp(b[1], b[3])];
    ellipsoid_distance([lon, lat], nearest)
}

fn grow(b: &mut [f64; 4], x: f64, y: f64) {
    if x.is_finite() && y.is_finite() {
        b[0] = b[0].min(x);
        b[1] = b[1].min(y);
        b[2] = b[2].max(x);
        b[3] = b[3].max(y);
    }
}

/// The layers without their stray residents and road vertices (facilities
/// are placed one by one by the study), and what was
/// set aside. Borrows `layers` unchanged when nothing is stray.
pub(crate) fn without_strays<'a>(
    layers: &'a Layers,
    extent: &StudyExtent,
) -> (std::borrow::Cow<'a, Layers>, Vec<SetAside>) {
    use rayon::prelude::*;
    let mut set_aside = Vec::new();
    let stray_residents: Vec<usize> = layers
        .residents
        .as_deref()
        .map(|rs| {
            rs.par_iter()
                .enumerate()
                .filter(|(_, r)| extent.is_stray(r.location.x(), r.location.y()))
                .map(|(i, _)| i)
                .collect()
        })
        .unwrap_or_default();
    let stray_roads: Vec<usize> = layers
        .roads
        .as_deref()
        .map(|roads| {
            roads
                .par_iter()
                .enumerate()
                .filter(|(_, r)| r.line.coords().any(|c| extent.is_stray(c.x, c.y)))
                .map(|(i, _)| i)
                .collect()
        })
        .unwrap_or_default();
    if stray_residents.is_empty() && stray_roads.is_empty() {
        return (std::borrow::Cow::Borrowed(layers), set_aside);
    }
    let mut out = layers.clone();
    if let Some(residents) = &mut out.residents {
        for &i in &stray_residents {
            let r = &residents[i];
            set_aside.extend(extent.check_point(
                "residents",
                i,
                None,
                r.location.x(),
                r.location.y(),
            ));
        }
        let mut i = 0;
        residents.retain(|_| {
            i += 1;
            stray_residents.binary_search(&(i - 1)).is_err()
        });
    }
    if let Some(roads) = &mut out.roads {
        let mut kept: Vec<Road> = Vec::with_capacity(roads.len());
        for (i, road) in roads.iter().enumerate() {
            if stray_roads.binary_search(&i).is_err() {
                kept.push(road.clone());
                continue;
            }
            let first_stray = road
                .line
                .coords()
                .find(|c| extent.is_stray(c.x, c.y))
                .expect("a stray road has a stray vertex");
            set_aside.extend(extent.check_point("roads", i, None, first_stray.x, first_stray.y));
            kept.extend(cut_at_strays(road, extent));
        }
        *roads = kept;
    }
    (std::borrow::Cow::Owned(out), set_aside)
}

/// The pieces of `road` between its stray vertices (two vertices or more).
fn cut_at_strays(road: &Road, extent: &StudyExtent) -> Vec<Road> {
    let mut pieces = Vec::new();
    let mut run: Vec<geo::Coord<f64>> = Vec::new();
    let mut flush = |run: &mut Vec<geo::Coord<f64>>| {
        if run.len() >= 2 {
            let mut piece = road.clone();
            piece.line = geo::LineString(std::mem::take(run));
            pieces.push(piece);
        }
        run.clear();
    };
    for c in road.line.coords() {
        if extent.is_stray(c.x, c.y) {
            flush(&mut run);
        } else {
            run.push(*c);
        }
    }
    flush(&mut run);
    pieces
}

/// Facilities that repeat an earlier one: same category, same name and the
/// same position to 1e-5° (about a metre) — a POI export listing a place
/// twice, or a file loaded twice. Both are counted (two kindergartens may
/// share a building, but not a name), so reach is unchanged while seats and
/// beds (METHOD 13–17) count twice: the warning names them. Facilities are
/// numbered among those loaded, as for features set aside.
pub fn duplicate_facility_warnings(facilities: &[crate::model::Facility]) -> Vec<String> {
    use std::collections::HashMap;
    fn key(f: &crate::model::Facility) -> (&str, &str, i64, i64) {
        let cell = |v: f64| (v * 1e5).round() as i64;
        (
            f.category.as_str(),
            f.name.as_str(),
            cell(f.location.x()),
            cell(f.location.y()),
        )
    }
    let mut first: HashMap<_, usize> = HashMap::with_capacity(facilities.len());
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (i, f) in facilities.iter().enumerate() {
        if f.name.trim().is_empty() || !(f.location.x().is_finite() && f.location.y().is_finite()) {
            continue;
        }
        match first.entry(key(f)) {
            std::collections::hash_map::Entry::Occupied(e) => repeats.push((i, *e.get())),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
    const NAMED: usize = 3;
    let describe = |&(i, j): &(usize, usize)| {
        let f = &facilities[i];
        format!(
            "facility {} ({}, {}) repeats facility {} at ({:.6}, {:.6})",
            i + 1,
            cut_label(&f.name, 60),
            f.category,
            j + 1,
            f.location.x(),
            f.location.y()
        )
    };
    match repeats.len() {
        0 => Vec::new(),
        n if n <= NAMED => repeats
            .iter()
            .map(|r| {
                format!(
                    "facilities layer, {} of those loaded: same category, name and position; both are counted, so its capacity counts twice (a duplicate in the file?)",
                    describe(r)
                )
            })
            .collect(),
        n => vec![format!(
            "facilities layer: {n} facilities repeat an earlier one with the same category, name and position (e.g. {}); both are counted, so their capacities count twice (duplicates in the file?)",
            repeats[..NAMED]
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join("; ")
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, MultiPolygon, Point, Polygon};

    fn township(x0: f64, y0: f64, x1: f64, y1: f64) -> Township {
        Township {
            name: "t".into(),
            code: None,
            boundary: MultiPolygon(vec![Polygon::new(
                LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
                vec![],
            )]),
        }
    }

    #[test]
    fn the_stray_rule_agrees_with_the_geodesic_distance_to_each_box() {
        let extent = StudyExtent::of(&[
            township(115.0, 30.0, 115.1, 30.1),
            township(115.3, 30.0, 115.4, 30.1),
        ])
        .unwrap();
        // A slow, obvious check over a grid of points around the extent.
        for i in -60..=60 {
            for j in -60..=60 {
                let (lon, lat) = (115.2 + i as f64 * 0.02, 30.05 + j as f64 * 0.02);
                let slow = [[115.0, 30.0, 115.1, 30.1], [115.3, 30.0, 115.4, 30.1]]
                    .iter()
                    .map(|b: &[f64; 4]| {
                        let n = [lon.clamp(b[0], b[2]), lat.clamp(b[1], b[3])];
                        ellipsoid_distance([lon, lat], n)
                    })
                    .fold(f64::INFINITY, f64::min);
                assert_eq!(
                    extent.is_stray(lon, lat),
                    slow > STRAY_DISTANCE_M,
                    "({lon}, {lat}) at {slow} m"
                );
            }
        }
        assert_eq!(extent.outside(f64::NAN, 30.0), Some(None));
        assert_eq!(extent.outside(1e308, -1e308), Some(None));
        let far = extent.outside(-155.06, 30.05).unwrap().unwrap();
        assert!(far > 5_000_000.0, "{far}");
    }

    #[test]
    fn indexed_lookup_equals_looking_at_every_box() {
        // The obvious rule: the nearest box decides; far outside, the
        // distance reported is the one to the whole extent.
        fn slow(e: &StudyExtent, lon: f64, lat: f64) -> Option<Option<f64>> {
            if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
                return Some(None);
            }
            if !within(&e.outer, lon, lat) {
                return Some(Some(box_distance(&e.bounds, lon, lat)));
            }
            let nearest = e.nearest_box_distance(lon, lat);
            (nearest > STRAY_DISTANCE_M).then_some(Some(nearest))
        }
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        // Townships with gaps between them, near the equator and far north.
        for (lat0, rows) in [(0.0, 6), (30.0, 30), (64.0, 4)] {
            let mut towns = Vec::new();
            for i in 0..rows {
                for j in 0..rows {
                    if next() < 0.3 {
                        continue;
                    }
                    let (x, y) = (115.0 + 0.5 * j as f64, lat0 + 0.4 * i as f64);
                    towns.push(township(
                        x,
                        y,
                        x + 0.1 + 0.3 * next(),
                        y + 0.1 + 0.2 * next(),
                    ));
                }
            }
            let e = StudyExtent::of(&towns).unwrap();
            let span = [
                e.bounds[2] - e.bounds[0] + 3.0,
                e.bounds[3] - e.bounds[1] + 3.0,
            ];
            let mut stray = 0;
            for _ in 0..20_000 {
                let lon = e.bounds[0] - 1.5 + span[0] * next();
                let lat = e.bounds[1] - 1.5 + span[1] * next();
                let fast = e.outside(lon, lat);
                assert_eq!(fast, slow(&e, lon, lat), "({lon}, {lat})");
                // The grid's shortcut: a point in a held cell is in a box.
                if e.inside.holds(lon, lat) {
                    assert!(
                        e.boxes.iter().any(|b| within(b, lon, lat)),
                        "({lon}, {lat})"
                    );
                }
                stray += fast.is_some() as usize;
            }
            assert!(stray > 100 && stray < 19_900, "{stray} stray");
            // On the boxes' corners and edges, and a hair outside them.
            for b in &e.boxes {
                for lon in [b[0], (b[0] + b[2]) / 2.0, b[2]] {
                    for lat in [b[1], (b[1] + b[3]) / 2.0, b[3]] {
                        for (dx, dy) in [(0.0, 0.0), (-1e-9, 0.0), (0.0, 1e-9), (1e-12, -1e-12)] {
                            let (x, y) = (lon + dx, lat + dy);
                            assert_eq!(e.outside(x, y), slow(&e, x, y), "({x}, {y})");
                            if e.inside.holds(x, y) {
                                assert!(e.boxes.iter().any(|b| within(b, x, y)), "({x}, {y})");
                            }
                        }
                    }
                }
            }
            let held = (0..e.inside.n * e.inside.n)
                .filter(|&b| e.inside.bits[b / 64] & (1 << (b % 64)) != 0)
                .count();
            assert!(held > e.inside.n * e.inside.n / 10, "{held} cells inside");
            assert_eq!(e.outside(f64::NAN, 30.0), Some(None));
        }
    }

    #[test]
    fn the_extent_is_the_townships_boxes() {
        let towns = vec![township(115.0, 30.0, 115.1, 30.1)];
        let extent = StudyExtent::of(&towns).unwrap();
        assert_eq!(extent.bounds, [115.0, 30.0, 115.1, 30.1]);

        assert!(StudyExtent::of(&[]).is_none());
    }

    #[test]
    fn a_road_is_cut_at_its_stray_vertices() {
        let extent = StudyExtent::of(&[township(115.0, 30.0, 115.1, 30.1)]).unwrap();
        let road = Road {
            line: LineString::from(vec![
                (115.01, 30.01),
                (115.02, 30.01),
                (-155.0, 30.01),
                (115.03, 30.01),
                (115.04, 30.01),
                (115.05, 30.01),
            ]),
            highway: None,
            oneway: crate::model::Oneway::No,
            maxspeed_kmh: None,
        };
        let pieces = cut_at_strays(&road, &extent);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].line.0.len(), 2);
        assert_eq!(pieces[1].line.0.len(), 3);
        let layers = Layers {
            townships: vec![township(115.0, 30.0, 115.1, 30.1)],
            facilities: vec![],
            residents: Some(vec![
                crate::model::Resident {
                    location: Point::new(115.05, 30.05),
                    population: 1.0,
                    settlement: None,
                    groups: Default::default(),
                },
                crate::model::Resident {
                    location: Point::new(-155.05, 30.05),
                    population: 1.0,
                    settlement: None,
                    groups: Default::default(),
                },
            ]),
            roads: Some(vec![road]),
        };
        let (kept, set_aside) = without_strays(&layers, &extent);
        assert_eq!(kept.residents.as_ref().unwrap().len(), 1);
        assert_eq!(kept.roads.as_ref().unwrap().len(), 2);
        assert_eq!(set_aside.len(), 2);
        assert!(
            set_aside[0]
                .message()
                .contains("resident point 2 of those loaded")
        );
        assert!(set_aside[1].message().contains("road 1 of those loaded"));
    }

    #[test]
    fn labels_are_cut_with_an_ellipsis() {
        assert_eq!(cut_label("abc", 5), "abc");
        assert_eq!(cut_label("乡镇乡镇乡镇", 4), "乡镇乡镇…");
    }
}
