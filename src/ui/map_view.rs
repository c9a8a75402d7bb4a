//! The map: an egui painter of our own over [`MapTransform`]. Drag pans,
//! the wheel zooms toward the cursor; buttons zoom and fit to the data; a
//! scale bar, a north arrow and the heat ramp sit in the corners.
//!
//! Heat, roads, township outlines, residents, blind spots and facilities are
//! batched meshes from [`super::map_layers`] at a level of detail that fits
//! the zoom, kept between frames by [`super::map_cache`]: moved while the
//! view pans, rebuilt (in the background when large) when the zoom, the data
//! or the layer options change. A facility's reach is rebuilt per view;
//! township names are placed where they do not overlap. Hovering shows township figures, a facility, or a
//! resident's minutes to each required category; clicking a facility shows
//! what it reaches on the network within the tier's minutes.

use super::i18n::Lang;
use super::map_cache::{LayerCache, Rebuild};
use super::map_layers;
use super::map_transform::{GeoBounds, MapTransform, PlaneOrigin, scale_bar, view_key};
use super::style;
use crate::state::map_geometry::{self, FacilityMark};
use crate::state::project::{Reach, Results, Study};
pub use crate::state::settings::MapOptions;
use crate::state::{Action, MapCamera};
use eframe::egui;
use egui::{
    Align2, Color32, FontId, Mesh, Pos2, Rect, RichText, Sense, Shape, Stroke, Vec2, pos2, vec2,
};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Instant;

/// Everything the map reads in a frame.
pub struct MapInputs<'a> {
    /// Interface language.
    pub lang: Lang,
    /// The study on screen.
    pub study: &'a Study,
    /// The current assessment, if any (it may be of an older study while a
    /// new one runs).
    pub results: Option<&'a Results>,
    /// Index of the selected tier.
    pub tier: usize,
    /// Layer switches.
    pub options: &'a MapOptions,
    /// Township chosen in the results table (highlighted).
    pub selected_township: Option<usize>,
    /// Facility clicked on the map.
    pub selected_facility: Option<u32>,
    /// What the selected facility reaches.
    pub reach: Option<&'a Reach>,
    /// Debug overlay text, when the overlay is on.
    pub debug: Option<String>,
}

/// Time and size of the last mesh rebuild, for the debug overlay.
#[derive(Clone, Copy, Debug, Default)]
pub struct MapStats {
    /// Milliseconds spent drawing the map in the last frame that rebuilt a
    /// mesh within the frame or started a background rebuild.
    pub last_build_ms: f32,
    /// Vertices per mesh: heat, roads, residents, blind spots, reach, facilities.
    pub vertices: [usize; 6],
    /// Whether a layer is being rebuilt in the background.
    pub rebuilding: bool,
    /// Layer rebuilds so far (a pan within the margin adds none).
    pub rebuilds: usize,
    /// Township names drawn in the last frame (the others would overlap).
    pub labels: usize,
}

/// Layers with more items than this (residents, road segments, outline
/// points, facilities × [`FACILITY_WEIGHT`]) rebuild in the background.
const BACKGROUND_ITEMS: usize = 50_000;
/// A facility symbol costs about as much to build as this many points.
const FACILITY_WEIGHT: usize = 10;

/// Side in points of a heat square at `k` points per plane unit (degree of
/// latitude): 60 m for people (at least 4.5, at most 14 points), 100 m for
/// a hectare grid.
fn heat_side(kind: crate::model::DemandKind, k: f32) -> f32 {
    let mpp = super::map_transform::METRES_PER_DEGREE as f32 / k.max(1e-9);
    match kind {
        crate::model::DemandKind::AreaHectares => 100.0 / mpp,
        crate::model::DemandKind::People => (60.0 / mpp).clamp(4.5, 14.0),
    }
}

/// How much wider than their class width roads are drawn at `k` points per
/// plane unit: thinner when zoomed out.
fn road_width(k: f32) -> f32 {
    let mpp = super::map_transform::METRES_PER_DEGREE as f32 / k.max(1e-9);
    (20.0 / mpp).powf(0.35).clamp(0.5, 2.0)
}

/// The cached layers of the map.
#[derive(Default)]
struct CachedLayers {
    heat: LayerCache,
    roads: LayerCache,
    townships: LayerCache,
    residents: LayerCache,
    blind_spots: LayerCache,
    facilities: LayerCache,
}

impl CachedLayers {
    fn all(&self) -> [&LayerCache; 6] {
        [
            &self.heat,
            &self.roads,
            &self.townships,
            &self.residents,
            &self.blind_spots,
            &self.facilities,
        ]
    }

    fn rebuilds(&self) -> usize {
        self.all().iter().map(|l| l.rebuilds).sum()
    }

