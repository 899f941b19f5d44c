//! Finds the task a user means from a few words of its title: token overlap
//! with light stemming ("paying the bills" ~ "Pay bills"), typo tolerance and
//! a preference for exact titles.

/// A task as `list_tasks` returns it.
pub use todo_core::tools::TaskItem as Task;

/// What a mention of a task resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    One(i64),
    /// Several tasks fit equally well: their ids, best first.
    Ambiguous(Vec<i64>),
    None,
}

/// Words that say nothing about which task is meant.
const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "my",
    "our",
    "your",
    "his",
    "her",
    "their",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "i",
    "me",
    "we",
    "you",
    "task",
    "tasks",
    "todo",
    "todos",
    "to-do",
    "item",
    "items",
    "one",
    "ones",
    "thing",
    "things",
    "entry",
    "list",
    "about",
    "called",
    "named",
    "titled",
    "with",
    "for",
    "to",
    "of",
    "on",
    "in",
    "at",
    "by",
    "and",
    "or",
    "is",
    "are",
    "was",
    "please",
    "from",
    "off",
    "up",
    "just",
    "all",
    "some",
    "any",
    "which",
    "say",
    "says",
    "saying",
    "reminder",
    "regarding",
    "re",
    "now",
    "already",
    "finally",
];

/// Past forms a suffix rule cannot undo.
const IRREGULAR: &[(&str, &str)] = &[
    ("paid", "pay"),
    ("bought", "buy"),
    ("went", "go"),
    ("gone", "go"),
    ("did", "do"),
    ("done", "do"),
    ("made", "make"),
    ("sent", "send"),
    ("wrote", "write"),
    ("written", "write"),
    ("took", "take"),
    ("taken", "take"),
    ("got", "get"),
    ("gotten", "get"),
    ("ate", "eat"),
    ("eaten", "eat"),
    ("met", "meet"),
    ("brought", "bring"),
    ("sold", "sell"),
    ("found", "find"),
    ("spoke", "speak"),
    ("fed", "feed"),
    ("gave", "give"),
    ("given", "give"),
    ("ran", "run"),
    ("swept", "sweep"),
    ("drove", "drive"),
    ("flew", "fly"),
    ("kept", "keep"),
    ("said", "say"),
    ("told", "tell"),
    ("built", "build"),
    ("caught", "catch"),
    ("taught", "teach"),
    ("threw", "throw"),
    ("children", "child"),
    ("people", "person"),
];

/// Reduces a word to a rough stem so "paying"/"pays"/"paid" all give "pay".
pub fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    let w = w
        .strip_suffix("'s")
        .or_else(|| w.strip_suffix("s'"))
        .unwrap_or(&w);
    if let Some((_, base)) = IRREGULAR.iter().find(|(form, _)| *form == w) {
        return (*base).to_string();
    }
    let singular = singular(w);
    let has_vowel = |s: &str| s.chars().any(|c| "aeiouy".contains(c));
    for suffix in ["ing", "ed"] {
        if let Some(base) = singular.strip_suffix(suffix)
            && base.len() >= 3
            && has_vowel(base)
            && !singular.ends_with("eed")
        {
            return restore_verb(base);
        }
    }
    singular
}

/// "groceries" → "grocery", "boxes" → "box", "bills" → "bill".
fn singular(w: &str) -> String {
    if let Some(base) = w.strip_suffix("ies").filter(|b| b.len() >= 2) {
        return format!("{base}y");
    }
    if let Some(base) = w.strip_suffix("es")
        && (base.ends_with("sh")
            || base.ends_with("ch")
            || base.ends_with('x')
            || base.ends_with("ss"))
    {
        return base.to_string();
    }
    if let Some(base) = w.strip_suffix('s')
        && base.len() >= 3
        && !base.ends_with(['s', 'u', 'i'])
    {
        return base.to_string();
    }
    w.to_string()
}

/// After "-ing"/"-ed": "shopp" → "shop", "mak" → "make", "writ" → "write".
fn restore_verb(base: &str) -> String {
    let b: Vec<char> = base.chars().collect();
    let n = b.len();
    let vowel = |c: char| "aeiou".contains(c);
    if n >= 2 && b[n - 1] == b[n - 2] && !vowel(b[n - 1]) && !"lsz".contains(b[n - 1]) {
        return b[..n - 1].iter().collect();
    }
    // One short syllable ending consonant-vowel-consonant lost a silent "e".
    let syllables = b.windows(2).filter(|w| vowel(w[0]) && !vowel(w[1])).count();
    if n >= 3
        && syllables == 1
        && !vowel(b[n - 3])
        && vowel(b[n - 2])
        && !vowel(b[n - 1])
        && !"wxy".contains(b[n - 1])
    {
        return format!("{base}e");
    }
    base.to_string()
}

