//! Tessellated map layers kept between frames, so that panning and zooming a
//! province stays fluid.
//!
//! A layer's mesh is built for one view (a [`PlaneToScreen`] and the map's
//! screen rectangle grown by a margin) and one data key. While the view only
//! pans within that margin, the same mesh is drawn shifted; while it zooms,
//! drawn scaled about the plane origin (an affine map of its vertices, far
//! cheaper than a rebuild) until a rebuild for the new view is ready. Large
//! layers rebuild on a background thread, small ones at once within the
//! frame (so tests and small districts always see an up-to-date map). A
//! frame while panning three million residents thus costs a copy of the
//! visible meshes, not a pass over the residents.
//!
//! Layer: ui (a helper of `map_view`); meshes and rectangles only.

use super::map_transform::PlaneToScreen;
use eframe::egui;
use egui::{Mesh, Rect, Vec2, pos2};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Builds a layer's mesh for a view: the view, and the screen rectangle to
/// cover (the map grown by the margin).
pub type Build = Box<dyn FnOnce(&PlaneToScreen, Rect) -> Mesh + Send + 'static>;

/// How a cached layer is rebuilt when its mesh no longer fits the view.
pub enum Rebuild<'a> {
    /// Within this frame.
    Inline,
    /// On a background thread that asks `ctx` for a repaint when done,
    /// started only while `may_start` holds (then cleared): the map runs
    /// one background rebuild at a time, so that on a small machine the
    /// frame's own thread is not starved by its helpers.
    Background {
        /// Asked for a repaint when the mesh is ready.
        ctx: &'a egui::Context,
        /// Whether a rebuild may start now.
        may_start: &'a std::cell::Cell<bool>,
    },
}

/// Side in points of the square tiles a built mesh is cut into, so that
/// the part in the margin off screen is neither moved nor painted.
pub const TILE: f32 = 256.0;

/// A part of a built mesh and its bounds.
struct Tile {
    bounds: Rect,
    mesh: Arc<Mesh>,
}

/// A mesh (cut into tiles) and what it was built for.
struct Built {
    data: u64,
    t: PlaneToScreen,
    covers: Rect,
    tiles: Vec<Tile>,
}

/// A background rebuild under way.
struct Job {
    data: u64,
    t: PlaneToScreen,
    covers: Rect,
    handle: JoinHandle<Mesh>,
}

/// One cached layer (see module docs).
#[derive(Default)]
pub struct LayerCache {
    built: Option<Built>,
    job: Option<Job>,
    /// The last tiles handed out moved to a view, and that view and map.
    shown: Option<(PlaneToScreen, Rect, Vec<Arc<Mesh>>)>,
    /// Rebuilds started so far (tests, the debug overlay).
    pub rebuilds: usize,
}

/// Cut `mesh` into square tiles of [`TILE`] points over `covers`, each
/// triangle into the tile of its first corner (vertices shared across tiles
/// are copied into each).
fn cut_into_tiles(mesh: Mesh, covers: Rect) -> Vec<Tile> {
    let cols = (covers.width().max(0.0) / TILE) as usize + 1;
    let rows = (covers.height().max(0.0) / TILE) as usize + 1;
    if cols * rows == 1 || mesh.indices.is_empty() {
        let bounds = mesh.calc_bounds();
        return vec![Tile {
            bounds,
            mesh: Arc::new(mesh),
        }];
    }
    let tile_of = |p: egui::Pos2| {
        let x = ((p.x - covers.min.x) / TILE).max(0.0) as usize;
        let y = ((p.y - covers.min.y) / TILE).max(0.0) as usize;
        y.min(rows - 1) * cols + x.min(cols - 1)
    };
    let mut tiles: Vec<Mesh> = (0..cols * rows)
        .map(|_| Mesh::with_texture(mesh.texture_id))
        .collect();
    // Per vertex: the tile it was last copied into and its index there.
    let mut copied = vec![(u32::MAX, 0u32); mesh.vertices.len()];
    for tri in mesh.indices.chunks_exact(3) {
        let k = tile_of(mesh.vertices[tri[0] as usize].pos);
        let tile = &mut tiles[k];
        for &v in tri {
            let (last, index) = &mut copied[v as usize];
            if *last != k as u32 {
                *last = k as u32;
                *index = tile.vertices.len() as u32;
                tile.vertices.push(mesh.vertices[v as usize]);
            }
            tile.indices.push(*index);
        }
    }
    tiles
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|m| Tile {
            bounds: m.calc_bounds(),
            mesh: Arc::new(m),
        })
        .collect()
}

