//! A scripted OpenAI-compatible chat-completions server for tests.
//!
//! It listens on 127.0.0.1 (a free port), answers `POST /v1/chat/completions`
//! with the next [`Reply`] of its script and records every request, so a test
//! can check what the model was sent. Requests are validated the way the real
//! API does (roles, `tool` messages answering the `tool_calls` ids before
//! them), and an invalid one gets a 400 without using up a reply.
//!
//! A request with `"stream": true` gets the reply as server-sent chunks, like
//! the real API: text word by word, each after the configured per-token delay
//! ([`ScriptedOpenAi::set_token_delay`]), so a test can see deltas arrive
//! before the reply is complete.
//!
//! The server runs on its own thread and runtime, so it keeps answering while
//! the test blocks (e.g. waiting on a child process). Dropping it stops it.
//!
//! ```ignore
//! let model = ScriptedOpenAi::start(vec![
//!     Reply::tool_calls(vec![("add_task", json!({"title": "Buy milk"}))]),
//!     Reply::text("I've added 'Buy milk' to your list."),
//! ])
//! .await;
//! // point OPENAI_BASE_URL at model.base_url(), then:
//! assert_eq!(model.requests()[1].tool_messages().len(), 1);
//! ```
#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The model name this server reports in `/v1/models`.
pub const SCRIPTED_MODEL: &str = "scripted-model";

/// One canned answer of the script.
#[derive(Debug, Clone)]
pub struct Reply {
    kind: ReplyKind,
    delay: Duration,
}

#[derive(Debug, Clone)]
enum ReplyKind {
    Text(String),
    /// (function name, arguments exactly as sent, i.e. a JSON string).
    ToolCalls(Vec<(String, String)>),
    Status {
        status: u16,
        body: String,
    },
}

impl Reply {
    /// A plain assistant answer (`finish_reason: "stop"`).
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(ReplyKind::Text(text.into()))
    }

    /// Function calls with the given arguments (`finish_reason: "tool_calls"`).
    pub fn tool_calls<N: Into<String>>(calls: Vec<(N, Value)>) -> Self {
        Self::new(ReplyKind::ToolCalls(
            calls
                .into_iter()
                .map(|(name, arguments)| (name.into(), arguments.to_string()))
                .collect(),
        ))
    }

    /// A single function call.
    pub fn tool_call(name: impl Into<String>, arguments: Value) -> Self {
        Self::tool_calls(vec![(name.into(), arguments)])
    }

    /// Function calls whose `arguments` strings are sent verbatim (e.g. broken JSON).
    pub fn raw_tool_calls<N: Into<String>, A: Into<String>>(calls: Vec<(N, A)>) -> Self {
        Self::new(ReplyKind::ToolCalls(
            calls
                .into_iter()
                .map(|(name, arguments)| (name.into(), arguments.into()))
                .collect(),
        ))
    }

    /// An API error in OpenAI's shape: `{"error": {"message": ..., "type": ...}}`.
    pub fn error(status: u16, message: &str) -> Self {
        Self::status(status, error_body(status, message).to_string())
    }

    /// Any status with any body (not necessarily JSON).
    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Self::new(ReplyKind::Status {
            status,
            body: body.into(),
        })
    }

    /// Answer only after `delay` (the request is recorded at once).
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn new(kind: ReplyKind) -> Self {
        Self {
            kind,
            delay: Duration::ZERO,
        }
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub body: Value,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
}

impl RecordedRequest {
    pub fn messages(&self) -> &[Value] {
        self.body["messages"].as_array().map_or(&[], Vec::as_slice)
    }

