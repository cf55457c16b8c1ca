//! Which names of an element a person wrote: ids and classes usable in a `select` without
//! escaping, and not made by a tool or a counter (the candidate search offers only those).

/// A name usable in a selector without escaping: `[A-Za-z][A-Za-z0-9_-]*`.
pub(super) fn is_plain_ident(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a class or id looks made by a tool or a counter rather than written by a person, so
/// that it may change with the next build or the next page (docs: README "Tuning a source").
/// Such a name is:
///
/// - shorter than 2 or longer than 40 characters (minified, or a hash with words around it);
/// - starting with `_` or `-`, or with a prefix of CSS-in-JS and framework output: `css-`
///   (Emotion), `sc-` (styled-components), `jsx-` (styled-jsx), `svelte-`, `astro-`, `emotion-`,
///   `ng-` (Angular's state classes), `jss`;
/// - holding a digit anywhere: numbered (`item-3`, `post-1234`, `col-md-6`) or hashed
///   (`css-1x2y3z`, `sc-abc123`, `Title_title__3xYz1`);
/// - a CSS Modules hash after `__` that mixes upper and lower case (`Title_title__aBcDe`), where
///   BEM's `block__element` stays lower case;
/// - a state or layout utility that says nothing about content: `active`, `current`,
///   `selected`, `open`, `show`, `hidden`, `visible`, `disabled`, `collapse(d)`, `fade`, `in`,
///   `clearfix`, `row`, `col`, `container(-fluid)`, `wrapper`, `flex`, `d-flex`, `pull-*`,
///   `float-*`, `text-left|center|right`, or starting with `is-` / `has-`.
pub(crate) fn looks_generated(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "_", "-", "css-", "sc-", "jsx-", "svelte-", "astro-", "emotion-", "ng-", "jss", "is-",
        "has-", "pull-", "float-",
    ];
    const UTILITY: &[&str] = &[
        "active",
        "current",
        "selected",
        "open",
        "opened",
        "show",
        "shown",
        "hidden",
        "visible",
        "disabled",
        "collapse",
        "collapsed",
        "fade",
        "in",
        "clearfix",
        "row",
        "col",
        "container",
        "container-fluid",
        "wrapper",
        "flex",
        "d-flex",
        "text-left",
        "text-center",
        "text-right",
    ];
    let len = name.chars().count();
    if !(2..=40).contains(&len) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if PREFIXES.iter().any(|p| lower.starts_with(p)) || UTILITY.contains(&lower.as_str()) {
        return true;
    }
    if name.bytes().any(|b| b.is_ascii_digit()) {
        return true;
    }
    name.split("__").skip(1).any(|part| {
        let seg = part.split(['-', '_']).next().unwrap_or_default();
        let upper_inside = seg.chars().skip(1).any(|c| c.is_ascii_uppercase());
        let lower_any = seg.chars().any(|c| c.is_ascii_lowercase());
        seg.len() >= 5 && upper_inside && lower_any
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_are_refused() {
        let long = "x".repeat(41);
        for name in [
            "css-1x2y3z",
            "sc-abc123",
            "sc-bdVaJa",
            "jsx-2345",
            "svelte-xyz",
            "item-3",
            "post-1234",
            "col-md-6",
            "Title_title__3xYz1",
            "Title_title__aBcDe",
            "_app",
            "a",
            "active",
            "is-open",
            "ng-star-inserted",
            long.as_str(),
        ] {
            assert!(looks_generated(name), "{name}");
        }
        for name in [
            "info-block-horizontal",
            "content",
            "page",
            "breadcrumbs",
            "service-info",
            "block__element",
            "serviceInfo",
            "egov-content",
        ] {
            assert!(!looks_generated(name), "{name}");
        }
    }
}
