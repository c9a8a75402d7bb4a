//! The files planners actually have, end to end: a GBK Shapefile in a
//! CGCS2000 Gauss–Krüger zone, an Amap POI table in GCJ-02 saved as GBK CSV,
//! an Excel sheet in a projected system, and an OSM PBF extract. Every
//! fixture is written here by code (the PBF protobuf is encoded by hand);
//! each format must land within 1 m of where it belongs, and broken files
//! must give a message that names the file and the problem.
//!
//! Reference coordinates come from PROJ 9.5.1 (pyproj 3.7.2,
//! `Transformer.from_crs(4326, code, always_xy=True)`), and for GCJ-02 from
//! the README of wandergis/coordtransform.

use lifecircle::geodesy::ellipsoid_distance;
use lifecircle::io::{
    self, CategoryMatcher, ColumnChoice, Crs, ImportOptions, LayerKind, LoadError,
};
use lifecircle::model::{Oneway, Profile};
use shapefile::{Point, Polyline};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod fixtures;
use fixtures::*;

/// A fresh empty folder under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn lifecircle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(args)
        .output()
        .expect("run lifecircle")
}

fn profile() -> Profile {
    Profile::from_json(lifecircle::generate::DEFAULT_PROFILE_JSON).unwrap()
}

fn metres(a: [f64; 2], b: geo::Coord<f64>) -> f64 {
    ellipsoid_distance(a, [b.x, b.y])
}

// ---------------------------------------------------------------- tests

