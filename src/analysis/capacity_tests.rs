//! Tests of demand groups and the two-step floating catchment (METHOD.md
//! steps 10–17): the tiny case worked out by hand, and seeded random
//! networks against a brute-force reference that times every resident to
//! every facility with its own graph and plain Dijkstra.

use super::*;
use crate::analysis::tests::{at, random_case, rect, tiny_case};
use crate::analysis::{Assessment, Progress, assess};
use crate::geodesy::LocalProjection;
use crate::model::{GroupPopulations, Layers, Mode, Oneway, Profile};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn category<'a>(
    area: &'a crate::analysis::AreaCoverage,
    tier: &str,
    id: &str,
) -> &'a crate::analysis::CategoryCoverage {
    area.tier(tier).unwrap().category(id).unwrap()
}

/// The tiny case with a shop of 20 places (500 per 1,000 people) and a
/// school serving the group "kids" (1,000 places per 1,000 kids, default
/// capacity 10). Kids: half the population by default, 0.2 in East; R3
/// gives its own 6.
fn tiny_supply_case() -> (Layers, Profile) {
    let (mut layers, _) = tiny_case();
    layers.facilities[0].capacity = Some(20.0);
    layers.residents.as_mut().unwrap()[2].groups =
        GroupPopulations::new([("kids".to_string(), 6.0)]);
    let profile = Profile::from_json(
        r#"{"name":"tiny","modes":{"walk":{"speed_kmh":3.6}},
            "groups":[{"id":"kids","share":0.5}],
            "township_shares":{"East":{"kids":0.2}},
            "categories":[
              {"id":"shop","standard_per_1000":500,"unit":"places"},
              {"id":"school","group":"kids","standard_per_1000":1000,"default_capacity":10}],
            "tiers":[
            {"id":"t5","minutes":5,"mode":"walk","categories":["shop"]},
            {"id":"t10","minutes":10,"mode":"walk","categories":["shop","school"],"optional":["park"]}]}"#,
    )
    .unwrap();
    (layers, profile)
}