    fn rebuilding(&self) -> bool {
        self.all().iter().any(|l| l.rebuilding())
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum FitTarget {
    All,
    Bounds(GeoBounds),
}

#[derive(Default)]
struct CachedMesh {
    key: u64,
    mesh: Arc<Mesh>,
}

impl CachedMesh {
    /// The cached mesh for `key`, building it with `build` when stale.
    fn get(&mut self, key: u64, build: impl FnOnce() -> Mesh, rebuilt: &mut bool) -> Arc<Mesh> {
        if self.key != key || key == 0 {
            self.mesh = Arc::new(build());
            self.key = key;
            *rebuilt = true;
        }
        Arc::clone(&self.mesh)
    }
}

/// What the pointer is over.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Hover {
    Facility(u32),
    Resident(u32),
    Township(usize),
}

/// The map panel (see module docs).
#[derive(Default)]
pub struct MapView {
    transform: Option<MapTransform>,
    plane: Option<PlaneOrigin>,
    fit: Option<FitTarget>,
    layers: CachedLayers,
    reach_mesh: CachedMesh,
    /// Heat values and, with a group chosen, the group's weights.
    heat_values: Option<(u64, Arc<Vec<f32>>, Option<HeatWeights>)>,
    /// Last rebuild figures.
    pub stats: MapStats,
}

/// A demand group's population per demand point, weighing the heat.
type HeatWeights = Arc<Vec<f32>>;

fn hash_of(value: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    // 0 means "nothing cached".
    h.finish().max(1)
}

impl MapView {
    /// Fit the whole study into the map at the next frame.
    pub fn fit_all(&mut self) {
        self.fit = Some(FitTarget::All);
    }

    /// Fit `bounds` into the map at the next frame.
    pub fn fit_bounds(&mut self, bounds: GeoBounds) {
        if bounds.is_valid() {
            self.fit = Some(FitTarget::Bounds(bounds));
        }
    }

    /// The current view (none before the first frame with data).
    pub fn transform(&self) -> Option<&MapTransform> {
        self.transform.as_ref()
    }

    /// Pan by `delta` points (as a drag would).
    pub fn pan(&mut self, delta: Vec2) {
        if let Some(t) = &mut self.transform {
            t.pan(delta);
        }
    }

    /// Zoom by `factor` around the map centre.
    pub fn zoom(&mut self, factor: f64) {
        if let Some(t) = &mut self.transform {
            let c = t.rect().center();
            t.zoom_at(factor, c);
        }
    }

    /// Where the map looks now, as a project saves it (centre, and points
    /// per degree of longitude at the centre).
    pub fn camera(&self) -> MapCamera {
        let t = self.transform.as_ref();
        MapCamera {
            center: t.map(|t| t.center()),
            zoom: t.map(|t| t.points_per_degree() * t.center()[1].to_radians().cos()),
        }
    }

    /// Draw the map into the rest of `ui` and handle its input.
    pub fn ui(&mut self, ui: &mut egui::Ui, input: &MapInputs<'_>, actions: &mut Vec<Action>) {
        let lang = input.lang;
        let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, style::MAP_BACKGROUND);
        let geometry = Arc::clone(&input.study.geometry);

        // View: (re)create, fit, follow the panel's size.
        if self.plane != Some(geometry.plane) {
            let reference_lat = geometry.plane.cos_lat.clamp(-1.0, 1.0).acos().to_degrees();
            self.transform = self
                .transform
                .map(|t| MapTransform::new(rect, t.center(), t.points_per_degree(), reference_lat));
            if self.plane.is_none() {
                self.fit.get_or_insert(FitTarget::All);
            }
            self.plane = Some(geometry.plane);
        }
        if let Some(target) = self
            .fit
            .take()
            .or(self.transform.is_none().then_some(FitTarget::All))
        {
            let bounds = match target {
                FitTarget::All => geometry.bounds,
                FitTarget::Bounds(b) => b,
            };
            self.transform = Some(MapTransform::fit(&bounds, rect, 24.0, &geometry.plane));
        }
        let Some(mut t) = self.transform else { return };
        t.set_rect(rect);

