//! Where would a new facility do the most good? Greedy maximal covering:
//! candidate sites on the road network (or on a grid without roads),
//! optionally inside one township; each pick is the site that covers the
//! most people still uncovered for the category, existing facilities fixed.
//! Gains are submodular, so picks are re-evaluated lazily (CELF).

use super::engine::straight_line_speed_mps;
use super::grouped::Entry;
use super::{Cancelled, LiveAssessment, Progress, TownshipIndex};
use crate::model::Tier;
use crate::network::{ModeGraph, Network, SearchBuffer, TRAVERSE_BACKWARD, TRAVERSE_FORWARD};
use geo::Point;
use rayon::prelude::*;
use std::collections::BinaryHeap;

/// What to suggest sites for.
#[derive(Clone, Debug, PartialEq)]
pub struct SuggestRequest {
    /// Index into the profile's tiers.
    pub tier: usize,
    /// Categories to place (one, or every required category of the tier).
    pub categories: Vec<String>,
    /// How many sites at most.
    pub k: usize,
    /// Only candidates inside this township (index into the townships).
    pub township: Option<u32>,
    /// Candidates are thinned to at most this many, evenly over the area.
    pub max_candidates: usize,
}

/// One suggested site, in the order picked.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteSuggestion {
    /// 1 for the first pick.
    pub rank: usize,
    pub category: String,
    /// Lon/lat of the site (a road vertex with a road network).
    pub location: Point<f64>,
    /// People (or hectares) newly covered by this site, given the sites
    /// picked before it.
    pub gained: f64,
    /// Township containing the site.
    pub township: Option<u32>,
    /// `gained` split by the township of the people newly covered
    /// (township index, people), townships in file order; for sharing the
    /// cost of a joint site (共建).
    pub gain_by_township: Vec<(u32, f64)>,
}

/// A candidate site's lon/lat and the uncovered residents it would cover.
pub(super) type SiteCover = ([f64; 2], Vec<u32>);

/// A candidate site: where it is and whom (uncovered) it would cover.
pub(crate) struct Candidate {
    /// Lon/lat of the site.
    pub lonlat: [f64; 2],
    /// Index into the categories asked for.
    pub category: usize,
    /// Residents (assessment order) not yet covered whom the site would cover.
    pub covers: Vec<u32>,
}

/// Suggest up to `k` sites (see module docs). Returns fewer when no
/// candidate covers anybody new.
pub fn suggest_sites(
    live: &LiveAssessment,
    request: &SuggestRequest,
    progress: &Progress,
) -> Result<Vec<SiteSuggestion>, Cancelled> {
    suggest(live, request, progress, false)
}

/// Joint sites (共建): as [`suggest_sites`], but a site's gain counts only
/// when the people it newly covers live in at least two townships, so every
/// suggestion serves two or more townships that can share its cost. A
/// site's joint gain only falls as others are picked (its people and the
/// townships they span only shrink), so the lazy greedy stays exact.
pub fn suggest_joint_sites(
    live: &LiveAssessment,
    request: &SuggestRequest,
    progress: &Progress,
) -> Result<Vec<SiteSuggestion>, Cancelled> {
    suggest(live, request, progress, true)
}

