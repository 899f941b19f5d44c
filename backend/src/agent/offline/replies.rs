//! The wording of every reply, built from what the tools answered, in the
//! language the user wrote in. The sentences themselves are data: one
//! [`Words`] table per language in [`super::lang`]; `{name}` marks where a
//! value goes.

use super::intent::{Action, Position, Problem, StatusFilter};
use super::lang::Lang;
use super::matching::Task;

/// Every sentence the offline agent can say, in one language.
#[derive(Debug)]
pub struct Words {
    pub greeting: &'static str,
    pub help: &'static str,
    pub thanks: &'static str,
    pub goodbye: &'static str,
    /// `{title}`: a short text the user may have meant as a new task.
    pub unknown_suggest: &'static str,
    pub unknown: &'static str,
    pub empty_title: &'static str,
    /// `{n}`: the length; `{max}`: the limit.
    pub title_too_long: &'static str,
    pub description_too_long: &'static str,
    /// `{title}`, `{id}`, `{description}`.
    pub added: &'static str,
    pub added_described: &'static str,
    pub completed: &'static str,
    pub deleted: &'static str,
    pub updated: &'static str,
    pub renamed_described: &'static str,
    pub renamed: &'static str,
    pub described: &'static str,
    /// `{id}`.
    pub not_found: &'static str,
    /// `{what}`: one of the `could_not_*` phrases; `{message}`: the tool's words.
    pub could_not: &'static str,
    pub could_not_complete: &'static str,
    pub could_not_delete: &'static str,
    pub could_not_update: &'static str,
    pub could_not_do: &'static str,
    pub add_refused: &'static str,
    pub list_refused: &'static str,
    pub list_empty: &'static str,
    pub none_pending: &'static str,
    pub none_completed: &'static str,
    /// `{pending}`, `{done}`: counts.
    pub heading_all: &'static str,
    /// `{tasks}`: "3 tasks".
    pub heading_pending: &'static str,
    pub heading_completed: &'static str,
    /// `{n}` tasks: singular and plural.
    pub task_one: &'static str,
    pub task_many: &'static str,
    /// The questions asked when several tasks match; history looks for these.
    pub which_complete: &'static str,
    pub which_delete: &'static str,
    pub which_update: &'static str,
    /// `{query}`.
    pub ambiguous: &'static str,
    /// No title fits `{query}`, but a description mentions it.
    pub only_described: &'static str,
    pub no_match: &'static str,
    pub no_tasks: &'static str,
    pub which_task_complete: &'static str,
    pub which_task_delete: &'static str,
    pub which_task_update: &'static str,
    /// `{n}`, `{tasks}`.
    pub no_such_position: &'static str,
    pub no_last: &'static str,
    pub update_needs_value: &'static str,
    pub reopen_unsupported: &'static str,
    pub bare_ref: &'static str,
    pub one_at_a_time: &'static str,
    pub bulk_none: &'static str,
    /// `{tasks}`, `{titles}`.
    pub bulk_completed: &'static str,
    pub bulk_deleted: &'static str,
    pub nothing_to_complete: &'static str,
    pub no_completed_to_clear: &'static str,
    pub already_empty: &'static str,
    /// A "yes" or "no" with no open question.
    pub yes_to_nothing: &'static str,
    pub no_to_nothing: &'static str,
    /// Joins titles in a sentence ("'a', 'b'").
    pub list_separator: &'static str,
    /// The title used when a tool did not return one.
    pub that_task: &'static str,
}

/// Replaces each `{name}` in `template` with its value, in one pass (values
/// are never read as templates themselves).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if values.iter().any(|(k, _)| *k == name) => {
                let value = values.iter().find(|(k, _)| *k == name).map_or("", |v| v.1);
                out.push_str(value);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn w(lang: Lang) -> &'static Words {
    lang.words()
}

pub fn greeting(lang: Lang) -> String {
    w(lang).greeting.into()
}

pub fn help(lang: Lang) -> String {
    w(lang).help.into()
}

pub fn thanks(lang: Lang) -> String {
    w(lang).thanks.into()
}

pub fn goodbye(lang: Lang) -> String {
    w(lang).goodbye.into()
}

pub fn unknown(lang: Lang, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(title) => fill(w(lang).unknown_suggest, &[("title", title)]),
        None => w(lang).unknown.into(),
    }
}

