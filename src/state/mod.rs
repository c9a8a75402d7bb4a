//! The workspace: the state of a planner's session and what may happen to it.
//! [`Workspace`] holds the study, the latest results, the layouts, the
//! running jobs and the dialogs' state; panels report [`Action`]s and
//! [`Workspace::apply`] carries them out, starting background
//! [`jobs::Job`]s for loading, assessing and a facility's reach.
//!
//! Layer: below `ui` (which draws this state) and the `app` shell (which
//! owns both); may import `analysis`, `io`, `model`, `report`, `network`,
//! `generate` and egui's non-widget types (a `Context` to ask for repaints),
//! never `ui` or `app`. Map moves are asked for as [`MapRequest`]s, which
//! the shell hands to the map view.

pub mod export;
pub mod files;
pub mod import_dialog;
pub mod jobs;
pub mod layouts;
pub mod map_geometry;
pub mod plan;
pub mod project;
pub mod project_file;
pub mod scenario_edit;
pub mod settings;
pub mod sharing;
pub mod supply;

use crate::analysis::Cancelled;
use crate::model::{Layers, Profile};
use crate::report::Lang;
use eframe::egui;
use files::{FileDialogs, Import, RfdDialogs, ScriptedDialogs};
use jobs::{Job, JobFailed, Poll, Runner};
use map_geometry::{GeoBounds, HeatSource};
use project::{ImportRequest, LoadFailure, LoadOutcome, Reach, Results, Study};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A move of the map the workspace asks for; the shell applies it to the
/// map view before the next frame is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MapRequest {
    /// Show every layer.
    FitAll,
    /// Show this box.
    FitBounds(GeoBounds),
    /// Centre here at this zoom (points per degree of longitude at the
    /// equator, as saved in a project's view).
    Show { center: [f64; 2], zoom: f64 },
}

/// Where the map looks, as the shell last drew it (saved with a project).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MapCamera {
    /// Centre (lon, lat).
    pub center: Option<[f64; 2]>,
    /// Zoom as saved in a project's view.
    pub zoom: Option<f64>,
}

pub use settings::{LeftTab, MapOptions, RightTab, Settings};

/// Something a panel asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Ask for a file (dialog) and import it.
    Import(Import),
    /// Import these files (dropped on the window, or chosen).
    ImportFiles(Vec<ImportRequest>),
    /// Load the demo district again.
    LoadDemo,
    /// Use this profile and re-assess.
    ApplyProfile(Profile),
    /// Assess the current study again.
    Reassess,
    /// Stop the running load or assessment.
    Cancel,
    /// Switch the interface language.
    SetLang(Lang),
    /// Select a tier by index.
    SelectTier(usize),
    /// Highlight a township (by index) and zoom the map to it.
    SelectTownship(Option<usize>),
    /// Select a facility (by index) and show its reach.
    SelectFacility(Option<u32>),
    /// Fit the map to all data.
    FitMap,
    /// Centre the map on a point (lon, lat), e.g. a set-aside feature.
    ShowOnMap([f64; 2]),
    /// Show or hide the frame-time overlay.
    ToggleDebug,
    /// Hide the status message.
    DismissMessage,
    /// Open the Export report dialog.
    OpenExport,
    /// Layouts, edits, comparison, suggestions, redundancy.
    Layout(layouts::LayoutAction),
    /// Save or open the project file; recovery and closing prompts.
    Project(project_file::ProjectAction),
    /// Group shares and the other supply-side inputs.
    Supply(supply::SupplyAction),
    /// Ask for a town-area file (镇区范围) and use it to split residents
    /// into town and village.
    LoadTownAreas,
    /// Use this town-area file.
    LoadTownAreasFrom(PathBuf),
    /// Stop using the town-area layer.
    ClearTownAreas,
    /// The phased plan (建设时序) of the Plan tab.
    Plan(plan::PlanAction),
}

