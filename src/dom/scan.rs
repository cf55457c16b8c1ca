//! The byte scan that follows the stack of open elements the way html5ever's tree builder
//! would, to refuse absurd nesting before the parser sees it (see the module doc of `dom`).

use super::tags::{
    A, BODY, BREAKS_OUT, BUTTON, BUTTON_SCOPE, CLOSES_P, DD, DT, HEAD, HEADING, HTML, INTEGRATION,
    LI, LIST_SCOPE, MATH, NOBR, OPTGROUP, OPTION, P, PLAINTEXT, RAW, SCOPE, SPECIAL, SVG, TABLE,
    TABLE_SCOPE, TBODY, TD, TFOOT, TH, THEAD, TR, VOID, flags, key,
};
use super::{DomError, MAX_DEPTH, MAX_WORK};

/// How far down the stack a scope question looks; past that the element is taken as not in
/// scope (the estimate errs towards deeper, and stays linear).
const WALK: usize = 64;

/// Buckets of [`Scan::open`].
const BUCKETS: usize = 1024;

#[derive(Clone, Copy)]
struct Open {
    key: u64,
    flags: u16,
    /// An SVG or MathML element.
    foreign: bool,
}

/// The stack of open elements, estimated from the bytes (see the module doc).
pub(crate) struct Scan {
    stack: Vec<Open>,
    /// Open elements by a few bits of their key: zero means none of that name is open, so most
    /// end tags and scope questions are answered without looking at the stack.
    open: [u32; BUCKETS],
    work: u64,
    deepest: usize,
}

impl Scan {
    /// `Ok` when the page is within [`MAX_DEPTH`] and [`MAX_WORK`].
    pub(crate) fn check(html: &str) -> Result<(), DomError> {
        Scan::new().run(html.as_bytes()).map(|_| ())
    }

    pub(super) fn new() -> Scan {
        Scan {
            stack: Vec::with_capacity(64),
            open: [0; BUCKETS],
            work: 0,
            deepest: 0,
        }
    }

