//! Map images drawn without a window (`vello_cpu` on the CPU, text from the
//! bundled font): the district, or one township, for one tier — townships
//! tinted by their complete share against the goal, roads by class,
//! residents complete for the tier, blind spots sized by population, the
//! tier's facilities by category, township names with their share; plus
//! title, legend, scale bar and north arrow. Encoded as PNG at print
//! resolution (the width is an A4 page width).
//!
//! Geometry is drawn in the local transverse Mercator projection of the
//! townships' extent, so the scale bar is true and north points up.

use super::Lang;
use super::glyphs::TextShaper;
use super::tables::{Goal, mode_name, plain_number};
use crate::analysis::{Assessment, CapacityTable, LoadStatus};
use crate::geodesy::LocalProjection;
use crate::model::{Layers, Profile};
use geo::InteriorPoint as _;
use vello_cpu::color::{AlphaColor, Srgb};
use vello_cpu::kurbo::{BezPath, Cap, Circle, Join, Rect, Shape as _, Stroke};
use vello_cpu::peniko::Fill;
use vello_cpu::{Pixmap, RenderContext, Resources};

/// What to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct MapOptions {
    /// Index into `Profile::tiers`.
    pub tier: usize,
    /// Index into `Layers::townships`; `None`: the whole district.
    pub township: Option<usize>,
    /// Image width in pixels (clamped to 400–8000); the height follows the
    /// shape of the area.
    pub width_px: u32,
    pub lang: Lang,
    /// Report title, shown on top.
    pub title: String,
    /// Date shown in the footer.
    pub date: String,
    /// Draw supply and demand of this capacity table (index into
    /// `Assessment::capacity`) instead of coverage: townships by the share
    /// served to the standard, residents short of it, facilities sized by
    /// capacity and coloured by load. `None`: the coverage map.
    pub supply: Option<usize>,
}

/// Why a map could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("the profile has no tier number {0}")]
    NoTier(usize),
    #[error("there is no township number {0}")]
    NoTownship(usize),
    #[error("the assessment has no supply table number {0}")]
    NoSupply(usize),
    #[error("could not encode the PNG ({0})")]
    Png(String),
}

/// A drawn map: opaque RGBA pixels, row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedMap {
    pub width: u32,
    pub height: u32,
    /// `width × height × 4` bytes, alpha always 255.
    pub rgba: Vec<u8>,
}

impl RenderedMap {
    /// The image as a PNG (RGB, with its resolution set so that the width
    /// prints as 210 mm).
    pub fn to_png(&self) -> Result<Vec<u8>, MapError> {
        let rgb: Vec<u8> = self
            .rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let per_metre = (self.width as f64 / 0.210).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let png_error = |e: png::EncodingError| MapError::Png(e.to_string());
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer.write_image_data(&rgb).map_err(png_error)?;
        writer.finish().map_err(png_error)?;
        Ok(out)
    }
}

type Color = AlphaColor<Srgb>;

const fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::from_rgb8(r, g, b)
}

const PAGE: Color = rgb(255, 255, 255);
const MAP_BACKGROUND: Color = rgb(244, 242, 236);
const OTHER_TOWNSHIP: Color = rgb(226, 224, 219);
const OUTLINE: Color = rgb(74, 88, 110);
const FOCUS_OUTLINE: Color = rgb(30, 100, 200);
const TEXT: Color = rgb(30, 30, 30);
const MUTED_TEXT: Color = rgb(100, 100, 100);
const BLIND_SPOT: Color = Color::from_rgba8(200, 20, 40, 210);
const COMPLETE: Color = Color::from_rgba8(70, 130, 80, 150);

/// Light township tint of a goal status.
fn goal_tint(goal: Goal) -> Color {
    match goal {
        Goal::Met => rgb(214, 236, 215),
        Goal::Near => rgb(255, 238, 190),
        Goal::Far => rgb(250, 214, 214),
    }
}

/// Category colours (the app's palette, without its red, which marks blind
/// spots here).
const PALETTE: [Color; 12] = [
    rgb(31, 119, 180),
    rgb(255, 127, 14),
    rgb(44, 160, 44),
    rgb(148, 103, 189),
    rgb(140, 86, 75),
    rgb(227, 119, 194),
    rgb(127, 127, 127),
    rgb(188, 189, 34),
    rgb(23, 190, 207),
    rgb(0, 90, 90),
    rgb(120, 60, 0),
    rgb(60, 60, 160),
];

/// Road look per class (minor to major): width in units, colour.
const ROADS: [(f64, Color); 6] = [
    (0.6, rgb(190, 165, 125)),
    (0.9, rgb(165, 165, 165)),
    (1.4, rgb(120, 120, 120)),
    (1.8, rgb(215, 175, 55)),
    (2.2, rgb(232, 135, 55)),
    (2.6, rgb(205, 80, 60)),
];

/// Road class 0–5 of an OSM `highway` value (as the app draws them).
fn road_class(highway: Option<&str>) -> usize {
    match highway.unwrap_or("").trim_end_matches("_link") {
        "motorway" | "trunk" => 5,
        "primary" => 4,
        "secondary" => 3,
        "tertiary" => 2,
        "footway" | "path" | "steps" | "track" | "cycleway" | "bridleway" | "pedestrian" => 0,
        _ => 1,
    }
}