fn suggest(
    live: &LiveAssessment,
    request: &SuggestRequest,
    progress: &Progress,
    joint: bool,
) -> Result<Vec<SiteSuggestion>, Cancelled> {
    if live.profile.tiers.get(request.tier).is_none() {
        return Ok(Vec::new());
    }
    let study = &live.study;
    let a = live.assessment();
    let index = TownshipIndex::new(&study.townships);
    // Demand per category: its group's population, or the population
    // (METHOD 12).
    let weights: Vec<&[f64]> = request
        .categories
        .iter()
        .map(|c| study.areas_of(&live.profile, c).weights())
        .collect();
    let candidates = candidate_sites(
        live,
        request.tier,
        &request.categories,
        request.township,
        request.max_candidates,
        Reached::UncoveredInside,
        progress,
    )?;
    progress.phase("greedy", 0.9);
    // CELF: a max-heap of (possibly stale) gains.
    // Newly covered people per township (uncovered residents all have one).
    let by_township = |c: &Candidate, covered: &[Vec<bool>]| -> Vec<(u32, f64)> {
        let mut parts: Vec<(u32, f64)> = Vec::new();
        for &r in c
            .covers
            .iter()
            .filter(|&&r| !covered[c.category][r as usize])
        {
            let Some(t) = a.resident_township[r as usize] else {
                continue;
            };
            let w = weights[c.category][r as usize];
            match parts.iter_mut().find(|p| p.0 == t) {
                Some(p) => p.1 += w,
                None => parts.push((t, w)),
            }
        }
        parts.sort_by_key(|p| p.0);
        parts
    };
    let gain = |c: &Candidate, covered: &[Vec<bool>]| -> f64 {
        if joint {
            let parts = by_township(c, covered);
            if parts.iter().filter(|p| p.1 > 0.0).count() < 2 {
                return 0.0;
            }
        }
        c.covers
            .iter()
            .filter(|&&r| !covered[c.category][r as usize])
            .map(|&r| weights[c.category][r as usize])
            .fold(0.0, |s, p| s + p)
    };
    let mut covered = vec![vec![false; a.demand.len()]; request.categories.len()];
    let mut heap: BinaryHeap<Entry> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| Entry(gain(c, &covered), i))
        .collect();
    let mut picks = Vec::new();
    while picks.len() < request.k {
        let Some(Entry(stale, i)) = heap.pop() else {
            break;
        };
        let fresh = gain(&candidates[i], &covered);
        if fresh <= 0.0 {
            if stale <= 0.0 {
                break;
            }
            continue;
        }
        if heap.peek().is_some_and(|top| top.0 > fresh) {
            heap.push(Entry(fresh, i));
            continue;
        }
        let c = &candidates[i];
        let gain_by_township = by_township(c, &covered);
        for &r in &c.covers {
            covered[c.category][r as usize] = true;
        }
        picks.push(SiteSuggestion {
            rank: picks.len() + 1,
            category: request.categories[c.category].clone(),
            location: Point::new(c.lonlat[0], c.lonlat[1]),
            gained: fresh,
            township: index.locate(c.lonlat),
            gain_by_township,
        });
    }
    progress.phase("done", 1.0);
    Ok(picks)
}

/// Whom a candidate site's list of residents holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reached {
    /// Residents of a township not yet covered (Suggest).
    UncoveredInside,
    /// Residents not yet covered, outside every township too (the plan,
    /// whose complete shares count them as the district's figures do).
    Uncovered,
    /// Everyone within reach (the plan's capacity objective, where a new
    /// facility's capacity is shared by all the demand it reaches).
    Everyone,
}

