//! The Excel workbook (`report.xlsx`): a summary sheet (township × tier
//! complete share and blind-spot population, coloured against the 100 %
//! goal), one sheet per tier (township × category share, mean and
//! 90th-percentile minutes), the blind spots, the facilities with the people
//! within each tier, the method, and a comparison sheet when a second layout
//! is given.
//!
//! Cells hold the exact numbers of `coverage.json` (shares as fractions);
//! only their number format rounds what is shown.

use super::data::ReportData;
use super::tables::{self, Cell, Table};
use rust_xlsxwriter::{
    Color, ConditionalFormat3ColorScale, ConditionalFormatType, Format, FormatAlign, FormatBorder,
    Workbook, Worksheet, XlsxError,
};

/// Rows of the blind-spot sheet at most (Excel holds 1,048,576 rows, and a
/// workbook is built in memory); all of them are in `blind_spots.csv`.
pub const MAX_BLIND_SPOT_ROWS: usize = 200_000;

/// Colours of the goal scale, as in the app: red (far), yellow (70 %),
/// green (the 100 % goal).
const FAR: u32 = 0xFABEBE;
const NEAR: u32 = 0xFFE28C;
const MET: u32 = 0xBEE4C0;

/// The workbook of a report, as the bytes of an `.xlsx` file.
pub fn workbook(d: &ReportData<'_>) -> Result<Vec<u8>, XlsxError> {
    let lang = d.lang;
    let formats = Formats::new(d.people());
    let mut names = SheetNames::default();
    let mut wb = Workbook::new();
    let mut notes: Vec<String> = Vec::new();

    // Summary.
    let ws = wb.add_worksheet();
    ws.set_name(names.unique(lang.pick("汇总", "Summary")))?;
    ws.write_string_with_format(0, 0, cell_text(&d.title), &formats.title)?;
    ws.write_string(1, 0, cell_text(subtitle(d)))?;
    let table = tables::summary(d);
    let end = write_table(ws, 3, &table, &formats)?;
    let columns = table.headers.len();
    ws.set_freeze_panes(5, 1)?;
    let mut row = end + 1;
    for (k, v) in [
        (
            lang.pick("区外人口", "outside every township"),
            d.report.outside_population,
        ),
        (
            lang.pick("无路可达人口", "unreachable (no road)"),
            d.report.unreachable_population,
        ),
    ] {
        ws.merge_range(row, 0, row, 1, k, &formats.text[0])?;
        ws.write_number_with_format(row, 2, v, &formats.count[0])?;
        row += 1;
    }
    ws.write_string(
        row,
        0,
        cell_text(lang.pick(
            "颜色：目标 100% 覆盖；绿色 ≥95%，黄色 ≥70%，红色 <70%",
            "Colours: goal 100 %; green ≥ 95 %, yellow ≥ 70 %, red < 70 %",
        )),
    )?;
    print_setup(ws, columns, 3, 4);

    // One sheet per tier.
    for (i, tier) in d.report.total.tiers.iter().enumerate() {
        let name = tables::tier_name(d, i, tier);
        let ws = wb.add_worksheet();
        ws.set_name(names.unique(&name))?;
        ws.write_string_with_format(
            0,
            0,
            cell_text(format!(
                "{name} · {} {} · {}",
                tables::plain_number(tier.minutes, 2),
                lang.pick("分钟", "min"),
                tables::mode_name(lang, tier.mode)
            )),
            &formats.title,
        )?;
        let table = tables::tier_detail(d, i);
        write_table(ws, 2, &table, &formats)?;
        ws.set_freeze_panes(4, 1)?;
        print_setup(ws, table.headers.len(), 2, 3);
    }

    // Town and village (城乡), one table per tier, when residents have a class.
    let split: Vec<(usize, tables::Table)> = (0..d.report.total.tiers.len())
        .filter_map(|i| super::sharing::town_village_table(d, i).map(|t| (i, t)))
        .collect();
    if !split.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(names.unique(lang.pick("城乡对比", "Town and village")))?;
        let mut row = 0;
        for (i, table) in &split {
            let tier = &d.report.total.tiers[*i];
            ws.write_string_with_format(
                row,
                0,
                cell_text(tables::tier_name(d, *i, tier)),
                &formats.title,
            )?;
            row = write_table(ws, row + 1, table, &formats)? + 1;
        }
    }

    // Supply and demand (供需): per tier × category with a standard, then
    // every facility's load.
    if !d.input.assessment.capacity.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(names.unique(lang.pick("供需", "Supply and demand")))?;
        let mut row = 0;
        for table in &d.input.assessment.capacity {
            ws.write_string_with_format(row, 0, super::supply::heading(d, table), &formats.title)?;
            let t = super::supply::supply_table(d, table);
            row = write_table(ws, row + 1, &t, &formats)? + 1;
        }
        ws.write_string_with_format(
            row,
            0,
            lang.pick("设施负荷", "Facility loads"),
            &formats.title,
        )?;
        write_table(
            ws,
            row + 1,
            &super::supply::facility_load_table(d),
            &formats,
        )?;
    }

    // Scorecards (对标): every township's tiers against targets, then its 短板.
    if !d.scorecards.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(names.unique(lang.pick("对标", "Scorecard")))?;
        let mut row = 0;
        for card in &d.scorecards {
            ws.write_string_with_format(row, 0, cell_text(&card.township), &formats.title)?;
            let tiers = super::scorecard::tier_table(card, d.input.profile, lang);
            row = write_table(ws, row + 1, &tiers, &formats)? + 1;
            if !card.shortfalls.is_empty() {
                let short = super::scorecard::shortfall_table(card, d.input.profile, lang);
                row = write_table(ws, row, &short, &formats)? + 1;
            }
        }
    }

    // Blind spots.
    let (table, cut) = tables::blind_spots(d, Some(MAX_BLIND_SPOT_ROWS));
    let ws = wb.add_worksheet();
    ws.set_name(names.unique(lang.pick("盲区", "Blind spots")))?;
    let note = if cut {
        let n = format!(
            "{} {MAX_BLIND_SPOT_ROWS} {}",
            lang.pick("盲区过多，仅列出前", "Too many blind spots; only the first"),
            lang.pick(
                "个；全部见 blind_spots.csv",
                "are listed; see blind_spots.csv"
            )
        );
        notes.push(n.clone());
        n
    } else {
        lang.pick(
            "未在生活圈内覆盖全部必配设施类别的居民点",
            "Residents that do not reach every required category of a tier",
        )
        .to_string()
    };
    ws.write_string(0, 0, cell_text(note))?;
    write_table(ws, 1, &table, &formats)?;
    ws.set_freeze_panes(2, 0)?;
    print_setup(ws, table.headers.len(), 1, 1);

    // Facilities.
    let ws = wb.add_worksheet();
    ws.set_name(names.unique(lang.pick("设施", "Facilities")))?;
    ws.write_string(
        0,
        0,
        cell_text(lang.pick(
            "可达人口：到该设施的出行时间在生活圈阈值内的人口（仅计乡镇内）；空白表示该生活圈不含此类别",
            "People within: those whose travel time to this facility is within the tier's minutes (inside townships); blank where the tier does not list the category",
        )),
    )?;
    let table = tables::facilities(d);
    write_table(ws, 1, &table, &formats)?;
    ws.set_freeze_panes(2, 2)?;
    print_setup(ws, table.headers.len(), 1, 1);

    // Comparison.
    if let Some(table) = tables::comparison(d) {
        let ws = wb.add_worksheet();
        ws.set_name(names.unique(lang.pick("方案对比", "Comparison")))?;
        if let Some(c) = &d.input.comparison {
            ws.write_string(
                0,
                0,
                cell_text(format!(
                    "{} − {} ({})",
                    c.label,
                    c.base_label,
                    lang.pick("差值为百分点", "difference in percentage points")
                )),
            )?;
        }
        write_table(ws, 1, &table, &formats)?;
        ws.set_freeze_panes(2, 1)?;
        print_setup(ws, table.headers.len(), 1, 1);
        // The other layout's road and population changes, below.
        if let Some(changes) = tables::scenario_changes(d) {
            let below = table.rows.len() as u32 + 3;
            write_table(ws, below, &changes, &formats)?;
        }
    }

    // Phased plan (建设时序).
    if let Some(part) = &d.plan {
        let ws = wb.add_worksheet();
        let name = names.unique(lang.pick("建设时序", "Phased plan"));
        ws.set_name(&name)?;
        plan_sheet(ws, &name, d, part, &formats)?;
    }

    // Method.
    let ws = wb.add_worksheet();
    ws.set_name(names.unique(lang.pick("方法说明", "Method")))?;
    let table = tables::method(d, &notes);
    write_table(ws, 0, &table, &formats)?;
    let (key_width, value_width) = (36usize, 100usize);
    ws.set_column_width(0, key_width as f64)?;
    ws.set_column_width(1, value_width as f64)?;
    // Wrapped text, with row heights set: spreadsheet programs do not all
    // grow rows to fit on opening.
    for (r, cells) in table.rows.iter().enumerate() {
        let row = r as u32 + 1;
        let mut lines = 1;
        for (c, width) in [(0u16, key_width), (1, value_width)] {
            if let Some(Cell::Text(v)) = cells.get(c as usize) {
                ws.write_string_with_format(row, c, cell_text(v), &formats.wrap)?;
                lines = lines.max(display_width(v).div_ceil(width - 2).max(1));
            }
        }
        if lines > 1 {
            ws.set_row_height(row, 15.0 * lines as f64)?;
        }
    }
    print_setup(ws, 2, 0, 0);

    wb.save_to_buffer()
}

