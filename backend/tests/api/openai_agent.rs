//! The OpenAI-compatible agent against a scripted chat-completions server
//! over real HTTP. The tools are a recording invoker with fixed outcomes; the
//! real MCP sidecar is exercised by the end-to-end tests.

use std::collections::VecDeque;
use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use todo_backend::agent::openai::{
    NOTHING_CHANGED_REPLY, OpenAiAgent, OpenAiSettings, STEP_LIMIT_REPLY, hashed_user,
};
use todo_backend::agent::{
    AgentError, HistoryMessage, Role, ToolCall, ToolCallRecord, ToolInvoker, ToolName, ToolOutcome,
    ToolResult, ToolSpec, ToolsUnavailable,
};

use crate::support::scripted_openai::{Reply, ScriptedOpenAi};

const MODEL: &str = "test-model";

/// Records every call and text delta and answers with the next scripted outcome.
#[derive(Default)]
struct RecordingInvoker {
    calls: Vec<(String, Map<String, Value>)>,
    outcomes: VecDeque<Result<ToolOutcome, ToolsUnavailable>>,
    deltas: Vec<(Instant, String)>,
    user: Option<String>,
}

impl RecordingInvoker {
    fn answering(outcomes: Vec<Result<ToolOutcome, ToolsUnavailable>>) -> Self {
        Self {
            outcomes: outcomes.into(),
            ..Self::default()
        }
    }

    fn streamed(&self) -> String {
        self.deltas.iter().map(|(_, text)| text.as_str()).collect()
    }

    fn names(&self) -> Vec<&str> {
        self.calls.iter().map(|(name, _)| name.as_str()).collect()
    }
}

impl ToolInvoker for RecordingInvoker {
    fn call(
        &mut self,
        call: ToolCall,
    ) -> impl Future<Output = Result<ToolOutcome, ToolsUnavailable>> + Send {
        self.calls
            .push((call.name().as_str().to_string(), call.arguments()));
        let outcome = self
            .outcomes
            .pop_front()
            .unwrap_or_else(|| Ok(Err("the test scripted no outcome for this call".into())));
        async move { outcome }
    }

    fn text_delta(&mut self, delta: &str) {
        self.deltas.push((Instant::now(), delta.to_string()));
    }

    fn user_id(&self) -> Option<&str> {
        self.user.as_deref()
    }
}

/// A successful outcome in the contract's JSON: an array is a `list_tasks`
/// result, an object a change.
fn ok(value: Value) -> Result<ToolOutcome, ToolsUnavailable> {
    let name = if value.is_array() {
        ToolName::ListTasks
    } else {
        ToolName::AddTask
    };
    Ok(Ok(ToolResult::from_json(name, value).unwrap()))
}

/// The five tools as the backend offers them: `user_id` already removed.
fn tools() -> Vec<ToolSpec> {
    let task_id = json!({"type": "integer", "description": "The task's number"});
    let spec = |name: &str, description: &str, properties: Value, required: Value| ToolSpec {
        name: name.into(),
        description: description.into(),
        parameters: json!({"type": "object", "properties": properties, "required": required}),
    };
    vec![
        spec(
            "add_task",
            "Create a task",
            json!({"title": {"type": "string"}, "description": {"type": "string"}}),
            json!(["title"]),
        ),
        spec(
            "list_tasks",
            "List tasks",
            json!({"status": {"type": "string", "enum": ["all", "pending", "completed"]}}),
            json!([]),
        ),
        spec(
            "complete_task",
            "Mark a task as done",
            json!({"task_id": task_id}),
            json!(["task_id"]),
        ),
        spec(
            "delete_task",
            "Delete a task",
            json!({"task_id": task_id}),
            json!(["task_id"]),
        ),
        spec(
            "update_task",
            "Change a task",
            json!({"task_id": task_id, "title": {"type": "string"}, "description": {"type": "string"}}),
            json!(["task_id"]),
        ),
    ]
}