pub fn problem(lang: Lang, problem: &Problem) -> String {
    use todo_core::validation::{MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS};
    match problem {
        Problem::EmptyTitle => w(lang).empty_title.into(),
        Problem::TitleTooLong(n) => fill(
            w(lang).title_too_long,
            &[("n", &n.to_string()), ("max", &MAX_TITLE_CHARS.to_string())],
        ),
        Problem::DescriptionTooLong(n) => fill(
            w(lang).description_too_long,
            &[
                ("n", &n.to_string()),
                ("max", &MAX_DESCRIPTION_CHARS.to_string()),
            ],
        ),
    }
}

pub fn added(lang: Lang, id: i64, title: &str, description: Option<&str>) -> String {
    let id = id.to_string();
    match description {
        Some(d) => fill(
            w(lang).added_described,
            &[("title", title), ("id", &id), ("description", d)],
        ),
        None => fill(w(lang).added, &[("title", title), ("id", &id)]),
    }
}

pub fn acted(lang: Lang, action: Action, id: i64, title: &str) -> String {
    let template = match action {
        Action::Complete => w(lang).completed,
        Action::Delete => w(lang).deleted,
        Action::Update => w(lang).updated,
    };
    fill(template, &[("title", title), ("id", &id.to_string())])
}

pub fn updated(lang: Lang, id: i64, title: &str, renamed: bool, described: bool) -> String {
    let template = match (renamed, described) {
        (true, true) => w(lang).renamed_described,
        (true, false) => w(lang).renamed,
        _ => w(lang).described,
    };
    fill(template, &[("title", title), ("id", &id.to_string())])
}

/// A tool said no: always a polite sentence saying nothing was done.
pub fn refused(lang: Lang, action: Option<Action>, id: Option<i64>, message: &str) -> String {
    let lower = message.to_lowercase();
    match id {
        Some(id) if lower.contains("not found") || lower.contains("no task") => {
            fill(w(lang).not_found, &[("id", &id.to_string())])
        }
        _ => {
            let what = match action {
                Some(Action::Complete) => w(lang).could_not_complete,
                Some(Action::Delete) => w(lang).could_not_delete,
                Some(Action::Update) => w(lang).could_not_update,
                None => w(lang).could_not_do,
            };
            fill(
                w(lang).could_not,
                &[("what", what), ("message", message.trim_end_matches('.'))],
            )
        }
    }
}

pub fn add_refused(lang: Lang, message: &str) -> String {
    fill(
        w(lang).add_refused,
        &[("message", message.trim_end_matches('.'))],
    )
}

pub fn list_refused(lang: Lang, message: &str) -> String {
    fill(
        w(lang).list_refused,
        &[("message", message.trim_end_matches('.'))],
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

fn count(lang: Lang, n: usize) -> String {
    let template = if n == 1 {
        w(lang).task_one
    } else {
        w(lang).task_many
    };
    fill(template, &[("n", &n.to_string())])
}

/// The list with a heading that counts all of `tasks`; at most `max` lines
/// (0: all), then how many more there are.
pub fn task_list(lang: Lang, status: StatusFilter, tasks: &[Task], max: usize) -> String {
    if tasks.is_empty() {
        return match status {
            StatusFilter::All => w(lang).list_empty,
            StatusFilter::Pending => w(lang).none_pending,
            StatusFilter::Completed => w(lang).none_completed,
        }
        .into();
    }
    let heading = match status {
        StatusFilter::All => {
            let done = tasks.iter().filter(|t| t.completed).count();
            fill(
                w(lang).heading_all,
                &[
                    ("pending", &(tasks.len() - done).to_string()),
                    ("done", &done.to_string()),
                ],
            )
        }
        StatusFilter::Pending => fill(
            w(lang).heading_pending,
            &[("tasks", &count(lang, tasks.len()))],
        ),
        StatusFilter::Completed => fill(
            w(lang).heading_completed,
            &[("tasks", &count(lang, tasks.len()))],
        ),
    };
    let shown = if max == 0 {
        tasks.len()
    } else {
        max.min(tasks.len())
    };
    let mut lines: Vec<String> = tasks[..shown].iter().map(line).collect();
    if shown < tasks.len() {
        lines.push(more(lang, tasks.len() - shown));
    }
    format!("{heading}\n{}", lines.join("\n"))
}

/// The last line of a list cut short.
fn more(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => {
            format!("… and {n} more (ask for pending or completed ones to narrow the list)")
        }
        Lang::Es => {
            format!("… y {n} más (pide las pendientes o las completadas para acotar la lista)")
        }
        Lang::Ur => format!("… اور {n} مزید (فہرست مختصر کرنے کے لیے باقی یا مکمل کام پوچھیں)"),
        Lang::UrLatn => {
            format!("… aur {n} mazeed (list chhoti karne ke liye baqi ya mukammal kaam poochhein)")
        }
    }
}

/// The question asked after listing several candidates for `action`.
pub fn question(lang: Lang, action: Action) -> &'static str {
    match action {
        Action::Complete => w(lang).which_complete,
        Action::Delete => w(lang).which_delete,
        Action::Update => w(lang).which_update,
    }
}