/// Screen position under `to` of a point drawn at `p` under `from`.
fn moved(from: &PlaneToScreen, to: &PlaneToScreen, p: egui::Pos2) -> egui::Pos2 {
    let s = to.k / from.k;
    pos2(to.ox + s * (p.x - from.ox), to.oy + s * (p.y - from.oy))
}

impl LayerCache {
    /// Forget everything (the layer is switched off).
    pub fn clear(&mut self) {
        self.built = None;
        self.shown = None;
    }

    /// Whether a background rebuild is running.
    pub fn rebuilding(&self) -> bool {
        self.job.is_some()
    }

    /// The mesh to paint for `data` seen through `t` over the map `rect`.
    ///
    /// `make` is called only when a rebuild starts; the rebuild covers `rect`
    /// grown by `margin` points on every side. `None` while nothing of this
    /// data is built yet (a first background rebuild).
    pub fn mesh(
        &mut self,
        data: u64,
        t: PlaneToScreen,
        rect: Rect,
        margin: f32,
        rebuild: Rebuild<'_>,
        make: impl FnOnce() -> Build,
    ) -> Option<Vec<Arc<Mesh>>> {
        if self.job.as_ref().is_some_and(|j| j.handle.is_finished())
            && let Some(job) = self.job.take()
        {
            // A panic in a builder leaves the layer empty, not the app down.
            let mesh = job.handle.join().unwrap_or_default();
            self.set_built(job.data, job.t, job.covers, mesh);
        }
        let fits = self.built.as_ref().is_some_and(|b| {
            b.data == data && b.t.k == t.k && {
                // The map rectangle, in the built mesh's screen positions.
                let shift = Vec2::new(b.t.ox - t.ox, b.t.oy - t.oy);
                b.covers.contains_rect(rect.translate(shift))
            }
        });
        if !fits {
            let covers = rect.expand(margin);
            match rebuild {
                Rebuild::Inline => {
                    let mesh = make()(&t, covers);
                    self.rebuilds += 1;
                    self.set_built(data, t, covers, mesh);
                }
                Rebuild::Background { ctx, may_start } => {
                    if self.job.is_none() && may_start.replace(false) {
                        let build = make();
                        let ctx = ctx.clone();
                        self.rebuilds += 1;
                        let handle = std::thread::spawn(move || {
                            let mesh = build(&t, covers);
                            ctx.request_repaint();
                            mesh
                        });
                        self.job = Some(Job {
                            data,
                            t,
                            covers,
                            handle,
                        });
                    }
                }
            }
        }
        let built = self.built.as_ref().filter(|b| b.data == data)?;
        let on_screen = |tile: &&Tile| {
            let b = tile.bounds;
            Rect::from_min_max(moved(&built.t, &t, b.min), moved(&built.t, &t, b.max))
                .intersects(rect)
        };
        if built.t == t {
            let tiles = built.tiles.iter().filter(on_screen);
            return Some(tiles.map(|tile| Arc::clone(&tile.mesh)).collect());
        }
        if let Some((shown_t, shown_rect, meshes)) = &self.shown
            && *shown_t == t
            && *shown_rect == rect
        {
            return Some(meshes.clone());
        }
        let meshes: Vec<Arc<Mesh>> = built
            .tiles
            .iter()
            .filter(on_screen)
            .map(|tile| {
                let mut mesh = (*tile.mesh).clone();
                for v in &mut mesh.vertices {
                    v.pos = moved(&built.t, &t, v.pos);
                }
                Arc::new(mesh)
            })
            .collect();
        self.shown = Some((t, rect, meshes.clone()));
        Some(meshes)
    }

