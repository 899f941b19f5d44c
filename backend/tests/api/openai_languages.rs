//! The OpenAI-compatible agent keeps the user's language: an Urdu message
//! (and Urdu history) reaches the scripted chat-completions server unchanged,
//! the tool call it asks for carries the Urdu title, and the model's Urdu
//! reply comes back byte for byte.

use std::future::Future;
use std::time::Duration;

use serde_json::{Map, Value, json};
use todo_backend::agent::openai::{OpenAiAgent, OpenAiSettings};
use todo_backend::agent::{
    HistoryMessage, Role, ToolCall, ToolInvoker, ToolName, ToolOutcome, ToolResult, ToolSpec,
    ToolsUnavailable,
};

use crate::support::scripted_openai::{Reply, ScriptedOpenAi};

/// Records every call and answers like `add_task` would.
#[derive(Default)]
struct AddingInvoker {
    calls: Vec<(String, Map<String, Value>)>,
}

impl ToolInvoker for AddingInvoker {
    fn call(
        &mut self,
        call: ToolCall,
    ) -> impl Future<Output = Result<ToolOutcome, ToolsUnavailable>> + Send {
        let arguments = call.arguments();
        let title = arguments.get("title").cloned().unwrap_or(Value::Null);
        self.calls
            .push((call.name().as_str().to_string(), arguments));
        let result = ToolResult::from_json(
            ToolName::AddTask,
            json!({"task_id": 7, "status": "created", "title": title}),
        )
        .map_err(|e| e.to_string());
        async move { Ok(result) }
    }
}

fn add_task_tool() -> Vec<ToolSpec> {
    vec![ToolSpec {
        name: "add_task".into(),
        description: "Create a task".into(),
        parameters: json!({
            "type": "object",
            "properties": {"title": {"type": "string"}, "description": {"type": "string"}},
            "required": ["title"]
        }),
    }]
}

#[tokio::test]
async fn an_urdu_turn_goes_through_the_model_path_unchanged() {
    let message = "دودھ خریدنا شامل کرو";
    let reply = "میں نے 'دودھ خریدنا' آپ کی فہرست میں شامل کر دیا (کام ۷)۔";
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("add_task", json!({"title": "دودھ خریدنا"})),
        Reply::text(reply),
    ])
    .await;
    let history = vec![
        HistoryMessage {
            role: Role::User,
            content: "السلام علیکم".into(),
            tool_calls: vec![],
            follow_up: None,
        },
        HistoryMessage {
            role: Role::Assistant,
            content: "وعلیکم السلام! بتائیں کیا کرنا ہے؟".into(),
            tool_calls: vec![],
            follow_up: None,
        },
    ];
    let agent = OpenAiAgent::new(OpenAiSettings {
        api_key: None,
        base_url: Some(model.base_url()),
        model: "test-model".into(),
        timeout: Duration::from_secs(10),
        max_steps: 5,
        stream: true,
        history_chars: 6000,
        max_completion_tokens: 256,
        max_tool_calls: 8,
        offline_fallback: false,
        list_max_tasks: 50,
    });
    let mut invoker = AddingInvoker::default();

    let answer = agent
        .respond(message, &history, &add_task_tool(), &mut invoker)
        .await
        .unwrap();

    assert_eq!(answer, reply);
    assert_eq!(invoker.calls.len(), 1);
    assert_eq!(invoker.calls[0].0, "add_task");
    assert_eq!(invoker.calls[0].1["title"], "دودھ خریدنا");
    let requests = model.requests();
    assert_eq!(requests.len(), 2);
    let first = requests[0].roles_and_contents();
    assert_eq!(first[1], ("user".into(), "السلام علیکم".into()));
    assert_eq!(
        first[2],
        (
            "assistant".into(),
            "وعلیکم السلام! بتائیں کیا کرنا ہے؟".into()
        )
    );
    assert_eq!(first.last().unwrap(), &("user".into(), message.into()));
    // The tool's result goes back to the model with the Urdu title intact.
    let results = requests[1].tool_results();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["title"], "دودھ خریدنا");
}
