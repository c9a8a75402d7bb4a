//! The HTML report (`report.html`): one self-contained file — maps and the
//! font embedded as base64 data URIs — with the district summary, the maps,
//! per-tier tables, a section per township, the comparison when given, and
//! the method and data sources. Printing it from a browser gives A4 pages
//! with every township starting on a new page.

use super::data::{MapImage, ReportData};
use super::glyphs::FONT;
use super::tables::{self, Cell, Goal, Table, plain_number};

/// The whole report as one HTML document; `maps` are embedded where their
/// tier and township are described.
pub fn document(d: &ReportData<'_>, maps: &[MapImage]) -> String {
    let lang = d.lang;
    let mut h = String::with_capacity(4_000_000);
    h.push_str("<!DOCTYPE html>\n<html lang=\"");
    h.push_str(lang.pick("zh-CN", "en"));
    h.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    h.push_str(&esc(&d.title));
    h.push_str("</title>\n<style>\n@font-face { font-family: \"LifeCircle Sans\"; src: url(data:font/otf;base64,");
    h.push_str(&base64(FONT));
    h.push_str(") format(\"opentype\"); }\n");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n");

    // Cover: title, what was assessed, key figures.
    h.push_str("<header>\n<h1>");
    h.push_str(&esc(&d.title));
    h.push_str("</h1>\n<p class=\"meta\">");
    h.push_str(&esc(&format!(
        "{}: {} · {} · {}",
        lang.pick("评估方案", "Profile"),
        d.input.profile.name,
        if d.people() {
            lang.pick("按人口", "by population")
        } else {
            lang.pick("按面积(公顷)", "by area (ha)")
        },
        d.date
    )));
    h.push_str("</p>\n<div class=\"cards\">\n");
    let blind = tables::blind_spot_population(d);
    let towns = d.report.townships.len();
    for (i, t) in d.report.total.tiers.iter().enumerate() {
        let goal = class(Goal::of(t.complete_share));
        let blind_total = blind.get(towns).and_then(|b| b.get(i)).copied();
        h.push_str(&format!(
            "<div class=\"card {goal}\"><div class=\"card-name\">{}</div><div class=\"card-value\">{:.1}%</div><div class=\"card-note\">{} · {} {}</div></div>\n",
            esc(&tables::tier_name(d, i, t)),
            t.complete_share * 100.0,
            esc(lang.pick("完整覆盖率", "complete share")),
            esc(lang.pick("盲区", "blind spots")),
            esc(&count(d, blind_total.unwrap_or(0.0))),
        ));
    }
    h.push_str("</div>\n</header>\n");

    // District summary.
    section(&mut h, "summary", lang.pick("全区汇总", "District summary"));
    h.push_str(&format!(
        "<p>{} {} · {} {} · {} {}</p>\n",
        esc(lang.pick("乡镇", "Townships:")),
        towns,
        esc(&tables::population_label(d)),
        esc(&count(d, d.report.total.population)),
        esc(lang.pick("区外", "outside townships:")),
        esc(&count(d, d.report.outside_population)),
    ));
    table(&mut h, &tables::summary(d), d);
    h.push_str(&format!(
        "<p class=\"note\">{}</p>\n</section>\n",
        esc(lang.pick(
            "颜色：目标 100% 覆盖；绿色 ≥95%，黄色 ≥70%，红色 <70%。盲区：未在生活圈内覆盖全部必配设施类别的居民。",
            "Colours: the goal is 100 %; green ≥ 95 %, yellow ≥ 70 %, red < 70 %. Blind spots: residents that do not reach every required category of a tier."
        ))
    ));

    // District maps, one per tier, each on its own page.
    for m in maps
        .iter()
        .filter(|m| m.township.is_none() && m.supply.is_none() && !m.difference)
    {
        figure(&mut h, d, m, "map-page");
    }

    // Per tier: township × category shares.
    for (i, t) in d.report.total.tiers.iter().enumerate() {
        section(&mut h, "tier", &tables::tier_name(d, i, t));
        h.push_str(&format!(
            "<p>{} {} · {} · {}</p>\n",
            plain_number(t.minutes, 2),
            esc(lang.pick("分钟", "minutes")),
            esc(tables::mode_name(lang, t.mode)),
            esc(lang.pick(
                "各乡镇各类设施的覆盖率（平均与 90% 出行时间见 Excel）",
                "covered share per township and category (mean and 90th-percentile minutes are in the workbook)"
            )),
        ));
        table(&mut h, &tables::tier_shares(d, i), d);
        if let Some(t) = super::sharing::town_village_table(d, i) {
            h.push_str(&format!(
                "<h3>{}</h3>\n",
                esc(lang.pick("城乡对比（镇区与乡村）", "Town and village"))
            ));
            table(&mut h, &t, d);
        }
        h.push_str("</section>\n");
    }

    // Supply and demand (供需): per tier × category with a standard, its
    // table and map, then every facility's load.
    if !d.input.assessment.capacity.is_empty() {
        section(&mut h, "supply", lang.pick("供需", "Supply and demand"));
        h.push_str(&format!(
            "<p>{}</p>\n",
            esc(lang.pick(
                "两步移动搜寻法（2SFCA）：每个设施的容量按其服务范围内的需求分摊；每千人供给与千人指标比较，缺口以设施单位计。",
                "Two-step floating catchment (2SFCA): each facility's capacity is shared among the demand within its reach; supply per 1,000 is set against the standard, the shortfall is in the category's unit."
            ))
        ));
        for (k, capacity) in d.input.assessment.capacity.iter().enumerate() {
            h.push_str(&format!(
                "<h3>{}</h3>\n",
                esc(&super::supply::heading(d, capacity))
            ));
            table(&mut h, &super::supply::supply_table(d, capacity), d);
            for m in maps.iter().filter(|m| m.supply == Some(k)) {
                figure(&mut h, d, m, "map");
            }
        }
        h.push_str(&format!(
            "<h3>{}</h3>\n",
            esc(lang.pick("设施负荷", "Facility loads"))
        ));
        table(&mut h, &super::supply::facility_load_table(d), d);
        h.push_str("</section>\n");
    }

    // One section per township.
    for (ti, town) in d.report.townships.iter().enumerate() {
        h.push_str("<section class=\"township\">\n<h2>");
        h.push_str(&esc(&town.name));
        h.push_str("</h2>\n");
        h.push_str(&format!(
            "<p>{} {}</p>\n<table class=\"keys\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>\n",
            esc(&tables::population_label(d)),
            esc(&count(d, town.figures.population)),
            esc(lang.pick("生活圈", "tier")),
            esc(lang.pick("完整覆盖率", "complete share")),
            esc(lang.pick("盲区", "blind spots")),
        ));
        for (i, t) in town.figures.tiers.iter().enumerate() {
            h.push_str(&format!(
                "<tr><td>{}</td><td class=\"num {}\">{:.1}%</td><td class=\"num\">{}</td></tr>\n",
                esc(&tables::tier_name(d, i, t)),
                class(Goal::of(t.complete_share)),
                t.complete_share * 100.0,
                esc(&count(
                    d,
                    blind.get(ti).and_then(|b| b.get(i)).copied().unwrap_or(0.0)
                )),
            ));
        }
        h.push_str("</tbody></table>\n");
        for (i, t) in town.figures.tiers.iter().enumerate() {
            h.push_str("<h3>");
            h.push_str(&esc(&tables::tier_name(d, i, t)));
            h.push_str("</h3>\n");
            table(&mut h, &tables::township_tier(d, ti, i), d);
        }
        for m in maps
            .iter()
            .filter(|m| m.township == Some(ti) && m.supply.is_none())
        {
            figure(&mut h, d, m, "map");
        }
        h.push_str("</section>\n");
    }

    // Scorecard (对标) pages: one per township.
    for card in &d.scorecards {
        section(
            &mut h,
            "scorecard",
            &format!(
                "{} · {}",
                card.township,
                lang.pick("对标与短板", "scorecard")
            ),
        );
        table(
            &mut h,
            &super::scorecard::tier_table(card, d.input.profile, lang),
            d,
        );
        if !card.shortfalls.is_empty() {
            h.push_str(&format!(
                "<h3>{}</h3>\n",
                esc(lang.pick(
                    "短板（未覆盖人口最多的必配设施）",
                    "Shortfalls (required categories with the most people not covered)"
                ))
            ));
            table(
                &mut h,
                &super::scorecard::shortfall_table(card, d.input.profile, lang),
                d,
            );
        }
        h.push_str("</section>\n");
    }

    if let Some(mut t) = tables::comparison(d) {
        section(
            &mut h,
            "comparison",
            lang.pick("方案对比", "Comparison of layouts"),
        );
        // Complete shares only; every category is compared in the workbook.
        let complete = lang.pick("完整覆盖率", "complete share");
        t.rows
            .retain(|r| matches!(r.get(2), Some(Cell::Text(m)) if m == complete));
        t.headers.remove(2);
        for r in &mut t.rows {
            r.remove(2);
        }
        h.push_str(&format!(
            "<p>{}</p>\n",
            esc(lang.pick(
                "各乡镇完整覆盖率对比；差值为百分点，各类设施的对比见 Excel。",
                "Complete share per township; the difference is in percentage points. Every category is compared in the workbook."
            ))
        ));
        table(&mut h, &t, d);
        if let Some(changes) = tables::scenario_changes(d) {
            h.push_str(&format!(
                "<h3>{}</h3>\n",
                esc(lang.pick("道路与人口变更", "Road and population changes"))
            ));
            table(&mut h, &changes, d);
        }
        for m in maps.iter().filter(|m| m.difference) {
            figure(&mut h, d, m, "map");
        }
        h.push_str("</section>\n");
    }

    if let Some(part) = &d.plan {
        plan_section(&mut h, d, part);
    }

    section(&mut h, "method", lang.pick("方法与数据", "Method and data"));
    table(&mut h, &tables::method(d, &[]), d);
    h.push_str("</section>\n</body>\n</html>\n");
    h
}

