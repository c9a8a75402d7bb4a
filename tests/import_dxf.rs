//! A township plan as a CAD drawing: the demo district drawn as DXF in
//! CGCS2000 3-degree Gauss–Krüger zone 40 by a generator here (township
//! boundaries as closed LWPOLYLINEs or HATCHes named by MTEXT, roads on
//! layers 主干路/次干路/支路 …, facilities as block INSERTs with a name
//! attribute), written as ASCII and as binary DXF; it imports in the
//! library and the CLI and assesses like the GeoJSON it was drawn from.

use geo::InteriorPoint;
use lifecircle::geodesy::ellipsoid_distance;
use lifecircle::io::{
    CadChoice, CategoryMatcher, CoordinateSystem, Crs, ImportOptions, load_facilities,
    load_facilities_with, load_profile, load_roads, load_roads_with, load_townships,
    load_townships_with,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-dxf-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One DXF group.
enum V {
    S(String),
    F(f64),
    I(i16),
    L(i32),
}

struct Dxf {
    pairs: Vec<(u16, V)>,
}

impl Dxf {
    fn new() -> Self {
        let mut d = Dxf { pairs: Vec::new() };
        d.s(0, "SECTION")
            .s(2, "HEADER")
            .s(9, "$ACADVER")
            .s(1, "AC1015");
        d.s(9, "$INSUNITS").i(70, 6).s(0, "ENDSEC");
        d.s(0, "SECTION").s(2, "ENTITIES");
        d
    }
    fn s(&mut self, c: u16, v: &str) -> &mut Self {
        self.pairs.push((c, V::S(v.to_string())));
        self
    }
    fn f(&mut self, c: u16, v: f64) -> &mut Self {
        self.pairs.push((c, V::F(v)));
        self
    }
    fn i(&mut self, c: u16, v: i16) -> &mut Self {
        self.pairs.push((c, V::I(v)));
        self
    }
    fn l(&mut self, c: u16, v: i32) -> &mut Self {
        self.pairs.push((c, V::L(v)));
        self
    }
    fn lwpolyline(&mut self, layer: &str, points: &[[f64; 2]], closed: bool) {
        self.s(0, "LWPOLYLINE")
            .s(8, layer)
            .l(90, points.len() as i32);
        self.i(70, i16::from(closed));
        for p in points {
            self.f(10, p[0]).f(20, p[1]);
        }
    }
    fn hatch(&mut self, layer: &str, ring: &[[f64; 2]]) {
        self.s(0, "HATCH")
            .s(8, layer)
            .f(10, 0.0)
            .f(20, 0.0)
            .f(30, 0.0);
        self.s(2, "SOLID").i(70, 1).i(71, 0).l(91, 1);
        self.l(92, 3).i(72, 0).i(73, 1).l(93, ring.len() as i32);
        for p in ring {
            self.f(10, p[0]).f(20, p[1]);
        }
        self.l(97, 0).i(75, 1).i(76, 1).l(98, 0);
    }
    fn mtext(&mut self, layer: &str, at: [f64; 2], height: f64, text: &str) {
        self.s(0, "MTEXT")
            .s(8, layer)
            .f(10, at[0])
            .f(20, at[1])
            .f(40, height);
        self.s(1, &format!("{{\\fSimHei|b1;{text}}}"));
    }
    fn insert(&mut self, layer: &str, block: &str, at: [f64; 2], name: &str) {
        self.s(0, "INSERT")
            .s(8, layer)
            .i(66, 1)
            .s(2, block)
            .f(10, at[0])
            .f(20, at[1]);
        self.s(0, "ATTRIB")
            .s(8, layer)
            .f(10, at[0])
            .f(20, at[1])
            .f(40, 1.0);
        self.s(1, name).s(2, "名称").s(0, "SEQEND");
    }
    fn ascii(&self) -> Vec<u8> {
        let mut out = String::new();
        for (c, v) in self.pairs.iter().chain(&end()) {
            let v = match v {
                V::S(s) => s.clone(),
                V::F(f) => format!("{f:.6}"),
                V::I(i) => i.to_string(),
                V::L(l) => l.to_string(),
            };
            out.push_str(&format!("{c:>3}\r\n{v}\r\n"));
        }
        out.into_bytes()
    }
    fn binary(&self) -> Vec<u8> {
        let mut out = b"AutoCAD Binary DXF\r\n\x1a\0".to_vec();
        for (c, v) in self.pairs.iter().chain(&end()) {
            out.extend(c.to_le_bytes());
            match v {
                V::S(s) => {
                    out.extend(s.as_bytes());
                    out.push(0);
                }
                V::F(f) => out.extend(f.to_le_bytes()),
                V::I(i) => out.extend(i.to_le_bytes()),
                V::L(l) => out.extend(l.to_le_bytes()),
            }
        }
        out
    }
}

fn end() -> [(u16, V); 2] {
    [(0, V::S("ENDSEC".into())), (0, V::S("EOF".into()))]
}

fn geojson(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(name)).unwrap()).unwrap()
}

