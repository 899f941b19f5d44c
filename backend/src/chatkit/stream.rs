//! The streaming operations. Everything that can be refused (bad params, a
//! thread that is not the caller's) is refused before the stream starts; the
//! user message is stored before it too. The agent then runs in a spawned
//! task that feeds a channel, so tool progress reaches the client while the
//! tools run; a failure from there on is an in-stream `error` event.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use todo_core::db::{Conversation, Message, Role, conversations};
use tokio::sync::mpsc::{self, UnboundedSender};

use super::ops;
use super::request::{AddUserMessageParams, CreateParams, CustomActionParams, RetryParams};
use super::wire::{AssistantContent, Event, Item, ItemUpdate, StreamOptions, Thread, word_chunks};
use crate::auth::AuthUser;
use crate::chat;
use crate::error::ApiError;
use crate::mcp::TurnEvent;
use crate::state::AppState;

/// What the agent answers, and what the client was already told.
struct Turn {
    conversation: Conversation,
    /// The user message being answered (already stored).
    message: Message,
    /// The conversation before that message, oldest first.
    history: Vec<Message>,
    /// Events that precede the agent's work.
    opening: Vec<Event>,
}

/// `threads.create`: a new conversation with its first message.
pub async fn create(
    state: Arc<AppState>,
    user: AuthUser,
    params: CreateParams,
) -> Result<HttpResponse, ApiError> {
    let text = chat::validate_message(&state, &params.input.text()?)?;
    // Titled once the first reply is in (then `thread.updated`), as the
    // reference's integrations do.
    let conversation = conversations::create(&state.db, &user.user_id, None).await?;
    let message = match store_user_message(&state, &user, conversation.id, &text).await {
        Ok(message) => message,
        Err(e) => {
            // Nothing half-stored: an empty conversation is no use to anyone.
            if let Err(undo) =
                conversations::delete(&state.db, &user.user_id, conversation.id).await
            {
                tracing::error!(error = %undo, "cannot remove a conversation left empty");
            }
            return Err(e);
        }
    };
    let opening = vec![
        Event::ThreadCreated {
            thread: Thread::bare(&conversation),
        },
        Event::ItemDone {
            item: Item::from_message(&message),
        },
    ];
    Ok(respond(
        state,
        user,
        Turn {
            conversation,
            message,
            history: Vec::new(),
            opening,
        },
    ))
}

/// `threads.add_user_message`: the contract's cycle on an existing thread.
pub async fn add_user_message(
    state: Arc<AppState>,
    user: AuthUser,
    params: AddUserMessageParams,
) -> Result<HttpResponse, ApiError> {
    let text = chat::validate_message(&state, &params.input.text()?)?;
    let conversation = ops::owned_thread(&state, &user, &params.thread_id).await?;
    let history = conversations::history(
        &state.db,
        &user.user_id,
        conversation.id,
        state.settings.history_limit,
    )
    .await?;
    let message = store_user_message(&state, &user, conversation.id, &text).await?;
    let opening = vec![Event::ItemDone {
        item: Item::from_message(&message),
    }];
    Ok(respond(
        state,
        user,
        Turn {
            conversation,
            message,
            history,
            opening,
        },
    ))
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
    conversations::delete_messages_after(&state.db, &user.user_id, conversation.id, message.id)
        .await?;
    let mut history = conversations::history(
        &state.db,
        &user.user_id,
        conversation.id,
        state.settings.history_limit + 1,
    )
    .await?;
    history.retain(|m| m.id < message.id);
    Ok(respond(
        state,
        user,
        Turn {
            conversation,
            message,
            history,
            opening: Vec::new(),
        },
    ))
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

async fn store_user_message(
    state: &AppState,
    user: &AuthUser,
    conversation_id: i64,
    text: &str,
) -> Result<Message, ApiError> {
    Ok(conversations::add_message(
        &state.db,
        &user.user_id,
        conversation_id,
        Role::User,
        text,
        None,
    )
    .await?)
}

fn respond(state: Arc<AppState>, user: AuthUser, turn: Turn) -> HttpResponse {
    let (tx, rx) = mpsc::unbounded_channel();
    for event in &turn.opening {
        let _ = tx.send(event.clone());
    }
    // The turn finishes (and is stored whole) even if the client goes away.
    actix_web::rt::spawn(crate::telemetry::in_request(async move {
        run(&state, &user, turn, &tx).await
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

async fn run(state: &AppState, user: &AuthUser, turn: Turn, tx: &UnboundedSender<Event>) {
    let send = |event: Event| {
        // A client that left does not stop the turn.
        let _ = tx.send(event);
    };
    // The turn runs to completion once started, so there is nothing to cancel.
    send(Event::StreamOptions {
        stream_options: StreamOptions {
            allow_cancel: false,
        },
    });

    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
    let forward = async {
        while let Some(TurnEvent::ToolStarted { name }) = progress_rx.recv().await {
            let (icon, text) = progress_of(&name);
            send(Event::Progress {
                icon: Some(icon),
                text,
            });
        }
    };
    let answering = chat::answer(
        state,
        user,
        &turn.history,
        &turn.message.content,
        Some(progress_tx),
    );
    let (answered, ()) = tokio::join!(answering, forward);
    let reply = match answered {
        Ok((reply, tool_calls)) => {
            chat::store_reply(state, user, turn.conversation.id, &reply, &tool_calls).await
        }
        Err(e) => Err(e),
    };
    let reply = match reply {
        Ok(reply) => reply,
        Err(e) => {
            // The user message stays: it was announced as done, and the
            // client's retry (`threads.retry_after_item`) answers it again.
            tracing::warn!(error = %e, conversation = turn.conversation.id, "ChatKit turn failed");
            send(Event::stream_error(true));
            return;
        }
    };
    for event in reply_events(&reply) {
        send(event);
    }
    if turn.conversation.title.is_none() {
        let title = chat::title_for(&turn.message.content);
        match conversations::rename(&state.db, &user.user_id, turn.conversation.id, Some(&title))
            .await
        {
            Ok(Some(conversation)) => send(Event::ThreadUpdated {
                thread: Thread::bare(&conversation),
            }),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot title a conversation"),
        }
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
fn progress_of(tool: &str) -> (&'static str, String) {
    match tool {
        "add_task" => ("plus", "Adding task…".into()),
        "list_tasks" => ("search", "Looking up tasks…".into()),
        "complete_task" => ("check-circle", "Completing task…".into()),
        "delete_task" => ("empty-circle", "Deleting task…".into()),
        "update_task" => ("write", "Updating task…".into()),
        other => ("bolt", format!("Running {other}…")),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    #[test]
    fn a_reply_streams_in_the_reference_order() {
        let reply = Message {
            id: 12,
            user_id: "u".into(),
            conversation_id: 3,
            role: Role::Assistant.as_str().into(),
            content: "Added \"buy milk\".".into(),
            tool_calls: None,
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
        for tool in [
            "add_task",
            "list_tasks",
            "complete_task",
            "delete_task",
            "update_task",
        ] {
            assert!(progress_of(tool).1.ends_with('…'));
        }
        assert_eq!(progress_of("other").1, "Running other…");
    }
}
