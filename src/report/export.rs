//! Writing a whole report in one call, for `lifecircle report` and the
//! app's Export menu: the workbook, the HTML report with its maps, the map
//! images, GeoJSON and CSV tables and `coverage.json`.
//!
//! Everything is computed first — except the files with a line per
//! resident (GeoJSON, blind-spot CSV), which are streamed while writing —
//! and only then are the files written, all together or not at all
//! ([`crate::io::StagedFolder`]): a failure, a cancellation or a kill at any
//! moment leaves the folder as it was.

pub use super::data::{
    ComparisonDetail, ComparisonInput, DataFile, ExportInput, MapImage, ReportData, civil_date,
    default_title, today,
};
use super::{Lang, geojson, html, map_image, tables, xlsx};
use crate::analysis::{
    Cancelled, Progress, facility_catchments, fill_town_village, scorecards, settlement_classes,
    sharing,
};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// A kind of output file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// `report.xlsx`: summary, one sheet per tier, blind spots, facilities,
    /// method (and comparison).
    Xlsx,
    /// `report.html`: one self-contained file with tables and maps, ready to
    /// print to PDF.
    Html,
    /// `maps/*.png`: district maps per tier (and per township on request;
    /// `difference_<tier>.png` with a comparison that has its own data).
    Png,
    /// `blind_spots.geojson` and `residents.geojson` (minutes per category).
    Geojson,
    /// `coverage.csv`, `blind_spots.csv`, `facilities.csv` (and
    /// `comparison.csv`).
    Csv,
    /// `coverage.json`, as `lifecircle assess` writes it.
    Json,
    /// `results.dxf`: blind spots per tier and the facilities per category
    /// as a CAD drawing (see [`super::cad`]).
    Dxf,
}

impl Format {
    /// Every format, in the order files are listed.
    pub const ALL: [Format; 7] = [
        Format::Xlsx,
        Format::Html,
        Format::Png,
        Format::Geojson,
        Format::Csv,
        Format::Json,
        Format::Dxf,
    ];
}

/// What to write, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportRequest {
    /// Output kinds; empty means all.
    pub formats: Vec<Format>,
    /// Language of headers, labels and names.
    pub lang: Lang,
    /// Output folder (created if missing).
    pub dir: PathBuf,
    /// Also draw one map per township and tier.
    pub township_maps: bool,
    /// Width of map images in pixels; 2480 is an A4 page width at 300 dpi.
    /// Clamped to 400–8000.
    pub map_width_px: u32,
    /// Report title; `None`: "生活圈评估报告" / "Life-circle assessment report".
    pub title: Option<String>,
    /// Coordinate system of `results.dxf`; `None`: the CGCS2000 3-degree
    /// Gauss–Krüger zone of the study (see [`super::cad`]).
    pub cad_crs: Option<crate::io::CoordinateSystem>,
}

impl ExportRequest {
    /// Width of print-resolution maps: A4 width at 300 dpi.
    pub const PRINT_WIDTH_PX: u32 = 2480;