/// A status-bar message, worded in the current language when shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// These files were loaded.
    Loaded(Vec<String>),
    /// A file could not be used; the previous data stay.
    ImportFailed {
        /// What the file was imported as, when known.
        what: Option<Import>,
        /// The file name.
        file: String,
        /// The loader's explanation (English, ends with the path).
        problem: String,
    },
    /// A dropped file whose content could not be told.
    Unrecognised(String),
    /// The profile is not usable.
    InvalidProfile(String),
    /// The user cancelled the running work.
    Cancelled,
    /// An edit or layouts task must wait for the running work.
    LayoutBusy,
    /// An edit could not be applied.
    EditFailed(String),
    /// The project was saved to this file.
    ProjectSaved(String),
    /// The project could not be saved or opened.
    ProjectFailed(String),
    /// The town-area file could not be used; the previous one stays.
    TownAreasFailed(String),
    /// A job failed unexpectedly.
    Failed {
        /// What was running.
        task: Task,
        /// The panic message.
        problem: String,
    },
}

/// The kinds of background work, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Loading or importing files.
    Load,
    /// Assessing the study.
    Assess,
    /// A facility's reach.
    Reach,
    /// Editing, comparing, suggesting or redundancy.
    Layouts,
}

impl Message {
    /// Whether the message reports a problem (shown in red).
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            Message::Loaded(_)
                | Message::Cancelled
                | Message::ProjectSaved(_)
                | Message::LayoutBusy
        )
    }

    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Message::Loaded(files) => format!("{}{}", lang.pick("已载入：", "Loaded: "), files.join(", ")),
            Message::ImportFailed { what, file, problem } => {
                let what = what.map_or(lang.pick("数据", "data"), |w| w.name(lang));
                format!(
                    "{} {what} {file}{}{problem}{}",
                    lang.pick("无法导入", "Could not import"),
                    lang.pick("：", ": "),
                    lang.pick("（保留原有数据）", " (the previous data stay)")
                )
            }
            Message::Unrecognised(file) => format!(
                "{}{file}",
                lang.pick(
                    "无法判断文件内容（乡镇、设施、居民、道路或方案），请用“文件”菜单导入：",
                    "Could not tell what the file holds (townships, facilities, residents, roads or profile); import it from the File menu: "
                )
            ),
            Message::InvalidProfile(problem) => {
                format!("{}{problem}", lang.pick("方案无效：", "Invalid profile: "))
            }
            Message::Cancelled => lang.pick("已取消。", "Cancelled.").to_string(),
            Message::LayoutBusy => lang
                .pick("请等评估完成后再试。", "Please wait for the running work to finish.")
                .to_string(),
            Message::EditFailed(p) => format!("{}{p}", lang.pick("无法修改：", "Could not edit: ")),
            Message::ProjectSaved(f) => format!("{}{f}", lang.pick("项目已保存：", "Project saved: ")),
            Message::ProjectFailed(p) => format!("{}{p}", lang.pick("项目文件错误：", "Project file problem: ")),
            Message::TownAreasFailed(p) => format!(
                "{}{p}{}",
                lang.pick("无法导入镇区范围：", "Could not import the town areas: "),
                lang.pick("（保留原有数据）", " (the previous data stay)")
            ),
            Message::Failed { task, problem } => {
                let task = match task {
                    Task::Load => lang.pick("载入失败", "Loading failed"),
                    Task::Assess => lang.pick("评估失败", "Assessment failed"),
                    Task::Reach => lang.pick("可达范围计算失败", "Reach failed"),
                    Task::Layouts => lang.pick("方案计算失败", "Layout work failed"),
                };
                format!("{task}{}{problem}", lang.pick("：", ": "))
            }
        }
    }
}

/// A load or assessment in progress (see [`Workspace::running_job`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RunningJob {
    /// Loading or assessing.
    pub task: Task,
    /// Fraction done, 0–1.
    pub fraction: f32,
    /// The engine's or loader's phase name.
    pub phase: String,
    /// Time since the job started.
    pub elapsed: Duration,
}

type LoadJob = Job<Result<LoadOutcome, LoadFailure>>;
type AssessJob = Job<Result<(Results, crate::analysis::LiveAssessment), Cancelled>>;