/// World (projected metres) to pixels.
struct View {
    projection: LocalProjection,
    /// Centre of the area, metres.
    centre: [f64; 2],
    /// Pixels per metre.
    scale: f64,
    /// Frame in pixels.
    frame: Rect,
}

impl View {
    fn px(&self, lon: f64, lat: f64) -> (f64, f64) {
        let [x, y] = self.projection.forward(lon, lat);
        let c = self.frame.center();
        (
            c.x + (x - self.centre[0]) * self.scale,
            c.y - (y - self.centre[1]) * self.scale,
        )
    }
}

/// A numbered marker drawn over a map (the sites of a phased plan).
#[derive(Clone, Debug, PartialEq)]
pub struct MapMark {
    pub lon: f64,
    pub lat: f64,
    /// Short text inside the marker (a step number).
    pub label: String,
    /// Drawn strong (blue); otherwise grey.
    pub current: bool,
}

/// Draw one map (see module docs).
pub fn render_map(
    layers: &Layers,
    profile: &Profile,
    assessment: &Assessment,
    options: &MapOptions,
) -> Result<RenderedMap, MapError> {
    render_map_marked(layers, profile, assessment, options, &[])
}

/// What a comparison's difference map draws over the map of layout B: its
/// road and population changes, and the residents whose completeness for
/// the tier changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapOverlay {
    /// Roads added (drawn blue, wide).
    pub roads_added: Vec<geo::LineString<f64>>,
    /// Road runs closed (drawn red, dashed).
    pub roads_closed: Vec<geo::LineString<f64>>,
    /// New residential areas and areas whose population changed (orange
    /// outlines).
    pub areas: Vec<geo::Polygon<f64>>,
    /// Residents (lon, lat) newly complete (`true`, green ring) or no
    /// longer complete (red ring).
    pub changed: Vec<([f64; 2], bool)>,
}

impl MapOverlay {
    /// The roads and areas of a scenario (no resident changes).
    pub fn of_scenario(scenario: &crate::model::Scenario) -> Self {
        Self {
            roads_added: scenario
                .roads_added
                .iter()
                .map(|r| r.line.clone())
                .collect(),
            roads_closed: scenario.roads_closed.clone(),
            areas: scenario
                .residential_areas
                .iter()
                .map(|a| a.outline.clone())
                .chain(
                    scenario
                        .population_changes
                        .iter()
                        .flat_map(|c| c.area.0.iter().cloned()),
                )
                .collect(),
            changed: Vec::new(),
        }
    }
}

const ADDED_ROAD: Color = rgb(20, 90, 220);
const CLOSED_ROAD: Color = rgb(220, 30, 30);
const CHANGED_AREA: Color = rgb(235, 120, 0);
const GAINED: Color = rgb(0, 150, 60);

/// Draw one map with numbered markers on top.
pub fn render_map_marked(
    layers: &Layers,
    profile: &Profile,
    assessment: &Assessment,
    options: &MapOptions,
    marks: &[MapMark],
) -> Result<RenderedMap, MapError> {
    render_map_overlaid(layers, profile, assessment, options, marks, None)
}

