//! Where `sources.toml` can be cut into pieces that parse on their own: before each top-level
//! `[[sources]]` and `[[routes]]` header. A parsed TOML tree costs about twenty times the text
//! it came from, so a 20 MB registry read whole peaks at half a gigabyte; read a table at a
//! time, it peaks at the tables themselves.
//!
//! The cut is only ever an optimisation: `read` falls back to the whole file whenever a piece
//! does not stand on its own (a syntax error, a table that TOML would join to one in another
//! piece), so what is reported for a file never depends on it.

/// Byte offsets where a piece starts: always 0, then each line that opens a top-level
/// `[[sources]]` or `[[routes]]` outside any string, array or inline table.
pub(super) fn starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut lexer = Lexer::default();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if at > 0 && lexer.at_top() && opens_piece(line) {
            starts.push(at);
        }
        lexer.line(line);
        at += line.len();
    }
    starts
}

/// Whether the file's first line that is not blank or a comment opens a piece: then the first
/// piece is a table like the others, not what comes before them.
pub(super) fn starts_with_piece(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(opens_piece)
}

fn opens_piece(line: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix("[[") else {
        return false;
    };
    let Some((name, after)) = rest.split_once("]]") else {
        return false;
    };
    let after = after.trim();
    matches!(name.trim(), "sources" | "routes") && (after.is_empty() || after.starts_with('#'))
}

/// Just enough of TOML's lexical rules to know whether a line starts outside every value.
#[derive(Default)]
struct Lexer {
    /// Inside a `"""` or `'''` string that spans lines.
    multiline: Option<&'static str>,
    /// Open `[` and `{` of values (a header's own brackets close on its line).
    depth: usize,
}

impl Lexer {
    fn at_top(&self) -> bool {
        self.multiline.is_none() && self.depth == 0
    }

    fn line(&mut self, line: &str) {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if let Some(close) = self.multiline {
                if close == "\"\"\"" && bytes[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if line[i..].starts_with(close) {
                    // A closing run may be longer (`""""`): the last three close it.
                    i += close.len();
                    while i < bytes.len() && bytes[i] == close.as_bytes()[0] {
                        i += 1;
                    }
                    self.multiline = None;
                } else {
                    i += 1;
                }
                continue;
            }
            match bytes[i] {
                b'#' => return,
                b'"' if line[i..].starts_with("\"\"\"") => {
                    self.multiline = Some("\"\"\"");
                    i += 3;
                }
                b'\'' if line[i..].starts_with("'''") => {
                    self.multiline = Some("'''");
                    i += 3;
                }
                b'"' => i = skip_basic(bytes, i + 1),
                b'\'' => {
                    i += 1 + bytes[i + 1..]
                        .iter()
                        .position(|&b| b == b'\'' || b == b'\n')
                        .map_or(bytes.len() - i - 1, |p| p + 1);
                }
                b'[' | b'{' => {
                    self.depth += 1;
                    i += 1;
                }
                b']' | b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    i += 1;
                }
                _ => i += 1,
            }
        }
    }
}

/// Past the end of a one-line basic string whose text starts at `i`.
fn skip_basic(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' | b'\n' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::starts;

    fn pieces(text: &str) -> Vec<&str> {
        let s = starts(text);
        s.iter()
            .zip(s.iter().skip(1).chain([&text.len()]))
            .map(|(&a, &b)| &text[a..b])
            .collect()
    }

    #[test]
    fn cuts_before_each_top_level_array_table() {
        let text = "[settings]\nx = 1\n\n[[sources]]\nid = \"a\"\n\n[[routes]] # r\nid = \"r\"\n\
                    [[routes.facts]]\nid = \"f\"\n[[sources]]\nid = \"b\"\n";
        assert_eq!(
            pieces(text),
            [
                "[settings]\nx = 1\n\n",
                "[[sources]]\nid = \"a\"\n\n",
                "[[routes]] # r\nid = \"r\"\n[[routes.facts]]\nid = \"f\"\n",
                "[[sources]]\nid = \"b\"\n",
            ]
        );
    }

    #[test]
    fn never_cuts_inside_a_value() {
        for text in [
            "a = \"\"\"\n[[sources]]\n\"\"\"\n",
            "a = '''\n[[sources]]\n'''\n",
            "a = \"\"\"\\\"\"\"\n[[sources]]\n\"\"\"\n",
            "a = [\n[[sources]]\n]\n",
            "a = [ # ]\n[[sources]]\n]\n",
            "a = \"]\" ; b = [\n[[routes]]\n]\n",
        ] {
            assert_eq!(starts(text), [0], "{text:?}");
        }
        // Closed again, the next header cuts.
        let text = "a = \"\"\"x\"\"\"\"\n[[sources]]\n";
        assert_eq!(starts(text), [0, 13]);
    }
}
