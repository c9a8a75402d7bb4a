//! Batched map layers: builders that turn the map geometry of
//! `state::map_geometry` into one `egui::Mesh` per layer for a view.
//!
//! The builders cull by view and draw at a level of detail that fits the
//! zoom: when points crowd the screen (zoomed out) or more are visible than
//! can be drawn one by one, they aggregate into a screen grid of a few
//! points per cell; zoomed in, each point is drawn. Roads are simplified
//! and thinned in screen space likewise, so a frame stays cheap with
//! millions of residents or road segments.

use super::map_transform::PlaneToScreen;
use super::style;
use crate::state::map_geometry::{DemandGeometry, FacilityMark, RoadGeometry};
use eframe::egui;
use egui::epaint::{PathStroke, tessellator::Path};
use egui::{Color32, Mesh, Pos2, Rect, pos2, vec2};

/// Individual dots drawn before dots aggregate into grid cells.
pub const MAX_DOTS: usize = 12_000;
/// Screen cell (points) of aggregated dots.
pub const DOT_CELL: f32 = 6.0;
/// Dots aggregate once there are more visible than this many per occupied
/// [`DOT_CELL`] cell: they would overlap and pile up anyway.
pub const CROWDED_PER_CELL: f32 = 1.5;
/// Individual heat squares drawn before they aggregate into grid cells
/// (squares of a few points each: beyond this many they cover each other).
pub const MAX_SQUARES: usize = 40_000;
/// Visible road lines drawn as joined strokes; beyond, plain quads and a
/// screen occupancy grid.
pub const MAX_SMOOTH_LINES: usize = 6_000;
/// Outline colour of facility symbols.
const OUTLINE: Color32 = Color32::from_gray(30);
/// Screen cell (points) of the dense-road occupancy grid. With the whole
/// 1M-node district on screen, 7 points rather than 5 draw about 41,000
/// fewer vertices (215,000 in all), which kept its frames under 33 ms under
/// software rendering; at that zoom the difference does not show.
const OCCUPANCY_CELL: f32 = 7.0;
/// Visible dots drawn as anti-aliased circles; up to [`MAX_DOTS`] they are
/// plain octagons.
pub const MAX_SMOOTH_DOTS: usize = 500;
/// Visible road lines or facility symbols drawn anti-aliased; beyond, the
/// same shapes without the feathered edge (a third of the triangles).
pub const MAX_AA_ITEMS: usize = 400;
/// Visible facility symbols drawn in full; beyond, one small square per
/// screen cell.
pub const MAX_SYMBOLS: usize = 3_000;

/// Radius in points of a dot for `population` (area ∝ population).
pub fn dot_radius(population: f32, reference: f32) -> f32 {
    let s = (population.max(0.0) / reference.max(1e-6)).sqrt().min(1.5);
    1.6 + 4.0 * s
}

/// One dot per point (or per grid cell when many are visible).
///
/// `subset`: draw only these indices (blind spots); `None`: all points.
pub fn dots_mesh(
    demand: &DemandGeometry,
    subset: Option<&[u32]>,
    color: Color32,
    t: &PlaneToScreen,
    rect: Rect,
    feather: f32,
) -> Mesh {
    let mut visible: Vec<(Pos2, f32)> = Vec::new();
    let view = rect.expand(8.0);
    let mut push = |i: usize| {
        let s = t.apply(demand.pos[i]);
        if view.contains(s) {
            visible.push((s, demand.population[i]));
        }
    };
    match subset {
        Some(list) => list.iter().for_each(|&i| push(i as usize)),
        None => (0..demand.pos.len()).for_each(&mut push),
    }
    let mut mesh = Mesh::default();
    let mut path = Path::default();
    let cells = (visible.len() > MAX_SMOOTH_DOTS).then(|| aggregate_dots(&visible, view, DOT_CELL));
    let aggregate = cells
        .as_ref()
        .is_some_and(|c| dots_aggregate(visible.len(), c.len()));
    if !aggregate && visible.len() <= MAX_SMOOTH_DOTS {
        for (s, pop) in visible {
            let r = dot_radius(pop, demand.reference_population);
            path.clear();
            path.add_circle(s, r);
            path.fill(feather, color, &mut mesh);
        }
        return mesh;
    }
    if !aggregate {
        mesh.reserve_triangles(visible.len() * 6);
        for (s, pop) in visible {
            add_octagon(
                &mut mesh,
                s,
                dot_radius(pop, demand.reference_population),
                color,
            );
        }
        return mesh;
    }
    let cells = cells.unwrap_or_default();
    let max = cells.iter().map(|c| c.population).fold(0.0f32, f32::max);
    let reference = (max / 4.0).max(demand.reference_population);
    mesh.reserve_triangles(cells.len() * 2);
    mesh.reserve_vertices(cells.len() * 4);
    for c in cells {
        let r = dot_radius(c.population, reference).min(DOT_CELL * 0.6);
        add_quad(
            &mut mesh,
            Rect::from_center_size(c.centre, vec2(2.0 * r * 0.9, 2.0 * r * 0.9)),
            color,
        );
    }
    mesh
}

