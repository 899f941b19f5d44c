//! Load on the chat endpoint: virtual users, each with its own token and
//! conversation, cycling through add → pending → complete → show (the
//! offline agent), or adding a task every turn (the scripted model, which
//! only knows `add_task`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::tokens;

/// What one concurrency level measured.
pub struct LevelResult {
    pub latencies: Vec<Duration>,
    pub errors: usize,
    pub elapsed: Duration,
    /// The first few error descriptions, to show why.
    pub samples: Vec<String>,
}

pub struct ChatTarget {
    pub base_url: String,
    pub secret: String,
    pub audience: String,
    pub workload: Workload,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// add → pending → complete → show.
    Cycle,
    /// "add buy milk N" every turn.
    Adds,
}

/// Runs `turns` turns in total across `users` concurrent virtual users.
pub async fn run_level(
    target: Arc<ChatTarget>,
    level: usize,
    users: usize,
    turns: usize,
) -> LevelResult {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(users)
        .build()
        .expect("HTTP client");
    let claimed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut handles = Vec::with_capacity(users);
    for n in 0..users {
        let user = format!("bench-c{level}-u{n}");
        let token = tokens::hs256(&target.secret, &user, &target.audience);
        let ctx = UserCtx {
            client: client.clone(),
            url: format!("{}/api/{user}/chat", target.base_url),
            token,
            conversation: None,
            last_task: None,
            added: 0,
            steps: match target.workload {
                Workload::Cycle => 4,
                Workload::Adds => 1,
            },
        };
        handles.push(tokio::spawn(ctx.run(claimed.clone(), turns)));
    }
    let mut result = LevelResult {
        latencies: Vec::with_capacity(turns),
        errors: 0,
        elapsed: Duration::ZERO,
        samples: Vec::new(),
    };
    for handle in handles {
        match handle.await {
            Ok(user) => {
                result.latencies.extend(user.latencies);
                result.errors += user.errors.len();
                for e in user.errors {
                    if result.samples.len() < 3 {
                        result.samples.push(e);
                    }
                }
            }
            Err(e) => {
                result.errors += 1;
                result.samples.push(format!("a virtual user panicked: {e}"));
            }
        }
    }
    result.elapsed = started.elapsed();
    result
}

struct UserCtx {
    client: reqwest::Client,
    url: String,
    token: String,
    conversation: Option<i64>,
    last_task: Option<i64>,
    added: usize,
    /// Steps of the cycle this workload uses.
    steps: usize,
}

#[derive(Default)]
struct UserResult {
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

impl UserCtx {
    async fn run(mut self, claimed: Arc<AtomicUsize>, turns: usize) -> UserResult {
        let mut out = UserResult::default();
        let mut step = 0usize;
        while claimed.fetch_add(1, Ordering::Relaxed) < turns {
            let started = Instant::now();
            let outcome = self.turn(step % self.steps).await;
            // Failed turns count as errors, not as latency samples.
            match outcome {
                Ok(()) => out.latencies.push(started.elapsed()),
                Err(e) => out.errors.push(e),
            }
            step += 1;
        }
        out
    }

    /// One turn of the cycle; `Err` describes what went wrong.
    async fn turn(&mut self, step: usize) -> Result<(), String> {
        let (message, expected_tool) = match step {
            0 => {
                self.added += 1;
                (format!("add buy milk {}", self.added), "add_task")
            }
            1 => ("what's pending?".to_string(), "list_tasks"),
            2 => match self.last_task.take() {
                Some(id) => (format!("mark task {id} as done"), "complete_task"),
                None => return Err("no task id from the previous add".into()),
            },
            _ => ("show my tasks".to_string(), "list_tasks"),
        };
        let mut body = json!({ "message": message });
        if let Some(id) = self.conversation {
            body["conversation_id"] = json!(id);
        }
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("{message:?}: {e}"))?;
        let status = response.status();
        let reply: Value = response
            .json()
            .await
            .map_err(|e| format!("{message:?}: HTTP {status}, body unreadable: {e}"))?;
        if !status.is_success() {
            return Err(format!("{message:?}: HTTP {status}: {reply}"));
        }
        self.conversation = reply["conversation_id"].as_i64().or(self.conversation);
        // The scripted model makes exactly one call; more means the turn
        // went another way (e.g. a corrective round and the offline fallback).
        let calls = reply["tool_calls"].as_array().map_or(0, Vec::len);
        if self.steps == 1 && calls != 1 {
            return Err(format!("{message:?}: {calls} tool calls in {reply}"));
        }
        let call = reply["tool_calls"]
            .as_array()
            .and_then(|calls| calls.iter().find(|c| c["name"] == expected_tool))
            .ok_or_else(|| format!("{message:?}: no {expected_tool} call in {reply}"))?;
        if call["is_error"] == true {
            return Err(format!(
                "{message:?}: {expected_tool} failed: {}",
                call["result"]
            ));
        }
        if step == 0 {
            self.last_task = call["result"]["task_id"].as_i64();
        }
        Ok(())
    }
}
