//! Tests of the budgeted plan: the greedy against exact enumeration on
//! small random instances, budgets, Suggest's order, and the figures of
//! every step against a real re-assessment.

use super::*;
use crate::analysis::{SuggestRequest, suggest_sites};
use crate::model::{CategoryInfo, Edit, Facility};

/// ½(1−1/e): the guarantee of the greedy plus the best single site.
const BOUND: f64 = 0.5 * (1.0 - 1.0 / std::f64::consts::E);

use crate::analysis::tests::Lcg;

/// A random instance: up to 12 sites over 1–3 slots (one tier), 8–30
/// residents, each uncovered in a slot with probability `gap`; a site
/// covers a random part of its slot's uncovered residents.
struct Instance {
    items: Vec<Item>,
    slots: usize,
    population: Arc<Vec<f64>>,
    missing: Vec<u8>,
    budget: f64,
}

fn instance(seed: u64, gap: f64, at_most_one_missing: bool) -> Instance {
    let mut rng = Lcg(seed * 7919 + 13);
    let slots = 1 + rng.below(3);
    let residents = 8 + rng.below(23);
    let population: Vec<f64> = (0..residents).map(|_| 1.0 + rng.below(50) as f64).collect();
    let mut uncovered = vec![vec![false; residents]; slots];
    let mut missing = vec![0u8; residents];
    for r in 0..residents {
        if at_most_one_missing {
            if rng.next() < gap {
                uncovered[rng.below(slots)][r] = true;
                missing[r] = 1;
            }
        } else {
            for s in uncovered.iter_mut() {
                if rng.next() < gap {
                    s[r] = true;
                    missing[r] += 1;
                }
            }
        }
    }
    let count = 2 + rng.below(11);
    let items: Vec<Item> = (0..count)
        .map(|_| {
            let slot = rng.below(slots);
            let p = 0.1 + 0.5 * rng.next();
            let covers = (0..residents as u32)
                .filter(|&r| uncovered[slot][r as usize] && rng.next() < p)
                .collect();
            Item {
                slot,
                covers,
                cost: 1.0 + rng.below(20) as f64,
                demand: 0.0,
            }
        })
        .collect();
    let total: f64 = items.iter().map(|i| i.cost).sum();
    let budget = (0.1 + 0.6 * rng.next()) * total;
    Instance {
        items,
        slots,
        population: Arc::new(population),
        missing,
        budget,
    }
}

impl Instance {
    fn ground(&self) -> Ground<'_> {
        Ground {
            items: &self.items,
            slots: self.slots,
            residents: self.population.len(),
            joint: None,
            start: None,
        }
    }
    fn covered(&self) -> PeopleCovered {
        PeopleCovered {
            weights: vec![self.population.clone(); self.slots],
        }
    }
    fn complete(&self) -> NewlyComplete {
        NewlyComplete {
            population: self.population.clone(),
            slot_tier: vec![0; self.slots],
            missing: vec![self.missing.clone()],
        }
    }
}

/// The objective's value of building `set` (in any order).
fn value_of<O: Objective>(ground: &Ground<'_>, objective: O, set: &[usize]) -> f64 {
    let mut state = Cover::new(ground, objective);
    let mut buf = Vec::new();
    let mut total = 0.0;
    for &i in set {
        total += state.gain(ground, &ground.items[i], &mut buf);
        state.add(&ground.items[i], &mut buf);
    }
    total
}

/// The best value within `budget`, by enumerating every subset.
fn exact<O: Objective>(ground: &Ground<'_>, objective: &O, budget: f64) -> f64 {
    let m = ground.items.len();
    let mut best = 0.0f64;
    for mask in 0u32..(1 << m) {
        let set: Vec<usize> = (0..m).filter(|i| mask & (1 << i) != 0).collect();
        let cost: f64 = set.iter().map(|&i| ground.items[i].cost).sum();
        if cost <= budget {
            best = best.max(value_of(ground, objective.clone(), &set));
        }
    }
    best
}

/// Runs the plan on one phase and checks it: within budget, the reported
/// gains are the set's value, never above the optimum. Returns plan/optimum.
fn ratio<O: Objective>(inst: &Instance, objective: O) -> f64 {
    let ground = inst.ground();
    let picks = plan_phases(&ground, objective.clone(), &[inst.budget]);
    let p = &picks[0];
    let cost: f64 = p.items.iter().map(|&i| inst.items[i].cost).sum();
    assert!(cost <= inst.budget + 1e-9, "{cost} > {}", inst.budget);
    let value = value_of(&ground, objective.clone(), &p.items);
    assert!((value - p.value()).abs() < 1e-9);
    let best = exact(&ground, &objective, inst.budget);
    assert!(
        value <= best + 1e-9,
        "plan {value} above the optimum {best}"
    );
    if best > 0.0 { value / best } else { 1.0 }
}

