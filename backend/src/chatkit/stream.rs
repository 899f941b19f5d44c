//! The streaming operations, on the one turn pipeline (`crate::chat`).
//! Everything that can be refused (bad params, a thread that is not the
//! caller's) is refused before the stream starts; the user message is stored
//! before it too. The rest of the turn runs in a spawned task whose
//! [`SseSink`] turns tool progress and the stored reply into events; a
//! failure from there on is an in-stream `error` event.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
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
    let mut sink = SseSink { tx };
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
struct SseSink {
    tx: UnboundedSender<Event>,
}

impl SseSink {
    fn send(&self, event: Event) {
        // A client that left does not stop the turn.
        let _ = self.tx.send(event);
    }
}

impl TurnSink for SseSink {
    fn shows_user_message(&self) -> bool {
        true
    }

    fn tool_started(&mut self, tool: ToolName) {
        let (icon, text) = progress_of(tool);
        self.send(Event::Progress {
            icon: Some(icon),
            text: text.into(),
        });
    }

    fn finished(&mut self, reply: &Message, retitled: Option<&Conversation>) {
        for event in reply_events(reply) {
            self.send(event);
        }
        if let Some(conversation) = retitled {
            self.send(Event::ThreadUpdated {
                thread: Thread::bare(conversation),
            });
        }
    }

    fn failed(&mut self) {
        self.send(Event::stream_error(true));
    }
}

/// The stored reply as the reference streams an assistant message: added
/// empty, one content part, its text in word-sized deltas, then done.
fn reply_events(reply: &Message) -> Vec<Event> {
    let item_id = super::ids::item_id(reply.id);
    let update = |update| Event::ItemUpdated {
        item_id: item_id.clone(),
        update,
    };
    let mut events = vec![
        Event::ItemAdded {
            item: Item::assistant_placeholder(reply),
        },
        update(ItemUpdate::PartAdded {
            content_index: 0,
            content: AssistantContent::text(""),
        }),
    ];
    events.extend(word_chunks(&reply.content).into_iter().map(|delta| {
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
        let events: Vec<serde_json::Value> = reply_events(&reply)
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

    #[test]
    fn every_tool_has_a_progress_line() {
        for tool in ToolName::ALL {
            assert!(progress_of(tool).1.ends_with('…'));
        }
    }
}
