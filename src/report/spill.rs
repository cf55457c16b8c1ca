//! The rows of a report, held in memory or, for a large check, spilled to a temporary file as
//! they are made.
//!
//! At 100,000 sources a check's rows are over 100 MB next to a registry of about 90 MB: held,
//! they make the check's peak. Spilled, each row is JSON in an unlinked file in the store's folder
//! (the same disk as the snapshots, never a RAM-backed `/tmp`), and memory keeps only where each
//! row is: 16 bytes a row (40 for a fact while the check makes them, with its sort key).
//! Readers see one type either way and read rows in order or by position.
//!
//! A spilled row is written as it stands in a saved report (pretty, two levels in: an element of
//! the report's `sources` or `facts`), so writing the report copies its bytes instead of reading
//! each row back and serialising it again.
//!
//! A row changed after it is spilled (a route page flags it, a date written by hand undoes a
//! refresh) is written again at the end of the file and its place moved there; the file only
//! lives as long as the check's report.

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Rows a report holds in memory at most, per kind (sources, facts); past this a check spills
/// them. `SOURCEWATCH_SPILL_ROWS` sets it (tests spill small checks with it).
const HELD_AT_MOST: usize = 20_000;

/// How many rows a check holds before it spills: [`HELD_AT_MOST`] unless the environment says.
pub(crate) fn held_at_most() -> usize {
    std::env::var("SOURCEWATCH_SPILL_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(HELD_AT_MOST)
}

/// Where one spilled row is: its bytes in the file.
#[derive(Debug, Clone, Copy)]
struct Span {
    at: u64,
    len: u32,
}

#[derive(Debug)]
struct SpillFile {
    file: File,
    /// The end of what is written; appends are serialised by this lock.
    end: Mutex<u64>,
}

impl SpillFile {
    fn append(&self, bytes: &[u8]) -> std::io::Result<Span> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| std::io::Error::other("a report row over 4 GiB"))?;
        let mut end = self.end.lock().expect("no writer panics holding the lock");
        self.file.write_all_at(bytes, *end)?;
        let span = Span { at: *end, len };
        *end += u64::from(len);
        Ok(span)
    }
}

/// The file rows are spilled to and where each is, in order (`S`: a [`Span`], or a span with
/// its sort key while a check makes them).
#[derive(Debug, Clone)]
struct Spilled<S> {
    file: Arc<SpillFile>,
    spans: Vec<S>,
}

/// A sequence of rows, in memory or in a spill file.
#[derive(Debug, Clone)]
pub(crate) struct Rows<T> {
    held: Vec<T>,
    /// A clone shares the file: rows are only ever appended to it.
    spilled: Option<Spilled<Span>>,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows {
            held: Vec::new(),
            spilled: None,
        }
    }
}

impl<T> From<Vec<T>> for Rows<T> {
    fn from(held: Vec<T>) -> Self {
        Rows {
            held,
            spilled: None,
        }
    }
}

/// Two levels of serde_json's pretty indent: a row's place in a report.
const ROW_INDENT: &[u8] = b"    ";

/// `row` appended to `out` as [`write_pretty_json`](super::write_pretty_json) writes it inside
/// a report: pretty, each line after the first indented two more levels. A newline in a JSON
/// document is always formatting (in a string it is escaped), so indenting after each one is
/// exact.
fn encode_into<T: Serialize>(out: &mut Vec<u8>, row: &T) {
    let pretty = serde_json::to_vec_pretty(row).expect("a report row serialises");
    for line in pretty.split_inclusive(|&b| b == b'\n') {
        out.extend_from_slice(line);
        if line.ends_with(b"\n") {
            out.extend_from_slice(ROW_INDENT);
        }
    }
}

fn encode<T: Serialize>(row: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, row);
    out
}

/// Reading back a file this process wrote a moment ago; a failure is a failing disk, and the
/// check's captures are already recorded.
fn spill_broken(e: impl std::fmt::Display) -> ! {
    panic!("reading a report's rows back from their temporary file: {e}")
}

