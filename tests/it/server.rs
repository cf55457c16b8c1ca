//! A small programmable HTTP/1.1 server on 127.0.0.1 for the integration tests.
//!
//! Each path has a queue of replies; the last one repeats. Every request is recorded with its
//! headers and arrival time. Fault modes cover what real portals do: reset mid-body, a body that
//! trickles past the client's timeout, chunked and endless bodies, HTTP/1.0 bodies that end where
//! the connection closes. The server stops (and its thread is joined) on drop.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub enum Fault {
    None,
    /// Announce the full length, send half, then close.
    ResetMidBody,
    /// Send the body one byte per `Duration`.
    SlowBody(Duration),
    /// Wait before answering at all.
    Delay(Duration),
    /// `Transfer-Encoding: chunked`, the body in chunks of this many bytes (no Content-Length).
    Chunked(usize),
    /// A chunked body that never ends: the body over and over until the client goes away, the
    /// server stops, `cap` bytes went out or 30 s passed (a bounded loop).
    Endless {
        cap: u64,
    },
    /// HTTP/1.0 without a Content-Length, the body ending where the connection closes; with
    /// `Some(n)` only the first n bytes are sent.
    CloseDelimited(Option<usize>),
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub fault: Fault,
}

impl Reply {
    pub fn html(body: impl Into<String>) -> Reply {
        Reply::status(200)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(body.into().into_bytes())
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            fault: Fault::None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = body.into();
        self
    }

    pub fn fault(mut self, fault: Fault) -> Reply {
        self.fault = fault;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub body: Vec<u8>,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub at: Instant,
}

#[derive(Default)]
struct State {
    replies: HashMap<String, Vec<Reply>>,
    seen: Vec<Seen>,
}

pub struct TestServer {
    scheme: &'static str,
    state: Arc<Mutex<State>>,
    loopback: Loopback,
}

/// A listener on 127.0.0.1 whose every connection is handed, blocking with `read_timeout`, to
/// `handle` on a thread of its own, until it is dropped: then the accept loop ends and every
/// connection's thread is joined. `handle` also gets the stop flag, so a long reply can end.
pub(crate) struct Loopback {
    pub(crate) addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Loopback {
    pub(crate) fn start<H>(read_timeout: Duration, handle: H) -> Loopback
    where
        H: Fn(TcpStream, &AtomicBool) + Send + Sync + 'static,
    {
        Loopback::start_on("127.0.0.1", read_timeout, handle)
    }

    /// As `start`, on another loopback address (127.0.0.0/8 is all loopback on Linux).
    pub(crate) fn start_on<H>(ip: &str, read_timeout: Duration, handle: H) -> Loopback
    where
        H: Fn(TcpStream, &AtomicBool) + Send + Sync + 'static,
    {
        assert!(ip.starts_with("127."), "tests stay on loopback");
        let listener = TcpListener::bind((ip, 0)).expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (stopping, handle) = (stop.clone(), Arc::new(handle));
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (stopping, handle) = (stopping.clone(), handle.clone());
                        workers.push(std::thread::spawn(move || {
                            stream.set_nonblocking(false).unwrap();
                            stream.set_read_timeout(Some(read_timeout)).unwrap();
                            handle(stream, &stopping);
                        }));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
                workers.retain(|w: &JoinHandle<()>| !w.is_finished());
            }
            for w in workers {
                let _ = w.join();
            }
        });
        Loopback {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::spawn(None)
    }

    /// A plain HTTP server on another loopback address: another host to politeness.
    pub fn start_on(ip: &str) -> TestServer {
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let loopback = Loopback::start_on(ip, Duration::from_secs(5), move |stream, stop| {
            serve(stream, &st, stop)
        });
        TestServer {
            scheme: "http",
            state,
            loopback,
        }
    }

