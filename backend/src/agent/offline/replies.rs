//! The wording of every reply, built from what the tools answered.

use super::intent::{Action, Position, Problem, StatusFilter};
use super::matching::Task;

const EXAMPLES: &str = "\"add buy milk\", \"what's pending?\", \"mark task 3 as done\", \"rename task 2 to Call mom tonight\" or \"delete the gym task\"";

pub fn greeting() -> String {
    format!("Hi! I'm your todo assistant. Tell me what to do, for example {EXAMPLES}.")
}

pub fn help() -> String {
    format!(
        "I can add, list, complete, rename and delete your tasks. Try {EXAMPLES}. You can also say \"add 'Book flights' with description 'to Lisbon'\" or \"what have I completed?\"."
    )
}

pub fn thanks() -> String {
    "You're welcome! Just tell me whenever there's something else for your list.".into()
}

pub fn goodbye() -> String {
    "Bye! Your tasks will be right here when you come back.".into()
}

pub fn unknown(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(title) => format!(
            "I'm not sure what you'd like me to do. If '{title}' is a new task, say \"add {title}\"; you can also ask \"show my tasks\" or \"help\"."
        ),
        None => format!("Sorry, I didn't catch that. I can manage your tasks — try {EXAMPLES}."),
    }
}

pub fn problem(problem: &Problem) -> String {
    match problem {
        Problem::EmptyTitle => {
            "What should the task be called? For example: \"add buy milk\".".into()
        }
        Problem::TitleTooLong(n) => format!(
            "That title is {n} characters long, but titles can have at most 200 — could you shorten it? I did not save anything."
        ),
        Problem::DescriptionTooLong(n) => format!(
            "That description is {n} characters long, but descriptions can have at most 1000 — could you shorten it? I did not save anything."
        ),
    }
}

pub fn added(id: i64, title: &str, description: Option<&str>) -> String {
    match description {
        Some(d) => format!("I've added '{title}' (task {id}) with the description '{d}'."),
        None => format!("I've added '{title}' (task {id})."),
    }
}

pub fn acted(action: Action, id: i64, title: &str) -> String {
    match action {
        Action::Complete => format!("Done! I marked '{title}' (task {id}) as complete."),
        Action::Delete => format!("I deleted '{title}' (task {id})."),
        Action::Update => format!("I updated '{title}' (task {id})."),
    }
}

pub fn updated(id: i64, title: &str, renamed: bool, described: bool) -> String {
    match (renamed, described) {
        (true, true) => format!("I renamed task {id} to '{title}' and updated its description."),
        (true, false) => format!("I renamed task {id} to '{title}'."),
        _ => format!("I updated the description of '{title}' (task {id})."),
    }
}

/// A tool said no: always a polite sentence containing "not".
pub fn refused(action: Option<Action>, id: Option<i64>, message: &str) -> String {
    let lower = message.to_lowercase();
    match id {
        Some(id) if lower.contains("not found") || lower.contains("no task") => {
            format!("I couldn't find task {id} — it may not exist or may have been deleted.")
        }
        _ => {
            let what = match action {
                Some(Action::Complete) => "complete that task",
                Some(Action::Delete) => "delete that task",
                Some(Action::Update) => "update that task",
                None => "do that",
            };
            format!(
                "Sorry, I could not {what}: {}.",
                message.trim_end_matches('.')
            )
        }
    }
}

pub fn add_refused(message: &str) -> String {
    format!(
        "Sorry, I could not add that task: {}.",
        message.trim_end_matches('.')
    )
}

pub fn list_refused(message: &str) -> String {
    format!(
        "Sorry, I could not load your tasks: {}.",
        message.trim_end_matches('.')
    )
}

fn line(task: &Task) -> String {
    let mut s = format!("{}. {}", task.id, task.title);
    if task.completed {
        s.push_str(" ✓");
    }
    if let Some(d) = task.description.as_deref().filter(|d| !d.is_empty()) {
        s.push_str(" — ");
        s.push_str(d);
    }
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn task_list(status: StatusFilter, tasks: &[Task]) -> String {
    if tasks.is_empty() {
        return match status {
            StatusFilter::All => {
                "Your list is empty — say something like \"add buy milk\" to get started.".into()
            }
            StatusFilter::Pending => "Nothing pending — you're all caught up!".into(),
            StatusFilter::Completed => "You haven't completed any tasks yet.".into(),
        };
    }
    let heading = match status {
        StatusFilter::All => {
            let done = tasks.iter().filter(|t| t.completed).count();
            format!(
                "Here are your tasks ({} pending, {done} completed):",
                tasks.len() - done
            )
        }
        StatusFilter::Pending => format!("You have {} pending:", plural(tasks.len(), "task")),
        StatusFilter::Completed => {
            format!("You've completed {}:", plural(tasks.len(), "task"))
        }
    };
    let lines: Vec<String> = tasks.iter().map(line).collect();
    format!("{heading}\n{}", lines.join("\n"))
}

fn question(action: Action) -> &'static str {
    match action {
        Action::Complete => "Which one should I mark as complete?",
        Action::Delete => "Which one should I delete?",
        Action::Update => {
            "Which one should I change? Please name it by number, e.g. \"rename task 2 to …\"."
        }
    }
}