impl<T: Serialize + DeserializeOwned + Clone> Rows<T> {
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match &self.spilled {
            Some(s) => s.spans.len(),
            None => self.held.len(),
        }
    }

    /// Whether the rows are in a file (a large check) rather than in memory.
    #[cfg(test)]
    pub(crate) fn is_spilled(&self) -> bool {
        self.spilled.is_some()
    }

    /// The rows in order: borrowed when held, read back one by one when spilled.
    pub(crate) fn iter(&self) -> RowsIter<'_, T> {
        RowsIter {
            rows: self,
            next: 0,
            window: Window::default(),
        }
    }

    /// Row `i`.
    pub(crate) fn get(&self, i: usize) -> Option<Cow<'_, T>> {
        match &self.spilled {
            None => self.held.get(i).map(Cow::Borrowed),
            Some(Spilled { file, spans }) => {
                let span = spans.get(i)?;
                let mut bytes = vec![0; span.len as usize];
                file.file
                    .read_exact_at(&mut bytes, span.at)
                    .unwrap_or_else(|e| spill_broken(e));
                Some(Cow::Owned(
                    serde_json::from_slice(&bytes).unwrap_or_else(|e| spill_broken(e)),
                ))
            }
        }
    }

    /// Changes row `i` in place (held) or writes its new version to the file.
    pub(crate) fn update(&mut self, i: usize, change: impl FnOnce(&mut T)) -> std::io::Result<()> {
        if self.spilled.is_none() {
            change(&mut self.held[i]);
            return Ok(());
        }
        let mut row = self.get(i).expect("a row in range").into_owned();
        change(&mut row);
        let s = self.spilled.as_mut().expect("spilled");
        s.spans[i] = s.file.append(&encode(&row))?;
        Ok(())
    }

    /// [`update`](Self::update) of every row for which `change` says it changed something.
    pub(crate) fn update_all(
        &mut self,
        mut change: impl FnMut(&mut T) -> bool,
    ) -> std::io::Result<()> {
        if self.spilled.is_none() {
            for row in &mut self.held {
                change(row);
            }
            return Ok(());
        }
        let mut rewritten = Vec::new();
        for (i, row) in self.iter().enumerate() {
            let mut row = row.into_owned();
            if change(&mut row) {
                rewritten.push((i, encode(&row)));
            }
        }
        let s = self.spilled.as_mut().expect("spilled");
        for (i, bytes) in rewritten {
            s.spans[i] = s.file.append(&bytes)?;
        }
        Ok(())
    }

    /// Every row in memory, whichever way they are kept.
    pub(crate) fn into_vec(self) -> Vec<T> {
        match &self.spilled {
            None => self.held,
            Some(_) => self.iter().map(Cow::into_owned).collect(),
        }
    }
}

/// Rows read back in order through one buffer, whose size follows how well it serves: rows
/// read in about the order they were written (one host's sources finish about in the order
/// they start) take one read per [`WINDOW`]; rows far apart in the file (many hosts, facts
/// ordered by route) shrink it towards a read per row rather than copying a window each time.
/// A window starts a little before the row that needs it, so rows finished a little out of
/// order are still in it.
#[derive(Default)]
struct Window {
    at: u64,
    bytes: Vec<u8>,
    /// What the next refill reads (0 until the first: then [`WINDOW`]).
    size: usize,
    /// Rows served since the last refill.
    served: usize,
}

const WINDOW: usize = 256 * 1024;
const SMALLEST_WINDOW: usize = 4 * 1024;

impl Window {
    fn row<'w>(&'w mut self, file: &File, span: Span) -> &'w [u8] {
        let (start, end) = (span.at, span.at + u64::from(span.len));
        if start < self.at || end > self.at + self.bytes.len() as u64 {
            self.size = match (self.size, self.served) {
                (0, _) => WINDOW,
                (size, 0..8) => (size / 4).max(SMALLEST_WINDOW),
                (size, 64..) => (size * 2).min(WINDOW),
                (size, _) => size,
            };
            self.served = 0;
            let from = start.saturating_sub(self.size as u64 / 8);
            let needed = (end - from) as usize;
            self.bytes.resize(self.size.max(needed), 0);
            let mut filled = 0;
            while filled < needed {
                match file.read_at(&mut self.bytes[filled..], from + filled as u64) {
                    Ok(0) => spill_broken("the file ends before the row"),
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => spill_broken(e),
                }
            }
            self.bytes.truncate(filled);
            self.at = from;
        }
        self.served += 1;
        let from = (start - self.at) as usize;
        &self.bytes[from..from + span.len as usize]
    }
}

