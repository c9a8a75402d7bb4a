//! `lifecircle compare` and `lifecircle suggest`: layouts on the command line.
//!
//! A layout is named either by a facilities file, by `baseline` (the
//! `--facilities` layer, or the project's), or, with `--project`, by the
//! name of one of the project's layouts.

use super::{InputArgs, LoadedStudy, load_study, write_outputs};
use crate::analysis::{
    Comparison, LiveAssessment, Progress, SuggestRequest, assess, checked_layout, compare,
    suggest_joint_sites, suggest_sites, suggest_sites_with_capacity,
};
use crate::io;
use crate::model::{Facility, Layers, Project, Scenario};
use crate::report::Lang;
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Where the layers come from: a project, or the input flags (demo by default).
#[derive(Debug, Args, Clone)]
pub struct StudyArgs {
    /// A project file (`.lifecircle.json`); its layers, profile and layouts.
    #[arg(long, conflicts_with_all = ["townships", "facilities", "residents", "roads", "profile"])]
    pub project: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Layout A: `baseline`, a facilities file, or a project layout's name.
    #[arg(long, default_value = "baseline")]
    pub a: String,
    /// Layout B, likewise (default: the baseline, e.g. with only
    /// `--b-roads`, `--b-closed` or `--b-residents` on top).
    #[arg(long, default_value = "baseline")]
    pub b: String,
    /// Roads added to layout B (GeoJSON lines); their ends connect where
    /// they coincide with road vertices (METHOD step 2).
    #[arg(long, value_name = "FILE")]
    pub b_roads: Option<PathBuf>,
    /// Roads closed in layout B (GeoJSON lines): each must follow
    /// consecutive vertices of a road (either direction), which are removed
    /// for every mode.
    #[arg(long, value_name = "FILE")]
    pub b_closed: Option<PathBuf>,
    /// Residents added to layout B (GeoJSON or CSV, like --residents).
    #[arg(long, value_name = "FILE")]
    pub b_residents: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Output folder: compare.json and changes.geojson.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Tier id (e.g. t15), alias (e.g. jurisdiction_30min) or name.
    #[arg(long)]
    pub tier: String,
    /// Category id, or `all` for every required category of the tier.
    #[arg(long, default_value = "all")]
    pub category: String,
    /// How many sites.
    #[arg(short = 'k', long = "sites", default_value_t = 5)]
    pub k: usize,
    /// Only sites inside this township (its name).
    #[arg(long)]
    pub township: Option<String>,
    /// Joint sites (共建): count a site's gain only when the people it newly
    /// covers live in two or more townships; each lists the gain per township.
    #[arg(long)]
    pub joint: bool,
    /// Capacity of each new facility, in the category's unit (seats, beds,
    /// m² …): a site's gain is then the group demand it brings up to the
    /// profile's standard by 2SFCA (without a standard: the uncovered
    /// demand within reach, at most this many people).
    #[arg(long, value_name = "N")]
    pub capacity: Option<f64>,
    /// Layout to start from (default: baseline).
    #[arg(long, default_value = "baseline")]
    pub layout: String,
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Output folder for suggestions.geojson and suggestions.dxf (optional).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The study's layers, profile and (with a project) the project.
pub(super) fn open_study(args: &StudyArgs) -> Result<(LoadedStudy, Option<Project>), Vec<String>> {
    match &args.project {
        None => Ok((load_study(&args.input)?, None)),
        Some(path) => {
            let project = io::load_project(path).map_err(|e| vec![e.to_string()])?;
            let missing =
                |what: &str| format!("the project names no {what} file: {}", path.display());
            let l = &project.layers;
            let paths = io::LayerPaths {
                townships: l
                    .townships
                    .clone()
                    .ok_or_else(|| vec![missing("townships")])?,
                facilities: l
                    .facilities
                    .clone()
                    .ok_or_else(|| vec![missing("facilities")])?,
                residents: l.residents.clone(),
                roads: l.roads.clone(),
            };
            let (layers, warnings, numbers) =
                io::load_layers_numbered(&paths, &Default::default(), &project.profile)
                    .map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>())?;
            let study = LoadedStudy {
                layers,
                profile: project.profile.clone(),
                warnings,
                town_areas: None,
                numbers,
            };
            Ok((study, Some(project)))
        }
    }
}

