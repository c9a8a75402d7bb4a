//! The budgeted, phased plan (建设时序) as files and report parts:
//! `plan.csv` (one row per new facility), `plan.geojson`, the table of the
//! workbook's plan sheet and the HTML section, the curve of the complete
//! share against cumulative cost (SVG), and one map per phase showing the
//! layout with the sites of that phase and those before it built.
//!
//! Layer: `report`; reads `analysis` (the plan, assessments) and `model`.

use super::Lang;
pub use super::data::{PhaseMap, PlanPart};
use super::map_image::{self, MapError, MapMark, MapOptions};
use super::tables::{Cell, Table};
use crate::analysis::{Plan, PlanObjective, Progress, assess};
use crate::model::{Facility, Layers, Profile, Township};
use serde_json::json;

/// A text cell of a CSV file, kept from being read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-` or `@` gets a `'`).
fn text_field(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The name given to a planned facility: phase, step and category, e.g.
/// "近期-3 幼儿园".
pub fn step_name(plan: &Plan, step: usize, profile: &Profile, lang: Lang) -> String {
    let Some(s) = plan.steps.get(step) else {
        return String::new();
    };
    let phase = plan.phases.get(s.phase).map_or("", |p| p.name.as_str());
    format!(
        "{phase}-{} {}",
        s.step,
        profile.category_name(&s.category, lang.is_chinese())
    )
}

fn township_name(townships: &[Township], t: Option<u32>) -> &str {
    t.and_then(|t| townships.get(t as usize))
        .map_or("", |t| t.name.as_str())
}

/// `plan.csv`: `phase,step,category,name,township,lon,lat,cost,gain,
/// cumulative_cost,complete_share,tier`, one row per new facility in build
/// order. `cost` and `cumulative_cost` in 万元; `complete_share` (0–1) is
/// the district's share of the step's `tier` after the step.
pub fn plan_csv(plan: &Plan, profile: &Profile, townships: &[Township], lang: Lang) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "phase",
        "step",
        "category",
        "name",
        "township",
        "lon",
        "lat",
        "cost",
        "gain",
        "cumulative_cost",
        "complete_share",
        "tier",
    ]);
    for (i, s) in plan.steps.iter().enumerate() {
        let phase = plan.phases.get(s.phase).map_or("", |p| p.name.as_str());
        let _ = w.write_record([
            text_field(phase),
            s.step.to_string(),
            s.category.clone(),
            text_field(&step_name(plan, i, profile, lang)),
            text_field(township_name(townships, s.township)),
            format!("{:.7}", s.location.x()),
            format!("{:.7}", s.location.y()),
            s.cost.to_string(),
            s.gain.to_string(),
            s.cumulative_cost.to_string(),
            s.complete_share.to_string(),
            profile
                .tiers
                .get(s.tier)
                .map_or(String::new(), |t| t.id.clone()),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `plan.geojson`: the new facilities as points with the figures of
/// `plan.csv`, the people newly covered per township, and whether the cost
/// is the proposed default.
pub fn plan_geojson(plan: &Plan, profile: &Profile, townships: &[Township], lang: Lang) -> String {
    let features: Vec<serde_json::Value> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let by_township: serde_json::Map<String, serde_json::Value> = s
                .gain_by_township
                .iter()
                .map(|(t, g)| (township_name(townships, Some(*t)).to_string(), json!(g)))
                .collect();
            json!({
                "type": "Feature",
                "properties": {
                    "phase": plan.phases.get(s.phase).map(|p| p.name.clone()),
                    "step": s.step,
                    "tier": profile.tiers.get(s.tier).map(|t| t.id.clone()),
                    "category": s.category,
                    "name": step_name(plan, i, profile, lang),
                    "township": township_name(townships, s.township),
                    "cost": s.cost,
                    "cost_proposed": s.cost_proposed,
                    "gain": s.gain,
                    "gain_by_township": by_township,
                    "cumulative_cost": s.cumulative_cost,
                    "complete_share": s.complete_share,
                },
                "geometry": {"type": "Point", "coordinates": [s.location.x(), s.location.y()]},
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "type": "FeatureCollection",
        "objective": plan.objective.id(),
        "budget": plan.budget(),
        "features": features,
    }))
    .unwrap_or_default()
        + "\n"
}

/// What the plan maximised and how, the guarantee, and the budget, in one
/// paragraph for the report.
pub fn method_note(plan: &Plan, lang: Lang) -> String {
    let objective = match plan.objective {
        PlanObjective::PeopleCovered => lang.pick(
            "新增覆盖人口（各必配设施类别之和）",
            "people newly covered, summed over the required categories",
        ),
        PlanObjective::NewlyComplete => lang.pick("新增完整覆盖居民", "residents newly complete"),
        PlanObjective::GroupServed => lang.pick(
            "按千人指标新增达标服务的需求人口（新设施容量由服务范围内需求共享）",
            "group demand brought up to the standard per 1,000 (a new facility's capacity shared by the demand within its reach)",
        ),
    };
    let bound = if plan.bound_holds {
        lang.pick(
            "该目标为单调次模函数，结果不低于同预算最优解的 ½(1−1/e)≈31.6%",
            "the objective is monotone submodular, so each phase gets at least ½(1−1/e) ≈ 31.6 % of the best the phase's money can buy",
        )
    } else {
        lang.pick(
            "该目标（或共建条件）非次模，不保证近似比",
            "the objective (or the joint condition) is not submodular: no guarantee is claimed",
        )
    };
    let spent = super::tables::plain_number(plan.spent(), 1);
    let budget = super::tables::plain_number(plan.budget(), 1);
    match lang {
        Lang::Zh => format!(
            "目标：{objective}。方法：各期依次按单位投资效益（新增受益÷造价）贪心选址，并与“效益最大的单一选址＋贪心”比较取优；{bound}。预算 {budget} 万元，已用 {spent} 万元；候选点 {} 个。造价带 * 者为提议值（默认造价，待地方核实）。",
            plan.candidates
        ),
        Lang::En => format!(
            "Objective: {objective}. Method: phase by phase, cost-effectiveness greedy (gain ÷ cost) compared with the best single site followed by the greedy, the better kept; {bound}. Budget {budget}, spent {spent} (10,000 yuan); {} candidate sites. Costs marked * are proposed defaults, to be checked locally.",
            plan.candidates
        ),
    }
}

/// The steps as a table (workbook sheet, HTML section).
pub(crate) fn steps_table(
    plan: &Plan,
    profile: &Profile,
    townships: &[Township],
    lang: Lang,
) -> Table {
    let zh = lang.is_chinese();
    let headers = [
        lang.pick("阶段", "phase"),
        lang.pick("序号", "step"),
        lang.pick("生活圈", "tier"),
        lang.pick("设施类别", "category"),
        lang.pick("所在乡镇", "township"),
        lang.pick("经度", "lon"),
        lang.pick("纬度", "lat"),
        lang.pick("造价(万元)", "cost (10k yuan)"),
        lang.pick("新增受益", "gain"),
        lang.pick("累计投资(万元)", "cumulative cost"),
        lang.pick("完整覆盖率", "complete share"),
    ];
    let rows = plan
        .steps
        .iter()
        .map(|s| {
            let cost = if s.cost_proposed {
                format!("{}*", super::tables::plain_number(s.cost, 1))
            } else {
                super::tables::plain_number(s.cost, 1)
            };
            vec![
                Cell::Text(plan.phases.get(s.phase).map_or("", |p| &p.name).to_string()),
                Cell::Int(s.step as u64),
                Cell::Text(
                    profile
                        .tiers
                        .get(s.tier)
                        .map_or("", |t| t.display_name(zh))
                        .to_string(),
                ),
                Cell::Text(profile.category_name(&s.category, zh).to_string()),
                Cell::Text(township_name(townships, s.township).to_string()),
                Cell::Coord(s.location.x()),
                Cell::Coord(s.location.y()),
                Cell::Text(cost),
                Cell::Count(s.gain),
                Cell::Count(s.cumulative_cost),
                Cell::Share(s.complete_share),
            ]
        })
        .collect();
    Table {
        groups: Vec::new(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
        total_last: false,
    }
}

/// The phases as a table: budget, spent, gain, complete share at the end.
pub(crate) fn phases_table(plan: &Plan, profile: &Profile, lang: Lang) -> Table {
    let zh = lang.is_chinese();
    let mut headers: Vec<String> = [
        lang.pick("阶段", "phase"),
        lang.pick("预算(万元)", "budget (10k yuan)"),
        lang.pick("已用(万元)", "spent"),
        lang.pick("新建设施", "new facilities"),
        lang.pick("新增受益", "gain"),
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    for &t in &plan.tiers {
        if let Some(tier) = profile.tiers.get(t) {
            headers.push(format!(
                "{} {}",
                tier.display_name(zh),
                lang.pick("完整覆盖率", "complete share")
            ));
        }
    }
    let mut rows = Vec::new();
    let mut start = vec![Cell::Text(lang.pick("现状", "now").into())];
    start.extend([Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty]);
    start.extend(plan.start_share.iter().map(|&s| Cell::Share(s)));
    rows.push(start);
    for (pi, p) in plan.phases.iter().enumerate() {
        let built = plan.steps.iter().filter(|s| s.phase == pi).count();
        let mut row = vec![
            Cell::Text(p.name.clone()),
            Cell::Count(p.budget),
            Cell::Count(p.spent),
            Cell::Int(built as u64),
            Cell::Count(p.gain),
        ];
        for &t in &plan.tiers {
            let share = plan
                .curve(t)
                .get(plan.steps.iter().filter(|s| s.phase <= pi).count())
                .map_or(0.0, |p| p[1]);
            row.push(Cell::Share(share));
        }
        rows.push(row);
    }
    Table {
        groups: Vec::new(),
        headers,
        rows,
        total_last: false,
    }
}

/// Colours of the planned tiers' curves.
const CURVE_COLOURS: [&str; 4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

/// The curve of each planned tier's complete share against cumulative cost
/// as an SVG drawing: steps as dots, phase boundaries as dashed lines.
pub fn curve_svg(plan: &Plan, profile: &Profile, lang: Lang) -> String {
    let (w, h) = (640.0, 320.0);
    let (left, right, top, bottom) = (56.0, 16.0, 16.0, 44.0);
    let max_x = plan.budget().max(plan.spent()).max(1.0);
    let x = |c: f64| left + (w - left - right) * c / max_x;
    let y = |s: f64| top + (h - top - bottom) * (1.0 - s.clamp(0.0, 1.0));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         style=\"max-width:{w}px\" font-size=\"11\">\n"
    );
    s.push_str(&format!(
        "<rect x=\"{left}\" y=\"{top}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"#b8c0cc\"/>\n",
        w - left - right,
        h - top - bottom
    ));
    for k in 0..=4 {
        let share = k as f64 / 4.0;
        s.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"#e0e0e0\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{:.0}%</text>\n",
            w - right,
            left - 4.0,
            y(share) + 4.0,
            share * 100.0,
            y0 = y(share)
        ));
    }
    // Phase boundaries at each phase's budget.
    let mut edge = 0.0;
    for p in &plan.phases {
        edge += p.budget;
        s.push_str(&format!(
            "<line x1=\"{x0:.1}\" x2=\"{x0:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{:.1}\" y=\"{}\" text-anchor=\"end\">{} {}</text>\n",
            h - bottom,
            x(edge) - 3.0,
            top + 12.0,
            esc(&p.name),
            super::tables::plain_number(edge, 0),
            x0 = x(edge)
        ));
    }
    s.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
        left + (w - left - right) / 2.0,
        h - 8.0,
        esc(lang.pick("累计投资（万元）", "cumulative cost (10,000 yuan)"))
    ));
    for (k, &t) in plan.tiers.iter().enumerate() {
        let colour = CURVE_COLOURS[k % CURVE_COLOURS.len()];
        let points: Vec<String> = plan
            .curve(t)
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p[0]), y(p[1])))
            .collect();
        s.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n",
            points.join(" ")
        ));
        for p in plan.curve(t).iter().skip(1) {
            s.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{colour}\"/>\n",
                x(p[0]),
                y(p[1])
            ));
        }
        let name = profile
            .tiers
            .get(t)
            .map_or("", |t| t.display_name(lang.is_chinese()));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{}</text>\n",
            left + 8.0,
            top + 14.0 + 14.0 * k as f64,
            esc(name)
        ));
    }
    s.push_str("</svg>\n");
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The facilities after phase `phase`: `facilities` plus every site of the
/// phases up to it, named as in `plan.csv`.
pub fn facilities_after_phase(
    facilities: &[Facility],
    plan: &Plan,
    phase: usize,
    profile: &Profile,
    lang: Lang,
) -> Vec<Facility> {
    let mut out = facilities.to_vec();
    for (i, s) in plan.steps.iter().enumerate() {
        if s.phase <= phase {
            out.push(Facility {
                category: s.category.clone(),
                name: step_name(plan, i, profile, lang),
                capacity: None,
                location: s.location,
            });
        }
    }
    out
}

