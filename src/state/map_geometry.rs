//! The map's geometry as state: the input layers and the assessment's demand
//! points in plane coordinates ([`PlaneOrigin`]), prepared once per load or
//! assessment, and what the heat layer shows. No drawing here: `ui::map_layers`
//! turns this into meshes for a view.
//!
//! May import: `analysis`, `model` (and `geo`); never `ui` or `app`.

use crate::analysis::Assessment;
use crate::model::{Layers, Profile, Tier};

/// A lon/lat bounding box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoBounds {
    /// West edge (degrees).
    pub min_lon: f64,
    /// South edge (degrees).
    pub min_lat: f64,
    /// East edge (degrees).
    pub max_lon: f64,
    /// North edge (degrees).
    pub max_lat: f64,
}

impl GeoBounds {
    /// The empty box (contains nothing; `union` with it is the identity).
    pub const EMPTY: GeoBounds = GeoBounds {
        min_lon: f64::INFINITY,
        min_lat: f64::INFINITY,
        max_lon: f64::NEG_INFINITY,
        max_lat: f64::NEG_INFINITY,
    };

    /// The smallest box holding every finite point.
    pub fn from_points(points: impl IntoIterator<Item = [f64; 2]>) -> Self {
        let mut b = Self::EMPTY;
        for p in points {
            b.include(p);
        }
        b
    }

    /// Grow to hold `p` (ignores non-finite points).
    pub fn include(&mut self, [lon, lat]: [f64; 2]) {
        if lon.is_finite() && lat.is_finite() {
            self.min_lon = self.min_lon.min(lon);
            self.min_lat = self.min_lat.min(lat);
            self.max_lon = self.max_lon.max(lon);
            self.max_lat = self.max_lat.max(lat);
        }
    }

    /// The box holding both.
    pub fn union(self, other: GeoBounds) -> GeoBounds {
        GeoBounds {
            min_lon: self.min_lon.min(other.min_lon),
            min_lat: self.min_lat.min(other.min_lat),
            max_lon: self.max_lon.max(other.max_lon),
            max_lat: self.max_lat.max(other.max_lat),
        }
    }

    /// Whether the box holds at least one point.
    pub fn is_valid(&self) -> bool {
        self.min_lon <= self.max_lon && self.min_lat <= self.max_lat
    }

    /// Centre `[lon, lat]`.
    pub fn center(&self) -> [f64; 2] {
        [
            (self.min_lon + self.max_lon) / 2.0,
            (self.min_lat + self.max_lat) / 2.0,
        ]
    }

    /// Whether `[lon, lat]` lies inside (edges included).
    pub fn contains(&self, [lon, lat]: [f64; 2]) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }

    /// Whether the two boxes overlap.
    pub fn intersects(&self, o: &GeoBounds) -> bool {
        self.min_lon <= o.max_lon
            && o.min_lon <= self.max_lon
            && self.min_lat <= o.max_lat
            && o.min_lat <= self.max_lat
    }
}

/// A local plane for cached geometry: `x = (lon − lon0)·cos(lat_ref)`,
/// `y = lat − lat0`, both in degrees of latitude, stored as `f32` (about
/// 1 cm resolution within 100 km of the origin).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlaneOrigin {
    /// Longitude of the origin.
    pub lon0: f64,
    /// Latitude of the origin.
    pub lat0: f64,
    /// cos(reference latitude).
    pub cos_lat: f64,
}

impl PlaneOrigin {
    /// A plane centred on `bounds` (or on 0,0 for empty bounds).
    pub fn for_bounds(bounds: &GeoBounds) -> Self {
        let [lon0, lat0] = if bounds.is_valid() {
            bounds.center()
        } else {
            [0.0, 0.0]
        };
        Self {
            lon0,
            lat0,
            cos_lat: lat0.to_radians().cos().max(0.01),
        }
    }

