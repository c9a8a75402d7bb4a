//! Reading DXF drawings (AutoCAD, and DWG exported to DXF): the township
//! plan (镇域规划/控规) as CAD drawings arrive.
//!
//! Our own reader, not the `dxf` crate: that crate has no HATCH entity
//! (township areas are often hatches), and it would add chrono, num, uuid and
//! a large generated entity model to the build for the handful of entities a
//! plan needs. A DXF file is a list of (group code, value) pairs, ASCII or
//! binary; this module reads both into pairs and keeps the model-space
//! entities LifeCircle uses:
//!
//! - closed LWPOLYLINE/POLYLINE and HATCH boundary paths → polygons;
//! - LINE, LWPOLYLINE, POLYLINE and ARC → lines (bulges and arcs flattened
//!   to [`CHORD_TOLERANCE`]);
//! - POINT and INSERT (with its ATTRIBs) → points;
//! - TEXT, MTEXT and ATTRIB → texts that name the polygons they lie in.
//!
//! Entities in an object coordinate system with extrusion (0, 0, −1) — what
//! mirroring in AutoCAD makes — are mirrored back; other 3D entities and
//! paper space are left out. CAD files carry no coordinate system: the
//! layer readers ([`super::dxf_layers`]) take the user's choice or guess a
//! Gauss–Krüger zone from the numbers.
//!
//! Layer: io.

use std::collections::BTreeMap;

/// Largest distance between a flattened arc and its chords, in drawing
/// units (metres in a Gauss–Krüger drawing): well within the 1 m the roads
/// need.
pub(crate) const CHORD_TOLERANCE: f64 = 0.1;

/// The sentinel that starts a binary DXF file.
const BINARY_SENTINEL: &[u8] = b"AutoCAD Binary DXF\r\n\x1a\0";

/// A closed outline: a closed polyline or one boundary path of a hatch.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CadPolygon {
    pub layer: String,
    /// Vertices, the first repeated at the end.
    pub ring: Vec<[f64; 2]>,
    pub from_hatch: bool,
}

/// An open or closed line (LINE, polyline, ARC).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CadLine {
    pub layer: String,
    pub points: Vec<[f64; 2]>,
    /// The entity type, e.g. "LWPOLYLINE".
    pub entity: &'static str,
}

/// A POINT or a block INSERT.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CadPoint {
    pub layer: String,
    /// The block name of an INSERT; `None` for a POINT.
    pub block: Option<String>,
    pub at: [f64; 2],
    /// ATTRIB tag → value of an INSERT.
    pub attributes: BTreeMap<String, String>,
}

/// A TEXT, MTEXT or ATTRIB.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CadText {
    pub layer: String,
    pub text: String,
    pub at: [f64; 2],
    /// Text height (code 40): the largest text in a polygon names it.
    pub height: f64,
}

/// The entities of a drawing LifeCircle uses, in drawing coordinates.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Drawing {
    pub polygons: Vec<CadPolygon>,
    pub lines: Vec<CadLine>,
    pub points: Vec<CadPoint>,
    pub texts: Vec<CadText>,
    /// Entities of kinds LifeCircle does not read, by type (for notes).
    pub skipped: BTreeMap<String, usize>,
}

impl Drawing {
    /// `[min_x, min_y, max_x, max_y]` of every coordinate used.
    pub(crate) fn extent(&self) -> Option<[f64; 4]> {
        let all = self
            .polygons
            .iter()
            .flat_map(|p| p.ring.iter())
            .chain(self.lines.iter().flat_map(|l| l.points.iter()))
            .chain(self.points.iter().map(|p| &p.at))
            .chain(self.texts.iter().map(|t| &t.at));
        let mut e: Option<[f64; 4]> = None;
        for &[x, y] in all {
            let b = e.get_or_insert([x, y, x, y]);
            b[0] = b[0].min(x);
            b[1] = b[1].min(y);
            b[2] = b[2].max(x);
            b[3] = b[3].max(y);
        }
        e
    }

    /// The CAD layers with how many polygons, lines, points and texts
    /// each holds, by name.
    pub(crate) fn layer_counts(&self) -> BTreeMap<String, [usize; 4]> {
        let mut m: BTreeMap<String, [usize; 4]> = BTreeMap::new();
        for p in &self.polygons {
            m.entry(p.layer.clone()).or_default()[0] += 1;
        }
        for l in &self.lines {
            m.entry(l.layer.clone()).or_default()[1] += 1;
        }
        for p in &self.points {
            m.entry(p.layer.clone()).or_default()[2] += 1;
        }
        for t in &self.texts {
            m.entry(t.layer.clone()).or_default()[3] += 1;
        }
        m
    }
}

