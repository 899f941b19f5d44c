//! Reading a JSON body ourselves, so that a body too large or not JSON gets
//! the same error shape as every other failure.

use actix_web::web;
use futures_util::StreamExt;
use serde_json::Value;

use crate::error::ApiError;

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub async fn json(mut payload: web::Payload) -> Result<Value, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("cannot read body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(format!(
                "request body is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("request body is not valid JSON: {e}")))
}