/// Draw one map with numbered markers and a comparison's changes on top.
pub fn render_map_overlaid(
    layers: &Layers,
    profile: &Profile,
    assessment: &Assessment,
    options: &MapOptions,
    marks: &[MapMark],
    overlay: Option<&MapOverlay>,
) -> Result<RenderedMap, MapError> {
    let supply = match options.supply {
        Some(k) => Some(assessment.capacity.get(k).ok_or(MapError::NoSupply(k))?),
        None => None,
    };
    let ti = supply.map_or(options.tier, |t| t.tier);
    let tier = profile.tiers.get(ti).ok_or(MapError::NoTier(ti))?;
    if let Some(t) = options.township
        && t >= layers.townships.len()
    {
        return Err(MapError::NoTownship(t));
    }
    let lang = options.lang;
    let zh = lang.is_chinese();
    let text = TextShaper::new();
    let width = options.width_px.clamp(400, 8000) as f64;
    let u = width / 1000.0;
    let margin = 40.0 * u;

    // Extent of the area, in lon/lat, then in the local projection.
    let shown: Vec<usize> = match options.township {
        Some(t) => vec![t],
        None => (0..layers.townships.len()).collect(),
    };
    let mut ll = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for &t in &shown {
        for poly in &layers.townships[t].boundary.0 {
            poly.exterior()
                .coords()
                .for_each(|c| grow(&mut ll, c.x, c.y));
        }
    }
    if ll[0] > ll[2] {
        for r in &assessment.demand {
            grow(&mut ll, r.location.x(), r.location.y());
        }
        for f in &layers.facilities {
            grow(&mut ll, f.location.x(), f.location.y());
        }
    }
    if ll[0] > ll[2] {
        ll = [0.0, 0.0, 0.0, 0.0];
    }
    let projection = LocalProjection::for_bounds(ll);
    let corners = [
        projection.forward(ll[0], ll[1]),
        projection.forward(ll[2], ll[1]),
        projection.forward(ll[0], ll[3]),
        projection.forward(ll[2], ll[3]),
    ];
    let (mut x0, mut y0, mut x1, mut y1) = corners.iter().fold(
        (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ),
        |b, p| (b.0.min(p[0]), b.1.min(p[1]), b.2.max(p[0]), b.3.max(p[1])),
    );
    let pad = if options.township.is_some() {
        0.08
    } else {
        0.04
    };
    let (w, h) = ((x1 - x0).max(500.0), (y1 - y0).max(500.0));
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    (x0, x1, y0, y1) = (
        cx - w * (0.5 + pad),
        cx + w * (0.5 + pad),
        cy - h * (0.5 + pad),
        cy + h * (0.5 + pad),
    );

    // Page layout: title band, map frame, legend, footer.
    let title_size = 24.0 * u;
    let subtitle_size = 13.0 * u;
    let title_base = margin + title_size;
    let subtitle_base = title_base + 22.0 * u;
    let frame_top = subtitle_base + 14.0 * u;
    let frame_w = width - 2.0 * margin;
    let aspect = ((y1 - y0) / (x1 - x0)).clamp(0.5, 1.4);
    let frame_h = (frame_w * aspect).round();
    let frame = Rect::new(margin, frame_top, margin + frame_w, frame_top + frame_h);
    let view = View {
        projection,
        centre: [(x0 + x1) / 2.0, (y0 + y1) / 2.0],
        scale: (frame_w / (x1 - x0)).min(frame_h / (y1 - y0)),
        frame,
    };
    let people = assessment.report.method.demand == "people";
    let legend = match supply {
        Some(table) => supply_legend(profile, table, lang),
        None => legend_items(layers, profile, ti, lang, people),
    };
    let legend_layout = LegendLayout::new(&legend, &text, frame_w, u);
    let legend_top = frame.y1 + 18.0 * u;
    let footer_base = legend_top + legend_layout.height + 16.0 * u;
    let height = (footer_base + margin * 0.6).round().min(65_000.0);
    let (w16, h16) = (width as u16, height as u16);

    let mut ctx = RenderContext::new(w16, h16);
    ctx.set_fill_rule(Fill::EvenOdd);
    fill(
        &mut ctx,
        &Rect::new(0.0, 0.0, width, height).to_path(0.1),
        PAGE,
    );
    fill(&mut ctx, &frame.to_path(0.1), MAP_BACKGROUND);
    ctx.push_clip_layer(&frame.to_path(0.1));

    // Township fills: the complete share of the tier against the goal.
    let figures = &assessment.report.townships;
    // The share a township is tinted and labelled by: complete share, or
    // on a supply map the share of demand served to the standard.
    let shown_share = |x: &crate::analysis::TierCoverage| match supply {
        Some(table) => x
            .category(&table.category)
            .and_then(|c| c.supply.as_ref())
            .map_or(0.0, |s| s.served_share),
        None => x.complete_share,
    };
    for (i, t) in layers.townships.iter().enumerate() {
        let focus = options.township.is_none_or(|f| f == i);
        let color = if focus {
            let share = figures
                .iter()
                .find(|f| f.name == t.name)
                .and_then(|f| f.figures.tiers.get(ti))
                .map_or(0.0, shown_share);
            goal_tint(Goal::of(share))
        } else {
            OTHER_TOWNSHIP
        };
        fill(&mut ctx, &township_path(&view, t), color);
    }

    // Roads, minor classes first.
    if let Some(roads) = &layers.roads {
        let mut paths: [BezPath; 6] = Default::default();
        for r in roads {
            let class = road_class(r.highway.as_deref());
            trace(&mut paths[class], &view, r.line.coords().copied());
        }
        let zoom = if options.township.is_some() { 1.4 } else { 1.0 };
        for (class, path) in paths.iter().enumerate() {
            let (w, color) = ROADS[class];
            stroke(&mut ctx, path, color, w * u * zoom);
        }
    }

    // Residents: complete ones faintly, blind spots in red by population.
    let mut blind = vec![false; assessment.demand.len()];
    for b in assessment
        .blind_spots
        .iter()
        .filter(|b| b.tier as usize == ti)
    {
        if let Some(x) = blind.get_mut(b.resident as usize) {
            *x = true;
        }
    }
    let supply_weights: Vec<f64> = supply
        .map(|t| supply_demand(profile, assessment, layers, t))
        .unwrap_or_default();
    let mut complete_dots = BezPath::new();
    let mut blind_dots = BezPath::new();
    for (r, resident) in assessment.demand.iter().enumerate() {
        if assessment
            .resident_township
            .get(r)
            .copied()
            .flatten()
            .is_none()
        {
            continue;
        }
        let p = view.px(resident.location.x(), resident.location.y());
        if !frame
            .inflate(20.0 * u, 20.0 * u)
            .contains(vello_cpu::kurbo::Point::new(p.0, p.1))
        {
            continue;
        }
        // On a supply map: short of the standard instead of blind.
        let (short, weight) = match supply {
            Some(table) => {
                let access = table.access.get(r).copied().unwrap_or(0.0);
                let g = supply_weights.get(r).copied().unwrap_or(0.0);
                (
                    g > 0.0 && 1000.0 * access < table.standard_per_1000 * (1.0 - 1e-9),
                    g,
                )
            }
            None => (blind[r], resident.population),
        };
        if short {
            let radius = (1.0 + 0.35 * weight.max(0.0).sqrt()).min(4.5) * u;
            blind_dots.extend(Circle::new(p, radius).path_elements(0.1));
        } else {
            complete_dots.extend(Circle::new(p, 1.0 * u).path_elements(0.1));
        }
    }
    ctx.set_fill_rule(Fill::NonZero);
    fill(&mut ctx, &complete_dots, COMPLETE);
    fill(&mut ctx, &blind_dots, BLIND_SPOT);

    // Supply map: the table's facilities sized by capacity, coloured by load.
    if let Some(table) = supply {
        let largest = table
            .facilities
            .iter()
            .map(|f| f.capacity)
            .fold(0.0f64, f64::max)
            .max(f64::MIN_POSITIVE);
        let underused = profile.supply.underused_below;
        for f in &table.facilities {
            let Some(facility) = layers.facilities.get(f.facility as usize) else {
                continue;
            };
            let p = view.px(facility.location.x(), facility.location.y());
            if !(p.0.is_finite() && p.1.is_finite()) {
                continue;
            }
            let radius = (3.0 + 6.0 * (f.capacity / largest).sqrt()) * u;
            let dot = Circle::new(p, radius).to_path(0.1);
            fill(&mut ctx, &dot, load_color(f.status(underused)));
            stroke(&mut ctx, &dot, PAGE, 1.0 * u);
        }
    }
    // The tier's facilities, by category.
    let categories: Vec<&str> = if supply.is_some() {
        Vec::new()
    } else {
        tier.all_categories().collect()
    };
    for f in &layers.facilities {
        let Some(k) = categories.iter().position(|c| *c == f.category) else {
            continue;
        };
        let p = view.px(f.location.x(), f.location.y());
        if !(p.0.is_finite() && p.1.is_finite()) {
            continue;
        }
        let color = PALETTE[k % PALETTE.len()];
        if k < tier.categories.len() {
            let dot = Circle::new(p, 3.4 * u).to_path(0.1);
            fill(&mut ctx, &dot, color);
            stroke(&mut ctx, &dot, PAGE, 0.9 * u);
        } else {
            let ring = Circle::new(p, 2.8 * u).to_path(0.1);
            fill(&mut ctx, &ring, PAGE);
            stroke(&mut ctx, &ring, color, 1.4 * u);
        }
    }
    ctx.set_fill_rule(Fill::EvenOdd);
    if let Some(o) = overlay {
        draw_overlay(&mut ctx, &view, o, u);
    }

    // Township outlines, the focus last and stronger.
    for (i, t) in layers.townships.iter().enumerate() {
        if options.township != Some(i) {
            stroke(&mut ctx, &township_path(&view, t), OUTLINE, 1.5 * u);
        }
    }
    if let Some(t) = options.township.and_then(|i| layers.townships.get(i)) {
        stroke(&mut ctx, &township_path(&view, t), FOCUS_OUTLINE, 3.2 * u);
    }

    // Township names with their complete share.
    for (i, t) in layers.townships.iter().enumerate() {
        let Some(at) = t.boundary.interior_point() else {
            continue;
        };
        let (x, y) = view.px(at.x(), at.y());
        // The township of a township map is named in the title; its label
        // would hide the town centre.
        if options.township == Some(i) {
            continue;
        }
        let size = 14.0 * u;
        label(&mut ctx, &text, &t.name, size, x, y, TEXT, u);
        if let Some(share) = figures
            .iter()
            .find(|f| f.name == t.name)
            .and_then(|f| f.figures.tiers.get(ti))
            .map(shown_share)
        {
            let s = format!("{:.1}%", share * 100.0);
            label(
                &mut ctx,
                &text,
                &s,
                size * 0.75,
                x,
                y + size * 1.05,
                TEXT,
                u,
            );
        }
    }
    draw_marks(&mut ctx, &text, &view, marks, u);
    ctx.pop_layer();
    stroke(&mut ctx, &frame.to_path(0.1), OUTLINE, 1.2 * u);

    north_arrow(&mut ctx, &text, frame, u, lang);
    scale_bar(&mut ctx, &text, &view, u);

    // Title and subtitle.
    let area_name = options
        .township
        .and_then(|i| layers.townships.get(i))
        .map(|t| t.name.as_str());
    let title = match area_name {
        Some(n) => format!("{} · {n}", options.title),
        None => options.title.clone(),
    };
    fill(
        &mut ctx,
        &text.path(&title, title_size, margin, title_base),
        TEXT,
    );
    let (share, blind_total) = area_figures(layers, assessment, ti, options.township);
    let subtitle = match supply {
        Some(table) => supply_subtitle(profile, assessment, layers, table, options.township, lang),
        None => format!(
            "{} · {} {}{} · {} {:.1}% · {} {} {}",
            tier.display_name(zh),
            plain_number(tier.minutes, 2),
            lang.pick("分钟", "min "),
            mode_name(lang, tier.mode),
            lang.pick("完整覆盖率", "complete share"),
            share * 100.0,
            lang.pick("盲区", "blind spots"),
            plain_number(blind_total, if people { 0 } else { 1 }),
            if people {
                lang.pick("人", "people")
            } else {
                lang.pick("公顷", "ha")
            },
        ),
    };
    fill(
        &mut ctx,
        &text.path(&subtitle, subtitle_size, margin, subtitle_base),
        MUTED_TEXT,
    );

    legend_layout.draw(&mut ctx, &text, &legend, margin, legend_top, u, lang);
    let footer = format!(
        "{} · {} · LifeCircle {}",
        options.date,
        profile.name,
        env!("CARGO_PKG_VERSION")
    );
    fill(
        &mut ctx,
        &text.path(&footer, 9.5 * u, margin, footer_base),
        MUTED_TEXT,
    );

    let mut pixmap = Pixmap::new(w16, h16);
    ctx.render(&mut pixmap, &mut Resources::new());
    let rgba = pixmap
        .take_unpremultiplied()
        .into_iter()
        .flat_map(|p| [p.r, p.g, p.b, 255])
        .collect();
    Ok(RenderedMap {
        width: w16 as u32,
        height: h16 as u32,
        rgba,
    })
}

