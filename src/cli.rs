//! The headless command line: `lifecircle assess`, generators, and (later)
//! reports. The same binary starts the GUI when no subcommand is given.
//!
//! Layer: the top, beside `app` (`main` opens the window through
//! `app::run`); may import everything below them, never `app`.

use crate::analysis::{self, Progress};
use crate::io::{self, LayerPaths};
use crate::model::{Layers, LoadWarning, Profile};
use crate::report::{self, Lang};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

mod import;
mod layouts;
mod plan;
mod reports;
mod scorecard;
#[cfg(test)]
mod streamed_tests;

pub use import::{ConvertArgs, ImportFlags, LayerArg};

/// LifeCircle 生活圈评估: 5/15/30-minute life-circle coverage of townships.
#[derive(Debug, Parser)]
#[command(
    name = "lifecircle",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Without a subcommand the desktop app opens on the demo district.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open the desktop app on this project file (`.lifecircle.json`)
    /// instead of the demo district.
    #[arg(value_name = "PROJECT")]
    pub project: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Assess coverage and write coverage.json, coverage.csv, sharing.csv, facility_service.csv, facility_load.csv and blind_spots.geojson.
    Assess(AssessArgs),
    /// Write the full report: report.xlsx, report.html with maps, maps/*.png,
    /// GeoJSON (blind spots, residents' minutes), CSV tables and coverage.json.
    Report(reports::ReportArgs),
    /// Compare two layouts: compare.json (both coverages and the difference).
    Compare(layouts::CompareArgs),
    /// Suggest sites for new facilities that cover the most uncovered people.
    Suggest(layouts::SuggestArgs),
    /// A budgeted, phased plan of new facilities (建设时序): plan.csv,
    /// plan.geojson, plan.xlsx and plan.html.
    Plan(plan::PlanArgs),
    /// Each township against the profile's targets (对标) and its 短板:
    /// scorecard.json and scorecard.csv.
    Scorecard(scorecard::ScorecardArgs),
    /// Convert a Shapefile, OSM extract, Excel/CSV table (GCJ-02, GBK …) or
    /// projected GeoJSON into a WGS84 GeoJSON layer.
    Convert(ConvertArgs),
    /// Regenerate the illustrative demo district (GeoJSON layers) into a folder.
    GenerateDemo {
        /// Output folder.
        #[arg(long, default_value = "data")]
        out: PathBuf,
    },
    /// Write a large synthetic district (for benchmarks) as GeoJSON layers.
    GenerateSynthetic {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Road vertices (approximate).
        #[arg(long, default_value_t = 1_000_000)]
        nodes: usize,
        #[arg(long, default_value_t = 1_000_000)]
        residents: usize,
        #[arg(long, default_value_t = 20_000)]
        facilities: usize,
        /// Townships tiling the district (a grid of ceil(√N) columns).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
        townships: u32,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

/// Input layers and profile; with no layer flags, the demo district.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Township boundaries (GeoJSON polygons with `name`).
    #[arg(long)]
    pub townships: Option<PathBuf>,
    /// Facility points (GeoJSON or CSV with `category`).
    #[arg(long)]
    pub facilities: Option<PathBuf>,
    /// Residents (GeoJSON points or polygons, or CSV, with `population`);
    /// without it demand is a 100 m area grid.
    #[arg(long)]
    pub residents: Option<PathBuf>,
    /// Road lines (GeoJSON); without it straight lines × detour factor.
    #[arg(long)]
    pub roads: Option<PathBuf>,
    /// Assessment profile (JSON); default: data/profile-default.json.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Town areas (镇区范围, GeoJSON polygons): residents without a
    /// `settlement` value are town inside them, village outside (METHOD 20).
    #[arg(long)]
    pub town_areas: Option<PathBuf>,
    /// Demand-group shares per township (CSV: a `township` column and one
    /// column per group id, shares 0–1), over the profile's
    /// `township_shares` (METHOD 11).
    #[arg(long)]
    pub group_shares: Option<PathBuf>,
    /// How the layer files are read (coordinate systems, encodings, columns).
    #[command(flatten)]
    pub import: ImportFlags,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Language of the CSV headers and the summary.
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// Run a subcommand; problems are printed one per line on stderr.
pub fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Assess(args) => run_assess(&args),
        Command::Report(args) => reports::run_report(&args),
        Command::Compare(args) => layouts::run_compare(&args),
        Command::Suggest(args) => layouts::run_suggest(&args),
        Command::Plan(args) => plan::run_plan(&args),
        Command::Scorecard(args) => scorecard::run_scorecard(&args),
        Command::Convert(args) => import::run_convert(&args),
        Command::GenerateDemo { out } => crate::generate::write_demo(&out)
            .map(|s| {
                println!(
                    "wrote {}: {} townships, {} facilities, {} residents ({} people), {} roads ({} vertices)",
                    out.display(),
                    s.townships,
                    s.facilities,
                    s.residents,
                    s.population.round(),
                    s.roads,
                    s.road_vertices
                )
            })
            .map_err(|e| vec![format!("could not write the demo district ({e}): {}", out.display())]),
        Command::GenerateSynthetic {
            out,
            nodes,
            residents,
            facilities,
            townships,
            seed,
        } => {
            let params = crate::generate::SyntheticParams {
                road_nodes: nodes,
                residents,
                facilities,
                townships: townships as usize,
                seed,
            };
            let layers = crate::generate::synthetic_district(&params);
            std::fs::create_dir_all(&out)
                .and_then(|_| crate::generate::write_layers_geojson(&layers, &out))
                .map(|_| println!("wrote {}", out.display()))
                .map_err(|e| vec![format!("could not write the synthetic district ({e}): {}", out.display())])
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            for p in problems {
                eprintln!("error: {p}");
            }
            ExitCode::from(2)
        }
    }
}