/// The meaningful stems of a text, without repeats.
pub fn key_terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_lowercase();
        if STOP_WORDS.contains(&lower.as_str()) {
            continue;
        }
        let s = stem(&lower);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Two stems match if equal, one extends the other a little ("meet"/"meeting"
/// once stemmed), or they differ by one typo in a word of five letters or more.
fn similar(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() >= 4 && long.starts_with(short) && long.len() - short.len() <= 3 {
        return true;
    }
    short.chars().count() >= 5 && edit_distance(a, b) <= 1
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn simplified(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

struct Scored {
    id: i64,
    completed: bool,
    score: usize,
    covers_title: bool,
}

/// Picks the task `query` names. `prefer_pending` breaks ties towards open
/// tasks (completing something already done is rarely meant).
pub fn best_match(query: &str, tasks: &[Task], prefer_pending: bool) -> Match {
    let exact: Vec<&Task> = tasks
        .iter()
        .filter(|t| simplified(&t.title) == simplified(query))
        .collect();
    if !exact.is_empty() {
        return pick(
            exact.iter().map(|t| (t.id, t.completed)).collect(),
            prefer_pending,
        );
    }
    let terms = key_terms(query);
    if terms.is_empty() {
        return Match::None;
    }
    let needed = terms.len().div_ceil(2);
    let scored: Vec<Scored> = tasks
        .iter()
        .filter_map(|t| {
            let title_terms = key_terms(&t.title);
            let desc_terms = key_terms(t.description.as_deref().unwrap_or(""));
            let in_title = |q: &String| title_terms.iter().any(|w| similar(q, w));
            let title_hits = terms.iter().filter(|q| in_title(q)).count();
            let desc_hits = terms
                .iter()
                .filter(|q| !in_title(q) && desc_terms.iter().any(|w| similar(q, w)))
                .count();
            if title_hits + desc_hits < needed {
                return None;
            }
            let covers_title = title_hits == terms.len()
                && title_terms
                    .iter()
                    .all(|w| terms.iter().any(|q| similar(q, w)));
            Some(Scored {
                id: t.id,
                completed: t.completed,
                score: 2 * title_hits + desc_hits,
                covers_title,
            })
        })
        .collect();
    let Some(top) = scored.iter().map(|s| s.score).max() else {
        return Match::None;
    };
    let best: Vec<&Scored> = scored.iter().filter(|s| s.score == top).collect();
    let covering: Vec<&Scored> = best.iter().copied().filter(|s| s.covers_title).collect();
    if covering.len() == 1 {
        return Match::One(covering[0].id);
    }
    pick(
        best.iter().map(|s| (s.id, s.completed)).collect(),
        prefer_pending,
    )
}

fn pick(candidates: Vec<(i64, bool)>, prefer_pending: bool) -> Match {
    match candidates.as_slice() {
        [] => Match::None,
        [(id, _)] => Match::One(*id),
        _ => {
            let pending: Vec<i64> = candidates
                .iter()
                .filter(|(_, done)| !done)
                .map(|(id, _)| *id)
                .collect();
            if prefer_pending && pending.len() == 1 {
                Match::One(pending[0])
            } else {
                Match::Ambiguous(candidates.iter().map(|(id, _)| *id).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tasks(titles: &[&str]) -> Vec<Task> {
        titles
            .iter()
            .enumerate()
            .map(|(i, t)| Task {
                id: i as i64 + 1,
                title: (*t).to_string(),
                completed: false,
                description: None,
            })
            .collect()
    }

    #[test]
    fn stems_common_forms() {
        for (word, expected) in [
            ("paying", "pay"),
            ("paid", "pay"),
            ("bills", "bill"),
            ("groceries", "grocery"),
            ("meeting", "meet"),
            ("meetings", "meet"),
            ("shopping", "shop"),
            ("making", "make"),
            ("writing", "write"),
            ("called", "call"),
            ("calling", "call"),
            ("boxes", "box"),
            ("dishes", "dish"),
            ("notes", "note"),
            ("need", "need"),
            ("bring", "bring"),
            ("class", "class"),
            ("bus", "bus"),
            ("mom's", "mom"),
            ("visiting", "visit"),
            ("cleaned", "clean"),
        ] {
            assert_eq!(stem(word), expected, "{word}");
        }
    }

    #[test]
    fn key_terms_skip_stop_words() {
        assert_eq!(key_terms("the meeting task"), vec!["meet"]);
        assert_eq!(key_terms("paying the bills"), vec!["pay", "bill"]);
        assert!(key_terms("that one").is_empty());
    }

    #[test]
    fn matches_by_overlap() {
        let list = tasks(&["Buy groceries", "Pay bills", "Team meeting notes", "Gym"]);
        assert_eq!(best_match("paying the bills", &list, true), Match::One(2));
        assert_eq!(best_match("the meeting task", &list, false), Match::One(3));
        assert_eq!(best_match("the gym one", &list, false), Match::One(4));
        assert_eq!(best_match("grocries", &list, false), Match::One(1));
        assert_eq!(best_match("BUY GROCERIES!", &list, false), Match::One(1));
        assert_eq!(best_match("the dentist", &list, false), Match::None);
        assert_eq!(best_match("the task", &list, false), Match::None);
    }

    #[test]
    fn exact_title_beats_longer_titles() {
        let list = tasks(&["Buy groceries and fruits", "Buy groceries"]);
        assert_eq!(best_match("buy groceries", &list, false), Match::One(2));
    }

    #[test]
    fn equal_candidates_are_ambiguous() {
        let list = tasks(&["Team meeting notes", "Meeting with Bob", "Gym"]);
        assert_eq!(
            best_match("the meeting", &list, false),
            Match::Ambiguous(vec![1, 2])
        );
    }

    #[test]
    fn pending_wins_ties_when_completing() {
        let mut list = tasks(&["Pay bills", "Pay bills"]);
        list[0].completed = true;
        assert_eq!(best_match("pay bills", &list, true), Match::One(2));
        assert_eq!(
            best_match("pay bills", &list, false),
            Match::Ambiguous(vec![1, 2])
        );
    }

    #[test]
    fn descriptions_help_a_little() {
        let mut list = tasks(&["Book flights", "Book hotel"]);
        list[0].description = Some("to Lisbon, in May".into());
        assert_eq!(best_match("the lisbon one", &list, false), Match::One(1));
    }

    #[test]
    fn past_tense_matches_the_base_verb() {
        let list = tasks(&["Call mom", "Go to the gym", "Buy milk"]);
        assert_eq!(best_match("called mom", &list, true), Match::One(1));
        assert_eq!(best_match("went to the gym", &list, true), Match::One(2));
        assert_eq!(best_match("bought the milk", &list, true), Match::One(3));
    }
}
