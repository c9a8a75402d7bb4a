//! The report's tables in one neutral form, so that the workbook, the HTML
//! report and the CSV files show the same rows and the same numbers: a
//! header (optionally with column groups) and typed cells. Shares are
//! fractions 0–1 exactly as in `coverage.json`; each writer formats them.

use super::Lang;
use super::data::ReportData;
use crate::analysis::{AreaCoverage, BlindSpot, CoverageReport, TierCoverage};
use crate::model::Mode;

/// One cell, typed so that writers can format and colour it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    /// People (or hectares).
    Count(f64),
    /// A share 0–1, coloured against the 100 % goal.
    Share(f64),
    /// Minutes; `None` when nobody is covered.
    Minutes(Option<f64>),
    /// Longitude or latitude.
    Coord(f64),
    /// A difference of shares (b − a), 0–1 scale.
    Delta(f64),
    /// A whole number (ids, counts of things).
    Int(u64),
    /// A quantity shown with the given number of decimals (capacity
    /// units, supply per 1,000, loads).
    Number(f64, u8),
    Empty,
}

/// A table: column groups (label, span) above the headers, then rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Table {
    /// Spanning labels over the headers; empty when there are none. Their
    /// spans add up to the number of columns.
    pub groups: Vec<(String, usize)>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// The last row is a total (shown in bold).
    pub total_last: bool,
}

/// Goal status of a share, as in the app: met from 95 %, near from 70 %.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Goal {
    Met,
    Near,
    Far,
}

impl Goal {
    pub fn of(share: f64) -> Self {
        if share >= 0.95 {
            Goal::Met
        } else if share >= 0.70 {
            Goal::Near
        } else {
            Goal::Far
        }
    }
}

/// Name of the population column: people, or hectares for area demand.
pub(crate) fn population_label(d: &ReportData<'_>) -> String {
    if d.people() {
        d.lang.pick("人口", "population").into()
    } else {
        d.lang.pick("面积(公顷)", "area (ha)").into()
    }
}

/// Display name of tier `i` (falls back to the id in the report).
pub(crate) fn tier_name(d: &ReportData<'_>, i: usize, tier: &TierCoverage) -> String {
    d.input
        .profile
        .tiers
        .get(i)
        .filter(|t| t.id == tier.id)
        .or_else(|| d.input.profile.tiers.iter().find(|t| t.id == tier.id))
        .map_or(tier.id.as_str(), |t| t.display_name(d.lang.is_chinese()))
        .to_string()
}

/// Display name of a category.
pub(crate) fn category_name(d: &ReportData<'_>, id: &str) -> String {
    d.input
        .profile
        .category_name(id, d.lang.is_chinese())
        .to_string()
}

/// Whether `category` is required (not optional) in the tier with `tier_id`.
pub(crate) fn is_required(d: &ReportData<'_>, tier_id: &str, category: &str) -> bool {
    d.input
        .profile
        .tiers
        .iter()
        .find(|t| t.id == tier_id)
        .is_some_and(|t| t.categories.iter().any(|c| c == category))
}

/// Name of a travel mode.
pub(crate) fn mode_name(lang: Lang, mode: Mode) -> &'static str {
    match mode {
        Mode::Walk => lang.pick("步行", "walk"),
        Mode::Bike => lang.pick("骑行", "bike"),
        Mode::Drive => lang.pick("车行", "drive"),
    }
}

/// "District total" row label.
pub(crate) fn total_label(lang: Lang) -> &'static str {
    lang.pick("全区合计", "district total")
}

/// Townships then the district total: `(name, figures)`.
fn areas(report: &CoverageReport, lang: Lang) -> Vec<(&str, &AreaCoverage)> {
    let mut rows: Vec<(&str, &AreaCoverage)> = report
        .townships
        .iter()
        .map(|t| (t.name.as_str(), &t.figures))
        .collect();
    rows.push((total_label(lang), &report.total));
    rows
}

