//! `check --shard I/N` and `merge`: eight loopback hosts, four shards run one after another,
//! at the same time into one store, and in separate folders brought together with `merge`.
//! Each way, every host is fetched by one shard only and `status` and `report` end as one
//! whole run's.

use std::path::Path;

use crate::server::{Reply, TestServer};
use crate::{Workspace, egov_page};

const SHARDS: usize = 4;

struct Hosts {
    servers: Vec<TestServer>,
}

impl Hosts {
    /// 127.0.0.1 … 127.0.0.8, two pages each.
    fn start() -> Hosts {
        let servers: Vec<TestServer> = (1..=8)
            .map(|i| TestServer::start_on(&format!("127.0.0.{i}")))
            .collect();
        for s in &servers {
            s.set("/a", Reply::html(egov_page("30", "", "")));
            s.set("/b", Reply::html(egov_page("15", "", "")));
        }
        Hosts { servers }
    }

    fn registry(&self) -> String {
        let mut toml = String::from(
            "[settings]\nper_host_interval_ms = 0\nretries = 0\nrespect_robots = false\n\n",
        );
        for (h, s) in self.servers.iter().enumerate() {
            for page in ["a", "b"] {
                toml += &format!(
                    "[[sources]]\nid = \"h{h}-{page}\"\nurl = \"{}\"\nselect = [\"div.info-block-horizontal\"]\n\n",
                    s.url(&format!("/{page}"))
                );
            }
        }
        toml += "[[routes]]\nid = \"r\"\ntitle = \"R\"\n\n";
        for (h, _) in self.servers.iter().enumerate() {
            for (page, days) in [("a", "30"), ("b", "15")] {
                toml += &format!(
                    "[[routes.facts]]\nid = \"f{h}{page}\"\nclaim = \"{days} days\"\n\
                     source = \"h{h}-{page}\"\nquote = \"{days} calendar days\"\n\
                     last_verified = 2026-11-01\n\n"
                );
            }
        }
        toml
    }

    /// Requests each host has had so far.
    fn counts(&self) -> Vec<usize> {
        self.servers
            .iter()
            .map(|s| s.requests("/a").len() + s.requests("/b").len())
            .collect()
    }

    /// The second round's pages: two hosts' first page changed.
    fn change_some(&self) {
        for h in [2, 5] {
            self.servers[h].set("/a", Reply::html(egov_page("45", "", "")));
        }
    }
}

/// The `fields` of each row of `json[list]`, in order: what is compared, without the clocks.
fn rows(json: &serde_json::Value, list: &str, fields: &[&str]) -> serde_json::Value {
    json[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            fields
                .iter()
                .map(|f| row[*f].clone())
                .collect::<serde_json::Value>()
        })
        .collect()
}