/// The facilities of a layout named on the command line.
pub(super) fn layout_facilities(
    name: &str,
    study: &LoadedStudy,
    project: Option<&Project>,
    project_path: Option<&Path>,
) -> Result<Vec<Facility>, Vec<String>> {
    if name == "baseline" {
        return Ok(study.layers.facilities.clone());
    }
    if let Some(layout) = project.and_then(|p| p.layouts.iter().find(|l| l.name == name)) {
        let start = match &layout.facilities_file {
            Some(f) => load_facilities_file(Path::new(f), study)?,
            None => study.layers.facilities.clone(),
        };
        // Every edit is checked before use: an edit that does not fit is
        // refused with what is wrong, never applied.
        let (_, problems) = checked_layout(layout, &start, &study.layers.townships, &study.profile);
        if !problems.is_empty() {
            let file = project_path.map_or(String::new(), |p| format!("{}: ", p.display()));
            return Err(problems
                .iter()
                .map(|p| {
                    format!(
                        "{file}layout {:?}, edit {}: {}",
                        layout.name, p.number, p.message
                    )
                })
                .collect());
        }
        return Ok(layout
            .facility_table(&start)
            .into_iter()
            .flatten()
            .collect());
    }
    let path = Path::new(name);
    if path.exists() {
        return load_facilities_file(path, study);
    }
    let known: Vec<&str> = project
        .map(|p| p.layouts.iter().map(|l| l.name.as_str()).collect())
        .unwrap_or_default();
    Err(vec![format!(
        "layout {name:?} is neither `baseline`, a facilities file, nor a project layout{}",
        if known.is_empty() {
            String::new()
        } else {
            format!(" ({})", known.join(", "))
        }
    )])
}

fn load_facilities_file(path: &Path, study: &LoadedStudy) -> Result<Vec<Facility>, Vec<String>> {
    let matcher = io::CategoryMatcher::from_profile(&study.profile);
    let loaded = io::load_facilities_matching(path, &matcher).map_err(|e| vec![e.to_string()])?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    Ok(loaded.items)
}

pub(super) fn with_facilities(layers: &Layers, facilities: Vec<Facility>) -> Layers {
    Layers {
        facilities,
        ..layers.clone()
    }
}

/// The layers of a layout named on the command line: its facilities and,
/// for a project layout, its road and population changes.
fn layout_layers(
    name: &str,
    study: &LoadedStudy,
    project: Option<&Project>,
    project_path: Option<&Path>,
) -> Result<Layers, Vec<String>> {
    let layers = with_facilities(
        &study.layers,
        layout_facilities(name, study, project, project_path)?,
    );
    match project.and_then(|p| p.layouts.iter().find(|l| l.name == name)) {
        Some(layout) if !layout.scenario.is_empty() => layout
            .scenario
            .apply_to(&layers)
            .map_err(|e| vec![format!("layout {name:?}: {e}")]),
        _ => Ok(layers),
    }
}

/// The road and population changes given as files (`--b-roads`,
/// `--b-closed`, `--b-residents`).
fn scenario_from_files(args: &CompareArgs) -> Result<Scenario, Vec<String>> {
    scenario_from_paths(
        args.b_roads.as_ref(),
        args.b_closed.as_ref(),
        args.b_residents.as_ref(),
    )
}