/// Blind-spot population per township (`[township][tier]`, the district
/// total at index `townships.len()`), summed from the assessment.
pub(crate) fn blind_spot_population(d: &ReportData<'_>) -> Vec<Vec<f64>> {
    let a = d.input.assessment;
    let towns = d.report.townships.len();
    let tiers = d.input.profile.tiers.len();
    let mut out = vec![vec![0.0; tiers]; towns + 1];
    for b in &a.blind_spots {
        let (r, t) = (b.resident as usize, b.tier as usize);
        let Some(Some(town)) = a.resident_township.get(r) else {
            continue;
        };
        let (Some(resident), true) = (a.demand.get(r), t < tiers) else {
            continue;
        };
        if let Some(row) = out.get_mut(*town as usize) {
            row[t] += resident.population;
            out[towns][t] += resident.population;
        }
    }
    out
}

/// Township × tier: population, complete share and blind-spot population.
pub(crate) fn summary(d: &ReportData<'_>) -> Table {
    let lang = d.lang;
    let tiers = &d.report.total.tiers;
    let mut headers = vec![
        lang.pick("乡镇", "township").to_string(),
        population_label(d),
    ];
    let mut groups = vec![(String::new(), 2)];
    let blind_label = if d.people() {
        lang.pick("盲区人口", "blind-spot population")
    } else {
        lang.pick("盲区面积(公顷)", "blind-spot area (ha)")
    };
    for (i, t) in tiers.iter().enumerate() {
        groups.push((tier_name(d, i, t), 2));
        headers.push(lang.pick("完整覆盖率", "complete share").into());
        headers.push(blind_label.into());
    }
    let blind = blind_spot_population(d);
    let rows = areas(&d.report, lang)
        .into_iter()
        .enumerate()
        .map(|(a, (name, figures))| {
            let mut row = vec![Cell::Text(name.into()), Cell::Count(figures.population)];
            for (i, t) in figures.tiers.iter().enumerate() {
                row.push(Cell::Share(t.complete_share));
                row.push(Cell::Count(
                    blind.get(a).and_then(|b| b.get(i)).copied().unwrap_or(0.0),
                ));
            }
            row
        })
        .collect();
    Table {
        groups,
        headers,
        rows,
        total_last: true,
    }
}

/// One tier, township × category: covered share, mean and 90th-percentile
/// minutes (three columns per category), after population and complete share.
pub(crate) fn tier_detail(d: &ReportData<'_>, tier: usize) -> Table {
    let lang = d.lang;
    let Some(total) = d.report.total.tiers.get(tier) else {
        return Table::default();
    };
    let mut groups = vec![(String::new(), 3)];
    let mut headers = vec![
        lang.pick("乡镇", "township").to_string(),
        population_label(d),
        lang.pick("完整覆盖率", "complete share").into(),
    ];
    for c in &total.categories {
        let mut name = category_name(d, &c.id);
        if !is_required(d, &total.id, &c.id) {
            name.push_str(lang.pick("（可选）", " (optional)"));
        }
        groups.push((name, 3));
        headers.push(lang.pick("覆盖率", "covered share").into());
        headers.push(lang.pick("平均(分钟)", "mean (min)").into());
        headers.push(lang.pick("90%(分钟)", "p90 (min)").into());
    }
    let rows = areas(&d.report, lang)
        .into_iter()
        .map(|(name, figures)| {
            let mut row = vec![Cell::Text(name.into()), Cell::Count(figures.population)];
            match figures.tiers.get(tier) {
                Some(t) => {
                    row.push(Cell::Share(t.complete_share));
                    for c in &t.categories {
                        row.push(Cell::Share(c.covered_share));
                        row.push(Cell::Minutes(c.mean_minutes));
                        row.push(Cell::Minutes(c.p90_minutes));
                    }
                }
                None => row.resize(headers.len(), Cell::Empty),
            }
            row
        })
        .collect();
    Table {
        groups,
        headers,
        rows,
        total_last: true,
    }
}