/// What `status --format json` says of every fact and in sum, without the clocks.
fn status_view(ws: &Workspace) -> serde_json::Value {
    let run = ws.run(&["status", "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    let json = run.json();
    let fields = [
        "id",
        "flags",
        "source_outcome",
        "quote_found",
        "change",
        "values",
    ];
    serde_json::json!({ "summary": json["summary"], "facts": rows(&json, "facts", &fields) })
}

/// What `report --format json` says of every source and fact, without the clocks.
fn report_view(ws: &Workspace) -> serde_json::Value {
    let run = ws.run(&["report", "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    let json = run.json();
    serde_json::json!({
        "summary": json["summary"],
        "sources": rows(&json, "sources", &["id", "outcome", "sha256"]),
        "facts": rows(&json, "facts", &["id", "flags", "change"]),
    })
}

fn check(ws: &Workspace, args: &[&str]) {
    let run = ws.run(&[&["-q", "check"], args].concat());
    assert!(
        run.code <= 1,
        "check {args:?}: {}\n{}",
        run.code,
        run.stderr
    );
}

/// Runs the shards one after another, shard I in `ws_of(I)`; asserts each host was asked by
/// one shard only, and every host by one.
fn shards_in_turn<'w>(hosts: &Hosts, ws_of: impl Fn(usize) -> &'w Workspace) {
    let mut owner: Vec<Option<usize>> = vec![None; hosts.servers.len()];
    for i in 1..=SHARDS {
        let before = hosts.counts();
        check(ws_of(i), &["--shard", &format!("{i}/{SHARDS}")]);
        for (h, (now, was)) in hosts.counts().iter().zip(before).enumerate() {
            if *now > was {
                assert_eq!(owner[h].replace(i), None, "host {h} fetched by two shards");
            }
        }
    }
    assert!(
        owner.iter().all(Option::is_some),
        "every host fetched: {owner:?}"
    );
}

/// Every file of a store and its bytes (locks and markers aside).
/// `merge` of every folder's store into `into`'s.
fn merge_all(into: &Workspace, folders: &[Workspace]) -> crate::Run {
    let dirs: Vec<String> = folders
        .iter()
        .map(|f| f.path("snapshots").display().to_string())
        .collect();
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(String::as_str));
    into.run(&args)
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".lock") || name == ".dirty" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn shards_in_turn_at_once_and_merged_equal_one_whole_run() {
    let hosts = Hosts::start();
    let toml = hosts.registry();
    let whole = Workspace::new(&toml);
    let in_turn = Workspace::new(&toml);
    let at_once = Workspace::new(&toml);
    let merged = Workspace::new(&toml);
    let folders: Vec<Workspace> = (0..SHARDS).map(|_| Workspace::new(&toml)).collect();
    for round in 0..2 {
        if round == 1 {
            hosts.change_some();
        }
        check(&whole, &[]);
        shards_in_turn(&hosts, |_| &in_turn);
        // At the same time, into one store.
        let mut running: Vec<std::process::Child> = (1..=SHARDS)
            .map(|i| {
                at_once
                    .command(&["-q", "check", "--shard", &format!("{i}/{SHARDS}")])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in running.iter_mut() {
            let status = child.wait().unwrap();
            assert!(
                status.code().is_some_and(|c| c <= 1),
                "a shard at once: {status}"
            );
        }
        // In folders of their own, then merged.
        shards_in_turn(&hosts, |i| &folders[i - 1]);
        let run = merge_all(&merged, &folders);
        assert_eq!(run.code, 0, "{}", run.stderr);

        let expected = status_view(&whole);
        assert_eq!(status_view(&in_turn), expected, "round {round}: in turn");
        assert_eq!(status_view(&at_once), expected, "round {round}: at once");
        assert_eq!(status_view(&merged), expected, "round {round}: merged");
        let expected = report_view(&whole);
        assert_eq!(
            report_view(&in_turn),
            expected,
            "round {round}: report in turn"
        );
        assert_eq!(
            report_view(&at_once),
            expected,
            "round {round}: report at once"
        );
        assert_eq!(
            report_view(&merged),
            expected,
            "round {round}: report merged"
        );
    }
    let flagged = status_view(&whole)["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f[1].as_array().unwrap().is_empty())
        .count();
    assert_eq!(
        flagged,
        2,
        "the two changed pages' facts, no others: {}",
        status_view(&whole)
    );

    // Merging again changes nothing.
    let before = tree(&merged.path("snapshots"));
    let run = merge_all(&merged, &folders);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("0 file(s) written"), "{}", run.stdout);
    assert_eq!(tree(&merged.path("snapshots")), before);
}

#[test]
fn shards_share_the_store_lock_and_shard_numbers_are_checked() {
    let ws = Workspace::new("");
    for bad in ["0/4", "5/4", "two"] {
        let run = ws.run(&["check", "--shard", bad]);
        assert_eq!(run.code, 2, "{bad}");
        assert!(run.stderr.contains("expected I/N"), "{}", run.stderr);
    }
    std::fs::create_dir_all(ws.path("snapshots")).unwrap();
    std::fs::write(ws.path("snapshots/.lock"), "pid 1 since a test\n").unwrap();
    let lock = std::fs::File::open(ws.path("snapshots/.lock")).unwrap();
    // A whole-store writer holds the store: no shard runs.
    lock.lock().unwrap();
    let run = ws.run(&["check", "--shard", "1/2"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("locked"), "{}", run.stderr);
    lock.unlock().unwrap();
    // A shard holds it (shared): no whole-store writer runs, another shard does.
    lock.lock_shared().unwrap();
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("locked"), "{}", run.stderr);
    let run = ws.run(&["check", "--shard", "2/2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The same shard twice at once: refused.
    let same = std::fs::File::create(ws.path("snapshots/.lock-2-of-2")).unwrap();
    same.lock().unwrap();
    let run = ws.run(&["check", "--shard", "2/2"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    drop(same);
    drop(lock);
}

/// A merge stopped after a source's state was taken and before its log and the report were:
/// the same merge run again finishes it.
#[test]
fn a_merge_stopped_halfway_is_finished_by_running_it_again() {
    let server = TestServer::start();
    server.set("/a", Reply::html(egov_page("30", "", "")));
    let toml = format!(
        "[settings]\nper_host_interval_ms = 0\nretries = 0\nrespect_robots = false\n\n\
         [[sources]]\nid = \"a\"\nurl = \"{}\"\nselect = [\"div.info-block-horizontal\"]\n\n\
         [[routes]]\nid = \"r\"\ntitle = \"R\"\n\n[[routes.facts]]\nid = \"f\"\nclaim = \"30\"\n\
         source = \"a\"\nquote = \"30 calendar days\"\nlast_verified = 2026-11-01\n",
        server.url("/a")
    );
    let shard = Workspace::new(&toml);
    check(&shard, &[]);
    let first_report = shard.read("snapshots/LAST_CHECK.json");
    let first_file = shard.read("snapshots/a/source.jsonl");
    server.set("/a", Reply::html(egov_page("45", "", "")));
    check(&shard, &[]);
    let main = Workspace::new(&toml);
    let from = shard.path("snapshots").display().to_string();
    assert_eq!(main.run(&["merge", &from]).code, 0);
    // What a stop after the texts leaves: the new text there, the source's file and the last
    // check's report not yet (as they were after the first check).
    main.write("snapshots/a/source.jsonl", &first_file);
    main.write("snapshots/LAST_CHECK.json", &first_report);
    let run = main.run(&["merge", &from]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        main.read("snapshots/a/source.jsonl"),
        shard.read("snapshots/a/source.jsonl")
    );
    assert_eq!(status_view(&main), status_view(&shard));
    assert_eq!(report_view(&main), report_view(&shard));
    // A stop after the logs, before the report: the logs agree, the report is still the old one.
    main.write("snapshots/LAST_CHECK.json", &first_report);
    let run = main.run(&["merge", &from]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report_view(&main), report_view(&shard));
}
