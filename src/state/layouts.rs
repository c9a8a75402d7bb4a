//! Alternative layouts (方案) in the workspace: the baseline facilities and
//! named layouts made of edits, the live assessment of the layout shown
//! (edits re-assess incrementally through [`LiveAssessment::apply`]), undo
//! and redo, comparing two layouts, site suggestions and redundancy. The
//! panels report [`LayoutAction`]s; [`LifeCircleApp::apply_layout`] carries
//! them out.

use super::jobs::{Job, Poll};
use super::map_geometry::PlaneOrigin;
use super::map_geometry::{DemandGeometry, FacilityMark};
use super::project::Results;
use super::scenario_edit::{DrawOptions, ScenarioHistory, ScenarioRequest};
use super::{Message, Workspace};
use crate::analysis::{
    self, Assessment, Cancelled, Comparison, FacilityRedundancy, LiveAssessment, Progress,
    SiteSuggestion, SuggestRequest,
};
use crate::model::{Edit, Facility, FacilityId, Layers, Layout, Profile, Scenario};
use eframe::egui;
use std::sync::Arc;
use std::time::Instant;

/// Studies with more residents than this apply edits as background jobs.
pub const INLINE_EDIT_LIMIT: usize = 200_000;

/// Candidates kept for site suggestions.
pub const MAX_CANDIDATES: usize = 1500;

/// What a click on the map does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EditTool {
    /// Clicks select facilities (no editing).
    #[default]
    Select,
    /// A click adds a facility of the chosen category.
    Add,
    /// Dragging a facility moves it.
    Move,
    /// A click on a facility deletes it.
    Delete,
    /// Clicks add road vertices; double-click or Enter ends the road
    /// (issue 16, [`super::scenario_edit`]).
    DrawRoad,
    /// A click on a road segment closes it.
    CloseRoad,
    /// A click on a road segment gives it the drawing options' class, speed
    /// and one-way.
    RestyleRoad,
    /// Clicks add corners of a new residential area.
    DrawArea,
    /// Clicks add corners of an area whose population is scaled.
    ScaleArea,
}

impl EditTool {
    /// Whether the tool edits roads or people (the layout's scenario).
    pub fn is_scenario(self) -> bool {
        matches!(
            self,
            EditTool::DrawRoad
                | EditTool::CloseRoad
                | EditTool::RestyleRoad
                | EditTool::DrawArea
                | EditTool::ScaleArea
        )
    }
}

/// A change asked for on the map or in the edits list.
#[derive(Clone, Debug, PartialEq)]
pub enum EditRequest {
    /// Add a facility of `category` at lon/lat.
    Add { category: String, lonlat: [f64; 2] },
    /// Move facility `id` to lon/lat.
    Move { id: FacilityId, lonlat: [f64; 2] },
    /// Delete facility `id`.
    Delete { id: FacilityId },
    /// Give facility `id` another category.
    SetCategory { id: FacilityId, category: String },
}

/// What a layouts panel asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum LayoutAction {
    /// Show the baseline (`None`) or a layout.
    Activate(Option<usize>),
    /// A new layout: a copy of the layout shown.
    New,
    /// A new layout starting from a facilities file (asks for the file).
    NewFromFile,
    /// Rename a layout.
    Rename(usize, String),
    /// Remove a layout.
    Remove(usize),
    /// Change what map clicks do.
    SetTool(EditTool),
    /// The category added by the add tool.
    SetAddCategory(String),
    /// Edit the layout shown (the baseline is copied to a new layout first).
    Edit(EditRequest),
    /// A road or population edit of the layout shown (issue 16).
    Scenario(ScenarioRequest),
    /// The options the road and area tools draw with.
    SetDrawOptions(DrawOptions),
    /// Undo the last edit of the layout shown.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Compare layout `b` against `a` (`None`: the baseline).
    Compare(Option<usize>, Option<usize>),
    /// Hide the comparison.
    CloseComparison,
    /// Suggest sites.
    Suggest {
        tier: usize,
        /// One category, or `None`: every required category of the tier.
        category: Option<String>,
        k: usize,
        township: Option<u32>,
        /// Joint sites (共建): a site counts only when the people it newly
        /// covers live in two or more townships.
        joint: bool,
    },
    /// Turn the suggestions into a new layout.
    AdoptSuggestions,
    /// Hide the suggestions.
    ClearSuggestions,
    /// Compute the redundancy of every facility of the layout shown.
    Redundancy,
    /// Hide the redundancy.
    ClearRedundancy,
    /// Stop the running layouts job.
    CancelJob,
}

/// The figures of a comparison and which layouts it is about.
pub struct ComparisonView {
    /// Layout a (`None`: baseline).
    pub a: Option<usize>,
    /// Layout b.
    pub b: Option<usize>,
    /// Names of a and b, as shown when compared.
    pub names: [String; 2],
    pub comparison: Comparison,
    /// Map positions of the demand points the changes refer to.
    pub positions: Arc<Vec<[f32; 2]>>,
    /// Road and population changes of a and b (drawn on the map).
    pub scenarios: [Scenario; 2],
}

