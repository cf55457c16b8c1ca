//! Reports as people read them: the saved reports of `tests/cases/reports` (compared byte for
//! byte by `cases::reports_cases`) hold page text as text, and the HTML one, opened in a real
//! browser, creates no element from it.

use super::*;

fn case_output(case: &str, file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases/reports")
            .join(case)
            .join("out")
            .join(file),
    )
    .unwrap()
}

#[test]
fn markdown_report_keeps_page_text_as_text() {
    let md = case_output("two-sources", "report.md");
    assert!(
        md.contains("&lt;script&gt;") || md.contains("```diff"),
        "page text stays text"
    );
}

#[test]
fn html_report_is_self_contained_and_escaped() {
    let html = case_output("two-sources", "report.html");
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
    if !have_tool("chromium", "--version", "chromium") {
        return;
    }
    let ws = cases::report_case_workspace(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/reports/two-sources"),
    );
    let run = ws.run(&["report", "--format", "html", "--output", "report.html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let profile = tempfile::tempdir().unwrap();
    let out = super::reports_layout::chromium(
        &[
            "--disable-quic",
            "--dump-dom",
            &format!("file://{}", ws.path("report.html").display()),
        ],
        profile.path(),
    );
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
