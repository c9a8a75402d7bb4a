//! The road and population part of the layouts tab (issue 16): the
//! draw-road / close-road / draw-area / scale-area tools with their options
//! (road class, speed, one-way; population and settlement of a new area;
//! the scaling factor), and one line per change for the edit list and the
//! comparison.
//!
//! Layer: ui (reads state, returns actions).

use crate::model::{Scenario, Settlement};
use crate::state::Action;
use crate::state::layouts::{EditTool, LayoutAction, Layouts};
use crate::state::scenario_edit::{DrawOptions, ROAD_CLASSES};
use crate::ui::i18n::Lang;
use eframe::egui;

/// Road class names as planners say them.
fn class_name(class: &str, lang: Lang) -> String {
    let zh = match class {
        "primary" => "主干路",
        "secondary" => "次干路",
        "tertiary" => "支路",
        "unclassified" => "乡村道路",
        "residential" => "居住区道路",
        "track" => "机耕路",
        "footway" => "步行道",
        _ => return class.to_string(),
    };
    if lang.is_chinese() {
        zh.to_string()
    } else {
        class.to_string()
    }
}

/// Length of a lon/lat line in km (tangent-plane approximation).
fn length_km(line: &geo::LineString<f64>) -> f64 {
    line.0
        .windows(2)
        .map(|w| {
            let mx = 111.32 * ((w[0].y + w[1].y) / 2.0).to_radians().cos();
            ((w[1].x - w[0].x) * mx).hypot((w[1].y - w[0].y) * 110.574)
        })
        .sum()
}

/// One line per road or population change of `scenario`.
pub fn describe(scenario: &Scenario, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    // A study segment split to connect a drawn road is a closure of the
    // segment plus its pieces added: one line, not several.
    let split = split_segments(scenario);
    let restyled = restyled_segments(scenario);
    for (i, r) in scenario.roads_added.iter().enumerate() {
        if split.iter().any(|(_, pieces)| pieces.contains(&i))
            || restyled.iter().any(|(_, ri)| *ri == i)
        {
            continue;
        }
        let class = r.highway.as_deref().unwrap_or("road");
        let mut s = format!(
            "{} {} {:.2} km",
            lang.pick("新建道路", "New road"),
            class_name(class, lang),
            length_km(&r.line)
        );
        if let Some(v) = r.maxspeed_kmh {
            s.push_str(&format!(", {v:.0} km/h"));
        }
        if r.oneway != crate::model::Oneway::No {
            s.push_str(lang.pick("，单行", ", one-way"));
        }
        out.push(s);
    }
    for (i, c) in scenario.roads_closed.iter().enumerate() {
        if let Some((_, ri)) = restyled.iter().find(|(k, _)| *k == i) {
            let r = &scenario.roads_added[*ri];
            let mut s = format!(
                "{} {:.2} km → {}",
                lang.pick("路段改为", "Road segment changed"),
                length_km(c),
                class_name(r.highway.as_deref().unwrap_or("road"), lang)
            );
            if let Some(v) = r.maxspeed_kmh {
                s.push_str(&format!(", {v:.0} km/h"));
            }
            if r.oneway != crate::model::Oneway::No {
                s.push_str(lang.pick("，单行", ", one-way"));
            }
            out.push(s);
            continue;
        }
        if split.iter().any(|(k, _)| *k == i) {
            out.push(
                lang.pick(
                    "既有路段打断以接入新路",
                    "Road segment split to connect a new road",
                )
                .to_string(),
            );
            continue;
        }
        out.push(format!(
            "{} {:.2} km",
            lang.pick("封闭路段", "Closed road segment"),
            length_km(c)
        ));
    }
    for r in &scenario.residents_added {
        out.push(format!(
            "{} {}",
            lang.pick("新增居民点", "New residents"),
            lang.count(r.population)
        ));
    }
    for a in &scenario.residential_areas {
        out.push(format!(
            "{} {}{}",
            lang.pick("新建居住区", "New residential area"),
            lang.count(a.population),
            lang.pick("人", " people")
        ));
    }
    for c in &scenario.population_changes {
        out.push(if c.factor == 0.0 {
            lang.pick(
                "区域内人口迁出（×0）",
                "Population relocated out of an area (×0)",
            )
            .to_string()
        } else {
            format!(
                "{} ×{:.2}",
                lang.pick("区域内人口", "Population of an area"),
                c.factor
            )
        });
    }
    out
}

/// Closures (by index) of one segment added back as a road of its own
/// (a changed class, speed or one-way), with that road's index.
fn restyled_segments(scenario: &Scenario) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (ci, c) in scenario.roads_closed.iter().enumerate() {
        let [a, b] = match c.0.as_slice() {
            [a, b] => [*a, *b],
            _ => continue,
        };
        let found = scenario.roads_added.iter().enumerate().position(|(ri, r)| {
            let same_ends = matches!(r.line.0.as_slice(), [p, q] if (*p == a && *q == b) || (*p == b && *q == a));
            same_ends && !out.iter().any(|(_, x)| *x == ri)
        });
        if let Some(ri) = found {
            out.push((ci, ri));
        }
    }
    out
}

