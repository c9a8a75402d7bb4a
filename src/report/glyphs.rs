//! Text for the map images: glyph outlines of the bundled Noto Sans SC
//! subset (CFF), read with `skrifa` and turned into `kurbo` paths that the
//! CPU renderer fills like any other shape. No window, no system fonts.

use crate::analysis::cut_label;
use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, GlyphId, MetadataProvider as _};
use vello_cpu::kurbo::BezPath;

/// The bundled CJK font (SIL OFL 1.1, see `assets/OFL.txt`): Noto Sans SC,
/// subset to ASCII, GB2312 level 1 and the characters of our texts.
pub const FONT: &[u8] = include_bytes!("../../assets/NotoSansSC-subset.otf");

/// The most characters of one line drawn on a map image; longer texts
/// (a name from a file can be anything) end in an ellipsis.
pub(crate) const MAP_TEXT_CHARS: usize = 80;

/// Lays out single lines of text as filled paths.
pub(crate) struct TextShaper {
    font: Option<FontRef<'static>>,
}

impl TextShaper {
    /// The shaper of the bundled font. If the font cannot be read (it is
    /// compiled in, so only a broken build could do that) texts are empty.
    pub fn new() -> Self {
        Self {
            font: FontRef::new(FONT).ok(),
        }
    }

    /// Whether the font has a glyph for `c`.
    #[cfg(test)]
    pub fn covers(&self, c: char) -> bool {
        self.font
            .as_ref()
            .is_some_and(|f| f.charmap().map(c).is_some())
    }

    /// Advance width of `text` at `size` pixels per em.
    pub fn width(&self, text: &str, size: f64) -> f64 {
        let Some(font) = &self.font else {
            return 0.0;
        };
        let metrics = font.glyph_metrics(Size::new(size as f32), LocationRef::default());
        cut_label(text, MAP_TEXT_CHARS)
            .chars()
            .map(|c| {
                let gid = font.charmap().map(c).unwrap_or(GlyphId::NOTDEF);
                metrics.advance_width(gid).unwrap_or(size as f32 * 0.5) as f64
            })
            .sum()
    }

    /// Outline of `text` at `size` pixels per em, starting at `x` on the
    /// baseline `y` (pixels, y down). Missing characters draw the font's
    /// "missing glyph" box.
    pub fn path(&self, text: &str, size: f64, x: f64, y: f64) -> BezPath {
        let mut path = BezPath::new();
        let Some(font) = &self.font else {
            return path;
        };
        let px = Size::new(size as f32);
        let metrics = font.glyph_metrics(px, LocationRef::default());
        let outlines = font.outline_glyphs();
        let charmap = font.charmap();
        let mut pen_x = x;
        for c in cut_label(text, MAP_TEXT_CHARS).chars() {
            let gid = charmap.map(c).unwrap_or(GlyphId::NOTDEF);
            if let Some(glyph) = outlines.get(gid) {
                let mut pen = PathPen {
                    path: &mut path,
                    x: pen_x,
                    y,
                };
                // A glyph that fails to draw is left out; the text goes on.
                let _ = glyph.draw(DrawSettings::unhinted(px, LocationRef::default()), &mut pen);
            }
            pen_x += metrics.advance_width(gid).unwrap_or(size as f32 * 0.5) as f64;
        }
        path
    }
}

/// Collects an outline into a path, placing its origin at (`x`, `y`) and
/// flipping y to point down.
struct PathPen<'a> {
    path: &'a mut BezPath,
    x: f64,
    y: f64,
}

impl PathPen<'_> {
    fn at(&self, x: f32, y: f32) -> (f64, f64) {
        (self.x + x as f64, self.y - y as f64)
    }
}

impl OutlinePen for PathPen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        let p = self.at(x, y);
        self.path.move_to(p);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.at(x, y);
        self.path.line_to(p);
    }

    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        let (c, p) = (self.at(cx0, cy0), self.at(x, y));
        self.path.quad_to(c, p);
    }

    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        let (c0, c1, p) = (self.at(cx0, cy0), self.at(cx1, cy1), self.at(x, y));
        self.path.curve_to(c0, c1, p);
    }

    fn close(&mut self) {
        self.path.close_path();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vello_cpu::kurbo::Shape as _;

    #[test]
    fn chinese_and_latin_text_have_outlines() {
        let shaper = TextShaper::new();
        assert!(shaper.covers('镇') && shaper.covers('A') && shaper.covers('墅'));
        let w = shaper.width("航埠镇", 40.0);
        // Three full-width ideographs: about one em each.
        assert!((100.0..140.0).contains(&w), "{w}");
        let path = shaper.path("航埠镇 5 km", 40.0, 10.0, 50.0);
        let b = path.bounding_box();
        assert!(
            b.x0 >= 9.0 && b.x1 > 150.0 && b.y0 > 10.0 && b.y1 <= 55.0,
            "{b:?}"
        );
        assert!(shaper.path("", 40.0, 0.0, 0.0).is_empty());
    }

    /// Every character the maps can show (their labels, the default
    /// profile's names, the demo's townships) has a glyph, not a box.
    #[test]
    fn the_font_covers_the_map_texts() {
        let shaper = TextShaper::new();
        let sources = [
            include_str!("map_image.rs"),
            include_str!("tables.rs"),
            include_str!("../../data/profile-default.json"),
            "航埠镇 七里乡 九华乡 石梁镇 石室乡 荷花街道 沟溪乡 万田乡 华墅乡",
        ];
        let missing: std::collections::BTreeSet<char> = sources
            .iter()
            .flat_map(|s| s.lines())
            .filter(|l| !l.trim_start().starts_with("//"))
            .flat_map(str::chars)
            .filter(|c| !c.is_ascii() && !shaper.covers(*c))
            .collect();
        assert!(missing.is_empty(), "no glyph for {missing:?}");
    }
}