/// People newly covered is monotone submodular: the plan is within
/// ½(1−1/e) of the exact optimum on every one of 300 random instances.
#[test]
fn people_covered_is_within_the_bound_of_the_exact_optimum() {
    let mut worst = f64::INFINITY;
    for seed in 0..300 {
        let inst = instance(seed, 0.5, false);
        let r = ratio(&inst, inst.covered());
        assert!(r >= BOUND, "seed {seed}: ratio {r} below {BOUND}");
        worst = worst.min(r);
    }
    println!("people covered: worst plan/optimum over 300 instances {worst:.4} (bound {BOUND:.4})");
    assert!(worst < 1.0 + 1e-12);
}

/// Newly complete residents, each missing at most one required category:
/// the objective is then a weighted coverage and the bound holds. With
/// residents missing several categories it is not submodular: the worst
/// ratio is reported, and only "never above the optimum" is asserted.
#[test]
fn newly_complete_is_within_the_bound_only_where_proven() {
    let mut worst_one = f64::INFINITY;
    for seed in 0..250 {
        let inst = instance(seed, 0.6, true);
        let r = ratio(&inst, inst.complete());
        assert!(r >= BOUND, "seed {seed}: ratio {r} below {BOUND}");
        worst_one = worst_one.min(r);
    }
    let mut worst_many = f64::INFINITY;
    let mut below = 0;
    for seed in 0..250 {
        let inst = instance(seed + 1000, 0.5, false);
        let r = ratio(&inst, inst.complete());
        worst_many = worst_many.min(r);
        below += usize::from(r < BOUND);
    }
    println!(
        "newly complete: worst plan/optimum {worst_one:.4} (at most one category missing, 250 \
         instances); {worst_many:.4} with several missing ({below} of 250 below the bound, \
         which is not claimed there)"
    );
}

/// Group demand brought up to the standard, each site's capacity shared by
/// everyone it reaches: monotone submodular, so the plan is within
/// ½(1−1/e) of the exact optimum on every one of 250 random instances.
#[test]
fn group_served_is_within_the_bound_of_the_exact_optimum() {
    let mut worst = f64::INFINITY;
    for seed in 0..250 {
        let mut inst = instance(seed + 3000, 0.5, false);
        let mut rng = Lcg(seed + 77);
        let n = inst.population.len();
        // A site reaches anybody, covered or not; its demand is its reach's.
        for item in &mut inst.items {
            item.covers = (0..n as u32).filter(|_| rng.next() < 0.4).collect();
            item.demand = item
                .covers
                .iter()
                .map(|&r| inst.population[r as usize])
                .sum::<f64>()
                * (1.0 + rng.next());
        }
        let need = (0..inst.slots)
            .map(|_| {
                Some(StandardNeed {
                    standard: 50.0 + rng.below(1000) as f64,
                    capacity: 1.0 + rng.below(40) as f64,
                    met: (0..n).map(|_| 1.2 * rng.next()).collect(),
                })
            })
            .collect();
        let objective = GroupServed {
            weights: vec![inst.population.clone(); inst.slots],
            need,
        };
        let r = ratio(&inst, objective);
        assert!(r >= BOUND, "seed {seed}: ratio {r} below {BOUND}");
        worst = worst.min(r);
    }
    println!("group served: worst plan/optimum over 250 instances {worst:.4} (bound {BOUND:.4})");
}

