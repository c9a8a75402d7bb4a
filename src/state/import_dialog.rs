//! The import dialog's state and work. A CSV, Excel, Shapefile or OSM PBF
//! file (chosen or dropped) is not imported at once: the dialog previews it
//! ([`io::preview`]: first rows, encoding, coordinate system, feature count,
//! extent, warnings) and lets the user choose the layer, coordinate system,
//! encoding, worksheet and columns. Import loads it with
//! `io::load_*_with` in a background [`Job`] and replaces that layer; on
//! error the previous data stay and the message names the file and the
//! problem. An unknown coordinate system makes the dialog ask for one.
//! Category values the profile does not know are listed with their counts
//! and can be mapped to a profile category, then imported again.
//! Drawn by [`crate::ui::import_dialog`].

use super::files::{Import, guess_from_content, guess_from_name};
use super::jobs::{Job, Poll, Runner};
use super::map_geometry::MapGeometry;
use super::project::{ImportRequest, LoadOutcome, file_name};
use super::{Message, Workspace};
use crate::analysis::Progress;
use crate::io::{
    self, CategoryMatcher, ColumnChoice, Crs, DatumShift, Format, ImportOptions, LayerKind,
    LoadError, OldDatum, Preview,
};
use crate::model::{CategoryMapping, Layers, LoadWarning, Profile};
use eframe::egui;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The coordinate system chosen in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrsChoice {
    /// As the file says (`.prj`, column names), else WGS84.
    Auto,
    Wgs84,
    Gcj02,
    Bd09,
    /// The EPSG code typed in the text field.
    Epsg,
}

/// The text encoding chosen in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodingChoice {
    /// Byte order mark, `.cpg`, else UTF-8 when valid, else GBK.
    Auto,
    Utf8,
    Gbk,
    Gb18030,
}

impl EncodingChoice {
    /// Every choice, in the order shown.
    pub const ALL: [EncodingChoice; 4] = [
        EncodingChoice::Auto,
        EncodingChoice::Utf8,
        EncodingChoice::Gbk,
        EncodingChoice::Gb18030,
    ];

    fn encoding(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            EncodingChoice::Auto => None,
            EncodingChoice::Utf8 => Some(encoding_rs::UTF_8),
            EncodingChoice::Gbk => Some(encoding_rs::GBK),
            EncodingChoice::Gb18030 => Some(encoding_rs::GB18030),
        }
    }
}

/// How residents polygons become demand points, as chosen in the dialog
/// (see [`io::Spread`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpreadChoice {
    /// One point at each polygon's centroid.
    Centroid,
    /// Over the 100 m grid cells inside, by area.
    Grid,
    /// Over the building footprints of [`ImportDialog::buildings`].
    Buildings,
}

/// What the user did in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportEvent {
    /// Import (again) with the current choices and mapping.
    Import,
    /// Choose the building footprint file for spreading.
    PickBuildings,
    /// Choose the population table joined to the polygons by name.
    PickPopulationTable,
    /// Close the dialog (the next queued file opens, if any).
    Close,
}

/// A preview, with the polygon sizes of a residents file.
type PreviewResult = Result<(Preview, Option<io::PolygonSizes>), LoadError>;

type PreviewKey = (
    LayerKind,
    Crs,
    Option<&'static encoding_rs::Encoding>,
    Option<String>,
    Option<String>,
    io::CadChoice,
);

