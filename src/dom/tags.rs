//! The element names the scan knows and how each behaves in html5ever's tree builder (void,
//! raw text, closes a `<p>`, a scope boundary …), as a table built at compile time.

/// The hash of a lower-cased tag name, computed at compile time for the names the rules use.
pub(super) const fn key(name: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < name.len() {
        h ^= name[i].to_ascii_lowercase() as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

// What the rules need to know of a tag name, as bits.
pub(super) const VOID: u16 = 1;
/// Raw text or RCDATA: the content is text up to the element's own end tag.
pub(super) const RAW: u16 = 1 << 1;
/// A start tag that closes an open `<p>` in button scope first.
pub(super) const CLOSES_P: u16 = 1 << 2;
/// The spec's "special" category: an end tag of an ordinary element does not close past one.
pub(super) const SPECIAL: u16 = 1 << 3;
/// Where "has an element in scope" stops looking.
pub(super) const SCOPE: u16 = 1 << 4;
pub(super) const BUTTON_SCOPE: u16 = 1 << 5;
pub(super) const LIST_SCOPE: u16 = 1 << 6;
pub(super) const TABLE_SCOPE: u16 = 1 << 7;
pub(super) const HEADING: u16 = 1 << 8;
/// An SVG or MathML element whose content is HTML again.
pub(super) const INTEGRATION: u16 = 1 << 9;
/// An HTML start tag that ends foreign content.
pub(super) const BREAKS_OUT: u16 = 1 << 10;

pub(super) const BLOCK: u16 = CLOSES_P | SPECIAL;
const NAMES: &[(&[u8], u16)] = &[
    (b"a", 0),
    (b"address", BLOCK),
    (b"annotation-xml", INTEGRATION),
    (b"applet", SPECIAL | SCOPE),
    (b"area", VOID),
    (b"article", BLOCK),
    (b"aside", BLOCK),
    (b"b", BREAKS_OUT),
    (b"base", VOID),
    (b"basefont", VOID),
    (b"bgsound", VOID),
    (b"big", BREAKS_OUT),
    (b"blockquote", BLOCK | BREAKS_OUT),
    (b"body", SPECIAL | BREAKS_OUT),
    (b"br", VOID | BREAKS_OUT),
    (b"button", SPECIAL | BUTTON_SCOPE),
    (b"caption", SPECIAL | SCOPE),
    (b"center", BLOCK | BREAKS_OUT),
    (b"code", BREAKS_OUT),
    (b"col", VOID),
    (b"colgroup", SPECIAL),
    (b"dd", BLOCK | BREAKS_OUT),
    (b"desc", INTEGRATION),
    (b"details", BLOCK),
    (b"dialog", BLOCK),
    (b"dir", BLOCK),
    (b"div", BLOCK | BREAKS_OUT),
    (b"dl", BLOCK | BREAKS_OUT),
    (b"dt", BLOCK | BREAKS_OUT),
    (b"em", BREAKS_OUT),
    (b"embed", VOID | BREAKS_OUT),
    (b"fieldset", BLOCK),
    (b"figcaption", BLOCK),
    (b"figure", BLOCK),
    (b"footer", BLOCK),
    (b"foreignobject", INTEGRATION),
    (b"form", BLOCK),
    (b"frame", VOID),
    (b"frameset", SPECIAL),
    (b"h1", BLOCK | HEADING | BREAKS_OUT),
    (b"h2", BLOCK | HEADING | BREAKS_OUT),
    (b"h3", BLOCK | HEADING | BREAKS_OUT),
    (b"h4", BLOCK | HEADING | BREAKS_OUT),
    (b"h5", BLOCK | HEADING | BREAKS_OUT),
    (b"h6", BLOCK | HEADING | BREAKS_OUT),
    (b"head", SPECIAL | BREAKS_OUT),
    (b"header", BLOCK),
    (b"hgroup", BLOCK),
    (b"hr", VOID | BREAKS_OUT),
    (b"html", SPECIAL | SCOPE | TABLE_SCOPE),
    (b"i", BREAKS_OUT),
    (b"iframe", RAW),
    (b"image", VOID),
    (b"img", VOID | BREAKS_OUT),
    (b"input", VOID),
    (b"keygen", VOID),
    (b"li", BLOCK | BREAKS_OUT),
    (b"link", VOID),
    (b"listing", BLOCK | BREAKS_OUT),
    (b"main", BLOCK),
    (b"marquee", SPECIAL | SCOPE),
    (b"menu", BLOCK | BREAKS_OUT),
    (b"meta", VOID | BREAKS_OUT),
    (b"mi", INTEGRATION),
    (b"mn", INTEGRATION),
    (b"mo", INTEGRATION),
    (b"ms", INTEGRATION),
    (b"mtext", INTEGRATION),
    (b"nav", BLOCK),
    (b"nobr", BREAKS_OUT),
    (b"noembed", RAW),
    (b"noframes", RAW),
    // html5ever parses with scripting on, as browsers do: <noscript> holds text.
    (b"noscript", RAW),
    (b"object", SPECIAL | SCOPE),
    (b"ol", BLOCK | LIST_SCOPE | BREAKS_OUT),
    (b"p", BLOCK | BREAKS_OUT),
    (b"param", VOID),
    (b"pre", BLOCK | BREAKS_OUT),
    (b"ruby", BREAKS_OUT),
    (b"s", BREAKS_OUT),
    (b"script", RAW),
    (b"search", BLOCK),
    (b"section", BLOCK),
    (b"select", SPECIAL),
    (b"small", BREAKS_OUT),
    (b"source", VOID),
    (b"span", BREAKS_OUT),
    (b"strike", BREAKS_OUT),
    (b"strong", BREAKS_OUT),
    (b"style", RAW),
    (b"sub", BREAKS_OUT),
    (b"summary", BLOCK),
    (b"sup", BREAKS_OUT),
    (b"table", SPECIAL | SCOPE | TABLE_SCOPE | BREAKS_OUT),
    (b"tbody", SPECIAL),
    (b"td", SPECIAL | SCOPE),
    (b"template", SPECIAL | SCOPE | TABLE_SCOPE),
    (b"textarea", RAW),
    (b"tfoot", SPECIAL),
    (b"th", SPECIAL | SCOPE),
    (b"thead", SPECIAL),
    // RCDATA in HTML; in SVG an integration point.
    (b"title", RAW | INTEGRATION),
    (b"tr", SPECIAL),
    (b"track", VOID),
    (b"tt", BREAKS_OUT),
    (b"u", BREAKS_OUT),
    (b"ul", BLOCK | LIST_SCOPE | BREAKS_OUT),
    (b"var", BREAKS_OUT),
    (b"wbr", VOID),
    (b"xmp", RAW),
];

const SLOTS: usize = 512;

/// [`NAMES`] as an open-addressing table, built at compile time: one probe or two per tag.
const NAME_TABLE: [(u64, u16); SLOTS] = {
    let mut t = [(0u64, 0u16); SLOTS];
    let mut n = 0;
    while n < NAMES.len() {
        let k = key(NAMES[n].0);
        let mut i = (k as usize) % SLOTS;
        while t[i].0 != 0 {
            i = (i + 1) % SLOTS;
        }
        t[i] = (k, NAMES[n].1);
        n += 1;
    }
    t
};

pub(super) fn flags(k: u64) -> u16 {
    let mut i = (k as usize) % SLOTS;
    loop {
        let (key, f) = NAME_TABLE[i];
        if key == k {
            return f;
        }
        if key == 0 {
            return 0;
        }
        i = (i + 1) % SLOTS;
    }
}

macro_rules! keys {
    ($($name:ident = $text:literal),* $(,)?) => { $(pub(super) const $name: u64 = key($text);)* };
}

// The names rules single out.
keys! {
    A = b"a", BODY = b"body", BUTTON = b"button", DD = b"dd", DT = b"dt", HEAD = b"head",
    HTML = b"html", LI = b"li", MATH = b"math", NOBR = b"nobr", OPTGROUP = b"optgroup",
    OPTION = b"option", P = b"p", PLAINTEXT = b"plaintext", SVG = b"svg", TABLE = b"table",
    TBODY = b"tbody", TD = b"td", TFOOT = b"tfoot", TH = b"th", THEAD = b"thead", TR = b"tr",
}
