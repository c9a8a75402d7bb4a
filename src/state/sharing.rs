//! The figures behind the Sharing (共享), 城乡对比 and Scorecard (对标)
//! views: who serves whom between townships (METHOD 18–19), town and
//! village shares (METHOD 20) and each township's scorecard. They need a
//! search of their own (the serving facility of every resident), so they
//! are computed after each assessment on a background job and attached to
//! the [`Results`](super::project::Results) they belong to; the assessment
//! and edits keep their speed.
//!
//! Layer: part of `state`; uses `analysis` and `model`, never `ui`.

use super::Workspace;
use super::jobs::{Job, Poll};
use crate::analysis::{
    Assessment, CoverageReport, Sharing, TownshipScorecard, fill_town_village, scorecards,
    settlement_classes, sharing,
};
use crate::model::{Layers, Profile, Settlement};
use eframe::egui;
use geo::MultiPolygon;
use std::sync::Arc;

/// People of one township served by the facilities of another, for the
/// map's flow lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Township of the residents (index in the townships layer).
    pub from: usize,
    /// Township of the serving facilities; `None`: outside every township.
    pub to: Option<usize>,
    /// Demand served.
    pub demand: f64,
    /// Lon/lat of the residents' demand-weighted centre.
    pub start: [f64; 2],
    /// Lon/lat of the serving facilities' centre, weighted by the demand
    /// each serves for `from`.
    pub end: [f64; 2],
}

/// Town and village covered shares of one tier × category, per township.
#[derive(Clone, Debug, PartialEq)]
pub struct CategorySplit {
    pub tier: usize,
    pub category: String,
    /// Per township (file order), then the district last: covered share of
    /// the town residents; `None` when the township has none.
    pub town: Vec<Option<f64>>,
    /// The same for the village residents.
    pub village: Vec<Option<f64>>,
}

impl CategorySplit {
    /// `(town, village)` of row `row` (`townships.len()`: the district).
    pub fn shares(&self, row: usize) -> (Option<f64>, Option<f64>) {
        (
            self.town.get(row).copied().flatten(),
            self.village.get(row).copied().flatten(),
        )
    }
}

/// Everything the three views show for one assessment.
#[derive(Clone, Debug)]
pub struct SharedFigures {
    /// The sharing tables (METHOD 18–19).
    pub sharing: Sharing,
    /// The assessment's report with `served_by_own_share` and, when a split
    /// can be made, the town and village complete shares.
    pub report: CoverageReport,
    /// Per tier: the district's town and village complete shares (the
    /// report stores them per township only).
    pub district_town_village: Vec<(Option<f64>, Option<f64>)>,
    /// Whether residents could be split into town and village at all.
    pub split: bool,
    /// Per tier × category (sharing-table order); empty without a split.
    pub category_split: Vec<CategorySplit>,
    /// Per sharing table: the flows between different townships, largest
    /// first.
    pub flows: Vec<Vec<Flow>>,
    /// Per sharing table: facilities (index in the facilities layer) that
    /// serve residents of two or more townships (共享), in file order.
    pub shared_facilities: Vec<Vec<u32>>,
    /// Scorecards of every township (对标).
    pub scorecards: Vec<TownshipScorecard>,
}

impl SharedFigures {
    /// Index of the sharing table of `tier` and `category`.
    pub fn table_index(&self, tier: usize, category: &str) -> Option<usize> {
        self.sharing
            .tables
            .iter()
            .position(|t| t.tier == tier && t.category == category)
    }

    /// The category split of `tier` and `category`, when there is a split.
    pub fn category_split(&self, tier: usize, category: &str) -> Option<&CategorySplit> {
        self.category_split
            .iter()
            .find(|s| s.tier == tier && s.category == category)
    }
}