        // Input: drag pans, wheel or pinch zooms toward the cursor.
        if response.dragged() {
            t.pan(response.drag_delta());
        }
        if let Some(pointer) = response.hover_pos() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta(), i.zoom_delta()));
            let factor = (scroll.y as f64 * 0.003).exp() * zoom as f64;
            if (factor - 1.0).abs() > 1e-6 {
                t.zoom_at(factor, pointer);
            }
        }
        self.transform = Some(t);

        let started = Instant::now();
        let mut rebuilt = false;
        let feather = 1.0 / ui.ctx().pixels_per_point();
        let to_screen = t.plane_to_screen(&geometry.plane);
        let view = view_key(&t);
        let mpp = t.metres_per_point();
        let results = input
            .results
            .filter(|r| r.demand.pos.len() == r.assessment.demand.len());
        let tier = results.and_then(|r| r.profile.tiers.get(input.tier));
        let options = input.options;
        // Vertices painted per layer: heat, roads, residents, blind, reach, facilities.
        let mut painted = [0usize; 6];
        let rebuilds_before = self.layers.rebuilds();

        let hover = response.hover_pos().filter(|_| !response.dragged());
        let hovered = hover.and_then(|p| self.hit_test(p, &t, input, results));

        // Cached layers (see `map_cache`): built for the view grown by a
        // margin, moved while the view pans, rebuilt in the background
        // when large.
        let margin = 0.25 * rect.width().max(rect.height());
        let ctx = ui.ctx().clone();
        let may_start = std::cell::Cell::new(!self.layers.rebuilding());
        let rebuild = |items: usize| {
            if items > BACKGROUND_ITEMS {
                Rebuild::Background {
                    ctx: &ctx,
                    may_start: &may_start,
                }
            } else {
                Rebuild::Inline
            }
        };
        let paint_cached =
            |painted: &mut [usize; 6], tiles: Option<Vec<Arc<Mesh>>>, slot: usize| {
                for mesh in tiles.unwrap_or_default() {
                    painted[slot] += mesh.vertices.len();
                    painter.add(Shape::Mesh(mesh));
                }
            };

        // Heat.
        if options.heat
            && let (Some(r), Some(tier)) = (results, tier)
        {
            let values_key = hash_of((
                r.study_generation,
                Arc::as_ptr(&r.assessment) as usize,
                &tier.id,
                &options.heat_source,
                &options.heat_group,
            ));
            if self
                .heat_values
                .as_ref()
                .is_none_or(|(k, _, _)| *k != values_key)
            {
                let values = map_geometry::heat_values(&r.assessment, tier, &options.heat_source);
                let weights = options.heat_group.as_deref().and_then(|g| {
                    map_geometry::group_heat_weights(
                        &r.assessment,
                        &r.profile,
                        g,
                        &input.study.layers.townships,
                    )
                });
                self.heat_values = Some((values_key, Arc::new(values), weights.map(Arc::new)));
            }
            if let Some((_, values, weights)) = &self.heat_values {
                let data = hash_of((values_key, Arc::as_ptr(&r.demand) as usize));
                let mesh = self.layers.heat.mesh(
                    data,
                    to_screen,
                    rect,
                    margin,
                    rebuild(r.demand.pos.len()),
                    || {
                        let demand = Arc::clone(&r.demand);
                        let values = Arc::clone(values);
                        let weights = weights.clone();
                        let kind = r.assessment.demand_kind;
                        let color = match options.heat_source {
                            map_geometry::HeatSource::Supply(_) => style::supply_color,
                            _ => style::minutes_color,
                        };
                        Box::new(move |t, covers| {
                            map_layers::heat_mesh_with(
                                &demand,
                                &values,
                                heat_side(kind, t.k),
                                t,
                                covers,
                                color,
                                weights.as_deref().map(Vec::as_slice),
                            )
                        })
                    },
                );
                paint_cached(&mut painted, mesh, 0);
            }
        } else {
            self.layers.heat.clear();
        }

        // Roads.
        if options.roads && geometry.roads.lines() > 0 {
            let data = hash_of((Arc::as_ptr(&geometry) as usize, feather.to_bits()));
            let mesh = self.layers.roads.mesh(
                data,
                to_screen,
                rect,
                margin,
                rebuild(geometry.roads.segments),
                || {
                    let geometry = Arc::clone(&geometry);
                    Box::new(move |t, covers| {
                        map_layers::roads_mesh(&geometry.roads, t, covers, feather, road_width(t.k))
                    })
                },
            );
            paint_cached(&mut painted, mesh, 1);
        } else {
            self.layers.roads.clear();
        }

        // Town areas (镇区范围): few polygons, projected each frame.
        if options.town_areas
            && let Some((_, areas)) = &input.study.town_areas
        {
            let plane = &geometry.plane;
            let rings: Vec<Vec<Pos2>> = (areas.iter().flat_map(|m| &m.0))
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .map(|r| {
                    let screen = |c: &geo::Coord<f64>| to_screen.apply(plane.project(c.x, c.y));
                    r.0.iter().map(screen).collect()
                })
                .collect();
            let (fill, outline) = (style::TOWN_AREA_FILL, style::TOWN_AREA_OUTLINE);
            let mesh = map_layers::polygons_mesh(&rings, rect, fill, outline, feather);
            painter.add(Shape::Mesh(mesh.into()));
        }

        // Townships: outlines cached, the highlighted one on top.
        if options.townships {
            let data = hash_of(Arc::as_ptr(&geometry) as usize);
            let points: usize = geometry
                .townships
                .iter()
                .flat_map(|s| &s.rings)
                .map(Vec::len)
                .sum();
            let mesh =
                self.layers
                    .townships
                    .mesh(data, to_screen, rect, margin, rebuild(points), || {
                        let geometry = Arc::clone(&geometry);
                        Box::new(move |t, covers| {
                            map_layers::outlines_mesh(
                                geometry.townships.iter().flat_map(|s| &s.rings),
                                1.4,
                                style::TOWNSHIP_OUTLINE,
                                t,
                                covers,
                                feather,
                            )
                        })
                    });
            paint_cached(&mut [0; 6], mesh, 0);
            let highlighted = [
                input.selected_township,
                match hovered {
                    Some(Hover::Township(i)) => Some(i),
                    _ => None,
                },
            ];
            for shape in highlighted
                .into_iter()
                .flatten()
                .filter_map(|i| geometry.townships.get(i))
            {
                for ring in &shape.rings {
                    let pts: Vec<Pos2> = ring.iter().map(|p| to_screen.apply(*p)).collect();
                    if pts.len() > 2 && rect.intersects(Rect::from_points(&pts)) {
                        painter.add(Shape::closed_line(
                            pts,
                            Stroke::new(3.0, style::TOWNSHIP_HIGHLIGHT),
                        ));
                    }
                }
            }
        } else {
            self.layers.townships.clear();
        }

        // A facility's reach.
        if let Some(reach) = input.reach {
            let key = hash_of((view, reach.id));
            let segs = &reach.segments;
            let mesh = self.reach_mesh.get(
                key,
                || {
                    let screen: Vec<[Pos2; 2]> = segs
                        .iter()
                        .map(|[a, b]| [to_screen.apply(*a), to_screen.apply(*b)])
                        .collect();
                    map_layers::lines_mesh(&screen, 3.5, style::REACH, rect, feather)
                },
                &mut rebuilt,
            );
            painted[4] = mesh.vertices.len();
            painter.add(Shape::Mesh(mesh));
        }

        // Residents and blind spots.
        match results {
            Some(r) if options.residents => {
                let data = hash_of(Arc::as_ptr(&r.demand) as usize);
                let mesh = self.layers.residents.mesh(
                    data,
                    to_screen,
                    rect,
                    margin,
                    rebuild(r.demand.pos.len()),
                    || {
                        let demand = Arc::clone(&r.demand);
                        Box::new(move |t, covers| {
                            map_layers::dots_mesh(
                                &demand,
                                None,
                                style::RESIDENT,
                                t,
                                covers,
                                feather,
                            )
                        })
                    },
                );
                paint_cached(&mut painted, mesh, 2);
            }
            _ => self.layers.residents.clear(),
        }
        match results {
            Some(r) if options.blind_spots && input.tier < r.demand.blind_by_tier.len() => {
                let tier = input.tier;
                let data = hash_of((Arc::as_ptr(&r.demand) as usize, tier));
                let mesh = self.layers.blind_spots.mesh(
                    data,
                    to_screen,
                    rect,
                    margin,
                    rebuild(r.demand.blind_by_tier[tier].len()),
                    || {
                        let demand = Arc::clone(&r.demand);
                        Box::new(move |t, covers| {
                            let list = &demand.blind_by_tier[tier];
                            map_layers::dots_mesh(
                                &demand,
                                Some(list),
                                style::BLIND_SPOT,
                                t,
                                covers,
                                feather,
                            )
                        })
                    },
                );
                paint_cached(&mut painted, mesh, 3);
            }
            _ => self.layers.blind_spots.clear(),
        }

        // Facilities.
        if options.facilities {
            let layers = &input.study.layers;
            let hidden = &options.hidden_categories;
            let data = hash_of((
                Arc::as_ptr(&geometry) as usize,
                Arc::as_ptr(layers) as usize,
                hidden,
                input.selected_facility,
            ));
            let mesh = self.layers.facilities.mesh(
                data,
                to_screen,
                rect,
                margin,
                rebuild(geometry.facilities.len() * FACILITY_WEIGHT),
                || {
                    let geometry = Arc::clone(&geometry);
                    let layers = Arc::clone(layers);
                    let hidden = hidden.clone();
                    let selected = input.selected_facility;
                    Box::new(move |t, covers| {
                        let shown = |m: &FacilityMark| {
                            layers
                                .facilities
                                .get(m.index as usize)
                                .is_some_and(|f| !hidden.contains(&f.category))
                        };
                        map_layers::facilities_mesh(
                            &geometry.facilities,
                            shown,
                            selected,
                            t,
                            covers,
                            feather,
                        )
                    })
                },
            );
            paint_cached(&mut painted, mesh, 5);
            let marks = &geometry.facilities;
            if let Some(mark) = input.selected_facility.and_then(|i| marks.get(i as usize)) {
                let s = to_screen.apply(mark.pos);
                painter.circle_stroke(s, 11.5, Stroke::new(2.5, style::REACH));
            }
        } else {
            self.layers.facilities.clear();
        }
        rebuilt |= self.layers.rebuilds() != rebuilds_before;
        self.stats.rebuilding = self.layers.rebuilding();
        self.stats.rebuilds = self.layers.rebuilds();

        // Township names, as many as fit without overlapping (the
        // selected one first): a province shows a few, a county all.
        self.stats.labels = 0;
        if options.townships {
            let names = &input.study.layers.townships;
            let first = input.selected_township.filter(|&i| i < names.len());
            let order = first
                .into_iter()
                .chain((0..names.len()).filter(|&i| Some(i) != first));
            let mut placed = LabelSpace::new(rect);
            for i in order {
                let (Some(shape), Some(township)) = (geometry.townships.get(i), names.get(i))
                else {
                    continue;
                };
                let s = to_screen.apply(shape.label_at);
                if !rect.contains(s) {
                    continue;
                }
                let text = crate::io::cut_label(&township.name, 24);
                let size = vec2(text.chars().count() as f32 * 15.0 + 8.0, 20.0);
                if placed.take(Rect::from_center_size(s, size)) {
                    label_with_halo(&painter, s, &text, 15.0, style::TOWNSHIP_LABEL);
                    self.stats.labels += 1;
                }
            }
        }

        let build_ms = started.elapsed().as_secs_f32() * 1000.0;
        self.stats.vertices = painted;
        if rebuilt {
            self.stats.last_build_ms = build_ms;
        }

        // Furniture: scale bar, north arrow, heat key, zoom buttons.
        paint_scale_bar(&painter, rect, mpp);
        paint_north_arrow(&painter, rect, lang);
        if options.heat && results.is_some() {
            let supply = matches!(options.heat_source, map_geometry::HeatSource::Supply(_));
            paint_heat_key(&painter, rect, lang, supply);
        }
        self.zoom_buttons(ui, rect, lang);

        // Hover and click.
        if let (Some(p), Some(h)) = (hover, hovered) {
            show_hover(ui.ctx(), p, h, input, results);
        }
        if response.clicked() {
            match hovered {
                Some(Hover::Facility(i)) => actions.push(Action::SelectFacility(Some(i))),
                _ => {
                    if input.selected_facility.is_some() {
                        actions.push(Action::SelectFacility(None));
                    }
                }
            }
        }
        if let Some(text) = &input.debug {
            paint_debug(&painter, rect, text, &self.stats);
        }
        // Keep the (possibly panned) view.
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Canvas, true, lang.pick("地图", "Map"))
        });
    }

    fn zoom_buttons(&mut self, ui: &mut egui::Ui, rect: Rect, lang: Lang) {
        let size = vec2(30.0, 26.0);
        let x = rect.min.x + 10.0;
        let mut y = rect.min.y + 10.0;
        let mut button = |ui: &mut egui::Ui, text: &str, hover: &str| {
            let r = ui
                .put(
                    Rect::from_min_size(pos2(x, y), size),
                    egui::Button::new(text),
                )
                .on_hover_text(hover);
            y += size.y + 4.0;
            r.clicked()
        };
        if button(ui, "+", lang.pick("放大", "Zoom in")) {
            self.zoom(1.5);
        }
        if button(ui, "-", lang.pick("缩小", "Zoom out")) {
            self.zoom(1.0 / 1.5);
        }
        let fit_rect = Rect::from_min_size(pos2(x, y), vec2(size.x + 18.0, size.y));
        if ui
            .put(fit_rect, egui::Button::new(lang.pick("全图", "Fit")))
            .on_hover_text(lang.pick("缩放至全部数据", "Zoom to all data"))
            .clicked()
        {
            self.fit_all();
        }
    }

    fn hit_test(
        &self,
        p: Pos2,
        t: &MapTransform,
        input: &MapInputs<'_>,
        results: Option<&Results>,
    ) -> Option<Hover> {
        let geometry = &input.study.geometry;
        let to_screen = t.plane_to_screen(&geometry.plane);
        let options = input.options;
        if options.facilities {
            let mut best: Option<(f32, u32)> = None;
            for mark in &geometry.facilities {
                let Some(f) = input.study.layers.facilities.get(mark.index as usize) else {
                    continue;
                };
                if options.hidden_categories.contains(&f.category) {
                    continue;
                }
                let d = to_screen.apply(mark.pos).distance(p);
                if d <= 8.0 && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, mark.index));
                }
            }
            if let Some((_, i)) = best {
                return Some(Hover::Facility(i));
            }
        }
        if let Some(r) = results
            && (options.residents || options.heat || options.blind_spots)
        {
            let k = to_screen.k.max(1e-9);
            let plane_p = [(p.x - to_screen.ox) / k, (to_screen.oy - p.y) / k];
            let radius = if options.heat && !options.residents {
                9.0
            } else {
                7.0
            } / k;
            let found = if options.blind_spots && !options.residents && !options.heat {
                let list = r.demand.blind_by_tier.get(input.tier);
                list.and_then(|l| {
                    l.iter()
                        .map(|&i| (r.demand.pos[i as usize], i))
                        .map(|(q, i)| {
                            ((q[0] - plane_p[0]).powi(2) + (q[1] - plane_p[1]).powi(2), i)
                        })
                        .filter(|(d, _)| *d <= radius * radius)
                        .min_by(|a, b| a.0.total_cmp(&b.0))
                        .map(|(_, i)| i)
                })
            } else {
                r.demand.grid.nearest(&r.demand.pos, plane_p, radius)
            };
            if let Some(i) = found {
                return Some(Hover::Resident(i));
            }
        }
        if options.townships {
            let world = t.to_world(p);
            return township_at(input, world).map(Hover::Township);
        }
        None
    }
}

