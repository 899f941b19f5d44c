//! The built-in offline agent: understands everyday English todo requests
//! without a language model, calls the same MCP tools, and answers in
//! friendly sentences built from the tools' results.
//!
//! Parsing ([`parse`]), matching titles ([`matching`]) and wording
//! ([`replies`]) are pure; this module only runs the tool calls they decide.

mod history;
pub mod intent;
pub mod lang;
pub mod matching;
pub mod parse;
pub mod replies;
mod text;

use todo_core::tools::{TaskChange, ToolCall, ToolName};

use super::{AgentError, FollowUp, HistoryMessage, Reply, ToolInvoker, ToolOutcome};
use intent::{Action, Intent, Position, StatusFilter, TaskRef};
use lang::Lang;
use matching::{Match, Task, best_match_where};

pub use parse::parse;

/// The newest messages the offline agent reads: the last reply (what it did
/// and left open) and the user messages that set the conversation's
/// language, with room for a user message or two stranded by failed turns.
pub const HISTORY_READ: i64 = 6;

/// The default "language model": rule-based, offline, deterministic.
#[derive(Debug, Clone, Copy)]
pub struct OfflineAgent {
    /// Most tasks a list reply shows (0: all); it says how many more.
    list_max_tasks: usize,
}

impl Default for OfflineAgent {
    fn default() -> Self {
        Self::new()
    }
}

impl OfflineAgent {
    pub fn new() -> Self {
        Self { list_max_tasks: 0 }
    }

    pub fn with_list_max_tasks(mut self, max: usize) -> Self {
        self.list_max_tasks = max;
        self
    }

    /// Answers one message. Fails only when the tools cannot be reached.
    pub async fn respond<T: ToolInvoker>(
        &self,
        message: &str,
        history: &[HistoryMessage],
        tools: &mut T,
    ) -> Result<Reply, AgentError> {
        let (lang, intent) = understand(message, history);
        let mut turn = self.turn(tools, history, lang);
        let text = turn.run(intent).await?;
        Ok(Reply {
            text,
            follow_up: turn.follow_up,
        })
    }

    fn turn<'a, T>(
        &self,
        tools: &'a mut T,
        history: &'a [HistoryMessage],
        lang: Lang,
    ) -> Turn<'a, T> {
        Turn {
            tools,
            history,
            lang,
            follow_up: None,
            list_max_tasks: self.list_max_tasks,
        }
    }

    /// Whether this agent answers `message` even when a model runs: a bulk
    /// deletion (it asks first), a yes or no to a confirmation it asked, or
    /// a change to a task named by its position in the list the last reply
    /// showed ("complete the second one"): the stored listing says which
    /// task that is, where small models take the position for an id.
    pub fn answers_first(message: &str, history: &[HistoryMessage]) -> bool {
        let (_, intent) = understand(message, history);
        match intent {
            Intent::DeleteAll | Intent::DeleteCompleted => true,
            Intent::Complete(TaskRef::Position(_))
            | Intent::Delete(TaskRef::Position(_))
            | Intent::Update {
                target: TaskRef::Position(_),
                ..
            } => !history::listed_ids(history).is_empty(),
            Intent::Confirm(_) => matches!(
                history::open_question(history),
                Some(FollowUp::Confirm { .. })
            ),
            _ => false,
        }
    }

    /// Asks before deleting `task_ids` (those that still exist), which a
    /// model wanted deleted after `deleted`; a "yes" deletes exactly those.
    pub async fn confirm_deletes<T: ToolInvoker>(
        &self,
        message: &str,
        history: &[HistoryMessage],
        deleted: Option<&TaskChange>,
        task_ids: &[i64],
        tools: &mut T,
    ) -> Result<Reply, AgentError> {
        let (lang, _) = understand(message, history);
        let mut turn = self.turn(tools, history, lang);
        let tasks: Vec<Task> = match turn.fetch(StatusFilter::All).await? {
            Ok(tasks) => tasks
                .into_iter()
                .filter(|t| task_ids.contains(&t.id))
                .collect(),
            Err(message) => return Ok(replies::list_refused(lang, &message).into()),
        };
        let done = deleted.map(|d| replies::acted(lang, Action::Delete, d.task_id, &d.title));
        let question = if tasks.is_empty() {
            return Ok(done
                .unwrap_or_else(|| replies::nothing_to_delete(lang, false))
                .into());
        } else {
            replies::confirm_bulk_delete(lang, &tasks)
        };
        Ok(Reply {
            text: match done {
                Some(done) => format!("{done}\n{question}"),
                None => question,
            },
            follow_up: Some(FollowUp::Confirm {
                tool: ToolName::DeleteTask,
                task_ids: tasks.iter().map(|t| t.id).collect(),
            }),
        })
    }
}

