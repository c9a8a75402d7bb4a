//! The Export dialog's state and work (File → Export report…): the chosen
//! formats, language, map options and folder; the export itself runs as a
//! background [`Job`] calling [`report::export`] on the study and its
//! latest assessment, with progress and cancel, and ends with the list of
//! written files or the error. Drawn by [`crate::ui::export_dialog`].

use super::Workspace;
use super::files::Import;
use super::jobs::{Job, Poll, Runner};
use super::project::{Results, Study};
use crate::analysis::{Assessment, Progress};
use crate::model::{Layers, Profile};
use crate::report::Lang;
use crate::report::{self, DataFile, ExportError, ExportInput, ExportRequest, Format};
use eframe::egui;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Map image widths offered in the dialog, in pixels: small, screen, print.
pub const MAP_WIDTHS: [u32; 3] = [1000, 1600, ExportRequest::PRINT_WIDTH_PX];

/// How the last export ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportOutcome {
    /// These files were written.
    Written(Vec<PathBuf>),
    /// The export failed; nothing (or not everything) was written.
    Failed(String),
    /// The user cancelled before anything was written.
    Cancelled,
}

/// What the user did in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportEvent {
    /// Choose the output folder.
    PickFolder,
    /// Start the export.
    Export,
    /// Stop the running export.
    Cancel,
    /// Close the dialog.
    Close,
}

type ExportJob = Job<Result<Vec<PathBuf>, ExportError>>;

/// The Export dialog (see module docs).
pub struct ExportDialog {
    /// Each format and whether it is wanted (all on at first).
    pub formats: Vec<(Format, bool)>,
    /// Language of the report.
    pub lang: report::Lang,
    /// Also draw a map per township and tier.
    pub township_maps: bool,
    /// Width of the map images, one of [`MAP_WIDTHS`].
    pub map_width_px: u32,
    /// The output folder, once chosen.
    pub dir: Option<PathBuf>,
    /// The EPSG code of `results.dxf` as typed; empty: the CGCS2000
    /// Gauss–Krüger zone of the study.
    pub cad_epsg: String,
    /// How the last export ended.
    pub outcome: Option<ExportOutcome>,
    /// A phased plan (建设时序) made on the layout shown, reported with it.
    pub plan: Option<crate::analysis::Plan>,
    job: Option<ExportJob>,
}

impl ExportDialog {
    /// Every format on, the report in the interface language, district maps
    /// at print width, no folder yet.
    pub fn new(lang: Lang) -> Self {
        Self {
            formats: Format::ALL.iter().map(|f| (*f, true)).collect(),
            lang: if lang.is_chinese() {
                report::Lang::Zh
            } else {
                report::Lang::En
            },
            township_maps: false,
            map_width_px: ExportRequest::PRINT_WIDTH_PX,
            dir: None,
            cad_epsg: String::new(),
            outcome: None,
            plan: None,
            job: None,
        }
    }

    /// The coordinate system typed for `results.dxf` (`None`: the study's
    /// Gauss–Krüger zone), or why the text is not one.
    pub fn cad_crs(&self) -> Result<Option<crate::io::CoordinateSystem>, String> {
        let text = self.cad_epsg.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let crs: crate::io::Crs = text.parse()?;
        crate::io::CoordinateSystem::from_choice(crs)
            .transpose()
            .map(|cs| cs.filter(|c| !c.is_geographic() || c.is_wgs84()))
    }

    /// The request for the current choices; `None` without a folder or with
    /// no format ticked.
    pub fn request(&self) -> Option<ExportRequest> {
        let formats: Vec<Format> = self
            .formats
            .iter()
            .filter(|(_, on)| *on)
            .map(|(f, _)| *f)
            .collect();
        if formats.is_empty() {
            return None;
        }
        // A DXF in a system that is not one cannot be written.
        let cad_crs = if formats.contains(&Format::Dxf) {
            self.cad_crs().ok()?
        } else {
            None
        };
        Some(ExportRequest {
            formats,
            lang: self.lang,
            dir: self.dir.clone()?,
            township_maps: self.township_maps,
            map_width_px: self.map_width_px,
            title: None,
            cad_crs,
        })
    }

    /// Whether an export is running.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Progress of the running export: fraction, phase, elapsed time.
    pub fn progress(&self) -> Option<(f32, String, Duration)> {
        self.job.as_ref().map(|j| {
            (
                j.progress().fraction(),
                j.progress().phase_name(),
                j.elapsed(),
            )
        })
    }