/// Compute the figures of `assessment`, an assessment of `layers` (the
/// facilities of the layout shown) against `profile`; residents without a
/// `settlement` value are classed by `town_areas` when given.
pub fn shared_figures(
    assessment: &Assessment,
    layers: &Layers,
    profile: &Profile,
    town_areas: Option<&[MultiPolygon<f64>]>,
) -> SharedFigures {
    let sharing = sharing(assessment, layers, profile);
    let mut report = assessment.report.clone();
    sharing.fill_report(&mut report);
    let classes = settlement_classes(assessment, town_areas);
    let n = layers.townships.len();
    let tiers = profile.tiers.len();
    let mut district_town_village = vec![(None, None); tiers];
    let mut category_split = Vec::new();
    if let Some(classes) = &classes {
        fill_town_village(&mut report, assessment, classes);
        // The district's complete shares by class, from the blind spots.
        let mut population = [0.0f64; 2];
        let mut blind = vec![[0.0f64; 2]; tiers];
        let class = |c: Settlement| usize::from(c == Settlement::Village);
        for (i, r) in assessment.demand.iter().enumerate() {
            if let (Some(_), Some(c)) = (assessment.resident_township[i], classes[i]) {
                population[class(c)] += r.population;
            }
        }
        for b in &assessment.blind_spots {
            let i = b.resident as usize;
            if let (Some(_), Some(c)) = (assessment.resident_township[i], classes[i])
                && let Some(row) = blind.get_mut(b.tier as usize)
            {
                row[class(c)] += assessment.demand[i].population;
            }
        }
        let share = |k: usize, blind: f64| {
            (population[k] > 0.0).then(|| ((population[k] - blind) / population[k]).clamp(0.0, 1.0))
        };
        for (t, row) in blind.iter().enumerate() {
            district_town_village[t] = (share(0, row[0]), share(1, row[1]));
        }
        for table in &sharing.tables {
            let tier = &profile.tiers[table.tier];
            let Some(minutes) = assessment.minutes_for(tier, &table.category) else {
                continue;
            };
            let limit = tier.minutes as f32;
            // [row][class]: population and covered population; row n is the district.
            let mut pop = vec![[0.0f64; 2]; n + 1];
            let mut covered = vec![[0.0f64; 2]; n + 1];
            for (i, r) in assessment.demand.iter().enumerate() {
                let (Some(t), Some(c)) = (assessment.resident_township[i], classes[i]) else {
                    continue;
                };
                for row in [t as usize, n] {
                    pop[row][class(c)] += r.population;
                    if minutes[i] <= limit {
                        covered[row][class(c)] += r.population;
                    }
                }
            }
            let of = |k: usize| -> Vec<Option<f64>> {
                (0..=n)
                    .map(|row| (pop[row][k] > 0.0).then(|| covered[row][k] / pop[row][k]))
                    .collect()
            };
            category_split.push(CategorySplit {
                tier: table.tier,
                category: table.category.clone(),
                town: of(0),
                village: of(1),
            });
        }
    }

    // Demand-weighted centre of each township's residents.
    let mut centre_sum = vec![[0.0f64; 3]; n];
    for (i, r) in assessment.demand.iter().enumerate() {
        if let Some(t) = assessment.resident_township[i] {
            let c = &mut centre_sum[t as usize];
            c[0] += r.location.x() * r.population;
            c[1] += r.location.y() * r.population;
            c[2] += r.population;
        }
    }
    let centre = |t: usize| {
        let [x, y, w] = centre_sum[t];
        (w > 0.0).then(|| [x / w, y / w])
    };
    let mut flows = Vec::with_capacity(sharing.tables.len());
    let mut shared_facilities = Vec::with_capacity(sharing.tables.len());
    for table in &sharing.tables {
        // (from, to) → [Σ demand·lon, Σ demand·lat, Σ demand] of the facilities.
        let mut ends: std::collections::BTreeMap<(usize, usize), [f64; 3]> = Default::default();
        let mut served: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
        for &(j, from, demand) in &table.by_facility {
            let Some(from) = from else { continue };
            served.entry(j).or_default().push(from);
            let to = sharing.facility_township[j as usize].map_or(n, |t| t as usize);
            if to == from as usize || demand <= 0.0 {
                continue;
            }
            let f = &layers.facilities[j as usize].location;
            let e = ends.entry((from as usize, to)).or_default();
            e[0] += f.x() * demand;
            e[1] += f.y() * demand;
            e[2] += demand;
        }
        let mut list: Vec<Flow> = ends
            .into_iter()
            .filter_map(|((from, to), [x, y, w])| {
                Some(Flow {
                    from,
                    to: (to < n).then_some(to),
                    demand: w,
                    start: centre(from)?,
                    end: [x / w, y / w],
                })
            })
            .collect();
        list.sort_by(|a, b| b.demand.total_cmp(&a.demand));
        flows.push(list);
        shared_facilities.push(
            served
                .into_iter()
                .filter(|(_, towns)| {
                    let mut towns = towns.clone();
                    towns.sort_unstable();
                    towns.dedup();
                    towns.len() >= 2
                })
                .map(|(j, _)| j)
                .collect(),
        );
    }
    let scorecards = scorecards(assessment, &sharing, layers, profile);
    SharedFigures {
        sharing,
        report,
        district_town_village,
        split: classes.is_some(),
        category_split,
        flows,
        shared_facilities,
        scorecards,
    }
}

