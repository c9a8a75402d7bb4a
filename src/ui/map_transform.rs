//! World (WGS84 lon/lat) ↔ screen for the map view.
//!
//! An equirectangular projection whose east–west axis is scaled by the cosine
//! of a fixed reference latitude, so that a kilometre east and a kilometre
//! north are the same number of pixels near the data (the error is under
//! 0.5 % across a county). The reference latitude stays fixed while the user
//! pans, so cached geometry in [`PlaneOrigin`] coordinates stays valid.
//!
//! No egui state: only `egui::{Pos2, Rect, Vec2}` values.

pub use crate::state::map_geometry::{GeoBounds, PlaneOrigin};
use eframe::egui;
use egui::{Pos2, Rect, Vec2, pos2};

/// Metres per degree of latitude on the mean Earth sphere (R = 6 371 008.8 m).
pub const METRES_PER_DEGREE: f64 = 111_195.08;

/// Closest zoom: points per degree (≈ 1 point per 1.1 cm).
const MAX_POINTS_PER_DEGREE: f64 = 1.0e7;
/// Farthest zoom: the whole Earth in a few hundred points.
const MIN_POINTS_PER_DEGREE: f64 = 0.5;

/// A fast affine map from [`PlaneOrigin`] coordinates to screen points:
/// `screen = (ox + k·x, oy − k·y)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlaneToScreen {
    /// Screen x of the plane origin.
    pub ox: f32,
    /// Screen y of the plane origin.
    pub oy: f32,
    /// Screen points per plane unit (degree of latitude).
    pub k: f32,
}

impl PlaneToScreen {
    /// Screen position of a plane point.
    #[inline]
    pub fn apply(&self, [x, y]: [f32; 2]) -> Pos2 {
        pos2(self.ox + self.k * x, self.oy - self.k * y)
    }

    /// Plane box `[min_x, min_y, max_x, max_y]` of a screen rectangle.
    pub fn plane_box(&self, rect: Rect) -> [f32; 4] {
        let k = self.k.max(f32::MIN_POSITIVE);
        [
            (rect.min.x - self.ox) / k,
            (self.oy - rect.max.y) / k,
            (rect.max.x - self.ox) / k,
            (self.oy - rect.min.y) / k,
        ]
    }
}

/// The map's view: which lon/lat sits at the centre of which screen
/// rectangle, and how many screen points a degree of latitude spans.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MapTransform {
    center: [f64; 2],
    points_per_degree: f64,
    cos_lat: f64,
    rect: Rect,
}

impl MapTransform {
    /// A view of `rect` centred on `center` (`[lon, lat]`), with
    /// `points_per_degree` of latitude and east–west scaled by
    /// cos(`reference_lat`).
    pub fn new(rect: Rect, center: [f64; 2], points_per_degree: f64, reference_lat: f64) -> Self {
        Self {
            center,
            points_per_degree: points_per_degree
                .clamp(MIN_POINTS_PER_DEGREE, MAX_POINTS_PER_DEGREE),
            cos_lat: reference_lat.to_radians().cos().max(0.01),
            rect,
        }
    }

    /// The view that shows all of `bounds` inside `rect`, leaving `margin`
    /// points free on every side, with the reference latitude of `plane`.
    pub fn fit(bounds: &GeoBounds, rect: Rect, margin: f32, plane: &PlaneOrigin) -> Self {
        let reference_lat = plane.cos_lat.clamp(-1.0, 1.0).acos().to_degrees();
        if !bounds.is_valid() {
            return Self::new(rect, [plane.lon0, plane.lat0], 1000.0, reference_lat);
        }
        let inner = rect.shrink(margin.min(rect.width() / 3.0).min(rect.height() / 3.0));
        let w_deg = ((bounds.max_lon - bounds.min_lon) * plane.cos_lat).max(1e-6);
        let h_deg = (bounds.max_lat - bounds.min_lat).max(1e-6);
        let ppd =
            (inner.width().max(1.0) as f64 / w_deg).min(inner.height().max(1.0) as f64 / h_deg);
        Self::new(rect, bounds.center(), ppd, reference_lat)
    }

    /// The screen rectangle of the map.
    pub fn rect(&self) -> Rect {
        self.rect
    }

    /// Move the view to a new screen rectangle, keeping centre and scale.
    pub fn set_rect(&mut self, rect: Rect) {
        self.rect = rect;
    }

    /// `[lon, lat]` at the centre of the map.
    pub fn center(&self) -> [f64; 2] {
        self.center
    }

    /// Screen points per degree of latitude.
    pub fn points_per_degree(&self) -> f64 {
        self.points_per_degree
    }

    /// Ground metres per screen point.
    pub fn metres_per_point(&self) -> f64 {
        METRES_PER_DEGREE / self.points_per_degree
    }

