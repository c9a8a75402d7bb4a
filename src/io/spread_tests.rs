//! Tests of population spreading: the fast grid clipping against geo's
//! boolean intersection cell by cell, exact conservation of every
//! polygon's values, the buildings rule and its fallback, the population
//! table, and bad input.

use super::*;
use crate::io::{ImportOptions, PopulationSpread, load_residents_with};
use geo::{Distance as _, Euclidean, LineString, polygon};

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A star-shaped (hence simple) ring around `centre` with radii in
/// `[r0, r1]`, counter-clockwise.
fn star(rng: &mut Rng, centre: [f64; 2], r0: f64, r1: f64, n: usize) -> LineString<f64> {
    let mut coords: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let a = k as f64 / n as f64 * std::f64::consts::TAU;
            let r = r0 + (r1 - r0) * rng.next();
            (centre[0] + r * a.cos(), centre[1] + r * a.sin())
        })
        .collect();
    coords.push(coords[0]);
    LineString::from(coords)
}

/// Random metric polygons: plain stars, stars with a hole, two-part
/// MultiPolygons, polygons smaller than a cell, all at random offsets so
/// that they cross cell borders.
fn random_polygons(seed: u64, count: usize) -> Vec<MultiPolygon<f64>> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|i| {
            let c = [
                rng.next() * 5_000.0 - 2_500.0,
                rng.next() * 5_000.0 - 2_500.0,
            ];
            let big = 30.0 + rng.next() * 600.0;
            match i % 4 {
                0 => MultiPolygon(vec![Polygon::new(
                    star(&mut rng, c, big * 0.4, big, 24),
                    vec![],
                )]),
                1 => MultiPolygon(vec![Polygon::new(
                    star(&mut rng, c, big * 0.6, big, 30),
                    vec![star(&mut rng, c, big * 0.1, big * 0.5, 12)],
                )]),
                2 => MultiPolygon(vec![
                    Polygon::new(star(&mut rng, c, big * 0.3, big, 16), vec![]),
                    Polygon::new(
                        star(
                            &mut rng,
                            [c[0] + 2.5 * big, c[1] + 7.0],
                            big * 0.2,
                            big * 0.8,
                            9,
                        ),
                        vec![],
                    ),
                ]),
                _ => MultiPolygon(vec![Polygon::new(star(&mut rng, c, 5.0, 40.0, 7), vec![])]),
            }
        })
        .collect()
}

/// The slow, obvious grid: every cell of the bounding box intersected with
/// the polygon by geo's boolean operations.
fn slow_cells(poly: &MultiPolygon<f64>) -> HashMap<(i64, i64), f64> {
    let b = poly.bounding_rect().unwrap();
    let c = GRID_CELL_M;
    let mut out = HashMap::new();
    for i in (b.min().x / c).floor() as i64..=(b.max().x / c).floor() as i64 {
        for j in (b.min().y / c).floor() as i64..=(b.max().y / c).floor() as i64 {
            let (x0, y0) = (i as f64 * c, j as f64 * c);
            let cell = Rect::new((x0, y0), (x0 + c, y0 + c)).to_polygon();
            let area = poly.intersection(&cell).unsigned_area();
            if area > 1e-6 {
                out.insert((i, j), area);
            }
        }
    }
    out
}

