//! Sharing between townships, town and village, scorecards and joint sites
//! in the app (issue 15), driven through egui_kittest on the demo district:
//! the Sharing tab's matrix and the map's flows, the 城乡对比 toggle, the
//! Scorecard tab, the Joint checkbox of Suggest, and the town-area layer of
//! the Data tab (the real app, jobs run inline, file dialogs scripted).

mod common;

use common::{TOWNSHIPS, demo_harness};
use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use lifecircle::app::LifeCircleApp;
use lifecircle::state::files::ScriptedDialogs;
use lifecircle::state::sharing::SharedFigures;
use lifecircle::state::{Action, RightTab};
use lifecircle::ui::i18n::Lang;
use std::sync::Arc;

fn act(harness: &mut Harness<'static, LifeCircleApp>, action: Action) {
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(action, &ctx);
    harness.run_ok();
}

/// The demo at the 30-minute circle.
fn t30_harness() -> Harness<'static, LifeCircleApp> {
    let mut harness = demo_harness();
    let t30 = harness
        .state()
        .results()
        .unwrap()
        .profile
        .tiers
        .iter()
        .position(|t| t.id == "t30")
        .unwrap();
    act(&mut harness, Action::SelectTier(t30));
    harness
}

fn figures(harness: &Harness<'static, LifeCircleApp>) -> Arc<SharedFigures> {
    let r = harness.state().results().unwrap();
    Arc::clone(r.shared.as_ref().expect("the shared figures were computed"))
}

/// Open the combo box labelled `combo` and choose `item` in it.
fn choose(harness: &mut Harness<'static, LifeCircleApp>, combo: &str, item: &str) {
    harness.get_by_role_and_label(Role::ComboBox, combo).click();
    harness.run_ok();
    // The combo's item, a toggle (the name may show elsewhere too).
    harness
        .query_all_by_role_and_label(Role::Button, item)
        .find(|n| n.accesskit_node().toggled().is_some())
        .unwrap_or_else(|| panic!("{item} in the combo {combo}"))
        .click();
    harness.run_ok();
}

#[test]
fn the_sharing_tab_shows_who_serves_whom_and_sorts() {
    let mut harness = t30_harness();
    harness.get_by_label("共享").click();
    harness.run_ok();
    assert_eq!(harness.state().settings().right_tab, RightTab::Sharing);
    let f = figures(&harness);
    let tier = harness.state().tier_index();
    // The default category: the tier's first required one (general hospital).
    let k = f.table_index(tier, "general_hospital").unwrap();
    let table = &f.sharing.tables[k];
    let n = TOWNSHIPS.len();
    // Done-when: a township served mostly by a neighbour's facilities...
    let mostly: Vec<usize> = (0..n)
        .filter(|&r| table.covered(r) > 0.0 && table.served_by_own_share(r) < 0.5)
        .collect();
    assert!(mostly.contains(&4), "石室乡 has no hospital: {mostly:?}");
    // ... is in the matrix: its largest cell, by neighbour, as a label ...
    let row = &table.demand[4];
    let (to, people) = row
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(c, v)| (c, *v))
        .unwrap();
    assert_ne!(to, 4);
    assert!(people > 0.0);
    let cell = Lang::Zh.count(people);
    assert!(harness.query_all_by_label(&cell).count() >= 1, "{cell}");
    harness.get_by_label_contains("主要由邻镇服务");
    assert!(
        harness
            .query_all_by_label_contains("石室乡 (100.0% 由邻镇服务)")
            .count()
            == 1
    );
    // ... and drawn as a flow line from it to that township's facilities.
    let flows = &f.flows[k];
    let flow = flows
        .iter()
        .find(|x| x.from == 4 && x.to == Some(to))
        .unwrap();
    assert_eq!(flow.demand, people);
    assert!(flows.iter().all(|x| x.from != x.to.unwrap_or(usize::MAX)));
    // Every flow's people add up to the off-diagonal demand.
    let off: f64 = (0..n)
        .flat_map(|r| (0..=n).filter(move |&c| c != r).map(move |c| (r, c)))
        .map(|(r, c)| table.demand[r][c])
        .sum();
    let drawn: f64 = flows.iter().map(|x| x.demand).sum();
    assert!((off - drawn).abs() < 1e-6, "{off} vs {drawn}");
    assert!(!f.shared_facilities[k].is_empty());
    harness.get_by_label_contains("共享设施（服务两个及以上乡镇）：");

    // Sorting by the row total puts 荷花街道 (the most people) on top.
    let name_top = |h: &Harness<'static, LifeCircleApp>, name: &str| {
        h.query_all_by_role_and_label(Role::Label, name)
            .map(|n| n.rect().top())
            .fold(f32::INFINITY, f32::min)
    };
    assert!(name_top(&harness, "航埠镇") < name_top(&harness, "荷花街道"));
    // The column lies beyond the panel's width: scroll to it first.
    harness.get_by_label("覆盖合计").scroll_to_me();
    harness.run_ok();
    harness.get_by_label("覆盖合计").click();
    harness.run_ok();
    harness.get_by_label("覆盖合计 ↓");
    let order: Vec<f32> = TOWNSHIPS.iter().map(|t| name_top(&harness, t)).collect();
    let covered: Vec<f64> = (0..n).map(|r| table.covered(r)).collect();
    let biggest = (0..n)
        .max_by(|&a, &b| covered[a].total_cmp(&covered[b]))
        .unwrap();
    assert_eq!(TOWNSHIPS[biggest], "荷花街道");
    assert!(order.iter().all(|&y| y >= order[biggest]));

    // Another category from the list: the matrix follows.
    choose(&mut harness, "类别：", "派出所");
    let police = f.table_index(tier, "police_station").unwrap();
    let total: f64 = f.sharing.tables[police].covered(6);
    assert!(harness.query_all_by_label(&Lang::Zh.count(total)).count() >= 1);
}

