//! `sources.toml` text → the raw model, with every problem of the file collected on the way:
//! syntax errors (the parser recovers and goes on), unknown keys (all of them, see `keys`), and
//! values of the wrong type or missing keys, one table at a time, so one bad source or fact does
//! not hide the problems of the others.

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diagnostics::{Diagnostic, Locator};
use super::keys;
use super::raw::{RawFact, RawFile, RawRoute, RawSettings, RawSource};

pub(super) fn read(text: &str, locator: &Locator<'_>) -> (RawFile, Vec<Diagnostic>) {
    let starts = super::chunks::starts(text);
    if starts.len() > 1
        && let Some(read) = read_in_pieces(text, &starts, locator)
    {
        return read;
    }
    read_whole(text, locator)
}

fn read_whole(text: &str, locator: &Locator<'_>) -> (RawFile, Vec<Diagnostic>) {
    let (root, syntax) = DeTable::parse_recoverable(text);
    let mut problems = Vec::new();
    for e in syntax {
        let span = e.span().unwrap_or(0..0);
        problems.push(locator.at(&span, e.message().trim()));
    }
    // A fact table before any route table makes the parser see `routes` as a table and then a
    // duplicate key: said instead as what it is, at the fact's header.
    let misplaced = fact_before_any_route(text);
    let mut reader = Reader {
        locator,
        problems,
        unread_sources: Vec::new(),
    };
    let mut file = RawFile::default();
    reader.root(root.into_inner(), &mut file);
    file.unread_sources = reader.unread_sources;
    let mut problems = reader.problems;
    if let Some(at) = misplaced {
        problems.retain(|p| {
            !p.message.contains("duplicate key") && !p.message.starts_with("`routes` must be")
        });
        problems.push(locator.at(
            &(at..at),
            "`[[routes.facts]]` comes before any `[[routes]]`: a fact belongs to the `[[routes]]` \
             table above it, so put `[[routes]]` with the route's `id` and `title` first",
        ));
    }
    (file, problems)
}

/// The file read a piece at a time (see `chunks`); `None` when a piece does not stand on its
/// own, for the whole file to be read at once and its problems reported as TOML sees them.
fn read_in_pieces(
    text: &str,
    starts: &[usize],
    locator: &Locator<'_>,
) -> Option<(RawFile, Vec<Diagnostic>)> {
    let mut reader = Reader {
        locator,
        problems: Vec::new(),
        unread_sources: Vec::new(),
    };
    let mut file = RawFile::default();
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    for (&start, end) in starts.iter().zip(ends) {
        let (root, syntax) = DeTable::parse_recoverable(&text[start..end]);
        if !syntax.is_empty() {
            return None;
        }
        let root = shift_table(root.into_inner(), start);
        let stands_alone = |key: &str, array: bool| {
            root.iter()
                .find(|(k, _)| k.get_ref().as_ref() == key)
                .is_none_or(|(_, v)| matches!(v.get_ref(), DeValue::Array(_)) == array)
        };
        // Two `[settings]`, or `[[routes.facts]]` with its route in an earlier piece: TOML
        // joins (or refuses) these across the file, so the file is read whole.
        let settings_again = file.settings.is_some() && !stands_alone("settings", true);
        // Before the first `[[sources]]` or `[[routes]]` header, these keys can only come from
        // `sources = […]` or a dotted key, which later headers may not extend: TOML decides.
        let assigned_first = start == 0
            && !super::chunks::starts_with_piece(text)
            && root
                .iter()
                .any(|(k, _)| matches!(k.get_ref().as_ref(), "sources" | "routes"));
        if assigned_first {
            return None;
        }
        if settings_again || !stands_alone("routes", true) || !stands_alone("sources", true) {
            return None;
        }
        reader.root(root, &mut file);
    }
    file.unread_sources = reader.unread_sources;
    Some((file, reader.problems))
}