/// The import dialog (see module docs).
pub struct ImportDialog {
    /// The file.
    pub path: PathBuf,
    /// Its name, for messages.
    pub file: String,
    /// Its format.
    pub format: Format,
    /// The layer it replaces.
    pub layer: LayerKind,
    /// The coordinate system.
    pub crs: CrsChoice,
    /// The EPSG code text (with `CrsChoice::Epsg`).
    pub epsg: String,
    /// The Beijing 1954 / Xian 1980 transformation parameters as typed
    /// (`dx,dy,dz[,rx,ry,rz,s]`); empty: none.
    pub towgs84: String,
    /// The user accepted the approximate transformation after its warning
    /// (used only while `towgs84` is empty).
    pub approximate_datum: bool,
    /// A DXF drawing's CAD layers, name layer and road classes.
    pub cad: io::CadChoice,
    /// The text encoding.
    pub encoding: EncodingChoice,
    /// The Excel worksheet; `None`: the first with data.
    pub sheet: Option<String>,
    /// The columns (filled from the preview's guesses).
    pub columns: ColumnChoice,
    /// The user's decisions for unknown category values.
    pub mapping: BTreeMap<String, Option<String>>,
    /// The latest preview, or why there is none.
    pub preview: Option<Result<Preview, String>>,
    /// The coordinate system could not be used: the user must choose one.
    pub crs_unknown: bool,
    /// The last import's error (the previous data stay).
    pub error: Option<String>,
    /// After an import: category values the profile does not know, with
    /// how many facilities had them.
    pub unmapped: Vec<(String, usize)>,
    /// Feature count of the last successful import.
    pub imported: Option<usize>,
    /// Files dropped together with this one, opened after it.
    pub queue: Vec<ImportRequest>,
    /// Residents: how polygons become demand points.
    pub spread: SpreadChoice,
    /// Residents: the building footprint file (with [`SpreadChoice::Buildings`]).
    pub buildings: String,
    /// Residents: a CSV `name,population[,pop_<group>…]` joined to the
    /// features by name (empty: none).
    pub population_table: String,
    /// Residents: the sizes of the file's polygons (with the preview).
    pub polygon_sizes: Option<io::PolygonSizes>,
    /// A GeoJSON file whose coordinates look projected (it needs a system).
    geojson_projected: bool,
    spread_seeded: bool,
    preview_key: Option<PreviewKey>,
    preview_job: Option<Job<PreviewResult>>,
    import_job: Option<Job<Result<LoadOutcome, LoadError>>>,
    columns_seeded: bool,
}

/// Whether a file of `format` opens the dialog (tables, Shapefiles and OSM
/// extracts have choices; KML may be GCJ-02 from a Chinese map app; CAD
/// drawings need their layers and coordinate system chosen; GeoJSON is
/// WGS84 by definition).
pub fn needs_dialog(format: Format) -> bool {
    matches!(
        format,
        Format::Csv
            | Format::Excel
            | Format::Shapefile
            | Format::OsmPbf
            | Format::Kml
            | Format::Dxf
    )
}

/// Whether importing the file at `path` opens the dialog: formats with
/// choices, and GeoJSON whose coordinates are projected metres (the user
/// must say which system).
fn opens_dialog(path: &std::path::Path, format: Format) -> bool {
    needs_dialog(format) || (format == Format::GeoJson && crate::io::geojson_looks_projected(path))
}

/// Whether a GeoJSON residents file holds polygons large enough to propose
/// spreading their population ([`io::PROPOSE_SPREAD_ABOVE_HA`]): it then
/// opens the dialog instead of being imported at once.
fn proposes_spreading(request: &ImportRequest, format: Format) -> bool {
    format == Format::GeoJson
        && guess_layer(request, format) == LayerKind::Residents
        && io::residents_polygon_sizes(&request.path, &ImportOptions::default())
            .is_ok_and(|s| s.proposes_spreading())
}

/// The layer a file probably holds: as asked, else from its name, else
/// from a CSV header; OSM extracts default to roads, others to facilities.
fn guess_layer(request: &ImportRequest, format: Format) -> LayerKind {
    let guessed = request
        .what
        .or_else(|| guess_from_name(&request.path))
        .or_else(|| {
            if format != Format::Csv {
                return None;
            }
            let mut head = vec![0u8; 64 * 1024];
            let n = std::fs::File::open(&request.path)
                .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
                .ok()?;
            head.truncate(n);
            guess_from_content(&head)
        });
    match guessed {
        Some(Import::Layer(kind)) => kind,
        _ if format == Format::OsmPbf => LayerKind::Roads,
        _ if format == Format::Dxf => LayerKind::Townships,
        _ => LayerKind::Facilities,
    }
}

