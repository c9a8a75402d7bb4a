//! Population spreading (人口分摊): residents given per village or community
//! (行政村/社区) as polygons become many demand points inside each polygon,
//! instead of one point at its centroid.
//!
//! A village of several square kilometres put at one centroid reaches
//! either everything or nothing; its people actually live all over it. Two
//! rules spread a polygon's `population` and every `pop_<group id>` value:
//!
//! - **grid**: over the 100 m cells of the study's metric grid (cells on
//!   multiples of 100 m in the transverse Mercator projection centred on the
//!   townships' extent, METHOD step 1 — the cells of the area-weighted grid
//!   demand), each piece weighted by its area (cell ∩ polygon), its point at
//!   the piece's centroid (cell centre for whole cells);
//! - **buildings**: over the building footprints whose centroid lies in the
//!   polygon (the first polygon in file order), weighted by footprint area ×
//!   `building:levels` (or `levels`, default 1); a polygon without a
//!   building falls back to the grid, with a warning naming it.
//!
//! Each point keeps the polygon's other properties (name, `settlement` …).
//! Totals are preserved: every part is `total × weight / Σ weight` and the
//! last part takes the remainder, so each polygon's parts add up to its
//! value to rounding (tested to 1e-9 relative).
//!
//! Speed: cells are enumerated in the polygon's bounding box only; a cell
//! no edge passes through is whole (inside or outside by a scanline test at
//! its centre row) and needs no clipping; the others are clipped by
//! Sutherland–Hodgman against the row's band, then the cell's columns.
//! Polygons are spread in parallel.
//!
//! Layer: io (uses `geodesy` and `model`); the readers call it through
//! `geojson_layers`, the options name it in `ImportOptions::spread`.

use super::fields::{self, Field};
use super::{LoadError, Source};
use crate::geodesy::{GRID_CELL_M, LocalProjection};
use crate::model::LoadWarning;
use geo::{
    Area as _, BooleanOps as _, BoundingRect as _, Centroid as _, InteriorPoint as _,
    Intersects as _, MapCoords as _, MultiPolygon, Point, Polygon, Rect,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// How residents polygons become demand points.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spread {
    /// One point at the polygon's centroid (METHOD's rule).
    #[default]
    Centroid,
    /// Over the 100 m grid cells inside the polygon, by area.
    Grid,
    /// Over the building footprints (polygons) of this file inside the
    /// polygon, by footprint area × levels.
    Buildings(PathBuf),
}

impl Spread {
    /// Whether polygons stay one point each.
    pub fn is_centroid(&self) -> bool {
        *self == Spread::Centroid
    }
}

impl FromStr for Spread {
    type Err = String;

    /// `centroid`, `grid` or `buildings:FILE`.
    ///
    /// ```
    /// use lifecircle::io::Spread;
    /// assert_eq!("grid".parse::<Spread>(), Ok(Spread::Grid));
    /// assert_eq!(
    ///     "buildings:b.geojson".parse::<Spread>(),
    ///     Ok(Spread::Buildings("b.geojson".into()))
    /// );
    /// assert!("buildings:".parse::<Spread>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s.to_ascii_lowercase().as_str() {
            "centroid" => return Ok(Spread::Centroid),
            "grid" => return Ok(Spread::Grid),
            _ => {}
        }
        match s.split_once(':') {
            Some((rule, file)) if rule.trim().eq_ignore_ascii_case("buildings") => {
                if file.trim().is_empty() {
                    Err(
                        "buildings: needs the footprint file, e.g. buildings:buildings.geojson"
                            .to_string(),
                    )
                } else {
                    Ok(Spread::Buildings(PathBuf::from(file.trim())))
                }
            }
            _ => Err(format!(
                "unknown spreading rule {s:?}: use centroid, grid or buildings:FILE"
            )),
        }
    }
}

impl fmt::Display for Spread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spread::Centroid => f.write_str("centroid"),
            Spread::Grid => f.write_str("grid"),
            Spread::Buildings(p) => write!(f, "buildings:{}", p.display()),
        }
    }
}

