//! Per-township figures and blind spots (METHOD.md steps 5–8), read off the
//! per-resident minutes.

use super::{AreaCoverage, CategoryCoverage, TierCoverage};
use crate::model::{Profile, Resident, Tier};
use rayon::prelude::*;

/// A resident that is not complete for a tier (盲区).
#[derive(Clone, Debug, PartialEq)]
pub struct BlindSpot {
    /// Index into `Assessment::demand`.
    pub resident: u32,
    /// Index into `Profile::tiers`.
    pub tier: u32,
    /// Missing required categories: bit `i` set when `tier.categories[i]`
    /// is not reached in time (see [`BlindSpot::missing_ids`]).
    pub missing: u64,
}

impl BlindSpot {
    /// Ids of the missing required categories, in profile order.
    pub fn missing_ids<'a>(&self, tier: &'a Tier) -> impl Iterator<Item = &'a str> + use<'a> {
        let bits = self.missing;
        tier.categories
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i < 64 && bits & (1 << i) != 0)
            .map(|(_, c)| c.as_str())
    }

    /// Number of missing required categories.
    pub fn missing_count(&self) -> u32 {
        self.missing.count_ones()
    }
}

/// The minute columns a tier reads: `(category id, column, required)`.
pub(crate) struct TierColumns<'a> {
    pub categories: Vec<(&'a str, &'a [f32], bool)>,
}

