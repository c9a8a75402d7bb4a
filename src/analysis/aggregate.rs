//! Per-township figures and blind spots (METHOD.md steps 5–8), read off the
//! per-resident minutes.

use super::CategoryCoverage;
use crate::model::{Resident, Tier};
use std::sync::Arc;

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

/// The areas figures are given for, and who is in them, laid out for
/// one sequential pass per column: area `a < townships` is a township, area
/// `townships` the whole district: every demand point, those outside every
/// township included (METHOD 16: `total` is over all residents). A point
/// outside every township belongs to the district area alone.
#[derive(Clone, Debug)]
pub(crate) struct Areas {
    /// Area of every demand point: its township, or `townships` when it
    /// lies outside every township. Shared by the weightings of one study.
    area: Arc<[u32]>,
    /// Weight of every demand point: population (or hectares), or the
    /// population of one demand group (METHOD 12).
    weight: Vec<f64>,
    townships: usize,
    /// Weight per area, the district last.
    pub population_of: Vec<f64>,
    /// Weight outside every township (in the district's, in no township's).
    pub outside_population: f64,
}

impl Areas {
    pub fn new(resident_township: &[Option<u32>], demand: &[Resident], townships: usize) -> Self {
        let area: Arc<[u32]> = resident_township
            .iter()
            .map(|t| t.unwrap_or(townships as u32))
            .collect();
        let weight = demand.iter().map(|r| r.population).collect();
        Self::build(area, weight, townships)
    }

    /// The same areas weighted by `weight` (one value per demand point),
    /// e.g. a demand group's population.
    pub fn weighted(&self, weight: Vec<f64>) -> Self {
        Self::build(self.area.clone(), weight, self.townships)
    }

    fn build(area: Arc<[u32]>, weight: Vec<f64>, townships: usize) -> Self {
        let mut population_of = vec![0.0; townships + 1];
        for (&a, &p) in area.iter().zip(&weight) {
            population_of[a as usize] += p;
        }
        let outside_population = population_of[townships];
        let mut areas = Areas {
            area,
            weight,
            townships,
            population_of: Vec::new(),
            outside_population,
        };
        areas.population_of = areas.with_district_total(population_of);
        areas
    }

    /// Number of areas: the townships and the district.
    pub fn count(&self) -> usize {
        self.townships + 1
    }

    /// Weight of every demand point.
    pub fn weights(&self) -> &[f64] {
        &self.weight
    }

    /// `(area, weight)` of every demand point, in demand order.
    pub fn members(&self) -> impl Iterator<Item = (usize, (usize, f64))> + '_ {
        self.area
            .iter()
            .zip(&self.weight)
            .enumerate()
            .map(|(r, (&a, &p))| (r, (a as usize, p)))
    }

    /// Per-area sums whose district slot holds the part outside every
    /// township: the district's becomes that plus the townships' sum.
    pub fn with_district_total(&self, mut per_area: Vec<f64>) -> Vec<f64> {
        per_area[self.townships] += add_up(per_area[..self.townships].iter().copied());
        per_area
    }
}

/// Time bins of the first p90 pass per area: the second pass looks only
/// at the points in the one bin where 90 % is reached.
const P90_BINS: usize = 512;

