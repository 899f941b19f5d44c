//! The streaming operations, on the one turn pipeline (`crate::chat`).
//! Everything that can be refused (bad params, a thread that is not the
//! caller's) is refused before the stream starts; the user message is stored
//! before it too. The rest of the turn runs in a spawned task whose
//! [`SseSink`] turns tool progress and the reply, as the model writes it,
//! into events; a failure from there on is an in-stream `error` event.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use chrono::Utc;
use todo_core::db::{Conversation, Message};
use todo_core::tools::ToolName;
use tokio::sync::mpsc::{self, UnboundedSender};

use super::ops;
use super::request::{AddUserMessageParams, CreateParams, CustomActionParams, RetryParams};
use super::wire::{AssistantContent, Event, Item, ItemUpdate, StreamOptions, Thread, word_chunks};
use crate::auth::AuthUser;
use crate::chat::{self, Turn, TurnSink};
use crate::error::ApiError;
use crate::state::AppState;

/// `threads.create`: a new conversation with its first message.
pub async fn create(
    state: Arc<AppState>,
    user: AuthUser,
    params: CreateParams,
) -> Result<HttpResponse, ApiError> {
    let text = params.input.text()?;
    let turn = chat::begin(&state, &user, None, &text).await?;
    // Untitled until the first reply is in (then `thread.updated`), as the
    // reference's integrations do.
    let opening = vec![
        Event::ThreadCreated {
            thread: Thread::bare(&turn.conversation),
        },
        Event::ItemDone {
            item: Item::from_message(&turn.user_message),
        },
    ];
    Ok(respond(state, user, turn, opening))
}

/// `threads.add_user_message`: the contract's cycle on an existing thread.
pub async fn add_user_message(
    state: Arc<AppState>,
    user: AuthUser,
    params: AddUserMessageParams,
) -> Result<HttpResponse, ApiError> {
    let text = params.input.text()?;
    let id = super::ids::parse_thread_id(&params.thread_id)?;
    let turn = chat::begin(&state, &user, Some(id), &text)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("thread"),
            other => other,
        })?;
    let opening = vec![Event::ItemDone {
        item: Item::from_message(&turn.user_message),
    }];
    Ok(respond(state, user, turn, opening))
}

/// `threads.retry_after_item`: forget what followed a user message and
/// answer it again, with the history that preceded it.
pub async fn retry_after_item(
    state: Arc<AppState>,
    user: AuthUser,
    params: RetryParams,
) -> Result<HttpResponse, ApiError> {
    let conversation = ops::owned_thread(&state, &user, &params.thread_id).await?;
    let message = ops::retry_target(&state, &user, &conversation, &params.item_id).await?;
    let turn = chat::retry(&state, &user, conversation, message).await?;
    Ok(respond(state, user, turn, Vec::new()))
}

/// `threads.custom_action`: this server renders no widgets, so there is no
/// action to run. Like the reference when the sender is not a widget: one
/// `error` event that offers no retry.
pub async fn custom_action(
    state: Arc<AppState>,
    user: AuthUser,
    params: CustomActionParams,
) -> Result<HttpResponse, ApiError> {
    let conversation = ops::owned_thread(&state, &user, &params.thread_id).await?;
    if let Some(item_id) = &params.item_id {
        ops::owned_item(&state, &user, &conversation, item_id).await?;
    }
    tracing::info!(action = %params.action.kind, "custom action refused: no widgets here");
    let (tx, rx) = mpsc::unbounded_channel();
    let _ = tx.send(Event::stream_error(false));
    drop(tx);
    Ok(sse(rx))
}

fn respond(state: Arc<AppState>, user: AuthUser, turn: Turn, opening: Vec<Event>) -> HttpResponse {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut sink = SseSink::new(tx, turn.conversation.id);
    for event in opening {
        sink.send(event);
    }
    // The turn runs to completion once started, so there is nothing to cancel.
    sink.send(Event::StreamOptions {
        stream_options: StreamOptions {
            allow_cancel: false,
        },
    });
    // The turn finishes (and is stored whole) even if the client goes away.
    actix_web::rt::spawn(crate::telemetry::in_request(async move {
        if let Err(e) = turn.finish(&state, &user, &mut sink).await {
            tracing::warn!(error = %e, "ChatKit turn failed");
        }
    }));
    sse(rx)
}

