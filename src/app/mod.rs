//! The desktop workspace: [`LifeCircleApp`] (an `eframe::App`) holds the
//! study, the latest results, the running jobs and the panels. Panels report
//! [`Action`]s; [`LifeCircleApp::apply`] carries them out, starting
//! background [`jobs::Job`]s for loading, assessing and a facility's reach.
//! Settings (language, layers, tier, window size) persist between runs.
//!
//! `cargo run --release` calls [`run`]: the window opens on the demo
//! district, which loads and is assessed in the background.

pub mod export;
pub mod files;
pub mod import_dialog;
pub mod jobs;
pub mod layouts;
pub mod project;
pub mod project_file;

use crate::analysis::Cancelled;
use crate::model::{Layers, Profile};
use crate::ui::data_panel::DataPanel;
use crate::ui::i18n::Lang;
use crate::ui::legend::{Legend, LegendInputs};
use crate::ui::map_layers::HeatSource;
use crate::ui::map_view::{MapInputs, MapOptions, MapView};
use crate::ui::profile_panel::ProfilePanel;
use crate::ui::results_panel::ResultsPanel;
use crate::ui::{install_fonts, style};
use eframe::egui;
use egui::{Color32, RichText};
use files::{FileDialogs, Import, RfdDialogs, ScriptedDialogs};
use jobs::{Job, JobFailed, Poll, Runner};
use project::{ImportRequest, LoadFailure, LoadOutcome, Reach, Results, Study};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The window title.
pub const TITLE: &str = "LifeCircle 生活圈评估";

/// Open the desktop window (the `lifecircle` binary without a subcommand).
pub fn run() -> eframe::Result {
    let size = 64;
    let icon = egui::IconData {
        rgba: style::icon_rgba(size),
        width: size,
        height: size,
    };
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title(TITLE)
            .with_app_id("lifecircle")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([900.0, 600.0])
            .with_icon(Arc::new(icon)),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "LifeCircle",
        options,
        Box::new(|cc| Ok(Box::new(LifeCircleApp::new(cc)))),
    )
}

/// The tab shown in the left panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeftTab {
    /// The legend: layer switches and symbols.
    #[default]
    Layers,
    /// Imports, counts and loader warnings.
    Data,
    /// The assessment profile.
    Profile,
    /// Alternative layouts: edit, compare, suggest sites, redundancy.
    Layouts,
}

/// What is remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The interface language.
    pub lang: Lang,
    /// Map layers and their options.
    pub map: MapOptions,
    /// Id of the selected tier.
    pub tier: Option<String>,
    /// Show the frame-time overlay.
    pub show_debug: bool,
    /// The tab open in the left panel.
    pub left_tab: LeftTab,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lang: Lang::Zh,
            map: MapOptions::default(),
            tier: None,
            show_debug: false,
            left_tab: LeftTab::Layers,
        }
    }
}

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

/// Rolling frame times for the debug overlay.
#[derive(Default)]
struct FrameStats {
    /// Our `ui()` time per frame, seconds.
    ui: VecDeque<f32>,
    /// eframe's CPU time of the previous frame (UI + tessellation), seconds.
    cpu: VecDeque<f32>,
}

impl FrameStats {
    const LEN: usize = 120;

    fn push(list: &mut VecDeque<f32>, v: f32) {
        if list.len() == Self::LEN {
            list.pop_front();
        }
        list.push_back(v);
    }

    fn summary(list: &VecDeque<f32>) -> (f32, f32) {
        if list.is_empty() {
            return (0.0, 0.0);
        }
        let mean = list.iter().sum::<f32>() / list.len() as f32;
        let max = list.iter().copied().fold(0.0, f32::max);
        (mean * 1000.0, max * 1000.0)
    }

    fn text(&self, lang: Lang) -> String {
        let (ui_mean, ui_max) = Self::summary(&self.ui);
        let (cpu_mean, cpu_max) = Self::summary(&self.cpu);
        format!(
            "{} {cpu_mean:.1} ms / {} {cpu_max:.1} ms\nui() {ui_mean:.1} ms / {} {ui_max:.1} ms ({} {})",
            lang.pick("帧 CPU 平均", "frame CPU mean"),
            lang.pick("最大", "max"),
            lang.pick("最大", "max"),
            self.ui.len(),
            lang.pick("帧", "frames"),
        )
    }
}

