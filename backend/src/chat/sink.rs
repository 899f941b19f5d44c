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

    /// A piece of the reply as the model writes it.
    fn text_delta(&mut self, _delta: &str) {}

    /// The reply is stored; `retitled` is the conversation when this turn
    /// gave it its title.
    fn finished(&mut self, _reply: &Message, _retitled: Option<&Conversation>) {}

    /// The turn failed after it started; nothing more will be reported.
    fn failed(&mut self) {}
}

/// The plain endpoint's sink: the JSON body says everything at the end.
pub struct NoSink;

impl TurnSink for NoSink {}
