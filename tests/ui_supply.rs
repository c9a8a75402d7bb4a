//! The Supply panel (供需) on the demo district, driven by label through
//! egui_kittest: the 5-minute kindergarten table lists 航埠镇 short of
//! seats and an under-used facility, and the map rings that category's
//! facilities by load while the panel shows.

mod common;

use common::demo_harness;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::NodeT as _;
use egui_kittest::kittest::Queryable as _;
use lifecircle::analysis::LoadStatus;
use lifecircle::state::supply::{facility_rows, township_rows};

#[test]
fn the_supply_panel_shows_shortfalls_loads_and_rings() {
    let mut harness = demo_harness();
    assert_eq!(
        harness.state().supply_rings_drawn(),
        0,
        "no rings before the panel shows"
    );
    harness.get_by_label("供需").click();
    harness.run_ok();
    assert!(harness.state().workspace().supply().shown);
    // Choose 5分钟 · 幼儿园 in the picker.
    let t5 = harness
        .state()
        .results()
        .unwrap()
        .profile
        .tiers
        .iter()
        .position(|t| t.id == "t5")
        .unwrap();
    harness.state_mut().supply_mut().table = Some((t5, "kindergarten".to_string()));
    harness.run_ok();
    {
        let app = harness.state();
        let results = app.results().unwrap();
        let table = app
            .workspace()
            .supply()
            .shown_table(&results.assessment)
            .expect("no kindergarten table");
        assert_eq!((table.tier, table.category.as_str()), (t5, "kindergarten"));
        let rows = township_rows(&results.assessment.report, table, true);
        let hangbu = rows
            .iter()
            .find(|r| r.name == "航埠镇")
            .expect("航埠镇 not listed");
        assert!(hangbu.figures.shortfall > 0.0, "{hangbu:?}");
        // Sorted by shortfall: the largest first, the district last.
        assert!(rows[0].figures.shortfall >= rows[1].figures.shortfall);
        assert!(rows.last().unwrap().township.is_none());
        let facilities = facility_rows(
            table,
            &app.study().layers,
            &[],
            &results.assessment.report,
            &results.profile,
        );
        assert!(
            facilities.iter().any(|f| f.status == LoadStatus::UnderUsed),
            "no under-used kindergarten"
        );
        // The most loaded first.
        assert!(facilities.windows(2).all(|w| w[0].load >= w[1].load));
        assert_eq!(app.supply_rings_drawn(), facilities.len());
        assert!(app.supply_rings_drawn() > 0);
    }
    // 航埠镇 in the township table (and as the township of its facilities).
    assert!(harness.query_all_by_label("航埠镇").count() >= 1);
    assert!(harness.query_all_by_label("闲置").count() >= 1);
    harness.get_by_label("按缺口排序").click();
    harness.run_ok();
    assert!(harness.state().workspace().supply().by_shortfall);
    // Back to the results: no rings.
    harness.get_by_label("评估结果").click();
    harness.run_ok();
    assert_eq!(harness.state().supply_rings_drawn(), 0);
}

#[test]
fn the_profile_panel_shows_groups_and_standards_with_proposed_values() {
    let mut harness = demo_harness();
    harness.get_by_label("评估方案").click();
    harness.run_ok();
    harness.get_by_label("需求人群（默认占比）").click();
    harness.run_ok();
    harness.get_by_label("千人指标（每千人）").click();
    harness.run_ok();
    // The kindergarten standard is a proposed value in the default profile.
    assert!(harness.query_all_by_label("提议值").count() >= 1);
    let profile = &harness.state().study().profile;
    assert!(!profile.supply.groups.is_empty());
    for g in &profile.supply.groups {
        let name = if g.name_zh.is_empty() {
            &g.id
        } else {
            &g.name_zh
        };
        assert!(
            harness.query_all_by_label(name).count() >= 1,
            "group {name} not shown"
        );
    }
}

/// The kindergarten demand (children 3–6) of 航埠镇 in the results.
fn hangbu_children(
    harness: &egui_kittest::Harness<'static, lifecircle::app::LifeCircleApp>,
) -> f64 {
    let results = harness.state().results().unwrap();
    let t5 = results
        .profile
        .tiers
        .iter()
        .position(|t| t.id == "t5")
        .unwrap();
    results
        .assessment
        .report
        .townships
        .iter()
        .find(|t| t.name == "航埠镇")
        .unwrap()
        .figures
        .tiers[t5]
        .categories
        .iter()
        .find(|c| c.id == "kindergarten")
        .unwrap()
        .demand_population
}