fn positions(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect()
}

/// The road layer a class is drawn on, as a Chinese plan names it.
fn road_layer(highway: &str) -> &'static str {
    match highway {
        "primary" => "主干路",
        "secondary" => "次干路",
        "tertiary" => "乡道",
        "residential" => "支路",
        "unclassified" => "村道",
        "service" => "内部道路",
        "track" => "机耕路",
        other => panic!("no layer for {other}"),
    }
}

/// The demo district as a DXF plan; `zone_prefix`: eastings with the zone
/// number 40 in front; `hatches`: township areas as HATCH, else closed
/// LWPOLYLINE.
fn plan(hatches: bool, zone_prefix: bool) -> Dxf {
    let cs = CoordinateSystem::from_epsg(4528).unwrap();
    let xy = |[lon, lat]: [f64; 2]| {
        let [x, y] = cs.from_wgs84(lon, lat);
        [if zone_prefix { x } else { x - 40_000_000.0 }, y]
    };
    let mut d = Dxf::new();
    let townships = lifecircle::io::load_townships(&data("townships.geojson")).unwrap();
    for t in &townships.items {
        for polygon in &t.boundary {
            let ring: Vec<[f64; 2]> = polygon
                .exterior()
                .coords()
                .map(|c| xy([c.x, c.y]))
                .collect();
            let open = &ring[..ring.len() - 1];
            if hatches {
                d.hatch("乡镇界", open);
            } else {
                d.lwpolyline("乡镇界", open, true);
            }
        }
        let inside = t.boundary.interior_point().unwrap();
        let at = xy([inside.x(), inside.y()]);
        d.mtext("注记", at, 200.0, &t.name);
        // A smaller village label inside: the township's name is larger.
        d.mtext("注记", [at[0] + 1.0, at[1] + 1.0], 20.0, "某村");
    }
    for f in geojson("roads.geojson")["features"].as_array().unwrap() {
        let layer = road_layer(f["properties"]["highway"].as_str().unwrap());
        let points: Vec<[f64; 2]> = positions(&f["geometry"]["coordinates"])
            .into_iter()
            .map(xy)
            .collect();
        if points.len() == 2 {
            d.s(0, "LINE").s(8, layer);
            d.f(10, points[0][0]).f(20, points[0][1]);
            d.f(11, points[1][0]).f(21, points[1][1]);
        } else {
            d.lwpolyline(layer, &points, false);
        }
    }
    for f in geojson("facilities.geojson")["features"]
        .as_array()
        .unwrap()
    {
        let p = &f["geometry"]["coordinates"];
        let at = xy([p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]);
        let category = f["properties"]["category"].as_str().unwrap();
        let name = f["properties"]["name"].as_str().unwrap_or_default();
        d.insert("公共服务设施", category, at, name);
    }
    d
}

