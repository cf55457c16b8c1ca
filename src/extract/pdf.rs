//! PDF → text: the text of every page in order, by poppler's `pdftotext` (exact with the CID
//! fonts government PDFs use for Cyrillic, which pure-Rust extractors often get wrong).
//!
//! `pdftotext` runs as a `tokio::process` child: the runtime's two worker threads go on with
//! other pages while it works, and a child that outlives the timeout (or whose check is
//! abandoned) is killed when its future is dropped.

use std::process::Stdio;
use std::time::Duration;

use super::writer::{TextWriter, plain_lines};
use super::{ExtractError, Extracted, finished};
use crate::registry::Source;

pub(super) async fn extract_pdf(
    body: &[u8],
    source: &Source,
    timeout: Duration,
) -> Result<Extracted, ExtractError> {
    let text = pdf_to_text(body, timeout).await?;
    let mut writer = TextWriter::default();
    for page in text.split('\u{c}') {
        plain_lines(page, &mut writer);
    }
    finished(writer, &source.ignore)
}

async fn pdf_to_text(body: &[u8], timeout: Duration) -> Result<String, ExtractError> {
    if !body.starts_with(b"%PDF-") {
        return Err(ExtractError::Parse("not a PDF (no %PDF- header)".into()));
    }
    let program = std::env::var_os("SOURCEWATCH_PDFTOTEXT").unwrap_or_else(|| "pdftotext".into());
    // pdftotext seeks in its input, so it reads a file rather than a pipe.
    let mut file = tempfile::Builder::new()
        .suffix(".pdf")
        .tempfile()
        .map_err(|e| ExtractError::Parse(format!("temporary file: {e}")))?;
    std::io::Write::write_all(&mut file, body)
        .map_err(|e| ExtractError::Parse(format!("temporary file: {e}")))?;
    let child = tokio::process::Command::new(&program)
        .args(["-enc", "UTF-8", "-q"])
        .arg(file.path())
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            ExtractError::Parse(format!(
                "cannot run {} ({e}); install poppler-utils or set SOURCEWATCH_PDFTOTEXT",
                std::path::Path::new(&program).display()
            ))
        })?;
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return Err(ExtractError::Parse(format!("running pdftotext: {e}"))),
        Err(_) => {
            return Err(ExtractError::Parse(format!(
                "pdftotext took longer than {} s",
                timeout.as_secs()
            )));
        }
    };
    if !output.status.success() {
        return Err(ExtractError::Parse(format!(
            "unreadable PDF (pdftotext exit {})",
            output.status.code().unwrap_or(-1)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
