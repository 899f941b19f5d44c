//! Keeps the model honest: which tool a plain command needs (judged by the
//! offline agent's parser) and which actions a reply claims. A reply may claim
//! only what a tool call of the same turn did.

use std::sync::LazyLock;

use regex::Regex;

use crate::agent::offline::intent::{Intent, TaskRef};

/// The tool a message plainly asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    pub tool: &'static str,
    /// The message names its task by words or position, not by id: the model
    /// may need `list_tasks` first.
    pub lookup: bool,
}

/// The tool `message` needs, when the offline parser is sure it is a command.
/// Questions, small talk and anything unclear give None: the model decides.
pub fn command(message: &str) -> Option<Command> {
    let by = |tool, target: &TaskRef| Command {
        tool,
        lookup: !matches!(target, TaskRef::Id(_) | TaskRef::Ids(_)),
    };
    match crate::agent::offline::parse(message) {
        Intent::Add { .. } => Some(Command {
            tool: "add_task",
            lookup: false,
        }),
        Intent::List(_) => Some(Command {
            tool: "list_tasks",
            lookup: false,
        }),
        Intent::Complete(target) => Some(by("complete_task", &target)),
        Intent::Delete(target) => Some(by("delete_task", &target)),
        Intent::Update { target, .. } => Some(by("update_task", &target)),
        Intent::CompleteAll => Some(Command {
            tool: "complete_task",
            lookup: true,
        }),
        Intent::DeleteCompleted => Some(Command {
            tool: "delete_task",
            lookup: true,
        }),
        // Deleting everything deserves a question first; the rest is not a command.
        _ => None,
    }
}

const DID: &str =
    r"(?:i(?:'ve| have)?|it(?:'s| has)? been|has been|have been|was|were|is now|are now)";

static CLAIMS: LazyLock<[(&'static str, Regex); 4]> = LazyLock::new(|| {
    let re = |pattern: String| Regex::new(&format!("(?i){pattern}")).expect("claim pattern");
    [
        (
            "add_task",
            re(format!(
                r"\b{DID}\s+(?:\w+\s+)?(?:added|created|saved)\b|\badded\b[^.]*\bto (?:your|the) (?:list|tasks|todo)"
            )),
        ),
        (
            "complete_task",
            re(format!(
                r"\b{DID}\s+(?:\w+\s+)?(?:marked|completed|checked off|finished)\b|\bmarked\b[^.]*\bas (?:done|complete|completed|finished)\b"
            )),
        ),
        (
            "update_task",
            re(format!(
                r"\b{DID}\s+(?:\w+\s+)?(?:renamed|updated|changed)\b|\brenamed\b[^.]*\bto\b"
            )),
        ),
        (
            "delete_task",
            re(format!(
                r"\b{DID}\s+(?:\w+\s+)?(?:deleted|removed|cancell?ed)\b"
            )),
        ),
    ]
});

static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:not|never|no|cannot|unable|nothing)\b|n't\b").expect("negation pattern")
});

/// Where `claimed_tools` splits a reply into sentences.
pub const SENTENCE_ENDS: [char; 4] = ['.', '!', '?', '\n'];

/// Every pattern in `CLAIMS` needs one of these words (whole, any case):
/// a sentence without one claims nothing. Keep the two in step.
const CLAIM_VERBS: [&str; 14] = [
    "added",
    "created",
    "saved",
    "marked",
    "completed",
    "checked",
    "finished",
    "renamed",
    "updated",
    "changed",
    "deleted",
    "removed",
    "cancelled",
    "canceled",
];

pub fn is_claim_verb(word: &str) -> bool {
    CLAIM_VERBS
        .iter()
        .any(|verb| verb.eq_ignore_ascii_case(word))
}

/// Whether a word still being written may turn out to be a claim verb.
pub fn could_become_claim_verb(partial: &str) -> bool {
    CLAIM_VERBS.iter().any(|verb| {
        verb.len() >= partial.len()
            && partial.is_ascii()
            && verb[..partial.len()].eq_ignore_ascii_case(partial)
    })
}

/// The tools an English reply claims to have used (added, completed, renamed,
/// deleted), leaving out sentences that deny doing anything.
pub fn claimed_tools(reply: &str) -> Vec<&'static str> {
    let mut claimed = Vec::new();
    for sentence in reply.split(SENTENCE_ENDS) {
        if NEGATION.is_match(sentence) {
            continue;
        }
        for (tool, pattern) in CLAIMS.iter() {
            if pattern.is_match(sentence) && !claimed.contains(tool) {
                claimed.push(*tool);
            }
        }
    }
    claimed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_judged_by_the_offline_parser() {
        let tool = |m: &str| command(m).map(|c| c.tool);
        assert_eq!(tool("Add a task to buy milk"), Some("add_task"));
        assert_eq!(tool("Show me all my tasks"), Some("list_tasks"));
        assert_eq!(tool("Mark task 1 as complete"), Some("complete_task"));
        assert_eq!(tool("Delete task 1"), Some("delete_task"));
        assert_eq!(tool("Rename task 1 to buy oat milk"), Some("update_task"));
        assert_eq!(tool("Hi!"), None);
        assert_eq!(tool("Thanks!"), None);
        assert!(!command("Delete task 1").unwrap().lookup);
        assert!(command("Delete the milk task").unwrap().lookup);
    }

    #[test]
    fn claims_are_found_and_denials_are_not() {
        assert_eq!(
            claimed_tools("I've added 'Buy milk' to your list."),
            ["add_task"]
        );
        assert_eq!(
            claimed_tools("I've marked 'Buy groceries' as completed."),
            ["complete_task"]
        );
        assert_eq!(
            claimed_tools("I've renamed 'Buy groceries' to 'Buy oat milk'."),
            ["update_task"]
        );
        assert_eq!(claimed_tools("Task 2 has been deleted."), ["delete_task"]);
        assert!(claimed_tools("I couldn't find task 7, so nothing was deleted.").is_empty());
        assert!(claimed_tools("Hello! How can I help with your tasks?").is_empty());
        assert!(claimed_tools("You have 2 completed tasks.").is_empty());
    }

    #[test]
    fn every_claim_has_a_claim_verb() {
        for claim in [
            "I've added 'Buy milk' to your list.",
            "Added it to your list.",
            "It has been saved",
            "I've marked 'Buy groceries' as completed.",
            "Marked it as done",
            "I have checked off task 2",
            "I renamed it to 'Call mom'",
            "Task 2 has been updated",
            "Task 2 was removed",
            "I've cancelled the meeting task",
        ] {
            assert!(!claimed_tools(claim).is_empty(), "{claim}");
            assert!(
                claim
                    .split(|c: char| !c.is_alphanumeric())
                    .any(is_claim_verb),
                "{claim}"
            );
        }
        assert!(could_become_claim_verb("Ad"));
        assert!(could_become_claim_verb("removed"));
        assert!(!could_become_claim_verb("adds"));
        assert!(!could_become_claim_verb("hello"));
    }
}
