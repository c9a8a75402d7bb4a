//! Shared set-up of the kittest suites: the real app on the demo district,
//! assessed, with the bundled CJK font installed (kittest panics on glyphs
//! it lacks).

use egui_kittest::Harness;
use lifecircle::app::LifeCircleApp;

/// The demo's townships in file order.
#[allow(dead_code)] // Not every suite lists townships.
pub const TOWNSHIPS: [&str; 9] = lifecircle::generate::DEMO_TOWNSHIPS;

/// The app on the demo district at 1400 × 900, loaded and assessed inline,
/// with no error message showing.
pub fn demo_harness() -> Harness<'static, LifeCircleApp> {
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_context_setup(lifecircle::ui::install_fonts)
        .build_eframe(|cc| LifeCircleApp::with_demo(cc));
    harness.run_ok();
    let app = harness.state();
    assert!(
        app.message().is_none_or(|m| !m.is_error()),
        "{:?}",
        app.message()
    );
    assert!(app.results().is_some(), "the demo was not assessed");
    harness
}