/// The import dialog proposes spreading when the median residents polygon
/// is larger than this many hectares (five 100 m cells): smaller polygons
/// (building blocks, footprints) are well represented by their centroid.
pub const PROPOSE_SPREAD_ABOVE_HA: f64 = 5.0;

/// Polygon sizes of a residents file, for the import dialog.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolygonSizes {
    /// Polygon or MultiPolygon features.
    pub polygons: usize,
    /// Median area in hectares (0 without polygons).
    pub median_ha: f64,
    /// Largest area in hectares.
    pub largest_ha: f64,
}

impl PolygonSizes {
    /// Sizes of lon/lat polygons (measured on the ellipsoid's local plane).
    pub(crate) fn of(shapes: &[MultiPolygon<f64>]) -> Self {
        let mut areas: Vec<f64> = shapes
            .iter()
            .filter_map(|s| {
                let b = s.bounding_rect()?;
                let proj =
                    LocalProjection::for_bounds([b.min().x, b.min().y, b.max().x, b.max().y]);
                Some(to_metric(s, &proj).unsigned_area() / 10_000.0)
            })
            .collect();
        areas.sort_by(f64::total_cmp);
        let median_ha = match areas.len() {
            0 => 0.0,
            n if n % 2 == 1 => areas[n / 2],
            n => (areas[n / 2 - 1] + areas[n / 2]) / 2.0,
        };
        Self {
            polygons: areas.len(),
            median_ha,
            largest_ha: areas.last().copied().unwrap_or(0.0),
        }
    }

    /// Whether the dialog proposes spreading (see [`PROPOSE_SPREAD_ABOVE_HA`]).
    pub fn proposes_spreading(&self) -> bool {
        self.polygons > 0 && self.median_ha > PROPOSE_SPREAD_ABOVE_HA
    }
}

/// A building footprint of a `buildings:FILE`, in lon/lat.
#[derive(Clone, Debug)]
pub(crate) struct Building {
    pub footprint: MultiPolygon<f64>,
    /// Storeys (> 0).
    pub levels: f64,
}

/// Attribute names accepted for a building's storeys.
pub(crate) const LEVELS: &[&str] = &["building:levels", "levels", "层数"];

/// A building's storeys: a number > 0; missing means 1.
pub(crate) fn levels(field: &Field) -> Result<f64, String> {
    match fields::number(field, "building:levels")? {
        None => Ok(1.0),
        Some(l) if l > 0.0 => Ok(l),
        Some(l) => Err(format!("building:levels {l} is not above 0")),
    }
}

/// The loaded rule: what [`Spread`] names, with its buildings read.
pub(crate) enum Rule {
    Grid,
    Buildings {
        /// The footprint file's name, for messages.
        file: String,
        buildings: Vec<Building>,
    },
}

/// How to spread the polygons of one residents file.
pub(crate) struct Spreader {
    /// `None`: polygons stay centroids (only the table is joined).
    pub rule: Option<Rule>,
    /// Population by polygon name, joined before spreading.
    pub table: Option<PopulationTable>,
    /// Lon/lat bounds whose centre is the grid's projection centre (the
    /// townships' extent); `None`: the residents polygons' own extent.
    pub frame: Option<[f64; 4]>,
}

/// A residents polygon to spread.
pub(crate) struct Area {
    /// 1-based feature number in the file.
    pub number: usize,
    pub name: Option<String>,
    /// Lon/lat.
    pub shape: MultiPolygon<f64>,
    pub properties: Map<String, Value>,
}

/// One spread demand point: lon/lat and the polygon's properties with its
/// share of every population value.
pub(crate) struct Part {
    pub location: Point<f64>,
    pub properties: Map<String, Value>,
}

/// A piece of a polygon in metric coordinates: where its point goes and
/// its weight (m², or m² × storeys).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Piece {
    at: [f64; 2],
    weight: f64,
}

