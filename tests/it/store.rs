//! The store survives crashes, refuses a second writer, and detects tampering.

use std::time::Duration;

use super::*;

fn many_sources(server: &TestServer, n: usize, delay_ms: u64) -> String {
    let mut registry = Registry::new().settings(&[
        "retries = 0",
        "per_host_interval_ms = 0",
        "per_host_concurrency = 4",
        "concurrency = 4",
    ]);
    for i in 0..n {
        let path = format!("/p{i}");
        server.set(
            &path,
            Reply::html(format!(
                "<main><h1>Page {i}</h1><p>{}</p></main>",
                "text ".repeat(2000)
            ))
            .fault(Fault::Delay(Duration::from_millis(delay_ms))),
        );
        registry = registry.source(Source::new(&format!("p{i}"), server.url(&path)));
    }
    registry.toml()
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy().starts_with(".tmp-") {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn sigkill_at_any_moment_leaves_a_readable_store() {
    let server = TestServer::start();
    let ws = Workspace::new(&many_sources(&server, 40, 15));
    for kill_after_ms in [20u64, 60, 110, 170, 240] {
        let mut child = ws.spawn_silent(&["-q", "check"]);
        std::thread::sleep(Duration::from_millis(kill_after_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let run = ws.run(&["check", "--format", "json"]);
        assert_eq!(
            run.code, 0,
            "after a kill at {kill_after_ms} ms: {}",
            run.stderr
        );
        let r = run.json();
        for s in r["sources"].as_array().unwrap() {
            let o = s["outcome"].as_str().unwrap();
            assert!(o == "new" || o == "unchanged", "{}: {o}", s["id"]);
        }
        assert_eq!(r["summary"]["sources"], 40);
        assert!(temp_files(&ws.path("snapshots")).is_empty());
        let check = ws.run(&["validate", "--store"]);
        assert_eq!(check.code, 0, "{}", check.stderr);
    }
}

#[test]
fn a_second_run_is_refused_while_the_first_holds_the_lock() {
    let server = TestServer::start();
    let ws = Workspace::new(&many_sources(&server, 2, 1500));
    let mut first = ws
        .command(&["-q", "check"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first run holds the lock.
    let lock = ws.path("snapshots/.lock");
    for _ in 0..200 {
        if std::fs::read_to_string(&lock).is_ok_and(|s| s.starts_with("pid")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = ws.run(&["check"]);
    assert_eq!(second.code, 2, "{}", second.stderr);
    let expected = format!("locked by pid {} since", first.id());
    assert!(second.stderr.contains(&expected), "{}", second.stderr);
    assert_eq!(first.wait().unwrap().code(), Some(0));
    // Once the first is done, the lock is free again.
    assert_eq!(ws.run(&["-q", "check"]).code, 0);
}

#[test]
fn integrity_check_detects_a_tampered_snapshot() {
    let server = TestServer::start();
    let ws = Workspace::new(&many_sources(&server, 2, 0));
    assert_eq!(ws.run(&["-q", "check"]).code, 0);
    assert_eq!(ws.run(&["validate", "--store"]).code, 0);
    let file = ws.only_text_file("p1");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text = text.replace("Page 1", "Page 7");
    std::fs::write(&file, text).unwrap();
    let run = ws.run(&["validate", "--store"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            &file
                .strip_prefix(ws.path(""))
                .unwrap()
                .display()
                .to_string()
        ) && run.stderr.contains("not to its name"),
        "{}",
        run.stderr
    );
}

#[test]
fn source_ids_cannot_escape_the_snapshot_folder() {
    let ws = Workspace::new(
        &Registry::new()
            .source(Source::new("../../etc", "http://127.0.0.1:9/"))
            .toml(),
    );
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("must match"), "{}", run.stderr);
    assert!(!ws.path("snapshots").exists());
}
