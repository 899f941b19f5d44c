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

/// Bounds that keep one lookup cheap whatever the user typed or stored:
/// only so much of the query and of each task is read, only so many query
/// terms and tasks are compared, and long words are compared exactly.
pub const MAX_QUERY_BYTES: usize = 600;
pub const MAX_QUERY_TERMS: usize = 12;
pub const MAX_CANDIDATES: usize = 1000;
const MAX_TASK_TERMS: usize = 40;
/// Bytes of a title (200 characters is the contract's limit) and of a
/// description read when matching.
const MAX_TITLE_BYTES: usize = 800;
const MAX_DESCRIPTION_BYTES: usize = 600;
/// Words longer than this are compared for equality only.
const MAX_FUZZY_CHARS: usize = 32;
/// Words longer than this (in bytes) are ignored.
const MAX_WORD_BYTES: usize = 4 * MAX_FUZZY_CHARS;

/// The meaningful stems of a text, without repeats (at most `limit`).
fn key_terms_up_to(text: &str, limit: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
    {
        if out.len() >= limit {
            break;
        }
        // Nobody names a task by a word this long: it is not compared at all.
        if word.len() > MAX_WORD_BYTES {
            continue;
        }
        let lower = fold(word);
        if is_stop_word(&lower) {
            continue;
        }
        let s = stem(&lower);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The meaningful stems of a text, without repeats.
pub fn key_terms(text: &str) -> Vec<String> {
    key_terms_up_to(text, MAX_QUERY_TERMS)
}

/// Lower case without the accents Spanish writers may or may not type.
fn fold(word: &str) -> String {
    word.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            c => c,
        })
        .collect()
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word) || super::lang::is_stop_word(word)
}

