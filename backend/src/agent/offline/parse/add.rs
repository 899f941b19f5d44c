//! New tasks: finding the title (and an optional description) inside
//! "add a task to buy milk", "remind me to…", "put X on my list", …

use std::sync::LazyLock;

use regex::Regex;
use todo_core::validation::{MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS};

use super::lead::strip_intention;
use crate::agent::offline::intent::{Intent, Problem};
use crate::agent::offline::text::{
    clean_description, clean_title, re, strip_list_suffix, strip_trailing_polite, trim_noise,
    unquote,
};

/// Phrases that on their own announce a new task ("remind me to …").
static ADD_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:remind me (?:to|that i (?:need|have) to|that|about|of|i need to|i have to)|(?:please )?remember (?:to|that i (?:need|have) to|that|about)|don'?t (?:let me )?forget (?:to|that i (?:need|have) to|that|about)|do not (?:let me )?forget (?:to|about|that)|make sure (?:to|that i|i)|(?:a )?reminder (?:to|for|about|that)|note to self|remind me|remember|don'?t forget|do not forget)\b|(?:new |a )?(?:task|todo|to-?do|to do|reminder|note|item)s?\s*[:=-])[\s,:;-]*(?P<rest>.*)$",
    )
});

/// Verbs that always mean "add" here.
static ADD_VERB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:add|new|insert|append|jot(?: down)?|note down|write down|put down|log|enter|include)\b[\s,:;-]*(?P<rest>.*)$",
    )
});

/// Verbs that mean "add" only with a task noun ("create a task …", "make a
/// note to …") or a list ("put milk on my list").
static ADD_VERB_WEAK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:create|make|put|place|set(?: up)?|schedule|save|record|write|note|start|track|throw|stick|pop)\s+(?P<rest>.+)$",
    )
});

/// "a new task", "a reminder", "todo", … right after the verb.
static OBJECT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:a|an|the|one|another|new|quick|small|this|my|following)\s+)*(?:new\s+)?(?:tasks?|todos?|to-?dos?|to do|items?|reminders?|entry|entries|notes?|things?|lines?|cards?)\b",
    )
});

/// The unmistakable task nouns a weak verb needs ("make a note to …").
static WEAK_OBJECT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:a|an|another|one|new|the following)\s+(?:new\s+)?(?:task|todo|to-?do|to do|item|reminder|entry|note)|(?:new\s+)?(?:tasks?|todos?|to-?dos?|reminders?))\b",
    )
});

/// What links the task noun to the title ("called", "to", ":", …).
static CONNECTOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[:=,-]|to\b|for\b|called\b|named\b|titled\b|that says\b|saying\b|which says\b|that reads\b|reading\b|about\b|with (?:the )?(?:title|name)\b|that\b|of\b)[\s:]*",
    )
});

/// "to my list: …" before the title.
static LIST_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:to|on|onto|in|into)\s+(?:my|the)\s+(?:(?:todo|to-do|to do|task|tasks|shopping)\s+)?(?:list|tasks|todos|to-dos)\b[\s:,-]*",
    )
});

/// "my list" left over once "to" went with the connector ("add task to my list").
static BARE_LIST: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:my|the)\s+(?:(?:todo|to-do|to do|task)\s+)?list\b[\s:,-]*"));

static WITH_DESCRIPTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<t>.+?)\s*,?\s+(?:with|and)\s+(?:(?:a|an|the)\s+)?(?:description|desc|details?|notes?|comment)\s*(?:[:=-]|of\b|saying\b|that says\b|as\b|reading\b)?\s*(?P<d>.+)$",
    )
});

static LABELLED_DESCRIPTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<t>.+?)\s*[,;.]\s*(?:description|desc|details?|notes?|comment)\s*[:=-]\s*(?P<d>.+)$|^(?P<t2>.+?)\s*\((?:description|desc|details?|notes?)\s*[:=-]?\s*(?P<d2>[^()]+)\)$",
    )
});

