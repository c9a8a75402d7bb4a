//! The Plan tab's state (建设时序): the last phased plan made on the layout
//! shown, the running plan job, and turning the plan into cumulative
//! layouts (近期, 近期+中期, …) that Compare and the reports use like any
//! other layout. The panel reports [`PlanAction`]s; the workspace carries
//! them out here.
//!
//! Layer: `state`; may import `analysis`, `model`, `report` and the
//! sibling `layouts`, `jobs`; never `ui` or `app`.

use super::jobs::{Job, Poll};
use super::layouts::SuggestionsView;
use super::{Message, Workspace};
use crate::analysis::{
    LiveAssessment, Plan, PlanError, PlanObjective, PlanRequest, SiteSuggestion, parse_phases, plan,
};
use crate::model::{Edit, Facility, FacilityId, Layout};
use crate::report::Lang;

/// Candidates kept per (tier, category) for a plan.
pub const PLAN_CANDIDATES: usize = 1500;

/// What the Plan tab asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanAction {
    /// Plan on the layout shown.
    Run {
        /// 万元.
        budget: f64,
        /// `近期:1000,远期:2000`; empty: one phase.
        phases: String,
        /// A tier index, or `None`: every tier.
        tier: Option<usize>,
        township: Option<u32>,
        objective: PlanObjective,
        /// With the `served` objective: the capacity of a new facility of a
        /// category whose profile entry gives no `default_capacity`.
        capacity: Option<f64>,
    },
    /// Stop the running plan.
    Cancel,
    /// Make one cumulative layout per phase with sites.
    MakeLayouts,
    /// Forget the plan.
    Clear,
}

/// A plan and what it was made on.
pub struct PlanView {
    pub plan: Plan,
    /// The layout planned on (`None`: the baseline), by name so a renamed
    /// or removed layout is noticed.
    pub base: Option<String>,
    /// The layouts made from it, by phase index, once asked for.
    pub layouts: Vec<(usize, String)>,
    /// The study it was made on ([`super::project::Study::generation`]).
    pub generation: u64,
    /// The sites numbered by step, for the map (drawn as suggestions are).
    pub sites: SuggestionsView,
}

/// The Plan tab's state (see module docs).
#[derive(Default)]
pub struct PlanState {
    pub view: Option<PlanView>,
    /// The running plan: it holds the live assessment and gives it back.
    pub job: Option<Job<(LiveAssessment, Result<Plan, PlanError>)>>,
    /// Why the last request could not be planned (shown in the tab).
    pub problem: Option<String>,
    /// The base layout's name while the job runs.
    running_base: Option<String>,
    /// The study generation while the job runs.
    running_generation: u64,
}

impl PlanState {
    /// Progress of the running plan, 0–1.
    pub fn progress(&self) -> Option<f32> {
        self.job.as_ref().map(|j| j.progress().fraction())
    }
}

