//! Finding the features of a GeoJSON FeatureCollection without parsing them.
//!
//! A province-size layer holds millions of features in one `"features"`
//! list. Parsing that list as one JSON value is a single-threaded pass over
//! the whole file before any feature can be read. This scanner walks the
//! bytes once, tracking only strings, escapes and bracket depth, and cuts
//! the list into the text of each entry, so the entries can be parsed on
//! all cores straight into our types.
//!
//! It vouches only for what it checks: the top-level object (`"type":
//! "FeatureCollection"`, one `"features"` list, other members valid JSON)
//! and the commas between entries. Each entry must still be parsed as JSON
//! by the caller. Anything unusual — a single Feature, a bare geometry,
//! escaped or repeated keys, deep nesting, a cut-off file — is
//! [`Split::Other`], and the reference reader decides, so results and
//! messages stay those of the reference reader.
//!
//! Layer: io.

/// What the scanner found.
#[derive(Debug, PartialEq)]
pub(crate) enum Split<'t> {
    /// A plain FeatureCollection: the text of each entry of `"features"`,
    /// in file order (from its first byte to its last, no white space).
    Features(Vec<&'t str>),
    /// Anything else; `entries` holds the byte ranges of the entries found
    /// before the scan stopped (to name the feature a JSON error lies in).
    Other { entries: Vec<(usize, usize)> },
}

/// Entries nested deeper than this are left to the reference reader
/// (serde_json stops at 128 levels; its message is the one to give).
const MAX_DEPTH: usize = 100;

/// Bytes the value scanner stops at: quotes and brackets.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'"' as usize] = true;
    table[b'{' as usize] = true;
    table[b'}' as usize] = true;
    table[b'[' as usize] = true;
    table[b']' as usize] = true;
    table
};

