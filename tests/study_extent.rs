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
        .find(|w| w.contains(&format!("facility {n} ")))
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
    let mut far = odd.residents.as_ref().unwrap()[0];
    far.location = geo::Point::new(-155.06, 60.17);
    far.population = 1000.0;
    odd.residents.as_mut().unwrap().push(far);
    let c = assess(&odd, &profile, &Progress::new()).unwrap();
    assert_eq!(figures(&c.report), figures(&base.report));
    assert!(
        c.report
            .warnings
            .iter()
            .any(|w| w.contains("resident point 20 "))
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
