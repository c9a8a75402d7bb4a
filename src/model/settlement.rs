//! Town (镇区) or village (乡村): the class of a demand point for the
//! town-and-village comparison (METHOD.md step 20). Its own type so that the
//! spellings planners use in their data are read in one place.

use serde::{Deserialize, Serialize};

/// Whether a demand point lies in a town seat's built-up area or in the
/// countryside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Settlement {
    /// 镇区: the built-up area of a town seat.
    Town,
    /// 乡村: the countryside.
    Village,
}

impl Settlement {
    /// Both classes, town first.
    pub const ALL: [Settlement; 2] = [Settlement::Town, Settlement::Village];

    /// Read a `settlement` value: `town` / `village` or 镇区 / 乡村, case and
    /// spaces ignored. `None` for anything else.
    ///
    /// ```
    /// use lifecircle::model::Settlement;
    /// assert_eq!(Settlement::parse(" Town "), Some(Settlement::Town));
    /// assert_eq!(Settlement::parse("乡 村"), Some(Settlement::Village));
    /// assert_eq!(Settlement::parse("city"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Settlement> {
        let plain: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        match plain.as_str() {
            "town" | "镇区" => Some(Settlement::Town),
            "village" | "乡村" => Some(Settlement::Village),
            _ => None,
        }
    }

    /// The id used in files: `town` or `village`.
    pub fn id(self) -> &'static str {
        match self {
            Settlement::Town => "town",
            Settlement::Village => "village",
        }
    }

    /// The planners' word: 镇区 or 乡村.
    pub fn label_zh(self) -> &'static str {
        match self {
            Settlement::Town => "镇区",
            Settlement::Village => "乡村",
        }
    }
}
