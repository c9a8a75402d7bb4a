//! CSV input: facilities and residents as tables with longitude/latitude
//! columns, as planners get them from POI crawls and Excel.
//!
//! The delimiter may be a comma, semicolon or tab. The text is split into a
//! [`Table`] here; choosing columns and converting coordinates is shared
//! with Excel sheets in `table.rs`. Row numbers in warnings are line numbers
//! of the file (the header is line 1), which is what a spreadsheet shows.

use super::table::Table;
use super::{LoadError, Source};

/// Splits CSV text into a header and the rows that are not entirely blank;
/// rows the CSV reader rejects become warnings.
pub(crate) fn read_table(source: &Source, text: &str) -> Result<Table, LoadError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| LoadError::Csv {
            message: e.to_string(),
            path: source.path.clone(),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for (i, result) in reader.records().enumerate() {
        match result {
            Ok(record) => {
                if record.iter().all(str::is_empty) {
                    continue;
                }
                let line = record
                    .position()
                    .and_then(|p| usize::try_from(p.line()).ok())
                    .unwrap_or(i + 2);
                rows.push((line, record.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = e.position().and_then(|p| usize::try_from(p.line()).ok());
                warnings.push(source.warning(
                    line,
                    None,
                    format!("unreadable row ({e}); it is skipped"),
                ));
            }
        }
    }
    Ok(Table {
        columns,
        rows,
        warnings,
    })
}

/// The delimiter used most in the header line: comma, semicolon or tab.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    [(b',', count(',')), (b';', count(';')), (b'\t', count('\t'))]
        .into_iter()
        .fold((b',', 0), |best, candidate| {
            if candidate.1 > best.1 {
                candidate
            } else {
                best
            }
        })
        .0
}