/// Spread every area. `None` for an area leaves it to the residents reader
/// as it is: its population cannot be read, and the reader explains that
/// and skips it. A polygon too large for the grid is an error naming it.
pub(crate) fn spread_areas(
    source: &Source,
    areas: &[Area],
    spreader: &Spreader,
    warnings: &mut Vec<LoadWarning>,
) -> Result<Vec<Option<Vec<Part>>>, LoadError> {
    let Some(bounds) = spreader.frame.or_else(|| extent(areas)) else {
        return Ok(Vec::new());
    };
    let proj = LocalProjection::for_bounds(bounds);
    let by_area: Vec<Vec<Piece>> = match &spreader.rule {
        None => return Ok(areas.iter().map(|_| None).collect()),
        Some(Rule::Grid) => vec![Vec::new(); areas.len()],
        Some(Rule::Buildings { buildings, .. }) => buildings_by_area(areas, buildings, &proj),
    };
    let buildings_rule = matches!(spreader.rule, Some(Rule::Buildings { .. }));
    // Per area: the parts and whether a buildings rule fell back to the grid.
    type Spread = Result<Option<(Vec<Part>, bool)>, String>;
    let results: Vec<Spread> = areas
        .par_iter()
        .zip(by_area.into_par_iter())
        .map(|(area, in_buildings)| {
            let Ok(values) = Values::of(&area.properties) else {
                return Ok(None);
            };
            let metric = to_metric(&area.shape, &proj);
            let fell_back =
                buildings_rule && in_buildings.iter().map(|p| p.weight).sum::<f64>() <= 0.0;
            let mut pieces = if buildings_rule && !fell_back {
                in_buildings
            } else {
                grid_cells(&metric)?.into_iter().map(|(_, p)| p).collect()
            };
            if pieces.is_empty() {
                // No area at all: one point, as without spreading.
                let at = metric
                    .interior_point()
                    .or_else(|| metric.centroid())
                    .map_or([0.0, 0.0], |p| [p.x(), p.y()]);
                pieces.push(Piece { at, weight: 1.0 });
            }
            Ok(Some((
                values.split(&area.properties, &pieces, &proj),
                fell_back,
            )))
        })
        .collect();
    let mut out = Vec::with_capacity(areas.len());
    let (mut points, mut spread, mut without_population) = (0usize, 0usize, 0usize);
    for (area, result) in areas.iter().zip(results) {
        match result {
            Ok(Some((parts, fell_back))) => {
                if fell_back && let Some(Rule::Buildings { file, .. }) = &spreader.rule {
                    warnings.push(source.warning(
                        Some(area.number),
                        area.name.as_deref(),
                        format!("no building of {file} lies in this polygon; its population is spread over the 100 m grid instead"),
                    ));
                }
                if population_key(&area.properties).is_none() {
                    without_population += 1;
                }
                points += parts.len();
                spread += 1;
                out.push(Some(parts));
            }
            Ok(None) => out.push(None),
            Err(why) => {
                let mut what = format!("feature {}", area.number);
                if let Some(name) = &area.name {
                    what.push_str(&format!(" ({name})"));
                }
                return Err(LoadError::Unreadable {
                    what: "residents file for spreading",
                    message: format!("{what}: {why}"),
                    path: source.path.clone(),
                });
            }
        }
    }
    if without_population > 0 {
        warnings.push(source.warning(
            None,
            None,
            format!("{without_population} polygon(s) have no population value; each counts as 1 person, spread over its points"),
        ));
    }
    if spread > 0 {
        let over = match &spreader.rule {
            Some(Rule::Buildings { file, .. }) => format!("the buildings of {file}"),
            _ => "100 m grid cells".to_string(),
        };
        warnings.push(source.warning(
            None,
            None,
            format!("{spread} polygon(s) spread over {over}: {points} demand points"),
        ));
    }
    Ok(out)
}