static DESCRIPTION_AFTER_QUOTE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[,;]?\s*(?:(?:with|and)\s+)?(?:(?:a|an|the)\s+)?(?:description|desc|details?|notes?|comment)\s*(?:[:=-]|of\b|saying\b|that says\b|as\b|reading\b)?\s*(?P<d>.+)$|^[:,;-]\s*(?P<d2>.+)$|^\((?P<d3>[^()]+)\)$",
    )
});

/// "3 things: eggs, bread and jam", "the following items - …".
static MANY_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:\d+|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of|some|several|these|the following|following|multiple)\s+)(?:new\s+)?(?:things|items|tasks|todos|to-?dos|reminders)\s*(?:[:=-]|to\s+(?:my|the)\s+list\s*:)\s*(?P<list>.+)$",
    )
});

/// Separators between the titles of several tasks.
static LIST_SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| re(r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&|\+|plus)\s+"));

static DASH: LazyLock<Regex> = LazyLock::new(|| re(r"^(?P<t>.+?)\s+-{1,2}\s+(?P<d>.+)$"));
static COLON: LazyLock<Regex> = LazyLock::new(|| re(r"^(?P<t>[^:]+?):\s+(?P<d>.+)$"));
static PARENS: LazyLock<Regex> = LazyLock::new(|| re(r"^(?P<t>.+?)\s*\((?P<d>[^()]+)\)$"));

/// The text after an "add" framing phrase, if the message starts with one.
pub fn framed_add(text: &str) -> Option<&str> {
    ADD_FRAME
        .captures(text)
        .and_then(|c| c.name("rest"))
        .map(|m| m.as_str())
}

/// The text after an "add" verb, if the message is an add command.
pub fn verb_add(text: &str) -> Option<&str> {
    if let Some(rest) = ADD_VERB.captures(text).and_then(|c| c.name("rest")) {
        return Some(rest.as_str());
    }
    let rest = ADD_VERB_WEAK.captures(text)?.name("rest")?.as_str();
    (WEAK_OBJECT.is_match(rest) || without_list_suffix(rest) != rest).then_some(rest)
}

/// Builds the add intent from what follows the verb or framing.
pub fn add_intent(rest: &str) -> Intent {
    let mut r = trim_noise(rest);
    if let Some(m) = LIST_PREFIX.find(r) {
        r = trim_noise(&r[m.end()..]);
    }
    if let Some(m) = OBJECT.find(r) {
        r = trim_noise(&r[m.end()..]);
        while let Some(m) = CONNECTOR.find(r).filter(|m| m.end() > 0) {
            r = trim_noise(&r[m.end()..]);
        }
        if let Some(m) = LIST_PREFIX.find(r).or_else(|| BARE_LIST.find(r)) {
            r = trim_noise(&r[m.end()..]);
        }
        // "a reminder that I need to call mom", "a task to remember to …"
        r = strip_intention(r);
        if let Some(inner) = framed_add(r) {
            r = inner;
        }
    }
    if let Some(c) = MANY_HEADER.captures(r) {
        let list = without_list_suffix(c.name("list").map_or("", |m| m.as_str()));
        return many(split_titles(list));
    }
    let listless = without_list_suffix(r);
    if let Some(titles) = several(listless, listless.len() < r.len()) {
        return many(titles);
    }
    let (title, description) = split_description(listless);
    let title = clean_title(strip_list_suffix(&title));
    let description = description
        .map(|d| clean_description(strip_list_suffix(&d)))
        .filter(|d| !d.is_empty());
    checked(title, description)
}

