//! Tests of the whole assessment: a hand-made case worked out by hand, and
//! seeded random networks checked against a brute-force reference.

use super::*;
use crate::model::{Facility, Layers, Mode, Oneway, Profile, Resident, Road, Township};
use geo::{LineString, MultiPolygon, Point, polygon};

fn facility(category: &str, lon: f64, lat: f64) -> Facility {
    Facility {
        category: category.into(),
        name: String::new(),
        capacity: None,
        location: Point::new(lon, lat),
    }
}

fn resident(lon: f64, lat: f64, population: f64) -> Resident {
    Resident {
        location: Point::new(lon, lat),
        population,
        settlement: None,
        groups: Default::default(),
    }
}

pub(crate) fn rect(name: &str, x0: f64, x1: f64) -> Township {
    Township {
        name: name.into(),
        code: None,
        boundary: MultiPolygon(vec![polygon![
            (x: x0, y: -0.01), (x: x1, y: -0.01), (x: x1, y: 0.01), (x: x0, y: 0.01)
        ]]),
    }
}

/// Walking at 3.6 km/h = 1 m/s, so seconds = metres. At the equator
/// 0.001° of longitude = 111.319 m and 0.0001° of latitude = 11.057 m.
///
/// One road along the equator from lon 0 to 0.004 (vertices every 0.001°).
/// Shop at lon 0.0035, 0.0001° north: on the road at x = 389.62 m, connector
/// 11.06 m. School at lon 0.0005, 0.0001° south: x = 55.66 m, connector 11.06.
///
/// - R1 (10 people, East) on the road at x = 333.96 m: shop 55.66 + 11.06 =
///   66.72 s = 1.112 min (same segment); school 278.30 + 11.06 = 289.36 s =
///   4.823 min.
/// - R2 (30 people, West) 0.0002° north of x = 55.66: connector 22.11 m.
///   Shop 22.11 + 333.96 + 11.06 = 367.13 s = 6.119 min; school 22.11 +
///   0 + 11.06 = 33.17 s = 0.553 min (same point along the segment).
/// - R3 (60 people, West) 0.0095° north: connector ≈ 1,050 m > 1,000 m,
///   so it reaches nothing.
pub(crate) fn tiny_case() -> (Layers, Profile) {
    let road = Road {
        line: LineString::from(vec![
            (0.0, 0.0),
            (0.001, 0.0),
            (0.002, 0.0),
            (0.003, 0.0),
            (0.004, 0.0),
        ]),
        highway: Some("residential".into()),
        oneway: Oneway::No,
        maxspeed_kmh: None,
    };
    let layers = Layers {
        townships: vec![rect("West", 0.0, 0.002), rect("East", 0.002, 0.004)],
        facilities: vec![
            facility("shop", 0.0035, 0.0001),
            facility("school", 0.0005, -0.0001),
        ],
        residents: Some(vec![
            resident(0.003, 0.0, 10.0),
            resident(0.0005, 0.0002, 30.0),
            resident(0.001, 0.0095, 60.0),
        ]),
        roads: Some(vec![road]),
    };
    let profile = Profile::from_json(
        r#"{"name":"tiny","modes":{"walk":{"speed_kmh":3.6}},"tiers":[
            {"id":"t5","minutes":5,"mode":"walk","categories":["shop"]},
            {"id":"t10","minutes":10,"mode":"walk","categories":["shop","school"],"optional":["park"]}]}"#,
    )
    .unwrap();
    (layers, profile)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Index in `a.demand` of the resident at (lon, lat).
pub(crate) fn at(a: &Assessment, lon: f64, lat: f64) -> usize {
    a.demand
        .iter()
        .position(|r| r.location == Point::new(lon, lat))
        .expect("a resident there")
}