/// A parsed piece's spans moved to where the piece starts in the file.
fn shift_table(table: DeTable<'_>, by: usize) -> DeTable<'_> {
    let mut shifted = DeTable::new();
    for (k, v) in table {
        let span = k.span();
        shifted.insert(
            Spanned::new(span.start + by..span.end + by, k.into_inner()),
            shift(v, by),
        );
    }
    shifted
}

fn shift(value: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = value.span();
    let inner = match value.into_inner() {
        DeValue::Table(t) => DeValue::Table(shift_table(t, by)),
        DeValue::Array(mut items) => {
            let mut shifted = toml::de::DeArray::new();
            for item in items.iter_mut() {
                let item = std::mem::replace(item, Spanned::new(0..0, DeValue::Boolean(false)));
                shifted.push(shift(item, by));
            }
            DeValue::Array(shifted)
        }
        other => other,
    };
    Spanned::new(span.start + by..span.end + by, inner)
}

struct Reader<'l, 'a> {
    locator: &'l Locator<'a>,
    problems: Vec<Diagnostic>,
    unread_sources: Vec<String>,
}

impl Reader<'_, '_> {
    /// What one parsed document (the whole file, or one piece of it) adds to `file`.
    fn root(&mut self, mut root: DeTable<'_>, file: &mut RawFile) {
        keys::check(&keys::FILE, &mut root, self.locator, &mut self.problems);
        if let Some(v) = take(&mut root, "settings") {
            file.settings = Some(self.one::<RawSettings>(v).unwrap_or_default());
        }
        let sources = self.tables(take(&mut root, "sources"), "sources", |r, t| {
            let id = string_key(&t, "id");
            let read = r.one::<RawSource>(t).map(Box::new);
            if read.is_none()
                && let Some(id) = id
            {
                // Facts naming it are not to be told the source does not exist.
                r.unread_sources.push(id);
            }
            read
        });
        file.sources.extend(sources);
        let routes = self.tables(take(&mut root, "routes"), "routes", |r, mut t| {
            let facts = match t.get_mut() {
                DeValue::Table(table) => take(table, "facts"),
                _ => None,
            };
            let mut route = r.one::<RawRoute>(t)?;
            route.facts = r.tables(facts, "routes.facts", |r, f| r.one::<RawFact>(f));
            Some(route)
        });
        file.routes.extend(routes);
    }

    /// One table as `T`; a problem is noted and `None` returned when it does not read.
    fn one<T: for<'de> Deserialize<'de>>(&mut self, value: Spanned<DeValue<'_>>) -> Option<T> {
        let span = value.span();
        // Which key a value belongs to, to name it when the value is of the wrong type.
        let keys: Vec<(String, std::ops::Range<usize>)> = match value.get_ref() {
            DeValue::Table(t) => t
                .iter()
                .map(|(k, v)| (k.get_ref().to_string(), v.span()))
                .collect(),
            _ => Vec::new(),
        };
        match T::deserialize(ValueDeserializer::from(value)) {
            Ok(v) => Some(v),
            Err(e) => {
                let at = e.span().unwrap_or(span);
                let mut message = in_words(e.message().trim());
                if let Some((key, _)) = keys.iter().find(|(_, s)| *s == at) {
                    message = format!("`{key}`: {message}");
                }
                self.problems.push(self.locator.at(&at, message));
                None
            }
        }
    }

    /// Each table of an array of tables (`[[name]]`), read by `each`; those that do not read
    /// are left out, their problems noted.
    fn tables<T>(
        &mut self,
        value: Option<Spanned<DeValue<'_>>>,
        name: &str,
        mut each: impl FnMut(&mut Self, Spanned<DeValue<'_>>) -> Option<T>,
    ) -> Vec<T> {
        let Some(value) = value else {
            return Vec::new();
        };
        let span = value.span();
        match value.into_inner() {
            DeValue::Array(items) => items.into_iter().filter_map(|t| each(self, t)).collect(),
            _ => {
                self.problems.push(self.locator.at(
                    &span,
                    format!("`{name}` must be a list of [[{name}]] tables"),
                ));
                Vec::new()
            }
        }
    }
}

/// Where the first `[[routes.facts]]` header is, when no `[[routes]]` header comes before it.
fn fact_before_any_route(text: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let trimmed = line.trim_start();
        let Some(rest) = trimmed.strip_prefix("[[") else {
            continue;
        };
        let Some(end) = rest.find("]]") else {
            continue;
        };
        let name: String = rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
        match name.as_str() {
            "routes" => return None,
            "routes.facts" => return Some(start + (line.len() - trimmed.len())),
            _ => {}
        }
    }
    None
}

fn take<'i>(table: &mut DeTable<'i>, key: &str) -> Option<Spanned<DeValue<'i>>> {
    let k = table.keys().find(|k| k.get_ref().as_ref() == key)?.clone();
    table.remove(&k)
}

fn string_key(value: &Spanned<DeValue<'_>>, key: &str) -> Option<String> {
    let DeValue::Table(t) = value.get_ref() else {
        return None;
    };
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .and_then(|(_, v)| match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => None,
        })
}

