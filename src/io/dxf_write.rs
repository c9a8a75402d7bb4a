//! Writing DXF drawings, so results go back into the township drawing:
//! blind spots, facilities and suggested sites for the report and the
//! export dialog, and any layer for `lifecircle convert … out.dxf`.
//!
//! The files are AutoCAD R12 ASCII DXF (AC1009), the version every CAD
//! program (AutoCAD, 中望CAD, 浩辰CAD, QGIS, LibreCAD) opens: closed and
//! open POLYLINEs, POINTs, block INSERTs and TEXT, with a LAYER table (one
//! CAD layer per tier or category) and one block per facility category (a
//! circle with a point at its insertion point). Non-ASCII text (layer
//! names, labels) is written as `\U+XXXX` escapes, which CAD programs of
//! every code page read. Coordinates are written in full precision.
//!
//! Layer: io.

use std::collections::BTreeMap;
use std::fmt::Write;

/// A DXF drawing being assembled.
#[derive(Clone, Debug, Default)]
pub struct CadDrawing {
    /// CAD layer → AutoCAD colour index.
    layers: BTreeMap<String, i16>,
    /// Block name → symbol radius.
    blocks: BTreeMap<String, f64>,
    entities: String,
}

/// The AutoCAD colour index for the `i`-th layer of a kind: red, yellow,
/// green, cyan, blue, magenta, then others.
pub fn cad_colour(i: usize) -> i16 {
    const COLOURS: [i16; 12] = [1, 2, 3, 4, 5, 6, 30, 40, 90, 140, 200, 230];
    COLOURS[i % COLOURS.len()]
}

/// Text as R12 DXF writes it: ASCII, others as `\U+XXXX`, no line breaks.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\U+{unit:04X}");
                }
            }
        }
    }
    out
}

/// A CAD layer or block name: no characters CAD forbids in names.
pub fn cad_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if "<>/\\\":;?*|=`".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.trim().is_empty() {
        "0".to_string()
    } else {
        cleaned.trim().to_string()
    }
}

