//! Recognising imported POIs as profile categories by the rules of the
//! profile's catalogue ([`MatchRule`]): OSM tags, Amap (高德) type paths and
//! codes, and keywords in the name (STANDARDS.md §7).
//!
//! A POI may fill several categories (a library is both a culture station
//! and a culture venue); every category whose rules match is reported.

use crate::model::{MatchRule, Profile};

/// What is known about one imported POI.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Poi<'a> {
    /// The raw category value (a profile id, a Chinese name, an Amap type
    /// path `大类;中类;小类`, or an Amap type code).
    pub category: Option<&'a str>,
    /// An Amap type code column (`typecode`, `类型编码`), 6 digits, `|`-joined.
    pub type_code: Option<&'a str>,
    /// The POI's name.
    pub name: Option<&'a str>,
    /// OSM tags, or the text attributes of a table (e.g. `fclass`).
    pub tags: &'a [(&'a str, &'a str)],
}

/// Keys that make an OSM object a POI, in the order used to describe an
/// unmapped one (`amenity=restaurant`).
pub(crate) const POI_KEYS: [&str; 15] = [
    "amenity",
    "shop",
    "leisure",
    "healthcare",
    "social_facility",
    "office",
    "tourism",
    "craft",
    "public_transport",
    "railway",
    "highway",
    "place",
    "fclass",
    "emergency",
    "building",
];

impl Poi<'_> {
    /// The value of tag `key`.
    pub(crate) fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// The first POI tag as `key=value`, to name what an unmapped OSM
    /// object is.
    pub(crate) fn main_tag(&self) -> Option<String> {
        POI_KEYS
            .iter()
            .find_map(|k| self.tag(k).map(|v| format!("{k}={v}")))
    }
}

/// One `key=value|value` condition; `values` empty means any value (`key=*`).
#[derive(Clone, Debug, PartialEq)]
struct TagCondition {
    key: String,
    values: Vec<String>,
}

impl TagCondition {
    fn parse(text: &str) -> Option<Self> {
        let (key, values) = text.split_once('=')?;
        let key = key.trim().to_string();
        if key.is_empty() {
            return None;
        }
        let values: Vec<String> = values
            .split('|')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && v != "*")
            .collect();
        Some(Self { key, values })
    }

    fn holds(&self, poi: &Poi) -> bool {
        match poi.tag(&self.key) {
            None => false,
            Some(v) => {
                self.values.is_empty()
                    || v.split(';')
                        .any(|part| self.values.iter().any(|want| want == part.trim()))
            }
        }
    }
}

/// A [`MatchRule`] prepared for matching.
#[derive(Clone, Debug, PartialEq)]
struct Compiled {
    /// Index of the category in the matcher's id list.
    category: usize,
    osm: Vec<TagCondition>,
    /// Amap type paths (or parts), split into levels.
    amap_paths: Vec<Vec<String>>,
    /// Amap type codes or their leading digits.
    amap_codes: Vec<String>,
    name: Vec<String>,
    not_name: Vec<String>,
}

impl Compiled {
    fn new(category: usize, rule: &MatchRule) -> Option<Self> {
        if !rule.is_usable() {
            return None;
        }
        let words = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect()
        };
        let mut amap_paths = Vec::new();
        let mut amap_codes = Vec::new();
        for pattern in &rule.amap {
            let pattern = pattern.trim();
            if !pattern.is_empty() && pattern.chars().all(|c| c.is_ascii_digit()) {
                amap_codes.push(pattern.to_string());
            } else {
                let levels = levels(pattern);
                if !levels.is_empty() {
                    amap_paths.push(levels);
                }
            }
        }
        let osm: Vec<TagCondition> = rule
            .osm
            .iter()
            .filter_map(|t| TagCondition::parse(t))
            .collect();
        // A rule whose conditions were all unreadable must not match everything.
        if osm.len() < rule.osm.len()
            || (amap_paths.is_empty() && amap_codes.is_empty() && !rule.amap.is_empty())
        {
            return None;
        }
        Some(Self {
            category,
            osm,
            amap_paths,
            amap_codes,
            name: words(&rule.name),
            not_name: words(&rule.not_name),
        })
    }

    fn matches(&self, poi: &Poi, name: &str) -> bool {
        if !self.osm.is_empty() && !self.osm.iter().all(|c| c.holds(poi)) {
            return false;
        }
        let has_amap = !(self.amap_paths.is_empty() && self.amap_codes.is_empty());
        if has_amap && !self.amap_matches(poi) {
            return false;
        }
        if !self.name.is_empty() && !self.name.iter().any(|w| name.contains(w.as_str())) {
            return false;
        }
        !self.not_name.iter().any(|w| name.contains(w.as_str()))
    }

    fn amap_matches(&self, poi: &Poi) -> bool {
        let category = poi.category.unwrap_or_default();
        let is_code = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '|');
        let codes = poi
            .type_code
            .into_iter()
            .chain(is_code(category.trim()).then_some(category))
            .flat_map(|c| c.split('|'))
            .map(str::trim);
        for code in codes {
            if self.amap_codes.iter().any(|p| code.starts_with(p.as_str())) {
                return true;
            }
        }
        if self.amap_paths.is_empty() || category.is_empty() {
            return false;
        }
        category.split('|').any(|path| {
            let record = levels(path);
            self.amap_paths.iter().any(|pattern| {
                record.len() >= pattern.len()
                    && record
                        .windows(pattern.len())
                        .any(|w| w == pattern.as_slice())
            })
        })
    }
}

