//! Chinese / English user interface text.
//!
//! Every label is written at its call site as a pair,
//! `lang.pick("中文", "English")`, so a label cannot lack a translation and
//! the two versions sit side by side for review. Numbers are formatted by
//! the helpers here so both languages group and round the same way.

/// The language of the user interface, remembered between runs: the same
/// type the reports and the command line use.
pub use crate::report::Lang;

impl Lang {
    /// Both languages, in menu order.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The language's own name, as shown in the language menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    /// A whole number with thousands separators: `12,345`.
    ///
    /// ```
    /// use lifecircle::ui::i18n::Lang;
    /// assert_eq!(Lang::Zh.count(1234567.4), "1,234,567");
    /// assert_eq!(Lang::En.count(-12.0), "-12");
    /// ```
    pub fn count(self, value: f64) -> String {
        if !value.is_finite() {
            return "–".to_string();
        }
        let rounded = value.round();
        let digits = format!("{}", rounded.abs() as u64);
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if rounded < 0.0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// A share 0–1 as a percentage with one decimal: `95.2%`.
    ///
    /// ```
    /// use lifecircle::ui::i18n::Lang;
    /// assert_eq!(Lang::En.percent(0.9523), "95.2%");
    /// ```
    pub fn percent(self, share: f64) -> String {
        if share.is_finite() {
            format!("{:.1}%", share * 100.0)
        } else {
            "–".to_string()
        }
    }

    /// Minutes with one decimal and a unit, or "not reached".
    ///
    /// ```
    /// use lifecircle::ui::i18n::Lang;
    /// assert_eq!(Lang::En.minutes(4.26), "4.3 min");
    /// assert_eq!(Lang::Zh.minutes(f64::INFINITY), "不可达");
    /// ```
    pub fn minutes(self, minutes: f64) -> String {
        if minutes.is_finite() {
            format!("{minutes:.1} {}", self.pick("分钟", "min"))
        } else {
            self.pick("不可达", "not reached").to_string()
        }
    }

    /// The name of a travel mode.
    pub fn mode_name(self, mode: crate::model::Mode) -> &'static str {
        use crate::model::Mode;
        match mode {
            Mode::Walk => self.pick("步行", "walk"),
            Mode::Bike => self.pick("慢行", "bike"),
            Mode::Drive => self.pick("机动车", "drive"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands() {
        assert_eq!(Lang::En.count(0.0), "0");
        assert_eq!(Lang::En.count(999.0), "999");
        assert_eq!(Lang::En.count(1000.0), "1,000");
        assert_eq!(Lang::En.count(-1234.0), "-1,234");
        assert_eq!(Lang::En.count(f64::NAN), "–");
    }

    #[test]
    fn every_pick_in_the_gui_sources_has_two_different_texts() {
        // A label left untranslated shows up as the same text twice.
        let sources = [
            include_str!("data_panel.rs"),
            include_str!("legend.rs"),
            include_str!("map_view.rs"),
            include_str!("profile_panel.rs"),
            include_str!("results_panel.rs"),
            include_str!("../app/mod.rs"),
            include_str!("../state/files.rs"),
            include_str!("../state/mod.rs"),
            include_str!("bars.rs"),
        ];
        let mut pairs = 0;
        for src in sources {
            for part in src.split(".pick(\"").skip(1) {
                let Some((zh, rest)) = part.split_once('"') else {
                    continue;
                };
                let Some(en) = rest.trim_start_matches([',', ' ', '\n']).strip_prefix('"') else {
                    continue;
                };
                let Some((en, _)) = en.split_once('"') else {
                    continue;
                };
                pairs += 1;
                assert_ne!(zh, en, "untranslated label {zh:?}");
                assert!(
                    zh.chars().any(|c| c as u32 >= 0x3000) || zh.trim().is_empty() || zh == en,
                    "the Chinese side of {zh:?} / {en:?} has no Chinese"
                );
            }
        }
        assert!(pairs > 50, "found only {pairs} labels");
    }
}