/// Coverage of one category column within `limit` minutes, for every area
/// (see [`Areas`]). Two sequential passes over the column: sums and a
/// coarse time histogram per area, then the points in the bin holding each
/// area's 90th percentile, which is then found exactly.
pub(crate) fn category_figures(
    id: &str,
    minutes: &[f32],
    limit: f32,
    areas: &Areas,
) -> Vec<CategoryCoverage> {
    let n = areas.count();
    let per_minute = if limit > 0.0 {
        P90_BINS as f32 / limit
    } else {
        0.0
    };
    let bin = |m: f32| ((m * per_minute) as usize).min(P90_BINS - 1);
    let mut covered = vec![0.0; n];
    let mut weighted = vec![0.0; n];
    let mut histogram = vec![0.0; n * P90_BINS];
    for (r, (t, p)) in areas.members() {
        let m = minutes[r];
        if m <= limit {
            covered[t] += p;
            weighted[t] += m as f64 * p;
            histogram[t * P90_BINS + bin(m)] += p;
        }
    }
    let covered = areas.with_district_total(covered);
    let weighted = areas.with_district_total(weighted);
    let (townships, district) = histogram.split_at_mut(areas.townships * P90_BINS);
    for row in townships.chunks(P90_BINS) {
        for (d, v) in district.iter_mut().zip(row) {
            *d += v;
        }
    }
    // Per area: the bin where the cumulative population reaches 90 %, and
    // how much of it is still needed there.
    let wanted: Vec<Option<(usize, f64)>> = (0..n)
        .map(|a| {
            if covered[a] <= 0.0 {
                return None;
            }
            // A hair of tolerance so that exactly 0.9 is not lost to rounding.
            let mut target = 0.9 * covered[a] * (1.0 - 1e-12);
            let row = &histogram[a * P90_BINS..(a + 1) * P90_BINS];
            let last = row.iter().rposition(|&w| w > 0.0)?;
            for (b, &w) in row.iter().enumerate().take(last) {
                if w >= target && w > 0.0 {
                    return Some((b, target));
                }
                target -= w;
            }
            Some((last, target))
        })
        .collect();
    let district = areas.townships;
    let mut in_bin: Vec<Vec<(f32, f64)>> = vec![Vec::new(); n];
    for (r, (t, p)) in areas.members() {
        let m = minutes[r];
        if m <= limit {
            let b = bin(m);
            if wanted[t].is_some_and(|w| w.0 == b) {
                in_bin[t].push((m, p));
            }
            if t != district && wanted[district].is_some_and(|w| w.0 == b) {
                in_bin[district].push((m, p));
            }
        }
    }
    (0..n)
        .map(|a| {
            let p90 = wanted[a].and_then(|(_, target)| weighted_quantile(&mut in_bin[a], target));
            CategoryCoverage {
                id: id.to_string(),
                group: None,
                demand_population: areas.population_of[a],
                covered_population: covered[a],
                covered_share: share_of(covered[a], areas.population_of[a]),
                mean_minutes: (covered[a] > 0.0).then(|| weighted[a] / covered[a]),
                p90_minutes: p90.map(f64::from),
                served_by_own_share: None,
                supply: None,
            }
        })
        .collect()
}

/// One tier's pass over its required columns: the complete share of every
/// area, and the demand points not complete (blind spots, in resident order).
pub(crate) fn tier_completeness(
    ti: usize,
    limit: f32,
    cols: &TierColumns<'_>,
    areas: &Areas,
) -> (Vec<f64>, Vec<BlindSpot>) {
    // Required categories come first in the columns, in profile order.
    let required: Vec<&[f32]> = cols
        .categories
        .iter()
        .take(64)
        .filter(|c| c.2)
        .map(|c| c.1)
        .collect();
    let mut complete = vec![0.0; areas.count()];
    let mut blind = Vec::new();
    for (r, (t, p)) in areas.members() {
        let missing = required
            .iter()
            .enumerate()
            .filter(|(_, column)| column[r] > limit)
            .fold(0u64, |bits, (i, _)| bits | (1 << i));
        if missing != 0 {
            blind.push(BlindSpot {
                resident: r as u32,
                tier: ti as u32,
                missing,
            });
        } else {
            complete[t] += p;
        }
    }
    let complete = areas.with_district_total(complete);
    let shares = complete
        .iter()
        .zip(&areas.population_of)
        .map(|(&c, &p)| share_of(c, p))
        .collect();
    (shares, blind)
}

fn share_of(covered: f64, population: f64) -> f64 {
    if population > 0.0 {
        covered / population
    } else {
        0.0
    }
}

/// Sum that is +0.0 when empty (`Iterator::sum` of no floats gives -0.0).
pub(crate) fn add_up(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}

