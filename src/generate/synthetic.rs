//! A synthetic district of arbitrary size, for benchmarks and scale tests.
//!
//! The demo district is small and hand-shaped; timing the engine on a
//! county-sized input (a million road vertices and residents) needs data no
//! one wants to commit. This module grows it on demand from a seed: a
//! jittered square lattice of roads at about 100 m spacing, clustered
//! residents, facilities over the default profile's categories and a grid
//! of townships (10 × 10 by default; any number for province-sized runs).

use super::rng::SplitMix64;
use super::write::round7;
use crate::model::{Facility, Layers, Oneway, Profile, Resident, Road, Township};
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

/// The default profile, whose category ids the synthetic facilities use.
const DEFAULT_PROFILE: &str = include_str!("../../data/profile-default.json");

/// Lattice spacing in metres.
const SPACING_M: f64 = 100.0;
/// Vertex jitter (each axis) in metres.
const JITTER_M: f64 = 25.0;
/// Segments per road line before it is split into the next feature.
const SEGMENTS_PER_LINE: usize = 50;
/// Share of residential lattice links left out, for irregularity.
const REMOVED_LINK_SHARE: f64 = 0.03;
/// Townships by default: a 10 × 10 grid.
const DEFAULT_TOWNSHIPS: usize = 100;
/// Centre of the synthetic district (lon, lat), near Quzhou.
const CENTRE: (f64, f64) = (119.0, 29.0);
/// Metres per degree of latitude (mean Earth radius).
const M_PER_DEG_LAT: f64 = 111_195.0;

/// Size and seed of a synthetic district.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntheticParams {
    /// Road vertices (lattice nodes); the lattice is about √n × √n.
    pub road_nodes: usize,
    /// Resident points.
    pub residents: usize,
    /// Facility points.
    pub facilities: usize,
    /// Townships tiling the extent (at least one; see [`township_grid`]).
    pub townships: usize,
    /// Same seed and sizes give the same district.
    pub seed: u64,
}

impl SyntheticParams {
    /// The benchmark size: 1,000,000 road vertices (≈ 100 km × 100 km),
    /// 1,000,000 residents and 20,000 facilities.
    pub fn benchmark() -> Self {
        Self {
            road_nodes: 1_000_000,
            residents: 1_000_000,
            facilities: 20_000,
            townships: DEFAULT_TOWNSHIPS,
            seed: 20_240_601,
        }
    }

    /// The province size (W5): 3,000,000 road vertices (≈ 173 km × 173 km),
    /// 3,000,000 residents, 60,000 facilities and 1,300 townships, about
    /// the towns a provincial office compares.
    pub fn province() -> Self {
        Self {
            road_nodes: 3_000_000,
            residents: 3_000_000,
            facilities: 60_000,
            townships: 1_300,
            seed: 20_240_601,
        }
    }

    /// A test size: 10,000 road vertices (≈ 10 km × 10 km), 10,000
    /// residents, 500 facilities.
    pub fn small() -> Self {
        Self {
            road_nodes: 10_000,
            residents: 10_000,
            facilities: 500,
            townships: DEFAULT_TOWNSHIPS,
            seed: 7,
        }
    }
}

/// Lattice → lon/lat: metres from the centre to rounded degrees.
struct Frame {
    m_per_deg_lon: f64,
}

impl Frame {
    fn new() -> Self {
        Self {
            m_per_deg_lon: M_PER_DEG_LAT * CENTRE.1.to_radians().cos(),
        }
    }

    fn lonlat(&self, x: f64, y: f64) -> Coord<f64> {
        Coord {
            x: round7(CENTRE.0 + x / self.m_per_deg_lon),
            y: round7(CENTRE.1 + y / M_PER_DEG_LAT),
        }
    }
}