/// Layers, profile and warnings of a study, loaded from the flags.
pub struct LoadedStudy {
    pub layers: Layers,
    pub profile: Profile,
    pub warnings: Vec<LoadWarning>,
    /// The town-area layer, when given (`--town-areas`).
    pub town_areas: Option<Vec<geo::MultiPolygon<f64>>>,
    /// The file's feature number of each loaded facility, resident and
    /// road, for messages about them.
    pub numbers: io::LayerNumbers,
}

impl LoadedStudy {
    /// Add the figures computed after the assessment to its report: sharing
    /// between townships (METHOD 18–19) and, when residents carry
    /// `settlement` or town areas are given, the town and village complete
    /// shares (METHOD 20). Returns the sharing tables for the CSV files.
    pub fn add_shared_figures(&self, assessment: &mut analysis::Assessment) -> analysis::Sharing {
        let (report, sharing) = self.shared_figures(assessment);
        assessment.report = report;
        sharing
    }

    /// [`Self::add_shared_figures`] for an assessment of `layers` (a
    /// layout's or a scenario's layers rather than the study's).
    pub fn add_shared_figures_on(
        &self,
        assessment: &mut analysis::Assessment,
        layers: &Layers,
    ) -> analysis::Sharing {
        let (report, sharing) = self.shared_figures_on(assessment, layers);
        assessment.report = report;
        sharing
    }

    /// [`Self::add_shared_figures`] into a copy of the assessment's report,
    /// leaving the assessment as it is (so its per-resident columns can be
    /// written meanwhile on another thread). Returns the report and the
    /// sharing tables.
    pub fn shared_figures(
        &self,
        assessment: &analysis::Assessment,
    ) -> (analysis::CoverageReport, analysis::Sharing) {
        self.shared_figures_on(assessment, &self.layers)
    }

    /// [`Self::shared_figures`] for an assessment of `layers`.
    fn shared_figures_on(
        &self,
        assessment: &analysis::Assessment,
        layers: &Layers,
    ) -> (analysis::CoverageReport, analysis::Sharing) {
        let sharing = analysis::sharing(assessment, layers, &self.profile);
        (self.report_with(assessment, &sharing), sharing)
    }

    /// A copy of the assessment's report with the figures of `sharing` (the
    /// assessment's) and the town and village shares added, as
    /// [`Self::add_shared_figures`] adds them.
    fn report_with(
        &self,
        assessment: &analysis::Assessment,
        sharing: &analysis::Sharing,
    ) -> analysis::CoverageReport {
        let mut report = assessment.report.clone();
        sharing.fill_report(&mut report);
        if let Some(classes) = analysis::settlement_classes(assessment, self.town_areas.as_deref())
        {
            analysis::fill_town_village(&mut report, assessment, &classes);
        }
        report
    }
}

