//! Statelessness across restarts, and a sidecar that dies between turns:
//! the backend runs as the real binary, since its process and its sidecar
//! child are what these tests stop and kill.

use std::time::Duration;

use serde_json::json;
use todo_core::db::{SortOrder, conversations};
use todo_core::testing::db::TestDb;

use crate::support::app::{TestApp, send_signal};

async fn a_conversation_survives_a_restart(db: TestDb) {
    let mut app = TestApp::spawn_process(db).await;
    let first = app.say("alice", None, "add buy milk").await;
    let conversation = first["conversation_id"].as_i64().unwrap();
    let id = first["tool_calls"][0]["result"]["task_id"]
        .as_i64()
        .unwrap();

    app.restart().await;

    let second = app
        .say("alice", Some(conversation), &format!("task {id} is done"))
        .await;
    assert_eq!(second["conversation_id"].as_i64(), Some(conversation));
    assert_eq!(second["tool_calls"][0]["result"]["status"], "completed");
    let history = conversations::history(&app.db.db, "alice", conversation, 10)
        .await
        .unwrap();
    let contents: Vec<_> = history.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents.len(), 4);
    assert_eq!(contents[0], "add buy milk");
    assert_eq!(contents[2], format!("task {id} is done"));
}

async fn a_dead_sidecar_costs_one_clean_503_at_most(db: TestDb) {
    let app = TestApp::spawn_process(db).await;
    app.say("alice", None, "add buy milk").await;
    let pid = app.sidecar_pid().expect("the backend runs its sidecar");
    send_signal(pid, "KILL");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut failures = 0;
    for attempt in 0..3 {
        let started = std::time::Instant::now();
        let (status, body) = app.chat("alice", json!({"message": "show my tasks"})).await;
        assert!(started.elapsed() < Duration::from_secs(20), "turn hung");
        match status {
            200 => {
                assert!(
                    body["response"].as_str().unwrap().contains("Buy milk"),
                    "{body}"
                );
                break;
            }
            503 => {
                assert_eq!(body["error"]["code"], "unavailable", "{body}");
                assert!(
                    body["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("MCP sidecar")
                );
                failures += 1;
            }
            other => panic!("attempt {attempt}: unexpected {other}: {body}"),
        }
    }
    assert!(
        failures <= 1,
        "{failures} failed turns after the sidecar died"
    );
    // A failed turn leaves nothing behind: every stored conversation is a whole turn.
    let (stored, _) = conversations::list(&app.db.db, "alice", 50, SortOrder::Asc, None)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2, "one per successful turn");
    for c in stored {
        let messages = conversations::history(&app.db.db, "alice", c.id, 10)
            .await
            .unwrap();
        assert_eq!(messages.len(), 2);
    }
    let new_pid = app.sidecar_pid().expect("a new sidecar was spawned");
    assert_ne!(new_pid, pid);
    let ready = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 200);
}

todo_core::db_test!(
    a_conversation_survives_a_restart,
    a_dead_sidecar_costs_one_clean_503_at_most
);
