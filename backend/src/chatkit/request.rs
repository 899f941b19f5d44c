//! ChatKit requests: `{"type": "<operation>", "params": {...}, "metadata"?}`.
//! Everything is checked here, so a bad request is a 400 before any stream.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Create(CreateParams),
    AddUserMessage(AddUserMessageParams),
    RetryAfterItem(RetryParams),
    GetById(ThreadParams),
    List(ListParams),
    ItemsList(ItemsListParams),
    Update(UpdateParams),
    Delete(ThreadParams),
    Feedback(FeedbackParams),
    AddClientToolOutput(ThreadParams),
    AddStructuredInput(ThreadParams),
    CustomAction(CustomActionParams),
    /// Dictation: audio in, the text for the composer out.
    Transcribe(TranscribeParams),
    /// Operations the protocol defines that this server has nothing for
    /// (attachments, synchronous widget actions).
    Unsupported(&'static str),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CreateParams {
    pub input: UserMessageInput,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AddUserMessageParams {
    pub thread_id: String,
    pub input: UserMessageInput,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RetryParams {
    pub thread_id: String,
    pub item_id: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ThreadParams {
    pub thread_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Asc,
    /// The reference server's default for both threads and items.
    #[default]
    Desc,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ListParams {
    pub limit: Option<i64>,
    #[serde(default)]
    pub order: Order,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ItemsListParams {
    pub thread_id: String,
    pub limit: Option<i64>,
    #[serde(default)]
    pub order: Order,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UpdateParams {
    pub thread_id: String,
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedbackKind {
    Positive,
    Negative,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FeedbackParams {
    pub thread_id: String,
    pub item_ids: Vec<String>,
    pub kind: FeedbackKind,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CustomActionParams {
    pub thread_id: String,
    pub item_id: Option<String>,
    pub action: Action,
}

/// `input.transcribe`: base64 audio and its raw MIME type
/// (`audio/webm;codecs=opus`, `audio/ogg`, `audio/mp4`).
#[derive(Clone, PartialEq, Deserialize)]
pub struct TranscribeParams {
    pub audio_base64: String,
    pub mime_type: String,
}

impl std::fmt::Debug for TranscribeParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The audio is the user's voice: its size is enough for a log.
        f.debug_struct("TranscribeParams")
            .field("audio_base64_len", &self.audio_base64.len())
            .field("mime_type", &self.mime_type)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Action {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub payload: Value,
}

/// What the composer sends.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserMessageInput {
    pub content: Vec<UserContent>,
    pub attachments: Vec<String>,
    pub quoted_text: Option<String>,
    pub inference_options: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type")]
pub enum UserContent {
    #[serde(rename = "input_text")]
    Text { text: String },
    #[serde(rename = "input_tag")]
    Tag { text: String },
}

impl UserMessageInput {
    /// The message as the agent and the database see it: the text parts in
    /// order. Attachments need `attachments.create`, which this server does
    /// not offer, so any attachment id is unknown.
    pub fn text(&self) -> Result<String, ApiError> {
        if !self.attachments.is_empty() {
            return Err(ApiError::BadRequest(
                "attachments are not supported by this server".into(),
            ));
        }
        let parts: Vec<&str> = self
            .content
            .iter()
            .map(|c| match c {
                UserContent::Text { text } | UserContent::Tag { text } => text.as_str(),
            })
            .collect();
        Ok(parts.join(" "))
    }
}

impl Request {
    pub fn parse(body: Value) -> Result<Self, ApiError> {
        let Value::Object(mut body) = body else {
            return Err(ApiError::BadRequest(
                "a ChatKit request is a JSON object".into(),
            ));
        };
        let kind = match body.remove("type") {
            Some(Value::String(kind)) => kind,
            _ => {
                return Err(ApiError::BadRequest(
                    "a ChatKit request needs a string \"type\"".into(),
                ));
            }
        };
        let params = body.remove("params").unwrap_or(Value::Null);
        Ok(match kind.as_str() {
            "threads.create" => Self::Create(params_of(&kind, params)?),
            "threads.add_user_message" => Self::AddUserMessage(params_of(&kind, params)?),
            "threads.retry_after_item" => Self::RetryAfterItem(params_of(&kind, params)?),
            "threads.get_by_id" => Self::GetById(params_of(&kind, params)?),
            "threads.list" => Self::List(params_of(&kind, params)?),
            "items.list" => Self::ItemsList(params_of(&kind, params)?),
            "threads.update" => Self::Update(params_of(&kind, params)?),
            "threads.delete" => Self::Delete(params_of(&kind, params)?),
            "items.feedback" => Self::Feedback(params_of(&kind, params)?),
            "threads.add_client_tool_output" => {
                Self::AddClientToolOutput(params_of(&kind, params)?)
            }
            "threads.add_structured_input" => Self::AddStructuredInput(params_of(&kind, params)?),
            "threads.custom_action" => Self::CustomAction(params_of(&kind, params)?),
            "threads.sync_custom_action" => Self::Unsupported("threads.sync_custom_action"),
            "attachments.create" => Self::Unsupported("attachments.create"),
            "attachments.delete" => Self::Unsupported("attachments.delete"),
            "input.transcribe" => Self::Transcribe(params_of(&kind, params)?),
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown ChatKit request type '{other}'"
                )));
            }
        })
    }
}

fn params_of<T: DeserializeOwned>(kind: &str, params: Value) -> Result<T, ApiError> {
    if !params.is_object() {
        return Err(ApiError::BadRequest(format!(
            "{kind}: \"params\" must be an object"
        )));
    }
    serde_json::from_value(params)
        .map_err(|e| ApiError::BadRequest(format!("{kind}: invalid params: {e}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input(text: &str) -> Value {
        json!({"content": [{"type": "input_text", "text": text}], "attachments": [],
               "quoted_text": "", "inference_options": {}})
    }

    fn bad(body: Value) -> String {
        match Request::parse(body) {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn parses_a_create_request_with_metadata() {
        let req = Request::parse(json!({"type": "threads.create", "metadata": {"a": 1},
                                        "params": {"input": input("add milk")}}))
        .unwrap();
        let Request::Create(p) = req else {
            panic!("not a create")
        };
        assert_eq!(p.input.text().unwrap(), "add milk");
    }

    #[test]
    fn list_defaults_to_newest_first_like_the_reference() {
        let Request::List(p) =
            Request::parse(json!({"type": "threads.list", "params": {}})).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            p,
            ListParams {
                limit: None,
                order: Order::Desc,
                after: None
            }
        );
        let Request::ItemsList(p) = Request::parse(
            json!({"type": "items.list", "params": {"thread_id": "1", "order": "asc", "limit": 5}}),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!((p.order, p.limit), (Order::Asc, Some(5)));
    }

    #[test]
    fn refuses_bad_requests_with_a_reason() {
        assert!(bad(json!({"type": "threads.nope", "params": {}})).contains("threads.nope"));
        assert!(bad(json!({"params": {}})).contains("type"));
        assert!(bad(json!({"type": 3})).contains("type"));
        assert!(bad(json!([1])).contains("object"));
        assert!(bad(json!({"type": "threads.get_by_id"})).contains("params"));
        assert!(
            bad(json!({"type": "threads.get_by_id", "params": {"thread_id": 5}}))
                .contains("expected a string")
        );
        assert!(
            bad(json!({"type": "threads.list", "params": {"order": "sideways"}}))
                .contains("expected `asc` or `desc`")
        );
        assert!(
            bad(json!({"type": "items.feedback",
                       "params": {"thread_id": "1", "item_ids": [], "kind": "meh"}}))
            .contains("`positive` or `negative`")
        );
        assert!(
            bad(json!({"type": "threads.create", "params": {"input": {"content": []}}}))
                .contains("attachments")
        );
    }

    #[test]
    fn joins_text_and_tag_parts_and_refuses_attachments() {
        let i: UserMessageInput = serde_json::from_value(json!({
            "content": [{"type": "input_text", "text": "remind"},
                        {"type": "input_tag", "id": "t", "text": "@home", "data": {}}],
            "attachments": [], "inference_options": {}
        }))
        .unwrap();
        assert_eq!(i.text().unwrap(), "remind @home");
        let mut with_file = i.clone();
        with_file.attachments.push("atc_1".into());
        assert!(matches!(with_file.text(), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn names_the_operations_it_does_not_offer() {
        for kind in ["attachments.create", "attachments.delete"] {
            let r = Request::parse(json!({"type": kind, "params": {}})).unwrap();
            assert_eq!(r, Request::Unsupported(kind));
        }
    }

    #[test]
    fn parses_a_transcribe_request_and_refuses_one_without_audio() {
        let r = Request::parse(json!({"type": "input.transcribe",
            "params": {"audio_base64": "AAEC", "mime_type": "audio/webm;codecs=opus"}}))
        .unwrap();
        let Request::Transcribe(p) = r else {
            panic!("not a transcribe request")
        };
        assert_eq!(p.mime_type, "audio/webm;codecs=opus");
        assert!(!format!("{p:?}").contains("AAEC"));
        assert!(
            bad(json!({"type": "input.transcribe", "params": {"mime_type": "audio/ogg"}}))
                .contains("audio_base64")
        );
    }
}
