//! The attribute table of a Shapefile (`.dbf`, dBASE III).
//!
//! Our own small reader, because Chinese DBFs are usually GBK and often say
//! nothing about it: the encoding has to be decided from a `.cpg` file, the
//! language driver byte of the header, or the bytes themselves, and that
//! needs the raw bytes of the text fields. The format: a 32-byte header
//! (record count at 4, header length at 8, record length at 10, language
//! driver at 29), 32-byte field descriptors up to a 0x0D byte (name in 11
//! bytes, type at 11, length at 16, decimals at 17), then fixed-width
//! records, each starting with a deletion flag (`*` = deleted).

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};
use serde_json::{Map, Number, Value};

/// One column of the table.
#[derive(Clone, Debug, PartialEq)]
struct Column {
    /// The name's raw bytes (decoded with the table's encoding).
    name: Vec<u8>,
    /// dBASE type: `C` text, `N`/`F` number, `L` logical, `D` date, …
    kind: u8,
    offset: usize,
    length: usize,
}

/// A parsed `.dbf`, records kept as raw bytes until decoded.
#[derive(Debug)]
pub(crate) struct Dbf<'a> {
    columns: Vec<Column>,
    records: Vec<&'a [u8]>,
    language_driver: u8,
    /// Records the header announced but the file does not hold.
    pub missing_records: usize,
}

impl<'a> Dbf<'a> {
    /// Parses the table, or says why it is not one.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let header = bytes
            .get(..32)
            .ok_or("the .dbf is shorter than its 32-byte header")?;
        let u16_at = |i: usize| usize::from(u16::from_le_bytes([header[i], header[i + 1]]));
        let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let header_len = u16_at(8);
        let record_len = u16_at(10);
        if header_len < 33 || record_len == 0 {
            return Err(format!(
                "the .dbf header is damaged (header length {header_len}, record length {record_len})"
            ));
        }
        let mut columns = Vec::new();
        let mut offset = 1; // after the deletion flag
        let mut at = 32;
        while at + 32 <= header_len.min(bytes.len()) {
            let Some(descriptor) = bytes.get(at..at + 32) else {
                break;
            };
            if descriptor[0] == 0x0D {
                break;
            }
            let name_end = descriptor[..11].iter().position(|&b| b == 0).unwrap_or(11);
            let length = usize::from(descriptor[16]);
            columns.push(Column {
                name: descriptor[..name_end].to_vec(),
                kind: descriptor[11].to_ascii_uppercase(),
                offset,
                length,
            });
            offset += length;
            at += 32;
        }
        if offset > record_len {
            return Err(format!(
                "the .dbf fields ({offset} bytes) do not fit its records ({record_len} bytes)"
            ));
        }
        let body = bytes.get(header_len..).unwrap_or_default();
        let records: Vec<&[u8]> = body
            .chunks_exact(record_len)
            .take(count)
            .take_while(|r| r.first() != Some(&0x1A))
            .collect();
        Ok(Self {
            missing_records: count.saturating_sub(records.len()),
            columns,
            records,
            language_driver: header[29],
        })
    }

    /// Records in the file (deleted ones included, to keep the order of
    /// the shapes).
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// The encoding the header's language driver byte names, when it names
    /// a Chinese or Unicode one.
    pub(crate) fn declared_encoding(&self) -> Option<&'static Encoding> {
        match self.language_driver {
            0x4D | 0x7A => Some(GBK),
            0x4F | 0x78 => Encoding::for_label(b"big5"),
            _ => None,
        }
    }

    /// The bytes of every text field and name, for guessing the encoding.
    fn text_bytes(&self) -> impl Iterator<Item = &[u8]> {
        let names = self.columns.iter().map(|c| c.name.as_slice());
        let cells = self.records.iter().flat_map(move |r| {
            self.columns
                .iter()
                .filter(|c| c.kind == b'C')
                .filter_map(move |c| r.get(c.offset..c.offset + c.length))
        });
        names.chain(cells)
    }

    /// UTF-8 when every text field is valid UTF-8, else GB18030 (a
    /// superset of GBK).
    pub(crate) fn guess_encoding(&self) -> &'static Encoding {
        if self.text_bytes().all(|b| std::str::from_utf8(b).is_ok()) {
            UTF_8
        } else {
            GB18030
        }
    }

    /// Column names, decoded.
    pub(crate) fn column_names(&self, encoding: &'static Encoding) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| decode(encoding, &c.name).trim().to_string())
            .collect()
    }

    /// Record `i` as JSON properties, or `None` when it is deleted or
    /// missing. Blank cells are `null`.
    pub(crate) fn record(
        &self,
        i: usize,
        encoding: &'static Encoding,
    ) -> Option<Map<String, Value>> {
        let raw = self.records.get(i)?;
        if raw.first() == Some(&b'*') {
            return None;
        }
        let names = self.column_names(encoding);
        let mut map = Map::new();
        for (column, name) in self.columns.iter().zip(names) {
            let bytes = raw
                .get(column.offset..column.offset + column.length)
                .unwrap_or_default();
            map.insert(name, value(column.kind, bytes, encoding));
        }
        Some(map)
    }
}

fn decode(encoding: &'static Encoding, bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    encoding
        .decode_without_bom_handling(&bytes[..end])
        .0
        .into_owned()
}