impl ImportDialog {
    /// A dialog for `request` (a file of `format`), nothing previewed yet.
    pub fn new(request: &ImportRequest, format: Format) -> Self {
        Self {
            path: request.path.clone(),
            file: file_name(&request.path),
            format,
            layer: guess_layer(request, format),
            crs: CrsChoice::Auto,
            epsg: String::new(),
            towgs84: String::new(),
            approximate_datum: false,
            cad: io::CadChoice::default(),
            encoding: EncodingChoice::Auto,
            sheet: None,
            columns: ColumnChoice::default(),
            mapping: BTreeMap::new(),
            preview: None,
            crs_unknown: false,
            error: None,
            unmapped: Vec::new(),
            imported: None,
            queue: Vec::new(),
            spread: SpreadChoice::Centroid,
            buildings: String::new(),
            population_table: String::new(),
            polygon_sizes: None,
            geojson_projected: format == Format::GeoJson
                && io::geojson_looks_projected(&request.path),
            spread_seeded: false,
            preview_key: None,
            preview_job: None,
            import_job: None,
            columns_seeded: false,
        }
    }

    /// The coordinate system chosen, or why the EPSG text is not a code.
    pub fn crs(&self) -> Result<Crs, String> {
        Ok(match self.crs {
            CrsChoice::Auto => Crs::FromPrj,
            CrsChoice::Wgs84 => Crs::Wgs84,
            CrsChoice::Gcj02 => Crs::Gcj02,
            CrsChoice::Bd09 => Crs::Bd09,
            CrsChoice::Epsg => {
                let text = self.epsg.trim();
                let digits = text
                    .strip_prefix("EPSG:")
                    .or_else(|| text.strip_prefix("epsg:"))
                    .unwrap_or(text)
                    .trim();
                match digits.parse::<u32>() {
                    Ok(code) if code > 0 => Crs::Epsg(code),
                    _ => return Err(format!("not an EPSG code: {text:?} (e.g. 4528)")),
                }
            }
        })
    }

    /// The datum transformation typed or accepted, or why the typed text
    /// is not 3 or 7 numbers.
    pub fn towgs84(&self) -> Result<Option<DatumShift>, String> {
        if !self.towgs84.trim().is_empty() {
            return self.towgs84.parse().map(Some);
        }
        Ok(self.approximate_datum.then_some(DatumShift::Approximate))
    }

    /// The old datum (Beijing 1954 / Xian 1980) the file is in, as far as
    /// the dialog knows: from the EPSG code typed, or from the preview
    /// (refused for lack of parameters, or converted with them).
    pub fn old_datum(&self) -> Option<OldDatum> {
        if let Ok(Crs::Epsg(code)) = self.crs()
            && let Some(datum) = OldDatum::of_epsg(code)
        {
            return Some(datum);
        }
        match &self.preview {
            Some(Ok(p)) => OldDatum::named_in(&p.crs),
            Some(Err(e)) => OldDatum::named_in(e),
            None => None,
        }
    }

    /// The coordinate system to propose for a DXF drawing, with its name:
    /// the zone its eastings carry, or — for Gauss–Krüger metres without
    /// the zone number — the CGCS2000 3-degree zone (by central meridian,
    /// EPSG:4534–4554) of the data already loaded (`loaded`, WGS84).
    pub fn proposed_crs(&self, loaded: Option<[f64; 4]>) -> Option<Crs> {
        let Some(Ok(p)) = &self.preview else {
            return None;
        };
        let cad = p.cad.as_ref()?;
        if let Some(crs) = cad.proposed {
            return Some(crs);
        }
        if !cad.gk_without_zone {
            return None;
        }
        let [x0, _, x1, _] = loaded?;
        let cm = ((x0 + x1) / 2.0 / 3.0).round() * 3.0;
        (75.0..=135.0)
            .contains(&cm)
            .then(|| Crs::Epsg(4534 + ((cm - 75.0) / 3.0) as u32))
    }

    /// Whether a CAD layer is read (all are while none is chosen).
    pub fn cad_layer_on(&self, layer: &str) -> bool {
        self.cad.layers.is_empty() || self.cad.layers.iter().any(|l| l == layer)
    }

    /// Turns a CAD layer on or off; `all` are the layers offered.
    pub fn set_cad_layer(&mut self, layer: &str, on: bool, all: &[String]) {
        if self.cad.layers.is_empty() {
            self.cad.layers = all.to_vec();
        }
        self.cad.layers.retain(|l| l != layer);
        if on {
            self.cad.layers.push(layer.to_string());
        }
        if all.iter().all(|l| self.cad.layers.contains(l)) {
            self.cad.layers.clear();
        }
    }

