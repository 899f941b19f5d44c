//! Where a turn reports what happens while it runs: nowhere for the plain
//! JSON endpoint, server-sent events for ChatKit.

use todo_core::db::{Conversation, Message};
use todo_core::tools::ToolName;

pub trait TurnSink: Send {
    /// Whether the client was already shown the user's message. A failed
    /// turn keeps a message the client has seen (so the client can retry it)
    /// and takes back one it has not.
    fn shows_user_message(&self) -> bool {
        false
    }

    /// A tool call is about to run.
    fn tool_started(&mut self, _tool: ToolName) {}

    /// Whether the sink shows the reply while the model writes it. The turn
    /// then reserves the reply's id first and names it in
    /// [`TurnSink::reply_reserved`], when the agent streams at all.
    fn streams_reply(&self) -> bool {
        false
    }

    /// The id the reply will be stored under, before the agent runs.
    fn reply_reserved(&mut self, _message_id: i64) {}

    /// A piece of the reply as the model writes it.
    fn text_delta(&mut self, _delta: &str) {}

    /// The text sent so far is not the reply after all (the model went on to
    /// call tools, or its draft was rejected); the reply starts again.
    fn text_withdrawn(&mut self) {}

    /// The reply is stored; `retitled` is the conversation when this turn
    /// gave it its title.
    fn finished(&mut self, _reply: &Message, _retitled: Option<&Conversation>) {}

    /// The turn failed after it started; nothing more will be reported.
    fn failed(&mut self) {}
}

/// The plain endpoint's sink: the JSON body says everything at the end.
pub struct NoSink;

impl TurnSink for NoSink {}
