//! The sharing tables of METHOD 18–19 as CSV for scripts and GIS:
//! `sharing.csv` (demand of township `from` served by facilities of
//! township `to`, per tier × category) and `facility_service.csv` (per
//! facility, the townships it serves). Column names are the contract's, so
//! headers are English and township names are as in the data; shares stay
//! in `coverage.json` (`served_by_own_share`). Also the 城乡 table of a
//! tier (METHOD 20) for the workbook and the HTML report.

use super::data::ReportData;
use super::tables::{Cell, Table};
use crate::analysis::Sharing;
use crate::model::{Layers, Profile};

/// The town/village table of `tier` (城乡对比): per township, the complete
/// share of its town and village residents and the gap (town − village) in
/// percentage points; `None` when no township has a split.
pub(crate) fn town_village_table(d: &ReportData<'_>, tier: usize) -> Option<Table> {
    let lang = d.lang;
    let split = |t: &crate::analysis::TierCoverage| {
        t.town_complete_share.is_some() || t.village_complete_share.is_some()
    };
    if !d
        .report
        .townships
        .iter()
        .any(|t| t.figures.tiers.get(tier).is_some_and(split))
    {
        return None;
    }
    let share = |x: Option<f64>| x.map_or(Cell::Empty, Cell::Share);
    let rows = d
        .report
        .townships
        .iter()
        .filter_map(|t| {
            let x = t.figures.tiers.get(tier)?;
            let gap = match (x.town_complete_share, x.village_complete_share) {
                (Some(a), Some(b)) => Cell::Delta(a - b),
                _ => Cell::Empty,
            };
            Some(vec![
                Cell::Text(t.name.clone()),
                share(x.town_complete_share),
                share(x.village_complete_share),
                gap,
            ])
        })
        .collect();
    Some(Table {
        groups: Vec::new(),
        headers: vec![
            lang.pick("乡镇", "township").into(),
            lang.pick("镇区完整覆盖率", "town complete share").into(),
            lang.pick("乡村完整覆盖率", "village complete share").into(),
            lang.pick("城乡差距（百分点）", "gap town − village (pp)")
                .into(),
        ],
        rows,
        total_last: false,
    })
}

/// The name of a township index of a sharing table ("outside" past the end).
fn township_name(layers: &Layers, t: Option<usize>) -> &str {
    t.and_then(|t| layers.townships.get(t))
        .map_or("outside", |t| t.name.as_str())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `sharing.csv`: `tier,category,from,to,demand`, every pair with demand
/// above zero, by tier, category, `from` then `to` (townships in file
/// order, "outside" last).
pub fn sharing_csv(sharing: &Sharing, profile: &Profile, layers: &Layers) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(super::csv_safe([
        "tier", "category", "from", "to", "demand",
    ]));
    let n = layers.townships.len();
    for table in &sharing.tables {
        let tier = &profile.tiers[table.tier].id;
        for (from, row) in table.demand.iter().enumerate() {
            for (to, &demand) in row.iter().enumerate() {
                if demand > 0.0 {
                    let _ = w.write_record(super::csv_safe([
                        tier.as_str(),
                        table.category.as_str(),
                        township_name(layers, (from < n).then_some(from)),
                        township_name(layers, (to < n).then_some(to)),
                        &demand.to_string(),
                    ]));
                }
            }
        }
    }
    finish(w)
}

/// `facility_service.csv`:
/// `tier,category,facility,name,township,served_township,demand`, where
/// `facility` is the 0-based index in the facilities file and `township`
/// the facility's own township.
pub fn facility_service_csv(sharing: &Sharing, profile: &Profile, layers: &Layers) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(super::csv_safe([
        "tier",
        "category",
        "facility",
        "name",
        "township",
        "served_township",
        "demand",
    ]));
    for table in &sharing.tables {
        let tier = &profile.tiers[table.tier].id;
        for &(j, served, demand) in &table.by_facility {
            let own = sharing.facility_township[j as usize].map(|t| t as usize);
            let _ = w.write_record(super::csv_safe([
                tier.as_str(),
                table.category.as_str(),
                &j.to_string(),
                layers.facilities[j as usize].name.as_str(),
                township_name(layers, own),
                township_name(layers, served.map(|t| t as usize)),
                &demand.to_string(),
            ]));
        }
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Progress, assess, sharing};

    #[test]
    fn tiny_case_tables() {
        let (layers, profile) = crate::analysis::tests::tiny_case();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let s = sharing(&a, &layers, &profile);
        assert_eq!(
            sharing_csv(&s, &profile, &layers),
            "tier,category,from,to,demand\n\
             t5,shop,East,East,10\n\
             t10,shop,West,East,30\n\
             t10,shop,East,East,10\n\
             t10,school,West,West,30\n\
             t10,school,East,West,10\n"
        );
        assert_eq!(
            facility_service_csv(&s, &profile, &layers),
            "tier,category,facility,name,township,served_township,demand\n\
             t5,shop,0,,East,East,10\n\
             t10,shop,0,,East,West,30\n\
             t10,shop,0,,East,East,10\n\
             t10,school,1,,West,West,30\n\
             t10,school,1,,West,East,10\n"
        );
    }
}
