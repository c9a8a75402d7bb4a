//! METHOD.md step 1 on real data (`../shared/data/helsinki`): one facility
//! with a mistyped longitude (−155.06 instead of 24.9…) must not change a
//! single cell of `coverage.json`; it is set aside with a warning naming it.
//! The same through a layout edit.

use lifecircle::analysis::{LiveAssessment, Progress, assess};
use lifecircle::io;
use lifecircle::model::{Edit, FacilityId, Layers, Profile};
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

fn load(dir: &Path) -> (Layers, Profile) {
    let profile = io::load_profile(&dir.join("profile.json")).unwrap();
    let known = profile.category_ids();
    let layers = Layers {
        townships: io::load_townships(&dir.join("townships.geojson"))
            .unwrap()
            .items,
        facilities: io::load_facilities(&dir.join("facilities.geojson"), &known)
            .unwrap()
            .items,
        residents: Some(
            io::load_residents(&dir.join("residents.geojson"))
                .unwrap()
                .items,
        ),
        roads: Some(io::load_roads(&dir.join("roads.geojson")).unwrap().items),
    };
    (layers, profile)
}

/// `coverage.json` as a value, without its warnings (compared apart).
fn figures(report: &lifecircle::analysis::CoverageReport) -> Value {
    let mut v: Value = serde_json::from_str(&lifecircle::report::coverage_json(report)).unwrap();
    v.as_object_mut().unwrap().remove("warnings");
    v
}

#[test]
fn a_stray_facility_changes_no_cell_of_helsinki() {
    let Some(dir) = helsinki() else { return };
    let (layers, profile) = load(&dir);
    let base = assess(&layers, &profile, &Progress::new()).unwrap();

    // One more facility, a copy of the first with a mistyped longitude.
    let mut stray = layers.clone();
    let mut typo = layers.facilities[0].clone();
    typo.location = geo::Point::new(-155.06, typo.location.y());
    stray.facilities.push(typo.clone());
    let with = assess(&stray, &profile, &Progress::new()).unwrap();
    assert_eq!(figures(&with.report), figures(&base.report));
    let n = stray.facilities.len();
    let warning = with
        .report
        .warnings
        .iter()
        .find(|w| w.contains(&format!("facility {n} of those loaded")))
        .unwrap_or_else(|| panic!("no warning names facility {n}: {:?}", with.report.warnings));
    assert!(warning.contains("-155.06"), "{warning}");
    assert!(warning.contains("km outside"), "{warning}");
    assert!(warning.contains(&typo.name), "{warning}");
    assert_eq!(with.set_aside.len(), 1);

    // A facility moved there equals the file without it.
    let k = 5;
    let mut moved = layers.clone();
    moved.facilities[k].location = geo::Point::new(-155.06, 60.17);
    let mut deleted = layers.clone();
    deleted.facilities.remove(k);
    let a = assess(&moved, &profile, &Progress::new()).unwrap();
    let b = assess(&deleted, &profile, &Progress::new()).unwrap();
    assert_eq!(figures(&a.report), figures(&b.report));

    // A stray resident point and a road with one mistyped vertex.
    let mut odd = layers.clone();
    let mut far = odd.residents.as_ref().unwrap()[0].clone();
    far.location = geo::Point::new(-155.06, 60.17);
    far.population = 1000.0;
    odd.residents.as_mut().unwrap().push(far);
    let c = assess(&odd, &profile, &Progress::new()).unwrap();
    assert_eq!(figures(&c.report), figures(&base.report));
    assert!(
        c.report
            .warnings
            .iter()
            .any(|w| w.contains("resident point 20 of those loaded"))
    );
}

#[test]
fn a_stray_facility_added_by_an_edit_changes_nothing() {
    let Some(dir) = helsinki() else { return };
    let (layers, profile) = load(&dir);
    let mut live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
    let before = figures(&live.assessment().report);
    let mut typo = layers.facilities[0].clone();
    typo.location = geo::Point::new(-155.06, 60.17);
    let id = FacilityId(layers.facilities.len() as u32);
    live.apply(&Edit::Add { id, facility: typo }).unwrap();
    assert_eq!(figures(&live.assessment().report), before);
    // Not a longitude/latitude at all.
    let mut wild = layers.facilities[1].clone();
    wild.location = geo::Point::new(1e308, -1e308);
    live.apply(&Edit::Add {
        id: FacilityId(id.0 + 1),
        facility: wild,
    })
    .unwrap();
    assert_eq!(figures(&live.assessment().report), before);
}