/// One tier, township × category covered shares only (narrow enough for a
/// printed page).
pub(crate) fn tier_shares(d: &ReportData<'_>, tier: usize) -> Table {
    let lang = d.lang;
    let Some(total) = d.report.total.tiers.get(tier) else {
        return Table::default();
    };
    let mut headers = vec![
        lang.pick("乡镇", "township").to_string(),
        population_label(d),
        lang.pick("完整覆盖率", "complete share").into(),
    ];
    for c in &total.categories {
        let mut name = category_name(d, &c.id);
        if !is_required(d, &total.id, &c.id) {
            name.push_str(lang.pick("（可选）", " (optional)"));
        }
        headers.push(name);
    }
    let rows = areas(&d.report, lang)
        .into_iter()
        .map(|(name, figures)| {
            let mut row = vec![Cell::Text(name.into()), Cell::Count(figures.population)];
            if let Some(t) = figures.tiers.get(tier) {
                row.push(Cell::Share(t.complete_share));
                row.extend(t.categories.iter().map(|c| Cell::Share(c.covered_share)));
            }
            row.resize(headers.len(), Cell::Empty);
            row
        })
        .collect();
    Table {
        groups: Vec::new(),
        headers,
        rows,
        total_last: true,
    }
}

/// One township and tier, one row per category: required or not, covered
/// population and share, mean and 90th-percentile minutes.
pub(crate) fn township_tier(d: &ReportData<'_>, township: usize, tier: usize) -> Table {
    let lang = d.lang;
    let Some(t) = d
        .report
        .townships
        .get(township)
        .and_then(|t| t.figures.tiers.get(tier))
    else {
        return Table::default();
    };
    let covered = if d.people() {
        lang.pick("覆盖人口", "covered population")
    } else {
        lang.pick("覆盖面积(公顷)", "covered area (ha)")
    };
    let headers = vec![
        lang.pick("设施类别", "category").to_string(),
        lang.pick("必配", "required").into(),
        covered.into(),
        lang.pick("覆盖率", "covered share").into(),
        lang.pick("平均(分钟)", "mean (min)").into(),
        lang.pick("90%(分钟)", "p90 (min)").into(),
    ];
    let rows = t
        .categories
        .iter()
        .map(|c| {
            vec![
                Cell::Text(category_name(d, &c.id)),
                Cell::Text(yes_no(lang, is_required(d, &t.id, &c.id)).into()),
                Cell::Count(c.covered_population),
                Cell::Share(c.covered_share),
                Cell::Minutes(c.mean_minutes),
                Cell::Minutes(c.p90_minutes),
            ]
        })
        .collect();
    Table {
        groups: Vec::new(),
        headers,
        rows,
        total_last: false,
    }
}

fn yes_no(lang: Lang, yes: bool) -> &'static str {
    if yes {
        lang.pick("是", "yes")
    } else {
        lang.pick("否", "no")
    }
}

/// Headers of the blind-spot table.
fn blind_spot_headers(d: &ReportData<'_>) -> Vec<String> {
    let lang = d.lang;
    vec![
        lang.pick("生活圈", "tier").to_string(),
        lang.pick("乡镇", "township").into(),
        lang.pick("经度", "longitude").into(),
        lang.pick("纬度", "latitude").into(),
        population_label(d),
        lang.pick("缺失类别数", "missing categories").into(),
        lang.pick("缺失设施类别", "missing").into(),
    ]
}

/// One blind spot: tier, township, location, population and the missing
/// categories.
fn blind_spot_row(d: &ReportData<'_>, b: &BlindSpot) -> Option<Vec<Cell>> {
    let lang = d.lang;
    let zh = lang.is_chinese();
    let a = d.input.assessment;
    let profile = d.input.profile;
    let tier = profile.tiers.get(b.tier as usize)?;
    let r = a.demand.get(b.resident as usize)?;
    let township = match a.resident_township.get(b.resident as usize) {
        Some(Some(t)) => d.input.layers.townships.get(*t as usize)?.name.clone(),
        _ => lang.pick("区外", "outside").into(),
    };
    let missing: Vec<&str> = b
        .missing_ids(tier)
        .map(|id| profile.category_name(id, zh))
        .collect();
    Some(vec![
        Cell::Text(tier.display_name(zh).into()),
        Cell::Text(township),
        Cell::Coord(r.location.x()),
        Cell::Coord(r.location.y()),
        Cell::Count(r.population),
        Cell::Int(u64::from(b.missing_count())),
        Cell::Text(missing.join(lang.pick("、", ", "))),
    ])
}