/// Lon/lat bounds of every area.
fn extent(areas: &[Area]) -> Option<[f64; 4]> {
    areas
        .iter()
        .filter_map(|a| a.shape.bounding_rect())
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

fn to_metric(shape: &MultiPolygon<f64>, proj: &LocalProjection) -> MultiPolygon<f64> {
    shape.map_coords(|c| {
        let [x, y] = proj.forward(c.x, c.y);
        geo::Coord { x, y }
    })
}

/// The property holding the population, by the same names as the reader
/// ([`fields::POPULATION`]: an exact name first, then ignoring case).
fn population_key(props: &Map<String, Value>) -> Option<String> {
    if let Some(k) = fields::POPULATION.iter().find(|a| props.contains_key(**a)) {
        return Some(k.to_string());
    }
    fields::POPULATION.iter().find_map(|alias| {
        props
            .keys()
            .find(|k| fields::normalize_key(k).eq_ignore_ascii_case(alias))
            .cloned()
    })
}

/// Whether a property is a group population (`pop_<group id>`).
fn is_group_key(key: &str) -> bool {
    fields::normalize_key(key).starts_with("pop_")
}

/// The values a polygon's parts share: its population (missing means 1,
/// METHOD) and every `pop_<group>` that is a number >= 0 (others are
/// copied as they are: the group shares decide for them, METHOD 11).
struct Values {
    keys: Vec<(String, f64)>,
}

impl Values {
    /// The values, or why the population cannot be read.
    fn of(props: &Map<String, Value>) -> Result<Self, String> {
        let key = population_key(props);
        let field = key
            .as_ref()
            .map_or(Field::Missing, |k| Field::from_json(props.get(k)));
        let population = fields::population(&field)?;
        let mut keys = vec![(key.unwrap_or_else(|| "population".to_string()), population)];
        for (k, v) in props {
            if is_group_key(k)
                && let Ok(Some(n)) = fields::number(&Field::from_json(Some(v)), k)
                && n >= 0.0
            {
                keys.push((k.clone(), n));
            }
        }
        Ok(Self { keys })
    }

    /// One part per piece, each value split by weight; the last part takes
    /// the remainder, so the parts add up to the value.
    fn split(
        &self,
        props: &Map<String, Value>,
        pieces: &[Piece],
        proj: &LocalProjection,
    ) -> Vec<Part> {
        let total: f64 = pieces.iter().map(|p| p.weight).sum();
        let mut used = vec![0.0; self.keys.len()];
        let last = pieces.len().saturating_sub(1);
        pieces
            .iter()
            .enumerate()
            .map(|(n, piece)| {
                let mut properties = props.clone();
                for ((key, value), used) in self.keys.iter().zip(used.iter_mut()) {
                    let share = if n == last {
                        (value - *used).max(0.0)
                    } else {
                        value * (piece.weight / total)
                    };
                    *used += share;
                    properties.insert(key.clone(), Value::from(share));
                }
                let [lon, lat] = proj.inverse(piece.at[0], piece.at[1]);
                Part {
                    location: Point::new(lon, lat),
                    properties,
                }
            })
            .collect()
    }
}

/// Spread `population` over the 100 m grid cells inside `outline` (the
/// grid rule above, on the grid of `frame`: the townships' lon/lat extent,
/// or the outline's own without one): `(point, population)` per piece,
/// adding up to `population` (the last piece takes the remainder). An
/// outline with no area gives one point inside it. Used for residential
/// areas drawn in a layout (issue 16).
pub fn spread_over_grid(
    outline: &Polygon<f64>,
    population: f64,
    frame: Option<[f64; 4]>,
) -> Result<Vec<(Point<f64>, f64)>, String> {
    let shape = MultiPolygon(vec![outline.clone()]);
    let Some(bounds) = frame.or_else(|| {
        shape
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
    }) else {
        return Ok(Vec::new());
    };
    let proj = LocalProjection::for_bounds(bounds);
    let metric = to_metric(&shape, &proj);
    let mut pieces: Vec<Piece> = grid_cells(&metric)?.into_iter().map(|(_, p)| p).collect();
    if pieces.is_empty() {
        let at = metric
            .interior_point()
            .or_else(|| metric.centroid())
            .map_or([0.0, 0.0], |p| [p.x(), p.y()]);
        pieces.push(Piece { at, weight: 1.0 });
    }
    let total: f64 = pieces.iter().map(|p| p.weight).sum();
    let last = pieces.len() - 1;
    let mut used = 0.0;
    Ok(pieces
        .iter()
        .enumerate()
        .map(|(n, piece)| {
            let share = if n == last {
                (population - used).max(0.0)
            } else {
                population * (piece.weight / total)
            };
            used += share;
            let [lon, lat] = proj.inverse(piece.at[0], piece.at[1]);
            (Point::new(lon, lat), share)
        })
        .collect())
}

/// The buildings of each area (metric pieces: centroid, area × levels). A
/// building belongs to the first area in file order containing its
/// centroid (boundary included).
fn buildings_by_area(
    areas: &[Area],
    buildings: &[Building],
    proj: &LocalProjection,
) -> Vec<Vec<Piece>> {
    use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = areas
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let r = a.shape.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                i,
            ))
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    let owned: Vec<Option<(usize, Piece)>> = buildings
        .par_iter()
        .map(|b| {
            let metric = to_metric(&b.footprint, proj);
            let area = metric.unsigned_area();
            let c = metric.centroid()?;
            let [lon, lat] = proj.inverse(c.x(), c.y());
            let at = Point::new(lon, lat);
            let owner = tree
                .locate_in_envelope_intersecting(&AABB::from_point([lon, lat]))
                .map(|g| g.data)
                .filter(|&i| areas[i].shape.intersects(&at))
                .min()?;
            Some((
                owner,
                Piece {
                    at: [c.x(), c.y()],
                    weight: area * b.levels,
                },
            ))
        })
        .collect();
    let mut by_area = vec![Vec::new(); areas.len()];
    for (owner, piece) in owned.into_iter().flatten() {
        by_area[owner].push(piece);
    }
    by_area
}

