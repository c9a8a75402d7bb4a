//! Results as a CAD drawing (`results.dxf`), so a designer can drop them
//! into the township drawing: the blind spots of each tier on their own CAD
//! layer (盲区-<tier>), and the layout's facilities with one CAD layer and
//! one block per category and their names as TEXT. Suggested sites
//! (`lifecircle suggest`) are drawn the same way on 建议-<category> layers.
//!
//! CAD drawings are in projected metres; unless the user names a system,
//! the CGCS2000 3-degree Gauss–Krüger zone of the study's centre (with the
//! zone number in front of the eastings, as Chinese plans are drawn) is
//! used and named in the drawing's header comment.
//!
//! Layer: report.

use crate::analysis::Assessment;
use crate::io::{CadDrawing, CoordinateSystem, cad_colour};
use crate::model::{Facility, Layers, Profile};

/// The CGCS2000 3-degree Gauss–Krüger zone (EPSG:4513–4533) of the centre
/// of the townships (else of the facilities); `None` outside zones 25–45.
pub fn default_cad_system(layers: &Layers) -> Option<CoordinateSystem> {
    use geo::BoundingRect;
    let centre = layers
        .townships
        .iter()
        .filter_map(|t| t.boundary.bounding_rect())
        .chain(
            layers
                .facilities
                .iter()
                .map(|f| geo::Rect::new(f.location.0, f.location.0)),
        )
        .next()
        .map(|r| r.center())?;
    let zone = (centre.x / 3.0).round() as i64;
    if !(25..=45).contains(&zone) {
        return None;
    }
    CoordinateSystem::from_epsg(4488 + zone as u32).ok()
}

/// Label height and symbol radius in the drawing's units.
fn sizes(cs: &CoordinateSystem) -> (f64, f64) {
    if cs.is_geographic() {
        (1e-4, 5e-5)
    } else {
        (10.0, 5.0)
    }
}

/// Facilities on `prefix`+category layers, a block per category, names as
/// TEXT.
pub fn draw_facilities<'a>(
    d: &mut CadDrawing,
    facilities: impl Iterator<Item = (&'a str, &'a str, [f64; 2])>,
    cs: &CoordinateSystem,
    prefix: &str,
) {
    let (height, radius) = sizes(cs);
    let mut seen: Vec<String> = Vec::new();
    for (category, name, [lon, lat]) in facilities {
        let layer = format!("{prefix}{category}");
        if !seen.contains(&layer) {
            d.layer(&layer, cad_colour(seen.len()));
            d.block(category, radius);
            seen.push(layer.clone());
        }
        let at = cs.from_wgs84(lon, lat);
        d.insert(&layer, category, at);
        d.text(&layer, [at[0] + radius * 1.5, at[1]], height, name);
    }
}

/// `results.dxf`: blind spots per tier and the layout's facilities.
pub fn results_dxf(
    assessment: &Assessment,
    profile: &Profile,
    layers: &Layers,
    cs: &CoordinateSystem,
) -> String {
    let mut d = CadDrawing::new();
    for (i, tier) in profile.tiers.iter().enumerate() {
        d.layer(&format!("盲区-{}", tier.id), cad_colour(i));
    }
    for b in &assessment.blind_spots {
        let (Some(tier), Some(r)) = (
            profile.tiers.get(b.tier as usize),
            assessment.demand.get(b.resident as usize),
        ) else {
            continue;
        };
        let at = cs.from_wgs84(r.location.x(), r.location.y());
        d.point(&format!("盲区-{}", tier.id), at);
    }
    let facilities = layers.facilities.iter().map(|f: &Facility| {
        (
            f.category.as_str(),
            f.name.as_str(),
            [f.location.x(), f.location.y()],
        )
    });
    draw_facilities(&mut d, facilities, cs, "设施-");
    d.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_zone_is_the_studys() {
        let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/data/facilities.geojson");
        let mut layers = Layers {
            facilities: crate::io::load_facilities(std::path::Path::new(demo), &[])
                .unwrap()
                .items,
            ..Layers::default()
        };
        let cs = default_cad_system(&layers).unwrap();
        assert_eq!(cs.name, "CGCS2000 / 3-degree Gauss-Kruger zone 40");
        layers.facilities[0].location = geo::Point::new(2.35, 48.85);
        assert!(default_cad_system(&layers).is_none());
    }
}
