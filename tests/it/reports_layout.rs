//! The HTML report laid out by Chromium at a phone's and a desktop's width (issue 25): a fact's
//! id and its values read as two things, ids, ages and commands never wrap inside, the page
//! never scrolls sideways on a phone, and the `accept` command is shown. The report itself runs
//! no script (its CSP forbids it); a copy with a measuring script appended is what Chromium
//! loads. On failure, screenshots at both widths are left in the test's output folder.

use super::*;

/// A page holding the report in an iframe `WIDTH` px wide (headless Chromium's window is at least
/// 500 px, a phone's is less), measuring its layout once loaded and writing it into the DOM. The
/// report itself keeps its CSP: the script is the outer page's.
const MEASURE: &str = r#"<!doctype html><html><body style="margin:0">
<iframe id="f" style="width:WIDTHpx;height:2400px;border:0" srcdoc="REPORT"></iframe>
<script>
document.getElementById('f').onload = () => {
  const f = document.getElementById('f'), d = f.contentDocument, w = f.contentWindow;
  const all = q => [...d.querySelectorAll(q)];
  const m = {
    width: w.innerWidth,
    scroll: d.documentElement.scrollWidth,
    wrapped: all('.keep').filter(e => e.getClientRects().length > 1).map(e => e.textContent),
    ids: all('li strong').map(e => w.getComputedStyle(e).fontWeight),
    values: all('.value').map(e => w.getComputedStyle(e).fontWeight),
    accept: all('code').filter(c => c.textContent.startsWith('sourcewatch accept ')
      && c.getClientRects().length == 1).length,
    clipped: all('.table').filter(t => t.scrollWidth > t.clientWidth + 1).length,
  };
  document.body.setAttribute('data-measure', JSON.stringify(m));
};
</script></body></html>"#;

/// Headless Chromium with a profile of its own and no traffic of its own besides the page.
pub(super) fn chromium(args: &[&str], profile: &Path) -> Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn html_report_layout_at_phone_and_desktop_widths() {
    if !have_tool("chromium", "--version", "chromium") {
        return;
    }
    let ws = cases::report_case_workspace(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/reports/two-sources"),
    );
    let run = ws.run(&["report", "--format", "html", "--output", "report.html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let html = ws.read("report.html");
    let srcdoc = html.replace('&', "&amp;").replace('"', "&quot;");
    let profile = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for (name, width) in [("phone", 375), ("desktop", 1280)] {
        let page = MEASURE
            .replace("WIDTH", &width.to_string())
            .replace("REPORT", &srcdoc);
        let file = format!("measured-{name}.html");
        ws.write(&file, &page);
        let url = format!("file://{}", ws.path(&file).display());
        let out = chromium(
            &["--window-size=1400,2500", "--dump-dom", &url],
            profile.path(),
        );
        let dom = String::from_utf8_lossy(&out.stdout);
        let Some(json) = dom
            .split("data-measure=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            problems.push(format!(
                "{name}: nothing measured: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        };
        let m: serde_json::Value =
            serde_json::from_str(&json.replace("&quot;", "\"").replace("&amp;", "&")).unwrap();
        if m["width"] != width {
            problems.push(format!("{name}: laid out at {} px", m["width"]));
        }
        if m["scroll"].as_i64() > m["width"].as_i64() {
            problems.push(format!("{name}: scrolls sideways: {m}"));
        }
        if !m["wrapped"].as_array().unwrap().is_empty() {
            problems.push(format!("{name}: wrapped inside: {}", m["wrapped"]));
        }
        let (ids, values) = (&m["ids"], &m["values"]);
        // The id is bold; its values are set apart by weight (and a highlight), not run into it.
        let weight = |v: &serde_json::Value| v.as_str().and_then(|w| w.parse::<u32>().ok());
        if values.as_array().unwrap().is_empty()
            || weight(&values[0]) >= Some(600)
            || weight(&ids[0]) < Some(600)
        {
            problems.push(format!("{name}: an id and its values look alike: {m}"));
        }
        // On a desktop every column of a table is in view, none behind a sideways scroll.
        if name == "desktop" && m["clipped"] != 0 {
            problems.push(format!("{name}: a table scrolls sideways: {m}"));
        }
        if m["accept"] == 0 {
            problems.push(format!("{name}: no accept command on one line: {m}"));
        }
    }
    if !problems.is_empty() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html_report_layout");
        std::fs::create_dir_all(&dir).unwrap();
        let report = format!("file://{}", ws.path("report.html").display());
        for (name, width) in [("phone", 375), ("desktop", 1280)] {
            let shot = dir.join(format!("{name}.png"));
            // The phone's picture is the left part of the measured page: the report at 375 px.
            let page = ws.path(&format!("measured-{name}.html"));
            let at = if width < 500 {
                format!("file://{}", page.display())
            } else {
                report.clone()
            };
            let size = format!("--window-size={},2400", width.max(500));
            let to = format!("--screenshot={}", shot.display());
            chromium(&[&size, &to, &at], profile.path());
        }
        panic!(
            "{}\n(screenshots in {})",
            problems.join("\n"),
            dir.display()
        );
    }
}