/// One group: code and value as text (binary values are formatted).
#[derive(Clone, Debug, PartialEq)]
struct Pair {
    code: i32,
    value: String,
}

/// Reads a DXF file's bytes (ASCII in UTF-8 or GBK, or binary).
pub(crate) fn read(bytes: &[u8]) -> Result<Drawing, String> {
    let pairs = if bytes.starts_with(BINARY_SENTINEL) {
        binary_pairs(&bytes[BINARY_SENTINEL.len()..])?
    } else {
        ascii_pairs(&super::text::decode(bytes).text)?
    };
    if !pairs.iter().any(|p| p.code == 0 && p.value == "SECTION") {
        return Err("it has no SECTION, so it is not a DXF drawing".to_string());
    }
    Ok(entities(&pairs))
}

fn ascii_pairs(text: &str) -> Result<Vec<Pair>, String> {
    let mut lines = text.lines();
    let mut pairs = Vec::new();
    let mut line_no = 0usize;
    while let Some(code) = lines.next() {
        line_no += 1;
        let code_text = code.trim();
        if code_text.is_empty() && lines.clone().all(|l| l.trim().is_empty()) {
            break;
        }
        let code: i32 = code_text.parse().map_err(|_| {
            format!("line {line_no}: {code_text:?} is not a group code (a DXF file alternates codes and values)")
        })?;
        let Some(value) = lines.next() else {
            return Err(format!(
                "line {line_no}: group code {code} has no value (the file is cut short)"
            ));
        };
        line_no += 1;
        let value = value.trim_end_matches('\r');
        let value = if is_text_code(code) {
            unescape(value.trim_start_matches(' '))
        } else {
            value.trim().to_string()
        };
        let end = code == 0 && value == "EOF";
        pairs.push(Pair { code, value });
        if end {
            break;
        }
    }
    Ok(pairs)
}

/// Codes whose values are free text (kept with inner spaces, `\U+` decoded).
fn is_text_code(code: i32) -> bool {
    matches!(code, 1 | 2 | 3 | 7 | 8 | 1000)
}

/// `\U+4E2D` escapes (how older DXF writes non-ASCII text) to characters.
fn unescape(s: &str) -> String {
    if !s.contains("\\U+") && !s.contains("\\u+") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\U+").or_else(|| rest.find("\\u+")) {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 3..i + 7).unwrap_or_default();
        match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
            Some(c) if hex.len() == 4 => {
                out.push(c);
                rest = &rest[i + 7..];
            }
            _ => {
                out.push_str("\\U+");
                rest = &rest[i + 3..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[derive(Clone, Copy, PartialEq)]
enum ValueKind {
    Text,
    Double,
    Int16,
    Int32,
    Int64,
    Bool,
    Bytes,
}

/// The value type of a group code (DXF reference, "Group code value types").
fn value_kind(code: i32) -> ValueKind {
    use ValueKind::*;
    match code {
        10..=59 | 110..=149 | 210..=239 | 460..=469 | 1010..=1059 => Double,
        60..=79 | 170..=179 | 270..=289 | 370..=389 | 400..=409 | 1060..=1070 => Int16,
        90..=99 | 420..=429 | 440..=459 | 1071 => Int32,
        160..=169 => Int64,
        290..=299 => Bool,
        310..=319 | 1004 => Bytes,
        _ => Text,
    }
}

fn binary_pairs(mut b: &[u8]) -> Result<Vec<Pair>, String> {
    let mut pairs = Vec::new();
    let cut = |what: &str| format!("the binary DXF is cut short in {what}");
    let take = |b: &mut &[u8], n: usize, what: &str| -> Result<Vec<u8>, String> {
        if b.len() < n {
            return Err(cut(what));
        }
        let (head, tail) = b.split_at(n);
        *b = tail;
        Ok(head.to_vec())
    };
    while !b.is_empty() {
        let c = take(&mut b, 2, "a group code")?;
        let code = i32::from(u16::from_le_bytes([c[0], c[1]]));
        let value = match value_kind(code) {
            ValueKind::Double => {
                let v = take(&mut b, 8, "a number")?;
                f64::from_le_bytes(v.try_into().unwrap_or_default()).to_string()
            }
            ValueKind::Int16 => {
                let v = take(&mut b, 2, "a number")?;
                i16::from_le_bytes([v[0], v[1]]).to_string()
            }
            ValueKind::Int32 => {
                let v = take(&mut b, 4, "a number")?;
                i32::from_le_bytes([v[0], v[1], v[2], v[3]]).to_string()
            }
            ValueKind::Int64 => {
                let v = take(&mut b, 8, "a number")?;
                i64::from_le_bytes(v.try_into().unwrap_or_default()).to_string()
            }
            ValueKind::Bool => take(&mut b, 1, "a flag")?[0].to_string(),
            ValueKind::Bytes => {
                let n = take(&mut b, 1, "binary data")?[0] as usize;
                let v = take(&mut b, n, "binary data")?;
                v.iter().map(|x| format!("{x:02X}")).collect()
            }
            ValueKind::Text => {
                let end = b
                    .iter()
                    .position(|&x| x == 0)
                    .ok_or_else(|| cut("a text"))?;
                let raw = take(&mut b, end + 1, "a text")?;
                let raw = &raw[..end];
                let text = match std::str::from_utf8(raw) {
                    Ok(t) => t.to_string(),
                    Err(_) => encoding_rs::GBK.decode(raw).0.into_owned(),
                };
                unescape(&text)
            }
        };
        let end = code == 0 && value == "EOF";
        pairs.push(Pair { code, value });
        if end {
            break;
        }
    }
    Ok(pairs)
}

/// The pairs of one entity (after its `0 TYPE` pair).
struct Entity<'a> {
    kind: &'a str,
    pairs: &'a [Pair],
}

impl Entity<'_> {
    fn text(&self, code: i32) -> Option<&str> {
        self.pairs
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.value.as_str())
    }

    fn number(&self, code: i32) -> Option<f64> {
        self.text(code)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }

    fn int(&self, code: i32) -> i64 {
        self.text(code)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
    }

    fn layer(&self) -> String {
        self.text(8).unwrap_or("0").to_string()
    }

    /// In paper space (code 67 = 1): not part of the plan.
    fn paper_space(&self) -> bool {
        self.int(67) == 1
    }

    /// The extrusion is (0, 0, −1): x is mirrored in its object
    /// coordinate system.
    fn mirrored(&self) -> bool {
        self.number(230).is_some_and(|z| z < 0.0)
    }

    fn point(&self, cx: i32, cy: i32) -> Option<[f64; 2]> {
        Some([self.number(cx)?, self.number(cy)?])
    }
}