/// Whether `visible` dots falling into `occupied` screen cells are drawn
/// aggregated: too many to draw one by one, or crowded (see
/// [`CROWDED_PER_CELL`]). Zoomed out, dots crowd; zoomed in, they spread.
pub fn dots_aggregate(visible: usize, occupied: usize) -> bool {
    visible > MAX_DOTS || visible as f32 > CROWDED_PER_CELL * occupied as f32
}

/// One screen cell of aggregated dots.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DotCell {
    /// Population-weighted centre of the cell's points (a point of no
    /// population weighs a little, so that it still shows).
    pub centre: Pos2,
    /// Total population of the cell's points.
    pub population: f32,
    /// Number of points.
    pub points: u32,
}

/// Aggregate screen points `(position, population)` into square cells of
/// `cell` points over `rect` (points outside are left out): one entry per
/// occupied cell, row by row.
pub fn aggregate_dots(points: &[(Pos2, f32)], rect: Rect, cell: f32) -> Vec<DotCell> {
    let grid = ScreenGrid::new(rect, cell);
    // x·w, y·w, weight, population, points
    let mut acc = vec![[0.0f32; 4]; grid.len()];
    let mut count = vec![0u32; grid.len()];
    for (s, pop) in points {
        if let Some(c) = grid.index(*s) {
            let w = pop.max(1e-3);
            acc[c][0] += s.x * w;
            acc[c][1] += s.y * w;
            acc[c][2] += w;
            acc[c][3] += pop.max(0.0);
            count[c] += 1;
        }
    }
    acc.iter()
        .zip(&count)
        .filter(|(_, n)| **n > 0)
        .map(|(a, n)| DotCell {
            centre: pos2(a[0] / a[2], a[1] / a[2]),
            population: a[3],
            points: *n,
        })
        .collect()
}

/// Heat squares: one per demand point of side `side` points (at least 2),
/// or per grid cell when many are visible.
pub fn heat_mesh(
    demand: &DemandGeometry,
    values: &[f32],
    side: f32,
    t: &PlaneToScreen,
    rect: Rect,
) -> Mesh {
    heat_mesh_with(demand, values, side, t, rect, style::minutes_color, None)
}

/// [`heat_mesh`] with values coloured by `color` (minutes, or supply
/// against the standard) and weighed by `weights` (a group's population per
/// demand point; `None`: the population): a grid cell shows the weighted
/// mean of its reached points, and a point of weight 0 is not drawn.
pub fn heat_mesh_with(
    demand: &DemandGeometry,
    values: &[f32],
    side: f32,
    t: &PlaneToScreen,
    rect: Rect,
    color: fn(f32) -> Color32,
    weights: Option<&[f32]>,
) -> Mesh {
    let weight = |i: usize| match weights {
        Some(w) => w.get(i).copied().unwrap_or(0.0),
        None => demand.population[i].max(1e-3),
    };
    let side = side.max(2.0);
    let view = rect.expand(side);
    let value = |i: usize| values.get(i).copied().unwrap_or(f32::INFINITY);
    let alpha = |c: Color32| Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), 200);
    // Count first (cheap) so neither path needs a list of visible points.
    let visible = if demand.pos.len() <= MAX_SQUARES {
        demand.pos.len()
    } else {
        demand
            .pos
            .iter()
            .filter(|p| view.contains(t.apply(**p)))
            .count()
    };
    let mut mesh = Mesh::default();
    if visible <= MAX_SQUARES {
        mesh.reserve_triangles(visible * 2);
        mesh.reserve_vertices(visible * 4);
        for (i, p) in demand.pos.iter().enumerate() {
            let s = t.apply(*p);
            if view.contains(s) && weight(i) > 0.0 {
                add_quad(
                    &mut mesh,
                    Rect::from_center_size(s, vec2(side, side)),
                    alpha(color(value(i))),
                );
            }
        }
        return mesh;
    }
    let cells = ScreenGrid::new(view, side.max(3.0));
    // population, population × minutes (reached), population not reached
    let mut acc = vec![[0.0f32; 3]; cells.len()];
    for (i, p) in demand.pos.iter().enumerate() {
        if let Some(c) = cells.index(t.apply(*p)) {
            let w = weight(i);
            if w <= 0.0 {
                continue;
            }
            let v = value(i);
            acc[c][0] += w;
            if v.is_finite() {
                acc[c][1] += w * v;
            } else {
                acc[c][2] += w;
            }
        }
    }
    for (c, a) in acc.iter().enumerate().filter(|(_, a)| a[0] > 0.0) {
        let fill = if a[2] * 2.0 > a[0] {
            style::UNREACHED
        } else {
            color(a[1] / (a[0] - a[2]).max(1e-6))
        };
        add_quad(&mut mesh, cells.rect(c), alpha(fill));
    }
    mesh
}

