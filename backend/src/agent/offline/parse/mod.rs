//! Turns one everyday-English message into an [`Intent`]. Pure: no tools, no
//! history (pronouns and positions are resolved later by the executor).

mod act;
pub(crate) mod add;
mod lead;
mod list;
mod reference;
mod typo;

#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use regex::Regex;

use crate::agent::offline::intent::{Intent, TaskRef};
use crate::agent::offline::text::{clean_title, normalize, re, strip_trailing_polite, trim_noise};
use lead::Framing;

pub use reference::parse_ref;

/// "remind me what's left" is a question, not a new task.
static REMIND_QUESTION: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:remind me|tell me) (?:what|which|of what|how many|of my)\b"));

/// Words showing that a request is about the task list itself.
static TASK_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"\b(?:tasks?|todos?|to-?dos?|items?|entry|entries|one|ones|list|reminder)\b|['"]"#)
});

static QUESTION_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:i|i'm|im|i am|we|you|it|it's|this|that|what|whats|what's|who|why|how|when|where|which|is|are|do|does|did|can|could|will|would|should)\b",
    )
});

pub fn parse(message: &str) -> Intent {
    let text = normalize(message);
    if text.is_empty() {
        return Intent::Unknown { suggestion: None };
    }
    if let Some(intent) = lead::small_talk(strip_trailing_polite(&text)) {
        return intent;
    }
    let lead = lead::strip_small_talk(&text);
    if lead.rest.is_empty() {
        return if lead.greeted {
            Intent::Greeting
        } else {
            Intent::Thanks
        };
    }
    if let Some(intent) = lead::small_talk(strip_trailing_polite(lead.rest)) {
        return intent;
    }
    let (raw, framing) = lead::strip_framing(lead.rest);
    if raw.is_empty() {
        return Intent::Unknown { suggestion: None };
    }
    if REMIND_QUESTION.is_match(raw) {
        let status = list::status(&raw.to_lowercase());
        return Intent::List(status);
    }
    if let Some(rest) = add::framed_add(raw) {
        // "don't forget I need to pay rent"
        let rest = lead::strip_intention(rest);
        return add::add_intent(add::framed_add(rest).unwrap_or(rest));
    }
    let core = strip_trailing_polite(raw);
    let mut intent = command(core, raw);
    if let Intent::Unknown { .. } = intent
        && let Some(fixed) = typo::fix_command_word(raw)
    {
        // "ad a task to buy stamps", "delet the gym one", "shw my tasks"
        let retry = command(strip_trailing_polite(&fixed), &fixed);
        if !matches!(retry, Intent::Unknown { .. }) {
            intent = retry;
        }
    }
    if framing == Framing::Intention && !clearly_about_tasks(&intent, core) {
        // "I need to finish the report": a new task, not a command.
        return add::add_intent(raw);
    }
    intent
}

/// The order matters: earlier rules are more specific.
fn command(core: &str, raw: &str) -> Intent {
    if let Some(status) = list::everyday(core) {
        return Intent::List(status);
    }
    if let Some(i) = act::tick_it_off(core) {
        return i;
    }
    if list::is_question(core)
        && let Some(status) = list::list_request(core)
    {
        return Intent::List(status);
    }
    if let Some(i) = act::bulk(core)
        .or_else(|| act::reopen(core))
        .or_else(|| act::complete_first(core))
        .or_else(|| act::update(raw))
    {
        return i;
    }
    if let Some(rest) = add::verb_add(raw) {
        return add::add_intent(rest);
    }
    if let Some(status) = list::list_request(core) {
        return Intent::List(status);
    }
    if let Some(i) = act::complete(core)
        .or_else(|| act::delete(core))
        .or_else(|| act::update_without_value(core))
        .or_else(|| act::past_tense(core))
    {
        return i;
    }
    let reference = parse_ref(core);
    if reference.is_explicit() && reference != TaskRef::Previous {
        return Intent::BareRef(reference);
    }
    Intent::Unknown {
        suggestion: suggestion(core),
    }
}

/// After "I need to…", accept a command only when it plainly targets the list.
fn clearly_about_tasks(intent: &Intent, core: &str) -> bool {
    let named = |r: &TaskRef| r.is_explicit() || TASK_WORDS.is_match(core);
    match intent {
        Intent::Complete(r)
        | Intent::Delete(r)
        | Intent::Reopen(r)
        | Intent::UpdateWithoutValue(r)
        | Intent::Update { target: r, .. } => named(r),
        Intent::List(_) => list::mentions_tasks(core),
        Intent::Add { .. }
        | Intent::Invalid(_)
        | Intent::CompleteAll
        | Intent::DeleteCompleted
        | Intent::DeleteAll
        | Intent::AddMany(_) => true,
        _ => false,
    }
}

/// A short imperative the user may have meant as a new task.
fn suggestion(core: &str) -> Option<String> {
    let words = core.split_whitespace().count();
    let text = trim_noise(core);
    let plausible = (1..=8).contains(&words)
        && text.chars().next().is_some_and(char::is_alphabetic)
        && !QUESTION_START.is_match(text);
    plausible.then(|| clean_title(text))
}
