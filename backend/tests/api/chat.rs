//! The chat endpoint end to end: real backend, real sidecar, real database.

use serde_json::{Value, json};
use todo_core::db::{Role, SortOrder, StatusFilter, conversations, tasks};
use todo_core::testing::db::TestDb;

use crate::support::app::TestApp;

fn calls(body: &Value) -> Vec<(String, Value)> {
    body["tool_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

async fn manages_tasks_in_plain_english(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let first = app.say("alice", None, "Add a task to buy groceries").await;
    let conversation = first["conversation_id"].as_i64().unwrap();
    let added = calls(&first);
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].0, "add_task");
    let call = &added[0].1;
    assert_eq!(call["arguments"]["title"], "Buy groceries");
    assert!(
        call["arguments"].get("user_id").is_none(),
        "user_id is the backend's, not shown"
    );
    assert_eq!(call["result"]["status"], "created");
    assert_eq!(call["is_error"], false);
    let id = call["result"]["task_id"].as_i64().unwrap();
    assert!(
        first["response"]
            .as_str()
            .unwrap()
            .contains("Buy groceries")
    );

    let listed = app
        .say("alice", Some(conversation), "show me all my tasks")
        .await;
    assert_eq!(listed["conversation_id"].as_i64(), Some(conversation));
    assert_eq!(calls(&listed)[0].0, "list_tasks");
    assert!(
        listed["response"]
            .as_str()
            .unwrap()
            .contains("Buy groceries")
    );

    let done = app
        .say(
            "alice",
            Some(conversation),
            &format!("mark task {id} as complete"),
        )
        .await;
    assert_eq!(calls(&done)[0].1["result"]["status"], "completed");

    let renamed = app
        .say(
            "alice",
            Some(conversation),
            &format!("rename task {id} to 'Buy groceries and fruits'"),
        )
        .await;
    assert_eq!(
        calls(&renamed)[0].1["result"]["title"],
        "Buy groceries and fruits"
    );

    let deleted = app
        .say("alice", Some(conversation), &format!("delete task {id}"))
        .await;
    assert_eq!(calls(&deleted)[0].1["result"]["status"], "deleted");
    assert!(
        tasks::list(&app.db.db, "alice", StatusFilter::All)
            .await
            .unwrap()
            .is_empty()
    );

    let missing = app
        .say("alice", Some(conversation), &format!("complete task {id}"))
        .await;
    assert_eq!(calls(&missing)[0].1["is_error"], true);
    assert!(missing["response"].as_str().unwrap().contains("not"));

    // Every turn stored both messages, with the tool calls on the assistant's.
    let history = conversations::history(&app.db.db, "alice", conversation, 100)
        .await
        .unwrap();
    assert_eq!(history.len(), 12);
    assert!(history.iter().step_by(2).all(|m| m.role == Role::User));
    let stored: Value = serde_json::to_value(&history[1].tool_calls).unwrap();
    assert_eq!(stored[0]["name"], "add_task");
}

async fn rejects_bad_requests_and_stores_nothing(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let token = app.token("alice");
    let url = format!("{}/api/alice/chat", app.base);
    let raw = |body: &'static str| {
        app.client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
    };
    for (body, status) in [
        ("{not json", 400),
        ("", 400),
        ("[]", 400),
        ("{}", 400),
        (r#"{"message": 5}"#, 400),
        (r#"{"message": ""}"#, 400),
        (r#"{"message": "   "}"#, 400),
        (r#"{"message": "hi", "conversation_id": "x"}"#, 400),
        (r#"{"message": "hi", "extra": 1}"#, 400),
    ] {
        let response = raw(body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "body {body:?}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"]["message"].as_str().unwrap().len() > 3,
            "{error}"
        );
    }
    let (status, body) = app
        .chat("alice", json!({"message": "a".repeat(5000)}))
        .await;
    assert_eq!(status, 413, "{body}");
    let huge = "x".repeat(300 * 1024);
    let response = app
        .client
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({ "message": huge }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let (status, _) = app
        .chat("alice", json!({"message": "hi", "conversation_id": 424242}))
        .await;
    assert_eq!(status, 404);

    let (page, _) = conversations::list(&app.db.db, "alice", 10, SortOrder::Desc, None)
        .await
        .unwrap();
    assert!(
        page.is_empty(),
        "nothing may be stored by rejected requests"
    );
}

async fn conversations_belong_to_their_user(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let alice = app.say("alice", None, "add call mom").await;
    let conversation = alice["conversation_id"].as_i64().unwrap();
    let (status, body) = app
        .chat(
            "bob",
            json!({"message": "show my tasks", "conversation_id": conversation}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        conversations::history(&app.db.db, "alice", conversation, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    let bob = app.say("bob", None, "show my tasks").await;
    assert!(!bob["response"].as_str().unwrap().contains("Call mom"));
}

/// "delete everything" asks first; only a yes to that question deletes, and
/// exactly the tasks it named (a task added in between stays).
async fn bulk_deletion_asks_first(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let first = app.say("alice", None, "add buy milk").await;
    let conversation = Some(first["conversation_id"].as_i64().unwrap());
    app.say("alice", conversation, "add call mom").await;
    app.say("alice", conversation, "add water plants").await;

    let asked = app.say("alice", conversation, "delete everything").await;
    let names: Vec<String> = calls(&asked).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["list_tasks"], "nothing deleted before the yes");
    assert!(asked["response"].as_str().unwrap().contains('?'));
    assert_eq!(tasks::count(&app.db.db, "alice").await.unwrap(), (3, 0));

    let declined = app.say("alice", conversation, "no").await;
    assert!(calls(&declined).is_empty());
    assert_eq!(tasks::count(&app.db.db, "alice").await.unwrap(), (3, 0));
    let stale = app.say("alice", conversation, "yes").await;
    assert!(calls(&stale).is_empty(), "a yes to nothing changes nothing");

    app.say("alice", conversation, "delete everything").await;
    app.say("alice", conversation, "add something new").await;
    let yes = app.say("alice", conversation, "yes").await;
    assert!(calls(&yes).is_empty(), "the question is no longer open");
    app.say("alice", conversation, "delete all my tasks").await;
    let yes = app.say("alice", conversation, "yes").await;
    let deleted: Vec<String> = calls(&yes).into_iter().map(|(n, _)| n).collect();
    assert_eq!(deleted, ["delete_task"; 4]);
    assert_eq!(tasks::count(&app.db.db, "alice").await.unwrap(), (0, 0));
}

todo_core::db_test!(
    bulk_deletion_asks_first,
    manages_tasks_in_plain_english,
    rejects_bad_requests_and_stores_nothing,
    conversations_belong_to_their_user,
);