/// The phased plan (建设时序): phases, the curve of complete share against
/// cumulative cost, the steps, and a map per phase.
fn plan_section(h: &mut String, d: &ReportData<'_>, part: &super::plan::PlanPart) {
    let lang = d.lang;
    let (plan, profile) = (&part.plan, d.input.profile);
    section(
        h,
        "plan",
        lang.pick("建设时序 / Phased plan", "Phased plan / 建设时序"),
    );
    h.push_str(&format!(
        "<p>{}</p>\n",
        esc(&super::plan::method_note(plan, lang))
    ));
    table(h, &super::plan::phases_table(plan, profile, lang), d);
    h.push_str(&format!(
        "<h3>{}</h3>\n<figure class=\"curve\">{}</figure>\n",
        esc(lang.pick(
            "完整覆盖率与累计投资",
            "Complete share against cumulative cost"
        )),
        super::plan::curve_svg(plan, profile, lang)
    ));
    table(
        h,
        &super::plan::steps_table(plan, profile, &d.input.layers.townships, lang),
        d,
    );
    for m in &part.maps {
        let phase = plan.phases.get(m.phase).map_or("", |p| p.name.as_str());
        let tier = profile
            .tiers
            .get(m.tier)
            .map_or("", |t| t.display_name(lang.is_chinese()));
        let caption = format!("{phase} · {tier}");
        h.push_str(&format!(
            "<figure class=\"map\"><img src=\"data:image/png;base64,{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
            base64(&m.png),
            esc(&caption),
            esc(&caption)
        ));
    }
    h.push_str("</section>\n");
}