/// Mirrors an object-coordinate point when the extrusion is (0, 0, −1).
fn ocs(p: [f64; 2], mirrored: bool) -> [f64; 2] {
    if mirrored { [-p[0], p[1]] } else { p }
}

/// Splits the ENTITIES section into entities; VERTEX/ATTRIB … SEQEND
/// runs stay with their POLYLINE/INSERT (as `followers`).
fn entities(pairs: &[Pair]) -> Drawing {
    let mut drawing = Drawing::default();
    let Some(start) = pairs
        .windows(2)
        .position(|w| w[0].code == 2 && w[0].value == "ENTITIES" && w[1].code == 0)
    else {
        return drawing;
    };
    let body = &pairs[start + 1..];
    let end = body
        .iter()
        .position(|p| p.code == 0 && (p.value == "ENDSEC" || p.value == "EOF"))
        .unwrap_or(body.len());
    let body = &body[..end];
    let mut starts: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, p)| p.code == 0)
        .map(|(i, _)| i)
        .collect();
    starts.push(body.len());
    let list: Vec<Entity> = starts
        .windows(2)
        .map(|w| Entity {
            kind: body[w[0]].value.as_str(),
            pairs: &body[w[0] + 1..w[1]],
        })
        .collect();
    let mut i = 0;
    while i < list.len() {
        let e = &list[i];
        i += 1;
        // Followers of POLYLINE / INSERT.
        let mut followers = Vec::new();
        if matches!(e.kind, "POLYLINE" | "INSERT") {
            while i < list.len() && matches!(list[i].kind, "VERTEX" | "ATTRIB" | "SEQEND") {
                let done = list[i].kind == "SEQEND";
                if !done {
                    followers.push(&list[i]);
                }
                i += 1;
                if done {
                    break;
                }
            }
        }
        if e.paper_space() {
            continue;
        }
        read_entity(e, &followers, &mut drawing);
    }
    drawing
}

