//! Per-test databases. TODO(db helper).