/// Closures (by index) whose segment is replaced by added pieces of the
/// same road running between its two ends, with those pieces.
fn split_segments(scenario: &Scenario) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    for (ci, c) in scenario.roads_closed.iter().enumerate() {
        let [a, b] = match c.0.as_slice() {
            [a, b] => [*a, *b],
            _ => continue,
        };
        // Follow two-vertex added roads from a to b.
        let mut at = a;
        let mut pieces = Vec::new();
        while at != b && pieces.len() < 4 {
            let next = scenario
                .roads_added
                .iter()
                .enumerate()
                .find(|(i, r)| r.line.0.len() == 2 && r.line.0[0] == at && !pieces.contains(i));
            let Some((i, r)) = next else { break };
            pieces.push(i);
            at = r.line.0[1];
        }
        if at == b && pieces.len() >= 2 {
            out.push((ci, pieces));
        }
    }
    out
}

/// The road and population tools and their options.
pub fn tools_ui(ui: &mut egui::Ui, lang: Lang, layouts: &Layouts, actions: &mut Vec<Action>) {
    let push = |actions: &mut Vec<Action>, a| actions.push(Action::Layout(a));
    ui.horizontal_wrapped(|ui| {
        for (tool, zh_name, en_name) in [
            (EditTool::DrawRoad, "画道路", "Draw road"),
            (EditTool::CloseRoad, "封闭道路", "Close road"),
            (EditTool::RestyleRoad, "改道路等级", "Change road class"),
            (EditTool::DrawArea, "画居住区", "Draw residential area"),
            (EditTool::ScaleArea, "调整人口", "Scale population"),
        ] {
            if ui
                .selectable_label(layouts.tool == tool, lang.pick(zh_name, en_name))
                .clicked()
            {
                push(actions, LayoutAction::SetTool(tool));
            }
        }
    });
    let mut o: DrawOptions = layouts.draw.clone();
    match layouts.tool {
        EditTool::DrawRoad | EditTool::RestyleRoad => {
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(lang.pick("道路等级：", "Road class:"));
                egui::ComboBox::from_id_salt("road_class")
                    .selected_text(class_name(&o.road_class, lang))
                    .show_ui(ui, |ui| {
                        for c in ROAD_CLASSES {
                            ui.selectable_value(
                                &mut o.road_class,
                                c.to_string(),
                                class_name(c, lang),
                            );
                        }
                    })
                    .response
                    .labelled_by(label.id);
                let mut limited = o.maxspeed_kmh.is_some();
                ui.checkbox(&mut limited, lang.pick("限速", "Speed limit"));
                if limited {
                    let mut v = o.maxspeed_kmh.unwrap_or(40.0);
                    ui.add(
                        egui::DragValue::new(&mut v)
                            .range(5.0..=120.0)
                            .suffix(" km/h"),
                    );
                    o.maxspeed_kmh = Some(v);
                } else {
                    o.maxspeed_kmh = None;
                }
                ui.checkbox(
                    &mut o.oneway,
                    lang.pick("单行（按绘制方向）", "One-way (as drawn)"),
                );
            });
        }
        EditTool::DrawArea => {
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(lang.pick("人口：", "Population:"));
                ui.add(egui::DragValue::new(&mut o.area_population).speed(10.0))
                    .labelled_by(label.id);
                let label = ui.label(lang.pick("城乡：", "Settlement:"));
                let name = |s: Option<Settlement>| match s {
                    None => lang.pick("未指定", "not given"),
                    Some(Settlement::Town) => lang.pick("镇区", "town"),
                    Some(Settlement::Village) => lang.pick("乡村", "village"),
                };
                egui::ComboBox::from_id_salt("area_settlement")
                    .selected_text(name(o.area_settlement))
                    .show_ui(ui, |ui| {
                        for s in [None, Some(Settlement::Town), Some(Settlement::Village)] {
                            ui.selectable_value(&mut o.area_settlement, s, name(s));
                        }
                    })
                    .response
                    .labelled_by(label.id);
            });
            ui.weak(lang.pick(
                "居住区人口计为其形心处的一个居民点。",
                "The area's people are one demand point at its centroid.",
            ));
        }
        EditTool::ScaleArea => {
            ui.horizontal_wrapped(|ui| {
                let label = ui.label(lang.pick("人口乘以：", "Multiply population by:"));
                ui.add(egui::DragValue::new(&mut o.scale_factor).speed(0.05))
                    .labelled_by(label.id);
                ui.weak(lang.pick("0 = 整体搬迁", "0 = relocated"));
            });
        }
        _ => {}
    }
    if o != layouts.draw {
        push(actions, LayoutAction::SetDrawOptions(o));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layers, Oneway, Road};
    use crate::state::scenario_edit::{DrawOptions, with_road};

    #[test]
    fn a_split_for_a_new_road_is_one_line_in_the_list() {
        let layers = Layers {
            roads: Some(vec![Road {
                line: geo::LineString::from(vec![(0.0, 0.0), (0.01, 0.0)]),
                highway: Some("tertiary".into()),
                oneway: Oneway::No,
                maxspeed_kmh: None,
            }]),
            ..Layers::default()
        };
        let s = with_road(
            &layers,
            &Scenario::default(),
            &[[0.005, 0.0001], [0.005, 0.01]],
            &DrawOptions::default(),
            30.0,
        )
        .unwrap();
        assert_eq!((s.roads_added.len(), s.roads_closed.len()), (3, 1));
        let lines = describe(&s, Lang::En);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("New road residential"), "{lines:?}");
        assert!(lines[1].contains("split"), "{lines:?}");
        let r = crate::state::scenario_edit::with_restyled(
            &Scenario::default(),
            [0.0, 0.0],
            [0.01, 0.0],
            &DrawOptions {
                road_class: "primary".into(),
                ..DrawOptions::default()
            },
        );
        assert_eq!(
            describe(&r, Lang::En),
            ["Road segment changed 1.11 km → primary"]
        );
    }
}
