//! One chat turn, stateless: everything it needs comes from the database and
//! everything it produces goes back there. The plain endpoint and ChatKit run
//! the same pipeline ([`turn`]); they differ only in their [`TurnSink`].

mod sink;
mod turn;

pub use sink::{NoSink, TurnSink};
pub use turn::{Turn, TurnOutcome, begin, retry, run_turn, title_for, validate_message};
