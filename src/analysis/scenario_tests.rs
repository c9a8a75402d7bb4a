//! Road and population changes (issue 16) as the engine sees them: a road
//! that links two parts, the only bridge closed, an edit that repeats the
//! data, hand-checked.

use super::tests::{at, rect};
use super::{Progress, assess};
use crate::model::{Facility, Layers, Oneway, PopulationChange, Profile, Resident, Road, Scenario};
use geo::{LineString, MultiPolygon, Point, polygon};

fn road(points: &[(f64, f64)]) -> Road {
    Road {
        line: LineString::from(points.to_vec()),
        highway: Some("residential".into()),
        oneway: Oneway::No,
        maxspeed_kmh: None,
    }
}

/// Walking at 1 m/s along the equator, where 0.001° is 111.32 m: a shop
/// at lon 0.0035 (East), a resident of 10 at lon 0.0005 (West), both on
/// the line of the roads.
fn two_banks(roads: Vec<Road>) -> (Layers, Profile) {
    let layers = Layers {
        townships: vec![rect("West", 0.0, 0.002), rect("East", 0.002, 0.004)],
        facilities: vec![Facility {
            category: "shop".into(),
            name: String::new(),
            capacity: None,
            location: Point::new(0.0035, 0.0),
        }],
        residents: Some(vec![Resident {
            location: Point::new(0.0005, 0.0),
            population: 10.0,
            settlement: None,
            groups: Default::default(),
        }]),
        roads: Some(roads),
    };
    let profile = Profile::from_json(
        r#"{"modes":{"walk":{"speed_kmh":3.6}},
            "tiers":[{"id":"t10","minutes":10,"mode":"walk","categories":["shop"]}]}"#,
    )
    .unwrap();
    (layers, profile)
}

fn minutes(layers: &Layers, profile: &Profile) -> f32 {
    let a = assess(layers, profile, &Progress::new()).unwrap();
    a.minutes_for(&profile.tiers[0], "shop").unwrap()[at(&a, 0.0005, 0.0)]
}

#[test]
fn a_new_road_links_two_parts() {
    let (layers, profile) = two_banks(vec![
        road(&[(0.0, 0.0), (0.001, 0.0)]),
        road(&[(0.003, 0.0), (0.004, 0.0)]),
    ]);
    assert!(minutes(&layers, &profile).is_infinite(), "no link yet");
    let link = Scenario {
        roads_added: vec![road(&[(0.001, 0.0), (0.003, 0.0)])],
        ..Scenario::default()
    };
    let linked = link.apply_to(&layers).unwrap();
    // 0.003° of the equator = 333.96 m at 1 m/s = 5.566 min.
    let m = minutes(&linked, &profile);
    assert!((m as f64 - 333.96 / 60.0).abs() < 0.01, "{m}");
}

#[test]
fn closing_the_only_bridge_cuts_the_far_bank_off() {
    let (layers, profile) = two_banks(vec![road(&[
        (0.0, 0.0),
        (0.001, 0.0),
        (0.002, 0.0),
        (0.003, 0.0),
        (0.004, 0.0),
    ])]);
    assert!(minutes(&layers, &profile).is_finite());
    let closed = Scenario {
        roads_closed: vec![LineString::from(vec![(0.002, 0.0), (0.003, 0.0)])],
        ..Scenario::default()
    }
    .apply_to(&layers)
    .unwrap();
    assert_eq!(closed.roads.as_ref().unwrap().len(), 2);
    assert!(minutes(&closed, &profile).is_infinite());
}

#[test]
fn an_edit_that_repeats_the_data_changes_nothing() {
    let (layers, profile) = two_banks(vec![road(&[(0.0, 0.0), (0.004, 0.0)])]);
    let before = assess(&layers, &profile, &Progress::new()).unwrap();
    let same = Scenario {
        roads_added: vec![road(&[(0.0, 0.0), (0.004, 0.0)])],
        population_changes: vec![PopulationChange {
            area: MultiPolygon(vec![polygon![
                (x: -1.0, y: -1.0), (x: 1.0, y: -1.0), (x: 1.0, y: 1.0), (x: -1.0, y: 1.0)
            ]]),
            factor: 1.0,
        }],
        ..Scenario::default()
    };
    let after = assess(&same.apply_to(&layers).unwrap(), &profile, &Progress::new()).unwrap();
    assert_eq!(after.report.townships, before.report.townships);
    assert_eq!(after.report.total, before.report.total);
    // Relocating the village (factor 0) leaves West with nobody.
    let moved = Scenario {
        population_changes: vec![PopulationChange {
            area: rect("West", 0.0, 0.002).boundary,
            factor: 0.0,
        }],
        ..Scenario::default()
    };
    let after = assess(
        &moved.apply_to(&layers).unwrap(),
        &profile,
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(after.report.townships[0].figures.population, 0.0);
}
