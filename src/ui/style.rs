//! Colours and symbols of the workspace: the 5/15/30-minute ramp, the
//! goal colours of the results table, per-category colours and symbols, road
//! classes, and the programmatic window icon.

use eframe::egui;
use egui::Color32;

/// Map background (paper).
pub const MAP_BACKGROUND: Color32 = Color32::from_rgb(244, 242, 236);
/// Township outlines.
pub const TOWNSHIP_OUTLINE: Color32 = Color32::from_rgb(74, 88, 110);
/// The township under the mouse or chosen in the results table.
pub const TOWNSHIP_HIGHLIGHT: Color32 = Color32::from_rgb(30, 100, 200);
/// Town areas (镇区范围): a light fill and its outline.
pub const TOWN_AREA_FILL: Color32 = Color32::from_rgba_premultiplied(46, 27, 9, 48);
pub const TOWN_AREA_OUTLINE: Color32 = Color32::from_rgb(200, 120, 45);
/// Township names.
pub const TOWNSHIP_LABEL: Color32 = Color32::from_rgb(40, 48, 60);
/// Blind spots (盲区).
pub const BLIND_SPOT: Color32 = Color32::from_rgb(220, 20, 40);
/// Residents (demand points).
pub const RESIDENT: Color32 = Color32::from_rgba_premultiplied(60, 70, 160, 170);
/// The roads a chosen facility reaches within the tier's minutes.
pub const REACH: Color32 = Color32::from_rgb(120, 40, 200);
/// Missing categories in hover text.
pub const MISSING_TEXT: Color32 = Color32::from_rgb(200, 30, 30);
/// Text drawn on the map.
pub const MAP_TEXT: Color32 = Color32::from_rgb(30, 30, 30);

/// One band of the travel-time ramp.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RampBand {
    /// Upper bound in minutes (inclusive); `INFINITY` for "reached later".
    pub up_to: f32,
    /// Fill colour.
    pub color: Color32,
}

/// The 5/15/30-minute ramp: ≤ 5, ≤ 15, ≤ 30, later.
pub const RAMP: [RampBand; 4] = [
    RampBand {
        up_to: 5.0,
        color: Color32::from_rgb(26, 152, 80),
    },
    RampBand {
        up_to: 15.0,
        color: Color32::from_rgb(145, 207, 96),
    },
    RampBand {
        up_to: 30.0,
        color: Color32::from_rgb(250, 210, 90),
    },
    RampBand {
        up_to: f32::INFINITY,
        color: Color32::from_rgb(245, 130, 70),
    },
];

/// Heat colour of residents that cannot reach the category at all (or not
/// within the limit the minutes were computed to).
pub const UNREACHED: Color32 = Color32::from_rgb(160, 40, 50);

/// Heat colour of a travel time in minutes (`INFINITY` = not reached).
///
/// ```
/// use lifecircle::ui::style::{minutes_color, RAMP, UNREACHED};
/// assert_eq!(minutes_color(5.0), RAMP[0].color);
/// assert_eq!(minutes_color(5.1), RAMP[1].color);
/// assert_eq!(minutes_color(f32::INFINITY), UNREACHED);
/// ```
pub fn minutes_color(minutes: f32) -> Color32 {
    if !minutes.is_finite() || minutes.is_nan() {
        return UNREACHED;
    }
    RAMP.iter()
        .find(|b| minutes <= b.up_to)
        .map_or(UNREACHED, |b| b.color)
}

