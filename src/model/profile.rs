//! The assessment profile: which categories each life circle (tier) requires,
//! within how many minutes, by which travel mode and at which speeds.
//!
//! The JSON shape is that of `shared/data/helsinki/profile.json`, extended with
//! optional categories, a category catalogue (Chinese and English names), a
//! drive speed table, the no-roads detour factor, and the supply side of
//! METHOD.md steps 10–17 (demand groups with shares, per-township shares,
//! each category's group, unit, default capacity and 千人指标 standard).
//! Every extension has a default, so the plain Helsinki file loads as it is.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Travel mode of a tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Walk,
    Bike,
    Drive,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Walk, Mode::Bike, Mode::Drive];

    /// The id used in files: "walk", "bike", "drive".
    pub fn id(self) -> &'static str {
        match self {
            Mode::Walk => "walk",
            Mode::Bike => "bike",
            Mode::Drive => "drive",
        }
    }

    /// Index 0..3, for per-mode arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether a road of OSM class `highway` may be used (METHOD.md step 2).
    /// Unknown and missing classes are usable.
    pub fn allows(self, highway: Option<&str>) -> bool {
        let Some(h) = highway else { return true };
        let excluded: &[&str] = match self {
            Mode::Walk => &["motorway", "motorway_link", "trunk_link"],
            Mode::Bike => &["motorway", "motorway_link"],
            Mode::Drive => &["footway", "path", "steps", "pedestrian"],
        };
        !excluded.contains(&h)
    }
}

/// A constant speed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModeSpeed {
    pub speed_kmh: f64,
}

/// Drive speeds: `maxspeed` of a road when present, else this table by class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriveSpeeds {
    /// km/h per OSM `highway` class.
    #[serde(default = "DriveSpeeds::default_table")]
    pub speeds_kmh: BTreeMap<String, f64>,
    /// km/h for classes not in the table (METHOD.md: "other 30").
    #[serde(default = "DriveSpeeds::default_other")]
    pub other_kmh: f64,
}

impl DriveSpeeds {
    fn default_table() -> BTreeMap<String, f64> {
        [
            ("motorway", 100.0),
            ("motorway_link", 60.0),
            ("trunk", 80.0),
            ("trunk_link", 50.0),
            ("primary", 60.0),
            ("primary_link", 40.0),
            ("secondary", 50.0),
            ("secondary_link", 40.0),
            ("tertiary", 40.0),
            ("tertiary_link", 30.0),
            ("unclassified", 30.0),
            ("residential", 30.0),
            ("living_street", 10.0),
            ("service", 20.0),
            ("track", 15.0),
            ("road", 30.0),
            ("busway", 30.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn default_other() -> f64 {
        30.0
    }

    /// Speed in km/h of a road of class `highway` with optional `maxspeed`.
    pub fn speed_kmh(&self, highway: Option<&str>, maxspeed_kmh: Option<f64>) -> f64 {
        if let Some(m) = maxspeed_kmh.filter(|m| m.is_finite() && *m > 0.0) {
            return m;
        }
        highway
            .and_then(|h| self.speeds_kmh.get(h).copied())
            .unwrap_or(self.other_kmh)
    }
}

impl Default for DriveSpeeds {
    fn default() -> Self {
        Self {
            speeds_kmh: Self::default_table(),
            other_kmh: Self::default_other(),
        }
    }
}

/// Speeds of the three modes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Modes {
    #[serde(default = "Modes::default_walk")]
    pub walk: ModeSpeed,
    #[serde(default = "Modes::default_bike")]
    pub bike: ModeSpeed,
    #[serde(default)]
    pub drive: DriveSpeeds,
}

impl Modes {
    fn default_walk() -> ModeSpeed {
        ModeSpeed { speed_kmh: 4.5 }
    }
    fn default_bike() -> ModeSpeed {
        ModeSpeed { speed_kmh: 12.0 }
    }
}

impl Default for Modes {
    fn default() -> Self {
        Self {
            walk: Self::default_walk(),
            bike: Self::default_bike(),
            drive: DriveSpeeds::default(),
        }
    }
}

/// One life circle: reach every required category within `minutes` by `mode`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    /// Stable id, e.g. "t5".
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Threshold in minutes (inclusive).
    pub minutes: f64,
    pub mode: Mode,
    /// Required categories: a resident is complete when it reaches all of them.
    pub categories: Vec<String>,
    /// Optional categories: reported, not required for completeness.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<String>,
    /// Goal for the complete share, 0–1 (对标; the scorecard's 达标 line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Where the target comes from, or that it is proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_source: Option<String>,
    /// Other ids the command line accepts for the tier, e.g.
    /// `jurisdiction_30min` for `t30` (see [`Profile::tier_index`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl Tier {
    /// Whether `key` names this tier: its id, one of its aliases, or its
    /// Chinese or English name (English names ignore case).
    pub fn is_named(&self, key: &str) -> bool {
        self.id == key
            || self.aliases.iter().any(|a| a == key)
            || self.name_zh.as_deref() == Some(key)
            || self
                .name_en
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(key))
    }