/// Figures worked out by hand (see `analysis::tests::tiny_case` for the
/// times): R1 (10, East), R2 (30, West), R3 (60, West, no road).
#[test]
fn tiny_case_by_hand() {
    let (layers, profile) = tiny_supply_case();
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    let r = &a.report;
    let (west, east) = (&r.townships[0].figures, &r.townships[1].figures);

    // 5 minutes: the shop's catchment is R1 alone: D = 10, R = 2.
    let t5 = &a.capacity[0];
    assert_eq!((t5.tier, t5.category.as_str()), (0, "shop"));
    assert_eq!(t5.facilities.len(), 1);
    let shop = &t5.facilities[0];
    assert_eq!((shop.facility, shop.township), (0, Some(1)));
    assert_eq!((shop.capacity, shop.demand, shop.load()), (20.0, 10.0, 0.5));
    assert_eq!(shop.status(0.5), LoadStatus::Balanced);
    let s = category(east, "t5", "shop").supply.clone().unwrap();
    assert_eq!(
        (s.supply_per_1000, s.shortfall, s.served_share),
        (2000.0, 0.0, 1.0)
    );
    let s = category(west, "t5", "shop").supply.clone().unwrap();
    assert_eq!(
        (s.supply_per_1000, s.shortfall, s.served_share),
        (0.0, 45.0, 0.0)
    );
    let s = category(&r.total, "t5", "shop").supply.clone().unwrap();
    assert_eq!(s.standard_per_1000, 500.0);
    assert!(close(s.supply_per_1000, 200.0) && close(s.shortfall, 30.0));
    assert!(close(s.served_share, 0.1));

    // 10 minutes: the shop reaches R1 and R2: D = 40, R = 0.5, load 2.
    let t10 = &a.capacity[1];
    assert_eq!(t10.facilities[0].demand, 40.0);
    assert_eq!(t10.facilities[0].load(), 2.0);
    assert_eq!(t10.facilities[0].status(0.5), LoadStatus::OverCapacity);
    let s = category(west, "t10", "shop").supply.clone().unwrap();
    assert!(close(s.supply_per_1000, 1000.0 * 15.0 / 90.0));
    assert!(close(s.shortfall, 30.0) && close(s.served_share, 30.0 / 90.0));
    let s = category(east, "t10", "shop").supply.clone().unwrap();
    assert!(close(s.supply_per_1000, 500.0) && s.shortfall == 0.0 && s.served_share == 1.0);
    let s = category(&r.total, "t10", "shop").supply.clone().unwrap();
    assert!(close(s.supply_per_1000, 200.0) && close(s.shortfall, 30.0));
    assert!(close(s.served_share, 0.4));

    // The school serves kids: R1 2 (East share 0.2), R2 15 (default 0.5),
    // R3 6 (its own). Catchment R1 + R2: D = 17, S = 10 (default), R = 10/17.
    let school = &a.capacity[2];
    assert_eq!(
        (school.category.as_str(), school.group.as_deref()),
        ("school", Some("kids"))
    );
    assert_eq!(school.facilities[0].capacity, 10.0);
    assert!(close(school.facilities[0].demand, 17.0));
    let w = category(west, "t10", "school");
    assert_eq!(w.group.as_deref(), Some("kids"));
    assert!(close(w.demand_population, 21.0) && close(w.covered_population, 15.0));
    assert!(close(w.covered_share, 15.0 / 21.0));
    let s = w.supply.clone().unwrap();
    assert!(close(
        s.supply_per_1000,
        1000.0 * (15.0 * 10.0 / 17.0) / 21.0
    ));
    assert!(close(s.shortfall, 21.0 - 150.0 / 17.0) && s.served_share == 0.0);
    let s = category(east, "t10", "school").supply.clone().unwrap();
    assert!(close(s.supply_per_1000, 1000.0 * 10.0 / 17.0));
    assert!(close(s.shortfall, 2.0 - 20.0 / 17.0));
    let total = category(&r.total, "t10", "school");
    assert!(close(total.demand_population, 23.0));
    let s = total.supply.clone().unwrap();
    // Σ g·A over everyone equals the supply of facilities with demand.
    assert!(close(s.supply_per_1000, 1000.0 * 10.0 / 23.0) && close(s.shortfall, 13.0));
    // The shop serves everyone: its demand is the population.
    let shop = category(west, "t10", "shop");
    assert_eq!(
        (shop.group.as_deref(), shop.demand_population),
        (None, 90.0)
    );
    // The optional park has no standard: no supply figures.
    assert!(category(west, "t10", "park").supply.is_none());
    // Complete shares stay on the whole population.
    assert!(close(west.tier("t10").unwrap().complete_share, 30.0 / 90.0));

    let json = serde_json::to_value(&r.townships[0]).unwrap();
    let school = &json["tiers"][1]["categories"][1];
    assert_eq!(school["group"], "kids");
    for key in [
        "demand_population",
        "supply_per_1000",
        "standard_per_1000",
        "shortfall",
        "served_share",
    ] {
        assert!(school[key].is_number(), "{key} in {school}");
    }
    let park = &json["tiers"][1]["categories"][2];
    assert!(park["group"].is_null() && park.get("shortfall").is_none());
}

/// A facility without capacity and without a default is left out of the
/// supply figures with one warning naming its category; it still covers.
#[test]
fn facilities_without_capacity_are_named() {
    let (layers, mut profile) = tiny_supply_case();
    profile.categories[1].default_capacity = None;
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    let school = a.capacity.iter().find(|t| t.category == "school").unwrap();
    assert!(school.facilities.is_empty() && school.without_capacity == 1);
    let warned: Vec<_> = a
        .report
        .warnings
        .iter()
        .filter(|w| w.contains("category school"))
        .collect();
    assert_eq!(warned.len(), 1, "{:?}", a.report.warnings);
    let s = category(&a.report.total, "t10", "school");
    assert_eq!(s.covered_population, 17.0);
    assert_eq!(s.supply.as_ref().unwrap().supply_per_1000, 0.0);
}

/// METHOD 11: the group population from each of the three sources.
#[test]
fn group_population_sources() {
    let (layers, profile) = tiny_supply_case();
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    let kids = crate::analysis::groups::group_weights(
        &profile,
        profile.group("kids").unwrap(),
        &a.demand,
        &a.resident_township,
        &layers.townships,
    );
    assert_eq!(kids[at(&a, 0.003, 0.0)], 2.0, "East's own share");
    assert_eq!(kids[at(&a, 0.0005, 0.0002)], 15.0, "the default share");
    assert_eq!(kids[at(&a, 0.001, 0.0095)], 6.0, "the resident's pop_kids");
}

