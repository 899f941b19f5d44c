//! How a request names a task: by id, position, pronoun or title words.

use std::sync::LazyLock;

use regex::Regex;

use crate::agent::offline::intent::{Position, TaskRef};
use crate::agent::offline::text::{
    is_quoted, re, strip_list_suffix, strip_trailing_polite, trim_noise, unquote,
};

static ID_LIST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:the\s+)?(?:(?:tasks?|todos?|to-?dos?|items?|numbers?|no\.?|ids?|entry|entries|one)\s*)*(?:with\s+(?:the\s+)?id\s+)?#?\s*\d+(?:\s*(?:,|and|&|\+|or)\s*(?:and\s+)?(?:(?:tasks?|number|no\.?)\s*)?#?\s*\d+)*$",
    )
});

static DIGITS: LazyLock<Regex> = LazyLock::new(|| re(r"\d+"));

static ID_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:the\s+)?(?:task|item|number|todo|no\.?)\s+(?:number\s+)?(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)$",
    )
});

static ORDINAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:the\s+)?(?:very\s+)?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final|latest|newest|\d+(?:st|nd|rd|th))(?:\s+(?:one|task|item|todo|to-?do|entry))?(?:\s+(?:on|in|from|of)\s+(?:the|my|that|this)\s+list)?$",
    )
});

static PREVIOUS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:it|its|it's|that|this|that one|this one|that task|this task|the task|same one|the same one|the same task|the one you (?:just )?(?:mentioned|added|created|said|listed|found)|the one i just (?:added|created|made)|the new one|what i just added)$",
    )
});

const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

const ORDINAL_WORDS: &[&str] = &[
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
];

/// Reads a task mention such as "task 3", "#3", "tasks 1 and 2", "the second
/// one", "it" or "the meeting one".
pub fn parse_ref(raw: &str) -> TaskRef {
    let s = trim_noise(strip_list_suffix(strip_trailing_polite(raw)));
    if is_quoted(s) {
        return TaskRef::Title(unquote(s).to_string());
    }
    let lower = s.to_lowercase();
    if ID_LIST.is_match(&lower) {
        let ids: Vec<i64> = DIGITS
            .find_iter(&lower)
            .filter_map(|m| m.as_str().parse().ok())
            .collect();
        match ids.as_slice() {
            [id] => return TaskRef::Id(*id),
            [_, ..] => return TaskRef::Ids(ids),
            [] => {}
        }
    }
    if let Some(c) = ID_WORD.captures(&lower)
        && let Some(n) = NUMBER_WORDS.iter().position(|w| *w == &c[1])
    {
        return TaskRef::Id(n as i64 + 1);
    }
    if let Some(c) = ORDINAL.captures(&lower) {
        let word = &c[1];
        let position = if matches!(word, "last" | "final" | "latest" | "newest") {
            Some(Position::Last)
        } else if let Some(n) = ORDINAL_WORDS.iter().position(|w| *w == word) {
            Some(Position::Nth(n + 1))
        } else {
            DIGITS
                .find(word)
                .and_then(|m| m.as_str().parse().ok())
                .filter(|n: &usize| *n > 0)
                .map(Position::Nth)
        };
        if let Some(p) = position {
            return TaskRef::Position(p);
        }
    }
    if PREVIOUS.is_match(&lower) {
        return TaskRef::Previous;
    }
    TaskRef::Title(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for text in [
            "task 3",
            "Task #3",
            "#3",
            "3",
            "number 3",
            "task number 3",
            "no. 3",
            "the task 3",
            "item 3",
            "task id 3",
            "TASK 3",
            "task three",
            "number three",
            "todo 3",
        ] {
            assert_eq!(parse_ref(text), TaskRef::Id(3), "{text}");
        }
        assert_eq!(parse_ref("tasks 1 and 3"), TaskRef::Ids(vec![1, 3]));
        assert_eq!(parse_ref("#1, #2 and #4"), TaskRef::Ids(vec![1, 2, 4]));
        assert_eq!(parse_ref("task 2 from my list"), TaskRef::Id(2));
    }

    #[test]
    fn positions_and_pronouns() {
        assert_eq!(parse_ref("the 3rd"), TaskRef::Position(Position::Nth(3)));
        assert_eq!(
            parse_ref("the second one"),
            TaskRef::Position(Position::Nth(2))
        );
        assert_eq!(
            parse_ref("the first task"),
            TaskRef::Position(Position::Nth(1))
        );
        assert_eq!(parse_ref("the last one"), TaskRef::Position(Position::Last));
        assert_eq!(parse_ref("it"), TaskRef::Previous);
        assert_eq!(parse_ref("that one"), TaskRef::Previous);
    }

    #[test]
    fn titles() {
        assert_eq!(
            parse_ref("the gym one"),
            TaskRef::Title("the gym one".into())
        );
        assert_eq!(parse_ref("'Call mom'"), TaskRef::Title("Call mom".into()));
        assert_eq!(parse_ref("call 911"), TaskRef::Title("call 911".into()));
        assert_eq!(
            parse_ref("the meeting task from my todo list"),
            TaskRef::Title("the meeting task".into())
        );
    }
}
