//! Tokens and JWKS servers for tests. TODO(auth helper).
