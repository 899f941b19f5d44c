//! What earlier replies said, for "it", "the second one" and answers to
//! "which one?". Replies name tasks as "(task 5)" and list them as "5. Title".

use std::sync::LazyLock;

use regex::Regex;

use super::intent::Action;
use super::text::re;
use crate::agent::{HistoryMessage, HistoryRole};

static TASK_MENTION: LazyLock<Regex> = LazyLock::new(|| re(r"\btask #?(\d+)\b"));
static LIST_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^\s*#?(\d+)[.)] "));

fn last_reply(history: &[HistoryMessage]) -> Option<&str> {
    history
        .iter()
        .rev()
        .find(|m| m.role == HistoryRole::Assistant)
        .map(|m| m.content.as_str())
}

/// Ids listed, in order, by the last reply ("5. Buy milk" lines).
pub fn listed_ids(history: &[HistoryMessage]) -> Vec<i64> {
    last_reply(history).map_or_else(Vec::new, |text| {
        LIST_LINE
            .captures_iter(text)
            .filter_map(|c| c[1].parse().ok())
            .collect()
    })
}

/// The one task the last reply was about, if it named exactly one.
pub fn previous_task(history: &[HistoryMessage]) -> Option<i64> {
    let text = last_reply(history)?;
    let mut ids: Vec<i64> = TASK_MENTION
        .captures_iter(text)
        .chain(LIST_LINE.captures_iter(text))
        .filter_map(|c| c[1].parse().ok())
        .collect();
    ids.dedup();
    ids.sort_unstable();
    ids.dedup();
    match ids.as_slice() {
        [id] => Some(*id),
        _ => None,
    }
}

/// The action the last reply asked the user to pick a task for.
pub fn pending_question(history: &[HistoryMessage]) -> Option<Action> {
    let text = last_reply(history)?;
    if text.contains("Which one should I delete") {
        Some(Action::Delete)
    } else if text.contains("Which one should I mark as complete") {
        Some(Action::Complete)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(role: HistoryRole, content: &str) -> HistoryMessage {
        HistoryMessage {
            role,
            content: content.to_string(),
            tool_calls: Vec::new(),
        }
    }

    #[test]
    fn reads_the_last_reply_only() {
        let history = vec![
            said(HistoryRole::User, "show my tasks"),
            said(
                HistoryRole::Assistant,
                "Here are your tasks:\n7. Buy milk\n9. Gym ✓",
            ),
            said(HistoryRole::User, "add call mom"),
            said(HistoryRole::Assistant, "I've added 'Call mom' (task 12)."),
        ];
        assert_eq!(previous_task(&history), Some(12));
        assert!(listed_ids(&history).is_empty());
        assert_eq!(listed_ids(&history[..2]), vec![7, 9]);
        assert_eq!(previous_task(&history[..2]), None);
        assert_eq!(previous_task(&[]), None);
    }

    #[test]
    fn finds_open_questions() {
        let history = vec![said(
            HistoryRole::Assistant,
            "More than one task matches 'meeting':\n2. Team meeting\n5. Meeting with Bob\nWhich one should I delete?",
        )];
        assert_eq!(pending_question(&history), Some(Action::Delete));
        assert_eq!(listed_ids(&history), vec![2, 5]);
    }
}