    /// All formats into `dir`, in Chinese, district maps at print resolution.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            formats: Format::ALL.to_vec(),
            lang: Lang::Zh,
            dir: dir.into(),
            township_maps: false,
            map_width_px: Self::PRINT_WIDTH_PX,
            title: None,
            cad_crs: None,
        }
    }

    fn wants(&self, format: Format) -> bool {
        self.formats.is_empty() || self.formats.contains(&format)
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the export was cancelled")]
    Cancelled,
    #[error("could not create the output folder ({source}): {}", .path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not write ({source}): {}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not build the workbook: {0}")]
    Xlsx(String),
    #[error("could not draw a map: {0}")]
    Map(#[from] map_image::MapError),
}

impl From<Cancelled> for ExportError {
    fn from(_: Cancelled) -> Self {
        ExportError::Cancelled
    }
}

/// Write the report files of `request` for `input` and return their paths.
/// Progress goes from 0 to 1; cancelling stops before anything is written.
pub fn export(
    request: &ExportRequest,
    input: &ExportInput<'_>,
    progress: &Progress,
) -> Result<Vec<PathBuf>, ExportError> {
    export_with_plan(request, input, None, progress)
}

/// As [`export`], with a phased plan (建设时序): its sheet in the workbook,
/// its section (curve and a map per phase) in the HTML report, and
/// `plan.csv` / `plan.geojson`.
pub fn export_with_plan(
    request: &ExportRequest,
    input: &ExportInput<'_>,
    plan: Option<&crate::analysis::Plan>,
    progress: &Progress,
) -> Result<Vec<PathBuf>, ExportError> {
    progress.phase("report", 0.0);
    let mut data = ReportData::new(input, request.lang, request.title.as_deref());
    if let Some(plan) = plan {
        let maps = if request.wants(Format::Html) || request.wants(Format::Png) {
            progress.phase("plan maps", 0.0);
            super::plan::phase_maps(
                input.layers,
                input.profile,
                plan,
                request.lang,
                request.map_width_px.min(1600),
                &data.title,
                &data.date,
                progress,
            )?
        } else {
            Vec::new()
        };
        progress.check()?;
        data.plan = Some(super::plan::PlanPart {
            plan: plan.clone(),
            maps,
        });
    }
    // Who serves whom (METHOD 18–19): `served_by_own_share` in every table
    // and `coverage.json`, and the sharing CSV files.
    let sharing = sharing(input.assessment, input.layers, input.profile);
    sharing.fill_report(&mut data.report);
    // Town and village by the residents' `settlement` values, unless the
    // caller already split them (e.g. with a town-area layer).
    let split = data.report.townships.iter().any(|t| {
        t.figures
            .tiers
            .iter()
            .any(|x| x.town_complete_share.is_some() || x.village_complete_share.is_some())
    });
    if !split && let Some(classes) = settlement_classes(input.assessment, None) {
        fill_town_village(&mut data.report, input.assessment, &classes);
    }
    data.scorecards = scorecards(input.assessment, &sharing, input.layers, input.profile);
    if request.wants(Format::Xlsx) || request.wants(Format::Csv) {
        progress.phase("facilities", 0.02);
        data.catchments = Some(facility_catchments(input.layers, input.profile, progress)?);
    }
    progress.check()?;

    let mut maps = Vec::new();
    if request.wants(Format::Png) || request.wants(Format::Html) {
        progress.phase("maps", 0.3);
        maps = draw_maps(&data, request, progress)?;
    }

    progress.phase("tables", 0.8);
    let (a, p, t) = (input.assessment, input.profile, &input.layers.townships);
    let mut files: Vec<(String, Content<'_>)> = Vec::new();
    if request.wants(Format::Xlsx) {
        let bytes = xlsx::workbook(&data).map_err(|e| ExportError::Xlsx(e.to_string()))?;
        files.push(("report.xlsx".into(), Content::Bytes(bytes)));
    }
    progress.check()?;
    if request.wants(Format::Html) {
        let html = html::document(&data, &maps).into_bytes();
        files.push(("report.html".into(), Content::Bytes(html)));
    }
    if request.wants(Format::Png) {
        for m in &maps {
            files.push((format!("maps/{}", m.file), Content::Bytes(m.png.clone())));
        }
    }
    progress.check()?;
    // The large per-resident files are streamed at writing time.
    if request.wants(Format::Geojson) {
        files.push((
            "blind_spots.geojson".into(),
            Content::Stream(Box::new(move |w| {
                super::write_blind_spots_geojson(w, a, p, t)
            })),
        ));
        files.push((
            "residents.geojson".into(),
            Content::Stream(Box::new(move |w| {
                geojson::write_residents_geojson(w, a, p, t)
            })),
        ));
    }
    if request.wants(Format::Csv) {
        let coverage = super::coverage_csv(&data.report, p, request.lang);
        files.push(("coverage.csv".into(), Content::Bytes(coverage.into_bytes())));
        let d = &data;
        files.push((
            "blind_spots.csv".into(),
            Content::Stream(Box::new(move |w| tables::write_blind_spots_csv(w, d))),
        ));
        let facilities = tables::csv(&tables::facilities(&data));
        files.push((
            "facilities.csv".into(),
            Content::Bytes(facilities.into_bytes()),
        ));
        files.push((
            "sharing.csv".into(),
            Content::Bytes(super::sharing_csv(&sharing, p, input.layers).into_bytes()),
        ));
        files.push((
            "facility_service.csv".into(),
            Content::Bytes(super::facility_service_csv(&sharing, p, input.layers).into_bytes()),
        ));
        files.push((
            "facility_load.csv".into(),
            Content::Bytes(super::facility_load_csv(a, p, input.layers).into_bytes()),
        ));
        if let Some(t) = tables::comparison(&data) {
            files.push((
                "comparison.csv".into(),
                Content::Bytes(tables::csv(&t).into_bytes()),
            ));
        }
    }
    if let Some(part) = &data.plan {
        let t = &input.layers.townships;
        if request.wants(Format::Csv) {
            let text = super::plan::plan_csv(&part.plan, p, t, request.lang);
            files.push(("plan.csv".into(), Content::Bytes(text.into_bytes())));
        }
        if request.wants(Format::Geojson) {
            let text = super::plan::plan_geojson(&part.plan, p, t, request.lang);
            files.push(("plan.geojson".into(), Content::Bytes(text.into_bytes())));
        }
        if request.wants(Format::Png) {
            for m in &part.maps {
                files.push((format!("maps/{}", m.file), Content::Bytes(m.png.clone())));
            }
        }
    }
    if request.wants(Format::Json) {
        let json = super::coverage_json(&data.report).into_bytes();
        files.push(("coverage.json".into(), Content::Bytes(json)));
    }
    if request.wants(Format::Dxf) {
        // Without a system named and outside the Chinese GK zones, the
        // drawing is in longitude/latitude.
        let cs = request
            .cad_crs
            .clone()
            .or_else(|| super::cad::default_cad_system(input.layers))
            .unwrap_or_else(crate::io::CoordinateSystem::wgs84);
        let dxf = super::cad::results_dxf(a, p, input.layers, &cs).into_bytes();
        files.push(("results.dxf".into(), Content::Bytes(dxf)));
    }
    progress.check()?;

    progress.phase("write", 0.95);
    let written = write_files(&request.dir, files)?;
    progress.phase("done", 1.0);
    Ok(written)
}

/// What goes into one file: bytes made beforehand, or a writer that streams
/// them (for files with a line per resident).
enum Content<'a> {
    Bytes(Vec<u8>),
    Stream(Writer<'a>),
}

/// Streams a file's contents (on the background writing thread, see
/// [`write_files`]).
type Writer<'a> = Box<dyn FnOnce(&mut dyn std::io::Write) -> std::io::Result<()> + Send + 'a>;

/// A map to draw: tier, township (`None`: the district), supply table.
type MapJob = (usize, Option<usize>, Option<usize>);

/// The district map of every tier, and with `township_maps` one per
/// township and tier, drawn in parallel.
fn draw_maps(
    data: &ReportData<'_>,
    request: &ExportRequest,
    progress: &Progress,
) -> Result<Vec<MapImage>, ExportError> {
    let input = data.input;
    let tiers = input.profile.tiers.len();
    let mut jobs: Vec<MapJob> = (0..tiers).map(|t| (t, None, None)).collect();
    if request.township_maps {
        for township in 0..input.layers.townships.len() {
            jobs.extend((0..tiers).map(|t| (t, Some(township), None)));
        }
    }
    // A supply map of the district per tier × category with a standard.
    for (k, table) in input.assessment.capacity.iter().enumerate() {
        jobs.push((table.tier, None, Some(k)));
    }
    // A comparison with its own data: a difference map per tier.
    let difference = difference_overlays(input);
    let jobs: Vec<(MapJob, bool)> = jobs
        .into_iter()
        .map(|j| (j, false))
        .chain((0..difference.len()).map(|t| ((t, None, None), true)))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    jobs.par_iter()
        .map(|&((tier, township, supply), is_difference)| {
            progress.check()?;
            let options = map_image::MapOptions {
                tier,
                township,
                width_px: request.map_width_px,
                lang: data.lang,
                title: data.title.clone(),
                date: data.date.clone(),
                supply,
            };
            let detail = input.comparison.as_ref().and_then(|c| c.detail.as_ref());
            let png = match detail {
                Some(b) if is_difference => map_image::render_map_overlaid(
                    b.layers,
                    input.profile,
                    b.assessment,
                    &options,
                    &[],
                    difference.get(tier),
                )?,
                _ => {
                    map_image::render_map(input.layers, input.profile, input.assessment, &options)?
                }
            }
            .to_png()?;
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.set(0.3 + 0.5 * n as f32 / jobs.len().max(1) as f32);
            let file = match supply {
                _ if is_difference => {
                    map_file_name(input, tier, None).replacen("district_", "difference_", 1)
                }
                Some(k) => supply_map_file_name(input, k),
                None => map_file_name(input, tier, township),
            };
            Ok(MapImage {
                tier,
                township,
                supply,
                difference: is_difference,
                file,
                png,
            })
        })
        .collect()
}

/// Per tier, what the difference map draws over the other layout's map:
/// its road and population changes and, when both layouts have the same
/// demand points, the residents whose completeness changed. Empty without
/// a comparison that has its own data.
fn difference_overlays(input: &ExportInput<'_>) -> Vec<map_image::MapOverlay> {
    let Some(b) = input.comparison.as_ref().and_then(|c| c.detail.as_ref()) else {
        return Vec::new();
    };
    let base = map_image::MapOverlay::of_scenario(b.scenario);
    let a = input.assessment;
    let same_points = a.demand.len() == b.assessment.demand.len()
        && a.demand
            .iter()
            .zip(&b.assessment.demand)
            .all(|(x, y)| x.location == y.location);
    let changes = if same_points {
        crate::analysis::compare(a, b.assessment, input.profile).changes
    } else {
        Vec::new()
    };
    (0..input.profile.tiers.len())
        .map(|t| {
            let mut o = base.clone();
            o.changed = changes
                .iter()
                .filter(|c| c.tier as usize == t)
                .filter_map(|c| {
                    let r = b.assessment.demand.get(c.resident as usize)?;
                    Some(([r.location.x(), r.location.y()], c.gained))
                })
                .collect();
            o
        })
        .collect()
}

/// `district_t5.png`, or `03_石梁镇_t5.png` for a township (numbered in
/// file order; characters not allowed in file names become `_`).
pub fn map_file_name(input: &ExportInput<'_>, tier: usize, township: Option<usize>) -> String {
    let tier_id = input
        .profile
        .tiers
        .get(tier)
        .map_or_else(|| format!("tier{tier}"), |t| safe_file_part(&t.id));
    match township {
        None => format!("district_{tier_id}.png"),
        Some(i) => {
            let name = input
                .layers
                .townships
                .get(i)
                .map_or(String::new(), |t| safe_file_part(&t.name));
            format!("{:02}_{name}_{tier_id}.png", i + 1)
        }
    }
}

/// `supply_t5_kindergarten.png`: the supply map of capacity table `k`.
pub fn supply_map_file_name(input: &ExportInput<'_>, k: usize) -> String {
    match input.assessment.capacity.get(k) {
        Some(table) => {
            let tier = input
                .profile
                .tiers
                .get(table.tier)
                .map_or_else(|| format!("tier{}", table.tier), |t| safe_file_part(&t.id));
            format!("supply_{tier}_{}.png", safe_file_part(&table.category))
        }
        None => format!("supply_{k}.png"),
    }
}

/// A name made safe for file names on Windows, macOS and Linux.
fn safe_file_part(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(60)
        .collect();
    let s = s.trim().trim_matches('.').to_string();
    if s.is_empty() { "_".into() } else { s }
}

/// Write `files` (names relative to `dir`, `/` for subfolders) all
/// together or not at all: into a staging folder beside `dir` that takes
/// its place in one step when every file is complete
/// ([`crate::io::StagedFolder`]).
/// Writes `files` into a staging folder and puts it in place as `dir`. The
/// streamed files (a line per resident) are written one after another on a
/// background thread while the others are written here; every file is
/// atomic, and the folder is replaced only when all succeeded.
fn write_files(dir: &Path, files: Vec<(String, Content<'_>)>) -> Result<Vec<PathBuf>, ExportError> {
    let staged = crate::io::StagedFolder::begin(dir).map_err(|source| ExportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let staging = staged.path();
    let written: Vec<PathBuf> = files.iter().map(|(name, _)| inside(dir, name)).collect();
    let (bytes, streams): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|(_, content)| matches!(content, Content::Bytes(_)));
    let write_one = |name: &str, content: Content<'_>| -> Result<(), ExportError> {
        let (path, final_path) = (inside(staging, name), inside(dir, name));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ExportError::CreateDir {
                path: final_path.parent().unwrap_or(dir).to_path_buf(),
                source,
            })?;
        }
        let result = match content {
            Content::Bytes(bytes) => crate::io::write_atomic(&path, &bytes),
            Content::Stream(write) => crate::io::write_atomic_with(&path, write),
        };
        result.map_err(|source| ExportError::Write {
            path: final_path,
            source,
        })
    };
    std::thread::scope(|scope| {
        let streaming = scope.spawn(|| {
            streams
                .into_iter()
                .try_for_each(|(name, content)| write_one(&name, content))
        });
        let small = bytes
            .into_iter()
            .try_for_each(|(name, content)| write_one(&name, content));
        let streamed = streaming.join().unwrap_or_else(|_| {
            Err(ExportError::Write {
                path: dir.to_path_buf(),
                source: std::io::Error::other("the writing thread failed"),
            })
        });
        small.and(streamed)
    })?;
    staged.commit().map_err(|source| ExportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(written)
}

/// `name` (with `/` between folders) inside `root`.
fn inside(root: &Path, name: &str) -> PathBuf {
    name.split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(safe_file_part("a/b:c"), "a_b_c");
        assert_eq!(safe_file_part(" .. "), "_");
        assert_eq!(safe_file_part("航埠镇"), "航埠镇");
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(-1), "1969-12-31");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_000), "2024-10-04");
        assert_eq!(today().len(), 10);
    }
}
