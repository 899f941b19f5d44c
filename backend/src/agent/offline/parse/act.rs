//! Requests that change existing tasks: complete, delete, update, reopen and
//! their bulk forms.

use std::sync::LazyLock;

use regex::Regex;

use super::add::checked;
use super::reference::parse_ref;
use crate::agent::offline::intent::{Intent, Problem, TaskRef};
use crate::agent::offline::text::{clean_description, clean_title, re, strip_trailing_polite};

const ALL_TASKS: &str = r"(?:all|everything|every task|every single task|all (?:of )?(?:my |the )?(?:tasks|todos|to-?dos|items)|all of them|them all|the lot|all my stuff)";
const DONE_WORDS: &str = r"(?:done|complete|completed|finished)";

static DELETE_COMPLETED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(
            r"^(?:delete|remove|clear|clean up|clean out|clear out|purge|get rid of|archive|erase|trash|drop|wipe|tidy up)\s+(?:out\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+|my\s+)?(?:completed|done|finished|checked|ticked|old completed)(?:\s+(?:ones|tasks|todos|to-?dos|items|stuff|things))?(?:\s+(?:from|off)\s+(?:my|the)\s+list)?$",
        ),
        re(
            r"^(?:delete|remove|clear|get rid of|purge|erase)\s+(?:all\s+|everything\s+|all the\s+)?(?:tasks\s+|ones\s+)?(?:that\s+are|that'?s|that is|i'?ve|i have|which are|already)\s+(?:already\s+)?(?:done|completed|finished)$",
        ),
    ]
});

static COMPLETE_ALL: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(&format!(
            r"^(?:mark|set|make|move)\s+{ALL_TASKS}\s+(?:as\s+|to\s+)?{DONE_WORDS}$"
        )),
        re(&format!(
            r"^(?:complete|finish|check off|tick off|cross off|close)\s+{ALL_TASKS}$"
        )),
        re(&format!(
            r"^(?:i|we)(?:'?ve| have)?\s+(?:just\s+|already\s+)?(?:finished|completed|done|did)\s+(?:{ALL_TASKS}|it all)$"
        )),
        re(&format!(
            r"^{ALL_TASKS}\s+(?:is|are)\s+(?:now\s+)?{DONE_WORDS}$"
        )),
    ]
});

static DELETE_ALL: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![re(&format!(
        r"^(?:delete|remove|clear|wipe|erase|purge|trash|drop|empty|reset|clean)\s+(?:out\s+)?(?:{ALL_TASKS}|my (?:whole |entire )?(?:todo |to-?do |task )?list|the (?:whole |entire )?(?:todo |to-?do |task )?list|my tasks)$"
    ))]
});

static REOPEN: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(
            r"^(?:mark|set|flag|make|move|put|change|update)\s+(?P<r>.+?)\s+(?:as\s+|to\s+|back\s+to\s+|back\s+as\s+)?(?:not\s+(?:yet\s+)?(?:done|complete|completed|finished)|incomplete|undone|uncompleted|unfinished|pending|open|active|to-?do|to do|unchecked|not started|in progress)$",
        ),
        re(
            r"^(?:uncomplete|un-complete|reopen|re-open|unmark|uncheck|untick|undo|restore|revive|unfinish)\s+(?P<r>.+)$",
        ),
        re(
            r"^(?P<r>.+?)\s+(?:isn'?t|is not|was not|wasn'?t|aren'?t|are not)\s+(?:actually\s+|really\s+)?(?:done|finished|complete|completed)(?:\s+yet)?$",
        ),
    ]
});

/// Completion forms that start with an unambiguous verb.
static COMPLETE_FIRST: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(
            r"^(?:mark|set|flag|make|put|move)\s+(?P<r>.+?)\s+(?:as\s+|to\s+|into\s+)?(?:done|complete|completed|finished|closed|resolved|checked(?: off)?|ticked(?: off)?)$",
        ),
        re(r"^(?:check|tick|cross|mark|strike|knock)\s+off\s+(?P<r>.+)$"),
        re(
            r"^(?:mark|set|flag)\s+(?:as\s+)?(?:done|complete|completed|finished)\s*:?\s+(?P<r>.+)$",
        ),
        re(
            r"^(?:check|tick|cross|strike|knock)\s+(?P<r>.+?)\s+off(?:\s+(?:my|the)\s+(?:\w+\s+)?list)?$",
        ),
        re(r"^(?:cross out|strike through|strike out)\s+(?P<r>.+)$"),
    ]
});

