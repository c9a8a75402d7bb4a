//! The guard of the code's layers: imports only go down.
//!
//! Reads every `src/**/*.rs`, finds each path into the crate (`crate::x…`,
//! `super::…`, grouped `use` lists included; comments skipped) and fails on
//! - a path from a module to a module of the same or a higher layer (the
//!   layers are written once, in [`LAYERS`]), and
//! - a loop between files of one module (`a.rs` uses `b.rs` and `b.rs` uses
//!   `a.rs`, directly or through others). A module's `mod.rs` (or `x.rs` for
//!   `x/`) is the module itself, where its files' shared types and
//!   re-exports live, so paths to and from it are not counted as loops.
//!
//! Unit-test files (`tests.rs`, `*_tests.rs`) are exempt from the layer
//! rule (not from the loop rule): they may check a module through a higher
//! layer.
//!
//! A new panel that imported the shell, or state that imported a panel,
//! fails here with the file and the path that goes up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom layer up; a module may use the
/// modules of lower layers only. Modules on one line are of one layer and
/// may not use each other.
const LAYERS: &[&[&str]] = &[
    &["model", "geodesy"],
    &["generate"],
    &["io", "network"],
    &["analysis"],
    &["report"],
    &["state"],
    &["ui"],
    &["app", "cli"],
];

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

/// A source file and its module path (`["ui", "map_view"]`).
struct SourceFile {
    path: PathBuf,
    module: Vec<String>,
    /// Whether this file is the module's own file (`mod.rs`, `lib.rs`, or
    /// `x.rs` beside a folder `x/`).
    is_module_root: bool,
    text: String,
}

fn collect(dir: &Path, src: &Path, out: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, src, out);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap();
        let mut module: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let last = module.last().cloned().unwrap_or_default();
        let is_module_root = if last == "mod" || last == "lib" || last == "main" {
            module.pop();
            true
        } else {
            path.with_extension("").is_dir()
        };
        let text = std::fs::read_to_string(&path).unwrap();
        out.push(SourceFile {
            path,
            module,
            is_module_root,
            text,
        });
    }
}

/// The text without comments (line comments and doc comments; block
/// comments are not used in this code base) and without string literals'
/// contents, so paths mentioned in docs or messages do not count.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                if c == '"' && prev != '\\' {
                    in_string = false;
                    out.push('"');
                }
                prev = if c == '\\' && prev == '\\' { ' ' } else { c };
                continue;
            }
            if c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' {
                in_string = true;
            }
            out.push(c);
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// Every path that starts at `crate::` or `super::`, as its segments
/// (`super` kept), with grouped lists expanded one level:
/// `use super::{a::B, c}` gives `super::a::B` and `super::c`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let rest = &code[i..];
        let starts = rest.starts_with("crate::") || rest.starts_with("super::");
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if !(starts && boundary) || (i >= 2 && &code[i - 2..i] == "::") {
            i += 1;
            continue;
        }
        let (prefix, end) = read_path(code, i);
        if code[end..].starts_with("::{") {
            let open = end + 2;
            let close = matching_brace(code, open);
            for item in split_top_level(&code[open + 1..close]) {
                let item = item.trim();
                if item.is_empty() || item == "self" {
                    out.push(prefix.clone());
                    continue;
                }
                let mut path = prefix.clone();
                path.extend(
                    item.split("::")
                        .map(|s| s.trim().trim_start_matches('{').to_string())
                        .take_while(|s| is_ident(s)),
                );
                out.push(path);
            }
            i = close + 1;
        } else {
            out.push(prefix);
            i = end;
        }
    }
    out
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The segments of the path starting at `start`, and where it ends.
fn read_path(code: &str, start: usize) -> (Vec<String>, usize) {
    let mut segments = Vec::new();
    let mut i = start;
    loop {
        let len = code[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(code.len() - i);
        if len == 0 {
            break;
        }
        segments.push(code[i..i + len].to_string());
        i += len;
        if code[i..].starts_with("::")
            && code[i + 2..].starts_with(|c: char| c.is_alphabetic() || c == '_')
        {
            i += 2;
        } else {
            break;
        }
    }
    (segments, i)
}

fn matching_brace(code: &str, open: usize) -> usize {
    let mut depth = 0;
    for (k, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + k;
                }
            }
            _ => {}
        }
    }
    code.len()
}

fn split_top_level(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut from) = (0, 0);
    for (k, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[from..k]);
                from = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[from..]);
    parts
}

/// The module a path names, as far as it names modules that have files.
fn resolve(path: &[String], here: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<String> {
    let mut base: Vec<String> = here.to_vec();
    let mut rest = path;
    if rest.first().map(String::as_str) == Some("crate") {
        base.clear();
        rest = &rest[1..];
    } else {
        while rest.first().map(String::as_str) == Some("super") {
            base.pop();
            rest = &rest[1..];
        }
    }
    for seg in rest {
        let mut next = base.clone();
        next.push(seg.clone());
        if modules.contains(&next) {
            base = next;
        } else {
            break;
        }
    }
    base
}

fn files() -> Vec<SourceFile> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &src, &mut files);
    files
}