#[test]
fn the_fast_grid_matches_boolean_intersection_cell_by_cell() {
    for (n, poly) in random_polygons(11, 40).iter().enumerate() {
        let fast = grid_cells(poly).unwrap();
        let slow = slow_cells(poly);
        let fast_map: HashMap<(i64, i64), f64> =
            fast.iter().map(|(cell, p)| (*cell, p.weight)).collect();
        assert_eq!(fast.len(), fast_map.len(), "polygon {n}: a cell twice");
        let mut slivers = 0.0;
        for (cell, area) in &slow {
            let Some(got) = fast_map.get(cell).copied() else {
                assert!(
                    *area < SLIVER_M2 + 1e-4,
                    "polygon {n} cell {cell:?}: missing {area} m²"
                );
                slivers += area;
                continue;
            };
            // geo's overlay snaps to an integer grid: a few 1e-6 m² apart.
            assert!(
                (got - area).abs() <= 1e-4 + 1e-7 * area,
                "polygon {n} cell {cell:?}: fast {got} slow {area}"
            );
        }
        for (cell, area) in &fast_map {
            assert!(
                slow.contains_key(cell) || *area < 1e-2,
                "polygon {n}: extra cell {cell:?} of {area} m²"
            );
        }
        let total: f64 = fast.iter().map(|(_, p)| p.weight).sum();
        let expected = poly.unsigned_area();
        assert!(
            (total + slivers - expected).abs() < 1e-6 * expected + 1e-4,
            "polygon {n}: {total} + {slivers} vs {expected}"
        );
        // Every point lies in its cell and in the polygon.
        for (cell, p) in &fast {
            let (x0, y0) = (cell.0 as f64 * GRID_CELL_M, cell.1 as f64 * GRID_CELL_M);
            assert!(p.at[0] >= x0 - 1e-9 && p.at[0] <= x0 + GRID_CELL_M + 1e-9);
            assert!(p.at[1] >= y0 - 1e-9 && p.at[1] <= y0 + GRID_CELL_M + 1e-9);
            assert!(
                poly.intersects(&Point::new(p.at[0], p.at[1])),
                "polygon {n}: point {:?} outside",
                p.at
            );
        }
    }
}

#[test]
fn whole_cells_need_no_clipping() {
    // 1 km × 0.55 km at an offset: 9 × 4 whole cells, pieces around them.
    let poly = MultiPolygon(vec![polygon![
        (x: 30.0, y: 20.0), (x: 1030.0, y: 20.0), (x: 1030.0, y: 570.0), (x: 30.0, y: 570.0)
    ]]);
    let cells = grid_cells(&poly).unwrap();
    let total: f64 = cells.iter().map(|(_, p)| p.weight).sum();
    assert!((total - 550_000.0).abs() < 1e-6);
    assert_eq!(
        cells.iter().filter(|(_, p)| p.weight == 10_000.0).count(),
        36
    );
    assert_eq!(cells.len(), 11 * 6);
}

/// Lon/lat areas from metric polygons around a point in Zhejiang.
fn lonlat_areas(polys: &[MultiPolygon<f64>], rng: &mut Rng) -> (Vec<Area>, LocalProjection) {
    let proj = LocalProjection::new(118.9, 28.9);
    let areas = polys
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let shape = p.map_coords(|c| {
                let [lon, lat] = proj.inverse(c.x, c.y);
                geo::Coord { x: lon, y: lat }
            });
            let population = (rng.next() * 5_000.0).round() + 0.37;
            let mut properties = Map::new();
            properties.insert("name".into(), Value::from(format!("村{i}")));
            properties.insert("population".into(), Value::from(population));
            properties.insert("pop_children_3_6".into(), Value::from(population * 0.031));
            properties.insert(
                "pop_elderly_60".into(),
                Value::from(format!("{}", population * 0.2)),
            );
            properties.insert("settlement".into(), Value::from("village"));
            Area {
                number: i + 1,
                name: Some(format!("村{i}")),
                shape,
                properties,
            }
        })
        .collect();
    (areas, proj)
}

fn value(props: &Map<String, Value>, key: &str) -> f64 {
    match props.get(key) {
        Some(Value::Number(n)) => n.as_f64().unwrap(),
        Some(Value::String(s)) => s.parse().unwrap(),
        other => panic!("{key}: {other:?}"),
    }
}

fn assert_conserved(areas: &[Area], spread: &[Option<Vec<Part>>]) {
    for (area, parts) in areas.iter().zip(spread) {
        let parts = parts.as_ref().expect("spread");
        assert!(!parts.is_empty());
        for key in ["population", "pop_children_3_6", "pop_elderly_60"] {
            let original = value(&area.properties, key);
            let sum: f64 = parts.iter().map(|p| value(&p.properties, key)).sum();
            assert!(
                (sum - original).abs() <= 1e-9 * original.max(1.0),
                "feature {} {key}: {sum} vs {original}",
                area.number
            );
            assert!(parts.iter().all(|p| value(&p.properties, key) >= 0.0));
        }
        for p in parts {
            assert_eq!(
                p.properties.get("settlement"),
                Some(&Value::from("village"))
            );
            assert_eq!(p.properties.get("name"), area.properties.get("name"));
        }
    }
}