/// The candidate sites of [`suggest_sites`] for `categories` of tier
/// `tier`: for each category (in the order given) the sites that reach
/// somebody of `reached`, with those residents. Shared with the budgeted
/// plan so that both choose among the same sites.
pub(crate) fn candidate_sites(
    live: &LiveAssessment,
    tier: usize,
    categories: &[String],
    township: Option<u32>,
    max_candidates: usize,
    reached: Reached,
    progress: &Progress,
) -> Result<Vec<Candidate>, Cancelled> {
    let Some(tier) = live.profile.tiers.get(tier) else {
        return Ok(Vec::new());
    };
    let study = &live.study;
    let a = live.assessment();
    let index = TownshipIndex::new(&study.townships);
    // The search helpers read only the township and the thinning limit.
    let request = SuggestRequest {
        tier: 0,
        categories: Vec::new(),
        k: 0,
        township,
        max_candidates,
    };
    progress.phase("candidates", 0.0);
    let mut candidates: Vec<Candidate> = Vec::new();
    for (ci, category) in categories.iter().enumerate() {
        progress.check()?;
        let Some(column) = a.minutes_for(tier, category) else {
            continue;
        };
        let limit = tier.minutes as f32;
        // Whom the sites' lists hold (see `Reached`).
        let uncovered: Vec<bool> = column
            .iter()
            .zip(&a.resident_township)
            .map(|(m, t)| match reached {
                Reached::UncoveredInside => t.is_some() && *m > limit,
                Reached::Uncovered => *m > limit,
                Reached::Everyone => true,
            })
            .collect();
        let found = match study.graph(tier.mode) {
            Some((graph, net)) => network_candidates(
                live, graph, net, tier, &uncovered, &request, &index, progress,
            )?,
            None => grid_candidates(live, tier, &uncovered, &request, &index),
        };
        candidates.extend(found.into_iter().map(|(lonlat, covers)| Candidate {
            lonlat,
            category: ci,
            covers,
        }));
    }
    Ok(candidates)
}