/// The message's language and meaning, the conversation's language breaking ties.
fn understand(message: &str, history: &[HistoryMessage]) -> (Lang, Intent) {
    lang::understand(message, lang::conversation_language(history))
}

struct Turn<'a, T> {
    tools: &'a mut T,
    history: &'a [HistoryMessage],
    /// The language to answer in.
    lang: Lang,
    /// What this reply leaves open for the next message.
    follow_up: Option<FollowUp>,
    list_max_tasks: usize,
}

/// Which task ids a mention stands for, or the reply to give instead.
enum Resolved {
    Ids(Vec<i64>),
    Reply(String),
}

impl<T: ToolInvoker> Turn<'_, T> {
    async fn run(&mut self, intent: Intent) -> Result<String, AgentError> {
        let lang = self.lang;
        Ok(match intent {
            Intent::Greeting => replies::greeting(lang),
            Intent::Help => replies::help(lang),
            Intent::Thanks => replies::thanks(lang),
            Intent::Goodbye => replies::goodbye(lang),
            Intent::Unknown { suggestion } => {
                if let Some(title) = &suggestion {
                    self.follow_up = Some(FollowUp::OfferAdd {
                        title: title.clone(),
                    });
                }
                replies::unknown(lang, suggestion.as_deref())
            }
            Intent::Invalid(problem) => replies::problem(lang, &problem),
            Intent::Reopen(_) => replies::reopen_unsupported(lang),
            Intent::UpdateWithoutValue(_) => replies::update_needs_value(lang),
            Intent::Add { title, description } => self.add(title, description).await?,
            Intent::AddMany(titles) => {
                let mut sentences = Vec::new();
                for title in titles {
                    sentences.push(self.add(title, None).await?);
                }
                sentences.join("\n")
            }
            Intent::Confirm(yes) => self.answer(yes).await?,
            Intent::List(status) => self.list(status).await?,
            Intent::Complete(target) => self.act(Action::Complete, target).await?,
            Intent::Delete(target) => self.act(Action::Delete, target).await?,
            Intent::Update {
                target,
                title,
                description,
            } => self.update(target, title, description).await?,
            Intent::CompleteAll => self.complete_all().await?,
            Intent::DeleteCompleted => self.delete_all(true).await?,
            Intent::DeleteAll => self.delete_all(false).await?,
            Intent::BareRef(target) => match history::pending_question(self.history) {
                Some(action) => self.act(action, target).await?,
                None => replies::bare_ref(lang),
            },
        })
    }

    /// A yes or a no to what the last reply left open.
    async fn answer(&mut self, yes: bool) -> Result<String, AgentError> {
        let lang = self.lang;
        if !yes {
            return Ok(replies::no_to_nothing(lang));
        }
        Ok(match history::open_question(self.history) {
            Some(FollowUp::OfferAdd { title }) => self.add(title, None).await?,
            Some(FollowUp::Confirm { tool, task_ids }) => match Action::of_tool(tool) {
                Some(action) => self.apply_to_each(action, &task_ids).await?,
                None => replies::yes_to_nothing(lang),
            },
            // "Is it this one? Which one should I delete?" — "yes".
            Some(FollowUp::PickTask { tool, candidates }) if candidates.len() == 1 => {
                match Action::of_tool(tool) {
                    Some(action) => self.act(action, TaskRef::Id(candidates[0])).await?,
                    None => replies::yes_to_nothing(lang),
                }
            }
            _ => replies::yes_to_nothing(lang),
        })
    }

    async fn call(&mut self, call: ToolCall) -> Result<ToolOutcome, AgentError> {
        Ok(self.tools.call(call).await?)
    }

    /// A call that changes one task: its result, or the refusal message.
    async fn change(&mut self, call: ToolCall) -> Result<Result<TaskChange, String>, AgentError> {
        Ok(match self.call(call).await? {
            Ok(result) => result
                .change()
                .cloned()
                .ok_or_else(|| "the task service answered with a list".to_string()),
            Err(message) => Err(message),
        })
    }

    async fn add(
        &mut self,
        title: String,
        description: Option<String>,
    ) -> Result<String, AgentError> {
        Ok(
            match self
                .change(ToolCall::add(&title, description.clone()))
                .await?
            {
                Ok(change) => replies::added(
                    self.lang,
                    change.task_id,
                    &change.title,
                    description.as_deref(),
                ),
                Err(message) => replies::add_refused(self.lang, &message),
            },
        )
    }

    /// The user's tasks, or the tool's refusal message.
    async fn fetch(
        &mut self,
        status: StatusFilter,
    ) -> Result<Result<Vec<Task>, String>, AgentError> {
        Ok(match self.call(ToolCall::list(status)).await? {
            Ok(result) => Ok(result.tasks().to_vec()),
            Err(message) => Err(message),
        })
    }

    async fn list(&mut self, status: StatusFilter) -> Result<String, AgentError> {
        Ok(match self.fetch(status).await? {
            Ok(tasks) => replies::task_list(self.lang, status, &tasks, self.list_max_tasks),
            Err(message) => replies::list_refused(self.lang, &message),
        })
    }

    async fn resolve(&mut self, action: Action, target: TaskRef) -> Result<Resolved, AgentError> {
        Ok(match target {
            TaskRef::Id(id) => Resolved::Ids(vec![id]),
            TaskRef::Ids(ids) => Resolved::Ids(ids),
            TaskRef::Previous => match history::previous_task(self.history) {
                Some(id) => Resolved::Ids(vec![id]),
                None => Resolved::Reply(replies::which_task(self.lang, action)),
            },
            TaskRef::Position(position) => {
                let mut ids = history::listed_ids(self.history);
                if ids.is_empty() {
                    match self.fetch(StatusFilter::All).await? {
                        Ok(tasks) => ids = tasks.iter().map(|t| t.id).collect(),
                        Err(message) => {
                            return Ok(Resolved::Reply(replies::list_refused(self.lang, &message)));
                        }
                    }
                }
                let picked = match position {
                    Position::Nth(n) => ids.get(n - 1).copied(),
                    Position::Last => ids.last().copied(),
                };
                match picked {
                    Some(id) => Resolved::Ids(vec![id]),
                    None => {
                        Resolved::Reply(replies::no_such_position(self.lang, position, ids.len()))
                    }
                }
            }
            TaskRef::Title(query) => {
                let tasks = match self.fetch(StatusFilter::All).await? {
                    Ok(tasks) => tasks,
                    Err(message) => {
                        return Ok(Resolved::Reply(replies::list_refused(self.lang, &message)));
                    }
                };
                let (found, by_description) =
                    best_match_where(&query, &tasks, action == Action::Complete);
                match found {
                    // Renaming or deleting a task no title names: ask first.
                    Match::One(id) if by_description && action != Action::Complete => {
                        let candidates: Vec<&Task> = tasks.iter().filter(|t| t.id == id).collect();
                        self.ask_which(action, &candidates);
                        Resolved::Reply(replies::only_described(
                            self.lang,
                            action,
                            &query,
                            &candidates,
                        ))
                    }
                    Match::One(id) => Resolved::Ids(vec![id]),
                    Match::Ambiguous(ids) => {
                        let candidates: Vec<&Task> =
                            tasks.iter().filter(|t| ids.contains(&t.id)).collect();
                        self.ask_which(action, &candidates);
                        Resolved::Reply(replies::ambiguous(self.lang, action, &query, &candidates))
                    }
                    Match::None => {
                        Resolved::Reply(replies::no_match(self.lang, &query, !tasks.is_empty()))
                    }
                }
            }
        })
    }

    /// The reply asks which of `candidates` to act on: the answer ("the
    /// second one", "yes") is read from this, not from the wording.
    fn ask_which(&mut self, action: Action, candidates: &[&Task]) {
        self.follow_up = Some(FollowUp::PickTask {
            tool: action.tool(),
            candidates: candidates.iter().map(|t| t.id).collect(),
        });
    }

    async fn act(&mut self, action: Action, target: TaskRef) -> Result<String, AgentError> {
        let ids = match self.resolve(action, target).await? {
            Resolved::Ids(ids) => ids,
            Resolved::Reply(reply) => return Ok(reply),
        };
        let mut sentences = Vec::new();
        for id in ids {
            let Some(call) = action.call(id) else {
                return Ok(replies::update_needs_value(self.lang));
            };
            let sentence = match self.change(call).await? {
                Ok(change) => replies::acted(self.lang, action, change.task_id, &change.title),
                Err(message) => replies::refused(self.lang, Some(action), Some(id), &message),
            };
            sentences.push(sentence);
        }
        Ok(sentences.join(" "))
    }

    async fn update(
        &mut self,
        target: TaskRef,
        title: Option<String>,
        description: Option<String>,
    ) -> Result<String, AgentError> {
        let id = match self.resolve(Action::Update, target).await? {
            Resolved::Ids(ids) if ids.len() == 1 => ids[0],
            Resolved::Ids(_) => return Ok(replies::one_at_a_time(self.lang)),
            Resolved::Reply(reply) => return Ok(reply),
        };
        let call = ToolCall::UpdateTask(todo_core::tools::UpdateTask {
            task_id: id,
            title: title.clone(),
            description: description.clone(),
        });
        Ok(match self.change(call).await? {
            Ok(change) => replies::updated(
                self.lang,
                change.task_id,
                &change.title,
                title.is_some(),
                description.is_some(),
            ),
            Err(message) => replies::refused(self.lang, Some(Action::Update), Some(id), &message),
        })
    }

    async fn complete_all(&mut self) -> Result<String, AgentError> {
        let tasks = match self.fetch(StatusFilter::Pending).await? {
            Ok(tasks) => tasks,
            Err(message) => return Ok(replies::list_refused(self.lang, &message)),
        };
        if tasks.is_empty() {
            return Ok(replies::nothing_to_complete(self.lang));
        }
        let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
        self.apply_to_each(Action::Complete, &ids).await
    }

    /// Bulk deletion asks first: the ids go into the follow-up, and only a
    /// "yes" to exactly this question deletes exactly these tasks.
    async fn delete_all(&mut self, completed_only: bool) -> Result<String, AgentError> {
        let status = if completed_only {
            StatusFilter::Completed
        } else {
            StatusFilter::All
        };
        let tasks = match self.fetch(status).await? {
            Ok(tasks) => tasks,
            Err(message) => return Ok(replies::list_refused(self.lang, &message)),
        };
        if tasks.is_empty() {
            return Ok(replies::nothing_to_delete(self.lang, completed_only));
        }
        let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
        if let [_] = ids.as_slice() {
            return self.apply_to_each(Action::Delete, &ids).await;
        }
        self.follow_up = Some(FollowUp::Confirm {
            tool: ToolName::DeleteTask,
            task_ids: ids,
        });
        Ok(replies::confirm_bulk_delete(self.lang, &tasks))
    }

    async fn apply_to_each(&mut self, action: Action, ids: &[i64]) -> Result<String, AgentError> {
        let mut done = Vec::new();
        let mut failures = Vec::new();
        for &id in ids {
            let Some(call) = action.call(id) else {
                continue;
            };
            match self.change(call).await? {
                Ok(change) => done.push(change.title),
                Err(message) => {
                    failures.push(replies::refused(
                        self.lang,
                        Some(action),
                        Some(id),
                        &message,
                    ));
                }
            }
        }
        Ok(replies::bulk(self.lang, action, &done, &failures))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<F: std::future::Future + Send>(_: F) {}

    /// The chat endpoint may move a turn between worker threads, so this must
    /// keep compiling.
    #[allow(dead_code)]
    fn turns_are_send<T: ToolInvoker>(agent: &OfflineAgent, tools: &mut T) {
        assert_send(agent.respond("hi", &[], tools));
    }
}