pub(crate) struct RowsIter<'a, T> {
    rows: &'a Rows<T>,
    next: usize,
    window: Window,
}

impl<'a, T: DeserializeOwned + Clone> Iterator for RowsIter<'a, T> {
    type Item = Cow<'a, T>;

    fn next(&mut self) -> Option<Self::Item> {
        let i = self.next;
        self.next += 1;
        match &self.rows.spilled {
            None => self.rows.held.get(i).map(Cow::Borrowed),
            Some(Spilled { file, spans }) => {
                let span = *spans.get(i)?;
                let bytes = self.window.row(&file.file, span);
                Some(Cow::Owned(
                    serde_json::from_slice(bytes).unwrap_or_else(|e| spill_broken(e)),
                ))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = match &self.rows.spilled {
            None => self.rows.held.len(),
            Some(s) => s.spans.len(),
        }
        .saturating_sub(self.next);
        (left, Some(left))
    }
}

impl<T: Serialize + DeserializeOwned + Clone> Serialize for Rows<T> {
    /// Spilled rows go out as the bytes they were written as, which is what serialising them
    /// gives inside a pretty report (see [`encode_into`]).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let Some(Spilled { file, spans }) = &self.spilled else {
            return serializer.collect_seq(&self.held);
        };
        let mut seq = serializer.serialize_seq(Some(spans.len()))?;
        let mut window = Window::default();
        for span in spans {
            let bytes = window.row(&file.file, *span);
            let raw: &serde_json::value::RawValue =
                serde_json::from_slice(bytes).map_err(S::Error::custom)?;
            seq.serialize_element(raw)?;
        }
        seq.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Rows<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::deserialize(deserializer).map(Rows::from)
    }
}

/// Rows as a check makes them: in any order, each with the place (`key`) it takes in the
/// finished rows. Spilled from the first row when the check expects more than it holds.
pub(crate) struct RowsBuilder<T, K> {
    held: Vec<(K, T)>,
    spilled: Option<Spilled<(K, Span)>>,
    /// Spilled rows not yet written, which start at `unwritten_at` in the file: one write per
    /// [`WINDOW`] of rows, not a system call per row.
    unwritten: Vec<u8>,
    unwritten_at: u64,
}

impl<T: Serialize + DeserializeOwned + Clone, K: Ord> RowsBuilder<T, K> {
    /// For `expected` rows; spilled to an unlinked file in `dir` when that is more than
    /// [`held_at_most`].
    pub(crate) fn new(expected: usize, dir: &Path) -> std::io::Result<Self> {
        if expected <= held_at_most() {
            return Ok(RowsBuilder {
                held: Vec::with_capacity(expected),
                spilled: None,
                unwritten: Vec::new(),
                unwritten_at: 0,
            });
        }
        let file = tempfile::tempfile_in(dir)?;
        tracing::debug!("{expected} report rows kept in a temporary file, not in memory");
        Ok(RowsBuilder {
            held: Vec::new(),
            spilled: Some(Spilled {
                file: Arc::new(SpillFile {
                    file,
                    end: Mutex::new(0),
                }),
                spans: Vec::with_capacity(expected),
            }),
            unwritten: Vec::with_capacity(WINDOW),
            unwritten_at: 0,
        })
    }

    pub(crate) fn push(&mut self, key: K, row: T) -> std::io::Result<()> {
        let Some(s) = &mut self.spilled else {
            self.held.push((key, row));
            return Ok(());
        };
        let start = self.unwritten.len();
        encode_into(&mut self.unwritten, &row);
        let len = u32::try_from(self.unwritten.len() - start)
            .map_err(|_| std::io::Error::other("a report row over 4 GiB"))?;
        let at = self.unwritten_at + start as u64;
        s.spans.push((key, Span { at, len }));
        if self.unwritten.len() >= WINDOW {
            self.write_out()?;
        }
        Ok(())
    }