    /// An HTTPS server presenting `cert_pem` (leaf first) with `key_pem`.
    pub fn start_tls(cert_pem: &Path, key_pem: &Path) -> TestServer {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_pem)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let key = PrivateKeyDer::from_pem_file(key_pem).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        TestServer::spawn(Some(Arc::new(config)))
    }

    fn spawn(tls: Option<Arc<rustls::ServerConfig>>) -> TestServer {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let loopback = Loopback::start(Duration::from_secs(5), move |stream, stop| match &tls {
            Some(config) => {
                let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                    return;
                };
                serve(rustls::StreamOwned::new(conn, stream), &st, stop)
            }
            None => serve(stream, &st, stop),
        });
        TestServer {
            scheme,
            state,
            loopback,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.loopback.addr, path)
    }

    /// Replaces the replies for `path` with one that repeats.
    pub fn set(&self, path: &str, reply: Reply) {
        self.sequence(path, vec![reply]);
    }

    /// Replies in order; the last repeats.
    pub fn sequence(&self, path: &str, replies: Vec<Reply>) {
        self.state
            .lock()
            .unwrap()
            .replies
            .insert(path.to_string(), replies);
    }

    pub fn requests(&self, path: &str) -> Vec<Seen> {
        self.state
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

fn serve<S: Read + Write>(mut stream: S, state: &Mutex<State>, stop: &AtomicBool) {
    // Read the request head, then a body of Content-Length bytes if there is one.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let split = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(head.len(), |p| p + 4);
    let mut body = head.split_off(split);
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("GET").to_string();
    let path = words.next().unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    while body.len() < length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    let reply = {
        let mut st = state.lock().unwrap();
        st.seen.push(Seen {
            method,
            body,
            path: path.clone(),
            headers,
            at: Instant::now(),
        });
        match st.replies.get_mut(&path) {
            Some(q) if q.len() > 1 => q.remove(0),
            Some(q) => q[0].clone(),
            None => Reply::status(404).body("not found"),
        }
    };
    if let Fault::Delay(d) = reply.fault {
        let until = Instant::now() + d;
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let mut out = stream;
    let reason = match reply.status {
        200 => "OK",
        304 => "Not Modified",
        _ => "Status",
    };
    let version = match reply.fault {
        Fault::CloseDelimited(_) => "1.0",
        _ => "1.1",
    };
    let mut head = format!(
        "HTTP/{version} {} {}\r\nConnection: close\r\n",
        reply.status, reason
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    match reply.fault {
        Fault::Chunked(_) | Fault::Endless { .. } => {
            head.push_str("Transfer-Encoding: chunked\r\n");
        }
        Fault::CloseDelimited(_) => {}
        _ if reply.status != 304 => {
            head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
        }
        _ => {}
    }
    head.push_str("\r\n");
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    match reply.fault {
        Fault::None | Fault::Delay(_) => {
            let _ = out.write_all(&reply.body);
        }
        Fault::ResetMidBody => {
            // Half the announced body, then the connection goes away.
            let _ = out.write_all(&reply.body[..reply.body.len() / 2]);
            let _ = out.flush();
            return;
        }
        Fault::SlowBody(gap) => {
            for b in &reply.body {
                if stop.load(Ordering::SeqCst) || out.write_all(&[*b]).is_err() {
                    break;
                }
                let _ = out.flush();
                std::thread::sleep(gap);
            }
        }
        Fault::Chunked(size) => {
            for chunk in reply.body.chunks(size.max(1)) {
                let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
                if stop.load(Ordering::SeqCst) || out.write_all(&frame).is_err() {
                    return;
                }
            }
            let _ = out.write_all(b"0\r\n\r\n");
        }
        Fault::Endless { cap } => {
            let frame = [
                format!("{:x}\r\n", reply.body.len()).as_bytes(),
                &reply.body,
                b"\r\n",
            ]
            .concat();
            let (until, mut sent) = (Instant::now() + Duration::from_secs(30), 0u64);
            while sent < cap && Instant::now() < until && !stop.load(Ordering::SeqCst) {
                if reply.body.is_empty() || out.write_all(&frame).is_err() {
                    return;
                }
                sent += reply.body.len() as u64;
            }
            return;
        }
        Fault::CloseDelimited(cut) => {
            let n = cut.unwrap_or(reply.body.len()).min(reply.body.len());
            let _ = out.write_all(&reply.body[..n]);
        }
    }
    let _ = out.flush();
}