    fn set_built(&mut self, data: u64, t: PlaneToScreen, covers: Rect, mesh: Mesh) {
        self.built = Some(Built {
            data,
            t,
            covers,
            tiles: cut_into_tiles(mesh, covers),
        });
        self.shown = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{Color32, vec2};

    fn view(ox: f32, oy: f32, k: f32) -> PlaneToScreen {
        PlaneToScreen { ox, oy, k }
    }

    /// One small square per plane point, as a layer builder would.
    fn squares(points: Vec<[f32; 2]>) -> impl FnOnce() -> Build {
        move || {
            Box::new(move |t: &PlaneToScreen, covers: Rect| {
                let mut mesh = Mesh::default();
                for p in points {
                    let s = t.apply(p);
                    if covers.contains(s) {
                        mesh.add_colored_rect(
                            Rect::from_center_size(s, vec2(2.0, 2.0)),
                            Color32::RED,
                        );
                    }
                }
                mesh
            })
        }
    }

    fn joined(tiles: Vec<Arc<Mesh>>) -> Mesh {
        let mut all = Mesh::default();
        for t in tiles {
            all.append_ref(&t);
        }
        all
    }

    /// Triangles as sorted corner positions, sorted.
    fn triangles(mesh: &Mesh) -> Vec<[(i64, i64); 3]> {
        let key = |v: u32| {
            let p = mesh.vertices[v as usize].pos;
            ((p.x * 1000.0) as i64, (p.y * 1000.0) as i64)
        };
        let mut all: Vec<[(i64, i64); 3]> = mesh
            .indices
            .chunks_exact(3)
            .map(|t| {
                let mut c = [key(t[0]), key(t[1]), key(t[2])];
                c.sort();
                c
            })
            .collect();
        all.sort();
        all
    }

    #[test]
    fn tiles_keep_every_triangle_and_off_screen_tiles_are_not_painted() {
        let mut mesh = Mesh::default();
        // Quads every 37 points over 1000 × 700, and strokes crossing tiles.
        for y in 0..19 {
            for x in 0..27 {
                let c = pos2(x as f32 * 37.0 + 5.0, y as f32 * 37.0 + 5.0);
                mesh.add_colored_rect(Rect::from_center_size(c, vec2(6.0, 6.0)), Color32::RED);
            }
        }
        let mut path = egui::epaint::tessellator::Path::default();
        path.add_open_points(&[pos2(0.0, 0.0), pos2(990.0, 690.0), pos2(10.0, 600.0)]);
        path.stroke_open(
            1.0,
            &egui::epaint::PathStroke::new(3.0, Color32::BLUE),
            &mut mesh,
        );
        let covers = Rect::from_min_size(pos2(0.0, 0.0), vec2(1000.0, 700.0));
        let tiles = cut_into_tiles(mesh.clone(), covers);
        assert!(
            tiles.len() > 4 && tiles.len() <= 12,
            "{} tiles",
            tiles.len()
        );
        let all = joined(tiles.iter().map(|t| Arc::clone(&t.mesh)).collect());
        assert!(all.is_valid());
        assert_eq!(triangles(&all), triangles(&mesh));

        // Through the cache: a small map in one corner gets the tiles it
        // touches, not all.
        let mut cache = LayerCache::default();
        let t = view(0.0, 0.0, 1.0);
        let map = Rect::from_min_size(pos2(10.0, 10.0), vec2(200.0, 200.0));
        let build = move || -> Build { Box::new(move |_: &PlaneToScreen, _: Rect| mesh) };
        let shown = cache
            .mesh(1, t, map, 790.0, Rebuild::Inline, build)
            .unwrap();
        assert!(
            !shown.is_empty() && shown.len() < tiles.len(),
            "{}",
            shown.len()
        );
    }

    fn centres(mesh: &Mesh) -> Vec<egui::Pos2> {
        let mean = |q: &[egui::epaint::Vertex]| {
            let sum = q.iter().fold(Vec2::ZERO, |s, v| s + v.pos.to_vec2());
            (sum / q.len() as f32).to_pos2()
        };
        mesh.vertices.chunks(4).map(mean).collect()
    }

    #[test]
    fn a_pan_within_the_margin_moves_the_mesh_without_a_rebuild() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(100.0, 100.0));
        let pts = vec![[10.0, 10.0], [50.0, 20.0], [130.0, 40.0]];
        let mut cache = LayerCache::default();
        let t0 = view(0.0, 100.0, 1.0);
        let m0 = cache
            .mesh(1, t0, rect, 50.0, Rebuild::Inline, squares(pts.clone()))
            .map(joined)
            .unwrap();
        assert_eq!(cache.rebuilds, 1);
        // The point at x = 130 lies in the margin: built, off screen.
        assert_eq!(m0.vertices.len(), 12);
        let t1 = view(-20.0, 105.0, 1.0);
        let m1 = cache
            .mesh(1, t1, rect, 50.0, Rebuild::Inline, squares(pts.clone()))
            .map(joined)
            .unwrap();
        assert_eq!(cache.rebuilds, 1);
        // Moved exactly where a rebuild would put them.
        let want: Vec<egui::Pos2> = pts.iter().map(|p| t1.apply(*p)).collect();
        for (got, want) in centres(&m1).iter().zip(&want) {
            assert!(got.distance(*want) < 1e-4, "{got:?} {want:?}");
        }
        // Past the margin: rebuilt.
        let t2 = view(-80.0, 100.0, 1.0);
        cache.mesh(1, t2, rect, 50.0, Rebuild::Inline, squares(pts.clone()));
        assert_eq!(cache.rebuilds, 2);
        // New data: rebuilt.
        cache.mesh(2, t2, rect, 50.0, Rebuild::Inline, squares(pts));
        assert_eq!(cache.rebuilds, 3);
    }

    #[test]
    fn a_zoom_rebuilds_and_a_background_rebuild_shows_the_scaled_mesh_meanwhile() {
        let ctx = egui::Context::default();
        let may_start = std::cell::Cell::new(true);
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(100.0, 100.0));
        let pts = vec![[10.0, 10.0], [50.0, 20.0]];
        let mut cache = LayerCache::default();
        let t0 = view(0.0, 100.0, 1.0);
        // Nothing built yet: nothing to show until the thread is done.
        let first = cache.mesh(
            7,
            t0,
            rect,
            10.0,
            Rebuild::Background {
                ctx: &ctx,
                may_start: &may_start,
            },
            squares(pts.clone()),
        );
        assert!(first.is_none() && cache.rebuilding());
        let mut m0 = None;
        for _ in 0..2_000 {
            m0 = cache.mesh(
                7,
                t0,
                rect,
                10.0,
                Rebuild::Background {
                    ctx: &ctx,
                    may_start: &may_start,
                },
                squares(pts.clone()),
            );
            if m0.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(joined(m0.unwrap()).vertices.len(), 8);
        assert_eq!(cache.rebuilds, 1);
        // Zoom 2× about the plane origin while another layer rebuilds: the
        // old mesh scaled, no rebuild yet.
        let t1 = view(0.0, 100.0, 2.0);
        let busy = std::cell::Cell::new(false);
        let waiting = Rebuild::Background {
            ctx: &ctx,
            may_start: &busy,
        };
        assert!(
            cache
                .mesh(7, t1, rect, 10.0, waiting, squares(pts.clone()))
                .is_some()
        );
        assert_eq!(cache.rebuilds, 1);
        // Free again: the scaled mesh, a rebuild started.
        may_start.set(true);
        let m1 = cache
            .mesh(
                7,
                t1,
                rect,
                10.0,
                Rebuild::Background {
                    ctx: &ctx,
                    may_start: &may_start,
                },
                squares(pts.clone()),
            )
            .map(joined)
            .unwrap();
        assert_eq!(cache.rebuilds, 2);
        let want: Vec<egui::Pos2> = pts.iter().map(|p| t1.apply(*p)).collect();
        for (got, want) in centres(&m1).iter().zip(&want) {
            assert!(got.distance(*want) < 1e-4, "{got:?} {want:?}");
        }
    }
}