/// One map per phase and planned tier with sites: the layout after the
/// phase, assessed, with that phase's sites marked by step number (blue)
/// and the earlier phases' (grey).
#[allow(clippy::too_many_arguments)]
pub fn phase_maps(
    layers: &Layers,
    profile: &Profile,
    plan: &Plan,
    lang: Lang,
    width_px: u32,
    title: &str,
    date: &str,
    progress: &Progress,
) -> Result<Vec<PhaseMap>, MapError> {
    let mut maps = Vec::new();
    for (pi, phase) in plan.phases.iter().enumerate() {
        if !plan.steps.iter().any(|s| s.phase == pi) {
            continue;
        }
        let after = Layers {
            facilities: facilities_after_phase(&layers.facilities, plan, pi, profile, lang),
            ..layers.clone()
        };
        let Ok(assessment) = assess(&after, profile, progress) else {
            break;
        };
        for &t in &plan.tiers {
            if !plan.steps.iter().any(|s| s.tier == t && s.phase <= pi) {
                continue;
            }
            let marks: Vec<MapMark> = plan
                .steps
                .iter()
                .filter(|s| s.tier == t && s.phase <= pi)
                .map(|s| MapMark {
                    lon: s.location.x(),
                    lat: s.location.y(),
                    label: s.step.to_string(),
                    current: s.phase == pi,
                })
                .collect();
            let options = MapOptions {
                tier: t,
                township: None,
                width_px,
                lang,
                title: format!(
                    "{title} · {} {}",
                    lang.pick("建设时序", "phased plan"),
                    phase.name
                ),
                date: date.to_string(),
                supply: None,
            };
            let png = map_image::render_map_marked(&after, profile, &assessment, &options, &marks)?
                .to_png()?;
            let tier_id = profile.tiers.get(t).map_or("", |t| t.id.as_str());
            maps.push(PhaseMap {
                phase: pi,
                tier: t,
                file: format!("plan_{:02}_{tier_id}.png", pi + 1),
                png,
            });
        }
    }
    Ok(maps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{LiveAssessment, PlanObjective, PlanPhase, PlanRequest, plan};

    fn demo_like() -> (Layers, Profile, Plan) {
        let (layers, mut profile) = crate::analysis::tests::tiny_case();
        profile.categories = ["shop", "school"]
            .iter()
            .map(|id| crate::model::CategoryInfo {
                id: id.to_string(),
                name_zh: if *id == "shop" { "商店" } else { "学校" }.into(),
                unit_cost: Some(100.0),
                ..Default::default()
            })
            .collect();
        let live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
        let request = PlanRequest {
            tiers: vec![0],
            township: None,
            joint: false,
            phases: vec![
                PlanPhase {
                    name: "=近期".into(),
                    budget: 100.0,
                },
                PlanPhase {
                    name: "远期".into(),
                    budget: 200.0,
                },
            ],
            objective: PlanObjective::PeopleCovered,
            max_candidates: 1000,
            capacity: None,
        };
        let plan = plan(&live, &request, &Progress::new()).unwrap();
        (layers, profile, plan)
    }

    #[test]
    fn csv_and_geojson_list_every_step() {
        let (layers, profile, plan) = demo_like();
        assert!(!plan.steps.is_empty());
        let text = plan_csv(&plan, &profile, &layers.townships, Lang::Zh);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "phase,step,category,name,township,lon,lat,cost,gain,cumulative_cost,complete_share,tier"
        );
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), plan.steps.len());
        // A phase name that looks like a formula is kept as text.
        assert!(
            rows[0].starts_with("'=近期,1,shop,'=近期-1 商店,"),
            "{}",
            rows[0]
        );
        let doc: serde_json::Value =
            serde_json::from_str(&plan_geojson(&plan, &profile, &layers.townships, Lang::Zh))
                .unwrap();
        assert_eq!(doc["features"].as_array().unwrap().len(), plan.steps.len());
        assert_eq!(doc["features"][0]["properties"]["cost"], 100.0);
        let svg = curve_svg(&plan, &profile, Lang::En);
        assert!(svg.contains("<polyline") && svg.contains("=近期"));
    }

    /// The full report with a plan: its section in the HTML, its sheet in
    /// the workbook, its maps, `plan.csv` and `plan.geojson`.
    #[test]
    fn the_report_carries_the_plan() {
        let (layers, profile, plan) = demo_like();
        let assessment = assess(&layers, &profile, &Progress::new()).unwrap();
        let input = crate::report::ExportInput {
            layers: &layers,
            profile: &profile,
            assessment: &assessment,
            warnings: &[],
            data_files: &[],
            comparison: None,
            redundancy: None,
        };
        let dir =
            std::env::temp_dir().join(format!("lifecircle-plan-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let request = crate::report::ExportRequest {
            map_width_px: 500,
            ..crate::report::ExportRequest::new(&dir)
        };
        let written =
            crate::report::export_with_plan(&request, &input, Some(&plan), &Progress::new())
                .unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        for f in ["plan.csv", "plan.geojson", "maps/plan_01_t5.png"] {
            assert!(names.iter().any(|n| n == f), "{f} not in {names:?}");
        }
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(html.contains("建设时序 / Phased plan") && html.contains("<polyline"));
        let xlsx = std::fs::File::open(dir.join("report.xlsx")).unwrap();
        let mut zip = zip::ZipArchive::new(xlsx).unwrap();
        let mut book = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut book)
            .unwrap();
        assert!(book.contains("建设时序"), "{book}");
        assert!(
            zip.by_name("xl/charts/chart1.xml").is_ok(),
            "no curve chart"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn phase_maps_mark_the_sites() {
        let (layers, profile, plan) = demo_like();
        let maps = phase_maps(
            &layers,
            &profile,
            &plan,
            Lang::Zh,
            600,
            "t",
            "2026-01-01",
            &Progress::new(),
        )
        .unwrap();
        let phases_with_sites: std::collections::BTreeSet<usize> =
            plan.steps.iter().map(|s| s.phase).collect();
        assert_eq!(maps.len(), phases_with_sites.len());
        assert!(maps.iter().all(|m| m.png.starts_with(b"\x89PNG")));
    }
}