/// Render a map straight to PNG bytes.
pub fn map_png(
    layers: &Layers,
    profile: &Profile,
    assessment: &Assessment,
    options: &MapOptions,
) -> Result<Vec<u8>, MapError> {
    render_map(layers, profile, assessment, options)?.to_png()
}

/// Numbered markers: a disc (blue, or grey when not current) with the
/// label in white.
fn draw_marks(ctx: &mut RenderContext, text: &TextShaper, view: &View, marks: &[MapMark], u: f64) {
    for m in marks {
        let p = view.px(m.lon, m.lat);
        if !(p.0.is_finite() && p.1.is_finite()) {
            continue;
        }
        let colour = if m.current {
            rgb(20, 70, 170)
        } else {
            rgb(120, 120, 120)
        };
        let disc = Circle::new(p, 9.0 * u).to_path(0.1);
        fill(ctx, &disc, colour);
        stroke(ctx, &disc, PAGE, 1.6 * u);
        let size = 10.0 * u;
        let w = text.width(&m.label, size);
        fill(
            ctx,
            &text.path(&m.label, size, p.0 - w / 2.0, p.1 + size * 0.36),
            PAGE,
        );
    }
}

/// Colour of a facility by its load.
fn load_color(status: LoadStatus) -> Color {
    match status {
        LoadStatus::OverCapacity => rgb(205, 35, 45),
        LoadStatus::UnderUsed => rgb(150, 150, 150),
        LoadStatus::Balanced => rgb(40, 140, 90),
    }
}