/// A resident outside every township counts in `total` with the default
/// share (METHOD 11, 16).
#[test]
fn outside_residents_count_in_the_total() {
    let (mut layers, profile) = tiny_supply_case();
    // Move R1 (10 people) just outside East, on the road.
    layers.townships[1] = rect("East", 0.002, 0.0029);
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    assert_eq!(a.report.outside_population, 10.0);
    assert_eq!(a.report.total.population, 100.0);
    let total = category(&a.report.total, "t10", "school");
    // R1 now has the default share: 5 kids.
    assert!(close(total.demand_population, 5.0 + 15.0 + 6.0));
}

/// The brute-force reference's road graph of one mode: road vertices and
/// attachment points as nodes, arcs reversed so that one search from a
/// facility times every resident to it.
pub(crate) struct Reference {
    into: Vec<Vec<(usize, f64)>>,
    residents: Vec<Option<(usize, f64)>>,
    facilities: Vec<Option<(usize, f64)>>,
}

impl Reference {
    pub(crate) fn new(
        layers: &Layers,
        profile: &Profile,
        mode: Mode,
        proj: LocalProjection,
    ) -> Self {
        struct Seg {
            a: [f64; 2],
            b: [f64; 2],
            fwd: bool,
            bwd: bool,
            secs: f64,
        }
        let mut segs = Vec::new();
        for r in layers.roads.iter().flatten() {
            if !mode.allows(r.highway.as_deref()) {
                continue;
            }
            let mps = profile.constant_speed_mps(mode).unwrap_or_else(|| {
                profile
                    .modes
                    .drive
                    .speed_kmh(r.highway.as_deref(), r.maxspeed_kmh)
                    / 3.6
            });
            let (fwd, bwd) = match (mode, r.oneway) {
                (Mode::Drive, Oneway::Forward) => (true, false),
                (Mode::Drive, Oneway::Backward) => (false, true),
                _ => (true, true),
            };
            for l in r.line.lines() {
                let a = proj.forward(l.start.x, l.start.y);
                let b = proj.forward(l.end.x, l.end.y);
                let len = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
                segs.push(Seg {
                    a,
                    b,
                    fwd,
                    bwd,
                    secs: len / mps,
                });
            }
        }
        let conn_mps = profile
            .constant_speed_mps(mode)
            .unwrap_or(profile.modes.walk.speed_kmh / 3.6);
        let mut vertex: HashMap<[u64; 2], usize> = HashMap::new();
        let mut count = 0usize;
        let mut node_at = |p: [f64; 2], count: &mut usize| {
            *vertex
                .entry([p[0].to_bits(), p[1].to_bits()])
                .or_insert_with(|| {
                    *count += 1;
                    *count - 1
                })
        };
        let ends: Vec<(usize, usize)> = segs
            .iter()
            .map(|s| (node_at(s.a, &mut count), node_at(s.b, &mut count)))
            .collect();
        let mut stops: Vec<Vec<(f64, usize)>> = segs.iter().map(|_| Vec::new()).collect();
        let mut attach = |p: [f64; 2]| -> Option<(usize, f64)> {
            let mut best: Option<(usize, f64, f64)> = None;
            for (i, s) in segs.iter().enumerate() {
                let (dx, dy) = (s.b[0] - s.a[0], s.b[1] - s.a[1]);
                let l2 = dx * dx + dy * dy;
                let t = if l2 == 0.0 {
                    0.0
                } else {
                    (((p[0] - s.a[0]) * dx + (p[1] - s.a[1]) * dy) / l2).clamp(0.0, 1.0)
                };
                let d =
                    ((s.a[0] + t * dx - p[0]).powi(2) + (s.a[1] + t * dy - p[1]).powi(2)).sqrt();
                if d <= 1000.0 && best.is_none_or(|b| d < b.2) {
                    best = Some((i, t, d));
                }
            }
            let (s, t, d) = best?;
            if t == 0.0 {
                return Some((ends[s].0, d / conn_mps));
            }
            if t == 1.0 {
                return Some((ends[s].1, d / conn_mps));
            }
            count += 1;
            stops[s].push((t, count - 1));
            Some((count - 1, d / conn_mps))
        };
        let project = |lon: f64, lat: f64| proj.forward(lon, lat);
        let facilities: Vec<Option<(usize, f64)>> = layers
            .facilities
            .iter()
            .map(|f| attach(project(f.location.x(), f.location.y())))
            .collect();
        let residents: Vec<Option<(usize, f64)>> = layers
            .residents
            .iter()
            .flatten()
            .map(|r| attach(project(r.location.x(), r.location.y())))
            .collect();
        let mut into = vec![Vec::new(); count];
        for ((s, stop), &(a, b)) in segs.iter().zip(stops.iter_mut()).zip(&ends) {
            if s.a == s.b {
                continue;
            }
            stop.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut chain = vec![(0.0, a)];
            chain.extend(stop.iter().copied());
            chain.push((1.0, b));
            for w in chain.windows(2) {
                let secs = (w[1].0 - w[0].0) * s.secs;
                if s.fwd {
                    into[w[1].1].push((w[0].1, secs));
                }
                if s.bwd {
                    into[w[0].1].push((w[1].1, secs));
                }
            }
        }
        Reference {
            into,
            residents,
            facilities,
        }
    }

