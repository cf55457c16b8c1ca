//! A store of format 1 (`tests/fixtures/store-v1`, written by the build before format 2: a
//! changed and accepted page, a verified fact, a 304, a 404; one source from before raw bodies'
//! hashes were recorded) is migrated on first use, keeping everything, and a kill at any moment
//! of the migration leaves a store the next run finishes and reads whole.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Instant;

use serde_json::Value;

use super::*;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A workspace holding the format-1 store, each source folder also copied `copies` times (as
/// `<id>-<k>`) to make the migration long enough to be stopped in the middle.
fn old_store(copies: usize) -> Workspace {
    let ws = Workspace::new(&std::fs::read_to_string(fixture().join("sources.toml")).unwrap());
    let snapshots = ws.path("snapshots");
    copy_dir(&fixture().join("snapshots"), &snapshots);
    for id in ["permit", "fees", "list"] {
        for k in 0..copies {
            copy_dir(&snapshots.join(id), &snapshots.join(format!("{id}-{k}")));
        }
    }
    ws
}

/// What a format-1 source folder held: its state, its capture lines, its texts and its raw
/// bodies unpacked, by the text's SHA-256.
struct OldSource {
    state: Value,
    captures: Vec<Value>,
    texts: BTreeMap<String, Vec<u8>>,
    raw_bodies: BTreeMap<String, Vec<u8>>,
}

fn read_old(folder: &Path) -> OldSource {
    let files = |sub: &str, ext: &str| -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(folder.join(sub))
            .unwrap()
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let sha = name.strip_suffix(ext).unwrap().to_string();
                (sha, std::fs::read(e.path()).unwrap())
            })
            .collect()
    };
    OldSource {
        state: serde_json::from_str(&std::fs::read_to_string(folder.join("state.json")).unwrap())
            .unwrap(),
        captures: std::fs::read_to_string(folder.join("captures.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        texts: files("text", ".txt"),
        raw_bodies: files("raw", ".gz")
            .into_iter()
            .map(|(sha, gz)| (sha, gunzip(&gz)))
            .collect(),
    }
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut body)
        .unwrap();
    body
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Everything `old` held is in the migrated store, under format 2's names, and nothing of
/// format 1 is left in the folder.
fn assert_kept(ws: &Workspace, id: &str, old: &OldSource) {
    assert_eq!(
        ws.captures(id),
        old.captures,
        "{id}: every capture, as it was"
    );
    let state = ws.source_state(id);
    for which in ["baseline", "latest"] {
        let (new, was) = (&state[which], &old.state[which]);
        for key in ["sha256", "captured_at", "fingerprint", "content_type"] {
            assert_eq!(new[key], was[key], "{id}: {which}.{key}");
        }
        // Its raw body is found by the name the state now holds, and is the same body.
        let text_sha = was["sha256"].as_str().unwrap();
        let raw = new["raw_sha256"]
            .as_str()
            .expect("the state names its raw body");
        let gz = std::fs::read(ws.path(&format!("snapshots/RAW/{}/{raw}.gz", &raw[..2]))).unwrap();
        assert_eq!(
            gunzip(&gz),
            old.raw_bodies[text_sha],
            "{id}: {which} raw body"
        );
        assert_eq!(sha256_hex(&gunzip(&gz)), raw, "{id}: named by its content");
    }
    for (sha, text) in &old.texts {
        let path = ws.path(&format!("snapshots/TEXT/{}/{sha}.txt", &sha[..2]));
        assert_eq!(&std::fs::read(path).unwrap(), text, "{id}: text {sha}");
    }
    let left: Vec<String> = std::fs::read_dir(ws.path(&format!("snapshots/{id}")))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["source.jsonl"], "{id}: only the new file is left");
}

/// `status --format json` without the moment it was made.
fn status_of(ws: &Workspace) -> Value {
    let run = ws.run(&["status", "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    let mut status = run.json();
    status.as_object_mut().unwrap().remove("generated_at");
    status
}

fn expected_status() -> Value {
    let mut status: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("status.json")).unwrap())
            .unwrap();
    status.as_object_mut().unwrap().remove("generated_at");
    status
}