    /// `(role, content)` of each message; content is "" when absent.
    pub fn roles_and_contents(&self) -> Vec<(String, String)> {
        self.messages()
            .iter()
            .map(|message| {
                (
                    message["role"].as_str().unwrap_or_default().to_string(),
                    message["content"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// The names of the function tools offered.
    pub fn tool_names(&self) -> Vec<String> {
        self.body["tools"]
            .as_array()
            .map(|tools| {
                tools
                    .iter()
                    .filter_map(|tool| tool["function"]["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `tool` messages (results fed back to the model), in order.
    pub fn tool_messages(&self) -> Vec<&Value> {
        self.messages()
            .iter()
            .filter(|message| message["role"] == "tool")
            .collect()
    }

    /// The content of each `tool` message parsed as JSON (Null if it is not JSON).
    pub fn tool_results(&self) -> Vec<Value> {
        self.tool_messages()
            .iter()
            .map(|message| {
                message["content"]
                    .as_str()
                    .and_then(|text| serde_json::from_str(text).ok())
                    .unwrap_or(Value::Null)
            })
            .collect()
    }

    pub fn last_message(&self) -> &Value {
        self.messages().last().unwrap_or(&Value::Null)
    }
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    requests: Vec<RecordedRequest>,
    answered: usize,
    /// Wait before each streamed token.
    token_delay: Duration,
    /// When the first text token of each streamed reply was sent.
    first_tokens: Vec<Instant>,
}

type Shared = Arc<Mutex<Script>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Script> {
    // A panicking test thread must not hide the recorded requests.
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct ScriptedOpenAi {
    addr: SocketAddr,
    shared: Shared,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedOpenAi {
    /// Starts a server that answers with `replies`, in order.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let shared: Shared = Arc::new(Mutex::new(Script {
            replies: replies.into(),
            ..Script::default()
        }));
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let app = Router::new()
            .route("/v1/chat/completions", post(chat_completions))
            .route("/v1/models", get(models))
            .with_state(shared.clone());
        let thread = std::thread::Builder::new()
            .name("scripted-openai".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime for the scripted OpenAI server");
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(listener) => listener,
                        Err(error) => {
                            let _ = ready_tx.send(Err(error.to_string()));
                            return;
                        }
                    };
                    let _ = ready_tx.send(listener.local_addr().map_err(|e| e.to_string()));
                    // Each streamed token leaves at once, as from a real model server
                    // (without this, Nagle's algorithm holds small writes back).
                    let listener = listener.tap_io(|tcp| {
                        let _ = tcp.set_nodelay(true);
                    });
                    // Not graceful: a reply still sleeping must not hold up the stop.
                    tokio::select! {
                        result = axum::serve(listener, app) => {
                            if let Err(error) = result {
                                eprintln!("scripted OpenAI server stopped: {error}");
                            }
                        }
                        _ = stop_rx => {}
                    }
                });
            })
            .expect("thread for the scripted OpenAI server");
        let addr = ready_rx
            .await
            .expect("scripted OpenAI server thread ended early")
            .unwrap_or_else(|error| panic!("scripted OpenAI server could not listen: {error}"));
        Self {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The base URL to configure a client with, e.g. `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, valid or not, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared).requests.clone()
    }

    /// Adds replies to the end of the script.
    pub fn push(&self, reply: Reply) {
        lock(&self.shared).replies.push_back(reply);
    }

    /// Replies not used yet.
    pub fn remaining(&self) -> usize {
        lock(&self.shared).replies.len()
    }

    /// How long a streamed reply waits before each token (default none).
    pub fn set_token_delay(&self, delay: Duration) {
        lock(&self.shared).token_delay = delay;
    }

    /// When the first text token of each streamed reply left the server, in order.
    pub fn first_tokens(&self) -> Vec<Instant> {
        lock(&self.shared).first_tokens.clone()
    }
}

impl Drop for ScriptedOpenAi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn models() -> Json<Value> {
    Json(json!({
        "object": "list",
        "data": [{"id": SCRIPTED_MODEL, "object": "model", "created": now(), "owned_by": "tests"}]
    }))
}

async fn chat_completions(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(error) => {
            lock(&shared).requests.push(RecordedRequest {
                body: Value::String(String::from_utf8_lossy(&body).into_owned()),
                authorization,
            });
            return api_error(400, &format!("the body is not valid JSON: {error}"));
        }
    };
    let validity = validate(&body);
    let (reply, number, token_delay) = {
        let mut script = lock(&shared);
        script.requests.push(RecordedRequest {
            body: body.clone(),
            authorization,
        });
        if let Err(problem) = validity {
            return api_error(400, &problem);
        }
        script.answered += 1;
        (
            script.replies.pop_front(),
            script.answered,
            script.token_delay,
        )
    };
    let Some(reply) = reply else {
        return api_error(
            500,
            &format!("the test script has no reply left for request {number}"),
        );
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let model = body["model"].as_str().unwrap_or(SCRIPTED_MODEL);
    if body["stream"] == true && !matches!(reply.kind, ReplyKind::Status { .. }) {
        return streamed(number, model, reply.kind, token_delay, shared.clone());
    }
    match reply.kind {
        ReplyKind::Text(text) => completion(
            number,
            model,
            json!({"role": "assistant", "content": text, "refusal": null}),
            "stop",
        ),
        ReplyKind::ToolCalls(calls) => {
            let tool_calls: Vec<Value> = calls
                .into_iter()
                .enumerate()
                .map(|(index, (name, arguments))| {
                    json!({
                        "id": format!("call_{number}_{index}"),
                        "type": "function",
                        "function": {"name": name, "arguments": arguments}
                    })
                })
                .collect();
            completion(
                number,
                model,
                json!({"role": "assistant", "content": null, "refusal": null, "tool_calls": tool_calls}),
                "tool_calls",
            )
        }
        ReplyKind::Status { status, body } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
    }
}

/// The reply as server-sent `chat.completion.chunk`s, then `[DONE]`.
fn streamed(
    number: usize,
    model: &str,
    kind: ReplyKind,
    token_delay: Duration,
    shared: Shared,
) -> Response {
    let chunk = |delta: Value, finish: Option<&str>| {
        let chunk = json!({
            "id": format!("chatcmpl-scripted-{number}"),
            "object": "chat.completion.chunk",
            "created": now(),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]
        });
        format!("data: {chunk}\n\n")
    };
    // (event, is a text token)
    let mut events = vec![(
        chunk(json!({"role": "assistant", "content": ""}), None),
        false,
    )];
    let finish = match kind {
        ReplyKind::Text(text) => {
            for token in text.split_inclusive(' ') {
                events.push((chunk(json!({"content": token}), None), true));
            }
            "stop"
        }
        ReplyKind::ToolCalls(calls) => {
            for (index, (name, arguments)) in calls.into_iter().enumerate() {
                events.push((
                    chunk(
                        json!({"tool_calls": [{"index": index, "id": format!("call_{number}_{index}"),
                            "type": "function", "function": {"name": name, "arguments": ""}}]}),
                        None,
                    ),
                    false,
                ));
                // Arguments arrive in pieces, as they do from real servers.
                let cut = arguments
                    .char_indices()
                    .nth(arguments.chars().count() / 2)
                    .map_or(arguments.len(), |(at, _)| at);
                for piece in [&arguments[..cut], &arguments[cut..]] {
                    events.push((
                        chunk(
                            json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
                            None,
                        ),
                        false,
                    ));
                }
            }
            "tool_calls"
        }
        ReplyKind::Status { .. } => unreachable!("statuses are not streamed"),
    };
    events.push((chunk(json!({}), Some(finish)), false));
    events.push(("data: [DONE]\n\n".to_string(), false));
    let stream = futures_util::stream::unfold(
        (events.into_iter(), false),
        move |(mut events, mut first_sent)| {
            let shared = shared.clone();
            async move {
                let (event, token) = events.next()?;
                if token {
                    if !token_delay.is_zero() {
                        tokio::time::sleep(token_delay).await;
                    }
                    if !first_sent {
                        first_sent = true;
                        lock(&shared).first_tokens.push(Instant::now());
                    }
                }
                Some((
                    Ok::<_, Infallible>(Bytes::from(event)),
                    (events, first_sent),
                ))
            }
        },
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream))
        .expect("a streamed response")
}

fn completion(number: usize, model: &str, message: Value, finish_reason: &str) -> Response {
    Json(json!({
        "id": format!("chatcmpl-scripted-{number}"),
        "object": "chat.completion",
        "created": now(),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    }))
    .into_response()
}

fn api_error(status: u16, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(error_body(status, message)),
    )
        .into_response()
}

fn error_body(status: u16, message: &str) -> Value {
    let kind = if status >= 500 {
        "server_error"
    } else {
        "invalid_request_error"
    };
    json!({"error": {"message": message, "type": kind, "param": null, "code": null}})
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The checks the real API makes that a client can get wrong.
fn validate(body: &Value) -> Result<(), String> {
    if !body["stream"].is_null() && !body["stream"].is_boolean() {
        return Err("'stream' must be a boolean".into());
    }
    if body["model"].as_str().is_none_or(str::is_empty) {
        return Err("'model' is required".into());
    }
    let messages = body["messages"]
        .as_array()
        .filter(|messages| !messages.is_empty())
        .ok_or("'messages' must be a non-empty array")?;
    // Ids of tool calls not answered yet by a `tool` message.
    let mut unanswered: Vec<String> = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        let role = message["role"]
            .as_str()
            .ok_or(format!("messages[{index}].role is required"))?;
        if role == "tool" {
            let id = message["tool_call_id"]
                .as_str()
                .ok_or(format!("messages[{index}].tool_call_id is required"))?;
            if !message["content"].is_string() {
                return Err(format!("messages[{index}].content must be a string"));
            }
            let position = unanswered.iter().position(|open| open == id).ok_or(format!(
                "messages[{index}]: a 'tool' message must answer a 'tool_calls' id of the assistant message before it"
            ))?;
            unanswered.remove(position);
            continue;
        }
        if !unanswered.is_empty() {
            return Err(format!(
                "messages[{index}]: an assistant message with 'tool_calls' must be followed by tool messages for each id; missing {unanswered:?}"
            ));
        }
        match role {
            "system" | "developer" | "user" => {
                if !message["content"].is_string() && !message["content"].is_array() {
                    return Err(format!("messages[{index}].content is required"));
                }
            }
            "assistant" => {
                let calls = message["tool_calls"].as_array();
                if calls.is_none() && !message["content"].is_string() {
                    return Err(format!(
                        "messages[{index}]: an assistant message needs content or tool_calls"
                    ));
                }
                for call in calls.into_iter().flatten() {
                    let well_formed = call["type"] == "function"
                        && call["function"]["name"].is_string()
                        && call["function"]["arguments"].is_string();
                    let id = call["id"].as_str().filter(|_| well_formed).ok_or(format!(
                        "messages[{index}].tool_calls: each needs an id, type \"function\" and a function with a name and string arguments"
                    ))?;
                    unanswered.push(id.to_string());
                }
            }
            other => return Err(format!("messages[{index}]: unknown role '{other}'")),
        }
    }
    if !unanswered.is_empty() {
        return Err(format!("tool calls {unanswered:?} have no tool message"));
    }
    for (index, tool) in body["tools"].as_array().into_iter().flatten().enumerate() {
        let well_formed = tool["type"] == "function"
            && tool["function"]["name"].is_string()
            && tool["function"]["parameters"].is_object();
        if !well_formed {
            return Err(format!(
                "tools[{index}] must be a function with a name and object parameters"
            ));
        }
    }
    Ok(())
}
