//! Time to the first streamed delta through ChatKit: virtual users send
//! "add …" turns as ChatKit requests and read the server-sent events; for
//! each turn, the time from the bench model sending the reply's first token
//! to the client receiving the first `text_delta` event.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::chat::ChatTarget;
use crate::model::BenchModel;
use crate::tokens;

pub struct DeltaResult {
    pub lags: Vec<Duration>,
    pub errors: usize,
    pub samples: Vec<String>,
}

pub async fn run(
    target: Arc<ChatTarget>,
    model: Arc<BenchModel>,
    users: usize,
    turns: usize,
) -> DeltaResult {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    let claimed = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for n in 0..users {
        let (client, target, model, claimed) = (
            client.clone(),
            target.clone(),
            model.clone(),
            claimed.clone(),
        );
        handles.push(tokio::spawn(async move {
            let user = format!("bench-live-u{n}");
            let token = tokens::hs256(&target.secret, &user, &target.audience);
            let url = format!("{}/api/{user}/chat", target.base_url);
            let mut thread: Option<String> = None;
            let mut out = (Vec::new(), Vec::new());
            let mut k = 0;
            while claimed.fetch_add(1, Ordering::Relaxed) < turns {
                k += 1;
                let message = format!("add buy milk {user} {k}");
                match turn(&client, &url, &token, &mut thread, &message).await {
                    Ok(first_delta) => match model.first_token(&message) {
                        Some(first_token) => out
                            .0
                            .push(first_delta.saturating_duration_since(first_token)),
                        None => out.1.push(format!("{message:?}: the model sent no token")),
                    },
                    Err(e) => out.1.push(e),
                }
            }
            out
        }));
    }
    let mut result = DeltaResult {
        lags: Vec::new(),
        errors: 0,
        samples: Vec::new(),
    };
    for handle in handles {
        let (lags, errors) = handle.await.unwrap_or_default();
        result.lags.extend(lags);
        result.errors += errors.len();
        result.samples.extend(errors.into_iter().take(2));
    }
    result
}

/// One ChatKit turn; returns when its first `text_delta` arrived.
async fn turn(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    thread: &mut Option<String>,
    message: &str,
) -> Result<Instant, String> {
    let input = json!({"content": [{"type": "input_text", "text": message}],
                       "attachments": [], "inference_options": {}});
    let body = match thread {
        None => json!({"type": "threads.create", "params": {"input": input}}),
        Some(id) => json!({"type": "threads.add_user_message",
                           "params": {"thread_id": id, "input": input}}),
    };
    let response = client
        .post(url)
        .bearer_auth(token)
        .header("Accept", "text/event-stream")
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{message:?}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{message:?}: HTTP {}", response.status()));
    }
    let mut stream = response.bytes_stream();
    let mut buffer = Vec::new();
    let mut first_delta = None;
    let mut done = false;
    while let Some(bytes) = stream.next().await {
        let bytes = bytes.map_err(|e| format!("{message:?}: {e}"))?;
        let now = Instant::now();
        buffer.extend_from_slice(&bytes);
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let frame: Vec<u8> = buffer.drain(..end + 2).collect();
            let data = frame.strip_prefix(b"data: ").unwrap_or(&frame);
            let event: Value = serde_json::from_slice(data)
                .map_err(|e| format!("{message:?}: an event that is not JSON: {e}"))?;
            match event["type"].as_str() {
                Some("thread.created") => {
                    *thread = event["thread"]["id"].as_str().map(str::to_string);
                }
                Some("thread.item.updated")
                    if event["update"]["type"] == "assistant_message.content_part.text_delta" =>
                {
                    first_delta.get_or_insert(now);
                }
                Some("thread.item.done") if event["item"]["type"] == "assistant_message" => {
                    done = true;
                }
                Some("error") => return Err(format!("{message:?}: {event}")),
                _ => {}
            }
        }
    }
    match (first_delta, done) {
        (Some(at), true) => Ok(at),
        _ => Err(format!(
            "{message:?}: the stream ended without a whole reply"
        )),
    }
}
