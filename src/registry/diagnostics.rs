//! Problems in `sources.toml`, located the way editors and CI annotations understand them
//! (`file:line:col: message`), and the [`Locator`] that turns byte spans into those positions.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// One problem in `sources.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// Every diagnostic of a run, one per line.
pub(super) fn render(list: &[Diagnostic]) -> String {
    list.iter()
        .map(Diagnostic::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Turns byte offsets into 1-based line and column (in characters).
pub(super) struct Locator<'a> {
    file: String,
    text: &'a str,
    /// Built at the first problem: a good file of 100,000 sources never needs its million
    /// line starts.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl<'a> Locator<'a> {
    pub(super) fn new(path: &Path, text: &'a str) -> Self {
        Locator {
            file: path.display().to_string(),
            text,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// The 1-based line `offset` is on.
    pub(super) fn line(&self, offset: usize) -> usize {
        self.line_starts().partition_point(|&s| s <= offset)
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        })
    }

    pub(super) fn at(&self, span: &Range<usize>, message: impl Into<String>) -> Diagnostic {
        let offset = span.start.min(self.text.len());
        let line_starts = self.line_starts();
        let line_idx = line_starts.partition_point(|&s| s <= offset) - 1;
        let line_start = line_starts[line_idx];
        let col = self.text[line_start..offset].chars().count() + 1;
        Diagnostic {
            file: self.file.clone(),
            line: line_idx + 1,
            col,
            message: message.into(),
        }
    }
}