fn settings(base_url: String) -> OpenAiSettings {
    OpenAiSettings {
        api_key: None,
        base_url: Some(base_url),
        model: MODEL.into(),
        timeout: Duration::from_secs(10),
        max_steps: 5,
        stream: true,
        history_chars: 6000,
        max_completion_tokens: 256,
        max_tool_calls: 8,
        offline_fallback: false,
        list_max_tasks: 50,
    }
}

fn agent_for(model: &ScriptedOpenAi) -> OpenAiAgent {
    OpenAiAgent::new(settings(model.base_url()))
}

fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[tokio::test]
async fn a_plain_answer_is_returned_with_history_and_tools_sent() {
    let model =
        ScriptedOpenAi::start(vec![Reply::text("Hello! How can I help with your tasks?")]).await;
    let history = vec![
        HistoryMessage {
            role: Role::User,
            content: "Add a task to buy milk".into(),
            tool_calls: vec![],
            follow_up: None,
        },
        HistoryMessage {
            role: Role::Assistant,
            content: "I've added 'Buy milk' to your list.".into(),
            tool_calls: vec![],
            follow_up: None,
        },
    ];
    let mut invoker = RecordingInvoker::default();

    let answer = agent_for(&model)
        .respond("Hi there", &history, &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "Hello! How can I help with your tasks?");
    assert!(invoker.calls.is_empty());
    let requests = model.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.body["model"], MODEL);
    // No key configured: no Authorization header at all (Ollama and friends).
    assert_eq!(request.authorization, None);
    let messages = request.roles_and_contents();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[0].0, "system");
    assert!(
        messages[0].1.contains("todo"),
        "system prompt: {}",
        messages[0].1
    );
    assert!(messages[0].1.contains("list_tasks"));
    assert_eq!(
        messages[1],
        ("user".into(), "Add a task to buy milk".into())
    );
    assert_eq!(
        messages[2],
        (
            "assistant".into(),
            "I've added 'Buy milk' to your list.".into()
        )
    );
    assert_eq!(messages[3], ("user".into(), "Hi there".into()));
    assert_eq!(
        request.tool_names(),
        [
            "add_task",
            "list_tasks",
            "complete_task",
            "delete_task",
            "update_task"
        ]
    );
    assert_eq!(
        request.body["tools"][2]["function"]["parameters"]["required"],
        json!(["task_id"])
    );
    assert!(!request.body["tools"].to_string().contains("user_id"));
}

#[tokio::test]
async fn one_tool_call_is_run_and_its_result_fed_back() {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("add_task", json!({"title": "Buy groceries"})),
        Reply::text("I've added 'Buy groceries' to your list."),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![ok(
        json!({"task_id": 5, "status": "created", "title": "Buy groceries"}),
    )]);
    let agent = OpenAiAgent::new(OpenAiSettings {
        api_key: Some("sk-test-key".into()),
        ..settings(model.base_url())
    });

    let answer = agent
        .respond("Add a task to buy groceries", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "I've added 'Buy groceries' to your list.");
    assert_eq!(
        invoker.calls,
        [(
            "add_task".to_string(),
            as_object(json!({"title": "Buy groceries"}))
        )]
    );
    let requests = model.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some("Bearer sk-test-key")
    );
    let follow_up = &requests[1];
    let messages = follow_up.messages();
    let asked = &messages[messages.len() - 2];
    assert_eq!(asked["role"], "assistant");
    assert_eq!(asked["tool_calls"][0]["id"], "call_1_0");
    assert_eq!(asked["tool_calls"][0]["function"]["name"], "add_task");
    let answered = follow_up.last_message();
    assert_eq!(answered["role"], "tool");
    assert_eq!(answered["tool_call_id"], "call_1_0");
    assert_eq!(
        follow_up.tool_results(),
        [json!({"task_id": 5, "status": "created", "title": "Buy groceries"})]
    );
}