type LoadJob = Job<Result<LoadOutcome, LoadFailure>>;
type AssessJob = Job<Result<(Results, crate::analysis::LiveAssessment), Cancelled>>;

/// The planner's workspace (see module docs).
pub struct LifeCircleApp {
    settings: Settings,
    study: Study,
    results: Option<Results>,
    runner: Runner,
    dialogs: Box<dyn FileDialogs>,
    load_job: Option<LoadJob>,
    /// Fit the map when the running load finishes.
    fit_after_load: bool,
    assess_job: Option<AssessJob>,
    reach_job: Option<Job<Option<Reach>>>,
    reach: Option<Reach>,
    next_reach_id: u64,
    selected_township: Option<usize>,
    selected_facility: Option<u32>,
    message: Option<Message>,
    map: MapView,
    legend: Legend,
    data_panel: DataPanel,
    profile_panel: ProfilePanel,
    results_panel: ResultsPanel,
    frames: FrameStats,
    export_dialog: Option<export::ExportDialog>,
    import_dialog: Option<import_dialog::ImportDialog>,
    layouts: layouts::Layouts,
    project_file: project_file::ProjectState,
    layouts_panel: crate::ui::layouts_panel::LayoutsPanel,
    map_editor: crate::ui::map_edit::MapEditor,
}

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