#[test]
fn grid_spreading_conserves_every_polygon_exactly() {
    let mut rng = Rng(5);
    let polys = random_polygons(23, 60);
    let (areas, _) = lonlat_areas(&polys, &mut rng);
    let spreader = Spreader {
        rule: Some(Rule::Grid),
        table: None,
        frame: None,
    };
    let mut warnings = Vec::new();
    let source = Source::from_label("villages.geojson");
    let spread = spread_areas(&source, &areas, &spreader, &mut warnings).unwrap();
    assert_conserved(&areas, &spread);
    // Parts lie in their polygon (lon/lat, a hair of tolerance).
    for (area, parts) in areas.iter().zip(&spread) {
        for p in parts.as_ref().unwrap() {
            let near = area.shape.intersects(&p.location)
                || Euclidean.distance(&p.location, &area.shape) < 1e-9;
            assert!(near, "feature {}: {:?}", area.number, p.location);
        }
    }
    assert!(
        warnings.last().is_some_and(|w| w
            .message
            .starts_with("60 polygon(s) spread over 100 m grid cells")),
        "{warnings:?}"
    );
}

#[test]
fn the_grid_is_the_study_grid() {
    // With the townships' frame, a whole cell's point is the centre of a
    // cell on multiples of 100 m in the frame's projection.
    let frame = [118.8, 28.8, 119.0, 29.0];
    let proj = LocalProjection::for_bounds(frame);
    let metric = MultiPolygon(vec![polygon![
        (x: 1000.0, y: 2000.0), (x: 1300.0, y: 2000.0), (x: 1300.0, y: 2300.0), (x: 1000.0, y: 2300.0)
    ]]);
    let shape = metric.map_coords(|c| {
        let [lon, lat] = proj.inverse(c.x, c.y);
        geo::Coord { x: lon, y: lat }
    });
    let mut properties = Map::new();
    properties.insert("population".into(), Value::from(900.0));
    let areas = [Area {
        number: 1,
        name: None,
        shape,
        properties,
    }];
    let spreader = Spreader {
        rule: Some(Rule::Grid),
        table: None,
        frame: Some(frame),
    };
    let spread =
        spread_areas(&Source::from_label("v"), &areas, &spreader, &mut Vec::new()).unwrap();
    let parts = spread[0].as_ref().unwrap();
    assert_eq!(parts.len(), 9);
    for p in parts {
        let [x, y] = proj.forward(p.location.x(), p.location.y());
        let (fx, fy) = ((x - 50.0) / 100.0, (y - 50.0) / 100.0);
        assert!(
            (fx - fx.round()).abs() < 1e-4 && (fy - fy.round()).abs() < 1e-4,
            "{x} {y}"
        );
        assert!((value(&p.properties, "population") - 100.0).abs() < 1e-3);
    }
}

