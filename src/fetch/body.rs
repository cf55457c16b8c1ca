//! The one way a response body is read, for pages and robots.txt alike: as a stream, after
//! decompression, and never more than a limit. Content-Length only announces; a chunked or
//! close-delimited body, or a small gzip that inflates a thousandfold, is stopped by what arrives.
//!
//! A body cut short fails the read when its end was declared: shorter than its Content-Length
//! or its chunked framing (hyper), or a compressed stream without its end (the decoder). An
//! HTTP/1.0 body without a Content-Length ends where the connection closes, so one cut short
//! cannot be told from a whole one, and is taken as sent.

use reqwest::Response;

/// A body read within its limit.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Body {
    /// All of it.
    Whole(Vec<u8>),
    /// Its first `limit` bytes; more followed, and was not read.
    Cut(Vec<u8>),
}

/// Reads `resp`'s body (decompressed) until its end or `limit` bytes, whichever comes first.
/// Once cut, the rest is never requested: dropping the response closes the connection.
pub(super) async fn read(resp: &mut Response, limit: u64) -> Result<Body, reqwest::Error> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let expected = resp
        .content_length()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(64 * 1024);
    let mut body = Vec::with_capacity(expected.min(limit));
    while let Some(chunk) = resp.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok(Body::Cut(body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Body::Whole(body))
}