#[test]
fn the_town_village_toggle_shows_both_shares_and_the_gap() {
    let mut harness = demo_harness();
    harness.get_by_label("城乡对比").click();
    harness.run_ok();
    let f = figures(&harness);
    assert!(f.split, "the demo's residents carry settlement");
    assert_eq!(harness.query_all_by_label("差距").count(), 3);
    harness.get_by_label_contains("差距 = 镇区 − 乡村");
    // 航埠镇's 5-minute town and village shares and their gap, as shown.
    let t5 = &f.report.townships[0].figures.tiers[0];
    let (town, village) = (
        t5.town_complete_share.unwrap(),
        t5.village_complete_share.unwrap(),
    );
    let gap = format!("{:+.1} pp", (town - village) * 100.0);
    assert!(harness.query_all_by_label(&gap).count() >= 1, "{gap}");
    assert!(
        harness
            .query_all_by_label(&Lang::Zh.percent(village))
            .count()
            >= 1
    );
    // The district row from the town and village populations.
    let (dt, dv) = f.district_town_village[0];
    let district_gap = format!("{:+.1} pp", (dt.unwrap() - dv.unwrap()) * 100.0);
    assert!(harness.query_all_by_label(&district_gap).count() >= 1);
    // Per category: town/village covered shares of the kindergarten.
    let split = f.category_split(0, "kindergarten").unwrap();
    let (t, v) = split.shares(0);
    let cell = format!("{:.0}/{:.0}", t.unwrap() * 100.0, v.unwrap() * 100.0);
    assert!(harness.query_all_by_label(&cell).count() >= 1, "{cell}");
    // The chart's legend names both classes; toggling back restores the table.
    harness.get_by_label("镇区与乡村完整率 · 5分钟邻里生活圈");
    harness.get_by_label("城乡对比").click();
    harness.run_ok();
    assert_eq!(harness.query_all_by_label("差距").count(), 0);
    harness.get_by_label("各乡镇完整率 · 5分钟邻里生活圈");
}

#[test]
fn the_scorecard_tab_has_a_card_per_township_sorted_by_distance_to_target() {
    let mut harness = t30_harness();
    harness.get_by_label("对标").click();
    harness.run_ok();
    let f = figures(&harness);
    let tier = harness.state().tier_index();
    assert_eq!(f.scorecards.len(), TOWNSHIPS.len());
    for name in TOWNSHIPS {
        harness.get_by_label(name);
    }
    // The hill townships miss the 95 % goal of the 30-minute circle.
    let not_met: Vec<&str> = f
        .scorecards
        .iter()
        .filter(|c| c.tiers[tier].met == Some(false))
        .map(|c| c.township.as_str())
        .collect();
    assert!(not_met.contains(&"七里乡") && not_met.contains(&"沟溪乡"));
    assert!(harness.query_all_by_label("达标").count() >= 1);
    assert!(harness.query_all_by_label_contains("未达标").count() >= not_met.len());
    // Furthest from the 30-minute target first: 沟溪乡 (65 %) above 七里乡 (77 %).
    let gap = |name: &str| {
        f.scorecards
            .iter()
            .find(|c| c.township == name)
            .unwrap()
            .tiers[tier]
            .distance_to_target
            .unwrap()
    };
    assert!(gap("沟溪乡") > gap("七里乡"));
    let card_top = |h: &Harness<'static, LifeCircleApp>, name: &str| {
        h.query_all_by_label(name)
            .map(|n| n.rect().top())
            .filter(|&y| y > 60.0)
            .fold(f32::INFINITY, f32::min)
    };
    assert!(card_top(&harness, "沟溪乡") < card_top(&harness, "七里乡"));
    assert!(card_top(&harness, "七里乡") < card_top(&harness, "荷花街道"));
    // 沟溪乡's 短板 with the people affected and the nearest facility.
    let card = f
        .scorecards
        .iter()
        .find(|c| c.township == "沟溪乡")
        .unwrap();
    let first = &card.shortfalls[0];
    assert!(
        harness
            .query_all_by_label_contains(&format!("{} 人未覆盖", Lang::Zh.count(first.not_covered)))
            .count()
            >= 1
    );
    assert!(
        harness
            .query_all_by_label_contains("最近现有设施：")
            .count()
            >= 1
    );
    // File order puts 航埠镇 first.
    choose(&mut harness, "排序：", "文件顺序");
    assert!(card_top(&harness, "航埠镇") < card_top(&harness, "沟溪乡"));
}

