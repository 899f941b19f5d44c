//! ChatKit with a streaming model, end to end: the real backend and sidecar,
//! the scripted OpenAI-compatible server sending the reply token by token.
//! The reply's deltas reach the client while the model is still writing, under
//! the item id the reply is stored with; a draft the agent rejects is taken
//! back before the client sees its claim.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use todo_core::testing::db::TestDb;

use crate::support::app::TestApp;
use crate::support::scripted_openai::{self, Reply, ScriptedOpenAi};

const TOKEN_DELAY: Duration = Duration::from_millis(100);

async fn app_for(db: todo_core::testing::db::TestDb, model: &ScriptedOpenAi) -> TestApp {
    TestApp::spawn_with(
        db,
        &[
            ("LLM_PROVIDER", "openai"),
            ("OPENAI_BASE_URL", &model.base_url()),
            ("OPENAI_MODEL", scripted_openai::SCRIPTED_MODEL),
        ],
    )
    .await
}

/// One ChatKit request; every SSE event with the time it arrived.
async fn timed_events(app: &TestApp, user: &str, body: Value) -> Vec<(Instant, Value)> {
    let response = app
        .client
        .post(format!("{}/api/{user}/chat", app.base))
        .bearer_auth(app.token(user))
        .header("Accept", "text/event-stream")
        .json(&body)
        .send()
        .await
        .expect("the request is answered");
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    while let Some(bytes) = body.next().await {
        buffer.push_str(std::str::from_utf8(&bytes.unwrap()).unwrap());
        let now = Instant::now();
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let data = frame
                .trim_end()
                .strip_prefix("data: ")
                .expect("a data frame");
            events.push((now, serde_json::from_str(data).expect("a JSON event")));
        }
    }
    assert!(buffer.is_empty(), "a partial frame at the end: {buffer:?}");
    events
}

fn create(text: &str) -> Value {
    json!({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [], "inference_options": {}}}})
}

/// The event's type, or its update's type for `thread.item.updated`.
fn kind(event: &Value) -> &str {
    event["update"]["type"]
        .as_str()
        .unwrap_or_else(|| event["type"].as_str().unwrap())
}

fn deltas(events: &[(Instant, Value)]) -> Vec<(Instant, &str)> {
    events
        .iter()
        .filter(|(_, e)| kind(e) == "assistant_message.content_part.text_delta")
        .map(|(at, e)| (*at, e["update"]["delta"].as_str().unwrap()))
        .collect()
}

