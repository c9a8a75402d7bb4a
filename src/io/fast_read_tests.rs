//! The fast GeoJSON reader against the reference reader: every file of
//! `data/` (and `../shared/data/` when present), cut and mutated versions
//! of them, and random FeatureCollections must load to the same layers with
//! the same warnings and errors either way. Plus the feature a broken or
//! cut-off file is reported at.

use super::geojson_layers::with_reference_reader;
use super::*;
use std::path::PathBuf;

/// Everything a file loads to as each layer, as text: items, warnings and
/// errors. A JSON error's ", in feature N" (which only the fast reader
/// knows) is cut, and kept apart, so both readers can be compared.
fn loaded_as_every_layer(label: &str, bytes: &[u8]) -> Vec<String> {
    let matcher = CategoryMatcher::from_profile(
        &load_profile(&demo_profile_path()).expect("the default profile"),
    );
    let any = CategoryMatcher::from_ids::<&str>(&[]);
    let shown = |r: Result<String, LoadError>| match r {
        Ok(s) => s,
        Err(LoadError::Json { message, .. }) => {
            let cut = message
                .rsplit_once(", in feature ")
                .filter(|(_, n)| n.parse::<usize>().is_ok())
                .map_or(message.as_str(), |(m, _)| m);
            format!("JSON error: {cut}")
        }
        Err(e) => format!("{e:?}"),
    };
    vec![
        shown(parse_townships(label, bytes, Format::GeoJson).map(|l| format!("{l:?}"))),
        shown(
            parse_facilities_matching(label, bytes, Format::GeoJson, &matcher)
                .map(|l| format!("{l:?}")),
        ),
        shown(
            parse_facilities_matching(label, bytes, Format::GeoJson, &any)
                .map(|l| format!("{l:?}")),
        ),
        shown(parse_residents(label, bytes, Format::GeoJson).map(|l| format!("{l:?}"))),
        shown(parse_roads(label, bytes, Format::GeoJson).map(|l| format!("{l:?}"))),
    ]
}

/// Loads `bytes` both ways and fails with the first difference.
fn assert_both_readers_agree(label: &str, bytes: &[u8]) {
    let fast = loaded_as_every_layer(label, bytes);
    let reference = with_reference_reader(|| loaded_as_every_layer(label, bytes));
    for (layer, (f, r)) in LayerKind::ALL
        .iter()
        .flat_map(|l| std::iter::repeat_n(l, if *l == LayerKind::Facilities { 2 } else { 1 }))
        .zip(fast.iter().zip(&reference))
    {
        assert!(
            f == r,
            "{label} read as {layer}: the fast reader differs from the reference\nfast:      {}\nreference: {}",
            f.chars().take(600).collect::<String>(),
            r.chars().take(600).collect::<String>()
        );
    }
}

/// The GeoJSON files (`.geojson`, `.json`) under `dir`, sorted.
fn geojson_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("geojson" | "json")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn data_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("data")];
    let shared = root.join("../shared/data");
    if shared.is_dir() {
        dirs.push(shared);
    } else {
        eprintln!(
            "skipped ../shared/data: not found at {} (only data/ is compared)",
            shared.display()
        );
    }
    dirs
}

#[test]
fn both_readers_agree_on_every_data_file() {
    let mut compared = 0;
    for dir in data_dirs() {
        for path in geojson_files(&dir) {
            let bytes = std::fs::read(&path).expect("read a data file");
            assert_both_readers_agree(&path.display().to_string(), &bytes);
            compared += 1;
        }
    }
    // data/ alone holds four layers and two profiles.
    assert!(compared >= 6, "only {compared} files compared");
}

/// Cut and damaged versions of the data files: every error and warning the
/// same either way.
#[test]
fn both_readers_agree_on_damaged_data_files() {
    let mut seed = 17_u64;
    let mut below = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n.max(1)
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for path in geojson_files(&root) {
        let bytes = std::fs::read(&path).expect("read a data file");
        let label = path.display().to_string();
        for round in 0..12 {
            let mut b = bytes.clone();
            let at = below(b.len());
            match round % 4 {
                0 => b.truncate(at),
                1 => b[at] = b"{}[],\":x 1\\"[below(11)],
                2 => {
                    b.drain(at..(at + below(40)).min(b.len()));
                }
                _ => {
                    let piece: Vec<u8> = b[at..(at + below(80)).min(b.len())].to_vec();
                    let to = below(b.len());
                    b.splice(to..to, piece);
                }
            }
            assert_both_readers_agree(&format!("{label} (damage {round} at {at})"), &b);
        }
    }
}