/// The titles in "eggs, bread and jam".
fn split_titles(list: &str) -> Vec<String> {
    LIST_SEPARATOR
        .split(list)
        .map(|part| clean_title(strip_list_suffix(part)))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Several short titles without a header: "eggs, bread and jam", or "milk
/// and eggs" when a list was named ("… to my list"). Longer phrases stay one
/// task ("call mom and dad").
fn several(text: &str, list_named: bool) -> Option<Vec<String>> {
    if text.contains(['"', '\'', '(', ':']) {
        return None;
    }
    let titles = split_titles(text);
    let words = |t: &String| t.split_whitespace().count();
    let short = titles.iter().all(|t| words(t) <= 3);
    let commas = text.contains(',');
    let fits = match titles.len() {
        0 | 1 => false,
        2 => list_named && titles.iter().all(|t| words(t) <= 2),
        _ => commas && short,
    };
    fits.then_some(titles)
}

/// One add per title, or the first problem with one of them.
fn many(titles: Vec<String>) -> Intent {
    match titles.as_slice() {
        [] => Intent::Invalid(Problem::EmptyTitle),
        [one] => checked(one.clone(), None),
        _ => {
            for title in &titles {
                if let Intent::Invalid(problem) = checked(title.clone(), None) {
                    return Intent::Invalid(problem);
                }
            }
            Intent::AddMany(titles)
        }
    }
}

/// Drops "… to my list" even when politeness follows it ("… to my list please").
fn without_list_suffix(text: &str) -> &str {
    let polite_free = strip_trailing_polite(text);
    let stripped = strip_list_suffix(polite_free);
    if stripped.len() < polite_free.len() {
        stripped
    } else {
        text
    }
}

/// Applies the contract's length rules before any tool is called.
pub fn checked(title: String, description: Option<String>) -> Intent {
    let n = title.chars().count();
    if n == 0 {
        return Intent::Invalid(Problem::EmptyTitle);
    }
    if n > MAX_TITLE_CHARS {
        return Intent::Invalid(Problem::TitleTooLong(n));
    }
    if let Some(d) = &description {
        let n = d.chars().count();
        if n > MAX_DESCRIPTION_CHARS {
            return Intent::Invalid(Problem::DescriptionTooLong(n));
        }
    }
    Intent::Add { title, description }
}

/// Splits "title with description …", "'title' …", "title - details",
/// "title: details" and "title (details)".
fn split_description(text: &str) -> (String, Option<String>) {
    if let Some((quoted, after)) = leading_quoted(text) {
        let after = after.trim();
        if trim_noise(after).is_empty() {
            return (quoted.to_string(), None);
        }
        if let Some(c) = DESCRIPTION_AFTER_QUOTE.captures(after) {
            let d = c.name("d").or(c.name("d2")).or(c.name("d3"));
            return (quoted.to_string(), d.map(|m| m.as_str().to_string()));
        }
        return (format!("{quoted} {after}"), None);
    }
    if let Some(c) = WITH_DESCRIPTION.captures(text) {
        return (c["t"].to_string(), Some(c["d"].to_string()));
    }
    if let Some(c) = LABELLED_DESCRIPTION.captures(text) {
        let t = c.name("t").or(c.name("t2")).map_or("", |m| m.as_str());
        let d = c.name("d").or(c.name("d2")).map(|m| m.as_str().to_string());
        return (t.to_string(), d);
    }
    for pattern in [&DASH, &COLON, &PARENS] {
        if let Some(c) = pattern.captures(text) {
            return (c["t"].to_string(), Some(c["d"].to_string()));
        }
    }
    (text.to_string(), None)
}

/// A quoted string at the very start, and what follows it.
fn leading_quoted(text: &str) -> Option<(&str, &str)> {
    let q = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate().skip(1) {
        if c != q {
            continue;
        }
        // An apostrophe between letters ("mom's") does not close the quote.
        let next_is_letter = chars.get(k + 1).is_some_and(|(_, n)| n.is_alphanumeric());
        let prev_is_letter = chars[k - 1].1.is_alphanumeric();
        if q == '\'' && prev_is_letter && next_is_letter {
            continue;
        }
        let inner = unquote(&text[..i + 1]);
        return Some((inner, &text[i + 1..]));
    }
    None
}