    /// Minutes from every resident (file order) to facility `j` alone.
    pub(crate) fn minutes_to(&self, j: usize) -> Vec<f64> {
        let mut dist = vec![f64::INFINITY; self.into.len()];
        let Some((start, conn)) = self.facilities[j] else {
            return vec![f64::INFINITY; self.residents.len()];
        };
        #[derive(PartialEq)]
        struct E(f64, usize);
        impl Eq for E {}
        impl Ord for E {
            fn cmp(&self, o: &Self) -> Ordering {
                o.0.total_cmp(&self.0)
            }
        }
        impl PartialOrd for E {
            fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
                Some(self.cmp(o))
            }
        }
        let mut heap = BinaryHeap::from([E(conn, start)]);
        dist[start] = conn;
        while let Some(E(d, v)) = heap.pop() {
            if d > dist[v] {
                continue;
            }
            for &(u, w) in &self.into[v] {
                if d + w < dist[u] {
                    dist[u] = d + w;
                    heap.push(E(d + w, u));
                }
            }
        }
        self.residents
            .iter()
            .map(|r| r.map_or(f64::INFINITY, |(n, c)| (dist[n] + c) / 60.0))
            .collect()
    }
}

/// Area of every resident (file order) by METHOD 6: the first township
/// containing it, boundary included; `townships.len()` when none.
fn areas_by_hand(layers: &Layers) -> Vec<usize> {
    use geo::Intersects;
    layers
        .residents
        .iter()
        .flatten()
        .map(|r| {
            layers
                .townships
                .iter()
                .position(|t| t.boundary.intersects(&r.location))
                .unwrap_or(layers.townships.len())
        })
        .collect()
}

/// The random case with two townships (some residents outside both), two
/// demand groups with a per-township share and some residents' own
/// values, random capacities, and standards on both categories.
pub(crate) fn supply_case(seed: u64) -> (Layers, Profile) {
    let (mut layers, _) = random_case(seed);
    layers.townships = vec![rect("West", -0.01, 0.006), rect("East", 0.006, 0.011)];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 1000) as f64 / 1000.0
    };
    for f in &mut layers.facilities {
        f.capacity = (next() < 0.7).then(|| (1.0 + 20.0 * next()).round());
    }
    for r in layers.residents.as_mut().unwrap() {
        if next() < 0.3 {
            r.groups = GroupPopulations::new([("kids".to_string(), (4.0 * next()).round())]);
        }
    }
    let profile = Profile::from_json(
        r#"{"modes":{"walk":{"speed_kmh":4.5},"bike":{"speed_kmh":12}},
            "groups":[{"id":"kids","share":0.3},{"id":"old","share":0.2}],
            "township_shares":{"East":{"kids":0.5}},
            "categories":[
              {"id":"a","group":"kids","standard_per_1000":150,"default_capacity":4},
              {"id":"b","standard_per_1000":90}],
            "tiers":[
            {"id":"w","minutes":12,"mode":"walk","categories":["a","b"]},
            {"id":"b","minutes":6,"mode":"bike","categories":["a"]},
            {"id":"d","minutes":3,"mode":"drive","categories":["a","b"]}]}"#,
    )
    .unwrap();
    (layers, profile)
}

