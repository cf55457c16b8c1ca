//! The data flow, enforced: each module may use only the modules of earlier layers (a leaf uses
//! none), so no module cycle can form and no stage reaches down the pipe. Read from the source
//! text, since Rust itself allows any module to use any other.

use std::collections::BTreeMap;
use std::path::Path;

/// Layers in data-flow order; a module may use modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &[
        "text", "outcome", "atomic", "schedule", "dom", "runtime", "cli", "term",
    ],
    &["registry"],
    &["fetch"],
    &["extract"],
    &["capture"],
    &["store"],
    &["compare"],
    &["assess"],
    &["site"],
    &["report"],
    &["notify"],
    &["check", "status", "probe", "history", "review"],
    &["watch", "demo", "import"],
    &["app", "fuzzing"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// `crate::x` paths named in a file, including `crate::{x, y}`.
fn used_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        } else {
            out.push(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    out
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_uses_only_earlier_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut problems = BTreeMap::new();
    let mut seen_modules = 0;
    for path in all {
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if matches!(top.as_str(), "lib" | "main" | "layering") {
            continue;
        }
        seen_modules += 1;
        let Some(own) = layer_of(&top) else {
            problems.insert(rel.display().to_string(), "is in no layer".to_string());
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        for used in used_modules(&text) {
            if used == top || used.is_empty() {
                continue;
            }
            match layer_of(&used) {
                Some(l) if l < own => {}
                Some(_) => {
                    problems.insert(
                        format!("{} uses crate::{used}", rel.display()),
                        format!("{top} may only use layers before its own"),
                    );
                }
                None => {
                    problems.insert(
                        format!("{} uses crate::{used}", rel.display()),
                        "not a known module".to_string(),
                    );
                }
            }
        }
    }
    assert!(seen_modules > 20, "read the source tree");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_reader_sees_grouped_and_plain_paths() {
    let uses = used_modules("use crate::{a, b::C};\nlet x = crate::c::d();");
    assert_eq!(uses, ["a", "b", "c"]);
}
