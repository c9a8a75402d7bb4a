//! The scripted frame-time probe. `LIFECIRCLE_FRAME_PROBE=out.json lifecircle
//! [PROJECT]` waits until the study is loaded and assessed, fits the map to
//! it, turns every map layer on, then pans and zooms along a fixed path, one
//! step per frame, records each frame's CPU time, writes a summary to
//! `out.json` and ends the process. It exists so that the map's fluidity at
//! province scale can be measured the same way before and after a change,
//! under `xvfb-run` (software rendering).
//!
//! "Frame CPU time" is eframe's own figure (`Frame::info().cpu_usage`): our
//! UI, egui's tessellation and the GL calls, not the wait for the buffer
//! swap. The time between frame starts (which includes the swap) is kept
//! beside it.
//!
//! Layer: app (a helper of the window shell in `app/mod.rs`); it knows only
//! the map view, egui and the standard library.

use crate::ui::map_view::MapView;
use eframe::egui::{Vec2, vec2};
use std::path::PathBuf;
use std::time::Instant;

/// The environment variable naming the probe's output file.
pub const ENV: &str = "LIFECIRCLE_FRAME_PROBE";

/// Frames after fitting the map before the path starts (first meshes built).
const SETTLE_FRAMES: usize = 40;

/// One step of the path: a pan in points and a zoom factor about the map
/// centre (1 = none).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Move {
    /// Pan, screen points (content follows, as a drag).
    pub pan: Vec2,
    /// Zoom factor (> 1 zooms in).
    pub zoom: f64,
}

/// The fixed path: pans and zooms in and out by an order of magnitude,
/// as a planner looking around the province would; `None` past its end.
pub fn path_step(frame: usize) -> Option<Move> {
    let (pan, zoom) = match frame {
        0..60 => (vec2(6.0, 3.0), 1.0),
        60..100 => (Vec2::ZERO, 1.06),
        100..160 => (vec2(-7.0, -4.0), 1.0),
        160..200 => (Vec2::ZERO, 1.0 / 1.06),
        200..240 => (vec2(5.0, -5.0), 1.0),
        240..280 => (vec2(3.0, 2.0), 1.04),
        280..300 => (vec2(-4.0, 0.0), 1.0 / 1.04),
        _ => return None,
    };
    Some(Move { pan, zoom })
}

/// Mean, 95th percentile and maximum of `values` (milliseconds).
pub fn summary(values: &[f32]) -> (f32, f32, f32) {
    if values.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    let mean = sorted.iter().sum::<f32>() / sorted.len() as f32;
    let p95 = sorted[((sorted.len() - 1) as f32 * 0.95).round() as usize];
    (mean, p95, *sorted.last().unwrap_or(&0.0))
}

/// What the probe saw of the study when it started, for the record.
#[derive(Clone, Debug, Default)]
pub struct StudySize {
    /// Demand points (residents).
    pub residents: usize,
    /// Road segments.
    pub road_segments: usize,
    /// Facilities.
    pub facilities: usize,
    /// Townships.
    pub townships: usize,
}

/// The probe's state (see module docs).
pub struct FrameProbe {
    out: PathBuf,
    launched: Instant,
    /// Frames since the study was ready (`None`: still waiting).
    ready_frames: Option<usize>,
    /// Seconds from launch until loaded and assessed.
    wait_s: f32,
    size: StudySize,
    cpu_ms: Vec<f32>,
    ui_ms: Vec<f32>,
    interval_ms: Vec<f32>,
    /// Map vertices painted per frame.
    vertices: Vec<f32>,
    last_start: Option<Instant>,
}

/// What the shell should do after [`FrameProbe::frame`].
#[derive(Debug, PartialEq)]
pub enum ProbeStep {
    /// Nothing yet (waiting for the study).
    Wait,
    /// Turn every layer on and fit the map to the study.
    Begin,
    /// Keep drawing.
    Continue,
    /// The summary is written (or failed, with the reason): end.
    Finished(Result<PathBuf, String>),
}

impl FrameProbe {
    /// The probe asked for by [`ENV`], if any.
    pub fn from_env() -> Option<Self> {
        let out = std::env::var_os(ENV).filter(|v| !v.is_empty())?;
        Some(Self::new(PathBuf::from(out)))
    }

    /// A probe writing to `out`.
    pub fn new(out: PathBuf) -> Self {
        Self {
            out,
            launched: Instant::now(),
            ready_frames: None,
            wait_s: 0.0,
            size: StudySize::default(),
            cpu_ms: Vec::new(),
            ui_ms: Vec::new(),
            interval_ms: Vec::new(),
            vertices: Vec::new(),
            last_start: None,
        }
    }