/// The demand weight of every demand point of a capacity table (its
/// group's population, or the population), in the assessment's order.
fn supply_demand(
    profile: &Profile,
    assessment: &Assessment,
    layers: &Layers,
    table: &CapacityTable,
) -> Vec<f64> {
    crate::analysis::category_demand(
        profile,
        &table.category,
        &assessment.demand,
        &assessment.resident_township,
        &layers.townships,
    )
}

/// The subtitle of a supply map: category, standard, served share and
/// shortfall of the area.
fn supply_subtitle(
    profile: &Profile,
    assessment: &Assessment,
    layers: &Layers,
    table: &CapacityTable,
    township: Option<usize>,
    lang: Lang,
) -> String {
    let zh = lang.is_chinese();
    let info = profile.category_info(&table.category);
    let unit = super::supply::unit_name(lang, info.and_then(|c| c.unit.as_deref()));
    let area = match township.and_then(|t| layers.townships.get(t)) {
        Some(t) => assessment.report.township(&t.name).map(|t| &t.figures),
        None => Some(&assessment.report.total),
    };
    let s = area
        .and_then(|a| a.tiers.get(table.tier))
        .and_then(|t| t.category(&table.category))
        .and_then(|c| c.supply.clone());
    format!(
        "{} · {} · {} {} {unit}/{}{} · {} {:.1}% · {} {} {unit}",
        profile
            .tiers
            .get(table.tier)
            .map_or("", |t| t.display_name(zh)),
        profile.category_name(&table.category, zh),
        lang.pick("标准", "standard"),
        plain_number(table.standard_per_1000, 1),
        lang.pick("千人", "1,000"),
        if info.is_some_and(|c| c.standard_proposed) {
            lang.pick("（提议值）", " (proposed)")
        } else {
            ""
        },
        lang.pick("达标服务率", "served to standard"),
        s.as_ref().map_or(0.0, |s| s.served_share) * 100.0,
        lang.pick("缺口", "shortfall"),
        plain_number(s.as_ref().map_or(0.0, |s| s.shortfall), 0),
    )
}

/// Legend of a supply map.
fn supply_legend(profile: &Profile, table: &CapacityTable, lang: Lang) -> Vec<(Swatch, String)> {
    let name = profile.category_name(&table.category, lang.is_chinese());
    vec![
        (
            Swatch::Area(goal_tint(Goal::Met), OUTLINE),
            lang.pick("达标服务率 ≥95%", "served to standard ≥ 95 %")
                .to_string(),
        ),
        (
            Swatch::Area(goal_tint(Goal::Near), OUTLINE),
            lang.pick("70%–95%", "70–95 %").to_string(),
        ),
        (
            Swatch::Area(goal_tint(Goal::Far), OUTLINE),
            lang.pick("<70%", "< 70 %").to_string(),
        ),
        (
            Swatch::Dot(COMPLETE, 1.6),
            lang.pick("达标的居民点", "residents served to standard")
                .into(),
        ),
        (
            Swatch::Dot(BLIND_SPOT, 3.2),
            lang.pick("未达标（按需求人口）", "short of the standard (by demand)")
                .into(),
        ),
        (
            Swatch::Dot(load_color(LoadStatus::OverCapacity), 4.0),
            format!(
                "{name} {}",
                lang.pick("超负荷（大小=容量）", "over capacity (size = capacity)")
            ),
        ),
        (
            Swatch::Dot(load_color(LoadStatus::Balanced), 4.0),
            format!("{name} {}", lang.pick("负荷适度", "balanced")),
        ),
        (
            Swatch::Dot(load_color(LoadStatus::UnderUsed), 4.0),
            format!("{name} {}", lang.pick("闲置", "under-used")),
        ),
    ]
}

