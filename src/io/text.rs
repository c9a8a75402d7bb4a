//! Text decoding for input files.
//!
//! GeoJSON should be UTF-8, but CSV files saved from Excel on Chinese Windows
//! are usually GBK/GB18030, and some tools write UTF-8 or UTF-16 with a byte
//! order mark. Planners should not have to know which one they have, so every
//! text input goes through [`decode`] before it is parsed.

use encoding_rs::{Encoding, GB18030, UTF_8};
use std::borrow::Cow;

/// Text of a file and, when some bytes could not be decoded, a note to show
/// the user as a file-level warning.
pub(crate) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub note: Option<String>,
    /// The encoding the text was read with.
    pub encoding: &'static Encoding,
}

/// Decodes `bytes`: a byte order mark (UTF-8, UTF-16LE, UTF-16BE) decides;
/// without one, valid UTF-8 is taken as it is and anything else is read as
/// GB18030 (a superset of GBK and GB2312).
pub(crate) fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or_default();
        return with_note(encoding, encoding.decode_without_bom_handling(rest));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: Cow::Borrowed(text),
            note: None,
            encoding: UTF_8,
        },
        Err(_) => with_note(GB18030, GB18030.decode_without_bom_handling(bytes)),
    }
}

/// Like [`decode`], but with `encoding` when the user chose one (a byte
/// order mark still decides, being unambiguous).
pub(crate) fn decode_with<'a>(bytes: &'a [u8], encoding: Option<&'static Encoding>) -> Decoded<'a> {
    match encoding {
        Some(encoding) if Encoding::for_bom(bytes).is_none() => {
            with_note(encoding, encoding.decode_without_bom_handling(bytes))
        }
        _ => decode(bytes),
    }
}

fn with_note<'a>(
    encoding: &'static Encoding,
    (text, had_errors): (Cow<'a, str>, bool),
) -> Decoded<'a> {
    let note = had_errors.then(|| {
        if encoding == UTF_8 {
            "the file is marked as UTF-8 but holds bytes that are not UTF-8; they were replaced by \u{fffd}".to_string()
        } else if encoding == GB18030 {
            "the file is neither UTF-8 nor GBK/GB18030 text; characters that could not be read were replaced by \u{fffd}; save it as UTF-8".to_string()
        } else {
            format!(
                "the file is marked as {} but holds invalid bytes; they were replaced by \u{fffd}",
                encoding.name()
            )
        }
    });
    Decoded {
        text,
        note,
        encoding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = decode("名称,经度".as_bytes());
        assert_eq!(plain.text, "名称,经度");
        assert!(plain.note.is_none());
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice("名称,经度".as_bytes());
        assert_eq!(decode(&with_bom).text, "名称,经度");
    }

    #[test]
    fn gbk_is_detected() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("名称,类别,经度,纬度\n卫生院,clinic,120.1,29.2");
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "test input must not be UTF-8"
        );
        let decoded = decode(&bytes);
        assert_eq!(
            decoded.text,
            "名称,类别,经度,纬度\n卫生院,clinic,120.1,29.2"
        );
        assert!(decoded.note.is_none());
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "lon,lat".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&bytes).text, "lon,lat");
    }

    #[test]
    fn broken_utf8_after_bom_is_noted() {
        let bytes = [0xEF, 0xBB, 0xBF, b'a', 0xFF, b'b'];
        let decoded = decode(&bytes);
        assert_eq!(decoded.text, "a\u{fffd}b");
        assert!(decoded.note.unwrap().contains("not UTF-8"));
    }

    #[test]
    fn an_explicit_encoding_is_used_unless_there_is_a_bom() {
        let (gbk, _, _) = encoding_rs::GBK.encode("名称");
        let decoded = decode_with(&gbk, Some(encoding_rs::GBK));
        assert_eq!(decoded.text, "名称");
        assert_eq!(decoded.encoding, encoding_rs::GBK);
        // Big5 reads the same bytes as other characters, as asked.
        assert_ne!(decode_with(&gbk, Some(encoding_rs::BIG5)).text, "名称");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("名称".as_bytes());
        assert_eq!(decode_with(&bom, Some(encoding_rs::GBK)).text, "名称");
    }

    #[test]
    fn empty_input() {
        assert_eq!(decode(&[]).text, "");
    }
}