/// Every blind spot (see [`blind_spot_row`]); at most `max_rows` rows (the
/// flag says when cut).
pub(crate) fn blind_spots(d: &ReportData<'_>, max_rows: Option<usize>) -> (Table, bool) {
    let limit = max_rows.unwrap_or(usize::MAX);
    let rows: Vec<Vec<Cell>> = d
        .input
        .assessment
        .blind_spots
        .iter()
        .filter_map(|b| blind_spot_row(d, b))
        .take(limit.saturating_add(1))
        .collect();
    let cut = rows.len() > limit;
    let rows = rows.into_iter().take(limit).collect();
    (
        Table {
            groups: Vec::new(),
            headers: blind_spot_headers(d),
            rows,
            total_last: false,
        },
        cut,
    )
}

/// Every blind spot as CSV, streamed into `out` row by row (the same text as
/// [`csv`] of [`blind_spots`], without the table in memory).
pub(crate) fn write_blind_spots_csv(
    out: &mut dyn std::io::Write,
    d: &ReportData<'_>,
) -> std::io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(super::csv_safe(blind_spot_headers(d)))?;
    for b in &d.input.assessment.blind_spots {
        if let Some(row) = blind_spot_row(d, b) {
            w.write_record(super::csv_safe(row.iter().map(csv_field)))?;
        }
    }
    w.flush()
}

/// Every facility: number, name, category, township, location, people
/// within each tier (blank when the tier does not list its category), and
/// the redundancy flag when known.
pub(crate) fn facilities(d: &ReportData<'_>) -> Table {
    let lang = d.lang;
    let zh = lang.is_chinese();
    let input = d.input;
    let within = if d.people() {
        lang.pick("可达人口", "people within")
    } else {
        lang.pick("可达面积(公顷)", "area within (ha)")
    };
    let mut headers = vec![
        lang.pick("编号", "no.").to_string(),
        lang.pick("名称", "name").into(),
        lang.pick("设施类别", "category").into(),
        lang.pick("类别代码", "category id").into(),
        lang.pick("乡镇", "township").into(),
        lang.pick("经度", "longitude").into(),
        lang.pick("纬度", "latitude").into(),
    ];
    for t in &input.profile.tiers {
        headers.push(format!("{} {within}", t.display_name(zh)));
    }
    if input.redundancy.is_some() {
        headers.push(lang.pick("冗余", "redundant").into());
    }
    let rows = input
        .layers
        .facilities
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let catchment = d.catchments.as_ref().and_then(|c| c.get(i));
            let township = catchment
                .and_then(|c| c.township)
                .and_then(|t| input.layers.townships.get(t as usize))
                .map_or_else(
                    || {
                        if catchment.is_some() {
                            lang.pick("区外", "outside").to_string()
                        } else {
                            String::new()
                        }
                    },
                    |t| t.name.clone(),
                );
            let mut row = vec![
                Cell::Int(i as u64 + 1),
                Cell::Text(f.name.clone()),
                Cell::Text(input.profile.category_name(&f.category, zh).into()),
                Cell::Text(f.category.clone()),
                Cell::Text(township),
                Cell::Coord(f.location.x()),
                Cell::Coord(f.location.y()),
            ];
            for t in 0..input.profile.tiers.len() {
                row.push(
                    match catchment.and_then(|c| c.population.get(t).copied().flatten()) {
                        Some(p) => Cell::Count(p),
                        None => Cell::Empty,
                    },
                );
            }
            if let Some(flags) = input.redundancy {
                row.push(match flags.get(i) {
                    Some(&r) => Cell::Text(yes_no(lang, r).into()),
                    None => Cell::Empty,
                });
            }
            row
        })
        .collect();
    Table {
        groups: Vec::new(),
        headers,
        rows,
        total_last: false,
    }
}

