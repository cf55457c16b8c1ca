//! Hostile pages and servers (the adversarial audit): each failure stays with its source, within
//! bounded time and memory, and is said in words. Each test is named after the finding it pins.

use std::io::Write;
use std::time::{Duration, Instant};

use super::*;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Runs the command and reports the largest resident set it reached, in MiB (its `VmHWM`, read
/// from /proc while it runs: the peak so far, so the last reading is the peak).
fn run_measured(ws: &Workspace, args: &[&str]) -> (Run, u64) {
    let mut child = ws
        .command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (run, peak_kib / 1024)
}

const FAST: &str = "[settings]\nretries = 0\nper_host_interval_ms = 0\nper_host_concurrency = 4\n";

/// A fast registry with one source per id, each served at `/<id>`.
fn sources_at_own_paths(server: &TestServer, ids: &[&str]) -> String {
    let mut toml = FAST.to_string();
    for id in ids {
        toml.push_str(&format!(
            "[[sources]]\nid = \"{id}\"\nurl = \"{}\"\n",
            server.url(&format!("/{id}"))
        ));
    }
    toml
}

/// 200,000 nested `<div>`s (2.2 MB, well under max_body_bytes) took html5ever 178 s of CPU. The
/// nesting is refused before parsing: that source fails as parse_error, the others go on.
#[test]
fn nesting_hang_fails_that_source_alone() {
    let server = TestServer::start();
    server.set("/deep", Reply::html("<div>".repeat(200_000)));
    server.set("/ok", Reply::html("<main><p>45 calendar days</p></main>"));
    let ws = Workspace::new(&format!(
        "{FAST}[[sources]]\nid = \"deep\"\nurl = \"{}\"\n[[sources]]\nid = \"ok\"\nurl = \"{}\"\n",
        server.url("/deep"),
        server.url("/ok")
    ));
    let started = Instant::now();
    let run = ws.run(&["check", "--format", "json"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let deep = source_row(&r, "deep");
    assert_eq!(deep["outcome"], "parse_error", "{deep}");
    assert!(
        deep["error"].as_str().unwrap().contains("nest deeper than"),
        "{deep}"
    );
    assert_eq!(source_row(&r, "ok")["outcome"], "new");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

/// Below the nesting bound, work can still grow with depth × elements (here: selectors whose
/// ancestors never match, tried at every one of 100,000 elements 1,500 levels deep). The
/// source's timeout is a deadline for extraction too.
#[test]
fn extraction_deadline_ends_a_slow_walk() {
    let server = TestServer::start();
    let page = format!(
        "<html><body>{}{}</body></html>",
        "<div>".repeat(1_500),
        "<i>x</i>".repeat(100_000)
    );
    server.set("/slow", Reply::html(page));
    let excluded: Vec<String> = (0..20).map(|n| format!("\".never{n} *\"")).collect();
    let ws = Workspace::new(&format!(
        "{FAST}timeout_secs = 1\n[[sources]]\nid = \"slow\"\nurl = \"{}\"\nexclude = [{}]\n",
        server.url("/slow"),
        excluded.join(", ")
    ));
    let started = Instant::now();
    let run = ws.run(&["check", "--format", "json"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let row = source_row(&run.json(), "slow").clone();
    assert_eq!(row["outcome"], "parse_error", "{row}");
    assert!(
        row["error"].as_str().unwrap().contains("longer than 1 s"),
        "{row}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// robots.txt was only capped by its Content-Length: a chunked gzip bomb inflated in memory
/// (2 MB → 2 GiB peaked at 4.1 GiB). Now it is read like a page, through the same capped reader:
/// the first 512 KiB after decompression count, the rest is never read.
#[test]
fn robots_txt_gzip_bomb_is_cut_off() {
    let server = TestServer::start();
    let mut text = b"User-agent: *\nDisallow: /private/\n".to_vec();
    text.resize(256 << 20, b'\n');
    server.set(
        "/robots.txt",
        Reply::status(200)
            .header("Content-Type", "text/plain")
            .header("Content-Encoding", "gzip")
            .body(gzip(&text))
            .fault(Fault::Chunked(16 * 1024)),
    );
    drop(text);
    server.set("/page", Reply::html("<main><p>45 calendar days</p></main>"));
    server.set("/private/page", Reply::html("<p>private</p>"));
    let ws = Workspace::new(&format!(
        "{FAST}[[sources]]\nid = \"page\"\nurl = \"{}\"\n[[sources]]\nid = \"private\"\nurl = \"{}\"\n",
        server.url("/page"),
        server.url("/private/page")
    ));
    let (run, peak_mib) = run_measured(&ws, &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(source_row(&r, "page")["outcome"], "new");
    assert_eq!(source_row(&r, "private")["outcome"], "robots_disallowed");
    assert!(peak_mib < 100, "peak RSS {peak_mib} MiB");
}

/// An endless chunked robots.txt was read until the timeout (3.5 GiB by then). It is cut at
/// 512 KiB, its rules still apply, and the pages are fetched without waiting for the timeout.
#[test]
fn endless_robots_txt_is_cut_off() {
    let server = TestServer::start();
    server.set(
        "/robots.txt",
        Reply::status(200)
            .header("Content-Type", "text/plain")
            .body("User-agent: *\nDisallow: /private/\n".repeat(2_000))
            .fault(Fault::Endless { cap: 8 << 30 }),
    );
    server.set("/page", Reply::html("<main><p>45 calendar days</p></main>"));
    server.set("/private/page", Reply::html("<p>private</p>"));
    let ws = Workspace::new(&format!(
        "{FAST}timeout_secs = 20\n[[sources]]\nid = \"page\"\nurl = \"{}\"\n\
         [[sources]]\nid = \"private\"\nurl = \"{}\"\n",
        server.url("/page"),
        server.url("/private/page")
    ));
    let started = Instant::now();
    let (run, peak_mib) = run_measured(&ws, &["check", "--format", "json"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(source_row(&r, "page")["outcome"], "new");
    assert_eq!(source_row(&r, "private")["outcome"], "robots_disallowed");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(peak_mib < 100, "peak RSS {peak_mib} MiB");
}

/// `render = "browser"` ignored max_body_bytes: a DOM made by a script (25 MB in the audit) was
/// stored. The DOM is read within max_body_bytes; past it the render is too_large and the
/// browser is killed.
#[test]
fn browser_dom_over_max_body_bytes_is_too_large() {
    let _one = super::kinds::browser_test();
    if !super::kinds::have_chromium() {
        return;
    }
    let server = TestServer::start();
    server.set(
        "/big",
        Reply::html(
            "<html><body><div id=\"app\"></div><script>\
             document.getElementById('app').innerHTML = '<p>45 calendar days</p>'.repeat(100000);\
             </script></body></html>",
        ),
    );
    let ws = Workspace::new(&format!(
        "{FAST}timeout_secs = 10\nmax_body_bytes = 200_000\n\
         [[sources]]\nid = \"big\"\nurl = \"{}\"\nrender = \"browser\"\n",
        server.url("/big")
    ));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    let row = source_row(&r, "big");
    assert_eq!(row["outcome"], "too_large", "{row}");
    assert!(
        row["error"].as_str().unwrap().contains("max_body_bytes"),
        "{row}"
    );
    assert!(ws.texts_of("big").is_empty(), "nothing stored");
    assert_eq!(
        super::kinds::leftover_browsers(),
        Vec::<String>::new(),
        "the browser is killed"
    );
}

/// Redirects were followed to any address. A source on 127.0.0.1 stands for any source here (no
/// public host can be had offline): it may redirect within loopback, but not to a private or
/// link-local address. The policy refuses before any connection is tried. (From a public
/// source, every non-public address is refused: the unit tests in src/fetch/guard.rs.)
#[test]
fn redirect_to_private_or_link_local_address_is_refused() {
    let server = TestServer::start();
    let port = server
        .url("/")
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    server.set(
        "/to-private",
        Reply::status(302).header("Location", "http://10.0.0.1/admin"),
    );
    server.set(
        "/to-metadata",
        Reply::status(302).header("Location", "http://169.254.169.254/latest/meta-data/"),
    );
    server.set(
        "/to-mapped",
        Reply::status(307).header("Location", "http://[::ffff:169.254.169.254]/"),
    );
    server.set(
        "/to-localhost",
        Reply::status(301).header("Location", &format!("http://localhost:{port}/ok")),
    );
    server.set("/to-path", Reply::status(302).header("Location", "/ok"));
    server.set("/ok", Reply::html("<main><p>45 calendar days</p></main>"));
    let ids = [
        "to-private",
        "to-metadata",
        "to-mapped",
        "to-localhost",
        "to-path",
    ];
    let ws = Workspace::new(&sources_at_own_paths(&server, &ids));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    for (id, words) in [
        (
            "to-private",
            "10.0.0.1 is a private address, and the source is at a loopback address",
        ),
        ("to-metadata", "169.254.169.254 is a link-local address"),
        ("to-mapped", "is a link-local address"),
    ] {
        let row = source_row(&r, id);
        assert_eq!(row["outcome"], "unreachable", "{row}");
        let error = row["error"].as_str().unwrap();
        assert!(
            error.contains("refused") && error.contains(words),
            "{id}: {error}"
        );
    }
    for id in ["to-localhost", "to-path"] {
        let row = source_row(&r, id);
        assert_eq!(row["outcome"], "new", "{row}");
    }
}

/// A redirect to `file:` or `data:` came back as a bare "HTTP 302". It is said as what it is.
#[test]
fn redirect_to_file_or_data_url_is_said_in_words() {
    let server = TestServer::start();
    server.set(
        "/to-file",
        Reply::status(302).header("Location", "file:///etc/passwd"),
    );
    server.set(
        "/to-data",
        Reply::status(301).header("Location", "data:text/html,<p>45 days</p>"),
    );
    let ws = Workspace::new(&format!(
        "{FAST}[[sources]]\nid = \"to-file\"\nurl = \"{}\"\n\
         [[sources]]\nid = \"to-data\"\nurl = \"{}\"\n",
        server.url("/to-file"),
        server.url("/to-data")
    ));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    for (id, scheme) in [("to-file", "file"), ("to-data", "data")] {
        let row = source_row(&r, id);
        assert_eq!(row["outcome"], "http_error", "{row}");
        assert_eq!(
            row["error"],
            format!("redirect to a {scheme}: URL refused"),
            "{row}"
        );
    }
}

/// An HTTP/1.0 body without a Content-Length ends where the connection closes, so one cut short
/// looks complete: nothing in HTTP tells the two apart, and sourcewatch takes it as sent. What
/// can be told is caught: a body shorter than its Content-Length, or a compressed body whose
/// stream ends early (gzip has its own end), is `unreachable`, never a capture.
#[test]
fn truncated_http10_body_is_caught_when_its_end_is_declared() {
    let server = TestServer::start();
    let page = format!("<main><p>{}</p></main>", "45 calendar days. ".repeat(2_000));
    let half = page.len() / 2;
    let gz = gzip(page.as_bytes());
    let gz_half = gz.len() / 2;
    server.set(
        "/declared",
        Reply::html(page.clone())
            .header("Content-Length", &page.len().to_string())
            .fault(Fault::CloseDelimited(Some(half))),
    );
    server.set(
        "/gzip",
        Reply::html("")
            .header("Content-Encoding", "gzip")
            .body(gz)
            .fault(Fault::CloseDelimited(Some(gz_half))),
    );
    server.set(
        "/undeclared",
        Reply::html(page.clone()).fault(Fault::CloseDelimited(Some(half))),
    );
    server.set(
        "/whole",
        Reply::html(page.clone()).fault(Fault::CloseDelimited(None)),
    );
    let ids = ["declared", "gzip", "undeclared", "whole"];
    let ws = Workspace::new(&sources_at_own_paths(&server, &ids));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    for (id, words) in [
        ("declared", "end of file before message length reached"),
        ("gzip", "not a whole gzip stream"),
    ] {
        let row = source_row(&r, id);
        assert_eq!(row["outcome"], "unreachable", "{row}");
        assert!(row["error"].as_str().unwrap().contains(words), "{row}");
    }
    assert_eq!(source_row(&r, "undeclared")["outcome"], "new");
    assert_eq!(source_row(&r, "undeclared")["bytes"], half);
    assert_eq!(source_row(&r, "whole")["bytes"], page.len());
}

/// A page the server sends gzip-compressed is unpacked for reading, and its raw body is stored
/// as the server's own stream, byte for byte (never compressed a second time); it unpacks to
/// the page, and a change of settings re-extracts from it.
#[test]
fn a_gzip_page_is_stored_as_the_server_sent_it() {
    let server = TestServer::start();
    let page = "<main><p>The permit is issued within 45 calendar days.</p><nav>menu</nav></main>";
    let gz = gzip(page.as_bytes());
    server.set(
        "/p",
        Reply::html("")
            .header("Content-Encoding", "gzip")
            .body(gz.clone()),
    );
    let registry = |select: &str| {
        Registry::new()
            .settings(&["retries = 0", "per_host_interval_ms = 0"])
            .source(Source::new("p", server.url("/p")).select(&[select]))
            .toml()
    };
    let ws = Workspace::new(&registry("main"));
    let run = ws.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(source_row(&run.json(), "p")["bytes"], page.len());
    let raws = ws.raws_of("p");
    assert_eq!(raws.len(), 1, "{raws:?}");
    assert_eq!(
        std::fs::read(&raws[0]).unwrap(),
        gz,
        "the server's stream, as sent"
    );
    let asked = server.requests("/p")[0].headers.clone();
    assert!(
        asked
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("accept-encoding") && v.contains("gzip")),
        "gzip is asked for: {asked:?}"
    );
    assert_eq!(ws.run(&["validate", "--store"]).code, 0);

    // Another selector: the baseline is read again from the stored stream, not reported as a
    // change.
    ws.write("sources.toml", &registry("main p"));
    let again = ws.run(&["check", "--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let row = source_row(&again.json(), "p").clone();
    assert_eq!(row["outcome"], "unchanged", "{row}");
    assert_eq!(row["reextracted"], true, "{row}");
}