/// A workbook of the plan alone (`plan.xlsx`).
pub fn plan_workbook(d: &ReportData<'_>) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new(d.people());
    let mut wb = Workbook::new();
    if let Some(part) = &d.plan {
        let ws = wb.add_worksheet();
        let name = SheetNames::default().unique(d.lang.pick("建设时序", "Phased plan"));
        ws.set_name(&name)?;
        plan_sheet(ws, &name, d, part, &formats)?;
    }
    wb.save_to_buffer()
}

/// The plan sheet: the method, the phases, the steps, and the curve of each
/// planned tier's complete share against cumulative cost (a chart over
/// the curve's points, written beside the tables).
fn plan_sheet(
    ws: &mut Worksheet,
    name: &str,
    d: &ReportData<'_>,
    part: &super::plan::PlanPart,
    formats: &Formats,
) -> Result<(), XlsxError> {
    use rust_xlsxwriter::{Chart, ChartType};
    let (lang, profile) = (d.lang, d.input.profile);
    let plan = &part.plan;
    ws.write_string_with_format(
        0,
        0,
        lang.pick("建设时序 / Phased plan", "Phased plan / 建设时序"),
        &formats.title,
    )?;
    ws.write_string(1, 0, super::plan::method_note(plan, lang))?;
    let phases = super::plan::phases_table(plan, profile, lang);
    let row = write_table(ws, 3, &phases, formats)? + 1;
    let steps = super::plan::steps_table(plan, profile, &d.input.layers.townships, lang);
    let end = write_table(ws, row, &steps, formats)?;
    print_setup(ws, steps.headers.len(), row, row);
    // The curve's points, right of the tables, and the chart over them.
    let col = steps.headers.len().max(phases.headers.len()) as u16 + 1;
    ws.write_string(3, col, lang.pick("累计投资(万元)", "cumulative cost"))?;
    let points = plan.steps.len() + 1;
    let mut chart = Chart::new(ChartType::ScatterStraightWithMarkers);
    for (k, &t) in plan.tiers.iter().enumerate() {
        let c = col + 1 + k as u16;
        let tier = profile
            .tiers
            .get(t)
            .map_or("", |t| t.display_name(lang.is_chinese()));
        ws.write_string(3, c, tier)?;
        for (i, p) in plan.curve(t).iter().enumerate() {
            let r = 4 + i as u32;
            ws.write_number(r, col, p[0])?;
            ws.write_number_with_format(r, c, p[1], &formats.share[0])?;
        }
        chart
            .add_series()
            .set_name(tier)
            .set_categories((name, 4, col, 3 + points as u32, col))
            .set_values((name, 4, c, 3 + points as u32, c));
    }
    chart.title().set_name(lang.pick(
        "完整覆盖率与累计投资",
        "Complete share against cumulative cost",
    ));
    chart
        .x_axis()
        .set_name(lang.pick("累计投资(万元)", "cumulative cost (10,000 yuan)"))
        .set_min(0.0);
    chart
        .y_axis()
        .set_name(lang.pick("完整覆盖率", "complete share"))
        .set_num_format("0%");
    if !plan.tiers.is_empty() {
        ws.insert_chart(end + 2, 0, &chart)?;
    }
    Ok(())
}