/// Suggested sites and the request they answer.
pub struct SuggestionsView {
    pub tier: usize,
    pub sites: Vec<SiteSuggestion>,
    /// The sites are joint sites (共建), each listing its gain per township.
    pub joint: bool,
}

/// A site search: the live assessment it holds, the sites, and the tier
/// and whether they are joint sites.
pub type SuggestJob = Job<(
    LiveAssessment,
    Result<Vec<SiteSuggestion>, Cancelled>,
    (usize, bool),
)>;

/// The running layouts job.
pub enum LayoutJob {
    Edit(
        Job<(LiveAssessment, Result<(), analysis::EditError>)>,
        EditDone,
    ),
    Compare(Job<Result<ComparisonView, Cancelled>>),
    /// Holds the live assessment while it runs and gives it back.
    Suggest(SuggestJob),
    /// Holds the live assessment while it runs and gives it back.
    Redundancy(Job<(LiveAssessment, Result<Vec<FacilityRedundancy>, Cancelled>)>),
    /// A facilities file read as a whole alternative.
    LoadFile(Job<Result<Vec<Facility>, String>>, std::path::PathBuf),
}

/// What to do with the layout when a background edit lands.
#[derive(Clone, Debug)]
pub enum EditDone {
    /// A new edit: append, clear redo.
    Push(Edit),
    /// An undo: move the layout's last edit to the redo list.
    Undo,
    /// A redo: move the last redo edit back to the layout.
    Redo,
}

/// Layouts, edits and the live assessment (see module docs).
#[derive(Default)]
pub struct Layouts {
    /// The baseline facilities (as loaded).
    pub baseline: Arc<Vec<Facility>>,
    /// Facilities files of whole-alternative layouts, read, by path.
    pub files: std::collections::HashMap<String, Arc<Vec<Facility>>>,
    /// The named alternatives.
    pub layouts: Vec<Layout>,
    /// The layout shown; `None`: the baseline.
    pub active: Option<usize>,
    /// Undone edits of the active layout, last undone last.
    pub redo: Vec<Edit>,
    /// The live assessment of the layout shown.
    pub live: Option<LiveAssessment>,
    /// Facility id of each facility on the map (`Layers::facilities` order).
    pub ids: Vec<FacilityId>,
    /// The layers last put on screen by this module.
    shown: Option<Arc<Layers>>,
    /// What map clicks do.
    pub tool: EditTool,
    /// The category the add tool adds.
    pub add_category: String,
    pub comparison: Option<ComparisonView>,
    pub suggestions: Option<SuggestionsView>,
    /// Redundancy per facility of the layout shown, with the layout it was for.
    pub redundancy: Option<(Option<usize>, Vec<FacilityRedundancy>)>,
    pub job: Option<LayoutJob>,
    /// Changed since the project was last saved or opened.
    pub dirty: bool,
    /// Demand points above which edits run as jobs; `None`:
    /// [`INLINE_EDIT_LIMIT`] (tests lower it).
    pub inline_edit_limit: Option<usize>,
    /// Seconds of the last edit's re-assessment.
    pub last_edit_seconds: Option<f64>,
    /// Layouts of a project being opened, applied once its layers load.
    pub(super) pending: Option<(Vec<Layout>, Option<usize>)>,
    /// What the road and area tools draw with.
    pub draw: DrawOptions,
    /// Undo and redo of road and population edits.
    pub scenario_history: ScenarioHistory,
    /// When the running re-assessment after a road or population edit
    /// started (its time lands in `last_edit_seconds`).
    pub scenario_edit_started: Option<Instant>,
}

impl Layouts {
    /// Name of the layout shown.
    pub fn name(&self, index: Option<usize>, lang: crate::report::Lang) -> String {
        match index.and_then(|i| self.layouts.get(i)) {
            Some(l) => l.name.clone(),
            None => lang.pick("基准", "Baseline").to_string(),
        }
    }

    /// Road and population changes of layout `index` (none for the baseline).
    pub fn scenario_of(&self, index: Option<usize>) -> Scenario {
        index
            .and_then(|i| self.layouts.get(i))
            .map(|l| l.scenario.clone())
            .unwrap_or_default()
    }

    /// Whether Undo has something to undo in the layout shown.
    pub fn can_undo(&self) -> bool {
        let layout = self.active.and_then(|i| self.layouts.get(i));
        !self.active_edits().is_empty() || self.scenario_history.undo_next(self.active, layout)
    }

    /// Whether Redo has something to redo in the layout shown.
    pub fn can_redo(&self) -> bool {
        let layout = self.active.and_then(|i| self.layouts.get(i));
        !self.redo.is_empty() || self.scenario_history.redo_next(self.active, layout)
    }

    /// Edits of the layout shown (none for the baseline).
    pub fn active_edits(&self) -> &[Edit] {
        self.active
            .and_then(|i| self.layouts.get(i))
            .map_or(&[], |l| l.edits.as_slice())
    }