/// Both layouts' shares and their difference, per township (and the
/// district), tier, and the complete share then each category. `None`
/// without a comparison.
pub(crate) fn comparison(d: &ReportData<'_>) -> Option<Table> {
    let cmp = d.input.comparison.as_ref()?;
    let lang = d.lang;
    let headers = vec![
        lang.pick("乡镇", "township").to_string(),
        lang.pick("生活圈", "tier").into(),
        lang.pick("指标", "measure").into(),
        cmp.base_label.clone(),
        cmp.label.clone(),
        lang.pick("差值", "difference").into(),
    ];
    let complete = lang.pick("完整覆盖率", "complete share");
    let mut rows = Vec::new();
    let others = areas(cmp.report, lang);
    for (name, a) in areas(&d.report, lang) {
        let is_total = name == total_label(lang);
        let b = if is_total {
            others.last().map(|o| o.1)
        } else {
            cmp.report.township(name).map(|t| &t.figures)
        };
        for (i, ta) in a.tiers.iter().enumerate() {
            let tb = b.and_then(|b| b.tier(&ta.id));
            let tier = tier_name(d, i, ta);
            let mut push = |measure: String, va: f64, vb: Option<f64>| {
                rows.push(vec![
                    Cell::Text(name.into()),
                    Cell::Text(tier.clone()),
                    Cell::Text(measure),
                    Cell::Share(va),
                    vb.map_or(Cell::Empty, Cell::Share),
                    vb.map_or(Cell::Empty, |vb| Cell::Delta(vb - va)),
                ]);
            };
            push(
                complete.into(),
                ta.complete_share,
                tb.map(|t| t.complete_share),
            );
            for c in &ta.categories {
                let vb = tb.and_then(|t| t.category(&c.id)).map(|c| c.covered_share);
                push(category_name(d, &c.id), c.covered_share, vb);
            }
        }
    }
    Some(Table {
        groups: Vec::new(),
        headers,
        rows,
        total_last: false,
    })
}

/// The other layout's road and population changes, one row each: what,
/// its class or population, its length in km or its factor. `None` without
/// a comparison that has any.
pub(crate) fn scenario_changes(d: &ReportData<'_>) -> Option<Table> {
    let scenario = d.input.comparison.as_ref()?.detail.as_ref()?.scenario;
    if scenario.is_empty() {
        return None;
    }
    let lang = d.lang;
    let km = |line: &geo::LineString<f64>| {
        line.0
            .windows(2)
            .map(|w| crate::geodesy::ellipsoid_distance([w[0].x, w[0].y], [w[1].x, w[1].y]))
            .sum::<f64>()
            / 1000.0
    };
    let text = |s: &str| Cell::Text(s.to_string());
    let mut rows = Vec::new();
    for r in &scenario.roads_added {
        rows.push(vec![
            text(lang.pick("新增道路", "road added")),
            text(r.highway.as_deref().unwrap_or("")),
            Cell::Number(km(&r.line), 2),
        ]);
    }
    for c in &scenario.roads_closed {
        rows.push(vec![
            text(lang.pick("封闭道路", "road closed")),
            Cell::Empty,
            Cell::Number(km(c), 2),
        ]);
    }
    for a in &scenario.residential_areas {
        rows.push(vec![
            text(lang.pick("新增居住区", "residential area added")),
            Cell::Count(a.population),
            Cell::Empty,
        ]);
    }
    if !scenario.residents_added.is_empty() {
        rows.push(vec![
            text(lang.pick("新增居民点", "residents added")),
            Cell::Count(scenario.residents_added.iter().map(|r| r.population).sum()),
            Cell::Empty,
        ]);
    }
    for c in &scenario.population_changes {
        rows.push(vec![
            text(lang.pick("调整人口", "population scaled")),
            Cell::Empty,
            Cell::Number(c.factor, 2),
        ]);
    }
    Some(Table {
        groups: Vec::new(),
        headers: vec![
            lang.pick("道路与人口变更", "road and population change")
                .into(),
            lang.pick("道路等级 / 人口", "class / population").into(),
            lang.pick("长度 (km) / 倍数", "length (km) / factor").into(),
        ],
        rows,
        total_last: false,
    })
}