    /// The options for the current choices (columns only of this layer).
    pub fn options(&self) -> Result<ImportOptions, String> {
        let c = &self.columns;
        let keep = |v: &Option<String>, wanted: bool| v.clone().filter(|_| wanted);
        let (points, facilities, residents) = (
            matches!(self.layer, LayerKind::Facilities | LayerKind::Residents),
            self.layer == LayerKind::Facilities,
            self.layer == LayerKind::Residents,
        );
        let tables = matches!(self.format, Format::Csv | Format::Excel);
        Ok(ImportOptions {
            crs: self.crs()?,
            towgs84: self.towgs84()?,
            encoding: self.encoding.encoding(),
            columns: ColumnChoice {
                lon: keep(&c.lon, points && tables),
                lat: keep(&c.lat, points && tables),
                category: keep(&c.category, facilities),
                name: keep(&c.name, self.layer != LayerKind::Roads),
                population: keep(&c.population, residents),
                capacity: keep(&c.capacity, facilities),
            },
            sheet: self.sheet.clone(),
            mapping: CategoryMapping {
                values: self.mapping.clone(),
            },
            spread: self.population_spread(residents)?,
            cad: self.cad.clone(),
        })
    }

    /// The spreading chosen (residents only), or why it cannot be used.
    fn population_spread(&self, residents: bool) -> Result<io::PopulationSpread, String> {
        let rule = match self.spread {
            _ if !residents => io::Spread::Centroid,
            SpreadChoice::Centroid => io::Spread::Centroid,
            SpreadChoice::Grid => io::Spread::Grid,
            SpreadChoice::Buildings if self.buildings.trim().is_empty() => {
                return Err(
                    "choose the building footprint file, or another way to place the population"
                        .to_string(),
                );
            }
            SpreadChoice::Buildings => io::Spread::Buildings(PathBuf::from(self.buildings.trim())),
        };
        let table = self.population_table.trim();
        Ok(io::PopulationSpread {
            rule,
            table: (residents && !table.is_empty()).then(|| PathBuf::from(table)),
            frame: None,
        })
    }

    /// Whether a preview or an import is running.
    pub fn is_running(&self) -> bool {
        self.preview_job.is_some() || self.import_job.is_some()
    }

    /// Whether an import is running.
    pub fn is_importing(&self) -> bool {
        self.import_job.is_some()
    }

    /// Progress of the running import: fraction and phase.
    pub fn import_progress(&self) -> Option<(f32, String)> {
        self.import_job
            .as_ref()
            .map(|j| (j.progress().fraction(), j.progress().phase_name()))
    }

    /// Preview again when the layer, coordinate system, encoding or sheet
    /// changed since the last preview; whether a new preview started.
    pub fn refresh_preview(&mut self, runner: &Runner) -> bool {
        let options = match self.options() {
            Ok(o) => o,
            Err(e) => {
                self.preview = Some(Err(e));
                self.preview_key = None;
                self.preview_job = None;
                return false;
            }
        };
        let key = (
            self.layer,
            options.crs,
            options.encoding,
            options.sheet.clone(),
            options.towgs84.as_ref().map(DatumShift::to_string),
            options.cad.clone(),
        );
        if self.preview_key.as_ref() == Some(&key) {
            return false;
        }
        self.preview_key = Some(key);
        // Preview with the guessed columns: the user's choices are shown
        // against the file's own columns.
        let options = ImportOptions {
            columns: ColumnChoice::default(),
            mapping: CategoryMapping::default(),
            spread: io::PopulationSpread::default(),
            ..options
        };
        let path = self.path.clone();
        let layer = self.layer;
        let residents = layer == LayerKind::Residents;
        self.preview_job = Some(Job::spawn(runner, move |_| {
            let preview = io::preview_layer(&path, layer, &options)?;
            let sizes = residents
                .then(|| io::residents_polygon_sizes(&path, &options).ok())
                .flatten();
            Ok((preview, sizes))
        }));
        self.poll_preview();
        true
    }

