//! The scorecards (对标) as files: `scorecard.json` (the structures of
//! [`crate::analysis::scorecards`]) and `scorecard.csv` for spreadsheets,
//! and the table a township's page or sheet shows.

use super::Lang;
use super::tables::{Cell, Table};
use crate::analysis::TownshipScorecard;
use crate::model::Profile;

/// `scorecard.json`, pretty-printed.
pub fn scorecard_json(cards: &[TownshipScorecard]) -> String {
    serde_json::to_string_pretty(cards).unwrap_or_default() + "\n"
}

/// `scorecard.csv`: one row per township × tier (`kind` = `tier`: complete
/// share against target) and per 短板 (`kind` = `shortfall`: people not
/// covered, nearest facility, neighbours already serving part of them).
pub fn scorecard_csv(cards: &[TownshipScorecard]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(super::csv_safe([
        "township",
        "kind",
        "tier",
        "category",
        "share",
        "target",
        "status",
        "not_covered",
        "nearest_facility",
        "nearest_facility_name",
        "nearest_facility_township",
        "nearest_distance_m",
        "served_by_neighbours",
    ]));
    let opt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    for card in cards {
        for t in &card.tiers {
            let status = match t.met {
                Some(true) => "met",
                Some(false) => "not_met",
                None => "",
            };
            let _ = w.write_record(super::csv_safe([
                card.township.as_str(),
                "tier",
                &t.tier,
                "",
                &t.complete_share.to_string(),
                &opt(t.target),
                status,
                "",
                "",
                "",
                "",
                "",
                "",
            ]));
        }
        for s in &card.shortfalls {
            let status = match s.target {
                Some(t) if s.covered_share >= t => "met",
                Some(_) => "not_met",
                None => "",
            };
            let f = s.nearest_facility.as_ref();
            let _ = w.write_record(super::csv_safe([
                card.township.as_str(),
                "shortfall",
                &s.tier,
                &s.category,
                &s.covered_share.to_string(),
                &opt(s.target),
                status,
                &s.not_covered.to_string(),
                &f.map(|f| f.facility.to_string()).unwrap_or_default(),
                f.map_or("", |f| f.name.as_str()),
                f.map_or("", |f| f.township.as_str()),
                &f.map(|f| format!("{:.0}", f.distance_m))
                    .unwrap_or_default(),
                &s.served_by_neighbours.join(";"),
            ]));
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The tiers of one scorecard as a table: complete share, target, status.
pub(crate) fn tier_table(card: &TownshipScorecard, profile: &Profile, lang: Lang) -> Table {
    let rows = card
        .tiers
        .iter()
        .map(|t| {
            let name = profile
                .tiers
                .iter()
                .find(|x| x.id == t.tier)
                .map_or(t.tier.as_str(), |x| x.display_name(lang.is_chinese()));
            vec![
                Cell::Text(name.to_string()),
                Cell::Share(t.complete_share),
                t.target.map_or(Cell::Empty, Cell::Share),
                Cell::Text(
                    match t.met {
                        Some(true) => lang.pick("达标", "met"),
                        Some(false) => lang.pick("未达标", "not met"),
                        None => lang.pick("无目标", "no target"),
                    }
                    .into(),
                ),
            ]
        })
        .collect();
    Table {
        groups: Vec::new(),
        headers: vec![
            lang.pick("生活圈", "circle").into(),
            lang.pick("完整覆盖率", "complete share").into(),
            lang.pick("目标", "target").into(),
            lang.pick("对标", "status").into(),
        ],
        rows,
        total_last: false,
    }
}

/// The 短板 of one scorecard as a table.
pub(crate) fn shortfall_table(card: &TownshipScorecard, profile: &Profile, lang: Lang) -> Table {
    let rows = card
        .shortfalls
        .iter()
        .map(|s| {
            let tier = profile
                .tiers
                .iter()
                .find(|x| x.id == s.tier)
                .map_or(s.tier.as_str(), |x| x.display_name(lang.is_chinese()));
            let nearest = s.nearest_facility.as_ref().map_or(String::new(), |f| {
                let name = if f.name.is_empty() {
                    format!("#{}", f.facility)
                } else {
                    f.name.clone()
                };
                format!("{name}（{}，{:.1} km）", f.township, f.distance_m / 1000.0)
            });
            vec![
                Cell::Text(tier.to_string()),
                Cell::Text(
                    profile
                        .category_name(&s.category, lang.is_chinese())
                        .to_string(),
                ),
                Cell::Count(s.not_covered),
                Cell::Share(s.covered_share),
                Cell::Text(nearest),
                Cell::Text(s.served_by_neighbours.join("、")),
            ]
        })
        .collect();
    Table {
        groups: Vec::new(),
        headers: vec![
            lang.pick("生活圈", "circle").into(),
            lang.pick("设施", "category").into(),
            lang.pick("未覆盖人口", "people not covered").into(),
            lang.pick("覆盖率", "covered share").into(),
            lang.pick("最近的现有设施", "nearest existing facility")
                .into(),
            lang.pick("已由邻镇设施部分服务", "partly served by neighbours")
                .into(),
        ],
        rows,
        total_last: false,
    }
}