/// How the figures were computed: profile, speeds, tiers, data files,
/// counts, date and warnings, as (item, value) rows.
pub(crate) fn method(d: &ReportData<'_>, extra_warnings: &[String]) -> Table {
    let lang = d.lang;
    let zh = lang.is_chinese();
    let p = d.input.profile;
    let m = &d.report.method;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut text = |k: &str, v: String| rows.push(vec![Cell::Text(k.into()), Cell::Text(v)]);
    text(lang.pick("报告日期", "date"), d.date.clone());
    text(
        lang.pick("软件", "software"),
        format!("LifeCircle {}", env!("CARGO_PKG_VERSION")),
    );
    text(lang.pick("评估方案", "profile"), p.name.clone());
    if let Some(note) = &p.note {
        text(lang.pick("方案说明", "profile note"), note.clone());
    }
    text(
        lang.pick("需求", "demand"),
        if d.people() {
            lang.pick("居民点人口", "residents (people)")
        } else {
            lang.pick(
                "无居民点图层：按面积（100 米网格，公顷）",
                "no residents layer: area (100 m grid, hectares)",
            )
        }
        .into(),
    );
    text(
        lang.pick("距离", "distance"),
        match m.detour_factor {
            None => lang
                .pick("路网最短路径", "shortest path on the road network")
                .into(),
            Some(f) => format!(
                "{} {f}",
                lang.pick("直线距离 × 绕行系数", "straight line × detour factor")
            ),
        },
    );
    text(lang.pick("投影", "projection"), m.projection.clone());
    text(
        lang.pick("最大接驳距离", "longest connector"),
        format!("{} m", m.max_connector_m),
    );
    text(
        lang.pick("步行速度", "walking speed"),
        format!("{} km/h", m.walk_kmh),
    );
    text(
        lang.pick("骑行速度", "cycling speed"),
        format!("{} km/h", m.bike_kmh),
    );
    let drive: Vec<String> = p
        .modes
        .drive
        .speeds_kmh
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .chain(std::iter::once(format!(
            "{} {}",
            lang.pick("其他", "other"),
            p.modes.drive.other_kmh
        )))
        .collect();
    text(
        lang.pick(
            "车行速度(km/h，有 maxspeed 时用之)",
            "driving speeds (km/h, maxspeed when given)",
        ),
        drive.join(", "),
    );
    let names = |ids: &[String]| {
        ids.iter()
            .map(|c| p.category_name(c, zh))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", "))
    };
    for t in &p.tiers {
        let mut v = format!(
            "{} {} · {} · {}: {}",
            t.minutes,
            lang.pick("分钟", "min"),
            mode_name(lang, t.mode),
            lang.pick("必配", "required"),
            names(&t.categories)
        );
        if !t.optional.is_empty() {
            v.push_str(&format!(
                "; {}: {}",
                lang.pick("可选", "optional"),
                names(&t.optional)
            ));
        }
        text(t.display_name(zh), v);
    }
    for f in d.input.data_files {
        let kind = match f.kind.as_str() {
            "townships" => lang.pick("乡镇边界", "townships"),
            "facilities" => lang.pick("设施点", "facilities"),
            "residents" => lang.pick("居民点", "residents"),
            "roads" => lang.pick("道路", "roads"),
            "profile" => lang.pick("评估方案", "profile"),
            other => other,
        };
        let mut v = f.path.display().to_string();
        if let Some(n) = f.features {
            v.push_str(&format!(" ({n} {})", lang.pick("个要素", "features")));
        }
        text(&format!("{} {kind}", lang.pick("数据文件", "data file")), v);
    }
    let count = |k: &str, v: usize| (k.to_string(), v);
    for (k, v) in [
        count(lang.pick("乡镇数", "townships"), m.townships),
        count(lang.pick("设施数", "facilities"), m.facilities),
        count(lang.pick("需求点数", "demand points"), m.residents),
        count(lang.pick("路网节点", "road nodes"), m.road_nodes),
        count(lang.pick("路段", "road segments"), m.road_segments),
    ] {
        rows.push(vec![Cell::Text(k), Cell::Int(v as u64)]);
    }
    rows.push(vec![
        Cell::Text(lang.pick("区外人口", "outside every township").into()),
        Cell::Count(d.report.outside_population),
    ]);
    rows.push(vec![
        Cell::Text(
            lang.pick(
                "无路可达人口(1 公里内无可用道路)",
                "unreachable (no usable road within 1 km)",
            )
            .into(),
        ),
        Cell::Count(d.report.unreachable_population),
    ]);
    let mut text = |k: &str, v: String| rows.push(vec![Cell::Text(k.into()), Cell::Text(v)]);
    text(
        lang.pick("目标与颜色", "goal and colours"),
        lang.pick(
            "目标 100% 覆盖；绿色 ≥95%，黄色 ≥70%，红色 <70%",
            "goal 100 % coverage; green ≥ 95 %, yellow ≥ 70 %, red < 70 %",
        )
        .into(),
    );
    text(
        lang.pick("方法", "method"),
        lang.pick(
            "METHOD.md：居民与设施接入最近可用路段；出行时间 = 接驳 + 路网最短路径 + 接驳；在阈值内（含）即覆盖，覆盖全部必配类别即完整覆盖",
            "METHOD.md: residents and facilities attach to the nearest usable road; time = connector + shortest network path + connector; covered when within the threshold (inclusive), complete when covered for every required category",
        )
        .into(),
    );
    for w in d.report.warnings.iter().chain(extra_warnings) {
        text(lang.pick("警告", "warning"), w.clone());
    }
    Table {
        groups: Vec::new(),
        headers: vec![
            lang.pick("项目", "item").into(),
            lang.pick("内容", "value").into(),
        ],
        rows,
        total_last: false,
    }
}