/// Pieces smaller than this (m²) are slivers of a border that follows a
/// cell edge up to rounding (after a trip through lon/lat), not places
/// where people live.
const SLIVER_M2: f64 = 0.01;

/// At most this many cells in a polygon's bounding box (250,000 ha): a
/// larger polygon is no village.
const MAX_CELLS: usize = 25_000_000;

/// A grid cell: column and row in cells of [`GRID_CELL_M`] from the
/// projection's origin.
type Cell = (i64, i64);

/// A ring in metric coordinates (open: the first vertex is not repeated)
/// and the sign that makes its clipped areas count positively for an outer
/// ring and negatively for a hole, whatever its orientation.
struct Ring {
    points: Vec<[f64; 2]>,
    sign: f64,
}

fn rings_of(poly: &MultiPolygon<f64>) -> Vec<Ring> {
    let mut rings = Vec::new();
    for p in &poly.0 {
        for (hole, ring) in
            std::iter::once((false, p.exterior())).chain(p.interiors().iter().map(|r| (true, r)))
        {
            let mut points: Vec<[f64; 2]> = ring.coords().map(|c| [c.x, c.y]).collect();
            if points.len() > 1 && points.first() == points.last() {
                points.pop();
            }
            if points.len() < 3 {
                continue;
            }
            let (area, _) = area_moment(&points, [0.0, 0.0]);
            if area == 0.0 {
                continue;
            }
            let orientation = area.signum();
            rings.push(Ring {
                points,
                sign: if hole { -orientation } else { orientation },
            });
        }
    }
    rings
}

/// Signed area of an open ring and its first moment (Σ area × centroid),
/// computed relative to `origin` for precision; the moment is relative to
/// `origin` too.
fn area_moment(points: &[[f64; 2]], origin: [f64; 2]) -> (f64, [f64; 2]) {
    let n = points.len();
    let (mut a, mut mx, mut my) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let p = points[i];
        let q = points[(i + 1) % n];
        let (px, py) = (p[0] - origin[0], p[1] - origin[1]);
        let (qx, qy) = (q[0] - origin[0], q[1] - origin[1]);
        let cross = px * qy - qx * py;
        a += cross;
        mx += (px + qx) * cross;
        my += (py + qy) * cross;
    }
    (a / 2.0, [mx / 6.0, my / 6.0])
}