/// JSON's white space (and nothing else).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).copied().is_some_and(is_space) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Consumes `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            self.at += 1;
        }
        found
    }

    /// The end (one past the closing quote) of the string starting at
    /// `start` (its opening quote).
    fn string_end(&self, start: usize) -> Option<usize> {
        let mut i = start + 1;
        loop {
            match self.bytes.get(i)? {
                b'"' => return Some(i + 1),
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
    }

    /// The end of the JSON value starting at `start`: a string, an object
    /// or list (brackets matched by depth only), or a scalar.
    fn value_end(&self, start: usize) -> Option<usize> {
        match *self.bytes.get(start)? {
            b'"' => self.string_end(start),
            b'{' | b'[' => {
                let mut depth = 0_usize;
                let mut i = start;
                loop {
                    let b = *self.bytes.get(i)?;
                    if !STRUCTURAL[usize::from(b)] {
                        i += 1;
                        continue;
                    }
                    match b {
                        b'"' => {
                            i = self.string_end(i)?;
                            continue;
                        }
                        b'{' | b'[' => {
                            depth += 1;
                            if depth > MAX_DEPTH {
                                return None;
                            }
                        }
                        _ => {
                            depth = depth.checked_sub(1)?;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                    }
                    i += 1;
                }
            }
            b',' | b']' | b'}' | b':' => None,
            _ => {
                let len = self
                    .bytes
                    .get(start..)?
                    .iter()
                    .position(|&b| matches!(b, b',' | b']' | b'}') || is_space(b))
                    .unwrap_or(self.bytes.len() - start);
                Some(start + len)
            }
        }
    }
}

/// Splits `text` into the entries of its `"features"` list when it is a
/// plain FeatureCollection (see the module docs).
pub(crate) fn split_feature_collection(text: &str) -> Split<'_> {
    let mut entries = Vec::new();
    match scan(text, &mut entries) {
        Some(()) => Split::Features(
            entries
                .iter()
                .filter_map(|&(start, end)| text.get(start..end))
                .collect(),
        ),
        None => Split::Other { entries },
    }
}

fn scan(text: &str, entries: &mut Vec<(usize, usize)>) -> Option<()> {
    let mut s = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    s.skip_space();
    if !s.eat(b'{') {
        return None;
    }
    let mut saw_type = false;
    let mut saw_features = false;
    loop {
        s.skip_space();
        if s.peek() != Some(b'"') {
            return None;
        }
        let key_end = s.string_end(s.at)?;
        let key = s.bytes.get(s.at + 1..key_end - 1)?;
        // Keys with escapes or control characters: serde decides.
        if key.iter().any(|&b| b == b'\\' || b < 0x20) {
            return None;
        }
        s.at = key_end;
        s.skip_space();
        if !s.eat(b':') {
            return None;
        }
        s.skip_space();
        match key {
            b"features" => {
                if saw_features || !s.eat(b'[') {
                    return None;
                }
                saw_features = true;
                s.skip_space();
                if !s.eat(b']') {
                    loop {
                        s.skip_space();
                        let start = s.at;
                        let end = s.value_end(start)?;
                        entries.push((start, end));
                        s.at = end;
                        s.skip_space();
                        if s.eat(b']') {
                            break;
                        }
                        if !s.eat(b',') {
                            return None;
                        }
                    }
                }
            }
            b"type" => {
                let end = s.value_end(s.at)?;
                if saw_type || s.bytes.get(s.at..end)? != b"\"FeatureCollection\"" {
                    return None;
                }
                saw_type = true;
                s.at = end;
            }
            _ => {
                // Other members (name, crs, bbox …) must be valid JSON.
                let end = s.value_end(s.at)?;
                let member = text.get(s.at..end)?;
                serde_json::from_str::<serde::de::IgnoredAny>(member).ok()?;
                s.at = end;
            }
        }
        s.skip_space();
        if s.eat(b'}') {
            break;
        }
        if !s.eat(b',') {
            return None;
        }
    }
    s.skip_space();
    (s.at == s.bytes.len() && saw_type && saw_features).then_some(())
}

/// The 1-based number of the entry that byte `offset` lies in (or, between
/// entries, of the entry after it), if it lies within the entries found.
pub(crate) fn entry_at(entries: &[(usize, usize)], offset: usize) -> Option<usize> {
    let first = entries.first()?;
    if offset < first.0 {
        return None;
    }
    let after = entries.partition_point(|&(start, _)| start <= offset);
    let last = entries.get(after.checked_sub(1)?)?;
    // Past the end of an entry: in the commas and space before the next
    // one, or where the scan stopped.
    Some(if offset < last.1 { after } else { after + 1 })
}

/// The byte offset of serde_json's (1-based) line and column in `text`.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(text: &str) -> Vec<&str> {
        match split_feature_collection(text) {
            Split::Features(f) => f,
            Split::Other { .. } => panic!("not split: {text}"),
        }
    }

    fn is_other(text: &str) -> bool {
        matches!(split_feature_collection(text), Split::Other { .. })
    }

    #[test]
    fn entries_are_cut_on_their_boundaries() {
        let text = r#" { "name" : "a,b]}" , "type":"FeatureCollection", "features" : [
            {"type":"Feature","properties":{"n":"x\"]},"},"geometry":null} ,
            [1,[2,{"a":"}"}]],
            "text",
            12.5e3 ,null
        ], "bbox": [1, 2, 3, 4] }
        "#;
        assert_eq!(
            features(text),
            vec![
                r#"{"type":"Feature","properties":{"n":"x\"]},"},"geometry":null}"#,
                r#"[1,[2,{"a":"}"}]]"#,
                r#""text""#,
                "12.5e3",
                "null",
            ]
        );
        assert!(features(r#"{"type":"FeatureCollection","features":[]}"#).is_empty());
        assert!(features(r#"{"features":[ ],"type":"FeatureCollection"}"#).is_empty());
    }

    #[test]
    fn anything_unusual_is_left_to_the_reference_reader() {
        for text in [
            "",
            "[]",
            r#"{"type":"Feature","properties":{},"geometry":null}"#,
            r#"{"type":"Point","coordinates":[1,2]}"#,
            r#"{"features":[]}"#,
            r#"{"type":"FeatureCollection"}"#,
            r#"{"type":"FeatureCollection","features":[],"features":[]}"#,
            r#"{"type":"FeatureCollection","type":"FeatureCollection","features":[]}"#,
            r#"{"type":"Feature\u0043ollection","features":[]}"#,
            r#"{"typ\u0065":"FeatureCollection","features":[]}"#,
            r#"{"type":"FeatureCollection","features":{}}"#,
            r#"{"type":"FeatureCollection","features":[1 2]}"#,
            r#"{"type":"FeatureCollection","features":[1,]}"#,
            r#"{"type":"FeatureCollection","features":[{"a":1}"#,
            r#"{"type":"FeatureCollection","features":[]} x"#,
            r#"{"type":"FeatureCollection","features":[],"name":[1,,2]}"#,
            r#"{"type":"FeatureCollection","features":[],}"#,
            "{\"type\":\"FeatureCollection\",\"fea\ntures\":[]}",
        ] {
            assert!(is_other(text), "{text}");
        }
        let deep = format!(
            r#"{{"type":"FeatureCollection","features":[{}{}]}}"#,
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert!(is_other(&deep));
    }

    /// The cut agrees with serde_json's own reading of the list.
    #[test]
    fn the_cut_matches_serde_json() {
        let text = r#"{"type":"FeatureCollection","features":[{"a":[1,2,{"b":"]["}]}, "\\", -0.5,true,{"c":"\\\""}]}"#;
        #[derive(serde::Deserialize)]
        struct Root<'a> {
            #[serde(borrow)]
            features: Vec<&'a serde_json::value::RawValue>,
        }
        let root: Root<'_> = serde_json::from_str(text).unwrap();
        let expected: Vec<&str> = root.features.iter().map(|r| r.get()).collect();
        assert_eq!(features(text), expected);
    }

    #[test]
    fn a_cut_off_file_names_the_entry_it_ends_in() {
        let text =
            "{\"type\":\"FeatureCollection\",\"features\":[\n{\"a\":1},\n{\"a\":2},\n{\"a\":[3";
        let Split::Other { entries } = split_feature_collection(text) else {
            panic!("a cut-off file is not split");
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entry_at(&entries, text.len()), Some(3));
        assert_eq!(entry_at(&entries, offset_of(text, 2, 3)), Some(1));
        assert_eq!(entry_at(&entries, offset_of(text, 3, 1)), Some(2));
        assert_eq!(entry_at(&entries, 3), None);
        assert_eq!(offset_of(text, 4, 1), text.rfind('{').unwrap());
    }
}
