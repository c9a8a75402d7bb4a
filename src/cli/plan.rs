//! `lifecircle plan`: a budgeted, phased plan of new facilities (建设时序)
//! as `plan.csv`, `plan.geojson`, `plan.xlsx` (the plan sheet) and
//! `plan.html` (the section with the curve and a map per phase); with
//! `--report`, the full report with the plan in it instead of the last two.

use super::layouts::{StudyArgs, layout_facilities, open_study, with_facilities};
use crate::analysis::{
    LiveAssessment, PlanError, PlanObjective, PlanRequest, Progress, parse_phases, plan,
};
use crate::io;
use crate::report::{self, ExportInput, ExportRequest, Lang};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// The whole budget in 万元 (10,000 yuan).
    #[arg(long, allow_negative_numbers = true)]
    pub budget: f64,
    /// Phases with their money, adding up to the budget, e.g.
    /// `近期:1000,中期:1000,远期:1000`; default: one phase.
    #[arg(long)]
    pub phases: Option<String>,
    /// Tier id, alias or name, or `all` for every tier.
    #[arg(long, default_value = "all")]
    pub tier: String,
    /// Only sites inside this township (its name).
    #[arg(long)]
    pub township: Option<String>,
    /// Joint sites (共建): a site counts only when the people it newly
    /// covers live in two or more townships.
    #[arg(long)]
    pub joint: bool,
    /// What to maximise: `covered` (demand newly covered, summed over the
    /// required categories; the ½(1−1/e) bound holds), `complete`
    /// (residents newly complete; no bound) or `served` (group demand
    /// brought up to the 千人指标 standard by the new capacity; bound holds).
    #[arg(long, default_value = "covered")]
    pub objective: String,
    /// With `--objective served`: the capacity of a new facility of a
    /// category with a standard but no `default_capacity` in the profile.
    #[arg(long)]
    pub capacity: Option<f64>,
    /// Layout to start from (default: baseline).
    #[arg(long, default_value = "baseline")]
    pub layout: String,
    /// Also write the full report (report.xlsx, report.html …) with the plan in it.
    #[arg(long)]
    pub report: bool,
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// The request of the flags, checked before any work: budget, phases,
/// tier, township and objective; every problem at once.
fn request_of(
    args: &PlanArgs,
    profile: &crate::model::Profile,
    townships: &[crate::model::Township],
) -> Result<PlanRequest, Vec<String>> {
    let mut problems = Vec::new();
    let single = args.lang.pick("全期", "whole");
    let phases = parse_phases(args.budget, args.phases.as_deref(), single)
        .map_err(|e| problems.push(e))
        .unwrap_or_default();
    let tiers: Vec<usize> = if args.tier == "all" {
        (0..profile.tiers.len()).collect()
    } else if let Some(t) = profile.tier_index(&args.tier) {
        vec![t]
    } else {
        let ids: Vec<&str> = profile.tiers.iter().map(|t| t.id.as_str()).collect();
        problems.push(format!(
            "no tier {:?} in the profile (tiers: {}, or all)",
            args.tier,
            ids.join(", ")
        ));
        Vec::new()
    };
    let township = match &args.township {
        None => None,
        Some(name) => match townships.iter().position(|t| &t.name == name) {
            Some(t) => Some(t as u32),
            None => {
                problems.push(format!("no township named {name:?}"));
                None
            }
        },
    };
    let objective = PlanObjective::from_id(&args.objective).unwrap_or_else(|| {
        problems.push(format!(
            "objective {:?} is not `covered`, `complete` or `served`",
            args.objective
        ));
        PlanObjective::default()
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(PlanRequest {
        tiers,
        township,
        joint: args.joint,
        phases,
        objective,
        max_candidates: 3000,
        capacity: args.capacity,
    })
}

/// `lifecircle plan`.
pub fn run_plan(args: &PlanArgs) -> Result<(), Vec<String>> {
    let (study, project) = open_study(&args.study)?;
    for w in &study.warnings {
        eprintln!("warning: {w}");
    }
    let profile = &study.profile;
    let request = request_of(args, profile, &study.layers.townships)?;
    let facilities = layout_facilities(
        &args.layout,
        &study,
        project.as_ref(),
        args.study.project.as_deref(),
    )?;
    let layers = with_facilities(&study.layers, facilities);
    let progress = Progress::new();
    let live = LiveAssessment::new(&layers, profile, &progress).map_err(|e| vec![e.to_string()])?;
    let made = plan(&live, &request, &progress).map_err(|e| match e {
        PlanError::Invalid(problems) => problems,
        PlanError::Cancelled => vec!["cancelled".to_string()],
    })?;
    let lang = args.lang;
    let warnings: Vec<String> = study.warnings.iter().map(|w| w.to_string()).collect();
    let input = ExportInput {
        layers: &layers,
        profile,
        assessment: live.assessment(),
        warnings: &warnings,
        data_files: &[],
        comparison: None,
        redundancy: None,
    };
    let townships = &layers.townships;
    let mut written: Vec<PathBuf> = Vec::new();
    if args.report {
        let request = ExportRequest {
            lang,
            ..ExportRequest::new(&args.out)
        };
        written = report::export_with_plan(&request, &input, Some(&made), &progress)
            .map_err(|e| vec![e.to_string()])?;
    } else {
        // Every file is made before any is written.
        let mut data = report::data::ReportData::new(&input, lang, None);
        let maps = report::plan::phase_maps(
            &layers,
            profile,
            &made,
            lang,
            1600,
            &data.title,
            &data.date,
            &progress,
        )
        .map_err(|e| vec![format!("could not draw a phase map: {e}")])?;
        data.plan = Some(report::plan::PlanPart {
            plan: made.clone(),
            maps,
        });
        let workbook = report::xlsx::plan_workbook(&data)
            .map_err(|e| vec![format!("could not build plan.xlsx: {e}")])?;
        let files: [(&str, Vec<u8>); 4] = [
            (
                "plan.csv",
                report::plan::plan_csv(&made, profile, townships, lang).into_bytes(),
            ),
            (
                "plan.geojson",
                report::plan::plan_geojson(&made, profile, townships, lang).into_bytes(),
            ),
            ("plan.xlsx", workbook),
            ("plan.html", report::html::plan_document(&data).into_bytes()),
        ];
        std::fs::create_dir_all(&args.out).map_err(|e| {
            vec![format!(
                "could not create the output folder ({e}): {}",
                args.out.display()
            )]
        })?;
        for (name, bytes) in files {
            let path = args.out.join(name);
            io::write_atomic(&path, &bytes)
                .map_err(|e| vec![format!("could not write ({e}): {}", path.display())])?;
            written.push(path);
        }
    }
    print_plan(&made, profile, townships, lang);
    println!(
        "{} {} {} → {}",
        lang.pick("已写入", "wrote"),
        written.len(),
        lang.pick("个文件", "files"),
        args.out.display()
    );
    Ok(())
}

/// The plan on stdout: phases, then each site with its cost, gain, the
/// people newly covered per township and the complete share after it.
fn print_plan(
    plan: &crate::analysis::Plan,
    profile: &crate::model::Profile,
    townships: &[crate::model::Township],
    lang: Lang,
) {
    let zh = lang.is_chinese();
    for (k, &t) in plan.tiers.iter().enumerate() {
        println!(
            "{} {}: {:.1}%",
            profile.tiers[t].display_name(zh),
            lang.pick("现状完整覆盖率", "complete share now"),
            plan.start_share[k] * 100.0
        );
    }
    for (pi, phase) in plan.phases.iter().enumerate() {
        println!(
            "{} ({} {:.0} / {:.0} {})",
            phase.name,
            lang.pick("已用", "spent"),
            phase.spent,
            phase.budget,
            lang.pick("万元", "10k yuan")
        );
        for s in plan.steps.iter().filter(|s| s.phase == pi) {
            let town = s
                .township
                .and_then(|t| townships.get(t as usize))
                .map_or("-", |t| t.name.as_str());
            let by: Vec<String> = s
                .gain_by_township
                .iter()
                .map(|(t, g)| {
                    let name = townships.get(*t as usize).map_or("-", |t| t.name.as_str());
                    format!("{name} +{}", g.round())
                })
                .collect();
            println!(
                "  {}. {} {} ({:.6}, {:.6}) {} {}{} +{} → {} {:.0} · {} {:.1}%  [{}]",
                s.step,
                profile.category_name(&s.category, zh),
                town,
                s.location.x(),
                s.location.y(),
                lang.pick("造价", "cost"),
                s.cost,
                if s.cost_proposed { "*" } else { "" },
                s.gain.round(),
                lang.pick("累计", "cumulative"),
                s.cumulative_cost,
                profile.tiers[s.tier].display_name(zh),
                s.complete_share * 100.0,
                by.join(", ")
            );
        }
    }
    if plan.steps.iter().any(|s| s.cost_proposed) {
        println!(
            "{}",
            lang.pick(
                "* 造价为提议值（默认造价），请在评估方案中按当地造价设置 unit_cost。",
                "* proposed default cost: set unit_cost in the profile from local estimates."
            )
        );
    }
}
