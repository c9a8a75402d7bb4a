//! Excel input (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`) via `calamine`:
//! one worksheet becomes a [`Table`] for the point-layer readers.
//!
//! Spreadsheets from planning offices often carry a title row or two above
//! the header ("XX镇公共服务设施一览表"), so the header is the first row
//! within the top 20 that has a longitude-like column (or the user's chosen
//! one), else the first row with at least two filled cells.

use super::fields;
use super::options::ImportOptions;
use super::table::Table;
use super::{LoadError, Source};
use calamine::{Data, Range, Reader as _};
use std::io::Cursor;

/// How far down to look for the header row.
const HEADER_SEARCH_ROWS: usize = 20;

/// The names of the worksheets of a workbook.
pub(crate) fn sheet_names(source: &Source, bytes: &[u8]) -> Result<Vec<String>, LoadError> {
    guarded(source, || Ok(open(source, bytes)?.sheet_names()))
}

/// Runs `read` on a workbook, turning a panic inside `calamine` (some
/// damaged workbooks make it overflow an index, found by `tests/fuzz.rs`)
/// into an error that names the file instead of ending the program.
fn guarded<T>(
    source: &Source,
    read: impl FnOnce() -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(LoadError::Unreadable {
            what: "Excel workbook",
            message: "the workbook is damaged (the spreadsheet reader failed inside it); save it again as .xlsx or CSV".to_string(),
            path: source.path.clone(),
        })
    })
}

fn open<'b>(
    source: &Source,
    bytes: &'b [u8],
) -> Result<calamine::Sheets<Cursor<&'b [u8]>>, LoadError> {
    calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| LoadError::Unreadable {
        what: "Excel workbook",
        message: format!("{e}; save it as .xlsx or CSV"),
        path: source.path.clone(),
    })
}

/// The chosen worksheet (by name, ignoring case, or 1-based number) or the
/// first with data, as a table; the sheet's name comes along for messages.
pub(crate) fn read_table(
    source: &Source,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<(String, Table), LoadError> {
    guarded(source, || read_table_unguarded(source, bytes, options))
}

fn read_table_unguarded(
    source: &Source,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<(String, Table), LoadError> {
    let mut workbook = open(source, bytes)?;
    let names = workbook.sheet_names();
    let unreadable = |message: String| LoadError::Unreadable {
        what: "Excel workbook",
        message,
        path: source.path.clone(),
    };
    let (name, range) = match &options.sheet {
        Some(wanted) => {
            let found = names
                .iter()
                .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
                .or_else(|| {
                    wanted
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| i.checked_sub(1))
                        .and_then(|i| names.get(i))
                })
                .cloned()
                .ok_or_else(|| {
                    unreadable(format!(
                        "no sheet named {wanted:?} (sheets: {})",
                        names.join(", ")
                    ))
                })?;
            let range = workbook
                .worksheet_range(&found)
                .map_err(|e| unreadable(format!("sheet {found:?} cannot be read ({e})")))?;
            (found, range)
        }
        None => {
            let mut first = None;
            for name in &names {
                if let Ok(range) = workbook.worksheet_range(name)
                    && !range.is_empty()
                {
                    first = Some((name.clone(), range));
                    break;
                }
            }
            first.ok_or_else(|| {
                unreadable(if names.is_empty() {
                    "the workbook has no worksheets".to_string()
                } else {
                    format!("every sheet is empty ({})", names.join(", "))
                })
            })?
        }
    };
    Ok((name, table_from_range(&range, options)))
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

/// Rows of a sheet as text, with the header row found as described in the
/// module docs; row numbers are the sheet's own (1-based).
fn table_from_range(range: &Range<Data>, options: &ImportOptions) -> Table {
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let wanted = options.columns.lon.as_deref().map(fields::normalize_key);
    let is_header = |row: &Vec<String>| match &wanted {
        Some(w) => row.iter().any(|c| fields::normalize_key(c) == *w),
        None => row
            .iter()
            .any(|c| fields::longitude_rank(c).is_some_and(|r| r >= 2)),
    };
    let header_index = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(is_header)
        .or_else(|| {
            rows.iter()
                .take(HEADER_SEARCH_ROWS)
                .position(|r| r.iter().filter(|c| !c.is_empty()).count() >= 2)
        })
        .unwrap_or(0);
    let columns = rows.get(header_index).cloned().unwrap_or_default();
    let data = rows
        .into_iter()
        .enumerate()
        .skip(header_index + 1)
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .map(|(i, r)| (first_row + i + 1, r))
        .collect();
    Table {
        columns,
        rows: data,
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workbook(rows: &[&[&str]]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("设施").unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) => sheet.write_number(r as u32, c as u16, n).unwrap(),
                    Err(_) => sheet.write_string(r as u32, c as u16, *cell).unwrap(),
                };
            }
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn title_rows_are_skipped_and_numbers_read_exactly() {
        let bytes = workbook(&[
            &["航埠镇公共服务设施一览表"],
            &[],
            &["名称", "类别", "经度", "纬度"],
            &["航埠卫生院", "卫生院", "118.8123456", "28.9654321"],
            &[],
            &["航埠幼儿园", "幼儿园", "118.81", "28.96"],
        ]);
        let source = Source::from_label("设施.xlsx");
        let (name, table) = read_table(&source, &bytes, &ImportOptions::default()).unwrap();
        assert_eq!(name, "设施");
        assert_eq!(table.columns, ["名称", "类别", "经度", "纬度"]);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].0, 4);
        assert_eq!(table.rows[0].1[2], "118.8123456");
        assert_eq!(table.rows[1].0, 6);
    }

    #[test]
    fn sheets_are_chosen_by_name_or_number() {
        let bytes = workbook(&[&["lon", "lat"], &["120", "30"]]);
        let source = Source::from_label("a.xlsx");
        let by_number = ImportOptions {
            sheet: Some("1".into()),
            ..ImportOptions::default()
        };
        assert!(read_table(&source, &bytes, &by_number).is_ok());
        let missing = ImportOptions {
            sheet: Some("Sheet9".into()),
            ..ImportOptions::default()
        };
        let err = read_table(&source, &bytes, &missing)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"no sheet named "Sheet9" (sheets: 设施)"#),
            "{err}"
        );
        assert_eq!(sheet_names(&source, &bytes).unwrap(), ["设施"]);
    }

    #[test]
    fn broken_workbooks_are_errors() {
        let source = Source::from_label("bad.xlsx");
        let err = read_table(&source, b"not a workbook", &ImportOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("not a readable Excel workbook ("),
            "{err}"
        );
        let bytes = workbook(&[&["lon", "lat"], &["120", "30"]]);
        for cut in [10, bytes.len() / 2, bytes.len() - 10] {
            assert!(read_table(&source, &bytes[..cut], &ImportOptions::default()).is_err());
        }
    }
}
