//! The random-edit equivalence test of issue 16: road additions, closures,
//! class changes, new residential areas and population changes mixed with
//! facility additions, moves and deletions, applied one after another to a
//! live assessment (the fast path: `LiveAssessment::reassess` and
//! `LiveAssessment::apply`), each compared with a fresh assessment of the
//! edited data (the slow obvious path) on every minute and every figure.

use super::{Assessment, LiveAssessment, Progress, assess};
use crate::generate::{DEFAULT_PROFILE_JSON, SyntheticParams, demo_district, synthetic_district};
use crate::model::{
    Edit, Facility, FacilityId, Layers, Oneway, PopulationChange, Profile, Resident,
    ResidentialArea, Road, Scenario,
};
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

use super::tests::Lcg as Rng;

const CLASSES: [&str; 6] = [
    "residential",
    "primary",
    "footway",
    "track",
    "motorway",
    "tertiary",
];

/// A square of `half` degrees around `c`.
fn square(c: Coord<f64>, half: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![
            (c.x - half, c.y - half),
            (c.x + half, c.y - half),
            (c.x + half, c.y + half),
            (c.x - half, c.y + half),
            (c.x - half, c.y - half),
        ]),
        vec![],
    )
}

/// Every figure and minute of the live assessment equals the fresh one.
fn assert_same(live: &Assessment, fresh: &Assessment, what: &str) {
    assert_eq!(live.demand, fresh.demand, "{what}: demand points");
    assert_eq!(live.slots, fresh.slots, "{what}: slots");
    for (s, (got, want)) in live.minutes.iter().zip(&fresh.minutes).enumerate() {
        for (r, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                g == w,
                "{what}: slot {s} ({:?}) resident {r}: live {g} fresh {w}",
                live.slots[s]
            );
        }
    }
    assert_eq!(live.report.townships, fresh.report.townships, "{what}");
    assert_eq!(live.report.total, fresh.report.total, "{what}");
    assert_eq!(
        live.report.unreachable_population, fresh.report.unreachable_population,
        "{what}"
    );
    assert_eq!(
        live.report.outside_population, fresh.report.outside_population,
        "{what}"
    );
    assert_eq!(live.blind_spots, fresh.blind_spots, "{what}");
    // Capacity tables name facilities by id in the live assessment and by
    // position in the fresh one (they differ after a deletion): compare
    // each resident's supply and each facility's demand in order.
    assert_eq!(live.capacity.len(), fresh.capacity.len(), "{what}");
    for (l, f) in live.capacity.iter().zip(&fresh.capacity) {
        assert!(l.access == f.access, "{what}: supply of {}", l.category);
        let demand = |t: &super::CapacityTable| -> Vec<f64> {
            t.facilities.iter().map(|x| x.demand).collect()
        };
        assert!(demand(l) == demand(f), "{what}: demand of {}", l.category);
    }
}

/// Counts of what the run did, to check the fast path was taken.
#[derive(Default, Debug)]
struct Tally {
    edits: usize,
    road_edits: usize,
    /// Road edits that kept at least one search.
    road_edits_kept: usize,
    population_edits: usize,
    /// Searches run by population edits (must stay 0).
    population_searches: usize,
}