    /// Take a finished preview.
    pub fn poll_preview(&mut self) {
        let Some(job) = &mut self.preview_job else {
            return;
        };
        let Poll::Done(result) = job.poll() else {
            return;
        };
        self.preview_job = None;
        self.preview = Some(match result {
            Ok(Ok((preview, sizes))) => {
                // A GeoJSON file whose coordinates are projected needs a
                // system chosen.
                self.crs_unknown = (self.geojson_projected && self.crs == CrsChoice::Auto)
                    || preview.crs.to_lowercase().contains("unknown")
                    || preview.warnings.iter().any(|w| {
                        // Beijing 1954 / Xian 1980 without parameters:
                        // the datum row asks for those instead.
                        w.message.starts_with("coordinate system not usable")
                            && !w.message.contains("--towgs84")
                    });
                if !self.columns_seeded {
                    self.columns = preview.guessed.clone();
                    self.columns_seeded = true;
                }
                // Large polygons: propose the grid (once; the user decides).
                if !self.spread_seeded && sizes.is_some() {
                    if sizes
                        .as_ref()
                        .is_some_and(io::PolygonSizes::proposes_spreading)
                        && self.spread == SpreadChoice::Centroid
                    {
                        self.spread = SpreadChoice::Grid;
                    }
                    self.spread_seeded = true;
                }
                self.polygon_sizes = sizes;
                Ok(preview)
            }
            Ok(Err(e)) => {
                // A Beijing 1954 / Xian 1980 file needs parameters, not
                // another system.
                self.crs_unknown =
                    matches!(e, LoadError::Crs { .. }) && !e.to_string().contains("--towgs84");
                Err(e.to_string())
            }
            Err(e) => Err(e.to_string()),
        });
    }

