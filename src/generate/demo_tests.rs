//! Tests of the demo district: what the description promises holds in the
//! generated layers, checked with the crate's own assessment.

use super::*;
use crate::analysis::{Progress, assess};
use crate::generate::demo_description::Description;
use crate::model::Profile;
use std::path::PathBuf;

/// Local metres of a lon/lat.
fn metres(c: Coord<f64>) -> P {
    p((c.x - LON0) * m_per_deg_lon(), (c.y - LAT0) * M_PER_DEG_LAT)
}

fn demo() -> &'static DemoDistrict {
    static DEMO: std::sync::OnceLock<DemoDistrict> = std::sync::OnceLock::new();
    DEMO.get_or_init(demo_district)
}

fn profile() -> Profile {
    Profile::from_json(crate::generate::DEFAULT_PROFILE_JSON).unwrap()
}

/// Township polygons on the local plane.
fn towns() -> Vec<Vec<P>> {
    demo()
        .layers
        .townships
        .iter()
        .map(|t| {
            t.boundary.0[0]
                .exterior()
                .0
                .iter()
                .map(|&c| metres(c))
                .collect()
        })
        .collect()
}

fn township_of(q: P, towns: &[Vec<P>]) -> Option<usize> {
    towns
        .iter()
        .position(|t| Polygon::new(LineString::from(t.clone()), vec![]).contains(&Point(q)))
}

/// Complete share per township (file order) and tier, with every tier's
/// minutes scaled by `factor`.
fn complete_shares(factor: f64) -> Vec<Vec<f64>> {
    let mut p = profile();
    for t in &mut p.tiers {
        t.minutes *= factor;
    }
    let a = assess(&demo().layers, &p, &Progress::new()).unwrap();
    a.report
        .townships
        .iter()
        .map(|t| t.figures.tiers.iter().map(|x| x.complete_share).collect())
        .collect()
}

#[test]
fn the_description_parses_and_names_the_nine_townships() {
    let d = description();
    let names: Vec<&str> = d.towns.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, DEMO_TOWNSHIPS);
    let p = profile();
    for r in &d.rules {
        assert!(
            p.categories.iter().any(|c| c.id == r.category),
            "{}",
            r.category
        );
    }
    let err = Description::parse("[townships]\n航埠镇 1 2\n", Coord::zero())
        .err()
        .unwrap();
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn district_has_the_promised_contents() {
    let d = demo();
    let l = &d.layers;
    let names: Vec<&str> = l.townships.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, DEMO_TOWNSHIPS);
    let s = d.summary();
    eprintln!("{s:#?}");
    assert!(
        (30_000.0..=80_000.0).contains(&s.population),
        "{}",
        s.population
    );
    assert!((300..=900).contains(&s.facilities), "{}", s.facilities);
    let p = profile();
    for tier in &p.tiers {
        for c in &tier.categories {
            assert!(s.facilities_per_category.contains_key(c), "{c}");
        }
    }
    assert_eq!(s.facilities_per_category["general_hospital"], 3);
    let roads = l.roads.as_deref().unwrap();
    assert_eq!(roads.len(), d.road_names.len());
    assert!(roads.iter().any(|r| r.oneway == Oneway::Forward));
    assert!(roads.iter().any(|r| r.oneway == Oneway::Backward));
    assert!(roads.iter().any(|r| r.maxspeed_kmh.is_some()));
    assert!(roads.iter().any(|r| r.highway.as_deref() == Some("track")));
    // Every rural road of the description found its way.
    let rural = roads.iter().filter(|r| {
        let class = r.highway.as_deref();
        class == Some("track") || class == Some("unclassified")
    });
    let described: usize = description().towns.iter().map(|t| t.spokes.0).sum();
    assert_eq!(rural.count(), described);
    assert_eq!(d.settlements.len(), s.residents);
}

