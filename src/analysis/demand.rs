//! Demand without a residents layer (METHOD.md "Inputs"): a regular grid of
//! 100 m cells clipped to each township, each piece weighted by its area in
//! hectares and placed at a point inside it.

use crate::geodesy::LocalProjection;
use crate::model::{Resident, Township};
use geo::{
    Area, BooleanOps, Centroid, Contains, InteriorPoint, MapCoords, MultiPolygon, Point, Polygon,
    Rect,
};

/// Side of a demand cell in metres.
pub const CELL_M: f64 = crate::geodesy::GRID_CELL_M;

/// Grid demand for every township, with the township each point was cut
/// from. Points are lon/lat; `population` is hectares.
pub fn area_grid(
    townships: &[Township],
    proj: &LocalProjection,
) -> (Vec<Resident>, Vec<Option<u32>>) {
    let mut points = Vec::new();
    let mut owners = Vec::new();
    for (ti, t) in townships.iter().enumerate() {
        let metric: MultiPolygon<f64> = t.boundary.map_coords(|c| {
            let [x, y] = proj.forward(c.x, c.y);
            geo::Coord { x, y }
        });
        for (xy, hectares) in clip_grid(&metric) {
            let [lon, lat] = proj.inverse(xy[0], xy[1]);
            points.push(Resident {
                location: Point::new(lon, lat),
                population: hectares,
                settlement: None,
                groups: Default::default(),
            });
            owners.push(Some(ti as u32));
        }
    }
    (points, owners)
}

/// Cells of a metric polygon: `(point inside the piece, area in hectares)`.
fn clip_grid(poly: &MultiPolygon<f64>) -> Vec<([f64; 2], f64)> {
    use geo::BoundingRect as _;
    let Some(bounds) = poly.bounding_rect() else {
        return Vec::new();
    };
    let i0 = (bounds.min().x / CELL_M).floor() as i64;
    let j0 = (bounds.min().y / CELL_M).floor() as i64;
    let i1 = (bounds.max().x / CELL_M).ceil() as i64;
    let j1 = (bounds.max().y / CELL_M).ceil() as i64;
    let (w, h) = ((i1 - i0).max(0) as usize, (j1 - j0).max(0) as usize);
    if w == 0 || h == 0 || w.saturating_mul(h) > 50_000_000 {
        return Vec::new();
    }
    // Cells touched by the boundary (by each edge's box: a safe superset).
    let mut on_boundary = vec![false; w * h];
    for p in &poly.0 {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            for l in ring.lines() {
                let ci =
                    |x: f64| (((x / CELL_M).floor() as i64 - i0).clamp(0, w as i64 - 1)) as usize;
                let cj =
                    |y: f64| (((y / CELL_M).floor() as i64 - j0).clamp(0, h as i64 - 1)) as usize;
                let (a0, a1) = (ci(l.start.x.min(l.end.x)), ci(l.start.x.max(l.end.x)));
                let (b0, b1) = (cj(l.start.y.min(l.end.y)), cj(l.start.y.max(l.end.y)));
                for j in b0..=b1 {
                    for i in a0..=a1 {
                        on_boundary[j * w + i] = true;
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for j in 0..h {
        for i in 0..w {
            let x0 = (i0 + i as i64) as f64 * CELL_M;
            let y0 = (j0 + j as i64) as f64 * CELL_M;
            let centre = Point::new(x0 + CELL_M / 2.0, y0 + CELL_M / 2.0);
            if !on_boundary[j * w + i] {
                if poly.contains(&centre) {
                    out.push(([centre.x(), centre.y()], CELL_M * CELL_M / 10_000.0));
                }
                continue;
            }
            let cell: Polygon<f64> = Rect::new((x0, y0), (x0 + CELL_M, y0 + CELL_M)).to_polygon();
            let piece = poly.intersection(&cell);
            let area = piece.unsigned_area();
            if area <= 1e-6 {
                continue;
            }
            let at = piece
                .centroid()
                .filter(|c| piece.contains(c))
                .or_else(|| piece.interior_point())
                .unwrap_or(centre);
            out.push(([at.x(), at.y()], area / 10_000.0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// A 1 km × 0.55 km rectangle holds 55 ha of cells, whatever the grid offset.
    #[test]
    fn grid_area_adds_up_to_the_polygon() {
        let poly = MultiPolygon(vec![polygon![
            (x: 30.0, y: 20.0), (x: 1030.0, y: 20.0), (x: 1030.0, y: 570.0), (x: 30.0, y: 570.0)
        ]]);
        let cells = clip_grid(&poly);
        let total: f64 = cells.iter().map(|c| c.1).sum();
        assert!((total - 55.0).abs() < 1e-6, "{total}");
        assert!(
            cells
                .iter()
                .all(|c| poly.contains(&Point::new(c.0[0], c.0[1])))
        );
        // 9 × 4 whole cells inside (x 100–1000, y 100–500), pieces around them.
        assert_eq!(
            cells.iter().filter(|c| (c.1 - 1.0).abs() < 1e-9).count(),
            36
        );
    }
}
