//! Black-box test support: the backend (which spawns the real `todo-mcp`
//! over stdio) on a fresh database, and scripted model and transcription
//! servers.
#![allow(dead_code)]

pub mod app;
pub mod scripted_openai;
pub mod scripted_transcription;