fn read_entity(e: &Entity, followers: &[&Entity], d: &mut Drawing) {
    let layer = e.layer();
    let m = e.mirrored();
    match e.kind {
        "LINE" => {
            if let (Some(a), Some(b)) = (e.point(10, 20), e.point(11, 21)) {
                d.lines.push(CadLine {
                    layer,
                    points: vec![a, b],
                    entity: "LINE",
                });
            }
        }
        "LWPOLYLINE" => {
            let closed = e.int(70) & 1 == 1;
            let mut vertices: Vec<([f64; 2], f64)> = Vec::new();
            let mut x = None;
            for p in e.pairs {
                match p.code {
                    10 => x = p.value.trim().parse::<f64>().ok(),
                    20 => {
                        if let (Some(x), Ok(y)) = (x.take(), p.value.trim().parse::<f64>()) {
                            vertices.push((ocs([x, y], m), 0.0));
                        }
                    }
                    42 => {
                        if let Some(last) = vertices.last_mut() {
                            let b: f64 = p.value.trim().parse().unwrap_or(0.0);
                            last.1 = if m { -b } else { b };
                        }
                    }
                    _ => {}
                }
            }
            polyline(layer, &vertices, closed, "LWPOLYLINE", d);
        }
        "POLYLINE" => {
            let flags = e.int(70);
            // 3D meshes (16) and polyface meshes (64) are not plan lines.
            if flags & (16 | 64) != 0 {
                *d.skipped.entry("POLYLINE mesh".to_string()).or_default() += 1;
                return;
            }
            let vertices: Vec<([f64; 2], f64)> = followers
                .iter()
                .filter(|v| v.kind == "VERTEX" && v.int(70) & 16 == 0)
                .filter_map(|v| {
                    let b = v.number(42).unwrap_or(0.0);
                    Some((ocs(v.point(10, 20)?, m), if m { -b } else { b }))
                })
                .collect();
            polyline(layer, &vertices, flags & 1 == 1, "POLYLINE", d);
        }
        "ARC" => {
            let (Some(c), Some(r), Some(a0), Some(a1)) =
                (e.point(10, 20), e.number(40), e.number(50), e.number(51))
            else {
                return;
            };
            let mut sweep = (a1 - a0).rem_euclid(360.0);
            if sweep == 0.0 {
                sweep = 360.0;
            }
            let points: Vec<[f64; 2]> = arc(c, r, a0.to_radians(), sweep.to_radians())
                .into_iter()
                .map(|p| ocs(p, m))
                .collect();
            if points.len() >= 2 {
                d.lines.push(CadLine {
                    layer,
                    points,
                    entity: "ARC",
                });
            }
        }
        "POINT" => {
            if let Some(at) = e.point(10, 20) {
                d.points.push(CadPoint {
                    layer,
                    block: None,
                    at,
                    attributes: BTreeMap::new(),
                });
            }
        }
        "INSERT" => {
            let Some(at) = e.point(10, 20) else { return };
            let mut attributes = BTreeMap::new();
            for a in followers.iter().filter(|a| a.kind == "ATTRIB") {
                if let (Some(tag), Some(value)) = (a.text(2), a.text(1)) {
                    attributes.insert(tag.to_string(), value.to_string());
                    if let Some(p) = a.point(10, 20) {
                        d.texts.push(CadText {
                            layer: a.layer(),
                            text: value.to_string(),
                            at: ocs(p, a.mirrored()),
                            height: a.number(40).unwrap_or(0.0),
                        });
                    }
                }
            }
            d.points.push(CadPoint {
                layer,
                block: e.text(2).map(str::to_string),
                at: ocs(at, m),
                attributes,
            });
        }
        "TEXT" => {
            if let (Some(t), Some(at)) = (e.text(1), e.point(10, 20)) {
                let text = strip_text_codes(t);
                if !text.is_empty() {
                    d.texts.push(CadText {
                        layer,
                        text,
                        at: ocs(at, m),
                        height: e.number(40).unwrap_or(0.0),
                    });
                }
            }
        }
        "MTEXT" => {
            // Long texts come in 250-character pieces: 3, 3, …, then 1.
            let raw: String = e
                .pairs
                .iter()
                .filter(|p| p.code == 3)
                .chain(e.pairs.iter().filter(|p| p.code == 1))
                .map(|p| p.value.as_str())
                .collect();
            let text = strip_mtext(&raw);
            if let (false, Some(at)) = (text.is_empty(), e.point(10, 20)) {
                d.texts.push(CadText {
                    layer,
                    text,
                    at,
                    height: e.number(40).unwrap_or(0.0),
                });
            }
        }
        "HATCH" => hatch(e, layer, m, d),
        "VERTEX" | "ATTRIB" | "SEQEND" | "ATTDEF" => {}
        other => *d.skipped.entry(other.to_string()).or_default() += 1,
    }
}