#[test]
fn tiny_case_by_hand() {
    let (layers, profile) = tiny_case();
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    let shop = a.minutes_for(&profile.tiers[0], "shop").unwrap();
    let school = a.minutes_for(&profile.tiers[1], "school").unwrap();
    let (r1, r2, r3) = (
        at(&a, 0.003, 0.0),
        at(&a, 0.0005, 0.0002),
        at(&a, 0.001, 0.0095),
    );
    assert!(close(shop[r1] as f64, 1.112, 0.002), "{}", shop[r1]);
    assert!(close(school[r1] as f64, 4.823, 0.002), "{}", school[r1]);
    assert!(close(shop[r2] as f64, 6.119, 0.002), "{}", shop[r2]);
    assert!(close(school[r2] as f64, 0.553, 0.002), "{}", school[r2]);
    assert!(shop[r3].is_infinite() && school[r3].is_infinite());
    assert_eq!(
        [
            a.resident_township[r1],
            a.resident_township[r2],
            a.resident_township[r3]
        ],
        [Some(1), Some(0), Some(0)]
    );

    let r = &a.report;
    assert_eq!(r.unreachable_population, 60.0);
    assert_eq!(r.outside_population, 0.0);
    let west = &r.township("West").unwrap().figures;
    let east = &r.township("East").unwrap().figures;
    assert_eq!(west.population, 90.0);
    // 5 min: only R1 (East) reaches the shop.
    assert_eq!(west.tier("t5").unwrap().complete_share, 0.0);
    assert_eq!(east.tier("t5").unwrap().complete_share, 1.0);
    // 10 min: R2 reaches both in the West (30 of 90), R1 in the East.
    let w10 = west.tier("t10").unwrap();
    assert!(close(w10.complete_share, 1.0 / 3.0, 1e-12));
    assert_eq!(w10.category("school").unwrap().covered_population, 30.0);
    // The optional park has no facility: reported, never covered, not required.
    assert_eq!(w10.category("park").unwrap().covered_population, 0.0);
    assert_eq!(east.tier("t10").unwrap().complete_share, 1.0);
    let t10 = r.total.tier("t10").unwrap();
    assert!(close(t10.complete_share, 0.4, 1e-12));
    // Shop in 10 min: (10 × 1.112 + 30 × 6.119) / 40 = 4.867; p90 = 6.119.
    let shop10 = t10.category("shop").unwrap();
    assert!(close(shop10.mean_minutes.unwrap(), 4.867, 0.002));
    assert!(close(shop10.p90_minutes.unwrap(), 6.119, 0.002));
    assert_eq!(
        r.total
            .tier("t5")
            .unwrap()
            .category("shop")
            .unwrap()
            .covered_share,
        0.1
    );
    assert_eq!(
        west.tier("t5")
            .unwrap()
            .category("shop")
            .unwrap()
            .mean_minutes,
        None
    );

    // Blind spots: R2 and R3 for t5 (shop), R3 for t10 (shop and school).
    let mut spots: Vec<(usize, u32, Vec<&str>)> = a
        .blind_spots
        .iter()
        .map(|b| {
            let who = match b.resident as usize {
                r if r == r2 => 2,
                r if r == r3 => 3,
                _ => 1,
            };
            (
                who,
                b.tier,
                b.missing_ids(&profile.tiers[b.tier as usize]).collect(),
            )
        })
        .collect();
    spots.sort();
    assert_eq!(
        spots,
        vec![
            (2, 0, vec!["shop"]),
            (3, 0, vec!["shop"]),
            (3, 1, vec!["shop", "school"])
        ]
    );
}

#[test]
fn threshold_is_inclusive_and_limits_cut() {
    let (layers, mut profile) = tiny_case();
    // R1 reaches the shop in 1.112 min: a 1.112-minute tier covers it.
    profile.tiers[0].minutes = 1.1125;
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    let r1 = at(&a, 0.003, 0.0);
    assert!(a.minutes_for(&profile.tiers[0], "shop").unwrap()[r1].is_finite());
    profile.tiers[0].minutes = 1.10;
    profile.tiers[1].minutes = 1.10;
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    assert!(a.minutes_for(&profile.tiers[0], "shop").unwrap()[r1].is_infinite());
}

