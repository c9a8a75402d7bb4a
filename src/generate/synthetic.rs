//! A synthetic district of arbitrary size, for benchmarks and scale tests.
//!
//! The demo district is small and hand-shaped; timing the engine on a
//! county-sized input (a million road vertices and residents) needs data no
//! one wants to commit. This module grows it on demand from a seed: a
//! jittered square lattice of roads at about 100 m spacing, clustered
//! residents, facilities over the default profile's categories and a 10 × 10
//! grid of townships.

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
/// Townships per side of the township grid.
const TOWNSHIP_GRID: usize = 10;
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
    let n = TOWNSHIP_GRID;
    let gx: Vec<f64> = (0..=n)
        .map(|k| x0 + (x1 - x0) * k as f64 / n as f64)
        .collect();
    let gy: Vec<f64> = (0..=n)
        .map(|k| y0 + (y1 - y0) * k as f64 / n as f64)
        .collect();
    let mut townships = Vec::with_capacity(n * n);
    for row in 0..n {
        for col in 0..n {
            // Numbered row by row from the north-west, like the Helsinki zones.
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

    Layers {
        townships,
        facilities,
        residents: Some(residents),
        roads: Some(roads),
    }
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
        assert_eq!(layers.townships.len(), 100);
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

    #[test]
    fn same_seed_same_district_other_seed_differs() {
        let p = SyntheticParams {
            road_nodes: 900,
            residents: 300,
            facilities: 40,
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