/// `steps` random edits on `base`, each checked against a fresh assessment.
fn random_edits(base: &Layers, profile: &Profile, seed: u64, steps: usize) -> Tally {
    let mut rng = Rng(seed);
    let mut live = LiveAssessment::new(base, profile, &Progress::new()).unwrap();
    let mut scenario = Scenario::default();
    let mut tally = Tally::default();
    let categories: Vec<String> = profile
        .tiers
        .iter()
        .flat_map(|t| t.all_categories().map(str::to_string))
        .collect();
    let residents = base.residents.clone().unwrap_or_default();
    let near_resident = |rng: &mut Rng| {
        let r = &residents[rng.below(residents.len())];
        Coord {
            x: r.location.x() + (rng.next() - 0.5) * 0.004,
            y: r.location.y() + (rng.next() - 0.5) * 0.004,
        }
    };
    for step in 0..steps {
        // Closures apply to the study's roads before additions: pick
        // segments to close from those.
        let kept = Scenario {
            roads_added: Vec::new(),
            ..scenario.clone()
        };
        let roads = kept.apply_to(base).unwrap().roads.unwrap();
        let vertex = |rng: &mut Rng| {
            let r = &roads[rng.below(roads.len())];
            r.line.0[rng.below(r.line.0.len())]
        };
        let kind = (step + rng.below(3)) % 8;
        let mut next = scenario.clone();
        let what = match kind {
            0 => {
                // A new road from a road vertex to another one nearby (or
                // to a free end), sometimes with a bend.
                let a = vertex(&mut rng);
                let near: Vec<Coord<f64>> = roads
                    .iter()
                    .flat_map(|r| r.line.0.iter().copied())
                    .filter(|c| (c.x - a.x).abs() < 0.01 && (c.y - a.y).abs() < 0.01 && *c != a)
                    .collect();
                let b = if near.is_empty() || rng.next() < 0.25 {
                    Coord {
                        x: a.x + (rng.next() - 0.5) * 0.01,
                        y: a.y + (rng.next() - 0.5) * 0.01,
                    }
                } else {
                    near[rng.below(near.len())]
                };
                let mut line = vec![a];
                if rng.next() < 0.5 {
                    line.push(Coord {
                        x: (a.x + b.x) / 2.0 + (rng.next() - 0.5) * 0.002,
                        y: (a.y + b.y) / 2.0 + (rng.next() - 0.5) * 0.002,
                    });
                }
                line.push(b);
                next.roads_added.push(Road {
                    line: LineString(line),
                    highway: Some(CLASSES[rng.below(CLASSES.len())].into()),
                    oneway: if rng.next() < 0.2 {
                        Oneway::Forward
                    } else {
                        Oneway::No
                    },
                    maxspeed_kmh: (rng.next() < 0.2).then_some(70.0),
                });
                "road added"
            }
            1 | 2 => {
                // Close one segment of a road, or give it another class.
                let r = &roads[rng.below(roads.len())];
                let k = rng.below(r.line.0.len() - 1);
                let (a, b) = (r.line.0[k], r.line.0[k + 1]);
                next.roads_closed.push(LineString(vec![a, b]));
                if kind == 2 {
                    let mut class = CLASSES[rng.below(CLASSES.len())];
                    if Some(class) == r.highway.as_deref() {
                        class = "secondary";
                    }
                    next.roads_added.push(Road {
                        line: LineString(vec![a, b]),
                        highway: Some(class.into()),
                        oneway: if rng.next() < 0.3 {
                            Oneway::Backward
                        } else {
                            Oneway::No
                        },
                        maxspeed_kmh: (rng.next() < 0.3).then_some(15.0),
                    });
                    "road class changed"
                } else {
                    "road closed"
                }
            }
            3 => {
                // Spread over 100 m cells, as the app does.
                let outline = square(near_resident(&mut rng), 0.0008 + rng.next() * 0.001);
                let population = (50.0 + rng.next() * 900.0).round();
                let frame = super::StudyExtent::of(&base.townships).map(|e| e.bounds);
                let points = crate::io::spread_over_grid(&outline, population, frame)
                    .unwrap()
                    .into_iter()
                    .map(|(location, population)| Resident {
                        location,
                        population,
                        settlement: None,
                        groups: Default::default(),
                    })
                    .collect();
                next.residential_areas.push(ResidentialArea {
                    outline,
                    population,
                    settlement: None,
                    points,
                });
                "residential area added"
            }
            4 => {
                next.population_changes.push(PopulationChange {
                    area: MultiPolygon(vec![square(
                        near_resident(&mut rng),
                        0.002 + rng.next() * 0.004,
                    )]),
                    factor: [0.0, 0.5, 1.5, 3.0][rng.below(4)],
                });
                "population scaled"
            }
            _ => "facility",
        };
        let label = format!("seed {seed} step {step}: {what}");
        if kind <= 4 {
            let edited = next
                .apply_to(base)
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            let effect = live.reassess(&edited, &Progress::new()).unwrap();
            scenario = next;
            if kind <= 2 {
                tally.road_edits += 1;
                assert!(effect.roads_changed, "{label}");
                if effect.searched < effect.columns {
                    tally.road_edits_kept += 1;
                }
            } else {
                tally.population_edits += 1;
                tally.population_searches += effect.searched;
            }
        } else {
            let ids: Vec<u32> = live
                .facilities()
                .iter()
                .enumerate()
                .filter(|(_, f)| f.is_some())
                .map(|(i, _)| i as u32)
                .collect();
            let pick = ids[rng.below(ids.len())];
            let current = live.facilities()[pick as usize].clone().unwrap();
            let edit = match kind {
                5 => Edit::Add {
                    id: live.next_id(),
                    facility: Facility {
                        category: categories[rng.below(categories.len())].clone(),
                        name: format!("new {step}"),
                        capacity: None,
                        location: Point(near_resident(&mut rng)),
                    },
                },
                6 => Edit::Move {
                    id: FacilityId(pick),
                    from: current.location,
                    to: Point(near_resident(&mut rng)),
                },
                _ => Edit::Delete {
                    id: FacilityId(pick),
                    facility: current,
                },
            };
            live.apply(&edit).unwrap();
        }
        tally.edits += 1;
        let mut fresh_layers = scenario.apply_to(base).unwrap();
        fresh_layers.facilities = live.facilities().iter().flatten().cloned().collect();
        let fresh = assess(&fresh_layers, profile, &Progress::new()).unwrap();
        assert_same(live.assessment(), &fresh, &label);
    }
    tally
}