/// Sutherland–Hodgman: the part of an open ring with `lo <= coordinate
/// axis <= hi`. Against a convex window the result's signed area is
/// exactly the area inside the window, even for a concave ring (edges
/// along the window's border add none).
fn clip(points: &[[f64; 2]], axis: usize, lo: f64, hi: f64) -> Vec<[f64; 2]> {
    let half = |points: &[[f64; 2]], keep: &dyn Fn(f64) -> bool, at: f64| -> Vec<[f64; 2]> {
        let mut out = Vec::with_capacity(points.len() + 4);
        let n = points.len();
        for i in 0..n {
            let c = points[i];
            let p = points[(i + n - 1) % n];
            let (in_c, in_p) = (keep(c[axis]), keep(p[axis]));
            if in_c != in_p {
                let t = (at - p[axis]) / (c[axis] - p[axis]);
                let mut x = [p[0] + t * (c[0] - p[0]), p[1] + t * (c[1] - p[1])];
                x[axis] = at;
                out.push(x);
            }
            if in_c {
                out.push(c);
            }
        }
        out
    };
    if points.is_empty() {
        return Vec::new();
    }
    let above = half(points, &|v| v >= lo, lo);
    if above.is_empty() {
        return above;
    }
    half(&above, &|v| v <= hi, hi)
}

/// Whether `p` (strictly inside the band of `rings`) is inside the polygon
/// by the even-odd rule. Edges that clipping added lie on the band's
/// borders and never cross the horizontal through `p`.
fn inside(rings: &[(Vec<[f64; 2]>, f64)], p: [f64; 2]) -> bool {
    let mut odd = false;
    for (points, _) in rings {
        let n = points.len();
        for i in 0..n {
            let (a, b) = (points[i], points[(i + 1) % n]);
            if (a[1] > p[1]) != (b[1] > p[1]) {
                let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                if x < p[0] {
                    odd = !odd;
                }
            }
        }
    }
    odd
}