fn township_at(input: &MapInputs<'_>, [lon, lat]: [f64; 2]) -> Option<usize> {
    use geo::Intersects as _;
    let point = geo::Point::new(lon, lat);
    input
        .study
        .geometry
        .townships
        .iter()
        .zip(&input.study.layers.townships)
        .position(|(shape, t)| shape.bounds.contains([lon, lat]) && t.boundary.intersects(&point))
}

/// Screen room taken by labels: a label goes where it overlaps none placed
/// before. A coarse grid of the rectangles placed keeps a frame with a
/// thousand townships linear.
struct LabelSpace {
    min: Pos2,
    cols: usize,
    rows: usize,
    cells: Vec<Vec<Rect>>,
}

impl LabelSpace {
    const CELL: f32 = 64.0;

    fn new(rect: Rect) -> Self {
        let cols = (rect.width().max(0.0) / Self::CELL) as usize + 1;
        let rows = (rect.height().max(0.0) / Self::CELL) as usize + 1;
        Self {
            min: rect.min,
            cols,
            rows,
            cells: vec![Vec::new(); cols * rows],
        }
    }

    fn cell_range(
        &self,
        r: Rect,
    ) -> (
        std::ops::RangeInclusive<usize>,
        std::ops::RangeInclusive<usize>,
    ) {
        let c = |v: f32, n: usize| ((v / Self::CELL).max(0.0) as usize).min(n - 1);
        (
            c(r.min.x - self.min.x, self.cols)..=c(r.max.x - self.min.x, self.cols),
            c(r.min.y - self.min.y, self.rows)..=c(r.max.y - self.min.y, self.rows),
        )
    }

