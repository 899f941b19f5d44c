//! Helpers for the test suites of every crate (feature `testing`).

pub mod db;
pub mod jwt;
