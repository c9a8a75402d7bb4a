//! KML and KMZ from Google Earth or a Chinese map app, end to end: one
//! document holds facilities in folders named by category, a township
//! polygon and a road; read in GCJ-02 when the user says so, each lands
//! within 1 m of where it belongs. The GCJ-02 reference pair is the one in
//! the README of wandergis/coordtransform (also used by `io::coords`).

use lifecircle::geodesy::ellipsoid_distance;
use lifecircle::io::{self, CategoryMatcher, Crs, Format, ImportOptions};
use lifecircle::model::Profile;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Tiananmen in WGS84 and as Amap (GCJ-02) shows it.
const WGS: [f64; 2] = [116.404, 39.915];
const GCJ: [f64; 2] = [116.41024449916938, 39.91640428150164];

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-kml-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn matcher() -> CategoryMatcher {
    CategoryMatcher::from_profile(
        &Profile::from_json(lifecircle::generate::DEFAULT_PROFILE_JSON).unwrap(),
    )
}

fn metres(a: [f64; 2], b: geo::Coord<f64>) -> f64 {
    ellipsoid_distance(a, [b.x, b.y])
}

/// A KML document as Google Earth writes it, coordinates `at` (lon, lat)
/// and offsets of about a kilometre around it.
fn document(at: [f64; 2], with_lines: bool) -> String {
    let [x, y] = at;
    let p = |dx: f64, dy: f64| format!("{},{},0", x + dx, y + dy);
    let mut kml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>规划现状</name>
<Folder><name>幼儿园</name>
 <Placemark><name>中心幼儿园</name>
  <ExtendedData><Data name="capacity"><value>180</value></Data></ExtendedData>
  <Point><coordinates>{}</coordinates></Point></Placemark>
 <Placemark><name>东幼儿园</name><Point><coordinates>{}</coordinates></Point></Placemark>
</Folder>
<Placemark><name>南幼儿园</name><Point><coordinates>{}</coordinates></Point></Placemark>
<Folder><name>卫生院</name>
 <Placemark><name>镇卫生院</name><Point><coordinates>{}</coordinates></Point></Placemark>
</Folder>
"#,
        p(0.0, 0.0),
        p(0.01, 0.0),
        p(0.0, -0.01),
        p(0.0, 0.01)
    );
    if with_lines {
        kml.push_str(&format!(
            r#"<Folder><name>乡镇</name><Placemark><name>航埠镇</name>
 <ExtendedData><SchemaData><SimpleData name="code">330802</SimpleData></SchemaData></ExtendedData>
 <Polygon><outerBoundaryIs><LinearRing><coordinates>{} {} {} {} {}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Folder>
<Folder><name>道路</name><Placemark><name>一号路</name><ExtendedData><Data name="highway"><value>primary</value></Data></ExtendedData>
 <LineString><coordinates>{} {}</coordinates></LineString></Placemark></Folder>
"#,
            p(-0.02, -0.02),
            p(0.02, -0.02),
            p(0.02, 0.02),
            p(-0.02, 0.02),
            p(-0.02, -0.02),
            p(-0.01, 0.0),
            p(0.01, 0.0),
        ));
    }
    kml.push_str("</Document></kml>\n");
    kml
}