    /// Plane coordinates of a lon/lat point.
    pub fn project(&self, lon: f64, lat: f64) -> [f32; 2] {
        [
            ((lon - self.lon0) * self.cos_lat) as f32,
            (lat - self.lat0) as f32,
        ]
    }
}

/// Road lines in plane coordinates.
#[derive(Clone, Debug, Default)]
pub struct RoadGeometry {
    /// All vertices.
    pub points: Vec<[f32; 2]>,
    /// Line `i` is `points[line_start[i]..line_start[i + 1]]`.
    pub line_start: Vec<u32>,
    /// Road class per line ([`crate::model::road_class`]: 0 paths … 5 motorways).
    pub class: Vec<u8>,
    /// Plane box `[min_x, min_y, max_x, max_y]` per line.
    pub bbox: Vec<[f32; 4]>,
    /// Lines from minor to major class (drawing order).
    pub draw_order: Vec<u32>,
    /// Number of segments (for the data panel and the debug overlay).
    pub segments: usize,
}

impl RoadGeometry {
    /// Number of lines.
    pub fn lines(&self) -> usize {
        self.class.len()
    }

    pub fn line(&self, i: usize) -> &[[f32; 2]] {
        let a = self.line_start[i] as usize;
        let b = self.line_start[i + 1] as usize;
        &self.points[a..b]
    }
}

/// A township outline ready to paint.
#[derive(Clone, Debug)]
pub struct TownshipShape {
    /// Rings (exterior and holes of every part) in plane coordinates.
    pub rings: Vec<Vec<[f32; 2]>>,
    /// Lon/lat box.
    pub bounds: GeoBounds,
    /// Where the name goes (plane coordinates): a point inside the largest part.
    pub label_at: [f32; 2],
}

/// A facility symbol ready to paint.
#[derive(Clone, Copy, Debug)]
pub struct FacilityMark {
    /// Index into `Layers::facilities`.
    pub index: u32,
    /// Plane coordinates.
    pub pos: [f32; 2],
    /// Index of the category in `Profile::category_ids()` (`None`: not in the profile).
    pub category: Option<u16>,
    /// Index of the first tier that lists the category.
    pub tier: Option<u16>,
}

/// The input layers in plane coordinates, rebuilt when a layer or the
/// profile changes.
#[derive(Clone, Debug)]
pub struct MapGeometry {
    /// The plane all coordinates are in.
    pub plane: PlaneOrigin,
    /// Box of all layers.
    pub bounds: GeoBounds,
    /// Township outlines, in `Layers::townships` order.
    pub townships: Vec<TownshipShape>,
    /// All road lines.
    pub roads: RoadGeometry,
    /// One mark per facility, in `Layers::facilities` order.
    pub facilities: Vec<FacilityMark>,
}

impl MapGeometry {
    /// Project `layers` (facility categories looked up in `profile`).
    pub fn build(layers: &Layers, profile: &Profile) -> Self {
        let bounds = layers_bounds(layers);
        let plane = PlaneOrigin::for_bounds(&bounds);
        let townships = layers
            .townships
            .iter()
            .map(|t| township_shape(&t.boundary, &plane))
            .collect();
        let roads = road_geometry(layers.roads.as_deref().unwrap_or(&[]), &plane);
        let ids = profile.category_ids();
        let facilities = layers
            .facilities
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let category = ids.iter().position(|c| *c == f.category).map(|c| c as u16);
                let tier = profile
                    .tiers
                    .iter()
                    .position(|t| t.all_categories().any(|c| c == f.category))
                    .map(|t| t as u16);
                FacilityMark {
                    index: i as u32,
                    pos: plane.project(f.location.x(), f.location.y()),
                    category,
                    tier,
                }
            })
            .collect();
        Self {
            plane,
            bounds,
            townships,
            roads,
            facilities,
        }
    }
}

