//! Text clean-up shared by the parser: quotes, filler words, punctuation and
//! the final shape of a title.

use std::sync::LazyLock;

use regex::Regex;

/// Compiles a case-insensitive pattern written in this module tree.
pub(crate) fn re(pattern: &str) -> Regex {
    Regex::new(&format!("(?i){pattern}")).expect("the parser's patterns are valid")
}

/// Unifies quotes, dashes and spaces, and trims punctuation and emoji from
/// both ends, so the patterns only deal with plain ASCII shapes.
pub fn normalize(message: &str) -> String {
    let mapped: String = message
        .chars()
        // Zero-width joiners and direction marks some keyboards add.
        .filter(|c| !matches!(c, '\u{200B}'..='\u{200F}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}'))
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => {
                '\''
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}'
            | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            // Urdu (Extended Arabic-Indic) and Arabic-Indic digits.
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            c if c.is_whitespace() || c.is_control() => ' ',
            c => c,
        })
        .collect();
    let joined = mapped.split_whitespace().collect::<Vec<_>>().join(" ");
    trim_noise(&joined).to_string()
}

/// Characters that carry no meaning at either end of a request.
fn is_noise(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | '!'
                | '?'
                | ','
                | ';'
                | ':'
                | '~'
                | '-'
                | '*'
                | '_'
                | '>'
                | '¿'
                | '¡'
                | '؟'
                | '۔'
                | '،'
                | '؛'
        )
        || (!c.is_alphanumeric() && c as u32 >= 0x2000)
}

/// Trims noise from both ends, keeping quotes, brackets and `#`.
pub fn trim_noise(s: &str) -> &str {
    s.trim_matches(is_noise)
}

/// Removes one pair of matching quotes around the whole text. Apostrophes
/// inside words ("mom's") do not count as a closing quote.
pub fn unquote(s: &str) -> &str {
    let t = s.trim();
    for q in ['\'', '"'] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            let inner = &t[1..t.len() - 1];
            if !contains_bare_quote(inner, q) {
                return inner.trim();
            }
        }
    }
    t
}

/// True when `q` occurs in `s` other than as an apostrophe between letters.
fn contains_bare_quote(s: &str, q: char) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        if c != q {
            return false;
        }
        let between_letters = q == '\''
            && i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_alphanumeric()
            && chars[i + 1].is_alphanumeric();
        !between_letters
    })
}

/// True when the text is one quoted string.
pub fn is_quoted(s: &str) -> bool {
    let t = s.trim();
    unquote(t).len() + 2 <= t.len()
}

static TRAILING_POLITE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[\s,]*\b(?:please|pls|plz|thanks|thank you(?: (?:so|very) much)?|thank u|thx|ty|cheers|for me|if you can|if you could|if possible|will you|would you|could you|ok|okay|right away)$",
    )
});

/// Drops politeness tacked onto the end ("…, please", "… for me thanks").
pub fn strip_trailing_polite(s: &str) -> &str {
    let mut t = trim_noise(s);
    while let Some(m) = TRAILING_POLITE.find(t) {
        if m.start() == 0 {
            // The whole text is politeness: leave it for the small-talk rules.
            break;
        }
        t = trim_noise(&t[..m.start()]);
    }
    t
}

static LIST_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\s+(?:to|on|onto|in|into|from|off|off of|out of)\s+(?:my|the|our)\s+(?:(?:todo|to-do|to do|task|tasks|shopping|daily|personal|work)\s+)?(?:list|tasks|todos|to-dos|todo|to-do|task list)$|\s+(?:to|on|from|off)\s+(?:my\s+)?(?:tasks|todos|to-dos|list)$|\s+as\s+an?\s+(?:new\s+)?(?:task|todo|to-do|reminder|item)$|\s+(?:off|from)\s+(?:it|there)$",
    )
});

/// Drops "… to my list", "… from my todo list", "… as a task" at the end.
pub fn strip_list_suffix(s: &str) -> &str {
    let t = trim_noise(s);
    match LIST_SUFFIX.find(t) {
        Some(m) if m.start() > 0 => trim_noise(&t[..m.start()]),
        _ => t,
    }
}

/// The final form of a title: no framing punctuation, quotes or politeness,
/// first letter capitalised ("pay bills" → "Pay bills").
pub fn clean_title(raw: &str) -> String {
    let mut t = raw.trim();
    loop {
        let before = t;
        t = unquote(strip_trailing_polite(trim_noise(t)));
        if t == before {
            break;
        }
    }
    capitalize_first(t)
}

/// A description keeps the user's words (even a trailing "please"); only
/// surrounding quotes and a final full stop go.
pub fn clean_description(raw: &str) -> String {
    let t = raw.trim();
    let polite_free = strip_trailing_polite(t);
    let t = if is_quoted(polite_free) {
        polite_free
    } else {
        t
    };
    let t = unquote(t);
    t.trim_end_matches(['.', '!', ' ']).trim().to_string()
}

/// Upper-cases the first letter unless the word is already mixed-case ("iPhone").
pub fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let second_upper = s.chars().nth(1).is_some_and(char::is_uppercase);
    if first.is_lowercase() && !second_upper {
        first.to_uppercase().chain(chars).collect()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_quotes_spaces_and_ends() {
        assert_eq!(normalize("  Add “Buy  milk”!!  "), "Add \"Buy milk\"");
        assert_eq!(normalize("what’s left? 🙂"), "what's left");
        assert_eq!(normalize("...hello..."), "hello");
        assert_eq!(normalize("#3 is done."), "#3 is done");
        assert_eq!(normalize("¿Qué tengo pendiente?"), "Qué tengo pendiente");
        assert_eq!(normalize("کام ۳ مکمل کرو۔"), "کام 3 مکمل کرو");
        assert_eq!(normalize("task ٤٢"), "task 42");
    }

    #[test]
    fn unquotes_only_matching_pairs() {
        assert_eq!(unquote("'Book flights'"), "Book flights");
        assert_eq!(unquote("\"Call mom\""), "Call mom");
        assert_eq!(unquote("'Call mom's doctor'"), "Call mom's doctor");
        assert_eq!(unquote("'a' and 'b'"), "'a' and 'b'");
        assert_eq!(unquote("mom's"), "mom's");
    }

    #[test]
    fn cleans_titles() {
        assert_eq!(clean_title("pay bills"), "Pay bills");
        assert_eq!(clean_title("'buy milk' please."), "Buy milk");
        assert_eq!(clean_title("call mom, thanks!"), "Call mom");
        assert_eq!(clean_title("iPhone repair"), "iPhone repair");
        assert_eq!(clean_title("  "), "");
    }

    #[test]
    fn descriptions_keep_their_words() {
        assert_eq!(
            clean_description("window seats please"),
            "window seats please"
        );
        assert_eq!(
            clean_description("'to Lisbon, in May'"),
            "to Lisbon, in May"
        );
        assert_eq!(clean_description("'2 litres' please"), "2 litres");
        assert_eq!(
            clean_description("bring the passport."),
            "bring the passport"
        );
    }

    #[test]
    fn strips_list_suffixes() {
        assert_eq!(
            strip_list_suffix("water the plants to my list"),
            "water the plants"
        );
        assert_eq!(strip_list_suffix("milk on my shopping list"), "milk");
        assert_eq!(strip_list_suffix("the gym from my todo list"), "the gym");
        assert_eq!(strip_list_suffix("walk to the park"), "walk to the park");
    }
}
