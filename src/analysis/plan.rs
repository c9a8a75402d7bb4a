//! The budgeted, phased plan (建设时序): which new facilities to build, in
//! which order, within a budget split into phases (近期/中期/远期), chosen
//! among the same candidate sites as Suggest. Suggest caps the number of
//! sites; a district's purse caps the money, so each site here has a cost
//! (the profile's `unit_cost`, see `model::costs`).
//!
//! Method (budgeted maximum coverage): each phase, in turn, with the sites
//! of the earlier phases built, takes the better of (a) cost-effectiveness
//! greedy — repeatedly the affordable site of the highest gain per 万元 —
//! and (b) the best single affordable site followed by the same greedy on
//! what is left. For a monotone submodular objective this is within
//! ½(1−1/e) ≈ 0.316 of the best set the phase's money can buy (Khuller,
//! Moss & Naor 1999; Leskovec et al. 2007, who also give the lazy
//! evaluation used here). The default objective, demand newly covered
//! summed over the tier's required categories, is monotone submodular
//! (a weighted coverage), and so is group demand brought up to the
//! 千人指标 standard by the new capacity (a sum of concave functions of
//! additive ones). Newly complete residents is not when residents
//! miss several categories (a site of one category gains nothing until the
//! others are there), so for it the greedy re-evaluates every site at each
//! step and no bound is claimed; it is submodular, and the bound holds,
//! when every resident misses at most one required category. Joint sites
//! (共建) keep a gain only when it spans two townships: no bound is claimed.
//! Whatever the objective, the complete share of each tier is reported
//! after every step.
//!
//! A category required by two planned tiers is planned per tier: a site's
//! effect on the other tier is not counted (the default profile has no
//! such category).
//!
//! Layer: `analysis`; below `report`, `state`, `ui`, `cli`.

use super::suggest::{Reached, candidate_sites};
use super::{Cancelled, LiveAssessment, Progress, TownshipIndex};
use geo::Point;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// One phase of the plan: its name (近期, 中期 …) and its money in 万元.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanPhase {
    pub name: String,
    pub budget: f64,
}

/// What the plan maximises; each is an `Objective`, and further ones plug
/// in the same way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlanObjective {
    /// Demand newly covered (each category's group, or everyone — as
    /// Suggest counts it), summed over the tier's required categories
    /// (monotone submodular: the ½(1−1/e) bound holds).
    #[default]
    PeopleCovered,
    /// Residents newly complete (every required category in reach).
    NewlyComplete,
    /// Group demand brought up to the standard (千人指标): a new facility's
    /// capacity is shared by all the group demand within its reach, as the
    /// two-step floating catchment measures every facility (as `suggest
    /// --capacity`); categories without a standard count the group demand
    /// newly covered. Monotone submodular: the bound holds.
    GroupServed,
}

impl PlanObjective {
    pub const ALL: [PlanObjective; 3] = [
        PlanObjective::PeopleCovered,
        PlanObjective::NewlyComplete,
        PlanObjective::GroupServed,
    ];

    /// The id used on the command line and in files.
    pub fn id(self) -> &'static str {
        match self {
            PlanObjective::PeopleCovered => "covered",
            PlanObjective::NewlyComplete => "complete",
            PlanObjective::GroupServed => "served",
        }
    }

    /// By id, as [`PlanObjective::id`] gives it.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.id() == id)
    }
}

/// What to plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRequest {
    /// Indices into the profile's tiers; their required categories are planned.
    pub tiers: Vec<usize>,
    /// Only sites inside this township.
    pub township: Option<u32>,
    /// Joint sites (共建): a site's gain counts only when the people it
    /// newly covers live in two or more townships.
    pub joint: bool,
    /// The phases in order; the budget is their sum.
    pub phases: Vec<PlanPhase>,
    pub objective: PlanObjective,
    /// Candidates per (tier, category) are thinned to at most this many.
    pub max_candidates: usize,
    /// With [`PlanObjective::GroupServed`]: the capacity of a new facility
    /// of a category with a standard but no `default_capacity`.
    pub capacity: Option<f64>,
}