/// Random FeatureCollections with everything the reference reader meets:
/// entries that are not Features, odd geometries, escapes, white space.
#[test]
fn both_readers_agree_on_random_collections() {
    let mut seed = 5_u64;
    let mut below = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n.max(1)
    };
    let geometries = [
        r#"{"type":"Point","coordinates":[120.1,30.2]}"#,
        r#"{"coordinates":[120.1,30.2,12],"type":"Point"}"#,
        r#"{"type":"Point","coordinates":[120.1]}"#,
        r#"{"type":"Point","coordinates":[]}"#,
        r#"{"type":"Point","coordinates":[1e999,30]}"#,
        r#"{"type":"Point","coordinates":[120.1,30.2],"bbox":[120.1,30.2,120.1,30.2]}"#,
        r#"{"type":"Point","coordinates":[120.1,30.2],"foo":1}"#,
        r#"{"type":"Point","coordinates":[[120.1,30.2]]}"#,
        r#"{"type":"MultiPoint","coordinates":[[120.1,30.2]]}"#,
        r#"{"type":"MultiPoint","coordinates":[]}"#,
        r#"{"type":"LineString","coordinates":[[120.1,30.2],[120.2,30.3]]}"#,
        r#"{"type":"LineString","coordinates":[[120.1,30.2],[]]}"#,
        r#"{"type":"LineString","coordinates":[[120.1,30.2]]}"#,
        r#"{"type":"MultiLineString","coordinates":[[[120.1,30.2],[120.2,30.3]],[[120.3,30.2],[120.4,30.3]]]}"#,
        r#"{"type":"MultiLineString","coordinates":[]}"#,
        r#"{"type":"Polygon","coordinates":[[[120.0,30.0],[120.1,30.0],[120.1,30.1],[120.0,30.1],[120.0,30.0]]]}"#,
        r#"{"type":"Polygon","coordinates":[[[120.0,30.0],[120.1,30.0],[120.1,30.1]]]}"#,
        r#"{"type":"Polygon","coordinates":[]}"#,
        r#"{"type":"MultiPolygon","coordinates":[[[[120.0,30.0],[120.1,30.0],[120.1,30.1],[120.0,30.0]]],[[[121.0,30.0],[121.1,30.0],[121.1,30.1],[121.0,30.0]]]]}"#,
        r#"{"type":"MultiPolygon","coordinates":[[]]}"#,
        r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[120.1,30.2]}]}"#,
        r#"{"type":"Circle","coordinates":[120.1,30.2]}"#,
        r#"{"type":"Point","type":"Point","coordinates":[120.1,30.2]}"#,
        r#"{"type":"Poi\u006et","coordinates":[120.1,30.2]}"#,
        r#"{"type":"Point","coordinates":[512345.0,3312345.0]}"#,
        r#"{"type":"Point","coordinates":[0,0]}"#,
        "null",
        "12",
        r#""Point""#,
    ];
    let properties = [
        r#"{"name":"a","category":"kindergarten","population":12}"#,
        r#"{"name":"b","category":"clinic","capacity":"x","population":-1}"#,
        r#"{"名称":"幼儿园 \"一\"","类别":"kindergarten","人口":"30"}"#,
        r#"{"name":"a","name":"b"}"#,
        r#"{"highway":"primary","oneway":"yes","maxspeed":"50 km/h"}"#,
        r#"{"name":"\ud83d\ude00 x","settlement":"town","pop_elderly":3}"#,
        r#"{"code":"330101","name":"Township 1"}"#,
        "{}",
        "null",
        "[1,2]",
    ];
    let entry = |below: &mut dyn FnMut(usize) -> usize| -> String {
        let g = geometries[below(geometries.len())];
        let p = properties[below(properties.len())];
        match below(14) {
            0 => "12".to_string(),
            1 => r#""a text""#.to_string(),
            2 => format!(r#"[{p}]"#),
            3 => {
                format!(r#"{{"type":"Feature","type":"Feature","properties":{p},"geometry":{g}}}"#)
            }
            4 => format!(r#"{{"type":"Road","properties":{p},"geometry":{g}}}"#),
            5 => format!(r#"{{"properties":{p},"geometry":{g}}}"#),
            6 => format!(r#"{{ "geometry" : {g} ,"type" : "Feature" }}"#),
            _ => format!(r#"{{"type":"Feature","properties":{p},"geometry":{g}}}"#),
        }
    };
    let spaces = [",", " , ", ",\n", "\r\n,\t"];
    for round in 0..300 {
        let n = below(9);
        let entries: Vec<String> = (0..n).map(|_| entry(&mut below)).collect();
        let joined = entries.join(spaces[below(spaces.len())]);
        let text = match below(6) {
            0 => format!(
                "{{\n\"type\": \"FeatureCollection\",\n\"name\": \"x\\\"y\",\n\"features\": [\n{joined}\n]\n}}\n"
            ),
            1 => {
                format!(r#"{{"features":[{joined}],"bbox":[1,2,3,4],"type":"FeatureCollection"}}"#)
            }
            _ => format!(r#"{{"type":"FeatureCollection","features":[{joined}]}}"#),
        };
        assert_both_readers_agree(&format!("random {round}"), text.as_bytes());
    }
}

fn points(n: usize, last: &str) -> String {
    let mut features: Vec<String> = (1..n)
        .map(|i| {
            format!(
                r#"{{"type":"Feature","properties":{{"population":{i}}},"geometry":{{"type":"Point","coordinates":[120.{i:04},30.1]}}}}"#
            )
        })
        .collect();
    features.push(last.to_string());
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}",
        features.join(",\n")
    )
}

#[test]
fn a_broken_last_feature_is_named() {
    // A bad geometry: a warning naming feature 500.
    let text = points(
        500,
        r#"{"type":"Feature","properties":{"population":1},"geometry":{"type":"Point","coordinates":[512345.0,3312345.0]}}"#,
    );
    let loaded = parse_residents("r.geojson", text.as_bytes(), Format::GeoJson).unwrap();
    assert_eq!(loaded.items.len(), 499);
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert_eq!(loaded.warnings[0].feature, Some(500));
    assert!(loaded.warnings[0].message.contains("looks projected"));
    // Not a Feature: also named.
    let text = points(500, "12");
    let loaded = parse_residents("r.geojson", text.as_bytes(), Format::GeoJson).unwrap();
    assert_eq!(loaded.warnings[0].feature, Some(500));
    assert!(
        loaded.warnings[0]
            .message
            .contains("is a number, not a Feature")
    );
    // Not JSON: the file is unreadable, and the message says where.
    let text = points(
        500,
        r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[120.1,]}}"#,
    );
    let err = parse_residents("r.geojson", text.as_bytes(), Format::GeoJson).unwrap_err();
    assert!(matches!(err, LoadError::Json { .. }), "{err:?}");
    assert!(
        err.to_string().contains(", in feature 500): r.geojson"),
        "{err}"
    );
}

#[test]
fn a_cut_off_file_names_the_feature_it_ends_in() {
    let text = points(300, r#"{"type":"Feature","properties":{},"geometry":null}"#);
    // Cut inside feature 123 (each feature is on a line of its own).
    let start = text
        .match_indices('\n')
        .nth(122)
        .map(|(i, _)| i + 1)
        .unwrap();
    for cut in [start + 1, start + 40, start + 60] {
        let err =
            parse_residents("cut.geojson", &text.as_bytes()[..cut], Format::GeoJson).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("not valid JSON (EOF while parsing"),
            "{err}"
        );
        assert!(err.to_string().contains(", in feature 123)"), "{err}");
    }
    // Cut right after feature 122 and its comma: the file ends where 123
    // should begin.
    let err =
        parse_residents("cut.geojson", &text.as_bytes()[..start], Format::GeoJson).unwrap_err();
    assert!(err.to_string().contains(", in feature 123)"), "{err}");
}

/// A FeatureCollection of about 300 MB cut off in its last feature: the
/// error names that feature, nothing panics, and the memory used stays a
/// small multiple of the file. Slow in a debug build:
/// `cargo test --release --lib cut_off_300_mb -- --ignored`.
#[test]
#[ignore = "writes and reads a 300 MB file"]
fn a_cut_off_300_mb_file_names_the_feature_it_ends_in() {
    use std::io::Write as _;
    let dir = std::env::temp_dir().join(format!("lifecircle-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("residents.geojson");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
        .unwrap();
    let mut n = 0_usize;
    let mut written = 0_usize;
    let mut last_start = 0;
    while written < 300_000_000 {
        n += 1;
        let line = format!(
            "{}{{\"type\":\"Feature\",\"properties\":{{\"name\":\"resident {n}\",\"population\":{}}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{:.7},{:.7}]}}}}",
            if n == 1 { "" } else { ",\n" },
            n % 50,
            119.0 + (n % 10_000) as f64 * 1e-4,
            29.0 + (n / 10_000 % 10_000) as f64 * 1e-4,
        );
        last_start = written + if n == 1 { 0 } else { 2 };
        out.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
    out.flush().unwrap();
    drop(out);
    let header = "{\"type\":\"FeatureCollection\",\"features\":[\n".len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len((header + last_start + 30) as u64).unwrap();
    drop(file);
    let before = peak_rss_kb();
    let err = load_residents(&path).unwrap_err();
    let grown_mb = (peak_rss_kb().saturating_sub(before)) / 1024;
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        err.to_string().contains(&format!(", in feature {n})")),
        "{n} features: {err}"
    );
    eprintln!("{n} features, cut in the last: {err}; peak memory grew by {grown_mb} MB");
    assert!(grown_mb < 1_000, "peak memory grew by {grown_mb} MB");
}

/// The process's peak resident memory (Linux; 0 elsewhere).
fn peak_rss_kb() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