/// Heat colour of a demand point's supply against the standard, as the
/// ratio `1000·A_i / standard` (METHOD 15–16): the standard met (green,
/// with the served share's tolerance), half of it, a quarter, some, none
/// (dark red).
///
/// ```
/// use lifecircle::ui::style::{supply_color, RAMP, UNREACHED};
/// assert_eq!(supply_color(1.0), RAMP[0].color);
/// assert_eq!(supply_color(0.6), RAMP[1].color);
/// assert_eq!(supply_color(0.3), RAMP[2].color);
/// assert_eq!(supply_color(0.1), RAMP[3].color);
/// assert_eq!(supply_color(0.0), UNREACHED);
/// ```
pub fn supply_color(ratio: f32) -> Color32 {
    if !ratio.is_finite() || ratio <= 0.0 {
        UNREACHED
    } else if ratio >= 1.0 - 1e-6 {
        RAMP[0].color
    } else if ratio >= 0.5 {
        RAMP[1].color
    } else if ratio >= 0.25 {
        RAMP[2].color
    } else {
        RAMP[3].color
    }
}

/// How a figure compares with the goal (100 % of the population).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoalStatus {
    /// At least 95 %.
    Met,
    /// At least 70 %.
    Near,
    /// Below 70 %.
    Far,
}

impl GoalStatus {
    /// Classify a share 0–1 against the 100 % goal.
    ///
    /// ```
    /// use lifecircle::ui::style::GoalStatus;
    /// assert_eq!(GoalStatus::of(0.95), GoalStatus::Met);
    /// assert_eq!(GoalStatus::of(0.7), GoalStatus::Near);
    /// assert_eq!(GoalStatus::of(0.69), GoalStatus::Far);
    /// ```
    pub fn of(share: f64) -> Self {
        if share >= 0.95 {
            GoalStatus::Met
        } else if share >= 0.70 {
            GoalStatus::Near
        } else {
            GoalStatus::Far
        }
    }

    /// Cell background in the results table.
    pub fn fill(self) -> Color32 {
        match self {
            GoalStatus::Met => Color32::from_rgb(190, 228, 192),
            GoalStatus::Near => Color32::from_rgb(255, 226, 140),
            GoalStatus::Far => Color32::from_rgb(250, 190, 190),
        }
    }

    /// Bar colour in the chart.
    pub fn strong(self) -> Color32 {
        match self {
            GoalStatus::Met => Color32::from_rgb(46, 125, 50),
            GoalStatus::Near => Color32::from_rgb(230, 160, 20),
            GoalStatus::Far => Color32::from_rgb(198, 40, 40),
        }
    }
}

/// A facility symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// 5-minute tier categories.
    Circle,
    /// 15-minute tier categories.
    Square,
    /// 30-minute tier categories.
    Triangle,
    /// Any other tier, or no tier.
    Diamond,
}

impl Symbol {
    /// The symbol of the `tier_index`-th tier (0 = 5-minute circle …).
    pub fn for_tier(tier_index: Option<usize>) -> Self {
        match tier_index {
            Some(0) => Symbol::Circle,
            Some(1) => Symbol::Square,
            Some(2) => Symbol::Triangle,
            _ => Symbol::Diamond,
        }
    }

    /// The symbol's outline points, centred at `c` with half-size `r`
    /// (clockwise on screen); a circle is approximated by 12 points.
    pub fn outline(self, c: egui::Pos2, r: f32) -> Vec<egui::Pos2> {
        match self {
            Symbol::Circle => (0..12)
                .map(|i| {
                    let a = i as f32 / 12.0 * std::f32::consts::TAU;
                    c + egui::vec2(a.cos(), a.sin()) * r
                })
                .collect(),
            Symbol::Square => {
                let h = 0.85 * r;
                vec![
                    c + egui::vec2(-h, -h),
                    c + egui::vec2(h, -h),
                    c + egui::vec2(h, h),
                    c + egui::vec2(-h, h),
                ]
            }
            Symbol::Triangle => vec![
                c + egui::vec2(0.0, -1.15 * r),
                c + egui::vec2(1.05 * r, 0.75 * r),
                c + egui::vec2(-1.05 * r, 0.75 * r),
            ],
            Symbol::Diamond => vec![
                c + egui::vec2(0.0, -1.2 * r),
                c + egui::vec2(1.2 * r, 0.0),
                c + egui::vec2(0.0, 1.2 * r),
                c + egui::vec2(-1.2 * r, 0.0),
            ],
        }
    }