/// The running computation: the assessment it is for, the town-area
/// generation it used, and the figures.
pub(crate) type SharedJob = Job<(Arc<Assessment>, u64, SharedFigures)>;

impl Workspace {
    /// Take the finished figures and start them for new results: called at
    /// the end of every poll.
    pub(super) fn poll_shared(&mut self, ctx: &egui::Context) {
        // Inline jobs finish inside `spawn`: a second round takes them.
        for _ in 0..2 {
            if let Some(job) = &mut self.shared_job
                && let Poll::Done(result) = job.poll()
            {
                self.shared_job = None;
                match result {
                    Ok((assessment, areas, figures)) => {
                        if let Some(r) = &mut self.results
                            && Arc::ptr_eq(&r.assessment, &assessment)
                            && areas == self.study.town_areas_generation
                        {
                            r.shared = Some(Arc::new(figures));
                        }
                    }
                    Err(e) => self.failed(super::Task::Assess, e),
                }
            }
            let Some(r) = &self.results else { return };
            if r.shared.is_some() || r.study_generation != self.study.generation {
                return;
            }
            if self.shared_job.is_some() {
                ctx.request_repaint_after(std::time::Duration::from_millis(100));
                return;
            }
            let assessment = Arc::clone(&r.assessment);
            let profile = r.profile.clone();
            let layers = Arc::clone(&self.study.layers);
            let areas = self.study.town_areas.as_ref().map(|(_, a)| Arc::clone(a));
            let generation = self.study.town_areas_generation;
            self.shared_job = Some(Job::spawn(&self.runner, move |_| {
                let figures = shared_figures(
                    &assessment,
                    &layers,
                    &profile,
                    areas.as_deref().map(Vec::as_slice),
                );
                (assessment, generation, figures)
            }));
        }
    }

    /// Take a finished town-area file: use it, or say why it cannot be
    /// used (the previous layer stays).
    pub(super) fn poll_town_areas(&mut self) {
        let Some(job) = &mut self.town_areas_job else {
            return;
        };
        let Poll::Done(result) = job.poll() else {
            return;
        };
        self.town_areas_job = None;
        match result {
            Ok((path, name, Ok(areas))) => {
                self.study.town_areas = Some((name.clone(), Arc::new(areas)));
                self.message = Some(super::Message::Loaded(vec![name]));
                self.town_areas_changed();
                // Kept in the project file; one it names already (being
                // opened) is no unsaved change.
                let path = std::path::absolute(&path).unwrap_or(path);
                let files = &mut self.project_file.layers;
                if files.town_areas.as_ref() != Some(&path) {
                    files.town_areas = Some(path);
                    self.layouts.dirty = true;
                }
            }
            Ok((_, _, Err(problem))) => {
                self.message = Some(super::Message::TownAreasFailed(problem));
            }
            Err(e) => self.failed(super::Task::Load, e),
        }
    }