fn default_profile() -> Profile {
    Profile::from_json(DEFAULT_PROFILE_JSON).unwrap()
}

fn check(tally: &Tally, steps: usize) {
    println!("{tally:?}");
    assert_eq!(tally.edits, steps);
    assert!(
        tally.road_edits >= 10 && tally.population_edits >= 8,
        "{tally:?}"
    );
    assert!(
        tally.road_edits_kept > 0,
        "no road edit kept a search: {tally:?}"
    );
    assert_eq!(tally.population_searches, 0, "{tally:?}");
}

#[test]
fn random_edits_on_the_demo_equal_fresh_assessments() {
    let base = demo_district().layers;
    let tally = random_edits(&base, &default_profile(), 16, 56);
    check(&tally, 56);
}

#[test]
fn random_edits_on_a_synthetic_district_equal_fresh_assessments() {
    let params = SyntheticParams {
        road_nodes: 3_000,
        residents: 3_000,
        facilities: 150,
        townships: 100,
        seed: 11,
    };
    let base = synthetic_district(&params);
    let tally = random_edits(&base, &default_profile(), 23, 56);
    check(&tally, 56);
}

/// Without townships the projection follows every layer: the edit is
/// assessed afresh, still equal to a fresh assessment.
#[test]
fn without_townships_a_road_edit_is_assessed_afresh() {
    let (mut layers, profile) = super::tests::random_case(5);
    layers.townships.clear();
    let mut live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
    let roads = layers.roads.clone().unwrap();
    let first = &roads[0].line.0;
    let scenario = Scenario {
        roads_closed: vec![LineString(vec![first[0], first[1]])],
        ..Scenario::default()
    };
    let edited = scenario.apply_to(&layers).unwrap();
    let effect = live.reassess(&edited, &Progress::new()).unwrap();
    assert_eq!(effect.searched, effect.columns);
    let fresh = assess(&edited, &profile, &Progress::new()).unwrap();
    assert_same(live.assessment(), &fresh, "no townships");
}