async fn json_op(app: &TestApp, user: &str, body: Value) -> Value {
    let response = app
        .client
        .post(format!("{}/api/{user}/chat", app.base))
        .bearer_auth(app.token(user))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn deltas_arrive_while_the_model_writes(db: TestDb) {
    let reply = "I've added 'Buy milk' to your list. Anything else for today?";
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("add_task", json!({"title": "Buy milk"})),
        Reply::text(reply),
    ])
    .await;
    model.set_token_delay(TOKEN_DELAY);
    let app = app_for(db, &model).await;

    let events = timed_events(&app, "alice", create("Add a task to buy milk")).await;

    let tokens = reply.split_inclusive(' ').count();
    let first_token = *model.first_tokens().last().expect("the reply was streamed");
    // The server sleeps before every token, so its last one left no earlier than this.
    let last_token_earliest = first_token + TOKEN_DELAY * (tokens as u32 - 1);
    let streamed = deltas(&events);
    assert!(streamed.len() > 3, "{streamed:?}");
    assert!(
        streamed[0].0 < last_token_earliest,
        "the first delta came {:?} after the first token, not before the model's last token ({:?})",
        streamed[0].0 - first_token,
        last_token_earliest - first_token
    );
    // Spread over the model's writing, not delivered in one burst at the end.
    assert!(streamed.last().unwrap().0 - streamed[0].0 >= TOKEN_DELAY * (tokens as u32 / 2));
    let text: String = streamed.iter().map(|(_, d)| *d).collect();
    assert_eq!(text, reply);

    // The reference order; the tool's progress comes before the reply.
    let mut kinds: Vec<&str> = events.iter().map(|(_, e)| kind(e)).collect();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "thread.created",
            "thread.item.done",
            "stream_options",
            "progress_update",
            "thread.item.added",
            "assistant_message.content_part.added",
            "assistant_message.content_part.text_delta",
            "assistant_message.content_part.done",
            "thread.item.done",
            "thread.updated"
        ]
    );
    // One id from the first announcement to the stored item.
    let added = &events
        .iter()
        .find(|(_, e)| kind(e) == "thread.item.added")
        .unwrap()
        .1;
    let item_id = added["item"]["id"].as_str().unwrap();
    assert_eq!(added["item"]["content"], json!([]));
    for (_, e) in events
        .iter()
        .filter(|(_, e)| e["type"] == "thread.item.updated")
    {
        assert_eq!(e["item_id"], item_id);
    }
    let done = &events[events.len() - 2].1["item"];
    assert_eq!(done["id"], item_id);
    assert_eq!(done["content"][0]["text"], reply);
    let thread_id = events[0].1["thread"]["id"].as_str().unwrap();
    let items = json_op(
        &app,
        "alice",
        json!({"type": "items.list", "params": {"thread_id": thread_id, "order": "asc"}}),
    )
    .await;
    assert_eq!(items["data"][1], *done);
    let user_item = events[1].1["item"]["id"].as_str().unwrap();
    assert_eq!(items["data"][0]["id"], user_item);
}

async fn a_rejected_draft_is_taken_back_before_its_claim(db: TestDb) {
    let corrected = "Hello! What would you like to do with your tasks?";
    let model = ScriptedOpenAi::start(vec![
        Reply::text("Sure! I've deleted task 3 for you."),
        Reply::text(corrected),
    ])
    .await;
    model.set_token_delay(Duration::from_millis(5));
    let app = app_for(db, &model).await;

    let events = timed_events(&app, "bob", create("Hello there")).await;

    let kinds: Vec<&str> = events.iter().map(|(_, e)| kind(e)).collect();
    let streamed: Vec<&str> = deltas(&events).into_iter().map(|(_, d)| d).collect();
    assert!(
        streamed.iter().all(|d| !d.contains("deleted")),
        "the unbacked claim reached the client: {streamed:?}"
    );
    // "Sure!" went out before the claim was known; it is taken back.
    assert_eq!(streamed.first(), Some(&"Sure!"), "{kinds:?}");
    let replaced = kinds
        .iter()
        .position(|k| *k == "thread.item.replaced")
        .unwrap();
    let replacement = &events[replaced].1["item"];
    assert_eq!(replacement["content"], json!([]));
    let after: String = deltas(&events[replaced..])
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert_eq!(after, corrected);
    let done = &events[events.len() - 2].1["item"];
    assert_eq!(done["id"], replacement["id"]);
    assert_eq!(done["content"][0]["text"], corrected);
    assert!(
        !kinds.contains(&"progress_update"),
        "no tool ran: {kinds:?}"
    );
}

async fn the_plain_endpoint_still_answers_one_body(db: TestDb) {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("add_task", json!({"title": "Buy milk"})),
        Reply::text("I've added 'Buy milk' to your list."),
    ])
    .await;
    let app = app_for(db, &model).await;
    let body = app.say("carol", None, "Add a task to buy milk").await;
    assert_eq!(body["response"], "I've added 'Buy milk' to your list.");
    assert_eq!(body["tool_calls"][0]["name"], "add_task");
    assert_eq!(model.requests()[0].body["stream"], true);
}

todo_core::db_test!(
    deltas_arrive_while_the_model_writes,
    a_rejected_draft_is_taken_back_before_its_claim,
    the_plain_endpoint_still_answers_one_body,
);
