//! Per-user limits against the real backend and sidecar: each refusal is a clear
//! answer, and what was stored before stays as it was.

use std::time::Duration;

use serde_json::{Value, json};
use todo_core::db::{conversations, tasks};
use todo_core::testing::db::TestDb;

use crate::support::app::TestApp;
use crate::support::scripted_openai::{Reply, ScriptedOpenAi};

async fn app_with(db: TestDb, env: &[(&str, &str)]) -> TestApp {
    TestApp::spawn_with(db, env).await
}

/// The backend with the OpenAI agent asking `model`.
async fn app_with_model(db: TestDb, model: &ScriptedOpenAi) -> TestApp {
    let base_url = model.base_url();
    app_with(
        db,
        &[("LLM_PROVIDER", "openai"), ("OPENAI_BASE_URL", &base_url)],
    )
    .await
}

fn error_of(body: &Value) -> (&str, &str) {
    (
        body["error"]["code"].as_str().unwrap_or_default(),
        body["error"]["message"].as_str().unwrap_or_default(),
    )
}

/// Turns beyond the rate get 429 with `Retry-After`; other users don't notice.
async fn turns_per_minute(db: TestDb) {
    let app = app_with(db, &[("TURNS_PER_MINUTE", "3")]).await;
    for i in 0..3 {
        app.say("ann", None, &format!("add task number {i}")).await;
    }
    let response = app
        .client
        .post(format!("{}/api/ann/chat", app.base))
        .bearer_auth(app.token("ann"))
        .json(&json!({"message": "add one too many"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "Retry-After {wait}");
    let body: Value = response.json().await.unwrap();
    let (code, message) = error_of(&body);
    assert_eq!(code, "rate_limited", "{body}");
    assert!(message.contains("faster than"), "{body}");
    assert!(body["error"]["request_id"].as_str().is_some(), "{body}");
    // Refused before anything was stored.
    assert_eq!(tasks::count(&app.db.db, "ann").await.unwrap().0, 3);
    app.say("bob", None, "add a task for bob").await;
}

/// A second turn while the first is still running is refused at once.
async fn concurrent_turns(db: TestDb) {
    let model = ScriptedOpenAi::start(vec![
        Reply::text("Hello there!").after(Duration::from_millis(1500)),
        Reply::text("Hi again."),
    ])
    .await;
    let base_url = model.base_url();
    let app = app_with(
        db,
        &[
            ("CONCURRENT_TURNS_PER_USER", "1"),
            ("LLM_PROVIDER", "openai"),
            ("OPENAI_BASE_URL", &base_url),
            ("OPENAI_STREAM", "false"),
        ],
    )
    .await;
    let slow = app.chat("ann", json!({"message": "hello"}));
    let second = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        app.chat("ann", json!({"message": "hello again"})).await
    };
    let ((first_status, first), (second_status, refused)) = tokio::join!(slow, second);
    assert_eq!(first_status, 200, "{first}");
    assert_eq!(second_status, 429, "{refused}");
    assert_eq!(error_of(&refused).0, "rate_limited");
    assert!(error_of(&refused).1.contains("still being answered"));
    // The slot is free again once the first turn is over.
    assert_eq!(app.chat("ann", json!({"message": "hi"})).await.0, 200);
}

/// The tool server refuses a task beyond the quota; the agent says so.
async fn tasks_per_user(db: TestDb) {
    let app = app_with(db, &[("MAX_TASKS_PER_USER", "3")]).await;
    let first = app.say("ann", None, "add water the plants").await;
    let conversation = first["conversation_id"].as_i64();
    for title in ["feed the cat", "call mom"] {
        app.say("ann", conversation, &format!("add {title}")).await;
    }
    let refused = app.say("ann", conversation, "add buy milk").await;
    let call = &refused["tool_calls"][0];
    assert_eq!(call["name"], "add_task");
    assert_eq!(call["is_error"], true, "{refused}");
    let reply = refused["response"].as_str().unwrap();
    assert!(reply.contains("3 tasks"), "{reply}");
    assert_eq!(tasks::count(&app.db.db, "ann").await.unwrap().0, 3);
    // After a deletion there is room again.
    app.say("ann", conversation, "delete call mom").await;
    let added = app.say("ann", conversation, "add buy milk").await;
    assert_eq!(added["tool_calls"][0]["is_error"], false, "{added}");
}

/// Conversations per user and messages per conversation.
async fn conversations_and_messages(db: TestDb) {
    let app = app_with(
        db,
        &[
            ("MAX_CONVERSATIONS_PER_USER", "2"),
            ("MAX_MESSAGES_PER_CONVERSATION", "4"),
        ],
    )
    .await;
    let first = app.say("ann", None, "hello").await;
    let id = first["conversation_id"].as_i64().unwrap();
    app.say("ann", Some(id), "add buy milk").await;
    let (status, body) = app
        .chat("ann", json!({"message": "add more", "conversation_id": id}))
        .await;
    assert_eq!(status, 403, "{body}");
    let (code, message) = error_of(&body);
    assert_eq!(code, "quota_exceeded");
    assert!(message.contains("4 messages"), "{message}");
    let stored = conversations::history(&app.db.db, "ann", id, 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 4, "nothing of the refused turn is stored");

    app.say("ann", None, "hello again").await;
    let (status, body) = app.chat("ann", json!({"message": "a third one"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(error_of(&body).1.contains("2 conversations"), "{body}");
    let (all, _) = conversations::list(&app.db.db, "ann", 10, todo_core::db::SortOrder::Asc, None)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    // A missing conversation is still a 404, not a quota.
    let (status, _) = app
        .chat(
            "ann",
            json!({"message": "hi", "conversation_id": id + 1000}),
        )
        .await;
    assert_eq!(status, 404);
}

/// A long list shows its first tasks and says how many more; the stored
/// result keeps only those.
async fn long_lists(db: TestDb) {
    let app = app_with(db, &[("LIST_MAX_TASKS", "3")]).await;
    for i in 1..=5 {
        tasks::add(&app.db.db, "ann", &format!("Chore {i}"), None)
            .await
            .unwrap();
    }
    let listed = app.say("ann", None, "show my tasks").await;
    let reply = listed["response"].as_str().unwrap();
    assert!(
        reply.contains("Chore 3") && !reply.contains("Chore 4"),
        "{reply}"
    );
    assert!(reply.contains("2 more"), "{reply}");
    let id = listed["conversation_id"].as_i64().unwrap();
    let stored = conversations::history(&app.db.db, "ann", id, 10)
        .await
        .unwrap();
    let kept = stored[1].tool_calls[0].result().unwrap().tasks().len();
    assert_eq!(kept, 3, "the stored list result is capped");
    // "The second one" still resolves from the stored records.
    let done = app.say("ann", Some(id), "complete the second one").await;
    assert_eq!(
        done["tool_calls"][0]["result"]["title"], "Chore 2",
        "{done}"
    );
}

/// The model may delete one task per turn; more waits for a "yes", which
/// deletes exactly the tasks it named.
async fn model_bulk_delete_asks_first(db: TestDb) {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_calls(vec![
            ("delete_task", json!({"task_id": 1})),
            ("delete_task", json!({"task_id": 2})),
            ("delete_task", json!({"task_id": 3})),
        ]),
        Reply::text("I deleted all three tasks."),
    ])
    .await;
    let app = app_with_model(db, &model).await;
    for title in ["Alpha", "Beta", "Gamma", "Delta"] {
        tasks::add(&app.db.db, "ann", title, None).await.unwrap();
    }
    let asked = app.say("ann", None, "get rid of the first three").await;
    let reply = asked["response"].as_str().unwrap();
    assert!(reply.contains("Shall I go ahead"), "{reply}");
    assert!(reply.contains("Beta") && reply.contains("Gamma"), "{reply}");
    assert!(!reply.contains("deleted all three"), "{reply}");
    let left = tasks::count(&app.db.db, "ann").await.unwrap().0;
    assert_eq!(left, 3, "one deleted, two waiting for a yes");

    let id = asked["conversation_id"].as_i64();
    let yes = app.say("ann", id, "yes").await;
    let deleted: Vec<i64> = yes["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "delete_task" && c["is_error"] == false)
        .map(|c| c["result"]["task_id"].as_i64().unwrap())
        .collect();
    assert_eq!(deleted, vec![2, 3], "{yes}");
    let remaining = tasks::list(&app.db.db, "ann", todo_core::db::StatusFilter::All)
        .await
        .unwrap();
    let titles: Vec<&str> = remaining.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Delta"]);
    assert_eq!(model.remaining(), 0, "the yes needed no model round");

    // "delete everything" asks first too, whoever runs the agent.
    tasks::add(&app.db.db, "ann", "Epsilon", None)
        .await
        .unwrap();
    let everything = app.say("ann", id, "delete everything").await;
    let calls = everything["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1, "only a list: {everything}");
    assert!(
        everything["response"]
            .as_str()
            .unwrap()
            .contains("Shall I go ahead")
    );
    assert_eq!(tasks::count(&app.db.db, "ann").await.unwrap().0, 2);
}

/// "The second one" after a listing is the second task listed, not task 2:
/// the offline agent resolves it from the stored listing, without asking
/// the model (small models take the position for an id).
async fn a_position_in_the_last_list_is_resolved_without_the_model(db: TestDb) {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("list_tasks", json!({"status": "pending"})),
        Reply::text("Here are your pending tasks."),
        // What a small model did with "complete the second one".
        Reply::tool_call("complete_task", json!({"task_id": 2})),
        Reply::text("Done."),
    ])
    .await;
    let app = app_with_model(db, &model).await;
    // Someone else's tasks first, so positions and ids differ.
    for title in ["Other 1", "Other 2", "Other 3"] {
        tasks::add(&app.db.db, "someone", title, None)
            .await
            .unwrap();
    }
    for title in ["Call the dentist", "Water the plants", "Book a flight"] {
        tasks::add(&app.db.db, "pia", title, None).await.unwrap();
    }
    let listed = app.say("pia", None, "What's pending?").await;
    let id = listed["conversation_id"].as_i64();
    let done = app.say("pia", id, "Complete the second one").await;
    assert_eq!(done["tool_calls"][0]["name"], "complete_task", "{done}");
    assert_eq!(
        done["tool_calls"][0]["result"]["title"], "Water the plants",
        "{done}"
    );
    assert_eq!(model.remaining(), 2, "no model round for the position");
    let completed = tasks::list(&app.db.db, "pia", todo_core::db::StatusFilter::Completed)
        .await
        .unwrap();
    let titles: Vec<&str> = completed.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Water the plants"]);
    let others = tasks::list(
        &app.db.db,
        "someone",
        todo_core::db::StatusFilter::Completed,
    )
    .await
    .unwrap();
    assert!(others.is_empty());
}

todo_core::db_test!(
    a_position_in_the_last_list_is_resolved_without_the_model,
    turns_per_minute,
    concurrent_turns,
    tasks_per_user,
    conversations_and_messages,
    long_lists,
    model_bulk_delete_asks_first
);