/// Profile, demand and date, under the title.
/// Text for one cell: Excel holds at most 32,767 characters in a cell, so a
/// longer text (a name from a file can be anything) ends in an ellipsis.
/// Text is always written as text, never as a formula.
fn cell_text(s: impl AsRef<str>) -> String {
    crate::analysis::cut_label(s.as_ref(), 32_000)
}

fn subtitle(d: &ReportData<'_>) -> String {
    let lang = d.lang;
    format!(
        "{}: {} · {} · {}",
        lang.pick("评估方案", "Profile"),
        d.input.profile.name,
        if d.people() {
            lang.pick("按人口", "by population")
        } else {
            lang.pick("按面积(公顷)", "by area (ha)")
        },
        d.date
    )
}

/// A4, landscape, about 14 columns a page wide, header rows repeated.
fn print_setup(ws: &mut Worksheet, columns: usize, first_header: u32, last_header: u32) {
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(columns.div_ceil(14).max(1) as u16, 0);
    let _ = ws.set_repeat_rows(first_header, last_header);
    // Names in the first column on every page of a wide sheet.
    if columns > 14 {
        let _ = ws.set_repeat_columns(0, 0);
    }
}

/// Cell formats; `count[1]`, `share[1]` … are the bold variants.
struct Formats {
    title: Format,
    group: Format,
    header: Format,
    wrap: Format,
    text: [Format; 2],
    count: [Format; 2],
    share: [Format; 2],
    minutes: [Format; 2],
    coord: [Format; 2],
    delta: [Format; 2],
    int: [Format; 2],
    /// Numbers with 0, 1 and 2 decimals.
    number: [[Format; 2]; 3],
}