#[test]
fn a_group_shares_table_from_the_data_tab_changes_the_demand_and_clears() {
    use lifecircle::state::files::ScriptedDialogs;
    let dir = std::env::temp_dir().join(format!("lifecircle-ui-shares-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("shares.csv");
    std::fs::write(&good, "township,children_3_6\n航埠镇,10%\n").unwrap();
    let bad = dir.join("bad-shares.csv");
    std::fs::write(&bad, "township,children_3_6\n不存在镇,0.1\n").unwrap();
    let mut harness = demo_harness();
    let before = hangbu_children(&harness);
    let population = harness
        .state()
        .results()
        .unwrap()
        .assessment
        .report
        .townships[harness
        .state()
        .study()
        .layers
        .townships
        .iter()
        .position(|t| t.name == "航埠镇")
        .unwrap()]
    .figures
    .population;
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([
            Some(bad.clone()),
            Some(good.clone()),
        ])));
    harness.get_by_label("数据").click();
    harness.run_ok();
    // A township the study does not have: an error naming the file, nothing changes.
    harness.get_by_label("导入人群占比表…").click();
    harness.run_ok();
    {
        let app = harness.state();
        let message = app.message().expect("no message");
        assert!(message.is_error());
        let text = message.text(lifecircle::ui::i18n::Lang::En);
        assert!(
            text.contains("bad-shares.csv") && text.contains("不存在镇"),
            "{text}"
        );
        assert!(app.study().profile.supply.township_shares.is_empty());
    }
    harness.get_by_label("导入人群占比表…").click();
    harness.run_ok();
    let with_table = hangbu_children(&harness);
    assert!(
        (with_table - 0.1 * population).abs() < 1e-6 * population,
        "{with_table} vs 10 % of {population} (before {before})"
    );
    harness.get_by_label("shares.csv");
    harness.get_by_label("清除").click();
    harness.run_ok();
    assert!((hangbu_children(&harness) - before).abs() < 1e-9);
    assert!(
        harness
            .state()
            .study()
            .profile
            .supply
            .township_shares
            .is_empty()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_heat_layer_shows_supply_against_the_standard() {
    use lifecircle::state::map_geometry::{HeatSource, heat_values};
    let mut harness = demo_harness();
    // The legend's heat picker offers the tier's capacity tables.
    harness
        .get_by_role_and_label(Role::ComboBox, "热力显示：")
        .click();
    harness.run_ok();
    harness
        .query_all_by_role_and_label(Role::Button, "供给（每千人）：幼儿园")
        .find(|n| n.accesskit_node().toggled().is_some())
        .expect("the supply heat in the combo")
        .click();
    harness.run_ok();
    let source = HeatSource::Supply("kindergarten".to_string());
    assert_eq!(harness.state().settings().map.heat_source, source);
    harness.get_by_label("达到每千人标准");
    harness.get_by_label("无供给");
    let app = harness.state();
    let results = app.results().unwrap();
    let t5 = results
        .profile
        .tiers
        .iter()
        .position(|t| t.id == "t5")
        .unwrap();
    let table = results
        .assessment
        .capacity
        .iter()
        .find(|t| t.tier == t5 && t.category == "kindergarten")
        .unwrap();
    let values = heat_values(&results.assessment, &results.profile.tiers[t5], &source);
    assert_eq!(values.len(), table.access.len());
    for (v, a) in values.iter().zip(&table.access) {
        assert_eq!(*v, (1000.0 * a / table.standard_per_1000) as f32);
    }
    // 航埠镇 is short of seats, the town centre is not: both kinds show.
    assert!(values.iter().any(|v| *v < 0.5) && values.iter().any(|v| *v >= 1.0));
}

#[test]
fn the_heat_can_be_weighed_by_a_demand_group() {
    use lifecircle::state::map_geometry::group_heat_weights;
    let mut harness = demo_harness();
    harness
        .get_by_role_and_label(Role::ComboBox, "人群权重：")
        .click();
    harness.run_ok();
    let app = harness.state();
    let profile = &app.results().unwrap().profile;
    let group = profile
        .category_info("kindergarten")
        .unwrap()
        .group
        .clone()
        .unwrap();
    let name = profile.group(&group).unwrap().name_zh.clone();
    harness
        .query_all_by_role_and_label(Role::Button, &name)
        .find(|n| n.accesskit_node().toggled().is_some())
        .expect("the group in the combo")
        .click();
    harness.run_ok();
    let app = harness.state();
    assert_eq!(
        app.settings().map.heat_group.as_deref(),
        Some(group.as_str())
    );
    // The weights are the group's population: they add up to the
    // kindergartens' demand of the district.
    let results = app.results().unwrap();
    let weights = group_heat_weights(
        &results.assessment,
        &results.profile,
        &group,
        &app.study().layers.townships,
    )
    .unwrap();
    let t5 = results
        .profile
        .tiers
        .iter()
        .position(|t| t.id == "t5")
        .unwrap();
    let demand = results.assessment.report.total.tiers[t5]
        .categories
        .iter()
        .find(|c| c.id == "kindergarten")
        .unwrap()
        .demand_population;
    let sum: f64 = weights.iter().map(|w| *w as f64).sum();
    assert!((sum - demand).abs() < 1e-3 * demand, "{sum} vs {demand}");
}

#[test]
fn the_profile_panel_has_a_share_per_township_and_group() {
    let mut harness = demo_harness();
    harness.get_by_label("评估方案").click();
    harness.run_ok();
    harness.get_by_label("各乡镇人群占比").click();
    harness.run_ok();
    let groups = harness.state().study().profile.supply.groups.len();
    assert!(groups > 0);
    // One share per group in 航埠镇's row, labelled by the township.
    let spins = harness
        .query_all_by_role_and_label(Role::SpinButton, "航埠镇")
        .count();
    assert_eq!(spins, groups);
}
