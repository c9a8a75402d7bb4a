//! Supply and demand in the reports (METHOD.md steps 13–17, 供需): per tier
//! × category with a 千人指标 standard, each township's demand, supply per
//! 1,000, the standard (marked 提议值 when proposed), the shortfall in the
//! category's unit and the share of demand served to the standard; per
//! facility its capacity, demand and load. `facility_load.csv` has the
//! contract's columns for scripts.

use super::Lang;
use super::data::ReportData;
use super::tables::{Cell, Table, category_name, population_label, tier_name, total_label};
use crate::analysis::{Assessment, CapacityTable, LoadStatus, SupplyFigures};
use crate::model::{Layers, Profile};

/// A category's unit in words (`seats` → 座位), or as the profile gives it.
pub fn unit_name(lang: Lang, unit: Option<&str>) -> String {
    let Some(unit) = unit else {
        return lang.pick("单位", "units").to_string();
    };
    match unit.trim().to_lowercase().as_str() {
        "seats" | "座位" | "学位" => lang.pick("座位", "seats").into(),
        "beds" | "床位" => lang.pick("床位", "beds").into(),
        "places" | "托位" => lang.pick("托位", "places").into(),
        "people" | "人" => lang.pick("人", "people").into(),
        "m2" | "m²" | "平方米" => "m²".into(),
        _ => unit.to_string(),
    }
}

/// A load status in words.
pub fn status_name(lang: Lang, status: LoadStatus) -> &'static str {
    match status {
        LoadStatus::OverCapacity => lang.pick("超负荷", "over capacity"),
        LoadStatus::UnderUsed => lang.pick("闲置", "under-used"),
        LoadStatus::Balanced => lang.pick("适度", "balanced"),
    }
}

/// The heading of one capacity table: tier, category, group, standard.
pub(crate) fn heading(d: &ReportData<'_>, table: &CapacityTable) -> String {
    let lang = d.lang;
    let profile = d.input.profile;
    let info = profile.category_info(&table.category);
    let group = table
        .group
        .as_deref()
        .and_then(|g| profile.group(g))
        .map(|g| g.display_name(lang.is_chinese()).to_string())
        .unwrap_or_else(|| lang.pick("全体居民", "all residents").to_string());
    let proposed = info.is_some_and(|c| c.standard_proposed);
    let tier = &d.report.total.tiers[table.tier];
    format!(
        "{} · {} · {} · {} {} {}/{}{}",
        tier_name(d, table.tier, tier),
        category_name(d, &table.category),
        group,
        lang.pick("标准", "standard"),
        super::tables::plain_number(table.standard_per_1000, 1),
        unit_name(lang, info.and_then(|c| c.unit.as_deref())),
        lang.pick("千人", "1,000"),
        if proposed {
            lang.pick("（提议值）", " (proposed)")
        } else {
            ""
        }
    )
}

