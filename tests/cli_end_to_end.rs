//! `lifecircle assess` end to end, as scripts use it: the demo district, the
//! exact shape of `coverage.json`, and bad input that must leave the output
//! folder untouched.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lifecircle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(args)
        .output()
        .expect("run lifecircle")
}

/// A fresh empty folder under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

#[test]
fn assess_demo_writes_the_three_files_with_blind_spots_in_every_tier() {
    let out = scratch("demo");
    let o = lifecircle(&["assess", "--lang", "en", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    assert_eq!(
        keys(&json),
        [
            "method",
            "outside_population",
            "total",
            "townships",
            "unreachable_population",
            "warnings"
        ]
    );
    let towns = json["townships"].as_array().unwrap();
    let names: Vec<&str> = towns.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "航埠镇",
            "七里乡",
            "九华乡",
            "石梁镇",
            "石室乡",
            "荷花街道",
            "沟溪乡",
            "万田乡",
            "华墅乡"
        ]
    );
    assert_eq!(keys(&towns[0]), ["name", "population", "tiers"]);
    assert_eq!(keys(&json["total"]), ["population", "tiers"]);
    let tier = &towns[0]["tiers"][0];
    assert_eq!(
        keys(tier),
        ["categories", "complete_share", "id", "minutes", "mode"]
    );
    assert_eq!(
        keys(&tier["categories"][0]),
        [
            "covered_population",
            "covered_share",
            "id",
            "mean_minutes",
            "p90_minutes"
        ]
    );
    let population = json["total"]["population"].as_f64().unwrap();
    assert!((30_000.0..=80_000.0).contains(&population), "{population}");

    // Blind spots in every tier, and some township complete in some tier
    // while another is not.
    let spots: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("blind_spots.geojson")).unwrap())
            .unwrap();
    let features = spots["features"].as_array().unwrap();
    for t in json["total"]["tiers"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let n = features
            .iter()
            .filter(|f| f["properties"]["tier"] == id)
            .count();
        assert!(n > 0, "no blind spot in tier {id}");
        assert!(t["complete_share"].as_f64().unwrap() < 1.0);
        let shares: Vec<f64> = towns
            .iter()
            .map(|tw| {
                tw["tiers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["id"] == id)
                    .unwrap()["complete_share"]
                    .as_f64()
                    .unwrap()
            })
            .collect();
        let (lo, hi) = shares
            .iter()
            .fold((1.0f64, 0.0f64), |(l, h), s| (l.min(*s), h.max(*s)));
        assert!(
            hi - lo > 0.05,
            "tier {id}: townships all alike ({lo}..{hi})"
        );
    }
    let f0 = &features[0]["properties"];
    assert!(f0["missing"].as_array().is_some_and(|m| !m.is_empty()));
    assert!(f0["population"].as_f64().is_some());

    let csv = std::fs::read_to_string(out.join("coverage.csv")).unwrap();
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(header.starts_with("township,population,tier"), "{header}");
    // 9 townships + the total, × every tier category.
    let per_area: usize = json["total"]["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["categories"].as_array().unwrap().len())
        .sum();
    assert_eq!(csv.lines().count(), 1 + 10 * per_area);
}

#[test]
fn chinese_headers_by_default() {
    let out = scratch("zh");
    let o = lifecircle(&["assess", "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let csv = std::fs::read_to_string(out.join("coverage.csv")).unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("乡镇,人口,生活圈")
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("完整覆盖"));
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn bad_input_exits_non_zero_names_each_problem_and_writes_nothing() {
    let dir = scratch("bad");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("coverage.json"), "previous").unwrap();
    let townships = write(&dir, "towns.geojson", "{ not json");
    let facilities = write(
        &dir,
        "shops.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"kindergarten"},
            "geometry":{"type":"Point","coordinates":[512345.0,3312345.0]}}]}"#,
    );
    let o = lifecircle(&[
        "assess",
        "--townships",
        &townships,
        "--facilities",
        &facilities,
        "--roads",
        dir.join("missing.geojson").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(
        errors[0].contains("towns.geojson") && errors[0].contains("JSON"),
        "{stderr}"
    );
    assert!(
        errors[1].contains("shops.geojson") && errors[1].contains("looks projected"),
        "{stderr}"
    );
    assert!(errors[2].contains("missing.geojson"), "{stderr}");
    // The output folder is as it was.
    assert_eq!(
        std::fs::read_to_string(out.join("coverage.json")).unwrap(),
        "previous"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
}

#[test]
fn partial_layer_flags_are_refused() {
    let out = scratch("partial");
    let o = lifecircle(&[
        "assess",
        "--roads",
        "x.geojson",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("--townships is required") && stderr.contains("--facilities is required")
    );
}

/// `lifecircle generate-demo` writes exactly the committed `data/` files.
#[test]
fn generate_demo_reproduces_data_byte_for_byte() {
    let out = scratch("generate-demo");
    let run = lifecircle(&["generate-demo", "--out", out.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for file in lifecircle::generate::LAYER_FILES {
        let written = std::fs::read(out.join(file)).unwrap();
        let committed = std::fs::read(data.join(file)).unwrap();
        assert!(written == committed, "{file} differs from data/{file}");
    }
    std::fs::remove_dir_all(&out).unwrap();
}