#[test]
fn without_roads_uses_straight_line_times_detour() {
    let (mut layers, profile) = tiny_case();
    layers.roads = None;
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    // R1 → shop: straight line √(55.66² + 11.06²) = 56.75 m × 1.3 = 73.77 s.
    let shop = a.minutes_for(&profile.tiers[1], "shop").unwrap();
    let r1 = at(&a, 0.003, 0.0);
    assert!(close(shop[r1] as f64, 73.77 / 60.0, 0.002), "{}", shop[r1]);
    assert_eq!(a.report.method.distance, "straight_line");
    assert!(
        a.report
            .warnings
            .iter()
            .any(|w| w.contains("No road layer"))
    );
    assert!(a.network().is_none());
}

#[test]
fn without_residents_demand_is_area() {
    let (mut layers, profile) = tiny_case();
    layers.residents = None;
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    assert_eq!(a.demand_kind, crate::model::DemandKind::AreaHectares);
    // Each township: 0.002° × 0.02° ≈ 222.6 m × 2,211 m ≈ 49.2 ha.
    for t in &a.report.townships {
        assert!(
            close(t.figures.population, 49.23, 0.1),
            "{} {}",
            t.name,
            t.figures.population
        );
    }
    assert_eq!(a.report.method.demand, "area_hectares");
}

#[test]
fn cancelling_stops_the_work() {
    let (layers, profile) = tiny_case();
    let p = Progress::new();
    p.cancel();
    assert_eq!(assess(&layers, &profile, &p).unwrap_err(), Cancelled);
}

#[test]
fn facility_reach_stays_on_reached_roads() {
    let (layers, profile) = tiny_case();
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    // The shop in 5 min on foot: 300 s - 11.06 s connector = 288.9 m each
    // way along the road from x = 389.62 m: from 100.7 m to the road's end.
    let lines = facility_reach(&a, &profile, &layers.facilities[0], &profile.tiers[0]);
    let min_lon = lines
        .iter()
        .flat_map(|l| [l.start.x, l.end.x])
        .fold(f64::INFINITY, f64::min);
    let max_lon = lines
        .iter()
        .flat_map(|l| [l.start.x, l.end.x])
        .fold(0.0, f64::max);
    assert!(
        close(min_lon * 111_319.49, 100.7, 0.5),
        "{}",
        min_lon * 111_319.49
    );
    assert!(close(max_lon, 0.004, 1e-9));
}

// ---- Seeded random networks against a brute-force reference ----

/// Small deterministic generator for the random cases (shared by the
/// analysis tests).
pub(crate) struct Lcg(pub u64);
impl Lcg {
    pub(crate) fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() * n as f64) as usize % n
    }
}

/// A random street lattice (some links missing, random classes and
/// oneways), residents and facilities of two categories.
pub(super) fn random_case(seed: u64) -> (Layers, Profile) {
    let mut rng = Lcg(seed);
    let n = 7;
    let step = 0.002;
    let vertex = |i: usize, j: usize, rng: &mut Lcg| {
        (
            i as f64 * step + rng.next() * 0.0004,
            j as f64 * step + rng.next() * 0.0004,
        )
    };
    let grid: Vec<Vec<(f64, f64)>> = (0..n)
        .map(|i| (0..n).map(|j| vertex(i, j, &mut rng)).collect())
        .collect();
    let classes = [
        "residential",
        "footway",
        "primary",
        "motorway",
        "service",
        "trail",
    ];
    let mut roads = Vec::new();
    for i in 0..n {
        for j in 0..n {
            for (di, dj) in [(1, 0), (0, 1)] {
                if i + di >= n || j + dj >= n || rng.next() < 0.15 {
                    continue;
                }
                let (a, b) = (grid[i][j], grid[i + di][j + dj]);
                // Some links get a middle vertex.
                let mut line = vec![a];
                if rng.next() < 0.3 {
                    line.push(((a.0 + b.0) / 2.0 + rng.next() * 0.0003, (a.1 + b.1) / 2.0));
                }
                line.push(b);
                let oneway = match rng.below(4) {
                    0 => Oneway::Forward,
                    1 => Oneway::Backward,
                    _ => Oneway::No,
                };
                roads.push(Road {
                    line: LineString::from(line),
                    highway: Some(classes[rng.below(classes.len())].to_string()),
                    oneway,
                    maxspeed_kmh: (rng.next() < 0.2).then_some(50.0),
                });
            }
        }
    }
    let extent = step * (n as f64 - 1.0) + 0.0004;
    let point = |rng: &mut Lcg| {
        (
            rng.next() * extent * 1.2 - 0.1 * extent,
            rng.next() * extent * 1.2 - 0.1 * extent,
        )
    };
    let facilities = (0..8)
        .map(|k| {
            let (x, y) = point(&mut rng);
            facility(if k % 2 == 0 { "a" } else { "b" }, x, y)
        })
        .collect();
    let residents = (0..60)
        .map(|_| {
            let (x, y) = point(&mut rng);
            resident(x, y, 1.0 + rng.below(5) as f64)
        })
        .collect();
    let layers = Layers {
        townships: vec![rect("All", -0.01, 0.03)],
        facilities,
        residents: Some(residents),
        roads: Some(roads),
    };
    let profile = Profile::from_json(
        r#"{"modes":{"walk":{"speed_kmh":4.5},"bike":{"speed_kmh":12}},"tiers":[
            {"id":"w","minutes":12,"mode":"walk","categories":["a","b"]},
            {"id":"b","minutes":6,"mode":"bike","categories":["a"]},
            {"id":"d","minutes":3,"mode":"drive","categories":["a","b"]}]}"#,
    )
    .unwrap();
    (layers, profile)
}