/// Per township (then the district) of one capacity table: demand, supply
/// per 1,000, standard, shortfall in units, served share.
pub(crate) fn supply_table(d: &ReportData<'_>, table: &CapacityTable) -> Table {
    let lang = d.lang;
    let unit = unit_name(
        lang,
        d.input
            .profile
            .category_info(&table.category)
            .and_then(|c| c.unit.as_deref()),
    );
    let figures = |area: &crate::analysis::AreaCoverage| {
        let c = area
            .tiers
            .get(table.tier)
            .and_then(|t| t.category(&table.category));
        let demand = c.map_or(0.0, |c| c.demand_population);
        let s = c.and_then(|c| c.supply.clone());
        (demand, s)
    };
    let row = |name: String, (demand, s): (f64, Option<SupplyFigures>)| {
        let s = s.unwrap_or(SupplyFigures {
            supply_per_1000: 0.0,
            standard_per_1000: table.standard_per_1000,
            shortfall: 0.0,
            served_share: 0.0,
        });
        vec![
            Cell::Text(name),
            Cell::Count(demand),
            Cell::Number(s.supply_per_1000, 1),
            Cell::Number(s.standard_per_1000, 1),
            Cell::Number(s.shortfall, 1),
            Cell::Share(s.served_share),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = d
        .report
        .townships
        .iter()
        .map(|t| row(t.name.clone(), figures(&t.figures)))
        .collect();
    rows.push(row(total_label(lang).to_string(), figures(&d.report.total)));
    Table {
        groups: Vec::new(),
        headers: vec![
            lang.pick("乡镇", "township").into(),
            format!("{}（{}）", lang.pick("需求", "demand"), population_label(d)),
            format!("{}（{unit}）", lang.pick("每千人供给", "supply per 1,000")),
            format!(
                "{}（{unit}）",
                lang.pick("每千人标准", "standard per 1,000")
            ),
            format!("{}（{unit}）", lang.pick("缺口", "shortfall")),
            lang.pick("达标服务率", "served to standard").into(),
        ],
        rows,
        total_last: true,
    }
}

/// Every facility of every capacity table: tier, category, name,
/// township, capacity, demand, load and status.
pub(crate) fn facility_load_table(d: &ReportData<'_>) -> Table {
    let lang = d.lang;
    let layers = d.input.layers;
    let underused = d.input.profile.supply.underused_below;
    let mut rows = Vec::new();
    for table in &d.input.assessment.capacity {
        let tier = &d.report.total.tiers[table.tier];
        for f in &table.facilities {
            let facility = layers.facilities.get(f.facility as usize);
            rows.push(vec![
                Cell::Text(tier_name(d, table.tier, tier)),
                Cell::Text(category_name(d, &table.category)),
                Cell::Text(facility.map_or(String::new(), |x| x.name.clone())),
                Cell::Text(township_name(layers, f.township, lang).to_string()),
                Cell::Number(f.capacity, 0),
                Cell::Number(f.demand, 1),
                Cell::Number(f.load(), 2),
                Cell::Text(status_name(lang, f.status(underused)).to_string()),
            ]);
        }
    }
    Table {
        groups: Vec::new(),
        headers: vec![
            lang.pick("生活圈", "tier").into(),
            lang.pick("设施类别", "category").into(),
            lang.pick("设施名称", "facility").into(),
            lang.pick("所在乡镇", "township").into(),
            lang.pick("容量", "capacity").into(),
            lang.pick("服务需求", "demand").into(),
            lang.pick("负荷", "load").into(),
            lang.pick("状态", "status").into(),
        ],
        rows,
        total_last: false,
    }
}

fn township_name(layers: &Layers, t: Option<u32>, lang: Lang) -> &str {
    t.and_then(|t| layers.townships.get(t as usize))
        .map_or(lang.pick("域外", "outside"), |t| t.name.as_str())
}

/// `facility_load.csv`: `tier,category,facility,name,township,capacity,
/// demand,load` for every facility with a capacity of every tier ×
/// category with a standard, in tier, category and file order (METHOD 17);
/// `facility` is the 0-based index in the facilities file, `township` the
/// facility's own ("outside" when in none).
pub fn facility_load_csv(assessment: &Assessment, profile: &Profile, layers: &Layers) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "tier", "category", "facility", "name", "township", "capacity", "demand", "load",
    ]);
    for table in &assessment.capacity {
        let tier = &profile.tiers[table.tier].id;
        for f in &table.facilities {
            let _ = w.write_record([
                tier.as_str(),
                table.category.as_str(),
                &f.facility.to_string(),
                layers
                    .facilities
                    .get(f.facility as usize)
                    .map_or("", |x| x.name.as_str()),
                township_name(layers, f.township, Lang::En),
                &f.capacity.to_string(),
                &f.demand.to_string(),
                &f.load().to_string(),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Progress, assess};

    #[test]
    fn facility_load_csv_of_the_tiny_case() {
        let (mut layers, _) = crate::analysis::tests::tiny_case();
        layers.facilities[0].capacity = Some(20.0);
        layers.facilities[0].name = "Shop".into();
        let profile = Profile::from_json(
            r#"{"categories":[{"id":"shop","standard_per_1000":500}],
                "modes":{"walk":{"speed_kmh":3.6}},"tiers":[
                {"id":"t5","minutes":5,"mode":"walk","categories":["shop"]},
                {"id":"t10","minutes":10,"mode":"walk","categories":["shop","school"]}]}"#,
        )
        .unwrap();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let csv = facility_load_csv(&a, &profile, &layers);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines,
            [
                "tier,category,facility,name,township,capacity,demand,load",
                "t5,shop,0,Shop,East,20,10,0.5",
                "t10,shop,0,Shop,East,20,40,2",
            ]
        );
    }
}