    /// Required then optional categories, in profile order.
    pub fn all_categories(&self) -> impl Iterator<Item = &str> {
        self.categories
            .iter()
            .chain(self.optional.iter())
            .map(String::as_str)
    }

    /// Display name in the chosen language, falling back to the id.
    pub fn display_name(&self, chinese: bool) -> &str {
        let name = if chinese {
            &self.name_zh
        } else {
            &self.name_en
        };
        name.as_deref().unwrap_or(&self.id)
    }
}

/// A catalogue entry: how a category id is shown to people, and how
/// imported POIs (OSM, Amap/高德 exports) are recognised as this category.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CategoryInfo {
    pub id: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// Ways a POI can belong to this category; any one rule suffices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<MatchRule>,
    /// Optional goal for the covered share of this category, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// The demand group this category serves (METHOD.md step 11); `None`
    /// means everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// What a facility's capacity counts: 座位/seats, 床位/beds, m², 人/people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Capacity of a facility whose data gives none (METHOD.md step 13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_capacity: Option<f64>,
    /// The 千人指标: capacity units per 1,000 people of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_per_1000: Option<f64>,
    /// Where the standard comes from (a clause of a national standard, or
    /// how a proposed value was derived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_source: Option<String>,
    /// Whether the standard is a proposed value (提议值) rather than one a
    /// standard states; reports and the profile panel mark it so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub standard_proposed: bool,
    /// Cost of one new facility in 万元 (10,000 yuan), for the budgeted
    /// plan; without it a proposed default applies (see `model::costs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<f64>,
    /// 万元 per unit of capacity (seat, bed, m²), added to `unit_cost` for
    /// a new facility's `default_capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_unit: Option<f64>,
}

/// A demand group (METHOD.md step 11): the part of the population a category
/// serves, e.g. children 3–6 for kindergartens.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DemandGroup {
    /// Used in `pop_<id>` resident columns and the `--group-shares` table.
    pub id: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// Share of a township's population in the group where neither the
    /// residents nor per-township shares say otherwise (0–1).
    pub share: f64,
    /// How the default share was derived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl DemandGroup {
    /// The group's name in the language asked for, else the other one,
    /// else its id.
    pub fn display_name(&self, chinese: bool) -> &str {
        let (first, second) = if chinese {
            (&self.name_zh, &self.name_en)
        } else {
            (&self.name_en, &self.name_zh)
        };
        [first, second]
            .into_iter()
            .find(|n| !n.is_empty())
            .map_or(self.id.as_str(), String::as_str)
    }
}

/// The profile's supply-side settings, kept together so that profiles
/// without them load unchanged; in JSON they are top-level keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupplySettings {
    /// Demand groups; ids are unique.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<DemandGroup>,
    /// Township name → group id → share (0–1), overriding the group's
    /// default share in that township.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub township_shares: BTreeMap<String, BTreeMap<String, f64>>,
    /// A facility whose load is below this is under-used (METHOD.md step 17).
    #[serde(default = "SupplySettings::default_underused_below")]
    pub underused_below: f64,
}

impl SupplySettings {
    fn default_underused_below() -> f64 {
        0.5
    }
}

impl Default for SupplySettings {
    fn default() -> Self {
        SupplySettings {
            groups: Vec::new(),
            township_shares: BTreeMap::new(),
            underused_below: Self::default_underused_below(),
        }
    }
}