#[test]
fn townships_tile_the_district_with_irregular_borders() {
    let towns = towns();
    // Every resident and facility lies in exactly one township.
    let l = &demo().layers;
    let points = l.residents.as_deref().unwrap().iter().map(|r| r.location.0);
    for c in points.chain(l.facilities.iter().map(|f| f.location.0)) {
        let q = metres(c);
        let inside = towns
            .iter()
            .filter(|t| Polygon::new(LineString::from((*t).clone()), vec![]).contains(&Point(q)))
            .count();
        assert_eq!(inside, 1, "{c:?}");
    }
    // Seats lie in their own townships; borders are not straight lines.
    for (k, t) in description().towns.iter().enumerate() {
        assert_eq!(township_of(t.seat, &towns), Some(k), "{}", t.name);
    }
    for t in &towns {
        assert!(t.len() > 40);
        let bends = t.windows(3).filter(|w| {
            let (a, b) = (w[1] - w[0], w[2] - w[1]);
            (a.x * b.y - a.y * b.x).abs() > 0.05 * (a.x.hypot(a.y) * b.x.hypot(b.y))
        });
        assert!(bends.count() > 10);
    }
}

#[test]
fn every_tier_has_blind_spots_in_some_townships_only() {
    let p = profile();
    let shares = complete_shares(1.0);
    // Within 2 % of the thresholds too, so that rounding cannot tip anybody.
    let strict = complete_shares(0.98);
    let desc = description();
    for (t, s) in DEMO_TOWNSHIPS.iter().zip(&shares) {
        eprintln!("{t}\t{s:.3?}");
    }
    for (ti, tier) in p.tiers.iter().enumerate() {
        let col: Vec<f64> = shares.iter().map(|s| s[ti]).collect();
        let full = col.iter().filter(|&&x| x == 1.0).count();
        let gaps = col.iter().filter(|&&x| x < 0.95).count();
        assert!(full >= 2 && gaps >= 2, "tier {}: {col:?}", tier.id);
        for (k, town) in desc.towns.iter().enumerate() {
            let designed = town.complete.contains(&tier.id);
            assert_eq!(
                col[k] == 1.0,
                designed,
                "tier {} in {}: {}",
                tier.id,
                town.name,
                col[k]
            );
            if designed {
                assert_eq!(strict[k][ti], 1.0, "tier {} in {}", tier.id, town.name);
            }
        }
    }
    // Lacking a required 15-minute category leaves the whole township short.
    let at = |name: &str| DEMO_TOWNSHIPS.iter().position(|&t| t == name).unwrap();
    for town in ["七里乡", "石室乡", "沟溪乡"] {
        assert_eq!(shares[at(town)][1], 0.0, "{town}");
    }
}

#[test]
fn only_the_hill_hamlets_are_out_of_reach() {
    let d = demo();
    let roads: Vec<Vec<P>> = d
        .layers
        .roads
        .as_deref()
        .unwrap()
        .iter()
        .map(|r| r.line.0.iter().map(|&c| metres(c)).collect())
        .collect();
    let towns = towns();
    let desc = description();
    let mut far = vec![0; towns.len()];
    for r in d.layers.residents.as_deref().unwrap() {
        let q = metres(r.location.0);
        if roads.iter().all(|l| line_dist(q, l) > 1_000.0) {
            far[township_of(q, &towns).unwrap()] += 1;
        } else {
            assert!(roads.iter().any(|l| line_dist(q, l) < 60.0), "{q:?}");
        }
    }
    let designed: Vec<usize> = desc.towns.iter().map(|t| t.hamlets).collect();
    assert_eq!(far, designed);
}

#[test]
fn town_residents_live_in_the_seats_and_villagers_outside() {
    let d = demo();
    let desc = description();
    let towns = towns();
    let residents = d.layers.residents.as_deref().unwrap();
    let mut people = vec![[0.0; 2]; towns.len()];
    for (r, s) in residents.iter().zip(&d.settlements) {
        let q = metres(r.location.0);
        let k = township_of(q, &towns).unwrap();
        let t = &desc.towns[k];
        let half = (t.grid.0.max(t.grid.1) as f64) * t.grid.2 * 0.75;
        match s {
            Settlement::Town => assert!(dist(q, t.seat) < half, "{}", t.name),
            Settlement::Village => assert!(dist(q, t.seat) > 500.0, "{}", t.name),
        }
        people[k][(*s == Settlement::Village) as usize] += r.population;
    }
    for (t, [town, village]) in desc.towns.iter().zip(people) {
        assert!(town > 0.0, "{}", t.name);
        assert_eq!(village > 0.0, t.spokes.0 > 0, "{}", t.name);
    }
}