/// All roads in one mesh, minor classes first; anti-aliased strokes when
/// few lines are visible, plain quads with a screen occupancy grid for the
/// minor classes otherwise. `zoom_width` scales the class widths.
pub fn roads_mesh(
    g: &RoadGeometry,
    t: &PlaneToScreen,
    rect: Rect,
    feather: f32,
    zoom_width: f32,
) -> Mesh {
    let view = t.plane_box(rect.expand(4.0));
    let in_view =
        |b: &[f32; 4]| b[0] <= view[2] && view[0] <= b[2] && b[1] <= view[3] && view[1] <= b[3];
    let visible: Vec<u32> = g
        .draw_order
        .iter()
        .copied()
        .filter(|&i| in_view(&g.bbox[i as usize]))
        .collect();
    let dense = visible.len() > MAX_SMOOTH_LINES;
    // Anti-aliasing doubles the triangles, thin ones, which software
    // renderers pay dearly for: only when few lines are visible.
    let feather = if visible.len() <= MAX_AA_ITEMS {
        feather
    } else {
        0.0
    };
    let mut mesh = Mesh::default();
    let mut path = Path::default();
    let mut pts: Vec<Pos2> = Vec::new();
    // Dense: the highest class drawn in each screen cell, plus one (0 = none).
    let grid = ScreenGrid::new(rect.expand(4.0), OCCUPANCY_CELL);
    let mut drawn_rank = if dense {
        vec![0u8; grid.len()]
    } else {
        Vec::new()
    };
    let min_step = if dense { 3.0 } else { 1.5 };
    for i in visible {
        let i = i as usize;
        let st = style::ROAD_STYLES[g.class[i] as usize];
        let width = (st.width * zoom_width).clamp(0.6, 8.0);
        // Screen-space simplification: skip vertices closer than `min_step`.
        pts.clear();
        let line = g.line(i);
        for (k, p) in line.iter().enumerate() {
            let s = t.apply(*p);
            let last = k + 1 == line.len();
            match pts.last() {
                Some(q)
                    if (s - *q).length_sq() < min_step * min_step && !(last && pts.len() == 1) =>
                {
                    if last && let Some(q) = pts.last_mut() {
                        *q = s;
                    }
                }
                _ => pts.push(s),
            }
        }
        if pts.len() < 2 {
            continue;
        }
        if dense {
            // A short segment whose middle cell already shows this class
            // (or a higher one) adds nothing visible at this scale.
            let rank = st.rank + 1;
            for w in pts.windows(2) {
                let (a, b) = (w[0], w[1]);
                let mid = grid.index(a + (b - a) * 0.5);
                let covered = mid.is_none_or(|c| drawn_rank[c] >= rank);
                if covered && (b - a).length() < 2.0 * OCCUPANCY_CELL {
                    continue;
                }
                for c in [grid.index(a), mid, grid.index(b)].into_iter().flatten() {
                    drawn_rank[c] = drawn_rank[c].max(rank);
                }
                add_segment_quad(&mut mesh, a, b, width.max(1.0), st.color);
            }
        } else {
            path.clear();
            path.add_open_points(&pts);
            path.stroke_open(feather, &PathStroke::new(width, st.color), &mut mesh);
        }
    }
    mesh
}

/// Facility symbols (one per facility, or one small square per 6-point
/// cell when symbols would pile up), filled with the category colour and
/// outlined. `shown(mark)` filters; `selected` is drawn larger.
pub fn facilities_mesh(
    marks: &[FacilityMark],
    shown: impl Fn(&FacilityMark) -> bool,
    selected: Option<u32>,
    t: &PlaneToScreen,
    rect: Rect,
    feather: f32,
) -> Mesh {
    let view = rect.expand(10.0);
    let visible: Vec<(&FacilityMark, Pos2)> = marks
        .iter()
        .filter(|m| shown(m))
        .map(|m| (m, t.apply(m.pos)))
        .filter(|(_, s)| view.contains(*s))
        .collect();
    let dense = visible.len() > MAX_SYMBOLS;
    let feather = if visible.len() <= MAX_AA_ITEMS {
        feather
    } else {
        0.0
    };
    let mut seen = std::collections::HashSet::new();
    let grid = ScreenGrid::new(view, 6.0);
    let mut mesh = Mesh::default();
    let mut path = Path::default();
    for (m, s) in visible {
        let is_selected = selected == Some(m.index);
        let fill = m
            .category
            .map_or(Color32::GRAY, |c| style::category_color(c as usize));
        if dense && !is_selected {
            // One small square per 6-point cell: the symbols would pile up anyway.
            if seen.insert(grid.index(s)) {
                add_quad(&mut mesh, Rect::from_center_size(s, vec2(4.0, 4.0)), fill);
            }
            continue;
        }
        let r = if is_selected { 7.5 } else { 4.5 };
        let symbol = style::Symbol::for_tier(m.tier.map(|t| t as usize));
        // A dark symbol one point larger under the coloured one: an outline
        // for a third of the triangles of a stroked path.
        path.clear();
        path.add_line_loop(&symbol.outline(s, r + 1.2));
        path.fill(feather, OUTLINE, &mut mesh);
        path.clear();
        path.add_line_loop(&symbol.outline(s, r));
        path.fill(0.0, fill, &mut mesh);
    }
    mesh
}