    /// Place `r` if it overlaps no label placed before.
    fn take(&mut self, r: Rect) -> bool {
        let (xs, ys) = self.cell_range(r);
        for y in ys.clone() {
            for x in xs.clone() {
                if self.cells[y * self.cols + x]
                    .iter()
                    .any(|o| o.intersects(r))
                {
                    return false;
                }
            }
        }
        for y in ys {
            for x in xs.clone() {
                self.cells[y * self.cols + x].push(r);
            }
        }
        true
    }
}

fn label_with_halo(painter: &egui::Painter, at: Pos2, text: &str, size: f32, color: Color32) {
    let galley = painter.layout_no_wrap(text.to_string(), FontId::proportional(size), color);
    let rect = Align2::CENTER_CENTER.anchor_size(at, galley.size());
    painter.rect_filled(
        rect.expand2(vec2(4.0, 1.0)),
        4.0,
        Color32::from_white_alpha(170),
    );
    painter.galley(rect.min, galley, color);
}

fn paint_scale_bar(painter: &egui::Painter, rect: Rect, metres_per_point: f64) {
    let (metres, points) = scale_bar(metres_per_point, 140.0);
    if points <= 0.0 {
        return;
    }
    let x0 = rect.min.x + 14.0;
    let y = rect.max.y - 16.0;
    let text = if metres >= 1000.0 {
        format!("{} km", metres / 1000.0)
    } else {
        format!("{metres} m")
    };
    let back = Rect::from_min_max(pos2(x0 - 6.0, y - 24.0), pos2(x0 + points + 8.0, y + 8.0));
    painter.rect_filled(back, 3.0, Color32::from_white_alpha(235));
    let stroke = Stroke::new(2.0, style::MAP_TEXT);
    painter.line_segment([pos2(x0, y), pos2(x0 + points, y)], stroke);
    for x in [x0, x0 + points] {
        painter.line_segment([pos2(x, y - 5.0), pos2(x, y)], stroke);
    }
    painter.text(
        pos2(x0 + points / 2.0, y - 7.0),
        Align2::CENTER_BOTTOM,
        text,
        FontId::proportional(12.0),
        style::MAP_TEXT,
    );
}

