//! Turning an assessment into files planners and scripts use: the
//! `coverage.json` of METHOD.md's shape, a flat CSV table, and the blind
//! spots as GeoJSON (this file); the full report — workbook, HTML with maps,
//! map images, resident GeoJSON, more CSV tables — in [`export`](mod@export), written in
//! one call by [`export::export`]. Pure functions returning text or bytes;
//! writing is the caller's (or `export`'s, atomically).
//!
//! Layer: may import `analysis` and everything below it; never `state`,
//! `ui`, `app` or `cli`.

pub mod cad;
pub mod data;
pub mod export;
pub mod geojson;
mod glyphs;
pub mod html;
pub mod map_image;
pub mod plan;
mod scorecard;
mod sharing;
mod supply;
mod tables;
pub mod xlsx;

pub use export::{
    ComparisonDetail, ComparisonInput, DataFile, ExportError, ExportInput, ExportRequest, Format,
    export, export_with_plan,
};
pub use glyphs::FONT as MAP_FONT;
pub use scorecard::{scorecard_csv, scorecard_json};
pub use sharing::{facility_service_csv, sharing_csv};
pub use supply::{facility_load_csv, status_name, unit_name};

use crate::analysis::{Assessment, CoverageReport, TownshipCoverage};
use crate::model::{Profile, Township};
use std::collections::HashMap;

/// Language of the interface, the reports and their headers.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Lang {
    /// Simplified Chinese (the default: the users are Chinese planners).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The text for this language.
    ///
    /// ```
    /// use lifecircle::report::Lang;
    /// assert_eq!(Lang::En.pick("人口", "Population"), "Population");
    /// assert_eq!(Lang::Zh.pick("人口", "Population"), "人口");
    /// ```
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Whether names from data (tiers, categories) should be Chinese.
    pub fn is_chinese(self) -> bool {
        self == Lang::Zh
    }
}

/// A CSV cell that a spreadsheet program would read as a formula — text
/// beginning with `=`, `+`, `-`, `@`, a tab or a carriage return — gets a
/// leading `'`, as spreadsheet programs expect (OWASP "CSV injection").
/// Plain numbers such as `-0.25` stay as they are.
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !text.trim().parse::<f64>().is_ok_and(f64::is_finite) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Every cell of a CSV record through [`csv_cell`].
pub(crate) fn csv_safe<S: AsRef<str>>(record: impl IntoIterator<Item = S>) -> Vec<String> {
    record
        .into_iter()
        .map(|c| csv_cell(c.as_ref()).into_owned())
        .collect()
}

