//! The project file (`.lifecircle.json`) in the workspace: File ▸ Save
//! project / Save as… / Open project, the recovery copy autosaved every
//! three minutes (offered after a crash: restore or discard) and the prompt
//! for unsaved changes when the window closes. The demo opened at start is
//! an unsaved project without a path.

use super::files::Import;
use super::map_geometry::MapGeometry;
use super::project::{ImportRequest, LoadFailure, LoadOutcome, file_name};
use super::{Action, MapRequest, Message, Workspace};
use crate::analysis::Progress;
use crate::io::{self, LayerKind};
use crate::model::{LayerFiles, Layout, Profile, Project, ViewState};
use crate::report::Lang;
use eframe::egui;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often the recovery copy is written while there are unsaved changes.
pub const AUTOSAVE_EVERY: Duration = Duration::from_secs(180);

/// The project file extension.
pub const EXTENSION: &str = ".lifecircle.json";

/// What the project-file menu and dialogs ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProjectAction {
    /// Save to the project's file (asks for one if there is none).
    Save,
    /// Ask for a file and save there.
    SaveAs,
    /// Ask for a project and open it.
    Open,
    /// Open this project file.
    OpenPath(PathBuf),
    /// Restore the offered recovery copy.
    Restore,
    /// Delete the offered recovery copy.
    DiscardRecovery,
    /// Answer to the unsaved-changes prompt when closing.
    CloseSave,
    CloseDiscard,
    CloseCancel,
}

/// Where the study came from and what is saved (see module docs).
pub struct ProjectState {
    /// The project file; `None`: never saved.
    pub path: Option<PathBuf>,
    /// Layer files of the study (absolute).
    pub layers: LayerFiles,
    /// How each layer file was read (saved with the project).
    pub options: io::LayerOptions,
    /// Imports whose files are not yet known to have loaded.
    pending_requests: Vec<ImportRequest>,
    /// The demo is loading.
    demo_pending: bool,
    /// A project is loading: its path and view.
    opening: Option<(Option<PathBuf>, ViewState, bool)>,
    /// The profile as last saved or opened.
    saved_profile: Option<Profile>,
    /// Where the recovery copy of an unsaved project goes.
    pub data_dir: PathBuf,
    last_autosave: Instant,
    /// A recovery copy to offer: the copy and the project it belongs to.
    pub recovery_offer: Option<(PathBuf, Option<PathBuf>)>,
    /// The unsaved-changes prompt is up.
    pub closing: bool,
    /// The user agreed to close.
    allow_close: bool,
}

impl Default for ProjectState {
    fn default() -> Self {
        Self {
            path: None,
            layers: LayerFiles::default(),
            options: io::LayerOptions::default(),
            pending_requests: Vec::new(),
            demo_pending: false,
            opening: None,
            saved_profile: None,
            data_dir: std::env::temp_dir().join("lifecircle"),
            last_autosave: Instant::now(),
            recovery_offer: None,
            closing: false,
            allow_close: false,
        }
    }
}

impl ProjectState {
    /// The project file being opened, if any (for messages).
    pub(super) fn opening_path(&self) -> Option<&std::path::Path> {
        self.opening.as_ref().and_then(|(p, _, _)| p.as_deref())
    }
}

/// Load a project's layers (absolute paths) with its profile.
pub fn load_project_layers(
    files: LayerFiles,
    options: &io::LayerOptions,
    profile: Profile,
    progress: &Progress,
) -> Result<LoadOutcome, LoadFailure> {
    let missing = |kind: LayerKind| LoadFailure::File {
        what: Some(Import::Layer(kind)),
        file: String::new(),
        message: "the project names no file for this layer".to_string(),
    };
    let paths = io::LayerPaths {
        townships: files
            .townships
            .clone()
            .ok_or(missing(LayerKind::Townships))?,
        facilities: files
            .facilities
            .clone()
            .ok_or(missing(LayerKind::Facilities))?,
        residents: files.residents.clone(),
        roads: files.roads.clone(),
    };
    progress.phase("layers", 0.1);
    let (layers, warnings) = io::load_layers_all_with(&paths, options, &profile)
        .map_err(|mut errors| errors.remove(0))
        .map_err(|e| LoadFailure::File {
            what: None,
            file: file_name(e.path()),
            message: e.to_string(),
        })?;
    progress.check().map_err(|_| LoadFailure::Cancelled)?;
    progress.phase("map", 0.9);
    let geometry = MapGeometry::build(&layers, &profile);
    let replaced = super::project::layer_entries(&paths, &warnings);
    Ok(LoadOutcome {
        layers,
        profile,
        replaced,
        geometry,
    })
}

/// `path` with the project extension (added when missing).
pub fn with_extension(path: PathBuf) -> PathBuf {
    let name = file_name(&path);
    if name.ends_with(EXTENSION) {
        path
    } else {
        let stem = name.strip_suffix(".json").unwrap_or(&name);
        path.with_file_name(format!("{stem}{EXTENSION}"))
    }
}

impl Workspace {
    /// The project file state (tests).
    pub fn project_state(&self) -> &ProjectState {
        &self.project_file
    }

