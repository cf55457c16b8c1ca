//! The terminal: whether standard output or standard error is one, how wide it is, whether to
//! colour it, the progress line of a check, and the log writer that keeps tracing's lines from
//! tearing that progress line.
//!
//! Colour follows the usual rules, first match wins: `--color always|never`; `NO_COLOR` set and
//! not empty: none; `CLICOLOR_FORCE` set and not `0`: colour; `CLICOLOR=0`: none; otherwise colour
//! only a terminal whose `TERM` is not `dumb`. Text for people goes through a [`Look`]: on a
//! terminal it fits the terminal's width, in a file or a pipe it is never cut.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }

    /// Columns of the terminal `self` is, or `None` when it is not one. `COLUMNS` (exported and
    /// a positive number) wins over what the terminal says; a terminal that says 0 counts as 80.
    pub fn width(self) -> Option<usize> {
        if !self.is_terminal() {
            return None;
        }
        let from_env = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&c| c > 0);
        let from_tty = || {
            let size = match self {
                Stream::Stdout => rustix::termios::tcgetwinsize(std::io::stdout()),
                Stream::Stderr => rustix::termios::tcgetwinsize(std::io::stderr()),
            };
            size.ok().map(|w| usize::from(w.ws_col)).filter(|&c| c > 0)
        };
        Some(from_env.or_else(from_tty).unwrap_or(80))
    }
}

/// Whether to colour what goes to `stream`. `forced` is `--color always` (`Some(true)`) or
/// `--color never` (`Some(false)`); `None` is `auto`.
pub fn colour(forced: Option<bool>, stream: Stream) -> bool {
    colour_by(forced, stream.is_terminal(), |k| std::env::var_os(k))
}

fn colour_by(forced: Option<bool>, terminal: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(forced) = forced {
        return forced;
    }
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    if set("CLICOLOR").is_some_and(|v| v == "0") {
        return false;
    }
    terminal && env("TERM").is_none_or(|t| t != "dumb")
}

/// An ANSI style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Blue => "34",
            Style::Magenta => "35",
            Style::Cyan => "36",
        }
    }
}

/// How text for people is laid out where it goes: coloured or not, and the columns it must fit
/// (`None`: a file or a pipe, where nothing is cut).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Look {
    pub colour: bool,
    pub width: Option<usize>,
}

/// Lines are never laid out narrower than this, however narrow the terminal says it is.
const MIN_WIDTH: usize = 40;

impl Look {
    /// No colour, nothing cut: for files, pipes and tests.
    pub fn plain() -> Look {
        Look::default()
    }

    /// The look of `stream` under `--color` (`forced`, see [`colour`]).
    pub fn of(stream: Stream, forced: Option<bool>) -> Look {
        Look {
            colour: colour(forced, stream),
            width: stream.width(),
        }
    }

    /// `text` in `style`, or as it is without colour.
    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.colour && !text.is_empty() {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_string()
        }
    }

    /// Columns left on a line after `used`; `None` when nothing is cut.
    pub fn room(&self, used: usize) -> Option<usize> {
        self.width
            .map(|w| w.max(MIN_WIDTH).saturating_sub(used).max(MIN_WIDTH / 2))
    }

    /// `text` cut with "…" to fit after `used` columns on a terminal; whole elsewhere.
    pub fn fit(&self, text: &str, used: usize) -> String {
        match self.room(used) {
            Some(room) => clip(text, room),
            None => text.to_string(),
        }
    }

    /// `text` broken between words to fit after `used` columns on a terminal, each further line
    /// starting with `indent` spaces; one line elsewhere. Nothing is left out.
    pub fn wrap(&self, text: &str, used: usize, indent: usize) -> String {
        let (Some(first), Some(rest)) = (self.room(used), self.room(indent)) else {
            return text.to_string();
        };
        let mut lines: Vec<String> = vec![String::new()];
        let mut room = first;
        for word in text.split_whitespace() {
            let line = lines.last_mut().expect("one line");
            let (len, wlen) = (line.chars().count(), word.chars().count());
            if len > 0 && len + 1 + wlen <= room {
                line.push(' ');
                line.push_str(word);
                continue;
            }
            if len == 0 && wlen <= room {
                line.push_str(word);
                continue;
            }
            if len > 0 {
                lines.push(String::new());
                room = rest;
            }
            // A word longer than a whole line is cut into pieces, never dropped.
            let mut chars: Vec<char> = word.chars().collect();
            while chars.len() > room {
                let piece: String = chars.drain(..room).collect();
                lines.last_mut().expect("one line").push_str(&piece);
                lines.push(String::new());
                room = rest;
            }
            lines.last_mut().expect("one line").extend(chars);
        }
        lines.join(&format!("\n{}", " ".repeat(indent)))
    }
}

/// `s` cut to `max` characters, the last one an ellipsis when anything was left out.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// "1 source", "2 sources", "0 sources": a count and its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The progress line shown while a check runs, when standard error is a terminal: sources done
/// of the total, failures so far, and the hosts still to answer (most sources left first).
pub struct Progress {
    bar: ProgressBar,
    colour: bool,
    state: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    failed: usize,
    /// Host and the sources on it not yet captured, in the order first seen.
    hosts: Vec<(String, usize)>,
}

/// The progress line being shown, if one is: the log writer lifts it to write a line above it.
static SHOWING: Mutex<Option<ProgressBar>> = Mutex::new(None);