/// One new facility of the plan, in the order built.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanStep {
    /// Index into the phases.
    pub phase: usize,
    /// 1 for the first site of the whole plan.
    pub step: usize,
    /// Index into the profile's tiers.
    pub tier: usize,
    pub category: String,
    pub location: Point<f64>,
    /// Township containing the site.
    pub township: Option<u32>,
    /// 万元.
    pub cost: f64,
    /// Whether the cost is the proposed default (提议值).
    pub cost_proposed: bool,
    /// The objective's gain from this site, the sites before it built.
    pub gain: f64,
    /// Demand newly covered for the category (its group's people, or
    /// everyone), per township (township index, people), townships in file
    /// order.
    pub gain_by_township: Vec<(u32, f64)>,
    /// 万元 spent up to and including this site.
    pub cumulative_cost: f64,
    /// The district's complete share of the step's tier after this site, 0–1.
    pub complete_share: f64,
}

/// How a phase went.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseOutcome {
    pub name: String,
    pub budget: f64,
    /// 万元 spent in the phase (never above `budget`).
    pub spent: f64,
    /// The objective's gain over the phase.
    pub gain: f64,
    /// Whether the phase starts from the best single site (option b of the
    /// method) because that beat the plain greedy.
    pub from_best_single: bool,
}

/// A budgeted, phased plan (see module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub steps: Vec<PlanStep>,
    pub phases: Vec<PhaseOutcome>,
    /// The planned tiers (indices into the profile's tiers).
    pub tiers: Vec<usize>,
    /// The complete share of each planned tier before the plan, in `tiers` order.
    pub start_share: Vec<f64>,
    pub objective: PlanObjective,
    /// Whether the ½(1−1/e) guarantee applies (submodular objective, not joint).
    pub bound_holds: bool,
    /// Candidate sites considered.
    pub candidates: usize,
}

impl Plan {
    /// The whole budget (the phases' sum), 万元.
    pub fn budget(&self) -> f64 {
        self.phases.iter().map(|p| p.budget).sum()
    }

    /// 万元 spent by the whole plan.
    pub fn spent(&self) -> f64 {
        self.steps.last().map_or(0.0, |s| s.cumulative_cost)
    }

    /// The curve of a planned tier's complete share against cumulative
    /// cost: (万元, share 0–1), from (0, the share now) through every step
    /// (steps of other tiers keep the share and move the cost).
    pub fn curve(&self, tier: usize) -> Vec<[f64; 2]> {
        let Some(pos) = self.tiers.iter().position(|&t| t == tier) else {
            return Vec::new();
        };
        let mut share = self.start_share[pos];
        let mut points = vec![[0.0, share]];
        for s in &self.steps {
            if s.tier == tier {
                share = s.complete_share;
            }
            points.push([s.cumulative_cost, share]);
        }
        points
    }
}

/// Parse phases `近期:1000,中期:1000,远期:1000` (万元) and check them against
/// the budget: every amount a number of at least 0, names unique and not
/// empty, and the amounts adding up to the budget. Without phases the whole
/// budget is one phase named `single`.
pub fn parse_phases(
    budget: f64,
    phases: Option<&str>,
    single: &str,
) -> Result<Vec<PlanPhase>, String> {
    if !(budget.is_finite() && budget >= 0.0) {
        return Err(format!(
            "the budget {budget} must be a number of at least 0 (万元)"
        ));
    }
    let Some(text) = phases.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(vec![PlanPhase {
            name: single.to_string(),
            budget,
        }]);
    };
    let mut out: Vec<PlanPhase> = Vec::new();
    for part in text.split([',', '，']) {
        let part = part.trim();
        let Some((name, amount)) = part.split_once([':', '：']) else {
            return Err(format!(
                "phase {part:?} must be NAME:AMOUNT, e.g. 近期:1000 (万元)"
            ));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("phase {part:?} has no name"));
        }
        if out.iter().any(|p| p.name == name) {
            return Err(format!("two phases are named {name:?}"));
        }
        let amount: f64 = amount
            .trim()
            .parse()
            .map_err(|_| format!("phase {name:?}: amount {:?} is not a number", amount.trim()))?;
        if !(amount.is_finite() && amount >= 0.0) {
            return Err(format!(
                "phase {name:?}: amount {amount} must be a number of at least 0"
            ));
        }
        out.push(PlanPhase {
            name: name.to_string(),
            budget: amount,
        });
    }
    let sum: f64 = out.iter().map(|p| p.budget).sum();
    if (sum - budget).abs() > 1e-6 * budget.max(1.0) {
        return Err(format!(
            "the phases add up to {sum} 万元, not the budget {budget} 万元"
        ));
    }
    Ok(out)
}