fn paint_north_arrow(painter: &egui::Painter, rect: Rect, lang: Lang) {
    let c = pos2(rect.max.x - 28.0, rect.min.y + 42.0);
    painter.circle(
        c,
        17.0,
        Color32::from_white_alpha(190),
        Stroke::new(1.0, Color32::from_gray(120)),
    );
    let tip = c + vec2(0.0, -13.0);
    let left = c + vec2(-7.0, 9.0);
    let right = c + vec2(7.0, 9.0);
    let mid = c + vec2(0.0, 4.0);
    painter.add(Shape::convex_polygon(
        vec![tip, mid, left],
        style::MAP_TEXT,
        Stroke::NONE,
    ));
    painter.add(Shape::convex_polygon(
        vec![tip, right, mid],
        Color32::from_gray(150),
        Stroke::new(1.0, style::MAP_TEXT),
    ));
    painter.text(
        c + vec2(0.0, -19.0),
        Align2::CENTER_BOTTOM,
        lang.pick("北", "N"),
        FontId::proportional(13.0),
        style::MAP_TEXT,
    );
}

fn paint_heat_key(painter: &egui::Painter, rect: Rect, lang: Lang, supply: bool) {
    let labels = if supply {
        ["≥100%", "≥50%", "≥25%", "<25%", lang.pick("无供给", "none")]
    } else {
        ["≤5", "≤15", "≤30", ">30", lang.pick("不可达", "none")]
    };
    let colors = [
        style::RAMP[0].color,
        style::RAMP[1].color,
        style::RAMP[2].color,
        style::RAMP[3].color,
        style::UNREACHED,
    ];
    let w = 46.0;
    let total = w * labels.len() as f32;
    let x0 = rect.max.x - total - 14.0;
    let y = rect.max.y - 30.0;
    let back = Rect::from_min_max(pos2(x0 - 6.0, y - 20.0), pos2(rect.max.x - 8.0, y + 22.0));
    painter.rect_filled(back, 3.0, Color32::from_white_alpha(235));
    painter.text(
        pos2(x0, y - 18.0),
        Align2::LEFT_TOP,
        if supply {
            lang.pick("每千人供给 / 标准", "Supply per 1,000 / standard")
        } else {
            lang.pick("出行时间（分钟）", "Travel time (min)")
        },
        FontId::proportional(11.0),
        style::MAP_TEXT,
    );
    for (i, (label, color)) in labels.iter().zip(colors).enumerate() {
        let r = Rect::from_min_size(pos2(x0 + i as f32 * w, y), vec2(w - 4.0, 8.0));
        painter.rect_filled(r, 1.0, color);
        painter.text(
            pos2(r.center().x, r.max.y + 1.0),
            Align2::CENTER_TOP,
            *label,
            FontId::proportional(11.0),
            style::MAP_TEXT,
        );
    }
}