pub fn ambiguous(action: Action, query: &str, candidates: &[&Task]) -> String {
    let lines: Vec<String> = candidates.iter().map(|t| line(t)).collect();
    format!(
        "More than one task matches '{query}':\n{}\n{}",
        lines.join("\n"),
        question(action)
    )
}

pub fn no_match(query: &str, have_tasks: bool) -> String {
    if have_tasks {
        format!(
            "I couldn't find a task matching '{query}', so I did not change anything. Say \"show my tasks\" to see them all."
        )
    } else {
        "You don't have any tasks yet, so there is nothing to change.".into()
    }
}

pub fn which_task(action: Action) -> String {
    let verb = match action {
        Action::Complete => "mark as complete",
        Action::Delete => "delete",
        Action::Update => "change",
    };
    format!(
        "Which task should I {verb}? Tell me its number, e.g. \"task 3\", or a word from its title."
    )
}

pub fn no_such_position(position: Position, available: usize) -> String {
    match position {
        Position::Nth(n) => format!(
            "There is not a task number {n} in that list — it has {}.",
            plural(available, "task")
        ),
        Position::Last => "There are no tasks in that list.".into(),
    }
}

pub fn update_needs_value() -> String {
    "What should I change it to? For example: \"rename task 1 to Call mom tonight\" or \"set task 1's description to after 6pm\".".into()
}

pub fn reopen_unsupported() -> String {
    "Sorry, I can't mark a task as not done yet. I can add, list, complete, rename or delete tasks."
        .into()
}

pub fn bare_ref() -> String {
    "What would you like me to do with it? You can say things like \"mark task 3 as done\", \"delete task 3\" or \"rename task 3 to …\".".into()
}

pub fn one_at_a_time() -> String {
    "I can only change one task at a time — which one do you mean?".into()
}

/// Summary of a bulk change: what worked, then what did not.
pub fn bulk(action: Action, done: &[String], failures: &[String]) -> String {
    let mut reply = match (action, done.len()) {
        (_, 0) => String::from("I did not change any task."),
        (Action::Complete, n) => format!(
            "Done! I marked {} as complete: {}.",
            plural(n, "task"),
            quoted_list(done)
        ),
        (_, n) => format!("I deleted {}: {}.", plural(n, "task"), quoted_list(done)),
    };
    for f in failures {
        reply.push(' ');
        reply.push_str(f);
    }
    reply
}

fn quoted_list(titles: &[String]) -> String {
    titles
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn nothing_to_complete() -> String {
    "There is nothing pending to mark as complete — you're all caught up!".into()
}

pub fn nothing_to_delete(completed_only: bool) -> String {
    if completed_only {
        "You don't have any completed tasks to clear.".into()
    } else {
        "Your list is already empty.".into()
    }
}

/// Asks before deleting several tasks at once; a "yes" to exactly this
/// question deletes exactly these.
pub fn confirm_bulk_delete(tasks: &[Task]) -> String {
    let lines: Vec<String> = tasks.iter().take(10).map(line).collect();
    let more = match tasks.len().saturating_sub(10) {
        0 => String::new(),
        n => format!("\n…and {n} more"),
    };
    format!(
        "That would delete {}:\n{}{more}\nShall I go ahead? Say yes to delete them, or no to keep them.",
        plural(tasks.len(), "task"),
        lines.join("\n")
    )
}

pub fn confirmation_declined() -> String {
    "OK, I haven't deleted anything.".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64, title: &str, completed: bool) -> Task {
        Task {
            id,
            title: title.into(),
            completed,
            description: None,
        }
    }

    #[test]
    fn confirmations_name_the_task() {
        assert_eq!(
            added(5, "Buy groceries", None),
            "I've added 'Buy groceries' (task 5)."
        );
        assert_eq!(
            acted(Action::Complete, 3, "Call mom"),
            "Done! I marked 'Call mom' (task 3) as complete."
        );
        assert_eq!(acted(Action::Delete, 2, "Gym"), "I deleted 'Gym' (task 2).");
        assert_eq!(
            updated(1, "Call mom tonight", true, false),
            "I renamed task 1 to 'Call mom tonight'."
        );
    }

    #[test]
    fn refusals_say_not() {
        for reply in [
            refused(Some(Action::Complete), Some(42), "Task 42 not found"),
            refused(Some(Action::Delete), Some(7), "the database is busy"),
            refused(None, None, "title must not be empty"),
            add_refused("title is too long"),
            list_refused("try again"),
        ] {
            assert!(reply.contains("not"), "{reply}");
        }
        assert!(refused(Some(Action::Complete), Some(42), "Task 42 not found").contains("task 42"));
    }

    #[test]
    fn lists_show_ids_and_ticks() {
        let tasks = vec![task(1, "Buy groceries", false), task(2, "Pay bills", true)];
        let reply = task_list(StatusFilter::All, &tasks);
        assert!(
            reply.contains("\n1. Buy groceries\n2. Pay bills ✓"),
            "{reply}"
        );
        assert!(task_list(StatusFilter::Pending, &[]).contains("Nothing pending"));
        assert!(task_list(StatusFilter::Completed, &[]).contains("haven't completed"));
    }
}