/// Load the profile and every layer; all problems are collected, not only
/// the first.
pub fn load_study(input: &InputArgs) -> Result<LoadedStudy, Vec<String>> {
    let profile_path = input.profile.clone().unwrap_or_else(io::demo_profile_path);
    let mut profile = io::load_profile(&profile_path).map_err(|e| vec![e.to_string()])?;
    // Shares named in the profile itself are checked against its townships
    // below, before the table's are added.
    let profile_shares = profile.clone();
    if let Some(path) = &input.group_shares {
        let file = path.display().to_string();
        let shares = io::load_group_shares(path).map_err(|e| vec![e])?;
        io::apply_group_shares(&mut profile, &file, shares).map_err(|e| vec![e])?;
    }
    let any_layer = input.townships.is_some()
        || input.facilities.is_some()
        || input.residents.is_some()
        || input.roads.is_some();
    let paths = if any_layer {
        let mut missing = Vec::new();
        if input.townships.is_none() {
            missing.push("--townships is required when layers are given".to_string());
        }
        if input.facilities.is_none() {
            missing.push("--facilities is required when layers are given".to_string());
        }
        if !missing.is_empty() {
            return Err(missing);
        }
        LayerPaths {
            townships: input.townships.clone().unwrap_or_default(),
            facilities: input.facilities.clone().unwrap_or_default(),
            residents: input.residents.clone(),
            roads: input.roads.clone(),
        }
    } else {
        io::demo_layer_paths()
    };
    let options = input.import.layer_options()?;
    let loaded = io::load_layers_numbered(&paths, &options, &profile)
        .map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>());
    let town_areas = input
        .town_areas
        .as_deref()
        .map(io::load_town_areas)
        .transpose();
    // Report every problem at once: the layers' and the town areas'.
    let ((layers, warnings, numbers), town_areas) = match (loaded, town_areas) {
        (Err(mut errors), Err(e)) => {
            errors.push(e);
            return Err(errors);
        }
        (Err(errors), _) => return Err(errors),
        (Ok(_), Err(e)) => return Err(vec![e]),
        (Ok(l), Ok(t)) => (l, t),
    };
    let names = layers.townships.iter().map(|t| t.name.as_str());
    io::check_share_townships(
        &profile_shares,
        names.clone(),
        &profile_path.display().to_string(),
    )
    .map_err(|e| vec![e])?;
    if let Some(path) = &input.group_shares {
        io::check_share_townships(&profile, names, &path.display().to_string())
            .map_err(|e| vec![e])?;
    }
    Ok(LoadedStudy {
        layers,
        profile,
        warnings,
        town_areas,
        numbers,
    })
}

fn run_assess(args: &AssessArgs) -> Result<(), Vec<String>> {
    let clock = Instant::now();
    // While loading, freed memory is kept for reuse (the parsers free and
    // take the same sizes over and over); it goes back after loading.
    tune_allocator(-1);
    let mut study = load_study(&args.input)?;
    let loaded = clock.elapsed().as_secs_f64();
    tune_allocator(100);
    release_freed_memory();
    for w in &study.warnings {
        eprintln!("warning: {w}");
    }
    // From the searches on the residents are read from the assessment (its
    // demand points) and the roads from its network: the layers go before
    // the searches (the residents stay only to frame a study without roads,
    // whose sharing search is by straight line). The sharing tables are
    // found in the coverage searches.
    let (assessment, sharing) = analysis::assess_and_share_releasing_inputs(
        &mut study.layers,
        &study.profile,
        &Progress::new(),
        release_freed_memory,
    )
    .map_err(|e| vec![e.to_string()])?;
    release_freed_memory();
    // The blind spots (a line per resident and tier) stream to disk on a
    // background thread while sharing is computed and the small files are
    // written.
    let mut summary = None;
    write_outputs_alongside(
        &args.out,
        |staging| {
            io::write_atomic_with(&staging.join("blind_spots.geojson"), |w| {
                report::write_blind_spots_geojson(
                    w,
                    &assessment,
                    &study.profile,
                    &study.layers.townships,
                )
            })
            .map_err(|e| {
                format!(
                    "could not write ({e}): {}",
                    args.out.join("blind_spots.geojson").display()
                )
            })
        },
        || {
            let mut report = study.report_with(&assessment, &sharing);
            name_set_aside_in(
                &assessment.set_aside,
                &mut report.warnings,
                &args.input,
                &study.numbers,
            );
            let mut warnings: Vec<String> = study.warnings.iter().map(|w| w.to_string()).collect();
            warnings.append(&mut report.warnings);
            report.warnings = warnings;
            let files = small_outputs(&study, &report, &sharing, &assessment, args.lang);
            summary = Some(report);
            files
        },
    )?;
    let report = summary.expect("the small files were made");
    print!(
        "{}",
        report::summary_text(&report, &study.profile, args.lang)
    );
    let t = &assessment.timings;
    println!(
        "{} {:.3} s (load {:.3}, prepare {:.3}, build {:.3}, snap {:.3}, routes {:.3}, aggregate {:.3}) → {}",
        args.lang.pick("用时", "time"),
        clock.elapsed().as_secs_f64(),
        loaded,
        t.prepare,
        t.build,
        t.snap,
        t.dijkstra,
        t.aggregate,
        args.out.display()
    );
    if let Some(mb) = peak_memory_mb() {
        println!("{} {mb:.0} MB", args.lang.pick("内存峰值", "peak memory"));
    }
    // The command ends here: the system takes back the study's memory (at
    // province scale millions of allocations) whole when the process exits,
    // faster than freeing it piece by piece.
    std::mem::forget(assessment);
    std::mem::forget(study);
    Ok(())
}