/// Why no plan was made.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanError {
    /// The request cannot be planned: every problem, each naming what is wrong.
    Invalid(Vec<String>),
    Cancelled,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Invalid(problems) => f.write_str(&problems.join("; ")),
            PlanError::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl From<Cancelled> for PlanError {
    fn from(_: Cancelled) -> Self {
        PlanError::Cancelled
    }
}

/// Plan new facilities within the request's phases (see module docs).
/// Every problem of the request (no tier, a phase's budget, a category
/// without cost and no default) is reported before any work.
pub fn plan(
    live: &LiveAssessment,
    request: &PlanRequest,
    progress: &Progress,
) -> Result<Plan, PlanError> {
    let profile = &live.profile;
    let mut problems = Vec::new();
    if request.tiers.is_empty() {
        problems.push("no tier to plan".to_string());
    }
    for &t in &request.tiers {
        if profile.tiers.get(t).is_none() {
            problems.push(format!("no tier number {t} in the profile"));
        }
    }
    if request.phases.is_empty() {
        problems.push("the plan has no phase".to_string());
    }
    for p in &request.phases {
        if !(p.budget.is_finite() && p.budget >= 0.0) {
            problems.push(format!(
                "phase {:?}: budget {} must be a number of at least 0 (万元)",
                p.name, p.budget
            ));
        }
    }
    let mut costs: Vec<Vec<(f64, bool)>> = Vec::new();
    for &t in &request.tiers {
        let Some(tier) = profile.tiers.get(t) else {
            continue;
        };
        let mut row = Vec::new();
        for c in &tier.categories {
            match profile.new_facility_cost(c) {
                Ok(cost) => row.push((cost.wan_yuan, cost.proposed)),
                Err(e) => {
                    if !problems.contains(&e) {
                        problems.push(e);
                    }
                }
            }
        }
        costs.push(row);
    }
    if let Some(c) = request.capacity.filter(|c| !(c.is_finite() && *c > 0.0)) {
        problems.push(format!("capacity {c} must be a positive number"));
    }
    if request.objective == PlanObjective::GroupServed {
        for &t in &request.tiers {
            let Some(tier) = profile.tiers.get(t) else {
                continue;
            };
            for c in &tier.categories {
                let info = profile.category_info(c);
                if info.and_then(|i| i.standard_per_1000).is_some()
                    && new_capacity(profile, c, request.capacity).is_none()
                {
                    let e = format!(
                        "category {c:?} has a standard but no default_capacity: give it one in \
                         the profile, or a capacity for new facilities (--capacity)"
                    );
                    if !problems.contains(&e) {
                        problems.push(e);
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(PlanError::Invalid(problems));
    }
    Ok(plan_checked(live, request, &costs, progress)?)
}

/// The capacity of a new facility of `category`: its `default_capacity`,
/// else the request's.
fn new_capacity(
    profile: &crate::model::Profile,
    category: &str,
    given: Option<f64>,
) -> Option<f64> {
    profile
        .category_info(category)
        .and_then(|c| c.default_capacity)
        .filter(|c| c.is_finite() && *c > 0.0)
        .or(given)
}

fn plan_checked(
    live: &LiveAssessment,
    request: &PlanRequest,
    costs: &[Vec<(f64, bool)>],
    progress: &Progress,
) -> Result<Plan, Cancelled> {
    let profile = &live.profile;
    let a = live.assessment();
    let population: Arc<Vec<f64>> = Arc::new(a.demand.iter().map(|r| r.population).collect());
    let n = population.len();
    // Slots: (planned tier position, category) pairs, tier by tier.
    let mut slot_tier: Vec<usize> = Vec::new();
    let mut slot_category: Vec<&str> = Vec::new();
    let mut slot_cost: Vec<(f64, bool)> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    let mut item_lonlat: Vec<[f64; 2]> = Vec::new();
    let mut missing: Vec<Vec<u8>> = Vec::new();
    // Per slot: who is covered now (a site's list may hold anybody it reaches).
    let mut start_covered: Vec<Vec<bool>> = Vec::new();
    // Per slot: the demand weight of each resident (group population, or
    // population; outside every township too).
    let mut raw_weights: Vec<&[f64]> = Vec::new();
    let reached = if request.objective == PlanObjective::GroupServed {
        Reached::Everyone
    } else {
        Reached::Uncovered
    };
    for (pos, &t) in request.tiers.iter().enumerate() {
        let tier = &profile.tiers[t];
        let limit = tier.minutes as f32;
        // Required categories each resident of a township misses.
        let mut miss = vec![0u8; n];
        for c in &tier.categories {
            let column = a.minutes_for(tier, c);
            for (r, m) in miss.iter_mut().enumerate() {
                if column.is_none_or(|col| col[r] > limit) {
                    *m = m.saturating_add(1);
                }
            }
        }
        missing.push(miss);
        let base = slot_tier.len();
        for (ci, c) in tier.categories.iter().enumerate() {
            slot_tier.push(pos);
            slot_category.push(c);
            slot_cost.push(costs[pos][ci]);
            let column = a.minutes_for(tier, c);
            start_covered.push(
                (0..n)
                    .map(|r| column.is_some_and(|col| col[r] <= limit))
                    .collect(),
            );
            raw_weights.push(live.study.areas_of(profile, c).weights());
        }
        let found = candidate_sites(
            live,
            t,
            &tier.categories,
            request.township,
            request.max_candidates,
            reached,
            progress,
        )?;
        for c in found {
            let slot = base + c.category;
            let demand = c
                .covers
                .iter()
                .fold(0.0, |d, &r| d + raw_weights[slot][r as usize]);
            items.push(Item {
                slot,
                covers: c.covers,
                cost: costs[pos][c.category].0,
                demand,
            });
            item_lonlat.push(c.lonlat);
        }
    }
    progress.phase("plan", 0.9);
    // The district's complete share counts residents outside every
    // township too (METHOD 16), and a site may complete them; the demand
    // objective, like Suggest, counts only the townships' people.
    let district_population: f64 = population.iter().sum();
    // Demand per slot: the category's group population, or the population
    // (METHOD 12), 0 outside every township; shared between equal slots.
    let mut slot_weights: Vec<Arc<Vec<f64>>> = Vec::new();
    for c in &slot_category {
        let w: Vec<f64> = live
            .study
            .areas_of(profile, c)
            .weights()
            .iter()
            .zip(&a.resident_township)
            .map(|(w, t)| if t.is_some() { *w } else { 0.0 })
            .collect();
        let known = slot_weights.iter().find(|k| k.as_slice() == w).cloned();
        slot_weights.push(known.unwrap_or_else(|| Arc::new(w)));
    }
    // The complete share along the plan, whatever the objective.
    let tracker_objective = NewlyComplete {
        population: population.clone(),
        slot_tier: slot_tier.clone(),
        missing: missing.clone(),
    };
    let start_complete: Vec<f64> = missing
        .iter()
        .map(|miss| {
            miss.iter()
                .zip(population.iter())
                .filter(|(m, _)| **m == 0)
                .map(|(_, p)| p)
                .sum()
        })
        .collect();
    let share_of = |c: f64| {
        if district_population > 0.0 {
            c / district_population
        } else {
            0.0
        }
    };
    let townships: &[Option<u32>] = &a.resident_township;
    let ground = Ground {
        items: &items,
        slots: slot_tier.len(),
        residents: n,
        joint: request.joint.then_some(townships),
        start: Some(&start_covered),
    };
    let budgets: Vec<f64> = request.phases.iter().map(|p| p.budget).collect();
    let (phases_picked, bound_holds) = match request.objective {
        PlanObjective::PeopleCovered => {
            let objective = PeopleCovered {
                weights: slot_weights.clone(),
            };
            let holds = objective.submodular() && !request.joint;
            (plan_phases(&ground, objective, &budgets), holds)
        }
        PlanObjective::NewlyComplete => (
            plan_phases(&ground, tracker_objective.clone(), &budgets),
            false,
        ),
        PlanObjective::GroupServed => {
            let need = slot_category
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let t = request.tiers[slot_tier[k]];
                    let standard = profile.category_info(c)?.standard_per_1000?;
                    let capacity = new_capacity(profile, c, request.capacity)?;
                    let met = match a.capacity.iter().find(|x| x.tier == t && x.category == *c) {
                        Some(table) => table
                            .access
                            .iter()
                            .map(|x| 1000.0 * x / table.standard_per_1000)
                            .collect(),
                        None => vec![0.0; n],
                    };
                    Some(StandardNeed {
                        standard,
                        capacity,
                        met,
                    })
                })
                .collect();
            let objective = GroupServed {
                weights: slot_weights.clone(),
                need,
            };
            let holds = !request.joint;
            (plan_phases(&ground, objective, &budgets), holds)
        }
    };
    // Replay the picks to record each step's figures.
    let index = TownshipIndex::new(&live.study.townships);
    let mut tracker = Cover::new(&ground, tracker_objective);
    let mut complete = start_complete.clone();
    let mut steps = Vec::new();
    let mut phases = Vec::new();
    let mut cumulative = 0.0;
    let mut buf = Vec::new();
    for (pi, picked) in phases_picked.iter().enumerate() {
        let mut spent = 0.0;
        for (k, &i) in picked.items.iter().enumerate() {
            let item = &items[i];
            tracker.newly(item, &mut buf);
            let mut by_township: Vec<(u32, f64)> = Vec::new();
            for &r in &buf {
                if let Some(t) = townships[r as usize] {
                    match by_township.iter_mut().find(|p| p.0 == t) {
                        Some(p) => p.1 += slot_weights[item.slot][r as usize],
                        None => by_township.push((t, slot_weights[item.slot][r as usize])),
                    }
                }
            }
            by_township.sort_by_key(|p| p.0);
            let pos = slot_tier[item.slot];
            complete[pos] += tracker.objective.gain(item, &buf);
            tracker.add(item, &mut buf);
            cumulative += item.cost;
            spent += item.cost;
            let lonlat = item_lonlat[i];
            steps.push(PlanStep {
                phase: pi,
                step: steps.len() + 1,
                tier: request.tiers[pos],
                category: slot_category[item.slot].to_string(),
                location: Point::new(lonlat[0], lonlat[1]),
                township: index.locate(lonlat),
                cost: item.cost,
                cost_proposed: slot_cost[item.slot].1,
                gain: picked.gains[k],
                gain_by_township: by_township,
                cumulative_cost: cumulative,
                complete_share: share_of(complete[pos]),
            });
        }
        phases.push(PhaseOutcome {
            name: request.phases[pi].name.clone(),
            budget: request.phases[pi].budget,
            spent,
            gain: picked.gains.iter().sum(),
            from_best_single: picked.from_best_single,
        });
    }
    progress.phase("done", 1.0);
    Ok(Plan {
        steps,
        phases,
        tiers: request.tiers.clone(),
        start_share: start_complete.iter().map(|&c| share_of(c)).collect(),
        objective: request.objective,
        bound_holds,
        candidates: items.len(),
    })
}

/// A candidate site in the abstract: the slot (tier, category) it serves,
/// the residents not yet covered there whom it would cover, its cost.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Item {
    pub slot: usize,
    pub covers: Vec<u32>,
    pub cost: f64,
    /// `D_s`: the demand weight of everyone in `covers` (for the capacity
    /// objective, whose sites' lists hold everyone they reach).
    pub demand: f64,
}

/// The instance the greedy works on.
pub(crate) struct Ground<'a> {
    pub items: &'a [Item],
    pub slots: usize,
    pub residents: usize,
    /// With joint sites: every resident's township.
    pub joint: Option<&'a [Option<u32>]>,
    /// Per slot, who is covered before the plan (`None`: nobody).
    pub start: Option<&'a [Vec<bool>]>,
}