/// Builds a synthetic district (see module docs). All four layers are set.
///
/// Deterministic: equal parameters give equal layers.
pub fn synthetic_district(params: &SyntheticParams) -> Layers {
    let frame = Frame::new();
    let mut rng = SplitMix64::new(params.seed);

    // Lattice of nx × ny vertices, row-major (index = j * nx + i).
    let nx = ((params.road_nodes.max(4) as f64).sqrt().ceil() as usize).max(2);
    let ny = params.road_nodes.max(4).div_ceil(nx).max(2);
    let half_w = (nx - 1) as f64 * SPACING_M / 2.0;
    let half_h = (ny - 1) as f64 * SPACING_M / 2.0;
    let mut vertices = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let x = i as f64 * SPACING_M - half_w + rng.range_f64(-JITTER_M, JITTER_M);
            let y = j as f64 * SPACING_M - half_h + rng.range_f64(-JITTER_M, JITTER_M);
            vertices.push(frame.lonlat(x, y));
        }
    }

    let mut roads = Vec::with_capacity(2 * (nx + ny) * (nx.max(ny) / SEGMENTS_PER_LINE + 1));
    for j in 0..ny {
        lattice_line(
            &mut roads,
            &mut rng,
            j,
            (0..nx).map(|i| vertices[j * nx + i]),
        );
    }
    for i in 0..nx {
        lattice_line(
            &mut roads,
            &mut rng,
            i,
            (0..ny).map(|j| vertices[j * nx + i]),
        );
    }
    drop(vertices);

    // Extent with a margin, so jittered vertices and residents fall inside.
    let margin = SPACING_M;
    let (x0, x1) = (-half_w - margin, half_w + margin);
    let (y0, y1) = (-half_h - margin, half_h + margin);

    // Residents: clusters (towns and villages) plus a uniform scatter.
    let clusters: Vec<(f64, f64, f64)> = (0..(params.residents / 5_000).max(1))
        .map(|_| {
            (
                rng.range_f64(x0, x1),
                rng.range_f64(y0, y1),
                rng.range_f64(300.0, 3_000.0),
            )
        })
        .collect();
    let clustered_point = |rng: &mut SplitMix64| {
        let &(cx, cy, sigma) = rng.pick(&clusters);
        let x = (cx + sigma * rng.normal()).clamp(x0, x1);
        let y = (cy + sigma * rng.normal()).clamp(y0, y1);
        (x, y)
    };
    let residents: Vec<Resident> = (0..params.residents)
        .map(|_| {
            let (x, y) = if rng.chance(0.7) {
                clustered_point(&mut rng)
            } else {
                (rng.range_f64(x0, x1), rng.range_f64(y0, y1))
            };
            Resident {
                location: Point(frame.lonlat(x, y)),
                population: (1 + rng.below(60)) as f64,
                settlement: None,
                groups: Default::default(),
            }
        })
        .collect();

    // Facilities over the default profile's categories, commoner for
    // shorter tiers (weight 30 / minutes).
    let profile = Profile::from_json(DEFAULT_PROFILE).expect("data/profile-default.json is valid");
    let weighted: Vec<(&str, f64)> = profile
        .tiers
        .iter()
        .flat_map(|t| t.all_categories().map(move |c| (c, 30.0 / t.minutes)))
        .collect();
    let total_weight: f64 = weighted.iter().map(|(_, w)| w).sum();
    let mut serial = vec![0usize; weighted.len()];
    let facilities: Vec<Facility> = (0..params.facilities)
        .map(|_| {
            let mut r = rng.range_f64(0.0, total_weight);
            let k = weighted
                .iter()
                .position(|(_, w)| {
                    r -= w;
                    r < 0.0
                })
                .unwrap_or(weighted.len() - 1);
            serial[k] += 1;
            let (x, y) = if rng.chance(0.6) {
                clustered_point(&mut rng)
            } else {
                (rng.range_f64(x0, x1), rng.range_f64(y0, y1))
            };
            Facility {
                category: weighted[k].0.to_string(),
                name: format!("{} {}", weighted[k].0, serial[k]),
                capacity: None,
                location: Point(frame.lonlat(x, y)),
            }
        })
        .collect();

    // Townships: a grid of rectangles sharing their corner coordinates.
    let grid = township_grid(params.townships);
    let rows = grid.len();
    let mut townships = Vec::with_capacity(params.townships);
    for (row, cells) in grid.into_iter().enumerate() {
        let gx: Vec<f64> = (0..=cells)
            .map(|k| x0 + (x1 - x0) * k as f64 / cells as f64)
            .collect();
        // Numbered row by row from the north-west, like the Helsinki zones.
        let j = rows - 1 - row;
        let (ya, yb) = (
            y0 + (y1 - y0) * j as f64 / rows as f64,
            y0 + (y1 - y0) * (j + 1) as f64 / rows as f64,
        );
        for col in 0..cells {
            let ring = vec![
                frame.lonlat(gx[col], ya),
                frame.lonlat(gx[col + 1], ya),
                frame.lonlat(gx[col + 1], yb),
                frame.lonlat(gx[col], yb),
                frame.lonlat(gx[col], ya),
            ];
            let name = format!("T{:03}", townships.len() + 1);
            townships.push(Township {
                code: Some(name.clone()),
                name,
                boundary: MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]),
            });
        }
    }

    Layers {
        townships,
        facilities,
        residents: Some(residents),
        roads: Some(roads),
    }
}