/// One way an imported POI can belong to a category. Every condition that is
/// given must hold; a rule with no `osm`, `amap` or `name` condition matches
/// nothing.
///
/// ```json
/// {"amap": ["医疗保健服务;综合医院;卫生院"], "name": ["卫生室", "服务站"]}
/// {"osm": ["amenity=school", "isced:level=1|primary"]}
/// {"name": ["养老院", "敬老院"], "not_name": ["路", "街"]}
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRule {
    /// OSM tags that must all be present: `key=value`, `key=v1|v2` (any of
    /// the values) or `key=*` (any value). Other attribute tables (e.g.
    /// Geofabrik's `fclass=school`) are matched the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub osm: Vec<String>,
    /// Amap types of which one must match: a type path `大类;中类;小类` or a
    /// contiguous part of one (`综合医院;卫生院`), or a 6-digit type code or
    /// its leading digits (`141204`, `0901`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amap: Vec<String>,
    /// Keywords of which the POI's name must contain one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<String>,
    /// Keywords the POI's name must not contain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_name: Vec<String>,
}

impl MatchRule {
    /// Whether the rule has any condition that can select a POI.
    pub fn is_usable(&self) -> bool {
        !(self.osm.is_empty() && self.amap.is_empty() && self.name.is_empty())
    }
}

/// A user's own decisions for imported category values that the profile's
/// rules do not map, kept with the project: the raw value (a category text,
/// an Amap type `大类;中类;小类`, or an OSM `key=value`) → a category id, or
/// `None` to skip such POIs without a warning.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryMapping {
    pub values: BTreeMap<String, Option<String>>,
}

impl CategoryMapping {
    /// Whether the user decided nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Why a profile cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProfileError {
    #[error("the profile has no tiers")]
    NoTiers,
    #[error("tier {tier:?}: {problem}")]
    BadTier { tier: String, problem: String },
    #[error("category {category:?}: target {target} must be a share between 0 and 1")]
    BadCategoryTarget { category: String, target: f64 },
    #[error("two tiers share the id {0:?}")]
    DuplicateTier(String),
    #[error("mode {mode}: speed {speed} km/h must be a positive number")]
    BadSpeed { mode: &'static str, speed: f64 },
    #[error("detour factor {0} must be at least 1")]
    BadDetour(f64),
    #[error("group {group:?}: {problem}")]
    BadGroup { group: String, problem: String },
    #[error("category {category:?}: {problem}")]
    BadCategory { category: String, problem: String },
    #[error("township_shares of {township:?}: {problem}")]
    BadTownshipShare { township: String, problem: String },
    #[error("underused_below {0} must be a number between 0 and 1")]
    BadUnderused(f64),
}

/// Whether `x` can be a share of a population.
fn is_share(x: f64) -> bool {
    x.is_finite() && (0.0..=1.0).contains(&x)
}

/// The assessment profile (see module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub modes: Modes,
    pub tiers: Vec<Tier>,
    /// Category catalogue; categories used by tiers need not be listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryInfo>,
    /// Straight-line × this factor when there is no road layer (METHOD.md step 9).
    #[serde(default = "Profile::default_detour")]
    pub detour_factor: f64,
    /// Groups, per-township shares and the under-use threshold.
    #[serde(flatten)]
    pub supply: SupplySettings,
}

impl Profile {
    fn default_detour() -> f64 {
        1.3
    }