/// How many candidates a "which one?" question lists.
const MAX_CANDIDATES_SHOWN: usize = 10;

pub fn ambiguous(lang: Lang, action: Action, query: &str, candidates: &[&Task]) -> String {
    let mut lines: Vec<String> = candidates
        .iter()
        .take(MAX_CANDIDATES_SHOWN)
        .map(|t| line(t))
        .collect();
    if candidates.len() > MAX_CANDIDATES_SHOWN {
        lines.push(format!("… (+{})", candidates.len() - MAX_CANDIDATES_SHOWN));
    }
    format!(
        "{}\n{}\n{}",
        fill(w(lang).ambiguous, &[("query", query)]),
        lines.join("\n"),
        question(lang, action)
    )
}

/// A rename or delete that only a description fits: show it and ask.
pub fn only_described(lang: Lang, action: Action, query: &str, candidates: &[&Task]) -> String {
    let lines: Vec<String> = candidates.iter().map(|t| line(t)).collect();
    format!(
        "{}\n{}\n{}",
        fill(w(lang).only_described, &[("query", query)]),
        lines.join("\n"),
        question(lang, action)
    )
}

pub fn no_match(lang: Lang, query: &str, have_tasks: bool) -> String {
    if have_tasks {
        fill(w(lang).no_match, &[("query", query)])
    } else {
        w(lang).no_tasks.into()
    }
}

pub fn which_task(lang: Lang, action: Action) -> String {
    match action {
        Action::Complete => w(lang).which_task_complete,
        Action::Delete => w(lang).which_task_delete,
        Action::Update => w(lang).which_task_update,
    }
    .into()
}

pub fn no_such_position(lang: Lang, position: Position, available: usize) -> String {
    match position {
        Position::Nth(n) => fill(
            w(lang).no_such_position,
            &[("n", &n.to_string()), ("tasks", &count(lang, available))],
        ),
        Position::Last => w(lang).no_last.into(),
    }
}

pub fn update_needs_value(lang: Lang) -> String {
    w(lang).update_needs_value.into()
}

pub fn reopen_unsupported(lang: Lang) -> String {
    w(lang).reopen_unsupported.into()
}

pub fn bare_ref(lang: Lang) -> String {
    w(lang).bare_ref.into()
}

pub fn one_at_a_time(lang: Lang) -> String {
    w(lang).one_at_a_time.into()
}

pub fn yes_to_nothing(lang: Lang) -> String {
    w(lang).yes_to_nothing.into()
}

pub fn no_to_nothing(lang: Lang) -> String {
    w(lang).no_to_nothing.into()
}

pub fn that_task(lang: Lang) -> &'static str {
    w(lang).that_task
}

/// Summary of a bulk change: what worked, then what did not.
pub fn bulk(lang: Lang, action: Action, done: &[String], failures: &[String]) -> String {
    let titles = quoted_list(lang, done);
    let tasks = count(lang, done.len());
    let values = [("tasks", tasks.as_str()), ("titles", titles.as_str())];
    let mut reply = match (action, done.len()) {
        (_, 0) => w(lang).bulk_none.to_string(),
        (Action::Complete, _) => fill(w(lang).bulk_completed, &values),
        (_, _) => fill(w(lang).bulk_deleted, &values),
    };
    for f in failures {
        reply.push(' ');
        reply.push_str(f);
    }
    reply
}

fn quoted_list(lang: Lang, titles: &[String]) -> String {
    titles
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(w(lang).list_separator)
}

pub fn nothing_to_complete(lang: Lang) -> String {
    w(lang).nothing_to_complete.into()
}

pub fn nothing_to_delete(lang: Lang, completed_only: bool) -> String {
    if completed_only {
        w(lang).no_completed_to_clear
    } else {
        w(lang).already_empty
    }
    .into()
}