    /// Paint the symbol centred at `c` with half-size `r`.
    pub fn paint(self, painter: &egui::Painter, c: egui::Pos2, r: f32, fill: Color32) {
        let stroke = egui::Stroke::new(1.0, Color32::from_gray(30));
        match self {
            Symbol::Circle => {
                painter.circle(c, r, fill, stroke);
            }
            Symbol::Square => {
                let rect = egui::Rect::from_center_size(c, egui::vec2(1.7 * r, 1.7 * r));
                painter.rect(rect, 0.0, fill, stroke, egui::StrokeKind::Middle);
            }
            Symbol::Triangle => {
                let pts = vec![
                    c + egui::vec2(0.0, -1.15 * r),
                    c + egui::vec2(1.05 * r, 0.75 * r),
                    c + egui::vec2(-1.05 * r, 0.75 * r),
                ];
                painter.add(egui::Shape::convex_polygon(pts, fill, stroke));
            }
            Symbol::Diamond => {
                let pts = vec![
                    c + egui::vec2(0.0, -1.2 * r),
                    c + egui::vec2(1.2 * r, 0.0),
                    c + egui::vec2(0.0, 1.2 * r),
                    c + egui::vec2(-1.2 * r, 0.0),
                ];
                painter.add(egui::Shape::convex_polygon(pts, fill, stroke));
            }
        }
    }
}

/// Twelve well-separated colours for facility categories.
const CATEGORY_PALETTE: [Color32; 12] = [
    Color32::from_rgb(31, 119, 180),
    Color32::from_rgb(255, 127, 14),
    Color32::from_rgb(44, 160, 44),
    Color32::from_rgb(214, 39, 40),
    Color32::from_rgb(148, 103, 189),
    Color32::from_rgb(140, 86, 75),
    Color32::from_rgb(227, 119, 194),
    Color32::from_rgb(127, 127, 127),
    Color32::from_rgb(188, 189, 34),
    Color32::from_rgb(23, 190, 207),
    Color32::from_rgb(0, 90, 90),
    Color32::from_rgb(120, 60, 0),
];

/// Colour of the `index`-th category of the profile.
pub fn category_color(index: usize) -> Color32 {
    CATEGORY_PALETTE[index % CATEGORY_PALETTE.len()]
}

/// How a road class is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoadStyle {
    /// Width in points at a close zoom.
    pub width: f32,
    /// Line colour.
    pub color: Color32,
    /// Drawing order: higher classes are drawn last (on top).
    pub rank: u8,
}

/// The road classes drawn differently, from minor to major.
pub const ROAD_STYLES: [RoadStyle; 6] = [
    // 0: paths, footways, steps, tracks
    RoadStyle {
        width: 0.8,
        color: Color32::from_rgb(190, 165, 125),
        rank: 0,
    },
    // 1: residential, unclassified, service, unknown
    RoadStyle {
        width: 1.1,
        color: Color32::from_rgb(170, 170, 170),
        rank: 1,
    },
    // 2: tertiary
    RoadStyle {
        width: 1.7,
        color: Color32::from_rgb(120, 120, 120),
        rank: 2,
    },
    // 3: secondary
    RoadStyle {
        width: 2.2,
        color: Color32::from_rgb(225, 185, 60),
        rank: 3,
    },
    // 4: primary
    RoadStyle {
        width: 2.7,
        color: Color32::from_rgb(235, 140, 60),
        rank: 4,
    },
    // 5: motorway, trunk
    RoadStyle {
        width: 3.2,
        color: Color32::from_rgb(205, 80, 60),
        rank: 5,
    },
];

/// Index into [`ROAD_STYLES`] of an OSM `highway` class (the class is
/// plain data, shared with the map geometry and reports).
pub use crate::model::road_class;