#[test]
fn the_joint_checkbox_suggests_sites_shared_by_two_townships() {
    let mut harness = t30_harness();
    harness.get_by_label("布局方案").click();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::CheckBox, "共建（服务两个及以上乡镇）")
        .click();
    harness.run_ok();
    // Inside 七里乡, whose neighbours have no 30-minute gaps, no joint site
    // exists, and the panel says so.
    choose(&mut harness, "范围：", "七里乡");
    harness.get_by_label("计算建议选址").click();
    harness.run_ok();
    let view = harness.state().layouts().suggestions.as_ref().unwrap();
    assert!(view.joint && view.sites.is_empty());
    harness.get_by_label("没有能同时新增覆盖两个及以上乡镇居民的选址。");
    // All required categories of the 30-minute circle over the whole
    // district: the south-east's gaps meet across borders (see
    // analysis::suggest's demo test); every site spans two townships.
    choose(&mut harness, "范围：", "全区");
    harness.get_by_label("计算建议选址").click();
    harness.run_ok();
    let view = harness.state().layouts().suggestions.as_ref().unwrap();
    assert!(view.joint && !view.sites.is_empty());
    for s in &view.sites {
        assert!(s.gain_by_township.iter().filter(|g| g.1 > 0.0).count() >= 2);
    }
    harness.get_by_label("各乡镇新增");
    let n = view.sites.len();
    let layouts_before = harness.state().layouts().layouts.len();
    harness.get_by_label("生成新方案").click();
    harness.run_ok();
    let app = harness.state();
    let layouts = app.layouts();
    assert_eq!(layouts.layouts.len(), layouts_before + 1);
    let made = layouts.layouts.last().unwrap();
    assert!(made.name.starts_with("共建选址"), "{}", made.name);
    assert_eq!(made.edits.len(), n);
    assert_eq!(layouts.active, Some(layouts.layouts.len() - 1));
}

#[test]
fn town_areas_load_and_clear_in_the_data_tab() {
    let mut harness = demo_harness();
    let dir = std::env::temp_dir().join(format!("lifecircle-ui-town-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let points = dir.join("town-points.geojson");
    std::fs::write(
        &points,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[118.9,29.0]}}]}"#,
    )
    .unwrap();
    let areas = dir.join("town-areas.geojson");
    std::fs::write(
        &areas,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[118.8,28.9],[119.1,28.9],[119.1,29.1],[118.8,29.1],[118.8,28.9]]]}}]}"#,
    )
    .unwrap();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([
            Some(points.clone()),
            Some(areas.clone()),
        ])));
    harness.get_by_label("数据").click();
    harness.run_ok();
    harness.get_by_label("未导入：按居民点的 settlement 属性区分镇区与乡村");
    // Points are not town areas: a message naming the file and the feature.
    harness.get_by_label("导入镇区范围…").click();
    harness.run_ok();
    let message = harness.state().message().unwrap().text(Lang::Zh);
    assert!(
        message.contains("town-points.geojson")
            && message.contains("feature 1")
            && message.contains("must be polygons"),
        "{message}"
    );
    assert!(harness.state().message().unwrap().is_error());
    assert!(harness.state().study().town_areas.is_none());
    // Polygons are used, and the town–village figures are recomputed.
    harness.get_by_label("导入镇区范围…").click();
    harness.run_ok();
    let (file, polygons) = harness.state().study().town_areas.clone().unwrap();
    assert_eq!((file.as_str(), polygons.len()), ("town-areas.geojson", 1));
    harness.get_by_label("1 个面");
    assert!(figures(&harness).split);
    harness.get_by_label("清除镇区范围").click();
    harness.run_ok();
    assert!(harness.state().study().town_areas.is_none());
    assert!(harness.state().results().unwrap().shared.is_some());
    std::fs::remove_dir_all(&dir).ok();
}