/// METHOD 11–17 by brute force on `layers`, compared with the assessment
/// to 1e-9. Returns false (and checks nothing) when some resident–facility
/// time lies within 1e-4 minutes of a threshold, where the engine's single
/// precision and the reference's double may fairly disagree.
fn check_against_reference(layers: &Layers, profile: &Profile, a: &Assessment, case: &str) -> bool {
    let proj = a.network().map(|n| n.projection).expect("a road network");
    let area = areas_by_hand(layers);
    let townships = layers.townships.len();
    let residents = layers.residents.as_ref().unwrap();
    let index: Vec<usize> = residents
        .iter()
        .map(|r| at(a, r.location.x(), r.location.y()))
        .collect();
    let mut checked = 0;
    for (ti, tier) in profile.tiers.iter().enumerate() {
        let reference = Reference::new(layers, profile, tier.mode, proj);
        for c in tier.all_categories() {
            let Some(info) = profile.category_info(c) else {
                continue;
            };
            let Some(standard) = info.standard_per_1000 else {
                continue;
            };
            // METHOD 11: g_i.
            let g: Vec<f64> = residents
                .iter()
                .zip(&area)
                .map(|(r, &t)| match &info.group {
                    None => r.population,
                    Some(id) => r.groups.get(id).unwrap_or_else(|| {
                        let name = layers.townships.get(t).map(|t| t.name.as_str());
                        r.population
                            * name
                                .and_then(|n| profile.group_share(n, id))
                                .unwrap_or(profile.group(id).unwrap().share)
                    }),
                })
                .collect();
            let mut access = vec![0.0; residents.len()];
            let mut loads = Vec::new();
            for (j, f) in layers.facilities.iter().enumerate() {
                if f.category != c {
                    continue;
                }
                let Some(s) = f.capacity.filter(|c| *c > 0.0).or(info.default_capacity) else {
                    continue;
                };
                let t = reference.minutes_to(j);
                if t.iter().any(|m| (m - tier.minutes).abs() < 1e-4) {
                    return false;
                }
                let members: Vec<usize> = (0..t.len()).filter(|&i| t[i] <= tier.minutes).collect();
                let d: f64 = members.iter().map(|&i| g[i]).sum();
                if d > 0.0 {
                    for &i in &members {
                        access[i] += s / d;
                    }
                }
                loads.push((j as u32, s, d));
            }
            let table = a
                .capacity
                .iter()
                .find(|t| t.tier == ti && t.category == c)
                .unwrap_or_else(|| panic!("{case}: a table for {} {c}", tier.id));
            assert_eq!(table.facilities.len(), loads.len(), "{case}");
            for (got, (j, s, d)) in table.facilities.iter().zip(&loads) {
                assert_eq!((got.facility, got.capacity), (*j, *s), "{case}");
                assert!(
                    close(got.demand, *d),
                    "{case} {} {c} facility {j}: {} vs {d}",
                    tier.id,
                    got.demand
                );
            }
            for (i, &want) in access.iter().enumerate() {
                let got = table.access[index[i]];
                assert!(
                    close(got, want),
                    "{case} {} {c} resident {i}: A {got} vs {want}",
                    tier.id
                );
            }
            // METHOD 16 per area.
            for a_ix in 0..=townships {
                let inside = |i: usize| a_ix == townships || area[i] == a_ix;
                let sum_g: f64 = (0..g.len()).filter(|&i| inside(i)).map(|i| g[i]).sum();
                let sum_ga: f64 = (0..g.len())
                    .filter(|&i| inside(i))
                    .map(|i| g[i] * access[i])
                    .sum();
                let served: f64 = (0..g.len())
                    .filter(|&i| inside(i) && 1000.0 * access[i] >= standard * (1.0 - 1e-9))
                    .map(|i| g[i])
                    .sum();
                let figures = if a_ix == townships {
                    &a.report.total
                } else {
                    &a.report.townships[a_ix].figures
                };
                let got = category(figures, &tier.id, c);
                let s = got.supply.as_ref().unwrap();
                let per = if sum_g > 0.0 {
                    1000.0 * sum_ga / sum_g
                } else {
                    0.0
                };
                assert!(
                    close(got.demand_population, sum_g),
                    "{case}: demand {} vs {sum_g}",
                    got.demand_population
                );
                assert!(
                    close(s.supply_per_1000, per),
                    "{case} {} {c} area {a_ix}: {} vs {per}",
                    tier.id,
                    s.supply_per_1000
                );
                assert!(
                    close(s.shortfall, (standard * sum_g / 1000.0 - sum_ga).max(0.0)),
                    "{case}"
                );
                let share = if sum_g > 0.0 { served / sum_g } else { 0.0 };
                assert!(
                    close(s.served_share, share),
                    "{case} {} {c} area {a_ix}: served {} vs {share}",
                    tier.id,
                    s.served_share
                );
            }
            checked += 1;
        }
    }
    checked > 0
}

