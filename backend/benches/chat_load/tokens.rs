//! Better Auth-style HS256 tokens for the virtual users.

pub fn hs256(secret: &str, user: &str, audience: &str) -> String {
    // An hour covers any run; the bench never reuses a token afterwards.
    todo_core::testing::jwt::sign_hs256(secret, user, audience, 3600)
}