    /// Screen position of a lon/lat point.
    pub fn to_screen(&self, lon: f64, lat: f64) -> Pos2 {
        let c = self.rect.center();
        let k = self.points_per_degree;
        pos2(
            c.x + ((lon - self.center[0]) * self.cos_lat * k) as f32,
            c.y - ((lat - self.center[1]) * k) as f32,
        )
    }

    /// `[lon, lat]` under a screen position.
    pub fn to_world(&self, p: Pos2) -> [f64; 2] {
        let c = self.rect.center();
        let k = self.points_per_degree;
        [
            self.center[0] + (p.x - c.x) as f64 / (k * self.cos_lat),
            self.center[1] - (p.y - c.y) as f64 / k,
        ]
    }

    /// Move the map by `delta` screen points (the content follows the mouse).
    pub fn pan(&mut self, delta: Vec2) {
        let k = self.points_per_degree;
        self.center[0] -= delta.x as f64 / (k * self.cos_lat);
        self.center[1] += delta.y as f64 / k;
    }

    /// Zoom by `factor` (> 1 zooms in) keeping the point under `anchor` fixed.
    pub fn zoom_at(&mut self, factor: f64, anchor: Pos2) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        let before = self.to_world(anchor);
        self.points_per_degree =
            (self.points_per_degree * factor).clamp(MIN_POINTS_PER_DEGREE, MAX_POINTS_PER_DEGREE);
        let after = self.to_world(anchor);
        self.center[0] += before[0] - after[0];
        self.center[1] += before[1] - after[1];
    }

    /// The lon/lat box visible in the map rectangle.
    pub fn visible_bounds(&self) -> GeoBounds {
        let a = self.to_world(self.rect.left_top());
        let b = self.to_world(self.rect.right_bottom());
        GeoBounds {
            min_lon: a[0].min(b[0]),
            min_lat: a[1].min(b[1]),
            max_lon: a[0].max(b[0]),
            max_lat: a[1].max(b[1]),
        }
    }

    /// The affine map from `plane` coordinates to screen points for bulk
    /// drawing. Exact when `plane` has this view's reference latitude.
    pub fn plane_to_screen(&self, plane: &PlaneOrigin) -> PlaneToScreen {
        let c = self.rect.center();
        let k = self.points_per_degree;
        let cx = (self.center[0] - plane.lon0) * plane.cos_lat;
        let cy = self.center[1] - plane.lat0;
        PlaneToScreen {
            ox: (c.x as f64 - cx * k) as f32,
            oy: (c.y as f64 + cy * k) as f32,
            k: k as f32,
        }
    }
}

/// A "nice" scale-bar length (1, 2 or 5 × 10ⁿ metres) no longer than
/// `max_points` on screen. Returns `(metres, points)`.
///
/// ```
/// use lifecircle::ui::map_transform::scale_bar;
/// let (m, pts) = scale_bar(10.0, 120.0); // 10 m per point
/// assert_eq!(m, 1000.0);
/// assert_eq!(pts, 100.0);
/// ```
pub fn scale_bar(metres_per_point: f64, max_points: f32) -> (f64, f32) {
    if !(metres_per_point.is_finite() && metres_per_point > 0.0 && max_points > 0.0) {
        return (0.0, 0.0);
    }
    let max_m = metres_per_point * max_points as f64;
    let pow = 10f64.powf(max_m.log10().floor());
    let metres = [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * pow)
        .find(|&m| m <= max_m)
        .unwrap_or(pow);
    (metres, (metres / metres_per_point) as f32)
}

