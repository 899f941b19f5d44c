//! Requests to see tasks, and which status filter they mean.

use std::sync::LazyLock;

use regex::Regex;

use crate::agent::offline::intent::StatusFilter;
use crate::agent::offline::text::re;

/// Verbs that ask to see tasks whatever follows.
static STRONG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:show|list|display|view|see|print|pull up|bring up|let me see|lemme see|can i see|what'?s on my|whats on my)\b",
    )
});

/// Verbs and questions that ask to see tasks only when tasks are mentioned.
static WEAK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:get me|get my|tell me|give me|read|check|review|look at|open|fetch|recap|summari[sz]e|remind me|what|what'?s|whats|what are|what is|which|how many|how much|how'?s|do i|did i|have i|am i|are there|are any|is there|is anything|any|anything|got any|where|when|count)\b",
    )
});

/// Words that tie a question to the task list.
static TASK_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:tasks?|todos?|to-?dos?|to do|list|items?|plate|agenda|left|remaining|remain|pending|done|completed?|finished|open|outstanding|due|next|upcoming|accomplished|achieved|everything|anything|still|need to|have to|got to|should i|incomplete|unfinished|working on|status)\b",
    )
});

/// A message that is just a noun phrase for the list ("my tasks", "pending").
static NOUN_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:all|my|the|all my|all of my|current|open|pending|completed|finished|done|remaining|outstanding|incomplete|unfinished|today'?s|active|every)\s+)*(?:tasks?|todos?|to-?dos?|to do list|todo list|to-do list|list|items|stuff to do|things to do)(?:\s+(?:list|please|now|today))?$|^(?:pending|completed|remaining|outstanding|everything|what'?s left|whats left|anything left|status|todo|to-?do)$",
    )
});

/// "is task 3 done?": answered by showing the list.
static STATUS_QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:is|are|was|were|have i|did i)\s+.+\s+(?:done|completed?|finished)(?:\s+yet)?$")
});

static NEGATED_DONE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:not|never|haven'?t|hasn'?t|isn'?t|aren'?t|didn'?t|yet to be)\s+(?:(?:yet|been|i|we|already)\s+)*(?:done|completed?|finished|checked off|ticked off)\b|\bun(?:done|finished|completed|checked)\b|\bincomplete\b|\bnot yet\b",
    )
});

static PENDING_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:pending|left|remaining|remain|open|outstanding|active|still|due|next|upcoming|to be done|need to do|have to do|got to do|gotta do|should i do|must i do|should i work on|need to get done|on my plate|on deck|in progress|current|currently)\b",
    )
});

/// Obligations ("what do I need to finish") always mean open tasks.
static OBLIGATION: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(?:need to|needs to|have to|has to|got to|gotta|should i|must i|to be done|yet to)\b")
});

static COMPLETED_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:completed?|done|finish|finished|accomplished|achieved|checked off|ticked off|crossed off|closed|resolved|did i do|have i done|i'?ve done|i did|got done|history)\b",
    )
});

static EVERYTHING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:including|incl|as well as|both|and (?:the )?(?:completed|done|finished)|(?:done|completed|finished) and|(?:done|completed|finished) or not|every single)\b",
    )
});

/// Everyday ways to ask about the list, and the tasks each one means.
static EVERYDAY: LazyLock<Vec<(Regex, StatusFilter)>> = LazyLock::new(|| {
    vec![
        (
            re(
                r"^(?:so\s+)?what (?:do|have|did) (?:i|we) (?:got|have|get)(?: (?:going on|on|planned|lined up|on my list|on the list|here|so far))?$|^what(?:'?s| is) (?:on|in) (?:my|the) (?:list|todo list|to-?do list)$|^(?:where (?:am i|do i stand|are we|things stand)|how am i doing|how'?s my list(?: looking)?|catch me up|fill me in|give me (?:a|the) rundown|status update|what'?s the (?:damage|situation|status))$",
            ),
            StatusFilter::All,
        ),
        (
            re(
                r"^(?:anything|something|stuff|things|much) (?:left|else|remaining|pending|to do|i need to do|outstanding|still open|on my plate)(?: (?:today|for today|to do))?$|^what(?:'?s| is) (?:left|next|up next|on deck|remaining|outstanding|pending|still open)(?: (?:for (?:today|me|now)|to do))?$|^(?:am i|are we) (?:done|finished|all done|through)(?: yet| for (?:today|the day))?$|^(?:do i have|have i got|got) (?:anything|any tasks|stuff|things|much) (?:to do|left|on|pending|today|open)$|^(?:what should i (?:do|work on)|what now|what next|now what)(?: next| now| today)?$|^what(?:'?s| is) on my plate(?: today)?$",
            ),
            StatusFilter::Pending,
        ),
        (
            re(
                r"^(?:what|which) (?:did i|have i) (?:do|done|finish|finished|get done|got done|complete|completed|tick off|ticked off|check off|checked off)(?: so far| today| yet| already)?$",
            ),
            StatusFilter::Completed,
        ),
    ]
});

/// Everyday questions about the list ("what do I have?", "anything left?").
pub fn everyday(text: &str) -> Option<StatusFilter> {
    let lower = text.to_lowercase();
    EVERYDAY
        .iter()
        .find(|(pattern, _)| pattern.is_match(&lower))
        .map(|(_, status)| *status)
}

/// The status filter when `text` asks to see tasks, else `None`.
pub fn list_request(text: &str) -> Option<StatusFilter> {
    let lower = text.to_lowercase();
    let asks = STRONG.is_match(&lower)
        || (WEAK.is_match(&lower) && TASK_CUE.is_match(&lower))
        || NOUN_ONLY.is_match(&lower)
        || STATUS_QUESTION.is_match(&lower);
    asks.then(|| status(&lower))
}

static QUESTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:what|what'?s|whats|which|how|do|did|have|has|am|are|is|any|anything|where|when|can i see|could i see)\b",
    )
});

/// True for questions, which are never commands to change a task.
pub fn is_question(text: &str) -> bool {
    QUESTION.is_match(text)
}

/// True when the text mentions tasks or their status.
pub fn mentions_tasks(text: &str) -> bool {
    TASK_CUE.is_match(text)
}

/// Reads which tasks a listing request wants.
pub fn status(lower: &str) -> StatusFilter {
    let lower = lower.strip_prefix("open ").unwrap_or(lower);
    if EVERYTHING.is_match(lower) {
        return StatusFilter::All;
    }
    let negated = NEGATED_DONE.is_match(lower);
    if negated || OBLIGATION.is_match(lower) {
        return StatusFilter::Pending;
    }
    if STATUS_QUESTION.is_match(lower) {
        return StatusFilter::All;
    }
    let rest = NEGATED_DONE.replace_all(lower, " ");
    let pending = negated || PENDING_CUE.is_match(&rest);
    let completed = COMPLETED_CUE.is_match(&rest);
    match (pending, completed) {
        (true, false) => StatusFilter::Pending,
        (false, true) => StatusFilter::Completed,
        _ => StatusFilter::All,
    }
}