/// Children 3–6 and the kindergarten standard the supply issue uses.
const CHILDREN_SHARE: f64 = 0.034;
const KINDERGARTEN_PER_1000: f64 = 1_000.0;

#[test]
fn kindergarten_capacities_leave_a_township_short_and_village_ones_under_used() {
    let d = demo();
    let towns = towns();
    let residents = d.layers.residents.as_deref().unwrap();
    let kgs: Vec<(P, f64)> = d
        .layers
        .facilities
        .iter()
        .filter(|f| f.category == "kindergarten")
        .map(|f| {
            (
                metres(f.location.0),
                f.capacity.expect("kindergartens have seats"),
            )
        })
        .collect();
    // 2SFCA with the 5-minute walk (300 m): a catchment lies within 300 m in
    // a straight line, so these bounds hold for the network catchments.
    let children_near = |q: P| -> f64 {
        residents
            .iter()
            .filter(|r| dist(metres(r.location.0), q) <= 300.0)
            .map(|r| r.population * CHILDREN_SHARE)
            .sum()
    };
    let under_used = kgs
        .iter()
        .filter(|&&(q, seats)| children_near(q) / seats < 0.5)
        .count();
    assert!(under_used >= 3, "{under_used}");
    // A township's supply cannot exceed the seats of the kindergartens
    // within 300 m of it.
    let mut short = Vec::new();
    for (k, t) in towns.iter().enumerate() {
        let children: f64 = residents
            .iter()
            .filter(|r| township_of(metres(r.location.0), &towns) == Some(k))
            .map(|r| r.population * CHILDREN_SHARE)
            .sum();
        let seats: f64 = kgs
            .iter()
            .filter(|&&(q, _)| township_of(q, &towns) == Some(k) || line_dist(q, t) < 300.0)
            .map(|kg| kg.1)
            .sum();
        if 1_000.0 * seats / children < 0.5 * KINDERGARTEN_PER_1000 {
            short.push(DEMO_TOWNSHIPS[k]);
        }
    }
    assert!(short.contains(&"航埠镇"), "{short:?}");
    // Other capacities are in their categories' units.
    for f in &d.layers.facilities {
        if let Some(c) = f.capacity {
            assert!(c > 0.0 && c.fract() == 0.0, "{}", f.name);
        }
    }
}

#[test]
fn townships_without_30_minute_services_are_served_by_their_neighbours() {
    let towns = towns();
    let at = |name: &str| DEMO_TOWNSHIPS.iter().position(|&t| t == name).unwrap();
    let own = |k: usize, categories: &[&str]| {
        demo()
            .layers
            .facilities
            .iter()
            .filter(|f| {
                categories.contains(&f.category.as_str())
                    && township_of(metres(f.location.0), &towns) == Some(k)
            })
            .count()
    };
    // 九华乡 has no hospital, yet every resident reaches a neighbour's.
    assert_eq!(own(at("九华乡"), &["general_hospital"]), 0);
    assert_eq!(complete_shares(1.0)[at("九华乡")][2], 1.0);
    // 石室乡 has neither hospital nor police station: most of its people
    // reach both in its neighbours within 30 minutes.
    assert_eq!(
        own(at("石室乡"), &["general_hospital", "police_station"]),
        0
    );
    let share = complete_shares(1.0)[at("石室乡")][2];
    assert!((0.75..1.0).contains(&share), "{share}");
}