/// The planner's workspace (see module docs).
pub struct Workspace {
    pub(crate) settings: Settings,
    pub(crate) study: Study,
    pub(crate) results: Option<Results>,
    pub(crate) runner: Runner,
    pub(crate) dialogs: Box<dyn FileDialogs>,
    pub(crate) load_job: Option<LoadJob>,
    /// Fit the map when the running load finishes.
    pub(crate) fit_after_load: bool,
    pub(crate) assess_job: Option<AssessJob>,
    pub(crate) reach_job: Option<Job<Option<Reach>>>,
    pub(crate) reach: Option<Reach>,
    pub(crate) next_reach_id: u64,
    pub(crate) selected_township: Option<usize>,
    pub(crate) selected_facility: Option<u32>,
    pub(crate) message: Option<Message>,
    pub(crate) export_dialog: Option<export::ExportDialog>,
    pub(crate) import_dialog: Option<import_dialog::ImportDialog>,
    pub(crate) layouts: layouts::Layouts,
    pub(crate) plan: plan::PlanState,
    pub(crate) project_file: project_file::ProjectState,
    /// Map moves asked for since the shell last took them.
    pub(crate) map_requests: Vec<MapRequest>,
    /// Where the map looked when last drawn.
    pub(crate) camera: MapCamera,
    /// What the Supply panel shows.
    pub(crate) supply: supply::SupplyView,
    /// Sharing, town–village and scorecard figures being computed.
    pub(crate) shared_job: Option<sharing::SharedJob>,
    /// A town-area file being read.
    pub(crate) town_areas_job: Option<Job<TownAreasLoad>>,
}

/// A town-area file read: its path, its name and the polygons, or the
/// problem.
type TownAreasLoad = (
    std::path::PathBuf,
    String,
    Result<Vec<geo::MultiPolygon<f64>>, String>,
);

fn empty_profile() -> Profile {
    Profile {
        name: String::new(),
        note: None,
        modes: Default::default(),
        tiers: Vec::new(),
        categories: Vec::new(),
        detour_factor: 1.3,
        supply: Default::default(),
    }
}

impl Workspace {
    /// The desktop session: `settings` remembered from the last run,
    /// native dialogs, background jobs, recovery copies under `data_dir`,
    /// and the demo district loading at once.
    pub fn new(ctx: &egui::Context, settings: Settings, data_dir: PathBuf) -> Self {
        let mut ws = Self::build(
            settings,
            Runner::Threads(ctx.clone()),
            Box::new(RfdDialogs::default()),
            Study::new(Layers::default(), empty_profile()),
        );
        ws.use_data_dir(data_dir);
        ws.apply(Action::LoadDemo, ctx);
        ws
    }

    /// A study of `layers` and `profile` with jobs run inline (results
    /// arrive within the frame) and dialogs that answer nothing: for tests.
    pub fn with_project(ctx: &egui::Context, layers: Layers, profile: Profile) -> Self {
        Self::with_runner(ctx, layers, profile, Runner::Inline)
    }

    /// A study of `layers` and `profile`, assessed at once on `runner`, with
    /// default settings and native dialogs (previews and benchmarks in a
    /// real window use `Runner::Threads`).
    pub fn with_runner(
        ctx: &egui::Context,
        layers: Layers,
        profile: Profile,
        runner: Runner,
    ) -> Self {
        let dialogs: Box<dyn FileDialogs> = match runner {
            Runner::Inline => Box::new(ScriptedDialogs::default()),
            Runner::Threads(_) => Box::new(RfdDialogs::default()),
        };
        let mut ws = Self::build(
            Settings::default(),
            runner,
            dialogs,
            Study::new(layers, profile),
        );
        ws.start_assess();
        ws.poll_jobs(ctx);
        ws
    }

    /// The demo district, loaded and assessed inline: for tests.
    pub fn with_demo(ctx: &egui::Context) -> Self {
        let mut ws = Self::build(
            Settings::default(),
            Runner::Inline,
            Box::new(ScriptedDialogs::default()),
            Study::new(Layers::default(), empty_profile()),
        );
        ws.apply(Action::LoadDemo, ctx);
        ws
    }