impl LifeCircleApp {
    /// The desktop app: remembered settings, native dialogs, background
    /// jobs, and the demo district loading at once.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let settings = cc
            .storage
            .and_then(|s| eframe::get_value::<Settings>(s, eframe::APP_KEY))
            .unwrap_or_default();
        let mut app = Self::build(
            &cc.egui_ctx,
            settings,
            Runner::Threads(cc.egui_ctx.clone()),
            Box::new(RfdDialogs::default()),
            Study::new(Layers::default(), empty_profile()),
        );
        app.use_data_dir(
            eframe::storage_dir("lifecircle")
                .unwrap_or_else(|| std::env::temp_dir().join("lifecircle")),
        );
        app.apply(Action::LoadDemo, &cc.egui_ctx);
        app
    }

    /// A study of `layers` and `profile` with jobs run inline (results
    /// arrive within the frame) and dialogs that answer nothing: for tests.
    pub fn with_project(
        cc: &eframe::CreationContext<'_>,
        layers: Layers,
        profile: Profile,
    ) -> Self {
        Self::with_runner(cc, layers, profile, Runner::Inline)
    }

    /// A study of `layers` and `profile`, assessed at once on `runner`, with
    /// default settings and native dialogs (previews and benchmarks in a
    /// real window use `Runner::Threads`).
    pub fn with_runner(
        cc: &eframe::CreationContext<'_>,
        layers: Layers,
        profile: Profile,
        runner: Runner,
    ) -> Self {
        let dialogs: Box<dyn FileDialogs> = match runner {
            Runner::Inline => Box::new(ScriptedDialogs::default()),
            Runner::Threads(_) => Box::new(RfdDialogs::default()),
        };
        let mut app = Self::build(
            &cc.egui_ctx,
            Settings::default(),
            runner,
            dialogs,
            Study::new(layers, profile),
        );
        app.start_assess();
        app.poll_jobs(&cc.egui_ctx);
        app
    }

    /// The demo district, loaded and assessed inline: for tests.
    pub fn with_demo(cc: &eframe::CreationContext<'_>) -> Self {
        let mut app = Self::build(
            &cc.egui_ctx,
            Settings::default(),
            Runner::Inline,
            Box::new(ScriptedDialogs::default()),
            Study::new(Layers::default(), empty_profile()),
        );
        app.apply(Action::LoadDemo, &cc.egui_ctx);
        app
    }

    fn build(
        ctx: &egui::Context,
        settings: Settings,
        runner: Runner,
        dialogs: Box<dyn FileDialogs>,
        study: Study,
    ) -> Self {
        install_fonts(ctx);
        ctx.set_theme(egui::Theme::Light);
        ctx.style_mut_of(egui::Theme::Light, |s| {
            s.interaction.tooltip_delay = 0.25;
        });
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
            map: MapView::default(),
            legend: Legend,
            data_panel: DataPanel,
            profile_panel: ProfilePanel::default(),
            results_panel: ResultsPanel::default(),
            frames: FrameStats::default(),
            export_dialog: None,
            import_dialog: None,
            layouts: Default::default(),
            project_file: Default::default(),
            layouts_panel: Default::default(),
            map_editor: Default::default(),
        }
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

    /// The map view.
    pub fn map(&self) -> &MapView {
        &self.map
    }

    /// The map view, to pan or zoom it (benchmarks, tests).
    pub fn map_mut(&mut self) -> &mut MapView {
        &mut self.map
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
                    self.map.fit_bounds(shape.bounds);
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
            Action::FitMap => self.map.fit_all(),
            Action::ToggleDebug => self.settings.show_debug = !self.settings.show_debug,
            Action::DismissMessage => self.message = None,
            Action::OpenExport => self.open_export(),
            Action::Layout(a) => self.apply_layout(a, ctx),
            Action::Project(a) => self.apply_project(a, ctx),
        }
        self.poll_jobs(ctx);
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
    fn poll_jobs(&mut self, ctx: &egui::Context) {
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
                            self.map.fit_all();
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
        if self.load_job.is_some() || self.assess_job.is_some() || self.reach_job.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
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

    fn menu_bar(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let lang = self.settings.lang;
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(lang.pick("文件", "File"), |ui| {
                for (zh, en, a) in [
                    (
                        "打开项目…",
                        "Open project…",
                        project_file::ProjectAction::Open,
                    ),
                    (
                        "保存项目",
                        "Save project",
                        project_file::ProjectAction::Save,
                    ),
                    (
                        "项目另存为…",
                        "Save project as…",
                        project_file::ProjectAction::SaveAs,
                    ),
                ] {
                    if ui.button(lang.pick(zh, en)).clicked() {
                        actions.push(Action::Project(a));
                    }
                }
                ui.separator();
                for what in Import::ALL {
                    if ui
                        .button(format!(
                            "{}{}…",
                            lang.pick("导入", "Import "),
                            what.name(lang)
                        ))
                        .clicked()
                    {
                        actions.push(Action::Import(what));
                    }
                }
                ui.separator();
                if ui
                    .button(lang.pick("载入示例数据", "Load the demo district"))
                    .clicked()
                {
                    actions.push(Action::LoadDemo);
                }
                if ui.button(lang.pick("重新评估", "Assess again")).clicked() {
                    actions.push(Action::Reassess);
                }
                if ui
                    .button(lang.pick("导出报告…", "Export report…"))
                    .clicked()
                {
                    actions.push(Action::OpenExport);
                }
                ui.separator();
                if ui.button(lang.pick("退出", "Quit")).clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button(lang.pick("视图", "View"), |ui| {
                if ui.button(lang.pick("缩放至全图", "Fit to data")).clicked() {
                    actions.push(Action::FitMap);
                }
                let mut debug = self.settings.show_debug;
                if ui
                    .checkbox(
                        &mut debug,
                        lang.pick("显示帧时间（调试）", "Show frame time (debug)"),
                    )
                    .changed()
                {
                    actions.push(Action::ToggleDebug);
                }
            });
            ui.menu_button(lang.pick("语言", "Language"), |ui| {
                for l in Lang::ALL {
                    if ui.radio(lang == l, l.native_name()).clicked() {
                        actions.push(Action::SetLang(l));
                    }
                }
            });
            ui.separator();
            let profile = self
                .results
                .as_ref()
                .map_or(&self.study.profile, |r| &r.profile);
            if !profile.tiers.is_empty() {
                let tier = self.tier_index();
                let label = ui.label(lang.pick("生活圈：", "Life circle:"));
                let selected = profile
                    .tiers
                    .get(tier)
                    .map(|t| describe_tier(t, lang))
                    .unwrap_or_default();
                egui::ComboBox::from_id_salt("tier_select")
                    .selected_text(selected)
                    .width(260.0)
                    .show_ui(ui, |ui| {
                        for (i, t) in profile.tiers.iter().enumerate() {
                            if ui
                                .selectable_label(i == tier, describe_tier(t, lang))
                                .clicked()
                            {
                                actions.push(Action::SelectTier(i));
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
            }
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let lang = self.settings.lang;
        ui.horizontal(|ui| {
            let running = self
                .load_job
                .as_ref()
                .map(|j| {
                    (
                        lang.pick("正在载入", "Loading"),
                        j.progress().fraction(),
                        j.progress().phase_name(),
                        j.elapsed(),
                    )
                })
                .or_else(|| {
                    self.assess_job.as_ref().map(|j| {
                        (
                            lang.pick("正在评估", "Assessing"),
                            j.progress().fraction(),
                            j.progress().phase_name(),
                            j.elapsed(),
                        )
                    })
                });
            let is_running = running.is_some();
            if let Some((what, fraction, phase, elapsed)) = running {
                ui.spinner();
                ui.label(format!("{what}：{}", phase_name(&phase, lang)));
                ui.add(
                    egui::ProgressBar::new(fraction)
                        .desired_width(220.0)
                        .show_percentage(),
                );
                ui.weak(format!(
                    "{:.1} {}",
                    elapsed.as_secs_f32(),
                    lang.pick("秒", "s")
                ));
                if ui.button(lang.pick("取消", "Cancel")).clicked() {
                    actions.push(Action::Cancel);
                }
                ui.separator();
            }
            if let Some(m) = &self.message {
                let color = if m.is_error() {
                    Color32::from_rgb(190, 20, 20)
                } else {
                    ui.visuals().text_color()
                };
                let text = m.text(lang);
                ui.add(egui::Label::new(RichText::new(&text).color(color)).truncate())
                    .on_hover_text(&text);
                if ui
                    .small_button("×")
                    .on_hover_text(lang.pick("关闭消息", "Dismiss"))
                    .clicked()
                {
                    actions.push(Action::DismissMessage);
                }
            } else if !is_running && let Some(r) = &self.results {
                ui.weak(format!(
                    "{} · {} {} · {} {}",
                    lang.pick("就绪", "Ready"),
                    lang.count(r.assessment.report.townships.len() as f64),
                    lang.pick("个乡镇", "townships"),
                    lang.pick("评估用时", "assessed in"),
                    crate::ui::results_panel::seconds(lang, r.seconds),
                ));
            }
        });
    }
}

fn describe_tier(t: &crate::model::Tier, lang: Lang) -> String {
    format!(
        "{} · {}",
        t.display_name(lang.is_chinese()),
        lang.mode_name(t.mode)
    )
}

/// Engine and loader phase names in the user's language.
fn phase_name(phase: &str, lang: Lang) -> String {
    let known = match phase {
        "prepare" => lang.pick("准备", "preparing"),
        "build" => lang.pick("构建路网", "building the network"),
        "snap" => lang.pick("连接到道路", "attaching to roads"),
        "routes" => lang.pick("计算出行时间", "travel times"),
        "aggregate" => lang.pick("汇总", "summing up"),
        "done" => lang.pick("完成", "done"),
        "profile" => lang.pick("读取评估方案", "reading the profile"),
        "layers" => lang.pick("读取图层", "reading layers"),
        "map" => lang.pick("准备地图", "preparing the map"),
        _ => return phase.to_string(),
    };
    known.to_string()
}

impl eframe::App for LifeCircleApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        if let Some(cpu) = frame.info().cpu_usage {
            FrameStats::push(&mut self.frames.cpu, cpu);
        }
        self.poll_jobs(&ctx);
        self.dropped_files(&ctx);
        let mut actions = Vec::new();
        let lang = self.settings.lang;

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui, &mut actions));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui, &mut actions));

        let tier = self.tier_index();
        egui::Panel::left("side")
            .resizable(true)
            .default_size(330.0)
            .min_size(240.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let tab = &mut self.settings.left_tab;
                    ui.selectable_value(tab, LeftTab::Layers, lang.pick("图层", "Layers"));
                    ui.selectable_value(tab, LeftTab::Data, lang.pick("数据", "Data"));
                    ui.selectable_value(tab, LeftTab::Profile, lang.pick("评估方案", "Profile"));
                    ui.selectable_value(tab, LeftTab::Layouts, lang.pick("布局方案", "Layouts"));
                });
                ui.separator();
                egui::ScrollArea::vertical()
                    .id_salt("side_scroll")
                    .show(ui, |ui| match self.settings.left_tab {
                        LeftTab::Layers => self.legend.ui(
                            ui,
                            &LegendInputs {
                                lang,
                                study: &self.study,
                                results: self.results.as_ref(),
                                tier,
                            },
                            &mut self.settings.map,
                            &mut actions,
                        ),
                        LeftTab::Data => self.data_panel.ui(ui, lang, &self.study, &mut actions),
                        LeftTab::Profile => {
                            self.profile_panel
                                .ui(ui, lang, &self.study.profile, &mut actions)
                        }
                        LeftTab::Layouts => self.layouts_panel.ui(
                            ui,
                            &crate::ui::layouts_panel::LayoutsInputs {
                                lang,
                                study: &self.study,
                                results: self.results.as_ref(),
                                layouts: &self.layouts,
                                tier,
                                selected_facility: self.selected_facility,
                            },
                            &mut actions,
                        ),
                    });
            });

        egui::Panel::right("results")
            .resizable(true)
            .default_size(480.0)
            .min_size(300.0)
            .show(ui, |ui| {
                ui.heading(lang.pick("评估结果", "Results"));
                egui::ScrollArea::vertical()
                    .id_salt("results_scroll")
                    .show(ui, |ui| {
                        if let Some(view) = &self.layouts.comparison {
                            crate::ui::compare_panel::ui(ui, lang, view, &self.study.profile, tier);
                            ui.separator();
                        }
                        self.results_panel.ui(
                            ui,
                            lang,
                            self.results.as_ref(),
                            tier,
                            self.selected_township,
                            &mut actions,
                        );
                    });
            });

        let debug = self.settings.show_debug.then(|| self.frames.text(lang));
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let inputs = MapInputs {
                lang,
                study: &self.study,
                results: self.results.as_ref(),
                tier,
                options: &self.settings.map,
                selected_township: self.selected_township,
                selected_facility: self.selected_facility,
                reach: self.reach.as_ref(),
                debug,
            };
            self.map.ui(ui, &inputs, &mut actions);
            self.layouts_map_overlay(ui, tier, &mut actions);
            if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
                let rect = ui.max_rect();
                ui.painter()
                    .rect_filled(rect, 0.0, Color32::from_black_alpha(120));
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    lang.pick("松开鼠标以导入文件", "Drop to import"),
                    egui::FontId::proportional(24.0),
                    Color32::WHITE,
                );
            }
        });

        self.import_window(&ctx);
        self.export_window(&ctx);
        crate::ui::layouts_panel::undo_redo_keys(&ctx, &mut actions);
        self.project_dialogs(&ctx, &mut actions);
        self.autosave_tick(&ctx);
        for action in actions {
            self.apply(action, &ctx);
        }
        // Heat source must belong to the selected tier.
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
        FrameStats::push(&mut self.frames.ui, started.elapsed().as_secs_f32());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
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

    #[test]
    fn frame_stats_keep_a_rolling_window() {
        let mut f = FrameStats::default();
        for i in 0..200 {
            FrameStats::push(&mut f.ui, i as f32 / 1000.0);
        }
        assert_eq!(f.ui.len(), FrameStats::LEN);
        let (mean, max) = FrameStats::summary(&f.ui);
        assert!((max - 199.0).abs() < 1e-3);
        assert!((mean - 139.5).abs() < 1e-2, "{mean}");
        assert!(f.text(Lang::En).contains("199.0 ms"));
    }

    #[test]
    fn phases_are_translated() {
        assert_eq!(phase_name("routes", Lang::Zh), "计算出行时间");
        assert_eq!(phase_name("routes", Lang::En), "travel times");
        assert_eq!(phase_name("roads.geojson", Lang::Zh), "roads.geojson");
    }
}