/// A document of the plan alone (`plan.html`): title, the plan section.
pub fn plan_document(d: &ReportData<'_>) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"");
    h.push_str(d.lang.pick("zh-CN", "en"));
    h.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    h.push_str(&esc(&d.title));
    h.push_str("</title>\n<style>\n@font-face { font-family: \"LifeCircle Sans\"; src: url(data:font/otf;base64,");
    h.push_str(&base64(FONT));
    h.push_str(") format(\"opentype\"); }\n");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n<header>\n<h1>");
    h.push_str(&esc(&d.title));
    h.push_str("</h1>\n</header>\n");
    if let Some(part) = &d.plan {
        plan_section(&mut h, d, part);
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn section(h: &mut String, class: &str, title: &str) {
    h.push_str(&format!(
        "<section class=\"{class}\">\n<h2>{}</h2>\n",
        esc(title)
    ));
}

/// A map as an embedded image with a caption.
fn figure(h: &mut String, d: &ReportData<'_>, m: &MapImage, class: &str) {
    let profile = d.input.profile;
    let tier = profile
        .tiers
        .get(m.tier)
        .map_or("", |t| t.display_name(d.lang.is_chinese()));
    let place = m
        .township
        .and_then(|t| d.input.layers.townships.get(t))
        .map_or(d.lang.pick("全区", "District"), |t| t.name.as_str());
    let caption = match m.supply.and_then(|k| d.input.assessment.capacity.get(k)) {
        _ if m.difference => {
            let names = d
                .input
                .comparison
                .as_ref()
                .map_or(String::new(), |c| format!("{} − {}", c.label, c.base_label));
            format!("{place} · {tier} · {names}")
        }
        Some(table) => format!(
            "{place} · {tier} · {}",
            profile.category_name(&table.category, d.lang.is_chinese())
        ),
        None => format!("{place} · {tier}"),
    };
    h.push_str(&format!(
        "<figure class=\"{class}\"><img src=\"data:image/png;base64,{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
        base64(&m.png),
        esc(&caption),
        esc(&caption)
    ));
}

/// CSS class of a goal status.
fn class(goal: Goal) -> &'static str {
    match goal {
        Goal::Met => "met",
        Goal::Near => "near",
        Goal::Far => "far",
    }
}

/// People (whole) or hectares (one decimal), with thousands separators.
fn count(d: &ReportData<'_>, x: f64) -> String {
    group_thousands(&plain_number(x, if d.people() { 0 } else { 1 }))
}

/// `1234567.5` → `1,234,567.5`.
fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let mut s = format!("{sign}{out}");
    if let Some(f) = frac {
        s.push('.');
        s.push_str(f);
    }
    s
}