/// The pieces of a metric polygon on the 100 m grid: `((column, row) of
/// the cell in grid units, piece)`, weight in m². Slivers under
/// [`SLIVER_M2`] are dropped (the others share their population).
fn grid_cells(poly: &MultiPolygon<f64>) -> Result<Vec<(Cell, Piece)>, String> {
    const C: f64 = GRID_CELL_M;
    let rings = rings_of(poly);
    let Some(bounds) = poly.bounding_rect() else {
        return Ok(Vec::new());
    };
    if rings.is_empty() {
        return Ok(Vec::new());
    }
    let i0 = (bounds.min().x / C).floor() as i64;
    let j0 = (bounds.min().y / C).floor() as i64;
    let w = ((bounds.max().x / C).floor() as i64 - i0 + 1).max(1) as usize;
    let h = ((bounds.max().y / C).floor() as i64 - j0 + 1).max(1) as usize;
    if w.saturating_mul(h) > MAX_CELLS {
        return Err(format!(
            "the polygon spans {w} × {h} cells of 100 m ({:.0} km²); spreading allows at most {} million cells: is this a village or community polygon?",
            bounds.width() * bounds.height() / 1e6,
            MAX_CELLS / 1_000_000
        ));
    }
    let col = |x: f64| ((x / C).floor() as i64 - i0).clamp(0, w as i64 - 1) as usize;
    let row = |y: f64| ((y / C).floor() as i64 - j0).clamp(0, h as i64 - 1) as usize;
    // Cells an edge passes through (a safe superset), and where the edges
    // cross each row's centre line.
    let mut boundary = vec![false; w * h];
    let mut crossings: Vec<Vec<f64>> = vec![Vec::new(); h];
    for ring in &rings {
        let n = ring.points.len();
        for k in 0..n {
            let (a, b) = (ring.points[k], ring.points[(k + 1) % n]);
            let (ylo, yhi) = (a[1].min(b[1]), a[1].max(b[1]));
            let x_at = |y: f64| a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            for r in row(ylo)..=row(yhi) {
                let y0 = (j0 + r as i64) as f64 * C;
                let (xa, xb) = if a[1] == b[1] {
                    (a[0], b[0])
                } else {
                    (x_at(ylo.max(y0)), x_at(yhi.min(y0 + C)))
                };
                let row_cells = &mut boundary[r * w..(r + 1) * w];
                row_cells[col(xa.min(xb))..=col(xa.max(xb))].fill(true);
                let yc = y0 + C / 2.0;
                if (a[1] > yc) != (b[1] > yc) {
                    crossings[r].push(x_at(yc));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (r, xs) in crossings.iter_mut().enumerate() {
        xs.sort_by(f64::total_cmp);
        let y0 = (j0 + r as i64) as f64 * C;
        let mut band: Option<Vec<(Vec<[f64; 2]>, f64)>> = None;
        let mut k = 0;
        for c in 0..w {
            let x0 = (i0 + c as i64) as f64 * C;
            let cell = (i0 + c as i64, j0 + r as i64);
            let centre = [x0 + C / 2.0, y0 + C / 2.0];
            while k < xs.len() && xs[k] < centre[0] {
                k += 1;
            }
            if !boundary[r * w + c] {
                if k % 2 == 1 {
                    out.push((
                        cell,
                        Piece {
                            at: centre,
                            weight: C * C,
                        },
                    ));
                }
                continue;
            }
            let band = band.get_or_insert_with(|| {
                rings
                    .iter()
                    .map(|ring| (clip(&ring.points, 1, y0, y0 + C), ring.sign))
                    .filter(|(points, _)| points.len() >= 3)
                    .collect()
            });
            let (mut area, mut mx, mut my) = (0.0, 0.0, 0.0);
            for (points, sign) in band.iter() {
                let piece = clip(points, 0, x0, x0 + C);
                if piece.len() < 3 {
                    continue;
                }
                let (a, m) = area_moment(&piece, [x0, y0]);
                area += sign * a;
                mx += sign * m[0];
                my += sign * m[1];
            }
            if area < SLIVER_M2 {
                continue;
            }
            let mut at = [x0 + mx / area, y0 + my / area];
            let strictly_in_band = at[1] > y0 && at[1] < y0 + C;
            if !(strictly_in_band && inside(band, at)) {
                // A piece whose centroid lies outside it (a crescent): a
                // point surely inside, the slow way.
                let cell_rect: Polygon<f64> = Rect::new((x0, y0), (x0 + C, y0 + C)).to_polygon();
                at = poly
                    .intersection(&cell_rect)
                    .interior_point()
                    .map_or(centre, |p| [p.x(), p.y()]);
            }
            out.push((cell, Piece { at, weight: area }));
        }
    }
    Ok(out)
}

/// A table of population by residents polygon name (`--residents-table`):
/// a `name` column (or 名称), `population` (or 人口 …) and any
/// `pop_<group id>` columns, numbers >= 0.
pub(crate) struct PopulationTable {
    /// The file's name, for messages.
    file: String,
    path: PathBuf,
    /// Values per name: (column, value), the population under `population`.
    rows: HashMap<String, Vec<(String, f64)>>,
}

impl PopulationTable {
    /// The table from its header and lines (line number, cells) as read
    /// from `path`; a missing column, a bad number or a repeated name is an
    /// error naming the file, the line and the column.
    pub(crate) fn from_rows(
        path: &Path,
        columns: &[String],
        lines: &[(usize, Vec<String>)],
    ) -> Result<Self, LoadError> {
        let source = Source::from_path(path);
        let bad = |message: String| LoadError::Unreadable {
            what: "population table",
            message,
            path: path.to_path_buf(),
        };
        let headers: Vec<String> = columns.iter().map(|c| fields::normalize_key(c)).collect();
        let name_at = fields::column(&headers, fields::NAME)
            .ok_or_else(|| bad(format!("no name column (found {})", columns.join(", "))))?;
        let population_at = fields::column(&headers, fields::POPULATION);
        let mut value_columns: Vec<(usize, String)> = Vec::new();
        if let Some(i) = population_at {
            value_columns.push((i, "population".to_string()));
        }
        for (i, h) in columns.iter().enumerate() {
            if is_group_key(h) {
                value_columns.push((i, h.trim().to_string()));
            }
        }
        if value_columns.is_empty() {
            return Err(bad(format!(
                "no population or pop_<group> column (found {})",
                columns.join(", ")
            )));
        }
        let mut rows: HashMap<String, Vec<(String, f64)>> = HashMap::new();
        let mut first_line: HashMap<String, usize> = HashMap::new();
        for (line, cells) in lines {
            let cell = |i: usize| cells.get(i).map(String::as_str);
            let Some(name) = fields::text(&Field::from_cell(cell(name_at))) else {
                return Err(bad(format!("line {line}: the name is empty")));
            };
            if let Some(first) = first_line.get(&name) {
                return Err(bad(format!(
                    "line {line}: name {name:?} is already on line {first}; a name must be unique to be joined"
                )));
            }
            let mut values = Vec::new();
            for (i, column) in &value_columns {
                let field = Field::from_cell(cell(*i));
                match fields::number(&field, column) {
                    Ok(Some(v)) if v >= 0.0 => values.push((column.clone(), v)),
                    Ok(Some(v)) => {
                        return Err(bad(format!(
                            "line {line} ({name}): {column} {v} is negative"
                        )));
                    }
                    Ok(None) => {}
                    Err(why) => return Err(bad(format!("line {line} ({name}): {why}"))),
                }
            }
            first_line.insert(name.clone(), *line);
            rows.insert(name, values);
        }
        Ok(Self {
            file: source.label,
            path: path.to_path_buf(),
            rows,
        })
    }

    /// Gives each feature (number, name, properties) its row's values. A
    /// feature whose name has no row is an error naming them all; rows no
    /// feature uses are a warning.
    pub(crate) fn join(
        &self,
        features: &mut [(usize, Option<String>, &mut Map<String, Value>)],
        warnings: &mut Vec<LoadWarning>,
    ) -> Result<(), LoadError> {
        let mut unmatched = Vec::new();
        let mut used = std::collections::HashSet::new();
        for (number, name, properties) in features.iter_mut() {
            let Some(values) = name.as_ref().and_then(|n| self.rows.get(n)) else {
                unmatched.push(match name {
                    Some(n) => format!("{n:?} (feature {number})"),
                    None => format!("feature {number} has no name"),
                });
                continue;
            };
            used.insert(name.clone().unwrap_or_default());
            for (column, value) in values {
                let key = if column == "population" {
                    population_key(properties).unwrap_or_else(|| "population".to_string())
                } else {
                    column.clone()
                };
                properties.insert(key, Value::from(*value));
            }
        }
        if !unmatched.is_empty() {
            let shown: Vec<&str> = unmatched.iter().take(10).map(String::as_str).collect();
            let more = unmatched.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            return Err(LoadError::Unreadable {
                what: "population table",
                message: format!(
                    "no row for {} residents feature(s): {}{more}",
                    unmatched.len(),
                    shown.join(", ")
                ),
                path: self.path.clone(),
            });
        }
        let mut unused: Vec<&String> = self.rows.keys().filter(|n| !used.contains(*n)).collect();
        if !unused.is_empty() {
            unused.sort();
            let shown: Vec<String> = unused.iter().take(10).map(|n| format!("{n:?}")).collect();
            warnings.push(LoadWarning {
                file: self.file.clone(),
                feature: None,
                name: None,
                message: format!(
                    "{} row(s) match no residents feature and are not used: {}",
                    unused.len(),
                    shown.join(", ")
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "spread_tests.rs"]
mod tests;
