//! One chat turn, stateless: everything it needs comes from the database and
//! everything it produces goes back there.

mod turn;

pub use turn::{TurnOutcome, answer, run_turn, store_reply, title_for, validate_message};
