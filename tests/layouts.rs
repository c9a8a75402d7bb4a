//! Layouts end to end on the demo district: suggestions raise the complete
//! share, edits and undo, comparison, and the `compare`/`suggest` commands.

use lifecircle::analysis::{LiveAssessment, Progress, SuggestRequest, compare, suggest_sites};
use lifecircle::cli::{InputArgs, load_study};
use lifecircle::model::{Edit, Facility};
use serde_json::Value;
use std::process::Command;

fn demo() -> lifecircle::cli::LoadedStudy {
    load_study(&InputArgs::default()).expect("the demo district loads")
}

#[test]
fn suggested_sites_raise_the_complete_share() {
    let study = demo();
    let tier = study
        .profile
        .tiers
        .iter()
        .position(|t| t.id == "t15")
        .unwrap();
    let mut live = LiveAssessment::new(&study.layers, &study.profile, &Progress::new()).unwrap();
    let before = live.assessment().report.total.tiers[tier].complete_share;
    let request = SuggestRequest {
        tier,
        categories: study.profile.tiers[tier].categories.clone(),
        k: 4,
        township: None,
        max_candidates: 600,
    };
    let picks = suggest_sites(&live, &request, &Progress::new()).unwrap();
    assert!(!picks.is_empty());
    assert!(
        picks.windows(2).all(|w| w[0].gained >= w[1].gained),
        "ranked by gain"
    );
    for p in &picks {
        let id = live.next_id();
        live.apply(&Edit::Add {
            id,
            facility: Facility {
                category: p.category.clone(),
                name: format!("suggested {}", p.rank),
                capacity: None,
                location: p.location,
            },
        })
        .unwrap();
    }
    let after = live.assessment().report.total.tiers[tier].complete_share;
    println!(
        "t15 complete share {before:.4} → {after:.4} with {} sites",
        picks.len()
    );
    assert!(after > before, "{before} → {after}");
}

#[test]
fn add_two_undo_one_and_compare_with_the_baseline() {
    let study = demo();
    let baseline = LiveAssessment::new(&study.layers, &study.profile, &Progress::new()).unwrap();
    let mut live = LiveAssessment::new(&study.layers, &study.profile, &Progress::new()).unwrap();
    // Two farmers markets in 七里乡, which has none.
    let qili = study
        .layers
        .townships
        .iter()
        .position(|t| t.name == "七里乡")
        .unwrap();
    // Beside its most populous demand point.
    let a = baseline.assessment();
    let centre = (0..a.demand.len())
        .filter(|&r| a.resident_township[r] == Some(qili as u32))
        .max_by(|&x, &y| a.demand[x].population.total_cmp(&a.demand[y].population))
        .map(|r| a.demand[r].location)
        .unwrap();
    let mut edits = Vec::new();
    for (k, dx) in [0.0, 0.01].into_iter().enumerate() {
        let edit = Edit::Add {
            id: live.next_id(),
            facility: Facility {
                category: "farmers_market".into(),
                name: format!("新农贸市场 {k}"),
                capacity: None,
                location: geo::Point::new(centre.x() + dx, centre.y()),
            },
        };
        live.apply(&edit).unwrap();
        edits.push(edit);
    }
    // Undo the second.
    live.apply(&edits[1].inverse()).unwrap();
    let d = compare(baseline.assessment(), live.assessment(), &study.profile);
    let t15 = study
        .profile
        .tiers
        .iter()
        .position(|t| t.id == "t15")
        .unwrap();
    let row = &d.townships[qili].tiers[t15];
    let market = row
        .categories
        .iter()
        .find(|c| c.id == "farmers_market")
        .unwrap();
    assert!(
        market.newly_covered > 0.0 && market.no_longer_covered == 0.0,
        "{market:?}"
    );
    assert!(market.delta_pp > 0.0);
    // Nothing changes for other categories.
    assert!(
        row.categories
            .iter()
            .filter(|c| c.id != "farmers_market")
            .all(|c| c.delta_pp == 0.0)
    );
    // The difference map lists only gains.
    assert!(d.changes.iter().all(|c| c.gained));
}

#[test]
fn compare_and_suggest_on_the_command_line() {
    let dir = std::env::temp_dir().join(format!("lifecircle-layouts-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Layout B: the demo without its farmers markets.
    let demo_facilities = lifecircle::io::demo_data_dir().join("facilities.geojson");
    let mut fc: Value =
        serde_json::from_str(&std::fs::read_to_string(&demo_facilities).unwrap()).unwrap();
    fc["features"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["properties"]["category"] != "farmers_market");
    let b = dir.join("no-markets.geojson");
    std::fs::write(&b, serde_json::to_string(&fc).unwrap()).unwrap();
    let exe = env!("CARGO_BIN_EXE_lifecircle");
    let out = dir.join("cmp");
    let o = Command::new(exe)
        .args([
            "compare",
            "--a",
            "baseline",
            "--b",
            b.to_str().unwrap(),
            "--lang",
            "en",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    for side in ["a", "b"] {
        assert!(
            json[side]["coverage"]["townships"]
                .as_array()
                .is_some_and(|t| t.len() == 9)
        );
    }
    let t15 = json["delta"]["total"]["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "t15")
        .unwrap();
    assert!(t15["delta_pp"].as_f64().unwrap() < 0.0, "{t15}");
    assert!(t15["no_longer_complete"].as_f64().unwrap() > 0.0);
    assert!(out.join("changes.geojson").exists());

    let out = dir.join("sug");
    let o = Command::new(exe)
        .args([
            "suggest",
            "--tier",
            "t15",
            "--category",
            "farmers_market",
            "-k",
            "2",
            "--lang",
            "en",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sites: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("suggestions.geojson")).unwrap())
            .unwrap();
    let features = sites["features"].as_array().unwrap();
    assert!(!features.is_empty() && features.len() <= 2);
    assert!(features[0]["properties"]["gained"].as_f64().unwrap() > 0.0);
    // Unknown tier: a clear error.
    let o = Command::new(exe)
        .args(["suggest", "--tier", "t99"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no tier \"t99\""));
}