/// `coverage.json`, pretty-printed.
pub fn coverage_json(report: &CoverageReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// One row per township × tier × category (and the district total last),
/// headers in `lang`. Shares are fractions 0–1, as in `coverage.json`.
pub fn coverage_csv(report: &CoverageReport, profile: &Profile, lang: Lang) -> String {
    let zh = lang.is_chinese();
    let headers = [
        lang.pick("乡镇", "township"),
        lang.pick("人口", "population"),
        lang.pick("生活圈", "tier"),
        lang.pick("生活圈名称", "tier name"),
        lang.pick("时间阈值(分钟)", "minutes"),
        lang.pick("出行方式", "mode"),
        lang.pick("完整覆盖率", "complete share"),
        lang.pick("设施类别", "category"),
        lang.pick("类别名称", "category name"),
        lang.pick("必配", "required"),
        lang.pick("覆盖人口", "covered population"),
        lang.pick("覆盖率", "covered share"),
        lang.pick("平均时间(分钟)", "mean minutes"),
        lang.pick("90%时间(分钟)", "p90 minutes"),
    ];
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<(&str, &crate::analysis::AreaCoverage)> = report
        .townships
        .iter()
        .map(|t: &TownshipCoverage| (t.name.as_str(), &t.figures))
        .collect();
    rows.push((lang.pick("全区合计", "district total"), &report.total));
    let _ = w.write_record(csv_safe(headers));
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or_default();
    for (name, area) in rows {
        for tier in &area.tiers {
            let profile_tier = profile.tiers.iter().find(|t| t.id == tier.id);
            for c in &tier.categories {
                let required = profile_tier.is_some_and(|t| t.categories.contains(&c.id));
                let _ = w.write_record(csv_safe([
                    name.to_string(),
                    format!("{}", round3(area.population)),
                    tier.id.clone(),
                    profile_tier
                        .map(|t| t.display_name(zh))
                        .unwrap_or(&tier.id)
                        .to_string(),
                    format!("{}", tier.minutes),
                    tier.mode.id().to_string(),
                    format!("{:.4}", tier.complete_share),
                    c.id.clone(),
                    profile.category_name(&c.id, zh).to_string(),
                    if required {
                        lang.pick("是", "yes")
                    } else {
                        lang.pick("否", "no")
                    }
                    .to_string(),
                    format!("{}", round3(c.covered_population)),
                    format!("{:.4}", c.covered_share),
                    opt(c.mean_minutes),
                    opt(c.p90_minutes),
                ]));
            }
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    // A BOM so that Excel on Chinese Windows opens the UTF-8 file correctly.
    let mut out = String::from('\u{feff}');
    out.push_str(&String::from_utf8_lossy(&bytes));
    out
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Residents that are not complete for a tier, as a GeoJSON FeatureCollection
/// of points with `tier`, `minutes`, `missing` (category ids), `population`
/// and `township` (`null` outside every township). Streamed: a district with
/// a million blind spots does not need the whole text in memory.
pub fn write_blind_spots_geojson(
    out: &mut dyn std::io::Write,
    assessment: &Assessment,
    profile: &Profile,
    townships: &[Township],
) -> std::io::Result<()> {
    // Names and tier ids as JSON text once, not per feature.
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    let township_json: Vec<String> = townships.iter().map(|t| quoted(&t.name)).collect();
    let tier_json: Vec<String> = profile.tiers.iter().map(|t| quoted(&t.id)).collect();
    let category_json: Vec<Vec<String>> = profile
        .tiers
        .iter()
        .map(|t| t.categories.iter().map(|c| quoted(c)).collect())
        .collect();
    // A feature's text up to its population depends only on the tier and
    // the missing categories: made once for each pair met.
    let mut heads: Vec<Vec<u8>> = Vec::new();
    let mut head_of: HashMap<(u32, u64), usize> = HashMap::new();
    // Neighbours in the list mostly miss the same categories: the last
    // pair's head is looked up without hashing.
    let mut last: Option<((u32, u64), usize)> = None;
    let mut line: Vec<u8> = Vec::with_capacity(WRITE_AT + 512);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut first = true;
    for b in &assessment.blind_spots {
        let (Some(tier), Some(r)) = (
            profile.tiers.get(b.tier as usize),
            assessment.demand.get(b.resident as usize),
        ) else {
            continue;
        };
        let township = assessment
            .resident_township
            .get(b.resident as usize)
            .copied()
            .flatten()
            .and_then(|t| township_json.get(t as usize))
            .map_or("null", String::as_str);
        let key = (b.tier, b.missing);
        let h = match last {
            Some((k, h)) if k == key => h,
            _ => {
                let h = *head_of.entry(key).or_insert_with(|| {
                    let missing: Vec<&str> = category_json[b.tier as usize]
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i < 64 && b.missing & (1 << i) != 0)
                        .map(|(_, c)| c.as_str())
                        .collect();
                    heads.push(
                        format!(
                            "\n{{\"type\":\"Feature\",\"properties\":{{\"tier\":{},\"minutes\":{},\"missing\":[{}],\"population\":",
                            tier_json[b.tier as usize],
                            tier.minutes,
                            missing.join(","),
                        )
                        .into_bytes(),
                    );
                    heads.len() - 1
                });
                last = Some((key, h));
                h
            }
        };
        let head = &heads[h];
        if !first {
            line.push(b',');
        }
        first = false;
        line.extend_from_slice(head);
        if r.population.is_finite() {
            push_number(&mut line, r.population);
        } else {
            line.extend_from_slice(b"null");
        }
        line.extend_from_slice(b",\"township\":");
        line.extend_from_slice(township.as_bytes());
        line.extend_from_slice(b"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
        push_coordinate(&mut line, r.location.x());
        line.push(b',');
        push_coordinate(&mut line, r.location.y());
        line.extend_from_slice(b"]}}");
        // Written a MB at a time, which the buffered writer passes on
        // without copying.
        if line.len() >= WRITE_AT {
            out.write_all(&line)?;
            line.clear();
        }
    }
    out.write_all(&line)?;
    out.write_all(b"\n]}\n")
}

/// Bytes of blind spots text gathered before they are written.
const WRITE_AT: usize = 1 << 20;

/// Appends `x` as Rust's `Display` writes it (shortest digits that read
/// back to `x`, never an exponent), without going through the formatter
/// for the common cases: whole numbers by `itoa`, fractions by `zmij` when
/// it writes no exponent. Tested against `Display`.
fn push_number(out: &mut Vec<u8>, x: f64) {
    if x.fract() == 0.0 {
        if x.abs() < 1e15 && x != 0.0 {
            out.extend_from_slice(itoa::Buffer::new().format(x as i64).as_bytes());
            return;
        }
    } else if x.is_finite() {
        let mut buffer = zmij::Buffer::new();
        let text = buffer.format_finite(x);
        // With 16 or 17 digits two shortest candidates can tie, and the
        // two writers round a tie differently; up to 15 the shortest
        // digits are unique.
        let digits = text
            .bytes()
            .skip_while(|&c| matches!(c, b'-' | b'0' | b'.'))
            .filter(u8::is_ascii_digit)
            .count();
        if digits <= 15 && !text.contains('e') {
            out.extend_from_slice(text.as_bytes());
            return;
        }
    }
    use std::io::Write as _;
    let _ = write!(out, "{x}");
}

/// Seven decimal places, as the blind spots write coordinates (the
/// reference [`push_coordinate`] is tested against).
#[cfg(test)]
fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// Appends `round7(x)` as `Display` writes it, straight from the whole
/// number of ten-millionths `k = (x·10⁷).round()`. The decimal k·10⁻⁷ reads
/// back to `round7(x)` (k / 10⁷ is its nearest double), and below 10⁷ in
/// magnitude no other decimal of at most seven places reads back to the
/// same double (they lie 10⁻⁷ apart, doubles there less than 2·10⁻⁹), so
/// its digits without trailing zeros are the shortest: those `Display`
/// writes. Zero and large values go through [`push_number`]. Tested
/// against `Display`.
fn push_coordinate(out: &mut Vec<u8>, x: f64) {
    let k = (x * 1e7).round();
    if k.is_nan() || k.abs() >= 1e14 || k == 0.0 {
        push_number(out, k / 1e7);
        return;
    }
    let k = k as i64;
    if k < 0 {
        out.push(b'-');
    }
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(k.unsigned_abs()).as_bytes();
    let (whole, fraction) = if digits.len() > 7 {
        digits.split_at(digits.len() - 7)
    } else {
        (&b"0"[..], digits)
    };
    out.extend_from_slice(whole);
    let places = 7 - fraction.len();
    let fraction =
        &fraction[..fraction.len() - fraction.iter().rev().take_while(|&&d| d == b'0').count()];
    if !fraction.is_empty() {
        out.push(b'.');
        out.extend(std::iter::repeat_n(b'0', places));
        out.extend_from_slice(fraction);
    }
}

/// A short plain-text summary for the terminal: district complete share per
/// tier and the townships with the lowest share.
pub fn summary_text(report: &CoverageReport, profile: &Profile, lang: Lang) -> String {
    let zh = lang.is_chinese();
    let mut s = String::new();
    let unit = if report.method.demand == "people" {
        lang.pick("人", "people")
    } else {
        lang.pick("公顷", "ha")
    };
    s.push_str(&format!(
        "{} {} {}\n",
        lang.pick("全区", "District:"),
        round3(report.total.population),
        unit
    ));
    for (i, tier) in report.total.tiers.iter().enumerate() {
        let name = profile
            .tiers
            .get(i)
            .map(|t| t.display_name(zh))
            .unwrap_or(&tier.id);
        // A township where nobody lives has no share worth naming.
        let worst = report
            .townships
            .iter()
            .filter(|t| t.figures.population > 0.0)
            .filter_map(|t| {
                t.figures
                    .tiers
                    .get(i)
                    .map(|x| (t.name.as_str(), x.complete_share))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        s.push_str(&format!(
            "  {name}: {} {:.1}%",
            lang.pick("完整覆盖", "complete"),
            tier.complete_share * 100.0
        ));
        if let Some((t, share)) = worst {
            s.push_str(&format!(
                "  ({} {t} {:.1}%)",
                lang.pick("最低", "lowest"),
                share * 100.0
            ));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod number_tests {
    /// A xorshift generator of test values from `state`.
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    /// The fast number writer writes what `Display` writes: whole numbers,
    /// coordinates rounded to 7 places, tiny, huge and negative values.
    #[test]
    fn numbers_are_written_as_display_writes_them() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            17.0,
            0.5,
            1e-7,
            -1e-7,
            1.5e-7,
            1e15,
            1e16,
            123456789012345.0,
            1e300,
            5e-324,
            0.1,
            0.3,
            2.5,
            118.4853647,
            28.5498898,
            -155.06,
        ];
        for _ in 0..200_000 {
            let bits = next();
            values.push(f64::from_bits(bits));
            // Few significant bits (exact halves, quarters, …): where ties
            // between shortest candidates would lie.
            let few = (bits >> 40) as f64 / (1u64 << (bits % 40)) as f64;
            values.push(few);
            values.push(few + 1e6);
            // Every magnitude the fast path takes, evenly in logarithm.
            let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
            values.push(10f64.powf(unit * 16.0 - 7.0));
            // Coordinates and populations as the files hold them.
            values.push(super::round7(unit * 360.0 - 180.0));
            values.push((unit * 1e4).round());
            values.push((unit * 1e4 * 1000.0).round() / 1000.0);
        }
        for x in values.into_iter().filter(|x| x.is_finite()) {
            let mut fast = Vec::new();
            super::push_number(&mut fast, x);
            assert_eq!(String::from_utf8(fast).unwrap(), format!("{x}"), "{x:e}");
        }
    }

    /// Coordinates written from their ten-millionths read as `Display`
    /// writes `round7` of them: anywhere on the globe, near zero, whole and
    /// short decimals, ±, and past the fast path's range.
    #[test]
    fn coordinates_are_written_as_display_writes_them() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let mut values = vec![
            0.0,
            -0.0,
            1e-8,
            -4e-8,
            5e-8,
            1e-7,
            -1e-7,
            1.5e-7,
            0.5,
            -0.5,
            1.0,
            118.0,
            118.4853647,
            28.5498898,
            28.85,
            -155.06,
            180.0,
            -180.0,
            119.123456789,
            999_999.999_999_9,
            1e7,
            -1e7,
            1e8,
            123_456_789.123,
            1e300,
            5e-324,
        ];
        for _ in 0..400_000 {
            let bits = next();
            let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
            values.push(unit * 360.0 - 180.0);
            values.push(((unit * 3600.0).round() / 10.0) - 180.0);
            values.push((unit - 0.5) * 1e-5);
            values.push((unit - 0.5) * 2e7);
            values.push(f64::from_bits(bits));
        }
        for x in values.into_iter().filter(|x| x.is_finite()) {
            let mut fast = Vec::new();
            super::push_coordinate(&mut fast, x);
            let want = super::round7(x);
            assert_eq!(String::from_utf8(fast).unwrap(), format!("{want}"), "{x:e}");
        }
    }
}

#[cfg(test)]
mod csv_tests {
    use super::csv_cell;

    #[test]
    fn formula_like_text_is_escaped_and_numbers_are_not() {
        for risky in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-inf",
            "-",
        ] {
            assert_eq!(csv_cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["-0.25", "+1", "-1e3", "航埠镇", "a=b", "", "12"] {
            assert_eq!(csv_cell(plain), plain, "{plain:?}");
        }
    }
}