    /// The starting facilities of layout `index`: its facilities file, or
    /// the baseline.
    pub fn start_of(&self, index: Option<usize>) -> Arc<Vec<Facility>> {
        index
            .and_then(|i| self.layouts.get(i))
            .and_then(|l| l.facilities_file.as_ref())
            .and_then(|f| self.files.get(f))
            .map_or_else(|| Arc::clone(&self.baseline), Arc::clone)
    }

    /// The facility table of layout `index` (`None`: baseline).
    pub fn table(&self, index: Option<usize>) -> Vec<Option<Facility>> {
        let start = self.start_of(index);
        match index.and_then(|i| self.layouts.get(i)) {
            Some(l) => l.facility_table(&start),
            None => start.iter().cloned().map(Some).collect(),
        }
    }

    /// Whether a layouts job is running.
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// Progress of the running job: what, fraction.
    pub fn job_progress(&self) -> Option<(JobKind, f32)> {
        let (kind, p) = match self.job.as_ref()? {
            LayoutJob::Edit(j, _) => (JobKind::Edit, j.progress()),
            LayoutJob::Compare(j) => (JobKind::Compare, j.progress()),
            LayoutJob::Suggest(j) => (JobKind::Suggest, j.progress()),
            LayoutJob::Redundancy(j) => (JobKind::Redundancy, j.progress()),
            LayoutJob::LoadFile(j, _) => (JobKind::LoadFile, j.progress()),
        };
        Some((kind, p.fraction()))
    }

    pub(super) fn unused_name(&self, lang: crate::report::Lang) -> String {
        (1..)
            .map(|n| format!("{}{n}", lang.pick("方案 ", "Layout ")))
            .find(|n| !self.layouts.iter().any(|l| &l.name == n))
            .unwrap_or_default()
    }
}

/// The kinds of layouts jobs, for the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Edit,
    Compare,
    Suggest,
    Redundancy,
    LoadFile,
}

/// Facilities present in `table`, with their ids.
pub fn flatten(table: &[Option<Facility>]) -> (Vec<FacilityId>, Vec<Facility>) {
    table
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.clone().map(|f| (FacilityId(i as u32), f)))
        .unzip()
}

/// Map marks of `facilities` (as [`MapGeometry::build`] makes them).
pub fn facility_marks(
    facilities: &[Facility],
    profile: &Profile,
    plane: &PlaneOrigin,
) -> Vec<FacilityMark> {
    let ids = profile.category_ids();
    facilities
        .iter()
        .enumerate()
        .map(|(i, f)| FacilityMark {
            index: i as u32,
            pos: plane.project(f.location.x(), f.location.y()),
            category: ids.iter().position(|c| *c == f.category).map(|c| c as u16),
            tier: profile
                .tiers
                .iter()
                .position(|t| t.all_categories().any(|c| c == f.category))
                .map(|t| t as u16),
        })
        .collect()
}

/// Build the live assessment of `start` facilities plus `edits` (edits that
/// no longer fit, e.g. after the baseline changed, are skipped) and the
/// results the screen shows.
pub fn assess_layout(
    layers: Arc<Layers>,
    start: Arc<Vec<Facility>>,
    edits: Vec<Edit>,
    profile: Profile,
    plane: PlaneOrigin,
    study_generation: u64,
    progress: &Progress,
) -> Result<(Results, LiveAssessment), Cancelled> {
    let clock = Instant::now();
    let mut base = (*layers).clone();
    base.facilities = (*start).clone();
    let mut live = LiveAssessment::new(&base, &profile, progress)?;
    for e in &edits {
        progress.check()?;
        live.apply(e).ok();
    }
    progress.phase("map", 0.99);
    let results = results_of(&live, profile, &plane, study_generation, clock);
    Ok((results, live))
}

fn results_of(
    live: &LiveAssessment,
    profile: Profile,
    plane: &PlaneOrigin,
    study_generation: u64,
    clock: Instant,
) -> Results {
    let assessment = live.assessment().clone();
    let demand = DemandGeometry::build(&assessment, profile.tiers.len(), plane);
    Results {
        assessment: Arc::new(assessment),
        demand: Arc::new(demand),
        profile,
        study_generation,
        seconds: clock.elapsed().as_secs_f64(),
        shared: None,
    }
}

/// Assess a layout from scratch (for comparisons).
fn assess_table(
    layers: &Layers,
    table: &[Option<Facility>],
    profile: &Profile,
    progress: &Progress,
) -> Result<Assessment, Cancelled> {
    let mut l = layers.clone();
    l.facilities = flatten(table).1;
    analysis::assess(&l, profile, progress)
}