/// The value of what the plan builds, as gains of one site at a time.
pub(crate) trait Objective: Clone {
    /// Gain of building `item` (of `item.slot`), which newly covers `new`
    /// (residents not covered before).
    fn gain(&self, item: &Item, new: &[u32]) -> f64;
    /// Record that `item` is built and `new` are now covered.
    fn add(&mut self, item: &Item, new: &[u32]);
    /// Whether gains only fall as sites are added (monotone submodular):
    /// then the lazy evaluation is exact and the bound holds.
    fn submodular(&self) -> bool;
}

/// Demand newly covered: per slot, the weight of each resident (its
/// category's group population, or its population). A weighted coverage:
/// monotone submodular.
#[derive(Clone)]
pub(crate) struct PeopleCovered {
    /// Per slot, the weight of every resident.
    pub weights: Vec<Arc<Vec<f64>>>,
}

impl Objective for PeopleCovered {
    fn gain(&self, item: &Item, new: &[u32]) -> f64 {
        let w = &self.weights[item.slot];
        new.iter().map(|&r| w[r as usize]).fold(0.0, |s, p| s + p)
    }
    fn add(&mut self, _item: &Item, _new: &[u32]) {}
    fn submodular(&self) -> bool {
        true
    }
}

/// Residents newly complete: those for whom the slot was the last missing
/// required category of its tier.
#[derive(Clone)]
pub(crate) struct NewlyComplete {
    pub population: Arc<Vec<f64>>,
    /// Planned tier position of each slot.
    pub slot_tier: Vec<usize>,
    /// Per planned tier, the required categories each resident misses.
    pub missing: Vec<Vec<u8>>,
}