/// Closed outlines (township boundaries) as one mesh: each ring simplified
/// in screen space (vertices closer than a point apart merged), rings
/// outside `rect` or smaller than a point left out; anti-aliased while few.
pub fn outlines_mesh<'a>(
    rings: impl Iterator<Item = &'a Vec<[f32; 2]>>,
    width: f32,
    color: Color32,
    t: &PlaneToScreen,
    rect: Rect,
    feather: f32,
) -> Mesh {
    let view = rect.expand(width + 2.0);
    let mut screen: Vec<Vec<Pos2>> = Vec::new();
    for ring in rings {
        let mut pts: Vec<Pos2> = Vec::with_capacity(ring.len());
        for p in ring {
            let s = t.apply(*p);
            if pts
                .last()
                .is_none_or(|q: &Pos2| (s - *q).length_sq() >= 1.0)
            {
                pts.push(s);
            }
        }
        if pts.len() > 2 && view.intersects(Rect::from_points(&pts)) {
            screen.push(pts);
        }
    }
    let feather = if screen.len() <= MAX_AA_ITEMS {
        feather
    } else {
        0.0
    };
    let mut mesh = Mesh::default();
    let mut path = Path::default();
    for pts in screen {
        path.clear();
        path.add_line_loop(&pts);
        path.stroke_closed(feather, &PathStroke::new(width, color), &mut mesh);
    }
    mesh
}

/// Line segments (e.g. a facility's reach) as one anti-aliased mesh.
pub fn lines_mesh(
    segments: &[[Pos2; 2]],
    width: f32,
    color: Color32,
    rect: Rect,
    feather: f32,
) -> Mesh {
    let view = rect.expand(width + 2.0);
    let mut mesh = Mesh::default();
    let mut path = Path::default();
    for [a, b] in segments {
        if !view.intersects(Rect::from_two_pos(*a, *b)) {
            continue;
        }
        path.clear();
        path.add_line_segment([*a, *b]);
        path.stroke_open(feather, &PathStroke::new(width, color), &mut mesh);
    }
    mesh
}

/// Height in points of one scanline row of a polygon fill.
pub const FILL_ROW: f32 = 2.0;

/// Polygons (town areas) as one mesh: a light fill and an outline. The
/// rings are screen points; outer rings and holes alike, filled even–odd.
pub fn polygons_mesh(
    rings: &[Vec<Pos2>],
    rect: Rect,
    fill: Color32,
    outline: Color32,
    feather: f32,
) -> Mesh {
    let mut mesh = Mesh::default();
    for span in fill_spans(rings, rect) {
        add_quad(&mut mesh, span, fill);
    }
    let mut path = Path::default();
    for ring in rings.iter().filter(|r| r.len() > 2) {
        if rect.intersects(Rect::from_points(ring)) {
            path.clear();
            path.add_line_loop(ring);
            path.stroke_closed(feather, &PathStroke::new(1.5, outline), &mut mesh);
        }
    }
    mesh
}

/// The fill of `rings` inside `rect` as rows of [`FILL_ROW`] points, each
/// filled between alternate crossings of its centre line with the rings
/// (even–odd), so concave shapes and holes fill correctly where egui fills
/// only convex paths. Edges are visited in order of their top, so a row
/// looks only at the edges that span it.
fn fill_spans(rings: &[Vec<Pos2>], rect: Rect) -> Vec<Rect> {
    let mut edges: Vec<(Pos2, Pos2)> = rings
        .iter()
        .filter(|r| r.len() > 2)
        .flat_map(|r| (0..r.len()).map(move |k| (r[k], r[(k + 1) % r.len()])))
        .filter(|(a, b)| a.y != b.y && a.is_finite() && b.is_finite())
        .map(|(a, b)| if a.y < b.y { (a, b) } else { (b, a) })
        .collect();
    edges.sort_by(|p, q| p.0.y.total_cmp(&q.0.y));
    let (Some(top), Some(bottom)) = (
        edges.first().map(|e| e.0.y),
        edges.iter().map(|e| e.1.y).reduce(f32::max),
    ) else {
        return Vec::new();
    };
    let (top, bottom) = (top.max(rect.top()), bottom.min(rect.bottom()));
    let mut spans = Vec::new();
    let (mut next, mut active, mut xs) = (0, Vec::new(), Vec::new());
    let rows = ((bottom - top) / FILL_ROW).ceil().max(0.0) as usize;
    for row in 0..rows {
        let y = top + row as f32 * FILL_ROW;
        let c = y + FILL_ROW / 2.0;
        while next < edges.len() && edges[next].0.y <= c {
            active.push(edges[next]);
            next += 1;
        }
        active.retain(|e: &(Pos2, Pos2)| e.1.y > c);
        xs.clear();
        xs.extend(
            (active.iter())
                .filter(|(a, _)| a.y <= c)
                .map(|(a, b)| a.x + (c - a.y) / (b.y - a.y) * (b.x - a.x)),
        );
        xs.sort_by(f32::total_cmp);
        for pair in xs.chunks_exact(2) {
            let (x0, x1) = (pair[0].max(rect.left()), pair[1].min(rect.right()));
            if x1 > x0 {
                spans.push(Rect::from_min_max(pos2(x0, y), pos2(x1, y + FILL_ROW)));
            }
        }
    }
    spans
}

