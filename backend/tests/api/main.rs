//! The backend's black-box tests, one binary: `cargo test -p todo-backend`.
//!
//! A new test file is a module here (`mod name;` for `name.rs`). Helpers are
//! in `support`: [`support::app::TestApp`] serves the backend on port 0 in
//! this process (or as the real binary where the process is the point), and
//! `todo_core::db_test!` runs a test on SQLite and on PostgreSQL.

mod support;

mod auth;
mod chat;
mod chatkit_live_reply;
mod chatkit_protocol;
mod chatkit_transcribe;
mod faults;
mod limits;
mod matcher_bound;
mod nl_examples;
mod openai_agent;
mod openai_languages;
mod operability;
mod resilience;