/// One cell as JSON: numbers as numbers (text when unparsable), logicals as
/// booleans, dates as `YYYY-MM-DD`, everything else as trimmed text.
fn value(kind: u8, bytes: &[u8], encoding: &'static Encoding) -> Value {
    let text = decode(encoding, bytes);
    let text = text.trim();
    if text.is_empty() {
        return Value::Null;
    }
    match kind {
        b'N' | b'F' => match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) if text.contains(['.', 'e', 'E']) => Value::Number(n),
            Some(n) => text
                .parse::<i64>()
                .map(|i| Value::Number(i.into()))
                .unwrap_or(Value::Number(n)),
            None => Value::String(text.to_string()),
        },
        b'L' => match text.chars().next() {
            Some('T' | 't' | 'Y' | 'y') => Value::Bool(true),
            Some('F' | 'f' | 'N' | 'n') => Value::Bool(false),
            _ => Value::Null,
        },
        b'D' if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) => {
            Value::String(format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..]))
        }
        _ => Value::String(text.to_string()),
    }
}

/// Writes a dBASE III table with text (`C`) and number (`N`) columns, in
/// `encoding` — for tests and fixtures (real files come from GIS software).
/// Each column is `(name, is_number, width)`; cells are given as text.
pub fn write_dbf(
    columns: &[(&str, bool, u8)],
    rows: &[Vec<String>],
    encoding: &'static Encoding,
) -> Vec<u8> {
    let record_len: usize = 1 + columns.iter().map(|c| usize::from(c.2)).sum::<usize>();
    let header_len = 32 + 32 * columns.len() + 1;
    let mut out = vec![0u8; 32];
    out[0] = 0x03;
    out[1..4].copy_from_slice(&[124, 1, 1]);
    out[4..8].copy_from_slice(&(rows.len() as u32).to_le_bytes());
    out[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
    out[10..12].copy_from_slice(&(record_len as u16).to_le_bytes());
    for (name, number, width) in columns {
        let mut d = [0u8; 32];
        let (bytes, _, _) = encoding.encode(name);
        let n = bytes.len().min(10);
        d[..n].copy_from_slice(&bytes[..n]);
        d[11] = if *number { b'N' } else { b'C' };
        d[16] = *width;
        d[17] = if *number { 6 } else { 0 };
        out.extend_from_slice(&d);
    }
    out.push(0x0D);
    for row in rows {
        out.push(b' ');
        for (i, (_, number, width)) in columns.iter().enumerate() {
            let cell = row.get(i).map(String::as_str).unwrap_or_default();
            let (bytes, _, _) = encoding.encode(cell);
            let width = usize::from(*width);
            let mut field = vec![b' '; width];
            let n = bytes.len().min(width);
            if *number {
                field[width - n..].copy_from_slice(&bytes[..n]);
            } else {
                field[..n].copy_from_slice(&bytes[..n]);
            }
            out.extend_from_slice(&field);
        }
    }
    out.push(0x1A);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(encoding: &'static Encoding) -> Vec<u8> {
        write_dbf(
            &[("名称", false, 30), ("人口", true, 12), ("CODE", false, 12)],
            &[
                vec!["航埠镇".into(), "12345".into(), "330802101".into()],
                vec!["七里乡".into(), "2.5".into(), String::new()],
            ],
            encoding,
        )
    }

    #[test]
    fn gbk_tables_are_detected_and_read() {
        let bytes = table(GBK);
        let dbf = Dbf::parse(&bytes).unwrap();
        assert_eq!(dbf.len(), 2);
        assert_eq!(dbf.guess_encoding(), GB18030);
        let enc = dbf.guess_encoding();
        assert_eq!(dbf.column_names(enc), ["名称", "人口", "CODE"]);
        let r = dbf.record(0, enc).unwrap();
        assert_eq!(r["名称"], "航埠镇");
        assert_eq!(r["人口"], 12345);
        assert_eq!(r["CODE"], "330802101");
        let r = dbf.record(1, enc).unwrap();
        assert_eq!(r["人口"], 2.5);
        assert_eq!(r["CODE"], Value::Null);
        assert!(dbf.record(2, enc).is_none());
        let utf8 = table(UTF_8);
        assert_eq!(Dbf::parse(&utf8).unwrap().guess_encoding(), UTF_8);
    }

    #[test]
    fn deleted_records_and_damage() {
        let mut bytes = table(UTF_8);
        let header_len = 32 + 32 * 3 + 1;
        bytes[header_len] = b'*';
        let dbf = Dbf::parse(&bytes).unwrap();
        assert!(dbf.record(0, UTF_8).is_none());
        assert!(dbf.record(1, UTF_8).is_some());
        // Truncated: fewer records than announced.
        let dbf = Dbf::parse(&bytes[..header_len + 30]).unwrap();
        assert_eq!((dbf.len(), dbf.missing_records), (0, 2));
        assert!(Dbf::parse(b"short").is_err());
        let mut bad = bytes.clone();
        bad[10] = 3; // record length smaller than the fields
        assert!(Dbf::parse(&bad).unwrap_err().contains("do not fit"));
        for cut in 0..bytes.len() {
            if let Ok(d) = Dbf::parse(&bytes[..cut]) {
                for i in 0..3 {
                    let _ = d.record(i, GB18030);
                }
            }
        }
    }

    #[test]
    fn cell_values() {
        assert_eq!(value(b'L', b"T", UTF_8), Value::Bool(true));
        assert_eq!(value(b'L', b"?", UTF_8), Value::Null);
        assert_eq!(value(b'D', b"20240131", UTF_8), "2024-01-31");
        assert_eq!(value(b'N', b"  -3 ", UTF_8), -3);
        assert_eq!(value(b'N', b"1.5e3", UTF_8), 1500.0);
        assert_eq!(value(b'N', b"***", UTF_8), "***");
        assert_eq!(value(b'C', b"ab\0\0", UTF_8), "ab");
    }
}