    /// Start exporting `study` with `results` on `runner`; a running export
    /// is superseded.
    pub fn start(&mut self, runner: &Runner, study: &Study, results: &Results) {
        let Some(request) = self.request() else {
            return;
        };
        let layers = Arc::clone(&study.layers);
        let profile = results.profile.clone();
        let assessment = Arc::clone(&results.assessment);
        let warnings: Vec<String> = study.all_warnings().map(|(_, w)| w.to_string()).collect();
        let data_files = data_files(study);
        let plan = self.plan.clone();
        self.outcome = None;
        self.job = Some(Job::spawn(runner, move |p| {
            let input = ExportInput {
                layers: &layers,
                profile: &profile,
                assessment: &assessment,
                warnings: &warnings,
                data_files: &data_files,
                comparison: None,
                redundancy: None,
            };
            report::export_with_plan(&request, &input, plan.as_ref(), p)
        }));
        self.poll();
    }

    /// Stop the running export; nothing is written.
    pub fn cancel(&mut self) {
        if self.job.take().is_some() {
            self.outcome = Some(ExportOutcome::Cancelled);
        }
    }

    /// Take the result of a finished export.
    pub fn poll(&mut self) {
        if let Some(job) = &mut self.job
            && let Poll::Done(result) = job.poll()
        {
            self.job = None;
            self.outcome = Some(match result {
                Ok(Ok(files)) => ExportOutcome::Written(files),
                Ok(Err(ExportError::Cancelled)) => ExportOutcome::Cancelled,
                Ok(Err(e)) => ExportOutcome::Failed(e.to_string()),
                Err(e) => ExportOutcome::Failed(e.to_string()),
            });
        }
    }
}

/// The study's input files for the report's method sheet: the layer, the
/// file name and how many features were used from it.
pub fn data_files(study: &Study) -> Vec<DataFile> {
    let layers = &study.layers;
    study
        .files
        .iter()
        .map(|(what, file)| {
            let (kind, features) = match what {
                Import::Layer(kind) => {
                    let n = match kind {
                        crate::io::LayerKind::Townships => Some(layers.townships.len()),
                        crate::io::LayerKind::Facilities => Some(layers.facilities.len()),
                        crate::io::LayerKind::Residents => layers.residents.as_ref().map(Vec::len),
                        crate::io::LayerKind::Roads => layers.roads.as_ref().map(Vec::len),
                    };
                    (kind.label().to_string(), n)
                }
                Import::Profile => ("profile".to_string(), None),
            };
            DataFile {
                kind,
                path: PathBuf::from(file),
                features,
            }
        })
        .collect()
}

/// Write the report of `request` for the study (see [`report::export`]).
pub fn export_study(
    request: &ExportRequest,
    layers: &Layers,
    profile: &Profile,
    assessment: &Assessment,
    warnings: &[String],
    data_files: &[DataFile],
    progress: &Progress,
) -> Result<Vec<PathBuf>, ExportError> {
    let input = ExportInput {
        layers,
        profile,
        assessment,
        warnings,
        data_files,
        comparison: None,
        redundancy: None,
    };
    report::export(request, &input, progress)
}

impl Workspace {
    /// Open the Export dialog (keeping the choices of an open one).
    pub(super) fn open_export(&mut self) {
        if self.export_dialog.is_none() {
            self.export_dialog = Some(ExportDialog::new(self.settings.lang));
        }
    }

    /// Why exporting is not possible now, in `lang`; `None` when it is.
    fn export_blocked(&self, lang: Lang) -> Option<String> {
        match &self.results {
            _ if self.assess_job.is_some() || self.load_job.is_some() => Some(
                lang.pick(
                    "正在载入或评估，请稍候。",
                    "Loading or assessing; please wait.",
                )
                .to_string(),
            ),
            Some(r) if r.study_generation == self.study.generation => None,
            _ => Some(
                lang.pick(
                    "尚无最新的评估结果，请先评估。",
                    "There is no up-to-date assessment; assess first.",
                )
                .to_string(),
            ),
        }
    }

    /// Take the open Export dialog to draw it (polled first), with the
    /// reason exporting is not possible now, if any. Hand it back with
    /// [`Self::export_dialog_done`].
    pub fn take_export_dialog(&mut self) -> Option<(ExportDialog, Option<String>)> {
        let mut dialog = self.export_dialog.take()?;
        dialog.poll();
        let blocked = self.export_blocked(self.settings.lang);
        Some((dialog, blocked))
    }