impl Objective for NewlyComplete {
    fn gain(&self, item: &Item, new: &[u32]) -> f64 {
        let miss = &self.missing[self.slot_tier[item.slot]];
        new.iter()
            .filter(|&&r| miss[r as usize] == 1)
            .map(|&r| self.population[r as usize])
            .fold(0.0, |s, p| s + p)
    }
    fn add(&mut self, item: &Item, new: &[u32]) {
        let miss = &mut self.missing[self.slot_tier[item.slot]];
        for &r in new {
            miss[r as usize] = miss[r as usize].saturating_sub(1);
        }
    }
    fn submodular(&self) -> bool {
        false
    }
}

/// A category with a standard, for [`GroupServed`].
#[derive(Clone)]
pub(crate) struct StandardNeed {
    /// Units per 1,000 people of the group.
    pub standard: f64,
    /// A new facility's capacity, in the same units.
    pub capacity: f64,
    /// Per resident, the share of its need already met (`1000·A_i/standard`).
    pub met: Vec<f64>,
}

/// Group demand brought up to the standard (see [`PlanObjective::GroupServed`]):
/// a site of capacity `N` reaching demand `D_s` adds `δ = 1000·N/(standard·D_s)`
/// to the met share of everyone it reaches; its gain is
/// `Σ g_i·(min(1, m_i + δ) − min(1, m_i))` over the townships' residents.
/// A sum of concave functions of additive ones: monotone submodular.
/// Slots without a standard count the group demand newly covered.
#[derive(Clone)]
pub(crate) struct GroupServed {
    /// Per slot, the demand weight of every resident, 0 outside townships.
    pub weights: Vec<Arc<Vec<f64>>>,
    /// Per slot, its standard, capacity and met shares (`None`: no standard).
    pub need: Vec<Option<StandardNeed>>,
}

