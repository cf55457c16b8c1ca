//! What following the passages of many facts through one edit shares: the new lines folded,
//! and the sentences of the lines looked at, folded and masked, each made once per source.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use super::change::masked;
use super::passage::sentences;
use crate::text::fold_for_match;

/// What following passages through one edit needs of the two texts, made once and shared by
/// all the facts of a source: the new lines folded (so a search for a passage is a substring
/// test per line, not a fold), and the sentences of the lines looked at, folded and masked.
/// Neighbouring facts look at overlapping lines; each line's sentences are made once.
#[derive(Default)]
pub(crate) struct Follow<'t> {
    folded: OnceCell<Vec<String>>,
    pub(super) new: Sentences<'t>,
    pub(super) old: Sentences<'t>,
}

impl Follow<'_> {
    pub(super) fn folded(&self, lines: &[&str]) -> &[String] {
        self.folded
            .get_or_init(|| lines.iter().map(|l| fold_for_match(l)).collect())
    }
}

/// A sentence of a line, folded, and folded with its typed values masked.
pub(super) struct Sentence<'t> {
    pub(super) text: &'t str,
    pub(super) folded: String,
    pub(super) masked: String,
}

impl Sentence<'_> {
    /// Whether it holds a typed value (the mask marks each with U+0001).
    pub(super) fn valued(&self) -> bool {
        self.masked.contains('\u{1}')
    }
}

/// The sentences of lines, by line number, made on first use.
#[derive(Default)]
pub(super) struct Sentences<'t>(RefCell<HashMap<usize, Rc<[Sentence<'t>]>>>);

impl<'t> Sentences<'t> {
    pub(super) fn of(&self, i: usize, line: &'t str) -> Rc<[Sentence<'t>]> {
        if let Some(made) = self.0.borrow().get(&i) {
            return made.clone();
        }
        let made: Rc<[Sentence<'t>]> = sentences(line)
            .into_iter()
            .map(|s| Sentence {
                text: s,
                folded: fold_for_match(s),
                masked: masked(s),
            })
            .collect();
        self.0.borrow_mut().insert(i, made.clone());
        made
    }
}

/// The sentence of `sentences` most similar to the folded `target`, as
/// `most_similar_sentence` picks it (the last of equals).
pub(super) fn most_similar<'s>(
    sentences: &'s [Sentence<'_>],
    target: &str,
) -> Option<(&'s str, f32)> {
    sentences
        .iter()
        .map(|s| (s.text, crate::compare::similarity(target, &s.folded)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}