    /// Carry out what the user did in the drawn Export dialog; it stays
    /// open unless closed.
    pub fn export_dialog_done(
        &mut self,
        mut dialog: ExportDialog,
        blocked: Option<String>,
        events: Vec<ExportEvent>,
        ctx: &egui::Context,
    ) {
        let lang = self.settings.lang;
        let mut open = true;
        for event in events {
            match event {
                ExportEvent::PickFolder => {
                    if let Some(dir) = self.dialogs.pick_folder(lang) {
                        dialog.dir = Some(dir);
                    }
                }
                ExportEvent::Export => {
                    if blocked.is_none()
                        && let Some(results) = &self.results
                    {
                        dialog.plan = self.plan_for_export();
                        dialog.start(&self.runner, &self.study, results);
                    }
                }
                ExportEvent::Cancel => dialog.cancel(),
                ExportEvent::Close => {
                    dialog.cancel();
                    open = false;
                }
            }
        }
        if dialog.is_running() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if open {
            self.export_dialog = Some(dialog);
        }
    }

    /// The Export dialog, when open (tests).
    pub fn export_dialog(&self) -> Option<&ExportDialog> {
        self.export_dialog.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_needs_a_folder_and_a_format() {
        let mut d = ExportDialog::new(Lang::En);
        assert_eq!(d.lang, report::Lang::En);
        assert!(d.request().is_none());
        d.dir = Some(PathBuf::from("/tmp/out"));
        let r = d.request().unwrap();
        assert_eq!(r.formats, Format::ALL.to_vec());
        for (_, on) in &mut d.formats {
            *on = false;
        }
        assert!(d.request().is_none());
        d.formats[0].1 = true;
        assert_eq!(d.request().unwrap().formats, vec![Format::Xlsx]);
    }

    /// The CAD drawing's system: the study's zone when empty, the code
    /// typed, and no request while the text is not a system.
    #[test]
    fn the_cad_system_is_checked() {
        let mut d = ExportDialog::new(Lang::Zh);
        d.dir = Some(PathBuf::from("/tmp/out"));
        assert_eq!(d.request().unwrap().cad_crs, None);
        d.cad_epsg = "EPSG:4528".into();
        let cs = d.request().unwrap().cad_crs.unwrap();
        assert_eq!(cs.name, "CGCS2000 / 3-degree Gauss-Kruger zone 40");
        d.cad_epsg = "99999".into();
        assert!(d.cad_crs().unwrap_err().contains("EPSG:99999"));
        assert!(d.request().is_none());
        // Without the DXF ticked the field does not matter.
        for (f, on) in &mut d.formats {
            *on = *f == Format::Json;
        }
        assert!(d.request().is_some());
    }

    #[test]
    fn exports_run_on_a_worker_and_can_be_cancelled() {
        let loaded =
            super::super::project::load_demo(&Progress::new()).unwrap_or_else(|e| panic!("{e:?}"));
        let study = Study::new(loaded.layers, loaded.profile);
        let results = super::super::project::assess_study(
            Arc::clone(&study.layers),
            study.profile.clone(),
            study.geometry.plane,
            study.generation,
            &Progress::new(),
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("lifecircle-export-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let runner = Runner::Threads(egui::Context::default());
        let mut d = ExportDialog::new(Lang::Zh);
        d.dir = Some(dir.clone());
        for (f, on) in &mut d.formats {
            *on = matches!(f, Format::Json | Format::Csv);
        }

        d.start(&runner, &study, &results);
        assert!(d.is_running() || d.outcome.is_some());
        d.cancel();
        assert_eq!(d.outcome, Some(ExportOutcome::Cancelled));
        assert!(!d.is_running());

        d.start(&runner, &study, &results);
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while d.is_running() {
            assert!(std::time::Instant::now() < deadline, "the export hangs");
            std::thread::sleep(Duration::from_millis(20));
            d.poll();
        }
        match &d.outcome {
            Some(ExportOutcome::Written(files)) => {
                assert!(files.contains(&dir.join("coverage.json")), "{files:?}");
                assert!(files.contains(&dir.join("coverage.csv")), "{files:?}");
                assert!(!dir.join("report.xlsx").exists());
            }
            other => panic!("{other:?}"),
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