/// The window icon: three concentric rings in the 5/15/30 colours around a
/// dot, `size`×`size` RGBA (unpremultiplied), transparent outside.
pub fn icon_rgba(size: u32) -> Vec<u8> {
    let mut rgba = vec![0u8; (size * size * 4) as usize];
    let c = (size as f32 - 1.0) / 2.0;
    let scale = size as f32 / 64.0;
    // (outer radius, inner radius, colour) in a 64-px design.
    let rings = [
        (31.5, 24.5, RAMP[2].color),
        (22.5, 15.5, RAMP[1].color),
        (13.5, 6.5, RAMP[0].color),
    ];
    for y in 0..size {
        for x in 0..size {
            let d = ((x as f32 - c).powi(2) + (y as f32 - c).powi(2)).sqrt() / scale;
            let mut px = if d <= 4.5 {
                Some(Color32::from_rgb(40, 48, 60))
            } else {
                None
            };
            for (outer, inner, color) in rings {
                if d <= outer && d >= inner {
                    px = Some(color);
                }
            }
            if let Some(color) = px {
                let i = ((y * size + x) * 4) as usize;
                rgba[i..i + 4].copy_from_slice(&[color.r(), color.g(), color.b(), 255]);
            }
        }
    }
    rgba
}

/// A column header that sorts its table: the sorted column shows ↑ or ↓;
/// a click on it flips the order, a click on another column sorts by that
/// one, descending when `descending_first` says so for it. `size`: the
/// text size, when not the default.
pub(crate) fn sort_header<K: PartialEq + Copy>(
    ui: &mut egui::Ui,
    (text, size, hover): (&str, Option<f32>, &str),
    key: K,
    sort: &mut K,
    descending: &mut bool,
    descending_first: impl Fn(K) -> bool,
) {
    let arrow = match (*sort == key, *descending) {
        (true, false) => " ↑",
        (true, true) => " ↓",
        _ => "",
    };
    let mut label = egui::RichText::new(format!("{text}{arrow}")).strong();
    if let Some(size) = size {
        label = label.size(size);
    }
    let response = ui
        .add(egui::Button::new(label).frame(false))
        .on_hover_text(hover);
    if response.clicked() {
        if *sort == key {
            *descending = !*descending;
        } else {
            *sort = key;
            *descending = descending_first(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_bands_are_inclusive_and_ordered() {
        assert_eq!(minutes_color(0.0), RAMP[0].color);
        assert_eq!(minutes_color(15.0), RAMP[1].color);
        assert_eq!(minutes_color(30.0), RAMP[2].color);
        assert_eq!(minutes_color(30.01), RAMP[3].color);
        assert_eq!(minutes_color(f32::NAN), UNREACHED);
        assert!(RAMP.windows(2).all(|w| w[0].up_to < w[1].up_to));
    }

    #[test]
    fn goal_colours_differ() {
        let fills = [GoalStatus::Met, GoalStatus::Near, GoalStatus::Far].map(GoalStatus::fill);
        assert_ne!(fills[0], fills[1]);
        assert_ne!(fills[1], fills[2]);
    }

    #[test]
    fn icon_has_a_dot_in_the_middle_and_transparent_corners() {
        let size = 64;
        let rgba = icon_rgba(size);
        assert_eq!(rgba.len(), (size * size * 4) as usize);
        let at = |x: u32, y: u32| {
            &rgba[((y * size + x) * 4) as usize..((y * size + x) * 4 + 4) as usize]
        };
        assert_eq!(at(32, 32)[3], 255);
        assert_eq!(at(0, 0)[3], 0);
        // The outermost ring is the 30-minute colour.
        assert_eq!(
            at(32, 1)[..3],
            [RAMP[2].color.r(), RAMP[2].color.g(), RAMP[2].color.b()]
        );
    }
}