#[test]
fn buildings_spread_by_floor_area_and_fall_back_to_the_grid() {
    let proj = LocalProjection::new(118.9, 28.9);
    let to_ll = |m: MultiPolygon<f64>| {
        m.map_coords(|c| {
            let [lon, lat] = proj.inverse(c.x, c.y);
            geo::Coord { x: lon, y: lat }
        })
    };
    let square = |x: f64, y: f64, s: f64| {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)],
        ])
    };
    let area = |number: usize, name: &str, shape, population: f64| {
        let mut properties = Map::new();
        properties.insert("name".into(), Value::from(name));
        properties.insert("population".into(), Value::from(population));
        properties.insert("pop_elderly_60".into(), Value::from(population / 4.0));
        Area {
            number,
            name: Some(name.into()),
            shape: to_ll(shape),
            properties,
        }
    };
    // Village A (0–1000 m), overlapping village B (900–1900 m), and C with
    // no building.
    let areas = vec![
        area(1, "甲村", square(0.0, 0.0, 1000.0), 700.0),
        area(2, "乙村", square(900.0, 0.0, 1000.0), 300.0),
        area(3, "丙村", square(5000.0, 0.0, 250.0), 50.0),
    ];
    let buildings = vec![
        Building {
            footprint: to_ll(square(100.0, 100.0, 10.0)),
            levels: 1.0,
        }, // A: 100 m²
        Building {
            footprint: to_ll(square(300.0, 300.0, 10.0)),
            levels: 6.0,
        }, // A: 600
        // Centroid at 950: in A and B; A is first in file order.
        Building {
            footprint: to_ll(square(945.0, 500.0, 10.0)),
            levels: 3.0,
        }, // A: 300
        Building {
            footprint: to_ll(square(1500.0, 500.0, 20.0)),
            levels: 2.0,
        }, // B: 800
        Building {
            footprint: to_ll(square(9000.0, 9000.0, 20.0)),
            levels: 2.0,
        }, // nobody's
    ];
    let spreader = Spreader {
        rule: Some(Rule::Buildings {
            file: "buildings.geojson".into(),
            buildings,
        }),
        table: None,
        frame: None,
    };
    let mut warnings = Vec::new();
    let spread = spread_areas(
        &Source::from_label("villages.geojson"),
        &areas,
        &spreader,
        &mut warnings,
    )
    .unwrap();
    let pops = |i: usize| -> Vec<f64> {
        spread[i]
            .as_ref()
            .unwrap()
            .iter()
            .map(|p| value(&p.properties, "population"))
            .collect()
    };
    let a = pops(0);
    assert_eq!(a.len(), 3);
    for (got, want) in a.iter().zip([70.0, 420.0, 210.0]) {
        assert!((got - want).abs() < 1e-6 * want, "{a:?}");
    }
    assert_eq!(pops(1).len(), 1);
    assert!((pops(1)[0] - 300.0).abs() < 1e-12);
    // C falls back to the grid (a 250 m square: 9 to 16 pieces) with a warning.
    assert!((9..=16).contains(&pops(2).len()), "{:?}", pops(2));
    assert!((pops(2).iter().sum::<f64>() - 50.0).abs() < 1e-9);
    let fallback: Vec<&LoadWarning> = warnings
        .iter()
        .filter(|w| w.message.starts_with("no building"))
        .collect();
    assert_eq!(fallback.len(), 1, "{warnings:?}");
    assert_eq!(fallback[0].feature, Some(3));
    assert_eq!(fallback[0].name.as_deref(), Some("丙村"));
    assert!(fallback[0].message.contains("buildings.geojson"));
    let elderly: f64 = spread[0]
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| value(&p.properties, "pop_elderly_60"))
        .sum();
    assert!((elderly - 175.0).abs() < 1e-9);
}

#[test]
fn the_split_takes_the_remainder_last() {
    let mut props = Map::new();
    props.insert("人口".into(), Value::from(1.0));
    let values = Values::of(&props).unwrap();
    let pieces: Vec<Piece> = (0..7)
        .map(|k| Piece {
            at: [k as f64, 0.0],
            weight: 1.0 / 3.0,
        })
        .collect();
    let parts = values.split(&props, &pieces, &LocalProjection::new(0.0, 0.0));
    let sum: f64 = parts.iter().map(|p| value(&p.properties, "人口")).sum();
    assert!((sum - 1.0).abs() < 1e-15);
    assert!(
        parts
            .iter()
            .all(|p| !p.properties.contains_key("population"))
    );
    // A population that cannot be read is left to the reader.
    props.insert("人口".into(), Value::from(-5.0));
    assert!(Values::of(&props).is_err());
}

