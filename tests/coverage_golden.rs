//! The engine against an independent implementation of METHOD.md on real
//! data (`../shared/data/helsinki`): every township × tier × category within
//! 0.5 percentage points, for both residents layers.

use lifecircle::analysis::{AreaCoverage, Progress, assess};
use lifecircle::io;
use lifecircle::model::Layers;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn helsinki() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/helsinki");
    if dir.join("roads.geojson").exists() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (the shared Helsinki data is not on this machine)",
            dir.display()
        );
        None
    }
}

/// Compare one area's figures with the expected JSON object; returns the
/// largest difference in percentage points.
fn compare(label: &str, got: &AreaCoverage, expected: &Value, failures: &mut Vec<String>) -> f64 {
    let mut worst: f64 = 0.0;
    let exp_pop = expected["population"].as_f64().unwrap();
    if (got.population - exp_pop).abs() > 1e-6 * exp_pop.max(1.0) {
        failures.push(format!(
            "{label}: population {} vs {exp_pop}",
            got.population
        ));
    }
    for et in expected["tiers"].as_array().unwrap() {
        let id = et["id"].as_str().unwrap();
        let Some(gt) = got.tier(id) else {
            failures.push(format!("{label}: tier {id} missing"));
            continue;
        };
        let d = (gt.complete_share - et["complete_share"].as_f64().unwrap()).abs() * 100.0;
        worst = worst.max(d);
        if d > 0.5 {
            failures.push(format!(
                "{label} {id}: complete share {:.4} vs {}",
                gt.complete_share, et["complete_share"]
            ));
        }
        for ec in et["categories"].as_array().unwrap() {
            let cid = ec["id"].as_str().unwrap();
            let Some(gc) = gt.category(cid) else {
                failures.push(format!("{label} {id}: category {cid} missing"));
                continue;
            };
            let d = (gc.covered_share - ec["covered_share"].as_f64().unwrap()).abs() * 100.0;
            worst = worst.max(d);
            if d > 0.5 {
                failures.push(format!(
                    "{label} {id} {cid}: covered share {:.4} vs {}",
                    gc.covered_share, ec["covered_share"]
                ));
            }
            // Mean and p90 times of the covered: same definition, so they agree closely too.
            for key in ["mean_minutes", "p90_minutes"] {
                let g = if key == "mean_minutes" {
                    gc.mean_minutes
                } else {
                    gc.p90_minutes
                };
                match (g, ec[key].as_f64()) {
                    (Some(g), Some(e)) if (g - e).abs() <= 0.01 => {}
                    (None, None) => {}
                    (g, e) => failures.push(format!("{label} {id} {cid}: {key} {g:?} vs {e:?}")),
                }
            }
        }
    }
    worst
}

fn check(residents_file: &str, expected_file: &str) {
    let Some(dir) = helsinki() else { return };
    let profile = io::load_profile(&dir.join("profile.json")).unwrap();
    let known = profile.category_ids();
    let layers = Layers {
        townships: io::load_townships(&dir.join("townships.geojson"))
            .unwrap()
            .items,
        facilities: io::load_facilities(&dir.join("facilities.geojson"), &known)
            .unwrap()
            .items,
        residents: Some(io::load_residents(&dir.join(residents_file)).unwrap().items),
        roads: Some(io::load_roads(&dir.join("roads.geojson")).unwrap().items),
    };
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(expected_file)).unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut worst: f64 = 0.0;
    for et in expected["townships"].as_array().unwrap() {
        let name = et["name"].as_str().unwrap();
        match a.report.township(name) {
            Some(t) => worst = worst.max(compare(name, &t.figures, et, &mut failures)),
            None => failures.push(format!("township {name} missing")),
        }
    }
    worst = worst.max(compare(
        "total",
        &a.report.total,
        &expected["total"],
        &mut failures,
    ));
    println!("{expected_file}: largest difference {worst:.4} percentage points");
    assert_eq!(a.report.method.road_nodes, 5988, "distinct vertices");
    assert_eq!(a.report.method.road_segments, 7057, "segments");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn helsinki_grid_residents_match_independent_implementation() {
    check("residents.geojson", "expected_coverage.json");
}

#[test]
fn helsinki_building_residents_match_independent_implementation() {
    check(
        "residents_buildings.geojson",
        "expected_coverage_buildings.json",
    );
}
