//! The languages the offline agent speaks: English, Spanish and Urdu (in its
//! own script and in Roman letters). Each language keeps its words in one
//! module: the reply templates ([`Words`]), its request patterns (English in
//! [`super::parse`], the others in a [`Grammar`]) and the words that say
//! nothing about which task is meant.

pub mod en;
pub mod es;
pub mod grammar;
pub mod ur;
pub mod ur_latn;

pub use grammar::Grammar;

use super::intent::Intent;
use super::replies::Words;
use super::text::normalize;
use crate::agent::{HistoryMessage, Role};

/// A language a message can be written in, and the replies answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
    /// Urdu in Arabic script (right to left).
    Ur,
    /// Roman Urdu: Urdu written in Latin letters.
    UrLatn,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Es, Lang::Ur, Lang::UrLatn];

    /// The reply templates.
    pub fn words(self) -> &'static Words {
        match self {
            Lang::En => &en::WORDS,
            Lang::Es => &es::WORDS,
            Lang::Ur => &ur::WORDS,
            Lang::UrLatn => &ur_latn::WORDS,
        }
    }

    /// The request patterns, for the languages parsed from a table.
    pub fn grammar(self) -> Option<&'static Grammar> {
        match self {
            Lang::En => None,
            Lang::Es => Some(&es::GRAMMAR),
            Lang::Ur => Some(&ur::GRAMMAR),
            Lang::UrLatn => Some(&ur_latn::GRAMMAR),
        }
    }

    fn markers(self) -> &'static [&'static str] {
        match self {
            Lang::En => en::MARKERS,
            Lang::Es => es::MARKERS,
            Lang::Ur => &[],
            Lang::UrLatn => ur_latn::MARKERS,
        }
    }
}

/// True for the Arabic-script letters Urdu is written in.
fn is_arabic_script(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// The language of one message, when it shows one: Urdu by its script,
/// Spanish and Roman Urdu by their everyday words (more of them than English
/// ones). `None` for messages without clues ("3", "ok").
pub fn detect(message: &str) -> Option<Lang> {
    let head: String = message.chars().take(400).collect();
    let letters = head.chars().filter(|c| c.is_alphabetic()).count();
    let arabic = head.chars().filter(|c| is_arabic_script(*c)).count();
    if arabic > 0 && arabic * 3 >= letters {
        return Some(Lang::Ur);
    }
    let lower = head.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let count = |lang: Lang| {
        let markers = lang.markers();
        words.iter().filter(|w| markers.contains(w)).count()
    };
    // "¿", "¡" and "ñ" are strong clues; accents only back up Spanish words
    // (English messages name "José" and "café" too).
    let inverted = head.contains(['¿', '¡', 'ñ']);
    let accents = head.contains(['á', 'é', 'í', 'ó', 'ú']);
    let es_words = count(Lang::Es);
    let es = es_words + 2 * usize::from(inverted) + 2 * usize::from(accents && es_words > 0);
    let en = count(Lang::En);
    // Roman Urdu borrows English verbs and nouns ("task 3 delete kar do").
    let ur = 2 * count(Lang::UrLatn);
    if es > en && es >= ur && es > 0 {
        Some(Lang::Es)
    } else if ur > en && ur > es {
        Some(Lang::UrLatn)
    } else if en > 0 {
        Some(Lang::En)
    } else {
        None
    }
}

/// The language of the conversation so far: that of the latest user
/// message that shows one (English when none does).
pub fn conversation_language(history: &[HistoryMessage]) -> Lang {
    history
        .iter()
        .rev()
        .filter(|m| m.role == Role::User)
        .find_map(|m| detect(&m.content))
        .unwrap_or_default()
}

/// Reads one message as `lang` would.
pub fn parse_as(lang: Lang, message: &str) -> Intent {
    match lang.grammar() {
        Some(grammar) => grammar.parse(&normalize(message)),
        None => super::parse::parse(message),
    }
}

/// The language to answer in and what the message asks. The message's own
/// language comes first (`fallback`, the conversation's, when it shows
/// none); if that reading finds nothing, the other languages are tried, and
/// the one that understands the message answers it.
pub fn understand(message: &str, fallback: Lang) -> (Lang, Intent) {
    let detected = detect(message);
    let lang = detected.unwrap_or(fallback);
    let first = parse_as(lang, message);
    if !matches!(first, Intent::Unknown { .. }) {
        return (lang, first);
    }
    for other in Lang::ALL.into_iter().filter(|l| *l != lang) {
        let intent = parse_as(other, message);
        if !matches!(intent, Intent::Unknown { .. }) {
            return (other, intent);
        }
    }
    (lang, first)
}

/// Words no language uses to name a task ("la", "wala", "کا").
pub fn is_stop_word(word: &str) -> bool {
    es::STOP_WORDS.contains(&word)
        || ur::STOP_WORDS.contains(&word)
        || ur_latn::STOP_WORDS.contains(&word)
}

#[cfg(test)]
mod parse_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_languages() {
        for (text, lang) in [
            ("add buy milk", Some(Lang::En)),
            ("show my tasks", Some(Lang::En)),
            ("añade comprar leche", Some(Lang::Es)),
            ("muéstrame mis tareas", Some(Lang::Es)),
            ("borra la tarea 2", Some(Lang::Es)),
            ("دودھ خریدنا شامل کرو", Some(Lang::Ur)),
            ("میرے کام دکھاؤ", Some(Lang::Ur)),
            ("mere kaam dikhao", Some(Lang::UrLatn)),
            ("doodh lena add kar do", Some(Lang::UrLatn)),
            ("task 3 delete kar do", Some(Lang::UrLatn)),
            ("add 'comprar pan' to my list", Some(Lang::En)),
            ("3", None),
            ("call José", None),
            ("add café with Ana", Some(Lang::En)),
            ("¿algo pendiente?", Some(Lang::Es)),
        ] {
            assert_eq!(detect(text), lang, "{text}");
        }
    }
}