/// A polyline's vertices with bulges → a line (and a polygon when closed).
fn polyline(
    layer: String,
    vertices: &[([f64; 2], f64)],
    closed: bool,
    entity: &'static str,
    d: &mut Drawing,
) {
    if vertices.len() < 2 {
        return;
    }
    let mut points = vec![vertices[0].0];
    let n = vertices.len();
    let segments = if closed { n } else { n - 1 };
    for i in 0..segments {
        let (a, bulge) = vertices[i];
        let b = vertices[(i + 1) % n].0;
        points.extend(bulge_points(a, b, bulge));
    }
    // A polyline drawn closed by repeating its first vertex counts as closed.
    let closed = closed || (n >= 4 && vertices[0].0 == vertices[n - 1].0);
    if closed {
        if points.first() != points.last() {
            points.push(points[0]);
        }
        if distinct(&points) >= 3 {
            d.polygons.push(CadPolygon {
                layer: layer.clone(),
                ring: points.clone(),
                from_hatch: false,
            });
        }
    }
    d.lines.push(CadLine {
        layer,
        points,
        entity,
    });
}

fn distinct(points: &[[f64; 2]]) -> usize {
    let mut v: Vec<[u64; 2]> = points
        .iter()
        .map(|p| [p[0].to_bits(), p[1].to_bits()])
        .collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// The points after `a` up to and including `b` of a polyline segment with
/// a bulge (tan of a quarter of the arc's angle; positive: counterclockwise).
fn bulge_points(a: [f64; 2], b: [f64; 2], bulge: f64) -> Vec<[f64; 2]> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let chord = dx.hypot(dy);
    if bulge.abs() < 1e-9 || chord == 0.0 || !bulge.is_finite() {
        return vec![b];
    }
    let theta = 4.0 * bulge.atan();
    let radius = chord / (2.0 * (theta / 2.0).sin().abs());
    // The centre lies on the chord's perpendicular bisector, to the left
    // of a→b for a counterclockwise arc.
    let h = chord * (1.0 - bulge * bulge) / (4.0 * bulge);
    let (nx, ny) = (-dy / chord, dx / chord);
    let c = [(a[0] + b[0]) / 2.0 + nx * h, (a[1] + b[1]) / 2.0 + ny * h];
    let start = (a[1] - c[1]).atan2(a[0] - c[0]);
    let mut points = arc(c, radius, start, theta);
    // A bulge whose arc cannot be drawn (a radius or centre that is not
    // finite, e.g. a bulge of 1e300): the straight segment.
    if points.len() < 2 || points.iter().flatten().any(|x| !x.is_finite()) {
        return vec![b];
    }
    points.remove(0);
    if let Some(last) = points.last_mut() {
        *last = b;
    }
    points
}

/// Points along an arc from `start` through `sweep` radians (negative:
/// clockwise), chords within [`CHORD_TOLERANCE`] of the arc.
pub(crate) fn arc(c: [f64; 2], r: f64, start: f64, sweep: f64) -> Vec<[f64; 2]> {
    if !(r.is_finite() && r > 0.0 && sweep.is_finite()) {
        return Vec::new();
    }
    let step = if r <= CHORD_TOLERANCE {
        std::f64::consts::FRAC_PI_2
    } else {
        2.0 * (1.0 - CHORD_TOLERANCE / r).acos()
    };
    let n = ((sweep.abs() / step).ceil() as usize).clamp(1, 4096);
    (0..=n)
        .map(|i| {
            let t = start + sweep * i as f64 / n as f64;
            [c[0] + r * t.cos(), c[1] + r * t.sin()]
        })
        .collect()
}