fn paint_debug(painter: &egui::Painter, rect: Rect, text: &str, stats: &MapStats) {
    let v = stats.vertices;
    let text = format!(
        "{text}\nmesh {:.1} ms{} · {} vertices · {} names\n(heat {} roads {} residents {} blind {} reach {} facilities {})",
        stats.last_build_ms,
        if stats.rebuilding {
            " (rebuilding)"
        } else {
            ""
        },
        v.iter().sum::<usize>(),
        stats.labels,
        v[0],
        v[1],
        v[2],
        v[3],
        v[4],
        v[5]
    );
    let galley = painter.layout_no_wrap(text, FontId::monospace(12.0), Color32::WHITE);
    let at = pos2(rect.min.x + 60.0, rect.min.y + 10.0);
    let r = Rect::from_min_size(at, galley.size()).expand(5.0);
    painter.rect_filled(r, 4.0, Color32::from_black_alpha(190));
    painter.galley(at, galley, Color32::WHITE);
}

fn show_hover(
    ctx: &egui::Context,
    p: Pos2,
    hover: Hover,
    input: &MapInputs<'_>,
    results: Option<&Results>,
) {
    let lang = input.lang;
    let zh = lang.is_chinese();
    egui::Area::new(egui::Id::unique("lifecircle_map_hover"))
        .order(egui::Order::Tooltip)
        .fixed_pos(p + vec2(16.0, 16.0))
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(320.0);
                match hover {
                    Hover::Facility(i) => {
                        let Some(f) = input.study.layers.facilities.get(i as usize) else {
                            return;
                        };
                        let profile = &input.study.profile;
                        let name = if f.name.is_empty() {
                            lang.pick("（未命名设施）", "(unnamed facility)")
                        } else {
                            &f.name
                        };
                        ui.label(RichText::new(name).strong());
                        ui.label(format!(
                            "{}: {}",
                            lang.pick("类别", "Category"),
                            profile.category_name(&f.category, zh)
                        ));
                        if let Some(c) = f.capacity {
                            ui.label(format!(
                                "{}: {}",
                                lang.pick("规模", "Capacity"),
                                lang.count(c)
                            ));
                        }
                        ui.label(
                            RichText::new(
                                lang.pick("单击显示其可达范围", "Click to show what it reaches"),
                            )
                            .weak(),
                        );
                    }
                    Hover::Township(i) => {
                        let Some(t) = input.study.layers.townships.get(i) else {
                            return;
                        };
                        ui.label(RichText::new(&t.name).strong());
                        let figures = results.and_then(|r| r.assessment.report.township(&t.name));
                        match (figures, results) {
                            (Some(f), Some(r)) => {
                                let unit = demand_unit(r, lang);
                                ui.label(format!(
                                    "{}: {} {unit}",
                                    demand_label(r, lang),
                                    lang.count(f.figures.population)
                                ));
                                for (tier, cov) in r.profile.tiers.iter().zip(&f.figures.tiers) {
                                    let status = style::GoalStatus::of(cov.complete_share);
                                    ui.label(
                                        RichText::new(format!(
                                            "{}: {}",
                                            tier.display_name(zh),
                                            lang.percent(cov.complete_share)
                                        ))
                                        .color(status.strong()),
                                    );
                                }
                            }
                            _ => {
                                ui.label(lang.pick("尚无评估结果", "Not assessed yet"));
                            }
                        }
                    }
                    Hover::Resident(i) => {
                        let Some(r) = results else { return };
                        let Some(d) = r.assessment.demand.get(i as usize) else {
                            return;
                        };
                        let kind = match r.assessment.demand_kind {
                            crate::model::DemandKind::People => lang.pick("居民点", "Residents"),
                            crate::model::DemandKind::AreaHectares => {
                                lang.pick("网格", "Grid cell")
                            }
                        };
                        ui.label(RichText::new(format!("{kind} #{}", i + 1)).strong());
                        ui.label(format!(
                            "{}: {} {}",
                            demand_label(r, lang),
                            lang.count(d.population),
                            demand_unit(r, lang)
                        ));
                        if let Some(name) = r
                            .assessment
                            .resident_township
                            .get(i as usize)
                            .copied()
                            .flatten()
                            .and_then(|t| r.assessment.report.townships.get(t as usize))
                        {
                            ui.label(format!("{}: {}", lang.pick("乡镇", "Township"), name.name));
                        }
                        if let Some(tier) = r.profile.tiers.get(input.tier) {
                            ui.separator();
                            ui.label(RichText::new(tier.display_name(zh)).strong());
                            for c in &tier.categories {
                                let m = r
                                    .assessment
                                    .minutes_for(tier, c)
                                    .and_then(|m| m.get(i as usize))
                                    .copied()
                                    .unwrap_or(f32::INFINITY);
                                let ok = m as f64 <= tier.minutes;
                                // Minutes are computed up to a limit; past it
                                // (or with no road near) they are infinite.
                                let limit = r
                                    .assessment
                                    .slot(tier.mode, c)
                                    .map(|s| r.assessment.slots[s].limit_minutes);
                                let time = match limit {
                                    Some(l) if m.is_infinite() => match lang {
                                        Lang::Zh => format!("{l} 分钟内不可达"),
                                        Lang::En => format!("not within {l} min"),
                                    },
                                    _ => lang.minutes(m as f64),
                                };
                                let text = format!("{}: {time}", r.profile.category_name(c, zh));
                                if ok {
                                    ui.label(text);
                                } else {
                                    ui.label(RichText::new(text).color(style::MISSING_TEXT));
                                }
                            }
                        }
                    }
                }
            });
        });
}

fn demand_unit(r: &Results, lang: Lang) -> &'static str {
    match r.assessment.demand_kind {
        crate::model::DemandKind::People => lang.pick("人", "people"),
        crate::model::DemandKind::AreaHectares => lang.pick("公顷", "ha"),
    }
}

fn demand_label(r: &Results, lang: Lang) -> &'static str {
    match r.assessment.demand_kind {
        crate::model::DemandKind::People => lang.pick("人口", "Population"),
        crate::model::DemandKind::AreaHectares => lang.pick("面积", "Area"),
    }
}
