//! A request grammar given as data: each language other than English lists
//! its patterns in a [`Grammar`], and [`Grammar::parse`] reads a message with
//! them. Named groups: `t` a new title, `d` a description, `r` a task
//! mention, `v` a new value, `f` a field word (a description field when it
//! matches `description_field`), `o` the object of a past-tense verb.

use regex::Regex;

use crate::agent::offline::intent::{Intent, Position, Problem, StatusFilter, TaskRef};
use crate::agent::offline::parse::add::checked;
use crate::agent::offline::text::{
    clean_description, clean_title, is_quoted, re, trim_noise, unquote,
};

pub struct Grammar {
    pub greeting: Regex,
    pub help: Regex,
    pub thanks: Regex,
    pub goodbye: Regex,
    pub yes: Regex,
    pub no: Regex,
    /// Greetings and politeness before a request ("hola,", "براہ کرم").
    pub lead: Regex,
    /// Politeness after a request ("por favor").
    pub trailing: Regex,
    pub complete_all: Regex,
    pub delete_completed: Regex,
    pub delete_all: Regex,
    pub update: Vec<Regex>,
    pub update_without_value: Vec<Regex>,
    pub description_field: Regex,
    /// "mark it as not done": the tools cannot reopen a task.
    pub reopen: Vec<Regex>,
    pub complete: Vec<Regex>,
    /// Past-tense reports ("pagué las facturas"): `v` the verb, `o` the rest.
    pub past: Vec<Regex>,
    /// Past forms and the verb a title would use ("pagué" → "pagar").
    pub past_forms: &'static [(&'static str, &'static str)],
    pub delete: Vec<Regex>,
    pub list: Vec<Regex>,
    /// Question words: a question that fits a list pattern is never a change.
    pub question: Regex,
    pub pending: Regex,
    pub completed: Regex,
    pub all: Regex,
    pub add: Vec<Regex>,
    /// "I need to …" statements read as new tasks, tried after lists.
    pub intention: Vec<Regex>,
    /// Words before a new title that are not part of it ("una tarea:").
    pub add_object: Regex,
    /// Where a list is named around a title ("a mi lista").
    pub list_place: Regex,
    /// "título, descripción: …" inside an add.
    pub description: Regex,
    /// Noise around a task mention ("la tarea", "والا", "ko").
    pub ref_noise: Regex,
    /// Words in an id list ("tarea", "número", "y").
    pub id_words: Regex,
    pub ordinals: &'static [(&'static str, usize)],
    pub last: Regex,
    pub previous: Regex,
    /// Several titles in one add: the separators ("y", "اور", "aur").
    pub and: Regex,
    /// An add that names a count ("3 cosas:").
    pub many: Regex,
}

fn group<'t>(c: &regex::Captures<'t>, name: &str) -> Option<&'t str> {
    c.name(name).map(|m| m.as_str())
}

impl Grammar {
    /// The intent of one normalized message, or `Unknown`.
    pub fn parse(&self, text: &str) -> Intent {
        let text = trim_noise(text);
        if let Some(i) = self.small_talk(text) {
            return i;
        }
        let mut rest = text;
        let mut greeted = false;
        while let Some(m) = self.lead.find(rest).filter(|m| m.end() > 0) {
            greeted |= self.greeting.is_match(trim_noise(m.as_str()));
            rest = trim_noise(&rest[m.end()..]);
        }
        while let Some(m) = self.trailing.find(rest).filter(|m| m.start() > 0) {
            rest = trim_noise(&rest[..m.start()]);
        }
        if rest.is_empty() {
            return if greeted {
                Intent::Greeting
            } else {
                Intent::Thanks
            };
        }
        if let Some(i) = self.small_talk(rest) {
            return i;
        }
        self.command(rest)
    }

    fn small_talk(&self, text: &str) -> Option<Intent> {
        if self.help.is_match(text) {
            Some(Intent::Help)
        } else if self.greeting.is_match(text) {
            Some(Intent::Greeting)
        } else if self.goodbye.is_match(text) {
            Some(Intent::Goodbye)
        } else if self.thanks.is_match(text) {
            Some(Intent::Thanks)
        } else if self.yes.is_match(text) {
            Some(Intent::Confirm(true))
        } else if self.no.is_match(text) {
            Some(Intent::Confirm(false))
        } else {
            None
        }
    }