/// Reference: snap by scanning every segment, split each segment at the
/// attached points, and run a plain Dijkstra from every facility of the
/// category on that graph (`capacity::tests::Reference`); per resident the
/// smallest time, `INFINITY` beyond `limit`.
fn brute_force_minutes(
    layers: &Layers,
    profile: &Profile,
    mode: Mode,
    category: &str,
    limit: f64,
    projection: crate::geodesy::LocalProjection,
) -> Vec<f64> {
    let reference = super::capacity::tests::Reference::new(layers, profile, mode, projection);
    let mut best = vec![f64::INFINITY; layers.residents.as_ref().map_or(0, Vec::len)];
    for (j, f) in layers.facilities.iter().enumerate() {
        if f.category == category {
            for (b, m) in best.iter_mut().zip(reference.minutes_to(j)) {
                *b = b.min(m);
            }
        }
    }
    best.into_iter()
        .map(|m| if m <= limit { m } else { f64::INFINITY })
        .collect()
}

#[test]
fn random_networks_match_brute_force() {
    for seed in 1..=12u64 {
        let (layers, profile) = random_case(seed);
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        for slot in &a.slots {
            let expect = brute_force_minutes(
                &layers,
                &profile,
                slot.mode,
                &slot.category,
                slot.limit_minutes,
                a.network().expect("roads").projection,
            );
            let got = &a.minutes[a.slot(slot.mode, &slot.category).unwrap()];
            // The engine keeps residents in spatial order: match by place.
            let input = layers.residents.as_ref().unwrap();
            for (r, &e) in expect.iter().enumerate() {
                let g = got[at(&a, input[r].location.x(), input[r].location.y())];
                let near_limit = (e - slot.limit_minutes).abs() < 1e-3;
                let ok = (g.is_infinite() && e.is_infinite())
                    || (g as f64 - e).abs() < 1e-3
                    || near_limit;
                assert!(
                    ok,
                    "seed {seed}, {:?} {}, resident {r}: engine {g}, brute force {e}",
                    slot.mode, slot.category
                );
            }
        }
    }
}

/// METHOD 1: the projection is centred on the townships, never moved by a
/// stray point of another layer.
#[test]
fn a_stray_facility_does_not_move_the_projection() {
    let (mut layers, _) = tiny_case();
    let before = super::engine::layer_bounds(&layers);
    let mut typo = layers.facilities[0].clone();
    typo.location = geo::Point::new(-155.06, typo.location.y());
    layers.facilities.push(typo);
    assert_eq!(super::engine::layer_bounds(&layers), before);
}
