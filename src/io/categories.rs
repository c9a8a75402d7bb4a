//! Matching the `category` values of a facility file to profile category ids.
//!
//! Facility files come from many sources: OSM extracts use the profile's ids
//! (`kindergarten`), planners' spreadsheets use Chinese names (`幼儿园`), and
//! Amap (高德) exports carry a full type path (`科教文化服务;学校;幼儿园`).
//! [`CategoryMatcher`] accepts all three when built from a profile, and
//! facilities whose category stays unknown are counted per value so the user
//! sees one warning per misspelling, not one per facility.
//!
//! POIs imported from OSM or Amap are recognised by the rules of the
//! profile's catalogue ([`crate::model::MatchRule`], see `mapping.rs`), and a
//! user's own decisions ([`CategoryMapping`]) come first of all.

use super::Source;
use super::mapping::{Poi, RuleSet};
use crate::model::{CategoryMapping, LoadWarning, Profile};
use std::collections::HashMap;

/// Maps a facility's `category` value to a profile category id.
///
/// ```
/// use lifecircle::io::CategoryMatcher;
/// let m = CategoryMatcher::from_ids(&["kindergarten", "clinic"]);
/// assert_eq!(m.resolve("kindergarten"), Some("kindergarten"));
/// assert_eq!(m.resolve(" Clinic "), Some("clinic"));
/// assert_eq!(m.resolve("hospital"), None);
/// assert_eq!(CategoryMatcher::accept_any().resolve("anything"), Some("anything"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct CategoryMatcher {
    ids: Vec<String>,
    /// Lower-cased id → index into `ids`.
    by_id: HashMap<String, usize>,
    /// Lower-cased display name (or a `/`-separated part of one) → index;
    /// `None` when two categories share the name.
    by_name: HashMap<String, Option<usize>>,
    /// The catalogue's rules for imported POIs.
    rules: RuleSet,
    /// The user's decisions, by exact raw value: an index, or `None` to skip.
    overrides: HashMap<String, Option<usize>>,
}

/// What a facility record is, by [`CategoryMatcher::classify`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Classified<'a> {
    /// One or more profile ids (a POI may fill several categories).
    Ids(Vec<&'a str>),
    /// The user chose to skip records with this value.
    Skipped,
    /// A value nothing maps: counted per value for a warning.
    Unknown(String),
    /// No category value and nothing else to go by.
    Missing,
}

impl CategoryMatcher {
    /// Accepts every non-empty category value as it is.
    pub fn accept_any() -> Self {
        Self::default()
    }

    /// Accepts exactly these ids (ignoring case and surrounding spaces).
    /// An empty list accepts every category.
    pub fn from_ids<S: AsRef<str>>(ids: &[S]) -> Self {
        let mut m = Self::default();
        for id in ids {
            m.add_id(id.as_ref());
        }
        m
    }

    /// Accepts the profile's category ids, and also their Chinese and English
    /// display names from the profile's catalogue; imported POIs are
    /// recognised by the catalogue's rules.
    pub fn from_profile(profile: &Profile) -> Self {
        let mut m = Self::from_ids(&profile.category_ids());
        m.rules = RuleSet::from_profile(profile, |id| m.by_id.get(&key(id)).copied());
        for info in &profile.categories {
            let Some(&index) = m.by_id.get(&key(&info.id)) else {
                continue;
            };
            for name in [&info.name_zh, &info.name_en] {
                for alias in std::iter::once(name.as_str()).chain(name.split(['/', '／', '、'])) {
                    let alias = key(alias);
                    if alias.is_empty() || m.by_id.contains_key(&alias) {
                        continue;
                    }
                    let entry = m.by_name.entry(alias).or_insert(Some(index));
                    if *entry != Some(index) {
                        *entry = None;
                    }
                }
            }
        }
        m
    }

    /// Adds the user's decisions (see [`CategoryMapping`]); they take
    /// precedence over everything else. A decision naming a category id the
    /// matcher does not know is ignored.
    pub fn with_mapping(mut self, mapping: &CategoryMapping) -> Self {
        for (value, target) in &mapping.values {
            let index = match target {
                None => None,
                Some(id) => match self.by_id.get(&key(id)) {
                    Some(&i) => Some(i),
                    None => continue,
                },
            };
            self.overrides.insert(value.trim().to_string(), index);
        }
        self
    }