/// An SSE body fed by `rx`; it ends when every sender is gone.
fn sse(rx: mpsc::UnboundedReceiver<Event>) -> HttpResponse {
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        let event = rx.recv().await?;
        Some((
            Ok::<_, actix_web::Error>(web::Bytes::from(event.frame())),
            rx,
        ))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        // Proxies such as nginx would otherwise hold the events back.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}

/// A ChatKit turn's events, sent as they happen.
///
/// With a streaming agent the reply's id is reserved before the agent runs,
/// so the assistant item is announced at the first delta under the id it is
/// stored with, and `items.list` later names it the same. Text the agent
/// withdraws (a draft it replaced) is taken back with `thread.item.replaced`
/// (the item, empty again). Without deltas (the offline agent), the stored
/// reply is sent whole at the end, in word-sized deltas.
struct SseSink {
    tx: UnboundedSender<Event>,
    conversation_id: i64,
    live: Option<LiveReply>,
}

/// The reply being streamed under its reserved id.
struct LiveReply {
    message_id: i64,
    /// `thread.item.added` was sent.
    announced: bool,
    /// The text sent since the content part was opened; None while no part is open.
    text: Option<String>,
}

impl SseSink {
    fn new(tx: UnboundedSender<Event>, conversation_id: i64) -> Self {
        Self {
            tx,
            conversation_id,
            live: None,
        }
    }

    fn send(&self, event: Event) {
        // A client that left does not stop the turn.
        let _ = self.tx.send(event);
    }

    /// The reply's item as announced, with nothing in it yet.
    fn empty_reply(&self, message_id: i64) -> Item {
        Item::assistant_started(message_id, self.conversation_id, Utc::now().naive_utc())
    }
}

impl TurnSink for SseSink {
    fn shows_user_message(&self) -> bool {
        true
    }

    fn streams_reply(&self) -> bool {
        true
    }

    fn reply_reserved(&mut self, message_id: i64) {
        self.live = Some(LiveReply {
            message_id,
            announced: false,
            text: None,
        });
    }

    fn tool_started(&mut self, tool: ToolName) {
        let (icon, text) = progress_of(tool);
        self.send(Event::Progress {
            icon: Some(icon),
            text: text.into(),
        });
    }

    fn text_delta(&mut self, delta: &str) {
        let Some(live) = &self.live else { return };
        if delta.is_empty() {
            return;
        }
        let (message_id, announced, opened) =
            (live.message_id, live.announced, live.text.is_some());
        if !announced {
            self.send(Event::ItemAdded {
                item: self.empty_reply(message_id),
            });
        }
        let item_id = super::ids::item_id(message_id);
        if !opened {
            self.send(Event::ItemUpdated {
                item_id: item_id.clone(),
                update: ItemUpdate::PartAdded {
                    content_index: 0,
                    content: AssistantContent::text(""),
                },
            });
        }
        self.send(Event::ItemUpdated {
            item_id,
            update: ItemUpdate::TextDelta {
                content_index: 0,
                delta: delta.to_string(),
            },
        });
        if let Some(live) = &mut self.live {
            live.announced = true;
            live.text.get_or_insert_default().push_str(delta);
        }
    }

    fn text_withdrawn(&mut self) {
        let Some(live) = &mut self.live else { return };
        if live.text.take().is_some() {
            let message_id = live.message_id;
            self.send(Event::ItemReplaced {
                item: self.empty_reply(message_id),
            });
        }
    }

    fn finished(&mut self, reply: &Message, retitled: Option<&Conversation>) {
        let streamed = match self.live.take() {
            Some(live) if live.announced && live.message_id == reply.id => {
                Streamed::Announced { text: live.text }
            }
            _ => Streamed::Nothing,
        };
        for event in reply_events(reply, streamed) {
            self.send(event);
        }
        if let Some(conversation) = retitled {
            self.send(Event::ThreadUpdated {
                thread: Thread::bare(conversation),
            });
        }
    }

    fn failed(&mut self) {
        // As the reference does with a reply it gives up on: take it away.
        if let Some(live) = self.live.take().filter(|live| live.announced) {
            self.send(Event::ItemRemoved {
                item_id: super::ids::item_id(live.message_id),
            });
        }
        self.send(Event::stream_error(true));
    }
}

/// What the client was already sent of a reply.
enum Streamed {
    Nothing,
    /// The item was announced; `text` is what its open content part holds
    /// (None: no part open).
    Announced {
        text: Option<String>,
    },
}

/// The rest of the reference's sequence for the stored reply: the item added
/// empty, one content part, its text in word-sized deltas, then done. What
/// was already streamed is not sent again; a streamed text that is not the
/// start of the stored reply is replaced by it.
fn reply_events(reply: &Message, streamed: Streamed) -> Vec<Event> {
    let item_id = super::ids::item_id(reply.id);
    let update = |update| Event::ItemUpdated {
        item_id: item_id.clone(),
        update,
    };
    let mut events = Vec::new();
    let open_text = match streamed {
        Streamed::Nothing => {
            events.push(Event::ItemAdded {
                item: Item::assistant_placeholder(reply),
            });
            None
        }
        Streamed::Announced { text: None } => None,
        Streamed::Announced { text: Some(text) } => {
            if reply.content.starts_with(&text) {
                Some(text)
            } else {
                events.push(Event::ItemReplaced {
                    item: Item::assistant_placeholder(reply),
                });
                None
            }
        }
    };
    let rest = match &open_text {
        Some(text) => &reply.content[text.len()..],
        None => {
            events.push(update(ItemUpdate::PartAdded {
                content_index: 0,
                content: AssistantContent::text(""),
            }));
            &reply.content[..]
        }
    };
    events.extend(word_chunks(rest).into_iter().map(|delta| {
        update(ItemUpdate::TextDelta {
            content_index: 0,
            delta: delta.to_string(),
        })
    }));
    events.push(update(ItemUpdate::PartDone {
        content_index: 0,
        content: AssistantContent::text(&reply.content),
    }));
    events.push(Event::ItemDone {
        item: Item::from_message(reply),
    });
    events
}

/// What the client shows while a tool runs.
fn progress_of(tool: ToolName) -> (&'static str, &'static str) {
    match tool {
        ToolName::AddTask => ("plus", "Adding task…"),
        ToolName::ListTasks => ("search", "Looking up tasks…"),
        ToolName::CompleteTask => ("check-circle", "Completing task…"),
        ToolName::DeleteTask => ("empty-circle", "Deleting task…"),
        ToolName::UpdateTask => ("write", "Updating task…"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use todo_core::db::Role;

    use super::*;

    #[test]
    fn a_reply_streams_in_the_reference_order() {
        let reply = Message {
            id: 12,
            user_id: "u".into(),
            conversation_id: 3,
            role: Role::Assistant,
            content: "Added \"buy milk\".".into(),
            tool_calls: Vec::new(),
            follow_up: None,
            created_at: Utc::now().naive_utc(),
        };
        let events: Vec<serde_json::Value> = reply_events(&reply, Streamed::Nothing)
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect();
        let kinds: Vec<String> = events
            .iter()
            .map(|e| match e["update"]["type"].as_str() {
                Some(update) => update.to_string(),
                None => e["type"].as_str().unwrap().to_string(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "thread.item.added",
                "assistant_message.content_part.added",
                "assistant_message.content_part.text_delta",
                "assistant_message.content_part.text_delta",
                "assistant_message.content_part.text_delta",
                "assistant_message.content_part.done",
                "thread.item.done"
            ]
        );
        assert!(events[1..6].iter().all(|e| e["item_id"] == "msg_12"));
        let text: String = events[2..5]
            .iter()
            .map(|e| e["update"]["delta"].as_str().unwrap())
            .collect();
        assert_eq!(text, reply.content);
        assert_eq!(events[6]["item"]["content"][0]["text"], reply.content);
    }

    fn stored(id: i64, content: &str) -> Message {
        Message {
            id,
            user_id: "u".into(),
            conversation_id: 3,
            role: Role::Assistant,
            content: content.into(),
            tool_calls: Vec::new(),
            follow_up: None,
            created_at: Utc::now().naive_utc(),
        }
    }

    /// (event or update type, item id, delta) of everything `sink` sent.
    fn sent(rx: &mut mpsc::UnboundedReceiver<Event>) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        while let Ok(event) = rx.try_recv() {
            let e = serde_json::to_value(&event).unwrap();
            let kind = e["update"]["type"].as_str().or(e["type"].as_str()).unwrap();
            let id = e["item_id"]
                .as_str()
                .or(e["item"]["id"].as_str())
                .unwrap_or("");
            let delta = e["update"]["delta"].as_str().unwrap_or("");
            out.push((kind.into(), id.into(), delta.into()));
        }
        out
    }

    fn kinds(events: &[(String, String, String)]) -> Vec<&str> {
        events.iter().map(|(kind, _, _)| kind.as_str()).collect()
    }

    #[test]
    fn deltas_go_out_under_the_reserved_id_as_they_come() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut sink = SseSink::new(tx, 3);
        sink.reply_reserved(40);
        sink.text_delta("Added ");
        let early = sent(&mut rx);
        assert_eq!(
            kinds(&early),
            [
                "thread.item.added",
                "assistant_message.content_part.added",
                "assistant_message.content_part.text_delta"
            ]
        );
        assert!(early.iter().all(|(_, id, _)| id == "msg_40"));
        sink.text_delta("milk.");
        sink.finished(&stored(40, "Added milk. Anything else?"), None);
        let rest = sent(&mut rx);
        // "milk.", then what was not streamed: " ", "Anything ", "else?".
        assert_eq!(
            kinds(&rest),
            [
                "assistant_message.content_part.text_delta",
                "assistant_message.content_part.text_delta",
                "assistant_message.content_part.text_delta",
                "assistant_message.content_part.text_delta",
                "assistant_message.content_part.done",
                "thread.item.done"
            ]
        );
        let text: String = early
            .iter()
            .chain(&rest)
            .map(|(_, _, d)| d.as_str())
            .collect();
        assert_eq!(text, "Added milk. Anything else?");
        assert!(rest.iter().all(|(_, id, _)| id == "msg_40"));
    }

    #[test]
    fn withdrawn_text_is_replaced_by_an_empty_item() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut sink = SseSink::new(tx, 3);
        sink.reply_reserved(41);
        sink.text_delta("Let me look.");
        sink.text_withdrawn();
        sink.text_delta("You have no tasks.");
        sink.finished(&stored(41, "You have no tasks."), None);
        let events = sent(&mut rx);
        assert_eq!(
            kinds(&events),
            [
                "thread.item.added",
                "assistant_message.content_part.added",
                "assistant_message.content_part.text_delta",
                "thread.item.replaced",
                "assistant_message.content_part.added",
                "assistant_message.content_part.text_delta",
                "assistant_message.content_part.done",
                "thread.item.done"
            ]
        );
        assert_eq!(events[5].2, "You have no tasks.");
    }

    #[test]
    fn a_failed_turn_takes_its_streamed_reply_away() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut sink = SseSink::new(tx, 3);
        sink.reply_reserved(42);
        sink.text_delta("Hel");
        sink.failed();
        let events = sent(&mut rx);
        assert_eq!(&kinds(&events)[3..], ["thread.item.removed", "error"]);
        assert_eq!(events[3].1, "msg_42");
    }

    #[test]
    fn without_deltas_the_stored_reply_goes_out_whole() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut sink = SseSink::new(tx, 3);
        sink.reply_reserved(43);
        sink.finished(&stored(43, "Hi there."), None);
        let events = sent(&mut rx);
        assert_eq!(kinds(&events)[0], "thread.item.added");
        assert_eq!(events.len(), 6);
    }

    #[test]
    fn every_tool_has_a_progress_line() {
        for tool in ToolName::ALL {
            assert!(progress_of(tool).1.ends_with('…'));
        }
    }
}