    fn command(&self, text: &str) -> Intent {
        let asks_list = self.list.iter().any(|p| p.is_match(text));
        if asks_list && self.question.is_match(text) {
            return Intent::List(self.status(text));
        }
        if self.delete_completed.is_match(text) {
            return Intent::DeleteCompleted;
        }
        if self.complete_all.is_match(text) {
            return Intent::CompleteAll;
        }
        if self.delete_all.is_match(text) {
            return Intent::DeleteAll;
        }
        if let Some(i) = self.update(text) {
            return i;
        }
        if let Some(r) = self.mention(&self.reopen, text) {
            return Intent::Reopen(r);
        }
        if let Some(r) = self.mention(&self.complete, text) {
            return Intent::Complete(r);
        }
        if let Some(r) = self.mention(&self.delete, text) {
            return Intent::Delete(r);
        }
        if let Some(i) = self.past_tense(text) {
            return i;
        }
        if let Some(i) = self.add(&self.add, text) {
            return i;
        }
        if asks_list {
            return Intent::List(self.status(text));
        }
        if let Some(i) = self.add(&self.intention, text) {
            return i;
        }
        let reference = self.reference(text);
        if reference.is_explicit() && reference != TaskRef::Previous {
            return Intent::BareRef(reference);
        }
        Intent::Unknown {
            suggestion: self.suggestion(text),
        }
    }

    /// The task a pattern's `r` group names; a pattern without one (a verb
    /// carrying its own pronoun, like "bórrala") means the previous task.
    fn mention(&self, patterns: &[Regex], text: &str) -> Option<TaskRef> {
        patterns.iter().find_map(|p| {
            let c = p.captures(text)?;
            Some(match group(&c, "r") {
                Some(r) => self.reference(r),
                None => TaskRef::Previous,
            })
        })
    }

    pub fn status(&self, text: &str) -> StatusFilter {
        if self.pending.is_match(text) {
            StatusFilter::Pending
        } else if self.completed.is_match(text) {
            StatusFilter::Completed
        } else {
            StatusFilter::All
        }
    }

    fn update(&self, text: &str) -> Option<Intent> {
        if let Some(c) = self.update.iter().find_map(|p| p.captures(text)) {
            let target = self.reference(group(&c, "r").unwrap_or(""));
            let value = group(&c, "v").unwrap_or("");
            let is_description = group(&c, "f").is_some_and(|f| self.description_field.is_match(f));
            if is_description {
                let d = clean_description(value);
                if d.chars().count() > todo_core::validation::MAX_DESCRIPTION_CHARS {
                    return Some(Intent::Invalid(Problem::DescriptionTooLong(
                        d.chars().count(),
                    )));
                }
                return Some(Intent::Update {
                    target,
                    title: None,
                    description: Some(d),
                });
            }
            return Some(match checked(clean_title(value), None) {
                Intent::Add { title, .. } => Intent::Update {
                    target,
                    title: Some(title),
                    description: None,
                },
                Intent::Invalid(Problem::EmptyTitle) => Intent::UpdateWithoutValue(target),
                other => other,
            });
        }
        self.mention(&self.update_without_value, text)
            .map(Intent::UpdateWithoutValue)
    }

    fn past_tense(&self, text: &str) -> Option<Intent> {
        let c = self.past.iter().find_map(|p| p.captures(text))?;
        let verb = group(&c, "v")?.to_lowercase();
        let base = self
            .past_forms
            .iter()
            .find(|(form, _)| *form == verb)
            .map_or(verb.as_str(), |(_, base)| base);
        let object = group(&c, "o").unwrap_or("");
        Some(Intent::Complete(TaskRef::Title(
            format!("{base} {object}").trim().to_string(),
        )))
    }