/// Asks before deleting several tasks at once; a "yes" to exactly this
/// question deletes exactly these.
pub fn confirm_bulk_delete(lang: Lang, tasks: &[Task]) -> String {
    let mut lines: Vec<String> = tasks.iter().take(10).map(line).collect();
    if tasks.len() > 10 {
        lines.push(format!("… (+{})", tasks.len() - 10));
    }
    let tasks = count(lang, tasks.len());
    let question = match lang {
        Lang::En => format!("That would delete {tasks}. Shall I go ahead? (yes / no)"),
        Lang::Es => format!("Eso borraría {tasks}. ¿Sigo adelante? (sí / no)"),
        Lang::Ur => format!("اس سے {tasks} حذف ہو جائیں گے۔ کیا میں آگے بڑھوں؟ (ہاں / نہیں)"),
        Lang::UrLatn => {
            format!("Is se {tasks} delete ho jayenge. Kya main aage barhun? (haan / nahi)")
        }
    };
    format!("{question}\n{}", lines.join("\n"))
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
            added(Lang::En, 5, "Buy groceries", None),
            "I've added 'Buy groceries' (task 5)."
        );
        assert_eq!(
            acted(Lang::En, Action::Complete, 3, "Call mom"),
            "Done! I marked 'Call mom' (task 3) as complete."
        );
        assert_eq!(
            acted(Lang::En, Action::Delete, 2, "Gym"),
            "I deleted 'Gym' (task 2)."
        );
        assert_eq!(
            updated(Lang::En, 1, "Call mom tonight", true, false),
            "I renamed task 1 to 'Call mom tonight'."
        );
    }

    #[test]
    fn refusals_say_not() {
        for reply in [
            refused(
                Lang::En,
                Some(Action::Complete),
                Some(42),
                "Task 42 not found",
            ),
            refused(
                Lang::En,
                Some(Action::Delete),
                Some(7),
                "the database is busy",
            ),
            refused(Lang::En, None, None, "title must not be empty"),
            add_refused(Lang::En, "title is too long"),
            list_refused(Lang::En, "try again"),
        ] {
            assert!(reply.contains("not"), "{reply}");
        }
        assert!(
            refused(
                Lang::En,
                Some(Action::Complete),
                Some(42),
                "Task 42 not found"
            )
            .contains("task 42")
        );
    }

    #[test]
    fn lists_show_ids_and_ticks() {
        let tasks = vec![task(1, "Buy groceries", false), task(2, "Pay bills", true)];
        let reply = task_list(Lang::En, StatusFilter::All, &tasks, 0);
        assert!(
            reply.contains("\n1. Buy groceries\n2. Pay bills ✓"),
            "{reply}"
        );
        assert!(task_list(Lang::En, StatusFilter::Pending, &[], 0).contains("Nothing pending"));
        assert!(task_list(Lang::En, StatusFilter::Completed, &[], 0).contains("haven't completed"));
    }

    #[test]
    fn fills_templates_once() {
        assert_eq!(
            fill("a {x} b {y}", &[("x", "{y}"), ("y", "2")]),
            "a {y} b 2"
        );
        assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
    }

    #[test]
    fn every_language_fills_its_templates() {
        for lang in Lang::ALL {
            let reply = added(lang, 5, "Milk", Some("2 litres"));
            assert!(reply.contains("Milk") && reply.contains('5') && reply.contains("2 litres"));
            let list = task_list(lang, StatusFilter::All, &[task(7, "Gym", true)], 0);
            assert!(list.contains("\n7. Gym ✓"), "{list}");
            assert!(!list.contains('{'), "{list}");
            let sorry = refused(lang, Some(Action::Delete), Some(9), "Task 9 not found");
            assert!(sorry.contains('9'), "{sorry}");
            for text in [
                bulk(lang, Action::Delete, &["A".into(), "B".into()], &[]),
                no_such_position(lang, Position::Nth(4), 2),
                problem(lang, &Problem::TitleTooLong(300)),
                ambiguous(lang, Action::Delete, "x", &[]),
                unknown(lang, Some("X")),
            ] {
                assert!(!text.contains('{'), "{text}");
            }
        }
    }

    #[test]
    fn long_lists_show_the_first_ones_and_count_the_rest() {
        let tasks: Vec<Task> = (1..=8)
            .map(|i| task(i, &format!("Task {i}"), false))
            .collect();
        let reply = task_list(Lang::En, StatusFilter::All, &tasks, 3);
        assert!(reply.contains("8 pending"), "{reply}");
        assert!(
            reply.contains("3. Task 3") && !reply.contains("4. Task 4"),
            "{reply}"
        );
        assert!(
            reply.ends_with("… and 5 more (ask for pending or completed ones to narrow the list)"),
            "{reply}"
        );
        assert_eq!(
            task_list(Lang::En, StatusFilter::All, &tasks, 8)
                .lines()
                .count(),
            9
        );
    }
}
