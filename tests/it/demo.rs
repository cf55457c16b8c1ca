//! `sourcewatch demo` (issue: the real registry, an offline demo, a benchmark).

use std::time::{Duration, Instant};

use super::*;

#[test]
fn demo_runs_offline_and_reports_the_three_changes() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new("");
    let started = Instant::now();
    let run = ws.run(&["demo", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(started.elapsed() < Duration::from_secs(10), "a few seconds");
    assert!(run.stdout.contains("report.html"), "{}", run.stdout);

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();

    // 45 -> 30 under the processing-time fact.
    let pr = source_row(&report, "egov-009pass-mvd-en");
    assert_eq!(pr["outcome"], "changed");
    let diff = pr["diff"].as_str().unwrap();
    assert!(
        diff.contains("-The service is rendered within 45 calendar days."),
        "{diff}"
    );
    assert!(
        diff.contains("+The service is rendered within 30 calendar days."),
        "{diff}"
    );
    assert!(
        pr["hunks"][0]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "kz-pr-it-specialists/processing-time")
    );
    let pt = fact_row(&report, "kz-pr-it-specialists/processing-time");
    assert!(
        pt["closest_passage"]
            .as_str()
            .unwrap()
            .contains("30 calendar days")
    );
    // The removed document is evidence_missing.
    let fp = fact_row(&report, "kz-pr-it-specialists/fingerprinting");
    assert!(
        fp["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "evidence_missing"),
        "{fp}"
    );
    // The bot wall is blocked, and its fact unverifiable, never "changed".
    assert_eq!(
        source_row(&report, "egov-visa-classification")["outcome"],
        "blocked"
    );
    assert_eq!(
        fact_row(&report, "kz-b9-1-digital-nomad/visa-class")["flags"][0],
        "unverifiable"
    );

    // Only the facts the two edits touch are flagged as changed.
    for id in ["photo", "medical-certificate"] {
        let f = fact_row(&report, &format!("kz-pr-it-specialists/{id}"));
        assert!(
            !f["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|fl| fl == "source_changed"),
            "{f}"
        );
        assert_eq!(f["change"], "elsewhere", "{f}");
    }
    assert_eq!(report["summary"]["source_changed"], 2);
    // The terminal report leads with the value change.
    let lead = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("sourcewatch check"))
        .nth(3)
        .unwrap_or_default();
    assert!(
        lead.contains("kz-pr-it-specialists/processing-time  45 calendar days → 30 calendar days"),
        "{}",
        run.stdout
    );

    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.find("45 calendar days → 30 calendar days") < md.find("### Passages changed"),
        "{md}"
    );
    assert!(
        md.contains("touches `kz-pr-it-specialists/processing-time`"),
        "{md}"
    );
    assert!(md.contains("| `blocked` |"), "{md}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<del>45</del>") && html.contains("<ins>30</ins>"));

    // The site's own page: its edit, the figure nobody watches, the date set by hand.
    let route = report["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "kz-pr-it-specialists")
        .unwrap();
    assert_eq!(
        (route["claims"].clone(), route["monitored"].clone()),
        (6.into(), 3.into())
    );
    assert_eq!(route["date_matches"], false, "{route}");
    assert!(
        route["unmonitored"]
            .to_string()
            .contains("Certificate of registration at the place of residence"),
        "{route}"
    );
    assert!(flags(pt).contains(&"page_differs"), "{pt}");
    assert_eq!(pt["published_passage"], "Typical processing: ~30 days.");
    assert!(run.stdout.contains("\nSite\n"), "{}", run.stdout);
    assert!(md.contains("### Site"), "{md}");
}

/// `-q` means quiet everywhere: the demo runs, writes its reports and prints nothing.
#[test]
fn a_quiet_demo_prints_nothing_but_errors() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::new("");
    let run = ws.run(&["-q", "demo", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
    assert!(dir.path().join("report.html").exists());
    // An error still speaks.
    let run = ws.run(&["-q", "demo", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("already holds sources.toml"),
        "{}",
        run.stderr
    );
}

/// `demo --serve` keeps its copy-site up: `check --refresh` in its folder reaches every source
/// (issue 25: the site died with the demo and the check said unreachable).
#[test]
fn demo_serve_keeps_the_copy_site_up_for_the_next_commands() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("demo");
    let ws = Workspace::new("");
    let mut child = ws
        .command(&["demo", "--serve", "--dir", folder.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Stop the demo whatever happens below.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let mut demo = Stop(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut next = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut up = false;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("until Ctrl-C") => up = true,
            Ok(line) if up && line.trim_start().starts_with("sourcewatch ") => {
                next.push(line.trim().to_string());
                if next.len() == 4 {
                    break;
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(
        up && next.len() == 4,
        "the demo did not say what to run next: {next:?}"
    );
    assert!(demo.0.try_wait().unwrap().is_none(), "the demo exited");
    // Each printed command runs in the folder (its arguments as a shell would split them).
    let run_in = |line: &str| {
        let args: Vec<String> = line
            .trim_start_matches("sourcewatch ")
            .split('"')
            .enumerate()
            .flat_map(|(i, part)| {
                if i % 2 == 1 {
                    vec![part.to_string()]
                } else {
                    part.split_whitespace().map(str::to_string).collect()
                }
            })
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_sourcewatch"))
            .args(&args)
            .current_dir(&folder)
            .env_remove("SOURCEWATCH_TODAY")
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for line in &next[..3] {
        let (code, stdout, stderr) = run_in(line);
        assert!(code < 2, "{line}: exit {code}\n{stdout}\n{stderr}");
    }
    let (code, stdout, stderr) = run_in("sourcewatch check --refresh --format json");
    assert!(code < 2, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for source in report["sources"].as_array().unwrap() {
        assert_ne!(source["outcome"], "unreachable", "{source}");
    }
    let pt = fact_row(&report, "kz-pr-it-specialists/processing-time");
    assert!(!flags(pt).contains(&"evidence_missing"), "{pt}");
    drop(demo);
}