    fn add(&self, patterns: &[Regex], text: &str) -> Option<Intent> {
        let c = patterns.iter().find_map(|p| p.captures(text))?;
        // Whatever follows the verb ("…, تفصیل: …", "…: انڈے، …") joins the title.
        let joined = match group(&c, "tail") {
            Some(tail) => format!("{}, {tail}", group(&c, "t")?),
            None => group(&c, "t")?.to_string(),
        };
        let mut t = trim_noise(&joined);
        let mut list_named = false;
        loop {
            let before = t;
            if let Some(m) = self.list_place.find(t) {
                list_named = true;
                t = if m.start() == 0 {
                    trim_noise(&t[m.end()..])
                } else {
                    trim_noise(&t[..m.start()])
                };
            }
            if let Some(m) = self.add_object.find(t).filter(|m| m.start() == 0) {
                t = trim_noise(&t[m.end()..]);
            }
            if t == before {
                break;
            }
        }
        if let Some(m) = self.many.find(t).filter(|m| m.start() == 0) {
            let titles = self.split_many(&t[m.end()..]);
            if titles.len() > 1 {
                return Some(Intent::AddMany(titles));
            }
        }
        if let Some(titles) = self.several(t, list_named) {
            return Some(Intent::AddMany(titles));
        }
        if !is_quoted(t)
            && let Some(d) = self.description.captures(t)
        {
            let title = clean_title(group(&d, "t").unwrap_or(""));
            let description = clean_description(group(&d, "d").unwrap_or(""));
            return Some(checked(title, Some(description).filter(|d| !d.is_empty())));
        }
        Some(checked(clean_title(t), None))
    }

    /// A short statement the user may have meant as a new task.
    fn suggestion(&self, text: &str) -> Option<String> {
        let words = text.split_whitespace().count();
        let plausible = (1..=6).contains(&words)
            && text.chars().next().is_some_and(char::is_alphabetic)
            && !self.question.is_match(text);
        plausible.then(|| clean_title(text))
    }

    /// Several short titles without a count: "huevos, pan y mermelada", or
    /// "leche y huevos" when a list was named ("… a mi lista").
    fn several(&self, text: &str, list_named: bool) -> Option<Vec<String>> {
        if text.contains(['"', '\'', '(', ':']) || self.description.is_match(text) {
            return None;
        }
        let titles = self.split_many(text);
        let words = |t: &String| t.split_whitespace().count();
        let fits = match titles.len() {
            0 | 1 => false,
            2 => list_named && titles.iter().all(|t| words(t) <= 2),
            _ => text.contains([',', '،']) && titles.iter().all(|t| words(t) <= 3),
        };
        fits.then_some(titles)
    }

    fn split_many(&self, text: &str) -> Vec<String> {
        text.split([',', '،'])
            .flat_map(|part| self.and.split(part).collect::<Vec<_>>())
            .map(clean_title)
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// How a mention names a task: ids, a position, a pronoun, or title words.
    pub fn reference(&self, raw: &str) -> TaskRef {
        let s = trim_noise(raw);
        if is_quoted(s) {
            return TaskRef::Title(unquote(s).to_string());
        }
        let mut core = s;
        while let Some(m) = self.ref_noise.find(core).filter(|m| m.end() > m.start()) {
            let next = if m.start() == 0 {
                trim_noise(&core[m.end()..])
            } else if m.end() == core.len() {
                trim_noise(&core[..m.start()])
            } else {
                break;
            };
            if next.is_empty() || next == core {
                break;
            }
            core = next;
        }
        let lower = core.to_lowercase();
        let ids_only = self.id_words.replace_all(&lower, " ");
        let ids_only = ids_only.trim();
        if !ids_only.is_empty()
            && ids_only
                .split(|c: char| c.is_whitespace() || c == ',' || c == '#' || c == '،')
                .all(|w| w.is_empty() || w.chars().all(|c| c.is_ascii_digit()))
        {
            let ids: Vec<i64> = ids_only
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|w| w.parse().ok())
                .collect();
            match ids.as_slice() {
                [id] => return TaskRef::Id(*id),
                [_, ..] => return TaskRef::Ids(ids),
                [] => {}
            }
        }
        if let Some((_, n)) = self.ordinals.iter().find(|(w, _)| *w == lower) {
            return TaskRef::Position(Position::Nth(*n));
        }
        if self.last.is_match(&lower) {
            return TaskRef::Position(Position::Last);
        }
        if self.previous.is_match(&lower) {
            return TaskRef::Previous;
        }
        TaskRef::Title(core.to_string())
    }
}

/// Compiles one pattern of a language table.
pub fn rx(pattern: &str) -> Regex {
    re(pattern)
}

/// Compiles a list of patterns.
pub fn rxs(patterns: &[&str]) -> Vec<Regex> {
    patterns.iter().map(|p| re(p)).collect()
}
