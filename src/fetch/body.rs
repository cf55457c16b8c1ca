//! The one way a response body is read, for pages and robots.txt alike: as a stream, after
//! decompression, and never more than a limit. Content-Length only announces; a chunked or
//! close-delimited body, or a small gzip that inflates a thousandfold, is stopped by what arrives.
//!
//! A body cut short fails the read when its end was declared: shorter than its Content-Length
//! or its chunked framing (hyper), or a compressed stream without its end (the decoder). An
//! HTTP/1.0 body without a Content-Length ends where the connection closes, so one cut short
//! cannot be told from a whole one, and is taken as sent.

use std::io::Read;

use reqwest::Response;

/// A body read within its limit.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Body {
    /// All of it; and when the server sent it gzip-compressed, the stream as it came, which the
    /// store keeps as the raw body instead of compressing the page again.
    Whole {
        body: Vec<u8>,
        gzip: Option<Vec<u8>>,
    },
    /// Its first `limit` bytes; more followed, and was not read.
    Cut(Vec<u8>),
}

#[derive(Debug, thiserror::Error)]
pub(super) enum ReadError {
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
    #[error("connection broken while reading the body: not a whole gzip stream ({0})")]
    Gzip(std::io::Error),
}

/// Reads `resp`'s body (decompressed) until its end or `limit` bytes, whichever comes first.
/// Once cut, the rest is never requested: dropping the response closes the connection.
///
/// A gzip body (the one encoding the client does not unpack itself) is read as sent, up to a
/// little more than the limit (a deflate stream is never much larger than what it holds), then
/// unpacked here within the limit.
pub(super) async fn read(resp: &mut Response, limit: u64) -> Result<Body, ReadError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let gzip = is_gzip(resp.headers());
    let cap = if gzip {
        limit.saturating_add(limit / 8 + 64 * 1024)
    } else {
        limit
    };
    let expected = resp
        .content_length()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(64 * 1024);
    let mut sent = Vec::with_capacity(expected.min(cap));
    let mut cut = false;
    while let Some(chunk) = resp.chunk().await? {
        let room = cap - sent.len();
        if chunk.len() > room {
            sent.extend_from_slice(&chunk[..room]);
            cut = true;
            break;
        }
        sent.extend_from_slice(&chunk);
    }
    if !gzip || sent.is_empty() {
        return Ok(if cut {
            Body::Cut(sent)
        } else {
            Body::Whole {
                body: sent,
                gzip: None,
            }
        });
    }
    let mut body = Vec::with_capacity(sent.len().saturating_mul(4).min(limit));
    let unpacked = flate2::read::MultiGzDecoder::new(&sent[..])
        .take(limit as u64 + 1)
        .read_to_end(&mut body);
    if cut || body.len() > limit {
        body.truncate(limit);
        return Ok(Body::Cut(body));
    }
    match unpacked {
        Ok(_) => Ok(Body::Whole {
            body,
            gzip: Some(sent),
        }),
        Err(e) => Err(ReadError::Gzip(e)),
    }
}

/// Whether the body comes gzip-compressed (and nothing else: a chain of encodings is the
/// client's to refuse).
fn is_gzip(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("gzip") || v.eq_ignore_ascii_case("x-gzip")
        })
}