/// Keep at most `max` items, one per cell of an even grid over their
/// positions (the one nearest the cell's centre), growing the cell until
/// few enough remain.
fn thin<T: Copy>(items: Vec<(T, [f64; 2])>, max: usize) -> Vec<(T, [f64; 2])> {
    if items.len() <= max || max == 0 {
        return items;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for (_, p) in &items {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    let mut cell = (((x1 - x0) * (y1 - y0)) / max as f64).sqrt().max(1.0);
    loop {
        let mut best: std::collections::HashMap<(i64, i64), (T, [f64; 2], f64)> =
            std::collections::HashMap::new();
        for &(t, p) in &items {
            let key = (
                ((p[0] - x0) / cell).floor() as i64,
                ((p[1] - y0) / cell).floor() as i64,
            );
            let cx = x0 + (key.0 as f64 + 0.5) * cell;
            let cy = y0 + (key.1 as f64 + 0.5) * cell;
            let d = (p[0] - cx).powi(2) + (p[1] - cy).powi(2);
            let e = best.entry(key).or_insert((t, p, f64::INFINITY));
            if d < e.2 {
                *e = (t, p, d);
            }
        }
        if best.len() <= max {
            let mut out: Vec<(T, [f64; 2])> = best.into_values().map(|(t, p, _)| (t, p)).collect();
            out.sort_by(|a, b| a.1[0].total_cmp(&b.1[0]).then(a.1[1].total_cmp(&b.1[1])));
            return out;
        }
        cell *= 1.25;
    }
}

/// Road vertices the mode can use, and whom (of the residents `uncovered`
/// marks) each would reach within the tier.
#[allow(clippy::too_many_arguments)]
pub(super) fn network_candidates(
    live: &LiveAssessment,
    graph: &ModeGraph,
    net: &Network,
    tier: &Tier,
    uncovered: &[bool],
    request: &SuggestRequest,
    index: &TownshipIndex,
    progress: &Progress,
) -> Result<Vec<SiteCover>, Cancelled> {
    let m = tier.mode.index();
    let snaps = &live.study.resident_snaps;
    // Uncovered residents listed at both ends of their segment.
    let n = net.node_count();
    let mut count = vec![0u32; n + 1];
    for (r, s) in snaps.iter().enumerate() {
        if let (true, Some(snap)) = (uncovered[r], s[m]) {
            let seg = &net.segments[snap.segment as usize];
            count[seg.a as usize + 1] += 1;
            count[seg.b as usize + 1] += 1;
        }
    }
    for i in 0..n {
        count[i + 1] += count[i];
    }
    let mut fill = count.clone();
    let mut at_node = vec![0u32; count[n] as usize];
    for (r, s) in snaps.iter().enumerate() {
        if let (true, Some(snap)) = (uncovered[r], s[m]) {
            let seg = &net.segments[snap.segment as usize];
            for v in [seg.a, seg.b] {
                at_node[fill[v as usize] as usize] = r as u32;
                fill[v as usize] += 1;
            }
        }
    }
    if at_node.is_empty() {
        return Ok(Vec::new());
    }
    // Candidate vertices: on a road the mode may use, inside the township.
    let mut usable_node = vec![false; n];
    for (s, seg) in net.segments.iter().enumerate() {
        if graph.seg_dirs[s] != 0 {
            usable_node[seg.a as usize] = true;
            usable_node[seg.b as usize] = true;
        }
    }
    let eligible: Vec<(u32, [f64; 2])> = (0..n as u32)
        .filter(|&v| usable_node[v as usize])
        .filter(|&v| {
            request
                .township
                .is_none_or(|t| index.locate(net.node_lonlat[v as usize]) == Some(t))
        })
        .map(|v| (v, net.node_xy[v as usize]))
        .collect();
    let chosen = thin(eligible, request.max_candidates);
    let limit_s = (tier.minutes * 60.0) as f32;
    let total = chosen.len().max(1);
    let done = std::sync::atomic::AtomicUsize::new(0);
    chosen
        .par_iter()
        .map_init(
            || (SearchBuffer::default(), Vec::<u32>::new()),
            |(buf, seen), &(v, _)| {
                progress.check()?;
                graph.search(&[(v, 0.0)], limit_s, buf);
                let mut covers = Vec::new();
                for &u in buf.reached() {
                    let lo = count[u as usize] as usize;
                    let hi = count[u as usize + 1] as usize;
                    for &r in &at_node[lo..hi] {
                        if seen.last() == Some(&r) {
                            continue;
                        }
                        let Some(snap) = snaps[r as usize][m] else {
                            continue;
                        };
                        let s = snap.segment as usize;
                        let seg = &net.segments[s];
                        let (t, w, dirs) = (
                            snap.t as f64,
                            graph.seg_seconds[s] as f64,
                            graph.seg_dirs[s],
                        );
                        let mut best = f64::INFINITY;
                        if t == 0.0 {
                            best = buf.time(seg.a) as f64;
                        } else if t == 1.0 {
                            best = buf.time(seg.b) as f64;
                        }
                        if dirs & TRAVERSE_FORWARD != 0 {
                            best = best.min((1.0 - t) * w + buf.time(seg.b) as f64);
                        }
                        if dirs & TRAVERSE_BACKWARD != 0 {
                            best = best.min(t * w + buf.time(seg.a) as f64);
                        }
                        let total = snap.connector_m as f64 / graph.connector_mps + best;
                        if total <= limit_s as f64 {
                            covers.push(r);
                        }
                    }
                }
                covers.sort_unstable();
                covers.dedup();
                seen.clear();
                let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress.set(0.85 * d as f32 / total as f32);
                Ok((net.node_lonlat[v as usize], covers))
            },
        )
        .filter(|r| r.as_ref().map_or(true, |(_, c)| !c.is_empty()))
        .collect()
}

/// Without roads: grid points (500 m) over the townships, covering the
/// uncovered residents within the straight-line reach.
pub(super) fn grid_candidates(
    live: &LiveAssessment,
    tier: &Tier,
    uncovered: &[bool],
    request: &SuggestRequest,
    index: &TownshipIndex,
) -> Vec<SiteCover> {
    let study = &live.study;
    let speed = straight_line_speed_mps(&live.profile, tier.mode);
    let reach_m = tier.minutes * 60.0 * speed / live.profile.detour_factor;
    let points: Vec<rstar::primitives::GeomWithData<[f64; 2], u32>> = study
        .resident_xy
        .iter()
        .enumerate()
        .filter(|(r, _)| uncovered[*r])
        .map(|(r, xy)| rstar::primitives::GeomWithData::new(*xy, r as u32))
        .collect();
    if points.is_empty() {
        return Vec::new();
    }
    let tree = rstar::RTree::bulk_load(points);
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for xy in &study.resident_xy {
        x0 = x0.min(xy[0]);
        y0 = y0.min(xy[1]);
        x1 = x1.max(xy[0]);
        y1 = y1.max(xy[1]);
    }
    let step = 500.0;
    let mut grid = Vec::new();
    let mut y = y0;
    while y <= y1 {
        let mut x = x0;
        while x <= x1 {
            let lonlat = study.projection.inverse(x, y);
            let inside = match request.township {
                Some(t) => index.locate(lonlat) == Some(t),
                None => index.locate(lonlat).is_some(),
            };
            if inside {
                grid.push(((), [x, y]));
            }
            x += step;
        }
        y += step;
    }
    thin(grid, request.max_candidates)
        .into_iter()
        .map(|((), xy)| {
            let covers: Vec<u32> = tree
                .locate_within_distance(xy, reach_m * reach_m)
                .map(|p| p.data)
                .collect();
            (study.projection.inverse(xy[0], xy[1]), covers)
        })
        .filter(|(_, c)| !c.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edit, Facility};

    fn request(tier: usize, category: &str, k: usize) -> SuggestRequest {
        SuggestRequest {
            tier,
            categories: vec![category.to_string()],
            k,
            township: None,
            max_candidates: 10_000,
        }
    }

    /// Population inside the townships covered for (tier, category) in a
    /// live assessment (suggestions serve the townships' own people; the
    /// district total also counts those outside every township).
    fn covered(live: &LiveAssessment, tier: usize, category: &str) -> f64 {
        live.assessment()
            .report
            .townships
            .iter()
            .map(|t| {
                t.figures.tiers[tier]
                    .category(category)
                    .unwrap()
                    .covered_population
            })
            .sum()
    }

    fn add_site(live: &mut LiveAssessment, s: &SiteSuggestion) {
        let id = live.next_id();
        live.apply(&Edit::Add {
            id,
            facility: Facility {
                category: s.category.clone(),
                name: format!("suggested {}", s.rank),
                capacity: None,
                location: s.location,
            },
        })
        .unwrap();
    }

    /// Joint sites on random cases cut into three townships: every pick's
    /// newly covered people span at least two townships, and adding the
    /// site really gains that much in each of them.
    #[test]
    fn joint_sites_span_two_townships_with_real_gains() {
        let mut picked = 0;
        for seed in [1u64, 2, 3, 4, 5, 6, 7, 8] {
            let (mut layers, profile) = crate::analysis::tests::random_case(seed);
            let strip = |name: &str, y0: f64, y1: f64| crate::model::Township {
                name: name.into(),
                code: None,
                boundary: geo::MultiPolygon(vec![geo::Polygon::new(
                    geo::LineString::from(vec![
                        (-0.01, y0),
                        (0.03, y0),
                        (0.03, y1),
                        (-0.01, y1),
                        (-0.01, y0),
                    ]),
                    Vec::new(),
                )]),
            };
            layers.townships = vec![
                strip("South", -0.01, 0.004),
                strip("Middle", 0.004, 0.008),
                strip("North", 0.008, 0.02),
            ];
            let live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
            for (tier, category) in [(0usize, "a"), (0, "b"), (1, "a"), (2, "b")] {
                let picks =
                    suggest_joint_sites(&live, &request(tier, category, 3), &Progress::new())
                        .unwrap();
                let per_township = |l: &LiveAssessment| -> Vec<f64> {
                    l.assessment()
                        .report
                        .townships
                        .iter()
                        .map(|t| {
                            t.figures.tiers[tier]
                                .category(category)
                                .unwrap()
                                .covered_population
                        })
                        .collect()
                };
                let mut after = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
                let mut before = per_township(&after);
                for p in &picks {
                    picked += 1;
                    let spans = p.gain_by_township.iter().filter(|g| g.1 > 0.0).count();
                    assert!(spans >= 2, "seed {seed}: {p:?}");
                    let sum: f64 = p.gain_by_township.iter().map(|g| g.1).sum();
                    assert!((sum - p.gained).abs() < 1e-9);
                    add_site(&mut after, p);
                    let now = per_township(&after);
                    for (t, (n, b)) in now.iter().zip(&before).enumerate() {
                        let claimed = p
                            .gain_by_township
                            .iter()
                            .find(|g| g.0 as usize == t)
                            .map_or(0.0, |g| g.1);
                        assert!(
                            (n - b - claimed).abs() < 1e-6,
                            "seed {seed} tier {tier} township {t}: real {} claimed {claimed}",
                            n - b
                        );
                    }
                    before = now;
                }
            }
        }
        assert!(picked >= 10, "{picked} joint sites picked");
    }

    /// Greedy against brute force on seeded random networks: the first pick
    /// is the best single site, every reported gain is what adding the site
    /// really gains, and two greedy picks get at least (1 − 1/e) of the best pair.
    #[test]
    fn greedy_matches_brute_force_on_small_cases() {
        for seed in [2u64, 4, 6, 9] {
            let (layers, profile) = crate::analysis::tests::random_case(seed);
            let live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
            for (tier, category) in [(0usize, "a"), (1, "a"), (2, "b")] {
                let base = covered(&live, tier, category);
                let picks =
                    suggest_sites(&live, &request(tier, category, 2), &Progress::new()).unwrap();
                // Every site's gain, checked by really adding it.
                let mut after = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
                let mut so_far = base;
                for p in &picks {
                    add_site(&mut after, p);
                    let now = covered(&after, tier, category);
                    assert!(
                        (now - so_far - p.gained).abs() < 1e-6,
                        "seed {seed} tier {tier}: {p:?}, real gain {}",
                        now - so_far
                    );
                    so_far = now;
                }
                // Brute force over every usable road vertex (the candidates).
                let Some((graph, net)) = live.study.graph(profile.tiers[tier].mode) else {
                    continue;
                };
                let sites: Vec<[f64; 2]> = (0..net.node_count())
                    .filter(|&v| {
                        net.segments.iter().enumerate().any(|(s, seg)| {
                            graph.seg_dirs[s] != 0 && (seg.a as usize == v || seg.b as usize == v)
                        })
                    })
                    .map(|v| net.node_lonlat[v])
                    .collect();
                let gain_of = |set: &[[f64; 2]]| {
                    let mut l = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
                    for (i, p) in set.iter().enumerate() {
                        add_site(
                            &mut l,
                            &SiteSuggestion {
                                rank: i + 1,
                                category: category.into(),
                                location: Point::new(p[0], p[1]),
                                gained: 0.0,
                                township: None,
                                gain_by_township: Vec::new(),
                            },
                        );
                    }
                    covered(&l, tier, category) - base
                };
                let singles: Vec<f64> = sites.iter().map(|s| gain_of(&[*s])).collect();
                let best_single = singles.iter().copied().fold(0.0, f64::max);
                let first = picks.first().map_or(0.0, |p| p.gained);
                assert!(
                    (first - best_single).abs() < 1e-6,
                    "seed {seed} tier {tier}: greedy first {first}, best single {best_single}"
                );
                // Best pair among the ten best singles and the greedy picks.
                let mut order: Vec<usize> = (0..sites.len()).collect();
                order.sort_by(|&x, &y| singles[y].total_cmp(&singles[x]));
                let top: Vec<[f64; 2]> = order.iter().take(10).map(|&i| sites[i]).collect();
                let mut best_pair: f64 = 0.0;
                for i in 0..top.len() {
                    for j in i + 1..top.len() {
                        best_pair = best_pair.max(gain_of(&[top[i], top[j]]));
                    }
                }
                let greedy_total: f64 = picks.iter().map(|p| p.gained).sum();
                assert!(
                    greedy_total >= (1.0 - 1.0 / std::f64::consts::E) * best_pair - 1e-6,
                    "seed {seed} tier {tier}: greedy {greedy_total} vs best pair {best_pair}"
                );
            }
        }
    }

    #[test]
    fn restricting_to_a_township_keeps_sites_inside() {
        let (layers, profile) = crate::analysis::tests::tiny_case();
        let live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
        let mut req = request(0, "shop", 3);
        req.township = Some(0);
        let picks = suggest_sites(&live, &req, &Progress::new()).unwrap();
        // R2 (30 people, West) is the only one a West site can newly cover
        // within 5 minutes; R3 is unreachable.
        assert_eq!(picks.len(), 1);
        assert_eq!(picks[0].gained, 30.0);
        assert_eq!(picks[0].township, Some(0));
    }

    #[test]
    fn thinning_keeps_at_most_max() {
        let items: Vec<(u32, [f64; 2])> = (0..1000)
            .map(|i| (i, [(i % 40) as f64 * 10.0, (i / 40) as f64 * 10.0]))
            .collect();
        let kept = thin(items, 100);
        assert!(kept.len() <= 100 && kept.len() > 50, "{}", kept.len());
    }

    /// Townships among the uncovered people each candidate would cover.
    fn spans(live: &LiveAssessment, tier: usize, category: &str) -> Vec<usize> {
        let t = &live.profile.tiers[tier];
        let a = live.assessment();
        let uncovered: Vec<bool> = a
            .minutes_for(t, category)
            .unwrap()
            .iter()
            .zip(&a.resident_township)
            .map(|(m, tw)| tw.is_some() && *m > t.minutes as f32)
            .collect();
        let mut req = request(tier, category, 1);
        req.max_candidates = usize::MAX;
        let index = TownshipIndex::new(&live.study.townships);
        let (graph, net) = live.study.graph(t.mode).unwrap();
        network_candidates(
            live,
            graph,
            net,
            t,
            &uncovered,
            &req,
            &index,
            &Progress::new(),
        )
        .unwrap()
        .iter()
        .map(|(_, covers)| {
            let mut ts: Vec<u32> = covers
                .iter()
                .filter_map(|&r| a.resident_township[r as usize])
                .collect();
            ts.sort_unstable();
            ts.dedup();
            ts.len()
        })
        .collect()
    }

    /// `suggest --joint --tier t30` on the demo: the south-east townships
    /// without a hospital or police station (华墅乡, 万田乡, 石室乡, 沟溪乡)
    /// have 30-minute gaps on both sides of their borders, so joint sites
    /// exist for both required categories, and each pick's gain spans two or
    /// more townships. Where a township's gaps meet no neighbour's (七里乡),
    /// candidates cover one township only.
    #[test]
    fn demo_joint_sites_at_t30_span_two_townships_each() {
        let profile = crate::io::load_profile(&crate::io::demo_profile_path()).unwrap();
        let (layers, _) = crate::io::load_layers(&crate::io::demo_layer_paths(), &profile).unwrap();
        let live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
        let tier = profile.tiers.iter().position(|t| t.id == "t30").unwrap();
        for category in ["general_hospital", "police_station"] {
            let spans = spans(&live, tier, category);
            assert!(spans.len() > 100, "{category}: {} candidates", spans.len());
            assert!(spans.contains(&1), "{category}");
            assert!(spans.iter().any(|&s| s >= 2), "{category}");
            let picks =
                suggest_joint_sites(&live, &request(tier, category, 3), &Progress::new()).unwrap();
            assert!(!picks.is_empty(), "{category}");
            for p in &picks {
                assert!(
                    p.gain_by_township.iter().filter(|g| g.1 > 0.0).count() >= 2,
                    "{p:?}"
                );
            }
        }
    }
}