/// The lon/lat box of every layer, leaving out points the assessment sets
/// aside as stray (METHOD 1), so that one mistyped coordinate does not
/// shrink the district to a dot.
pub fn layers_bounds(layers: &Layers) -> GeoBounds {
    use geo::BoundingRect as _;
    let extent = crate::analysis::StudyExtent::of(&layers.townships);
    let kept = |x: f64, y: f64| extent.as_ref().is_none_or(|e| !e.is_stray(x, y));
    let mut b = GeoBounds::EMPTY;
    for t in &layers.townships {
        if let Some(r) = t.boundary.bounding_rect() {
            b.include([r.min().x, r.min().y]);
            b.include([r.max().x, r.max().y]);
        }
    }
    for f in &layers.facilities {
        if kept(f.location.x(), f.location.y()) {
            b.include([f.location.x(), f.location.y()]);
        }
    }
    for r in layers.residents.as_deref().unwrap_or(&[]) {
        if kept(r.location.x(), r.location.y()) {
            b.include([r.location.x(), r.location.y()]);
        }
    }
    for road in layers.roads.as_deref().unwrap_or(&[]) {
        for c in road.line.coords().filter(|c| kept(c.x, c.y)) {
            b.include([c.x, c.y]);
        }
    }
    b
}

fn township_shape(boundary: &geo::MultiPolygon<f64>, plane: &PlaneOrigin) -> TownshipShape {
    use geo::{Area as _, BoundingRect as _, InteriorPoint as _};
    let mut rings = Vec::new();
    for poly in &boundary.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            rings.push(ring.0.iter().map(|c| plane.project(c.x, c.y)).collect());
        }
    }
    let bounds = boundary
        .bounding_rect()
        .map_or(GeoBounds::EMPTY, |r| GeoBounds {
            min_lon: r.min().x,
            min_lat: r.min().y,
            max_lon: r.max().x,
            max_lat: r.max().y,
        });
    let largest = boundary
        .0
        .iter()
        .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()));
    let label = largest
        .and_then(|p| p.interior_point())
        .map(|p| [p.x(), p.y()])
        .unwrap_or_else(|| bounds.center());
    TownshipShape {
        rings,
        bounds,
        label_at: plane.project(label[0], label[1]),
    }
}

fn road_geometry(roads: &[crate::model::Road], plane: &PlaneOrigin) -> RoadGeometry {
    let mut g = RoadGeometry {
        line_start: vec![0],
        ..Default::default()
    };
    for road in roads {
        if road.line.0.len() < 2 {
            continue;
        }
        let mut bbox = [
            f32::INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NEG_INFINITY,
        ];
        for c in &road.line.0 {
            let p = plane.project(c.x, c.y);
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
            g.points.push(p);
        }
        g.segments += road.line.0.len() - 1;
        g.line_start.push(g.points.len() as u32);
        g.class
            .push(crate::model::road_class(road.highway.as_deref()));
        g.bbox.push(bbox);
    }
    let mut order: Vec<u32> = (0..g.class.len() as u32).collect();
    order.sort_by_key(|&i| g.class[i as usize]);
    g.draw_order = order;
    g
}

/// A uniform grid over points for "which point is under the mouse".
#[derive(Clone, Debug, Default)]
pub struct PointGrid {
    origin: [f32; 2],
    cell: f32,
    cols: usize,
    rows: usize,
    /// CSR: points of cell `c` are `items[starts[c]..starts[c + 1]]`.
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl PointGrid {
    /// Index `pos` with about four points per occupied cell.
    pub fn build(pos: &[[f32; 2]]) -> Self {
        let mut b = [
            f32::INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NEG_INFINITY,
        ];
        for p in pos.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
            b = [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ];
        }
        if b[0] > b[2] {
            return Self::default();
        }
        let w = (b[2] - b[0]).max(1e-9);
        let h = (b[3] - b[1]).max(1e-9);
        let cells_wanted = (pos.len() / 4).clamp(1, 4_000_000) as f32;
        let cell = (w * h / cells_wanted).sqrt().max(1e-7);
        let cols = ((w / cell) as usize + 1).min(4096);
        let rows = ((h / cell) as usize + 1).min(4096);
        let cell = (w / cols as f32).max(h / rows as f32).max(1e-7) * 1.0001;
        let mut grid = Self {
            origin: [b[0], b[1]],
            cell,
            cols,
            rows,
            starts: vec![0; cols * rows + 1],
            items: Vec::new(),
        };
        let cell_of: Vec<Option<usize>> = pos.iter().map(|p| grid.cell_of(*p)).collect();
        for c in cell_of.iter().flatten() {
            grid.starts[c + 1] += 1;
        }
        for i in 0..cols * rows {
            grid.starts[i + 1] += grid.starts[i];
        }
        let mut fill = grid.starts.clone();
        grid.items = vec![0; *grid.starts.last().unwrap_or(&0) as usize];
        for (i, c) in cell_of.iter().enumerate() {
            if let Some(c) = c {
                grid.items[fill[*c] as usize] = i as u32;
                fill[*c] += 1;
            }
        }
        grid
    }