impl CadDrawing {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a CAD layer with a colour (layers used without being
    /// declared get white).
    pub fn layer(&mut self, name: &str, colour: i16) {
        self.layers.insert(cad_name(name), colour);
    }

    /// Declares a block: a circle of `radius` drawing units.
    pub fn block(&mut self, name: &str, radius: f64) {
        self.blocks.insert(cad_name(name), radius);
    }

    fn pair(&mut self, code: i32, value: &str) {
        let _ = write!(self.entities, "{code:>3}\r\n{value}\r\n");
    }

    fn number(&mut self, code: i32, value: f64) {
        let v = if value.is_finite() { value } else { 0.0 };
        let _ = write!(self.entities, "{code:>3}\r\n{v:?}\r\n");
    }

    fn start(&mut self, kind: &str, layer: &str) {
        let layer = cad_name(layer);
        self.layers.entry(layer.clone()).or_insert(7);
        self.pair(0, kind);
        self.pair(8, &escape(&layer));
    }

    /// A POLYLINE through `points`, closed when `closed`.
    pub fn polyline(&mut self, layer: &str, points: &[[f64; 2]], closed: bool) {
        let mut points = points.to_vec();
        if closed && points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        if points.len() < 2 {
            return;
        }
        self.start("POLYLINE", layer);
        self.pair(66, "1");
        self.number(10, 0.0);
        self.number(20, 0.0);
        self.number(30, 0.0);
        self.pair(70, if closed { "1" } else { "0" });
        for p in points {
            self.start("VERTEX", layer);
            self.number(10, p[0]);
            self.number(20, p[1]);
            self.number(30, 0.0);
        }
        self.start("SEQEND", layer);
    }

    /// A POINT.
    pub fn point(&mut self, layer: &str, at: [f64; 2]) {
        self.start("POINT", layer);
        self.number(10, at[0]);
        self.number(20, at[1]);
        self.number(30, 0.0);
    }

    /// An INSERT of `block` (declared with [`block`](Self::block), else a
    /// circle of radius 1).
    pub fn insert(&mut self, layer: &str, block: &str, at: [f64; 2]) {
        let block = cad_name(block);
        self.blocks.entry(block.clone()).or_insert(1.0);
        self.start("INSERT", layer);
        self.pair(2, &escape(&block));
        self.number(10, at[0]);
        self.number(20, at[1]);
        self.number(30, 0.0);
    }

    /// A one-line TEXT with its lower left corner at `at`.
    pub fn text(&mut self, layer: &str, at: [f64; 2], height: f64, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        self.start("TEXT", layer);
        self.number(10, at[0]);
        self.number(20, at[1]);
        self.number(30, 0.0);
        self.number(40, height);
        self.pair(1, &escape(text));
    }

    /// The DXF file's text.
    pub fn finish(&self) -> String {
        let mut out = String::new();
        let mut pair = |code: i32, value: &str| {
            let _ = write!(out, "{code:>3}\r\n{value}\r\n");
        };
        pair(999, "LifeCircle");
        for (c, v) in [
            (0, "SECTION"),
            (2, "HEADER"),
            (9, "$ACADVER"),
            (1, "AC1009"),
        ] {
            pair(c, v);
        }
        pair(0, "ENDSEC");
        for (c, v) in [(0, "SECTION"), (2, "TABLES")] {
            pair(c, v);
        }
        for (c, v) in [(0, "TABLE"), (2, "LTYPE"), (70, "1")] {
            pair(c, v);
        }
        for (c, v) in [
            (0, "LTYPE"),
            (2, "CONTINUOUS"),
            (70, "0"),
            (3, "Solid line"),
            (72, "65"),
            (73, "0"),
            (40, "0.0"),
        ] {
            pair(c, v);
        }
        pair(0, "ENDTAB");
        let mut layers = self.layers.clone();
        layers.entry("0".to_string()).or_insert(7);
        pair(0, "TABLE");
        pair(2, "LAYER");
        pair(70, &layers.len().to_string());
        for (name, colour) in &layers {
            pair(0, "LAYER");
            pair(2, &escape(name));
            pair(70, "0");
            pair(62, &colour.to_string());
            pair(6, "CONTINUOUS");
        }
        pair(0, "ENDTAB");
        pair(0, "ENDSEC");
        pair(0, "SECTION");
        pair(2, "BLOCKS");
        for (name, radius) in &self.blocks {
            let name = escape(name);
            for (c, v) in [(0, "BLOCK"), (8, "0"), (2, &name), (70, "0")] {
                pair(c, v);
            }
            for c in [10, 20, 30] {
                pair(c, "0.0");
            }
            pair(3, &name);
            for (c, v) in [
                (0, "CIRCLE"),
                (8, "0"),
                (10, "0.0"),
                (20, "0.0"),
                (30, "0.0"),
            ] {
                pair(c, v);
            }
            pair(40, &format!("{radius:?}"));
            for (c, v) in [
                (0, "POINT"),
                (8, "0"),
                (10, "0.0"),
                (20, "0.0"),
                (30, "0.0"),
            ] {
                pair(c, v);
            }
            pair(0, "ENDBLK");
            pair(8, "0");
        }
        pair(0, "ENDSEC");
        pair(0, "SECTION");
        pair(2, "ENTITIES");
        out.push_str(&self.entities);
        let mut pair = |code: i32, value: &str| {
            let _ = write!(out, "{code:>3}\r\n{value}\r\n");
        };
        pair(0, "ENDSEC");
        pair(0, "EOF");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is written reads back the same, text and layers included.
    #[test]
    fn drawings_read_back() {
        let mut d = CadDrawing::new();
        d.layer("乡镇界", 3);
        d.block("小学", 5.0);
        let ring = [
            [40_514_923.734_3, 3_350_508.869_8],
            [40_515_923.0, 3_350_508.0],
            [40_515_923.0, 3_351_508.25],
            [40_514_923.734_3, 3_350_508.869_8],
        ];
        d.polyline("乡镇界", &ring, true);
        d.polyline("主干路", &ring[..2], false);
        d.insert("公服/小学", "小学", [40_515_000.125, 3_350_600.5]);
        d.text("注记", [40_515_000.0, 3_350_700.0], 10.0, "航埠镇\n(示意)");
        d.point("盲区", [1.0, 2.0]);
        let text = d.finish();
        assert!(text.is_ascii());
        let back = super::super::dxf::read(text.as_bytes()).unwrap();
        assert_eq!(back.polygons.len(), 1);
        assert_eq!(back.polygons[0].ring, ring.to_vec());
        assert_eq!(back.polygons[0].layer, "乡镇界");
        assert_eq!(back.lines.len(), 2);
        assert_eq!(back.points[0].block.as_deref(), Some("小学"));
        assert_eq!(back.points[0].layer, "公服_小学");
        assert_eq!(back.points[0].at, [40_515_000.125, 3_350_600.5]);
        assert_eq!(back.points[1].at, [1.0, 2.0]);
        assert_eq!(back.texts[0].text, "航埠镇 (示意)");
        assert!(text.contains("AC1009") && text.contains("BLOCK"));
        assert_eq!(escape("𠀀"), "\\U+D840\\U+DC00");
    }
}