fn options(crs: Crs) -> ImportOptions {
    ImportOptions {
        crs,
        ..ImportOptions::default()
    }
}

/// Every vertex of every township and facility lands within a millimetre of
/// the GeoJSON it was drawn from, in ASCII and binary, with the zone
/// guessed from the eastings or chosen by the user.
#[test]
fn the_generated_plan_imports_within_a_millimetre() {
    let dir = scratch("plan");
    let profile = load_profile(&data("profile-default.json")).unwrap();
    let matcher = CategoryMatcher::from_profile(&profile);
    let original_t = load_townships(&data("townships.geojson")).unwrap().items;
    let original_f = load_facilities(&data("facilities.geojson"), &[])
        .unwrap()
        .items;
    let original_r = load_roads(&data("roads.geojson")).unwrap().items;
    for (name, bytes, crs) in [
        ("ascii-zoned.dxf", plan(false, true).ascii(), Crs::FromPrj),
        (
            "binary-cm120.dxf",
            plan(true, false).binary(),
            Crs::Epsg(4549),
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let o = options(crs);
        let t = load_townships_with(&path, &o).unwrap();
        assert_eq!(t.items.len(), original_t.len(), "{name}: {:?}", t.warnings);
        let mut worst: f64 = 0.0;
        for (a, b) in original_t.iter().zip(&t.items) {
            assert_eq!(a.name, b.name, "{name}");
            for (pa, pb) in a.boundary.iter().zip(&b.boundary) {
                for (ca, cb) in pa.exterior().coords().zip(pb.exterior().coords()) {
                    worst = worst.max(ellipsoid_distance([ca.x, ca.y], [cb.x, cb.y]));
                }
            }
        }
        let f = load_facilities_with(&path, &o, &matcher).unwrap();
        assert_eq!(f.items.len(), original_f.len(), "{name}");
        for (a, b) in original_f.iter().zip(&f.items) {
            assert_eq!((&a.category, &a.name), (&b.category, &b.name), "{name}");
            let d = ellipsoid_distance(
                [a.location.x(), a.location.y()],
                [b.location.x(), b.location.y()],
            );
            worst = worst.max(d);
        }
        let r = load_roads_with(&path, &o).unwrap();
        assert_eq!(r.items.len(), original_r.len(), "{name}");
        for (a, b) in original_r.iter().zip(&r.items) {
            assert_eq!(a.highway, b.highway, "{name}");
        }
        assert!(worst < 0.001, "{name}: worst vertex {worst} m off");
        if crs == Crs::FromPrj {
            let note = t
                .warnings
                .iter()
                .map(|w| w.message.clone())
                .collect::<Vec<_>>()
                .join("\n");
            assert!(note.contains("EPSG:4528"), "{note}");
        }
    }
}

/// The CLI assesses the drawing: the same townships and populations as the
/// GeoJSON demo (roads lose their speed limits in CAD, so only the
/// boundaries' figures are compared exactly).
#[test]
fn the_cli_assesses_a_dxf_plan() {
    let dir = scratch("cli");
    let plan_path = dir.join("镇域规划.dxf");
    std::fs::write(&plan_path, plan(false, true).ascii()).unwrap();
    let p = plan_path.to_str().unwrap();
    let residents = data("residents.geojson");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lifecircle"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = dir.join("out");
    let o = run(&[
        "assess",
        "--townships",
        p,
        "--facilities",
        p,
        "--roads",
        p,
        "--residents",
        residents.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let demo = dir.join("demo");
    let o = run(&["assess", "--out", demo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |d: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("coverage.json")).unwrap()).unwrap()
    };
    let (a, b) = (read(&demo), read(&out));
    let towns = |v: &Value| -> Vec<(String, f64)> {
        v["townships"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_string(),
                    t["population"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let (ta, tb) = (towns(&a), towns(&b));
    assert_eq!(ta.len(), tb.len());
    for ((na, pa), (nb, pb)) in ta.iter().zip(&tb) {
        assert_eq!(na, nb);
        assert!((pa - pb).abs() <= 1e-6 * pa.max(1.0), "{na}: {pa} vs {pb}");
    }
    // Walking coverage does not use road speeds: the same.
    assert_eq!(
        a["total"]["tiers"][0]["categories"][0]["covered_population"],
        b["total"]["tiers"][0]["categories"][0]["covered_population"]
    );

    // `convert` takes the drawing to GeoJSON.
    let gj = dir.join("townships.geojson");
    let o = run(&["convert", p, gj.to_str().unwrap(), "--layer", "townships"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(load_townships(&gj).unwrap().items.len(), 9);
    // Without --layer, convert asks for it.
    let o = run(&["convert", p, gj.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--layer"));
}

/// Bad drawings get clear messages naming the file.
#[test]
fn drawings_without_what_a_layer_needs_are_refused_clearly() {
    let dir = scratch("bad");
    // Roads only: no closed polylines for townships.
    let mut d = Dxf::new();
    d.lwpolyline(
        "主干路",
        &[[40_500_000.0, 3_300_000.0], [40_501_000.0, 3_300_500.0]],
        false,
    );
    let path = dir.join("roads-only.dxf");
    std::fs::write(&path, d.ascii()).unwrap();
    let err = load_townships_with(&path, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no closed polylines or hatches"), "{err}");
    assert!(
        err.contains("roads-only.dxf") && err.contains("主干路 (1 lines)"),
        "{err}"
    );
    // GK numbers without a zone: the user must choose.
    let mut d = Dxf::new();
    d.lwpolyline(
        "镇界",
        &[
            [500_000.0, 3_300_000.0],
            [501_000.0, 3_300_000.0],
            [501_000.0, 3_301_000.0],
        ],
        true,
    );
    d.mtext("注记", [500_800.0, 3_300_200.0], 10.0, "甲镇");
    let path = dir.join("no-zone.dxf");
    std::fs::write(&path, d.ascii()).unwrap();
    let err = load_townships_with(&path, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no zone number") && err.contains("no-zone.dxf"),
        "{err}"
    );
    let ok = load_townships_with(&path, &options(Crs::Epsg(4549))).unwrap();
    assert_eq!(ok.items[0].name, "甲镇");
    // Chosen CAD layers that hold nothing.
    let only = ImportOptions {
        crs: Crs::Epsg(4549),
        cad: CadChoice {
            layers: vec!["道路".into()],
            ..CadChoice::default()
        },
        ..ImportOptions::default()
    };
    let err = load_townships_with(&path, &only).unwrap_err().to_string();
    assert!(err.contains("on the layers 道路"), "{err}");
    // Not a DXF at all.
    let path = dir.join("garbage.dxf");
    std::fs::write(&path, "hello\nworld\n").unwrap();
    let err = load_townships_with(&path, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a readable DXF drawing") && err.contains("garbage.dxf"),
        "{err}"
    );
}

/// All POLYLINE/LWPOLYLINE vertices of an ASCII DXF (a reader independent
/// of LifeCircle's).
fn dxf_vertices(text: &str) -> Vec<[f64; 2]> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut entity = "";
    let mut x = None;
    for pair in lines.chunks(2) {
        let (code, value) = (pair[0].trim(), pair.get(1).map_or("", |v| v.trim()));
        match code {
            "0" => entity = value,
            "10" if matches!(entity, "VERTEX" | "LWPOLYLINE") => x = value.parse::<f64>().ok(),
            "20" if matches!(entity, "VERTEX" | "LWPOLYLINE") => {
                if let (Some(x), Ok(y)) = (x.take(), value.parse::<f64>()) {
                    out.push([x, y]);
                }
            }
            _ => {}
        }
    }
    out
}

/// DXF → GeoJSON → DXF keeps every township vertex within a millimetre;
/// roads and facilities go to DXF too, on a layer per class and category.
#[test]
fn dxf_to_geojson_to_dxf_round_trips_within_a_millimetre() {
    let dir = scratch("round");
    let original = dir.join("plan.dxf");
    let text = String::from_utf8(plan(false, true).ascii()).unwrap();
    std::fs::write(&original, &text).unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let gj = dir.join("townships.geojson");
    let back = dir.join("townships.dxf");
    run(&[
        "convert",
        original.to_str().unwrap(),
        gj.to_str().unwrap(),
        "--layer",
        "townships",
    ]);
    run(&[
        "convert",
        gj.to_str().unwrap(),
        back.to_str().unwrap(),
        "--layer",
        "townships",
        "--out-crs",
        "EPSG:4528",
    ]);
    // The township outlines of the original, drawn as the plan draws them.
    let townships_only: String = {
        let mut d = Dxf::new();
        let t = lifecircle::io::load_townships(&data("townships.geojson")).unwrap();
        let cs = CoordinateSystem::from_epsg(4528).unwrap();
        for tw in &t.items {
            for p in &tw.boundary {
                let ring: Vec<[f64; 2]> = p
                    .exterior()
                    .coords()
                    .map(|c| cs.from_wgs84(c.x, c.y))
                    .collect();
                d.lwpolyline("乡镇界", &ring[..ring.len() - 1], true);
            }
        }
        String::from_utf8(d.ascii()).unwrap()
    };
    let before = dxf_vertices(&townships_only);
    let after = dxf_vertices(&std::fs::read_to_string(&back).unwrap());
    assert!(!before.is_empty());
    assert_eq!(before.len(), after.len(), "vertex count");
    let mut worst: f64 = 0.0;
    for p in &before {
        let nearest = after
            .iter()
            .map(|q| (p[0] - q[0]).hypot(p[1] - q[1]))
            .fold(f64::MAX, f64::min);
        worst = worst.max(nearest);
    }
    assert!(worst < 0.001, "worst vertex moved {worst} m");
    // The names come back as TEXT, read by LifeCircle again.
    let o = ImportOptions {
        crs: Crs::Epsg(4528),
        ..ImportOptions::default()
    };
    let names: Vec<String> = load_townships_with(&back, &o)
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names.len(), 9);
    assert!(names.contains(&"航埠镇".to_string()));

    // Roads and facilities to DXF: a layer per class / category.
    let roads = dir.join("roads.dxf");
    run(&[
        "convert",
        data("roads.geojson").to_str().unwrap(),
        roads.to_str().unwrap(),
        "--out-crs",
        "EPSG:4528",
    ]);
    let r = std::fs::read_to_string(&roads).unwrap();
    assert!(
        r.contains("\\U+9053\\U+8DEF-primary"),
        "no 道路-primary layer"
    );
    let facilities = dir.join("facilities.dxf");
    run(&[
        "convert",
        data("facilities.geojson").to_str().unwrap(),
        facilities.to_str().unwrap(),
        "--out-crs",
        "EPSG:4528",
    ]);
    let f = load_facilities_with(
        &facilities,
        &o,
        &CategoryMatcher::from_profile(&load_profile(&data("profile-default.json")).unwrap()),
    )
    .unwrap();
    assert_eq!(f.items.len(), 803);
    // DXF output without a system is refused.
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args([
            "convert",
            gj.to_str().unwrap(),
            dir.join("x.dxf").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--out-crs"));
}

/// Entities of the ENTITIES section of an ASCII DXF by type, and the
/// layers they are on.
fn dxf_entities(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_entities = false;
    for pair in lines.chunks(2) {
        let (code, value) = (pair[0].trim(), pair.get(1).map_or("", |v| v.trim()));
        match (code, value) {
            ("2", "ENTITIES") => in_entities = true,
            ("0", "ENDSEC") => in_entities = false,
            ("0", kind) if in_entities => out.push((kind.to_string(), String::new())),
            ("8", layer) if in_entities => {
                if let Some(last) = out.last_mut() {
                    last.1 = layer.to_string();
                }
            }
            _ => {}
        }
    }
    out
}

/// `report` writes results.dxf (a blind spot POINT per blind spot on its
/// tier's layer, a block INSERT per facility), and `suggest` writes
/// suggestions.dxf.
#[test]
fn report_and_suggest_write_cad_drawings() {
    let dir = scratch("report");
    let out = dir.join("r");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args([
            "report",
            "--format",
            "dxf,geojson",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(out.join("results.dxf")).unwrap();
    let entities = dxf_entities(&text);
    let blind: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("blind_spots.geojson")).unwrap())
            .unwrap();
    let blind_count = blind["features"].as_array().unwrap().len();
    let points = entities.iter().filter(|(k, _)| k == "POINT").count();
    assert_eq!(points, blind_count);
    // 盲区-t5 etc.: one layer per tier.
    assert!(
        entities
            .iter()
            .any(|(k, l)| k == "POINT" && l == "\\U+76F2\\U+533A-t5")
    );
    let inserts = entities.iter().filter(|(k, _)| k == "INSERT").count();
    assert_eq!(inserts, 803);
    // The facilities come back through the DXF reader in the GK zone the
    // report chose (zone 40 for the demo district).
    let facilities = load_facilities_with(
        &out.join("results.dxf"),
        &ImportOptions {
            crs: Crs::Epsg(4528),
            cad: CadChoice {
                layers: entities
                    .iter()
                    .filter(|(k, _)| k == "INSERT")
                    .map(|(_, l)| l.replace("\\U+8BBE\\U+65BD", "设施"))
                    .collect(),
                ..CadChoice::default()
            },
            ..ImportOptions::default()
        },
        &CategoryMatcher::from_profile(&load_profile(&data("profile-default.json")).unwrap()),
    )
    .unwrap();
    assert_eq!(facilities.items.len(), 803);
    let original = load_facilities(&data("facilities.geojson"), &[])
        .unwrap()
        .items;
    for (a, b) in original.iter().zip(&facilities.items) {
        let d = ellipsoid_distance(
            [a.location.x(), a.location.y()],
            [b.location.x(), b.location.y()],
        );
        assert!(d < 0.001, "{d} m");
    }

    let sug = dir.join("s");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args([
            "suggest",
            "--tier",
            "t5",
            "--category",
            "kindergarten",
            "-k",
            "2",
            "--out",
            sug.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(sug.join("suggestions.dxf")).unwrap();
    let inserts: Vec<_> = dxf_entities(&text)
        .into_iter()
        .filter(|(k, _)| k == "INSERT")
        .collect();
    assert!(!inserts.is_empty() && inserts.len() <= 2, "{inserts:?}");
    assert!(inserts[0].1.ends_with("-kindergarten"), "{inserts:?}");
}

/// Town areas (镇区范围) from a drawing: its closed outlines, unnamed ones
/// included, in the zone its eastings carry.
#[test]
fn town_areas_come_from_a_drawing() {
    let dir = scratch("town-areas");
    let mut d = Dxf::new();
    let cs = CoordinateSystem::from_epsg(4528).unwrap();
    let corner = cs.from_wgs84(118.86, 28.96);
    let square: Vec<[f64; 2]> = [[0.0, 0.0], [800.0, 0.0], [800.0, 600.0], [0.0, 600.0]]
        .iter()
        .map(|p| [corner[0] + p[0], corner[1] + p[1]])
        .collect();
    d.lwpolyline("镇区范围", &square, true);
    let path = dir.join("镇区.dxf");
    std::fs::write(&path, d.ascii()).unwrap();
    let areas = lifecircle::io::load_town_areas(&path).unwrap();
    assert_eq!(areas.len(), 1);
    let area = geo::Area::unsigned_area(&areas[0]);
    // 800 m × 600 m in square degrees at 29° N.
    let expected = 800.0 * 600.0 / (111_320.0 * 111_320.0 * 28.96f64.to_radians().cos());
    assert!((area / expected - 1.0).abs() < 0.01, "{area} vs {expected}");
}

/// A plan drawn by another DXF writer (ezdxf, full AutoCAD R2018 files
/// with tables, handles and objects; tests/fixtures/plan_ezdxf.py), ASCII
/// and binary: township boundaries by their layer names, the town area on
/// its own layer, roads with their classes, arcs within a metre, blocks
/// and attributes, paper space left out.
#[test]
fn a_plan_from_another_cad_writer_imports() {
    let cs = CoordinateSystem::from_epsg(4528).unwrap();
    let profile = load_profile(&data("profile-default.json")).unwrap();
    let matcher = CategoryMatcher::from_profile(&profile);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in ["plan-ezdxf.dxf", "plan-ezdxf-binary.dxf"] {
        let path = fixtures.join(name);
        let o = ImportOptions::default();
        let t = load_townships_with(&path, &o).unwrap();
        let names: Vec<&str> = t.items.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["甲镇", "乙乡"], "{name}");
        let notes: String = t.warnings.iter().map(|w| w.message.clone()).collect();
        assert!(
            notes.contains("EPSG:4528") && notes.contains("left out: 镇区范围"),
            "{notes}"
        );
        // The bulged east side of 甲镇 reaches out past x = 3000 m.
        let max_x = t.items[0]
            .boundary
            .iter()
            .flat_map(|p| p.exterior().coords())
            .map(|c| cs.from_wgs84(c.x, c.y)[0] - 40_388_000.0)
            .fold(f64::MIN, f64::max);
        assert!(max_x > 3150.0 && max_x < 3250.0, "{name}: {max_x}");

        let areas = lifecircle::io::load_town_areas(&path).unwrap();
        assert_eq!(areas.len(), 1, "{name}");

        let r = load_roads_with(&path, &o).unwrap();
        let classes: Vec<Option<&str>> = r.items.iter().map(|r| r.highway.as_deref()).collect();
        assert_eq!(
            classes,
            [Some("primary"), Some("secondary"), Some("residential")],
            "{name}"
        );
        // The ARC (centre 4500/1000, radius 300 m): every vertex on the
        // circle and every chord within a metre of it.
        let arc: Vec<[f64; 2]> = r.items[2]
            .line
            .coords()
            .map(|c| {
                let [x, y] = cs.from_wgs84(c.x, c.y);
                [x - 40_388_000.0 - 4500.0, y - 3_205_000.0 - 1000.0]
            })
            .collect();
        assert!(arc.len() > 3);
        for w in arc.windows(2) {
            let r0 = w[0][0].hypot(w[0][1]);
            assert!((r0 - 300.0).abs() < 0.01, "{name}: vertex at {r0} m");
            let mid = [(w[0][0] + w[1][0]) / 2.0, (w[0][1] + w[1][1]) / 2.0];
            let sag = 300.0 - mid[0].hypot(mid[1]);
            assert!(sag <= 1.0, "{name}: chord {sag} m inside the arc");
        }

        let f = load_facilities_with(&path, &o, &matcher).unwrap();
        let got: Vec<(&str, &str)> = f
            .items
            .iter()
            .map(|f| (f.category.as_str(), f.name.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("kindergarten", "甲镇中心幼儿园"),
                ("public_toilet", "乙乡公厕")
            ],
            "{name}"
        );
        // The POINT on layer 卫生室 is a category the profile maps only
        // when the user says so: listed, not guessed.
        let unknown: String = f.warnings.iter().map(|w| w.message.clone()).collect();
        assert!(unknown.contains("卫生室"), "{unknown}");
    }
}