#[test]
fn spreading_rules_parse() {
    assert_eq!("GRID".parse::<Spread>(), Ok(Spread::Grid));
    assert_eq!(" centroid ".parse::<Spread>(), Ok(Spread::Centroid));
    assert_eq!(
        "buildings:/data/房屋.shp".parse::<Spread>(),
        Ok(Spread::Buildings("/data/房屋.shp".into()))
    );
    let err = "cells".parse::<Spread>().unwrap_err();
    assert!(err.contains("centroid, grid or buildings:FILE"), "{err}");
    assert_eq!(
        Spread::Buildings("b.geojson".into()).to_string(),
        "buildings:b.geojson"
    );
}

#[test]
fn polygon_sizes_propose_spreading_for_villages_not_blocks() {
    let proj = LocalProjection::new(118.9, 28.9);
    let square = |s: f64| {
        MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: s, y: 0.0), (x: s, y: s), (x: 0.0, y: s)],
        ])
        .map_coords(|c| {
            let [lon, lat] = proj.inverse(c.x, c.y);
            geo::Coord { x: lon, y: lat }
        })
    };
    let villages = PolygonSizes::of(&[square(1000.0), square(400.0), square(50.0)]);
    assert_eq!(villages.polygons, 3);
    assert!((villages.median_ha - 16.0).abs() < 1e-3, "{villages:?}");
    assert!((villages.largest_ha - 100.0).abs() < 1e-2);
    assert!(villages.proposes_spreading());
    let blocks = PolygonSizes::of(&[square(100.0), square(200.0), square(1000.0)]);
    assert!(!blocks.proposes_spreading(), "{blocks:?}");
    assert!(!PolygonSizes::default().proposes_spreading());
}

// ---- Through the loader: files, the table, bad input ----

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-spread-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A GeoJSON FeatureCollection of the given features' JSON.
fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

fn square_feature(lon: f64, lat: f64, side_deg: f64, properties: &str) -> String {
    let (a, b) = (lon + side_deg, lat + side_deg);
    format!(
        r#"{{"type":"Feature","properties":{properties},"geometry":{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{a},{lat}],[{a},{b}],[{lon},{b}],[{lon},{lat}]]]}}}}"#
    )
}

fn with_spread(rule: Spread, table: Option<PathBuf>) -> ImportOptions {
    ImportOptions {
        spread: PopulationSpread {
            rule,
            table,
            frame: None,
        },
        ..ImportOptions::default()
    }
}