#[tokio::test]
async fn list_then_delete_across_two_rounds() {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("list_tasks", json!({"status": "all"})),
        Reply::tool_call("delete_task", json!({"task_id": 2})),
        Reply::text("I've deleted 'Team meeting'."),
    ])
    .await;
    let listed = json!([
        {"id": 1, "title": "Buy groceries", "completed": false},
        {"id": 2, "title": "Team meeting", "completed": false}
    ]);
    let deleted = json!({"task_id": 2, "status": "deleted", "title": "Team meeting"});
    let mut invoker = RecordingInvoker::answering(vec![ok(listed.clone()), ok(deleted.clone())]);

    let answer = agent_for(&model)
        .respond("Delete the meeting task", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "I've deleted 'Team meeting'.");
    assert_eq!(invoker.names(), ["list_tasks", "delete_task"]);
    assert_eq!(invoker.calls[0].1, as_object(json!({"status": "all"})));
    assert_eq!(invoker.calls[1].1, as_object(json!({"task_id": 2})));
    let requests = model.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[1].tool_results(), std::slice::from_ref(&listed));
    assert_eq!(requests[2].tool_results(), [listed, deleted]);
    // Every round offers the tools again.
    assert!(
        requests
            .iter()
            .all(|request| request.tool_names().len() == 5)
    );
}

#[tokio::test]
async fn several_calls_in_one_round_run_in_order() {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_calls(vec![
            ("complete_task", json!({"task_id": 1})),
            ("complete_task", json!({"task_id": 3})),
        ]),
        Reply::text("Both are done."),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![
        ok(json!({"task_id": 1, "status": "completed", "title": "A"})),
        ok(json!({"task_id": 3, "status": "completed", "title": "C"})),
    ]);

    agent_for(&model)
        .respond("Tasks 1 and 3 are done", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(invoker.calls[0].1["task_id"], 1);
    assert_eq!(invoker.calls[1].1["task_id"], 3);
    let follow_up = &model.requests()[1];
    let ids: Vec<&Value> = follow_up
        .tool_messages()
        .iter()
        .map(|message| &message["tool_call_id"])
        .collect();
    assert_eq!(ids, [&json!("call_1_0"), &json!("call_1_1")]);
}

#[tokio::test]
async fn a_refused_call_is_fed_back_as_an_error() {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("complete_task", json!({"task_id": 99})),
        Reply::text("I couldn't find task 99 in your list."),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![Ok(Err("Task 99 was not found.".into()))]);

    let answer = agent_for(&model)
        .respond("Mark task 99 as complete", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "I couldn't find task 99 in your list.");
    assert_eq!(
        model.requests()[1].tool_results(),
        [json!({"error": "Task 99 was not found."})]
    );
}

#[tokio::test]
async fn a_user_id_written_by_the_model_never_reaches_the_tools() {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_calls(vec![
            (
                "list_tasks",
                json!({"user_id": "someone-else", "status": "all"}),
            ),
            (
                "delete_task",
                json!({"user_id": "someone-else", "task_id": 4}),
            ),
        ]),
        Reply::text("Done."),
    ])
    .await;
    let mut invoker =
        RecordingInvoker::answering(vec![ok(json!([])), Ok(Err("Task 4 was not found.".into()))]);

    agent_for(&model)
        .respond("Delete task 4 of someone-else", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(
        invoker.calls,
        [
            (
                "list_tasks".to_string(),
                as_object(json!({"status": "all"}))
            ),
            ("delete_task".to_string(), as_object(json!({"task_id": 4}))),
        ]
    );
}

