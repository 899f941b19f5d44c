//! Id schemes: a thread is a conversation, named by its id in decimal
//! ("42"); an item is a message, named "msg_<message id>" ("msg_7").
//! Parsing is strict (one spelling per id), so a malformed id is a 400.

use crate::error::ApiError;

const MESSAGE_PREFIX: &str = "msg_";

pub fn thread_id(conversation_id: i64) -> String {
    conversation_id.to_string()
}

pub fn item_id(message_id: i64) -> String {
    format!("{MESSAGE_PREFIX}{message_id}")
}

pub fn parse_thread_id(raw: &str) -> Result<i64, ApiError> {
    positive_decimal(raw).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "invalid thread id '{}': expected a positive decimal number",
            shorten(raw)
        ))
    })
}

pub fn parse_item_id(raw: &str) -> Result<i64, ApiError> {
    raw.strip_prefix(MESSAGE_PREFIX)
        .and_then(positive_decimal)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "invalid item id '{}': expected \"{MESSAGE_PREFIX}<number>\"",
                shorten(raw)
            ))
        })
}

/// Digits only, no sign, no leading zero, fits in an i64, above zero.
fn positive_decimal(raw: &str) -> Option<i64> {
    let canonical =
        !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) && !raw.starts_with('0');
    if !canonical {
        return None;
    }
    raw.parse().ok()
}

/// Echo at most a short prefix of what the client sent.
fn shorten(raw: &str) -> String {
    const MAX: usize = 40;
    if raw.chars().count() <= MAX {
        raw.to_string()
    } else {
        format!("{}…", raw.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in [1, 42, i64::MAX] {
            assert_eq!(parse_thread_id(&thread_id(id)).unwrap(), id);
            assert_eq!(parse_item_id(&item_id(id)).unwrap(), id);
        }
        assert_eq!(item_id(7), "msg_7");
        assert_eq!(thread_id(7), "7");
    }

    #[test]
    fn only_the_canonical_spelling_parses() {
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "01",
            " 1",
            "1 ",
            "1.0",
            "abc",
            "thr_1",
            "9223372036854775808",
        ] {
            assert!(
                matches!(parse_thread_id(bad), Err(ApiError::BadRequest(_))),
                "{bad:?}"
            );
        }
        for bad in [
            "", "1", "msg_", "msg_0", "msg_01", "MSG_1", "msg_-3", "msg_1x",
        ] {
            assert!(
                matches!(parse_item_id(bad), Err(ApiError::BadRequest(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn long_ids_are_not_echoed_whole() {
        let long = "x".repeat(10_000);
        let Err(ApiError::BadRequest(message)) = parse_thread_id(&long) else {
            panic!()
        };
        assert!(message.len() < 200);
    }
}