    /// Whether there are unsaved changes.
    pub fn is_dirty(&self) -> bool {
        self.layouts.dirty
            || self
                .project_file
                .saved_profile
                .as_ref()
                .is_some_and(|p| *p != self.study.profile)
    }

    /// Use `dir` for the recovery copy of unsaved projects and offer a copy
    /// left there by a crash.
    pub fn use_data_dir(&mut self, dir: PathBuf) {
        let recovery = io::recovery_path(None, &dir);
        if recovery.is_file() {
            self.project_file.recovery_offer = Some((recovery, None));
        }
        self.project_file.data_dir = dir;
    }

    /// Remember where loads come from (called for every action).
    pub(super) fn note_action(&mut self, action: &Action) {
        match action {
            Action::LoadDemo => {
                self.project_file.demo_pending = true;
                self.project_file.opening = None;
                self.layouts.pending = None;
            }
            Action::ImportFiles(requests) => {
                self.project_file
                    .pending_requests
                    .extend(requests.iter().cloned());
                self.project_file.opening = None;
                self.layouts.pending = None;
            }
            _ => {}
        }
    }

    /// New layers are on screen: record their files and whether this is a
    /// clean state.
    pub(super) fn layers_loaded(&mut self) {
        let state = &mut self.project_file;
        if let Some((path, view, restored)) = state.opening.take() {
            state.path = path;
            state.saved_profile = Some(self.study.profile.clone());
            state.pending_requests.clear();
            state.demo_pending = false;
            self.layouts.dirty = restored;
            if let Some(tier) = view.tier {
                self.settings.tier = Some(tier);
            }
            if let (Some(center), Some(zoom)) = (view.center, view.zoom)
                && center.iter().all(|c| c.is_finite())
                && zoom.is_finite()
                && zoom > 0.0
            {
                self.map_requests.push(MapRequest::Show { center, zoom });
            }
            return;
        }
        if std::mem::take(&mut state.demo_pending) {
            state.options = io::LayerOptions::default();
            let demo = io::demo_layer_paths();
            state.layers = LayerFiles {
                townships: Some(demo.townships),
                facilities: Some(demo.facilities),
                residents: demo.residents,
                roads: demo.roads,
                // The town areas on screen stay with the demo.
                town_areas: state.layers.town_areas.take(),
            };
            state.path = None;
            state.saved_profile = Some(self.study.profile.clone());
            state.pending_requests.clear();
            self.layouts.dirty = false;
            return;
        }
        // Imports: match the loaded file names to the requested paths.
        let mut found = false;
        for (what, name) in &self.study.files {
            let Import::Layer(kind) = what else { continue };
            let Some(r) = state
                .pending_requests
                .iter()
                .find(|r| file_name(&r.path) == *name)
            else {
                continue;
            };
            let path = std::path::absolute(&r.path).unwrap_or_else(|_| r.path.clone());
            let slot = match kind {
                LayerKind::Townships => &mut state.layers.townships,
                LayerKind::Facilities => &mut state.layers.facilities,
                LayerKind::Residents => &mut state.layers.residents,
                LayerKind::Roads => &mut state.layers.roads,
            };
            *slot = Some(path);
            found = true;
        }
        state.pending_requests.clear();
        if found {
            self.layouts.dirty = true;
        }
    }

    /// The project as it would be saved now.
    pub fn current_project(&self) -> Project {
        let name = self
            .project_file
            .path
            .as_deref()
            .map(file_name)
            .map(|n| n.strip_suffix(EXTENSION).unwrap_or(&n).to_string())
            .unwrap_or_default();
        let mut project = Project::new(
            &name,
            self.project_file.layers.clone(),
            self.study.profile.clone(),
        );
        project.layouts = self.layouts.layouts.clone();
        project.active_layout = self.layouts.active;
        if self.project_file.options != io::LayerOptions::default() {
            project.import_options = serde_json::to_value(&self.project_file.options).ok();
        }
        project.view = ViewState {
            center: self.camera.center,
            zoom: self.camera.zoom,
            tier: self.settings.tier.clone(),
            category: None,
        };
        project
    }