/// Every file's module and the modules it uses, outside its own module.
fn edges(files: &[SourceFile]) -> Vec<(usize, Vec<String>, Vec<String>)> {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        // Paths resolve from the module the file is: `super` is its parent
        // (for `mod.rs`, the parent of its folder's module).
        for path in crate_paths(&code_only(&f.text)) {
            let target = resolve(&path, &f.module, &modules);
            out.push((i, path, target));
        }
    }
    out
}

#[test]
fn imports_only_go_down_a_layer() {
    let files = files();
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut wrong = Vec::new();
    let mut seen = 0;
    for (i, path, target) in edges(&files) {
        let from = &files[i];
        let (Some(from_top), Some(to_top)) = (from.module.first(), target.first()) else {
            continue;
        };
        // Unit-test files (`tests.rs`, `*_tests.rs`) may check a module with
        // the layers above it (a generator's output through the assessment).
        if from
            .module
            .last()
            .is_some_and(|m| m == "tests" || m.ends_with("_tests"))
        {
            continue;
        }
        if from_top == to_top {
            continue;
        }
        seen += 1;
        let (Some(a), Some(b)) = (layer_of(from_top), layer_of(to_top)) else {
            wrong.push(format!(
                "{}: `{}`: module `{}` or `{}` is not in LAYERS",
                from.path.display(),
                path.join("::"),
                from_top,
                to_top
            ));
            continue;
        };
        if b >= a {
            wrong.push(format!(
                "{}: `{}` goes from `{from_top}` (layer {a}) to `{to_top}` (layer {b})",
                from.path.display(),
                path.join("::")
            ));
        }
    }
    assert!(seen > 100, "found only {seen} paths between modules");
    assert!(
        wrong.is_empty(),
        "imports that go up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_loops_between_the_files_of_a_module() {
    let files = files();
    // File-level graph between siblings that are not module roots.
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let roots: BTreeSet<Vec<String>> = files
        .iter()
        .filter(|f| f.is_module_root)
        .map(|f| f.module.clone())
        .collect();
    for (i, _, target) in edges(&files) {
        let from = &files[i];
        if from.is_module_root || roots.contains(&target) || target == from.module {
            continue;
        }
        // Count the edge at the level of the two files' common parent:
        // `analysis::engine` → `analysis::assess`, `io::crs` → `io::prj`.
        let common = from
            .module
            .iter()
            .zip(&target)
            .take_while(|(a, b)| a == b)
            .count();
        if common + 1 > from.module.len() || common + 1 > target.len() {
            continue;
        }
        let a = from.module[..=common].to_vec();
        let b = target[..=common].to_vec();
        if a != b && !roots.contains(&a) && !roots.contains(&b) {
            graph.entry(a).or_default().insert(b);
        }
    }
    // Every use between two files that lie on a loop: `b` reaches `a` back.
    let reaches = |from: &Vec<String>, to: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(n) = todo.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                todo.extend(graph.get(n).into_iter().flatten());
            }
        }
        false
    };
    let mut loops = Vec::new();
    for (a, targets) in &graph {
        for b in targets {
            if reaches(b, a) {
                loops.push(format!("{} → {}", a.join("::"), b.join("::")));
            }
        }
    }
    assert!(
        loops.is_empty(),
        "uses between files that use each other (move the shared part into a file both import):\n{}",
        loops.join("\n")
    );
}

#[test]
fn the_guard_sees_paths_that_go_up_and_loops() {
    // The parser itself: grouped lists, `super`, comments and strings.
    let code = code_only(
        "use crate::ui::{map_view::MapView, style};\n\
         use super::{engine::{self, x}, Slot};\n\
         // use crate::app::Hidden;\n\
         let s = \"crate::app::InString\";\n\
         let f = crate::state::Action::Cancel;\n",
    );
    let paths: Vec<String> = crate_paths(&code).iter().map(|p| p.join("::")).collect();
    assert_eq!(
        paths,
        [
            "crate::ui::map_view::MapView",
            "crate::ui::style",
            "super::engine",
            "super::Slot",
            "crate::state::Action::Cancel",
        ]
    );
    let modules: BTreeSet<Vec<String>> = [
        vec!["analysis".to_string()],
        vec!["analysis".into(), "engine".into()],
        vec!["ui".into()],
        vec!["ui".into(), "map_view".into()],
    ]
    .into_iter()
    .collect();
    let here = vec!["analysis".to_string(), "assess".to_string()];
    let to = |p: &str| {
        resolve(
            &p.split("::").map(String::from).collect::<Vec<_>>(),
            &here,
            &modules,
        )
    };
    assert_eq!(to("super::engine::facility_seeds"), ["analysis", "engine"]);
    assert_eq!(to("super::Progress"), ["analysis"]);
    assert_eq!(to("crate::ui::map_view::MapView"), ["ui", "map_view"]);
    assert!(layer_of("state") < layer_of("ui"));
    assert!(layer_of("ui") < layer_of("app"));
}