/// serde's type errors in the words of the file: "invalid type: string \"ninety\", expected
/// i64" becomes "expected a whole number, found the text \"ninety\"".
fn in_words(message: &str) -> String {
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return format!("missing key `{field}`");
    }
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|m| m.rsplit_once(", expected "))
    else {
        return message.to_string();
    };
    let expected = match expected {
        "i64" | "u64" | "u32" | "an integer" => "a whole number",
        "a boolean" => "true or false",
        "a string" => "text in quotes",
        "a sequence" => "a list such as [\"…\"]",
        "a TOML datetime" | "a datetime" => "a date such as 2026-06-09",
        other => other,
    };
    let found = if let Some(text) = found.strip_prefix("string ") {
        format!("the text {text}")
    } else if let Some(n) = found
        .strip_prefix("integer `")
        .or_else(|| found.strip_prefix("floating point `"))
    {
        format!("the number {}", n.trim_end_matches('`'))
    } else if let Some(b) = found.strip_prefix("boolean `") {
        b.trim_end_matches('`').to_string()
    } else {
        match found {
            "sequence" => "a list".to_string(),
            "map" => "a table".to_string(),
            other => other.to_string(),
        }
    };
    format!("expected {expected}, found {found}")
}

#[cfg(test)]
mod tests {
    use super::{in_words, read_in_pieces, read_whole};
    use crate::registry::diagnostics::Locator;

    /// Read a piece at a time or whole, a file gives the same tables, spans and problems.
    #[test]
    fn pieces_read_as_the_whole_file_does() {
        let bad = "[[sources]]\nid = \"a\"\nurl = \"https://a.example/\"\n\n\
                   [settings]\nconcurrency = \"many\"\n\n\
                   [[sources]]\nid = \"b\"\nurl = 7\nselct = [\"main\"]\n\n\
                   [[routes]]\nid = \"r\"\ntitle = \"R\"\n\
                   [[routes.facts]]\nid = \"f\"\nsource = \"b\"\nlast_verified = 2026-01-01\n\
                   [[routes]]\nid = \"s\"\ntitle = \"S\"\n";
        let bundled = include_str!("../../sources.toml");
        for text in [bad, bundled] {
            let locator = Locator::new(std::path::Path::new("sources.toml"), text);
            let starts = crate::registry::chunks::starts(text);
            assert!(starts.len() > 2);
            let mut pieces = read_in_pieces(text, &starts, &locator).expect("pieces stand alone");
            let mut whole = read_whole(text, &locator);
            // Reported in file order either way (`parse` sorts them).
            pieces.1.sort_by_key(|d| (d.line, d.col));
            whole.1.sort_by_key(|d| (d.line, d.col));
            assert_eq!(format!("{:?}", pieces), format!("{:?}", whole));
        }
        let bad_problems = read_whole(bad, &Locator::new(std::path::Path::new("s"), bad)).1;
        assert!(bad_problems.len() >= 3, "{bad_problems:?}");
    }

    /// Pieces TOML would join across the file are read whole, so its own errors are reported.
    #[test]
    fn pieces_that_do_not_stand_alone_fall_back() {
        for text in [
            "[settings]\n[[sources]]\nid = \"a\"\n[settings]\n",
            "[[routes]]\nid = \"r\"\n[[sources]]\nid = \"a\"\n[[routes.facts]]\nid = \"f\"\n",
            "[[sources]]\nid = \"a\"\n[[sources]]\nid = = \"b\"\n",
            "sources = [{ id = \"a\" }]\n[[sources]]\nid = \"b\"\n",
        ] {
            let locator = Locator::new(std::path::Path::new("s"), text);
            let starts = crate::registry::chunks::starts(text);
            assert!(read_in_pieces(text, &starts, &locator).is_none(), "{text}");
        }
    }

    #[test]
    fn type_errors_read_in_words() {
        assert_eq!(
            in_words("invalid type: string \"ninety\", expected i64"),
            "expected a whole number, found the text \"ninety\""
        );
        assert_eq!(
            in_words("invalid type: integer `3`, expected a string"),
            "expected text in quotes, found the number 3"
        );
        assert_eq!(
            in_words("invalid type: string \"yes\", expected a boolean"),
            "expected true or false, found the text \"yes\""
        );
        assert_eq!(in_words("missing field `claim`"), "missing key `claim`");
        assert_eq!(in_words("something else"), "something else");
    }
}
