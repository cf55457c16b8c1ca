//! The text writer every format ends in: lines of collapsed text, block boundaries as line breaks
//! (except inside a table row, which stays one line with cells joined by ` | `), list items
//! starting with `- `, invisible characters dropped, and a note of whether NFC is needed.

use crate::text::is_nfc_starter;

/// Elements that start a new line.
pub(super) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "ul"
    )
}

/// Plain text (a JSON string, a PDF page): each line of it becomes a line.
pub(super) fn plain_lines(text: &str, writer: &mut TextWriter) {
    for line in text.lines() {
        writer.text(line);
        writer.hard_break();
    }
}

/// Accumulates lines of collapsed text. Block boundaries become line breaks, except inside a
/// table row, which must stay one line.
#[derive(Default)]
pub(super) struct TextWriter {
    pub(super) out: String,
    /// Where the last line of `out` starts.
    line_start: usize,
    line_has_content: bool,
    pending_space: bool,
    /// Cell counters of the table rows we are inside (nested tables push another).
    rows: Vec<usize>,
    /// Some character written may not be NFC as it stands (see [`is_nfc_starter`]).
    pub(super) needs_nfc: bool,
}

impl TextWriter {
    /// Appends text: runs of whitespace (NBSP too) become one pending space; zero-width space,
    /// BOM and soft hyphen are invisible and dropped. One pass, whole runs of words copied at
    /// once: this is the hottest loop of a check.
    pub(super) fn text(&mut self, s: &str) {
        // Bytes worth a closer look: ASCII whitespace and control characters, and the lead bytes
        // of characters that are whitespace or invisible (C2: NBSP, U+0085, soft hyphen, the C1
        // controls; E1, E2, E3: the other spaces, zero-width space, bidi controls; EF: BOM) or
        // may not be NFC on their own (all but C3-CB, D0, D1, D3). Everything else (ASCII
        // letters, Latin-1, Cyrillic) costs one table lookup per byte.
        const STOP: [bool; 256] = {
            let mut t = [false; 256];
            let mut b = 0;
            while b < 256 {
                t[b] = matches!(b, 0x00..=0x20 | 0x7F | 0xC2 | 0xCC..=0xCF | 0xD2 | 0xD4..=0xFF);
                b += 1;
            }
            t
        };
        let bytes = s.as_bytes();
        let mut word_start = 0;
        let mut i = 0;
        loop {
            while i < bytes.len() && !STOP[bytes[i] as usize] {
                i += 1;
            }
            if i == bytes.len() {
                break;
            }
            let b = bytes[i];
            // One space between two words stays inside the run: it is what collapsing gives.
            if b == b' ' && word_start < i && bytes.get(i + 1).is_some_and(|&n| !STOP[n as usize]) {
                i += 1;
                continue;
            }
            let (separator, space, len) = if b < 0x80 {
                // Control characters are dropped: page text must never drive a terminal (ESC
                // sequences, BEL, backspace) when a report or a diff is printed.
                (true, matches!(b, 0x09..=0x0D | 0x20), 1)
            } else {
                let c = s[i..].chars().next().expect("a char starts here");
                let invisible = crate::text::is_invisible(c);
                let space = c.is_whitespace();
                if !space && !invisible && !is_nfc_starter(c) {
                    self.needs_nfc = true;
                }
                (space || invisible, space, c.len_utf8())
            };
            if separator {
                if word_start < i {
                    self.word(&s[word_start..i]);
                }
                if space {
                    self.pending_space = self.line_has_content;
                }
                word_start = i + len;
            }
            i += len;
        }
        if word_start < bytes.len() {
            self.word(&s[word_start..]);
        }
    }

    fn word(&mut self, w: &str) {
        if self.pending_space && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push_str(w);
        self.line_has_content = true;
    }

    fn literal(&mut self, s: &str) {
        if self.pending_space && !s.starts_with(' ') {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push_str(s);
        self.line_has_content = true;
    }

    pub(super) fn hard_break(&mut self) {
        if self.line_has_content {
            // A line that is only a list marker or separators carries nothing.
            if self.out[self.line_start..]
                .bytes()
                .all(|b| matches!(b, b'-' | b'|' | b' '))
            {
                self.out.truncate(self.line_start);
            } else {
                self.out.push('\n');
                self.line_start = self.out.len();
            }
        }
        self.line_has_content = false;
        self.pending_space = false;
    }

    fn soft_break(&mut self) {
        if self.rows.is_empty() {
            self.hard_break();
        } else {
            self.pending_space = self.line_has_content;
        }
    }

    pub(super) fn open(&mut self, name: &str) {
        match name {
            "br" => self.soft_break(),
            "tr" => {
                self.hard_break();
                self.rows.push(0);
            }
            "td" | "th" => {
                if let Some(cells) = self.rows.last_mut() {
                    *cells += 1;
                    if *cells > 1 {
                        self.literal(" | ");
                    }
                }
            }
            "li" => {
                self.soft_break();
                if self.rows.is_empty() {
                    self.literal("- ");
                }
            }
            _ if is_block(name) => self.soft_break(),
            _ => {}
        }
    }

    pub(super) fn close(&mut self, name: &str) {
        match name {
            "tr" => {
                self.rows.pop();
                self.hard_break();
            }
            _ if is_block(name) => self.soft_break(),
            _ => {}
        }
    }
}

impl TextWriter {
    #[cfg(test)]
    pub(super) fn finish_plain(mut self) -> String {
        self.hard_break();
        while self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::nfc;

    #[test]
    fn writer_flags_every_text_that_needs_nfc() {
        // Decomposed pairs split across text nodes, Hangul jamo, Kazakh letters (D2 lead bytes)
        // next to the combining marks that share that lead byte.
        let cases = [
            (vec!["ви", "\u{306}за"], "вйза", true),
            (vec!["\u{1100}", "\u{1161}"], "\u{AC00}", true),
            (vec!["e\u{301}"], "\u{e9}", true),
            (vec!["Қазақ ҒҰҮ"], "Қазақ ҒҰҮ", false),
            (vec!["к\u{483}"], "к\u{483}", true),
            (vec!["Срок «45» дней — €"], "Срок «45» дней — €", false),
        ];
        for (chunks, expected, flagged) in cases {
            let mut w = TextWriter::default();
            for c in &chunks {
                w.text(c);
            }
            assert_eq!(w.needs_nfc, flagged, "{chunks:?}");
            let needs_nfc = w.needs_nfc;
            let raw = w.finish_plain();
            // What `finish` does for a source without `ignore`: NFC only when flagged.
            let text = if needs_nfc {
                nfc(&raw).into_owned()
            } else {
                raw
            };
            assert_eq!(text, expected, "{chunks:?}");
            assert_eq!(text, nfc(&text), "{chunks:?}");
        }
    }

    #[test]
    fn control_and_bidi_characters_never_reach_the_text() {
        let mut w = TextWriter::default();
        w.text("Fee\u{1b}[2J 4\u{7} MCI\u{8}\u{1b}]0;owned\u{7} \u{202e}txet\u{202c} \u{9b}x");
        assert_eq!(w.finish_plain(), "Fee[2J 4 MCI]0;owned txet x");
    }

    #[test]
    fn writer_keeps_inline_text_on_one_line() {
        let mut w = TextWriter::default();
        w.text("  a ");
        w.text(" b\n\tc ");
        w.text("\u{200B} d\u{00AD}e \u{FEFF}");
        w.text("\u{00A0}f\u{2003}g\u{3000}h\u{0085}Ёж\u{202F}€");
        assert_eq!(w.finish_plain(), "a b c de f g h Ёж €");
    }
}
