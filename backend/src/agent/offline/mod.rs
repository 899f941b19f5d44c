//! The built-in offline agent. TODO(offline agent helper).