#[test]
fn gbk_shapefile_in_gauss_kruger_zone_lands_on_its_corners() {
    let dir = scratch("shp");
    for (stem, with_cpg) in [("乡镇", true), ("乡镇_无cpg", false)] {
        let shp = write_township_shapefile(&dir, stem, with_cpg);
        let loaded = io::load_townships_with(&shp, &ImportOptions::default()).unwrap();
        let names: Vec<&str> = loaded.items.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["航埠镇", "七里乡"], "{stem}");
        assert_eq!(loaded.items[0].code.as_deref(), Some("330802101"));
        let mut worst: f64 = 0.0;
        for (town, corners) in loaded.items.iter().zip([[0, 1, 4, 5], [1, 2, 3, 4]]) {
            let ring = town.boundary.0[0].exterior();
            for i in corners {
                let nearest = ring
                    .0
                    .iter()
                    .map(|c| metres(GK40[i].0, *c))
                    .fold(f64::INFINITY, f64::min);
                worst = worst.max(nearest);
            }
        }
        println!("Shapefile EPSG:4528 ({stem}): worst corner error {worst:.4} m");
        assert!(worst < 1.0, "{worst} m");
        assert!(
            loaded.warnings.iter().any(|w| w
                .message
                .contains("converted from CGCS2000_3_Degree_GK_Zone_40 to WGS84")),
            "{:?}",
            loaded.warnings
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn utm_roads_and_web_mercator_facilities_shapefiles() {
    let dir = scratch("shp2");
    // Roads: one polyline in UTM 50N.
    let roads = dir.join("roads.shp");
    let mut w = shapefile::ShapeWriter::new(std::fs::File::create(&roads).unwrap());
    let line: Vec<Point> = UTM50.iter().map(|(_, p)| Point::new(p[0], p[1])).collect();
    w.write_shape(&Polyline::new(line)).unwrap();
    w.finalize().unwrap();
    let dbf = io::write_dbf(
        &[
            ("fclass", false, 20),
            ("oneway", false, 2),
            ("maxspeed", true, 4),
        ],
        &[vec!["primary".into(), "F".into(), "60".into()]],
        encoding_rs::UTF_8,
    );
    std::fs::write(roads.with_extension("dbf"), dbf).unwrap();
    std::fs::write(roads.with_extension("prj"), UTM50_PRJ).unwrap();
    let loaded = io::load_roads_with(&roads, &ImportOptions::default()).unwrap();
    let road = &loaded.items[0];
    assert_eq!(road.highway.as_deref(), Some("primary"));
    assert_eq!(road.oneway, Oneway::Forward);
    assert_eq!(road.maxspeed_kmh, Some(60.0));
    let worst = UTM50
        .iter()
        .zip(&road.line.0)
        .map(|((lonlat, _), c)| metres(*lonlat, *c))
        .fold(0.0, f64::max);
    println!("Shapefile EPSG:32650 roads: worst vertex error {worst:.4} m");
    assert!(worst < 1.0);

    // Facilities: Geofabrik-style points in Web Mercator, UTF-8 by .cpg.
    let pois = dir.join("pois.shp");
    let mut w = shapefile::ShapeWriter::new(std::fs::File::create(&pois).unwrap());
    for (_, p) in WEB {
        w.write_shape(&Point::new(p[0], p[1])).unwrap();
    }
    w.finalize().unwrap();
    let dbf = io::write_dbf(
        &[("name", false, 30), ("fclass", false, 20)],
        &[
            vec!["七里药店".into(), "pharmacy".into()],
            vec!["七里派出所".into(), "police".into()],
        ],
        encoding_rs::UTF_8,
    );
    std::fs::write(pois.with_extension("dbf"), dbf).unwrap();
    std::fs::write(pois.with_extension("prj"), WEB_PRJ).unwrap();
    std::fs::write(pois.with_extension("cpg"), "UTF-8").unwrap();
    let matcher = CategoryMatcher::from_profile(&profile());
    let loaded = io::load_facilities_with(&pois, &ImportOptions::default(), &matcher).unwrap();
    let categories: Vec<&str> = loaded.items.iter().map(|f| f.category.as_str()).collect();
    assert_eq!(categories, ["pharmacy", "police_station"]);
    let worst = WEB
        .iter()
        .zip(&loaded.items)
        .map(|((lonlat, _), f)| metres(*lonlat, f.location.0))
        .fold(0.0, f64::max);
    println!("Shapefile EPSG:3857 points: worst error {worst:.4} m");
    assert!(worst < 1.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn amap_gbk_csv_in_gcj02_is_mapped_and_shifted_back() {
    let dir = scratch("amap");
    let csv = write_amap_csv(&dir);
    let matcher = CategoryMatcher::from_profile(&profile());
    let options = ImportOptions {
        crs: Crs::Gcj02,
        encoding: Some(encoding_rs::GBK),
        ..ImportOptions::default()
    };
    let loaded = io::load_facilities_with(&csv, &options, &matcher).unwrap();
    let got: Vec<(&str, &str)> = loaded
        .items
        .iter()
        .map(|f| (f.name.as_str(), f.category.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("航埠镇中心幼儿园", "kindergarten"),
            ("航埠镇卫生院", "township_health_centre"),
            ("航埠镇人民政府", "admin_service_centre"),
            ("天安门参照点", "kindergarten"),
        ]
    );
    let kindergarten = metres([118.865, 28.965], loaded.items[0].location.0);
    let reference = metres([116.404, 39.915], loaded.items[3].location.0);
    println!("Amap GCJ-02 CSV: {kindergarten:.4} m (Quzhou), {reference:.4} m (published pair)");
    assert!(kindergarten < 1.0 && reference < 1.0);
    // Unmapped POIs are listed with their count.
    assert!(
        loaded.warnings.iter().any(|w| w.message.starts_with(
            "2 facilities have category \"餐饮服务;中餐厅;中餐厅\", which the profile does not know"
        )),
        "{:?}",
        loaded.warnings
    );
    // Read as WGS84 (no choice, no hint in the headers) they are ~500 m off.
    let plain = ImportOptions {
        encoding: Some(encoding_rs::GBK),
        ..ImportOptions::default()
    };
    let raw = io::load_facilities_with(&csv, &plain, &matcher).unwrap();
    let off = metres([118.865, 28.965], raw.items[0].location.0);
    assert!(off > 100.0, "{off}");
    // The user's own mapping takes the restaurants in as convenience stores.
    let mut mapped = options.clone();
    mapped.mapping.values.insert(
        "餐饮服务;中餐厅;中餐厅".into(),
        Some("convenience_store".into()),
    );
    let loaded = io::load_facilities_with(&csv, &mapped, &matcher).unwrap();
    assert_eq!(loaded.items.len(), 6);
    // A preview shows the columns, rows and the converted extent.
    let preview = io::preview(&csv, &options).unwrap();
    assert_eq!(preview.columns[0], "名称");
    assert_eq!(preview.feature_count, 6);
    assert_eq!(preview.encoding.as_deref(), Some("GBK"));
    assert_eq!(preview.guessed.lon.as_deref(), Some("经度"));
    assert_eq!(preview.guessed.category.as_deref(), Some("类型"));
    let bbox = preview.bbox.unwrap();
    assert!(
        (bbox[0] - 116.404).abs() < 1e-5 && (bbox[3] - 39.915).abs() < 1e-5,
        "{bbox:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn excel_residents_in_gauss_kruger_with_chosen_columns() {
    let dir = scratch("xlsx");
    let xlsx = write_residents_xlsx(&dir);
    // The headers X坐标/Y坐标 are not guessed: a clear error names the columns.
    let err = io::load_residents_with(&xlsx, &ImportOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("no longitude/latitude columns (expected lon, lng, longitude, 经度 or x, and lat, latitude, 纬度 or y; found 序号, 村名, X坐标, Y坐标, 常住人口)"),
        "{err}"
    );
    let options = ImportOptions {
        crs: Crs::Epsg(4549),
        columns: ColumnChoice {
            lon: Some("X坐标".into()),
            lat: Some("y坐标".into()),
            ..ColumnChoice::default()
        },
        ..ImportOptions::default()
    };
    let loaded = io::load_residents_with(&xlsx, &options).unwrap();
    assert_eq!(loaded.items.len(), 3);
    let populations: Vec<f64> = loaded.items.iter().map(|r| r.population).collect();
    assert_eq!(populations, [800.0, 900.0, 1000.0]);
    let worst = CM120
        .iter()
        .zip(&loaded.items)
        .map(|((lonlat, _), r)| metres(*lonlat, r.location.0))
        .fold(0.0, f64::max);
    println!("Excel EPSG:4549: worst error {worst:.4} m");
    assert!(worst < 1.0);
    let preview = io::preview(&xlsx, &options).unwrap();
    assert_eq!(preview.sheets, ["村庄人口"]);
    assert_eq!(preview.first_rows[0][1], "村1");
    // A sheet that does not exist, and a column that does not exist.
    let mut wrong = options.clone();
    wrong.sheet = Some("Sheet2".into());
    let err = io::load_residents_with(&xlsx, &wrong)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no sheet named \"Sheet2\" (sheets: 村庄人口)"),
        "{err}"
    );
    assert!(err.ends_with("人口.xlsx"), "{err}");
    let mut wrong = options.clone();
    wrong.columns.population = Some("人数".into());
    let err = io::load_residents_with(&xlsx, &wrong)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "no column \"人数\" for the population (found 序号, 村名, X坐标, Y坐标, 常住人口)"
        ),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn osm_pbf_roads_and_facilities() {
    let dir = scratch("pbf");
    let pbf = write_pbf(&dir);
    let roads = io::load_roads_with(&pbf, &ImportOptions::default()).unwrap();
    let classes: Vec<&str> = roads
        .items
        .iter()
        .filter_map(|r| r.highway.as_deref())
        .collect();
    assert_eq!(classes, ["residential", "primary", "tertiary", "tertiary"]);
    let first = &roads.items[0];
    assert_eq!(first.oneway, Oneway::Forward);
    assert_eq!(first.maxspeed_kmh, Some(30.0));
    assert_eq!(first.line.0.len(), 3);
    let worst = [[118.86, 28.96], [118.87, 28.96], [118.88, 28.96]]
        .iter()
        .zip(&first.line.0)
        .map(|(p, c)| metres(*p, *c))
        .fold(0.0, f64::max);
    println!("OSM PBF: worst road vertex error {worst:.6} m");
    assert!(worst < 0.02);
    assert!(
        roads.warnings[0]
            .message
            .starts_with("1 road nodes are missing from the extract"),
        "{:?}",
        roads.warnings
    );
    let matcher = CategoryMatcher::from_profile(&profile());
    let pois = io::load_facilities_with(&pbf, &ImportOptions::default(), &matcher).unwrap();
    let got: Vec<(&str, &str)> = pois
        .items
        .iter()
        .map(|f| (f.name.as_str(), f.category.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("航埠幼儿园", "kindergarten"),
            ("航埠小学", "primary_school")
        ]
    );
    let school = metres([118.8755, 28.9655], pois.items[1].location.0);
    println!("OSM PBF: school area centroid {school:.4} m from its centre");
    assert!(school < 1.0);
    assert_eq!(
        pois.warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect::<Vec<_>>(),
        [
            "3 OSM objects with POI tags match no category of the profile and are skipped: amenity=restaurant (2), amenity=cafe (1)"
        ]
    );
    let preview = io::preview(&pbf, &ImportOptions::default()).unwrap();
    // 3 road ways (not the proposed one) and 5 objects with POI tags.
    assert_eq!(preview.feature_count, 3 + 5);
    let b = preview.bbox.unwrap();
    assert!(
        (b[0] - 118.86).abs() < 1e-9 && (b[3] - 28.97).abs() < 1e-9,
        "{b:?}"
    );
    // Townships cannot come from OSM.
    let err = io::load_townships_with(&pbf, &ImportOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::NotForLayer {
                layer: LayerKind::Townships,
                ..
            }
        ),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn broken_files_name_the_file_and_the_problem() {
    let dir = scratch("broken");
    let matcher = CategoryMatcher::from_profile(&profile());
    let defaults = ImportOptions::default();

    let shp = dir.join("坏.shp");
    std::fs::write(&shp, b"this is not a shapefile at all, not even close").unwrap();
    let err = io::load_townships_with(&shp, &defaults)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("not a readable Shapefile ("), "{err}");
    assert!(err.ends_with("坏.shp"), "{err}");

    let good = write_township_shapefile(&dir, "albers", true);
    let albers = GK40_PRJ.replace("Gauss_Kruger", "Albers");
    std::fs::write(good.with_extension("prj"), albers).unwrap();
    let err = io::load_townships_with(&good, &defaults)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            r#"PROJECTION["Albers"], GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]"#
        ),
        "{err}"
    );
    assert!(err.ends_with("albers.prj"), "{err}");
    // The same file with the system given explicitly loads.
    let explicit = ImportOptions {
        crs: Crs::Epsg(4528),
        ..ImportOptions::default()
    };
    assert_eq!(
        io::load_townships_with(&good, &explicit)
            .unwrap()
            .items
            .len(),
        2
    );
    // Without a .prj the zone prefix suggests the system.
    std::fs::remove_file(good.with_extension("prj")).unwrap();
    let err = io::load_townships_with(&good, &defaults)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no .prj")
            && err.contains("EPSG:4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40)"),
        "{err}"
    );
    // A truncated .shp keeps what could be read.
    let whole = write_township_shapefile(&dir, "cut", true);
    let bytes = std::fs::read(&whole).unwrap();
    std::fs::write(&whole, &bytes[..bytes.len() - 20]).unwrap();
    let loaded = io::load_townships_with(&whole, &defaults).unwrap();
    assert_eq!(loaded.items.len(), 1);
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("damaged after feature 1"))
    );

    let pbf = dir.join("坏.osm.pbf");
    std::fs::write(&pbf, b"<?xml version='1.0'?><osm></osm>").unwrap();
    let err = io::load_roads_with(&pbf, &defaults)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("not a readable OSM PBF file ("), "{err}");
    assert!(err.ends_with("坏.osm.pbf"), "{err}");
    let good = std::fs::read(write_pbf(&dir)).unwrap();
    for cut in [3, 20, good.len() / 2, good.len() - 5] {
        std::fs::write(&pbf, &good[..cut]).unwrap();
        match io::load_roads_with(&pbf, &defaults) {
            Ok(_) => {}
            Err(e) => assert!(e.to_string().ends_with("坏.osm.pbf"), "{e}"),
        }
    }
    std::fs::write(&pbf, b"").unwrap();
    let err = io::load_facilities_with(&pbf, &defaults, &matcher).unwrap_err();
    assert!(err.to_string().contains("no OSMHeader block"), "{err}");

    let xlsx = dir.join("坏.xlsx");
    std::fs::write(&xlsx, b"PK\x03\x04 but not really a zip").unwrap();
    let err = io::load_facilities_with(&xlsx, &defaults, &matcher)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("not a readable Excel workbook ("), "{err}");
    assert!(err.ends_with("坏.xlsx"), "{err}");

    let csv = dir.join("坏.csv");
    std::fs::write(&csv, "名称,经度,纬度\nA,120,30\n").unwrap();
    let err = io::load_facilities_with(&csv, &defaults, &matcher)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("no category (类别, 类型) column"), "{err}");
    let bad_crs = ImportOptions {
        crs: Crs::Epsg(2385),
        ..ImportOptions::default()
    };
    let err = io::load_residents_with(&csv, &bad_crs)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Xian 1980") && err.ends_with("坏.csv"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn command_line_convert_and_assess_with_import_flags() {
    let dir = scratch("cli");
    let shp = write_township_shapefile(&dir, "乡镇", true);
    let csv = write_amap_csv(&dir);
    let xlsx = write_residents_xlsx(&dir);
    let pbf = write_pbf(&dir);
    let p = |path: &Path| path.to_str().unwrap().to_string();

    let out = dir.join("towns.geojson");
    let o = lifecircle(&["convert", &p(&shp), &p(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("2 townships"), "{stdout}");
    let towns = io::load_townships(&out).unwrap();
    let corner = towns.items[0].boundary.0[0].exterior().0[0];
    let nearest = GK40
        .iter()
        .map(|(ll, _)| metres(*ll, corner))
        .fold(f64::INFINITY, f64::min);
    assert!(nearest < 1.0, "{nearest}");

    let out = dir.join("pois.geojson");
    let o = lifecircle(&[
        "convert",
        &p(&csv),
        &p(&out),
        "--crs",
        "gcj02",
        "--encoding",
        "gbk",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning: 高德POI.csv: 2 facilities have category"),
        "{stderr}"
    );
    let facilities = io::load_facilities(&out, &[]).unwrap();
    assert_eq!(facilities.items.len(), 4);
    assert!(metres([118.865, 28.965], facilities.items[0].location.0) < 1.0);

    let out = dir.join("roads.geojson");
    let o = lifecircle(&["convert", &p(&pbf), &p(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(io::load_roads(&out).unwrap().items.len(), 4);

    let report = dir.join("report");
    let o = lifecircle(&[
        "assess",
        "--townships",
        &p(&shp),
        "--facilities",
        &p(&csv),
        "--facilities-crs",
        "gcj02",
        "--facilities-encoding",
        "gbk",
        "--residents",
        &p(&xlsx),
        "--residents-crs",
        "EPSG:4549",
        "--column",
        "residents.lon=X坐标",
        "--column",
        "residents.lat=Y坐标",
        "--roads",
        &p(&pbf),
        "--lang",
        "en",
        "--out",
        &p(&report),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("coverage.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = json["townships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["航埠镇", "七里乡"]);
    assert_eq!(json["total"]["population"].as_f64(), Some(2700.0));

    // Broken input and bad flags: exit status 2, one clear line.
    let o = lifecircle(&[
        "convert",
        &p(&dir.join("none.shp")),
        &p(&dir.join("x.geojson")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.starts_with("error: could not read the file ("),
        "{stderr}"
    );
    let o = lifecircle(&[
        "assess",
        "--townships",
        &p(&shp),
        "--facilities",
        &p(&csv),
        "--facilities-crs",
        "mars",
        "--out",
        &p(&report),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown coordinate system \"mars\""));
    std::fs::remove_dir_all(&dir).unwrap();
}