/// A grid of square screen cells over a rectangle.
struct ScreenGrid {
    min: Pos2,
    cell: f32,
    cols: usize,
    rows: usize,
}

impl ScreenGrid {
    fn new(rect: Rect, cell: f32) -> Self {
        let cell = cell.max(1.0);
        Self {
            min: rect.min,
            cell,
            cols: (rect.width().max(0.0) / cell) as usize + 1,
            rows: (rect.height().max(0.0) / cell) as usize + 1,
        }
    }

    fn len(&self) -> usize {
        self.cols * self.rows
    }

    fn index(&self, p: Pos2) -> Option<usize> {
        let x = (p.x - self.min.x) / self.cell;
        let y = (p.y - self.min.y) / self.cell;
        if x >= 0.0 && y >= 0.0 && (x as usize) < self.cols && (y as usize) < self.rows {
            Some(y as usize * self.cols + x as usize)
        } else {
            None
        }
    }

    fn rect(&self, index: usize) -> Rect {
        let x = (index % self.cols) as f32 * self.cell;
        let y = (index / self.cols) as f32 * self.cell;
        Rect::from_min_size(self.min + vec2(x, y), vec2(self.cell, self.cell))
    }
}

fn add_quad(mesh: &mut Mesh, rect: Rect, color: Color32) {
    mesh.add_colored_rect(rect, color);
}

fn add_octagon(mesh: &mut Mesh, c: Pos2, r: f32, color: Color32) {
    let base = mesh.vertices.len() as u32;
    for k in 0..8 {
        let a = (k as f32 + 0.5) * std::f32::consts::FRAC_PI_4;
        mesh.colored_vertex(c + vec2(a.cos(), a.sin()) * r, color);
    }
    for k in 1..7 {
        mesh.add_triangle(base, base + k, base + k + 1);
    }
}