    fn cell_of(&self, p: [f32; 2]) -> Option<usize> {
        let x = ((p[0] - self.origin[0]) / self.cell).floor();
        let y = ((p[1] - self.origin[1]) / self.cell).floor();
        if x >= 0.0 && y >= 0.0 && (x as usize) < self.cols && (y as usize) < self.rows {
            Some(y as usize * self.cols + x as usize)
        } else {
            None
        }
    }

    /// The point of `pos` nearest to `p` within `radius` (plane units), if any.
    pub fn nearest(&self, pos: &[[f32; 2]], p: [f32; 2], radius: f32) -> Option<u32> {
        if self.cols == 0 || radius.is_nan() || radius <= 0.0 {
            return None;
        }
        let reach = (radius / self.cell).ceil().min(64.0) as i64;
        let cx = ((p[0] - self.origin[0]) / self.cell).floor() as i64;
        let cy = ((p[1] - self.origin[1]) / self.cell).floor() as i64;
        let mut best: Option<(f32, u32)> = None;
        for y in (cy - reach).max(0)..=(cy + reach).min(self.rows as i64 - 1) {
            for x in (cx - reach).max(0)..=(cx + reach).min(self.cols as i64 - 1) {
                let c = y as usize * self.cols + x as usize;
                for &i in &self.items[self.starts[c] as usize..self.starts[c + 1] as usize] {
                    let q = pos[i as usize];
                    let d = (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2);
                    if d <= radius * radius
                        && best.is_none_or(|(bd, bi)| d < bd || (d == bd && i < bi))
                    {
                        best = Some((d, i));
                    }
                }
            }
        }
        best.map(|(_, i)| i)
    }
}

/// The assessment's demand points in plane coordinates, rebuilt per
/// assessment.
#[derive(Clone, Debug, Default)]
pub struct DemandGeometry {
    /// Plane coordinates per demand point.
    pub pos: Vec<[f32; 2]>,
    /// Population (or hectares) per demand point.
    pub population: Vec<f32>,
    /// 99th percentile of the population per point (dot size reference).
    pub reference_population: f32,
    /// Index for hover look-ups.
    pub grid: PointGrid,
    /// Per tier: the demand points that are blind spots of that tier.
    pub blind_by_tier: Vec<Vec<u32>>,
}

impl DemandGeometry {
    /// Project the demand of `assessment` onto `plane`.
    pub fn build(assessment: &Assessment, tiers: usize, plane: &PlaneOrigin) -> Self {
        let pos: Vec<[f32; 2]> = assessment
            .demand
            .iter()
            .map(|r| plane.project(r.location.x(), r.location.y()))
            .collect();
        let population: Vec<f32> = assessment
            .demand
            .iter()
            .map(|r| r.population as f32)
            .collect();
        let mut sorted: Vec<f32> = population
            .iter()
            .copied()
            .filter(|p| p.is_finite())
            .collect();
        let reference_population = if sorted.is_empty() {
            1.0
        } else {
            let k = ((sorted.len() - 1) as f64 * 0.99) as usize;
            let (_, v, _) = sorted.select_nth_unstable_by(k, f32::total_cmp);
            v.max(1e-6)
        };
        let mut blind_by_tier = vec![Vec::new(); tiers];
        for b in &assessment.blind_spots {
            if let Some(list) = blind_by_tier.get_mut(b.tier as usize)
                && (b.resident as usize) < pos.len()
            {
                list.push(b.resident);
            }
        }
        let grid = PointGrid::build(&pos);
        Self {
            pos,
            population,
            reference_population,
            grid,
            blind_by_tier,
        }
    }
}