impl GroupServed {
    fn step(need: &StandardNeed, item: &Item) -> f64 {
        if item.demand > 0.0 {
            1000.0 * need.capacity / (need.standard * item.demand)
        } else {
            0.0
        }
    }
}

impl Objective for GroupServed {
    fn gain(&self, item: &Item, new: &[u32]) -> f64 {
        let w = &self.weights[item.slot];
        match &self.need[item.slot] {
            Some(need) => {
                let step = Self::step(need, item);
                item.covers
                    .iter()
                    .map(|&r| {
                        let m = need.met[r as usize];
                        w[r as usize] * ((m + step).min(1.0) - m.min(1.0))
                    })
                    .fold(0.0, |s, p| s + p)
            }
            None => new.iter().map(|&r| w[r as usize]).fold(0.0, |s, p| s + p),
        }
    }
    fn add(&mut self, item: &Item, _new: &[u32]) {
        if let Some(need) = &mut self.need[item.slot] {
            let step = Self::step(need, item);
            for &r in &item.covers {
                need.met[r as usize] += step;
            }
        }
    }
    fn submodular(&self) -> bool {
        true
    }
}

/// Who is covered per slot, and the objective's own state.
#[derive(Clone)]
pub(crate) struct Cover<O> {
    covered: Vec<Vec<bool>>,
    pub objective: O,
}