#[tokio::test]
async fn unusable_arguments_and_unknown_tools_are_reported_to_the_model() {
    let model = ScriptedOpenAi::start(vec![
        Reply::raw_tool_calls(vec![
            ("add_task", "{\"title\": \"Buy milk\""),
            ("add_task", "[\"Buy milk\"]"),
            ("drop_database", "{}"),
        ]),
        Reply::tool_call("add_task", json!({"title": "Buy milk"})),
        Reply::text("I've added 'Buy milk' to your list."),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![ok(
        json!({"task_id": 1, "status": "created", "title": "Buy milk"}),
    )]);

    let answer = agent_for(&model)
        .respond("Add buy milk", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "I've added 'Buy milk' to your list.");
    // Only the well-formed call of the second round reached the tools.
    assert_eq!(
        invoker.calls,
        [(
            "add_task".to_string(),
            as_object(json!({"title": "Buy milk"}))
        )]
    );
    let errors: Vec<String> = model.requests()[1]
        .tool_results()
        .iter()
        .map(|result| result["error"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(errors.len(), 3);
    assert!(errors[0].contains("not valid JSON"), "{}", errors[0]);
    assert!(errors[1].contains("JSON object"), "{}", errors[1]);
    assert!(
        errors[2].contains("no tool named 'drop_database'"),
        "{}",
        errors[2]
    );
}

#[tokio::test]
async fn too_many_rounds_end_with_a_polite_sentence() {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("list_tasks", json!({})),
        Reply::tool_call("list_tasks", json!({})),
        Reply::tool_call("list_tasks", json!({})),
    ])
    .await;
    let mut invoker =
        RecordingInvoker::answering(vec![ok(json!([])), ok(json!([])), ok(json!([]))]);
    let agent = OpenAiAgent::new(OpenAiSettings {
        max_steps: 2,
        ..settings(model.base_url())
    });

    let answer = agent
        .respond("Show my tasks", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, STEP_LIMIT_REPLY);
    assert_eq!(model.requests().len(), 2);
    assert_eq!(invoker.calls.len(), 2);
    assert_eq!(model.remaining(), 1);
}

#[tokio::test]
async fn a_slow_model_times_out() {
    let model =
        ScriptedOpenAi::start(vec![Reply::text("too late").after(Duration::from_secs(5))]).await;
    let agent = OpenAiAgent::new(OpenAiSettings {
        timeout: Duration::from_millis(300),
        ..settings(model.base_url())
    });
    let started = Instant::now();

    let error = agent
        .respond("Hi", &[], &tools(), &mut RecordingInvoker::default())
        .await
        .unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(3));
    match error {
        AgentError::Model(message) => assert!(message.contains("within 300ms"), "{message}"),
        other => panic!("expected a model error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_model_server_that_keeps_failing_is_a_model_error() {
    // The client retries server errors three times before giving up.
    let model = ScriptedOpenAi::start(vec![Reply::error(500, "upstream exploded"); 4]).await;

    let error = agent_for(&model)
        .respond("Hi", &[], &tools(), &mut RecordingInvoker::default())
        .await
        .unwrap_err();

    match error {
        AgentError::Model(message) => {
            assert!(message.contains("500"), "{message}");
            assert!(message.contains("upstream exploded"), "{message}");
        }
        other => panic!("expected a model error, got {other:?}"),
    }
    assert_eq!(model.requests().len(), 4);
}

#[tokio::test]
async fn a_passing_server_error_is_retried() {
    let model =
        ScriptedOpenAi::start(vec![Reply::error(503, "overloaded"), Reply::text("Hello!")]).await;

    let answer = agent_for(&model)
        .respond("Hi", &[], &tools(), &mut RecordingInvoker::default())
        .await
        .unwrap();

    assert_eq!(answer, "Hello!");
    assert_eq!(model.requests().len(), 2);
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let model = ScriptedOpenAi::start(vec![
        Reply::error(400, "model 'test-model' not found"),
        Reply::text("unused"),
    ])
    .await;

    let error = agent_for(&model)
        .respond("Hi", &[], &tools(), &mut RecordingInvoker::default())
        .await
        .unwrap_err();

    assert!(error.to_string().contains("not found"), "{error}");
    assert_eq!(model.requests().len(), 1);
}

#[tokio::test]
async fn the_api_key_never_appears_in_errors() {
    let key = "sk-very-secret-123";
    let model = ScriptedOpenAi::start(vec![Reply::error(
        401,
        &format!("Incorrect API key provided: {key}."),
    )])
    .await;
    let agent = OpenAiAgent::new(OpenAiSettings {
        api_key: Some(key.into()),
        ..settings(model.base_url())
    });

    let error = agent
        .respond("Hi", &[], &tools(), &mut RecordingInvoker::default())
        .await
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains(key), "{message}");
    assert!(!format!("{error:?}").contains(key));
}

#[tokio::test]
async fn an_unreachable_model_server_is_a_model_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let agent = OpenAiAgent::new(settings(format!("http://127.0.0.1:{port}/v1")));

    let error = agent
        .respond("Hi", &[], &tools(), &mut RecordingInvoker::default())
        .await
        .unwrap_err();

    match error {
        AgentError::Model(message) => assert!(message.contains("could not reach"), "{message}"),
        other => panic!("expected a model error, got {other:?}"),
    }
}