fn add_segment_quad(mesh: &mut Mesh, a: Pos2, b: Pos2, width: f32, color: Color32) {
    let d = b - a;
    let len = d.length();
    if len.is_nan() || len <= 0.0 {
        return;
    }
    let n = vec2(-d.y, d.x) / len * (width / 2.0);
    let base = mesh.vertices.len() as u32;
    for p in [a + n, a - n, b - n, b + n] {
        mesh.colored_vertex(p, color);
    }
    mesh.add_triangle(base, base + 1, base + 2);
    mesh.add_triangle(base, base + 2, base + 3);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::map_geometry::PointGrid;

    fn demand(points: &[[f32; 2]]) -> DemandGeometry {
        DemandGeometry {
            pos: points.to_vec(),
            population: vec![10.0; points.len()],
            reference_population: 10.0,
            grid: PointGrid::build(points),
            blind_by_tier: vec![vec![1]],
        }
    }

    fn identity() -> PlaneToScreen {
        PlaneToScreen {
            ox: 0.0,
            oy: 100.0,
            k: 1.0,
        }
    }

    /// The scanline fill against the obvious even–odd ray test, on a
    /// concave ring with a hole, at every row centre of a grid of points.
    #[test]
    fn the_polygon_fill_covers_exactly_the_inside() {
        let outer: Vec<Pos2> = [
            (10., 10.),
            (190., 20.),
            (120., 90.),
            (180., 180.),
            (20., 150.),
        ]
        .map(|(x, y)| pos2(x, y))
        .to_vec();
        let hole: Vec<Pos2> = [(40., 60.), (80., 55.), (70., 110.)]
            .map(|(x, y)| pos2(x, y))
            .to_vec();
        let rings = vec![outer, hole];
        let rect = Rect::from_min_max(pos2(0.0, 0.0), pos2(150.0, 200.0));
        let spans = fill_spans(&rings, rect);
        let inside = |p: Pos2| {
            let mut odd = false;
            for r in &rings {
                for k in 0..r.len() {
                    let (a, b) = (r[k], r[(k + 1) % r.len()]);
                    if (a.y <= p.y) != (b.y <= p.y)
                        && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x)
                    {
                        odd = !odd;
                    }
                }
            }
            odd
        };
        let (mut checked, mut filled) = (0, 0);
        for row in 0..100 {
            for col in 0..160 {
                // Row centres of the fill, between pixel columns.
                let p = pos2(col as f32 + 0.37, 10.0 + FILL_ROW * (row as f32 + 0.5));
                let covered = spans.iter().any(|s| s.contains(p));
                let expected = inside(p) && rect.contains(p);
                assert_eq!(covered, expected, "{p:?}");
                checked += 1;
                filled += covered as usize;
            }
        }
        assert!(filled > 3_000 && filled < checked, "{filled} of {checked}");
        // Spans never leave the view and never overlap within a row.
        assert!(spans.iter().all(|s| rect.contains_rect(*s)));
        let mesh = polygons_mesh(&rings, rect, Color32::RED, Color32::BLUE, 1.0);
        assert!(mesh.vertices.len() >= 4 * spans.len());
        let far = Rect::from_min_max(pos2(500.0, 500.0), pos2(600.0, 600.0));
        assert!(polygons_mesh(&rings, far, Color32::RED, Color32::BLUE, 1.0).is_empty());
    }

    #[test]
    fn dots_are_culled_to_the_view() {
        let d = demand(&[[10.0, 10.0], [50.0, 50.0], [500.0, 500.0]]);
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0));
        let all = dots_mesh(&d, None, Color32::RED, &identity(), rect, 1.0);
        let one = dots_mesh(&d, Some(&[0]), Color32::RED, &identity(), rect, 1.0);
        assert!(!all.is_empty() && all.is_valid());
        // Two visible dots of the same size: twice the vertices of one.
        assert_eq!(all.vertices.len(), 2 * one.vertices.len());
        assert!(all.calc_bounds().max.x < 100.0 + 8.0);
    }

    #[test]
    fn many_dots_aggregate_into_a_bounded_mesh() {
        let n = 200_000;
        let pts: Vec<[f32; 2]> = (0..n)
            .map(|i| [(i % 500) as f32 * 0.2, (i / 500) as f32 * 0.25])
            .collect();
        let d = demand(&pts);
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0));
        let mesh = dots_mesh(&d, None, Color32::RED, &identity(), rect, 1.0);
        let cells = (108.0f32 / DOT_CELL).ceil().powi(2) as usize;
        assert!(
            mesh.vertices.len() <= 4 * (cells + 50),
            "{} vertices",
            mesh.vertices.len()
        );
        assert!(!mesh.is_empty());

        // Between the limits, not crowded: one plain octagon (8 vertices) per dot.
        let n = MAX_SMOOTH_DOTS + 100;
        let pts: Vec<[f32; 2]> = (0..n)
            .map(|i| [(i % 100) as f32 * 5.0, (i / 100) as f32 * 5.0])
            .collect();
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(600.0, 600.0));
        let mesh = dots_mesh(&demand(&pts), None, Color32::RED, &identity(), rect, 1.0);
        assert_eq!(mesh.vertices.len(), 8 * n);
        assert!(mesh.is_valid());
    }

    #[test]
    fn crowded_dots_aggregate_and_sparse_ones_do_not() {
        // 1,000 dots in 800 cells: spread; in 600: crowded.
        assert!(!dots_aggregate(1_000, 800));
        assert!(dots_aggregate(1_000, 600));
        assert!(!dots_aggregate(MAX_DOTS, MAX_DOTS));
        assert!(dots_aggregate(MAX_DOTS + 1, MAX_DOTS + 1));
        // 2,000 dots on 40 × 50 points: aggregated into few quads; the
        // same dots 8 points apart: one octagon each.
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(500.0, 500.0));
        let at = |step: f32| -> Vec<[f32; 2]> {
            (0..2_000)
                .map(|i| [10.0 + (i % 40) as f32 * step, 10.0 + (i / 40) as f32 * step])
                .collect()
        };
        let t = PlaneToScreen {
            ox: 0.0,
            oy: 500.0,
            k: 1.0,
        };
        let crowded = dots_mesh(&demand(&at(1.0)), None, Color32::RED, &t, rect, 1.0);
        assert!(
            crowded.vertices.len() <= 4 * 9 * 10,
            "{}",
            crowded.vertices.len()
        );
        let spread = dots_mesh(&demand(&at(8.0)), None, Color32::RED, &t, rect, 1.0);
        assert_eq!(spread.vertices.len(), 8 * 2_000);
    }

    /// The obvious way: each point's cell by flooring, totals in a map.
    fn aggregate_slowly(
        points: &[(Pos2, f32)],
        rect: Rect,
        cell: f32,
    ) -> Vec<(i64, i64, f64, u32)> {
        let mut cells: std::collections::BTreeMap<(i64, i64), (f64, u32)> = Default::default();
        for (p, pop) in points {
            let x = ((p.x - rect.min.x) / cell).floor() as i64;
            let y = ((p.y - rect.min.y) / cell).floor() as i64;
            let cols = (rect.width() / cell) as i64 + 1;
            let rows = (rect.height() / cell) as i64 + 1;
            if (0..cols).contains(&x) && (0..rows).contains(&y) {
                let e = cells.entry((y, x)).or_default();
                e.0 += pop.max(0.0) as f64;
                e.1 += 1;
            }
        }
        cells
            .into_iter()
            .map(|((y, x), (p, n))| (x, y, p, n))
            .collect()
    }

    #[test]
    fn aggregation_keeps_every_person_and_matches_the_slow_way() {
        // A fixed pseudo-random cloud, some of it outside the rectangle.
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f32 / (1u64 << 31) as f32
        };
        let rect = Rect::from_min_max(pos2(10.0, 20.0), pos2(410.0, 320.0));
        let points: Vec<(Pos2, f32)> = (0..50_000)
            .map(|_| {
                let p = pos2(next() * 500.0 - 40.0, next() * 400.0 - 20.0);
                (p, (next() * 30.0).floor())
            })
            .collect();
        let cells = aggregate_dots(&points, rect, DOT_CELL);
        let slow = aggregate_slowly(&points, rect, DOT_CELL);
        assert_eq!(cells.len(), slow.len());
        for (c, (x, y, pop, n)) in cells.iter().zip(&slow) {
            assert_eq!(c.points, *n);
            assert!(
                (c.population as f64 - pop).abs() <= 1e-3 * pop.max(1.0),
                "{c:?} {pop}"
            );
            // The centre lies in its cell.
            let min = rect.min + vec2(*x as f32, *y as f32) * DOT_CELL;
            let r = Rect::from_min_size(min, vec2(DOT_CELL, DOT_CELL)).expand(1e-3);
            assert!(r.contains(c.centre), "{c:?} not in {r:?}");
        }
        // Totals: the points in view (as `dots_mesh` passes them), each once.
        let visible: Vec<(Pos2, f32)> = points
            .iter()
            .copied()
            .filter(|(p, _)| rect.contains(*p))
            .collect();
        let cells = aggregate_dots(&visible, rect, DOT_CELL);
        let want: f64 = visible.iter().map(|(_, w)| *w as f64).sum();
        let got: f64 = cells.iter().map(|c| c.population as f64).sum();
        assert!((want - got).abs() < 1e-6 * want, "{want} {got}");
        let n: u32 = cells.iter().map(|c| c.points).sum();
        assert_eq!(n as usize, visible.len());
    }

    #[test]
    fn a_group_weighs_the_heat() {
        // Aggregated: one cell; by population most are reached in 12 min,
        // by the group's weight most are not reached.
        let n = MAX_SQUARES + 10_000;
        let mut values = vec![12.0; n];
        values[..n / 3].fill(f32::INFINITY);
        let d = DemandGeometry {
            pos: vec![[50.0, 50.0]; n],
            population: vec![1.0; n],
            reference_population: 1.0,
            ..Default::default()
        };
        let mut group = vec![0.0f32; n];
        group[..n / 3].fill(1.0);
        group[n / 3] = 0.1;
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0));
        // Colours as drawn (alpha rounds by one or two).
        let close = |m: &Mesh, want: Color32| {
            let [r, g, b, _] = m.vertices[0].color.to_srgba_unmultiplied();
            [r, g, b]
                .iter()
                .zip([want.r(), want.g(), want.b()])
                .all(|(x, y)| (*x as i32 - y as i32).abs() <= 2)
        };
        let by_people = heat_mesh_with(
            &d,
            &values,
            4.0,
            &identity(),
            rect,
            style::minutes_color,
            None,
        );
        let by_group = heat_mesh_with(
            &d,
            &values,
            4.0,
            &identity(),
            rect,
            style::minutes_color,
            Some(&group),
        );
        assert!(close(&by_people, style::RAMP[1].color));
        assert!(close(&by_group, style::UNREACHED));
        // One square per point: the points without the group are not drawn.
        let few = demand(&[[10.0, 10.0], [20.0, 10.0], [30.0, 10.0]]);
        let mesh = heat_mesh_with(
            &few,
            &[3.0, 3.0, 3.0],
            4.0,
            &identity(),
            rect,
            style::minutes_color,
            Some(&[1.0, 0.0, 2.0]),
        );
        assert_eq!(mesh.vertices.len(), 8);
    }

    #[test]
    fn heat_squares_use_the_ramp_and_aggregate_by_majority() {
        let d = demand(&[[10.0, 10.0], [20.0, 10.0]]);
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0));
        let mesh = heat_mesh(&d, &[3.0, f32::INFINITY], 4.0, &identity(), rect);
        assert_eq!(mesh.vertices.len(), 8);
        let unmultiplied = |c: Color32| {
            let [r, g, b, _] = c.to_srgba_unmultiplied();
            [r as i32, g as i32, b as i32]
        };
        let close = |a: [i32; 3], b: Color32| {
            let b = [b.r() as i32, b.g() as i32, b.b() as i32];
            a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 2)
        };
        assert!(close(
            unmultiplied(mesh.vertices[0].color),
            style::RAMP[0].color
        ));
        assert!(close(
            unmultiplied(mesh.vertices[4].color),
            style::UNREACHED
        ));

        // 130k points in one spot: aggregated, one cell, majority reached in 12 min.
        let n = MAX_SQUARES + 10_000;
        let pts = vec![[50.0, 50.0]; n];
        let mut values = vec![12.0; n];
        values[..n / 3].fill(f32::INFINITY);
        let d = DemandGeometry {
            pos: pts,
            population: vec![1.0; n],
            reference_population: 1.0,
            ..Default::default()
        };
        let mesh = heat_mesh(&d, &values, 4.0, &identity(), rect);
        assert_eq!(mesh.vertices.len(), 4);
        assert!(close(
            unmultiplied(mesh.vertices[0].color),
            style::RAMP[1].color
        ));
    }

    #[test]
    fn dense_roads_stay_bounded_and_sparse_roads_are_smooth() {
        // A 300 × 300 lattice of tiny residential segments in a 100-point view.
        let mut g = RoadGeometry {
            line_start: vec![0],
            ..Default::default()
        };
        for r in 0..300 {
            for c in 0..300 {
                let p = [c as f32 / 3.0, r as f32 / 3.0];
                let q = [p[0] + 1.0 / 3.0, p[1]];
                g.points.extend([p, q]);
                g.line_start.push(g.points.len() as u32);
                g.class.push(1);
                g.bbox.push([p[0], p[1], q[0], q[1]]);
                g.segments += 1;
            }
        }
        g.draw_order = (0..g.class.len() as u32).collect();
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0));
        let mesh = roads_mesh(&g, &identity(), rect, 1.0, 1.0);
        assert!(mesh.is_valid());
        // Far fewer than 90,000 quads: bounded by the occupancy grid.
        assert!(
            mesh.vertices.len() < 4 * 1_000,
            "{} vertices",
            mesh.vertices.len()
        );

        // Many visible lines, but not dense: joined strokes without
        // anti-aliasing, two vertices per point.
        let n = MAX_AA_ITEMS + 100;
        let mut g3 = RoadGeometry {
            line_start: vec![0],
            ..Default::default()
        };
        for i in 0..n {
            let y = 5.0 + i as f32 * 90.0 / n as f32;
            g3.points.extend([[5.0, y], [95.0, y]]);
            g3.line_start.push(g3.points.len() as u32);
            g3.class.push(1);
            g3.bbox.push([5.0, y, 95.0, y]);
            g3.segments += 1;
        }
        g3.draw_order = (0..n as u32).collect();
        let mesh = roads_mesh(&g3, &identity(), rect, 1.0, 1.0);
        assert_eq!(mesh.vertices.len(), 4 * n);

        // A single long line: anti-aliased stroke (more than 4 vertices).
        let g2 = RoadGeometry {
            points: vec![[10.0, 10.0], [90.0, 90.0]],
            line_start: vec![0, 2],
            class: vec![4],
            bbox: vec![[10.0, 10.0, 90.0, 90.0]],
            draw_order: vec![0],
            segments: 1,
        };
        let mesh = roads_mesh(&g2, &identity(), rect, 1.0, 1.0);
        assert!(mesh.vertices.len() > 4);
        // Out of view: nothing.
        let far = PlaneToScreen {
            ox: 1000.0,
            oy: 100.0,
            k: 1.0,
        };
        assert!(roads_mesh(&g2, &far, rect, 1.0, 1.0).is_empty());
    }

    #[test]
    fn facilities_are_filtered_culled_and_deduplicated_when_dense() {
        let mark = |i: u32, x: f32, c: u16| FacilityMark {
            index: i,
            pos: [x, 50.0],
            category: Some(c),
            tier: Some(0),
        };
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0));
        let marks = vec![mark(0, 10.0, 0), mark(1, 60.0, 1), mark(2, 900.0, 0)];
        let all = facilities_mesh(&marks, |_| true, None, &identity(), rect, 1.0);
        let first = facilities_mesh(
            &marks,
            |m| m.category == Some(0),
            None,
            &identity(),
            rect,
            1.0,
        );
        assert!(all.is_valid() && !first.is_empty());
        assert_eq!(all.vertices.len(), 2 * first.vertices.len());
        // 10,000 facilities on one spot: one small square.
        let many: Vec<FacilityMark> = (0..10_000).map(|i| mark(i, 50.0, (i % 2) as u16)).collect();
        let dense = facilities_mesh(&many, |_| true, None, &identity(), rect, 1.0);
        assert_eq!(dense.vertices.len(), 4);
        // Spread over the view: bounded by the 6-point cells.
        let spread: Vec<FacilityMark> = (0..10_000)
            .map(|i| FacilityMark {
                pos: [(i % 100) as f32, (i / 100) as f32],
                ..mark(i, 0.0, 0)
            })
            .collect();
        let dense = facilities_mesh(&spread, |_| true, None, &identity(), rect, 1.0);
        assert!(
            dense.vertices.len() <= 4 * 20 * 20,
            "{}",
            dense.vertices.len()
        );
    }

    #[test]
    fn dot_radius_grows_with_population_and_is_capped() {
        assert!(dot_radius(100.0, 10.0) > dot_radius(10.0, 10.0));
        assert!(dot_radius(1e9, 10.0) <= 1.6 + 4.0 * 1.5 + 1e-6);
        assert!(dot_radius(-5.0, 10.0) >= 1.6);
    }
}