/// Road and population changes from files: roads added, roads closed
/// (matched by geometry), residents added.
pub(super) fn scenario_from_paths(
    roads: Option<&std::path::PathBuf>,
    closed: Option<&std::path::PathBuf>,
    residents: Option<&std::path::PathBuf>,
) -> Result<Scenario, Vec<String>> {
    let mut scenario = Scenario::default();
    let warn = |warnings: &[crate::model::LoadWarning]| {
        for w in warnings {
            eprintln!("warning: {w}");
        }
    };
    let mut problems = Vec::new();
    if let Some(path) = roads {
        match io::load_roads(path) {
            Ok(loaded) => {
                warn(&loaded.warnings);
                scenario.roads_added = loaded.items;
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if let Some(path) = closed {
        match io::load_roads(path) {
            Ok(loaded) => {
                warn(&loaded.warnings);
                scenario.roads_closed = loaded.items.into_iter().map(|r| r.line).collect();
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if let Some(path) = residents {
        match io::load_residents(path) {
            Ok(loaded) => {
                warn(&loaded.warnings);
                scenario.residents_added = loaded.items;
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(problems)
    }
}

/// `lifecircle compare`.
pub fn run_compare(args: &CompareArgs) -> Result<(), Vec<String>> {
    let (study, project) = open_study(&args.study)?;
    let a_layers = layout_layers(
        &args.a,
        &study,
        project.as_ref(),
        args.study.project.as_deref(),
    )?;
    let mut b_layers = layout_layers(
        &args.b,
        &study,
        project.as_ref(),
        args.study.project.as_deref(),
    )?;
    let files = scenario_from_files(args)?;
    if let Some(path) = &args.b_roads {
        for n in unconnected_roads(&files.roads_added, &b_layers) {
            eprintln!(
                "warning: {}, road {n}: no vertex shares its coordinates with a road of the network, so it connects to nothing and changes no travel time (METHOD step 2: lines connect only at a shared vertex)",
                path.display()
            );
        }
    }
    if !files.is_empty() {
        b_layers = files.apply_to(&b_layers).map_err(|e| {
            use crate::model::ScenarioError as E;
            let file = match e {
                E::ShortRoad(_) | E::BadRoad(_) | E::NoRoads => args.b_roads.as_ref(),
                E::ClosureMatchesNothing(_) | E::ShortClosure(_) => args.b_closed.as_ref(),
                E::BadPopulation { .. }
                | E::BadFactor { .. }
                | E::BadArea { .. }
                | E::BadChangeArea { .. } => args.b_residents.as_ref(),
            };
            let file = file
                .or(args.b_closed.as_ref())
                .map_or(String::new(), |p| format!("{}: ", p.display()));
            vec![format!("{file}{e}")]
        })?;
    }
    let progress = Progress::new();
    let mut a = assess(&a_layers, &study.profile, &progress).map_err(|e| vec![e.to_string()])?;
    let mut b = assess(&b_layers, &study.profile, &progress).map_err(|e| vec![e.to_string()])?;
    // The same keys as `assess` writes (sharing, town and village).
    study.add_shared_figures_on(&mut a, &a_layers);
    study.add_shared_figures_on(&mut b, &b_layers);
    // Warnings of layout B that A has not (e.g. a stray added road set
    // aside): the figures of B leave those features out.
    let b_name = if files.is_empty() {
        format!("layout {:?}", args.b)
    } else {
        format!("layout {:?} with the given files", args.b)
    };
    for w in b
        .report
        .warnings
        .iter()
        .filter(|w| !a.report.warnings.contains(w))
    {
        eprintln!("warning: {b_name}: {w}");
    }
    let delta = compare(&a, &b, &study.profile);
    let doc = json!({
        "a": {"layout": args.a, "coverage": a.report},
        "b": {"layout": args.b, "coverage": b.report},
        "delta": delta,
    });
    let changes = changes_geojson(&delta, &b, &study);
    write_outputs(
        &args.out,
        &[
            (
                "compare.json",
                serde_json::to_string_pretty(&doc).unwrap_or_default(),
            ),
            ("changes.geojson", changes),
        ],
    )?;
    let zh = args.lang.is_chinese();
    println!(
        "{}",
        args.lang.pick(
            "完整覆盖率变化 (百分点):",
            "Complete share change (percentage points):"
        )
    );
    for (t, tier) in delta.total.tiers.iter().zip(&study.profile.tiers) {
        println!(
            "  {}: {:+.2}  (+{} / -{})",
            tier.display_name(zh),
            t.delta_pp,
            t.newly_complete.round(),
            t.no_longer_complete.round()
        );
    }
    Ok(())
}

/// Residents whose completeness changed, as points (green/red on a map).
fn changes_geojson(
    delta: &Comparison,
    b: &crate::analysis::Assessment,
    study: &LoadedStudy,
) -> String {
    let features: Vec<serde_json::Value> = delta
        .changes
        .iter()
        .filter_map(|c| {
            let r = b.demand.get(c.resident as usize)?;
            let tier = study.profile.tiers.get(c.tier as usize)?;
            Some(json!({
                "type": "Feature",
                "properties": {
                    "tier": tier.id,
                    "change": if c.gained { "newly_complete" } else { "no_longer_complete" },
                    "population": r.population,
                },
                "geometry": {"type": "Point", "coordinates": [r.location.x(), r.location.y()]},
            }))
        })
        .collect();
    serde_json::to_string(&json!({"type": "FeatureCollection", "features": features}))
        .unwrap_or_default()
}

/// The 1-based numbers of the added roads none of whose vertices
/// coincides with a vertex of another road (added or existing): such a road
/// joins nothing.
fn unconnected_roads(added: &[crate::model::Road], layers: &crate::model::Layers) -> Vec<usize> {
    use std::collections::HashMap;
    let key = |c: &geo::Coord<f64>| (c.x.to_bits(), c.y.to_bits());
    // Vertex → how many roads (existing and added) have it.
    let mut roads_at: HashMap<(u64, u64), usize> = HashMap::new();
    let existing = layers.roads.as_deref().unwrap_or(&[]);
    for road in existing.iter().chain(added) {
        let mut seen: Vec<(u64, u64)> = road.line.coords().map(key).collect();
        seen.sort_unstable();
        seen.dedup();
        for k in seen {
            *roads_at.entry(k).or_default() += 1;
        }
    }
    added
        .iter()
        .enumerate()
        .filter(|(_, road)| road.line.coords().all(|c| roads_at[&key(c)] < 2))
        .map(|(i, _)| i + 1)
        .collect()
}

/// `lifecircle suggest`.
pub fn run_suggest(args: &SuggestArgs) -> Result<(), Vec<String>> {
    let (study, project) = open_study(&args.study)?;
    let profile = &study.profile;
    let Some(tier_index) = profile.tier_index(&args.tier) else {
        let ids: Vec<&str> = profile.tiers.iter().map(|t| t.id.as_str()).collect();
        return Err(vec![format!(
            "no tier {:?} in the profile (tiers: {})",
            args.tier,
            ids.join(", ")
        )]);
    };
    let tier = &profile.tiers[tier_index];
    let categories = if args.category == "all" {
        tier.categories.clone()
    } else if tier.all_categories().any(|c| c == args.category) {
        vec![args.category.clone()]
    } else {
        return Err(vec![format!(
            "tier {:?} has no category {:?} (it has: {})",
            tier.id,
            args.category,
            tier.all_categories().collect::<Vec<_>>().join(", ")
        )]);
    };
    let township = match &args.township {
        None => None,
        Some(name) => Some(
            study
                .layers
                .townships
                .iter()
                .position(|t| &t.name == name)
                .ok_or_else(|| vec![format!("no township named {name:?}")])? as u32,
        ),
    };
    let facilities = layout_facilities(
        &args.layout,
        &study,
        project.as_ref(),
        args.study.project.as_deref(),
    )?;
    let layers = with_facilities(&study.layers, facilities);
    let progress = Progress::new();
    let live = LiveAssessment::new(&layers, profile, &progress).map_err(|e| vec![e.to_string()])?;
    let request = SuggestRequest {
        tier: tier_index,
        categories,
        k: args.k,
        township,
        max_candidates: 3000,
    };
    if let Some(n) = args.capacity
        && !(n.is_finite() && n > 0.0)
    {
        return Err(vec![format!(
            "--capacity {n}: the capacity of a new facility must be a number above 0"
        )]);
    }
    if args.capacity.is_some() && args.joint {
        return Err(vec![
            "--capacity and --joint cannot be combined yet: choose one".to_string(),
        ]);
    }
    let mut with_capacity = Vec::new();
    let picks = match args.capacity {
        Some(n) => {
            with_capacity = suggest_sites_with_capacity(&live, &request, n, &progress)
                .map_err(|e| vec![e.to_string()])?;
            with_capacity.iter().map(|p| p.site.clone()).collect()
        }
        None if args.joint => {
            suggest_joint_sites(&live, &request, &progress).map_err(|e| vec![e.to_string()])?
        }
        None => suggest_sites(&live, &request, &progress).map_err(|e| vec![e.to_string()])?,
    };
    let town_name = |t: u32| {
        study
            .layers
            .townships
            .get(t as usize)
            .map_or("-", |t| t.name.as_str())
    };
    let zh = args.lang.is_chinese();
    let before = live.assessment().report.total.tiers[tier_index].complete_share;
    println!(
        "{} {}: {:.1}%",
        tier.display_name(zh),
        args.lang.pick("现状完整覆盖率", "complete share now"),
        before * 100.0
    );
    if picks.is_empty() && args.joint {
        println!(
            "{}",
            args.lang.pick(
                "没有能同时新增覆盖两个及以上乡镇居民的候选点。",
                "No candidate site newly covers people of two or more townships."
            )
        );
    } else if picks.is_empty() {
        println!(
            "{}",
            args.lang.pick(
                "没有能新增覆盖的候选点。",
                "No candidate site covers anybody new."
            )
        );
    }
    for p in &picks {
        let town = p
            .township
            .and_then(|t| study.layers.townships.get(t as usize))
            .map_or("-", |t| t.name.as_str());
        println!(
            "  {}. {} {} ({:.6}, {:.6}) +{}",
            p.rank,
            profile.category_name(&p.category, zh),
            town,
            p.location.x(),
            p.location.y(),
            p.gained.round()
        );
        if let Some(c) = with_capacity.get(p.rank - 1) {
            let unit = unit_of(profile, &p.category, args.lang);
            println!(
                "     {} {:.0} · {} {:.0} · {} {:.1} {unit}",
                args.lang.pick("服务达标需求", "served to standard"),
                p.gained,
                args.lang.pick("可达需求", "demand within reach"),
                c.demand_in_reach,
                args.lang.pick("剩余缺口", "shortfall left"),
                c.unserved_left,
            );
        }
        if args.joint {
            let parts: Vec<String> = p
                .gain_by_township
                .iter()
                .map(|(t, g)| format!("{} +{}", town_name(*t), g.round()))
                .collect();
            println!("     {}", parts.join(", "));
        }
    }
    if let Some(out) = &args.out {
        let features: Vec<serde_json::Value> = picks
            .iter()
            .map(|p| {
                json!({
                    "type": "Feature",
                    "properties": {
                        "rank": p.rank,
                        "category": p.category,
                        "name": format!("{} {}", args.lang.pick("建议", "suggested"), p.rank),
                        "gained": p.gained,
                        "capacity": args.capacity,
                        "demand_in_reach": with_capacity.get(p.rank - 1).map(|c| c.demand_in_reach),
                        "shortfall_left": with_capacity.get(p.rank - 1).map(|c| c.unserved_left),
                        "township": p.township.and_then(|t| study.layers.townships.get(t as usize)).map(|t| t.name.clone()),
                        "gain_by_township": p.gain_by_township.iter().map(|(t, g)| (town_name(*t).to_string(), json!(*g))).collect::<serde_json::Map<String, serde_json::Value>>(),
                    },
                    "geometry": {"type": "Point", "coordinates": [p.location.x(), p.location.y()]},
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(
            &json!({"type": "FeatureCollection", "features": features}),
        )
        .unwrap_or_default();
        // The sites as a CAD drawing in the study's Gauss–Krüger zone, for
        // the township drawing.
        let cs = crate::report::cad::default_cad_system(&study.layers)
            .unwrap_or_else(crate::io::CoordinateSystem::wgs84);
        let names: Vec<String> = picks
            .iter()
            .map(|p| format!("{} {}", args.lang.pick("建议", "suggested"), p.rank))
            .collect();
        let mut cad = crate::io::CadDrawing::new();
        crate::report::cad::draw_facilities(
            &mut cad,
            picks.iter().zip(&names).map(|(p, n)| {
                (
                    p.category.as_str(),
                    n.as_str(),
                    [p.location.x(), p.location.y()],
                )
            }),
            &cs,
            "建议-",
        );
        write_outputs(
            out,
            &[
                ("suggestions.geojson", text),
                ("suggestions.dxf", cad.finish()),
            ],
        )?;
    }
    Ok(())
}

/// A category's capacity unit in words.
fn unit_of(profile: &crate::model::Profile, category: &str, lang: Lang) -> String {
    crate::report::unit_name(
        lang,
        profile
            .category_info(category)
            .and_then(|c| c.unit.as_deref()),
    )
}