/// A new layout made of `sites` on top of `base`.
pub fn layout_from_sites(
    name: String,
    base: &Layout,
    next_id: u32,
    sites: &[SiteSuggestion],
) -> Layout {
    let mut layout = Layout {
        name,
        facilities_file: base.facilities_file.clone(),
        edits: base.edits.clone(),
        scenario: base.scenario.clone(),
    };
    for (i, s) in sites.iter().enumerate() {
        layout.edits.push(Edit::Add {
            id: FacilityId(next_id + i as u32),
            facility: Facility {
                category: s.category.clone(),
                name: format!("#{} {}", s.rank, s.category),
                capacity: None,
                location: s.location,
            },
        });
    }
    layout
}

impl Workspace {
    /// The layouts state (tests, panels).
    pub fn layouts(&self) -> &Layouts {
        &self.layouts
    }

    /// Run edits of studies above `residents` demand points as jobs (the
    /// default is [`INLINE_EDIT_LIMIT`]).
    pub fn set_inline_edit_limit(&mut self, residents: usize) {
        self.layouts.inline_edit_limit = Some(residents);
    }

    /// Start assessing the layout shown. A load that replaced the layers
    /// makes their facilities the new baseline.
    pub(super) fn start_layout_assess(&mut self) {
        let fresh = self
            .layouts
            .shown
            .as_ref()
            .is_none_or(|s| !Arc::ptr_eq(s, &self.study.layers));
        if fresh {
            self.layouts.baseline = Arc::new(self.study.layers.facilities.clone());
            self.layouts.redo.clear();
            self.layouts.comparison = None;
            self.layouts.suggestions = None;
            self.layouts.redundancy = None;
            self.layouts.active = None;
            if let Some((layouts, active)) = self.layouts.pending.take() {
                self.layouts.layouts = layouts;
                self.layouts.active = active.filter(|&i| i < self.layouts.layouts.len());
                self.read_layout_files();
                self.drop_unfit_edits();
            }
            self.show_layout_facilities();
            self.layers_loaded();
        }
        self.layouts.live = None;
        self.layouts.job = None;
        if self.study.profile.tiers.is_empty() {
            return;
        }
        // A layout's roads and people changes: assessed on the edited layers.
        let scenario = self.layouts.scenario_of(self.layouts.active);
        let layers = if scenario.is_empty() {
            Arc::clone(&self.study.layers)
        } else {
            match scenario.apply_to(&self.study.layers) {
                Ok(edited) => Arc::new(edited),
                Err(e) => {
                    self.message = Some(Message::EditFailed(format!(
                        "{e} ({})",
                        self.settings.lang.pick(
                            "道路与人口变更未应用",
                            "road and population changes not applied"
                        )
                    )));
                    Arc::clone(&self.study.layers)
                }
            }
        };
        let start = self.layouts.start_of(self.layouts.active);
        let edits = self.layouts.active_edits().to_vec();
        let profile = self.study.profile.clone();
        let plane = self.study.geometry.plane;
        let generation = self.study.generation;
        self.assess_job = Some(Job::spawn(&self.runner, move |p| {
            assess_layout(layers, start, edits, profile, plane, generation, p)
        }));
    }