impl Progress {
    /// A progress line on standard error, or `None` when standard error is not a terminal.
    pub fn on_stderr(colour: bool) -> Option<Progress> {
        if !Stream::Stderr.is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{spinner} [{bar:20}] {pos}/{len} {prefix}{wide_msg}")
                .expect("the template is valid")
                .progress_chars("=> ");
        bar.set_style(style);
        *SHOWING.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
        Some(Progress {
            bar,
            colour,
            state: Mutex::new(Pending::default()),
        })
    }

    /// The check will capture sources on these hosts (one entry per source).
    pub fn start(&self, hosts: impl IntoIterator<Item = String>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut total = 0;
        for host in hosts {
            total += 1;
            match state.hosts.iter_mut().find(|(h, _)| *h == host) {
                Some((_, left)) => *left += 1,
                None => state.hosts.push((host, 1)),
            }
        }
        self.bar.set_length(total);
        self.bar
            .set_prefix(if total == 1 { "source" } else { "sources" });
        self.bar.set_message(self.message(&state));
        self.bar.enable_steady_tick(Duration::from_millis(120));
    }

    /// A source on `host` is captured; `failed` when its capture failed.
    pub fn done(&self, host: &str, failed: bool) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.failed += usize::from(failed);
        if let Some(i) = state.hosts.iter().position(|(h, _)| h == host) {
            state.hosts[i].1 -= 1;
            if state.hosts[i].1 == 0 {
                state.hosts.remove(i);
            }
        }
        self.bar.set_message(self.message(&state));
        self.bar.inc(1);
    }

    fn message(&self, state: &Pending) -> String {
        let look = Look {
            colour: self.colour,
            width: None,
        };
        let failed = format!("{} failed", state.failed);
        let failed = if state.failed > 0 {
            look.paint(Style::Red, &failed)
        } else {
            failed
        };
        let mut hosts: Vec<&(String, usize)> = state.hosts.iter().collect();
        hosts.sort_by_key(|h| std::cmp::Reverse(h.1));
        let waiting = hosts
            .iter()
            .map(|(h, left)| format!("{h} ({left})"))
            .collect::<Vec<_>>()
            .join(", ");
        if waiting.is_empty() {
            format!(" · {failed}")
        } else {
            format!(" · {failed} · waiting on {waiting}")
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        *SHOWING.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.bar.finish_and_clear();
    }
}

/// tracing's writer: standard error, one whole event per write, with the progress line (when
/// one is showing) lifted while the line is written so the two never tear each other.
pub struct LogWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine(Vec::new())
    }
}

/// One event, written to standard error when dropped.
pub struct LogLine(Vec<u8>);

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        let write = || {
            let _ = std::io::stderr().lock().write_all(&self.0);
        };
        let showing = SHOWING.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match showing {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn colour_follows_the_usual_rules() {
        let none: &[(&str, &str)] = &[];
        assert!(colour_by(None, true, env(none)));
        assert!(!colour_by(None, false, env(none)));
        assert!(colour_by(Some(true), false, env(&[("NO_COLOR", "1")])));
        assert!(!colour_by(
            Some(false),
            true,
            env(&[("CLICOLOR_FORCE", "1")])
        ));
        assert!(!colour_by(None, true, env(&[("NO_COLOR", "1")])));
        // An empty NO_COLOR is not set.
        assert!(colour_by(None, true, env(&[("NO_COLOR", "")])));
        assert!(colour_by(None, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!colour_by(None, false, env(&[("CLICOLOR_FORCE", "0")])));
        // NO_COLOR wins over CLICOLOR_FORCE.
        assert!(!colour_by(
            None,
            false,
            env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])
        ));
        assert!(!colour_by(None, true, env(&[("CLICOLOR", "0")])));
        assert!(!colour_by(None, true, env(&[("TERM", "dumb")])));
    }

    #[test]
    fn a_pipe_is_never_cut_a_terminal_is_fitted() {
        let long = "word ".repeat(40);
        let pipe = Look::plain();
        assert_eq!(pipe.fit(&long, 10), long);
        assert_eq!(pipe.wrap(&long, 10, 4), long);
        let tty = Look {
            colour: false,
            width: Some(60),
        };
        let fitted = tty.fit(&long, 10);
        assert_eq!(fitted.chars().count(), 50);
        assert!(fitted.ends_with('…'));
        let wrapped = tty.wrap(long.trim_end(), 10, 4);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 1, "{wrapped}");
        assert!(lines[0].chars().count() <= 50, "{wrapped}");
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.starts_with("    ") && l.chars().count() <= 60)
        );
        // Nothing is lost by wrapping.
        let words: Vec<&str> = wrapped.split_whitespace().collect();
        assert_eq!(words.len(), 40);
        // A word longer than a line is cut into pieces, not dropped.
        let url = "x".repeat(130);
        let wrapped = tty.wrap(&url, 10, 0);
        assert_eq!(wrapped.replace('\n', ""), url);
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 60),
            "{wrapped}"
        );
    }

    #[test]
    fn counts_have_the_right_noun() {
        assert_eq!(count(1, "source", "sources"), "1 source");
        assert_eq!(count(0, "source", "sources"), "0 sources");
        assert_eq!(count(2, "fact", "facts"), "2 facts");
    }

    #[test]
    fn paint_only_with_colour() {
        let on = Look {
            colour: true,
            width: None,
        };
        assert_eq!(on.paint(Style::Red, "x"), "\x1b[31mx\x1b[0m");
        assert_eq!(Look::plain().paint(Style::Red, "x"), "x");
    }
}