    /// Classifies one facility record: the user's mapping, then an exact id
    /// or display name, then the catalogue's rules (OSM tags, Amap types,
    /// name keywords), then the parts of an Amap type path.
    pub(crate) fn classify<'a>(&'a self, poi: &Poi<'a>) -> Classified<'a> {
        let raw = poi.category.map(str::trim).filter(|r| !r.is_empty());
        let main_tag = if raw.is_none() { poi.main_tag() } else { None };
        let value = raw.map(str::to_string).or(main_tag);
        if let Some(v) = &value
            && let Some(&decision) = self.overrides.get(v.as_str())
        {
            return match decision.and_then(|i| self.ids.get(i)) {
                Some(id) => Classified::Ids(vec![id.as_str()]),
                None => Classified::Skipped,
            };
        }
        if let Some(raw) = raw {
            if self.accepts_any() {
                return Classified::Ids(vec![raw]);
            }
            if let Some(id) = self.lookup(raw).and_then(|i| self.ids.get(i)) {
                return Classified::Ids(vec![id.as_str()]);
            }
        }
        let matched: Vec<&str> = self
            .rules
            .matches(poi)
            .into_iter()
            .filter_map(|i| self.ids.get(i).map(String::as_str))
            .collect();
        if !matched.is_empty() {
            return Classified::Ids(matched);
        }
        if let Some(id) = raw.and_then(|r| self.resolve(r)) {
            return Classified::Ids(vec![id]);
        }
        match value {
            Some(v) => Classified::Unknown(v),
            None => Classified::Missing,
        }
    }

    fn add_id(&mut self, id: &str) {
        let id = id.trim();
        if id.is_empty() || self.by_id.contains_key(&key(id)) {
            return;
        }
        self.by_id.insert(key(id), self.ids.len());
        self.ids.push(id.to_string());
    }

    /// Whether every category is accepted as it is.
    /// The category ids it knows (empty: it accepts any).
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    pub fn accepts_any(&self) -> bool {
        self.ids.is_empty()
    }

    /// The profile id for a category value: the id itself, a display name, or
    /// for an Amap type path (`大类;中类;小类`) its most specific known part.
    pub fn resolve<'a>(&'a self, raw: &'a str) -> Option<&'a str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        if self.accepts_any() {
            return Some(raw);
        }
        let index = self.lookup(raw).or_else(|| {
            raw.rsplit([';', '；']).find_map(|level| {
                self.lookup(level)
                    .or_else(|| level.split(['/', '／']).find_map(|part| self.lookup(part)))
            })
        })?;
        self.ids.get(index).map(String::as_str)
    }

    fn lookup(&self, value: &str) -> Option<usize> {
        let k = key(value);
        self.by_id
            .get(&k)
            .copied()
            .or_else(|| self.by_name.get(&k).copied().flatten())
    }

    /// The known id closest in spelling to `raw`, when it is a likely typo.
    fn suggestion(&self, raw: &str) -> Option<&str> {
        let raw = key(raw);
        let limit = if raw.chars().count() > 4 { 2 } else { 1 };
        self.ids
            .iter()
            .map(|id| (edit_distance(&raw, &key(id)), id))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, _)| *d)
            .map(|(_, id)| id.as_str())
    }
}

fn key(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let best = (diagonal + usize::from(ca != *cb))
                .min(above.saturating_add(1))
                .min(left.saturating_add(1));
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// Facilities skipped because of an unknown category, per category value in
/// order of first appearance.
#[derive(Default)]
pub(crate) struct UnknownCategories {
    /// (value, count, first feature number)
    seen: Vec<(String, usize, usize)>,
    index: HashMap<String, usize>,
}

impl UnknownCategories {
    /// The values seen, most frequent first, with their counts.
    pub(crate) fn values(&self) -> Vec<(&str, usize)> {
        let mut v: Vec<(&str, usize)> =
            self.seen.iter().map(|(s, n, _)| (s.as_str(), *n)).collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.1));
        v
    }

    pub(crate) fn note(&mut self, value: &str, feature: usize) {
        let value = value.trim();
        match self.index.get(value).and_then(|&i| self.seen.get_mut(i)) {
            Some(entry) => entry.1 += 1,
            None => {
                self.index.insert(value.to_string(), self.seen.len());
                self.seen.push((value.to_string(), 1, feature));
            }
        }
    }

    /// One warning per unknown value, e.g. `12 facilities have category
    /// "hospitl", which the profile does not know; they are skipped`.
    pub(crate) fn warnings(&self, source: &Source, matcher: &CategoryMatcher) -> Vec<LoadWarning> {
        self.seen
            .iter()
            .map(|(value, count, first)| {
                let mut message = if *count == 1 {
                    format!(
                        "1 facility has category {value:?}, which the profile does not know; it is skipped (feature {first})"
                    )
                } else {
                    format!(
                        "{count} facilities have category {value:?}, which the profile does not know; they are skipped (first: feature {first})"
                    )
                };
                if let Some(id) = matcher.suggestion(value) {
                    message.push_str(&format!("; did you mean {id:?}?"));
                }
                source.warning(None, None, message)
            })
            .collect()
    }
}