    /// The town-area layer changed: the town and village figures follow
    /// (the assessment itself does not change).
    pub(super) fn town_areas_changed(&mut self) {
        self.study.town_areas_generation += 1;
        self.shared_job = None;
        if let Some(r) = &mut self.results {
            r.shared = None;
        }
    }

    /// Whether the figures of the results shown are still being computed.
    pub fn shared_pending(&self) -> bool {
        self.shared_job.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::tiny_case;
    use crate::analysis::{Progress, assess};
    use geo::polygon;

    /// tiny_case (see analysis::tests): West = 0, East = 1. The shop is in
    /// East, the school in West. For t10 everyone reachable is covered:
    /// R2 (30, West) is served by East's shop, R1 (10, East) by West's
    /// school; the school serves both townships (共享), the shop too.
    #[test]
    fn flows_and_shared_facilities_by_hand() {
        let (layers, profile) = tiny_case();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let f = shared_figures(&a, &layers, &profile, None);
        assert!(!f.split);
        assert!(f.category_split.is_empty());
        let shop = f.table_index(1, "shop").unwrap();
        let flows = &f.flows[shop];
        assert_eq!(flows.len(), 1, "{flows:?}");
        assert_eq!(
            (flows[0].from, flows[0].to, flows[0].demand),
            (0, Some(1), 30.0)
        );
        let shop_xy = layers.facilities[0].location;
        assert_eq!(flows[0].end, [shop_xy.x(), shop_xy.y()]);
        assert_eq!(f.shared_facilities[shop], vec![0]);
        let school = f.table_index(1, "school").unwrap();
        assert_eq!(f.flows[school].len(), 1);
        assert_eq!(
            (f.flows[school][0].from, f.flows[school][0].to),
            (1, Some(0))
        );
        assert_eq!(f.shared_facilities[school], vec![1]);
        // In the 5-minute circle only R1 reaches the shop, at home.
        let t5 = f.table_index(0, "shop").unwrap();
        assert!(f.flows[t5].is_empty());
        assert!(f.shared_facilities[t5].is_empty());
        // The West centre: R2 (30) and R3 (60) weighted.
        let rs = layers.residents.as_ref().unwrap();
        let west: Vec<_> = rs.iter().filter(|r| r.location.x() < 0.002).collect();
        let w: f64 = west.iter().map(|r| r.population).sum();
        let x: f64 = west
            .iter()
            .map(|r| r.location.x() * r.population)
            .sum::<f64>()
            / w;
        assert!((flows[0].start[0] - x).abs() < 1e-12);
        assert_eq!(f.scorecards.len(), 2);
    }

    /// Town and village split by a town-area layer: the district row and
    /// the per-category split agree with the by-hand figures.
    #[test]
    fn town_and_village_split_by_town_areas() {
        let (layers, profile) = tiny_case();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        // A town area around R1 only (East).
        let r1 = layers.residents.as_ref().unwrap()[0].location;
        let (x, y) = (r1.x(), r1.y());
        let area = geo::MultiPolygon(vec![polygon![
            (x: x - 1e-4, y: y - 1e-4), (x: x + 1e-4, y: y - 1e-4),
            (x: x + 1e-4, y: y + 1e-4), (x: x - 1e-4, y: y + 1e-4)
        ]]);
        let f = shared_figures(&a, &layers, &profile, Some(&[area]));
        assert!(f.split);
        // R1 (10) is town and complete in both tiers; R2 (30) and R3 (60)
        // are village: complete for t10 is R2 only.
        assert_eq!(f.district_town_village[0], (Some(1.0), Some(0.0)));
        assert_eq!(f.district_town_village[1], (Some(1.0), Some(30.0 / 90.0)));
        let east = &f.report.townships[1].figures.tiers[1];
        assert_eq!(east.town_complete_share, Some(1.0));
        assert_eq!(east.village_complete_share, None);
        let school = f.category_split(1, "school").unwrap();
        assert_eq!(school.shares(0), (None, Some(30.0 / 90.0)));
        assert_eq!(school.shares(1), (Some(1.0), None));
        assert_eq!(school.shares(2), (Some(1.0), Some(30.0 / 90.0)));
    }
}