#[test]
fn a_format_1_store_is_migrated_keeping_every_capture_baseline_and_verification() {
    let ws = old_store(0);
    let old: Vec<(&str, OldSource)> = ["permit", "fees", "list"]
        .into_iter()
        .map(|id| (id, read_old(&ws.path(&format!("snapshots/{id}")))))
        .collect();
    let kept = ["LEDGER.json", "VERIFICATIONS.jsonl", "LAST_CHECK.json"]
        .map(|f| (f, ws.read(&format!("snapshots/{f}"))));

    // A read-only command is the first use: it migrates, and then reads what it read before.
    let run = ws.run(&["status", "--format", "json"]);
    assert!(
        run.stderr.contains("format 1") && run.stderr.contains("migrated to format 2"),
        "the migration is said: {}",
        run.stderr
    );
    assert_eq!(ws.read("snapshots/FORMAT"), "sourcewatch-snapshots 2\n");
    assert_eq!(status_of(&ws), expected_status());
    for (id, old) in &old {
        assert_kept(&ws, id, old);
        let history = ws.run(&["history", id, "--format", "json"]);
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture().join(format!("history-{id}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(history.json(), expected, "{id}: history");
    }
    for (file, bytes) in kept {
        assert_eq!(ws.read(&format!("snapshots/{file}")), bytes, "{file} kept");
    }
    let store = ws.run(&["validate", "--store"]);
    assert_eq!(store.code, 0, "{}{}", store.stdout, store.stderr);
    // Once: the next run finds format 2 and says nothing of it.
    let again = ws.run(&["status"]);
    assert!(!again.stderr.contains("format 1"), "{}", again.stderr);
}

#[test]
fn a_kill_during_migration_leaves_a_store_the_next_run_finishes() {
    const COPIES: usize = 400;
    let ws = old_store(COPIES);
    let ids: Vec<String> = ["permit", "fees", "list"]
        .into_iter()
        .flat_map(|id| {
            std::iter::once(id.to_string()).chain((0..COPIES).map(move |k| format!("{id}-{k}")))
        })
        .collect();
    let old: Vec<OldSource> = ids
        .iter()
        .map(|id| read_old(&ws.path(&format!("snapshots/{id}"))))
        .collect();
    let pristine = tempfile::tempdir().unwrap();
    copy_dir(&ws.path("snapshots"), pristine.path());

    // How long a whole migration takes here, so the kills land inside one on any machine.
    let started = Instant::now();
    assert_eq!(status_of(&ws), expected_status());
    let whole = started.elapsed();
    let mut stopped_midway = 0;
    for tenth in [1u32, 3, 5, 7, 9] {
        std::fs::remove_dir_all(ws.path("snapshots")).unwrap();
        copy_dir(pristine.path(), &ws.path("snapshots"));
        let mut child = ws.spawn_silent(&["-q", "status"]);
        std::thread::sleep(whole * tenth / 10);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let format = ws.read("snapshots/FORMAT");
        let begun = ids.iter().any(|id| {
            ws.source_file(id).exists() || !ws.path(&format!("snapshots/{id}/state.json")).exists()
        });
        if format == "sourcewatch-snapshots 1\n" && begun {
            stopped_midway += 1;
        }
        // The next run finishes the migration and reads everything.
        assert_eq!(status_of(&ws), expected_status(), "killed at {tenth}/10");
        assert_eq!(ws.read("snapshots/FORMAT"), "sourcewatch-snapshots 2\n");
        for (id, old) in ids.iter().zip(&old) {
            assert_kept(&ws, id, old);
        }
        let store = ws.run(&["validate", "--store"]);
        assert_eq!(store.code, 0, "{}{}", store.stdout, store.stderr);
    }
    assert!(
        stopped_midway > 0,
        "no kill landed inside a migration (a whole one took {whole:?})"
    );
}