/// The smallest value whose cumulative weight (in ascending value order)
/// reaches `target`, by repeated partitioning: linear time, no full sort.
/// When the weights do not reach `target` (rounding), the largest value.
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Point;

    fn resident(population: f64) -> Resident {
        Resident {
            location: Point::new(0.0, 0.0),
            population,
            settlement: None,
            groups: Default::default(),
        }
    }

    /// Covered population, mean and p90 (the smallest time whose cumulative
    /// population share is at least 0.9) by a full sort.
    fn by_sorting(
        mut timed: Vec<(f32, f64)>,
        population: f64,
    ) -> (f64, f64, Option<f64>, Option<f64>) {
        timed.sort_by(|a, b| a.0.total_cmp(&b.0));
        let covered: f64 = timed.iter().map(|t| t.1).sum();
        if covered <= 0.0 {
            return (0.0, share_of(0.0, population), None, None);
        }
        let mean = timed.iter().map(|&(m, p)| m as f64 * p).sum::<f64>() / covered;
        let mut cum = 0.0;
        let mut p90 = None;
        for &(m, p) in &timed {
            cum += p;
            if cum >= 0.9 * covered * (1.0 - 1e-12) {
                p90 = Some(m as f64);
                break;
            }
        }
        (covered, covered / population, Some(mean), p90)
    }

    #[test]
    fn p90_is_smallest_time_reaching_ninety_percent() {
        // 50 people at 1 min, 40 at 2 min, 10 at 9 min: 90 % reached at 2 min.
        let demand: Vec<Resident> = [50.0, 40.0, 10.0].map(resident).to_vec();
        let areas = Areas::new(&[Some(0), Some(0), Some(0)], &demand, 1);
        let f = category_figures("x", &[1.0, 2.0, 9.0], 10.0, &areas);
        assert_eq!(f.len(), 2);
        for a in &f {
            assert_eq!(a.covered_population, 100.0);
            assert!((a.mean_minutes.unwrap() - (50.0 + 80.0 + 90.0) / 100.0).abs() < 1e-9);
            assert_eq!(a.p90_minutes, Some(2.0));
        }
        // Nobody covered: no mean, no p90.
        let f = category_figures("x", &[f32::INFINITY; 3], 10.0, &areas);
        assert_eq!((f[0].mean_minutes, f[0].p90_minutes), (None, None));
    }

    /// Against sorting, on pseudo-random columns with ties, points outside
    /// every township, times beyond the limit and zero populations.
    #[test]
    fn figures_match_a_full_sort_per_area() {
        let mut rng = crate::generate::SplitMix64::new(7);
        let mut next = |m: u64| rng.next_u64() % m;
        for (n, townships) in [(1usize, 1usize), (7, 2), (100, 3), (5000, 12)] {
            let demand: Vec<Resident> = (0..n).map(|_| resident(next(7) as f64)).collect();
            let owner: Vec<Option<u32>> = (0..n)
                .map(|_| {
                    let t = next(townships as u64 + 1) as u32;
                    (t < townships as u32).then_some(t)
                })
                .collect();
            let minutes: Vec<f32> = (0..n)
                .map(|_| match next(10) {
                    0 => f32::INFINITY,
                    _ => next(70) as f32 / 4.0,
                })
                .collect();
            let areas = Areas::new(&owner, &demand, townships);
            let limit = 15.0;
            let got = category_figures("x", &minutes, limit, &areas);
            for (a, figures) in got.iter().enumerate() {
                let inside = |r: usize| match owner[r] {
                    Some(t) => a == townships || t as usize == a,
                    None => a == townships,
                };
                let timed: Vec<(f32, f64)> = (0..n)
                    .filter(|&r| inside(r) && minutes[r] <= limit)
                    .map(|r| (minutes[r], demand[r].population))
                    .collect();
                let population: f64 = (0..n)
                    .filter(|&r| inside(r))
                    .map(|r| demand[r].population)
                    .sum();
                let (covered, share, mean, p90) = by_sorting(timed, population);
                assert!(
                    (figures.covered_population - covered).abs() < 1e-9,
                    "n={n} a={a}"
                );
                assert!((figures.covered_share - share).abs() < 1e-12 || population == 0.0);
                assert_eq!(figures.p90_minutes, p90, "n={n} a={a}");
                match (figures.mean_minutes, mean) {
                    (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9),
                    (x, y) => assert_eq!(x, y),
                }
            }
            // Completeness with this column and a second one.
            let other: Vec<f32> = (0..n).map(|_| next(40) as f32).collect();
            let cols = TierColumns {
                categories: vec![
                    ("x", &minutes, true),
                    ("y", &other, true),
                    ("z", &other, false),
                ],
            };
            let (shares, blind) = tier_completeness(2, limit, &cols, &areas);
            let expect_blind: Vec<u32> = (0..n as u32)
                .filter(|&r| minutes[r as usize] > limit || other[r as usize] > limit)
                .collect();
            assert_eq!(
                blind.iter().map(|b| b.resident).collect::<Vec<_>>(),
                expect_blind
            );
            assert!(
                blind
                    .iter()
                    .all(|b| b.tier == 2 && b.missing != 0 && b.missing < 4)
            );
            let complete: f64 = (0..n)
                .filter(|&r| !expect_blind.contains(&(r as u32)))
                .map(|r| demand[r].population)
                .sum();
            assert!(
                (shares[townships] - share_of(complete, areas.population_of[townships])).abs()
                    < 1e-12
            );
        }
    }
}