#[tokio::test]
async fn unavailable_tools_end_the_turn_at_once() {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_calls(vec![
            ("add_task", json!({"title": "One"})),
            ("add_task", json!({"title": "Two"})),
        ]),
        Reply::text("unused"),
    ])
    .await;
    let mut invoker =
        RecordingInvoker::answering(vec![Err(ToolsUnavailable("connection refused".into()))]);

    let error = agent_for(&model)
        .respond("Add one and two", &[], &tools(), &mut invoker)
        .await
        .unwrap_err();

    assert!(
        matches!(error, AgentError::ToolsUnavailable(_)),
        "{error:?}"
    );
    assert_eq!(invoker.calls.len(), 1);
    assert_eq!(model.requests().len(), 1);
}

#[tokio::test]
async fn no_tools_means_no_tools_field() {
    let model = ScriptedOpenAi::start(vec![Reply::text("Hello!")]).await;

    agent_for(&model)
        .respond("Hi", &[], &[], &mut RecordingInvoker::default())
        .await
        .unwrap();

    assert!(model.requests()[0].body.get("tools").is_none());
}

#[tokio::test]
async fn the_scripted_server_rejects_what_the_real_api_rejects() {
    let model = ScriptedOpenAi::start(vec![Reply::text("unused")]).await;
    let client = reqwest::Client::new();
    let url = format!("{}/chat/completions", model.base_url());
    let orphan_tool_message = json!({
        "model": MODEL,
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "tool", "tool_call_id": "call_x", "content": "{}"}
        ]
    });

    let response = client
        .post(&url)
        .json(&orphan_tool_message)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("tool"));
    // The invalid request used up no reply.
    assert_eq!(model.remaining(), 1);
}

/// The chat service may run a turn on a spawned task.
#[allow(dead_code)]
fn respond_is_send(agent: &OpenAiAgent, invoker: &mut RecordingInvoker) {
    fn assert_send<F: Future + Send>(_: F) {}
    assert_send(agent.respond("Hi", &[], &[], invoker));
}

fn said(role: Role, content: &str, tool_calls: Vec<ToolCallRecord>) -> HistoryMessage {
    HistoryMessage {
        role,
        content: content.into(),
        tool_calls,
        follow_up: None,
    }
}

/// A record from its stored shape.
fn record(name: &str, arguments: Value, result: Value, is_error: bool) -> ToolCallRecord {
    serde_json::from_value(
        json!({"name": name, "arguments": arguments, "result": result, "is_error": is_error}),
    )
    .unwrap()
}