    /// The deepest nesting seen, or why the page is refused.
    pub(super) fn run(mut self, b: &[u8]) -> Result<usize, DomError> {
        let mut i = 0;
        while let Some(lt) = memchr::memchr(b'<', &b[i..]) {
            let at = i + lt;
            i = at + 1;
            match b.get(i) {
                Some(b'!') => {
                    i = if b[i..].starts_with(b"!--") {
                        find(b, i + 1, b"-->").map_or(b.len(), |e| e + 3)
                    } else if self.in_foreign() && b[i..].starts_with(b"![CDATA[") {
                        find(b, i, b"]]>").map_or(b.len(), |e| e + 3)
                    } else {
                        skip_to_gt(b, i)
                    };
                }
                Some(b'?') => i = skip_to_gt(b, i),
                Some(b'/') => {
                    if b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
                        let (k, end) = name(b, i + 1);
                        i = tag_end(b, end).0;
                        self.end(k);
                    } else {
                        i = skip_to_gt(b, i);
                    }
                }
                Some(c) if c.is_ascii_alphabetic() => {
                    let (k, end) = name(b, i);
                    let (after, self_closing) = tag_end(b, end);
                    i = after;
                    let f = flags(k);
                    let html = !self.in_foreign() || f & BREAKS_OUT != 0;
                    if html && k == PLAINTEXT {
                        break;
                    }
                    if html && f & RAW != 0 {
                        i = raw_text_end(b, i, &b[at + 1..end]);
                        continue;
                    }
                    self.start(k, f, self_closing, at)?;
                }
                _ => {}
            }
        }
        Ok(self.deepest)
    }

    /// Whether a start tag now is an SVG or MathML element: `<x/>` closes itself there.
    fn in_foreign(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|e| e.foreign && e.flags & INTEGRATION == 0)
    }

    fn start(&mut self, k: u64, f: u16, self_closing: bool, at: usize) -> Result<(), DomError> {
        if self.in_foreign() {
            if f & BREAKS_OUT != 0 {
                while self.stack.last().is_some_and(|e| e.foreign) {
                    self.pop();
                }
            } else {
                return if self_closing {
                    Ok(())
                } else {
                    self.push(k, f, true, at)
                };
            }
        }
        if k == SVG || k == MATH {
            return if self_closing {
                Ok(())
            } else {
                self.push(k, f, true, at)
            };
        }
        // The parser makes html, head and body once, whatever the page says.
        if f & VOID != 0 || matches!(k, HTML | HEAD | BODY) {
            return Ok(());
        }
        if f & CLOSES_P != 0 {
            self.close_in_scope(P, SCOPE | BUTTON_SCOPE);
        }
        match k {
            LI => self.close_in_scope(LI, SCOPE | LIST_SCOPE),
            DD | DT => {
                self.close_in_scope(DD, SCOPE);
                self.close_in_scope(DT, SCOPE);
            }
            // A formatting element closed by the next one of its kind, unless a block opened
            // inside it (then the adoption agency moves things around, about as deep).
            A | NOBR => self.close_in_scope(k, SPECIAL),
            BUTTON => self.close_in_scope(k, SCOPE),
            OPTION => self.close_top(OPTION),
            OPTGROUP => {
                self.close_top(OPTION);
                self.close_top(OPTGROUP);
            }
            // Rows and cells written straight into a table get the sections the parser adds.
            TR => {
                self.close_in_scope(TR, TABLE_SCOPE);
                if self.top() == Some(TABLE) {
                    self.push(TBODY, flags(TBODY), false, at)?;
                }
            }
            TD | TH => {
                self.close_in_scope(TD, TABLE_SCOPE);
                self.close_in_scope(TH, TABLE_SCOPE);
                if self.top() == Some(TABLE) {
                    self.push(TBODY, flags(TBODY), false, at)?;
                }
                if matches!(self.top(), Some(TBODY | THEAD | TFOOT)) {
                    self.push(TR, flags(TR), false, at)?;
                }
            }
            TBODY | THEAD | TFOOT => {
                for section in [TBODY, THEAD, TFOOT] {
                    self.close_in_scope(section, TABLE_SCOPE);
                }
            }
            _ if f & HEADING != 0 && self.stack.last().is_some_and(|e| e.flags & HEADING != 0) => {
                self.pop();
            }
            _ => {}
        }
        self.push(k, f, false, at)
    }

    fn push(&mut self, key: u64, flags: u16, foreign: bool, at: usize) -> Result<(), DomError> {
        self.stack.push(Open {
            key,
            flags,
            foreign,
        });
        self.open[bucket(key)] += 1;
        let depth = self.stack.len();
        self.deepest = self.deepest.max(depth);
        self.work += depth as u64;
        if depth > MAX_DEPTH {
            return Err(DomError::TooDeep { at });
        }
        if self.work > MAX_WORK {
            return Err(DomError::TooComplex {
                at,
                work: self.work / 1_000_000,
            });
        }
        Ok(())
    }

    fn end(&mut self, k: u64) {
        if self.open[bucket(k)] == 0 || matches!(k, HTML | HEAD | BODY) {
            return;
        }
        let f = flags(k);
        let stop = match k {
            P => SCOPE | BUTTON_SCOPE,
            LI => SCOPE | LIST_SCOPE,
            TR | TD | TH | TBODY | THEAD | TFOOT | TABLE => TABLE_SCOPE,
            _ if f & SPECIAL != 0 => SCOPE,
            // An ordinary element closes unless a special one is open above it.
            _ => SPECIAL,
        };
        self.close_in_scope(k, stop);
    }

    /// Pops down to and including the topmost `k`, if it is found within [`WALK`] elements and
    /// below no element with one of the `stop` flags.
    fn close_in_scope(&mut self, k: u64, stop: u16) {
        if self.open[bucket(k)] == 0 {
            return;
        }
        let len = self.stack.len();
        for i in (len.saturating_sub(WALK)..len).rev() {
            let e = self.stack[i];
            if e.key == k {
                while self.stack.len() > i {
                    self.pop();
                }
                return;
            }
            if e.flags & stop != 0 {
                return;
            }
        }
    }

    fn top(&self) -> Option<u64> {
        self.stack.last().map(|e| e.key)
    }

    fn close_top(&mut self, k: u64) {
        if self.top() == Some(k) {
            self.pop();
        }
    }

    fn pop(&mut self) {
        if let Some(e) = self.stack.pop() {
            self.open[bucket(e.key)] -= 1;
        }
    }
}

fn bucket(k: u64) -> usize {
    (k >> 32) as usize % BUCKETS
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&b[from.min(b.len())..], needle).map(|p| from + p)
}

fn skip_to_gt(b: &[u8], from: usize) -> usize {
    memchr::memchr(b'>', &b[from..]).map_or(b.len(), |p| from + p + 1)
}

/// The key of the tag name starting at `from`, and where the name ends.
fn name(b: &[u8], from: usize) -> (u64, usize) {
    let end = b[from..]
        .iter()
        .position(|&c| is_space(c) || c == b'/' || c == b'>')
        .map_or(b.len(), |p| from + p);
    (key(&b[from..end]), end)
}

/// Where the tag whose name ends at `from` ends (just past its `>`), and whether it was
/// written self-closing. A quoted attribute value may hold `>`.
fn tag_end(b: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    while let Some(p) = memchr::memchr3(b'>', b'"', b'\'', &b[i..]) {
        let j = i + p;
        let q = b[j];
        if q == b'>' {
            return (j + 1, j > from && b[j - 1] == b'/');
        }
        // A quote opens a value only right after `=` (spaces allowed).
        let value = b[from..j]
            .iter()
            .rposition(|c| !is_space(*c))
            .is_some_and(|p| b[from + p] == b'=');
        i = if value {
            memchr::memchr(q, &b[j + 1..]).map_or(b.len(), |e| j + 2 + e)
        } else {
            j + 1
        };
    }
    (b.len(), false)
}

fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Just past the end tag that closes the raw-text element `name` whose content starts at `from`.
fn raw_text_end(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(p) = find(b, i, b"</") {
        let n = p + 2;
        if b.len() >= n + name.len()
            && b[n..n + name.len()].eq_ignore_ascii_case(name)
            && b.get(n + name.len())
                .is_none_or(|&c| is_space(c) || c == b'/' || c == b'>')
        {
            return tag_end(b, n + name.len()).0;
        }
        i = n;
    }
    b.len()
}