    /// Parse and validate a profile from JSON text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let p: Profile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        p.validate().map_err(|e| e.to_string())?;
        Ok(p)
    }

    /// The tier named `key` (an id first, then an alias or name; see
    /// [`Tier::is_named`]).
    pub fn tier_index(&self, key: &str) -> Option<usize> {
        (self.tiers.iter().position(|t| t.id == key))
            .or_else(|| self.tiers.iter().position(|t| t.is_named(key)))
    }

    /// Checks that the profile can be assessed with.
    pub fn validate(&self) -> Result<(), ProfileError> {
        if self.tiers.is_empty() {
            return Err(ProfileError::NoTiers);
        }
        for (i, t) in self.tiers.iter().enumerate() {
            if self.tiers[..i].iter().any(|o| o.id == t.id) {
                return Err(ProfileError::DuplicateTier(t.id.clone()));
            }
            let bad = |problem: &str| ProfileError::BadTier {
                tier: t.id.clone(),
                problem: problem.to_string(),
            };
            if !(t.minutes.is_finite() && t.minutes > 0.0 && t.minutes <= 24.0 * 60.0) {
                return Err(bad("minutes must be a number between 0 and 1440"));
            }
            if t.categories.is_empty() {
                return Err(bad("lists no required category"));
            }
            if t.target.is_some_and(|x| !(0.0..=1.0).contains(&x)) {
                return Err(bad("target must be a share between 0 and 1 (e.g. 0.9)"));
            }
            let other = |a: &str| self.tiers.iter().any(|o| o.id != t.id && o.is_named(a));
            if let Some(a) = t.aliases.iter().find(|a| other(a)) {
                return Err(bad(&format!("alias {a:?} also names another tier")));
            }
        }
        if let Some(c) = self
            .categories
            .iter()
            .find(|c| c.target.is_some_and(|x| !(0.0..=1.0).contains(&x)))
        {
            return Err(ProfileError::BadCategoryTarget {
                category: c.id.clone(),
                target: c.target.unwrap_or_default(),
            });
        }
        for (mode, speed) in [
            ("walk", self.modes.walk.speed_kmh),
            ("bike", self.modes.bike.speed_kmh),
            ("drive", self.modes.drive.other_kmh),
        ] {
            if !(speed.is_finite() && speed > 0.0) {
                return Err(ProfileError::BadSpeed { mode, speed });
            }
        }
        if let Some(speed) = self
            .modes
            .drive
            .speeds_kmh
            .values()
            .copied()
            .find(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err(ProfileError::BadSpeed {
                mode: "drive",
                speed,
            });
        }
        if !(self.detour_factor.is_finite() && self.detour_factor >= 1.0) {
            return Err(ProfileError::BadDetour(self.detour_factor));
        }
        self.validate_costs()?;
        self.validate_supply()
    }

    /// The supply-side checks of [`Profile::validate`]: group ids, shares in
    /// 0–1, known group ids in categories and township shares, non-negative
    /// capacities and standards.
    fn validate_supply(&self) -> Result<(), ProfileError> {
        let groups = &self.supply.groups;
        for (i, g) in groups.iter().enumerate() {
            let bad = |problem: String| ProfileError::BadGroup {
                group: g.id.clone(),
                problem,
            };
            if g.id.trim().is_empty() {
                return Err(bad("the id is empty".into()));
            }
            if groups[..i].iter().any(|o| o.id == g.id) {
                return Err(bad("two groups share this id".into()));
            }
            if !is_share(g.share) {
                return Err(bad(format!(
                    "share {} must be a number between 0 and 1",
                    g.share
                )));
            }
        }
        let known = |id: &str| groups.iter().any(|g| g.id == id);
        for c in &self.categories {
            let bad = |problem: String| ProfileError::BadCategory {
                category: c.id.clone(),
                problem,
            };
            if let Some(g) = c.group.as_deref().filter(|g| !known(g)) {
                return Err(bad(format!(
                    "group {g:?} is not one of the profile's groups"
                )));
            }
            for (key, value) in [
                ("default_capacity", c.default_capacity),
                ("standard_per_1000", c.standard_per_1000),
            ] {
                if let Some(v) = value.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                    return Err(bad(format!("{key} {v} must be a number of at least 0")));
                }
            }
        }
        for (township, shares) in &self.supply.township_shares {
            for (group, &share) in shares {
                let bad = |problem: String| ProfileError::BadTownshipShare {
                    township: township.clone(),
                    problem,
                };
                if !known(group) {
                    return Err(bad(format!(
                        "group {group:?} is not one of the profile's groups"
                    )));
                }
                if !is_share(share) {
                    return Err(bad(format!(
                        "share {share} of group {group:?} must be a number between 0 and 1"
                    )));
                }
            }
        }
        if !is_share(self.supply.underused_below) {
            return Err(ProfileError::BadUnderused(self.supply.underused_below));
        }
        Ok(())
    }

    /// Checks that every township named in `township_shares` is one of
    /// `townships` (the study's township names), so a misspelt name is
    /// reported rather than silently ignored.
    pub fn check_township_shares<'a>(
        &self,
        townships: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<(), ProfileError> {
        for name in self.supply.township_shares.keys() {
            if !townships.clone().into_iter().any(|t| t == name) {
                return Err(ProfileError::BadTownshipShare {
                    township: name.clone(),
                    problem: "no township of the study has this name".into(),
                });
            }
        }
        Ok(())
    }

    /// The demand group a category serves (its catalogue entry's `group`);
    /// `None`: everyone.
    pub fn category_group(&self, category: &str) -> Option<&str> {
        self.categories
            .iter()
            .find(|c| c.id == category)
            .and_then(|c| c.group.as_deref())
    }

    /// A category's catalogue entry.
    pub fn category_info(&self, category: &str) -> Option<&CategoryInfo> {
        self.categories.iter().find(|c| c.id == category)
    }

    /// A demand group by id.
    pub fn group(&self, id: &str) -> Option<&DemandGroup> {
        self.supply.groups.iter().find(|g| g.id == id)
    }

    /// The share of `group` in `township` from the profile: the township's
    /// own share if `township_shares` gives one, else the group's default.
    pub fn group_share(&self, township: &str, group: &str) -> Option<f64> {
        self.supply
            .township_shares
            .get(township)
            .and_then(|s| s.get(group))
            .copied()
            .or_else(|| self.group(group).map(|g| g.share))
    }

    /// Every category id the profile knows: the catalogue, then any tier
    /// category not in it, without repeats.
    pub fn category_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.categories.iter().map(|c| c.id.as_str()).collect();
        for t in &self.tiers {
            for c in t.all_categories() {
                if !ids.contains(&c) {
                    ids.push(c);
                }
            }
        }
        ids
    }

    /// Display name of a category in the chosen language, falling back to the id.
    pub fn category_name<'a>(&'a self, id: &'a str, chinese: bool) -> &'a str {
        self.categories
            .iter()
            .find(|c| c.id == id)
            .map(|c| if chinese { &c.name_zh } else { &c.name_en })
            .filter(|n| !n.is_empty())
            .map(String::as_str)
            .unwrap_or(id)
    }

    /// Constant speed of walk or bike in metres per second; `None` for drive.
    pub fn constant_speed_mps(&self, mode: Mode) -> Option<f64> {
        match mode {
            Mode::Walk => Some(self.modes.walk.speed_kmh / 3.6),
            Mode::Bike => Some(self.modes.bike.speed_kmh / 3.6),
            Mode::Drive => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helsinki_shape_loads_with_defaults() {
        let text = r#"{"name":"h","modes":{"walk":{"speed_kmh":4.5}},
            "tiers":[{"id":"a","minutes":5,"mode":"walk","categories":["grocery"]}]}"#;
        let p = Profile::from_json(text).unwrap();
        assert_eq!(p.modes.bike.speed_kmh, 12.0);
        assert_eq!(p.detour_factor, 1.3);
        assert_eq!(p.modes.drive.speed_kmh(Some("primary"), None), 60.0);
        assert_eq!(p.modes.drive.speed_kmh(Some("weird"), None), 30.0);
        assert_eq!(p.modes.drive.speed_kmh(Some("primary"), Some(70.0)), 70.0);
        assert_eq!(p.category_ids(), vec!["grocery"]);
    }

    #[test]
    fn rejects_bad_profiles() {
        let bad = r#"{"tiers":[{"id":"a","minutes":-5,"mode":"walk","categories":["x"]}]}"#;
        assert!(Profile::from_json(bad).unwrap_err().contains("minutes"));
        let dup = r#"{"tiers":[{"id":"a","minutes":5,"mode":"walk","categories":["x"]},
                               {"id":"a","minutes":6,"mode":"walk","categories":["x"]}]}"#;
        assert!(
            Profile::from_json(dup)
                .unwrap_err()
                .contains("share the id")
        );
        assert!(Profile::from_json("{}").is_err());
    }

    #[test]
    fn a_tier_is_found_by_id_alias_or_name_and_aliases_must_be_unique() {
        let text = r#"{"tiers":[
            {"id":"t5","aliases":["neighbourhood_5min"],"minutes":5,"mode":"walk","categories":["x"]},
            {"id":"t30","aliases":["jurisdiction_30min"],"name_zh":"30分钟辖区生活圈",
             "name_en":"30-minute jurisdiction circle","minutes":30,"mode":"drive","categories":["x"]}]}"#;
        let p = Profile::from_json(text).unwrap();
        assert_eq!(p.tier_index("t30"), Some(1));
        assert_eq!(p.tier_index("jurisdiction_30min"), Some(1));
        assert_eq!(p.tier_index("neighbourhood_5min"), Some(0));
        assert_eq!(p.tier_index("30分钟辖区生活圈"), Some(1));
        assert_eq!(p.tier_index("30-Minute Jurisdiction Circle"), Some(1));
        assert_eq!(p.tier_index("t15"), None);
        // An alias that is another tier's id is refused, naming the tier.
        let clash = r#"{"tiers":[
            {"id":"t5","aliases":["t30"],"minutes":5,"mode":"walk","categories":["x"]},
            {"id":"t30","minutes":30,"mode":"drive","categories":["x"]}]}"#;
        let err = Profile::from_json(clash).unwrap_err();
        assert!(err.contains("t5") && err.contains("alias"), "{err}");
    }

    const SUPPLY: &str = r#"{"tiers":[{"id":"a","minutes":5,"mode":"walk","categories":["kindergarten"]}],
        "groups":[{"id":"children_3_6","name_zh":"3-6","share":0.03}],
        "categories":[{"id":"kindergarten","group":"children_3_6","unit":"seats",
                       "standard_per_1000":1000,"standard_proposed":true}],
        "township_shares":{"East":{"children_3_6":0.05}}}"#;

    #[test]
    fn supply_settings_load_and_shares_fall_back_to_the_group() {
        let p = Profile::from_json(SUPPLY).unwrap();
        assert_eq!(p.supply.underused_below, 0.5);
        assert_eq!(p.group_share("East", "children_3_6"), Some(0.05));
        assert_eq!(p.group_share("West", "children_3_6"), Some(0.03));
        assert_eq!(p.group_share("West", "elderly_60"), None);
        assert!(p.categories[0].standard_proposed);
        let back = Profile::from_json(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        assert!(p.check_township_shares(["East", "West"]).is_ok());
        let err = p.check_township_shares(["Eest", "West"]).unwrap_err();
        assert!(err.to_string().contains("\"East\""), "{err}");
        // Profiles without supply settings serialise without the new keys.
        let plain = Profile::from_json(
            r#"{"tiers":[{"id":"a","minutes":5,"mode":"walk","categories":["x"]}]}"#,
        )
        .unwrap();
        let text = serde_json::to_string(&plain).unwrap();
        assert!(!text.contains("groups") && !text.contains("township_shares"));
    }

    #[test]
    fn rejects_bad_supply_settings_naming_the_entry() {
        let cases = [
            (r#""share":0.03}"#, r#""share":1.5}"#, "children_3_6"),
            (
                r#""group":"children_3_6","unit""#,
                r#""group":"children_9","unit""#,
                "children_9",
            ),
            (
                r#""standard_per_1000":1000"#,
                r#""standard_per_1000":-1"#,
                "kindergarten",
            ),
            (
                r#""unit":"seats","#,
                r#""unit":"seats","default_capacity":-3,"#,
                "default_capacity",
            ),
            (
                r#"{"children_3_6":0.05}"#,
                r#"{"children_3_6":-0.1}"#,
                "East",
            ),
            (
                r#"{"children_3_6":0.05}"#,
                r#"{"elderly_60":0.1}"#,
                "elderly_60",
            ),
            (
                r#""share":0.03}]"#,
                r#""share":0.03},{"id":"children_3_6","share":0.1}]"#,
                "share this id",
            ),
        ];
        for (from, to, named) in cases {
            assert!(SUPPLY.contains(from), "{from}");
            let err = Profile::from_json(&SUPPLY.replace(from, to)).unwrap_err();
            assert!(err.contains(named), "{to}: {err}");
        }
        let text = SUPPLY.replace(
            r#""township_shares""#,
            r#""underused_below":2,"township_shares""#,
        );
        assert!(
            Profile::from_json(&text)
                .unwrap_err()
                .contains("underused_below")
        );
        let text = SUPPLY.replace(r#""share":0.03"#, r#""share":"many""#);
        assert!(Profile::from_json(&text).is_err());
    }

    #[test]
    fn mode_exclusions_follow_method() {
        assert!(!Mode::Walk.allows(Some("motorway")));
        assert!(Mode::Walk.allows(Some("trunk")));
        assert!(Mode::Bike.allows(Some("trunk_link")));
        assert!(!Mode::Drive.allows(Some("steps")));
        assert!(Mode::Drive.allows(Some("trail")));
        assert!(Mode::Drive.allows(None));
    }
}
