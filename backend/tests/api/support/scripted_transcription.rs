//! A scripted OpenAI-compatible transcription server for tests: it answers
//! `POST /v1/audio/transcriptions` (multipart: `file`, `model`, …) with the
//! next scripted answer and records what it received, parsed, so a test can
//! check the audio bytes, the model and the bearer token that arrived.
//! It runs on its own thread and runtime; dropping it stops it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tokio::sync::oneshot;

/// One canned answer: a status and a body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// `{"text": …}` with 200.
    pub fn text(text: &str) -> Self {
        Self {
            status: 200,
            body: serde_json::json!({ "text": text }).to_string(),
        }
    }

    pub fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.into(),
        }
    }
}

/// What one request carried.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub path_and_query: String,
    pub authorization: Option<String>,
    pub content_type: String,
    /// Form fields other than the file, in order.
    pub fields: Vec<(String, String)>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub file: Vec<u8>,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Script {
    answers: VecDeque<Answer>,
    received: Vec<Received>,
}

type Shared = Arc<Mutex<Script>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Script> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct ScriptedTranscription {
    addr: SocketAddr,
    shared: Shared,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedTranscription {
    pub async fn start(answers: Vec<Answer>) -> Self {
        let shared: Shared = Arc::new(Mutex::new(Script {
            answers: answers.into(),
            ..Script::default()
        }));
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let app = Router::new()
            .route("/v1/audio/transcriptions", post(transcribe))
            .with_state(shared.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for the scripted transcription server");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a free port");
                let _ = ready_tx.send(listener.local_addr().expect("its address"));
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stop_rx => {}
                }
            });
        });
        let addr = ready_rx.await.expect("the transcription server starts");
        Self {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The endpoint to configure, e.g. `http://127.0.0.1:PORT/v1/audio/transcriptions`.
    pub fn url(&self) -> String {
        format!("http://{}/v1/audio/transcriptions", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared).received.clone()
    }
}

impl Drop for ScriptedTranscription {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn transcribe(
    State(shared): State<Shared>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header_text(header::CONTENT_TYPE).unwrap_or_default();
    let mut received = Received {
        path_and_query: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        authorization: header_text(header::AUTHORIZATION),
        content_type: content_type.clone(),
        ..Received::default()
    };
    let Some(boundary) = content_type
        .split("boundary=")
        .nth(1)
        .map(|b| b.trim_matches('"').to_string())
    else {
        return (StatusCode::BAD_REQUEST, "not multipart").into_response();
    };
    if let Err(why) = parse_multipart(&body, &boundary, &mut received) {
        return (StatusCode::BAD_REQUEST, why).into_response();
    }
    let mut script = lock(&shared);
    script.received.push(received);
    let answer = script
        .answers
        .pop_front()
        .unwrap_or_else(|| Answer::status(500, "script exhausted"));
    (
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(header::CONTENT_TYPE, "application/json")],
        answer.body,
    )
        .into_response()
}

/// A strict reading of `multipart/form-data`, as a real server does it.
fn parse_multipart(body: &[u8], boundary: &str, out: &mut Received) -> Result<(), String> {
    let delimiter = format!("--{boundary}");
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut at = find(body, delimiter.as_bytes(), 0).ok_or("no first boundary")?;
    loop {
        at += delimiter.len();
        if body[at..].starts_with(b"--") {
            return Ok(());
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err("boundary not followed by CRLF".into());
        }
        at += 2;
        let head_end = find(body, b"\r\n\r\n", at).ok_or("part without headers")?;
        let head = String::from_utf8_lossy(&body[at..head_end]).to_string();
        let content_start = head_end + 4;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), content_start)
            .ok_or("part without a closing boundary")?;
        let content = &body[content_start..next];
        let name = attr(&head, "name").ok_or("part without a name")?;
        if let Some(file_name) = attr(&head, "filename") {
            out.file_name = Some(file_name);
            out.file_type = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Type: "))
                .map(str::to_string);
            out.file = content.to_vec();
        } else {
            out.fields
                .push((name, String::from_utf8_lossy(content).to_string()));
        }
        at = next + 2;
    }
}

fn attr(head: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = head.find(&key)? + key.len();
    let end = head[start..].find('"')? + start;
    Some(head[start..end].to_string())
}
