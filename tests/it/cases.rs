//! Case folders: `tests/cases/<kind>/<case>/in/` goes through the real binary, and what it
//! produced is compared byte for byte with `out/`. One driver per kind:
//!
//! - `extract`: `in/page.html` is served (Content-Type from `in/content-type`, default
//!   `text/html; charset=utf-8`) as the one source of a registry whose source table also holds the
//!   lines of `in/source.toml` (`select`, `exclude`, `ignore`, `charset`, …); after `check`,
//!   `out/text.txt` is the normalised text stored in `snapshots/<id>/text/`, or, when the capture
//!   failed and nothing was stored, `out/outcome.txt` the outcome (`selector_missing`, `empty`).
//! - `diagnostics`: `sourcewatch validate` on `in/sources.toml`; `out/stderr.txt`,
//!   `out/stdout.txt`, `out/exit-code`.
//! - `edit`: the command line `sourcewatch <in/args>` on `in/sources.toml`; `out/sources.toml`
//!   (the file afterwards), `out/stdout.txt`, `out/stderr.txt`, `out/exit-code`.
//! - `reports`: a fixed last check (`in/sources.toml`, `in/LAST_CHECK.json`, `in/FORMAT`) and
//!   what `report` renders from it: `out/report.md`, `out/report.html`, `out/exit-code`.
//! - `quotes`: `in/page.html` is served as one source, and each line of `in/quotes.txt` is the
//!   quote of one fact on it; after `check`, `out/found.txt` says per quote whether it was
//!   found, how many times and in which passages, or the closest passage.
//!
//! An output file that is absent stands for empty output (exit code 0). Every case runs, and the
//! test fails once, listing every case that differs. `UPDATE_GOLDEN=1 cargo test --test it cases`
//! writes `out/` from what the binary did instead (and removes files for empty output); review the
//! diff before committing it.

use std::collections::BTreeMap;

use super::*;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");

/// What one run produced, by file name under `out/`.
pub(super) type Produced = BTreeMap<&'static str, Vec<u8>>;

/// The case folders of `kind`, sorted by name.
fn cases(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(CASES).join(kind);
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no cases in {}", dir.display());
    found
}

fn read_in(case: &Path, name: &str) -> Option<Vec<u8>> {
    let path = case.join("in").join(name);
    path.exists().then(|| std::fs::read(&path).unwrap())
}

pub(super) fn read_in_text(case: &Path, name: &str) -> Option<String> {
    read_in(case, name).map(|b| String::from_utf8(b).unwrap())
}

pub(super) fn exit_code(code: i32) -> Vec<u8> {
    if code == 0 {
        Vec::new()
    } else {
        format!("{code}\n").into_bytes()
    }
}

/// Shows bytes as text where they are UTF-8, escaped where not.
fn show(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => format!("{:?}", String::from_utf8_lossy(bytes)),
    }
}

/// Runs `run` on every case of `kind` whose `in/` holds only `inputs`, then compares (or with
/// UPDATE_GOLDEN writes) `out/`; panics once, naming every case that differs.
pub(super) fn drive(
    kind: &str,
    inputs: &[&str],
    run: impl Fn(&str, &Path) -> Result<Produced, String>,
) {
    let update = update_golden();
    let mut failures = Vec::new();
    for case in cases(kind) {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let problems = check_case(&name, &case, inputs, update, &run);
        failures.extend(problems.into_iter().map(|p| format!("{kind}/{name}: {p}")));
    }
    assert!(
        failures.is_empty(),
        "{} case failure(s) (UPDATE_GOLDEN=1 rewrites out/ after a reviewed change):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn check_case(
    name: &str,
    case: &Path,
    inputs: &[&str],
    update: bool,
    run: &impl Fn(&str, &Path) -> Result<Produced, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(case.join("in")).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !inputs.contains(&file.as_str()) {
            problems.push(format!(
                "in/{file} is not an input here (known: {inputs:?})"
            ));
        }
    }
    let produced = match run(name, case) {
        Ok(p) => p,
        Err(e) => {
            problems.push(e);
            return problems;
        }
    };
    let out = case.join("out");
    if update {
        std::fs::create_dir_all(&out).unwrap();
        for (file, bytes) in &produced {
            let path = out.join(file);
            if bytes.is_empty() {
                let _ = std::fs::remove_file(&path);
            } else {
                std::fs::write(&path, bytes).unwrap();
            }
        }
    }
    if !out.is_dir() {
        problems.push("no out/ folder (UPDATE_GOLDEN=1 makes it)".to_string());
        return problems;
    }
    for entry in std::fs::read_dir(&out).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !produced.contains_key(file.as_str()) {
            problems.push(format!(
                "out/{file} is not an output here (known: {:?})",
                produced.keys().collect::<Vec<_>>()
            ));
        }
    }
    for (file, actual) in &produced {
        let expected = std::fs::read(out.join(file)).unwrap_or_default();
        if &expected != actual {
            problems.push(format!(
                "out/{file} differs\n--- expected\n{}\n--- actual\n{}",
                show(&expected),
                show(actual)
            ));
        }
    }
    problems
}

/// The id of the one source an extract case's registry holds.
const PAGE: &str = "page";

