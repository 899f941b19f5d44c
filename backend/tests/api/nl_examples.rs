//! Every line of the `data/nl-*.jsonl` example files (English, the broader
//! English forms, Spanish, Urdu) through the real endpoint with the offline
//! agent: the expected tool calls appear, in order, as a subsequence of the
//! calls made, and no other task-changing call happens.
//!
//! A case: `setup` (tasks, by position; `title`, optional `description` and
//! `completed`), optional `before` (messages said first in the same
//! conversation, whose calls are not checked), `say`, `expect` (calls; a
//! `task_id` is a position in `setup`) and optional `reply_mentions`.

use serde_json::Value;
use todo_core::db::tasks;
use todo_core::testing::db::TestDb;

use crate::support::app::TestApp;

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

/// The example files, each with the fewest cases it must hold.
const FILES: [(&str, &str, usize); 4] = [
    ("nl-examples", include_str!("../data/nl-examples.jsonl"), 20),
    ("nl-en-broad", include_str!("../data/nl-en-broad.jsonl"), 20),
    ("nl-es", include_str!("../data/nl-es.jsonl"), 20),
    ("nl-ur", include_str!("../data/nl-ur.jsonl"), 20),
];

/// The words before a task number, in every language of the examples.
const TASK_WORDS: [&str; 3] = ["task ", "tarea ", "کام "];

/// Urdu digits ۰-۹ as a number, or Western ones.
fn read_digits(rest: &str) -> (String, bool) {
    let mut value = String::new();
    let mut urdu = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => value.push(c),
            '\u{06F0}'..='\u{06F9}' => {
                urdu = true;
                value.push(char::from(b'0' + (c as u32 - 0x06F0) as u8));
            }
            _ => break,
        }
    }
    (value, urdu)
}

fn urdu_digits(n: &str) -> String {
    n.chars()
        .map(|c| char::from_u32(0x06F0 + (c as u32 - '0' as u32)).unwrap())
        .collect()
}

/// "task N" ("tarea N", "کام N") becomes the id of the N-th setup task,
/// written in the same digits.
fn renumber(say: &str, ids: &[i64]) -> String {
    let mut out = String::new();
    let mut rest = say;
    while let Some((at, word)) = TASK_WORDS
        .iter()
        .filter_map(|w| rest.find(w).map(|at| (at, *w)))
        .min()
    {
        out.push_str(&rest[..at + word.len()]);
        rest = &rest[at + word.len()..];
        let (digits, urdu) = read_digits(rest);
        if let Ok(n) = digits.parse::<usize>() {
            let id = ids
                .get(n.wrapping_sub(1))
                .map_or(digits.clone(), |id| id.to_string());
            out.push_str(&if urdu { urdu_digits(&id) } else { id });
            let typed: usize = rest
                .chars()
                .take(digits.chars().count())
                .map(char::len_utf8)
                .sum();
            rest = &rest[typed..];
        }
    }
    out.push_str(rest);
    out
}

async fn run_examples(db: TestDb) {
    let mut failures = Vec::new();
    let app = TestApp::spawn(db).await;
    for (file, lines, at_least) in FILES {
        let cases: Vec<&str> = lines.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(
            cases.len() >= at_least,
            "{file}: {} cases, expected at least {at_least}",
            cases.len()
        );
        for (n, line) in cases.into_iter().enumerate() {
            let case: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}:{}: {e}", n + 1));
            run_case(&app, &format!("{file}-{n}"), &case, &mut failures).await;
        }
        eprintln!("{file}: done");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn run_case(app: &TestApp, user: &str, case: &Value, failures: &mut Vec<String>) {
    let mut ids = Vec::new();
    for task in case["setup"].as_array().unwrap() {
        let created = tasks::add(
            &app.db.db,
            user,
            task["title"].as_str().unwrap(),
            task["description"].as_str(),
        )
        .await
        .unwrap();
        if task["completed"].as_bool() == Some(true) {
            tasks::complete(&app.db.db, user, created.id).await.unwrap();
        }
        ids.push(created.id);
    }
    // Earlier turns of the same conversation ("show my tasks" before "the second one").
    let mut conversation = None;
    for before in case["before"].as_array().into_iter().flatten() {
        let said = renumber(before.as_str().unwrap(), &ids);
        let body = app.say(user, conversation, &said).await;
        conversation = body["conversation_id"].as_i64();
    }
    // Ids are global: say "task N" with the id of the N-th setup task.
    let say = renumber(case["say"].as_str().unwrap(), &ids);
    let body = app.say(user, conversation, &say).await;
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

todo_core::db_test!(run_examples);