/// Figures of the residents selected by `members` (indices into `residents`).
pub(crate) fn area_figures(
    profile: &Profile,
    tiers: &[TierColumns<'_>],
    residents: &[Resident],
    members: &[u32],
) -> AreaCoverage {
    let population = add_up(members.iter().map(|&r| residents[r as usize].population));
    let mut timed: Vec<(f32, f64)> = Vec::with_capacity(members.len());
    let tiers = profile
        .tiers
        .iter()
        .zip(tiers)
        .map(|(tier, cols)| tier_figures(tier, cols, residents, members, population, &mut timed))
        .collect();
    AreaCoverage { population, tiers }
}

/// Figures of one tier for the residents in `members`, whose population is
/// `population`; `timed` is scratch memory.
pub(crate) fn tier_figures(
    tier: &Tier,
    cols: &TierColumns<'_>,
    residents: &[Resident],
    members: &[u32],
    population: f64,
    timed: &mut Vec<(f32, f64)>,
) -> TierCoverage {
    let limit = tier.minutes as f32;
    let categories = cols
        .categories
        .iter()
        .map(|&(id, minutes, _)| {
            category_figures(id, minutes, limit, residents, members, population, timed)
        })
        .collect();
    TierCoverage {
        id: tier.id.clone(),
        minutes: tier.minutes,
        mode: tier.mode,
        complete_share: complete_share(cols, limit, residents, members, population),
        categories,
    }
}

fn share_of(covered: f64, population: f64) -> f64 {
    if population > 0.0 {
        covered / population
    } else {
        0.0
    }
}

/// Coverage of one category column within `limit` minutes for `members`.
pub(crate) fn category_figures(
    id: &str,
    minutes: &[f32],
    limit: f32,
    residents: &[Resident],
    members: &[u32],
    population: f64,
    timed: &mut Vec<(f32, f64)>,
) -> CategoryCoverage {
    timed.clear();
    timed.extend(
        members
            .iter()
            .map(|&r| (minutes[r as usize], residents[r as usize].population))
            .filter(|&(m, _)| m <= limit),
    );
    let covered = add_up(timed.iter().map(|&(_, p)| p));
    let (mean, p90) = mean_and_p90(timed, covered);
    CategoryCoverage {
        id: id.to_string(),
        covered_population: covered,
        covered_share: share_of(covered, population),
        mean_minutes: mean,
        p90_minutes: p90,
    }
}

/// Share of `members` covered for every required category of a tier.
pub(crate) fn complete_share(
    cols: &TierColumns<'_>,
    limit: f32,
    residents: &[Resident],
    members: &[u32],
    population: f64,
) -> f64 {
    let complete = add_up(
        members
            .iter()
            .filter(|&&r| {
                cols.categories
                    .iter()
                    .filter(|c| c.2)
                    .all(|&(_, m, _)| m[r as usize] <= limit)
            })
            .map(|&r| residents[r as usize].population),
    );
    share_of(complete, population)
}

/// Sum that is +0.0 when empty (`Iterator::sum` of no floats gives -0.0).
pub(crate) fn add_up(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}

/// Population-weighted mean and 90th percentile (the smallest time whose
/// cumulative population share is at least 0.9) of `(minutes, population)`.
/// `None` when the covered population is 0.
fn mean_and_p90(timed: &mut [(f32, f64)], covered: f64) -> (Option<f64>, Option<f64>) {
    if covered <= 0.0 {
        return (None, None);
    }
    let mean = timed.iter().map(|&(m, p)| m as f64 * p).sum::<f64>() / covered;
    // A hair of tolerance so that exactly 0.9 is not lost to rounding.
    let p90 = weighted_quantile(timed, 0.9 * covered * (1.0 - 1e-12));
    (Some(mean), p90.map(f64::from))
}

/// The smallest value whose cumulative weight (in ascending value order)
/// reaches `target`, by repeated partitioning: linear time, no full sort.
fn weighted_quantile(mut items: &mut [(f32, f64)], mut target: f64) -> Option<f32> {
    let mut last = None;
    while !items.is_empty() {
        let mid = items.len() / 2;
        let (lower, pivot, upper) = items.select_nth_unstable_by(mid, |a, b| a.0.total_cmp(&b.0));
        let below: f64 = lower.iter().map(|t| t.1).sum();
        if below >= target && !lower.is_empty() {
            items = lower;
        } else if below + pivot.1 >= target {
            return Some(pivot.0);
        } else {
            target -= below + pivot.1;
            last = Some(pivot.0);
            items = upper;
        }
    }
    last
}

/// Residents not complete for each tier, with their missing categories.
pub(crate) fn blind_spots(
    profile: &Profile,
    tiers: &[TierColumns<'_>],
    residents: usize,
) -> Vec<BlindSpot> {
    (0..profile.tiers.len())
        .into_par_iter()
        .flat_map_iter(|ti| tier_blind_spots(profile, tiers, ti, residents))
        .collect()
}

/// Blind spots of tier `ti`, in resident order.
pub(crate) fn tier_blind_spots(
    profile: &Profile,
    tiers: &[TierColumns<'_>],
    ti: usize,
    residents: usize,
) -> Vec<BlindSpot> {
    let limit = profile.tiers[ti].minutes as f32;
    let cols = &tiers[ti];
    (0..residents)
        .filter_map(|r| {
            // Required categories come first in the columns, in profile order.
            let missing = cols
                .categories
                .iter()
                .take(64)
                .enumerate()
                .filter(|(_, c)| c.2 && c.1[r] > limit)
                .fold(0u64, |bits, (i, _)| bits | (1 << i));
            (missing != 0).then_some(BlindSpot {
                resident: r as u32,
                tier: ti as u32,
                missing,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p90_is_smallest_time_reaching_ninety_percent() {
        // 50 people at 1 min, 40 at 2 min, 10 at 9 min: 90 % reached at 2 min.
        let mut t = vec![(9.0, 10.0), (1.0, 50.0), (2.0, 40.0)];
        let (mean, p90) = mean_and_p90(&mut t, 100.0);
        assert!((mean.unwrap() - (50.0 + 80.0 + 90.0) / 100.0).abs() < 1e-9);
        assert_eq!(p90, Some(2.0));
        // Against a full sort on pseudo-random data with ties.
        let mut seed = 7u64;
        for n in [1usize, 2, 3, 10, 101, 1000] {
            let mut v: Vec<(f32, f64)> = (0..n)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (((seed >> 40) % 50) as f32 / 4.0, ((seed >> 20) % 7) as f64)
                })
                .collect();
            let total: f64 = v.iter().map(|t| t.1).sum();
            let mut sorted = v.clone();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut cum = 0.0;
            let mut expect = None;
            for &(m, p) in &sorted {
                cum += p;
                if cum >= 0.9 * total * (1.0 - 1e-12) {
                    expect = Some(m as f64);
                    break;
                }
            }
            let (_, got) = mean_and_p90(&mut v, total);
            if total > 0.0 {
                assert_eq!(got, expect, "n={n}");
            }
        }
        let mut t = vec![(3.0, 0.0)];
        assert_eq!(mean_and_p90(&mut t, 0.0), (None, None));
    }
}