#[test]
fn extract_cases() {
    let server = TestServer::start();
    drive(
        "extract",
        &["page.html", "source.toml", "content-type"],
        |name, case| {
            let path = format!("/{name}");
            let body = read_in(case, "page.html").ok_or("no in/page.html")?;
            let content_type = read_in_text(case, "content-type")
                .map_or("text/html; charset=utf-8".to_string(), |c| {
                    c.trim().to_string()
                });
            let mut reply = Reply::status(200).body(body);
            if !content_type.is_empty() {
                reply = reply.header("Content-Type", &content_type);
            }
            server.set(&path, reply);
            let mut source = Source::new(PAGE, server.url(&path));
            if let Some(lines) = read_in_text(case, "source.toml") {
                source = source.line(&lines);
            }
            let ws = Workspace::new(
                &Registry::new()
                    .settings(&["retries = 0", "per_host_interval_ms = 0"])
                    .source(source)
                    .toml(),
            );
            let run = ws.run(&["check", "--format", "json"]);
            if run.code == 2 {
                return Err(format!("check exited 2:\n{}", run.stderr));
            }
            let outcome = source_row(&run.json(), PAGE)["outcome"]
                .as_str()
                .unwrap()
                .to_string();
            let (text, outcome) = if outcome == "new" {
                (std::fs::read(ws.only_text_file(PAGE)).unwrap(), Vec::new())
            } else {
                (Vec::new(), format!("{outcome}\n").into_bytes())
            };
            Ok(Produced::from([
                ("text.txt", text),
                ("outcome.txt", outcome),
            ]))
        },
    );
}

#[test]
fn diagnostics_cases() {
    drive("diagnostics", &["sources.toml"], |_, case| {
        let toml = read_in_text(case, "sources.toml").ok_or("no in/sources.toml")?;
        let run = Workspace::new(&toml).run(&["validate"]);
        Ok(Produced::from([
            ("stdout.txt", run.stdout.into_bytes()),
            ("stderr.txt", run.stderr.into_bytes()),
            ("exit-code", exit_code(run.code)),
        ]))
    });
}

#[test]
fn edit_cases() {
    drive("edit", &["sources.toml", "args"], |_, case| {
        let toml = read_in_text(case, "sources.toml").ok_or("no in/sources.toml")?;
        let args = read_in_text(case, "args").ok_or("no in/args")?;
        let args: Vec<&str> = args.split_whitespace().collect();
        let ws = Workspace::new(&toml);
        let run = ws.run(&args);
        Ok(Produced::from([
            ("sources.toml", ws.read("sources.toml").into_bytes()),
            ("stdout.txt", run.stdout.into_bytes()),
            ("stderr.txt", run.stderr.into_bytes()),
            ("exit-code", exit_code(run.code)),
        ]))
    });
}

#[test]
fn quotes_cases() {
    let server = TestServer::start();
    drive("quotes", &["page.html", "quotes.txt"], |name, case| {
        let path = format!("/{name}");
        let body = read_in(case, "page.html").ok_or("no in/page.html")?;
        server.set(
            &path,
            Reply::status(200)
                .header("Content-Type", "text/html; charset=utf-8")
                .body(body),
        );
        let quotes = read_in_text(case, "quotes.txt").ok_or("no in/quotes.txt")?;
        let quotes: Vec<&str> = quotes.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut route = Route::new("r", "R");
        for (i, q) in quotes.iter().enumerate() {
            route = route.fact(Fact::new(&format!("q{i}"), "claim", PAGE, "2026-11-20").quote(q));
        }
        let ws = Workspace::new(
            &Registry::new()
                .settings(&["retries = 0", "per_host_interval_ms = 0"])
                .source(Source::new(PAGE, server.url(&path)))
                .route(route)
                .toml(),
        );
        let run = ws.run(&["check", "--format", "json"]);
        if run.code == 2 {
            return Err(format!("check exited 2:\n{}", run.stderr));
        }
        let report = run.json();
        let mut found = String::new();
        for (i, q) in quotes.iter().enumerate() {
            let row = fact_row(&report, &format!("r/q{i}"));
            let line = match row["quote_count"].as_u64() {
                Some(0) => format!(
                    "not found; closest: “{}”",
                    row["closest_passage"].as_str().unwrap_or("")
                ),
                Some(1) => "found once".to_string(),
                Some(n) => {
                    let passages: Vec<String> = row["quote_passages"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| format!("“{}”", p.as_str().unwrap_or("")))
                        .collect();
                    format!("found {n} times: {}", passages.join(" · "))
                }
                None => format!("not searched: {}", row["flags"]),
            };
            found.push_str(&format!("“{q}”: {line}\n"));
        }
        Ok(Produced::from([("found.txt", found.into_bytes())]))
    });
}

/// The workspace of a `reports` case: its registry and its saved last check.
pub(crate) fn report_case_workspace(case: &Path) -> Workspace {
    let ws = Workspace::new(&read_in_text(case, "sources.toml").expect("in/sources.toml"));
    std::fs::create_dir(ws.path("snapshots")).unwrap();
    for f in ["LAST_CHECK.json", "FORMAT"] {
        std::fs::write(
            ws.path(&format!("snapshots/{f}")),
            read_in(case, f).unwrap_or_else(|| panic!("in/{f}")),
        )
        .unwrap();
    }
    ws
}

#[test]
fn reports_cases() {
    drive(
        "reports",
        &["sources.toml", "LAST_CHECK.json", "FORMAT"],
        |_, case| {
            let ws = report_case_workspace(case);
            let md = ws.run(&["report", "--format", "markdown"]);
            let html = ws.run(&["report", "--format", "html"]);
            if md.code == 2 || html.code == 2 {
                return Err(format!("report exited 2:\n{}{}", md.stderr, html.stderr));
            }
            Ok(Produced::from([
                ("report.md", md.stdout.into_bytes()),
                ("report.html", html.stdout.into_bytes()),
                ("exit-code", exit_code(md.code)),
            ]))
        },
    );
}