    /// After a road or population edit of the active layout: bring its live
    /// assessment to the edited layers on the background job, running
    /// only the searches the edit reaches (`LiveAssessment::reassess`).
    /// Without a live assessment of these layers, assessed afresh.
    pub(super) fn start_layout_reassess(&mut self) {
        let same_study = self
            .layouts
            .shown
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, &self.study.layers));
        let scenario = self.layouts.scenario_of(self.layouts.active);
        let edited = scenario.apply_to(&self.study.layers);
        let (Some(mut live), true, Ok(edited)) = (
            self.layouts.live.take().filter(|_| same_study),
            self.assess_job.is_none(),
            edited,
        ) else {
            self.start_layout_assess();
            return;
        };
        let profile = self.study.profile.clone();
        let plane = self.study.geometry.plane;
        let generation = self.study.generation;
        self.assess_job = Some(Job::spawn(&self.runner, move |p| {
            let clock = Instant::now();
            live.reassess(&edited, p)?;
            p.phase("map", 0.99);
            let results = results_of(&live, profile, &plane, generation, clock);
            Ok((results, live))
        }));
    }

    /// Check every edit of the opened layouts (ids, categories, positions
    /// inside the study extent); open the project without those that do
    /// not fit, saying which and why.
    fn drop_unfit_edits(&mut self) {
        let file = self
            .project_file
            .opening_path()
            .map_or_else(String::new, |p| format!("{}: ", p.display()));
        let mut problems = Vec::new();
        for i in 0..self.layouts.layouts.len() {
            let start = self.layouts.start_of(Some(i));
            let layout = &self.layouts.layouts[i];
            let (kept, found) = crate::analysis::checked_layout(
                layout,
                &start,
                &self.study.layers.townships,
                &self.study.profile,
            );
            for p in found {
                problems.push(format!(
                    "{file}layout {:?}, edit {}: {}",
                    layout.name, p.number, p.message
                ));
            }
            self.layouts.layouts[i] = kept;
        }
        if !problems.is_empty() {
            let lang = self.settings.lang;
            self.message = Some(Message::ProjectFailed(format!(
                "{}{}",
                problems.join("; "),
                lang.pick(
                    "。项目已打开，未用这些修改。",
                    ". The project is open without these edits."
                )
            )));
        }
    }

    /// Read the facilities files of opened layouts (small files: inline).
    fn read_layout_files(&mut self) {
        let matcher = crate::io::CategoryMatcher::from_profile(&self.study.profile);
        let files: Vec<String> = self
            .layouts
            .layouts
            .iter()
            .filter_map(|l| l.facilities_file.clone())
            .filter(|f| !self.layouts.files.contains_key(f))
            .collect();
        for f in files {
            match crate::io::load_facilities_matching(std::path::Path::new(&f), &matcher) {
                Ok(loaded) => {
                    self.layouts.files.insert(f, Arc::new(loaded.items));
                }
                Err(e) => self.message = Some(Message::ProjectFailed(e.to_string())),
            }
        }
    }

    /// Put the active layout's facilities on screen (layers, map marks).
    pub(super) fn show_layout_facilities(&mut self) {
        let table = self.layouts.table(self.layouts.active);
        let (ids, facilities) = flatten(&table);
        let mut layers = (*self.study.layers).clone();
        layers.facilities = facilities;
        let mut geometry = (*self.study.geometry).clone();
        geometry.facilities =
            facility_marks(&layers.facilities, &self.study.profile, &geometry.plane);
        let layers = Arc::new(layers);
        self.study.layers = Arc::clone(&layers);
        self.study.geometry = Arc::new(geometry);
        self.layouts.shown = Some(layers);
        self.layouts.ids = ids;
        self.selected_facility = None;
        self.reach = None;
        self.reach_job = None;
    }

    /// Carry out a layouts action.
    pub(super) fn apply_layout(&mut self, action: LayoutAction, ctx: &egui::Context) {
        let lang = self.settings.lang;
        match action {
            LayoutAction::Activate(index) => {
                let index = index.filter(|&i| i < self.layouts.layouts.len());
                if index != self.layouts.active {
                    self.layouts.active = index;
                    self.layouts.redo.clear();
                    self.layouts.redundancy = None;
                    self.show_layout_facilities();
                    self.start_layout_assess();
                    self.layouts.dirty = true;
                }
            }
            LayoutAction::New => {
                let name = self.layouts.unused_name(lang);
                let base = self
                    .layouts
                    .active
                    .and_then(|i| self.layouts.layouts.get(i))
                    .cloned()
                    .unwrap_or_default();
                self.layouts.layouts.push(Layout { name, ..base });
                let i = self.layouts.layouts.len() - 1;
                // Same facilities: keep the live assessment, just relabel.
                self.layouts.active = Some(i);
                self.layouts.redo.clear();
                self.layouts.dirty = true;
            }
            LayoutAction::NewFromFile => {
                if self.layouts.job.is_some() {
                    self.message = Some(Message::LayoutBusy);
                    return;
                }
                let what = super::files::Import::Layer(crate::io::LayerKind::Facilities);
                if let Some(path) = self.dialogs.pick(what, lang) {
                    let matcher = crate::io::CategoryMatcher::from_profile(&self.study.profile);
                    let file = path.clone();
                    let job = Job::spawn(&self.runner, move |p| {
                        p.phase("layers", 0.1);
                        crate::io::load_facilities_matching(&file, &matcher)
                            .map(|l| l.items)
                            .map_err(|e| e.to_string())
                    });
                    self.layouts.job = Some(LayoutJob::LoadFile(job, path));
                }
            }
            LayoutAction::Rename(i, name) => {
                let name = name.trim().to_string();
                if let Some(l) = self.layouts.layouts.get_mut(i)
                    && !name.is_empty()
                    && l.name != name
                {
                    l.name = name;
                    self.layouts.dirty = true;
                }
            }
            LayoutAction::Remove(i) => {
                if i >= self.layouts.layouts.len() {
                    return;
                }
                self.layouts.layouts.remove(i);
                self.layouts.dirty = true;
                self.layouts.comparison = None;
                let shift = |x: Option<usize>| match x {
                    Some(a) if a == i => None,
                    Some(a) if a > i => Some(a - 1),
                    other => other,
                };
                let was = self.layouts.active;
                let now = shift(was);
                if was == Some(i) {
                    self.layouts.active = None;
                    self.layouts.redo.clear();
                    self.layouts.redundancy = None;
                    self.show_layout_facilities();
                    self.start_layout_assess();
                } else {
                    self.layouts.active = now;
                }
            }
            LayoutAction::SetTool(t) => self.layouts.tool = t,
            LayoutAction::SetAddCategory(c) => self.layouts.add_category = c,
            LayoutAction::Edit(request) => self.request_edit(request),
            LayoutAction::Scenario(request) => self.request_scenario(request),
            LayoutAction::SetDrawOptions(options) => self.layouts.draw = options,
            LayoutAction::Undo if self.layouts.can_undo() && self.undo_scenario() => {}
            LayoutAction::Redo if self.layouts.can_redo() && self.redo_scenario() => {}
            LayoutAction::Undo => {
                let Some(edit) = self.layouts.active_edits().last().cloned() else {
                    return;
                };
                self.run_edit(edit.inverse(), EditDone::Undo);
            }
            LayoutAction::Redo => {
                let Some(edit) = self.layouts.redo.last().cloned() else {
                    return;
                };
                self.run_edit(edit, EditDone::Redo);
            }
            LayoutAction::Compare(a, b) => self.start_compare(a, b, lang),
            LayoutAction::CloseComparison => self.layouts.comparison = None,
            LayoutAction::Suggest {
                tier,
                category,
                k,
                township,
                joint,
            } => self.start_suggest(tier, category, k, township, joint),
            LayoutAction::AdoptSuggestions => self.adopt_suggestions(lang),
            LayoutAction::ClearSuggestions => self.layouts.suggestions = None,
            LayoutAction::Redundancy => self.start_redundancy(),
            LayoutAction::ClearRedundancy => self.layouts.redundancy = None,
            LayoutAction::CancelJob => match &self.layouts.job {
                // These hold the live assessment: ask them to stop and
                // take it back when they do.
                Some(LayoutJob::Suggest(j)) => j.cancel(),
                Some(LayoutJob::Redundancy(j)) => j.cancel(),
                Some(LayoutJob::LoadFile(..)) => {
                    self.layouts.job = None;
                    self.message = Some(Message::Cancelled);
                }
                Some(LayoutJob::Compare(_)) => {
                    self.layouts.job = None;
                    self.message = Some(Message::Cancelled);
                }
                Some(LayoutJob::Edit(..)) | None => {}
            },
        }
        self.poll_layout_jobs(ctx);
    }

    /// The live assessment if it belongs to the study on screen and no edit
    /// is running.
    fn live_ready(&self) -> bool {
        self.layouts.live.is_some() && self.assess_job.is_none()
    }

    fn request_edit(&mut self, request: EditRequest) {
        if !self.live_ready() {
            self.message = Some(Message::LayoutBusy);
            return;
        }
        if self.layouts.active.is_none() {
            // The baseline stays as loaded: edits go to a new layout.
            let name = self.layouts.unused_name(self.settings.lang);
            self.layouts.layouts.push(Layout {
                name,
                ..Default::default()
            });
            self.layouts.active = Some(self.layouts.layouts.len() - 1);
            self.layouts.redo.clear();
        }
        let Some(live) = &self.layouts.live else {
            return;
        };
        let existing = |id: FacilityId| live.facilities().get(id.0 as usize).cloned().flatten();
        let edit = match request {
            EditRequest::Add { category, lonlat } => {
                if !self
                    .study
                    .profile
                    .category_ids()
                    .contains(&category.as_str())
                {
                    return;
                }
                let name = format!(
                    "{} {}",
                    self.study
                        .profile
                        .category_name(&category, self.settings.lang.is_chinese()),
                    live.next_id().0
                );
                Edit::Add {
                    id: live.next_id(),
                    facility: Facility {
                        category,
                        name,
                        capacity: None,
                        location: geo::Point::new(lonlat[0], lonlat[1]),
                    },
                }
            }
            EditRequest::Move { id, lonlat } => {
                let Some(f) = existing(id) else { return };
                Edit::Move {
                    id,
                    from: f.location,
                    to: geo::Point::new(lonlat[0], lonlat[1]),
                }
            }
            EditRequest::Delete { id } => {
                let Some(facility) = existing(id) else { return };
                Edit::Delete { id, facility }
            }
            EditRequest::SetCategory { id, category } => {
                let Some(f) = existing(id) else { return };
                if f.category == category {
                    return;
                }
                Edit::SetCategory {
                    id,
                    from: f.category,
                    to: category,
                }
            }
        };
        self.run_edit(edit.clone(), EditDone::Push(edit));
    }

    /// Apply `edit` to the live assessment: inline on small studies, as a
    /// job on big ones.
    fn run_edit(&mut self, edit: Edit, done: EditDone) {
        if !self.live_ready() {
            self.message = Some(Message::LayoutBusy);
            return;
        }
        let Some(mut live) = self.layouts.live.take() else {
            return;
        };
        let limit = self.layouts.inline_edit_limit.unwrap_or(INLINE_EDIT_LIMIT);
        if live.assessment().demand.len() > limit {
            let job = Job::spawn(&self.runner, move |_| {
                let r = live.apply(&edit).map(|_| ());
                (live, r)
            });
            self.layouts.job = Some(LayoutJob::Edit(job, done));
        } else {
            let clock = Instant::now();
            let r = live.apply(&edit).map(|_| ());
            self.finish_edit(live, r, done, clock);
        }
    }

    fn finish_edit(
        &mut self,
        live: LiveAssessment,
        result: Result<(), analysis::EditError>,
        done: EditDone,
        clock: Instant,
    ) {
        if let Err(e) = result {
            self.layouts.live = Some(live);
            self.message = Some(Message::EditFailed(e.to_string()));
            return;
        }
        if let Some(layout) = self
            .layouts
            .active
            .and_then(|i| self.layouts.layouts.get_mut(i))
        {
            match done {
                EditDone::Push(e) => {
                    layout.edits.push(e);
                    self.layouts.redo.clear();
                    self.layouts.scenario_history.redo.clear();
                }
                EditDone::Undo => {
                    if let Some(e) = layout.edits.pop() {
                        self.layouts.redo.push(e);
                    }
                }
                EditDone::Redo => {
                    if let Some(e) = self.layouts.redo.pop() {
                        layout.edits.push(e);
                    }
                }
            }
        }
        self.layouts.dirty = true;
        self.layouts.redundancy = None;
        self.layouts.suggestions = None;
        self.show_layout_facilities();
        self.study.generation += 1;
        self.layouts.shown = Some(Arc::clone(&self.study.layers));
        let profile = live.profile().clone();
        let results = results_of(
            &live,
            profile,
            &self.study.geometry.plane,
            self.study.generation,
            clock,
        );
        self.layouts.last_edit_seconds = Some(results.seconds);
        self.results = Some(results);
        self.layouts.live = Some(live);
    }

    fn start_compare(&mut self, a: Option<usize>, b: Option<usize>, lang: crate::report::Lang) {
        if self.layouts.job.is_some() {
            self.message = Some(Message::LayoutBusy);
            return;
        }
        let names = [self.layouts.name(a, lang), self.layouts.name(b, lang)];
        let tables = [self.layouts.table(a), self.layouts.table(b)];
        let scenarios = [self.layouts.scenario_of(a), self.layouts.scenario_of(b)];
        // Each side on its own roads and people.
        let mut sides = Vec::new();
        for s in &scenarios {
            sides.push(if s.is_empty() {
                Arc::clone(&self.study.layers)
            } else {
                match s.apply_to(&self.study.layers) {
                    Ok(l) => Arc::new(l),
                    Err(e) => {
                        self.message = Some(Message::EditFailed(e.to_string()));
                        return;
                    }
                }
            });
        }
        let [layers_a, layers_b]: [Arc<Layers>; 2] = [Arc::clone(&sides[0]), Arc::clone(&sides[1])];
        let active = self.layouts.active;
        // The layout shown is assessed already.
        let current = self
            .results
            .as_ref()
            .filter(|r| r.study_generation == self.study.generation && self.live_ready())
            .map(|r| Arc::clone(&r.assessment));
        let known = [
            current.clone().filter(|_| a == active),
            current.filter(|_| b == active),
        ];
        let profile = self.study.profile.clone();
        let plane = self.study.geometry.plane;
        let job = Job::spawn(&self.runner, move |p| {
            let [ka, kb] = known;
            let [ta, tb] = tables;
            p.phase("routes", 0.0);
            let assessed_a = match ka {
                Some(x) => x,
                None => Arc::new(assess_table(&layers_a, &ta, &profile, p)?),
            };
            p.phase("routes", 0.5);
            let assessed_b = match kb {
                Some(x) => x,
                None => Arc::new(assess_table(&layers_b, &tb, &profile, p)?),
            };
            p.phase("aggregate", 0.95);
            let comparison = analysis::compare(&assessed_a, &assessed_b, &profile);
            let positions = assessed_a
                .demand
                .iter()
                .map(|r| plane.project(r.location.x(), r.location.y()))
                .collect();
            Ok(ComparisonView {
                a,
                b,
                names,
                comparison,
                positions: Arc::new(positions),
                scenarios,
            })
        });
        self.layouts.job = Some(LayoutJob::Compare(job));
    }

    fn start_suggest(
        &mut self,
        tier: usize,
        category: Option<String>,
        k: usize,
        township: Option<u32>,
        joint: bool,
    ) {
        if !self.live_ready() {
            self.message = Some(Message::LayoutBusy);
            return;
        }
        let Some(t) = self.study.profile.tiers.get(tier) else {
            return;
        };
        let categories = match category {
            Some(c) => vec![c],
            None => t.categories.clone(),
        };
        let request = SuggestRequest {
            tier,
            categories,
            k: k.clamp(1, 50),
            township,
            max_candidates: MAX_CANDIDATES,
        };
        // The search reads the live assessment: the job holds it meanwhile.
        let Some(live) = self.layouts.live.take() else {
            return;
        };
        let job = Job::spawn(&self.runner, move |p| {
            let r = if joint {
                analysis::suggest_joint_sites(&live, &request, p)
            } else {
                analysis::suggest_sites(&live, &request, p)
            };
            (live, r, (tier, joint))
        });
        self.layouts.job = Some(LayoutJob::Suggest(job));
    }

    fn adopt_suggestions(&mut self, lang: crate::report::Lang) {
        let Some(view) = self.layouts.suggestions.take() else {
            return;
        };
        if view.sites.is_empty() {
            return;
        }
        let base = self
            .layouts
            .active
            .and_then(|i| self.layouts.layouts.get(i))
            .cloned()
            .unwrap_or_default();
        let next = self.layouts.table(self.layouts.active).len() as u32;
        let name = format!(
            "{}{}",
            if view.joint {
                lang.pick("共建选址 ", "Joint sites ")
            } else {
                lang.pick("建议选址 ", "Suggested sites ")
            },
            self.layouts.layouts.len() + 1
        );
        let layout = layout_from_sites(name, &base, next, &view.sites);
        self.layouts.layouts.push(layout);
        self.layouts.active = Some(self.layouts.layouts.len() - 1);
        self.layouts.redo.clear();
        self.layouts.dirty = true;
        self.show_layout_facilities();
        self.start_layout_assess();
    }

    fn start_redundancy(&mut self) {
        if !self.live_ready() {
            self.message = Some(Message::LayoutBusy);
            return;
        }
        let Some(live) = self.layouts.live.take() else {
            return;
        };
        let job = Job::spawn(&self.runner, move |p| {
            let r = analysis::redundancy(&live, p);
            (live, r)
        });
        self.layouts.job = Some(LayoutJob::Redundancy(job));
    }

    /// A layout starting from `facilities` read from `path`, shown.
    fn add_file_layout(&mut self, path: std::path::PathBuf, facilities: Vec<Facility>) {
        let path = std::path::absolute(&path).unwrap_or(path);
        let key = path.to_string_lossy().into_owned();
        let stem = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let stem = stem.split('.').next().unwrap_or_default().to_string();
        let mut name = stem.clone();
        let mut n = 2;
        while self.layouts.layouts.iter().any(|l| l.name == name) {
            name = format!("{stem} {n}");
            n += 1;
        }
        self.layouts.files.insert(key.clone(), Arc::new(facilities));
        self.layouts.layouts.push(Layout {
            name,
            facilities_file: Some(key),
            edits: Vec::new(),
            scenario: Default::default(),
        });
        self.layouts.active = Some(self.layouts.layouts.len() - 1);
        self.layouts.redo.clear();
        self.layouts.redundancy = None;
        self.layouts.dirty = true;
        self.show_layout_facilities();
        self.start_layout_assess();
    }

    /// Take the results of a finished layouts job.
    pub(super) fn poll_layout_jobs(&mut self, ctx: &egui::Context) {
        let job = self.layouts.job.take();
        match job {
            Some(LayoutJob::Edit(mut j, done)) => match j.poll() {
                Poll::Running => self.layouts.job = Some(LayoutJob::Edit(j, done)),
                Poll::Done(Ok((live, r))) => {
                    let clock = Instant::now();
                    self.finish_edit(live, r, done, clock)
                }
                Poll::Done(Err(e)) => {
                    self.failed(super::Task::Layouts, e);
                    self.start_layout_assess();
                }
            },
            Some(LayoutJob::Compare(mut j)) => match j.poll() {
                Poll::Running => self.layouts.job = Some(LayoutJob::Compare(j)),
                Poll::Done(Ok(Ok(view))) => self.layouts.comparison = Some(view),
                Poll::Done(Ok(Err(Cancelled))) => {}
                Poll::Done(Err(e)) => self.failed(super::Task::Layouts, e),
            },
            Some(LayoutJob::Suggest(mut j)) => match j.poll() {
                Poll::Running => self.layouts.job = Some(LayoutJob::Suggest(j)),
                Poll::Done(Ok((live, r, (tier, joint)))) => {
                    self.layouts.live = Some(live);
                    if let Ok(sites) = r {
                        self.layouts.suggestions = Some(SuggestionsView { tier, sites, joint });
                    }
                }
                Poll::Done(Err(e)) => {
                    self.failed(super::Task::Layouts, e);
                    self.start_layout_assess();
                }
            },
            Some(LayoutJob::Redundancy(mut j)) => match j.poll() {
                Poll::Running => self.layouts.job = Some(LayoutJob::Redundancy(j)),
                Poll::Done(Ok((live, r))) => {
                    self.layouts.live = Some(live);
                    if let Ok(list) = r {
                        self.layouts.redundancy = Some((self.layouts.active, list));
                    }
                }
                Poll::Done(Err(e)) => {
                    self.failed(super::Task::Layouts, e);
                    self.start_layout_assess();
                }
            },
            Some(LayoutJob::LoadFile(mut j, path)) => match j.poll() {
                Poll::Running => self.layouts.job = Some(LayoutJob::LoadFile(j, path)),
                Poll::Done(Ok(Ok(facilities))) => self.add_file_layout(path, facilities),
                Poll::Done(Ok(Err(problem))) => {
                    self.message = Some(Message::ImportFailed {
                        what: Some(super::files::Import::Layer(
                            crate::io::LayerKind::Facilities,
                        )),
                        file: path
                            .file_name()
                            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                        problem,
                    })
                }
                Poll::Done(Err(e)) => self.failed(super::Task::Layouts, e),
            },
            None => {}
        }
        if self.layouts.job.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }
}
