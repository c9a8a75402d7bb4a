//! Per-township demand-group shares from a table (METHOD.md step 11):
//! planners have census shares per township (e.g. the elderly share of an
//! old hill township) as a spreadsheet, so `--group-shares FILE` and the
//! app's Data tab read a CSV with a `township` column and one column per
//! group id, and put the shares beside (over) the profile's
//! `township_shares`.

use super::text;
use crate::model::Profile;
use std::collections::BTreeMap;
use std::path::Path;

/// Township name → group id → share.
pub type TownshipShares = BTreeMap<String, BTreeMap<String, f64>>;

/// Column names accepted for the township.
const TOWNSHIP: &[&str] = &["township", "name", "乡镇", "乡镇名称", "名称"];

/// Read a shares table. Every problem names the file and, where it has
/// one, the row (1-based, the header being row 1) and column.
pub fn load_group_shares(path: &Path) -> Result<TownshipShares, String> {
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "{}: could not read the group-shares table ({e})",
            path.display()
        )
    })?;
    parse_group_shares(&path.display().to_string(), &bytes)
}

/// [`load_group_shares`] on bytes; `file` names the file in messages.
pub fn parse_group_shares(file: &str, bytes: &[u8]) -> Result<TownshipShares, String> {
    let decoded = text::decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(decoded.text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{file}: the group-shares table cannot be read ({e})"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let township = headers
        .iter()
        .position(|h| TOWNSHIP.iter().any(|a| h.eq_ignore_ascii_case(a)))
        .ok_or_else(|| {
            format!(
                "{file}: the group-shares table needs a \"township\" column (found: {})",
                headers.join(", ")
            )
        })?;
    let groups: Vec<(usize, &str)> = headers
        .iter()
        .enumerate()
        .filter(|&(i, h)| i != township && !h.is_empty())
        .map(|(i, h)| (i, h.as_str()))
        .collect();
    if groups.is_empty() {
        return Err(format!(
            "{file}: the group-shares table has a township column but no group column (one column per group id, e.g. elderly_60)"
        ));
    }
    let mut shares = TownshipShares::new();
    for (row, record) in reader.records().enumerate() {
        let line = row + 2;
        let record = record.map_err(|e| format!("{file}: row {line} cannot be read ({e})"))?;
        let name = record.get(township).unwrap_or("").to_string();
        if name.is_empty() {
            if record.iter().all(str::is_empty) {
                continue;
            }
            return Err(format!("{file}: row {line} has no township name"));
        }
        if shares.contains_key(&name) {
            return Err(format!(
                "{file}: row {line}: township \"{name}\" is listed twice"
            ));
        }
        let mut of_township = BTreeMap::new();
        for &(column, group) in &groups {
            let cell = record.get(column).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            let share = cell
                .trim_end_matches('%')
                .trim()
                .parse::<f64>()
                .ok()
                .map(|v| if cell.ends_with('%') { v / 100.0 } else { v })
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "{file}: row {line} ({name}), column {group}: \"{cell}\" is not a number"
                    )
                })?;
            if !(0.0..=1.0).contains(&share) {
                return Err(format!(
                    "{file}: row {line} ({name}), column {group}: share {share} is outside 0–1"
                ));
            }
            of_township.insert(group.to_string(), share);
        }
        shares.insert(name, of_township);
    }
    Ok(shares)
}

/// Put `shares` (read from `file`) into `profile`'s `township_shares`,
/// over the profile's own values. A group id the profile does not list is
/// an error naming the file and the column.
pub fn apply_group_shares(
    profile: &mut Profile,
    file: &str,
    shares: TownshipShares,
) -> Result<(), String> {
    for of_township in shares.values() {
        if let Some(unknown) = of_township.keys().find(|g| profile.group(g).is_none()) {
            let known: Vec<&str> = profile
                .supply
                .groups
                .iter()
                .map(|g| g.id.as_str())
                .collect();
            return Err(format!(
                "{file}: column {unknown} is not a demand group of the profile (its groups: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
    }
    for (township, of_township) in shares {
        profile
            .supply
            .township_shares
            .entry(township)
            .or_default()
            .extend(of_township);
    }
    Ok(())
}

/// Every township named in `profile`'s `township_shares` must be a
/// township of the study; `source` names where the shares came from.
pub fn check_share_townships<'a>(
    profile: &Profile,
    townships: impl IntoIterator<Item = &'a str> + Clone,
    source: &str,
) -> Result<(), String> {
    profile
        .check_township_shares(townships)
        .map_err(|e| format!("{source}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile::from_json(
            r#"{"tiers":[{"id":"t","minutes":15,"mode":"walk","categories":["kindergarten"]}],
                "groups":[{"id":"children_3_6","share":0.035},{"id":"elderly_60","share":0.187}],
                "categories":[{"id":"kindergarten","group":"children_3_6"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn reads_shares_with_percent_and_blanks() {
        let csv = "\u{feff}township,children_3_6,elderly_60\n七里乡,0.02,31%\n华墅乡,,0.25\n\n";
        let s = parse_group_shares("s.csv", csv.as_bytes()).unwrap();
        assert_eq!(s["七里乡"]["children_3_6"], 0.02);
        assert!((s["七里乡"]["elderly_60"] - 0.31).abs() < 1e-12);
        assert!(!s["华墅乡"].contains_key("children_3_6"));
        let mut p = profile();
        apply_group_shares(&mut p, "s.csv", s).unwrap();
        assert_eq!(p.group_share("华墅乡", "elderly_60"), Some(0.25));
        assert_eq!(p.group_share("华墅乡", "children_3_6"), Some(0.035));
    }

    #[test]
    fn bad_tables_are_named() {
        let bad = [
            (
                "name_missing.csv",
                "town,elderly_60\nA,0.2\n",
                "needs a \"township\" column",
            ),
            ("no_groups.csv", "township\nA\n", "no group column"),
            (
                "text.csv",
                "township,elderly_60\nA,old\n",
                "row 2 (A), column elderly_60: \"old\" is not a number",
            ),
            (
                "range.csv",
                "township,elderly_60\nA,1.2\n",
                "share 1.2 is outside 0–1",
            ),
            (
                "twice.csv",
                "township,elderly_60\nA,0.1\nA,0.2\n",
                "row 3: township \"A\" is listed twice",
            ),
        ];
        for (file, text, expect) in bad {
            let e = parse_group_shares(file, text.as_bytes()).unwrap_err();
            assert!(e.starts_with(file) && e.contains(expect), "{e}");
        }
        let s = parse_group_shares("g.csv", b"township,children_0_3\nA,0.1\n").unwrap();
        let e = apply_group_shares(&mut profile(), "g.csv", s).unwrap_err();
        assert!(
            e.contains("g.csv: column children_0_3 is not a demand group"),
            "{e}"
        );
        let mut p = profile();
        let s = parse_group_shares("g.csv", b"township,elderly_60\nNowhere,0.1\n").unwrap();
        apply_group_shares(&mut p, "g.csv", s).unwrap();
        let e = check_share_townships(&p, ["A", "B"], "g.csv").unwrap_err();
        assert!(e.contains("g.csv") && e.contains("Nowhere"), "{e}");
    }
}