#[test]
fn random_networks_match_a_brute_force_two_step_catchment() {
    let mut checked = 0;
    for seed in 1..=16u64 {
        let (layers, profile) = supply_case(seed);
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        if check_against_reference(&layers, &profile, &a, &format!("seed {seed}")) {
            checked += 1;
        }
    }
    assert!(
        checked >= 12,
        "only {checked} of 16 cases were free of near-threshold times"
    );
}

/// The live assessment keeps its capacity figures up to date through edits.
#[test]
fn live_edits_keep_supply_figures() {
    use crate::analysis::LiveAssessment;
    use crate::model::{Edit, FacilityId};
    let (layers, profile) = supply_case(4);
    let mut live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
    let moved = layers.facilities[0].clone();
    let mut to = moved.clone();
    to.location = geo::Point::new(0.006, 0.004);
    live.apply(&Edit::Move {
        id: FacilityId(0),
        from: moved.location,
        to: to.location,
    })
    .unwrap();
    let mut edited = layers.clone();
    edited.facilities[0] = to;
    let fresh = assess(&edited, &profile, &Progress::new()).unwrap();
    assert_eq!(live.assessment().capacity, fresh.capacity);
    assert_eq!(live.assessment().report.total, fresh.report.total);
}

/// Helsinki's real roads, residents (buildings) and facilities with the
/// hand-built supply variant of `tests/fixtures/helsinki_supply.json`:
/// every capacity figure agrees with the brute force to 1e-9.
#[test]
fn helsinki_supply_variant_matches_the_brute_force() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("../shared/data/helsinki");
    if !data.is_dir() {
        eprintln!(
            "skipped: {} is absent (the shared Helsinki data)",
            data.display()
        );
        return;
    }
    let variant: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/fixtures/helsinki_supply.json")).unwrap(),
    )
    .unwrap();
    let mut profile = crate::io::load_profile(&data.join("profile.json")).unwrap();
    profile.supply.groups = serde_json::from_value(variant["groups"].clone()).unwrap();
    profile.supply.township_shares =
        serde_json::from_value(variant["township_shares"].clone()).unwrap();
    profile.supply.underused_below = variant["underused_below"].as_f64().unwrap();
    profile.categories = serde_json::from_value(variant["categories"].clone()).unwrap();
    profile.validate().unwrap();
    let paths = crate::io::LayerPaths {
        townships: data.join("townships.geojson"),
        facilities: data.join("facilities.geojson"),
        residents: Some(data.join("residents_buildings.geojson")),
        roads: Some(data.join("roads.geojson")),
    };
    let (mut layers, _) = crate::io::load_layers(&paths, &profile).unwrap();
    for (category, list) in variant["capacities"].as_object().unwrap() {
        let list = list.as_array().unwrap();
        let of: Vec<&mut crate::model::Facility> = layers
            .facilities
            .iter_mut()
            .filter(|f| &f.category == category)
            .collect();
        assert_eq!(
            of.len(),
            list.len(),
            "{category}: one capacity per facility"
        );
        for (f, c) in of.into_iter().zip(list) {
            f.capacity = c.as_f64();
        }
    }
    let every = variant["pop_kids"]["every"].as_u64().unwrap() as usize;
    let share = variant["pop_kids"]["share"].as_f64().unwrap();
    for (i, r) in layers.residents.as_mut().unwrap().iter_mut().enumerate() {
        if i % every == 0 {
            let kids = (r.population * share * 10.0).round() / 10.0;
            r.groups = GroupPopulations::new([("kids".to_string(), kids)]);
        }
    }
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    assert_eq!(a.capacity.len(), 5, "one table per standard");
    assert!(
        a.capacity
            .iter()
            .any(|t| t.facilities.iter().any(|f| f.load() > 1.0)),
        "some facility over capacity"
    );
    assert!(
        check_against_reference(&layers, &profile, &a, "helsinki"),
        "a resident–facility time lies within 0.1 s of a threshold"
    );
}