/// Extend lon/lat bounds `[min_x, min_y, max_x, max_y]` by a finite point.
fn grow(b: &mut [f64; 4], x: f64, y: f64) {
    if x.is_finite() && y.is_finite() {
        *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
}

/// Complete share and blind-spot population of the district or a township.
fn area_figures(
    layers: &Layers,
    assessment: &Assessment,
    tier: usize,
    township: Option<usize>,
) -> (f64, f64) {
    let report = &assessment.report;
    let share = match township {
        None => report.total.tiers.get(tier),
        Some(i) => layers
            .townships
            .get(i)
            .and_then(|t| report.township(&t.name))
            .and_then(|t| t.figures.tiers.get(tier)),
    }
    .map_or(0.0, |t| t.complete_share);
    let blind = assessment
        .blind_spots
        .iter()
        .filter(|b| b.tier as usize == tier)
        .filter(|b| {
            match assessment
                .resident_township
                .get(b.resident as usize)
                .copied()
                .flatten()
            {
                Some(t) => township.is_none_or(|i| i == t as usize),
                None => false,
            }
        })
        .filter_map(|b| assessment.demand.get(b.resident as usize))
        .fold(0.0, |s, r| s + r.population);
    (share, blind)
}

/// A comparison's changes (see [`MapOverlay`]).
fn draw_overlay(ctx: &mut RenderContext, view: &View, o: &MapOverlay, u: f64) {
    let line = |coords: &mut dyn Iterator<Item = geo::Coord<f64>>| {
        let mut path = BezPath::new();
        trace(&mut path, view, coords);
        path
    };
    for area in &o.areas {
        let path = line(&mut area.exterior().coords().copied());
        stroke(ctx, &path, CHANGED_AREA, 2.2 * u);
    }
    for closed in &o.roads_closed {
        let path = line(&mut closed.coords().copied());
        let dashes = Stroke::new(3.0 * u)
            .with_caps(Cap::Butt)
            .with_dashes(0.0, [6.0 * u, 4.0 * u]);
        ctx.set_stroke(dashes);
        ctx.set_paint(CLOSED_ROAD);
        ctx.stroke_path(&path);
    }
    for added in &o.roads_added {
        let path = line(&mut added.coords().copied());
        stroke(ctx, &path, PAGE, 5.5 * u);
        stroke(ctx, &path, ADDED_ROAD, 3.5 * u);
    }
    for &([lon, lat], gained) in &o.changed {
        let p = view.px(lon, lat);
        if !(p.0.is_finite() && p.1.is_finite()) {
            continue;
        }
        let ring = Circle::new(p, 3.0 * u).to_path(0.1);
        stroke(
            ctx,
            &ring,
            if gained { GAINED } else { BLIND_SPOT },
            1.3 * u,
        );
    }
}

fn fill(ctx: &mut RenderContext, path: &BezPath, color: Color) {
    ctx.set_paint(color);
    ctx.fill_path(path);
}

fn stroke(ctx: &mut RenderContext, path: &BezPath, color: Color, width: f64) {
    ctx.set_paint(color);
    ctx.set_stroke(
        Stroke::new(width)
            .with_caps(Cap::Round)
            .with_join(Join::Round),
    );
    ctx.stroke_path(path);
}

/// Outline of a township (all rings) in pixels.
fn township_path(view: &View, t: &crate::model::Township) -> BezPath {
    let mut path = BezPath::new();
    for poly in &t.boundary.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            if trace(&mut path, view, ring.coords().copied()) {
                path.close_path();
            }
        }
    }
    path
}

/// Adds the line through `coords` in pixels to `path` as a new subpath,
/// leaving out positions that do not project; whether any point was added.
fn trace(path: &mut BezPath, view: &View, coords: impl Iterator<Item = geo::Coord<f64>>) -> bool {
    let mut first = true;
    for c in coords {
        let p = view.px(c.x, c.y);
        if !(p.0.is_finite() && p.1.is_finite()) {
            continue;
        }
        if first {
            path.move_to(p);
            first = false;
        } else {
            path.line_to(p);
        }
    }
    !first
}

/// Text centred on `x` with its baseline a little below `y`, on a white halo.
#[allow(clippy::too_many_arguments)]
fn label(
    ctx: &mut RenderContext,
    text: &TextShaper,
    s: &str,
    size: f64,
    x: f64,
    y: f64,
    color: Color,
    u: f64,
) {
    // A township label longer than this hides its neighbours.
    let s = &crate::analysis::cut_label(s, 24);
    let w = text.width(s, size);
    let path = text.path(s, size, x - w / 2.0, y + size * 0.35);
    stroke(ctx, &path, Color::from_rgba8(255, 255, 255, 230), 2.6 * u);
    fill(ctx, &path, color);
}