/// What the heat layer colours by.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum HeatSource {
    /// Minutes until the resident has every required category of the tier
    /// (the time to the last of them).
    TierComplete,
    /// Minutes to one category by the tier's mode.
    Category(String),
    /// Supply per 1,000 (`1000·A_i`, METHOD 15) of the tier's capacity
    /// table of this category, as a share of its standard.
    Supply(String),
}

/// Per demand point: the population of demand group `group` (METHOD 11),
/// the heat's weight when a group is chosen; `None` for a group the
/// profile does not have.
pub fn group_heat_weights(
    assessment: &Assessment,
    profile: &crate::model::Profile,
    group: &str,
    townships: &[crate::model::Township],
) -> Option<Vec<f32>> {
    let group = profile.group(group)?;
    let weights = crate::analysis::group_population(
        profile,
        group,
        &assessment.demand,
        &assessment.resident_township,
        townships,
    );
    Some(weights.into_iter().map(|w| w as f32).collect())
}

/// Per demand point: the minutes the heat layer shows (`INFINITY` = not
/// reached within the computed limit).
pub fn heat_values(assessment: &Assessment, tier: &Tier, source: &HeatSource) -> Vec<f32> {
    let n = assessment.demand.len();
    match source {
        HeatSource::Category(id) => assessment
            .minutes_for(tier, id)
            .map(|m| m.to_vec())
            .unwrap_or_else(|| vec![f32::INFINITY; n]),
        HeatSource::Supply(id) => {
            let index = assessment
                .report
                .total
                .tiers
                .iter()
                .position(|t| t.id == tier.id);
            match assessment
                .capacity
                .iter()
                .find(|t| Some(t.tier) == index && t.category == *id)
            {
                Some(t) if t.standard_per_1000 > 0.0 => t
                    .access
                    .iter()
                    .map(|a| (1000.0 * a / t.standard_per_1000) as f32)
                    .collect(),
                Some(_) => vec![1.0; n],
                None => vec![0.0; n],
            }
        }
        HeatSource::TierComplete => {
            let mut out = vec![0.0f32; n];
            let mut any = false;
            for c in &tier.categories {
                let Some(m) = assessment.minutes_for(tier, c) else {
                    return vec![f32::INFINITY; n];
                };
                any = true;
                for (o, v) in out.iter_mut().zip(m) {
                    *o = o.max(*v);
                }
            }
            if !any {
                out.fill(f32::INFINITY);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_finds_the_nearest_point_within_the_radius() {
        let pts: Vec<[f32; 2]> = (0..1000)
            .map(|i| [(i % 40) as f32 * 0.5, (i / 40) as f32 * 0.7])
            .collect();
        let grid = PointGrid::build(&pts);
        for probe in [[3.1, 2.2], [0.0, 0.0], [19.4, 16.7], [7.77, 9.1]] {
            let brute = pts
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    (
                        (q[0] - probe[0]).powi(2) + (q[1] - probe[1]).powi(2),
                        i as u32,
                    )
                })
                .filter(|(d, _)| *d <= 0.3 * 0.3)
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .map(|(_, i)| i);
            assert_eq!(grid.nearest(&pts, probe, 0.3), brute, "probe {probe:?}");
        }
        assert_eq!(grid.nearest(&pts, [100.0, 100.0], 1.0), None);
        assert_eq!(PointGrid::build(&[]).nearest(&[], [0.0, 0.0], 1.0), None);
    }
}