/// HATCH boundary paths → polygons (polyline paths with bulges; edge paths
/// of lines, arcs, elliptic arcs and splines, the last by their control
/// points).
fn hatch(e: &Entity, layer: String, m: bool, d: &mut Drawing) {
    let p = e.pairs;
    let Some(mut i) = p.iter().position(|x| x.code == 91) else {
        return;
    };
    let paths = p[i].value.trim().parse::<usize>().unwrap_or(0).min(10_000);
    i += 1;
    let num = |x: &Pair| x.value.trim().parse::<f64>().unwrap_or(f64::NAN);
    // The next pair with `code` at or after `i`, stopping at `stop` codes.
    let seek = |i: &mut usize, code: i32| -> Option<f64> {
        while *i < p.len() {
            let x = &p[*i];
            *i += 1;
            if x.code == code {
                return Some(num(x));
            }
            if x.code == 92 && code != 92 {
                *i -= 1;
                return None;
            }
        }
        None
    };
    for _ in 0..paths {
        let Some(flags) = seek(&mut i, 92) else { break };
        let flags = flags as i64;
        let mut ring: Vec<[f64; 2]> = Vec::new();
        if flags & 2 != 0 {
            let has_bulge = seek(&mut i, 72).unwrap_or(0.0) != 0.0;
            let n = seek(&mut i, 93).unwrap_or(0.0) as usize;
            let mut vertices: Vec<([f64; 2], f64)> = Vec::with_capacity(n.min(100_000));
            for _ in 0..n.min(1_000_000) {
                let (Some(x), Some(y)) = (seek(&mut i, 10), seek(&mut i, 20)) else {
                    break;
                };
                let b = if has_bulge {
                    // The bulge follows its vertex when present.
                    if p.get(i).is_some_and(|x| x.code == 42) {
                        i += 1;
                        num(&p[i - 1])
                    } else {
                        0.0
                    }
                } else {
                    0.0
                };
                vertices.push((ocs([x, y], m), if m { -b } else { b }));
            }
            if let Some(first) = vertices.first() {
                ring.push(first.0);
                let n = vertices.len();
                for k in 0..n {
                    let (a, bulge) = vertices[k];
                    let b = vertices[(k + 1) % n].0;
                    ring.extend(bulge_points(a, b, bulge));
                }
            }
        } else {
            let edges = seek(&mut i, 93).unwrap_or(0.0) as usize;
            for _ in 0..edges.min(1_000_000) {
                let Some(kind) = seek(&mut i, 72) else { break };
                let piece: Vec<[f64; 2]> = match kind as i64 {
                    1 => {
                        let v = [10, 20, 11, 21].map(|c| seek(&mut i, c).unwrap_or(f64::NAN));
                        vec![[v[0], v[1]], [v[2], v[3]]]
                    }
                    2 => {
                        let v =
                            [10, 20, 40, 50, 51, 73].map(|c| seek(&mut i, c).unwrap_or(f64::NAN));
                        let ccw = v[5] != 0.0;
                        let (a0, a1) = if ccw { (v[3], v[4]) } else { (-v[3], -v[4]) };
                        let mut sweep = (a1 - a0).rem_euclid(360.0);
                        if sweep == 0.0 {
                            sweep = 360.0;
                        }
                        let sweep = if ccw { sweep } else { sweep - 360.0 };
                        arc([v[0], v[1]], v[2], a0.to_radians(), sweep.to_radians())
                    }
                    3 => {
                        let v = [10, 20, 11, 21, 40, 50, 51, 73]
                            .map(|c| seek(&mut i, c).unwrap_or(f64::NAN));
                        ellipse(v)
                    }
                    4 => {
                        // Control points of the spline: close enough for an
                        // area outline (a note says so).
                        *d.skipped
                            .entry("HATCH spline edge (control points used)".to_string())
                            .or_default() += 1;
                        let _degree = seek(&mut i, 94);
                        let _rational = seek(&mut i, 73);
                        let _periodic = seek(&mut i, 74);
                        let knots = seek(&mut i, 95).unwrap_or(0.0) as usize;
                        let controls = seek(&mut i, 96).unwrap_or(0.0) as usize;
                        for _ in 0..knots.min(1_000_000) {
                            seek(&mut i, 40);
                        }
                        let mut pts = Vec::new();
                        for _ in 0..controls.min(1_000_000) {
                            if let (Some(x), Some(y)) = (seek(&mut i, 10), seek(&mut i, 20)) {
                                pts.push([x, y]);
                            }
                        }
                        pts
                    }
                    _ => Vec::new(),
                };
                for q in piece {
                    let q = ocs(q, m);
                    if ring.last() != Some(&q) && q.iter().all(|v| v.is_finite()) {
                        ring.push(q);
                    }
                }
            }
        }
        if ring.len() >= 3 {
            if ring.first() != ring.last() {
                ring.push(ring[0]);
            }
            if distinct(&ring) >= 3 {
                d.polygons.push(CadPolygon {
                    layer: layer.clone(),
                    ring,
                    from_hatch: true,
                });
            }
        }
    }
}

/// An elliptic arc edge: centre, major axis end (relative), minor/major
/// ratio, start and end parameters in degrees, counterclockwise flag.
fn ellipse(v: [f64; 8]) -> Vec<[f64; 2]> {
    let [cx, cy, mx, my, ratio, s, e, ccw] = v;
    let major = mx.hypot(my);
    if !(major > 0.0 && ratio.is_finite()) {
        return Vec::new();
    }
    let (s, e) = if ccw != 0.0 { (s, e) } else { (-s, -e) };
    let mut sweep = (e - s).rem_euclid(360.0);
    if sweep == 0.0 {
        sweep = 360.0;
    }
    let sweep = if ccw != 0.0 { sweep } else { sweep - 360.0 };
    // As many steps as a circle of the major radius needs.
    let unit = arc([0.0, 0.0], major, s.to_radians(), sweep.to_radians());
    unit.into_iter()
        .map(|[x, y]| {
            let (ct, st) = (x / major, y / major);
            [
                cx + mx * ct - my * ratio * st,
                cy + my * ct + mx * ratio * st,
            ]
        })
        .collect()
}