/// North arrow in the top-right corner of the frame.
fn north_arrow(ctx: &mut RenderContext, text: &TextShaper, frame: Rect, u: f64, lang: Lang) {
    let (cx, top) = (frame.x1 - 30.0 * u, frame.y0 + 12.0 * u);
    let plate = Rect::new(cx - 16.0 * u, top, cx + 16.0 * u, top + 56.0 * u);
    fill(
        ctx,
        &plate.to_rounded_rect(4.0 * u).to_path(0.1),
        Color::from_rgba8(255, 255, 255, 215),
    );
    let letter = lang.pick("北", "N");
    let size = 13.0 * u;
    let w = text.width(letter, size);
    fill(
        ctx,
        &text.path(letter, size, cx - w / 2.0, top + 16.0 * u),
        TEXT,
    );
    let (tip, base, mid) = (top + 20.0 * u, top + 50.0 * u, top + 42.0 * u);
    let mut left = BezPath::new();
    left.move_to((cx, tip));
    left.line_to((cx - 8.0 * u, base));
    left.line_to((cx, mid));
    left.close_path();
    let mut right = BezPath::new();
    right.move_to((cx, tip));
    right.line_to((cx + 8.0 * u, base));
    right.line_to((cx, mid));
    right.close_path();
    fill(ctx, &left, TEXT);
    fill(ctx, &right, PAGE);
    stroke(ctx, &right, TEXT, 0.8 * u);
}

/// A round length for the scale bar: 1, 2 or 5 × 10ⁿ metres, at most `max`.
fn nice_length(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(max.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|k| k * p)
        .find(|&l| l <= max)
        .unwrap_or(p)
}

/// Scale bar in the bottom-left corner of the frame.
fn scale_bar(ctx: &mut RenderContext, text: &TextShaper, view: &View, u: f64) {
    let frame = view.frame;
    let metres = nice_length(frame.width() * 0.22 / view.scale);
    let len = metres * view.scale;
    let (x, y) = (frame.x0 + 18.0 * u, frame.y1 - 16.0 * u);
    let size = 10.5 * u;
    let caption = if metres >= 1000.0 {
        format!("{} km", plain_number(metres / 1000.0, 3))
    } else {
        format!("{} m", plain_number(metres, 0))
    };
    let plate = Rect::new(
        x - 8.0 * u,
        y - 24.0 * u,
        x + len + 10.0 * u + text.width(&caption, size),
        y + 6.0 * u,
    );
    fill(
        ctx,
        &plate.to_rounded_rect(4.0 * u).to_path(0.1),
        Color::from_rgba8(255, 255, 255, 215),
    );
    let bar = 4.0 * u;
    let half = Rect::new(x, y - bar, x + len / 2.0, y);
    let other = Rect::new(x + len / 2.0, y - bar, x + len, y);
    fill(ctx, &half.to_path(0.1), TEXT);
    fill(ctx, &other.to_path(0.1), PAGE);
    stroke(
        ctx,
        &Rect::new(x, y - bar, x + len, y).to_path(0.1),
        TEXT,
        0.8 * u,
    );
    fill(
        ctx,
        &text.path("0", size, x - 3.0 * u, y - bar - 4.0 * u),
        TEXT,
    );
    let w = text.width(&caption, size);
    fill(
        ctx,
        &text.path(&caption, size, x + len - w / 2.0, y - bar - 4.0 * u),
        TEXT,
    );
}

/// One legend entry.
enum Swatch {
    /// A filled area with an outline colour.
    Area(Color, Color),
    Line(Color, f64),
    Dot(Color, f64),
    Ring(Color),
}

fn legend_items(
    layers: &Layers,
    profile: &Profile,
    tier: usize,
    lang: Lang,
    people: bool,
) -> Vec<(Swatch, String)> {
    let zh = lang.is_chinese();
    let mut items = vec![
        (
            Swatch::Area(goal_tint(Goal::Met), OUTLINE),
            lang.pick("完整覆盖率 ≥95%", "complete ≥ 95 %").to_string(),
        ),
        (
            Swatch::Area(goal_tint(Goal::Near), OUTLINE),
            lang.pick("70%–95%", "70–95 %").to_string(),
        ),
        (
            Swatch::Area(goal_tint(Goal::Far), OUTLINE),
            lang.pick("<70%", "< 70 %").to_string(),
        ),
    ];
    if layers.roads.is_some() {
        items.push((
            Swatch::Line(ROADS[4].1, 2.2),
            lang.pick("主要道路", "main roads").into(),
        ));
        items.push((
            Swatch::Line(ROADS[1].1, 1.0),
            lang.pick("其他道路", "other roads").into(),
        ));
    }
    let (complete, blind) = if people {
        (
            lang.pick("完整覆盖的居民点", "complete residents"),
            lang.pick("盲区（按人口）", "blind spots (by population)"),
        )
    } else {
        (
            lang.pick("完整覆盖的网格", "complete grid cells"),
            lang.pick("盲区（按面积）", "blind spots (by area)"),
        )
    };
    items.push((Swatch::Dot(COMPLETE, 1.6), complete.into()));
    items.push((Swatch::Dot(BLIND_SPOT, 3.2), blind.into()));
    if let Some(t) = profile.tiers.get(tier) {
        for (k, c) in t.all_categories().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let name = profile.category_name(c, zh).to_string();
            if k < t.categories.len() {
                items.push((Swatch::Dot(color, 3.4), name));
            } else {
                let name = format!("{name}{}", lang.pick("（可选）", " (optional)"));
                items.push((Swatch::Ring(color), name));
            }
        }
    }
    items
}