/// The levels of an Amap type path, trimmed: "购物服务;超级市场;超市".
fn levels(path: &str) -> Vec<String> {
    path.split([';', '；'])
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The rules of a profile's catalogue, ready to match POIs.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RuleSet {
    rules: Vec<Compiled>,
}

impl RuleSet {
    /// The rules of every catalogue category that `index_of` knows.
    pub(crate) fn from_profile(
        profile: &Profile,
        index_of: impl Fn(&str) -> Option<usize>,
    ) -> Self {
        let rules = profile
            .categories
            .iter()
            .filter_map(|c| index_of(&c.id).map(|i| (i, c)))
            .flat_map(|(i, c)| c.rules.iter().filter_map(move |r| Compiled::new(i, r)))
            .collect();
        Self { rules }
    }

    /// Indices of the categories whose rules match, in catalogue order,
    /// without repeats.
    pub(crate) fn matches(&self, poi: &Poi) -> Vec<usize> {
        let name = poi.name.unwrap_or_default().to_lowercase();
        let mut found: Vec<usize> = Vec::new();
        for rule in &self.rules {
            if !found.contains(&rule.category) && rule.matches(poi, &name) {
                found.push(rule.category);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile::from_json(crate::generate::DEFAULT_PROFILE_JSON).unwrap()
    }

    fn ids(profile: &Profile, poi: Poi) -> Vec<String> {
        let ids = profile.category_ids();
        let set = RuleSet::from_profile(profile, |id| ids.iter().position(|i| *i == id));
        set.matches(&poi)
            .into_iter()
            .map(|i| ids[i].to_string())
            .collect()
    }

    #[test]
    fn amap_types_codes_and_names() {
        let p = profile();
        let amap = |category: &str, name: &str| {
            ids(
                &p,
                Poi {
                    category: Some(category),
                    name: Some(name),
                    ..Poi::default()
                },
            )
        };
        assert_eq!(
            amap("科教文化服务;学校;幼儿园", "航埠镇中心幼儿园"),
            ["kindergarten"]
        );
        assert_eq!(
            amap("科教文化服务;学校;中学", "衢州市第二中学"),
            ["junior_middle_school"]
        );
        assert_eq!(
            amap("科教文化服务;学校;中学", "衢州高级中学"),
            ["senior_high_school"]
        );
        assert_eq!(
            amap("医疗保健服务;综合医院;卫生院", "航埠镇中心卫生院"),
            ["township_health_centre", "general_hospital"]
        );
        assert_eq!(
            amap("医疗保健服务;综合医院;卫生院", "七里村卫生室"),
            ["health_station"]
        );
        assert_eq!(
            amap(
                "政府机构及社会团体;政府机关;乡镇级政府及事业单位",
                "航埠镇人民政府"
            ),
            ["admin_service_centre"]
        );
        assert_eq!(
            amap(
                "政府机构及社会团体;政府机关;乡镇级政府及事业单位",
                "下张村村民委员会"
            ),
            ["community_service"]
        );
        assert_eq!(
            amap("餐饮服务;中餐厅;中餐厅", "老王饭店"),
            Vec::<String>::new()
        );
        // A type code alone (in the category column or its own column).
        assert_eq!(amap("141204", ""), ["kindergarten"]);
        let coded = ids(
            &p,
            Poi {
                type_code: Some("090601|060400"),
                ..Poi::default()
            },
        );
        assert_eq!(coded, ["pharmacy", "supermarket"]);
        // Keyword rules work without any type.
        assert_eq!(amap("", "石梁镇敬老院"), ["elderly_care_home"]);
        assert_eq!(amap("", "中国邮政储蓄银行"), ["bank"]);
    }

    #[test]
    fn osm_tags() {
        let p = profile();
        let osm = |tags: &[(&str, &str)]| {
            let name = tags.iter().find(|(k, _)| *k == "name").map(|(_, v)| *v);
            ids(
                &p,
                Poi {
                    name,
                    tags,
                    ..Poi::default()
                },
            )
        };
        assert_eq!(osm(&[("shop", "convenience")]), ["convenience_store"]);
        assert_eq!(
            osm(&[("amenity", "school"), ("isced:level", "1;2")]),
            ["primary_school", "junior_middle_school"]
        );
        assert_eq!(
            osm(&[("amenity", "school"), ("name", "沟溪乡中心小学")]),
            ["primary_school"]
        );
        assert_eq!(
            osm(&[("amenity", "hospital"), ("name", "衢州市人民医院")]),
            ["general_hospital"]
        );
        assert_eq!(osm(&[("amenity", "restaurant")]), Vec::<String>::new());
        assert_eq!(osm(&[("fclass", "pharmacy")]), ["pharmacy"]);
    }

    #[test]
    fn unreadable_rules_match_nothing() {
        let rule = |osm: &[&str], amap: &[&str]| MatchRule {
            osm: osm.iter().map(|s| s.to_string()).collect(),
            amap: amap.iter().map(|s| s.to_string()).collect(),
            ..MatchRule::default()
        };
        assert!(Compiled::new(0, &rule(&[], &[])).is_none());
        assert!(Compiled::new(0, &rule(&["no equals sign"], &[])).is_none());
        assert!(Compiled::new(0, &rule(&[], &[";;"])).is_none());
        let any = Compiled::new(0, &rule(&["shop=*"], &[])).unwrap();
        let tags = [("shop", "bakery")];
        let poi = Poi {
            tags: &tags,
            ..Poi::default()
        };
        assert!(any.matches(&poi, ""));
        assert_eq!(poi.main_tag().as_deref(), Some("shop=bakery"));
    }
}