    /// Called at the start of each frame: `ready` once the study is loaded
    /// and assessed; `prev_cpu` and `prev_ui` are the previous frame's CPU
    /// and `ui()` seconds. Moves `map` along the path.
    pub fn frame(
        &mut self,
        ready: Option<StudySize>,
        prev_cpu: Option<f32>,
        prev_ui: Option<f32>,
        map: &mut MapView,
    ) -> ProbeStep {
        let now = Instant::now();
        let Some(n) = self.ready_frames else {
            let Some(size) = ready else {
                return ProbeStep::Wait;
            };
            self.size = size;
            self.wait_s = self.launched.elapsed().as_secs_f32();
            self.ready_frames = Some(0);
            return ProbeStep::Begin;
        };
        self.ready_frames = Some(n + 1);
        if n >= SETTLE_FRAMES {
            let step = n - SETTLE_FRAMES;
            // The times reported now are of the previous frame: a step.
            if step > 0 {
                self.cpu_ms.extend(prev_cpu.map(|s| s * 1000.0));
                self.ui_ms.extend(prev_ui.map(|s| s * 1000.0));
                self.vertices
                    .push(map.stats.vertices.iter().sum::<usize>() as f32);
                if let Some(t) = self.last_start {
                    self.interval_ms.push((now - t).as_secs_f32() * 1000.0);
                }
            }
            match path_step(step) {
                Some(m) => {
                    map.pan(m.pan);
                    if m.zoom != 1.0 {
                        map.zoom(m.zoom);
                    }
                }
                None => return ProbeStep::Finished(self.write()),
            }
        }
        self.last_start = Some(now);
        ProbeStep::Continue
    }

    /// The summary as JSON.
    pub fn report(&self) -> serde_json::Value {
        let (cpu_mean, cpu_p95, cpu_max) = summary(&self.cpu_ms);
        let (ui_mean, ui_p95, ui_max) = summary(&self.ui_ms);
        let (int_mean, int_p95, int_max) = summary(&self.interval_ms);
        let (v_mean, _, v_max) = summary(&self.vertices);
        let r = |v: f32| (v as f64 * 100.0).round() / 100.0;
        serde_json::json!({
            "frames": self.cpu_ms.len(),
            "frame_cpu_ms": {"mean": r(cpu_mean), "p95": r(cpu_p95), "max": r(cpu_max)},
            "ui_ms": {"mean": r(ui_mean), "p95": r(ui_p95), "max": r(ui_max)},
            "frame_interval_ms": {"mean": r(int_mean), "p95": r(int_p95), "max": r(int_max)},
            "frame_cpu_ms_each": self.cpu_ms.iter().map(|v| r(*v)).collect::<Vec<_>>(),
            "map_vertices": {"mean": v_mean.round(), "max": v_max},
            "seconds_until_assessed": r(self.wait_s),
            "residents": self.size.residents,
            "road_segments": self.size.road_segments,
            "facilities": self.size.facilities,
            "townships": self.size.townships,
        })
    }

    fn write(&self) -> Result<PathBuf, String> {
        let text = serde_json::to_string_pretty(&self.report()).map_err(|e| e.to_string())?;
        std::fs::write(&self.out, text)
            .map_err(|e| format!("{}: {e}", self.out.display()))
            .map(|()| self.out.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_finite_and_returns_near_its_start_scale() {
        let steps: Vec<Move> = (0..).map_while(path_step).collect();
        assert_eq!(steps.len(), 300);
        let zoom: f64 = steps.iter().map(|m| m.zoom).product();
        // In by 1.06^40 and out by as much; in by 1.04^40 and out by 1.04^20.
        assert!((zoom - 1.04f64.powi(20)).abs() < 1e-9, "{zoom}");
        assert!(steps.iter().any(|m| m.pan != Vec2::ZERO && m.zoom == 1.0));
    }

    #[test]
    fn summary_is_mean_p95_and_max() {
        let v: Vec<f32> = (1..=100).map(|i| i as f32).collect();
        let (mean, p95, max) = summary(&v);
        assert!((mean - 50.5).abs() < 1e-4);
        assert_eq!(p95, 95.0);
        assert_eq!(max, 100.0);
        assert_eq!(summary(&[]), (0.0, 0.0, 0.0));
    }

    #[test]
    fn the_probe_waits_settles_records_and_writes() {
        let dir = std::env::temp_dir().join(format!("lc-probe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("probe.json");
        let mut probe = FrameProbe::new(out.clone());
        let mut map = MapView::default();
        assert_eq!(probe.frame(None, None, None, &mut map), ProbeStep::Wait);
        let size = StudySize {
            residents: 7,
            ..Default::default()
        };
        assert_eq!(
            probe.frame(Some(size), None, None, &mut map),
            ProbeStep::Begin
        );
        let mut frames = 0;
        let finished = loop {
            frames += 1;
            match probe.frame(None, Some(0.010), Some(0.004), &mut map) {
                ProbeStep::Continue => {}
                ProbeStep::Finished(r) => break r,
                other => panic!("{other:?}"),
            }
            assert!(frames < 10_000);
        };
        assert_eq!(finished.as_deref(), Ok(out.as_path()));
        assert_eq!(frames, SETTLE_FRAMES + 301);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(json["frames"], 300);
        assert_eq!(json["frame_cpu_ms"]["max"], 10.0);
        assert_eq!(json["ui_ms"]["mean"], 4.0);
        assert_eq!(json["residents"], 7);
        std::fs::remove_dir_all(&dir).ok();
    }
}