    fn build(
        settings: Settings,
        runner: Runner,
        dialogs: Box<dyn FileDialogs>,
        study: Study,
    ) -> Self {
        Self {
            settings,
            study,
            results: None,
            runner,
            dialogs,
            load_job: None,
            fit_after_load: false,
            assess_job: None,
            reach_job: None,
            reach: None,
            next_reach_id: 1,
            selected_township: None,
            selected_facility: None,
            message: None,
            export_dialog: None,
            import_dialog: None,
            layouts: Default::default(),
            plan: Default::default(),
            project_file: Default::default(),
            map_requests: Vec::new(),
            camera: MapCamera::default(),
            supply: Default::default(),
            shared_job: None,
            town_areas_job: None,
        }
    }

    /// The map moves asked for since the last call (the shell applies them).
    pub fn take_map_requests(&mut self) -> Vec<MapRequest> {
        std::mem::take(&mut self.map_requests)
    }

    /// Record where the map looks (the shell calls this after drawing).
    pub fn set_camera(&mut self, camera: MapCamera) {
        self.camera = camera;
    }

    /// Replace the file dialogs (tests script them).
    pub fn set_file_dialogs(&mut self, dialogs: Box<dyn FileDialogs>) {
        self.dialogs = dialogs;
    }

    /// The remembered settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The study on screen.
    pub fn study(&self) -> &Study {
        &self.study
    }

    /// The latest assessment.
    pub fn results(&self) -> Option<&Results> {
        self.results.as_ref()
    }