impl<O: Objective> Cover<O> {
    pub fn new(ground: &Ground<'_>, objective: O) -> Self {
        Cover {
            covered: match ground.start {
                Some(start) => start.to_vec(),
                None => vec![vec![false; ground.residents]; ground.slots],
            },
            objective,
        }
    }

    /// The residents `item` would newly cover, into `buf`.
    fn newly(&self, item: &Item, buf: &mut Vec<u32>) {
        buf.clear();
        let covered = &self.covered[item.slot];
        buf.extend(item.covers.iter().filter(|&&r| !covered[r as usize]));
    }

    /// The gain of building `item` now (0 for a joint site whose new
    /// people live in one township).
    fn gain(&self, ground: &Ground<'_>, item: &Item, buf: &mut Vec<u32>) -> f64 {
        self.newly(item, buf);
        if let Some(townships) = ground.joint {
            let mut first = None;
            let spans_two =
                buf.iter()
                    .filter_map(|&r| townships[r as usize])
                    .any(|t| match first {
                        None => {
                            first = Some(t);
                            false
                        }
                        Some(f) => f != t,
                    });
            if !spans_two {
                return 0.0;
            }
        }
        self.objective.gain(item, buf)
    }

    /// Build `item`.
    fn add(&mut self, item: &Item, buf: &mut Vec<u32>) {
        self.newly(item, buf);
        self.objective.add(item, buf);
        for &r in buf.iter() {
            self.covered[item.slot][r as usize] = true;
        }
    }
}

/// A phase's picks in build order, with their gains.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PhasePicks {
    pub items: Vec<usize>,
    pub gains: Vec<f64>,
    pub from_best_single: bool,
}

impl PhasePicks {
    fn value(&self) -> f64 {
        self.gains.iter().sum()
    }
}

/// Budgets never exceeded: a site fits when its cost is within what is left
/// (a hair of tolerance for sums of decimals).
fn fits(cost: f64, left: f64) -> bool {
    cost <= left + 1e-9 * left.abs().max(1.0)
}

/// Plan every phase in turn, the sites of the earlier phases built.
pub(crate) fn plan_phases<O: Objective>(
    ground: &Ground<'_>,
    objective: O,
    budgets: &[f64],
) -> Vec<PhasePicks> {
    let mut state = Cover::new(ground, objective);
    let mut built = vec![false; ground.items.len()];
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for &budget in budgets {
        let picks = phase_picks(ground, &state, &built, budget);
        for &i in &picks.items {
            state.add(&ground.items[i], &mut buf);
            built[i] = true;
        }
        out.push(picks);
    }
    out
}

/// One phase: the better of the greedy and the best single site followed
/// by the greedy (see module docs), in order of benefit per cost.
fn phase_picks<O: Objective>(
    ground: &Ground<'_>,
    state: &Cover<O>,
    built: &[bool],
    budget: f64,
) -> PhasePicks {
    let mut buf = Vec::new();
    let mut greedy_state = state.clone();
    let greedy = fill(ground, &mut greedy_state, built, budget);
    // The best single affordable site (smallest index on ties).
    let mut best: Option<(usize, f64)> = None;
    for (i, item) in ground.items.iter().enumerate() {
        if built[i] || !fits(item.cost, budget) {
            continue;
        }
        let g = state.gain(ground, item, &mut buf);
        if g > 0.0 && best.is_none_or(|b| g > b.1) {
            best = Some((i, g));
        }
    }
    let Some((single, single_gain)) = best else {
        return greedy;
    };
    if greedy.items.first() == Some(&single) {
        return greedy;
    }
    let mut single_state = state.clone();
    single_state.add(&ground.items[single], &mut buf);
    let mut rest_built = built.to_vec();
    rest_built[single] = true;
    let rest = fill(
        ground,
        &mut single_state,
        &rest_built,
        budget - ground.items[single].cost,
    );
    let value = single_gain + rest.value();
    if value <= greedy.value() * (1.0 + 1e-12) {
        return greedy;
    }
    // Option (b) wins: build its sites in order of benefit per cost.
    let mut set = vec![single];
    set.extend(&rest.items);
    let mut picks = order_by_ratio(ground, state, &set);
    picks.from_best_single = true;
    picks
}