static COMPLETE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"^(?:complete|finish|close|resolve|tick|accomplish|mark)\s+(?P<r>.+)$"),
        re(
            r"^(?:(?:i'?m|i am|we'?re|we are)\s+)?(?:(?:all|now|finally)\s+)?(?:done|finished|through)\s+with\s+(?P<r>.+)$",
        ),
        re(
            r"^(?:i|we)(?:'?ve|\s+have)?\s+(?:(?:just|already|finally|now|also|officially)\s+)*(?:finished|completed|done|did|accomplished|wrapped up|got done with|dealt with|taken care of|took care of|handled|sorted(?: out)?|ticked off|checked off|crossed off|knocked out|knocked off)\s+(?P<r>.+)$",
        ),
        re(
            r"^(?P<r>.+?)(?:\s+(?:is|are|was|were|has been|have been|got|is now|are now)|'s)\s+(?:(?:now|all|finally|already|officially|totally|completely)\s+)*(?:done|complete|completed|finished|taken care of|sorted|sorted out|handled|resolved|over|dealt with|ticked off|checked off)(?:\s+now)?$",
        ),
        re(r"^(?P<r>.+?)\s*(?:[:-]\s*|\s)(?:done|complete|completed|finished)$"),
        re(r"^(?:done|finished|completed)\s*(?:[:-]\s*|with\s+|\s)(?P<r>.+)$"),
        re(r"^(?:i\s+|we\s+)?got\s+(?P<r>.+?)\s+done$"),
    ]
});

static DELETE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(
            r"^(?:delete|del|remove|rm|cancel|drop|erase|trash|scrap|scratch|discard|nuke|ditch|bin|axe|get rid of|forget about|forget|eliminate|throw away|throw out|toss|dump|kill|clear|wipe|purge|abandon|cross out)\s+(?P<r>.+)$",
        ),
        re(
            r"^take\s+(?P<r>.+?)\s+(?:off|out of|from)\s+(?:my|the)\s+(?:\w+\s+)?(?:list|tasks|todos|to-?dos)$",
        ),
        re(
            r"^(?P<r>.+?)\s+(?:can|should|must|could)\s+(?:be\s+)?(?:deleted|removed|cancell?ed|dropped|erased|go|be gone)$",
        ),
        re(
            r"^(?P<r>.+?)\s+(?:is|are|was|got|has been)\s+(?:cancell?ed|called off|no longer needed|not needed(?: any ?more)?|irrelevant)(?:\s+now)?$",
        ),
        re(
            r"^(?:i|we)\s+(?:don'?t|do not|no longer|won'?t)\s+(?:need|have|want|plan)\s+to\s+(?P<r>.+?)(?:\s+any\s*more)?$",
        ),
        re(r"^(?:i|we)\s+(?:don'?t|do not|no longer)\s+need\s+(?P<r>.+?)(?:\s+any\s*more)?$"),
        re(r"^(?:no need to|no need for|never ?mind(?: about)?)\s+(?P<r>.+)$"),
    ]
});

const TITLE_FIELD: &str = r"(?:title|name|text|wording|label|heading)";
const DESC_FIELD: &str = r"(?:description|desc|details?|notes?|comment)";
/// A task mention: a quoted title or the shortest text before the separator.
const TARGET: &str = r#"(?P<r>'[^']+'|"[^"]+"|.+?)"#;

static UPDATE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let verb = r"(?:change|update|edit|modify|set|make|replace|rewrite|fix|alter|adjust|correct)";
    let field = format!(r"(?P<f>{TITLE_FIELD}|{DESC_FIELD})");
    let to = r"(?:\s+(?:to|as|into|with|to say|to read|to be)\s+|\s*[:=]\s*)";
    vec![
        // "change the description of task 1 to …"
        re(&format!(
            r"^{verb}\s+(?:the\s+)?{field}\s+(?:of|for|on|in)\s+{TARGET}{to}(?P<v>.+)$"
        )),
        // "add a description to task 2: …"
        re(&format!(
            r"^(?:add|put|attach|give|write|set|include)\s+(?:a\s+|an\s+|the\s+|some\s+)?(?:new\s+|short\s+)?(?P<f>{DESC_FIELD})\s+(?:to|on|for)\s+{TARGET}\s*(?:[:=-]|\s+(?:saying|that says|reading|which says|as|with))\s*(?P<v>.+)$"
        )),
        re(&format!(
            r#"^(?:add|put|attach|give|set)\s+(?:a\s+|an\s+|the\s+)?(?P<f>{DESC_FIELD})\s+(?P<v>'[^']+'|"[^"]+")\s+(?:to|on|for)\s+(?P<r>.+)$"#
        )),
        // "update task 1 with description …"
        re(&format!(
            r"^(?:update|change|edit|modify)\s+{TARGET}\s+with\s+(?:the\s+|a\s+)?(?:new\s+)?{field}(?:\s*[:=]\s*|\s+(?:of|to|as)\s+|\s+)(?P<v>.+)$"
        )),
        // "set task 2's description to …", "change task 1 title to …"
        re(&format!(
            r"^{verb}\s+{TARGET}(?:'s|s')?\s+{field}{to}(?P<v>.+)$"
        )),
        re(&format!(
            r"^(?:rename|retitle|relabel|re-name)\s+{TARGET}(?:\s+(?:to|as|into|to be)\s+|\s*[:=]\s*)(?P<v>.+)$"
        )),
        re(&format!(
            r"^(?:change|update|edit|modify|replace|switch|alter|reword|rewrite|correct|fix)\s+{TARGET}(?:\s+(?:to say|to read|so (?:that )?it (?:says|reads)|to be|to|into|with|as)\s+|\s*[:=]\s*)(?P<v>.+)$"
        )),
        re(
            r"^(?:call|name)\s+(?P<r>it|that|that one|this one|this|task\s*#?\d+|#\d+)\s+(?P<v>.+)$",
        ),
        re(r"^(?P<r>task\s*#?\d+|#\d+)\s+should\s+(?:be|say|read)\s+(?P<v>.+)$"),
    ]
});