/// The name of the cumulative layout after phase `phase`: the phase names
/// up to it joined by `+` (近期+中期).
pub fn cumulative_name(plan: &Plan, phase: usize) -> String {
    plan.phases
        .iter()
        .take(phase + 1)
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

/// A layout that is `base` plus every site of the phases up to `phase`,
/// ids from `next_id` on.
pub fn phase_layout(
    name: String,
    base: &Layout,
    next_id: u32,
    plan: &Plan,
    phase: usize,
    lang: Lang,
    profile: &crate::model::Profile,
) -> Layout {
    let mut layout = Layout {
        name,
        facilities_file: base.facilities_file.clone(),
        edits: base.edits.clone(),
        scenario: base.scenario.clone(),
    };
    for (i, s) in plan.steps.iter().enumerate() {
        if s.phase > phase {
            continue;
        }
        layout.edits.push(Edit::Add {
            id: FacilityId(next_id + i as u32),
            facility: Facility {
                category: s.category.clone(),
                name: crate::report::plan::step_name(plan, i, profile, lang),
                capacity: None,
                location: s.location,
            },
        });
    }
    layout
}

impl Workspace {
    /// The Plan tab's state (tests, panels).
    pub fn plan_state(&self) -> &PlanState {
        &self.plan
    }

    /// The plan to put in an exported report: one made on this study and
    /// on the layout shown (whose facilities the report draws).
    pub(super) fn plan_for_export(&self) -> Option<Plan> {
        let view = self.plan.view.as_ref()?;
        let shown = self
            .layouts
            .active
            .and_then(|i| self.layouts.layouts.get(i))
            .map(|l| l.name.clone());
        (view.generation == self.study.generation && view.base == shown).then(|| view.plan.clone())
    }

    pub(super) fn apply_plan(&mut self, action: PlanAction) {
        match action {
            PlanAction::Run {
                budget,
                phases,
                tier,
                township,
                objective,
                capacity,
            } => self.start_plan(budget, &phases, tier, township, objective, capacity),
            PlanAction::Cancel => {
                if let Some(j) = &self.plan.job {
                    j.cancel();
                }
            }
            PlanAction::MakeLayouts => self.make_phase_layouts(),
            PlanAction::Clear => {
                self.plan.view = None;
                self.plan.problem = None;
            }
        }
    }

    fn start_plan(
        &mut self,
        budget: f64,
        phases: &str,
        tier: Option<usize>,
        township: Option<u32>,
        objective: PlanObjective,
        capacity: Option<f64>,
    ) {
        let lang = self.settings.lang;
        let phases = match parse_phases(budget, Some(phases), lang.pick("全期", "whole")) {
            Ok(p) => p,
            Err(e) => {
                self.plan.problem = Some(e);
                return;
            }
        };
        if self.layouts.live.is_none() || self.assess_job.is_some() || self.layouts.is_busy() {
            self.message = Some(Message::LayoutBusy);
            return;
        }
        let tiers: Vec<usize> = match tier {
            Some(t) => vec![t],
            None => (0..self.study.profile.tiers.len()).collect(),
        };
        let request = PlanRequest {
            tiers,
            township,
            joint: false,
            phases,
            objective,
            max_candidates: PLAN_CANDIDATES,
            capacity,
        };
        let Some(live) = self.layouts.live.take() else {
            return;
        };
        self.plan.problem = None;
        self.plan.running_base = self
            .layouts
            .active
            .and_then(|i| self.layouts.layouts.get(i))
            .map(|l| l.name.clone());
        self.plan.running_generation = self.study.generation;
        let job = Job::spawn(&self.runner, move |p| {
            let r = plan(&live, &request, p);
            (live, r)
        });
        self.plan.job = Some(job);
        self.poll_plan_job();
    }

    /// Take the plan when its job is done, and give the live assessment back.
    pub(super) fn poll_plan_job(&mut self) {
        let Some(mut job) = self.plan.job.take() else {
            return;
        };
        match job.poll() {
            Poll::Running => self.plan.job = Some(job),
            Poll::Done(Ok((live, result))) => {
                let base = self.plan.running_base.take();
                let generation = self.plan.running_generation;
                let shown = self
                    .layouts
                    .active
                    .and_then(|i| self.layouts.layouts.get(i))
                    .map(|l| l.name.clone());
                // Give the live assessment back unless the layout or the data
                // changed meanwhile (a newer assessment then replaces it).
                if shown == base
                    && generation == self.study.generation
                    && self.layouts.live.is_none()
                    && self.assess_job.is_none()
                {
                    self.layouts.live = Some(live);
                } else if self.layouts.live.is_none() && self.assess_job.is_none() {
                    self.start_layout_assess();
                }
                match result {
                    Ok(plan) => {
                        let sites = SuggestionsView {
                            tier: plan.tiers.first().copied().unwrap_or(0),
                            sites: plan
                                .steps
                                .iter()
                                .map(|s| SiteSuggestion {
                                    rank: s.step,
                                    category: s.category.clone(),
                                    location: s.location,
                                    gained: s.gain,
                                    township: s.township,
                                    gain_by_township: s.gain_by_township.clone(),
                                })
                                .collect(),
                            joint: false,
                        };
                        self.plan.view = Some(PlanView {
                            sites,
                            plan,
                            base,
                            layouts: Vec::new(),
                            generation,
                        })
                    }
                    Err(PlanError::Cancelled) => self.message = Some(Message::Cancelled),
                    Err(e) => self.plan.problem = Some(e.to_string()),
                }
            }
            Poll::Done(Err(e)) => {
                self.failed(super::Task::Layouts, e);
                self.start_layout_assess();
            }
        }
    }

    /// One layout per phase with sites: the base layout plus the sites of
    /// that phase and those before it; the last one is shown.
    fn make_phase_layouts(&mut self) {
        let lang = self.settings.lang;
        let Some(view) = &self.plan.view else {
            return;
        };
        if self.layouts.is_busy() || self.plan.job.is_some() {
            self.message = Some(Message::LayoutBusy);
            return;
        }
        if view.generation != self.study.generation {
            self.plan.problem = Some(
                lang.pick(
                    "数据已更换，请重新制定计划。",
                    "The data changed since the plan was made: make the plan again.",
                )
                .to_string(),
            );
            return;
        }
        let base_index = view
            .base
            .as_ref()
            .and_then(|n| self.layouts.layouts.iter().position(|l| &l.name == n));
        let base = base_index
            .and_then(|i| self.layouts.layouts.get(i))
            .cloned()
            .unwrap_or_default();
        let next = self.layouts.table(base_index).len() as u32;
        let plan = &view.plan;
        let mut made = Vec::new();
        for phase in 0..plan.phases.len() {
            if !plan.steps.iter().any(|s| s.phase == phase) {
                continue;
            }
            let wanted = cumulative_name(plan, phase);
            let mut name = wanted.clone();
            let mut n = 2;
            while self.layouts.layouts.iter().any(|l| l.name == name) {
                name = format!("{wanted} {n}");
                n += 1;
            }
            let layout = phase_layout(
                name.clone(),
                &base,
                next,
                plan,
                phase,
                lang,
                &self.study.profile,
            );
            self.layouts.layouts.push(layout);
            made.push((phase, name));
        }
        if made.is_empty() {
            return;
        }
        if let Some(view) = &mut self.plan.view {
            view.layouts = made;
        }
        self.layouts.active = Some(self.layouts.layouts.len() - 1);
        self.layouts.redo.clear();
        self.layouts.dirty = true;
        self.show_layout_facilities();
        self.start_layout_assess();
    }
}