/// TEXT control codes: `%%c` ⌀, `%%d` °, `%%p` ±, `%%u`/`%%o` underline
/// and overline toggles.
fn strip_text_codes(s: &str) -> String {
    s.replace("%%c", "⌀")
        .replace("%%C", "⌀")
        .replace("%%d", "°")
        .replace("%%D", "°")
        .replace("%%p", "±")
        .replace("%%P", "±")
        .replace("%%u", "")
        .replace("%%U", "")
        .replace("%%o", "")
        .replace("%%O", "")
        .trim()
        .to_string()
}

/// The plain text of an MTEXT: formatting codes (`\P` new paragraph,
/// `{\fSimSun|b0;…}`, `\H2.5x;`, `\S1^2;` …) removed.
fn strip_mtext(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '\\' => match chars.next() {
                Some('P' | 'X') => out.push(' '),
                Some('~') => out.push(' '),
                Some(c @ ('\\' | '{' | '}')) => out.push(c),
                // Codes with an argument up to ';'.
                Some(
                    'f' | 'F' | 'H' | 'h' | 'C' | 'c' | 'T' | 't' | 'Q' | 'q' | 'W' | 'w' | 'A'
                    | 'a' | 'p' | 'S',
                ) => {
                    for d in chars.by_ref() {
                        if d == ';' {
                            break;
                        }
                    }
                }
                // Toggles without an argument.
                Some('L' | 'l' | 'O' | 'o' | 'K' | 'k' | 'N') => {}
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => {}
            },
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fuzz finding: a bulge of a whole turn has no finite radius; the
    /// segment is then drawn straight instead of panicking.
    #[test]
    fn bulges_without_a_finite_arc_are_straight() {
        for bulge in [1e300, -1e300, f64::MAX] {
            let points = bulge_points([0.0, 0.0], [1.0, 0.0], bulge);
            assert!(
                points == vec![[1.0, 0.0]],
                "bulge {bulge}: {} points",
                points.len()
            );
        }
        let half = bulge_points([0.0, 0.0], [2.0, 0.0], 1.0);
        assert!(half.len() > 2 && half.last() == Some(&[2.0, 0.0]));
    }

    fn ascii(pairs: &[(i32, &str)]) -> String {
        pairs
            .iter()
            .map(|(c, v)| format!("{c:>3}\r\n{v}\r\n"))
            .collect()
    }

    fn entities_text(body: &[(i32, &str)]) -> String {
        let mut all = vec![(0, "SECTION"), (2, "ENTITIES")];
        all.extend_from_slice(body);
        all.extend_from_slice(&[(0, "ENDSEC"), (0, "EOF")]);
        ascii(&all)
    }

    #[test]
    fn bulges_flatten_within_the_tolerance() {
        // A half circle of radius 50 from (0,0) to (100,0), counterclockwise
        // (bulge 1): the centre is (50, 0) and the arc goes below.
        let pts = bulge_points([0.0, 0.0], [100.0, 0.0], 1.0);
        assert_eq!(*pts.last().unwrap(), [100.0, 0.0]);
        let mut prev = [0.0, 0.0];
        for p in &pts {
            let r = (p[0] - 50.0).hypot(p[1]);
            assert!((r - 50.0).abs() < 1e-9, "{p:?}");
            assert!(p[1] <= 1e-9, "{p:?} is above the chord");
            // The chord's midpoint lies within the tolerance of the arc.
            let mid = [(p[0] + prev[0]) / 2.0, (p[1] + prev[1]) / 2.0];
            let sag = 50.0 - (mid[0] - 50.0).hypot(mid[1]);
            assert!(sag <= CHORD_TOLERANCE + 1e-9, "sagitta {sag}");
            prev = *p;
        }
        assert_eq!(bulge_points([0.0, 0.0], [1.0, 0.0], 0.0), vec![[1.0, 0.0]]);
    }

    #[test]
    fn polylines_texts_and_inserts_are_read() {
        let text = entities_text(&[
            (0, "LWPOLYLINE"),
            (8, "乡镇界"),
            (90, "4"),
            (70, "1"),
            (10, "0"),
            (20, "0"),
            (10, "100"),
            (20, "0"),
            (10, "100"),
            (20, "100"),
            (10, "0"),
            (20, "100"),
            (0, "MTEXT"),
            (8, "注记"),
            (10, "50"),
            (20, "50"),
            (40, "5"),
            (1, "{\\fSimSun|b0;\\U+822A埠镇}"),
            (0, "INSERT"),
            (8, "设施"),
            (2, "小学"),
            (66, "1"),
            (10, "20"),
            (20, "30"),
            (0, "ATTRIB"),
            (8, "设施"),
            (10, "20"),
            (20, "32"),
            (40, "2"),
            (1, "航埠小学"),
            (2, "NAME"),
            (0, "SEQEND"),
            (0, "LINE"),
            (8, "主干路"),
            (10, "0"),
            (20, "0"),
            (11, "100"),
            (21, "100"),
            (0, "CIRCLE"),
            (8, "0"),
        ]);
        let d = read(text.as_bytes()).unwrap();
        assert_eq!(d.polygons.len(), 1);
        assert_eq!(d.polygons[0].ring.len(), 5);
        assert_eq!(d.polygons[0].layer, "乡镇界");
        assert_eq!(d.texts[0].text, "航埠镇");
        assert_eq!(d.texts[1].text, "航埠小学");
        assert_eq!(d.points[0].block.as_deref(), Some("小学"));
        assert_eq!(d.points[0].attributes["NAME"], "航埠小学");
        assert_eq!(d.lines.len(), 2);
        assert_eq!(d.skipped["CIRCLE"], 1);
        assert_eq!(d.extent(), Some([0.0, 0.0, 100.0, 100.0]));
    }

    #[test]
    fn hatches_with_edges_become_polygons() {
        let text = entities_text(&[
            (0, "HATCH"),
            (8, "镇区"),
            (10, "0"),
            (20, "0"),
            (30, "0"),
            (2, "SOLID"),
            (70, "1"),
            (71, "0"),
            (91, "1"),
            (92, "1"),
            (93, "3"),
            (72, "1"),
            (10, "0"),
            (20, "0"),
            (11, "100"),
            (21, "0"),
            (72, "2"),
            (10, "100"),
            (20, "50"),
            (40, "50"),
            (50, "270"),
            (51, "90"),
            (73, "1"),
            (72, "1"),
            (10, "100"),
            (20, "100"),
            (11, "0"),
            (21, "0"),
            (97, "0"),
            (75, "1"),
            (76, "1"),
            (98, "1"),
            (10, "5"),
            (20, "5"),
        ]);
        let d = read(text.as_bytes()).unwrap();
        assert_eq!(d.polygons.len(), 1, "{d:?}");
        let ring = &d.polygons[0].ring;
        assert!(d.polygons[0].from_hatch);
        // The arc bulges out to x = 150.
        let max_x = ring.iter().map(|p| p[0]).fold(f64::MIN, f64::max);
        assert!((max_x - 150.0).abs() < 0.2, "{max_x}");
        assert_eq!(ring.first(), ring.last());
    }

    #[test]
    fn binary_dxf_reads_like_ascii() {
        let mut b = BINARY_SENTINEL.to_vec();
        let mut text = |code: u16, s: &str| {
            b.extend(code.to_le_bytes());
            b.extend(s.as_bytes());
            b.push(0);
        };
        text(0, "SECTION");
        text(2, "ENTITIES");
        text(0, "POINT");
        text(8, "设施");
        let mut b2 = b;
        for (code, v) in [(10u16, 12.5f64), (20, -3.25)] {
            b2.extend(code.to_le_bytes());
            b2.extend(v.to_le_bytes());
        }
        for s in ["ENDSEC", "EOF"] {
            b2.extend(0u16.to_le_bytes());
            b2.extend(s.as_bytes());
            b2.push(0);
        }
        let d = read(&b2).unwrap();
        assert_eq!(d.points.len(), 1);
        assert_eq!(d.points[0].at, [12.5, -3.25]);
        assert_eq!(d.points[0].layer, "设施");
        // Cut short: an error, not a panic.
        for cut in 0..b2.len() {
            let _ = read(&b2[..cut]);
        }
    }

    #[test]
    fn broken_files_are_errors_not_panics() {
        assert!(read(b"hello").unwrap_err().contains("not a group code"));
        assert!(read(b"  0\nSECTION\n  2").unwrap_err().contains("no value"));
        assert!(read(b"999\ncomment\n").unwrap_err().contains("no SECTION"));
        let good = entities_text(&[(0, "LWPOLYLINE"), (8, "a"), (10, "1"), (20, "2"), (42, "x")]);
        for cut in 0..good.len() {
            if good.is_char_boundary(cut) {
                let _ = read(&good.as_bytes()[..cut]);
            }
        }
    }

    #[test]
    fn mtext_codes_are_stripped() {
        assert_eq!(
            strip_mtext("{\\fSimHei|b1;九华乡}\\P(示意)"),
            "九华乡 (示意)"
        );
        assert_eq!(strip_mtext("\\H2.5x;A\\~B"), "A B");
        assert_eq!(unescape("\\U+4E03\\U+91CC乡"), "七里乡");
        assert_eq!(strip_text_codes("%%c200"), "⌀200");
    }
}
