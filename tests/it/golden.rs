//! Golden reports: each folder of tests/golden holds a fixed last check (`sources.toml`,
//! `snapshots/LAST_CHECK.json`, `snapshots/FORMAT`) and what the real binary's `report` renders
//! from it: `report.md`, `report.html` and `exit-code` (absent: 0). `two-sources` has a change
//! and a bot wall to review; `all-clear` has nothing to review.
//! `UPDATE_GOLDEN=1 cargo test --test it golden` rewrites the expected files after a reviewed
//! change; CI never does.

use std::collections::BTreeMap;

use super::*;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");

/// The case folders, sorted by name.
fn cases() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(GOLDEN)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found
}

fn case_workspace(case: &Path) -> Workspace {
    let ws = Workspace::new(&std::fs::read_to_string(case.join("sources.toml")).unwrap());
    std::fs::create_dir(ws.path("snapshots")).unwrap();
    for f in ["LAST_CHECK.json", "FORMAT"] {
        std::fs::copy(
            case.join("snapshots").join(f),
            ws.path(&format!("snapshots/{f}")),
        )
        .unwrap();
    }
    ws
}

/// Renders `format` for every case and compares it with the case's `file` and `exit-code` (or,
/// with UPDATE_GOLDEN, writes them); fails once, naming every case that differs. Returns each
/// case's rendering by folder name.
fn golden(format: &str, file: &str) -> BTreeMap<String, String> {
    let mut rendered = BTreeMap::new();
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let run = case_workspace(&case).run(&["report", "--format", format]);
        let code = if run.code == 0 {
            String::new()
        } else {
            format!("{}\n", run.code)
        };
        for (expected_file, actual) in [(file, &run.stdout), ("exit-code", &code)] {
            let path = case.join(expected_file);
            if update_golden() {
                if actual.is_empty() {
                    let _ = std::fs::remove_file(&path);
                } else {
                    std::fs::write(&path, actual).unwrap();
                }
            }
            let expected = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(_) if expected_file == "exit-code" => String::new(),
                Err(e) => {
                    failures.push(format!(
                        "{name}/{expected_file}: {e} (UPDATE_GOLDEN=1 makes it)"
                    ));
                    continue;
                }
            };
            if &expected != actual {
                failures.push(format!(
                    "{name}/{expected_file} differs from the golden copy\n--- expected\n{expected}\n--- actual\n{actual}\n{}",
                    run.stderr
                ));
            }
        }
        rendered.insert(name, run.stdout);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(rendered.contains_key("two-sources"), "{rendered:?}");
    rendered
}

#[test]
fn markdown_report_matches_golden() {
    let md = &golden("markdown", "report.md")["two-sources"];
    assert!(
        md.contains("&lt;script&gt;") || md.contains("```diff"),
        "page text stays text"
    );
}

#[test]
fn html_report_matches_golden() {
    let html = &golden("html", "report.html")["two-sources"];
    assert!(!html.contains("<script"), "no script in the report");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !html.contains("src=\"http") && !html.contains("<link"),
        "self-contained"
    );
}

/// The HTML report in a real browser: the page text `<script>alert(1)</script>` and
/// `<img src=x onerror=alert(1)>` must show as text, never become elements.
#[test]
fn html_report_in_headless_chromium() {
    let browser = ["chromium", "chromium-browser"].iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(browser) = browser else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run does)"
        );
        eprintln!("chromium not installed; skipping the browser check");
        return;
    };
    let ws = case_workspace(&Path::new(GOLDEN).join("two-sources"));
    let run = ws.run(&["report", "--format", "html", "--output", "report.html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &format!("file://{}", ws.path("report.html").display()),
        ])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<body>") || dom.contains("<body"),
        "no DOM: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dom.to_lowercase().contains("<script"),
        "a script element was created"
    );
    assert!(
        !dom.to_lowercase().contains("<img"),
        "an img element was created"
    );
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the text is shown as text"
    );
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        dom.contains("<del>45</del>") && dom.contains("<ins>30</ins>"),
        "word diff rendered"
    );
}
