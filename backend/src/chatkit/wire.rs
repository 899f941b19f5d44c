//! What goes back to ChatKit: pages, threads, items and stream events, in the
//! shapes of the reference models (`chatkit.types`). Absent values are left
//! out, never sent as null.

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serialize;
use serde_json::{Map, Value};
use todo_core::db::{Conversation, Message, Role};

use super::ids;

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl<T> Page<T> {
    pub fn empty() -> Self {
        Self {
            data: Vec::new(),
            has_more: false,
            after: None,
        }
    }

    /// `after` names the last element when there is more to fetch.
    pub fn new(data: Vec<T>, has_more: bool, id_of: impl Fn(&T) -> String) -> Self {
        let after = if has_more {
            data.last().map(id_of)
        } else {
            None
        };
        Self {
            data,
            has_more,
            after,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Thread {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub created_at: String,
    pub status: Status,
    pub metadata: Map<String, Value>,
    pub items: Page<Item>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Status {
    Active,
}

impl Thread {
    pub fn new(conversation: &Conversation, items: Page<Item>) -> Self {
        Self {
            id: ids::thread_id(conversation.id),
            title: conversation.title.clone(),
            created_at: timestamp(conversation.created_at),
            status: Status::Active,
            metadata: Map::new(),
            items,
        }
    }

    /// A thread as lists and thread events show it: without its items.
    pub fn bare(conversation: &Conversation) -> Self {
        Self::new(conversation, Page::empty())
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    UserMessage {
        id: String,
        thread_id: String,
        created_at: String,
        content: Vec<UserContent>,
        attachments: Vec<Value>,
        inference_options: Map<String, Value>,
    },
    AssistantMessage {
        id: String,
        thread_id: String,
        created_at: String,
        content: Vec<AssistantContent>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum UserContent {
    #[serde(rename = "input_text")]
    Text { text: String },
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum AssistantContent {
    #[serde(rename = "output_text")]
    Text {
        text: String,
        annotations: Vec<Value>,
    },
}

impl AssistantContent {
    pub fn text(text: &str) -> Self {
        Self::Text {
            text: text.to_string(),
            annotations: Vec::new(),
        }
    }
}

impl Item {
    pub fn from_message(message: &Message) -> Self {
        let id = ids::item_id(message.id);
        let thread_id = ids::thread_id(message.conversation_id);
        let created_at = timestamp(message.created_at);
        if message.role == Role::Assistant {
            Item::AssistantMessage {
                id,
                thread_id,
                created_at,
                content: vec![AssistantContent::text(&message.content)],
            }
        } else {
            Item::UserMessage {
                id,
                thread_id,
                created_at,
                content: vec![UserContent::Text {
                    text: message.content.clone(),
                }],
                attachments: Vec::new(),
                inference_options: Map::new(),
            }
        }
    }

    /// The assistant message as first announced: no content yet.
    pub fn assistant_placeholder(message: &Message) -> Self {
        Self::assistant_started(message.id, message.conversation_id, message.created_at)
    }

    /// An assistant message announced before it is stored, under the id
    /// reserved for it.
    pub fn assistant_started(
        message_id: i64,
        conversation_id: i64,
        created_at: NaiveDateTime,
    ) -> Self {
        Item::AssistantMessage {
            id: ids::item_id(message_id),
            thread_id: ids::thread_id(conversation_id),
            created_at: timestamp(created_at),
            content: Vec::new(),
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Item::UserMessage { id, .. } | Item::AssistantMessage { id, .. } => id,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "thread.created")]
    ThreadCreated { thread: Thread },
    #[serde(rename = "thread.updated")]
    ThreadUpdated { thread: Thread },
    #[serde(rename = "thread.item.added")]
    ItemAdded { item: Item },
    #[serde(rename = "thread.item.updated")]
    ItemUpdated { item_id: String, update: ItemUpdate },
    #[serde(rename = "thread.item.done")]
    ItemDone { item: Item },
    #[serde(rename = "thread.item.replaced")]
    ItemReplaced { item: Item },
    #[serde(rename = "thread.item.removed")]
    ItemRemoved { item_id: String },
    #[serde(rename = "stream_options")]
    StreamOptions { stream_options: StreamOptions },
    #[serde(rename = "progress_update")]
    Progress {
        #[serde(skip_serializing_if = "Option::is_none")]
        icon: Option<&'static str>,
        text: String,
    },
    #[serde(rename = "error")]
    Error {
        code: &'static str,
        allow_retry: bool,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamOptions {
    pub allow_cancel: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub enum ItemUpdate {
    #[serde(rename = "assistant_message.content_part.added")]
    PartAdded {
        content_index: usize,
        content: AssistantContent,
    },
    #[serde(rename = "assistant_message.content_part.text_delta")]
    TextDelta { content_index: usize, delta: String },
    #[serde(rename = "assistant_message.content_part.done")]
    PartDone {
        content_index: usize,
        content: AssistantContent,
    },
}

impl Event {
    /// The reference's code for a turn that failed; the client offers a retry.
    pub fn stream_error(allow_retry: bool) -> Self {
        Event::Error {
            code: "stream.error",
            allow_retry,
        }
    }

    /// One server-sent-events frame: `data: <json>\n\n`.
    pub fn frame(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot serialise a ChatKit event");
            r#"{"type":"error","code":"stream.error","allow_retry":true}"#.into()
        });
        format!("data: {json}\n\n")
    }
}

/// ISO-8601 in UTC with a `Z`: the database keeps UTC without a zone.
pub fn timestamp(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Splits a reply into word-sized deltas (each word with the spaces after
/// it) whose concatenation is the reply, byte for byte.
pub fn word_chunks(text: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if in_space && !space {
            chunks.push(&text[start..i]);
            start = i;
        }
        in_space = space;
    }
    if start < text.len() {
        chunks.push(&text[start..]);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;

    use super::*;

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 1, 2)
            .unwrap()
            .and_hms_micro_opt(3, 4, 5, 600)
            .unwrap()
    }

    fn message(id: i64, role: Role, content: &str) -> Message {
        Message {
            id,
            user_id: "u".into(),
            conversation_id: 9,
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            created_at: at(),
            follow_up: None,
        }
    }

    #[test]
    fn timestamps_are_utc_iso_8601() {
        assert_eq!(timestamp(at()), "2025-01-02T03:04:05.000600Z");
    }

    #[test]
    fn chunks_rebuild_the_reply_exactly() {
        for text in [
            "",
            "Hello!",
            "Added  \"buy milk\".\nAnything else? ",
            " lead",
            "ünï cödé ok",
        ] {
            assert_eq!(word_chunks(text).concat(), text);
        }
        assert_eq!(word_chunks("a b  c"), vec!["a ", "b  ", "c"]);
        assert!(word_chunks("").is_empty());
    }

    #[test]
    fn items_have_the_reference_shapes() {
        let user = serde_json::to_value(Item::from_message(&message(3, Role::User, "hi"))).unwrap();
        assert_eq!(
            user,
            json!({"type": "user_message", "id": "msg_3", "thread_id": "9",
                   "created_at": "2025-01-02T03:04:05.000600Z",
                   "content": [{"type": "input_text", "text": "hi"}],
                   "attachments": [], "inference_options": {}})
        );
        let reply = message(4, Role::Assistant, "Done.");
        let done = serde_json::to_value(Item::from_message(&reply)).unwrap();
        assert_eq!(
            done["content"],
            json!([{"type": "output_text", "text": "Done.", "annotations": []}])
        );
        let added = serde_json::to_value(Item::assistant_placeholder(&reply)).unwrap();
        assert_eq!(added["content"], json!([]));
        assert_eq!(added["type"], "assistant_message");
    }

    #[test]
    fn threads_leave_absent_fields_out() {
        let conversation = Conversation {
            id: 9,
            user_id: "u".into(),
            title: None,
            created_at: at(),
            updated_at: at(),
        };
        let thread = serde_json::to_value(Thread::bare(&conversation)).unwrap();
        assert_eq!(
            thread,
            json!({"id": "9", "created_at": "2025-01-02T03:04:05.000600Z",
                   "status": {"type": "active"}, "metadata": {},
                   "items": {"data": [], "has_more": false}})
        );
    }

    #[test]
    fn pages_name_their_last_element_only_when_there_is_more() {
        let more = Page::new(vec![1, 2], true, |n| n.to_string());
        assert_eq!(more.after.as_deref(), Some("2"));
        let last = Page::new(vec![1, 2], false, |n| n.to_string());
        assert_eq!(
            serde_json::to_value(last).unwrap(),
            json!({"data": [1, 2], "has_more": false})
        );
    }

    #[test]
    fn events_are_single_data_frames() {
        let frame = Event::stream_error(true).frame();
        assert_eq!(
            frame,
            "data: {\"type\":\"error\",\"code\":\"stream.error\",\"allow_retry\":true}\n\n"
        );
        let delta = Event::ItemUpdated {
            item_id: "msg_1".into(),
            update: ItemUpdate::TextDelta {
                content_index: 0,
                delta: "line\nbreak".into(),
            },
        }
        .frame();
        assert_eq!(delta.matches('\n').count(), 2, "{delta}");
    }
}