/// At most the first `n` bytes of `s`, cut at a character boundary.
fn prefix_bytes(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Two stems match if equal, one extends the other a little ("meet"/"meeting"
/// once stemmed), or they differ by one typo in a word of five letters or more.
/// Linear in the words' length, and exact for words too long to be typos.
fn similar(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // A character takes at most four bytes: cheap rejections first.
    if long.len() > 4 * MAX_FUZZY_CHARS || long.len() > 4 * (short.len() + 3) {
        return false;
    }
    let (ns, nl) = (short.chars().count(), long.chars().count());
    if nl > MAX_FUZZY_CHARS {
        return false;
    }
    if ns >= 4 && long.starts_with(short) && nl - ns <= 3 {
        return true;
    }
    ns >= 5 && within_one_edit(short, long)
}

/// True when one insertion, deletion or substitution turns `a` into `b`
/// (`a` no longer than `b`); one pass over both, without allocating for
/// plain ASCII words.
fn within_one_edit(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return one_edit(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    one_edit(&a, &b)
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if b.len() < a.len() || b.len() - a.len() > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if a.len() == b.len() {
        // One substitution: the rest after the first difference is equal.
        a.get(prefix + 1..) == b.get(prefix + 1..)
    } else {
        // One insertion into `a`.
        a[prefix..] == b[prefix + 1..]
    }
}

fn simplified(s: &str) -> String {
    prefix_bytes(s, MAX_TITLE_BYTES)
        .chars()
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

/// Picks the task `query` names. Titles come first: descriptions are read
/// only when no title fits. `prefer_pending` breaks ties towards open tasks
/// (completing something already done is rarely meant). Only the first
/// [`MAX_CANDIDATES`] tasks are considered.
pub fn best_match(query: &str, tasks: &[Task], prefer_pending: bool) -> Match {
    best_match_where(query, tasks, prefer_pending).0
}

/// [`best_match`], and whether the match was found only in descriptions.
pub fn best_match_where(query: &str, tasks: &[Task], prefer_pending: bool) -> (Match, bool) {
    let tasks = &tasks[..tasks.len().min(MAX_CANDIDATES)];
    let query = prefix_bytes(query, MAX_QUERY_BYTES);
    let wanted = simplified(query);
    let exact: Vec<&Task> = tasks
        .iter()
        // Simplifying only drops characters, and punctuation aside an equal
        // title has about the same length.
        .filter(|t| {
            (wanted.len()..=2 * wanted.len() + 16).contains(&t.title.len())
                && simplified(&t.title) == wanted
        })
        .collect();
    if !exact.is_empty() {
        let found = pick(
            exact.iter().map(|t| (t.id, t.completed)).collect(),
            prefer_pending,
        );
        return (found, false);
    }
    let terms = key_terms(query);
    if terms.is_empty() {
        return (Match::None, false);
    }
    let needed = terms.len().div_ceil(2);
    let titles: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| key_terms_up_to(prefix_bytes(&t.title, MAX_TITLE_BYTES), MAX_TASK_TERMS))
        .collect();
    let by_title = score(&terms, needed, tasks, &titles, false);
    if !by_title.is_empty() {
        return (choose(&by_title, prefer_pending), false);
    }
    let found = choose(&score(&terms, needed, tasks, &titles, true), prefer_pending);
    let by_description = found != Match::None;
    (found, by_description)
}

/// Tasks with at least `needed` query terms in their title (or, when
/// `descriptions`, in title and description together).
fn score(
    terms: &[String],
    needed: usize,
    tasks: &[Task],
    titles: &[Vec<String>],
    descriptions: bool,
) -> Vec<Scored> {
    tasks
        .iter()
        .zip(titles)
        .filter_map(|(t, title_terms)| {
            let in_title = |q: &String| title_terms.iter().any(|w| similar(q, w));
            let title_hits = terms.iter().filter(|q| in_title(q)).count();
            let desc_hits = if descriptions {
                let description = t.description.as_deref().unwrap_or("");
                let desc_terms = key_terms_up_to(
                    prefix_bytes(description, MAX_DESCRIPTION_BYTES),
                    MAX_TASK_TERMS,
                );
                terms
                    .iter()
                    .filter(|q| !in_title(q) && desc_terms.iter().any(|w| similar(q, w)))
                    .count()
            } else {
                0
            };
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
        .collect()
}

fn choose(scored: &[Scored], prefer_pending: bool) -> Match {
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
    fn titles_come_before_descriptions() {
        let mut list = tasks(&["3 things", "Bread"]);
        list[0].description = Some("eggs, bread and jam".into());
        assert_eq!(
            best_match_where("bread", &list, false),
            (Match::One(2), false)
        );
        list.remove(1);
        assert_eq!(
            best_match_where("bread", &list, false),
            (Match::One(1), true)
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

#[cfg(test)]
mod cost {
    use super::*;
    use std::time::{Duration, Instant};

    fn long_word(seed: usize, len: usize) -> String {
        (0..len)
            .map(|i| char::from(b'a' + ((i * 7 + seed * 13) % 26) as u8))
            .collect()
    }

    /// A 4,000-letter word against 1,000 tasks whose titles (200 letters) and
    /// descriptions (1,000 letters) are single long words.
    #[test]
    fn matching_cost_is_bounded() {
        let n: usize = std::env::var("MATCH_COST_TASKS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        let tasks: Vec<Task> = (0..n)
            .map(|i| Task {
                id: i as i64 + 1,
                title: long_word(i, 200),
                completed: false,
                description: Some(long_word(i + 1, 1000)),
            })
            .collect();
        let query = format!("delete {}", long_word(99_999, 4000));
        let started = Instant::now();
        let found = best_match(&query, &tasks, false);
        let took = started.elapsed();
        println!("long word against {n} long-titled tasks: {took:?} ({found:?})");
        assert_eq!(found, Match::None);
        // Unbounded, this took about 0.6 s per task (ten minutes in all).
        assert!(took < Duration::from_secs(1), "took {took:?}");
    }

    /// Many five-to-seven-letter words everywhere: the most fuzzy comparisons.
    #[test]
    fn many_short_words_stay_cheap() {
        let word = |seed: usize| long_word(seed, 5 + seed % 3);
        let text = |seed: usize, words: usize| {
            (0..words)
                .map(|k| word(seed * 31 + k))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let tasks: Vec<Task> = (0..1000)
            .map(|i| Task {
                id: i as i64 + 1,
                title: text(i, 25),
                completed: false,
                description: Some(text(i + 7, 120)),
            })
            .collect();
        let query = text(50_000, 400);
        let started = Instant::now();
        let found = best_match(&query, &tasks, false);
        let took = started.elapsed();
        let kind = match &found {
            Match::Ambiguous(ids) => format!("{} candidates", ids.len()),
            other => format!("{other:?}"),
        };
        println!("400-word query against 1,000 tasks of many words: {took:?} ({kind})");
        assert!(took < Duration::from_secs(1), "took {took:?}");
    }
}
