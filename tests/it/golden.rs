//! Golden reports: a fixed last check (tests/golden/two-sources) rendered by the real binary.
//! `UPDATE_GOLDEN=1 cargo test --test it golden` rewrites the expected files after a reviewed
//! change; CI never does.

use super::*;

const CASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/two-sources");

fn case_workspace() -> Workspace {
    let ws = Workspace::new(&std::fs::read_to_string(format!("{CASE}/sources.toml")).unwrap());
    std::fs::create_dir(ws.path("snapshots")).unwrap();
    for f in ["LAST_CHECK.json", "FORMAT"] {
        std::fs::copy(
            format!("{CASE}/snapshots/{f}"),
            ws.path(&format!("snapshots/{f}")),
        )
        .unwrap();
    }
    ws
}

fn golden(format: &str, file: &str) -> String {
    let ws = case_workspace();
    let run = ws.run(&["report", "--format", format]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected_path = format!("{CASE}/{file}");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected_path, &run.stdout).unwrap();
    }
    let expected =
        std::fs::read_to_string(&expected_path).expect("golden file (UPDATE_GOLDEN=1 makes it)");
    assert_eq!(run.stdout, expected, "{file} differs from the golden copy");
    run.stdout
}

#[test]
fn markdown_report_matches_golden() {
    let md = golden("markdown", "report.md");
    assert!(
        md.contains("&lt;script&gt;") || md.contains("```diff"),
        "page text stays text"
    );
}

#[test]
fn html_report_matches_golden() {
    let html = golden("html", "report.html");
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
    let ws = case_workspace();
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