/// The files of `assess` other than the blind spots, named, from the
/// report with its warnings and the sharing tables.
pub(crate) fn small_outputs(
    study: &LoadedStudy,
    report: &analysis::CoverageReport,
    sharing: &analysis::Sharing,
    assessment: &analysis::Assessment,
    lang: Lang,
) -> Vec<(&'static str, String)> {
    use rayon::prelude::*;
    let (profile, layers) = (&study.profile, &study.layers);
    // Made on all cores: at province scale coverage.json alone is 16 MB.
    let makers: [(&'static str, &(dyn Fn() -> String + Sync)); 5] = [
        ("coverage.json", &|| report::coverage_json(report)),
        ("coverage.csv", &|| {
            report::coverage_csv(report, profile, lang)
        }),
        ("sharing.csv", &|| {
            report::sharing_csv(sharing, profile, layers)
        }),
        ("facility_service.csv", &|| {
            report::facility_service_csv(sharing, profile, layers)
        }),
        ("facility_load.csv", &|| {
            report::facility_load_csv(assessment, profile, layers)
        }),
    ];
    makers
        .par_iter()
        .map(|(name, make)| (*name, make()))
        .collect()
}

/// The warnings about set-aside features name their files (the analysis
/// knows only layers), and go to stderr too, as do the analysis's other
/// warnings (e.g. overlapping townships).
pub(crate) fn name_set_aside_files(
    assessment: &mut analysis::Assessment,
    input: &InputArgs,
    numbers: &io::LayerNumbers,
) {
    name_set_aside_in(
        &assessment.set_aside,
        &mut assessment.report.warnings,
        input,
        numbers,
    );
}

/// [`name_set_aside_files`] for the `warnings` of a report apart from its
/// assessment.
fn name_set_aside_in(
    set_aside: &[analysis::SetAside],
    warnings: &mut [String],
    input: &InputArgs,
    numbers: &io::LayerNumbers,
) {
    let plain_set_aside: Vec<String> = set_aside.iter().map(|s| s.message()).collect();
    let facilities_file = input
        .facilities
        .clone()
        .or_else(|| (input.townships.is_none()).then(|| io::demo_layer_paths().facilities));
    for w in warnings.iter_mut() {
        if plain_set_aside.contains(w) {
            continue;
        }
        // Warnings about the facilities (duplicates) name their file.
        if let (Some(rest), Some(file)) = (w.strip_prefix("facilities layer"), &facilities_file) {
            *w = format!("{}{rest}", file.display());
        }
        eprintln!("warning: {w}");
    }
    let demo = io::demo_layer_paths();
    let file_of = |layer: &str| -> Option<PathBuf> {
        let any = input.townships.is_some() || input.facilities.is_some();
        match layer {
            "facilities" if any => input.facilities.clone(),
            "residents" if any => input.residents.clone(),
            "roads" if any => input.roads.clone(),
            "facilities" => Some(demo.facilities.clone()),
            "residents" => demo.residents.clone(),
            _ => demo.roads.clone(),
        }
    };
    for s in set_aside {
        let plain = s.message();
        let file = file_of(s.layer).map(|p| p.display().to_string());
        // Named as the file counts its features, when the reader recorded
        // them and the feature is one of the file's (not a layout's).
        let number = file
            .as_ref()
            .and_then(|_| numbers.of(s.layer, s.feature.checked_sub(1)?));
        let named = s.message_in(file.as_deref(), number);
        eprintln!("warning: {named}");
        for w in warnings.iter_mut() {
            if *w == plain {
                *w = named.clone();
            }
        }
    }
}

/// Hands the memory freed after loading (the parsed files) back to the
/// system. Allocators keep freed blocks for reuse, so without this the
/// assessment's columns come on top of the loading's high-water mark
/// instead of into its space; on a 1M-resident district that is a few
/// hundred MB of peak memory. mimalloc (the binary's allocator, see
/// [`tune_allocator`]) everywhere, and glibc's malloc on Linux (the
/// library's tests).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only walks the allocator's own free lists;
        // it takes no pointers and is safe to call at any time.
        unsafe {
            malloc_trim(0);
        }
    }
    // A no-op where mimalloc holds nothing.
    // SAFETY: mi_collect only walks mimalloc's own free pages.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// Transparent huge pages off (zeroing 2 MB pages for tables used a few