impl Formats {
    fn new(people: bool) -> Self {
        let pair = |num: &str| {
            let f = Format::new().set_num_format(num);
            let bold = f
                .clone()
                .set_bold()
                .set_border_top(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xF2F2F2));
            [f, bold]
        };
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(Color::RGB(0xE8EEF4))
            .set_border(FormatBorder::Thin);
        Self {
            title: Format::new().set_bold().set_font_size(14),
            group: header.clone().set_background_color(Color::RGB(0xD5DEE8)),
            header,
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            text: pair("@"),
            count: pair(if people { "#,##0" } else { "#,##0.00" }),
            share: pair("0.0%"),
            minutes: pair("0.0"),
            coord: pair("0.000000"),
            delta: pair("+0.0%;-0.0%;0.0%"),
            int: pair("0"),
            number: [pair("#,##0"), pair("#,##0.0"), pair("#,##0.00")],
        }
    }
}

/// Write `table` from row `first` on; returns the row after it.
fn write_table(
    ws: &mut Worksheet,
    first: u32,
    table: &Table,
    f: &Formats,
) -> Result<u32, XlsxError> {
    let mut row = first;
    if !table.groups.is_empty() {
        let mut col: u16 = 0;
        for (label, span) in &table.groups {
            let span = (*span).max(1) as u16;
            if span > 1 {
                ws.merge_range(row, col, row, col + span - 1, label, &f.group)?;
            } else {
                ws.write_string_with_format(row, col, cell_text(label), &f.group)?;
            }
            col += span;
        }
        ws.set_row_height(row, 30)?;
        row += 1;
    }
    for (c, h) in table.headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, cell_text(h), &f.header)?;
    }
    ws.set_row_height(row, 30)?;
    row += 1;
    let first_data = row;
    for (i, cells) in table.rows.iter().enumerate() {
        let b = usize::from(table.total_last && i + 1 == table.rows.len());
        for (c, cell) in cells.iter().enumerate() {
            let c = c as u16;
            // Excel cells hold at most 32,767 characters and no NaN.
            let cell = match cell {
                Cell::Text(s) if s.chars().count() > 32_000 => {
                    &Cell::Text(s.chars().take(32_000).collect())
                }
                Cell::Count(x)
                | Cell::Share(x)
                | Cell::Coord(x)
                | Cell::Delta(x)
                | Cell::Number(x, _)
                    if !x.is_finite() =>
                {
                    &Cell::Empty
                }
                Cell::Minutes(Some(x)) if !x.is_finite() => &Cell::Empty,
                other => other,
            };
            match cell {
                Cell::Text(s) => ws.write_string_with_format(row, c, cell_text(s), &f.text[b])?,
                Cell::Count(x) => ws.write_number_with_format(row, c, *x, &f.count[b])?,
                Cell::Share(x) => ws.write_number_with_format(row, c, *x, &f.share[b])?,
                Cell::Minutes(Some(x)) => ws.write_number_with_format(row, c, *x, &f.minutes[b])?,
                Cell::Coord(x) => ws.write_number_with_format(row, c, *x, &f.coord[b])?,
                Cell::Delta(x) => ws.write_number_with_format(row, c, *x, &f.delta[b])?,
                Cell::Int(n) => ws.write_number_with_format(row, c, *n as f64, &f.int[b])?,
                Cell::Number(x, d) => {
                    let d = (*d as usize).min(f.number.len() - 1);
                    ws.write_number_with_format(row, c, *x, &f.number[d][b])?
                }
                Cell::Minutes(None) | Cell::Empty => ws.write_blank(row, c, &f.text[b])?,
            };
        }
        row += 1;
    }
    // Colour scale on every column of shares, against the goal.
    if row > first_data {
        let scale = ConditionalFormat3ColorScale::new()
            .set_minimum(ConditionalFormatType::Number, 0)
            .set_midpoint(ConditionalFormatType::Number, 0.7)
            .set_maximum(ConditionalFormatType::Number, 1)
            .set_minimum_color(Color::RGB(FAR))
            .set_midpoint_color(Color::RGB(NEAR))
            .set_maximum_color(Color::RGB(MET));
        for c in 0..table.headers.len() {
            let column = table.rows.iter().filter_map(|r| r.get(c));
            let shares = column.clone().any(|x| matches!(x, Cell::Share(_)));
            let only = column
                .clone()
                .all(|x| matches!(x, Cell::Share(_) | Cell::Empty));
            if shares && only {
                ws.add_conditional_format(first_data, c as u16, row - 1, c as u16, &scale)?;
            }
        }
    }
    for (c, h) in table.headers.iter().enumerate() {
        let widest = table
            .rows
            .iter()
            .take(2_000)
            .filter_map(|r| match r.get(c) {
                Some(Cell::Text(s)) => Some(display_width(s)),
                Some(Cell::Coord(_)) => Some(11),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let header = if table.groups.is_empty() {
            (display_width(h) + 2).min(20)
        } else {
            display_width(h).min(12)
        };
        ws.set_column_width(c as u16, widest.max(header).clamp(9, 40) as f64)?;
    }
    Ok(row)
}

/// Width of text in Excel character units: wide (CJK) characters count two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
        .sum()
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, unique
/// regardless of case.
#[derive(Default)]
struct SheetNames {
    used: Vec<String>,
}

impl SheetNames {
    fn unique(&mut self, wanted: &str) -> String {
        let clean: String = wanted
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c) && !c.is_control())
            .collect();
        let clean = clean.trim().trim_matches('\'').to_string();
        let base = if clean.is_empty() {
            "Sheet".to_string()
        } else {
            clean
        };
        let mut n = 1;
        loop {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!(" ({n})")
            };
            let keep = 31 - suffix.chars().count();
            let name: String = base.chars().take(keep).collect::<String>() + &suffix;
            let lower = name.to_lowercase();
            if lower != "history" && !self.used.contains(&lower) {
                self.used.push(lower);
                return name;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut n = SheetNames::default();
        assert_eq!(n.unique("5分钟邻里生活圈"), "5分钟邻里生活圈");
        assert_eq!(n.unique("a/b[c]"), "abc");
        assert_eq!(n.unique("ABC"), "ABC (2)");
        let long = "x".repeat(40);
        assert_eq!(n.unique(&long).chars().count(), 31);
        assert_eq!(n.unique(&long), format!("{} (2)", "x".repeat(27)));
        assert_eq!(n.unique("  "), "Sheet");
        assert_eq!(n.unique("History"), "History (2)");
    }

    /// Values Excel cannot hold are left blank or cut, not refused.
    #[test]
    fn odd_values_still_make_a_workbook() {
        let table = Table {
            groups: vec![("g".into(), 3)],
            headers: vec!["a".into(), "b".into(), "c".into()],
            rows: vec![vec![
                Cell::Text("x".repeat(40_000)),
                Cell::Share(f64::NAN),
                Cell::Minutes(Some(f64::INFINITY)),
            ]],
            total_last: true,
        };
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        assert_eq!(write_table(ws, 0, &table, &Formats::new(true)).unwrap(), 3);
        assert!(wb.save_to_buffer().is_ok());
    }

    #[test]
    fn wide_characters_count_double() {
        assert_eq!(display_width("ab"), 2);
        assert_eq!(display_width("航埠镇"), 6);
    }
}
