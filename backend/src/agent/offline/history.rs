//! What earlier turns did, read from the tool calls and follow-ups stored
//! with each reply (never from the reply's wording): for "it", "the second
//! one", answers to "which one?" and a "yes" to "shall I delete all 12?".

use todo_core::tools::{ToolCallRecord, ToolResult};

use super::intent::Action;
use crate::agent::{FollowUp, HistoryMessage, Role};

fn last_reply(history: &[HistoryMessage]) -> Option<&HistoryMessage> {
    history.iter().rev().find(|m| m.role == Role::Assistant)
}

/// The tasks a reply showed as a list: the result of a `list_tasks` that
/// ended its turn (a look-up followed by a change is not a listing).
fn listing(reply: &HistoryMessage) -> Option<Vec<i64>> {
    match reply.tool_calls.last() {
        Some(ToolCallRecord {
            outcome: Ok(ToolResult::Listed(items)),
            ..
        }) => Some(items.iter().map(|t| t.id).collect()),
        _ => None,
    }
}

/// Ids listed, in order, by the last reply: the candidates of its question,
/// or the list it showed.
pub fn listed_ids(history: &[HistoryMessage]) -> Vec<i64> {
    let Some(reply) = last_reply(history) else {
        return Vec::new();
    };
    match &reply.follow_up {
        Some(FollowUp::PickTask { candidates, .. }) => candidates.clone(),
        _ => listing(reply).unwrap_or_default(),
    }
}

/// The one task the last reply was about, if it was about exactly one.
pub fn previous_task(history: &[HistoryMessage]) -> Option<i64> {
    let reply = last_reply(history)?;
    let mut ids: Vec<i64> = reply
        .tool_calls
        .iter()
        .filter_map(|r| r.result()?.change().map(|c| c.task_id))
        .chain(listing(reply).unwrap_or_default())
        .collect();
    if let Some(FollowUp::PickTask { candidates, .. }) = &reply.follow_up {
        ids.extend(candidates);
    }
    ids.sort_unstable();
    ids.dedup();
    match ids.as_slice() {
        [id] => Some(*id),
        _ => None,
    }
}

/// The action the last reply asked the user to pick a task for.
pub fn pending_question(history: &[HistoryMessage]) -> Option<Action> {
    match &last_reply(history)?.follow_up {
        Some(FollowUp::PickTask { tool, .. }) => Action::of_tool(*tool),
        _ => None,
    }
}

/// What the last reply left open, if anything (for a "yes").
pub fn open_question(history: &[HistoryMessage]) -> Option<FollowUp> {
    last_reply(history)?.follow_up.clone()
}

#[cfg(test)]
mod tests {
    use todo_core::tools::{ChangeStatus, TaskChange, TaskItem, ToolCall, ToolName};

    use super::*;

    fn said(role: Role, content: &str, tool_calls: Vec<ToolCallRecord>) -> HistoryMessage {
        HistoryMessage {
            role,
            content: content.to_string(),
            tool_calls,
            follow_up: None,
        }
    }

    fn listed(ids: &[i64]) -> ToolCallRecord {
        ToolCallRecord {
            call: ToolCall::list(Default::default()),
            outcome: Ok(ToolResult::Listed(
                ids.iter()
                    .map(|&id| TaskItem {
                        id,
                        title: format!("task {id}"),
                        completed: false,
                        description: None,
                    })
                    .collect(),
            )),
        }
    }

    fn added(id: i64) -> ToolCallRecord {
        ToolCallRecord {
            call: ToolCall::add("x", None),
            outcome: Ok(ToolResult::Changed(TaskChange {
                task_id: id,
                status: ChangeStatus::Created,
                title: "x".into(),
            })),
        }
    }

    #[test]
    fn reads_the_last_reply_only() {
        let history = vec![
            said(Role::User, "show my tasks", vec![]),
            // The wording is irrelevant: only the records count.
            said(Role::Assistant, "Here you go", vec![listed(&[7, 9])]),
            said(Role::User, "add call mom", vec![]),
            said(Role::Assistant, "Added.", vec![added(12)]),
        ];
        assert_eq!(previous_task(&history), Some(12));
        assert!(listed_ids(&history).is_empty());
        assert_eq!(listed_ids(&history[..2]), vec![7, 9]);
        assert_eq!(previous_task(&history[..2]), None);
        assert_eq!(previous_task(&[]), None);
    }

    #[test]
    fn a_look_up_before_a_change_is_not_a_listing() {
        let history = vec![said(
            Role::Assistant,
            "Deleted.",
            vec![listed(&[1, 2, 3]), added(2)],
        )];
        assert!(listed_ids(&history).is_empty());
        assert_eq!(previous_task(&history), Some(2));
    }

    #[test]
    fn finds_open_questions() {
        let mut question = said(Role::Assistant, "Which one?", vec![listed(&[2, 5, 8])]);
        question.follow_up = Some(FollowUp::PickTask {
            tool: ToolName::DeleteTask,
            candidates: vec![2, 5],
        });
        let history = vec![question];
        assert_eq!(pending_question(&history), Some(Action::Delete));
        assert_eq!(listed_ids(&history), vec![2, 5]);
        assert!(matches!(
            open_question(&history),
            Some(FollowUp::PickTask { .. })
        ));
    }

    #[test]
    fn reads_open_questions() {
        let mut question = said(Role::Assistant, "Sure?", vec![listed(&[1, 2])]);
        let open = FollowUp::Confirm {
            tool: ToolName::DeleteTask,
            task_ids: vec![1, 2],
        };
        question.follow_up = Some(open.clone());
        assert_eq!(open_question(&[question]), Some(open));
        assert_eq!(open_question(&[]), None);
    }
}