/// Max-heap entry: (key, item); higher key first, then the smaller item.
#[derive(PartialEq)]
struct Entry(f64, usize);
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
    }
}

/// Cost-effectiveness greedy within `budget`: repeatedly the affordable
/// site of the highest gain per 万元; lazily (CELF) when gains only fall,
/// else re-evaluating every site at each step. Builds into `state`.
fn fill<O: Objective>(
    ground: &Ground<'_>,
    state: &mut Cover<O>,
    built: &[bool],
    budget: f64,
) -> PhasePicks {
    let mut left = budget;
    let mut picks = PhasePicks::default();
    let mut buf = Vec::new();
    let items = ground.items;
    if state.objective.submodular() {
        let mut heap: BinaryHeap<Entry> = items
            .iter()
            .enumerate()
            .filter(|(i, item)| !built[*i] && fits(item.cost, left))
            .map(|(i, item)| Entry(state.gain(ground, item, &mut buf) / item.cost, i))
            .collect();
        while let Some(Entry(stale, i)) = heap.pop() {
            let item = &items[i];
            // What is left only shrinks: a site that does not fit now never will.
            if !fits(item.cost, left) {
                continue;
            }
            let fresh = state.gain(ground, item, &mut buf);
            if fresh <= 0.0 {
                if stale <= 0.0 {
                    break;
                }
                continue;
            }
            let ratio = fresh / item.cost;
            if heap.peek().is_some_and(|top| top.0 > ratio) {
                heap.push(Entry(ratio, i));
                continue;
            }
            state.add(item, &mut buf);
            left -= item.cost;
            picks.items.push(i);
            picks.gains.push(fresh);
        }
    } else {
        let mut taken = built.to_vec();
        loop {
            let mut best: Option<(usize, f64, f64)> = None;
            for (i, item) in items.iter().enumerate() {
                if taken[i] || !fits(item.cost, left) {
                    continue;
                }
                let g = state.gain(ground, item, &mut buf);
                let ratio = g / item.cost;
                if g > 0.0 && best.is_none_or(|b| ratio > b.2) {
                    best = Some((i, g, ratio));
                }
            }
            let Some((i, g, _)) = best else { break };
            state.add(&items[i], &mut buf);
            taken[i] = true;
            left -= items[i].cost;
            picks.items.push(i);
            picks.gains.push(g);
        }
    }
    picks
}

/// A fixed set of sites in order of benefit per cost (each step the one of
/// the highest marginal gain per 万元 given those before it).
fn order_by_ratio<O: Objective>(
    ground: &Ground<'_>,
    state: &Cover<O>,
    set: &[usize],
) -> PhasePicks {
    let mut state = state.clone();
    let mut rest: Vec<usize> = set.to_vec();
    let mut picks = PhasePicks::default();
    let mut buf = Vec::new();
    while !rest.is_empty() {
        let (k, g) = rest
            .iter()
            .enumerate()
            .map(|(k, &i)| (k, state.gain(ground, &ground.items[i], &mut buf)))
            .max_by(|x, y| {
                let rx = x.1 / ground.items[rest[x.0]].cost;
                let ry = y.1 / ground.items[rest[y.0]].cost;
                rx.total_cmp(&ry).then(y.0.cmp(&x.0))
            })
            .unwrap_or((0, 0.0));
        let i = rest.remove(k);
        state.add(&ground.items[i], &mut buf);
        picks.items.push(i);
        picks.gains.push(g);
    }
    picks
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