/// Legend entries in equal columns, filled row by row.
struct LegendLayout {
    columns: usize,
    column_w: f64,
    row_h: f64,
    title_h: f64,
    height: f64,
}

impl LegendLayout {
    fn new(items: &[(Swatch, String)], text: &TextShaper, width: f64, u: f64) -> Self {
        let size = 11.0 * u;
        let widest = items
            .iter()
            .map(|(_, s)| text.width(s, size))
            .fold(0.0, f64::max);
        let column_w = widest + 34.0 * u;
        let columns = ((width / column_w).floor() as usize).clamp(1, items.len().max(1));
        let rows = items.len().div_ceil(columns);
        let (row_h, title_h) = (19.0 * u, 22.0 * u);
        Self {
            columns,
            column_w,
            row_h,
            title_h,
            height: title_h + rows as f64 * row_h,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn draw(
        &self,
        ctx: &mut RenderContext,
        text: &TextShaper,
        items: &[(Swatch, String)],
        x0: f64,
        y0: f64,
        u: f64,
        lang: Lang,
    ) {
        let size = 11.0 * u;
        fill(
            ctx,
            &text.path(lang.pick("图例", "Legend"), 12.5 * u, x0, y0 + 13.0 * u),
            TEXT,
        );
        for (i, (swatch, name)) in items.iter().enumerate() {
            let (row, col) = (i / self.columns, i % self.columns);
            let x = x0 + col as f64 * self.column_w;
            let mid = y0 + self.title_h + row as f64 * self.row_h + self.row_h / 2.0;
            let centre = (x + 9.0 * u, mid);
            match swatch {
                Swatch::Area(inside, edge) => {
                    let r = Rect::new(x, mid - 6.0 * u, x + 18.0 * u, mid + 6.0 * u).to_path(0.1);
                    fill(ctx, &r, *inside);
                    stroke(ctx, &r, *edge, 1.0 * u);
                }
                Swatch::Line(color, w) => {
                    let mut l = BezPath::new();
                    l.move_to((x, mid));
                    l.line_to((x + 18.0 * u, mid));
                    stroke(ctx, &l, *color, w * u);
                }
                Swatch::Dot(color, r) => {
                    let dot = Circle::new(centre, r * u).to_path(0.1);
                    fill(ctx, &dot, *color);
                }
                Swatch::Ring(color) => {
                    let ring = Circle::new(centre, 2.8 * u).to_path(0.1);
                    fill(ctx, &ring, PAGE);
                    stroke(ctx, &ring, *color, 1.4 * u);
                }
            }
            fill(
                ctx,
                &text.path(name, size, x + 26.0 * u, mid + size * 0.36),
                TEXT,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(nice_length(7300.0), 5000.0);
        assert_eq!(nice_length(1999.0), 1000.0);
        assert_eq!(nice_length(2000.0), 2000.0);
        assert_eq!(nice_length(430.0), 200.0);
        assert_eq!(nice_length(0.0), 1.0);
        assert_eq!(nice_length(f64::NAN), 1.0);
    }

    /// The hand-worked case of `analysis::tests::tiny_case`: R2 and R3 are
    /// blind spots of the 5-minute tier, drawn red; bad indices are errors.
    #[test]
    fn draws_the_tiny_case() {
        use crate::analysis::{Progress, assess};
        let (layers, profile) = crate::analysis::tests::tiny_case();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let mut options = MapOptions {
            tier: 0,
            township: None,
            width_px: 1000,
            lang: Lang::En,
            title: "Tiny".into(),
            date: "2024-01-01".into(),
            supply: None,
        };
        let map = render_map(&layers, &profile, &a, &options).unwrap();
        assert_eq!(map.width, 1000);
        assert_eq!(map.rgba.len(), (map.width * map.height * 4) as usize);
        let red = map
            .rgba
            .chunks_exact(4)
            .filter(|p| p[0] > 150 && p[1] < 80 && p[2] < 90)
            .count();
        assert!(red > 10, "{red} red pixels");
        let png = map.to_png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        options.tier = 9;
        assert!(matches!(
            render_map(&layers, &profile, &a, &options),
            Err(MapError::NoTier(9))
        ));
        options.tier = 1;
        options.township = Some(5);
        assert!(matches!(
            render_map(&layers, &profile, &a, &options),
            Err(MapError::NoTownship(5))
        ));
        options.township = Some(1);
        assert!(render_map(&layers, &profile, &a, &options).is_ok());
    }

    #[test]
    fn road_classes() {
        assert_eq!(road_class(Some("primary_link")), 4);
        assert_eq!(road_class(Some("footway")), 0);
        assert_eq!(road_class(None), 1);
        assert_eq!(road_class(Some("trunk")), 5);
    }
}