fn write_kmz(path: &Path, entries: &[(&str, &[u8])]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn kml_folders_map_to_categories_and_gcj02_is_shifted_back() {
    let dir = scratch("layers");
    let kml = dir.join("现状.kml");
    std::fs::write(&kml, document(GCJ, true)).unwrap();
    let gcj = ImportOptions {
        crs: Crs::Gcj02,
        ..ImportOptions::default()
    };
    let facilities = io::load_facilities_with(&kml, &gcj, &matcher()).unwrap();
    let got: Vec<(&str, &str, Option<f64>)> = facilities
        .items
        .iter()
        .map(|f| (f.name.as_str(), f.category.as_str(), f.capacity))
        .collect();
    assert_eq!(
        got,
        [
            ("中心幼儿园", "kindergarten", Some(180.0)),
            ("东幼儿园", "kindergarten", None),
            // Outside any folder: matched by its name.
            ("南幼儿园", "kindergarten", None),
            ("镇卫生院", "township_health_centre", None),
        ]
    );
    let off = metres(WGS, facilities.items[0].location.0);
    println!("KML in GCJ-02: {off:.4} m from the published WGS84 point");
    assert!(off < 1.0, "{off}");
    // The polygon and the line are not facilities: said, not dropped silently.
    assert!(!facilities.warnings.is_empty());

    let towns = io::load_townships_with(&kml, &gcj).unwrap();
    assert_eq!(towns.items.len(), 1, "{:?}", towns.warnings);
    assert_eq!(towns.items[0].name, "航埠镇");
    assert_eq!(towns.items[0].code.as_deref(), Some("330802"));
    let roads = io::load_roads_with(&kml, &gcj).unwrap();
    assert_eq!(roads.items.len(), 1, "{:?}", roads.warnings);
    assert_eq!(roads.items[0].highway.as_deref(), Some("primary"));

    // Read as WGS84 (no choice) the same file is ~600 m off.
    let raw = io::load_facilities_with(&kml, &ImportOptions::default(), &matcher()).unwrap();
    assert!(metres(WGS, raw.items[0].location.0) > 100.0);

    // The preview shows the placemarks' attributes and the corrected extent.
    let preview = io::preview(&kml, &gcj).unwrap();
    assert!(
        preview.columns.iter().any(|c| c == "folder"),
        "{:?}",
        preview.columns
    );
    let bbox = preview.bbox.unwrap();
    assert!((bbox[0] - (WGS[0] - 0.02)).abs() < 1e-4, "{bbox:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kmz_reads_like_its_kml_and_without_one_names_the_file() {
    let dir = scratch("kmz");
    let text = document(WGS, false);
    let kmz = dir.join("设施.kmz");
    write_kmz(
        &kmz,
        &[("files/icon.png", b"\x89PNG"), ("doc.kml", text.as_bytes())],
    );
    let from_kmz = io::load_facilities_with(&kmz, &ImportOptions::default(), &matcher()).unwrap();
    let from_kml =
        io::parse_facilities_matching("设施.kml", text.as_bytes(), Format::Kml, &matcher())
            .unwrap();
    assert_eq!(from_kmz.items, from_kml.items);
    assert_eq!(from_kmz.items.len(), 4);

    let empty = dir.join("空.kmz");
    write_kmz(&empty, &[("files/icon.png", b"\x89PNG")]);
    let e = io::load_facilities_with(&empty, &ImportOptions::default(), &matcher())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("空.kmz") && e.contains("no .kml file") && e.contains("icon.png"),
        "{e}"
    );

    let broken = dir.join("坏.kml");
    std::fs::write(&broken, text.replace("</Point>", "")).unwrap();
    let e = io::load_facilities_with(&broken, &ImportOptions::default(), &matcher())
        .unwrap_err()
        .to_string();
    assert!(e.contains("坏.kml") && e.contains("XML"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn command_line_converts_a_kmz_in_gcj02() {
    let dir = scratch("cli");
    let kmz = dir.join("poi.kmz");
    write_kmz(&kmz, &[("doc.kml", document(GCJ, false).as_bytes())]);
    let out = dir.join("poi.geojson");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args([
            "convert",
            kmz.to_str().unwrap(),
            out.to_str().unwrap(),
            "--crs",
            "gcj02",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("4 facilities"), "{stdout}");
    let back = io::load_facilities(&out, &[]).unwrap();
    assert!(metres(WGS, back.items[0].location.0) < 1.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mutated_kml_and_kmz_never_panic() {
    let matcher = matcher();
    let text = document(WGS, true).into_bytes();
    let dir = scratch("fuzz");
    let kmz_path = dir.join("a.kmz");
    write_kmz(&kmz_path, &[("doc.kml", &text)]);
    let kmz = std::fs::read(&kmz_path).unwrap();
    let mut seed = 11_u64;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n.max(1)
    };
    for round in 0..300 {
        for original in [&text, &kmz] {
            let mut bytes = original.clone();
            if round % 2 == 0 {
                bytes.truncate(next(bytes.len()));
            } else {
                for _ in 0..1 + next(8) {
                    let i = next(bytes.len());
                    bytes[i] = next(256) as u8;
                }
            }
            let _ = io::parse_facilities_matching("m.kml", &bytes, Format::Kml, &matcher);
            let _ = io::parse_townships("m.kml", &bytes, Format::Kml);
            let _ = io::parse_roads("m.kml", &bytes, Format::Kml);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