/// A table with goal colours on shares.
fn table(h: &mut String, t: &Table, d: &ReportData<'_>) {
    h.push_str(if t.headers.len() > 9 {
        "<table class=\"wide\">\n<thead>\n"
    } else {
        "<table>\n<thead>\n"
    });
    if !t.groups.is_empty() {
        h.push_str("<tr>");
        for (label, span) in &t.groups {
            h.push_str(&format!("<th colspan=\"{span}\">{}</th>", esc(label)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("<tr>");
    for c in &t.headers {
        h.push_str(&format!("<th>{}</th>", esc(c)));
    }
    h.push_str("</tr>\n</thead>\n<tbody>\n");
    for (i, row) in t.rows.iter().enumerate() {
        let total = t.total_last && i + 1 == t.rows.len();
        h.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for cell in row {
            let (class, text) = match cell {
                Cell::Text(s) => ("", s.clone()),
                Cell::Count(x) => ("num", count(d, *x)),
                Cell::Share(x) => (
                    match Goal::of(*x) {
                        Goal::Met => "num met",
                        Goal::Near => "num near",
                        Goal::Far => "num far",
                    },
                    format!("{:.1}%", x * 100.0),
                ),
                Cell::Minutes(m) => ("num", m.map_or("—".into(), |m| format!("{m:.1}"))),
                Cell::Coord(x) => ("num", format!("{x:.6}")),
                Cell::Delta(x) => ("num", format!("{:+.1}", x * 100.0)),
                Cell::Int(n) => ("num", n.to_string()),
                Cell::Number(x, d) => ("num", format!("{x:.*}", *d as usize)),
                Cell::Empty => ("", String::new()),
            };
            if class.is_empty() {
                h.push_str(&format!("<td>{}</td>", esc(&text)));
            } else {
                h.push_str(&format!("<td class=\"{class}\">{}</td>", esc(&text)));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

/// HTML-escaped text.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648).
///
/// ```
/// assert_eq!(lifecircle::report::html::base64(b"Man"), "TWFu");
/// assert_eq!(lifecircle::report::html::base64(b"Ma"), "TWE=");
/// ```
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const STYLE: &str = r#"
@page { size: A4; margin: 14mm 12mm 14mm 12mm; }
html { font-family: "LifeCircle Sans", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 10pt; color: #1e1e1e; }
body { margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 22pt; margin: 0 0 4pt 0; }
h2 { font-size: 15pt; margin: 14pt 0 6pt 0; border-bottom: 1.5pt solid #4a586e; padding-bottom: 2pt; }
h3 { font-size: 11.5pt; margin: 10pt 0 4pt 0; }
p { margin: 4pt 0; }
.meta, .note, figcaption { color: #555; }
.note { font-size: 8.5pt; }
.cards { display: flex; gap: 6pt; margin: 10pt 0; }
.card { flex: 1; padding: 6pt 8pt; border-radius: 4pt; }
.card-name { font-size: 9pt; }
.card-value { font-size: 20pt; font-weight: bold; }
.card-note { font-size: 8pt; color: #444; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt 0; font-size: 8pt; }
th, td { border: 0.5pt solid #b8c0cc; padding: 2pt 3pt; }
th { background: #e8eef4; font-weight: bold; text-align: center; vertical-align: bottom; overflow-wrap: anywhere; }
table.wide { font-size: 7pt; }
table.wide th, table.wide td { padding: 1.5pt 2pt; }
td:first-child { white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f2f2f2; }
thead { display: table-header-group; }
tr, figure, .cards { break-inside: avoid; page-break-inside: avoid; }
.met { background: #bee4c0; }
.near { background: #ffe28c; }
.far { background: #fabebe; }
table.keys { width: auto; }
table.keys td, table.keys th { padding: 2pt 10pt; }
figure { margin: 6pt 0; text-align: center; }
figure img { max-width: 100%; max-height: 245mm; height: auto; }
figcaption { font-size: 8.5pt; }
figure.map-page, section.township, section.method, section.comparison { break-before: page; page-break-before: always; }
section.tier, section.supply { break-before: page; page-break-before: always; }
@media screen { body { padding: 16px; } figure img { max-height: none; } }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn escapes_and_groups() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(group_thousands("1234567.5"), "1,234,567.5");
        assert_eq!(group_thousands("-1234"), "-1,234");
        assert_eq!(group_thousands("123"), "123");
    }
}
