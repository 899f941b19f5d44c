//! Every line of `data/nl-examples.jsonl` through the real endpoint with the
//! offline agent: the expected tool calls appear, in order, as a subsequence
//! of the calls made, and no other task-changing call happens.

mod support;

use serde_json::Value;
use support::app::{Store, TestApp};
use todo_core::db::tasks;

const CHANGING: [&str; 4] = ["add_task", "complete_task", "delete_task", "update_task"];

fn normalize(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            let s = s.trim().trim_matches(|c| c == '\'' || c == '"');
            Value::String(s.trim_end_matches('.').to_lowercase())
        }
        other => other.clone(),
    }
}

/// Does `call` satisfy `expected` (name, and the arguments it lists)?
/// Expected task ids are positions in `setup`; `ids` maps them to real ids.
fn matches(call: &Value, expected: &Value, ids: &[i64]) -> bool {
    if call["name"] != expected["name"] {
        return false;
    }
    let Some(args) = expected.get("arguments").and_then(Value::as_object) else {
        return true;
    };
    args.iter().all(|(key, want)| {
        let got = &call["arguments"][key];
        if key == "task_id" {
            let position = want.as_i64().unwrap();
            let want_id = ids.get(position as usize - 1).copied().unwrap_or(position);
            got.as_i64() == Some(want_id)
        } else {
            normalize(got) == normalize(want)
        }
    })
}

/// "task N" (a whole number) becomes "task <id of the N-th setup task>".
fn renumber(say: &str, ids: &[i64]) -> String {
    let mut out = String::new();
    let mut rest = say;
    while let Some(at) = rest.find("task ") {
        out.push_str(&rest[..at + 5]);
        rest = &rest[at + 5..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<usize>() {
            match ids.get(n.wrapping_sub(1)) {
                Some(id) => out.push_str(&id.to_string()),
                None => out.push_str(&digits),
            }
            rest = &rest[digits.len()..];
        }
    }
    out.push_str(rest);
    out
}

async fn run_examples(store: Store) {
    let lines = include_str!("data/nl-examples.jsonl");
    let mut failures = Vec::new();
    let db = db_or_skip!(store);
    let app = TestApp::spawn(db).await;
    for (n, line) in lines.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let case: Value = serde_json::from_str(line).unwrap();
        let user = format!("nl-user-{n}");
        let mut ids = Vec::new();
        for task in case["setup"].as_array().unwrap() {
            let created = tasks::add(&app.db.db, &user, task["title"].as_str().unwrap(), None)
                .await
                .unwrap();
            if task["completed"].as_bool() == Some(true) {
                tasks::complete(&app.db.db, &user, created.id)
                    .await
                    .unwrap();
            }
            ids.push(created.id);
        }
        // Ids are global: say "task N" with the id of the N-th setup task.
        let say = renumber(case["say"].as_str().unwrap(), &ids);
        let body = app.say(&user, None, &say).await;
        let made = body["tool_calls"].as_array().unwrap();
        let expected = case["expect"].as_array().unwrap();

        let mut next = 0;
        for call in made {
            if next < expected.len() && matches(call, &expected[next], &ids) {
                next += 1;
            } else if CHANGING.contains(&call["name"].as_str().unwrap()) {
                failures.push(format!("{say:?}: unexpected call {call}"));
            }
        }
        if next < expected.len() {
            failures.push(format!(
                "{say:?}: expected {} but made {:?}",
                expected[next], made
            ));
        }
        let reply = body["response"].as_str().unwrap().to_lowercase();
        for word in case["reply_mentions"].as_array().into_iter().flatten() {
            let word = word.as_str().unwrap().to_lowercase();
            if !reply.contains(&word) {
                failures.push(format!("{say:?}: reply {reply:?} lacks {word:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

on_both_stores!(run_examples);
