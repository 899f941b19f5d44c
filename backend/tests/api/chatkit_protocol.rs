//! ChatKit on the chat endpoint, end to end through the real server and the
//! real databases (SQLite and PostgreSQL).
//! The offline agent answers small talk without tools, so no sidecar is
//! needed here; tests/chatkit holds the full conformance suite.

use serde_json::{Value, json};
use todo_core::testing::db::TestDb;

use crate::support::app::TestApp;

struct Server {
    app: TestApp,
}

impl Server {
    async fn start(db: TestDb) -> Self {
        Self {
            app: TestApp::spawn(db).await,
        }
    }

    async fn post(&self, user: &str, as_user: &str, body: Value) -> reqwest::Response {
        self.app
            .client
            .post(format!("{}/api/{user}/chat", self.app.base))
            .bearer_auth(self.app.token(as_user))
            .header("Accept", "text/event-stream")
            .json(&body)
            .send()
            .await
            .expect("the request is answered")
    }

    /// The events of a streamed answer, each checked to be one `data:` line.
    async fn stream(&self, user: &str, body: Value) -> Vec<Value> {
        let response = self.post(user, user, body).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let text = response.text().await.unwrap();
        let frames = text.strip_suffix("\n\n").expect("ends on a frame boundary");
        frames
            .split("\n\n")
            .map(|frame| {
                let data = frame.strip_prefix("data: ").expect("a data frame");
                assert!(!data.contains('\n'), "{frame:?}");
                serde_json::from_str(data).expect("JSON event")
            })
            .collect()
    }

    async fn json(&self, user: &str, as_user: &str, body: Value) -> (u16, Value) {
        let response = self.post(user, as_user, body).await;
        let status = response.status().as_u16();
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        (status, response.json().await.unwrap())
    }
}

fn input(text: &str) -> Value {
    json!({"content": [{"type": "input_text", "text": text}], "attachments": [],
           "inference_options": {}})
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| {
            e["update"]["type"]
                .as_str()
                .unwrap_or_else(|| e["type"].as_str().unwrap())
        })
        .collect()
}

async fn a_chatkit_conversation(db: TestDb) {
    let server = Server::start(db).await;
    let events = server
        .stream(
            "alice",
            json!({"type": "threads.create", "params": {"input": input("hello")}}),
        )
        .await;
    let mut seen = kinds(&events);
    seen.dedup();
    assert_eq!(
        seen,
        [
            "thread.created",
            "thread.item.done",
            "stream_options",
            "thread.item.added",
            "assistant_message.content_part.added",
            "assistant_message.content_part.text_delta",
            "assistant_message.content_part.done",
            "thread.item.done",
            "thread.updated"
        ]
    );
    let thread_id = events[0]["thread"]["id"].as_str().unwrap().to_string();
    let reply = &events[events.len() - 2]["item"];
    assert_eq!(reply["type"], "assistant_message");
    assert_eq!(events.last().unwrap()["thread"]["title"], "hello");

    let (status, thread) = server
        .json(
            "alice",
            "alice",
            json!({"type": "threads.get_by_id", "params": {"thread_id": thread_id}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(thread["items"]["data"][0]["id"], events[1]["item"]["id"]);
    assert_eq!(thread["items"]["data"][1], *reply);
    assert_eq!(thread["items"]["has_more"], false);

    // Someone else's thread: a plain 404 before any stream.
    let body = json!({"type": "threads.add_user_message",
                          "params": {"thread_id": thread_id, "input": input("hi")}});
    let (status, error) = server.json("bob", "bob", body).await;
    assert_eq!(status, 404);
    assert_eq!(error["error"]["code"], "not_found");

    let (status, _) = server
        .json(
            "alice",
            "alice",
            json!({"type": "threads.nope", "params": {}}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = server
        .json(
            "alice",
            "bob",
            json!({"type": "threads.list", "params": {}}),
        )
        .await;
    assert_eq!(status, 403);

    let (status, page) = server
        .json(
            "alice",
            "alice",
            json!({"type": "threads.list", "params": {"limit": 1}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["data"][0]["id"], thread_id.as_str());
    assert_eq!(page["has_more"], false);
    assert!(page.get("after").is_none());
}

todo_core::db_test!(a_chatkit_conversation);