/// The south-east (华墅乡, 万田乡) has no hospital or police station of
/// its own: 30-minute blind spots on both sides of their common border,
/// which joint sites (共建, issue 15) can serve together.
#[test]
fn the_south_east_shares_30_minute_blind_spots_across_a_border() {
    let p = profile();
    let a = assess(&demo().layers, &p, &Progress::new()).unwrap();
    let tier = &p.tiers[2];
    let at = |name: &str| DEMO_TOWNSHIPS.iter().position(|&t| t == name).unwrap() as u32;
    let minutes = a.minutes_for(tier, "general_hospital").unwrap();
    let gaps = |k: u32| -> Vec<P> {
        (a.demand.iter().zip(&a.resident_township).zip(minutes))
            .filter(|((_, t), m)| **t == Some(k) && (m.is_nan() || **m > tier.minutes as f32))
            .map(|((d, _), _)| metres(d.location.0))
            .collect()
    };
    let (huashu, wantian) = (gaps(at("华墅乡")), gaps(at("万田乡")));
    assert!(!huashu.is_empty() && !wantian.is_empty());
    // Some blind spots of the two lie within 8 km of each other.
    let near = huashu
        .iter()
        .any(|&q| wantian.iter().any(|&r| dist(q, r) < 8_000.0));
    assert!(near);
}

#[test]
fn the_river_is_crossed_only_by_county_roads() {
    let mut bridges = 0;
    for r in demo().layers.roads.as_deref().unwrap() {
        for s in r.line.0.windows(2) {
            let (a, b) = (metres(s[0]), metres(s[1]));
            if (a.y > river_y(a.x)) != (b.y > river_y(b.x)) {
                bridges += 1;
                let class = r.highway.as_deref().unwrap();
                assert!(
                    ["primary", "secondary", "tertiary"].contains(&class),
                    "{class}"
                );
            }
        }
    }
    assert!((3..=10).contains(&bridges), "{bridges}");
}

/// `lifecircle generate-demo` writes exactly the committed `data/` files.
#[test]
fn generate_demo_reproduces_the_committed_data() {
    let dir = std::env::temp_dir().join(format!("lifecircle-demo-{}", std::process::id()));
    let summary = write_demo(&dir).unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for (path, bytes) in &summary.files {
        let file = path.file_name().unwrap();
        let written = std::fs::read(path).unwrap();
        assert_eq!(written.len() as u64, *bytes);
        let committed = std::fs::read(data.join(file)).unwrap();
        assert!(
            written == committed,
            "{file:?} differs from data/: run the ignored regenerate_demo_files test"
        );
        let fc: geojson::FeatureCollection = String::from_utf8(written).unwrap().parse().unwrap();
        let note = fc.foreign_members.as_ref().unwrap()["note"]
            .as_str()
            .unwrap();
        assert!(note.contains("示意数据，非实测"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rewrites the committed demo files in `data/` (or in the directory named
/// by `LIFECIRCLE_DEMO_OUT`):
/// `cargo test --lib regenerate_demo_files -- --ignored`.
#[test]
#[ignore]
fn regenerate_demo_files() {
    let dir = std::env::var_os("LIFECIRCLE_DEMO_OUT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
        PathBuf::from,
    );
    let summary = write_demo(&dir).unwrap();
    eprintln!("{summary:#?}");
}

#[test]
fn the_road_network_is_one_connected_graph() {
    // Roads join where they share a vertex (METHOD.md step 2).
    let roads = demo().layers.roads.as_deref().unwrap();
    let mut id = std::collections::HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for r in roads {
        let mut prev = None;
        for c in &r.line.0 {
            let n = *id.entry((c.x.to_bits(), c.y.to_bits())).or_insert_with(|| {
                parent.push(parent.len());
                parent.len() - 1
            });
            if let Some(m) = prev {
                let (a, b) = (root(&mut parent, m), root(&mut parent, n));
                parent[a] = b;
            }
            prev = Some(n);
        }
    }
    let roots: BTreeSet<usize> = (0..parent.len()).map(|x| root(&mut parent, x)).collect();
    assert_eq!(roots.len(), 1, "{} separate networks", roots.len());
    // Every crossing of the seats' street grids joins its two streets.
    let mut uses = std::collections::HashMap::new();
    for r in roads {
        for c in &r.line.0 {
            *uses.entry((c.x.to_bits(), c.y.to_bits())).or_insert(0) += 1;
        }
    }
    let crossings: usize = (description().towns.iter())
        .map(|t| (t.grid.0 + 1) * (t.grid.1 + 1))
        .sum();
    assert!(uses.values().filter(|&&u| u >= 2).count() >= crossings);
}