static UPDATE_NO_VALUE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:change|update|edit|modify|rename|retitle)\s+(?P<r>.+)$"));

/// "… and (its) description to …" inside a new title.
static AND_DESCRIPTION: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<t>.+?),?\s+and\s+(?:set\s+|change\s+)?(?:the\s+|its\s+)?{DESC_FIELD}\s*(?:\s+(?:to|as)\s+|[:=]\s*)(?P<d>.+)$"
    ))
});

static ARTICLE_ONLY: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:a|an|the|some|new|a new|another)$"));

static IS_DESC_FIELD: LazyLock<Regex> = LazyLock::new(|| re(&format!("^{DESC_FIELD}$")));
static IS_DONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:done|complete|completed|finished|closed|checked off)$"));
static IS_OPEN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:not done|not complete|not completed|not finished|incomplete|undone|pending|open|uncompleted|unfinished)$",
    )
});

/// Past-tense verbs that report finishing something.
const PAST_VERBS: &str = r"[a-z]+ed|paid|bought|went|made|sent|wrote|written|took|taken|got|ate|met|brought|sold|found|spoke|fed|gave|given|ran|swept|drove|flew|kept|built|caught|taught|threw|read|won|done";

/// "the invoice is sent", "grandma has been called", "rent's paid".
static PASSIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<o>.+?)(?:\s+(?:is|are|was|were|has been|have been|got|is now|are now|has|have)|'s|'re)\s+(?:(?:now|all|finally|already|just|been)\s+)*(?P<v>{PAST_VERBS})(?:\s+(?:now|already|today))?$"
    ))
});

/// "paid the bills": no subject, so only forms that cannot be commands.
static BARE_PAST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:(?:just|already|finally|also)\s+)?(?P<v>[a-z]+ed|paid|bought|went|made|sent|wrote|took|ate|met|brought|sold|found|spoke|fed|gave|swept|drove|flew|kept|built|caught|taught|threw|won)\s+(?P<o>.+)$",
    )
});

/// "…, tick it off", "… - mark it done".
static TICK_IT_OFF: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<rest>.+?)[\s,;.-]+(?:(?:so|and|please|pls|you can|can you)\s+)*(?:(?:tick|check|cross|knock|strike)\s+(?:it|that|this|them)\s+off(?:\s+(?:the|my)\s+list)?|(?:mark|set)\s+(?:it|that|this|them)\s+(?:as\s+)?(?:done|complete|completed|finished))$",
    )
});

static PAST_TENSE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:i|we)(?:'?ve|\s+have)?\s+(?:(?:just|already|finally|also)\s+)?(?P<v>[a-z]+ed|paid|bought|went|made|sent|wrote|took|got|ate|met|brought|sold|found|spoke|fed|gave|ran|swept|drove|flew|kept|built|caught|taught|threw|read|won)\s+(?P<o>.+)$",
    )
});

/// Past forms that do not report finishing something.
const NOT_DONE_VERBS: &[&str] = &[
    "need",
    "needed",
    "added",
    "created",
    "wanted",
    "used",
    "tried",
    "started",
    "planned",
    "decided",
    "missed",
    "liked",
    "loved",
    "hated",
    "hoped",
    "asked",
    "wondered",
    "noticed",
    "changed",
    "updated",
    "renamed",
    "deleted",
    "removed",
    "cancelled",
    "canceled",
    "mentioned",
    "realized",
    "realised",
    "agreed",
    "promised",
    "scheduled",
    "postponed",
    "delayed",
    "forgot",
    "failed",
    "skipped",
    "ignored",
    "listed",
    "named",
    "seed",
    "feed",
    "speed",
    "bleed",
    "breed",
    "shed",
    "bed",
    "red",
    "shred",
    "wed",
    "exceed",
    "succeed",
    "proceed",
];