#[tokio::test]
async fn past_tool_calls_are_replayed_within_the_budget() {
    let model = ScriptedOpenAi::start(vec![Reply::text("Hello again!")]).await;
    let listed = json!([{"id": 7, "title": "Old errand", "completed": false}]);
    let history = vec![
        said(
            Role::User,
            "an old question that is too long to keep",
            vec![],
        ),
        said(Role::Assistant, "An old answer.", vec![]),
        said(Role::User, "Show my tasks", vec![]),
        said(
            Role::Assistant,
            "7. Old errand",
            vec![record(
                "list_tasks",
                json!({"status": "all"}),
                listed.clone(),
                false,
            )],
        ),
        said(Role::User, "Delete task 9", vec![]),
        said(
            Role::Assistant,
            "I couldn't find task 9.",
            vec![record(
                "delete_task",
                json!({"task_id": 9}),
                json!("Task 9 was not found."),
                true,
            )],
        ),
    ];
    // Room for the two newest turns only.
    let agent = OpenAiAgent::new(OpenAiSettings {
        history_chars: 200,
        ..settings(model.base_url())
    });

    agent
        .respond("Hi", &history, &tools(), &mut RecordingInvoker::default())
        .await
        .unwrap();

    let request = &model.requests()[0];
    let roles: Vec<String> = request
        .messages()
        .iter()
        .map(|m| {
            let role = m["role"].as_str().unwrap_or_default();
            if m["tool_calls"].is_array() {
                format!("{role}+calls")
            } else {
                role.to_string()
            }
        })
        .collect();
    assert_eq!(
        roles,
        [
            "system",
            "user",
            "assistant+calls",
            "tool",
            "assistant",
            "user",
            "assistant+calls",
            "tool",
            "assistant",
            "user"
        ]
    );
    assert!(!request.body.to_string().contains("an old question"));
    let messages = request.messages();
    assert_eq!(
        messages[2]["tool_calls"][0]["function"]["name"],
        "list_tasks"
    );
    assert_eq!(
        request.tool_results(),
        [listed, json!({"error": "Task 9 was not found."})]
    );
    assert_eq!(messages[8]["content"], "I couldn't find task 9.");
}

#[tokio::test]
async fn a_command_answered_in_prose_gets_a_forced_round() {
    let model = ScriptedOpenAi::start(vec![
        Reply::text("I've added 'Buy milk' to your list."),
        Reply::tool_call("add_task", json!({"title": "Buy milk"})),
        Reply::text("Added 'Buy milk'."),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![ok(
        json!({"task_id": 1, "status": "created", "title": "Buy milk"}),
    )]);

    let answer = agent_for(&model)
        .respond("Add a task to buy milk", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "Added 'Buy milk'.");
    assert_eq!(invoker.names(), ["add_task"]);
    let requests = model.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[0].body.get("tool_choice").is_none());
    assert_eq!(requests[1].body["tool_choice"], "required");
    let note = requests[1].last_message();
    assert_eq!(note["role"], "system");
    assert!(
        note["content"].as_str().unwrap().contains("add_task"),
        "{note}"
    );
    // The unbacked claim was never shown: only the final answer was streamed.
    assert_eq!(invoker.streamed(), "Added 'Buy milk'.");
    assert!(requests[2].body.get("tool_choice").is_none());
}

#[tokio::test]
async fn a_command_the_model_never_acts_on_changes_nothing_and_says_so() {
    let model = ScriptedOpenAi::start(vec![
        Reply::text("I've marked 'Buy groceries' as completed."),
        Reply::text("Done! It is marked as complete."),
    ])
    .await;
    let mut invoker = RecordingInvoker::default();

    let answer = agent_for(&model)
        .respond("Mark task 1 as complete", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, NOTHING_CHANGED_REPLY);
    assert!(invoker.calls.is_empty());
    assert_eq!(model.requests().len(), 2);
    assert_eq!(invoker.streamed(), NOTHING_CHANGED_REPLY);
}

#[tokio::test]
async fn an_unbacked_claim_outside_a_command_is_corrected() {
    let model = ScriptedOpenAi::start(vec![
        Reply::text("Sure! I've deleted task 3 for you."),
        Reply::text("Hello! What would you like to do with your tasks?"),
    ])
    .await;
    let mut invoker = RecordingInvoker::default();

    let answer = agent_for(&model)
        .respond("Hello there", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "Hello! What would you like to do with your tasks?");
    assert!(invoker.calls.is_empty());
    assert_eq!(model.requests()[1].body["tool_choice"], "required");
}