    fn write_out(&mut self) -> std::io::Result<()> {
        if let Some(s) = &self.spilled {
            let written = s.file.append(&self.unwritten)?;
            debug_assert_eq!(written.at, self.unwritten_at);
            self.unwritten_at += u64::from(written.len);
            self.unwritten.clear();
        }
        Ok(())
    }

    /// The rows ordered by key (rows of one key in the order pushed).
    pub(crate) fn finish(mut self) -> std::io::Result<Rows<T>> {
        self.write_out()?;
        Ok(match self.spilled {
            None => {
                let mut held = self.held;
                held.sort_by(|a, b| a.0.cmp(&b.0));
                Rows::from(held.into_iter().map(|(_, row)| row).collect::<Vec<T>>())
            }
            Some(Spilled { file, mut spans }) => {
                spans.sort_by(|a, b| a.0.cmp(&b.0));
                let spans = spans.into_iter().map(|(_, span)| span).collect();
                Rows {
                    held: Vec::new(),
                    spilled: Some(Spilled { file, spans }),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Row {
        id: String,
        n: u32,
        /// Nested and empty values, and a newline in a string, are indented as a report's.
        notes: Vec<String>,
    }

    fn row(i: usize) -> Row {
        Row {
            id: format!("row-{i}"),
            n: i as u32,
            notes: (0..i % 3).map(|k| format!("line {k}\nand more")).collect(),
        }
    }

    fn built(spill: bool, keys: &[usize]) -> Rows<Row> {
        let dir = tempfile::tempdir().unwrap();
        let expected = if spill {
            held_at_most() + 1
        } else {
            keys.len()
        };
        let mut b = RowsBuilder::new(expected, dir.path()).unwrap();
        for &k in keys {
            b.push(k, row(k)).unwrap();
        }
        b.finish().unwrap()
    }

    #[test]
    fn spilled_rows_read_back_serialise_and_change_as_held_ones_do() {
        // Out of order, as sources finish; more rows than one write or one read window holds.
        let keys: Vec<usize> = (0..10_000).rev().chain(10_000..20_000).collect();
        let (mut held, mut spilled) = (built(false, &keys), built(true, &keys));
        assert!(spilled.is_spilled() && !held.is_spilled());
        assert_eq!(spilled.len(), 20_000);
        let all: Vec<Row> = spilled.iter().map(Cow::into_owned).collect();
        assert_eq!(all, (0..20_000).map(row).collect::<Vec<_>>());
        assert_eq!(spilled.get(4321).unwrap().into_owned(), row(4321));
        assert!(spilled.get(20_000).is_none());
        for rows in [&mut held, &mut spilled] {
            rows.update(7, |r| r.id = "seven".to_string()).unwrap();
            rows.update_all(|r| {
                let odd = r.n % 2 == 1;
                if odd {
                    r.n += 100_000;
                }
                odd
            })
            .unwrap();
        }
        // Byte for byte as a saved report has them: two levels in, pretty.
        #[derive(Serialize)]
        struct Report<'a> {
            rows: &'a Rows<Row>,
        }
        let pretty = |rows| serde_json::to_string_pretty(&Report { rows }).unwrap();
        assert_eq!(pretty(&held), pretty(&spilled));
        assert_eq!(spilled.get(7).unwrap().id, "seven");
        assert_eq!(spilled.get(7).unwrap().n, 100_007);
        // Written in an order far from the one they are read in (many hosts): the window
        // shrinks towards a read per row and every row still reads back whole.
        let scattered: Vec<usize> = (0..20_000).map(|i| i * 7919 % 20_000).collect();
        let far = built(true, &scattered);
        assert!(far.iter().map(Cow::into_owned).eq((0..20_000).map(row)));
        let back: Rows<Row> =
            serde_json::from_str(&serde_json::to_string(&spilled).unwrap()).unwrap();
        assert_eq!(back.into_vec(), spilled.into_vec());
    }
}
