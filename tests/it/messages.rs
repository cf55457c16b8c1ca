//! Messages people can act on (issue: a fact ledger … messages): each cause said once, plurals
//! right. The registry's diagnostics are pinned by tests/cases/diagnostics.

use super::*;

#[test]
fn an_error_chain_says_each_cause_once() {
    let ws = Workspace::new(
        "[settings]\nsnapshots_dir = \"taken\"\n[[sources]]\nid = \"a\"\nurl = \"http://127.0.0.1:9/\"\n",
    );
    ws.write("taken", "a file where the store should be");
    let run = ws.run(&["check"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.matches("(os error").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("taken"), "{}", run.stderr);
}

#[test]
fn counts_take_their_plural() {
    let one = Registry::new()
        .source(Source::new("a", "https://example.org/"))
        .route(Route::new("r", "R").fact(Fact::new("f", "c", "a", "2026-11-01")))
        .toml();
    let ws = Workspace::new(&one);
    assert!(
        ws.run(&["validate"])
            .stdout
            .contains("ok (1 source, 1 route, 1 fact)"),
        "{}",
        ws.run(&["validate"]).stdout
    );
    let two = Registry::new()
        .source(Source::new("a", "https://example.org/"))
        .source(Source::new("b", "https://example.org/b"))
        .toml();
    let ws = Workspace::new(&two);
    let out = ws.run(&["validate"]).stdout;
    assert!(out.contains("ok (2 sources, 0 routes, 0 facts)"), "{out}");
}