/// A project over the demo data with one layout holding `edits` (JSON).
fn demo_project(dir: &Path, layout: &str, edits: Value) -> PathBuf {
    use lifecircle::model::{LayerFiles, Layout, Project};
    let paths = io::demo_layer_paths();
    let profile = io::load_profile(&io::demo_profile_path()).unwrap();
    let mut project = Project::new(
        "bad edits",
        LayerFiles {
            townships: Some(paths.townships),
            facilities: Some(paths.facilities),
            residents: paths.residents,
            roads: paths.roads,
            town_areas: None,
        },
        profile,
    );
    project.layouts.push(Layout {
        name: layout.into(),
        facilities_file: None,
        scenario: Default::default(),
        edits: Vec::new(),
    });
    let path = dir.join("bad.lifecircle.json");
    io::save_project(&path, &project).unwrap();
    // Edits written as a file would hold them, not as this build makes them.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["layouts"][0]["edits"] = edits;
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    path
}

fn facility_json(lon: f64, lat: f64) -> Value {
    serde_json::json!({"category": "kindergarten", "name": "新园", "location": {"x": lon, "y": lat}})
}

#[test]
fn edits_that_do_not_fit_are_refused_on_the_command_line() {
    let dir = std::env::temp_dir().join(format!("lifecircle-bad-edits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let exe = env!("CARGO_BIN_EXE_lifecircle");
    let n = io::load_facilities(
        &io::demo_layer_paths().facilities,
        &io::load_profile(&io::demo_profile_path())
            .unwrap()
            .category_ids(),
    )
    .unwrap()
    .items
    .len() as u64;
    let cases: Vec<(Value, &str)> = vec![
        (
            serde_json::json!([{"edit": "add", "id": 4294967295u64, "facility": facility_json(115.0, 30.0)}]),
            "the next id is",
        ),
        (
            serde_json::json!([{"edit": "add", "id": n, "facility": facility_json(1e308, -1e308)}]),
            "not a longitude/latitude",
        ),
        (
            serde_json::json!([{"edit": "add", "id": n, "facility": facility_json(-155.06, 30.0)}]),
            "outside the study area",
        ),
        (
            serde_json::json!([{"edit": "move", "id": 4294967295u64, "from": {"x": 0.0, "y": 0.0}, "to": {"x": 0.0, "y": 0.0}}]),
            "does not have",
        ),
        (
            serde_json::json!([{"edit": "set_category", "id": 0, "from": "a", "to": "casino"}]),
            "not in the profile",
        ),
    ];
    for (i, (edits, what)) in cases.into_iter().enumerate() {
        let case = dir.join(format!("case{i}"));
        std::fs::create_dir_all(&case).unwrap();
        let project = demo_project(&case, "方案乙", edits);
        for args in [
            vec!["compare", "--a", "baseline", "--b", "方案乙"],
            vec!["suggest", "--tier", "t15", "--layout", "方案乙"],
        ] {
            let out = case.join("out");
            let o = std::process::Command::new(exe)
                .args(&args)
                .args(["--project", project.to_str().unwrap()])
                .args(["--out", out.to_str().unwrap()])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?} case {i}: {err}");
            assert!(err.contains("bad.lifecircle.json"), "{err}");
            assert!(err.contains("layout \"方案乙\", edit 1:"), "{err}");
            assert!(err.contains(what), "case {i}: {err}");
            assert!(!out.exists(), "case {i}: output left behind");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn assess_names_the_file_of_a_stray_facility() {
    let Some(dir) = helsinki() else { return };
    let tmp = std::env::temp_dir().join(format!("lifecircle-stray-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let mut fc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("facilities.geojson")).unwrap())
            .unwrap();
    let features = fc["features"].as_array_mut().unwrap();
    let mut typo = features[3].clone();
    typo["geometry"]["coordinates"][0] = serde_json::json!(-155.06);
    let name = typo["properties"]["name"].as_str().unwrap().to_string();
    features.push(typo);
    // Named by its number in the file: the last feature.
    let number = features.len();
    let stray = tmp.join("stray-facilities.geojson");
    std::fs::write(&stray, serde_json::to_string(&fc).unwrap()).unwrap();
    let exe = env!("CARGO_BIN_EXE_lifecircle");
    let run = |facilities: &Path, out: &Path| {
        let o = std::process::Command::new(exe)
            .arg("assess")
            .args([
                "--townships",
                dir.join("townships.geojson").to_str().unwrap(),
            ])
            .args(["--facilities", facilities.to_str().unwrap()])
            .args([
                "--residents",
                dir.join("residents.geojson").to_str().unwrap(),
            ])
            .args(["--roads", dir.join("roads.geojson").to_str().unwrap()])
            .args(["--profile", dir.join("profile.json").to_str().unwrap()])
            .args(["--out", out.to_str().unwrap(), "--lang", "en"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap())
                .unwrap();
        let warnings = v.as_object_mut().unwrap().remove("warnings").unwrap();
        (v, warnings, String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (base, _, _) = run(&dir.join("facilities.geojson"), &tmp.join("base"));
    let (with, warnings, stderr) = run(&stray, &tmp.join("with"));
    assert_eq!(with, base, "a stray facility changed coverage.json");
    let expected = format!("stray-facilities.geojson, feature {number} ({name}): the facility");
    assert!(
        warnings
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .any(|w| w.contains(&expected) && w.contains("(-155.060000, ")),
        "{warnings}"
    );
    assert!(stderr.contains(&expected), "{stderr}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A township drawn twice under another name: METHOD 6 counts its people in
/// the first, and `assess` says so naming both, on the console and in
/// `coverage.json`; the townships of the demo, which only share borders,
/// give no such warning.
#[test]
fn overlapping_townships_are_named_with_the_people_inside_both() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let tmp = std::env::temp_dir().join(format!("lifecircle-overlap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let mut fc: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("townships.geojson")).unwrap())
            .unwrap();
    let features = fc["features"].as_array_mut().unwrap();
    let first = features[0]["properties"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let mut copy = features[0].clone();
    copy["properties"]["name"] = serde_json::json!("重复镇");
    features.push(copy);
    let doubled = tmp.join("townships.geojson");
    std::fs::write(&doubled, serde_json::to_string(&fc).unwrap()).unwrap();
    let run = |townships: &Path, out: &Path| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
            .arg("assess")
            .args(["--townships", townships.to_str().unwrap()])
            .args([
                "--facilities",
                data.join("facilities.geojson").to_str().unwrap(),
            ])
            .args([
                "--residents",
                data.join("residents.geojson").to_str().unwrap(),
            ])
            .args(["--roads", data.join("roads.geojson").to_str().unwrap()])
            .args(["--out", out.to_str().unwrap(), "--lang", "en"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap())
                .unwrap();
        (v, String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (base, base_err) = run(&data.join("townships.geojson"), &tmp.join("base"));
    assert!(!base_err.contains("overlap"), "{base_err}");
    let (with, err) = run(&doubled, &tmp.join("with"));
    let people = base["townships"][0]["population"].as_f64().unwrap();
    let expected = format!("the boundaries of townships \"{first}\" and \"重复镇\" overlap: ");
    let said = format!("people lie inside both and are counted in \"{first}\"");
    assert!(err.contains(&expected) && err.contains(&said), "{err}");
    let warning = with["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|w| w.contains(&expected))
        .expect("the warning in coverage.json");
    // Everyone of the first township lies inside the copy too (the
    // residents on its border excepted).
    let counted: f64 = warning
        .split(" with ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        counted > 0.9 * people && counted <= people,
        "{counted} of {people}"
    );
    assert_eq!(
        with["townships"][0]["population"],
        base["townships"][0]["population"]
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A facility file listing places twice: reach is unchanged, and the
/// warning names the file and the repeated facilities (their capacity would
/// count twice).
#[test]
fn repeated_facilities_are_named() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let tmp = std::env::temp_dir().join(format!("lifecircle-dups-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let mut fc: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("facilities.geojson")).unwrap())
            .unwrap();
    let features = fc["features"].as_array_mut().unwrap();
    let n = features.len();
    let name = features[1]["properties"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let category = features[1]["properties"]["category"]
        .as_str()
        .unwrap()
        .to_string();
    let again = features[1].clone();
    features.push(again);
    let file = tmp.join("twice.geojson");
    std::fs::write(&file, serde_json::to_string(&fc).unwrap()).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .arg("assess")
        .args([
            "--townships",
            data.join("townships.geojson").to_str().unwrap(),
        ])
        .args(["--facilities", file.to_str().unwrap()])
        .args([
            "--residents",
            data.join("residents.geojson").to_str().unwrap(),
        ])
        .args(["--roads", data.join("roads.geojson").to_str().unwrap()])
        .args(["--out", tmp.join("out").to_str().unwrap(), "--lang", "en"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let expected = format!(
        "twice.geojson, facility {} ({name}, {category}) repeats facility 2 at (",
        n + 1
    );
    assert!(err.contains(&expected), "expected {expected:?} in:\n{err}");
    let _ = std::fs::remove_dir_all(&tmp);
}