    /// Carry out a project-file action.
    pub(super) fn apply_project(&mut self, action: ProjectAction, ctx: &egui::Context) {
        let lang = self.settings.lang;
        match action {
            ProjectAction::Save => {
                self.save_project(false, lang);
            }
            ProjectAction::SaveAs => {
                self.save_project(true, lang);
            }
            ProjectAction::Open => {
                if let Some(path) = self.dialogs.pick_project(lang) {
                    self.open_project(path, None);
                }
            }
            ProjectAction::OpenPath(path) => self.open_project(path, None),
            ProjectAction::Restore => {
                if let Some((copy, project)) = self.project_file.recovery_offer.take() {
                    self.open_project(copy, Some(project));
                }
            }
            ProjectAction::DiscardRecovery => {
                if let Some((copy, _)) = self.project_file.recovery_offer.take() {
                    std::fs::remove_file(copy).ok();
                }
            }
            ProjectAction::CloseSave => {
                self.project_file.closing = false;
                if self.save_project(false, lang) {
                    self.project_file.allow_close = true;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
            ProjectAction::CloseDiscard => {
                self.project_file.closing = false;
                self.project_file.allow_close = true;
                self.remove_recovery();
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            ProjectAction::CloseCancel => self.project_file.closing = false,
        }
    }

    fn recovery_file(&self) -> PathBuf {
        io::recovery_path(
            self.project_file.path.as_deref(),
            &self.project_file.data_dir,
        )
    }

    fn remove_recovery(&self) {
        std::fs::remove_file(self.recovery_file()).ok();
    }

    /// Save (asking for a file when `ask` or when there is none); whether
    /// it was saved.
    fn save_project(&mut self, ask: bool, lang: Lang) -> bool {
        let path = match (&self.project_file.path, ask) {
            (Some(p), false) => p.clone(),
            _ => match self.dialogs.save_project(lang) {
                Some(p) => with_extension(p),
                None => return false,
            },
        };
        let unsaved_recovery = self.recovery_file();
        let previous = self.project_file.path.replace(path.clone());
        let project = self.current_project();
        match io::save_project(&path, &project) {
            Ok(()) => {
                std::fs::remove_file(unsaved_recovery).ok();
                self.remove_recovery();
                self.layouts.dirty = false;
                self.project_file.saved_profile = Some(self.study.profile.clone());
                self.message = Some(Message::ProjectSaved(file_name(&path)));
                true
            }
            Err(e) => {
                self.project_file.path = previous;
                self.message = Some(Message::ProjectFailed(e.to_string()));
                false
            }
        }
    }

    /// Open `path`; `restoring`: it is a recovery copy of that project.
    fn open_project(&mut self, path: PathBuf, restoring: Option<Option<PathBuf>>) {
        let project = match io::load_project(&path) {
            Ok(p) => p,
            Err(e) => {
                self.message = Some(Message::ProjectFailed(e.to_string()));
                return;
            }
        };
        let restored = restoring.is_some();
        let project_path = restoring.unwrap_or(Some(path.clone()));
        if !restored {
            // A newer recovery copy of this project: offer it.
            let copy = io::recovery_path(Some(&path), &self.project_file.data_dir);
            let newer = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
            if let (Some(c), Some(p)) = (newer(&copy), newer(&path))
                && c > p
            {
                self.project_file.recovery_offer = Some((copy, Some(path.clone())));
            }
        }
        let Project {
            layers,
            profile,
            layouts,
            active_layout,
            view,
            import_options,
            ..
        } = project;
        // Options this LifeCircle cannot read are dropped (the files are
        // then read as they say), not a reason to refuse the project.
        let options: io::LayerOptions = import_options
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        self.project_file.layers = layers.clone();
        self.project_file.options = options.clone();
        self.project_file.opening = Some((project_path, view, restored));
        self.project_file.demo_pending = false;
        self.project_file.pending_requests.clear();
        self.layouts.pending = Some((layouts, active_layout));
        self.layouts.layouts = Vec::<Layout>::new();
        self.layouts.active = None;
        self.fit_after_load = true;
        // The project's town areas replace those on screen.
        self.town_areas_job = None;
        if self.study.town_areas.take().is_some() {
            self.town_areas_changed();
        }
        if let Some(path) = layers.town_areas.clone() {
            self.load_town_areas(path);
        }
        self.load_job = Some(super::jobs::Job::spawn(&self.runner, move |p| {
            load_project_layers(layers, &options, profile, p)
        }));
    }

    /// Write the recovery copy when due.
    pub fn autosave_tick(&mut self, ctx: &egui::Context) {
        if !self.is_dirty() || self.is_busy() {
            self.project_file.last_autosave = Instant::now();
            return;
        }
        if self.project_file.last_autosave.elapsed() >= AUTOSAVE_EVERY {
            self.autosave_now();
        }
        ctx.request_repaint_after(AUTOSAVE_EVERY);
    }

    /// Write the recovery copy now (returns where).
    pub fn autosave_now(&mut self) -> Option<PathBuf> {
        self.project_file.last_autosave = Instant::now();
        let path = self.recovery_file();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok();
        }
        let project = self.current_project();
        io::save_project(&path, &project).ok().map(|_| path)
    }

    /// Stop the window closing over unsaved changes: cancel the close and
    /// ask (the prompt is drawn by `ui::project_prompts`); a clean close
    /// removes the recovery copy.
    pub fn handle_close_request(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) {
            if self.is_dirty() && !self.project_file.allow_close {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.project_file.closing = true;
            } else if !self.is_dirty() {
                self.remove_recovery();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_files_get_the_extension() {
        assert_eq!(
            with_extension(PathBuf::from("/d/plan")),
            PathBuf::from("/d/plan.lifecircle.json")
        );
        assert_eq!(
            with_extension(PathBuf::from("/d/plan.json")),
            PathBuf::from("/d/plan.lifecircle.json")
        );
        assert_eq!(
            with_extension(PathBuf::from("/d/plan.lifecircle.json")),
            PathBuf::from("/d/plan.lifecircle.json")
        );
    }
}
