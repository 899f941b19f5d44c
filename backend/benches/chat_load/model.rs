//! A scripted OpenAI-compatible chat-completions server inside the bench, so
//! the OpenAI agent can be measured without a model's own latency: the first
//! round of a turn asks for `add_task` with the title from "add <title>",
//! the round after the tool result answers with a short confirmation. With
//! `stream: true` (the agent's default) the reply is sent as server-sent
//! chunks, word by word after an optional per-token delay, and the moment the
//! first word leaves is kept per user message for the first-delta figure.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::oneshot;

struct Shared {
    token_delay: Duration,
    /// When the first reply token for each user message left, by its text.
    first_tokens: Mutex<HashMap<String, Instant>>,
}

pub struct BenchModel {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BenchModel {
    /// Listens on a free loopback port, on its own thread and runtime.
    pub async fn start(token_delay: Duration) -> anyhow::Result<Self> {
        let shared = Arc::new(Shared {
            token_delay,
            first_tokens: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(shared.clone());
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bench-model".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime for the bench model");
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(listener) => listener,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(listener.local_addr());
                    // Each token leaves at once, as from a real model server.
                    let listener = listener.tap_io(|tcp| {
                        let _ = tcp.set_nodelay(true);
                    });
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stop_rx => {}
                    }
                });
            })?;
        let addr = ready_rx
            .await
            .context("the bench model thread ended early")??;
        Ok(Self {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// When the first reply token for `message` was sent (taken out).
    pub fn first_token(&self, message: &str) -> Option<Instant> {
        lock(&self.shared).remove(message)
    }
}

impl Drop for BenchModel {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
    shared
        .first_tokens
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn completions(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (axum::http::StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    // This turn: from the last user message on (past turns are replayed
    // before it, with their own tool results).
    let turn_start = messages
        .iter()
        .rposition(|m| m["role"] == "user")
        .unwrap_or(0);
    let said = messages
        .get(turn_start)
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string();
    let title = said.strip_prefix("add ").unwrap_or(&said).to_string();
    let answered = messages[turn_start..].iter().any(|m| m["role"] == "tool");
    let message = if answered {
        json!({"role": "assistant", "content": format!("I've added '{title}' to your list. Anything else for today?")})
    } else {
        json!({"role": "assistant", "content": null, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "add_task", "arguments": json!({"title": title}).to_string()}
        }]})
    };
    let finish = if answered { "stop" } else { "tool_calls" };
    if request["stream"] != true {
        return Json(json!({
            "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": "bench",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        }))
        .into_response();
    }
    let chunk = |delta: Value, finish: Option<&str>| {
        let chunk = json!({
            "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
            "model": "bench",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
        });
        format!("data: {chunk}\n\n")
    };
    // (frame, is a text token)
    let mut frames = vec![(
        chunk(json!({"role": "assistant", "content": ""}), None),
        false,
    )];
    match message["content"].as_str() {
        Some(text) => frames.extend(
            text.split_inclusive(' ')
                .map(|token| (chunk(json!({"content": token}), None), true)),
        ),
        None => {
            let mut call = message["tool_calls"][0].clone();
            call["index"] = json!(0);
            frames.push((chunk(json!({"tool_calls": [call]}), None), false));
        }
    }
    frames.push((chunk(json!({}), Some(finish)), false));
    frames.push(("data: [DONE]\n\n".to_string(), false));
    let stream = futures_util::stream::unfold(
        (frames.into_iter(), false),
        move |(mut frames, mut first_sent)| {
            let shared = shared.clone();
            let said = said.clone();
            async move {
                let (frame, token) = frames.next()?;
                if token {
                    if !shared.token_delay.is_zero() {
                        tokio::time::sleep(shared.token_delay).await;
                    }
                    if !first_sent {
                        first_sent = true;
                        lock(&shared).insert(said, Instant::now());
                    }
                }
                Some((
                    Ok::<_, Infallible>(Bytes::from(frame)),
                    (frames, first_sent),
                ))
            }
        },
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(stream))
        .expect("a streamed response")
}