/// Columns of the township grid for `n` townships: ceil(√n).
fn township_columns(n: usize) -> usize {
    let n = n.max(1);
    let mut cols = n.isqrt();
    if cols * cols < n {
        cols += 1;
    }
    cols
}

/// Townships per row of the grid, north to south: ceil(√n) columns and
/// ceil(n / columns) rows, the last row holding the rest in wider cells, so
/// that exactly `n` rectangles tile the extent.
fn township_grid(n: usize) -> Vec<usize> {
    let n = n.max(1);
    let cols = township_columns(n);
    let rows = n.div_ceil(cols);
    (0..rows)
        .map(|r| {
            if r + 1 < rows {
                cols
            } else {
                n - cols * (rows - 1)
            }
        })
        .collect()
}

/// Road class, direction and posted speed of lattice line `k` (a row or a
/// column): primary every 20 lines, secondary every 10, else residential,
/// with some one-way residential lines.
fn line_class(k: usize) -> (&'static str, Oneway, Option<f64>) {
    if k.is_multiple_of(20) {
        ("primary", Oneway::No, Some(70.0))
    } else if k.is_multiple_of(10) {
        ("secondary", Oneway::No, None)
    } else if k % 10 == 3 {
        ("residential", Oneway::Forward, None)
    } else if k % 10 == 7 {
        ("residential", Oneway::Backward, None)
    } else {
        ("residential", Oneway::No, None)
    }
}