    /// Start importing with the current choices on top of `base`.
    pub fn start_import(&mut self, runner: &Runner, base: Arc<Layers>, profile: Profile) {
        let options = match self.options() {
            Ok(mut o) => {
                // Spread over the study's grid: the townships' frame.
                o.spread.frame = io::townships_frame(&base.townships);
                o
            }
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        self.error = None;
        let (path, layer) = (self.path.clone(), self.layer);
        self.import_job = Some(Job::spawn(runner, move |p| {
            import_layer(base, profile, &path, layer, &options, p)
        }));
    }

    /// Take a finished import: the outcome to apply, or the error (also
    /// kept in `error`, and `crs_unknown` set for a coordinate problem).
    pub fn poll_import(&mut self) -> Option<Result<LoadOutcome, String>> {
        let job = self.import_job.as_mut()?;
        let Poll::Done(result) = job.poll() else {
            return None;
        };
        self.import_job = None;
        match result {
            Ok(Ok(outcome)) => {
                let warnings = outcome
                    .replaced
                    .iter()
                    .flat_map(|(_, _, w)| w.iter())
                    .cloned()
                    .collect::<Vec<_>>();
                self.unmapped = unmapped_categories(&warnings);
                self.imported = Some(match self.layer {
                    LayerKind::Townships => outcome.layers.townships.len(),
                    LayerKind::Facilities => outcome.layers.facilities.len(),
                    LayerKind::Residents => outcome.layers.residents.as_ref().map_or(0, Vec::len),
                    LayerKind::Roads => outcome.layers.roads.as_ref().map_or(0, Vec::len),
                });
                Some(Ok(outcome))
            }
            Ok(Err(e)) => {
                if matches!(e, LoadError::Crs { .. }) {
                    self.crs_unknown = true;
                }
                let text = e.to_string();
                self.error = Some(text.clone());
                Some(Err(text))
            }
            Err(e) => {
                let text = e.to_string();
                self.error = Some(text.clone());
                Some(Err(text))
            }
        }
    }

    /// Stop a running import (the previous data stay).
    pub fn cancel(&mut self) {
        self.import_job = None;
    }
}

/// Read `path` as `layer` with `options` and put it in place of that layer
/// of `base`; every other layer stays. Facilities are matched against
/// `profile` (after the user's mapping in `options`).
pub fn import_layer(
    base: Arc<Layers>,
    profile: Profile,
    path: &Path,
    layer: LayerKind,
    options: &ImportOptions,
    progress: &Progress,
) -> Result<LoadOutcome, LoadError> {
    let name = file_name(path);
    progress.phase(&name, 0.1);
    let mut layers = (*base).clone();
    let warnings = match layer {
        LayerKind::Townships => {
            let loaded = io::load_townships_with(path, options)?;
            layers.townships = loaded.items;
            loaded.warnings
        }
        LayerKind::Facilities => {
            let matcher = CategoryMatcher::from_profile(&profile);
            let loaded = io::load_facilities_with(path, options, &matcher)?;
            layers.facilities = loaded.items;
            loaded.warnings
        }
        LayerKind::Residents => {
            let loaded = io::load_residents_with(path, options)?;
            layers.residents = Some(loaded.items);
            loaded.warnings
        }
        LayerKind::Roads => {
            let loaded = io::load_roads_with(path, options)?;
            layers.roads = Some(loaded.items);
            loaded.warnings
        }
    };
    progress.phase("map", 0.9);
    let geometry = MapGeometry::build(&layers, &profile);
    Ok(LoadOutcome {
        layers,
        profile,
        replaced: vec![(Import::Layer(layer), name, warnings)],
        geometry,
    })
}

/// Category values the profile does not know, with their counts, from the
/// loader's warnings (`12 facilities have category "x", which the profile
/// does not know …`, and the OSM summary `… and are skipped: a=b (3), …`).
pub fn unmapped_categories(warnings: &[LoadWarning]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for w in warnings {
        let m = &w.message;
        if let Some(end) = m.find(", which the profile does not know") {
            let head = &m[..end];
            let count = head
                .split_whitespace()
                .next()
                .and_then(|n| n.replace(',', "").parse::<usize>().ok())
                .unwrap_or(1);
            if let Some(start) = head.find("category \"") {
                let quoted = &head[start + "category ".len()..];
                let value = serde_json::from_str::<String>(quoted)
                    .unwrap_or_else(|_| quoted.trim_matches('"').to_string());
                out.push((value, count));
            }
        } else if let Some(pos) = m.find("match no category of the profile and are skipped: ") {
            let list = &m[pos + "match no category of the profile and are skipped: ".len()..];
            for item in list.split(", ") {
                let Some(open) = item.rfind(" (") else {
                    continue;
                };
                let Ok(count) = item[open + 2..].trim_end_matches(')').parse::<usize>() else {
                    continue;
                };
                out.push((item[..open].to_string(), count));
            }
        }
    }
    out
}

impl Workspace {
    /// Open the import dialog for the requests whose format has choices
    /// (queued behind an open dialog) and return the others, to be
    /// imported at once.
    pub(super) fn route_imports(&mut self, requests: Vec<ImportRequest>) -> Vec<ImportRequest> {
        let mut direct = Vec::new();
        for request in requests {
            let format = match request.what {
                Some(Import::Profile) => None,
                _ => Format::from_path(&request.path).ok().filter(|f| {
                    opens_dialog(&request.path, *f) || proposes_spreading(&request, *f)
                }),
            };
            let Some(format) = format else {
                direct.push(request);
                continue;
            };
            match &mut self.import_dialog {
                Some(open) => open.queue.push(request),
                None => {
                    let mut dialog = ImportDialog::new(&request, format);
                    dialog.refresh_preview(&self.runner);
                    self.import_dialog = Some(dialog);
                }
            }
        }
        direct
    }

    /// Take the open import dialog to draw it, after polling its preview
    /// and its import (a finished import may close it). Hand it back with
    /// [`Self::import_dialog_done`].
    pub fn take_import_dialog(&mut self, ctx: &egui::Context) -> Option<ImportDialog> {
        let mut dialog = self.import_dialog.take()?;
        dialog.poll_preview();
        if let Some(result) = dialog.poll_import()
            && !self.imported(&mut dialog, result, ctx)
        {
            self.close_import_dialog(dialog, ctx);
            return None;
        }
        Some(dialog)
    }

    /// The extent of the layers already loaded (the import dialog shows
    /// whether a new file lies near them).
    pub fn loaded_extent(&self) -> Option<[f64; 4]> {
        current_extent(&self.study.layers)
    }