/// KB at a time cost a fifth of a province-sized run), and freed memory
/// handed back to the system after `purge_delay_ms` (`-1`: never), for
/// a process whose global allocator is mimalloc (the binary, the bench).
pub fn tune_allocator(purge_delay_ms: std::ffi::c_long) {
    // `mi_option_purge_delay` in mimalloc 3's option list (mimalloc.h);
    // libmimalloc-sys names only the options whose numbers did not change.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: mi_option_set only stores the value; purging reads it later.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, purge_delay_ms) };
    #[cfg(target_os = "linux")]
    {
        unsafe extern "C" {
            fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
        }
        const PR_SET_THP_DISABLE: std::ffi::c_int = 41;
        // SAFETY: PR_SET_THP_DISABLE takes one integer and changes only
        // how this process's later page faults are served.
        unsafe {
            prctl(
                PR_SET_THP_DISABLE,
                1 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
            );
        }
    }
}

/// Peak resident memory of this process (Linux `VmHWM`), in megabytes.
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Write every file into `dir` (created if missing), all or nothing (see
/// [`io::StagedFolder`]). The texts are complete before anything is
/// written, so bad input leaves `dir` as it was.
pub fn write_outputs(dir: &Path, files: &[(&str, String)]) -> Result<(), Vec<String>> {
    let staged = io::StagedFolder::begin(dir).map_err(|e| {
        vec![format!(
            "could not create the output folder ({e}): {}",
            dir.display()
        )]
    })?;
    write_files_into(staged.path(), dir, files)?;
    staged.commit().map_err(|e| {
        vec![format!(
            "could not put the output folder in place ({e}): {}",
            dir.display()
        )]
    })
}

/// Like [`write_outputs`], for outputs of two kinds: `stream` writes the
/// large files into the staging folder it is given, on a background thread
/// started first; meanwhile `small` makes the small files, which are written
/// beside them. The folder is put in place only when both succeeded.
pub(crate) fn write_outputs_alongside(
    dir: &Path,
    stream: impl FnOnce(&Path) -> Result<(), String> + Send,
    small: impl FnOnce() -> Vec<(&'static str, String)>,
) -> Result<(), Vec<String>> {
    let staged = io::StagedFolder::begin(dir).map_err(|e| {
        vec![format!(
            "could not create the output folder ({e}): {}",
            dir.display()
        )]
    })?;
    let staging = staged.path();
    let (streamed, written) = std::thread::scope(|scope| {
        let streaming = scope.spawn(|| stream(staging));
        let written = write_files_into(staging, dir, &small());
        let streamed = streaming
            .join()
            .unwrap_or_else(|_| Err("the writing thread failed".to_string()));
        (streamed, written)
    });
    let mut problems = written.err().unwrap_or_default();
    problems.extend(streamed.err());
    if !problems.is_empty() {
        return Err(problems);
    }
    staged.commit().map_err(|e| {
        vec![format!(
            "could not put the output folder in place ({e}): {}",
            dir.display()
        )]
    })
}

/// Writes each of `files` atomically into `staging`; errors name the file
/// in `dir`, where it was meant to end up.
fn write_files_into(
    staging: &Path,
    dir: &Path,
    files: &[(&str, String)],
) -> Result<(), Vec<String>> {
    for (name, text) in files {
        io::write_atomic(&staging.join(name), text.as_bytes()).map_err(|e| {
            vec![format!(
                "could not write ({e}): {}",
                dir.join(name).display()
            )]
        })?;
    }
    Ok(())
}
