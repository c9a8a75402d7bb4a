//! The Plan tab (建设时序) on the demo district, driven through
//! egui_kittest: a budgeted two-phase plan made from the tab, its list and
//! curve, the cumulative layouts per phase, and a bad phase split that is
//! refused without losing the plan; new-facility costs in the profile panel.

mod common;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lifecircle::analysis::PlanObjective;
use lifecircle::app::LifeCircleApp;
use lifecircle::state::Action;
use lifecircle::state::plan::PlanAction;

fn act(harness: &mut Harness<'static, LifeCircleApp>, action: Action) {
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(action, &ctx);
    harness.run_ok();
}

#[test]
fn a_planner_makes_a_phased_plan_and_its_layouts() {
    let mut harness = common::demo_harness();
    harness.get_by_label("建设时序").click();
    harness.run_ok();
    // The tab's defaults: 3000 万元 in 近期:1000, 远期:2000, every tier.
    harness.get_by_label("制定计划").click();
    harness.run_ok();

    let app = harness.state();
    let view = app.plan_state().view.as_ref().expect("no plan");
    let plan = &view.plan;
    assert!(plan.steps.len() >= 5, "{} steps", plan.steps.len());
    assert_eq!(plan.phases.len(), 2);
    assert!(plan.spent() <= 3000.0 + 1e-9);
    for p in &plan.phases {
        assert!(p.spent <= p.budget + 1e-9, "{p:?}");
    }
    assert!(plan.bound_holds);
    // Every tier's complete share never falls along the plan.
    for &t in &plan.tiers {
        let curve = plan.curve(t);
        assert!(curve.windows(2).all(|w| w[1][1] >= w[0][1] - 1e-12));
        assert!(curve.windows(2).all(|w| w[1][0] >= w[0][0]));
    }
    let steps = plan.steps.clone();
    let tiers = plan.tiers.clone();
    let finals: Vec<f64> = tiers
        .iter()
        .map(|&t| plan.curve(t).last().unwrap()[1])
        .collect();
    // The list shows the phases and the button to make layouts.
    harness.get_by_label("按阶段生成布局方案");
    assert!(harness.query_all_by_label("近期").count() >= 1);

    harness.get_by_label("按阶段生成布局方案").click();
    harness.run_ok();
    let app = harness.state();
    let names: Vec<&str> = app
        .layouts()
        .layouts
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    let phases_with_sites = steps.iter().map(|s| s.phase).max().unwrap() + 1;
    let expected: Vec<&str> = ["近期", "近期+远期"][..phases_with_sites].to_vec();
    assert_eq!(names, expected);
    // The last layout (shown) holds every site; its figures are the plan's.
    let last = app.layouts().layouts.last().unwrap();
    assert_eq!(last.edits.len(), steps.len());
    assert_eq!(app.layouts().active, Some(names.len() - 1));
    let report = &app.results().unwrap().assessment.report;
    for (&t, &share) in tiers.iter().zip(&finals) {
        let real = report.total.tiers[t].complete_share;
        assert!(
            (real - share).abs() < 1e-9,
            "tier {t}: plan {share}, layout {real}"
        );
    }

    // A split that does not add up is refused; the plan stays.
    act(
        &mut harness,
        Action::Plan(PlanAction::Run {
            budget: 3000.0,
            phases: "近期:1000".into(),
            tier: None,
            township: None,
            objective: PlanObjective::PeopleCovered,
            capacity: None,
        }),
    );
    let problem = harness.state().plan_state().problem.clone().unwrap();
    assert!(problem.contains("3000"), "{problem}");
    harness.get_by_label(&problem);
    assert_eq!(
        harness
            .state()
            .plan_state()
            .view
            .as_ref()
            .unwrap()
            .plan
            .steps,
        steps
    );
}

/// The profile panel lists each required category's new-facility cost,
/// marks the proposed defaults, and an edited cost is the profile's.
#[test]
fn new_facility_costs_are_edited_in_the_profile_panel() {
    use egui::accesskit::Role;
    let mut harness = common::demo_harness();
    harness.get_by_label("评估方案").click();
    harness.run_ok();
    harness.get_by_label("新建设施造价（万元/处）").click();
    harness.run_ok();
    assert!(harness.query_all_by_label("提议值").count() >= 5);
    let spin = harness.get_by_role_and_label(Role::SpinButton, "幼儿园");
    spin.set_value_accesskit(650.0);
    harness.run_ok();
    harness.get_by_label("应用并重新评估").click();
    harness.run_ok();
    let profile = &harness.state().study().profile;
    let cost = profile.new_facility_cost("kindergarten").unwrap();
    assert_eq!((cost.wan_yuan, cost.proposed), (650.0, false));
    assert!(
        profile
            .new_facility_cost("farmers_market")
            .unwrap()
            .proposed
    );
}

/// The `served` objective from the tab: without a capacity for categories
/// whose profile entry gives none, the tab names the category; with one,
/// the plan is made and keeps its budget.
#[test]
fn the_served_objective_needs_a_capacity_and_then_plans() {
    let mut harness = common::demo_harness();
    let run = |capacity: Option<f64>| {
        Action::Plan(PlanAction::Run {
            budget: 1000.0,
            phases: String::new(),
            tier: Some(0),
            township: None,
            objective: PlanObjective::GroupServed,
            capacity,
        })
    };
    act(&mut harness, run(None));
    let problem = harness.state().plan_state().problem.clone().unwrap();
    assert!(problem.contains("\"kindergarten\""), "{problem}");
    assert!(harness.state().plan_state().view.is_none());
    act(&mut harness, run(Some(90.0)));
    let state = harness.state().plan_state();
    assert!(state.problem.is_none(), "{:?}", state.problem);
    let plan = &state.view.as_ref().unwrap().plan;
    assert!(!plan.steps.is_empty() && plan.bound_holds);
    assert!(plan.spent() <= 1000.0 + 1e-9);
    assert!(
        harness.state().layouts().live.is_some(),
        "the live assessment came back"
    );
}
