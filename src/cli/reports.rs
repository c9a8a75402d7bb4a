//! `lifecircle report`: the full report of a study — workbook, HTML with
//! maps, map images, GeoJSON, CSV tables and `coverage.json` — through
//! [`crate::report::export`], the same call the app's Export menu makes.

use super::{InputArgs, load_study};
use crate::analysis::{Progress, assess};
use crate::io;
use crate::model::Layers;
use crate::report::{
    self, ComparisonDetail, ComparisonInput, DataFile, ExportInput, ExportRequest, Format, Lang,
};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Kinds of files, comma-separated (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub format: Vec<Format>,
    /// Language of headers, labels and maps.
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Also draw one map per township and tier.
    #[arg(long)]
    pub township_maps: bool,
    /// Width of map images in pixels (2480 = A4 width at 300 dpi).
    #[arg(long, default_value_t = ExportRequest::PRINT_WIDTH_PX)]
    pub map_width: u32,
    /// Report title (default: 生活圈评估报告 / Life-circle assessment report).
    #[arg(long)]
    pub title: Option<String>,
    /// Facilities of another layout to compare with (adds comparison tables).
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// Name of that layout (default: the file name).
    #[arg(long)]
    pub compare_label: Option<String>,
    /// Roads added in the layout compared with (GeoJSON lines, on top of
    /// --compare or the study's facilities); the report lists them and
    /// draws them on a difference map per tier.
    #[arg(long, value_name = "FILE")]
    pub compare_roads: Option<PathBuf>,
    /// Roads closed in the layout compared with (lines matching a run of
    /// road vertices, as `compare --b-closed`).
    #[arg(long, value_name = "FILE")]
    pub compare_closed: Option<PathBuf>,
    /// Residents added in the layout compared with (like --residents).
    #[arg(long, value_name = "FILE")]
    pub compare_residents: Option<PathBuf>,
    /// Coordinate system of results.dxf: EPSG:<code> (e.g. EPSG:4528) or
    /// wgs84; default: the CGCS2000 3-degree Gauss-Kruger zone of the study.
    /// Beijing 1954 / Xian 1980 codes take --towgs84.
    #[arg(long, value_name = "CRS", value_parser = parse_crs)]
    pub dxf_crs: Option<io::Crs>,
}

fn parse_crs(s: &str) -> Result<io::Crs, String> {
    s.parse()
}

/// `lifecircle report`.
pub fn run_report(args: &ReportArgs) -> Result<(), Vec<String>> {
    let cad_crs = match args.dxf_crs {
        None | Some(io::Crs::FromPrj) => None,
        Some(crs) => Some(
            io::CoordinateSystem::from_choice_with(crs, args.input.import.towgs84.as_ref())
                .unwrap_or_else(|| Err("no coordinate system".to_string()))
                .map_err(|e| vec![format!("--dxf-crs: {e}")])?,
        ),
    };
    let study = load_study(&args.input)?;
    for w in &study.warnings {
        eprintln!("warning: {w}");
    }
    let (layers, profile) = (&study.layers, &study.profile);
    let mut assessment =
        assess(layers, profile, &Progress::new()).map_err(|e| vec![e.to_string()])?;
    study.add_shared_figures(&mut assessment);
    super::name_set_aside_files(&mut assessment, &args.input, &study.numbers);
    let scenario = super::layouts::scenario_from_paths(
        args.compare_roads.as_ref(),
        args.compare_closed.as_ref(),
        args.compare_residents.as_ref(),
    )?;
    let other = match (&args.compare, scenario.is_empty()) {
        (None, true) => None,
        (path, _) => {
            let mut layers_b = layers.clone();
            if let Some(path) = path {
                let matcher = io::CategoryMatcher::from_profile(profile);
                let loaded = io::load_facilities_matching(path, &matcher)
                    .map_err(|e| vec![e.to_string()])?;
                for w in &loaded.warnings {
                    eprintln!("warning: {w}");
                }
                layers_b.facilities = loaded.items;
            }
            if !scenario.is_empty() {
                layers_b = scenario.apply_to(&layers_b).map_err(|e| {
                    vec![format!(
                        "--compare-roads/--compare-closed/--compare-residents: {e}"
                    )]
                })?;
            }
            let b =
                assess(&layers_b, profile, &Progress::new()).map_err(|e| vec![e.to_string()])?;
            let label = args.compare_label.clone().unwrap_or_else(|| {
                path.as_ref()
                    .and_then(|p| p.file_stem())
                    .map_or("B".into(), |s| s.to_string_lossy().into_owned())
            });
            Some((b, layers_b, label))
        }
    };
    let warnings: Vec<String> = study.warnings.iter().map(|w| w.to_string()).collect();
    let data_files = data_files(&args.input, layers);
    let input = ExportInput {
        layers,
        profile,
        assessment: &assessment,
        warnings: &warnings,
        data_files: &data_files,
        comparison: other.as_ref().map(|(b, layers_b, label)| ComparisonInput {
            base_label: args.lang.pick("现状", "baseline").into(),
            label: label.clone(),
            report: &b.report,
            detail: (!scenario.is_empty()).then_some(ComparisonDetail {
                layers: layers_b,
                assessment: b,
                scenario: &scenario,
            }),
        }),
        redundancy: None,
    };
    let request = ExportRequest {
        formats: args.format.clone(),
        lang: args.lang,
        dir: args.out.clone(),
        township_maps: args.township_maps,
        map_width_px: args.map_width,
        title: args.title.clone(),
        cad_crs,
    };
    let written =
        report::export(&request, &input, &Progress::new()).map_err(|e| vec![e.to_string()])?;
    print!(
        "{}",
        report::summary_text(&assessment.report, profile, args.lang)
    );
    println!(
        "{} {} {} → {}",
        args.lang.pick("已写入", "wrote"),
        written.len(),
        args.lang.pick("个文件", "files"),
        args.out.display()
    );
    Ok(())
}

/// The input files as the method sheet lists them.
fn data_files(input: &InputArgs, layers: &Layers) -> Vec<DataFile> {
    let any_layer = input.townships.is_some()
        || input.facilities.is_some()
        || input.residents.is_some()
        || input.roads.is_some();
    let paths = if any_layer {
        io::LayerPaths {
            townships: input.townships.clone().unwrap_or_default(),
            facilities: input.facilities.clone().unwrap_or_default(),
            residents: input.residents.clone(),
            roads: input.roads.clone(),
        }
    } else {
        io::demo_layer_paths()
    };
    let file = |kind: &str, path: PathBuf, features: Option<usize>| DataFile {
        kind: kind.into(),
        path,
        features,
    };
    let mut out = vec![
        file("townships", paths.townships, Some(layers.townships.len())),
        file(
            "facilities",
            paths.facilities,
            Some(layers.facilities.len()),
        ),
    ];
    if let (Some(p), Some(r)) = (paths.residents, &layers.residents) {
        out.push(file("residents", p, Some(r.len())));
    }
    if let (Some(p), Some(r)) = (paths.roads, &layers.roads) {
        out.push(file("roads", p, Some(r.len())));
    }
    let profile = input.profile.clone().unwrap_or_else(io::demo_profile_path);
    out.push(file("profile", profile, None));
    out
}