    /// The status message, if any.
    pub fn message(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    /// The reach on the map, if a facility is selected.
    pub fn reach(&self) -> Option<&Reach> {
        self.reach.as_ref()
    }

    /// Whether a load or an assessment is running.
    pub fn is_busy(&self) -> bool {
        self.load_job.is_some() || self.assess_job.is_some()
    }

    /// Index of the selected tier in the profile shown (results, else study).
    pub fn tier_index(&self) -> usize {
        let profile = self
            .results
            .as_ref()
            .map_or(&self.study.profile, |r| &r.profile);
        self.settings
            .tier
            .as_ref()
            .and_then(|id| profile.tiers.iter().position(|t| &t.id == id))
            .unwrap_or(0)
    }

    /// The load or assessment running now, for the status bar: what,
    /// fraction done, phase name and time since it started.
    pub fn running_job(&self) -> Option<RunningJob> {
        let load = self
            .load_job
            .as_ref()
            .map(|j| (Task::Load, j.progress(), j.elapsed()));
        let assess = || {
            self.assess_job
                .as_ref()
                .map(|j| (Task::Assess, j.progress(), j.elapsed()))
        };
        load.or_else(assess).map(|(task, p, elapsed)| RunningJob {
            task,
            fraction: p.fraction(),
            phase: p.phase_name(),
            elapsed,
        })
    }

    /// The heat layer's category must belong to the selected tier: fall
    /// back to the tier's complete time when it does not (after a tier or
    /// profile change).
    pub fn keep_heat_source_in_tier(&mut self) {
        if let HeatSource::Supply(c) = &self.settings.map.heat_source {
            let tier = self.tier_index();
            // Results of this tier without that table (none yet: keep it).
            let gone = self.results.as_ref().is_some_and(|r| {
                !r.assessment
                    .capacity
                    .iter()
                    .any(|t| t.tier == tier && t.category == *c)
            });
            if gone {
                self.settings.map.heat_source = HeatSource::TierComplete;
            }
        }
        if let HeatSource::Category(c) = &self.settings.map.heat_source {
            let tier = self.tier_index();
            let profile = self
                .results
                .as_ref()
                .map_or(&self.study.profile, |r| &r.profile);
            if profile
                .tiers
                .get(tier)
                .is_some_and(|t| !t.all_categories().any(|x| x == c))
            {
                self.settings.map.heat_source = HeatSource::TierComplete;
            }
        }
    }

    /// Carry out an action.
    pub fn apply(&mut self, action: Action, ctx: &egui::Context) {
        let lang = self.settings.lang;
        self.note_action(&action);
        match action {
            Action::Import(what) => {
                if let Some(path) = self.dialogs.pick(what, lang) {
                    self.apply(
                        Action::ImportFiles(vec![ImportRequest {
                            what: Some(what),
                            path,
                        }]),
                        ctx,
                    );
                }
            }
            Action::ImportFiles(requests) => {
                let requests = self.route_imports(requests);
                if requests.is_empty() {
                    return;
                }
                let base = Arc::clone(&self.study.layers);
                let profile = self.study.profile.clone();
                self.fit_after_load = requests.iter().any(|r| {
                    r.what == Some(Import::Layer(crate::io::LayerKind::Townships))
                        || r.what.is_none()
                });
                self.load_job = Some(Job::spawn(&self.runner, move |p| {
                    project::import_files(base, profile, requests, p)
                }));
            }
            Action::LoadDemo => {
                self.fit_after_load = true;
                self.load_job = Some(Job::spawn(&self.runner, project::load_demo));
            }
            Action::ApplyProfile(profile) => match profile.validate() {
                Ok(()) => {
                    self.study.set_profile(profile);
                    self.start_assess();
                }
                Err(e) => self.message = Some(Message::InvalidProfile(e.to_string())),
            },
            Action::Reassess => self.start_assess(),
            Action::Supply(a) => self.apply_supply(a),
            Action::Cancel => {
                let cancelled = self.load_job.take().is_some() | self.assess_job.take().is_some();
                if cancelled {
                    self.message = Some(Message::Cancelled);
                }
            }
            Action::SetLang(l) => self.settings.lang = l,
            Action::SelectTier(i) => {
                let profile = self
                    .results
                    .as_ref()
                    .map_or(&self.study.profile, |r| &r.profile);
                if let Some(t) = profile.tiers.get(i) {
                    self.settings.tier = Some(t.id.clone());
                    if let Some(f) = self.selected_facility {
                        self.start_reach(f);
                    }
                }
            }
            Action::SelectTownship(i) => {
                self.selected_township = i;
                if let Some(shape) = i.and_then(|i| self.study.geometry.townships.get(i)) {
                    self.map_requests.push(MapRequest::FitBounds(shape.bounds));
                }
            }
            Action::SelectFacility(f) => {
                self.selected_facility = f;
                self.reach = None;
                self.reach_job = None;
                if let Some(f) = f {
                    self.start_reach(f);
                }
            }
            Action::FitMap => self.map_requests.push(MapRequest::FitAll),
            Action::ShowOnMap([lon, lat]) => {
                // About a kilometre around the point.
                let d = 0.01;
                self.map_requests.push(MapRequest::FitBounds(GeoBounds {
                    min_lon: lon - d,
                    min_lat: lat - d,
                    max_lon: lon + d,
                    max_lat: lat + d,
                }));
            }
            Action::ToggleDebug => self.settings.show_debug = !self.settings.show_debug,
            Action::DismissMessage => self.message = None,
            Action::OpenExport => self.open_export(),
            Action::Layout(a) => self.apply_layout(a, ctx),
            Action::Project(a) => self.apply_project(a, ctx),
            Action::LoadTownAreas => {
                if let Some(path) = self.dialogs.pick_town_areas(lang) {
                    self.apply(Action::LoadTownAreasFrom(path), ctx);
                }
            }
            Action::LoadTownAreasFrom(path) => self.load_town_areas(path),
            Action::ClearTownAreas => {
                self.town_areas_job = None;
                if self.study.town_areas.take().is_some() {
                    self.town_areas_changed();
                }
                if self.project_file.layers.town_areas.take().is_some() {
                    self.layouts.dirty = true;
                }
            }
            Action::Plan(a) => self.apply_plan(a),
        }
        self.poll_jobs(ctx);
    }

    /// Read a town-area file in the background (the Data tab's loader, or
    /// a project that names one).
    fn load_town_areas(&mut self, path: std::path::PathBuf) {
        self.town_areas_job = Some(Job::spawn(&self.runner, move |_| {
            let name = project::file_name(&path);
            let areas = crate::io::load_town_areas(&path);
            (path, name, areas)
        }));
    }

    /// Assess the layout shown (see [`layouts`]).
    fn start_assess(&mut self) {
        self.start_layout_assess();
    }

    fn start_reach(&mut self, facility: u32) {
        let Some(r) = &self.results else { return };
        if r.study_generation != self.study.generation {
            return;
        }
        let assessment = Arc::clone(&r.assessment);
        let profile = r.profile.clone();
        let layers = Arc::clone(&self.study.layers);
        let tier = self.tier_index();
        let plane = self.study.geometry.plane;
        let id = self.next_reach_id;
        self.next_reach_id += 1;
        self.reach_job = Some(Job::spawn(&self.runner, move |_| {
            project::facility_reach((&assessment, &profile), &layers, facility, tier, plane, id)
        }));
    }

    fn failed(&mut self, task: Task, e: JobFailed) {
        self.message = Some(Message::Failed {
            task,
            problem: e.to_string(),
        });
    }

    /// Take the results of finished jobs (and start what follows them).
    pub fn poll_jobs(&mut self, ctx: &egui::Context) {
        // Inline jobs finish inside `spawn`; loop so a load and the
        // assessment it starts both land in this call.
        for _ in 0..4 {
            let mut progressed = false;
            if let Some(job) = &mut self.load_job
                && let Poll::Done(result) = job.poll()
            {
                self.load_job = None;
                progressed = true;
                match result {
                    Ok(Ok(outcome)) => {
                        let names: Vec<String> =
                            outcome.replaced.iter().map(|(_, f, _)| f.clone()).collect();
                        self.study.apply(outcome);
                        self.selected_township = None;
                        self.selected_facility = None;
                        self.reach = None;
                        if std::mem::take(&mut self.fit_after_load) {
                            self.map_requests.push(MapRequest::FitAll);
                        }
                        self.message = Some(Message::Loaded(names));
                        self.start_assess();
                    }
                    Ok(Err(LoadFailure::Cancelled)) => {}
                    Ok(Err(LoadFailure::File {
                        what,
                        file,
                        message,
                    })) => {
                        self.message = Some(Message::ImportFailed {
                            what,
                            file,
                            problem: message,
                        });
                    }
                    Ok(Err(LoadFailure::Unrecognised { file })) => {
                        self.message = Some(Message::Unrecognised(file));
                    }
                    Err(e) => self.failed(Task::Load, e),
                }
            }
            if let Some(job) = &mut self.assess_job
                && let Poll::Done(result) = job.poll()
            {
                self.assess_job = None;
                progressed = true;
                match result {
                    Ok(Ok((results, live)))
                        if results.study_generation == self.study.generation =>
                    {
                        self.results = Some(results);
                        self.layouts.live = Some(live);
                        if let Some(t) = self.layouts.scenario_edit_started.take() {
                            self.layouts.last_edit_seconds = Some(t.elapsed().as_secs_f64());
                        }
                        if let Some(f) = self.selected_facility {
                            self.start_reach(f);
                        }
                    }
                    Ok(Ok(_)) => {} // an older study; a newer run follows
                    Ok(Err(Cancelled)) => {}
                    Err(e) => self.failed(Task::Assess, e),
                }
            }
            if let Some(job) = &mut self.reach_job
                && let Poll::Done(result) = job.poll()
            {
                self.reach_job = None;
                progressed = true;
                match result {
                    Ok(reach) if reach.as_ref().map(|r| r.facility) == self.selected_facility => {
                        self.reach = reach
                    }
                    Ok(_) => {}
                    Err(e) => self.failed(Task::Reach, e),
                }
            }
            if !progressed {
                break;
            }
        }
        self.poll_layout_jobs(ctx);
        self.poll_town_areas();
        self.poll_shared(ctx);
        self.poll_plan_job();
        if self.load_job.is_some()
            || self.assess_job.is_some()
            || self.reach_job.is_some()
            || self.plan.job.is_some()
        {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    /// Import the files dropped on the window in this frame.
    pub fn import_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if !dropped.is_empty() {
            let requests = dropped
                .into_iter()
                .map(|path| ImportRequest { what: None, path })
                .collect();
            self.apply(Action::ImportFiles(requests), ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_tolerate_old_files() {
        let s = Settings {
            lang: Lang::En,
            tier: Some("t15".into()),
            show_debug: true,
            ..Default::default()
        };
        let text = serde_json::to_string(&s).unwrap();
        let back: Settings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        // Missing fields take defaults; unknown ones are ignored.
        let old: Settings = serde_json::from_str(r#"{"lang":"En","extra":1}"#).unwrap();
        assert_eq!(old.lang, Lang::En);
        assert_eq!(old.map, MapOptions::default());
    }
}