impl UnknownCategories {
    /// One warning listing the most frequent unknown values with their
    /// counts, e.g. `1,204 OSM POIs match no category of the profile and are
    /// skipped: amenity=restaurant (300), shop=clothes (120), …`.
    pub(crate) fn summary(&self, source: &Source, what: &str) -> Option<LoadWarning> {
        const SHOWN: usize = 15;
        if self.seen.is_empty() {
            return None;
        }
        let total: usize = self.seen.iter().map(|(_, n, _)| n).sum();
        let mut by_count: Vec<&(String, usize, usize)> = self.seen.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut listed: Vec<String> = by_count
            .iter()
            .take(SHOWN)
            .map(|(v, n, _)| format!("{v} ({n})"))
            .collect();
        if by_count.len() > SHOWN {
            listed.push(format!("and {} more kinds", by_count.len() - SHOWN));
        }
        Some(source.warning(
            None,
            None,
            format!(
                "{total} {what} match no category of the profile and are skipped: {}",
                listed.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CategoryInfo, Profile};

    fn profile() -> Profile {
        let mut p = Profile::from_json(
            r#"{"tiers":[{"id":"t5","minutes":5,"mode":"walk",
                "categories":["kindergarten","convenience_store","community_service"]}]}"#,
        )
        .unwrap();
        p.categories = vec![
            CategoryInfo {
                id: "kindergarten".into(),
                name_zh: "幼儿园".into(),
                name_en: "Kindergarten".into(),
                ..CategoryInfo::default()
            },
            CategoryInfo {
                id: "convenience_store".into(),
                name_zh: "便利店/便民商店".into(),
                name_en: "Convenience store".into(),
                ..CategoryInfo::default()
            },
            CategoryInfo {
                id: "community_service".into(),
                name_zh: "社区服务站/居(村)委会".into(),
                name_en: "Community service".into(),
                ..CategoryInfo::default()
            },
        ];
        p
    }

    #[test]
    fn chinese_names_and_amap_paths_resolve() {
        let m = CategoryMatcher::from_profile(&profile());
        assert_eq!(m.resolve("幼儿园"), Some("kindergarten"));
        assert_eq!(m.resolve("KINDERGARTEN"), Some("kindergarten"));
        assert_eq!(m.resolve("科教文化服务;学校;幼儿园"), Some("kindergarten"));
        assert_eq!(
            m.resolve("购物服务;便民商店/便利店;便民商店/便利店"),
            Some("convenience_store")
        );
        assert_eq!(m.resolve("居(村)委会"), Some("community_service"));
        assert_eq!(m.resolve("医院"), None);
        assert_eq!(m.resolve("  "), None);
    }

    #[test]
    fn ambiguous_names_do_not_match() {
        let mut p = profile();
        if let Some(c) = p.categories.get_mut(2) {
            c.name_zh = "幼儿园".into();
        }
        let m = CategoryMatcher::from_profile(&p);
        assert_eq!(m.resolve("幼儿园"), None);
        assert_eq!(m.resolve("kindergarten"), Some("kindergarten"));
    }

    #[test]
    fn typos_get_a_suggestion() {
        let m = CategoryMatcher::from_ids(&["hospital", "clinic"]);
        assert_eq!(m.suggestion("hospitl"), Some("hospital"));
        assert_eq!(m.suggestion("bank"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("幼儿园", "幼儿"), 1);
    }

    #[test]
    fn unknowns_are_counted_per_value() {
        let m = CategoryMatcher::from_ids(&["hospital"]);
        let mut unknown = UnknownCategories::default();
        for (i, v) in ["hospitl", "bank", "hospitl", "hospitl"].iter().enumerate() {
            unknown.note(v, i + 1);
        }
        let source = Source::from_label("f.geojson");
        let w = unknown.warnings(&source, &m);
        assert_eq!(w.len(), 2);
        assert_eq!(
            w[0].message,
            "3 facilities have category \"hospitl\", which the profile does not know; they are skipped (first: feature 1); did you mean \"hospital\"?"
        );
        assert_eq!(
            w[1].message,
            "1 facility has category \"bank\", which the profile does not know; it is skipped (feature 2)"
        );
    }
}