fn capture<'a>(patterns: &[Regex], text: &'a str) -> Option<&'a str> {
    patterns.iter().find_map(|p| {
        p.captures(text)
            .and_then(|c| c.name("r"))
            .map(|m| m.as_str())
    })
}

pub fn bulk(text: &str) -> Option<Intent> {
    let any = |ps: &[Regex]| ps.iter().any(|p| p.is_match(text));
    if any(&DELETE_COMPLETED) {
        Some(Intent::DeleteCompleted)
    } else if any(&COMPLETE_ALL) {
        Some(Intent::CompleteAll)
    } else if any(&DELETE_ALL) {
        Some(Intent::DeleteAll)
    } else {
        None
    }
}

pub fn reopen(text: &str) -> Option<Intent> {
    capture(&REOPEN, text).map(|r| Intent::Reopen(parse_ref(r)))
}

pub fn complete_first(text: &str) -> Option<Intent> {
    capture(&COMPLETE_FIRST, text).map(|r| Intent::Complete(parse_ref(r)))
}

pub fn complete(text: &str) -> Option<Intent> {
    capture(&COMPLETE, text).map(|r| Intent::Complete(parse_ref(r)))
}

pub fn delete(text: &str) -> Option<Intent> {
    capture(&DELETE, text).map(|r| Intent::Delete(parse_ref(r)))
}

/// "I paid the bills", "called mom", "the invoice is sent": reports of
/// finished tasks.
pub fn past_tense(text: &str) -> Option<Intent> {
    let c = PAST_TENSE
        .captures(text)
        .or_else(|| BARE_PAST.captures(text))
        .or_else(|| PASSIVE.captures(text))?;
    let verb = c["v"].to_lowercase();
    if NOT_DONE_VERBS.contains(&verb.as_str()) {
        return None;
    }
    Some(Intent::Complete(TaskRef::Title(format!(
        "{verb} {}",
        &c["o"]
    ))))
}

/// "grandma has been called, tick it off": whatever came first names the task.
pub fn tick_it_off(text: &str) -> Option<Intent> {
    let rest = TICK_IT_OFF.captures(text)?.name("rest")?.as_str();
    Some(
        past_tense(rest)
            .or_else(|| complete(rest))
            .unwrap_or_else(|| Intent::Complete(parse_ref(rest))),
    )
}

pub fn update_without_value(text: &str) -> Option<Intent> {
    let c = UPDATE_NO_VALUE.captures(text)?;
    Some(Intent::UpdateWithoutValue(parse_ref(&c["r"])))
}

/// Renames and description changes; `text` keeps trailing politeness, which
/// may belong to a description ("… to window seats please").
pub fn update(text: &str) -> Option<Intent> {
    let c = UPDATE.iter().find_map(|p| p.captures(text))?;
    if ARTICLE_ONLY.is_match(c["r"].trim()) {
        // "make a note to …" is a new task, not an update of task "a".
        return None;
    }
    let target = parse_ref(&c["r"]);
    let value = c["v"].trim();
    let is_description = c
        .name("f")
        .is_some_and(|f| IS_DESC_FIELD.is_match(f.as_str()));
    if is_description {
        let description = clean_description(value);
        if description.chars().count() > todo_core::validation::MAX_DESCRIPTION_CHARS {
            return Some(Intent::Invalid(Problem::DescriptionTooLong(
                description.chars().count(),
            )));
        }
        return Some(Intent::Update {
            target,
            title: None,
            description: Some(description),
        });
    }
    let plain = strip_trailing_polite(value).to_lowercase();
    if IS_DONE.is_match(&plain) {
        return Some(Intent::Complete(target));
    }
    if IS_OPEN.is_match(&plain) {
        return Some(Intent::Reopen(target));
    }
    let (title, description) = match AND_DESCRIPTION.captures(value) {
        Some(d) => (clean_title(&d["t"]), Some(clean_description(&d["d"]))),
        None => (clean_title(value), None),
    };
    Some(match checked(title, description) {
        Intent::Add { title, description } => Intent::Update {
            target,
            title: Some(title),
            description,
        },
        Intent::Invalid(Problem::EmptyTitle) => Intent::UpdateWithoutValue(target),
        other => other,
    })
}