    /// Carry out what the user did in the drawn import dialog.
    pub fn import_dialog_done(
        &mut self,
        mut dialog: ImportDialog,
        events: Vec<ImportEvent>,
        ctx: &egui::Context,
    ) {
        let mut open = true;
        for event in events {
            match event {
                ImportEvent::Import => {
                    dialog.start_import(
                        &self.runner,
                        Arc::clone(&self.study.layers),
                        self.study.profile.clone(),
                    );
                    if let Some(result) = dialog.poll_import() {
                        open = self.imported(&mut dialog, result, ctx);
                    }
                }
                ImportEvent::Close => {
                    dialog.cancel();
                    open = false;
                }
                ImportEvent::PickBuildings => {
                    let what = Import::Layer(LayerKind::Residents);
                    if let Some(path) = self.dialogs.pick(what, self.settings.lang) {
                        dialog.buildings = path.display().to_string();
                        dialog.spread = SpreadChoice::Buildings;
                    }
                }
                ImportEvent::PickPopulationTable => {
                    let what = Import::Layer(LayerKind::Residents);
                    if let Some(path) = self.dialogs.pick(what, self.settings.lang) {
                        dialog.population_table = path.display().to_string();
                    }
                }
            }
        }
        if open && dialog.refresh_preview(&self.runner) {
            // Show the new preview (and what it found) at once.
            ctx.request_repaint();
        }
        if dialog.is_running() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if open {
            self.import_dialog = Some(dialog);
        } else {
            self.close_import_dialog(dialog, ctx);
        }
    }

    /// The dialog closed: import what was queued behind it directly.
    fn close_import_dialog(&mut self, mut dialog: ImportDialog, ctx: &egui::Context) {
        let queue = std::mem::take(&mut dialog.queue);
        let direct = self.route_imports(queue);
        if !direct.is_empty() {
            self.apply(super::Action::ImportFiles(direct), ctx);
        }
    }

    /// Apply a finished import; whether the dialog stays open (to map
    /// unknown categories, or to fix the choices after an error).
    fn imported(
        &mut self,
        dialog: &mut ImportDialog,
        result: Result<LoadOutcome, String>,
        ctx: &egui::Context,
    ) -> bool {
        match result {
            Ok(outcome) => {
                // The choices go into the project file with the layer.
                if let Ok(options) = dialog.options() {
                    *self.project_file.options.get_mut(dialog.layer) = options;
                }
                self.fit_after_load = dialog.layer == LayerKind::Townships;
                // Hand the outcome to the app's load pipeline (applies it,
                // reports the file, re-assesses).
                self.load_job = Some(Job::spawn(&Runner::Inline, move |_| Ok(outcome)));
                self.poll_jobs(ctx);
                !dialog.unmapped.is_empty()
            }
            Err(problem) => {
                self.message = Some(Message::ImportFailed {
                    what: Some(Import::Layer(dialog.layer)),
                    file: dialog.file.clone(),
                    problem,
                });
                true
            }
        }
    }

    /// The import dialog, when open (tests).
    pub fn import_dialog(&self) -> Option<&ImportDialog> {
        self.import_dialog.as_ref()
    }