/// Several phases: each phase's cost within its own budget, and the phases
/// filled in order of benefit per cost (a phase's first site has the best
/// ratio among what it could afford then).
#[test]
fn phases_keep_their_budgets_and_order() {
    let mut checked = 0;
    for seed in 0..200 {
        let inst = instance(seed + 5000, 0.5, false);
        let ground = inst.ground();
        let budgets = [inst.budget * 0.3, inst.budget * 0.2, inst.budget * 0.5];
        let picks = plan_phases(&ground, inst.covered(), &budgets);
        assert_eq!(picks.len(), 3);
        let mut all: Vec<usize> = Vec::new();
        for (p, &b) in picks.iter().zip(&budgets) {
            let cost: f64 = p.items.iter().map(|&i| inst.items[i].cost).sum();
            assert!(cost <= b + 1e-9, "seed {seed}: phase cost {cost} > {b}");
            for (g, i) in p.gains.windows(2).zip(p.items.windows(2)) {
                let r0 = g[0] / inst.items[i[0]].cost;
                let r1 = g[1] / inst.items[i[1]].cost;
                // Marginal ratios fall along a phase (submodular objective).
                assert!(r1 <= r0 + 1e-9, "seed {seed}: ratios {r0} then {r1}");
                checked += 1;
            }
            for &i in &p.items {
                assert!(!all.contains(&i), "seed {seed}: site {i} built twice");
                all.push(i);
            }
            assert!(p.gains.iter().all(|&g| g > 0.0));
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn phases_parse_and_must_add_up_to_the_budget() {
    let p = parse_phases(3000.0, Some("近期:1000，中期：1000, 远期:1000"), "全期").unwrap();
    assert_eq!(
        p.iter()
            .map(|p| (p.name.as_str(), p.budget))
            .collect::<Vec<_>>(),
        [("近期", 1000.0), ("中期", 1000.0), ("远期", 1000.0)]
    );
    assert_eq!(parse_phases(500.0, None, "全期").unwrap()[0].name, "全期");
    for (budget, phases, named) in [
        (-1.0, None, "budget -1"),
        (f64::NAN, None, "budget NaN"),
        (3000.0, Some("近期:1000,远期:1000"), "add up to 2000"),
        (3000.0, Some("近期:1000,近期:2000"), "two phases"),
        (3000.0, Some("近期 1000"), "NAME:AMOUNT"),
        (3000.0, Some("近期:lots"), "not a number"),
        (3000.0, Some("近期:-1000,远期:4000"), "at least 0"),
        (3000.0, Some(":3000"), "no name"),
    ] {
        let err = parse_phases(budget, phases, "全期").unwrap_err();
        assert!(err.contains(named), "{phases:?}: {err}");
    }
}

fn live_case(seed: u64, unit_costs: &[(&str, f64)]) -> LiveAssessment {
    let (layers, mut profile) = crate::analysis::tests::random_case(seed);
    profile.categories = unit_costs
        .iter()
        .map(|&(id, cost)| CategoryInfo {
            id: id.into(),
            unit_cost: Some(cost),
            ..CategoryInfo::default()
        })
        .collect();
    LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap()
}

fn request(tier: usize, phases: &[(&str, f64)]) -> PlanRequest {
    PlanRequest {
        tiers: vec![tier],
        township: None,
        joint: false,
        phases: phases
            .iter()
            .map(|&(n, b)| PlanPhase {
                name: n.into(),
                budget: b,
            })
            .collect(),
        objective: PlanObjective::PeopleCovered,
        max_candidates: 10_000,
        capacity: None,
    }
}

/// With an unlimited budget and equal unit costs, the plan builds Suggest's
/// sites in Suggest's order with Suggest's gains.
#[test]
fn unlimited_equal_costs_follow_suggest() {
    let mut compared = 0;
    for seed in [2u64, 4, 6, 9] {
        let live = live_case(seed, &[("a", 100.0), ("b", 100.0)]);
        for tier in 0..3 {
            let categories = live.profile.tiers[tier].categories.clone();
            let plan = plan(&live, &request(tier, &[("all", 1e9)]), &Progress::new()).unwrap();
            let suggested = suggest_sites(
                &live,
                &SuggestRequest {
                    tier,
                    categories,
                    k: 10_000,
                    township: None,
                    max_candidates: 10_000,
                },
                &Progress::new(),
            )
            .unwrap();
            assert_eq!(plan.steps.len(), suggested.len(), "seed {seed} tier {tier}");
            for (s, g) in plan.steps.iter().zip(&suggested) {
                assert_eq!(s.category, g.category);
                assert_eq!(s.location, g.location);
                assert!((s.gain - g.gained).abs() < 1e-9);
                assert_eq!(s.gain_by_township, g.gain_by_township);
                compared += 1;
            }
        }
    }
    assert!(compared >= 10, "{compared}");
}

/// Every step's figures against a real re-assessment with the sites built:
/// the complete share after each step (residents outside every township
/// included, as in the district figures), the people newly covered per
/// township; budgets kept; the complete share never falls.
#[test]
fn steps_match_a_reassessment_and_keep_the_budget() {
    let mut steps = 0;
    for seed in [1u64, 3, 5, 7] {
        for objective in PlanObjective::ALL {
            let mut live = live_case(seed, &[("a", 120.0), ("b", 70.0)]);
            for tier in [0usize, 2] {
                let mut req = request(tier, &[("近期", 200.0), ("远期", 300.0)]);
                req.objective = objective;
                let plan = plan(&live, &req, &Progress::new()).unwrap();
                let report = |l: &LiveAssessment| l.assessment().report.total.tiers[tier].clone();
                assert!((plan.start_share[0] - report(&live).complete_share).abs() < 1e-12);
                assert!(plan.spent() <= plan.budget() + 1e-9);
                for ph in &plan.phases {
                    assert!(ph.spent <= ph.budget + 1e-9, "{ph:?}");
                }
                let mut share = plan.start_share[0];
                // Demand covered per township (the district total also
                // counts residents outside every township).
                let per_township = |l: &LiveAssessment, c: &str| -> Vec<f64> {
                    l.assessment()
                        .report
                        .townships
                        .iter()
                        .map(|t| {
                            t.figures.tiers[tier]
                                .category(c)
                                .unwrap()
                                .covered_population
                        })
                        .collect()
                };
                for s in &plan.steps {
                    let before = per_township(&live, &s.category);
                    let id = live.next_id();
                    live.apply(&Edit::Add {
                        id,
                        facility: Facility {
                            category: s.category.clone(),
                            name: format!("plan {}", s.step),
                            capacity: None,
                            location: s.location,
                        },
                    })
                    .unwrap();
                    let after = report(&live);
                    assert!(
                        (after.complete_share - s.complete_share).abs() < 1e-9,
                        "seed {seed} tier {tier} step {}: real {} claimed {}",
                        s.step,
                        after.complete_share,
                        s.complete_share
                    );
                    assert!(s.complete_share >= share - 1e-12);
                    share = s.complete_share;
                    let now = per_township(&live, &s.category);
                    for (t, (n, b)) in now.iter().zip(&before).enumerate() {
                        let claimed = s
                            .gain_by_township
                            .iter()
                            .find(|g| g.0 as usize == t)
                            .map_or(0.0, |g| g.1);
                        assert!((n - b - claimed).abs() < 1e-9, "{} vs {claimed}", n - b);
                    }
                    let gained: f64 = now.iter().sum::<f64>() - before.iter().sum::<f64>();
                    if objective == PlanObjective::PeopleCovered {
                        assert!((s.gain - gained).abs() < 1e-9);
                    }
                    steps += 1;
                }
                // The next tier plans from the layout with these sites.
            }
        }
    }
    assert!(steps >= 10, "{steps}");
}

#[test]
fn a_category_without_cost_or_default_is_named() {
    let live = live_case(2, &[("a", 100.0)]);
    let err = plan(&live, &request(0, &[("all", 100.0)]), &Progress::new()).unwrap_err();
    let PlanError::Invalid(problems) = err else {
        panic!("{err:?}")
    };
    assert!(
        problems
            .iter()
            .any(|p| p.contains("\"b\"") && p.contains("unit_cost")),
        "{problems:?}"
    );
    let mut bad = request(1, &[("近期", -5.0)]);
    bad.tiers.push(9);
    let err = plan(&live, &bad, &Progress::new()).unwrap_err().to_string();
    assert!(
        err.contains("近期") && err.contains("tier number 9"),
        "{err}"
    );
}

/// Group demand brought up to the standard, against the assessment's own
/// two-step floating catchment after each site is really built: every
/// step's gain is the real change of `Σ g_i·min(1, 1000·A_i/standard)`.
#[test]
fn group_served_gains_match_the_reassessed_capacity_figures() {
    let mut checked = 0;
    for seed in [1u64, 3, 5] {
        let (layers, mut profile) = crate::analysis::tests::random_case(seed);
        profile.categories = vec![
            CategoryInfo {
                id: "a".into(),
                unit_cost: Some(100.0),
                standard_per_1000: Some(200.0),
                default_capacity: Some(4.0),
                ..CategoryInfo::default()
            },
            CategoryInfo {
                id: "b".into(),
                unit_cost: Some(70.0),
                ..CategoryInfo::default()
            },
        ];
        let mut live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
        let tier = 0;
        let mut req = request(tier, &[("近期", 300.0), ("远期", 300.0)]);
        req.objective = PlanObjective::GroupServed;
        let plan = plan(&live, &req, &Progress::new()).unwrap();
        assert!(plan.bound_holds);
        let served = |l: &LiveAssessment| -> f64 {
            let a = l.assessment();
            let t = a
                .capacity
                .iter()
                .find(|t| t.tier == tier && t.category == "a")
                .unwrap();
            a.demand
                .iter()
                .zip(&t.access)
                .zip(&a.resident_township)
                .filter(|(_, t)| t.is_some())
                .map(|((r, x), _)| r.population * (1000.0 * x / 200.0).min(1.0))
                .sum()
        };
        for s in &plan.steps {
            let before = served(&live);
            let id = live.next_id();
            live.apply(&Edit::Add {
                id,
                facility: Facility {
                    category: s.category.clone(),
                    name: format!("plan {}", s.step),
                    capacity: None,
                    location: s.location,
                },
            })
            .unwrap();
            if s.category == "a" {
                let real = served(&live) - before;
                assert!(
                    (real - s.gain).abs() < 1e-6,
                    "seed {seed} step {}: real {real}, claimed {}",
                    s.step,
                    s.gain
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "{checked} steps of a checked");
}
