//! `TEXT/` and `RAW/`: what the store keeps by content, shared by every source. A normalised text
//! is named by its SHA-256, a raw body (gzip) by the SHA-256 of the body itself, each under a
//! folder named by the first two hex digits so no folder grows past a few thousand entries.
//! Written once, never rewritten (except to repair a damaged text), so two shards storing the
//! same content at once both leave it whole.

use std::io::{Read, Write};
use std::path::PathBuf;

use super::{Store, StoreError, io_err, misnamed};

pub(super) const TEXT_DIR: &str = "TEXT";
pub(super) const RAW_DIR: &str = "RAW";

impl Store {
    /// Where the text named `sha` lives; refused when `sha` is not a SHA-256 (a hand-edited or
    /// damaged state must not name a path outside the store).
    pub(super) fn text_path(&self, sha: &str) -> Result<PathBuf, StoreError> {
        self.content_path(TEXT_DIR, sha, "txt")
    }

    /// Where the raw body whose own SHA-256 is `sha` lives.
    pub(super) fn raw_path(&self, sha: &str) -> Result<PathBuf, StoreError> {
        self.content_path(RAW_DIR, sha, "gz")
    }

    fn content_path(&self, kind: &str, sha: &str, ext: &str) -> Result<PathBuf, StoreError> {
        if !crate::text::is_sha256_hex(sha) {
            return Err(StoreError::Corrupt {
                path: self.dir.join(kind),
                message: format!("{sha:?} is not a SHA-256"),
            });
        }
        Ok(self
            .dir
            .join(kind)
            .join(&sha[..2])
            .join(format!("{sha}.{ext}")))
    }

    pub(super) fn read_text(&self, sha: &str) -> Result<String, StoreError> {
        let path = self.text_path(sha)?;
        let bytes = super::read_file(&path).map_err(io_err(&path))?;
        String::from_utf8(bytes).map_err(|_| StoreError::Corrupt {
            path,
            message: "not UTF-8 text".into(),
        })
    }

    /// Stores `text` under `sha` unless it is there already (`repair`: write it again, the copy
    /// there was found damaged).
    pub(super) fn put_text(&self, sha: &str, text: &str, repair: bool) -> Result<(), StoreError> {
        let path = self.text_path(sha)?;
        if repair || !path.exists() {
            write_content(&path, text.as_bytes())?;
        }
        Ok(())
    }

    /// Stores a raw body (gzip) unless a body with its SHA-256 is there already; returns that
    /// SHA-256. `gzip`: the body as the server sent it, compressed already (it unpacks to `raw`,
    /// as the fetch that unpacked it saw), stored as it is instead of compressing again.
    pub(super) fn put_raw(&self, raw: &[u8], gzip: Option<&[u8]>) -> Result<String, StoreError> {
        let sha = crate::text::sha256_bytes_hex(raw);
        let path = self.raw_path(&sha)?;
        if !path.exists() {
            match gzip {
                Some(packed) => write_content(&path, packed)?,
                None => {
                    let mut gz =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    gz.write_all(raw).map_err(io_err(&path))?;
                    let packed = gz.finish().map_err(io_err(&path))?;
                    write_content(&path, &packed)?;
                }
            }
        }
        Ok(sha)
    }

    /// The raw body named `sha`, if it is stored, unpacked up to `limit` bytes. Not checked
    /// against its name: [`Store::verified_raw_body`] is.
    pub(super) fn raw_body(&self, sha: &str, limit: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.raw_path(sha)?;
        let file = match super::no_follow(std::fs::OpenOptions::new().read(true)).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let mut body = Vec::new();
        // A server's gzip may hold several members; every one is the body's.
        flate2::read::MultiGzDecoder::new(file)
            .take(limit.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(io_err(&path))?;
        if body.len() as u64 > limit {
            return Err(StoreError::Corrupt {
                path,
                message: format!("unpacks to more than {limit} bytes"),
            });
        }
        Ok(Some(body))
    }

    /// [`Store::raw_body`], refused when the body no longer hashes to its name.
    pub(super) fn verified_raw_body(
        &self,
        sha: &str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(body) = self.raw_body(sha, limit)? else {
            return Ok(None);
        };
        if crate::text::sha256_bytes_hex(&body) != sha {
            return Err(StoreError::Corrupt {
                path: self.raw_path(sha)?,
                message: format!(
                    "the raw body does not match the SHA-256 it is named by ({})",
                    crate::text::short_sha(sha)
                ),
            });
        }
        Ok(Some(body))
    }

    /// Every stored text and raw body whose content no longer matches its name (`validate
    /// --store`); a raw body is unpacked in a stream, never held whole.
    pub(super) fn verify_content(&self, damage: &mut Vec<String>) {
        for (kind, ext) in [(TEXT_DIR, ".txt"), (RAW_DIR, ".gz")] {
            for path in content_files(&self.dir.join(kind)) {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let Some(sha) = name.as_deref().and_then(|n| n.strip_suffix(ext)) else {
                    continue;
                };
                let found = if kind == TEXT_DIR {
                    super::read_file(&path).map(|bytes| misnamed(&bytes, sha))
                } else {
                    unpacked_sha(&path).map(|actual| {
                        (actual != sha)
                            .then(|| format!("content hashes to {actual}, not to its name"))
                    })
                };
                match found {
                    Ok(Some(message)) => damage.push(format!("{}: {message}", path.display())),
                    Ok(None) => {}
                    Err(e) => damage.push(format!("{}: {e}", path.display())),
                }
            }
        }
    }
}

/// The files under `TEXT/` or `RAW/` (two levels), temporary files left out, sorted.
pub(super) fn content_files(root: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for fan in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(fan.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if !f
                .file_name()
                .to_string_lossy()
                .starts_with(crate::atomic::TEMP_PREFIX)
            {
                files.push(f.path());
            }
        }
    }
    files.sort();
    files
}

/// The SHA-256 of a gzip file's unpacked content, read in a stream.
pub(super) fn unpacked_sha(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::Digest;
    let file = super::no_follow(std::fs::OpenOptions::new().read(true)).open(path)?;
    let mut gz = flate2::read::MultiGzDecoder::new(file);
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = gz.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Writes a content file, making its fan-out folder on first use.
fn write_content(path: &std::path::Path, bytes: &[u8]) -> Result<(), StoreError> {
    match crate::atomic::write(path, bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let dir = path.parent().expect("content files live in a folder");
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
            crate::atomic::write(path, bytes).map_err(io_err(path))
        }
        other => other.map_err(io_err(path)),
    }
}