/// A hashable snapshot of a view: cached drawing made for one key is valid
/// exactly while the view has that key.
pub fn view_key(t: &MapTransform) -> (u64, u64, u64, [u32; 4]) {
    (
        t.center[0].to_bits(),
        t.center[1].to_bits(),
        t.points_per_degree.to_bits(),
        [
            t.rect.min.x.to_bits(),
            t.rect.min.y.to_bits(),
            t.rect.max.x.to_bits(),
            t.rect.max.y.to_bits(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::vec2;

    fn view() -> MapTransform {
        let rect = Rect::from_min_size(pos2(100.0, 50.0), vec2(800.0, 600.0));
        MapTransform::new(rect, [118.8, 28.9], 20_000.0, 28.9)
    }

    #[test]
    fn centre_maps_to_rect_centre_and_back() {
        let t = view();
        let c = t.to_screen(118.8, 28.9);
        assert!((c - t.rect().center()).length() < 1e-3);
        for p in [[118.79, 28.91], [118.83, 28.88], [118.8, 28.9]] {
            let back = t.to_world(t.to_screen(p[0], p[1]));
            assert!(
                (back[0] - p[0]).abs() < 1e-6 && (back[1] - p[1]).abs() < 1e-6,
                "{p:?} -> {back:?}"
            );
        }
    }

    #[test]
    fn north_is_up_and_east_is_right() {
        let t = view();
        let c = t.to_screen(118.8, 28.9);
        assert!(t.to_screen(118.8, 28.91).y < c.y);
        assert!(t.to_screen(118.81, 28.9).x > c.x);
    }

    #[test]
    fn a_kilometre_east_is_as_long_as_a_kilometre_north() {
        let t = view();
        let lat = 28.9_f64;
        let km_lat = 1000.0 / METRES_PER_DEGREE;
        let km_lon = km_lat / lat.to_radians().cos();
        let c = t.to_screen(118.8, lat);
        let north = (t.to_screen(118.8, lat + km_lat) - c).length();
        let east = (t.to_screen(118.8 + km_lon, lat) - c).length();
        assert!(
            (north - east).abs() / north < 1e-4,
            "north {north}, east {east}"
        );
        // And the scale agrees with metres_per_point.
        assert!((north as f64 * t.metres_per_point() - 1000.0).abs() < 0.5);
    }

    #[test]
    fn zoom_keeps_the_point_under_the_cursor() {
        let mut t = view();
        let anchor = pos2(700.0, 200.0);
        let before = t.to_world(anchor);
        t.zoom_at(1.7, anchor);
        let after = t.to_world(anchor);
        assert!((before[0] - after[0]).abs() < 1e-9 && (before[1] - after[1]).abs() < 1e-9);
        assert!((t.points_per_degree() - 34_000.0).abs() < 1e-6);
        t.zoom_at(f64::NAN, anchor);
        assert!((t.points_per_degree() - 34_000.0).abs() < 1e-6);
    }

    #[test]
    fn pan_moves_content_with_the_mouse() {
        let mut t = view();
        let p = t.to_screen(118.81, 28.905);
        t.pan(vec2(30.0, -12.0));
        let q = t.to_screen(118.81, 28.905);
        assert!((q - p - vec2(30.0, -12.0)).length() < 1e-3);
    }

    #[test]
    fn fit_shows_the_whole_box_with_margin() {
        let bounds = GeoBounds {
            min_lon: 118.6,
            min_lat: 28.8,
            max_lon: 119.0,
            max_lat: 29.1,
        };
        let plane = PlaneOrigin::for_bounds(&bounds);
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(1000.0, 500.0));
        let t = MapTransform::fit(&bounds, rect, 20.0, &plane);
        let inner = rect.shrink(20.0 - 1e-3);
        for p in [
            [bounds.min_lon, bounds.min_lat],
            [bounds.max_lon, bounds.max_lat],
        ] {
            let s = t.to_screen(p[0], p[1]);
            assert!(inner.expand(0.01).contains(s), "{s:?} outside {inner:?}");
        }
        // Tight in one direction: the height fills the inner rect.
        let h = t.to_screen(118.8, 28.8).y - t.to_screen(118.8, 29.1).y;
        assert!((h - 460.0).abs() < 0.5, "{h}");
        // An empty box does not panic and gives a usable view.
        let e = MapTransform::fit(&GeoBounds::EMPTY, rect, 20.0, &plane);
        assert!(e.points_per_degree().is_finite());
    }

    #[test]
    fn plane_affine_agrees_with_to_screen() {
        let t = view();
        let plane = PlaneOrigin::for_bounds(&GeoBounds {
            min_lon: 118.7,
            min_lat: 28.85,
            max_lon: 118.9,
            max_lat: 28.95,
        });
        let a = t.plane_to_screen(&plane);
        for p in [[118.75, 28.86], [118.81, 28.93]] {
            let exact = t.to_screen(p[0], p[1]);
            let fast = a.apply(plane.project(p[0], p[1]));
            assert!((exact - fast).length() < 0.05, "{exact:?} vs {fast:?}");
        }
        let b = a.plane_box(t.rect());
        let w = t.visible_bounds();
        let lo = plane.project(w.min_lon, w.min_lat);
        let hi = plane.project(w.max_lon, w.max_lat);
        assert!((b[0] - lo[0]).abs() < 1e-5 && (b[3] - hi[1]).abs() < 1e-5);
    }

    #[test]
    fn scale_bar_is_nice_and_fits() {
        for mpp in [0.37, 3.0, 12.5, 77.0, 1234.0] {
            let (m, pts) = scale_bar(mpp, 150.0);
            assert!(
                pts <= 150.0 && pts > 150.0 / 5.0 - 1.0,
                "{mpp}: {m} m = {pts} pt"
            );
            let lead = m / 10f64.powf(m.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|l| (lead - l).abs() < 1e-9),
                "{m}"
            );
        }
        assert_eq!(scale_bar(0.0, 100.0), (0.0, 0.0));
    }

    #[test]
    fn bounds_union_and_contains() {
        let a = GeoBounds::from_points([[1.0, 2.0], [3.0, 4.0], [f64::NAN, 0.0]]);
        assert!(a.is_valid() && a.contains([2.0, 3.0]) && !a.contains([0.0, 3.0]));
        assert!(!GeoBounds::EMPTY.is_valid());
        assert_eq!(GeoBounds::EMPTY.union(a), a);
        assert!(a.intersects(&GeoBounds::from_points([[2.5, 3.5], [9.0, 9.0]])));
    }
}