#[tokio::test]
async fn a_listing_without_list_tasks_is_not_accepted() {
    let model = ScriptedOpenAi::start(vec![
        Reply::text("1. Buy groceries (pending)\n2. Buy milk (pending)"),
        Reply::tool_call("list_tasks", json!({"status": "all"})),
        Reply::text("You have no tasks yet."),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![ok(json!([]))]);

    let answer = agent_for(&model)
        .respond("Show me all my tasks", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "You have no tasks yet.");
    assert_eq!(invoker.names(), ["list_tasks"]);
    assert!(!invoker.streamed().contains("Buy groceries"));
}

#[tokio::test]
async fn small_talk_is_streamed_as_it_is_written() {
    let model =
        ScriptedOpenAi::start(vec![Reply::text("Hi! I can add, list and finish tasks.")]).await;
    let mut invoker = RecordingInvoker::default();

    let answer = agent_for(&model)
        .respond("Hi!", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "Hi! I can add, list and finish tasks.");
    // One delta per word, not one piece at the end.
    assert_eq!(invoker.deltas.len(), 8);
    assert_eq!(invoker.streamed(), answer);
    assert_eq!(model.requests()[0].body["stream"], true);
}

#[tokio::test]
async fn without_streaming_the_reply_is_one_delta() {
    let model = ScriptedOpenAi::start(vec![Reply::text("Hi! How can I help?")]).await;
    let mut invoker = RecordingInvoker::default();
    let agent = OpenAiAgent::new(OpenAiSettings {
        stream: false,
        ..settings(model.base_url())
    });

    let answer = agent
        .respond("Hi!", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "Hi! How can I help?");
    assert_eq!(invoker.streamed(), answer);
    assert_eq!(invoker.deltas.len(), 1);
    assert!(model.requests()[0].body.get("stream").is_none());
}

#[tokio::test]
async fn the_request_carries_the_budget_and_a_hashed_user() {
    let model = ScriptedOpenAi::start(vec![Reply::text("Hello!")]).await;
    let mut invoker = RecordingInvoker {
        user: Some("user-42".into()),
        ..RecordingInvoker::default()
    };

    agent_for(&model)
        .respond("Hi", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    let body = &model.requests()[0].body;
    assert_eq!(body["max_completion_tokens"], 256);
    let user = body["user"].as_str().unwrap();
    assert_eq!(user, hashed_user("user-42"));
    assert_eq!(user.len(), 32);
    assert!(user.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!body.to_string().contains("user-42"));
    assert_ne!(hashed_user("user-42"), hashed_user("user-43"));
}

#[tokio::test]
async fn tool_calls_past_the_per_turn_cap_are_not_run() {
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_calls(vec![
            ("add_task", json!({"title": "One"})),
            ("add_task", json!({"title": "Two"})),
            ("add_task", json!({"title": "Three"})),
        ]),
        Reply::text("I added One and Two; send Three again, please."),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![
        ok(json!({"task_id": 1, "status": "created", "title": "One"})),
        ok(json!({"task_id": 2, "status": "created", "title": "Two"})),
    ]);
    let agent = OpenAiAgent::new(OpenAiSettings {
        max_tool_calls: 2,
        ..settings(model.base_url())
    });

    agent
        .respond("Add one, two and three", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(invoker.names(), ["add_task", "add_task"]);
    let follow_up = &model.requests()[1];
    assert_eq!(follow_up.body["tool_choice"], "none");
    let results = follow_up.tool_results();
    assert!(
        results[2]["error"].as_str().unwrap().starts_with("Not run"),
        "{results:?}"
    );
}

/// Time from the server's first token to the agent's first delta, over `runs` turns.
async fn first_delta_lags(runs: usize, token_delay: Duration) -> Vec<Duration> {
    let text = "Hello! I can add tasks, list them, mark them done, rename them and delete them.";
    let model = ScriptedOpenAi::start(vec![Reply::text(text); runs]).await;
    model.set_token_delay(token_delay);
    let agent = agent_for(&model);
    let mut lags = Vec::new();
    for run in 0..runs {
        let mut invoker = RecordingInvoker::default();
        agent
            .respond("Hi", &[], &tools(), &mut invoker)
            .await
            .unwrap();
        let first_token = model.first_tokens()[run];
        let first_delta = invoker.deltas[0].0;
        lags.push(first_delta.saturating_duration_since(first_token));
        // Streamed, not delivered at the end: the first delta came long before the last.
        let last_delta = invoker.deltas.last().unwrap().0;
        assert!(last_delta - first_delta >= token_delay * 10);
    }
    lags.sort();
    lags
}

#[tokio::test]
async fn the_first_delta_arrives_as_the_first_token_does() {
    let lags = first_delta_lags(3, Duration::from_millis(40)).await;
    // Far below the 50 ms goal even on a loaded machine; a buffered reply would lag ~0.6 s.
    assert!(lags[1] < Duration::from_millis(50), "{lags:?}");
}

/// `cargo test -p todo-backend --test api -- --ignored --nocapture first_delta_bench`
#[tokio::test]
#[ignore = "a measurement; run it by name"]
async fn first_delta_bench() {
    let delay_ms = std::env::var("BENCH_TOKEN_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(20);
    let lags = first_delta_lags(50, Duration::from_millis(delay_ms)).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "time from the model server's first token to the agent's first delta over {} turns ({delay_ms} ms per token): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        lags.len(),
        ms(lags[lags.len() / 2]),
        ms(lags[lags.len() * 95 / 100]),
        ms(*lags.last().unwrap())
    );
}

#[tokio::test]
async fn a_lookup_in_the_forced_round_earns_a_second_one() {
    let model = ScriptedOpenAi::start(vec![
        Reply::text("I've marked it as done."),
        Reply::tool_call("list_tasks", json!({"status": "all"})),
        Reply::text("I've marked 'Water the plants' as completed."),
        Reply::tool_call("complete_task", json!({"task_id": 12})),
        Reply::text("Done: 'Water the plants'."),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![
        ok(
            json!([{"id": 11, "title": "Call the dentist", "completed": false},
                  {"id": 12, "title": "Water the plants", "completed": false}]),
        ),
        ok(json!({"task_id": 12, "status": "completed", "title": "Water the plants"})),
    ]);

    let answer = agent_for(&model)
        .respond("Complete the second one", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, "Done: 'Water the plants'.");
    assert_eq!(invoker.names(), ["list_tasks", "complete_task"]);
    let requests = model.requests();
    assert_eq!(requests[1].body["tool_choice"], "required");
    assert!(requests[2].body.get("tool_choice").is_none());
    assert_eq!(requests[3].body["tool_choice"], "required");
    assert_eq!(invoker.streamed(), answer);
}

#[tokio::test]
async fn with_the_fallback_the_offline_agent_carries_out_the_command() {
    let model = ScriptedOpenAi::start(vec![
        Reply::text("Sure, I can help with that."),
        Reply::text("What would you like the task to be called?"),
    ])
    .await;
    let mut invoker = RecordingInvoker::answering(vec![ok(
        json!({"task_id": 4, "status": "created", "title": "Renew my passport"}),
    )]);
    let agent = OpenAiAgent::new(OpenAiSettings {
        offline_fallback: true,
        ..settings(model.base_url())
    });

    let answer = agent
        .respond("Add renew my passport", &[], &tools(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(invoker.names(), ["add_task"]);
    assert_eq!(invoker.calls[0].1["title"], "Renew my passport");
    assert!(answer.contains("Renew my passport"), "{answer}");
    assert_eq!(invoker.streamed(), answer);
    assert_eq!(model.requests().len(), 2);
}