/// A number without needless decimals: whole numbers plainly, others with
/// up to `decimals` digits.
pub(crate) fn plain_number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.into() }
    } else {
        s
    }
}

/// A cell as CSV text: shares and differences as fractions with 4
/// decimals, minutes with 3, coordinates with 7.
fn csv_field(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Count(x) => plain_number(*x, 3),
        Cell::Share(x) | Cell::Delta(x) => format!("{x:.4}"),
        Cell::Minutes(m) => m.map_or(String::new(), |m| format!("{m:.3}")),
        Cell::Coord(x) => format!("{x:.7}"),
        Cell::Int(n) => n.to_string(),
        Cell::Number(x, _) => plain_number(*x, 3),
        Cell::Empty => String::new(),
    }
}

/// A table as CSV (UTF-8 with a BOM for Excel): column groups, when there
/// are any, are folded into the headers. Shares and differences are
/// fractions with 4 decimals, as in `coverage.csv`.
pub(crate) fn csv(table: &Table) -> String {
    let mut headers = table.headers.clone();
    let mut col = 0;
    for (label, span) in &table.groups {
        for h in headers.iter_mut().skip(col).take(*span) {
            if !label.is_empty() {
                *h = format!("{label} {h}");
            }
        }
        col += span;
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(super::csv_safe(&headers));
    for row in &table.rows {
        let _ = w.write_record(super::csv_safe(row.iter().map(csv_field)));
    }
    let bytes = w.into_inner().unwrap_or_default();
    let mut out = String::from('\u{feff}');
    out.push_str(&String::from_utf8_lossy(&bytes));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_needless_decimals() {
        assert_eq!(plain_number(12.0, 3), "12");
        assert_eq!(plain_number(12.5, 3), "12.5");
        assert_eq!(plain_number(0.1234567, 3), "0.123");
        assert_eq!(plain_number(-0.0001, 3), "0");
        assert_eq!(plain_number(f64::NAN, 3), "");
    }

    #[test]
    fn goal_thresholds_match_the_app() {
        assert_eq!(Goal::of(0.95), Goal::Met);
        assert_eq!(Goal::of(0.7), Goal::Near);
        assert_eq!(Goal::of(0.69), Goal::Far);
    }

    #[test]
    fn csv_folds_groups_into_headers() {
        let t = Table {
            groups: vec![(String::new(), 1), ("A".into(), 2)],
            headers: vec!["x".into(), "s".into(), "m".into()],
            rows: vec![vec![
                Cell::Text("t".into()),
                Cell::Share(0.5),
                Cell::Minutes(None),
            ]],
            total_last: false,
        };
        let text = csv(&t);
        assert_eq!(text, "\u{feff}x,A s,A m\nt,0.5000,\n");
    }
}