/// Appends lattice line `k` through `coords` as road features of at most
/// [`SEGMENTS_PER_LINE`] segments, leaving out some residential links.
fn lattice_line(
    roads: &mut Vec<Road>,
    rng: &mut SplitMix64,
    k: usize,
    coords: impl Iterator<Item = Coord<f64>>,
) {
    let (highway, oneway, maxspeed_kmh) = line_class(k);
    let removable = highway == "residential";
    let mut push = |line: Vec<Coord<f64>>| {
        if line.len() >= 2 {
            roads.push(Road {
                line: LineString(line),
                highway: Some(highway.to_string()),
                oneway,
                maxspeed_kmh,
            });
        }
    };
    let mut current: Vec<Coord<f64>> = Vec::with_capacity(SEGMENTS_PER_LINE + 1);
    for c in coords {
        if !current.is_empty() && removable && rng.chance(REMOVED_LINK_SHARE) {
            push(std::mem::take(&mut current));
        } else if current.len() > SEGMENTS_PER_LINE {
            let last = *current.last().expect("not empty");
            push(std::mem::replace(&mut current, vec![last]));
        }
        current.push(c);
    }
    push(current);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn small_district_has_the_requested_sizes() {
        let p = SyntheticParams::small();
        let layers = synthetic_district(&p);
        let roads = layers.roads.as_ref().unwrap();
        let mut vertices = HashMap::new();
        for r in roads {
            assert!(r.line.0.len() >= 2 && r.line.0.len() <= SEGMENTS_PER_LINE + 1);
            for c in &r.line.0 {
                *vertices.entry((c.x.to_bits(), c.y.to_bits())).or_insert(0) += 1;
            }
        }
        // Removed links isolate a few vertices; nearly all remain.
        assert!(
            vertices.len() > p.road_nodes * 98 / 100,
            "{}",
            vertices.len()
        );
        assert!(vertices.len() <= p.road_nodes);
        // Most vertices are junctions shared by a row and a column line.
        let shared = vertices.values().filter(|&&n| n >= 2).count();
        assert!(shared > vertices.len() * 9 / 10, "{shared}");
        assert_eq!(layers.residents.as_ref().unwrap().len(), p.residents);
        assert_eq!(layers.facilities.len(), p.facilities);
        assert_eq!(layers.townships.len(), DEFAULT_TOWNSHIPS);
        assert_eq!(layers.townships[0].name, "T001");
        for class in ["primary", "secondary", "residential"] {
            assert!(roads.iter().any(|r| r.highway.as_deref() == Some(class)));
        }
        assert!(roads.iter().any(|r| r.oneway == Oneway::Backward));
    }

    #[test]
    fn residents_and_facilities_fall_inside_the_townships() {
        use geo::Intersects as _;
        let layers = synthetic_district(&SyntheticParams::small());
        let residents = layers.residents.as_ref().unwrap();
        for r in residents.iter().step_by(97) {
            assert!(
                layers
                    .townships
                    .iter()
                    .any(|t| t.boundary.intersects(&r.location))
            );
        }
        for f in &layers.facilities {
            assert!(
                layers
                    .townships
                    .iter()
                    .any(|t| t.boundary.intersects(&f.location)),
                "{f:?}"
            );
        }
        let profile = Profile::from_json(DEFAULT_PROFILE).unwrap();
        let ids = profile.category_ids();
        assert!(
            layers
                .facilities
                .iter()
                .all(|f| ids.contains(&f.category.as_str()))
        );
        // Every tier's categories appear.
        for t in &profile.tiers {
            assert!(
                t.categories
                    .iter()
                    .any(|c| layers.facilities.iter().any(|f| &f.category == c))
            );
        }
    }

    #[test]
    fn extent_is_about_100_m_per_vertex() {
        let layers = synthetic_district(&SyntheticParams::small());
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for r in layers.roads.as_ref().unwrap() {
            for c in &r.line.0 {
                lo = lo.min(c.x);
                hi = hi.max(c.x);
            }
        }
        let width_m = (hi - lo) * M_PER_DEG_LAT * 29f64.to_radians().cos();
        assert!((9_800.0..10_200.0).contains(&width_m), "{width_m}");
    }

    /// Times the benchmark size: `cargo test --release --lib
    /// generate::synthetic -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn benchmark_size_generates_and_writes_in_seconds() {
        let p = SyntheticParams::benchmark();
        let t0 = std::time::Instant::now();
        let layers = synthetic_district(&p);
        let generated = t0.elapsed();
        let dir = std::env::temp_dir().join(format!("lifecircle-synthetic-{}", std::process::id()));
        let t1 = std::time::Instant::now();
        crate::generate::write_layers_geojson(&layers, &dir).unwrap();
        let written = t1.elapsed();
        let roads = layers.roads.as_ref().unwrap();
        let vertices: usize = roads.iter().map(|r| r.line.0.len()).sum();
        let mut bytes = 0;
        for f in crate::generate::LAYER_FILES {
            bytes += std::fs::metadata(dir.join(f)).unwrap().len();
        }
        std::fs::remove_dir_all(&dir).unwrap();
        eprintln!(
            "generated {} road lines ({vertices} vertices incl. repeats), {} residents, {} facilities in {generated:?}; \
             wrote {:.0} MB in {written:?}",
            roads.len(),
            p.residents,
            p.facilities,
            bytes as f64 / 1e6
        );
        assert_eq!(layers.residents.as_ref().unwrap().len(), 1_000_000);
    }

    /// The township grid before `townships` was a parameter: a fixed
    /// 10 × 10 grid. The default must give exactly these polygons, so the
    /// recorded benchmark figures stay comparable.
    fn ten_by_ten_townships(layers: &Layers) -> Vec<Township> {
        let frame = Frame::new();
        let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for t in &layers.townships {
            for c in t.boundary.0[0].exterior().0.iter() {
                lo = (lo.0.min(c.x), lo.1.min(c.y));
                hi = (hi.0.max(c.x), hi.1.max(c.y));
            }
        }
        // Recover the extent in metres from the small district's lattice.
        let p = SyntheticParams::small();
        let nx = ((p.road_nodes as f64).sqrt().ceil() as usize).max(2);
        let ny = p.road_nodes.div_ceil(nx).max(2);
        let half_w = (nx - 1) as f64 * SPACING_M / 2.0;
        let half_h = (ny - 1) as f64 * SPACING_M / 2.0;
        let (x0, x1) = (-half_w - SPACING_M, half_w + SPACING_M);
        let (y0, y1) = (-half_h - SPACING_M, half_h + SPACING_M);
        assert_eq!(frame.lonlat(x0, y0), Coord { x: lo.0, y: lo.1 });
        assert_eq!(frame.lonlat(x1, y1), Coord { x: hi.0, y: hi.1 });
        let n = 10;
        let gx: Vec<f64> = (0..=n)
            .map(|k| x0 + (x1 - x0) * k as f64 / n as f64)
            .collect();
        let gy: Vec<f64> = (0..=n)
            .map(|k| y0 + (y1 - y0) * k as f64 / n as f64)
            .collect();
        let mut townships = Vec::new();
        for row in 0..n {
            for col in 0..n {
                let j = n - 1 - row;
                let ring = vec![
                    frame.lonlat(gx[col], gy[j]),
                    frame.lonlat(gx[col + 1], gy[j]),
                    frame.lonlat(gx[col + 1], gy[j + 1]),
                    frame.lonlat(gx[col], gy[j + 1]),
                    frame.lonlat(gx[col], gy[j]),
                ];
                let name = format!("T{:03}", townships.len() + 1);
                townships.push(Township {
                    code: Some(name.clone()),
                    name,
                    boundary: MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]),
                });
            }
        }
        townships
    }

    #[test]
    fn default_townships_are_the_former_ten_by_ten_grid() {
        let layers = synthetic_district(&SyntheticParams::small());
        assert_eq!(layers.townships, ten_by_ten_townships(&layers));
    }

    #[test]
    fn township_grid_rows_hold_exactly_n() {
        for n in 1..=200 {
            let grid = township_grid(n);
            assert_eq!(grid.iter().sum::<usize>(), n, "{n}");
            let cols = township_columns(n);
            assert!(cols * cols >= n && (cols - 1) * (cols - 1) < n, "{n}");
            assert!(grid.iter().all(|&c| c >= 1 && c <= cols), "{n}: {grid:?}");
        }
        assert_eq!(township_grid(100), vec![10; 10]);
        assert_eq!(township_grid(1_300).len(), 36);
        assert_eq!(township_grid(1_300)[35], 1_300 - 35 * 37);
    }

    #[test]
    fn any_number_of_townships_tiles_the_extent() {
        use geo::{Area as _, BoundingRect as _, Intersects as _};
        for n in [1, 2, 3, 7, 10, 37, 101] {
            let p = SyntheticParams {
                road_nodes: 2_500,
                residents: 2_000,
                facilities: 50,
                townships: n,
                seed: 11,
            };
            let layers = synthetic_district(&p);
            assert_eq!(layers.townships.len(), n);
            let names: std::collections::HashSet<&str> =
                layers.townships.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names.len(), n, "names are unique");
            // The areas (in degrees², exact for axis-parallel rectangles
            // up to rounding) sum to the extent's.
            let extent = layers
                .townships
                .iter()
                .map(|t| t.boundary.bounding_rect().unwrap())
                .reduce(|a, b| {
                    geo::Rect::new(
                        Coord {
                            x: a.min().x.min(b.min().x),
                            y: a.min().y.min(b.min().y),
                        },
                        Coord {
                            x: a.max().x.max(b.max().x),
                            y: a.max().y.max(b.max().y),
                        },
                    )
                })
                .unwrap();
            let sum: f64 = layers
                .townships
                .iter()
                .map(|t| t.boundary.unsigned_area())
                .sum();
            assert!(
                (sum - extent.unsigned_area()).abs() < 1e-9 * extent.unsigned_area(),
                "{n}: {sum} vs {}",
                extent.unsigned_area()
            );
            // No gaps or overlaps: every resident lies in exactly one
            // township's half-open rectangle [west, east) × [south, north),
            // closed at the extent's east and north edges; and it touches
            // that township's polygon.
            let cells: Vec<geo::Rect> = layers
                .townships
                .iter()
                .map(|t| {
                    let ring = &t.boundary.0[0].exterior().0;
                    assert_eq!(ring.len(), 5, "a rectangle");
                    t.boundary.bounding_rect().unwrap()
                })
                .collect();
            let holds = |c: &geo::Rect, x: f64, y: f64| {
                let east = x < c.max().x || (x == c.max().x && c.max().x == extent.max().x);
                let north = y < c.max().y || (y == c.max().y && c.max().y == extent.max().y);
                x >= c.min().x && y >= c.min().y && east && north
            };
            for r in layers.residents.as_ref().unwrap() {
                let (x, y) = (r.location.x(), r.location.y());
                let mut hits = cells.iter().enumerate().filter(|(_, c)| holds(c, x, y));
                let (k, _) = hits.next().unwrap_or_else(|| panic!("{n}: {r:?} in none"));
                assert!(hits.next().is_none(), "{n}: {r:?} in two");
                assert!(layers.townships[k].boundary.intersects(&r.location));
            }
        }
    }

    #[test]
    fn same_seed_same_district_other_seed_differs() {
        let p = SyntheticParams {
            road_nodes: 900,
            residents: 300,
            facilities: 40,
            townships: DEFAULT_TOWNSHIPS,
            seed: 3,
        };
        let a = synthetic_district(&p);
        let b = synthetic_district(&p);
        assert_eq!(a.roads, b.roads);
        assert_eq!(a.residents, b.residents);
        assert_eq!(a.facilities, b.facilities);
        let c = synthetic_district(&SyntheticParams { seed: 4, ..p });
        assert_ne!(a.residents, c.residents);
    }
}