    /// The import dialog, to set choices directly (tests).
    pub fn import_dialog_mut(&mut self) -> Option<&mut ImportDialog> {
        self.import_dialog.as_mut()
    }
}

/// `[min_lon, min_lat, max_lon, max_lat]` of the current townships (else
/// facilities), for the extent sketch.
fn current_extent(layers: &Layers) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let rect = if !layers.townships.is_empty() {
        layers
            .townships
            .iter()
            .filter_map(|t| t.boundary.bounding_rect())
            .reduce(|a, b| {
                geo::Rect::new(
                    geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })?
    } else {
        geo::MultiPoint(layers.facilities.iter().map(|f| f.location).collect()).bounding_rect()?
    };
    Some([rect.min().x, rect.min().y, rect.max().x, rect.max().y])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(message: &str) -> LoadWarning {
        LoadWarning {
            file: "poi.csv".into(),
            feature: None,
            name: None,
            message: message.into(),
        }
    }

    #[test]
    fn projected_geojson_opens_the_dialog_and_wgs84_geojson_does_not() {
        let dir = std::env::temp_dir().join(format!("lifecircle-projected-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = |name: &str, x: f64, y: f64| {
            let path = dir.join(name);
            let text = format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"population":10}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}]}}"#
            );
            std::fs::write(&path, text).unwrap();
            path
        };
        let projected = file("gk.geojson", 40387887.3427, 3204272.2143);
        let plain = file("ll.geojson", 118.85, 28.95);
        assert!(opens_dialog(&projected, Format::GeoJson));
        assert!(!opens_dialog(&plain, Format::GeoJson));
        assert!(opens_dialog(&plain, Format::Kml));
        // With the system chosen there, it lands where pyproj puts it
        // (EPSG:4528 → 118.85, 28.95; see tests/import_formats.rs).
        let options = crate::io::ImportOptions {
            crs: "EPSG:4528".parse().unwrap(),
            ..crate::io::ImportOptions::default()
        };
        let loaded = crate::io::load_residents_with(&projected, &options).unwrap();
        let at = loaded.items[0].location;
        let off = crate::geodesy::ellipsoid_distance([118.85, 28.95], [at.x(), at.y()]);
        assert!(off < 0.01, "{off} m");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_category_warnings_become_a_list() {
        let list = unmapped_categories(&[
            warning(
                "12 facilities have category \"餐饮\", which the profile does not know; they are skipped (first: feature 3)",
            ),
            warning(
                "1 facility has category \"hospitl\", which the profile does not know; it is skipped (feature 9); did you mean \"hospital\"?",
            ),
            warning(
                "1,204 OSM POIs match no category of the profile and are skipped: amenity=restaurant (300), shop=clothes (120), and 3 more kinds",
            ),
            warning("row 4: no coordinates"),
        ]);
        assert_eq!(
            list,
            vec![
                ("餐饮".to_string(), 12),
                ("hospitl".to_string(), 1),
                ("amenity=restaurant".to_string(), 300),
                ("shop=clothes".to_string(), 120),
            ]
        );
    }

    #[test]
    fn the_epsg_field_is_checked() {
        let mut d = ImportDialog::new(
            &ImportRequest {
                what: Some(Import::Layer(LayerKind::Facilities)),
                path: PathBuf::from("/nowhere/poi.csv"),
            },
            Format::Csv,
        );
        d.crs = CrsChoice::Epsg;
        d.epsg = "EPSG:4528".into();
        assert_eq!(d.crs(), Ok(Crs::Epsg(4528)));
        d.epsg = "zone 40".into();
        assert!(d.crs().is_err());
        assert!(d.options().is_err());
        d.crs = CrsChoice::Gcj02;
        d.encoding = EncodingChoice::Gbk;
        let o = d.options().unwrap();
        assert_eq!(o.crs, Crs::Gcj02);
        assert_eq!(o.encoding, Some(encoding_rs::GBK));
    }

    /// A Beijing 1954 code asks for parameters; typed ones and the accepted
    /// approximate set reach the options; bad ones are an error.
    #[test]
    fn old_datums_take_parameters_in_the_dialog() {
        let mut d = ImportDialog::new(
            &ImportRequest {
                what: Some(Import::Layer(LayerKind::Townships)),
                path: PathBuf::from("/nowhere/plan.shp"),
            },
            Format::Shapefile,
        );
        assert_eq!(d.old_datum(), None);
        d.crs = CrsChoice::Epsg;
        d.epsg = "2437".into();
        assert_eq!(d.old_datum(), Some(OldDatum::Beijing1954));
        assert_eq!(d.options().unwrap().towgs84, None);
        d.approximate_datum = true;
        assert_eq!(d.options().unwrap().towgs84, Some(DatumShift::Approximate));
        d.towgs84 = "15.8,-154.4,-82.3".into();
        assert_eq!(
            d.options().unwrap().towgs84,
            Some(DatumShift::Parameters(vec![15.8, -154.4, -82.3]))
        );
        d.towgs84 = "15.8,-154.4".into();
        assert!(d.options().unwrap_err().contains("got 2 numbers"));
        // A .prj in Xian 1980 is recognised from the preview's message.
        d.crs = CrsChoice::Auto;
        d.towgs84.clear();
        d.preview = Some(Err(OldDatum::Xian1980.needs_parameters("plan.prj")));
        assert_eq!(d.old_datum(), Some(OldDatum::Xian1980));
    }
}
