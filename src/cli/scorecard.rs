//! `lifecircle scorecard`: each township's tiers against the profile's
//! targets and its 短板, as `scorecard.json` and `scorecard.csv`.

use super::{InputArgs, load_study, write_outputs};
use crate::analysis::{Progress, assess, scorecards};
use crate::report::{self, Lang};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ScorecardArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only this township (its name as in the townships layer).
    #[arg(long)]
    pub township: Option<String>,
    /// Language of the printed summary.
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// `lifecircle scorecard`.
pub fn run_scorecard(args: &ScorecardArgs) -> Result<(), Vec<String>> {
    let study = load_study(&args.input)?;
    for w in &study.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(name) = &args.township
        && !study.layers.townships.iter().any(|t| &t.name == name)
    {
        let names: Vec<&str> = study
            .layers
            .townships
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        return Err(vec![format!(
            "no township {name:?} in the townships layer (townships: {})",
            names.join(", ")
        )]);
    }
    let mut assessment =
        assess(&study.layers, &study.profile, &Progress::new()).map_err(|e| vec![e.to_string()])?;
    let sharing = study.add_shared_figures(&mut assessment);
    let mut cards = scorecards(&assessment, &sharing, &study.layers, &study.profile);
    if let Some(name) = &args.township {
        cards.retain(|c| &c.township == name);
    }
    write_outputs(
        &args.out,
        &[
            ("scorecard.json", report::scorecard_json(&cards)),
            ("scorecard.csv", report::scorecard_csv(&cards)),
        ],
    )?;
    let lang = args.lang;
    for card in &cards {
        println!("{}", card.township);
        for t in &card.tiers {
            let status = match t.met {
                Some(true) => lang.pick("达标", "met"),
                Some(false) => lang.pick("未达标", "not met"),
                None => lang.pick("无目标", "no target"),
            };
            let target = t
                .target
                .map_or(String::new(), |x| format!(" / {:.0}%", x * 100.0));
            println!(
                "  {}: {:.1}%{target} {status}",
                t.tier,
                t.complete_share * 100.0
            );
        }
        for s in &card.shortfalls {
            println!(
                "  {} {} {}: {:.0}",
                lang.pick("短板", "shortfall"),
                s.tier,
                s.category,
                s.not_covered
            );
        }
    }
    println!("→ {}", args.out.display());
    Ok(())
}
