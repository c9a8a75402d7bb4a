//! No output of any command ever holds NaN, an infinity or a null share
//! (issue 14 item 3): every file `assess`, `report` (every format),
//! `scorecard`, `compare` and `suggest` write, and what they print, is
//! scanned, on the demo and on inputs built to provoke them — a population
//! of 1.797e308, a township nobody lives in, a category no facility has, no
//! roads, no residents.

use serde_json::{Value, json};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_lifecircle");

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Words that must never appear in an output (embedded base64 images,
/// where any letters may meet, left out).
fn bad_words(text: &str) -> Vec<String> {
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("base64,") {
        plain.push_str(&rest[..i]);
        let tail = &rest[i + 7..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    plain.push_str(rest);
    plain
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| matches!(w.to_ascii_lowercase().as_str(), "nan" | "inf" | "infinity"))
        .map(str::to_string)
        .collect()
}

/// Paths (as `a.b[3].c`) of null values under a key that names a share or
/// a difference in percentage points.
fn null_shares(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let here = format!("{at}.{k}");
                if x.is_null() && (k.contains("share") || k.ends_with("_pp")) {
                    out.push(here.clone());
                }
                null_shares(x, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                null_shares(x, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Every problem found in one output file.
fn scan_file(path: &Path) -> Vec<String> {
    let name = path.display().to_string();
    let mut problems = Vec::new();
    let mut texts: Vec<(String, String)> = Vec::new();
    match path.extension().and_then(|e| e.to_str()) {
        Some("png") => return problems,
        Some("xlsx") => {
            let file = std::fs::File::open(path).unwrap();
            let mut zip = zip::ZipArchive::new(file).unwrap();
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).unwrap();
                let inner = entry.name().unwrap().to_string();
                let mut text = String::new();
                if inner.ends_with(".xml") && entry.read_to_string(&mut text).is_ok() {
                    texts.push((format!("{name}!{inner}"), text));
                }
            }
        }
        _ => texts.push((name.clone(), std::fs::read_to_string(path).unwrap())),
    }
    for (label, text) in texts {
        let words = bad_words(&text);
        if !words.is_empty() {
            problems.push(format!("{label}: {words:?}"));
        }
        if label.ends_with(".json") || label.ends_with(".geojson") {
            let mut nulls = Vec::new();
            null_shares(&serde_json::from_str(&text).unwrap(), "", &mut nulls);
            if !nulls.is_empty() {
                problems.push(format!("{label}: null shares at {nulls:?}"));
            }
        }
    }
    problems
}

fn scan_dir(dir: &Path, problems: &mut Vec<String>, files: &mut usize) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scan_dir(&path, problems, files);
        } else {
            *files += 1;
            problems.extend(scan_file(&path));
        }
    }
}

/// Run the CLI; its console output is scanned too.
fn run(args: &[&str], problems: &mut Vec<String>) {
    let o = Command::new(EXE).args(args).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{args:?}: {stderr}");
    for (what, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        let words = bad_words(text);
        if !words.is_empty() {
            problems.push(format!("{args:?} {what}: {words:?}\n{text}"));
        }
    }
}

#[test]
fn no_output_holds_nan_inf_or_a_null_share() {
    let dir = std::env::temp_dir().join(format!("lifecircle-finite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // Residents: one with an absurd population (skipped with a warning).
    let mut residents = read_json(&data("residents.geojson"));
    residents["features"][0]["properties"]["population"] = json!(1.797e308);
    let residents_path = dir.join("residents.geojson");
    std::fs::write(&residents_path, residents.to_string()).unwrap();
    // Townships: one more, beside the district, where nobody lives.
    let mut townships = read_json(&data("townships.geojson"));
    let ring = json!([[
        [118.60, 28.60],
        [118.62, 28.60],
        [118.62, 28.62],
        [118.60, 28.62],
        [118.60, 28.60]
    ]]);
    townships["features"].as_array_mut().unwrap().push(json!({
        "type": "Feature",
        "properties": {"name": "EmptyTown", "code": "1"},
        "geometry": {"type": "Polygon", "coordinates": ring}
    }));
    let townships_path = dir.join("townships.geojson");
    std::fs::write(&townships_path, townships.to_string()).unwrap();
    // Facilities: no kindergarten at all, one with an absurd capacity.
    let mut facilities = read_json(&data("facilities.geojson"));
    let list = facilities["features"].as_array_mut().unwrap();
    list.retain(|f| f["properties"]["category"] != "kindergarten");
    list[0]["properties"]["capacity"] = json!(1.797e308);
    let facilities_path = dir.join("facilities.geojson");
    std::fs::write(&facilities_path, facilities.to_string()).unwrap();

    let p = |p: &Path| p.to_str().unwrap().to_string();
    let roads = p(&data("roads.geojson"));
    let hostile = [
        "--townships".to_string(),
        p(&townships_path),
        "--facilities".into(),
        p(&facilities_path),
        "--residents".into(),
        p(&residents_path),
        "--roads".into(),
        roads.clone(),
    ];
    let no_roads_no_residents = [
        "--townships".to_string(),
        p(&townships_path),
        "--facilities".into(),
        p(&facilities_path),
    ];
    let studies: [(&str, Vec<String>); 3] = [
        ("demo", vec![]),
        ("hostile", hostile.to_vec()),
        ("grid", no_roads_no_residents.to_vec()),
    ];
    let mut problems = Vec::new();
    for (label, input) in &studies {
        let input: Vec<&str> = input.iter().map(String::as_str).collect();
        let out = |what: &str| p(&dir.join(label).join(what));
        for lang in ["zh", "en"] {
            let o = out(&format!("assess-{lang}"));
            run(
                &[&["assess"], &input[..], &["--lang", lang, "--out", &o]].concat(),
                &mut problems,
            );
        }
        let o = out("scorecard");
        run(
            &[&["scorecard"], &input[..], &["--out", &o]].concat(),
            &mut problems,
        );
        if *label == "demo" {
            // The demo's report is checked by tests/report_outputs.rs.
            continue;
        }
        let o = out("report");
        run(
            &[
                &["report"],
                &input[..],
                &["--lang", "en", "--map-width", "400", "--out", &o],
            ]
            .concat(),
            &mut problems,
        );
        let o = out("compare");
        let b = p(&data("facilities.geojson"));
        run(
            &[
                &["compare"],
                &input[..],
                &["--a", "baseline", "--b", &b, "--out", &o],
            ]
            .concat(),
            &mut problems,
        );
        let o = out("suggest");
        run(
            &[
                &["suggest"],
                &input[..],
                &["--tier", "t15", "-k", "2", "--out", &o],
            ]
            .concat(),
            &mut problems,
        );
    }
    let mut files = 0;
    scan_dir(&dir, &mut problems, &mut files);
    assert!(files >= 30, "only {files} output files");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
