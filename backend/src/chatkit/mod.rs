//! ChatKit's self-hosted protocol on the chat endpoint: threads are
//! conversations, items are messages. Streaming operations answer
//! `text/event-stream`, the others JSON, in the shapes of the reference
//! server (the `openai-chatkit` package).

mod ids;
mod ops;
mod request;
mod stream;
mod transcribe;
mod wire;

use std::sync::Arc;

use actix_web::HttpResponse;
use serde_json::Value;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use request::Request;

pub use ids::{item_id, parse_item_id, parse_thread_id, thread_id};

pub async fn handle(
    state: Arc<AppState>,
    user: AuthUser,
    request: Value,
) -> Result<HttpResponse, ApiError> {
    match Request::parse(request)? {
        Request::Create(p) => stream::create(state, user, p).await,
        Request::AddUserMessage(p) => stream::add_user_message(state, user, p).await,
        Request::RetryAfterItem(p) => stream::retry_after_item(state, user, p).await,
        Request::CustomAction(p) => stream::custom_action(state, user, p).await,
        Request::GetById(p) => ok(ops::get_by_id(&state, &user, &p.thread_id).await?),
        Request::List(p) => ok(ops::list(&state, &user, p).await?),
        Request::ItemsList(p) => ok(ops::items_list(&state, &user, p).await?),
        Request::Update(p) => ok(ops::update(&state, &user, p).await?),
        Request::Delete(p) => ok(ops::delete(&state, &user, &p.thread_id).await?),
        Request::Feedback(p) => ok(ops::feedback(&state, &user, p).await?),
        Request::Transcribe(p) => ok(ops::transcribe(&state, p).await?),
        Request::AddClientToolOutput(p) => {
            ops::owned_thread(&state, &user, &p.thread_id).await?;
            Err(ApiError::BadRequest(
                "this thread has no pending client tool call: the server defines no client tools"
                    .into(),
            ))
        }
        Request::AddStructuredInput(p) => {
            ops::owned_thread(&state, &user, &p.thread_id).await?;
            Err(ApiError::BadRequest(
                "this thread has no pending structured input".into(),
            ))
        }
        Request::Unsupported(kind) => Err(ApiError::BadRequest(format!(
            "{kind} is not supported by this server"
        ))),
    }
}

fn ok(body: impl serde::Serialize) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(body))
}