#[test]
fn a_village_file_spreads_through_the_loader() {
    let dir = temp_dir("loader");
    let villages = dir.join("villages.geojson");
    std::fs::write(
        &villages,
        collection(&[
            square_feature(118.90, 28.90, 0.01, r#"{"name":"上村","population":1200,"pop_elderly_60":"300","settlement":"village"}"#),
            square_feature(118.92, 28.90, 0.004, r#"{"name":"下村","population":-4}"#),
            r#"{"type":"Feature","properties":{"name":"镇区","population":50},"geometry":{"type":"Point","coordinates":[118.95,28.95]}}"#.to_string(),
        ]),
    )
    .unwrap();
    let centroid = load_residents_with(&villages, &ImportOptions::default()).unwrap();
    assert_eq!(centroid.items.len(), 2);
    let grid = load_residents_with(&villages, &with_spread(Spread::Grid, None)).unwrap();
    // About 1 km × 1.1 km: over 100 cells, plus the point.
    assert!(grid.items.len() > 100, "{}", grid.items.len());
    let people: f64 = grid.items.iter().map(|r| r.population).sum();
    assert!((people - 1250.0).abs() < 1e-9, "{people}");
    // The group population (text in the file) is spread too, as numbers
    // the residents reader takes as pop_<group> (METHOD 11).
    let elderly: f64 = grid
        .items
        .iter()
        .filter_map(|r| r.groups.get("elderly_60"))
        .sum();
    assert!((elderly - 300.0).abs() < 1e-9, "{elderly}");
    assert!(
        grid.items
            .iter()
            .all(|r| r.settlement.is_some() || r.population == 50.0)
    );
    // The negative population is named once, with its feature number.
    let negative: Vec<String> = grid
        .warnings
        .iter()
        .filter(|w| w.message.contains("negative"))
        .map(|w| w.to_string())
        .collect();
    assert_eq!(negative.len(), 1, "{:?}", grid.warnings);
    assert!(
        negative[0].contains("villages.geojson") && negative[0].contains("feature 2"),
        "{negative:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn buildings_and_tables_from_files_and_their_bad_input() {
    let dir = temp_dir("files");
    let villages = dir.join("villages.geojson");
    std::fs::write(
        &villages,
        collection(&[
            square_feature(118.90, 28.90, 0.01, r#"{"name":"上村"}"#),
            square_feature(118.92, 28.90, 0.01, r#"{"name":"下村"}"#),
        ]),
    )
    .unwrap();
    let buildings = dir.join("buildings.geojson");
    std::fs::write(
        &buildings,
        collection(&[
            square_feature(118.901, 28.901, 0.0002, r#"{"building:levels":3}"#),
            square_feature(118.905, 28.905, 0.0002, r#"{"levels":"2"}"#),
            square_feature(118.906, 28.906, 0.0002, r#"{"building:levels":-1}"#),
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[118.9,28.9]}}"#.to_string(),
        ]),
    )
    .unwrap();
    let table = dir.join("population.csv");
    std::fs::write(
        &table,
        "name,population,pop_children_3_6\n上村,1000,31\n下村,500,\n别村,7,1\n",
    )
    .unwrap();

    let loaded = load_residents_with(
        &villages,
        &with_spread(Spread::Buildings(buildings.clone()), Some(table.clone())),
    )
    .unwrap();
    let people: f64 = loaded.items.iter().map(|r| r.population).sum();
    assert!((people - 1500.0).abs() < 1e-9, "{people}");
    // 上村: three buildings (3, 2 and 1 storeys, the bad one counted as 1);
    // 下村 has none: the grid.
    let messages: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
    let has = |text: &str| messages.iter().any(|m| m.contains(text));
    assert!(
        has(
            "buildings.geojson, feature 3: building:levels -1 is not above 0; it counts as 1 storey"
        ),
        "{messages:?}"
    );
    assert!(has("buildings.geojson, feature 4:"), "{messages:?}");
    assert!(
        has("feature 2 (下村): no building of buildings.geojson lies in this polygon"),
        "{messages:?}"
    );
    assert!(
        has("population.csv: 1 row(s) match no residents feature and are not used: \"别村\""),
        "{messages:?}"
    );
    let in_buildings: Vec<f64> = loaded.items.iter().take(3).map(|r| r.population).collect();
    for (got, want) in in_buildings.iter().zip([500.0, 1000.0 / 3.0, 500.0 / 3.0]) {
        // Equal squares in degrees differ in m² by the latitude: 1e-4.
        assert!((got - want).abs() < 1e-4 * want, "{in_buildings:?}");
    }

    // Bad input: each a clear error naming the file.
    let err = |options: ImportOptions| {
        load_residents_with(&villages, &options)
            .unwrap_err()
            .to_string()
    };
    let missing = err(with_spread(
        Spread::Buildings(dir.join("nowhere.geojson")),
        None,
    ));
    assert!(
        missing.starts_with("could not read the file") && missing.contains("nowhere.geojson"),
        "{missing}"
    );
    let points = dir.join("points.geojson");
    std::fs::write(&points, collection(&[r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[118.9,28.9]}}"#.to_string()])).unwrap();
    let not_polygons = err(with_spread(Spread::Buildings(points), None));
    assert!(
        not_polygons.contains("no Polygon or MultiPolygon footprint")
            && not_polygons.contains("points.geojson")
            && not_polygons.contains("feature 1"),
        "{not_polygons}"
    );
    let csv = err(with_spread(Spread::Buildings(table.clone()), None));
    assert!(csv.contains("CSV cannot hold footprints"), "{csv}");
    let short = dir.join("short.csv");
    std::fs::write(&short, "name,population\n上村,1000\n").unwrap();
    let unmatched = err(with_spread(Spread::Grid, Some(short)));
    assert!(
        unmatched.contains("no row for 1 residents feature(s): \"下村\" (feature 2)")
            && unmatched.contains("short.csv"),
        "{unmatched}"
    );
    let negative = dir.join("negative.csv");
    std::fs::write(&negative, "name,population\n上村,1000\n下村,-3\n").unwrap();
    let negative = err(with_spread(Spread::Grid, Some(negative)));
    assert!(
        negative.contains("line 3 (下村): population -3 is negative")
            && negative.contains("negative.csv"),
        "{negative}"
    );
    // A polygon of a whole province is no village: an error naming it.
    let huge = dir.join("huge.geojson");
    std::fs::write(
        &huge,
        collection(&[square_feature(
            110.0,
            25.0,
            6.0,
            r#"{"name":"全省","population":1}"#,
        )]),
    )
    .unwrap();
    let huge = load_residents_with(&huge, &with_spread(Spread::Grid, None))
        .unwrap_err()
        .to_string();
    assert!(
        huge.contains("feature 1 (全省): the polygon spans") && huge.contains("huge.geojson"),
        "{huge}"
    );
    let twice = dir.join("twice.csv");
    std::fs::write(&twice, "名称,人口\n上村,1\n上村,2\n").unwrap();
    let twice = err(with_spread(Spread::Grid, Some(twice)));
    assert!(
        twice.contains("line 3: name \"上村\" is already on line 2"),
        "{twice}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Speed: 1,000 village polygons (120 vertices, about 10 km² each) over
/// about 1M grid cells, through the whole loader (GeoJSON parse, spread,
/// residents). Run with `cargo test --release --lib thousand_villages --
/// --ignored --nocapture`; the README gives the figures.
#[test]
#[ignore = "a measurement; run on its own"]
fn thousand_villages_spread_in_seconds() {
    let mut rng = Rng(99);
    let proj = LocalProjection::new(118.9, 28.9);
    let features: Vec<String> = (0..1000)
        .map(|i| {
            let c = [(i % 32) as f64 * 4_000.0 - 64_000.0, (i / 32) as f64 * 4_000.0 - 64_000.0];
            let ring = star(&mut rng, c, 1_600.0, 2_000.0, 120);
            let coords: Vec<String> = ring
                .coords()
                .map(|p| {
                    let [lon, lat] = proj.inverse(p.x, p.y);
                    format!("[{lon},{lat}]")
                })
                .collect();
            format!(
                r#"{{"type":"Feature","properties":{{"name":"村{i}","population":{},"pop_elderly_60":{}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
                1000 + i,
                200 + i,
                coords.join(",")
            )
        })
        .collect();
    let dir = temp_dir("speed");
    let file = dir.join("villages.geojson");
    std::fs::write(&file, collection(&features)).unwrap();
    let clock = std::time::Instant::now();
    let centroids = load_residents_with(&file, &ImportOptions::default()).unwrap();
    let centroid_s = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let grid = load_residents_with(&file, &with_spread(Spread::Grid, None)).unwrap();
    let grid_s = clock.elapsed().as_secs_f64();
    let people: f64 = grid.items.iter().map(|r| r.population).sum();
    let expected: f64 = (0..1000).map(|i| 1000.0 + i as f64).sum();
    assert!((people - expected).abs() < 1e-9 * expected);
    println!(
        "1,000 villages: centroids {} points in {centroid_s:.2} s; grid {} points in {grid_s:.2} s",
        centroids.items.len(),
        grid.items.len()
    );
    assert!(grid.items.len() > 900_000, "{}", grid.items.len());
    // The geometry alone (cells and clipping, in parallel).
    let shapes: Vec<MultiPolygon<f64>> = (0..1000)
        .map(|i| {
            let c = [(i % 32) as f64 * 4_000.0, (i / 32) as f64 * 4_000.0];
            MultiPolygon(vec![Polygon::new(
                star(&mut rng, c, 1_600.0, 2_000.0, 120),
                vec![],
            )])
        })
        .collect();
    let clock = std::time::Instant::now();
    let cells: usize = shapes
        .par_iter()
        .map(|s| grid_cells(s).unwrap().len())
        .sum();
    println!(
        "grid geometry alone: {cells} pieces in {:.2} s",
        clock.elapsed().as_secs_f64()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
